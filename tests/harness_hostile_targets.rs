//! The harness against hostile targets: loopback servers that misbehave at the HTTP level (a body
//! that never ends, a drip, bytes that are not JSON, a connection cut inside the headers, a server
//! that never answers) and bodies just under and just over the byte cap. Whatever a target does, the
//! run ends by itself with a failed report that says at each failing step what went wrong, and the
//! harness's memory stays bounded (measured on the real binary at its default limits).
//!
//! The library runs use a 64 KiB cap, and a 1 s request timeout where time is what is tested, so
//! the suite stays fast; the defaults are exercised by the binary runs at the end.

mod common;

use std::io::Read as _;
use std::time::{Duration, Instant};

use bytes::Bytes;
use finsandbox::harness::limits::LimitChoices;
use finsandbox::harness::report::{RunReport, Status};
use finsandbox::harness::{self, CheckOptions, TargetChoice};
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CAP: u64 = 64 * 1024;

/// What a hostile server does with a connection once it has read a request's head and body.
type Behaviour = fn(TcpStream) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

/// A raw TCP server on 127.0.0.1 that treats every connection with one behaviour. Dropping it
/// stops the accept loop, and with it every connection still open (they live in its `JoinSet`).
struct Hostile {
    addr: std::net::SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Hostile {
    async fn start(behaviour: Behaviour) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("loopback port");
        let addr = listener.local_addr().expect("bound address");
        let task = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((mut stream, _)) = accepted else { continue };
                        connections.spawn(async move {
                            // The request is read whole first: closing a socket with unread bytes
                            // makes the kernel answer with a reset instead of our bytes.
                            if read_request(&mut stream).await {
                                behaviour(stream).await;
                            }
                        });
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        Hostile { addr, task }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Reads one request head and its Content-Length body; false when the client went away.
async fn read_request(stream: &mut TcpStream) -> bool {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut have = buf.len() - head_end;
    while have < length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => have += n,
        }
    }
    true
}

/// A JSON array that goes on for ever, in 64 KiB pieces.
fn json_piece() -> Vec<u8> {
    let record = br#"{"cpfNumber":"52998224725","civilName":"Maria"},"#;
    record.iter().copied().cycle().take(64 * 1024).collect()
}

/// Declares a 2 GB body and streams a JSON array until the reader goes away.
fn endless_with_length(mut s: TcpStream) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2000000000\r\n\r\n[";
        if s.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let piece = json_piece();
        while s.write_all(&piece).await.is_ok() {}
    })
}

/// Declares no length and streams chunks of a JSON array until the reader goes away: the reader
/// can only learn the size by counting.
fn endless_chunked(mut s: TcpStream) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n1\r\n[\r\n";
        if s.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let piece = json_piece();
        let mut chunk = format!("{:x}\r\n", piece.len()).into_bytes();
        chunk.extend_from_slice(&piece);
        chunk.extend_from_slice(b"\r\n");
        while s.write_all(&chunk).await.is_ok() {}
    })
}

/// Sends its head at once, then one byte of the body at a time, slowly.
fn drip(mut s: TcpStream) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let head =
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n";
        if s.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        for b in b"{\"data\": [".iter().cycle() {
            if s.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    })
}

/// Closes the connection half-way through the response headers.
fn cut_in_headers(mut s: TcpStream) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: applica")
            .await;
        let _ = s.shutdown().await;
    })
}

/// Accepts, reads the request, and never answers.
fn silent(s: TcpStream) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        let _keep_open = s;
        std::future::pending::<()>().await;
    })
}

fn small_limits() -> LimitChoices {
    LimitChoices {
        max_response_bytes: Some(CAP),
        request_timeout: Some(Duration::from_secs(1)),
        scenario_timeout: Some(Duration::from_secs(20)),
    }
}

/// For runs where time is not what is tested: a loaded machine must not turn a slow answer into
/// a failure of another kind.
fn patient_limits() -> LimitChoices {
    LimitChoices {
        request_timeout: Some(Duration::from_secs(20)),
        scenario_timeout: Some(Duration::from_secs(60)),
        ..small_limits()
    }
}

/// Runs the v2 features against `url` with `limits`; the report and how long the run took.
async fn check(url: String, limits: LimitChoices) -> (RunReport, Duration) {
    check_tags(url, limits, "@v2").await
}

