//! The harness: runs Gherkin features against a target with cucumber and produces one
//! [`report::RunReport`], which the CLI turns into console, JSON, JUnit, HTML and snapshot output.
//!
//! - [`target`]: what is checked (embedded sandbox, a URL, or `target.toml`);
//! - [`world`] and [`steps`]: the scenario state and the step library;
//! - [`collector`]: cucumber events -> report model;
//! - [`report`]: the model and its writers;
//! - [`limits`]: what the harness reads from a target at most (bytes, time).

pub mod client;
pub mod collector;
pub mod limits;
pub mod receiver;
pub mod report;
pub mod steps;
pub mod target;
pub mod world;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, Once};
use std::time::Instant;

use cucumber::{World as _, cli, gherkin, parser};
use futures::stream;

use crate::sandbox::{self, RunningSandbox, SandboxConfig};
use crate::spec::{SpecSelection, SpecSet};
use collector::{Collected, Collector};
use report::{Failure, FeatureReport, RunReport, ScenarioReport, Status, StepReport};
use target::{Target, TargetFile};
use world::{CheckWorld, RUN, RunContext};

/// The features compiled into the binary (every file under `features/`, listed by `build.rs`).
pub const FEATURES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/embedded_features.rs"));

/// Host name the embedded sandbox writes into its links, and the one a sandbox reached by an IP
/// address is checked under. Customers v1 requires links whose host has a dotted, letters-only TLD
/// (127.0.0.1 fails its regex); `.test` is reserved (RFC 2606) and the harness client resolves it to
/// the sandbox's address.
pub const EMBEDDED_HOST: &str = crate::sandbox::http::PUBLISHED_HOST;

/// Which implementation to check.
#[derive(Debug, Clone)]
pub enum TargetChoice {
    /// Start the embedded sandbox in-process on a free loopback port.
    Embedded { seed: u64 },
    /// A running finsandbox sandbox, or anything in front of one.
    Url(String),
    /// A real implementation described by `target.toml`.
    Config(PathBuf),
}

#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub target: TargetChoice,
    pub features_dir: Option<PathBuf>,
    /// Cucumber tag expression (`@v2 and not @slow`).
    pub tags: Option<String>,
    pub specs: SpecSelection,
    pub concurrency: usize,
    /// One line per finished scenario on stderr.
    pub progress: bool,
    pub color: bool,
    /// Host names resolved by the harness itself (`--resolve HOST:PORT:ADDR`, like curl's).
    pub resolve: Vec<(String, std::net::SocketAddr)>,
    /// Limits from the command line; each one left out comes from `target.toml`, then its default.
    pub limits: limits::LimitChoices,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            target: TargetChoice::Embedded { seed: 42 },
            features_dir: None,
            tags: None,
            specs: SpecSelection::default(),
            concurrency: 16,
            progress: false,
            color: false,
            resolve: Vec::new(),
            limits: limits::LimitChoices::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("{0}")]
    Target(#[from] target::TargetError),
    #[error("{0}")]
    Client(#[from] client::ClientError),
    #[error("{0}")]
    Spec(#[from] crate::spec::SpecError),
    #[error("cannot start the embedded sandbox: {0}")]
    Sandbox(String),
    #[error("{path}: {message}")]
    Features { path: String, message: String },
    #[error("tag expression \"{expr}\": {message}")]
    Tags { expr: String, message: String },
}

/// Steps report a failure by returning `Err`, which cucumber turns into a panic it catches. The
/// default hook would print each of those; this one stays quiet for panics raised in step code and
/// hands every other panic to the hook that was there before.
fn quiet_step_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_steps = info
                .location()
                .is_some_and(|l| l.file().replace('\\', "/").contains("src/harness/steps/"));
            if !in_steps {
                previous(info);
            }
        }));
    });
}

fn load_features(dir: Option<&Path>) -> Result<Vec<(String, String)>, CheckError> {
    let Some(dir) = dir else {
        return Ok(FEATURES
            .iter()
            .map(|(p, t)| ((*p).to_string(), (*t).to_string()))
            .collect());
    };
    let mut files = Vec::new();
    collect_features(dir, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(CheckError::Features {
            path: dir.display().to_string(),
            message: "no .feature files found".into(),
        });
    }
    files
        .into_iter()
        .map(|f| {
            std::fs::read_to_string(&f)
                .map(|t| (f.display().to_string(), t))
                .map_err(|e| CheckError::Features {
                    path: f.display().to_string(),
                    message: e.to_string(),
                })
        })
        .collect()
}

fn collect_features(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), CheckError> {
    let entries = std::fs::read_dir(dir).map_err(|e| CheckError::Features {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            collect_features(&p, out)?;
        } else if p.extension().and_then(|e| e.to_str()) == Some("feature") {
            out.push(p);
        }
    }
    Ok(())
}

