//! Bankly's KYC rules as data, from the `kyc` section of `fixtures/bankly.yaml`: the state
//! machine, the webhook event of each status, who moves a registration there, and the reason
//! codes. Parsed once from the embedded fixture; the sandbox's transitions and the harness's moves
//! read this one table, so the two faces cannot disagree.

use std::collections::{HashMap, VecDeque};
use std::sync::LazyLock;

use serde::Deserialize;

use super::kyc::Status;

/// Who brings a registration to a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Actor {
    /// The customer registers (`PUT /customers/{documentNumber}`).
    Registration,
    /// An analyst decides; in the sandbox, the control API stands in for one.
    Analyst,
    /// The customer offboards (`PATCH /customers/{documentNumber}/cancel`).
    Cancellation,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct StatusRule {
    event: String,
    reached_by: Actor,
    next: Vec<Status>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    pub code: String,
    pub description: String,
    #[serde(default)]
    pub retryable: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KycSection {
    statuses: HashMap<Status, StatusRule>,
    reasons: Vec<Reason>,
}

#[derive(Debug, Deserialize)]
struct FixtureFile {
    kyc: KycSection,
}

/// The KYC rules.
#[derive(Debug)]
pub struct KycRules {
    statuses: HashMap<Status, StatusRule>,
    pub reasons: Vec<Reason>,
}

const EMBEDDED: &str = include_str!("../../../../fixtures/bankly.yaml");

/// The rules of the embedded fixture. Its tests prove it parses, so this never fails at run time.
pub fn rules() -> &'static KycRules {
    static RULES: LazyLock<KycRules> = LazyLock::new(|| {
        KycRules::parse(EMBEDDED).unwrap_or_else(|e| panic!("fixtures/bankly.yaml: {e}"))
    });
    &RULES
}

impl KycRules {
    pub fn parse(text: &str) -> Result<KycRules, String> {
        let file: FixtureFile = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
        for status in Status::ALL {
            if !file.kyc.statuses.contains_key(&status) {
                return Err(format!("kyc.statuses lacks {}", status.as_str()));
            }
        }
        Ok(KycRules {
            statuses: file.kyc.statuses,
            reasons: file.kyc.reasons,
        })
    }

    pub fn allows(&self, from: Status, to: Status) -> bool {
        self.statuses
            .get(&from)
            .is_some_and(|r| r.next.contains(&to))
    }

    pub fn next(&self, from: Status) -> &[Status] {
        self.statuses.get(&from).map_or(&[], |r| r.next.as_slice())
    }

    /// The webhook event announcing that a registration reached `status`.
    pub fn event(&self, status: Status) -> &str {
        self.statuses.get(&status).map_or("", |r| r.event.as_str())
    }

    pub fn reached_by(&self, status: Status) -> Actor {
        self.statuses
            .get(&status)
            .map_or(Actor::Analyst, |r| r.reached_by)
    }

    pub fn is_reason(&self, code: &str) -> bool {
        self.reasons.iter().any(|r| r.code == code)
    }

    pub fn retryable(&self) -> Vec<&str> {
        self.reasons
            .iter()
            .filter(|r| r.retryable)
            .map(|r| r.code.as_str())
            .collect()
    }

    /// The shortest way from `from` to `to` (the statuses after `from`), if the machine has one.
    pub fn path(&self, from: Status, to: Status) -> Option<Vec<Status>> {
        let mut queue = VecDeque::from([from]);
        let mut came_from: HashMap<Status, Status> = HashMap::new();
        while let Some(at) = queue.pop_front() {
            if at == to && at != from {
                break;
            }
            for &n in self.next(at) {
                if n != from && !came_from.contains_key(&n) {
                    came_from.insert(n, at);
                    queue.push_back(n);
                }
            }
        }
        if from == to {
            return Some(Vec::new());
        }
        let mut path = vec![to];
        let mut at = *came_from.get(&to)?;
        while at != from {
            path.push(at);
            at = *came_from.get(&at)?;
        }
        path.reverse();
        Some(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_rules_parse_and_describe_the_machine() {
        let r = rules();
        assert!(r.allows(Status::PendingApproval, Status::InAnalysis));
        assert!(!r.allows(Status::Blacklisted, Status::Approved));
        assert_eq!(r.event(Status::Blacklisted), "CUSTOMER_WAS_BLOCKED");
        assert_eq!(r.reached_by(Status::Canceled), Actor::Cancellation);
        assert!(r.is_reason("NOT_RETRY") && !r.is_reason("SHOE_SIZE"));
        assert!(r.retryable().contains(&"SELFIE_NOT_MATCHED"));
        assert!(!r.retryable().contains(&"NOT_RETRY"));
    }

    #[test]
    fn paths_follow_the_machine() {
        let r = rules();
        assert_eq!(
            r.path(Status::PendingApproval, Status::Canceled),
            Some(vec![Status::Approved, Status::Canceled])
        );
        assert_eq!(
            r.path(Status::PendingApproval, Status::InAnalysis),
            Some(vec![Status::InAnalysis])
        );
        assert_eq!(r.path(Status::Blacklisted, Status::Approved), None);
        assert_eq!(r.path(Status::Approved, Status::Approved), Some(vec![]));
    }

    #[test]
    fn a_fixture_without_a_status_is_refused() {
        let err = KycRules::parse("kyc: {statuses: {}, reasons: []}").unwrap_err();
        assert!(err.contains("PENDING_APPROVAL"), "{err}");
    }
}
