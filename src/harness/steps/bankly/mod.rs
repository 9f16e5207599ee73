//! Bankly preconditions and checks: tokens with chosen scopes, the scenario's own customer (a CPF
//! the target does not know yet and a valid registration built from its persona), KYC moves, the
//! comparison of a record before and after a refused move, and a loopback webhook receiver.
//!
//! A move to PENDING_APPROVAL is a registration (`PUT`) and a move to CANCELED is an offboarding
//! (`PATCH .../cancel`): any Bankly-compatible target can be driven there. Every other move is an
//! analyst's decision, which only the sandbox control API (`POST /sandbox/bankly/customers/{doc}/kyc`)
//! can make; without one those scenarios are skipped and say so, before anything is created.
//!
//! Tokens come from `[bankly] token` in `target.toml` (a token with every scope) or from the token
//! endpoint with `[bankly] client-id`; against a finsandbox sandbox any client id works, and each
//! scenario uses its own so the per-client rate limit of one scenario never throttles another.
//! The harness's own calls (preparing a status, reading a record before and after a move) use a
//! token with every scope, so a scenario's deliberately narrow token never gets in their way.
//!
//! Each concern has its own file: `tokens`, `registration` (the scenario's customer and its KYC
//! moves), `records`, `responses` and `webhooks`. This one keeps what they all lean on: the
//! family's part of the World, how a precondition that cannot be met ends a step, and what the
//! family module calls.

use serde_json::Value;

use crate::harness::client::Sent;
use crate::harness::receiver::{Delivery, Receiver};
use crate::harness::steps::{self, Pre};
use crate::harness::world::{CheckWorld, RunContext, StepResult};

mod records;
mod registration;
mod responses;
pub mod target;
mod tokens;
mod webhooks;

pub use records::first_difference;
pub use registration::{registration_body, scenario_values};
pub use webhooks::{receiver_reachable_from, signature};

/// The `api-version` every Bankly call carries (the spec accepts `1` and `1.0`).
pub const API_VERSION: &str = "1.0";

/// Headers of a Bankly request besides `accept` and the token.
pub fn request_headers() -> Vec<(String, String)> {
    vec![
        ("api-version".into(), API_VERSION.into()),
        ("x-correlation-id".into(), uuid::Uuid::new_v4().to_string()),
    ]
}

/// How a KYC move was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    /// `PUT /customers/{doc}`: a (new) registration, the move to PENDING_APPROVAL.
    Registration,
    /// `PATCH /customers/{doc}/cancel`: offboarding, the move to CANCELED.
    Cancel,
    /// The control API: an analyst's decision.
    Control,
}

#[derive(Debug, Clone)]
struct Move {
    from: String,
    to: String,
    via: Via,
}

/// What a Bankly scenario keeps between steps.
#[derive(Debug, Default)]
pub struct BanklyState {
    /// Whether that token was asked with every scope (then it also serves the harness's calls).
    every_scope: bool,
    /// A token with every scope for the harness's own calls.
    helper: Option<String>,
    /// The scenario's customer, once chosen.
    pub document: Option<String>,
    /// The body it was registered with.
    pub registration: Option<Value>,
    /// The DETAILED record read just before the last move.
    before: Option<Value>,
    last_move: Option<Move>,
    receiver: Option<Receiver>,
    /// Keys of the webhook configurations this scenario registered (the harness chooses them).
    private_key: Option<String>,
    public_key: Option<String>,
    /// The delivery picked by "the receiver gets exactly one ...", for the checks after it.
    event: Option<Delivery>,
}

impl CheckWorld {
    fn bankly(&mut self) -> &mut BanklyState {
        self.part()
    }
}

fn settle(w: &mut CheckWorld, r: Result<(), Pre>) -> StepResult {
    steps::settle(w, r, "a Bankly precondition failed")
}

/// `: CODE (message)` of a Bankly, OAuth or control-API error body, to make a status self-explaining.
fn error_summary(sent: &Sent) -> String {
    let Some(body) = &sent.json else {
        return String::new();
    };
    let code = body["errors"][0]["code"]
        .as_str()
        .or_else(|| body["code"].as_str())
        .or_else(|| body["error"].as_str());
    let message = body["errors"][0]["messages"][0]
        .as_str()
        .or_else(|| body["message"].as_str())
        .or_else(|| body["error_description"].as_str());
    match (code, message) {
        (Some(c), Some(m)) => format!(": {c} ({m})"),
        (Some(c), None) => format!(": {c}"),
        _ => String::new(),
    }
}

/// Where the target's Bankly paths live.
fn bankly_base(ctx: &RunContext) -> String {
    ctx.base_of(&super::PLUGIN)
}
