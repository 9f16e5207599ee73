//! Open Finance's rules as data, from `fixtures/open-finance.yaml`: the Consents permission groups
//! (and which of them this sandbox serves) and the Customers API's 403 table. Parsed once from the
//! embedded fixture; the sandbox answers by them and the harness builds its consents and expects its
//! 403s by them, so the two faces cannot disagree.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

/// Whose data a permission group reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Personal,
    Business,
    Other,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub name: String,
    pub kind: Kind,
    pub served: bool,
    pub permissions: Vec<String>,
}

/// One row of the 403 table: the code of each code family, a title and a detail.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forbidden {
    pub status: String,
    pub resource: String,
    pub title: String,
    pub detail: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Consents {
    permission_groups: Vec<Group>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Customers {
    forbidden: BTreeMap<String, Forbidden>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    consents: Consents,
    customers: Customers,
}

const EMBEDDED: &str = include_str!("../../../../fixtures/open-finance.yaml");

/// The rules of the embedded fixture. Its tests prove it parses, so this never fails at run time.
pub fn rules() -> &'static Rules {
    static RULES: LazyLock<Rules> = LazyLock::new(|| {
        serde_yaml_ng::from_str(EMBEDDED)
            .unwrap_or_else(|e| panic!("fixtures/open-finance.yaml: {e}"))
    });
    &RULES
}

impl Rules {
    pub fn groups(&self) -> &[Group] {
        &self.consents.permission_groups
    }

    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups().iter().find(|g| g.name == name)
    }

    /// Whether the sandbox serves data a permission reads.
    pub fn served(&self, permission: &str) -> bool {
        self.groups()
            .iter()
            .any(|g| g.served && g.permissions.iter().any(|p| p == permission))
    }

    /// The permissions of a kind's served groups, except the ones every group shares
    /// (`RESOURCES_READ`): what tells a personal consent from a business one.
    pub fn of_kind(&self, kind: Kind) -> Vec<&str> {
        let shared = |p: &str| {
            self.groups()
                .iter()
                .all(|g| g.permissions.iter().any(|q| q == p))
        };
        let mut out: Vec<&str> = Vec::new();
        for g in self.groups().iter().filter(|g| g.kind == kind && g.served) {
            for p in &g.permissions {
                if !shared(p) && !out.contains(&p.as_str()) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// Every permission of a kind's served groups, the shared ones included: a consent for all of
    /// that customer's data.
    pub fn all_of_kind(&self, kind: Kind) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for g in self.groups().iter().filter(|g| g.kind == kind && g.served) {
            for p in &g.permissions {
                if !out.contains(&p.as_str()) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// The 403 row for a reason (`pending-multiple-approval`, `customer-blocked`, ...).
    pub fn forbidden(&self, reason: &str) -> Option<&Forbidden> {
        self.customers.forbidden.get(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_rules_parse_and_name_what_is_served() {
        let r = rules();
        assert!(r.served("CUSTOMERS_PERSONAL_IDENTIFICATIONS_READ"));
        assert!(!r.served("ACCOUNTS_READ"));
        assert_eq!(
            r.of_kind(Kind::Personal),
            [
                "CUSTOMERS_PERSONAL_IDENTIFICATIONS_READ",
                "CUSTOMERS_PERSONAL_ADITTIONALINFO_READ"
            ]
        );
        assert!(r.all_of_kind(Kind::Business).contains(&"RESOURCES_READ"));
        assert_eq!(
            r.forbidden("customer-blocked").map(|f| f.status.as_str()),
            Some("STATUS_TEMPORARY_UNAVAILABLE")
        );
    }
}
