//! Webhooks: the configurations clients register (`POST /bankly/webhooks/configurations`), one
//! signed delivery per event and configuration, retries with exponential backoff, and the log of
//! every attempt (`GET /sandbox/bankly/webhooks/deliveries`).
//!
//! Signature: `x-bankly-signature: sha256=<hex>` where hex is the lowercase HMAC-SHA256 of the raw
//! body, keyed with the UTF-8 bytes of the configuration's `privateKey` as registered. Other headers:
//! `x-bankly-event`, `x-bankly-delivery-id` (stable across retries), `x-bankly-attempt` (from 1),
//! `x-bankly-public-key`. The vendor's own scheme is not public; this one is easy to verify in any
//! language and is described in the spec's callback.
//!
//! Events are queued while the KYC state lock is held, so their order is the order of the
//! transitions; the background task sends them without holding any lock.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration as StdDuration, Instant};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use hyper::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::Sha256;

use super::kyc::Event;
use super::{ApiError, millis, validate};
use crate::sandbox::App;
use crate::sandbox::http::{self, HttpResponse, Req};
use crate::spec::Operation;

pub const MAX_CONFIGURATIONS: usize = 100;
/// Deliveries waiting (first try or retry); beyond this the oldest is dropped and logged as such.
const MAX_QUEUE: usize = 10_000;
/// Attempts remembered by the deliveries log.
const MAX_LOG: usize = 10_000;

#[derive(Debug, Clone)]
pub struct Configuration {
    pub id: String,
    pub name: String,
    pub context: String,
    pub event_name: String,
    pub uri: String,
    pub private_key: String,
    pub public_key: String,
    pub created_at: DateTime<Utc>,
}

/// One event on its way to one configuration.
#[derive(Debug, Clone)]
pub struct Job {
    pub delivery_id: String,
    pub event_id: String,
    pub event_name: &'static str,
    pub document: String,
    pub configuration_id: String,
    pub url: String,
    pub public_key: String,
    pub body: Bytes,
    pub signature: String,
    /// The attempt this job will make, from 1.
    pub attempt: u32,
    pub not_before: Instant,
    /// Reset generation the job belongs to; results of jobs from before a reset are dropped.
    generation: u64,
}

/// One attempt, as the deliveries log shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub delivery_id: String,
    pub event_id: String,
    pub event_name: &'static str,
    pub document_number: String,
    pub configuration_id: String,
    pub url: String,
    pub attempt: u32,
    pub max_attempts: u32,
    /// Sandbox clock.
    pub attempted_at: String,
    pub duration_ms: u64,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    /// `Success` or `Failed` (the vendor's delivery states).
    pub state: &'static str,
    pub will_retry: bool,
    pub next_attempt_in_ms: Option<u64>,
    pub signature: String,
}

/// What came of sending a job.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration: StdDuration,
}

impl Outcome {
    fn success(&self) -> bool {
        self.error.is_none() && self.status_code.is_some_and(|c| (200..300).contains(&c))
    }
}

pub struct Webhooks {
    configurations: RwLock<Vec<Configuration>>,
    queue: Mutex<VecDeque<Job>>,
    log: Mutex<VecDeque<Attempt>>,
    generation: AtomicU64,
    /// Wakes the background task when something is queued.
    pub notify: tokio::sync::Notify,
    retry_base: StdDuration,
    max_attempts: u32,
}

type HmacSha256 = Hmac<Sha256>;

