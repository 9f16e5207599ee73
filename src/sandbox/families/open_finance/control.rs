//! Open Finance's control routes (`/sandbox/open-finance/...`, and the older top-level
//! `/sandbox/consents/...` and `/sandbox/customers/...`): the customer authorises or refuses a
//! consent, the other approvers decide, the institution sets a customer's standing.

use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use super::OpenFinance;
use super::state::{CODE_TTL, Code, ConsentStatus, new_secret};
use crate::br;
use crate::datagen::{CustomerStatus, MultipleApproval};
use crate::sandbox::App;
use crate::sandbox::control::{Paging, body_json, error, ok, page_response, scan_page};
use crate::sandbox::http::{HttpResponse, Req};

pub const INDEX: &[&str] = &[
    "GET  /sandbox/open-finance/consents?status=&document=&page=&page-size=",
    "POST /sandbox/open-finance/consents/{consentId}/authorise  {\"multipleApproval\": \"PENDING|APPROVED|REJECTED\"} -> {\"code\"}",
    "POST /sandbox/open-finance/consents/{consentId}/reject  (awaiting: the customer refuses; authorised: the institution withdraws it)",
    "POST /sandbox/open-finance/consents/{consentId}/multiple-approval  {\"status\": \"PENDING|APPROVED|REJECTED\"}",
    "PUT  /sandbox/open-finance/customers/{document}/status  {\"status\": \"ACTIVE|TEMPORARILY_BLOCKED|RELATIONSHIP_CLOSED\"}",
    "(the same routes answer without /open-finance: /sandbox/consents/..., /sandbox/customers/...)",
];

pub fn handle(of: &OpenFinance, app: &App, req: &Req, rest: &[&str]) -> Option<HttpResponse> {
    Some(match (&req.method, rest) {
        (&Method::GET, ["consents"]) => list_consents(of, app, req),
        (&Method::POST, ["consents", id, "authorise"]) => authorise(of, app, req, id),
        (&Method::POST, ["consents", id, "reject"]) => reject(of, app, id),
        (&Method::POST, ["consents", id, "multiple-approval"]) => multiple_approval(of, req, id),
        (&Method::PUT, ["customers", document, "status"]) => customer_status(of, req, document),
        _ => return None,
    })
}

/// The consents with their status as of now, in creation order, a page at a time (`page`, `page-size`),
/// optionally only those in one `status` or of one `document` (the logged user's CPF or the
/// business entity's CNPJ): what a support desk would look up.
fn list_consents(of: &OpenFinance, app: &App, req: &Req) -> HttpResponse {
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
                return error(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "status must be AWAITING_AUTHORISATION, AUTHORISED or REJECTED, got \"{}\"",
                        crate::sandbox::params::printable(s)
                    ),
                );
            }
        },
    };
    let document = req.query_param("document").map(br::strip_mask);
    let now = app.clock.now();
    let Ok(state) = of.state.read() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "state unavailable");
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
            error(
                StatusCode::BAD_REQUEST,
                &format!("{field} must be PENDING, APPROVED or REJECTED, got \"{s}\""),
            )
        }),
        Some(other) => Err(error(
            StatusCode::BAD_REQUEST,
            &format!("{field} must be a string, got {other}"),
        )),
    }
}

fn authorise(of: &OpenFinance, app: &App, req: &Req, id: &str) -> HttpResponse {
    let body = match body_json(req, false) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let requested = match parse_approval(&body, "multipleApproval") {
        Ok(a) => a,
        Err(r) => return r,
    };
    let now = app.clock.now();
    let Ok(mut state) = of.state.write() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "state unavailable");
    };
    let Some(stored) = state.consents.get_mut(id) else {
        return error(StatusCode::NOT_FOUND, &format!("no consent {id}"));
    };
    let current = stored.at(now);
    if current.status != ConsentStatus::AwaitingAuthorisation {
        *stored = current.clone();
        return error(
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
fn reject(of: &OpenFinance, app: &App, id: &str) -> HttpResponse {
    let now = app.clock.now();
    let Ok(mut state) = of.state.write() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "state unavailable");
    };
    let Some(stored) = state.consents.get_mut(id) else {
        return error(StatusCode::NOT_FOUND, &format!("no consent {id}"));
    };
    let current = stored.at(now);
    *stored = current;
    let (by, code) = match stored.status {
        ConsentStatus::AwaitingAuthorisation => ("USER", "CUSTOMER_MANUALLY_REJECTED"),
        ConsentStatus::Authorised => ("ASPSP", "INTERNAL_SECURITY_REASON"),
        ConsentStatus::Rejected => {
            return error(
                StatusCode::CONFLICT,
                &format!("consent {id} is already REJECTED"),
            );
        }
    };
    stored.reject_at(now, by, code, None);
    ok(json!({"consentId": id, "status": "REJECTED", "rejectedBy": by, "reason": code}))
}

fn multiple_approval(of: &OpenFinance, req: &Req, id: &str) -> HttpResponse {
    let body = match body_json(req, true) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let approval = match parse_approval(&body, "status") {
        Ok(Some(a)) => a,
        Ok(None) => return error(StatusCode::BAD_REQUEST, "status is required"),
        Err(r) => return r,
    };
    let Ok(mut state) = of.state.write() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "state unavailable");
    };
    let Some(stored) = state.consents.get_mut(id) else {
        return error(StatusCode::NOT_FOUND, &format!("no consent {id}"));
    };
    stored.multiple_approval = Some(approval);
    ok(json!({"consentId": id, "multipleApproval": body["status"]}))
}

fn customer_status(of: &OpenFinance, req: &Req, document: &str) -> HttpResponse {
    let plain = br::strip_mask(document);
    if !(plain.len() == 11 && br::is_valid_cpf(&plain)
        || plain.len() == 14 && br::is_valid_cnpj(&plain))
    {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("{document} is not a valid CPF or CNPJ"),
        );
    }
    let body = match body_json(req, true) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(status) = body["status"].as_str().and_then(CustomerStatus::parse) else {
        return error(
            StatusCode::BAD_REQUEST,
            "status must be ACTIVE, TEMPORARILY_BLOCKED or RELATIONSHIP_CLOSED",
        );
    };
    let Ok(mut state) = of.state.write() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "state unavailable");
    };
    state.customer_status.insert(plain.clone(), status);
    ok(json!({"document": plain, "status": status.as_str()}))
}
