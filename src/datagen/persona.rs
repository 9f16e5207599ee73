//! Personas: every valid CPF or CNPJ is a customer. Its data is derived from (seed, document) alone, so
//! the same customer has one name, one birth date and one address on every endpoint, every run and
//! every replica. `fixtures/personas.yaml` pins the data and scenario flags of a few magic documents.

use std::sync::Arc;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use rand::rngs::ChaCha8Rng;
use rand::{Rng, RngExt};
use serde::Deserialize;

use super::br;
use super::{DATA_EPOCH, rng_for};

/// Which register the document belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Cpf,
    Cnpj,
}

/// A customer's standing with the institution; drives the 403 rows of the consent table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CustomerStatus {
    Active,
    TemporarilyBlocked,
    RelationshipClosed,
}

impl CustomerStatus {
    pub fn parse(s: &str) -> Option<CustomerStatus> {
        match s {
            "ACTIVE" => Some(CustomerStatus::Active),
            "TEMPORARILY_BLOCKED" => Some(CustomerStatus::TemporarilyBlocked),
            "RELATIONSHIP_CLOSED" => Some(CustomerStatus::RelationshipClosed),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CustomerStatus::Active => "ACTIVE",
            CustomerStatus::TemporarilyBlocked => "TEMPORARILY_BLOCKED",
            CustomerStatus::RelationshipClosed => "RELATIONSHIP_CLOSED",
        }
    }
}

/// State of the multiple approval ("múltipla alçada") a consent needs before data flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MultipleApproval {
    Pending,
    Approved,
    Rejected,
}

impl MultipleApproval {
    pub fn parse(s: &str) -> Option<MultipleApproval> {
        match s {
            "PENDING" => Some(MultipleApproval::Pending),
            "APPROVED" => Some(MultipleApproval::Approved),
            "REJECTED" => Some(MultipleApproval::Rejected),
            _ => None,
        }
    }
}

/// A customer.
#[derive(Debug, Clone)]
pub struct Persona {
    pub document: String,
    pub kind: DocKind,
    /// Set for fixture personas: what the magic document is for.
    pub label: Option<String>,
    pub sex: br::Sex,
    /// The person's name; for a company, its legal representative's.
    pub civil_name: String,
    pub social_name: Option<String>,
    pub birth_date: NaiveDate,
    /// `EnumMaritalStatusCode` value.
    pub marital_status: &'static str,
    pub mother_name: String,
    pub father_name: String,
    pub emails: Vec<String>,
    pub addresses: Vec<br::Address>,
    pub phones: Vec<br::Phone>,
    /// For a company (and the CPF of its representative).
    pub company: Option<br::Company>,
    pub representative_cpf: String,
    pub incorporation: NaiveDateTime,
    pub relationship_start: NaiveDateTime,
    pub occupation: String,
    /// The same occupation's CBO code (six digits), for vendors that ask for the code.
    pub occupation_code: String,
    /// Informed monthly income, `^\d{1,15}\.\d{2}$`.
    pub income: String,
    pub brazilian: bool,
    /// How many identification records the institution keeps for this customer (RN004/RN005).
    pub records: usize,
    pub initial_status: CustomerStatus,
    /// Multiple-approval state given to this customer's consents when authorised without saying.
    pub default_multiple_approval: Option<MultipleApproval>,
    id_seed: u64,
}

/// One entry of `fixtures/personas.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PersonaFixture {
    pub document: String,
    pub label: String,
    #[serde(default)]
    pub civil_name: Option<String>,
    #[serde(default)]
    pub social_name: Option<String>,
    #[serde(default)]
    pub birth_date: Option<NaiveDate>,
    #[serde(default)]
    pub sex: Option<String>,
    #[serde(default)]
    pub company_name: Option<String>,
    #[serde(default)]
    pub trade_name: Option<String>,
    #[serde(default)]
    pub records: Option<usize>,
    #[serde(default)]
    pub status: Option<CustomerStatus>,
    #[serde(default)]
    pub multiple_approval: Option<MultipleApproval>,
    #[serde(default)]
    pub brazilian: Option<bool>,
}

