//! The cucumber World of a scenario: what it holds between steps (tokens, the consent, the last
//! response) and how a step says "failed, here is why" or "cannot run here, skipped".
//!
//! The run's shared context (target, client, specs) reaches each World through a task-local set
//! around the cucumber run: cucumber creates Worlds itself and offers no way to pass them arguments,
//! and it polls every scenario on the caller's task, so the task-local is always in scope.

use std::any::{Any, TypeId};
use std::collections::HashMap;
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
    /// The bearer token of resource calls, per family (a scenario may hold several).
    pub tokens: HashMap<&'static str, String>,
    /// The scenario's named values, written `{{name}}` in features: its customers (`cpf`,
    /// `documentNumber`), what it created (`consentId`).
    pub values: HashMap<String, String>,
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
    /// Each family's own part of the scenario's state (its consent, its registered customer, its
    /// receiver), by type: the World knows no family.
    parts: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
}

impl fmt::Debug for CheckWorld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckWorld")
            .field("scenario_no", &self.scenario_no)
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
        let mut values = HashMap::new();
        if let Some(c) = &ctx {
            for plugin in crate::sandbox::families::PLUGINS {
                let seed = crate::sandbox::family::ScenarioSeed {
                    seed: c.seed,
                    scenario: scenario_no,
                    sandbox: c.target.control_url.is_some(),
                    section: c.target.file.sections.get(plugin.name()),
                };
                values.extend(plugin.scenario_values(&seed));
            }
        }
        CheckWorld {
            scenario_no,
            tokens: HashMap::new(),
            values,
            extra_headers: Vec::new(),
            omit_headers: Vec::new(),
            last: None,
            pages: Vec::new(),
            failure: None,
            deadline: ctx
                .as_ref()
                .map(|c| tokio::time::Instant::now() + c.client.limits().scenario_timeout),
            ctx,
            parts: HashMap::new(),
        }
    }

    /// The family's part of the scenario's state, created on first use.
    pub fn part<T: Default + Send + Sync + 'static>(&mut self) -> &mut T {
        self.parts
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()))
            .downcast_mut::<T>()
            .expect("a part is stored under its own type")
    }

    /// The family's part, if it has one yet.
    pub fn part_ref<T: 'static>(&self) -> Option<&T> {
        self.parts
            .get(&TypeId::of::<T>())
            .and_then(|p| p.downcast_ref::<T>())
    }

    /// A named value of the scenario (`{{name}}` in features); empty when it has none.
    pub fn value(&self, name: &str) -> String {
        self.values.get(name).cloned().unwrap_or_default()
    }

    /// The resource token of a family's calls.
    pub fn token(&self, family: &str) -> Option<&str> {
        self.tokens.get(family).map(String::as_str)
    }

    pub fn set_token(&mut self, family: &'static str, token: Option<String>) {
        match token {
            Some(t) => self.tokens.insert(family, t),
            None => self.tokens.remove(family),
        };
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
