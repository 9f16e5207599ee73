//! Conditional rules of the Open Finance data dictionaries that JSON Schema cannot state ("required when
//! `type` is `OUTROS`"). One table serves both faces: the generator fills the dependent field, the
//! validator reports its absence.
//!
//! A rule applies to an object only when that object's schema declares both the trigger and the
//! dependent property, so it never fires on an unrelated object that happens to share a field name.

use serde_json::Value;

/// When the rule fires.
#[derive(Debug, Clone, Copy)]
pub enum Trigger {
    /// The trigger property equals one of the values (or, for an array, contains one).
    OneOf(&'static [&'static str]),
    /// The trigger property is present with any value other than these.
    NoneOf(&'static [&'static str]),
    /// The trigger property is present.
    Present,
    /// The trigger property is the boolean `false`.
    False,
}

#[derive(Debug, Clone, Copy)]
pub struct ConditionalRule {
    pub name: &'static str,
    pub trigger: &'static str,
    pub when: Trigger,
    pub require: &'static str,
}

pub const RULES: &[ConditionalRule] = &[
    ConditionalRule {
        name: "marital-status-other-needs-info",
        trigger: "maritalStatusCode",
        when: Trigger::OneOf(&["OUTRO"]),
        require: "maritalStatusAdditionalInfo",
    },
    ConditionalRule {
        name: "other-document-type-needs-info",
        trigger: "type",
        when: Trigger::OneOf(&["OUTROS"]),
        require: "typeAdditionalInfo",
    },
    ConditionalRule {
        name: "phone-type-other-needs-info",
        trigger: "type",
        when: Trigger::OneOf(&["OUTRO"]),
        require: "additionalInfo",
    },
    ConditionalRule {
        name: "products-other-needs-info",
        trigger: "productsServicesType",
        when: Trigger::OneOf(&["OUTROS"]),
        require: "productsServicesTypeAdditionalInfo",
    },
    ConditionalRule {
        name: "natural-person-party-needs-civil-name",
        trigger: "personType",
        when: Trigger::OneOf(&["PESSOA_NATURAL"]),
        require: "civilName",
    },
    ConditionalRule {
        name: "legal-person-party-needs-company-name",
        trigger: "personType",
        when: Trigger::OneOf(&["PESSOA_JURIDICA"]),
        require: "companyName",
    },
    ConditionalRule {
        name: "partner-needs-shareholding",
        trigger: "type",
        when: Trigger::OneOf(&["SOCIO"]),
        require: "shareholding",
    },
    ConditionalRule {
        name: "revenue-frequency-other-needs-info",
        trigger: "frequency",
        when: Trigger::OneOf(&["OUTROS"]),
        require: "frequencyAdditionalInfo",
    },
    ConditionalRule {
        name: "foreigner-needs-nationality",
        trigger: "hasBrazilianNationality",
        when: Trigger::False,
        require: "nationality",
    },
    ConditionalRule {
        name: "occupation-code-needs-description",
        trigger: "occupationCode",
        when: Trigger::Present,
        require: "occupationDescription",
    },
    ConditionalRule {
        name: "non-prepaid-account-needs-branch",
        trigger: "type",
        when: Trigger::NoneOf(&["CONTA_PAGAMENTO_PRE_PAGA"]),
        require: "branchCode",
    },
];

impl ConditionalRule {
    /// Whether the rule concerns objects of this schema at all.
    pub fn applies_to(&self, schema: &Value) -> bool {
        let props = schema.get("properties");
        let declares = |p: &str| props.and_then(|ps| ps.get(p)).is_some();
        if !(declares(self.trigger) && declares(self.require)) {
            return false;
        }
        // `type` is a trigger in three rules; make sure the enum is the one the rule is about.
        match self.when {
            Trigger::OneOf(values) | Trigger::NoneOf(values) => {
                let trigger_schema = &schema["properties"][self.trigger];
                let enum_values = trigger_schema
                    .get("enum")
                    .or_else(|| trigger_schema.get("items").and_then(|i| i.get("enum")));
                match enum_values.and_then(Value::as_array) {
                    Some(enum_values) => values
                        .iter()
                        .all(|v| enum_values.iter().any(|e| e.as_str() == Some(*v))),
                    None => false,
                }
            }
            Trigger::Present | Trigger::False => true,
        }
    }

    /// Whether the object's current values make the dependent property required.
    pub fn fires(&self, object: &serde_json::Map<String, Value>) -> bool {
        let Some(value) = object.get(self.trigger) else {
            return false;
        };
        let matches = |v: &Value, set: &[&str]| v.as_str().is_some_and(|s| set.contains(&s));
        match self.when {
            Trigger::OneOf(set) => match value {
                Value::Array(items) => items.iter().any(|v| matches(v, set)),
                v => matches(v, set),
            },
            Trigger::NoneOf(set) => !matches(value, set),
            Trigger::Present => !value.is_null(),
            Trigger::False => value == &Value::Bool(false),
        }
    }
}

/// Rules that concern objects of `schema`.
pub fn rules_for(schema: &Value) -> impl Iterator<Item = &'static ConditionalRule> + '_ {
    RULES.iter().filter(move |r| r.applies_to(schema))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn phone_rule_does_not_apply_to_party_type() {
        let party = json!({"properties": {"type": {"enum": ["SOCIO", "ADMINISTRADOR"]}, "additionalInfo": {}}});
        let phone = json!({"properties": {"type": {"enum": ["FIXO", "MOVEL", "OUTRO"]}, "additionalInfo": {}}});
        let names = |s: &Value| rules_for(s).map(|r| r.name).collect::<Vec<_>>();
        assert!(!names(&party).contains(&"phone-type-other-needs-info"));
        assert!(names(&phone).contains(&"phone-type-other-needs-info"));
    }

    #[test]
    fn array_trigger_fires_when_it_contains_the_value() {
        let rule = RULES
            .iter()
            .find(|r| r.name == "products-other-needs-info")
            .unwrap();
        let obj = json!({"productsServicesType": ["CONTA_POUPANCA", "OUTROS"]});
        assert!(rule.fires(obj.as_object().unwrap()));
        let obj = json!({"productsServicesType": ["CONTA_POUPANCA"]});
        assert!(!rule.fires(obj.as_object().unwrap()));
    }

    #[test]
    fn prepaid_accounts_need_no_branch() {
        let rule = RULES
            .iter()
            .find(|r| r.name == "non-prepaid-account-needs-branch")
            .unwrap();
        assert!(
            !rule.fires(
                json!({"type": "CONTA_PAGAMENTO_PRE_PAGA"})
                    .as_object()
                    .unwrap()
            )
        );
        assert!(rule.fires(json!({"type": "CONTA_POUPANCA"}).as_object().unwrap()));
    }
}
