//! The family contract: shared code names no family (only the registry does), and a family is its
//! folder plus its registry entry — shown by a complete example family added from this test crate.

// Handlers answer their refusal as the error of a `Reply`, as in the library (see src/lib.rs).
#![allow(clippy::result_large_err)]

mod common;
mod example_family;

use std::path::{Path, PathBuf};
use std::time::Duration;

use finsandbox::harness::limits::Limits;
use finsandbox::harness::receiver::Receiver;
use finsandbox::sandbox::families::{PLUGINS, Plugins};
use finsandbox::sandbox::{SandboxConfig, start};
use finsandbox::spec::SpecSelection;
use serde_json::{Value, json};

// ------------------------------------------------------------------ shared code names no family

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a Rust file with its comments removed, and its string literals apart: `(code,
/// strings)`. Comments may mention a provider as prose; code and the strings it sends may not.
fn code_and_strings(text: &str) -> (String, String) {
    let mut code = String::new();
    let mut strings = String::new();
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == '/' && bytes.get(i + 1) == Some(&'/') {
            while i < bytes.len() && bytes[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == 'r' && bytes.get(i + 1) == Some(&'#') && bytes.get(i + 2) == Some(&'"') {
            // r#"..."#
            i += 3;
            while i < bytes.len() && !(bytes[i] == '"' && bytes.get(i + 1) == Some(&'#')) {
                strings.push(bytes[i]);
                i += 1;
            }
            i += 2;
            strings.push('\n');
            continue;
        }
        if c == '"' {
            i += 1;
            while i < bytes.len() && bytes[i] != '"' {
                if bytes[i] == '\\' {
                    i += 1;
                }
                if let Some(&ch) = bytes.get(i) {
                    strings.push(ch);
                }
                i += 1;
            }
            i += 1;
            strings.push('\n');
            continue;
        }
        if c == '\'' && bytes.get(i + 2) == Some(&'\'') {
            // A char literal such as '"' must not open a string.
            i += 3;
            continue;
        }
        code.push(c);
        i += 1;
    }
    (code, strings)
}

/// The ways code names a family: its module (`open_finance`), its registry name
/// (`open-finance`), its types (`OpenFinance...`).
fn forms(name: &str) -> Vec<String> {
    let snake = name.replace('-', "_");
    let camel: String = name
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    let mut out = vec![snake, name.to_string(), camel];
    out.dedup();
    out
}

fn names_family(text: &str, name: &str) -> bool {
    let (code, strings) = code_and_strings(text);
    let word = |hay: &str, needle: &str, lower_only: bool| {
        hay.match_indices(needle).any(|(at, _)| {
            let before = hay[..at].chars().last();
            let boundary = before.is_none_or(|b| !(b.is_alphanumeric() || b == '_'));
            boundary && (!lower_only || needle.chars().all(|c| !c.is_uppercase()))
        })
    };
    let f = forms(name);
    // In code every form counts; in strings, the lower-case forms (a path, a registry name),
    // not a proper noun in prose or data (a bank called the same as a provider).
    f.iter().any(|n| word(&code, n, false)) || f.iter().any(|n| word(&strings, n, true))
}

#[test]
fn only_the_registry_names_a_family_outside_its_own_folders() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let registry = root.join("src/sandbox/families/mod.rs");
    let mut offenders = Vec::new();
    let mut registry_names_all = true;
    for plugin in PLUGINS {
        let name = plugin.name();
        let module = name.replace('-', "_");
        let own = [
            root.join("src/sandbox/families").join(&module),
            root.join("src/harness/steps").join(&module),
        ];
        for file in &files {
            if own.iter().any(|dir| file.starts_with(dir)) {
                continue;
            }
            let text = std::fs::read_to_string(file).expect("readable");
            let named = names_family(&text, name);
            if file == &registry {
                registry_names_all &= named;
            } else if named {
                offenders.push(format!(
                    "{} names {name}",
                    file.strip_prefix(root).unwrap_or(file).display()
                ));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "shared code names a family:\n  {}",
        offenders.join("\n  ")
    );
    assert!(registry_names_all, "the registry lists every family");
}

/// A family folder whose plugin is not in the registry would compile to nothing and be served by
/// nobody; a registered plugin without its folder would have nowhere to keep its code.
#[test]
fn every_family_folder_is_registered_and_every_plugin_has_its_folder() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sandbox/families");
    let mut folders: Vec<String> = std::fs::read_dir(&root)
        .expect("families folder")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let mut modules: Vec<String> = PLUGINS.iter().map(|p| p.name().replace('-', "_")).collect();
    modules.sort();
    assert_eq!(
        folders, modules,
        "folders under src/sandbox/families vs PLUGINS"
    );
}

#[test]
fn the_scan_finds_a_family_named_in_code_or_a_path_but_not_in_prose() {
    assert!(names_family("let x = acme_bank::Thing;", "acme-bank"));
    assert!(names_family("let p = \"/acme-bank/orders\";", "acme-bank"));
    assert!(names_family("struct AcmeBankState;", "acme-bank"));
    assert!(!names_family(
        "// talks like Acme-bank's API\nlet x = 1;",
        "acme-bank"
    ));
    assert!(!names_family("let bank = \"AcmeBank S.A.\";", "acme-bank"));
    assert!(!names_family("let x = my_acme_bank_thing;", "acme-bank"));
}

// ------------------------------------------------------------- an example family, end to end

struct Env {
    sandbox: finsandbox::sandbox::RunningSandbox,
    http: reqwest::Client,
    base: String,
}

async fn start_widgets() -> Env {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/example_family/widgets.yaml");
    let config = SandboxConfig {
        addr: "127.0.0.1:0".parse().expect("addr"),
        self_check: true,
        specs: SpecSelection {
            files: vec![spec],
            ..SpecSelection::default()
        },
        // The one registry line of a family, written where this test crate can.
        plugins: Plugins::registry().with(&example_family::PLUGIN),
        ..SandboxConfig::default()
    };
    let sandbox = start(config)
        .await
        .expect("sandbox with the example family starts");
    Env {
        base: sandbox.base_url(),
        sandbox,
        http: common::http_client(),
    }
}

impl Env {
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut r = self.http.request(
            reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
            format!("{}{path}", self.base),
        );
        if let Some(b) = body {
            r = r.json(&b);
        }
        let res = r.send().await.expect("request");
        let status = res.status().as_u16();
        let body = res.json().await.unwrap_or(Value::Null);
        (status, body)
    }
}

