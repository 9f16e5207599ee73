//! `/sandbox/faults`: the control routes of fault injection, shared by every family.

use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use super::super::App;
use super::super::control::{self, Paging, page_response};
use super::super::http::{self, HttpResponse, Req};
use super::RuleSpec;

/// Lines of the control API's index.
pub const INDEX: &[&str] = &[
    "POST   /sandbox/faults  {\"match\": {...}, \"fault\": {...}, \"probability\": P, \"times\": N}",
    "GET    /sandbox/faults",
    "GET    /sandbox/faults/{id}",
    "DELETE /sandbox/faults/{id}",
    "DELETE /sandbox/faults",
    "GET    /sandbox/faults/log?page=&page-size=&<field>=<value>",
];

/// `/sandbox/faults/<rest>`.
pub fn handle(app: &App, req: &Req, rest: &[&str]) -> HttpResponse {
    match (&req.method, rest) {
        (&Method::GET, []) => list(app, req),
        (&Method::POST, []) => create(app, req),
        (&Method::DELETE, []) => {
            let n = app.faults.clear();
            control::ok(json!({"deleted": n}))
        }
        (&Method::GET, ["log"]) => log(app, req),
        (_, []) => not_allowed(req, "GET, POST, DELETE"),
        (_, ["log"]) => not_allowed(req, "GET"),
        (&Method::GET, [id]) => match app.faults.get(id) {
            Some(rule) => control::ok(rule),
            None => unknown(id),
        },
        // The removed rule comes back with its final counts: a test that deletes its rule
        // learns in the same call whether it fired.
        (&Method::DELETE, [id]) => match app.faults.remove(id) {
            Some(rule) => control::ok(json!({"deleted": id, "rule": rule})),
            None => unknown(id),
        },
        (_, [_]) => not_allowed(req, "GET, DELETE"),
        _ => control::error(
            StatusCode::NOT_FOUND,
            &format!(
                "no control route {} {} (GET /sandbox lists them)",
                req.method, req.path
            ),
        ),
    }
}

fn not_allowed(req: &Req, allow: &str) -> HttpResponse {
    let mut r = control::error(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!(
            "{} is not accepted on {}; allowed: {allow}",
            req.method, req.path
        ),
    );
    http::set_header(&mut r, "allow", allow);
    r
}

fn unknown(id: &str) -> HttpResponse {
    control::error(
        StatusCode::NOT_FOUND,
        &format!(
            "no fault rule \"{}\" (GET /sandbox/faults lists them)",
            super::printable(id)
        ),
    )
}

fn create(app: &App, req: &Req) -> HttpResponse {
    let body = match control::body_json(req, true) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let spec: RuleSpec = match serde_json::from_value(body) {
        Ok(s) => s,
        Err(e) => return control::error(StatusCode::BAD_REQUEST, &format!("fault rule: {e}")),
    };
    match app.faults.add(spec, &app.fault_catalog()) {
        Ok(view) => {
            let mut r = http::json_response(StatusCode::CREATED, "application/json", &view);
            if let Some(id) = view["id"].as_str() {
                http::set_header(&mut r, "location", &format!("/sandbox/faults/{id}"));
            }
            r
        }
        Err(refusal) => {
            let mut body = json!({"error": "Bad Request", "message": refusal.message});
            if let (Value::Object(b), Value::Object(d)) = (&mut body, refusal.detail) {
                b.extend(d);
            }
            http::json_response(StatusCode::BAD_REQUEST, "application/json", &body)
        }
    }
}

/// `GET /sandbox/faults`: the rules with their counters, a page at a time.
fn list(app: &App, req: &Req) -> HttpResponse {
    let paging = match Paging::from_query(req) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (total, page) = control::scan_page(app.faults.list().into_iter(), paging);
    page_response(
        req,
        "faults",
        paging,
        total,
        page,
        &[("faultHeader", json!(app.faults.header_enabled()))],
    )
}

/// `GET /sandbox/faults/log`: the injected faults, oldest first. Any query parameter other than
/// the paging ones filters on the field of that name (`rule=f1`, `operationId=...`, `status=529`
/// reads the fault's own fields too).
fn log(app: &App, req: &Req) -> HttpResponse {
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
    let (total, page, dropped) = app.faults.log_page(
        |e| {
            if filters.is_empty() {
                return true;
            }
            let v = serde_json::to_value(e).unwrap_or(Value::Null);
            filters.iter().all(|(k, want)| {
                let field = v.get(*k).or_else(|| v["fault"].get(*k));
                field.is_some_and(|f| match f {
                    Value::String(s) => s == want,
                    other => want.parse::<Value>().is_ok_and(|p| &p == other),
                })
            })
        },
        start,
        paging.size,
    );
    let items = page
        .into_iter()
        .filter_map(|e| serde_json::to_value(e).ok());
    page_response(
        req,
        "log",
        paging,
        total,
        items,
        &[("dropped", json!(dropped))],
    )
}
