//! CSV (RFC 4180): a list of objects becomes one row per object with a header of their (flattened)
//! field names; an object holding such a list (`{"data": [...]}`) is read through; anything else is
//! one row. Fields are quoted when they hold the separator, quotes or line breaks.

use serde_json::{Map, Value};

/// The CSV text of `value`, with `sep` between fields and CRLF between records.
pub fn from_value(value: &Value, sep: char) -> String {
    let rows: Vec<Map<String, Value>> = records(value)
        .into_iter()
        .map(|v| {
            let mut flat = Map::new();
            flatten("", v, &mut flat);
            flat
        })
        .collect();
    let mut header: Vec<String> = Vec::new();
    for row in &rows {
        for k in row.keys() {
            if !header.contains(k) {
                header.push(k.clone());
            }
        }
    }
    if header.is_empty() {
        header.push("valor".into());
    }
    let mut out = String::new();
    write_record(&mut out, header.iter().map(String::as_str), sep);
    for row in &rows {
        let cells: Vec<String> = header
            .iter()
            .map(|k| row.get(k).map(cell).unwrap_or_default())
            .collect();
        write_record(&mut out, cells.iter().map(String::as_str), sep);
    }
    out
}

/// The records a value holds: its items, the items of its only list of objects, or itself.
fn records(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => {
            let lists: Vec<&Vec<Value>> = map
                .values()
                .filter_map(Value::as_array)
                .filter(|a| a.iter().any(Value::is_object))
                .collect();
            match lists.as_slice() {
                [only] => only.iter().collect(),
                _ => vec![value],
            }
        }
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// `{"a": {"b": 1}}` -> `a.b = 1`; lists of scalars are joined with `|`.
fn flatten(prefix: &str, value: &Value, out: &mut Map<String, Value>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            let joined = items.iter().map(cell).collect::<Vec<_>>().join("|");
            out.insert(key_or_value(prefix), Value::String(joined));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(&format!("{}.{}", key_or_value(prefix), i + 1), item, out);
            }
        }
        scalar => {
            out.insert(key_or_value(prefix), scalar.clone());
        }
    }
}

fn key_or_value(prefix: &str) -> String {
    if prefix.is_empty() {
        "valor".into()
    } else {
        prefix.to_string()
    }
}

fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn write_record<'a>(out: &mut String, fields: impl Iterator<Item = &'a str>, sep: char) {
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.push(sep);
        }
        if f.contains(sep) || f.contains('"') || f.contains('\n') || f.contains('\r') {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(f);
        }
    }
    out.push_str("\r\n");
}

/// Parses CSV text into records (quotes honoured), for checking and tests.
pub fn parse(text: &str, sep: char) -> Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                other => field.push(other),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            '"' => return Err(format!("a quote inside an unquoted field: {field}\"")),
            c if c == sep => record.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                at_start = true;
                continue;
            }
            other => field.push(other),
        }
        at_start = false;
    }
    if quoted {
        return Err("a quoted field is not closed".into());
    }
    if !at_start {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

/// A header and rows of the same width.
pub fn check(text: &str) -> Result<(), String> {
    let sep = if text
        .lines()
        .next()
        .is_some_and(|l| l.contains('\t') && !l.contains(','))
    {
        '\t'
    } else {
        ','
    };
    let records = parse(text, sep)?;
    let Some(width) = records.first().map(Vec::len) else {
        return Err("no header row".into());
    };
    for (i, r) in records.iter().enumerate() {
        if r.len() != width {
            return Err(format!(
                "row {} has {} fields, the header has {width}",
                i + 1,
                r.len()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn list_of_objects_becomes_rows_under_a_header() {
        let csv = from_value(
            &json!({"data": [{"nome": "Ana", "end": {"uf": "SP"}}, {"nome": "Zé, \"o\"", "tags": ["a", "b"]}]}),
            ',',
        );
        let rows = parse(&csv, ',').unwrap();
        assert_eq!(rows[0], ["nome", "end.uf", "tags"]);
        assert_eq!(rows[1], ["Ana", "SP", ""]);
        assert_eq!(rows[2], ["Zé, \"o\"", "", "a|b"]);
        check(&csv).unwrap();
    }

    #[test]
    fn scalar_becomes_a_single_cell() {
        let csv = from_value(&json!("texto"), ',');
        assert_eq!(parse(&csv, ',').unwrap(), [["valor"], ["texto"]]);
    }

    #[test]
    fn ragged_rows_are_refused() {
        assert!(check("a,b\r\n1\r\n").is_err());
        assert!(check("a,b\r\n\"1,2\r\n").is_err());
    }
}
