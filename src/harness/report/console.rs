//! Terminal output: a progress line per scenario while the run goes, and a summary at the end.
//!
//! The summary is ordered for someone fixing things: per-feature counts, then every failure with
//! everything needed to act on it, then what was skipped or waived and why, and a last line that
//! CI logs can be grepped for. Colour is opt-in so that logs and pipes stay plain ASCII markers.

use super::model::{Failure, RunReport, ScenarioReport, Status};
use super::render;
use std::fmt::Write as _;

/// Bodies longer than this are cut in the console; the HTML and JSON reports keep them whole.
const CONSOLE_BODY_LIMIT: usize = 600;

struct Palette {
    on: bool,
}

impl Palette {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\u{1b}[{code}m{text}\u{1b}[0m")
        } else {
            text.to_owned()
        }
    }
    fn status(&self, status: Status, text: &str) -> String {
        let code = match status {
            Status::Passed => "32",
            Status::Failed => "31;1",
            Status::Skipped => "33",
            Status::Waived => "35",
        };
        self.paint(code, text)
    }
    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// Marker for a status: symbols on a colour terminal, fixed-width words otherwise, because CI
/// log viewers and Windows consoles do not always render the symbols.
fn marker(status: Status, color: bool) -> &'static str {
    match (status, color) {
        (Status::Passed, true) => "✔",
        (Status::Failed, true) => "✘",
        (Status::Skipped, true) => "–",
        (Status::Waived, true) => "W",
        (Status::Passed, false) => "PASS",
        (Status::Failed, false) => "FAIL",
        (Status::Skipped, false) => "SKIP",
        (Status::Waived, false) => "WAIV",
    }
}

/// One line for one finished scenario, e.g. `✔ Identification conforms (40 ms)` or
/// `SKIP Last page has no next link (skipped: no persona with ...)`.
pub fn progress_line(scenario: &ScenarioReport, color: bool) -> String {
    let p = Palette { on: color };
    let mark = p.status(scenario.status, marker(scenario.status, color));
    let name = render::visible_controls(&scenario.name);
    let detail = match scenario.status {
        Status::Passed => format!("({})", render::duration(scenario.duration_ms)),
        Status::Failed => match scenario.failing_step() {
            Some((step, _)) => format!("(failed at: {})", step.title()),
            None => format!("({})", render::duration(scenario.duration_ms)),
        },
        Status::Skipped => format!(
            "(skipped: {})",
            scenario.skip_reason.as_deref().unwrap_or("no reason given")
        ),
        Status::Waived => format!(
            "(waived: {})",
            scenario.waiver.as_deref().unwrap_or("no reason given")
        ),
    };
    let detail = p.dim(&render::visible_controls(&detail));
    format!("{mark} {name} {detail}")
}

/// The end-of-run summary. Text coming from the target is shown with its control characters
/// made visible, so the colour flag only ever adds escapes this function wrote itself.
pub fn summary(report: &RunReport, color: bool) -> String {
    let p = Palette { on: color };
    let mut out = String::new();
    let clean = |s: &str| render::visible_controls(s).into_owned();

    let _ = writeln!(
        out,
        "{} against {} ({})",
        p.bold(&clean(&report.tool)),
        clean(&report.target),
        report.started_at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    out.push('\n');

    for feature in &report.features {
        let counts = feature.counts();
        let status = counts.status();
        let _ = writeln!(
            out,
            "{} {}  {}",
            p.status(status, marker(status, color)),
            p.bold(&clean(&feature.path)),
            counts.breakdown()
        );
    }

    let failed: Vec<_> = report.scenarios_with(Status::Failed).collect();
    if !failed.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            p.status(Status::Failed, &format!("Failures ({})", failed.len()))
        );
        for (n, (feature, scenario)) in failed.iter().enumerate() {
            let _ = writeln!(
                out,
                "\n{}) {}:{}  {}",
                n + 1,
                clean(&feature.path),
                scenario.line,
                p.bold(&clean(&scenario.name))
            );
            let _ = writeln!(out, "   feature: {}", clean(&feature.name));
            match scenario.failing_step() {
                Some((step, failure)) => {
                    let _ = writeln!(out, "   step:    {}", clean(&step.title()));
                    if let Some(failure) = failure {
                        write_failure(&mut out, failure, &p);
                    }
                }
                None => {
                    let _ = writeln!(out, "   (the scenario failed outside its steps)");
                }
            }
        }
    }

    // Skipped and waived scenarios are listed alike: where, what, and the reason given.
    for (status, title) in [(Status::Skipped, "Skipped"), (Status::Waived, "Waived")] {
        let listed: Vec<_> = report.scenarios_with(status).collect();
        if listed.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n{}",
            p.status(status, &format!("{title} ({})", listed.len()))
        );
        for (feature, scenario) in listed {
            let reason = match status {
                Status::Skipped => scenario.skip_reason.as_deref(),
                _ => scenario.waiver.as_deref(),
            };
            let _ = writeln!(
                out,
                "  {}:{}  {} — {}",
                clean(&feature.path),
                scenario.line,
                clean(&scenario.name),
                clean(reason.unwrap_or("no reason given"))
            );
        }
    }

    let counts = report.counts();
    let last = format!(
        "{} scenarios: {} ({})",
        counts.total,
        counts.breakdown(),
        render::duration(report.duration_ms)
    );
    let _ = writeln!(out, "\n{}", p.status(report.status(), &last));
    out
}

