//! Zarv ID over real sockets: login and tokens, verifications through their lifecycle on the
//! sandbox clock, every magic document, charges and refunds, listings, feedback, the blacklist, the
//! PDF, and every bad input the issue names. The sandbox judges each of its own answers against the
//! family's spec (self-check), so every body here is also a schema check.

mod support;
mod zarv_support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Method;
use serde_json::{Value, json};
use zarv_support::*;

fn full() -> Value {
    json!({"type": "full", "finance": {"restrictions": true}})
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("json")
}

// ------------------------------------------------------------------------------ authentication

#[tokio::test]
async fn login_gives_a_signed_pair_on_the_sandbox_clock() {
    let z = start().await;
    let r = z.login_reply(ANA).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.body["expiresIn"], 300);
    assert_eq!(r.body["refreshExpiresIn"], 3600);
    assert_eq!(r.body["tokenType"], "Bearer");
    let access = claims(r.body["accessToken"].as_str().unwrap());
    assert_eq!(access["sub"], "0b3a7d52-1f6e-4c8a-9d2b-5e4f3a2c1d01");
    assert_eq!(access["workspaceId"], AURORA);
    let iat = access["iat"].as_i64().unwrap();
    assert_eq!(access["exp"].as_i64().unwrap() - iat, 300);
    // iat follows the sandbox clock, not the wall clock.
    z.advance(7200).await;
    let later = claims(z.login(ANA).await.as_str());
    assert!(later["iat"].as_i64().unwrap() >= iat + 7200);
    z.stop().await;
}

#[tokio::test]
async fn wrong_credentials_and_bad_login_bodies_are_refused() {
    let z = start().await;
    let r = z.login_reply((ANA.0, "not-her-password")).await;
    r.assert_error(401);
    let r = z.login_reply(("nobody@aurora.example", ANA.1)).await;
    r.assert_error(401);
    // Neither says which of the two was wrong.
    assert_eq!(
        r.body["message"],
        z.login_reply((ANA.0, "wrong")).await.body["message"]
    );
    for body in [
        r#"{"username": "not-an-email", "password": "aurora-ana-2026"}"#,
        r#"{"username": "ana.souza@aurora.example", "password": 12345}"#,
        r#"{"username": "ana.souza@aurora.example", "password": "abc"}"#,
        r#"{"username": "ana.souza@aurora.example"}"#,
        r#"{"username": "#,
    ] {
        let r = z
            .send(
                Method::POST,
                "/zarv/api/v1/authentication",
                None,
                Some(body),
                &[],
            )
            .await;
        r.assert_error(400);
    }
    z.stop().await;
}

#[tokio::test]
async fn a_refresh_token_works_once_and_only_as_a_refresh_token() {
    let z = start().await;
    let pair = z.login_reply(ANA).await.body;
    let refresh = pair["refreshToken"].as_str().unwrap();
    let access = pair["accessToken"].as_str().unwrap();
    let path = "/zarv/api/v1/authentication/refresh";
    let body = |t: &str| json!({"refreshToken": t}).to_string();
    let r = z
        .send(Method::POST, path, None, Some(&body(refresh)), &[])
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let new_access = r.body["accessToken"].as_str().unwrap().to_string();
    assert_eq!(
        z.get("/zarv/api/v2/verifications", &new_access)
            .await
            .status,
        200
    );
    let again = z
        .send(Method::POST, path, None, Some(&body(refresh)), &[])
        .await;
    again.assert_error(401);
    assert!(
        again.body["message"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
    let r = z
        .send(Method::POST, path, None, Some(&body(access)), &[])
        .await;
    r.assert_error(401);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("refresh token is expected")
    );
    // The refresh token as the bearer of a resource call.
    let r = z.get("/zarv/api/v2/verifications", refresh).await;
    r.assert_error(401);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("access token is expected")
    );
    z.stop().await;
}

