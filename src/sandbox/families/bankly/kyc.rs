//! The KYC lifecycle of a Bankly registration: statuses, the transitions between them, our list of
//! reproval reasons, the magic documents of `fixtures/bankly.yaml`, and the store of registrations.
//!
//! A registration carries its own schedule: when it is accepted, the steps its analysis will take
//! (from a magic document, or drawn deterministically from the seed and the CPF) are fixed with the
//! sandbox-clock instant each one happens. Reads and the background task both call
//! [`KycState::advance`], which applies the steps that are due — at their scheduled instant, not at
//! the moment someone looked — so lazy and background evaluation agree, and each transition emits
//! exactly one [`Event`].
//!
//! Every change checks [`Status::can_move_to`] first and leaves the record untouched when refused.

use std::collections::{BTreeSet, VecDeque};

use chrono::{DateTime, Duration, Utc};
use indexmap::IndexMap;
use rand::RngExt;
use serde::Deserialize;

use super::rules::rules;
use serde_json::{Map, Value};

use crate::datagen::{br, rng_for};

/// Registrations kept at most; a full store refuses new CPFs (re-registrations still work).
pub const MAX_CUSTOMERS: usize = 100_000;
/// Transitions remembered per customer for the control API (a loop of re-registrations is bounded).
const MAX_HISTORY: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    PendingApproval,
    InAnalysis,
    Approved,
    Reproved,
    Blacklisted,
    Canceled,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::PendingApproval,
        Status::InAnalysis,
        Status::Approved,
        Status::Reproved,
        Status::Blacklisted,
        Status::Canceled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::PendingApproval => "PENDING_APPROVAL",
            Status::InAnalysis => "IN_ANALYSIS",
            Status::Approved => "APPROVED",
            Status::Reproved => "REPROVED",
            Status::Blacklisted => "BLACKLISTED",
            Status::Canceled => "CANCELED",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// While the analysis runs the answer may change any moment (shorter cache lifetime).
    pub fn analysing(self) -> bool {
        matches!(self, Status::PendingApproval | Status::InAnalysis)
    }

    /// The state machine (the `kyc` rules of `fixtures/bankly.yaml`).
    pub fn can_move_to(self, to: Status) -> bool {
        rules().allows(self, to)
    }

    /// Where this status may go, for error messages.
    pub fn successors(self) -> Vec<&'static str> {
        rules().next(self).iter().map(|s| s.as_str()).collect()
    }

    /// The webhook event announcing that a registration reached this status.
    pub fn event_name(self) -> &'static str {
        rules().event(self)
    }
}

/// Event of a data change that is not a transition.
pub const UPDATED_EVENT: &str = "CUSTOMER_WAS_UPDATED";

pub fn is_reason(code: &str) -> bool {
    rules().is_reason(code)
}

/// The reasons a transition to `status` carries, checked: REPROVED needs at least one (NOT_RETRY is
/// for BLACKLISTED only), BLACKLISTED always includes NOT_RETRY, other statuses carry none.
pub fn reasons_for(status: Status, given: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for r in given {
        if !is_reason(r) {
            let known: Vec<&str> = rules().reasons.iter().map(|r| r.code.as_str()).collect();
            return Err(format!(
                "unknown reason \"{r}\"; known reasons: {}",
                known.join(", ")
            ));
        }
        if !out.contains(r) {
            out.push(r.clone());
        }
    }
    match status {
        Status::Reproved => {
            if out.is_empty() {
                return Err("REPROVED needs at least one reason".into());
            }
            if out.iter().any(|r| r == "NOT_RETRY") {
                return Err("NOT_RETRY belongs to BLACKLISTED, not to REPROVED".into());
            }
        }
        Status::Blacklisted => {
            if !out.iter().any(|r| r == "NOT_RETRY") {
                out.insert(0, "NOT_RETRY".into());
            }
        }
        _ => {
            if !out.is_empty() {
                return Err(format!("{} carries no reasons", status.as_str()));
            }
        }
    }
    Ok(out)
}

