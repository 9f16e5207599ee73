//! Open Finance Brasil: the OAuth2 token endpoint, Consents v3 and the Customers API (v1 and v2).
//!
//! The state is what a transmitting institution keeps: consents with their status history, tokens
//! bound to consents, authorisation codes, and each customer's standing. Timeouts (60 minutes to
//! authorise, `expirationDateTime`) are evaluated against the sandbox clock when a consent is read,
//! so advancing the clock is enough to expire things.

pub mod auth;
pub mod consents;
pub mod customers;
pub mod state;

use std::sync::RwLock;

use hyper::StatusCode;
use hyper::header::HeaderValue;
use serde_json::{Value, json};

use super::super::App;
use super::super::clock::ofb_datetime;
use super::super::http::{self, HttpResponse, Req};
use super::super::params;
use crate::spec::{ApiSpec, Operation, ParamLocation};
pub use state::{Consent, ConsentStatus, State};

/// The family's state and caches.
pub struct OpenFinance {
    pub state: RwLock<State>,
    /// Serialised records per (spec, operation, document): generating a persona's data is the
    /// expensive part of a request, and the data never changes for a given seed.
    pub cache: customers::BodyCache,
}

impl Default for OpenFinance {
    fn default() -> Self {
        Self::new()
    }
}

impl OpenFinance {
    pub fn new() -> OpenFinance {
        OpenFinance {
            state: RwLock::new(State::default()),
            cache: customers::BodyCache::new(4096),
        }
    }

    pub fn reset(&self) {
        if let Ok(mut s) = self.state.write() {
            *s = State::default();
        }
    }
}

pub fn handle(app: &App, spec: &ApiSpec, op: &Operation, req: &Req) -> HttpResponse {
    let interaction = match interaction_id(op, req) {
        Ok(id) => id,
        Err(detail) => {
            let generated = uuid::Uuid::new_v4().to_string();
            let mut r = error(
                app,
                Some(op),
                StatusCode::BAD_REQUEST,
                "PARAMETRO_INVALIDO",
                "Parâmetro inválido",
                &detail,
            );
            http::set_header(&mut r, "x-fapi-interaction-id", &generated);
            return r;
        }
    };
    let mut response = match spec.api.as_str() {
        "consents" => consents::handle(app, spec, op, req),
        "customers" => customers::handle(app, spec, op, req),
        _ => super::generic::handle(app, spec, op, req),
    };
    if let Some(v) = interaction {
        response
            .headers_mut()
            .insert(http::X_FAPI_INTERACTION_ID, v);
    }
    response
}

/// The interaction id to echo, or why the request is refused.
///
/// The spec's own parameter schema decides what is valid: a UUID in v2.1+ and Consents v3, the
/// older alphanumeric form in v1. A required header that is missing is refused, as FACTS §1.2 says.
/// An id is generated only when the client sent none: a random UUID costs a `getrandom` system
/// call, which showed in the throughput bench's profile when every request paid for one.
///
/// The client's id is echoed as the header value it arrived in (sharing its bytes, no copy).
fn interaction_id(op: &Operation, req: &Req) -> Result<Option<HeaderValue>, String> {
    let param = op.parameter(ParamLocation::Header, "x-fapi-interaction-id");
    let echo = || req.headers.get(http::X_FAPI_INTERACTION_ID).cloned();
    match (req.header(http::X_FAPI_INTERACTION_ID), param) {
        (None, Some(p)) if p.required => Err(
            "the x-fapi-interaction-id header is required (a UUID the server echoes back)".into(),
        ),
        (None, _) => Ok(HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).ok()),
        (Some(value), Some(p)) => {
            let valid = p
                .validator
                .as_ref()
                .is_none_or(|v| v.is_valid(&Value::String(value.to_string())));
            if valid {
                Ok(echo())
            } else {
                Err(format!(
                    "x-fapi-interaction-id \"{}\" is not valid for this API (expected a UUID such as {})",
                    printable(value),
                    uuid::Uuid::nil()
                ))
            }
        }
        (Some(_), None) => Ok(echo()),
    }
}

/// A client-supplied value made safe to quote in a message.
pub fn printable(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).take(80).collect();
    if s.chars().count() > 80 {
        format!("{clean}…")
    } else {
        clean
    }
}

