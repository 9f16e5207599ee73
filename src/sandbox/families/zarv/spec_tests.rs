//! The family's spec judged by the project's own loader and validator: it loads, says what it must
//! (family, base path, security, one error body), its examples satisfy its schemas, and every body the
//! result module can produce satisfies the operations that answer it.

use serde_json::{Value, json};

use super::VerificationStatus;
use super::VerificationType;
use super::fixtures::{EMBEDDED, ZarvFixtures};
use super::result::tests::{ALL_OPTIONS, SEED, documents, ended, input, started};
use super::result::{Head, Outcome, compute, verification_body};
use crate::datagen::Persona;
use crate::spec::{ApiSpec, SchemaValidator, load};

const SOURCE: &str = "embedded:specs/zarv/zarv-id.yaml";
const TEXT: &str = include_str!("../../../../specs/zarv/zarv-id.yaml");

fn spec() -> ApiSpec {
    ApiSpec::from_text(SOURCE, TEXT).expect("the Zarv spec loads")
}

fn raw() -> Value {
    load::parse_document(SOURCE, TEXT).expect("parses")
}

fn dereferenced() -> Value {
    load::dereference(SOURCE, &raw()).expect("every $ref resolves")
}

const OPERATIONS: [(&str, &str, &str); 11] = [
    ("zarvLogin", "POST", "/zarv/api/v1/authentication"),
    (
        "zarvRefreshToken",
        "POST",
        "/zarv/api/v1/authentication/refresh",
    ),
    ("listVerifications", "GET", "/zarv/api/v2/verifications"),
    ("createVerification", "POST", "/zarv/api/v2/verifications"),
    (
        "createVerificationBatch",
        "POST",
        "/zarv/api/v2/verifications/batch",
    ),
    ("getVerification", "GET", "/zarv/api/v2/verifications/{id}"),
    (
        "getVerificationPdf",
        "GET",
        "/zarv/api/v2/verifications/{id}/pdf",
    ),
    (
        "createVerificationFeedback",
        "POST",
        "/zarv/api/v2/verifications/{id}/feedbacks",
    ),
    ("listBlacklist", "GET", "/zarv/api/v2/blacklist"),
    ("addToBlacklist", "POST", "/zarv/api/v2/blacklist"),
    (
        "removeFromBlacklist",
        "DELETE",
        "/zarv/api/v2/blacklist/{nationalId}",
    ),
];

#[test]
fn the_spec_loads_as_the_zarv_family_under_zarv() {
    let s = spec();
    assert_eq!(
        (
            s.family.as_str(),
            s.api.as_str(),
            s.version.as_str(),
            s.base_path.as_str()
        ),
        ("zarv", "zarv-id", "2.0.1", "/zarv")
    );
    assert_eq!(s.short_name().as_deref(), Some("zarv/zarv-id"));
    let ids: Vec<(&str, &str, &str)> = s
        .operations
        .iter()
        .map(|o| (o.id.as_str(), o.method.as_str(), o.full_path.as_str()))
        .collect();
    let mut want = OPERATIONS.to_vec();
    let mut got = ids.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want);
}

#[test]
fn the_spec_is_embedded_with_the_others() {
    let all = crate::spec::SpecSet::all_embedded().expect("every embedded spec loads");
    assert!(
        all.iter()
            .any(|s| s.family == "zarv" && s.base_path == "/zarv")
    );
}

#[test]
fn every_operation_but_login_and_refresh_needs_the_bearer_token() {
    let doc = raw();
    assert_eq!(doc["security"], json!([{"zarvJwt": []}]));
    let scheme = &doc["components"]["securitySchemes"]["zarvJwt"];
    assert_eq!(
        (&scheme["type"], &scheme["scheme"], &scheme["bearerFormat"]),
        (&json!("http"), &json!("bearer"), &json!("JWT"))
    );
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let open = op.get("security") == Some(&json!([]));
            let login = path.starts_with("/api/v1/authentication");
            assert_eq!(open, login, "{method} {path}");
            // Whatever needs a token can answer 401.
            assert!(op["responses"].get("401").is_some(), "{method} {path}");
        }
    }
}

