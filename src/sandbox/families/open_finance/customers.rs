//! The Customers API (v1 and v2): the six GET operations.
//!
//! Order of checks, as a transmitting institution applies them: `Accept` (406), query parameters
//! (400), bearer token bound to a consent (401), consent AUTHORISED and not expired (401), the
//! operation's permission (403), multiple approval (403), the customer's standing (403), then data
//! of the consent's CPF (personal) or `businessEntity` CNPJ (business).
//!
//! Records are generated once per (spec, operation, customer) and kept serialised; a request only
//! slices the page and writes `links` and `meta` around it.

use std::sync::Arc;

use bytes::Bytes;
use hyper::StatusCode;
use serde_json::{Map, Value, json};

use super::auth;
use super::consents::declared_headers;
use super::state::{ConsentStatus, Grant};
use super::{accept_problem, error, query_problem};
use crate::datagen::persona::DocKind;
use crate::datagen::{CustomerStatus, MultipleApproval, generate_value, rng_for};
use crate::sandbox::clock::ofb_datetime;
use crate::sandbox::http::{self, HttpResponse, Req};
use crate::sandbox::{App, ForbiddenCodes};
use crate::spec::{ApiSpec, Operation, ParamLocation};

/// Generated data of one customer for one operation.
pub enum Cached {
    /// `data` is an array: one serialised record per item (pages are slices).
    Records(Vec<Bytes>),
    /// `data` is an object.
    Object(Bytes),
}

pub struct BodyCache {
    inner: quick_cache::sync::Cache<String, Arc<Cached>>,
}

impl BodyCache {
    pub fn new(capacity: usize) -> BodyCache {
        BodyCache {
            inner: quick_cache::sync::Cache::new(capacity),
        }
    }
}

/// The permission each operation needs when the spec has no `x-permissions` (official documents).
fn default_permission(op_id: &str) -> Option<&'static str> {
    Some(match op_id {
        "customersGetPersonalIdentifications" => "CUSTOMERS_PERSONAL_IDENTIFICATIONS_READ",
        "customersGetPersonalQualifications" | "customersGetPersonalFinancialRelations" => {
            "CUSTOMERS_PERSONAL_ADITTIONALINFO_READ"
        }
        "customersGetBusinessIdentifications" => "CUSTOMERS_BUSINESS_IDENTIFICATIONS_READ",
        "customersGetBusinessQualifications" | "customersGetBusinessFinancialRelations" => {
            "CUSTOMERS_BUSINESS_ADITTIONALINFO_READ"
        }
        _ => return None,
    })
}

fn is_business(op: &Operation) -> bool {
    op.path.starts_with("/business")
}

fn forbidden(app: &App, op: &Operation, which: Forbidden) -> HttpResponse {
    // (code of the "Informações Gerais" table, code of the STATUS_RESOURCE_* family, title, detail)
    let (status_code, resource_code, title, detail) = match which {
        Forbidden::Pending => (
            "STATUS_PENDING_AUTHORISATION",
            "STATUS_RESOURCE_PENDING_AUTHORISATION",
            "Aguardando autorização de múltiplas alçadas",
            "the consent is authorised but still waits for the other approvers (múltipla alçada)",
        ),
        Forbidden::Blocked => (
            "STATUS_TEMPORARY_UNAVAILABLE",
            "STATUS_RESOURCE_TEMPORARILY_UNAVAILABLE",
            "Recurso temporariamente indisponível",
            "the customer's data is temporarily blocked at this institution",
        ),
        Forbidden::Closed => (
            "STATUS_UNAVAILABLE",
            "STATUS_RESOURCE_UNAVAILABLE",
            "Recurso indisponível",
            "the customer ended the relationship with this institution",
        ),
        Forbidden::ApprovalRejected => (
            "STATUS_UNAVAILABLE",
            "STATUS_RESOURCE_UNAVAILABLE",
            "Recurso indisponível",
            "the other approvers (múltipla alçada) refused the consent",
        ),
    };
    let code = match app.config.forbidden_codes {
        ForbiddenCodes::Status => status_code,
        ForbiddenCodes::Resource => resource_code,
    };
    error(app, Some(op), StatusCode::FORBIDDEN, code, title, detail)
}

#[derive(Clone, Copy)]
enum Forbidden {
    Pending,
    Blocked,
    Closed,
    ApprovalRejected,
}

