//! Resident memory of a sandbox whose consent store is full, before and while the control API lists
//! it page by page.
//!
//! `cargo bench --bench listing_memory` starts the sandbox as a child process (this binary
//! re-executed with `FINSANDBOX_BENCH_ROLE=sandbox`, so its `VmRSS` is its own), creates consents
//! through `POST /open-banking/consents/v3/consents` until the store's cap (200,000), checks that one
//! more gets 429 `LIMITE_EXCEDIDO`, then reads `GET /sandbox/consents` with `page-size=1000` until the
//! last page, sampling the child's resident memory after every page. It prints RSS before, the peak
//! while listing and after, and exits non-zero if the peak is more than 50 % above the full store's
//! RSS: a listing must never hold a copy of the store.
//!
//! Settings (environment): `FINSANDBOX_BENCH_CONSENTS` (200000; fewer skips the 429 check),
//! `FINSANDBOX_BENCH_CONNECTIONS` (16). Loopback only; the child is killed on exit and exits by
//! itself if this process dies (its stdin closes). Not run in CI: filling the store takes a while.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::{Value, json};

const ROLE_ENV: &str = "FINSANDBOX_BENCH_ROLE";
const CAP: usize = 200_000;
const ALLOWED_GROWTH: f64 = 0.5;

fn main() -> ExitCode {
    let result = match std::env::var(ROLE_ENV).as_deref() {
        Ok("sandbox") => child_sandbox(),
        Ok(other) => Err(format!("unknown {ROLE_ENV} {other:?}")),
        Err(_) => parent(),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("listing_memory: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The sandbox with its defaults on a free loopback port; runs until stdin closes.
fn child_sandbox() -> Result<ExitCode, String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let config = finsandbox::sandbox::SandboxConfig {
            addr: "127.0.0.1:0".parse().map_err(|e| format!("{e}"))?,
            ..Default::default()
        };
        let running = finsandbox::sandbox::start(config)
            .await
            .map_err(|e| format!("{e:#}"))?;
        println!("port {}", running.addr.port());
        tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        })
        .await
        .map_err(|e| e.to_string())?;
        running.stop().await;
        Ok(ExitCode::SUCCESS)
    })
}

struct Sandbox {
    child: Child,
    port: u16,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sandbox {
    fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn parent() -> Result<ExitCode, String> {
    let consents = env_usize("FINSANDBOX_BENCH_CONSENTS", CAP).min(CAP);
    let connections = env_usize("FINSANDBOX_BENCH_CONNECTIONS", 16).max(1);
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .env(ROLE_ENV, "sandbox")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start the sandbox: {e}"))?;
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut line);
    }
    let port = line
        .trim()
        .strip_prefix("port ")
        .and_then(|p| p.parse::<u16>().ok());
    let sandbox = Sandbox {
        port: port.ok_or("the sandbox did not announce its port")?,
        child,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(run(&sandbox, consents, connections))
}

async fn run(sandbox: &Sandbox, consents: usize, connections: usize) -> Result<ExitCode, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| e.to_string())?;
    let base = format!("http://127.0.0.1:{}", sandbox.port);
    let idle = sandbox.rss_mib();

    let token: Value = http
        .post(format!("{base}/auth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&scope=consents")
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let token = token["access_token"]
        .as_str()
        .ok_or("no client token")?
        .to_string();
    let body = json!({"data": {
        "loggedUser": {"document": {"identification": "52998224725", "rel": "CPF"}},
        "permissions": ["CUSTOMERS_PERSONAL_IDENTIFICATIONS_READ", "CUSTOMERS_PERSONAL_ADITTIONALINFO_READ", "RESOURCES_READ"],
    }})
    .to_string();
    let post = {
        let (http, base, token, body) = (http.clone(), base.clone(), token.clone(), body.clone());
        move || {
            http.post(format!("{base}/open-banking/consents/v3/consents"))
                .bearer_auth(&token)
                .header("x-fapi-interaction-id", uuid::Uuid::new_v4().to_string())
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
        }
    };

    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..connections {
        let next = next.clone();
        let post = post.clone();
        workers.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < consents {
                match post().await {
                    Ok(r) if r.status() == 201 => {}
                    Ok(r) => return Err(format!("consent creation answered {}", r.status())),
                    Err(e) => return Err(e.to_string()),
                }
            }
            Ok(())
        }));
    }
    for w in workers {
        w.await.map_err(|e| e.to_string())??;
    }
    println!(
        "created {consents} consents in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if consents == CAP {
        let r = post().await.map_err(|e| e.to_string())?;
        let status = r.status().as_u16();
        let answer: Value = r.json().await.unwrap_or(Value::Null);
        let code = answer["errors"][0]["code"].as_str().unwrap_or("");
        println!("consent {} of a full store: {status} {code}", CAP + 1);
        if status != 429 || code != "LIMITE_EXCEDIDO" {
            return Err(format!(
                "a full store should answer 429 LIMITE_EXCEDIDO, got {status} {code}"
            ));
        }
    }

    let full = sandbox.rss_mib();
    let mut peak = full;
    let mut page = 1;
    let mut listed = 0;
    let listing = Instant::now();
    loop {
        let r: Value = http
            .get(format!(
                "{base}/sandbox/consents?page={page}&page-size=1000"
            ))
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        listed += r["consents"].as_array().map_or(0, Vec::len);
        peak = peak.max(sandbox.rss_mib());
        if r["links"].get("next").is_none() {
            break;
        }
        page += 1;
    }
    let after = sandbox.rss_mib();
    println!(
        "listed {listed} consents in {page} pages of 1000 in {:.1} s",
        listing.elapsed().as_secs_f64()
    );
    println!(
        "sandbox VmRSS: idle {idle:.1} MiB, full store {full:.1} MiB, peak while listing {peak:.1} MiB, after {after:.1} MiB"
    );
    let growth = peak / full - 1.0;
    println!(
        "growth while listing: {:+.1} % (limit {:+.0} %)",
        growth * 100.0,
        ALLOWED_GROWTH * 100.0
    );
    if listed != consents {
        return Err(format!("listed {listed} of {consents} consents"));
    }
    Ok(if growth <= ALLOWED_GROWTH {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