#[test]
fn every_error_answer_has_the_one_error_body() {
    let doc = dereferenced();
    let error = &doc["components"]["schemas"]["Error"];
    let mut seen = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            for (status, response) in op["responses"].as_object().expect("responses") {
                if !(status.starts_with('4') || status.starts_with('5')) {
                    continue;
                }
                // The loader marks each dereferenced schema with the name it came from.
                let mut schema = response["content"]["application/json"]["schema"].clone();
                if let Some(o) = schema.as_object_mut() {
                    o.remove("x-ref-name");
                }
                assert_eq!(&schema, error, "{method} {path} {status}");
                seen += 1;
            }
        }
    }
    assert!(seen > 50, "{seen}");
}

#[test]
fn the_statuses_each_operation_answers_are_declared() {
    let s = spec();
    let statuses = |id: &str| -> Vec<String> {
        let mut v: Vec<String> = s
            .operation(id)
            .expect("operation")
            .responses
            .iter()
            .map(|r| r.status.clone())
            .collect();
        v.sort();
        v
    };
    let has = |id: &str, codes: &[&str]| {
        let got = statuses(id);
        for c in codes {
            assert!(got.iter().any(|g| g == c), "{id} lacks {c}: {got:?}");
        }
    };
    has("zarvLogin", &["200", "400", "401", "415"]);
    has("zarvRefreshToken", &["200", "400", "401"]);
    has("createVerification", &["201", "400", "401", "402"]);
    has("createVerificationBatch", &["202", "400", "401"]);
    has("getVerification", &["200", "400", "401", "404"]);
    has(
        "getVerificationPdf",
        &["200", "400", "401", "404", "409", "500"],
    );
    has("createVerificationFeedback", &["201", "400", "401", "404"]);
    has("listBlacklist", &["200", "400", "401", "403"]);
    has("addToBlacklist", &["201", "400", "401", "403", "409"]);
    has("removeFromBlacklist", &["204", "400", "401", "403", "404"]);
    // The batch charges item by item: running out of credit is an item's error, not a 402.
    assert!(!statuses("createVerificationBatch").contains(&"402".to_string()));
    let pdf = s.operation("getVerificationPdf").expect("pdf");
    assert_eq!(
        pdf.declared_response(200).map(|r| r.media_types.clone()),
        Some(vec!["application/pdf".to_string()])
    );
}

#[test]
fn the_deviations_from_the_official_file_are_marked() {
    let doc = raw();
    let s = &doc["components"]["schemas"];
    let noted = |v: &Value| {
        v.get("x-official-deviation")
            .and_then(Value::as_str)
            .is_some()
    };
    assert!(noted(&s["VerificationRequest"]), "required: [verification]");
    assert_eq!(
        s["VerificationRequest"]["required"],
        json!(["nationalId", "verifications"])
    );
    let rules = &s["VerificationResult"]["properties"]["rules"];
    assert!(noted(rules), "rules as arrays of arrays");
    assert_eq!(rules["items"]["type"], "array");
    assert!(noted(&s["NationalId"]), "the 12-character example");
    assert!(noted(&s["ProfileAddress"]["properties"]["postalCode"]));
    assert!(noted(&s["BatchItem"]));
}

