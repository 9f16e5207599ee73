//! The generic step library: requests, and checks of status, schema, error codes, headers, fields and
//! links. Every check that fails says what it expected, what it got and where.

use chrono::Utc;
use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use serde_json::Value;

use super::super::client::JsonProblem;
use super::super::world::{CheckWorld, StepResult};
use super::{Auth, split_list};
use crate::spec::RouteMatch;
use crate::spec::judge::{self, Check, Parts};

// ---------------------------------------------------------------------------------- requests

#[given(expr = "the request header {string} is {string}")]
async fn header_is(w: &mut CheckWorld, name: String, value: String) -> StepResult {
    w.omit_headers.retain(|h| !h.eq_ignore_ascii_case(&name));
    w.extra_headers.push((name, value));
    Ok(())
}

#[given(expr = "the request header {string} is not sent")]
async fn header_not_sent(w: &mut CheckWorld, name: String) -> StepResult {
    w.extra_headers
        .retain(|(h, _)| !h.eq_ignore_ascii_case(&name));
    w.omit_headers.push(name);
    Ok(())
}

#[when(expr = "I GET {string}")]
async fn get(w: &mut CheckWorld, path: String) -> StepResult {
    w.request("GET", &path, Auth::Resource, None).await
}

#[when(expr = "I GET {string} without a token")]
async fn get_without_token(w: &mut CheckWorld, path: String) -> StepResult {
    w.request("GET", &path, Auth::None, None).await
}

#[when(expr = "I send {word} to {string}")]
async fn send_method(w: &mut CheckWorld, method: String, path: String) -> StepResult {
    w.request(&method.to_uppercase(), &path, Auth::Resource, None)
        .await
}

#[when(expr = "I {word} {string} with the body:")]
async fn send_with_body(
    w: &mut CheckWorld,
    step: &Step,
    method: String,
    path: String,
) -> StepResult {
    let body = step.docstring.clone().unwrap_or_default();
    let body = w.fill_placeholders(&body)?;
    w.request(
        &method.to_uppercase(),
        &path,
        Auth::Resource,
        Some(("application/json", body.into_bytes())),
    )
    .await
}

#[when(expr = "I follow the {word} link")]
async fn follow_link(w: &mut CheckWorld, name: String) -> StepResult {
    let link = w
        .last()?
        .json
        .as_ref()
        .and_then(|b| b["links"][&name].as_str())
        .map(str::to_string);
    match link {
        Some(url) => w.request("GET", &url, Auth::Resource, None).await,
        None => w.fail(
            format!("the response has no links.{name} to follow"),
            Some(format!("links.{name}")),
            Some(
                w.last
                    .as_ref()
                    .and_then(|s| s.json.as_ref())
                    .map(|b| b["links"].to_string())
                    .unwrap_or_default(),
            ),
            Vec::new(),
        ),
    }
}

// ---------------------------------------------------------------------------------- status

#[then(expr = "the status is {int}")]
async fn status_is(w: &mut CheckWorld, expected: u16) -> StepResult {
    let got = w.last()?.status;
    if got == expected {
        return Ok(());
    }
    let detail = error_summary(w);
    w.fail(
        format!("expected HTTP {expected}, got {got}{detail}"),
        Some(expected.to_string()),
        Some(got.to_string()),
        Vec::new(),
    )
}

#[then(expr = "the status is one of {string}")]
async fn status_one_of(w: &mut CheckWorld, list: String) -> StepResult {
    let got = w.last()?.status;
    let allowed = split_list(&list);
    if allowed.iter().any(|s| s == &got.to_string()) {
        return Ok(());
    }
    let detail = error_summary(w);
    w.fail(
        format!("expected HTTP one of {list}, got {got}{detail}"),
        Some(list),
        Some(got.to_string()),
        Vec::new(),
    )
}

/// One step for a row of a status table: the status, and for errors the accepted codes (`-`: any).
#[then(expr = "the status is {int} with the error code one of {string}")]
async fn status_with_code(w: &mut CheckWorld, expected: u16, codes: String) -> StepResult {
    status_is(w, expected).await?;
    if expected < 400 {
        return Ok(());
    }
    error_code_one_of(w, codes).await
}

