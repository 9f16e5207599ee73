//! Text encodings of a value: XML (elements named after the fields, lists as repeated elements),
//! a small HTML page, plain text (`Label: value` lines), form encoding and multipart. Also a
//! well-nesting check for XML, for judges and tests.

use serde_json::Value;

use super::pdf::humanize;

/// An XML document of `value`: the root is `<response>`, list items repeat their parent's element
/// name (`<items><item>..</item></items>` when the list itself is the root or has no usable name).
pub fn xml(value: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    match value {
        Value::Array(items) => {
            out.push_str("<response>");
            for item in items {
                element(&mut out, "item", item);
            }
            out.push_str("</response>");
        }
        other => element(&mut out, "response", other),
    }
    out.push('\n');
    out
}

fn element(out: &mut String, name: &str, value: &Value) {
    let name = xml_name(name);
    match value {
        Value::Array(items) => {
            // A list repeats its own element: `<phones>..</phones><phones>..</phones>`.
            for item in items {
                element(out, &name, item);
            }
        }
        Value::Object(map) => {
            out.push_str(&format!("<{name}>"));
            for (k, v) in map {
                element(out, k, v);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Null => out.push_str(&format!("<{name}/>")),
        Value::String(s) => out.push_str(&format!("<{name}>{}</{name}>", escape(s))),
        other => out.push_str(&format!("<{name}>{other}</{name}>")),
    }
}

/// A field name as an XML name: letters, digits, `_`, `-`, `.`; never starting with a digit.
fn xml_name(key: &str) -> String {
    let mut s: String = key
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty()
        || s.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
        || s.to_ascii_lowercase().starts_with("xml")
    {
        s.insert(0, '_');
    }
    s
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0 at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `Label: value` lines; a string value is the text itself.
pub fn plain_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(_) | Value::Array(_) => {
            let mut out = String::new();
            lines(&mut out, "", value);
            out
        }
        other => other.to_string(),
    }
}

fn lines(out: &mut String, prefix: &str, value: &Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let label = if prefix.is_empty() {
                    humanize(k)
                } else {
                    format!("{prefix} / {}", humanize(k))
                };
                lines(out, &label, v);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let label = if prefix.is_empty() {
                    format!("{}", i + 1)
                } else {
                    format!("{prefix} {}", i + 1)
                };
                lines(out, &label, v);
            }
        }
        Value::String(s) => out.push_str(&format!("{prefix}: {s}\n")),
        other => out.push_str(&format!("{prefix}: {other}\n")),
    }
}

/// A small, valid HTML5 page showing the value as nested definition lists.
pub fn html(title: &str, value: &Value) -> String {
    let mut body = String::new();
    html_value(&mut body, value);
    format!(
        "<!DOCTYPE html>\n<html lang=\"pt-BR\"><head><meta charset=\"utf-8\"><title>{t}</title></head>\n<body><h1>{t}</h1>\n{body}\n</body></html>\n",
        t = escape(title)
    )
}

fn html_value(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) => {
            out.push_str("<dl>");
            for (k, v) in map {
                out.push_str(&format!("<dt>{}</dt><dd>", escape(&humanize(k))));
                html_value(out, v);
                out.push_str("</dd>");
            }
            out.push_str("</dl>");
        }
        Value::Array(items) => {
            out.push_str("<ol>");
            for v in items {
                out.push_str("<li>");
                html_value(out, v);
                out.push_str("</li>");
            }
            out.push_str("</ol>");
        }
        Value::String(s) => out.push_str(&escape(s)),
        Value::Null => {}
        other => out.push_str(&other.to_string()),
    }
}

/// `application/x-www-form-urlencoded` of an object's fields (nested ones in `a[b]` notation).
pub fn form(value: &Value) -> String {
    let mut pairs = Vec::new();
    form_pairs("", value, &mut pairs);
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(&k, &v);
    }
    ser.finish()
}

