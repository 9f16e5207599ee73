//! An operation's declared parameters — path, query and header — checked against their schemas.
//!
//! Family-neutral: [`problems`] says what is wrong as data (where, which parameter, why, and the
//! schema findings) and each family renders that in its own error shape. The spec decides which
//! headers exist and what they accept; no header name is known here. The only names skipped are
//! the ones OpenAPI 3.0 itself says a header parameter definition must not describe (`Accept`,
//! `Content-Type`, `Authorization`): content negotiation and security are judged elsewhere.

use hyper::header::HeaderName;
use serde_json::{Value, json};

use super::http::Req;
use crate::spec::{Check, Finding, Operation, ParamLocation, Parameter};

/// Why a parameter was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// A required parameter is absent.
    Missing,
    /// The value does not satisfy the parameter's schema (or is not text at all).
    Invalid,
}

/// One refused parameter.
#[derive(Debug, Clone)]
pub struct ParamProblem<'a> {
    pub location: ParamLocation,
    /// The parameter as the spec declares it (name, schema).
    pub param: &'a Parameter,
    pub kind: ProblemKind,
    /// A plain English sentence that names the parameter, fit for an error body.
    pub message: String,
    /// What the schema said, keyword by keyword (empty for [`ProblemKind::Missing`]).
    pub findings: Vec<Finding>,
}

impl ParamProblem<'_> {
    /// The parameter's name as declared (`x-fapi-customer-ip-address`, `page-size`).
    pub fn name(&self) -> &str {
        &self.param.name
    }

    /// The schema keyword that failed first (`maxLength`, `pattern`, `type`...), if any.
    pub fn keyword(&self) -> Option<&str> {
        self.findings.first().map(|f| f.keyword.as_str())
    }
}

/// `header`, `query`, `path` or `cookie`: how the spec's `in` names a location.
pub fn location_name(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Header => "header",
        ParamLocation::Query => "query parameter",
        ParamLocation::Path => "path parameter",
        ParamLocation::Cookie => "cookie",
    }
}

/// Header parameters that OpenAPI 3.0 says to ignore: negotiation and security are not
/// parameters, and their own stages judge them (406, 415, 401).
fn ignored(p: &Parameter) -> bool {
    p.location == ParamLocation::Header
        && ["accept", "content-type", "authorization"]
            .iter()
            .any(|n| p.name.eq_ignore_ascii_case(n))
}

/// A refused parameter, owned, so it can travel in a pipeline problem to the family that words it.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub location: ParamLocation,
    pub name: String,
    pub kind: ProblemKind,
    pub message: String,
    pub findings: Vec<Finding>,
    /// The parameter's schema, for messages that cite it (accepted values).
    pub schema: Value,
}

impl Refusal {
    /// The schema keyword that refused the value, when there is one.
    pub fn keyword(&self) -> Option<&str> {
        self.findings.first().map(|f| f.keyword.as_str())
    }
}

impl From<ParamProblem<'_>> for Refusal {
    fn from(p: ParamProblem<'_>) -> Refusal {
        Refusal {
            location: p.location,
            name: p.param.name.clone(),
            kind: p.kind,
            schema: p.param.schema.clone(),
            message: p.message,
            findings: p.findings,
        }
    }
}

/// Every refused parameter of a request, in declaration order (a pipeline problem's payload).
#[derive(Debug, Clone)]
pub struct Refusals(pub Vec<Refusal>);

/// Every declared path, query and header parameter of `op` that the request gets wrong, in the
/// order the spec declares them. Empty when all is well.
pub fn problems<'a>(op: &'a Operation, req: &Req) -> Vec<ParamProblem<'a>> {
    op.parameters
        .iter()
        .filter(|p| p.location != ParamLocation::Cookie && !ignored(p))
        .filter_map(|p| check(p, req))
        .collect()
}

/// The first problem, if any: for families whose error body names one parameter.
pub fn first_problem<'a>(op: &'a Operation, req: &Req) -> Option<ParamProblem<'a>> {
    op.parameters
        .iter()
        .filter(|p| p.location != ParamLocation::Cookie && !ignored(p))
        .find_map(|p| check(p, req))
}

