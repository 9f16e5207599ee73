//! The schema walker: a value for any (dereferenced OpenAPI 3.0) schema that satisfies its keywords,
//! with realistic Brazilian content chosen by each field's meaning ([`crate::spec::hints`]).
//!
//! How a string is made, in order: the field's meaning (persona data, an address of this object, a
//! valid CNPJ...), then its `format`, then its `pattern`, then plain PT-BR text. Every candidate is
//! checked against the schema's pattern and lengths before it is used, so the meaning only ever
//! improves realism and never breaks validity.
//!
//! Objects keep coherent context: every field of one postal address comes from the same address, a
//! phone's `type` agrees with its number, a `filiation` entry of type `MAE` carries the mother's name.

use chrono::{Datelike, Duration, NaiveDateTime};
use rand::RngExt;
use rand::rngs::ChaCha8Rng;
use serde_json::{Map, Value, json};

use super::DATA_EPOCH;
use super::br;
use super::pattern;
use super::persona::{DocKind, Persona};
use crate::spec::hints::{self, Hint};
use crate::spec::rules;

/// What the generated values are about.
pub struct GenContext<'a> {
    pub persona: &'a Persona,
    /// The institution's brand name (`brandName`).
    pub brand: &'a str,
    /// CNPJs of the institution's group (`companiesCnpj`, `companyCnpj`).
    pub institution_cnpjs: &'a [String],
    /// Whether the API version knows alphanumeric CNPJs at all (2.3.0 on).
    pub alphanumeric_cnpj: bool,
    /// Which of the customer's records is being generated (identifications).
    pub record: usize,
    /// Share of optional fields to include, 0.0 – 1.0.
    pub optional_share: f64,
}

/// Generates a value for `schema` found at property `prop` (`data` for the top-level records).
pub fn generate_value(
    schema: &Value,
    prop: Option<&str>,
    ctx: &GenContext<'_>,
    rng: &mut ChaCha8Rng,
) -> Value {
    let mut walker = Walker {
        ctx,
        rng,
        scopes: Vec::new(),
        item_index: None,
        placeholder_item: false,
    };
    walker
        .value(schema, prop, None, None, &Map::new())
        .unwrap_or(Value::Null)
}

/// Coherent context of one object: lazily drawn so objects that need no address draw none.
#[derive(Default)]
struct Scope {
    index: Option<usize>,
    container: Option<String>,
    address: Option<br::Address>,
    phone: Option<br::Phone>,
    person: Option<(String, br::Sex)>,
    company: Option<br::Company>,
    bank: Option<&'static br::Bank>,
    account: Option<(String, String, String)>,
}

struct Walker<'a, 'c> {
    ctx: &'a GenContext<'c>,
    rng: &'a mut ChaCha8Rng,
    scopes: Vec<Scope>,
    /// Index of the scalar array item being generated (`companiesCnpj[1]`): scalars have no scope.
    item_index: Option<usize>,
    /// Generating v1's "nothing here" item (`SEM_OUTROS_DOCUMENTOS`, `NAO_APLICA`, ...).
    placeholder_item: bool,
}

const OPTIONAL_SHARE_DEFAULT: f64 = 0.7;

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

/// Enum values that v1 uses to say "not applicable"; real data uses them only when nothing applies.
fn is_placeholder(v: &str) -> bool {
    v == "NA" || v.starts_with("SEM_") || v.starts_with("NAO_")
}

fn fmt_date(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d").to_string()
}

