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

/// What a client-credentials bearer token stands for.
#[derive(Debug, Clone)]
pub struct ClientToken {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Why a bearer token does not authenticate a request; each family words the 401 its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// No `Authorization: Bearer` at all.
    Missing,
    /// A token this sandbox never issued (or forgot).
    Unknown,
    Expired,
    /// The store's lock was poisoned by a panic elsewhere.
    Unavailable,
}

/// Live tokens kept at most; past that, the one closest to expiry is forgotten rather than the
/// store growing without bound.
const MAX_TOKENS: usize = 100_000;

/// Client-credentials tokens a family issued, bounded: expired ones are swept when the store is
/// large, and a store full of live tokens forgets the one closest to expiry.
#[derive(Debug, Default)]
pub struct TokenStore {
    map: std::sync::RwLock<std::collections::HashMap<String, ClientToken>>,
}

impl TokenStore {
    pub fn reset(&self) {
        if let Ok(mut m) = self.map.write() {
            m.clear();
        }
    }

    /// Keeps `token` under its secret; `Err` when the store is unavailable.
    pub fn insert(
        &self,
        secret: String,
        token: ClientToken,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), TokenProblem> {
        let mut map = self.map.write().map_err(|_| TokenProblem::Unavailable)?;
        if map.len() >= MAX_TOKENS {
            map.retain(|_, t| t.expires_at > now);
        }
        if map.len() >= MAX_TOKENS
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, t)| t.expires_at)
                .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        map.insert(secret, token);
        Ok(())
    }

    /// The token behind a request's bearer secret, if it is live at `now`.
    pub fn resolve(
        &self,
        bearer: Option<&str>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<ClientToken, TokenProblem> {
        let bearer = bearer.ok_or(TokenProblem::Missing)?;
        let map = self.map.read().map_err(|_| TokenProblem::Unavailable)?;
        let token = map.get(bearer).ok_or(TokenProblem::Unknown)?;
        if token.expires_at <= now {
            return Err(TokenProblem::Expired);
        }
        Ok(token.clone())
    }

    /// The client a bearer secret belongs to, expired or not (a rate limit's key).
    pub fn client_of(&self, bearer: &str) -> Option<String> {
        let map = self.map.read().ok()?;
        map.get(bearer).map(|t| t.client_id.clone())
    }
}

/// Every scope some operation of the spec asks for, in the order they first appear: what a
/// client-credentials token of that API may be granted.
pub fn scopes_asked(spec: &crate::spec::ApiSpec) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    for s in spec.operations.iter().flat_map(|o| o.scopes.iter()) {
        if !scopes.contains(s) {
            scopes.push(s.clone());
        }
    }
    scopes
}
