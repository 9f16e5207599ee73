//! The control API (`/sandbox/...`): ours, not any provider's. It moves the sandbox into the states a
//! test needs — an authorised consent, a blocked customer, an hour later — the way a real user or
//! back office would, without a browser.
//!
//! Every route answers JSON; errors are `{"error": "...", "message": "..."}`.

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
        (&Method::GET, ["sandbox"]) => index(),
        (&Method::GET, ["sandbox", "consents"]) => list_consents(app),
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

fn index() -> HttpResponse {
    ok(json!({"routes": [
        "GET  /sandbox/consents",
        "POST /sandbox/consents/{consentId}/authorise  {\"multipleApproval\": \"PENDING|APPROVED|REJECTED\"} -> {\"code\"}",
        "POST /sandbox/consents/{consentId}/reject  (awaiting: the customer refuses; authorised: the institution withdraws it)",
        "POST /sandbox/consents/{consentId}/multiple-approval  {\"status\": \"PENDING|APPROVED|REJECTED\"}",
        "PUT  /sandbox/customers/{document}/status  {\"status\": \"ACTIVE|TEMPORARILY_BLOCKED|RELATIONSHIP_CLOSED\"}",
        "GET  /sandbox/personas",
        "GET  /sandbox/clock",
        "POST /sandbox/clock  {\"advanceSeconds\": N}",
        "POST /sandbox/reset",
        "POST /sandbox/bankly/customers/{documentNumber}/kyc  {\"status\": ..., \"reasons\": [...]}",
        "GET  /sandbox/bankly/customers/{documentNumber}",
        "GET  /sandbox/bankly/webhooks/deliveries?documentNumber=&eventName=",
        "GET  /sandbox/bankly/webhooks/configurations",
        "GET  /sandbox/bankly/magic-documents",
        "GET  /sandbox/bankly/reasons",
    ]}))
}

/// Every consent with its status as of now: what a support desk would look up.
fn list_consents(app: &App) -> HttpResponse {
    let now = app.clock.now();
    let Ok(state) = app.open_finance.state.read() else {
        return generic_error(StatusCode::INTERNAL_SERVER_ERROR, "state unavailable");
    };
    let mut consents: Vec<_> = state.consents.values().map(|c| c.at(now)).collect();
    consents.sort_by(|a, b| a.created.cmp(&b.created).then(a.id.cmp(&b.id)));
    let list: Vec<Value> = consents
        .iter()
        .map(|c| {
            json!({
                "consentId": c.id,
                "status": c.status.as_str(),
                "loggedUser": c.logged_user,
                "businessEntity": c.business_entity,
                "permissions": c.permissions,
                "multipleApproval": c.multiple_approval.map(|a| format!("{a:?}").to_uppercase()),
                "rejection": c.rejection.as_ref().map(|r| json!({"rejectedBy": r.by, "code": r.code})),
            })
        })
        .collect();
    ok(json!({"count": list.len(), "consents": list}))
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
