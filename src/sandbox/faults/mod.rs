//! Fault injection: the errors, delays and broken connections a client must survive, on demand and
//! reproducible.
//!
//! Rules (`POST /sandbox/faults`, `serve --faults FILE`) say which requests they match (family,
//! operationId, method, path glob, document, headers) and what happens to them: an error status
//! the operation declares, rendered by its family in its own error shape; a delay before the real
//! answer; a connection reset without an answer; an answer cut after N bytes of its body. A rule
//! fires with its `probability`, at most `times` times. Whether the n-th request a rule matches is
//! hit (and how long a log-normal delay lasts) is drawn from a ChaCha8 stream keyed by the sandbox
//! seed and the rule's ordinal, at a position given by n: two sandboxes with the same seed that
//! see the same requests inject the same faults.
//!
//! The pipeline asks [`Faults::pick`] right after the correlation stage, before admission,
//! `Accept`, credentials and validation, so an injected 529 reaches even a request the provider
//! would have refused (as a gateway in front of it would), and still echoes the correlation id.
//! When no rule exists and the header switch is off, that is one atomic load per request.

pub mod control;
pub mod glob;
pub mod wire;

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hyper::StatusCode;
use hyper::header::HeaderName;
use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::family::{Problem, ProblemKind};
use super::http::Req;
use crate::spec::{ApiSpec, Operation, ParamLocation};
use glob::Glob;

/// The per-request header of `serve --fault-header`.
pub const HEADER: HeaderName = HeaderName::from_static("x-finsandbox-fault");

/// The `rule` of the log entries the header asked for.
pub const HEADER_RULE: &str = "header";

/// Rules at once: each request a rule could match walks the list.
pub const MAX_RULES: usize = 1000;

/// Injections the log keeps (the oldest go first).
pub const LOG_CAPACITY: usize = 10_000;

/// The longest delay a rule may ask for, and the cap of a log-normal draw.
pub const MAX_DELAY_MS: u64 = 120_000;

/// The longest `Retry-After` a rule may announce (a day).
pub const MAX_RETRY_AFTER: u64 = 86_400;

/// Which requests a rule applies to; every field given must hold.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Match {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// A glob over the request path ([`glob`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The CPF, CNPJ or other subject of the request, as its family knows it
    /// ([`super::family::Family::subject`]); masks are ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// Request headers that must carry exactly these values (keeps a test's faults to its own
    /// requests when other tests share the sandbox).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

/// What happens to a request a rule hits.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FaultSpec {
    /// An error status the operation declares, answered in the family's shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Seconds announced in `Retry-After` with the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<Delay>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub reset: bool,
    /// Bytes of the body sent before the connection closes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate: Option<usize>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A fixed delay, or a log-normal one given by its median and 99th percentile (milliseconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Delay {
    Fixed(u64),
    LogNormal { p50: f64, p99: f64 },
}

impl Serialize for Delay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Delay::Fixed(ms) => s.serialize_u64(*ms),
            Delay::LogNormal { p50, p99 } => json!({"p50": p50, "p99": p99}).serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Delay {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = Value::deserialize(d)?;
        let shape = "delayMs is a whole number of milliseconds or {\"p50\": ms, \"p99\": ms}";
        match &value {
            Value::Number(n) => n
                .as_u64()
                .map(Delay::Fixed)
                .ok_or_else(|| D::Error::custom(shape)),
            Value::Object(map) => {
                if let Some(k) = map.keys().find(|k| *k != "p50" && *k != "p99") {
                    return Err(D::Error::custom(format!("{shape}; unknown key {k}")));
                }
                match (
                    map.get("p50").and_then(Value::as_f64),
                    map.get("p99").and_then(Value::as_f64),
                ) {
                    (Some(p50), Some(p99)) => Ok(Delay::LogNormal { p50, p99 }),
                    _ => Err(D::Error::custom(shape)),
                }
            }
            _ => Err(D::Error::custom(shape)),
        }
    }
}

/// A rule as written by a client or in the `--faults` file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    #[serde(rename = "match", default)]
    pub matcher: Match,
    pub fault: FaultSpec,
    #[serde(default = "certain")]
    pub probability: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
}

fn certain() -> f64 {
    1.0
}

