//! Who may call: the OAuth2 client-credentials token endpoint (`POST /portadores/oauth2/token`),
//! the bearer tokens it issues and the scope check of every other operation.
//!
//! The issuer publishes no authentication, so this is ours (the spec says so): any client id with a
//! secret of 8 or more visible characters, in the form body or as HTTP Basic (RFC 6749 §2.3.1);
//! tokens of 30 minutes of sandbox time; the scopes grantable are the ones the spec's operations
//! ask for, so a spec that adds a scope makes it grantable without Rust.

use chrono::{DateTime, Duration, Utc};
use hyper::StatusCode;
use serde_json::{Value, json};

use super::errors::ApiError;
use super::validate::{self, FieldErrors};
use crate::sandbox::http::{self, HttpResponse, Req};
use crate::sandbox::oauth::{self, TokenProblem};
use crate::sandbox::params::printable;
use crate::spec::{ApiSpec, Operation};

/// Lifetime of an access token, in sandbox time.
pub const TOKEN_TTL: Duration = Duration::minutes(30);
/// The realm of the family's challenges.
pub const REALM: &str = "portadores";

/// A card-holder access token: the shared client-credentials token.
pub type Token = oauth::ClientToken;

/// Issued tokens: the shared bounded store.
pub type Tokens = oauth::TokenStore;

/// The live token of the request's `Authorization: Bearer`, or the 401 that explains why not.
pub fn resolve(tokens: &Tokens, req: &Req, now: DateTime<Utc>) -> Result<Token, ApiError> {
    let challenge = format!("Bearer realm=\"{REALM}\"");
    let unauthenticated = |message: &str, sent: bool| {
        let header = if sent {
            format!("{challenge}, error=\"invalid_token\"")
        } else {
            challenge.clone()
        };
        ApiError::new(StatusCode::UNAUTHORIZED, "NAO_AUTENTICADO", message)
            .with_header("www-authenticate", &header)
    };
    let sent = req.header(hyper::header::AUTHORIZATION).is_some();
    match tokens.resolve(req.bearer(), now) {
        Ok(token) => Ok(token),
        Err(TokenProblem::Missing) => Err(unauthenticated(
            "Informe o cabeçalho Authorization: Bearer <access_token> (token obtido em POST /oauth2/token).",
            sent,
        )),
        Err(TokenProblem::Unknown) => Err(unauthenticated(
            "Token de acesso inválido ou desconhecido.",
            true,
        )),
        Err(TokenProblem::Expired) => Err(unauthenticated(
            "Token de acesso expirado; gere um novo em POST /oauth2/token.",
            true,
        )),
        Err(TokenProblem::Unavailable) => Err(ApiError::internal()),
    }
}

/// The scope check: 403 naming the scope the token lacks.
pub fn require_scopes(token: &Token, op: &Operation) -> Result<(), ApiError> {
    match op.scopes.iter().find(|s| !token.scopes.contains(s)) {
        None => Ok(()),
        Some(missing) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "ACESSO_NEGADO",
            format!("O token não tem o scope {missing}, exigido por esta operação."),
        )
        .with_header(
            "www-authenticate",
            &format!("Bearer realm=\"{REALM}\", error=\"insufficient_scope\", scope=\"{missing}\""),
        )),
    }
}

/// An RFC 6749 error of the token endpoint.
fn refuse(status: StatusCode, code: &str, description: &str) -> HttpResponse {
    let mut response = oauth::error(status, code, description);
    if status == StatusCode::UNAUTHORIZED {
        http::set_header(
            &mut response,
            "www-authenticate",
            &format!("Basic realm=\"{REALM}\""),
        );
    }
    response
}

