//! One request pipeline for every family, in one place and one order:
//!
//! 1. read the body under the size limit (413), then the control API (`/sandbox/...`);
//! 2. route to an operation (404, 405 with `Allow`);
//! 3. the family's correlation header (echoed on every answer; a malformed one is a 400);
//!    then the fault stage ([`super::faults`]): a rule (or the `x-finsandbox-fault` header) may
//!    answer an error status the operation declares in place of everything below, delay the
//!    answer, reset the connection or cut the body — one atomic load when there is no rule;
//! 4. the family's admission checks (a rate limit: 429);
//! 5. `Accept` (406) and `Content-Type` (415) against the media types the operation declares;
//! 6. credentials, by the family's [`Family::authenticate`] (401, 403);
//! 7. path, query and header parameters against their schemas (400);
//! 8. the body, by the family's [`BodyPolicy`] (400);
//! 9. the handler bound to the operationId;
//! 10. the optional self-check of the answer against the spec.
//!
//! Every refusal is a [`Problem`] the family renders in its own error shape, so no stage knows a
//! provider's error format, and no handler repeats a check a stage makes.

use std::any::Any;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Request, StatusCode};
use serde_json::{Map, Value, json};

use super::family::{BodyPolicy, Call, ErrorContext, Family, Problem, ProblemKind};
use super::faults::wire::{ConnectionFaults, WireBody, WireError};
use super::faults::{self, Injection, Wire};
use super::http::{self, HttpResponse, Req};
use super::{App, control, params};
use crate::br;
use crate::spec::{ApiSpec, Operation, ParamLocation, RouteMatch, judge};

/// The hyper service: one request, start to end. Never panics on input. It fails only when a
/// fault asks for the connection to be reset ([`faults::wire`]).
pub async fn serve(
    app: Arc<App>,
    req: Request<Incoming>,
    peer: Option<SocketAddr>,
    connection: Arc<ConnectionFaults>,
) -> Result<hyper::Response<WireBody>, WireError> {
    let (response, injected) = handle(app, req, peer).await;
    let Some(injection) = injected else {
        return Ok(response.map(WireBody::Whole));
    };
    if let Some(delay) = injection.delay {
        tokio::time::sleep(delay).await;
    }
    match injection.wire {
        None => Ok(response.map(WireBody::Whole)),
        Some(Wire::Reset) => {
            connection.reset_on_close();
            Err(WireError::Reset)
        }
        Some(Wire::Truncate(keep)) => {
            let (mut parts, body) = response.into_parts();
            // A `Full` body is already in memory: collecting it never waits.
            let bytes = body
                .collect()
                .await
                .map(|c| c.to_bytes())
                .unwrap_or_else(|never: Infallible| match never {});
            if keep >= bytes.len() {
                // Nothing to cut: the whole body goes, and the connection still ends with it.
                parts
                    .headers
                    .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
                return Ok(hyper::Response::from_parts(
                    parts,
                    WireBody::Whole(Full::new(bytes)),
                ));
            }
            Ok(hyper::Response::from_parts(
                parts,
                WireBody::cut(bytes, keep),
            ))
        }
    }
}

async fn read_body(
    req: Request<Incoming>,
    limit: usize,
) -> Result<(hyper::http::request::Parts, Bytes), (hyper::http::request::Parts, ProblemKind)> {
    let (parts, body) = req.into_parts();
    if let Some(len) = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && len > limit as u64
    {
        return Err((parts, ProblemKind::BodyTooLarge));
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok((parts, collected.to_bytes())),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err((parts, ProblemKind::BodyTooLarge))
        }
        Err(_) => Err((parts, ProblemKind::Unreadable)),
    }
}

fn request_of(parts: hyper::http::request::Parts, body: Bytes, peer: Option<SocketAddr>) -> Req {
    let raw_query = parts.uri.query().map(str::to_string);
    Req {
        method: parts.method,
        query: http::parse_query(raw_query.as_deref()),
        raw_query,
        path: parts.uri.path().to_string(),
        headers: parts.headers,
        body,
        params: Vec::new(),
        peer,
    }
}

