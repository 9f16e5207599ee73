//! OpenAPI 3.0 Schema Objects are not quite JSON Schema: `nullable`, boolean `exclusiveMinimum`, and
//! `example` have other meanings or none. This module rewrites a dereferenced schema into JSON Schema
//! 2020-12 so the `jsonschema` crate judges it the way the OpenAPI document means it.
//!
//! The walk follows keyword positions (`properties`, `items`, `allOf`, ...) instead of rewriting every
//! object it meets: Open Finance schemas have properties literally named `type`, and a blind rewrite
//! would corrupt them.

use serde_json::{Map, Value};

use super::Direction;

/// Returns the JSON Schema 2020-12 equivalent of an OpenAPI 3.0 schema, for a body of either
/// direction.
pub fn to_json_schema(schema: &Value) -> Value {
    translate(schema, None)
}

/// [`to_json_schema`] for a body travelling one way: a `required` property marked `readOnly` is
/// required in responses only, one marked `writeOnly` in requests only (OpenAPI 3.0.3 §4.7.25).
pub fn to_json_schema_for(schema: &Value, direction: Direction) -> Value {
    translate(schema, Some(direction))
}

fn translate(schema: &Value, direction: Option<Direction>) -> Value {
    match schema {
        Value::Object(map) => Value::Object(translate_object(map, direction)),
        // `true`/`false` are valid JSON Schemas already.
        other => other.clone(),
    }
}

fn translate_object(map: &Map<String, Value>, direction: Option<Direction>) -> Map<String, Value> {
    let to_json_schema = |v: &Value| translate(v, direction);
    let mut out = Map::with_capacity(map.len());
    for (key, value) in map {
        match key.as_str() {
            "properties" | "patternProperties" => {
                if let Value::Object(props) = value {
                    let translated = props
                        .iter()
                        .map(|(name, sub)| (name.clone(), to_json_schema(sub)))
                        .collect();
                    out.insert(key.clone(), Value::Object(translated));
                }
            }
            "items" | "additionalProperties" | "not" => {
                out.insert(key.clone(), to_json_schema(value));
            }
            "allOf" | "anyOf" | "oneOf" => {
                if let Value::Array(subs) = value {
                    out.insert(
                        key.clone(),
                        Value::Array(subs.iter().map(to_json_schema).collect()),
                    );
                }
            }
            // Annotations of OpenAPI that JSON Schema 2020-12 either lacks or reads differently.
            "example" | "nullable" | "discriminator" | "xml" | "externalDocs" => {}
            "exclusiveMinimum" | "exclusiveMaximum" if value.is_boolean() => {}
            "required" if direction.is_some() => {
                let skip = match direction {
                    Some(Direction::Request) => "readOnly",
                    _ => "writeOnly",
                };
                let props = map.get("properties").and_then(Value::as_object);
                let kept: Vec<Value> = value
                    .as_array()
                    .map(|names| {
                        names
                            .iter()
                            .filter(|n| {
                                let flagged = n
                                    .as_str()
                                    .and_then(|n| props?.get(n))
                                    .and_then(|p| p.get(skip))
                                    == Some(&Value::Bool(true));
                                !flagged
                            })
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                out.insert(key.clone(), Value::Array(kept));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }

    if map.get("nullable") == Some(&Value::Bool(true)) {
        match out.get_mut("type") {
            Some(Value::String(t)) => {
                let t = std::mem::take(t);
                out.insert(
                    "type".into(),
                    Value::Array(vec![Value::String(t), Value::String("null".into())]),
                );
            }
            Some(Value::Array(types)) if !types.iter().any(|t| t == "null") => {
                types.push(Value::String("null".into()));
            }
            _ => {}
        }
        if let Some(Value::Array(values)) = out.get_mut("enum")
            && !values.contains(&Value::Null)
        {
            values.push(Value::Null);
        }
    }

    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if map.get(flag) == Some(&Value::Bool(true))
            && let Some(limit) = out.remove(bound)
        {
            out.insert(flag.into(), limit);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nullable_adds_null_to_type_and_enum() {
        let s = to_json_schema(
            &json!({"type": "string", "enum": ["A", "B"], "nullable": true, "example": "A"}),
        );
        assert_eq!(
            s,
            json!({"type": ["string", "null"], "enum": ["A", "B", null]})
        );
    }

    #[test]
    fn property_named_type_is_left_alone() {
        let s = to_json_schema(&json!({
            "type": "object",
            "properties": {"type": {"type": "string", "nullable": true}, "nullable": {"type": "boolean"}}
        }));
        assert_eq!(s["properties"]["type"]["type"], json!(["string", "null"]));
        assert_eq!(s["properties"]["nullable"], json!({"type": "boolean"}));
    }

    #[test]
    fn boolean_exclusive_minimum_becomes_numeric() {
        let s = to_json_schema(&json!({"type": "number", "minimum": 0, "exclusiveMinimum": true}));
        assert_eq!(s, json!({"type": "number", "exclusiveMinimum": 0}));
        let s = to_json_schema(&json!({"type": "number", "minimum": 0, "exclusiveMinimum": false}));
        assert_eq!(s, json!({"type": "number", "minimum": 0}));
    }

    #[test]
    fn read_only_is_required_in_responses_only() {
        let schema = json!({"type": "object", "required": ["id", "password", "name"], "properties": {
            "id": {"type": "string", "readOnly": true},
            "password": {"type": "string", "writeOnly": true},
            "name": {"type": "string"}}});
        assert_eq!(
            to_json_schema_for(&schema, Direction::Request)["required"],
            json!(["password", "name"])
        );
        assert_eq!(
            to_json_schema_for(&schema, Direction::Response)["required"],
            json!(["id", "name"])
        );
        assert_eq!(to_json_schema(&schema)["required"], schema["required"]);
    }

    #[test]
    fn nested_items_and_compositions_are_translated() {
        let s = to_json_schema(&json!({
            "type": "array",
            "items": {"allOf": [{"type": "integer", "nullable": true}]}
        }));
        assert_eq!(s["items"]["allOf"][0]["type"], json!(["integer", "null"]));
    }
}
