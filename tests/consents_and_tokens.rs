//! Consents v3 creation rules (every 422 code), bad input on consents and the token endpoint, and
//! proof that rejected requests leave no trace in the sandbox's state.

mod common;

use common::*;
use serde_json::{Value, json};

async fn consent_count(env: &Env) -> u64 {
    env.get("/sandbox/consents", None, None).await.body["count"]
        .as_u64()
        .expect("count")
}

async fn post_raw(env: &Env, token: &str, content_type: &str, body: Vec<u8>) -> Reply {
    reply(
        env.http
            .post(env.url("/open-banking/consents/v3/consents"))
            .bearer_auth(token)
            .header("x-fapi-interaction-id", iid())
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request"),
    )
    .await
}

#[tokio::test]
async fn each_creation_rule_gets_its_422_code_and_creates_nothing() {
    let env = start().await;
    let token = env.client_token().await;
    let cases: Vec<(&str, Value)> = vec![
        (
            "PERMISSAO_PF_PJ_EM_CONJUNTO",
            consent_body(
                HAPPY_CPF,
                Some(HAPPY_CNPJ),
                &[
                    "CUSTOMERS_PERSONAL_IDENTIFICATIONS_READ",
                    "CUSTOMERS_BUSINESS_IDENTIFICATIONS_READ",
                    "RESOURCES_READ",
                ],
            ),
        ),
        (
            "INFORMACOES_PJ_NAO_INFORMADAS",
            consent_body(HAPPY_CPF, None, PJ_PERMISSIONS),
        ),
        (
            "PERMISSOES_PJ_INCORRETAS",
            consent_body(HAPPY_CPF, Some(HAPPY_CNPJ), PF_PERMISSIONS),
        ),
        (
            "COMBINACAO_PERMISSOES_INCORRETA",
            consent_body(
                HAPPY_CPF,
                None,
                &["CUSTOMERS_PERSONAL_IDENTIFICATIONS_READ"],
            ),
        ),
        (
            "COMBINACAO_PERMISSOES_INCORRETA",
            consent_body(HAPPY_CPF, None, &["ACCOUNTS_READ", "RESOURCES_READ"]),
        ),
        (
            "SEM_PERMISSOES_FUNCIONAIS_RESTANTES",
            consent_body(
                HAPPY_CPF,
                None,
                &["ACCOUNTS_READ", "ACCOUNTS_BALANCES_READ", "RESOURCES_READ"],
            ),
        ),
        ("DATA_EXPIRACAO_INVALIDA", {
            let mut b = consent_body(HAPPY_CPF, None, PF_PERMISSIONS);
            b["data"]["expirationDateTime"] = json!("2020-01-01T00:00:00Z");
            b
        }),
        ("DATA_EXPIRACAO_INVALIDA", {
            let mut b = consent_body(HAPPY_CPF, None, PF_PERMISSIONS);
            let far = (chrono::Utc::now() + chrono::Duration::days(400))
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            b["data"]["expirationDateTime"] = json!(far);
            b
        }),
    ];
    for (code, body) in cases {
        let r = env.post_consent(&token, &body).await;
        assert_eq!(r.status, 422, "{code}: {}", r.text);
        assert_eq!(r.error_code(), code, "{}", r.text);
        assert!(r.body["errors"][0]["detail"].as_str().unwrap().len() > 20);
    }
    assert_eq!(consent_count(&env).await, 0);
    env.stop().await;
}

