//! Request bodies, field by field: the operation's own schema first (shape, lengths, enums,
//! formats), then the rules no schema states (CPF check digits, a DDD in use, a CEP inside its UF,
//! a birth date in the past, distinct analysis tokens).
//!
//! Every problem becomes one item per field, named by its JSON path (`address.zipCode`,
//! `data.phone.number`) with messages in Portuguese, as a Brazilian vendor would write them. A
//! pattern's message comes from the schema's `x-finsandbox-message` when it has one, so the spec
//! stays the one place that says what a field must look like.

use chrono::{Datelike, NaiveDate};
use serde_json::{Map, Value};

use crate::datagen::br;
use crate::sandbox::fields::{self, join};
use crate::spec::SchemaValidator;

pub use crate::sandbox::fields::{dotted_path as property_path, message_for};

/// The problems found, one entry per field in the order met.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors {
    items: Vec<(String, Vec<String>)>,
}

impl FieldErrors {
    pub fn add(&mut self, property: &str, message: impl Into<String>) {
        let message = message.into();
        match self.items.iter_mut().find(|(p, _)| p == property) {
            Some((_, messages)) => {
                if !messages.contains(&message) {
                    messages.push(message);
                }
            }
            None => self.items.push((property.to_string(), vec![message])),
        }
    }

