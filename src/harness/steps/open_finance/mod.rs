//! Open Finance preconditions and checks: tokens for a consent in a given state, consent requests,
//! revocation, the sandbox clock, and the paging walk.
//!
//! A token for a state comes from `target.toml` (`[open-finance.tokens.<kind>] <state> = "..."`)
//! when the configuration has one; otherwise from the sandbox control API, which creates a consent
//! for a customer of the scenario's own and moves it to the state; otherwise the scenario is skipped
//! and the report names what was missing.

use cucumber::{given, then, when};
use serde_json::{Value, json};

pub mod target;

use crate::datagen::{br, rng_for};
use crate::harness::client::Sent;
use crate::harness::limits;
use crate::harness::report::Exchange;
use crate::harness::steps::{Auth, split_list};
use crate::harness::world::{CheckWorld, StepFail, StepResult};
use crate::sandbox::family::ScenarioSeed;
use super::rules::Kind;
use target::{configured_token, of_target, token_url};

use super::NAME;

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

impl CheckWorld {
    fn of(&mut self) -> &mut OpenFinanceWorld {
        self.part()
    }
}

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

enum Precondition {
    Skip(String),
    Fail,
}

impl From<StepFail> for Precondition {
    fn from(_: StepFail) -> Self {
        Precondition::Fail
    }
}

impl CheckWorld {
    /// This scenario's customers (`{{cpf}}`, `{{cnpj}}`).
    pub fn documents(&self) -> (String, String) {
        (self.value("cpf"), self.value("cnpj"))
    }

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

