//! The one result model every report is written from.
//!
//! The harness fills a [`RunReport`] while it runs scenarios; waivers and PII masking rewrite it in
//! place; each writer (console, JSON, JUnit, HTML, snapshot) is a pure function over it. Keeping a
//! single model means the formats cannot disagree about what happened.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Outcome of a scenario or a step.
///
/// `Waived` is a failure that a waiver file accepted: it is neither a pass nor a failure, so it is
/// counted on its own and never hides behind "passed".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Passed,
    Failed,
    Skipped,
    Waived,
}

impl Status {
    /// The upper-case label used in every format (same as the serialised form).
    pub fn label(self) -> &'static str {
        match self {
            Status::Passed => "PASSED",
            Status::Failed => "FAILED",
            Status::Skipped => "SKIPPED",
            Status::Waived => "WAIVED",
        }
    }

    /// Order in which reports present scenarios: what needs attention first.
    pub fn attention_rank(self) -> u8 {
        match self {
            Status::Failed => 0,
            Status::Skipped => 1,
            Status::Waived => 2,
            Status::Passed => 3,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A whole `finsandbox check` run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Name and version of the tool, e.g. `finsandbox 0.1.0`.
    pub tool: String,
    /// Base URL of the implementation under test, or `embedded sandbox`.
    pub target: String,
    pub started_at: DateTime<Utc>,
    pub duration_ms: u64,
    #[serde(default)]
    pub features: Vec<FeatureReport>,
}

/// One `.feature` file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureReport {
    pub name: String,
    /// Path relative to the features root, e.g. `features/acme/paging.feature`.
    pub path: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub scenarios: Vec<ScenarioReport>,
}

/// One scenario (or one example row of a scenario outline).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioReport {
    pub name: String,
    /// Line of the scenario in its feature file (1-based).
    pub line: u32,
    #[serde(default)]
    pub tags: Vec<String>,
    pub status: Status,
    #[serde(default)]
    pub steps: Vec<StepReport>,
    /// For SKIPPED: the missing precondition, named (e.g. "no persona with a revoked consent").
    #[serde(default)]
    pub skip_reason: Option<String>,
    /// For WAIVED: the reason copied from the waivers file.
    #[serde(default)]
    pub waiver: Option<String>,
    #[serde(default)]
    pub duration_ms: u64,
}

/// One Given/When/Then step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    /// `Given`, `When`, `Then`, `And`, `But` (as written in the feature).
    pub keyword: String,
    pub text: String,
    pub status: Status,
    #[serde(default)]
    pub failure: Option<Failure>,
    #[serde(default)]
    pub duration_ms: u64,
}

/// Why a step failed, with enough material to fix it without re-running.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Failure {
    pub message: String,
    #[serde(default)]
    pub expected: Option<String>,
    #[serde(default)]
    pub actual: Option<String>,
    /// Structured violations, each named by the judge's check that raised it.
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// The HTTP exchange the failing check judged.
    #[serde(default)]
    pub evidence: Option<Exchange>,
}

/// One violation at one place: the judge's own finding, carrying the name of the check that
/// raised it, so a report says the same thing the sandbox's self-check and `validate` say.
pub use crate::spec::judge::Finding;

/// A request and, when one arrived, its response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    pub request: HttpRequestRecord,
    #[serde(default)]
    pub response: Option<HttpResponseRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequestRecord {
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpResponseRecord {
    pub status: u16,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: Option<String>,
}

/// Scenario counts per status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub waived: usize,
}

impl Counts {
    fn add(&mut self, status: Status) {
        self.total += 1;
        match status {
            Status::Passed => self.passed += 1,
            Status::Failed => self.failed += 1,
            Status::Skipped => self.skipped += 1,
            Status::Waived => self.waived += 1,
        }
    }

    fn merge(&mut self, other: Counts) {
        self.total += other.total;
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
        self.waived += other.waived;
    }

    /// Scenarios whose steps actually executed against the target (a waived one did, and failed).
    pub fn ran(&self) -> usize {
        self.passed + self.failed + self.waived
    }

    /// Overall status for a group with these counts; see [`RunReport::status`].
    pub fn status(&self) -> Status {
        if self.failed > 0 {
            Status::Failed
        } else if self.passed + self.waived > 0 {
            Status::Passed
        } else {
            Status::Skipped
        }
    }

    /// `40 passed, 1 failed, 1 skipped, 0 waived`
    pub fn breakdown(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped, {} waived",
            self.passed, self.failed, self.skipped, self.waived
        )
    }
}