/// One request, start to end: the answer, and the fault the wire must still apply to it.
pub async fn handle(
    app: Arc<App>,
    req: Request<Incoming>,
    peer: Option<SocketAddr>,
) -> (HttpResponse, Option<Injection>) {
    if let Some(detail) = super::oversized_headers(
        req.headers(),
        app.config.max_header_bytes,
        app.config.max_header_total_bytes,
    ) {
        // The body is not read: the answer ends the exchange.
        let (parts, _) = req.into_parts();
        let req = request_of(parts, Bytes::new(), peer);
        let problem = Problem::of(
            ProblemKind::HeadersTooLarge,
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            detail,
        );
        return (unrouted_error(&app, &req, problem), None);
    }
    let (req, early) = match read_body(req, app.config.max_body_bytes).await {
        Ok((parts, body)) => (request_of(parts, body, peer), None),
        Err((parts, kind)) => (request_of(parts, Bytes::new(), peer), Some(kind)),
    };
    if let Some(kind) = early {
        let problem = match kind {
            ProblemKind::BodyTooLarge => Problem::of(
                kind,
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the request body is larger than the sandbox accepts ({} bytes)",
                    app.config.max_body_bytes
                ),
            ),
            _ => Problem::of(
                kind,
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
            ),
        };
        return (unrouted_error(&app, &req, problem), None);
    }
    let mut req = req;
    // A served document with its own `/sandbox/...` operations (a provider's simulation
    // endpoints) keeps them; our control API answers the rest.
    if (req.path == "/sandbox" || req.path.starts_with("/sandbox/"))
        && !matches!(
            app.router.find(req.method.as_str(), &req.path),
            RouteMatch::Found { .. }
        )
    {
        return (control::handle(&app, &req), None);
    }
    let (spec, op) = match app.router.find(req.method.as_str(), &req.path) {
        RouteMatch::Found {
            spec,
            operation,
            params,
        } => {
            req.params = params;
            (spec.clone(), operation.clone())
        }
        RouteMatch::MethodNotAllowed { allowed } => {
            let allowed = allowed.join(", ");
            let problem = Problem::of(
                ProblemKind::MethodNotAllowed,
                StatusCode::METHOD_NOT_ALLOWED,
                format!(
                    "{} is not supported on {}; allowed: {allowed}",
                    req.method, req.path
                ),
            )
            .header("allow", &allowed);
            return (unrouted_error(&app, &req, problem), None);
        }
        RouteMatch::NotFound => {
            if let Some(index) = index_page(&app, &req) {
                return (index, None);
            }
            let problem =
                Problem::not_found(format!("no operation at {} {}", req.method, req.path));
            return (unrouted_error(&app, &req, problem), None);
        }
    };
    let (mut response, injected) = run(&app, &spec, &op, &req);
    if req.method == hyper::Method::HEAD {
        *response.body_mut() = Full::new(Bytes::new());
    }
    (response, injected)
}

/// A refusal before any operation is known, in the shape of the family whose documents the path
/// belongs to (the longest base path that prefixes it), or as problem+json.
fn unrouted_error(app: &App, req: &Req, problem: Problem) -> HttpResponse {
    let owner = app.owner_of(&req.path);
    let family = owner
        .map(|(f, _)| f.clone())
        .unwrap_or_else(|| app.generic());
    let rule = family.correlation();
    let echo = rule.as_ref().and_then(|c| {
        req.headers
            .get(&c.header)
            .filter(|v| v.to_str().is_ok_and(c.fallback_valid))
            .cloned()
            .or_else(|| c.generate_when_missing.then(new_id))
    });
    let ctx = ErrorContext {
        app,
        spec: owner.map(|(_, s)| s.as_ref()),
        op: None,
        req: Some(req),
        correlation: echo.as_ref().and_then(|v| v.to_str().ok()),
    };
    let mut response = family.render(&ctx, &problem);
    if let (Some(c), Some(v)) = (rule, echo) {
        response.headers_mut().insert(c.header, v);
    }
    response
}

/// `GET /` and `/healthz`: what this sandbox serves and where.
fn index_page(app: &App, req: &Req) -> Option<HttpResponse> {
    if req.method != hyper::Method::GET || !matches!(req.path.as_str(), "/" | "/healthz") {
        return None;
    }
    let origin = req.origin(app.config.public_url.as_deref());
    let apis: Vec<_> = app
        .specs
        .apis
        .iter()
        .map(|s| {
            json!({
                "family": s.family,
                "api": s.api,
                "version": s.version,
                "baseUrl": format!("{origin}{}", s.base_path),
                "source": s.source,
                "operations": s.operations.len(),
            })
        })
        .collect();
    Some(http::json_response(
        StatusCode::OK,
        "application/json",
        &json!({
            "finsandbox": env!("CARGO_PKG_VERSION"),
            "seed": app.config.seed,
            "apis": apis,
            "control": format!("{origin}/sandbox"),
        }),
    ))
}

