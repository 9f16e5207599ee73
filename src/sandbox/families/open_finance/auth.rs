//! `POST /auth/token`: the OAuth2 token endpoint of the sandbox's authorisation server.
//!
//! - `client_credentials` (scope `consents`): for the Consents API only.
//! - `authorization_code`: a code from `POST /sandbox/consents/{id}/authorise` becomes an access token
//!   bound to that consent (`openid customers consent:<id>`) and a refresh token. A code works once;
//!   replaying it revokes what it issued (RFC 6749 §4.1.2).
//! - `refresh_token`: a new access token while the consent is still authorised.
//!
//! Client authentication is not enforced (any `client_id`, or HTTP Basic): the sandbox is about the
//! data flow, not about FAPI client authentication.

use chrono::{DateTime, Utc};
use hyper::StatusCode;
use serde_json::json;

use super::state::{ACCESS_TOKEN_TTL, Grant, REFRESH_TOKEN_TTL, Refresh, State, Token, new_secret};
use super::{ConsentStatus, OpenFinance};
use crate::sandbox::family::{Call, Reply};
use crate::sandbox::http::{self, HttpResponse, Req};
use crate::sandbox::oauth::error as oauth_error;

fn client_id(req: &Req, form: &[(String, String)]) -> String {
    if let Some((_, id)) = form.iter().find(|(k, _)| k == "client_id") {
        return id.clone();
    }
    req.header("authorization")
        .and_then(basic_user)
        .unwrap_or_else(|| "sandbox-client".into())
}

/// The user part of an HTTP Basic `Authorization` header.
fn basic_user(header: &str) -> Option<String> {
    use base64::Engine;
    let (scheme, data) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let user = text.split(':').next()?.to_string();
    (!user.is_empty()).then_some(user)
}

/// `oauthToken`: the pipeline has checked the content type; the grant decides the rest.
pub fn token(of: &OpenFinance, call: &Call<'_>) -> Reply {
    Ok(grant(of, call))
}

fn grant(of: &OpenFinance, call: &Call<'_>) -> HttpResponse {
    let (app, req) = (call.app, call.req);
    let form = req.form();
    let get = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let client = client_id(req, &form);
    let now = app.clock.now();
    match get("grant_type") {
        None => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type is required",
        ),
        Some("client_credentials") => {
            let requested = get("scope").unwrap_or("consents");
            let scopes: Vec<String> = requested.split_whitespace().map(str::to_string).collect();
            if scopes.is_empty() || scopes.iter().any(|s| s != "consents" && s != "openid") {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    "client_credentials tokens carry the scope consents (for the Consents API); data scopes come with authorization_code",
                );
            }
            let token = new_secret();
            let Ok(mut state) = of.state.write() else {
                return oauth_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "state unavailable",
                );
            };
            state.sweep(now);
            state.tokens.insert(
                token.clone(),
                Token {
                    client_id: client,
                    grant: Grant::Client {
                        scopes: scopes.clone(),
                    },
                    expires_at: now + ACCESS_TOKEN_TTL,
                    revoked: false,
                },
            );
            token_response(&token, None, &scopes.join(" "))
        }
        Some("authorization_code") => {
            let Some(code) = get("code") else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code is required",
                );
            };
            let Ok(mut state) = of.state.write() else {
                return oauth_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "state unavailable",
                );
            };
            let Some(entry) = state.codes.get(code).cloned() else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "unknown authorization code",
                );
            };
            if entry.used {
                // A replayed code may be a stolen one: revoke everything it produced.
                for t in &entry.issued {
                    if let Some(tok) = state.tokens.get_mut(t) {
                        tok.revoked = true;
                    }
                    state.refresh_tokens.remove(t);
                }
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "authorization code already used; the tokens it issued are revoked",
                );
            }
            if entry.expires_at <= now {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "authorization code expired",
                );
            }
            let consent_ok = state
                .consents
                .get(&entry.consent_id)
                .map(|c| c.at(now).status == ConsentStatus::Authorised)
                .unwrap_or(false);
            if !consent_ok {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the consent of this code is no longer authorised",
                );
            }
            let scopes = consent_scopes(&entry.consent_id);
            let access = new_secret();
            let refresh = new_secret();
            state.sweep(now);
            state.tokens.insert(
                access.clone(),
                Token {
                    client_id: client.clone(),
                    grant: Grant::Consent {
                        consent_id: entry.consent_id.clone(),
                        scopes: scopes.clone(),
                    },
                    expires_at: now + ACCESS_TOKEN_TTL,
                    revoked: false,
                },
            );
            state.refresh_tokens.insert(
                refresh.clone(),
                Refresh {
                    consent_id: entry.consent_id.clone(),
                    client_id: client,
                    expires_at: now + REFRESH_TOKEN_TTL,
                },
            );
            if let Some(c) = state.codes.get_mut(code) {
                c.used = true;
                c.issued = vec![access.clone(), refresh.clone()];
            }
            token_response(&access, Some(&refresh), &scopes.join(" "))
        }
        Some("refresh_token") => {
            let Some(refresh) = get("refresh_token") else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token is required",
                );
            };
            let Ok(mut state) = of.state.write() else {
                return oauth_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "state unavailable",
                );
            };
            let Some(entry) = state.refresh_tokens.get(refresh).cloned() else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "unknown refresh token",
                );
            };
            if entry.expires_at <= now {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "refresh token expired",
                );
            }
            let authorised = state
                .consents
                .get(&entry.consent_id)
                .map(|c| c.at(now).status == ConsentStatus::Authorised)
                .unwrap_or(false);
            if !authorised {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the consent is no longer authorised (revoked, rejected or expired)",
                );
            }
            let scopes = consent_scopes(&entry.consent_id);
            let access = new_secret();
            state.sweep(now);
            state.tokens.insert(
                access.clone(),
                Token {
                    client_id: entry.client_id,
                    grant: Grant::Consent {
                        consent_id: entry.consent_id,
                        scopes: scopes.clone(),
                    },
                    expires_at: now + ACCESS_TOKEN_TTL,
                    revoked: false,
                },
            );
            token_response(&access, Some(refresh), &scopes.join(" "))
        }
        Some(other) => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!(
                "grant_type \"{}\" is not supported (client_credentials, authorization_code, refresh_token)",
                super::printable(other)
            ),
        ),
    }
}

