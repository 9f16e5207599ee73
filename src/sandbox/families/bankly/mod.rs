//! Bankly customers and KYC (`/bankly/...`, spec `specs/bankly/customers.yaml`).
//!
//! A request goes through, in order: correlation id, rate limit, the token endpoint (which needs no
//! token), `Accept`, bearer token (401), the operation's scope from the spec's `security` (403),
//! `api-version` and query parameters (400), the CPF of the path (400), and then the operation,
//! which validates its body completely before touching state. Every error has Bankly's shape
//! `{"errors": [{"code", "propertyName", "messages"}], "reference"}`, every response echoes
//! `x-correlation-id`.
//!
//! Modules: [`auth`] tokens, scopes and rate limit; [`kyc`] the state machine, reasons and magic
//! documents; [`customers`] the customer operations; [`validate`] field-by-field body checks;
//! [`webhooks`] configurations, signed deliveries and retries; [`control`] our `/sandbox/bankly`
//! routes. A background task ([`spawn_background`]) applies due KYC steps and sends webhooks, so
//! events fire without anyone reading.

pub mod auth;
pub mod control;
pub mod customers;
pub mod kyc;
pub mod validate;
pub mod webhooks;

use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Utc};
use hyper::StatusCode;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::sandbox::http::{self, HttpResponse, Req};
use crate::sandbox::params::{self, ProblemKind};
use crate::sandbox::{App, SandboxConfig};
use crate::spec::{ApiSpec, Operation, ParamLocation};

/// How the Bankly family behaves (`finsandbox serve --bankly-*`).
#[derive(Debug, Clone)]
pub struct BanklyConfig {
    /// Sandbox-clock seconds between the steps of an analysis (registration -> result).
    pub kyc_delay_seconds: u64,
    /// Answer 429 beyond 180 requests per 10 s per client.
    pub rate_limit: bool,
    /// Wait before the first retry of a failed webhook; it doubles for each further retry.
    pub webhook_retry_base: StdDuration,
    /// Attempts per delivery, the first one included.
    pub webhook_max_attempts: u32,
    /// Time a receiver gets to answer one attempt.
    pub webhook_timeout: StdDuration,
}

impl Default for BanklyConfig {
    fn default() -> Self {
        BanklyConfig {
            kyc_delay_seconds: 30,
            rate_limit: true,
            webhook_retry_base: StdDuration::from_secs(1),
            webhook_max_attempts: 5,
            webhook_timeout: StdDuration::from_secs(5),
        }
    }
}

/// The family's state.
pub struct Bankly {
    pub config: BanklyConfig,
    pub magic: kyc::MagicDocuments,
    pub state: RwLock<kyc::KycState>,
    pub tokens: auth::Tokens,
    pub limiter: auth::RateLimiter,
    pub webhooks: webhooks::Webhooks,
    background: Mutex<Option<oneshot::Sender<()>>>,
}

const EMBEDDED_FIXTURES: &str = include_str!("../../../../fixtures/bankly.yaml");

impl Bankly {
    /// Loads the magic documents from `fixtures/bankly.yaml` (the `--fixtures` directory's, or the
    /// embedded one when the directory has none).
    pub fn new(config: &SandboxConfig, fixtures: Option<&Path>) -> anyhow::Result<Bankly> {
        let (source, text) = match fixtures.map(|d| d.join("bankly.yaml")) {
            Some(path) if path.exists() => {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                (path.display().to_string(), text)
            }
            _ => ("bankly.yaml".to_string(), EMBEDDED_FIXTURES.to_string()),
        };
        let magic = kyc::MagicDocuments::parse(&source, &text).map_err(|e| anyhow::anyhow!(e))?;
        let c = config.bankly.clone();
        Ok(Bankly {
            magic,
            state: RwLock::new(kyc::KycState::default()),
            tokens: auth::Tokens::default(),
            limiter: auth::RateLimiter::default(),
            webhooks: webhooks::Webhooks::new(c.webhook_retry_base, c.webhook_max_attempts),
            background: Mutex::new(None),
            config: c,
        })
    }

    /// Forgets registrations, tokens, rate-limit windows, webhook configurations and deliveries.
    pub fn reset(&self) {
        if let Ok(mut s) = self.state.write() {
            *s = kyc::KycState::default();
        }
        self.tokens.reset();
        self.limiter.reset();
        self.webhooks.reset();
    }

    /// Applies the KYC steps due on the sandbox clock and queues their events.
    pub fn tick(&self, now: DateTime<Utc>) {
        let due = self
            .state
            .read()
            .map(|s| s.next_due().is_some_and(|at| at <= now))
            .unwrap_or(false);
        if !due {
            return;
        }
        let mut events = Vec::new();
        if let Ok(mut state) = self.state.write() {
            state.advance_all(now, &mut events);
            self.webhooks.enqueue(&events);
        }
    }
}

