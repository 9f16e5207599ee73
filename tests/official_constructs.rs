//! The constructs of the official Open Finance documents that trip naive tools, in a small document
//! of our own: a UTF-8 BOM, `nullable`, a percent-encoded `$ref`, a lookahead pattern the `regex`
//! crate refuses, and the non-standard formats `url`, `double` and `int32`. The sandbox must serve a
//! document like that given with `--spec`, and the validator must judge by it.

mod common;

use common::*;
use finsandbox::spec::{ApiSpec, SpecSelection, judge_body};
use serde_json::{Value, json};

const DOC: &str = "\u{feff}openapi: 3.0.0
info: {title: constructs, version: 1.2.3}
servers:
  - url: https://api.banco.example/open-banking/widgets/v1
paths:
  /widgets/{widgetId}:
    get:
      operationId: getWidget
      parameters:
        - {name: widgetId, in: path, required: true, schema: {type: string}}
        - name: x-fapi-interaction-id
          in: header
          required: true
          schema: {type: string, format: uuid, pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Widget'}
        '400':
          description: bad request
          content:
            application/json; charset=utf-8:
              schema: {$ref: '#/components/responses/Locked/content/application~1json%3B%20charset%3Dutf-8/schema'}
        '423':
          description: locked
          content:
            application/json; charset=utf-8:
              schema:
                $ref: '#/components/responses/Locked/content/application~1json%3B%20charset%3Dutf-8/schema'
components:
  responses:
    Locked:
      description: locked
      content:
        application/json; charset=utf-8:
          schema:
            type: object
            required: [errors]
            properties:
              errors: {type: array, minItems: 1, items: {type: object}}
  schemas:
    Widget:
      type: object
      required: [employerName, shareholding, site, note, count]
      properties:
        employerName: {type: string, maxLength: 80, pattern: '^(?!\\s)[\\w\\W\\s]*[^\\s]$'}
        shareholding: {type: string, format: double, pattern: '^[01]\\.\\d{6}$', minLength: 8, maxLength: 8}
        site: {type: string, format: url, maxLength: 2000}
        note: {type: string, nullable: true, maxLength: 40}
        count: {type: integer, format: int32, minimum: 0, maximum: 100}
";

fn write_doc(name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("finsandbox-{name}-{}.yaml", std::process::id()));
    std::fs::write(&path, DOC).unwrap();
    path
}

#[tokio::test]
async fn sandbox_serves_a_document_with_every_tricky_construct() {
    let path = write_doc("served");
    let env = start_with(finsandbox::sandbox::SandboxConfig {
        specs: SpecSelection {
            files: vec![path.clone()],
            ..SpecSelection::default()
        },
        ..config()
    })
    .await;
    let r = env
        .get("/open-banking/widgets/v1/widgets/w-1", None, Some(&iid()))
        .await;
    // The self-check of `config()` already judged this body by the document itself.
    assert_eq!(r.status, 200, "{}", r.text);
    let spec = ApiSpec::from_file(&path).unwrap();
    let findings = judge_body(&spec, "getWidget", "200", false, &r.text).unwrap();
    assert!(findings.is_empty(), "{findings:?}");
    // The document's required header is enforced like the official ones.
    let r = env
        .get("/open-banking/widgets/v1/widgets/w-1", None, None)
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    env.stop().await;
    std::fs::remove_file(path).unwrap();
}

#[test]
fn validator_reads_each_construct_as_the_document_means_it() {
    let path = write_doc("judged");
    let spec = ApiSpec::from_file(&path).unwrap();
    std::fs::remove_file(path).unwrap();
    let good = json!({"employerName": "Padaria Pão Quente Ltda.", "shareholding": "0.250000",
                      "site": "https://www.padaria.example/", "note": null, "count": 3});
    let judge = |v: &Value| judge_body(&spec, "getWidget", "200", false, &v.to_string()).unwrap();
    assert!(
        judge(&good).is_empty(),
        "nullable accepts null: {:?}",
        judge(&good)
    );
    let cases = [
        ("employerName", json!(" leading space"), "pattern"),
        ("shareholding", json!("0.25000x"), "format"),
        ("site", json!("not a url"), "format"),
        ("note", json!(7), "type"),
        ("count", json!(101), "maximum"),
    ];
    for (field, value, keyword) in cases {
        let mut body = good.clone();
        body[field] = value;
        let findings = judge(&body);
        assert!(
            findings
                .iter()
                .any(|f| f.pointer == format!("/{field}") && f.keyword == keyword),
            "{field}: expected {keyword}, got {findings:?}"
        );
    }
    // The percent-encoded $ref resolved to the Locked schema.
    let locked = judge_body(&spec, "getWidget", "423", false, "{}").unwrap();
    assert!(locked.iter().any(|f| f.keyword == "required"), "{locked:?}");
}
