//! OAuth2 token endpoints answer errors in RFC 6749's shape (`{"error", "error_description"}`,
//! section 5.2), whatever the provider's usual error body is. Families render the refusals of
//! their token operations through here, so a malformed correlation id or a wrong content type on
//! a token request still gets the body the spec declares for it.

use hyper::StatusCode;
use serde_json::json;

use super::family::{Problem, ProblemKind};
use super::http::{self, HttpResponse};

/// The RFC 6749 error codes a token endpoint uses.
const CODES: &[&str] = &[
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "invalid_scope",
    "unauthorized_client",
    "unsupported_grant_type",
    "server_error",
    "temporarily_unavailable",
];

/// An OAuth2 error body with `Cache-Control: no-store`.
pub fn error(status: StatusCode, code: &str, description: &str) -> HttpResponse {
    let mut r = http::json_response(
        status,
        "application/json",
        &json!({"error": code, "error_description": description}),
    );
    http::set_header(&mut r, "cache-control", "no-store");
    r
}

/// A pipeline or handler refusal as a token endpoint answers it. RFC 6749 has no 406 or 415: a
/// request the endpoint cannot use is `invalid_request` (400).
pub fn render(problem: &Problem) -> HttpResponse {
    let (status, default_code) = match (&problem.kind, problem.status.as_u16()) {
        (ProblemKind::Unauthenticated, _) | (_, 401) => {
            (StatusCode::UNAUTHORIZED, "invalid_client")
        }
        (ProblemKind::TooManyRequests, _) | (_, 429) => {
            (StatusCode::TOO_MANY_REQUESTS, "temporarily_unavailable")
        }
        (ProblemKind::Internal, _) | (_, 500..) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "server_error")
        }
        // Limits of the HTTP layer keep their status (the client must shrink the request), with
        // the OAuth2 body.
        (_, 405 | 413 | 431) => (problem.status, "invalid_request"),
        _ => (StatusCode::BAD_REQUEST, "invalid_request"),
    };
    let code = problem
        .code
        .as_deref()
        .filter(|c| CODES.contains(c))
        .unwrap_or(default_code);
    let mut response = error(status, code, &problem.message);
    for (name, value) in &problem.headers {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    response
}
