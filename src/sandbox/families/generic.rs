//! Documents of no known family (a participant's own OpenAPI file, another provider's API): answered
//! from the document alone, like a validating mock server — the declared success status a real
//! provider would send, with a body valid against its schema in the media type the client accepts
//! ([`crate::datagen::respond`]). A CPF or CNPJ the request names (path, query or body) picks the
//! persona, so the data is about that customer and the same on every call.

use hyper::StatusCode;
use serde_json::Value;

use super::generic_error;
use crate::datagen::respond::{self, RespondError};
use crate::datagen::{OpenWorld, br};
use crate::sandbox::App;
use crate::sandbox::http::{self, HttpResponse, Req};
use crate::spec::{ApiSpec, Direction, Operation};

/// The customer the request is about: the first valid CPF or CNPJ among the path parameters,
/// the query parameters and the top-level fields of a JSON body; else a fixed default customer.
fn subject(req: &Req) -> String {
    let is_document = |v: &str| {
        let v = br::strip_mask(v);
        ((v.len() == 11 && br::is_valid_cpf(&v)) || (v.len() == 14 && br::is_valid_cnpj(&v)))
            .then_some(v)
    };
    let from_body = || {
        let body: Value = serde_json::from_slice(&req.body).ok()?;
        body.as_object()?
            .values()
            .filter_map(Value::as_str)
            .find_map(is_document)
    };
    req.params
        .iter()
        .chain(req.query.iter())
        .find_map(|(_, v)| is_document(v))
        .or_else(from_body)
        .unwrap_or_else(|| "52998224725".to_string())
}

pub fn handle(app: &App, spec: &ApiSpec, op: &Operation, req: &Req) -> HttpResponse {
    let Some(status) = respond::success_status(op) else {
        return generic_error(
            StatusCode::NOT_IMPLEMENTED,
            &format!("{} declares no success response to imitate", op.id),
        );
    };
    let document = subject(req);
    let persona = app.personas.get(&document);
    let scopes = spec.security.all_scopes();
    let mut ctx = app.gen_context(spec, &persona, 0);
    ctx.open = Some(OpenWorld {
        direction: Direction::Response,
        scopes: &scopes,
    });
    let accept = req.header(hyper::header::ACCEPT);
    match respond::respond(spec, op, status, accept, &ctx, app.config.seed) {
        Ok(answer) => {
            let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
            match answer.content_type {
                Some(ct) => http::bytes_response(status, &ct, answer.body),
                None => http::empty_response(status),
            }
        }
        Err(RespondError::NotAcceptable { declared }) => generic_error(
            StatusCode::NOT_ACCEPTABLE,
            &format!(
                "{} answers only {}; the Accept header allows none of them",
                op.id,
                declared.join(", ")
            ),
        ),
        Err(e) => generic_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}
