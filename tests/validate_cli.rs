//! `finsandbox validate` as a user runs it: the real binary, a body on stdin, findings in JSON.
//! Every defect of a set of broken bodies is found, valid bodies have none, and v1's closed objects
//! make an extra field a finding that v2 does not report.

use std::io::Write;
use std::process::{Command, Stdio};

use finsandbox::sandbox::families::open_finance::customers::sample_body;
use finsandbox::sandbox::{App, SandboxConfig};
use serde_json::{Value, json};

fn run(spec: &str, operation: &str, body: &Value) -> (i32, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_finsandbox"))
        .args([
            "validate",
            "--spec",
            spec,
            "--operation",
            operation,
            "--format",
            "json",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(body.to_string().as_bytes())
        .expect("write body");
    let out = child.wait_with_output().expect("binary ends");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "not JSON: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), report)
}

fn valid_body(base_path: &str, op: &str) -> Value {
    let app = App::new(SandboxConfig {
        public_url: Some("https://api.banco.example".into()),
        ..SandboxConfig::default()
    })
    .unwrap();
    let spec = app.specs.by_base_path(base_path).unwrap().clone();
    let operation = spec.operation(op).unwrap().clone();
    sample_body(&app, &spec, &operation, "52998224725").unwrap()
}

fn findings(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["pointer"].as_str().unwrap().to_string(),
                f["keyword"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn valid_bodies_have_no_findings() {
    for (spec, base) in [
        ("customers-v2", "/open-banking/customers/v2"),
        ("customers-v1", "/open-banking/customers/v1"),
    ] {
        for op in [
            "customersGetPersonalIdentifications",
            "customersGetPersonalQualifications",
            "customersGetPersonalFinancialRelations",
        ] {
            let (code, report) = run(spec, op, &valid_body(base, op));
            assert_eq!(code, 0, "{spec} {op}: {report}");
            assert_eq!(report["valid"], true);
        }
    }
}

#[test]
fn every_defect_of_the_broken_bodies_is_found() {
    let op = "customersGetPersonalIdentifications";
    let good = valid_body("/open-banking/customers/v2", op);
    type Break = fn(&mut Value);
    let cases: Vec<(&str, Break, &str, &str)> = vec![
        (
            "missing required field",
            |b| {
                b["data"][0].as_object_mut().unwrap().remove("civilName");
            },
            "/data/0",
            "required",
        ),
        (
            "wrong enum",
            |b| b["data"][0]["sex"] = json!("F"),
            "/data/0/sex",
            "enum",
        ),
        (
            "pattern",
            |b| b["data"][0]["documents"]["cpfNumber"] = json!("529.982.247-25"),
            "/data/0/documents/cpfNumber",
            "pattern",
        ),
        (
            "maxLength",
            |b| b["data"][0]["civilName"] = json!("N".repeat(71)),
            "/data/0/civilName",
            "maxLength",
        ),
        (
            "bad CPF check digit",
            |b| b["data"][0]["documents"]["cpfNumber"] = json!("52998224726"),
            "/data/0/documents/cpfNumber",
            "rule:cpf-check-digits",
        ),
        (
            "impossible date",
            |b| b["data"][0]["birthDate"] = json!("2021-02-31"),
            "/data/0/birthDate",
            "format",
        ),
        (
            "two main addresses",
            |b| {
                let first = b["data"][0]["contacts"]["postalAddresses"][0].clone();
                b["data"][0]["contacts"]["postalAddresses"] = json!([first.clone(), first]);
            },
            "/data/0/contacts/postalAddresses",
            "rule:one-is-main",
        ),
    ];
    for (what, break_it, pointer, keyword) in cases {
        let mut body = good.clone();
        break_it(&mut body);
        let (code, report) = run("customers-v2", op, &body);
        assert_eq!(code, 1, "{what}: {report}");
        let found = findings(&report);
        assert!(
            found.iter().any(|(p, k)| p == pointer && k == keyword),
            "{what}: expected {keyword} at {pointer}, got {found:?}"
        );
    }
}

#[test]
fn an_extra_field_fails_v1_and_passes_v2() {
    let op = "customersGetPersonalQualifications";
    let mut v1 = valid_body("/open-banking/customers/v1", op);
    v1["data"]["nickname"] = json!("Bia");
    let (code, report) = run("customers-v1", op, &v1);
    assert_eq!(code, 1, "{report}");
    assert!(
        findings(&report)
            .iter()
            .any(|(p, k)| p == "/data" && k == "additionalProperties")
    );

    let mut v2 = valid_body("/open-banking/customers/v2", op);
    v2["data"]["nickname"] = json!("Bia");
    let (code, report) = run("customers-v2", op, &v2);
    assert_eq!(code, 0, "{report}");
}

#[test]
fn usage_errors_are_explained() {
    let out = Command::new(env!("CARGO_BIN_EXE_finsandbox"))
        .args([
            "validate",
            "--spec",
            "customers-v2",
            "--operation",
            "noSuchOperation",
            "/dev/null",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("noSuchOperation") && err.contains("customersGetPersonalIdentifications"),
        "{err}"
    );
}

/// Runs the binary with `args` and `input` on stdin: (exit code, stdout).
fn run_raw(args: &[&str], input: &[u8]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_finsandbox"))
        .arg("validate")
        .args(args)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write body");
    let out = child.wait_with_output().expect("binary ends");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn findings_name_the_check_that_raised_them() {
    let op = "customersGetPersonalIdentifications";
    let mut body = valid_body("/open-banking/customers/v2", op);
    body["data"][0]["documents"]["cpfNumber"] = json!("52998224726");
    body["data"][0]["sex"] = json!("F");
    let (code, report) = run("customers-v2", op, &body);
    assert_eq!(code, 1, "{report}");
    let checks: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["check"].as_str().unwrap(), f["keyword"].as_str().unwrap()))
        .collect();
    assert!(checks.contains(&("schema", "enum")), "{checks:?}");
    assert!(
        checks.contains(&("cpf-check-digits", "rule:cpf-check-digits")),
        "{checks:?}"
    );

    let (code, text) = run_raw(
        &["--spec", "customers-v2", "--operation", op],
        body.to_string().as_bytes(),
    );
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("/data/0/sex  [schema:enum]"), "{text}");
    assert!(
        text.contains("/data/0/documents/cpfNumber  [rule:cpf-check-digits]"),
        "{text}"
    );
}

/// A one-page PDF whose cross-reference offsets are right.
fn small_pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >>",
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend(b"xref\n0 4\n0000000000 65535 f \n");
    for o in offsets {
        pdf.extend(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend(
        format!("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    pdf
}

#[test]
fn a_declared_pdf_is_judged_as_a_pdf() {
    let doc = r#"
openapi: 3.0.0
info: {title: reports, version: 1.0.0}
paths:
  /reports/{id}:
    get:
      operationId: getReport
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: the report
          content:
            application/pdf:
              schema: {type: string, format: binary}
"#;
    let path = std::env::temp_dir().join(format!("finsandbox-pdf-{}.yaml", std::process::id()));
    std::fs::write(&path, doc).unwrap();
    let spec = path.to_str().unwrap();
    let args = [
        "--spec",
        spec,
        "--operation",
        "getReport",
        "--format",
        "json",
    ];
    let (good, good_out) = run_raw(&args, &small_pdf());
    let (bad, bad_out) = run_raw(&args, b"\"JVBERi0xLjQK\"");
    let _ = std::fs::remove_file(&path);
    assert_eq!(good, 0, "{good_out}");
    assert_eq!(bad, 1, "{bad_out}");
    let report: Value = serde_json::from_str(&bad_out).unwrap();
    assert_eq!(report["findings"][0]["check"], "media");
    assert_eq!(report["findings"][0]["keyword"], "signature");
}

#[test]
fn specs_export_writes_every_embedded_document_as_a_loadable_file() {
    let dir = std::env::temp_dir().join(format!("finsandbox-export-{}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_finsandbox"))
        .args(["specs", "--export"])
        .arg(&dir)
        .output()
        .expect("binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let embedded = finsandbox::spec::SpecSet::all_embedded().expect("embedded specs");
    let written: Vec<&str> = std::str::from_utf8(&out.stdout)
        .expect("paths")
        .lines()
        .collect();
    assert_eq!(written.len(), embedded.len(), "{written:?}");
    for path in &written {
        let spec = finsandbox::spec::ApiSpec::from_file(std::path::Path::new(path))
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(
            embedded
                .iter()
                .any(|e| e.base_path == spec.base_path && e.version == spec.version),
            "{path} is not one of the embedded documents"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Each subcommand's help describes the subcommand, whatever options the families add to it.
#[test]
fn subcommands_keep_their_own_descriptions() {
    let out = Command::new(env!("CARGO_BIN_EXE_finsandbox"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    let line = |name: &str| {
        help.lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("serve").contains("Start the sandbox"), "{help}");
    assert!(line("check").contains("Check an implementation"), "{help}");
    for sub in ["serve", "check"] {
        let out = Command::new(env!("CARGO_BIN_EXE_finsandbox"))
            .args([sub, "--help"])
            .output()
            .unwrap();
        let first = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        let expected = if sub == "serve" {
            "Start the sandbox"
        } else {
            "Check an implementation"
        };
        assert!(first.starts_with(expected), "{sub} --help begins {first:?}");
    }
}
