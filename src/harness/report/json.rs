//! Machine-readable report: the model as pretty JSON, plus the derived status and counts so that
//! consumers (dashboards, `jq` in CI) need not recompute them.
//!
//! [`from_json`] reads a report back; the derived fields are ignored on the way in because they
//! are recomputed from the scenarios, which keeps a hand-edited file from contradicting itself.

use super::model::{Counts, FeatureReport, RunReport, ScenarioReport, Status};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Bumped when a field is renamed or removed (adding fields does not bump it).
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct RunView<'a> {
    format_version: u32,
    tool: &'a str,
    target: &'a str,
    started_at: &'a DateTime<Utc>,
    duration_ms: u64,
    status: Status,
    passed: bool,
    counts: Counts,
    features: Vec<FeatureView<'a>>,
}

#[derive(Serialize)]
struct FeatureView<'a> {
    name: &'a str,
    path: &'a str,
    tags: &'a [String],
    status: Status,
    counts: Counts,
    scenarios: &'a [ScenarioReport],
}

/// The report as pretty-printed JSON (UTF-8, keys in model order).
pub fn to_json(report: &RunReport) -> String {
    let view = RunView {
        format_version: FORMAT_VERSION,
        tool: &report.tool,
        target: &report.target,
        started_at: &report.started_at,
        duration_ms: report.duration_ms,
        status: report.status(),
        passed: report.passed(),
        counts: report.counts(),
        features: report.features.iter().map(feature_view).collect(),
    };
    // Every map key in the model is a string and no Serialize impl here can fail, so an error
    // would be a bug in this module, not something input can trigger.
    serde_json::to_string_pretty(&view).expect("report model always serialises to JSON")
}

fn feature_view(feature: &FeatureReport) -> FeatureView<'_> {
    FeatureView {
        name: &feature.name,
        path: &feature.path,
        tags: &feature.tags,
        status: feature.status(),
        counts: feature.counts(),
        scenarios: &feature.scenarios,
    }
}

/// Reads a report written by [`to_json`] (or the bare model).
pub fn from_json(text: &str) -> Result<RunReport, serde_json::Error> {
    serde_json::from_str(text)
}

#[cfg(test)]
mod tests {
    use super::super::testdata::*;
    use super::*;
    use serde_json::Value;

    #[test]
    fn json_carries_derived_counts_and_status() {
        let v: Value = serde_json::from_str(&to_json(&sample_report())).unwrap();
        assert_eq!(v["status"], "FAILED");
        assert_eq!(v["passed"], false);
        assert_eq!(v["counts"]["total"], 4);
        assert_eq!(v["counts"]["waived"], 1);
        assert_eq!(v["features"][0]["counts"]["failed"], 1);
        assert_eq!(v["features"][1]["status"], "PASSED");
        assert_eq!(v["features"][0]["scenarios"][1]["status"], "FAILED");
        assert_eq!(v["started_at"], "2026-11-22T10:00:00Z");
    }

    #[test]
    fn json_keeps_findings_and_evidence() {
        let v: Value = serde_json::from_str(&to_json(&sample_report())).unwrap();
        let failure = &v["features"][0]["scenarios"][1]["steps"][2]["failure"];
        assert_eq!(failure["findings"][0]["pointer"], "/data/0/birthDate");
        assert_eq!(failure["findings"][0]["check"], "schema");
        assert_eq!(failure["findings"][2]["message"], TRICKY);
        assert_eq!(failure["evidence"]["response"]["status"], 200);
        assert_eq!(
            failure["evidence"]["request"]["headers"][1],
            serde_json::json!(["x-fapi-interaction-id", INTERACTION_ID])
        );
    }

    #[test]
    fn json_round_trips_to_the_same_model() {
        let report = sample_report();
        let back = from_json(&to_json(&report)).unwrap();
        assert_eq!(back, report);
    }

    #[test]
    fn json_keeps_non_ascii_unescaped() {
        let text = to_json(&sample_report());
        assert!(text.contains("São João"));
        assert!(text.starts_with("{\n  \"format_version\": 1,"));
    }
}
