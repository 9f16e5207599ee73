//! The specs: loading OpenAPI 3.0 documents, compiling their validators once, and the route table.
//!
//! An [`ApiSpec`] is one document (one API, one version) reduced to what the other modules need:
//! operations with dereferenced schemas, a compiled validator per response and parameter, and the
//! family and base path the sandbox serves it under. A [`SpecSet`] is the collection a process works
//! with, embedded by default and extended or overridden by files.

pub mod embedded;
pub mod hints;
pub mod judge;
pub mod load;
pub mod meaning;
pub mod oas30;
pub mod router;
pub mod rules;
pub mod security;
pub mod validate;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

pub use judge::{Check, Finding};
pub use router::{RouteMatch, Router};
pub use validate::SchemaValidator;

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("{source_name}: cannot parse: {message}")]
    Parse {
        source_name: String,
        message: String,
    },
    #[error("{source_name}: $ref {reference}: {message}")]
    Reference {
        source_name: String,
        reference: String,
        message: String,
    },
    #[error("{source_name}: {message}")]
    Invalid {
        source_name: String,
        message: String,
    },
    #[error("{path}: {message}")]
    Io { path: String, message: String },
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    Query,
    Header,
    Path,
    Cookie,
}

#[derive(Debug)]
pub struct Parameter {
    pub name: String,
    pub location: ParamLocation,
    pub required: bool,
    pub schema: Value,
    pub validator: Option<SchemaValidator>,
}

#[derive(Debug)]
pub struct HeaderSpec {
    pub name: String,
    pub required: bool,
    pub validator: Option<SchemaValidator>,
}

/// A request the provider sends back (an OpenAPI `callbacks` entry): a webhook or callback whose
/// payload the harness judges and the sandbox's deliveries keep to.
#[derive(Debug)]
pub struct CallbackSpec {
    /// The callback's name in the operation's `callbacks`.
    pub name: String,
    /// The runtime expression of its URL (`{$request.body#/uri}`).
    pub expression: String,
    /// `POST`, `PUT`, ...
    pub method: String,
    pub body: Option<RequestBodySpec>,
    /// Its declared header parameters.
    pub headers: Vec<HeaderSpec>,
}

#[derive(Debug)]
pub struct ResponseSpec {
    /// `"200"`, `"422"`, ... or `"default"`.
    pub status: String,
    /// The first JSON media type, whose schema [`Self::validator`] checks.
    pub content_type: Option<String>,
    /// Every media type of the response's `content`, as written (`application/pdf`, `image/*`).
    pub media_types: Vec<String>,
    pub validator: Option<SchemaValidator>,
    pub headers: Vec<HeaderSpec>,
    /// Every declared media type in document order, JSON or not (`application/pdf`, `text/csv`).
    pub media: Vec<MediaSpec>,
}

/// One media type of a response and the (dereferenced) schema of its content, if declared.
#[derive(Debug, Clone)]
pub struct MediaSpec {
    pub content_type: String,
    pub schema: Option<Arc<Value>>,
}

/// Which way a body travels: `readOnly` properties belong in responses only, `writeOnly` ones in
/// requests only (OpenAPI 3.0 Schema Object).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Request,
    Response,
}

impl ResponseSpec {
    /// The dereferenced OpenAPI schema of the body, if the response has one.
    pub fn schema(&self) -> Option<&Value> {
        self.validator.as_ref().map(SchemaValidator::schema)
    }
}

#[derive(Debug)]
pub struct RequestBodySpec {
    pub required: bool,
    /// The media type whose schema `validator` holds.
    pub content_type: String,
    /// Every media type of the body's `content`, as written.
    pub media_types: Vec<String>,
    pub validator: SchemaValidator,
}

#[derive(Debug)]
pub struct Operation {
    /// Position in [`ApiSpec::operations`]: families bind handlers by it, so a request finds its
    /// handler without hashing.
    pub index: usize,
    pub id: String,
    pub method: String,
    /// The operation's `summary`, for titles of documents about it (a PDF report).
    pub summary: Option<String>,
    /// Path as written in the document (`/personal/identifications`).
    pub path: String,
    /// Base path + path: what a client calls on the sandbox.
    pub full_path: String,
    pub parameters: Vec<Parameter>,
    pub request_body: Option<RequestBodySpec>,
    pub responses: Vec<ResponseSpec>,
    /// Consent permissions from `x-permissions` (empty when the document has none).
    pub permissions: Vec<String>,
    /// OAuth2 scopes of the operation's first `security` requirement (empty: any token, or none).
    pub scopes: Vec<String>,
    /// The operation's effective security: its own `security`, else the document's default.
    pub security: security::Security,
    /// The requests the provider sends back for this operation (webhooks, callbacks).
    pub callbacks: Vec<CallbackSpec>,
}

