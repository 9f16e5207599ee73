//! The contract between the shared sandbox and a provider family.
//!
//! A family is its own folders plus one line in the registry (`families/mod.rs`). The shared code
//! never names a family: it asks the registry for [`Plugin`]s, builds each one's running [`Family`]
//! at start-up, binds the family's handlers to its documents' operations **by operationId** (a
//! missing or extra binding is a load error), and runs every request through one pipeline
//! ([`super::pipeline`]) whose refusals the family renders in its own error shape.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use hyper::StatusCode;
use hyper::header::{HeaderName, HeaderValue};
use serde_json::Value;

use super::App;
use super::http::{HttpResponse, Req};
use crate::spec::{ApiSpec, Finding, Operation, ParamLocation};

/// What a handler answers: a response, or a refusal the family renders in its error shape.
pub type Reply = Result<HttpResponse, Problem>;

/// An operation handler, bound once at start-up.
pub type Handler = Arc<dyn Fn(&Call<'_>) -> Reply + Send + Sync>;

/// Everything a handler needs about the request it answers. The pipeline has already checked the
/// correlation id, `Accept`, `Content-Type`, credentials, parameters and (by the family's
/// [`BodyPolicy`]) the body.
pub struct Call<'a> {
    pub app: &'a App,
    pub spec: &'a ApiSpec,
    pub op: &'a Operation,
    pub req: &'a Req,
    /// The request body as JSON (or a form as an object of strings) once the pipeline parsed it.
    pub body: Option<&'a Value>,
    /// What the family's [`Family::authenticate`] learnt about the caller (its token, client, scopes).
    pub principal: Option<&'a (dyn Any + Send + Sync)>,
}

impl<'a> Call<'a> {
    /// The caller as the family's authentication described it.
    pub fn principal<T: 'static>(&self) -> Option<&'a T> {
        self.principal.and_then(|p| p.downcast_ref::<T>())
    }

    /// The parsed body; a handler that runs only for operations with a body can rely on it.
    pub fn json(&self) -> Result<&'a Value, Problem> {
        self.body
            .ok_or_else(|| Problem::new(StatusCode::BAD_REQUEST, "the request body is empty"))
    }
}

/// What went wrong, in terms every family can render. The pipeline fills `kind` so a family can
/// word the message its own way (Bankly in Portuguese, Open Finance with its codes); `message` is a
/// plain English default.
#[derive(Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub kind: ProblemKind,
    /// The family's own error code, when the handler knows it (`PARAMETRO_INVALIDO`, `NOT_FOUND`).
    pub code: Option<String>,
    /// A short title, for shapes that have one (Open Finance `title`).
    pub title: Option<String>,
    pub message: String,
    /// The field, parameter or header the problem is about.
    pub field: Option<String>,
    /// Schema findings behind a refused body or parameter.
    pub findings: Vec<Finding>,
    /// Headers the answer must carry (`Retry-After`, `Allow`, `WWW-Authenticate`).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The family's own description of the error, for shapes richer than one message (Bankly
    /// lists every refused field): set by the family's handlers, read back by its renderer.
    pub payload: Option<Arc<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Problem")
            .field("status", &self.status)
            .field("kind", &self.kind)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("field", &self.field)
            .finish_non_exhaustive()
    }
}

/// The stage or rule a problem comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// A handler's own refusal (business rule, unknown resource, ...).
    Handler,
    NotFound,
    MethodNotAllowed,
    BodyTooLarge,
    HeadersTooLarge,
    /// The body could not be read off the connection.
    Unreadable,
    /// The correlation/interaction id header is missing or malformed.
    Correlation,
    NotAcceptable,
    UnsupportedMediaType,
    /// Missing or unusable credentials.
    Unauthenticated,
    /// Credentials that do not allow this operation (scope, permission).
    Forbidden,
    MissingParameter(ParamLocation),
    InvalidParameter(ParamLocation),
    /// A body the operation requires is empty.
    EmptyBody,
    /// The body is not JSON at all; where the parser gave up.
    MalformedBody {
        line: usize,
        column: usize,
    },
    /// The body breaks its schema; `findings` say where.
    InvalidBody,
    TooManyRequests,
    /// The sandbox itself failed (a poisoned lock, a self-check violation).
    Internal,
    /// A fault rule asked for this status (`sandbox::faults`): the family answers its declared
    /// error for it, as if its gateway or service had failed that way.
    Injected,
}

impl Problem {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Problem {
        Problem {
            status,
            kind: ProblemKind::Handler,
            code: None,
            title: None,
            message: message.into(),
            field: None,
            findings: Vec::new(),
            headers: Vec::new(),
            payload: None,
        }
    }