    /// Whether `property` or anything inside it is already reported: semantic checks skip fields
    /// the schema refused, so each field gets the message that explains it best.
    pub fn covers(&self, property: &str) -> bool {
        self.items.iter().any(|(p, _)| {
            p == property
                || p.strip_prefix(property)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
                || property
                    .strip_prefix(p.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn into_items(self) -> Vec<(String, Vec<String>)> {
        self.items
    }
}

/// Schema findings of `body` as field errors (`required` and `additionalProperties` name the
/// field itself, not the object holding it).
pub fn schema_errors(validator: &SchemaValidator, body: &Value, errors: &mut FieldErrors) {
    fields::schema_field_errors(
        validator,
        body,
        "Campo não aceito nesta operação (não pode ser alterado).",
        |at, message| errors.add(at, message),
    );
}

/// The CPF of the path: eleven digits with the right check digits.
pub fn cpf_problem(document: &str) -> Option<&'static str> {
    if document.len() != 11 || !document.bytes().all(|b| b.is_ascii_digit()) {
        Some("Informe o CPF com 11 dígitos, sem máscara.")
    } else if !br::is_valid_cpf(document) {
        Some("CPF inválido: os dígitos verificadores não conferem.")
    } else {
        None
    }
}

/// Phone and address rules, for a registration (`prefix` "") or an update (`prefix` "data").
pub fn contact_rules(fields: &Map<String, Value>, prefix: &str, errors: &mut FieldErrors) {
    if let Some(phone) = fields.get("phone").and_then(Value::as_object) {
        let at = join(prefix, "phone.number");
        if !errors.covers(&at)
            && let Some(number) = phone.get("number").and_then(Value::as_str)
        {
            let ddd = number.get(..2).unwrap_or(number);
            let rest = number.get(2..).unwrap_or("");
            if !br::is_valid_ddd(ddd) {
                errors.add(&at, format!("DDD {ddd} inexistente."));
            } else if rest.len() == 9 && !rest.starts_with('9') {
                errors.add(
                    &at,
                    "Celular deve ter 9 dígitos começando por 9 após o DDD.",
                );
            } else if rest.len() == 8 && !rest.starts_with(['2', '3', '4', '5']) {
                errors.add(
                    &at,
                    "Telefone fixo deve ter 8 dígitos começando por 2 a 5 após o DDD.",
                );
            }
        }
    }
    if let Some(address) = fields.get("address").and_then(Value::as_object) {
        let state_at = join(prefix, "address.state");
        let zip_at = join(prefix, "address.zipCode");
        let state = address.get("state").and_then(Value::as_str);
        let state_ok = match state {
            Some(uf) if !errors.covers(&state_at) => {
                let known = br::uf_by_sigla(uf).is_some();
                if !known {
                    errors.add(&state_at, format!("UF {uf} inexistente."));
                }
                known
            }
            _ => false,
        };
        if !errors.covers(&zip_at)
            && let Some(zip) = address.get("zipCode").and_then(Value::as_str)
        {
            match br::cep_uf(zip) {
                None => errors.add(&zip_at, format!("CEP {zip} fora das faixas dos Correios.")),
                Some(uf) if state_ok && state != Some(uf) => errors.add(
                    &zip_at,
                    format!(
                        "O CEP {zip} pertence a {uf}, mas o estado informado é {}.",
                        state.unwrap_or("")
                    ),
                ),
                Some(_) => {}
            }
        }
    }
}

/// Whole years between `birth` and `today`.
pub fn age(birth: NaiveDate, today: NaiveDate) -> i32 {
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// The rules of a registration body beyond its schema. Being under 18 is not one of them: that is
/// an outcome of the analysis (REPROVED, UNDERAGE), as the client would meet it in production.
pub fn registration_rules(body: &Value, today: NaiveDate, errors: &mut FieldErrors) {
    let Some(fields) = body.as_object() else {
        return;
    };
    if !errors.covers("registerName")
        && let Some(name) = fields.get("registerName").and_then(Value::as_str)
        && name.split_whitespace().count() < 2
    {
        errors.add(
            "registerName",
            "Informe o nome completo, com nome e sobrenome.",
        );
    }
    if !errors.covers("birthDate")
        && let Some(date) = fields
            .get("birthDate")
            .and_then(Value::as_str)
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    {
        if date > today {
            errors.add(
                "birthDate",
                "A data de nascimento não pode estar no futuro.",
            );
        } else if date.year() < 1900 {
            errors.add(
                "birthDate",
                "A data de nascimento deve ser posterior a 1900.",
            );
        }
    }
    if let Some(docs) = fields.get("documentation").and_then(Value::as_object) {
        let mut seen: Vec<(&str, String)> = Vec::new();
        for name in ["selfie", "idCardFront", "idCardBack"] {
            if errors.covers(&format!("documentation.{name}")) {
                continue;
            }
            if let Some(token) = docs.get(name).and_then(Value::as_str) {
                let key = token.replace('-', "").to_ascii_lowercase();
                if let Some((first, _)) = seen.iter().find(|(_, k)| *k == key) {
                    errors.add(
                        &format!("documentation.{name}"),
                        format!("O mesmo token de análise foi enviado em documentation.{first}; cada documento tem o seu."),
                    );
                } else {
                    seen.push((name, key));
                }
            }
        }
    }
    contact_rules(fields, "", errors);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn covers_relates_parents_and_children_only() {
        let mut e = FieldErrors::default();
        e.add("address.zipCode", "x");
        assert!(e.covers("address.zipCode"));
        assert!(e.covers("address"));
        assert!(!e.covers("address.state"));
        assert!(!e.covers("addressLine"));
        e.add("address.zipCode", "x");
        e.add("address.zipCode", "y");
        assert_eq!(
            e.into_items(),
            vec![("address.zipCode".to_string(), vec!["x".into(), "y".into()])]
        );
    }

    #[test]
    fn contact_rules_catch_fake_ddd_and_cep_of_another_state() {
        let mut e = FieldErrors::default();
        let body = json!({
            "phone": {"countryCode": "55", "number": "23415162342"},
            "address": {"zipCode": "01310100", "state": "RJ"}
        });
        contact_rules(body.as_object().unwrap(), "data", &mut e);
        let items = e.into_items();
        assert_eq!(items[0].0, "data.phone.number");
        assert!(items[0].1[0].contains("DDD 23"));
        assert_eq!(items[1].0, "data.address.zipCode");
        assert!(items[1].1[0].contains("SP"), "{:?}", items[1]);
    }

    #[test]
    fn age_counts_birthdays() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(age(d("2008-03-02"), d("2026-03-01")), 17);
        assert_eq!(age(d("2008-03-02"), d("2026-03-02")), 18);
    }
}