fn form_pairs(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}[{k}]")
                };
                form_pairs(&key, v, out);
            }
        }
        Value::Array(items) => {
            for v in items {
                form_pairs(prefix, v, out);
            }
        }
        Value::String(s) => out.push((key_or(prefix), s.clone())),
        Value::Null => out.push((key_or(prefix), String::new())),
        other => out.push((key_or(prefix), other.to_string())),
    }
}

fn key_or(prefix: &str) -> String {
    if prefix.is_empty() {
        "value".into()
    } else {
        prefix.to_string()
    }
}

/// `multipart/form-data` with one part per top-level field.
pub fn multipart(value: &Value, boundary: &str) -> String {
    let mut out = String::new();
    let fields: Vec<(String, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
        other => vec![("value".into(), other)],
    };
    for (name, v) in fields {
        let (ct, text) = match v {
            Value::String(s) => ("text/plain; charset=utf-8", s.clone()),
            other => ("application/json", other.to_string()),
        };
        out.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\nContent-Type: {ct}\r\n\r\n{text}\r\n",
            name.replace('"', "%22")
        ));
    }
    out.push_str(&format!("--{boundary}--\r\n"));
    out
}

/// Checks that XML text is one well-nested element tree (comments, declarations and CDATA skipped;
/// not a full XML parser, but enough to catch truncated or mismatched markup).
pub fn check_xml(text: &str) -> Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        if stack.is_empty() && !rest[..open].trim().is_empty() {
            return Err("text outside the root element".into());
        }
        rest = &rest[open..];
        let skip = |rest: &str, end: &str| -> Result<usize, String> {
            rest.find(end)
                .map(|i| i + end.len())
                .ok_or_else(|| format!("unterminated markup: {}", &rest[..rest.len().min(30)]))
        };
        if rest.starts_with("<!--") {
            rest = &rest[skip(rest, "-->")?..];
            continue;
        }
        if rest.starts_with("<![CDATA[") {
            rest = &rest[skip(rest, "]]>")?..];
            continue;
        }
        if rest.starts_with("<?") || rest.starts_with("<!") {
            rest = &rest[skip(rest, ">")?..];
            continue;
        }
        let end = skip(rest, ">")?;
        let tag = &rest[1..end - 1];
        rest = &rest[end..];
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim();
            match stack.pop() {
                Some(open) if open == name => {}
                Some(open) => return Err(format!("</{name}> closes <{open}>")),
                None => return Err(format!("</{name}> closes nothing")),
            }
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '/')
            .collect();
        if name.is_empty() {
            return Err("an element without a name".into());
        }
        if stack.is_empty() {
            roots += 1;
        }
        if !tag.ends_with('/') {
            stack.push(name);
        }
    }
    if !rest.trim().is_empty() && stack.is_empty() {
        return Err("text after the root element".into());
    }
    match (stack.last(), roots) {
        (Some(open), _) => Err(format!("<{open}> is never closed")),
        (None, 1) => Ok(()),
        (None, 0) => Err("no root element".into()),
        (None, _) => Err("more than one root element".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn xml_names_elements_after_fields_and_escapes_text() {
        let x = xml(&json!({"nome": "A & B <c>", "telefones": ["1", "2"], "1x": null}));
        assert!(x.contains("<nome>A &amp; B &lt;c&gt;</nome>"), "{x}");
        assert!(
            x.contains("<telefones>1</telefones><telefones>2</telefones>"),
            "{x}"
        );
        assert!(x.contains("<_1x/>"), "{x}");
        check_xml(&x).unwrap();
    }

    #[test]
    fn plain_text_labels_fields() {
        let t = plain_text(&json!({"postalCode": "01310100", "items": [{"n": 1}]}));
        assert_eq!(t, "Postal code: 01310100\nItems 1 / N: 1\n");
    }

    #[test]
    fn form_encoding_nests_with_brackets() {
        assert_eq!(
            form(&json!({"a": "x y", "b": {"c": 1}})),
            "a=x+y&b%5Bc%5D=1"
        );
    }

    #[test]
    fn html_is_a_whole_page() {
        let h = html("Título", &json!({"a": [1, 2]}));
        assert!(h.starts_with("<!DOCTYPE html>"));
        assert!(h.contains("<title>Título</title>"));
    }
}