/// A fault file: a list of rules, or `{rules: [...]}`. The error names the rule at fault.
pub fn parse_file(source: &str, text: &str) -> Result<Vec<RuleSpec>, String> {
    let doc: Value = serde_yaml_ng::from_str(text).map_err(|e| format!("{source}: {e}"))?;
    let list = match doc {
        Value::Array(items) => items,
        Value::Object(mut map) if map.len() == 1 && map.contains_key("rules") => {
            match map.remove("rules") {
                Some(Value::Array(items)) => items,
                _ => return Err(format!("{source}: rules must be a list")),
            }
        }
        Value::Null => Vec::new(),
        _ => {
            return Err(format!(
                "{source}: expected a list of rules (or {{rules: [...]}})"
            ));
        }
    };
    list.into_iter()
        .enumerate()
        .map(|(i, v)| {
            let rule: RuleSpec =
                serde_json::from_value(v).map_err(|e| format!("{source}: rule {}: {e}", i + 1))?;
            rule.check()
                .map_err(|e| format!("{source}: rule {}: {e}", i + 1))?;
            Ok(rule)
        })
        .collect()
}

impl RuleSpec {
    /// Checks what can be checked without the operations: ranges and combinations.
    pub fn check(&self) -> Result<(), String> {
        if !(self.probability.is_finite() && (0.0..=1.0).contains(&self.probability)) {
            return Err(format!(
                "probability must be between 0 and 1, got {}",
                self.probability
            ));
        }
        if self.times == Some(0) {
            return Err("times must be at least 1 (leave it out for no limit)".into());
        }
        if let Some(m) = &self.matcher.method
            && (m.is_empty() || !m.bytes().all(|b| b.is_ascii_alphabetic()))
        {
            return Err(format!("method \"{}\" is not an HTTP method", printable(m)));
        }
        if let Some(p) = &self.matcher.path {
            Glob::new(p)?;
        }
        if let Some(d) = &self.matcher.document
            && crate::br::strip_mask(d).is_empty()
        {
            return Err("document must not be empty".into());
        }
        for name in self.matcher.headers.keys() {
            HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("\"{}\" is not a header name", printable(name)))?;
        }
        self.fault.check()
    }
}