/// `: CODE (detail)` of an error body, to make a wrong status self-explaining.
fn error_summary(w: &CheckWorld) -> String {
    let Some(body) = w.last.as_ref().and_then(|s| s.json.as_ref()) else {
        return String::new();
    };
    let code = body["errors"][0]["code"]
        .as_str()
        .or_else(|| body["error"].as_str());
    let detail = body["errors"][0]["detail"]
        .as_str()
        .or_else(|| body["errors"][0]["messages"][0].as_str())
        .or_else(|| body["error_description"].as_str());
    match (code, detail) {
        (Some(c), Some(d)) => format!(": {c} ({d})"),
        (Some(c), None) => format!(": {c}"),
        _ => String::new(),
    }
}

// ---------------------------------------------------------------------------------- schemas

/// Finds the operation of the last request in the run's specs.
fn operation_of_last(
    w: &CheckWorld,
) -> Result<(String, std::sync::Arc<crate::spec::Operation>), String> {
    let ctx = w.ctx().map_err(|e| e.0)?;
    let last = w
        .last
        .as_ref()
        .ok_or("no request was made before this step")?;
    let path = w.spec_path(&last.url);
    match ctx.router.find(&last.method, &path) {
        RouteMatch::Found {
            operation, spec, ..
        } => Ok((spec.label(), operation.clone())),
        _ => Err(format!(
            "no operation of the loaded specs matches {} {path}",
            last.method
        )),
    }
}

fn check_body_against(w: &mut CheckWorld, op_id: Option<&str>) -> StepResult {
    let ctx = w.ctx()?;
    let (label, op) = match op_id {
        None => match operation_of_last(w) {
            Ok(x) => x,
            Err(e) => return w.fail(e, None, None, Vec::new()),
        },
        Some(id) => {
            // Prefer the document whose base path the request went to (v1 and v2 share ids).
            let path = w.last()?.url.clone();
            let path = w.spec_path(&path);
            let found = ctx
                .specs
                .apis
                .iter()
                .filter(|s| path.starts_with(&s.base_path))
                .find_map(|s| s.operation(id).map(|o| (s.label(), o.clone())))
                .or_else(|| ctx.specs.operation(id).map(|(s, o)| (s.label(), o.clone())));
            match found {
                Some(x) => x,
                None => {
                    return w.fail(
                        format!("no operation {id} in the loaded specs"),
                        None,
                        None,
                        Vec::new(),
                    );
                }
            }
        }
    };
    let last = w.last()?.clone();
    // The judge parses the bytes itself: a body the client would not build a tree of is not
    // handed to it.
    if let Some(too_many @ JsonProblem::TooManyValues(_)) = &last.json_error {
        return w.fail(
            format!("the body of HTTP {} is not judged: {too_many}", last.status),
            Some("a JSON body".into()),
            Some(last.text.chars().take(200).collect()),
            Vec::new(),
        );
    }
    let findings = judge::judge_response_parts(
        &op,
        last.status,
        last.headers.as_slice(),
        &last.body,
        Parts::BODY,
    );
    let Some(first) = findings.first() else {
        return Ok(());
    };
    // The response the judge used; absent only when the status is undeclared.
    let declared = op.response(last.status);
    let at = declared.map_or(String::new(), |r| format!("{} {}", op.id, r.status));
    match Check::by_name(&first.check) {
        Some(Check::StatusDeclared) => {
            let message = format!("{} ({label}) does not declare HTTP {}", op.id, last.status);
            let expected = op
                .responses
                .iter()
                .map(|r| r.status.clone())
                .collect::<Vec<_>>()
                .join(", ");
            w.fail(
                message,
                Some(expected),
                Some(last.status.to_string()),
                findings,
            )
        }
        Some(Check::ContentType) => {
            let message = format!("{at} ({label}): {}", first.message);
            let expected = declared.map(|r| r.media_types.join(", "));
            let got = last
                .header("content-type")
                .unwrap_or("(absent)")
                .to_string();
            w.fail(message, expected, Some(got), findings)
        }
        Some(Check::Json) => w.fail(
            format!(
                "the body of HTTP {} is not JSON: {}",
                last.status,
                last.json_error
                    .as_ref()
                    .map_or(first.message.clone(), |e| e.to_string())
            ),
            Some("a JSON body".into()),
            Some(last.text.chars().take(200).collect()),
            findings,
        ),
        Some(Check::Media) => {
            let message = format!("{at} ({label}): {}", first.message);
            w.fail(message, None, None, findings)
        }
        _ => {
            let message = format!(
                "the body does not match the schema of {at} ({label}): {}, first at {} ({}): {}",
                judge::count_findings(findings.len()),
                first.at(),
                first.label(),
                first.message
            );
            w.fail(message, None, None, findings)
        }
    }
}