async fn check_tags(url: String, limits: LimitChoices, tags: &str) -> (RunReport, Duration) {
    let started = Instant::now();
    let options = CheckOptions {
        target: TargetChoice::Url(url),
        tags: Some(tags.into()),
        limits,
        ..CheckOptions::default()
    };
    let report = harness::run(&options).await.expect("harness runs");
    (report, started.elapsed())
}

/// Every failing step's message and every skip reason of a report, with the scenario's name.
fn outcomes(report: &RunReport) -> Vec<(Status, String, String)> {
    let mut out = Vec::new();
    for (_, s) in report.scenarios() {
        match s.status {
            Status::Failed => {
                for step in &s.steps {
                    if let Some(f) = &step.failure {
                        out.push((Status::Failed, s.name.clone(), f.message.clone()));
                    }
                }
            }
            Status::Skipped => out.push((
                Status::Skipped,
                s.name.clone(),
                s.skip_reason.clone().unwrap_or_default(),
            )),
            _ => {}
        }
    }
    out
}

/// The run failed, nothing passed, every failing step names the defect (`any` of the phrases) in
/// its message, and so does every skipped scenario, unless it was skipped for what a target
/// without a control API cannot provide, before it sent anything.
fn assert_each_step_says(report: &RunReport, any: &[&str]) {
    let counts = report.counts();
    assert!(!report.passed(), "{counts:?}");
    assert_eq!(report.status(), Status::Failed, "{counts:?}");
    assert_eq!(counts.passed, 0, "{counts:?}");
    let outcomes = outcomes(report);
    let mut failed = 0;
    for (status, scenario, message) in &outcomes {
        let names_defect = any.iter().any(|p| message.contains(p));
        match status {
            Status::Failed => {
                failed += 1;
                assert!(
                    names_defect,
                    "failed \"{scenario}\" does not say {any:?}: {message}"
                );
            }
            _ => assert!(
                names_defect || message.contains("control API"),
                "skipped \"{scenario}\" does not say {any:?}: {message}"
            ),
        }
    }
    assert!(failed >= 5, "{counts:?}");
}

#[tokio::test]
async fn a_body_declared_at_2_gb_that_streams_for_ever_fails_each_step_at_the_cap() {
    let target = Hostile::start(endless_with_length).await;
    let (report, took) = check(target.url(), patient_limits()).await;
    drop(target);
    assert_each_step_says(
        &report,
        &[
            "the body is larger than 64 KiB (limit 64 KiB, --max-response-bytes): its Content-Length declares 2000000000 bytes",
        ],
    );
    assert!(took < Duration::from_secs(20), "{took:?}");
    // The start of the body is kept as evidence.
    let failure = report
        .scenarios()
        .flat_map(|(_, s)| &s.steps)
        .find_map(|st| st.failure.as_ref())
        .expect("a failure");
    let body = failure
        .evidence
        .as_ref()
        .and_then(|e| e.response.as_ref())
        .and_then(|r| r.body.as_deref())
        .expect("the start of the body as evidence");
    assert!(body.starts_with("[{\"cpfNumber\""), "{}", &body[..40]);
}

