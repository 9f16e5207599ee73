//! Tokens: the client-credentials token the Consents API needs, and access tokens for a consent in
//! each state of the scenario table. A state comes from the configuration or is built through the
//! control API; when neither can give it, the step says what to configure instead of failing.

use cucumber::{given, when};
use serde_json::json;

use super::super::rules::Kind;
use super::consents::consent_body;
use super::target::{configured_token, of_target, token_url};
use super::{Pre, conclude};
use crate::harness::client::Sent;
use crate::harness::report::Exchange;
use crate::harness::world::{CheckWorld, StepFail, StepResult};

use super::super::NAME;

/// A customer of the embedded fixtures with 60 identification records.
const DEFAULT_PAGING_CPF: &str = "13579246828";

/// States a consent token can be asked in (`features/README.md` lists them for target.toml).
pub const STATES: &[&str] = &[
    "none",
    "authorised",
    "pending-multiple-approval",
    "multiple-approval-rejected",
    "customer-blocked",
    "relationship-closed",
    "rejected",
    "revoked",
    "expired",
    "only-identifications",
    "only-additional-info",
    "paging",
];

impl CheckWorld {
    /// POSTs a form to the target's OAuth2 token endpoint.
    async fn post_token(
        &self,
        form: String,
        headers: &[(String, String)],
    ) -> Result<Result<Sent, (String, Exchange)>, StepFail> {
        let ctx = self.ctx()?;
        Ok(ctx
            .client
            .send_within(
                "POST",
                &token_url(&ctx),
                headers,
                Some(("application/x-www-form-urlencoded", form.into_bytes())),
                self.deadline,
            )
            .await)
    }

    pub(super) async fn ensure_client_token(&mut self) -> Result<(), Pre> {
        if self.of().client_token.is_some() {
            return Ok(());
        }
        let ctx = self.ctx()?;
        let of = of_target(&ctx);
        if let Some(t) = &of.client_credentials_token {
            self.of().client_token = Some(t.clone());
            return Ok(());
        }
        let mut form = "grant_type=client_credentials&scope=consents".to_string();
        if let Some(id) = &of.client_id {
            form.push_str("&client_id=");
            form.push_str(&form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>());
        }
        let mut headers = Vec::new();
        if let (Some(id), Some(secret)) = (&of.client_id, &of.client_secret) {
            use base64::Engine;
            let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
            headers.push(("authorization".to_string(), format!("Basic {basic}")));
        }
        let url = token_url(&ctx);
        match self.post_token(form, &headers).await? {
            Ok(s) if s.status == 200 => {
                let token = json_str(&s, "access_token");
                self.last = Some(s);
                match token {
                    Some(t) => {
                        self.of().client_token = Some(t);
                        Ok(())
                    }
                    None => Err(Pre::Skip(format!(
                        "the token endpoint {url} answered 200 without an access_token{}",
                        self.last
                            .as_ref()
                            .and_then(|s| s.json_error.as_ref())
                            .map(|e| format!(" ({e})"))
                            .unwrap_or_default()
                    ))),
                }
            }
            Ok(s) => {
                let status = s.status;
                self.last = Some(s);
                Err(Pre::Skip(format!(
                    "no client_credentials token: {url} answered {status} (set open-finance.client-credentials-token or token-url/client-id in target.toml)"
                )))
            }
            Err((message, _)) => Err(Pre::Skip(format!(
                "no client_credentials token: {url}: {message}"
            ))),
        }
    }

