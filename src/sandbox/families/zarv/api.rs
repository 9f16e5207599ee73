//! The operations of `specs/zarv/zarv-id.yaml`, bound by operationId. The pipeline has already
//! checked `Accept`, `Content-Type`, the bearer token ([`super::Zarv::authenticate`]), parameters
//! and the body against its schema; what is left here are the rules no schema states (check digits,
//! the body's id matching the path's, the token's workspace, the balance) and the state.

use hyper::StatusCode;
use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::error::{self, invalid};
use super::fixtures::{BlacklistType, is_national_id};
use super::result::{self, Head, Options};
use super::state::{BlacklistEntry, Callback, Feedback, State, Verification};
use super::{Principal, Timeline, VerificationStatus, VerificationType, Zarv};
use crate::sandbox::family::{Call, Problem, Reply};
use crate::sandbox::http::{self, HttpResponse};

fn json_reply(status: StatusCode, body: &Value) -> HttpResponse {
    http::json_response(status, "application/json", body)
}

fn principal<'a>(call: &Call<'a>) -> Result<&'a Principal, Problem> {
    call.principal::<Principal>()
        .ok_or_else(|| error::unauthorized("an access token is required"))
}

fn state_error() -> Problem {
    Problem::internal("the Zarv state is unavailable")
}

fn not_a_document(id: &str) -> String {
    format!(
        "{} is not a CPF (11 digits) or CNPJ (14 characters) with valid check digits",
        crate::sandbox::pipeline::printable(id)
    )
}

// ------------------------------------------------------------------------------ authentication

pub fn login(z: &Zarv, call: &Call<'_>) -> Reply {
    let body = call.json()?;
    let username = body["username"].as_str().unwrap_or_default();
    let password = body["password"].as_str().unwrap_or_default();
    let user = z
        .fixtures
        .user_by_email(username)
        .filter(|u| u.password == password)
        .ok_or_else(|| error::unauthorized("wrong e-mail or password"))?;
    let pair = z
        .keys
        .issue(&user.user_id, &user.workspace_id, call.app.clock.now())
        .map_err(|e| Problem::internal(e.to_string()))?;
    Ok(json_reply(StatusCode::OK, &json!(pair)))
}

pub fn refresh(z: &Zarv, call: &Call<'_>) -> Reply {
    let body = call.json()?;
    let token = body["refreshToken"].as_str().unwrap_or_default();
    let now = call.app.clock.now();
    let claims = z
        .keys
        .verify_refresh(token, now)
        .map_err(|e| error::unauthorized(format!("the refresh token is refused: {e}")))?;
    if z.user_of(&claims).is_none() {
        return Err(error::unauthorized(
            "the refresh token names a user this sandbox does not know",
        ));
    }
    {
        let mut state = z.state.write().map_err(|_| state_error())?;
        if !state.spend_refresh(&claims.jti, claims.exp, now.timestamp()) {
            return Err(error::unauthorized(
                "the refresh token was already used: a refresh token works once; log in again",
            ));
        }
    }
    let pair = z
        .keys
        .issue(&claims.sub, &claims.workspace_id, now)
        .map_err(|e| Problem::internal(e.to_string()))?;
    Ok(json_reply(StatusCode::OK, &json!(pair)))
}

// ------------------------------------------------------------------------------ verifications

/// What a verification request asks for, read and checked once for a single one and a batch.
struct Request {
    kind: VerificationType,
    options: Options,
    callback: Option<Callback>,
    metadata: Value,
}

/// Headers a client may not set on its callbacks: the delivery service writes them.
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
];

fn read_request(body: &Value) -> Result<Request, Problem> {
    let verifications = &body["verifications"];
    let kind = verifications["type"]
        .as_str()
        .and_then(VerificationType::parse)
        .ok_or_else(|| invalid("verifications.type", "must be full or light"))?;
    let options = Options::from_request(verifications);
    let callback = match body.get("callback") {
        None | Some(Value::Null) => None,
        Some(c) => Some(read_callback(c)?),
    };
    let metadata = match body.get("metadata") {
        Some(m @ Value::Object(_)) => m.clone(),
        _ => json!({}),
    };
    Ok(Request {
        kind,
        options,
        callback,
        metadata,
    })
}

