//! Fault injection over real sockets: every kind of fault, `times` and `probability`, the draws
//! repeated by the seed, undeclared statuses refused, resets and cut bodies as a client sees
//! them, delays, the header switch, the file of rules, and every injected error body judged
//! against its family's spec (and the official Open Finance documents when they are beside the
//! repository). Also: a family added from outside (the example family) renders its own error for
//! an injected status, and `serve --faults --fault-header` as a user runs it.

// The example family's handlers answer their refusal as the error of a `Reply` (see src/lib.rs).
#![allow(clippy::result_large_err)]

mod common;
mod example_family;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Env, config, iid, start_with};
use finsandbox::sandbox::SandboxConfig;
use finsandbox::sandbox::faults;
use finsandbox::spec::{ApiSpec, Operation, judge};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const IDENT_V2: &str = "/open-banking/customers/v2/personal/identifications";
const CPF: &str = "52998224725";

/// A control call and its JSON answer (no 500 check: the control API never answers one).
async fn control(env: &Env, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = env.http.request(method, env.url(path));
    if let Some(b) = body {
        req = req.body(b.to_string());
    }
    let r = req.send().await.expect("control request");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn add_rule(env: &Env, rule: Value) -> Value {
    let (status, body) = control(env, Method::POST, "/sandbox/faults", Some(rule.clone())).await;
    assert_eq!(status, 201, "{rule} -> {body}");
    body
}

/// A request with both families' correlation headers (each family reads its own).
fn call(env: &Env, method: Method, path: &str) -> reqwest::RequestBuilder {
    env.http
        .request(method, env.url(path))
        .header("x-fapi-interaction-id", iid())
        .header("x-correlation-id", iid())
}

/// A concrete path for an operation's template, and a glob that matches it and nothing of
/// another template.
fn paths_of(op: &Operation) -> (String, String) {
    let mut concrete = String::new();
    let mut glob = String::new();
    let mut rest = op.full_path.as_str();
    while let Some(open) = rest.find('{') {
        concrete.push_str(&rest[..open]);
        glob.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        concrete.push_str(CPF);
        glob.push('*');
        rest = &rest[close..];
    }
    concrete.push_str(rest);
    glob.push_str(rest);
    (concrete, glob)
}

fn error_statuses(op: &Operation) -> Vec<u16> {
    op.responses
        .iter()
        .filter_map(|r| r.status.parse::<u16>().ok())
        .filter(|s| (400..600).contains(s))
        .collect()
}

/// What one injected answer looked like.
struct Injected {
    spec: Arc<ApiSpec>,
    op: Arc<Operation>,
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: bytes::Bytes,
}

/// Injects each declared error status of each served operation once, through a rule that names
/// the operation, and collects the answers.
async fn inject_every_declared_status(env: &Env) -> Vec<Injected> {
    let mut out = Vec::new();
    let specs = env.sandbox.app.specs.apis.clone();
    for spec in &specs {
        for op in &spec.operations {
            let (concrete, glob) = paths_of(op);
            for status in error_statuses(op) {
                add_rule(
                    env,
                    json!({
                        "match": {"operationId": op.id, "method": op.method, "path": glob},
                        "fault": {"status": status},
                        "times": 1,
                    }),
                )
                .await;
                let method = Method::from_bytes(op.method.as_bytes()).expect("method");
                // The family's own correlation header, if it has one, with a fresh id.
                let correlation = env
                    .sandbox
                    .app
                    .families()
                    .iter()
                    .find(|f| f.name() == spec.family)
                    .and_then(|f| f.correlation())
                    .map(|c| (c.header, iid()));
                let mut request = env.http.request(method, env.url(&concrete));
                if let Some((name, id)) = &correlation {
                    request = request.header(name, id);
                }
                let r = request.send().await.expect("request");
                let got = r.status().as_u16();
                let headers = r.headers().clone();
                let body = r.bytes().await.expect("body");
                assert_eq!(
                    got,
                    status,
                    "{} {} ({}): {}",
                    op.method,
                    concrete,
                    spec.label(),
                    String::from_utf8_lossy(&body)
                );
                // The correlation id still comes back, whatever the fault.
                if let Some((name, id)) = &correlation {
                    let echoed = headers.get(name).and_then(|v| v.to_str().ok());
                    assert_eq!(
                        echoed,
                        Some(id.as_str()),
                        "{} {status}: the correlation id was not echoed",
                        op.id
                    );
                }
                out.push(Injected {
                    spec: spec.clone(),
                    op: op.clone(),
                    status,
                    headers,
                    body,
                });
            }
        }
    }
    out
}

fn judged(op: &Operation, answer: &Injected, label: &str) {
    let findings = judge::judge_response(op, answer.status, &answer.headers, &answer.body);
    assert!(
        findings.is_empty(),
        "{label}: {} {}: {findings:?}\n{}",
        op.id,
        answer.status,
        String::from_utf8_lossy(&answer.body)
    );
}

/// The official documents beside the repository, if there: (version, document).
fn official_documents() -> Vec<ApiSpec> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/open-finance");
    let mut docs = Vec::new();
    for sub in ["customers", "consents"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            if let Ok(doc) = ApiSpec::from_file(&entry.path()) {
                docs.push(doc);
            }
        }
    }
    docs
}

