//! The harness's HTTP client: every exchange is kept whole (request and response, headers and
//! bodies) so a failing step can show the evidence it judged. What it reads from a target is
//! bounded by the run's [`Limits`]: bytes of the head and the body, time per request and per
//! scenario.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::limits::{self, EVIDENCE_BYTES, Limits};
use super::report::{Exchange, HttpRequestRecord, HttpResponseRecord};
use super::target::TlsConfig;

#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    extra_headers: Vec<(String, String)>,
    limits: Limits,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient").finish_non_exhaustive()
    }
}

/// A response, already read.
#[derive(Debug, Clone)]
pub struct Sent {
    pub method: String,
    pub url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as received; `text` is its lossy UTF-8 reading.
    pub body: bytes::Bytes,
    pub text: String,
    pub json: Option<Value>,
    /// Why the body was not read as JSON, when it was not.
    pub json_error: Option<JsonProblem>,
    pub exchange: Exchange,
    /// Request headers as sent (for the echo checks).
    pub request_headers: Vec<(String, String)>,
}

/// Why a body was not read as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonProblem {
    /// It is not JSON: not UTF-8, empty, or a syntax error.
    Invalid(String),
    /// It may be JSON, but holds more values than the harness builds a tree of: nothing in the
    /// harness should parse it (a judge given these bytes would build the tree anyway).
    TooManyValues(String),
}

impl std::fmt::Display for JsonProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsonProblem::Invalid(m) | JsonProblem::TooManyValues(m) => f.write_str(m),
        }
    }
}

impl Sent {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn request_header(&self, name: &str) -> Option<&str> {
        self.request_headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The URL path (no scheme, host or query).
    pub fn path(&self) -> String {
        url_path(&self.url)
    }
}

pub fn url_path(url: &str) -> String {
    let after_scheme = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let path = after_scheme
        .find('/')
        .map(|i| &after_scheme[i..])
        .unwrap_or("/");
    path.split(['?', '#']).next().unwrap_or("/").to_string()
}

fn clip(s: &str) -> String {
    if s.len() <= EVIDENCE_BYTES {
        return s.to_string();
    }
    let mut end = EVIDENCE_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &s[..end], s.len())
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error("TLS configuration: {0}")]
    Tls(String),
}

