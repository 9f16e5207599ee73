//! An operation's answer, from its document alone: which declared success status a real provider
//! would send ([`success_status`]), and a body for it in the media type the client accepts
//! ([`respond`]) — JSON valid against the schema (checked, and generated again when it is not), or
//! real content for other media (a PDF of the resource, a CSV of the list).
//!
//! Used by the generic family for documents of no known family; any family may call it for the
//! operations it has no behaviour of its own for.

use bytes::Bytes;
use rand::rngs::ChaCha8Rng;
use serde_json::Value;

use super::generate::{GenContext, generate_value_with};
use super::media::{self, Caption, MediaKind};
use super::rng_for;
use crate::spec::{ApiSpec, MediaSpec, Operation, ResponseSpec};

/// Attempts at a body valid against its schema before giving up: the first may use the
/// document's examples, later ones draw afresh (another `oneOf` branch, other optional fields).
pub const ATTEMPTS: u32 = 12;

/// A response ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// `None` for a response without content (204, or one declared without `content`).
    pub content_type: Option<String>,
    pub body: Bytes,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RespondError {
    #[error("none of the media types {declared:?} is acceptable")]
    NotAcceptable { declared: Vec<String> },
    #[error("{operation} declares no response {status}")]
    NotDeclared { operation: String, status: u16 },
    #[error("{operation} takes no request body")]
    NoRequestBody { operation: String },
    #[error(
        "{operation} {status}: no body valid against the schema after {ATTEMPTS} attempts: {problem}"
    )]
    Unsatisfiable {
        operation: String,
        status: u16,
        problem: String,
    },
}

/// The success status to answer with: for a creating `POST`, 201 when declared; for `DELETE`,
/// 204 when declared; otherwise 200, then the lowest declared 2xx (`2XX` counts as 200, and a
/// document with only `default` is answered 200 from it).
pub fn success_status(op: &Operation) -> Option<u16> {
    let declared: Vec<u16> = op
        .responses
        .iter()
        .filter_map(|r| match r.status.as_str() {
            "2XX" | "2xx" => Some(200),
            s => s.parse::<u16>().ok(),
        })
        .filter(|s| (200..300).contains(s))
        .collect();
    let has = |s: u16| declared.contains(&s);
    let preferred: &[u16] = match op.method.as_str() {
        "POST" => &[201, 200, 202, 204],
        "PUT" => &[200, 201, 204, 202],
        "PATCH" => &[200, 204, 202],
        "DELETE" => &[204, 200, 202],
        _ => &[200, 206, 203],
    };
    preferred
        .iter()
        .copied()
        .find(|s| has(*s))
        .or_else(|| declared.iter().copied().min())
        .or_else(|| {
            op.responses
                .iter()
                .any(|r| r.status == "default")
                .then_some(200)
        })
}

/// The response declared for `status`, through `2XX` and `default`.
pub fn declared(op: &Operation, status: u16) -> Option<&ResponseSpec> {
    op.declared_response(status)
        .or_else(|| {
            let range = format!("{}XX", status / 100);
            op.responses
                .iter()
                .find(|r| r.status.eq_ignore_ascii_case(&range))
        })
        .or_else(|| op.responses.iter().find(|r| r.status == "default"))
}

/// The body of `op`'s `status` response in the declared media type that best fits `accept`.
/// Deterministic: the same seed, persona and operation give the same bytes.
pub fn respond(
    spec: &ApiSpec,
    op: &Operation,
    status: u16,
    accept: Option<&str>,
    ctx: &GenContext<'_>,
    seed: u64,
) -> Result<Answer, RespondError> {
    let response = declared(op, status).ok_or_else(|| RespondError::NotDeclared {
        operation: op.id.clone(),
        status,
    })?;
    if status == 204 || status == 304 || response.media.is_empty() {
        return Ok(Answer {
            status,
            content_type: None,
            body: Bytes::new(),
        });
    }
    let types: Vec<&str> = response
        .media
        .iter()
        .map(|m| m.content_type.as_str())
        .collect();
    let chosen = media::negotiate(&types, accept).ok_or_else(|| RespondError::NotAcceptable {
        declared: types.iter().map(|t| t.to_string()).collect(),
    })?;
    let Some(media_spec) = response.media.iter().find(|m| m.content_type == chosen) else {
        return Err(RespondError::NotAcceptable {
            declared: types.iter().map(|t| t.to_string()).collect(),
        });
    };
    let kind = MediaKind::of(chosen);
    let mut rng = op_rng(spec, op, ctx, seed);

    // Documents and tables about a resource show the resource: the PDF of a verification holds
    // what `GET` of that verification answers, with the same data.
    let document_like = matches!(
        kind,
        MediaKind::Pdf
            | MediaKind::Csv
            | MediaKind::Html
            | MediaKind::Xml
            | MediaKind::Yaml
            | MediaKind::Zip
    );
    let value = if document_like && is_plain_file(media_spec) {
        match related_resource(spec, op) {
            Some(parent) => {
                let parent_status = success_status(parent).unwrap_or(200);
                let parent_response = declared(parent, parent_status);
                match parent_response.and_then(|r| r.validator.as_ref()) {
                    Some(v) => {
                        let mut prng = op_rng(spec, parent, ctx, seed);
                        valid_value(
                            v.schema(),
                            Some(v),
                            ctx,
                            &mut prng,
                            &parent.id,
                            parent_status,
                        )?
                    }
                    None => Value::Null,
                }
            }
            None => Value::Null,
        }
    } else {
        Value::Null
    };
    let value = if value.is_null() {
        match (&media_spec.schema, kind.is_json()) {
            (Some(schema), true) => valid_value(
                schema,
                response.validator.as_ref(),
                ctx,
                &mut rng,
                &op.id,
                status,
            )?,
            (Some(schema), false) => super::generate_value(schema, None, ctx, &mut rng),
            (None, _) => Value::Null,
        }
    } else {
        value
    };
    let caption = Caption {
        title: op
            .summary
            .clone()
            .unwrap_or_else(|| crate::datagen::media::pdf::humanize(&op.id)),
        subtitle: Some(format!("{} {}", op.method, op.full_path)),
    };
    let rendered = media::render(chosen, &value, &caption, &mut rng);
    Ok(Answer {
        status,
        content_type: Some(rendered.content_type),
        body: Bytes::from(rendered.body),
    })
}

