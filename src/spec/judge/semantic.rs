//! The checks no schema states, each under its own name: `cpf-check-digits`, `cnpj-check-digits`,
//! `date-exists`, `one-is-main`, and every conditional-field rule of [`crate::spec::rules`].
//!
//! They walk a JSON value beside its OpenAPI schema and read each field's meaning from the schema's
//! hints (`x-datagen`, or the property name), so official documents get them too.

use serde_json::Value;

use super::{Check, Finding};
use crate::br::{is_valid_cnpj, is_valid_cpf};
use crate::spec::hints::{self, DocumentKind, Hint};
use crate::spec::rules;

/// Runs every semantic check of `schema` over `body`, appending to `out`.
/// The walk stops once `out` holds `max` findings rather than visit the rest.
pub fn findings_up_to(schema: &Value, body: &Value, out: &mut Vec<Finding>, max: usize) {
    let mut pointer = String::new();
    walk(schema, body, None, None, &mut pointer, out, max);
    out.truncate(max);
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
    max: usize,
) {
    if out.len() >= max {
        return;
    }
    match value {
        Value::Object(map) => {
            let Some(props) = schema.get("properties").and_then(Value::as_object) else {
                return;
            };
            conditional_fields(schema, map, pointer, out);
            for (name, sub_value) in map {
                let Some(sub_schema) = props.get(name) else {
                    continue;
                };
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_token(name));
                walk(sub_schema, sub_value, Some(name), prop, pointer, out, max);
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            let Some(item_schema) = schema.get("items") else {
                return;
            };
            one_is_main(item_schema, items, pointer, out);
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                // Items of an array carry the array's name as their own (`companiesCnpj[]` is a CNPJ).
                walk(item_schema, item, prop, parent, pointer, out, max);
                pointer.truncate(len);
            }
        }
        Value::String(s) => {
            let hint = hints::hint_for(schema, prop, parent);
            check_digits(hint, s, pointer, out);
            date_exists(schema, hint, prop, s, pointer, out);
        }
        _ => {}
    }
}

/// Each conditional-field rule (its own check, named after the rule): the dependent field is
/// present whenever the trigger says it must be.
fn conditional_fields(
    schema: &Value,
    map: &serde_json::Map<String, Value>,
    pointer: &str,
    out: &mut Vec<Finding>,
) {
    for rule in rules::rules_for(schema) {
        if rule.fires(map) && !map.contains_key(rule.require) {
            out.push(Check::Conditional(rule.name).finding(
                pointer,
                format!("rule:{}", rule.name),
                format!(
                    "\"{}\" is required when \"{}\" is {}",
                    rule.require,
                    rule.trigger,
                    describe(map.get(rule.trigger))
                ),
            ));
        }
    }
}

fn describe(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => format!("\"{s}\""),
        Some(v) => v.to_string(),
        None => "absent".into(),
    }
}

/// `one-is-main`: a non-empty list whose items declare `isMain` has exactly one main item.
fn one_is_main(item_schema: &Value, items: &[Value], pointer: &str, out: &mut Vec<Finding>) {
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
        out.push(Check::OneIsMain.finding(
            pointer,
            "rule:one-is-main",
            format!("exactly one item must have \"isMain\": true, found {mains}"),
        ));
    }
}

/// `cpf-check-digits` and `cnpj-check-digits`: a field that means a document and is shaped like
/// one (11 or 14 characters, no punctuation) has the right check digits. A wrong shape is the
/// schema's finding, not this one's.
fn check_digits(hint: Option<Hint>, s: &str, pointer: &str, out: &mut Vec<Finding>) {
    let Some(kind) = hint.and_then(Hint::document_kind) else {
        return;
    };
    let shaped = s.bytes().all(|b| b.is_ascii_alphanumeric()) && (s.len() == 11 || s.len() == 14);
    if !shaped {
        return;
    }
    let (ok, check, what) = match (kind, s.len()) {
        (DocumentKind::Cpf | DocumentKind::CpfOrCnpj, 11) => {
            (is_valid_cpf(s), Check::CpfCheckDigits, "CPF")
        }
        (DocumentKind::Cnpj | DocumentKind::CpfOrCnpj, 14) => {
            (is_valid_cnpj(s), Check::CnpjCheckDigits, "CNPJ")
        }
        _ => return,
    };
    if !ok {
        out.push(check.finding(
            pointer,
            format!("rule:{}", check.name()),
            format!("\"{s}\" is not a valid {what}: wrong check digits"),
        ));
    }
}

