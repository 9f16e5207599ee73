//! Bounds on what the harness takes from the implementation it checks: how many bytes of a response
//! (head and body) it reads, how long one request and one scenario may last, how large a JSON tree
//! it builds. The harness is pointed at implementations that are wrong; whatever one sends, a run's
//! memory stays within concurrency × the byte cap (times a small factor for parsed JSON) and every
//! run ends with a report.
//!
//! Both readers of the harness use [`read_body`] and [`head_size`]: the HTTP client
//! ([`super::client`]) and the loopback webhook receiver.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Body;
use hyper::header::HeaderMap;
use tokio::time::Instant;

/// `check --max-response-bytes` when neither the command line nor `target.toml` sets it.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;
/// `check --timeout`: one request, from sending it to the last byte of its body.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// `check --scenario-timeout`: long enough for the slowest scenario against a real target (the
/// Bankly rate-limit scenario sends 181 requests), short enough that a stuck run ends.
pub const DEFAULT_SCENARIO_TIMEOUT: Duration = Duration::from_secs(120);
/// How much of a body the reports keep as evidence, and how much of a body that is refused
/// (too large, too slow, cut off) is kept at all.
pub const EVIDENCE_BYTES: usize = 64 * 1024;
/// Parsed JSON takes several times the room of its text (`[0,0,...]` is 2 bytes a value on the
/// wire and about 80 in a tree), so a tree gets at most one value per this many bytes of the cap:
/// real bodies (20 bytes a value or more) are parsed up to the cap, and no tree holds more than
/// about 1M values (some 100 MB) at the default 16 MiB.
pub const BYTES_PER_JSON_VALUE: u64 = 16;
/// Largest value accepted for either timeout: a day.
const MAX_SECONDS: f64 = 86_400.0;

/// The limits of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest response body (and response head) read; past it the step fails.
    pub max_response_bytes: u64,
    /// One request, including its body.
    pub request_timeout: Duration,
    /// One scenario, every step and request of it.
    pub scenario_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            scenario_timeout: DEFAULT_SCENARIO_TIMEOUT,
        }
    }
}

/// Limits chosen on the command line or in `target.toml`; what neither sets takes its default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitChoices {
    pub max_response_bytes: Option<u64>,
    pub request_timeout: Option<Duration>,
    pub scenario_timeout: Option<Duration>,
}

impl LimitChoices {
    /// These choices, falling back to `fallback` (the file's, for the command line's), then to
    /// the defaults.
    pub fn over(self, fallback: LimitChoices) -> Limits {
        let d = Limits::default();
        Limits {
            max_response_bytes: self
                .max_response_bytes
                .or(fallback.max_response_bytes)
                .unwrap_or(d.max_response_bytes),
            request_timeout: self
                .request_timeout
                .or(fallback.request_timeout)
                .unwrap_or(d.request_timeout),
            scenario_timeout: self
                .scenario_timeout
                .or(fallback.scenario_timeout)
                .unwrap_or(d.scenario_timeout),
        }
    }
}

impl Limits {
    /// The most JSON values a parsed body may hold.
    pub fn max_json_values(&self) -> u64 {
        (self.max_response_bytes / BYTES_PER_JSON_VALUE).max(1024)
    }
}

/// A byte count as people read it: `16 MiB`, `1.5 KiB`, `900 bytes`.
pub fn format_bytes(n: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if n >= size {
            return format!("{} {unit}", trim_float(n as f64 / size as f64));
        }
    }
    if n == 1 {
        "1 byte".into()
    } else {
        format!("{n} bytes")
    }
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A duration as the command line takes it: `30 s`, `0.5 s`.
pub fn format_seconds(d: Duration) -> String {
    format!("{} s", trim_float(d.as_secs_f64()))
}

