//! The security a document declares, and a family-neutral check of a request's credentials against
//! it.
//!
//! [`SecurityModel::parse`] reads `components.securitySchemes` and the document's default
//! `security`; [`Security::parse`] reads an operation's own `security` (alternatives, each a set of
//! schemes that must all be satisfied, with their scopes; `security: []` means none). [`check`]
//! judges credentials by form, as a gateway in front of a real provider would before any business
//! logic:
//!
//! - `http` `bearer`: `Authorization: Bearer <token>` with an RFC 6750 token; when the scheme says
//!   `bearerFormat: JWT`, a JWT (three base64url parts whose first two are JSON objects);
//! - `http` `basic`: `Authorization: Basic <base64 of user:password>`;
//! - other `http` schemes: an `Authorization` header of that scheme;
//! - `apiKey`: a non-empty value in the named header, query parameter or cookie;
//! - `oauth2` and `openIdConnect`: a bearer token as above, whose scopes must include the
//!   operation's.
//!
//! Scopes travel in the token: a JWT's `scope` claim (space-separated, RFC 8693), or `scp`/`scopes`
//! (an array or a space-separated string), read **without verifying the signature** — the sandbox
//! holds no provider's keys. A JWT whose `exp` has passed is refused. An opaque token, or a JWT
//! without any scope claim, grants every scope (nothing in it says otherwise). So "wrong scope ->
//! 403" is tested by sending a JWT whose `scope` lacks the operation's scope; tokens the generic
//! mock itself issues (fields meaning "access token") carry every scope the document declares.

use base64::Engine;
use serde_json::{Value, json};

use super::SpecError;

/// Where an API key travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLocation {
    Header,
    Query,
    Cookie,
}

/// What a security scheme asks of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemeKind {
    Bearer {
        jwt: bool,
    },
    Basic,
    /// Another HTTP authentication scheme (`digest`, `hoba`, ...): its name in `Authorization`.
    Http {
        scheme: String,
    },
    ApiKey {
        location: KeyLocation,
        name: String,
    },
    /// Every scope any flow declares.
    OAuth2 {
        scopes: Vec<String>,
    },
    OpenIdConnect,
    /// Client certificates (TLS): nothing an HTTP request shows.
    MutualTls,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityScheme {
    pub name: String,
    pub kind: SchemeKind,
}

/// One alternative of a `security` list: every scheme named must be satisfied, with its scopes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Requirement {
    pub schemes: Vec<(String, Vec<String>)>,
}

/// An operation's effective security: any one alternative suffices; none at all means open.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Security {
    pub alternatives: Vec<Requirement>,
}

