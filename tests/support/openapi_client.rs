//! Drives a served OpenAPI document the way a client would: a generated valid request for each
//! operation (`datagen::request`), sent over loopback, and the answer judged against the document
//! (status declared, media type declared, JSON valid against its schema, other media really what
//! they say).

use finsandbox::datagen::media;
use finsandbox::datagen::respond::{declared, success_status};
use finsandbox::datagen::{OpenWorld, PersonaBook, persona::PersonaFixtures, request, rng_for};
use finsandbox::spec::{ApiSpec, Direction, Operation};

/// How one operation went.
#[derive(Debug)]
pub struct Outcome {
    pub operation: String,
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    /// Empty when the answer is valid against the document.
    pub problems: Vec<String>,
}

/// Calls every operation of `spec` on the sandbox at `base` and judges each answer.
pub async fn call_all(http: &reqwest::Client, base: &str, spec: &ApiSpec) -> Vec<Outcome> {
    let fixtures = PersonaFixtures::parse("none", "personas: []").expect("empty fixtures");
    let personas = PersonaBook::new(42, fixtures);
    let persona = personas.get("52998224725");
    let scopes = spec.security.all_scopes();
    let mut out = Vec::new();
    for op in &spec.operations {
        let ctx = finsandbox::datagen::GenContext {
            persona: &persona,
            brand: "Banco Sandbox",
            institution_cnpjs: &[],
            alphanumeric_cnpj: false,
            record: 0,
            optional_share: 0.7,
            open: Some(OpenWorld {
                direction: Direction::Request,
                scopes: &scopes,
            }),
        };
        let mut rng = rng_for(7, &op.id, "request");
        let req = match request::build(spec, op, &ctx, &mut rng) {
            Ok(r) => r,
            Err(e) => {
                out.push(Outcome {
                    operation: op.id.clone(),
                    status: 0,
                    content_type: String::new(),
                    body: Vec::new(),
                    problems: vec![format!("no valid request could be generated: {e}")],
                });
                continue;
            }
        };
        let method = reqwest::Method::from_bytes(req.method.as_bytes()).expect("method");
        let mut call = http.request(method, format!("{base}{}", req.path_and_query));
        for (k, v) in &req.headers {
            call = call.header(k, v);
        }
        if let Some((_, body)) = req.body {
            call = call.body(body);
        }
        let response = match call.send().await {
            Ok(r) => r,
            Err(e) => {
                out.push(Outcome {
                    operation: op.id.clone(),
                    status: 0,
                    content_type: String::new(),
                    body: Vec::new(),
                    problems: vec![format!("request failed: {e}")],
                });
                continue;
            }
        };
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = response
            .bytes()
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
        let problems = judge(op, status, &content_type, &body);
        out.push(Outcome {
            operation: op.id.clone(),
            status,
            content_type,
            body,
            problems,
        });
    }
    out
}

/// What is wrong with an answer, judged by the document.
pub fn judge(op: &Operation, status: u16, content_type: &str, body: &[u8]) -> Vec<String> {
    let mut problems = Vec::new();
    let expected = success_status(op);
    // An operation that declares no success is answered 501, saying so.
    if expected.is_none() && status == 501 {
        return problems;
    }
    if Some(status) != expected {
        let text: String = String::from_utf8_lossy(body).chars().take(300).collect();
        problems.push(format!("answered {status}, expected {expected:?}: {text}"));
        return problems;
    }
    let Some(response) = declared(op, status) else {
        problems.push(format!("{status} is not declared"));
        return problems;
    };
    if response.media.is_empty() || status == 204 || status == 304 {
        if !body.is_empty() {
            problems.push("a body where the document declares none".into());
        }
        return problems;
    }
    let essence = media::essence(content_type);
    let Some(m) = response
        .media
        .iter()
        .find(|m| media::essence(&m.content_type) == essence || m.content_type.contains('*'))
    else {
        problems.push(format!("content type {content_type:?} is not declared"));
        return problems;
    };
    if let Err(e) = media::sniff(content_type, body) {
        problems.push(format!("{content_type}: {e}"));
        return problems;
    }
    if media::MediaKind::of(&m.content_type).is_json()
        && let Some(v) = &response.validator
    {
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(value) => {
                for f in v.findings(&value) {
                    problems.push(format!("{} {}: {}", f.pointer, f.keyword, f.message));
                }
            }
            Err(e) => problems.push(format!("not JSON: {e}")),
        }
    }
    problems
}