impl HttpClient {
    /// Builds the client. `resolve` pins host names to loopback addresses (the embedded sandbox
    /// publishes a dotted host in its links, which v1's link pattern requires).
    pub fn new(
        tls: &TlsConfig,
        extra_headers: Vec<(String, String)>,
        resolve: &[(String, std::net::SocketAddr)],
        limits: Limits,
    ) -> Result<HttpClient, ClientError> {
        // reqwest is built without a bundled crypto provider: ring is installed once per process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // No reqwest timeout: `send_within` keeps its own deadline, so it can tell a target that
        // never answered from one whose body stalled, and keep what arrived as evidence.
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(limits.request_timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none());
        for (host, addr) in resolve {
            builder = builder.resolve(host, *addr);
        }
        let read = |p: &std::path::Path| {
            std::fs::read(p).map_err(|e| ClientError::Read {
                path: p.display().to_string(),
                message: e.to_string(),
            })
        };
        if let Some(cert) = &tls.client_cert {
            let mut pem = read(cert)?;
            if let Some(key) = &tls.client_key {
                pem.push(b'\n');
                pem.extend(read(key)?);
            }
            let identity =
                reqwest::Identity::from_pem(&pem).map_err(|e| ClientError::Tls(e.to_string()))?;
            builder = builder.identity(identity);
        }
        if let Some(ca) = &tls.ca_cert {
            let cert = reqwest::Certificate::from_pem(&read(ca)?)
                .map_err(|e| ClientError::Tls(e.to_string()))?;
            builder = builder.add_root_certificate(cert);
        }
        if tls.insecure {
            builder = builder.danger_accept_invalid_certs(true);
        }
        let inner = builder
            .build()
            .map_err(|e| ClientError::Tls(e.to_string()))?;
        Ok(HttpClient {
            inner,
            extra_headers,
            limits,
        })
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Sends a request and reads the whole answer within the run's limits. Transport failures,
    /// and answers past a limit, come back as `Err` with a message and the evidence (the request,
    /// and what arrived of the response).
    pub async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<Sent, (String, Exchange)> {
        self.send_within(method, url, headers, body, None).await
    }

    /// [`Self::send`] that also ends at `scenario_deadline`, when that comes before the request's
    /// own time limit.
    pub async fn send_within(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<(&str, Vec<u8>)>,
        scenario_deadline: Option<Instant>,
    ) -> Result<Sent, (String, Exchange)> {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut all_headers: Vec<(String, String)> = self.extra_headers.clone();
        all_headers.extend(headers.iter().cloned());
        let mut req = self.inner.request(m, url);
        for (k, v) in &all_headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let body_text = body
            .as_ref()
            .map(|(_, b)| clip(&String::from_utf8_lossy(b)));
        if let Some((ct, bytes)) = body {
            if !ct.is_empty() {
                all_headers.push(("content-type".into(), ct.to_string()));
                req = req.header("content-type", ct);
            }
            req = req.body(bytes);
        }
        let request = HttpRequestRecord {
            method: method.to_string(),
            url: url.to_string(),
            headers: all_headers.clone(),
            body: body_text,
        };
        let unanswered = |message: String, request: HttpRequestRecord| {
            Err((
                message,
                Exchange {
                    request,
                    response: None,
                },
            ))
        };

        let limit = Deadline::new(&self.limits, scenario_deadline);
        if limit.scenario_over() {
            return unanswered(
                format!(
                    "not sent: the scenario has used up its time limit of {} (--scenario-timeout)",
                    limits::format_seconds(self.limits.scenario_timeout)
                ),
                request,
            );
        }
        let response = match tokio::time::timeout_at(limit.at, req.send()).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => return unanswered(describe_transport_error(&e), request),
            Err(_) => {
                return unanswered(
                    format!("the target did not answer within {}", limit.describe()),
                    request,
                );
            }
        };
        let status = response.status().as_u16();
        let cap = self.limits.max_response_bytes;
        let head = limits::head_size(response.headers());
        if head > cap {
            return Err((
                format!(
                    "the response headers are larger than {} (limit {}, --max-response-bytes): {head} bytes",
                    limits::format_bytes(cap),
                    limits::format_bytes(cap),
                ),
                Exchange {
                    request,
                    response: Some(HttpResponseRecord {
                        status,
                        headers: limits::head_evidence(response.headers()),
                        body: None,
                    }),
                },
            ));
        }
        // Every field for the checks (the head is within the cap), a readable share for reports.
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let evidence_headers = limits::head_evidence(response.headers());
        let read = limits::read_body(reqwest::Body::from(response), cap, Some(limit.at)).await;
        if let Some(problem) = read.problem(cap, &limit.describe()) {
            let start = String::from_utf8_lossy(&read.bytes);
            return Err((
                problem,
                Exchange {
                    request,
                    response: Some(HttpResponseRecord {
                        status,
                        headers: evidence_headers,
                        body: (!start.is_empty()).then(|| clip(&start)),
                    }),
                },
            ));
        }
        // Bytes kept as they came: the judge's media check needs them unaltered (a PNG is not
        // UTF-8).
        let body = read.bytes;
        let (text, json, json_error) = decode(&body, &self.limits);
        let exchange = Exchange {
            request,
            response: Some(HttpResponseRecord {
                status,
                headers: evidence_headers,
                body: (!text.is_empty()).then(|| clip(&text)),
            }),
        };
        Ok(Sent {
            method: method.to_string(),
            url: url.to_string(),
            status,
            headers,
            body,
            text,
            json,
            json_error,
            exchange,
            request_headers: all_headers,
        })
    }
}

/// When a request must be over: its own time limit, or the scenario's when that comes first.
struct Deadline {
    at: Instant,
    request_timeout: Duration,
    scenario: Option<(Instant, Duration)>,
}

impl Deadline {
    fn new(limits: &Limits, scenario_deadline: Option<Instant>) -> Deadline {
        let own = Instant::now() + limits.request_timeout;
        let scenario = scenario_deadline
            .filter(|s| *s < own)
            .map(|s| (s, limits.scenario_timeout));
        Deadline {
            at: scenario.map(|(s, _)| s).unwrap_or(own),
            request_timeout: limits.request_timeout,
            scenario,
        }
    }

    fn scenario_over(&self) -> bool {
        self.scenario.is_some_and(|(s, _)| s <= Instant::now())
    }