#[then(expr = "the body matches the schema of {word}")]
async fn body_matches_schema_of(w: &mut CheckWorld, op_id: String) -> StepResult {
    check_body_against(w, Some(&op_id))
}

#[then("the body matches its schema")]
async fn body_matches_its_schema(w: &mut CheckWorld) -> StepResult {
    check_body_against(w, None)
}

// ---------------------------------------------------------------------------------- errors

#[then(expr = "the error code is {string}")]
async fn error_code_is(w: &mut CheckWorld, code: String) -> StepResult {
    error_code_one_of(w, code).await
}

/// `-` accepts any code (rows of the consent table with none prescribed) but still needs an
/// `errors` array.
#[then(expr = "the error code is one of {string}")]
async fn error_code_one_of(w: &mut CheckWorld, list: String) -> StepResult {
    let body = w.last()?.json.clone().unwrap_or(Value::Null);
    let codes: Vec<String> = body["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|x| x["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if list.trim() == "-" {
        if body["errors"].as_array().is_some_and(|e| !e.is_empty()) {
            return Ok(());
        }
        return w.fail(
            "the error response has no errors[] array",
            Some("errors[0].code".into()),
            Some(body.to_string().chars().take(200).collect()),
            Vec::new(),
        );
    }
    let allowed = split_list(&list);
    if codes.iter().any(|c| allowed.contains(c)) {
        return Ok(());
    }
    w.fail(
        format!(
            "expected error code {}, got {}",
            allowed.join(" or "),
            if codes.is_empty() {
                "no code".to_string()
            } else {
                codes.join(", ")
            }
        ),
        Some(allowed.join(" | ")),
        Some(codes.join(", ")),
        Vec::new(),
    )
}

#[then(expr = "the OAuth error is {string}")]
async fn oauth_error_is(w: &mut CheckWorld, error: String) -> StepResult {
    let got = w
        .last()?
        .json
        .as_ref()
        .and_then(|b| b["error"].as_str())
        .unwrap_or("")
        .to_string();
    if got == error {
        return Ok(());
    }
    w.fail(
        format!("expected OAuth error {error}, got \"{got}\""),
        Some(error),
        Some(got),
        Vec::new(),
    )
}

// ---------------------------------------------------------------------------------- headers

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok() && s.len() == 36
}

#[then("the response echoes the interaction id")]
async fn echoes_interaction_id(w: &mut CheckWorld) -> StepResult {
    let last = w.last()?;
    let sent = last
        .request_header("x-fapi-interaction-id")
        .map(str::to_string);
    let got = last.header("x-fapi-interaction-id").map(str::to_string);
    match (sent, got) {
        (Some(s), Some(g)) if s == g => Ok(()),
        (s, g) => w.fail(
            "x-fapi-interaction-id was not echoed",
            s,
            Some(g.unwrap_or_else(|| "(absent)".into())),
            Vec::new(),
        ),
    }
}

#[then("the response carries a new interaction id")]
async fn new_interaction_id(w: &mut CheckWorld) -> StepResult {
    let last = w.last()?;
    let sent = last
        .request_header("x-fapi-interaction-id")
        .map(str::to_string);
    let got = last.header("x-fapi-interaction-id").map(str::to_string);
    match got {
        Some(g) if is_uuid(&g) && Some(&g) != sent.as_ref() => Ok(()),
        g => w.fail(
            "the response must carry a newly generated UUID in x-fapi-interaction-id",
            Some("a new UUID".into()),
            Some(g.unwrap_or_else(|| "(absent)".into())),
            Vec::new(),
        ),
    }
}