#[tokio::test]
async fn unsupported_products_are_removed_from_a_new_consent() {
    let env = start().await;
    let token = env.client_token().await;
    let mut permissions = PF_PERMISSIONS.to_vec();
    permissions.extend(["ACCOUNTS_READ", "ACCOUNTS_BALANCES_READ"]);
    let r = env
        .post_consent(&token, &consent_body(HAPPY_CPF, None, &permissions))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let granted: Vec<&str> = r.body["data"]["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(granted, PF_PERMISSIONS);
    assert_eq!(r.body["data"]["status"], "AWAITING_AUTHORISATION");
    assert_eq!(r.header("x-v"), Some("3.3.1"));
    env.stop().await;
}

#[tokio::test]
async fn bad_consent_requests_get_400_and_create_nothing() {
    let env = start().await;
    let token = env.client_token().await;
    let mut unknown_permission = consent_body(HAPPY_CPF, None, PF_PERMISSIONS);
    unknown_permission["data"]["permissions"] =
        json!(["CUSTOMERS_SHOE_SIZE_READ", "RESOURCES_READ"]);
    let mut wrong_type = consent_body(HAPPY_CPF, None, PF_PERMISSIONS);
    wrong_type["data"]["permissions"] = json!("CUSTOMERS_PERSONAL_IDENTIFICATIONS_READ");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("malformed JSON", b"{\"data\": {".to_vec(), "not valid JSON"),
        ("empty body", Vec::new(), "empty"),
        ("JSON array", b"[]".to_vec(), "schema"),
        (
            "invalid CPF",
            consent_body("52998224726", None, PF_PERMISSIONS)
                .to_string()
                .into_bytes(),
            "not a valid CPF",
        ),
        (
            "invalid CNPJ",
            consent_body(HAPPY_CPF, Some("11444777000162"), PJ_PERMISSIONS)
                .to_string()
                .into_bytes(),
            "not a valid CNPJ",
        ),
        (
            "unknown permission",
            unknown_permission.to_string().into_bytes(),
            "CUSTOMERS_SHOE_SIZE_READ",
        ),
        (
            "wrong type",
            wrong_type.to_string().into_bytes(),
            "permissions",
        ),
        (
            "CPF with letters",
            consent_body("5299822472A", None, PF_PERMISSIONS)
                .to_string()
                .into_bytes(),
            "identification",
        ),
    ];
    for (what, body, needle) in cases {
        let r = post_raw(&env, &token, "application/json", body).await;
        assert_eq!(r.status, 400, "{what}: {}", r.text);
        let detail = r.body["errors"][0]["detail"].as_str().unwrap_or("");
        assert!(detail.contains(needle), "{what}: {detail}");
        assert!(r.body["meta"]["requestDateTime"].is_string(), "{what}");
    }
    let r = post_raw(&env, &token, "text/plain", b"hello".to_vec()).await;
    assert_eq!(r.status, 415, "{}", r.text);
    assert_eq!(consent_count(&env).await, 0);
    env.stop().await;
}