fn fmt_datetime(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Walker<'_, '_> {
    fn scope(&mut self) -> &mut Scope {
        if self.scopes.is_empty() {
            self.scopes.push(Scope::default());
        }
        let last = self.scopes.len() - 1;
        &mut self.scopes[last]
    }

    fn value(
        &mut self,
        schema: &Value,
        prop: Option<&str>,
        parent: Option<&str>,
        index: Option<usize>,
        siblings: &Map<String, Value>,
    ) -> Option<Value> {
        if let Some(first) = schema
            .get("allOf")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        {
            // Our specs use allOf only to wrap a single $ref; merge is not needed for them.
            return self.value(first, prop, parent, index, siblings);
        }
        if let Some(first) = schema
            .get("oneOf")
            .or_else(|| schema.get("anyOf"))
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        {
            return self.value(first, prop, parent, index, siblings);
        }
        let ty = match schema.get("type") {
            Some(Value::String(t)) => t.as_str(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("null"),
            _ if schema.get("properties").is_some() => "object",
            _ if schema.get("items").is_some() => "array",
            _ if schema.get("enum").is_some() => "string",
            _ => "string",
        };
        match ty {
            "object" => Some(self.object(schema, prop, index)),
            "array" => Some(self.array(schema, prop, parent)),
            "string" => Some(Value::String(self.string(schema, prop, parent, siblings))),
            "integer" => Some(self.integer(schema, prop, parent)),
            "number" => Some(self.number(schema, prop, parent)),
            "boolean" => Some(Value::Bool(self.boolean(schema, prop, parent))),
            _ => None,
        }
    }

    fn object(&mut self, schema: &Value, prop: Option<&str>, index: Option<usize>) -> Value {
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

    /// v1 makes almost every field required and says "not applicable" with `NA` (or a `SEM_*` /
    /// `NAO_*` enum member). A required field that can say so, and that the customer's data leaves
    /// empty, gets the placeholder, as a v1 implementation would send it. Identity, address, phone and
    /// bank fields of our (Brazilian) customers always have a value.
    fn not_applicable(
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

    fn include_optional(
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
    fn own_scope(&self) -> bool {
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.container.as_deref())
            .is_none_or(|c| c == "data")
    }

    fn array(&mut self, schema: &Value, prop: Option<&str>, parent: Option<&str>) -> Value {
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

    fn boolean(&mut self, schema: &Value, prop: Option<&str>, parent: Option<&str>) -> bool {
        match hints::hint_for(schema, prop, parent) {
            Some(Hint::IsMain) => self.scope().index.unwrap_or(0) == 0,
            _ if prop == Some("hasBrazilianNationality") => self.ctx.persona.brazilian,
            _ => self.rng.random_bool(0.5),
        }
    }

    fn integer(&mut self, schema: &Value, prop: Option<&str>, parent: Option<&str>) -> Value {
        let (lo, hi) = bounds(schema, 0.0, 1000.0);
        let (lo, hi) = (lo.ceil() as i64, hi.floor() as i64);
        if hints::hint_for(schema, prop, parent) == Some(Hint::YearPast) {
            let y = i64::from(DATA_EPOCH.year()) - self.rng.random_range(0..4);
            if (lo..=hi).contains(&y) {
                return Value::from(y);
            }
        }
        if lo > hi {
            return Value::from(lo);
        }
        Value::from(self.rng.random_range(lo..=hi))
    }

    fn number(&mut self, schema: &Value, prop: Option<&str>, parent: Option<&str>) -> Value {
        let hint = hints::hint_for(schema, prop, parent);
        let (lo, hi) = bounds(schema, 0.0, 100_000.0);
        if hint == Some(Hint::YearPast) {
            let y = f64::from(DATA_EPOCH.year() - self.rng.random_range(0..4));
            if y >= lo && y <= hi {
                return Value::from(y as i64);
            }
        }
        if matches!(hint, Some(Hint::Amount | Hint::PersonaIncome)) || prop == Some("amount") {
            let cents = self.rng.random_range(10_000..50_000_000u64);
            let v = cents as f64 / 100.0;
            if v >= lo && v <= hi {
                return serde_json::Number::from_f64(v)
                    .map(Value::Number)
                    .unwrap_or(Value::from(0));
            }
        }
        let v = if lo < hi {
            self.rng.random_range(lo..hi)
        } else {
            lo
        };
        let v = (v * 100.0).round() / 100.0;
        serde_json::Number::from_f64(v.clamp(lo, hi))
            .map(Value::Number)
            .unwrap_or(Value::from(0))
    }

    fn string(
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

    fn enum_choice(
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

    /// The scope that owns this object's address: nested helper objects (`geographicCoordinates`)
    /// belong to the address around them.
    fn owner_of(&self, has: impl Fn(&Scope) -> bool, containers: &[&str]) -> Option<usize> {
        self.scopes.iter().rposition(|s| {
            has(s)
                || s.container
                    .as_deref()
                    .is_some_and(|c| containers.contains(&c))
        })
    }

    fn address(&mut self) -> &br::Address {
        let persona = self.ctx.persona;
        if self.scopes.is_empty() {
            self.scopes.push(Scope::default());
        }
        let owner = self
            .owner_of(|s| s.address.is_some(), &["postalAddresses", "address"])
            .unwrap_or(self.scopes.len() - 1);
        if self.scopes[owner].address.is_none() {
            let s = &self.scopes[owner];
            let own = matches!(s.container.as_deref(), Some("postalAddresses" | "address"));
            let addr = match (own, s.index) {
                (true, Some(i)) if i < persona.addresses.len() => persona.addresses[i].clone(),
                (true, None) => persona.addresses[0].clone(),
                _ => br::gen_address(self.rng, None),
            };
            self.scopes[owner].address = Some(addr);
        }
        self.scopes[owner]
            .address
            .as_ref()
            .unwrap_or(&persona.addresses[0])
    }

    fn phone(&mut self) -> &br::Phone {
        let persona = self.ctx.persona;
        if self.scopes.is_empty() {
            self.scopes.push(Scope::default());
        }
        let owner = self
            .owner_of(|s| s.phone.is_some(), &["phones", "phone"])
            .unwrap_or(self.scopes.len() - 1);
        if self.scopes[owner].phone.is_none() {
            let s = &self.scopes[owner];
            let phone = match (s.container.as_deref(), s.index) {
                (Some("phones"), Some(i)) if i < persona.phones.len() => persona.phones[i].clone(),
                (Some("phone"), _) => persona.phones[0].clone(),
                _ => {
                    let mobile = self.rng.random_bool(0.7);
                    br::gen_phone(self.rng, None, mobile)
                }
            };
            self.scopes[owner].phone = Some(phone);
        }
        self.scopes[owner]
            .phone
            .as_ref()
            .unwrap_or(&persona.phones[0])
    }

    fn person(&mut self) -> (String, br::Sex) {
        if let Some(p) = &self.scope().person {
            return p.clone();
        }
        let sex = if self.rng.random_bool(0.5) {
            br::Sex::Female
        } else {
            br::Sex::Male
        };
        let name = br::gen_full_name(self.rng, sex);
        self.scope().person = Some((name.clone(), sex));
        (name, sex)
    }

    fn company(&mut self) -> br::Company {
        if let Some(c) = &self.scope().company {
            return c.clone();
        }
        let c = br::gen_company(self.rng);
        self.scope().company = Some(c.clone());
        c
    }

    fn bank(&mut self) -> &'static br::Bank {
        if let Some(b) = self.scope().bank {
            return b;
        }
        let b = br::gen_bank(self.rng);
        self.scope().bank = Some(b);
        b
    }

    fn account(&mut self) -> (String, String, String) {
        if let Some(a) = &self.scope().account {
            return a.clone();
        }
        let a = br::gen_account(self.rng);
        let a = (a.branch, a.number, a.check_digit.to_string());
        self.scope().account = Some(a.clone());
        a
    }

    fn pattern_allows(schema: &Value, sample: &str) -> bool {
        match schema.get("pattern").and_then(Value::as_str) {
            Some(p) => pattern::get(p).is_match(sample),
            None => true,
        }
    }

    fn cnpj(&mut self, schema: &Value) -> String {
        // Alphanumeric CNPJs exist for registrations since July 2026: a minority, and only where the
        // version's pattern admits them.
        let alnum = self.ctx.alphanumeric_cnpj
            && Self::pattern_allows(schema, "12ABC34501DE35")
            && self.rng.random_bool(0.15);
        br::gen_cnpj(self.rng, alnum)
    }

    fn hinted(
        &mut self,
        hint: Hint,
        schema: &Value,
        siblings: &Map<String, Value>,
    ) -> Option<String> {
        let persona = self.ctx.persona;
        let epoch = DATA_EPOCH;
        Some(match hint {
            Hint::PersonaCpf => match persona.kind {
                DocKind::Cpf => persona.document.clone(),
                DocKind::Cnpj => persona.representative_cpf.clone(),
            },
            Hint::PersonaCnpj => match persona.kind {
                DocKind::Cnpj => persona.document.clone(),
                DocKind::Cpf => self.cnpj(schema),
            },
            Hint::PersonaId => persona.record_id(self.ctx.record),
            Hint::PersonaCivilName => persona.civil_name.clone(),
            Hint::PersonaSocialName => persona
                .social_name
                .clone()
                .unwrap_or_else(|| persona.civil_name.clone()),
            Hint::PersonaBirthDate => persona.birth_date.format("%Y-%m-%d").to_string(),
            Hint::PersonaMotherName => persona.mother_name.clone(),
            Hint::PersonaFatherName => persona.father_name.clone(),
            Hint::PersonaEmail => {
                let i = match self.scope().container.as_deref() {
                    Some("emails") => self.scope().index.unwrap_or(0),
                    _ => 0,
                };
                persona.emails.get(i).or(persona.emails.first()).cloned()?
            }
            Hint::PersonaCompanyName => match &persona.company {
                Some(c) => c.legal_name.clone(),
                None => self.company().legal_name,
            },
            Hint::PersonaTradeName => match &persona.company {
                Some(c) => c.trade_name.clone(),
                None => self.company().trade_name,
            },
            Hint::PersonaIncorporationDate => fmt_datetime(persona.incorporation),
            Hint::PersonaStartDate => fmt_datetime(persona.relationship_start),
            Hint::PersonaOccupation => persona.occupation.clone(),
            Hint::PersonaIncome => persona.income.clone(),
            Hint::Brand => self.ctx.brand.to_string(),
            Hint::InstitutionCnpj => {
                let list = self.ctx.institution_cnpjs;
                let i = self.item_index.unwrap_or(0);
                list.get(i % list.len().max(1)).cloned()?
            }
            Hint::BankCnpj => {
                // A bank's CNPJ root is its ISPB; its head office is branch 0001.
                let body = format!("{}0001", self.bank().ispb);
                let dv = br::cnpj_check_digits(&body)?;
                format!("{body}{}{}", dv[0], dv[1])
            }
            Hint::Cpf => br::gen_cpf(self.rng),
            Hint::Cnpj => self.cnpj(schema),
            Hint::CpfOrCnpj => {
                if self.rng.random_bool(0.6) {
                    self.cnpj(schema)
                } else {
                    br::gen_cpf(self.rng)
                }
            }
            Hint::PersonCivilName => match (
                self.scope().container.as_deref(),
                siblings.get("type").and_then(Value::as_str),
            ) {
                (Some("filiation"), Some("MAE")) => persona.mother_name.clone(),
                (Some("filiation"), Some("PAI")) => persona.father_name.clone(),
                _ => self.person().0,
            },
            // Someone without a social name is known by the civil name.
            Hint::PersonSocialName => match siblings.get("civilName").and_then(Value::as_str) {
                Some(civil) => civil.to_string(),
                None => self.person().0,
            },
            Hint::CompanyName => self.company().legal_name,
            Hint::CompanyTradeName => self.company().trade_name,
            Hint::AddressLine => self.address().line.clone(),
            Hint::AddressStreet => self.address().street.clone(),
            Hint::AddressNumber => self.address().number.clone(),
            Hint::AddressComplement => self.address().complement.clone()?,
            Hint::AddressDistrict => self.address().district.clone(),
            Hint::AddressTown => self.address().town.clone(),
            Hint::AddressIbge => self.address().ibge.clone(),
            Hint::AddressUf => self.address().uf.to_string(),
            Hint::AddressCep => self.address().cep.clone(),
            Hint::AddressCountry => "Brasil".into(),
            Hint::AddressCountryCode => "BRA".into(),
            Hint::AddressLatitude => self.address().latitude.clone(),
            Hint::AddressLongitude => self.address().longitude.clone(),
            Hint::PhoneCountryCallingCode => self.phone().country_code.clone(),
            Hint::PhoneAreaCode => self.phone().area_code.clone(),
            Hint::PhoneNumber => self.phone().number.clone(),
            Hint::PhoneFull => {
                let p = self.phone();
                format!("{}{}", p.area_code, p.number)
            }
            Hint::PhoneExtension => self.rng.random_range(10..9999).to_string(),
            Hint::Email => {
                let (name, _) = self.person();
                br::email_for(self.rng, &name)
            }
            Hint::Amount => amount_for(self.rng, schema),
            Hint::Currency => "BRL".into(),
            // A Brazilian's passport is Brazilian.
            Hint::CountryAlpha3
                if persona.brazilian
                    && (self.scope().container.as_deref() == Some("passport")
                        || siblings.contains_key("passportNumber")) =>
            {
                "BRA".to_string()
            }
            Hint::CountryAlpha3 => br::gen_foreign_country(self.rng).alpha3.to_string(),
            Hint::CountryName => br::gen_foreign_country(self.rng).name_pt.to_string(),
            Hint::DatePast => {
                let d = self.rng.random_range(30..3650);
                fmt_date(epoch - Duration::days(d))
            }
            Hint::DateFuture => {
                let d = self.rng.random_range(365..3650);
                fmt_date(epoch + Duration::days(d))
            }
            Hint::DatetimeRecent => {
                let s = self.rng.random_range(3600..90 * 86400);
                fmt_datetime(epoch - Duration::seconds(s))
            }
            Hint::DatetimePast => {
                let d = self.rng.random_range(365..15 * 365);
                fmt_datetime(epoch - Duration::days(d) + Duration::seconds(9 * 3600))
            }
            Hint::YearPast => (epoch.year() - self.rng.random_range(0..4)).to_string(),
            Hint::BankCompe => self.bank().compe.to_string(),
            Hint::BankIspb => self.bank().ispb.to_string(),
            Hint::BankBranch => self.account().0,
            Hint::BankAccount => self.account().1,
            Hint::BankCheckDigit => self.account().2,
            Hint::Cnae => br::gen_cnae(self.rng).code.to_string(),
            Hint::DocumentNumber => {
                let kind = siblings
                    .get("documentType")
                    .or_else(|| siblings.get("type"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                match kind {
                    "CPF" => br::gen_cpf(self.rng),
                    "CNPJ" => self.cnpj(schema),
                    "CNH" => br::gen_cnh(self.rng),
                    "PASSAPORTE" | "OUTRO_DOCUMENTO_VIAGEM" => br::gen_passport(self.rng),
                    "RG" => br::gen_rg(self.rng),
                    _ => {
                        if self.scope().container.as_deref() == Some("passport") {
                            br::gen_passport(self.rng)
                        } else {
                            br::gen_rg(self.rng)
                        }
                    }
                }
            }
            Hint::DocumentIssuer => match siblings.get("type").and_then(Value::as_str) {
                Some("CNH") => format!("DETRAN/{}", persona.addresses[0].uf),
                Some("RNE") => "PF/DPMAF".to_string(),
                _ => format!("SSP/{}", persona.addresses[0].uf),
            },
            Hint::IsMain => (self.scope().index.unwrap_or(0) == 0).to_string(),
            // Enum-valued meanings are chosen in `enum_choice`; a free-text field with this meaning
            // gets the same words.
            Hint::PersonaSex => match persona.sex {
                br::Sex::Female => "FEMININO".into(),
                br::Sex::Male => "MASCULINO".into(),
            },
            Hint::PersonaMaritalStatus => persona.marital_status.to_string(),
            Hint::Text => return None,
        })
    }

    fn formatted(&mut self, schema: &Value) -> Option<String> {
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

    fn text(&mut self, schema: &Value) -> String {
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

/// Whether a string schema can say "not applicable": `NA` in its enum, or an explicit `NA`
/// alternative in its pattern (`^\d{11}$|^NA$`).
fn admits_placeholder(schema: &Value) -> bool {
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
fn placeholder_value(schema: &Value) -> Option<Value> {
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
fn placeholder_type(item: &Value) -> Option<&str> {
    item.get("properties")?
        .get("type")?
        .get("enum")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .find(|v| is_placeholder(v))
}

/// The lower and upper bounds of a numeric schema (after OpenAPI's boolean exclusives).
fn bounds(schema: &Value, default_lo: f64, default_hi: f64) -> (f64, f64) {
    let num = |k: &str| schema.get(k).and_then(Value::as_f64);
    let ex_bool = |k: &str| schema.get(k) == Some(&Value::Bool(true));
    let mut lo = num("minimum").unwrap_or(default_lo.min(num("maximum").unwrap_or(default_lo)));
    let mut hi = num("maximum").unwrap_or(default_hi.max(lo));
    if ex_bool("exclusiveMinimum") {
        lo += 1.0;
    }
    if let Some(x) = num("exclusiveMinimum") {
        lo = x + 1.0;
    }
    if ex_bool("exclusiveMaximum") {
        hi -= 1.0;
    }
    if let Some(x) = num("exclusiveMaximum") {
        hi = x - 1.0;
    }
    (lo, hi)
}

/// A BRL amount with as many decimals as the pattern wants (`^\d{1,15}\.\d{2,4}$` -> 2).
fn amount_for(rng: &mut ChaCha8Rng, schema: &Value) -> String {
    let decimals = match schema.get("pattern").and_then(Value::as_str) {
        Some(p) if p.contains(r"\.\d{4}") => 4,
        _ => 2,
    };
    br::amount(rng, 5_000, 25_000_000, decimals)
}

/// Makes `candidate` satisfy the string keywords of `schema`, or says it cannot. Names and text may
/// be shortened to `maxLength` (names by the 2.3.0 abbreviation rule); codes never are.
fn fit(candidate: String, schema: &Value, shorten: bool) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;
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
}
