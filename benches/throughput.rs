//! Load test of the sandbox's hot path against a bare hyper server, in one run.
//!
//! `cargo bench --bench throughput` measures requests/s of
//! `GET /open-banking/customers/v2/personal/identifications` (valid token of an authorised consent)
//! and of a bare hyper 1 server that returns a body of the same size with the same headers, prints
//! the ratio sandbox/baseline, latency percentiles at 64 connections, and the sandbox's resident
//! memory over a million requests. It exits non-zero when a target of DESIGN.md ("Fast") is missed:
//! ratio >= 0.5, p99 < 10 ms at 64 connections, memory flat.
//!
//! Both servers run as child processes of this binary (it re-executes itself with
//! `FINSANDBOX_BENCH_ROLE`), so they get the same conditions, and the sandbox's memory is its own
//! `VmRSS`, not the load generator's. The generator is one lean raw-HTTP/1.1 client, identical for
//! both targets; it shares the machine's cores with the server under test, as any loopback load
//! test does, which is why only the ratio is meaningful across machines.
//!
//! Phases: a warm-up of each server; throughput, with the two servers taking turns in slices of
//! about two seconds; then memory, a million requests to the sandbox with its RSS read every 100k.
//!
//! Settings (environment): `FINSANDBOX_BENCH_SECONDS` (10) of throughput load per server,
//! `FINSANDBOX_BENCH_CONNECTIONS` (64), `FINSANDBOX_BENCH_REQUESTS` (1000000) for the memory phase,
//! `FINSANDBOX_BENCH_WARMUP_SECONDS` (2). Traffic goes to loopback only; both children are killed
//! on exit and on panic, and they exit by themselves if this process dies (their stdin closes).
//!
//! Not run in CI: it takes a minute or two and wants a quiet machine.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hdrhistogram::Histogram;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ROLE_ENV: &str = "FINSANDBOX_BENCH_ROLE";
/// The body the baseline answers with: the sandbox's own identification response, byte for byte.
const BODY_ENV: &str = "FINSANDBOX_BENCH_BODY";
/// `name: value` lines the baseline sends, copied from the sandbox's response.
const HEADERS_ENV: &str = "FINSANDBOX_BENCH_HEADERS";

const IDENTIFICATIONS: &str = "/open-banking/customers/v2/personal/identifications";
const CPF: &str = "52998224725";

const TARGET_RATIO: f64 = 0.5;
const TARGET_P99: Duration = Duration::from_millis(10);
/// Memory is "flat" when RSS grows less than this share of the 200k sample, or less than
/// `FLAT_BYTES`: a few MB of allocator slack are noise, a leak of a few bytes per request is not
/// (a million requests would add megabytes).
const FLAT_SHARE: f64 = 0.10;
const FLAT_BYTES: u64 = 4 * 1024 * 1024;
const SAMPLE_EVERY: u64 = 100_000;

