//! Open Finance preconditions and checks: tokens for a consent in a given state, consent requests,
//! revocation, the sandbox clock, and the paging walk.
//!
//! A token for a state comes from `target.toml` (`[open-finance.tokens.<kind>] <state> = "..."`)
//! when the configuration has one; otherwise from the sandbox control API, which creates a consent
//! for a customer of the scenario's own and moves it to the state; otherwise the scenario is skipped
//! and the report names what was missing.
//!
//! Each concern has its own file: `tokens` (client and consent tokens), `consents` (requests,
//! revocation, the clock) and `paging`. This one keeps what they share: the family's part of the
//! World, the scenario's customers, the control API call, and what the family module calls.

use serde_json::Value;

use crate::datagen::{br, rng_for};
use crate::harness::steps::Pre;
use crate::harness::world::{CheckWorld, StepFail, StepResult};
use crate::sandbox::family::ScenarioSeed;

mod consents;
mod paging;
pub mod target;
mod tokens;

pub use paging::page_params;
pub use tokens::STATES;

/// The family's part of a scenario's state.
#[derive(Debug, Default)]
pub struct OpenFinanceWorld {
    /// client_credentials token for the Consents API.
    pub client_token: Option<String>,
    pub consent_id: Option<String>,
    pub refresh_token: Option<String>,
}

/// This scenario's customers: configured ones for a real target, fresh ones for a sandbox (so
/// concurrent scenarios never share one). The `{{cpf}}` and `{{cnpj}}` of features.
pub fn scenario_values(s: &ScenarioSeed<'_>) -> Vec<(String, String)> {
    let (cpf, cnpj) = if s.sandbox {
        let mut rng = rng_for(s.seed, "harness", &format!("scenario-{}", s.scenario));
        (br::gen_cpf(&mut rng), br::gen_cnpj(&mut rng, false))
    } else {
        let docs = s
            .section
            .cloned()
            .and_then(|v| v.try_into::<target::OpenFinanceTarget>().ok())
            .unwrap_or_default()
            .documents;
        (
            docs.cpf.unwrap_or_else(|| "52998224725".into()),
            docs.cnpj.unwrap_or_else(|| "11444777000161".into()),
        )
    };
    vec![("cpf".into(), cpf), ("cnpj".into(), cnpj)]
}

/// The headers Open Finance requests carry: a fresh interaction id, the customer's last login and
/// address (FAPI).
pub fn request_headers() -> Vec<(String, String)> {
    vec![
        (
            "x-fapi-interaction-id".into(),
            uuid::Uuid::new_v4().to_string(),
        ),
        (
            "x-fapi-auth-date".into(),
            httpdate::fmt_http_date(std::time::SystemTime::now()).replace("GMT", "UTC"),
        ),
        // TEST-NET-2 (RFC 5737): an address that belongs to nobody.
        ("x-fapi-customer-ip-address".into(), "198.51.100.119".into()),
    ]
}

/// Ends a step on a precondition's outcome: a skip says why; a failure, already recorded in the
/// World, ends the step with `failed`.
fn conclude(w: &mut CheckWorld, r: Result<(), Pre>, failed: &str) -> StepResult {
    match r {
        Ok(()) => Ok(()),
        Err(Pre::Skip(reason)) => w.skip(reason),
        Err(Pre::Fail) => Err(StepFail(failed.into())),
    }
}

impl CheckWorld {
    fn of(&mut self) -> &mut OpenFinanceWorld {
        self.part()
    }

    /// This scenario's customers (`{{cpf}}`, `{{cnpj}}`).
    pub fn documents(&self) -> (String, String) {
        (self.value("cpf"), self.value("cnpj"))
    }

    /// A control API call; skips the scenario when the target has none.
    async fn control(&mut self, method: &str, path: &str, body: Value) -> Result<Value, Pre> {
        let ctx = self.ctx()?;
        let Some(base) = ctx.target.control_url.clone() else {
            return Err(Pre::Skip(format!(
                "needs the sandbox control API ({method} /sandbox{path}), which this target does not have"
            )));
        };
        let url = format!("{base}{path}");
        match ctx
            .client
            .send_within(
                method,
                &url,
                &[],
                Some(("application/json", body.to_string().into_bytes())),
                self.deadline,
            )
            .await
        {
            Ok(s) if (200..300).contains(&s.status) => Ok(s.json.clone().unwrap_or(Value::Null)),
            Ok(s) => {
                let status = s.status;
                self.last = Some(s);
                self.fail(
                    format!("control API {method} {path} answered {status}"),
                    None,
                    None,
                    Vec::new(),
                )?;
                Err(Pre::Fail)
            }
            Err((message, evidence)) => {
                self.fail_with_evidence(
                    format!("control API {method} {path}: {message}"),
                    evidence,
                )?;
                Err(Pre::Fail)
            }
        }
    }
}
