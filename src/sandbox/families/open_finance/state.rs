//! What the institution remembers: consents, tokens, codes and customer standing.
//!
//! Stores are bounded: expired tokens and codes are swept when a store grows, and a full consent
//! store refuses new consents with a clear message instead of growing without limit.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use indexmap::IndexMap;

use crate::datagen::{CustomerStatus, MultipleApproval};

pub const AUTHORISATION_WINDOW: Duration = Duration::minutes(60);
pub const ACCESS_TOKEN_TTL: Duration = Duration::minutes(15);
pub const REFRESH_TOKEN_TTL: Duration = Duration::days(30);
pub const CODE_TTL: Duration = Duration::minutes(5);
pub const MAX_CONSENTS: usize = 200_000;
const SWEEP_AT: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentStatus {
    AwaitingAuthorisation,
    Authorised,
    Rejected,
}

impl ConsentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentStatus::AwaitingAuthorisation => "AWAITING_AUTHORISATION",
            ConsentStatus::Authorised => "AUTHORISED",
            ConsentStatus::Rejected => "REJECTED",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Rejection {
    /// `USER`, `ASPSP` or `TPP`.
    pub by: &'static str,
    pub code: &'static str,
    pub info: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Consent {
    pub id: String,
    pub client_id: String,
    pub status: ConsentStatus,
    pub permissions: Vec<String>,
    pub logged_user: String,
    pub logged_user_rel: String,
    pub business_entity: Option<String>,
    pub business_entity_rel: Option<String>,
    pub created: DateTime<Utc>,
    pub status_updated: DateTime<Utc>,
    pub expiration: Option<DateTime<Utc>>,
    pub rejection: Option<Rejection>,
    pub multiple_approval: Option<MultipleApproval>,
    pub is_linked: Option<bool>,
}

impl Consent {
    /// The consent as it stands at `now`: a consent not authorised within 60 minutes is rejected
    /// (`CONSENT_EXPIRED`), an authorised one past its `expirationDateTime` too
    /// (`CONSENT_MAX_DATE_REACHED`), both by the institution, at the moment it happened.
    pub fn at(&self, now: DateTime<Utc>) -> Consent {
        let mut c = self.clone();
        if let Some((when, code)) = self.timeout(now) {
            c.reject_at(when, "ASPSP", code, None);
        }
        c
    }

    /// The status and rejection code `at(now)` would show, without cloning the consent: the data
    /// APIs ask this on every request.
    pub fn status_at(&self, now: DateTime<Utc>) -> (ConsentStatus, Option<&'static str>) {
        match self.timeout(now) {
            Some((_, code)) => (ConsentStatus::Rejected, Some(code)),
            None => (self.status, self.rejection.as_ref().map(|r| r.code)),
        }
    }

    /// When and why the institution rejected this consent by `now`, if a timeout applies.
    fn timeout(&self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, &'static str)> {
        match self.status {
            ConsentStatus::AwaitingAuthorisation => {
                let deadline = self.created + AUTHORISATION_WINDOW;
                (now >= deadline).then_some((deadline, "CONSENT_EXPIRED"))
            }
            ConsentStatus::Authorised => self
                .expiration
                .filter(|exp| now >= *exp)
                .map(|exp| (exp, "CONSENT_MAX_DATE_REACHED")),
            ConsentStatus::Rejected => None,
        }
    }

    pub fn reject_at(
        &mut self,
        when: DateTime<Utc>,
        by: &'static str,
        code: &'static str,
        info: Option<String>,
    ) {
        self.status = ConsentStatus::Rejected;
        self.status_updated = when;
        self.rejection = Some(Rejection { by, code, info });
    }

    /// Whether any customer permission of the personal side (`true`) or business side is held.
    pub fn has(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }
}

#[derive(Debug, Clone)]
pub enum Grant {
    /// `client_credentials`: scopes only, no consent (POST/GET/DELETE /consents).
    Client { scopes: Vec<String> },
    /// `authorization_code` / `refresh_token`: bound to one consent.
    Consent {
        consent_id: String,
        scopes: Vec<String>,
    },
}

#[derive(Debug, Clone)]
pub struct Token {
    pub client_id: String,
    pub grant: Grant,
    pub expires_at: DateTime<Utc>,
    /// Set when the code it came from was replayed (RFC 6749 §4.1.2: revoke what the code issued).
    pub revoked: bool,
}

#[derive(Debug, Clone)]
pub struct Code {
    pub consent_id: String,
    pub expires_at: DateTime<Utc>,
    pub used: bool,
    /// Tokens issued with this code, revoked if the code is replayed.
    pub issued: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Refresh {
    pub consent_id: String,
    pub client_id: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Default)]
pub struct State {
    /// In creation order, so listings page through them without sorting.
    pub consents: IndexMap<String, Consent>,
    pub tokens: HashMap<String, Token>,
    pub codes: HashMap<String, Code>,
    pub refresh_tokens: HashMap<String, Refresh>,
    pub customer_status: HashMap<String, CustomerStatus>,
}

impl State {
    /// Drops expired tokens, codes and refresh tokens once a store is large; called on insert.
    pub fn sweep(&mut self, now: DateTime<Utc>) {
        if self.tokens.len() >= SWEEP_AT {
            self.tokens.retain(|_, t| t.expires_at > now);
        }
        if self.codes.len() >= SWEEP_AT {
            self.codes.retain(|_, c| c.expires_at > now);
        }
        if self.refresh_tokens.len() >= SWEEP_AT {
            self.refresh_tokens.retain(|_, r| r.expires_at > now);
        }
    }
}

/// A random opaque token: 32 bytes from the OS RNG, hex. Tokens are secrets, not data, so they are
/// not derived from the seed.
pub fn new_secret() -> String {
    let a = uuid::Uuid::new_v4();
    let b = uuid::Uuid::new_v4();
    format!("{}{}", a.simple(), b.simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consent(now: DateTime<Utc>) -> Consent {
        Consent {
            id: "urn:finsandbox:1".into(),
            client_id: "c".into(),
            status: ConsentStatus::AwaitingAuthorisation,
            permissions: vec![],
            logged_user: "52998224725".into(),
            logged_user_rel: "CPF".into(),
            business_entity: None,
            business_entity_rel: None,
            created: now,
            status_updated: now,
            expiration: Some(now + Duration::days(30)),
            rejection: None,
            multiple_approval: None,
            is_linked: None,
        }
    }

    #[test]
    fn awaiting_consent_expires_after_sixty_minutes() {
        let t0 = Utc::now();
        let c = consent(t0);
        assert_eq!(
            c.at(t0 + Duration::minutes(59)).status,
            ConsentStatus::AwaitingAuthorisation
        );
        let later = c.at(t0 + Duration::minutes(61));
        assert_eq!(later.status, ConsentStatus::Rejected);
        assert_eq!(later.rejection.unwrap().code, "CONSENT_EXPIRED");
        assert_eq!(later.status_updated, t0 + AUTHORISATION_WINDOW);
        assert_eq!(
            c.status_at(t0 + Duration::minutes(61)),
            (ConsentStatus::Rejected, Some("CONSENT_EXPIRED"))
        );
        assert_eq!(
            c.status_at(t0 + Duration::minutes(59)),
            (ConsentStatus::AwaitingAuthorisation, None)
        );
    }

    #[test]
    fn authorised_consent_is_rejected_past_its_expiration() {
        let t0 = Utc::now();
        let mut c = consent(t0);
        c.status = ConsentStatus::Authorised;
        let later = c.at(t0 + Duration::days(31));
        assert_eq!(later.status, ConsentStatus::Rejected);
        assert_eq!(later.rejection.unwrap().code, "CONSENT_MAX_DATE_REACHED");
        assert_eq!(
            c.status_at(t0 + Duration::days(31)),
            (ConsentStatus::Rejected, Some("CONSENT_MAX_DATE_REACHED"))
        );
        assert_eq!(
            c.at(t0 + Duration::days(1)).status,
            ConsentStatus::Authorised
        );
    }
}