/// One step of an analysis: move to `status` `after` the previous step (or the registration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub status: Status,
    pub reasons: Vec<String>,
    pub after: Duration,
}

// ------------------------------------------------------------------------------- magic documents

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureFile {
    #[serde(default)]
    customers: Vec<MagicDocument>,
    /// The KYC rules ([`super::rules`]), read from the embedded file only.
    #[serde(default, rename = "kyc")]
    _kyc: serde::de::IgnoredAny,
}

/// One entry of `fixtures/bankly.yaml`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MagicDocument {
    pub document: String,
    pub label: String,
    #[serde(default)]
    pub steps: Vec<MagicStep>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MagicStep {
    #[serde(serialize_with = "status_str")]
    pub status: Status,
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_seconds: Option<u64>,
}

fn status_str<S: serde::Serializer>(status: &Status, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(status.as_str())
}

/// The magic documents, checked at load.
#[derive(Debug, Clone, Default)]
pub struct MagicDocuments {
    docs: Vec<MagicDocument>,
}

impl MagicDocuments {
    /// Parses and checks the file: valid unmasked CPFs listed once, known reasons, and steps that
    /// the state machine allows from PENDING_APPROVAL. A bad file stops the sandbox at start with
    /// a message naming the entry, rather than surprising a test later.
    pub fn parse(source: &str, text: &str) -> Result<MagicDocuments, String> {
        let file: FixtureFile =
            serde_yaml_ng::from_str(text).map_err(|e| format!("{source}: {e}"))?;
        let mut seen = std::collections::HashSet::new();
        let mut docs = Vec::with_capacity(file.customers.len());
        for mut doc in file.customers {
            let who = format!("{source}: {} ({})", doc.document, doc.label);
            if doc.document.len() != 11 || !br::is_valid_cpf(&doc.document) {
                return Err(format!("{who}: not a valid unmasked CPF"));
            }
            if !seen.insert(doc.document.clone()) {
                return Err(format!("{who}: listed twice"));
            }
            let mut at = Status::PendingApproval;
            for (i, step) in doc.steps.iter_mut().enumerate() {
                let n = i + 1;
                if !at.can_move_to(step.status) || step.status == Status::PendingApproval {
                    return Err(format!(
                        "{who}: step {n} goes {} -> {}, which the KYC state machine does not allow (from {} only {})",
                        at.as_str(),
                        step.status.as_str(),
                        at.as_str(),
                        at.successors().join(", ")
                    ));
                }
                step.reasons = reasons_for(step.status, &step.reasons)
                    .map_err(|e| format!("{who}: step {n}: {e}"))?;
                if step.after_seconds.is_some_and(|s| s > 10 * 365 * 86_400) {
                    return Err(format!("{who}: step {n}: afterSeconds above ten years"));
                }
                at = step.status;
            }
            docs.push(doc);
        }
        Ok(MagicDocuments { docs })
    }

    pub fn get(&self, document: &str) -> Option<&MagicDocument> {
        self.docs.iter().find(|d| d.document == document)
    }

    pub fn all(&self) -> &[MagicDocument] {
        &self.docs
    }
}