    async fn exchange_code(&mut self, code: &str) -> Result<String, Pre> {
        let form = format!(
            "grant_type=authorization_code&code={}",
            form_urlencoded::byte_serialize(code.as_bytes()).collect::<String>()
        );
        match self.post_token(form, &[]).await? {
            Ok(s) if s.status == 200 => {
                let access = json_str(&s, "access_token");
                self.of().refresh_token = json_str(&s, "refresh_token");
                self.last = Some(s);
                access.ok_or_else(|| {
                    let _ = self.fail(
                        "the token response carries no access_token",
                        None,
                        None,
                        Vec::new(),
                    );
                    Pre::Fail
                })
            }
            Ok(s) => {
                let status = s.status;
                self.last = Some(s);
                self.fail(
                    format!("exchanging the authorisation code failed with HTTP {status}"),
                    Some("200".into()),
                    Some(status.to_string()),
                    Vec::new(),
                )?;
                Err(Pre::Fail)
            }
            Err((message, evidence)) => {
                self.fail_with_evidence(format!("token endpoint: {message}"), evidence)?;
                Err(Pre::Fail)
            }
        }
    }

    /// consent -> authorise (with a multiple-approval state) -> token.
    async fn authorised_token(
        &mut self,
        kind: &str,
        permissions: &[&str],
        approval: Option<&str>,
        expiration: Option<String>,
    ) -> Result<String, Pre> {
        let id = self.create_consent(kind, permissions, expiration).await?;
        self.authorise(&id, approval).await
    }

    /// Authorises the consent `id` through the control API (with a multiple-approval state) and
    /// exchanges the code it answers for a token.
    async fn authorise(&mut self, id: &str, approval: Option<&str>) -> Result<String, Pre> {
        let body = match approval {
            Some(a) => json!({"multipleApproval": a}),
            None => json!({}),
        };
        let answer = self
            .control("POST", &format!("/consents/{id}/authorise"), body)
            .await?;
        let code = answer["code"].as_str().unwrap_or_default().to_string();
        self.exchange_code(&code).await
    }

    async fn token_in_state(&mut self, kind: &str, state: &str) -> Result<Option<String>, Pre> {
        let ctx = self.ctx()?;
        if let Some(t) = configured_token(&ctx, kind, state) {
            return Ok(Some(t.to_string()));
        }
        if state == "none" {
            return Ok(None);
        }
        // Without a configured token only the control API can build the state: say so before
        // creating anything on the target.
        if ctx.target.control_url.is_none() {
            return Err(Pre::Skip(String::new()));
        }
        // The consent's permissions come from the permission groups both faces read: all of the
        // kind's served groups, or one of them.
        let rules = super::super::rules::rules();
        let group_kind = if kind == "business" {
            Kind::Business
        } else {
            Kind::Personal
        };
        let all = rules.all_of_kind(group_kind);
        let group = |part: &str| -> Vec<&str> {
            rules
                .groups()
                .iter()
                .find(|g| g.kind == group_kind && g.served && g.name.ends_with(part))
                .map(|g| g.permissions.iter().map(String::as_str).collect())
                .unwrap_or_default()
        };
        let (cpf, cnpj) = self.documents();
        let subject = if kind == "business" { cnpj } else { cpf };
        let token = match state {
            "authorised" => {
                self.authorised_token(kind, &all, Some("APPROVED"), None)
                    .await?
            }
            "pending-multiple-approval" => {
                self.authorised_token(kind, &all, Some("PENDING"), None)
                    .await?
            }
            "multiple-approval-rejected" => {
                self.authorised_token(kind, &all, Some("REJECTED"), None)
                    .await?
            }
            "customer-blocked" | "relationship-closed" => {
                let status = if state == "customer-blocked" {
                    "TEMPORARILY_BLOCKED"
                } else {
                    "RELATIONSHIP_CLOSED"
                };
                self.control(
                    "PUT",
                    &format!("/customers/{subject}/status"),
                    json!({"status": status}),
                )
                .await?;
                self.authorised_token(kind, &all, Some("APPROVED"), None)
                    .await?
            }
            "rejected" => {
                let t = self
                    .authorised_token(kind, &all, Some("APPROVED"), None)
                    .await?;
                let id = self.of().consent_id.clone().unwrap_or_default();
                self.control("POST", &format!("/consents/{id}/reject"), json!({}))
                    .await?;
                t
            }
            "revoked" => {
                let t = self
                    .authorised_token(kind, &all, Some("APPROVED"), None)
                    .await?;
                self.revoke().await?;
                t
            }
            "expired" => {
                let in_a_day = crate::harness::steps::relative_time("+1d").unwrap_or_default();
                let t = self
                    .authorised_token(kind, &all, Some("APPROVED"), Some(in_a_day))
                    .await?;
                self.control("POST", "/clock", json!({"advanceSeconds": 2 * 86400}))
                    .await?;
                t
            }
            "only-identifications" => {
                self.authorised_token(kind, &group("identifications"), Some("APPROVED"), None)
                    .await?
            }
            "only-additional-info" => {
                self.authorised_token(kind, &group("additional-info"), Some("APPROVED"), None)
                    .await?
            }
            "paging" => {
                let paging = of_target(&ctx)
                    .documents
                    .paging_cpf
                    .unwrap_or_else(|| DEFAULT_PAGING_CPF.to_string());
                // The paging customer is a fixed one: its consent is created for it explicitly.
                self.ensure_client_token().await?;
                let body = consent_body(&paging, None, &group("identifications"), None);
                let id = self.send_consent(body).await?;
                let Some(id) = id else {
                    self.fail(
                        "creating the paging customer's consent failed",
                        None,
                        None,
                        Vec::new(),
                    )?;
                    return Err(Pre::Fail);
                };
                self.authorise(&id, Some("APPROVED")).await?
            }
            other => {
                self.fail(
                    format!(
                        "unknown consent state \"{other}\" (known: {})",
                        STATES.join(", ")
                    ),
                    None,
                    None,
                    Vec::new(),
                )?;
                return Err(Pre::Fail);
            }
        };
        Ok(Some(token))
    }
}