impl Operation {
    /// The response declared for `status`, falling back to its range (`4XX`) and then `default`.
    pub fn response(&self, status: u16) -> Option<&ResponseSpec> {
        self.declared_response(status)
            .or_else(|| {
                let class = b'0' + (status / 100 % 10) as u8;
                self.responses.iter().find(|r| {
                    let s = r.status.as_bytes();
                    status < 1000
                        && s.len() == 3
                        && s[0] == class
                        && s[1..].eq_ignore_ascii_case(b"XX")
                })
            })
            .or_else(|| self.responses.iter().find(|r| r.status == "default"))
    }

    /// The response declared for exactly this status, without falling back.
    pub fn declared_response(&self, status: u16) -> Option<&ResponseSpec> {
        // Every request looks its responses up: compare digits on the stack, no String.
        let mut digits = [0u8; 5];
        let mut at = digits.len();
        let mut n = status;
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let code = &digits[at..];
        self.responses.iter().find(|r| r.status.as_bytes() == code)
    }

    pub fn parameter(&self, location: ParamLocation, name: &str) -> Option<&Parameter> {
        self.parameters
            .iter()
            .find(|p| p.location == location && p.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Debug)]
pub struct ApiSpec {
    /// Position in the [`SpecSet`] it was loaded into.
    pub index: usize,
    /// Where it came from: `embedded:specs/...` or a file path as given.
    pub source: String,
    pub title: String,
    /// The provider family that serves it (`x-finsandbox.family`, or recognised from the base
    /// path by a [`Catalog`]); `generic` when none claims it.
    pub family: String,
    /// `customers`, `consents`, ...
    pub api: String,
    pub version: String,
    pub base_path: String,
    pub operations: Vec<Arc<Operation>>,
    /// Whether the document's CNPJ fields admit the alphanumeric CNPJ (2.3.0 on). An institution
    /// on an older version has no such customers, partners or employers to show.
    pub alphanumeric_cnpj: bool,
    /// `components.securitySchemes` and the default `security`.
    pub security: security::SecurityModel,
}

/// A CNPJ field (by meaning) whose pattern admits letters, anywhere in `node`.
fn admits_alphanumeric_cnpj(node: &Value, prop: Option<&str>, parent: Option<&str>) -> bool {
    use hints::{DocumentKind, Hint};
    match node {
        Value::Object(map) => {
            let is_cnpj = map.get("type").and_then(Value::as_str) == Some("string")
                && hints::hint_for(node, prop, parent)
                    .and_then(Hint::document_kind)
                    .is_some_and(|k| k != DocumentKind::Cpf);
            if is_cnpj
                && let Some(p) = map.get("pattern").and_then(Value::as_str)
                && regex::Regex::new(
                    &jsonschema_regex::to_rust_regex(p)
                        .map(|c| c.into_owned())
                        .unwrap_or_else(|_| p.to_string()),
                )
                .is_ok_and(|r| r.is_match("12ABC34501DE35"))
            {
                return true;
            }
            if let Some(props) = map.get("properties").and_then(Value::as_object)
                && props
                    .iter()
                    .any(|(name, sub)| admits_alphanumeric_cnpj(sub, Some(name), prop))
            {
                return true;
            }
            if let Some(items) = map.get("items") {
                return admits_alphanumeric_cnpj(items, prop, parent);
            }
            false
        }
        _ => false,
    }
}

impl ApiSpec {
    /// Loads one document from text. `source` names it in errors and listings.
    pub fn from_text(source: &str, text: &str) -> Result<ApiSpec, SpecError> {
        let raw = load::parse_document(source, text)?;
        let invalid = |message: String| SpecError::Invalid {
            source_name: source.to_string(),
            message,
        };
        match raw.get("openapi").and_then(Value::as_str) {
            Some(v) if v.starts_with("3.0") => {}
            Some(v) => {
                return Err(invalid(format!(
                    "OpenAPI {v} is not supported (3.0.x documents only)"
                )));
            }
            None => {
                return Err(invalid(
                    "not an OpenAPI document (no `openapi` field)".into(),
                ));
            }
        }
        check_datagen_hints(source, &raw)?;
        let doc = load::dereference(source, &raw)?;

        let ext = doc.get("x-finsandbox").cloned().unwrap_or(Value::Null);
        let title = doc["info"]["title"].as_str().unwrap_or("").to_string();
        let version = ext
            .get("version")
            .and_then(Value::as_str)
            .or_else(|| doc["info"]["version"].as_str())
            .unwrap_or("0.0.0")
            .to_string();
        let base_path = match ext.get("basePath").and_then(Value::as_str) {
            Some(p) => p.trim_end_matches('/').to_string(),
            None => doc["servers"][0]["url"]
                .as_str()
                .map(server_path)
                .unwrap_or_default(),
        };
        // Official documents carry no `x-finsandbox`: a catalog of families recognises them later
        // by their base path ([`ApiSpec::resolve_family`]).
        let family = ext
            .get("family")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let api = ext
            .get("api")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| last_segment(&base_path));

