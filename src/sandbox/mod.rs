//! The sandbox: a hyper/tokio server that answers every operation of the active specs, keeps the
//! state a real provider keeps, and exposes our control API under `/sandbox`.
//!
//! Request path: read (size-limited) -> control API or route table -> family behaviour (or the
//! generic schema-driven answer) -> optional self-check of the response against its schema.

pub mod clock;
pub mod control;
pub mod families;
pub mod http;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::datagen::PersonaBook;
use crate::datagen::persona::PersonaFixtures;
use crate::spec::{RouteMatch, Router, SpecSelection, SpecSet};
use clock::Clock;
use families::Family;
use http::{HttpResponse, Req};

/// Which family of 403 codes the Customers API answers with (FACTS §1.6: the sources disagree).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ForbiddenCodes {
    /// `STATUS_PENDING_AUTHORISATION`, `STATUS_TEMPORARY_UNAVAILABLE`, `STATUS_UNAVAILABLE` (the
    /// "Informações Gerais" table of the Customers API).
    #[default]
    Status,
    /// `STATUS_RESOURCE_PENDING_AUTHORISATION`, ... (the "Orientações" page and the other data APIs).
    Resource,
}

/// Everything `finsandbox serve` can be told.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub addr: SocketAddr,
    pub seed: u64,
    pub specs: SpecSelection,
    /// Directory with `personas.yaml` (and the other fixtures) instead of the embedded ones.
    pub fixtures_dir: Option<PathBuf>,
    pub forbidden_codes: ForbiddenCodes,
    /// Scheme and authority used in absolute links (`links.self`); by default the request's Host.
    pub public_url: Option<String>,
    pub max_body_bytes: usize,
    /// Validate every response against its operation's schema and turn violations into 500s.
    pub self_check: bool,
    /// The institution's brand name in generated data.
    pub brand: String,
    pub bankly: families::bankly::BanklyConfig,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            seed: 42,
            specs: SpecSelection::default(),
            fixtures_dir: None,
            forbidden_codes: ForbiddenCodes::Status,
            public_url: None,
            max_body_bytes: 64 * 1024,
            self_check: false,
            brand: "Banco Sandbox".into(),
            bankly: families::bankly::BanklyConfig::default(),
        }
    }
}

/// Shared state of a running sandbox.
pub struct App {
    pub config: SandboxConfig,
    pub specs: SpecSet,
    pub router: Router,
    pub clock: Clock,
    pub personas: PersonaBook,
    pub open_finance: families::open_finance::OpenFinance,
    pub bankly: families::bankly::Bankly,
    /// The institution's group CNPJs, fixed per seed (`companiesCnpj`, `companyCnpj`).
    pub institution_cnpjs: Vec<String>,
}

const EMBEDDED_PERSONAS: &str = include_str!("../../fixtures/personas.yaml");

impl App {
    pub fn new(config: SandboxConfig) -> anyhow::Result<App> {
        let specs = SpecSet::load(&config.specs)?;
        let fixtures_text = match &config.fixtures_dir {
            Some(dir) => {
                let path = dir.join("personas.yaml");
                std::fs::read_to_string(&path)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
            }
            None => EMBEDDED_PERSONAS.to_string(),
        };
        let fixtures = PersonaFixtures::parse("personas.yaml", &fixtures_text)
            .map_err(|e| anyhow::anyhow!(e))?;
        // Compile every pattern now, so no request pays for it.
        for api in &specs.apis {
            for op in &api.operations {
                for r in &op.responses {
                    if let Some(s) = r.schema() {
                        crate::datagen::pattern::warm(s);
                    }
                }
            }
        }
        // A document of no known family is answered from its schemas alone: refuse one that cannot
        // be (a schema nothing satisfies, an undeclared security scheme) instead of answering badly.
        let personas = PersonaBook::new(config.seed, fixtures.clone());
        for api in specs.apis.iter().filter(|a| a.family == "generic") {
            let persona = personas.get("52998224725");
            let problems = crate::datagen::servable::check(api, &persona, config.seed);
            if !problems.is_empty() {
                let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
                anyhow::bail!(
                    "{}: cannot be served as a generic document:\n  {}",
                    api.source,
                    list.join("\n  ")
                );
            }
        }
        let router = specs.router();
        let bankly = families::bankly::Bankly::new(&config, config.fixtures_dir.as_deref())?;
        let mut rng = crate::datagen::rng_for(config.seed, "institution", "cnpj");
        let institution_cnpjs = (0..3)
            .map(|_| crate::datagen::br::gen_cnpj(&mut rng, false))
            .collect();
        Ok(App {
            institution_cnpjs,
            personas: PersonaBook::new(config.seed, fixtures),
            open_finance: families::open_finance::OpenFinance::new(),
            bankly,
            router,
            specs,
            clock: Clock::default(),
            config,
        })
    }

