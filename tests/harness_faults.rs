//! The injected-error scenarios (`@faults`) against the sandbox and against targets that answer
//! injected errors wrongly: the real sandbox behind a proxy that introduces one defect, which the
//! harness must report as a failed scenario naming it; and targets that cannot inject, where the
//! scenarios are skipped with the reason.

mod common;

use std::sync::Arc;

use bytes::Bytes;
use common::failure_of;
use finsandbox::harness::report::{RunReport, Status};
use finsandbox::harness::{self, CheckOptions, TargetChoice};
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use serde_json::Value;

/// What the proxy does to an answer of the sandbox: (path, status, headers, body) in place.
type Defect = Arc<dyn Fn(&str, &mut u16, &mut Vec<(String, String)>, &mut Bytes) + Send + Sync>;

fn no_defect() -> Defect {
    Arc::new(|_: &str, _: &mut u16, _: &mut Vec<(String, String)>, _: &mut Bytes| {})
}

async fn forward(
    req: Request<hyper::body::Incoming>,
    upstream: &str,
    client: &reqwest::Client,
    defect: &Defect,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let mut r = client.request(parts.method.clone(), format!("{upstream}{}", parts.uri));
    for (k, v) in &parts.headers {
        if k != "host" && k != "content-length" {
            r = r.header(k, v);
        }
    }
    let resp = r
        .body(body.to_vec())
        .send()
        .await
        .expect("upstream answers");
    let mut status = resp.status().as_u16();
    let mut headers: Vec<(String, String)> = resp
        .headers()
        .iter()
        .filter(|(k, _)| *k != "content-length")
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let mut bytes = resp.bytes().await.unwrap_or_default();
    defect(parts.uri.path(), &mut status, &mut headers, &mut bytes);
    let mut out = Response::new(Full::new(bytes));
    *out.status_mut() = hyper::StatusCode::from_u16(status).expect("status");
    for (k, v) in headers {
        out.headers_mut().append(
            hyper::header::HeaderName::from_bytes(k.as_bytes()).expect("name"),
            hyper::header::HeaderValue::from_str(&v).expect("value"),
        );
    }
    out
}

