//! Judging a JSON body against an operation's schema: the `jsonschema` crate for every keyword (formats
//! on), plus the checks no schema states — CPF/CNPJ check digits, dates that exist, one `isMain` per
//! list, and the conditional rules of [`super::rules`].
//!
//! Validators are compiled once when a spec is loaded; judging a body never compiles anything.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::hints::{self, DocumentKind, Hint};
use super::oas30;
use super::rules;
use crate::datagen::br::docs::{is_valid_cnpj, is_valid_cpf};

/// One thing wrong with a body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// JSON pointer into the judged body (`""` for the root).
    pub pointer: String,
    /// The schema keyword that failed (`required`, `pattern`, ...) or the name of a semantic rule.
    pub keyword: String,
    pub message: String,
}

/// Longest message quoted in full; longer ones quote the start of the value only.
const MESSAGE_LIMIT: usize = 240;

/// A compiled schema together with the OpenAPI form it came from (the semantic checks read its hints).
pub struct SchemaValidator {
    validator: jsonschema::Validator,
    schema: Arc<Value>,
}

impl std::fmt::Debug for SchemaValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaValidator").finish_non_exhaustive()
    }
}

/// Formats the Open Finance documents use beyond JSON Schema's own. `url` and `double` are asserted;
/// JSON Schema would ignore them and leave `links.*` unchecked.
fn options() -> jsonschema::ValidationOptions<'static> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_format("url", is_http_url)
        .with_format("double", |s: &str| {
            !s.is_empty() && s.trim() == s && s.parse::<f64>().is_ok_and(f64::is_finite)
        })
}

fn is_http_url(s: &str) -> bool {
    let Some(rest) = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
    else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    !host.is_empty() && !s.chars().any(char::is_whitespace)
}

impl SchemaValidator {
    /// Compiles an OpenAPI 3.0 schema (already dereferenced).
    pub fn compile(schema: &Value) -> Result<SchemaValidator, String> {
        Self::compile_json(schema, oas30::to_json_schema(schema))
    }

    /// Compiles the schema of a body travelling `direction` (readOnly/writeOnly honoured).
    pub fn compile_for(
        schema: &Value,
        direction: super::Direction,
    ) -> Result<SchemaValidator, String> {
        Self::compile_json(schema, oas30::to_json_schema_for(schema, direction))
    }

    fn compile_json(schema: &Value, json_schema: Value) -> Result<SchemaValidator, String> {
        let validator = options().build(&json_schema).map_err(|e| e.to_string())?;
        Ok(SchemaValidator {
            validator,
            schema: Arc::new(schema.clone()),
        })
    }

    /// The OpenAPI form of the schema (with its `x-` extensions).
    pub fn schema(&self) -> &Value {
        &self.schema
    }

    /// Fast path for the sandbox's own self-checks.
    pub fn is_valid(&self, body: &Value) -> bool {
        self.validator.is_valid(body)
    }

    /// Schema findings only.
    pub fn schema_findings(&self, body: &Value) -> Vec<Finding> {
        self.validator
            .iter_errors(body)
            .map(|e| {
                let full = e.to_string();
                // A wrong type on a whole array or object would quote all of it: say what is wrong
                // and quote only the start.
                let message = if full.chars().count() > MESSAGE_LIMIT {
                    let preview: String = e.instance().to_string().chars().take(60).collect();
                    format!("{} (value: {preview}…)", e.masked())
                } else {
                    full
                };
                Finding {
                    pointer: e.instance_path().as_str().to_string(),
                    keyword: e.kind().keyword().to_string(),
                    message,
                }
            })
            .collect()
    }

    /// Schema findings followed by semantic ones.
    pub fn findings(&self, body: &Value) -> Vec<Finding> {
        let mut out = self.schema_findings(body);
        semantic_findings(&self.schema, body, &mut out);
        out
    }
}

/// Runs the checks no schema states. Exposed for `finsandbox validate` and the harness.
pub fn semantic_findings(schema: &Value, body: &Value, out: &mut Vec<Finding>) {
    let mut pointer = String::new();
    walk(schema, body, None, None, &mut pointer, out);
}

fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn walk(
    schema: &Value,
    value: &Value,
    prop: Option<&str>,
    parent: Option<&str>,
    pointer: &mut String,
    out: &mut Vec<Finding>,
) {
    match value {
        Value::Object(map) => {
            let Some(props) = schema.get("properties").and_then(Value::as_object) else {
                return;
            };
            for rule in rules::rules_for(schema) {
                if rule.fires(map) && !map.contains_key(rule.require) {
                    out.push(Finding {
                        pointer: pointer.clone(),
                        keyword: format!("rule:{}", rule.name),
                        message: format!(
                            "\"{}\" is required when \"{}\" is {}",
                            rule.require,
                            rule.trigger,
                            describe(map.get(rule.trigger))
                        ),
                    });
                }
            }
            for (name, sub_value) in map {
                let Some(sub_schema) = props.get(name) else {
                    continue;
                };
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_token(name));
                walk(sub_schema, sub_value, Some(name), prop, pointer, out);
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            let Some(item_schema) = schema.get("items") else {
                return;
            };
            check_is_main(item_schema, items, pointer, out);
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                // Items of an array carry the array's name as their own (`companiesCnpj[]` is a CNPJ).
                walk(item_schema, item, prop, parent, pointer, out);
                pointer.truncate(len);
            }
        }
        Value::String(s) => check_string(schema, s, prop, parent, pointer, out),
        _ => {}
    }
}

fn describe(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => format!("\"{s}\""),
        Some(v) => v.to_string(),
        None => "absent".into(),
    }
}

fn check_is_main(item_schema: &Value, items: &[Value], pointer: &str, out: &mut Vec<Finding>) {
    let declares = item_schema
        .get("properties")
        .and_then(|p| p.get("isMain"))
        .is_some();
    if !declares || items.is_empty() {
        return;
    }
    let mains = items
        .iter()
        .filter(|i| i.get("isMain") == Some(&Value::Bool(true)))
        .count();
    if mains != 1 {
        out.push(Finding {
            pointer: pointer.to_string(),
            keyword: "rule:one-is-main".into(),
            message: format!("exactly one item must have \"isMain\": true, found {mains}"),
        });
    }
}

fn check_string(
    schema: &Value,
    s: &str,
    prop: Option<&str>,
    parent: Option<&str>,
    pointer: &str,
    out: &mut Vec<Finding>,
) {
    let hint = hints::hint_for(schema, prop, parent);
    if let Some(kind) = hint.and_then(Hint::document_kind) {
        // Only judge digits of a value shaped like a document; a wrong shape is the schema's finding.
        let plain: String = s.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let shaped = plain.len() == s.len() && (plain.len() == 11 || plain.len() == 14);
        if shaped {
            let ok = match (kind, plain.len()) {
                (DocumentKind::Cpf, 11) | (DocumentKind::CpfOrCnpj, 11) => is_valid_cpf(&plain),
                (DocumentKind::Cnpj, 14) | (DocumentKind::CpfOrCnpj, 14) => is_valid_cnpj(&plain),
                _ => true,
            };
            if !ok {
                let what = if plain.len() == 11 { "CPF" } else { "CNPJ" };
                out.push(Finding {
                    pointer: pointer.to_string(),
                    keyword: format!("rule:{}-check-digits", what.to_lowercase()),
                    message: format!("\"{s}\" is not a valid {what}: wrong check digits"),
                });
            }
        }
    }
    // `format: date` already makes the validator reject 2021-02-31; fields with only a pattern do not.
    let has_date_format = matches!(
        schema.get("format").and_then(Value::as_str),
        Some("date" | "date-time")
    );
    if !has_date_format
        && looks_like_date_field(prop, hint)
        && let Some(problem) = impossible_date(s)
    {
        out.push(Finding {
            pointer: pointer.to_string(),
            keyword: "rule:date-exists".into(),
            message: format!("\"{s}\" {problem}"),
        });
    }
}

fn looks_like_date_field(prop: Option<&str>, hint: Option<Hint>) -> bool {
    matches!(
        hint,
        Some(
            Hint::PersonaBirthDate
                | Hint::PersonaIncorporationDate
                | Hint::PersonaStartDate
                | Hint::DatePast
                | Hint::DateFuture
                | Hint::DatetimePast
                | Hint::DatetimeRecent
        )
    ) || prop.is_some_and(|p| p.ends_with("Date") || p.ends_with("DateTime"))
}

