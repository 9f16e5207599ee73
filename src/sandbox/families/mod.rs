//! Behaviour per API family on top of the specs. A family decides state, rules and error shapes; the
//! shapes of successful bodies come from the spec. Documents of no known family are answered by
//! [`generic`] from their schemas alone.

pub mod bankly;
pub mod generic;
pub mod open_finance;
pub mod portadores;

use hyper::StatusCode;
use serde_json::json;

use super::App;
use super::http::{self, HttpResponse, Req};
use crate::spec::{ApiSpec, Operation};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    OpenFinance,
    Bankly,
    Generic,
}

impl Family {
    pub fn for_spec(spec: &ApiSpec) -> Family {
        match spec.family.as_str() {
            "open-finance" => Family::OpenFinance,
            "bankly" => Family::Bankly,
            _ => Family::Generic,
        }
    }

    /// Whose error shape an unknown path gets: the family that owns the prefix.
    pub fn for_path(path: &str) -> Family {
        if path.starts_with("/open-banking/") || path.starts_with("/auth/") {
            Family::OpenFinance
        } else if path.starts_with("/bankly/") || path == "/bankly" {
            Family::Bankly
        } else {
            Family::Generic
        }
    }

    pub fn handle(self, app: &App, spec: &ApiSpec, op: &Operation, req: &Req) -> HttpResponse {
        match self {
            Family::OpenFinance => open_finance::handle(app, spec, op, req),
            Family::Bankly => bankly::handle(app, spec, op, req),
            Family::Generic => generic::handle(app, spec, op, req),
        }
    }

    /// An error in the family's shape, for failures before an operation is known.
    pub fn error(
        self,
        app: &App,
        status: StatusCode,
        req: Option<&Req>,
        detail: &str,
    ) -> HttpResponse {
        match self {
            Family::OpenFinance => open_finance::early_error(app, status, req, detail),
            Family::Bankly => bankly::early_error(app, status, req, detail),
            Family::Generic => generic_error(status, detail),
        }
    }
}

pub fn generic_error(status: StatusCode, detail: &str) -> HttpResponse {
    http::json_response(
        status,
        "application/json",
        &json!({"error": status.canonical_reason().unwrap_or("error"), "message": detail}),
    )
}

/// Routes that belong to no spec: the OAuth2 token endpoint of Open Finance and the index page.
pub fn unrouted(app: &App, req: &Req) -> Option<HttpResponse> {
    match (req.method.as_str(), req.path.as_str()) {
        ("POST", "/auth/token") => Some(open_finance::auth::token(app, req)),
        (_, "/auth/token") => Some(open_finance::early_error(
            app,
            StatusCode::METHOD_NOT_ALLOWED,
            Some(req),
            "the token endpoint accepts POST only",
        )),
        ("GET", "/" | "/healthz") => Some(index(app, req)),
        _ => None,
    }
}

fn index(app: &App, req: &Req) -> HttpResponse {
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
    http::json_response(
        StatusCode::OK,
        "application/json",
        &json!({
            "finsandbox": env!("CARGO_PKG_VERSION"),
            "seed": app.config.seed,
            "apis": apis,
            "tokenEndpoint": format!("{origin}/auth/token"),
            "control": format!("{origin}/sandbox"),
        }),
    )
}
