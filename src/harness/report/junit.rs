//! JUnit XML, the format every CI server (GitLab, Jenkins, GitHub test reporters) can display.
//!
//! Mapping: run → `<testsuites>`, feature → `<testsuite>`, scenario → `<testcase>`. JUnit has no
//! "waived", so a waived scenario is reported as `<skipped message="waived: …">`: CI stays green
//! for it, while the message keeps it distinguishable from a scenario that could not run.
//!
//! The XML is written by hand because the structure is fixed and small; the escaping rules are
//! what matters and are kept in one place ([`escape`]).

use super::model::{Failure, FeatureReport, Finding, RunReport, ScenarioReport, Status};
use super::render;
use std::fmt::Write as _;

/// The report as a JUnit XML document (UTF-8).
pub fn to_junit_xml(report: &RunReport) -> String {
    let counts = report.counts();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{}\" timestamp=\"{}\">",
        attr(&report.tool),
        counts.total,
        counts.failed,
        counts.skipped + counts.waived,
        render::seconds(report.duration_ms),
        report.started_at.format("%Y-%m-%dT%H:%M:%S"),
    );
    for feature in &report.features {
        write_suite(&mut out, report, feature);
    }
    out.push_str("</testsuites>\n");
    out
}

fn write_suite(out: &mut String, report: &RunReport, feature: &FeatureReport) {
    let counts = feature.counts();
    let time: u64 = feature.scenarios.iter().map(|s| s.duration_ms).sum();
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{}\" timestamp=\"{}\" file=\"{}\">",
        attr(&feature.name),
        counts.total,
        counts.failed,
        counts.skipped + counts.waived,
        render::seconds(time),
        report.started_at.format("%Y-%m-%dT%H:%M:%S"),
        attr(&feature.path),
    );
    // The target goes into every suite because many CI viewers show suites one at a time.
    out.push_str("    <properties>\n");
    let _ = writeln!(
        out,
        "      <property name=\"target\" value=\"{}\"/>",
        attr(&report.target)
    );
    let _ = writeln!(
        out,
        "      <property name=\"tool\" value=\"{}\"/>",
        attr(&report.tool)
    );
    if !feature.tags.is_empty() {
        let _ = writeln!(
            out,
            "      <property name=\"tags\" value=\"{}\"/>",
            attr(&feature.tags.join(" "))
        );
    }
    out.push_str("    </properties>\n");
    for scenario in &feature.scenarios {
        write_case(out, feature, scenario);
    }
    out.push_str("  </testsuite>\n");
}

fn write_case(out: &mut String, feature: &FeatureReport, scenario: &ScenarioReport) {
    let open = format!(
        "    <testcase classname=\"{}\" name=\"{}\" time=\"{}\" file=\"{}\" line=\"{}\"",
        attr(&feature.path),
        attr(&scenario.name),
        render::seconds(scenario.duration_ms),
        attr(&feature.path),
        scenario.line,
    );
    match scenario.status {
        Status::Passed => {
            let _ = writeln!(out, "{open}/>");
        }
        Status::Skipped => {
            let reason = scenario.skip_reason.as_deref().unwrap_or("no reason given");
            let _ = writeln!(
                out,
                "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>",
                attr(reason)
            );
        }
        Status::Waived => {
            let reason = scenario.waiver.as_deref().unwrap_or("no reason given");
            let _ = writeln!(
                out,
                "{open}>\n      <skipped message=\"waived: {}\"/>\n    </testcase>",
                attr(reason)
            );
        }
        Status::Failed => {
            let (message, kind, body) = failure_parts(scenario);
            let _ = writeln!(
                out,
                "{open}>\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                attr(&message),
                attr(&kind),
                text(&body)
            );
        }
    }
}

/// (message attribute, type attribute, body). The type is the first finding's label (check and
/// keyword) because CI viewers group failures by type, and "schema:format" or
/// "rule:cpf-check-digits" groups usefully.
fn failure_parts(scenario: &ScenarioReport) -> (String, String, String) {
    let Some((step, failure)) = scenario.failing_step() else {
        return (
            "scenario failed outside its steps".into(),
            "scenario".into(),
            String::new(),
        );
    };
    let Some(failure) = failure else {
        return (
            format!("step failed: {}", step.title()),
            "step".into(),
            format!("Step: {}\n", step.title()),
        );
    };
    let kind = failure
        .findings
        .first()
        .map(Finding::label)
        .unwrap_or_else(|| "assertion".into());
    (
        failure.message.clone(),
        kind,
        failure_body(&step.title(), failure),
    )
}

