//! What a card password costs: one Argon2id hash at the family's parameters (2 MiB, one pass, one
//! lane), the same at OWASP's minimum for a real password store (19 MiB, two passes), and one
//! `PATCH /{idPortador}/senha` over loopback HTTP (a verification and a new hash, on a request
//! thread) against an in-process sandbox.
//!
//! `cargo bench --bench portadores_password` prints mean, p50 and p99 of each and the ratio of the
//! two costs. Settings (environment): `FINSANDBOX_BENCH_HASHES` (200), `FINSANDBOX_BENCH_CHANGES`
//! (100). Loopback only; the sandbox stops when the bench ends. Not run in CI.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};
use finsandbox::sandbox::families::portadores::password::{self, PinHash};
use finsandbox::sandbox::families::portadores::steps::bodies::{self, Offer};
use serde_json::{Value, json};

fn count(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

struct Stats {
    mean: Duration,
    p50: Duration,
    p99: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let n = samples.len().max(1);
    let total: Duration = samples.iter().sum();
    let at = |q: f64| samples[((n as f64 * q).ceil() as usize).clamp(1, n) - 1];
    Stats {
        mean: total / n as u32,
        p50: at(0.50),
        p99: at(0.99),
    }
}

fn print(what: &str, s: &Stats) {
    println!(
        "{what:<46} mean {:>8.3} ms   p50 {:>8.3} ms   p99 {:>8.3} ms",
        s.mean.as_secs_f64() * 1e3,
        s.p50.as_secs_f64() * 1e3,
        s.p99.as_secs_f64() * 1e3
    );
}

fn hashes(n: usize) -> Result<(Stats, Stats), String> {
    let mut hash = Vec::with_capacity(n);
    let mut verify = Vec::with_capacity(n);
    for i in 0..n {
        let pin = format!("{:06}", 730_518 + i);
        let t = Instant::now();
        let h = PinHash::new(&pin, password::fresh_salt()).map_err(|e| e.to_string())?;
        hash.push(t.elapsed());
        let t = Instant::now();
        if !h.verify(&pin) {
            return Err("a hash does not verify its own password".into());
        }
        verify.push(t.elapsed());
    }
    Ok((stats(hash), stats(verify)))
}

fn owasp(n: usize) -> Result<Stats, String> {
    let params = Params::new(19 * 1024, 2, 1, Some(32)).map_err(|e| e.to_string())?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut out = [0u8; 32];
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        let pin = format!("{:06}", 730_518 + i);
        let t = Instant::now();
        argon
            .hash_password_into(pin.as_bytes(), &password::fresh_salt(), &mut out)
            .map_err(|e| e.to_string())?;
        samples.push(t.elapsed());
    }
    Ok(stats(samples))
}

async fn password_changes(n: usize) -> Result<Stats, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = finsandbox::sandbox::SandboxConfig {
        addr: "127.0.0.1:0".parse().map_err(|e| format!("{e}"))?,
        ..Default::default()
    };
    let sandbox = finsandbox::sandbox::start(config)
        .await
        .map_err(|e| format!("{e:#}"))?;
    let base = sandbox.base_url();
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| e.to_string())?;
    let json_of = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        (status, body)
    };
    let token = {
        let r = http
            .post(format!("{base}/portadores/oauth2/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials&client_id=bench&client_secret=bench-secret")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let (_, body) = json_of(r).await;
        body["access_token"].as_str().ok_or("no token")?.to_string()
    };
    let api = format!("{base}/portadores/api/v1/portadores");
    let offer = Offer {
        produto: 1,
        loja: 7,
        limite: None,
        renda_minima: 0.0,
    };
    let opened = http
        .post(format!("{api}/contas/pf"))
        .bearer_auth(&token)
        .json(&bodies::pf_body(42, "52998224725", offer))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let (status, body) = json_of(opened).await;
    let id = body["contaCartao"]
        .as_u64()
        .ok_or(format!("opening answered {status}: {body}"))?;
    http.post(format!("{api}/{id}/senhas/sms"))
        .bearer_auth(&token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let outbox = http
        .get(format!("{base}/sandbox/portadores/sms?idPortador={id}"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let (_, body) = json_of(outbox).await;
    let mut current = body["mensagens"][0]["senha"]
        .as_str()
        .ok_or("no SMS password")?
        .to_string();
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        let nova = if i % 2 == 0 { "730518" } else { "482057" }.to_string();
        let t = Instant::now();
        let r = http
            .patch(format!("{api}/{id}/senha"))
            .bearer_auth(&token)
            .json(&json!({"senhaAtual": current, "novaSenha": nova}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        samples.push(t.elapsed());
        if r.status().as_u16() != 204 {
            return Err(format!("PATCH /senha answered {}", r.status()));
        }
        current = nova;
    }
    sandbox.stop().await;
    Ok(stats(samples))
}

fn main() -> ExitCode {
    let n = count("FINSANDBOX_BENCH_HASHES", 200);
    let changes = count("FINSANDBOX_BENCH_CHANGES", 100);
    let run = || -> Result<(), String> {
        let (hash, verify) = hashes(n)?;
        let strong = owasp((n / 4).max(10))?;
        print("Argon2id m=2MiB t=1 p=1: hash", &hash);
        print("Argon2id m=2MiB t=1 p=1: verify", &verify);
        print("Argon2id m=19MiB t=2 p=1 (OWASP minimum): hash", &strong);
        println!(
            "cost ratio OWASP / family: {:.1}",
            strong.mean.as_secs_f64() / hash.mean.as_secs_f64()
        );
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let http = rt.block_on(password_changes(changes))?;
        print("PATCH /{idPortador}/senha over loopback HTTP", &http);
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("portadores_password: {e}");
            ExitCode::FAILURE
        }
    }
}
