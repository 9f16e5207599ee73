//! The walker for documents of no known family (any OpenAPI 3.0 document): every JSON Schema
//! construct such documents use (`allOf` merged, a `oneOf`/`anyOf` branch, enums and `const` of any
//! type, maps through `additionalProperties`, `minProperties`, `multipleOf`, `uniqueItems`,
//! `readOnly`/`writeOnly` by direction, every string `format`), fields filled by the meaning their
//! names carry ([`crate::spec::meaning`]) and the document's own `example`s where a field has no
//! meaning we know. Our families' documents never come here: their data stays as it was.

use base64::Engine;
use chrono::{Datelike, Duration};
use rand::RngExt;
use serde_json::{Map, Number, Value, json};

use super::strings::fit;
use super::{Scope, Walker, fmt_date, fmt_datetime};
use crate::datagen::persona::DocKind;
use crate::datagen::{DATA_EPOCH, br, pattern};
use crate::spec::Direction;
use crate::spec::hints::{self, Hint};

/// Nesting beyond which only required fields and minimum list lengths are generated: bodies of
/// deeply nested (or recursive) schemas stay small.
const DEEP: usize = 8;

/// Objects up to this depth show every optional field.
const SHOW_ALL_DEPTH: usize = 6;

/// Words for free text: plain PT-BR, like the curated generator's.
const SENTENCES: &[&str] = &[
    "Solicitação registrada e em análise pela equipe responsável.",
    "Cadastro atualizado conforme documentação enviada pelo cliente.",
    "Pagamento confirmado pela instituição financeira.",
    "Operação concluída sem pendências.",
    "Aguardando envio de documentação complementar.",
    "Dados conferidos com a base cadastral.",
];

/// Keywords whose presence makes a schema constrain a value (as opposed to annotating it).
fn type_of(schema: &Value) -> &str {
    match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if schema.get("properties").is_some()
            || schema.get("additionalProperties").is_some()
            || schema.get("required").is_some() =>
        {
            "object"
        }
        _ if schema.get("items").is_some() => "array",
        _ if schema.get("minimum").is_some() || schema.get("maximum").is_some() => "number",
        _ => "string",
    }
}

/// `allOf` folded into one schema: properties merged (recursively), `required` united, bounds
/// tightened, the first `type`/`format`/`pattern` kept. Nested `allOf`s are folded too.
pub fn merge_all_of(schema: &Value) -> Value {
    let Some(parts) = schema.get("allOf").and_then(Value::as_array) else {
        return schema.clone();
    };
    let mut base = schema.clone();
    if let Some(map) = base.as_object_mut() {
        map.remove("allOf");
    }
    for part in parts {
        let part = merge_all_of(part);
        base = merge_two(&base, &part);
    }
    base
}

fn merge_two(a: &Value, b: &Value) -> Value {
    let (Some(am), Some(bm)) = (a.as_object(), b.as_object()) else {
        return if a.as_object().is_some_and(Map::is_empty) {
            b.clone()
        } else {
            a.clone()
        };
    };
    let mut out = am.clone();
    for (k, bv) in bm {
        let merged = match (k.as_str(), out.get(k)) {
            (_, None) => bv.clone(),
            ("properties", Some(Value::Object(ap))) => {
                let mut props = ap.clone();
                if let Value::Object(bp) = bv {
                    for (name, sub) in bp {
                        let m = match props.get(name) {
                            Some(existing) => merge_two(existing, sub),
                            None => sub.clone(),
                        };
                        props.insert(name.clone(), m);
                    }
                }
                Value::Object(props)
            }
            ("required", Some(Value::Array(ar))) => {
                let mut req = ar.clone();
                for r in bv.as_array().into_iter().flatten() {
                    if !req.contains(r) {
                        req.push(r.clone());
                    }
                }
                Value::Array(req)
            }
            (
                "minimum" | "minLength" | "minItems" | "minProperties" | "exclusiveMinimum",
                Some(av),
            ) if av.is_number() && bv.is_number() => {
                if bv.as_f64() > av.as_f64() {
                    bv.clone()
                } else {
                    av.clone()
                }
            }
            (
                "maximum" | "maxLength" | "maxItems" | "maxProperties" | "exclusiveMaximum",
                Some(av),
            ) if av.is_number() && bv.is_number() => {
                if bv.as_f64() < av.as_f64() {
                    bv.clone()
                } else {
                    av.clone()
                }
            }
            ("enum", Some(Value::Array(ae))) => match bv.as_array() {
                Some(be) => Value::Array(ae.iter().filter(|v| be.contains(v)).cloned().collect()),
                None => Value::Array(ae.clone()),
            },
            ("items", Some(ai)) => merge_two(ai, bv),
            // `additionalProperties: false` in one part would refuse the other parts' fields:
            // the merged object may hold every merged property.
            ("additionalProperties", Some(av)) => {
                if av == &Value::Bool(false) || bv == &Value::Bool(false) {
                    Value::Bool(false)
                } else {
                    av.clone()
                }
            }
            (_, Some(av)) => av.clone(),
        };
        out.insert(k.clone(), merged);
    }
    Value::Object(out)
}