/// Injects every declared error status and judges each answer; how many, and the families that
/// answered them.
async fn every_injected_error_is_valid(
    specs: SandboxConfig,
) -> (usize, std::collections::BTreeSet<String>) {
    let env = start_with(specs).await;
    let answers = inject_every_declared_status(&env).await;
    let official = official_documents();
    let mut against_official = 0;
    for a in &answers {
        judged(&a.op, a, &a.spec.label());
        for doc in official
            .iter()
            .filter(|d| d.base_path == a.spec.base_path && d.version == a.spec.version)
        {
            if let Some(op) = doc.operation(&a.op.id)
                && op.declared_response(a.status).is_some()
            {
                judged(op, a, &format!("official {}", doc.source));
                against_official += 1;
            }
        }
    }
    let families: std::collections::BTreeSet<String> =
        answers.iter().map(|a| a.spec.family.clone()).collect();
    assert!(
        families.contains("open-finance") && families.contains("bankly"),
        "{families:?}"
    );
    env.stop().await;
    if official.is_empty() {
        println!(
            "the official Open Finance documents are not beside the repository: judged against ours only"
        );
    } else {
        assert!(against_official > 50, "{against_official}");
    }
    (answers.len(), families)
}

#[tokio::test]
async fn every_declared_error_status_of_every_operation_is_injected_in_its_familys_shape() {
    let (n, _) = every_injected_error_is_valid(config()).await;
    assert!(n > 150, "{n} injections");
}

#[tokio::test]
async fn customers_2_2_1_injected_errors_are_valid_too() {
    let (n, _) = every_injected_error_is_valid(SandboxConfig {
        specs: finsandbox::spec::SpecSelection::default()
            .prefer("/open-banking/customers/v2", "2.2.1"),
        ..config()
    })
    .await;
    assert!(n > 150, "{n} injections");
}

#[tokio::test]
async fn a_document_of_no_family_answers_its_declared_errors_too() {
    // The official Zarv ID document, served by the generic family from its schemas alone.
    let zarv =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/vendors/zarv-api.json");
    if !zarv.is_file() {
        println!("skipped: the Zarv ID document is not in ../shared/reference/vendors/");
        return;
    }
    let mut with_zarv = config();
    with_zarv.specs.files.push(zarv);
    let (n, families) = every_injected_error_is_valid(with_zarv).await;
    assert!(families.contains("generic"), "{families:?}");
    assert!(n > 150, "{n} injections");
}

#[tokio::test]
async fn an_injected_status_carries_retry_after_and_skips_the_operation() {
    let env = start_with(config()).await;
    let rule = add_rule(
        &env,
        json!({"match": {"path": IDENT_V2}, "fault": {"status": 529, "retryAfter": 5}}),
    )
    .await;
    assert_eq!(rule["id"], "f1");
    assert_eq!(
        rule["operations"][0]["operationId"],
        "customersGetPersonalIdentifications"
    );
    // No token at all: the fault comes before authentication, as a gateway's would.
    let r = call(&env, Method::GET, IDENT_V2).send().await.unwrap();
    assert_eq!(r.status(), 529);
    assert_eq!(r.headers()["retry-after"], "5");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "SITE_SOBRECARREGADO");
    assert!(body["meta"]["requestDateTime"].is_string(), "{body}");

    // Bankly's 429 requires Retry-After: a rule without one still gets it.
    add_rule(
        &env,
        json!({"match": {"operationId": "getCustomer"}, "fault": {"status": 429}}),
    )
    .await;
    let r = call(&env, Method::GET, &format!("/bankly/customers/{CPF}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "1");
    let sent = r.headers()["x-correlation-id"]
        .to_str()
        .unwrap()
        .to_string();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "TOO_MANY_REQUESTS");
    assert_eq!(
        body["reference"],
        sent.as_str(),
        "the body's reference is the echoed id"
    );
    assert!(
        body["errors"][0]["messages"][0]
            .as_str()
            .unwrap()
            .contains("f2"),
        "{body}"
    );
    env.stop().await;
}

