//! Bankly tokens. A scenario asks for exactly the scopes it tests, while the harness's own calls
//! carry a token with every scope, so a deliberately narrow token never blocks a precondition.

use std::time::Duration;

use cucumber::{given, when};
use serde_json::Value;

use super::target::bankly_target;
use super::{Pre, bankly_base, error_summary, settle};
use crate::harness::steps::{self, Auth};
use crate::harness::world::{CheckWorld, RunContext, StepFail, StepResult};

use super::super::NAME;

/// Scopes asked for "every scope" when the loaded specs name none (a user's spec without
/// `security`): the ones the Bankly customers API documents.
const DEFAULT_SCOPES: &[&str] = &[
    "customer.read",
    "customer.write",
    "customer.update",
    "customer.cancel",
    "webhook.write",
];

/// The longest Retry-After a token request waits out before trying once more.
const MAX_TOKEN_RETRY_WAIT_SECONDS: u64 = 10;

/// The scopes the loaded Bankly spec's operations ask for, in the order they appear.
fn every_scope(ctx: &RunContext) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    for spec in ctx.specs.apis.iter().filter(|s| s.family == "bankly") {
        for op in &spec.operations {
            for s in &op.scopes {
                if !scopes.contains(s) {
                    scopes.push(s.clone());
                }
            }
        }
    }
    if scopes.is_empty() {
        scopes = DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect();
    }
    scopes
}

fn token_url(ctx: &RunContext) -> String {
    let base = bankly_base(ctx);
    match bankly_target(ctx).token_url {
        Some(u) if u.starts_with("http://") || u.starts_with("https://") => u,
        Some(path) => format!("{base}{path}"),
        None => format!("{base}/oauth2/token"),
    }
}

impl CheckWorld {
    fn token_form(&self, scopes: &str) -> Result<String, StepFail> {
        let ctx = self.ctx()?;
        let cfg = bankly_target(&ctx);
        let client_id = cfg
            .client_id
            .clone()
            .unwrap_or_else(|| format!("finsandbox-harness-{}", self.scenario_no));
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials");
        form.append_pair("client_id", &client_id);
        if let Some(secret) = &cfg.client_secret {
            form.append_pair("client_secret", secret);
        }
        form.append_pair("scope", scopes);
        Ok(form.finish())
    }

    /// POSTs a form to the Bankly token endpoint and keeps the answer as the last response.
    async fn post_token_form(&mut self, form: String) -> StepResult {
        let ctx = self.ctx()?;
        let url = token_url(&ctx);
        let headers = vec![("accept".to_string(), "application/json".to_string())];
        match ctx
            .client
            .send_within(
                "POST",
                &url,
                &headers,
                Some(("application/x-www-form-urlencoded", form.into_bytes())),
                self.deadline,
            )
            .await
        {
            Ok(s) => {
                self.last = Some(s);
                Ok(())
            }
            Err((m, e)) => self.fail_with_evidence(format!("POST {url}: {m}"), e),
        }
    }

    /// A token with `scopes` (None: every scope).
    async fn obtain_token(&mut self, scopes: Option<Vec<String>>) -> Result<String, Pre> {
        let ctx = self.ctx()?;
        let configured = bankly_target(&ctx).token;
        if scopes.is_none()
            && let Some(t) = configured.clone()
        {
            return Ok(t);
        }
        let wanted = scopes.unwrap_or_else(|| every_scope(&ctx)).join(" ");
        let form = self.token_form(&wanted)?;
        self.post_token_form(form.clone()).await?;
        // Token requests carry no bearer, so a target may count them all against one caller: a
        // run with many scenarios can meet the limit. Honour a short Retry-After once.
        let wait = self
            .last()?
            .header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|s| *s <= MAX_TOKEN_RETRY_WAIT_SECONDS);
        if self.last()?.status == 429
            && let Some(seconds) = wait
        {
            tokio::time::sleep(Duration::from_secs(seconds)).await;
            self.post_token_form(form).await?;
        }
        let summary = error_summary(self.last()?);
        let hint = if configured.is_some() {
            " (the [bankly] token of target.toml carries every scope, so it cannot stand for a narrower one; set [bankly] client-id so the harness can ask the token endpoint)"
        } else {
            " (set [bankly] token, or client-id and client-secret, in target.toml)"
        };
        steps::token_answer(self, "Bankly", &wanted, &summary, hint)
    }

    /// The harness's own token, with every scope.
    async fn helper_token(&mut self) -> Result<String, Pre> {
        if let Some(t) = self.bankly().helper.clone() {
            return Ok(t);
        }
        if self.bankly().every_scope
            && let Some(t) = self.token(NAME)
        {
            return Ok(t.to_string());
        }
        let t = self.obtain_token(None).await?;
        self.bankly().helper = Some(t.clone());
        Ok(t)
    }

    /// A Bankly request with the harness's token instead of the scenario's.
    pub(super) async fn harness_call(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(), Pre> {
        let body = body.map(|b| b.to_string().into_bytes());
        for attempt in 0..2 {
            let token = self.helper_token().await?;
            let payload = body.clone().map(|b| ("application/json", b));
            self.request(method, path, Auth::Token(Some(token)), payload)
                .await?;
            // Tokens expire on the sandbox clock: a scenario that moved it gets a fresh one, once.
            if attempt > 0 || self.last()?.status != 401 {
                break;
            }
            self.bankly().helper = None;
            self.bankly().every_scope = false;
        }
        Ok(())
    }
}

/// Makes a token with `scopes` (None: every scope) the scenario's. Only an every-scope token may
/// also serve the harness's own calls, so the World remembers which kind it is.
async fn scenario_token(w: &mut CheckWorld, scopes: Option<Vec<String>>) -> StepResult {
    let every = scopes.is_none();
    let r = w.obtain_token(scopes).await.map(|t| {
        w.set_token(NAME, Some(t));
        w.bankly().every_scope = every;
    });
    settle(w, r)
}

#[given("a Bankly token with every scope")]
async fn token_every_scope(w: &mut CheckWorld) -> StepResult {
    scenario_token(w, None).await
}

#[given(expr = "a Bankly token with the scopes {string}")]
async fn token_with_scopes(w: &mut CheckWorld, scopes: String) -> StepResult {
    let wanted: Vec<String> = scopes
        .split([' ', ',', '|'])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    scenario_token(w, Some(wanted)).await
}

#[given(expr = "a Bankly token without the scope {string}")]
async fn token_without_scope(w: &mut CheckWorld, scope: String) -> StepResult {
    let ctx = w.ctx()?;
    let all = every_scope(&ctx);
    if !all.contains(&scope) {
        return w.fail(
            format!("the Bankly spec knows no scope \"{scope}\""),
            Some(all.join(" ")),
            Some(scope),
            Vec::new(),
        );
    }
    let wanted: Vec<String> = all.into_iter().filter(|s| *s != scope).collect();
    scenario_token(w, Some(wanted)).await
}

#[when(expr = "I ask for a Bankly token with the scopes {string}")]
async fn ask_token(w: &mut CheckWorld, scopes: String) -> StepResult {
    let form = w.token_form(&scopes)?;
    w.post_token_form(form).await
}

/// The form exactly as written (for grant types and fields a client gets wrong).
#[when(expr = "I send the Bankly token endpoint the form {string}")]
async fn ask_token_form(w: &mut CheckWorld, form: String) -> StepResult {
    w.post_token_form(form).await
}
