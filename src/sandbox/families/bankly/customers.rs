//! The customer operations: register (PUT), read (GET, BASIC or DETAILED), update (PATCH) and
//! offboard (PATCH .../cancel).
//!
//! Each one validates everything first and only then takes the state lock, so a refused request
//! never leaves a half-written record; the events a change produces are queued before the lock is
//! released, which keeps webhook order equal to transition order.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use hyper::StatusCode;
use serde_json::{Map, Value, json};

use super::kyc::{self, Record, Refusal};
use super::validate::{self, FieldErrors};
use super::{ApiError, millis};
use crate::sandbox::App;
use crate::sandbox::http::{self, HttpResponse, Req};
use crate::spec::Operation;

/// Cache lifetimes of a GET (ours; the vendor asks clients to honour the header but publishes no
/// values): short while the analysis can still change the answer, longer once it ended.
pub const CACHE_RUNNING: &str = "private, max-age=30";
pub const CACHE_SETTLED: &str = "private, max-age=3600";

/// Fields a registration keeps, in the order GET shows them.
const REGISTRATION_FIELDS: &[&str] = &[
    "registerName",
    "socialName",
    "birthDate",
    "phone",
    "address",
    "declaredIncome",
    "assertedIncome",
    "occupation",
    "pep",
    "motherName",
    "email",
    "documentation",
    "hasBrazilianNationality",
];

fn refusal(r: Refusal) -> ApiError {
    match r {
        Refusal::NotFound => ApiError::not_found(),
        Refusal::Conflict { code, message } => {
            ApiError::new(StatusCode::CONFLICT, code, "documentNumber", message)
        }
        Refusal::NotApproved(status) => ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "documentNumber",
            format!(
                "Somente clientes APPROVED podem ser atualizados; o status atual é {}.",
                status.as_str()
            ),
        )
        .with_header("allow", "GET, PUT"),
        Refusal::Full => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_REQUESTS",
            "",
            format!(
                "O sandbox já guarda {} cadastros; POST /sandbox/reset recomeça.",
                kyc::MAX_CUSTOMERS
            ),
        )
        .with_header("retry-after", "60"),
    }
}

/// Keeps the registration's own fields; `+55` is stored as `55`, the form GET shows.
fn normalise(body: &Map<String, Value>) -> Map<String, Value> {
    let mut data = Map::new();
    for name in REGISTRATION_FIELDS {
        if let Some(v) = body.get(*name) {
            data.insert((*name).to_string(), v.clone());
        }
    }
    if let Some(phone) = data.get_mut("phone").and_then(Value::as_object_mut)
        && let Some(cc) = phone.get("countryCode").and_then(Value::as_str)
    {
        let bare = cc.trim_start_matches('+').to_string();
        phone.insert("countryCode".into(), Value::String(bare));
    }
    data
}

/// COMPLETE when everything an account needs beyond identity was given.
fn profile_of(data: &Map<String, Value>) -> &'static str {
    let has = |k: &str| data.contains_key(k);
    if has("address")
        && (has("assertedIncome") || has("declaredIncome"))
        && has("occupation")
        && has("pep")
    {
        "COMPLETE"
    } else {
        "SIMPLE"
    }
}