/// The analysis a registration will go through.
///
/// Magic documents follow their fixture; a holder under 18 is reproved with UNDERAGE; any other CPF
/// gets an outcome drawn from `(seed, CPF, attempt)`: mostly approved, some sent to manual analysis,
/// some reproved for a data problem. The attempt is part of the key so that a corrected
/// re-registration is not condemned to repeat the first outcome.
pub fn plan(
    seed: u64,
    delay: Duration,
    document: &str,
    attempt: u32,
    magic: Option<&MagicDocument>,
    underage: bool,
) -> Vec<Step> {
    if let Some(m) = magic {
        return m
            .steps
            .iter()
            .map(|s| Step {
                status: s.status,
                reasons: s.reasons.clone(),
                after: s
                    .after_seconds
                    .and_then(|secs| i64::try_from(secs).ok())
                    .map(Duration::seconds)
                    .unwrap_or(delay),
            })
            .collect();
    }
    let step = |status, reasons: &[&str]| Step {
        status,
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
        after: delay,
    };
    if underage {
        return vec![step(Status::Reproved, &["UNDERAGE"])];
    }
    let purpose = if attempt <= 1 {
        "bankly-kyc".to_string()
    } else {
        format!("bankly-kyc#{attempt}")
    };
    let mut rng = rng_for(seed, document, &purpose);
    let roll = rng.random_range(0..100u32);
    let retryable = rules().retryable();
    let mut reason = || retryable[rng.random_range(0..retryable.len())];
    match roll {
        0..80 => vec![step(Status::Approved, &[])],
        80..88 => vec![step(Status::InAnalysis, &[]), step(Status::Approved, &[])],
        88..92 => {
            let r = reason();
            vec![step(Status::InAnalysis, &[]), step(Status::Reproved, &[r])]
        }
        _ => {
            let (a, b) = (reason(), reason());
            let reasons: &[&str] = if a == b { &[a] } else { &[a, b] };
            vec![step(Status::Reproved, reasons)]
        }
    }
}

// --------------------------------------------------------------------------------------- records

/// What a transition tells webhook receivers.
#[derive(Debug, Clone)]
pub struct Event {
    pub name: &'static str,
    pub document: String,
    pub status: Status,
    pub previous: Option<Status>,
    pub profile: &'static str,
    pub reasons: Vec<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub from: Option<Status>,
    pub to: Status,
    pub reasons: Vec<String>,
    /// `registration`, `analysis`, `control` or `cancel`.
    pub by: &'static str,
}

/// One registration.
#[derive(Debug, Clone)]
pub struct Record {
    pub document: String,
    /// The registered fields as received (normalised), in the client's order.
    pub data: Map<String, Value>,
    pub status: Status,
    /// `SIMPLE` or `COMPLETE`; set by the registration, never by an update.
    pub profile: &'static str,
    pub reasons: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Registrations so far (a REPROVED customer may register again).
    pub attempts: u32,
    /// Steps still to come, with the instant each happens.
    pub pending: VecDeque<(DateTime<Utc>, Step)>,
    pub history: Vec<HistoryEntry>,
}

impl Record {
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.pending.front().map(|(at, _)| *at)
    }

    fn transition(
        &mut self,
        to: Status,
        reasons: Vec<String>,
        at: DateTime<Utc>,
        by: &'static str,
        events: &mut Vec<Event>,
    ) {
        let from = self.status;
        self.status = to;
        self.reasons = reasons;
        // A step applied late keeps its own instant; never move updatedAt backwards.
        self.updated_at = self.updated_at.max(at);
        self.log(Some(from), by);
        events.push(self.event(to.event_name(), Some(from)));
    }

    fn log(&mut self, from: Option<Status>, by: &'static str) {
        if self.history.len() >= MAX_HISTORY {
            self.history.remove(0);
        }
        self.history.push(HistoryEntry {
            at: self.updated_at,
            from,
            to: self.status,
            reasons: self.reasons.clone(),
            by,
        });
    }

    fn event(&self, name: &'static str, previous: Option<Status>) -> Event {
        Event {
            name,
            document: self.document.clone(),
            status: self.status,
            previous,
            profile: self.profile,
            reasons: self.reasons.clone(),
            at: self.updated_at,
        }
    }
}

/// Why a change was refused; the record is unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotFound,
    /// 409 with this error code and message.
    Conflict {
        code: &'static str,
        message: String,
    },
    /// PATCH on a customer that is not APPROVED (405, as the vendor answers).
    NotApproved(Status),
    /// The store is full (429 with a hint to reset).
    Full,
}

