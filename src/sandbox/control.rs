//! The control API (`/sandbox/...`): ours, not any provider's. It moves the sandbox into the states a
//! test needs — an authorised consent, a blocked customer, an hour later — the way a real user or
//! back office would, without a browser.
//!
//! Every route answers JSON; errors are `{"error": "...", "message": "..."}`.

use std::io::Write as _;

use chrono::Duration;
use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use super::App;
use super::clock::ofb_datetime;
use super::families::generic_error;
use super::families::open_finance::state::{CODE_TTL, Code, ConsentStatus, new_secret};
use super::http::{self, HttpResponse, Req};
use crate::datagen::br;
use crate::datagen::{CustomerStatus, MultipleApproval};

fn ok(body: Value) -> HttpResponse {
    http::json_response(StatusCode::OK, "application/json", &body)
}

fn body_json(req: &Req, required: bool) -> Result<Value, HttpResponse> {
    if req.body.is_empty() && !required {
        return Ok(json!({}));
    }
    req.json()
        .map_err(|e| generic_error(StatusCode::BAD_REQUEST, &e))
}

pub fn handle(app: &App, req: &Req) -> HttpResponse {
    let segments: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    let method = &req.method;
    match (method, segments.as_slice()) {
        (&Method::GET, ["sandbox"]) => index(app),
        (&Method::GET, ["sandbox", "consents"]) => list_consents(app, req),
        (&Method::POST, ["sandbox", "consents", id, "authorise"]) => authorise(app, req, id),
        (&Method::POST, ["sandbox", "consents", id, "reject"]) => reject(app, id),
        (&Method::POST, ["sandbox", "consents", id, "multiple-approval"]) => {
            multiple_approval(app, req, id)
        }
        (&Method::PUT, ["sandbox", "customers", document, "status"]) => {
            customer_status(app, req, document)
        }
        (&Method::GET, ["sandbox", "personas"]) => personas(app),
        (&Method::GET, ["sandbox", "clock"]) => clock(app),
        (&Method::POST, ["sandbox", "clock"]) => advance_clock(app, req),
        (&Method::POST, ["sandbox", "reset"]) => {
            app.reset();
            ok(json!({"reset": true}))
        }
        (_, ["sandbox", "bankly", rest @ ..]) => super::families::bankly::control(app, req, rest),
        _ => generic_error(
            StatusCode::NOT_FOUND,
            &format!(
                "no control route {} {} (GET /sandbox lists them)",
                req.method, req.path
            ),
        ),
    }
}

fn index(app: &App) -> HttpResponse {
    ok(json!({
        "routes": [
            "GET  /sandbox/consents?status=&document=&page=&page-size=",
            "POST /sandbox/consents/{consentId}/authorise  {\"multipleApproval\": \"PENDING|APPROVED|REJECTED\"} -> {\"code\"}",
            "POST /sandbox/consents/{consentId}/reject  (awaiting: the customer refuses; authorised: the institution withdraws it)",
            "POST /sandbox/consents/{consentId}/multiple-approval  {\"status\": \"PENDING|APPROVED|REJECTED\"}",
            "PUT  /sandbox/customers/{document}/status  {\"status\": \"ACTIVE|TEMPORARILY_BLOCKED|RELATIONSHIP_CLOSED\"}",
            "GET  /sandbox/personas",
            "GET  /sandbox/clock",
            "POST /sandbox/clock  {\"advanceSeconds\": N}",
            "POST /sandbox/reset",
            "GET  /sandbox/bankly/customers?status=&documentNumber=&page=&page-size=",
            "POST /sandbox/bankly/customers/{documentNumber}/kyc  {\"status\": ..., \"reasons\": [...]}",
            "GET  /sandbox/bankly/customers/{documentNumber}",
            "GET  /sandbox/bankly/webhooks/deliveries?documentNumber=&eventName=&page=&page-size=",
            "GET  /sandbox/bankly/webhooks/configurations?page=&page-size=",
            "GET  /sandbox/bankly/magic-documents",
            "GET  /sandbox/bankly/reasons",
        ],
        // How links are written, so a harness reaching us by an IP address can use a name that
        // Customers v1's link pattern accepts (and resolve it to that address itself).
        "linkHost": app
            .config
            .public_url
            .as_deref()
            .and_then(|u| reqwest::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| http::PUBLISHED_HOST.to_string()),
        "publicUrl": app.config.public_url,
    }))
}

// ------------------------------------------------------------------------------------ paging

