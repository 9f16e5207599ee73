//! Step definitions. [`http`] is the generic library (requests, statuses, schemas, headers, fields)
//! that lets a new feature need no new Rust; [`open_finance`] and [`bankly`] provide each family's
//! preconditions (tokens in a consent state, registered customers) from the sandbox control API or
//! from what `target.toml` supplies, and skip the scenario when neither can.
//!
//! Steps are documented for feature writers in `features/README.md`.

pub mod bankly;
pub mod http;
pub mod open_finance;

use super::client::url_path;
use super::world::{CheckWorld, StepResult};

/// How a request authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// The scenario's resource token (consent-bound), if it has one.
    Resource,
    /// The client_credentials token of the Consents API.
    Client,
    None,
}

impl CheckWorld {
    /// The absolute URL of a path written in a feature. `/bankly/...` goes to the Bankly base,
    /// `/sandbox/...` to the control API, everything else to the Open Finance base; absolute URLs
    /// (followed links) are used as they are.
    pub fn url_for(&self, path: &str) -> Result<String, super::world::StepFail> {
        if path.starts_with("http://") || path.starts_with("https://") {
            return Ok(path.to_string());
        }
        let ctx = self.ctx()?;
        let t = &ctx.target;
        Ok(if let Some(rest) = path.strip_prefix("/bankly") {
            format!("{}{rest}", t.bankly_base)
        } else if let Some(rest) = path.strip_prefix("/sandbox") {
            match &t.control_url {
                Some(c) => format!("{c}{rest}"),
                None => format!("{}{path}", t.open_finance_base),
            }
        } else {
            format!("{}{path}", t.open_finance_base)
        })
    }

    /// The spec path of a URL (for finding its operation): the part after the family base.
    pub fn spec_path(&self, url: &str) -> String {
        if let Some(ctx) = &self.ctx {
            let t = &ctx.target;
            if let Some(rest) = url.strip_prefix(&t.bankly_base) {
                return format!("/bankly{}", url_path(rest));
            }
            if let Some(rest) = url.strip_prefix(&t.open_finance_base) {
                return url_path(rest);
            }
        }
        url_path(url)
    }

    /// Sends a request with its family's request headers (Open Finance: a fresh
    /// `x-fapi-interaction-id`, `x-fapi-auth-date`, `x-fapi-customer-ip-address`; Bankly:
    /// `api-version` and a fresh `x-correlation-id`) and the scenario's extra headers, keeping the
    /// answer as [`CheckWorld::last`]. Placeholders in `path` are filled first. A transport failure
    /// fails the step with its evidence.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        auth: Auth,
        body: Option<(&str, Vec<u8>)>,
    ) -> StepResult {
        let ctx = self.ctx()?;
        let path = self.fill_placeholders(path)?;
        let url = self.url_for(&path)?;
        let bankly = if path.starts_with('/') {
            path.starts_with("/bankly/")
        } else {
            url.starts_with(&format!("{}/", ctx.target.bankly_base))
        };
        let mut headers: Vec<(String, String)> = vec![("accept".into(), "application/json".into())];
        if bankly {
            headers.extend(bankly::request_headers());
        } else {
            headers.extend([
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
            ]);
        }
        let token = match auth {
            // Bankly and Open Finance tokens live side by side: a scenario may hold both.
            Auth::Resource if bankly => self.bankly.token.clone(),
            Auth::Resource => self.token.clone(),
            Auth::Client => self.client_token.clone(),
            Auth::None => None,
        };
        if let Some(t) = token {
            headers.push(("authorization".into(), format!("Bearer {t}")));
        }
        for (k, v) in &self.extra_headers {
            headers.retain(|(h, _)| !h.eq_ignore_ascii_case(k));
            headers.push((k.clone(), v.clone()));
        }
        headers.retain(|(h, _)| !self.omit_headers.iter().any(|o| o.eq_ignore_ascii_case(h)));
        match ctx
            .client
            .send_within(method, &url, &headers, body, self.deadline)
            .await
        {
            Ok(sent) => {
                self.last = Some(sent);
                Ok(())
            }
            Err((message, evidence)) => {
                self.fail_with_evidence(format!("{method} {url}: {message}"), evidence)
            }
        }
    }
}

/// Splits a list written in a feature: `"A, B | C"` -> `["A", "B", "C"]`.
pub fn split_list(s: &str) -> Vec<String> {
    s.split([',', '|'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn lists_split_on_commas_and_bars() {
        assert_eq!(super::split_list("A, B |C"), vec!["A", "B", "C"]);
        assert!(super::split_list(" ").is_empty());
    }
}
