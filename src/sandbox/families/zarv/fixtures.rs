//! `fixtures/zarv.yaml`: the family's users and workspaces, prices, lifecycle delays, callback retry
//! schedule and magic documents, parsed and checked once at start-up. A bad file stops the sandbox with
//! a message naming the entry and the rule it breaks, rather than surprising a test later.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, Visitor};

use crate::datagen::br;

/// The file compiled into the binary, used when `--fixtures DIR` has no `zarv.yaml`.
pub const EMBEDDED: &str = include_str!("../../../../fixtures/zarv.yaml");

/// A fixture file that cannot be used, with the file and the entry named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct FixtureError {
    pub source_name: String,
    pub message: String,
}

/// An amount of BRL in cents: prices and balances are exact, never floats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(pub u64);

impl Money {
    pub fn cents(self) -> u64 {
        self.0
    }

    /// Parses `"10000.00"`, `"3.5"` or `"7"`: digits, then at most two decimals.
    pub fn parse(text: &str) -> Option<Money> {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let (whole, frac) = match text.split_once('.') {
            // A point promises decimals: "1." is as much a typo as ".5".
            Some((w, f)) if digits(f) => (w, f),
            Some(_) => return None,
            None => (text, ""),
        };
        if !digits(whole) || whole.len() > 12 || frac.len() > 2 {
            return None;
        }
        let reais: u64 = whole.parse().ok()?;
        let cents: u64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<u64>().ok()? * 10,
            _ => frac.parse().ok()?,
        };
        reais.checked_mul(100)?.checked_add(cents).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    pub fn saturating_add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }
}

impl fmt::Display for Money {
    /// `10000.00`: how the file writes it and how error messages quote it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
        struct MoneyVisitor;
        impl Visitor<'_> for MoneyVisitor {
            type Value = Money;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an amount in BRL as text, e.g. \"10000.00\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Money, E> {
                Money::parse(v.trim()).ok_or_else(|| {
                    E::custom(format!(
                        "{v:?} is not an amount in BRL (digits with at most two decimals, e.g. \"3.50\")"
                    ))
                })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Money, E> {
                v.checked_mul(100)
                    .map(Money)
                    .ok_or_else(|| E::custom("amount too large"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Money, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom("an amount cannot be negative"))
                    .and_then(|v| self.visit_u64(v))
            }
            // A YAML float (3.5) would go through binary floating point: ask for text instead.
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Money, E> {
                Err(E::custom(format!(
                    "write amounts with decimals as text (\"{v}\"), so cents stay exact"
                )))
            }
        }
        d.deserialize_any(MoneyVisitor)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Workspace {
    pub workspace_id: String,
    pub name: String,
    pub balance: Money,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct User {
    pub email: String,
    pub password: String,
    pub user_id: String,
    pub workspace_id: String,
}

/// Prices of the verification types and of the bureau option.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Costs {
    pub full: Money,
    pub light: Money,
    pub serasa: Money,
}

impl Costs {
    /// What a verification of `kind` costs, with or without the Serasa bureau block.
    pub fn price(&self, kind: super::VerificationType, serasa: bool) -> Money {
        let base = match kind {
            super::VerificationType::Full => self.full,
            super::VerificationType::Light => self.light,
        };
        if serasa {
            base.saturating_add(self.serasa)
        } else {
            base
        }
    }
}

/// Delays of the verification lifecycle, in sandbox-clock seconds.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Lifecycle {
    /// CREATED -> PROCESSING.
    pub processing_after_seconds: u64,
    /// PROCESSING -> COMPLETED or FAILED.
    pub finished_after_seconds: u64,
}

/// How callback deliveries are retried.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CallbackPolicy {
    /// Sandbox-clock minutes between a failed attempt and the next one; after the last retry fails
    /// the delivery is marked failed (so `len() + 1` attempts in all).
    pub retry_after_minutes: Vec<u64>,
    /// Real seconds a receiver gets to answer one attempt.
    pub timeout_seconds: u64,
}