/// Default and largest `page-size` of a control listing: pages stay small whatever the store holds.
pub const DEFAULT_PAGE_SIZE: usize = 100;
pub const MAX_PAGE_SIZE: usize = 1000;

/// Which page of a control listing a request asks for (`page` from 1, `page-size` 1 to 1000).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: usize,
    pub size: usize,
}

impl Paging {
    /// Reads `page` and `page-size`; a bad value is a 400 that says what is accepted.
    pub fn from_query(req: &Req) -> Result<Paging, HttpResponse> {
        let number = |name: &str, default: usize, max: usize| match req.query_param(name) {
            None => Ok(default),
            Some(raw) => match raw.parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(generic_error(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "{name} must be a whole number from 1 to {max}, got \"{}\"",
                        super::params::printable(raw)
                    ),
                )),
            },
        };
        Ok(Paging {
            page: number("page", 1, u32::MAX as usize)?,
            size: number("page-size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?,
        })
    }

    /// Index of the page's first item, and one past its last, among `total` items.
    pub fn bounds(&self, total: usize) -> (usize, usize) {
        let start = (self.page - 1).saturating_mul(self.size).min(total);
        (start, start.saturating_add(self.size).min(total))
    }

    pub fn total_pages(&self, total: usize) -> usize {
        total.div_ceil(self.size).max(1)
    }
}

/// The `count` / `page` / `pageSize` / `totalPages` envelope of a control listing around one page
/// of items, with `links` to the neighbouring pages (the request's filters kept). Items are
/// serialised one by one into the body: nothing but this page is ever copied.
pub fn page_response<I>(
    req: &Req,
    key: &str,
    paging: Paging,
    total: usize,
    items: I,
    extra: &[(&str, Value)],
) -> HttpResponse
where
    I: IntoIterator<Item = Value>,
{
    let pages = paging.total_pages(total);
    let mut body = Vec::with_capacity(256);
    // Writing JSON into a Vec cannot fail; keys are our own ASCII.
    let _ = write!(
        body,
        "{{\"count\":{total},\"page\":{},\"pageSize\":{},\"totalPages\":{pages},\"{key}\":[",
        paging.page, paging.size
    );
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        let _ = serde_json::to_writer(&mut body, &item);
    }
    body.push(b']');
    for (name, value) in extra {
        let _ = write!(body, ",\"{name}\":");
        let _ = serde_json::to_writer(&mut body, value);
    }
    body.extend_from_slice(b",\"links\":");
    let link = |page: usize| {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &req.query {
            if k != "page" && k != "page-size" {
                q.append_pair(k, v);
            }
        }
        q.append_pair("page", &page.to_string());
        q.append_pair("page-size", &paging.size.to_string());
        json!(format!("{}?{}", req.path, q.finish()))
    };
    let mut links = serde_json::Map::new();
    links.insert("self".into(), link(paging.page));
    if paging.page > 1 {
        links.insert("first".into(), link(1));
        links.insert("prev".into(), link((paging.page - 1).min(pages)));
    }
    if paging.page < pages {
        links.insert("next".into(), link(paging.page + 1));
        links.insert("last".into(), link(pages));
    }
    let _ = serde_json::to_writer(&mut body, &Value::Object(links));
    body.push(b'}');
    http::bytes_response(StatusCode::OK, "application/json", bytes::Bytes::from(body))
}

/// How many of `items` there are and the ones on page `paging`, in the iterator's order: one pass,
/// and only the page is kept.
pub fn scan_page<T>(items: impl Iterator<Item = T>, paging: Paging) -> (usize, Vec<T>) {
    let (start, _) = paging.bounds(usize::MAX);
    let mut total = 0;
    let mut page = Vec::with_capacity(paging.size.min(64));
    for item in items {
        if total >= start && page.len() < paging.size {
            page.push(item);
        }
        total += 1;
    }
    (total, page)
}

