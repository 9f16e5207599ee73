//! Reading OpenAPI documents as published: YAML or JSON, with or without a UTF-8 BOM, and with local
//! `$ref`s (including percent-encoded JSON pointers) replaced by what they point at.
//!
//! Everything downstream (validators, data generator, router) works on the dereferenced tree, so no
//! other module ever has to follow a `$ref`.

use serde_json::{Map, Value};

use super::SpecError;

/// Parses a document's text. JSON is tried when the first meaningful character is `{`, YAML otherwise;
/// the official Open Finance files start with a BOM, which both parsers would reject.
pub fn parse_document(source: &str, text: &str) -> Result<Value, SpecError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|e| SpecError::Parse {
            source_name: source.to_string(),
            message: e.to_string(),
        });
    }
    let yaml: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(text).map_err(|e| SpecError::Parse {
            source_name: source.to_string(),
            message: e.to_string(),
        })?;
    Ok(yaml_to_json(yaml))
}

/// YAML allows non-string keys (`200:` unquoted is an integer); OpenAPI means them as strings.
fn yaml_to_json(value: serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Y;
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(map) => {
            let mut out = Map::with_capacity(map.len());
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => serde_yaml_ng::to_string(&other)
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                };
                out.insert(key, yaml_to_json(v));
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => yaml_to_json(tagged.value),
    }
}

/// Decodes a `$ref` fragment (`#/components/responses/Locked/content/application~1json%3B%20charset%3Dutf-8/schema`)
/// into pointer tokens: percent-decoding first (URI fragment), then `~1` and `~0` (RFC 6901).
pub fn pointer_tokens(reference: &str) -> Option<Vec<String>> {
    let fragment = reference.strip_prefix('#')?;
    if fragment.is_empty() {
        return Some(Vec::new());
    }
    let fragment = fragment.strip_prefix('/')?;
    Some(
        fragment
            .split('/')
            .map(|raw| {
                let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
                decoded.replace("~1", "/").replace("~0", "~")
            })
            .collect(),
    )
}

fn lookup<'a>(root: &'a Value, tokens: &[String]) -> Option<&'a Value> {
    let mut node = root;
    for token in tokens {
        node = match node {
            Value::Object(map) => map.get(token)?,
            Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// Replaces every local `$ref` by a copy of its (itself dereferenced) target.
///
/// A reference that points back into its own expansion (a recursive schema) is replaced by `{}`
/// (accept anything) rather than looping: none of the supported APIs is recursive, and an
/// unchecked corner is better than refusing a participant's document.
pub fn dereference(source: &str, root: &Value) -> Result<Value, SpecError> {
    let mut stack = Vec::new();
    let mut at = Vec::new();
    deref_node(source, root, root, &mut stack, &mut at)
}

/// `["paths", "/a/{b}", "get"]` -> `#/paths/~1a~1{b}/get`.
pub fn pointer(tokens: &[String]) -> String {
    let mut out = String::from("#");
    for t in tokens {
        out.push('/');
        out.push_str(&t.replace('~', "~0").replace('/', "~1"));
    }
    out
}

fn deref_node(
    source: &str,
    root: &Value,
    node: &Value,
    stack: &mut Vec<String>,
    at: &mut Vec<String>,
) -> Result<Value, SpecError> {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                if !reference.starts_with('#') {
                    return Err(SpecError::Reference {
                        source_name: source.to_string(),
                        reference: reference.clone(),
                        message: format!(
                            "at {}: only references inside the same document are supported",
                            pointer(at)
                        ),
                    });
                }
                if stack.iter().any(|r| r == reference) {
                    tracing::warn!(%source, %reference, "recursive $ref left unchecked");
                    return Ok(Value::Object(Map::new()));
                }
                let tokens = pointer_tokens(reference).ok_or_else(|| SpecError::Reference {
                    source_name: source.to_string(),
                    reference: reference.clone(),
                    message: format!("at {}: not a JSON pointer", pointer(at)),
                })?;
                let target = lookup(root, &tokens).ok_or_else(|| SpecError::Reference {
                    source_name: source.to_string(),
                    reference: reference.clone(),
                    message: format!("at {}: points at nothing", pointer(at)),
                })?;
                stack.push(reference.clone());
                let resolved = deref_node(source, root, target, stack, at);
                stack.pop();
                // A named schema keeps its name: a `discriminator` without a mapping names its
                // branches by it.
                return resolved.map(|mut v| {
                    if let (Some(name), Value::Object(map)) =
                        (reference.strip_prefix("#/components/schemas/"), &mut v)
                        && !name.contains('/')
                        && !map.contains_key("x-ref-name")
                    {
                        map.insert("x-ref-name".into(), Value::String(name.to_string()));
                    }
                    v
                });
            }
            let mut out = Map::with_capacity(map.len());
            for (k, v) in map {
                at.push(k.clone());
                let resolved = deref_node(source, root, v, stack, at);
                at.pop();
                out.insert(k.clone(), resolved?);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, v) in items.iter().enumerate() {
                at.push(i.to_string());
                let resolved = deref_node(source, root, v, stack, at);
                at.pop();
                out.push(resolved?);
            }
            Ok(Value::Array(out))
        }
        other => Ok(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bom_and_unquoted_status_keys_are_accepted() {
        let text = "\u{feff}openapi: 3.0.0\npaths:\n  /x:\n    get:\n      responses:\n        200:\n          description: ok\n";
        let doc = parse_document("t", text).unwrap();
        assert_eq!(
            doc["paths"]["/x"]["get"]["responses"]["200"]["description"],
            "ok"
        );
    }

    #[test]
    fn json_documents_are_parsed_as_json() {
        let doc = parse_document("t", "\u{feff}  {\"openapi\": \"3.0.0\"}").unwrap();
        assert_eq!(doc["openapi"], "3.0.0");
    }

    #[test]
    fn percent_encoded_pointer_is_resolved() {
        let doc = json!({
            "components": {"responses": {"Locked": {"content": {"application/json; charset=utf-8": {"schema": {"type": "string"}}}}}},
            "use": {"$ref": "#/components/responses/Locked/content/application~1json%3B%20charset%3Dutf-8/schema"}
        });
        let out = dereference("t", &doc).unwrap();
        assert_eq!(out["use"], json!({"type": "string"}));
    }

    #[test]
    fn recursive_reference_becomes_permissive_instead_of_looping() {
        let doc = json!({"components": {"schemas": {"Node": {"properties": {"next": {"$ref": "#/components/schemas/Node"}}}}},
                         "root": {"$ref": "#/components/schemas/Node"}});
        let out = dereference("t", &doc).unwrap();
        assert_eq!(out["root"]["properties"]["next"], json!({}));
    }

    #[test]
    fn dangling_reference_is_an_error_naming_it() {
        let doc = json!({"a": {"$ref": "#/nowhere"}});
        let err = dereference("doc.yaml", &doc).unwrap_err().to_string();
        assert!(err.contains("#/nowhere"), "{err}");
        assert!(err.contains("at #/a:"), "{err}");
        assert!(err.contains("doc.yaml"), "{err}");
    }
}
