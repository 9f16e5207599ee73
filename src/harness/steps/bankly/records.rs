//! Comparisons of a customer's record: what resultLevel=BASIC may show, whether DETAILED gives back
//! what was registered, and whether a refused move left the record exactly as it was.

use cucumber::then;
use serde_json::Value;

use super::{Pre, error_summary, settle};
use crate::harness::world::{CheckWorld, StepResult};

use super::super::NAME;

/// Fields that describe a response rather than the record; a refused move may change them.
const VOLATILE_FIELDS: &[&str] = &["reference", "requestDateTime", "meta", "links"];

/// The first place two records differ, ignoring [`VOLATILE_FIELDS`] at the top level:
/// (JSON pointer, before, after).
pub fn first_difference(before: &Value, after: &Value) -> Option<(String, String, String)> {
    fn strip(v: &Value) -> Value {
        let mut v = v.clone();
        if let Some(obj) = v.as_object_mut() {
            for k in VOLATILE_FIELDS {
                obj.remove(*k);
            }
        }
        v
    }
    fn walk(a: &Value, b: &Value, at: &str) -> Option<(String, String, String)> {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
                keys.dedup();
                for k in keys {
                    let here = format!("{at}/{k}");
                    match (x.get(k), y.get(k)) {
                        (Some(p), Some(q)) => {
                            if let Some(d) = walk(p, q, &here) {
                                return Some(d);
                            }
                        }
                        (p, q) => {
                            let show = |v: Option<&Value>| {
                                v.map(Value::to_string).unwrap_or_else(|| "(absent)".into())
                            };
                            return Some((here, show(p), show(q)));
                        }
                    }
                }
                None
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (p, q))| walk(p, q, &format!("{at}/{i}"))),
            _ if a == b => None,
            _ => Some((at.to_string(), a.to_string(), b.to_string())),
        }
    }
    let d = walk(&strip(before), &strip(after), "");
    d.map(|(p, a, b)| (if p.is_empty() { "/".into() } else { p }, a, b))
}

impl CheckWorld {
    /// The DETAILED record of the scenario's customer (harness token).
    pub(super) async fn read_detailed(&mut self) -> Result<Value, Pre> {
        let doc = self.bankly_document();
        self.harness_call(
            "GET",
            &format!("/bankly/customers/{doc}?resultLevel=DETAILED"),
            None,
        )
        .await?;
        let last = self.last()?.clone();
        match (&last.json, last.status) {
            (Some(body), 200) => Ok(body.clone()),
            _ => {
                self.fail(
                    format!(
                        "reading the customer {doc} (resultLevel=DETAILED) answered HTTP {}{}",
                        last.status,
                        error_summary(&last)
                    ),
                    Some("200".into()),
                    Some(last.status.to_string()),
                    Vec::new(),
                )?;
                Err(Pre::Fail)
            }
        }
    }
}

#[then("the customer's record is unchanged")]
async fn record_unchanged(w: &mut CheckWorld) -> StepResult {
    let m = w.last_move()?;
    let Some(before) = w.bankly().before.clone() else {
        return w.fail(
            "the record was not read before the move",
            None,
            None,
            Vec::new(),
        );
    };
    let after = match w.read_detailed().await {
        Ok(a) => a,
        Err(e) => return settle(w, Err(e)),
    };
    match first_difference(&before, &after) {
        None => Ok(()),
        Some((pointer, was, now)) => w.fail(
            format!(
                "the refused KYC move {} -> {} changed the record: {pointer} was {was}, is now {now}",
                m.from, m.to
            ),
            Some(was),
            Some(now),
            Vec::new(),
        ),
    }
}

