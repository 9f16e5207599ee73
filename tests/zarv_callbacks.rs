//! Zarv batches and their callbacks over real sockets: items judged and charged one by one,
//! duplicates keeping their last attempt, and each final state delivered once to a loopback
//! receiver through the shared delivery service, retried 1, 5, 15, 30 and 60 minutes of sandbox
//! clock later while the receiver fails, then marked failed; `/sandbox/zarv/deliveries` shows it all.

mod zarv_support;

use std::time::Duration;

use finsandbox::harness::limits::Limits;
use finsandbox::harness::receiver::{Delivery, Receiver};
use reqwest::Method;
use serde_json::{Value, json};
use zarv_support::*;

const BATCH: &str = "/zarv/api/v2/verifications/batch";

async fn wait_for(receiver: &Receiver, n: usize) -> Vec<Delivery> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let got = receiver.deliveries();
        if got.len() >= n || tokio::time::Instant::now() >= deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn batch_items_are_judged_and_charged_one_by_one() {
    let z = start().await;
    let ana = z.login(ANA).await;
    let body = json!({
        "nationalId": [CLEAN, "12345678900", NEGATIVE, CLEAN, "not-a-document", ALNUM_CNPJ],
        "verifications": {"type": "light", "faceRecognition": {"active": true}, "cnh": {"active": true}},
    });
    let r = z.post(BATCH, &ana, &body).await;
    assert_eq!(r.status, 202, "{}", r.text());
    assert_eq!(r.body["total"], 6);
    assert_eq!(r.body["success"], 4);
    assert_eq!(r.body["errors"], 2);
    let items = r.body["items"].as_object().unwrap();
    assert_eq!(items.len(), 5, "one item per distinct id");
    assert!(
        items["12345678900"]["error"]
            .as_str()
            .unwrap()
            .starts_with("invalid national id")
    );
    assert!(items["not-a-document"]["error"].is_string());
    // The repeated id keeps its last attempt, and both attempts were charged and created.
    let listed = z
        .get(
            &format!("/zarv/api/v2/verifications?nationalId={CLEAN}"),
            &ana,
        )
        .await;
    assert_eq!(listed.body["total"], 2);
    assert_eq!(listed.body["verifications"][0]["id"], items[CLEAN]["id"]);
    assert_eq!(z.balance(AURORA).await, "9996.00");

    // Credit running out fails the later items only.
    z.control(
        Method::POST,
        &format!("/sandbox/zarv/workspaces/{BOREAL}/credit"),
        json!({"amount": "2.00"}),
    )
    .await;
    let carla = z.login(CARLA).await;
    let r = z
        .post(
            BATCH,
            &carla,
            &json!({"nationalId": [CLEAN, NEGATIVE, WORST], "verifications": {"type": "light"}}),
        )
        .await;
    assert_eq!(
        (r.body["success"].as_u64(), r.body["errors"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        r.body["items"][WORST]["error"],
        "There is not enough balance: insufficient balance (price 1.00, balance 0.00)"
    );
    assert_eq!(z.balance(BOREAL).await, "0.00");

    for bad in [
        json!({"nationalId": [], "verifications": {"type": "light"}}),
        json!({"nationalId": CLEAN, "verifications": {"type": "light"}}),
        json!({"nationalId": [CLEAN], "verifications": {"type": "heavy"}}),
        json!({"nationalId": [CLEAN], "verifications": {"type": "light"}, "callback": {"url": "file:///etc/passwd", "method": "POST"}}),
        json!({"nationalId": [CLEAN], "verifications": {"type": "light"}, "callback": {"url": "https://x.example", "method": "PATCH"}}),
        json!({"nationalId": [1, 2], "verifications": {"type": "light"}}),
    ] {
        z.post(BATCH, &ana, &bad).await.assert_error(400);
    }
    let too_many: Vec<String> = (0..501).map(|_| CLEAN.to_string()).collect();
    z.post(
        BATCH,
        &ana,
        &json!({"nationalId": too_many, "verifications": {"type": "light"}}),
    )
    .await
    .assert_error(400);
    z.stop().await;
}

#[tokio::test]
async fn each_final_state_is_delivered_once_with_the_metadata_and_headers() {
    let z = start().await;
    let receiver = Receiver::start(Limits::default()).await.expect("receiver");
    let ana = z.login(ANA).await;
    let metadata = json!({"campaignId": "onboarding-march", "n": 3});
    let r = z
        .post(
            BATCH,
            &ana,
            &json!({
                "nationalId": [CLEAN, FAILS, "123"],
                "verifications": {"type": "full"},
                "callback": {"url": receiver.url, "method": "PUT", "headers": {"Authorization": "Bearer hook-secret", "X-Tenant": "aurora"}},
                "metadata": metadata,
            }),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text());
    let clean = r.body["items"][CLEAN]["id"].as_str().unwrap().to_string();
    let failed = r.body["items"][FAILS]["id"].as_str().unwrap().to_string();
    // Nothing before the end (times are whole seconds: the end may be up to 1 s nearer).
    z.advance(3).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(receiver.deliveries().is_empty());
    z.advance(2).await;
    let got = wait_for(&receiver, 2).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let got_again = receiver.deliveries();
    assert_eq!(got_again.len(), 2, "once per verification: {got_again:?}");
    for d in &got {
        assert_eq!(d.method, "PUT");
        assert_eq!(d.header("authorization"), Some("Bearer hook-secret"));
        assert_eq!(d.header("x-tenant"), Some("aurora"));
        assert_eq!(d.header("content-type"), Some("application/json"));
        let body = d.json();
        assert_eq!(body["metadata"], metadata);
        let want = if body["id"] == clean.as_str() {
            "COMPLETED"
        } else {
            assert_eq!(body["id"], failed.as_str());
            "FAILED"
        };
        assert_eq!(body["status"], want);
        assert_eq!(body.as_object().unwrap().len(), 3);
    }
    // Reading the verifications again sends nothing more.
    z.verification(&ana, &clean).await;
    z.advance(3600).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(receiver.deliveries().len(), 2);
    let log = z
        .send(
            Method::GET,
            &format!("/sandbox/zarv/deliveries?verificationId={clean}"),
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(log.body["count"], 1, "{}", log.text());
    assert_eq!(log.body["deliveries"][0]["state"], "Success");
    assert_eq!(log.body["deliveries"][0]["nationalId"], CLEAN);
    z.stop().await;
}

#[tokio::test]
async fn a_single_verification_can_ask_for_a_callback_too_without_metadata() {
    let z = start().await;
    let receiver = Receiver::start(Limits::default()).await.expect("receiver");
    let ana = z.login(ANA).await;
    let r = z
        .post(
            "/zarv/api/v2/verifications",
            &ana,
            &json!({"nationalId": CLEAN, "verifications": {"type": "light"},
                    "callback": {"url": receiver.url, "method": "POST"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    z.advance(5).await;
    let got = wait_for(&receiver, 1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].method, "POST");
    assert_eq!(got[0].json()["metadata"], json!({}));
    z.stop().await;
}

#[tokio::test]
async fn a_failing_receiver_is_retried_on_the_schedule_then_marked_failed() {
    let z = start().await;
    let receiver = Receiver::start(Limits::default()).await.expect("receiver");
    receiver.fail_next(100);
    let ana = z.login(ANA).await;
    let r = z
        .post(
            BATCH,
            &ana,
            &json!({"nationalId": [NEGATIVE], "verifications": {"type": "light"},
                    "callback": {"url": receiver.url, "method": "POST"}}),
        )
        .await;
    let id = r.body["items"][NEGATIVE]["id"]
        .as_str()
        .unwrap()
        .to_string();
    z.advance(5).await;
    assert_eq!(wait_for(&receiver, 1).await.len(), 1);
    for (attempt, minutes) in [(2, 1), (3, 5), (4, 15), (5, 30), (6, 60)] {
        // Not before its time...
        z.advance(minutes * 60 - 5).await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(
            receiver.deliveries().len(),
            attempt - 1,
            "attempt {attempt} came early"
        );
        // ...and then it comes.
        z.advance(5).await;
        assert_eq!(wait_for(&receiver, attempt).await.len(), attempt);
    }
    // After the sixth failure, nothing more.
    z.advance(6 * 3600).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(receiver.deliveries().len(), 6);
    let all = receiver.deliveries();
    assert!(
        all.iter()
            .all(|d| d.json()["id"] == id.as_str() && d.answered == 503)
    );
    let log = z
        .send(
            Method::GET,
            &format!("/sandbox/zarv/deliveries?verificationId={id}"),
            None,
            None,
            &[],
        )
        .await;
    let attempts = log.body["deliveries"].as_array().unwrap();
    assert_eq!(attempts.len(), 6);
    let waits: Vec<Value> = attempts
        .iter()
        .map(|a| a["nextAttemptInMs"].clone())
        .collect();
    assert_eq!(
        waits,
        [
            json!(60_000),
            json!(300_000),
            json!(900_000),
            json!(1_800_000),
            json!(3_600_000),
            Value::Null
        ]
    );
    assert_eq!(attempts[5]["willRetry"], false);
    assert!(
        attempts
            .iter()
            .all(|a| a["state"] == "Failed" && a["maxAttempts"] == 6)
    );
    assert_eq!(log.body["pending"], 0);
    z.stop().await;
}

#[tokio::test]
async fn a_receiver_that_recovers_gets_it_once() {
    let z = start().await;
    let receiver = Receiver::start(Limits::default()).await.expect("receiver");
    receiver.fail_next(2);
    let ana = z.login(ANA).await;
    let r = z
        .post(
            BATCH,
            &ana,
            &json!({"nationalId": [CLEAN], "verifications": {"type": "light"},
                    "callback": {"url": receiver.url, "method": "PUT"}, "metadata": {"k": "v"}}),
        )
        .await;
    assert_eq!(r.status, 202);
    z.advance(5).await;
    wait_for(&receiver, 1).await;
    z.advance(60).await;
    wait_for(&receiver, 2).await;
    z.advance(300).await;
    let got = wait_for(&receiver, 3).await;
    assert_eq!(got.len(), 3);
    assert_eq!(receiver.accepted().len(), 1);
    z.advance(7200).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(receiver.deliveries().len(), 3);
    let log = z
        .send(
            Method::GET,
            "/sandbox/zarv/deliveries?state=Success",
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(log.body["count"], 1);
    z.stop().await;
}