/// All registrations, plus an index of the next due step of each.
#[derive(Debug, Default)]
pub struct KycState {
    /// In order of first registration, so listings page through them without sorting.
    customers: IndexMap<String, Record>,
    due: BTreeSet<(DateTime<Utc>, String)>,
}

impl KycState {
    pub fn get(&self, document: &str) -> Option<&Record> {
        self.customers.get(document)
    }

    pub fn len(&self) -> usize {
        self.customers.len()
    }

    /// Every registration, in order of first registration.
    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.customers.values()
    }

    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }

    /// The earliest instant any registration has a step due.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.due.first().map(|(at, _)| *at)
    }

    /// Whether reading `document` at `now` would apply a step (so a write lock is needed).
    pub fn has_due(&self, document: &str, now: DateTime<Utc>) -> bool {
        self.customers
            .get(document)
            .and_then(Record::next_due)
            .is_some_and(|at| at <= now)
    }

    fn unindex(&mut self, document: &str) {
        if let Some(at) = self.customers.get(document).and_then(Record::next_due) {
            self.due.remove(&(at, document.to_string()));
        }
    }

    fn index(&mut self, document: &str) {
        if let Some(at) = self.customers.get(document).and_then(Record::next_due) {
            self.due.insert((at, document.to_string()));
        }
    }

    /// Applies every step of `document` due at `now`, in order.
    pub fn advance(&mut self, document: &str, now: DateTime<Utc>, events: &mut Vec<Event>) {
        if !self.has_due(document, now) {
            return;
        }
        self.unindex(document);
        if let Some(record) = self.customers.get_mut(document) {
            while record.next_due().is_some_and(|at| at <= now) {
                let Some((at, step)) = record.pending.pop_front() else {
                    break;
                };
                // Plans are checked when made and dropped on manual moves; a step that no longer
                // fits is skipped rather than forced.
                if record.status.can_move_to(step.status) {
                    record.transition(step.status, step.reasons, at, "analysis", events);
                } else {
                    record.pending.clear();
                }
            }
        }
        self.index(document);
    }

    /// Applies every due step of every registration (the background task).
    pub fn advance_all(&mut self, now: DateTime<Utc>, events: &mut Vec<Event>) {
        let due: Vec<String> = self
            .due
            .iter()
            .take_while(|(at, _)| *at <= now)
            .map(|(_, d)| d.clone())
            .collect();
        for document in due {
            self.advance(&document, now, events);
        }
    }

    /// A registration (PUT): new, or again after a reproval. `plan` gets the attempt number.
    pub fn register(
        &mut self,
        document: &str,
        data: Map<String, Value>,
        profile: &'static str,
        now: DateTime<Utc>,
        plan: impl FnOnce(u32) -> Vec<Step>,
        events: &mut Vec<Event>,
    ) -> Result<(), Refusal> {
        self.advance(document, now, events);
        let attempt = match self.customers.get(document) {
            None if self.customers.len() >= MAX_CUSTOMERS => return Err(Refusal::Full),
            None => 1,
            Some(r) => {
                refuse_registration(r.status)?;
                r.attempts + 1
            }
        };
        let mut at = now;
        let pending: VecDeque<(DateTime<Utc>, Step)> = plan(attempt)
            .into_iter()
            .map(|step| {
                at += step.after;
                (at, step)
            })
            .collect();
        self.unindex(document);
        match self.customers.get_mut(document) {
            Some(r) => {
                r.data = data;
                r.profile = profile;
                r.attempts = attempt;
                r.transition(
                    Status::PendingApproval,
                    Vec::new(),
                    now,
                    "registration",
                    events,
                );
                r.pending = pending;
            }
            None => {
                let mut r = Record {
                    document: document.to_string(),
                    data,
                    status: Status::PendingApproval,
                    profile,
                    reasons: Vec::new(),
                    created_at: now,
                    updated_at: now,
                    attempts: 1,
                    pending,
                    history: Vec::new(),
                };
                r.log(None, "registration");
                events.push(r.event(Status::PendingApproval.event_name(), None));
                self.customers.insert(document.to_string(), r);
            }
        }
        self.index(document);
        // Steps with no delay happen with the registration itself.
        self.advance(document, now, events);
        Ok(())
    }

    /// A move ordered through the control API. The rest of the automatic plan is dropped: from now
    /// on whoever drives the control API decides.
    pub fn force(
        &mut self,
        document: &str,
        to: Status,
        reasons: Vec<String>,
        now: DateTime<Utc>,
        events: &mut Vec<Event>,
    ) -> Result<(), Refusal> {
        self.advance(document, now, events);
        let Some(record) = self.customers.get(document) else {
            return Err(Refusal::NotFound);
        };
        let from = record.status;
        if !from.can_move_to(to) || to == Status::PendingApproval {
            let legal: Vec<&str> = from
                .successors()
                .into_iter()
                .filter(|s| *s != Status::PendingApproval.as_str())
                .collect();
            let hint = if to == Status::PendingApproval && from == Status::Reproved {
                " (a reproved customer goes back to PENDING_APPROVAL by registering again: PUT /bankly/customers/{documentNumber})".to_string()
            } else if legal.is_empty() {
                format!(" ({} is final here)", from.as_str())
            } else {
                format!(" (from {} only {})", from.as_str(), legal.join(", "))
            };
            return Err(Refusal::Conflict {
                code: "ILLEGAL_TRANSITION",
                message: format!(
                    "{document} is {}; {} -> {} is not a legal KYC transition{hint}",
                    from.as_str(),
                    from.as_str(),
                    to.as_str()
                ),
            });
        }
        self.unindex(document);
        if let Some(record) = self.customers.get_mut(document) {
            record.pending.clear();
            record.transition(to, reasons, now, "control", events);
        }
        Ok(())
    }

    /// PATCH: replaces the given fields of an APPROVED customer; status and profile stay.
    pub fn update(
        &mut self,
        document: &str,
        changes: Map<String, Value>,
        now: DateTime<Utc>,
        events: &mut Vec<Event>,
    ) -> Result<(), Refusal> {
        self.advance(document, now, events);
        let Some(record) = self.customers.get_mut(document) else {
            return Err(Refusal::NotFound);
        };
        if record.status != Status::Approved {
            return Err(Refusal::NotApproved(record.status));
        }
        for (k, v) in changes {
            record.data.insert(k, v);
        }
        record.updated_at = record.updated_at.max(now);
        events.push(record.event(UPDATED_EVENT, Some(Status::Approved)));
        Ok(())
    }

    /// Offboarding: APPROVED -> CANCELED.
    pub fn cancel(
        &mut self,
        document: &str,
        now: DateTime<Utc>,
        events: &mut Vec<Event>,
    ) -> Result<(), Refusal> {
        self.advance(document, now, events);
        let Some(record) = self.customers.get_mut(document) else {
            return Err(Refusal::NotFound);
        };
        match record.status {
            Status::Approved => {
                record.transition(Status::Canceled, Vec::new(), now, "cancel", events);
                Ok(())
            }
            Status::Canceled => Err(Refusal::Conflict {
                code: "HOLDER_HAS_ALREADY_BEEN_CANCELED",
                message: "O cliente já foi cancelado.".into(),
            }),
            other => Err(Refusal::Conflict {
                code: "CUSTOMER_CANNOT_BE_CANCELED",
                message: format!(
                    "Somente clientes APPROVED podem ser cancelados; o status atual é {}.",
                    other.as_str()
                ),
            }),
        }
    }
}

