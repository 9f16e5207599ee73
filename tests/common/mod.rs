//! Shared helpers of the integration tests: a sandbox on 127.0.0.1 with a free port and the
//! self-check on (any response that contradicts its spec becomes a 500 and fails the test), and the
//! consent flow a client goes through.
#![allow(dead_code)]

use finsandbox::sandbox::{self, RunningSandbox, SandboxConfig};
use serde_json::{Value, json};

pub const HAPPY_CPF: &str = "52998224725";
pub const BLOCKED_CPF: &str = "11144477735";
pub const CLOSED_CPF: &str = "12345678909";
pub const PENDING_CPF: &str = "98765432100";
pub const APPROVAL_REFUSED_CPF: &str = "24681357928";
pub const PAGING_CPF: &str = "13579246828";
pub const HAPPY_CNPJ: &str = "11444777000161";
pub const ALNUM_CNPJ: &str = "12ABC34501DE35";

pub const PF_PERMISSIONS: &[&str] = &[
    "CUSTOMERS_PERSONAL_IDENTIFICATIONS_READ",
    "CUSTOMERS_PERSONAL_ADITTIONALINFO_READ",
    "RESOURCES_READ",
];
pub const PJ_PERMISSIONS: &[&str] = &[
    "CUSTOMERS_BUSINESS_IDENTIFICATIONS_READ",
    "CUSTOMERS_BUSINESS_ADITTIONALINFO_READ",
    "RESOURCES_READ",
];

pub fn config() -> SandboxConfig {
    SandboxConfig {
        addr: "127.0.0.1:0".parse().expect("loopback address"),
        self_check: true,
        ..SandboxConfig::default()
    }
}

pub struct Env {
    pub sandbox: RunningSandbox,
    pub http: reqwest::Client,
    pub base: String,
}

pub fn http_client() -> reqwest::Client {
    // reqwest is built without a bundled crypto provider; plain-HTTP tests still need one installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("HTTP client")
}

pub async fn start() -> Env {
    start_with(config()).await
}

pub async fn start_with(config: SandboxConfig) -> Env {
    let sandbox = sandbox::start(config).await.expect("sandbox starts");
    let base = sandbox.base_url();
    Env {
        sandbox,
        http: http_client(),
        base,
    }
}

pub fn iid() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn error_code(&self) -> &str {
        self.body["errors"][0]["code"].as_str().unwrap_or("")
    }
}