fn main() -> ExitCode {
    let result = match std::env::var(ROLE_ENV).as_deref() {
        Ok("sandbox") => child_sandbox(),
        Ok("baseline") => child_baseline(),
        Ok(other) => Err(format!("unknown {ROLE_ENV} {other:?}")),
        Err(_) => return parent(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench child: {e}");
            ExitCode::from(2)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Children: the two servers.

/// The runtime both servers use: the one `finsandbox serve` builds, so neither gets an advantage.
fn server_runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

/// Exits when the parent closes our stdin, which it does on exit, panic or death: a benchmark must
/// never leave a server running.
fn exit_with_parent() {
    std::thread::spawn(|| {
        let mut sink = [0u8; 64];
        let mut stdin = std::io::stdin();
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        std::process::exit(0);
    });
}

fn announce(addr: SocketAddr) {
    // The parent reads this one line to learn the port (port 0 picked a free one).
    println!("port {}", addr.port());
}

fn child_sandbox() -> Result<(), String> {
    use finsandbox::sandbox::{App, SandboxConfig, serve_listener};
    exit_with_parent();
    let rt = server_runtime()?;
    rt.block_on(async {
        let config = SandboxConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..SandboxConfig::default()
        };
        let app = Arc::new(App::new(config).map_err(|e| e.to_string())?);
        let listener = tokio::net::TcpListener::bind(app.config.addr)
            .await
            .map_err(|e| e.to_string())?;
        announce(listener.local_addr().map_err(|e| e.to_string())?);
        serve_listener(listener, app, std::future::pending()).await;
        Ok(())
    })
}

fn child_baseline() -> Result<(), String> {
    use http_body_util::Full;
    use hyper::header::{HeaderName, HeaderValue};
    use hyper::server::conn::http1;
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;

    exit_with_parent();
    let body = Bytes::from(std::env::var(BODY_ENV).map_err(|_| format!("{BODY_ENV} not set"))?);
    let mut headers = hyper::HeaderMap::new();
    for line in std::env::var(HEADERS_ENV).unwrap_or_default().lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|e| e.to_string())?;
        let value = HeaderValue::from_str(value.trim()).map_err(|e| e.to_string())?;
        headers.insert(name, value);
    }
    let rt = server_runtime()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .map_err(|e| e.to_string())?;
        announce(listener.local_addr().map_err(|e| e.to_string())?);
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let (body, headers) = (body.clone(), headers.clone());
            // Bare hyper: the smallest server that answers the same bytes.
            let service = service_fn(move |_req| {
                let mut response = hyper::Response::new(Full::new(body.clone()));
                *response.headers_mut() = headers.clone();
                async move { Ok::<_, std::convert::Infallible>(response) }
            });
            tokio::spawn(async move {
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Parent: set-up, load, report.

/// A server child, killed when dropped (also while unwinding from a panic).
struct Server {
    name: &'static str,
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn spawn(role: &'static str, env: &[(&str, &str)]) -> Result<Server, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut command = Command::new(exe);
        command
            .env(ROLE_ENV, role)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start the {role} server: {e}"))?;
        let mut line = String::new();
        let read = child
            .stdout
            .take()
            .map(|out| BufReader::new(out).read_line(&mut line));
        let port = line
            .trim()
            .strip_prefix("port ")
            .and_then(|p| p.parse::<u16>().ok());
        match (read, port) {
            (Some(Ok(_)), Some(port)) => Ok(Server {
                name: role,
                child,
                addr: SocketAddr::from(([127, 0, 0, 1], port)),
            }),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!("the {role} server did not announce its port"))
            }
        }
    }

    /// CPU time the server process has used (all threads, user and system).
    fn cpu(&self) -> Option<Duration> {
        cpu_time(&self.child.id().to_string())
    }

    /// Resident memory of the server process, in bytes.
    fn rss(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// utime + stime of a process from `/proc/<pid>/stat`, in the kernel's fixed USER_HZ (100/s)
/// clock ticks: a 10 ms resolution is plenty over a phase of seconds.
fn cpu_time(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; fields after it are plain numbers.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

#[derive(Clone, Copy)]
struct Settings {
    seconds: u64,
    warmup_seconds: u64,
    connections: usize,
    requests: u64,
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(v) => v
            .replace('_', "")
            .parse()
            .map_err(|_| format!("{name}={v:?} is not a number")),
    }
}

impl Settings {
    fn from_env() -> Result<Settings, String> {
        Ok(Settings {
            seconds: env_number("FINSANDBOX_BENCH_SECONDS", 10)?,
            warmup_seconds: env_number("FINSANDBOX_BENCH_WARMUP_SECONDS", 2)?,
            connections: env_number("FINSANDBOX_BENCH_CONNECTIONS", 64)?.max(1),
            requests: env_number("FINSANDBOX_BENCH_REQUESTS", 1_000_000)?,
        })
    }
}

fn parent() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // One worker thread: the generator must leave as much CPU as it can to the server under test,
    // and a single thread drives 64 connections without locks or cross-thread wake-ups.
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(run(settings)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(settings: Settings) -> Result<bool, String> {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "finsandbox throughput: {} connections, {} s per server (+{} s warm-up), {} requests for memory, {cpus} CPUs",
        settings.connections, settings.seconds, settings.warmup_seconds, settings.requests
    );

    let sandbox = Server::spawn("sandbox", &[])?;
    let token = consent_flow(sandbox.addr).await?;
    let ids = interaction_ids(4096);
    let sandbox_target = Target::new(sandbox.addr, &token, ids.clone());

    // The baseline answers exactly what the sandbox answers: same body size, same headers.
    let sample = Conn::connect(sandbox.addr)
        .await?
        .send(&sandbox_target.request(0))
        .await?;
    if sample.status != 200 {
        return Err(format!(
            "the sandbox answered {} to the identification request: {}",
            sample.status,
            String::from_utf8_lossy(&sample.body)
        ));
    }
    let body = String::from_utf8(sample.body.clone()).map_err(|e| e.to_string())?;
    let headers: String = sample
        .headers
        .iter()
        .filter(|(n, _)| !matches!(n.as_str(), "content-length" | "date"))
        .map(|(n, v)| format!("{n}: {v}\n"))
        .collect();
    let baseline = Server::spawn("baseline", &[(BODY_ENV, &body), (HEADERS_ENV, &headers)])?;
    let baseline_target = Target::new(baseline.addr, &token, ids);
    let check = Conn::connect(baseline.addr)
        .await?
        .send(&baseline_target.request(0))
        .await?;
    if check.status != 200 || check.body.len() != sample.body.len() {
        return Err("the baseline does not answer like the sandbox".into());
    }
    println!(
        "response: {} body bytes, {} headers (both servers)",
        sample.body.len(),
        sample.headers.len()
    );

    let warmup = Duration::from_secs(settings.warmup_seconds);
    for (server, target) in [(&baseline, &baseline_target), (&sandbox, &sandbox_target)] {
        let warm = load(target, settings.connections, Stop::After(warmup)).await?;
        if warm.errors > 0 {
            return Err(format!(
                "{} errors while warming up the {} server: {}",
                warm.errors,
                server.name,
                warm.first_error.unwrap_or_default()
            ));
        }
    }
    // The two targets take turns in slices of about two seconds, so a neighbour's burst of CPU or a
    // thermal change lands on both rather than on whichever ran at that moment.
    let rounds = settings.seconds.div_ceil(2).max(1);
    let slice = Duration::from_secs(settings.seconds) / rounds as u32;
    let (mut base, mut sand) = (Phase::empty(), Phase::empty());
    for _ in 0..rounds {
        base.absorb(measured(&baseline, &baseline_target, settings.connections, slice).await?)?;
        sand.absorb(measured(&sandbox, &sandbox_target, settings.connections, slice).await?)?;
    }
    drop(baseline);

    // A fresh token: access tokens live 15 minutes, and the memory phase must not outlive its own.
    let token = consent_flow(sandbox.addr).await?;
    let memory_target = Target::new(sandbox.addr, &token, sandbox_target.ids.clone());
    let memory = load(
        &memory_target,
        settings.connections,
        Stop::Count {
            total: settings.requests,
            server: &sandbox,
        },
    )
    .await?;
    report(settings, &base, &sand, &memory)
}

/// One slice of load, with the CPU time the server and this process spent on it.
async fn measured(
    server: &Server,
    target: &Target,
    connections: usize,
    duration: Duration,
) -> Result<Phase, String> {
    let (server_before, client_before) = (server.cpu(), cpu_time("self"));
    let mut phase = load(target, connections, Stop::After(duration)).await?;
    phase.cpu = match (server.cpu(), server_before, cpu_time("self"), client_before) {
        (Some(s1), Some(s0), Some(c1), Some(c0)) => Some((s1 - s0, c1 - c0)),
        _ => None,
    };
    Ok(phase)
}

/// The consent journey a client makes, over HTTP: client_credentials token, consent, authorisation
/// (through the control API, standing in for the customer's redirect), authorization_code token.
async fn consent_flow(addr: SocketAddr) -> Result<String, String> {
    let mut conn = Conn::connect(addr).await?;
    let host = addr.to_string();
    let form = "application/x-www-form-urlencoded";
    let ok = |step: &str, r: &Reply, status: u16| -> Result<serde_json::Value, String> {
        if r.status != status {
            return Err(format!(
                "{step}: expected {status}, got {}: {}",
                r.status,
                String::from_utf8_lossy(&r.body)
            ));
        }
        serde_json::from_slice(&r.body).map_err(|e| format!("{step}: {e}"))
    };

    let r = conn
        .send(&raw_request(
            "POST",
            "/auth/token",
            &host,
            &[("content-type", form)],
            b"grant_type=client_credentials&scope=consents",
        ))
        .await?;
    let client_token = ok("client_credentials token", &r, 200)?["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    let consent = serde_json::json!({"data": {
        "loggedUser": {"document": {"identification": CPF, "rel": "CPF"}},
        "permissions": ["CUSTOMERS_PERSONAL_IDENTIFICATIONS_READ", "RESOURCES_READ"],
    }});
    let bearer = format!("Bearer {client_token}");
    let interaction = uuid::Uuid::new_v4().to_string();
    let r = conn
        .send(&raw_request(
            "POST",
            "/open-banking/consents/v3/consents",
            &host,
            &[
                ("content-type", "application/json"),
                ("authorization", &bearer),
                ("x-fapi-interaction-id", &interaction),
            ],
            consent.to_string().as_bytes(),
        ))
        .await?;
    let consent_id = ok("create consent", &r, 201)?["data"]["consentId"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    let r = conn
        .send(&raw_request(
            "POST",
            &format!("/sandbox/consents/{consent_id}/authorise"),
            &host,
            &[],
            b"",
        ))
        .await?;
    let code = ok("authorise consent", &r, 200)?["code"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    let r = conn
        .send(&raw_request(
            "POST",
            "/auth/token",
            &host,
            &[("content-type", form)],
            format!("grant_type=authorization_code&code={code}").as_bytes(),
        ))
        .await?;
    let token = ok("authorization_code token", &r, 200)?["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if token.is_empty() {
        return Err("the token endpoint returned no access_token".into());
    }
    Ok(token)
}

fn raw_request(
    method: &str,
    path: &str,
    host: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<u8> {
    let mut out =
        format!("{method} {path} HTTP/1.1\r\nhost: {host}\r\naccept: application/json\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// Fresh-looking interaction ids, made before the clock starts so the generator does not pay for
/// randomness while it measures.
fn interaction_ids(n: usize) -> Arc<Vec<String>> {
    Arc::new((0..n).map(|_| uuid::Uuid::new_v4().to_string()).collect())
}

/// The identification request, pre-rendered: only the interaction id changes between requests.
struct Target {
    addr: SocketAddr,
    head: Vec<u8>,
    ids: Arc<Vec<String>>,
}

impl Target {
    fn new(addr: SocketAddr, token: &str, ids: Arc<Vec<String>>) -> Target {
        let head = format!(
            "GET {IDENTIFICATIONS} HTTP/1.1\r\nhost: {addr}\r\naccept: application/json\r\nauthorization: Bearer {token}\r\nx-fapi-interaction-id: "
        );
        Target {
            addr,
            head: head.into_bytes(),
            ids,
        }
    }

    fn write_request(&self, n: usize, out: &mut Vec<u8>) {
        out.clear();
        out.extend_from_slice(&self.head);
        out.extend_from_slice(self.ids[n % self.ids.len()].as_bytes());
        out.extend_from_slice(b"\r\n\r\n");
    }

    fn request(&self, n: usize) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_request(n, &mut out);
        out
    }
}

/// A keep-alive HTTP/1.1 connection with the least client work per request: one write, reads into
/// a reused buffer, `httparse` for the head, `Content-Length` framing (both servers send it).
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// What the load loop needs of a response.
struct Head {
    status: u16,
}

/// A whole response, for the set-up requests.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Conn {
    async fn connect(addr: SocketAddr) -> Result<Conn, String> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        let _ = stream.set_nodelay(true);
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(16 * 1024),
        })
    }

    /// Writes one request and reads its response into `buf`; returns the status and where the body
    /// starts.
    async fn roundtrip(&mut self, request: &[u8]) -> std::io::Result<(Head, usize)> {
        use std::io::{Error, ErrorKind};
        self.stream.write_all(request).await?;
        self.buf.clear();
        loop {
            if self.buf.capacity() - self.buf.len() < 4096 {
                self.buf.reserve(16 * 1024);
            }
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                return Err(ErrorKind::UnexpectedEof.into());
            }
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut response = httparse::Response::new(&mut headers);
            let head_len = match response.parse(&self.buf) {
                Ok(httparse::Status::Complete(n)) => n,
                Ok(httparse::Status::Partial) => continue,
                Err(e) => return Err(Error::new(ErrorKind::InvalidData, e)),
            };
            let status = response.code.unwrap_or(0);
            let length = response
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .and_then(|h| std::str::from_utf8(h.value).ok())
                .and_then(|v| v.trim().parse::<usize>().ok())
                .ok_or_else(|| Error::new(ErrorKind::InvalidData, "no content-length"))?;
            let end = head_len + length;
            while self.buf.len() < end {
                if self.buf.capacity() - self.buf.len() < end - self.buf.len() {
                    self.buf.reserve(end - self.buf.len());
                }
                if self.stream.read_buf(&mut self.buf).await? == 0 {
                    return Err(ErrorKind::UnexpectedEof.into());
                }
            }
            return Ok((Head { status }, head_len));
        }
    }

    async fn send(&mut self, request: &[u8]) -> Result<Reply, String> {
        let (head, body_at) = self
            .roundtrip(request)
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        let _ = response.parse(&self.buf);
        Ok(Reply {
            status: head.status,
            headers: response
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_ascii_lowercase(),
                        String::from_utf8_lossy(h.value).into_owned(),
                    )
                })
                .collect(),
            body: self.buf[body_at..].to_vec(),
        })
    }
}

