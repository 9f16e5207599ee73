//! Shared by the Bankly integration tests: a sandbox on a free loopback port with the spec
//! self-check on, an HTTP client, valid registration bodies built from the personas, and a
//! webhook receiver that can be told to fail its first calls.

#![allow(dead_code)]

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use finsandbox::sandbox::families::bankly::BanklyConfig;
use finsandbox::sandbox::{RunningSandbox, SandboxConfig, start};
use finsandbox::spec::SpecSet;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub const ALL_SCOPES: &str =
    "customer.read customer.write customer.update customer.cancel webhook.write";
pub const SEED: u64 = 42;

/// Magic documents of `fixtures/bankly.yaml`.
pub const APPROVED_AT_ONCE: &str = "77700000174";
pub const APPROVED_AFTER_DELAY: &str = "77700000255";
pub const ANALYSIS_THEN_APPROVED: &str = "77700000336";
pub const ANALYSIS_THEN_REPROVED: &str = "77700000417";
pub const REPROVED_MISMATCH: &str = "77700000506";
pub const BLACKLISTED: &str = "77700000689";
pub const REPROVED_UNDERAGE: &str = "77700000760";
pub const REPROVED_DECEASED: &str = "77700000840";
pub const REPROVED_CPF_IRREGULAR: &str = "77700000921";
pub const STAYS_PENDING: &str = "77700001065";
pub const STAYS_IN_ANALYSIS: &str = "77700001146";

pub struct Sandbox {
    pub server: RunningSandbox,
    pub http: reqwest::Client,
    pub base: String,
}

pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("reqwest client")
}

/// A test configuration: fast webhook retries, the default 30 s KYC delay.
pub fn config() -> BanklyConfig {
    BanklyConfig {
        webhook_retry_base: Duration::from_millis(50),
        webhook_timeout: Duration::from_secs(2),
        ..BanklyConfig::default()
    }
}

impl Sandbox {
    pub async fn start(bankly: BanklyConfig) -> Sandbox {
        Sandbox::start_with(bankly, |_| {}).await
    }

    /// A sandbox with some server options changed from the tests' defaults.
    pub async fn start_with(
        bankly: BanklyConfig,
        edit: impl FnOnce(&mut SandboxConfig),
    ) -> Sandbox {
        let mut config = SandboxConfig {
            addr: "127.0.0.1:0".parse().expect("addr"),
            self_check: true,
            seed: SEED,
            ..Default::default()
        };
        edit(&mut config);
        let server = start(config.family(bankly)).await.expect("sandbox starts");
        let base = server.base_url();
        Sandbox {
            server,
            http: http_client(),
            base,
        }
    }

    pub async fn stop(self) {
        self.server.stop().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn token_for(&self, client_id: &str, scopes: &str) -> String {
        let r = self
            .http
            .post(self.url("/bankly/oauth2/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("scope", scopes),
            ]))
            .send()
            .await
            .expect("token request");
        assert_eq!(r.status(), 200, "token for {scopes}");
        let body: Value = r.json().await.expect("token json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    pub async fn token(&self, scopes: &str) -> String {
        self.token_for("test-client", scopes).await
    }

    /// A request with the headers every Bankly call needs.
    pub fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(token)
            .header("api-version", "1")
    }

    pub async fn put(&self, token: &str, cpf: &str, body: &Value) -> reqwest::Response {
        self.call(
            reqwest::Method::PUT,
            &format!("/bankly/customers/{cpf}"),
            token,
        )
        .json(body)
        .send()
        .await
        .expect("PUT")
    }

    pub async fn register(&self, token: &str, cpf: &str) {
        let r = self.put(token, cpf, &registration(cpf)).await;
        let status = r.status();
        let text = r.text().await.unwrap_or_default();
        assert_eq!(status, 202, "register {cpf}: {text}");
    }

    pub async fn get(&self, token: &str, cpf: &str, level: Option<&str>) -> reqwest::Response {
        let path = match level {
            Some(l) => format!("/bankly/customers/{cpf}?resultLevel={l}"),
            None => format!("/bankly/customers/{cpf}"),
        };
        self.call(reqwest::Method::GET, &path, token)
            .send()
            .await
            .expect("GET")
    }

