//! The Bankly features against the sandbox and against deliberately broken Bankly targets. Each
//! target is the real sandbox behind a proxy that introduces one defect — in an answer, in the
//! control API's presence, or in the webhooks it relays — and the harness must report a failed
//! scenario whose message names the defect (or, for a target that lacks a capability, a skipped
//! scenario that names what was missing).

mod common;

use common::failure_of;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use finsandbox::harness::report::{RunReport, Status};
use finsandbox::harness::{self, CheckOptions, TargetChoice};
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, Response};
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde_json::{Value, json};

/// A defect in the target's answers: rewrites (status, headers, body) of what the sandbox said.
type Mutate = Arc<dyn Fn(&mut Answer) + Send + Sync>;

struct Answer {
    method: String,
    path: String,
    query: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

/// What happens to the webhooks the sandbox sends (through the proxy's relay).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Relay {
    /// Deliveries go straight from the sandbox to the harness's receiver.
    Off,
    /// The last hex digit of x-bankly-signature is changed on the way.
    BadSignature,
    /// Every delivery reaches the receiver twice.
    Twice,
    /// The Content-Type of each delivery becomes `text/plain` on the way.
    PlainText,
}

#[derive(Clone)]
struct Defects {
    answer: Mutate,
    /// `/sandbox/...` answers 404, as on a target without a control API.
    hide_control: bool,
    relay: Relay,
}

