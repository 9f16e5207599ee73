//! The `finsandbox` command line: parse, dispatch. The work lives in the library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use finsandbox::harness::limits as harness_limits;
use finsandbox::sandbox::families::PLUGINS;
use finsandbox::sandbox::family::FamilyOptions;
use finsandbox::sandbox::{self, SandboxConfig};
use finsandbox::spec::SpecSelection;

#[derive(Parser)]
#[command(
    name = "finsandbox",
    version,
    about = "Mock sandbox and conformance harness for Brazilian financial APIs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log filter (tracing syntax), e.g. `info`, `debug`, `finsandbox=debug`.
    #[arg(long, global = true, env = "FINSANDBOX_LOG", default_value = "info")]
    log: String,
}

#[derive(Subcommand)]
enum Command {
    /// Start the sandbox.
    Serve(ServeArgs),
    /// Check an implementation (by default the embedded sandbox) against the specs and scenarios.
    Check(CheckArgs),
    /// Judge one body (a real payload: JSON, or a declared PDF/CSV/image) against an operation of a spec.
    Validate(ValidateArgs),
    /// List the embedded specs, their versions and operations.
    Specs(SpecsArgs),
}

#[derive(Args, Debug)]
struct ValidateArgs {
    /// A spec file (an official one as published works) or an embedded spec's name, with or
    /// without its folder (`finsandbox specs` lists them).
    #[arg(long, value_name = "FILE|NAME")]
    spec: String,
    /// The operationId (`finsandbox specs` lists each document's).
    #[arg(long, value_name = "OPERATION_ID")]
    operation: String,
    /// The response status whose schema applies (`default` works too).
    #[arg(long, default_value = "200")]
    status: String,
    /// Judge the body as the operation's request body instead of a response.
    #[arg(long, conflicts_with = "status")]
    request: bool,
    /// `text` for people, `json` for machines.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The body; `-` or nothing reads stdin.
    #[arg(value_name = "FILE")]
    input: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Args, Debug)]
struct SpecsArgs {
    /// Describe this file (or embedded name) instead of listing every embedded spec.
    #[arg(long, value_name = "FILE|NAME")]
    spec: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write every embedded document into DIR (as `open-finance/customers-v2.yaml` and so on),
    /// for tools that read OpenAPI files: generated clients, fuzzers, linters.
    #[arg(long, value_name = "DIR", conflicts_with = "spec")]
    export: Option<PathBuf>,
}

/// Options shared by everything that loads specs.
#[derive(Args, Clone, Debug)]
struct SpecArgs {
    /// Read specs from this directory instead of the embedded ones.
    #[arg(long = "specs", value_name = "DIR")]
    specs_dir: Option<PathBuf>,
    /// Add an OpenAPI document (an official file as published works); it replaces the document
    /// with the same base path. Repeatable.
    #[arg(long = "spec", value_name = "FILE")]
    spec_files: Vec<PathBuf>,
}