#[tokio::test]
async fn an_injected_405_says_allow_and_an_injected_401_challenges() {
    // HTTP requires both headers of those statuses, whatever made them.
    let env = start_with(config()).await;
    let path = format!("/bankly/customers/{CPF}");
    for status in [405, 401] {
        add_rule(
            &env,
            json!({"match": {"operationId": "getCustomer"}, "fault": {"status": status}, "times": 1}),
        )
        .await;
        let r = call(&env, Method::GET, &path).send().await.unwrap();
        assert_eq!(r.status().as_u16(), status);
        let header = |name: &str| {
            r.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
        };
        match status {
            405 => assert_eq!(header("allow").as_deref(), Some("GET, PUT, PATCH")),
            _ => assert!(
                header("www-authenticate").is_some_and(|c| c.starts_with("Bearer ")),
                "{:?}",
                r.headers()
            ),
        }
    }
    env.stop().await;
}

#[tokio::test]
async fn an_undeclared_status_is_refused_naming_the_declared_ones() {
    let env = start_with(config()).await;
    let (status, body) = control(
        &env,
        Method::POST,
        "/sandbox/faults",
        Some(json!({"match": {"operationId": "getCustomer"}, "fault": {"status": 529}})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("getCustomer") && message.contains("does not declare 529"),
        "{message}"
    );
    assert!(
        message.contains("400, 401, 403, 404, 405, 406, 413, 429, 500"),
        "{message}"
    );
    // Customers v1's `default` response points at its success schema: it declares no 529.
    let (status, body) = control(
        &env,
        Method::POST,
        "/sandbox/faults",
        Some(
            json!({"match": {"operationId": "customersGetPersonalIdentifications"},
                    "fault": {"status": 529}}),
        ),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["undeclared"][0]["path"],
        "/open-banking/customers/v1/personal/identifications"
    );
    assert!(
        body["declaredByAll"]
            .as_array()
            .unwrap()
            .contains(&json!("500"))
    );
    // Typos are refused rather than matching nothing (or everything).
    for (rule, words) in [
        (
            json!({"match": {"operationID": "x"}, "fault": {"status": 500}}),
            "unknown field `operationID`",
        ),
        (
            json!({"match": {"family": "zz"}, "fault": {"status": 500}}),
            "no family \"zz\"",
        ),
        (
            json!({"match": {"operationId": "nope"}, "fault": {"status": 500}}),
            "no operation \"nope\"",
        ),
        (
            json!({"match": {"path": "/nowhere/*"}, "fault": {"reset": true}}),
            "reaches no operation",
        ),
        (json!({"fault": {"status": 200}}), "error status"),
        (
            json!({"fault": {"status": 500}, "probability": 2}),
            "probability",
        ),
    ] {
        let (status, body) = control(&env, Method::POST, "/sandbox/faults", Some(rule)).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["message"].as_str().unwrap().contains(words), "{body}");
    }
    let (_, list) = control(&env, Method::GET, "/sandbox/faults", None).await;
    assert_eq!(list["count"], 0, "{list}");
    env.stop().await;
}

