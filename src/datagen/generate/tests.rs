//! Tests of the walker as a whole: persona data, coherent addresses, patterns, rules, lists.

use super::strings::fit;
use super::*;
use crate::datagen::pattern;
use crate::datagen::rng_for;
use serde_json::json;

fn persona() -> Persona {
    Persona::derive(42, "52998224725", None)
}

fn make(schema: &Value, prop: Option<&str>) -> Value {
    let p = persona();
    let cnpjs = vec!["11444777000161".to_string()];
    let ctx = GenContext {
        persona: &p,
        brand: "Banco Sandbox",
        institution_cnpjs: &cnpjs,
        alphanumeric_cnpj: true,
        record: 0,
        optional_share: 0.7,
        open: None,
    };
    let mut rng = rng_for(42, "52998224725", "test");
    generate_value(schema, prop, &ctx, &mut rng)
}

#[test]
fn persona_fields_come_from_the_persona() {
    let schema = json!({"type": "object", "required": ["civilName", "documents"], "properties": {
        "civilName": {"type": "string", "maxLength": 70},
        "documents": {"type": "object", "required": ["cpfNumber"], "properties": {
            "cpfNumber": {"type": "string", "pattern": "^\\d{11}$"}}}}});
    let v = make(&schema, Some("data"));
    assert_eq!(v["documents"]["cpfNumber"], "52998224725");
    assert_eq!(v["civilName"], persona().civil_name.as_str());
}

#[test]
fn address_fields_agree_with_each_other() {
    let schema = json!({"type": "object", "required": ["townName", "ibgeTownCode", "countrySubDivision", "postCode"],
        "properties": {
            "townName": {"type": "string", "maxLength": 50},
            "ibgeTownCode": {"type": "string", "pattern": "\\d{7}$", "maxLength": 7},
            "countrySubDivision": {"type": "string", "enum": ["SP", "RJ", "MG", "BA", "PR", "RS", "SC", "PE", "CE", "GO", "PA", "AM", "MA", "ES", "PB", "RN", "AL", "PI", "MT", "MS", "DF", "SE", "RO", "TO", "AC", "AP", "RR"]},
            "postCode": {"type": "string", "pattern": "^\\d{8}$"}}});
    let v = make(&schema, Some("postalAddresses"));
    let ibge = v["ibgeTownCode"].as_str().unwrap();
    let town = br::town_by_ibge(ibge.parse().unwrap()).expect("real IBGE code");
    assert_eq!(town.name, v["townName"].as_str().unwrap());
    assert_eq!(town.uf, v["countrySubDivision"].as_str().unwrap());
    assert_eq!(br::cep_uf(v["postCode"].as_str().unwrap()), Some(town.uf));
}

#[test]
fn pattern_without_hint_is_satisfied() {
    let schema = json!({"type": "string", "pattern": "^[A-Z]{2}\\d{3}-[a-z]$", "maxLength": 7});
    let v = make(&schema, Some("somethingUnknown"));
    let s = v.as_str().unwrap();
    assert!(pattern::get("^[A-Z]{2}\\d{3}-[a-z]$").is_match(s), "{s}");
}

#[test]
fn conditional_field_follows_its_trigger() {
    let schema = json!({"type": "object", "required": ["type"], "properties": {
        "compeCode": {"type": "string"},
        "branchCode": {"type": "string", "pattern": "^\\d{4}$"},
        "type": {"type": "string", "enum": ["CONTA_DEPOSITO_A_VISTA", "CONTA_POUPANCA", "CONTA_PAGAMENTO_PRE_PAGA"]}}});
    for seed in 0..40 {
        let p = persona();
        let ctx = GenContext {
            persona: &p,
            brand: "B",
            institution_cnpjs: &[],
            alphanumeric_cnpj: true,
            record: 0,
            optional_share: 0.7,
            open: None,
        };
        let mut rng = rng_for(seed, "x", "y");
        let v = generate_value(&schema, Some("accounts"), &ctx, &mut rng);
        let prepaid = v["type"] == "CONTA_PAGAMENTO_PRE_PAGA";
        assert_eq!(v.get("branchCode").is_some(), !prepaid, "{v}");
        // Schema order is kept even though branchCode is generated last.
        if !prepaid {
            let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
            let b = keys.iter().position(|k| k == "branchCode").unwrap();
            let t = keys.iter().position(|k| k == "type").unwrap();
            assert!(b < t);
        }
    }
}

#[test]
fn enum_arrays_have_no_duplicates() {
    let schema = json!({"type": "array", "minItems": 3, "maxItems": 3,
        "items": {"type": "string", "enum": ["A", "B", "C", "D"]}});
    let v = make(&schema, Some("productsServicesType"));
    let mut items: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    items.sort();
    items.dedup();
    assert_eq!(items.len(), 3);
}

#[test]
fn long_names_are_abbreviated_to_max_length() {
    let s = fit(
        "Maria Aparecida da Conceição Gonçalves Pereira dos Santos Oliveira Souza".into(),
        &json!({"type": "string", "maxLength": 40}),
        true,
    )
    .unwrap();
    assert!(s.chars().count() <= 40, "{s}");
    assert!(s.starts_with("Maria"), "{s}");
}
