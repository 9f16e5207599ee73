//! Bankly's `[bankly]` section of `target.toml`: a Bankly-compatible target's base, token endpoint
//! and client credentials, or a token issued in advance.

use serde::Deserialize;

use crate::harness::world::RunContext;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BanklyTarget {
    pub base_url: Option<String>,
    pub token_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// A token carrying every customer scope, issued in advance.
    pub token: Option<String>,
}

/// The family's section of the run's target (its default when the target has none).
pub fn bankly_target(ctx: &RunContext) -> BanklyTarget {
    ctx.target.section(super::super::NAME)
}
