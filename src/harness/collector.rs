//! A cucumber writer that builds the report model from cucumber's events, and prints one progress
//! line per scenario as it finishes.
//!
//! Scenarios run concurrently, so their events interleave; each scenario is keyed by its source
//! (cucumber hands out one `Arc` per scenario and compares by pointer). Structured failure details
//! come from the World carried by the failed-step event.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use cucumber::event::{self, Cucumber, RetryableScenario, Scenario, Step, StepError};
use cucumber::{Event, Writer, cli, gherkin, parser};

use super::report::{Failure, FeatureReport, ScenarioReport, Status, StepReport, console};
use super::world::{CheckWorld, SKIP_MARKER};

struct Running {
    feature: usize,
    report: ScenarioReport,
    source: Arc<gherkin::Scenario>,
    started: Instant,
    step_started: Instant,
    /// How many of the scenario's own steps (not the background's) reported an outcome.
    own_reported: usize,
}

/// Where finished features go; shared so the caller can read them once cucumber is done.
#[derive(Default)]
pub struct Collected {
    pub features: Vec<FeatureReport>,
    /// Files that could not be parsed.
    pub parse_errors: Vec<String>,
}

pub struct Collector {
    out: Arc<Mutex<Collected>>,
    features: HashMap<String, usize>,
    running: HashMap<event::Source<gherkin::Scenario>, Running>,
    progress: bool,
    color: bool,
}

impl Collector {
    pub fn new(out: Arc<Mutex<Collected>>, progress: bool, color: bool) -> Collector {
        Collector {
            out,
            features: HashMap::new(),
            running: HashMap::new(),
            progress,
            color,
        }
    }

    fn feature_index(&mut self, feature: &gherkin::Feature) -> usize {
        let path = feature
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| feature.name.clone());
        if let Some(i) = self.features.get(&path) {
            return *i;
        }
        let Ok(mut out) = self.out.lock() else {
            return 0;
        };
        out.features.push(FeatureReport {
            name: feature.name.clone(),
            path: path.clone(),
            tags: feature.tags.clone(),
            scenarios: Vec::new(),
        });
        let i = out.features.len() - 1;
        self.features.insert(path, i);
        i
    }

    fn on_scenario(
        &mut self,
        feature: &gherkin::Feature,
        rule: Option<&gherkin::Rule>,
        source: event::Source<gherkin::Scenario>,
        ev: RetryableScenario<CheckWorld>,
    ) {
        match ev.event {
            Scenario::Started => {
                let idx = self.feature_index(feature);
                let scenario: &gherkin::Scenario = &source;
                let mut tags = feature.tags.clone();
                if let Some(r) = rule {
                    tags.extend(r.tags.iter().cloned());
                }
                tags.extend(scenario.tags.iter().cloned());
                tags.dedup();
                let report = ScenarioReport {
                    name: scenario.name.clone(),
                    line: scenario.position.line as u32,
                    tags,
                    status: Status::Passed,
                    steps: Vec::new(),
                    skip_reason: None,
                    waiver: None,
                    duration_ms: 0,
                };
                let arc = Arc::new(scenario.clone());
                self.running.insert(
                    source,
                    Running {
                        feature: idx,
                        report,
                        source: arc,
                        started: Instant::now(),
                        step_started: Instant::now(),
                        own_reported: 0,
                    },
                );
            }
            Scenario::Step(step, ev) => {
                if let Some(r) = self.running.get_mut(&source) {
                    if !matches!(ev, Step::Started) {
                        r.own_reported += 1;
                    }
                    record_step(r, &step, ev);
                }
            }
            Scenario::Background(step, ev) => {
                if let Some(r) = self.running.get_mut(&source) {
                    record_step(r, &step, ev);
                }
            }
            Scenario::Hook(_, event::Hook::Failed(_, info)) => {
                if let Some(r) = self.running.get_mut(&source) {
                    r.report.status = Status::Failed;
                    r.report.steps.push(StepReport {
                        keyword: "Hook".into(),
                        text: "scenario hook".into(),
                        status: Status::Failed,
                        failure: Some(plain_failure(panic_text(&info))),
                        duration_ms: 0,
                    });
                }
            }
            Scenario::Finished => {
                if let Some(mut r) = self.running.remove(&source) {
                    finish(&mut r);
                    if self.progress {
                        let line = console::progress_line(&r.report, self.color);
                        let mut err = std::io::stderr().lock();
                        let _ = writeln!(err, "{line}");
                    }
                    if let Ok(mut out) = self.out.lock()
                        && let Some(f) = out.features.get_mut(r.feature)
                    {
                        f.scenarios.push(r.report);
                    }
                }
            }
            _ => {}
        }
    }
}

