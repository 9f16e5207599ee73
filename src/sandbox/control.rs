//! The control API (`/sandbox/...`): ours, not any provider's. It moves the sandbox into the states a
//! test needs — an authorised consent, a blocked customer, an hour later — the way a real user or
//! back office would, without a browser.
//!
//! Shared routes live here (index, clock, reset, personas); each family answers its own under
//! `/sandbox/<family>/...`. Every route answers JSON; errors are `{"error": "...", "message": "..."}`.

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
    let (page, size) = match paging(req) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let filters: Vec<(&str, &str)> = req
        .query
        .iter()
        .filter(|(k, _)| k != "page" && k != "page-size")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
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
        (page - 1) * size,
        size,
    );
    ok(json!({
        "deliveries": list,
        "pending": app.callbacks.pending(family),
        "page": page,
        "pageSize": size,
        "total": total,
        "totalPages": total.div_ceil(size).max(1),
    }))
}

/// `page` (from 1) and `page-size` (1 to 1000, 100 by default) of a control listing.
pub fn paging(req: &Req) -> Result<(usize, usize), HttpResponse> {
    let number = |name: &str, default: usize, max: usize| match req.query_param(name) {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    &format!("{name} must be a whole number from 1 to {max}, got \"{v}\""),
                )
            }),
    };
    Ok((
        number("page", 1, usize::MAX / 1001)?,
        number("page-size", 100, 1000)?,
    ))
}

fn index(app: &App) -> HttpResponse {
    let mut routes: Vec<String> = vec![
        "GET  /sandbox/personas".into(),
        "GET  /sandbox/clock".into(),
        "POST /sandbox/clock  {\"advanceSeconds\": N}".into(),
        "POST /sandbox/reset".into(),
    ];
    let mut families = serde_json::Map::new();
    for f in app.families() {
        let mut lines = f.control_index();
        lines.push(format!(
            "GET  /sandbox/{}/deliveries?page=&page-size=&<field>=<value>",
            f.name()
        ));
        routes.extend(lines.iter().cloned());
        families.insert(f.name().to_string(), json!(lines));
    }
    ok(json!({"routes": routes, "families": families}))
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
