//! Documents of no known family (a participant's own OpenAPI file, say): answered from the schemas
//! alone, like a classic mock server — the first declared 2xx response, generated from its schema.
//! Documents named in a path parameter (a valid CPF or CNPJ) pick the persona, so data is still
//! coherent and deterministic.

use hyper::StatusCode;
use serde_json::Value;

use super::generic_error;
use crate::datagen::br;
use crate::datagen::{generate_value, rng_for};
use crate::sandbox::App;
use crate::sandbox::http::{self, HttpResponse, Req};
use crate::spec::{ApiSpec, Operation};

/// The persona a request is about: the first path parameter holding a valid CPF or CNPJ, or a fixed
/// default customer.
fn subject(req: &Req) -> String {
    req.params
        .iter()
        .map(|(_, v)| br::strip_mask(v))
        .find(|v| (v.len() == 11 && br::is_valid_cpf(v)) || (v.len() == 14 && br::is_valid_cnpj(v)))
        .unwrap_or_else(|| "52998224725".to_string())
}

pub fn handle(app: &App, spec: &ApiSpec, op: &Operation, req: &Req) -> HttpResponse {
    let Some(response) = op
        .responses
        .iter()
        .filter(|r| r.status.starts_with('2'))
        .min_by(|a, b| a.status.cmp(&b.status))
    else {
        return generic_error(
            StatusCode::NOT_IMPLEMENTED,
            &format!("{} declares no success response to imitate", op.id),
        );
    };
    let status = response
        .status
        .parse::<u16>()
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let Some(schema) = response.schema() else {
        return http::empty_response(status);
    };
    let document = subject(req);
    let persona = app.personas.get(&document);
    let ctx = app.gen_context(spec, &persona, 0);
    let mut rng = rng_for(
        app.config.seed,
        &document,
        &format!("{}|{}", spec.base_path, op.id),
    );
    let body: Value = generate_value(schema, None, &ctx, &mut rng);
    let content_type = response
        .content_type
        .as_deref()
        .unwrap_or("application/json");
    http::json_response(status, content_type, &body)
}
