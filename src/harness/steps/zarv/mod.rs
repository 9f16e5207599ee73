//! Zarv ID preconditions and checks: logging in (as the target's user, another workspace's, or one
//! without credit), tokens made unusable on purpose, verifications followed through their
//! lifecycle, batches with callbacks to the loopback receiver, the blacklist, and the PDF report.
//!
//! Who logs in comes from `[zarv]` of `target.toml`, or against a finsandbox sandbox from its
//! control API (`GET /sandbox/zarv/users`). Time: against a sandbox the harness moves its clock
//! (such scenarios are tagged `@serial`); against a real Zarv it waits, polling every second,
//! and skips what would take minutes (an expired token, callback retries). Magic documents exist
//! only in the sandbox: scenarios that need one are skipped elsewhere, saying so.

pub mod pdf_text;
pub mod target;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cucumber::{given, then, when};
use serde_json::{Value, json};

use crate::datagen::{br, rng_for};
use crate::harness::receiver::{self, Delivery, Receiver};
use crate::harness::report::Finding;
use crate::harness::steps::{self, Auth, Pre, split_list};
use crate::harness::world::{CheckWorld, RunContext, StepResult};
use crate::sandbox::family::ScenarioSeed;
use crate::spec::judge::{self, Check};

use super::rules::lifecycle;
use super::{NAME, VerificationStatus};
use target::zarv_target;

/// Longest a verification is followed before the harness gives up (real seconds on a real target,
/// sandbox-clock seconds on a sandbox).
const FINISH_WITHIN_SECONDS: u64 = 120;
/// How long a callback may take to reach the receiver once due, and the grace for a duplicate.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
const DUPLICATE_GRACE: Duration = Duration::from_millis(500);

/// Zarv needs no header besides the bearer token: no correlation id, no version header.
pub fn request_headers() -> Vec<(String, String)> {
    Vec::new()
}

/// The scenario's own documents, new to the target: `{{zarvCpf}}`, `{{zarvCnpj}}` and
/// `{{zarvAlphanumericCnpj}}`, deterministic per (seed, scenario).
pub fn scenario_values(s: &ScenarioSeed<'_>) -> Vec<(String, String)> {
    let mut rng = rng_for(s.seed, "harness-zarv", &format!("scenario-{}", s.scenario));
    vec![
        ("zarvCpf".into(), br::gen_cpf(&mut rng)),
        ("zarvCnpj".into(), br::gen_cnpj(&mut rng, false)),
        ("zarvAlphanumericCnpj".into(), br::gen_cnpj(&mut rng, true)),
    ]
}

/// Which user a step logs in as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// The target's user (`[zarv] email`), whose workspace has credit.
    Main,
    /// A user of another workspace (`[zarv] other-email`).
    Other,
    /// A user whose workspace has no credit (`[zarv] no-credit-email`).
    NoCredit,
}

impl Who {
    fn key(self) -> &'static str {
        match self {
            Who::Main => "email and password",
            Who::Other => "other-email and other-password",
            Who::NoCredit => "no-credit-email and no-credit-password",
        }
    }
}

/// What a Zarv scenario keeps between steps.
#[derive(Debug, Default)]
pub struct ZarvState {
    access: Option<String>,
    refresh: Option<String>,
    /// A refresh token already traded, to try it again.
    spent_refresh: Option<String>,
    /// The main user's token, kept for the harness's own reads when a step switched users.
    main_access: Option<String>,
    other_access: Option<String>,
    /// The scenario's verification (the last one asked for).
    verification: Option<String>,
    /// Each verification asked for, by national id, in order.
    verifications: Vec<(String, String)>,
    /// `(status, updatedAt)` seen while following the verification.
    seen: Vec<(String, String)>,
    /// The ids a batch created, by national id as sent.
    batch: Vec<(String, String)>,
    /// Metadata and headers the batch's callback was given.
    callback_metadata: Option<Value>,
    callback_headers: Vec<(String, String)>,
    receiver: Option<Receiver>,
    /// The verification as read when kept for a later comparison.
    snapshot: Option<Value>,
}

impl CheckWorld {
    fn zarv(&mut self) -> &mut ZarvState {
        self.part()
    }
}

fn settle(w: &mut CheckWorld, r: Result<(), Pre>) -> StepResult {
    steps::settle(w, r, "a Zarv precondition failed")
}

/// The claims of a JWT, read without checking its signature (the target signed it, not us).
pub fn jwt_claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The same token with its signature changed: what a forger or a corrupted cache would send.
pub fn tampered(token: &str) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    // The first character changes, not the last: the last carries unused low bits, and a lenient
    // decoder would read 'A' and 'B' there as the same signature, so the "forgery" would be valid.
    if let Some(sig) = parts.get_mut(2) {
        let first = if sig.starts_with('A') { "B" } else { "A" };
        *sig = format!("{first}{}", sig.get(1..).unwrap_or_default());
    }
    parts.join(".")
}

fn error_summary(body: Option<&Value>) -> String {
    let Some(b) = body else {
        return String::new();
    };
    match (b["error"].as_str(), b["message"].as_str()) {
        (Some(e), Some(m)) => format!(": {e} ({m})"),
        (Some(e), None) => format!(": {e}"),
        _ => String::new(),
    }
}

fn is_final(status: &str) -> bool {
    VerificationStatus::parse(status).is_some_and(VerificationStatus::is_final)
}

/// Every `(status, updatedAt)` pair seen keeps to the lifecycle of `fixtures/zarv.yaml` (the table
/// the sandbox follows too): known statuses, one move at a time, never back, a final one never
/// changed, `updatedAt` never earlier. `Some` names the first break.
pub fn lifecycle_breach(seen: &[(String, String)]) -> Option<String> {
    lifecycle().breach(seen)
}

/// The masks a report may print a national id with: as it is, formatted, or keeping only its
/// middle digits (as the sandbox's reports do).
pub fn national_id_forms(id: &str) -> Vec<String> {
    let mut forms = vec![id.to_string()];
    forms.extend(br::format_cpf(id));
    forms.extend(br::format_cnpj(id));
    forms.push(crate::sandbox::families::zarv::report::mask(id));
    forms
}

// ------------------------------------------------------------------------------ World helpers

