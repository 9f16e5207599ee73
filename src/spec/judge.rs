//! The one judge of everything that crosses the wire — a response, a request body, a callback
//! payload, a bare JSON value — made of named checks. The sandbox's self-check, the harness's steps,
//! `finsandbox validate` and the webhook checks all call it, so a rule is written once and a
//! finding names the same check wherever it is reported.
//!
//! | check | what it asks |
//! |---|---|
//! | `status-declared` | the status is declared, or a range (`4XX`) or `default` response covers it |
//! | `content-type` | a body comes with a `Content-Type` that is one of the declared media types |
//! | `headers-declared` | required headers are present; every declared header present is valid by its schema |
//! | `semantic-version` | an `x-v` header is a full version without leading zeros (`2.3.0`) |
//! | `body-required` | a request body the operation requires was sent |
//! | `json` | a body of a JSON media type parses as JSON |
//! | `media` | a body of another media type really is one ([`media`]: PDF, PNG, JPEG, GIF, CSV, text) |
//! | `schema` | every JSON Schema keyword of the schema, formats asserted |
//! | `cpf-check-digits`, `cnpj-check-digits` | a CPF or CNPJ field has the right check digits |
//! | `date-exists` | a date field with only a pattern names a day that exists |
//! | `one-is-main` | a list of items with `isMain` has exactly one main item |
//! | each rule of [`super::rules::RULES`] | the conditional fields of the data dictionaries |
//!
//! Validators are compiled when a spec is loaded; judging never compiles a schema or a regex. A
//! judgment reports at most [`MAX_FINDINGS`] schema and semantic findings.

pub mod media;
pub(crate) mod semantic;

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::validate::SchemaValidator;
use super::{HeaderSpec, Operation, RequestBodySpec, ResponseSpec};

/// Schema and semantic findings one judgment reports at most. A body wrong a million times over
/// (what the harness gets from a hostile target) is understood from its first hundred; a million
/// would take the judge's time, the caller's memory and the reports' size with them.
pub const MAX_FINDINGS: usize = 100;

/// "12 finding(s)", or "100 finding(s) or more" when a judgment stopped at [`MAX_FINDINGS`].
pub fn count_findings(n: usize) -> String {
    if n >= MAX_FINDINGS {
        format!("{n} finding(s) or more")
    } else {
        format!("{n} finding(s)")
    }
}

/// One thing wrong, found by one named check at one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The [`Check`] that raised it (`schema`, `cpf-check-digits`, `content-type`, ...). Empty only
    /// in reports written before checks had names.
    #[serde(default)]
    pub check: String,
    /// JSON pointer into the judged body (`""` for the root); `header <name>` for a header; for
    /// CSV, `/<row>` counting from 0.
    pub pointer: String,
    /// What failed within the check: the schema keyword (`required`, `pattern`, ...), the part of
    /// the spec (`responses`, `content`), or `rule:<name>` for a semantic rule.
    pub keyword: String,
    pub message: String,
}

impl Finding {
    /// `check:keyword` as reports print it (`schema:pattern`, `headers-declared:required`); a
    /// keyword that already names its check stands alone (`rule:cpf-check-digits`).
    pub fn label(&self) -> String {
        let names_check = self.check.is_empty()
            || self.keyword == self.check
            || self.keyword.strip_prefix("rule:") == Some(self.check.as_str());
        if names_check {
            self.keyword.clone()
        } else {
            format!("{}:{}", self.check, self.keyword)
        }
    }

    /// The pointer for people: `/` for the root.
    pub fn at(&self) -> &str {
        if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        }
    }
}

