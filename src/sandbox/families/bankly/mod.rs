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
pub mod rules;
pub mod validate;
pub mod webhooks;

/// The family's harness steps and its part of the World (its folder under `src/harness/steps/`).
#[path = "../../../harness/steps/bankly/mod.rs"]
pub mod steps;

use std::any::Any;
use std::sync::{Arc, RwLock};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Utc};
use hyper::StatusCode;
use serde_json::{Value, json};

use crate::sandbox::App;
use crate::sandbox::family::{
    self, BodyPolicy, Call, Correlation, ErrorContext, Family, Handler, Init, Plugin, Problem,
    ProblemKind, Reply,
};
use crate::sandbox::http::{self, HttpResponse, Req};
use crate::spec::{ApiSpec, Operation, ParamLocation};

/// The registry name of the family.
pub const NAME: &str = "bankly";

/// How the Bankly family behaves (`finsandbox serve --bankly-*`).
#[derive(Debug, Clone, clap::Args)]
pub struct BanklyConfig {
    /// Bankly: sandbox-clock seconds between the steps of a KYC analysis (0: decided at once).
    #[arg(long = "bankly-kyc-delay", value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(0..=315_360_000))]
    pub kyc_delay_seconds: u64,
    /// Bankly: answer 429 beyond 180 requests per 10 s per client.
    #[arg(long = "bankly-rate-limit", value_name = "on|off", default_value = "on",
          value_parser = family::parse_on_off, action = clap::ArgAction::Set)]
    pub rate_limit: bool,
    /// Bankly: wait before the first webhook retry, doubled for each further one (e.g. 0.5).
    #[arg(long = "bankly-webhook-retry-base", value_name = "SECONDS", default_value = "1",
          value_parser = family::parse_seconds)]
    pub webhook_retry_base: StdDuration,
    /// Bankly: attempts per webhook delivery, the first one included.
    #[arg(long = "bankly-webhook-attempts", value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..=20))]
    pub webhook_max_attempts: u32,
    /// Time a receiver gets to answer one attempt.
    #[arg(skip = StdDuration::from_secs(5))]
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

pub struct BanklyPlugin;

pub static PLUGIN: BanklyPlugin = BanklyPlugin;

impl Plugin for BanklyPlugin {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Bankly customers and KYC, with signed webhooks"
    }

    fn mount(&self) -> &'static str {
        "/bankly"
    }

    fn recognise(&self, base_path: &str) -> Option<String> {
        (base_path == "/bankly" || base_path.starts_with("/bankly/")).then(|| "customers".into())
    }

    fn serve_args(&self, cmd: clap::Command) -> clap::Command {
        family::args::augment::<BanklyConfig>(cmd)
    }

    fn read_serve_args(
        &self,
        matches: &clap::ArgMatches,
        options: &mut family::FamilyOptions,
    ) -> Result<(), clap::Error> {
        family::args::read::<BanklyConfig>(matches, options)
    }

    fn build(&self, init: &Init<'_>) -> anyhow::Result<Arc<dyn Family>> {
        Ok(Arc::new(Bankly::new(init)?))
    }

    fn scenario_values(&self, scenario: &family::ScenarioSeed<'_>) -> Vec<(String, String)> {
        steps::scenario_values(scenario)
    }

    fn request_headers(&self) -> Vec<(String, String)> {
        steps::request_headers()
    }

    fn check_target_section(&self, section: &toml::Value) -> Result<(), String> {
        family::args::target_section::<steps::target::BanklyTarget>(section)
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
}

const EMBEDDED_FIXTURES: &str = include_str!("../../../../fixtures/bankly.yaml");

impl Bankly {
    /// Loads the magic documents from `fixtures/bankly.yaml` (the `--fixtures` directory's, or the
    /// embedded one when the directory has none).
    pub fn new(init: &Init<'_>) -> anyhow::Result<Bankly> {
        let (source, text) = init.fixture("bankly.yaml", EMBEDDED_FIXTURES)?;
        let magic = kyc::MagicDocuments::parse(&source, &text).map_err(|e| anyhow::anyhow!(e))?;
        let c: BanklyConfig = init.config.families.get();
        Ok(Bankly {
            magic,
            state: RwLock::new(kyc::KycState::default()),
            tokens: auth::Tokens::default(),
            limiter: auth::RateLimiter::default(),
            webhooks: webhooks::Webhooks::new(
                c.webhook_retry_base,
                c.webhook_max_attempts,
                c.webhook_timeout,
            ),
            config: c,
        })
    }