    /// The limit that applies, as a user would change it.
    fn describe(&self) -> String {
        match self.scenario {
            Some((_, whole)) => format!(
                "{}, the time limit of the scenario (--scenario-timeout)",
                limits::format_seconds(whole)
            ),
            None => format!(
                "{}, the time limit of one request (--timeout)",
                limits::format_seconds(self.request_timeout)
            ),
        }
    }
}

/// The body as text (lossy when it is not UTF-8) and as JSON when it is JSON, refusing to build a
/// tree much larger than the byte cap.
fn decode(bytes: &[u8], limits: &Limits) -> (String, Option<Value>, Option<JsonProblem>) {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_owned(),
        Err(e) => {
            let at = e.valid_up_to();
            let error = format!("the body is not valid UTF-8 (first invalid byte at offset {at})");
            let text = String::from_utf8_lossy(bytes).into_owned();
            return (text, None, Some(JsonProblem::Invalid(error)));
        }
    };
    if text.trim().is_empty() {
        return (
            text,
            None,
            Some(JsonProblem::Invalid("the body is empty".into())),
        );
    }
    let values = limits::json_values_upper_bound(text.as_bytes());
    if values > limits.max_json_values() {
        let error = format!(
            "the body holds up to {values} JSON values, more than the harness parses ({} with a {} limit, --max-response-bytes)",
            limits.max_json_values(),
            limits::format_bytes(limits.max_response_bytes)
        );
        return (text, None, Some(JsonProblem::TooManyValues(error)));
    }
    match serde_json::from_str(&text) {
        Ok(v) => (text, Some(v), None),
        Err(e) => (
            text,
            None,
            Some(JsonProblem::Invalid(format!("invalid JSON: {e}"))),
        ),
    }
}

fn describe_transport_error(e: &reqwest::Error) -> String {
    if e.is_connect() {
        return format!("cannot connect to the target: {}", limits::error_chain(e));
    }
    let message = limits::error_chain(e);
    // hyper's own cap on a response head (about 400 KiB or 100 fields) is reached before ours.
    if message.contains("message head is too large") {
        return format!(
            "the response headers are too large for the harness (over 100 fields or about 400 KiB): {message}"
        );
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_path_drops_scheme_host_and_query() {
        assert_eq!(url_path("http://h:1/a/b?page=2"), "/a/b");
        assert_eq!(url_path("https://h.example"), "/");
        assert_eq!(url_path("/x/y#z"), "/x/y");
    }

    #[test]
    fn bodies_are_decoded_with_the_reason_they_are_not_json() {
        let limits = Limits::default();
        let (_, json, err) = decode(br#"{"data": [1, 2]}"#, &limits);
        assert_eq!(json, Some(serde_json::json!({"data": [1, 2]})));
        assert_eq!(err, None);
        let (text, json, err) = decode(b"{\"a\": \"\xff\"}", &limits);
        assert!(json.is_none() && text.contains('\u{fffd}'));
        assert_eq!(
            err,
            Some(JsonProblem::Invalid(
                "the body is not valid UTF-8 (first invalid byte at offset 7)".into()
            ))
        );
        let (_, _, err) = decode(b"{\"a\": ", &limits);
        assert!(
            err.unwrap()
                .to_string()
                .starts_with("invalid JSON: EOF while parsing")
        );
    }

    #[test]
    fn dense_json_is_not_parsed_past_the_value_limit() {
        let limits = Limits {
            max_response_bytes: 64 * 1024,
            ..Limits::default()
        };
        // 4096 values are allowed at 64 KiB; a 20 KB array of zeros holds 10 000 (counted as 10 001).
        let dense = format!("[{}0]", "0,".repeat(9_999));
        let (_, json, err) = decode(dense.as_bytes(), &limits);
        assert!(json.is_none());
        let Some(JsonProblem::TooManyValues(err)) = err else {
            panic!("{err:?}")
        };
        assert!(
            err.contains("holds up to 10001 JSON values, more than the harness parses (4096 with a 64 KiB limit"),
            "{err}"
        );
        // The same number of values with room for them in the cap is parsed.
        let roomy = Limits {
            max_response_bytes: 16 * 10_001,
            ..Limits::default()
        };
        assert!(decode(dense.as_bytes(), &roomy).1.is_some());
    }

    #[test]
    fn long_bodies_are_clipped_on_a_char_boundary() {
        let s = "é".repeat(EVIDENCE_BYTES);
        let c = clip(&s);
        assert!(c.len() < s.len());
        assert!(c.ends_with("bytes in all)"));
    }
}