/// A named check of the judge. See the module documentation for the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Check {
    /// The status is declared for the operation, or a range (`4XX`) or `default` covers it.
    StatusDeclared,
    /// A non-empty body has a `Content-Type` whose media type the response (or request body)
    /// declares; wildcards (`image/*`, `*/*`) in the spec match.
    ContentType,
    /// Required headers are present and every declared header that is present is valid by its
    /// schema (values read as the schema's type: `"5"` is an integer for `type: integer`).
    HeadersDeclared,
    /// `x-v`, the version header of the Open Finance Brasil APIs, is MAJOR.MINOR.PATCH without
    /// leading zeros: `2.3.0`, not `02.3.0` (the official pattern alone admits both).
    SemanticVersion,
    /// A request body the operation marks `required` is present.
    BodyRequired,
    /// A body of a JSON media type is JSON (and not empty when a schema describes it).
    Json,
    /// A body of another media type is really of that type: see [`media`].
    Media,
    /// Every JSON Schema keyword of the declared schema, with `format` asserted.
    Schema,
    /// A field that means a CPF (by `x-datagen` or its name) has the right check digits.
    CpfCheckDigits,
    /// A field that means a CNPJ (numeric or alphanumeric) has the right check digits.
    CnpjCheckDigits,
    /// A date-like field with only a pattern (no `format`) names a day that exists.
    DateExists,
    /// In a list whose items declare `isMain`, exactly one item is the main one.
    OneIsMain,
    /// A conditional-field rule of [`super::rules::RULES`], by its name.
    Conditional(&'static str),
}

impl Check {
    /// The checks that are not conditional-field rules, in the order the judge runs them.
    pub const FIXED: [Check; 12] = [
        Check::StatusDeclared,
        Check::HeadersDeclared,
        Check::SemanticVersion,
        Check::BodyRequired,
        Check::ContentType,
        Check::Json,
        Check::Media,
        Check::Schema,
        Check::CpfCheckDigits,
        Check::CnpjCheckDigits,
        Check::DateExists,
        Check::OneIsMain,
    ];

    /// The name findings and reports carry.
    pub fn name(self) -> &'static str {
        match self {
            Check::StatusDeclared => "status-declared",
            Check::ContentType => "content-type",
            Check::HeadersDeclared => "headers-declared",
            Check::SemanticVersion => "semantic-version",
            Check::BodyRequired => "body-required",
            Check::Json => "json",
            Check::Media => "media",
            Check::Schema => "schema",
            Check::CpfCheckDigits => "cpf-check-digits",
            Check::CnpjCheckDigits => "cnpj-check-digits",
            Check::DateExists => "date-exists",
            Check::OneIsMain => "one-is-main",
            Check::Conditional(name) => name,
        }
    }

    /// Every check, conditional-field rules last.
    pub fn all() -> impl Iterator<Item = Check> {
        Check::FIXED.into_iter().chain(
            super::rules::RULES
                .iter()
                .map(|r| Check::Conditional(r.name)),
        )
    }

    /// The check of that name, if there is one.
    pub fn by_name(name: &str) -> Option<Check> {
        Check::all().find(|c| c.name() == name)
    }

    /// A finding of this check.
    pub fn finding(
        self,
        pointer: impl Into<String>,
        keyword: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            check: self.name().to_string(),
            pointer: pointer.into(),
            keyword: keyword.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Read access to the headers of a message, whatever holds them: hyper's map in the sandbox,
/// name/value pairs in the harness. Names are case-insensitive.
pub trait Headers {
    /// The first value of the header, if present and text.
    fn header(&self, name: &str) -> Option<&str>;
}

impl Headers for hyper::HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| v.to_str().ok())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Headers for [(K, V)] {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

/// A message without headers (a body read from a file).
pub struct NoHeaders;

impl Headers for NoHeaders {
    fn header(&self, _: &str) -> Option<&str> {
        None
    }
}

/// Which parts of a response to judge. The harness has one step for headers and one for the
/// body; the sandbox's self-check judges both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    pub headers: bool,
    pub body: bool,
}

impl Parts {
    pub const ALL: Parts = Parts {
        headers: true,
        body: true,
    };
    pub const HEADERS: Parts = Parts {
        headers: true,
        body: false,
    };
    pub const BODY: Parts = Parts {
        headers: false,
        body: true,
    };
}

/// Judges a whole response of `op`: `status-declared`, then the headers, the media type and the
/// body. An undeclared status is the only finding, since nothing else can be judged without its
/// response.
pub fn judge_response<H: Headers + ?Sized>(
    op: &Operation,
    status: u16,
    headers: &H,
    body: &[u8],
) -> Vec<Finding> {
    judge_response_parts(op, status, headers, body, Parts::ALL)
}