    /// What generated data is about: one customer, one of their records, this institution.
    pub fn gen_context<'a>(
        &'a self,
        spec: &crate::spec::ApiSpec,
        persona: &'a crate::datagen::Persona,
        record: usize,
    ) -> crate::datagen::GenContext<'a> {
        crate::datagen::GenContext {
            persona,
            brand: &self.config.brand,
            institution_cnpjs: &self.institution_cnpjs,
            alphanumeric_cnpj: spec.alphanumeric_cnpj,
            record,
            optional_share: 0.7,
            open: None,
        }
    }

    /// Forgets every consent, token, registration and delivery, and rewinds the clock.
    pub fn reset(&self) {
        self.open_finance.reset();
        self.bankly.reset();
        self.clock.reset();
    }
}

/// A sandbox running in the background of this process (tests, and `check` without a target).
pub struct RunningSandbox {
    pub addr: SocketAddr,
    pub app: Arc<App>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningSandbox {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets in-flight requests finish, and waits for the server task.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        // A test that forgets to stop its server must not leave it running.
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Binds `config.addr` (port 0 picks a free port) and serves in a background task. `{port}` in
/// `public_url` becomes the port actually bound.
pub async fn start(mut config: SandboxConfig) -> anyhow::Result<RunningSandbox> {
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.addr))?;
    let addr = listener.local_addr()?;
    config.public_url = config
        .public_url
        .map(|u| u.replace("{port}", &addr.port().to_string()));
    let app = Arc::new(App::new(config)?);
    let (tx, rx) = oneshot::channel();
    let task = tokio::spawn(serve_listener(listener, app.clone(), async {
        let _ = rx.await;
    }));
    Ok(RunningSandbox {
        addr,
        app,
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// Accepts connections until `shutdown` resolves, then waits (up to 10 s) for open requests.
pub async fn serve_listener(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    families::bankly::spawn_background(app.clone());
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let app = app.clone();
                let service = service_fn(move |req| {
                    let app = app.clone();
                    async move { Ok::<_, Infallible>(handle(app, req, Some(peer)).await) }
                });
                let conn = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(30))
                    .serve_connection(TokioIo::new(stream), service);
                let watched = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = watched.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    families::bankly::stop_background(&app);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(Duration::from_secs(10)) => {
            tracing::warn!("in-flight requests did not finish within 10 s");
        }
    }
}

async fn read_body(
    req: Request<Incoming>,
    limit: usize,
) -> Result<(hyper::http::request::Parts, Bytes), StatusCode> {
    let (parts, body) = req.into_parts();
    if let Some(len) = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && len > limit as u64
    {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok((parts, collected.to_bytes())),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(StatusCode::PAYLOAD_TOO_LARGE)
        }
        Err(_) => Err(StatusCode::BAD_REQUEST),
    }
}