impl RunReport {
    /// A run with no features yet; the harness pushes features as it goes.
    pub fn new(
        tool: impl Into<String>,
        target: impl Into<String>,
        started_at: DateTime<Utc>,
    ) -> Self {
        RunReport {
            tool: tool.into(),
            target: target.into(),
            started_at,
            duration_ms: 0,
            features: Vec::new(),
        }
    }

    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for feature in &self.features {
            counts.merge(feature.counts());
        }
        counts
    }

    /// FAILED if anything failed; PASSED if something ran and nothing failed; SKIPPED when
    /// nothing ran at all, because an empty or all-skipped run proves nothing and must not
    /// look green in CI.
    pub fn status(&self) -> Status {
        self.counts().status()
    }

    /// True only if no scenario FAILED and at least one scenario ran.
    pub fn passed(&self) -> bool {
        self.status() == Status::Passed
    }

    /// Every scenario with its feature, in report order.
    pub fn scenarios(&self) -> impl Iterator<Item = (&FeatureReport, &ScenarioReport)> {
        self.features
            .iter()
            .flat_map(|f| f.scenarios.iter().map(move |s| (f, s)))
    }

    /// Scenarios of one status, in report order.
    pub fn scenarios_with(
        &self,
        status: Status,
    ) -> impl Iterator<Item = (&FeatureReport, &ScenarioReport)> {
        self.scenarios().filter(move |(_, s)| s.status == status)
    }

    /// Puts features in path order and scenarios in line order, so that reports of runs that
    /// executed concurrently come out identical.
    pub fn sort_by_location(&mut self) {
        self.features
            .sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.name.cmp(&b.name)));
        for feature in &mut self.features {
            feature.sort_by_line();
        }
    }
}

impl FeatureReport {
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for scenario in &self.scenarios {
            counts.add(scenario.status);
        }
        counts
    }

    pub fn status(&self) -> Status {
        self.counts().status()
    }

    pub fn sort_by_line(&mut self) {
        self.scenarios
            .sort_by(|a, b| a.line.cmp(&b.line).then_with(|| a.name.cmp(&b.name)));
    }

    /// Scenarios ordered for a reader: FAILED, SKIPPED, WAIVED, PASSED; line order within each.
    pub fn scenarios_by_attention(&self) -> Vec<&ScenarioReport> {
        let mut list: Vec<&ScenarioReport> = self.scenarios.iter().collect();
        list.sort_by_key(|s| (s.status.attention_rank(), s.line));
        list
    }
}

impl ScenarioReport {
    /// The first failed step and its failure. A scenario can fail without a step carrying a
    /// `Failure` (a hook panicked), hence the separate option on the failure.
    pub fn failing_step(&self) -> Option<(&StepReport, Option<&Failure>)> {
        self.steps
            .iter()
            .find(|s| s.status == Status::Failed)
            .map(|s| (s, s.failure.as_ref()))
    }
}

impl StepReport {
    /// `Then the response matches the schema`
    pub fn title(&self) -> String {
        let keyword = self.keyword.trim();
        if keyword.is_empty() {
            self.text.clone()
        } else {
            format!("{keyword} {}", self.text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testdata::sample_report;
    use super::*;

    #[test]
    fn counts_add_up_per_feature_and_run() {
        let report = sample_report();
        let run = report.counts();
        assert_eq!(
            (run.total, run.passed, run.failed, run.skipped, run.waived),
            (4, 1, 1, 1, 1)
        );
        let per_feature: Vec<Counts> = report.features.iter().map(|f| f.counts()).collect();
        assert_eq!(per_feature[0].failed, 1);
        assert_eq!(per_feature[1].skipped + per_feature[1].waived, 2);
    }

    #[test]
    fn run_with_a_failure_did_not_pass() {
        let report = sample_report();
        assert_eq!(report.status(), Status::Failed);
        assert!(!report.passed());
    }

    #[test]
    fn all_skipped_run_is_not_a_pass() {
        let mut report = sample_report();
        for feature in &mut report.features {
            for s in &mut feature.scenarios {
                s.status = Status::Skipped;
            }
        }
        assert_eq!(report.status(), Status::Skipped);
        assert!(!report.passed());
    }

    #[test]
    fn empty_run_is_not_a_pass() {
        let report = RunReport::new("finsandbox 0.1.0", "embedded sandbox", Utc::now());
        assert!(!report.passed());
    }

    #[test]
    fn waived_failures_let_the_run_pass_but_are_counted_apart() {
        let mut report = sample_report();
        for feature in &mut report.features {
            for s in &mut feature.scenarios {
                if s.status == Status::Failed {
                    s.status = Status::Waived;
                }
            }
        }
        assert!(report.passed());
        assert_eq!(report.counts().waived, 2);
        assert_eq!(report.counts().passed, 1);
    }

    #[test]
    fn status_serialises_upper_case() {
        let json = serde_json::to_string(&[Status::Passed, Status::Waived]).unwrap();
        assert_eq!(json, r#"["PASSED","WAIVED"]"#);
        let back: Vec<Status> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, vec![Status::Passed, Status::Waived]);
    }

    #[test]
    fn sort_by_location_orders_paths_then_lines() {
        let mut report = sample_report();
        report.features.reverse();
        report.features[1].scenarios.reverse();
        report.sort_by_location();
        assert!(report.features[0].path < report.features[1].path);
        let lines: Vec<u32> = report.features[0]
            .scenarios
            .iter()
            .map(|s| s.line)
            .collect();
        let mut sorted = lines.clone();
        sorted.sort();
        assert_eq!(lines, sorted);
    }

    #[test]
    fn attention_order_puts_failures_first() {
        let report = sample_report();
        let order: Vec<Status> = report.features[0]
            .scenarios_by_attention()
            .iter()
            .map(|s| s.status)
            .collect();
        assert_eq!(order.first(), Some(&Status::Failed));
        assert_eq!(order.last(), Some(&Status::Passed));
    }
}
