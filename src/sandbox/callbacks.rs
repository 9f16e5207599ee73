//! Outbound deliveries (webhooks, callbacks) for every family: a family hands over a body, the
//! URL and method the client registered, its headers and an optional signing hook; this service
//! sends it, retries a failure on the family's schedule **on the sandbox clock** (so moving the
//! clock forward brings retries forward, like every other expiry), and keeps a bounded log of every
//! attempt that the family's control route `/sandbox/<family>/deliveries` shows.
//!
//! Deliveries are sent by the server's background task ([`run`]) without holding any lock; the
//! order of a family's deliveries is the order it enqueued them.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::task::JoinSet;

use super::clock::Clock;

/// Deliveries waiting (first try or retry); beyond this the oldest is dropped and logged as such.
const MAX_QUEUE: usize = 10_000;
/// Attempts remembered by the log, all families together.
const MAX_LOG: usize = 20_000;
/// Attempts in flight at once.
const MAX_IN_FLIGHT: usize = 32;

/// Computes the headers that prove where a delivery comes from (an HMAC of the body, say), given
/// the body and the attempt number (from 1).
pub type Signer = Arc<dyn Fn(&[u8], u32) -> Vec<(String, String)> + Send + Sync>;

/// One body on its way to one receiver.
#[derive(Clone)]
pub struct Delivery {
    /// The delivery's id, stable across retries (a family may send it in a header); empty for
    /// one the service makes up.
    pub id: String,
    /// The family whose log shows it.
    pub family: &'static str,
    pub url: String,
    /// `POST` or `PUT`.
    pub method: hyper::Method,
    /// Headers sent with every attempt (the client's own, the event name, ...).
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub signer: Option<Signer>,
    /// Waits after the 1st, 2nd, ... failed attempt; when they run out the delivery is failed.
    pub retries: Vec<StdDuration>,
    /// Time a receiver gets to answer one attempt.
    pub timeout: StdDuration,
    /// What the family wants to filter and show the delivery by (`documentNumber`, `eventName`,
    /// `verificationId`, ...): merged into each log entry.
    pub labels: Map<String, Value>,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("family", &self.family)
            .field("url", &self.url)
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

/// A delivery in the queue.
#[derive(Debug, Clone)]
struct Job {
    id: String,
    delivery: Delivery,
    /// The attempt this job will make, from 1.
    attempt: u32,
    /// Sandbox time (full precision) from which it may be sent.
    due: DateTime<Utc>,
    /// Reset generation; results of jobs from before a reset are dropped.
    generation: u64,
}

/// One attempt, as the deliveries log shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub delivery_id: String,
    pub family: &'static str,
    pub url: String,
    pub method: String,
    pub attempt: u32,
    pub max_attempts: u32,
    /// Sandbox clock, milliseconds.
    pub attempted_at: String,
    pub duration_ms: u64,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    /// `Success` or `Failed`.
    pub state: &'static str,
    pub will_retry: bool,
    /// Sandbox time of the next attempt.
    pub next_attempt_at: Option<String>,
    /// Sandbox milliseconds until the next attempt, as scheduled.
    pub next_attempt_in_ms: Option<u64>,
    #[serde(flatten)]
    pub labels: Map<String, Value>,
}

/// What came of one attempt.
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

/// The delivery service of a running sandbox.
#[derive(Default)]
pub struct Callbacks {
    queue: Mutex<VecDeque<Job>>,
    log: Mutex<VecDeque<Attempt>>,
    generation: AtomicU64,
    /// Wakes the sender when something is queued.
    notify: Arc<tokio::sync::Notify>,
}