fn unauthorized(app: &App, op: &Operation, detail: &str) -> HttpResponse {
    error(
        app,
        Some(op),
        StatusCode::UNAUTHORIZED,
        "NAO_AUTORIZADO",
        "Não autorizado",
        detail,
    )
}

pub fn handle(app: &App, spec: &ApiSpec, op: &Operation, req: &Req) -> HttpResponse {
    if let Some(problem) = accept_problem(req) {
        return error(
            app,
            Some(op),
            StatusCode::NOT_ACCEPTABLE,
            "NAO_ACEITO",
            "Formato de resposta não suportado",
            &problem,
        );
    }
    if let Some(problem) = query_problem(op, req) {
        return error(
            app,
            Some(op),
            StatusCode::BAD_REQUEST,
            "PARAMETRO_INVALIDO",
            "Parâmetro inválido",
            &problem,
        );
    }
    let consent_id = match auth::resolve(app, req) {
        Err(why) => return unauthorized(app, op, why),
        Ok((_, Grant::Consent { consent_id, .. })) => consent_id,
        Ok((_, Grant::Client { .. })) => {
            return unauthorized(
                app,
                op,
                "a client_credentials token carries no consent; use the token of an authorised consent (authorization_code)",
            );
        }
    };
    let now = app.clock.now();
    let (consent, standing) = {
        let Ok(state) = app.open_finance.state.read() else {
            return error(
                app,
                Some(op),
                StatusCode::INTERNAL_SERVER_ERROR,
                "ERRO_INTERNO",
                "Erro interno",
                "state unavailable",
            );
        };
        let Some(c) = state.consents.get(&consent_id) else {
            return unauthorized(
                app,
                op,
                "the consent of this token no longer exists (sandbox reset?)",
            );
        };
        let c = c.at(now);
        let document = if is_business(op) {
            c.business_entity.clone().unwrap_or_default()
        } else {
            c.logged_user.clone()
        };
        let standing = state.customer_status.get(&document).copied();
        (c, standing)
    };
    match consent.status {
        ConsentStatus::Authorised => {}
        ConsentStatus::AwaitingAuthorisation => {
            return unauthorized(app, op, "the consent is still AWAITING_AUTHORISATION");
        }
        ConsentStatus::Rejected => {
            let why = consent
                .rejection
                .as_ref()
                .map(|r| r.code)
                .unwrap_or("REJECTED");
            let detail = match why {
                "CUSTOMER_MANUALLY_REVOKED" => {
                    "the consent was revoked by the customer".to_string()
                }
                "CONSENT_MAX_DATE_REACHED" => {
                    "the consent expired (expirationDateTime reached)".to_string()
                }
                "CONSENT_EXPIRED" => {
                    "the consent was not authorised in time and was rejected".to_string()
                }
                other => format!("the consent is REJECTED ({other})"),
            };
            return unauthorized(app, op, &detail);
        }
    }
    let needed: Vec<String> = if op.permissions.is_empty() {
        default_permission(&op.id)
            .map(|p| vec![p.to_string()])
            .unwrap_or_default()
    } else {
        op.permissions.clone()
    };
    if let Some(missing) = needed.iter().find(|p| !consent.has(p)) {
        return error(
            app,
            Some(op),
            StatusCode::FORBIDDEN,
            "PERMISSAO_NAO_CONCEDIDA",
            "Permissão não concedida",
            &format!(
                "the consent does not grant {missing}, which {} needs",
                op.id
            ),
        );
    }
    match consent.multiple_approval {
        Some(MultipleApproval::Pending) => return forbidden(app, op, Forbidden::Pending),
        Some(MultipleApproval::Rejected) => return forbidden(app, op, Forbidden::ApprovalRejected),
        Some(MultipleApproval::Approved) | None => {}
    }
    let document = if is_business(op) {
        match &consent.business_entity {
            Some(d) => d.clone(),
            None => {
                return error(
                    app,
                    Some(op),
                    StatusCode::FORBIDDEN,
                    "PERMISSAO_NAO_CONCEDIDA",
                    "Permissão não concedida",
                    "the consent names no businessEntity, so it covers no business data",
                );
            }
        }
    } else {
        consent.logged_user.clone()
    };
    let persona = app.personas.get(&document);
    let standing = standing.unwrap_or(persona.initial_status);
    match standing {
        CustomerStatus::Active => {}
        CustomerStatus::TemporarilyBlocked => return forbidden(app, op, Forbidden::Blocked),
        CustomerStatus::RelationshipClosed => return forbidden(app, op, Forbidden::Closed),
    }
    if !representable(op, &document) {
        return error(
            app,
            Some(op),
            StatusCode::FORBIDDEN,
            "STATUS_UNAVAILABLE",
            "Recurso indisponível",
            &format!(
                "this API version ({}) cannot represent the alphanumeric CNPJ {document}",
                spec.version
            ),
        );
    }
    respond(app, spec, op, req, &document)
}