/// `sha256=<hex>` of `body` keyed with `key`.
pub fn sign(key: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

impl Webhooks {
    pub fn new(retry_base: StdDuration, max_attempts: u32) -> Webhooks {
        Webhooks {
            configurations: RwLock::new(Vec::new()),
            queue: Mutex::new(VecDeque::new()),
            log: Mutex::new(VecDeque::new()),
            generation: AtomicU64::new(0),
            notify: tokio::sync::Notify::new(),
            retry_base,
            max_attempts: max_attempts.max(1),
        }
    }

    pub fn reset(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut c) = self.configurations.write() {
            c.clear();
        }
        if let Ok(mut q) = self.queue.lock() {
            q.clear();
        }
        if let Ok(mut l) = self.log.lock() {
            l.clear();
        }
    }

    pub fn configurations(&self) -> Vec<Configuration> {
        self.configurations
            .read()
            .map(|c| c.clone())
            .unwrap_or_default()
    }

    /// One page of the delivery log, oldest first, among the attempts `keep` accepts, and how many
    /// it accepts in all. Only the page is copied out of the log.
    pub fn attempts_page(
        &self,
        keep: impl Fn(&Attempt) -> bool,
        skip: usize,
        take: usize,
    ) -> (usize, Vec<Attempt>) {
        let Ok(log) = self.log.lock() else {
            return (0, Vec::new());
        };
        let mut total = 0;
        let mut page = Vec::with_capacity(take.min(log.len()));
        for a in log.iter().filter(|a| keep(a)) {
            if total >= skip && page.len() < take {
                page.push(a.clone());
            }
            total += 1;
        }
        (total, page)
    }

    pub fn pending(&self) -> usize {
        self.queue.lock().map(|q| q.len()).unwrap_or(0)
    }

    /// Queues one delivery per event and matching configuration, and wakes the sender.
    pub fn enqueue(&self, events: &[Event]) {
        if events.is_empty() {
            return;
        }
        let configurations = self.configurations();
        let generation = self.generation.load(Ordering::SeqCst);
        let now = Instant::now();
        let mut jobs = Vec::new();
        for event in events {
            let targets: Vec<&Configuration> = configurations
                .iter()
                .filter(|c| c.event_name == event.name)
                .collect();
            if targets.is_empty() {
                continue;
            }
            let event_id = uuid::Uuid::new_v4().to_string();
            let body =
                Bytes::from(serde_json::to_vec(&payload(&event_id, event)).unwrap_or_default());
            for c in targets {
                jobs.push(Job {
                    delivery_id: uuid::Uuid::new_v4().to_string(),
                    event_id: event_id.clone(),
                    event_name: event.name,
                    document: event.document.clone(),
                    configuration_id: c.id.clone(),
                    url: c.uri.clone(),
                    public_key: c.public_key.clone(),
                    signature: sign(&c.private_key, &body),
                    body: body.clone(),
                    attempt: 1,
                    not_before: now,
                    generation,
                });
            }
        }
        if jobs.is_empty() {
            return;
        }
        let mut dropped = Vec::new();
        if let Ok(mut q) = self.queue.lock() {
            for job in jobs {
                if q.len() >= MAX_QUEUE
                    && let Some(old) = q.pop_front()
                {
                    dropped.push(old);
                }
                q.push_back(job);
            }
        }
        for job in dropped {
            tracing::warn!(delivery = %job.delivery_id, "webhook queue full: delivery dropped");
            self.log_attempt(
                &job,
                None,
                Some("dropped: the delivery queue is full".into()),
                0,
                false,
                None,
                "",
            );
        }
        self.notify.notify_one();
    }

    /// Takes up to `limit` jobs whose time has come.
    pub fn take_due(&self, now: Instant, limit: usize) -> Vec<Job> {
        let Ok(mut q) = self.queue.lock() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut i = 0;
        while i < q.len() && out.len() < limit {
            if q[i].not_before <= now {
                if let Some(job) = q.remove(i) {
                    out.push(job);
                }
            } else {
                i += 1;
            }
        }
        out
    }

    /// How long until the next queued job is due (None: nothing queued).
    pub fn next_wake(&self, now: Instant) -> Option<StdDuration> {
        let q = self.queue.lock().ok()?;
        q.iter()
            .map(|j| j.not_before.saturating_duration_since(now))
            .min()
    }

    /// Records an attempt and schedules the retry a failure earns.
    pub fn finish(&self, mut job: Job, outcome: Outcome, at: DateTime<Utc>) {
        if job.generation != self.generation.load(Ordering::SeqCst) {
            return;
        }
        let success = outcome.success();
        let retry = !success && job.attempt < self.max_attempts;
        let backoff = retry.then(|| self.backoff(job.attempt));
        self.log_attempt(
            &job,
            outcome.status_code,
            outcome.error.clone(),
            u64::try_from(outcome.duration.as_millis()).unwrap_or(u64::MAX),
            success,
            backoff,
            &millis(at),
        );
        if let Some(wait) = backoff {
            job.attempt += 1;
            job.not_before = Instant::now() + wait;
            if let Ok(mut q) = self.queue.lock() {
                q.push_back(job);
            }
            self.notify.notify_one();
        }
    }

    /// `base`, `2 × base`, `4 × base`, ... after the 1st, 2nd, 3rd failure.
    fn backoff(&self, failed_attempt: u32) -> StdDuration {
        let factor = 1u32 << failed_attempt.saturating_sub(1).min(16);
        self.retry_base.saturating_mul(factor)
    }

    #[allow(clippy::too_many_arguments)]
    fn log_attempt(
        &self,
        job: &Job,
        status_code: Option<u16>,
        error: Option<String>,
        duration_ms: u64,
        success: bool,
        retry_in: Option<StdDuration>,
        at: &str,
    ) {
        let attempt = Attempt {
            delivery_id: job.delivery_id.clone(),
            event_id: job.event_id.clone(),
            event_name: job.event_name,
            document_number: job.document.clone(),
            configuration_id: job.configuration_id.clone(),
            url: job.url.clone(),
            attempt: job.attempt,
            max_attempts: self.max_attempts,
            attempted_at: at.to_string(),
            duration_ms,
            status_code,
            error,
            state: if success { "Success" } else { "Failed" },
            will_retry: retry_in.is_some(),
            next_attempt_in_ms: retry_in.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            signature: job.signature.clone(),
        };
        if let Ok(mut log) = self.log.lock() {
            if log.len() >= MAX_LOG {
                log.pop_front();
            }
            log.push_back(attempt);
        }
    }
}

