//! v1's "not applicable": `NA`, or a `SEM_*` / `NAO_*` enum member, where the customer's data leaves a
//! required field empty, as a v1 implementation would send it.

use serde_json::{Map, Value, json};

use super::Walker;
use crate::datagen::pattern;
use crate::spec::hints::{self, Hint};

impl Walker<'_, '_> {
    /// v1 makes almost every field required and says "not applicable" with `NA` (or a `SEM_*` /
    /// `NAO_*` enum member). A required field that can say so, and that the customer's data leaves
    /// empty, gets the placeholder, as a v1 implementation would send it. Identity, address, phone and
    /// bank fields of our (Brazilian) customers always have a value.
    pub(super) fn not_applicable(
        &mut self,
        name: &str,
        schema: &Value,
        object: Option<&str>,
        siblings: &Map<String, Value>,
        rule_silent: bool,
    ) -> Option<Value> {
        // Inside a "nothing here" item every field that can hold NA does; a conditional field whose
        // condition does not hold says NA too.
        if self.placeholder_item || rule_silent {
            return placeholder_value(schema);
        }
        // Elsewhere only free-text fields with an explicit NA alternative may be left empty; enums
        // keep real values outside placeholder items.
        if !admits_placeholder(schema) || schema.get("enum").is_some() {
            return None;
        }
        // A passport is all there or all NA; its fields are never left half empty.
        if name.starts_with("passport") {
            return None;
        }
        let core = matches!(
            hints::hint_for(schema, Some(name), object),
            Some(
                Hint::PersonaCpf
                    | Hint::PersonaCnpj
                    | Hint::PersonaId
                    | Hint::PersonaCivilName
                    | Hint::PersonaBirthDate
                    | Hint::InstitutionCnpj
                    | Hint::Cpf
                    | Hint::Cnpj
                    | Hint::CpfOrCnpj
                    | Hint::AddressUf
                    | Hint::AddressCep
                    | Hint::AddressTown
                    | Hint::PhoneAreaCode
                    | Hint::PhoneNumber
                    | Hint::PhoneCountryCallingCode
                    | Hint::BankCompe
                    | Hint::BankBranch
                    | Hint::BankAccount
                    | Hint::Currency
                    | Hint::Cnae
            )
        );
        if core {
            return None;
        }
        if self.include_optional(name, object, siblings) {
            None
        } else {
            placeholder_value(schema)
        }
    }
}

/// Enum values that v1 uses to say "not applicable"; real data uses them only when nothing applies.
pub(super) fn is_placeholder(v: &str) -> bool {
    v == "NA" || v.starts_with("SEM_") || v.starts_with("NAO_")
}

/// Whether a string schema can say "not applicable": `NA` in its enum, or an explicit `NA`
/// alternative in its pattern (`^\d{11}$|^NA$`).
pub(super) fn admits_placeholder(schema: &Value) -> bool {
    // v1 date patterns allow `NA` but their `format: date` does not: such a field must hold a date.
    if schema.get("format").is_some() {
        return false;
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values
            .iter()
            .any(|v| v.as_str().is_some_and(is_placeholder));
    }
    schema
        .get("pattern")
        .and_then(Value::as_str)
        .is_some_and(|p| p.contains("NA") && pattern::get(p).is_match("NA"))
}

/// The placeholder a schema accepts: `NA`, or its `SEM_*`/`NAO_*` member.
pub(super) fn placeholder_value(schema: &Value) -> Option<Value> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values
            .iter()
            .find(|v| v.as_str().is_some_and(is_placeholder))
            .cloned();
    }
    if schema.get("format").is_some() {
        return None;
    }
    let fits = match schema.get("pattern").and_then(Value::as_str) {
        Some(p) => pattern::get(p).is_match("NA"),
        None => true,
    };
    (schema.get("type").and_then(Value::as_str) == Some("string") && fits).then(|| json!("NA"))
}

/// The "none" member of an item's `type` enum (`SEM_OUTROS_DOCUMENTOS`, `NAO_APLICA`, ...).
pub(super) fn placeholder_type(item: &Value) -> Option<&str> {
    item.get("properties")?
        .get("type")?
        .get("enum")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .find(|v| is_placeholder(v))
}
