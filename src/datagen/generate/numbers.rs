//! Numbers, integers and booleans: inside the schema's bounds, by meaning where one applies (years,
//! amounts, `isMain`).

use chrono::Datelike;
use rand::RngExt;
use serde_json::Value;

use super::Walker;
use crate::datagen::DATA_EPOCH;
use crate::spec::hints::{self, Hint};

impl Walker<'_, '_> {
    pub(super) fn boolean(
        &mut self,
        schema: &Value,
        prop: Option<&str>,
        parent: Option<&str>,
    ) -> bool {
        match hints::hint_for(schema, prop, parent) {
            Some(Hint::IsMain) => self.scope().index.unwrap_or(0) == 0,
            _ if prop == Some("hasBrazilianNationality") => self.ctx.persona.brazilian,
            _ => self.rng.random_bool(0.5),
        }
    }

    pub(super) fn integer(
        &mut self,
        schema: &Value,
        prop: Option<&str>,
        parent: Option<&str>,
    ) -> Value {
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

    pub(super) fn number(
        &mut self,
        schema: &Value,
        prop: Option<&str>,
        parent: Option<&str>,
    ) -> Value {
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
