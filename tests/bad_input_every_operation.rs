//! Bad input on every operation of every family the sandbox serves, over real sockets, with the
//! self-check on: each answer must be the 4xx the spec declares for the operation, in the body,
//! content type and headers it declares (a violation would come back as a 500 and fail here).
//!
//! The operations and their parameters come from the specs themselves, so an operation or a header
//! added to a spec is covered without touching this file.

mod common;

use common::{Env, reply};
use finsandbox::spec::{ApiSpec, Operation, ParamLocation, Parameter};
use reqwest::Method;
use serde_json::{Value, json};

/// Tokens a well-behaved client holds: one per kind of operation.
struct Tokens {
    personal: String,
    business: String,
    client: String,
    bankly: String,
    zarv: String,
    /// For every other document with a token endpoint of its own, by base path.
    own: Vec<(String, String)>,
}

/// A token with every scope of `spec` from the document's own client-credentials endpoint (an
/// open operation taking a form with `grant_type`), when it has one.
async fn own_token(env: &Env, spec: &ApiSpec) -> Option<String> {
    let endpoint = spec.operations.iter().find(|o| {
        o.security.is_open()
            && o.request_body.as_ref().is_some_and(|b| {
                b.content_type == "application/x-www-form-urlencoded"
                    && b.validator.schema()["properties"]
                        .get("grant_type")
                        .is_some()
            })
    })?;
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "client_credentials")
        .append_pair("client_id", "bad-input")
        .append_pair("client_secret", "bad-input-secret")
        .append_pair("scope", &spec.security.all_scopes().join(" "))
        .finish();
    let r = reply(
        env.http
            .post(env.url(&endpoint.full_path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .expect("token request"),
    )
    .await;
    assert_eq!(r.status, 200, "{}: {}", endpoint.full_path, r.text);
    r.body["access_token"].as_str().map(str::to_string)
}

async fn tokens(env: &Env) -> Tokens {
    let (_, personal) = env
        .consent_token(common::HAPPY_CPF, None, common::PF_PERMISSIONS, None)
        .await;
    let (_, business) = env
        .consent_token(
            common::HAPPY_CPF,
            Some(common::HAPPY_CNPJ),
            common::PJ_PERMISSIONS,
            None,
        )
        .await;
    let client = env.client_token().await;
    let r = reply(
        env.http
            .post(env.url("/bankly/oauth2/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials&client_id=bad-input&scope=customer.read+customer.write+customer.update+customer.cancel+webhook.write")
            .send()
            .await
            .expect("bankly token"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let bankly = r.body["access_token"].as_str().expect("token").to_string();
    // Zarv logs a user in: the first fixture user the control API lists.
    let users = env.get("/sandbox/zarv/users", None, None).await.body["users"].clone();
    let user = &users[0];
    let r = reply(
        env.http
            .post(env.url("/zarv/api/v1/authentication"))
            .json(&json!({"username": user["email"], "password": user["password"]}))
            .send()
            .await
            .expect("zarv login"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut own = Vec::new();
    for spec in &env.sandbox.app.specs.apis {
        if ["bankly", "open-finance"].contains(&spec.family.as_str()) {
            continue;
        }
        if let Some(t) = own_token(env, spec).await {
            own.push((spec.base_path.clone(), t));
        }
    }
    Tokens {
        personal,
        business,
        client,
        bankly,
        zarv: r.body["accessToken"].as_str().expect("token").to_string(),
        own,
    }
}

impl Tokens {
    /// The token a correct request to `op` carries.
    fn for_op(&self, spec: &ApiSpec, op: &Operation) -> &str {
        if let Some((_, t)) = self.own.iter().find(|(base, _)| *base == spec.base_path) {
            return t;
        }
        match (spec.family.as_str(), spec.api.as_str()) {
            ("bankly", _) => &self.bankly,
            ("zarv", _) => &self.zarv,
            (_, "consents") => &self.client,
            _ if op.path.starts_with("/business") => &self.business,
            _ => &self.personal,
        }
    }
}

/// Header parameters OpenAPI 3.0 says are not parameters (negotiation and security).
fn is_parameter(p: &Parameter) -> bool {
    !(p.location == ParamLocation::Header
        && ["accept", "content-type", "authorization"]
            .iter()
            .any(|n| p.name.eq_ignore_ascii_case(n)))
}

/// A value the parameter's own schema accepts, among values a client would send.
fn valid_value(p: &Parameter) -> String {
    let uuid = uuid::Uuid::new_v4().to_string();
    let candidates = [
        uuid.as_str(),
        "1",
        common::HAPPY_CPF,
        "urn:finsandbox:no-such-consent",
        "Sun, 10 Sep 2017 19:43:31 UTC",
        "198.51.100.119",
        "finsandbox-tests/1.0",
        "BASIC",
    ];
    let typed = |c: &str| match p.schema["type"].as_str() {
        Some("integer") | Some("number") => c.parse::<i64>().map(|n| json!(n)).ok(),
        _ => Some(json!(c)),
    };
    candidates
        .into_iter()
        .find(|c| typed(c).is_some_and(|v| p.validator.as_ref().is_none_or(|val| val.is_valid(&v))))
        .unwrap_or_else(|| panic!("no valid test value for parameter {}", p.name))
        .to_string()
}

/// A value of the right length the schema refuses, or non-text bytes when it refuses nothing.
fn malformed_value(p: &Parameter) -> Vec<u8> {
    for c in ["", "not a valid value ✗", "-1", "0"] {
        if p.validator.as_ref().is_some_and(|v| !v.is_valid(&json!(c))) && c.is_ascii() {
            return c.as_bytes().to_vec();
        }
    }
    // Bytes that are not text: no string schema accepts them.
    b"caf\xe9".to_vec()
}

/// A query value the parameter's schema refuses (a word where a number belongs, a value outside an
/// enum, a string past its maxLength); `None` when it accepts any text.
fn refused_query_value(p: &Parameter) -> Option<String> {
    let integer = matches!(p.schema["type"].as_str(), Some("integer") | Some("number"));
    if integer {
        return Some("not-a-number".into());
    }
    let validator = p.validator.as_ref()?;
    ["not-a-value", ""]
        .into_iter()
        .map(str::to_string)
        .chain(
            p.schema["maxLength"]
                .as_u64()
                .map(|m| "k".repeat(m as usize + 1)),
        )
        .find(|c| !validator.is_valid(&json!(c)))
}

/// A request to `op` that is right in every way a test does not change: path parameters, required
/// headers, `Accept` and the bearer token.
fn request(env: &Env, tokens: &Tokens, spec: &ApiSpec, op: &Operation) -> reqwest::RequestBuilder {
    request_with(env, spec, op, Some(tokens.for_op(spec, op)), &[], "")
        .header("accept", "application/json")
}

fn request_with(
    env: &Env,
    spec: &ApiSpec,
    op: &Operation,
    token: Option<&str>,
    path_values: &[(&str, &str)],
    query: &str,
) -> reqwest::RequestBuilder {
    let mut path = op.full_path.clone();
    for p in op
        .parameters
        .iter()
        .filter(|p| p.location == ParamLocation::Path)
    {
        let value = path_values
            .iter()
            .find(|(n, _)| *n == p.name)
            .map(|(_, v)| v.to_string())
            .unwrap_or_else(|| valid_value(p));
        path = path.replace(&format!("{{{}}}", p.name), &value);
    }
    if !query.is_empty() {
        path = format!("{path}?{query}");
    }
    let method = Method::from_bytes(op.method.as_bytes()).expect("method");
    // Accept is left to the caller: reqwest adds header lines, it never replaces one.
    let mut r = env.http.request(method, env.url(&path));
    for p in op
        .parameters
        .iter()
        .filter(|p| p.location == ParamLocation::Header && p.required && is_parameter(p))
    {
        r = r.header(p.name.as_str(), valid_value(p));
    }
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let _ = spec;
    r
}

fn every_operation(env: &Env) -> Vec<(std::sync::Arc<ApiSpec>, std::sync::Arc<Operation>)> {
    env.sandbox
        .app
        .specs
        .apis
        .iter()
        .flat_map(|s| s.operations.iter().map(move |o| (s.clone(), o.clone())))
        .collect()
}

#[tokio::test]
async fn every_declared_header_too_long_or_malformed_gets_400_naming_it() {
    let env = common::start().await;
    let tokens = tokens(&env).await;
    let mut checked = Vec::new();
    for (spec, op) in every_operation(&env) {
        for p in op
            .parameters
            .iter()
            .filter(|p| p.location == ParamLocation::Header && is_parameter(p))
        {
            let mut bad: Vec<(&str, Vec<u8>)> = vec![("malformed", malformed_value(p))];
            if let Some(max) = p.schema["maxLength"].as_u64() {
                bad.push(("too long", "7".repeat(max as usize + 1).into_bytes()));
            }
            for (what, value) in bad {
                let r = reply(
                    request(&env, &tokens, &spec, &op)
                        .header(
                            p.name.as_str(),
                            reqwest::header::HeaderValue::from_bytes(&value).expect("header"),
                        )
                        .send()
                        .await
                        .expect("request"),
                )
                .await;
                assert_eq!(
                    r.status, 400,
                    "{} {} with a {what} {}: {}",
                    op.method, op.full_path, p.name, r.text
                );
                assert!(
                    r.text.to_lowercase().contains(&p.name.to_lowercase()),
                    "{} {}: the 400 for a {what} {} must name it: {}",
                    op.method,
                    op.full_path,
                    p.name,
                    r.text
                );
                checked.push(format!("{} {what}", p.name));
            }
        }
    }
    for header in [
        "x-fapi-auth-date",
        "x-fapi-customer-ip-address",
        "x-customer-user-agent",
        "x-fapi-interaction-id",
        "api-version",
        "x-correlation-id",
    ] {
        assert!(
            checked.iter().any(|c| c.starts_with(header)),
            "{header} was never checked: the specs should declare it"
        );
    }
    env.stop().await;
}

#[tokio::test]
async fn the_issue_examples_get_400_in_the_declared_shapes() {
    let env = common::start().await;
    // A 101-character x-fapi-customer-ip-address on each personal operation of Customers v2.
    let (_, token) = env
        .consent_token(common::HAPPY_CPF, None, common::PF_PERMISSIONS, None)
        .await;
    for path in [
        "/personal/identifications",
        "/personal/qualifications",
        "/personal/financial-relations",
    ] {
        let r = reply(
            env.http
                .get(env.url(&format!("/open-banking/customers/v2{path}")))
                .bearer_auth(&token)
                .header("x-fapi-interaction-id", common::iid())
                .header("x-fapi-customer-ip-address", "1".repeat(101))
                .send()
                .await
                .expect("GET"),
        )
        .await;
        assert_eq!(r.status, 400, "{path}: {}", r.text);
        assert_eq!(r.error_code(), "PARAMETRO_INVALIDO");
        let detail = r.body["errors"][0]["detail"].as_str().unwrap_or("");
        assert!(detail.contains("x-fapi-customer-ip-address"), "{detail}");
    }
    // The Bankly token endpoint declares OAuth2's body for its 400.
    let r = reply(
        env.http
            .post(env.url("/bankly/oauth2/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-correlation-id", "0".repeat(101))
            .body("grant_type=client_credentials&client_id=c&scope=customer.read")
            .send()
            .await
            .expect("token"),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["error"], "invalid_request", "{}", r.text);
    assert!(
        r.body["error_description"]
            .as_str()
            .is_some_and(|d| d.contains("x-correlation-id")),
        "{}",
        r.text
    );
    assert!(r.body.get("errors").is_none(), "{}", r.text);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    env.stop().await;
}

/// What a test sends and which statuses are right for it.
struct Case {
    what: String,
    request: reqwest::RequestBuilder,
    expect: Vec<u16>,
}

#[tokio::test]
async fn bad_input_on_every_operation_gets_its_declared_4xx_with_the_self_check_on() {
    let env = common::start().await;
    let tokens = tokens(&env).await;
    let mut count = 0;
    for (spec, op) in every_operation(&env) {
        let declares = |s: u16| op.declared_response(s).is_some();
        let mut cases = Vec::new();
        if declares(401) {
            // An open operation (a token endpoint, a login) takes its credentials in the body, and
            // these requests carry none: the empty body (400) or the missing credentials (401)
            // may be refused first.
            let expect = if op.security.is_open() {
                vec![400, 401]
            } else {
                vec![401]
            };
            cases.push(Case {
                what: "no bearer token".into(),
                request: request_with(&env, &spec, &op, None, &[], ""),
                expect: expect.clone(),
            });
            cases.push(Case {
                what: "an unknown token".into(),
                request: request_with(&env, &spec, &op, Some("no-such-token-0123456789"), &[], ""),
                expect,
            });
        }
        if declares(406) {
            cases.push(Case {
                what: "Accept: text/csv".into(),
                request: request_with(&env, &spec, &op, Some(tokens.for_op(&spec, &op)), &[], "")
                    .header("accept", "text/csv"),
                expect: vec![406],
            });
        }
        for p in op
            .parameters
            .iter()
            .filter(|p| p.location == ParamLocation::Query)
        {
            let Some(value) = refused_query_value(p) else {
                continue;
            };
            cases.push(Case {
                what: format!("query {}={}", p.name, &value[..value.len().min(20)]),
                request: request_with(
                    &env,
                    &spec,
                    &op,
                    Some(tokens.for_op(&spec, &op)),
                    &[],
                    &form_urlencoded::Serializer::new(String::new())
                        .append_pair(&p.name, &value)
                        .finish(),
                ),
                expect: vec![400],
            });
        }
        for p in op
            .parameters
            .iter()
            .filter(|p| p.location == ParamLocation::Path)
        {
            cases.push(Case {
                what: format!("path {} = \"x\"", p.name),
                request: request_with(
                    &env,
                    &spec,
                    &op,
                    Some(tokens.for_op(&spec, &op)),
                    &[(p.name.as_str(), "x")],
                    "",
                ),
                expect: vec![400],
            });
        }
        if let Some(body) = &op.request_body {
            let ct = body.content_type.clone();
            cases.push(Case {
                what: "a body cut short".into(),
                request: request(&env, &tokens, &spec, &op)
                    .header("content-type", ct.as_str())
                    .body(if ct.contains("json") {
                        "{\"data\": "
                    } else {
                        "%%%"
                    }),
                expect: vec![400],
            });
            cases.push(Case {
                what: "a body of the wrong type".into(),
                request: request(&env, &tokens, &spec, &op)
                    .header("content-type", ct.as_str())
                    .body(if ct.contains("json") {
                        "[1, 2]"
                    } else {
                        "grant_type=password"
                    }),
                expect: vec![400],
            });
            cases.push(Case {
                what: "a body in another media type".into(),
                request: request(&env, &tokens, &spec, &op)
                    .header("content-type", "text/plain")
                    .body("hello"),
                expect: if declares(415) { vec![415] } else { vec![400] },
            });
            cases.push(Case {
                what: "a body larger than the sandbox takes".into(),
                request: request(&env, &tokens, &spec, &op)
                    .header("content-type", ct.as_str())
                    .body(vec![b' '; 64 * 1024 + 1]),
                expect: vec![413],
            });
        }
        for case in cases {
            let r = reply(case.request.send().await.expect("request")).await;
            assert!(
                case.expect.contains(&r.status),
                "{} {} with {}: expected {:?}, got {} {}",
                op.method,
                op.full_path,
                case.what,
                case.expect,
                r.status,
                r.text
            );
            // Every rejection carries its family's error body, which says what went wrong (the
            // self-check already judged it against the declared schema).
            let has_errors = r
                .body
                .get("errors")
                .and_then(Value::as_array)
                .is_some_and(|e| !e.is_empty());
            let oauth = r.body.get("error").and_then(Value::as_str).is_some();
            let message = ["message", "mensagem", "detail"].iter().any(|k| {
                r.body
                    .get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|m| !m.trim().is_empty())
            });
            assert!(
                has_errors || oauth || message,
                "{} with {}: {}",
                op.id,
                case.what,
                r.text
            );
            count += 1;
        }
    }
    assert!(count > 60, "only {count} bad requests were sent");
    env.stop().await;
}