impl FaultSpec {
    pub fn check(&self) -> Result<(), String> {
        let kinds = [self.status.is_some(), self.reset, self.truncate.is_some()]
            .iter()
            .filter(|k| **k)
            .count();
        if kinds > 1 {
            return Err(
                "a fault is one of status, reset or truncate (delayMs combines with any)".into(),
            );
        }
        if kinds == 0 && self.delay_ms.is_none() {
            return Err("the fault is empty: give status, delayMs, reset or truncate".into());
        }
        if let Some(s) = self.status
            && !(400..=599).contains(&s)
        {
            return Err(format!(
                "status must be an error status (400 to 599), got {s}"
            ));
        }
        match self.retry_after {
            Some(_) if self.status.is_none() => {
                return Err("retryAfter goes with a status".into());
            }
            Some(s) if s > MAX_RETRY_AFTER => {
                return Err(format!(
                    "retryAfter must be at most {MAX_RETRY_AFTER} seconds"
                ));
            }
            _ => {}
        }
        match self.delay_ms {
            Some(Delay::Fixed(ms)) if ms > MAX_DELAY_MS => Err(format!(
                "delayMs must be at most {MAX_DELAY_MS} ms, got {ms}"
            )),
            Some(Delay::LogNormal { p50, p99 }) => {
                if !(p50.is_finite() && p50 > 0.0) {
                    Err("delayMs.p50 must be more than 0 ms".into())
                } else if !(p99.is_finite() && p99 >= p50) {
                    Err("delayMs.p99 must be at least delayMs.p50".into())
                } else if p99 > MAX_DELAY_MS as f64 {
                    Err(format!("delayMs.p99 must be at most {MAX_DELAY_MS} ms"))
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }
}

/// What the wire does with an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// No answer: the connection is reset. The request is not processed.
    Reset,
    /// The real head and this many bytes of the body, then the connection closes.
    Truncate(usize),
}

/// The payload of an injected status's [`Problem`]: which rule asked for it, for a family that
/// words the message itself.
#[derive(Debug, Clone)]
pub struct InjectedBy {
    /// The rule's id, or `header`.
    pub rule: String,
    /// The request's `x-finsandbox-fault` header asked for it.
    pub header: bool,
}

/// The fault a request gets.
#[derive(Debug, Clone)]
pub struct Injection {
    /// The rule's id, or `header`.
    pub rule: String,
    pub status: Option<StatusCode>,
    pub retry_after: Option<u64>,
    pub delay: Option<Duration>,
    pub wire: Option<Wire>,
}

impl Injection {
    /// The refusal the family renders for an injected status: its declared error body, with the
    /// `Retry-After` asked for (or one second when the declared response requires the header),
    /// and the headers HTTP requires of the status: `Allow` on a 405 (the methods of the path)
    /// and, on a 401, the `WWW-Authenticate` challenge of the operation's security when it has a
    /// scheme with one (a family with its own realm, or an operation without such a scheme, sets
    /// its own in `render`).
    pub fn problem(&self, spec: &ApiSpec, op: &Operation) -> Option<Problem> {
        let status = self.status?;
        let reason = status.canonical_reason().unwrap_or(match status.as_u16() {
            529 => "Site Is Overloaded",
            _ => "error",
        });
        let mut problem = Problem::of(
            ProblemKind::Injected,
            status,
            format!(
                "{} {reason}: injected by the sandbox's {}",
                status.as_u16(),
                self.source()
            ),
        )
        .payload(InjectedBy {
            rule: self.rule.clone(),
            header: self.by_header(),
        });
        let required = declared(op, status.as_u16()).is_some_and(|r| {
            r.headers
                .iter()
                .any(|h| h.required && h.name.eq_ignore_ascii_case("retry-after"))
        });
        match self.retry_after {
            Some(s) => problem = problem.header("retry-after", &s.to_string()),
            None if required => problem = problem.header("retry-after", "1"),
            None => {}
        }
        match status.as_u16() {
            405 => {
                let allow: Vec<String> = spec
                    .operations
                    .iter()
                    .filter(|o| o.path == op.path)
                    .map(|o| o.method.to_ascii_uppercase())
                    .collect();
                problem = problem.header("allow", &allow.join(", "));
            }
            401 => {
                if let Some(c) = crate::spec::security::challenge_for(&op.security, &spec.security)
                {
                    problem = problem.header("www-authenticate", &c);
                }
            }
            _ => {}
        }
        Some(problem)
    }

    /// Whether the request's own `x-finsandbox-fault` header asked for it (no rule).
    pub fn by_header(&self) -> bool {
        self.rule == HEADER_RULE
    }

    /// What asked for the fault, for messages: `fault rule f3`, or the header.
    fn source(&self) -> String {
        if self.by_header() {
            format!("{HEADER} header")
        } else {
            format!("fault rule {}", self.rule)
        }
    }

    fn describe(&self) -> Value {
        let mut v = serde_json::Map::new();
        if let Some(s) = self.status {
            v.insert("status".into(), json!(s.as_u16()));
        }
        if let Some(r) = self.retry_after {
            v.insert("retryAfter".into(), json!(r));
        }
        if let Some(d) = self.delay {
            v.insert("delayMs".into(), json!(d.as_millis() as u64));
        }
        match self.wire {
            Some(Wire::Reset) => {
                v.insert("reset".into(), json!(true));
            }
            Some(Wire::Truncate(n)) => {
                v.insert("truncate".into(), json!(n));
            }
            None => {}
        }
        Value::Object(v)
    }
}

/// The response an operation declares for exactly `status`, or for its range (`5XX`); a
/// `default` response does not count: it says nothing about a particular status (Customers
/// v1's even points at the success schema).
pub fn declared(op: &Operation, status: u16) -> Option<&crate::spec::ResponseSpec> {
    op.declared_response(status).or_else(|| {
        let class = b'0' + (status / 100 % 10) as u8;
        op.responses.iter().find(|r| {
            let s = r.status.as_bytes();
            s.len() == 3 && s[0] == class && s[1..].eq_ignore_ascii_case(b"XX")
        })
    })
}

/// The error statuses an operation declares (exact codes and ranges), in order.
pub fn declared_errors(op: &Operation) -> Vec<String> {
    let mut list: Vec<String> = op
        .responses
        .iter()
        .map(|r| r.status.to_ascii_uppercase())
        .filter(|s| s.starts_with('4') || s.starts_with('5'))
        .collect();
    list.sort();
    list
}

/// An operation a rule can reach.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reach {
    pub family: String,
    pub operation_id: String,
    pub method: String,
    pub path: String,
    #[serde(skip)]
    key: (usize, usize),
}

/// Why a rule is refused: the message, and for an undeclared status which reached operations
/// lack it and what they declare.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub message: String,
    pub detail: Value,
}

impl Refusal {
    fn plain(message: impl Into<String>) -> Refusal {
        Refusal {
            message: message.into(),
            detail: Value::Null,
        }
    }
}

/// The served documents, each with the name of the family that answers it (by
/// [`ApiSpec::index`]): what a rule is checked against.
pub struct Catalog<'a> {
    pub specs: &'a [std::sync::Arc<ApiSpec>],
    pub families: Vec<&'a str>,
}