fn consent_scopes(consent_id: &str) -> Vec<String> {
    vec![
        "openid".into(),
        "customers".into(),
        format!("consent:{consent_id}"),
    ]
}

fn token_response(access: &str, refresh: Option<&str>, scope: &str) -> HttpResponse {
    let mut body = json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_TTL.num_seconds(),
        "scope": scope,
    });
    if let Some(r) = refresh {
        body["refresh_token"] = json!(r);
    }
    let mut response = http::json_response(StatusCode::OK, "application/json", &body);
    http::set_header(&mut response, "cache-control", "no-store");
    response
}

pub const MISSING_BEARER: &str = "the Authorization header with a Bearer access token is missing";

/// What a bearer token grants at `now`, or why it grants nothing (for a 401 detail).
pub fn resolve(
    of: &OpenFinance,
    now: DateTime<Utc>,
    req: &Req,
) -> Result<(String, Grant), &'static str> {
    let Some(bearer) = req.bearer() else {
        return Err(MISSING_BEARER);
    };
    let state = of.state.read().map_err(|_| "state unavailable")?;
    let token = valid_token(&state, bearer, now)?;
    Ok((token.client_id.clone(), token.grant.clone()))
}

/// The token behind `bearer` if it is usable at `now`, or why not (for a 401 detail). Borrowed
/// from the state, so a caller that already holds the lock pays for no clone.
pub fn valid_token<'s>(
    state: &'s State,
    bearer: &str,
    now: DateTime<Utc>,
) -> Result<&'s Token, &'static str> {
    let Some(token) = state.tokens.get(bearer) else {
        return Err("the access token is not known to this server");
    };
    if token.revoked {
        return Err("the access token was revoked");
    }
    if token.expires_at <= now {
        return Err("the access token has expired");
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    #[test]
    fn basic_header_yields_the_client_id() {
        // base64("tpp-1:secret")
        assert_eq!(
            super::basic_user("Basic dHBwLTE6c2VjcmV0"),
            Some("tpp-1".to_string())
        );
        assert_eq!(super::basic_user("Bearer x"), None);
        assert_eq!(super::basic_user("Basic !!!"), None);
    }
}
