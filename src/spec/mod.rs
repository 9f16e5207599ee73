//! The specs: loading OpenAPI 3.0 documents, compiling their validators once, and the route table.
//!
//! An [`ApiSpec`] is one document (one API, one version) reduced to what the other modules need:
//! operations with dereferenced schemas, a compiled validator per response and parameter, and the
//! family and base path the sandbox serves it under. A [`SpecSet`] is the collection a process works
//! with, embedded by default and extended or overridden by files.

pub mod embedded;
pub mod hints;
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

pub use router::{RouteMatch, Router};
pub use validate::{Finding, SchemaValidator};

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

#[derive(Debug)]
pub struct ResponseSpec {
    /// `"200"`, `"422"`, ... or `"default"`.
    pub status: String,
    /// The first JSON media type, whose schema [`Self::validator`] checks.
    pub content_type: Option<String>,
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
    pub content_type: String,
    pub validator: SchemaValidator,
}

#[derive(Debug)]
pub struct Operation {
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
}

impl Operation {
    /// The response declared for `status`, falling back to `default`.
    pub fn response(&self, status: u16) -> Option<&ResponseSpec> {
        self.declared_response(status)
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
    /// Where it came from: `embedded:specs/...` or a file path as given.
    pub source: String,
    pub title: String,
    /// `open-finance`, `bankly`, or `generic` (served from the schemas alone).
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
        let (family, api) = match (
            ext.get("family").and_then(Value::as_str),
            ext.get("api").and_then(Value::as_str),
        ) {
            (Some(f), Some(a)) => (f.to_string(), a.to_string()),
            _ => infer_family(&base_path),
        };

        let security = security::SecurityModel::parse(source, &doc)?;
        let mut operations = Vec::new();
        if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
            for (path, item) in paths {
                let shared_params = item.get("parameters");
                for method in ["get", "put", "post", "delete", "patch", "head", "options"] {
                    let Some(op) = item.get(method) else { continue };
                    let mut operation =
                        build_operation(source, &base_path, path, method, op, shared_params)?;
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

    /// The short name of an embedded document: its file name without extension
    /// (`customers-v2`, `customers-v2.2.1`, `consents-v3`, `bankly/customers`).
    pub fn short_name(&self) -> Option<String> {
        let path = self.source.strip_prefix("embedded:specs/")?;
        let path = path.strip_prefix("open-finance/").unwrap_or(path);
        let stem = path
            .strip_suffix(".yaml")
            .or_else(|| path.strip_suffix(".yml"))
            .or_else(|| path.strip_suffix(".json"))
            .unwrap_or(path);
        Some(stem.to_string())
    }

    /// Opens a document by file path, or an embedded one by short name (`customers-v1`) or label
    /// (`open-finance/customers@2.2.1`).
    pub fn open(name_or_path: &str) -> Result<ApiSpec, SpecError> {
        let path = Path::new(name_or_path);
        if path.is_file() {
            return ApiSpec::from_file(path);
        }
        let all = SpecSet::all_embedded()?;
        let wanted = name_or_path.trim();
        let mut known = Vec::new();
        for spec in all {
            let short = spec.short_name().unwrap_or_default();
            let label = format!("{}/{}@{}", spec.family, spec.api, spec.version);
            if short == wanted || label == wanted {
                return Ok(spec);
            }
            known.push(short);
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

/// Official documents carry no `x-finsandbox`; their server URL says what they are.
fn infer_family(base_path: &str) -> (String, String) {
    let segments: Vec<&str> = base_path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["open-banking", api, ..] => ("open-finance".into(), (*api).to_string()),
        ["bankly", ..] => ("bankly".into(), "customers".into()),
        _ => (
            "generic".into(),
            segments.last().unwrap_or(&"api").to_string(),
        ),
    }
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

    Ok(Operation {
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
    })
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
    /// Which Customers v2 minor version serves `/open-banking/customers/v2` (`2.3.0` by default).
    pub customers_v2: Option<String>,
}

impl SpecSet {
    /// Loads the selection. Among several documents for the same base path (2.2.1 and 2.3.0 of
    /// Customers v2), only the selected version stays active.
    pub fn load(selection: &SpecSelection) -> Result<SpecSet, SpecError> {
        let mut all: Vec<ApiSpec> = match &selection.dir {
            Some(dir) => load_dir(dir)?,
            None => embedded::SPECS
                .iter()
                .map(|(name, text)| ApiSpec::from_text(&format!("embedded:{name}"), text))
                .collect::<Result<_, _>>()?,
        };

        let wanted_v2 = selection.customers_v2.as_deref().unwrap_or("2.3.0");
        let mut chosen: Vec<ApiSpec> = Vec::new();
        for spec in all.drain(..) {
            if let Some(pos) = chosen.iter().position(|c| c.base_path == spec.base_path) {
                // Keep the wanted version; otherwise the first one met.
                if spec.version == wanted_v2 {
                    chosen[pos] = spec;
                }
            } else {
                chosen.push(spec);
            }
        }
        if let Some(v2) = chosen
            .iter()
            .find(|s| s.base_path == "/open-banking/customers/v2")
            && selection.customers_v2.is_some()
            && v2.version != wanted_v2
        {
            return Err(SpecError::Invalid {
                source_name: "--customers-v2".into(),
                message: format!(
                    "no Customers v2 document with version {wanted_v2} (have {})",
                    v2.version
                ),
            });
        }
        for file in &selection.files {
            let spec = ApiSpec::from_file(file)?;
            match chosen.iter().position(|c| c.base_path == spec.base_path) {
                Some(pos) => chosen[pos] = spec,
                None => chosen.push(spec),
            }
        }
        Ok(SpecSet {
            apis: chosen.into_iter().map(Arc::new).collect(),
        })
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

/// Judges one JSON body (a participant's real payload) against an operation of a document: the
/// response declared for `status` (or the request body), every schema keyword with formats on,
/// plus the semantic rules. What `finsandbox validate` runs.
pub fn judge_body(
    spec: &ApiSpec,
    operation: &str,
    status: &str,
    request: bool,
    text: &str,
) -> Result<Vec<Finding>, String> {
    let Some(op) = spec.operation(operation) else {
        let ids: Vec<&str> = spec.operations.iter().map(|o| o.id.as_str()).collect();
        return Err(format!(
            "{} has no operation {operation} (it has: {})",
            spec.label(),
            ids.join(", ")
        ));
    };
    let validator = if request {
        match &op.request_body {
            Some(b) => &b.validator,
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
        match &response.validator {
            Some(v) => v,
            None => return Err(format!("{operation} {status} has no body schema")),
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let body: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("the input is not JSON: {e}"))?;
    Ok(validator.findings(&body))
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
        assert_eq!(spec.family, "open-finance");
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
        assert_eq!(server_path("/bankly"), "/bankly");
    }
}
