//! The harness against deliberately broken targets. Each target is the real sandbox behind a proxy
//! that introduces one defect; the harness must report a failed scenario whose message names it.
//! A harness that passes a broken target is the worst bug it can have.

mod common;

use common::failure_of;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use finsandbox::harness::report::{RunReport, Status};
use finsandbox::harness::{self, CheckOptions, TargetChoice};
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use serde_json::Value;

/// A defect: rewrites (path, status, headers, body) of the sandbox's answer.
type Mutate = Arc<dyn Fn(&mut Answer) + Send + Sync>;

struct Answer {
    path: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
    /// Last 200 body seen per path, for defects that replay data where an error belongs.
    seen: Arc<Mutex<HashMap<String, Value>>>,
}

/// The sandbox behind a proxy applying `mutate` to every answer; stops when dropped.
async fn proxy(upstream: String, mutate: Mutate) -> common::LoopbackServer {
    let client = common::http_client();
    let seen = Arc::new(Mutex::new(HashMap::new()));
    common::serve_loopback(move |req: Request<hyper::body::Incoming>, _| {
        let client = client.clone();
        let upstream = upstream.clone();
        let mutate = mutate.clone();
        let seen = seen.clone();
        async move {
            let (parts, body) = req.into_parts();
            let body = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let path = parts.uri.path().to_string();
            let url = format!("{upstream}{}", parts.uri);
            let mut r = client.request(parts.method.clone(), &url);
            // Host goes through unchanged, so the sandbox's links point at the proxy and the
            // harness keeps meeting the defect when it follows them.
            for (k, v) in &parts.headers {
                r = r.header(k, v);
            }
            let resp = r.body(body.to_vec()).send().await.unwrap();
            let status = resp.status().as_u16();
            let headers: Vec<(String, String)> = resp
                .headers()
                .iter()
                .filter(|(k, _)| *k != "content-length")
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                .collect();
            let text = resp.text().await.unwrap_or_default();
            let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if status == 200 && path.contains("/customers/") {
                seen.lock().unwrap().insert(path.clone(), body.clone());
            }
            let mut answer = Answer {
                path,
                status,
                headers,
                body,
                seen,
            };
            mutate(&mut answer);
            let bytes = if answer.body.is_null() {
                Bytes::new()
            } else {
                Bytes::from(answer.body.to_string())
            };
            let mut out = Response::new(Full::new(bytes));
            *out.status_mut() = hyper::StatusCode::from_u16(answer.status).unwrap();
            for (k, v) in answer.headers {
                out.headers_mut().append(
                    hyper::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    hyper::header::HeaderValue::from_str(&v).unwrap(),
                );
            }
            out
        }
    })
    .await
}

/// Runs the features matching `tags` against the sandbox behind a proxy with `mutate`.
async fn check_broken(tags: &str, mutate: Mutate) -> RunReport {
    let sandbox = finsandbox::sandbox::start(common::config()).await.unwrap();
    let p = proxy(sandbox.base_url(), mutate).await;
    let options = CheckOptions {
        target: TargetChoice::Url(format!("http://{}", p.addr)),
        tags: Some(tags.to_string()),
        ..CheckOptions::default()
    };
    let report = harness::run(&options).await.expect("harness runs");
    drop(p);
    sandbox.stop().await;
    report
}

fn with_customer_200(path_part: &'static str, f: fn(&mut Value)) -> Mutate {
    Arc::new(move |a: &mut Answer| {
        if a.status == 200 && a.path.contains(path_part) {
            f(&mut a.body);
        }
    })
}

#[tokio::test]
async fn missing_required_field_is_reported() {
    let report = check_broken(
        "@v2 and not @paging",
        with_customer_200("/personal/identifications", |b| {
            if let Some(d) = b["data"][0].as_object_mut() {
                d.remove("civilName");
            }
        }),
    )
    .await;
    let msg = failure_of(&report, "/personal/identifications returns data");
    assert!(
        msg.contains("civilName") && msg.contains("required"),
        "{msg}"
    );
    assert!(!report.passed());
}

#[tokio::test]
async fn pattern_violation_is_reported() {
    let report = check_broken(
        "@v2 and not @paging",
        with_customer_200("/personal/identifications", |b| {
            b["data"][0]["documents"]["cpfNumber"] = Value::from("529.982.247-25");
        }),
    )
    .await;
    let msg = failure_of(&report, "/personal/identifications returns data");
    assert!(
        msg.contains("/data/0/documents/cpfNumber") && msg.contains("pattern"),
        "{msg}"
    );
}

