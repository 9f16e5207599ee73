//! The sandbox: a hyper/tokio server that answers every operation of the active specs, keeps the
//! state a real provider keeps, and exposes our control API under `/sandbox`.
//!
//! Every request runs through one [`pipeline`]; what a provider does on top of its specs lives in
//! its family ([`family`] is the contract, [`families`] the registry); documents of no family are
//! answered by [`generic`].

pub mod callbacks;
pub mod clock;
pub mod control;
pub mod families;
pub mod family;
pub mod faults;
pub mod fields;
pub mod generic;
pub mod http;
pub mod oauth;
pub mod params;
pub mod pipeline;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::datagen::PersonaBook;
use crate::datagen::persona::PersonaFixtures;
use crate::spec::{ApiSpec, Operation, Router, SpecSelection, SpecSet};
use clock::Clock;
use family::{Family, FamilyOptions, Handler, Init};

/// Everything `finsandbox serve` can be told.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub addr: SocketAddr,
    pub seed: u64,
    pub specs: SpecSelection,
    /// Directory with `personas.yaml` and the families' fixtures instead of the embedded ones.
    pub fixtures_dir: Option<PathBuf>,
    /// Scheme and host used in absolute links (`links.self`); by default the request's Host.
    pub public_url: Option<String>,
    pub max_body_bytes: usize,
    /// Largest single header field accepted (name + value, bytes); larger gets 431.
    pub max_header_bytes: usize,
    /// Largest sum of all header fields (names + values, bytes); larger gets 431.
    pub max_header_total_bytes: usize,
    /// Validate every response against its operation's schema and turn violations into 500s.
    pub self_check: bool,
    /// Deliver webhooks and callbacks to loopback addresses only; any other URL is an attempt that
    /// fails without a connection (for fuzzing a sandbox whose clients invent callback URLs).
    pub callbacks_loopback_only: bool,
    /// The institution's brand name in generated data.
    pub brand: String,
    /// Each family's own options (its clap `Args` struct), by type.
    pub families: FamilyOptions,
    /// Fault rules in force from the start (`--faults FILE`); a reset brings them back.
    pub faults: Vec<faults::RuleSpec>,
    /// Honour the per-request `x-finsandbox-fault` header (`--fault-header`).
    pub fault_header: bool,
    /// The families to run: the registry's, unless a test adds one of its own.
    pub plugins: families::Plugins,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            seed: 42,
            specs: SpecSelection::default(),
            fixtures_dir: None,
            public_url: None,
            max_body_bytes: 64 * 1024,
            max_header_bytes: 16 * 1024,
            max_header_total_bytes: 64 * 1024,
            self_check: false,
            callbacks_loopback_only: false,
            brand: "Banco Sandbox".into(),
            families: FamilyOptions::default(),
            faults: Vec::new(),
            fault_header: false,
            plugins: families::Plugins::registry(),
        }
    }
}

impl SandboxConfig {
    /// Sets a family's options (its `Args` struct), as the command line would.
    pub fn family<T: std::any::Any + Send + Sync>(mut self, options: T) -> SandboxConfig {
        self.families.set(options);
        self
    }
}

/// A document's operations bound to their family and handlers.
pub struct BoundSpec {
    pub family: Arc<dyn Family>,
    /// By [`Operation::index`].
    pub handlers: Vec<Handler>,
}

/// What a routed request runs: its family and its handler.
pub struct Bound<'a> {
    pub family: &'a Arc<dyn Family>,
    pub handler: &'a Handler,
}

/// Shared state of a running sandbox.
pub struct App {
    pub config: SandboxConfig,
    pub specs: SpecSet,
    pub router: Router,
    pub clock: Clock,
    pub personas: PersonaBook,
    /// Outbound webhooks and callbacks of every family.
    pub callbacks: callbacks::Callbacks,
    /// The institution's group CNPJs, fixed per seed (`companiesCnpj`, `companyCnpj`).
    pub institution_cnpjs: Vec<String>,
    /// Fault rules and their log, shared by every family (`/sandbox/faults`).
    pub faults: faults::Faults,
    families: Vec<Arc<dyn Family>>,
    generic: Arc<dyn Family>,
    /// By [`ApiSpec::index`].
    bound: Vec<BoundSpec>,
    /// Base paths longest first, for the errors of requests no operation matches.
    owners: Vec<(String, usize)>,
}

const EMBEDDED_PERSONAS: &str = include_str!("../../fixtures/personas.yaml");