/// Numeric-only CNPJ patterns (before 2.3.0) cannot carry an alphanumeric CNPJ customer.
fn representable(op: &Operation, document: &str) -> bool {
    if document.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    let Some(schema) = op.declared_response(200).and_then(|r| r.schema()) else {
        return true;
    };
    let item = &schema["properties"]["data"]["items"]["properties"]["cnpjNumber"];
    match item.get("pattern").and_then(Value::as_str) {
        Some(p) => crate::datagen::pattern::get(p).is_match(document),
        None => true,
    }
}

/// Builds (or takes from the cache) the customer's data and wraps the requested page.
fn respond(app: &App, spec: &ApiSpec, op: &Operation, req: &Req, document: &str) -> HttpResponse {
    let Some(ok) = op.declared_response(200) else {
        return error(
            app,
            Some(op),
            StatusCode::INTERNAL_SERVER_ERROR,
            "ERRO_INTERNO",
            "Erro interno",
            "the spec declares no 200 response",
        );
    };
    let Some(schema) = ok.schema() else {
        return error(
            app,
            Some(op),
            StatusCode::INTERNAL_SERVER_ERROR,
            "ERRO_INTERNO",
            "Erro interno",
            "the 200 response has no schema",
        );
    };
    let key = format!("{}|{}|{}", spec.base_path, op.id, document);
    let cached = match app.open_finance.cache.inner.get(&key) {
        Some(c) => c,
        None => {
            let c = Arc::new(build(app, spec, op, schema, document));
            app.open_finance.cache.inner.insert(key, c.clone());
            c
        }
    };

    let origin = req.origin(app.config.public_url.as_deref());
    let self_base = format!("{origin}{}", req.path);
    let meta_props = &schema["properties"]["meta"]["properties"];
    let declares_totals = meta_props.get("totalRecords").is_some();
    let paged = op.parameter(ParamLocation::Query, "page").is_some();

    let mut body = Vec::with_capacity(4096);
    body.extend_from_slice(b"{\"data\":");
    let (links, total_records, total_pages) = match cached.as_ref() {
        Cached::Object(bytes) => {
            body.extend_from_slice(bytes);
            (json!({"self": self_base}), 1usize, 1usize)
        }
        Cached::Records(items) if !paged => {
            push_items(&mut body, items);
            (json!({"self": self_base}), items.len(), 1)
        }
        Cached::Records(items) => {
            let page: usize = req
                .query_param("page")
                .and_then(|p| p.parse().ok())
                .unwrap_or(1);
            let size: usize = req
                .query_param("page-size")
                .and_then(|p| p.parse().ok())
                .unwrap_or(25);
            let total = items.len();
            let pages = total.div_ceil(size).max(1);
            if page > pages {
                return error(
                    app,
                    Some(op),
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "PAGE_NOT_FOUND",
                    "Página não encontrada",
                    &format!(
                        "page {page} does not exist: {total} records in {pages} page(s) of {size}"
                    ),
                );
            }
            let start = (page - 1) * size;
            let end = (start + size).min(total);
            push_items(&mut body, &items[start..end]);
            (page_links(&self_base, page, size, pages), total, pages)
        }
    };
    body.extend_from_slice(b",\"links\":");
    let _ = serde_json::to_writer(&mut body, &links);
    let mut meta = Map::new();
    if declares_totals {
        meta.insert("totalRecords".into(), json!(total_records));
        meta.insert("totalPages".into(), json!(total_pages));
    }
    meta.insert(
        "requestDateTime".into(),
        json!(ofb_datetime(app.clock.now())),
    );
    body.extend_from_slice(b",\"meta\":");
    let _ = serde_json::to_writer(&mut body, &Value::Object(meta));
    body.push(b'}');

    let content_type = ok.content_type.as_deref().unwrap_or("application/json");
    let mut response = http::bytes_response(StatusCode::OK, content_type, Bytes::from(body));
    declared_headers(&mut response, spec, op, 200);
    response
}

