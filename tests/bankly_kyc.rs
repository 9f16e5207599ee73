//! Bankly KYC lifecycle over real sockets: registration, BASIC and DETAILED reads, every magic
//! document, the deterministic outcome, every legal and illegal transition (API and control API),
//! updates and offboarding. The spec self-check is on throughout.

mod bankly_support;

use bankly_support::*;
use finsandbox::sandbox::families::bankly::BanklyConfig;
use reqwest::Method;
use serde_json::{Value, json};

async fn error_code(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body: Value = r.json().await.expect("json");
    (
        status,
        body["errors"][0]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_starts_pending_and_basic_is_the_default_level() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    sb.register(&token, APPROVED_AFTER_DELAY).await;
    let r = sb.get(&token, APPROVED_AFTER_DELAY, None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "private, max-age=30");
    let body: Value = r.json().await.unwrap();
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "documentNumber",
            "document",
            "registerName",
            "socialName",
            "birthDate",
            "isPoliticallyExposedPerson",
            "profile",
            "status",
            "createdAt",
            "updatedAt"
        ]
    );
    assert_eq!(body["status"], "PENDING_APPROVAL");
    assert_eq!(body["profile"], "COMPLETE");
    assert_eq!(
        body["document"],
        json!({"value": APPROVED_AFTER_DELAY, "type": "CPF"})
    );
    assert!(body["birthDate"].as_str().unwrap().ends_with("T00:00:00Z"));
    let explicit: Value = sb
        .get(&token, APPROVED_AFTER_DELAY, Some("BASIC"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(explicit, body);
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detailed_adds_the_registered_record_and_reasons() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    let sent = registration(REPROVED_MISMATCH);
    assert_eq!(sb.put(&token, REPROVED_MISMATCH, &sent).await.status(), 202);
    sb.advance(30).await;
    let r = sb.get(&token, REPROVED_MISMATCH, Some("DETAILED")).await;
    assert_eq!(r.headers()["cache-control"], "private, max-age=3600");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "REPROVED");
    assert_eq!(
        body["reasons"],
        json!(["DOCUMENT_MISMATCH", "SELFIE_NOT_MATCHED"])
    );
    for field in [
        "registerName",
        "motherName",
        "email",
        "phone",
        "address",
        "assertedIncome",
        "occupation",
        "documentation",
    ] {
        assert_eq!(body[field], sent[field], "{field}");
    }
    assert_eq!(
        body["pep"],
        json!({"level": sent["pep"]["level"], "verified": false})
    );
    assert!(body["confirmedIncome"].is_null());
    // BASIC never shows the reasons.
    let basic: Value = sb
        .get(&token, REPROVED_MISMATCH, None)
        .await
        .json()
        .await
        .unwrap();
    assert!(basic.get("reasons").is_none());
    assert!(basic.get("address").is_none());
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_is_simple_without_address_income_occupation_or_pep() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    let mut body = registration("52998224725");
    for k in ["address", "assertedIncome", "occupation", "pep"] {
        body.as_object_mut().unwrap().remove(k);
    }
    assert_eq!(sb.put(&token, "52998224725", &body).await.status(), 202);
    let detailed = sb.detailed(&token, "52998224725").await;
    assert_eq!(detailed["profile"], "SIMPLE");
    assert!(detailed.get("address").is_none());
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_customer_gets_404() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    let (status, code) = error_code(sb.get(&token, "52998224725", None).await).await;
    assert_eq!((status, code.as_str()), (404, "NOT_FOUND"));
    let patch = sb
        .call(Method::PATCH, "/bankly/customers/52998224725", &token)
        .json(&json!({"data": {"email": "a@example.com"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(patch.status(), 404);
    let cancel = sb
        .call(
            Method::PATCH,
            "/bankly/customers/52998224725/cancel",
            &token,
        )
        .json(&json!({"reason": "HOLDER_REQUEST"}))
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 404);
    sb.stop().await;
}

/// The statuses a magic document shows at 0, 30, 60 and 90 s after registration (delay 30 s).
fn magic_table() -> Vec<(&'static str, [&'static str; 4], &'static [&'static str])> {
    vec![
        (APPROVED_AT_ONCE, ["APPROVED"; 4], &[]),
        (
            APPROVED_AFTER_DELAY,
            ["PENDING_APPROVAL", "APPROVED", "APPROVED", "APPROVED"],
            &[],
        ),
        (
            ANALYSIS_THEN_APPROVED,
            ["PENDING_APPROVAL", "IN_ANALYSIS", "APPROVED", "APPROVED"],
            &[],
        ),
        (
            ANALYSIS_THEN_REPROVED,
            ["PENDING_APPROVAL", "IN_ANALYSIS", "REPROVED", "REPROVED"],
            &["SELFIE_NOT_MATCHED"],
        ),
        (
            REPROVED_MISMATCH,
            ["PENDING_APPROVAL", "REPROVED", "REPROVED", "REPROVED"],
            &["DOCUMENT_MISMATCH", "SELFIE_NOT_MATCHED"],
        ),
        (
            BLACKLISTED,
            [
                "PENDING_APPROVAL",
                "BLACKLISTED",
                "BLACKLISTED",
                "BLACKLISTED",
            ],
            &["NOT_RETRY"],
        ),
        (
            REPROVED_UNDERAGE,
            ["PENDING_APPROVAL", "REPROVED", "REPROVED", "REPROVED"],
            &["UNDERAGE"],
        ),
        (
            REPROVED_DECEASED,
            ["PENDING_APPROVAL", "REPROVED", "REPROVED", "REPROVED"],
            &["DECEASED_HOLDER"],
        ),
        (
            REPROVED_CPF_IRREGULAR,
            ["PENDING_APPROVAL", "REPROVED", "REPROVED", "REPROVED"],
            &["CPF_IRREGULAR"],
        ),
        (STAYS_PENDING, ["PENDING_APPROVAL"; 4], &[]),
        (
            STAYS_IN_ANALYSIS,
            [
                "PENDING_APPROVAL",
                "IN_ANALYSIS",
                "IN_ANALYSIS",
                "IN_ANALYSIS",
            ],
            &[],
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_magic_document_follows_its_fixture() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    let table = magic_table();
    for (cpf, _, _) in &table {
        sb.register(&token, cpf).await;
    }
    for step in 0..4 {
        if step > 0 {
            sb.advance(30).await;
        }
        for (cpf, statuses, _) in &table {
            assert_eq!(
                sb.status(&token, cpf).await,
                statuses[step],
                "{cpf} at {}s",
                step * 30
            );
        }
    }
    for (cpf, _, reasons) in &table {
        let body = sb.detailed(&token, cpf).await;
        assert_eq!(body["reasons"], json!(reasons), "{cpf}");
    }
    // The control API names the fixture behind each of them.
    let listed: Value = sb
        .http
        .get(sb.url("/sandbox/bankly/magic-documents"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed["magicDocuments"].as_array().unwrap().len(),
        table.len()
    );
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_cpfs_get_the_same_outcome_on_every_run_after_the_delay() {
    let cpfs = [
        "52998224725",
        "11144477735",
        "12345678909",
        "98765432100",
        "24681357928",
        "13579246828",
    ];
    let mut runs = Vec::new();
    for _ in 0..2 {
        let sb = Sandbox::start(BanklyConfig {
            kyc_delay_seconds: 120,
            ..config()
        })
        .await;
        let token = sb.token(ALL_SCOPES).await;
        for cpf in cpfs {
            sb.register(&token, cpf).await;
        }
        sb.advance(100).await;
        for cpf in cpfs {
            assert_eq!(
                sb.status(&token, cpf).await,
                "PENDING_APPROVAL",
                "{cpf} before the delay"
            );
        }
        sb.advance(1000).await;
        let mut outcome = Vec::new();
        for cpf in cpfs {
            let body = sb.detailed(&token, cpf).await;
            let status = body["status"].as_str().unwrap().to_string();
            assert!(
                ["APPROVED", "REPROVED"].contains(&status.as_str()),
                "{cpf}: {status}"
            );
            if status == "REPROVED" {
                assert!(!body["reasons"].as_array().unwrap().is_empty());
            }
            outcome.push((status, body["reasons"].clone()));
        }
        runs.push(outcome);
        sb.stop().await;
    }
    assert_eq!(runs[0], runs[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_under_18_is_registered_and_then_reproved_as_underage() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    let mut body = registration("52998224725");
    body["birthDate"] = json!("2015-05-20");
    assert_eq!(sb.put(&token, "52998224725", &body).await.status(), 202);
    sb.advance(30).await;
    let detailed = sb.detailed(&token, "52998224725").await;
    assert_eq!(detailed["status"], "REPROVED");
    assert_eq!(detailed["reasons"], json!(["UNDERAGE"]));
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registering_again_is_refused_unless_reproved() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    let cases = [
        (
            APPROVED_AT_ONCE,
            0,
            "CUSTOMER_REGISTRATION_CANNOT_BE_REPLACED",
            "APPROVED",
        ),
        (
            STAYS_PENDING,
            0,
            "CUSTOMER_REGISTRATION_CANNOT_BE_REPLACED",
            "PENDING_APPROVAL",
        ),
        (
            STAYS_IN_ANALYSIS,
            30,
            "CUSTOMER_REGISTRATION_CANNOT_BE_REPLACED",
            "IN_ANALYSIS",
        ),
        (BLACKLISTED, 30, "NOT_RETRY", "BLACKLISTED"),
    ];
    for (cpf, wait, code, status) in cases {
        sb.register(&token, cpf).await;
        sb.advance(wait).await;
        let before = sb.detailed(&token, cpf).await;
        assert_eq!(before["status"], status);
        let mut changed = registration(cpf);
        changed["email"] = json!("outro@example.com.br");
        let (http, got) = error_code(sb.put(&token, cpf, &changed).await).await;
        assert_eq!((http, got.as_str()), (409, code), "{cpf}");
        assert_eq!(sb.detailed(&token, cpf).await, before, "{cpf} unchanged");
    }
    // Canceled customers cannot come back either.
    let cancel = sb
        .call(
            Method::PATCH,
            &format!("/bankly/customers/{APPROVED_AT_ONCE}/cancel"),
            &token,
        )
        .json(&json!({"reason": "COMMERCIAL_DISAGREEMENT"}))
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 202);
    let (http, code) = error_code(
        sb.put(&token, APPROVED_AT_ONCE, &registration(APPROVED_AT_ONCE))
            .await,
    )
    .await;
    assert_eq!(
        (http, code.as_str()),
        (409, "CUSTOMER_REGISTRATION_CANNOT_BE_REPLACED")
    );
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reproved_customer_may_register_again_and_starts_over() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    sb.register(&token, REPROVED_MISMATCH).await;
    sb.advance(30).await;
    let reproved = sb.detailed(&token, REPROVED_MISMATCH).await;
    assert_eq!(reproved["status"], "REPROVED");
    let mut fixed = registration(REPROVED_MISMATCH);
    fixed["registerName"] = json!("Nome Corrigido da Silva");
    assert_eq!(
        sb.put(&token, REPROVED_MISMATCH, &fixed).await.status(),
        202
    );
    let again = sb.detailed(&token, REPROVED_MISMATCH).await;
    assert_eq!(again["status"], "PENDING_APPROVAL");
    assert_eq!(again["reasons"], json!([]));
    assert_eq!(again["registerName"], "Nome Corrigido da Silva");
    assert_eq!(
        again["createdAt"], reproved["createdAt"],
        "first registration date kept"
    );
    sb.stop().await;
}

/// Every legal move the control API can order, from the status it needs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_api_applies_every_legal_transition() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    let cpfs = [
        "52998224725",
        "11144477735",
        "12345678909",
        "98765432100",
        "24681357928",
        "13579246828",
        "31415926590",
    ];
    let moves: Vec<(Vec<Value>, &str, Value)> = vec![
        (vec![], "APPROVED", json!([])),
        (vec![], "IN_ANALYSIS", json!([])),
        (vec![], "REPROVED", json!(["FRAUD_SUSPECTED"])),
        (
            vec![],
            "BLACKLISTED",
            json!(["NOT_RETRY", "FRAUD_SUSPECTED"]),
        ),
        (
            vec![json!({"status": "IN_ANALYSIS"})],
            "APPROVED",
            json!([]),
        ),
        (
            vec![json!({"status": "IN_ANALYSIS"})],
            "REPROVED",
            json!(["NAME_MISMATCH"]),
        ),
        (vec![json!({"status": "APPROVED"})], "CANCELED", json!([])),
    ];
    for (cpf, (before, to, reasons)) in cpfs.iter().zip(moves) {
        sb.register(&token, cpf).await;
        for b in before {
            assert_eq!(sb.kyc(cpf, b).await.status(), 200);
        }
        let given: Vec<Value> = reasons
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| *r != "NOT_RETRY")
            .cloned()
            .collect();
        let r = sb.kyc(cpf, json!({"status": to, "reasons": given})).await;
        assert_eq!(r.status(), 200, "{cpf} -> {to}");
        let detailed = sb.detailed(&token, cpf).await;
        assert_eq!(detailed["status"], to, "{cpf}");
        assert_eq!(detailed["reasons"], reasons, "{cpf}");
        // The automatic plan is dropped: time passing changes nothing any more.
        sb.advance(120).await;
        assert_eq!(sb.status(&token, cpf).await, to, "{cpf} after the delay");
    }
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_api_refuses_every_illegal_transition_and_changes_nothing() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    // (how to get there, status, moves that must be refused)
    let cases: Vec<(&str, Vec<Value>, &str, Vec<&str>)> = vec![
        (
            "52998224725",
            vec![],
            "PENDING_APPROVAL",
            vec!["PENDING_APPROVAL", "CANCELED"],
        ),
        (
            "11144477735",
            vec![json!({"status": "IN_ANALYSIS"})],
            "IN_ANALYSIS",
            vec!["PENDING_APPROVAL", "IN_ANALYSIS", "BLACKLISTED", "CANCELED"],
        ),
        (
            "12345678909",
            vec![json!({"status": "APPROVED"})],
            "APPROVED",
            vec![
                "PENDING_APPROVAL",
                "IN_ANALYSIS",
                "APPROVED",
                "REPROVED",
                "BLACKLISTED",
            ],
        ),
        (
            "98765432100",
            vec![json!({"status": "REPROVED", "reasons": ["DOCUMENT_MISMATCH"]})],
            "REPROVED",
            vec![
                "PENDING_APPROVAL",
                "IN_ANALYSIS",
                "APPROVED",
                "REPROVED",
                "BLACKLISTED",
                "CANCELED",
            ],
        ),
        (
            "24681357928",
            vec![json!({"status": "BLACKLISTED"})],
            "BLACKLISTED",
            vec![
                "PENDING_APPROVAL",
                "IN_ANALYSIS",
                "APPROVED",
                "REPROVED",
                "BLACKLISTED",
                "CANCELED",
            ],
        ),
        (
            "13579246828",
            vec![json!({"status": "APPROVED"}), json!({"status": "CANCELED"})],
            "CANCELED",
            vec![
                "PENDING_APPROVAL",
                "IN_ANALYSIS",
                "APPROVED",
                "REPROVED",
                "BLACKLISTED",
                "CANCELED",
            ],
        ),
    ];
    for (cpf, path, status, refused) in cases {
        sb.register(&token, cpf).await;
        for step in path {
            assert_eq!(sb.kyc(cpf, step).await.status(), 200);
        }
        let before = sb.detailed(&token, cpf).await;
        assert_eq!(before["status"], status);
        for to in refused {
            let reasons = if to == "REPROVED" {
                json!(["DOCUMENT_MISMATCH"])
            } else {
                json!([])
            };
            let r = sb.kyc(cpf, json!({"status": to, "reasons": reasons})).await;
            assert_eq!(r.status(), 409, "{status} -> {to} must be refused");
            let body: Value = r.json().await.unwrap();
            assert!(
                body["message"]
                    .as_str()
                    .unwrap()
                    .contains("not a legal KYC transition"),
                "{body}"
            );
            assert_eq!(
                sb.detailed(&token, cpf).await,
                before,
                "{status} -> {to} left it unchanged"
            );
        }
    }
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_api_checks_status_reasons_and_customer() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    sb.register(&token, STAYS_PENDING).await;
    let bad = [
        json!({"status": "REPROVED"}),
        json!({"status": "REPROVED", "reasons": ["NOT_A_REASON"]}),
        json!({"status": "APPROVED", "reasons": ["UNDERAGE"]}),
        json!({"status": "DONE"}),
        json!({"reasons": []}),
    ];
    for body in bad {
        assert_eq!(
            sb.kyc(STAYS_PENDING, body.clone()).await.status(),
            400,
            "{body}"
        );
    }
    assert_eq!(sb.status(&token, STAYS_PENDING).await, "PENDING_APPROVAL");
    assert_eq!(
        sb.kyc("52998224725", json!({"status": "APPROVED"}))
            .await
            .status(),
        404
    );
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_updates_contact_data_of_approved_customers_only() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    let patch = |cpf: &str, body: Value| {
        sb.call(Method::PATCH, &format!("/bankly/customers/{cpf}"), &token)
            .json(&body)
            .send()
    };
    sb.register(&token, STAYS_PENDING).await;
    let r = patch(
        STAYS_PENDING,
        json!({"data": {"email": "novo@example.com.br"}}),
    )
    .await
    .unwrap();
    assert!(r.headers()["allow"].to_str().unwrap().contains("GET"));
    let (status, code) = error_code(r).await;
    assert_eq!((status, code.as_str()), (405, "METHOD_NOT_ALLOWED"));

    sb.register(&token, APPROVED_AT_ONCE).await;
    let before = sb.detailed(&token, APPROVED_AT_ONCE).await;
    sb.advance(5).await;
    let change = json!({"data": {
        "email": "novo@example.com.br",
        "phone": {"countryCode": "+55", "number": "21987654321"},
        "address": {"zipCode": "20040002", "addressLine": "Rua da Assembleia", "buildingNumber": "10",
                    "neighborhood": "Centro", "city": "Rio de Janeiro", "state": "RJ", "country": "BR"}
    }});
    assert_eq!(
        patch(APPROVED_AT_ONCE, change.clone())
            .await
            .unwrap()
            .status(),
        202
    );
    let after = sb.detailed(&token, APPROVED_AT_ONCE).await;
    assert_eq!(after["email"], "novo@example.com.br");
    assert_eq!(
        after["phone"],
        json!({"countryCode": "55", "number": "21987654321"})
    );
    assert_eq!(after["address"], change["data"]["address"]);
    assert_eq!(after["status"], before["status"]);
    assert_eq!(after["profile"], before["profile"]);
    assert_eq!(after["registerName"], before["registerName"]);
    assert_ne!(after["updatedAt"], before["updatedAt"]);

    // Identity, status and profile cannot change; bad values are named like in a registration.
    let refused = [
        (
            json!({"data": {"registerName": "Outro Nome"}}),
            "data.registerName",
        ),
        (json!({"data": {"status": "APPROVED"}}), "data.status"),
        (json!({"data": {"profile": "SIMPLE"}}), "data.profile"),
        (
            json!({"data": {"phone": {"countryCode": "55", "number": "20987654321"}}}),
            "data.phone.number",
        ),
        (
            json!({"data": {"address": {"zipCode": "01310100", "addressLine": "A", "buildingNumber": "1", "neighborhood": "B", "city": "C", "state": "RJ", "country": "BR"}}}),
            "data.address.zipCode",
        ),
        (json!({"data": {}}), "data"),
        (json!({"email": "x@example.com"}), "data"),
    ];
    for (body, property) in refused {
        let r = patch(APPROVED_AT_ONCE, body.clone()).await.unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let errors: Value = r.json().await.unwrap();
        assert_eq!(
            errors["errors"][0]["propertyName"], property,
            "{body}: {errors}"
        );
    }
    assert_eq!(sb.detailed(&token, APPROVED_AT_ONCE).await, after);
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_offboards_an_approved_customer_once() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    let cancel = |cpf: &str, reason: &str| {
        sb.call(
            Method::PATCH,
            &format!("/bankly/customers/{cpf}/cancel"),
            &token,
        )
        .json(&json!({"reason": reason}))
        .send()
    };
    sb.register(&token, APPROVED_AT_ONCE).await;
    let r = cancel(APPROVED_AT_ONCE, "GOODBYE").await.unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["propertyName"], "reason");
    assert_eq!(
        cancel(APPROVED_AT_ONCE, "HOLDER_REQUEST")
            .await
            .unwrap()
            .status(),
        202
    );
    assert_eq!(sb.status(&token, APPROVED_AT_ONCE).await, "CANCELED");
    let (status, code) =
        error_code(cancel(APPROVED_AT_ONCE, "HOLDER_REQUEST").await.unwrap()).await;
    assert_eq!(
        (status, code.as_str()),
        (409, "HOLDER_HAS_ALREADY_BEEN_CANCELED")
    );

    sb.register(&token, STAYS_PENDING).await;
    let (status, code) = error_code(cancel(STAYS_PENDING, "HOLDER_REQUEST").await.unwrap()).await;
    assert_eq!(
        (status, code.as_str()),
        (409, "CUSTOMER_CANNOT_BE_CANCELED")
    );
    assert_eq!(sb.status(&token, STAYS_PENDING).await, "PENDING_APPROVAL");
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_forgets_registrations_and_tokens() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    sb.register(&token, APPROVED_AT_ONCE).await;
    let r = sb.http.post(sb.url("/sandbox/reset")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(sb.get(&token, APPROVED_AT_ONCE, None).await.status(), 401);
    let fresh = sb.token(ALL_SCOPES).await;
    assert_eq!(sb.get(&fresh, APPROVED_AT_ONCE, None).await.status(), 404);
    sb.stop().await;
}

/// The two response examples of the vendor's documentation must be valid for our schema.
#[test]
fn vendor_examples_validate_against_the_customer_schema() {
    let specs = finsandbox::spec::SpecSet::load(
        &Default::default(),
        &finsandbox::sandbox::families::Registry,
    )
    .unwrap();
    let (_, op) = specs.operation("getCustomer").unwrap();
    let validator = op.response(200).unwrap().validator.as_ref().unwrap();
    let basic = json!({
        "documentNumber": "47742663023",
        "document": {"value": "47742663023", "type": "CPF"},
        "registerName": "Nísia Floresta",
        "socialName": "",
        "birthDate": "1790-09-30T00:00:00Z",
        "isPoliticallyExposedPerson": false,
        "profile": "SIMPLE",
        "status": "APPROVED",
        "createdAt": "2022-10-12T13:57:58.777Z",
        "updatedAt": "2022-10-12T13:57:59.367Z"
    });
    let detailed = json!({
        "documentNumber": "47742663023",
        "document": {"value": "47742663023", "type": "CPF"},
        "registerName": "Nísia Floresta",
        "socialName": "",
        "birthDate": "1790-09-30T00:00:00Z",
        "motherName": "Dionísia Gonçalves Pinto",
        "phone": {"countryCode": "55", "number": "23415162342"},
        "email": "[email protected]",
        "address": {"zipCode": "68060100", "addressLine": "Rua 6 de Março", "buildingNumber": "2500",
                    "neighborhood": "Alter do Chão", "city": "Santarém", "state": "PA", "country": "BR"},
        "profile": "COMPLETE",
        "status": "APPROVED",
        "createdAt": "2022-03-25T14:00:38.967Z",
        "updatedAt": "2022-07-18T17:47:28.593Z",
        "declaredIncome": "LESS_THAN_ONE_THOUSAND",
        "assertedIncome": {"currency": "BRL", "value": 500000},
        "confirmedIncome": "",
        "occupation": "909090",
        "pep": {"level": "NONE", "verified": false},
        "documentation": {"selfie": "ce1849509a3f4625867ead5768d5b068",
                          "idCardFront": "9c1974193d96446e84833742aed1db62",
                          "idCardBack": "71bb6d35ee7644fe8ef2b8e81eb19f98"}
    });
    for example in [basic, detailed] {
        assert_eq!(validator.findings(&example), vec![], "{example}");
    }
    // And the schema can fail: a status outside the enum is caught.
    let wrong = json!({"documentNumber": "47742663023", "document": {"value": "47742663023", "type": "CPF"},
                       "registerName": "x", "status": "ACTIVE", "profile": "SIMPLE",
                       "createdAt": "2022-10-12T13:57:58.777Z", "updatedAt": "2022-10-12T13:57:58.777Z"});
    assert!(!validator.findings(&wrong).is_empty());
}
