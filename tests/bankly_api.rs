//! Bankly over real sockets: tokens and scopes, headers, request validation field by field, error
//! shapes, and the rate limit. The sandbox runs with its spec self-check on, so any answer that
//! contradicts `specs/bankly/customers.yaml` fails the test as a 500.

mod bankly_support;

use bankly_support::*;
use finsandbox::sandbox::families::bankly::BanklyConfig;
use reqwest::Method;
use serde_json::{Value, json};

async fn errors_of(r: reqwest::Response) -> (u16, Vec<Value>, String) {
    let status = r.status().as_u16();
    let correlation = r
        .headers()
        .get("x-correlation-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body: Value = r.json().await.expect("error body is JSON");
    assert_eq!(
        body["reference"], correlation,
        "reference equals x-correlation-id"
    );
    let errors = body["errors"].as_array().cloned().expect("errors array");
    (status, errors, correlation)
}

fn properties(errors: &[Value]) -> Vec<String> {
    errors
        .iter()
        .map(|e| e["propertyName"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoint_issues_a_bearer_token_with_the_requested_scopes() {
    let sb = Sandbox::start(config()).await;
    let r = sb
        .http
        .post(sb.url("/bankly/oauth2/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "fintech-1"),
            ("scope", "customer.read customer.write"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "customer.read customer.write");
    assert!(body["access_token"].as_str().unwrap().len() >= 32);
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_token_requests_get_oauth_errors() {
    let sb = Sandbox::start(config()).await;
    let eleven =
        "customer.read customer.write customer.update customer.cancel webhook.write a b c d e f";
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![("client_id", "c"), ("scope", "customer.read")],
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "password"),
                ("client_id", "c"),
                ("scope", "customer.read"),
            ],
            "unsupported_grant_type",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("scope", "customer.read"),
            ],
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", "c"),
                ("scope", eleven),
            ],
            "invalid_scope",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", "c"),
                ("scope", "account.read"),
            ],
            "invalid_scope",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", "c"),
                ("scope", "   "),
            ],
            "invalid_scope",
        ),
    ];
    for (pairs, expected) in cases {
        let r = sb
            .http
            .post(sb.url("/bankly/oauth2/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&pairs))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{pairs:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"], expected, "{pairs:?}: {body}");
        assert!(
            body["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
    }
    let json_body = sb
        .http
        .post(sb.url("/bankly/oauth2/token"))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body.status(), 400);
    let body: Value = json_body.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_scopes_are_the_most_a_token_carries() {
    let sb = Sandbox::start(config()).await;
    // Five distinct scopes, repeated to ten words: duplicates count once.
    let ten = format!("{ALL_SCOPES} {ALL_SCOPES}");
    let token = sb.token(&ten).await;
    assert!(!token.is_empty());
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_operation_needs_its_scope_and_403s_without_it() {
    let sb = Sandbox::start(config()).await;
    let cpf = APPROVED_AT_ONCE;
    let cases: Vec<(&str, Method, String, Option<Value>)> = vec![
        (
            "customer.read",
            Method::GET,
            format!("/bankly/customers/{cpf}"),
            None,
        ),
        (
            "customer.write",
            Method::PUT,
            format!("/bankly/customers/{cpf}"),
            Some(registration(cpf)),
        ),
        (
            "customer.update",
            Method::PATCH,
            format!("/bankly/customers/{cpf}"),
            Some(json!({"data": {"email": "novo@example.com.br"}})),
        ),
        (
            "customer.cancel",
            Method::PATCH,
            format!("/bankly/customers/{cpf}/cancel"),
            Some(json!({"reason": "HOLDER_REQUEST"})),
        ),
        (
            "webhook.write",
            Method::POST,
            "/bankly/webhooks/configurations".to_string(),
            Some(
                json!({"name": "n", "eventName": "CUSTOMER_WAS_APPROVED", "context": "Customer",
                        "uri": "http://127.0.0.1:9/x", "privateKey": "c2VjcmV0", "publicKey": "p"}),
            ),
        ),
    ];
    for (scope, method, path, body) in &cases {
        let others: Vec<&str> = ALL_SCOPES.split(' ').filter(|s| s != scope).collect();
        let without = sb.token(&others.join(" ")).await;
        let mut req = sb.call(method.clone(), path, &without);
        if let Some(b) = body {
            req = req.json(b);
        }
        let (status, errors, _) = errors_of(req.send().await.unwrap()).await;
        assert_eq!(status, 403, "{method} {path} without {scope}");
        assert_eq!(errors[0]["code"], "FORBIDDEN");
        assert!(errors[0]["messages"][0].as_str().unwrap().contains(scope));
    }
    // With only the scope it needs, each operation gets past authorisation.
    for (scope, method, path, body) in &cases {
        let only = sb.token(scope).await;
        let mut req = sb.call(method.clone(), path, &only);
        if let Some(b) = body {
            req = req.json(b);
        }
        let status = req.send().await.unwrap().status().as_u16();
        assert!(
            ![401, 403, 500].contains(&status),
            "{method} {path} with {scope} got {status}"
        );
    }
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_unknown_and_expired_tokens_get_401() {
    let sb = Sandbox::start(config()).await;
    let path = sb.url(&format!("/bankly/customers/{APPROVED_AT_ONCE}"));
    let no_token = sb
        .http
        .get(&path)
        .header("api-version", "1")
        .send()
        .await
        .unwrap();
    let (status, errors, _) = errors_of(no_token).await;
    assert_eq!(
        (status, errors[0]["code"].as_str()),
        (401, Some("UNAUTHORIZED"))
    );
    let unknown = sb.call(
        Method::GET,
        &format!("/bankly/customers/{APPROVED_AT_ONCE}"),
        "nope",
    );
    assert_eq!(unknown.send().await.unwrap().status(), 401);

    let token = sb.token(ALL_SCOPES).await;
    sb.register(&token, APPROVED_AT_ONCE).await;
    // Well inside the hour, then past it (the clock has whole seconds; keep clear of the edge).
    sb.advance(3000).await;
    assert_eq!(sb.get(&token, APPROVED_AT_ONCE, None).await.status(), 200);
    sb.advance(700).await;
    let (status, errors, _) = errors_of(sb.get(&token, APPROVED_AT_ONCE, None).await).await;
    assert_eq!(status, 401);
    assert!(
        errors[0]["messages"][0]
            .as_str()
            .unwrap()
            .contains("expirado")
    );
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_version_header_is_required_and_checked() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    let path = sb.url(&format!("/bankly/customers/{APPROVED_AT_ONCE}"));
    let missing = sb.http.get(&path).bearer_auth(&token).send().await.unwrap();
    let (status, errors, _) = errors_of(missing).await;
    assert_eq!(status, 400);
    assert_eq!(properties(&errors), ["api-version"]);
    let wrong = sb
        .http
        .get(&path)
        .bearer_auth(&token)
        .header("api-version", "2")
        .send()
        .await
        .unwrap();
    let (status, errors, _) = errors_of(wrong).await;
    assert_eq!(status, 400);
    assert_eq!(properties(&errors), ["api-version"]);
    let fine = sb
        .http
        .get(&path)
        .bearer_auth(&token)
        .header("api-version", "1.0")
        .send()
        .await
        .unwrap();
    assert_eq!(
        fine.status(),
        404,
        "1.0 is accepted (and the customer is unknown)"
    );
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn correlation_id_is_echoed_and_a_bad_one_is_refused() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    let path = format!("/bankly/customers/{APPROVED_AT_ONCE}");
    let r = sb
        .call(Method::PUT, &path, &token)
        .header("x-correlation-id", "fintech-req-42")
        .json(&registration(APPROVED_AT_ONCE))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers()["x-correlation-id"], "fintech-req-42");
    let generated = sb.get(&token, APPROVED_AT_ONCE, None).await;
    let id = generated.headers()["x-correlation-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    let too_long = "x".repeat(101);
    let bad = sb
        .call(Method::GET, &path, &token)
        .header("x-correlation-id", too_long.as_str())
        .send()
        .await
        .unwrap();
    let (status, errors, _) = errors_of(bad).await;
    assert_eq!(status, 400);
    assert_eq!(properties(&errors), ["x-correlation-id"]);
    sb.stop().await;
}

/// How to spoil a valid registration.
type Spoiler = Box<dyn Fn(&mut Value)>;

/// (what to break, how, the propertyName that must name it)
fn invalid_cases() -> Vec<(&'static str, Spoiler, &'static str)> {
    vec![
        (
            "registerName missing",
            Box::new(|b: &mut Value| {
                b.as_object_mut().unwrap().remove("registerName");
            }),
            "registerName",
        ),
        (
            "registerName one word",
            Box::new(|b: &mut Value| b["registerName"] = json!("Maria")),
            "registerName",
        ),
        (
            "birthDate impossible",
            Box::new(|b: &mut Value| b["birthDate"] = json!("1990-02-30")),
            "birthDate",
        ),
        (
            "birthDate in the future",
            Box::new(|b: &mut Value| b["birthDate"] = json!("2999-01-01")),
            "birthDate",
        ),
        (
            "birthDate masked",
            Box::new(|b: &mut Value| b["birthDate"] = json!("30/01/1990")),
            "birthDate",
        ),
        (
            "phone country",
            Box::new(|b: &mut Value| b["phone"]["countryCode"] = json!("1")),
            "phone.countryCode",
        ),
        (
            "phone unused DDD",
            Box::new(|b: &mut Value| b["phone"]["number"] = json!("23987654321")),
            "phone.number",
        ),
        (
            "phone mobile without 9",
            Box::new(|b: &mut Value| b["phone"]["number"] = json!("11887654321")),
            "phone.number",
        ),
        (
            "phone with mask",
            Box::new(|b: &mut Value| b["phone"]["number"] = json!("(11) 98765-4321")),
            "phone.number",
        ),
        (
            "phone missing number",
            Box::new(|b: &mut Value| {
                b["phone"].as_object_mut().unwrap().remove("number");
            }),
            "phone.number",
        ),
        (
            "zipCode masked",
            Box::new(|b: &mut Value| b["address"]["zipCode"] = json!("01310-100")),
            "address.zipCode",
        ),
        (
            "zipCode of another UF",
            Box::new(|b: &mut Value| {
                b["address"]["zipCode"] = json!("01310100");
                b["address"]["state"] = json!("RJ");
            }),
            "address.zipCode",
        ),
        (
            "zipCode outside every range",
            Box::new(|b: &mut Value| b["address"]["zipCode"] = json!("00000000")),
            "address.zipCode",
        ),
        (
            "state unknown",
            Box::new(|b: &mut Value| b["address"]["state"] = json!("XX")),
            "address.state",
        ),
        (
            "state lower case",
            Box::new(|b: &mut Value| b["address"]["state"] = json!("sp")),
            "address.state",
        ),
        (
            "country not BR",
            Box::new(|b: &mut Value| b["address"]["country"] = json!("Brasil")),
            "address.country",
        ),
        (
            "city blank",
            Box::new(|b: &mut Value| b["address"]["city"] = json!("  ")),
            "address.city",
        ),
        (
            "addressLine missing",
            Box::new(|b: &mut Value| {
                b["address"].as_object_mut().unwrap().remove("addressLine");
            }),
            "address.addressLine",
        ),
        (
            "email",
            Box::new(|b: &mut Value| b["email"] = json!("maria.example.com")),
            "email",
        ),
        (
            "motherName blank",
            Box::new(|b: &mut Value| b["motherName"] = json!("   ")),
            "motherName",
        ),
        (
            "motherName missing",
            Box::new(|b: &mut Value| {
                b.as_object_mut().unwrap().remove("motherName");
            }),
            "motherName",
        ),
        (
            "income negative",
            Box::new(|b: &mut Value| b["assertedIncome"]["value"] = json!(-10)),
            "assertedIncome.value",
        ),
        (
            "income currency",
            Box::new(|b: &mut Value| b["assertedIncome"]["currency"] = json!("USD")),
            "assertedIncome.currency",
        ),
        (
            "income as text",
            Box::new(|b: &mut Value| b["assertedIncome"]["value"] = json!("4500")),
            "assertedIncome.value",
        ),
        (
            "declaredIncome unknown",
            Box::new(|b: &mut Value| b["declaredIncome"] = json!("A_LOT")),
            "declaredIncome",
        ),
        (
            "pep level",
            Box::new(|b: &mut Value| b["pep"]["level"] = json!("MAYBE")),
            "pep.level",
        ),
        (
            "occupation",
            Box::new(|b: &mut Value| b["occupation"] = json!("2522-10")),
            "occupation",
        ),
        (
            "selfie token",
            Box::new(|b: &mut Value| b["documentation"]["selfie"] = json!("not-a-token")),
            "documentation.selfie",
        ),
        (
            "same token twice",
            Box::new(|b: &mut Value| {
                b["documentation"]["idCardBack"] = b["documentation"]["idCardFront"].clone()
            }),
            "documentation.idCardBack",
        ),
        (
            "documentation missing",
            Box::new(|b: &mut Value| {
                b.as_object_mut().unwrap().remove("documentation");
            }),
            "documentation",
        ),
        (
            "nationality not boolean",
            Box::new(|b: &mut Value| b["hasBrazilianNationality"] = json!("sim")),
            "hasBrazilianNationality",
        ),
        (
            "socialName too long",
            Box::new(|b: &mut Value| b["socialName"] = json!("a".repeat(151))),
            "socialName",
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_invalid_field_is_reported_under_its_property_name() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    let cpf = "52998224725";
    for (what, breaks, property) in invalid_cases() {
        let mut body = registration(cpf);
        breaks(&mut body);
        let (status, errors, _) = errors_of(sb.put(&token, cpf, &body).await).await;
        assert_eq!(status, 400, "{what}");
        assert_eq!(properties(&errors), [property], "{what}: {errors:?}");
        assert_eq!(errors[0]["code"], "INVALID_PARAMETER", "{what}");
        let message = errors[0]["messages"][0].as_str().unwrap_or_default();
        assert!(message.len() > 5, "{what}: {message}");
    }
    // Nothing was registered by any of them.
    assert_eq!(sb.get(&token, cpf, None).await.status(), 404);
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_invalid_fields_are_all_reported_at_once() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    let mut body = registration("52998224725");
    body["email"] = json!("x");
    body["address"]["zipCode"] = json!("1");
    body["pep"]["level"] = json!("?");
    let (status, errors, _) = errors_of(sb.put(&token, "52998224725", &body).await).await;
    assert_eq!(status, 400);
    let mut props = properties(&errors);
    props.sort();
    assert_eq!(props, ["address.zipCode", "email", "pep.level"]);
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_cpf_with_wrong_check_digits_is_refused() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    for cpf in ["52998224726", "5299822472", "529.982.247-25", "11111111111"] {
        let (status, errors, _) =
            errors_of(sb.put(&token, cpf, &registration("52998224725")).await).await;
        assert_eq!(status, 400, "{cpf}");
        assert_eq!(properties(&errors), ["documentNumber"], "{cpf}");
    }
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_wrong_content_type_and_oversize_bodies_are_refused() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    let path = "/bankly/customers/52998224725";
    let malformed = sb
        .call(Method::PUT, path, &token)
        .header("content-type", "application/json")
        .body("{\"registerName\": ")
        .send()
        .await
        .unwrap();
    let (status, errors, _) = errors_of(malformed).await;
    assert_eq!(status, 400);
    assert!(errors[0]["messages"][0].as_str().unwrap().contains("JSON"));

    let not_object = sb
        .call(Method::PUT, path, &token)
        .json(&json!([1, 2]))
        .send()
        .await
        .unwrap();
    assert_eq!(errors_of(not_object).await.0, 400);

    let text = sb
        .call(Method::PUT, path, &token)
        .header("content-type", "text/plain")
        .body(registration("52998224725").to_string())
        .send()
        .await
        .unwrap();
    let (status, errors, _) = errors_of(text).await;
    assert_eq!(status, 415);
    assert_eq!(errors[0]["code"], "UNSUPPORTED_MEDIA_TYPE");

    let huge = json!({"registerName": "x".repeat(70 * 1024)});
    let big = sb
        .call(Method::PUT, path, &token)
        .json(&huge)
        .send()
        .await
        .unwrap();
    let (status, errors, _) = errors_of(big).await;
    assert_eq!(status, 413);
    assert_eq!(errors[0]["code"], "PAYLOAD_TOO_LARGE");

    let json_accept = sb
        .call(Method::GET, path, &token)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(errors_of(json_accept).await.0, 406);
    // The sandbox is still fine and nothing was stored.
    assert_eq!(sb.get(&token, "52998224725", None).await.status(), 404);
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_and_methods_get_bankly_errors() {
    let sb = Sandbox::start(config()).await;
    let r = sb
        .http
        .get(sb.url("/bankly/accounts"))
        .send()
        .await
        .unwrap();
    let (status, errors, _) = errors_of(r).await;
    assert_eq!(
        (status, errors[0]["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );
    let r = sb
        .http
        .delete(sb.url("/bankly/customers/52998224725"))
        .send()
        .await
        .unwrap();
    let allow = r.headers()["allow"].to_str().unwrap().to_string();
    let (status, errors, _) = errors_of(r).await;
    assert_eq!(
        (status, errors[0]["code"].as_str()),
        (405, Some("METHOD_NOT_ALLOWED"))
    );
    assert!(allow.contains("GET") && allow.contains("PUT"), "{allow}");
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_than_180_requests_in_10_seconds_get_429_with_retry_after() {
    let sb = Sandbox::start(config()).await;
    let token = sb.token_for("busy-client", "customer.read").await;
    let path = format!("/bankly/customers/{APPROVED_AT_ONCE}");
    for i in 0..180 {
        let r = sb.call(Method::GET, &path, &token).send().await.unwrap();
        assert_eq!(r.status(), 404, "request {i} is within the limit");
    }
    let r = sb.call(Method::GET, &path, &token).send().await.unwrap();
    let retry_after: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&retry_after), "{retry_after}");
    let (status, errors, _) = errors_of(r).await;
    assert_eq!(status, 429);
    assert_eq!(errors[0]["code"], "TOO_MANY_REQUESTS");
    // Another client has its own window.
    let other = sb.token_for("quiet-client", "customer.read").await;
    assert_eq!(
        sb.call(Method::GET, &path, &other)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_switched_off_never_answers_429() {
    let sb = Sandbox::start(BanklyConfig {
        rate_limit: false,
        ..config()
    })
    .await;
    let token = sb.token("customer.read").await;
    let path = format!("/bankly/customers/{APPROVED_AT_ONCE}");
    for i in 0..200 {
        let r = sb.call(Method::GET, &path, &token).send().await.unwrap();
        assert_eq!(r.status(), 404, "request {i}");
    }
    sb.stop().await;
}