    pub fn of(kind: ProblemKind, status: StatusCode, message: impl Into<String>) -> Problem {
        Problem {
            kind,
            ..Problem::new(status, message)
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Problem {
        Problem::of(ProblemKind::NotFound, StatusCode::NOT_FOUND, message)
    }

    pub fn internal(message: impl Into<String>) -> Problem {
        Problem::of(
            ProblemKind::Internal,
            StatusCode::INTERNAL_SERVER_ERROR,
            message,
        )
    }

    pub fn code(mut self, code: impl Into<String>) -> Problem {
        self.code = Some(code.into());
        self
    }

    pub fn title(mut self, title: impl Into<String>) -> Problem {
        self.title = Some(title.into());
        self
    }

    pub fn field(mut self, field: impl Into<String>) -> Problem {
        self.field = Some(field.into());
        self
    }

    pub fn findings(mut self, findings: Vec<Finding>) -> Problem {
        self.findings = findings;
        self
    }

    /// Attaches the family's own description of the error (see [`Problem::payload`]).
    pub fn payload(mut self, payload: impl Any + Send + Sync) -> Problem {
        self.payload = Some(Arc::new(payload));
        self
    }

    /// The family's own description, if it attached one of this type.
    pub fn payload_of<T: 'static>(&self) -> Option<&T> {
        self.payload.as_deref().and_then(|p| p.downcast_ref::<T>())
    }

    /// Adds a header to the answer; a value HTTP cannot carry is dropped.
    pub fn header(mut self, name: &'static str, value: &str) -> Problem {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.push((HeaderName::from_static(name), v));
        }
        self
    }
}

/// Where a request is in the sandbox when a family renders an error for it.
pub struct ErrorContext<'a> {
    pub app: &'a App,
    pub spec: Option<&'a ApiSpec>,
    /// Known once the request was routed (its declared error responses decide the shape).
    pub op: Option<&'a Operation>,
    pub req: Option<&'a Req>,
    /// The correlation id the answer will carry (the client's, or one generated for it), so a
    /// body that repeats it (Bankly's `reference`) agrees with the header.
    pub correlation: Option<&'a str>,
}

/// How the pipeline treats an operation's request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyPolicy {
    /// Parse it and validate it against the schema: findings become a 400 with [`ProblemKind::InvalidBody`].
    Validate,
    /// Parse it only; the handler validates with the family's own rules and messages.
    Parse,
    /// Leave it to the handler as bytes.
    Raw,
}

/// The header that carries a request's correlation id, echoed on every answer.
#[derive(Debug, Clone)]
pub struct Correlation {
    pub header: HeaderName,
    /// Whether a value is fit to echo when the operation declares no schema for the header.
    pub fallback_valid: fn(&str) -> bool,
    /// Whether to generate an id for an answer whose request had none.
    pub generate_when_missing: bool,
}

/// A running family: its state, its handlers, its error shape and its control routes.
pub trait Family: Send + Sync + 'static {
    /// The registry name: `x-finsandbox.family`, the folder names, `/sandbox/<name>/`, `[<name>]`.
    fn name(&self) -> &'static str;

    /// The handlers of one of this family's documents, by operationId. Every operation of `spec`
    /// needs one; a name `spec` lacks is refused at load (see [`bind`]).
    fn handlers(self: Arc<Self>, spec: &ApiSpec) -> Vec<(&'static str, Handler)>;

    /// Renders a refusal in the family's error shape (for the operation's declared status).
    fn render(&self, ctx: &ErrorContext<'_>, problem: &Problem) -> HttpResponse;

    /// The correlation header of the family's requests, if it has one.
    fn correlation(&self) -> Option<Correlation> {
        None
    }

    /// Checks that run before anything else (a rate limit).
    fn admit(&self, _call: &Call<'_>) -> Result<(), Problem> {
        Ok(())
    }

    /// Checks the caller's credentials for the operation; what it returns reaches the handler as
    /// [`Call::principal`]. The default checks what the spec's `security` declares, by form only.
    fn authenticate(&self, call: &Call<'_>) -> Result<Option<Box<dyn Any + Send + Sync>>, Problem> {
        super::pipeline::default_authenticate(call).map(|_| None)
    }

    fn body_policy(&self, _op: &Operation) -> BodyPolicy {
        BodyPolicy::Validate
    }

    /// Header parameters the pipeline leaves to the family (it checks them itself, elsewhere).
    fn own_headers(&self) -> &'static [&'static str] {
        &[]
    }

    /// `/sandbox/<name>/<rest>`: the family's control routes. `None` is "no such route".
    fn control(&self, _app: &App, _req: &Req, _rest: &[&str]) -> Option<HttpResponse> {
        None
    }

    /// Lines for the control API's index (`GET /sandbox`).
    fn control_index(&self) -> Vec<String> {
        Vec::new()
    }

    /// Top-level control names the family answered before control routes were per family
    /// (`/sandbox/consents`); kept so existing scripts keep working.
    fn legacy_control(&self) -> &'static [&'static str] {
        &[]
    }

    /// The subject of a request (a CPF or CNPJ) for fault matching and logs.
    fn subject(&self, call: &Call<'_>) -> Option<String> {
        super::pipeline::default_subject(call)
    }

    /// Forgets every resource the family keeps.
    fn reset(&self) {}

    /// Applies what came due on the sandbox clock (a KYC step, a verification's result) and
    /// queues its deliveries. Called by the server's background task a few times a second and
    /// whenever a delivery finishes; keep it cheap when nothing is due.
    fn tick(&self, _app: &App, _now: chrono::DateTime<chrono::Utc>) {}

    fn as_any(&self) -> &dyn Any;
}