/// Parses feature texts (embedded or read from disk) and expands Scenario Outlines.
struct TextParser;

impl cucumber::Parser<Vec<(String, String)>> for TextParser {
    type Cli = cli::Empty;
    type Output = stream::Iter<std::vec::IntoIter<parser::Result<gherkin::Feature>>>;

    fn parse(self, input: Vec<(String, String)>, _: Self::Cli) -> Self::Output {
        use cucumber::feature::Ext as _;
        let parsed: Vec<parser::Result<gherkin::Feature>> = input
            .into_iter()
            .map(|(path, text)| {
                let mut feature = gherkin::Feature::parse(&text, gherkin::GherkinEnv::default())
                    .map_err(|source| {
                        parser::Error::from(gherkin::ParseFileError::Parsing {
                            path: PathBuf::from(&path),
                            error: None,
                            source,
                        })
                    })?;
                feature.path = Some(PathBuf::from(&path));
                feature.expand_examples().map_err(parser::Error::from)
            })
            .collect();
        stream::iter(parsed)
    }
}

/// The index of a finsandbox control API at `url/sandbox`, if `url` has one.
async fn control_index(client: &client::HttpClient, base: &str) -> Option<serde_json::Value> {
    let url = format!("{}/sandbox", base.trim_end_matches('/'));
    match client.send("GET", &url, &[], None).await {
        Ok(s) if s.status == 200 => s.json.filter(|b| b.get("routes").is_some()),
        _ => None,
    }
}

/// Parses curl's `--resolve HOST:PORT:ADDR` (`ADDR` may be an IPv6 address, bracketed or not).
pub fn parse_resolve(s: &str) -> Result<(String, std::net::SocketAddr), String> {
    let usage =
        || format!("expected HOST:PORT:ADDR (e.g. finsandbox.test:8080:127.0.0.1), got \"{s}\"");
    let mut parts = s.splitn(3, ':');
    let (Some(host), Some(port), Some(addr)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(usage());
    };
    let port: u16 = port.parse().map_err(|_| usage())?;
    let ip: std::net::IpAddr = addr
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .map_err(|_| usage())?;
    if host.is_empty() {
        return Err(usage());
    }
    Ok((
        host.to_ascii_lowercase(),
        std::net::SocketAddr::new(ip, port),
    ))
}

/// A target reached by an IP address or a one-label name (`localhost`): the sandbox writes links
/// with the host it is called by, and Customers v1's link pattern refuses those. When the target is
/// a finsandbox sandbox, call it by the name its control API publishes instead, pinned to the same
/// address, so its links carry a name v1 accepts and lead back to it. `None` when the URL already
/// has a dotted name or the address cannot be found.
async fn published_base(
    url: &str,
    index: &serde_json::Value,
    pins: &[(String, std::net::SocketAddr)],
) -> Option<(String, (String, std::net::SocketAddr))> {
    let mut parsed = reqwest::Url::parse(url).ok()?;
    let port = parsed.port_or_known_default()?;
    let host = parsed.host_str()?.to_string();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addr = if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
        std::net::SocketAddr::new(ip, port)
    } else if bare.contains('.') {
        return None;
    } else if let Some((_, a)) = pins.iter().find(|(h, _)| h.eq_ignore_ascii_case(bare)) {
        std::net::SocketAddr::new(a.ip(), port)
    } else {
        tokio::net::lookup_host((bare, port)).await.ok()?.next()?
    };
    let name = index
        .get("linkHost")
        .and_then(serde_json::Value::as_str)
        .filter(|h| h.contains('.') && crate::sandbox::http::is_authority(h) && !h.contains(':'))
        .unwrap_or(EMBEDDED_HOST);
    parsed.set_host(Some(name)).ok()?;
    let base = parsed.as_str().trim_end_matches('/').to_string();
    Some((base, (name.to_string(), addr)))
}

