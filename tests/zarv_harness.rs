//! The Zarv features run by the harness: every scenario passes against the embedded sandbox, and
//! against a Zarv-compatible target described by `target.toml` (no control API: the sandbox seen
//! only through its `/zarv` paths) the scenarios that need the sandbox clock or its magic documents
//! are SKIPPED with the reason, while the rest still run and pass.

mod zarv_support;

use finsandbox::harness::report::{RunReport, Status};
use finsandbox::harness::{self, CheckOptions, TargetChoice};
use finsandbox::sandbox::families::zarv::ZarvConfig;
use zarv_support::*;

fn summary(report: &RunReport) -> String {
    harness::report::console::summary(report, false)
}

#[tokio::test]
async fn the_embedded_sandbox_passes_every_zarv_scenario() {
    let options = CheckOptions {
        tags: Some("@zarv".into()),
        ..CheckOptions::default()
    };
    let report = harness::run(&options).await.expect("harness runs");
    let counts = report.counts();
    assert_eq!(counts.failed, 0, "{}", summary(&report));
    assert_eq!(counts.skipped, 0, "{}", summary(&report));
    assert!(counts.passed >= 50, "{counts:?}");
}

#[tokio::test]
async fn without_a_control_api_clock_and_magic_scenarios_are_skipped_with_the_reason() {
    // Short delays: on a real target the harness waits in real time.
    let z = start_with(config().family(ZarvConfig {
        processing_delay_seconds: Some(1),
        finish_delay_seconds: Some(1),
        callback_retry_minutes: None,
    }))
    .await;
    let dir = std::env::temp_dir().join(format!("finsandbox-zarv-target-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("target.toml");
    std::fs::write(
        &file,
        format!(
            r#"name = "a Zarv-compatible target"
base-url = "{base}"

[zarv]
base-url = "{base}/zarv"
email = "{}"
password = "{}"
other-email = "{}"
other-password = "{}"
no-credit-email = "{}"
no-credit-password = "{}"
"#,
            ANA.0,
            ANA.1,
            CARLA.0,
            CARLA.1,
            CARLA.0,
            CARLA.1,
            base = z.base
        ),
    )
    .expect("target.toml");
    let options = CheckOptions {
        target: TargetChoice::Config(file),
        tags: Some("@zarv".into()),
        ..CheckOptions::default()
    };
    let report = harness::run(&options).await.expect("harness runs");
    let _ = std::fs::remove_dir_all(&dir);
    let counts = report.counts();
    assert_eq!(counts.failed, 0, "{}", summary(&report));
    let scenarios: Vec<_> = report.features.iter().flat_map(|f| &f.scenarios).collect();
    let reason_of = |name: &str| {
        let s = scenarios
            .iter()
            .find(|s| s.name.starts_with(name))
            .unwrap_or_else(|| panic!("{name} ran"));
        (s.status, s.skip_reason.clone().unwrap_or_default())
    };
    let (status, reason) = reason_of("the magic document 55500000403 gives COMPLETED");
    assert_eq!(status, Status::Skipped);
    assert!(
        reason.contains("magic document") && reason.contains("control API"),
        "{reason}"
    );
    let (status, reason) = reason_of("an expired token gets 401");
    assert_eq!(status, Status::Skipped);
    assert!(reason.contains("expired token"), "{reason}");
    let (status, reason) = reason_of("a failing receiver gets the callback again");
    assert_eq!(status, Status::Skipped);
    assert!(reason.contains("retries"), "{reason}");
    // What a client can do alone runs, waiting in real time where it must.
    for name in [
        "a verification goes CREATED -> PROCESSING -> COMPLETED",
        "each verification of the batch is delivered once, as declared",
        "new verifications of a listed id show it, older ones do not change",
        "a workspace without credit gets 402 and nothing is created",
        "another workspace's verification is not found",
        "a refresh token works once",
    ] {
        let (status, reason) = reason_of(name);
        assert_eq!(
            status,
            Status::Passed,
            "{name}: {reason} {}",
            summary(&report)
        );
    }
    z.stop().await;
}