fn millis(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

impl Callbacks {
    /// Queues a delivery for its first attempt now, and wakes the sender.
    pub fn enqueue(&self, clock: &Clock, delivery: Delivery) -> String {
        let id = if delivery.id.is_empty() {
            uuid::Uuid::new_v4().to_string()
        } else {
            delivery.id.clone()
        };
        let job = Job {
            id: id.clone(),
            delivery,
            attempt: 1,
            due: clock.precise_now(),
            generation: self.generation.load(Ordering::SeqCst),
        };
        let dropped = match self.queue.lock() {
            Ok(mut q) => {
                let old = (q.len() >= MAX_QUEUE).then(|| q.pop_front()).flatten();
                q.push_back(job);
                old
            }
            Err(_) => None,
        };
        if let Some(old) = dropped {
            tracing::warn!(delivery = %old.id, "delivery queue full: the oldest delivery dropped");
            let outcome = Outcome {
                status_code: None,
                error: Some("dropped: the delivery queue is full".into()),
                duration: StdDuration::ZERO,
            };
            self.record(&old, &outcome, clock.precise_now(), None);
        }
        self.notify.notify_one();
        id
    }

    /// Forgets a family's queued deliveries and log (every family's with `None`).
    pub fn reset(&self, family: Option<&str>) {
        let keep = |f: &str| family.is_some_and(|x| x != f);
        if family.is_none() {
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
        if let Ok(mut q) = self.queue.lock() {
            q.retain(|j| keep(j.delivery.family));
        }
        if let Ok(mut l) = self.log.lock() {
            l.retain(|a| keep(a.family));
        }
    }

    /// Deliveries of `family` still waiting for an attempt.
    pub fn pending(&self, family: &str) -> usize {
        self.queue
            .lock()
            .map(|q| q.iter().filter(|j| j.delivery.family == family).count())
            .unwrap_or(0)
    }

    /// The attempts of `family` that `keep` accepts, oldest first: `(total matching, page)`.
    /// The page is copied out; the whole log never is.
    pub fn attempts(
        &self,
        family: &str,
        keep: impl Fn(&Attempt) -> bool,
        skip: usize,
        take: usize,
    ) -> (usize, Vec<Attempt>) {
        let Ok(log) = self.log.lock() else {
            return (0, Vec::new());
        };
        let mut total = 0;
        let mut page = Vec::new();
        for a in log.iter().filter(|a| a.family == family && keep(a)) {
            if total >= skip && page.len() < take {
                page.push(a.clone());
            }
            total += 1;
        }
        (total, page)
    }

    fn take_due(&self, now: DateTime<Utc>, limit: usize) -> Vec<Job> {
        let Ok(mut q) = self.queue.lock() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut i = 0;
        while i < q.len() && out.len() < limit {
            if q[i].due <= now {
                if let Some(job) = q.remove(i) {
                    out.push(job);
                }
            } else {
                i += 1;
            }
        }
        out
    }

    /// Sandbox time until the next queued job is due (None: nothing queued).
    fn next_due(&self, now: DateTime<Utc>) -> Option<StdDuration> {
        let q = self.queue.lock().ok()?;
        q.iter()
            .map(|j| (j.due - now).to_std().unwrap_or(StdDuration::ZERO))
            .min()
    }

    /// Records an attempt and schedules the retry a failure earns.
    fn finish(&self, clock: &Clock, mut job: Job, outcome: Outcome) {
        if job.generation != self.generation.load(Ordering::SeqCst) {
            return;
        }
        let now = clock.precise_now();
        let success = outcome.success();
        let wait = if success {
            None
        } else {
            job.delivery.retries.get(job.attempt as usize - 1).copied()
        };
        self.record(&job, &outcome, now, wait);
        if let Some(wait) = wait {
            job.attempt += 1;
            job.due = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::zero());
            if let Ok(mut q) = self.queue.lock() {
                q.push_back(job);
            }
            self.notify.notify_one();
        }
    }

    fn record(
        &self,
        job: &Job,
        outcome: &Outcome,
        at: DateTime<Utc>,
        retry_in: Option<StdDuration>,
    ) {
        let d = &job.delivery;
        let attempt = Attempt {
            delivery_id: job.id.clone(),
            family: d.family,
            url: d.url.clone(),
            method: d.method.to_string(),
            attempt: job.attempt,
            max_attempts: d.retries.len() as u32 + 1,
            attempted_at: millis(at),
            duration_ms: u64::try_from(outcome.duration.as_millis()).unwrap_or(u64::MAX),
            status_code: outcome.status_code,
            error: outcome.error.clone(),
            state: if outcome.success() {
                "Success"
            } else {
                "Failed"
            },
            will_retry: retry_in.is_some(),
            next_attempt_at: retry_in.map(|w| {
                millis(at + chrono::Duration::from_std(w).unwrap_or(chrono::Duration::zero()))
            }),
            next_attempt_in_ms: retry_in.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            labels: d.labels.clone(),
        };
        if let Ok(mut log) = self.log.lock() {
            if log.len() >= MAX_LOG {
                log.pop_front();
            }
            log.push_back(attempt);
        }
    }
}

/// The HTTP client deliveries use: no redirects (a redirect would send a signed body somewhere
/// the client never registered); each attempt sets its own timeout.
fn client() -> Option<reqwest::Client> {
    // reqwest is built without a default crypto provider; https receivers need one installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::error!(error = %e, "cannot build the delivery HTTP client; deliveries will fail");
            None
        }
    }
}