/// Why a customer in `status` cannot register (again), if it cannot.
fn refuse_registration(status: Status) -> Result<(), Refusal> {
    let conflict = |code, message: &str| {
        Err(Refusal::Conflict {
            code,
            message: message.to_string(),
        })
    };
    match status {
        Status::Reproved => Ok(()),
        Status::Approved => conflict(
            "CUSTOMER_REGISTRATION_CANNOT_BE_REPLACED",
            "O cliente já está aprovado e o cadastro não pode ser substituído; use PATCH /customers/{documentNumber} para atualizar os dados.",
        ),
        Status::PendingApproval | Status::InAnalysis => conflict(
            "CUSTOMER_REGISTRATION_CANNOT_BE_REPLACED",
            &format!(
                "A análise do cadastro ainda está em andamento ({}); aguarde o resultado.",
                status.as_str()
            ),
        ),
        Status::Canceled => conflict(
            "CUSTOMER_REGISTRATION_CANNOT_BE_REPLACED",
            "O cliente foi cancelado e o cadastro não pode ser substituído.",
        ),
        Status::Blacklisted => conflict(
            "NOT_RETRY",
            "O CPF está bloqueado (BLACKLISTED); não tente cadastrá-lo novamente.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-02T12:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap()
    }

    fn steps(list: &[(Status, &[&str], i64)]) -> Vec<Step> {
        list.iter()
            .map(|(s, r, secs)| Step {
                status: *s,
                reasons: r.iter().map(|x| x.to_string()).collect(),
                after: Duration::seconds(*secs),
            })
            .collect()
    }

    #[test]
    fn state_machine_allows_exactly_the_documented_transitions() {
        use Status::*;
        let legal = [
            (PendingApproval, Approved),
            (PendingApproval, InAnalysis),
            (PendingApproval, Reproved),
            (PendingApproval, Blacklisted),
            (InAnalysis, Approved),
            (InAnalysis, Reproved),
            (Reproved, PendingApproval),
            (Approved, Canceled),
        ];
        for from in Status::ALL {
            for to in Status::ALL {
                assert_eq!(
                    from.can_move_to(to),
                    legal.contains(&(from, to)),
                    "{from:?} -> {to:?}"
                );
            }
        }
    }

    #[test]
    fn reasons_are_checked_per_status() {
        assert!(reasons_for(Status::Reproved, &[]).is_err());
        assert!(reasons_for(Status::Reproved, &["NOT_RETRY".into()]).is_err());
        assert!(reasons_for(Status::Approved, &["UNDERAGE".into()]).is_err());
        assert!(
            reasons_for(Status::Reproved, &["NO_SUCH".into()])
                .unwrap_err()
                .contains("NO_SUCH")
        );
        assert_eq!(
            reasons_for(Status::Blacklisted, &["FRAUD_SUSPECTED".into()]).unwrap(),
            vec!["NOT_RETRY", "FRAUD_SUSPECTED"]
        );
    }

    #[test]
    fn due_steps_apply_at_their_own_instant_with_one_event_each() {
        let mut st = KycState::default();
        let mut events = Vec::new();
        let t0 = now();
        st.register(
            "77700000336",
            Map::new(),
            "SIMPLE",
            t0,
            |_| steps(&[(Status::InAnalysis, &[], 30), (Status::Approved, &[], 30)]),
            &mut events,
        )
        .unwrap();
        assert_eq!(events.len(), 1);
        st.advance("77700000336", t0 + Duration::seconds(29), &mut events);
        assert_eq!(events.len(), 1);
        st.advance("77700000336", t0 + Duration::seconds(300), &mut events);
        let names: Vec<_> = events.iter().map(|e| e.name).collect();
        assert_eq!(
            names,
            [
                "CUSTOMER_WAS_RECEIVED",
                "CUSTOMER_IN_ANALYSIS",
                "CUSTOMER_WAS_APPROVED"
            ]
        );
        let r = st.get("77700000336").unwrap();
        assert_eq!(r.updated_at, t0 + Duration::seconds(60));
        assert_eq!(st.next_due(), None);
        // Nothing left to apply: a second look emits nothing.
        st.advance_all(t0 + Duration::seconds(900), &mut events);
        assert_eq!(events.len(), 3);
    }

    #[test]
    fn refused_changes_leave_the_record_as_it_was() {
        let mut st = KycState::default();
        let mut events = Vec::new();
        let t0 = now();
        st.register(
            "77700000174",
            Map::new(),
            "SIMPLE",
            t0,
            |_| vec![],
            &mut events,
        )
        .unwrap();
        let before = st.get("77700000174").unwrap().clone();
        let err = st
            .force("77700000174", Status::Canceled, vec![], t0, &mut events)
            .unwrap_err();
        assert!(matches!(
            err,
            Refusal::Conflict {
                code: "ILLEGAL_TRANSITION",
                ..
            }
        ));
        assert!(st.cancel("77700000174", t0, &mut events).is_err());
        assert!(matches!(
            st.update("77700000174", Map::new(), t0, &mut events),
            Err(Refusal::NotApproved(Status::PendingApproval))
        ));
        let again = st.register(
            "77700000174",
            Map::new(),
            "SIMPLE",
            t0,
            |_| vec![],
            &mut events,
        );
        assert!(again.is_err());
        let after = st.get("77700000174").unwrap();
        assert_eq!(after.status, before.status);
        assert_eq!(after.updated_at, before.updated_at);
        assert_eq!(events.len(), 1);
    }

    #[test]
    fn deterministic_outcome_depends_on_seed_document_and_attempt_only() {
        let d = Duration::seconds(30);
        let a = plan(42, d, "52998224725", 1, None, false);
        assert_eq!(a, plan(42, d, "52998224725", 1, None, false));
        let mut approved = 0;
        for i in 0..500u32 {
            let cpf = format!("{:09}", 100_000_000 + i * 7919);
            let p = plan(1, d, &cpf, 1, None, false);
            assert!(!p.is_empty());
            if p.last().map(|s| s.status) == Some(Status::Approved) {
                approved += 1;
            }
            for s in &p {
                assert_eq!(reasons_for(s.status, &s.reasons).unwrap(), s.reasons);
            }
        }
        assert!((350..=475).contains(&approved), "{approved}");
        assert_eq!(
            plan(42, d, "52998224725", 1, None, true)[0].reasons,
            vec!["UNDERAGE"]
        );
    }

    #[test]
    fn embedded_magic_documents_are_valid_and_avoid_the_personas() {
        let m = MagicDocuments::parse(
            "bankly.yaml",
            include_str!("../../../../fixtures/bankly.yaml"),
        )
        .unwrap();
        assert!(m.all().len() >= 10);
        let personas = include_str!("../../../../fixtures/personas.yaml");
        for d in m.all() {
            assert!(!personas.contains(&d.document), "{}", d.document);
        }
    }

    #[test]
    fn bad_magic_documents_are_refused_with_the_entry_named() {
        let bad_path = "customers:\n  - document: '77700000174'\n    label: x\n    steps:\n      - {status: APPROVED}\n      - {status: REPROVED, reasons: [UNDERAGE]}\n";
        let err = MagicDocuments::parse("f.yaml", bad_path).unwrap_err();
        assert!(err.contains("APPROVED -> REPROVED"), "{err}");
        let bad_cpf = "customers:\n  - document: '77700000175'\n    label: x\n";
        assert!(
            MagicDocuments::parse("f.yaml", bad_cpf)
                .unwrap_err()
                .contains("77700000175")
        );
        let no_reason = "customers:\n  - document: '77700000174'\n    label: x\n    steps: [{status: REPROVED}]\n";
        assert!(
            MagicDocuments::parse("f.yaml", no_reason)
                .unwrap_err()
                .contains("at least one reason")
        );
    }
}