#[tokio::test]
async fn wrong_enum_is_reported() {
    let report = check_broken(
        "@v2 and not @paging",
        with_customer_200("/personal/financial-relations", |b| {
            b["data"]["productsServicesType"] = serde_json::json!(["CONTA_CORRENTE"]);
        }),
    )
    .await;
    let msg = failure_of(&report, "/personal/financial-relations returns data");
    assert!(
        msg.contains("productsServicesType") && msg.contains("enum"),
        "{msg}"
    );
}

#[tokio::test]
async fn wrong_cpf_check_digit_is_reported() {
    let report = check_broken(
        "@v2 and not @paging",
        with_customer_200("/personal/identifications", |b| {
            b["data"][0]["documents"]["cpfNumber"] = Value::from("52998224726");
        }),
    )
    .await;
    let msg = failure_of(&report, "/personal/identifications returns data");
    assert!(msg.contains("cpf-check-digits"), "{msg}");
}

#[tokio::test]
async fn a_body_labelled_with_an_undeclared_media_type_is_reported_by_its_check() {
    let report = check_broken(
        "@v2 and not @paging",
        Arc::new(|a: &mut Answer| {
            if a.status == 200 && a.path.contains("/personal/identifications") {
                for (k, v) in &mut a.headers {
                    if k.eq_ignore_ascii_case("content-type") {
                        *v = "text/plain".into();
                    }
                }
            }
        }),
    )
    .await;
    let msg = failure_of(&report, "/personal/identifications returns data");
    assert!(
        msg.contains("[content-type:content]") && msg.contains("\"text/plain\""),
        "{msg}"
    );
}

#[tokio::test]
async fn findings_carry_the_name_of_their_check() {
    let report = check_broken(
        "@v2 and not @paging",
        with_customer_200("/personal/identifications", |b| {
            b["data"][0]["documents"]["cpfNumber"] = Value::from("52998224726");
            b["data"][0]["sex"] = Value::from("F");
        }),
    )
    .await;
    let msg = failure_of(&report, "/personal/identifications returns data");
    assert!(msg.contains("[schema:enum]"), "{msg}");
    assert!(msg.contains("[rule:cpf-check-digits]"), "{msg}");
}

#[tokio::test]
async fn interaction_id_not_echoed_is_reported() {
    let report = check_broken(
        "@v2 and not @paging",
        Arc::new(|a: &mut Answer| {
            for (k, v) in &mut a.headers {
                if k == "x-fapi-interaction-id" {
                    *v = uuid::Uuid::new_v4().to_string();
                }
            }
        }),
    )
    .await;
    let msg = failure_of(&report, "echoes the interaction id");
    assert!(
        msg.contains("x-fapi-interaction-id was not echoed"),
        "{msg}"
    );
}

#[tokio::test]
async fn data_served_for_a_revoked_consent_is_reported() {
    let report = check_broken(
        "@v2 and not @paging",
        Arc::new(|a: &mut Answer| {
            let revoked = a.body["errors"][0]["detail"]
                .as_str()
                .is_some_and(|d| d.contains("revoked"));
            if a.status == 401
                && revoked
                && let Some(body) = a.seen.lock().unwrap().get(&a.path).cloned()
            {
                a.status = 200;
                a.body = body;
            }
        }),
    )
    .await;
    let msg = failure_of(
        &report,
        "a token issued before the consent was revoked gets 401",
    );
    assert!(msg.contains("expected HTTP 401, got 200"), "{msg}");
}

#[tokio::test]
async fn wrong_403_code_is_reported() {
    let report = check_broken(
        "@v2 and not @paging",
        Arc::new(|a: &mut Answer| {
            if a.status == 403 && a.body["errors"][0]["code"] == "STATUS_PENDING_AUTHORISATION" {
                a.body["errors"][0]["code"] = Value::from("FORBIDDEN");
            }
        }),
    )
    .await;
    let msg = failure_of(&report, "múltipla alçada pendente");
    assert!(
        msg.contains("STATUS_PENDING_AUTHORISATION") && msg.contains("FORBIDDEN"),
        "{msg}"
    );
}

#[tokio::test]
async fn broken_next_link_is_reported() {
    let report = check_broken(
        "@paging",
        Arc::new(|a: &mut Answer| {
            if a.status == 200 && a.body["links"]["next"].is_string() {
                // `next` points back at the page itself.
                a.body["links"]["next"] = a.body["links"]["self"].clone();
            }
        }),
    )
    .await;
    let msg = failure_of(&report, "walking the pages of a customer with many records");
    assert!(msg.contains("broken next link"), "{msg}");
    assert!(
        msg.contains("leads back to a page already visited"),
        "{msg}"
    );
}

