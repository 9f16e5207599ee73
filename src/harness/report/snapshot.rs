//! Conformance reports as insta snapshots, so a change in a target's behaviour shows up as a
//! reviewable diff.
//!
//! [`normalise`] renders a run as stable text: no times, masked personal data, and volatile
//! values (UUIDs, timestamps, consent ids, tokens, loopback ports) replaced by placeholders.
//! [`write_or_compare`] keeps that text in a `.snap` file in insta's format, so the same file
//! works with `insta::assert_snapshot!` in the project's tests and with `cargo insta review`.
//! The CLI does not use insta itself: insta panics on a mismatch and locates files from the
//! build's workspace, neither of which suits a shipped binary.
//!
//! File behaviour of [`write_or_compare`], which mirrors insta's defaults:
//!
//! | snapshot file | `update` | `CI` set | outcome | file system |
//! |---|---|---|---|---|
//! | same content | any | any | `Matched` | untouched |
//! | different | true | any | `Updated` | rewritten, header kept |
//! | different | false | no | `Mismatch` | `<name>.snap.new` written for `cargo insta review` |
//! | different | false | yes | `Mismatch` | untouched |
//! | absent | true | any | `Created` | written |
//! | absent | false | no | `Created` | written (a first local run records the baseline) |
//! | absent | false | yes | `Missing` | untouched: CI must not invent its own baseline |
//!
//! "CI set" follows insta: `CI` present and not `0`/`false`/empty, or `TF_BUILD` present.

use super::mask;
use super::model::{RunReport, ScenarioReport, Status};
use super::render;
use regex::Regex;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// Renders the run as deterministic text for a snapshot (personal data masked, volatile values
/// redacted, no durations or start time).
pub fn normalise(report: &RunReport) -> String {
    let mut report = report.clone();
    mask::mask_pii(&mut report);
    let mut features: Vec<_> = report.features.iter().collect();
    features.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.name.cmp(&b.name)));

    let counts = report.counts();
    let mut out = String::new();
    // The tool version is left out on purpose: a release must not rewrite every snapshot.
    let _ = writeln!(out, "target: {}", clean(&report.target));
    let _ = writeln!(
        out,
        "result: {} ({} scenarios: {})",
        report.status(),
        counts.total,
        counts.breakdown()
    );
    for feature in features {
        let _ = writeln!(
            out,
            "\nfeature: {} ({})",
            clean(&feature.path),
            clean(&feature.name)
        );
        let mut scenarios: Vec<&ScenarioReport> = feature.scenarios.iter().collect();
        // By name rather than line, so inserting a scenario above does not reorder the rest.
        scenarios.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.line.cmp(&b.line)));
        for scenario in scenarios {
            write_scenario(&mut out, scenario);
        }
    }
    out
}

fn write_scenario(out: &mut String, scenario: &ScenarioReport) {
    let _ = writeln!(
        out,
        "  {:<7} {}",
        scenario.status.label(),
        clean(&scenario.name)
    );
    let field = |out: &mut String, label: &str, value: &str| {
        let value = clean(value).replace('\n', "\n            ");
        let _ = writeln!(out, "          {label}: {value}");
    };
    match scenario.status {
        Status::Passed => {}
        Status::Skipped => field(
            out,
            "reason",
            scenario.skip_reason.as_deref().unwrap_or("no reason given"),
        ),
        Status::Waived => field(
            out,
            "waiver",
            scenario.waiver.as_deref().unwrap_or("no reason given"),
        ),
        Status::Failed => match scenario.failing_step() {
            None => field(out, "failure", "the scenario failed outside its steps"),
            Some((step, failure)) => {
                field(out, "step", &step.title());
                let Some(failure) = failure else { return };
                field(out, "message", &failure.message);
                if let Some(expected) = &failure.expected {
                    field(out, "expected", expected);
                }
                if let Some(actual) = &failure.actual {
                    field(out, "actual", actual);
                }
                for f in &failure.findings {
                    field(
                        out,
                        "finding",
                        &format!("{} [{}] {}", f.pointer, f.label(), f.message),
                    );
                }
                if let Some(ex) = &failure.evidence {
                    let status = ex
                        .response
                        .as_ref()
                        .map_or("no response".to_owned(), |r| r.status.to_string());
                    field(
                        out,
                        "evidence",
                        &format!("{} {} -> {status}", ex.request.method, ex.request.url),
                    );
                }
            }
        },
    }
}