// ------------------------------------------------------------------------------ background task

/// How often due KYC steps are looked for without any request arriving (real time).
const TICK: StdDuration = StdDuration::from_millis(200);
/// Webhook attempts in flight at once.
const MAX_IN_FLIGHT: usize = 32;

/// Starts the task that applies due KYC steps and delivers webhooks. Called by the server when it
/// starts; a second call while one runs does nothing.
pub fn spawn_background(app: Arc<App>) {
    let (tx, rx) = oneshot::channel();
    {
        let Ok(mut slot) = app.bankly.background.lock() else {
            return;
        };
        if slot.as_ref().is_some_and(|s| !s.is_closed()) {
            return;
        }
        *slot = Some(tx);
    }
    tokio::spawn(background(app, rx));
}

/// Stops the background task; deliveries in flight are abandoned.
pub fn stop_background(app: &Arc<App>) {
    if let Ok(mut slot) = app.bankly.background.lock()
        && let Some(tx) = slot.take()
    {
        let _ = tx.send(());
    }
}

async fn background(app: Arc<App>, mut stop: oneshot::Receiver<()>) {
    let client = webhooks::client(app.bankly.config.webhook_timeout);
    let mut in_flight: JoinSet<()> = JoinSet::new();
    loop {
        app.bankly.tick(app.clock.now());
        let room = MAX_IN_FLIGHT.saturating_sub(in_flight.len());
        for job in app.bankly.webhooks.take_due(Instant::now(), room) {
            let app = app.clone();
            let client = client.clone();
            in_flight.spawn(async move {
                let started = app.clock.now();
                let outcome = match &client {
                    Some(c) => webhooks::send(c, &job).await,
                    None => webhooks::Outcome {
                        status_code: None,
                        error: Some("the sandbox has no HTTP client (see its log)".into()),
                        duration: StdDuration::ZERO,
                    },
                };
                app.bankly.webhooks.finish(job, outcome, started);
            });
        }
        let wait = app
            .bankly
            .webhooks
            .next_wake(Instant::now())
            .map_or(TICK, |w| w.min(TICK));
        tokio::select! {
            _ = &mut stop => break,
            _ = app.bankly.webhooks.notify.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
        }
    }
    in_flight.abort_all();
}

// ------------------------------------------------------------------------------------ errors

/// An error on its way to becoming a Bankly error body.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub items: Vec<(String, String, Vec<String>)>,
    pub headers: Vec<(&'static str, String)>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &str,
        property: &str,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            items: vec![(code.to_string(), property.to_string(), vec![message.into()])],
            headers: Vec::new(),
        }
    }

    pub fn bad_request(property: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETER",
            property,
            message,
        )
    }

    /// One INVALID_PARAMETER item per field.
    pub fn invalid(errors: validate::FieldErrors) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            items: errors
                .into_items()
                .into_iter()
                .map(|(p, m)| ("INVALID_PARAMETER".to_string(), p, m))
                .collect(),
            headers: Vec::new(),
        }
    }

    pub fn not_found() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "documentNumber",
            "Cliente não encontrado.",
        )
    }

    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "",
            "Estado do sandbox indisponível.",
        )
    }

    pub fn with_header(mut self, name: &'static str, value: &str) -> ApiError {
        self.headers.push((name, value.to_string()));
        self
    }

    /// Renders the error in the shape `op` declares for its status: Bankly's
    /// `{"errors", "reference"}`, or OAuth2's `{"error", "error_description"}` where the spec says
    /// so (the token endpoint's 400).
    pub fn render_for(&self, op: &Operation, reference: &str) -> HttpResponse {
        if declares_oauth_error(op, self.status) {
            let description = self
                .items
                .iter()
                .map(|(_, property, messages)| {
                    let text = messages.join(" ");
                    if property.is_empty() || text.contains(property.as_str()) {
                        text
                    } else {
                        format!("{property}: {text}")
                    }
                })
                .collect::<Vec<_>>()
                .join(" ");
            let mut response =
                auth::oauth_error(self.status, oauth_code(self.status), &description);
            for (name, value) in &self.headers {
                http::set_header(&mut response, name, value);
            }
            return response;
        }
        self.render(reference)
    }

    pub fn render(&self, reference: &str) -> HttpResponse {
        let errors: Vec<Value> = self
            .items
            .iter()
            .map(|(code, property, messages)| {
                json!({"code": code, "propertyName": property, "messages": messages})
            })
            .collect();
        let mut response = http::json_response(
            self.status,
            "application/json",
            &json!({"errors": errors, "reference": reference}),
        );
        for (name, value) in &self.headers {
            http::set_header(&mut response, name, value);
        }
        response
    }
}

