//! The `[portadores]` section of `target.toml`: where a real issuer's card-holder API and token
//! endpoint are, its client credentials (or a token with every scope issued in advance), and the
//! products and stores an account opening may use there (the sandbox lists its own at
//! `GET /sandbox/portadores/products`).

use serde::Deserialize;

use crate::harness::world::RunContext;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PortadoresTarget {
    /// The issuer's base URL (what `/portadores` stands for in the features).
    pub base_url: Option<String>,
    /// The token endpoint: an absolute URL or a path on the base URL (default `/oauth2/token`).
    pub token_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// A token carrying every scope, issued in advance.
    pub token: Option<String>,
    /// A PF product and a store that sells it, for the account openings of the scenarios.
    pub produto_pf: Option<u32>,
    pub loja_pf: Option<u32>,
    /// A PJ product and a store that sells it.
    pub produto_pj: Option<u32>,
    pub loja_pj: Option<u32>,
    /// Another PF product whose limits hold the limit an account opens with on `produto-pf`, for
    /// the product-change scenarios.
    pub produto_pf_troca: Option<u32>,
}

/// Checks a `[portadores]` section: known keys, URLs that are URLs, products with their stores.
pub fn check(section: &toml::Value) -> Result<(), String> {
    let t: PortadoresTarget = section.clone().try_into().map_err(|e| e.to_string())?;
    if let Some(base) = &t.base_url
        && !(base.starts_with("http://") || base.starts_with("https://"))
    {
        return Err(format!("base-url \"{base}\" must be an http(s) URL"));
    }
    if let Some(url) = &t.token_url
        && !(url.starts_with("http://") || url.starts_with("https://") || url.starts_with('/'))
    {
        return Err(format!(
            "token-url \"{url}\" must be an http(s) URL or a path starting with /"
        ));
    }
    for (produto, loja, kind) in [
        (t.produto_pf, t.loja_pf, "pf"),
        (t.produto_pj, t.loja_pj, "pj"),
    ] {
        if produto.is_some() != loja.is_some() {
            return Err(format!(
                "produto-{kind} and loja-{kind} go together (a product and a store that sells it)"
            ));
        }
    }
    if let (Some(a), Some(b)) = (t.produto_pf, t.produto_pf_troca)
        && a == b
    {
        return Err("produto-pf-troca must be another product than produto-pf".into());
    }
    if t.client_secret.is_some() && t.client_id.is_none() {
        return Err("client-secret needs client-id".into());
    }
    Ok(())
}

/// The family's section of the run's target (its default when the target has none).
pub fn of_target(ctx: &RunContext) -> PortadoresTarget {
    ctx.target.section(super::super::NAME)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(text: &str) -> toml::Value {
        toml::from_str::<toml::Table>(text)
            .map(toml::Value::Table)
            .unwrap()
    }

    #[test]
    fn a_complete_section_passes_and_mistakes_are_named() {
        assert!(
            check(&section(
                "base-url = \"https://api.emissor.example/portadores\"\nclient-id = \"c\"\nclient-secret = \"s3cr3t-value\"\nprodutos-pf = 1"
            ))
            .unwrap_err()
            .contains("produtos-pf")
        );
        assert!(
            check(&section(
                "base-url = \"https://api.emissor.example\"\ntoken-url = \"/oauth/token\"\nproduto-pf = 3\nloja-pf = 15"
            ))
            .is_ok()
        );
        assert!(
            check(&section("base-url = \"api.emissor.example\""))
                .unwrap_err()
                .contains("base-url")
        );
        assert!(
            check(&section("produto-pj = 5"))
                .unwrap_err()
                .contains("loja-pj")
        );
        assert!(
            check(&section("client-secret = \"x\""))
                .unwrap_err()
                .contains("client-id")
        );
        assert!(
            check(&section(
                "produto-pf = 3\nloja-pf = 15\nprodutos-pf-troca = 3"
            ))
            .unwrap_err()
            .contains("produtos-pf-troca")
        );
        assert!(
            check(&section(
                "produto-pf = 3\nloja-pf = 15\nproduto-pf-troca = 3"
            ))
            .unwrap_err()
            .contains("another product")
        );
    }
}
