//! Documents of no known family served as a validating mock: every operation answers its declared
//! success status with content valid against the document, fields filled by meaning. The official
//! Zarv ID document (from the shared reference folder beside the repository) and our own documents
//! under tests/openapi/ that exercise every schema construct.

mod common;
mod support;

use std::path::{Path, PathBuf};

use finsandbox::datagen::br;
use finsandbox::spec::ApiSpec;
use serde_json::Value;
use support::openapi_client::call_all;

fn zarv_document() -> Option<PathBuf> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/vendors/zarv-api.json");
    path.is_file().then_some(path)
}

async fn serve(doc: &Path) -> common::Env {
    let mut config = common::config();
    config.specs.files.push(doc.to_path_buf());
    common::start_with(config).await
}

/// Every string under a key naming a national id, anywhere in a JSON value.
fn national_ids(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                if k.eq_ignore_ascii_case("nationalId")
                    && let Some(s) = v.as_str()
                {
                    out.push(s.to_string());
                }
                national_ids(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| national_ids(i, out)),
        _ => {}
    }
}

#[tokio::test]
async fn zarv_document_answers_every_operation_validly() {
    let Some(doc) = zarv_document() else {
        println!("skipped: the Zarv ID document is not in ../shared/reference/vendors/");
        return;
    };
    let mut spec = ApiSpec::from_file(&doc).expect("the official document loads");
    spec.resolve_family(&finsandbox::sandbox::families::Registry)
        .expect("no family named");
    assert_eq!(spec.family, "generic");
    let env = serve(&doc).await;
    let outcomes = call_all(&env.http, &env.base, &spec).await;
    assert_eq!(outcomes.len(), 10);
    let mut ids = Vec::new();
    for o in &outcomes {
        assert!(
            o.problems.is_empty(),
            "{} ({}): {:?}",
            o.operation,
            o.status,
            o.problems
        );
        if o.content_type.contains("json") {
            let v: Value = serde_json::from_slice(&o.body).expect("JSON");
            national_ids(&v, &mut ids);
        }
    }
    assert!(ids.len() >= 5, "{ids:?}");
    for id in &ids {
        let ok =
            (id.len() == 11 && br::is_valid_cpf(id)) || (id.len() == 14 && br::is_valid_cnpj(id));
        assert!(ok, "nationalId {id} is not a valid CPF or CNPJ");
    }
    let statuses: Vec<(String, u16)> = outcomes
        .iter()
        .map(|o| (o.operation.clone(), o.status))
        .collect();
    assert!(
        statuses.contains(&("POST /api/v2/verifications".into(), 201)),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("POST /api/v2/verifications/batch".into(), 202)),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("DELETE /api/v2/blacklist/{nationalId}".into(), 204)),
        "{statuses:?}"
    );

    let pdf = outcomes
        .iter()
        .find(|o| o.operation == "GET /api/v2/verifications/{id}/pdf")
        .expect("the PDF operation");
    assert_eq!(pdf.content_type, "application/pdf");
    let view = support::pdf_check::parse(&pdf.body).expect("a well-formed PDF");
    assert!(view.pages >= 1);
    assert!(
        view.text.iter().any(|t| t == "National id"),
        "{:?}",
        view.text
    );
    env.stop().await;
}

