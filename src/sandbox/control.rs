//! The control API (`/sandbox/...`): ours, not any provider's. It moves the sandbox into the states a
//! test needs — an authorised consent, a blocked customer, an hour later — the way a real user or
//! back office would, without a browser.
//!
//! Shared routes live here (index, clock, reset, personas; the fault rules in `faults::control`);
//! each family answers its own under `/sandbox/<family>/...`. Every route answers JSON; errors are
//! `{"error": "...", "message": "..."}`.

use std::io::Write as _;

use chrono::Duration;
use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use super::App;
use super::clock::ofb_datetime;
use super::http::{self, HttpResponse, Req};

pub fn ok(body: Value) -> HttpResponse {
    http::json_response(StatusCode::OK, "application/json", &body)
}

/// An error of the control API.
pub fn error(status: StatusCode, message: &str) -> HttpResponse {
    http::json_response(
        status,
        "application/json",
        &json!({"error": status.canonical_reason().unwrap_or("error"), "message": message}),
    )
}

/// The body of a control request as JSON; an empty optional body is `{}`.
pub fn body_json(req: &Req, required: bool) -> Result<Value, HttpResponse> {
    if req.body.is_empty() && !required {
        return Ok(json!({}));
    }
    req.json().map_err(|e| error(StatusCode::BAD_REQUEST, &e))
}

pub fn handle(app: &App, req: &Req) -> HttpResponse {
    let segments: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    let method = &req.method;
    match (method, segments.as_slice()) {
        (&Method::GET, ["sandbox"]) => index(app),
        (&Method::GET, ["sandbox", "personas"]) => personas(app),
        (&Method::GET, ["sandbox", "clock"]) => clock(app),
        (&Method::POST, ["sandbox", "clock"]) => advance_clock(app, req),
        (&Method::POST, ["sandbox", "reset"]) => {
            app.reset();
            ok(json!({"reset": true}))
        }
        (_, ["sandbox", "faults", rest @ ..]) => super::faults::control::handle(app, req, rest),
        (_, ["sandbox", name, rest @ ..]) => family_route(app, req, name, rest),
        _ => not_found(req),
    }
}

fn not_found(req: &Req) -> HttpResponse {
    error(
        StatusCode::NOT_FOUND,
        &format!(
            "no control route {} {} (GET /sandbox lists them)",
            req.method, req.path
        ),
    )
}

/// `/sandbox/<family>/...`, or a top-level name a family answered before routes were per family.
fn family_route(app: &App, req: &Req, name: &str, rest: &[&str]) -> HttpResponse {
    if let Some(family) = app.family_named(name) {
        if req.method == Method::GET && rest == ["deliveries"] {
            return deliveries(app, family.name(), req);
        }
        return family
            .control(app, req, rest)
            .unwrap_or_else(|| not_found(req));
    }
    let legacy = app
        .families()
        .iter()
        .find(|f| f.legacy_control().contains(&name));
    if let Some(family) = legacy {
        let mut all = vec![name];
        all.extend_from_slice(rest);
        return family
            .control(app, req, &all)
            .unwrap_or_else(|| not_found(req));
    }
    not_found(req)
}

/// `GET /sandbox/<family>/deliveries`: every delivery attempt of the family's webhooks and
/// callbacks, oldest first, a page at a time (`page` from 1, `page-size` up to 1000). Any other
/// query parameter filters on the field of that name (`?documentNumber=...&eventName=...`).
pub fn deliveries(app: &App, family: &str, req: &Req) -> HttpResponse {
    let paging = match Paging::from_query(req) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let filters: Vec<(&str, &str)> = req
        .query
        .iter()
        .filter(|(k, _)| k != "page" && k != "page-size")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (start, _) = paging.bounds(usize::MAX);
    let (total, list) = app.callbacks.attempts(
        family,
        |a| {
            filters.iter().all(|(k, v)| {
                a.labels.get(*k).is_some_and(|l| match l {
                    Value::String(s) => s == v,
                    // Numbers and booleans compare by their JSON text (`attempt=2`).
                    other => v.parse::<Value>().is_ok_and(|p| &p == other),
                }) || (*k == "url" && a.url == *v)
                    || (*k == "state" && a.state == *v)
            })
        },
        start,
        paging.size,
    );
    let items = list
        .into_iter()
        .filter_map(|a| serde_json::to_value(a).ok());
    page_response(
        req,
        "deliveries",
        paging,
        total,
        items,
        &[("pending", json!(app.callbacks.pending(family)))],
    )
}

fn index(app: &App) -> HttpResponse {
    let mut routes: Vec<String> = vec![
        "GET  /sandbox/personas".into(),
        "GET  /sandbox/clock".into(),
        "POST /sandbox/clock  {\"advanceSeconds\": N}".into(),
        "POST /sandbox/reset".into(),
    ];
    routes.extend(super::faults::control::INDEX.iter().map(|s| s.to_string()));
    let mut families = serde_json::Map::new();
    for f in app.families() {
        // `/sandbox/<family>/deliveries` answers for every family; only those that deliver
        // anything list it (with their own filters) in their index.
        let lines = f.control_index();
        routes.extend(lines.iter().cloned());
        families.insert(f.name().to_string(), json!(lines));
    }
    ok(json!({
        "routes": routes,
        "families": families,
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
                _ => Err(error(
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
        return error(
            StatusCode::BAD_REQUEST,
            "advanceSeconds (a whole number of seconds) is required",
        );
    };
    // Time only moves forward: expiry that happened must stay happened.
    if !(0..=Duration::days(3650).num_seconds()).contains(&seconds) {
        return error(
            StatusCode::BAD_REQUEST,
            "advanceSeconds must be between 0 and 315360000 (ten years)",
        );
    }
    app.clock.advance(seconds);
    clock(app)
}
