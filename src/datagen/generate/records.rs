//! The coherent records one object draws lazily: its address, phone, person, company, bank and
//! account. Each is drawn once per scope so all fields of one address (or phone...) agree.

use rand::RngExt;

use super::{Scope, Walker};
use crate::datagen::br;

impl Walker<'_, '_> {
    /// The scope that owns this object's address: nested helper objects (`geographicCoordinates`)
    /// belong to the address around them.
    pub(super) fn owner_of(
        &self,
        has: impl Fn(&Scope) -> bool,
        containers: &[&str],
    ) -> Option<usize> {
        self.scopes.iter().rposition(|s| {
            has(s)
                || s.container
                    .as_deref()
                    .is_some_and(|c| containers.contains(&c))
        })
    }

    pub(super) fn address(&mut self) -> &br::Address {
        let persona = self.ctx.persona;
        if self.scopes.is_empty() {
            self.scopes.push(Scope::default());
        }
        let owner = self
            .owner_of(|s| s.address.is_some(), &["postalAddresses", "address"])
            .unwrap_or(self.scopes.len() - 1);
        if self.scopes[owner].address.is_none() {
            let s = &self.scopes[owner];
            let own = matches!(s.container.as_deref(), Some("postalAddresses" | "address"));
            let addr = match (own, s.index) {
                (true, Some(i)) if i < persona.addresses.len() => persona.addresses[i].clone(),
                (true, None) => persona.addresses[0].clone(),
                _ => br::gen_address(self.rng, None),
            };
            self.scopes[owner].address = Some(addr);
        }
        self.scopes[owner]
            .address
            .as_ref()
            .unwrap_or(&persona.addresses[0])
    }

    pub(super) fn phone(&mut self) -> &br::Phone {
        let persona = self.ctx.persona;
        if self.scopes.is_empty() {
            self.scopes.push(Scope::default());
        }
        let owner = self
            .owner_of(|s| s.phone.is_some(), &["phones", "phone"])
            .unwrap_or(self.scopes.len() - 1);
        if self.scopes[owner].phone.is_none() {
            let s = &self.scopes[owner];
            let phone = match (s.container.as_deref(), s.index) {
                (Some("phones"), Some(i)) if i < persona.phones.len() => persona.phones[i].clone(),
                (Some("phone"), _) => persona.phones[0].clone(),
                _ => {
                    let mobile = self.rng.random_bool(0.7);
                    br::gen_phone(self.rng, None, mobile)
                }
            };
            self.scopes[owner].phone = Some(phone);
        }
        self.scopes[owner]
            .phone
            .as_ref()
            .unwrap_or(&persona.phones[0])
    }

    pub(super) fn person(&mut self) -> (String, br::Sex) {
        if let Some(p) = &self.scope().person {
            return p.clone();
        }
        let sex = if self.rng.random_bool(0.5) {
            br::Sex::Female
        } else {
            br::Sex::Male
        };
        let name = br::gen_full_name(self.rng, sex);
        self.scope().person = Some((name.clone(), sex));
        (name, sex)
    }

    pub(super) fn company(&mut self) -> br::Company {
        if let Some(c) = &self.scope().company {
            return c.clone();
        }
        let c = br::gen_company(self.rng);
        self.scope().company = Some(c.clone());
        c
    }

    pub(super) fn bank(&mut self) -> &'static br::Bank {
        if let Some(b) = self.scope().bank {
            return b;
        }
        let b = br::gen_bank(self.rng);
        self.scope().bank = Some(b);
        b
    }

    pub(super) fn account(&mut self) -> (String, String, String) {
        if let Some(a) = &self.scope().account {
            return a.clone();
        }
        let a = br::gen_account(self.rng);
        let a = (a.branch, a.number, a.check_digit.to_string());
        self.scope().account = Some(a.clone());
        a
    }
}