/// A rule in force, with its counters and its draw stream.
#[derive(Clone)]
struct Rule {
    id: String,
    spec: RuleSpec,
    glob: Option<Glob>,
    document: Option<String>,
    headers: Vec<(HeaderName, String)>,
    /// Sorted (spec index, operation index) of the operations the rule can reach.
    reach: Vec<Reach>,
    matched: u64,
    hits: u64,
    /// The key of the rule's ChaCha8 stream.
    key: [u8; 32],
}

impl Rule {
    fn compile(
        seed: u64,
        ordinal: u64,
        spec: RuleSpec,
        catalog: &Catalog<'_>,
    ) -> Result<Rule, Refusal> {
        spec.check().map_err(Refusal::plain)?;
        let m = &spec.matcher;
        if let Some(f) = &m.family
            && !catalog.families.iter().any(|n| n == f)
        {
            let mut names: Vec<&str> = catalog.families.clone();
            names.sort_unstable();
            names.dedup();
            return Err(Refusal::plain(format!(
                "no family \"{}\" is served here (families: {})",
                printable(f),
                names.join(", ")
            )));
        }
        if let Some(id) = &m.operation_id
            && !catalog
                .specs
                .iter()
                .any(|s| s.operations.iter().any(|o| &o.id == id))
        {
            return Err(Refusal::plain(format!(
                "no operation \"{}\" is served here",
                printable(id)
            )));
        }
        let glob = m
            .path
            .as_deref()
            .map(Glob::new)
            .transpose()
            .map_err(Refusal::plain)?;
        let mut reach = Vec::new();
        for spec_doc in catalog.specs {
            let family = catalog.families.get(spec_doc.index).copied().unwrap_or("");
            for op in &spec_doc.operations {
                let fits = m.family.as_deref().is_none_or(|f| f == family)
                    && m.operation_id.as_deref().is_none_or(|id| id == op.id)
                    && m.method
                        .as_deref()
                        .is_none_or(|x| x.eq_ignore_ascii_case(&op.method))
                    && glob
                        .as_ref()
                        .is_none_or(|g| g.meets_template(&op.full_path));
                if fits {
                    reach.push(Reach {
                        family: family.to_string(),
                        operation_id: op.id.clone(),
                        method: op.method.clone(),
                        path: op.full_path.clone(),
                        key: (spec_doc.index, op.index),
                    });
                }
            }
        }
        if reach.is_empty() {
            return Err(Refusal::plain(
                "the match reaches no operation served here (check family, operationId, method \
                 and path)",
            ));
        }
        if let Some(status) = spec.fault.status {
            undeclared(status, &reach, catalog)?;
        }
        reach.sort_by_key(|r| r.key);
        let headers = m
            .headers
            .iter()
            .filter_map(|(k, v)| Some((HeaderName::from_bytes(k.as_bytes()).ok()?, v.clone())))
            .collect();
        Ok(Rule {
            id: format!("f{ordinal}"),
            document: m.document.as_deref().map(crate::br::strip_mask),
            glob,
            headers,
            reach,
            matched: 0,
            hits: 0,
            key: {
                let mut key = [0u8; 32];
                crate::datagen::rng_for(seed, "", &format!("fault rule {ordinal}"))
                    .fill_bytes(&mut key);
                key
            },
            spec,
        })
    }

    fn live(&self) -> bool {
        self.spec.times.is_none_or(|t| self.hits < t)
    }

    /// Three words of the rule's stream for its n-th match (from 0): the probability draw and two
    /// uniforms for a log-normal delay. Each match owns its block, so the n-th draw is the same
    /// whatever happened to the matches before it.
    fn draws(&self, n: u64) -> [u64; 3] {
        let mut stream = ChaCha8Rng::from_seed(self.key);
        stream.set_word_pos(u128::from(n) * 8);
        [stream.next_u64(), stream.next_u64(), stream.next_u64()]
    }

    fn injection(&self, draws: [u64; 3]) -> Injection {
        let f = &self.spec.fault;
        Injection {
            rule: self.id.clone(),
            status: f.status.and_then(|s| StatusCode::from_u16(s).ok()),
            retry_after: f.retry_after,
            delay: f.delay_ms.map(|d| delay_of(d, draws[1], draws[2])),
            wire: if f.reset {
                Some(Wire::Reset)
            } else {
                f.truncate.map(Wire::Truncate)
            },
        }
    }

    fn view(&self) -> Value {
        let mut v = serde_json::to_value(&self.spec).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut v {
            let mut out = serde_json::Map::new();
            out.insert("id".into(), json!(self.id));
            out.extend(std::mem::take(map));
            out.insert("times".into(), json!(self.spec.times));
            out.insert("matched".into(), json!(self.matched));
            out.insert("hits".into(), json!(self.hits));
            out.insert("exhausted".into(), json!(!self.live()));
            out.insert("operations".into(), json!(self.reach));
            return Value::Object(out);
        }
        v
    }
}