/// [`judge_response`] restricted to some parts (`status-declared` always runs).
pub fn judge_response_parts<H: Headers + ?Sized>(
    op: &Operation,
    status: u16,
    headers: &H,
    body: &[u8],
    parts: Parts,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(response) = status_declared(op, status, &mut out) else {
        return out;
    };
    if parts.headers {
        headers_declared(&response.headers, headers, &mut out);
    }
    if parts.body {
        response_body(response, headers, body, &mut out);
    }
    out
}

/// Judges the request body of `op` as a server receives it: `body-required`, `content-type`,
/// then `json` or `media`, `schema` and the semantic rules. An operation without a request body
/// accepts anything here (parameters are the request pipeline's business).
pub fn judge_request<H: Headers + ?Sized>(
    op: &Operation,
    headers: &H,
    body: &[u8],
) -> Vec<Finding> {
    judge_payload(&[], op.request_body.as_ref(), headers, body)
}

/// Judges a message described by header specs and a body spec — a callback or webhook delivery:
/// `headers-declared`, then the body as [`judge_request`] does.
pub fn judge_payload<H: Headers + ?Sized>(
    declared_headers: &[HeaderSpec],
    body_spec: Option<&RequestBodySpec>,
    headers: &H,
    body: &[u8],
) -> Vec<Finding> {
    let mut out = Vec::new();
    headers_declared(declared_headers, headers, &mut out);
    let Some(spec) = body_spec else {
        return out;
    };
    if body.is_empty() {
        if spec.required {
            out.push(Check::BodyRequired.finding(
                "",
                "required",
                format!("a {} body is required and none was sent", spec.content_type),
            ));
        }
        return out;
    }
    let media = content_type(&spec.media_types, headers, body, "message", &mut out)
        .unwrap_or_else(|| essence(&spec.content_type));
    judge_content(&media, Some(&spec.validator), body, &mut out);
    out
}

/// Judges a JSON value against a compiled schema: `schema` and every semantic rule. What a
/// caller holding a schema of its own (a callback payload, a request body already parsed) uses.
pub fn judge_value(validator: &SchemaValidator, value: &Value) -> Vec<Finding> {
    validator.findings_up_to(value, MAX_FINDINGS)
}

/// Whether a media type (with or without parameters) is JSON: `application/json` or `+json`.
pub fn is_json_media(media_type: &str) -> bool {
    let e = essence(media_type);
    e == "application/json" || e.ends_with("+json")
}

/// The essence of a media type, lower case and without parameters (`application/json`).
pub fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

// ---------------------------------------------------------------------------- the checks

/// `status-declared`: the response that judges the rest, or a finding.
fn status_declared<'a>(
    op: &'a Operation,
    status: u16,
    out: &mut Vec<Finding>,
) -> Option<&'a ResponseSpec> {
    let found = op.response(status);
    if found.is_none() {
        let declared: Vec<&str> = op.responses.iter().map(|r| r.status.as_str()).collect();
        out.push(Check::StatusDeclared.finding(
            "",
            "responses",
            format!(
                "{} does not declare HTTP {status} (it declares {})",
                op.id,
                if declared.is_empty() {
                    "no response".to_string()
                } else {
                    declared.join(", ")
                }
            ),
        ));
    }
    found
}

/// `headers-declared` (and `semantic-version` for `x-v`).
fn headers_declared<H: Headers + ?Sized>(
    declared: &[HeaderSpec],
    headers: &H,
    out: &mut Vec<Finding>,
) {
    for h in declared {
        let pointer = || format!("header {}", h.name);
        match headers.header(&h.name) {
            None if h.required => out.push(Check::HeadersDeclared.finding(
                pointer(),
                "required",
                format!("{} is a required header", h.name),
            )),
            None => {}
            Some(value) => {
                if let Some(v) = &h.validator {
                    let typed = header_value(v.schema(), value);
                    for f in v.schema_findings(&typed) {
                        out.push(Check::HeadersDeclared.finding(pointer(), f.keyword, f.message));
                    }
                }
                if h.name.eq_ignore_ascii_case("x-v") && !is_semantic_version(value) {
                    out.push(Check::SemanticVersion.finding(
                        pointer(),
                        "semantic-version",
                        format!("\"{value}\" is not a version like 2.3.0"),
                    ));
                }
            }
        }
    }
}