    async fn ensure_client_token(&mut self) -> Result<(), Precondition> {
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
                    None => Err(Precondition::Skip(format!(
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
                Err(Precondition::Skip(format!(
                    "no client_credentials token: {url} answered {status} (set open-finance.client-credentials-token or token-url/client-id in target.toml)"
                )))
            }
            Err((message, _)) => Err(Precondition::Skip(format!(
                "no client_credentials token: {url}: {message}"
            ))),
        }
    }

    /// POST /consents; the consent id, or why not.
    async fn create_consent(
        &mut self,
        kind: &str,
        permissions: &[&str],
        expiration: Option<String>,
    ) -> Result<String, Precondition> {
        self.ensure_client_token().await?;
        let (cpf, cnpj) = self.documents();
        let mut data = json!({
            "loggedUser": {"document": {"identification": cpf, "rel": "CPF"}},
            "permissions": permissions,
        });
        if kind == "business" {
            data["businessEntity"] = json!({"document": {"identification": cnpj, "rel": "CNPJ"}});
        }
        if let Some(e) = expiration {
            data["expirationDateTime"] = json!(e);
        }
        let body = json!({"data": data}).to_string().into_bytes();
        let client = self.of().client_token.clone();
        self.request(
            "POST",
            "/open-banking/consents/v3/consents",
            Auth::Token(client),
            Some(("application/json", body)),
        )
        .await?;
        let status = self.last()?.status;
        if status != 201 {
            self.fail(
                format!("creating the consent for the scenario failed with HTTP {status}"),
                Some("201".into()),
                Some(status.to_string()),
                Vec::new(),
            )?;
        }
        let id = self
            .last()?
            .json
            .as_ref()
            .and_then(|b| b["data"]["consentId"].as_str())
            .map(str::to_string);
        match id {
            Some(id) => {
                self.of().consent_id = Some(id.clone());
                self.values.insert("consentId".into(), id.clone());
                Ok(id)
            }
            None => {
                self.fail(
                    "the consent response carries no data.consentId",
                    None,
                    None,
                    Vec::new(),
                )?;
                Err(Precondition::Fail)
            }
        }
    }

    /// A control API call; skips the scenario when the target has none.
    async fn control(
        &mut self,
        method: &str,
        path: &str,
        body: Value,
    ) -> Result<Value, Precondition> {
        let ctx = self.ctx()?;
        let Some(base) = ctx.target.control_url.clone() else {
            return Err(Precondition::Skip(format!(
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
                Err(Precondition::Fail)
            }
            Err((message, evidence)) => {
                self.fail_with_evidence(
                    format!("control API {method} {path}: {message}"),
                    evidence,
                )?;
                Err(Precondition::Fail)
            }
        }
    }

    async fn exchange_code(&mut self, code: &str) -> Result<String, Precondition> {
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
                    Precondition::Fail
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
                Err(Precondition::Fail)
            }
            Err((message, evidence)) => {
                self.fail_with_evidence(format!("token endpoint: {message}"), evidence)?;
                Err(Precondition::Fail)
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
    ) -> Result<String, Precondition> {
        let id = self.create_consent(kind, permissions, expiration).await?;
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

    async fn token_in_state(
        &mut self,
        kind: &str,
        state: &str,
    ) -> Result<Option<String>, Precondition> {
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
            return Err(Precondition::Skip(String::new()));
        }
        // The consent's permissions come from the permission groups both faces read: all of the
        // kind's served groups, or one of them.
        let rules = super::rules::rules();
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
                let body = json!({"data": {
                    "loggedUser": {"document": {"identification": paging, "rel": "CPF"}},
                    "permissions": group("identifications")}});
                let client = self.of().client_token.clone();
                self.request(
                    "POST",
                    "/open-banking/consents/v3/consents",
                    Auth::Token(client),
                    Some(("application/json", body.to_string().into_bytes())),
                )
                .await?;
                let id = self
                    .last()?
                    .json
                    .as_ref()
                    .and_then(|b| b["data"]["consentId"].as_str())
                    .map(str::to_string);
                let Some(id) = id else {
                    self.fail(
                        "creating the paging customer's consent failed",
                        None,
                        None,
                        Vec::new(),
                    )?;
                    return Err(Precondition::Fail);
                };
                let answer = self
                    .control(
                        "POST",
                        &format!("/consents/{id}/authorise"),
                        json!({"multipleApproval": "APPROVED"}),
                    )
                    .await?;
                let code = answer["code"].as_str().unwrap_or_default().to_string();
                self.exchange_code(&code).await?
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
                return Err(Precondition::Fail);
            }
        };
        Ok(Some(token))
    }

    async fn revoke(&mut self) -> Result<(), Precondition> {
        let id = self.of().consent_id.clone().ok_or_else(|| {
            let _ = self.fail("no consent to revoke", None, None, Vec::new());
            Precondition::Fail
        })?;
        self.ensure_client_token().await?;
        let client = self.of().client_token.clone();
        self.request(
            "DELETE",
            &format!("/open-banking/consents/v3/consents/{id}"),
            Auth::Token(client),
            None,
        )
        .await?;
        Ok(())
    }
}

fn json_str(sent: &Sent, key: &str) -> Option<String> {
    sent.json
        .as_ref()
        .and_then(|b| b[key].as_str())
        .map(str::to_string)
}


fn settle(w: &mut CheckWorld, kind: &str, state: &str, r: Result<(), Precondition>) -> StepResult {
    match r {
        Ok(()) => Ok(()),
        Err(Precondition::Skip(reason)) => {
            let how = format!(
                "needs a {kind} access token for a consent in state \"{state}\": set [open-finance.tokens.{kind}] {state} in target.toml, or run against a finsandbox sandbox (control API)"
            );
            if reason.is_empty() {
                w.skip(how)
            } else {
                w.skip(format!("{how}; {reason}"))
            }
        }
        Err(Precondition::Fail) => Err(StepFail(
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
    match r {
        Ok(()) => Ok(()),
        Err(Precondition::Skip(reason)) => w.skip(reason),
        Err(Precondition::Fail) => Err(StepFail("no client token".into())),
    }
}

#[when("I create the consent:")]
async fn create_consent_with(w: &mut CheckWorld, step: &cucumber::gherkin::Step) -> StepResult {
    let body = w.fill_placeholders(step.docstring.as_deref().unwrap_or(""))?;
    post_consent(w, body.into_bytes()).await
}

/// POSTs a consent request with the client token; a created consent becomes the scenario's.
async fn post_consent(w: &mut CheckWorld, body: Vec<u8>) -> StepResult {
    let client = w.of().client_token.clone();
    w.request(
        "POST",
        "/open-banking/consents/v3/consents",
        Auth::Token(client),
        Some(("application/json", body)),
    )
    .await?;
    if let Some(id) = w
        .last()?
        .json
        .as_ref()
        .and_then(|b| b["data"]["consentId"].as_str())
        .map(str::to_string)
    {
        w.of().consent_id = Some(id.clone());
        w.values.insert("consentId".into(), id);
    }
    Ok(())
}

#[when(expr = "I request a {word} consent with the permissions {string}")]
async fn request_consent(w: &mut CheckWorld, kind: String, permissions: String) -> StepResult {
    let (cpf, cnpj) = w.documents();
    let perms = split_list(&permissions);
    let mut data = json!({
        "loggedUser": {"document": {"identification": cpf, "rel": "CPF"}},
        "permissions": perms,
    });
    if kind == "business" {
        data["businessEntity"] = json!({"document": {"identification": cnpj, "rel": "CNPJ"}});
    }
    post_consent(w, json!({"data": data}).to_string().into_bytes()).await
}

#[when("I revoke the consent")]
async fn revoke_consent(w: &mut CheckWorld) -> StepResult {
    match w.revoke().await {
        Ok(()) => Ok(()),
        Err(Precondition::Skip(r)) => w.skip(r),
        Err(Precondition::Fail) => Err(StepFail("revocation failed".into())),
    }
}

#[when("I read the consent")]
async fn read_consent(w: &mut CheckWorld) -> StepResult {
    let Some(id) = w.of().consent_id.clone() else {
        return w.fail(
            "no consent was created in this scenario",
            None,
            None,
            Vec::new(),
        );
    };
    if let Err(Precondition::Skip(r)) = w.ensure_client_token().await {
        return w.skip(r);
    }
    let client = w.of().client_token.clone();
    w.request(
        "GET",
        &format!("/open-banking/consents/v3/consents/{id}"),
        Auth::Token(client),
        None,
    )
    .await
}

#[when(expr = "the sandbox clock moves forward {int} seconds")]
async fn advance_clock(w: &mut CheckWorld, seconds: i64) -> StepResult {
    match w
        .control("POST", "/clock", json!({"advanceSeconds": seconds}))
        .await
    {
        Ok(_) => {
            // Client tokens live 15 minutes; a later step asks for a fresh one.
            w.of().client_token = None;
            Ok(())
        }
        Err(Precondition::Skip(r)) => w.skip(r),
        Err(Precondition::Fail) => Err(StepFail("the clock could not be moved".into())),
    }
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

// ---------------------------------------------------------------------------------- paging

/// (page, page-size) of a link, from its query.
pub fn page_params(url: &str) -> (Option<u64>, Option<u64>) {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    let mut page = None;
    let mut size = None;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "page" => page = v.parse().ok(),
            "page-size" => size = v.parse().ok(),
            _ => {}
        }
    }
    (page, size)
}

#[when(expr = "I walk every page of {string}")]
async fn walk_pages(w: &mut CheckWorld, path: String) -> StepResult {
    w.pages.clear();
    w.request("GET", &path, Auth::Resource, None).await?;
    let mut seen = std::collections::HashSet::new();
    loop {
        let last = w.last()?.clone();
        if last.status != 200 {
            let n = w.pages.len() + 1;
            return w.fail(
                format!("page {n} of the walk answered HTTP {}", last.status),
                Some("200".into()),
                Some(last.status.to_string()),
                Vec::new(),
            );
        }
        // Pages are known by the URL asked and by their own self link (the first request may carry
        // no query while its self link does).
        seen.insert(last.url.clone());
        if let Some(s) = last.json.as_ref().and_then(|b| b["links"]["self"].as_str()) {
            seen.insert(s.to_string());
        }
        let next = last
            .json
            .as_ref()
            .and_then(|b| b["links"]["next"].as_str())
            .map(str::to_string);
        w.pages.push(last);
        let Some(next) = next else { return Ok(()) };
        // Every page is kept for the checks after the walk: together they stay within the cap
        // one response has, or a target with endless large pages would grow the run's memory.
        let cap = w.ctx()?.client.limits().max_response_bytes;
        let kept: u64 = w.pages.iter().map(|p| p.text.len() as u64).sum();
        if kept > cap {
            let n = w.pages.len();
            return w.fail(
                format!(
                    "the walk stopped after page {n}: the pages read so far hold {}, more than the limit of {} (--max-response-bytes)",
                    limits::format_bytes(kept),
                    limits::format_bytes(cap)
                ),
                None,
                None,
                Vec::new(),
            );
        }
        if seen.contains(&next) || w.pages.len() >= 1000 {
            let n = w.pages.len();
            return w.fail(
                format!("broken next link: page {n}'s links.next ({next}) leads back to a page already visited"),
                Some("a link to the following page".into()),
                Some(next),
                Vec::new(),
            );
        }
        w.request("GET", &next, Auth::Resource, None).await?;
    }
}

#[then("every page follows the paging rules")]
async fn pages_follow_rules(w: &mut CheckWorld) -> StepResult {
    let pages = w.pages.clone();
    if pages.is_empty() {
        return w.fail(
            "no pages were walked before this step",
            None,
            None,
            Vec::new(),
        );
    }
    let total = pages.len() as u64;
    let mut size_seen: Option<u64> = None;
    for (i, page) in pages.iter().enumerate() {
        let n = i as u64 + 1;
        w.last = Some(page.clone());
        let body = page.json.clone().unwrap_or(Value::Null);
        let links = &body["links"];
        let Some(self_link) = links["self"].as_str() else {
            return w.fail(
                format!("page {n} has no links.self"),
                Some("links.self".into()),
                Some(links.to_string()),
                Vec::new(),
            );
        };
        let (page_no, size) = page_params(self_link);
        if page_no.unwrap_or(1) != n {
            return w.fail(
                format!("page {n}'s links.self names page {}", page_no.unwrap_or(1)),
                Some(format!("page={n}")),
                Some(self_link.to_string()),
                Vec::new(),
            );
        }
        let size = size.unwrap_or(25);
        if let Some(s) = size_seen
            && s != size
        {
            return w.fail(
                format!("page size changed from {s} to {size} during the walk"),
                Some(s.to_string()),
                Some(size.to_string()),
                Vec::new(),
            );
        }
        size_seen = Some(size);
        let items = body["data"].as_array().map(Vec::len).unwrap_or(0) as u64;
        if n < total && items != size {
            return w.fail(
                format!("page {n} of {total} holds {items} records, not a full page of {size}"),
                Some(size.to_string()),
                Some(items.to_string()),
                Vec::new(),
            );
        }
        if items > size {
            return w.fail(
                format!("page {n} holds {items} records, more than the page size {size}"),
                Some(format!("at most {size}")),
                Some(items.to_string()),
                Vec::new(),
            );
        }
        let expect = |name: &str,
                      present: bool,
                      target: Option<u64>|
         -> Option<(String, String, String)> {
            let link = links[name].as_str();
            match (present, link) {
                (true, None) => Some((
                    format!("page {n} of {total} must have links.{name}"),
                    format!("links.{name}"),
                    "(absent)".into(),
                )),
                (false, Some(l)) => Some((
                    format!("page {n} of {total} must not have links.{name}"),
                    "(absent)".into(),
                    l.to_string(),
                )),
                (true, Some(l)) => {
                    let (p, s) = page_params(l);
                    match target {
                        Some(t) if p.unwrap_or(1) != t || s.unwrap_or(25) != size => Some((
                            format!(
                                "page {n}'s links.{name} points to page {} (size {}), not page {t}",
                                p.unwrap_or(1),
                                s.unwrap_or(25)
                            ),
                            format!("page={t}&page-size={size}"),
                            l.to_string(),
                        )),
                        _ => None,
                    }
                }
                (false, None) => None,
            }
        };
        let checks = [
            expect("first", n > 1, Some(1)),
            expect("prev", n > 1, Some(n.saturating_sub(1))),
            expect("next", n < total, Some(n + 1)),
            expect("last", n < total, Some(total)),
        ];
        if let Some((message, expected, actual)) = checks.into_iter().flatten().next() {
            return w.fail(message, Some(expected), Some(actual), Vec::new());
        }
    }
    Ok(())
}

#[then("the pages hold distinct records")]
async fn pages_distinct(w: &mut CheckWorld) -> StepResult {
    let mut seen = std::collections::HashSet::new();
    let mut total = 0;
    for page in &w.pages {
        for item in page
            .json
            .as_ref()
            .and_then(|b| b["data"].as_array())
            .into_iter()
            .flatten()
        {
            total += 1;
            let key = item
                .get("personalId")
                .or_else(|| item.get("businessId"))
                .map(Value::to_string)
                .unwrap_or_else(|| item.to_string());
            seen.insert(key);
        }
    }
    if seen.len() == total {
        return Ok(());
    }
    let dup = total - seen.len();
    w.fail(
        format!("{dup} record(s) appear on more than one page"),
        Some(format!("{total} distinct records")),
        Some(format!("{} distinct", seen.len())),
        Vec::new(),
    )
}

#[then(expr = "the walk took {int} pages")]
async fn walk_took(w: &mut CheckWorld, n: usize) -> StepResult {
    let got = w.pages.len();
    if got == n {
        return Ok(());
    }
    w.fail(
        format!("the walk took {got} pages"),
        Some(n.to_string()),
        Some(got.to_string()),
        Vec::new(),
    )
}

#[when("I GET the page after the last")]
async fn page_after_last(w: &mut CheckWorld) -> StepResult {
    let Some(last_page) = w.pages.last().cloned() else {
        return w.fail(
            "no pages were walked before this step",
            None,
            None,
            Vec::new(),
        );
    };
    let self_link = last_page
        .json
        .as_ref()
        .and_then(|b| b["links"]["self"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| last_page.url.clone());
    let (page, size) = page_params(&self_link);
    let base = self_link
        .split('?')
        .next()
        .unwrap_or(&self_link)
        .to_string();
    let url = format!(
        "{base}?page={}&page-size={}",
        page.unwrap_or(1) + 1,
        size.unwrap_or(25)
    );
    w.request("GET", &url, Auth::Resource, None).await
}

#[cfg(test)]
mod tests {
    use super::*;


    #[test]
    fn page_params_are_read_from_the_query() {
        assert_eq!(
            page_params("http://h/x?page=2&page-size=50"),
            (Some(2), Some(50))
        );
        assert_eq!(page_params("http://h/x"), (None, None));
    }
}
