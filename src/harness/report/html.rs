//! A single self-contained HTML page, meant to be attached to a CI run or mailed to a provider.
//!
//! Everything is inline and nothing is fetched: the page must open offline, from an artefact
//! store or an e-mail client, and it shows data that came from the target, so a strict Content
//! Security Policy forbids scripts and any network access even if escaping ever failed. There is
//! no JavaScript; `<details>` gives expand/collapse for free. Scenarios needing attention come
//! first (FAILED expanded, then SKIPPED, WAIVED), PASSED last and collapsed.

use super::model::{Failure, FeatureReport, RunReport, ScenarioReport, Status};
use super::render;
use std::fmt::Write as _;

const STYLE: &str = r#"
:root { --pass:#1a7f37; --fail:#cf222e; --skip:#9a6700; --waive:#8250df; --muted:#57606a; --line:#d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
main { max-width: 1100px; margin: 0 auto; padding: 0 16px 32px; }
header.banner { padding: 20px 24px; color: #fff; }
header.banner h1 { margin: 0 0 6px; font-size: 24px; letter-spacing: .04em; }
header.banner dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
header.banner dt { opacity: .8; } header.banner dd { margin: 0; word-break: break-all; }
.banner.PASSED { background: var(--pass); } .banner.FAILED { background: var(--fail); } .banner.SKIPPED { background: var(--muted); }
.counts { display: flex; gap: 8px; flex-wrap: wrap; margin: 16px 0; }
.pill { border-radius: 999px; padding: 2px 10px; font-weight: 600; border: 1px solid var(--line); background: #fff; }
.pill.PASSED { color: var(--pass); } .pill.FAILED { color: var(--fail); } .pill.SKIPPED { color: var(--skip); } .pill.WAIVED { color: var(--waive); }
h2 { margin: 28px 0 10px; font-size: 18px; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eaeef2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
details.scenario { background: #fff; border: 1px solid var(--line); border-left: 6px solid var(--muted); border-radius: 6px; margin: 8px 0; }
details.scenario.FAILED { border-left-color: var(--fail); } details.scenario.PASSED { border-left-color: var(--pass); }
details.scenario.SKIPPED { border-left-color: var(--skip); } details.scenario.WAIVED { border-left-color: var(--waive); }
details.scenario > summary { cursor: pointer; padding: 8px 12px; font-weight: 600; }
details.scenario > div { padding: 0 12px 12px; }
.loc { color: var(--muted); font-weight: 400; font-family: ui-monospace, monospace; font-size: 12px; }
.tag { color: var(--muted); font-size: 12px; margin-right: 6px; }
ol.steps { padding-left: 22px; margin: 6px 0; }
ol.steps li.FAILED { color: var(--fail); font-weight: 600; } ol.steps li.SKIPPED { color: var(--muted); }
.status { font-size: 11px; font-weight: 700; padding: 1px 6px; border-radius: 4px; color: #fff; margin-right: 6px; }
.status.PASSED { background: var(--pass); } .status.FAILED { background: var(--fail); } .status.SKIPPED { background: var(--skip); } .status.WAIVED { background: var(--waive); }
.reason { margin: 6px 0; }
pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 8px; overflow: auto; white-space: pre-wrap; word-break: break-word; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; max-height: 480px; }
.failure h4 { margin: 12px 0 4px; }
footer { color: var(--muted); font-size: 12px; margin-top: 32px; }
"#;

/// The report as one HTML document with no external references.
pub fn to_html(report: &RunReport) -> String {
    let counts = report.counts();
    let status = report.status();
    let banner = match status {
        Status::Passed => "PASSED",
        Status::Failed => "FAILED",
        _ => "NO SCENARIO RAN",
    };
    let mut out = String::with_capacity(16 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    let _ = writeln!(
        out,
        "<title>{} — {} — {}</title>",
        esc(&report.tool),
        banner,
        esc(&report.target)
    );
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");

    let _ = writeln!(out, "<header class=\"banner {}\">", status.label());
    let _ = writeln!(out, "<h1>{banner}</h1>\n<dl>");
    let _ = writeln!(out, "<dt>Target</dt><dd>{}</dd>", esc(&report.target));
    let _ = writeln!(
        out,
        "<dt>Started</dt><dd>{}</dd>",
        report.started_at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    let _ = writeln!(
        out,
        "<dt>Duration</dt><dd>{}</dd>",
        render::duration(report.duration_ms)
    );
    let _ = writeln!(
        out,
        "<dt>Tool</dt><dd>{}</dd>\n</dl>\n</header>",
        esc(&report.tool)
    );

    out.push_str("<main>\n<p class=\"counts\">");
    let _ = write!(
        out,
        "<span class=\"pill\">{} scenarios</span>",
        counts.total
    );
    for (st, n) in [
        (Status::Passed, counts.passed),
        (Status::Failed, counts.failed),
        (Status::Skipped, counts.skipped),
        (Status::Waived, counts.waived),
    ] {
        let _ = write!(
            out,
            "<span class=\"pill {}\">{} {}</span>",
            st.label(),
            n,
            st.label().to_lowercase()
        );
    }
    out.push_str("</p>\n");

    write_feature_table(&mut out, report);

    for (st, title, open) in [
        (Status::Failed, "Failed", true),
        (Status::Skipped, "Skipped", false),
        (Status::Waived, "Waived", false),
        (Status::Passed, "Passed", false),
    ] {
        let list: Vec<_> = report.scenarios_with(st).collect();
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<section id=\"{}\">\n<h2>{title} ({})</h2>",
            st.label().to_lowercase(),
            list.len()
        );
        for (feature, scenario) in list {
            write_scenario(&mut out, feature, scenario, open);
        }
        out.push_str("</section>\n");
    }

    let _ = writeln!(
        out,
        "<footer>Generated by {} at {}.</footer>\n</main>\n</body>\n</html>",
        esc(&report.tool),
        report.started_at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    out
}

fn write_feature_table(out: &mut String, report: &RunReport) {
    if report.features.is_empty() {
        out.push_str("<p>No feature was run.</p>\n");
        return;
    }
    out.push_str("<h2>Features</h2>\n<table>\n<thead><tr><th>Feature</th><th>File</th><th>Result</th><th>Passed</th><th>Failed</th><th>Skipped</th><th>Waived</th></tr></thead>\n<tbody>\n");
    for feature in &report.features {
        let c = feature.counts();
        let st = c.status();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"loc\">{}</td><td><span class=\"status {}\">{}</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&feature.name),
            esc(&feature.path),
            st.label(),
            st.label(),
            c.passed,
            c.failed,
            c.skipped,
            c.waived
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

fn write_scenario(
    out: &mut String,
    feature: &FeatureReport,
    scenario: &ScenarioReport,
    open: bool,
) {
    let _ = writeln!(
        out,
        "<details class=\"scenario {}\"{}>\n<summary><span class=\"status {}\">{}</span>{} <span class=\"loc\">{}:{} · {}</span></summary>\n<div>",
        scenario.status.label(),
        if open { " open" } else { "" },
        scenario.status.label(),
        scenario.status.label(),
        esc(&scenario.name),
        esc(&feature.path),
        scenario.line,
        render::duration(scenario.duration_ms),
    );
    let _ = writeln!(out, "<p class=\"loc\">Feature: {}</p>", esc(&feature.name));
    if !scenario.tags.is_empty() {
        out.push_str("<p>");
        for tag in &scenario.tags {
            let _ = write!(out, "<span class=\"tag\">{}</span>", esc(tag));
        }
        out.push_str("</p>\n");
    }
    if let Some(reason) = &scenario.skip_reason {
        let _ = writeln!(
            out,
            "<p class=\"reason\"><strong>Skipped:</strong> {}</p>",
            esc(reason)
        );
    }
    if let Some(reason) = &scenario.waiver {
        let _ = writeln!(
            out,
            "<p class=\"reason\"><strong>Waived:</strong> {}</p>",
            esc(reason)
        );
    }
    if !scenario.steps.is_empty() {
        out.push_str("<ol class=\"steps\">\n");
        for step in &scenario.steps {
            let _ = writeln!(
                out,
                "<li class=\"{}\"><strong>{}</strong> {} <span class=\"loc\">{}</span></li>",
                step.status.label(),
                esc(step.keyword.trim()),
                esc(&step.text),
                step.status.label()
            );
        }
        out.push_str("</ol>\n");
    }
    // Waived scenarios keep their failure on view: the waiver accepts it, it does not erase it.
    for step in &scenario.steps {
        if let Some(failure) = &step.failure {
            write_failure(out, &step.title(), failure);
        }
    }
    out.push_str("</div>\n</details>\n");
}

fn write_failure(out: &mut String, step: &str, failure: &Failure) {
    out.push_str("<div class=\"failure\">\n");
    let _ = writeln!(out, "<h4>Failed step: {}</h4>", esc(step));
    let _ = writeln!(out, "<pre>{}</pre>", esc(&failure.message));
    if failure.expected.is_some() || failure.actual.is_some() {
        out.push_str("<table><thead><tr><th>Expected</th><th>Actual</th></tr></thead><tbody><tr>");
        let _ = write!(
            out,
            "<td><pre>{}</pre></td><td><pre>{}</pre></td>",
            esc(failure.expected.as_deref().unwrap_or("")),
            esc(failure.actual.as_deref().unwrap_or(""))
        );
        out.push_str("</tr></tbody></table>\n");
    }
    if !failure.findings.is_empty() {
        out.push_str("<h4>Findings</h4>\n<table><thead><tr><th>Pointer</th><th>Check</th><th>Keyword / rule</th><th>Message</th></tr></thead><tbody>\n");
        for f in &failure.findings {
            let _ = writeln!(
                out,
                "<tr><td class=\"loc\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&f.pointer),
                esc(&f.check),
                esc(&f.keyword),
                esc(&f.message)
            );
        }
        out.push_str("</tbody></table>\n");
    }
    if let Some(ex) = &failure.evidence {
        out.push_str("<h4>Evidence</h4>\n");
        let _ = writeln!(out, "<pre>{}</pre>", esc(&render::exchange(ex, None)));
    }
    out.push_str("</div>\n");
}

/// Escapes text for HTML element content and double- or single-quoted attributes, dropping
/// characters that are parse errors in HTML and illegal in XML-based viewers.
pub fn escape(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if render::is_forbidden_in_markup(c) => {}
            c => out.push(c),
        }
    }
    out
}

fn esc(input: &str) -> String {
    escape(input)
}

#[cfg(test)]
mod tests {
    use super::super::testdata::*;
    use super::*;

    #[test]
    fn failures_come_before_skipped_waived_and_passed() {
        let html = to_html(&sample_report());
        let failed = html.find("Birth date is a real date").unwrap();
        let skipped = html.find("Last page has no next link").unwrap();
        let waived = html
            .find("Business identification of an alphanumeric CNPJ")
            .unwrap();
        let passed = html.find("Identification conforms to the schema").unwrap();
        assert!(failed < skipped && skipped < waived && waived < passed);
    }

    #[test]
    fn failed_is_expanded_and_passed_collapsed() {
        let html = to_html(&sample_report());
        assert!(html.contains("<details class=\"scenario FAILED\" open>"));
        assert!(html.contains("<details class=\"scenario PASSED\">"));
    }

    #[test]
    fn header_shows_target_counts_and_banner() {
        let html = to_html(&sample_report());
        assert!(html.contains("<header class=\"banner FAILED\">"));
        assert!(html.contains("<h1>FAILED</h1>"));
        assert!(html.contains(&format!("<dd>{TARGET}</dd>")));
        assert!(html.contains("<dd>2026-11-22 10:00:00 UTC</dd>"));
        assert!(html.contains("<span class=\"pill FAILED\">1 failed</span>"));
        assert!(html.contains("<span class=\"pill WAIVED\">1 waived</span>"));
    }

    #[test]
    fn failure_details_are_all_there() {
        let html = to_html(&sample_report());
        assert!(
            html.contains("<td class=\"loc\">/data/0/birthDate</td><td>schema</td><td>format</td>")
        );
        assert!(html.contains("birthDate: a real date (YYYY-MM-DD)"));
        assert!(html.contains("HTTP 200"));
        assert!(html.contains("no persona with more than one page of identifications"));
        assert!(html.contains("provider ticket OFB-123: alphanumeric CNPJ rollout"));
    }

    #[test]
    fn nothing_is_loaded_from_the_network() {
        let report = sample_report();
        let mut html = to_html(&report);
        // Remove the values that legitimately contain URLs (escaped data from the run).
        let failure = report.features[0].scenarios[1].steps[2]
            .failure
            .clone()
            .unwrap();
        let transcript = escape(&render::exchange(failure.evidence.as_ref().unwrap(), None));
        for allowed in [transcript, escape(&report.target)] {
            html = html.replace(&allowed, "");
        }
        assert!(!html.contains("http://"), "{html}");
        assert!(!html.contains("https://"));
        for needle in ["<script", "<link", "src=", "href=", "@import", "url("] {
            assert!(!html.contains(needle), "found {needle}");
        }
    }

    #[test]
    fn script_in_a_message_is_escaped() {
        let mut report = sample_report();
        let failure = report.features[0].scenarios[1].steps[2]
            .failure
            .as_mut()
            .unwrap();
        failure.message = "<script>alert('x')</script>".into();
        report.features[0].scenarios[1].name = "<img onerror=alert(1)>".into();
        let html = to_html(&report);
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(html.contains("&lt;img onerror=alert(1)&gt;"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("<img"));
    }

    #[test]
    fn accents_survive_and_controls_are_dropped() {
        let html = to_html(&sample_report());
        assert!(html.contains("Nome inválido: &lt;&amp;&gt;&quot;&#39; São João, ação"));
        assert!(!html.contains('\u{7}'));
    }

    #[test]
    fn an_all_passing_run_has_a_green_banner() {
        let mut report = sample_report();
        report.features.truncate(1);
        report.features[0].scenarios.truncate(1);
        let html = to_html(&report);
        assert!(html.contains("<header class=\"banner PASSED\">"));
        assert!(!html.contains("id=\"failed\""));
    }
}