/// What a family knows of a harness scenario when it starts.
pub struct ScenarioSeed<'a> {
    pub seed: u64,
    /// Unique per scenario within a run.
    pub scenario: u64,
    /// Whether the target has the finsandbox control API (a sandbox: fresh customers are free).
    pub sandbox: bool,
    /// The family's `[<name>]` section of `target.toml`, if any.
    pub section: Option<&'a toml::Value>,
}

/// What a plugin gets to build its family.
pub struct Init<'a> {
    pub config: &'a super::SandboxConfig,
    pub seed: u64,
    /// `--fixtures DIR`, when given: a family reads `<DIR>/<name>.yaml` if it exists.
    pub fixtures_dir: Option<&'a std::path::Path>,
}

impl Init<'_> {
    /// The family's fixture file: `<fixtures_dir>/<file>` when it exists, else the embedded text.
    pub fn fixture(&self, file: &str, embedded: &'static str) -> anyhow::Result<(String, String)> {
        match self.fixtures_dir.map(|d| d.join(file)) {
            Some(path) if path.exists() => {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                Ok((path.display().to_string(), text))
            }
            _ => Ok((file.to_string(), embedded.to_string())),
        }
    }
}

/// A provider family as the registry knows it before anything runs: its name, how it recognises
/// official documents, its command-line options and how to build it.
pub trait Plugin: Sync {
    fn name(&self) -> &'static str;

    /// What the family serves, for `--help` and listings.
    fn title(&self) -> &'static str;

    /// The prefix the sandbox serves the provider's own paths under (`/bankly`); empty when the
    /// provider's paths are official and served as they are (Open Finance).
    fn mount(&self) -> &'static str {
        ""
    }

    /// Recognises a document that names no family (an official file as published) by its base
    /// path, and answers its api name.
    fn recognise(&self, _base_path: &str) -> Option<String> {
        None
    }

    /// Adds the family's options to `serve` (a clap `Args` struct, see [`args`]).
    fn serve_args(&self, cmd: clap::Command) -> clap::Command {
        cmd
    }

    /// Reads the family's options back from a parsed `serve` command line.
    fn read_serve_args(
        &self,
        _matches: &clap::ArgMatches,
        _options: &mut FamilyOptions,
    ) -> Result<(), clap::Error> {
        Ok(())
    }

    /// Options that choose among document versions (`--customers-v2`), for every command that
    /// loads specs.
    fn spec_args(&self, cmd: clap::Command) -> clap::Command {
        cmd
    }

    /// The version preferences `spec_args` produced: (base path, version).
    fn spec_preferences(&self, _matches: &clap::ArgMatches) -> Vec<(String, String)> {
        Vec::new()
    }

    fn build(&self, init: &Init<'_>) -> anyhow::Result<Arc<dyn Family>>;

    /// The scenario's named values the family provides from the start (`{{cpf}}` in features):
    /// deterministic per (seed, scenario) against a sandbox, from the family's `target.toml`
    /// section against a real implementation.
    fn scenario_values(&self, _scenario: &ScenarioSeed<'_>) -> Vec<(String, String)> {
        Vec::new()
    }

    /// Headers the harness sends with every request to the family's paths, fresh each time
    /// (a correlation id, the headers the provider requires).
    fn request_headers(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    /// Checks the family's `[<name>]` section of `target.toml`: its keys and their values. By
    /// default a family takes `base-url` only.
    fn check_target_section(&self, section: &toml::Value) -> Result<(), String> {
        match section.as_table() {
            Some(t) => match t.keys().find(|k| *k != "base-url") {
                Some(k) => Err(format!("unknown key {k} (this family takes base-url)")),
                None => Ok(()),
            },
            None => Err("must be a table".into()),
        }
    }
}

/// Typed options of the families, keyed by type: each family reads back the `Args` struct it
/// registered, or its default when the command line (or a test) gave none.
#[derive(Clone, Default)]
pub struct FamilyOptions {
    values: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for FamilyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FamilyOptions")
            .field("count", &self.values.len())
            .finish()
    }
}