/// One parameter against the request.
pub fn check<'a>(p: &'a Parameter, req: &Req) -> Option<ParamProblem<'a>> {
    let problem = |kind, message: String, findings| {
        Some(ParamProblem {
            location: p.location,
            param: p,
            kind,
            message,
            findings,
        })
    };
    let what = location_name(p.location);
    let raw: Vec<String> = match raw_values(p, req) {
        Ok(v) => v,
        Err(why) => {
            return problem(
                ProblemKind::Invalid,
                format!("{what} {}: {why}", p.name),
                vec![],
            );
        }
    };
    if raw.is_empty() {
        return if p.required {
            problem(
                ProblemKind::Missing,
                format!("{what} {} is required", p.name),
                vec![],
            )
        } else {
            None
        };
    }
    let value = match typed(&p.schema, &raw) {
        Ok(v) => v,
        Err(why) => {
            return problem(
                ProblemKind::Invalid,
                format!("{what} {}: {why}", p.name),
                vec![Check::Schema.finding("", "type", why)],
            );
        }
    };
    let validator = p.validator.as_ref()?;
    if validator.is_valid(&value) {
        return None;
    }
    let findings = validator.schema_findings(&value);
    let first = findings
        .first()
        .map(|f| f.message.clone())
        .unwrap_or_else(|| "does not match its schema".into());
    problem(
        ProblemKind::Invalid,
        format!("{what} {}: {first}", p.name),
        findings,
    )
}

/// The parameter's values as sent: every occurrence of a query key, a header's value (several
/// lines of one header joined with ", " as HTTP does), the decoded path segment.
fn raw_values(p: &Parameter, req: &Req) -> Result<Vec<String>, String> {
    match p.location {
        ParamLocation::Path => Ok(req.param(&p.name).map(str::to_string).into_iter().collect()),
        ParamLocation::Query => Ok(req
            .query
            .iter()
            .filter(|(k, _)| *k == p.name)
            .map(|(_, v)| v.clone())
            .collect()),
        ParamLocation::Header => {
            let Ok(name) = HeaderName::from_bytes(p.name.as_bytes()) else {
                // A spec may declare a name HTTP cannot carry; no request can send it.
                return Ok(Vec::new());
            };
            let mut joined: Option<String> = None;
            for v in req.headers.get_all(&name) {
                let text = v
                    .to_str()
                    .map_err(|_| "the value is not printable ASCII text".to_string())?;
                match &mut joined {
                    Some(j) => {
                        j.push_str(", ");
                        j.push_str(text);
                    }
                    None => joined = Some(text.to_string()),
                }
            }
            Ok(joined.into_iter().collect())
        }
        ParamLocation::Cookie => Ok(Vec::new()),
    }
}

fn schema_type(schema: &Value) -> &str {
    schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("string")
}

/// Text from the wire as the JSON value the schema describes (`page=2` is the integer 2).
fn typed(schema: &Value, raw: &[String]) -> Result<Value, String> {
    if schema_type(schema) == "array" {
        let items = schema.get("items").unwrap_or(&Value::Null);
        // Repeated query keys (form, explode) or one comma-separated value (simple style).
        let parts: Vec<&str> = if raw.len() > 1 {
            raw.iter().map(String::as_str).collect()
        } else {
            raw[0].split(',').map(str::trim).collect()
        };
        return parts
            .into_iter()
            .map(|s| scalar(items, s))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    if raw.len() > 1 {
        return Err(format!("sent {} times; one value was expected", raw.len()));
    }
    scalar(schema, &raw[0])
}

fn scalar(schema: &Value, raw: &str) -> Result<Value, String> {
    let quoted = || printable(raw);
    match schema_type(schema) {
        "integer" => raw
            .parse::<i64>()
            .map(|n| json!(n))
            .map_err(|_| format!("must be an integer, got \"{}\"", quoted())),
        "number" => match raw.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(json!(n)),
            _ => Err(format!("must be a number, got \"{}\"", quoted())),
        },
        "boolean" => match raw {
            "true" => Ok(json!(true)),
            "false" => Ok(json!(false)),
            _ => Err(format!("must be true or false, got \"{}\"", quoted())),
        },
        _ => Ok(Value::String(raw.to_string())),
    }
}