#[tokio::test]
async fn pdf_of_a_resource_shows_the_resource() {
    let Some(doc) = zarv_document() else {
        println!("skipped: the Zarv ID document is not in ../shared/reference/vendors/");
        return;
    };
    let env = serve(&doc).await;
    let id = "805181ca-2956-49e1-81bb-93d1792d269d";
    // The document declares bearer security: any well-formed JWT passes, none gets 401.
    let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhLWNsaWVudCJ9.c2lnbmF0dXJl";
    let json: Value = env
        .http
        .get(env.url(&format!("/api/v2/verifications/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    let pdf = env
        .http
        .get(env.url(&format!("/api/v2/verifications/{id}/pdf")))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET pdf")
        .bytes()
        .await
        .expect("bytes");
    let view = support::pdf_check::parse(&pdf).expect("PDF");
    let name = json["name"].as_str().expect("name");
    assert!(
        view.text.iter().any(|t| t == name),
        "{name} not in {:?}",
        view.text
    );
    // A client that accepts only JSON cannot have the PDF.
    let refused = env
        .http
        .get(env.url(&format!("/api/v2/verifications/{id}/pdf")))
        .bearer_auth(token)
        .header("accept", "application/json")
        .send()
        .await
        .expect("GET");
    assert_eq!(refused.status().as_u16(), 406);
    // No token: the declared bearer security refuses the call.
    let anonymous = env
        .http
        .get(env.url(&format!("/api/v2/verifications/{id}")))
        .send()
        .await
        .expect("GET");
    assert_eq!(anonymous.status().as_u16(), 401);
    env.stop().await;
}

#[tokio::test]
async fn own_documents_exercising_every_construct_are_served_validly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/openapi");
    let mut docs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/openapi")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    docs.sort();
    assert!(docs.len() >= 3, "{docs:?}");
    for doc in docs {
        let spec = ApiSpec::from_file(&doc).unwrap_or_else(|e| panic!("{}: {e}", doc.display()));
        let env = serve(&doc).await;
        for o in call_all(&env.http, &env.base, &spec).await {
            assert!(
                o.problems.is_empty(),
                "{}: {} ({}): {:?}\n{}",
                doc.display(),
                o.operation,
                o.status,
                o.problems,
                String::from_utf8_lossy(&o.body)
            );
        }
        env.stop().await;
    }
}

#[test]
fn official_open_finance_documents_are_servable() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/open-finance");
    if !dir.is_dir() {
        println!("skipped: no ../shared/reference/open-finance beside the repository");
        return;
    }
    let fixtures = finsandbox::datagen::persona::PersonaFixtures::default();
    let persona = finsandbox::datagen::PersonaBook::new(42, fixtures).get("52998224725");
    let mut checked = 0;
    for sub in ["customers", "consents"] {
        for entry in std::fs::read_dir(dir.join(sub)).expect("folder") {
            let path = entry.expect("entry").path();
            let spec =
                ApiSpec::from_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let problems = finsandbox::datagen::servable::check(&spec, &persona, 42);
            assert!(problems.is_empty(), "{}: {problems:?}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 5, "{checked}");
}

#[tokio::test]
async fn a_document_nothing_can_answer_is_refused_at_load_with_the_pointer() {
    let dir = std::env::temp_dir().join(format!("finsandbox-refuse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let doc = dir.join("broken.yaml");
    std::fs::write(
        &doc,
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\nservers: [{url: /broken}]\npaths:\n  /x:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {type: integer, minimum: 10, maximum: 5}\n",
    )
    .expect("write");
    let mut config = common::config();
    config.specs.files.push(doc.clone());
    let err = finsandbox::sandbox::start(config)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(
        err.contains("#/paths/~1x/get/responses/200/content/application~1json/schema"),
        "{err}"
    );

    std::fs::write(
        &doc,
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\nservers: [{url: /broken}]\npaths:\n  /x:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Nowhere'}\n",
    )
    .expect("write");
    let mut config = common::config();
    config.specs.files.push(doc.clone());
    let err = finsandbox::sandbox::start(config)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("#/components/schemas/Nowhere"), "{err}");
    assert!(
        err.contains("at #/paths/~1x/get/responses/200/content/application~1json/schema"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The corpus check: every OpenAPI document under `$FINSANDBOX_CORPUS` is loaded, served as a
/// generic document, every operation called with a generated valid request and every answer
/// judged against the document. Third-party documents are not committed: point the variable at a
/// folder of them (`scripts/corpus-check.sh DIR` does).
#[tokio::test]
async fn corpus_of_public_documents() {
    let Ok(dir) = std::env::var("FINSANDBOX_CORPUS") else {
        println!("skipped: set FINSANDBOX_CORPUS to a folder of OpenAPI 3.0 documents to run it");
        return;
    };
    let mut docs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
        })
        .collect();
    docs.sort();
    let (mut loaded, mut refused, mut ops, mut valid) = (0, 0, 0, 0);
    let mut lines = Vec::new();
    for doc in &docs {
        let name = doc
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let spec = match ApiSpec::from_file(doc) {
            Ok(s) => s,
            Err(e) => {
                refused += 1;
                lines.push(format!("REFUSED {name}: {}", first_line(&e.to_string())));
                continue;
            }
        };
        let mut config = common::config();
        config.specs.files.push(doc.clone());
        let sandbox = match finsandbox::sandbox::start(config).await {
            Ok(s) => s,
            Err(e) => {
                refused += 1;
                lines.push(format!("REFUSED {name}: {}", first_line(&e.to_string())));
                continue;
            }
        };
        loaded += 1;
        let http = common::http_client();
        let outcomes = call_all(&http, &sandbox.base_url(), &spec).await;
        let good = outcomes.iter().filter(|o| o.problems.is_empty()).count();
        ops += outcomes.len();
        valid += good;
        lines.push(format!(
            "served  {name} ({}): {good}/{} operations answered validly",
            spec.family,
            outcomes.len()
        ));
        for o in outcomes.iter().filter(|o| !o.problems.is_empty()).take(5) {
            lines.push(format!(
                "        {} -> {}: {}",
                o.operation,
                o.status,
                first_line(&o.problems.join("; "))
            ));
        }
        sandbox.stop().await;
    }
    for l in &lines {
        println!("{l}");
    }
    println!(
        "corpus: {} documents, {loaded} loaded, {refused} refused; {valid}/{ops} operations answered validly",
        docs.len()
    );
    assert!(!docs.is_empty(), "no documents in {dir}");
}

fn first_line(s: &str) -> String {
    let line = s.lines().take(2).collect::<Vec<_>>().join(" | ");
    line.chars().take(300).collect()
}