/// How deep a holder's lawsuits go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LawsuitLevel {
    /// No lawsuit as defendant.
    #[default]
    None,
    /// Defendant in civil lawsuits (LAWSUIT_SUSPECT_PROCESS_L2).
    Suspect,
    /// And in a tax enforcement case as well (LAWSUIT_PROCESS_REDFLAG_L1).
    RedFlag,
}

/// Restrictive-list types: lower case in requests, upper case in answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlacklistType {
    Credit,
    Fraud,
    Other,
}

impl BlacklistType {
    /// The request form (`fraud`); anything else, upper case included, is not one.
    pub fn parse_request(s: &str) -> Option<BlacklistType> {
        match s {
            "credit" => Some(BlacklistType::Credit),
            "fraud" => Some(BlacklistType::Fraud),
            "other" => Some(BlacklistType::Other),
            _ => None,
        }
    }

    /// The answer form (`FRAUD`).
    pub fn as_response(self) -> &'static str {
        match self {
            BlacklistType::Credit => "CREDIT",
            BlacklistType::Fraud => "FRAUD",
            BlacklistType::Other => "OTHER",
        }
    }
}

/// A restrictive-list entry a magic document starts with, in every workspace.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlacklistSeed {
    #[serde(rename = "type")]
    pub kind: BlacklistType,
    pub description: String,
}

/// A document whose verification finds exactly what its entry says.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MagicDocument {
    pub document: String,
    pub label: String,
    #[serde(default)]
    pub obit: bool,
    #[serde(default)]
    pub restrictions: bool,
    #[serde(default)]
    pub protests: bool,
    #[serde(default)]
    pub bounced_checks: bool,
    #[serde(default)]
    pub lawsuits: LawsuitLevel,
    #[serde(default)]
    pub assistance: bool,
    #[serde(default)]
    pub business_participations: bool,
    /// The verification ends FAILED with this reason.
    #[serde(default)]
    pub fails: Option<String>,
    #[serde(default)]
    pub blacklist: Option<BlacklistSeed>,
}

impl MagicDocument {
    /// The findings this entry names (a failing one has none).
    fn findings(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        for (on, name) in [
            (self.obit, "obit"),
            (self.restrictions, "restrictions"),
            (self.protests, "protests"),
            (self.bounced_checks, "bouncedChecks"),
            (self.lawsuits != LawsuitLevel::None, "lawsuits"),
            (self.assistance, "assistance"),
            (self.business_participations, "businessParticipations"),
        ] {
            if on {
                out.push(name);
            }
        }
        out
    }
}

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ZarvFixtures {
    pub workspaces: Vec<Workspace>,
    pub users: Vec<User>,
    pub costs: Costs,
    pub lifecycle: Lifecycle,
    /// The moves between statuses; checked here, read by both faces through [`super::rules`].
    pub statuses: super::rules::StatusTable,
    pub callbacks: CallbackPolicy,
    #[serde(default)]
    pub magic_documents: Vec<MagicDocument>,
}

/// Longest lifecycle step or retry delay accepted: beyond a day a typo is likelier than intent.
const MAX_DELAY_SECONDS: u64 = 86_400;

fn is_uuid(s: &str) -> bool {
    // The hyphenated form only: ids are compared as text and echoed in answers.
    s.len() == 36 && uuid::Uuid::try_parse(s).is_ok()
}

/// A plausible address: one `@`, something before it, a dotted domain after it, no spaces.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

/// A CPF (11 digits) or CNPJ (14 characters, letters upper case) with valid check digits.
pub fn is_national_id(s: &str) -> bool {
    match s.len() {
        11 => s.bytes().all(|b| b.is_ascii_digit()) && br::is_valid_cpf(s),
        14 => {
            s.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
                && br::is_valid_cnpj(s)
        }
        _ => false,
    }
}