        let security = security::SecurityModel::parse(source, &doc)?;
        let mut operations = Vec::new();
        if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
            for (path, item) in paths {
                let shared_params = item.get("parameters");
                for method in ["get", "put", "post", "delete", "patch", "head", "options"] {
                    let Some(op) = item.get(method) else { continue };
                    let mut operation =
                        build_operation(source, &base_path, path, method, op, shared_params)?;
                    operation.index = operations.len();
                    operation.security = match op.get("security") {
                        Some(own) => security::Security::parse(own),
                        None => security.default.clone(),
                    };
                    operations.push(Arc::new(operation));
                }
            }
        }
        if operations.is_empty() {
            return Err(invalid("the document declares no operations".into()));
        }
        let alphanumeric_cnpj = operations.iter().any(|op| {
            op.responses
                .iter()
                .filter_map(ResponseSpec::schema)
                .any(|s| admits_alphanumeric_cnpj(s, None, None))
        });
        Ok(ApiSpec {
            index: 0,
            source: source.to_string(),
            title,
            family,
            api,
            version,
            base_path,
            operations,
            alphanumeric_cnpj,
            security,
        })
    }

    pub fn from_file(path: &Path) -> Result<ApiSpec, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|e| SpecError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        ApiSpec::from_text(&path.display().to_string(), &text)
    }

    pub fn operation(&self, id: &str) -> Option<&Arc<Operation>> {
        self.operations.iter().find(|o| o.id == id)
    }

    /// The name of an embedded document: its path under `specs/` without extension
    /// (`open-finance/customers-v2`, `bankly/customers`).
    pub fn short_name(&self) -> Option<String> {
        let path = self.source.strip_prefix("embedded:specs/")?;
        let stem = path
            .strip_suffix(".yaml")
            .or_else(|| path.strip_suffix(".yml"))
            .or_else(|| path.strip_suffix(".json"))
            .unwrap_or(path);
        Some(stem.to_string())
    }

    /// The file name alone (`customers-v2`): enough to name an embedded document when unique.
    pub fn stem(&self) -> Option<String> {
        self.short_name()
            .map(|n| n.rsplit('/').next().unwrap_or(&n).to_string())
    }

    /// Settles the family of a document that names none, and refuses one that names a family
    /// the catalog does not know (a typo would otherwise become a mock that checks nothing).
    pub fn resolve_family(&mut self, catalog: &dyn Catalog) -> Result<(), SpecError> {
        if self.family.is_empty() {
            match catalog.recognise(&self.base_path) {
                Some((family, api)) => {
                    self.family = family;
                    self.api = api;
                }
                None => self.family = GENERIC.to_string(),
            }
            return Ok(());
        }
        if self.family != GENERIC && !catalog.known(&self.family) {
            return Err(SpecError::Invalid {
                source_name: self.source.clone(),
                message: format!(
                    "x-finsandbox.family \"{}\" is not a known family (known: {})",
                    self.family,
                    catalog.names().join(", ")
                ),
            });
        }
        Ok(())
    }

    /// Opens a document by file path, or an embedded one by short name (`customers-v1`) or label
    /// (`open-finance/customers@2.2.1`).
    pub fn open(name_or_path: &str) -> Result<ApiSpec, SpecError> {
        let path = Path::new(name_or_path);
        if path.is_file() {
            return ApiSpec::from_file(path);
        }
        let mut all = SpecSet::all_embedded()?;
        let wanted = name_or_path.trim();
        let mut known = Vec::new();
        let stem_count = |stem: &str| {
            all.iter()
                .filter(|s| s.stem().as_deref() == Some(stem))
                .count()
        };
        let mut found = None;
        for (i, spec) in all.iter().enumerate() {
            let short = spec.short_name().unwrap_or_default();
            let stem = spec.stem().unwrap_or_default();
            let label = format!("{}/{}@{}", spec.family, spec.api, spec.version);
            if short == wanted || label == wanted || (stem == wanted && stem_count(&stem) == 1) {
                found = Some(i);
                break;
            }
            known.push(short);
        }
        if let Some(i) = found {
            return Ok(all.swap_remove(i));
        }
        Err(SpecError::Io {
            path: name_or_path.to_string(),
            message: format!(
                "no such file, and no embedded spec of that name (embedded: {})",
                known.join(", ")
            ),
        })
    }

    /// A short label for listings and logs: `open-finance/customers 2.3.0`.
    pub fn label(&self) -> String {
        format!("{}/{} {}", self.family, self.api, self.version)
    }
}