    pub async fn detailed(&self, token: &str, cpf: &str) -> Value {
        let r = self.get(token, cpf, Some("DETAILED")).await;
        assert_eq!(r.status(), 200);
        r.json().await.expect("json")
    }

    pub async fn status(&self, token: &str, cpf: &str) -> String {
        self.detailed(token, cpf).await["status"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub async fn advance(&self, seconds: i64) {
        let r = self
            .http
            .post(self.url("/sandbox/clock"))
            .json(&json!({"advanceSeconds": seconds}))
            .send()
            .await
            .expect("clock");
        assert_eq!(r.status(), 200);
    }

    pub async fn kyc(&self, cpf: &str, body: Value) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/sandbox/bankly/customers/{cpf}/kyc")))
            .json(&body)
            .send()
            .await
            .expect("control kyc")
    }

    pub async fn deliveries(&self) -> Vec<Value> {
        let r: Value = self
            .http
            .get(self.url("/sandbox/bankly/webhooks/deliveries"))
            .send()
            .await
            .expect("deliveries")
            .json()
            .await
            .expect("json");
        r["deliveries"].as_array().cloned().unwrap_or_default()
    }

    pub async fn subscribe(
        &self,
        token: &str,
        event: &str,
        uri: &str,
        key: &str,
    ) -> reqwest::Response {
        self.call(
            reqwest::Method::POST,
            "/bankly/webhooks/configurations",
            token,
        )
        .json(&json!({
            "name": format!("test {event}"),
            "eventName": event,
            "context": "Customer",
            "uri": uri,
            "privateKey": key,
            "publicKey": "pub-test",
        }))
        .send()
        .await
        .expect("subscribe")
    }
}

/// An `application/x-www-form-urlencoded` body (this reqwest build has no `form` feature).
pub fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// A valid registration for `cpf`: the one the harness sends, generated from the registration
/// schema and the CPF's persona (real DDD, CEP of the UF, adult, CBO occupation code).
pub fn registration(cpf: &str) -> Value {
    static SPECS: std::sync::OnceLock<SpecSet> = std::sync::OnceLock::new();
    let specs = SPECS.get_or_init(|| {
        SpecSet::load(
            &Default::default(),
            &finsandbox::sandbox::families::Registry,
        )
        .expect("embedded specs load")
    });
    finsandbox::sandbox::families::bankly::steps::registration_body(specs, SEED, cpf)
        .expect("a registration body")
}

/// Polls `check` every 20 ms until it holds or `within` passes.
pub async fn eventually<F, Fut>(within: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One request a receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// A webhook receiver on a free loopback port: answers 500 to its first `fail_first` calls.
pub struct Receiver {
    pub addr: SocketAddr,
    pub received: Arc<Mutex<Vec<Received>>>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start(fail_first: usize) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let addr = listener.local_addr().expect("addr");
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let (tx, mut rx) = oneshot::channel::<()>();
        let log = received.clone();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut rx => break,
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let log = log.clone();
                        tokio::spawn(async move {
                            let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                                let log = log.clone();
                                async move {
                                    let (parts, body) = req.into_parts();
                                    let body = body.collect().await.map(|c| c.to_bytes()).unwrap_or_default();
                                    let n = {
                                        let mut l = log.lock().expect("log");
                                        l.push(Received { headers: parts.headers, body });
                                        l.len()
                                    };
                                    let status = if n <= fail_first { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK };
                                    let mut r = Response::new(Full::new(Bytes::from_static(b"{}")));
                                    *r.status_mut() = status;
                                    Ok::<_, Infallible>(r)
                                }
                            });
                            let _ = hyper::server::conn::http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        });
                    }
                }
            }
        });
        Receiver {
            addr,
            received,
            stop: Some(tx),
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/hooks", self.addr)
    }

    pub fn all(&self) -> Vec<Received> {
        self.received.lock().expect("log").clone()
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}
