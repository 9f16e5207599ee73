//! Valid requests for any operation of a document, generated from its schemas: path, query and
//! header parameters, a body valid against the request schema (`readOnly` fields left out), and
//! credentials of the form its `security` declares. What the harness, the tests and the corpus
//! check send instead of hand-built JSON.

use base64::Engine;
use rand::rngs::ChaCha8Rng;
use serde_json::{Value, json};

use super::generate::{GenContext, generate_value_with};
use super::media::{self, Caption};
use super::respond::{RespondError, valid_value};
use crate::spec::security::SchemeKind;
use crate::spec::{ApiSpec, Operation, ParamLocation};

/// A request ready to send (relative to the sandbox's origin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedRequest {
    pub method: String,
    /// The full path with parameters filled in and percent-encoded, plus the query string.
    pub path_and_query: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<(String, Vec<u8>)>,
}

/// Characters left as they are in a path segment (RFC 3986 unreserved).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(as_text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// A valid request for `op`. `ctx` must be an open-world context for [`crate::spec::Direction::Request`].
pub fn build(
    spec: &ApiSpec,
    op: &Operation,
    ctx: &GenContext<'_>,
    rng: &mut ChaCha8Rng,
) -> Result<GeneratedRequest, RespondError> {
    let mut path = op.full_path.clone();
    let mut query: Vec<(String, String)> = Vec::new();
    let mut headers: Vec<(String, String)> = Vec::new();
    for p in &op.parameters {
        if !p.required && p.location != ParamLocation::Path {
            continue;
        }
        let value = match &p.validator {
            Some(v) => valid_value(v.schema(), Some(v), ctx, rng, &op.id, 0)?,
            None => json!("valor"),
        };
        let text = as_text(&value);
        match p.location {
            ParamLocation::Path => {
                let encoded = percent_encoding::utf8_percent_encode(&text, SEGMENT).to_string();
                path = path
                    .replace(&format!("{{{}}}", p.name), &encoded)
                    .replace(&format!("{{+{}}}", p.name), &encoded);
            }
            ParamLocation::Query => query.push((p.name.clone(), text)),
            ParamLocation::Header => {
                // OpenAPI ignores parameters that name these headers.
                if !matches!(
                    p.name.to_ascii_lowercase().as_str(),
                    "accept" | "content-type" | "authorization"
                ) {
                    headers.push((p.name.clone(), text));
                }
            }
            ParamLocation::Cookie => headers.push(("cookie".into(), format!("{}={text}", p.name))),
        }
    }
    credentials(spec, op, &mut headers, &mut query);
    if !query.is_empty() {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &query {
            ser.append_pair(k, v);
        }
        path.push('?');
        path.push_str(&ser.finish());
    }
    let body = match &op.request_body {
        Some(b) => {
            let schema = b.validator.schema();
            let value = if media::MediaKind::of(&b.content_type).is_json() {
                valid_value(schema, Some(&b.validator), ctx, rng, &op.id, 0)?
            } else {
                generate_value_with(schema, None, ctx, rng, true)
            };
            let rendered = media::render(&b.content_type, &value, &Caption::default(), rng);
            headers.push(("content-type".into(), rendered.content_type.clone()));
            Some((rendered.content_type, rendered.body))
        }
        None => None,
    };
    Ok(GeneratedRequest {
        method: op.method.clone(),
        path_and_query: path,
        headers,
        body,
    })
}

/// Credentials of the form the operation's first security alternative asks for: a JWT with
/// every scope the document declares, `sandbox:sandbox` for basic, an API key where it goes.
fn credentials(
    spec: &ApiSpec,
    op: &Operation,
    headers: &mut Vec<(String, String)>,
    query: &mut Vec<(String, String)>,
) {
    let Some(req) = op.security.alternatives.first() else {
        return;
    };
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let scopes = spec.security.all_scopes().join(" ");
    let mut claims = json!({"iss": "finsandbox", "sub": "client"});
    if !scopes.is_empty() {
        claims["scope"] = Value::String(scopes);
    }
    let jwt = format!(
        "{}.{}.{}",
        b64.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        b64.encode(claims.to_string()),
        b64.encode(b"unchecked-signature")
    );
    for (name, _) in &req.schemes {
        let Some(scheme) = spec.security.scheme(name) else {
            continue;
        };
        match &scheme.kind {
            SchemeKind::Bearer { .. } | SchemeKind::OAuth2 { .. } | SchemeKind::OpenIdConnect => {
                headers.push(("authorization".into(), format!("Bearer {jwt}")))
            }
            SchemeKind::Basic => headers.push((
                "authorization".into(),
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode("sandbox:sandbox")
                ),
            )),
            SchemeKind::Http { scheme } => {
                headers.push(("authorization".into(), format!("{scheme} sandbox")))
            }
            SchemeKind::ApiKey { location, name } => match location {
                crate::spec::security::KeyLocation::Header => {
                    headers.push((name.clone(), "sandbox-key".into()))
                }
                crate::spec::security::KeyLocation::Query => {
                    query.push((name.clone(), "sandbox-key".into()))
                }
                crate::spec::security::KeyLocation::Cookie => {
                    headers.push(("cookie".into(), format!("{name}=sandbox-key")))
                }
            },
            SchemeKind::MutualTls => {}
        }
    }
}

/// A JSON body valid against `op`'s request schema, filled from `persona` wherever the schema's
/// `x-datagen` hints say so: what a client acting for that person sends. Deterministic in the
/// seed, the persona's document and the operation, so a failing scenario replays exactly.
pub fn persona_body(
    op: &Operation,
    persona: &super::Persona,
    seed: u64,
) -> Result<Value, RespondError> {
    let Some(b) = &op.request_body else {
        return Err(RespondError::NoRequestBody {
            operation: op.id.clone(),
        });
    };
    let ctx = GenContext {
        persona,
        brand: "",
        institution_cnpjs: &[],
        alphanumeric_cnpj: false,
        record: 0,
        optional_share: 1.0,
        open: None,
    };
    let mut rng = super::rng_for(seed, &persona.document, &op.id);
    valid_value(
        b.validator.schema(),
        Some(&b.validator),
        &ctx,
        &mut rng,
        &op.id,
        0,
    )
}