/// `https://api.banco.com.br/open-banking/customers/v2` -> `/open-banking/customers/v2`.
fn server_path(url: &str) -> String {
    let after_scheme = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let path = match after_scheme.find('/') {
        Some(i) if url.contains("://") => &after_scheme[i..],
        Some(_) | None if url.starts_with('/') => url,
        _ => "",
    };
    path.trim_end_matches('/').to_string()
}

/// The name of the generic family: documents no provider family claims.
pub const GENERIC: &str = "generic";

/// What the spec layer needs to know of the provider families: which names exist, and which
/// family serves an official document by its base path. The sandbox's registry is one.
pub trait Catalog {
    fn known(&self, family: &str) -> bool;
    /// `(family, api)` for a document with this base path, if a family claims it.
    fn recognise(&self, base_path: &str) -> Option<(String, String)>;
    fn names(&self) -> Vec<&'static str>;
}

/// A catalog with no families: every document is generic.
pub struct NoFamilies;

impl Catalog for NoFamilies {
    fn known(&self, _family: &str) -> bool {
        false
    }
    fn recognise(&self, _base_path: &str) -> Option<(String, String)> {
        None
    }
    fn names(&self) -> Vec<&'static str> {
        Vec::new()
    }
}

/// The last path segment that is not a version names the api of a document nobody described
/// (`/open-banking/widgets/v1` -> widgets).
fn last_segment(base_path: &str) -> String {
    let is_version = |s: &str| {
        s.strip_prefix(['v', 'V']).is_some_and(|rest| {
            !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
        })
    };
    base_path
        .split('/')
        .rfind(|s| !s.is_empty() && !is_version(s))
        .unwrap_or("api")
        .to_string()
}