/// A header's text read as the type its schema declares (OpenAPI's `simple` style): headers are
/// strings on the wire, and `"5"` must satisfy `type: integer`.
fn header_value(schema: &Value, raw: &str) -> Value {
    let text = raw.trim();
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(raw.to_string())),
        Some("number") => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(raw.to_string())),
        Some("boolean") => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(raw.to_string()),
        },
        Some("array") => {
            let items = schema.get("items").unwrap_or(&Value::Null);
            Value::Array(text.split(',').map(|p| header_value(items, p)).collect())
        }
        _ => Value::String(raw.to_string()),
    }
}

/// MAJOR.MINOR.PATCH, digits only, no leading zeros.
pub fn is_semantic_version(v: &str) -> bool {
    let mut parts = 0;
    for p in v.split('.') {
        parts += 1;
        if p.is_empty()
            || !p.bytes().all(|b| b.is_ascii_digit())
            || (p.len() > 1 && p.starts_with('0'))
        {
            return false;
        }
    }
    parts == 3
}

/// The body of a response: `content-type`, then `json` or `media`, `schema` and the semantic rules.
fn response_body<H: Headers + ?Sized>(
    response: &ResponseSpec,
    headers: &H,
    body: &[u8],
    out: &mut Vec<Finding>,
) {
    if response.media_types.is_empty() {
        // Nothing declared: a body is not judged (an error body on a bare 401 is common and harmless).
        return;
    }
    let declared = content_type(&response.media_types, headers, body, "response", out);
    let media = declared
        .or_else(|| response.content_type.as_deref().map(essence))
        .unwrap_or_else(|| essence(&response.media_types[0]));
    judge_content(&media, response.validator.as_ref(), body, out);
}

/// `content-type`: for a non-empty body, the essence of the `Content-Type` sent when it is one of
/// `declared`; otherwise a finding, and `None` (the caller falls back on the declared type).
fn content_type<H: Headers + ?Sized>(
    declared: &[String],
    headers: &H,
    body: &[u8],
    what: &str,
    out: &mut Vec<Finding>,
) -> Option<String> {
    if body.is_empty() || declared.is_empty() {
        return None;
    }
    let list = declared.join(", ");
    let Some(got) = headers.header("content-type") else {
        out.push(Check::ContentType.finding(
            "header content-type",
            "content",
            format!("the {what} has a body but no Content-Type header; the spec declares {list}"),
        ));
        return None;
    };
    let got_essence = essence(got);
    if declared.iter().any(|d| media_matches(d, &got_essence)) {
        return Some(got_essence);
    }
    out.push(Check::ContentType.finding(
        "header content-type",
        "content",
        format!("content type \"{got}\" is not one the spec declares for this {what} ({list})"),
    ));
    None
}

/// Whether a declared media type (possibly a wildcard, possibly with parameters) admits `essence`.
fn media_matches(declared: &str, essence_got: &str) -> bool {
    let want = essence(declared);
    if want == "*/*" || want == essence_got {
        return true;
    }
    match want.strip_suffix("/*") {
        Some(kind) => essence_got.split_once('/').is_some_and(|(k, _)| k == kind),
        None => false,
    }
}

