//! The family's one error body, `{"error", "message", "details"?}`: `error` the HTTP reason phrase,
//! `message` what exactly was wrong, `details` one `{field, message}` per refused field or
//! parameter. Every refusal — a pipeline stage's or a handler's — is rendered here.

use hyper::StatusCode;
use serde_json::{Value, json};

use crate::sandbox::family::{ErrorContext, Problem, ProblemKind};
use crate::sandbox::fields::dotted_path;
use crate::sandbox::generic::with_headers;
use crate::sandbox::http::{self, HttpResponse};
use crate::sandbox::params::Refusals;

/// Fields a handler refused, each with its reason.
#[derive(Debug, Clone, Default)]
pub struct Details(pub Vec<(String, String)>);

/// A 400 naming one field.
pub fn invalid(field: &str, message: impl Into<String>) -> Problem {
    let message = message.into();
    Problem::bad_request(format!("{field}: {message}"))
        .field(field)
        .payload(Details(vec![(field.to_string(), message)]))
}

pub fn unauthorized(message: impl Into<String>) -> Problem {
    let message = message.into();
    let challenge = format!(
        "Bearer error=\"invalid_token\", error_description=\"{}\"",
        message.replace(['"', '\\'], "'")
    );
    Problem::of(
        ProblemKind::Unauthenticated,
        StatusCode::UNAUTHORIZED,
        message,
    )
    .header("www-authenticate", &challenge)
}

pub fn forbidden(message: impl Into<String>) -> Problem {
    Problem::of(ProblemKind::Forbidden, StatusCode::FORBIDDEN, message)
}

pub fn conflict(message: impl Into<String>) -> Problem {
    Problem::new(StatusCode::CONFLICT, message)
}

pub fn payment_required(message: impl Into<String>) -> Problem {
    Problem::new(StatusCode::PAYMENT_REQUIRED, message)
}

/// `/verifications/type` -> `verifications.type`, `/nationalId/3` -> `nationalId[3]`: the dotted
/// path the handlers name fields by; a finding on the whole body names `body`.
fn field_of(pointer: &str) -> String {
    let f = dotted_path(pointer);
    if f.is_empty() { "body".into() } else { f }
}

pub fn render(_ctx: &ErrorContext<'_>, problem: &Problem) -> HttpResponse {
    let details: Vec<(String, String)> = if let Some(own) = problem.payload_of::<Details>() {
        own.0.clone()
    } else if let Some(refusals) = problem.payload_of::<Refusals>() {
        refusals
            .0
            .iter()
            .map(|r| (r.name.clone(), r.message.clone()))
            .collect()
    } else if !problem.findings.is_empty() {
        problem
            .findings
            .iter()
            .take(20)
            .map(|f| (field_of(&f.pointer), f.message.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let mut body = json!({
        "error": problem.status.canonical_reason().unwrap_or("Error"),
        "message": problem.message,
    });
    if !details.is_empty() {
        body["details"] = Value::Array(
            details
                .into_iter()
                .map(|(field, message)| json!({"field": field, "message": message}))
                .collect(),
        );
    }
    let mut response = http::json_response(problem.status, "application/json", &body);
    if problem.kind == ProblemKind::Unauthenticated
        && !problem
            .headers
            .iter()
            .any(|(n, _)| n.as_str() == "www-authenticate")
    {
        http::set_header(&mut response, "www-authenticate", "Bearer realm=\"zarv\"");
    }
    with_headers(response, problem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_become_dotted_fields() {
        assert_eq!(field_of("/verifications/type"), "verifications.type");
        assert_eq!(field_of("/nationalId/3"), "nationalId[3]");
        assert_eq!(field_of("/callback/headers/X~1Y"), "callback.headers.X/Y");
        assert_eq!(field_of(""), "body");
    }
}