fn new_id() -> HeaderValue {
    // A UUID is always a valid header value.
    HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
        .unwrap_or_else(|_| HeaderValue::from_static("00000000-0000-0000-0000-000000000000"))
}

/// Runs a routed request through the stages and the handler: the answer, and the fault the wire
/// must still apply to it (a delay, a reset, a cut).
pub fn run(
    app: &App,
    spec: &Arc<ApiSpec>,
    op: &Arc<Operation>,
    req: &Req,
) -> (HttpResponse, Option<Injection>) {
    let bound = app.bound(spec, op);
    let family = &bound.family;
    let (echo, refused) = match correlation(family.as_ref(), op, req) {
        Ok(echo) => (echo, None),
        Err((generated, problem)) => (generated, Some(problem)),
    };
    let ctx = ErrorContext {
        app,
        spec: Some(spec),
        op: Some(op),
        req: Some(req),
        correlation: echo.as_ref().and_then(|v| v.to_str().ok()),
    };
    let mut injected = None;
    let mut response = match refused {
        Some(problem) => family.render(&ctx, &problem),
        // With no rule and the header off this is one atomic load.
        None if app.faults.active() => match fault(app, spec, op, req, family.as_ref(), &ctx) {
            Err(problem) => family.render(&ctx, &problem),
            Ok(injection) => {
                let status = injection.as_ref().and_then(|i| i.problem(spec, op));
                let reset = injection.as_ref().and_then(|i| i.wire) == Some(Wire::Reset);
                injected = injection;
                match status {
                    Some(problem) => family.render(&ctx, &problem),
                    // A reset answers nothing, so nothing is done: the request never arrived.
                    None if reset => {
                        return (http::empty_response(StatusCode::NO_CONTENT), injected);
                    }
                    None => match stages(app, spec, op, req, family.as_ref(), bound.handler) {
                        Ok(r) => r,
                        Err(problem) => family.render(&ctx, &problem),
                    },
                }
            }
        },
        None => match stages(app, spec, op, req, family.as_ref(), bound.handler) {
            Ok(r) => r,
            Err(problem) => family.render(&ctx, &problem),
        },
    };
    if let (Some(c), Some(v)) = (family.correlation(), echo) {
        response.headers_mut().insert(c.header, v);
    }
    // A document we did not write may leave out the statuses the pipeline answers for it (406,
    // 415, 401): those are not the sandbox contradicting its spec.
    let undeclared_refusal =
        family.name() == crate::spec::GENERIC && op.response(response.status().as_u16()).is_none();
    if app.config.self_check && !undeclared_refusal {
        response = self_check(op, response);
    }
    (response, injected)
}

/// The fault stage: what the rules (or the request's `x-finsandbox-fault` header) inject.
fn fault(
    app: &App,
    spec: &ApiSpec,
    op: &Operation,
    req: &Req,
    family: &dyn Family,
    ctx: &ErrorContext<'_>,
) -> Result<Option<Injection>, Problem> {
    let subject = || {
        family.subject(&Call {
            app,
            spec,
            op,
            req,
            body: None,
            principal: None,
        })
    };
    app.faults.pick(&faults::Request {
        family: family.name(),
        spec,
        op,
        req,
        subject: &subject,
        correlation: ctx.correlation,
        now: app.clock.precise_now(),
    })
}

fn stages(
    app: &App,
    spec: &ApiSpec,
    op: &Operation,
    req: &Req,
    family: &dyn Family,
    handler: &super::family::Handler,
) -> Result<HttpResponse, Problem> {
    let mut call = Call {
        app,
        spec,
        op,
        req,
        body: None,
        principal: None,
    };
    family.admit(&call)?;
    accept(op, req)?;
    content_type(op, req)?;
    let principal: Option<Box<dyn Any + Send + Sync>> = family.authenticate(&call)?;
    parameters(op, req, family)?;
    let body = body(op, req, family.body_policy(op))?;
    call.body = body.as_ref();
    call.principal = principal.as_deref();
    handler(&call)
}

