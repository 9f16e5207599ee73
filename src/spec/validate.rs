//! Compiled schemas: an OpenAPI 3.0 schema turned into a `jsonschema` validator (formats asserted)
//! and kept beside its OpenAPI form, whose hints the judge's semantic checks read. The judge's
//! `schema` check is [`SchemaValidator::schema_findings`].
//!
//! Validators are compiled once when a spec is loaded; judging a body never compiles anything.

use std::sync::Arc;

use serde_json::Value;

use super::judge::{Check, Finding, semantic};
use super::oas30;

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

    /// The `schema` check alone: every keyword, formats asserted.
    pub fn schema_findings(&self, body: &Value) -> Vec<Finding> {
        self.validator
            .iter_errors(body)
            .map(|e| schema_finding(&e))
            .collect()
    }

    /// The `schema` check followed by every semantic rule (check digits, dates, `isMain`,
    /// conditional fields).
    pub fn findings(&self, body: &Value) -> Vec<Finding> {
        self.findings_up_to(body, usize::MAX)
    }

    /// The first `max` of [`Self::findings`]. The validator yields its errors lazily and the
    /// semantic walk stops at `max`, so a body wrong a million times over costs `max` findings.
    pub fn findings_up_to(&self, body: &Value, max: usize) -> Vec<Finding> {
        let mut out: Vec<Finding> = self
            .validator
            .iter_errors(body)
            .take(max)
            .map(|e| schema_finding(&e))
            .collect();
        semantic::findings_up_to(&self.schema, body, &mut out, max);
        out
    }
}

fn schema_finding(e: &jsonschema::ValidationError<'_>) -> Finding {
    let full = e.to_string();
    // A wrong type on a whole array or object would quote all of it: say what is wrong and quote
    // only the start.
    let message = if full.chars().count() > MESSAGE_LIMIT {
        let preview: String = e.instance().to_string().chars().take(60).collect();
        format!("{} (value: {preview}…)", e.masked())
    } else {
        full
    };
    Check::Schema.finding(e.instance_path().as_str(), e.kind().keyword(), message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn findings_stop_at_the_limit_however_wrong_the_body_is() {
        let v = SchemaValidator::compile(&json!({
            "type": "array",
            "items": {"type": "object"}
        }))
        .unwrap();
        let body = Value::Array(vec![json!(0); 200_000]);
        let started = std::time::Instant::now();
        let f = v.findings_up_to(&body, 100);
        assert_eq!(f.len(), 100);
        assert_eq!(f[99].pointer, "/99");
        // Lazily: a fraction of what judging 200 000 errors takes.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(v.findings_up_to(&json!([{}]), 100), vec![]);
    }

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
        assert!(f.iter().all(|f| f.check == "schema"), "{f:?}");
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
