//! Same seed and document, same bodies — across restarts; another seed, other data.

mod common;

use common::*;
use serde_json::Value;

const PATHS: &[&str] = &[
    "/personal/identifications",
    "/personal/qualifications",
    "/personal/financial-relations",
];

/// Every body of the personal endpoints for `cpf`, without the fields that carry the current time.
async fn bodies(seed: u64, cpf: &str) -> Vec<Value> {
    let env = start_with(finsandbox::sandbox::SandboxConfig { seed, ..config() }).await;
    let (_, token) = env.consent_token(cpf, None, PF_PERMISSIONS, None).await;
    let mut out = Vec::new();
    for path in PATHS {
        let r = env.customers(&token, path).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let mut body = r.body;
        body["meta"]["requestDateTime"] = Value::Null;
        // Links carry the port of this run.
        body["links"] = Value::Null;
        out.push(body);
    }
    env.stop().await;
    out
}

#[tokio::test]
async fn same_seed_and_document_give_identical_bodies_across_restarts() {
    for cpf in ["52998224725", "39053344705", "71428793860"] {
        let a = bodies(42, cpf).await;
        let b = bodies(42, cpf).await;
        assert_eq!(a, b, "{cpf}");
    }
}

#[tokio::test]
async fn different_seeds_give_different_data() {
    let a = bodies(1, "39053344705").await;
    let b = bodies(2, "39053344705").await;
    for (x, y) in a.iter().zip(&b) {
        assert_ne!(x["data"], y["data"]);
    }
    // The customer's document stays the customer's document.
    assert_eq!(a[0]["data"][0]["documents"]["cpfNumber"], "39053344705");
    assert_eq!(b[0]["data"][0]["documents"]["cpfNumber"], "39053344705");
}
