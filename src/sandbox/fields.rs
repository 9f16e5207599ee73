//! Field errors in the words Brazilian providers use: each refused field named by its dotted path
//! (`address.zipCode`, `phones[0].number`) with a Portuguese message. The messages follow only the
//! schema keyword a value breaks, so every family words them the same way and they live here once;
//! each family keeps its own error body and its rules beyond the schema.

use serde_json::Value;

use crate::spec::SchemaValidator;

/// A JSON pointer as a dotted field path: `/address/zipCode` -> `address.zipCode`, array indexes
/// as `[i]` (`/phones/0/number` -> `phones[0].number`); the root is the empty path.
pub fn dotted_path(pointer: &str) -> String {
    let mut out = String::new();
    for token in pointer.split('/').skip(1) {
        let token = unescape(token);
        if !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) {
            out.push('[');
            out.push_str(&token);
            out.push(']');
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&token);
        }
    }
    out
}

/// RFC 6901: `~1` is `/` and `~0` is `~`, in that order.
fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// `name` inside the object at `prefix` (the root when `prefix` is empty).
pub fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// The sub-schema a JSON pointer into the instance lands in, through `properties` and `items`.
pub fn schema_at<'a>(schema: &'a Value, pointer: &str) -> Option<&'a Value> {
    let mut node = schema;
    for token in pointer.split('/').skip(1) {
        let token = unescape(token);
        node = match node.get("properties").and_then(|p| p.get(&token)) {
            Some(sub) => sub,
            None => node.get("items")?,
        };
    }
    Some(node)
}

fn type_name(t: &str) -> &'static str {
    match t {
        "string" => "texto",
        "number" => "número",
        "integer" => "número inteiro",
        "boolean" => "booleano (true ou false)",
        "object" => "objeto",
        "array" => "lista",
        _ => "outro tipo",
    }
}