    /// Forgets registrations, tokens, rate-limit windows, webhook configurations and deliveries.
    fn forget(&self) {
        if let Ok(mut s) = self.state.write() {
            *s = kyc::KycState::default();
        }
        self.tokens.reset();
        self.limiter.reset();
        self.webhooks.reset();
    }
}

type Op = fn(&Bankly, &Call<'_>) -> Reply;

const OPERATIONS: &[(&str, Op)] = &[
    ("banklyToken", |b, call| {
        Ok(auth::token(b, call.app, call.spec, call.op, call.req))
    }),
    ("getCustomer", |b, call| {
        with_document(call, |doc| {
            customers::get(b, call.app, call.op, call.req, doc)
        })
    }),
    ("registerCustomer", |b, call| {
        with_document(call, |doc| {
            customers::register(b, call.app, call.op, call.req, doc)
        })
    }),
    ("updateCustomer", |b, call| {
        with_document(call, |doc| {
            customers::update(b, call.app, call.op, call.req, doc)
        })
    }),
    ("cancelCustomer", |b, call| {
        with_document(call, |doc| {
            customers::cancel(b, call.app, call.op, call.req, doc)
        })
    }),
    ("createWebhookConfiguration", |b, call| {
        webhooks::create_configuration(b, call.app, call.op, call.req)
            .map_err(ApiError::into_problem)
    }),
];

/// Runs a customer operation once the CPF of its path is valid (400 otherwise).
fn with_document(call: &Call<'_>, f: impl FnOnce(&str) -> Result<HttpResponse, ApiError>) -> Reply {
    let document = call.req.param("documentNumber").unwrap_or_default();
    if let Some(problem) = validate::cpf_problem(document) {
        return Err(ApiError::bad_request("documentNumber", problem).into_problem());
    }
    f(document).map_err(ApiError::into_problem)
}

/// Whether the operation declares Bankly's error body (`errors[]`) for this status.
fn declares_own_shape(op: Option<&Operation>, status: StatusCode) -> bool {
    op.and_then(|o| o.declared_response(status.as_u16()))
        .and_then(|r| r.schema())
        .is_some_and(|s| s.pointer("/properties/errors").is_some())
}

/// The operation that issues tokens answers OAuth2 errors, whatever else goes wrong.
fn is_token_operation(op: Option<&Operation>) -> bool {
    op.is_some_and(|o| o.id == "banklyToken")
}

impl Family for Bankly {
    fn name(&self) -> &'static str {
        NAME
    }

    fn handlers(self: Arc<Self>, _spec: &ApiSpec) -> Vec<(&'static str, Handler)> {
        family::table(&self, OPERATIONS)
    }

    fn render(&self, ctx: &ErrorContext<'_>, problem: &Problem) -> HttpResponse {
        // The token operation answers RFC 6749 errors, except for the statuses its spec gives
        // Bankly's own shape (405, 413, 429, 500: the gateway's answers).
        if is_token_operation(ctx.op) && !declares_own_shape(ctx.op, problem.status) {
            return crate::sandbox::oauth::render(problem);
        }
        let reference = ctx
            .correlation
            .map(str::to_string)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        ApiError::from_problem(self, ctx, problem).render(&reference)
    }

    fn correlation(&self) -> Option<Correlation> {
        Some(Correlation {
            header: hyper::header::HeaderName::from_static("x-correlation-id"),
            fallback_valid: echoable,
            generate_when_missing: true,
        })
    }

    fn admit(&self, call: &Call<'_>) -> Result<(), Problem> {
        if !self.config.rate_limit {
            return Ok(());
        }
        let req = call.req;
        let key = match req.bearer().and_then(|b| self.tokens.client_of(b)) {
            Some(client) => format!("client:{client}"),
            None => format!(
                "ip:{}",
                req.peer.map(|p| p.ip().to_string()).unwrap_or_default()
            ),
        };
        if let Err(wait) = self.limiter.check(&key, Instant::now()) {
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
            .with_header("retry-after", &wait.to_string())
            .into_problem());
        }
        Ok(())
    }

    fn authenticate(&self, call: &Call<'_>) -> Result<Option<Box<dyn Any + Send + Sync>>, Problem> {
        if is_token_operation(Some(call.op)) {
            return Ok(None);
        }
        let token = auth::resolve(&self.tokens, call.req, call.app.clock.now()).map_err(|e| {
            ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "", e.message()).into_problem()
        })?;
        if let Some(missing) = call.op.scopes.iter().find(|s| !token.scopes.contains(s)) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "",
                format!("O token não tem o scope {missing}, exigido por esta operação."),
            )
            .into_problem());
        }
        Ok(Some(Box::new(token)))
    }

    fn body_policy(&self, _op: &Operation) -> BodyPolicy {
        // Bankly reports every refused field at once, in its own words (validate.rs).
        BodyPolicy::Parse
    }

    fn own_headers(&self) -> &'static [&'static str] {
        &["authorization"]
    }

    fn control(&self, app: &App, req: &Req, rest: &[&str]) -> Option<HttpResponse> {
        Some(control::handle(self, app, req, rest))
    }

    fn control_index(&self) -> Vec<String> {
        control::INDEX.iter().map(|s| s.to_string()).collect()
    }

    fn reset(&self) {
        self.forget();
    }

    fn tick(&self, app: &App, now: DateTime<Utc>) {
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
            self.webhooks.enqueue(app, &events);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
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

    /// The error as a pipeline [`Problem`], carrying itself for [`Bankly::render`].
    pub fn into_problem(self) -> Problem {
        let (code, property, message) = self
            .items
            .first()
            .map(|(c, p, m)| (c.clone(), p.clone(), m.join(" ")))
            .unwrap_or_default();
        let mut problem = Problem::new(self.status, message).code(code);
        if !property.is_empty() {
            problem = problem.field(property);
        }
        for (name, value) in &self.headers {
            problem = problem.header(name, value);
        }
        problem.payload(self)
    }

    /// A refusal in Bankly's words: the family's own error when a handler raised it, else the
    /// pipeline's stage said in Portuguese.
    pub fn from_problem(_bankly: &Bankly, ctx: &ErrorContext<'_>, problem: &Problem) -> ApiError {
        if let Some(own) = problem.payload_of::<ApiError>() {
            return own.clone();
        }
        if let Some(refusals) = problem.payload_of::<crate::sandbox::params::Refusals>() {
            return ApiError::from_refusals(&refusals.0);
        }
        let (method, path) = ctx
            .req
            .map(|r| (r.method.to_string(), r.path.clone()))
            .unwrap_or_default();
        let field = problem.field.clone().unwrap_or_default();
        let param = |location: ParamLocation| {
            ctx.op
                .and_then(|op| op.parameter(location, &field))
                .map(|p| &p.schema)
        };
        let status = problem.status;
        let mut error = match &problem.kind {
            ProblemKind::NotFound if ctx.op.is_none() => ApiError::new(
                status,
                "NOT_FOUND",
                "",
                format!("Recurso não encontrado: {method} {}.", printable(&path)),
            ),
            ProblemKind::MethodNotAllowed => ApiError::new(
                status,
                "METHOD_NOT_ALLOWED",
                "",
                format!("O método {method} não é aceito em {}.", printable(&path)),
            ),
            ProblemKind::BodyTooLarge => ApiError::new(
                status,
                "PAYLOAD_TOO_LARGE",
                "",
                format!(
                    "O corpo da requisição excede o limite de {} bytes.",
                    ctx.app.config.max_body_bytes
                ),
            ),
            ProblemKind::HeadersTooLarge => ApiError::new(
                status,
                "REQUEST_HEADER_FIELDS_TOO_LARGE",
                "",
                format!(
                    "Cabeçalhos grandes demais: até {} bytes por campo e {} bytes no total.",
                    ctx.app.config.max_header_bytes, ctx.app.config.max_header_total_bytes
                ),
            ),
            ProblemKind::Unreadable => {
                ApiError::bad_request("", "Não foi possível ler o corpo da requisição.")
            }
            ProblemKind::NotAcceptable => ApiError::new(
                status,
                "NOT_ACCEPTABLE",
                "Accept",
                "O cabeçalho Accept precisa aceitar application/json.",
            ),
            ProblemKind::UnsupportedMediaType => ApiError::new(
                status,
                "UNSUPPORTED_MEDIA_TYPE",
                "Content-Type",
                format!(
                    "Envie o corpo como {}.",
                    ctx.op
                        .and_then(|op| op.request_body.as_ref())
                        .map_or("application/json", |b| b.content_type.as_str())
                ),
            ),
            ProblemKind::EmptyBody => ApiError::bad_request(
                "",
                "O corpo da requisição está vazio; envie um objeto JSON.",
            ),
            ProblemKind::MalformedBody { line, column } => ApiError::bad_request(
                "",
                format!("JSON malformado (linha {line}, coluna {column})."),
            ),
            ProblemKind::Correlation => ApiError::bad_request(
                "x-correlation-id",
                "x-correlation-id deve ter de 1 a 100 caracteres visíveis, sem espaços.",
            ),
            ProblemKind::MissingParameter(location) => {
                let what = if *location == ParamLocation::Header {
                    "Cabeçalho obrigatório"
                } else {
                    "Parâmetro obrigatório"
                };
                let hint = match param(*location)
                    .and_then(|s| s.get("enum"))
                    .and_then(Value::as_array)
                {
                    Some(vs) => format!(
                        " (valores aceitos: {})",
                        vs.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    None => String::new(),
                };
                ApiError::bad_request(&field, format!("{what}: {field}{hint}."))
            }
            ProblemKind::InvalidParameter(location) => {
                let keyword = problem
                    .findings
                    .first()
                    .map_or("type", |f| f.keyword.as_str());
                let message = match param(*location) {
                    Some(schema) => validate::message_for(keyword, schema),
                    None => problem.message.clone(),
                };
                ApiError::bad_request(&field, message)
            }
            ProblemKind::Injected => ApiError::new(
                status,
                code_for(status),
                "",
                match problem.payload_of::<crate::sandbox::faults::InjectedBy>() {
                    Some(by) if by.header => format!(
                        "Erro {} simulado pelo sandbox (cabeçalho {}).",
                        status.as_u16(),
                        crate::sandbox::faults::HEADER
                    ),
                    Some(by) => format!(
                        "Erro {} simulado pelo sandbox (regra de falhas {}).",
                        status.as_u16(),
                        by.rule
                    ),
                    None => format!("Erro {} simulado pelo sandbox.", status.as_u16()),
                },
            ),
            ProblemKind::InvalidBody => {
                let mut errors = validate::FieldErrors::default();
                for f in &problem.findings {
                    errors.add(&validate::property_path(&f.pointer), f.message.clone());
                }
                ApiError::invalid(errors)
            }
            _ => ApiError::new(
                status,
                problem.code.as_deref().unwrap_or(code_for(status)),
                &field,
                problem.message.clone(),
            ),
        };
        for (name, value) in &problem.headers {
            if let Ok(v) = value.to_str() {
                error
                    .headers
                    .push((header_static(name.as_str()), v.to_string()));
            }
        }
        error
    }

    /// One `INVALID_PARAMETER` item per refused parameter, `propertyName` naming it, in Bankly's
    /// words.
    pub fn from_refusals(refusals: &[crate::sandbox::params::Refusal]) -> ApiError {
        use crate::sandbox::params::ProblemKind as Kind;
        let items = refusals
            .iter()
            .map(|p| {
                let message = match p.kind {
                    Kind::Missing => {
                        let what = if p.location == ParamLocation::Header {
                            "Cabeçalho obrigatório"
                        } else {
                            "Parâmetro obrigatório"
                        };
                        let hint = match p.schema.get("enum").and_then(Value::as_array) {
                            Some(vs) => format!(
                                " (valores aceitos: {})",
                                vs.iter()
                                    .filter_map(Value::as_str)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            None => String::new(),
                        };
                        format!("{what}: {}{hint}.", p.name)
                    }
                    Kind::Invalid => match p.keyword() {
                        Some(keyword) => validate::message_for(keyword, &p.schema),
                        None => format!(
                            "Valor inválido em {}: texto ASCII visível esperado.",
                            p.name
                        ),
                    },
                };
                (
                    "INVALID_PARAMETER".to_string(),
                    p.name.clone(),
                    vec![message],
                )
            })
            .collect();
        ApiError {
            status: StatusCode::BAD_REQUEST,
            items,
            headers: Vec::new(),
        }
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

/// The headers a refusal may carry, as the static names [`ApiError`] keeps.
fn header_static(name: &str) -> &'static str {
    match name {
        "retry-after" => "retry-after",
        "allow" => "allow",
        "www-authenticate" => "www-authenticate",
        _ => "x-finsandbox-note",
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