#[tokio::test]
async fn missing_malformed_tampered_and_expired_tokens_get_401() {
    let z = start().await;
    let token = z.login(ANA).await;
    let path = "/zarv/api/v2/verifications";
    let r = z.send(Method::GET, path, None, None, &[]).await;
    r.assert_error(401);
    assert!(
        r.header("www-authenticate")
            .is_some_and(|h| h.starts_with("Bearer"))
    );
    for bad in ["abc", "a.b.c", "Basic x"] {
        let r = z
            .send(
                Method::GET,
                path,
                None,
                None,
                &[("authorization", &format!("Bearer {bad}"))],
            )
            .await;
        r.assert_error(401);
    }
    let r = z
        .send(
            Method::GET,
            path,
            None,
            None,
            &[("authorization", &format!("Token {token}"))],
        )
        .await;
    r.assert_error(401);
    // Another workspace written into the claims, the signature kept.
    let parts: Vec<&str> = token.split('.').collect();
    let mut c = claims(&token);
    c["workspaceId"] = json!(BOREAL);
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(c.to_string()),
        parts[2]
    );
    let r = z.get(path, &forged).await;
    r.assert_error(401);
    assert!(r.body["message"].as_str().unwrap().contains("signature"));
    // Signed with another seed's key: a token of another sandbox.
    let other = start_with(finsandbox::sandbox::SandboxConfig {
        seed: 7,
        ..config()
    })
    .await;
    let foreign = other.login(ANA).await;
    z.get(path, &foreign).await.assert_error(401);
    other.stop().await;
    // Valid until its exp on the sandbox clock (a fresh login: real seconds count too).
    let token = z.login(ANA).await;
    z.advance(290).await;
    assert_eq!(z.get(path, &token).await.status, 200);
    z.advance(10).await;
    let r = z.get(path, &token).await;
    r.assert_error(401);
    assert!(r.body["message"].as_str().unwrap().contains("expired"));
    z.stop().await;
}

// ------------------------------------------------------------------------------ verifications

#[tokio::test]
async fn a_verification_moves_created_processing_completed_on_the_clock() {
    let z = start().await;
    let token = z.login(ANA).await;
    let r = z.verify(&token, CLEAN, full()).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.body["status"], "CREATED");
    assert_eq!(r.body["workspaceId"], AURORA);
    assert!(r.body.get("name").is_none() && r.body["verification"].get("result").is_none());
    let id = r.body["id"].as_str().unwrap().to_string();
    let created = r.body["verification"]["createdAt"]
        .as_str()
        .unwrap()
        .to_string();
    let mut seen = vec![];
    for _ in 0..7 {
        let v = z.verification(&token, &id).await;
        seen.push(v["status"].as_str().unwrap().to_string());
        z.advance(1).await;
    }
    assert_eq!(
        seen,
        [
            "CREATED",
            "PROCESSING",
            "PROCESSING",
            "PROCESSING",
            "PROCESSING",
            "COMPLETED",
            "COMPLETED"
        ]
    );
    let v = z.verification(&token, &id).await;
    let d = &v["verification"];
    assert_eq!(d["createdAt"], created.as_str());
    let exec = &d["result"]["execution"];
    assert!(exec["startedAt"].as_str() > Some(created.as_str()));
    assert_eq!(d["updatedAt"], exec["endedAt"]);
    assert_eq!(exec["durationMs"], 4000);
    assert!(v["name"].as_str().is_some_and(|n| !n.is_empty()));
    z.stop().await;
}