/// Whether the operation answers `status` with an OAuth2 error body (`error` and no `errors`).
fn declares_oauth_error(op: &Operation, status: StatusCode) -> bool {
    let Some(props) = op
        .declared_response(status.as_u16())
        .and_then(|r| r.schema())
        .and_then(|s| s.get("properties"))
    else {
        return false;
    };
    props.get("error").is_some() && props.get("errors").is_none()
}

/// The OAuth2 (RFC 6749 §5.2) code for an error status of the token endpoint.
fn oauth_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "invalid_client",
        400..=499 => "invalid_request",
        _ => "server_error",
    }
}

/// The code Bankly uses for a status.
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
        431 => "REQUEST_HEADER_FIELDS_TOO_LARGE",
        _ => "INTERNAL_ERROR",
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

/// `2026-03-02T12:00:00.000Z`: the millisecond form of the vendor's timestamps.
pub fn millis(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A correlation id fit to echo: printable ASCII without spaces, at most 100 characters.
fn echoable(value: &str) -> bool {
    !value.is_empty() && value.len() <= 100 && value.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// Errors raised before an operation is known (unknown path, wrong method, oversize body).
pub fn early_error(app: &App, status: StatusCode, req: Option<&Req>, detail: &str) -> HttpResponse {
    let (method, path) = req
        .map(|r| (r.method.to_string(), r.path.clone()))
        .unwrap_or_default();
    let message = match status.as_u16() {
        404 => format!("Recurso não encontrado: {method} {}.", printable(&path)),
        405 => format!("O método {method} não é aceito em {}.", printable(&path)),
        413 => format!(
            "O corpo da requisição excede o limite de {} bytes.",
            app.config.max_body_bytes
        ),
        400 => "Não foi possível ler o corpo da requisição.".to_string(),
        431 => format!(
            "Cabeçalhos grandes demais: até {} bytes por campo e {} bytes no total.",
            app.config.max_header_bytes, app.config.max_header_total_bytes
        ),
        _ => detail.to_string(),
    };
    let correlation = req
        .and_then(|r| r.header("x-correlation-id"))
        .filter(|v| echoable(v))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let mut response = ApiError::new(status, code_for(status), "", message).render(&correlation);
    http::set_header(&mut response, "x-correlation-id", &correlation);
    response
}

// ------------------------------------------------------------------------------------ dispatch

pub fn handle(app: &App, spec: &ApiSpec, op: &Operation, req: &Req) -> HttpResponse {
    let correlation = match correlation_problem(op, req) {
        Ok(Some(v)) => v.to_string(),
        Ok(None) => uuid::Uuid::new_v4().to_string(),
        Err(e) => {
            let generated = uuid::Uuid::new_v4().to_string();
            let mut r = e.render_for(op, &generated);
            http::set_header(&mut r, "x-correlation-id", &generated);
            return r;
        }
    };
    let mut response = match route(app, spec, op, req) {
        Ok(r) => r,
        Err(e) => e.render_for(op, &correlation),
    };
    http::set_header(&mut response, "x-correlation-id", &correlation);
    response
}

/// The request's `x-correlation-id` if it may be echoed, `None` if it sent none, or the error that
/// refuses it: the operation's declared parameter decides what is valid (printable ASCII when the
/// spec declares none), before anything else, since every answer carries the id.
fn correlation_problem<'r>(op: &Operation, req: &'r Req) -> Result<Option<&'r str>, ApiError> {
    let declared = op.parameter(ParamLocation::Header, "x-correlation-id");
    let lines = req.headers.get_all("x-correlation-id").iter().count();
    if lines == 0 {
        return match declared {
            Some(p) if p.required => Err(ApiError::bad_request(
                "x-correlation-id",
                "Cabeçalho obrigatório: x-correlation-id.",
            )),
            _ => Ok(None),
        };
    }
    // Several lines of the header, or bytes that are not text, are no id to echo.
    let value = req.header("x-correlation-id").filter(|_| lines == 1);
    let valid = match (value, declared) {
        (Some(_), Some(p)) => params::check(p, req).is_none(),
        (Some(v), None) => echoable(v),
        (None, _) => false,
    };
    if valid {
        Ok(value)
    } else {
        Err(ApiError::bad_request(
            "x-correlation-id",
            "x-correlation-id deve ter de 1 a 100 caracteres visíveis, sem espaços.",
        ))
    }
}