impl ZarvFixtures {
    /// Parses and checks the file; `source` names it in errors.
    pub fn parse(source: &str, text: &str) -> Result<ZarvFixtures, FixtureError> {
        let fail = |message: String| FixtureError {
            source_name: source.to_string(),
            message,
        };
        let file: ZarvFixtures = serde_yaml_ng::from_str(text).map_err(|e| fail(e.to_string()))?;
        file.check().map_err(fail)?;
        Ok(file)
    }

    /// Reads `zarv.yaml` from the fixtures directory, or the embedded file when there is none.
    pub fn load(dir: Option<&Path>) -> Result<ZarvFixtures, FixtureError> {
        match dir.map(|d| d.join("zarv.yaml")) {
            Some(path) if path.exists() => {
                let source = path.display().to_string();
                let text = std::fs::read_to_string(&path).map_err(|e| FixtureError {
                    source_name: source.clone(),
                    message: e.to_string(),
                })?;
                ZarvFixtures::parse(&source, &text)
            }
            _ => ZarvFixtures::parse("zarv.yaml", EMBEDDED),
        }
    }

    fn check(&self) -> Result<(), String> {
        super::rules::Lifecycle::from_table(self.statuses.clone())?;
        if self.workspaces.is_empty() {
            return Err("workspaces: at least one workspace is needed".into());
        }
        let mut workspace_ids = HashSet::new();
        for (i, w) in self.workspaces.iter().enumerate() {
            let who = format!("workspaces[{i}] ({})", w.name);
            if !is_uuid(&w.workspace_id) {
                return Err(format!(
                    "{who}: workspaceId {:?} is not a UUID",
                    w.workspace_id
                ));
            }
            if !workspace_ids.insert(w.workspace_id.to_ascii_lowercase()) {
                return Err(format!(
                    "{who}: workspaceId {} is listed twice",
                    w.workspace_id
                ));
            }
            if w.name.trim().is_empty() {
                return Err(format!("workspaces[{i}]: name is empty"));
            }
        }

        if self.users.is_empty() {
            return Err("users: at least one user is needed".into());
        }
        let mut emails = HashSet::new();
        let mut user_ids = HashSet::new();
        for (i, u) in self.users.iter().enumerate() {
            let who = format!("users[{i}] ({})", u.email);
            if !is_email(&u.email) {
                return Err(format!(
                    "users[{i}]: {:?} is not an e-mail address",
                    u.email
                ));
            }
            if !emails.insert(u.email.to_ascii_lowercase()) {
                return Err(format!("{who}: e-mail listed twice"));
            }
            // The login schema asks for 4 to 128 characters: a shorter one could never log in.
            let len = u.password.chars().count();
            if !(4..=128).contains(&len) {
                return Err(format!(
                    "{who}: the password must have 4 to 128 characters (it has {len})"
                ));
            }
            if !is_uuid(&u.user_id) {
                return Err(format!("{who}: userId {:?} is not a UUID", u.user_id));
            }
            if !user_ids.insert(u.user_id.to_ascii_lowercase()) {
                return Err(format!("{who}: userId {} is listed twice", u.user_id));
            }
            if !workspace_ids.contains(&u.workspace_id.to_ascii_lowercase()) {
                return Err(format!(
                    "{who}: workspaceId {} is not one of the workspaces",
                    u.workspace_id
                ));
            }
        }
        for w in &self.workspaces {
            if !self
                .users
                .iter()
                .any(|u| u.workspace_id.eq_ignore_ascii_case(&w.workspace_id))
            {
                return Err(format!(
                    "workspace {} ({}) has no user: no one could log in to it",
                    w.workspace_id, w.name
                ));
            }
        }

        for (name, price) in [("full", self.costs.full), ("light", self.costs.light)] {
            if price == Money(0) {
                return Err(format!(
                    "costs.{name}: a verification must cost something, or no workspace could run out of credit"
                ));
            }
        }

        for (name, secs) in [
            (
                "lifecycle.processingAfterSeconds",
                self.lifecycle.processing_after_seconds,
            ),
            (
                "lifecycle.finishedAfterSeconds",
                self.lifecycle.finished_after_seconds,
            ),
        ] {
            if secs > MAX_DELAY_SECONDS {
                return Err(format!("{name}: {secs} is above one day"));
            }
        }
        for (i, &m) in self.callbacks.retry_after_minutes.iter().enumerate() {
            if m == 0 || m * 60 > MAX_DELAY_SECONDS {
                return Err(format!(
                    "callbacks.retryAfterMinutes[{i}]: {m} must be between 1 and 1440"
                ));
            }
        }
        if !(1..=60).contains(&self.callbacks.timeout_seconds) {
            return Err(format!(
                "callbacks.timeoutSeconds: {} must be between 1 and 60",
                self.callbacks.timeout_seconds
            ));
        }

        let mut seen = HashSet::new();
        for (i, m) in self.magic_documents.iter().enumerate() {
            let who = format!("magicDocuments[{i}] {} ({})", m.document, m.label);
            if !is_national_id(&m.document) {
                return Err(format!(
                    "{who}: not an unmasked CPF (11 digits) or CNPJ (14 characters, letters in upper case) with valid check digits"
                ));
            }
            if m.label.trim().is_empty() {
                return Err(format!("{who}: label is empty"));
            }
            if !seen.insert(m.document.as_str()) {
                return Err(format!("{who}: listed twice"));
            }
            let company = m.document.len() == 14;
            if company && m.obit {
                return Err(format!("{who}: obit applies to people (CPF) only"));
            }
            if company && m.assistance {
                return Err(format!(
                    "{who}: assistance programmes apply to people (CPF) only"
                ));
            }
            if let Some(reason) = &m.fails {
                if reason.trim().is_empty() {
                    return Err(format!("{who}: fails needs a reason"));
                }
                let findings = m.findings();
                if !findings.is_empty() {
                    return Err(format!(
                        "{who}: a verification that fails has no result, so {} would never show; remove them or `fails`",
                        findings.join(", ")
                    ));
                }
            }
            if let Some(b) = &m.blacklist
                && b.description.trim().is_empty()
            {
                return Err(format!("{who}: blacklist.description is empty"));
            }
        }
        Ok(())
    }