fn build_operation(
    source: &str,
    base_path: &str,
    path: &str,
    method: &str,
    op: &Value,
    shared_params: Option<&Value>,
) -> Result<Operation, SpecError> {
    let id = op
        .get("operationId")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("{} {}", method.to_uppercase(), path));
    let compile_for = |what: &str, schema: &Value, direction: Option<Direction>| {
        match direction {
            Some(d) => SchemaValidator::compile_for(schema, d),
            None => SchemaValidator::compile(schema),
        }
        .map_err(|message| SpecError::Invalid {
            source_name: source.to_string(),
            message: format!("{id}: {what}: schema does not compile: {message}"),
        })
    };
    let compile = |what: &str, schema: &Value| compile_for(what, schema, None);

    let mut parameters: Vec<Parameter> = Vec::new();
    let own = op.get("parameters").and_then(Value::as_array);
    let shared = shared_params.and_then(Value::as_array);
    // Operation-level parameters override path-level ones with the same name and location.
    for p in own
        .into_iter()
        .flatten()
        .chain(shared.into_iter().flatten())
    {
        let name = p["name"].as_str().unwrap_or_default().to_string();
        let location = match p["in"].as_str() {
            Some("query") => ParamLocation::Query,
            Some("header") => ParamLocation::Header,
            Some("path") => ParamLocation::Path,
            Some("cookie") => ParamLocation::Cookie,
            _ => continue,
        };
        if parameters
            .iter()
            .any(|q| q.location == location && q.name == name)
        {
            continue;
        }
        let schema = p.get("schema").cloned().unwrap_or(Value::Null);
        let validator = if schema.is_object() {
            Some(compile(&format!("parameter {name}"), &schema)?)
        } else {
            None
        };
        parameters.push(Parameter {
            required: p["required"]
                .as_bool()
                .unwrap_or(location == ParamLocation::Path),
            name,
            location,
            schema,
            validator,
        });
    }

    let request_body = match op.get("requestBody") {
        Some(body) => match first_json_content(body.get("content")) {
            Some((content_type, schema)) => Some(RequestBodySpec {
                required: body["required"].as_bool().unwrap_or(false),
                content_type,
                media_types: media_types(body.get("content")),
                validator: compile_for("request body", schema, Some(Direction::Request))?,
            }),
            None => None,
        },
        None => None,
    };

    let mut responses = Vec::new();
    if let Some(map) = op.get("responses").and_then(Value::as_object) {
        for (status, response) in map {
            let media: Vec<MediaSpec> = response
                .get("content")
                .and_then(Value::as_object)
                .map(|c| {
                    c.iter()
                        .map(|(ct, m)| MediaSpec {
                            content_type: ct.clone(),
                            schema: m
                                .get("schema")
                                .filter(|s| s.is_object())
                                .cloned()
                                .map(Arc::new),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let (content_type, validator) = match json_content(response.get("content")) {
                Some((ct, schema)) => (
                    Some(ct),
                    Some(compile_for(
                        &format!("response {status}"),
                        schema,
                        Some(Direction::Response),
                    )?),
                ),
                None => (None, None),
            };
            let mut headers = Vec::new();
            if let Some(hs) = response.get("headers").and_then(Value::as_object) {
                for (name, h) in hs {
                    let validator = match h.get("schema") {
                        Some(s) if s.is_object() => {
                            Some(compile(&format!("response {status} header {name}"), s)?)
                        }
                        _ => None,
                    };
                    headers.push(HeaderSpec {
                        name: name.clone(),
                        required: h["required"].as_bool().unwrap_or(false),
                        validator,
                    });
                }
            }
            responses.push(ResponseSpec {
                status: status.clone(),
                content_type,
                media_types: media_types(response.get("content")),
                validator,
                headers,
                media,
            });
        }
    }

    let permissions = op
        .get("x-permissions")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();

    // Alternatives in `security` are rare in the supported APIs; the first one is the contract.
    let scopes = op
        .get("security")
        .and_then(Value::as_array)
        .and_then(|reqs| reqs.first())
        .and_then(Value::as_object)
        .map(|req| {
            req.values()
                .filter_map(Value::as_array)
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();

    let callbacks = build_callbacks(op, &|what: &str, schema: &Value| compile(what, schema))?;
    Ok(Operation {
        index: 0,
        id,
        summary: op
            .get("summary")
            .and_then(Value::as_str)
            .map(str::to_string),
        method: method.to_uppercase(),
        path: path.to_string(),
        full_path: format!("{base_path}{path}"),
        parameters,
        request_body,
        responses,
        permissions,
        scopes,
        security: security::Security::default(),
        callbacks,
    })
}

/// The operation's `callbacks`: each expression's first method, its body and header parameters.
fn build_callbacks(
    op: &Value,
    compile: &dyn Fn(&str, &Value) -> Result<SchemaValidator, SpecError>,
) -> Result<Vec<CallbackSpec>, SpecError> {
    let mut out = Vec::new();
    let Some(callbacks) = op.get("callbacks").and_then(Value::as_object) else {
        return Ok(out);
    };
    for (name, expressions) in callbacks {
        let Some(expressions) = expressions.as_object() else {
            continue;
        };
        for (expression, item) in expressions {
            for method in ["post", "put", "patch", "get", "delete"] {
                let Some(request) = item.get(method) else {
                    continue;
                };
                let body = match request.get("requestBody") {
                    Some(rb) => match first_json_content(rb.get("content")) {
                        Some((content_type, schema)) => Some(RequestBodySpec {
                            required: rb["required"].as_bool().unwrap_or(false),
                            content_type,
                            media_types: media_types(rb.get("content")),
                            validator: compile(&format!("callback {name} body"), schema)?,
                        }),
                        None => None,
                    },
                    None => None,
                };
                let mut headers = Vec::new();
                for p in request["parameters"].as_array().into_iter().flatten() {
                    if p["in"] != "header" {
                        continue;
                    }
                    let header = p["name"].as_str().unwrap_or_default().to_string();
                    let validator = match p.get("schema") {
                        Some(s) if s.is_object() => {
                            Some(compile(&format!("callback {name} header {header}"), s)?)
                        }
                        _ => None,
                    };
                    headers.push(HeaderSpec {
                        name: header,
                        required: p["required"].as_bool().unwrap_or(false),
                        validator,
                    });
                }
                out.push(CallbackSpec {
                    name: name.clone(),
                    expression: expression.clone(),
                    method: method.to_uppercase(),
                    body,
                    headers,
                });
            }
        }
    }
    Ok(out)
}

/// The schema of the first JSON media type (`application/json`, `application/json; charset=utf-8`,
/// `application/problem+json`, ...), or of the only media type if none is JSON.
fn first_json_content(content: Option<&Value>) -> Option<(String, &Value)> {
    let content = content?.as_object()?;
    let pick = content
        .iter()
        .find(|(ct, _)| ct.contains("json"))
        .or_else(|| content.iter().next())?;
    let schema = pick.1.get("schema")?;
    Some((pick.0.clone(), schema))
}

/// The keys of a `content` map, in document order.
fn media_types(content: Option<&Value>) -> Vec<String> {
    content
        .and_then(Value::as_object)
        .map(|c| c.keys().cloned().collect())
        .unwrap_or_default()
}

/// The schema of the first JSON media type of a response. Other media (a PDF, a CSV) are not
/// judged as JSON: their bytes are checked by `datagen::media::sniff`.
fn json_content(content: Option<&Value>) -> Option<(String, &Value)> {
    let content = content?.as_object()?;
    let (ct, media) = content.iter().find(|(ct, _)| {
        let essence = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        essence.ends_with("/json") || essence.ends_with("+json") || essence == "*/*"
    })?;
    Some((ct.clone(), media.get("schema")?))
}

/// An unknown `x-datagen` value is a typo that would silently produce generic data: refuse it at load.
fn check_datagen_hints(source: &str, doc: &Value) -> Result<(), SpecError> {
    let mut unknown = BTreeSet::new();
    collect_unknown_hints(doc, &mut unknown);
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(SpecError::Invalid {
            source_name: source.to_string(),
            message: format!(
                "unknown x-datagen value(s): {} (see specs/README.md for the list)",
                unknown.into_iter().collect::<Vec<_>>().join(", ")
            ),
        })
    }
}

fn collect_unknown_hints(node: &Value, unknown: &mut BTreeSet<String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(h)) = map.get("x-datagen")
                && hints::Hint::parse(h).is_none()
            {
                unknown.insert(h.clone());
            }
            map.values().for_each(|v| collect_unknown_hints(v, unknown));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_unknown_hints(v, unknown)),
        _ => {}
    }
}

/// The documents a process works with.
#[derive(Debug, Default, Clone)]
pub struct SpecSet {
    pub apis: Vec<Arc<ApiSpec>>,
}

/// Which documents to load and how to choose among alternatives.
#[derive(Debug, Clone, Default)]
pub struct SpecSelection {
    /// Read every `*.yaml|*.yml|*.json` under this directory instead of the embedded documents.
    pub dir: Option<std::path::PathBuf>,
    /// Extra documents; each replaces a loaded one with the same base path.
    pub files: Vec<std::path::PathBuf>,
    /// Which version serves a base path shared by several documents: `(base path, version)`.
    /// Without a preference the highest version does.
    pub versions: Vec<(String, String)>,
}

impl SpecSelection {
    /// Prefers `version` for the documents served at `base_path`.
    pub fn prefer(mut self, base_path: &str, version: &str) -> SpecSelection {
        self.versions
            .push((base_path.to_string(), version.to_string()));
        self
    }
}

/// Orders dotted versions numerically (`2.10.0` > `2.3.0`); non-numeric parts compare as text.
fn version_key(v: &str) -> Vec<(u64, String)> {
    v.split(['.', '-'])
        .map(|p| (p.parse::<u64>().unwrap_or(0), p.to_string()))
        .collect()
}

impl SpecSet {
    /// Loads the selection and settles each document's family with `catalog`. Among several
    /// documents for the same base path (2.2.1 and 2.3.0 of Customers v2), the preferred version
    /// stays active, or the highest.
    pub fn load(selection: &SpecSelection, catalog: &dyn Catalog) -> Result<SpecSet, SpecError> {
        let mut all: Vec<ApiSpec> = match &selection.dir {
            Some(dir) => load_dir(dir)?,
            None => embedded::SPECS
                .iter()
                .map(|(name, text)| ApiSpec::from_text(&format!("embedded:{name}"), text))
                .collect::<Result<_, _>>()?,
        };

        let preferred = |base_path: &str| {
            selection
                .versions
                .iter()
                .rev()
                .find(|(b, _)| b == base_path)
                .map(|(_, v)| v.as_str())
        };
        let mut chosen: Vec<ApiSpec> = Vec::new();
        for spec in all.drain(..) {
            let Some(pos) = chosen.iter().position(|c| c.base_path == spec.base_path) else {
                chosen.push(spec);
                continue;
            };
            let better = match preferred(&spec.base_path) {
                Some(v) => spec.version == v,
                None => version_key(&spec.version) > version_key(&chosen[pos].version),
            };
            if better {
                chosen[pos] = spec;
            }
        }
        for (base_path, version) in &selection.versions {
            if let Some(active) = chosen.iter().find(|s| &s.base_path == base_path)
                && &active.version != version
            {
                return Err(SpecError::Invalid {
                    source_name: base_path.clone(),
                    message: format!(
                        "no document for {base_path} with version {version} (have {})",
                        active.version
                    ),
                });
            }
        }
        for file in &selection.files {
            let spec = ApiSpec::from_file(file)?;
            match chosen.iter().position(|c| c.base_path == spec.base_path) {
                Some(pos) => chosen[pos] = spec,
                None => chosen.push(spec),
            }
        }
        let mut apis = Vec::with_capacity(chosen.len());
        for (index, mut spec) in chosen.into_iter().enumerate() {
            spec.resolve_family(catalog)?;
            spec.index = index;
            apis.push(Arc::new(spec));
        }
        Ok(SpecSet { apis })
    }

    /// Every embedded document, alternatives included (for `finsandbox specs`).
    pub fn all_embedded() -> Result<Vec<ApiSpec>, SpecError> {
        embedded::SPECS
            .iter()
            .map(|(name, text)| ApiSpec::from_text(&format!("embedded:{name}"), text))
            .collect()
    }

    pub fn find(&self, family: &str, api: &str) -> Option<&Arc<ApiSpec>> {
        self.apis
            .iter()
            .find(|s| s.family == family && s.api == api)
    }

    pub fn by_base_path(&self, base_path: &str) -> Option<&Arc<ApiSpec>> {
        self.apis.iter().find(|s| s.base_path == base_path)
    }

    /// Looks an operation up by id across all documents.
    pub fn operation(&self, id: &str) -> Option<(&Arc<ApiSpec>, &Arc<Operation>)> {
        self.apis
            .iter()
            .find_map(|s| s.operation(id).map(|o| (s, o)))
    }

    pub fn router(&self) -> Router {
        Router::new(&self.apis)
    }
}

fn load_dir(dir: &Path) -> Result<Vec<ApiSpec>, SpecError> {
    let mut files = Vec::new();
    collect_files(dir, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(SpecError::Io {
            path: dir.display().to_string(),
            message: "no .yaml, .yml or .json documents found".into(),
        });
    }
    files.iter().map(|f| ApiSpec::from_file(f)).collect()
}

fn collect_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), SpecError> {
    let entries = std::fs::read_dir(dir).map_err(|e| SpecError::Io {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

/// [`judge_bytes`] for a body already read as text (JSON).
pub fn judge_body(
    spec: &ApiSpec,
    operation: &str,
    status: &str,
    request: bool,
    text: &str,
) -> Result<Vec<Finding>, String> {
    judge_bytes(spec, operation, status, request, text.as_bytes())
}

/// Judges one body (a participant's real payload) against an operation of a document: the response
/// declared for `status` (or the request body) — for JSON, every schema keyword with formats on plus
/// the semantic rules; for another declared media type (a PDF, a CSV), the `media` check. What
/// `finsandbox validate` runs. `Err` is a usage error: no such operation, status or body, or input
/// that is not JSON where JSON is declared.
pub fn judge_bytes(
    spec: &ApiSpec,
    operation: &str,
    status: &str,
    request: bool,
    input: &[u8],
) -> Result<Vec<Finding>, String> {
    let Some(op) = spec.operation(operation) else {
        let ids: Vec<&str> = spec.operations.iter().map(|o| o.id.as_str()).collect();
        return Err(format!(
            "{} has no operation {operation} (it has: {})",
            spec.label(),
            ids.join(", ")
        ));
    };
    let (content_type, media_types, validator) = if request {
        match &op.request_body {
            Some(b) => (
                Some(b.content_type.as_str()),
                &b.media_types,
                Some(&b.validator),
            ),
            None => return Err(format!("{operation} takes no request body")),
        }
    } else {
        let response = op
            .responses
            .iter()
            .find(|r| r.status == status)
            .or_else(|| {
                status
                    .parse::<u16>()
                    .ok()
                    .and_then(|code| op.response(code))
            });
        let Some(response) = response else {
            let declared: Vec<&str> = op.responses.iter().map(|r| r.status.as_str()).collect();
            return Err(format!(
                "{operation} declares no response {status} (it declares: {})",
                declared.join(", ")
            ));
        };
        (
            response.content_type.as_deref(),
            &response.media_types,
            response.validator.as_ref(),
        )
    };
    match (content_type, validator) {
        (Some(ct), Some(validator)) if judge::is_json_media(ct) => {
            let input = input.strip_prefix("\u{feff}".as_bytes()).unwrap_or(input);
            let body: serde_json::Value =
                serde_json::from_slice(input).map_err(|e| format!("the input is not JSON: {e}"))?;
            Ok(judge::judge_value(validator, &body))
        }
        _ => match media_types.iter().find(|m| !judge::is_json_media(m)) {
            Some(media) => {
                let mut out = Vec::new();
                judge::media::check(media, input, &mut out);
                Ok(out)
            }
            None => Err(format!("{operation} {status} has no body schema")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
openapi: 3.0.0
info: {title: t, version: 9.9.9}
servers: [{url: "https://api.example.com.br/open-banking/widgets/v1"}]
paths:
  /things/{id}:
    parameters:
      - {name: id, in: path, schema: {type: string}}
    get:
      operationId: getThing
      parameters:
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
      responses:
        "200":
          description: ok
          headers:
            x-v: {required: true, schema: {type: string, pattern: '^\d+\.\d+\.\d+$'}}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
        default:
          description: error
          content:
            application/json; charset=utf-8:
              schema: {type: object, required: [errors]}
components:
  schemas:
    Thing: {type: object, required: [id], properties: {id: {type: string, nullable: true}}}
"#;

    #[test]
    fn official_style_document_without_extensions_is_understood() {
        let spec = ApiSpec::from_text("small", SMALL).unwrap();
        assert_eq!(spec.family, "", "no x-finsandbox: the catalog decides");
        assert_eq!(spec.api, "widgets");
        assert_eq!(spec.version, "9.9.9");
        assert_eq!(spec.base_path, "/open-banking/widgets/v1");
        let op = spec.operation("getThing").unwrap();
        assert_eq!(op.full_path, "/open-banking/widgets/v1/things/{id}");
        assert!(op.parameter(ParamLocation::Path, "id").unwrap().required);
        let ok = op.response(200).unwrap();
        assert!(
            ok.validator
                .as_ref()
                .unwrap()
                .is_valid(&serde_json::json!({"id": null}))
        );
        assert_eq!(ok.headers[0].name, "x-v");
        assert_eq!(op.response(503).unwrap().status, "default");
    }

    struct Widgets;
    impl Catalog for Widgets {
        fn known(&self, family: &str) -> bool {
            family == "widgets-inc"
        }
        fn recognise(&self, base_path: &str) -> Option<(String, String)> {
            base_path
                .starts_with("/open-banking/")
                .then(|| ("widgets-inc".to_string(), "widgets".to_string()))
        }
        fn names(&self) -> Vec<&'static str> {
            vec!["widgets-inc"]
        }
    }

    #[test]
    fn the_catalog_recognises_official_documents_and_refuses_unknown_families() {
        let mut spec = ApiSpec::from_text("small", SMALL).unwrap();
        spec.resolve_family(&Widgets).unwrap();
        assert_eq!(spec.family, "widgets-inc");
        let mut nobody = ApiSpec::from_text("small", SMALL).unwrap();
        nobody.resolve_family(&NoFamilies).unwrap();
        assert_eq!(nobody.family, GENERIC);
        let typo = SMALL.replace(
            "info: {title: t, version: 9.9.9}",
            "info: {title: t, version: 9.9.9}\nx-finsandbox: {family: widgets-icn}",
        );
        let mut typo = ApiSpec::from_text("typo", &typo).unwrap();
        let err = typo.resolve_family(&Widgets).unwrap_err().to_string();
        assert!(
            err.contains("widgets-icn") && err.contains("widgets-inc"),
            "{err}"
        );
    }

    #[test]
    fn versions_order_numerically() {
        assert!(version_key("2.10.0") > version_key("2.3.0"));
        assert!(version_key("2.3.0") > version_key("2.2.1"));
    }

    #[test]
    fn unknown_datagen_hint_is_refused_at_load() {
        let text = SMALL.replace(
            "properties: {id: {type: string, nullable: true}}",
            "properties: {id: {type: string, x-datagen: persona.shoeSize}}",
        );
        let err = ApiSpec::from_text("small", &text).unwrap_err().to_string();
        assert!(err.contains("persona.shoeSize"), "{err}");
    }

    #[test]
    fn scopes_come_from_the_first_security_requirement() {
        let text = SMALL.replace(
            "      operationId: getThing\n",
            "      operationId: getThing\n      security:\n        - oauth: [things.read, things.list]\n        - other: [x]\n",
        );
        let spec = ApiSpec::from_text("small", &text).unwrap();
        assert_eq!(
            spec.operation("getThing").unwrap().scopes,
            ["things.read", "things.list"]
        );
        let plain = ApiSpec::from_text("small", SMALL).unwrap();
        assert!(plain.operation("getThing").unwrap().scopes.is_empty());
    }

    #[test]
    fn swagger_2_is_refused_with_a_clear_message() {
        let err = ApiSpec::from_text("old", "swagger: '2.0'\ninfo: {title: t, version: '1'}\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not an OpenAPI document"), "{err}");
    }

    #[test]
    fn server_path_is_extracted() {
        assert_eq!(
            server_path("https://h.com.br/open-banking/x/v1/"),
            "/open-banking/x/v1"
        );
        assert_eq!(server_path("https://h.com.br"), "");
        assert_eq!(server_path("/acme"), "/acme");
    }
}
