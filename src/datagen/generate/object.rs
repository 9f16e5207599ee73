//! Objects: which fields to include (required ones, a share of the optional ones, and those a
//! conditional rule of the dictionary asks for), each generated inside its own coherent scope.

use rand::RngExt;
use serde_json::{Map, Value};

use super::{OPTIONAL_SHARE_DEFAULT, Scope, Walker};
use crate::spec::rules;

impl Walker<'_, '_> {
    pub(super) fn object(
        &mut self,
        schema: &Value,
        prop: Option<&str>,
        index: Option<usize>,
    ) -> Value {
        let Some(props) = schema.get("properties").and_then(Value::as_object) else {
            return Value::Object(Map::new());
        };
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let applicable: Vec<&rules::ConditionalRule> = rules::rules_for(schema).collect();
        let dependent = |name: &str| applicable.iter().any(|r| r.require == name);

        let inherited_container = prop.map(str::to_string);
        self.scopes.push(Scope {
            index,
            container: inherited_container,
            ..Scope::default()
        });

        let mut out = Map::new();
        // First the independent fields, then those whose presence a rule decides: `branchCode`
        // comes before the account `type` that decides it.
        for (name, sub) in props {
            if dependent(name) {
                continue;
            }
            let is_required = required.contains(&name.as_str());
            if is_required && let Some(na) = self.not_applicable(name, sub, prop, &out, false) {
                out.insert(name.clone(), na);
                continue;
            }
            let include = is_required || self.include_optional(name, prop, &out);
            if include && let Some(v) = self.value(sub, Some(name), prop, None, &out) {
                out.insert(name.clone(), v);
            }
        }
        for (name, sub) in props {
            if !dependent(name) {
                continue;
            }
            let fired = applicable
                .iter()
                .any(|r| r.require == name && r.fires(&out));
            let is_required = required.contains(&name.as_str());
            if !fired
                && is_required
                && let Some(na) = self.not_applicable(name, sub, prop, &out, true)
            {
                out.insert(name.clone(), na);
                continue;
            }
            if (fired || is_required)
                && let Some(v) = self.value(sub, Some(name), prop, None, &out)
            {
                out.insert(name.clone(), v);
            }
        }
        self.scopes.pop();

        // Back to the order of the schema, which is the order readers of the spec expect.
        let mut ordered = Map::with_capacity(out.len());
        for name in props.keys() {
            if let Some(v) = out.remove(name) {
                ordered.insert(name.clone(), v);
            }
        }
        Value::Object(ordered)
    }

    pub(super) fn include_optional(
        &mut self,
        name: &str,
        object: Option<&str>,
        siblings: &Map<String, Value>,
    ) -> bool {
        match name {
            // Required whenever there is no passport (dictionary rule); every persona has a CPF.
            "cpfNumber" if object == Some("documents") => true,
            // The customer's own data decides, not chance: one social name everywhere or none.
            "socialName" if self.own_scope() => self.ctx.persona.social_name.is_some(),
            // A passport is only for people without a CPF (dictionary rule); ours all have one.
            "passport" if siblings.contains_key("cpfNumber") => false,
            // Few people other than the customer are known by a social name.
            "socialName" => self.rng.random_bool(0.05),
            // Business customers must send contacts when known (2.3.0 restriction).
            "contacts" | "postalAddresses" | "phones" | "emails" => true,
            _ => {
                let share = if self.ctx.optional_share > 0.0 {
                    self.ctx.optional_share
                } else {
                    OPTIONAL_SHARE_DEFAULT
                };
                self.rng.random_bool(share.clamp(0.0, 1.0))
            }
        }
    }

    /// Whether the current object is the customer's own record (not a parent's or a partner's).
    pub(super) fn own_scope(&self) -> bool {
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.container.as_deref())
            .is_none_or(|c| c == "data")
    }
}