fn failure_body(step: &str, failure: &Failure) -> String {
    let mut body = format!("Step: {step}\nMessage: {}\n", failure.message);
    if let Some(expected) = &failure.expected {
        let _ = writeln!(body, "Expected: {expected}");
    }
    if let Some(actual) = &failure.actual {
        let _ = writeln!(body, "Actual: {actual}");
    }
    if !failure.findings.is_empty() {
        body.push_str("Findings:\n");
        for f in &failure.findings {
            let _ = writeln!(body, "  {} [{}] {}", f.pointer, f.label(), f.message);
        }
    }
    if let Some(ex) = &failure.evidence {
        body.push_str("Evidence:\n");
        body.push_str(&render::exchange(ex, None));
    }
    body
}

/// Escapes for XML 1.0. Characters XML cannot carry are dropped (a character reference to them
/// is still ill-formed); everything else, non-ASCII included, stays as UTF-8. In attributes,
/// `\t`, `\n` and `\r` become references because parsers would otherwise normalise them to
/// spaces; in text, `\r` does, because parsers turn a raw `\r\n` into `\n`.
pub fn escape(input: &str, in_attribute: bool) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attribute => out.push_str("&quot;"),
            '\'' if in_attribute => out.push_str("&apos;"),
            '\n' if in_attribute => out.push_str("&#10;"),
            '\t' if in_attribute => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            c if render::is_forbidden_in_markup(c) => {}
            c => out.push(c),
        }
    }
    out
}

fn attr(value: &str) -> String {
    escape(value, true)
}

fn text(value: &str) -> String {
    escape(value, false)
}

#[cfg(test)]
mod tests {
    use super::super::testdata::*;
    use super::*;
    use quick_xml::Reader;
    use quick_xml::events::{BytesStart, Event};
    use std::collections::HashMap;

    /// A parsed element: name, attributes and the text directly inside it.
    #[derive(Debug)]
    struct Element {
        name: String,
        attrs: HashMap<String, String>,
        text: String,
    }