#[tokio::test]
async fn times_limits_the_hits_and_the_list_counts_them() {
    let env = start_with(config()).await;
    let rule = add_rule(
        &env,
        json!({"match": {"family": "bankly", "method": "get"}, "fault": {"status": 500}, "times": 2}),
    )
    .await;
    let id = rule["id"].as_str().unwrap().to_string();
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let r = call(&env, Method::GET, &format!("/bankly/customers/{CPF}"))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    // The third request reaches the operation, which wants a token.
    assert_eq!(statuses, [500, 500, 401]);
    let (_, one) = control(&env, Method::GET, &format!("/sandbox/faults/{id}"), None).await;
    assert_eq!(
        (one["hits"].clone(), one["matched"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(one["exhausted"], true);
    let (_, list) = control(&env, Method::GET, "/sandbox/faults", None).await;
    assert_eq!(list["faults"][0]["id"], id.as_str());
    assert_eq!(list["faultHeader"], false);

    let (status, deleted) =
        control(&env, Method::DELETE, &format!("/sandbox/faults/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(
        deleted["rule"]["hits"], 2,
        "the final counts come back: {deleted}"
    );
    let (status, _) = control(&env, Method::DELETE, &format!("/sandbox/faults/{id}"), None).await;
    assert_eq!(status, 404);
    add_rule(&env, json!({"fault": {"delayMs": 1}})).await;
    add_rule(&env, json!({"fault": {"delayMs": 1}})).await;
    let (_, cleared) = control(&env, Method::DELETE, "/sandbox/faults", None).await;
    assert_eq!(cleared["deleted"], 2);
    add_rule(&env, json!({"fault": {"delayMs": 1}})).await;
    let (status, _) = control(&env, Method::POST, "/sandbox/reset", None).await;
    assert_eq!(status, 200);
    let (_, list) = control(&env, Method::GET, "/sandbox/faults", None).await;
    assert_eq!(list["count"], 0, "reset clears the rules: {list}");
    let (status, _) = control(&env, Method::PUT, "/sandbox/faults", None).await;
    assert_eq!(status, 405);
    let (_, index) = control(&env, Method::GET, "/sandbox", None).await;
    assert!(
        index["routes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("/sandbox/faults/log")),
        "{index}"
    );
    env.stop().await;
}

/// 1,000 requests under a rule of probability 0.3: which ones were hit.
async fn hits_at(seed: u64) -> Vec<bool> {
    let env = start_with(SandboxConfig { seed, ..config() }).await;
    add_rule(
        &env,
        json!({"match": {"path": IDENT_V2}, "fault": {"status": 529}, "probability": 0.3}),
    )
    .await;
    let mut hits = Vec::with_capacity(1000);
    for _ in 0..1000 {
        let r = call(&env, Method::GET, IDENT_V2).send().await.unwrap();
        let status = r.status().as_u16();
        assert!(status == 529 || status == 401, "{status}");
        hits.push(status == 529);
    }
    let (_, rule) = control(&env, Method::GET, "/sandbox/faults/f1", None).await;
    assert_eq!(rule["matched"], 1000);
    assert_eq!(rule["hits"], hits.iter().filter(|h| **h).count());
    env.stop().await;
    hits
}

#[tokio::test]
async fn probability_lands_near_its_value_and_the_seed_repeats_the_sequence() {
    let first = hits_at(42).await;
    let count = first.iter().filter(|h| **h).count();
    assert!((250..=350).contains(&count), "{count} of 1000 at 0.3");
    assert_eq!(
        first,
        hits_at(42).await,
        "the same seed must inject the same faults"
    );
    assert_ne!(
        first,
        hits_at(43).await,
        "another seed draws another sequence"
    );
}

#[tokio::test]
async fn a_delay_holds_the_real_answer_at_least_as_long_as_asked() {
    let env = start_with(config()).await;
    add_rule(
        &env,
        json!({"match": {"path": IDENT_V2}, "fault": {"delayMs": 300}, "times": 1}),
    )
    .await;
    let started = Instant::now();
    let r = call(&env, Method::GET, IDENT_V2).send().await.unwrap();
    let took = started.elapsed();
    assert_eq!(r.status(), 401, "the real answer, late");
    assert!(took >= Duration::from_millis(300), "{took:?}");

    // A log-normal delay: each answer takes at least the delay the log says was drawn.
    add_rule(
        &env,
        json!({"match": {"path": IDENT_V2}, "fault": {"delayMs": {"p50": 40, "p99": 120}}, "times": 5}),
    )
    .await;
    let mut took = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let r = call(&env, Method::GET, IDENT_V2).send().await.unwrap();
        assert_eq!(r.status(), 401);
        took.push(started.elapsed());
    }
    let (_, log) = control(&env, Method::GET, "/sandbox/faults/log?rule=f2", None).await;
    assert_eq!(log["count"], 5, "{log}");
    for (entry, took) in log["log"].as_array().unwrap().iter().zip(&took) {
        let asked = entry["fault"]["delayMs"].as_u64().unwrap();
        assert!(
            *took >= Duration::from_millis(asked),
            "{took:?} < {asked} ms"
        );
    }
    // A delay combines with a status.
    add_rule(
        &env,
        json!({"match": {"path": IDENT_V2}, "fault": {"status": 504, "delayMs": 200}, "times": 1}),
    )
    .await;
    let started = Instant::now();
    let r = call(&env, Method::GET, IDENT_V2).send().await.unwrap();
    assert_eq!(r.status(), 504);
    assert!(started.elapsed() >= Duration::from_millis(200));
    env.stop().await;
}

#[tokio::test]
async fn a_reset_is_a_connection_error_and_nothing_is_done() {
    let env = start_with(config()).await;
    let token = env.client_token().await;
    add_rule(
        &env,
        json!({"match": {"operationId": "consentsPostConsents"}, "fault": {"reset": true}, "times": 1}),
    )
    .await;
    let err = env
        .http
        .post(env.url("/open-banking/consents/v3/consents"))
        .bearer_auth(&token)
        .header("x-fapi-interaction-id", iid())
        .header("content-type", "application/json")
        .body(common::consent_body(CPF, None, common::PF_PERMISSIONS).to_string())
        .send()
        .await
        .expect_err("a reset connection gives no response");
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
    // The rule is spent: the same request is now answered, and it is the first consent made
    // (the reset one was never processed).
    let r = env
        .post_consent(
            &token,
            &common::consent_body(CPF, None, common::PF_PERMISSIONS),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let (_, consents) = control(&env, Method::GET, "/sandbox/open-finance/consents", None).await;
    assert_eq!(consents["count"], 1, "{consents}");

    // On the socket: the kernel reports a reset, not an orderly end.
    add_rule(
        &env,
        json!({"match": {"path": IDENT_V2}, "fault": {"reset": true}}),
    )
    .await;
    let mut s = tokio::net::TcpStream::connect(env.sandbox.addr)
        .await
        .unwrap();
    s.write_all(
        format!(
            "GET {IDENT_V2} HTTP/1.1\r\nhost: x\r\nx-fapi-interaction-id: {}\r\n\r\n",
            iid()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf))
        .await
        .expect("the server ends the connection");
    assert!(
        buf.is_empty(),
        "no byte of an answer: {:?}",
        String::from_utf8_lossy(&buf)
    );
    assert_eq!(
        read.expect_err("reset").kind(),
        std::io::ErrorKind::ConnectionReset
    );
    env.stop().await;
}

#[tokio::test]
async fn a_truncated_answer_has_its_real_head_and_a_short_body() {
    let env = start_with(config()).await;
    let (_, token) = env
        .consent_token(CPF, None, common::PF_PERMISSIONS, None)
        .await;
    add_rule(
        &env,
        json!({"match": {"path": IDENT_V2}, "fault": {"truncate": 100}}),
    )
    .await;
    // A client sees the head, then a body that ends early.
    let r = env
        .http
        .get(env.url(IDENT_V2))
        .bearer_auth(&token)
        .header("x-fapi-interaction-id", iid())
        .send()
        .await
        .expect("the head arrives");
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-v"));
    let announced: usize = r.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(announced > 100, "{announced}");
    let err = r.bytes().await.expect_err("the body is cut");
    assert!(
        err.is_body() || err.is_decode() || err.is_request(),
        "{err:?}"
    );

    // On the socket: exactly the first 100 bytes of the body, then the end of the stream.
    let mut s = tokio::net::TcpStream::connect(env.sandbox.addr)
        .await
        .unwrap();
    s.write_all(
        format!(
            "GET {IDENT_V2} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {token}\r\nx-fapi-interaction-id: {}\r\n\r\n",
            iid()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut raw))
        .await
        .expect("the server closes")
        .expect("an ordinary close");
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").expect("a head");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase().contains("content-length: "),
        "{head}"
    );
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(str::to_string)
        })
        .and_then(|v| v.trim().parse().ok())
        .expect("a length");
    assert!(length > 100, "{head}");
    assert_eq!(body.len(), 100, "{body}");
    assert!(body.starts_with("{\"data\""), "{body}");

    // A cut longer than the body sends it whole, and the connection still ends.
    add_rule(
        &env,
        json!({"match": {"operationId": "getCustomer"}, "fault": {"truncate": 1_000_000}}),
    )
    .await;
    let r = call(&env, Method::GET, &format!("/bankly/customers/{CPF}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["connection"], "close");
    let body: Value = r.json().await.expect("whole");
    assert_eq!(body["errors"][0]["code"], "UNAUTHORIZED");
    env.stop().await;
}

#[tokio::test]
async fn a_document_rule_hits_that_customer_only() {
    let env = start_with(config()).await;
    // A customer with no fixture of its own: an ordinary one.
    let other = "39053344705";
    // Bankly: the CPF of the path; a mask in the rule is ignored.
    add_rule(
        &env,
        json!({"match": {"family": "bankly", "document": "529.982.247-25"}, "fault": {"status": 500}}),
    )
    .await;
    for (cpf, expected) in [(CPF, 500), (other, 401)] {
        let r = call(&env, Method::GET, &format!("/bankly/customers/{cpf}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), expected, "{cpf}");
    }
    // Open Finance data: the customer of the token's consent, read before authentication.
    add_rule(
        &env,
        json!({"match": {"path": IDENT_V2, "document": CPF}, "fault": {"status": 423}}),
    )
    .await;
    let (_, mine) = env
        .consent_token(CPF, None, common::PF_PERMISSIONS, None)
        .await;
    let (_, theirs) = env
        .consent_token(other, None, common::PF_PERMISSIONS, None)
        .await;
    assert_eq!(
        env.customers(&mine, "/personal/identifications")
            .await
            .status,
        423
    );
    assert_eq!(
        env.customers(&theirs, "/personal/identifications")
            .await
            .status,
        200
    );
    // Consent creation: the customer the body names.
    add_rule(
        &env,
        json!({"match": {"operationId": "consentsPostConsents", "document": other}, "fault": {"status": 529}}),
    )
    .await;
    let token = env.client_token().await;
    let r = env
        .post_consent(
            &token,
            &common::consent_body(other, None, common::PF_PERMISSIONS),
        )
        .await;
    assert_eq!(r.status, 529, "{}", r.text);
    let r = env
        .post_consent(
            &token,
            &common::consent_body(CPF, None, common::PF_PERMISSIONS),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // The log names the customer.
    let (_, log) = control(&env, Method::GET, "/sandbox/faults/log?status=529", None).await;
    assert_eq!(log["count"], 1, "{log}");
    assert_eq!(log["log"][0]["document"], other);
    assert_eq!(log["log"][0]["operationId"], "consentsPostConsents");
    env.stop().await;
}

#[tokio::test]
async fn the_fault_header_works_only_when_switched_on() {
    let off = start_with(config()).await;
    let r = call(&off, Method::GET, IDENT_V2)
        .header("x-finsandbox-fault", "529")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        401,
        "the header is ignored without --fault-header"
    );
    off.stop().await;

    let env = start_with(SandboxConfig {
        fault_header: true,
        ..config()
    })
    .await;
    let send = |value: &'static str, path: String| {
        call(&env, Method::GET, &path)
            .header("x-finsandbox-fault", value)
            .send()
    };
    let r = send("529", IDENT_V2.into()).await.unwrap();
    assert_eq!(r.status(), 529);
    let r = send("429; retry-after=7", IDENT_V2.into()).await.unwrap();
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers()["retry-after"].to_str().unwrap()
        ),
        (429, "7")
    );
    let body: Value = r.json().await.unwrap();
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("x-finsandbox-fault header"),
        "the answer says what injected it: {body}"
    );
    let started = Instant::now();
    let r = send("delay=200", IDENT_V2.into()).await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert!(send("reset", IDENT_V2.into()).await.is_err());
    let r = send("truncate=5", IDENT_V2.into()).await.unwrap();
    assert!(r.bytes().await.is_err());
    // A value it cannot use is the family's 400, naming what is wrong.
    let r = send("slow", IDENT_V2.into()).await.unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("x-finsandbox-fault"),
        "{body}"
    );
    let r = send("529", format!("/bankly/customers/{CPF}"))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    let message = body["errors"][0]["messages"][0].as_str().unwrap();
    assert!(
        message.contains("does not declare 529") && message.contains("429, 500"),
        "{message}"
    );
    let (_, log) = control(&env, Method::GET, "/sandbox/faults/log?rule=header", None).await;
    assert_eq!(log["count"], 5, "{log}");
    let (_, list) = control(&env, Method::GET, "/sandbox/faults", None).await;
    assert_eq!(list["faultHeader"], true);
    env.stop().await;
}

#[tokio::test]
async fn rules_from_a_file_are_in_force_from_the_start_and_come_back_on_reset() {
    let rules = faults::parse_file(
        "faults.yaml",
        &format!("- match: {{path: {IDENT_V2}}}\n  fault: {{status: 504}}\n  times: 1\n"),
    )
    .expect("a valid file");
    let env = start_with(SandboxConfig {
        faults: rules.clone(),
        ..config()
    })
    .await;
    let r = call(&env, Method::GET, IDENT_V2).send().await.unwrap();
    assert_eq!(r.status(), 504);
    let r = call(&env, Method::GET, IDENT_V2).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let added = add_rule(&env, json!({"fault": {"delayMs": 1}})).await;
    assert_eq!(added["id"], "f2");
    control(&env, Method::POST, "/sandbox/reset", None).await;
    let (_, list) = control(&env, Method::GET, "/sandbox/faults", None).await;
    assert_eq!(list["count"], 1, "{list}");
    assert_eq!(list["faults"][0]["id"], "f1");
    assert_eq!(list["faults"][0]["hits"], 0);
    let r = call(&env, Method::GET, IDENT_V2).send().await.unwrap();
    assert_eq!(
        r.status(),
        504,
        "the file's rule is back, its count at zero"
    );
    env.stop().await;

    // A rule of the file the operations cannot honour stops the start, naming it.
    let bad = faults::parse_file(
        "faults.yaml",
        "- fault: {reset: true}\n- match: {operationId: getCustomer}\n  fault: {status: 529}\n",
    )
    .expect("well-formed");
    let err = finsandbox::sandbox::start(SandboxConfig {
        faults: bad,
        ..config()
    })
    .await
    .err()
    .expect("refused")
    .to_string();
    assert!(
        err.contains("fault rule 2") && err.contains("does not declare 529"),
        "{err}"
    );
}

#[tokio::test]
async fn the_log_pages_and_filters_and_control_routes_are_never_faulted() {
    let env = start_with(config()).await;
    // A rule matching every operation.
    add_rule(&env, json!({"fault": {"delayMs": 0}})).await;
    add_rule(
        &env,
        json!({"match": {"path": "/bankly/**"}, "fault": {"status": 500}}),
    )
    .await;
    for _ in 0..3 {
        call(&env, Method::GET, IDENT_V2).send().await.unwrap();
        call(&env, Method::GET, &format!("/bankly/customers/{CPF}"))
            .send()
            .await
            .unwrap();
    }
    let (_, page) = control(
        &env,
        Method::GET,
        "/sandbox/faults/log?page-size=2&page=2",
        None,
    )
    .await;
    assert_eq!(page["count"], 6, "{page}");
    assert_eq!(page["totalPages"], 3);
    assert_eq!(page["log"].as_array().unwrap().len(), 2);
    assert!(page["links"]["next"].as_str().unwrap().contains("page=3"));
    // The every-operation rule came first, so it took every request: first hit wins.
    let (_, f1) = control(&env, Method::GET, "/sandbox/faults/log?rule=f1", None).await;
    assert_eq!(f1["count"], 6);
    let (_, bankly) = control(
        &env,
        Method::GET,
        "/sandbox/faults/log?family=bankly&operationId=getCustomer",
        None,
    )
    .await;
    assert_eq!(bankly["count"], 3);
    assert_eq!(bankly["log"][0]["match"], 2, "{bankly}");
    assert!(bankly["log"][0]["correlationId"].is_string());
    let (status, _) = control(&env, Method::GET, "/sandbox/faults/log?page=0", None).await;
    assert_eq!(status, 400);
    // Neither the control API nor an unrouted path is faulted.
    let (status, _) = control(&env, Method::GET, "/sandbox/clock", None).await;
    assert_eq!(status, 200);
    let r = call(&env, Method::GET, "/bankly/nowhere")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    env.stop().await;
}

#[tokio::test]
async fn a_family_added_from_outside_renders_its_own_error_for_an_injected_status() {
    // The fault code knows no family: the example family, added by one line, gets its injected
    // statuses in its own shape through its renderer, and only those its document declares.
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/example_family/widgets.yaml");
    let env = start_with(SandboxConfig {
        specs: finsandbox::spec::SpecSelection {
            files: vec![spec],
            ..Default::default()
        },
        plugins: finsandbox::sandbox::families::Plugins::registry().with(&example_family::PLUGIN),
        self_check: true,
        ..config()
    })
    .await;
    let (status, body) = control(
        &env,
        Method::POST,
        "/sandbox/faults",
        Some(json!({"match": {"family": "widgets", "operationId": "getOrder"}, "fault": {"status": 500}})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("400, 404, 406, 431"),
        "{body}"
    );
    add_rule(
        &env,
        json!({"match": {"family": "widgets", "operationId": "shipOrder"}, "fault": {"status": 409}}),
    )
    .await;
    let op = env
        .sandbox
        .app
        .specs
        .apis
        .iter()
        .find_map(|s| s.operation("shipOrder").cloned())
        .expect("shipOrder served");
    let r = env
        .http
        .post(env.url(&format!("/widgets/orders/{}/ship", uuid::Uuid::nil())))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.bytes().await.unwrap();
    assert_eq!(status, 409, "{}", String::from_utf8_lossy(&body));
    let findings = judge::judge_response(&op, status, &headers, &body);
    assert!(findings.is_empty(), "{findings:?}");
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"]["code"], "REFUSED", "{body}");
    // A refused rule takes no id: this is the first rule.
    assert!(
        body["error"]["message"].as_str().unwrap().contains("f1"),
        "{body}"
    );
    env.stop().await;
}

/// `finsandbox serve` as a user runs it, with its log at debug for the sandbox's own lines.
struct Served {
    child: std::process::Child,
    addr: String,
    log: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(args: &[&str]) -> Served {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_finsandbox"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(args)
        .env("FINSANDBOX_LOG", "info,finsandbox=debug")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("finsandbox serve starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("serve logs where it listens")
            .expect("log line");
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
        }
    };
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = log.clone();
    // Keep draining the log so the child never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            kept.lock().unwrap().push(line);
        }
    });
    Served { child, addr, log }
}