    pub fn magic(&self, document: &str) -> Option<&MagicDocument> {
        self.magic_documents.iter().find(|m| m.document == document)
    }

    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email.trim()))
    }

    pub fn workspace(&self, workspace_id: &str) -> Option<&Workspace> {
        self.workspaces
            .iter()
            .find(|w| w.workspace_id.eq_ignore_ascii_case(workspace_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embedded() -> ZarvFixtures {
        ZarvFixtures::parse("zarv.yaml", EMBEDDED).expect("the shipped file loads")
    }

    /// The shipped file with `from` replaced by `to` (which must occur).
    fn variant(from: &str, to: &str) -> String {
        assert!(EMBEDDED.contains(from), "{from:?} not in the file");
        EMBEDDED.replacen(from, to, 1)
    }

    fn error_of(text: &str) -> String {
        ZarvFixtures::parse("zarv.yaml", text)
            .expect_err("the file must be refused")
            .to_string()
    }

    #[test]
    fn shipped_file_has_two_workspaces_a_user_without_credit_and_every_outcome() {
        let f = embedded();
        assert_eq!(f.workspaces.len(), 2);
        let broke: Vec<_> = f
            .users
            .iter()
            .filter(|u| {
                f.workspace(&u.workspace_id)
                    .is_some_and(|w| w.balance == Money(0))
            })
            .collect();
        assert_eq!(broke.len(), 1, "exactly one user without credit");
        assert!(
            f.users
                .iter()
                .any(|u| f.workspace(&u.workspace_id).is_some_and(
                    |w| w.balance > f.costs.price(super::super::VerificationType::Full, true)
                ))
        );
        let m = &f.magic_documents;
        assert!(
            m.iter()
                .any(|d| d.findings().is_empty() && d.fails.is_none() && d.blacklist.is_none())
        );
        assert!(m.iter().any(|d| d.blacklist.is_some()));
        assert!(m.iter().any(|d| d.obit));
        assert!(m.iter().any(|d| d.restrictions));
        assert!(m.iter().any(|d| d.lawsuits == LawsuitLevel::RedFlag));
        assert!(m.iter().any(|d| d.assistance));
        assert!(m.iter().any(|d| d.fails.is_some()));
        assert!(
            m.iter()
                .any(|d| d.protests && d.bounced_checks && d.business_participations)
        );
        assert!(
            m.iter()
                .any(|d| d.document.len() == 14
                    && d.document.bytes().any(|b| b.is_ascii_uppercase()))
        );
    }

    #[test]
    fn magic_documents_belong_to_no_other_family() {
        // Every other fixture file, whoever added it: a document magic here must mean nothing
        // there, or the faces would disagree about one person.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut others = 0;
        for entry in std::fs::read_dir(&dir)
            .expect("fixtures readable")
            .flatten()
        {
            let path = entry.path();
            let yaml = path.extension().is_some_and(|e| e == "yaml");
            if !yaml || path.file_name().is_some_and(|n| n == "zarv.yaml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("fixture readable");
            others += 1;
            for d in &embedded().magic_documents {
                assert!(
                    !text.contains(&d.document),
                    "{} in {}",
                    d.document,
                    path.display()
                );
            }
        }
        assert!(others >= 2, "the other families' fixtures were read");
    }

    #[test]
    fn lookups_find_users_workspaces_and_magic_documents() {
        let f = embedded();
        let u = f
            .user_by_email(" ANA.SOUZA@aurora.example ")
            .expect("case-insensitive");
        assert_eq!(
            f.workspace(&u.workspace_id).map(|w| w.name.as_str()),
            Some("Aurora Crédito")
        );
        assert!(f.magic("55500000322").is_some_and(|m| m.obit));
        assert!(f.magic("52998224725").is_none());
        assert!(f.user_by_email("nobody@aurora.example").is_none());
    }

    #[test]
    fn prices_add_the_bureau_when_asked_for() {
        let c = embedded().costs;
        use super::super::VerificationType::{Full, Light};
        assert_eq!(c.price(Full, false), c.full);
        assert_eq!(c.price(Light, false), c.light);
        assert_eq!(c.price(Full, true), Money(c.full.0 + c.serasa.0));
    }

    #[test]
    fn money_is_parsed_exactly_and_printed_with_two_decimals() {
        assert_eq!(Money::parse("10000.00"), Some(Money(1_000_000)));
        assert_eq!(Money::parse("3.5"), Some(Money(350)));
        assert_eq!(Money::parse("7"), Some(Money(700)));
        for bad in ["", "-1", "1.234", "1,50", "R$1", ".5", "1.", "abc"] {
            assert_eq!(Money::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Money(100_050).to_string(), "1000.50");
        assert_eq!(Money(5).to_string(), "0.05");
    }

    #[test]
    fn unknown_keys_are_refused_with_their_name() {
        let err = error_of(&variant("    obit: true\n", "    obitt: true\n"));
        assert!(err.contains("obitt"), "{err}");
        let err = error_of(&variant("costs:\n", "costz:\n"));
        assert!(err.contains("costz"), "{err}");
    }

    #[test]
    fn invalid_documents_are_named() {
        let err = error_of(&variant("\"55500000403\"", "\"55500000404\""));
        assert!(err.contains("55500000404"), "{err}");
        assert!(err.contains("check digits"), "{err}");
        // A masked or lower-case document is not the unmasked form answers carry.
        let err = error_of(&variant("\"55500000403\"", "\"555.000.004-03\""));
        assert!(err.contains("555.000.004-03"), "{err}");
        let err = error_of(&variant("\"ZV555000000164\"", "\"zv555000000164\""));
        assert!(err.contains("zv555000000164"), "{err}");
    }

    #[test]
    fn a_document_listed_twice_is_refused() {
        let err = error_of(&variant("\"55500000403\"", "\"55500000160\""));
        assert!(err.contains("listed twice"), "{err}");
    }

    #[test]
    fn findings_that_cannot_apply_are_refused() {
        let err = error_of(&variant(
            "    label: company (CNPJ), clean record\n",
            "    label: company (CNPJ), clean record\n    obit: true\n",
        ));
        assert!(err.contains("people (CPF) only"), "{err}");
        let err = error_of(&variant(
            "    fails: the data sources did not answer in time\n",
            "    fails: the data sources did not answer in time\n    restrictions: true\n",
        ));
        assert!(err.contains("restrictions would never show"), "{err}");
    }

    #[test]
    fn users_must_log_in_to_a_listed_workspace() {
        let err = error_of(&variant(
            "    userId: 7e4c002d-d19d-44fa-95f8-2141d188386e\n    workspaceId: 2d9c4b7a-6e13-4f85-a0b2-8c7e1d3f5a90\n",
            "    userId: 7e4c002d-d19d-44fa-95f8-2141d188386e\n    workspaceId: 11111111-2222-4333-8444-555555555555\n",
        ));
        assert!(err.contains("not one of the workspaces"), "{err}");
        let err = error_of(&variant("password: boreal-carla-2026", "password: abc"));
        assert!(err.contains("4 to 128"), "{err}");
        let err = error_of(&variant(
            "email: bruno.lima@aurora.example",
            "email: bruno.lima",
        ));
        assert!(err.contains("not an e-mail"), "{err}");
        let err = error_of(&variant(
            "email: bruno.lima@aurora.example",
            "email: ana.souza@aurora.example",
        ));
        assert!(err.contains("listed twice"), "{err}");
    }

    #[test]
    fn bad_ids_amounts_and_delays_are_refused() {
        let err = error_of(&variant(
            "workspaceId: 7b0c2f4e-5d1a-4c8e-9f36-2a1d8e4b6c01\n    name",
            "workspaceId: aurora\n    name",
        ));
        assert!(err.contains("\"aurora\" is not a UUID"), "{err}");
        let err = error_of(&variant("balance: \"0.00\"", "balance: \"-5\""));
        assert!(err.contains("not an amount"), "{err}");
        let err = error_of(&variant("balance: \"0.00\"", "balance: 0.5"));
        assert!(err.contains("as text"), "{err}");
        let err = error_of(&variant("light: \"1.00\"", "light: \"0\""));
        assert!(err.contains("costs.light"), "{err}");
        let err = error_of(&variant(
            "finishedAfterSeconds: 4",
            "finishedAfterSeconds: 100000",
        ));
        assert!(err.contains("above one day"), "{err}");
        let err = error_of(&variant("[1, 5, 15, 30, 60]", "[1, 0]"));
        assert!(err.contains("retryAfterMinutes[1]"), "{err}");
    }

    #[test]
    fn blacklist_types_go_in_lower_case_and_come_out_upper_case() {
        assert_eq!(
            BlacklistType::parse_request("fraud").map(BlacklistType::as_response),
            Some("FRAUD")
        );
        assert_eq!(BlacklistType::parse_request("FRAUD"), None);
        assert_eq!(BlacklistType::parse_request("spam"), None);
    }

    #[test]
    fn national_ids_need_check_digits_and_the_unmasked_form() {
        assert!(is_national_id("91439362025"));
        assert!(is_national_id("12ABC34501DE35"));
        assert!(
            !is_national_id("012345678900"),
            "the official example, 12 characters"
        );
        assert!(!is_national_id("91439362026"));
        assert!(!is_national_id("12abc34501de35"));
    }
}