fn write_failure(out: &mut String, failure: &Failure, p: &Palette) {
    let indent = |text: &str| render::visible_controls(text).replace('\n', "\n            ");
    let _ = writeln!(out, "   message: {}", indent(&failure.message));
    if let Some(expected) = &failure.expected {
        let _ = writeln!(
            out,
            "   {} {}",
            p.paint("32", "expected:"),
            indent(expected)
        );
    }
    if let Some(actual) = &failure.actual {
        let _ = writeln!(out, "   {}   {}", p.paint("31", "actual:"), indent(actual));
    }
    if !failure.findings.is_empty() {
        let _ = writeln!(out, "   findings:");
        let width = failure
            .findings
            .iter()
            .map(|f| f.pointer.chars().count())
            .max()
            .unwrap_or(0);
        for f in &failure.findings {
            let _ = writeln!(
                out,
                "     {:width$}  [{}] {}",
                render::visible_controls(&f.pointer),
                render::visible_controls(&f.label()),
                indent(&f.message),
            );
        }
    }
    if let Some(ex) = &failure.evidence {
        let _ = writeln!(out, "   evidence:");
        let transcript = render::exchange(ex, Some(CONSOLE_BODY_LIMIT));
        for line in transcript.lines() {
            if line.is_empty() {
                out.push('\n');
            } else {
                let _ = writeln!(out, "     {}", render::visible_controls(line));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testdata::*;
    use super::*;

    #[test]
    fn summary_ends_with_the_totals_line() {
        let text = summary(&sample_report(), false);
        let last = text.trim_end().lines().last().unwrap();
        assert_eq!(
            last,
            "4 scenarios: 1 passed, 1 failed, 1 skipped, 1 waived (3.2 s)"
        );
    }

    #[test]
    fn summary_lists_each_feature_with_counts() {
        let text = summary(&sample_report(), false);
        assert!(text.contains(
            "FAIL features/acme/customers.feature  1 passed, 1 failed, 0 skipped, 0 waived"
        ));
        assert!(text.contains(
            "PASS features/acme/paging.feature  0 passed, 0 failed, 1 skipped, 1 waived"
        ));
    }

    #[test]
    fn failure_shows_step_expected_actual_and_findings() {
        let text = summary(&sample_report(), false);
        assert!(text.contains("1) features/acme/customers.feature:20  Birth date is a real date"));
        assert!(text.contains("step:    Then the response matches the Customers v2 schema"));
        assert!(text.contains("expected: birthDate: a real date (YYYY-MM-DD)"));
        assert!(text.contains("actual:   \"1990-02-30\"\\u{7}"));
        assert!(
            text.contains("/data/0/birthDate   [schema:format] \"1990-02-30\" is not a \"date\"")
        );
        assert!(text.contains(
            "GET http://127.0.0.1:41877/open-banking/customers/v2/personal/identifications?page=1"
        ));
        assert!(text.contains("HTTP 200"));
    }

    #[test]
    fn skipped_and_waived_carry_their_reasons() {
        let text = summary(&sample_report(), false);
        let skipped = text.find("Skipped (1)").unwrap();
        let waived = text.find("Waived (1)").unwrap();
        let failures = text.find("Failures (1)").unwrap();
        assert!(failures < skipped && skipped < waived);
        assert!(text.contains("no persona with more than one page of identifications"));
        assert!(text.contains("provider ticket OFB-123: alphanumeric CNPJ rollout"));
    }

    #[test]
    fn plain_summary_has_no_escape_sequences() {
        let text = summary(&sample_report(), false);
        assert!(!text.contains('\u{1b}'));
        assert!(!text.contains('✔') && !text.contains('✘'));
    }

    #[test]
    fn coloured_summary_only_adds_sgr_sequences() {
        let mut report = sample_report();
        report.features[0].scenarios[1].steps[2]
            .failure
            .as_mut()
            .unwrap()
            .message = "boom \u{1b}]0;pwned\u{7}".into();
        let text = summary(&report, true);
        assert!(text.contains("\u{1b}[31;1m"));
        assert!(text.contains("boom \\u{1b}]0;pwned\\u{7}"));
        // Every raw ESC we emit starts an SGR sequence (`ESC [ ... m`).
        for (i, _) in text.match_indices('\u{1b}') {
            assert_eq!(&text[i + 1..i + 2], "[");
        }
    }

    #[test]
    fn progress_lines_use_ascii_words_without_colour() {
        let report = sample_report();
        let lines: Vec<String> = report
            .scenarios()
            .map(|(_, s)| progress_line(s, false))
            .collect();
        assert_eq!(
            lines[0],
            "PASS Identification conforms to the schema (40 ms)"
        );
        assert_eq!(
            lines[1],
            "FAIL Birth date is a real date (failed at: Then the response matches the Customers v2 schema)"
        );
        assert_eq!(
            lines[2],
            "SKIP Last page has no next link (skipped: no persona with more than one page of identifications)"
        );
        assert!(lines[3].starts_with("WAIV Business identification"));
        assert!(lines.iter().all(|l| l.is_ascii()));
    }

    #[test]
    fn progress_lines_use_symbols_with_colour() {
        let report = sample_report();
        let marks: Vec<String> = report
            .scenarios()
            .map(|(_, s)| progress_line(s, true))
            .collect();
        assert!(marks[0].contains("✔") && marks[1].contains("✘"));
        assert!(marks[2].contains("–") && marks[3].contains("\u{1b}[35mW\u{1b}[0m"));
    }
}
