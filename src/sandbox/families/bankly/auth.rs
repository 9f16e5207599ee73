//! Who may call: the OAuth2 client-credentials token endpoint (`POST /bankly/oauth2/token`), the
//! bearer tokens it issues, and the per-client rate limit.
//!
//! The scopes a token may carry are the ones the spec's operations ask for (their `security`), so a
//! spec that adds an operation with a new scope makes that scope grantable without touching Rust.
//! Tokens expire on the sandbox clock; the rate limit counts real time, since it protects real
//! throughput and must not reset when a test moves the clock.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use hyper::StatusCode;
use serde_json::{Map, Value, json};

use super::validate;
use crate::sandbox::App;
use crate::sandbox::http::{self, HttpResponse, Req};
use crate::sandbox::oauth::error as oauth_error;
use crate::sandbox::oauth::{self, TokenProblem};
use crate::spec::{ApiSpec, Operation};

/// Lifetime of an access token. The vendor does not publish its value; an hour is common.
pub const TOKEN_TTL: Duration = Duration::hours(1);
pub const MAX_SCOPES: usize = 10;
/// The edge limit the vendor documents: requests per window per client.
pub const RATE_LIMIT_REQUESTS: usize = 180;
pub const RATE_LIMIT_WINDOW: StdDuration = StdDuration::from_secs(10);
const MAX_RATE_KEYS: usize = 50_000;

/// A Bankly access token: the shared client-credentials token.
pub type Token = oauth::ClientToken;

/// Why a request is not authenticated (each gives a 401 with its own message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthError {
    Missing,
    Unknown,
    Expired,
}

impl AuthError {
    pub fn message(self) -> &'static str {
        match self {
            AuthError::Missing => {
                "Informe o cabeçalho Authorization: Bearer <access_token> (token obtido em POST /oauth2/token)."
            }
            AuthError::Unknown => "Token de acesso inválido ou desconhecido.",
            AuthError::Expired => "Token de acesso expirado; gere um novo em POST /oauth2/token.",
        }
    }
}

/// Issued tokens: the shared bounded store.
pub type Tokens = oauth::TokenStore;

/// The token of the request's bearer header, if live at `now`.
pub fn resolve(tokens: &Tokens, req: &Req, now: DateTime<Utc>) -> Result<Token, AuthError> {
    tokens.resolve(req.bearer(), now).map_err(|p| match p {
        TokenProblem::Missing => AuthError::Missing,
        TokenProblem::Expired => AuthError::Expired,
        TokenProblem::Unknown | TokenProblem::Unavailable => AuthError::Unknown,
    })
}

/// `POST /bankly/oauth2/token`.
pub fn token(
    b: &super::Bankly,
    app: &App,
    spec: &ApiSpec,
    op: &Operation,
    req: &Req,
) -> HttpResponse {
    let content_type = req.header("content-type").unwrap_or("");
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Envie o pedido como application/x-www-form-urlencoded.",
        );
    }
    // First occurrence wins, as most OAuth servers read a form.
    let mut form = Map::new();
    for (k, v) in req.form() {
        form.entry(k).or_insert(Value::String(v));
    }
    match form.get("grant_type").and_then(Value::as_str) {
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type é obrigatório (client_credentials).",
            );
        }
        Some("client_credentials") => {}
        Some(other) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!(
                    "grant_type \"{}\" não é suportado; use client_credentials.",
                    super::printable(other)
                ),
            );
        }
    }
    let body = Value::Object(form);
    if let Some(rb) = &op.request_body {
        let mut errors = validate::FieldErrors::default();
        validate::schema_errors(&rb.validator, &body, &mut errors);
        if !errors.is_empty() {
            let detail = errors
                .into_items()
                .into_iter()
                .map(|(field, messages)| format!("{field}: {}", messages.join(" ")))
                .collect::<Vec<_>>()
                .join("; ");
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &detail);
        }
    }
    let client_id = body["client_id"].as_str().unwrap_or_default().to_string();
    let mut scopes: Vec<String> = Vec::new();
    for s in body["scope"]
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
    {
        if !scopes.iter().any(|x| x == s) {
            scopes.push(s.to_string());
        }
    }
    let known = oauth::scopes_asked(spec);
    if scopes.is_empty() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            &format!(
                "Informe ao menos um scope, separados por espaço: {}.",
                known.join(" ")
            ),
        );
    }
    if scopes.len() > MAX_SCOPES {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            &format!(
                "Um token pode ter no máximo {MAX_SCOPES} scopes; foram pedidos {}.",
                scopes.len()
            ),
        );
    }
    if let Some(unknown) = scopes.iter().find(|s| !known.contains(s)) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            &format!(
                "Scope desconhecido: {}. Scopes disponíveis: {}.",
                super::printable(unknown),
                known.join(" ")
            ),
        );
    }
    let now = app.clock.now();
    let secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let stored = b.tokens.insert(
        secret.clone(),
        Token {
            client_id,
            scopes: scopes.clone(),
            expires_at: now + TOKEN_TTL,
        },
        now,
    );
    if stored.is_err() {
        return oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "Estado do sandbox indisponível.",
        );
    }
    let mut response = http::json_response(
        StatusCode::OK,
        "application/json",
        &json!({
            "access_token": secret,
            "expires_in": TOKEN_TTL.num_seconds(),
            "token_type": "Bearer",
            "scope": scopes.join(" "),
        }),
    );
    http::set_header(&mut response, "cache-control", "no-store");
    response
}

/// A sliding-window log per client: exact (no burst of twice the limit across a window edge) and
/// small (at most [`RATE_LIMIT_REQUESTS`] instants per client).
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    /// Counts a request of `key` at `now`; `Err(seconds)` says how long until one is allowed.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), u64> {
        let Ok(mut windows) = self.windows.lock() else {
            // A poisoned limiter must not take the API down with it.
            return Ok(());
        };
        if windows.len() >= MAX_RATE_KEYS && !windows.contains_key(key) {
            windows.retain(|_, w| {
                w.back()
                    .is_some_and(|t| now.duration_since(*t) < RATE_LIMIT_WINDOW)
            });
        }
        let window = windows.entry(key.to_string()).or_default();
        while window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= RATE_LIMIT_WINDOW)
        {
            window.pop_front();
        }
        if window.len() >= RATE_LIMIT_REQUESTS {
            let oldest = window.front().copied().unwrap_or(now);
            let wait = RATE_LIMIT_WINDOW.saturating_sub(now.duration_since(oldest));
            // Round up: retrying after the advertised time must succeed.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Err(secs.max(1));
        }
        window.push_back(now);
        Ok(())
    }

    pub fn reset(&self) {
        if let Ok(mut w) = self.windows.lock() {
            w.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_refuses_the_181st_request_and_recovers_after_the_window() {
        let limiter = RateLimiter::default();
        let t0 = Instant::now();
        for i in 0..RATE_LIMIT_REQUESTS {
            let t = t0 + StdDuration::from_millis(i as u64);
            assert!(limiter.check("client:a", t).is_ok(), "request {i}");
        }
        let late = t0 + StdDuration::from_millis(500);
        let wait = limiter.check("client:a", late).unwrap_err();
        assert_eq!(wait, 10);
        // Other clients are counted apart.
        assert!(limiter.check("client:b", late).is_ok());
        assert!(limiter.check("client:a", t0 + RATE_LIMIT_WINDOW).is_ok());
    }
}
