//! Strings: enum members chosen by meaning, then the meaning's value, the `format`, PT-BR text or a
//! sample of the `pattern`, each checked by [`fit`] against the schema's own keywords.

use chrono::Duration;
use rand::RngExt;
use serde_json::{Map, Value};

use super::placeholder::is_placeholder;
use super::{Walker, fmt_date, fmt_datetime};
use crate::datagen::{DATA_EPOCH, br, pattern};
use crate::spec::hints::{self, Hint};

/// Filler for free-text fields with no better meaning: plain PT-BR words of banking back offices.
const WORDS: &[&str] = &[
    "cadastro",
    "cliente",
    "conta",
    "registro",
    "atualização",
    "documento",
    "informação",
    "complementar",
    "observação",
    "agência",
    "titular",
    "relacionamento",
    "referência",
    "comercial",
    "residencial",
    "contato",
    "principal",
    "secundário",
    "validado",
    "informado",
];

impl Walker<'_, '_> {
    pub(super) fn string(
        &mut self,
        schema: &Value,
        prop: Option<&str>,
        parent: Option<&str>,
        siblings: &Map<String, Value>,
    ) -> String {
        let hint = hints::hint_for(schema, prop, parent);
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let values: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
            if !values.is_empty() {
                return self.enum_choice(&values, hint, prop, parent, siblings);
            }
        }
        if let Some(h) = hint
            && let Some(candidate) = self.hinted(h, schema, siblings)
            && let Some(s) = fit(candidate, schema, true)
        {
            return s;
        }
        if let Some(candidate) = self.formatted(schema)
            && let Some(s) = fit(candidate, schema, false)
        {
            return s;
        }
        let text = self.text(schema);
        if let Some(s) = fit(text, schema, true) {
            return s;
        }
        if let Some(p) = schema.get("pattern").and_then(Value::as_str) {
            let compiled = pattern::get(p);
            for _ in 0..50 {
                if let Some(candidate) = compiled.sample(self.rng)
                    && let Some(s) = fit(candidate, schema, false)
                {
                    return s;
                }
            }
        }
        // Nothing fits: an impossible schema. Say so in the data rather than loop forever; the
        // sandbox's self-check reports it.
        tracing::warn!(?prop, "no value satisfies the schema of this field");
        String::new()
    }

    pub(super) fn enum_choice(
        &mut self,
        values: &[&str],
        hint: Option<Hint>,
        prop: Option<&str>,
        parent: Option<&str>,
        siblings: &Map<String, Value>,
    ) -> String {
        let persona = self.ctx.persona;
        let preferred: Option<String> = match (hint, prop.unwrap_or(""), parent.unwrap_or("")) {
            (Some(Hint::PersonaSex), ..) => Some(match persona.sex {
                br::Sex::Female => "FEMININO".into(),
                br::Sex::Male => "MASCULINO".into(),
            }),
            (Some(Hint::PersonaMaritalStatus), ..) => Some(persona.marital_status.to_string()),
            (Some(Hint::AddressUf), ..) => Some(self.address().uf.to_string()),
            (_, "type", "phones") => Some(if self.phone().mobile {
                "MOVEL".into()
            } else {
                "FIXO".into()
            }),
            (_, "type", "filiation") => Some(if self.scope().index.unwrap_or(0) == 0 {
                "MAE".into()
            } else {
                "PAI".into()
            }),
            // RNE and NIF are foreigners' documents; Brazilians carry RG and CNH.
            (_, "type", "otherDocuments") => {
                let pool: &[&str] = if persona.brazilian {
                    &["RG", "CNH"]
                } else {
                    &["RNE", "NIF"]
                };
                Some(pool[self.rng.random_range(0..pool.len())].to_string())
            }
            (_, "personType", _) => Some(if self.rng.random_bool(0.75) {
                "PESSOA_NATURAL".into()
            } else {
                "PESSOA_JURIDICA".into()
            }),
            (_, "documentType", _) => match siblings.get("personType").and_then(Value::as_str) {
                Some("PESSOA_JURIDICA") => Some("CNPJ".into()),
                Some("PESSOA_NATURAL") => Some("CPF".into()),
                _ => None,
            },
            (_, "currency", _) => Some("BRL".into()),
            _ => None,
        };
        if self.placeholder_item
            && let Some(p) = values.iter().find(|v| is_placeholder(v))
        {
            return (*p).to_string();
        }
        if let Some(p) = preferred
            && values.contains(&p.as_str())
        {
            return p;
        }
        let real: Vec<&str> = values
            .iter()
            .copied()
            .filter(|v| !is_placeholder(v))
            .collect();
        let pool = if real.is_empty() { values } else { &real };
        pool[self.rng.random_range(0..pool.len())].to_string()
    }

    pub(super) fn formatted(&mut self, schema: &Value) -> Option<String> {
        let epoch = DATA_EPOCH;
        Some(match schema.get("format").and_then(Value::as_str)? {
            "date" => {
                let d = self.rng.random_range(30..3650);
                fmt_date(epoch - Duration::days(d))
            }
            "date-time" => {
                let s = self.rng.random_range(3600..365 * 86400);
                fmt_datetime(epoch - Duration::seconds(s))
            }
            "email" => {
                let (name, _) = self.person();
                br::email_for(self.rng, &name)
            }
            "uuid" => {
                let mut b: [u8; 16] = self.rng.random();
                b[6] = (b[6] & 0x0f) | 0x40;
                b[8] = (b[8] & 0x3f) | 0x80;
                uuid::Uuid::from_bytes(b).to_string()
            }
            "url" | "uri" => format!(
                "https://sandbox.finsandbox.example/{}",
                self.rng.random_range(1000..99999)
            ),
            "double" | "float" => format!("{:.2}", self.rng.random_range(0.0..1000.0)),
            _ => return None,
        })
    }

    pub(super) fn text(&mut self, schema: &Value) -> String {
        let max = schema
            .get("maxLength")
            .and_then(Value::as_u64)
            .unwrap_or(40) as usize;
        let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(1) as usize;
        let mut s = String::new();
        let target = max.clamp(min.max(1), 40);
        while s.chars().count() < min.max(3) || (s.chars().count() < target / 2) {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(WORDS[self.rng.random_range(0..WORDS.len())]);
        }
        s
    }
}

/// Makes `candidate` satisfy the string keywords of `schema`, or says it cannot. Names and text may
/// be shortened to `maxLength` (names by the 2.3.0 abbreviation rule); codes never are.
pub(super) fn fit(candidate: String, schema: &Value, shorten: bool) -> Option<String> {
    let max = schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .map(|m| m as usize);
    let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let mut s = candidate;
    if let Some(max) = max
        && s.chars().count() > max
    {
        if !shorten {
            return None;
        }
        s = br::abbreviate_name(&s, max);
        if s.chars().count() > max {
            s = s
                .chars()
                .take(max)
                .collect::<String>()
                .trim_end()
                .to_string();
        }
    }
    let len = s.chars().count();
    // Empty strings satisfy many official patterns (`[\w\W\s]*`) but no real provider sends them.
    if len == 0 || len < min {
        return None;
    }
    if let Some(p) = schema.get("pattern").and_then(Value::as_str)
        && !pattern::get(p).is_match(&s)
    {
        return None;
    }
    Some(s)
}