impl App {
    pub fn new(config: SandboxConfig) -> anyhow::Result<App> {
        let specs = SpecSet::load(&config.specs, &config.plugins)?;
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
        let init = Init {
            config: &config,
            seed: config.seed,
            fixtures_dir: config.fixtures_dir.as_deref(),
        };
        let mut built: Vec<Arc<dyn Family>> = Vec::new();
        for plugin in &config.plugins.0 {
            built.push(
                plugin
                    .build(&init)
                    .map_err(|e| anyhow::anyhow!("family {}: {e:#}", plugin.name()))?,
            );
        }
        let generic: Arc<dyn Family> = Arc::new(generic::Generic);
        let mut bound = Vec::with_capacity(specs.apis.len());
        let mut owners = Vec::new();
        for spec in &specs.apis {
            let family = built
                .iter()
                .find(|f| f.name() == spec.family)
                .cloned()
                .unwrap_or_else(|| generic.clone());
            let table = family.clone().handlers(spec);
            let handlers = family::bind(family.name(), spec, table).map_err(anyhow::Error::msg)?;
            owners.push((spec.base_path.clone(), bound.len()));
            bound.push(BoundSpec { family, handlers });
        }
        owners.sort_by_key(|(base, _)| std::cmp::Reverse(base.len()));
        let faults = faults::Faults::new(
            config.seed,
            config.fault_header,
            &config.faults,
            &faults::Catalog {
                specs: &specs.apis,
                families: bound.iter().map(|b| b.family.name()).collect(),
            },
        )
        .map_err(anyhow::Error::msg)?;
        // A document of no known family is answered from its schemas alone: refuse one that cannot
        // be (a schema nothing satisfies, an undeclared security scheme) instead of answering badly.
        let personas = PersonaBook::new(config.seed, fixtures.clone());
        for api in specs
            .apis
            .iter()
            .filter(|a| a.family == crate::spec::GENERIC)
        {
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
        let mut rng = crate::datagen::rng_for(config.seed, "institution", "cnpj");
        let institution_cnpjs = (0..3)
            .map(|_| crate::datagen::br::gen_cnpj(&mut rng, false))
            .collect();
        Ok(App {
            institution_cnpjs,
            personas: PersonaBook::new(config.seed, fixtures),
            callbacks: callbacks::Callbacks::default(),
            faults,
            families: built,
            generic,
            bound,
            owners,
            router,
            specs,
            clock: Clock::default(),
            config,
        })
    }

    /// What generated data is about: one customer, one of their records, this institution.
    pub fn gen_context<'a>(
        &'a self,
        spec: &ApiSpec,
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

    /// Forgets every family's resources, rewinds the clock, and puts the fault rules back to
    /// those of the start.
    pub fn reset(&self) {
        for f in &self.families {
            f.reset();
        }
        self.callbacks.reset(None);
        self.clock.reset();
        self.faults.reset();
    }

    /// The served documents and their families, as fault rules are checked against them.
    pub fn fault_catalog(&self) -> faults::Catalog<'_> {
        faults::Catalog {
            specs: &self.specs.apis,
            families: self.bound.iter().map(|b| b.family.name()).collect(),
        }
    }

    /// The running families, in registry order.
    pub fn families(&self) -> &[Arc<dyn Family>] {
        &self.families
    }

    /// A running family by its type (tests and the family's own control routes use this).
    pub fn family<T: 'static>(&self) -> Option<&T> {
        self.families
            .iter()
            .find_map(|f| f.as_any().downcast_ref::<T>())
    }

    pub fn family_named(&self, name: &str) -> Option<&Arc<dyn Family>> {
        self.families.iter().find(|f| f.name() == name)
    }

    pub fn generic(&self) -> Arc<dyn Family> {
        self.generic.clone()
    }

    /// The family and handler of a routed operation.
    pub fn bound<'a>(&'a self, spec: &ApiSpec, op: &Operation) -> Bound<'a> {
        let b = &self.bound[spec.index];
        Bound {
            family: &b.family,
            handler: &b.handlers[op.index],
        }
    }

    /// The family (and document) whose base path is the longest prefix of `path`.
    pub fn owner_of(&self, path: &str) -> Option<(&Arc<dyn Family>, &Arc<ApiSpec>)> {
        self.owners
            .iter()
            .find(|(base, _)| {
                !base.is_empty()
                    && path.starts_with(base.as_str())
                    && matches!(path.as_bytes().get(base.len()), None | Some(b'/'))
            })
            .map(|(_, i)| (&self.bound[*i].family, &self.specs.apis[*i]))
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
    let (stop_background, background_stopped) = oneshot::channel();
    tokio::spawn(callbacks::run(Arc::downgrade(&app), background_stopped));
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
                let buffer = read_buffer_limit(&app.config);
                let app = app.clone();
                // What a request's fault may ask of this connection's socket (a reset).
                let wire = Arc::new(faults::wire::ConnectionFaults::default());
                let stream = faults::wire::FaultableStream::new(stream, wire.clone());
                let service = service_fn(move |req| {
                    pipeline::serve(app.clone(), req, Some(peer), wire.clone())
                });
                let conn = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(30))
                    .max_buf_size(buffer)
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
    let _ = stop_background.send(());
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(Duration::from_secs(10)) => {
            tracing::warn!("in-flight requests did not finish within 10 s");
        }
    }
}

/// hyper's read buffer must hold a whole header block before we see it. Room for four times the
/// configured total lets us answer an oversized block ourselves, in the family's error shape;
/// beyond that hyper answers a bare 431 and closes the connection (hyper's floor is 8 KiB).
fn read_buffer_limit(config: &SandboxConfig) -> usize {
    config
        .max_header_total_bytes
        .saturating_mul(4)
        .clamp(8 * 1024, 64 * 1024 * 1024)
}

/// Why the request's headers are refused (431): one field past `one` bytes, or all of them past
/// `all` (a field counts its name and its value).
pub fn oversized_headers(headers: &hyper::HeaderMap, one: usize, all: usize) -> Option<String> {
    let mut total = 0usize;
    for (name, value) in headers {
        let size = name.as_str().len() + value.len();
        if size > one {
            return Some(format!(
                "the {name} header is {size} bytes; at most {one} bytes are accepted for one header field"
            ));
        }
        total += size;
    }
    (total > all).then(|| {
        format!(
            "the request's header fields add up to {total} bytes; at most {all} bytes are accepted in all"
        )
    })
}
