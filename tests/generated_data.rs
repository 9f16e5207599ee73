//! Generated data is valid by construction, and checked anyway: hundreds of personas per endpoint
//! and version, judged by the spec's validator with formats on and the semantic rules (check digits,
//! dates that exist, one isMain per list, conditional fields).

use finsandbox::datagen::{br, rng_for};
use finsandbox::sandbox::families::open_finance::customers::sample_body;
use finsandbox::sandbox::{App, SandboxConfig};
use finsandbox::spec::SpecSelection;

const PERSONAS: usize = 500;

fn documents(business: bool, alphanumeric_allowed: bool) -> Vec<String> {
    let mut rng = rng_for(7, "tests", if business { "cnpj" } else { "cpf" });
    let mut docs: Vec<String> = (0..PERSONAS)
        .map(|i| {
            if business {
                br::gen_cnpj(&mut rng, alphanumeric_allowed && i % 5 == 0)
            } else {
                br::gen_cpf(&mut rng)
            }
        })
        .collect();
    // The magic documents too: their fixed data must be as valid as derived data.
    let fixtures = if business {
        vec![
            "11444777000161",
            "11222333000181",
            "33445566000186",
            "99887766000105",
        ]
    } else {
        vec![
            "52998224725",
            "11144477735",
            "12345678909",
            "13579246828",
            "31415926590",
            "27182818205",
        ]
    };
    docs.extend(fixtures.into_iter().map(str::to_string));
    docs
}

/// The first string shaped like an alphanumeric CNPJ (letters in the body, valid check digits).
fn alphanumeric_cnpj_in(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => {
            (s.len() == 14 && s.bytes().any(|b| b.is_ascii_uppercase()) && br::is_valid_cnpj(s))
                .then(|| s.clone())
        }
        serde_json::Value::Array(items) => items.iter().find_map(alphanumeric_cnpj_in),
        serde_json::Value::Object(map) => map.values().find_map(alphanumeric_cnpj_in),
        _ => None,
    }
}

#[test]
fn the_scan_for_alphanumeric_cnpjs_finds_them() {
    let body = serde_json::json!({"data": [{"cnpjNumber": "12ABC34501DE35"}]});
    assert_eq!(
        alphanumeric_cnpj_in(&body).as_deref(),
        Some("12ABC34501DE35")
    );
    assert_eq!(
        alphanumeric_cnpj_in(&serde_json::json!({"a": "11444777000161"})),
        None
    );
}

fn check_version(customers_v2: &str, base_path: &str) {
    let app = App::new(SandboxConfig {
        specs: SpecSelection::default().prefer("/open-banking/customers/v2", customers_v2),
        // v1 links must carry a dotted host (see README); harmless for v2.
        public_url: Some("https://api.sandbox.finsandbox.test".into()),
        ..SandboxConfig::default()
    })
    .expect("sandbox state");
    let spec = app.specs.by_base_path(base_path).expect("spec").clone();
    let alphanumeric = spec.version.as_str() >= "2.3.0" && base_path.ends_with("v2");
    assert_eq!(spec.alphanumeric_cnpj, alphanumeric, "{}", spec.label());
    let mut failures = Vec::new();
    for op in &spec.operations {
        let business = op.path.starts_with("/business");
        let validator = op
            .declared_response(200)
            .and_then(|r| r.validator.as_ref())
            .expect("200 validator");
        for doc in documents(business, alphanumeric) {
            let body = sample_body(&app, &spec, op, &doc).expect("body");
            let findings = validator.findings(&body);
            if !findings.is_empty() {
                failures.push(format!("{} {} {doc}: {:?}", spec.version, op.id, findings));
            }
            if !alphanumeric && let Some(s) = alphanumeric_cnpj_in(&body) {
                failures.push(format!(
                    "{} {} {doc}: alphanumeric CNPJ {s}",
                    spec.version, op.id
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} invalid bodies, first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn customers_2_3_0_bodies_are_valid_for_500_personas_per_endpoint() {
    check_version("2.3.0", "/open-banking/customers/v2");
}

#[test]
fn customers_2_2_1_bodies_are_valid_for_500_personas_per_endpoint() {
    check_version("2.2.1", "/open-banking/customers/v2");
}

#[test]
fn customers_1_0_3_bodies_are_valid_for_500_personas_per_endpoint() {
    check_version("2.3.0", "/open-banking/customers/v1");
}