/// The event body (finsandbox's shape; see `CustomerEvent` in the spec).
fn payload(event_id: &str, event: &Event) -> Value {
    json!({
        "id": event_id,
        "eventName": event.name,
        "context": "Customer",
        "timestamp": millis(event.at),
        "data": {
            "documentNumber": event.document,
            "document": {"value": event.document, "type": "CPF"},
            "status": event.status.as_str(),
            "previousStatus": event.previous.map(|s| s.as_str()),
            "profile": event.profile,
            "reasons": event.reasons,
        }
    })
}

/// Sends one job. Only the registered URL is ever called.
pub async fn send(client: &reqwest::Client, job: &Job) -> Outcome {
    let started = Instant::now();
    let result = client
        .post(&job.url)
        .header("content-type", "application/json")
        .header("x-bankly-signature", &job.signature)
        .header("x-bankly-event", job.event_name)
        .header("x-bankly-delivery-id", &job.delivery_id)
        .header("x-bankly-attempt", job.attempt.to_string())
        .header("x-bankly-public-key", &job.public_key)
        .body(job.body.clone())
        .send()
        .await;
    let (status_code, error) = match result {
        Ok(response) => {
            let code = response.status().as_u16();
            let error =
                (!(200..300).contains(&code)).then(|| format!("the receiver answered {code}"));
            (Some(code), error)
        }
        Err(e) => (None, Some(describe(&e))),
    };
    Outcome {
        status_code,
        error,
        duration: started.elapsed(),
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout: the receiver did not answer in time".into()
    } else if e.is_connect() {
        "connection failed: nothing accepted the connection".into()
    } else {
        format!("request failed: {e}")
    }
}

/// The HTTP client deliveries use: bounded time per attempt, no redirects (a redirect would send
/// the signed event somewhere the client never registered).
pub fn client(timeout: StdDuration) -> Option<reqwest::Client> {
    // reqwest is built without a default crypto provider; https receivers need one installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    match reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::error!(error = %e, "cannot build the webhook HTTP client; deliveries will fail");
            None
        }
    }
}

/// `POST /bankly/webhooks/configurations`.
pub fn create_configuration(
    app: &App,
    op: &Operation,
    req: &Req,
) -> Result<HttpResponse, ApiError> {
    let body = super::json_body(op, req)?;
    let mut errors = validate::FieldErrors::default();
    if let Some(rb) = &op.request_body {
        validate::schema_errors(&rb.validator, &body, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let field = |name: &str| body[name].as_str().unwrap_or_default().to_string();
    let configuration = Configuration {
        id: uuid::Uuid::new_v4().to_string(),
        name: field("name"),
        context: field("context"),
        event_name: field("eventName"),
        uri: field("uri"),
        private_key: field("privateKey"),
        public_key: field("publicKey"),
        created_at: app.clock.now(),
    };
    {
        let Ok(mut list) = app.bankly.webhooks.configurations.write() else {
            return Err(ApiError::internal());
        };
        if list
            .iter()
            .any(|c| c.event_name == configuration.event_name && c.uri == configuration.uri)
        {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "CONFLICT",
                "uri",
                format!(
                    "Esta URL já está registrada para o evento {}.",
                    configuration.event_name
                ),
            ));
        }
        if list.len() >= MAX_CONFIGURATIONS {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "CONFLICT",
                "",
                format!(
                    "Limite de {MAX_CONFIGURATIONS} configurações de webhook atingido (POST /sandbox/reset recomeça)."
                ),
            ));
        }
        list.push(configuration.clone());
    }
    let body = json!({
        "data": {
            "id": configuration.id,
            "name": configuration.name,
            "context": configuration.context,
            "eventName": configuration.event_name,
            "uri": configuration.uri,
            "publicKey": configuration.public_key,
        },
        "links": [],
    });
    Ok(http::json_response(
        StatusCode::CREATED,
        "application/json",
        &body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hex_hmac_sha256_of_the_raw_body() {
        // RFC 4231 test case 2.
        let sig = sign("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn backoff_doubles_from_the_base() {
        let w = Webhooks::new(StdDuration::from_millis(50), 5);
        assert_eq!(w.backoff(1), StdDuration::from_millis(50));
        assert_eq!(w.backoff(2), StdDuration::from_millis(100));
        assert_eq!(w.backoff(4), StdDuration::from_millis(400));
    }
}