/// Sends raw bytes and reads the whole answer: reqwest would stop at a broken pipe while still
/// uploading, and the point is what the server answers.
async fn raw_exchange(env: &Env, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(env.sandbox.addr)
        .await
        .unwrap();
    stream.write_all(request).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut out),
    )
    .await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn oversize_body_gets_413_and_the_server_keeps_serving() {
    let env = start().await;
    let token = env.client_token().await;
    // Announced too large: refused before the body is read.
    let head = format!(
        "POST /open-banking/consents/v3/consents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         content-type: application/json\r\ncontent-length: 5000000\r\nconnection: close\r\n\r\n"
    );
    let answer = raw_exchange(&env, head.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"errors\""), "{answer}");
    assert!(
        answer.contains("larger than the sandbox accepts"),
        "{answer}"
    );
    // Chunked, no length announced: refused once the limit is crossed.
    let mut chunked = format!(
        "POST /open-banking/consents/v3/consents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         content-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    )
    .into_bytes();
    let chunk = vec![b' '; 32 * 1024];
    for _ in 0..4 {
        chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        chunked.extend_from_slice(&chunk);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let answer = raw_exchange(&env, &chunked).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // Nothing was created, and the server still serves.
    assert_eq!(consent_count(&env).await, 0);
    let id = env.consent(HAPPY_CPF, None, PF_PERMISSIONS).await;
    assert!(id.starts_with("urn:"));
    assert_eq!(consent_count(&env).await, 1);
    env.stop().await;
}

#[tokio::test]
async fn garbage_on_the_socket_does_not_take_the_server_down() {
    let env = start().await;
    let answer = raw_exchange(&env, b"\x16\x03\x01\x02\x00 not http at all\r\n\r\n").await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 400"),
        "{answer}"
    );
    let answer = raw_exchange(&env, b"GET /open-banking/customers/v2/personal/identifications HTTP/1.1\r\nHost: x\r\nx-fapi-interaction-id: \xff\xfe\r\nconnection: close\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert_eq!(env.client_token().await.len(), 64);
    env.stop().await;
}

#[tokio::test]
async fn consents_api_wants_a_client_credentials_token() {
    let env = start().await;
    let body = consent_body(HAPPY_CPF, None, PF_PERMISSIONS);
    let r = env.post_consent("nope", &body).await;
    assert_eq!(r.status, 401, "{}", r.text);
    let (_, consent_token) = env
        .consent_token(HAPPY_CPF, None, PF_PERMISSIONS, None)
        .await;
    let r = env.post_consent(&consent_token, &body).await;
    assert_eq!(r.status, 403, "{}", r.text);
    let r = env
        .get(
            "/open-banking/consents/v3/consents/urn:finsandbox:does-not-exist",
            Some(&env.client_token().await),
            Some(&iid()),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = env
        .get(
            "/open-banking/consents/v3/consents/not-a-urn",
            Some(&env.client_token().await),
            Some(&iid()),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    env.stop().await;
}

async fn token_call(env: &Env, form: &str) -> Reply {
    reply(
        env.http
            .post(env.url("/auth/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_string())
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn token_endpoint_answers_oauth_errors() {
    let env = start().await;
    for (form, error) in [
        ("grant_type=password&username=a", "unsupported_grant_type"),
        ("scope=consents", "invalid_request"),
        (
            "grant_type=client_credentials&scope=customers",
            "invalid_scope",
        ),
        (
            "grant_type=authorization_code&code=made-up",
            "invalid_grant",
        ),
        ("grant_type=authorization_code", "invalid_request"),
        (
            "grant_type=refresh_token&refresh_token=made-up",
            "invalid_grant",
        ),
    ] {
        let r = token_call(&env, form).await;
        assert_eq!(r.status, 400, "{form}: {}", r.text);
        assert_eq!(r.body["error"], error, "{form}");
        assert!(r.body["error_description"].is_string());
    }
    let r = reply(
        env.http
            .post(env.url("/auth/token"))
            .header("content-type", "application/json")
            .body("{\"grant_type\": \"client_credentials\"}")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.body["error"], "invalid_request");
    env.stop().await;
}

#[tokio::test]
async fn reused_code_is_refused_and_revokes_its_tokens() {
    let env = start().await;
    let id = env.consent(HAPPY_CPF, None, PF_PERMISSIONS).await;
    let code = env.authorise(&id, None).await;
    let first = env.exchange(&code).await;
    assert_eq!(first.status, 200);
    assert_eq!(
        first.body["scope"],
        format!("openid customers consent:{id}").as_str()
    );
    let token = first.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        env.customers(&token, "/personal/identifications")
            .await
            .status,
        200
    );
    let again = env.exchange(&code).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.body["error"], "invalid_grant");
    assert_eq!(
        env.customers(&token, "/personal/identifications")
            .await
            .status,
        401
    );
    env.stop().await;
}

#[tokio::test]
async fn refresh_works_until_the_consent_is_revoked() {
    let env = start().await;
    let id = env.consent(HAPPY_CPF, None, PF_PERMISSIONS).await;
    let code = env.authorise(&id, None).await;
    let tokens = env.exchange(&code).await;
    let refresh = tokens.body["refresh_token"].as_str().unwrap().to_string();
    let r = token_call(
        &env,
        &format!("grant_type=refresh_token&refresh_token={refresh}"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let fresh = r.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        env.customers(&fresh, "/personal/qualifications")
            .await
            .status,
        200
    );
    let r = env.revoke(&id).await;
    assert_eq!(r.status, 204, "{}", r.text);
    // Consents 3.x requires x-v on the 204 as on every success.
    let version = r.header("x-v").unwrap_or("(absent)");
    assert!(version.starts_with("3."), "{version}");
    let r = token_call(
        &env,
        &format!("grant_type=refresh_token&refresh_token={refresh}"),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"], "invalid_grant");
    env.stop().await;
}

#[tokio::test]
async fn control_api_rejects_bad_input_clearly() {
    let env = start().await;
    let id = env.consent(HAPPY_CPF, None, PF_PERMISSIONS).await;
    let r = env
        .control(
            reqwest::Method::POST,
            &format!("/sandbox/consents/{id}/authorise"),
            json!({"multipleApproval": "MAYBE"}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body["message"].as_str().unwrap().contains("MAYBE"));
    let r = env
        .control(
            reqwest::Method::PUT,
            "/sandbox/customers/52998224726/status",
            json!({"status": "ACTIVE"}),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = env
        .control(
            reqwest::Method::POST,
            "/sandbox/clock",
            json!({"advanceSeconds": -5}),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = env
        .control(
            reqwest::Method::POST,
            "/sandbox/consents/urn:x:y/authorise",
            json!({}),
        )
        .await;
    assert_eq!(r.status, 404);
    // The consent is untouched by all of that.
    let list = env.get("/sandbox/consents", None, None).await;
    assert_eq!(list.body["consents"][0]["status"], "AWAITING_AUTHORISATION");
    // Reset forgets everything.
    env.control(reqwest::Method::POST, "/sandbox/reset", json!({}))
        .await;
    assert_eq!(consent_count(&env).await, 0);
    env.stop().await;
}
