//! What the Zarv family remembers between requests: verifications, workspace balances, spent refresh
//! tokens, each workspace's restrictive list and the feedbacks. One lock guards it all; no handler
//! holds it across anything slow (results and PDFs are built after it is released).
//!
//! Settlement is the one place a verification's end has effects: when its final instant passes,
//! a FAILED one gives its price back to the workspace and a callback, if one was asked for, is handed
//! to the shared delivery service — once, whoever notices first (the background tick or a request).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use indexmap::IndexMap;
use serde_json::{Value, json};

use super::fixtures::{BlacklistType, Money, ZarvFixtures};
use super::result::Options;
use super::{Timeline, VerificationStatus, VerificationType};

/// Verifications kept; past this the oldest is forgotten (its id then answers 404).
pub const MAX_VERIFICATIONS: usize = 100_000;
/// Entries of one workspace's restrictive list.
pub const MAX_BLACKLIST: usize = 10_000;

/// Where and how a verification's final state is delivered.
#[derive(Debug, Clone)]
pub struct Callback {
    pub url: String,
    pub method: hyper::Method,
    pub headers: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Verification {
    pub id: String,
    pub workspace_id: String,
    pub user_id: String,
    pub national_id: String,
    pub kind: VerificationType,
    pub options: Options,
    pub timeline: Timeline,
    /// On the workspace's list when it was asked for (later changes to the list never show).
    pub blacklisted: bool,
    /// COMPLETED or FAILED, known from the start (only magic documents fail).
    pub outcome: VerificationStatus,
    pub price: Money,
    pub callback: Option<Callback>,
    pub metadata: Value,
    /// The end's effects (refund, callback) were applied.
    pub settled: bool,
}

impl Verification {
    pub fn status_at(&self, now: DateTime<Utc>) -> VerificationStatus {
        self.timeline.status_at(now, self.outcome)
    }
}

#[derive(Debug, Clone)]
pub struct BlacklistEntry {
    pub id: String,
    pub workspace_id: String,
    pub user_id: String,
    pub national_id: String,
    pub kind: BlacklistType,
    pub description: String,
    pub created_at: DateTime<Utc>,
}

impl BlacklistEntry {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "workspaceId": self.workspace_id,
            "userId": self.user_id,
            "nationalId": self.national_id,
            "type": self.kind.as_response(),
            "description": self.description,
            "createdAt": super::datetime(self.created_at),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Feedback {
    pub status: String,
    pub comment: Option<String>,
    pub user_id: String,
    pub at: DateTime<Utc>,
}

/// A verification whose end came: what the caller must do outside the lock.
#[derive(Debug, Clone)]
pub struct Settled {
    pub verification: Verification,
    pub status: VerificationStatus,
}

#[derive(Debug, Default)]
pub struct State {
    /// In creation order.
    pub verifications: IndexMap<String, Verification>,
    /// Unsettled verifications by the instant they finish.
    due: BTreeSet<(DateTime<Utc>, String)>,
    pub balances: HashMap<String, Money>,
    /// `jti` of spent refresh tokens, with their `exp` (forgotten once expired).
    spent_refresh: HashMap<String, i64>,
    /// Per workspace, by national id, in the order added.
    pub blacklists: HashMap<String, IndexMap<String, BlacklistEntry>>,
    pub feedbacks: HashMap<String, Feedback>,
}

impl State {
    /// The state at start and after a reset: the fixture balances, and every workspace's list
    /// holding the magic documents that start on it, added by the workspace's first user at `now`.
    pub fn initial(fixtures: &ZarvFixtures, now: DateTime<Utc>) -> State {
        let mut state = State::default();
        for w in &fixtures.workspaces {
            state.balances.insert(w.workspace_id.clone(), w.balance);
            let first_user = fixtures
                .users
                .iter()
                .find(|u| u.workspace_id.eq_ignore_ascii_case(&w.workspace_id))
                .map(|u| u.user_id.clone())
                .unwrap_or_default();
            let mut list = IndexMap::new();
            for m in &fixtures.magic_documents {
                if let Some(seed) = &m.blacklist {
                    list.insert(
                        m.document.clone(),
                        BlacklistEntry {
                            id: uuid::Uuid::new_v4().to_string(),
                            workspace_id: w.workspace_id.clone(),
                            user_id: first_user.clone(),
                            national_id: m.document.clone(),
                            kind: seed.kind,
                            description: seed.description.clone(),
                            created_at: now,
                        },
                    );
                }
            }
            state.blacklists.insert(w.workspace_id.clone(), list);
        }
        state
    }

    pub fn balance(&self, workspace: &str) -> Money {
        self.balances.get(workspace).copied().unwrap_or_default()
    }

    /// Takes `price` from the workspace's balance, or says what is missing.
    pub fn charge(&mut self, workspace: &str, price: Money) -> Result<(), String> {
        let balance = self.balance(workspace);
        match balance.checked_sub(price) {
            Some(left) => {
                self.balances.insert(workspace.to_string(), left);
                Ok(())
            }
            None => Err(format!(
                "There is not enough balance: insufficient balance (price {price}, balance {balance})"
            )),
        }
    }

    pub fn credit(&mut self, workspace: &str, amount: Money) -> Money {
        let now = self.balance(workspace).saturating_add(amount);
        self.balances.insert(workspace.to_string(), now);
        now
    }

    pub fn is_blacklisted(&self, workspace: &str, national_id: &str) -> bool {
        self.blacklists
            .get(workspace)
            .is_some_and(|l| l.contains_key(national_id))
    }

    pub fn insert(&mut self, v: Verification) {
        if self.verifications.len() >= MAX_VERIFICATIONS
            && let Some((old_id, old)) = self.verifications.shift_remove_index(0)
        {
            self.due.remove(&(old.timeline.finished_at, old_id.clone()));
            self.feedbacks.remove(&old_id);
        }
        self.due.insert((v.timeline.finished_at, v.id.clone()));
        self.verifications.insert(v.id.clone(), v);
    }

    /// A verification of `workspace` (another workspace's is as unknown as a missing one).
    pub fn get(&self, workspace: &str, id: &str) -> Option<&Verification> {
        self.verifications
            .get(id)
            .filter(|v| v.workspace_id == workspace)
    }

    /// When the next unsettled verification finishes.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.due.first().map(|(at, _)| *at)
    }

    /// Applies the end of every verification finished by `now`: refunds FAILED ones and returns
    /// them all, for their callbacks.
    pub fn settle(&mut self, now: DateTime<Utc>) -> Vec<Settled> {
        let mut out = Vec::new();
        while let Some((at, id)) = self.due.first().cloned() {
            if at > now {
                break;
            }
            self.due.pop_first();
            let Some(v) = self.verifications.get_mut(&id) else {
                continue;
            };
            if v.settled {
                continue;
            }
            v.settled = true;
            let v = v.clone();
            if v.outcome == VerificationStatus::Failed {
                // The workspace paid for a result it did not get.
                self.credit(&v.workspace_id, v.price);
            }
            out.push(Settled {
                status: v.outcome,
                verification: v,
            });
        }
        out
    }

    /// Marks a refresh token spent; false when it already was.
    pub fn spend_refresh(&mut self, jti: &str, exp: i64, now: i64) -> bool {
        if self.spent_refresh.len() > 10_000 {
            self.spent_refresh.retain(|_, e| *e > now);
        }
        self.spent_refresh.insert(jti.to_string(), exp).is_none()
    }
}