/// Every `example` and `examples.*.value` of a media type, with the schema beside it, anywhere in
/// the document (request bodies, responses, callbacks).
fn media_examples(node: &Value, at: &str, out: &mut Vec<(String, Value, Value)>) {
    match node {
        Value::Object(map) => {
            if let Some(schema) = map.get("schema") {
                if let Some(ex) = map.get("example") {
                    out.push((at.to_string(), schema.clone(), ex.clone()));
                }
                if let Some(exs) = map.get("examples").and_then(Value::as_object) {
                    for (name, ex) in exs {
                        if let Some(v) = ex.get("value") {
                            out.push((format!("{at}/examples/{name}"), schema.clone(), v.clone()));
                        }
                    }
                }
            }
            for (k, v) in map {
                if k != "schema" && k != "example" && k != "examples" {
                    media_examples(v, &format!("{at}/{k}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                media_examples(v, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Every schema that carries its own `example`.
fn schema_examples(node: &Value, at: &str, out: &mut Vec<(String, Value, Value)>) {
    match node {
        Value::Object(map) => {
            let is_schema = map.contains_key("type") || map.contains_key("oneOf");
            if is_schema && let Some(ex) = map.get("example") {
                out.push((at.to_string(), node.clone(), ex.clone()));
            }
            for (k, v) in map {
                schema_examples(v, &format!("{at}/{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                schema_examples(v, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn judge(schema: &Value, value: &Value) -> Vec<String> {
    let v = SchemaValidator::compile(schema).expect("the schema compiles");
    v.findings(value)
        .into_iter()
        .map(|f| format!("{} {} {}", f.pointer, f.keyword, f.message))
        .collect()
}

#[test]
fn every_example_satisfies_its_own_schema() {
    let doc = dereferenced();
    let mut examples = Vec::new();
    media_examples(&doc["paths"], "#/paths", &mut examples);
    media_examples(
        &doc["components"]["responses"],
        "#/components/responses",
        &mut examples,
    );
    media_examples(
        &doc["components"]["callbacks"],
        "#/components/callbacks",
        &mut examples,
    );
    let media = examples.len();
    schema_examples(&doc["paths"], "#/paths", &mut examples);
    schema_examples(
        &doc["components"]["schemas"],
        "#/components/schemas",
        &mut examples,
    );
    schema_examples(
        &doc["components"]["parameters"],
        "#/components/parameters",
        &mut examples,
    );
    assert!(media >= 20, "{media} media examples");
    assert!(examples.len() > media + 20, "{} examples", examples.len());
    let mut failures = Vec::new();
    for (at, schema, example) in &examples {
        for f in judge(schema, example) {
            failures.push(format!("{at}: {f}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_example_check_catches_the_official_examples_faults() {
    let doc = dereferenced();
    let request = &doc["components"]["schemas"]["VerificationRequest"];
    // The official example: a 12-character national id under a `verifications` key.
    let official = json!({"nationalId": "012345678900",
                          "verifications": {"type": "full", "finance": {"restrictions": true}}});
    assert!(!judge(request, &official).is_empty());
    let fixed = json!({"nationalId": "91439362025",
                       "verifications": {"type": "full", "finance": {"restrictions": true}}});
    assert_eq!(judge(request, &fixed), Vec::<String>::new());
    // `required: [verification]` would have accepted a body without `verifications`.
    assert!(
        !judge(
            request,
            &json!({"nationalId": "91439362025", "verification": {}})
        )
        .is_empty()
    );
    let result = &doc["components"]["schemas"]["VerificationResult"];
    let flat = json!({"rules": ["PROFILE_SUSPECTED_PERSON_BLACKLIST"],
                      "execution": {"startedAt": "2026-03-02T12:00:01Z",
                                    "endedAt": "2026-03-02T12:00:05Z", "durationMs": 4000}});
    assert!(
        !judge(result, &flat).is_empty(),
        "rules are arrays of arrays"
    );
    let bad_cpf = json!({"nationalId": "91439362026",
                         "verifications": {"type": "light"}});
    assert!(
        judge(request, &bad_cpf)
            .iter()
            .any(|f| f.contains("cpf-check-digits"))
    );
}

fn validator<'s>(s: &'s ApiSpec, id: &str, status: u16) -> &'s SchemaValidator {
    s.operation(id)
        .and_then(|o| o.declared_response(status))
        .and_then(|r| r.validator.as_ref())
        .expect("a body schema")
}

fn head<'a>(
    doc: &'a str,
    status: VerificationStatus,
    kind: VerificationType,
    options: super::result::Options,
) -> Head<'a> {
    Head {
        id: "6a1f0c3e-8b27-4d59-a1e4-3c9b7f20d815",
        workspace_id: "7b0c2f4e-5d1a-4c8e-9f36-2a1d8e4b6c01",
        user_id: "0b3a7d52-1f6e-4c8a-9d2b-5e4f3a2c1d01",
        national_id: doc,
        status,
        kind,
        options,
        created_at: started() - chrono::Duration::seconds(1),
        updated_at: if status.is_final() {
            ended()
        } else {
            started()
        },
    }
}

#[test]
fn every_result_satisfies_the_spec() {
    let s = spec();
    let get = validator(&s, "getVerification", 200);
    let create = validator(&s, "createVerification", 201);
    let list = validator(&s, "listVerifications", 200);
    let fixtures = ZarvFixtures::parse("zarv.yaml", EMBEDDED).expect("fixtures");
    let mut docs = documents(150);
    docs.extend(fixtures.magic_documents.iter().map(|m| m.document.clone()));
    let mut failures = Vec::new();
    let mut page = Vec::new();
    let mut failed_seen = 0;
    for doc in &docs {
        let p = Persona::derive(SEED, doc, None);
        let magic = fixtures.magic(doc);
        for kind in [VerificationType::Full, VerificationType::Light] {
            for options in ALL_OPTIONS {
                for blacklisted in [false, true] {
                    let o = compute(&input(&p, kind, options, blacklisted, magic));
                    if matches!(o, Outcome::Failed { .. }) {
                        failed_seen += 1;
                    }
                    let body = verification_body(&head(doc, o.status(), kind, options), Some(&o));
                    for f in get.findings(&body) {
                        failures.push(format!("{doc} {kind:?} {options:?} {blacklisted}: {f:?}"));
                    }
                    if page.len() < 25 {
                        page.push(body);
                    }
                }
            }
        }
        let created = verification_body(
            &head(
                doc,
                VerificationStatus::Created,
                VerificationType::Full,
                ALL_OPTIONS[0],
            ),
            None,
        );
        for f in create.findings(&created) {
            failures.push(format!("{doc} CREATED: {f:?}"));
        }
    }
    assert!(failed_seen > 0, "the failing magic document was judged too");
    let listing = json!({"verifications": page, "page": 1, "limit": 25, "total": 4000});
    for f in list.findings(&listing) {
        failures.push(format!("list: {f:?}"));
    }
    assert!(
        failures.is_empty(),
        "{} findings, first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_validator_would_catch_a_broken_result() {
    let s = spec();
    let get = validator(&s, "getVerification", 200);
    let p = Persona::derive(SEED, "55500000160", None);
    let o = compute(&input(
        &p,
        VerificationType::Full,
        ALL_OPTIONS[5],
        false,
        None,
    ));
    let good = verification_body(
        &head(
            "55500000160",
            VerificationStatus::Completed,
            VerificationType::Full,
            ALL_OPTIONS[5],
        ),
        Some(&o),
    );
    assert!(get.findings(&good).is_empty());
    let mut bad = good.clone();
    bad["verification"]["person"]["profile"]["contacts"]["addresses"][0]["postalCode"] =
        json!("1234567890");
    assert!(!get.findings(&bad).is_empty());
    let mut bad = good.clone();
    bad["verification"]["result"]["score"] = json!(1001);
    assert!(!get.findings(&bad).is_empty());
    let mut bad = good;
    bad["nationalId"] = json!("55500000161");
    assert!(
        get.findings(&bad)
            .iter()
            .any(|f| f.keyword == "rule:cpf-check-digits")
    );
}