fn plain_failure(message: String) -> Failure {
    Failure {
        message,
        expected: None,
        actual: None,
        findings: Vec::new(),
        evidence: None,
    }
}

fn panic_text(info: &event::Info) -> String {
    if let Some(s) = info.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = info.downcast_ref::<&str>() {
        (*s).to_string()
    } else {
        "the step panicked".into()
    }
}

fn record_step(r: &mut Running, step: &gherkin::Step, ev: Step<CheckWorld>) {
    let elapsed = r.step_started.elapsed().as_millis() as u64;
    let make = |status, failure| StepReport {
        keyword: step.keyword.trim().to_string(),
        text: step.value.clone(),
        status,
        failure,
        duration_ms: elapsed,
    };
    match ev {
        Step::Started => r.step_started = Instant::now(),
        Step::Passed(..) => r.report.steps.push(make(Status::Passed, None)),
        Step::Skipped => {
            // No definition matches: a defect of the feature, never a pass.
            r.report.status = Status::Failed;
            r.report.steps.push(make(
                Status::Failed,
                Some(plain_failure(format!(
                    "no step definition matches \"{} {}\" (see features/README.md for the step library)",
                    step.keyword.trim(),
                    step.value
                ))),
            ));
        }
        Step::Failed(_, _, world, error) => {
            let message = match &error {
                StepError::Panic(info) => panic_text(info),
                other => other.to_string(),
            };
            if let Some(reason) = message.strip_prefix(SKIP_MARKER) {
                r.report.status = Status::Skipped;
                r.report.skip_reason = Some(reason.to_string());
                r.report.steps.push(make(Status::Skipped, None));
                return;
            }
            r.report.status = Status::Failed;
            let failure = world
                .as_ref()
                .and_then(|w| w.failure.clone())
                .filter(|f| f.message == message)
                .unwrap_or_else(|| plain_failure(message));
            r.report.steps.push(make(Status::Failed, Some(failure)));
        }
    }
}

/// Steps that never ran (after a failure or a skip) are listed as skipped.
fn finish(r: &mut Running) {
    r.report.duration_ms = r.started.elapsed().as_millis() as u64;
    let scenario = r.source.clone();
    // A scenario that checks nothing must not count as a pass.
    if scenario.steps.is_empty() && r.report.status == Status::Passed {
        r.report.status = Status::Failed;
        r.report.steps.push(StepReport {
            keyword: "Scenario".into(),
            text: scenario.name.clone(),
            status: Status::Failed,
            failure: Some(plain_failure("the scenario has no steps".into())),
            duration_ms: 0,
        });
    }
    for step in scenario.steps.iter().skip(r.own_reported) {
        r.report.steps.push(StepReport {
            keyword: step.keyword.trim().to_string(),
            text: step.value.clone(),
            status: Status::Skipped,
            failure: None,
            duration_ms: 0,
        });
    }
}

impl Writer<CheckWorld> for Collector {
    type Cli = cli::Empty;

    async fn handle_event(
        &mut self,
        event: parser::Result<Event<Cucumber<CheckWorld>>>,
        _cli: &Self::Cli,
    ) {
        match event.map(Event::into_inner) {
            Err(e) => {
                // The parser's own message names the file; its sources say where and why.
                let mut message = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    message.push_str(": ");
                    message.push_str(&s.to_string());
                    source = s.source();
                }
                if let Ok(mut out) = self.out.lock() {
                    out.parse_errors.push(message);
                }
            }
            Ok(Cucumber::Feature(feature, event::Feature::Scenario(source, ev))) => {
                self.on_scenario(&feature, None, source, ev);
            }
            Ok(Cucumber::Feature(
                feature,
                event::Feature::Rule(rule, event::Rule::Scenario(source, ev)),
            )) => {
                self.on_scenario(&feature, Some(&rule), source, ev);
            }
            Ok(Cucumber::Feature(feature, event::Feature::Started)) => {
                self.feature_index(&feature);
            }
            _ => {}
        }
    }
}

// Events of concurrent scenarios interleave; this writer keys everything by scenario, so it does
// not need cucumber's reordering wrapper.
impl cucumber::writer::Normalized for Collector {}