fn read_callback(c: &Value) -> Result<Callback, Problem> {
    let raw = c["url"].as_str().unwrap_or_default();
    let url = reqwest::Url::parse(raw).map_err(|e| {
        invalid(
            "callback.url",
            format!(
                "\"{}\" is not an absolute URL ({e})",
                crate::sandbox::pipeline::printable(raw)
            ),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(invalid(
            "callback.url",
            format!(
                "\"{}\" is not an http or https URL with a host; callbacks are delivered over HTTP",
                crate::sandbox::pipeline::printable(raw)
            ),
        ));
    }
    let method = match c["method"].as_str() {
        Some("POST") => hyper::Method::POST,
        Some("PUT") => hyper::Method::PUT,
        _ => return Err(invalid("callback.method", "must be POST or PUT")),
    };
    let mut headers = Vec::new();
    if let Some(map) = c.get("headers").and_then(Value::as_object) {
        for (name, value) in map {
            let field = format!("callback.headers.{name}");
            let Some(value) = value.as_str() else {
                return Err(invalid(&field, "a header value is text"));
            };
            if hyper::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(invalid(&field, "is not a valid HTTP header name"));
            }
            if hyper::header::HeaderValue::from_str(value).is_err() {
                return Err(invalid(
                    &field,
                    "the value cannot be sent in an HTTP header",
                ));
            }
            if RESERVED_HEADERS
                .iter()
                .any(|r| r.eq_ignore_ascii_case(name))
            {
                return Err(invalid(
                    &field,
                    "is set by the delivery itself and cannot be given",
                ));
            }
            headers.push((name.clone(), value.to_string()));
        }
    }
    Ok(Callback {
        url: url.to_string(),
        method,
        headers,
    })
}

/// Charges the workspace and records a verification of `national_id` (already checked).
fn create(
    z: &Zarv,
    state: &mut State,
    who: &Principal,
    national_id: &str,
    request: &Request,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Verification, String> {
    let price = z
        .fixtures
        .costs
        .price(request.kind, request.options.serasa());
    state.charge(&who.workspace_id, price)?;
    let fails = z
        .fixtures
        .magic(national_id)
        .is_some_and(|m| m.fails.is_some());
    let v = Verification {
        id: uuid::Uuid::new_v4().to_string(),
        workspace_id: who.workspace_id.clone(),
        user_id: who.user_id.clone(),
        national_id: national_id.to_string(),
        kind: request.kind,
        options: request.options,
        timeline: Timeline::new(now, &z.lifecycle),
        blacklisted: state.is_blacklisted(&who.workspace_id, national_id),
        outcome: if fails {
            VerificationStatus::Failed
        } else {
            VerificationStatus::Completed
        },
        price,
        callback: request.callback.clone(),
        metadata: request.metadata.clone(),
        settled: false,
    };
    state.insert(v.clone());
    Ok(v)
}

pub fn create_verification(z: &Zarv, call: &Call<'_>) -> Reply {
    let who = principal(call)?;
    let body = call.json()?;
    let national_id = body["nationalId"].as_str().unwrap_or_default();
    if !is_national_id(national_id) {
        return Err(invalid("nationalId", not_a_document(national_id)));
    }
    let request = read_request(body)?;
    let now = call.app.clock.now();
    let v = {
        let mut state = z.state.write().map_err(|_| state_error())?;
        z.settle_locked(call.app, &mut state, now);
        create(z, &mut state, who, national_id, &request, now).map_err(error::payment_required)?
    };
    Ok(json_reply(
        StatusCode::CREATED,
        &z.body_of(call.app, &v, now),
    ))
}

pub fn create_batch(z: &Zarv, call: &Call<'_>) -> Reply {
    let who = principal(call)?;
    let body = call.json()?;
    let request = read_request(body)?;
    let ids: Vec<&str> = body["nationalId"]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap_or_default()).collect())
        .unwrap_or_default();
    let now = call.app.clock.now();
    let mut items: IndexMap<String, Value> = IndexMap::new();
    let (mut success, mut errors) = (0u64, 0u64);
    {
        let mut state = z.state.write().map_err(|_| state_error())?;
        z.settle_locked(call.app, &mut state, now);
        for id in &ids {
            let outcome = if is_national_id(id) {
                create(z, &mut state, who, id, &request, now)
                    .map(|v| json!({"id": v.id}))
                    .map_err(|e| json!({"error": e}))
            } else {
                Err(json!({"error": format!("invalid national id: {}", not_a_document(id))}))
            };
            let item = match outcome {
                Ok(item) => {
                    success += 1;
                    item
                }
                Err(item) => {
                    errors += 1;
                    item
                }
            };
            // Keyed by the id as sent: a repeated id keeps its last attempt.
            items.insert((*id).to_string(), item);
        }
    }
    let items: Map<String, Value> = items.into_iter().collect();
    Ok(json_reply(
        StatusCode::ACCEPTED,
        &json!({
            "total": ids.len(),
            "success": success,
            "errors": errors,
            "items": items,
        }),
    ))
}