impl Security {
    /// Reads a `security` array. An empty requirement object (`- {}`) makes the operation
    /// callable without credentials, as does an empty array.
    pub fn parse(value: &Value) -> Security {
        let alternatives = value
            .as_array()
            .map(|reqs| {
                reqs.iter()
                    .filter_map(Value::as_object)
                    .map(|req| Requirement {
                        schemes: req
                            .iter()
                            .map(|(name, scopes)| {
                                let scopes = scopes
                                    .as_array()
                                    .map(|s| {
                                        s.iter()
                                            .filter_map(Value::as_str)
                                            .map(str::to_string)
                                            .collect()
                                    })
                                    .unwrap_or_default();
                                (name.clone(), scopes)
                            })
                            .collect(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Security { alternatives }
    }

    /// Whether a request without credentials may call the operation.
    pub fn is_open(&self) -> bool {
        self.alternatives.is_empty() || self.alternatives.iter().any(|r| r.schemes.is_empty())
    }
}

/// The schemes of a document and its default security.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityModel {
    pub schemes: Vec<SecurityScheme>,
    /// The document-level `security`, for operations that say nothing.
    pub default: Security,
}

impl SecurityModel {
    /// Reads `components.securitySchemes` (already dereferenced) and the top-level `security`.
    /// A scheme of an unknown `type` is a load error naming it.
    pub fn parse(source: &str, doc: &Value) -> Result<SecurityModel, SpecError> {
        let mut schemes = Vec::new();
        if let Some(map) = doc
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
        {
            for (name, s) in map {
                let field = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("");
                let kind = match field("type") {
                    "http" => match field("scheme").to_ascii_lowercase().as_str() {
                        "bearer" => SchemeKind::Bearer {
                            jwt: field("bearerFormat").eq_ignore_ascii_case("jwt"),
                        },
                        "basic" => SchemeKind::Basic,
                        "" => {
                            return Err(invalid(
                                source,
                                name,
                                "an http scheme needs `scheme` (bearer, basic, ...)",
                            ));
                        }
                        other => SchemeKind::Http {
                            scheme: other.to_string(),
                        },
                    },
                    "apiKey" => {
                        let location = match field("in") {
                            "header" => KeyLocation::Header,
                            "query" => KeyLocation::Query,
                            "cookie" => KeyLocation::Cookie,
                            other => {
                                return Err(invalid(
                                    source,
                                    name,
                                    &format!(
                                        "apiKey `in` must be header, query or cookie, not {other:?}"
                                    ),
                                ));
                            }
                        };
                        if field("name").is_empty() {
                            return Err(invalid(source, name, "apiKey needs `name`"));
                        }
                        SchemeKind::ApiKey {
                            location,
                            name: field("name").to_string(),
                        }
                    }
                    "oauth2" => {
                        let mut scopes: Vec<String> = Vec::new();
                        if let Some(flows) = s.get("flows").and_then(Value::as_object) {
                            for flow in flows.values() {
                                for scope in flow
                                    .get("scopes")
                                    .and_then(Value::as_object)
                                    .into_iter()
                                    .flat_map(|m| m.keys())
                                {
                                    if !scopes.contains(scope) {
                                        scopes.push(scope.clone());
                                    }
                                }
                            }
                        }
                        SchemeKind::OAuth2 { scopes }
                    }
                    "openIdConnect" => SchemeKind::OpenIdConnect,
                    "mutualTLS" => SchemeKind::MutualTls,
                    other => {
                        return Err(invalid(
                            source,
                            name,
                            &format!("unknown security scheme type {other:?}"),
                        ));
                    }
                };
                schemes.push(SecurityScheme {
                    name: name.clone(),
                    kind,
                });
            }
        }
        let default = doc.get("security").map(Security::parse).unwrap_or_default();
        Ok(SecurityModel { schemes, default })
    }

    pub fn scheme(&self, name: &str) -> Option<&SecurityScheme> {
        self.schemes.iter().find(|s| s.name == name)
    }

    /// Every OAuth2 scope the document declares or asks for, in order of appearance.
    pub fn all_scopes(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in &self.schemes {
            if let SchemeKind::OAuth2 { scopes } = &s.kind {
                for scope in scopes {
                    if !out.contains(scope) {
                        out.push(scope.clone());
                    }
                }
            }
        }
        out
    }

    /// Scheme names that `security` uses but `securitySchemes` does not declare.
    pub fn undeclared<'s>(&self, security: &'s Security) -> Vec<&'s str> {
        security
            .alternatives
            .iter()
            .flat_map(|r| r.schemes.iter().map(|(n, _)| n.as_str()))
            .filter(|n| self.scheme(n).is_none())
            .collect()
    }
}

fn invalid(source: &str, name: &str, message: &str) -> SpecError {
    SpecError::Invalid {
        source_name: source.to_string(),
        message: format!("#/components/securitySchemes/{name}: {message}"),
    }
}

/// Where the check reads credentials from; the sandbox's request implements it.
pub trait Credentials {
    /// A header's value (name case-insensitive).
    fn header(&self, name: &str) -> Option<&str>;
    fn query(&self, name: &str) -> Option<&str>;
    /// A cookie's value, from the `Cookie` header.
    fn cookie(&self, name: &str) -> Option<String> {
        self.header("cookie")?.split(';').find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k.trim() == name).then(|| v.trim().to_string())
        })
    }
}

/// The outcome of [`check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Alternative `alternative` is satisfied (`None`: the operation is open).
    Granted { alternative: Option<usize> },
    /// 401: credentials missing or malformed for `scheme`.
    Unauthenticated {
        scheme: String,
        reason: String,
        challenge: Option<String>,
    },
    /// 403: well-formed credentials that lack scopes the operation needs.
    Forbidden {
        scheme: String,
        missing: Vec<String>,
        challenge: Option<String>,
    },
}