/// The correlation id to echo, or (the id to echo instead, the refusal) when the client's is
/// malformed or missing where the operation requires it.
fn correlation(
    family: &dyn Family,
    op: &Operation,
    req: &Req,
) -> Result<Option<HeaderValue>, (Option<HeaderValue>, Problem)> {
    let Some(rule) = family.correlation() else {
        return Ok(None);
    };
    let name = rule.header.as_str();
    let param = op.parameter(ParamLocation::Header, name);
    let refuse = |message: String| {
        Err((
            Some(new_id()),
            Problem::of(ProblemKind::Correlation, StatusCode::BAD_REQUEST, message).field(name),
        ))
    };
    // Two lines of the header are no single id to echo: as malformed as a bad value.
    if req.headers.get_all(&rule.header).iter().nth(1).is_some() {
        return refuse(format!("{name} was sent more than once; send one id"));
    }
    match (req.headers.get(&rule.header), param) {
        (None, Some(p)) if p.required => refuse(format!(
            "the {name} header is required (an id the server echoes back)"
        )),
        (None, _) => Ok(rule.generate_when_missing.then(new_id)),
        (Some(value), param) => {
            let text = value.to_str().unwrap_or("");
            let valid = match param.and_then(|p| p.validator.as_ref()) {
                Some(v) => value.to_str().is_ok() && v.is_valid(&Value::String(text.to_string())),
                None => value.to_str().is_ok() && (rule.fallback_valid)(text),
            };
            if valid {
                Ok(Some(value.clone()))
            } else {
                refuse(format!(
                    "{name} \"{}\" is not valid for this API{}",
                    printable(text),
                    param
                        .and_then(|p| p.schema.get("format").and_then(Value::as_str))
                        .map(|f| format!(" (expected a {f})"))
                        .unwrap_or_default()
                ))
            }
        }
    }
}

/// A client-supplied value made safe to quote in a message.
pub fn printable(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).take(80).collect();
    if s.chars().count() > 80 {
        format!("{clean}…")
    } else {
        clean
    }
}

/// The media types the operation answers with: those of its successes, or, when a success has
/// no body (a 202, a 204), those of everything it declares, errors included — a client that
/// accepts none of them could not read the answer it gets.
fn answer_media(op: &Operation) -> Vec<&str> {
    let success: Vec<&str> = op
        .responses
        .iter()
        .filter(|r| r.status.starts_with('2'))
        .flat_map(|r| r.media_types.iter().map(String::as_str))
        .collect();
    if !success.is_empty() {
        return success;
    }
    let mut all: Vec<&str> = Vec::new();
    for ct in op
        .responses
        .iter()
        .flat_map(|r| r.media_types.iter().map(String::as_str))
    {
        if !all.contains(&ct) {
            all.push(ct);
        }
    }
    all
}

/// `Accept` must allow one of the representations the operation answers with (406). A JSON
/// answer also needs UTF-8 when a charset is named.
fn accept(op: &Operation, req: &Req) -> Result<(), Problem> {
    let Some(accept) = req.header(hyper::header::ACCEPT).map(str::trim) else {
        return Ok(());
    };
    if accept.is_empty() {
        return Ok(());
    }
    let offered = answer_media(op);
    if offered.is_empty() {
        return Ok(());
    }
    if offered.iter().any(|m| acceptable(accept, m)) {
        return Ok(());
    }
    Err(Problem::of(
        ProblemKind::NotAcceptable,
        StatusCode::NOT_ACCEPTABLE,
        format!(
            "Accept \"{}\" excludes {}, the representation{} this operation has",
            printable(accept),
            offered.join(", "),
            if offered.len() > 1 { "s" } else { "" }
        ),
    )
    .field("Accept"))
}