impl CheckWorld {
    /// The user to log in as: `[zarv]` of target.toml, else the sandbox's fixture users.
    async fn zarv_credentials(&mut self, who: Who) -> Result<(String, String), Pre> {
        let ctx = self.ctx()?;
        let t = zarv_target(&ctx);
        let configured = match who {
            Who::Main => t.email.clone().zip(t.password.clone()),
            Who::Other => t.other_email.clone().zip(t.other_password.clone()),
            Who::NoCredit => t.no_credit_email.clone().zip(t.no_credit_password.clone()),
        };
        if let Some(c) = configured {
            return Ok(c);
        }
        let Some(control) = ctx.target.control_url.clone() else {
            return Err(Pre::Skip(format!(
                "no Zarv user for this scenario: set {} in the [zarv] section of target.toml",
                who.key()
            )));
        };
        let sent = self
            .zarv_control("GET", &format!("{control}/zarv/users"), None)
            .await?;
        let users = sent
            .json
            .as_ref()
            .and_then(|b| b["users"].as_array().cloned())
            .unwrap_or_default();
        let money = |u: &Value| {
            u["balance"]
                .as_str()
                .and_then(|b| b.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        let main = users.iter().find(|u| money(u) >= 100.0);
        let pick = match who {
            Who::Main => main,
            Who::Other => users
                .iter()
                .find(|u| main.is_some_and(|m| m["workspaceId"] != u["workspaceId"])),
            Who::NoCredit => users.iter().find(|u| money(u) == 0.0),
        };
        match pick {
            Some(u) => Ok((
                u["email"].as_str().unwrap_or_default().to_string(),
                u["password"].as_str().unwrap_or_default().to_string(),
            )),
            None => Err(Pre::Skip(format!(
                "the sandbox lists no Zarv user for this scenario ({})",
                who.key()
            ))),
        }
    }

    /// A control-API call, kept as the last response; a transport failure fails the step.
    async fn zarv_control(
        &mut self,
        method: &str,
        url: &str,
        body: Option<&Value>,
    ) -> Result<crate::harness::client::Sent, Pre> {
        let ctx = self.ctx()?;
        let body = body.map(|b| ("application/json", b.to_string().into_bytes()));
        match ctx
            .client
            .send_within(method, url, &[], body, self.deadline)
            .await
        {
            Ok(s) => {
                self.last = Some(s.clone());
                Ok(s)
            }
            Err((m, e)) => {
                self.fail_with_evidence(format!("control API {method} {url}: {m}"), e)?;
                Err(Pre::Fail)
            }
        }
    }

    /// `POST /zarv/api/v1/authentication` as `who`; the answer is the last response.
    async fn zarv_post_login(&mut self, who: Who, wrong_password: bool) -> Result<(), Pre> {
        let (email, mut password) = self.zarv_credentials(who).await?;
        if wrong_password {
            password.push_str("-wrong");
        }
        let body = json!({"username": email, "password": password}).to_string();
        self.request(
            "POST",
            "/zarv/api/v1/authentication",
            Auth::None,
            Some(("application/json", body.into_bytes())),
        )
        .await?;
        Ok(())
    }

    /// Logs in as `who` and makes its token the scenario's (and `{{workspaceId}}` its workspace).
    async fn zarv_login(&mut self, who: Who) -> Result<(), Pre> {
        self.zarv_post_login(who, false).await?;
        let last = self.last()?.clone();
        let pair = last.json.clone().unwrap_or(Value::Null);
        let (Some(access), Some(refresh)) =
            (pair["accessToken"].as_str(), pair["refreshToken"].as_str())
        else {
            self.fail(
                format!(
                    "logging in to Zarv answered HTTP {}{}",
                    last.status,
                    error_summary(last.json.as_ref())
                ),
                Some("200 with accessToken and refreshToken".into()),
                Some(last.status.to_string()),
                Vec::new(),
            )?;
            return Err(Pre::Fail);
        };
        let workspace = jwt_claims(access)
            .and_then(|c| c["workspaceId"].as_str().map(str::to_string))
            .unwrap_or_default();
        let key = match who {
            Who::Other => "otherWorkspaceId",
            _ => "workspaceId",
        };
        self.values.insert(key.into(), workspace);
        match who {
            Who::Other => {
                self.zarv().other_access = Some(access.to_string());
            }
            _ => {
                self.set_token(NAME, Some(access.to_string()));
                let z = self.zarv();
                z.access = Some(access.to_string());
                z.refresh = Some(refresh.to_string());
                if who == Who::Main {
                    z.main_access = Some(access.to_string());
                }
            }
        }
        Ok(())
    }

    /// A request with the main user's token (the harness's own reads), logging in again once when
    /// it answers 401 (the clock may have moved past its expiry).
    async fn zarv_call(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(), Pre> {
        for attempt in 0..2 {
            let token = match self.zarv().main_access.clone() {
                Some(t) => t,
                None => {
                    let keep = self.token(NAME).map(str::to_string);
                    let keep_refresh = self.zarv().refresh.clone();
                    self.zarv_login(Who::Main).await?;
                    // The scenario's own token stays the scenario's.
                    let main = self.token(NAME).map(str::to_string);
                    self.set_token(NAME, keep.clone());
                    let z = self.zarv();
                    if keep.is_some() {
                        z.access = keep;
                        z.refresh = keep_refresh;
                    }
                    z.main_access = main.clone();
                    main.unwrap_or_default()
                }
            };
            let payload = body.map(|b| ("application/json", b.to_string().into_bytes()));
            self.request(method, path, Auth::Token(Some(token)), payload)
                .await?;
            if attempt > 0 || self.last()?.status != 401 {
                break;
            }
            self.zarv().main_access = None;
        }
        Ok(())
    }

    fn zarv_expect(&mut self, what: &str, status: u16) -> Result<Value, Pre> {
        let last = self.last()?.clone();
        if last.status == status {
            return Ok(last.json.clone().unwrap_or(Value::Null));
        }
        self.fail(
            format!(
                "{what} answered HTTP {}{}",
                last.status,
                error_summary(last.json.as_ref())
            ),
            Some(status.to_string()),
            Some(last.status.to_string()),
            Vec::new(),
        )?;
        Err(Pre::Fail)
    }

    fn zarv_needs_sandbox(&self, what: &str) -> Result<String, Pre> {
        let ctx = self.ctx()?;
        ctx.target.control_url.clone().ok_or_else(|| {
            Pre::Skip(format!(
                "{what} needs the finsandbox control API, which this target does not have"
            ))
        })
    }

    /// Moves the sandbox clock forward.
    async fn zarv_advance(&mut self, seconds: u64) -> Result<(), Pre> {
        let control = self.zarv_needs_sandbox("moving the clock")?;
        let sent = self
            .zarv_control(
                "POST",
                &format!("{control}/clock"),
                Some(&json!({"advanceSeconds": seconds})),
            )
            .await?;
        if sent.status != 200 {
            self.fail(
                format!("moving the sandbox clock answered HTTP {}", sent.status),
                Some("200".into()),
                Some(sent.status.to_string()),
                Vec::new(),
            )?;
            return Err(Pre::Fail);
        }
        Ok(())
    }

    /// Asks for a verification with the scenario's token; keeps its id when created.
    async fn zarv_ask(&mut self, national_id: &str, body: Value) -> Result<(), Pre> {
        let bytes = body.to_string().into_bytes();
        self.request(
            "POST",
            "/zarv/api/v2/verifications",
            Auth::Resource,
            Some(("application/json", bytes)),
        )
        .await?;
        let last = self.last()?.clone();
        if last.status == 201
            && let Some(id) = last.json.as_ref().and_then(|b| b["id"].as_str())
        {
            let id = id.to_string();
            self.values.insert("verificationId".into(), id.clone());
            let z = self.zarv();
            z.verification = Some(id.clone());
            z.verifications.push((national_id.to_string(), id));
            z.seen.clear();
        }
        Ok(())
    }

    fn zarv_verification_id(&mut self) -> Result<String, Pre> {
        match self.zarv().verification.clone() {
            Some(id) => Ok(id),
            None => {
                self.fail(
                    "no verification was created in this scenario before this step",
                    None,
                    None,
                    Vec::new(),
                )?;
                Err(Pre::Fail)
            }
        }
    }

    /// Reads a verification (harness token) and records its status and `updatedAt`.
    async fn zarv_read(&mut self, id: &str) -> Result<Value, Pre> {
        self.zarv_call("GET", &format!("/zarv/api/v2/verifications/{id}"), None)
            .await?;
        let body = self.zarv_expect(&format!("reading the verification {id}"), 200)?;
        Ok(body)
    }

    /// Follows verification `id` until it is COMPLETED or FAILED: on a sandbox by moving its clock
    /// a second at a time, elsewhere by polling every second. Every reading is kept.
    async fn zarv_follow(&mut self, id: &str) -> Result<Value, Pre> {
        let ctx = self.ctx()?;
        let sandbox = ctx.target.control_url.is_some();
        let mut seen = Vec::new();
        for _ in 0..=FINISH_WITHIN_SECONDS {
            let body = self.zarv_read(id).await?;
            let status = body["status"].as_str().unwrap_or("(none)").to_string();
            let updated = body["verification"]["updatedAt"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            seen.push((status.clone(), updated));
            if is_final(&status) {
                if self.zarv().verification.as_deref() == Some(id) {
                    self.zarv().seen = seen;
                }
                return Ok(body);
            }
            if sandbox {
                self.zarv_advance(1).await?;
            } else {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        let statuses: Vec<String> = seen.iter().map(|(s, _)| s.clone()).collect();
        self.fail(
            format!(
                "verification {id} did not finish within {FINISH_WITHIN_SECONDS} s (seen: {})",
                statuses.join(" -> ")
            ),
            Some("COMPLETED or FAILED".into()),
            statuses.last().cloned(),
            Vec::new(),
        )?;
        Err(Pre::Fail)
    }

    /// Starts the scenario's callback receiver (once), or says why the target cannot reach it.
    async fn zarv_start_receiver(&mut self) -> Result<String, Pre> {
        let ctx = self.ctx()?;
        receiver::reachable_from(&ctx.base_of(&super::PLUGIN), &ctx.target.pins)
            .map_err(Pre::Skip)?;
        if let Some(r) = &self.zarv().receiver {
            return Ok(r.url.clone());
        }
        match Receiver::start(*ctx.client.limits()).await {
            Ok(r) => {
                let url = r.url.clone();
                self.zarv().receiver = Some(r);
                Ok(url)
            }
            Err(e) => {
                self.fail(
                    format!("cannot start the callback receiver on 127.0.0.1: {e}"),
                    None,
                    None,
                    Vec::new(),
                )?;
                Err(Pre::Fail)
            }
        }
    }

    fn zarv_deliveries(&mut self) -> Vec<Delivery> {
        self.zarv()
            .receiver
            .as_ref()
            .map(Receiver::deliveries)
            .unwrap_or_default()
    }

    /// A finished verification of `national_id` (asked with the scenario's token).
    async fn zarv_finished(&mut self, national_id: &str, body: Value) -> Result<Value, Pre> {
        self.zarv_ask(national_id, body).await?;
        self.zarv_expect("asking for the verification", 201)?;
        let id = self.zarv_verification_id()?;
        self.zarv_follow(&id).await
    }

    /// Sends the scenario's PDF request with `Accept: application/pdf`.
    async fn zarv_get_pdf(&mut self, id: &str) -> Result<(), Pre> {
        self.extra_headers
            .push(("accept".into(), "application/pdf".into()));
        let r = self
            .request(
                "GET",
                &format!("/zarv/api/v2/verifications/{id}/pdf"),
                Auth::Resource,
                None,
            )
            .await;
        self.extra_headers
            .retain(|(k, v)| !(k == "accept" && v == "application/pdf"));
        r.map_err(Pre::from)
    }
}

/// The verification request a step builds: `type`, with restrictions and the bureau as asked.
fn verification_body(national_id: &str, kind: &str, options: &str) -> Value {
    let options = split_list(options);
    let has = |o: &str| options.iter().any(|x| x == o);
    let mut verifications = json!({"type": kind, "finance": {"restrictions": has("restrictions")}});
    if has("serasa") || has("advance") {
        verifications["serasa"] = json!({"active": true, "advance": has("advance")});
    }
    json!({"nationalId": national_id, "verifications": verifications})
}

/// The magic documents need the sandbox; other documents are filled from the scenario's values.
async fn document(w: &mut CheckWorld, given: &str, magic: bool) -> Result<String, Pre> {
    if magic {
        w.zarv_needs_sandbox(&format!("the magic document {given}"))?;
    }
    Ok(w.fill_placeholders(given)?)
}

// ---------------------------------------------------------------------------------- login

#[given("I am logged in to Zarv")]
async fn logged_in(w: &mut CheckWorld) -> StepResult {
    let r = w.zarv_login(Who::Main).await;
    settle(w, r)
}

#[given("I am logged in to Zarv as the user of another workspace")]
async fn logged_in_other(w: &mut CheckWorld) -> StepResult {
    let r = async {
        w.zarv_login(Who::Other).await?;
        let token = w.zarv().other_access.clone();
        w.set_token(NAME, token);
        Ok(())
    }
    .await;
    settle(w, r)
}

#[given("I am logged in to Zarv as a user without credit")]
async fn logged_in_broke(w: &mut CheckWorld) -> StepResult {
    let r = w.zarv_login(Who::NoCredit).await;
    settle(w, r)
}

#[when("I log in to Zarv")]
async fn log_in(w: &mut CheckWorld) -> StepResult {
    let r = w.zarv_post_login(Who::Main, false).await;
    settle(w, r)
}

#[when("I log in to Zarv with a wrong password")]
async fn log_in_wrong(w: &mut CheckWorld) -> StepResult {
    let r = w.zarv_post_login(Who::Main, true).await;
    settle(w, r)
}

#[then("the access token is a JWT of the user's workspace, valid for expiresIn seconds")]
async fn access_token_claims(w: &mut CheckWorld) -> StepResult {
    let body = w.last()?.json.clone().unwrap_or(Value::Null);
    let token = body["accessToken"].as_str().unwrap_or_default();
    let Some(claims) = jwt_claims(token) else {
        return w.fail(
            "accessToken is not a JWT whose payload is JSON",
            Some("header.payload.signature".into()),
            Some(token.chars().take(60).collect()),
            Vec::new(),
        );
    };
    for claim in ["sub", "workspaceId", "iat", "exp"] {
        if claims.get(claim).is_none() {
            return w.fail(
                format!("the access token has no {claim} claim"),
                Some(claim.into()),
                Some(claims.to_string()),
                Vec::new(),
            );
        }
    }
    let lifetime = claims["exp"].as_i64().unwrap_or(0) - claims["iat"].as_i64().unwrap_or(0);
    let expires_in = body["expiresIn"].as_i64().unwrap_or(-1);
    if lifetime != expires_in {
        return w.fail(
            "the access token's exp - iat is not the expiresIn the answer states",
            Some(expires_in.to_string()),
            Some(lifetime.to_string()),
            Vec::new(),
        );
    }
    Ok(())
}

#[when("I refresh the Zarv token")]
async fn refresh(w: &mut CheckWorld) -> StepResult {
    let Some(token) = w.zarv().refresh.clone() else {
        return w.fail("no Zarv login in this scenario", None, None, Vec::new());
    };
    let body = json!({"refreshToken": token}).to_string().into_bytes();
    w.request(
        "POST",
        "/zarv/api/v1/authentication/refresh",
        Auth::None,
        Some(("application/json", body)),
    )
    .await?;
    let pair = w.last()?.json.clone().unwrap_or(Value::Null);
    if let (Some(a), Some(r)) = (pair["accessToken"].as_str(), pair["refreshToken"].as_str()) {
        let (a, r) = (a.to_string(), r.to_string());
        w.set_token(NAME, Some(a.clone()));
        let z = w.zarv();
        z.spent_refresh = Some(token);
        z.access = Some(a);
        z.refresh = Some(r);
    }
    Ok(())
}

#[when("I refresh the Zarv token again with the refresh token already used")]
async fn refresh_spent(w: &mut CheckWorld) -> StepResult {
    let Some(token) = w.zarv().spent_refresh.clone() else {
        return w.fail(
            "no refresh token was used in this scenario",
            None,
            None,
            Vec::new(),
        );
    };
    let body = json!({"refreshToken": token}).to_string().into_bytes();
    w.request(
        "POST",
        "/zarv/api/v1/authentication/refresh",
        Auth::None,
        Some(("application/json", body)),
    )
    .await
}

#[when("I refresh the Zarv token with the access token")]
async fn refresh_with_access(w: &mut CheckWorld) -> StepResult {
    let token = w.zarv().access.clone().unwrap_or_default();
    let body = json!({"refreshToken": token}).to_string().into_bytes();
    w.request(
        "POST",
        "/zarv/api/v1/authentication/refresh",
        Auth::None,
        Some(("application/json", body)),
    )
    .await
}

#[given("the Zarv access token is replaced by the refresh token")]
async fn refresh_as_access(w: &mut CheckWorld) -> StepResult {
    let token = w.zarv().refresh.clone();
    w.set_token(NAME, token);
    Ok(())
}

#[given("the Zarv access token is tampered with")]
async fn tamper(w: &mut CheckWorld) -> StepResult {
    let token = w.token(NAME).map(tampered);
    w.set_token(NAME, token);
    Ok(())
}

#[given("the Zarv access token has expired")]
async fn expire(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let token = w.token(NAME).unwrap_or_default().to_string();
        let claims = jwt_claims(&token).unwrap_or(Value::Null);
        let lifetime = claims["exp"].as_i64().unwrap_or(300) - claims["iat"].as_i64().unwrap_or(0);
        w.zarv_needs_sandbox("an expired token (waiting out its lifetime)")?;
        w.zarv_advance(u64::try_from(lifetime.max(0)).unwrap_or(300) + 1)
            .await
    }
    .await;
    settle(w, r)
}

// ---------------------------------------------------------------------------------- verifications

#[when(expr = "I ask Zarv for a {string} verification of {string}")]
async fn ask(w: &mut CheckWorld, kind: String, who: String) -> StepResult {
    let r = async {
        let doc = document(w, &who, false).await?;
        w.zarv_ask(&doc, verification_body(&doc, &kind, "")).await
    }
    .await;
    settle(w, r)
}

#[when(expr = "I ask Zarv for a {string} verification of {string} with {string}")]
async fn ask_with(w: &mut CheckWorld, kind: String, who: String, options: String) -> StepResult {
    let r = async {
        let doc = document(w, &who, false).await?;
        w.zarv_ask(&doc, verification_body(&doc, &kind, &options))
            .await
    }
    .await;
    settle(w, r)
}

#[given(expr = "a finished {string} verification of the magic document {string} with {string}")]
async fn finished_magic(
    w: &mut CheckWorld,
    kind: String,
    doc: String,
    options: String,
) -> StepResult {
    let r = async {
        let doc = document(w, &doc, true).await?;
        w.zarv_finished(&doc, verification_body(&doc, &kind, &options))
            .await
            .map(|_| ())
    }
    .await;
    settle(w, r)
}

#[given(expr = "a finished {string} verification of {string}")]
async fn finished_of(w: &mut CheckWorld, kind: String, doc: String) -> StepResult {
    let r = async {
        let doc = document(w, &doc, false).await?;
        w.zarv_finished(&doc, verification_body(&doc, &kind, ""))
            .await
            .map(|_| ())
    }
    .await;
    settle(w, r)
}

#[when("I read the verification")]
async fn read(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let id = w.zarv_verification_id()?;
        w.request(
            "GET",
            &format!("/zarv/api/v2/verifications/{id}"),
            Auth::Resource,
            None,
        )
        .await
        .map_err(Pre::from)
    }
    .await;
    settle(w, r)
}

#[when("the user of the other workspace reads the verification")]
async fn other_reads(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let id = w.zarv_verification_id()?;
        if w.zarv().other_access.is_none() {
            w.zarv_login(Who::Other).await?;
        }
        let token = w.zarv().other_access.clone();
        w.request(
            "GET",
            &format!("/zarv/api/v2/verifications/{id}"),
            Auth::Token(token),
            None,
        )
        .await
        .map_err(Pre::from)
    }
    .await;
    settle(w, r)
}

#[when("I follow the verification until it finishes")]
async fn zarv_follow(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let id = w.zarv_verification_id()?;
        w.zarv_follow(&id).await.map(|_| ())
    }
    .await;
    settle(w, r)
}

#[then(expr = "the statuses seen follow the lifecycle and end in {string}")]
async fn statuses_follow(w: &mut CheckWorld, end: String) -> StepResult {
    let seen = w.zarv().seen.clone();
    let path: Vec<String> = seen.iter().map(|(s, _)| s.clone()).collect();
    if let Some(breach) = lifecycle_breach(&seen) {
        return w.fail(
            format!("the verification broke its lifecycle: {breach}"),
            Some(lifecycle().describe()),
            Some(path.join(" -> ")),
            Vec::new(),
        );
    }
    // Read right after its creation, a verification is at the start or one move on; a later
    // status at once would mean its beginning was never shown.
    let start = lifecycle().start();
    let first = seen.first().and_then(|(s, _)| VerificationStatus::parse(s));
    if seen.len() > 1 && !first.is_some_and(|f| f == start || lifecycle().allows(start, f)) {
        return w.fail(
            format!(
                "the first status read is neither {} nor one move on from it",
                start.as_str()
            ),
            Some(start.as_str().into()),
            path.first().cloned(),
            Vec::new(),
        );
    }
    if path.last() != Some(&end) {
        return w.fail(
            format!(
                "the verification ended {}",
                path.last().cloned().unwrap_or_default()
            ),
            Some(end),
            path.last().cloned(),
            Vec::new(),
        );
    }
    Ok(())
}

#[then("the verification's timestamps are in order")]
async fn timestamps_ordered(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let id = w.zarv_verification_id()?;
        let body = w.zarv_read(&id).await?;
        let v = &body["verification"];
        let created = v["createdAt"].as_str().unwrap_or_default();
        let updated = v["updatedAt"].as_str().unwrap_or_default();
        let started = v["result"]["execution"]["startedAt"]
            .as_str()
            .unwrap_or(created);
        let ended = v["result"]["execution"]["endedAt"]
            .as_str()
            .unwrap_or(updated);
        let chain = [
            ("createdAt", created),
            ("execution.startedAt", started),
            ("execution.endedAt", ended),
            ("updatedAt", updated),
        ];
        for pair in chain.windows(2) {
            // Same shape (RFC 3339, UTC): text order is time order.
            if pair[1].1 < pair[0].1 {
                w.fail(
                    format!(
                        "{} ({}) is before {} ({})",
                        pair[1].0, pair[1].1, pair[0].0, pair[0].1
                    ),
                    Some(format!("{} >= {}", pair[1].0, pair[0].0)),
                    Some(pair[1].1.to_string()),
                    Vec::new(),
                )?;
                return Err(Pre::Fail);
            }
        }
        let duration = v["result"]["execution"]["durationMs"].as_i64();
        if let (Some(ms), Ok(s), Ok(e)) = (
            duration,
            chrono::DateTime::parse_from_rfc3339(started),
            chrono::DateTime::parse_from_rfc3339(ended),
        ) && (e - s).num_milliseconds().abs_diff(ms) > 1000
        {
            w.fail(
                "execution.durationMs is not endedAt - startedAt",
                Some((e - s).num_milliseconds().to_string()),
                Some(ms.to_string()),
                Vec::new(),
            )?;
            return Err(Pre::Fail);
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

fn rules_of(body: &Value) -> Vec<String> {
    body["verification"]["result"]["rules"]
        .as_array()
        .map(|groups| {
            groups
                .iter()
                .flat_map(|g| match g {
                    Value::Array(items) => items.clone(),
                    other => vec![other.clone()],
                })
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[then(expr = "the verification's rules are {string}")]
async fn rules_are(w: &mut CheckWorld, expected: String) -> StepResult {
    let r = async {
        let id = w.zarv_verification_id()?;
        let body = w.zarv_read(&id).await?;
        let got = rules_of(&body);
        let mut want = split_list(&expected);
        want.retain(|r| r != "none");
        let (mut g, mut e) = (got.clone(), want.clone());
        g.sort();
        e.sort();
        if g != e {
            w.fail(
                "the rules that fired are not the expected ones",
                Some(if want.is_empty() {
                    "none".into()
                } else {
                    want.join(", ")
                }),
                Some(if got.is_empty() {
                    "none".into()
                } else {
                    got.join(", ")
                }),
                Vec::new(),
            )?;
            return Err(Pre::Fail);
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

#[then(expr = "the verification's rules include {string}")]
async fn rules_include(w: &mut CheckWorld, rule: String) -> StepResult {
    let r = async {
        let id = w.zarv_verification_id()?;
        let body = w.zarv_read(&id).await?;
        let got = rules_of(&body);
        if !got.contains(&rule) {
            w.fail(
                format!("{rule} did not fire"),
                Some(rule),
                Some(got.join(", ")),
                Vec::new(),
            )?;
            return Err(Pre::Fail);
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

#[then(expr = "the verification's rules leave out {string}")]
async fn rules_exclude(w: &mut CheckWorld, rule: String) -> StepResult {
    let r = async {
        let id = w.zarv_verification_id()?;
        let body = w.zarv_read(&id).await?;
        let got = rules_of(&body);
        if got.contains(&rule) {
            w.fail(
                format!("{rule} fired on a verification that should not show it"),
                Some(format!("no {rule}")),
                Some(got.join(", ")),
                Vec::new(),
            )?;
            return Err(Pre::Fail);
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

#[then(expr = "the score of {string} is below the score of {string}")]
async fn score_below(w: &mut CheckWorld, risky: String, safe: String) -> StepResult {
    let r = async {
        let mut scores = Vec::new();
        for doc in [&risky, &safe] {
            let doc = document(w, doc, true).await?;
            let body = w
                .zarv_finished(&doc, verification_body(&doc, "full", "restrictions"))
                .await?;
            scores.push(
                body["verification"]["result"]["score"]
                    .as_i64()
                    .unwrap_or(-1),
            );
        }
        if scores[0] >= scores[1] {
            w.fail(
                format!(
                    "the score must fall as risk rises: {risky} scored {}, {safe} {}",
                    scores[0], scores[1]
                ),
                Some(format!("< {}", scores[1])),
                Some(scores[0].to_string()),
                Vec::new(),
            )?;
            return Err(Pre::Fail);
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

/// Every field of `light` is in `full` with the same value, and `full` has more.
fn subset_breach(light: &Value, full: &Value, at: &str) -> Option<String> {
    match (light, full) {
        (Value::Object(l), Value::Object(f)) => l.iter().find_map(|(k, v)| match f.get(k) {
            None => Some(format!("{at}/{k} is in light but not in full")),
            Some(fv) => subset_breach(v, fv, &format!("{at}/{k}")),
        }),
        (a, b) if a == b => None,
        _ => Some(format!("{at} differs between light and full")),
    }
}

#[then(expr = "a {string} verification of {string} is a strict subset of a {string} one")]
async fn light_subset(w: &mut CheckWorld, light: String, doc: String, full: String) -> StepResult {
    let r = async {
        let doc = document(w, &doc, false).await?;
        let l = w
            .zarv_finished(&doc, verification_body(&doc, &light, "restrictions"))
            .await?;
        let f = w
            .zarv_finished(&doc, verification_body(&doc, &full, "restrictions"))
            .await?;
        let (lv, fv) = (&l["verification"], &f["verification"]);
        for part in ["result/score", "result/scoreFactor", "result/rules"] {
            let p = format!("/{part}");
            if lv.pointer(&p) != fv.pointer(&p) {
                w.fail(
                    format!("{light} and {full} disagree on the verdict ({part})"),
                    fv.pointer(&p).map(Value::to_string),
                    lv.pointer(&p).map(Value::to_string),
                    Vec::new(),
                )?;
                return Err(Pre::Fail);
            }
        }
        let (lp, fp) = (&lv["person"], &fv["person"]);
        if let Some(breach) = subset_breach(lp, fp, "/verification/person") {
            w.fail(
                format!("the {light} dossier is not a subset of the {full} one: {breach}"),
                None,
                None,
                Vec::new(),
            )?;
            return Err(Pre::Fail);
        }
        if lp == fp {
            w.fail(
                format!("the {full} dossier shows nothing more than the {light} one"),
                None,
                None,
                Vec::new(),
            )?;
            return Err(Pre::Fail);
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

#[then(expr = "every verification listed is of {string}")]
async fn listed_are_of(w: &mut CheckWorld, doc: String) -> StepResult {
    let doc = w.fill_placeholders(&doc)?;
    let body = w.last()?.json.clone().unwrap_or(Value::Null);
    let list = body["verifications"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if let Some(other) = list
        .iter()
        .find(|v| v["nationalId"].as_str() != Some(doc.as_str()))
    {
        let got = other["nationalId"].to_string();
        return w.fail(
            "the nationalId filter let another document through",
            Some(doc),
            Some(got),
            Vec::new(),
        );
    }
    let total = body["total"].as_u64().unwrap_or(0);
    if (list.len() as u64) > total {
        return w.fail(
            "the page holds more verifications than total",
            Some(format!("<= {total}")),
            Some(list.len().to_string()),
            Vec::new(),
        );
    }
    Ok(())
}

#[when("I keep the verification as it is")]
async fn keep(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let id = w.zarv_verification_id()?;
        let body = w.zarv_read(&id).await?;
        w.zarv().snapshot = Some(body);
        Ok(())
    }
    .await;
    settle(w, r)
}

#[then("the kept verification is unchanged")]
async fn unchanged(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let Some(before) = w.zarv().snapshot.clone() else {
            w.fail(
                "no verification was kept before this step",
                None,
                None,
                Vec::new(),
            )?;
            return Err(Pre::Fail);
        };
        let id = before["id"].as_str().unwrap_or_default().to_string();
        let after = w.zarv_read(&id).await?;
        if before != after {
            let why = subset_breach(&before, &after, "")
                .or_else(|| subset_breach(&after, &before, ""))
                .unwrap_or_else(|| "the body changed".into());
            w.fail(
                format!("a finished verification changed: {why}"),
                None,
                None,
                Vec::new(),
            )?;
            return Err(Pre::Fail);
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

// ---------------------------------------------------------------------------------- PDF

#[when("I download the verification's PDF")]
async fn download_pdf(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let id = w.zarv_verification_id()?;
        w.zarv_get_pdf(&id).await
    }
    .await;
    settle(w, r)
}

#[then("the PDF holds the verification's data")]
async fn pdf_holds(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let pdf = w.last()?.clone();
        let text = match pdf_text::text(&pdf.body) {
            Ok(t) => t,
            Err(pdf_text::TextError::Compressed) => {
                return Err(Pre::Skip(
                    "the PDF's text is in compressed streams, which the harness does not inflate; its structure was judged, its words cannot be".into(),
                ));
            }
            Err(pdf_text::TextError::Broken(why)) => {
                w.fail(format!("the PDF cannot be read: {why}"), None, None, Vec::new())?;
                return Err(Pre::Fail);
            }
        };
        let id = w.zarv_verification_id()?;
        let body = w.zarv_read(&id).await?;
        w.last = Some(pdf);
        let joined = text.join("\n");
        let mut missing = Vec::new();
        let national_id = body["nationalId"].as_str().unwrap_or_default();
        if !national_id_forms(national_id).iter().any(|f| joined.contains(f.as_str())) {
            missing.push(format!("the national id ({national_id}, masked or not)"));
        }
        let mut wanted: Vec<(String, String)> = vec![(
            "status".into(),
            body["status"].as_str().unwrap_or_default().to_string(),
        )];
        if let Some(name) = body["name"].as_str() {
            wanted.push(("name".into(), name.to_string()));
        }
        if let Some(score) = body["verification"]["result"]["score"].as_i64() {
            wanted.push(("score".into(), score.to_string()));
        }
        for rule in rules_of(&body) {
            wanted.push(("rule".into(), rule));
        }
        for (what, value) in wanted {
            let found = if what == "score" {
                text.iter().any(|t| t.trim() == value)
            } else {
                joined.contains(value.as_str())
            };
            if !found {
                missing.push(format!("the {what} {value}"));
            }
        }
        if !missing.is_empty() {
            w.fail(
                format!("the PDF does not show {}", missing.join(", ")),
                Some(missing.join("; ")),
                Some(text.iter().take(40).cloned().collect::<Vec<_>>().join(" | ")),
                Vec::new(),
            )?;
            return Err(Pre::Fail);
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

// ---------------------------------------------------------------------------------- batch

#[given("a Zarv callback receiver")]
async fn receiver_given(w: &mut CheckWorld) -> StepResult {
    let r = w.zarv_start_receiver().await.map(|_| ());
    settle(w, r)
}

#[given(expr = "the callback receiver fails the next {int} deliveries")]
async fn receiver_fails(w: &mut CheckWorld, n: usize) -> StepResult {
    let r = async {
        w.zarv_needs_sandbox("checking callback retries (minutes apart on the sandbox clock)")?;
        w.zarv_start_receiver().await?;
        if let Some(r) = &w.zarv().receiver {
            r.fail_next(n);
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

#[when(expr = "I send a Zarv batch of {string}")]
async fn batch(w: &mut CheckWorld, ids: String) -> StepResult {
    let r = send_batch(w, &ids, None).await;
    settle(w, r)
}

#[when(expr = "I send a Zarv batch of {string} with a callback to the receiver")]
async fn batch_with_callback(w: &mut CheckWorld, ids: String) -> StepResult {
    let r = async {
        let url = w.zarv_start_receiver().await?;
        let scenario = w.scenario_no;
        let callback = json!({
            "url": url,
            "method": "PUT",
            "headers": {"X-Finsandbox-Scenario": scenario.to_string()},
        });
        send_batch(w, &ids, Some(callback)).await
    }
    .await;
    settle(w, r)
}

async fn send_batch(w: &mut CheckWorld, ids: &str, callback: Option<Value>) -> Result<(), Pre> {
    let ids: Vec<String> = split_list(&w.fill_placeholders(ids)?);
    let metadata = json!({"scenario": w.scenario_no, "source": "finsandbox harness"});
    let mut body = json!({
        "nationalId": ids,
        "verifications": {"type": "light", "finance": {"restrictions": true},
                          "faceRecognition": {"active": true}},
        "metadata": metadata,
    });
    if let Some(cb) = &callback {
        body["callback"] = cb.clone();
        let headers = cb["headers"]
            .as_object()
            .map(|h| {
                h.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let z = w.zarv();
        z.callback_metadata = Some(metadata);
        z.callback_headers = headers;
    }
    w.request(
        "POST",
        "/zarv/api/v2/verifications/batch",
        Auth::Resource,
        Some(("application/json", body.to_string().into_bytes())),
    )
    .await?;
    let answer = w.last()?.json.clone().unwrap_or(Value::Null);
    let created: Vec<(String, String)> = answer["items"]
        .as_object()
        .map(|items| {
            items
                .iter()
                .filter_map(|(k, v)| v["id"].as_str().map(|id| (k.clone(), id.to_string())))
                .collect()
        })
        .unwrap_or_default();
    w.values.insert("batchSize".into(), ids.len().to_string());
    w.zarv().batch = created;
    w.values.insert("batchIds".into(), ids.join(","));
    Ok(())
}

#[then("the batch's counts add up")]
async fn batch_counts(w: &mut CheckWorld) -> StepResult {
    let body = w.last()?.json.clone().unwrap_or(Value::Null);
    let ids = split_list(&w.value("batchIds"));
    let n = |k: &str| body[k].as_u64().unwrap_or(u64::MAX);
    if n("total") != ids.len() as u64 {
        return w.fail(
            "total is not the number of national ids sent",
            Some(ids.len().to_string()),
            Some(body["total"].to_string()),
            Vec::new(),
        );
    }
    if n("success").saturating_add(n("errors")) != n("total") {
        return w.fail(
            "success + errors must equal total",
            Some(body["total"].to_string()),
            Some(format!("{} + {}", body["success"], body["errors"])),
            Vec::new(),
        );
    }
    let mut distinct: Vec<&String> = ids.iter().collect();
    distinct.sort();
    distinct.dedup();
    let items = body["items"].as_object().cloned().unwrap_or_default();
    let mut keys: Vec<&String> = items.keys().collect();
    keys.sort();
    if keys != distinct {
        return w.fail(
            "items must hold one entry per distinct national id sent",
            Some(
                distinct
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            Some(
                keys.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            Vec::new(),
        );
    }
    if let Some((k, _)) = items
        .iter()
        .find(|(_, v)| v.get("id").is_some() == v.get("error").is_some())
    {
        let k = k.clone();
        return w.fail(
            format!("the item of {k} must carry either id or error"),
            None,
            None,
            Vec::new(),
        );
    }
    Ok(())
}

#[then(expr = "the batch item of {string} is an error")]
async fn batch_item_error(w: &mut CheckWorld, id: String) -> StepResult {
    let id = w.fill_placeholders(&id)?;
    let body = w.last()?.json.clone().unwrap_or(Value::Null);
    if body["items"][&id]["error"]
        .as_str()
        .is_some_and(|e| !e.is_empty())
    {
        return Ok(());
    }
    let got = body["items"][&id].to_string();
    w.fail(
        format!("the batch should refuse {id} with an error"),
        Some("{\"error\": ...}".into()),
        Some(got),
        Vec::new(),
    )
}

#[when("the batch's verifications finish")]
async fn batch_finish(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let ids: Vec<String> = w.zarv().batch.iter().map(|(_, id)| id.clone()).collect();
        for id in ids {
            w.zarv_follow(&id).await?;
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

/// The callback a delivery is judged by: the batch operation's, for the delivery's method.
fn callback_spec<'a>(
    ctx: &'a RunContext,
    method: &str,
) -> Result<&'a crate::spec::CallbackSpec, String> {
    let op = ctx
        .specs
        .apis
        .iter()
        .filter(|s| s.family == NAME)
        .find_map(|s| s.operation("createVerificationBatch"))
        .ok_or("the loaded specs have no Zarv createVerificationBatch operation")?;
    op.callbacks
        .iter()
        .find(|c| c.method.eq_ignore_ascii_case(method) && c.body.is_some())
        .ok_or_else(|| format!("createVerificationBatch declares no {method} callback with a body"))
}

/// Waits until the receiver holds an accepted delivery for each id, then a moment for duplicates.
async fn wait_for_callbacks(w: &mut CheckWorld, ids: &[String]) -> Vec<Delivery> {
    let deadline = tokio::time::Instant::now() + DELIVERY_TIMEOUT;
    loop {
        let got = w.zarv_deliveries();
        let all = ids.iter().all(|id| {
            got.iter()
                .any(|d| d.answered == 200 && d.json()["id"].as_str() == Some(id.as_str()))
        });
        if all || tokio::time::Instant::now() >= deadline {
            tokio::time::sleep(DUPLICATE_GRACE).await;
            return w.zarv_deliveries();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[then("the receiver gets exactly one callback per verification of the batch")]
async fn one_callback_each(w: &mut CheckWorld) -> StepResult {
    let ids: Vec<String> = w.zarv().batch.iter().map(|(_, id)| id.clone()).collect();
    if ids.is_empty() {
        return w.fail("the batch created no verification", None, None, Vec::new());
    }
    let got = wait_for_callbacks(w, &ids).await;
    for id in &ids {
        let n = got
            .iter()
            .filter(|d| d.answered == 200 && d.json()["id"].as_str() == Some(id.as_str()))
            .count();
        if n != 1 {
            return w.fail(
                format!(
                    "verification {id} must be delivered exactly once, the receiver accepted {n}"
                ),
                Some("1".into()),
                Some(n.to_string()),
                Vec::new(),
            );
        }
    }
    if let Some(stray) = got.iter().find(|d| {
        d.json()["id"]
            .as_str()
            .is_none_or(|x| !ids.iter().any(|i| i == x))
    }) {
        let body = String::from_utf8_lossy(&stray.body)
            .chars()
            .take(200)
            .collect();
        return w.fail(
            "the receiver got a callback for no verification of the batch",
            None,
            Some(body),
            Vec::new(),
        );
    }
    Ok(())
}

#[then("each callback matches its schema and carries the metadata and headers sent")]
async fn callbacks_match(w: &mut CheckWorld) -> StepResult {
    let ctx = w.ctx()?;
    let deliveries = w.zarv_deliveries();
    let metadata = w.zarv().callback_metadata.clone().unwrap_or(json!({}));
    let headers = w.zarv().callback_headers.clone();
    if deliveries.is_empty() {
        return w.fail("the receiver got no callback", None, None, Vec::new());
    }
    for d in deliveries {
        let spec = match callback_spec(&ctx, &d.method) {
            Ok(s) => s,
            Err(e) => return w.fail(e, None, None, Vec::new()),
        };
        let findings: Vec<Finding> = judge::judge_payload(
            &spec.headers,
            spec.body.as_ref(),
            d.headers.as_slice(),
            &d.body,
        );
        if let Some(first) = findings.first() {
            let unreadable = matches!(
                Check::by_name(&first.check),
                Some(Check::Json | Check::ContentType | Check::BodyRequired)
            );
            let message = if unreadable {
                format!("the callback cannot be read as declared: {}", first.message)
            } else {
                format!(
                    "the callback does not match the spec's: {}, first at {} ({}): {}",
                    judge::count_findings(findings.len()),
                    first.at(),
                    first.label(),
                    first.message
                )
            };
            let body = String::from_utf8_lossy(&d.body).chars().take(200).collect();
            return w.fail(message, None, Some(body), findings);
        }
        let body = d.json();
        if body["metadata"] != metadata {
            return w.fail(
                "the callback does not carry the request's metadata unchanged",
                Some(metadata.to_string()),
                Some(body["metadata"].to_string()),
                Vec::new(),
            );
        }
        for (k, v) in &headers {
            if d.header(k) != Some(v.as_str()) {
                let got = d.header(k).unwrap_or("(absent)").to_string();
                return w.fail(
                    format!("the callback does not carry the header {k} the request gave"),
                    Some(v.clone()),
                    Some(got),
                    Vec::new(),
                );
            }
        }
        if !d.method.eq_ignore_ascii_case("PUT") {
            let m = d.method.clone();
            return w.fail(
                "the callback was not sent with the method the request gave",
                Some("PUT".into()),
                Some(m),
                Vec::new(),
            );
        }
    }
    Ok(())
}

#[then(
    expr = "the callback of {string} is retried after {string} minutes until the receiver takes it"
)]
async fn retried(w: &mut CheckWorld, doc: String, minutes: String) -> StepResult {
    let r = async {
        let doc = w.fill_placeholders(&doc)?;
        let Some(id) = w
            .zarv()
            .batch
            .iter()
            .find(|(d, _)| *d == doc)
            .map(|(_, id)| id.clone())
        else {
            w.fail(format!("the batch created no verification of {doc}"), None, None, Vec::new())?;
            return Err(Pre::Fail);
        };
        let waits: Vec<u64> = split_list(&minutes)
            .iter()
            .filter_map(|m| m.parse().ok())
            .collect();
        let count = |w: &mut CheckWorld| {
            w.zarv_deliveries()
                .iter()
                .filter(|d| d.json()["id"].as_str() == Some(id.as_str()))
                .count()
        };
        // The first attempt, once the verification finished.
        let mut expected = 1;
        for wait in std::iter::once(0).chain(waits.iter().copied()) {
            if wait > 0 {
                // Short of the wait (by more than the real time these steps take): nothing may
                // come early.
                w.zarv_advance(wait * 60 - 5).await?;
                tokio::time::sleep(DUPLICATE_GRACE).await;
                let early = count(w);
                if early >= expected {
                    w.fail(
                        format!("attempt {expected} of the callback came before {wait} minute(s) had passed"),
                        Some(format!("{} attempt(s)", expected - 1)),
                        Some(format!("{early} attempt(s)")),
                        Vec::new(),
                    )?;
                    return Err(Pre::Fail);
                }
                w.zarv_advance(5).await?;
            }
            let deadline = tokio::time::Instant::now() + DELIVERY_TIMEOUT;
            while count(w) < expected && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let got = count(w);
            if got != expected {
                w.fail(
                    format!("after {wait} more minute(s) the receiver should have {expected} attempt(s) of the callback"),
                    Some(expected.to_string()),
                    Some(got.to_string()),
                    Vec::new(),
                )?;
                return Err(Pre::Fail);
            }
            expected += 1;
        }
        let accepted = w
            .zarv_deliveries()
            .iter()
            .filter(|d| d.answered == 200 && d.json()["id"].as_str() == Some(id.as_str()))
            .count();
        if accepted != 1 {
            w.fail(
                "the last attempt should have been taken, and only it",
                Some("1 accepted".into()),
                Some(format!("{accepted} accepted")),
                Vec::new(),
            )?;
            return Err(Pre::Fail);
        }
        // Nothing more once taken.
        w.zarv_advance(3600).await?;
        tokio::time::sleep(DUPLICATE_GRACE).await;
        let after = count(w);
        if after != expected - 1 {
            w.fail(
                "the callback was delivered again after the receiver took it",
                Some((expected - 1).to_string()),
                Some(after.to_string()),
                Vec::new(),
            )?;
            return Err(Pre::Fail);
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

// ---------------------------------------------------------------------------------- blacklist

#[when(expr = "I add {string} to the workspace's blacklist as {string}")]
async fn blacklist_add(w: &mut CheckWorld, doc: String, kind: String) -> StepResult {
    let doc = w.fill_placeholders(&doc)?;
    let workspace = w.value("workspaceId");
    let body = json!({"nationalId": doc, "type": kind, "description": "finsandbox harness"});
    w.request(
        "POST",
        &format!("/zarv/api/v2/blacklist?workspaceId={workspace}"),
        Auth::Resource,
        Some(("application/json", body.to_string().into_bytes())),
    )
    .await
}

#[when(expr = "I remove {string} from the workspace's blacklist")]
async fn blacklist_remove(w: &mut CheckWorld, doc: String) -> StepResult {
    let doc = w.fill_placeholders(&doc)?;
    let workspace = w.value("workspaceId");
    w.request(
        "DELETE",
        &format!("/zarv/api/v2/blacklist/{doc}?workspaceId={workspace}"),
        Auth::Resource,
        None,
    )
    .await
}

#[then(expr = "the workspace's blacklist holds {string}")]
async fn blacklist_holds(w: &mut CheckWorld, doc: String) -> StepResult {
    let r = blacklist_has(w, &doc, true).await;
    settle(w, r)
}

#[then(expr = "the workspace's blacklist does not hold {string}")]
async fn blacklist_lacks(w: &mut CheckWorld, doc: String) -> StepResult {
    let r = blacklist_has(w, &doc, false).await;
    settle(w, r)
}

async fn blacklist_has(w: &mut CheckWorld, doc: &str, wanted: bool) -> Result<(), Pre> {
    let doc = w.fill_placeholders(doc)?;
    let workspace = w.value("workspaceId");
    let mut page = 1;
    loop {
        w.zarv_call(
            "GET",
            &format!("/zarv/api/v2/blacklist?workspaceId={workspace}&limit=100&page={page}"),
            None,
        )
        .await?;
        let body = w.zarv_expect("listing the blacklist", 200)?;
        let list = body["blacklist"].as_array().cloned().unwrap_or_default();
        let found = list
            .iter()
            .any(|e| e["nationalId"].as_str() == Some(doc.as_str()));
        if found || list.len() < 100 || page >= 100 {
            if found != wanted {
                w.fail(
                    format!(
                        "{doc} {} on the workspace's blacklist",
                        if wanted { "is not" } else { "is still" }
                    ),
                    None,
                    None,
                    Vec::new(),
                )?;
                return Err(Pre::Fail);
            }
            return Ok(());
        }
        page += 1;
    }
}