/// The fixture file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonaFixtures {
    #[serde(default)]
    pub personas: Vec<PersonaFixture>,
}

impl PersonaFixtures {
    /// Parses and checks the file: every document must be a valid CPF or CNPJ, listed once.
    pub fn parse(source: &str, text: &str) -> Result<PersonaFixtures, String> {
        let fixtures: PersonaFixtures =
            serde_yaml_ng::from_str(text).map_err(|e| format!("{source}: {e}"))?;
        let mut seen = std::collections::HashSet::new();
        for p in &fixtures.personas {
            if !(br::is_valid_cpf(&p.document) || br::is_valid_cnpj(&p.document))
                || p.document.len() != 11 && p.document.len() != 14
            {
                return Err(format!(
                    "{source}: {} ({}) is not a valid unmasked CPF or CNPJ",
                    p.document, p.label
                ));
            }
            if !seen.insert(p.document.clone()) {
                return Err(format!("{source}: {} is listed twice", p.document));
            }
            if let Some(sex) = &p.sex
                && !matches!(sex.as_str(), "FEMININO" | "MASCULINO")
            {
                return Err(format!(
                    "{source}: {}: sex must be FEMININO or MASCULINO",
                    p.document
                ));
            }
        }
        Ok(fixtures)
    }

    pub fn get(&self, document: &str) -> Option<&PersonaFixture> {
        self.personas.iter().find(|p| p.document == document)
    }
}

const MARITAL: &[(&str, u32)] = &[
    ("SOLTEIRO", 40),
    ("CASADO", 35),
    ("UNIAO_ESTAVEL", 10),
    ("DIVORCIADO", 8),
    ("VIUVO", 4),
    ("SEPARADO_JUDICIALMENTE", 2),
    ("OUTRO", 1),
];