/// A schema's keywords besides a composition, merged into the chosen branch (a `oneOf` sibling
/// `properties`, say, constrains the branch too).
fn with_branch(schema: &Value, key: &str, branch: &Value) -> Value {
    let mut rest = schema.clone();
    if let Some(map) = rest.as_object_mut() {
        map.remove(key);
        map.remove("discriminator");
    }
    merge_two(&merge_all_of(branch), &rest)
}

fn skip_for(direction: Direction, schema: &Value) -> bool {
    let flag = match direction {
        Direction::Request => "readOnly",
        Direction::Response => "writeOnly",
    };
    schema.get(flag) == Some(&Value::Bool(true))
}

impl Walker<'_, '_> {
    fn direction(&self) -> Direction {
        self.ctx
            .open
            .as_ref()
            .map_or(Direction::Response, |o| o.direction)
    }

    /// The document's own example for a field, when this attempt may use it.
    fn example<'s>(&self, schema: &'s Value) -> Option<&'s Value> {
        if !self.use_examples {
            return None;
        }
        schema.get("example").or_else(|| {
            schema
                .get("examples")
                .and_then(Value::as_array)
                .and_then(|e| e.first())
        })
    }

    pub(super) fn open_value(
        &mut self,
        schema: &Value,
        prop: Option<&str>,
        parent: Option<&str>,
        index: Option<usize>,
        siblings: &Map<String, Value>,
    ) -> Option<Value> {
        if schema.get("allOf").is_some() {
            let merged = merge_all_of(schema);
            return self.open_value(&merged, prop, parent, index, siblings);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(branches) = schema.get(key).and_then(Value::as_array)
                && !branches.is_empty()
            {
                let i = self.rng.random_range(0..branches.len());
                let mut chosen = with_branch(schema, key, &branches[i]);
                self.tag_discriminator(schema, &branches[i], &mut chosen);
                return self.open_value(&chosen, prop, parent, index, siblings);
            }
        }
        if let Some(c) = schema.get("const") {
            return Some(c.clone());
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let usable: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
            if usable.iter().any(|v| !v.is_string()) && !usable.is_empty() {
                return Some(usable[self.rng.random_range(0..usable.len())].clone());
            }
        }
        match type_of(schema) {
            "object" => Some(self.open_object(schema, prop, index)),
            "array" => Some(self.open_array(schema, prop, parent)),
            "integer" => Some(self.open_integer(schema, prop, parent)),
            "number" => Some(self.open_number(schema, prop, parent)),
            "boolean" => Some(
                match (self.open_hint(schema, prop, parent), self.example(schema)) {
                    // One main item per list (the validator's `one-is-main` rule).
                    (Some(Hint::IsMain), _) => {
                        let first = self.scopes.last().and_then(|s| s.index).unwrap_or(0) == 0;
                        Value::Bool(first)
                    }
                    (_, Some(Value::Bool(b))) => Value::Bool(*b),
                    _ => Value::Bool(self.rng.random_bool(0.5)),
                },
            ),
            "null" => Some(Value::Null),
            _ => Some(Value::String(
                self.open_string(schema, prop, parent, siblings),
            )),
        }
    }

    /// With a `discriminator`, the chosen branch names itself in the discriminating property: the
    /// mapping's key for it, or its schema name as `$ref` gave it (kept as `x-ref-name` by load).
    fn tag_discriminator(&mut self, schema: &Value, branch: &Value, chosen: &mut Value) {
        let Some(disc) = schema.get("discriminator") else {
            return;
        };
        let Some(name) = disc.get("propertyName").and_then(Value::as_str) else {
            return;
        };
        let branch_ref = branch.get("x-ref-name").and_then(Value::as_str);
        let mapped = disc
            .get("mapping")
            .and_then(Value::as_object)
            .and_then(|m| {
                m.iter()
                    .find(|(_, target)| {
                        let target = target.as_str().unwrap_or("");
                        branch_ref
                            .is_some_and(|r| target == r || target.ends_with(&format!("/{r}")))
                    })
                    .map(|(k, _)| k.clone())
            })
            .or_else(|| branch_ref.map(str::to_string));
        // A branch whose property is already an enum or const decides for itself.
        let prop_schema = chosen
            .get("properties")
            .and_then(|p| p.get(name))
            .cloned()
            .unwrap_or(Value::Null);
        if prop_schema.get("enum").is_some() || prop_schema.get("const").is_some() {
            return;
        }
        if let (Some(value), Some(map)) = (mapped, chosen.as_object_mut()) {
            let props = map
                .entry("properties")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(props) = props.as_object_mut() {
                props.insert(name.to_string(), json!({"type": "string", "const": value}));
            }
            let req = map
                .entry("required")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Some(req) = req.as_array_mut()
                && !req.iter().any(|r| r == name)
            {
                req.push(Value::String(name.to_string()));
            }
        }
    }

    fn open_object(&mut self, schema: &Value, prop: Option<&str>, index: Option<usize>) -> Value {
        let direction = self.direction();
        let deep = self.scopes.len() >= DEEP;
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let empty = Map::new();
        let props = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        self.scopes.push(Scope {
            index,
            container: prop.map(str::to_string),
            ..Scope::default()
        });
        let mut out = Map::new();
        for (name, sub) in props {
            if skip_for(direction, sub) {
                continue;
            }
            let is_required = required.contains(&name.as_str());
            let include = is_required || (!deep && self.include_open_optional());
            if include && let Some(v) = self.open_value(sub, Some(name), prop, None, &out) {
                out.insert(name.clone(), v);
            }
        }
        let extra = schema.get("additionalProperties");
        let extra_schema = match extra {
            Some(Value::Object(m)) if !m.is_empty() => extra.cloned(),
            _ => None,
        };
        // Required names the properties do not describe still need a value.
        for name in &required {
            if !out.contains_key(*name) && !props.contains_key(*name) {
                let sub = extra_schema
                    .clone()
                    .unwrap_or_else(|| json!({"type": "string"}));
                if let Some(v) = self.open_value(&sub, Some(name), prop, None, &out) {
                    out.insert((*name).to_string(), v);
                }
            }
        }
        // A map (`additionalProperties` and no properties) gets a few entries.
        let min_props = schema
            .get("minProperties")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        let max_props = schema
            .get("maxProperties")
            .and_then(Value::as_u64)
            .map_or(usize::MAX, |m| m as usize);
        let allows_extra = extra != Some(&Value::Bool(false));
        let wanted = if props.is_empty() && extra_schema.is_some() && !deep {
            self.rng.random_range(1..=3usize).max(min_props)
        } else {
            min_props
        };
        // Optional declared properties first, then new keys.
        if out.len() < wanted {
            for (name, sub) in props {
                if out.len() >= wanted {
                    break;
                }
                if out.contains_key(name) || skip_for(direction, sub) {
                    continue;
                }
                if let Some(v) = self.open_value(sub, Some(name), prop, None, &out) {
                    out.insert(name.clone(), v);
                }
            }
        }
        let mut n = 0;
        while out.len() < wanted && allows_extra && n < 32 {
            n += 1;
            let key = self.map_key(schema);
            if out.contains_key(&key) {
                continue;
            }
            let sub = extra_schema
                .clone()
                .unwrap_or_else(|| json!({"type": "string"}));
            if let Some(v) = self.open_value(&sub, Some(&key), prop, None, &out) {
                out.insert(key, v);
            }
        }
        while out.len() > max_props {
            // Drop optional fields from the end until the object is small enough.
            let Some(victim) = out
                .keys()
                .rev()
                .find(|k| !required.contains(&k.as_str()))
                .cloned()
            else {
                break;
            };
            out.remove(&victim);
        }
        self.scopes.pop();
        in_order(&mut out);
        Value::Object(out)
    }

    /// Near the top every optional field is shown (a client sees the whole shape, as a real
    /// provider's full record); deeper down a share of them, so large documents stay readable.
    fn include_open_optional(&mut self) -> bool {
        if self.scopes.len() <= SHOW_ALL_DEPTH {
            return true;
        }
        let share = if self.ctx.optional_share > 0.0 {
            self.ctx.optional_share
        } else {
            super::OPTIONAL_SHARE_DEFAULT
        };
        self.rng.random_bool(share.clamp(0.0, 1.0))
    }

    /// A key for a map entry: a sample of `propertyNames.pattern` if there is one, else a word.
    fn map_key(&mut self, schema: &Value) -> String {
        if let Some(p) = schema
            .get("propertyNames")
            .and_then(|n| n.get("pattern"))
            .and_then(Value::as_str)
        {
            let compiled = pattern::get(p);
            for _ in 0..20 {
                if let Some(k) = compiled.sample(self.rng)
                    && compiled.is_match(&k)
                {
                    return k;
                }
            }
        }
        const KEYS: &[&str] = &[
            "principal",
            "secundario",
            "origem",
            "canal",
            "campanha",
            "referencia",
            "categoria",
            "regiao",
        ];
        KEYS[self.rng.random_range(0..KEYS.len())].to_string()
    }

    fn open_array(&mut self, schema: &Value, prop: Option<&str>, parent: Option<&str>) -> Value {
        let item = schema.get("items").cloned().unwrap_or_else(|| json!({}));
        let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = schema
            .get("maxItems")
            .and_then(Value::as_u64)
            .map_or(usize::MAX, |m| m as usize);
        let deep = self.scopes.len() >= DEEP;
        let wanted = if deep {
            min
        } else {
            self.rng.random_range(1..=3usize)
        };
        let count = wanted.clamp(min, max.max(min));
        let unique = schema.get("uniqueItems") == Some(&Value::Bool(true));
        // The author's example list, when it is one of scalars and fits the bounds.
        if let Some(Value::Array(example)) = self.example(schema)
            && (min..=max).contains(&example.len())
            && example.iter().all(|v| !v.is_object() && !v.is_array())
        {
            return Value::Array(example.clone());
        }
        let mut out: Vec<Value> = Vec::with_capacity(count);
        let mut tries = 0;
        while out.len() < count && tries < count * 10 + 10 {
            tries += 1;
            self.item_index = Some(out.len());
            let v = self.open_value(&item, prop, parent, Some(out.len()), &Map::new());
            self.item_index = None;
            if let Some(v) = v
                && !(unique && out.contains(&v))
            {
                out.push(v);
            }
        }
        Value::Array(out)
    }

    fn open_integer(&mut self, schema: &Value, prop: Option<&str>, parent: Option<&str>) -> Value {
        let (lo, hi) = int_bounds(schema);
        let step = schema
            .get("multipleOf")
            .and_then(Value::as_f64)
            .filter(|m| *m >= 1.0 && m.fract() == 0.0)
            .map_or(1, |m| m as i64);
        let hint = self.open_hint(schema, prop, parent);
        let epoch = DATA_EPOCH;
        let preferred: Option<i64> = match hint {
            // The customer's own age agrees with their birth date.
            Some(Hint::Age) if self.scopes.len() <= SHOW_ALL_DEPTH => {
                let born = self.ctx.persona.birth_date;
                let today = epoch.date();
                let mut age = i64::from(today.year() - born.year());
                if (today.month(), today.day()) < (born.month(), born.day()) {
                    age -= 1;
                }
                Some(age)
            }
            Some(Hint::Age) => Some(self.rng.random_range(18..80)),
            Some(Hint::YearPast) => Some(i64::from(epoch.year()) - self.rng.random_range(0..4)),
            Some(Hint::Page) => Some(1),
            Some(Hint::PageSize) => Some([10, 20, 25, 50][self.rng.random_range(0..4usize)]),
            Some(Hint::Count) => Some(self.rng.random_range(0..200)),
            Some(Hint::UnixTime) => {
                Some(epoch.and_utc().timestamp() - self.rng.random_range(3600..90 * 86400))
            }
            // Integer amounts are minor units (cents).
            Some(Hint::Amount) => Some(self.rng.random_range(100..2_000_000)),
            Some(Hint::Percentage) => Some(self.rng.random_range(0..=100)),
            _ => None,
        };
        let example = self.example(schema).and_then(Value::as_i64);
        for candidate in [preferred, example].into_iter().flatten() {
            if candidate >= lo && candidate <= hi && candidate % step == 0 {
                return Value::from(candidate);
            }
        }
        if lo > hi {
            return Value::from(lo);
        }
        // Small, plausible numbers unless the bounds say otherwise.
        let (span_lo, span_hi) = (lo, hi.min(lo.saturating_add(1000)).max(lo));
        let v = self.rng.random_range(span_lo..=span_hi);
        let v = if step > 1 {
            let k =
                (v.div_euclid(step)).max(lo.div_euclid(step) + i64::from(lo.rem_euclid(step) != 0));
            (k * step).clamp(lo, hi)
        } else {
            v
        };
        Value::from(v)
    }

    fn open_number(&mut self, schema: &Value, prop: Option<&str>, parent: Option<&str>) -> Value {
        let (lo, hi) = float_bounds(schema);
        let hint = self.open_hint(schema, prop, parent);
        let multiple = schema
            .get("multipleOf")
            .and_then(Value::as_f64)
            .filter(|m| *m > 0.0);
        let fits = |v: f64| {
            v >= lo && v <= hi && multiple.is_none_or(|m| ((v / m) - (v / m).round()).abs() < 1e-9)
        };
        let preferred: Option<f64> = match hint {
            Some(Hint::Amount | Hint::PersonaIncome) => {
                Some(self.rng.random_range(1_000..5_000_000u64) as f64 / 100.0)
            }
            Some(Hint::Age) => self.open_integer(schema, prop, parent).as_f64(),
            Some(Hint::YearPast) => {
                Some(f64::from(DATA_EPOCH.year() - self.rng.random_range(0..4)))
            }
            Some(Hint::Count) => Some(f64::from(self.rng.random_range(0..200u32))),
            Some(Hint::Page) => Some(1.0),
            Some(Hint::PageSize) => Some(10.0),
            Some(Hint::Percentage) => Some(f64::from(self.rng.random_range(0..10_000u32)) / 100.0),
            Some(Hint::AddressLatitude) => self.address().latitude.parse().ok(),
            Some(Hint::AddressLongitude) => self.address().longitude.parse().ok(),
            Some(Hint::UnixTime) => Some(
                (DATA_EPOCH.and_utc().timestamp() - self.rng.random_range(3600..90 * 86400)) as f64,
            ),
            _ => None,
        };
        let example = self.example(schema).and_then(Value::as_f64);
        for candidate in [preferred, example].into_iter().flatten() {
            if fits(candidate) {
                return number(candidate);
            }
        }
        let span_hi = hi.min(lo.max(0.0) + 10_000.0).max(lo);
        let raw = if lo < span_hi {
            self.rng.random_range(lo..span_hi)
        } else {
            lo
        };
        let v = match multiple {
            Some(m) => {
                let k = (raw / m).ceil();
                let v = k * m;
                if v > hi { ((hi / m).floor()) * m } else { v }
            }
            None => ((raw * 100.0).round() / 100.0).clamp(lo, hi),
        };
        number(v)
    }

    fn open_hint(&self, schema: &Value, prop: Option<&str>, parent: Option<&str>) -> Option<Hint> {
        hints::hint_for_open(schema, prop, parent)
    }

    fn open_string(
        &mut self,
        schema: &Value,
        prop: Option<&str>,
        parent: Option<&str>,
        siblings: &Map<String, Value>,
    ) -> String {
        let mut hint = self.open_hint(schema, prop, parent);
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let values: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
            if !values.is_empty() {
                return self.enum_choice(&values, hint, prop, parent, siblings);
            }
        }
        // A bare `name` beside a document, e-mail or phone is that person's name; the customer's
        // own when the document is theirs.
        if hint.is_none()
            && prop.is_some_and(|p| {
                crate::spec::meaning::words(p)
                    .iter()
                    .any(|w| w == "name" || w == "nome")
            })
            && crate::spec::meaning::describes_person(siblings.keys())
        {
            let own = siblings
                .values()
                .filter_map(Value::as_str)
                .any(|v| v == self.ctx.persona.document);
            hint = Some(if own {
                Hint::PersonaCivilName
            } else {
                Hint::PersonCivilName
            });
        }
        let format = schema.get("format").and_then(Value::as_str);
        if let Some(h) = hint {
            for candidate in self.open_hinted(h, schema, siblings) {
                for variant in shapes(&candidate, schema) {
                    if let Some(s) = fit(variant, schema, true)
                        && format_ok(format, &s)
                    {
                        return s;
                    }
                }
            }
        }
        if let Some(Value::String(e)) = self.example(schema)
            && let Some(s) = fit(e.clone(), schema, false)
            && format_ok(format, &s)
        {
            return s;
        }
        if let Some(candidate) = self.open_formatted(schema)
            && let Some(s) = fit(candidate, schema, false)
        {
            return s;
        }
        if schema.get("pattern").is_none() && schema.get("format").is_none() {
            let text = self.text(schema);
            if let Some(s) = fit(text, schema, true) {
                return s;
            }
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
        // Lengths alone: letters enough to meet them.
        let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(1) as usize;
        let text = self.text(schema);
        let mut s: String = text.chars().filter(|c| c.is_alphanumeric()).collect();
        while s.chars().count() < min.max(1) {
            s.push('x');
        }
        fit(s.clone(), schema, true).unwrap_or(s)
    }

    /// Candidates for a meaning, best first; [`fit`] keeps the first that the schema accepts.
    fn open_hinted(
        &mut self,
        hint: Hint,
        schema: &Value,
        siblings: &Map<String, Value>,
    ) -> Vec<String> {
        let persona = self.ctx.persona;
        let epoch = DATA_EPOCH;
        let date_like = |s: String, schema: &Value| -> String {
            match schema.get("format").and_then(Value::as_str) {
                Some("date-time") if s.len() == 10 => format!("{s}T12:00:00Z"),
                Some("date") if s.len() > 10 => s[..10].to_string(),
                _ => s,
            }
        };
        match hint {
            Hint::PersonaDocument => match persona.kind {
                DocKind::Cpf => vec![persona.document.clone(), self.cnpj(schema)],
                DocKind::Cnpj => vec![persona.document.clone(), persona.representative_cpf.clone()],
            },
            // Without the institution's group (a check at load), any valid CNPJ.
            Hint::InstitutionCnpj if self.ctx.institution_cnpjs.is_empty() => {
                vec![self.cnpj(schema)]
            }
            Hint::CpfOrCnpj => {
                let cpf = br::gen_cpf(self.rng);
                let cnpj = self.cnpj(schema);
                if self.rng.random_bool(0.6) {
                    vec![cpf, cnpj]
                } else {
                    vec![cnpj, cpf]
                }
            }
            Hint::PersonBirthDate => {
                let days = self.rng.random_range(18 * 365 + 5..80 * 365);
                vec![date_like(fmt_date(epoch - Duration::days(days)), schema)]
            }
            Hint::PersonaBirthDate => vec![date_like(
                persona.birth_date.format("%Y-%m-%d").to_string(),
                schema,
            )],
            Hint::FirstName => {
                let (name, _) = self.person();
                vec![name.split_whitespace().next().unwrap_or("Ana").to_string()]
            }
            Hint::LastName => {
                let (name, _) = self.person();
                vec![
                    name.split_whitespace()
                        .last()
                        .unwrap_or("Silva")
                        .to_string(),
                ]
            }
            Hint::Username => {
                let (name, _) = self.person();
                let email = br::email_for(self.rng, &name);
                vec![email.split('@').next().unwrap_or("usuario").to_string()]
            }
            Hint::PhoneFull => {
                let p = self.phone().clone();
                vec![
                    format!("+{}{}{}", p.country_code, p.area_code, p.number),
                    format!("{}{}", p.area_code, p.number),
                    format!("({}) {}", p.area_code, mask_phone(&p.number)),
                    p.number.clone(),
                ]
            }
            Hint::CountryCode => vec!["BR".into(), "BRA".into(), "Brasil".into(), "076".into()],
            Hint::AddressCountry => vec!["Brasil".into(), "BR".into(), "BRA".into()],
            Hint::AccessToken => vec![self.token()],
            Hint::Password => {
                const ALPHABET: &[u8] =
                    b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
                let body: String = (0..14)
                    .map(|_| char::from(ALPHABET[self.rng.random_range(0..ALPHABET.len())]))
                    .collect();
                vec![format!("{body}#9")]
            }
            Hint::Ip => vec![format!(
                "{}.{}.{}.{}",
                self.rng.random_range(11..223),
                self.rng.random_range(0..255),
                self.rng.random_range(0..255),
                self.rng.random_range(1..254)
            )],
            Hint::Url => vec![format!(
                "https://api.exemplo.com.br/v1/recursos/{}",
                self.rng.random_range(1000..99999)
            )],
            Hint::Locale => vec!["pt-BR".into(), "pt_BR".into(), "pt".into()],
            Hint::Timezone => vec!["America/Sao_Paulo".into(), "-03:00".into()],
            Hint::Identifier => {
                let uuid = self.uuid();
                let digits = self.rng.random_range(100_000..99_999_999u64).to_string();
                match schema.get("format").and_then(Value::as_str) {
                    Some("uuid") | None => vec![uuid, digits],
                    _ => vec![digits, uuid],
                }
            }
            Hint::Sentence => {
                vec![SENTENCES[self.rng.random_range(0..SENTENCES.len())].to_string()]
            }
            Hint::Age | Hint::Page | Hint::PageSize | Hint::Count | Hint::Percentage => {
                vec![self.rng.random_range(1..100u32).to_string()]
            }
            Hint::UnixTime => vec![
                (epoch.and_utc().timestamp() - self.rng.random_range(3600..90 * 86400)).to_string(),
            ],
            Hint::DatePast | Hint::DateFuture | Hint::DatetimeRecent | Hint::DatetimePast => self
                .hinted(hint, schema, siblings)
                .map(|s| vec![date_like(s, schema)])
                .unwrap_or_default(),
            other => self.hinted(other, schema, siblings).into_iter().collect(),
        }
    }

    fn uuid(&mut self) -> String {
        let mut b: [u8; 16] = self.rng.random();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        uuid::Uuid::from_bytes(b).to_string()
    }

    /// A JWT that carries the scopes the document declares, so a client that logs in through the
    /// document's own token operation gets a token the security check accepts. Signed with a
    /// sandbox key for form's sake; the check reads claims without verifying it.
    fn token(&mut self) -> String {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let scopes = self
            .ctx
            .open
            .as_ref()
            .map(|o| o.scopes.join(" "))
            .unwrap_or_default();
        let header = b64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let mut claims = json!({
            "iss": "finsandbox",
            "sub": self.ctx.persona.document,
            "iat": DATA_EPOCH.and_utc().timestamp(),
            "jti": self.uuid(),
        });
        // No scope claim at all when the document declares none: an empty one would grant none.
        if !scopes.is_empty() {
            claims["scope"] = Value::String(scopes);
        }
        let payload = b64.encode(claims.to_string());
        let signing_input = format!("{header}.{payload}");
        use hmac::Mac;
        let signature = match hmac::Hmac::<sha2::Sha256>::new_from_slice(b"finsandbox-sandbox-key")
        {
            Ok(mut mac) => {
                mac.update(signing_input.as_bytes());
                b64.encode(mac.finalize().into_bytes())
            }
            Err(_) => String::new(),
        };
        format!("{signing_input}.{signature}")
    }

    /// A value for every string `format` of JSON Schema and OpenAPI.
    fn open_formatted(&mut self, schema: &Value) -> Option<String> {
        let format = schema.get("format").and_then(Value::as_str)?;
        Some(match format {
            "time" => format!(
                "{:02}:{:02}:{:02}Z",
                self.rng.random_range(8..19),
                self.rng.random_range(0..60),
                self.rng.random_range(0..60)
            ),
            "ipv4" => format!(
                "10.{}.{}.{}",
                self.rng.random_range(0..255),
                self.rng.random_range(0..255),
                self.rng.random_range(1..254)
            ),
            "ipv6" => format!("2001:db8::{:x}", self.rng.random_range(1..0xffffu32)),
            "hostname" | "idn-hostname" => {
                format!("api{}.exemplo.com.br", self.rng.random_range(1..9))
            }
            "uri-reference" | "iri-reference" => {
                format!("/v1/recursos/{}", self.rng.random_range(1000..99999))
            }
            "iri" | "uri" | "url" => format!(
                "https://api.exemplo.com.br/v1/recursos/{}",
                self.rng.random_range(1000..99999)
            ),
            "uri-template" => "https://api.exemplo.com.br/v1/recursos/{id}".into(),
            "json-pointer" => "/dados/0/nome".into(),
            "relative-json-pointer" => "0/nome".into(),
            "regex" => "^[A-Z]{3}$".into(),
            "duration" => format!("PT{}M", self.rng.random_range(1..120)),
            "byte" => base64::engine::general_purpose::STANDARD
                .encode(format!("finsandbox {}", self.rng.random_range(1000..9999))),
            "binary" => format!("arquivo-{}", self.rng.random_range(1000..9999)),
            "password" => format!("Senha{}#x", self.rng.random_range(1000..9999)),
            "uuid" => self.uuid(),
            "date-time" => {
                let s = self.rng.random_range(3600..365 * 86400);
                fmt_datetime(DATA_EPOCH - Duration::seconds(s))
            }
            "date" => {
                let d = self.rng.random_range(30..3650);
                fmt_date(DATA_EPOCH - Duration::days(d))
            }
            _ => return self.formatted(schema),
        })
    }
}

