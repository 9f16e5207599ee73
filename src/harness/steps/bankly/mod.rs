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

use std::net::IpAddr;
use std::time::Duration;

use cucumber::{given, then, when};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::harness::client::Sent;

use crate::harness::report::Finding;
use crate::harness::world::{CheckWorld, RunContext, StepFail, StepResult};
use super::kyc::Status;
use super::rules::{Actor, rules};
use crate::harness::receiver::{Delivery, Receiver};
use crate::harness::steps::{Auth, split_list};
use crate::sandbox::family::ScenarioSeed;

use super::NAME;

pub mod target;

use target::bankly_target;
use crate::datagen::{Persona, br, rng_for};
use crate::spec::judge::{self, Check};

/// Scopes asked for "every scope" when the loaded specs name none (a user's spec without
/// `security`): the ones the Bankly customers API documents.
const DEFAULT_SCOPES: &[&str] = &[
    "customer.read",
    "customer.write",
    "customer.update",
    "customer.cancel",
    "webhook.write",
];

/// The `api-version` every Bankly call carries (the spec accepts `1` and `1.0`).
pub const API_VERSION: &str = "1.0";

/// Fields that describe a response rather than the record; a refused move may change them.
const VOLATILE_FIELDS: &[&str] = &["reference", "requestDateTime", "meta", "links"];

/// How long a webhook may take to arrive, and how long the receiver keeps listening after the
/// first one for a duplicate.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
const DUPLICATE_GRACE: Duration = Duration::from_millis(400);

/// The longest Retry-After a token request waits out before trying once more.
const MAX_TOKEN_RETRY_WAIT_SECONDS: u64 = 10;

/// Sandbox-clock seconds per step while waiting for an analysis to end (the default KYC delay is 30).
const CLOCK_STEP_SECONDS: u64 = 10;

/// Headers of a Bankly request besides `accept` and the token.
pub fn request_headers() -> Vec<(String, String)> {
    vec![
        ("api-version".into(), API_VERSION.into()),
        ("x-correlation-id".into(), uuid::Uuid::new_v4().to_string()),
    ]
}

/// Who makes a move to `status`, by the KYC rules both faces read.
fn via_of(status: Status) -> Via {
    match rules().reached_by(status) {
        Actor::Registration => Via::Registration,
        Actor::Cancellation => Via::Cancel,
        Actor::Analyst => Via::Control,
    }
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

/// Why a precondition could not be met.
enum Pre {
    /// The target cannot provide it: the scenario is skipped with this reason.
    Skip(String),
    /// The target should have provided it: the failure is already recorded in the World.
    Fail,
}

impl From<StepFail> for Pre {
    fn from(_: StepFail) -> Self {
        Pre::Fail
    }
}

fn settle(w: &mut CheckWorld, r: Result<(), Pre>) -> StepResult {
    match r {
        Ok(()) => Ok(()),
        Err(Pre::Skip(reason)) => w.skip(reason),
        Err(Pre::Fail) => Err(StepFail(
            w.failure
                .as_ref()
                .map(|f| f.message.clone())
                .unwrap_or_else(|| "a Bankly precondition failed".into()),
        )),
    }
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

/// Where the target's Bankly paths live.
fn bankly_base(ctx: &RunContext) -> String {
    ctx.base_of(&super::PLUGIN)
}

/// Deterministic per (seed, scenario, attempt), so a run against the embedded sandbox is
/// reproducible; further attempts skip CPFs a long-running target already knows.
fn candidate_document(seed: u64, scenario: u64, attempt: u32) -> String {
    let mut rng = rng_for(
        seed,
        "harness-bankly",
        &format!("scenario-{scenario}-{attempt}"),
    );
    br::gen_cpf(&mut rng)
}

/// The `{{documentNumber}}` of features: the scenario's first candidate customer (a later
/// candidate replaces it when the target already knew that one).
pub fn scenario_values(s: &ScenarioSeed<'_>) -> Vec<(String, String)> {
    vec![(
        "documentNumber".into(),
        candidate_document(s.seed, s.scenario, 0),
    )]
}

fn token_url(ctx: &RunContext) -> String {
    let base = bankly_base(ctx);
    match bankly_target(ctx).token_url {
        Some(u) if u.starts_with("http://") || u.starts_with("https://") => u,
        Some(path) => format!("{base}{path}"),
        None => format!("{base}/oauth2/token"),
    }
}

/// A valid registration for `cpf` from its persona: real DDD, a CEP inside the UF's range, an
/// adult's birth date, three distinct document-analysis tokens.
pub fn registration_body(seed: u64, cpf: &str) -> Value {
    let p = Persona::derive(seed, cpf, None);
    let a = &p.addresses[0];
    let mut address = json!({
        "zipCode": a.cep,
        "addressLine": a.street,
        "buildingNumber": a.number,
        "neighborhood": a.district,
        "city": a.town,
        "state": a.uf,
        "country": "BR",
    });
    if let Some(c) = &a.complement {
        address["complement"] = json!(c);
    }
    // 32 hex digits each, distinct per document and per kind of image.
    let analysis = |n: u8| format!("{cpf:0>30}{n:02x}");
    json!({
        "registerName": p.civil_name,
        "socialName": "",
        "birthDate": p.birth_date.format("%Y-%m-%d").to_string(),
        "phone": {"countryCode": "55", "number": p.phones[0].national()},
        "address": address,
        "assertedIncome": {"value": 4250.75, "currency": "BRL"},
        "occupation": "252210",
        "pep": {"level": "NONE"},
        "motherName": p.mother_name,
        "email": p.emails[0],
        "documentation": {
            "selfie": analysis(1),
            "idCardFront": analysis(2),
            "idCardBack": analysis(3),
        },
        "hasBrazilianNationality": true,
    })
}

/// Sets (`Some`) or removes (`None`) the field at a dotted path, creating objects on the way.
fn edit_field(body: &mut Value, path: &str, value: Option<Value>) {
    let parts: Vec<&str> = path.split('.').collect();
    let Some((last, parents)) = parts.split_last() else {
        return;
    };
    let mut at = body;
    for p in parents {
        if !at[*p].is_object() {
            at[*p] = json!({});
        }
        at = &mut at[*p];
    }
    if let Some(obj) = at.as_object_mut() {
        match value {
            Some(v) => {
                obj.insert((*last).to_string(), v);
            }
            None => {
                obj.remove(*last);
            }
        }
    }
}

/// The first place two records differ, ignoring [`VOLATILE_FIELDS`] at the top level:
/// (JSON pointer, before, after).
pub fn first_difference(before: &Value, after: &Value) -> Option<(String, String, String)> {
    fn strip(v: &Value) -> Value {
        let mut v = v.clone();
        if let Some(obj) = v.as_object_mut() {
            for k in VOLATILE_FIELDS {
                obj.remove(*k);
            }
        }
        v
    }
    fn walk(a: &Value, b: &Value, at: &str) -> Option<(String, String, String)> {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
                keys.dedup();
                for k in keys {
                    let here = format!("{at}/{k}");
                    match (x.get(k), y.get(k)) {
                        (Some(p), Some(q)) => {
                            if let Some(d) = walk(p, q, &here) {
                                return Some(d);
                            }
                        }
                        (p, q) => {
                            let show = |v: Option<&Value>| {
                                v.map(Value::to_string).unwrap_or_else(|| "(absent)".into())
                            };
                            return Some((here, show(p), show(q)));
                        }
                    }
                }
                None
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (p, q))| walk(p, q, &format!("{at}/{i}"))),
            _ if a == b => None,
            _ => Some((at.to_string(), a.to_string(), b.to_string())),
        }
    }
    let d = walk(&strip(before), &strip(after), "");
    d.map(|(p, a, b)| (if p.is_empty() { "/".into() } else { p }, a, b))
}