/// `json`, `schema` and the semantic rules for a JSON media type; `media` for any other.
fn judge_content(
    media: &str,
    validator: Option<&SchemaValidator>,
    body: &[u8],
    out: &mut Vec<Finding>,
) {
    if !is_json_media(media) {
        media::check(media, body, out);
        return;
    }
    if body.is_empty() {
        if validator.is_some() {
            out.push(Check::Json.finding(
                "",
                "empty",
                format!("the body is empty; the spec declares a {media} body"),
            ));
        }
        return;
    }
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            out.push(Check::Json.finding("", "syntax", format!("the body is not JSON: {e}")));
            return;
        }
    };
    if let Some(v) = validator {
        out.extend(v.findings_up_to(&value, MAX_FINDINGS));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::ApiSpec;

    const DOC: &str = r#"
openapi: 3.0.0
info: {title: t, version: 1.0.0}
servers: [{url: "https://api.example.com/things/v1"}]
paths:
  /people:
    post:
      operationId: addPerson
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Person'}
      responses:
        "201":
          description: created
          headers:
            x-v: {required: true, schema: {type: string, pattern: '^\d+\.\d+\.\d+$'}}
            x-rate-limit: {schema: {type: integer, maximum: 100}}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Person'}
        4XX:
          description: client error
          content:
            application/problem+json:
              schema: {type: object, required: [title]}
  /people/{id}/report:
    parameters:
      - {name: id, in: path, schema: {type: string}}
    get:
      operationId: getReport
      responses:
        "200":
          description: the report
          content:
            application/pdf:
              schema: {type: string, format: binary}
            text/csv: {}
        "404":
          description: unknown person
components:
  schemas:
    Person:
      type: object
      required: [cpf]
      properties:
        cpf: {type: string, pattern: '^\d{11}$', x-datagen: cpf}
        cnpj: {type: string, pattern: '^\d{14}$', x-datagen: cnpj}
        startDate: {type: string, pattern: '^\d{4}-\d{2}-\d{2}$'}
        phones:
          type: array
          items: {type: object, properties: {isMain: {type: boolean}}}
        maritalStatusCode: {type: string, enum: [SOLTEIRO, OUTRO]}
        maritalStatusAdditionalInfo: {type: string}
"#;

    fn spec() -> ApiSpec {
        ApiSpec::from_text("judge-test", DOC).unwrap()
    }

    fn json_headers() -> Vec<(&'static str, &'static str)> {
        vec![("Content-Type", "application/json"), ("x-v", "1.0.0")]
    }

    fn checks(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.check.as_str()).collect()
    }

    fn add_person(status: u16, headers: &[(&str, &str)], body: &str) -> Vec<Finding> {
        let spec = spec();
        let op = spec.operation("addPerson").unwrap();
        judge_response(op, status, headers, body.as_bytes())
    }

    const GOOD: &str = r#"{"cpf": "52998224725", "phones": [{"isMain": true}]}"#;

    #[test]
    fn a_good_response_has_no_findings() {
        assert_eq!(add_person(201, &json_headers(), GOOD), vec![]);
    }

    #[test]
    fn status_declared_falls_back_on_ranges_and_flags_the_rest() {
        let problem = [("content-type", "application/problem+json")];
        assert_eq!(add_person(422, &problem, r#"{"title": "no"}"#), vec![]);
        let f = add_person(500, &json_headers(), GOOD);
        assert_eq!(checks(&f), ["status-declared"]);
        assert_eq!(f[0].keyword, "responses");
        assert!(
            f[0].message.contains("HTTP 500") && f[0].message.contains("201, 4XX"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn content_type_must_be_declared() {
        let f = add_person(
            201,
            &[("content-type", "text/html"), ("x-v", "1.0.0")],
            GOOD,
        );
        assert_eq!(checks(&f), ["content-type"]);
        assert_eq!(f[0].pointer, "header content-type");
        let f = add_person(201, &[("x-v", "1.0.0")], GOOD);
        assert_eq!(checks(&f), ["content-type"]);
        assert!(f[0].message.contains("no Content-Type"), "{}", f[0].message);
        // Parameters and case do not matter.
        let ok = [
            ("Content-Type", "Application/JSON; charset=utf-8"),
            ("x-v", "1.0.0"),
        ];
        assert_eq!(add_person(201, &ok, GOOD), vec![]);
    }

    #[test]
    fn headers_declared_wants_required_headers_valid_by_their_schema() {
        let f = add_person(201, &[("content-type", "application/json")], GOOD);
        assert_eq!(checks(&f), ["headers-declared"]);
        assert_eq!(
            (f[0].pointer.as_str(), f[0].keyword.as_str()),
            ("header x-v", "required")
        );
        let f = add_person(
            201,
            &[("content-type", "application/json"), ("x-v", "v1")],
            GOOD,
        );
        assert_eq!(checks(&f), ["headers-declared", "semantic-version"]);
        assert_eq!(f[0].keyword, "pattern");
        // Values are read as their schema's type.
        let mut h = json_headers();
        h.push(("x-rate-limit", "100"));
        assert_eq!(add_person(201, &h, GOOD), vec![]);
        h.pop();
        h.push(("x-rate-limit", "101"));
        assert_eq!(add_person(201, &h, GOOD)[0].keyword, "maximum");
        h.pop();
        h.push(("x-rate-limit", "lots"));
        assert_eq!(add_person(201, &h, GOOD)[0].keyword, "type");
    }

    #[test]
    fn semantic_version_refuses_leading_zeros() {
        let f = add_person(
            201,
            &[("content-type", "application/json"), ("x-v", "01.0.0")],
            GOOD,
        );
        assert_eq!(checks(&f), ["semantic-version"]);
        assert!(is_semantic_version("2.3.0") && is_semantic_version("10.0.12"));
        assert!(
            !is_semantic_version("2.3")
                && !is_semantic_version("2.3.0.1")
                && !is_semantic_version("2..0")
        );
    }

    #[test]
    fn json_wants_a_body_that_parses() {
        let f = add_person(201, &json_headers(), "{\"cpf\": ");
        assert_eq!(checks(&f), ["json"]);
        assert_eq!(f[0].keyword, "syntax");
        let f = add_person(201, &json_headers(), "");
        assert_eq!(
            (f[0].check.as_str(), f[0].keyword.as_str()),
            ("json", "empty")
        );
    }

    #[test]
    fn schema_and_semantic_rules_are_named() {
        let body = r#"{"cpf": "52998224726", "cnpj": "11222333000180", "startDate": "2021-02-30",
                       "phones": [{"isMain": false}], "maritalStatusCode": "OUTRO", "extra": 1}"#;
        let mut f = add_person(201, &json_headers(), body);
        f.sort_by(|a, b| a.check.cmp(&b.check));
        assert_eq!(
            checks(&f),
            [
                "cnpj-check-digits",
                "cpf-check-digits",
                "date-exists",
                "marital-status-other-needs-info",
                "one-is-main"
            ]
        );
        let f = add_person(201, &json_headers(), r#"{"cpf": 1}"#);
        assert_eq!(checks(&f), ["schema"]);
        assert_eq!(
            (f[0].pointer.as_str(), f[0].keyword.as_str()),
            ("/cpf", "type")
        );
    }

    #[test]
    fn parts_split_headers_from_body() {
        let spec = spec();
        let op = spec.operation("addPerson").unwrap();
        let headers = [("content-type", "application/json")];
        let h = judge_response_parts(op, 201, &headers[..], b"{}", Parts::HEADERS);
        assert_eq!(checks(&h), ["headers-declared"]);
        let b = judge_response_parts(op, 201, &headers[..], b"{}", Parts::BODY);
        assert_eq!(checks(&b), ["schema"]);
        let s = judge_response_parts(op, 599, &headers[..], b"{}", Parts::BODY);
        assert_eq!(checks(&s), ["status-declared"]);
    }

    #[test]
    fn a_declared_media_type_is_judged_as_that_media() {
        let spec = spec();
        let op = spec.operation("getReport").unwrap();
        let pdf = media::tests::minimal_pdf();
        assert_eq!(
            judge_response(op, 200, &[("content-type", "application/pdf")][..], &pdf),
            vec![]
        );
        // A JSON string labelled application/pdf is not a PDF.
        let f = judge_response(
            op,
            200,
            &[("content-type", "application/pdf")][..],
            b"\"JVBERi0=\"",
        );
        assert_eq!(checks(&f), ["media"]);
        let csv = b"a,b\n1,2\n3\n";
        let f = judge_response(
            op,
            200,
            &[("content-type", "text/csv; charset=utf-8")][..],
            csv,
        );
        assert_eq!(checks(&f), ["media"]);
        assert_eq!(f[0].pointer, "/2");
        // A declared status without content accepts any body.
        assert_eq!(
            judge_response(op, 404, &[] as &[(&str, &str)], b"whatever"),
            vec![]
        );
    }

    #[test]
    fn wildcards_in_the_spec_match_any_subtype() {
        assert!(media_matches("image/*", "image/png"));
        assert!(media_matches("*/*", "application/pdf"));
        assert!(!media_matches("image/*", "application/pdf"));
        assert!(media_matches(
            "application/json; charset=utf-8",
            "application/json"
        ));
    }

    #[test]
    fn request_bodies_are_judged_like_responses() {
        let spec = spec();
        let op = spec.operation("addPerson").unwrap();
        let json = [("Content-Type", "application/json")];
        assert_eq!(judge_request(op, &json[..], GOOD.as_bytes()), vec![]);
        let f = judge_request(op, &json[..], b"");
        assert_eq!(checks(&f), ["body-required"]);
        let f = judge_request(op, &[("Content-Type", "text/plain")][..], GOOD.as_bytes());
        assert_eq!(checks(&f), ["content-type"]);
        let f = judge_request(op, &json[..], br#"{"cpf": "11111111112"}"#);
        assert_eq!(checks(&f), ["cpf-check-digits"]);
        // An operation without a request body has nothing to judge here.
        let get = spec.operation("getReport").unwrap();
        assert_eq!(judge_request(get, &NoHeaders, b"x"), vec![]);
    }

    #[test]
    fn payloads_are_judged_with_their_declared_headers() {
        let spec = spec();
        let op = spec.operation("addPerson").unwrap();
        let declared = &op.response(201).unwrap().headers;
        let body = op.request_body.as_ref();
        let ok = [("content-type", "application/json"), ("x-v", "1.0.0")];
        assert_eq!(
            judge_payload(declared, body, &ok[..], GOOD.as_bytes()),
            vec![]
        );
        let f = judge_payload(
            declared,
            body,
            &[("content-type", "application/json")][..],
            b"{}",
        );
        assert_eq!(checks(&f), ["headers-declared", "schema"]);
    }

    #[test]
    fn judge_value_runs_schema_and_rules() {
        let spec = spec();
        let v = &spec
            .operation("addPerson")
            .unwrap()
            .request_body
            .as_ref()
            .unwrap()
            .validator;
        let f = judge_value(v, &serde_json::json!({"cpf": "52998224726"}));
        assert_eq!(checks(&f), ["cpf-check-digits"]);
    }

    #[test]
    fn labels_pair_the_check_with_its_keyword() {
        let f = Check::Schema.finding("/a", "pattern", "m");
        assert_eq!(f.label(), "schema:pattern");
        let f = Check::CpfCheckDigits.finding("/a", "rule:cpf-check-digits", "m");
        assert_eq!(f.label(), "rule:cpf-check-digits");
        let old = Finding {
            check: String::new(),
            pointer: String::new(),
            keyword: "format".into(),
            message: String::new(),
        };
        assert_eq!(old.label(), "format");
        assert_eq!(old.at(), "/");
    }

    #[test]
    fn every_check_has_a_distinct_name() {
        let names: Vec<&str> = Check::all().map(Check::name).collect();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(names.len(), unique.len(), "{names:?}");
        assert_eq!(Check::by_name("one-is-main"), Some(Check::OneIsMain));
        assert_eq!(
            Check::by_name("partner-needs-shareholding"),
            Some(Check::Conditional("partner-needs-shareholding"))
        );
    }

    #[test]
    fn header_names_are_case_insensitive_in_every_holder() {
        let mut map = hyper::HeaderMap::new();
        map.insert("x-v", hyper::header::HeaderValue::from_static("1.0.0"));
        assert_eq!(map.header("X-V"), Some("1.0.0"));
        assert_eq!(map.header("not a header name"), None);
        let pairs = [("X-V".to_string(), "1.0.0".to_string())];
        assert_eq!(pairs[..].header("x-v"), Some("1.0.0"));
        assert_eq!(NoHeaders.header("x-v"), None);
    }

    #[test]
    fn findings_serialise_with_their_check() {
        let f = Check::Json.finding("", "syntax", "m");
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(v["check"], "json");
        // Reports written before checks had names still load.
        let old: Finding =
            serde_json::from_str(r#"{"pointer": "", "keyword": "type", "message": "m"}"#).unwrap();
        assert_eq!(old.check, "");
    }
}
