//! `/sandbox/bankly/...`: what a Bankly analyst or back office would do, for tests.
//!
//! - `POST /sandbox/bankly/customers/{documentNumber}/kyc {"status", "reasons"}` decides an
//!   analysis (legal transitions only; the rest of the automatic plan is dropped);
//! - `GET  /sandbox/bankly/customers/{documentNumber}` shows a registration with its history and
//!   the next scheduled step; `GET /sandbox/bankly/customers[?status=&documentNumber=]` lists them;
//! - `GET  /sandbox/bankly/webhooks/deliveries[?documentNumber=&eventName=]` lists every attempt;
//! - `GET  /sandbox/bankly/webhooks/configurations` lists configurations (without private keys);
//! - `GET  /sandbox/bankly/magic-documents` lists the fixtures and `reasons` our reason codes.
//!
//! Like the rest of the control API, answers are JSON and errors `{"error", "message"}`; a refused
//! KYC move adds `code` (`ILLEGAL_TRANSITION`).

use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use super::customers::{change, customer_body};
use super::kyc::{self, Status};
use super::millis;
use crate::sandbox::App;
use crate::sandbox::control::{Paging, error as generic_error, ok, page_response, scan_page};
use crate::sandbox::family::Family as _;
use crate::sandbox::http::{self, HttpResponse, Req};

pub const INDEX: &[&str] = &[
    "POST /sandbox/bankly/customers/{documentNumber}/kyc  {\"status\": ..., \"reasons\": [...]}",
    "GET  /sandbox/bankly/customers?status=&documentNumber=&page=&page-size=",
    "GET  /sandbox/bankly/customers/{documentNumber}",
    "GET  /sandbox/bankly/deliveries?documentNumber=&eventName=&page=&page-size=  (also /sandbox/bankly/webhooks/deliveries)",
    "GET  /sandbox/bankly/webhooks/configurations?page=&page-size=",
    "GET  /sandbox/bankly/magic-documents",
    "GET  /sandbox/bankly/reasons",
];

pub fn handle(b: &super::Bankly, app: &App, req: &Req, rest: &[&str]) -> HttpResponse {
    match (&req.method, rest) {
        (&Method::POST, ["customers", document, "kyc"]) => decide(b, app, req, document),
        (&Method::GET, ["customers"]) => registrations(b, app, req),
        (&Method::GET, ["customers", document]) => customer(b, app, document),
        (&Method::GET, ["webhooks", "deliveries"]) => {
            crate::sandbox::control::deliveries(app, super::NAME, req)
        }
        (&Method::GET, ["webhooks", "configurations"]) => configurations(b, req),
        (&Method::GET, ["magic-documents"]) => magic_documents(b),
        (&Method::GET, ["reasons"]) => reasons(),
        _ => generic_error(
            StatusCode::NOT_FOUND,
            &format!(
                "no control route {} {} (GET /sandbox lists them)",
                req.method, req.path
            ),
        ),
    }
}

fn decide(b: &super::Bankly, app: &App, req: &Req, document: &str) -> HttpResponse {
    let body: Value = match req.json() {
        Ok(b) => b,
        Err(e) => return generic_error(StatusCode::BAD_REQUEST, &e),
    };
    let Some(status) = body.get("status").and_then(Value::as_str) else {
        return generic_error(
            StatusCode::BAD_REQUEST,
            "status is required: IN_ANALYSIS, APPROVED, REPROVED, BLACKLISTED or CANCELED",
        );
    };
    let Some(status) = Status::parse(status) else {
        return generic_error(
            StatusCode::BAD_REQUEST,
            &format!(
                "status \"{}\" is not a KYC status (IN_ANALYSIS, APPROVED, REPROVED, BLACKLISTED, CANCELED)",
                super::printable(status)
            ),
        );
    };
    let given: Vec<String> = match body.get("reasons") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let strings: Option<Vec<String>> = items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect();
            match strings {
                Some(s) => s,
                None => {
                    return generic_error(
                        StatusCode::BAD_REQUEST,
                        "reasons must be a list of reason codes (strings)",
                    );
                }
            }
        }
        Some(_) => {
            return generic_error(
                StatusCode::BAD_REQUEST,
                "reasons must be a list of reason codes",
            );
        }
    };
    let reasons = match kyc::reasons_for(status, &given) {
        Ok(r) => r,
        Err(e) => return generic_error(StatusCode::BAD_REQUEST, &e),
    };
    let result = change(b, app, |state, now, events| {
        state.force(document, status, reasons, now, events)
    });
    match result {
        Ok(()) => customer(b, app, document),
        Err(e) if e.status == StatusCode::NOT_FOUND => generic_error(
            StatusCode::NOT_FOUND,
            &format!(
                "no Bankly customer {document} (register it first with PUT /bankly/customers/{document})"
            ),
        ),
        Err(e) => {
            let (code, message) = e
                .items
                .first()
                .map(|(c, _, m)| (c.clone(), m.first().cloned().unwrap_or_default()))
                .unwrap_or_default();
            // The code (ILLEGAL_TRANSITION) lets a harness tell a refused move from any other 409
            // without parsing the message.
            http::json_response(
                e.status,
                "application/json",
                &json!({
                    "error": e.status.canonical_reason().unwrap_or("error"),
                    "code": code,
                    "message": message,
                }),
            )
        }
    }
}

