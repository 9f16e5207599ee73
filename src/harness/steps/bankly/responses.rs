//! Checks that hold for any Bankly answer, whatever the operation: the echoed correlation id, the
//! property an error names, and the per-client rate limit.

use cucumber::{then, when};
use serde_json::Value;

use crate::harness::steps::Auth;
use crate::harness::world::{CheckWorld, StepResult};

#[then("the response echoes the correlation id")]
async fn echoes_correlation(w: &mut CheckWorld) -> StepResult {
    let last = w.last()?;
    let sent = last.request_header("x-correlation-id").map(str::to_string);
    let got = last.header("x-correlation-id").map(str::to_string);
    match (sent, got) {
        (Some(s), Some(g)) if s == g => Ok(()),
        (s, g) => w.fail(
            "x-correlation-id was not echoed",
            s,
            Some(g.unwrap_or_else(|| "(absent)".into())),
            Vec::new(),
        ),
    }
}

#[then(expr = "the error names the property {string}")]
async fn error_property(w: &mut CheckWorld, property: String) -> StepResult {
    let body = w.last()?.json.clone().unwrap_or(Value::Null);
    let names: Vec<String> = body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["propertyName"].as_str().map(str::to_string))
        .collect();
    if names.contains(&property) {
        return Ok(());
    }
    w.fail(
        format!(
            "no error names the property {property} (errors name: {})",
            if names.is_empty() {
                "nothing".to_string()
            } else {
                names.join(", ")
            }
        ),
        Some(property),
        Some(names.join(", ")),
        Vec::new(),
    )
}

/// Sends `count` requests in a row and stops at the first 429 (the documented limit is 180 per
/// 10 s per client); the last answer is kept.
#[when(expr = "I send GET to {string} {int} times in a row")]
async fn burst(w: &mut CheckWorld, path: String, count: u32) -> StepResult {
    for _ in 0..count {
        w.request("GET", &path, Auth::Resource, None).await?;
        if w.last()?.status == 429 {
            break;
        }
    }
    Ok(())
}