#[tokio::test]
async fn the_delays_are_flags_of_the_family() {
    use finsandbox::sandbox::families::zarv::ZarvConfig;
    let z = start_with(config().family(ZarvConfig {
        processing_delay_seconds: Some(0),
        finish_delay_seconds: Some(0),
        callback_retry_minutes: None,
    }))
    .await;
    let token = z.login(ANA).await;
    let r = z.verify(&token, CLEAN, full()).await;
    let id = r.body["id"].as_str().unwrap();
    assert_eq!(z.verification(&token, id).await["status"], "COMPLETED");
    let magic = z
        .send(
            Method::GET,
            "/sandbox/zarv/magic-documents",
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(magic.body["lifecycle"]["finishedAfterSeconds"], 0);
    z.stop().await;
}

/// A finished verification of `doc` with `options`.
async fn finished(z: &Zarv, token: &str, doc: &str, verifications: Value) -> Value {
    let id = z.verify_id(token, doc, verifications).await;
    z.advance(5).await;
    z.verification(token, &id).await
}

#[tokio::test]
async fn every_magic_document_gives_its_outcome() {
    let z = start().await;
    let token = z.login(ANA).await;
    let all = json!({"type": "full", "finance": {"restrictions": true},
                     "serasa": {"active": true, "advance": true}});
    let cases: &[(&str, &str, &[&str], &str)] = &[
        (CLEAN, "COMPLETED", &[], "REGULAR"),
        (
            LISTED,
            "COMPLETED",
            &["PROFILE_SUSPECTED_PERSON_BLACKLIST"],
            "BLACKLISTED",
        ),
        (DECEASED, "COMPLETED", &["PROFILE_OBIT"], "SUSPECTED"),
        (
            NEGATIVE,
            "COMPLETED",
            &["FINANCE_NEGATIVE_RESTRICTIONS", "FINANCE_COLLECTIONS"],
            "REGULAR",
        ),
        (
            LAWSUITS,
            "COMPLETED",
            &["LAWSUIT_PROCESS_REDFLAG_L1", "LAWSUIT_SUSPECT_PROCESS_L2"],
            "REGULAR",
        ),
        (
            ASSISTANCE,
            "COMPLETED",
            &["FINANCE_SOCIAL_ASSISTANCES"],
            "REGULAR",
        ),
        (FAILS, "FAILED", &[], ""),
        (CLEAN_CNPJ, "COMPLETED", &[], "REGULAR"),
        (ALNUM_CNPJ, "COMPLETED", &[], "REGULAR"),
    ];
    let mut scores = std::collections::HashMap::new();
    for (doc, status, want, fiscal) in cases {
        let v = finished(&z, &token, doc, all.clone()).await;
        assert_eq!(v["status"], *status, "{doc}");
        let mut got = rules(&v);
        let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{doc}");
        if *status == "FAILED" {
            let r = &v["verification"]["result"];
            assert_eq!(
                r["failureReason"],
                "the data sources did not answer in time"
            );
            assert!(r.get("score").is_none() && v.get("name").is_none());
            assert!(v["verification"].get("person").is_none());
            continue;
        }
        assert_eq!(
            v["verification"]["person"]["profile"]["fiscalStatus"], *fiscal,
            "{doc}"
        );
        scores.insert(*doc, v["verification"]["result"]["score"].as_i64().unwrap());
    }
    // The deceased holder: obit flag, score 0, the bureau says so too.
    let v = finished(&z, &token, DECEASED, all.clone()).await;
    assert_eq!(v["verification"]["person"]["profile"]["obitFlag"], true);
    assert_eq!(
        v["verification"]["serasa"]["identification"]["cpfStatus"],
        "TITULAR FALECIDO"
    );
    assert_eq!(scores[DECEASED], 0);
    // The score falls as risk rises.
    for risky in [NEGATIVE, LAWSUITS, ASSISTANCE, LISTED] {
        assert!(scores[risky] < scores[CLEAN], "{risky}");
    }
    let worst = finished(&z, &token, WORST, all.clone()).await;
    let w = worst["verification"]["result"]["score"].as_i64().unwrap();
    for other in [NEGATIVE, LAWSUITS, ASSISTANCE] {
        assert!(w <= scores[other], "{other}");
    }
    // The bureau record fills every section of the serasa block.
    let b = finished(&z, &token, BUREAU, all.clone()).await;
    let s = &b["verification"]["serasa"];
    for section in [
        "pendencies",
        "protests",
        "bouncedChecks",
        "lawsuits",
        "businessParticipations",
    ] {
        assert!(s[section]["total"].as_u64() >= Some(1), "{section}");
    }
    // The risky company: a negative record and a lawsuit.
    let c = finished(&z, &token, RISKY_CNPJ, all.clone()).await;
    let r = rules(&c);
    assert!(
        r.contains(&"FINANCE_NEGATIVE_RESTRICTIONS".to_string()),
        "{r:?}"
    );
    assert!(
        r.contains(&"LAWSUIT_SUSPECT_PROCESS_L2".to_string()),
        "{r:?}"
    );
    // The magic documents are listed with their outcome.
    let m = z
        .send(
            Method::GET,
            "/sandbox/zarv/magic-documents",
            None,
            None,
            &[],
        )
        .await;
    let docs = m.body["magicDocuments"].as_array().unwrap();
    assert_eq!(docs.len(), 12);
    assert!(
        docs.iter()
            .any(|d| d["document"] == FAILS && d["outcome"] == "FAILED")
    );
    z.stop().await;
}

#[tokio::test]
async fn results_are_deterministic_and_match_the_persona_of_the_other_faces() {
    let z = start().await;
    let token = z.login(ANA).await;
    let a = finished(&z, &token, ORDINARY, full()).await;
    let b = finished(&z, &token, ORDINARY, full()).await;
    assert_eq!(a["verification"]["person"], b["verification"]["person"]);
    assert_eq!(
        a["verification"]["result"]["score"],
        b["verification"]["result"]["score"]
    );
    // The same name as Open Finance gives this CPF (its persona).
    let persona = z.sandbox.app.personas.get(ORDINARY);
    assert_eq!(a["name"], persona.civil_name.as_str());
    assert_eq!(
        a["verification"]["person"]["profile"]["name"],
        persona.civil_name.as_str()
    );
    z.stop().await;
}

#[tokio::test]
async fn light_is_a_strict_subset_of_full_with_the_same_verdict() {
    let z = start().await;
    let token = z.login(ANA).await;
    for doc in [NEGATIVE, WORST, ORDINARY] {
        let l = finished(
            &z,
            &token,
            doc,
            json!({"type": "light", "finance": {"restrictions": true}}),
        )
        .await;
        let f = finished(&z, &token, doc, full()).await;
        assert_eq!(
            l["verification"]["result"]["score"],
            f["verification"]["result"]["score"]
        );
        assert_eq!(
            l["verification"]["result"]["rules"],
            f["verification"]["result"]["rules"]
        );
        let (lp, fp) = (&l["verification"]["person"], &f["verification"]["person"]);
        fn subset(a: &Value, b: &Value) -> bool {
            match (a, b) {
                (Value::Object(x), Value::Object(y)) => x
                    .iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| subset(v, w))),
                _ => a == b,
            }
        }
        assert!(subset(lp, fp), "{doc}");
        assert_ne!(lp, fp, "{doc}: full shows more");
        assert!(lp["profile"].get("contacts").is_none());
    }
    z.stop().await;
}