/// Parses a byte count: `16777216`, `16MiB`, `512 KiB`, `1GiB` (binary units), `10kB`, `2MB`
/// (decimal units).
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '_')
        .unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let digits: String = digits.chars().filter(|c| *c != '_').collect();
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("expected a number of bytes such as 16MiB or 1048576, got \"{s}\""))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" | "bytes" => 1,
        "kib" | "k" => 1 << 10,
        "mib" | "m" => 1 << 20,
        "gib" | "g" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        other => {
            return Err(format!(
                "unknown unit \"{other}\" in \"{s}\" (use bytes, KiB, MiB or GiB)"
            ));
        }
    };
    let bytes = n
        .checked_mul(factor)
        .ok_or_else(|| format!("\"{s}\" is too large"))?;
    if bytes == 0 {
        return Err("the limit must be at least 1 byte".into());
    }
    Ok(bytes)
}

/// Parses a positive number of seconds: `30`, `0.5`, `30s`.
pub fn parse_seconds(s: &str) -> Result<Duration, String> {
    let t = s.trim().trim_end_matches('s').trim_end();
    let secs: f64 = t
        .parse()
        .map_err(|_| format!("expected a number of seconds, got \"{s}\""))?;
    seconds(secs)
}

/// A positive, finite number of seconds, up to a day.
pub fn seconds(secs: f64) -> Result<Duration, String> {
    if !(secs > 0.0 && secs <= MAX_SECONDS) {
        return Err(format!(
            "expected more than 0 and at most {MAX_SECONDS} seconds, got {secs}"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Bytes a header block takes on the wire (`name: value\r\n` per field).
pub fn head_size(headers: &HeaderMap) -> u64 {
    headers
        .iter()
        .map(|(k, v)| (k.as_str().len() + v.len() + 4) as u64)
        .sum()
}

/// Headers as text for a report, kept within [`EVIDENCE_BYTES`] however many a target sent.
pub fn head_evidence(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut size = 0usize;
    for (k, v) in headers {
        size += k.as_str().len() + v.len() + 4;
        if size > EVIDENCE_BYTES {
            out.push((
                "…".to_string(),
                format!("{} header field(s) left out", headers.len() - out.len()),
            ));
            break;
        }
        out.push((
            k.as_str().to_string(),
            String::from_utf8_lossy(v.as_bytes()).into_owned(),
        ));
    }
    out
}

/// How reading a body ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyEnd {
    /// Every byte arrived, within the cap.
    Complete,
    /// More than the cap arrived, or the body declared more than the cap up front (its
    /// Content-Length, in `declared`); reading stopped there.
    TooLarge { declared: Option<u64> },
    /// The deadline passed before the body ended.
    TimedOut,
    /// The connection failed or the framing was wrong (closed early, bad chunk).
    Broken(String),
}

/// A body read within a cap: the whole of it when [`BodyEnd::Complete`], its first
/// [`EVIDENCE_BYTES`] otherwise.
#[derive(Debug, Clone)]
pub struct BodyRead {
    pub bytes: Bytes,
    /// Bytes received, including those not kept.
    pub received: u64,
    pub end: BodyEnd,
}

/// Reads `body` until it ends, passes `cap` bytes or `deadline`. Memory stays within the cap
/// whatever the sender does; a body whose Content-Length is over the cap is not read past the
/// evidence kept from it. Dropping the body unread afterwards is what closes the connection:
/// neither hyper nor reqwest reuse a connection whose body was not read to its end.
pub async fn read_body<B>(mut body: B, cap: u64, deadline: Option<Instant>) -> BodyRead
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let declared = body.size_hint().exact();
    let declared_over = declared.is_some_and(|n| n > cap);
    // Room for the whole body when its size is known and allowed; otherwise growth as it comes.
    let initial = match declared {
        Some(n) if !declared_over => n as usize,
        _ => 0,
    };
    let mut buf: Vec<u8> = Vec::with_capacity(initial);
    let mut received: u64 = 0;
    let end = loop {
        if declared_over && buf.len() >= EVIDENCE_BYTES.min(cap as usize) {
            break BodyEnd::TooLarge { declared };
        }
        let frame = match deadline {
            Some(at) => match tokio::time::timeout_at(at, body.frame()).await {
                Ok(f) => f,
                Err(_) => break BodyEnd::TimedOut,
            },
            None => body.frame().await,
        };
        match frame {
            None => break BodyEnd::Complete,
            Some(Err(e)) => {
                let e: Box<dyn std::error::Error + Send + Sync> = e.into();
                break BodyEnd::Broken(error_chain(&*e));
            }
            Some(Ok(frame)) => {
                // Trailers carry nothing the harness judges.
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                received += data.len() as u64;
                if received > cap {
                    let room = (cap as usize).saturating_sub(buf.len());
                    buf.extend_from_slice(&data[..room.min(data.len())]);
                    break BodyEnd::TooLarge { declared };
                }
                buf.extend_from_slice(&data);
            }
        }
    };
    if end != BodyEnd::Complete {
        buf.truncate(EVIDENCE_BYTES);
        buf.shrink_to_fit();
    }
    BodyRead {
        bytes: Bytes::from(buf),
        received,
        end,
    }
}

/// An error and its sources on one line (hyper's and reqwest's outer errors say little on their
/// own), without repeating a source whose text the outer one already quotes.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = s.source();
    }
    message
}