fn route(app: &App, spec: &ApiSpec, op: &Operation, req: &Req) -> Result<HttpResponse, ApiError> {
    if app.bankly.config.rate_limit {
        let key = match app.bankly.tokens.client_of(req) {
            Some(client) => format!("client:{client}"),
            None => format!(
                "ip:{}",
                req.peer.map(|p| p.ip().to_string()).unwrap_or_default()
            ),
        };
        if let Err(wait) = app.bankly.limiter.check(&key, Instant::now()) {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_REQUESTS",
                "",
                format!(
                    "Limite de {} requisições em {} segundos excedido; tente novamente em {wait} s.",
                    auth::RATE_LIMIT_REQUESTS,
                    auth::RATE_LIMIT_WINDOW.as_secs()
                ),
            )
            .with_header("retry-after", &wait.to_string()));
        }
    }
    if op.method == "POST" && op.path == "/oauth2/token" {
        return Ok(auth::token(app, spec, op, req));
    }
    if crate::sandbox::families::open_finance::accept_problem(req).is_some() {
        return Err(ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "NOT_ACCEPTABLE",
            "Accept",
            "O cabeçalho Accept precisa aceitar application/json.",
        ));
    }
    let token = app
        .bankly
        .tokens
        .resolve(req, app.clock.now())
        .map_err(|e| ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "", e.message()))?;
    if let Some(missing) = op.scopes.iter().find(|s| !token.scopes.contains(s)) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "",
            format!("O token não tem o scope {missing}, exigido por esta operação."),
        ));
    }
    check_parameters(op, req)?;
    let document = req.param("documentNumber");
    if let Some(doc) = document
        && let Some(problem) = validate::cpf_problem(doc)
    {
        return Err(ApiError::bad_request("documentNumber", problem));
    }
    let doc = document.unwrap_or_default();
    match (op.method.as_str(), op.path.as_str()) {
        ("GET", "/customers/{documentNumber}") => customers::get(app, req, doc),
        ("PUT", "/customers/{documentNumber}") => customers::register(app, op, req, doc),
        ("PATCH", "/customers/{documentNumber}") => customers::update(app, op, req, doc),
        ("PATCH", "/customers/{documentNumber}/cancel") => customers::cancel(app, op, req, doc),
        ("POST", "/webhooks/configurations") => webhooks::create_configuration(app, op, req),
        // An operation a user's own spec adds: answered from its schema.
        _ => Ok(super::generic::handle(app, spec, op, req)),
    }
}

/// The operation's path, query and header parameters against their schemas in the spec
/// (`api-version`, `resultLevel`, `documentNumber`...): one `INVALID_PARAMETER` item per parameter,
/// `propertyName` naming it. The check is shared by every family; the wording is Bankly's.
fn check_parameters(op: &Operation, req: &Req) -> Result<(), ApiError> {
    let problems = params::problems(op, req);
    if problems.is_empty() {
        return Ok(());
    }
    let items = problems
        .iter()
        .map(|p| {
            let message = match p.kind {
                ProblemKind::Missing => {
                    let what = if p.location == ParamLocation::Header {
                        "Cabeçalho obrigatório"
                    } else {
                        "Parâmetro obrigatório"
                    };
                    let hint = match p.param.schema.get("enum").and_then(Value::as_array) {
                        Some(vs) => format!(
                            " (valores aceitos: {})",
                            vs.iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        None => String::new(),
                    };
                    format!("{what}: {}{hint}.", p.name())
                }
                ProblemKind::Invalid => match p.keyword() {
                    Some(keyword) => validate::message_for(keyword, &p.param.schema),
                    None => format!(
                        "Valor inválido em {}: texto ASCII visível esperado.",
                        p.name()
                    ),
                },
            };
            (
                "INVALID_PARAMETER".to_string(),
                p.name().to_string(),
                vec![message],
            )
        })
        .collect();
    Err(ApiError {
        status: StatusCode::BAD_REQUEST,
        items,
        headers: Vec::new(),
    })
}

/// The request body as JSON, after the content-type check (415) and parsing (400).
pub fn json_body(op: &Operation, req: &Req) -> Result<Value, ApiError> {
    let content_type = req
        .header("content-type")
        .unwrap_or("")
        .to_ascii_lowercase();
    let expected = op
        .request_body
        .as_ref()
        .map_or("application/json", |b| b.content_type.as_str());
    let media = content_type.split(';').next().unwrap_or("").trim();
    if media != expected && !(expected.contains("json") && media.ends_with("+json")) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "Content-Type",
            format!("Envie o corpo como {expected}."),
        ));
    }
    if req.body.is_empty() {
        return Err(ApiError::bad_request(
            "",
            "O corpo da requisição está vazio; envie um objeto JSON.",
        ));
    }
    serde_json::from_slice(&req.body).map_err(|e| {
        ApiError::bad_request(
            "",
            format!(
                "JSON malformado (linha {}, coluna {}).",
                e.line(),
                e.column()
            ),
        )
    })
}

pub fn control(app: &App, req: &Req, rest: &[&str]) -> HttpResponse {
    control::handle(app, req, rest)
}