/// `page` and `limit` of a listing (the pipeline has checked their ranges).
fn paging(call: &Call<'_>, default_limit: usize) -> (usize, usize) {
    let number = |name: &str, default: usize| {
        call.req
            .query_param(name)
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| *n >= 1)
            .unwrap_or(default)
    };
    (number("page", 1), number("limit", default_limit))
}

pub fn list_verifications(z: &Zarv, call: &Call<'_>) -> Reply {
    let who = principal(call)?;
    let (page, limit) = paging(call, 10);
    let national_id = call.req.query_param("nationalId");
    let status = call
        .req
        .query_param("status")
        .and_then(VerificationStatus::parse);
    let now = call.app.clock.now();
    let skip = (page - 1).saturating_mul(limit);
    let (total, chosen) = {
        let state = z.state.read().map_err(|_| state_error())?;
        let mut total = 0usize;
        let mut chosen = Vec::new();
        for v in state.verifications.values().rev().filter(|v| {
            v.workspace_id == who.workspace_id
                && national_id.is_none_or(|n| v.national_id == n)
                && status.is_none_or(|s| v.status_at(now) == s)
        }) {
            if total >= skip && chosen.len() < limit {
                chosen.push(v.clone());
            }
            total += 1;
        }
        (total, chosen)
    };
    let items: Vec<Value> = chosen.iter().map(|v| z.body_of(call.app, v, now)).collect();
    Ok(json_reply(
        StatusCode::OK,
        &json!({"verifications": items, "page": page, "limit": limit, "total": total}),
    ))
}

fn find(z: &Zarv, call: &Call<'_>, who: &Principal) -> Result<Verification, Problem> {
    let id = call.req.param("id").unwrap_or_default();
    let state = z.state.read().map_err(|_| state_error())?;
    state
        .get(&who.workspace_id, id)
        .cloned()
        .ok_or_else(|| Problem::not_found(format!("no verification {id} in this workspace")))
}

pub fn get_verification(z: &Zarv, call: &Call<'_>) -> Reply {
    let who = principal(call)?;
    let v = find(z, call, who)?;
    let now = call.app.clock.now();
    Ok(json_reply(StatusCode::OK, &z.body_of(call.app, &v, now)))
}

pub fn get_pdf(z: &Zarv, call: &Call<'_>) -> Reply {
    let who = principal(call)?;
    let v = find(z, call, who)?;
    let now = call.app.clock.now();
    let status = v.status_at(now);
    if !status.is_final() {
        return Err(error::conflict(format!(
            "verification {} is {}; its report exists once it is COMPLETED or FAILED",
            v.id,
            status.as_str()
        )));
    }
    let outcome = z.outcome_of(call.app, &v);
    let bytes = super::report::render(&v, &outcome, now);
    let mut response = http::bytes_response(StatusCode::OK, "application/pdf", bytes.into());
    http::set_header(
        &mut response,
        "content-disposition",
        &format!("inline; filename=\"verification-{}.pdf\"", v.id),
    );
    Ok(response)
}

pub fn create_feedback(z: &Zarv, call: &Call<'_>) -> Reply {
    let who = principal(call)?;
    let body = call.json()?;
    let path_id = call.req.param("id").unwrap_or_default();
    let body_id = body["verificationId"].as_str().unwrap_or_default();
    if !body_id.eq_ignore_ascii_case(path_id) {
        return Err(invalid(
            "verificationId",
            format!("{body_id} is not the verification of the path ({path_id})"),
        ));
    }
    let v = find(z, call, who)?;
    let status = body["status"].as_str().unwrap_or_default().to_string();
    let comment = body["comment"].as_str().map(str::to_string);
    {
        let mut state = z.state.write().map_err(|_| state_error())?;
        state.feedbacks.insert(
            v.id.clone(),
            Feedback {
                status: status.clone(),
                comment,
                user_id: who.user_id.clone(),
                at: call.app.clock.now(),
            },
        );
    }
    Ok(json_reply(
        StatusCode::CREATED,
        &json!({"status": status, "verificationId": v.id}),
    ))
}

// ------------------------------------------------------------------------------ blacklist

/// The `workspaceId` of the query, which must be the token's.
fn own_workspace<'a>(call: &Call<'_>, who: &'a Principal) -> Result<&'a str, Problem> {
    let asked = call.req.query_param("workspaceId").unwrap_or_default();
    if !asked.eq_ignore_ascii_case(&who.workspace_id) {
        return Err(error::forbidden(format!(
            "workspaceId {} is not the workspace of this token",
            crate::sandbox::pipeline::printable(asked)
        )));
    }
    Ok(&who.workspace_id)
}

