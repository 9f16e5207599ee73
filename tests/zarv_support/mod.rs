//! Shared helpers of the Zarv tests: a sandbox on 127.0.0.1 with the self-check on (any answer that
//! contradicts the family's spec becomes a 500 and fails the test), logins of the fixture users,
//! and calls that return status, headers and body.
#![allow(dead_code)]

use finsandbox::sandbox::{self, RunningSandbox, SandboxConfig};
use serde_json::{Value, json};

pub const ANA: (&str, &str) = ("ana.souza@aurora.example", "aurora-ana-2026");
pub const BRUNO: (&str, &str) = ("bruno.lima@aurora.example", "aurora-bruno-2026");
pub const CARLA: (&str, &str) = ("carla.mendes@boreal.example", "boreal-carla-2026");
pub const AURORA: &str = "7b0c2f4e-5d1a-4c8e-9f36-2a1d8e4b6c01";
pub const BOREAL: &str = "2d9c4b7a-6e13-4f85-a0b2-8c7e1d3f5a90";

pub const CLEAN: &str = "55500000160";
pub const LISTED: &str = "55500000241";
pub const DECEASED: &str = "55500000322";
pub const NEGATIVE: &str = "55500000403";
pub const LAWSUITS: &str = "55500000594";
pub const ASSISTANCE: &str = "55500000675";
pub const FAILS: &str = "55500000756";
pub const BUREAU: &str = "55500000837";
pub const WORST: &str = "55500000918";
pub const CLEAN_CNPJ: &str = "55500001000197";
pub const RISKY_CNPJ: &str = "55500002000131";
pub const ALNUM_CNPJ: &str = "ZV555000000164";
/// A valid CPF no fixture names: its result is drawn from the seed.
pub const ORDINARY: &str = "52998224725";

pub struct Zarv {
    pub sandbox: RunningSandbox,
    pub http: reqwest::Client,
    pub base: String,
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: bytes::Bytes,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The one error body: `error` and `message` present, nothing else but `details`.
    pub fn assert_error(&self, status: u16) {
        assert_eq!(self.status, status, "{}", self.text());
        assert!(
            self.body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{}",
            self.text()
        );
        assert!(
            self.body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{}",
            self.text()
        );
        for k in self.body.as_object().expect("an object").keys() {
            assert!(["error", "message", "details"].contains(&k.as_str()), "{k}");
        }
    }
}

pub fn config() -> SandboxConfig {
    SandboxConfig {
        addr: "127.0.0.1:0".parse().expect("loopback address"),
        self_check: true,
        ..SandboxConfig::default()
    }
}

pub async fn start() -> Zarv {
    start_with(config()).await
}

pub async fn start_with(config: SandboxConfig) -> Zarv {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sandbox = sandbox::start(config).await.expect("sandbox starts");
    let base = sandbox.base_url();
    Zarv {
        sandbox,
        http: reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("HTTP client"),
        base,
    }
}

impl Zarv {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = req.send().await.expect("request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = r.bytes().await.expect("body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        assert_ne!(
            status,
            500,
            "the sandbox answered 500 (self-check?): {}",
            String::from_utf8_lossy(&bytes)
        );
        Reply {
            status,
            headers,
            bytes,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(reqwest::Method::GET, path, Some(token), None, &[])
            .await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.send(
            reqwest::Method::POST,
            path,
            Some(token),
            Some(&body.to_string()),
            &[],
        )
        .await
    }

    pub async fn login_reply(&self, who: (&str, &str)) -> Reply {
        self.send(
            reqwest::Method::POST,
            "/zarv/api/v1/authentication",
            None,
            Some(&json!({"username": who.0, "password": who.1}).to_string()),
            &[],
        )
        .await
    }

    /// The access token of a fixture user.
    pub async fn login(&self, who: (&str, &str)) -> String {
        let r = self.login_reply(who).await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.body["accessToken"].as_str().expect("token").to_string()
    }

    pub async fn control(&self, method: reqwest::Method, path: &str, body: Value) -> Reply {
        self.send(method, path, None, Some(&body.to_string()), &[])
            .await
    }

    pub async fn advance(&self, seconds: i64) {
        let r = self
            .control(
                reqwest::Method::POST,
                "/sandbox/clock",
                json!({"advanceSeconds": seconds}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }

    /// A verification's 201 answer.
    pub async fn verify(&self, token: &str, national_id: &str, verifications: Value) -> Reply {
        self.post(
            "/zarv/api/v2/verifications",
            token,
            &json!({"nationalId": national_id, "verifications": verifications}),
        )
        .await
    }

    /// Creates a verification and returns its id.
    pub async fn verify_id(&self, token: &str, national_id: &str, verifications: Value) -> String {
        let r = self.verify(token, national_id, verifications).await;
        assert_eq!(r.status, 201, "{}", r.text());
        r.body["id"].as_str().expect("id").to_string()
    }

    pub async fn verification(&self, token: &str, id: &str) -> Value {
        let r = self
            .get(&format!("/zarv/api/v2/verifications/{id}"), token)
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.body
    }

    /// The balance of a workspace, from the control API.
    pub async fn balance(&self, workspace: &str) -> String {
        let r = self
            .send(
                reqwest::Method::GET,
                "/sandbox/zarv/workspaces",
                None,
                None,
                &[],
            )
            .await;
        r.body["workspaces"]
            .as_array()
            .expect("workspaces")
            .iter()
            .find(|w| w["workspaceId"] == workspace)
            .and_then(|w| w["balance"].as_str())
            .expect("the workspace")
            .to_string()
    }

    pub async fn stop(self) {
        self.sandbox.stop().await;
    }
}

/// The rules of a verification body, flattened.
pub fn rules(body: &Value) -> Vec<String> {
    body["verification"]["result"]["rules"]
        .as_array()
        .map(|g| {
            g.iter()
                .flat_map(|x| x.as_array().cloned().unwrap_or_default())
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