#[then(expr = "the response header {string} is a UUID")]
async fn header_is_uuid(w: &mut CheckWorld, name: String) -> StepResult {
    let got = w.last()?.header(&name).map(str::to_string);
    match got {
        Some(v) if is_uuid(&v) => Ok(()),
        v => w.fail(
            format!("response header {name} is not a UUID"),
            Some("a UUID".into()),
            Some(v.unwrap_or_else(|| "(absent)".into())),
            Vec::new(),
        ),
    }
}

#[then(expr = "the response header {string} is {string}")]
async fn response_header_equals(w: &mut CheckWorld, name: String, value: String) -> StepResult {
    let got = w.last()?.header(&name).map(str::to_string);
    if got.as_deref() == Some(value.as_str()) {
        return Ok(());
    }
    w.fail(
        format!("response header {name} differs"),
        Some(value),
        Some(got.unwrap_or_else(|| "(absent)".into())),
        Vec::new(),
    )
}

#[then(expr = "the response header {string} is absent")]
async fn response_header_absent(w: &mut CheckWorld, name: String) -> StepResult {
    match w.last()?.header(&name).map(str::to_string) {
        None => Ok(()),
        Some(v) => w.fail(
            format!("response header {name} should be absent"),
            None,
            Some(v),
            Vec::new(),
        ),
    }
}

/// A full semantic version (`2.3.0`), as the `x-v` header of Customers 2.3.0 must be.
#[then(expr = "the response header {string} is a version")]
async fn header_is_version(w: &mut CheckWorld, name: String) -> StepResult {
    let got = w.last()?.header(&name).map(str::to_string);
    let ok = got.as_deref().is_some_and(judge::is_semantic_version);
    if ok {
        return Ok(());
    }
    w.fail(
        format!("response header {name} is not a version like 2.3.0"),
        Some("MAJOR.MINOR.PATCH".into()),
        Some(got.unwrap_or_else(|| "(absent)".into())),
        Vec::new(),
    )
}

#[then(expr = "the Date header is within {int} minutes of now")]
async fn date_within(w: &mut CheckWorld, minutes: i64) -> StepResult {
    let got = w.last()?.header("date").map(str::to_string);
    let Some(value) = got else {
        return w.fail(
            "the response has no Date header",
            Some("an RFC 1123 date".into()),
            Some("(absent)".into()),
            Vec::new(),
        );
    };
    let Ok(t) = httpdate::parse_http_date(&value) else {
        return w.fail(
            "the Date header is not an RFC 1123 date",
            Some("e.g. Tue, 24 Nov 2026 10:00:00 GMT".into()),
            Some(value),
            Vec::new(),
        );
    };
    let t: chrono::DateTime<Utc> = t.into();
    let skew = (Utc::now() - t).num_seconds().abs();
    if skew <= minutes * 60 {
        return Ok(());
    }
    w.fail(
        format!("the Date header is {skew} s away from now"),
        Some(format!("within {minutes} minutes")),
        Some(value),
        Vec::new(),
    )
}

/// The response headers the operation declares for this status: each required one present, each
/// present one valid by its schema; `x-v` must also be a real version (MAJOR.MINOR.PATCH).
#[then(regex = r"^the response headers match (?:the|its) spec$")]
async fn headers_match_spec(w: &mut CheckWorld) -> StepResult {
    let (label, op) = match operation_of_last(w) {
        Ok(x) => x,
        Err(e) => return w.fail(e, None, None, Vec::new()),
    };
    let last = w.last()?.clone();
    let findings = judge::judge_response_parts(
        &op,
        last.status,
        last.headers.as_slice(),
        &[],
        Parts::HEADERS,
    );
    let Some(first) = findings.first() else {
        return Ok(());
    };
    let Some(response) = op.response(last.status) else {
        return w.fail(
            format!("{} ({label}) does not declare HTTP {}", op.id, last.status),
            None,
            Some(last.status.to_string()),
            findings,
        );
    };
    let first = format!("{}: {}", first.pointer, first.message);
    w.fail(
        format!(
            "response headers of {} {} ({label}) do not match the spec: {first}",
            op.id, response.status
        ),
        None,
        None,
        findings,
    )
}

