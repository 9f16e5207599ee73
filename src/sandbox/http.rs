//! The request as the families see it (already read, size-checked and routed) and response builders.
//! Families never touch hyper's body types.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{AsHeaderName, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Response, StatusCode};
use serde_json::Value;

pub type HttpResponse = Response<Full<Bytes>>;

/// Read and written on every Open Finance request; a constant is not parsed again each time.
pub const X_FAPI_INTERACTION_ID: HeaderName = HeaderName::from_static("x-fapi-interaction-id");
pub const X_V: HeaderName = HeaderName::from_static("x-v");
const FORWARDED: HeaderName = HeaderName::from_static("forwarded");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");

/// The name the sandbox suggests clients reach it by. Customers v1's link pattern wants a dotted host
/// with a letters-only top-level domain, which `127.0.0.1` and `localhost` are not; `.test` is
/// reserved (RFC 2606), so the name never means anything else. The control API publishes it and the
/// harness resolves it to the address it was given.
pub const PUBLISHED_HOST: &str = "finsandbox.test";

/// A request after the server has read its body.
#[derive(Debug)]
pub struct Req {
    pub method: Method,
    pub path: String,
    pub raw_query: Option<String>,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Path template parameters, decoded.
    pub params: Vec<(String, String)>,
    pub peer: Option<SocketAddr>,
}

impl Req {
    /// A header as text. Hot paths pass a [`HeaderName`] constant, which spares parsing the name
    /// on every request; a `&str` works too.
    pub fn header(&self, name: impl AsHeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The token of an `Authorization: Bearer <token>` header. The scheme is case-insensitive.
    pub fn bearer(&self) -> Option<&str> {
        let value = self.header(hyper::header::AUTHORIZATION)?.trim();
        let (scheme, token) = value.split_once(' ')?;
        let token = token.trim();
        (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
    }

    /// Parses the body as JSON; the error message is fit to show to the client.
    pub fn json(&self) -> Result<Value, String> {
        if self.body.is_empty() {
            return Err("the request body is empty; a JSON object was expected".into());
        }
        serde_json::from_slice(&self.body).map_err(|e| format!("the body is not valid JSON: {e}"))
    }

    /// Parses an `application/x-www-form-urlencoded` body.
    pub fn form(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(&self.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// The scheme and authority clients used to reach us, for absolute links: the configured
    /// public URL, else what a proxy in front of us says the client used (`Forwarded`, then
    /// `X-Forwarded-Host` / `X-Forwarded-Proto`), else the `Host` header. A value that is not a
    /// plain host and port is ignored rather than written into links.
    pub fn origin(&self, configured: Option<&str>) -> String {
        if let Some(url) = configured {
            let url = url.trim_end_matches('/');
            // Links append a path to the origin: room for this request's path saves a reallocation.
            let mut origin = String::with_capacity(url.len() + self.path.len());
            origin.push_str(url);
            return origin;
        }
        let (scheme, authority) = self.forwarded_origin().unwrap_or((
            "http",
            self.header(hyper::header::HOST)
                .filter(|h| is_authority(h))
                .unwrap_or("127.0.0.1"),
        ));
        let mut origin =
            String::with_capacity(scheme.len() + 3 + authority.len() + self.path.len());
        origin.push_str(scheme);
        origin.push_str("://");
        origin.push_str(authority);
        origin
    }

    /// The client-facing scheme and host a reverse proxy reports (RFC 7239 `Forwarded`, or the
    /// de-facto `X-Forwarded-Host` and `X-Forwarded-Proto`). The first hop is the client's.
    fn forwarded_origin(&self) -> Option<(&str, &str)> {
        let scheme_of = |p: &str| {
            let p = p.trim().trim_matches('"');
            if p.eq_ignore_ascii_case("https") {
                Some("https")
            } else if p.eq_ignore_ascii_case("http") {
                Some("http")
            } else {
                None
            }
        };
        if let Some(first) = self.header(FORWARDED).and_then(|v| v.split(',').next()) {
            let mut host = None;
            let mut scheme = None;
            for pair in first.split(';') {
                if let Some((k, v)) = pair.split_once('=') {
                    let k = k.trim();
                    if k.eq_ignore_ascii_case("host") {
                        host = Some(v.trim().trim_matches('"'));
                    } else if k.eq_ignore_ascii_case("proto") {
                        scheme = scheme_of(v);
                    }
                }
            }
            if let Some(h) = host.filter(|h| is_authority(h)) {
                return Some((scheme.unwrap_or("http"), h));
            }
        }
        let host = self
            .header(X_FORWARDED_HOST)
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|h| is_authority(h))?;
        let scheme = self
            .header(X_FORWARDED_PROTO)
            .and_then(|v| v.split(',').next())
            .and_then(scheme_of)
            .unwrap_or("http");
        Some((scheme, host))
    }
}

/// `host`, `host:port` or `[v6]:port` with nothing else: safe to write into a URL.
pub fn is_authority(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'[' | b']')
        })
}

