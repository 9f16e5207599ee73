//! Text helpers shared by the writers: durations, control characters and HTTP evidence.

use super::model::Exchange;
use std::borrow::Cow;
use std::fmt::Write as _;

/// `850 ms`, `3.2 s`, `2 min 5.0 s`: precise for quick runs, readable for long ones.
pub fn duration(ms: u64) -> String {
    if ms < 1_000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1_000.0)
    } else {
        let minutes = ms / 60_000;
        let rest = (ms % 60_000) as f64 / 1_000.0;
        format!("{minutes} min {rest:.1} s")
    }
}

/// Seconds with millisecond precision, as JUnit consumers expect in `time` attributes.
pub fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1_000, ms % 1_000)
}

/// Characters XML 1.0 cannot carry at all, not even as character references. HTML treats the
/// same ones as parse errors, so both markup writers drop them.
pub fn is_forbidden_in_markup(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

/// Makes control characters visible (`\u{1b}`) instead of letting them act on the terminal:
/// response bodies come from the target, and a hostile or broken target must not be able to
/// repaint the console or hide a failure line with escape sequences.
pub fn visible_controls(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Cuts long text at a character boundary and says how much was left out.
pub fn truncate(text: &str, max_chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => Cow::Owned(format!(
            "{}… ({} more bytes)",
            &text[..cut],
            text.len() - cut
        )),
    }
}

/// The exchange as an HTTP/1-style transcript; `body_limit` caps each body (in characters).
pub fn exchange(ex: &Exchange, body_limit: Option<usize>) -> String {
    let body = |b: &str| -> String {
        match body_limit {
            Some(limit) => truncate(b, limit).into_owned(),
            None => b.to_owned(),
        }
    };
    let mut out = String::new();
    let req = &ex.request;
    let _ = writeln!(out, "{} {}", req.method, req.url);
    for (name, value) in &req.headers {
        let _ = writeln!(out, "{name}: {value}");
    }
    if let Some(b) = req.body.as_deref().filter(|b| !b.is_empty()) {
        let _ = writeln!(out, "\n{}", body(b));
    }
    match &ex.response {
        None => out.push_str("\n(no response)\n"),
        Some(resp) => {
            let _ = writeln!(out, "\nHTTP {}", resp.status);
            for (name, value) in &resp.headers {
                let _ = writeln!(out, "{name}: {value}");
            }
            if let Some(b) = resp.body.as_deref().filter(|b| !b.is_empty()) {
                let _ = writeln!(out, "\n{}", body(b));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(850), "850 ms");
        assert_eq!(duration(3_210), "3.2 s");
        assert_eq!(duration(125_000), "2 min 5.0 s");
        assert_eq!(seconds(3_210), "3.210");
        assert_eq!(seconds(5), "0.005");
    }

    #[test]
    fn terminal_escapes_are_made_visible() {
        assert_eq!(visible_controls("a\u{1b}[2Kb\nc"), "a\\u{1b}[2Kb\nc");
        assert!(matches!(visible_controls("plain ação"), Cow::Borrowed(_)));
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate("ação", 10), "ação");
        assert_eq!(truncate("açãozinho", 3), "açã… (6 more bytes)");
    }
}