/// `sha256=<hex>`: the HMAC-SHA256 of `body` keyed with `key`, as the spec's callback describes.
/// Recomputed here rather than borrowed from the sandbox, so a sandbox that signs wrongly is caught.
pub fn signature(key: &str, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        // HMAC takes keys of any length; this branch cannot be reached.
        return String::new();
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether a target whose Bankly base URL is `base` can call back a receiver on 127.0.0.1: only when
/// it runs on this machine. A name the harness resolves itself (`pins`) counts by its address.
/// `Err` says why not.
pub fn receiver_reachable_from(
    base: &str,
    pins: &[(String, std::net::SocketAddr)],
) -> Result<(), String> {
    let host = reqwest::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let pinned = pins
        .iter()
        .find(|(h, _)| h.eq_ignore_ascii_case(bare))
        .map(|(_, a)| a.ip());
    let loopback = match pinned {
        Some(ip) => ip.is_loopback(),
        None => {
            bare.eq_ignore_ascii_case("localhost")
                || bare.eq_ignore_ascii_case(crate::harness::EMBEDDED_HOST)
                || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
    };
    if loopback {
        Ok(())
    } else {
        Err(format!(
            "the harness's webhook receiver listens on 127.0.0.1, which the target at \"{host}\" cannot reach: webhook deliveries are checked only against a target on this machine"
        ))
    }
}

// ---------------------------------------------------------------------------- webhook receiver

/// Deliveries about `document` (from the body), of `event` when given (header or body).
fn about(receiver: &Receiver, document: &str, event: Option<&str>) -> Vec<Delivery> {
    receiver
        .deliveries()
        .into_iter()
        .filter(|d| {
            let body = d.json();
            let doc = body["data"]["documentNumber"]
                .as_str()
                .or_else(|| body["data"]["document"]["value"].as_str());
            let name = body["eventName"].as_str().or(d.header("x-bankly-event"));
            doc == Some(document) && event.is_none_or(|e| name == Some(e))
        })
        .collect()
}

/// The customer-event callback of the loaded Bankly spec (declared on the operation that registers
/// receivers): the harness judges events by the spec the run was given.
fn callback(ctx: &RunContext) -> Result<&crate::spec::CallbackSpec, String> {
    let op = ctx
        .specs
        .apis
        .iter()
        .filter(|s| s.family == NAME)
        .find_map(|s| s.operation("createWebhookConfiguration"))
        .ok_or("the loaded specs have no Bankly createWebhookConfiguration operation")?;
    op.callbacks
        .first()
        .filter(|c| c.body.is_some())
        .ok_or_else(|| "createWebhookConfiguration declares no callback with a JSON body".into())
}

// ------------------------------------------------------------------------------ World helpers

impl CheckWorld {
    /// The scenario's Bankly customer: the one chosen, or the first candidate.
    pub fn bankly_document(&self) -> String {
        self.part_ref::<BanklyState>()
            .and_then(|b| b.document.clone())
            .unwrap_or_else(|| self.candidate_document(0))
    }

    fn candidate_document(&self, attempt: u32) -> String {
        let seed = self.ctx.as_ref().map_or(0, |c| c.seed);
        candidate_document(seed, self.scenario_no, attempt)
    }

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
        let last = self.last()?.clone();
        if last.status == 200 {
            return match last.json.as_ref().and_then(|b| b["access_token"].as_str()) {
                Some(t) => Ok(t.to_string()),
                None => {
                    self.fail(
                        "the Bankly token endpoint answered 200 without an access_token",
                        Some("access_token".into()),
                        None,
                        Vec::new(),
                    )?;
                    Err(Pre::Fail)
                }
            };
        }
        let why = format!(
            "no Bankly token with the scopes \"{wanted}\": {} answered {}{}",
            last.url,
            last.status,
            error_summary(&last)
        );
        // A finsandbox sandbox issues tokens to anyone; a real target may just need configuring.
        if ctx.target.control_url.is_some() {
            self.fail(
                why,
                Some("200".into()),
                Some(last.status.to_string()),
                Vec::new(),
            )?;
            return Err(Pre::Fail);
        }
        let hint = if configured.is_some() {
            " (the [bankly] token of target.toml carries every scope, so it cannot stand for a narrower one; set [bankly] client-id so the harness can ask the token endpoint)"
        } else {
            " (set [bankly] token, or client-id and client-secret, in target.toml)"
        };
        Err(Pre::Skip(format!("{why}{hint}")))
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
    async fn harness_call(
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

    /// The DETAILED record of the scenario's customer (harness token).
    async fn read_detailed(&mut self) -> Result<Value, Pre> {
        let doc = self.bankly_document();
        self.harness_call(
            "GET",
            &format!("/bankly/customers/{doc}?resultLevel=DETAILED"),
            None,
        )
        .await?;
        let last = self.last()?.clone();
        match (&last.json, last.status) {
            (Some(body), 200) => Ok(body.clone()),
            _ => {
                self.fail(
                    format!(
                        "reading the customer {doc} (resultLevel=DETAILED) answered HTTP {}{}",
                        last.status,
                        error_summary(&last)
                    ),
                    Some("200".into()),
                    Some(last.status.to_string()),
                    Vec::new(),
                )?;
                Err(Pre::Fail)
            }
        }
    }

    /// Picks a CPF the target does not know yet (GET answers 404) as the scenario's customer.
    async fn choose_document(&mut self) -> Result<String, Pre> {
        if let Some(d) = &self.bankly().document {
            return Ok(d.clone());
        }
        for attempt in 0..20 {
            let doc = self.candidate_document(attempt);
            self.harness_call("GET", &format!("/bankly/customers/{doc}"), None)
                .await?;
            let last = self.last()?.clone();
            match last.status {
                404 => {
                    self.bankly().document = Some(doc.clone());
                    self.values.insert("documentNumber".into(), doc.clone());
                    return Ok(doc);
                }
                200 => continue,
                other => {
                    self.fail(
                        format!(
                            "looking for an unregistered CPF, GET /customers/{doc} answered HTTP {other}{}",
                            error_summary(&last)
                        ),
                        Some("404 or 200".into()),
                        Some(other.to_string()),
                        Vec::new(),
                    )?;
                    return Err(Pre::Fail);
                }
            }
        }
        self.fail(
            "twenty CPFs in a row are already registered at the target",
            None,
            None,
            Vec::new(),
        )?;
        Err(Pre::Fail)
    }

    /// PUT of the scenario's registration (edited by `edit`), with the scenario's token or the
    /// harness's. The body is kept for later comparisons and re-registrations.
    async fn put_registration(
        &mut self,
        edit: impl FnOnce(&mut Value),
        as_harness: bool,
    ) -> Result<(), Pre> {
        let ctx = self.ctx()?;
        let doc = self.choose_document().await?;
        let mut body = registration_body(ctx.seed, &doc);
        edit(&mut body);
        self.bankly().registration = Some(body.clone());
        let path = format!("/bankly/customers/{doc}");
        if as_harness {
            self.harness_call("PUT", &path, Some(&body)).await
        } else {
            let bytes = body.to_string().into_bytes();
            self.request(
                "PUT",
                &path,
                Auth::Resource,
                Some(("application/json", bytes)),
            )
            .await
            .map_err(Pre::from)
        }
    }

    fn expect_status(&mut self, what: &str, expected: u16) -> Result<(), Pre> {
        let last = self.last()?.clone();
        if last.status == expected {
            return Ok(());
        }
        self.fail(
            format!(
                "{what} answered HTTP {}{}",
                last.status,
                error_summary(&last)
            ),
            Some(expected.to_string()),
            Some(last.status.to_string()),
            Vec::new(),
        )?;
        Err(Pre::Fail)
    }

    /// `POST /sandbox/bankly/customers/{doc}/kyc`, kept as the last response.
    async fn control_move(&mut self, to: &str) -> Result<(), Pre> {
        let ctx = self.ctx()?;
        let Some(control) = ctx.target.control_url.clone() else {
            return Err(Pre::Skip(format!(
                "moving a registration to {to} needs the sandbox control API (POST /sandbox/bankly/customers/{{documentNumber}}/kyc), which this target does not have"
            )));
        };
        let doc = self.bankly_document();
        let reasons: Vec<&str> = if to == "REPROVED" {
            vec!["DOCUMENT_MISMATCH"]
        } else {
            Vec::new()
        };
        let body = json!({"status": to, "reasons": reasons}).to_string();
        let url = format!("{control}/bankly/customers/{doc}/kyc");
        match ctx
            .client
            .send_within(
                "POST",
                &url,
                &[],
                Some(("application/json", body.into_bytes())),
                self.deadline,
            )
            .await
        {
            Ok(s) => {
                self.last = Some(s);
                Ok(())
            }
            Err((m, e)) => {
                self.fail_with_evidence(format!("control API POST {url}: {m}"), e)?;
                Err(Pre::Fail)
            }
        }
    }

    async fn cancel_call(&mut self) -> Result<(), Pre> {
        let doc = self.bankly_document();
        let body = json!({"reason": "HOLDER_REQUEST"});
        self.harness_call(
            "PATCH",
            &format!("/bankly/customers/{doc}/cancel"),
            Some(&body),
        )
        .await
    }

    /// Registers the scenario's customer and brings it to `status`, checked with GET.
    async fn reach(&mut self, status: &str) -> Result<(), Pre> {
        let Some(target) = Status::parse(status) else {
            let known: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
            self.fail(
                format!("\"{status}\" is not a KYC status ({})", known.join(", ")),
                None,
                None,
                Vec::new(),
            )?;
            return Err(Pre::Fail);
        };
        // The way there, by the KYC rules: each hop made by whoever makes it.
        let Some(path) = rules().path(Status::PendingApproval, target) else {
            self.fail(
                format!("the KYC rules give no way from PENDING_APPROVAL to {status}"),
                None,
                None,
                Vec::new(),
            )?;
            return Err(Pre::Fail);
        };
        let ctx = self.ctx()?;
        // Say so before creating anything on a target that cannot get there.
        if let Some(hop) = path.iter().find(|s| via_of(**s) == Via::Control)
            && ctx.target.control_url.is_none()
        {
            let through = if *hop == target {
                String::new()
            } else {
                format!(" (through {}, an analyst's decision)", hop.as_str())
            };
            return Err(Pre::Skip(format!(
                "bringing a registration to {status}{through} needs the sandbox control API (POST /sandbox/bankly/customers/{{documentNumber}}/kyc), which this target does not have"
            )));
        }
        self.put_registration(|_| {}, true).await?;
        self.expect_status("registering the scenario's customer", 202)?;
        for hop in path {
            match via_of(hop) {
                Via::Control => {
                    self.control_move(hop.as_str()).await?;
                    self.expect_status(
                        &format!(
                            "moving the customer to {} through the control API",
                            hop.as_str()
                        ),
                        200,
                    )?;
                }
                Via::Cancel => {
                    self.cancel_call().await?;
                    self.expect_status("canceling the customer", 202)?;
                }
                Via::Registration => {
                    self.put_registration(|_| {}, true).await?;
                    self.expect_status("registering the customer again", 202)?;
                }
            }
        }
        let record = self.read_detailed().await?;
        let got = record["status"].as_str().unwrap_or("(none)").to_string();
        if got == status {
            return Ok(());
        }
        if ctx.target.control_url.is_none() {
            return Err(Pre::Skip(format!(
                "the target moved the new registration on to {got} before the scenario could use it in {status}"
            )));
        }
        self.fail(
            format!("the customer should now be {status}, GET shows {got}"),
            Some(status.to_string()),
            Some(got),
            Vec::new(),
        )?;
        Err(Pre::Fail)
    }

    /// Moves the scenario's customer to `to` by the means a client or an analyst would use,
    /// after keeping the record as it was.
    async fn move_to(&mut self, to: &str) -> Result<(), Pre> {
        if self.bankly().document.is_none() {
            self.fail(
                "no Bankly customer was registered in this scenario before the move",
                None,
                None,
                Vec::new(),
            )?;
        }
        let via = Status::parse(to).map_or(Via::Control, via_of);
        let ctx = self.ctx()?;
        if via == Via::Control && ctx.target.control_url.is_none() {
            return Err(Pre::Skip(format!(
                "moving a registration to {to} needs the sandbox control API (POST /sandbox/bankly/customers/{{documentNumber}}/kyc), which this target does not have"
            )));
        }
        let before = self.read_detailed().await?;
        let from = before["status"].as_str().unwrap_or("(none)").to_string();
        self.bankly().before = Some(before);
        self.bankly().last_move = Some(Move {
            from,
            to: to.to_string(),
            via,
        });
        match via {
            Via::Registration => {
                let doc = self.bankly_document();
                let body = self
                    .bankly()
                    .registration
                    .clone()
                    .unwrap_or_else(|| registration_body(ctx.seed, &doc));
                self.harness_call("PUT", &format!("/bankly/customers/{doc}"), Some(&body))
                    .await
            }
            Via::Cancel => self.cancel_call().await,
            Via::Control => self.control_move(to).await,
        }
    }

    fn last_move(&mut self) -> Result<Move, StepFail> {
        match self.bankly().last_move.clone() {
            Some(m) => Ok(m),
            None => {
                self.fail(
                    "no KYC move was made before this step",
                    None,
                    None,
                    Vec::new(),
                )?;
                Err(StepFail("no KYC move".into()))
            }
        }
    }

    /// Starts the receiver (once per scenario) and registers it for `events`; each registration's
    /// answer becomes the last response in turn.
    async fn register_receiver(&mut self, events: &[String]) -> Result<(), Pre> {
        let ctx = self.ctx()?;
        receiver_reachable_from(&bankly_base(&ctx), &ctx.target.pins).map_err(Pre::Skip)?;
        if self.bankly().receiver.is_none() {
            match Receiver::start(*ctx.client.limits()).await {
                Ok(r) => self.bankly().receiver = Some(r),
                Err(e) => {
                    self.fail(
                        format!("cannot start the webhook receiver on 127.0.0.1: {e}"),
                        None,
                        None,
                        Vec::new(),
                    )?;
                    return Err(Pre::Fail);
                }
            }
        }
        let url = self
            .bankly()
            .receiver
            .as_ref()
            .map(|r| r.url.clone())
            .unwrap_or_default();
        use base64::Engine;
        let key = self
            .bankly()
            .private_key
            .get_or_insert_with(|| {
                let mut bytes = uuid::Uuid::new_v4().as_bytes().to_vec();
                bytes.extend(uuid::Uuid::new_v4().as_bytes());
                base64::engine::general_purpose::STANDARD.encode(bytes)
            })
            .clone();
        let scenario = self.scenario_no;
        let public = self
            .bankly()
            .public_key
            .get_or_insert_with(|| format!("finsandbox-harness-{scenario}"))
            .clone();
        for event in events {
            let body = json!({
                "name": format!("finsandbox harness {event}"),
                "eventName": event,
                "context": "Customer",
                "uri": url,
                "privateKey": key,
                "publicKey": public,
            });
            self.harness_call("POST", "/bankly/webhooks/configurations", Some(&body))
                .await?;
            if self.last()?.status != 201 {
                break;
            }
        }
        Ok(())
    }

    fn receiver(&mut self) -> Result<&Receiver, StepFail> {
        if self.bankly().receiver.is_none() {
            self.fail(
                "no webhook receiver was started in this scenario",
                None,
                None,
                Vec::new(),
            )?;
        }
        self.bankly()
            .receiver
            .as_ref()
            .ok_or_else(|| StepFail("no webhook receiver".into()))
    }

    fn picked_event(&mut self) -> Result<Delivery, StepFail> {
        match self.bankly().event.clone() {
            Some(e) => Ok(e),
            None => {
                self.fail(
                    "no event was picked: use \"the receiver gets exactly one ...\" first",
                    None,
                    None,
                    Vec::new(),
                )?;
                Err(StepFail("no event".into()))
            }
        }
    }
}

// ---------------------------------------------------------------------------------- tokens

#[given("a Bankly token with every scope")]
async fn token_every_scope(w: &mut CheckWorld) -> StepResult {
    let r = w.obtain_token(None).await.map(|t| {
        w.set_token(NAME, Some(t));
        w.bankly().every_scope = true;
    });
    settle(w, r)
}

#[given(expr = "a Bankly token with the scopes {string}")]
async fn token_with_scopes(w: &mut CheckWorld, scopes: String) -> StepResult {
    let wanted: Vec<String> = scopes
        .split([' ', ',', '|'])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let r = w.obtain_token(Some(wanted)).await.map(|t| {
        w.set_token(NAME, Some(t));
        w.bankly().every_scope = false;
    });
    settle(w, r)
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
    let r = w.obtain_token(Some(wanted)).await.map(|t| {
        w.set_token(NAME, Some(t));
        w.bankly().every_scope = false;
    });
    settle(w, r)
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

// ---------------------------------------------------------------------------------- customers

#[given("a Bankly customer nobody registered")]
async fn unregistered_customer(w: &mut CheckWorld) -> StepResult {
    let r = w.choose_document().await.map(|_| ());
    settle(w, r)
}

#[given(expr = "a Bankly customer in the KYC status {string}")]
async fn customer_in_status(w: &mut CheckWorld, status: String) -> StepResult {
    let r = w.reach(&status).await;
    settle(w, r)
}

#[when("I register the customer")]
async fn register(w: &mut CheckWorld) -> StepResult {
    let r = w.put_registration(|_| {}, false).await;
    settle(w, r)
}

#[when(expr = "I register the customer without the field {string}")]
async fn register_without(w: &mut CheckWorld, field: String) -> StepResult {
    let r = w
        .put_registration(|b| edit_field(b, &field, None), false)
        .await;
    settle(w, r)
}

#[when(expr = "I register the customer with the field {string} set to {string}")]
async fn register_with_string(w: &mut CheckWorld, field: String, value: String) -> StepResult {
    let r = w
        .put_registration(|b| edit_field(b, &field, Some(Value::String(value))), false)
        .await;
    settle(w, r)
}

/// A table of `| field | value |` rows; the value `(absent)` leaves the field out.
#[when("I register the customer with the fields:")]
async fn register_with_fields(w: &mut CheckWorld, step: &cucumber::gherkin::Step) -> StepResult {
    let rows: Vec<(String, Option<Value>)> = step
        .table
        .as_ref()
        .map(|t| {
            t.rows
                .iter()
                .filter(|r| r.len() >= 2)
                .map(|r| {
                    let value = (r[1] != "(absent)").then(|| Value::String(r[1].clone()));
                    (r[0].clone(), value)
                })
                .collect()
        })
        .unwrap_or_default();
    if rows.is_empty() {
        return w.fail(
            "the step needs a table of | field | value | rows",
            None,
            None,
            Vec::new(),
        );
    }
    let r = w
        .put_registration(
            |b| {
                for (field, value) in rows {
                    edit_field(b, &field, value);
                }
            },
            false,
        )
        .await;
    settle(w, r)
}

#[when(expr = "the KYC status is moved to {string}")]
async fn move_status(w: &mut CheckWorld, to: String) -> StepResult {
    let r = w.move_to(&to).await;
    settle(w, r)
}

#[then("the move is accepted")]
async fn move_accepted(w: &mut CheckWorld) -> StepResult {
    let m = w.last_move()?;
    let expected = if m.via == Via::Control { 200 } else { 202 };
    let last = w.last()?.clone();
    if last.status == expected {
        return Ok(());
    }
    w.fail(
        format!(
            "the legal KYC move {} -> {} was refused with HTTP {}{}",
            m.from,
            m.to,
            last.status,
            error_summary(&last)
        ),
        Some(expected.to_string()),
        Some(last.status.to_string()),
        Vec::new(),
    )
}

#[then(expr = "the move is refused with {int} and the code {string}")]
async fn move_refused(w: &mut CheckWorld, status: u16, code: String) -> StepResult {
    let m = w.last_move()?;
    let last = w.last()?.clone();
    if (200..300).contains(&last.status) {
        return w.fail(
            format!(
                "the illegal KYC move {} -> {} was accepted (HTTP {})",
                m.from, m.to, last.status
            ),
            Some(format!("{status} {code}")),
            Some(last.status.to_string()),
            Vec::new(),
        );
    }
    if last.status != status {
        return w.fail(
            format!(
                "the illegal KYC move {} -> {} was refused with HTTP {}, not {status}{}",
                m.from,
                m.to,
                last.status,
                error_summary(&last)
            ),
            Some(status.to_string()),
            Some(last.status.to_string()),
            Vec::new(),
        );
    }
    let body = last.json.clone().unwrap_or(Value::Null);
    // Bankly's error body lists codes; the control API names its one code at the top level.
    let codes: Vec<String> = match m.via {
        Via::Control => body["code"]
            .as_str()
            .map(str::to_string)
            .into_iter()
            .collect(),
        _ => body["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["code"].as_str().map(str::to_string))
            .collect(),
    };
    if codes.contains(&code) {
        return Ok(());
    }
    w.fail(
        format!(
            "the illegal KYC move {} -> {} was refused with the code {}, not {code}",
            m.from,
            m.to,
            if codes.is_empty() {
                "(none)".to_string()
            } else {
                codes.join(", ")
            }
        ),
        Some(code),
        Some(codes.join(", ")),
        Vec::new(),
    )
}

#[then("the customer's record is unchanged")]
async fn record_unchanged(w: &mut CheckWorld) -> StepResult {
    let m = w.last_move()?;
    let Some(before) = w.bankly().before.clone() else {
        return w.fail(
            "the record was not read before the move",
            None,
            None,
            Vec::new(),
        );
    };
    let after = match w.read_detailed().await {
        Ok(a) => a,
        Err(e) => return settle(w, Err(e)),
    };
    match first_difference(&before, &after) {
        None => Ok(()),
        Some((pointer, was, now)) => w.fail(
            format!(
                "the refused KYC move {} -> {} changed the record: {pointer} was {was}, is now {now}",
                m.from, m.to
            ),
            Some(was),
            Some(now),
            Vec::new(),
        ),
    }
}

#[then(expr = "the customer's KYC status is {string}")]
async fn status_is(w: &mut CheckWorld, expected: String) -> StepResult {
    let record = match w.read_detailed().await {
        Ok(r) => r,
        Err(e) => return settle(w, Err(e)),
    };
    let got = record["status"].as_str().unwrap_or("(none)").to_string();
    if got == expected {
        return Ok(());
    }
    w.fail(
        format!("GET shows the KYC status {got}, expected {expected}"),
        Some(expected),
        Some(got),
        Vec::new(),
    )
}

/// Waits for an analysis: on a sandbox by moving its clock (tag the scenario `@serial`), elsewhere
/// by polling every second; bounded either way.
#[then(expr = "within {int} seconds the customer's KYC status becomes one of {string}")]
async fn status_becomes(w: &mut CheckWorld, seconds: u64, list: String) -> StepResult {
    let wanted = split_list(&list);
    let ctx = w.ctx()?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    let mut moved = 0u64;
    loop {
        let record = match w.read_detailed().await {
            Ok(r) => r,
            Err(e) => return settle(w, Err(e)),
        };
        let got = record["status"].as_str().unwrap_or("(none)").to_string();
        if wanted.contains(&got) {
            return Ok(());
        }
        let out_of_time = match &ctx.target.control_url {
            Some(_) => moved >= seconds,
            None => tokio::time::Instant::now() >= deadline,
        };
        if out_of_time {
            return w.fail(
                format!("after {seconds} seconds the KYC status is still {got}"),
                Some(wanted.join(" | ")),
                Some(got),
                Vec::new(),
            );
        }
        match &ctx.target.control_url {
            Some(control) => {
                let step = CLOCK_STEP_SECONDS.min(seconds - moved);
                let body = json!({"advanceSeconds": step}).to_string().into_bytes();
                let url = format!("{control}/clock");
                match ctx
                    .client
                    .send_within(
                        "POST",
                        &url,
                        &[],
                        Some(("application/json", body)),
                        w.deadline,
                    )
                    .await
                {
                    Ok(s) if s.status == 200 => moved += step,
                    Ok(s) => {
                        let status = s.status;
                        w.last = Some(s);
                        return w.fail(
                            format!("moving the sandbox clock answered HTTP {status}"),
                            Some("200".into()),
                            Some(status.to_string()),
                            Vec::new(),
                        );
                    }
                    Err((m, e)) => return w.fail_with_evidence(format!("POST {url}: {m}"), e),
                }
            }
            None => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
}

// ---------------------------------------------------------------------------------- bodies

#[then("the body holds the BASIC fields only")]
async fn basic_only(w: &mut CheckWorld) -> StepResult {
    let ctx = w.ctx()?;
    // The BASIC level is what the loaded spec says it is (x-finsandbox-levels).
    let basic: Vec<String> = ctx
        .specs
        .apis
        .iter()
        .filter(|s| s.family == NAME)
        .find_map(|s| s.operation("getCustomer"))
        .map(|op| super::customers::level_fields(op, "BASIC"))
        .unwrap_or_default();
    if basic.is_empty() {
        return w.skip("the loaded spec does not say which fields resultLevel=BASIC shows");
    }
    let body = w.last()?.json.clone().unwrap_or(Value::Null);
    let Some(obj) = body.as_object() else {
        return w.fail("the body is not a JSON object", None, None, Vec::new());
    };
    let extra: Vec<&str> = obj
        .keys()
        .map(String::as_str)
        .filter(|k| !basic.iter().any(|b| b == k))
        .collect();
    if extra.is_empty() {
        return Ok(());
    }
    let message = format!(
        "resultLevel=BASIC leaks DETAILED-only field(s): {}",
        extra.join(", ")
    );
    let extra = extra.join(", ");
    w.fail(
        message,
        Some(basic.join(", ")),
        Some(extra),
        Vec::new(),
    )
}

#[then("the body holds the DETAILED fields of the registration")]
async fn detailed_matches_registration(w: &mut CheckWorld) -> StepResult {
    let body = w.last()?.json.clone().unwrap_or(Value::Null);
    let Some(reg) = w.bankly().registration.clone() else {
        return w.fail(
            "no customer was registered in this scenario",
            None,
            None,
            Vec::new(),
        );
    };
    let same = |a: &Value, b: &Value| a == b;
    let mut checks: Vec<(&str, Value, Value)> = Vec::new();
    for field in [
        "registerName",
        "motherName",
        "email",
        "address",
        "assertedIncome",
        "occupation",
        "documentation",
    ] {
        checks.push((field, reg[field].clone(), body[field].clone()));
    }
    checks.push((
        "phone.number",
        reg["phone"]["number"].clone(),
        body["phone"]["number"].clone(),
    ));
    checks.push((
        "pep.level",
        reg["pep"]["level"].clone(),
        body["pep"]["level"].clone(),
    ));
    for (field, registered, shown) in checks {
        if !same(&registered, &shown) {
            let show = |v: &Value| {
                if v.is_null() {
                    "(absent)".to_string()
                } else {
                    v.to_string()
                }
            };
            return w.fail(
                format!(
                    "resultLevel=DETAILED shows {field} as {}, registered {}",
                    show(&shown),
                    show(&registered)
                ),
                Some(show(&registered)),
                Some(show(&shown)),
                Vec::new(),
            );
        }
    }
    let birth = reg["birthDate"].as_str().unwrap_or_default();
    let shown = body["birthDate"].as_str().unwrap_or_default();
    if !shown.starts_with(birth) {
        return w.fail(
            format!("resultLevel=DETAILED shows birthDate {shown}, registered {birth}"),
            Some(birth.to_string()),
            Some(shown.to_string()),
            Vec::new(),
        );
    }
    if !body["reasons"].is_array() {
        return w.fail(
            "resultLevel=DETAILED has no reasons list",
            Some("reasons: [...]".into()),
            Some(body["reasons"].to_string()),
            Vec::new(),
        );
    }
    Ok(())
}

#[then("the response echoes the correlation id")]
async fn echoes_correlation(w: &mut CheckWorld) -> StepResult {
    let last = w.last()?;
    let sent = last.request_header("x-correlation-id").map(str::to_string);
    let got = last.header("x-correlation-id").map(str::to_string);
    match (sent, got) {
        (Some(s), Some(g)) if s == g => Ok(()),
        (s, g) => w.fail(
            "x-correlation-id was not echoed",
            s,
            Some(g.unwrap_or_else(|| "(absent)".into())),
            Vec::new(),
        ),
    }
}

#[then(expr = "the error names the property {string}")]
async fn error_property(w: &mut CheckWorld, property: String) -> StepResult {
    let body = w.last()?.json.clone().unwrap_or(Value::Null);
    let names: Vec<String> = body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["propertyName"].as_str().map(str::to_string))
        .collect();
    if names.contains(&property) {
        return Ok(());
    }
    w.fail(
        format!(
            "no error names the property {property} (errors name: {})",
            if names.is_empty() {
                "nothing".to_string()
            } else {
                names.join(", ")
            }
        ),
        Some(property),
        Some(names.join(", ")),
        Vec::new(),
    )
}

/// Sends `count` requests in a row and stops at the first 429 (the documented limit is 180 per
/// 10 s per client); the last answer is kept.
#[when(expr = "I send GET to {string} {int} times in a row")]
async fn burst(w: &mut CheckWorld, path: String, count: u32) -> StepResult {
    for _ in 0..count {
        w.request("GET", &path, Auth::Resource, None).await?;
        if w.last()?.status == 429 {
            break;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------- webhooks

#[given(expr = "a webhook receiver for the events {string}")]
async fn receiver_for(w: &mut CheckWorld, events: String) -> StepResult {
    let events = split_list(&events);
    let r = w.register_receiver(&events).await;
    if r.is_ok() {
        let last = w.last()?.clone();
        if last.status != 201 {
            return w.fail(
                format!(
                    "registering the webhook receiver answered HTTP {}{}",
                    last.status,
                    error_summary(&last)
                ),
                Some("201".into()),
                Some(last.status.to_string()),
                Vec::new(),
            );
        }
    }
    settle(w, r)
}

#[when(expr = "I register a webhook receiver for the event {string}")]
async fn register_receiver(w: &mut CheckWorld, event: String) -> StepResult {
    let r = w.register_receiver(&[event]).await;
    settle(w, r)
}

#[then(expr = "the receiver gets exactly one {string} for the customer")]
async fn exactly_one(w: &mut CheckWorld, event: String) -> StepResult {
    let doc = w.bankly_document();
    let deadline = tokio::time::Instant::now() + DELIVERY_TIMEOUT;
    loop {
        let seen = !about(w.receiver()?, &doc, Some(&event)).is_empty();
        if seen {
            // Wait a little for a duplicate before counting.
            tokio::time::sleep(DUPLICATE_GRACE).await;
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            let others: Vec<String> = about(w.receiver()?, &doc, None)
                .iter()
                .filter_map(|d| d.json()["eventName"].as_str().map(str::to_string))
                .collect();
            let refused = w.receiver()?.refusals();
            return w.fail(
                format!(
                    "no {event} for the customer reached the webhook receiver within {} s (it got: {}){}",
                    DELIVERY_TIMEOUT.as_secs(),
                    if others.is_empty() {
                        "nothing".to_string()
                    } else {
                        others.join(", ")
                    },
                    if refused.is_empty() {
                        String::new()
                    } else {
                        format!("; it refused {} delivery(ies): {}", refused.len(), refused.join("; "))
                    }
                ),
                Some(event),
                Some(others.join(", ")),
                Vec::new(),
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got = about(w.receiver()?, &doc, Some(&event));
    if got.len() == 1 {
        w.bankly().event = got.into_iter().next();
        return Ok(());
    }
    let ids: Vec<String> = got
        .iter()
        .map(|d| d.header("x-bankly-delivery-id").unwrap_or("?").to_string())
        .collect();
    w.fail(
        format!(
            "one transition must deliver exactly one {event}, the receiver got {} (delivery ids: {})",
            got.len(),
            ids.join(", ")
        ),
        Some("1".into()),
        Some(got.len().to_string()),
        Vec::new(),
    )
}

#[then("the receiver gets no event for the customer")]
async fn no_event(w: &mut CheckWorld) -> StepResult {
    let doc = w.bankly_document();
    // Deliveries are immediate on a healthy target; give a stray one time to arrive.
    tokio::time::sleep(DUPLICATE_GRACE * 2).await;
    let got = about(w.receiver()?, &doc, None);
    if got.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = got
        .iter()
        .map(|d| d.json()["eventName"].as_str().unwrap_or("?").to_string())
        .collect();
    w.fail(
        format!(
            "a refused move must announce nothing, the receiver got {}",
            names.join(", ")
        ),
        Some("no event".into()),
        Some(names.join(", ")),
        Vec::new(),
    )
}

#[then("the event is signed with the registered key")]
async fn event_signed(w: &mut CheckWorld) -> StepResult {
    let event = w.picked_event()?;
    let key = w.bankly().private_key.clone().unwrap_or_default();
    let expected = signature(&key, &event.body);
    let got = event.header("x-bankly-signature").unwrap_or("(absent)");
    if got == expected {
        return Ok(());
    }
    let name = event
        .header("x-bankly-event")
        .unwrap_or("the event")
        .to_string();
    let got = got.to_string();
    w.fail(
        format!(
            "the x-bankly-signature of {name} is not the HMAC-SHA256 of its body keyed with the registered privateKey"
        ),
        Some(expected),
        Some(got),
        Vec::new(),
    )
}

#[then("the event matches its schema")]
async fn event_schema(w: &mut CheckWorld) -> StepResult {
    let event = w.picked_event()?;
    let ctx = w.ctx()?;
    let cb = match callback(&ctx) {
        Ok(c) => c,
        Err(e) => return w.fail(e, None, None, Vec::new()),
    };
    let findings = judge::judge_payload(
        &cb.headers,
        cb.body.as_ref(),
        event.headers.as_slice(),
        &event.body,
    );
    let (header_findings, body_findings): (Vec<Finding>, Vec<Finding>) = findings
        .into_iter()
        .partition(|f| f.check == Check::HeadersDeclared.name());
    if let Some(f) = header_findings.first() {
        let name = f
            .pointer
            .strip_prefix("header ")
            .unwrap_or(&f.pointer)
            .to_string();
        let got = event.header(&name).map(str::to_string);
        let message = match &got {
            None => format!("the event has no {name} header, which the callback requires"),
            Some(_) => format!(
                "the event's {name} header does not match the callback ({}): {}",
                f.keyword, f.message
            ),
        };
        let expected = got.is_none().then(|| name.clone());
        let actual = Some(got.unwrap_or_else(|| "(absent)".into()));
        return w.fail(message, expected, actual, header_findings);
    }
    // A body that cannot be read as declared leaves nothing for the checks below.
    let unreadable = body_findings
        .iter()
        .find_map(|f| match Check::by_name(&f.check) {
            Some(Check::ContentType) => Some(format!("the event's {}", f.message)),
            Some(Check::Json) => Some("the event body is not JSON".to_string()),
            Some(Check::BodyRequired) => Some("the event has no body".to_string()),
            _ => None,
        });
    if let Some(message) = unreadable {
        return w.fail(
            message,
            None,
            Some(
                String::from_utf8_lossy(&event.body)
                    .chars()
                    .take(200)
                    .collect(),
            ),
            body_findings,
        );
    }
    let body: Value = serde_json::from_slice(&event.body).unwrap_or(Value::Null);
    if event.header("x-bankly-event") != body["eventName"].as_str() {
        return w.fail(
            "the x-bankly-event header and the body's eventName differ",
            body["eventName"].as_str().map(str::to_string),
            event.header("x-bankly-event").map(str::to_string),
            Vec::new(),
        );
    }
    let public_key = w.bankly().public_key.clone();
    if event.header("x-bankly-public-key") != public_key.as_deref() {
        return w.fail(
            "the event does not carry the publicKey of its configuration in x-bankly-public-key",
            public_key,
            event.header("x-bankly-public-key").map(str::to_string),
            Vec::new(),
        );
    }
    let Some(first) = body_findings.first() else {
        return Ok(());
    };
    let message = format!(
        "the event body does not match the callback's schema: {}, first at {} ({}): {}",
        judge::count_findings(body_findings.len()),
        first.at(),
        first.label(),
        first.message
    );
    w.fail(message, None, None, body_findings)
}

/// `previousStatus` and `status` of the picked event; `none` stands for a first registration's null.
#[then(expr = "the event tells the move from {string} to {string}")]
async fn event_move(w: &mut CheckWorld, from: String, to: String) -> StepResult {
    let body = w.picked_event()?.json();
    let previous = match &body["data"]["previousStatus"] {
        Value::Null => "none".to_string(),
        v => v.as_str().unwrap_or("?").to_string(),
    };
    let status = body["data"]["status"].as_str().unwrap_or("?").to_string();
    if previous == from && status == to {
        return Ok(());
    }
    w.fail(
        format!("the event tells {previous} -> {status}, the move was {from} -> {to}"),
        Some(format!("{from} -> {to}")),
        Some(format!("{previous} -> {status}")),
        Vec::new(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::limits::Limits;

    #[test]
    fn signature_is_hex_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn only_targets_on_this_machine_can_reach_the_receiver() {
        for base in [
            "http://127.0.0.1:8080/bankly",
            "http://localhost:1/bankly",
            "http://[::1]:9/bankly",
            "http://finsandbox.test:4242/bankly",
        ] {
            assert!(receiver_reachable_from(base, &[]).is_ok(), "{base}");
        }
        let err = receiver_reachable_from("https://api.sandbox.bankly.example", &[]).unwrap_err();
        assert!(err.contains("api.sandbox.bankly.example"), "{err}");
        // A name pinned elsewhere is judged by where it leads.
        let remote = [(
            "finsandbox.test".to_string(),
            "192.0.2.7:8080".parse().unwrap(),
        )];
        assert!(receiver_reachable_from("http://finsandbox.test:8080/bankly", &remote).is_err());
    }

    #[test]
    fn registration_bodies_satisfy_the_spec_and_the_rules_beyond_it() {
        let specs =
            crate::spec::SpecSet::load(&Default::default(), &crate::sandbox::families::Registry)
                .unwrap();
        let (_, op) = specs.operation("registerCustomer").unwrap();
        let validator = &op.request_body.as_ref().unwrap().validator;
        let mut rng = rng_for(7, "test", "bodies");
        for _ in 0..50 {
            let cpf = br::gen_cpf(&mut rng);
            let body = registration_body(42, &cpf);
            assert!(validator.findings(&body).is_empty(), "{body}");
            let number = body["phone"]["number"].as_str().unwrap();
            assert!(br::is_valid_ddd(&number[..2]), "{number}");
            let cep = body["address"]["zipCode"].as_str().unwrap();
            assert_eq!(
                br::cep_uf(cep),
                body["address"]["state"].as_str(),
                "{cep} outside its UF"
            );
        }
    }

    #[test]
    fn differences_name_the_first_changed_pointer_and_skip_volatile_fields() {
        let a = json!({"status": "APPROVED", "phone": {"number": "1"}, "reference": "x"});
        let b = json!({"status": "APPROVED", "phone": {"number": "2"}, "reference": "y"});
        assert_eq!(
            first_difference(&a, &b),
            Some(("/phone/number".into(), "\"1\"".into(), "\"2\"".into()))
        );
        let c = json!({"status": "APPROVED", "phone": {"number": "1"}, "reference": "z"});
        assert_eq!(first_difference(&a, &c), None);
        let d = json!({"status": "APPROVED", "phone": {"number": "1"}, "extra": 1});
        assert_eq!(
            first_difference(&a, &d),
            Some(("/extra".into(), "(absent)".into(), "1".into()))
        );
    }

    #[test]
    fn fields_are_edited_along_dotted_paths() {
        let mut body = json!({"phone": {"number": "1"}, "motherName": "M"});
        edit_field(&mut body, "phone.number", Some(json!("00")));
        edit_field(&mut body, "motherName", None);
        edit_field(&mut body, "address.state", Some(json!("SP")));
        assert_eq!(
            body,
            json!({"phone": {"number": "00"}, "address": {"state": "SP"}})
        );
    }

    #[tokio::test]
    async fn the_receiver_keeps_deliveries_and_stops_when_dropped() {
        let receiver = Receiver::start(Limits::default()).await.unwrap();
        // reqwest is built without a crypto provider; any client needs one installed first.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let event = json!({"eventName": "CUSTOMER_WAS_APPROVED", "data": {"documentNumber": "52998224725"}});
        let r = client
            .post(&receiver.url)
            .body(event.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        // Another path on the same port is not this receiver's.
        let other = receiver.url.rsplit_once('/').unwrap().0.to_string() + "/other";
        client.post(&other).body("{}").send().await.unwrap();
        assert_eq!(receiver.deliveries().len(), 1);
        assert_eq!(
            about(&receiver, "52998224725", Some("CUSTOMER_WAS_APPROVED")).len(),
            1
        );
        assert!(
            about(&receiver, "52998224725", Some("CUSTOMER_WAS_REPROVED")).is_empty()
        );
        let addr = receiver
            .url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .to_string();
        drop(receiver);
        // The listener closes once the accept loop sees the stop signal.
        let mut closed = false;
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(&addr).await.is_err() {
                closed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(closed, "the receiver still accepts connections on {addr}");
    }

    #[tokio::test]
    async fn the_receiver_refuses_what_passes_the_byte_cap() {
        let limits = Limits {
            max_response_bytes: 1000,
            ..Limits::default()
        };
        let receiver = Receiver::start(limits).await.unwrap();
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let post = |body: Vec<u8>| client.post(&receiver.url).body(body).send();
        // Just under the cap: kept.
        assert_eq!(post(vec![b' '; 999]).await.unwrap().status(), 200);
        // Over the cap on its own: refused, and said why.
        let r = post(vec![b' '; 1001]).await.unwrap();
        assert_eq!(r.status(), 413);
        assert!(r.text().await.unwrap().contains("larger than 1000 bytes"));
        // Small, but past what the receiver keeps in all.
        assert_eq!(post(vec![b' '; 10]).await.unwrap().status(), 413);
        // Headers past the cap.
        let r = client
            .post(&receiver.url)
            .header("x-padding", "p".repeat(2000))
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 431);
        assert_eq!(receiver.deliveries().len(), 1);
        let refusals = receiver.refusals();
        assert_eq!(refusals.len(), 3, "{refusals:?}");
        assert!(refusals[1].contains("would pass the limit"), "{refusals:?}");
    }
}