#[tokio::test]
async fn a_chunked_body_that_streams_for_ever_is_cut_at_the_cap() {
    let target = Hostile::start(endless_chunked).await;
    let (report, took) = check(target.url(), patient_limits()).await;
    drop(target);
    assert_each_step_says(
        &report,
        &[
            "the body is larger than 64 KiB (limit 64 KiB, --max-response-bytes): reading stopped after",
        ],
    );
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[tokio::test]
async fn a_target_that_drips_its_body_fails_each_step_at_the_time_limit() {
    let target = Hostile::start(drip).await;
    let (report, took) = check(target.url(), small_limits()).await;
    drop(target);
    assert_each_step_says(
        &report,
        &["the body did not arrive within 1 s, the time limit of one request (--timeout)"],
    );
    // Each scenario stops at its first request: about a second per wave of 16 scenarios.
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[tokio::test]
async fn a_target_that_never_answers_fails_each_step_at_the_time_limit() {
    let target = Hostile::start(silent).await;
    let (report, took) = check(target.url(), small_limits()).await;
    drop(target);
    assert_each_step_says(
        &report,
        &["the target did not answer within 1 s, the time limit of one request (--timeout)"],
    );
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[tokio::test]
async fn the_scenario_time_limit_stops_a_scenario_before_its_request_limit() {
    let target = Hostile::start(silent).await;
    let limits = LimitChoices {
        request_timeout: Some(Duration::from_secs(3)),
        scenario_timeout: Some(Duration::from_secs(1)),
        ..small_limits()
    };
    let (report, took) = check(target.url(), limits).await;
    drop(target);
    // The run starts by asking whether the target has a control API, which only the request
    // limit bounds; every scenario after that stops at 1 s.
    assert_each_step_says(
        &report,
        &["1 s, the time limit of the scenario (--scenario-timeout)"],
    );
    assert!(took < Duration::from_secs(3 + 15), "{took:?}");
}

#[tokio::test]
async fn a_connection_closed_inside_the_headers_fails_each_step_at_once() {
    let target = Hostile::start(cut_in_headers).await;
    let (report, took) = check(target.url(), patient_limits()).await;
    drop(target);
    assert_each_step_says(&report, &["connection closed before message completed"]);
    assert!(took < Duration::from_secs(10), "{took:?}");
}

/// The sandbox behind a proxy that keeps statuses and headers and rewrites every body.
async fn sandbox_with_bodies(
    rewrite: fn(Bytes) -> Bytes,
) -> (finsandbox::sandbox::RunningSandbox, common::LoopbackServer) {
    let sandbox = finsandbox::sandbox::start(common::config())
        .await
        .expect("sandbox");
    let upstream = sandbox.base_url();
    let client = common::http_client();
    let proxy = common::serve_loopback(move |req: Request<hyper::body::Incoming>, _| {
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
                r = r.header(k, v);
            }
            let resp = r.body(body.to_vec()).send().await.expect("sandbox answers");
            let status = resp.status();
            let headers = resp.headers().clone();
            let body = resp.bytes().await.unwrap_or_default();
            let mut out = Response::new(Full::new(rewrite(body)));
            *out.status_mut() = status;
            for (k, v) in &headers {
                if k != "content-length" {
                    out.headers_mut().append(k, v.clone());
                }
            }
            out
        }
    })
    .await;
    (sandbox, proxy)
}

#[tokio::test]
async fn bytes_that_are_not_utf8_are_reported_as_such() {
    let (sandbox, proxy) = sandbox_with_bodies(|b| {
        let mut out = b"\xff\xfe".to_vec();
        out.extend_from_slice(&b);
        Bytes::from(out)
    })
    .await;
    let (report, _) = check_tags(
        format!("http://{}", proxy.addr),
        patient_limits(),
        "@v2 or @consents",
    )
    .await;
    drop(proxy);
    sandbox.stop().await;
    let msg = common::failure_of(&report, "without a token matches ResponseError");
    assert!(
        msg.contains("the body of HTTP 401 is not JSON: the body is not valid UTF-8 (first invalid byte at offset 0)"),
        "{msg}"
    );
    assert!(!report.passed());
    // The token endpoint's answer is junk too: the scenarios that need its token are skipped,
    // saying why.
    let reasons: Vec<_> = report
        .scenarios_with(Status::Skipped)
        .filter_map(|(_, s)| s.skip_reason.as_deref())
        .collect();
    let reason = reasons
        .iter()
        .find(|r| r.contains("token endpoint"))
        .unwrap_or_else(|| panic!("no scenario skipped for want of a token: {reasons:#?}"));
    assert!(
        reason.contains("answered 200 without an access_token (the body is not valid UTF-8"),
        "{reason}"
    );
}

#[tokio::test]
async fn json_cut_short_is_reported_with_the_parser_s_reason() {
    let (sandbox, proxy) = sandbox_with_bodies(|b| b.slice(..b.len() / 2)).await;
    let (report, _) = check(format!("http://{}", proxy.addr), patient_limits()).await;
    drop(proxy);
    sandbox.stop().await;
    let msg = common::failure_of(&report, "without a token matches ResponseError");
    assert!(
        msg.contains("the body of HTTP 401 is not JSON: invalid JSON: EOF while parsing"),
        "{msg}"
    );
    assert!(!report.passed());
}

#[tokio::test]
async fn a_body_wrong_thousands_of_times_keeps_a_hundred_findings() {
    // Within the cap and the JSON value limit (4096 at 64 KiB): parsed and judged.
    let (sandbox, proxy) = sandbox_with_bodies(|_| {
        let zeros = vec!["0"; 3000].join(",");
        Bytes::from(format!("{{\"errors\": [{zeros}]}}"))
    })
    .await;
    let (report, _) = check(format!("http://{}", proxy.addr), patient_limits()).await;
    drop(proxy);
    sandbox.stop().await;
    let (_, scenario) = report
        .scenarios()
        .find(|(_, s)| s.name.contains("without a token matches ResponseError"))
        .expect("the scenario ran");
    let failure = scenario
        .steps
        .iter()
        .find_map(|st| st.failure.as_ref())
        .expect("a failure");
    assert!(
        failure
            .message
            .contains("100 finding(s) or more, first at /errors (schema:maxItems)"),
        "{}",
        failure.message
    );
    assert_eq!(failure.findings.len(), 100);
}

#[tokio::test]
async fn a_body_too_dense_to_parse_is_not_judged() {
    // 10 000 values in 20 KB: within the 64 KiB cap, past its 4096 JSON values.
    let (sandbox, proxy) =
        sandbox_with_bodies(|_| Bytes::from(format!("[{}0]", "0,".repeat(9_999)))).await;
    let (report, _) = check(format!("http://{}", proxy.addr), patient_limits()).await;
    drop(proxy);
    sandbox.stop().await;
    let msg = common::failure_of(&report, "without a token matches ResponseError");
    assert!(
        msg.contains("the body of HTTP 401 is not judged: the body holds up to 10001 JSON values, more than the harness parses (4096 with a 64 KiB limit, --max-response-bytes)"),
        "{msg}"
    );
}

/// Pads a JSON body with trailing spaces (still the same JSON) to exactly `n` bytes.
fn pad_to(b: Bytes, n: usize) -> Bytes {
    let mut out = b.to_vec();
    out.resize(n.max(out.len()), b' ');
    Bytes::from(out)
}

#[tokio::test]
async fn a_body_of_exactly_the_cap_is_read_and_judged() {
    let (sandbox, proxy) = sandbox_with_bodies(|b| pad_to(b, CAP as usize)).await;
    // Paging is left out: a walk keeps its pages within one cap in all, which pages padded to
    // the cap each pass by design.
    let (report, _) = check_tags(
        format!("http://{}", proxy.addr),
        patient_limits(),
        "@v2 and not @paging",
    )
    .await;
    drop(proxy);
    sandbox.stop().await;
    // The sandbox is right, and a body at the cap is not too large: every scenario passes (the
    // proxy passes the control API through, so none is skipped).
    let counts = report.counts();
    assert_eq!(
        counts.failed,
        0,
        "{}",
        finsandbox::harness::report::console::summary(&report, false)
    );
    assert_eq!(counts.skipped, 0, "{counts:?}");
    assert!(counts.passed >= 30, "{counts:?}");
}

#[tokio::test]
async fn a_paging_walk_keeps_its_pages_within_one_cap() {
    // Every page at the cap: the second one takes the pages kept past it.
    let (sandbox, proxy) = sandbox_with_bodies(|b| pad_to(b, CAP as usize)).await;
    let (report, _) = check_tags(
        format!("http://{}", proxy.addr),
        patient_limits(),
        "@paging",
    )
    .await;
    drop(proxy);
    sandbox.stop().await;
    let msg = common::failure_of(&report, "walking the pages of a customer with many records");
    assert!(
        msg.contains("the walk stopped after page 2: the pages read so far hold 128 KiB, more than the limit of 64 KiB (--max-response-bytes)"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_body_one_byte_over_the_cap_fails_each_step() {
    let (sandbox, proxy) = sandbox_with_bodies(|b| pad_to(b, CAP as usize + 1)).await;
    let (report, _) = check(format!("http://{}", proxy.addr), patient_limits()).await;
    drop(proxy);
    sandbox.stop().await;
    assert_each_step_says(
        &report,
        &[
            "the body is larger than 64 KiB (limit 64 KiB, --max-response-bytes): its Content-Length declares 65537 bytes",
        ],
    );
}

#[tokio::test]
async fn headers_past_the_cap_fail_the_step() {
    let (sandbox, proxy) = sandbox_with_bodies(|b| b).await;
    // A cap smaller than the sandbox's own header block (but larger than its bodies' start).
    let limits = LimitChoices {
        max_response_bytes: Some(120),
        ..patient_limits()
    };
    let (report, _) = check(format!("http://{}", proxy.addr), limits).await;
    drop(proxy);
    sandbox.stop().await;
    let msg = common::failure_of(&report, "without a token matches ResponseError");
    assert!(
        msg.contains(
            "the response headers are larger than 120 bytes (limit 120 bytes, --max-response-bytes)"
        ),
        "{msg}"
    );
}

// ------------------------------------------------------------------ the binary, default limits

/// Kills the child if the test fails before it is reaped, so no `finsandbox check` outlives it.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Peak resident memory so far (`VmHWM`) of a running process, in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let mut status = String::new();
    std::fs::File::open(format!("/proc/{pid}/status"))
        .and_then(|mut f| f.read_to_string(&mut status))
        .ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

struct BinaryRun {
    exit: Option<i32>,
    peak_rss_mib: f64,
    took: Duration,
    report: serde_json::Value,
}

/// Runs `finsandbox check --target URL --tags @v2 EXTRA...` at its default limits and
/// concurrency, watching its peak memory while it runs. VmHWM is a high-water mark, so polling
/// misses nothing but the last few milliseconds before the exit.
async fn run_binary(url: String, extra: &[&str]) -> BinaryRun {
    let dir = std::env::temp_dir().join(format!(
        "finsandbox-hostile-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4()
    ));
    let started = Instant::now();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_finsandbox"))
        .args(["check", "--target", &url, "--tags", "@v2", "--report-dir"])
        .arg(&dir)
        .args(extra)
        .env("FINSANDBOX_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("finsandbox check starts");
    let mut child = Child(child);
    let pid = child.0.id();
    let mut peak_kib = 0;
    let exit = loop {
        if let Some(kib) = peak_rss_kib(pid) {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.0.try_wait().expect("wait") {
            break status.code();
        }
        assert!(
            started.elapsed() < Duration::from_secs(240),
            "finsandbox check did not end by itself"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let took = started.elapsed();
    let report = std::fs::read_to_string(dir.join("report.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null);
    let _ = std::fs::remove_dir_all(&dir);
    BinaryRun {
        exit,
        peak_rss_mib: peak_kib as f64 / 1024.0,
        took,
        report,
    }
}

fn assert_failed_run(run: &BinaryRun, what: &str) {
    eprintln!(
        "{what}: exit {:?}, peak RSS {:.1} MiB, {:.1} s",
        run.exit,
        run.peak_rss_mib,
        run.took.as_secs_f64()
    );
    assert_eq!(run.exit, Some(1), "{what}");
    assert_eq!(run.report["status"], "FAILED", "{what}: {}", run.report);
}

#[tokio::test]
async fn peak_memory_stays_under_300_mb_against_streaming_targets_at_the_defaults() {
    // No --max-response-bytes, --timeout or --concurrency: the defaults (16 MiB, 30 s, 16).
    for (what, behaviour) in [
        (
            "Content-Length 2 GB, streams for ever",
            endless_with_length as Behaviour,
        ),
        ("chunked, streams for ever", endless_chunked as Behaviour),
    ] {
        let target = Hostile::start(behaviour).await;
        let run = run_binary(target.url(), &[]).await;
        drop(target);
        assert_failed_run(&run, what);
        assert!(
            run.peak_rss_mib < 300.0,
            "{what}: peak RSS {:.1} MiB",
            run.peak_rss_mib
        );
        let first = run.report["features"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|f| f["scenarios"].as_array().into_iter().flatten())
            .flat_map(|s| s["steps"].as_array().into_iter().flatten())
            .find_map(|st| st["failure"]["message"].as_str())
            .unwrap_or_default()
            .to_string();
        assert!(
            first.contains("the body is larger than 16 MiB (limit 16 MiB, --max-response-bytes)"),
            "{what}: {first}"
        );
    }
}

#[tokio::test]
async fn the_binary_ends_with_exit_1_and_a_report_against_every_hostile_target() {
    for (what, behaviour) in [
        ("drips", drip as Behaviour),
        ("cut inside the headers", cut_in_headers as Behaviour),
        ("never answers", silent as Behaviour),
    ] {
        let target = Hostile::start(behaviour).await;
        let run = run_binary(target.url(), &["--timeout", "1", "--scenario-timeout", "5"]).await;
        drop(target);
        assert_failed_run(&run, what);
    }
}