/// The consents with their status as of now, in creation order, a page at a time (`page`, `page-size`),
/// optionally only those in one `status` or of one `document` (the logged user's CPF or the
/// business entity's CNPJ): what a support desk would look up.
fn list_consents(app: &App, req: &Req) -> HttpResponse {
    let paging = match Paging::from_query(req) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let status = match req.query_param("status") {
        None => None,
        Some(s) => match [
            ConsentStatus::AwaitingAuthorisation,
            ConsentStatus::Authorised,
            ConsentStatus::Rejected,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
        {
            Some(c) => Some(c),
            None => {
                return generic_error(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "status must be AWAITING_AUTHORISATION, AUTHORISED or REJECTED, got \"{}\"",
                        super::params::printable(s)
                    ),
                );
            }
        },
    };
    let document = req.query_param("document").map(br::strip_mask);
    let now = app.clock.now();
    let Ok(state) = app.open_finance.state.read() else {
        return generic_error(StatusCode::INTERNAL_SERVER_ERROR, "state unavailable");
    };
    // The store keeps consents in creation order: an unfiltered page is a slice of it, a filtered
    // one a single pass. Nothing but the page is copied.
    let (total, page) = if status.is_none() && document.is_none() {
        let (start, end) = paging.bounds(state.consents.len());
        let page: Vec<_> = state
            .consents
            .values()
            .skip(start)
            .take(end - start)
            .collect();
        (state.consents.len(), page)
    } else {
        scan_page(
            state.consents.values().filter(|c| {
                status.is_none_or(|s| c.status_at(now).0 == s)
                    && document.as_deref().is_none_or(|d| {
                        c.logged_user == d || c.business_entity.as_deref() == Some(d)
                    })
            }),
            paging,
        )
    };
    let items = page.into_iter().map(|stored| {
        let c = stored.at(now);
        json!({
            "consentId": c.id,
            "status": c.status.as_str(),
            "loggedUser": c.logged_user,
            "businessEntity": c.business_entity,
            "permissions": c.permissions,
            "multipleApproval": c.multiple_approval.map(|a| format!("{a:?}").to_uppercase()),
            "rejection": c.rejection.as_ref().map(|r| json!({"rejectedBy": r.by, "code": r.code})),
        })
    });
    page_response(req, "consents", paging, total, items, &[])
}

fn parse_approval(body: &Value, field: &str) -> Result<Option<MultipleApproval>, HttpResponse> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => MultipleApproval::parse(s).map(Some).ok_or_else(|| {
            generic_error(
                StatusCode::BAD_REQUEST,
                &format!("{field} must be PENDING, APPROVED or REJECTED, got \"{s}\""),
            )
        }),
        Some(other) => Err(generic_error(
            StatusCode::BAD_REQUEST,
            &format!("{field} must be a string, got {other}"),
        )),
    }
}

fn authorise(app: &App, req: &Req, id: &str) -> HttpResponse {
    let body = match body_json(req, false) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let requested = match parse_approval(&body, "multipleApproval") {
        Ok(a) => a,
        Err(r) => return r,
    };
    let now = app.clock.now();
    let Ok(mut state) = app.open_finance.state.write() else {
        return generic_error(StatusCode::INTERNAL_SERVER_ERROR, "state unavailable");
    };
    let Some(stored) = state.consents.get_mut(id) else {
        return generic_error(StatusCode::NOT_FOUND, &format!("no consent {id}"));
    };
    let current = stored.at(now);
    if current.status != ConsentStatus::AwaitingAuthorisation {
        *stored = current.clone();
        return generic_error(
            StatusCode::CONFLICT,
            &format!(
                "consent {id} is {}; only AWAITING_AUTHORISATION consents can be authorised",
                current.status.as_str()
            ),
        );
    }
    // Without an explicit choice, a magic document's fixture decides (pending approval and so on).
    let subject = stored
        .business_entity
        .clone()
        .unwrap_or_else(|| stored.logged_user.clone());
    let approval = requested.or_else(|| app.personas.get(&subject).default_multiple_approval);
    stored.status = ConsentStatus::Authorised;
    stored.status_updated = now;
    stored.multiple_approval = approval;
    let code = new_secret();
    state.codes.insert(
        code.clone(),
        Code {
            consent_id: id.to_string(),
            expires_at: now + CODE_TTL,
            used: false,
            issued: Vec::new(),
        },
    );
    ok(json!({
        "consentId": id,
        "status": "AUTHORISED",
        "multipleApproval": approval.map(|a| format!("{a:?}").to_uppercase()),
        "code": code,
        "codeExpiresIn": CODE_TTL.num_seconds(),
    }))
}