impl SpecArgs {
    /// The selection, with the version choices the families' own options made
    /// (such as a choice between two minor versions of one API).
    fn selection(&self, matches: Option<&ArgMatches>) -> SpecSelection {
        let versions = matches
            .map(|m| PLUGINS.iter().flat_map(|p| p.spec_preferences(m)).collect())
            .unwrap_or_default();
        SpecSelection {
            dir: self.specs_dir.clone(),
            files: self.spec_files.clone(),
            versions,
        }
    }
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080", env = "FINSANDBOX_ADDR")]
    addr: SocketAddr,
    /// Seed of all generated data: same seed and document, same customer.
    #[arg(long, default_value_t = 42, env = "FINSANDBOX_SEED")]
    seed: u64,
    #[command(flatten)]
    specs: SpecArgs,
    /// Directory with personas.yaml and the families' fixtures (<family>.yaml) instead of the
    /// embedded ones.
    #[arg(long, value_name = "DIR")]
    fixtures: Option<PathBuf>,
    /// Scheme and host for absolute links (default: the request's Host header).
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// Validate every response against its schema; violations become 500s.
    #[arg(long)]
    self_check: bool,
    /// Send webhooks and callbacks only to loopback addresses (127.0.0.0/8, ::1, localhost); any
    /// other URL is recorded as a failed attempt and never contacted.
    #[arg(long)]
    callbacks_loopback_only: bool,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = 64 * 1024)]
    max_body: usize,
    /// Largest single request header field (name + value, bytes); larger gets 431.
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024, value_parser = clap::value_parser!(u64).range(64..=16 * 1024 * 1024))]
    max_header_bytes: u64,
    /// Largest sum of all request header fields (bytes); larger gets 431.
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024, value_parser = clap::value_parser!(u64).range(1024..=16 * 1024 * 1024))]
    max_header_total_bytes: u64,
    /// Fault rules in force from the start (YAML: a list of rules as POST /sandbox/faults takes
    /// them); POST /sandbox/reset brings them back.
    #[arg(long, value_name = "FILE")]
    faults: Option<PathBuf>,
    /// Honour a per-request `x-finsandbox-fault` header (`529`, `429; retry-after=5`,
    /// `delay=200`, `reset`, `truncate=100`), for clients that cannot call the control API.
    #[arg(long)]
    fault_header: bool,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// Base URL of a running finsandbox sandbox (or anything in front of one); its control API is
    /// detected. Without --target or --config the embedded sandbox is started and checked.
    #[arg(long, value_name = "URL", conflicts_with = "config")]
    target: Option<String>,
    /// A target.toml describing a real implementation (URLs, tokens, mTLS, headers).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Read .feature files from this directory instead of the embedded ones.
    #[arg(long, value_name = "DIR")]
    features: Option<PathBuf>,
    /// Only scenarios matching this tag expression, e.g. "@v2 and not @paging".
    #[arg(long, value_name = "EXPR")]
    tags: Option<String>,
    /// Where report.json, report.html and junit.xml are written.
    #[arg(long, value_name = "DIR", default_value = "finsandbox-report")]
    report_dir: PathBuf,
    /// Write the JUnit XML here instead of <report-dir>/junit.xml.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Compare the normalised report with snapshots/<NAME>.snap (insta format).
    #[arg(long, value_name = "NAME")]
    snapshot: Option<String>,
    /// Write the snapshot instead of comparing it.
    #[arg(long, requires = "snapshot")]
    update_snapshots: bool,
    /// Directory of the snapshots.
    #[arg(long, value_name = "DIR", default_value = "snapshots")]
    snapshot_dir: PathBuf,
    /// Known failures (TOML, [[waiver]] scenario/feature/reason/expires) reported WAIVED, not FAILED.
    #[arg(long, value_name = "FILE")]
    waivers: Option<PathBuf>,
    /// Keep personal data (CPF, CNPJ, names, e-mails, phones) in the reports.
    #[arg(long)]
    show_pii: bool,
    /// Scenarios run at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Largest response body (and response head, and webhook delivery) read from the target, in
    /// bytes or with a unit (16MiB, 512KiB); past it the step fails. [default: 16MiB, or
    /// max-response-bytes in target.toml]
    #[arg(long, value_name = "BYTES", value_parser = harness_limits::parse_bytes)]
    max_response_bytes: Option<u64>,
    /// Seconds one request may take, its whole body included. [default: 30, or timeout in
    /// target.toml]
    #[arg(long, value_name = "SECONDS", value_parser = harness_limits::parse_seconds)]
    timeout: Option<std::time::Duration>,
    /// Seconds one scenario may take; its requests stop there. [default: 120, or
    /// scenario-timeout in target.toml]
    #[arg(long, value_name = "SECONDS", value_parser = harness_limits::parse_seconds)]
    scenario_timeout: Option<std::time::Duration>,
    /// Seed of the embedded sandbox.
    #[arg(long, default_value_t = 42, env = "FINSANDBOX_SEED")]
    seed: u64,
    /// Resolve HOST to ADDR yourself, as curl's --resolve does (repeatable): e.g. a sandbox behind a
    /// proxy published as `--public-url http://sandbox.test:9090`. The URL's port is kept.
    #[arg(long, value_name = "HOST:PORT:ADDR", value_parser = harness_parse_resolve)]
    resolve: Vec<(String, SocketAddr)>,
    #[command(flatten)]
    specs: SpecArgs,
}

fn harness_parse_resolve(s: &str) -> Result<(String, SocketAddr), String> {
    finsandbox::harness::parse_resolve(s)
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
}

/// The command line with every family's options added to the commands they concern.
fn command() -> clap::Command {
    let apis: Vec<String> = PLUGINS
        .iter()
        .map(|p| format!("  - {}", p.title()))
        .collect();
    let mut cmd = Cli::command().long_about(format!(
        "Mock sandbox and conformance harness for Brazilian financial APIs:\n{}\n\n\
         `finsandbox serve` answers every operation with deterministic PT-BR data and the state a \
         real provider keeps; `finsandbox check` judges any implementation (or the embedded \
         sandbox) against the specs and writes reports. Documents of no family (`--spec`) are \
         served as validating mocks.",
        apis.join("\n")
    ));
    for plugin in PLUGINS {
        cmd = cmd
            .mut_subcommand("serve", |c| plugin.spec_args(plugin.serve_args(c)))
            .mut_subcommand("check", |c| plugin.spec_args(c));
    }
    cmd
}