/// Instants of one record happen in order: created before updated, started before ended,
/// issued before expiry. ISO dates of one shape compare as text.
fn in_order(out: &mut Map<String, Value>) {
    const PAIRS: &[(&str, &str)] = &[
        ("created", "updated"),
        ("created", "modified"),
        ("started", "ended"),
        ("start", "end"),
        ("issued", "expires"),
        ("issue", "expiration"),
    ];
    let keys: Vec<String> = out.keys().cloned().collect();
    let word_of = |k: &str, w: &str| {
        crate::spec::meaning::words(k)
            .first()
            .is_some_and(|x| x == w)
    };
    for (early, late) in PAIRS {
        let a = keys.iter().find(|k| word_of(k, early));
        let b = keys.iter().find(|k| word_of(k, late));
        if let (Some(a), Some(b)) = (a, b)
            && let (Some(Value::String(x)), Some(Value::String(y))) = (out.get(a), out.get(b))
            && x.len() == y.len()
            && x > y
        {
            let (x, y) = (x.clone(), y.clone());
            out.insert(a.clone(), Value::String(y));
            out.insert(b.clone(), Value::String(x));
        }
    }
}

/// Whether `s` has the shape a string `format` asks for (the formats the validator asserts). A
/// meaning's value (`priceAsOf` reads as money) must not override what the format says (a date).
fn format_ok(format: Option<&str>, s: &str) -> bool {
    match format {
        Some("date") => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() && s.len() == 10,
        Some("date-time") => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
        Some("time") => {
            s.len() >= 8 && chrono::NaiveTime::parse_from_str(&s[..8], "%H:%M:%S").is_ok()
        }
        Some("uuid") => uuid::Uuid::parse_str(s).is_ok() && s.len() == 36,
        Some("email" | "idn-email") => {
            s.split_once('@')
                .is_some_and(|(a, b)| !a.is_empty() && b.contains('.'))
                && !s.contains(char::is_whitespace)
        }
        Some("uri" | "url" | "iri") => {
            s.split_once("://").is_some_and(|(scheme, rest)| {
                !scheme.is_empty()
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                    && !rest.is_empty()
            }) && !s.contains(char::is_whitespace)
        }
        Some("duration") => s.starts_with('P') && s.len() > 2,
        Some("ipv4") => s.parse::<std::net::Ipv4Addr>().is_ok(),
        Some("ipv6") => s.parse::<std::net::Ipv6Addr>().is_ok(),
        Some("hostname" | "idn-hostname") => {
            !s.is_empty()
                && s.split('.').all(|l| {
                    !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
        }
        _ => true,
    }
}

/// `987654321` -> `98765-4321`.
fn mask_phone(number: &str) -> String {
    if number.len() > 4 {
        let (a, b) = number.split_at(number.len() - 4);
        format!("{a}-{b}")
    } else {
        number.to_string()
    }
}

/// The shapes a value may take to meet a pattern: as is, then masked (CPF, CNPJ, CEP), then bare
/// digits.
fn shapes(candidate: &str, schema: &Value) -> Vec<String> {
    let mut out = vec![candidate.to_string()];
    if schema.get("pattern").is_none() && schema.get("maxLength").is_none() {
        return out;
    }
    let digits: String = candidate
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    match digits.len() {
        11 if br::is_valid_cpf(&digits) => out.extend(br::format_cpf(&digits)),
        14 if br::is_valid_cnpj(&digits) => out.extend(br::format_cnpj(&digits)),
        8 if digits.chars().all(|c| c.is_ascii_digit()) && candidate.len() == 8 => {
            out.push(format!("{}-{}", &digits[..5], &digits[5..]))
        }
        _ => {}
    }
    if digits != candidate {
        out.push(digits);
    }
    out
}

fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        return Value::from(v as i64);
    }
    Number::from_f64(v).map_or(Value::from(0), Value::Number)
}

