//! Webhooks: a loopback receiver the scenario registers, and the checks on what reaches it (exactly
//! one event per move, signed with the registered key, shaped as the spec's callback). Only a
//! target on this machine can call the receiver back; against any other these scenarios are skipped.

use std::net::IpAddr;
use std::time::Duration;

use cucumber::{given, then, when};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::{Pre, bankly_base, error_summary, settle};
use crate::harness::receiver::{Delivery, Receiver};
use crate::harness::report::Finding;
use crate::harness::steps::split_list;
use crate::harness::world::{CheckWorld, RunContext, StepFail, StepResult};
use crate::spec::judge::{self, Check};

use super::super::NAME;

/// How long a webhook may take to arrive, and how long the receiver keeps listening after the
/// first one for a duplicate.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
const DUPLICATE_GRACE: Duration = Duration::from_millis(400);

/// `sha256=<hex>`: the HMAC-SHA256 of `body` keyed with `key`, as the spec's callback describes.
/// Recomputed here rather than borrowed from the sandbox, so a sandbox that signs wrongly is caught.
pub fn signature(key: &str, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        // HMAC takes keys of any length; this branch cannot be reached.
        return String::new();
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether a target whose Bankly base URL is `base` can call back a receiver on 127.0.0.1: only when
/// it runs on this machine. A name the harness resolves itself (`pins`) counts by its address.
/// `Err` says why not.
pub fn receiver_reachable_from(
    base: &str,
    pins: &[(String, std::net::SocketAddr)],
) -> Result<(), String> {
    let host = reqwest::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let pinned = pins
        .iter()
        .find(|(h, _)| h.eq_ignore_ascii_case(bare))
        .map(|(_, a)| a.ip());
    let loopback = match pinned {
        Some(ip) => ip.is_loopback(),
        None => {
            bare.eq_ignore_ascii_case("localhost")
                || bare.eq_ignore_ascii_case(crate::harness::EMBEDDED_HOST)
                || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
    };
    if loopback {
        Ok(())
    } else {
        Err(format!(
            "the harness's webhook receiver listens on 127.0.0.1, which the target at \"{host}\" cannot reach: webhook deliveries are checked only against a target on this machine"
        ))
    }
}

/// Deliveries about `document` (from the body), of `event` when given (header or body).
fn about(receiver: &Receiver, document: &str, event: Option<&str>) -> Vec<Delivery> {
    receiver
        .deliveries()
        .into_iter()
        .filter(|d| {
            let body = d.json();
            let doc = body["data"]["documentNumber"]
                .as_str()
                .or_else(|| body["data"]["document"]["value"].as_str());
            let name = body["eventName"].as_str().or(d.header("x-bankly-event"));
            doc == Some(document) && event.is_none_or(|e| name == Some(e))
        })
        .collect()
}

/// The customer-event callback of the loaded Bankly spec (declared on the operation that registers
/// receivers): the harness judges events by the spec the run was given.
fn callback(ctx: &RunContext) -> Result<&crate::spec::CallbackSpec, String> {
    let op = ctx
        .specs
        .apis
        .iter()
        .filter(|s| s.family == NAME)
        .find_map(|s| s.operation("createWebhookConfiguration"))
        .ok_or("the loaded specs have no Bankly createWebhookConfiguration operation")?;
    op.callbacks
        .first()
        .filter(|c| c.body.is_some())
        .ok_or_else(|| "createWebhookConfiguration declares no callback with a JSON body".into())
}

impl CheckWorld {
    /// Starts the receiver (once per scenario) and registers it for `events`; each registration's
    /// answer becomes the last response in turn.
    async fn register_receiver(&mut self, events: &[String]) -> Result<(), Pre> {
        let ctx = self.ctx()?;
        receiver_reachable_from(&bankly_base(&ctx), &ctx.target.pins).map_err(Pre::Skip)?;
        if self.bankly().receiver.is_none() {
            match Receiver::start(*ctx.client.limits()).await {
                Ok(r) => self.bankly().receiver = Some(r),
                Err(e) => {
                    self.fail(
                        format!("cannot start the webhook receiver on 127.0.0.1: {e}"),
                        None,
                        None,
                        Vec::new(),
                    )?;
                    return Err(Pre::Fail);
                }
            }
        }
        let url = self
            .bankly()
            .receiver
            .as_ref()
            .map(|r| r.url.clone())
            .unwrap_or_default();
        use base64::Engine;
        let key = self
            .bankly()
            .private_key
            .get_or_insert_with(|| {
                let mut bytes = uuid::Uuid::new_v4().as_bytes().to_vec();
                bytes.extend(uuid::Uuid::new_v4().as_bytes());
                base64::engine::general_purpose::STANDARD.encode(bytes)
            })
            .clone();
        let scenario = self.scenario_no;
        let public = self
            .bankly()
            .public_key
            .get_or_insert_with(|| format!("finsandbox-harness-{scenario}"))
            .clone();
        for event in events {
            let body = json!({
                "name": format!("finsandbox harness {event}"),
                "eventName": event,
                "context": "Customer",
                "uri": url,
                "privateKey": key,
                "publicKey": public,
            });
            self.harness_call("POST", "/bankly/webhooks/configurations", Some(&body))
                .await?;
            if self.last()?.status != 201 {
                break;
            }
        }
        Ok(())
    }

    fn receiver(&mut self) -> Result<&Receiver, StepFail> {
        if self.bankly().receiver.is_none() {
            self.fail(
                "no webhook receiver was started in this scenario",
                None,
                None,
                Vec::new(),
            )?;
        }
        self.bankly()
            .receiver
            .as_ref()
            .ok_or_else(|| StepFail("no webhook receiver".into()))
    }

    fn picked_event(&mut self) -> Result<Delivery, StepFail> {
        match self.bankly().event.clone() {
            Some(e) => Ok(e),
            None => {
                self.fail(
                    "no event was picked: use \"the receiver gets exactly one ...\" first",
                    None,
                    None,
                    Vec::new(),
                )?;
                Err(StepFail("no event".into()))
            }
        }
    }
}

#[given(expr = "a webhook receiver for the events {string}")]
async fn receiver_for(w: &mut CheckWorld, events: String) -> StepResult {
    let events = split_list(&events);
    let r = w.register_receiver(&events).await;
    if r.is_ok() {
        let last = w.last()?.clone();
        if last.status != 201 {
            return w.fail(
                format!(
                    "registering the webhook receiver answered HTTP {}{}",
                    last.status,
                    error_summary(&last)
                ),
                Some("201".into()),
                Some(last.status.to_string()),
                Vec::new(),
            );
        }
    }
    settle(w, r)
}

#[when(expr = "I register a webhook receiver for the event {string}")]
async fn register_receiver(w: &mut CheckWorld, event: String) -> StepResult {
    let r = w.register_receiver(&[event]).await;
    settle(w, r)
}

#[then(expr = "the receiver gets exactly one {string} for the customer")]
async fn exactly_one(w: &mut CheckWorld, event: String) -> StepResult {
    let doc = w.bankly_document();
    let deadline = tokio::time::Instant::now() + DELIVERY_TIMEOUT;
    loop {
        let seen = !about(w.receiver()?, &doc, Some(&event)).is_empty();
        if seen {
            // Wait a little for a duplicate before counting.
            tokio::time::sleep(DUPLICATE_GRACE).await;
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            let others: Vec<String> = about(w.receiver()?, &doc, None)
                .iter()
                .filter_map(|d| d.json()["eventName"].as_str().map(str::to_string))
                .collect();
            let refused = w.receiver()?.refusals();
            return w.fail(
                format!(
                    "no {event} for the customer reached the webhook receiver within {} s (it got: {}){}",
                    DELIVERY_TIMEOUT.as_secs(),
                    if others.is_empty() {
                        "nothing".to_string()
                    } else {
                        others.join(", ")
                    },
                    if refused.is_empty() {
                        String::new()
                    } else {
                        format!("; it refused {} delivery(ies): {}", refused.len(), refused.join("; "))
                    }
                ),
                Some(event),
                Some(others.join(", ")),
                Vec::new(),
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got = about(w.receiver()?, &doc, Some(&event));
    if got.len() == 1 {
        w.bankly().event = got.into_iter().next();
        return Ok(());
    }
    let ids: Vec<String> = got
        .iter()
        .map(|d| d.header("x-bankly-delivery-id").unwrap_or("?").to_string())
        .collect();
    w.fail(
        format!(
            "one transition must deliver exactly one {event}, the receiver got {} (delivery ids: {})",
            got.len(),
            ids.join(", ")
        ),
        Some("1".into()),
        Some(got.len().to_string()),
        Vec::new(),
    )
}

#[then("the receiver gets no event for the customer")]
async fn no_event(w: &mut CheckWorld) -> StepResult {
    let doc = w.bankly_document();
    // Deliveries are immediate on a healthy target; give a stray one time to arrive.
    tokio::time::sleep(DUPLICATE_GRACE * 2).await;
    let got = about(w.receiver()?, &doc, None);
    if got.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = got
        .iter()
        .map(|d| d.json()["eventName"].as_str().unwrap_or("?").to_string())
        .collect();
    w.fail(
        format!(
            "a refused move must announce nothing, the receiver got {}",
            names.join(", ")
        ),
        Some("no event".into()),
        Some(names.join(", ")),
        Vec::new(),
    )
}

#[then("the event is signed with the registered key")]
async fn event_signed(w: &mut CheckWorld) -> StepResult {
    let event = w.picked_event()?;
    let key = w.bankly().private_key.clone().unwrap_or_default();
    let expected = signature(&key, &event.body);
    let got = event.header("x-bankly-signature").unwrap_or("(absent)");
    if got == expected {
        return Ok(());
    }
    let name = event
        .header("x-bankly-event")
        .unwrap_or("the event")
        .to_string();
    let got = got.to_string();
    w.fail(
        format!(
            "the x-bankly-signature of {name} is not the HMAC-SHA256 of its body keyed with the registered privateKey"
        ),
        Some(expected),
        Some(got),
        Vec::new(),
    )
}

#[then("the event matches its schema")]
async fn event_schema(w: &mut CheckWorld) -> StepResult {
    let event = w.picked_event()?;
    let ctx = w.ctx()?;
    let cb = match callback(&ctx) {
        Ok(c) => c,
        Err(e) => return w.fail(e, None, None, Vec::new()),
    };
    let findings = judge::judge_payload(
        &cb.headers,
        cb.body.as_ref(),
        event.headers.as_slice(),
        &event.body,
    );
    let (header_findings, body_findings): (Vec<Finding>, Vec<Finding>) = findings
        .into_iter()
        .partition(|f| f.check == Check::HeadersDeclared.name());
    if let Some(f) = header_findings.first() {
        let name = f
            .pointer
            .strip_prefix("header ")
            .unwrap_or(&f.pointer)
            .to_string();
        let got = event.header(&name).map(str::to_string);
        let message = match &got {
            None => format!("the event has no {name} header, which the callback requires"),
            Some(_) => format!(
                "the event's {name} header does not match the callback ({}): {}",
                f.keyword, f.message
            ),
        };
        let expected = got.is_none().then(|| name.clone());
        let actual = Some(got.unwrap_or_else(|| "(absent)".into()));
        return w.fail(message, expected, actual, header_findings);
    }
    // A body that cannot be read as declared leaves nothing for the checks below.
    let unreadable = body_findings
        .iter()
        .find_map(|f| match Check::by_name(&f.check) {
            Some(Check::ContentType) => Some(format!("the event's {}", f.message)),
            Some(Check::Json) => Some("the event body is not JSON".to_string()),
            Some(Check::BodyRequired) => Some("the event has no body".to_string()),
            _ => None,
        });
    if let Some(message) = unreadable {
        return w.fail(
            message,
            None,
            Some(
                String::from_utf8_lossy(&event.body)
                    .chars()
                    .take(200)
                    .collect(),
            ),
            body_findings,
        );
    }
    let body: Value = serde_json::from_slice(&event.body).unwrap_or(Value::Null);
    if event.header("x-bankly-event") != body["eventName"].as_str() {
        return w.fail(
            "the x-bankly-event header and the body's eventName differ",
            body["eventName"].as_str().map(str::to_string),
            event.header("x-bankly-event").map(str::to_string),
            Vec::new(),
        );
    }
    let public_key = w.bankly().public_key.clone();
    if event.header("x-bankly-public-key") != public_key.as_deref() {
        return w.fail(
            "the event does not carry the publicKey of its configuration in x-bankly-public-key",
            public_key,
            event.header("x-bankly-public-key").map(str::to_string),
            Vec::new(),
        );
    }
    let Some(first) = body_findings.first() else {
        return Ok(());
    };
    let message = format!(
        "the event body does not match the callback's schema: {}, first at {} ({}): {}",
        judge::count_findings(body_findings.len()),
        first.at(),
        first.label(),
        first.message
    );
    w.fail(message, None, None, body_findings)
}

/// `previousStatus` and `status` of the picked event; `none` stands for a first registration's null.
#[then(expr = "the event tells the move from {string} to {string}")]
async fn event_move(w: &mut CheckWorld, from: String, to: String) -> StepResult {
    let body = w.picked_event()?.json();
    let previous = match &body["data"]["previousStatus"] {
        Value::Null => "none".to_string(),
        v => v.as_str().unwrap_or("?").to_string(),
    };
    let status = body["data"]["status"].as_str().unwrap_or("?").to_string();
    if previous == from && status == to {
        return Ok(());
    }
    w.fail(
        format!("the event tells {previous} -> {status}, the move was {from} -> {to}"),
        Some(format!("{from} -> {to}")),
        Some(format!("{previous} -> {status}")),
        Vec::new(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::limits::Limits;

    #[test]
    fn signature_is_hex_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn only_targets_on_this_machine_can_reach_the_receiver() {
        for base in [
            "http://127.0.0.1:8080/bankly",
            "http://localhost:1/bankly",
            "http://[::1]:9/bankly",
            "http://finsandbox.test:4242/bankly",
        ] {
            assert!(receiver_reachable_from(base, &[]).is_ok(), "{base}");
        }
        let err = receiver_reachable_from("https://api.sandbox.bankly.example", &[]).unwrap_err();
        assert!(err.contains("api.sandbox.bankly.example"), "{err}");
        // A name pinned elsewhere is judged by where it leads.
        let remote = [(
            "finsandbox.test".to_string(),
            "192.0.2.7:8080".parse().unwrap(),
        )];
        assert!(receiver_reachable_from("http://finsandbox.test:8080/bankly", &remote).is_err());
    }

    #[tokio::test]
    async fn the_receiver_keeps_deliveries_and_stops_when_dropped() {
        let receiver = Receiver::start(Limits::default()).await.unwrap();
        // reqwest is built without a crypto provider; any client needs one installed first.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let event = json!({"eventName": "CUSTOMER_WAS_APPROVED", "data": {"documentNumber": "52998224725"}});
        let r = client
            .post(&receiver.url)
            .body(event.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        // Another path on the same port is not this receiver's.
        let other = receiver.url.rsplit_once('/').unwrap().0.to_string() + "/other";
        client.post(&other).body("{}").send().await.unwrap();
        assert_eq!(receiver.deliveries().len(), 1);
        assert_eq!(
            about(&receiver, "52998224725", Some("CUSTOMER_WAS_APPROVED")).len(),
            1
        );
        assert!(about(&receiver, "52998224725", Some("CUSTOMER_WAS_REPROVED")).is_empty());
        let addr = receiver
            .url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .to_string();
        drop(receiver);
        // The listener closes once the accept loop sees the stop signal.
        let mut closed = false;
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(&addr).await.is_err() {
                closed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(closed, "the receiver still accepts connections on {addr}");
    }

    #[tokio::test]
    async fn the_receiver_refuses_what_passes_the_byte_cap() {
        let limits = Limits {
            max_response_bytes: 1000,
            ..Limits::default()
        };
        let receiver = Receiver::start(limits).await.unwrap();
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let post = |body: Vec<u8>| client.post(&receiver.url).body(body).send();
        // Just under the cap: kept.
        assert_eq!(post(vec![b' '; 999]).await.unwrap().status(), 200);
        // Over the cap on its own: refused, and said why.
        let r = post(vec![b' '; 1001]).await.unwrap();
        assert_eq!(r.status(), 413);
        assert!(r.text().await.unwrap().contains("larger than 1000 bytes"));
        // Small, but past what the receiver keeps in all.
        assert_eq!(post(vec![b' '; 10]).await.unwrap().status(), 413);
        // Headers past the cap.
        let r = client
            .post(&receiver.url)
            .header("x-padding", "p".repeat(2000))
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 431);
        assert_eq!(receiver.deliveries().len(), 1);
        let refusals = receiver.refusals();
        assert_eq!(refusals.len(), 3, "{refusals:?}");
        assert!(refusals[1].contains("would pass the limit"), "{refusals:?}");
    }
}
