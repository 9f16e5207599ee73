//! The generic family: documents no provider family claims (a participant's own OpenAPI file,
//! another provider's API), served like a validating mock server through the same pipeline as
//! every family — parameters and bodies validated, declared security enforced
//! ([`crate::spec::security`]) — with realistic data valid against the document, in the media type
//! the client accepts (a real PDF, CSV or image where one is declared). A CPF or CNPJ the request
//! names picks the persona, so the data is about that customer and the same on every call.

use std::any::Any;
use std::sync::Arc;

use hyper::StatusCode;
use serde_json::{Map, Value, json};

use super::family::{Call, ErrorContext, Family, Handler, Problem, ProblemKind, Reply};
use super::http::{self, HttpResponse};
use crate::br;
use crate::datagen::respond::{self, RespondError};
use crate::datagen::{OpenWorld, generate_value, rng_for};
use crate::spec::{ApiSpec, Direction, GENERIC, Operation};

/// The customer a request is about when it names none.
const DEFAULT_SUBJECT: &str = "52998224725";

pub struct Generic;

impl Family for Generic {
    fn name(&self) -> &'static str {
        GENERIC
    }

    fn handlers(self: Arc<Self>, spec: &ApiSpec) -> Vec<(&'static str, Handler)> {
        // Generic documents have no handler table of their own: every operation gets the mock.
        // The names are leaked once per operation at start-up so the binding has 'static keys.
        spec.operations
            .iter()
            .map(|op| {
                let id: &'static str = Box::leak(op.id.clone().into_boxed_str());
                let h: Handler = Arc::new(respond);
                (id, h)
            })
            .collect()
    }

    fn render(&self, ctx: &ErrorContext<'_>, problem: &Problem) -> HttpResponse {
        render_declared(ctx, problem)
    }

    fn subject(&self, call: &Call<'_>) -> Option<String> {
        named_subject(call)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The customer the request is about: the first valid CPF or CNPJ among the path parameters, the
/// query parameters and the top-level fields of a JSON body; else a fixed default customer.
pub fn subject(call: &Call<'_>) -> String {
    named_subject(call).unwrap_or_else(|| DEFAULT_SUBJECT.to_string())
}

/// The CPF or CNPJ the request names, if any (the body is read even before the pipeline parsed
/// it: the fault stage asks first).
fn named_subject(call: &Call<'_>) -> Option<String> {
    let req = call.req;
    let parsed;
    let body = match call.body {
        Some(b) => Some(b),
        None => {
            parsed = serde_json::from_slice::<Value>(&req.body).ok();
            parsed.as_ref()
        }
    };
    let is_document = |v: &str| {
        let v = br::strip_mask(v);
        ((v.len() == 11 && br::is_valid_cpf(&v)) || (v.len() == 14 && br::is_valid_cnpj(&v)))
            .then_some(v)
    };
    let from_body = || {
        body?
            .as_object()?
            .values()
            .filter_map(Value::as_str)
            .find_map(is_document)
    };
    req.params
        .iter()
        .chain(req.query.iter())
        .find_map(|(_, v)| is_document(v))
        .or_else(from_body)
}

/// The declared success a real provider would send (201 for a creating POST, 204 for a DELETE,
/// ...), with a body valid against its schema in the media type the client accepts
/// ([`crate::datagen::respond`]).
fn respond(call: &Call<'_>) -> Reply {
    let (app, spec, op) = (call.app, call.spec, call.op);
    let Some(status) = respond::success_status(op) else {
        return Err(Problem::new(
            StatusCode::NOT_IMPLEMENTED,
            format!("{} declares no success response to imitate", op.id),
        ));
    };
    let document = subject(call);
    let persona = app.personas.get(&document);
    let scopes = spec.security.all_scopes();
    let mut ctx = app.gen_context(spec, &persona, 0);
    ctx.open = Some(OpenWorld {
        direction: Direction::Response,
        scopes: &scopes,
    });
    let accept = call.req.header(hyper::header::ACCEPT);
    match respond::respond(spec, op, status, accept, &ctx, app.config.seed) {
        Ok(answer) => {
            let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
            Ok(match answer.content_type {
                Some(ct) => http::bytes_response(status, &ct, answer.body),
                None => http::empty_response(status),
            })
        }
        Err(RespondError::NotAcceptable { declared }) => Err(Problem::of(
            ProblemKind::NotAcceptable,
            StatusCode::NOT_ACCEPTABLE,
            format!(
                "{} answers only {}; the Accept header allows none of them",
                op.id,
                declared.join(", ")
            ),
        )),
        Err(e) => Err(Problem::internal(e.to_string())),
    }
}

/// An error in the shape the operation declares for its status, filled with the problem; a
/// `application/problem+json` body (RFC 9457) when it declares none. Used by the generic family
/// and by any family for statuses it has no shape of its own for.
pub fn render_declared(ctx: &ErrorContext<'_>, problem: &Problem) -> HttpResponse {
    let declared = ctx.op.and_then(|op| {
        op.declared_response(problem.status.as_u16())
            .or_else(|| default_of(op))
    });
    if let (Some(response), Some(spec)) = (declared, ctx.spec)
        && let (Some(schema), Some(validator)) = (response.schema(), response.validator.as_ref())
    {
        let persona = ctx.app.personas.get(DEFAULT_SUBJECT);
        let context = ctx.app.gen_context(spec, &persona, 0);
        let mut rng = rng_for(ctx.app.config.seed, "error", &problem.message);
        let generated = generate_value(schema, None, &context, &mut rng);
        let mut filled = generated.clone();
        fill_problem(&mut filled, problem, 0);
        // A field the schema constrains (an enum of codes, a pattern) may refuse our words: the
        // generated body is valid by construction, so it is the fallback.
        let body = if validator.is_valid(&filled) {
            filled
        } else {
            generated
        };
        let content_type = response
            .content_type
            .as_deref()
            .unwrap_or("application/json");
        return with_headers(
            http::json_response(problem.status, content_type, &body),
            problem,
        );
    }
    problem_json(problem)
}

fn default_of(op: &Operation) -> Option<&crate::spec::ResponseSpec> {
    op.responses.iter().find(|r| r.status == "default")
}

/// RFC 9457 problem details.
pub fn problem_json(problem: &Problem) -> HttpResponse {
    let mut body = json!({
        "type": "about:blank",
        "title": problem.status.canonical_reason().unwrap_or("Error"),
        "status": problem.status.as_u16(),
        "detail": problem.message,
    });
    if let Some(field) = &problem.field {
        body["field"] = json!(field);
    }
    if !problem.findings.is_empty() {
        body["errors"] = json!(problem.findings);
    }
    with_headers(
        http::json_response(problem.status, "application/problem+json", &body),
        problem,
    )
}

pub fn with_headers(mut response: HttpResponse, problem: &Problem) -> HttpResponse {
    for (name, value) in &problem.headers {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    response
}

/// Writes the problem into the fields of a generated error body whose names say what they hold.
fn fill_problem(value: &mut Value, problem: &Problem, depth: usize) {
    if depth > 3 {
        return;
    }
    match value {
        Value::Object(map) => fill_object(map, problem, depth),
        Value::Array(items) => {
            for item in items.iter_mut().take(1) {
                fill_problem(item, problem, depth + 1);
            }
        }
        _ => {}
    }
}

fn fill_object(map: &mut Map<String, Value>, problem: &Problem, depth: usize) {
    for (key, v) in map.iter_mut() {
        let k = key.to_ascii_lowercase();
        match v {
            Value::String(s) => {
                if matches!(
                    k.as_str(),
                    "message"
                        | "detail"
                        | "details"
                        | "description"
                        | "error_description"
                        | "errormessage"
                        | "msg"
                        | "reason"
                ) {
                    *s = problem.message.clone();
                } else if matches!(k.as_str(), "code" | "errorcode" | "error") {
                    *s = problem
                        .code
                        .clone()
                        .unwrap_or_else(|| status_code_word(problem.status));
                } else if k == "title" {
                    *s = problem.title.clone().unwrap_or_else(|| {
                        problem
                            .status
                            .canonical_reason()
                            .unwrap_or("Error")
                            .to_string()
                    });
                } else if matches!(
                    k.as_str(),
                    "field" | "property" | "propertyname" | "parameter"
                ) && let Some(f) = &problem.field
                {
                    *s = f.clone();
                }
            }
            Value::Number(_) if matches!(k.as_str(), "status" | "statuscode" | "httpstatus") => {
                *v = json!(problem.status.as_u16());
            }
            Value::Object(_) | Value::Array(_) => fill_problem(v, problem, depth + 1),
            _ => {}
        }
    }
}

/// `NOT_FOUND` for 404: an error code when the problem has none of its own.
fn status_code_word(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("ERROR")
        .to_ascii_uppercase()
        .replace([' ', '-'], "_")
}