/// The Portuguese message for a value that breaks `keyword` of `schema`. The schema's
/// `x-finsandbox-message` wins for patterns, formats, lengths above one and keywords with no
/// message of their own, so the spec stays the one place that says what a field must look like.
pub fn message_for(keyword: &str, schema: &Value) -> String {
    let custom = schema.get("x-finsandbox-message").and_then(Value::as_str);
    let num = |k: &str| schema.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    match keyword {
        "type" => {
            let expected = match schema.get("type") {
                Some(Value::String(t)) => type_name(t).to_string(),
                Some(Value::Array(ts)) => ts
                    .iter()
                    .filter_map(Value::as_str)
                    .map(type_name)
                    .collect::<Vec<_>>()
                    .join(" ou "),
                _ => "outro tipo".into(),
            };
            format!("Tipo inválido: esperado {expected}.")
        }
        "enum" | "const" => {
            // A nullable enum lists null so that null validates; it is not a value to suggest.
            let allowed: Vec<String> = schema
                .get("enum")
                .and_then(Value::as_array)
                .map(|vs| {
                    vs.iter()
                        .filter(|v| !v.is_null())
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            format!("Valor inválido. Valores aceitos: {}.", allowed.join(", "))
        }
        "minLength" if num("minLength") <= 1.0 => "O campo não pode ser vazio.".into(),
        "minLength" => custom.map_or_else(
            || format!("Deve ter no mínimo {} caracteres.", num("minLength") as u64),
            str::to_string,
        ),
        "maxLength" => format!("Deve ter no máximo {} caracteres.", num("maxLength") as u64),
        "minimum" => format!("Deve ser maior ou igual a {}.", num("minimum")),
        "maximum" => format!("Deve ser menor ou igual a {}.", num("maximum")),
        "minItems" => format!("Informe ao menos {} item(ns).", num("minItems") as u64),
        "maxItems" => format!("Informe no máximo {} item(ns).", num("maxItems") as u64),
        "minProperties" => "Informe ao menos um campo.".into(),
        "format" | "pattern" => match (custom, schema.get("format").and_then(Value::as_str)) {
            (Some(m), _) => m.to_string(),
            (None, Some("email")) => "E-mail inválido.".into(),
            (None, Some("date")) => "Data inválida: use AAAA-MM-DD com uma data que exista.".into(),
            (None, Some("url")) => "URL inválida: use uma URL http:// ou https://.".into(),
            _ if schema.get("pattern").and_then(Value::as_str) == Some("\\S") => {
                "O campo não pode ser vazio.".into()
            }
            _ => "Formato inválido.".into(),
        },
        _ => custom.map_or_else(|| "Valor inválido.".to_string(), str::to_string),
    }
}

/// The schema's findings on `body`, one `add(field, message)` per refused field. `required` and
/// `additionalProperties` name the field itself, not the object holding it; an undeclared field
/// gets `not_accepted`, which each provider words its own way.
pub fn schema_field_errors(
    validator: &SchemaValidator,
    body: &Value,
    not_accepted: &str,
    mut add: impl FnMut(&str, String),
) {
    let schema = validator.schema();
    for finding in validator.schema_findings(body) {
        let at = dotted_path(&finding.pointer);
        let sub = schema_at(schema, &finding.pointer).unwrap_or(&Value::Null);
        let instance = body.pointer(&finding.pointer);
        match finding.keyword.as_str() {
            "required" => {
                let present = instance.and_then(Value::as_object);
                for name in sub
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    if present.is_some_and(|o| !o.contains_key(name)) {
                        add(&join(&at, name), "Campo obrigatório.".into());
                    }
                }
            }
            "additionalProperties" => {
                let declared = sub.get("properties").and_then(Value::as_object);
                for name in instance
                    .and_then(Value::as_object)
                    .into_iter()
                    .flat_map(|o| o.keys())
                {
                    if declared.is_none_or(|d| !d.contains_key(name)) {
                        add(&join(&at, name), not_accepted.to_string());
                    }
                }
            }
            keyword => add(&at, message_for(keyword, sub)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_become_dotted_paths() {
        assert_eq!(dotted_path(""), "");
        assert_eq!(dotted_path("/address/zipCode"), "address.zipCode");
        assert_eq!(
            dotted_path("/data/phones/0/number"),
            "data.phones[0].number"
        );
        assert_eq!(dotted_path("/0"), "[0]");
        assert_eq!(dotted_path("/headers/a~1b~0c"), "headers.a/b~c");
    }

    #[test]
    fn join_and_schema_at_follow_properties_and_items() {
        assert_eq!(join("", "cpf"), "cpf");
        assert_eq!(join("address", "zipCode"), "address.zipCode");
        let schema =
            json!({"properties": {"phones": {"items": {"properties": {"n": {"maxLength": 9}}}}}});
        assert_eq!(
            schema_at(&schema, "/phones/2/n"),
            Some(&json!({"maxLength": 9}))
        );
        assert_eq!(schema_at(&schema, "/other"), None);
        assert_eq!(schema_at(&schema, ""), Some(&schema));
    }

    #[test]
    fn messages_follow_the_keyword_and_the_spec_wins_where_it_speaks() {
        assert_eq!(
            message_for("type", &json!({"type": ["string", "integer"]})),
            "Tipo inválido: esperado texto ou número inteiro."
        );
        assert_eq!(
            message_for("enum", &json!({"enum": ["A", "B", null]})),
            "Valor inválido. Valores aceitos: A, B."
        );
        assert_eq!(
            message_for(
                "minLength",
                &json!({"minLength": 1, "x-finsandbox-message": "x"})
            ),
            "O campo não pode ser vazio."
        );
        assert_eq!(
            message_for("minLength", &json!({"minLength": 3})),
            "Deve ter no mínimo 3 caracteres."
        );
        assert_eq!(
            message_for(
                "minLength",
                &json!({"minLength": 3, "x-finsandbox-message": "Nome."})
            ),
            "Nome."
        );
        assert_eq!(
            message_for("maxItems", &json!({"maxItems": 5})),
            "Informe no máximo 5 item(ns)."
        );
        assert_eq!(
            message_for("format", &json!({"format": "url"})),
            "URL inválida: use uma URL http:// ou https://."
        );
        assert_eq!(
            message_for("pattern", &json!({"pattern": "\\S"})),
            "O campo não pode ser vazio."
        );
        assert_eq!(message_for("multipleOf", &json!({})), "Valor inválido.");
    }
}