/// Refuses a status some reached operation does not declare, naming what they declare.
fn undeclared(status: u16, reach: &[Reach], catalog: &Catalog<'_>) -> Result<(), Refusal> {
    let op_of = |r: &Reach| {
        catalog
            .specs
            .get(r.key.0)
            .and_then(|s| s.operations.get(r.key.1))
    };
    let lacking: Vec<(&Reach, Vec<String>)> = reach
        .iter()
        .filter_map(|r| op_of(r).map(|op| (r, op)))
        .filter(|(_, op)| declared(op, status).is_none())
        .map(|(r, op)| (r, declared_errors(op)))
        .collect();
    let Some((first, first_declared)) = lacking.first() else {
        return Ok(());
    };
    // What every reached operation declares: statuses the rule could use as it stands.
    let mut common: Option<Vec<String>> = None;
    for r in reach {
        if let Some(op) = op_of(r) {
            let mine = declared_errors(op);
            common = Some(match common {
                None => mine,
                Some(c) => c.into_iter().filter(|s| mine.contains(s)).collect(),
            });
        }
    }
    let common = common.unwrap_or_default();
    let message = if reach.len() == 1 {
        format!(
            "{} ({} {}) does not declare {status}; it declares {}",
            first.operation_id,
            first.method,
            first.path,
            list_or_none(first_declared)
        )
    } else {
        format!(
            "{status} is not declared by {} of the {} operations the match reaches ({} {} {} \
             declares {}); narrow the match or use a status they all declare: {}",
            lacking.len(),
            reach.len(),
            first.operation_id,
            first.method,
            first.path,
            list_or_none(first_declared),
            list_or_none(&common)
        )
    };
    Err(Refusal {
        message,
        detail: json!({
            "undeclared": lacking.iter().map(|(r, d)| json!({
                "operationId": r.operation_id,
                "method": r.method,
                "path": r.path,
                "declared": d,
            })).collect::<Vec<_>>(),
            "declaredByAll": common,
        }),
    })
}

fn list_or_none(list: &[String]) -> String {
    if list.is_empty() {
        "no error status".into()
    } else {
        list.join(", ")
    }
}

/// A uniform in [0, 1) from the top 53 bits of a word.
fn unit(word: u64) -> f64 {
    (word >> 11) as f64 / (1u64 << 53) as f64
}

/// The standard normal quantile at 0.99: a log-normal's p99 is `exp(mu + Z99 * sigma)`.
const Z99: f64 = 2.326_347_874_040_841;

fn delay_of(delay: Delay, a: u64, b: u64) -> Duration {
    match delay {
        Delay::Fixed(ms) => Duration::from_millis(ms),
        Delay::LogNormal { p50, p99 } => {
            let mu = p50.ln();
            let sigma = (p99.ln() - mu) / Z99;
            // Box-Muller; the first uniform is taken in (0, 1] so its logarithm is finite.
            let u1 = ((a >> 11) + 1) as f64 / (1u64 << 53) as f64;
            let u2 = unit(b);
            let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            let ms = (mu + sigma * z).exp().clamp(0.0, MAX_DELAY_MS as f64);
            Duration::from_secs_f64(ms / 1000.0)
        }
    }
}

/// One injected fault, as `GET /sandbox/faults/log` shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub seq: u64,
    /// Sandbox time (the clock moved by `POST /sandbox/clock` included).
    pub at: String,
    pub rule: String,
    /// The request's position among those the rule matched (from 1).
    #[serde(rename = "match")]
    pub nth: u64,
    pub family: String,
    pub operation_id: String,
    pub method: String,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    pub fault: Value,
}

#[derive(Default)]
struct Log {
    entries: VecDeque<Entry>,
    next_seq: u64,
    dropped: u64,
}

struct Rules {
    list: Vec<Rule>,
    next_ordinal: u64,
}

/// What the fault stage knows of a routed request.
pub struct Request<'a> {
    pub family: &'a str,
    pub spec: &'a ApiSpec,
    pub op: &'a Operation,
    pub req: &'a Req,
    /// The request's subject as its family knows it; asked only when a rule names a document.
    pub subject: &'a dyn Fn() -> Option<String>,
    pub correlation: Option<&'a str>,
    pub now: DateTime<Utc>,
}

/// The fault rules of a sandbox, its injection log and the header switch.
pub struct Faults {
    /// Rules exist or the header is on: the only thing a request reads when neither holds.
    active: AtomicBool,
    header: bool,
    seed: u64,
    rules: Mutex<Rules>,
    /// The rules of `--faults`, compiled once: a reset brings them back.
    initial: Vec<Rule>,
    log: Mutex<Log>,
    /// Requests that carried the header, for their position in the log.
    header_count: AtomicU64,
}