/// `PUT /bankly/customers/{documentNumber}`.
pub fn register(
    b: &super::Bankly,
    app: &App,
    op: &Operation,
    req: &Req,
    document: &str,
) -> Result<HttpResponse, ApiError> {
    let body = super::json_body(op, req)?;
    let now = app.clock.now();
    let today = now.date_naive();
    let mut errors = FieldErrors::default();
    if let Some(rb) = &op.request_body {
        validate::schema_errors(&rb.validator, &body, &mut errors);
    }
    validate::registration_rules(&body, today, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let Some(fields) = body.as_object() else {
        return Err(ApiError::bad_request(
            "",
            "O corpo deve ser um objeto JSON.",
        ));
    };
    let data = normalise(fields);
    let profile = profile_of(&data);
    let underage = data
        .get("birthDate")
        .and_then(Value::as_str)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .is_some_and(|b| validate::age(b, today) < 18);
    let bankly = b;
    let magic = bankly.magic.get(document);
    // Ten years is "never" for any test, and keeps the arithmetic far from chrono's limits.
    let delay = Duration::seconds(bankly.config.kyc_delay_seconds.min(315_360_000) as i64);
    let seed = app.config.seed;
    let mut events = Vec::new();
    {
        let Ok(mut state) = bankly.state.write() else {
            return Err(ApiError::internal());
        };
        let result = state.register(
            document,
            data,
            profile,
            now,
            |attempt| kyc::plan(seed, delay, document, attempt, magic, underage),
            &mut events,
        );
        // Steps that came due before the refusal are real transitions: announce them either way.
        bankly.webhooks.enqueue(app, &events);
        result.map_err(refusal)?;
    }
    Ok(http::empty_response(StatusCode::ACCEPTED))
}

/// `GET /bankly/customers/{documentNumber}`.
pub fn get(
    b: &super::Bankly,
    app: &App,
    op: &Operation,
    req: &Req,
    document: &str,
) -> Result<HttpResponse, ApiError> {
    let detailed = req.query_param("resultLevel") == Some("DETAILED");
    let now = app.clock.now();
    let bankly = b;
    // The common case (nothing due) only needs the read lock.
    let needs_write = bankly
        .state
        .read()
        .map(|s| s.has_due(document, now))
        .map_err(|_| ApiError::internal())?;
    if needs_write {
        let mut events = Vec::new();
        let Ok(mut state) = bankly.state.write() else {
            return Err(ApiError::internal());
        };
        state.advance(document, now, &mut events);
        bankly.webhooks.enqueue(app, &events);
    }
    let state = bankly.state.read().map_err(|_| ApiError::internal())?;
    let record = state.get(document).ok_or_else(ApiError::not_found)?;
    let full = customer_body(record, true);
    let body = if detailed {
        full
    } else {
        project(full, &level_fields(op, "BASIC"))
    };
    let cache = if record.status.analysing() {
        CACHE_RUNNING
    } else {
        CACHE_SETTLED
    };
    drop(state);
    let mut response = http::json_response(StatusCode::OK, "application/json", &body);
    http::set_header(&mut response, "cache-control", cache);
    Ok(response)
}

fn birth_datetime(date: &str) -> String {
    match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
        Ok(d) => format!("{}T00:00:00Z", d.format("%Y-%m-%d")),
        Err(_) => date.to_string(),
    }
}