/// `date-exists`: a date-like field with only a pattern names a day that exists. `format: date`
/// already makes the schema check reject 2021-02-31; fields with only a pattern do not.
fn date_exists(
    schema: &Value,
    hint: Option<Hint>,
    prop: Option<&str>,
    s: &str,
    pointer: &str,
    out: &mut Vec<Finding>,
) {
    let has_date_format = matches!(
        schema.get("format").and_then(Value::as_str),
        Some("date" | "date-time")
    );
    if !has_date_format
        && looks_like_date_field(prop, hint)
        && let Some(problem) = impossible_date(s)
    {
        out.push(Check::DateExists.finding(
            pointer,
            "rule:date-exists",
            format!("\"{s}\" {problem}"),
        ));
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

    fn run(schema: Value, body: Value) -> Vec<Finding> {
        let mut out = Vec::new();
        findings_up_to(&schema, &body, &mut out, usize::MAX);
        out
    }

    fn doc_schema() -> Value {
        json!({"type": "object", "properties": {
            "cpf": {"type": "string", "x-datagen": "cpf"},
            "cnpj": {"type": "string", "x-datagen": "cnpj"},
            "cnpjCpf": {"type": "string"}}})
    }

    #[test]
    fn cpf_check_digits() {
        let f = run(doc_schema(), json!({"cpf": "52998224726"}));
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].check.as_str(), f[0].pointer.as_str()),
            ("cpf-check-digits", "/cpf")
        );
        assert!(run(doc_schema(), json!({"cpf": "52998224725"})).is_empty());
        // Either kind by length where both are allowed.
        assert_eq!(
            run(doc_schema(), json!({"cnpjCpf": "52998224726"}))[0].check,
            "cpf-check-digits"
        );
        // A wrong shape is left to the schema.
        assert!(run(doc_schema(), json!({"cpf": "529.982.247-26"})).is_empty());
    }

    #[test]
    fn cnpj_check_digits() {
        let f = run(doc_schema(), json!({"cnpj": "11222333000180"}));
        assert_eq!(
            (f[0].check.as_str(), f[0].keyword.as_str()),
            ("cnpj-check-digits", "rule:cnpj-check-digits")
        );
        assert!(run(doc_schema(), json!({"cnpj": "11222333000181"})).is_empty());
        assert_eq!(
            run(doc_schema(), json!({"cnpjCpf": "11222333000180"}))[0].check,
            "cnpj-check-digits"
        );
    }

    #[test]
    fn date_exists() {
        let schema = json!({"type": "object", "properties": {
            "startDate": {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"},
            "formatted": {"type": "string", "format": "date"}}});
        let f = run(schema.clone(), json!({"startDate": "2023-02-29"}));
        assert_eq!(f[0].check, "date-exists");
        assert!(f[0].message.contains("2023-02-29"), "{}", f[0].message);
        assert!(run(schema.clone(), json!({"startDate": "2024-02-29"})).is_empty());
        // `format: date` is the schema check's business.
        assert!(run(schema, json!({"formatted": "2023-02-29"})).is_empty());
        assert_eq!(
            impossible_date("2021-4-31T10:00:00Z").as_deref(),
            Some("is not a date that exists (2021-04-31)")
        );
        assert_eq!(impossible_date("not a date"), None);
    }

    #[test]
    fn one_is_main() {
        let schema = json!({"type": "object", "properties": {"phones": {"type": "array",
            "items": {"type": "object", "properties": {"isMain": {"type": "boolean"}}}}}});
        for mains in [0, 2] {
            let items: Vec<Value> = (0..2).map(|i| json!({"isMain": i < mains})).collect();
            let f = run(schema.clone(), json!({"phones": items}));
            assert_eq!(
                (f[0].check.as_str(), f[0].pointer.as_str()),
                ("one-is-main", "/phones")
            );
        }
        assert!(
            run(
                schema.clone(),
                json!({"phones": [{"isMain": true}, {"isMain": false}]})
            )
            .is_empty()
        );
        assert!(run(schema, json!({"phones": []})).is_empty());
    }

    #[test]
    fn conditional_fields_are_named_after_their_rule() {
        let schema = json!({"type": "object", "properties": {
            "hasBrazilianNationality": {"type": "boolean"},
            "nationality": {"type": "array"}}});
        let f = run(schema.clone(), json!({"hasBrazilianNationality": false}));
        assert_eq!(f[0].check, "foreigner-needs-nationality");
        assert_eq!(f[0].keyword, "rule:foreigner-needs-nationality");
        assert_eq!(f[0].label(), "rule:foreigner-needs-nationality");
        assert!(run(schema, json!({"hasBrazilianNationality": true})).is_empty());
    }

    #[test]
    fn pointers_escape_slashes_and_tildes() {
        let schema = json!({"type": "object", "properties": {"a/b~c": {"type": "string", "x-datagen": "cpf"}}});
        let f = run(schema, json!({"a/b~c": "52998224726"}));
        assert_eq!(f[0].pointer, "/a~1b~0c");
    }
}