#[tokio::test]
async fn bad_verification_requests_get_400_and_charge_nothing() {
    let z = start().await;
    let token = z.login(ANA).await;
    let before = z.balance(AURORA).await;
    let cases = [
        (
            r#"{"nationalId": "55500000404", "verifications": {"type": "full"}}"#,
            "nationalId",
        ),
        (
            r#"{"nationalId": "012345678900", "verifications": {"type": "full"}}"#,
            "nationalId",
        ),
        (
            r#"{"nationalId": "555.000.001-60", "verifications": {"type": "full"}}"#,
            "nationalId",
        ),
        (
            r#"{"nationalId": "11111111111", "verifications": {"type": "full"}}"#,
            "nationalId",
        ),
        (
            r#"{"nationalId": "ZV555000000165", "verifications": {"type": "full"}}"#,
            "nationalId",
        ),
        (
            r#"{"nationalId": 55500000160, "verifications": {"type": "full"}}"#,
            "nationalId",
        ),
        (
            r#"{"nationalId": "55500000160", "verifications": {"type": "FULL"}}"#,
            "verifications.type",
        ),
        (
            r#"{"nationalId": "55500000160", "verifications": {}}"#,
            "verifications",
        ),
        (
            r#"{"nationalId": "55500000160", "verification": {"type": "full"}}"#,
            "body",
        ),
        (
            r#"{"nationalId": "55500000160", "verifications": {"type": "full", "finance": {"restrictions": "yes"}}}"#,
            "verifications.finance.restrictions",
        ),
        (
            r#"{"nationalId": "55500000160", "verifications": {"type": "full"}, "callback": {"url": "ftp://hooks.example/z", "method": "POST"}}"#,
            "callback.url",
        ),
        (
            r#"{"nationalId": "55500000160", "verifications": {"type": "full"}, "callback": {"url": "javascript:alert(1)", "method": "POST"}}"#,
            "callback.url",
        ),
        (
            r#"{"nationalId": "55500000160", "verifications": {"type": "full"}, "callback": {"url": "https://hooks.example/z", "method": "DELETE"}}"#,
            "callback.method",
        ),
        (
            r#"{"nationalId": "55500000160", "verifications": {"type": "full"}, "callback": {"url": "https://hooks.example/z", "method": "POST", "headers": {"Content-Length": "1"}}}"#,
            "callback.headers.Content-Length",
        ),
    ];
    for (body, field) in cases {
        let r = z
            .send(
                Method::POST,
                "/zarv/api/v2/verifications",
                Some(&token),
                Some(body),
                &[],
            )
            .await;
        r.assert_error(400);
        let fields: Vec<&str> = r.body["details"]
            .as_array()
            .map(|d| d.iter().filter_map(|x| x["field"].as_str()).collect())
            .unwrap_or_default();
        assert!(
            fields.iter().any(|f| f.starts_with(field)) || field == "body",
            "{body}: {fields:?} ({})",
            r.text()
        );
    }
    // Not JSON at all, empty, and another media type.
    let r = z
        .send(
            Method::POST,
            "/zarv/api/v2/verifications",
            Some(&token),
            Some("{\"nationalId\":"),
            &[],
        )
        .await;
    r.assert_error(400);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
    let r = z
        .send(
            Method::POST,
            "/zarv/api/v2/verifications",
            Some(&token),
            None,
            &[],
        )
        .await;
    r.assert_error(400);
    let r = z
        .send(
            Method::POST,
            "/zarv/api/v2/verifications",
            Some(&token),
            None,
            &[("content-type", "text/plain")],
        )
        .await;
    assert!(matches!(r.status, 400 | 415), "{}", r.text());
    let huge = format!("{{\"nationalId\": \"{}\"}}", "9".repeat(70_000));
    let r = z
        .send(
            Method::POST,
            "/zarv/api/v2/verifications",
            Some(&token),
            Some(&huge),
            &[],
        )
        .await;
    r.assert_error(413);
    let r = z
        .send(
            Method::GET,
            "/zarv/api/v2/verifications",
            Some(&token),
            None,
            &[("accept", "text/html")],
        )
        .await;
    r.assert_error(406);
    assert_eq!(z.balance(AURORA).await, before);
    let list = z.get("/zarv/api/v2/verifications", &token).await;
    assert_eq!(list.body["total"], 0);
    z.stop().await;
}