enum Stop<'a> {
    /// Throughput: every connection sends until the deadline.
    After(Duration),
    /// Memory: exactly `total` requests; the server's RSS is read every `SAMPLE_EVERY`.
    Count { total: u64, server: &'a Server },
}

struct Phase {
    requests: u64,
    errors: u64,
    first_error: Option<String>,
    elapsed: Duration,
    latency: Histogram<u64>,
    /// (requests sent, RSS bytes)
    rss: Vec<(u64, u64)>,
    /// CPU time of (server, load generator) over the phase, where measured.
    cpu: Option<(Duration, Duration)>,
}

impl Phase {
    fn empty() -> Phase {
        Phase {
            requests: 0,
            errors: 0,
            first_error: None,
            elapsed: Duration::ZERO,
            latency: histogram(),
            rss: Vec::new(),
            cpu: Some((Duration::ZERO, Duration::ZERO)),
        }
    }

    /// Adds a slice of the same target's load to this one.
    fn absorb(&mut self, other: Phase) -> Result<(), String> {
        self.requests += other.requests;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.elapsed += other.elapsed;
        self.latency
            .add(&other.latency)
            .map_err(|e| format!("histogram: {e}"))?;
        self.cpu = match (self.cpu, other.cpu) {
            (Some((s0, c0)), Some((s1, c1))) => Some((s0 + s1, c0 + c1)),
            _ => None,
        };
        Ok(())
    }

    fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
    fn percentile(&self, q: f64) -> Duration {
        Duration::from_micros(self.latency.value_at_quantile(q))
    }
}

fn histogram() -> Histogram<u64> {
    // Microseconds, 1 µs to 60 s, 3 significant digits.
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("static histogram bounds are valid")
}

/// Drives `connections` closed-loop connections (one request in flight each) until `stop`.
async fn load(target: &Target, connections: usize, stop: Stop<'_>) -> Result<Phase, String> {
    let (deadline, total) = match &stop {
        Stop::After(d) => (Some(Instant::now() + *d), u64::MAX),
        Stop::Count { total, .. } => (None, *total),
    };
    let server = match &stop {
        Stop::Count { server, .. } => Some(*server),
        Stop::After(_) => None,
    };
    let mut rss = Vec::new();
    if let Some(s) = server {
        rss.push((0, s.rss().unwrap_or(0)));
    }
    let tickets = AtomicU64::new(0);
    let samples = std::sync::Mutex::new(Vec::new());
    let started = Instant::now();

    let worker = |c: usize| {
        let (tickets, samples) = (&tickets, &samples);
        async move {
            let mut latency = histogram();
            let (mut done, mut errors, mut first_error) = (0u64, 0u64, None::<String>);
            let mut conn = Conn::connect(target.addr).await?;
            let mut request = Vec::with_capacity(target.head.len() + 64);
            let mut n = c;
            loop {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                let ticket = tickets.fetch_add(1, Ordering::Relaxed);
                if ticket >= total {
                    break;
                }
                if let Some(s) = server
                    && ticket > 0
                    && ticket % SAMPLE_EVERY == 0
                {
                    // A short blocking read of /proc: microseconds, once per 100k requests.
                    let value = s.rss().unwrap_or(0);
                    if let Ok(mut v) = samples.lock() {
                        v.push((ticket, value));
                    }
                }
                target.write_request(n, &mut request);
                n = n.wrapping_add(connections);
                let sent = Instant::now();
                match conn.roundtrip(&request).await {
                    Ok((head, _)) => {
                        let micros = sent.elapsed().as_micros() as u64;
                        let _ = latency.record(micros.max(1));
                        done += 1;
                        if head.status != 200 {
                            errors += 1;
                            first_error.get_or_insert_with(|| {
                                format!(
                                    "status {}: {}",
                                    head.status,
                                    String::from_utf8_lossy(&conn.buf)
                                )
                            });
                        }
                    }
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| format!("i/o: {e}"));
                        conn = Conn::connect(target.addr).await?;
                    }
                }
            }
            Ok::<_, String>((done, errors, first_error, latency))
        }
    };
    let results = futures::future::join_all((0..connections).map(worker)).await;
    let elapsed = started.elapsed();

    let mut phase = Phase {
        elapsed,
        cpu: None,
        ..Phase::empty()
    };
    for r in results {
        let (done, errors, first_error, latency) = r?;
        phase.requests += done;
        phase.errors += errors;
        if phase.first_error.is_none() {
            phase.first_error = first_error;
        }
        phase
            .latency
            .add(&latency)
            .map_err(|e| format!("histogram: {e}"))?;
    }
    rss.extend(samples.into_inner().unwrap_or_default());
    if let Some(s) = server {
        rss.push((phase.requests, s.rss().unwrap_or(0)));
    }
    phase.rss = rss;
    Ok(phase)
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn verdict(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

fn report(settings: Settings, base: &Phase, sand: &Phase, memory: &Phase) -> Result<bool, String> {
    println!();
    println!(
        "{:<10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>7}",
        "target", "requests", "req/s", "p50", "p99", "max", "errors"
    );
    for (name, p) in [("baseline", base), ("sandbox", sand), ("sandbox*", memory)] {
        println!(
            "{:<10} {:>10} {:>10.0} {:>10} {:>10} {:>10} {:>7}",
            name,
            p.requests,
            p.rate(),
            ms(p.percentile(0.50)),
            ms(p.percentile(0.99)),
            ms(Duration::from_micros(p.latency.max())),
            p.errors
        );
    }
    println!(
        "(sandbox* = the memory phase, {} requests)",
        settings.requests
    );
    for (name, p) in [("baseline", base), ("sandbox", sand)] {
        if let Some((server, client)) = p.cpu {
            let per = |d: Duration| d.as_secs_f64() * 1e6 / p.requests.max(1) as f64;
            println!(
                "{name}: CPU per request {:.1} µs in the server, {:.1} µs in the load generator",
                per(server),
                per(client)
            );
        }
    }

    let errors = base.errors + sand.errors + memory.errors;
    for (name, p) in [("baseline", base), ("sandbox", sand), ("memory", memory)] {
        if let Some(e) = &p.first_error {
            println!(
                "first error ({name}): {}",
                e.chars().take(400).collect::<String>()
            );
        }
    }

    println!();
    println!("sandbox VmRSS by requests sent:");
    for (n, bytes) in &memory.rss {
        println!("  {n:>9}  {}", mib(*bytes));
    }
    let at_200k = memory
        .rss
        .iter()
        .find(|(n, _)| *n >= 2 * SAMPLE_EVERY)
        .map(|(_, b)| *b);
    let end = memory.rss.last().map(|(_, b)| *b);
    let memory_ok = match (at_200k, end) {
        (Some(a), Some(e)) if a > 0 && e > 0 && memory.requests >= 1_000_000 => {
            let growth = e as i64 - a as i64;
            let share = growth as f64 / a as f64;
            println!(
                "  growth 200k -> end: {:+.1} MiB ({:+.1} %)",
                growth as f64 / (1024.0 * 1024.0),
                share * 100.0
            );
            share < FLAT_SHARE || growth < FLAT_BYTES as i64
        }
        _ => {
            println!("  (memory is judged over at least 1000000 requests with RSS readable)");
            false
        }
    };

    let ratio = sand.rate() / base.rate();
    let p99 = sand.percentile(0.99);
    let at_64 = settings.connections == 64;
    let ratio_ok = ratio >= TARGET_RATIO;
    let p99_ok = at_64 && p99 < TARGET_P99;
    println!();
    println!(
        "ratio sandbox/baseline: {ratio:.2} (target >= {TARGET_RATIO})  {}",
        verdict(ratio_ok)
    );
    println!(
        "sandbox p99 at {} connections: {} (target < {} at 64)  {}",
        settings.connections,
        ms(p99),
        ms(TARGET_P99),
        verdict(p99_ok)
    );
    println!(
        "sandbox memory over {} requests: flat (< {:.0} % or < {})  {}",
        memory.requests,
        FLAT_SHARE * 100.0,
        mib(FLAT_BYTES),
        verdict(memory_ok)
    );
    println!("errors: {errors}  {}", verdict(errors == 0));
    Ok(ratio_ok && p99_ok && memory_ok && errors == 0)
}
