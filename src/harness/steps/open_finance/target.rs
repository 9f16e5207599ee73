//! Open Finance's `[open-finance]` section of `target.toml`: where a real institution's APIs and
//! token endpoint are, its test customers, and tokens issued in advance per consent state.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::harness::world::RunContext;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OpenFinanceTarget {
    pub base_url: Option<String>,
    /// OAuth2 token endpoint (absolute URL or a path on the base URL).
    pub token_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// A client_credentials token (scope `consents`) issued in advance, instead of the token endpoint.
    pub client_credentials_token: Option<String>,
    /// Documents of the test customers the target knows.
    #[serde(default)]
    pub documents: Documents,
    /// Access tokens issued in advance, one per consent state of the scenario table:
    /// `[open-finance.tokens.personal]` / `[open-finance.tokens.business]`, keys as in
    /// `features/README.md` (`authorised`, `pending-multiple-approval`, `revoked`, ...).
    #[serde(default)]
    pub tokens: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Documents {
    pub cpf: Option<String>,
    pub cnpj: Option<String>,
    /// A customer with more than 25 identification records, for the paging scenarios.
    pub paging_cpf: Option<String>,
}

/// The family's section of the run's target (its default when the target has none).
pub fn of_target(ctx: &RunContext) -> OpenFinanceTarget {
    ctx.target.section(super::super::NAME)
}

/// The token endpoint: the section's `token-url` (absolute, or a path on the family's base), else
/// the sandbox's `/auth/token`.
pub fn token_url(ctx: &RunContext) -> String {
    let base = ctx.target.base_for(super::super::NAME, "");
    match of_target(ctx).token_url {
        Some(u) if u.starts_with("http") => u,
        Some(path) => format!("{base}{path}"),
        None => format!("{base}/auth/token"),
    }
}

/// An access token the configuration provides for `kind` (`personal`/`business`) and `state`.
pub fn configured_token(ctx: &RunContext, kind: &str, state: &str) -> Option<String> {
    of_target(ctx)
        .tokens
        .get(kind)
        .and_then(|t| t.get(state))
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::target::{Target, TargetFile};

    #[test]
    fn target_file_resolves_urls_and_relative_certificates() {
        let dir = std::env::temp_dir().join(format!("finsandbox-target-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("target.toml");
        std::fs::write(
            &path,
            r#"
name = "Banco Exemplo (homologação)"
base-url = "https://apih.banco.example/"
[tls]
client-cert = "certs/client.pem"
[open-finance]
token-url = "/oauth/token"
[open-finance.tokens.personal]
authorised = "abc"
"#,
        )
        .unwrap();
        let file = TargetFile::load(&path).unwrap();
        assert_eq!(
            file.tls.client_cert.as_deref(),
            Some(dir.join("certs/client.pem").as_path())
        );
        let t = Target::from_file(file);
        let section: OpenFinanceTarget = t.section(super::super::super::NAME);
        assert_eq!(section.token_url.as_deref(), Some("/oauth/token"));
        assert_eq!(
            section.tokens["personal"]
                .get("authorised")
                .map(String::as_str),
            Some("abc")
        );
        assert!(!section.tokens.contains_key("business"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
