//! Bankly webhooks over real sockets: configurations, one signed event per transition delivered by
//! the background task (nobody reads the customer), retries with backoff, and the deliveries log.

mod bankly_support;

use std::time::Duration;

use bankly_support::*;
use finsandbox::sandbox::families::bankly::BanklyConfig;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;

const KEY: &str = "c2VjcmV0LWRhLWZpbnRlY2g=";

fn verify(key: &str, body: &[u8], header: &str) -> bool {
    let Some(hex_sig) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(sig) = hex::decode(hex_sig) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

const CUSTOMER_EVENTS: [&str; 7] = [
    "CUSTOMER_WAS_RECEIVED",
    "CUSTOMER_IN_ANALYSIS",
    "CUSTOMER_WAS_APPROVED",
    "CUSTOMER_WAS_REPROVED",
    "CUSTOMER_WAS_BLOCKED",
    "CUSTOMER_WAS_CANCELED",
    "CUSTOMER_WAS_UPDATED",
];

async fn subscribe_all(sb: &Sandbox, token: &str, url: &str) {
    for event in CUSTOMER_EVENTS {
        let r = sb.subscribe(token, event, url, KEY).await;
        assert_eq!(r.status(), 201, "{event}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_is_registered_without_echoing_the_private_key() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token("webhook.write").await;
    let r = sb
        .subscribe(
            &token,
            "CUSTOMER_WAS_APPROVED",
            "http://127.0.0.1:9/hooks",
            KEY,
        )
        .await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["data"]["eventName"], "CUSTOMER_WAS_APPROVED");
    assert_eq!(body["data"]["publicKey"], "pub-test");
    assert!(uuid::Uuid::parse_str(body["data"]["id"].as_str().unwrap()).is_ok());
    assert!(!body.to_string().contains(KEY));
    let again = sb
        .subscribe(
            &token,
            "CUSTOMER_WAS_APPROVED",
            "http://127.0.0.1:9/hooks",
            KEY,
        )
        .await;
    assert_eq!(again.status(), 409);
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_configurations_name_the_bad_field() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token("webhook.write").await;
    let good = json!({"name": "n", "eventName": "CUSTOMER_WAS_APPROVED", "context": "Customer",
                      "uri": "https://fintech.example/hooks", "privateKey": KEY, "publicKey": "p"});
    let cases = [
        ("eventName", json!("ACCOUNT_WAS_CREATED")),
        ("context", json!("Pix")),
        ("uri", json!("ftp://example.com/x")),
        ("uri", json!("not a url")),
        ("privateKey", json!("not base64!")),
        ("privateKey", json!("A".repeat(65))),
        ("publicKey", json!("")),
        ("name", json!(" ")),
    ];
    for (field, value) in cases {
        let mut body = good.clone();
        body[field] = value.clone();
        let r = sb
            .call(Method::POST, "/bankly/webhooks/configurations", &token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{field}={value}");
        let errors: Value = r.json().await.unwrap();
        assert_eq!(
            errors["errors"][0]["propertyName"], field,
            "{field}={value}: {errors}"
        );
        assert_eq!(errors["errors"].as_array().unwrap().len(), 1);
    }
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_transition_delivers_one_signed_event_without_anyone_reading() {
    let sb = Sandbox::start(config()).await;
    let receiver = Receiver::start(0).await;
    let token = sb.token(ALL_SCOPES).await;
    subscribe_all(&sb, &token, &receiver.url()).await;
    sb.register(&token, ANALYSIS_THEN_APPROVED).await;
    // The background task applies each step when the sandbox clock reaches it.
    sb.advance(30).await;
    assert!(
        eventually(Duration::from_secs(5), || async {
            receiver.all().len() >= 2
        })
        .await
    );
    sb.advance(30).await;
    assert!(
        eventually(Duration::from_secs(5), || async {
            receiver.all().len() >= 3
        })
        .await
    );
    let cancel = sb
        .call(
            Method::PATCH,
            &format!("/bankly/customers/{ANALYSIS_THEN_APPROVED}/cancel"),
            &token,
        )
        .json(&json!({"reason": "HOLDER_REQUEST"}))
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 202);
    assert!(
        eventually(Duration::from_secs(5), || async {
            receiver.all().len() >= 4
        })
        .await
    );
    // Give a duplicate every chance to show up.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let got = receiver.all();
    let names: Vec<&str> = got.iter().map(|r| r.header("x-bankly-event")).collect();
    assert_eq!(
        names,
        [
            "CUSTOMER_WAS_RECEIVED",
            "CUSTOMER_IN_ANALYSIS",
            "CUSTOMER_WAS_APPROVED",
            "CUSTOMER_WAS_CANCELED"
        ]
    );
    let statuses: Vec<Value> = got
        .iter()
        .map(|r| r.json()["data"]["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        [
            json!("PENDING_APPROVAL"),
            json!("IN_ANALYSIS"),
            json!("APPROVED"),
            json!("CANCELED")
        ]
    );
    for r in &got {
        assert!(
            verify(KEY, &r.body, r.header("x-bankly-signature")),
            "signature of {}",
            r.header("x-bankly-event")
        );
        assert!(!verify(
            "another-key",
            &r.body,
            r.header("x-bankly-signature")
        ));
        assert_eq!(r.header("x-bankly-attempt"), "1");
        assert_eq!(r.header("x-bankly-public-key"), "pub-test");
        assert_eq!(r.header("content-type"), "application/json");
        let body = r.json();
        assert_eq!(body["eventName"], r.header("x-bankly-event"));
        assert_eq!(body["context"], "Customer");
        assert_eq!(body["data"]["documentNumber"], ANALYSIS_THEN_APPROVED);
    }
    assert_eq!(got[0].json()["data"]["previousStatus"], Value::Null);
    assert_eq!(got[2].json()["data"]["previousStatus"], "IN_ANALYSIS");
    receiver.stop().await;
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reproval_blacklisting_and_updates_have_their_events_and_reasons() {
    let sb = Sandbox::start(BanklyConfig {
        kyc_delay_seconds: 0,
        ..config()
    })
    .await;
    let receiver = Receiver::start(0).await;
    let token = sb.token(ALL_SCOPES).await;
    subscribe_all(&sb, &token, &receiver.url()).await;
    sb.register(&token, REPROVED_MISMATCH).await;
    sb.register(&token, BLACKLISTED).await;
    sb.register(&token, APPROVED_AT_ONCE).await;
    let patch = sb
        .call(
            Method::PATCH,
            &format!("/bankly/customers/{APPROVED_AT_ONCE}"),
            &token,
        )
        .json(&json!({"data": {"email": "novo@example.com.br"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(patch.status(), 202);
    assert!(
        eventually(Duration::from_secs(5), || async {
            receiver.all().len() >= 7
        })
        .await
    );
    let by_event = |cpf: &str, event: &str| -> Vec<Value> {
        receiver
            .all()
            .iter()
            .map(Received::json)
            .filter(|b| b["data"]["documentNumber"] == cpf && b["eventName"] == event)
            .collect()
    };
    let reproved = by_event(REPROVED_MISMATCH, "CUSTOMER_WAS_REPROVED");
    assert_eq!(reproved.len(), 1);
    assert_eq!(
        reproved[0]["data"]["reasons"],
        json!(["DOCUMENT_MISMATCH", "SELFIE_NOT_MATCHED"])
    );
    let blocked = by_event(BLACKLISTED, "CUSTOMER_WAS_BLOCKED");
    assert_eq!(blocked.len(), 1);
    assert_eq!(blocked[0]["data"]["status"], "BLACKLISTED");
    assert_eq!(blocked[0]["data"]["reasons"], json!(["NOT_RETRY"]));
    assert_eq!(by_event(APPROVED_AT_ONCE, "CUSTOMER_WAS_APPROVED").len(), 1);
    assert_eq!(by_event(APPROVED_AT_ONCE, "CUSTOMER_WAS_UPDATED").len(), 1);
    receiver.stop().await;
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_receiver_is_retried_with_backoff_until_it_answers() {
    let sb = Sandbox::start(config()).await;
    let receiver = Receiver::start(2).await;
    let token = sb.token(ALL_SCOPES).await;
    let r = sb
        .subscribe(&token, "CUSTOMER_WAS_RECEIVED", &receiver.url(), KEY)
        .await;
    assert_eq!(r.status(), 201);
    sb.register(&token, STAYS_PENDING).await;
    assert!(
        eventually(Duration::from_secs(5), || async {
            receiver.all().len() >= 3
        })
        .await
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let got = receiver.all();
    assert_eq!(got.len(), 3, "two failures, then one success, then nothing");
    let attempts: Vec<&str> = got.iter().map(|r| r.header("x-bankly-attempt")).collect();
    assert_eq!(attempts, ["1", "2", "3"]);
    let ids: Vec<&str> = got
        .iter()
        .map(|r| r.header("x-bankly-delivery-id"))
        .collect();
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "one delivery, retried: {ids:?}"
    );
    assert!(
        got.iter()
            .all(|r| r.body == got[0].body && verify(KEY, &r.body, r.header("x-bankly-signature")))
    );

    assert!(
        eventually(Duration::from_secs(2), || async {
            sb.deliveries().await.len() >= 3
        })
        .await
    );
    let log = sb.deliveries().await;
    let summary: Vec<(u64, &str, bool, Option<u64>)> = log
        .iter()
        .map(|a| {
            (
                a["attempt"].as_u64().unwrap(),
                a["state"].as_str().unwrap(),
                a["willRetry"].as_bool().unwrap(),
                a["statusCode"].as_u64(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, "Failed", true, Some(500)),
            (2, "Failed", true, Some(500)),
            (3, "Success", false, Some(200))
        ]
    );
    // Exponential backoff: 50 ms, then 100 ms.
    assert_eq!(log[0]["nextAttemptInMs"], 50);
    assert_eq!(log[1]["nextAttemptInMs"], 100);
    assert_eq!(log[0]["signature"], got[0].header("x-bankly-signature"));
    assert_eq!(log[0]["url"], receiver.url());
    receiver.stop().await;
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_never_recovers_is_given_up_after_the_last_attempt() {
    let sb = Sandbox::start(BanklyConfig {
        webhook_max_attempts: 3,
        ..config()
    })
    .await;
    let receiver = Receiver::start(usize::MAX).await;
    let token = sb.token(ALL_SCOPES).await;
    sb.subscribe(&token, "CUSTOMER_WAS_RECEIVED", &receiver.url(), KEY)
        .await;
    sb.register(&token, STAYS_PENDING).await;
    assert!(
        eventually(Duration::from_secs(5), || async {
            sb.deliveries().await.len() >= 3
        })
        .await
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let log = sb.deliveries().await;
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|a| a["state"] == "Failed"));
    assert_eq!(log[2]["willRetry"], false);
    assert_eq!(receiver.all().len(), 3);
    receiver.stop().await;
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_receiver_is_logged_as_a_connection_failure() {
    let sb = Sandbox::start(BanklyConfig {
        webhook_max_attempts: 2,
        ..config()
    })
    .await;
    // Bind then drop: a loopback port that nothing listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let token = sb.token(ALL_SCOPES).await;
    sb.subscribe(
        &token,
        "CUSTOMER_WAS_RECEIVED",
        &format!("http://127.0.0.1:{port}/x"),
        KEY,
    )
    .await;
    sb.register(&token, STAYS_PENDING).await;
    assert!(
        eventually(Duration::from_secs(5), || async {
            sb.deliveries().await.len() >= 2
        })
        .await
    );
    let log = sb.deliveries().await;
    assert!(log[0]["statusCode"].is_null());
    assert!(
        log[0]["error"].as_str().unwrap().contains("connection"),
        "{}",
        log[0]
    );
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_can_be_filtered_and_reset_clears_them() {
    let sb = Sandbox::start(config()).await;
    let receiver = Receiver::start(0).await;
    let token = sb.token(ALL_SCOPES).await;
    sb.subscribe(&token, "CUSTOMER_WAS_RECEIVED", &receiver.url(), KEY)
        .await;
    sb.register(&token, STAYS_PENDING).await;
    sb.register(&token, STAYS_IN_ANALYSIS).await;
    assert!(
        eventually(Duration::from_secs(5), || async {
            sb.deliveries().await.len() >= 2
        })
        .await
    );
    let filtered: Value = sb
        .http
        .get(sb.url(&format!(
            "/sandbox/bankly/webhooks/deliveries?documentNumber={STAYS_PENDING}"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(filtered["deliveries"].as_array().unwrap().len(), 1);
    assert_eq!(filtered["deliveries"][0]["documentNumber"], STAYS_PENDING);
    sb.http.post(sb.url("/sandbox/reset")).send().await.unwrap();
    assert!(sb.deliveries().await.is_empty());
    // Configurations went with the reset: new registrations deliver nothing.
    let token = sb.token(ALL_SCOPES).await;
    sb.register(&token, STAYS_PENDING).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sb.deliveries().await.is_empty());
    assert_eq!(receiver.all().len(), 2);
    receiver.stop().await;
    sb.stop().await;
}

/// With `--callbacks-loopback-only`, a webhook to another host is logged as a failed attempt that
/// says why, and nothing is connected; loopback receivers still get theirs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_only_deliveries_never_leave_the_machine() {
    let sb = Sandbox::start_with(config(), |c| c.callbacks_loopback_only = true).await;
    let receiver = Receiver::start(0).await;
    let token = sb.token(ALL_SCOPES).await;
    // 192.0.2.0/24 is reserved for documentation: were it contacted, the attempt would say
    // "connection failed" or time out, not "not sent".
    let remote = "http://192.0.2.1:9/hooks";
    let r = sb
        .subscribe(&token, "CUSTOMER_WAS_RECEIVED", remote, KEY)
        .await;
    assert_eq!(r.status(), 201);
    let r = sb
        .subscribe(&token, "CUSTOMER_WAS_APPROVED", &receiver.url(), KEY)
        .await;
    assert_eq!(r.status(), 201);
    sb.register(&token, APPROVED_AT_ONCE).await;
    assert!(
        eventually(Duration::from_secs(5), || async {
            !receiver.all().is_empty()
        })
        .await,
        "the loopback receiver gets its event"
    );
    let log = sb.deliveries().await;
    let refused: Vec<&Value> = log.iter().filter(|a| a["url"] == remote).collect();
    assert!(!refused.is_empty(), "{log:?}");
    for a in refused {
        assert_eq!(a["state"], "Failed", "{a}");
        assert!(a["statusCode"].is_null(), "{a}");
        let error = a["error"].as_str().unwrap_or_default();
        assert!(
            error.contains("not sent") && error.contains("--callbacks-loopback-only"),
            "{error}"
        );
    }
    receiver.stop().await;
    sb.stop().await;
}