impl BodyRead {
    /// What went wrong, in words, when the body is not [`BodyEnd::Complete`]; `limit` names the
    /// time limit that applied.
    pub fn problem(&self, cap: u64, time_limit: &str) -> Option<String> {
        match &self.end {
            BodyEnd::Complete => None,
            BodyEnd::TooLarge {
                declared: Some(n), ..
            } if *n > cap => Some(format!(
                "the body is larger than {} (limit {}, --max-response-bytes): its Content-Length declares {n} bytes; the first {} are kept as evidence",
                format_bytes(cap),
                format_bytes(cap),
                format_bytes(self.bytes.len() as u64),
            )),
            BodyEnd::TooLarge { .. } => Some(format!(
                "the body is larger than {} (limit {}, --max-response-bytes): reading stopped after {} bytes; the first {} are kept as evidence",
                format_bytes(cap),
                format_bytes(cap),
                self.received,
                format_bytes(self.bytes.len() as u64),
            )),
            BodyEnd::TimedOut => Some(format!(
                "the body did not arrive within {time_limit}: {} received before the harness gave up",
                format_bytes(self.received),
            )),
            BodyEnd::Broken(e) => Some(format!(
                "the body was cut off after {}: {e}",
                format_bytes(self.received)
            )),
        }
    }
}

/// The read buffer of the harness's own HTTP listeners, which bounds a request head: the cap, within
/// what hyper allows (at least 8 KiB; by default about 400 KiB).
pub fn head_buffer(cap: u64) -> usize {
    cap.clamp(8 * 1024, 400 * 1024) as usize
}

/// Why one of the harness's own listeners refused a request, with the status that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub message: String,
}

/// Reads a request sent to one of the harness's own listeners (the webhook receiver): head and body
/// within `limits`, or the reason it was refused.
pub async fn read_request<B>(
    headers: &HeaderMap,
    body: B,
    limits: &Limits,
) -> Result<Bytes, Refusal>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let cap = limits.max_response_bytes;
    let head = head_size(headers);
    if head > cap {
        return Err(Refusal {
            status: 431,
            message: format!(
                "the request headers are larger than {} (limit {}, --max-response-bytes): {head} bytes",
                format_bytes(cap),
                format_bytes(cap)
            ),
        });
    }
    let read = read_body(body, cap, Some(Instant::now() + limits.request_timeout)).await;
    let time_limit = format!(
        "{}, the time limit of one request (--timeout)",
        format_seconds(limits.request_timeout)
    );
    match read.problem(cap, &time_limit) {
        // Whoever reads the delivery parses it: one too dense for a tree is refused here.
        None if json_values_upper_bound(&read.bytes) > limits.max_json_values() => Err(Refusal {
            status: 413,
            message: format!(
                "the body holds up to {} JSON values, more than the harness parses ({} with a {} limit, --max-response-bytes)",
                json_values_upper_bound(&read.bytes),
                limits.max_json_values(),
                format_bytes(cap)
            ),
        }),
        None => Ok(read.bytes),
        Some(message) => Err(Refusal {
            status: match read.end {
                BodyEnd::TooLarge { .. } => 413,
                BodyEnd::TimedOut => 408,
                _ => 400,
            },
            message,
        }),
    }
}