/// Integer bounds with OpenAPI 3.0's boolean exclusives and 3.1's numeric ones.
fn int_bounds(schema: &Value) -> (i64, i64) {
    let (lo, hi) = float_bounds(schema);
    let lo = if lo.is_finite() { lo.ceil() as i64 } else { 0 };
    let hi = if hi.is_finite() {
        hi.floor() as i64
    } else {
        i64::MAX
    };
    (lo, hi)
}

fn float_bounds(schema: &Value) -> (f64, f64) {
    let num = |k: &str| schema.get(k).and_then(Value::as_f64);
    let flag = |k: &str| schema.get(k) == Some(&Value::Bool(true));
    let integer = type_of(schema) == "integer";
    let step = if integer { 1.0 } else { 0.01 };
    let mut lo = num("minimum").unwrap_or_else(|| {
        // Without a lower bound, stay non-negative unless the maximum forbids it.
        match num("maximum") {
            Some(m) if m < 0.0 => m - 1000.0,
            _ => 0.0,
        }
    });
    let mut hi = num("maximum").unwrap_or(f64::INFINITY);
    if flag("exclusiveMinimum") {
        lo += step;
    }
    if let Some(x) = num("exclusiveMinimum") {
        lo = lo.max(x + step);
    }
    if flag("exclusiveMaximum") {
        hi -= step;
    }
    if let Some(x) = num("exclusiveMaximum") {
        hi = hi.min(x - step);
    }
    // int32/int64 formats bound integers too.
    if schema.get("format").and_then(Value::as_str) == Some("int32") {
        lo = lo.max(f64::from(i32::MIN));
        hi = hi.min(f64::from(i32::MAX));
    }
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn all_of_merges_properties_required_and_bounds() {
        let s = merge_all_of(&json!({"allOf": [
            {"type": "object", "required": ["a"], "properties": {"a": {"type": "string", "maxLength": 10}}},
            {"required": ["b"], "properties": {"a": {"minLength": 2}, "b": {"type": "integer"}}}
        ]}));
        assert_eq!(s["required"], json!(["a", "b"]));
        assert_eq!(
            s["properties"]["a"],
            json!({"type": "string", "maxLength": 10, "minLength": 2})
        );
        assert_eq!(s["properties"]["b"]["type"], "integer");
    }

    #[test]
    fn masked_shapes_are_offered_for_documents() {
        let s = json!({"type": "string", "pattern": "^\\d{3}\\.\\d{3}\\.\\d{3}-\\d{2}$"});
        assert!(shapes("52998224725", &s).contains(&"529.982.247-25".to_string()));
        let cep = json!({"type": "string", "pattern": "^\\d{5}-\\d{3}$"});
        assert!(shapes("01310100", &cep).contains(&"01310-100".to_string()));
    }
}