fn clean(text: &str) -> String {
    redact_volatile(&render::visible_controls(text))
}

static CONSENT_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:[A-Za-z0-9()+\-.:=@$_!*%/?#]*[A-Za-z0-9_*%/#-]")
        .expect("consent id regex is valid")
});
static UUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
        .expect("uuid regex is valid")
});
static DATETIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\b\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})?",
        r"|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (?:GMT|UTC|[+-]\d{4})",
    ))
    .expect("datetime regex is valid")
});
static JWT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*").expect("jwt regex is valid")
});
static AUTH_SCHEME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(Bearer|Basic|DPoP)\s+[A-Za-z0-9\-._~+/*\[\]]+=*")
        .expect("auth scheme regex is valid")
});
static TOKEN_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""(access_token|refresh_token|id_token|code)"(\s*:\s*)"[^"]*""#)
        .expect("token field regex is valid")
});
static TOKEN_PARAM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([?&#](?:access_token|refresh_token|id_token|code)=)[^&#\s]+")
        .expect("token parameter regex is valid")
});
static LOOPBACK_PORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0):\d{1,5}\b")
        .expect("loopback regex is valid")
});

/// Replaces values that change from run to run with placeholders.
///
/// Consent ids go first because they often embed a UUID, and a half-redacted id would still
/// differ between runs.
pub fn redact_volatile(text: &str) -> String {
    let text = CONSENT_ID.replace_all(text, "[consent-id]");
    let text = UUID.replace_all(&text, "[uuid]");
    let text = DATETIME.replace_all(&text, "[datetime]");
    let text = JWT.replace_all(&text, "[token]");
    let text = AUTH_SCHEME.replace_all(&text, "$1 [token]");
    let text = TOKEN_FIELD.replace_all(&text, "\"$1\"$2\"[token]\"");
    let text = TOKEN_PARAM.replace_all(&text, "${1}[token]");
    LOOPBACK_PORT.replace_all(&text, "$1:[port]").into_owned()
}

/// What [`write_or_compare`] found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotOutcome {
    /// The stored snapshot has the same content.
    Matched,
    /// There was no snapshot; it has been written.
    Created,
    /// The stored snapshot differed and `update` was set; it has been rewritten.
    Updated,
    /// The stored snapshot differs. `pending` is the `.snap.new` written for review, if any.
    Mismatch {
        diff: String,
        pending: Option<PathBuf>,
    },
    /// There is no snapshot and, running in CI without `update`, none was written.
    Missing { path: PathBuf },
}

impl SnapshotOutcome {
    /// Whether the run should fail because of this outcome.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            SnapshotOutcome::Mismatch { .. } | SnapshotOutcome::Missing { .. }
        )
    }
}

impl std::fmt::Display for SnapshotOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SnapshotOutcome::Matched => f.write_str("matches"),
            SnapshotOutcome::Created => f.write_str("created (review and commit it)"),
            SnapshotOutcome::Updated => f.write_str("updated"),
            SnapshotOutcome::Mismatch { diff, pending } => {
                write!(f, "differs from the stored one")?;
                if let Some(p) = pending {
                    write!(f, " (new version in {})", p.display())?;
                }
                write!(f, ":\n{diff}")
            }
            SnapshotOutcome::Missing { path } => write!(
                f,
                "{} is missing (run with --update-snapshots to create it)",
                path.display()
            ),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot {action} snapshot {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("snapshot {path} is not in insta's format: {reason}")]
    Malformed { path: PathBuf, reason: String },
    #[error("invalid snapshot name {0:?}: use letters, digits, '-', '_' or '.'")]
    BadName(String),
}

/// How [`write_or_compare_with`] treats missing and differing snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotPolicy {
    /// Accept the new content (`--update-snapshots`).
    pub update: bool,
    /// Running in CI: never create a baseline or a `.snap.new` implicitly.
    pub ci: bool,
}

impl SnapshotPolicy {
    /// `update` as given, `ci` from the environment, read the way insta reads it.
    pub fn from_env(update: bool) -> Self {
        let ci = match std::env::var("CI").ok().as_deref() {
            Some("false") | Some("0") | Some("") => false,
            None => std::env::var_os("TF_BUILD").is_some(),
            Some(_) => true,
        };
        SnapshotPolicy { update, ci }
    }
}

/// The two header fields insta cares about. Other fields of an existing file are kept as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapMeta {
    pub source: String,
    pub expression: String,
}

impl Default for SnapMeta {
    fn default() -> Self {
        SnapMeta {
            source: "finsandbox check".into(),
            expression: "normalised conformance report".into(),
        }
    }
}

/// A parsed `.snap` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapFile {
    pub source: Option<String>,
    pub expression: Option<String>,
    /// The header exactly as stored, delimiters included, so rewriting keeps it.
    pub raw_header: String,
    /// The content, normalised the way insta compares it.
    pub contents: String,
}

/// Path of the snapshot `name` in `dir`: `<dir>/<name>.snap`, the name insta uses when
/// `prepend_module_to_snapshot` is off (path separators become `__`, as in insta).
pub fn snapshot_path(dir: &Path, name: &str) -> Result<PathBuf, SnapshotError> {
    let file = name.replace(['/', '\\'], "__");
    let valid = !file.is_empty()
        && !file.starts_with('.')
        && file
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid {
        return Err(SnapshotError::BadName(name.to_owned()));
    }
    Ok(dir.join(format!("{file}.snap")))
}

/// Compares `content` with the snapshot `name` in `dir`, creating or updating it as described in
/// the module documentation; `CI` is read from the environment.
pub fn write_or_compare(
    dir: &Path,
    name: &str,
    content: &str,
    update: bool,
) -> Result<SnapshotOutcome, SnapshotError> {
    write_or_compare_with(dir, name, content, SnapshotPolicy::from_env(update))
}

/// [`write_or_compare`] with an explicit policy (tests, or a CLI flag overriding `CI`).
pub fn write_or_compare_with(
    dir: &Path,
    name: &str,
    content: &str,
    policy: SnapshotPolicy,
) -> Result<SnapshotOutcome, SnapshotError> {
    let path = snapshot_path(dir, name)?;
    let new = normalise_contents(content);
    let existing = match fs::read_to_string(&path) {
        Ok(text) => Some(
            parse_snap(&text).map_err(|reason| SnapshotError::Malformed {
                path: path.clone(),
                reason,
            })?,
        ),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(SnapshotError::Io {
                action: "read",
                path,
                source,
            });
        }
    };
    let pending_path = path.with_extension("snap.new");
    match existing {
        Some(old) if old.contents == new => {
            // A stale `.snap.new` from an earlier mismatch would otherwise show up in reviews.
            remove_if_present(&pending_path)?;
            Ok(SnapshotOutcome::Matched)
        }
        Some(old) if policy.update => {
            write_file(&path, &format!("{}{new}\n", old.raw_header))?;
            remove_if_present(&pending_path)?;
            Ok(SnapshotOutcome::Updated)
        }
        Some(old) => {
            let pending = if policy.ci {
                None
            } else {
                write_file(&pending_path, &format!("{}{new}\n", old.raw_header))?;
                Some(pending_path)
            };
            Ok(SnapshotOutcome::Mismatch {
                diff: line_diff(&old.contents, &new),
                pending,
            })
        }
        None if policy.ci && !policy.update => Ok(SnapshotOutcome::Missing { path }),
        None => {
            write_file(&path, &render_snap(&SnapMeta::default(), &new))?;
            Ok(SnapshotOutcome::Created)
        }
    }
}

fn write_file(path: &Path, text: &str) -> Result<(), SnapshotError> {
    let io_err = |source| SnapshotError::Io {
        action: "write",
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(io_err)?;
    }
    fs::write(path, text).map_err(io_err)
}

fn remove_if_present(path: &Path) -> Result<(), SnapshotError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(SnapshotError::Io {
            action: "remove",
            path: path.to_owned(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// What insta compares: trailing whitespace dropped, CRLF read as LF.
fn normalise_contents(content: &str) -> String {
    content.replace("\r\n", "\n").trim_end().to_owned()
}

/// A complete `.snap` file as insta writes it: YAML header between `---` lines, the content,
/// one trailing newline.
pub fn render_snap(meta: &SnapMeta, content: &str) -> String {
    format!(
        "---\nsource: {}\nexpression: {}\n---\n{}\n",
        yaml_scalar(&meta.source),
        yaml_scalar(&meta.expression),
        normalise_contents(content)
    )
}

/// Parses a `.snap` file the way insta 1.49 does (`Snapshot::from_file`): a YAML header between
/// `---` lines, or the legacy `key: value` header ended by a blank line; then the content lines
/// joined with `\n`.
pub fn parse_snap(text: &str) -> Result<SnapFile, String> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().ok_or("the file is empty")?;
    let mut raw_header = first.to_owned();
    let mut header_lines = Vec::new();
    let yaml = first.trim_end() == "---";
    if !yaml {
        header_lines.push(first);
    }
    let mut closed = false;
    for line in lines.by_ref() {
        raw_header.push_str(line);
        let ends = if yaml {
            line.trim_end() == "---"
        } else {
            line.trim_end().is_empty()
        };
        if ends {
            closed = true;
            break;
        }
        header_lines.push(line);
    }
    if !closed {
        return Err("the header is not closed by a `---` line".into());
    }
    let body: String = lines.collect();
    let mut source = None;
    let mut expression = None;
    for line in header_lines {
        // Indented lines belong to nested values (`info:` maps) that we do not need.
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((key, value)) = line.trim_end_matches(['\n', '\r']).split_once(':') else {
            continue;
        };
        let value = if yaml {
            parse_yaml_scalar(value.trim())?
        } else {
            value.trim().to_owned()
        };
        match key.trim().to_ascii_lowercase().as_str() {
            "source" => source = Some(value),
            "expression" => expression = Some(value),
            _ => {}
        }
    }
    // `BufRead::lines` in insta drops `\r\n` and `\n` line ends alike.
    let contents = body
        .lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(SnapFile {
        source,
        expression,
        raw_header,
        contents: normalise_contents(&contents),
    })
}

/// Emits a YAML scalar with the same quoting decision as insta's vendored emitter, so a header
/// we write looks exactly like one insta writes.
fn yaml_scalar(value: &str) -> String {
    if !needs_quotes(value) {
        return value.to_owned();
    }
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn needs_quotes(s: &str) -> bool {
    const RESERVED: &[&str] = &[
        "yes", "Yes", "YES", "no", "No", "NO", "True", "TRUE", "true", "False", "FALSE", "false",
        "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
    ];
    s.is_empty()
        || s.starts_with(' ')
        || s.ends_with(' ')
        || s.starts_with(['&', '*', '?', '|', '-', '<', '>', '=', '!', '%', '@', '.'])
        || s.contains(|c: char| {
            matches!(c, ':' | '{' | '}' | '[' | ']' | ',' | '#' | '`' | '"' | '\'' | '\\')
            // insta leaves BEL, ESC and a few other control characters unquoted; YAML does not
            // allow them raw, so every one of them is quoted here.
                || (c as u32) < 0x20
                || c == '\u{7f}'
        })
        || RESERVED.contains(&s)
        || s.starts_with("0x")
        || s.parse::<i64>().is_ok()
        || s.parse::<f64>().is_ok()
}

/// Reads the scalar forms insta's emitter produces (plain, double-quoted) and single-quoted
/// ones a person might write by hand.
fn parse_yaml_scalar(raw: &str) -> Result<String, String> {
    if let Some(inner) = raw.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let e = chars.next().ok_or("unterminated escape")?;
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        '0' => out.push('\0'),
                        '/' => out.push('/'),
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        ' ' => out.push(' '),
                        'x' | 'u' | 'U' => {
                            let len = match e {
                                'x' => 2,
                                'u' => 4,
                                _ => 8,
                            };
                            let hex: String = chars.by_ref().take(len).collect();
                            let code = u32::from_str_radix(&hex, 16)
                                .map_err(|_| format!("bad escape \\{e}{hex}"))?;
                            out.push(char::from_u32(code).ok_or("escape is not a character")?);
                        }
                        other => return Err(format!("unknown escape \\{other}")),
                    }
                }
                c => out.push(c),
            }
        }
        Err("unterminated double-quoted value".into())
    } else if let Some(inner) = raw.strip_prefix('\'') {
        let inner = inner
            .strip_suffix('\'')
            .ok_or("unterminated single-quoted value")?;
        Ok(inner.replace("''", "'"))
    } else {
        Ok(raw.to_owned())
    }
}

/// Lines unchanged for longer than this between two changes are elided from a diff.
const DIFF_CONTEXT: usize = 3;
/// Above this many cells the LCS table would be too large; the changed middle is then shown as
/// a whole block removed and added.
const DIFF_MAX_CELLS: usize = 4_000_000;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op<'a> {
    Same(&'a str),
    Del(&'a str),
    Add(&'a str),
}

/// A line diff (`-` stored, `+` new, two-space context), with long unchanged runs elided.
pub fn line_diff(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);

    let mut ops: Vec<Op> = a[..prefix].iter().map(|l| Op::Same(l)).collect();
    if ma.len().saturating_mul(mb.len()) <= DIFF_MAX_CELLS {
        ops.extend(lcs_ops(ma, mb));
    } else {
        ops.extend(ma.iter().map(|l| Op::Del(l)));
        ops.extend(mb.iter().map(|l| Op::Add(l)));
    }
    ops.extend(a[a.len() - suffix..].iter().map(|l| Op::Same(l)));

    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Same(_)))
        .map(|(i, _)| i)
        .collect();
    let mut out = String::from("--- stored snapshot\n+++ new result\n");
    let mut last_shown: Option<usize> = None;
    for (i, op) in ops.iter().enumerate() {
        let near = changed.iter().any(|&c| c.abs_diff(i) <= DIFF_CONTEXT);
        if !near {
            continue;
        }
        if last_shown.is_some_and(|l| i > l + 1) || (last_shown.is_none() && i > 0) {
            let _ = writeln!(out, "@@ line {} @@", i + 1);
        }
        let _ = match op {
            Op::Same(l) => writeln!(out, "  {l}"),
            Op::Del(l) => writeln!(out, "- {l}"),
            Op::Add(l) => writeln!(out, "+ {l}"),
        };
        last_shown = Some(i);
    }
    out
}

fn lcs_ops<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<Op<'a>> {
    let (n, m) = (a.len(), b.len());
    // table[i][j] = LCS length of a[i..] and b[j..], stored flat.
    let mut table = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[at(i, j)] = if a[i] == b[j] {
                table[at(i + 1, j + 1)] + 1
            } else {
                table[at(i + 1, j)].max(table[at(i, j + 1)])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::with_capacity(n + m);
    while i < n && j < m {
        if a[i] == b[j] {
            ops.push(Op::Same(a[i]));
            i += 1;
            j += 1;
        } else if table[at(i + 1, j)] >= table[at(i, j + 1)] {
            ops.push(Op::Del(a[i]));
            i += 1;
        } else {
            ops.push(Op::Add(b[j]));
            j += 1;
        }
    }
    ops.extend(a[i..].iter().map(|l| Op::Del(l)));
    ops.extend(b[j..].iter().map(|l| Op::Add(l)));
    ops
}

#[cfg(test)]
mod tests {
    use super::super::testdata::*;
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fresh directory per test, removed on drop, so tests can run in parallel.
    struct TempDir(PathBuf);
    impl TempDir {
        fn new(label: &str) -> Self {
            static N: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "finsandbox-report-{}-{}-{label}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    const LOCAL: SnapshotPolicy = SnapshotPolicy {
        update: false,
        ci: false,
    };
    const CI: SnapshotPolicy = SnapshotPolicy {
        update: false,
        ci: true,
    };
    const UPDATE: SnapshotPolicy = SnapshotPolicy {
        update: true,
        ci: true,
    };

    #[test]
    fn normalised_report_is_stable_and_free_of_volatile_values() {
        let text = normalise(&sample_report());
        let expected = r#"target: http://127.0.0.1:[port]/open-banking
result: FAILED (4 scenarios: 1 passed, 1 failed, 1 skipped, 1 waived)

feature: features/acme/customers.feature (Personal identifications)
  FAILED  Birth date is a real date
          step: Then the response matches the Customers v2 schema
          message: response does not match ResponsePersonalCustomersIdentification for CPF *********25
          expected: birthDate: a real date (YYYY-MM-DD)
          actual: "1990-02-30"\u{7}
          finding: /data/0/birthDate [schema:format] "1990-02-30" is not a "date"
          finding: /data/0/civilName [schema:maxLength] "M*** C*** d*** S***" is longer than 10 characters
          finding: /data/0/socialName [schema:pattern] Nome inválido: <&>"' São João, ação
          evidence: GET http://127.0.0.1:[port]/open-banking/customers/v2/personal/identifications?page=1 -> 200
  PASSED  Identification conforms to the schema

feature: features/acme/paging.feature (Paging)
  WAIVED  Business identification of an alphanumeric CNPJ
          waiver: provider ticket OFB-123: alphanumeric CNPJ rollout
  SKIPPED Last page has no next link
          reason: no persona with more than one page of identifications
"#;
        assert_eq!(text, expected);
    }

    #[test]
    fn normalise_ignores_times_and_feature_order() {
        let a = sample_report();
        let mut b = sample_report();
        b.features.reverse();
        b.features[0].scenarios.reverse();
        b.started_at = chrono::Utc::now();
        b.duration_ms = 1;
        for f in &mut b.features {
            for s in &mut f.scenarios {
                s.duration_ms += 17;
            }
        }
        assert_eq!(normalise(&a), normalise(&b));
    }

    #[test]
    fn volatile_values_are_redacted() {
        let text = format!(
            "id {INTERACTION_ID} consent urn:bancoex:C1DD33123 at 2026-11-22T10:00:00.5-03:00 and \
             Sun, 22 Nov 2026 10:00:00 GMT; Authorization: Bearer abc.def-ghi \
             {{\"access_token\": \"xyz\", \"code\":\"c0de\"}} cb?code=abc&state=s \
             http://localhost:8080/x http://127.0.0.1:41877 eyJhbGciOiJQUzI1NiJ9.e30.c2ln"
        );
        assert_eq!(
            redact_volatile(&text),
            "id [uuid] consent [consent-id] at [datetime] and [datetime]; Authorization: Bearer [token] \
             {\"access_token\": \"[token]\", \"code\":\"[token]\"} cb?code=[token]&state=s \
             http://localhost:[port]/x http://127.0.0.1:[port] [token]"
        );
    }

    #[test]
    fn plain_dates_survive_redaction() {
        assert_eq!(
            redact_volatile("birthDate 1990-02-30"),
            "birthDate 1990-02-30"
        );
    }

    #[test]
    fn absent_snapshot_is_created_locally() {
        let dir = TempDir::new("create");
        let out = write_or_compare_with(&dir.0, "run", "a\nb\n", LOCAL).unwrap();
        assert_eq!(out, SnapshotOutcome::Created);
        let text = fs::read_to_string(dir.0.join("run.snap")).unwrap();
        assert_eq!(
            text,
            "---\nsource: finsandbox check\nexpression: normalised conformance report\n---\na\nb\n"
        );
    }

    #[test]
    fn absent_snapshot_in_ci_is_missing_and_not_written() {
        let dir = TempDir::new("missing");
        let out = write_or_compare_with(&dir.0, "run", "a", CI).unwrap();
        assert!(matches!(out, SnapshotOutcome::Missing { .. }));
        assert!(out.is_failure());
        assert!(!dir.0.join("run.snap").exists());
    }

    #[test]
    fn same_content_matches_despite_trailing_whitespace_and_crlf() {
        let dir = TempDir::new("match");
        write_or_compare_with(&dir.0, "run", "a\nb", LOCAL).unwrap();
        let out = write_or_compare_with(&dir.0, "run", "a\r\nb\n\n", CI).unwrap();
        assert_eq!(out, SnapshotOutcome::Matched);
    }

    #[test]
    fn changed_content_is_a_mismatch_with_a_diff_and_a_pending_file() {
        let dir = TempDir::new("mismatch");
        write_or_compare_with(&dir.0, "run", "one\ntwo\nthree", LOCAL).unwrap();
        let out = write_or_compare_with(&dir.0, "run", "one\n2\nthree", LOCAL).unwrap();
        let SnapshotOutcome::Mismatch { diff, pending } = out else {
            panic!("expected a mismatch, got {out:?}")
        };
        assert!(diff.contains("- two\n+ 2\n"), "{diff}");
        assert!(diff.contains("  one\n"));
        let pending = pending.unwrap();
        assert_eq!(pending, dir.0.join("run.snap.new"));
        assert_eq!(
            parse_snap(&fs::read_to_string(&pending).unwrap())
                .unwrap()
                .contents,
            "one\n2\nthree"
        );
        // The approved file is untouched.
        let stored = parse_snap(&fs::read_to_string(dir.0.join("run.snap")).unwrap()).unwrap();
        assert_eq!(stored.contents, "one\ntwo\nthree");
    }

    #[test]
    fn mismatch_in_ci_writes_nothing() {
        let dir = TempDir::new("mismatch-ci");
        write_or_compare_with(&dir.0, "run", "one", LOCAL).unwrap();
        let out = write_or_compare_with(&dir.0, "run", "two", CI).unwrap();
        assert!(matches!(
            out,
            SnapshotOutcome::Mismatch { pending: None, .. }
        ));
        assert!(!dir.0.join("run.snap.new").exists());
    }

    #[test]
    fn update_rewrites_content_and_keeps_the_header() {
        let dir = TempDir::new("update");
        let path = dir.0.join("run.snap");
        fs::write(
            &path,
            "---\nsource: tests/harness.rs\nexpression: report\n---\nold\n",
        )
        .unwrap();
        fs::write(dir.0.join("run.snap.new"), "stale").unwrap();
        let out = write_or_compare_with(&dir.0, "run", "new", UPDATE).unwrap();
        assert_eq!(out, SnapshotOutcome::Updated);
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "---\nsource: tests/harness.rs\nexpression: report\n---\nnew\n"
        );
        assert!(!dir.0.join("run.snap.new").exists());
    }

    #[test]
    fn snapshot_names_cannot_escape_the_directory() {
        let dir = Path::new("/snaps");
        assert_eq!(
            snapshot_path(dir, "a/b").unwrap(),
            Path::new("/snaps/a__b.snap")
        );
        assert!(matches!(
            snapshot_path(dir, "..").unwrap_err(),
            SnapshotError::BadName(_)
        ));
        assert!(snapshot_path(dir, "").is_err());
        assert!(snapshot_path(dir, "a b").is_err());
    }

    #[test]
    fn malformed_snapshot_is_an_error_naming_the_file() {
        let dir = TempDir::new("malformed");
        fs::write(dir.0.join("run.snap"), "---\nsource: x\n").unwrap();
        let err = write_or_compare_with(&dir.0, "run", "a", LOCAL).unwrap_err();
        assert!(err.to_string().contains("run.snap"), "{err}");
    }

    #[test]
    fn header_scalars_follow_insta_quoting() {
        assert_eq!(yaml_scalar("tests/run.rs"), "tests/run.rs");
        assert_eq!(yaml_scalar("vec![1, 2]"), "\"vec![1, 2]\"");
        assert_eq!(yaml_scalar("\"x\""), "\"\\\"x\\\"\"");
        assert_eq!(yaml_scalar("true"), "\"true\"");
        assert_eq!(yaml_scalar("42"), "\"42\"");
        assert_eq!(yaml_scalar("a\nb"), "\"a\\nb\"");
        for s in ["vec![1, 2]", "\"x\"", "a\nb\tc\\", "-dash", "ação: sim"] {
            assert_eq!(parse_yaml_scalar(&yaml_scalar(s)).unwrap(), s);
        }
    }

    #[test]
    fn parses_files_written_by_insta_and_legacy_headers() {
        let snap = parse_snap(
            "---\nsource: insta/src/test.rs\nexpression: \"\\\"Just a string\\\"\"\ninfo:\n  a: 1\n---\nJust a string\n",
        )
        .unwrap();
        assert_eq!(snap.source.as_deref(), Some("insta/src/test.rs"));
        assert_eq!(snap.expression.as_deref(), Some("\"Just a string\""));
        assert_eq!(snap.contents, "Just a string");
        let legacy =
            parse_snap("Created: 2019\nSource: src/x.rs\nExpression: y\n\nbody\n").unwrap();
        assert_eq!(legacy.source.as_deref(), Some("src/x.rs"));
        assert_eq!(legacy.contents, "body");
    }

    #[test]
    fn diff_elides_distant_unchanged_lines() {
        let old: String = (0..40).map(|i| format!("line {i}\n")).collect();
        let new = old.replace("line 20\n", "line twenty\n");
        let diff = line_diff(&old, &new);
        assert!(diff.contains("- line 20\n+ line twenty\n"));
        assert!(diff.contains("  line 17\n") && !diff.contains("  line 16\n"));
        assert!(diff.contains("@@ line 18 @@"));
    }

    #[test]
    fn insta_accepts_a_snapshot_we_wrote() {
        let dir = TempDir::new("insta");
        let content = normalise(&sample_report());
        let out = write_or_compare_with(&dir.0, "conformance", &content, LOCAL).unwrap();
        assert_eq!(out, SnapshotOutcome::Created);

        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(&dir.0);
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| insta::assert_snapshot!("conformance", content));
        // insta leaves no pending file when it agrees.
        assert!(!dir.0.join("conformance.snap.new").exists());
    }

    #[test]
    fn insta_and_we_read_each_others_headers() {
        let dir = TempDir::new("headers");
        let ours = dir.0.join("ours.snap");
        let meta = SnapMeta {
            source: "tests/conformance.rs".into(),
            expression: "normalise(&run) // \"quoted\", colon: yes\n".into(),
        };
        fs::write(&ours, render_snap(&meta, "body line\nsecond")).unwrap();

        let loaded = insta::Snapshot::from_file(&ours).unwrap();
        assert_eq!(loaded.metadata().source(), Some(meta.source.as_str()));
        assert_eq!(
            loaded.metadata().expression(),
            Some(meta.expression.as_str())
        );
        assert_eq!(loaded.as_text().unwrap().to_string(), "body line\nsecond");

        // insta's own writer, then our reader.
        let theirs = dir.0.join("theirs.snap");
        loaded.save(&theirs).unwrap();
        let written = fs::read_to_string(&theirs).unwrap();
        assert_eq!(written, fs::read_to_string(&ours).unwrap());
        let parsed = parse_snap(&written).unwrap();
        assert_eq!(parsed.expression.as_deref(), Some(meta.expression.as_str()));
        assert_eq!(parsed.contents, "body line\nsecond");
    }
}