/// A client-supplied value made safe to quote in a message.
pub fn printable(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).take(80).collect();
    if s.chars().count() > 80 {
        format!("{clean}…")
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::ApiSpec;
    use bytes::Bytes;
    use hyper::header::{HeaderMap, HeaderValue};

    const DOC: &str = r#"
openapi: 3.0.0
info: {title: t, version: 1.0.0}
servers: [{url: "/things"}]
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - {name: id, in: path, required: true, schema: {type: string, pattern: '^\d{3}$'}}
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
        - {name: tags, in: query, schema: {type: array, items: {type: string, enum: [a, b]}}}
        - {name: x-client-ip, in: header, schema: {type: string, maxLength: 10}}
        - {name: x-version, in: header, required: true, schema: {type: string, enum: ["1"]}}
        - {name: Authorization, in: header, required: true, schema: {type: string, maxLength: 3}}
      responses:
        "200": {description: ok}
"#;

    fn req(params: &[(&str, &str)], query: &str, headers: &[(&str, &[u8])]) -> Req {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_bytes(v).unwrap(),
            );
        }
        Req {
            method: hyper::Method::GET,
            path: "/things/items/x".into(),
            raw_query: Some(query.into()),
            query: super::super::http::parse_query(Some(query)),
            headers: map,
            body: Bytes::new(),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            peer: None,
        }
    }

    fn names(op: &Operation, r: &Req) -> Vec<(String, ProblemKind)> {
        problems(op, r)
            .into_iter()
            .map(|p| (p.name().to_string(), p.kind))
            .collect()
    }

    #[test]
    fn a_valid_request_has_no_problems_and_authorization_is_not_a_parameter() {
        let spec = ApiSpec::from_text("t", DOC).unwrap();
        let op = spec.operation("getItem").unwrap();
        let r = req(
            &[("id", "123")],
            "page=2&tags=a&tags=b",
            &[("x-version", b"1"), ("x-client-ip", b"10.0.0.1")],
        );
        assert!(problems(op, &r).is_empty(), "{:?}", names(op, &r));
    }

    #[test]
    fn every_location_is_checked_and_named() {
        let spec = ApiSpec::from_text("t", DOC).unwrap();
        let op = spec.operation("getItem").unwrap();
        let r = req(
            &[("id", "12")],
            "page=0&tags=c",
            &[("x-client-ip", b"01234567890")],
        );
        assert_eq!(
            names(op, &r),
            vec![
                ("id".into(), ProblemKind::Invalid),
                ("page".into(), ProblemKind::Invalid),
                ("tags".into(), ProblemKind::Invalid),
                ("x-client-ip".into(), ProblemKind::Invalid),
                ("x-version".into(), ProblemKind::Missing),
            ]
        );
        let long = first_problem(
            op,
            &req(
                &[("id", "123")],
                "",
                &[("x-version", b"1"), ("x-client-ip", b"01234567890")],
            ),
        )
        .unwrap();
        assert_eq!(long.location, ParamLocation::Header);
        assert_eq!(long.keyword(), Some("maxLength"));
        assert!(
            long.message.starts_with("header x-client-ip: "),
            "{}",
            long.message
        );
    }

    #[test]
    fn words_where_numbers_belong_and_non_ascii_headers_are_invalid() {
        let spec = ApiSpec::from_text("t", DOC).unwrap();
        let op = spec.operation("getItem").unwrap();
        let p = first_problem(
            op,
            &req(&[("id", "123")], "page=two", &[("x-version", b"1")]),
        )
        .unwrap();
        assert_eq!(p.name(), "page");
        assert!(p.message.contains("must be an integer"), "{}", p.message);
        let p = first_problem(
            op,
            &req(
                &[("id", "123")],
                "",
                &[("x-version", b"1"), ("x-client-ip", b"\xe9t\xe9")],
            ),
        )
        .unwrap();
        assert_eq!(p.name(), "x-client-ip");
        assert!(p.message.contains("printable ASCII"), "{}", p.message);
    }
}
