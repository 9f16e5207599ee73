//! The conformance report of the embedded sandbox is committed as an insta snapshot
//! (`snapshots/sandbox.snap`): CI notices when the sandbox's conformance changes. The same file is
//! what `finsandbox check --snapshot sandbox` compares against.

use finsandbox::harness::report::snapshot;
use finsandbox::harness::{self, CheckOptions};

#[tokio::test]
async fn sandbox_conformance_report_matches_the_committed_snapshot() {
    let report = harness::run(&CheckOptions::default())
        .await
        .expect("harness runs");
    assert!(
        report.passed(),
        "{}",
        harness::report::console::summary(&report, false)
    );
    let normalised = snapshot::normalise(&report);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("sandbox", normalised));
}

#[tokio::test]
async fn tag_filter_selects_scenarios() {
    let report = harness::run(&CheckOptions {
        tags: Some("@paging".into()),
        ..CheckOptions::default()
    })
    .await
    .expect("harness runs");
    let names: Vec<_> = report
        .features
        .iter()
        .flat_map(|f| &f.scenarios)
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(report.features.iter().all(|f| f.path.contains("paging")));
}

#[tokio::test]
async fn a_bad_tag_expression_is_an_error_not_an_empty_run() {
    let err = harness::run(&CheckOptions {
        tags: Some("@v2 and and".into()),
        ..CheckOptions::default()
    })
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("@v2 and and"), "{err}");
}

#[tokio::test]
async fn an_unparsable_feature_fails_the_run() {
    let dir = std::env::temp_dir().join(format!("finsandbox-features-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("broken.feature"), "this is not Gherkin at all\n").unwrap();
    std::fs::write(
        dir.join("outline.feature"),
        "Feature: o\n  Scenario Outline: uses <missing>\n    Given the request header \"a\" is \"<missing>\"\n    Examples:\n      | other |\n      | 1     |\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("empty.feature"),
        "Feature: e\n  Scenario: nothing to do\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("undefined.feature"),
        "Feature: undefined steps\n  Scenario: a step nobody wrote\n    Given the moon is made of cheese\n",
    )
    .unwrap();
    let report = harness::run(&CheckOptions {
        features_dir: Some(dir.clone()),
        ..CheckOptions::default()
    })
    .await
    .expect("harness runs");
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!report.passed());
    let counts = report.counts();
    let text = harness::report::console::summary(&report, false);
    assert_eq!(counts.failed, 4, "{text}");
    assert_eq!(counts.passed, 0, "{text}");
    assert!(text.contains("no step definition matches"), "{text}");
    assert!(text.contains("broken.feature"), "{text}");
    assert!(text.contains("the scenario has no steps"), "{text}");
}