fn main() -> ExitCode {
    let matches = command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let sub = matches.subcommand().map(|(_, m)| m.clone());
    init_logging(&cli.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve(args, sub.as_ref()).await,
            Command::Check(args) => check(args, sub.as_ref()).await,
            Command::Validate(args) => validate(args),
            Command::Specs(args) => specs(args),
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn serve(args: ServeArgs, matches: Option<&ArgMatches>) -> anyhow::Result<ExitCode> {
    let mut families = FamilyOptions::default();
    if let Some(m) = matches {
        for plugin in PLUGINS {
            plugin.read_serve_args(m, &mut families)?;
        }
    }
    let faults = match &args.faults {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            sandbox::faults::parse_file(&path.display().to_string(), &text)
                .map_err(anyhow::Error::msg)?
        }
        None => Vec::new(),
    };
    let config = SandboxConfig {
        addr: args.addr,
        seed: args.seed,
        faults,
        fault_header: args.fault_header,
        specs: args.specs.selection(matches),
        fixtures_dir: args.fixtures,
        public_url: args.public_url,
        max_body_bytes: args.max_body,
        max_header_bytes: args.max_header_bytes as usize,
        max_header_total_bytes: args.max_header_total_bytes as usize,
        self_check: args.self_check,
        callbacks_loopback_only: args.callbacks_loopback_only,
        families,
        ..SandboxConfig::default()
    };
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.addr))?;
    let addr = listener.local_addr()?;
    let config = SandboxConfig {
        public_url: config
            .public_url
            .map(|u| u.replace("{port}", &addr.port().to_string())),
        ..config
    };
    let app = std::sync::Arc::new(sandbox::App::new(config)?);
    let origin = app
        .config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    tracing::info!(
        "finsandbox {} listening on {addr} (seed {})",
        env!("CARGO_PKG_VERSION"),
        app.config.seed
    );
    for api in &app.specs.apis {
        tracing::info!(
            "  {:<32} {}{}  ({})",
            api.label(),
            origin,
            api.base_path,
            api.source
        );
    }
    tracing::info!("  {:<32} {origin}/sandbox", "sandbox control API");
    sandbox::serve_listener(listener, app, shutdown_signal()).await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

