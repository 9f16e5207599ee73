//! `/sandbox/zarv/...`: what a test needs to see or set that Zarv's own API does not offer.
//!
//! - `GET  /sandbox/zarv/users`: who can log in (e-mail, password, ids) and their workspace's balance;
//! - `GET  /sandbox/zarv/workspaces`: each workspace's balance, list size and verifications;
//! - `POST /sandbox/zarv/workspaces/{workspaceId}/credit {"amount": "50.00"}`: a top-up;
//! - `GET  /sandbox/zarv/magic-documents`: the documents that give each outcome, prices, delays;
//! - `GET  /sandbox/zarv/deliveries?verificationId=&nationalId=&workspaceId=&status=&state=`: every
//!   callback attempt (the shared control API answers it; listed here since only families that
//!   deliver list it).

use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use super::Zarv;
use super::fixtures::Money;
use crate::sandbox::App;
use crate::sandbox::control::{body_json, error, ok};
use crate::sandbox::http::{HttpResponse, Req};

pub const INDEX: &[&str] = &[
    "GET  /sandbox/zarv/users",
    "GET  /sandbox/zarv/workspaces",
    "POST /sandbox/zarv/workspaces/{workspaceId}/credit  {\"amount\": \"50.00\"}",
    "GET  /sandbox/zarv/magic-documents",
    "GET  /sandbox/zarv/deliveries?verificationId=&nationalId=&workspaceId=&status=&state=&page=&page-size=",
];

pub fn handle(z: &Zarv, app: &App, req: &Req, rest: &[&str]) -> Option<HttpResponse> {
    Some(match (&req.method, rest) {
        (&Method::GET, ["users"]) => users(z, app),
        (&Method::GET, ["workspaces"]) => workspaces(z, app),
        (&Method::POST, ["workspaces", id, "credit"]) => credit(z, app, req, id),
        (&Method::GET, ["magic-documents"]) => magic_documents(z),
        _ => return None,
    })
}

fn users(z: &Zarv, app: &App) -> HttpResponse {
    z.settle(app);
    let Ok(state) = z.state.read() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "state unavailable");
    };
    let users: Vec<Value> = z
        .fixtures
        .users
        .iter()
        .map(|u| {
            let w = z.fixtures.workspace(&u.workspace_id);
            json!({
                "email": u.email,
                "password": u.password,
                "userId": u.user_id,
                "workspaceId": u.workspace_id,
                "workspaceName": w.map(|w| w.name.clone()),
                "balance": state.balance(&u.workspace_id).to_string(),
            })
        })
        .collect();
    ok(json!({"users": users}))
}

fn workspaces(z: &Zarv, app: &App) -> HttpResponse {
    z.settle(app);
    let Ok(state) = z.state.read() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "state unavailable");
    };
    let list: Vec<Value> = z
        .fixtures
        .workspaces
        .iter()
        .map(|w| {
            let verifications = state
                .verifications
                .values()
                .filter(|v| v.workspace_id == w.workspace_id)
                .count();
            json!({
                "workspaceId": w.workspace_id,
                "name": w.name,
                "balance": state.balance(&w.workspace_id).to_string(),
                "blacklist": state.blacklists.get(&w.workspace_id).map_or(0, |l| l.len()),
                "verifications": verifications,
            })
        })
        .collect();
    ok(json!({"workspaces": list}))
}

fn credit(z: &Zarv, app: &App, req: &Req, id: &str) -> HttpResponse {
    let Some(workspace) = z.fixtures.workspace(id) else {
        return error(
            StatusCode::NOT_FOUND,
            &format!("no workspace {id} (GET /sandbox/zarv/workspaces lists them)"),
        );
    };
    let body = match body_json(req, true) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let amount = match &body["amount"] {
        Value::String(s) => Money::parse(s.trim()),
        Value::Number(n) => n.as_u64().and_then(|n| n.checked_mul(100)).map(Money),
        _ => None,
    };
    let Some(amount) = amount.filter(|a| a.cents() > 0) else {
        return error(
            StatusCode::BAD_REQUEST,
            "amount is required: BRL as text with at most two decimals (\"50.00\") or a whole number",
        );
    };
    z.settle(app);
    let Ok(mut state) = z.state.write() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "state unavailable");
    };
    let balance = state.credit(&workspace.workspace_id, amount);
    ok(json!({
        "workspaceId": workspace.workspace_id,
        "credited": amount.to_string(),
        "balance": balance.to_string(),
    }))
}

fn magic_documents(z: &Zarv) -> HttpResponse {
    let docs: Vec<Value> = z
        .fixtures
        .magic_documents
        .iter()
        .map(|m| {
            let mut findings = Vec::new();
            for (on, name) in [
                (m.obit, "obit"),
                (m.restrictions, "restrictions"),
                (m.protests, "protests"),
                (m.bounced_checks, "bouncedChecks"),
                (m.assistance, "assistance"),
                (m.business_participations, "businessParticipations"),
            ] {
                if on {
                    findings.push(json!(name));
                }
            }
            let lawsuits = match m.lawsuits {
                super::fixtures::LawsuitLevel::None => None,
                super::fixtures::LawsuitLevel::Suspect => Some("suspect"),
                super::fixtures::LawsuitLevel::RedFlag => Some("redFlag"),
            };
            json!({
                "document": m.document,
                "label": m.label,
                "findings": findings,
                "lawsuits": lawsuits,
                "fails": m.fails,
                "blacklist": m.blacklist.as_ref().map(|b| json!({
                    "type": b.kind.as_response(),
                    "description": b.description,
                })),
                "outcome": if m.fails.is_some() { "FAILED" } else { "COMPLETED" },
            })
        })
        .collect();
    let c = &z.fixtures.costs;
    ok(json!({
        "magicDocuments": docs,
        "costs": {"full": c.full.to_string(), "light": c.light.to_string(), "serasa": c.serasa.to_string()},
        "lifecycle": {
            "processingAfterSeconds": z.lifecycle.processing_after_seconds,
            "finishedAfterSeconds": z.lifecycle.finished_after_seconds,
        },
        "callbacks": {
            "retryAfterMinutes": z.fixtures.callbacks.retry_after_minutes,
            "timeoutSeconds": z.fixtures.callbacks.timeout_seconds,
        },
    }))
}