impl Verdict {
    pub fn status(&self) -> u16 {
        match self {
            Verdict::Granted { .. } => 200,
            Verdict::Unauthenticated { .. } => 401,
            Verdict::Forbidden { .. } => 403,
        }
    }

    /// What went wrong, for the error body.
    pub fn message(&self) -> String {
        match self {
            Verdict::Granted { .. } => "authorised".into(),
            Verdict::Unauthenticated { scheme, reason, .. } => {
                format!("security scheme {scheme}: {reason}")
            }
            Verdict::Forbidden {
                scheme, missing, ..
            } => format!(
                "security scheme {scheme}: the token lacks the scope(s) {}",
                missing.join(" ")
            ),
        }
    }

    /// The `WWW-Authenticate` challenge to send with a refusal, where the scheme has one.
    pub fn challenge(&self) -> Option<&str> {
        match self {
            Verdict::Unauthenticated { challenge, .. } | Verdict::Forbidden { challenge, .. } => {
                challenge.as_deref()
            }
            Verdict::Granted { .. } => None,
        }
    }

    /// An RFC 9457 problem document (`application/problem+json`) for a refusal.
    pub fn problem(&self) -> Value {
        let status = self.status();
        let title = match status {
            401 => "Unauthorized",
            403 => "Forbidden",
            _ => "OK",
        };
        json!({"type": "about:blank", "title": title, "status": status, "detail": self.message()})
    }
}

/// Why one scheme is not satisfied.
enum Failure {
    Missing(String),
    Malformed(String),
    Scope(Vec<String>),
}

/// Judges `credentials` against `security` (schemes looked up in `model`). `now` (Unix seconds)
/// decides whether a JWT's `exp` has passed.
pub fn check(
    security: &Security,
    model: &SecurityModel,
    credentials: &dyn Credentials,
    now: i64,
) -> Verdict {
    if security.alternatives.is_empty() {
        return Verdict::Granted { alternative: None };
    }
    let mut first_missing: Option<(String, String, Option<String>)> = None;
    let mut first_malformed: Option<(String, String, Option<String>)> = None;
    let mut first_scope: Option<(String, Vec<String>, Option<String>)> = None;
    for (i, req) in security.alternatives.iter().enumerate() {
        let mut ok = true;
        for (name, scopes) in &req.schemes {
            let scheme = model.scheme(name);
            let challenge = scheme.and_then(|s| challenge_of(s, None));
            match satisfy(scheme, name, scopes, credentials, now) {
                Ok(()) => {}
                Err(f) => {
                    ok = false;
                    match f {
                        Failure::Missing(r) => {
                            first_missing.get_or_insert((name.clone(), r, challenge));
                        }
                        Failure::Malformed(r) => {
                            first_malformed.get_or_insert((name.clone(), r, challenge));
                        }
                        Failure::Scope(missing) => {
                            let c = scheme.and_then(|s| challenge_of(s, Some(&missing)));
                            first_scope.get_or_insert((name.clone(), missing, c));
                        }
                    }
                    break;
                }
            }
        }
        if ok {
            return Verdict::Granted {
                alternative: Some(i),
            };
        }
    }
    // Presented credentials explain a refusal better than absent ones of another alternative.
    if let Some((scheme, missing, challenge)) = first_scope {
        return Verdict::Forbidden {
            scheme,
            missing,
            challenge,
        };
    }
    let (scheme, reason, challenge) = first_malformed
        .or(first_missing)
        .unwrap_or_else(|| ("?".into(), "no credentials".into(), None));
    Verdict::Unauthenticated {
        scheme,
        reason,
        challenge,
    }
}

/// The `WWW-Authenticate` challenge of the first scheme `security` names that has one: what a 401
/// of the operation carries (RFC 9110 requires one) whatever made it.
pub fn challenge_for(security: &Security, model: &SecurityModel) -> Option<String> {
    security
        .alternatives
        .iter()
        .flat_map(|r| r.schemes.iter())
        .find_map(|(name, _)| model.scheme(name).and_then(|s| challenge_of(s, None)))
}

