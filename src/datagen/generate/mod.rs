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
//!
//! One job per file: this one holds the walker and its dispatch by type; [`object`] fills objects,
//! [`array`] lists, [`numbers`] numbers and booleans, [`strings`] strings (enums, formats, patterns,
//! text), [`meaning`] the value a field's meaning asks for, [`records`] the coherent records one
//! object draws (address, phone, person, bank), and [`placeholder`] v1's "not applicable" values.

mod array;
mod meaning;
mod numbers;
mod object;
pub mod open;
mod placeholder;
mod records;
mod strings;
#[cfg(test)]
mod tests;

use chrono::NaiveDateTime;
use rand::rngs::ChaCha8Rng;
use serde_json::{Map, Value};

use super::br;
use super::persona::Persona;

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
    /// Set for documents of no known family: meaning from any field name, every JSON Schema
    /// construct, the document's examples ([`open`]).
    pub open: Option<OpenWorld<'a>>,
}

/// How a document of no known family is generated for.
#[derive(Debug, Clone, Copy)]
pub struct OpenWorld<'a> {
    /// Request bodies leave `readOnly` fields out, responses `writeOnly` ones.
    pub direction: crate::spec::Direction,
    /// Every OAuth2 scope the document declares: tokens it issues carry them.
    pub scopes: &'a [String],
}

/// Generates a value for `schema` found at property `prop` (`data` for the top-level records).
pub fn generate_value(
    schema: &Value,
    prop: Option<&str>,
    ctx: &GenContext<'_>,
    rng: &mut ChaCha8Rng,
) -> Value {
    generate_value_with(schema, prop, ctx, rng, true)
}

/// [`generate_value`], saying whether the document's `example`s may be used (open-world
/// documents only): a retry after an invalid body goes without them, since an author's example
/// can itself break the schema.
pub fn generate_value_with(
    schema: &Value,
    prop: Option<&str>,
    ctx: &GenContext<'_>,
    rng: &mut ChaCha8Rng,
    use_examples: bool,
) -> Value {
    let mut walker = Walker {
        ctx,
        rng,
        scopes: Vec::new(),
        item_index: None,
        placeholder_item: false,
        use_examples,
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
    /// Whether open-world generation may take the document's `example`s.
    use_examples: bool,
}

const OPTIONAL_SHARE_DEFAULT: f64 = 0.7;

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
        if self.ctx.open.is_some() {
            return self.open_value(schema, prop, parent, index, siblings);
        }
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
}