/// Runs the scenarios matching `tags` against a sandbox behind a proxy with `defect`; also the
/// sandbox's fault log and rule list afterwards.
async fn check(tags: &str, defect: Defect) -> (RunReport, Value, Value) {
    let sandbox = finsandbox::sandbox::start(common::config()).await.unwrap();
    let upstream = sandbox.base_url();
    let client = common::http_client();
    let shared = Arc::new((upstream.clone(), client.clone(), defect));
    let proxy = common::serve_loopback(move |req, _| {
        let shared = shared.clone();
        async move {
            let (upstream, client, defect) = &*shared;
            forward(req, upstream, client, defect).await
        }
    })
    .await;
    let options = CheckOptions {
        target: TargetChoice::Url(format!("http://{}", proxy.addr)),
        tags: Some(tags.to_string()),
        ..CheckOptions::default()
    };
    let report = harness::run(&options).await.expect("harness runs");
    drop(proxy);
    let get = |path: &str| {
        let client = client.clone();
        let url = format!("{upstream}{path}");
        async move {
            client
                .get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let log = get("/sandbox/faults/log?page-size=1").await;
    let rules = get("/sandbox/faults").await;
    sandbox.stop().await;
    (report, log, rules)
}

fn summary(report: &RunReport) -> String {
    harness::report::console::summary(report, false)
}

#[tokio::test]
async fn every_declared_error_is_injected_and_passes_on_the_sandbox() {
    let (report, log, rules) = check("@faults", no_defect()).await;
    let counts = report.counts();
    assert_eq!(
        (counts.passed, counts.failed, counts.skipped),
        (7, 0, 0),
        "{}",
        summary(&report)
    );
    // Each declared error status of each operation went through the sandbox's fault rules
    // (Customers v1 and v2, Consents, the token endpoint, Bankly, Zarv ID, card holders), and
    // none was left behind.
    let injected = log["count"].as_u64().unwrap();
    assert!(injected > 150, "{injected} injections: {log}");
    assert_eq!(rules["count"], 0, "{rules}");
}

#[tokio::test]
async fn an_injected_error_in_the_wrong_shape_is_reported_naming_the_operation() {
    // A gateway that answers its own overload page instead of the declared ResponseError.
    let defect: Defect = Arc::new(|path, status, headers, body| {
        if *status == 529 && path.ends_with("/personal/identifications") {
            *body = Bytes::from_static(b"{\"message\":\"overloaded\"}");
            headers.retain(|(k, _)| k != "retry-after");
        }
    });
    let (report, _, _) = check("@faults and @v2", defect).await;
    let message = failure_of(&report, "Customers API v2");
    assert!(
        message.contains("1 of ")
            && message.contains("do not match the spec")
            && message.contains("customersGetPersonalIdentifications 529"),
        "{message}"
    );
    assert!(
        message.contains("errors"),
        "the finding names the missing field: {message}"
    );
    // The Retry-After it dropped is reported by its own step, which did not run after the failure.
    let scenario = report
        .features
        .iter()
        .flat_map(|f| &f.scenarios)
        .find(|s| s.name.contains("Customers API v2"))
        .unwrap();
    assert_eq!(scenario.steps.last().unwrap().status, Status::Skipped);
}

#[tokio::test]
async fn an_answer_that_is_not_the_injected_one_and_a_lost_retry_after_are_reported() {
    // A gateway in between answers Bankly's 500s as 502, and drops the Consents 429's Retry-After.
    let defect: Defect = Arc::new(|path, status, headers, _| {
        if path.starts_with("/bankly/") && *status == 500 {
            *status = 502;
        }
        if path.starts_with("/open-banking/consents/") && *status == 429 {
            headers.retain(|(k, _)| k != "retry-after");
        }
    });
    let (report, _, _) = check("@faults and (@bankly or @consents)", defect).await;
    let bankly = failure_of(&report, "every declared error status of every operation");
    assert!(
        bankly.contains("are not the injected ones")
            && bankly.contains("500")
            && bankly.contains("answered 502"),
        "{bankly}"
    );
    let consents = failure_of(&report, "Consents API v3");
    assert!(
        consents.contains("lack the Retry-After asked for")
            && consents.contains("Retry-After absent where 7 was asked"),
        "{consents}"
    );
}

#[tokio::test]
async fn without_fault_injection_the_scenarios_are_skipped_with_the_reason() {
    // A control API without /sandbox/faults (an older sandbox, or one that hides it).
    let defect: Defect = Arc::new(|path, status, _, body| {
        if path.starts_with("/sandbox/faults") {
            *status = 404;
            *body = Bytes::from_static(b"{\"error\":\"Not Found\"}");
        }
    });
    let (report, _, _) = check("@faults", defect).await;
    let scenarios: Vec<_> = report.features.iter().flat_map(|f| &f.scenarios).collect();
    assert_eq!(scenarios.len(), 7);
    for s in &scenarios {
        assert_eq!(s.status, Status::Skipped, "{}", s.name);
        let reason = s.skip_reason.as_deref().unwrap_or_default();
        assert!(reason.contains("no fault injection"), "{reason}");
    }

    // No control API at all: a real provider.
    let defect: Defect = Arc::new(|path, status, _, body| {
        if path.starts_with("/sandbox") {
            *status = 404;
            *body = Bytes::from_static(b"{\"error\":\"Not Found\"}");
        }
    });
    let (report, _, _) = check("@faults", defect).await;
    let scenarios: Vec<_> = report.features.iter().flat_map(|f| &f.scenarios).collect();
    assert_eq!(scenarios.len(), 7);
    for s in &scenarios {
        assert_eq!(s.status, Status::Skipped, "{}", s.name);
        let reason = s.skip_reason.as_deref().unwrap_or_default();
        assert!(
            reason.contains("no finsandbox control API")
                && reason.contains("cannot be made to fail"),
            "{reason}"
        );
    }
}
