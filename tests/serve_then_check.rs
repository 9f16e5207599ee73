//! The README's own path, as a new user takes it: `finsandbox serve` with its defaults in one
//! terminal, `finsandbox check --target URL` in another, and every scenario passes — the v1 links
//! included, whose official pattern refuses an IP address. Also a sandbox behind a proxy on another
//! port, and a sandbox published under a name of the user's choosing with `--resolve`.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use bytes::Bytes;
use finsandbox::harness::report::Status;
use finsandbox::harness::{self, CheckOptions, TargetChoice};
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};

/// A `finsandbox serve` child process, killed when dropped.
struct Served {
    child: Child,
    addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the real binary with the README's command and the given extra flags, on a free port.
fn serve(extra: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_finsandbox"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(extra)
        .env("FINSANDBOX_LOG", "info")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("finsandbox serve starts");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("serve logs where it listens")
            .expect("log line");
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
        }
    };
    // Keep draining the log so the child never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Served { child, addr }
}

#[test]
fn a_default_serve_checked_with_target_passes_every_scenario() {
    let served = serve(&[]);
    let reports =
        std::env::temp_dir().join(format!("finsandbox-serve-check-{}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_finsandbox"))
        .args(["check", "--target", &format!("http://{}", served.addr)])
        .arg("--report-dir")
        .arg(&reports)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("finsandbox check runs");
    let text = String::from_utf8_lossy(&out.stderr).to_string();
    let _ = std::fs::remove_dir_all(&reports);
    assert!(
        out.status.success(),
        "check --target failed:\n{}",
        tail(&text)
    );
    assert!(
        text.contains(" 0 failed, 0 skipped"),
        "every scenario should run and pass:\n{}",
        tail(&text)
    );
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// A reverse proxy on its own port that, like many, sends the upstream its own address as `Host`
/// and says where the client came in with `X-Forwarded-Host` / `X-Forwarded-Proto`.
async fn forwarding_proxy(upstream: String) -> common::LoopbackServer {
    let client = common::http_client();
    common::serve_loopback(move |req: Request<hyper::body::Incoming>, _| {
        let client = client.clone();
        let upstream = upstream.clone();
        async move {
            let (parts, body) = req.into_parts();
            let body = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let mut r = client.request(parts.method.clone(), format!("{upstream}{}", parts.uri));
            for (k, v) in &parts.headers {
                if k == "host" {
                    r = r
                        .header("x-forwarded-host", v)
                        .header("x-forwarded-proto", "http");
                } else {
                    r = r.header(k, v);
                }
            }
            let resp = r
                .body(body.to_vec())
                .send()
                .await
                .expect("upstream answers");
            let mut out = Response::builder().status(resp.status());
            for (k, v) in resp.headers() {
                if k != "content-length" {
                    out = out.header(k, v);
                }
            }
            let bytes = resp.bytes().await.unwrap_or_default();
            out.body(Full::new(Bytes::from(bytes.to_vec())))
                .expect("response")
        }
    })
    .await
}

fn failed_scenarios(report: &harness::report::RunReport) -> Vec<String> {
    report
        .features
        .iter()
        .flat_map(|f| &f.scenarios)
        .filter(|s| s.status != Status::Passed)
        .map(|s| format!("{} [{:?}]", s.name, s.status))
        .collect()
}

#[tokio::test]
async fn a_sandbox_behind_a_proxy_on_another_port_passes_the_v1_scenarios() {
    // Defaults: no public URL, so links come from what the proxy forwards.
    let sandbox = finsandbox::sandbox::start(common::config()).await.unwrap();
    let proxy = forwarding_proxy(sandbox.base_url()).await;
    let report = harness::run(&CheckOptions {
        target: TargetChoice::Url(format!("http://{}", proxy.addr)),
        tags: Some("@v1".into()),
        ..CheckOptions::default()
    })
    .await
    .expect("harness runs");
    drop(proxy);
    sandbox.stop().await;
    let ran = report
        .features
        .iter()
        .map(|f| f.scenarios.len())
        .sum::<usize>();
    assert!(ran > 10, "the v1 features should run, ran {ran}");
    assert!(
        failed_scenarios(&report).is_empty(),
        "{:?}",
        failed_scenarios(&report)
    );
}

#[tokio::test]
async fn a_sandbox_published_under_its_own_name_is_reached_with_resolve() {
    let config = finsandbox::sandbox::SandboxConfig {
        public_url: Some("http://sandbox.banco.test:{port}".into()),
        ..common::config()
    };
    let sandbox = finsandbox::sandbox::start(config).await.unwrap();
    let port = sandbox.addr.port();
    let report = harness::run(&CheckOptions {
        target: TargetChoice::Url(format!("http://sandbox.banco.test:{port}")),
        tags: Some("@v1 and @customers".into()),
        resolve: vec![
            harness::parse_resolve(&format!("sandbox.banco.test:{port}:127.0.0.1")).unwrap(),
        ],
        ..CheckOptions::default()
    })
    .await
    .expect("harness runs");
    sandbox.stop().await;
    assert!(!report.features.is_empty());
    assert!(
        failed_scenarios(&report).is_empty(),
        "{:?}",
        failed_scenarios(&report)
    );
}

#[test]
fn resolve_takes_curls_syntax() {
    let (host, addr) = harness::parse_resolve("Sandbox.Test:9090:127.0.0.1").unwrap();
    assert_eq!(host, "sandbox.test");
    assert_eq!(addr.to_string(), "127.0.0.1:9090");
    let (_, v6) = harness::parse_resolve("h.test:80:[::1]").unwrap();
    assert_eq!(v6.to_string(), "[::1]:80");
    for bad in [
        "h.test:80",
        "h.test:x:127.0.0.1",
        ":80:127.0.0.1",
        "h.test:80:not-an-ip",
    ] {
        let err = harness::parse_resolve(bad).unwrap_err();
        assert!(err.contains("HOST:PORT:ADDR"), "{bad}: {err}");
    }
}