fn pick_weighted<R: Rng + ?Sized>(rng: &mut R, table: &[(&'static str, u32)]) -> &'static str {
    let total: u32 = table.iter().map(|(_, w)| w).sum();
    let mut ticket = rng.random_range(0..total);
    for (value, w) in table {
        if ticket < *w {
            return value;
        }
        ticket -= w;
    }
    table[0].0
}

fn date_before(rng: &mut ChaCha8Rng, min_days: i64, max_days: i64) -> NaiveDateTime {
    let days = rng.random_range(min_days..=max_days);
    let secs = rng.random_range(8 * 3600..20 * 3600);
    DATA_EPOCH - Duration::days(days) + Duration::seconds(secs)
}

impl Persona {
    /// Derives the persona of `document` (unmasked, already known to be valid).
    pub fn derive(seed: u64, document: &str, fixture: Option<&PersonaFixture>) -> Persona {
        let mut rng = rng_for(seed, document, "persona");
        let kind = if document.len() == 11 {
            DocKind::Cpf
        } else {
            DocKind::Cnpj
        };
        let sex = match fixture.and_then(|f| f.sex.as_deref()) {
            Some("FEMININO") => br::Sex::Female,
            Some("MASCULINO") => br::Sex::Male,
            _ if rng.random_bool(0.52) => br::Sex::Female,
            _ => br::Sex::Male,
        };
        let civil_name = br::gen_full_name(&mut rng, sex);
        let mother_name = br::gen_full_name(&mut rng, br::Sex::Female);
        let father_name = br::gen_full_name(&mut rng, br::Sex::Male);
        let social_name = rng.random_bool(0.05).then(|| {
            let other = if sex == br::Sex::Female {
                br::Sex::Male
            } else {
                br::Sex::Female
            };
            br::gen_full_name(&mut rng, other)
        });
        let age_days = rng.random_range(18 * 365..85 * 365);
        let birth_date = (DATA_EPOCH - Duration::days(age_days)).date();
        let marital_status = pick_weighted(&mut rng, MARITAL);

        let home = br::gen_address(&mut rng, None);
        let mut addresses = vec![home];
        if rng.random_bool(0.25) {
            let uf = addresses[0].uf;
            addresses.push(br::gen_address(&mut rng, Some(uf)));
        }
        let uf = addresses[0].uf;
        let mut phones = vec![br::gen_phone(&mut rng, Some(uf), true)];
        if rng.random_bool(0.4) {
            phones.push(br::gen_phone(&mut rng, Some(uf), false));
        }

        let company = (kind == DocKind::Cnpj).then(|| br::gen_company(&mut rng));
        let representative_cpf = br::gen_cpf(&mut rng);
        let mut emails = Vec::new();
        match &company {
            Some(c) => emails.push(company_email(&c.trade_name)),
            None => {
                emails.push(br::email_for(&mut rng, &civil_name));
                if rng.random_bool(0.3) {
                    emails.push(br::email_for(&mut rng, &civil_name));
                }
            }
        }
        let incorporation = date_before(&mut rng, 2 * 365, 40 * 365);
        // A customer cannot have been one before they were 18 (or before the company existed).
        let adult_days = (age_days - 18 * 365).max(30);
        let relationship_start = match kind {
            DocKind::Cpf => date_before(&mut rng, 30, adult_days.min(25 * 365)),
            DocKind::Cnpj => {
                let max = (DATA_EPOCH - incorporation).num_days().max(31);
                date_before(&mut rng, 30, max)
            }
        };
        let drawn = br::gen_occupation(&mut rng);
        let (occupation, occupation_code) = (drawn.description.to_string(), drawn.code.to_string());
        let income = br::amount(&mut rng, 151_800, 4_500_000, 2);
        let brazilian = rng.random_bool(0.97);
        let records = match rng.random_range(0..100) {
            0..=84 => 1,
            85..=94 => rng.random_range(2..=3),
            _ => rng.random_range(26..=80),
        };
        let id_seed = rng.random();

        let mut persona = Persona {
            document: document.to_string(),
            kind,
            label: None,
            sex,
            civil_name,
            social_name,
            birth_date,
            marital_status,
            mother_name,
            father_name,
            emails,
            addresses,
            phones,
            company,
            representative_cpf,
            incorporation,
            relationship_start,
            occupation,
            occupation_code,
            income,
            brazilian,
            records,
            initial_status: CustomerStatus::Active,
            default_multiple_approval: None,
            id_seed,
        };
        if let Some(f) = fixture {
            persona.apply(f, &mut rng);
        }
        persona
    }

    fn apply(&mut self, f: &PersonaFixture, rng: &mut ChaCha8Rng) {
        self.label = Some(f.label.clone());
        if let Some(name) = &f.civil_name {
            self.civil_name = name.clone();
            self.emails = vec![br::email_for(rng, name)];
        }
        if let Some(name) = &f.social_name {
            self.social_name = Some(name.clone());
        }
        if let Some(d) = f.birth_date {
            self.birth_date = d;
        }
        if let Some(c) = self.company.as_mut() {
            if let Some(n) = &f.company_name {
                c.legal_name = n.clone();
            }
            if let Some(n) = &f.trade_name {
                c.trade_name = n.clone();
            }
        }
        if let Some(r) = f.records {
            self.records = r.max(1);
        }
        if let Some(s) = f.status {
            self.initial_status = s;
        }
        self.default_multiple_approval = f.multiple_approval;
        if let Some(b) = f.brazilian {
            self.brazilian = b;
        }
    }

    /// A stable id for the customer's `index`-th record (`personalId`, `businessId`): a UUID-shaped
    /// string that matches `^[a-zA-Z0-9][a-zA-Z0-9-]{0,99}$`.
    pub fn record_id(&self, index: usize) -> String {
        let mut rng = rng_for(self.id_seed, &self.document, &format!("record-{index}"));
        let bytes: [u8; 16] = rng.random();
        let mut b = bytes;
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        uuid::Uuid::from_bytes(b).to_string()
    }

    /// Age in whole years at the data epoch.
    pub fn age(&self) -> i32 {
        let e = DATA_EPOCH.date();
        let mut age = e.year() - self.birth_date.year();
        if (e.month(), e.day()) < (self.birth_date.month(), self.birth_date.day()) {
            age -= 1;
        }
        age
    }
}

/// `contato@<trade name>.com.br`: companies publish a role address, not a person's.
fn company_email(trade_name: &str) -> String {
    let ascii = deunicode::deunicode(trade_name).to_lowercase();
    let domain: String = ascii
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(40)
        .collect();
    let domain = if domain.is_empty() {
        "empresa".to_string()
    } else {
        domain
    };
    format!("contato@{domain}.com.br")
}

/// Personas by document: derived on demand, kept in a bounded cache.
pub struct PersonaBook {
    seed: u64,
    fixtures: PersonaFixtures,
    cache: quick_cache::sync::Cache<String, Arc<Persona>>,
}

impl PersonaBook {
    pub fn new(seed: u64, fixtures: PersonaFixtures) -> PersonaBook {
        PersonaBook {
            seed,
            fixtures,
            cache: quick_cache::sync::Cache::new(10_000),
        }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn fixtures(&self) -> &PersonaFixtures {
        &self.fixtures
    }

    /// The persona of a valid, unmasked document.
    pub fn get(&self, document: &str) -> Arc<Persona> {
        if let Some(p) = self.cache.get(document) {
            return p;
        }
        let persona = Arc::new(Persona::derive(
            self.seed,
            document,
            self.fixtures.get(document),
        ));
        self.cache.insert(document.to_string(), persona.clone());
        persona
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_and_document_give_the_same_persona() {
        let a = Persona::derive(42, "52998224725", None);
        let b = Persona::derive(42, "52998224725", None);
        assert_eq!(a.civil_name, b.civil_name);
        assert_eq!(a.birth_date, b.birth_date);
        assert_eq!(a.addresses[0].cep, b.addresses[0].cep);
        assert_eq!(a.record_id(3), b.record_id(3));
    }

    #[test]
    fn different_seeds_give_different_personas() {
        let names: std::collections::HashSet<_> = (0..20)
            .map(|seed| Persona::derive(seed, "52998224725", None).civil_name)
            .collect();
        assert!(names.len() > 15, "{names:?}");
    }

    #[test]
    fn personas_are_adults_and_customers_after_eighteen() {
        for i in 0..300u64 {
            let mut rng = rng_for(i, "docs", "cpf");
            let cpf = br::gen_cpf(&mut rng);
            let p = Persona::derive(7, &cpf, None);
            assert!(p.age() >= 18, "{cpf}: {}", p.birth_date);
            let eighteen = p
                .birth_date
                .with_year(p.birth_date.year() + 18)
                .unwrap_or(p.birth_date);
            assert!(p.relationship_start.date() >= eighteen, "{cpf}");
        }
    }

    #[test]
    fn fixture_overrides_data_and_flags() {
        let fixtures = PersonaFixtures::parse(
            "t",
            "personas:\n  - document: '52998224725'\n    label: blocked\n    civilName: Ana Teste\n    status: TEMPORARILY_BLOCKED\n    records: 40\n",
        )
        .unwrap();
        let p = Persona::derive(1, "52998224725", fixtures.get("52998224725"));
        assert_eq!(p.civil_name, "Ana Teste");
        assert_eq!(p.initial_status, CustomerStatus::TemporarilyBlocked);
        assert_eq!(p.records, 40);
    }

    #[test]
    fn fixture_with_invalid_document_is_refused() {
        let err = PersonaFixtures::parse(
            "f.yaml",
            "personas:\n  - document: '52998224726'\n    label: x\n",
        )
        .unwrap_err();
        assert!(err.contains("52998224726"), "{err}");
    }
}