/// Client credentials sent as `Authorization: Basic` (form-encoded id and secret, RFC 6749 §2.3.1).
fn basic_credentials(req: &Req) -> Option<Result<(String, String), ()>> {
    use base64::Engine;
    let value = req.header(hyper::header::AUTHORIZATION)?.trim();
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Some(Err(()));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    let Some((id, secret)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
        return Some(Err(()));
    };
    let unescape = |s: &str| {
        form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some(Ok((unescape(id), unescape(secret))))
}

/// `POST /portadores/oauth2/token`.
pub fn token(
    tokens: &Tokens,
    now: DateTime<Utc>,
    spec: &ApiSpec,
    op: &Operation,
    req: &Req,
) -> HttpResponse {
    let mut form = serde_json::Map::new();
    for (k, v) in req.form() {
        if form.contains_key(&k) {
            return refuse(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("O parâmetro {} foi enviado mais de uma vez.", printable(&k)),
            );
        }
        form.insert(k, Value::String(v));
    }
    match form.get("grant_type").and_then(Value::as_str) {
        None => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type é obrigatório (client_credentials).",
            );
        }
        Some("client_credentials") => {}
        Some(other) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!(
                    "grant_type \"{}\" não é suportado; use client_credentials.",
                    printable(other)
                ),
            );
        }
    }
    match basic_credentials(req) {
        Some(Err(())) => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Cabeçalho Authorization ilegível: use Basic com client_id:client_secret em Base64.",
            );
        }
        Some(Ok((id, secret))) => {
            if form.contains_key("client_id") || form.contains_key("client_secret") {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Envie as credenciais do cliente no corpo ou em Authorization: Basic, não nos dois.",
                );
            }
            form.insert("client_id".into(), Value::String(id));
            form.insert("client_secret".into(), Value::String(secret));
        }
        None => {}
    }
    let client_id = form
        .get("client_id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let secret_ok = form
        .get("client_secret")
        .and_then(Value::as_str)
        .is_some_and(|s| {
            (8..=200).contains(&s.len()) && s.bytes().all(|b| (0x21..=0x7e).contains(&b))
        });
    if client_id.is_empty() || !secret_ok {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Credenciais do cliente ausentes ou inválidas: informe client_id e um client_secret de 8 a 200 caracteres visíveis.",
        );
    }
    let body = Value::Object(form);
    if let Some(rb) = &op.request_body {
        let mut errors = FieldErrors::default();
        validate::schema_errors(&rb.validator, &body, &mut errors);
        if !errors.is_empty() {
            let detail = errors
                .into_items()
                .into_iter()
                .map(|(field, message)| format!("{field}: {message}"))
                .collect::<Vec<_>>()
                .join("; ");
            return refuse(StatusCode::BAD_REQUEST, "invalid_request", &detail);
        }
    }
    let known = oauth::scopes_asked(spec);
    let scopes: Vec<String> = match body.get("scope").and_then(Value::as_str) {
        None => known.clone(),
        Some(asked) => {
            let mut scopes: Vec<String> = Vec::new();
            for s in asked.split(' ').filter(|s| !s.is_empty()) {
                if !known.iter().any(|k| k == s) {
                    return refuse(
                        StatusCode::BAD_REQUEST,
                        "invalid_scope",
                        &format!(
                            "Scope desconhecido: {}. Scopes disponíveis: {}.",
                            printable(s),
                            known.join(" ")
                        ),
                    );
                }
                if scopes.iter().any(|x| x == s) {
                    return refuse(
                        StatusCode::BAD_REQUEST,
                        "invalid_scope",
                        &format!("O scope {s} foi pedido mais de uma vez."),
                    );
                }
                scopes.push(s.to_string());
            }
            if scopes.is_empty() {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    &format!(
                        "scope vazio: omita-o para receber todos, ou informe-os separados por espaço: {}.",
                        known.join(" ")
                    ),
                );
            }
            scopes
        }
    };
    let secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let stored = tokens.insert(
        secret.clone(),
        Token {
            client_id,
            scopes: scopes.clone(),
            expires_at: now + TOKEN_TTL,
        },
        now,
    );
    if stored.is_err() {
        return refuse(
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
            "token_type": "Bearer",
            "expires_in": TOKEN_TTL.num_seconds(),
            "scope": scopes.join(" "),
        }),
    );
    http::set_header(&mut response, "cache-control", "no-store");
    response
}