#[then("the body holds the BASIC fields only")]
async fn basic_only(w: &mut CheckWorld) -> StepResult {
    let ctx = w.ctx()?;
    // The BASIC level is what the loaded spec says it is (x-finsandbox-levels).
    let basic: Vec<String> = ctx
        .specs
        .apis
        .iter()
        .filter(|s| s.family == NAME)
        .find_map(|s| s.operation("getCustomer"))
        .map(|op| super::super::customers::level_fields(op, "BASIC"))
        .unwrap_or_default();
    if basic.is_empty() {
        return w.skip("the loaded spec does not say which fields resultLevel=BASIC shows");
    }
    let body = w.last()?.json.clone().unwrap_or(Value::Null);
    let Some(obj) = body.as_object() else {
        return w.fail("the body is not a JSON object", None, None, Vec::new());
    };
    let extra: Vec<&str> = obj
        .keys()
        .map(String::as_str)
        .filter(|k| !basic.iter().any(|b| b == k))
        .collect();
    if extra.is_empty() {
        return Ok(());
    }
    let message = format!(
        "resultLevel=BASIC leaks DETAILED-only field(s): {}",
        extra.join(", ")
    );
    let extra = extra.join(", ");
    w.fail(message, Some(basic.join(", ")), Some(extra), Vec::new())
}

#[then("the body holds the DETAILED fields of the registration")]
async fn detailed_matches_registration(w: &mut CheckWorld) -> StepResult {
    let body = w.last()?.json.clone().unwrap_or(Value::Null);
    let Some(reg) = w.bankly().registration.clone() else {
        return w.fail(
            "no customer was registered in this scenario",
            None,
            None,
            Vec::new(),
        );
    };
    let same = |a: &Value, b: &Value| a == b;
    let mut checks: Vec<(&str, Value, Value)> = Vec::new();
    for field in [
        "registerName",
        "motherName",
        "email",
        "address",
        "assertedIncome",
        "occupation",
        "documentation",
    ] {
        checks.push((field, reg[field].clone(), body[field].clone()));
    }
    checks.push((
        "phone.number",
        reg["phone"]["number"].clone(),
        body["phone"]["number"].clone(),
    ));
    checks.push((
        "pep.level",
        reg["pep"]["level"].clone(),
        body["pep"]["level"].clone(),
    ));
    for (field, registered, shown) in checks {
        if !same(&registered, &shown) {
            let show = |v: &Value| {
                if v.is_null() {
                    "(absent)".to_string()
                } else {
                    v.to_string()
                }
            };
            return w.fail(
                format!(
                    "resultLevel=DETAILED shows {field} as {}, registered {}",
                    show(&shown),
                    show(&registered)
                ),
                Some(show(&registered)),
                Some(show(&shown)),
                Vec::new(),
            );
        }
    }
    let birth = reg["birthDate"].as_str().unwrap_or_default();
    let shown = body["birthDate"].as_str().unwrap_or_default();
    if !shown.starts_with(birth) {
        return w.fail(
            format!("resultLevel=DETAILED shows birthDate {shown}, registered {birth}"),
            Some(birth.to_string()),
            Some(shown.to_string()),
            Vec::new(),
        );
    }
    if !body["reasons"].is_array() {
        return w.fail(
            "resultLevel=DETAILED has no reasons list",
            Some("reasons: [...]".into()),
            Some(body["reasons"].to_string()),
            Vec::new(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn differences_name_the_first_changed_pointer_and_skip_volatile_fields() {
        let a = json!({"status": "APPROVED", "phone": {"number": "1"}, "reference": "x"});
        let b = json!({"status": "APPROVED", "phone": {"number": "2"}, "reference": "y"});
        assert_eq!(
            first_difference(&a, &b),
            Some(("/phone/number".into(), "\"1\"".into(), "\"2\"".into()))
        );
        let c = json!({"status": "APPROVED", "phone": {"number": "1"}, "reference": "z"});
        assert_eq!(first_difference(&a, &c), None);
        let d = json!({"status": "APPROVED", "phone": {"number": "1"}, "extra": 1});
        assert_eq!(
            first_difference(&a, &d),
            Some(("/extra".into(), "(absent)".into(), "1".into()))
        );
    }
}