/// Whether `url` names this machine without asking a resolver: an IP literal on loopback, or
/// `localhost` (which RFC 6761 reserves for it).
pub fn is_loopback_url(url: &str) -> bool {
    let Ok(u) = reqwest::Url::parse(url) else {
        return false;
    };
    let Some(host) = u.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => {
            let name = bare.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    }
}

/// Sends one attempt. Only the registered URL is ever called.
async fn send(client: &reqwest::Client, job: &Job, loopback_only: bool) -> Outcome {
    let d = &job.delivery;
    let started = Instant::now();
    if loopback_only && !is_loopback_url(&d.url) {
        return Outcome {
            status_code: None,
            error: Some(format!(
                "not sent: {} is not a loopback address and the sandbox runs with --callbacks-loopback-only",
                d.url
            )),
            duration: StdDuration::ZERO,
        };
    }
    let mut request = client
        .request(d.method.clone(), &d.url)
        .timeout(d.timeout)
        .header("content-type", "application/json");
    for (k, v) in &d.headers {
        request = request.header(k.as_str(), v.as_str());
    }
    if let Some(signer) = &d.signer {
        for (k, v) in signer(&d.body, job.attempt) {
            request = request.header(k, v);
        }
    }
    let result = request.body(d.body.clone()).send().await;
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

/// How often due work is looked for when nothing wakes the task: the clock may have been moved.
const TICK: StdDuration = StdDuration::from_millis(200);

/// The server's background task: lets every family apply what came due on the sandbox clock
/// ([`super::family::Family::tick`]) and sends due deliveries, until `stop` resolves or the
/// sandbox is gone.
pub async fn run(app: std::sync::Weak<super::App>, mut stop: tokio::sync::oneshot::Receiver<()>) {
    let client = client();
    let mut in_flight: JoinSet<()> = JoinSet::new();
    loop {
        let Some(strong) = app.upgrade() else {
            break;
        };
        let now = strong.clock.now();
        for family in strong.families() {
            family.tick(&strong, now);
        }
        let precise = strong.clock.precise_now();
        let loopback_only = strong.config.callbacks_loopback_only;
        let room = MAX_IN_FLIGHT.saturating_sub(in_flight.len());
        for job in strong.callbacks.take_due(precise, room) {
            let app = app.clone();
            let client = client.clone();
            in_flight.spawn(async move {
                let outcome = match &client {
                    Some(c) => send(c, &job, loopback_only).await,
                    None => Outcome {
                        status_code: None,
                        error: Some("the sandbox has no HTTP client (see its log)".into()),
                        duration: StdDuration::ZERO,
                    },
                };
                if let Some(app) = app.upgrade() {
                    app.callbacks.finish(&app.clock, job, outcome);
                }
            });
        }
        let wait = strong
            .callbacks
            .next_due(precise)
            .map_or(TICK, |w| w.min(TICK));
        let notify = strong.callbacks.notify.clone();
        // The task must not keep the sandbox alive while it waits.
        drop(strong);
        tokio::select! {
            _ = &mut stop => break,
            _ = notify.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
        }
    }
    in_flight.abort_all();
}

#[cfg(test)]
mod tests {
    use super::is_loopback_url;

    #[test]
    fn loopback_urls_are_told_without_a_resolver() {
        for url in [
            "http://127.0.0.1:9/x",
            "http://127.8.9.10/",
            "https://[::1]:8443/cb",
            "http://localhost:1/",
            "http://api.localhost./",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "http://10.0.0.1/",
            "http://[::2]/",
            "https://example.com/cb",
            "http://localhost.example.com/",
            "not a url",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }
}