/// One request, start to end. Never panics on input; every rejection has its family's error shape.
pub async fn handle(
    app: Arc<App>,
    req: Request<Incoming>,
    peer: Option<SocketAddr>,
) -> HttpResponse {
    let path = req.uri().path().to_string();
    let family = Family::for_path(&path);
    let (parts, body) = match read_body(req, app.config.max_body_bytes).await {
        Ok(x) => x,
        Err(status) => {
            let detail = if status == StatusCode::PAYLOAD_TOO_LARGE {
                format!(
                    "the request body is larger than the sandbox accepts ({} bytes)",
                    app.config.max_body_bytes
                )
            } else {
                "the request body could not be read".to_string()
            };
            return family.error(&app, status, None, &detail);
        }
    };
    let raw_query = parts.uri.query().map(str::to_string);
    let mut req = Req {
        method: parts.method,
        query: http::parse_query(raw_query.as_deref()),
        raw_query,
        path,
        headers: parts.headers,
        body,
        params: Vec::new(),
        peer,
    };

    if let Some(response) = families::unrouted(&app, &req) {
        return response;
    }
    // A served document that has its own `/sandbox/...` operations (Plaid's simulation endpoints)
    // keeps them; our control API answers the rest.
    if (req.path == "/sandbox" || req.path.starts_with("/sandbox/"))
        && !matches!(
            app.router.find(req.method.as_str(), &req.path),
            RouteMatch::Found { .. }
        )
    {
        return control::handle(&app, &req);
    }

    let (spec, operation) = match app.router.find(req.method.as_str(), &req.path) {
        RouteMatch::Found {
            spec,
            operation,
            params,
        } => {
            req.params = params;
            (spec.clone(), operation.clone())
        }
        RouteMatch::MethodNotAllowed { allowed } => {
            let detail = format!(
                "{} is not supported on {}; allowed: {}",
                req.method,
                req.path,
                allowed.join(", ")
            );
            let mut response =
                family.error(&app, StatusCode::METHOD_NOT_ALLOWED, Some(&req), &detail);
            http::set_header(&mut response, "allow", &allowed.join(", "));
            return response;
        }
        RouteMatch::NotFound => {
            let detail = format!("no operation at {} {}", req.method, req.path);
            return family.error(&app, StatusCode::NOT_FOUND, Some(&req), &detail);
        }
    };

    let mut response = Family::for_spec(&spec).handle(&app, &spec, &operation, &req);
    if app.config.self_check {
        response = self_check(&operation, response);
    }
    if req.method == hyper::Method::HEAD {
        *response.body_mut() = Full::new(Bytes::new());
    }
    response
}

/// Judges our own answer by the spec. Used by the test suite: a sandbox that contradicts its spec
/// must fail loudly, not teach clients the wrong shape.
fn self_check(operation: &crate::spec::Operation, response: HttpResponse) -> HttpResponse {
    let status = response.status().as_u16();
    // Content negotiation refuses before the document has a say: few documents declare 406.
    // Nor does a document that declares no success for an operation: the generic family says so
    // with 501.
    if status == 406 || status == 501 {
        return response;
    }
    let Some(spec) = crate::datagen::respond::declared(operation, status) else {
        tracing::error!(op = %operation.id, status, "status not declared by the spec");
        return http::json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "application/json",
            &json!({"selfCheck": format!("{} answered {status}, which its spec does not declare", operation.id)}),
        );
    };
    let content_type = response
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_string();
    let json = crate::datagen::media::MediaKind::of(&content_type).is_json();
    // 204 and 304 carry no content whatever the document declares (RFC 9110 §15.3.5).
    if status == 204 || status == 304 {
        return response;
    }
    if !json || spec.validator.is_none() {
        // Other media are judged by their bytes: a PDF must be a PDF.
        let bytes = futures::executor::block_on(response.body().clone().collect())
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        if !json
            && !bytes.is_empty()
            && let Err(problem) = crate::datagen::media::sniff(&content_type, &bytes)
        {
            return http::json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "application/json",
                &json!({"selfCheck": format!("{} answered {status} with {content_type} content that is not: {problem}", operation.id)}),
            );
        }
        return response;
    }
    let Some(validator) = &spec.validator else {
        return response;
    };
    let body = response.body().clone();
    let bytes = futures::executor::block_on(body.collect())
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let value: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            return http::json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "application/json",
                &json!({"selfCheck": format!("{} answered {status} with a body that is not JSON: {e}", operation.id)}),
            );
        }
    };
    let findings = validator.findings(&value);
    if findings.is_empty() {
        return response;
    }
    tracing::error!(op = %operation.id, status, ?findings, "response violates the spec");
    http::json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "application/json",
        &json!({"selfCheck": format!("{} answered {status} with a body that violates its schema", operation.id),
                "findings": findings, "body": value}),
    )
}