/// Whether an `Accept` header admits `media` (`application/json; charset=utf-8` and the like).
pub fn acceptable(accept: &str, media: &str) -> bool {
    let offered = media.split(';').next().unwrap_or("").trim().as_bytes();
    let (offered_type, offered_sub) = match offered.iter().position(|&b| b == b'/') {
        Some(i) => (&offered[..i], &offered[i + 1..]),
        None => (offered, &b""[..]),
    };
    let json = offered_sub.eq_ignore_ascii_case(b"json") || ends_with_ci(offered_sub, b"+json");
    accept.split(',').any(|range| {
        let mut parts = range.split(';').map(str::trim);
        // Case-insensitive comparisons in place: every request goes through here.
        let wanted = parts.next().unwrap_or("").as_bytes();
        let (wt, ws) = match wanted.iter().position(|&b| b == b'/') {
            Some(i) => (&wanted[..i], &wanted[i + 1..]),
            None => (wanted, &b""[..]),
        };
        let type_ok = wt == b"*" || wt.eq_ignore_ascii_case(offered_type);
        let sub_ok = ws == b"*"
            || ws.eq_ignore_ascii_case(offered_sub)
            || (json && (ws.eq_ignore_ascii_case(b"json") || ends_with_ci(ws, b"+json")));
        let mut charset_ok = true;
        let mut weight_ok = true;
        for param in parts {
            if let Some((k, v)) = param.split_once('=') {
                let (k, v) = (k.trim(), v.trim().trim_matches('"'));
                if json
                    && k.eq_ignore_ascii_case("charset")
                    && !v.eq_ignore_ascii_case("utf-8")
                    && !v.eq_ignore_ascii_case("utf8")
                {
                    charset_ok = false;
                }
                if k.eq_ignore_ascii_case("q") && v.parse::<f32>().is_ok_and(|q| q <= 0.0) {
                    weight_ok = false;
                }
            }
        }
        type_ok && sub_ok && charset_ok && weight_ok
    })
}