/// The check of declared security (`spec::security::check`) reads credentials from requests.
impl crate::spec::security::Credentials for Req {
    fn header(&self, name: &str) -> Option<&str> {
        Req::header(self, name)
    }

    fn query(&self, name: &str) -> Option<&str> {
        self.query_param(name)
    }
}

pub fn parse_query(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| {
        form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    })
    .unwrap_or_default()
}

/// A response with a body already serialised.
pub fn bytes_response(status: StatusCode, content_type: &str, body: Bytes) -> HttpResponse {
    typed_response(status, HeaderValue::from_str(content_type).ok(), body)
}

/// [`bytes_response`] with a content type parsed once and kept (a header value clones cheaply).
pub fn typed_response(
    status: StatusCode,
    content_type: Option<HeaderValue>,
    body: Bytes,
) -> HttpResponse {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    if let Some(v) = content_type {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, v);
    }
    response
}

pub fn json_response(status: StatusCode, content_type: &str, body: &Value) -> HttpResponse {
    // Serialising a serde_json::Value cannot fail.
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    bytes_response(status, content_type, Bytes::from(bytes))
}

pub fn empty_response(status: StatusCode) -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

/// Sets a header whose value we built ourselves; values that HTTP cannot carry are dropped rather
/// than failing the response (never put non-ASCII text from a request into a header).
pub fn set_header(response: &mut HttpResponse, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(name), v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req_with(headers: &[(&'static str, &str)], body: &str) -> Req {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        Req {
            method: Method::GET,
            path: "/".into(),
            raw_query: None,
            query: vec![],
            headers: map,
            body: Bytes::from(body.to_string()),
            params: vec![],
            peer: None,
        }
    }

    #[test]
    fn bearer_scheme_is_case_insensitive_and_required() {
        assert_eq!(
            req_with(&[("authorization", "bearer abc")], "").bearer(),
            Some("abc")
        );
        assert_eq!(
            req_with(&[("authorization", "Basic abc")], "").bearer(),
            None
        );
        assert_eq!(req_with(&[("authorization", "Bearer ")], "").bearer(), None);
    }

    #[test]
    fn json_errors_are_readable() {
        let err = req_with(&[], "{\"a\": ").json().unwrap_err();
        assert!(err.starts_with("the body is not valid JSON"), "{err}");
        assert!(req_with(&[], "").json().unwrap_err().contains("empty"));
    }

    #[test]
    fn links_follow_the_proxy_in_front_and_ignore_junk() {
        let plain = req_with(&[("host", "127.0.0.1:8080")], "");
        assert_eq!(plain.origin(None), "http://127.0.0.1:8080");
        assert_eq!(plain.origin(Some("https://x.test/")), "https://x.test");
        let xf = req_with(
            &[
                ("host", "127.0.0.1:8080"),
                ("x-forwarded-host", "finsandbox.test:9090, inner:1"),
                ("x-forwarded-proto", "https"),
            ],
            "",
        );
        assert_eq!(xf.origin(None), "https://finsandbox.test:9090");
        let fw = req_with(
            &[
                ("host", "127.0.0.1:8080"),
                ("x-forwarded-host", "ignored.test"),
                (
                    "forwarded",
                    "for=192.0.2.1;proto=http;host=\"api.example.test:7000\", for=10.0.0.1",
                ),
            ],
            "",
        );
        assert_eq!(fw.origin(None), "http://api.example.test:7000");
        let junk = req_with(
            &[("host", "a b"), ("x-forwarded-host", "evil.test/path?")],
            "",
        );
        assert_eq!(junk.origin(None), "http://127.0.0.1");
    }

    #[test]
    fn form_and_query_are_decoded() {
        let r = req_with(&[], "grant_type=client_credentials&scope=consents+openid");
        assert_eq!(r.form()[1], ("scope".into(), "consents openid".into()));
        assert_eq!(
            parse_query(Some("page=2&page-size=25")),
            vec![
                ("page".into(), "2".into()),
                ("page-size".into(), "25".into())
            ]
        );
    }
}