pub fn list_blacklist(z: &Zarv, call: &Call<'_>) -> Reply {
    let who = principal(call)?;
    let workspace = own_workspace(call, who)?;
    let (page, limit) = paging(call, 10);
    let skip = (page - 1).saturating_mul(limit);
    let state = z.state.read().map_err(|_| state_error())?;
    let list = state.blacklists.get(workspace);
    let total = list.map_or(0, IndexMap::len);
    let items: Vec<Value> = list
        .map(|l| {
            l.values()
                .rev()
                .skip(skip)
                .take(limit)
                .map(BlacklistEntry::to_json)
                .collect()
        })
        .unwrap_or_default();
    Ok(json_reply(
        StatusCode::OK,
        &json!({"blacklist": items, "page": page, "limit": limit, "total": total}),
    ))
}

pub fn add_to_blacklist(z: &Zarv, call: &Call<'_>) -> Reply {
    let who = principal(call)?;
    let workspace = own_workspace(call, who)?.to_string();
    let body = call.json()?;
    let national_id = body["nationalId"].as_str().unwrap_or_default();
    if !is_national_id(national_id) {
        return Err(invalid("nationalId", not_a_document(national_id)));
    }
    let kind = body["type"]
        .as_str()
        .and_then(BlacklistType::parse_request)
        .ok_or_else(|| invalid("type", "must be credit, fraud or other (lower case)"))?;
    let description = body["description"].as_str().unwrap_or_default().to_string();
    let mut state = z.state.write().map_err(|_| state_error())?;
    let list = state.blacklists.entry(workspace.clone()).or_default();
    if list.contains_key(national_id) {
        return Err(error::conflict(format!(
            "{national_id} is already on this workspace's list"
        )));
    }
    if list.len() >= super::state::MAX_BLACKLIST {
        return Err(invalid(
            "nationalId",
            format!(
                "the list holds {} entries, the most this sandbox keeps; remove one first",
                super::state::MAX_BLACKLIST
            ),
        ));
    }
    let entry = BlacklistEntry {
        id: uuid::Uuid::new_v4().to_string(),
        workspace_id: workspace,
        user_id: who.user_id.clone(),
        national_id: national_id.to_string(),
        kind,
        description,
        created_at: call.app.clock.now(),
    };
    let body = entry.to_json();
    list.insert(national_id.to_string(), entry);
    Ok(json_reply(StatusCode::CREATED, &body))
}

pub fn remove_from_blacklist(z: &Zarv, call: &Call<'_>) -> Reply {
    let who = principal(call)?;
    let workspace = own_workspace(call, who)?.to_string();
    let national_id = call.req.param("nationalId").unwrap_or_default();
    if !is_national_id(national_id) {
        return Err(invalid("nationalId", not_a_document(national_id)));
    }
    let mut state = z.state.write().map_err(|_| state_error())?;
    let removed = state
        .blacklists
        .get_mut(&workspace)
        .and_then(|l| l.shift_remove(national_id));
    match removed {
        Some(_) => Ok(http::empty_response(StatusCode::NO_CONTENT)),
        None => Err(Problem::not_found(format!(
            "{national_id} is not on this workspace's list"
        ))),
    }
}

impl Zarv {
    /// The result a finished verification shows (computed again on each read: it is a pure
    /// function of what the verification recorded).
    pub fn outcome_of(&self, app: &crate::sandbox::App, v: &Verification) -> result::Outcome {
        let persona = app.personas.get(&v.national_id);
        result::compute(&result::Input {
            seed: app.config.seed,
            persona: &persona,
            kind: v.kind,
            options: v.options,
            blacklisted: v.blacklisted,
            magic: self.fixtures.magic(&v.national_id),
            started_at: v.timeline.processing_at,
            ended_at: v.timeline.finished_at,
        })
    }

    /// The verification as the API shows it at `now`.
    pub fn body_of(
        &self,
        app: &crate::sandbox::App,
        v: &Verification,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Value {
        let status = v.status_at(now);
        let outcome = status.is_final().then(|| self.outcome_of(app, v));
        let head = Head {
            id: &v.id,
            workspace_id: &v.workspace_id,
            user_id: &v.user_id,
            national_id: &v.national_id,
            status,
            kind: v.kind,
            options: v.options,
            created_at: v.timeline.created_at,
            updated_at: v.timeline.updated_at(now),
        };
        result::verification_body(&head, outcome.as_ref())
    }
}
