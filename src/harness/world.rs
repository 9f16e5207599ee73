//! The cucumber World of a scenario: what it holds between steps (tokens, the consent, the last
//! response) and how a step says "failed, here is why" or "cannot run here, skipped".
//!
//! The run's shared context (target, client, specs) reaches each World through a task-local set
//! around the cucumber run: cucumber creates Worlds itself and offers no way to pass them arguments,
//! and it polls every scenario on the caller's task, so the task-local is always in scope.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::client::{HttpClient, Sent};
use super::report::{Exchange, Failure, Finding};
use super::target::Target;
use crate::spec::{Router, SpecSet};

/// What every scenario of one run shares.
pub struct RunContext {
    pub target: Target,
    pub client: HttpClient,
    pub specs: SpecSet,
    pub router: Router,
    /// Hands each scenario its own customers (documents), so concurrent scenarios never share one.
    pub scenarios: AtomicU64,
    pub seed: u64,
}

tokio::task_local! {
    pub static RUN: Arc<RunContext>;
}

/// Prefix of a step error that means "skipped" rather than "failed".
pub const SKIP_MARKER: &str = "finsandbox-skip: ";

/// A step's error: its text is what the console shows; details go to [`CheckWorld::failure`].
#[derive(Debug)]
pub struct StepFail(pub String);

impl fmt::Display for StepFail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub type StepResult = Result<(), StepFail>;

#[derive(cucumber::World)]
#[world(init = Self::new)]
pub struct CheckWorld {
    pub ctx: Option<Arc<RunContext>>,
    /// Unique per scenario within a run.
    pub scenario_no: u64,
    /// Bearer token for resource calls.
    pub token: Option<String>,
    /// client_credentials token for the Consents API.
    pub client_token: Option<String>,
    pub consent_id: Option<String>,
    pub refresh_token: Option<String>,
    /// Headers added to the next requests, and headers left out of them.
    pub extra_headers: Vec<(String, String)>,
    pub omit_headers: Vec<String>,
    pub last: Option<Sent>,
    /// Responses of a paging walk, first page first.
    pub pages: Vec<Sent>,
    /// Details of the step that failed (message, expected/actual, findings, evidence).
    pub failure: Option<Failure>,
    /// When the scenario's time is up (`--scenario-timeout`): no request of it runs past this.
    pub deadline: Option<tokio::time::Instant>,
    /// Bankly: scopes of the current token, registered webhook receiver and so on.
    pub bankly: super::steps::bankly::BanklyState,
}

impl fmt::Debug for CheckWorld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckWorld")
            .field("scenario_no", &self.scenario_no)
            .field("consent_id", &self.consent_id)
            .field("last_status", &self.last.as_ref().map(|s| s.status))
            .finish_non_exhaustive()
    }
}

impl CheckWorld {
    fn new() -> CheckWorld {
        let ctx = RUN.try_with(Arc::clone).ok();
        let scenario_no = ctx
            .as_ref()
            .map(|c| c.scenarios.fetch_add(1, Ordering::Relaxed))
            .unwrap_or(0);
        CheckWorld {
            scenario_no,
            token: None,
            client_token: None,
            consent_id: None,
            refresh_token: None,
            extra_headers: Vec::new(),
            omit_headers: Vec::new(),
            last: None,
            pages: Vec::new(),
            failure: None,
            deadline: ctx
                .as_ref()
                .map(|c| tokio::time::Instant::now() + c.client.limits().scenario_timeout),
            ctx,
            bankly: Default::default(),
        }
    }

    pub fn ctx(&self) -> Result<Arc<RunContext>, StepFail> {
        self.ctx
            .clone()
            .ok_or_else(|| StepFail("the harness run context is missing".into()))
    }

    /// Records a failure with its evidence (the last exchange) and returns the step error.
    pub fn fail(
        &mut self,
        message: impl Into<String>,
        expected: Option<String>,
        actual: Option<String>,
        findings: Vec<Finding>,
    ) -> StepResult {
        let message = message.into();
        self.failure = Some(Failure {
            message: message.clone(),
            expected,
            actual,
            findings,
            evidence: self.last.as_ref().map(|s| s.exchange.clone()),
        });
        Err(StepFail(message))
    }

    /// Like [`Self::fail`] with explicit evidence (a request that got no response).
    pub fn fail_with_evidence(
        &mut self,
        message: impl Into<String>,
        evidence: Exchange,
    ) -> StepResult {
        let message = message.into();
        self.failure = Some(Failure {
            message: message.clone(),
            expected: None,
            actual: None,
            findings: Vec::new(),
            evidence: Some(evidence),
        });
        Err(StepFail(message))
    }

    /// The scenario cannot run against this target; `reason` names the missing precondition.
    pub fn skip(&mut self, reason: impl Into<String>) -> StepResult {
        Err(StepFail(format!("{SKIP_MARKER}{}", reason.into())))
    }

    pub fn last(&self) -> Result<&Sent, StepFail> {
        self.last
            .as_ref()
            .ok_or_else(|| StepFail("no request was made before this step".into()))
    }
}