impl Faults {
    /// The rules of `--faults`, checked against the served operations; an error names the rule.
    pub fn new(
        seed: u64,
        header: bool,
        initial: &[RuleSpec],
        catalog: &Catalog<'_>,
    ) -> Result<Faults, String> {
        if initial.len() > MAX_RULES {
            return Err(format!(
                "at most {MAX_RULES} fault rules, got {}",
                initial.len()
            ));
        }
        let initial = initial
            .iter()
            .enumerate()
            .map(|(i, r)| {
                Rule::compile(seed, i as u64 + 1, r.clone(), catalog)
                    .map_err(|e| format!("fault rule {}: {}", i + 1, e.message))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Faults {
            active: AtomicBool::new(header || !initial.is_empty()),
            header,
            seed,
            rules: Mutex::new(Rules {
                list: initial.clone(),
                next_ordinal: initial.len() as u64 + 1,
            }),
            initial,
            log: Mutex::new(Log::default()),
            header_count: AtomicU64::new(0),
        })
    }

    /// Whether a request must go through [`Faults::pick`].
    #[inline]
    pub fn active(&self) -> bool {
        self.active.load(Ordering::Relaxed)
    }

    pub fn header_enabled(&self) -> bool {
        self.header
    }

    fn refresh(&self, rules: &Rules) {
        self.active
            .store(self.header || !rules.list.is_empty(), Ordering::Relaxed);
    }

    /// Adds a rule; its view (id, reached operations) or why it is refused.
    pub fn add(&self, spec: RuleSpec, catalog: &Catalog<'_>) -> Result<Value, Refusal> {
        let Ok(mut rules) = self.rules.lock() else {
            return Err(Refusal::plain("the fault rules are unavailable"));
        };
        if rules.list.len() >= MAX_RULES {
            return Err(Refusal::plain(format!(
                "at most {MAX_RULES} fault rules at once; delete some first"
            )));
        }
        let rule = Rule::compile(self.seed, rules.next_ordinal, spec, catalog)?;
        rules.next_ordinal += 1;
        let view = rule.view();
        tracing::debug!(rule = %rule.id, spec = ?rule.spec, "fault rule added");
        rules.list.push(rule);
        self.refresh(&rules);
        Ok(view)
    }

    /// Every rule's view, in creation order.
    pub fn list(&self) -> Vec<Value> {
        self.rules
            .lock()
            .map(|r| r.list.iter().map(Rule::view).collect())
            .unwrap_or_default()
    }

    pub fn get(&self, id: &str) -> Option<Value> {
        self.rules
            .lock()
            .ok()?
            .list
            .iter()
            .find(|r| r.id == id)
            .map(Rule::view)
    }

    /// Removes a rule; its last view (its final counts), if it existed.
    pub fn remove(&self, id: &str) -> Option<Value> {
        let mut rules = self.rules.lock().ok()?;
        let at = rules.list.iter().position(|r| r.id == id)?;
        let rule = rules.list.remove(at);
        self.refresh(&rules);
        Some(rule.view())
    }

    /// Removes every rule; how many there were.
    pub fn clear(&self) -> usize {
        let Ok(mut rules) = self.rules.lock() else {
            return 0;
        };
        let n = rules.list.len();
        rules.list.clear();
        self.refresh(&rules);
        n
    }

    /// Back to the start: the `--faults` rules with their counters at zero, ordinals counted
    /// from them again (so the draws repeat those of a fresh sandbox), and an empty log.
    pub fn reset(&self) {
        if let Ok(mut rules) = self.rules.lock() {
            rules.list = self.initial.clone();
            rules.next_ordinal = self.initial.len() as u64 + 1;
            self.refresh(&rules);
        }
        if let Ok(mut log) = self.log.lock() {
            *log = Log::default();
        }
        self.header_count.store(0, Ordering::Relaxed);
    }

    /// The fault this request gets, if any. A malformed or undeclared `x-finsandbox-fault`
    /// header is a 400 the family renders.
    pub fn pick(&self, r: &Request<'_>) -> Result<Option<Injection>, Problem> {
        if self.header
            && let Some(value) = r.req.headers.get(HEADER)
        {
            let text = value.to_str().unwrap_or("");
            let fault = parse_header(text).and_then(|f| match f.status {
                Some(s) if declared(r.op, s).is_none() => Err(format!(
                    "{} does not declare {s}; it declares {}",
                    r.op.id,
                    list_or_none(&declared_errors(r.op))
                )),
                _ => Ok(f),
            });
            let fault = fault.map_err(|why| {
                Problem::of(
                    ProblemKind::InvalidParameter(ParamLocation::Header),
                    StatusCode::BAD_REQUEST,
                    format!("{HEADER}: {why}"),
                )
                .field(HEADER.as_str())
            })?;
            let injection = Injection {
                rule: HEADER_RULE.into(),
                status: fault.status.and_then(|s| StatusCode::from_u16(s).ok()),
                retry_after: fault.retry_after,
                delay: fault.delay_ms.map(|d| delay_of(d, 0, 0)),
                wire: if fault.reset {
                    Some(Wire::Reset)
                } else {
                    fault.truncate.map(Wire::Truncate)
                },
            };
            let nth = self.header_count.fetch_add(1, Ordering::Relaxed) + 1;
            self.record(r, &injection, nth, (r.subject)());
            return Ok(Some(injection));
        }
        let Ok(mut rules) = self.rules.lock() else {
            return Ok(None);
        };
        let key = (r.spec.index, r.op.index);
        let mut subject: Option<Option<String>> = None;
        for rule in rules.list.iter_mut() {
            if !rule.live() || rule.reach.binary_search_by_key(&key, |x| x.key).is_err() {
                continue;
            }
            if rule.glob.as_ref().is_some_and(|g| !g.matches(&r.req.path)) {
                continue;
            }
            if !rule.headers.iter().all(|(name, value)| {
                r.req
                    .headers
                    .get(name)
                    .is_some_and(|v| v.as_bytes() == value.as_bytes())
            }) {
                continue;
            }
            if let Some(doc) = &rule.document {
                let s =
                    subject.get_or_insert_with(|| (r.subject)().map(|s| crate::br::strip_mask(&s)));
                if s.as_deref() != Some(doc.as_str()) {
                    continue;
                }
            }
            let n = rule.matched;
            rule.matched += 1;
            let draws = rule.draws(n);
            if unit(draws[0]) >= rule.spec.probability {
                continue;
            }
            rule.hits += 1;
            let injection = rule.injection(draws);
            let document = subject.unwrap_or_else(|| (r.subject)());
            drop(rules);
            self.record(r, &injection, n + 1, document);
            return Ok(Some(injection));
        }
        Ok(None)
    }

    fn record(&self, r: &Request<'_>, injection: &Injection, nth: u64, document: Option<String>) {
        let fault = injection.describe();
        tracing::debug!(
            rule = %injection.rule,
            family = r.family,
            operation = %r.op.id,
            method = %r.req.method,
            path = %r.req.path,
            fault = %fault,
            "fault injected"
        );
        let Ok(mut log) = self.log.lock() else {
            return;
        };
        log.next_seq += 1;
        let entry = Entry {
            seq: log.next_seq,
            at: r.now.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            rule: injection.rule.clone(),
            nth,
            family: r.family.to_string(),
            operation_id: r.op.id.clone(),
            method: r.req.method.to_string(),
            path: r.req.path.clone(),
            document,
            correlation_id: r.correlation.map(str::to_string),
            fault,
        };
        if log.entries.len() >= LOG_CAPACITY {
            log.entries.pop_front();
            log.dropped += 1;
        }
        log.entries.push_back(entry);
    }

    /// The log entries `keep` accepts, oldest first: (total accepted, the page, entries dropped
    /// from the log for room).
    pub fn log_page(
        &self,
        keep: impl Fn(&Entry) -> bool,
        skip: usize,
        take: usize,
    ) -> (usize, Vec<Entry>, u64) {
        let Ok(log) = self.log.lock() else {
            return (0, Vec::new(), 0);
        };
        let mut total = 0;
        let mut page = Vec::new();
        for e in log.entries.iter().filter(|e| keep(e)) {
            if total >= skip && page.len() < take {
                page.push(e.clone());
            }
            total += 1;
        }
        (total, page, log.dropped)
    }
}

/// `x-finsandbox-fault`: `529`, `529; retry-after=5`, `delay=200`, `reset`, `truncate=100`,
/// parts separated by `;` or `,`.
pub fn parse_header(text: &str) -> Result<FaultSpec, String> {
    let mut fault = FaultSpec::default();
    let number = |k: &str, v: &str| {
        v.trim()
            .parse::<u64>()
            .map_err(|_| format!("{k} takes a whole number, got \"{}\"", printable(v)))
    };
    for part in text
        .split([';', ','])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match part.split_once('=') {
            None if part.eq_ignore_ascii_case("reset") => fault.reset = true,
            None => {
                fault.status = Some(part.parse::<u16>().map_err(|_| {
                    format!(
                        "\"{}\" is not a status, reset, delay=MS, truncate=BYTES or retry-after=S",
                        printable(part)
                    )
                })?);
            }
            Some((k, v)) => match k.trim().to_ascii_lowercase().as_str() {
                "delay" => fault.delay_ms = Some(Delay::Fixed(number(k, v)?)),
                "truncate" => {
                    fault.truncate = Some(usize::try_from(number(k, v)?).unwrap_or(usize::MAX))
                }
                "retry-after" => fault.retry_after = Some(number(k, v)?),
                other => return Err(format!("unknown part \"{}\"", printable(other))),
            },
        }
    }
    fault.check()?;
    Ok(fault)
}

