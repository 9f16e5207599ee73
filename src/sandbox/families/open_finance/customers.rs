//! The Customers API (v1 and v2): the six GET operations.
//!
//! After the pipeline's checks (interaction id, `Accept`), [`authorise`] checks the bearer token
//! bound to a consent (401), the consent AUTHORISED and not expired (401) and the operation's
//! permission (403); then parameters (400); then [`handle`]: multiple approval (403), the
//! customer's standing (403), and the data of the consent's CPF (personal) or `businessEntity` CNPJ
//! (business).
//!
//! Records are generated once per (spec, operation, customer) and kept serialised; a request only
//! slices the page and writes `links` and `meta` around it.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use hyper::StatusCode;
use hyper::header::HeaderValue;
use serde_json::{Map, Value, json};

use super::auth;
use super::consents::declares_version;
use super::state::{ConsentStatus, Grant};
use super::{ForbiddenCodes, OpenFinance, error};
use crate::datagen::persona::DocKind;
use crate::datagen::{CustomerStatus, MultipleApproval, generate_value, rng_for};
use crate::sandbox::App;
use crate::sandbox::clock::ofb_datetime;
use crate::sandbox::family::{Call, Problem, ProblemKind, Reply};
use crate::sandbox::http::{self, HttpResponse, Req};
use crate::spec::{ApiSpec, Operation, ParamLocation};

/// Generated data of one customer for one operation.
pub enum Cached {
    /// `data` is an array: one serialised record per item (pages are slices).
    Records(Vec<Bytes>),
    /// `data` is an object.
    Object(Bytes),
}

/// One customer's answer to one operation, ready to be wrapped: the data, and what the operation's
/// spec says about the envelope and headers, read from the spec once instead of on every request.
pub struct Entry {
    data: Cached,
    /// The 200 `meta` declares `totalRecords` and `totalPages` (v1).
    declares_totals: bool,
    /// The operation takes `page` / `page-size`.
    paged: bool,
    content_type: Option<HeaderValue>,
    /// `x-v`, when the 200 response declares it.
    version: Option<HeaderValue>,
}

