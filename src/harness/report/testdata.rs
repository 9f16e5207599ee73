//! A small run used by every writer's tests: one scenario of each status, with a failure that
//! carries findings, evidence, personal data, volatile values and characters that need escaping.

use super::model::*;
use chrono::{TimeZone, Utc};

pub const CPF: &str = "52998224725";
pub const CPF_FORMATTED: &str = "529.982.247-25";
pub const EMAIL: &str = "maria.silva@exemplo.com.br";
pub const CIVIL_NAME: &str = "Maria Conceição da Silva";
pub const INTERACTION_ID: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
pub const TARGET: &str = "http://127.0.0.1:41877/open-banking";
/// Characters that break XML/HTML if left raw, plus PT-BR accents that must survive.
pub const TRICKY: &str = "Nome inválido: <&>\"' São João, ação";

fn step(keyword: &str, text: &str, status: Status) -> StepReport {
    StepReport {
        keyword: keyword.into(),
        text: text.into(),
        status,
        failure: None,
        duration_ms: 3,
    }
}

fn response_body() -> String {
    format!(
        r#"{{
  "data": [
    {{
      "updateDateTime": "2026-11-22T10:00:00Z",
      "personalId": "578-psd-71md6971kjh-2d414",
      "brandName": "Banco Exemplo",
      "civilName": "{CIVIL_NAME}",
      "socialName": "Maria",
      "birthDate": "1990-02-30",
      "cpfNumber": "{CPF}",
      "companiesCnpj": ["11444777000161"],
      "contacts": {{
        "emails": [{{"email": "{EMAIL}"}}],
        "phones": [{{"countryCallingCode": "55", "areaCode": "11", "number": "987654321"}}]
      }}
    }}
  ],
  "links": {{"self": "http://127.0.0.1:41877/open-banking/customers/v2/personal/identifications"}},
  "meta": {{"requestDateTime": "2026-11-22T10:00:01Z"}}
}}"#
    )
}

pub fn failure() -> Failure {
    Failure {
        message: format!(
            "response does not match ResponsePersonalCustomersIdentification for CPF {CPF_FORMATTED}"
        ),
        expected: Some("birthDate: a real date (YYYY-MM-DD)".into()),
        actual: Some("\"1990-02-30\"\u{7}".into()),
        findings: vec![
            Finding {
                check: "schema".into(),
                pointer: "/data/0/birthDate".into(),
                keyword: "format".into(),
                message: "\"1990-02-30\" is not a \"date\"".into(),
            },
            Finding {
                check: "schema".into(),
                pointer: "/data/0/civilName".into(),
                keyword: "maxLength".into(),
                message: format!("\"{CIVIL_NAME}\" is longer than 10 characters"),
            },
            Finding {
                check: "schema".into(),
                pointer: "/data/0/socialName".into(),
                keyword: "pattern".into(),
                message: TRICKY.into(),
            },
        ],
        evidence: Some(Exchange {
            request: HttpRequestRecord {
                method: "GET".into(),
                url: format!("{TARGET}/customers/v2/personal/identifications?page=1"),
                headers: vec![
                    (
                        "authorization".into(),
                        "Bearer eyJhbGciOiJQUzI1NiJ9.e30.c2lnbmF0dXJl".into(),
                    ),
                    ("x-fapi-interaction-id".into(), INTERACTION_ID.into()),
                    (
                        "x-fapi-auth-date".into(),
                        "Sun, 22 Nov 2026 10:00:00 GMT".into(),
                    ),
                ],
                body: None,
            },
            response: Some(HttpResponseRecord {
                status: 200,
                headers: vec![
                    (
                        "content-type".into(),
                        "application/json; charset=utf-8".into(),
                    ),
                    ("x-fapi-interaction-id".into(), INTERACTION_ID.into()),
                ],
                body: Some(response_body()),
            }),
        }),
    }
}

pub fn sample_report() -> RunReport {
    let mut report = RunReport::new(
        "finsandbox 0.1.0",
        TARGET,
        Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap(),
    );
    report.duration_ms = 3_210;

    let mut failed_then = step(
        "Then",
        "the response matches the Customers v2 schema",
        Status::Failed,
    );
    failed_then.failure = Some(failure());

    let mut waived_then = step("Then", "the alphanumeric CNPJ is accepted", Status::Failed);
    waived_then.failure = Some(Failure {
        message:
            "cnpjNumber 12.ABC.345/01DE-35 rejected with 422 for consent urn:bancoex:C1DD33123"
                .into(),
        ..Failure::default()
    });

    report.features = vec![
        FeatureReport {
            name: "Personal identifications".into(),
            path: "features/acme/customers.feature".into(),
            tags: vec!["@acme".into()],
            scenarios: vec![
                ScenarioReport {
                    name: "Identification conforms to the schema".into(),
                    line: 12,
                    tags: vec![],
                    status: Status::Passed,
                    steps: vec![
                        step(
                            "Given",
                            "a consent with CUSTOMERS_PERSONAL_IDENTIFICATIONS_READ",
                            Status::Passed,
                        ),
                        step(
                            "When",
                            "the client reads the personal identifications",
                            Status::Passed,
                        ),
                        step(
                            "Then",
                            "the response matches the Customers v2 schema",
                            Status::Passed,
                        ),
                    ],
                    skip_reason: None,
                    waiver: None,
                    duration_ms: 40,
                },
                ScenarioReport {
                    name: "Birth date is a real date".into(),
                    line: 20,
                    tags: vec!["@schema".into()],
                    status: Status::Failed,
                    steps: vec![
                        step(
                            "Given",
                            "a consent with CUSTOMERS_PERSONAL_IDENTIFICATIONS_READ",
                            Status::Passed,
                        ),
                        step(
                            "When",
                            "the client reads the personal identifications",
                            Status::Passed,
                        ),
                        failed_then,
                        step("And", "the interaction id is echoed", Status::Skipped),
                    ],
                    skip_reason: None,
                    waiver: None,
                    duration_ms: 55,
                },
            ],
        },
        FeatureReport {
            name: "Paging".into(),
            path: "features/acme/paging.feature".into(),
            tags: vec![],
            scenarios: vec![
                ScenarioReport {
                    name: "Last page has no next link".into(),
                    line: 8,
                    tags: vec![],
                    status: Status::Skipped,
                    steps: vec![step(
                        "Given",
                        "a persona with two pages of identifications",
                        Status::Skipped,
                    )],
                    skip_reason: Some(
                        "no persona with more than one page of identifications".into(),
                    ),
                    waiver: None,
                    duration_ms: 0,
                },
                ScenarioReport {
                    name: "Business identification of an alphanumeric CNPJ".into(),
                    line: 15,
                    tags: vec![],
                    status: Status::Waived,
                    steps: vec![waived_then],
                    skip_reason: None,
                    waiver: Some("provider ticket OFB-123: alphanumeric CNPJ rollout".into()),
                    duration_ms: 20,
                },
            ],
        },
    ];
    report
}