fn printable(s: &str) -> String {
    super::pipeline::printable(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_read_as_faults() {
        assert_eq!(parse_header("529").unwrap().status, Some(529));
        let f = parse_header("429; retry-after=5").unwrap();
        assert_eq!((f.status, f.retry_after), (Some(429), Some(5)));
        assert_eq!(
            parse_header("delay=200").unwrap().delay_ms,
            Some(Delay::Fixed(200))
        );
        assert!(parse_header("reset").unwrap().reset);
        assert_eq!(parse_header("truncate=10").unwrap().truncate, Some(10));
        assert!(parse_header("503, delay=100").is_ok());
        assert!(parse_header("").is_err());
        assert!(parse_header("200").is_err());
        assert!(parse_header("reset; 500").is_err());
        assert!(parse_header("slow").is_err());
        assert!(parse_header("delay=soon").is_err());
    }

    #[test]
    fn fault_specs_refuse_what_makes_no_sense() {
        let parse = |v: Value| serde_json::from_value::<RuleSpec>(v).map_err(|e| e.to_string());
        let err =
            parse(json!({"match": {"operationID": "x"}, "fault": {"status": 500}})).unwrap_err();
        assert!(err.contains("unknown field `operationID`"), "{err}");
        let rule = parse(json!({"fault": {"delayMs": {"p50": 50, "p99": 800}}})).unwrap();
        assert_eq!(rule.probability, 1.0);
        assert!(rule.check().is_ok());
        let bad = |v: Value| parse(v).and_then(|r| r.check());
        assert!(bad(json!({"fault": {}})).is_err());
        assert!(bad(json!({"fault": {"status": 500}, "probability": 1.5})).is_err());
        assert!(bad(json!({"fault": {"status": 500}, "times": 0})).is_err());
        assert!(bad(json!({"fault": {"retryAfter": 5, "delayMs": 1}})).is_err());
        assert!(bad(json!({"fault": {"delayMs": {"p50": 800, "p99": 50}}})).is_err());
        assert!(bad(json!({"fault": {"delayMs": -1}})).is_err());
        assert!(bad(json!({"fault": {"delayMs": 200_000}})).is_err());
        assert!(bad(json!({"fault": {"status": 302}})).is_err());
        assert!(bad(json!({"fault": {"reset": true, "truncate": 3}})).is_err());
        assert!(bad(json!({"match": {"path": "/a\\"}, "fault": {"reset": true}})).is_err());
    }

    #[test]
    fn a_log_normal_delay_has_the_quantiles_asked_for() {
        let mut rng = crate::datagen::rng_for(7, "", "lognormal test");
        let d = Delay::LogNormal {
            p50: 50.0,
            p99: 800.0,
        };
        let mut ms: Vec<f64> = (0..20_000)
            .map(|_| delay_of(d, rng.next_u64(), rng.next_u64()).as_secs_f64() * 1000.0)
            .collect();
        ms.sort_by(f64::total_cmp);
        let p50 = ms[ms.len() / 2];
        let p99 = ms[ms.len() * 99 / 100];
        assert!((45.0..55.0).contains(&p50), "p50 {p50}");
        assert!((650.0..950.0).contains(&p99), "p99 {p99}");
    }

    #[test]
    fn files_hold_a_list_or_a_rules_key_and_name_the_bad_rule() {
        let list =
            parse_file("f.yaml", "- fault: {status: 529}\n- fault: {reset: true}\n").unwrap();
        assert_eq!(list.len(), 2);
        let keyed = parse_file("f.yaml", "rules:\n  - fault: {delayMs: 5}\n").unwrap();
        assert_eq!(keyed.len(), 1);
        assert!(parse_file("f.yaml", "").unwrap().is_empty());
        let err = parse_file("f.yaml", "- fault: {status: 529}\n- fault: {}\n").unwrap_err();
        assert!(err.starts_with("f.yaml: rule 2:"), "{err}");
    }
}
