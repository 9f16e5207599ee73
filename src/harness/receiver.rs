//! The harness's loopback receiver for any family's webhooks and callbacks: a listener on a free
//! 127.0.0.1 port that keeps what it gets, within the byte cap of the run (what it accepts is read
//! like the client's reads, [`limits::read_request`]), and answers 200 — or, when a scenario asks
//! ([`Receiver::fail_next`]), an error for the next deliveries, so retries can be checked.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use super::limits::{self, Limits};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// The status the receiver answered it with (200, or the error a scenario asked for).
    pub answered: u16,
}

impl Delivery {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// A receiver on a free loopback port that answers 200 to everything (unless told to fail) and
/// keeps what it got.
/// What it accepts is bounded like the client's reads ([`limits::read_request`]): each request's
/// head and body, and all it keeps, within the byte cap; a refused delivery gets 413 (or 431, 408)
/// and is remembered for the failure message.
/// It stops when dropped (with the scenario's World): the accept loop ends and the connections still
/// open are aborted, so no scenario leaves a listener behind.
#[derive(Debug)]
pub struct Receiver {
    /// The URL to register: a path of its own, so deliveries meant for an earlier receiver that had
    /// the same port are told apart.
    pub url: String,
    path: String,
    deliveries: Arc<Mutex<Vec<Delivery>>>,
    refused: Arc<Mutex<Vec<String>>>,
    /// Deliveries still to answer with 503 (a receiver that is down).
    failing: Arc<AtomicUsize>,
    stop: Option<oneshot::Sender<()>>,
}

impl Receiver {
    pub async fn start(limits: Limits) -> std::io::Result<Receiver> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let path = format!("/finsandbox-harness/{}", uuid::Uuid::new_v4());
        let deliveries: Arc<Mutex<Vec<Delivery>>> = Arc::default();
        let refused: Arc<Mutex<Vec<String>>> = Arc::default();
        let failing: Arc<AtomicUsize> = Arc::default();
        let log = Arc::clone(&deliveries);
        let refusals = Arc::clone(&refused);
        let to_fail = Arc::clone(&failing);
        let (stop, mut stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    // A send or a dropped sender both end the receiver.
                    _ = &mut stopped => break,
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let log = Arc::clone(&log);
                        let refusals = Arc::clone(&refusals);
                        let to_fail = Arc::clone(&to_fail);
                        connections.spawn(async move {
                            let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                                let log = Arc::clone(&log);
                                let refusals = Arc::clone(&refusals);
                                let to_fail = Arc::clone(&to_fail);
                                async move {
                                    let (parts, body) = req.into_parts();
                                    let accepted = limits::read_request(&parts.headers, body, &limits)
                                        .await
                                        .and_then(|body| keep_within(&log, body, limits.max_response_bytes));
                                    let body = match accepted {
                                        Ok(body) => body,
                                        Err(refusal) => {
                                            if let Ok(mut r) = refusals.lock() {
                                                r.push(refusal.message.clone());
                                            }
                                            let mut answer = hyper::Response::new(Full::new(Bytes::from(refusal.message)));
                                            *answer.status_mut() = hyper::StatusCode::from_u16(refusal.status)
                                                .unwrap_or(hyper::StatusCode::PAYLOAD_TOO_LARGE);
                                            return Ok::<_, Infallible>(answer);
                                        }
                                    };
                                    let headers = parts
                                        .headers
                                        .iter()
                                        .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                                        .collect();
                                    let fail = to_fail
                                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                                        .is_ok();
                                    let answered = if fail { 503 } else { 200 };
                                    if let Ok(mut l) = log.lock() {
                                        l.push(Delivery {
                                            method: parts.method.to_string(),
                                            path: parts.uri.path().to_string(),
                                            headers,
                                            body,
                                            answered,
                                        });
                                    }
                                    let mut answer = hyper::Response::new(Full::new(Bytes::new()));
                                    *answer.status_mut() = hyper::StatusCode::from_u16(answered)
                                        .unwrap_or(hyper::StatusCode::OK);
                                    Ok::<_, Infallible>(answer)
                                }
                            });
                            let _ = hyper::server::conn::http1::Builder::new()
                                .max_buf_size(limits::head_buffer(limits.max_response_bytes))
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        });
                    }
                    // Finished connections are reaped so the set does not grow with every delivery.
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
            // Dropping the set aborts the connections the sender keeps alive.
            drop(connections);
        });
        Ok(Receiver {
            url: format!("http://{addr}{path}"),
            path,
            deliveries,
            refused,
            failing,
            stop: Some(stop),
        })
    }

    /// Answers the next `n` deliveries with 503, as a receiver that is down would; they are
    /// still kept (with [`Delivery::answered`]), so a scenario can count the attempts.
    pub fn fail_next(&self, n: usize) {
        self.failing.store(n, Ordering::SeqCst);
    }

    /// The deliveries it answered with 200.
    pub fn accepted(&self) -> Vec<Delivery> {
        self.deliveries()
            .into_iter()
            .filter(|d| d.answered == 200)
            .collect()
    }

    /// Why deliveries were refused (too large, too slow), in the order they came.
    pub fn refusals(&self) -> Vec<String> {
        self.refused.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Everything delivered to this receiver's own path so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries
            .lock()
            .map(|l| l.iter().filter(|d| d.path == self.path).cloned().collect())
            .unwrap_or_default()
    }
}

/// Whether a target whose base URL is `base` can call back a receiver on 127.0.0.1: only when it
/// runs on this machine. A name the harness resolves itself (`pins`) counts by its address. `Err`
/// says why not, for the scenario's skip reason.
pub fn reachable_from(base: &str, pins: &[(String, std::net::SocketAddr)]) -> Result<(), String> {
    let host = reqwest::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let pinned = pins
        .iter()
        .find(|(h, _)| h.eq_ignore_ascii_case(bare))
        .map(|(_, a)| a.ip());
    let loopback = match pinned {
        Some(ip) => ip.is_loopback(),
        None => {
            bare.eq_ignore_ascii_case("localhost")
                || bare.eq_ignore_ascii_case(super::EMBEDDED_HOST)
                || bare
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
    };
    if loopback {
        Ok(())
    } else {
        Err(format!(
            "the harness's receiver listens on 127.0.0.1, which the target at \"{host}\" cannot reach: deliveries are checked only against a target on this machine"
        ))
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Refuses a body that would take what the receiver keeps past `cap`: a sender that never stops
/// delivering cannot grow the scenario's memory without bound.
fn keep_within(
    log: &Mutex<Vec<Delivery>>,
    body: Bytes,
    cap: u64,
) -> Result<Bytes, limits::Refusal> {
    let kept: u64 = log
        .lock()
        .map(|l| l.iter().map(|d| d.body.len() as u64).sum())
        .unwrap_or(0);
    if kept + body.len() as u64 > cap {
        return Err(limits::Refusal {
            status: 413,
            message: format!(
                "the receiver already keeps {} of deliveries; this one ({}) would pass the limit of {} (--max-response-bytes)",
                limits::format_bytes(kept),
                limits::format_bytes(body.len() as u64),
                limits::format_bytes(cap)
            ),
        });
    }
    Ok(body)
}