#[tokio::test]
async fn unknown_ids_and_other_workspaces_verifications_are_not_found() {
    let z = start().await;
    let ana = z.login(ANA).await;
    let bruno = z.login(BRUNO).await;
    let carla = z.login(CARLA).await;
    let id = z.verify_id(&ana, CLEAN, full()).await;
    // Same workspace, another user: found.
    assert_eq!(
        z.get(&format!("/zarv/api/v2/verifications/{id}"), &bruno)
            .await
            .status,
        200
    );
    // Another workspace: as unknown as an id nobody created.
    let r = z
        .get(&format!("/zarv/api/v2/verifications/{id}"), &carla)
        .await;
    r.assert_error(404);
    let unknown = z
        .get(
            "/zarv/api/v2/verifications/6a1f0c3e-8b27-4d59-a1e4-3c9b7f20d815",
            &ana,
        )
        .await;
    unknown.assert_error(404);
    for path in [
        "/zarv/api/v2/verifications/not-a-uuid",
        "/zarv/api/v2/verifications/not-a-uuid/pdf",
    ] {
        let r = z
            .send(Method::GET, path, Some(&ana), None, &[("accept", "*/*")])
            .await;
        r.assert_error(400);
    }
    let r = z
        .get(&format!("/zarv/api/v2/verifications/{id}/pdf"), &carla)
        .await;
    r.assert_error(404);
    let listed = z
        .get(
            &format!("/zarv/api/v2/verifications?nationalId={CLEAN}"),
            &carla,
        )
        .await;
    assert_eq!(listed.body["total"], 0);
    z.stop().await;
}

// ------------------------------------------------------------------------------ credit