impl FamilyOptions {
    pub fn set<T: Any + Send + Sync>(&mut self, value: T) {
        self.values.insert(TypeId::of::<T>(), Arc::new(value));
    }

    pub fn with<T: Any + Send + Sync>(mut self, value: T) -> FamilyOptions {
        self.set(value);
        self
    }

    /// The options of type `T`, or its default.
    pub fn get<T: Any + Send + Sync + Clone + Default>(&self) -> T {
        self.values
            .get(&TypeId::of::<T>())
            .and_then(|v| v.downcast_ref::<T>())
            .cloned()
            .unwrap_or_default()
    }
}

/// `on`/`off` (and `true`/`false`, `yes`/`no`) for switches that take a value.
pub fn parse_on_off(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" => Ok(true),
        "off" | "false" | "no" => Ok(false),
        _ => Err(format!("expected on or off, got \"{s}\"")),
    }
}

/// A number of seconds (fractions allowed) between 0 and an hour.
pub fn parse_seconds(s: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("expected a number of seconds, got \"{s}\""))?;
    if !(0.0..=3600.0).contains(&secs) {
        return Err("expected between 0 and 3600 seconds".into());
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

/// Helpers for a family whose options are one clap `Args` struct.
pub mod args {
    use clap::{ArgMatches, Args, Command, FromArgMatches};

    use super::FamilyOptions;

    /// Adds `A`'s options to `cmd`. clap's derive also copies the struct's doc comment over the
    /// command's description, which would make `serve --help` describe one family's options; the
    /// command keeps its own.
    pub fn augment<A: Args>(cmd: Command) -> Command {
        use clap::builder::Resettable;
        let keep = |s: Option<&clap::builder::StyledStr>| match s {
            Some(s) => Resettable::Value(s.clone()),
            None => Resettable::Reset,
        };
        let (about, long_about) = (keep(cmd.get_about()), keep(cmd.get_long_about()));
        A::augment_args(cmd).about(about).long_about(long_about)
    }

    /// Checks a `target.toml` section by deserialising it into the family's target struct
    /// (`deny_unknown_fields` there makes a misspelt key an error naming it).
    pub fn target_section<T: serde::de::DeserializeOwned>(
        section: &toml::Value,
    ) -> Result<(), String> {
        section
            .clone()
            .try_into::<T>()
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    pub fn read<A: Args + FromArgMatches + Send + Sync + 'static>(
        matches: &ArgMatches,
        options: &mut FamilyOptions,
    ) -> Result<(), clap::Error> {
        options.set(A::from_arg_matches(matches)?);
        Ok(())
    }
}

/// Binds a handler table to a document's operations: every operation needs a handler and every
/// handler an operation, or the document is refused with the names that disagree.
pub fn bind(
    family: &str,
    spec: &ApiSpec,
    table: Vec<(&'static str, Handler)>,
) -> Result<Vec<Handler>, String> {
    let mut by_id: HashMap<&str, Handler> = HashMap::new();
    for (id, h) in table {
        if by_id.insert(id, h).is_some() {
            return Err(format!(
                "{}: family {family} binds operation {id} twice",
                spec.source
            ));
        }
    }
    let extra: Vec<&str> = by_id
        .keys()
        .copied()
        .filter(|id| spec.operation(id).is_none())
        .collect();
    if !extra.is_empty() {
        let mut extra = extra;
        extra.sort_unstable();
        return Err(format!(
            "{}: family {family} has handlers for operations the document lacks: {}",
            spec.source,
            extra.join(", ")
        ));
    }
    let mut bound = Vec::with_capacity(spec.operations.len());
    let mut missing = Vec::new();
    for op in &spec.operations {
        match by_id.get(op.id.as_str()) {
            Some(h) => bound.push(h.clone()),
            None => missing.push(op.id.as_str()),
        }
    }
    if !missing.is_empty() {
        return Err(format!(
            "{}: operations of a {family} document with no handler: {} (the family does not \
             implement them; serve the document under another base path to mock it generically)",
            spec.source,
            missing.join(", ")
        ));
    }
    Ok(bound)
}

/// A handler written as a function of the family's state.
pub type FamilyFn<F> = fn(&F, &Call<'_>) -> Reply;

/// Wraps a method-like function of the family as a [`Handler`].
pub fn handler<F: Send + Sync + 'static>(family: &Arc<F>, f: FamilyFn<F>) -> Handler {
    let family = family.clone();
    Arc::new(move |call| f(&family, call))
}

/// A table of method-like functions as handlers, for [`Family::handlers`].
pub fn table<F: Send + Sync + 'static>(
    family: &Arc<F>,
    entries: &[(&'static str, FamilyFn<F>)],
) -> Vec<(&'static str, Handler)> {
    entries
        .iter()
        .map(|(id, f)| (*id, handler(family, *f)))
        .collect()
}