/// An upper bound on the number of values in a JSON text, counted without parsing it: every value
/// but the first follows a `,`, `:`, `[` or `{` outside strings. Lets the harness refuse to build a
/// tree that would take far more memory than the text (see [`BYTES_PER_JSON_VALUE`]).
pub fn json_values_upper_bound(text: &[u8]) -> u64 {
    let mut count: u64 = 1;
    let mut in_string = false;
    let mut escaped = false;
    for &b in text {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b',' | b':' | b'[' | b'{' => count += 1,
            _ => {}
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{Full, StreamBody};
    use hyper::body::Frame;

    #[test]
    fn byte_counts_read_like_people_write_them() {
        assert_eq!(format_bytes(16 * 1024 * 1024), "16 MiB");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_bytes(900), "900 bytes");
        assert_eq!(format_bytes(1), "1 byte");
        assert_eq!(parse_bytes("16MiB"), Ok(16 << 20));
        assert_eq!(parse_bytes("512 KiB"), Ok(512 << 10));
        assert_eq!(parse_bytes("1048576"), Ok(1 << 20));
        assert_eq!(parse_bytes("2MB"), Ok(2_000_000));
        assert!(parse_bytes("0").is_err());
        assert!(parse_bytes("16 parsecs").unwrap_err().contains("parsecs"));
        assert!(parse_bytes("99999999999999999999GiB").is_err());
    }

    #[test]
    fn seconds_must_be_positive_and_finite() {
        assert_eq!(parse_seconds("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_seconds("0.5s"), Ok(Duration::from_millis(500)));
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("NaN").is_err());
        assert!(parse_seconds("inf").is_err());
        assert_eq!(format_seconds(Duration::from_millis(1500)), "1.5 s");
    }

    #[test]
    fn json_values_are_counted_outside_strings_only() {
        assert_eq!(json_values_upper_bound(b"0"), 1);
        assert_eq!(json_values_upper_bound(b"[1,2,3]"), 4);
        assert_eq!(json_values_upper_bound(br#"{"a,b:[{": "x\",y"}"#), 3);
        let real = serde_json::json!({"data": [{"a": 1, "b": [true, null]}], "links": {}});
        // Never below the true count (here 8 values).
        assert!(json_values_upper_bound(real.to_string().as_bytes()) >= 8);
    }

    fn chunks(parts: Vec<&'static [u8]>) -> impl Body<Data = Bytes, Error = String> + Unpin {
        let frames = parts
            .into_iter()
            .map(|p| Ok::<_, String>(Frame::data(Bytes::from_static(p))));
        StreamBody::new(futures::stream::iter(frames))
    }

    #[tokio::test]
    async fn a_body_within_the_cap_is_read_whole() {
        let r = read_body(chunks(vec![b"abc", b"def"]), 6, None).await;
        assert_eq!(r.end, BodyEnd::Complete);
        assert_eq!(&r.bytes[..], b"abcdef");
        assert_eq!(r.problem(6, "30 s"), None);
    }

    #[tokio::test]
    async fn a_body_over_the_cap_stops_there_and_keeps_its_start() {
        let r = read_body(chunks(vec![b"abc", b"def", b"ghi"]), 5, None).await;
        assert_eq!(r.end, BodyEnd::TooLarge { declared: None });
        assert_eq!(&r.bytes[..], b"abcde");
        assert_eq!(r.received, 6, "the third chunk is never asked for");
        let m = r.problem(5, "30 s").unwrap();
        assert!(
            m.starts_with("the body is larger than 5 bytes (limit 5 bytes"),
            "{m}"
        );
    }

    #[tokio::test]
    async fn a_declared_length_over_the_cap_is_refused_without_reading_on() {
        let body = Full::new(Bytes::from(vec![b'x'; 4 * EVIDENCE_BYTES]));
        let r = read_body(body, (2 * EVIDENCE_BYTES) as u64, None).await;
        assert_eq!(
            r.end,
            BodyEnd::TooLarge {
                declared: Some(4 * EVIDENCE_BYTES as u64)
            }
        );
        assert_eq!(r.bytes.len(), EVIDENCE_BYTES);
        let m = r.problem((2 * EVIDENCE_BYTES) as u64, "30 s").unwrap();
        assert!(m.contains("Content-Length declares 262144 bytes"), "{m}");
    }

    #[tokio::test]
    async fn a_body_that_stalls_ends_at_the_deadline() {
        let stalled = StreamBody::new(futures::stream::pending::<Result<Frame<Bytes>, String>>());
        let at = Instant::now() + Duration::from_millis(50);
        let r = read_body(stalled, 100, Some(at)).await;
        assert_eq!(r.end, BodyEnd::TimedOut);
        assert!(
            r.problem(100, "0.05 s")
                .unwrap()
                .contains("did not arrive within 0.05 s")
        );
    }

    #[test]
    fn the_command_line_wins_over_the_file_and_the_file_over_the_defaults() {
        let cli = LimitChoices {
            request_timeout: Some(Duration::from_secs(5)),
            ..LimitChoices::default()
        };
        let file = LimitChoices {
            max_response_bytes: Some(1024),
            request_timeout: Some(Duration::from_secs(60)),
            ..LimitChoices::default()
        };
        let l = cli.over(file);
        assert_eq!(l.request_timeout, Duration::from_secs(5));
        assert_eq!(l.max_response_bytes, 1024);
        assert_eq!(l.scenario_timeout, DEFAULT_SCENARIO_TIMEOUT);
        assert_eq!(
            LimitChoices::default().over(LimitChoices::default()),
            Limits::default()
        );
    }

    #[tokio::test]
    async fn a_request_to_a_harness_listener_is_refused_past_each_limit() {
        let limits = Limits {
            max_response_bytes: 64 * 1024,
            ..Limits::default()
        };
        let headers = HeaderMap::new();
        let ok = Full::new(Bytes::from_static(br#"{"eventName": "X"}"#));
        assert!(read_request(&headers, ok, &limits).await.is_ok());
        let big = Full::new(Bytes::from(vec![b' '; 64 * 1024 + 1]));
        assert_eq!(
            read_request(&headers, big, &limits)
                .await
                .unwrap_err()
                .status,
            413
        );
        // 10 000 values in 20 KB: within the bytes, past the 4096 values of a 64 KiB cap.
        let dense = Full::new(Bytes::from(format!("[{}0]", "0,".repeat(9_999))));
        let refusal = read_request(&headers, dense, &limits).await.unwrap_err();
        assert_eq!(refusal.status, 413);
        assert!(
            refusal
                .message
                .contains("more than the harness parses (4096"),
            "{}",
            refusal.message
        );
        let mut long = HeaderMap::new();
        long.insert("x-padding", "p".repeat(70 * 1024).parse().unwrap());
        let small = Full::new(Bytes::from_static(b"{}"));
        assert_eq!(
            read_request(&long, small, &limits)
                .await
                .unwrap_err()
                .status,
            431
        );
    }

    #[test]
    fn limits_on_json_follow_the_byte_cap() {
        let l = Limits::default();
        assert_eq!(l.max_json_values(), (16 << 20) / BYTES_PER_JSON_VALUE);
        let tiny = Limits {
            max_response_bytes: 10,
            ..Limits::default()
        };
        assert_eq!(
            tiny.max_json_values(),
            1024,
            "a small cap still parses small bodies"
        );
    }
}
