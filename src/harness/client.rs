//! The harness's HTTP client: every exchange is kept whole (request and response, headers and
//! bodies) so a failing step can show the evidence it judged.

use std::time::Duration;

use serde_json::Value;

use super::report::{Exchange, HttpRequestRecord, HttpResponseRecord};
use super::target::TlsConfig;

/// Bodies beyond this are cut in evidence; reports stay readable and bounded.
const EVIDENCE_LIMIT: usize = 64 * 1024;

#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    extra_headers: Vec<(String, String)>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient").finish_non_exhaustive()
    }
}

/// A response, already read.
#[derive(Debug, Clone)]
pub struct Sent {
    pub method: String,
    pub url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as received; `text` is its lossy UTF-8 reading.
    pub body: bytes::Bytes,
    pub text: String,
    pub json: Option<Value>,
    pub exchange: Exchange,
    /// Request headers as sent (for the echo checks).
    pub request_headers: Vec<(String, String)>,
}

impl Sent {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn request_header(&self, name: &str) -> Option<&str> {
        self.request_headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The URL path (no scheme, host or query).
    pub fn path(&self) -> String {
        url_path(&self.url)
    }
}

pub fn url_path(url: &str) -> String {
    let after_scheme = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let path = after_scheme
        .find('/')
        .map(|i| &after_scheme[i..])
        .unwrap_or("/");
    path.split(['?', '#']).next().unwrap_or("/").to_string()
}

fn clip(s: &str) -> String {
    if s.len() <= EVIDENCE_LIMIT {
        return s.to_string();
    }
    let mut end = EVIDENCE_LIMIT;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &s[..end], s.len())
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error("TLS configuration: {0}")]
    Tls(String),
}

impl HttpClient {
    /// Builds the client. `resolve` pins host names to loopback addresses (the embedded sandbox
    /// publishes a dotted host in its links, which v1's link pattern requires).
    pub fn new(
        tls: &TlsConfig,
        extra_headers: Vec<(String, String)>,
        resolve: &[(String, std::net::SocketAddr)],
    ) -> Result<HttpClient, ClientError> {
        // reqwest is built without a bundled crypto provider: ring is installed once per process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none());
        for (host, addr) in resolve {
            builder = builder.resolve(host, *addr);
        }
        let read = |p: &std::path::Path| {
            std::fs::read(p).map_err(|e| ClientError::Read {
                path: p.display().to_string(),
                message: e.to_string(),
            })
        };
        if let Some(cert) = &tls.client_cert {
            let mut pem = read(cert)?;
            if let Some(key) = &tls.client_key {
                pem.push(b'\n');
                pem.extend(read(key)?);
            }
            let identity =
                reqwest::Identity::from_pem(&pem).map_err(|e| ClientError::Tls(e.to_string()))?;
            builder = builder.identity(identity);
        }
        if let Some(ca) = &tls.ca_cert {
            let cert = reqwest::Certificate::from_pem(&read(ca)?)
                .map_err(|e| ClientError::Tls(e.to_string()))?;
            builder = builder.add_root_certificate(cert);
        }
        if tls.insecure {
            builder = builder.danger_accept_invalid_certs(true);
        }
        let inner = builder
            .build()
            .map_err(|e| ClientError::Tls(e.to_string()))?;
        Ok(HttpClient {
            inner,
            extra_headers,
        })
    }

    /// Sends a request and reads the whole answer. Transport failures come back as `Err` with the
    /// request that failed, for the report.
    pub async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<Sent, (String, Exchange)> {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut all_headers: Vec<(String, String)> = self.extra_headers.clone();
        all_headers.extend(headers.iter().cloned());
        let mut req = self.inner.request(m, url);
        for (k, v) in &all_headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let body_text = body
            .as_ref()
            .map(|(_, b)| clip(&String::from_utf8_lossy(b)));
        if let Some((ct, bytes)) = body {
            if !ct.is_empty() {
                all_headers.push(("content-type".into(), ct.to_string()));
                req = req.header("content-type", ct);
            }
            req = req.body(bytes);
        }
        let request = HttpRequestRecord {
            method: method.to_string(),
            url: url.to_string(),
            headers: all_headers.clone(),
            body: body_text,
        };
        let response = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                let message = describe_transport_error(&e);
                return Err((
                    message,
                    Exchange {
                        request,
                        response: None,
                    },
                ));
            }
        };
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        // Bytes first: the judge's media check needs them unaltered (a PNG is not UTF-8).
        let body = match response.bytes().await {
            Ok(b) => b,
            Err(e) => {
                return Err((
                    format!("the response body could not be read: {e}"),
                    Exchange {
                        request,
                        response: None,
                    },
                ));
            }
        };
        let text = String::from_utf8_lossy(&body).into_owned();
        let json = serde_json::from_str(&text).ok();
        let exchange = Exchange {
            request,
            response: Some(HttpResponseRecord {
                status,
                headers: headers.clone(),
                body: (!text.is_empty()).then(|| clip(&text)),
            }),
        };
        Ok(Sent {
            method: method.to_string(),
            url: url.to_string(),
            status,
            headers,
            body,
            text,
            json,
            exchange,
            request_headers: all_headers,
        })
    }
}

fn describe_transport_error(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "the target did not answer in time (30 s)".into();
    }
    if e.is_connect() {
        return format!("cannot connect to the target: {e}");
    }
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_path_drops_scheme_host_and_query() {
        assert_eq!(url_path("http://h:1/a/b?page=2"), "/a/b");
        assert_eq!(url_path("https://h.example"), "/");
        assert_eq!(url_path("/x/y#z"), "/x/y");
    }

    #[test]
    fn long_bodies_are_clipped_on_a_char_boundary() {
        let s = "é".repeat(EVIDENCE_LIMIT);
        let c = clip(&s);
        assert!(c.len() < s.len());
        assert!(c.ends_with("bytes in all)"));
    }
}