fn push_items(body: &mut Vec<u8>, items: &[Bytes]) {
    body.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(item);
    }
    body.push(b']');
}

/// Links by the Paginação rules (FACTS §1.7): `self` shows the page size applied; `first` and `prev`
/// only off the first page; `next` and `last` only off the last page.
pub fn page_links(base: &str, page: usize, size: usize, pages: usize) -> Value {
    let at = |p: usize| format!("{base}?page={p}&page-size={size}");
    let mut links = Map::new();
    links.insert("self".into(), json!(at(page)));
    if page > 1 {
        links.insert("first".into(), json!(at(1)));
        links.insert("prev".into(), json!(at(page - 1)));
    }
    if page < pages {
        links.insert("next".into(), json!(at(page + 1)));
        links.insert("last".into(), json!(at(pages)));
    }
    Value::Object(links)
}

/// The whole 200 body (every record on one page) the sandbox serves for `document`: what the tests
/// and `finsandbox validate` judge against the spec without going through the consent flow.
pub fn sample_body(app: &App, spec: &ApiSpec, op: &Operation, document: &str) -> Option<Value> {
    let schema = op.declared_response(200)?.schema()?;
    let data = match build(app, spec, op, schema, document) {
        Cached::Records(items) => Value::Array(
            items
                .iter()
                .filter_map(|b| serde_json::from_slice(b).ok())
                .collect(),
        ),
        Cached::Object(bytes) => serde_json::from_slice(&bytes).ok()?,
    };
    let origin = app
        .config
        .public_url
        .clone()
        .unwrap_or_else(|| "https://api.sandbox.finsandbox.test".to_string());
    let mut meta = Map::new();
    if schema["properties"]["meta"]["properties"]
        .get("totalRecords")
        .is_some()
    {
        let n = data.as_array().map_or(1, Vec::len);
        meta.insert("totalRecords".into(), json!(n));
        meta.insert("totalPages".into(), json!(1));
    }
    meta.insert(
        "requestDateTime".into(),
        json!(ofb_datetime(app.clock.now())),
    );
    Some(json!({
        "data": data,
        "links": {"self": format!("{origin}{}", op.full_path)},
        "meta": meta,
    }))
}

/// Generates the customer's records (or object) for this operation from its 200 schema.
fn build(app: &App, spec: &ApiSpec, op: &Operation, schema: &Value, document: &str) -> Cached {
    let persona = app.personas.get(document);
    let data_schema = &schema["properties"]["data"];
    let purpose = format!("{}|{}", spec.base_path, op.id);
    let mut rng = rng_for(app.config.seed, document, &purpose);
    let is_array = data_schema.get("type").and_then(Value::as_str) == Some("array")
        || data_schema.get("items").is_some();
    if is_array {
        let item = &data_schema["items"];
        let count = match persona.kind {
            DocKind::Cpf | DocKind::Cnpj => persona.records,
        };
        let records = (0..count)
            .map(|i| {
                let ctx = app.gen_context(spec, &persona, i);
                let v = generate_value(item, Some("data"), &ctx, &mut rng);
                Bytes::from(serde_json::to_vec(&v).unwrap_or_default())
            })
            .collect();
        Cached::Records(records)
    } else {
        let ctx = app.gen_context(spec, &persona, 0);
        let v = generate_value(data_schema, Some("data"), &ctx, &mut rng);
        Cached::Object(Bytes::from(serde_json::to_vec(&v).unwrap_or_default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_follow_the_paging_rules() {
        let l = page_links("http://h/x", 1, 25, 3);
        assert!(l.get("first").is_none() && l.get("prev").is_none());
        assert_eq!(l["next"], "http://h/x?page=2&page-size=25");
        assert_eq!(l["last"], "http://h/x?page=3&page-size=25");
        let l = page_links("http://h/x", 2, 25, 3);
        for k in ["self", "first", "prev", "next", "last"] {
            assert!(l.get(k).is_some(), "{k}");
        }
        let l = page_links("http://h/x", 3, 25, 3);
        assert!(l.get("next").is_none() && l.get("last").is_none());
        assert_eq!(l["prev"], "http://h/x?page=2&page-size=25");
        let l = page_links("http://h/x", 1, 25, 1);
        assert_eq!(l.as_object().unwrap().len(), 1);
    }
}