#[then("the content type is JSON")]
async fn content_type_json(w: &mut CheckWorld) -> StepResult {
    let got = w
        .last()?
        .header("content-type")
        .unwrap_or("")
        .to_ascii_lowercase();
    let essence = got.split(';').next().unwrap_or("").trim().to_string();
    if essence == "application/json" || essence.ends_with("+json") {
        return Ok(());
    }
    w.fail(
        "the content type is not JSON",
        Some("application/json".into()),
        Some(got),
        Vec::new(),
    )
}

// ---------------------------------------------------------------------------------- fields

fn pointer_of(path: &str) -> String {
    if path.starts_with('/') || path.is_empty() {
        path.to_string()
    } else {
        format!("/{}", path.replace('.', "/"))
    }
}

#[then(expr = "the field {string} is {string}")]
async fn field_is(w: &mut CheckWorld, path: String, value: String) -> StepResult {
    let value = w.fill_placeholders(&value)?;
    let body = w.last()?.json.clone().unwrap_or(Value::Null);
    let got = body.pointer(&pointer_of(&path)).cloned();
    let matches = match &got {
        Some(Value::String(s)) => *s == value,
        Some(other) => {
            // Numbers and booleans are compared by their JSON text (`1`, `true`).
            let rendered = other.to_string();
            rendered == value
        }
        None => false,
    };
    if matches {
        return Ok(());
    }
    w.fail(
        format!("field {path} differs"),
        Some(value),
        Some(
            got.map(|v| v.to_string())
                .unwrap_or_else(|| "(absent)".into()),
        ),
        Vec::new(),
    )
}

#[then(expr = "the field {string} is present")]
async fn field_present(w: &mut CheckWorld, path: String) -> StepResult {
    let body = w.last()?.json.clone().unwrap_or(Value::Null);
    if body.pointer(&pointer_of(&path)).is_some() {
        return Ok(());
    }
    w.fail(
        format!("field {path} is missing"),
        Some(path),
        Some("(absent)".into()),
        Vec::new(),
    )
}

#[then(expr = "the field {string} is absent")]
async fn field_absent(w: &mut CheckWorld, path: String) -> StepResult {
    let body = w.last()?.json.clone().unwrap_or(Value::Null);
    match body.pointer(&pointer_of(&path)) {
        None => Ok(()),
        Some(v) => {
            let v = v.to_string();
            w.fail(
                format!("field {path} should be absent"),
                Some("(absent)".into()),
                Some(v),
                Vec::new(),
            )
        }
    }
}

#[then(expr = "the field {string} equals the number of items in {string}")]
async fn field_counts_items(w: &mut CheckWorld, path: String, list: String) -> StepResult {
    let body = w.last()?.json.clone().unwrap_or(Value::Null);
    let count = body
        .pointer(&pointer_of(&list))
        .and_then(Value::as_array)
        .map(Vec::len);
    let got = body.pointer(&pointer_of(&path)).and_then(Value::as_u64);
    if count.is_some() && got == count.map(|c| c as u64) {
        return Ok(());
    }
    w.fail(
        format!("field {path} should count the items of {list}"),
        Some(
            count
                .map(|c| c.to_string())
                .unwrap_or_else(|| format!("({list} is not an array)")),
        ),
        Some(
            got.map(|g| g.to_string())
                .unwrap_or_else(|| "(absent or not a number)".into()),
        ),
        Vec::new(),
    )
}

#[then(expr = "the field {string} has {int} item(s)")]
async fn field_items(w: &mut CheckWorld, path: String, n: usize) -> StepResult {
    let body = w.last()?.json.clone().unwrap_or(Value::Null);
    let got = body
        .pointer(&pointer_of(&path))
        .and_then(Value::as_array)
        .map(Vec::len);
    if got == Some(n) {
        return Ok(());
    }
    w.fail(
        format!("field {path} should have {n} item(s)"),
        Some(n.to_string()),
        Some(
            got.map(|g| g.to_string())
                .unwrap_or_else(|| "(not an array)".into()),
        ),
        Vec::new(),
    )
}