impl Defects {
    fn none() -> Defects {
        Defects {
            answer: Arc::new(|_: &mut Answer| {}),
            hide_control: false,
            relay: Relay::Off,
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

/// Forwards a delivery to the receiver it was meant for, with the relay's defect.
async fn relay(
    client: &reqwest::Client,
    target: &str,
    headers: &hyper::HeaderMap,
    body: Bytes,
    defect: Relay,
) -> Response<Full<Bytes>> {
    let url = percent_decode_str(target).decode_utf8_lossy().into_owned();
    let times = if defect == Relay::Twice { 2 } else { 1 };
    let mut status = 502;
    for _ in 0..times {
        let mut r = client.post(&url);
        for (k, v) in headers {
            if k == "host" || k == "content-length" {
                continue;
            }
            let mut value = v.to_str().unwrap_or("").to_string();
            if defect == Relay::PlainText && k == "content-type" {
                value = "text/plain".into();
            }
            if defect == Relay::BadSignature && k == "x-bankly-signature" {
                let flipped = if value.ends_with('0') { '1' } else { '0' };
                value.pop();
                value.push(flipped);
            }
            r = r.header(k.as_str(), value);
        }
        if let Ok(resp) = r.body(body.clone()).send().await {
            status = resp.status().as_u16();
        }
    }
    respond(status, Vec::new(), Bytes::new())
}

async fn handle(
    req: Request<hyper::body::Incoming>,
    upstream: &str,
    me: SocketAddr,
    client: &reqwest::Client,
    defects: &Defects,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let mut body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let path = parts.uri.path().to_string();
    if let Some(target) = path.strip_prefix("/__relay/") {
        return relay(client, target, &parts.headers, body, defects.relay).await;
    }
    if defects.hide_control && path.starts_with("/sandbox") {
        return respond(
            404,
            Vec::new(),
            Bytes::from_static(b"{\"error\":\"Not Found\"}"),
        );
    }
    // Webhook configurations are pointed at the relay, so deliveries pass the proxy too.
    let mut registered_uri = None;
    if defects.relay != Relay::Off
        && parts.method == Method::POST
        && path.ends_with("/webhooks/configurations")
        && let Ok(mut v) = serde_json::from_slice::<Value>(&body)
        && let Some(uri) = v["uri"].as_str().map(str::to_string)
    {
        let encoded = utf8_percent_encode(&uri, NON_ALPHANUMERIC);
        v["uri"] = json!(format!("http://{me}/__relay/{encoded}"));
        body = Bytes::from(v.to_string());
        registered_uri = Some(uri);
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
        query: parts.uri.query().unwrap_or("").to_string(),
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    };
    if let Some(uri) = registered_uri
        && answer.body["data"]["uri"].is_string()
    {
        answer.body["data"]["uri"] = json!(uri);
    }
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
    common::serve_loopback(move |req, addr| {
        let shared = shared.clone();
        async move {
            let (upstream, client, defects) = &*shared;
            handle(req, upstream, addr, client, defects).await
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

fn is_detailed_read(a: &Answer) -> bool {
    a.method == "GET"
        && a.status == 200
        && a.path.starts_with("/bankly/customers/")
        && a.query.contains("resultLevel=DETAILED")
}

#[tokio::test]
async fn the_sandbox_passes_every_bankly_scenario_through_a_proxy() {
    let report = check("@bankly", Defects::none()).await;
    let counts = report.counts();
    assert_eq!(counts.failed, 0, "{}", summary(&report));
    assert_eq!(counts.skipped, 0, "{}", summary(&report));
    assert!(counts.passed >= 90, "{counts:?}");
}

#[tokio::test]
async fn an_accepted_illegal_move_is_reported() {
    let report = check(
        "@kyc",
        Defects::answer(|a| {
            // A target that says yes to everything: refusals become acceptances.
            if a.status == 409 {
                a.status = if a.path.starts_with("/sandbox") {
                    200
                } else {
                    202
                };
                a.body = Value::Null;
            }
        }),
    )
    .await;
    let msg = failure_of(&report, "APPROVED -> IN_ANALYSIS is refused");
    assert!(
        msg.contains("the illegal KYC move APPROVED -> IN_ANALYSIS was accepted (HTTP 200)"),
        "{msg}"
    );
    let msg = failure_of(&report, "BLACKLISTED is terminal: -> PENDING_APPROVAL");
    assert!(
        msg.contains("BLACKLISTED -> PENDING_APPROVAL was accepted (HTTP 202)"),
        "{msg}"
    );
    // The legal moves are untouched by this defect.
    let legal = report
        .features
        .iter()
        .flat_map(|f| &f.scenarios)
        .find(|s| s.name == "PENDING_APPROVAL -> APPROVED is accepted and observable with GET")
        .expect("legal move ran");
    assert_eq!(legal.status, Status::Passed, "{}", summary(&report));
}

#[tokio::test]
async fn a_refused_move_that_still_changes_the_record_is_reported() {
    let refused: Arc<Mutex<HashSet<String>>> = Arc::default();
    let report = check(
        "@kyc",
        Defects::answer(move |a| {
            let doc = a
                .path
                .split('/')
                .find(|s| s.len() == 11 && s.bytes().all(|b| b.is_ascii_digit()))
                .map(str::to_string);
            let Some(doc) = doc else { return };
            let mut refused = refused.lock().unwrap();
            if a.status == 409 {
                refused.insert(doc);
            } else if is_detailed_read(a) && refused.contains(&doc) {
                // The refusal was only words: the record moved on anyway.
                a.body["updatedAt"] = json!("2031-01-01T00:00:00.000Z");
            }
        }),
    )
    .await;
    let msg = failure_of(&report, "APPROVED -> REPROVED is refused");
    assert!(
        msg.contains("the refused KYC move APPROVED -> REPROVED changed the record: /updatedAt"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_missing_required_field_in_detailed_is_reported() {
    let report = check(
        "@bankly and @customers",
        Defects::answer(|a| {
            if is_detailed_read(a)
                && let Some(body) = a.body.as_object_mut()
            {
                body.remove("createdAt");
            }
        }),
    )
    .await;
    let msg = failure_of(&report, "resultLevel=DETAILED adds what was registered");
    assert!(
        msg.contains("does not match the schema of getCustomer 200")
            && msg.contains("createdAt")
            && msg.contains("required"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_registered_field_missing_from_detailed_is_reported() {
    let report = check(
        "@bankly and @customers",
        Defects::answer(|a| {
            if is_detailed_read(a)
                && let Some(body) = a.body.as_object_mut()
            {
                body.remove("motherName");
            }
        }),
    )
    .await;
    let msg = failure_of(&report, "resultLevel=DETAILED adds what was registered");
    assert!(
        msg.contains("resultLevel=DETAILED shows motherName as (absent)"),
        "{msg}"
    );
}

#[tokio::test]
async fn basic_leaking_detailed_fields_is_reported() {
    let report = check(
        "@bankly and @customers",
        Defects::answer(|a| {
            if a.method == "GET"
                && a.status == 200
                && a.path.starts_with("/bankly/customers/")
                && !a.query.contains("DETAILED")
            {
                a.body["motherName"] = json!("Maria das Graças");
                a.body["reasons"] = json!([]);
            }
        }),
    )
    .await;
    let msg = failure_of(&report, "resultLevel=BASIC is the default");
    assert!(
        msg.contains("resultLevel=BASIC leaks DETAILED-only field(s): motherName, reasons"),
        "{msg}"
    );
    failure_of(&report, "resultLevel=BASIC asked by name");
}

#[tokio::test]
async fn a_webhook_with_a_bad_signature_is_reported() {
    let report = check(
        "@webhooks",
        Defects {
            relay: Relay::BadSignature,
            ..Defects::none()
        },
    )
    .await;
    let msg = failure_of(&report, "PENDING_APPROVAL -> APPROVED delivers one signed");
    assert!(
        msg.contains("the x-bankly-signature of CUSTOMER_WAS_APPROVED is not the HMAC-SHA256"),
        "{msg}"
    );
    // Refused moves deliver nothing, so there is nothing to sign wrongly.
    let quiet = report
        .features
        .iter()
        .flat_map(|f| &f.scenarios)
        .filter(|s| s.name.contains("announces nothing"))
        .all(|s| s.status == Status::Passed);
    assert!(quiet, "{}", summary(&report));
}

#[tokio::test]
async fn a_webhook_of_an_undeclared_media_type_is_reported_by_its_check() {
    let report = check(
        "@webhooks",
        Defects {
            relay: Relay::PlainText,
            ..Defects::none()
        },
    )
    .await;
    let msg = failure_of(&report, "PENDING_APPROVAL -> APPROVED delivers one signed");
    assert!(
        msg.contains("the event's content type \"text/plain\"")
            && msg.contains("[content-type:content]"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_duplicated_webhook_is_reported() {
    let report = check(
        "@webhooks",
        Defects {
            relay: Relay::Twice,
            ..Defects::none()
        },
    )
    .await;
    let msg = failure_of(&report, "IN_ANALYSIS -> REPROVED delivers one signed");
    assert!(
        msg.contains(
            "one transition must deliver exactly one CUSTOMER_WAS_REPROVED, the receiver got 2"
        ),
        "{msg}"
    );
}

#[tokio::test]
async fn without_a_control_api_forced_moves_are_skipped_with_the_reason() {
    // @serial scenarios would wait for a real-time analysis here; they are left out to stay fast.
    let report = check(
        "@bankly and not @serial",
        Defects {
            hide_control: true,
            ..Defects::none()
        },
    )
    .await;
    let counts = report.counts();
    assert_eq!(counts.failed, 0, "{}", summary(&report));
    let scenarios: Vec<_> = report.features.iter().flat_map(|f| &f.scenarios).collect();
    let forced = scenarios
        .iter()
        .find(|s| s.name == "PENDING_APPROVAL -> APPROVED is accepted and observable with GET")
        .expect("scenario ran");
    assert_eq!(forced.status, Status::Skipped);
    let reason = forced.skip_reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains("moving a registration to APPROVED needs the sandbox control API"),
        "{reason}"
    );
    let prepared = scenarios
        .iter()
        .find(|s| {
            s.name
                .starts_with("REPROVED -> PENDING_APPROVAL is accepted")
        })
        .expect("scenario ran");
    assert!(
        prepared.skip_reason.as_deref().is_some_and(
            |r| r.contains("bringing a registration to REPROVED needs the sandbox control API")
        ),
        "{prepared:?}"
    );
    for s in scenarios.iter().filter(|s| s.status == Status::Skipped) {
        let r = s.skip_reason.as_deref().unwrap_or_default();
        assert!(r.contains("control API"), "{}: {r}", s.name);
    }
    // What a client can do alone still runs: registering, refusals of the public API, webhooks of
    // a first registration.
    for name in [
        "PENDING_APPROVAL -> PENDING_APPROVAL is refused with CUSTOMER_REGISTRATION_CANNOT_BE_REPLACED and changes nothing",
        "PENDING_APPROVAL -> CANCELED is refused with CUSTOMER_CANNOT_BE_CANCELED and changes nothing",
        "a first registration delivers one signed CUSTOMER_WAS_RECEIVED",
        "registering a valid customer answers 202 without a body",
    ] {
        let s = scenarios
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("{name} ran"));
        assert_eq!(s.status, Status::Passed, "{name}: {}", summary(&report));
    }
    assert!(counts.skipped >= 40 && counts.passed >= 30, "{counts:?}");
}

#[tokio::test]
async fn a_token_request_told_to_wait_briefly_is_retried_once() {
    let throttled = Arc::new(Mutex::new(false));
    // @kyc asks for tokens only as preconditions; a token asked for as the subject of a scenario
    // must show its 429, not hide it.
    let report = check(
        "@kyc and not @serial",
        Defects::answer(move |a| {
            let mut done = throttled.lock().unwrap();
            if a.path == "/bankly/oauth2/token" && a.status == 200 && !*done {
                // The first token of the run meets a rate limit that lifts after a second.
                *done = true;
                a.status = 429;
                a.headers.push(("retry-after".into(), "1".into()));
                a.body = json!({"errors": [{"code": "TOO_MANY_REQUESTS", "propertyName": "", "messages": ["slow down"]}], "reference": "x"});
            }
        }),
    )
    .await;
    assert_eq!(report.counts().failed, 0, "{}", summary(&report));
}