#[tokio::test]
async fn an_example_family_serves_its_operations_rule_control_route_and_callback() {
    let env = start_widgets().await;
    let receiver = Receiver::start(Limits::default()).await.expect("receiver");

    let (status, order) = env
        .call(
            "POST",
            "/widgets/orders",
            Some(json!({"item": "gear", "quantity": 3, "callbackUrl": receiver.url})),
        )
        .await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["status"], "PENDING");
    let id = order["id"].as_str().expect("id").to_string();

    let (status, read) = env
        .call("GET", &format!("/widgets/orders/{id}"), None)
        .await;
    assert_eq!((status, read["item"].clone()), (200, json!("gear")));

    // The state rule: it ships once; a second shipment is a conflict in the family's shape.
    let (status, shipped) = env
        .call("POST", &format!("/widgets/orders/{id}/ship"), None)
        .await;
    assert_eq!((status, shipped["status"].clone()), (200, json!("SHIPPED")));
    let (status, again) = env
        .call("POST", &format!("/widgets/orders/{id}/ship"), None)
        .await;
    assert_eq!(status, 409);
    assert_eq!(again["error"]["code"], "ALREADY_SHIPPED");

    // The control route, listed in the control index.
    let (status, listed) = env.call("GET", "/sandbox/widgets/orders", None).await;
    assert_eq!(status, 200);
    assert_eq!(listed["orders"][0]["status"], "SHIPPED");
    let (_, index) = env.call("GET", "/sandbox", None).await;
    assert!(
        index["families"]["widgets"].as_array().is_some_and(|r| r
            .iter()
            .any(|l| l.as_str().is_some_and(|l| l.contains("orders")))),
        "{index}"
    );

    // The callback: delivered once by the shared service, logged under the family.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while receiver.accepted().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let got = receiver.accepted();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].json(), json!({"orderId": id, "status": "SHIPPED"}));
    assert_eq!(got[0].header("x-widgets-event"), Some("shipped"));
    let (_, log) = env
        .call(
            "GET",
            &format!("/sandbox/widgets/deliveries?orderId={id}"),
            None,
        )
        .await;
    assert_eq!(log["deliveries"][0]["state"], "Success", "{log}");
    env.sandbox.stop().await;
}

#[tokio::test]
async fn the_pipeline_refuses_bad_input_in_the_example_familys_own_shape() {
    let env = start_widgets().await;
    // Schema (the pipeline's body stage), path parameter, unknown resource, wrong method.
    let cases = [
        (
            "POST",
            "/widgets/orders".to_string(),
            Some(json!({"item": "", "quantity": 0})),
            400,
            "INVALID_BODY",
        ),
        (
            "GET",
            "/widgets/orders/not-a-uuid".to_string(),
            None,
            400,
            "INVALID_PARAMETER",
        ),
        (
            "GET",
            format!("/widgets/orders/{}", uuid::Uuid::nil()),
            None,
            404,
            "NOT_FOUND",
        ),
    ];
    for (method, path, body, status, code) in cases {
        let (got, answer) = env.call(method, &path, body).await;
        assert_eq!(got, status, "{method} {path}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{method} {path}: {answer}");
    }
    let (got, answer) = env.call("DELETE", "/widgets/orders", None).await;
    assert_eq!(got, 405, "{answer}");
    assert!(answer["error"]["message"].is_string(), "{answer}");
    env.sandbox.stop().await;
}

#[tokio::test]
async fn an_unknown_family_in_a_document_is_a_load_error_that_names_it() {
    let dir = std::env::temp_dir().join(format!("finsandbox-families-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/example_family/widgets.yaml"),
    )
    .expect("spec");
    let path = dir.join("typo.yaml");
    std::fs::write(&path, text.replace("family: widgets", "family: widgest")).expect("write");
    let config = SandboxConfig {
        addr: "127.0.0.1:0".parse().expect("addr"),
        specs: SpecSelection {
            files: vec![path.clone()],
            ..SpecSelection::default()
        },
        plugins: Plugins::registry().with(&example_family::PLUGIN),
        ..SandboxConfig::default()
    };
    let err = start(config).await.err().expect("refused").to_string();
    assert!(err.contains("widgest") && err.contains("widgets"), "{err}");

    // A family document with an operation its family has no handler for is refused too.
    let extra = text.replace(
        "  /orders/{orderId}:\n",
        "  /orders/count:\n    get:\n      operationId: countOrders\n      responses:\n        \"200\": {description: ok}\n  /orders/{orderId}:\n",
    );
    std::fs::write(&path, extra).expect("write");
    let config = SandboxConfig {
        addr: "127.0.0.1:0".parse().expect("addr"),
        specs: SpecSelection {
            files: vec![path],
            ..SpecSelection::default()
        },
        plugins: Plugins::registry().with(&example_family::PLUGIN),
        ..SandboxConfig::default()
    };
    let err = start(config).await.err().expect("refused").to_string();
    assert!(err.contains("countOrders"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