fn customer(b: &super::Bankly, app: &App, document: &str) -> HttpResponse {
    let mut events = Vec::new();
    let Ok(mut state) = b.state.write() else {
        return generic_error(StatusCode::INTERNAL_SERVER_ERROR, "state unavailable");
    };
    state.advance(document, app.clock.now(), &mut events);
    b.webhooks.enqueue(app, &events);
    let Some(record) = state.get(document) else {
        return generic_error(
            StatusCode::NOT_FOUND,
            &format!("no Bankly customer {document}"),
        );
    };
    let history: Vec<Value> = record
        .history
        .iter()
        .map(|h| {
            json!({
                "at": millis(h.at),
                "from": h.from.map(Status::as_str),
                "to": h.to.as_str(),
                "reasons": h.reasons,
                "by": h.by,
            })
        })
        .collect();
    let next: Vec<Value> = record
        .pending
        .iter()
        .map(|(at, step)| json!({"at": millis(*at), "status": step.status.as_str(), "reasons": step.reasons}))
        .collect();
    ok(json!({
        "customer": customer_body(record, true),
        "attempts": record.attempts,
        "magicDocument": b.magic.get(document).map(|m| m.label.clone()),
        "scheduled": next,
        "history": history,
        "legalNext": record.status.successors(),
    }))
}

/// Every registration with its status now, in order of first registration, a page at a time; `status` and
/// `documentNumber` narrow it.
fn registrations(b: &super::Bankly, app: &App, req: &Req) -> HttpResponse {
    let paging = match Paging::from_query(req) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let status = match req.query_param("status") {
        None => None,
        Some(s) => match Status::parse(s) {
            Some(st) => Some(st),
            None => {
                return generic_error(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "status \"{}\" is not a KYC status ({})",
                        super::printable(s),
                        Status::ALL.map(Status::as_str).join(", ")
                    ),
                );
            }
        },
    };
    let document = req.query_param("documentNumber");
    // Due steps first, so every status listed is the one a read would show now.
    b.tick(app, app.clock.now());
    let Ok(state) = b.state.read() else {
        return generic_error(StatusCode::INTERNAL_SERVER_ERROR, "state unavailable");
    };
    let (total, page) = scan_page(
        state
            .records()
            .filter(|r| status.is_none_or(|s| r.status == s))
            .filter(|r| document.is_none_or(|d| r.document == d)),
        paging,
    );
    let items = page.into_iter().map(|r| {
        json!({
            "documentNumber": r.document,
            "status": r.status.as_str(),
            "profile": r.profile,
            "reasons": r.reasons,
            "attempts": r.attempts,
            "createdAt": millis(r.created_at),
            "updatedAt": millis(r.updated_at),
            "nextStepAt": r.next_due().map(millis),
        })
    });
    page_response(req, "customers", paging, total, items, &[])
}

fn configurations(b: &super::Bankly, req: &Req) -> HttpResponse {
    let paging = match Paging::from_query(req) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let all = b.webhooks.configurations();
    let total = all.len();
    let (start, end) = paging.bounds(total);
    let items = all[start..end].iter().map(|c| {
        json!({
            "id": c.id,
            "name": c.name,
            "context": c.context,
            "eventName": c.event_name,
            "uri": c.uri,
            "publicKey": c.public_key,
            "createdAt": millis(c.created_at),
        })
    });
    page_response(req, "configurations", paging, total, items, &[])
}

fn magic_documents(b: &super::Bankly) -> HttpResponse {
    ok(json!({
        "kycDelaySeconds": b.config.kyc_delay_seconds,
        "magicDocuments": b.magic.all(),
    }))
}

fn reasons() -> HttpResponse {
    let list: Vec<Value> = super::rules::rules()
        .reasons
        .iter()
        .map(|r| json!({"code": r.code, "description": r.description}))
        .collect();
    ok(json!({"reasons": list}))
}