/// Runs the features and returns the report (before waivers and masking, which the caller applies).
pub async fn run(options: &CheckOptions) -> Result<RunReport, CheckError> {
    quiet_step_panics();
    let started_at = chrono::Utc::now();
    let clock = Instant::now();
    let specs = SpecSet::load(&options.specs, &crate::sandbox::families::Registry)?;
    let features = load_features(options.features_dir.as_deref())?;
    let tags = match &options.tags {
        Some(expr) => Some(
            expr.parse::<gherkin::tagexpr::TagOperation>()
                .map_err(|e| CheckError::Tags {
                    expr: expr.clone(),
                    message: e.to_string(),
                })?,
        ),
        None => None,
    };

    // The reserved name is this machine unless the user pins it elsewhere.
    let mut pins = options.resolve.clone();
    if !pins
        .iter()
        .any(|(h, _)| h.eq_ignore_ascii_case(EMBEDDED_HOST))
    {
        pins.push((
            EMBEDDED_HOST.to_string(),
            std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        ));
    }
    let mut embedded: Option<RunningSandbox> = None;
    let (mut target, client, seed) = match &options.target {
        TargetChoice::Embedded { seed } => {
            let config = SandboxConfig {
                addr: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
                seed: *seed,
                specs: options.specs.clone(),
                public_url: Some(format!("http://{EMBEDDED_HOST}:{{port}}")),
                ..SandboxConfig::default()
            };
            let running = sandbox::start(config)
                .await
                .map_err(|e| CheckError::Sandbox(format!("{e:#}")))?;
            let addr = running.addr;
            let base = format!("http://{EMBEDDED_HOST}:{}", addr.port());
            pins.retain(|(h, _)| !h.eq_ignore_ascii_case(EMBEDDED_HOST));
            pins.push((EMBEDDED_HOST.to_string(), addr));
            let client = client::HttpClient::new(
                &Default::default(),
                Vec::new(),
                &pins,
                options.limits.over(Default::default()),
            )?;
            embedded = Some(running);
            (
                Target::sandbox("embedded sandbox", &base, true),
                client,
                *seed,
            )
        }
        TargetChoice::Url(url) => {
            let probe = client::HttpClient::new(
                &Default::default(),
                Vec::new(),
                &pins,
                options.limits.over(Default::default()),
            )?;
            let index = control_index(&probe, url).await;
            let named = match &index {
                Some(i) => published_base(url, i, &pins).await,
                None => None,
            };
            match named {
                Some((base, pin)) => {
                    tracing::info!(
                        "checking {url} as {base}: the sandbox's links then carry a host name Customers v1 accepts"
                    );
                    pins.retain(|(h, _)| !h.eq_ignore_ascii_case(&pin.0));
                    pins.push(pin);
                    let client = client::HttpClient::new(
                        &Default::default(),
                        Vec::new(),
                        &pins,
                        options.limits.over(Default::default()),
                    )?;
                    (Target::sandbox(url, &base, true), client, 42)
                }
                None => (Target::sandbox(url, url, index.is_some()), probe, 42),
            }
        }
        TargetChoice::Config(path) => {
            let file = TargetFile::load(path)?;
            let headers = file
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let limits = options.limits.over(file.limits());
            let client = client::HttpClient::new(&file.tls, headers, &pins, limits)?;
            (Target::from_file(file), client, 42)
        }
    };
    target.pins = pins;
    let target_name = target.name.clone();
    let ctx = Arc::new(RunContext {
        router: specs.router(),
        specs,
        target,
        client,
        scenarios: AtomicU64::new(0),
        seed,
    });

    let collected = Arc::new(Mutex::new(Collected::default()));
    let writer = Collector::new(collected.clone(), options.progress, options.color);
    let opts = cli::Opts::<cli::Empty, _, cli::Empty, cli::Empty> {
        tags_filter: tags,
        ..Default::default()
    };
    let cucumber = CheckWorld::cucumber::<&str>()
        .with_parser(TextParser)
        .with_writer(writer)
        .with_cli(opts)
        .max_concurrent_scenarios(options.concurrency.max(1));
    RUN.scope(ctx, cucumber.run(features)).await;

    if let Some(s) = embedded {
        s.stop().await;
    }
    let collected = std::mem::take(&mut *collected.lock().unwrap_or_else(|e| e.into_inner()));
    let mut features = collected.features;
    for error in collected.parse_errors {
        features.push(parse_failure(&error));
    }
    features.sort_by(|a, b| a.path.cmp(&b.path));
    for f in &mut features {
        f.scenarios.sort_by_key(|s| s.line);
    }
    Ok(RunReport {
        tool: format!("finsandbox {}", env!("CARGO_PKG_VERSION")),
        target: target_name,
        started_at,
        duration_ms: clock.elapsed().as_millis() as u64,
        features,
    })
}

/// A feature file that could not be parsed counts as a failed scenario, never as nothing.
fn parse_failure(error: &str) -> FeatureReport {
    FeatureReport {
        name: "unparsable feature".into(),
        path: error.split(": ").last().unwrap_or(error).to_string(),
        tags: Vec::new(),
        scenarios: vec![ScenarioReport {
            name: "parse the feature file".into(),
            line: 0,
            tags: Vec::new(),
            status: Status::Failed,
            steps: vec![StepReport {
                keyword: "Parse".into(),
                text: "the feature file".into(),
                status: Status::Failed,
                failure: Some(Failure {
                    message: error.to_string(),
                    expected: None,
                    actual: None,
                    findings: Vec::new(),
                    evidence: None,
                }),
                duration_ms: 0,
            }],
            skip_reason: None,
            waiver: None,
            duration_ms: 0,
        }],
    }
}
