//! Lists: how many items a real record has (one per persona address, 1-3 activities...), within
//! `minItems`/`maxItems`, with no duplicate enum members.

use rand::RngExt;
use serde_json::{Map, Value};

use super::Walker;
use super::placeholder::{is_placeholder, placeholder_type};

impl Walker<'_, '_> {
    pub(super) fn array(
        &mut self,
        schema: &Value,
        prop: Option<&str>,
        parent: Option<&str>,
    ) -> Value {
        let item = schema.get("items").cloned().unwrap_or(Value::Null);
        let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = schema
            .get("maxItems")
            .and_then(Value::as_u64)
            .map(|m| m as usize)
            .unwrap_or(usize::MAX);
        let persona = self.ctx.persona;
        let wanted = match prop.unwrap_or("") {
            "postalAddresses" => persona.addresses.len(),
            "phones" => persona.phones.len(),
            "emails" => persona.emails.len(),
            "filiation" => 2,
            "procurators" => {
                if self.rng.random_bool(0.2) {
                    1
                } else {
                    0
                }
            }
            "productsServicesType" => self.rng.random_range(1..=3),
            "economicActivities" | "parties" => self.rng.random_range(1..=3),
            "companiesCnpj" | "accounts" => self.rng.random_range(1..=2),
            // Many customers have no document besides the CPF (v1 then says SEM_OUTROS_DOCUMENTOS).
            "otherDocuments" => self.rng.random_range(0..=2),
            _ => self.rng.random_range(1..=2),
        };
        // v1 lists must not be empty; when the customer has none of the thing, v1 sends one item
        // whose `type` is the list's "none" member and whose other fields say NA.
        if wanted < min && placeholder_type(&item).is_some() {
            let was = self.placeholder_item;
            self.placeholder_item = true;
            let items = (0..min)
                .filter_map(|i| self.value(&item, prop, parent, Some(i), &Map::new()))
                .collect();
            self.placeholder_item = was;
            return Value::Array(items);
        }
        let count = wanted.clamp(min, max.max(min));
        let enum_values: Option<Vec<&str>> = item
            .get("enum")
            .and_then(Value::as_array)
            .map(|e| e.iter().filter_map(Value::as_str).collect());
        let mut out = Vec::with_capacity(count);
        match enum_values {
            // No uniqueItems in the specs, but a list of product types with duplicates is not data
            // any institution would send.
            Some(values) => {
                let mut pool: Vec<&str> = values
                    .iter()
                    .copied()
                    .filter(|v| !is_placeholder(v))
                    .collect();
                if pool.is_empty() {
                    pool = values.clone();
                }
                for _ in 0..count {
                    if pool.is_empty() {
                        break;
                    }
                    let i = self.rng.random_range(0..pool.len());
                    out.push(Value::String(pool.remove(i).to_string()));
                }
            }
            None => {
                for i in 0..count {
                    self.item_index = Some(i);
                    let v = self.value(&item, prop, parent, Some(i), &Map::new());
                    self.item_index = None;
                    if let Some(v) = v {
                        out.push(v);
                    }
                }
            }
        }
        Value::Array(out)
    }
}