/// The GET body, field order as the vendor's examples show it.
/// The fields a `resultLevel` shows, as the spec's `x-finsandbox-levels` on the answer's schema
/// lists them (empty: every field).
pub fn level_fields(op: &Operation, level: &str) -> Vec<String> {
    op.declared_response(200)
        .and_then(|r| r.schema())
        .and_then(|s| s.get("x-finsandbox-levels"))
        .and_then(|l| l.get(level))
        .and_then(Value::as_array)
        .map(|fields| {
            fields
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Keeps the fields of a level (every field when the level lists none).
fn project(body: Value, fields: &[String]) -> Value {
    match body {
        Value::Object(map) if !fields.is_empty() => Value::Object(
            map.into_iter()
                .filter(|(k, _)| fields.iter().any(|f| f == k))
                .collect(),
        ),
        other => other,
    }
}

pub fn customer_body(record: &Record, detailed: bool) -> Value {
    let data = &record.data;
    let text = |k: &str| data.get(k).and_then(Value::as_str).unwrap_or_default();
    let pep_level = data
        .get("pep")
        .and_then(|p| p.get("level"))
        .and_then(Value::as_str);
    let mut out = Map::new();
    out.insert("documentNumber".into(), json!(record.document));
    out.insert(
        "document".into(),
        json!({"value": record.document, "type": "CPF"}),
    );
    out.insert("registerName".into(), json!(text("registerName")));
    out.insert("socialName".into(), json!(text("socialName")));
    out.insert("birthDate".into(), json!(birth_datetime(text("birthDate"))));
    out.insert(
        "isPoliticallyExposedPerson".into(),
        json!(pep_level == Some("SELF")),
    );
    if detailed {
        out.insert("motherName".into(), json!(text("motherName")));
        for k in ["phone", "email", "address"] {
            if let Some(v) = data.get(k) {
                out.insert(k.into(), v.clone());
            }
        }
    }
    out.insert("profile".into(), json!(record.profile));
    out.insert("status".into(), json!(record.status.as_str()));
    out.insert("createdAt".into(), json!(millis(record.created_at)));
    out.insert("updatedAt".into(), json!(millis(record.updated_at)));
    if detailed {
        for k in ["declaredIncome", "assertedIncome"] {
            if let Some(v) = data.get(k) {
                out.insert(k.into(), v.clone());
            }
        }
        // Nothing is confirmed with a credit bureau here.
        out.insert("confirmedIncome".into(), Value::Null);
        if let Some(v) = data.get("occupation") {
            out.insert("occupation".into(), v.clone());
        }
        if let Some(level) = pep_level {
            out.insert("pep".into(), json!({"level": level, "verified": false}));
        }
        if let Some(v) = data.get("documentation") {
            out.insert("documentation".into(), v.clone());
        }
        out.insert("reasons".into(), json!(record.reasons));
    }
    Value::Object(out)
}

/// `PATCH /bankly/customers/{documentNumber}`.
pub fn update(
    b: &super::Bankly,
    app: &App,
    op: &Operation,
    req: &Req,
    document: &str,
) -> Result<HttpResponse, ApiError> {
    let body = super::json_body(op, req)?;
    let mut errors = FieldErrors::default();
    if let Some(rb) = &op.request_body {
        validate::schema_errors(&rb.validator, &body, &mut errors);
    }
    if let Some(data) = body.get("data").and_then(Value::as_object) {
        validate::contact_rules(data, "data", &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let changes = body
        .get("data")
        .and_then(Value::as_object)
        .map(normalise)
        .unwrap_or_default();
    change(b, app, |state, now, events| {
        state.update(document, changes, now, events)
    })?;
    Ok(http::empty_response(StatusCode::ACCEPTED))
}

/// `PATCH /bankly/customers/{documentNumber}/cancel`.
pub fn cancel(
    b: &super::Bankly,
    app: &App,
    op: &Operation,
    req: &Req,
    document: &str,
) -> Result<HttpResponse, ApiError> {
    let body = super::json_body(op, req)?;
    let mut errors = FieldErrors::default();
    if let Some(rb) = &op.request_body {
        validate::schema_errors(&rb.validator, &body, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    change(b, app, |state, now, events| {
        state.cancel(document, now, events)
    })?;
    Ok(http::empty_response(StatusCode::ACCEPTED))
}

/// Runs one change under the state lock and queues its events before releasing it.
pub fn change(
    b: &super::Bankly,
    app: &App,
    f: impl FnOnce(&mut kyc::KycState, DateTime<Utc>, &mut Vec<kyc::Event>) -> Result<(), Refusal>,
) -> Result<(), ApiError> {
    let now = app.clock.now();
    let mut events = Vec::new();
    let Ok(mut state) = b.state.write() else {
        return Err(ApiError::internal());
    };
    let result = f(&mut state, now, &mut events);
    b.webhooks.enqueue(app, &events);
    result.map_err(refusal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_needs_address_income_occupation_and_pep() {
        let full = json!({"address": {}, "assertedIncome": {}, "occupation": "1", "pep": {}});
        assert_eq!(profile_of(full.as_object().unwrap()), "COMPLETE");
        let partial = json!({"address": {}, "occupation": "1", "pep": {}});
        assert_eq!(profile_of(partial.as_object().unwrap()), "SIMPLE");
    }

    #[test]
    fn plus_sign_of_the_country_code_is_dropped() {
        let body = json!({"phone": {"countryCode": "+55", "number": "11987654321"}, "other": 1});
        let data = normalise(body.as_object().unwrap());
        assert_eq!(data["phone"]["countryCode"], "55");
        assert!(!data.contains_key("other"));
    }
}