#[tokio::test]
async fn verifications_are_charged_failed_ones_refunded_and_no_credit_is_402() {
    let z = start().await;
    let ana = z.login(ANA).await;
    assert_eq!(z.balance(AURORA).await, "10000.00");
    z.verify_id(
        &ana,
        CLEAN,
        json!({"type": "full", "serasa": {"active": true}}),
    )
    .await;
    assert_eq!(z.balance(AURORA).await, "9992.00");
    z.verify_id(&ana, CLEAN, json!({"type": "light"})).await;
    assert_eq!(z.balance(AURORA).await, "9991.00");
    z.verify_id(&ana, FAILS, json!({"type": "full"})).await;
    assert_eq!(z.balance(AURORA).await, "9988.00");
    z.advance(5).await;
    // The FAILED one gave its 3.00 back.
    assert_eq!(z.balance(AURORA).await, "9991.00");

    let carla = z.login(CARLA).await;
    let r = z.verify(&carla, CLEAN, full()).await;
    r.assert_error(402);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("not enough balance")
    );
    assert_eq!(z.balance(BOREAL).await, "0.00");
    assert_eq!(
        z.get("/zarv/api/v2/verifications", &carla).await.body["total"],
        0
    );
    // A top-up through the control API, then exactly one light verification fits.
    let r = z
        .control(
            Method::POST,
            &format!("/sandbox/zarv/workspaces/{BOREAL}/credit"),
            json!({"amount": "1.50"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.body["balance"], "1.50");
    assert_eq!(
        z.verify(&carla, CLEAN, json!({"type": "light"}))
            .await
            .status,
        201
    );
    z.verify(&carla, CLEAN, json!({"type": "light"}))
        .await
        .assert_error(402);
    assert_eq!(z.balance(BOREAL).await, "0.50");
    for bad in [
        json!({"amount": "-1"}),
        json!({"amount": "1.234"}),
        json!({}),
    ] {
        let r = z
            .control(
                Method::POST,
                &format!("/sandbox/zarv/workspaces/{BOREAL}/credit"),
                bad,
            )
            .await;
        assert_eq!(r.status, 400, "{}", r.text());
    }
    let r = z
        .control(
            Method::POST,
            "/sandbox/zarv/workspaces/00000000-0000-4000-8000-000000000000/credit",
            json!({"amount": "1"}),
        )
        .await;
    assert_eq!(r.status, 404);
    z.stop().await;
}

// ------------------------------------------------------------------------------ listing

#[tokio::test]
async fn the_list_filters_pages_and_counts() {
    let z = start().await;
    let ana = z.login(ANA).await;
    let mut ids = vec![];
    for _ in 0..3 {
        ids.push(z.verify_id(&ana, CLEAN, json!({"type": "light"})).await);
    }
    z.advance(5).await;
    ids.push(z.verify_id(&ana, NEGATIVE, json!({"type": "light"})).await);
    let r = z.get("/zarv/api/v2/verifications?limit=2", &ana).await;
    assert_eq!(
        (r.body["total"].as_u64(), r.body["limit"].as_u64()),
        (Some(4), Some(2))
    );
    // Newest first.
    assert_eq!(r.body["verifications"][0]["id"], ids[3].as_str());
    let p2 = z
        .get("/zarv/api/v2/verifications?limit=2&page=2", &ana)
        .await;
    assert_eq!(p2.body["verifications"][1]["id"], ids[0].as_str());
    let p3 = z
        .get("/zarv/api/v2/verifications?limit=2&page=3", &ana)
        .await;
    assert_eq!(p3.body["verifications"].as_array().unwrap().len(), 0);
    let by_doc = z
        .get(
            &format!("/zarv/api/v2/verifications?nationalId={NEGATIVE}"),
            &ana,
        )
        .await;
    assert_eq!(by_doc.body["total"], 1);
    let done = z
        .get("/zarv/api/v2/verifications?status=COMPLETED", &ana)
        .await;
    assert_eq!(done.body["total"], 3);
    let created = z
        .get("/zarv/api/v2/verifications?status=CREATED", &ana)
        .await;
    assert_eq!(created.body["total"], 1);
    for bad in [
        "page=0",
        "limit=0",
        "limit=26",
        "status=DONE",
        "nationalId=123",
        "page=x",
    ] {
        z.get(&format!("/zarv/api/v2/verifications?{bad}"), &ana)
            .await
            .assert_error(400);
    }
    z.stop().await;
}

// ------------------------------------------------------------------------------ feedback

#[tokio::test]
async fn feedback_needs_the_path_id_and_a_known_verification() {
    let z = start().await;
    let ana = z.login(ANA).await;
    let id = z.verify_id(&ana, CLEAN, full()).await;
    let path = format!("/zarv/api/v2/verifications/{id}/feedbacks");
    let r = z
        .post(&path, &ana, &json!({"verificationId": id, "status": "REPROVED", "comment": "divergência no endereço"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.body, json!({"status": "REPROVED", "verificationId": id}));
    let other = "6a1f0c3e-8b27-4d59-a1e4-3c9b7f20d815";
    let r = z
        .post(
            &path,
            &ana,
            &json!({"verificationId": other, "status": "APPROVED"}),
        )
        .await;
    r.assert_error(400);
    assert_eq!(r.body["details"][0]["field"], "verificationId");
    z.post(
        &path,
        &ana,
        &json!({"verificationId": id, "status": "MAYBE"}),
    )
    .await
    .assert_error(400);
    let r = z
        .post(
            &format!("/zarv/api/v2/verifications/{other}/feedbacks"),
            &ana,
            &json!({"verificationId": other, "status": "APPROVED"}),
        )
        .await;
    r.assert_error(404);
    let carla = z.login(CARLA).await;
    z.post(
        &path,
        &carla,
        &json!({"verificationId": id, "status": "APPROVED"}),
    )
    .await
    .assert_error(404);
    z.stop().await;
}

// ------------------------------------------------------------------------------ blacklist

#[tokio::test]
async fn the_blacklist_is_per_workspace_lower_in_upper_out() {
    let z = start().await;
    let ana = z.login(ANA).await;
    let list = |ws: &str| format!("/zarv/api/v2/blacklist?workspaceId={ws}");
    // Seeded: the magic document is on every workspace's list at start.
    let r = z.get(&list(AURORA), &ana).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["blacklist"][0]["nationalId"], LISTED);
    assert_eq!(r.body["blacklist"][0]["type"], "FRAUD");
    let r = z.post(&list(AURORA), &ana, &json!({"nationalId": ORDINARY, "type": "credit", "description": "inadimplência recorrente"})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.body["type"], "CREDIT");
    assert_eq!(r.body["workspaceId"], AURORA);
    let dup = z
        .post(
            &list(AURORA),
            &ana,
            &json!({"nationalId": ORDINARY, "type": "fraud", "description": "de novo"}),
        )
        .await;
    dup.assert_error(409);
    for bad in [
        json!({"nationalId": ORDINARY, "type": "CREDIT", "description": "x"}),
        json!({"nationalId": "52998224726", "type": "credit", "description": "x"}),
        json!({"nationalId": ORDINARY, "type": "credit"}),
        json!({"nationalId": ORDINARY, "type": "credit", "description": ""}),
    ] {
        z.post(&list(AURORA), &ana, &bad).await.assert_error(400);
    }
    // Newest first, paged.
    let r = z.get(&format!("{}&limit=1", list(AURORA)), &ana).await;
    assert_eq!(
        (
            r.body["total"].as_u64(),
            r.body["blacklist"][0]["nationalId"].as_str()
        ),
        (Some(2), Some(ORDINARY))
    );
    z.get(&format!("{}&limit=101", list(AURORA)), &ana)
        .await
        .assert_error(400);
    // Another workspace's list, or none named: 403 and 400.
    z.get(&list(BOREAL), &ana).await.assert_error(403);
    z.post(
        &list(BOREAL),
        &ana,
        &json!({"nationalId": ORDINARY, "type": "fraud", "description": "x"}),
    )
    .await
    .assert_error(403);
    let del = |ws: &str, doc: &str| format!("/zarv/api/v2/blacklist/{doc}?workspaceId={ws}");
    z.send(Method::DELETE, &del(BOREAL, LISTED), Some(&ana), None, &[])
        .await
        .assert_error(403);
    z.get("/zarv/api/v2/blacklist", &ana)
        .await
        .assert_error(400);
    z.get("/zarv/api/v2/blacklist?workspaceId=aurora", &ana)
        .await
        .assert_error(400);
    // The other workspace's list is its own.
    let carla = z.login(CARLA).await;
    assert_eq!(z.get(&list(BOREAL), &carla).await.body["total"], 1);
    // Delete: 204, then 404; a malformed id 400.
    let r = z
        .send(
            Method::DELETE,
            &del(AURORA, ORDINARY),
            Some(&ana),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 204);
    assert!(r.bytes.is_empty());
    z.send(
        Method::DELETE,
        &del(AURORA, ORDINARY),
        Some(&ana),
        None,
        &[],
    )
    .await
    .assert_error(404);
    z.send(
        Method::DELETE,
        &del(AURORA, "52998224726"),
        Some(&ana),
        None,
        &[],
    )
    .await
    .assert_error(400);
    z.send(Method::DELETE, &del(AURORA, "abc"), Some(&ana), None, &[])
        .await
        .assert_error(400);
    // A reset brings the seeded entry back.
    z.send(Method::DELETE, &del(AURORA, LISTED), Some(&ana), None, &[])
        .await;
    assert_eq!(z.get(&list(AURORA), &ana).await.body["total"], 0);
    z.control(Method::POST, "/sandbox/reset", json!({})).await;
    let ana = z.login(ANA).await;
    assert_eq!(z.get(&list(AURORA), &ana).await.body["total"], 1);
    z.stop().await;
}

#[tokio::test]
async fn the_blacklist_shows_on_new_verifications_only() {
    let z = start().await;
    let ana = z.login(ANA).await;
    let before = finished(&z, &ana, ORDINARY, full()).await;
    assert!(!rules(&before).contains(&"PROFILE_SUSPECTED_PERSON_BLACKLIST".to_string()));
    let running = z.verify_id(&ana, ORDINARY, full()).await;
    let r = z
        .post(
            &format!("/zarv/api/v2/blacklist?workspaceId={AURORA}"),
            &ana,
            &json!({"nationalId": ORDINARY, "type": "fraud", "description": "tentativa de fraude"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let after = finished(&z, &ana, ORDINARY, full()).await;
    assert!(rules(&after).contains(&"PROFILE_SUSPECTED_PERSON_BLACKLIST".to_string()));
    assert_eq!(
        after["verification"]["person"]["profile"]["fiscalStatus"],
        "BLACKLISTED"
    );
    assert!(
        after["verification"]["result"]["score"].as_i64()
            < before["verification"]["result"]["score"].as_i64()
    );
    // Older verifications do not change, finished or still running when the entry was added.
    let id = before["id"].as_str().unwrap();
    assert_eq!(z.verification(&ana, id).await, before);
    let r = z.verification(&ana, &running).await;
    assert!(!rules(&r).contains(&"PROFILE_SUSPECTED_PERSON_BLACKLIST".to_string()));
    // Another workspace's verifications never see Aurora's list.
    z.control(
        Method::POST,
        &format!("/sandbox/zarv/workspaces/{BOREAL}/credit"),
        json!({"amount": "10"}),
    )
    .await;
    let carla = z.login(CARLA).await;
    let theirs = finished(&z, &carla, ORDINARY, full()).await;
    assert!(!rules(&theirs).contains(&"PROFILE_SUSPECTED_PERSON_BLACKLIST".to_string()));
    // Removed: new verifications no longer show it.
    let r = z
        .send(
            Method::DELETE,
            &format!("/zarv/api/v2/blacklist/{ORDINARY}?workspaceId={AURORA}"),
            Some(&ana),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 204);
    let later = finished(&z, &ana, ORDINARY, full()).await;
    assert_eq!(rules(&later), rules(&before));
    z.stop().await;
}

// ------------------------------------------------------------------------------ PDF

#[tokio::test]
async fn the_pdf_exists_once_finished_and_holds_the_data() {
    let z = start().await;
    let ana = z.login(ANA).await;
    let id = z.verify_id(&ana, NEGATIVE, full()).await;
    let path = format!("/zarv/api/v2/verifications/{id}/pdf");
    let early = z
        .send(
            Method::GET,
            &path,
            Some(&ana),
            None,
            &[("accept", "application/pdf")],
        )
        .await;
    early.assert_error(409);
    z.advance(5).await;
    let v = z.verification(&ana, &id).await;
    let r = z
        .send(
            Method::GET,
            &path,
            Some(&ana),
            None,
            &[("accept", "application/pdf")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    assert_eq!(
        r.header("content-disposition"),
        Some(format!("inline; filename=\"verification-{id}.pdf\"").as_str())
    );
    let view = support::pdf_check::parse(&r.bytes).expect("a PDF a reader opens");
    assert!(view.pages >= 1);
    let text = view.text.join("\n");
    for want in [
        v["name"].as_str().unwrap().to_string(),
        "***.000.004-**".to_string(),
        "COMPLETED".to_string(),
        v["verification"]["result"]["score"].to_string(),
        "FINANCE_NEGATIVE_RESTRICTIONS".to_string(),
        "FINANCE_COLLECTIONS".to_string(),
    ] {
        assert!(text.contains(&want), "{want} not in {text}");
    }
    // The whole national id is never printed.
    assert!(!text.contains(NEGATIVE));
    // A JSON-only Accept cannot take it.
    let r = z
        .send(
            Method::GET,
            &path,
            Some(&ana),
            None,
            &[("accept", "application/json")],
        )
        .await;
    r.assert_error(406);
    // A FAILED verification's report says so.
    let failed = z.verify_id(&ana, FAILS, full()).await;
    z.advance(5).await;
    let r = z
        .send(
            Method::GET,
            &format!("/zarv/api/v2/verifications/{failed}/pdf"),
            Some(&ana),
            None,
            &[],
        )
        .await;
    let text = support::pdf_check::parse(&r.bytes)
        .expect("PDF")
        .text
        .join("\n");
    assert!(text.contains("FAILED") && text.contains("the data sources did not answer in time"));
    z.stop().await;
}

/// When poppler's pdftotext is installed, a real PDF reader must find the same values. CI
/// installs it and sets `FINSANDBOX_REQUIRE_PDFTOTEXT`, so there this check cannot skip.
#[tokio::test]
async fn a_pdf_reader_finds_the_values() {
    let Ok(out) = std::process::Command::new("pdftotext").arg("-v").output() else {
        assert!(
            std::env::var_os("FINSANDBOX_REQUIRE_PDFTOTEXT").is_none(),
            "FINSANDBOX_REQUIRE_PDFTOTEXT is set but pdftotext cannot be run"
        );
        eprintln!("skipped: pdftotext (poppler-utils) is not installed");
        return;
    };
    assert!(out.status.success() || !out.stderr.is_empty());
    let z = start().await;
    let ana = z.login(ANA).await;
    let id = z.verify_id(&ana, LAWSUITS, full()).await;
    z.advance(5).await;
    let v = z.verification(&ana, &id).await;
    let r = z
        .send(
            Method::GET,
            &format!("/zarv/api/v2/verifications/{id}/pdf"),
            Some(&ana),
            None,
            &[],
        )
        .await;
    let dir = std::env::temp_dir().join(format!("finsandbox-zarv-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.pdf");
    std::fs::write(&file, &r.bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        v["name"].as_str().unwrap(),
        "***.000.005-**",
        "COMPLETED",
        &v["verification"]["result"]["score"].to_string(),
        "LAWSUIT_PROCESS_REDFLAG_L1",
        "LAWSUIT_SUSPECT_PROCESS_L2",
    ] {
        assert!(text.contains(want), "{want} not in {text}");
    }
    assert!(!text.contains(LAWSUITS), "the whole national id is printed");
    z.stop().await;
}

// ------------------------------------------------------------------------------ control

#[tokio::test]
async fn the_control_api_lists_users_and_workspaces() {
    let z = start().await;
    let r = z
        .send(Method::GET, "/sandbox/zarv/users", None, None, &[])
        .await;
    let users = r.body["users"].as_array().unwrap();
    assert_eq!(users.len(), 3);
    assert!(
        users
            .iter()
            .any(|u| u["email"] == CARLA.0 && u["balance"] == "0.00")
    );
    assert!(users.iter().all(|u| u["password"].is_string()));
    let r = z
        .send(Method::GET, "/sandbox/zarv/workspaces", None, None, &[])
        .await;
    assert_eq!(r.body["workspaces"].as_array().unwrap().len(), 2);
    let index = z.send(Method::GET, "/sandbox", None, None, &[]).await;
    assert!(
        index.body["families"]["zarv"]
            .to_string()
            .contains("/sandbox/zarv/users")
    );
    assert!(
        index.body["families"]["zarv"]
            .to_string()
            .contains("/sandbox/zarv/deliveries")
    );
    let r = z
        .send(Method::GET, "/sandbox/zarv/nothing", None, None, &[])
        .await;
    assert_eq!(r.status, 404);
    z.stop().await;
}