fn challenge_of(scheme: &SecurityScheme, missing: Option<&[String]>) -> Option<String> {
    match &scheme.kind {
        SchemeKind::Bearer { .. } | SchemeKind::OAuth2 { .. } | SchemeKind::OpenIdConnect => {
            Some(match missing {
                Some(m) => format!(
                    "Bearer realm=\"finsandbox\", error=\"insufficient_scope\", scope=\"{}\"",
                    m.join(" ")
                ),
                None => "Bearer realm=\"finsandbox\"".to_string(),
            })
        }
        SchemeKind::Basic => Some("Basic realm=\"finsandbox\", charset=\"UTF-8\"".into()),
        SchemeKind::Http { scheme } => Some(format!("{scheme} realm=\"finsandbox\"")),
        SchemeKind::ApiKey { .. } | SchemeKind::MutualTls => None,
    }
}

fn satisfy(
    scheme: Option<&SecurityScheme>,
    name: &str,
    scopes: &[String],
    credentials: &dyn Credentials,
    now: i64,
) -> Result<(), Failure> {
    let Some(scheme) = scheme else {
        return Err(Failure::Missing(format!(
            "the document does not declare the scheme {name}"
        )));
    };
    match &scheme.kind {
        SchemeKind::Bearer { jwt } => bearer(credentials, *jwt, &[], now).map(|_| ()),
        SchemeKind::OAuth2 { .. } | SchemeKind::OpenIdConnect => {
            bearer(credentials, false, scopes, now).map(|_| ())
        }
        SchemeKind::Basic => {
            let value = authorization(credentials, "Basic")?;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(value)
                .map_err(|_| Failure::Malformed("the Basic credentials are not base64".into()))?;
            let text = String::from_utf8(decoded)
                .map_err(|_| Failure::Malformed("the Basic credentials are not UTF-8".into()))?;
            match text.split_once(':') {
                Some((user, _)) if !user.is_empty() => Ok(()),
                _ => Err(Failure::Malformed(
                    "the Basic credentials must decode to user:password".into(),
                )),
            }
        }
        SchemeKind::Http { scheme } => authorization(credentials, scheme).map(|_| ()),
        SchemeKind::ApiKey { location, name } => {
            let value = match location {
                KeyLocation::Header => credentials.header(name).map(str::to_string),
                KeyLocation::Query => credentials.query(name).map(str::to_string),
                KeyLocation::Cookie => credentials.cookie(name),
            };
            let place = match location {
                KeyLocation::Header => "header",
                KeyLocation::Query => "query parameter",
                KeyLocation::Cookie => "cookie",
            };
            match value {
                Some(v) if !v.trim().is_empty() => Ok(()),
                Some(_) => Err(Failure::Malformed(format!(
                    "the API key {place} {name} is empty"
                ))),
                None => Err(Failure::Missing(format!(
                    "no API key in the {place} {name}"
                ))),
            }
        }
        SchemeKind::MutualTls => Ok(()),
    }
}

/// The credentials of an `Authorization: <scheme> <credentials>` header.
fn authorization<'c>(credentials: &'c dyn Credentials, scheme: &str) -> Result<&'c str, Failure> {
    let value = credentials
        .header("authorization")
        .ok_or_else(|| Failure::Missing("no Authorization header".into()))?
        .trim();
    let (given, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !given.eq_ignore_ascii_case(scheme) {
        return Err(Failure::Malformed(format!(
            "the Authorization header must use the {scheme} scheme, not {given:?}"
        )));
    }
    let rest = rest.trim();
    if rest.is_empty() {
        return Err(Failure::Malformed(format!(
            "the Authorization header has no {scheme} credentials"
        )));
    }
    Ok(rest)
}

/// A well-formed bearer token whose scopes include `needed`.
fn bearer(
    credentials: &dyn Credentials,
    must_be_jwt: bool,
    needed: &[String],
    now: i64,
) -> Result<(), Failure> {
    let token = authorization(credentials, "Bearer")?;
    let b64token = token
        .trim_end_matches('=')
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._~+/".contains(c));
    if !b64token {
        return Err(Failure::Malformed(
            "the bearer token has characters RFC 6750 does not allow".into(),
        ));
    }
    let claims = match read_jwt(token) {
        Ok(claims) => Some(claims),
        Err(reason) if must_be_jwt || token.matches('.').count() == 2 => {
            return Err(Failure::Malformed(format!(
                "the bearer token is not a JWT: {reason}"
            )));
        }
        Err(_) => None,
    };
    if let Some(claims) = &claims {
        if let Some(exp) = claims.get("exp").and_then(Value::as_i64)
            && exp < now
        {
            return Err(Failure::Malformed("the bearer token has expired".into()));
        }
        if let Some(granted) = token_scopes(claims) {
            let missing: Vec<String> = needed
                .iter()
                .filter(|s| !granted.contains(s))
                .cloned()
                .collect();
            if !missing.is_empty() {
                return Err(Failure::Scope(missing));
            }
        }
    }
    Ok(())
}