fn json_str(sent: &Sent, key: &str) -> Option<String> {
    sent.json
        .as_ref()
        .and_then(|b| b[key].as_str())
        .map(str::to_string)
}

fn settle(w: &mut CheckWorld, kind: &str, state: &str, r: Result<(), Pre>) -> StepResult {
    match r {
        Ok(()) => Ok(()),
        Err(Pre::Skip(reason)) => {
            let how = format!(
                "needs a {kind} access token for a consent in state \"{state}\": set [open-finance.tokens.{kind}] {state} in target.toml, or run against a finsandbox sandbox (control API)"
            );
            if reason.is_empty() {
                w.skip(how)
            } else {
                w.skip(format!("{how}; {reason}"))
            }
        }
        Err(Pre::Fail) => Err(StepFail(
            w.failure
                .as_ref()
                .map(|f| f.message.clone())
                .unwrap_or_else(|| "precondition failed".into()),
        )),
    }
}

#[given(expr = "a {word} consent token in the state {string}")]
async fn token_in_state(w: &mut CheckWorld, kind: String, state: String) -> StepResult {
    if kind != "personal" && kind != "business" {
        return w.fail(
            format!("consent tokens are personal or business, not \"{kind}\""),
            None,
            None,
            Vec::new(),
        );
    }
    let r = w.token_in_state(&kind, &state).await.map(|t| {
        w.set_token(NAME, t);
    });
    settle(w, &kind, &state, r)
}

#[given("a client credentials token for the Consents API")]
async fn client_credentials(w: &mut CheckWorld) -> StepResult {
    let r = w.ensure_client_token().await;
    conclude(w, r, "no client token")
}

#[when("I refresh the access token")]
async fn refresh(w: &mut CheckWorld) -> StepResult {
    let Some(refresh) = w.of().refresh_token.clone() else {
        return w.skip(
            "no refresh token was issued in this scenario (tokens from target.toml have none)",
        );
    };
    let form = format!(
        "grant_type=refresh_token&refresh_token={}",
        form_urlencoded::byte_serialize(refresh.as_bytes()).collect::<String>()
    );
    match w.post_token(form, &[]).await? {
        Ok(s) => {
            w.last = Some(s);
            Ok(())
        }
        Err((m, e)) => w.fail_with_evidence(m, e),
    }
}