pub struct BodyCache {
    inner: quick_cache::sync::Cache<String, Arc<Entry>>,
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

fn forbidden(of: &OpenFinance, app: &App, op: &Operation, which: Forbidden) -> HttpResponse {
    let reason = match which {
        Forbidden::Pending => "pending-multiple-approval",
        Forbidden::Blocked => "customer-blocked",
        Forbidden::Closed => "relationship-closed",
        Forbidden::ApprovalRejected => "multiple-approval-rejected",
    };
    let Some(row) = super::rules::rules().forbidden(reason) else {
        return error(
            app,
            Some(op),
            StatusCode::FORBIDDEN,
            "PROIBIDO",
            "Acesso negado",
            reason,
        );
    };
    let code = match of.args.forbidden_codes {
        ForbiddenCodes::Status => &row.status,
        ForbiddenCodes::Resource => &row.resource,
    };
    error(
        app,
        Some(op),
        StatusCode::FORBIDDEN,
        code,
        &row.title,
        &row.detail,
    )
}

/// What the checks of a data request need of the consent, copied out under the state lock: the
/// principal of a Customers request.
pub struct ConsentView {
    status: ConsentStatus,
    rejection: Option<&'static str>,
    /// The first permission the operation needs that the consent does not grant.
    missing: Option<String>,
    multiple_approval: Option<MultipleApproval>,
    /// The CPF (personal operations) or the `businessEntity` CNPJ (business ones; none if absent).
    pub document: Option<String>,
    /// The customer's standing if the control API set one.
    standing: Option<CustomerStatus>,
}

#[derive(Clone, Copy)]
enum Forbidden {
    Pending,
    Blocked,
    Closed,
    ApprovalRejected,
}

fn unauthorized(detail: &str) -> Problem {
    Problem::of(
        ProblemKind::Unauthenticated,
        StatusCode::UNAUTHORIZED,
        detail,
    )
    .code("NAO_AUTORIZADO")
    .title("Não autorizado")
}

/// The security stage of a Customers operation: a bearer token bound to a consent that is
/// authorised, not expired, and grants the operation's permission.
pub fn authorise(of: &OpenFinance, call: &Call<'_>) -> Result<ConsentView, Problem> {
    let (app, op, req) = (call.app, call.op, call.req);
    let Some(bearer) = req.bearer() else {
        return Err(unauthorized(auth::MISSING_BEARER));
    };
    let now = app.clock.now();
    // One read lock for the token, its consent and the customer's standing, and only what the
    // checks below need is copied out: this runs on every data request.
    let consent = {
        let Ok(state) = of.state.read() else {
            return Err(Problem::internal("state unavailable"));
        };
        let consent_id = match auth::valid_token(&state, bearer, now) {
            Err(why) => return Err(unauthorized(why)),
            Ok(token) => match &token.grant {
                Grant::Consent { consent_id, .. } => consent_id,
                Grant::Client { .. } => {
                    return Err(unauthorized(
                        "a client_credentials token carries no consent; use the token of an authorised consent (authorization_code)",
                    ));
                }
            },
        };
        let Some(c) = state.consents.get(consent_id) else {
            return Err(unauthorized(
                "the consent of this token no longer exists (sandbox reset?)",
            ));
        };
        let (status, rejection) = c.status_at(now);
        let missing = if op.permissions.is_empty() {
            default_permission(&op.id)
                .filter(|p| !c.has(p))
                .map(str::to_string)
        } else {
            op.permissions.iter().find(|p| !c.has(p)).cloned()
        };
        let document = if is_business(op) {
            c.business_entity.clone()
        } else {
            Some(c.logged_user.clone())
        };
        let standing = document
            .as_ref()
            .and_then(|d| state.customer_status.get(d))
            .copied();
        ConsentView {
            status,
            rejection,
            missing,
            multiple_approval: c.multiple_approval,
            document,
            standing,
        }
    };
    match consent.status {
        ConsentStatus::Authorised => {}
        ConsentStatus::AwaitingAuthorisation => {
            return Err(unauthorized("the consent is still AWAITING_AUTHORISATION"));
        }
        ConsentStatus::Rejected => {
            let why = consent.rejection.unwrap_or("REJECTED");
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
            return Err(unauthorized(&detail));
        }
    }
    if let Some(missing) = &consent.missing {
        return Err(Problem::of(
            ProblemKind::Forbidden,
            StatusCode::FORBIDDEN,
            format!(
                "the consent does not grant {missing}, which {} needs",
                op.id
            ),
        )
        .code("PERMISSAO_NAO_CONCEDIDA")
        .title("Permissão não concedida"));
    }
    Ok(consent)
}

/// A Customers operation, once [`authorise`] and the parameter checks passed.
pub fn handle(of: &OpenFinance, call: &Call<'_>) -> Reply {
    let (app, spec, op, req) = (call.app, call.spec, call.op, call.req);
    let Some(consent) = call.principal::<ConsentView>() else {
        return Err(Problem::internal(
            "the request reached its handler unauthenticated",
        ));
    };
    match consent.multiple_approval {
        Some(MultipleApproval::Pending) => return Ok(forbidden(of, app, op, Forbidden::Pending)),
        Some(MultipleApproval::Rejected) => {
            return Ok(forbidden(of, app, op, Forbidden::ApprovalRejected));
        }
        Some(MultipleApproval::Approved) | None => {}
    }
    let Some(document) = consent.document.clone() else {
        return Ok(error(
            app,
            Some(op),
            StatusCode::FORBIDDEN,
            "PERMISSAO_NAO_CONCEDIDA",
            "Permissão não concedida",
            "the consent names no businessEntity, so it covers no business data",
        ));
    };
    let persona = app.personas.get(&document);
    let standing = consent.standing.unwrap_or(persona.initial_status);
    match standing {
        CustomerStatus::Active => {}
        CustomerStatus::TemporarilyBlocked => {
            return Ok(forbidden(of, app, op, Forbidden::Blocked));
        }
        CustomerStatus::RelationshipClosed => return Ok(forbidden(of, app, op, Forbidden::Closed)),
    }
    if !representable(op, &document) {
        return Ok(error(
            app,
            Some(op),
            StatusCode::FORBIDDEN,
            "STATUS_UNAVAILABLE",
            "Recurso indisponível",
            &format!(
                "this API version ({}) cannot represent the alphanumeric CNPJ {document}",
                spec.version
            ),
        ));
    }
    Ok(respond(of, app, spec, op, req, &document, app.clock.now()))
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
/// `now` is the instant the request was checked at, which `meta.requestDateTime` reports.
fn respond(
    of: &OpenFinance,
    app: &App,
    spec: &ApiSpec,
    op: &Operation,
    req: &Req,
    document: &str,
    now: DateTime<Utc>,
) -> HttpResponse {
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
    let mut key = String::with_capacity(spec.base_path.len() + op.id.len() + document.len() + 2);
    for part in [spec.base_path.as_str(), "|", op.id.as_str(), "|", document] {
        key.push_str(part);
    }
    let cached = match of.cache.inner.get(&key) {
        Some(c) => c,
        None => {
            let c = Arc::new(Entry {
                data: build(app, spec, op, schema, document),
                declares_totals: schema["properties"]["meta"]["properties"]
                    .get("totalRecords")
                    .is_some(),
                paged: op.parameter(ParamLocation::Query, "page").is_some(),
                content_type: HeaderValue::from_str(
                    ok.content_type.as_deref().unwrap_or("application/json"),
                )
                .ok(),
                version: declares_version(op, 200)
                    .then(|| HeaderValue::from_str(&spec.version).ok())
                    .flatten(),
            });
            of.cache.inner.insert(key, c.clone());
            c
        }
    };

    let mut self_base = req.origin(app.config.public_url.as_deref());
    self_base.push_str(&req.path);

    // The body is written straight into bytes around the cached records; `links` and `meta` are
    // small, and building serde_json Values for them cost more than the rest of the handler.
    let mut body = Vec::with_capacity(4096);
    body.extend_from_slice(b"{\"data\":");
    let (paging, total_records, total_pages) = match &cached.data {
        Cached::Object(bytes) => {
            body.extend_from_slice(bytes);
            (None, 1usize, 1usize)
        }
        Cached::Records(items) if !cached.paged => {
            push_items(&mut body, items);
            (None, items.len(), 1)
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
            (Some((page, size)), total, pages)
        }
    };
    body.extend_from_slice(b",\"links\":");
    match paging {
        Some((page, size)) => write_page_links(&mut body, &self_base, page, size, total_pages),
        None => {
            body.extend_from_slice(b"{\"self\":");
            push_json_str(&mut body, &self_base);
            body.push(b'}');
        }
    }
    body.extend_from_slice(b",\"meta\":{");
    if cached.declares_totals {
        body.extend_from_slice(b"\"totalRecords\":");
        push_number(&mut body, total_records);
        body.extend_from_slice(b",\"totalPages\":");
        push_number(&mut body, total_pages);
        body.push(b',');
    }
    body.extend_from_slice(b"\"requestDateTime\":");
    push_json_str(&mut body, &ofb_datetime(now));
    body.extend_from_slice(b"}}");

    let mut response = http::typed_response(
        StatusCode::OK,
        cached.content_type.clone(),
        Bytes::from(body),
    );
    if let Some(v) = &cached.version {
        response.headers_mut().insert(http::X_V, v.clone());
    }
    response
}

/// A number as JSON writes it, without the formatting machinery.
fn push_number(out: &mut Vec<u8>, n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// A JSON string with serde_json's escaping (the same bytes a `Value::String` serialises to).
fn push_json_str(body: &mut Vec<u8>, s: &str) {
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *body, s);
}

/// [`page_links`] written straight into a body: same keys, order and escaping, no `Value`.
fn write_page_links(body: &mut Vec<u8>, base: &str, page: usize, size: usize, pages: usize) {
    let mut first = true;
    let mut link = |body: &mut Vec<u8>, name: &str, p: usize| {
        body.extend_from_slice(if first { b"{\"" } else { b",\"" });
        first = false;
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(b"\":");
        // JSON escaping works character by character: the escaped base with its closing quote
        // taken off, then the query (ASCII letters and digits, nothing to escape), is the escaped
        // URL, without building the URL first.
        push_json_str(body, base);
        body.pop();
        body.extend_from_slice(b"?page=");
        push_number(body, p);
        body.extend_from_slice(b"&page-size=");
        push_number(body, size);
        body.push(b'"');
    };
    link(body, "self", page);
    if page > 1 {
        link(body, "first", 1);
        link(body, "prev", page - 1);
    }
    if page < pages {
        link(body, "next", page + 1);
        link(body, "last", pages);
    }
    body.push(b'}');
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

    #[test]
    fn numbers_are_written_as_json_writes_them() {
        for n in [0usize, 7, 10, 25, 999, 1_000_000, usize::MAX] {
            let mut out = Vec::new();
            push_number(&mut out, n);
            assert_eq!(out, serde_json::to_vec(&n).unwrap());
        }
    }

    #[test]
    fn written_links_are_the_bytes_of_page_links() {
        // Hosts come from the request: escaping must match serde_json's exactly.
        for base in ["http://h/x", "http://a\"b\\c/é/\u{1}"] {
            for (page, pages) in [(1, 1), (1, 3), (2, 3), (3, 3)] {
                let mut written = Vec::new();
                write_page_links(&mut written, base, page, 25, pages);
                let expected = serde_json::to_vec(&page_links(base, page, 25, pages)).unwrap();
                assert_eq!(
                    String::from_utf8(written).unwrap(),
                    String::from_utf8(expected).unwrap()
                );
            }
        }
    }
}