pub async fn reply(r: reqwest::Response) -> Reply {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    assert_ne!(
        status, 500,
        "the sandbox answered 500 (self-check?): {text}"
    );
    Reply {
        status,
        headers,
        body,
        text,
    }
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn stop(self) {
        self.sandbox.stop().await;
    }

    pub async fn client_token(&self) -> String {
        let r = reply(
            self.http
                .post(self.url("/auth/token"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials&scope=consents&client_id=tests")
                .send()
                .await
                .expect("token request"),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["access_token"].as_str().expect("token").to_string()
    }

    pub async fn post_consent(&self, token: &str, body: &Value) -> Reply {
        reply(
            self.http
                .post(self.url("/open-banking/consents/v3/consents"))
                .bearer_auth(token)
                .header("x-fapi-interaction-id", iid())
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .expect("consent request"),
        )
        .await
    }

    /// Creates a consent and returns its id.
    pub async fn consent(&self, cpf: &str, cnpj: Option<&str>, permissions: &[&str]) -> String {
        let token = self.client_token().await;
        let r = self
            .post_consent(&token, &consent_body(cpf, cnpj, permissions))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["data"]["consentId"]
            .as_str()
            .expect("id")
            .to_string()
    }

    pub async fn authorise(&self, consent_id: &str, approval: Option<&str>) -> String {
        let body = match approval {
            Some(a) => json!({"multipleApproval": a}),
            None => json!({}),
        };
        let r = reply(
            self.http
                .post(self.url(&format!("/sandbox/consents/{consent_id}/authorise")))
                .body(body.to_string())
                .send()
                .await
                .expect("authorise"),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["code"].as_str().expect("code").to_string()
    }

    pub async fn exchange(&self, code: &str) -> Reply {
        reply(
            self.http
                .post(self.url("/auth/token"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("grant_type=authorization_code&code={code}"))
                .send()
                .await
                .expect("code exchange"),
        )
        .await
    }

    /// consent -> authorise -> code -> access token.
    pub async fn consent_token(
        &self,
        cpf: &str,
        cnpj: Option<&str>,
        permissions: &[&str],
        approval: Option<&str>,
    ) -> (String, String) {
        let id = self.consent(cpf, cnpj, permissions).await;
        let code = self.authorise(&id, approval).await;
        let r = self.exchange(&code).await;
        assert_eq!(r.status, 200, "{}", r.text);
        (
            id,
            r.body["access_token"].as_str().expect("token").to_string(),
        )
    }

    pub async fn get(
        &self,
        path: &str,
        token: Option<&str>,
        interaction_id: Option<&str>,
    ) -> Reply {
        let mut req = self.http.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(i) = interaction_id {
            req = req.header("x-fapi-interaction-id", i);
        }
        reply(req.send().await.expect("GET")).await
    }

    pub async fn customers(&self, token: &str, path: &str) -> Reply {
        self.get(
            &format!("/open-banking/customers/v2{path}"),
            Some(token),
            Some(&iid()),
        )
        .await
    }

    pub async fn control(&self, method: reqwest::Method, path: &str, body: Value) -> Reply {
        reply(
            self.http
                .request(method, self.url(path))
                .body(body.to_string())
                .send()
                .await
                .expect("control request"),
        )
        .await
    }
}

pub fn consent_body(cpf: &str, cnpj: Option<&str>, permissions: &[&str]) -> Value {
    let mut data = json!({
        "loggedUser": {"document": {"identification": cpf, "rel": "CPF"}},
        "permissions": permissions,
    });
    if let Some(c) = cnpj {
        data["businessEntity"] = json!({"document": {"identification": c, "rel": "CNPJ"}});
    }
    json!({"data": data})
}

/// The failed scenario named `scenario` (substring) of a harness report, and its failure message
/// with the findings, expected and actual values: what a defect's test asserts on.
pub fn failure_of(report: &finsandbox::harness::report::RunReport, scenario: &str) -> String {
    use finsandbox::harness::report::Status;
    let s = report
        .features
        .iter()
        .flat_map(|f| &f.scenarios)
        .find(|s| s.name.contains(scenario))
        .unwrap_or_else(|| panic!("no scenario \"{scenario}\" ran"));
    assert_eq!(
        s.status,
        Status::Failed,
        "\"{}\" should fail: {s:?}",
        s.name
    );
    let f = s
        .steps
        .iter()
        .find_map(|st| st.failure.as_ref())
        .expect("a failing step with a failure");
    let mut text = f.message.clone();
    for finding in &f.findings {
        text.push_str(&format!(
            " | {} [{}] {}",
            finding.pointer,
            finding.label(),
            finding.message
        ));
    }
    if let Some(e) = &f.expected {
        text.push_str(&format!(" | expected {e}"));
    }
    if let Some(a) = &f.actual {
        text.push_str(&format!(" | actual {a}"));
    }
    text
}

impl Env {
    /// `GET /consents/{id}` with a fresh client token.
    pub async fn read_consent(&self, id: &str) -> Reply {
        let token = self.client_token().await;
        self.get(
            &format!("/open-banking/consents/v3/consents/{id}"),
            Some(&token),
            Some(&iid()),
        )
        .await
    }

    /// `DELETE /consents/{id}` with a fresh client token.
    pub async fn revoke(&self, id: &str) -> Reply {
        let token = self.client_token().await;
        reply(
            self.http
                .delete(self.url(&format!("/open-banking/consents/v3/consents/{id}")))
                .bearer_auth(token)
                .header("x-fapi-interaction-id", iid())
                .send()
                .await
                .expect("DELETE consent"),
        )
        .await
    }

    /// Moves the sandbox clock forward.
    pub async fn advance_clock(&self, seconds: i64) -> Reply {
        self.control(
            reqwest::Method::POST,
            "/sandbox/clock",
            json!({"advanceSeconds": seconds}),
        )
        .await
    }
}

/// A test's own HTTP/1.1 server on 127.0.0.1 (proxies, fake targets); it stops when dropped.
pub struct LoopbackServer {
    pub addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Serves `handler` (given each request and the server's own address) until the returned value is
/// dropped.
pub async fn serve_loopback<F, Fut>(handler: F) -> LoopbackServer
where
    F: Fn(hyper::Request<hyper::body::Incoming>, std::net::SocketAddr) -> Fut
        + Clone
        + Send
        + Sync
        + 'static,
    Fut: std::future::Future<Output = hyper::Response<http_body_util::Full<bytes::Bytes>>>
        + Send
        + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("loopback port");
    let addr = listener.local_addr().expect("bound address");
    let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        loop {
            let (stream, _) = tokio::select! {
                a = listener.accept() => match a { Ok(x) => x, Err(_) => continue },
                _ = &mut rx => break,
            };
            let handler = handler.clone();
            let service = hyper::service::service_fn(move |req| {
                let handler = handler.clone();
                async move { Ok::<_, std::convert::Infallible>(handler(req, addr).await) }
            });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    LoopbackServer {
        addr,
        stop: Some(tx),
    }
}