    /// Parses the whole document with quick-xml (which rejects mismatched tags and bad entity
    /// references) into a flat list of elements in document order.
    fn parse(xml: &str) -> Vec<Element> {
        fn element(start: &BytesStart) -> Element {
            let attrs = start
                .attributes()
                .map(|a| {
                    let a = a.expect("well-formed attribute");
                    (
                        String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                        a.unescape_value().expect("valid escapes").into_owned(),
                    )
                })
                .collect();
            Element {
                name: String::from_utf8(start.name().as_ref().to_vec()).unwrap(),
                attrs,
                text: String::new(),
            }
        }
        let mut reader = Reader::from_str(xml);
        let mut elements = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(s) => {
                    elements.push(element(&s));
                    open.push(elements.len() - 1);
                }
                Event::Empty(s) => elements.push(element(&s)),
                Event::End(_) => {
                    open.pop();
                }
                Event::Text(t) => {
                    if let Some(&i) = open.last() {
                        elements[i].text.push_str(&t.decode().unwrap());
                    }
                }
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref().expect("valid char ref") {
                        Some(c) => c.to_string(),
                        None => quick_xml::escape::resolve_predefined_entity(&r.decode().unwrap())
                            .expect("predefined entity")
                            .to_string(),
                    };
                    if let Some(&i) = open.last() {
                        elements[i].text.push_str(&resolved);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert!(open.is_empty(), "unclosed elements");
        elements
    }

    fn named<'a>(elements: &'a [Element], name: &str) -> Vec<&'a Element> {
        elements.iter().filter(|e| e.name == name).collect()
    }

    #[test]
    fn junit_counts_match_the_model() {
        let elements = parse(&to_junit_xml(&sample_report()));
        let root = named(&elements, "testsuites")[0];
        assert_eq!(root.attrs["tests"], "4");
        assert_eq!(root.attrs["failures"], "1");
        assert_eq!(root.attrs["skipped"], "2");
        assert_eq!(root.attrs["time"], "3.210");
        let suites = named(&elements, "testsuite");
        assert_eq!(suites.len(), 2);
        assert_eq!(suites[0].attrs["tests"], "2");
        assert_eq!(suites[0].attrs["failures"], "1");
        assert_eq!(suites[1].attrs["skipped"], "2");
        assert_eq!(named(&elements, "testcase").len(), 4);
        assert_eq!(named(&elements, "failure").len(), 1);
        assert_eq!(named(&elements, "skipped").len(), 2);
    }

    #[test]
    fn testcases_name_feature_path_and_scenario() {
        let elements = parse(&to_junit_xml(&sample_report()));
        let case = named(&elements, "testcase")[1];
        assert_eq!(case.attrs["classname"], "features/acme/customers.feature");
        assert_eq!(case.attrs["name"], "Birth date is a real date");
        assert_eq!(case.attrs["time"], "0.055");
        assert_eq!(case.attrs["line"], "20");
    }

    #[test]
    fn skipped_and_waived_messages_say_why() {
        let elements = parse(&to_junit_xml(&sample_report()));
        let skipped = named(&elements, "skipped");
        assert_eq!(
            skipped[0].attrs["message"],
            "no persona with more than one page of identifications"
        );
        assert_eq!(
            skipped[1].attrs["message"],
            "waived: provider ticket OFB-123: alphanumeric CNPJ rollout"
        );
    }

    #[test]
    fn failure_body_has_step_expected_actual_findings_and_evidence() {
        let elements = parse(&to_junit_xml(&sample_report()));
        let failure = named(&elements, "failure")[0];
        assert_eq!(failure.attrs["type"], "schema:format");
        assert!(failure.attrs["message"].contains("ResponsePersonalCustomersIdentification"));
        let body = &failure.text;
        assert!(body.contains("Step: Then the response matches the Customers v2 schema"));
        assert!(body.contains("Expected: birthDate: a real date (YYYY-MM-DD)"));
        // The BEL control character cannot appear in XML 1.0 and is dropped.
        assert!(body.contains("Actual: \"1990-02-30\"\n"));
        assert!(body.contains("/data/0/birthDate [schema:format]"));
        assert!(body.contains("HTTP 200"));
        assert!(body.contains(&format!("\"civilName\": \"{CIVIL_NAME}\"")));
    }

    #[test]
    fn special_characters_and_accents_round_trip() {
        let mut report = sample_report();
        let scenario = &mut report.features[0].scenarios[1];
        scenario.name = format!("Cenário {TRICKY}");
        scenario.steps[2].failure.as_mut().unwrap().message = format!("{TRICKY}\nline two\r\n");
        let elements = parse(&to_junit_xml(&report));
        let case = named(&elements, "testcase")[1];
        assert_eq!(case.attrs["name"], format!("Cenário {TRICKY}"));
        let failure = named(&elements, "failure")[0];
        assert_eq!(failure.attrs["message"], format!("{TRICKY}\nline two\r\n"));
        assert!(failure.text.contains(TRICKY));
    }

    #[test]
    fn forbidden_control_characters_are_stripped() {
        assert_eq!(escape("a\u{0}b\u{1b}c\u{ffff}d\te", false), "abcd\te");
        assert_eq!(escape("a\tb\nc", true), "a&#9;b&#10;c");
        let mut report = sample_report();
        report.features[0].name = "nul\u{0}led".into();
        let xml = to_junit_xml(&report);
        assert!(!xml.contains('\u{0}') && !xml.contains('\u{7}'));
        let elements = parse(&xml);
        assert_eq!(named(&elements, "testsuite")[0].attrs["name"], "nulled");
    }

    #[test]
    fn empty_run_is_still_valid_junit() {
        let mut report = sample_report();
        report.features.clear();
        let elements = parse(&to_junit_xml(&report));
        assert_eq!(named(&elements, "testsuites")[0].attrs["tests"], "0");
    }
}