async fn check(args: CheckArgs, matches: Option<&ArgMatches>) -> anyhow::Result<ExitCode> {
    use finsandbox::harness::report::{console, html, json, junit, mask, snapshot, waivers};
    use finsandbox::harness::{self, CheckOptions, TargetChoice};
    use std::io::IsTerminal;

    let target = match (&args.target, &args.config) {
        (Some(url), _) => TargetChoice::Url(url.clone()),
        (None, Some(file)) => TargetChoice::Config(file.clone()),
        (None, None) => TargetChoice::Embedded { seed: args.seed },
    };
    let color = std::io::stderr().is_terminal();
    let options = CheckOptions {
        target,
        features_dir: args.features.clone(),
        tags: args.tags.clone(),
        specs: args.specs.selection(matches),
        concurrency: args.concurrency,
        progress: true,
        color,
        resolve: args.resolve.clone(),
        limits: harness_limits::LimitChoices {
            max_response_bytes: args.max_response_bytes,
            request_timeout: args.timeout,
            scenario_timeout: args.scenario_timeout,
        },
    };
    // Waivers are read before running so a broken file fails fast.
    let waivers = match &args.waivers {
        Some(path) => Some(waivers::Waivers::load(path)?),
        None => None,
    };
    let mut report = harness::run(&options).await?;
    if let Some(w) = &waivers {
        let outcome = w.apply(&mut report, chrono::Utc::now().date_naive());
        for unused in &outcome.unused {
            eprintln!("warning: {unused}");
        }
    }
    // The snapshot masks personal data itself, whatever --show-pii says.
    let normalised = snapshot::normalise(&report);
    if !args.show_pii {
        mask::mask_pii(&mut report);
    }

    std::fs::create_dir_all(&args.report_dir)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.report_dir.display()))?;
    let write = |path: &std::path::Path, text: String| {
        std::fs::write(path, text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    };
    write(&args.report_dir.join("report.json"), json::to_json(&report))?;
    write(&args.report_dir.join("report.html"), html::to_html(&report))?;
    let junit_path = args
        .junit
        .clone()
        .unwrap_or_else(|| args.report_dir.join("junit.xml"));
    write(&junit_path, junit::to_junit_xml(&report))?;

    eprintln!();
    eprintln!("{}", console::summary(&report, color));
    eprintln!(
        "reports: {} (json, html), {}",
        args.report_dir.display(),
        junit_path.display()
    );

    let mut snapshot_failed = false;
    if let Some(name) = &args.snapshot {
        let outcome = snapshot::write_or_compare(
            &args.snapshot_dir,
            name,
            &normalised,
            args.update_snapshots,
        )?;
        eprintln!("snapshot {name}: {outcome}");
        snapshot_failed = outcome.is_failure();
    }
    Ok(if report.passed() && !snapshot_failed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn validate(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    use std::io::Read;
    let spec = finsandbox::spec::ApiSpec::open(&args.spec)?;
    // Bytes, not text: a declared PDF or CSV is judged as what it is.
    let (source, input) = match &args.input {
        Some(p) if p.as_os_str() != "-" => (
            p.display().to_string(),
            std::fs::read(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
        ),
        _ => {
            let mut t = Vec::new();
            std::io::stdin()
                .read_to_end(&mut t)
                .map_err(|e| anyhow::anyhow!("stdin: {e}"))?;
            ("stdin".to_string(), t)
        }
    };
    let target = if args.request {
        "request body".to_string()
    } else {
        format!("response {}", args.status)
    };
    let findings =
        finsandbox::spec::judge_bytes(&spec, &args.operation, &args.status, args.request, &input)
            .map_err(|e| anyhow::anyhow!("{source}: {e}"))?;
    match args.format {
        Format::Json => {
            let out = serde_json::json!({
                "input": source,
                "spec": spec.label(),
                "specSource": spec.source,
                "operation": args.operation,
                "against": target,
                "valid": findings.is_empty(),
                "findings": findings,
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Text => {
            if findings.is_empty() {
                println!(
                    "{source}: valid ({} {}, {target})",
                    spec.label(),
                    args.operation
                );
            } else {
                println!(
                    "{source}: {} against {} {} ({target})",
                    finsandbox::spec::judge::count_findings(findings.len()),
                    spec.label(),
                    args.operation
                );
                for f in &findings {
                    println!("  {}  [{}]  {}", f.at(), f.label(), f.message);
                }
            }
        }
    }
    Ok(if findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn specs(args: SpecsArgs) -> anyhow::Result<ExitCode> {
    use finsandbox::spec::{ApiSpec, SpecSet};
    if let Some(dir) = &args.export {
        for (name, text) in finsandbox::spec::embedded::SPECS {
            let relative = name.strip_prefix("specs/").unwrap_or(name);
            let path = dir.join(relative);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", parent.display()))?;
            }
            std::fs::write(&path, text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            println!("{}", path.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut list: Vec<ApiSpec> = match &args.spec {
        Some(name) => vec![ApiSpec::open(name)?],
        None => SpecSet::all_embedded()?,
    };
    for spec in &mut list {
        spec.resolve_family(&finsandbox::sandbox::families::Registry)?;
    }
    match args.format {
        Format::Json => {
            let out: Vec<_> = list
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "name": s.short_name(),
                        "source": s.source,
                        "family": s.family,
                        "api": s.api,
                        "version": s.version,
                        "basePath": s.base_path,
                        "operations": s.operations.iter().map(|o| serde_json::json!({
                            "operationId": o.id,
                            "method": o.method,
                            "path": o.full_path,
                            "responses": o.responses.iter().map(|r| r.status.clone()).collect::<Vec<_>>(),
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Text => {
            for s in &list {
                println!(
                    "{}  {} {}  {}  ({})",
                    s.short_name().unwrap_or_else(|| s.source.clone()),
                    s.family,
                    s.api,
                    s.version,
                    s.base_path
                );
                for o in &s.operations {
                    let statuses: Vec<&str> =
                        o.responses.iter().map(|r| r.status.as_str()).collect();
                    println!(
                        "    {:<7} {:<55} {}  [{}]",
                        o.method,
                        o.full_path,
                        o.id,
                        statuses.join(" ")
                    );
                }
            }
            if args.spec.is_none() {
                println!(
                    "\nWhere documents share a base path, the highest version answers unless a family's option picks another (`serve --help`); `--spec FILE` adds or replaces a document."
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM (what `docker stop` and CI runners send).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