#[tokio::test]
async fn serve_takes_a_fault_file_and_the_header_switch_and_logs_each_injection() {
    let dir = std::env::temp_dir().join(format!("finsandbox-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("faults.yaml");
    std::fs::write(
        &file,
        format!(
            "# a gateway that is overloaded once\n- match: {{path: {IDENT_V2}}}\n  fault: {{status: 529, retryAfter: 3}}\n  times: 1\n"
        ),
    )
    .unwrap();
    let served = serve(&["--faults", file.to_str().unwrap(), "--fault-header"]);
    let http = common::http_client();
    let url = |p: &str| format!("http://{}{p}", served.addr);
    let r = http
        .get(url(IDENT_V2))
        .header("x-fapi-interaction-id", iid())
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers()["retry-after"].to_str().unwrap()
        ),
        (529, "3")
    );
    let r = http
        .get(url(IDENT_V2))
        .header("x-fapi-interaction-id", iid())
        .header("x-finsandbox-fault", "504")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 504);
    let r = http
        .get(url(IDENT_V2))
        .header("x-fapi-interaction-id", iid())
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        401,
        "the file's rule was spent and no header was sent"
    );
    let log: Value = http
        .get(url("/sandbox/faults/log"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log["count"], 2, "{log}");
    // The server log has a debug line for each injection, naming the rule.
    let deadline = Instant::now() + Duration::from_secs(5);
    let lines = loop {
        let lines: Vec<String> = served
            .log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains("fault injected"))
            .cloned()
            .collect();
        if lines.len() >= 2 || Instant::now() > deadline {
            break lines;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].contains("DEBUG") && lines[0].contains("rule=f1"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("rule=header") && lines[1].contains("504"),
        "{}",
        lines[1]
    );
    drop(served);

    // A file the served operations cannot honour stops the start, naming the rule.
    std::fs::write(&file, "- fault: {status: 529}\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_finsandbox"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--faults",
            file.to_str().unwrap(),
        ])
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("serve runs");
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("fault rule 1") && text.contains("529"),
        "{text}"
    );
}
