//! Bankly customers and KYC. Filled in by the Bankly work; until its spec is embedded no route
//! reaches this module.

use std::path::Path;
use std::sync::Arc;

use hyper::StatusCode;
use serde_json::json;

use crate::sandbox::http::{self, HttpResponse, Req};
use crate::sandbox::{App, SandboxConfig};
use crate::spec::{ApiSpec, Operation};

#[derive(Debug, Clone, Default)]
pub struct BanklyConfig {}

#[derive(Default)]
pub struct Bankly {}

impl Bankly {
    pub fn new(_config: &SandboxConfig, _fixtures: Option<&Path>) -> anyhow::Result<Bankly> {
        Ok(Bankly {})
    }
    pub fn reset(&self) {}
}

pub fn spawn_background(_app: Arc<App>) {}
pub fn stop_background(_app: &Arc<App>) {}

pub fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "INVALID_PARAMETER",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        406 => "NOT_ACCEPTABLE",
        409 => "CONFLICT",
        413 => "PAYLOAD_TOO_LARGE",
        415 => "UNSUPPORTED_MEDIA_TYPE",
        422 => "UNPROCESSABLE",
        429 => "TOO_MANY_REQUESTS",
        _ => "INTERNAL_ERROR",
    }
}

pub fn error_response(
    _app: &App,
    status: StatusCode,
    _req: Option<&Req>,
    code: &str,
    property: Option<&str>,
    message: &str,
) -> HttpResponse {
    http::json_response(
        status,
        "application/json",
        &json!({"errors": [{"code": code, "propertyName": property.unwrap_or(""), "messages": [message]}],
                "reference": uuid::Uuid::new_v4().to_string()}),
    )
}

pub fn handle(app: &App, spec: &ApiSpec, op: &Operation, req: &Req) -> HttpResponse {
    super::generic::handle(app, spec, op, req)
}

pub fn control(_app: &App, req: &Req, _rest: &[&str]) -> HttpResponse {
    super::generic_error(
        StatusCode::NOT_FOUND,
        &format!("no control route {}", req.path),
    )
}