/// Reads a leading `YYYY-M-D` (one- or two-digit month and day, as the official patterns allow) and
/// says what is wrong with it, if anything. Values that are not dates at all are left to the schema.
pub fn impossible_date(s: &str) -> Option<String> {
    let head: String = s.chars().take_while(|c| *c != 'T' && *c != ' ').collect();
    let mut parts = head.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || y.len() != 4
        || !(1..=2).contains(&m.len())
        || !(1..=2).contains(&d.len())
    {
        return None;
    }
    let (y, m, d) = (
        y.parse::<i32>().ok()?,
        m.parse::<u32>().ok()?,
        d.parse::<u32>().ok()?,
    );
    if chrono::NaiveDate::from_ymd_opt(y, m, d).is_none() {
        return Some(format!("is not a date that exists ({y:04}-{m:02}-{d:02})"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn person_schema() -> Value {
        json!({
            "type": "object",
            "required": ["cpfNumber"],
            "properties": {
                "cpfNumber": {"type": "string", "pattern": "^\\d{11}$", "x-datagen": "persona.cpf"},
                "birthDate": {"type": "string", "pattern": "^(\\d{4})-(1[0-2]|0?[1-9])-(3[01]|[12][0-9]|0?[1-9])$"},
                "link": {"type": "string", "format": "url"},
                "phones": {"type": "array", "items": {"type": "object", "properties": {"isMain": {"type": "boolean"}}}}
            }
        })
    }

    #[test]
    fn valid_body_has_no_findings() {
        let v = SchemaValidator::compile(&person_schema()).unwrap();
        let body = json!({"cpfNumber": "52998224725", "birthDate": "1990-02-28", "link": "https://x.example/a",
                          "phones": [{"isMain": true}, {"isMain": false}]});
        assert_eq!(v.findings(&body), vec![]);
    }

    #[test]
    fn wrong_cpf_digit_impossible_date_and_two_mains_are_reported() {
        let v = SchemaValidator::compile(&person_schema()).unwrap();
        let body = json!({"cpfNumber": "52998224726", "birthDate": "2021-02-31",
                          "phones": [{"isMain": true}, {"isMain": true}]});
        let keywords: Vec<_> = v.findings(&body).into_iter().map(|f| f.keyword).collect();
        assert_eq!(
            keywords,
            vec![
                "rule:cpf-check-digits",
                "rule:date-exists",
                "rule:one-is-main"
            ]
        );
    }

    #[test]
    fn schema_findings_carry_pointer_and_keyword() {
        let v = SchemaValidator::compile(&person_schema()).unwrap();
        let f = v.findings(&json!({"cpfNumber": "123", "link": "not a url"}));
        assert!(
            f.iter()
                .any(|f| f.pointer == "/cpfNumber" && f.keyword == "pattern")
        );
        assert!(
            f.iter()
                .any(|f| f.pointer == "/link" && f.keyword == "format")
        );
        let missing = v.findings(&json!({}));
        assert_eq!(missing[0].keyword, "required");
    }

    #[test]
    fn messages_about_big_values_quote_only_their_start() {
        let v = SchemaValidator::compile(&json!({"type": "object"})).unwrap();
        let big: Vec<String> = (0..200).map(|i| format!("item-{i}")).collect();
        let f = v.findings(&json!(big));
        assert_eq!(f[0].keyword, "type");
        assert!(f[0].message.chars().count() < 200, "{}", f[0].message);
        assert!(f[0].message.contains("object"), "{}", f[0].message);
    }

    #[test]
    fn conditional_rule_is_reported() {
        let schema = json!({"type": "object", "properties": {
            "maritalStatusCode": {"type": "string", "enum": ["SOLTEIRO", "OUTRO"]},
            "maritalStatusAdditionalInfo": {"type": "string"}}});
        let v = SchemaValidator::compile(&schema).unwrap();
        let f = v.findings(&json!({"maritalStatusCode": "OUTRO"}));
        assert_eq!(f[0].keyword, "rule:marital-status-other-needs-info");
        assert!(
            v.findings(&json!({"maritalStatusCode": "SOLTEIRO"}))
                .is_empty()
        );
    }

    #[test]
    fn formats_are_asserted() {
        let v = SchemaValidator::compile(&json!({"type": "string", "format": "date"})).unwrap();
        assert!(!v.is_valid(&json!("2021-02-31")));
        assert!(v.is_valid(&json!("2021-02-28")));
        let v = SchemaValidator::compile(&json!({"type": "string", "format": "email"})).unwrap();
        assert!(!v.is_valid(&json!("not-an-email")));
    }

    #[test]
    fn ecma_digit_class_is_ascii_only() {
        let v =
            SchemaValidator::compile(&json!({"type": "string", "pattern": "^\\d{3}$"})).unwrap();
        assert!(v.is_valid(&json!("123")));
        assert!(!v.is_valid(&json!("١٢٣")));
    }

    #[test]
    fn lookahead_pattern_compiles() {
        let v = SchemaValidator::compile(
            &json!({"type": "string", "pattern": "^(?!\\s)[\\w\\W\\s]*[^\\s]$"}),
        )
        .unwrap();
        assert!(v.is_valid(&json!("Padaria Pão Quente")));
        assert!(!v.is_valid(&json!(" leading space")));
    }
}