/// A JWT's claims, read without checking its signature.
pub fn read_jwt(token: &str) -> Result<Value, String> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(format!("{} part(s), a JWT has three", parts.len()));
    }
    let decode = |part: &str, what: &str| -> Result<Value, String> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .map_err(|_| format!("its {what} is not base64url"))?;
        let v: Value =
            serde_json::from_slice(&bytes).map_err(|_| format!("its {what} is not JSON"))?;
        if v.is_object() {
            Ok(v)
        } else {
            Err(format!("its {what} is not a JSON object"))
        }
    };
    let header = decode(parts[0], "header")?;
    if header.get("alg").and_then(Value::as_str).is_none() {
        return Err("its header has no alg".into());
    }
    decode(parts[1], "payload")
}

/// The scopes a token's claims grant, or `None` when they do not say.
pub fn token_scopes(claims: &Value) -> Option<Vec<String>> {
    let split = |v: &Value| -> Option<Vec<String>> {
        match v {
            Value::String(s) => Some(s.split_whitespace().map(str::to_string).collect()),
            Value::Array(items) => Some(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            ),
            _ => None,
        }
    };
    ["scope", "scp", "scopes"]
        .iter()
        .find_map(|k| claims.get(*k).and_then(split))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Req(HashMap<String, String>, HashMap<String, String>);

    impl Credentials for Req {
        fn header(&self, name: &str) -> Option<&str> {
            self.0.get(&name.to_ascii_lowercase()).map(String::as_str)
        }
        fn query(&self, name: &str) -> Option<&str> {
            self.1.get(name).map(String::as_str)
        }
    }

    fn req(headers: &[(&str, &str)], query: &[(&str, &str)]) -> Req {
        Req(
            headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
                .collect(),
            query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    fn jwt(claims: Value) -> String {
        let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.sig",
            b.encode(r#"{"alg":"HS256"}"#),
            b.encode(claims.to_string())
        )
    }

    fn model() -> SecurityModel {
        SecurityModel::parse(
            "t",
            &json!({"components": {"securitySchemes": {
                "jwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "basic": {"type": "http", "scheme": "basic"},
                "key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
                "qkey": {"type": "apiKey", "in": "query", "name": "api_key"},
                "ckey": {"type": "apiKey", "in": "cookie", "name": "sid"},
                "oauth": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "/t", "scopes": {"read": "", "write": ""}}}}
            }}, "security": [{"jwt": []}]}),
        )
        .unwrap()
    }

    fn sec(v: Value) -> Security {
        Security::parse(&v)
    }

    #[test]
    fn missing_or_malformed_bearer_is_401_naming_the_scheme() {
        let m = model();
        let s = m.default.clone();
        let v = check(&s, &m, &req(&[], &[]), 0);
        assert_eq!(v.status(), 401);
        assert!(v.message().contains("jwt"), "{}", v.message());
        assert_eq!(v.challenge(), Some("Bearer realm=\"finsandbox\""));
        let v = check(
            &s,
            &m,
            &req(&[("Authorization", "Bearer not-a-jwt")], &[]),
            0,
        );
        assert!(v.message().contains("not a JWT"), "{}", v.message());
        let v = check(&s, &m, &req(&[("Authorization", "Token abc")], &[]), 0);
        assert_eq!(v.status(), 401);
        let ok = check(
            &s,
            &m,
            &req(
                &[(
                    "Authorization",
                    &format!("Bearer {}", jwt(json!({"sub": "x"}))),
                )],
                &[],
            ),
            0,
        );
        assert_eq!(
            ok,
            Verdict::Granted {
                alternative: Some(0)
            }
        );
    }

    #[test]
    fn expired_jwt_is_refused() {
        let m = model();
        let token = jwt(json!({"exp": 100}));
        let v = check(
            &m.default,
            &m,
            &req(&[("Authorization", &format!("Bearer {token}"))], &[]),
            200,
        );
        assert!(v.message().contains("expired"), "{}", v.message());
    }

    #[test]
    fn basic_must_decode_to_user_and_password() {
        let m = model();
        let s = sec(json!([{"basic": []}]));
        let good = base64::engine::general_purpose::STANDARD.encode("ana:segredo");
        assert_eq!(
            check(
                &s,
                &m,
                &req(&[("Authorization", &format!("Basic {good}"))], &[]),
                0
            )
            .status(),
            200
        );
        let bad = base64::engine::general_purpose::STANDARD.encode("semdoispontos");
        let v = check(
            &s,
            &m,
            &req(&[("Authorization", &format!("Basic {bad}"))], &[]),
            0,
        );
        assert!(v.message().contains("user:password"), "{}", v.message());
        assert_eq!(
            check(&s, &m, &req(&[("Authorization", "Basic %%%")], &[]), 0).status(),
            401
        );
    }

    #[test]
    fn api_keys_are_read_where_declared() {
        let m = model();
        assert_eq!(
            check(
                &sec(json!([{"key": []}])),
                &m,
                &req(&[("x-api-key", "k")], &[]),
                0
            )
            .status(),
            200
        );
        assert_eq!(
            check(
                &sec(json!([{"qkey": []}])),
                &m,
                &req(&[], &[("api_key", "k")]),
                0
            )
            .status(),
            200
        );
        assert_eq!(
            check(
                &sec(json!([{"ckey": []}])),
                &m,
                &req(&[("cookie", "a=1; sid=xyz")], &[]),
                0
            )
            .status(),
            200
        );
        let v = check(
            &sec(json!([{"qkey": []}])),
            &m,
            &req(&[("x-api-key", "k")], &[]),
            0,
        );
        assert!(v.message().contains("api_key"), "{}", v.message());
    }

    #[test]
    fn scopes_come_from_the_token() {
        let m = model();
        let s = sec(json!([{"oauth": ["write"]}]));
        let read_only = jwt(json!({"scope": "read"}));
        let v = check(
            &s,
            &m,
            &req(&[("Authorization", &format!("Bearer {read_only}"))], &[]),
            0,
        );
        assert_eq!(v.status(), 403);
        assert!(v.challenge().unwrap().contains("insufficient_scope"));
        let writer = jwt(json!({"scp": ["read", "write"]}));
        assert_eq!(
            check(
                &s,
                &m,
                &req(&[("Authorization", &format!("Bearer {writer}"))], &[]),
                0
            )
            .status(),
            200
        );
        // An opaque token says nothing about scopes: it is taken at its word.
        assert_eq!(
            check(&s, &m, &req(&[("Authorization", "Bearer abc123")], &[]), 0).status(),
            200
        );
    }

    #[test]
    fn alternatives_and_empty_security() {
        let m = model();
        let s = sec(json!([{"key": []}, {"basic": []}]));
        let good = base64::engine::general_purpose::STANDARD.encode("a:b");
        assert_eq!(
            check(
                &s,
                &m,
                &req(&[("Authorization", &format!("Basic {good}"))], &[]),
                0
            ),
            Verdict::Granted {
                alternative: Some(1)
            }
        );
        // Both schemes of one alternative are needed.
        let both = sec(json!([{"key": [], "basic": []}]));
        assert_eq!(
            check(&both, &m, &req(&[("x-api-key", "k")], &[]), 0).status(),
            401
        );
        assert!(sec(json!([])).is_open());
        assert!(sec(json!([{}])).is_open());
        assert_eq!(check(&sec(json!([])), &m, &req(&[], &[]), 0).status(), 200);
        assert_eq!(m.all_scopes(), ["read", "write"]);
    }

    #[test]
    fn unknown_scheme_type_is_a_load_error() {
        let err = SecurityModel::parse(
            "d",
            &json!({"components": {"securitySchemes": {"x": {"type": "magic"}}}}),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("#/components/securitySchemes/x"), "{err}");
    }
}