/// The RNG of one operation's data about one subject.
fn op_rng(spec: &ApiSpec, op: &Operation, ctx: &GenContext<'_>, seed: u64) -> ChaCha8Rng {
    rng_for(
        seed,
        &ctx.persona.document,
        &format!("{}|{}", spec.base_path, op.id),
    )
}

/// A value for `schema` that `validator` accepts, trying [`ATTEMPTS`] draws.
pub fn valid_value(
    schema: &Value,
    validator: Option<&crate::spec::SchemaValidator>,
    ctx: &GenContext<'_>,
    rng: &mut ChaCha8Rng,
    operation: &str,
    status: u16,
) -> Result<Value, RespondError> {
    let mut last_problem = String::new();
    for attempt in 0..ATTEMPTS {
        let value = generate_value_with(schema, None, ctx, rng, attempt == 0);
        let Some(v) = validator else {
            return Ok(value);
        };
        let findings = v.findings(&value);
        if findings.is_empty() {
            return Ok(value);
        }
        last_problem = findings
            .iter()
            .take(3)
            .map(|f| format!("{} {}: {}", f.pointer, f.keyword, f.message))
            .collect::<Vec<_>>()
            .join("; ");
    }
    Err(RespondError::Unsatisfiable {
        operation: operation.to_string(),
        status,
        problem: last_problem,
    })
}

/// A file's schema says nothing about its content: a string (often `format: binary`), or none.
fn is_plain_file(media: &MediaSpec) -> bool {
    match &media.schema {
        None => true,
        // A string that constrains its text (lengths, pattern, enum) is that text, not a file.
        Some(s) => {
            let constrained = ["maxLength", "minLength", "pattern", "enum", "const"]
                .iter()
                .any(|k| s.get(*k).is_some());
            !constrained
                && (s.get("type").and_then(Value::as_str) == Some("string")
                    || s.as_object().is_some_and(|m| m.is_empty()))
        }
    }
}

/// The resource a file operation is about: `GET /verifications/{id}` for
/// `GET /verifications/{id}/pdf`, `GET /transactions` for `GET /transactions/export`.
pub fn related_resource<'s>(spec: &'s ApiSpec, op: &Operation) -> Option<&'s Operation> {
    let (parent_path, last) = op.path.trim_end_matches('/').rsplit_once('/')?;
    if last.starts_with('{') || parent_path.is_empty() {
        return None;
    }
    spec.operations
        .iter()
        .find(|o| {
            o.method == "GET"
                && o.path.trim_end_matches('/') == parent_path
                && success_status(o)
                    .and_then(|s| declared(o, s))
                    .is_some_and(|r| r.validator.is_some())
        })
        .map(|o| o.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    post:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
        "201": {description: created, content: {application/json: {schema: {type: object}}}}
    get:
      responses:
        "2XX": {description: ok, content: {application/json: {schema: {type: array, items: {type: string}}}}}
  /things/{id}:
    delete:
      responses:
        "200": {description: ok}
        "204": {description: gone}
    put:
      responses:
        default: {description: whatever}
"#;

    #[test]
    fn status_follows_the_method() {
        let spec = ApiSpec::from_text("doc", DOC).unwrap();
        let status = |id: &str| success_status(spec.operation(id).unwrap());
        assert_eq!(status("POST /things"), Some(201));
        assert_eq!(status("GET /things"), Some(200));
        assert_eq!(status("DELETE /things/{id}"), Some(204));
        assert_eq!(status("PUT /things/{id}"), Some(200));
    }
}