fn ends_with_ci(s: &[u8], suffix: &[u8]) -> bool {
    s.len() >= suffix.len() && s[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// A body must come in the media type the operation declares (415).
fn content_type(op: &Operation, req: &Req) -> Result<(), Problem> {
    let Some(declared) = &op.request_body else {
        return Ok(());
    };
    if req.body.is_empty() {
        return Ok(());
    }
    let sent = req
        .header(hyper::header::CONTENT_TYPE)
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let expected = declared.content_type.as_str();
    let json_like = |m: &str| m == "application/json" || m.ends_with("+json");
    let accepts = |declared: &str| {
        let declared = declared
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        sent == declared
            || declared == "*/*"
            || (declared.contains("json") && json_like(&sent))
            || declared
                .strip_suffix("/*")
                .is_some_and(|t| sent.split('/').next() == Some(t))
    };
    if accepts(expected) || declared.media_types.iter().any(|m| accepts(m)) {
        return Ok(());
    }
    Err(Problem::of(
        ProblemKind::UnsupportedMediaType,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        if sent.is_empty() {
            format!("the body has no Content-Type; send it as {expected}")
        } else {
            format!(
                "the body is {}; this operation takes {expected}",
                printable(&sent)
            )
        },
    )
    .field("Content-Type"))
}

/// Path, query and header parameters against their schemas (400), every refused one reported
/// (the first in the message, all of them in the payload). Headers the family checks itself (its
/// correlation header, its credentials) are left to it.
fn parameters(op: &Operation, req: &Req, family: &dyn Family) -> Result<(), Problem> {
    let own = family.own_headers();
    let correlation = family.correlation().map(|c| c.header);
    let refused: Vec<params::Refusal> = params::problems(op, req)
        .into_iter()
        .filter(|p| {
            p.location != ParamLocation::Header
                || !(own.iter().any(|h| h.eq_ignore_ascii_case(p.name()))
                    || correlation
                        .as_ref()
                        .is_some_and(|c| c.as_str().eq_ignore_ascii_case(p.name())))
        })
        .map(params::Refusal::from)
        .collect();
    let Some(first) = refused.first() else {
        return Ok(());
    };
    let kind = match first.kind {
        params::ProblemKind::Missing => ProblemKind::MissingParameter(first.location),
        params::ProblemKind::Invalid => ProblemKind::InvalidParameter(first.location),
    };
    Err(
        Problem::of(kind, StatusCode::BAD_REQUEST, first.message.clone())
            .field(first.name.clone())
            .findings(first.findings.clone())
            .payload(params::Refusals(refused)),
    )
}

/// The body by the family's policy: parsed (JSON, or a form as an object of strings) and, with
/// [`BodyPolicy::Validate`], judged against the schema.
fn body(op: &Operation, req: &Req, policy: BodyPolicy) -> Result<Option<Value>, Problem> {
    let Some(declared) = &op.request_body else {
        return Ok(None);
    };
    if policy == BodyPolicy::Raw {
        return Ok(None);
    }
    if req.body.is_empty() {
        if declared.required {
            return Err(Problem::of(
                ProblemKind::EmptyBody,
                StatusCode::BAD_REQUEST,
                format!(
                    "the request body is empty; {} expects {}",
                    op.id, declared.content_type
                ),
            ));
        }
        return Ok(None);
    }
    let sent = req
        .header(hyper::header::CONTENT_TYPE)
        .unwrap_or("")
        .to_ascii_lowercase();
    let is_json = |m: &str| m.contains("json");
    if !is_json(&sent) && !sent.starts_with("application/x-www-form-urlencoded") && !sent.is_empty()
    {
        // Another declared media (a file upload, XML): the handler reads the bytes.
        return Ok(None);
    }
    let value = if sent.starts_with("application/x-www-form-urlencoded")
        || (sent.is_empty() && declared.content_type == "application/x-www-form-urlencoded")
    {
        // A form carries text: each field becomes the JSON type its property declares, as
        // OpenAPI's form serialisation implies, so `quantity=8` meets `type: integer`.
        let properties = declared.validator.schema().get("properties");
        let mut map = Map::new();
        for (k, v) in req.form() {
            let typed = match properties
                .and_then(|p| p.get(&k))
                .and_then(|s| s.get("type"))
                .and_then(Value::as_str)
            {
                Some("integer") => v.parse::<i64>().map(Value::from).ok(),
                Some("number") => v
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .map(Value::from),
                Some("boolean") => match v.as_str() {
                    "true" => Some(Value::Bool(true)),
                    "false" => Some(Value::Bool(false)),
                    _ => None,
                },
                _ => None,
            };
            map.insert(k, typed.unwrap_or(Value::String(v)));
        }
        Value::Object(map)
    } else {
        serde_json::from_slice::<Value>(&req.body).map_err(|e| {
            Problem::of(
                ProblemKind::MalformedBody {
                    line: e.line(),
                    column: e.column(),
                },
                StatusCode::BAD_REQUEST,
                format!("the body is not valid JSON: {e}"),
            )
        })?
    };
    if policy == BodyPolicy::Validate {
        let findings = declared.validator.findings(&value);
        if let Some(first) = findings.first() {
            let at = if first.pointer.is_empty() {
                "the body".to_string()
            } else {
                first.pointer.clone()
            };
            return Err(Problem::of(
                ProblemKind::InvalidBody,
                StatusCode::BAD_REQUEST,
                format!(
                    "{} finding(s) in the body; first at {at}: {}",
                    findings.len(),
                    first.message
                ),
            )
            .field(first.pointer.trim_start_matches('/').replace('/', "."))
            .findings(findings));
        }
    }
    Ok(Some(value))
}

/// What [`Family::authenticate`] checks by default: the credentials the operation's `security`
/// asks for are there and well-formed, and a token that names its scopes has the operation's
/// (`spec::security`). Families with a token store check more.
pub fn default_authenticate(call: &Call<'_>) -> Result<(), Problem> {
    let now = call.app.clock.now().timestamp();
    let verdict =
        crate::spec::security::check(&call.op.security, &call.spec.security, call.req, now);
    let kind = match verdict.status() {
        401 => ProblemKind::Unauthenticated,
        403 => ProblemKind::Forbidden,
        _ => return Ok(()),
    };
    let status = StatusCode::from_u16(verdict.status()).unwrap_or(StatusCode::UNAUTHORIZED);
    let mut problem = Problem::of(kind, status, verdict.message());
    if let Some(challenge) = verdict.challenge() {
        problem = problem.header("www-authenticate", challenge);
    }
    Err(problem)
}

/// The first path parameter that is a valid CPF or CNPJ.
pub fn default_subject(call: &Call<'_>) -> Option<String> {
    call.req
        .params
        .iter()
        .map(|(_, v)| br::strip_mask(v))
        .find(|v| (v.len() == 11 && br::is_valid_cpf(v)) || (v.len() == 14 && br::is_valid_cnpj(v)))
}

/// Judges our own answer with the one judge — status, headers, media type, body — as a client
/// would. Used by the test suite: a sandbox that contradicts its spec must fail loudly, not teach
/// clients the wrong shape. A violation becomes a 500 that names the checks that failed.
fn self_check(operation: &crate::spec::Operation, response: HttpResponse) -> HttpResponse {
    let status = response.status().as_u16();
    // A `Full` body is already in memory: collecting it never waits.
    let bytes = futures::executor::block_on(response.body().clone().collect())
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let findings = judge::judge_response(operation, status, response.headers(), &bytes);
    if findings.is_empty() {
        return response;
    }
    let mut checks: Vec<&str> = Vec::new();
    for f in &findings {
        if !checks.contains(&f.check.as_str()) {
            checks.push(&f.check);
        }
    }
    tracing::error!(op = %operation.id, status, ?findings, "response violates the spec");
    let summary = if checks == ["status-declared"] {
        format!(
            "{} answered {status}, which its spec does not declare",
            operation.id
        )
    } else {
        format!(
            "{} answered {status} with a response that violates its spec (checks: {})",
            operation.id,
            checks.join(", ")
        )
    };
    let body = serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_else(|_| {
        serde_json::Value::String(String::from_utf8_lossy(&bytes).chars().take(1000).collect())
    });
    http::json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "application/json",
        &json!({"selfCheck": summary, "checks": checks, "findings": findings, "body": body}),
    )
}

#[cfg(test)]
mod tests {
    use super::acceptable;

    #[test]
    fn accept_ranges_admit_json_and_other_media() {
        assert!(acceptable(
            "application/json",
            "application/json; charset=utf-8"
        ));
        assert!(acceptable("*/*", "application/pdf"));
        assert!(acceptable("application/*;q=0.5", "application/json"));
        assert!(acceptable("application/problem+json", "application/json"));
        assert!(!acceptable("text/html", "application/json"));
        assert!(!acceptable(
            "application/json; charset=latin1",
            "application/json"
        ));
        assert!(!acceptable("application/json;q=0", "application/json"));
        assert!(acceptable("application/pdf", "application/pdf"));
        assert!(!acceptable("application/json", "application/pdf"));
    }

    mod self_check {
        use super::super::*;
        use crate::spec::ApiSpec;

        const DOC: &str = r#"
    openapi: 3.0.0
    info: {title: t, version: 1.0.0}
    servers: [{url: "https://api.example.com/things/v1"}]
    paths:
      /things:
        get:
          operationId: listThings
          responses:
            "200":
              description: ok
              headers:
                x-v: {required: true, schema: {type: string}}
              content:
                application/json:
                  schema: {type: object, required: [data], properties: {data: {type: array}}}
    "#;

        fn judged(
            status: StatusCode,
            headers: &[(&'static str, &str)],
            body: serde_json::Value,
        ) -> HttpResponse {
            let spec = ApiSpec::from_text("self-check", DOC).unwrap();
            let op = spec.operation("listThings").unwrap().clone();
            let mut response = http::json_response(status, "application/json", &body);
            for (k, v) in headers {
                http::set_header(&mut response, k, v);
            }
            self_check(&op, response)
        }

        fn body_of(response: HttpResponse) -> serde_json::Value {
            let bytes = futures::executor::block_on(response.into_body().collect())
                .unwrap()
                .to_bytes();
            serde_json::from_slice(&bytes).unwrap()
        }

        #[test]
        fn a_response_that_keeps_its_spec_passes_untouched() {
            let out = judged(StatusCode::OK, &[("x-v", "1.0.0")], json!({"data": []}));
            assert_eq!(out.status(), StatusCode::OK);
            assert_eq!(body_of(out), json!({"data": []}));
        }

        #[test]
        fn a_violation_becomes_a_500_that_names_the_checks() {
            let out = judged(StatusCode::OK, &[], json!({"items": []}));
            assert_eq!(out.status(), StatusCode::INTERNAL_SERVER_ERROR);
            let body = body_of(out);
            assert_eq!(body["checks"], json!(["headers-declared", "schema"]));
            let summary = body["selfCheck"].as_str().unwrap();
            assert!(
                summary.contains("listThings answered 200")
                    && summary.contains("headers-declared, schema"),
                "{summary}"
            );
            assert_eq!(body["findings"][1]["keyword"], "required");
            assert_eq!(body["body"], json!({"items": []}));
        }

        #[test]
        fn an_undeclared_status_is_named_as_such() {
            let out = judged(StatusCode::IM_A_TEAPOT, &[], json!({}));
            let body = body_of(out);
            assert_eq!(body["checks"], json!(["status-declared"]));
            assert_eq!(
                body["selfCheck"],
                "listThings answered 418, which its spec does not declare"
            );
        }
    }
}