#[tokio::test]
async fn next_link_to_the_wrong_page_is_reported() {
    let report = check_broken(
        "@paging",
        Arc::new(|a: &mut Answer| {
            let first_page = a.body["links"]["self"]
                .as_str()
                .is_some_and(|s| s.contains("page=1&"));
            if a.status == 200
                && first_page
                && let Some(next) = a.body["links"]["next"].as_str()
            {
                a.body["links"]["next"] = Value::from(next.replace("page=2", "page=3"));
            }
        }),
    )
    .await;
    let msg = failure_of(&report, "walking the pages of a customer with many records");
    assert!(
        msg.contains("links.next") || msg.contains("names page"),
        "{msg}"
    );
}

#[tokio::test]
async fn missing_422_past_the_last_page_is_reported() {
    let report = check_broken(
        "@paging",
        Arc::new(|a: &mut Answer| {
            if a.status == 422 {
                a.status = 200;
                a.body = serde_json::json!({"data": [], "links": {"self": "http://x.test/"},
                                            "meta": {"requestDateTime": "2026-01-01T00:00:00Z"}});
            }
        }),
    )
    .await;
    let msg = failure_of(&report, "walking the pages of a customer with many records");
    assert!(msg.contains("expected HTTP 422, got 200"), "{msg}");
}

#[tokio::test]
async fn the_sandbox_itself_passes_every_scenario() {
    // v1 is left out here: its links must carry a dotted host, and behind this proxy they carry
    // 127.0.0.1 (the embedded run, with its reserved host, covers v1: see harness_reports.rs).
    let report = check_broken("@open-finance and not @v1", Arc::new(|_: &mut Answer| {})).await;
    let counts = report.counts();
    assert_eq!(
        counts.failed,
        0,
        "{}",
        finsandbox::harness::report::console::summary(&report, false)
    );
    assert_eq!(counts.skipped, 0);
    assert!(counts.passed > 40, "{counts:?}");
}

#[tokio::test]
async fn reports_of_a_failing_run_are_well_formed() {
    use finsandbox::harness::report::{html, junit, mask};
    let mut report = check_broken(
        "@v2 and not @paging",
        with_customer_200("/personal/identifications", |b| {
            b["data"][0]["documents"]["cpfNumber"] = Value::from("529.982.247-25");
        }),
    )
    .await;
    mask::mask_pii(&mut report);
    let counts = report.counts();
    assert!(counts.failed >= 1 && counts.passed >= 1, "{counts:?}");

    // JUnit parses, and its counters agree with the report.
    let xml = junit::to_junit_xml(&report);
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut testcases, mut failures) = (0, 0);
    let mut root_failures = None;
    loop {
        match reader.read_event().expect("well-formed JUnit XML") {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                match e.name().as_ref() {
                    b"testcase" => testcases += 1,
                    b"failure" => failures += 1,
                    b"testsuites" => {
                        root_failures = e
                            .try_get_attribute("failures")
                            .ok()
                            .flatten()
                            .map(|a| String::from_utf8_lossy(&a.value).into_owned());
                    }
                    _ => {}
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(testcases, counts.total);
    assert_eq!(failures, counts.failed);
    assert_eq!(root_failures, Some(counts.failed.to_string()));

    // HTML: one file, failures before passes, the CPF of the evidence masked.
    let page = html::to_html(&report);
    let failed = page
        .find("/personal/identifications returns data")
        .expect("failed scenario listed");
    let passed = page
        .find("sem consentimento")
        .expect("passed scenario listed");
    assert!(failed < passed, "failures come first");
    assert!(
        !page.contains("529.982.247-25"),
        "CPF leaked into the HTML report"
    );
    assert!(
        !page.contains("<script src") && !page.contains("<link "),
        "not self-contained"
    );
}

#[tokio::test]
async fn a_waived_known_failure_does_not_fail_the_run() {
    use finsandbox::harness::report::waivers::Waivers;
    let mut report = check_broken(
        "@v2 and @customers and not @paging",
        with_customer_200("/personal/qualifications", |b| {
            b["data"]["occupationCode"] = Value::from("PROFISSAO");
        }),
    )
    .await;
    assert!(!report.passed());
    let waivers = Waivers::parse(
        r#"
[[waiver]]
scenario = "/personal/qualifications returns data that matches its schema"
feature = "schema.feature"
reason = "occupationCode still uses the legacy enum (ticket OF-42)"
"#,
        "waivers.toml",
    )
    .unwrap();
    let outcome = waivers.apply(&mut report, chrono::Utc::now().date_naive());
    assert!(outcome.unused.is_empty(), "{:?}", outcome.unused);
    let waived: Vec<_> = report
        .features
        .iter()
        .flat_map(|f| &f.scenarios)
        .filter(|s| s.status == Status::Waived)
        .collect();
    assert_eq!(waived.len(), 1);
    assert!(waived[0].waiver.as_deref().unwrap().contains("OF-42"));
    assert!(
        report.passed(),
        "{}",
        finsandbox::harness::report::console::summary(&report, false)
    );
}
