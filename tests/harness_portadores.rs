//! The card-holder features against the sandbox and against deliberately broken issuers. Each
//! target is the real sandbox behind a proxy that introduces one defect in its answers, and the
//! harness must report a failed scenario whose message names the defect; a target without the
//! control API, described by a target.toml as a real issuer would be, must get every scenario
//! that needs the control API SKIPPED with the reason, and the others passed.

mod common;

use common::failure_of;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use finsandbox::harness::report::{RunReport, Status};
use finsandbox::harness::{self, CheckOptions, TargetChoice};
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use serde_json::{Value, json};

/// What the proxy got from the sandbox, to be rewritten by a defect.
struct Answer {
    method: String,
    path: String,
    /// The request's JSON body, if it had one.
    request: Value,
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

type Mutate = Arc<dyn Fn(&mut Answer) + Send + Sync>;

#[derive(Clone)]
struct Defects {
    answer: Mutate,
    /// `/sandbox/...` answers 404, as at an issuer.
    hide_control: bool,
}

impl Defects {
    fn none() -> Defects {
        Defects {
            answer: Arc::new(|_: &mut Answer| {}),
            hide_control: false,
        }
    }

    fn answer(f: impl Fn(&mut Answer) + Send + Sync + 'static) -> Defects {
        Defects {
            answer: Arc::new(f),
            ..Defects::none()
        }
    }
}

fn respond(status: u16, headers: Vec<(String, String)>, body: Bytes) -> Response<Full<Bytes>> {
    let mut out = Response::new(Full::new(body));
    *out.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
    for (k, v) in headers {
        out.headers_mut().append(
            hyper::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            hyper::header::HeaderValue::from_str(&v).unwrap(),
        );
    }
    out
}

async fn handle(
    req: Request<hyper::body::Incoming>,
    upstream: &str,
    client: &reqwest::Client,
    defects: &Defects,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let path = parts.uri.path().to_string();
    if defects.hide_control && path.starts_with("/sandbox") {
        return respond(
            404,
            Vec::new(),
            Bytes::from_static(b"{\"error\":\"Not Found\"}"),
        );
    }
    let url = format!("{upstream}{}", parts.uri);
    let mut r = client.request(parts.method.clone(), &url);
    for (k, v) in &parts.headers {
        if k != "content-length" && k != "host" {
            r = r.header(k, v);
        }
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
    let mut answer = Answer {
        method: parts.method.to_string(),
        path,
        request: serde_json::from_slice(&body).unwrap_or(Value::Null),
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    };
    (defects.answer)(&mut answer);
    let bytes = if answer.body.is_null() {
        Bytes::new()
    } else {
        Bytes::from(answer.body.to_string())
    };
    respond(answer.status, answer.headers, bytes)
}

async fn proxy(upstream: String, defects: Defects) -> common::LoopbackServer {
    let client = common::http_client();
    let shared = Arc::new((upstream, client, defects));
    common::serve_loopback(move |req, _addr| {
        let shared = shared.clone();
        async move {
            let (upstream, client, defects) = &*shared;
            handle(req, upstream, client, defects).await
        }
    })
    .await
}

/// Runs the features matching `tags` against the sandbox behind a proxy with `defects`.
async fn check(tags: &str, defects: Defects) -> RunReport {
    let sandbox = finsandbox::sandbox::start(common::config()).await.unwrap();
    let p = proxy(sandbox.base_url(), defects).await;
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

fn summary(report: &RunReport) -> String {
    harness::report::console::summary(report, false)
}

fn is(a: &Answer, method: &str, suffix: &str) -> bool {
    a.method == method && a.path.ends_with(suffix)
}

#[tokio::test]
async fn the_sandbox_passes_every_card_holder_scenario_through_a_proxy() {
    let report = check("@portadores", Defects::none()).await;
    let counts = report.counts();
    assert_eq!(counts.failed, 0, "{}", summary(&report));
    assert_eq!(counts.skipped, 0, "{}", summary(&report));
    assert!(counts.passed >= 100, "{counts:?}");
}

#[tokio::test]
async fn an_unblock_accepted_without_a_block_is_reported() {
    let report = check(
        "@portadores and @blocks",
        Defects::answer(|a| {
            if is(a, "POST", "/desbloqueios") && a.status == 422 {
                a.status = 200;
                a.body = json!({"idPortador": 1, "idBloqueio": 1, "dataHora": "2026-01-01T00:00:00Z",
                    "statusCliente": "ATIVO", "statusCartao": "ATIVO"});
            }
        }),
    )
    .await;
    let msg = failure_of(&report, "unblocking needs a block");
    assert!(msg.contains("422") && msg.contains("200"), "{msg}");
}

#[tokio::test]
async fn a_look_up_that_disagrees_with_the_record_is_reported() {
    // The accounts of a CPF always say the holder is active, whatever the record says.
    let report = check(
        "@portadores and (@blocks or @lookups)",
        Defects::answer(|a| {
            if a.method == "GET"
                && a.path.ends_with("/portadores/contas")
                && let Some(list) = a.body.as_array_mut()
            {
                for item in list {
                    item["statusCliente"] = json!("ATIVO");
                }
            }
        }),
    )
    .await;
    let msg = failure_of(
        &report,
        "a temporary block blocks the account and unblocking restores it",
    );
    assert!(msg.contains("GET /contas?cpf=: statusCliente"), "{msg}");
    assert!(msg.contains("BLOQUEADO"), "{msg}");
}

#[tokio::test]
async fn a_look_up_showing_another_card_is_reported() {
    let report = check(
        "@portadores and @lookups",
        Defects::answer(|a| {
            if a.method == "GET"
                && a.path.ends_with("/simplificado/cpf")
                && let Some(list) = a.body.as_array_mut()
            {
                for item in list {
                    item["cartaoMascarado"] = json!("5234XXXXXXXX0000");
                }
            }
        }),
    )
    .await;
    let msg = failure_of(&report, "a PF account is the same in every look-up");
    assert!(
        msg.contains("GET /simplificado/cpf: cartaoMascarado"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_change_missing_from_the_history_is_reported() {
    // Blocks happen, but the history never shows them.
    let report = check(
        "@portadores and @history",
        Defects::answer(|a| {
            if a.method == "GET" && a.path.ends_with("/historico") {
                let hidden = a.body["conteudo"]
                    .as_array()
                    .map_or(0, |l| l.iter().filter(|e| e["tipo"] == "BLOQUEIO").count());
                let total = a.body["totalElementos"].as_u64().unwrap_or(0);
                if let Some(list) = a.body["conteudo"].as_array_mut() {
                    list.retain(|e| e["tipo"] != "BLOQUEIO");
                }
                a.body["totalElementos"] = json!(total.saturating_sub(hidden as u64));
            }
        }),
    )
    .await;
    let msg = failure_of(&report, "a block and an unblock are one event each");
    assert!(msg.contains("must add one event"), "{msg}");
}

#[tokio::test]
async fn a_refusal_that_still_writes_history_is_reported() {
    // An unblock refused for want of a block still leaves an event behind.
    let refused: Arc<Mutex<HashMap<u64, u64>>> = Arc::default();
    let report = check(
        "@portadores and @history",
        Defects::answer(move |a| {
            let mut refused = refused.lock().unwrap();
            if is(a, "POST", "/desbloqueios")
                && a.status == 422
                && let Some(id) = a.request["idPortador"].as_u64()
            {
                *refused.entry(id).or_default() += 1;
            }
            if a.method == "GET" && a.path.ends_with("/historico") {
                let id = a.path.split('/').rev().nth(1).and_then(|s| s.parse().ok());
                let extra = id
                    .and_then(|id: u64| refused.get(&id).copied())
                    .unwrap_or(0);
                let total = a.body["totalElementos"].as_u64().unwrap_or(0);
                a.body["totalElementos"] = json!(total + extra);
            }
        }),
    )
    .await;
    let msg = failure_of(&report, "refused changes leave no event");
    assert!(msg.contains("must leave no event"), "{msg}");
}

#[tokio::test]
async fn a_raise_accepted_on_a_blocked_account_is_reported() {
    let report = check(
        "@portadores and @limits",
        Defects::answer(|a| {
            if is(a, "PATCH", "/limites") && a.body["codigo"] == "PORTADOR_BLOQUEADO" {
                a.status = 200;
                a.body = json!({"idPortador": 1});
            }
        }),
    )
    .await;
    let msg = failure_of(&report, "a blocked account's limit cannot be raised");
    assert!(msg.contains("422"), "{msg}");
}

#[tokio::test]
async fn a_trivial_password_accepted_is_reported() {
    let report = check(
        "@portadores and @passwords",
        Defects::answer(|a| {
            if is(a, "PATCH", "/senha") && a.status == 400 {
                a.status = 204;
                a.body = Value::Null;
                a.headers.retain(|(k, _)| k != "content-type");
            }
        }),
    )
    .await;
    let msg = failure_of(&report, "a trivial new password 1234 is refused");
    assert!(msg.contains("400") && msg.contains("204"), "{msg}");
}

#[tokio::test]
async fn an_opening_answer_off_its_schema_is_reported_by_the_judge() {
    // The whole card number in the 201, where the spec wants it masked.
    let report = check(
        "@portadores and @schema",
        Defects::answer(|a| {
            if is(a, "POST", "/contas/pf") && a.status == 201 {
                a.body["cartaoMascarado"] = json!("5234910712345678");
            }
        }),
    )
    .await;
    let msg = failure_of(&report, "opening a PF account answers the seed's 201");
    assert!(
        msg.contains("/cartaoMascarado") && msg.contains("schema:pattern"),
        "{msg}"
    );
}

#[tokio::test]
async fn an_error_in_another_body_is_reported_with_its_code_missing() {
    let report = check(
        "@portadores and @errors",
        Defects::answer(|a| {
            if a.status == 404 && a.body["codigo"].is_string() {
                a.body = json!({"message": "not found"});
            }
        }),
    )
    .await;
    let msg = failure_of(&report, "a holder that does not exist gets 404");
    assert!(msg.contains("schema"), "{msg}");
}

#[tokio::test]
async fn an_issuer_without_a_control_api_skips_what_needs_it_and_passes_the_rest() {
    let sandbox = finsandbox::sandbox::start(common::config()).await.unwrap();
    let p = proxy(
        sandbox.base_url(),
        Defects {
            hide_control: true,
            ..Defects::none()
        },
    )
    .await;
    // A target.toml as for a real issuer: its base URL, credentials, products and stores.
    let dir = std::env::temp_dir().join(format!("finsandbox-pt-target-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("target.toml");
    std::fs::write(
        &file,
        format!(
            "name = \"emissor de teste\"\n[portadores]\nbase-url = \"http://{}/portadores\"\nclient-id = \"homologacao\"\nclient-secret = \"segredo-de-homologacao\"\nproduto-pf = 1\nloja-pf = 7\nproduto-pj = 5\nloja-pj = 40\n",
            p.addr
        ),
    )
    .unwrap();
    let options = CheckOptions {
        target: TargetChoice::Config(file.clone()),
        tags: Some("@portadores".into()),
        ..CheckOptions::default()
    };
    let report = harness::run(&options).await.expect("harness runs");
    drop(p);
    sandbox.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();

    let counts = report.counts();
    assert_eq!(counts.failed, 0, "{}", summary(&report));
    let scenarios: Vec<_> = report.features.iter().flat_map(|f| &f.scenarios).collect();
    let reason_of = |name: &str| {
        let s = scenarios
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("{name} ran"));
        assert_eq!(s.status, Status::Skipped, "{name}: {}", summary(&report));
        s.skip_reason.clone().unwrap_or_default()
    };
    assert!(
        reason_of("the current password is required").contains("GET /sandbox/portadores/sms"),
        "{}",
        summary(&report)
    );
    assert!(
        reason_of("a CPF nobody opened an account for is a holder generated from its persona")
            .contains("generated from the persona"),
    );
    assert!(reason_of("a product change is a TROCA_PRODUTO").contains("produto-pf-troca"),);
    for s in scenarios.iter().filter(|s| s.status == Status::Skipped) {
        let r = s.skip_reason.as_deref().unwrap_or_default();
        assert!(
            r.contains("control API") || r.contains("produto-pf-troca"),
            "{}: {r}",
            s.name
        );
    }
    // What a client can do with the issuer's API alone still runs.
    for name in [
        "a PF account is the same in every look-up",
        "a PJ account is the same in every look-up",
        "a block and an unblock are one event each",
        "a holder without a phone confirmed for SMS gets no password by SMS",
        "a blocked account's limit cannot be raised",
        "opening a PF account answers the seed's 201",
    ] {
        let s = scenarios
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("{name} ran"));
        assert_eq!(s.status, Status::Passed, "{name}: {}", summary(&report));
    }
    assert!(counts.skipped >= 10 && counts.passed >= 80, "{counts:?}");
}