/// Rejects a consent the way a transmitting institution can: the customer refuses one that awaits
/// authorisation (`USER`, `CUSTOMER_MANUALLY_REJECTED`), or the institution withdraws an authorised
/// one, e.g. on fraud suspicion (`ASPSP`, `INTERNAL_SECURITY_REASON`). Tokens issued before stop
/// working either way.
fn reject(app: &App, id: &str) -> HttpResponse {
    let now = app.clock.now();
    let Ok(mut state) = app.open_finance.state.write() else {
        return generic_error(StatusCode::INTERNAL_SERVER_ERROR, "state unavailable");
    };
    let Some(stored) = state.consents.get_mut(id) else {
        return generic_error(StatusCode::NOT_FOUND, &format!("no consent {id}"));
    };
    let current = stored.at(now);
    *stored = current;
    let (by, code) = match stored.status {
        ConsentStatus::AwaitingAuthorisation => ("USER", "CUSTOMER_MANUALLY_REJECTED"),
        ConsentStatus::Authorised => ("ASPSP", "INTERNAL_SECURITY_REASON"),
        ConsentStatus::Rejected => {
            return generic_error(
                StatusCode::CONFLICT,
                &format!("consent {id} is already REJECTED"),
            );
        }
    };
    stored.reject_at(now, by, code, None);
    ok(json!({"consentId": id, "status": "REJECTED", "rejectedBy": by, "reason": code}))
}

fn multiple_approval(app: &App, req: &Req, id: &str) -> HttpResponse {
    let body = match body_json(req, true) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let approval = match parse_approval(&body, "status") {
        Ok(Some(a)) => a,
        Ok(None) => return generic_error(StatusCode::BAD_REQUEST, "status is required"),
        Err(r) => return r,
    };
    let Ok(mut state) = app.open_finance.state.write() else {
        return generic_error(StatusCode::INTERNAL_SERVER_ERROR, "state unavailable");
    };
    let Some(stored) = state.consents.get_mut(id) else {
        return generic_error(StatusCode::NOT_FOUND, &format!("no consent {id}"));
    };
    stored.multiple_approval = Some(approval);
    ok(json!({"consentId": id, "multipleApproval": body["status"]}))
}

fn customer_status(app: &App, req: &Req, document: &str) -> HttpResponse {
    let plain = br::strip_mask(document);
    if !(plain.len() == 11 && br::is_valid_cpf(&plain)
        || plain.len() == 14 && br::is_valid_cnpj(&plain))
    {
        return generic_error(
            StatusCode::BAD_REQUEST,
            &format!("{document} is not a valid CPF or CNPJ"),
        );
    }
    let body = match body_json(req, true) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(status) = body["status"].as_str().and_then(CustomerStatus::parse) else {
        return generic_error(
            StatusCode::BAD_REQUEST,
            "status must be ACTIVE, TEMPORARILY_BLOCKED or RELATIONSHIP_CLOSED",
        );
    };
    let Ok(mut state) = app.open_finance.state.write() else {
        return generic_error(StatusCode::INTERNAL_SERVER_ERROR, "state unavailable");
    };
    state.customer_status.insert(plain.clone(), status);
    ok(json!({"document": plain, "status": status.as_str()}))
}

fn personas(app: &App) -> HttpResponse {
    let list: Vec<Value> = app
        .personas
        .fixtures()
        .personas
        .iter()
        .map(|f| {
            let p = app.personas.get(&f.document);
            json!({
                "document": f.document,
                "label": f.label,
                "name": p.company.as_ref().map(|c| c.legal_name.clone()).unwrap_or_else(|| p.civil_name.clone()),
                "status": p.initial_status.as_str(),
                "multipleApproval": p.default_multiple_approval.map(|a| format!("{a:?}").to_uppercase()),
                "identificationRecords": p.records,
            })
        })
        .collect();
    ok(json!({"seed": app.config.seed, "personas": list}))
}

fn clock(app: &App) -> HttpResponse {
    ok(json!({
        "now": ofb_datetime(app.clock.now()),
        "offsetSeconds": app.clock.offset_seconds(),
    }))
}

fn advance_clock(app: &App, req: &Req) -> HttpResponse {
    let body = match body_json(req, true) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(seconds) = body["advanceSeconds"].as_i64() else {
        return generic_error(
            StatusCode::BAD_REQUEST,
            "advanceSeconds (a whole number of seconds) is required",
        );
    };
    // Time only moves forward: expiry that happened must stay happened.
    if !(0..=Duration::days(3650).num_seconds()).contains(&seconds) {
        return generic_error(
            StatusCode::BAD_REQUEST,
            "advanceSeconds must be between 0 and 315360000 (ten years)",
        );
    }
    app.clock.advance(seconds);
    clock(app)
}