/// An error in the `ResponseError` shape of the operation (or of Customers v2 when no operation is
/// known), with the content type and `meta` its spec declares.
pub fn error(
    app: &App,
    op: Option<&Operation>,
    status: StatusCode,
    code: &str,
    title: &str,
    detail: &str,
) -> HttpResponse {
    let spec = op.and_then(|o| o.response(status.as_u16()));
    let meta_schema = spec
        .and_then(|r| r.schema())
        .and_then(|s| s.get("properties"))
        .and_then(|p| p.get("meta"));
    let now = ofb_datetime(app.clock.now());
    let mut meta = serde_json::Map::new();
    let declares = |name: &str| {
        meta_schema
            .and_then(|m| m.get("properties"))
            .and_then(|p| p.get(name))
            .is_some()
    };
    // v1 error metas carry the paging totals too; an error is one record on one page.
    if declares("totalRecords") {
        meta.insert("totalRecords".into(), json!(1));
    }
    if declares("totalPages") {
        meta.insert("totalPages".into(), json!(1));
    }
    meta.insert("requestDateTime".into(), json!(now));
    let body = json!({
        "errors": [{"code": code, "title": title, "detail": truncate(detail, 2048)}],
        "meta": Value::Object(meta),
    });
    let content_type = spec
        .and_then(|r| r.content_type.as_deref())
        .unwrap_or("application/json; charset=utf-8");
    http::json_response(status, content_type, &body)
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Errors raised before an operation is known (unknown path, wrong method, oversize body).
pub fn early_error(app: &App, status: StatusCode, req: Option<&Req>, detail: &str) -> HttpResponse {
    let (code, title) = generic_code(status);
    let mut r = error(app, None, status, code, title, detail);
    let echo = req
        .and_then(|r| r.header("x-fapi-interaction-id"))
        .filter(|v| uuid::Uuid::parse_str(v).is_ok())
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    http::set_header(&mut r, "x-fapi-interaction-id", &echo);
    r
}

/// Codes and PT-BR titles for statuses whose meaning is the same everywhere.
pub fn generic_code(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("PARAMETRO_INVALIDO", "Parâmetro inválido"),
        401 => ("NAO_AUTORIZADO", "Não autorizado"),
        403 => ("PROIBIDO", "Acesso negado"),
        404 => ("NAO_ENCONTRADO", "Recurso não encontrado"),
        405 => ("METODO_NAO_PERMITIDO", "Método não permitido"),
        406 => ("NAO_ACEITO", "Formato de resposta não suportado"),
        413 => ("CORPO_MUITO_GRANDE", "Corpo da requisição muito grande"),
        431 => (
            "CABECALHO_MUITO_GRANDE",
            "Campos de cabeçalho da requisição muito grandes",
        ),
        415 => (
            "FORMATO_NAO_SUPORTADO",
            "Formato da requisição não suportado",
        ),
        422 => ("ERRO_NAO_MAPEADO", "Requisição não processável"),
        429 => ("LIMITE_EXCEDIDO", "Muitas requisições"),
        _ => ("ERRO_INTERNO", "Erro interno"),
    }
}

/// Refuses an `Accept` that excludes JSON or asks for a charset other than UTF-8 (FACTS §1.5, 406).
pub fn accept_problem(req: &Req) -> Option<String> {
    let accept = req.header(hyper::header::ACCEPT)?.trim();
    if accept.is_empty() {
        return None;
    }
    let acceptable = accept.split(',').any(|range| {
        let mut parts = range.split(';').map(str::trim);
        // Case-insensitive comparisons in place: every data request goes through here.
        let media = parts.next().unwrap_or("").as_bytes();
        let media_ok = [&b"*/*"[..], b"application/*", b"application/json"]
            .iter()
            .any(|m| media.eq_ignore_ascii_case(m))
            || media.len() >= 5 && media[media.len() - 5..].eq_ignore_ascii_case(b"+json");
        let mut charset_ok = true;
        let mut weight_ok = true;
        for param in parts {
            if let Some((k, v)) = param.split_once('=') {
                let (k, v) = (k.trim(), v.trim().trim_matches('"'));
                if k.eq_ignore_ascii_case("charset")
                    && !v.eq_ignore_ascii_case("utf-8")
                    && !v.eq_ignore_ascii_case("utf8")
                {
                    charset_ok = false;
                }
                if k.eq_ignore_ascii_case("q") && v.parse::<f32>().is_ok_and(|q| q <= 0.0) {
                    weight_ok = false;
                }
            }
        }
        media_ok && charset_ok && weight_ok
    });
    if acceptable {
        None
    } else {
        Some(format!(
            "Accept \"{}\" excludes application/json with UTF-8, the only representation this API has",
            printable(accept)
        ))
    }
}

/// The first of the operation's path, query and header parameters that the request gets wrong,
/// as the `detail` of a 400 `PARAMETRO_INVALIDO` (the check itself is shared by every family).
pub fn parameter_problem(op: &Operation, req: &Req) -> Option<String> {
    params::first_problem(op, req).map(|p| p.message)
}
