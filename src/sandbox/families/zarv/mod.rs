//! Zarv ID (`/zarv/...`, spec `specs/zarv/zarv-id.yaml`, data `fixtures/zarv.yaml`): identity and
//! risk verifications of a CPF or CNPJ, with login, batches with callbacks, a PDF report, feedback and
//! a per-workspace restrictive list.
//!
//! Modules: [`fixtures`] the data file; [`rules`] the lifecycle both faces read; [`jwt`] the
//! tokens; [`result`] what a verification finds; [`state`] what the family remembers; [`api`] the operations; [`error`] the error body;
//! [`report`] the PDF; [`control`] our `/sandbox/zarv` routes; `steps` the harness's side.
//!
//! # Behaviour
//!
//! **Statuses.** A verification is `CREATED` when asked for, `PROCESSING` `processingAfterSeconds`
//! later (1 s of sandbox clock by default) and `COMPLETED` or `FAILED` `finishedAfterSeconds` after
//! that (4 s). It never goes back. `verification.updatedAt` is the last change,
//! `result.execution.startedAt` the move to PROCESSING and `endedAt` the final one. Only magic
//! documents with `fails` end FAILED; every other document completes.
//!
//! **HTTP codes.** 200 reads, 201 a created verification, blacklist entry or feedback, 202 a batch,
//! 204 a removed blacklist entry. 400 for a malformed or invalid request (national id without check
//! digits, unknown type, an id that is not a UUID, `page` below 1, a feedback naming another
//! verification, a callback URL that is not http(s)); 401 for a wrong e-mail or password and for a
//! missing, malformed, tampered, expired or wrong-use token, or a refresh token already spent; 402
//! when the workspace's balance does not cover the price (nothing is created or charged: 402 says
//! "pay and retry the same request", apart from 400's "fix the request" and 403's "you may not");
//! 403 for a `workspaceId` other than the token's; 404 for an unknown verification — or another
//! workspace's, which must not be told apart — and for a national id not on the list; 409 for a
//! national id already on the list and for the PDF of a verification not yet finished; 406, 413 and
//! 415 from the pipeline; 500 if a report cannot be produced. Every error has the one body
//! `{error, message, details?}`.
//!
//! **Costs.** `full` 3.00, `light` 1.00, plus 5.00 for the Serasa bureau block
//! (`verifications.serasa.active`), charged to the token's workspace when the verification is
//! created and given back if it ends FAILED (the workspace paid for a result it did not get). The
//! fixture workspace "Aurora Crédito" starts with 10,000.00; "Boreal Pagamentos" with nothing.
//!
//! **Results.** Computed by [`result::compute`] from the persona of the national id (the same name,
//! birth date, addresses and phones the Open Finance face gives that document) and what the
//! verification found: a magic document's entry, or for any other document a deterministic draw.
//! The blacklist is read when the verification is created: new verifications of a listed id show
//! it, older ones never change.
//!
//! **Blacklist.** One list per workspace; `workspaceId` of the query must be the token's (403).
//! Types go in lower case and come out upper case. Adding a listed id again is 409; removing an id
//! not listed is 404, a listed one 204. The magic document with `blacklist` is on every workspace's
//! list at start and after a reset, added by the workspace's first user.
//!
//! **Batch.** One verification per id of the list, all with the same options; each item is
//! validated and charged on its own, in list order, so when credit runs out the later items fail
//! with `There is not enough balance: insufficient balance`. Invalid ids fail with `invalid national
//! id`. `items` is keyed by the id as sent: a duplicate keeps only its last attempt, so
//! `success + errors == total` while `items` may be shorter. `faceRecognition` and `cnh` are ignored.
//!
//! **Callbacks.** A request with `callback {url, method POST|PUT, headers}` (batch or single) gets
//! each verification's final state delivered once, as `{id, status, metadata}` (`metadata` as sent,
//! `{}` without), with the given headers and `Content-Type: application/json`. A 2xx answer ends the
//! delivery; anything else, or no answer within `timeoutSeconds` (10 s), is retried 1, 5, 15, 30 and
//! 60 minutes of sandbox clock after the previous attempt (six attempts in all), after which the
//! delivery is marked failed. Every attempt is listed by `GET /sandbox/zarv/deliveries`.
//!
//! **Tokens.** HS256 JWTs ([`jwt`]): access tokens for 300 s, refresh tokens for 3600 s, both on
//! the sandbox clock. A refresh token is spent when used (the state keeps its `jti`).
//!
//! **Feedback and PDF.** A feedback's `verificationId` must equal the path's; a later feedback
//! replaces the earlier one. The PDF report exists once the verification is COMPLETED or FAILED.

pub mod api;
pub mod control;
pub mod error;
pub mod fixtures;
pub mod jwt;
pub mod report;
pub mod result;
pub mod rules;
pub mod state;

/// The family's harness steps and its part of the World (its folder under `src/harness/steps/`).
#[path = "../../../harness/steps/zarv/mod.rs"]
pub mod steps;

#[cfg(test)]
mod spec_tests;

use std::any::Any;
use std::sync::{Arc, RwLock};
use std::time::Duration as StdDuration;

use bytes::Bytes;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use serde_json::json;

use crate::sandbox::App;
use crate::sandbox::callbacks::Delivery;
use crate::sandbox::family::{
    self, BodyPolicy, Call, ErrorContext, Family, Handler, Init, Plugin, Problem, Reply,
};
use crate::sandbox::http::{HttpResponse, Req};
use crate::spec::{ApiSpec, Operation};

/// The registry name of the family.
pub const NAME: &str = "zarv";

/// How the Zarv family behaves (`finsandbox serve --zarv-*`); what is not given comes from
/// `fixtures/zarv.yaml`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ZarvConfig {
    /// Zarv ID: sandbox-clock seconds from CREATED to PROCESSING [default: the fixtures', 1]
    #[arg(long = "zarv-processing-delay", value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub processing_delay_seconds: Option<u64>,
    /// Zarv ID: sandbox-clock seconds from PROCESSING to COMPLETED or FAILED [default: the fixtures', 4]
    #[arg(long = "zarv-finish-delay", value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub finish_delay_seconds: Option<u64>,
    /// Zarv ID: sandbox-clock minutes between callback attempts, comma-separated [default: the
    /// fixtures', 1,5,15,30,60]
    #[arg(long = "zarv-callback-retries", value_name = "MINUTES", value_delimiter = ',',
          value_parser = clap::value_parser!(u64).range(1..=1440))]
    pub callback_retry_minutes: Option<Vec<u64>>,
}

pub struct ZarvPlugin;

pub static PLUGIN: ZarvPlugin = ZarvPlugin;

impl Plugin for ZarvPlugin {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Zarv ID verifications, with batch callbacks, PDF reports and a per-workspace blacklist"
    }

    fn mount(&self) -> &'static str {
        "/zarv"
    }

    fn recognise(&self, base_path: &str) -> Option<String> {
        // Only our own mount: the vendor's official document (served at its root) stays a
        // generic document, mocked from its schemas.
        (base_path == "/zarv" || base_path.starts_with("/zarv/")).then(|| "zarv-id".into())
    }

    fn serve_args(&self, cmd: clap::Command) -> clap::Command {
        family::args::augment::<ZarvConfig>(cmd)
    }

    fn read_serve_args(
        &self,
        matches: &clap::ArgMatches,
        options: &mut family::FamilyOptions,
    ) -> Result<(), clap::Error> {
        family::args::read::<ZarvConfig>(matches, options)
    }

    fn build(&self, init: &Init<'_>) -> anyhow::Result<Arc<dyn Family>> {
        Ok(Arc::new(Zarv::new(init)?))
    }

    fn scenario_values(&self, scenario: &family::ScenarioSeed<'_>) -> Vec<(String, String)> {
        steps::scenario_values(scenario)
    }

    fn request_headers(&self) -> Vec<(String, String)> {
        steps::request_headers()
    }

    fn check_target_section(&self, section: &toml::Value) -> Result<(), String> {
        steps::target::check(section)
    }
}

/// Who a valid access token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: String,
    pub workspace_id: String,
}

/// The running family.
pub struct Zarv {
    pub fixtures: fixtures::ZarvFixtures,
    pub keys: jwt::Keys,
    /// The fixtures' delays, or the command line's.
    pub lifecycle: fixtures::Lifecycle,
    pub retries: Vec<StdDuration>,
    pub state: RwLock<state::State>,
}

impl Zarv {
    pub fn new(init: &Init<'_>) -> anyhow::Result<Zarv> {
        let (source, text) = init.fixture("zarv.yaml", fixtures::EMBEDDED)?;
        let fixtures = fixtures::ZarvFixtures::parse(&source, &text)?;
        let c: ZarvConfig = init.config.families.get();
        let lifecycle = fixtures::Lifecycle {
            processing_after_seconds: c
                .processing_delay_seconds
                .unwrap_or(fixtures.lifecycle.processing_after_seconds),
            finished_after_seconds: c
                .finish_delay_seconds
                .unwrap_or(fixtures.lifecycle.finished_after_seconds),
        };
        let retries = c
            .callback_retry_minutes
            .clone()
            .unwrap_or_else(|| fixtures.callbacks.retry_after_minutes.clone())
            .into_iter()
            .map(|m| StdDuration::from_secs(m * 60))
            .collect();
        let keys = jwt::Keys::from_seed(init.seed)?;
        let state = state::State::initial(&fixtures, Utc::now().trunc_subsecs(0));
        Ok(Zarv {
            fixtures,
            keys,
            lifecycle,
            retries,
            state: RwLock::new(state),
        })
    }

    /// The fixture user a token's claims name, if the workspace agrees.
    pub fn user_of(&self, claims: &jwt::Claims) -> Option<&fixtures::User> {
        self.fixtures
            .users
            .iter()
            .find(|u| u.user_id == claims.sub)
            .filter(|u| u.workspace_id.eq_ignore_ascii_case(&claims.workspace_id))
    }

    /// Applies what came due (refunds, callbacks) up to the sandbox's now.
    pub fn settle(&self, app: &App) {
        let now = app.clock.now();
        let due = self
            .state
            .read()
            .map(|s| s.next_due().is_some_and(|at| at <= now))
            .unwrap_or(false);
        if !due {
            return;
        }
        if let Ok(mut state) = self.state.write() {
            self.settle_locked(app, &mut state, now);
        }
    }

    /// [`Self::settle`] with the lock already held; callbacks are queued in the order the
    /// verifications finished.
    pub fn settle_locked(&self, app: &App, state: &mut state::State, now: DateTime<Utc>) {
        for done in state.settle(now) {
            let v = &done.verification;
            let Some(cb) = &v.callback else {
                continue;
            };
            let payload =
                json!({"id": v.id, "status": done.status.as_str(), "metadata": v.metadata});
            let mut labels = serde_json::Map::new();
            labels.insert("verificationId".into(), json!(v.id));
            labels.insert("nationalId".into(), json!(v.national_id));
            labels.insert("workspaceId".into(), json!(v.workspace_id));
            labels.insert("status".into(), json!(done.status.as_str()));
            app.callbacks.enqueue(
                &app.clock,
                Delivery {
                    id: uuid::Uuid::new_v4().to_string(),
                    family: NAME,
                    url: cb.url.clone(),
                    method: cb.method.clone(),
                    headers: cb.headers.clone(),
                    body: Bytes::from(serde_json::to_vec(&payload).unwrap_or_default()),
                    signer: None,
                    retries: self.retries.clone(),
                    timeout: StdDuration::from_secs(self.fixtures.callbacks.timeout_seconds),
                    labels,
                },
            );
        }
    }
}

type Op = fn(&Zarv, &Call<'_>) -> Reply;

const OPERATIONS: &[(&str, Op)] = &[
    ("zarvLogin", api::login),
    ("zarvRefreshToken", api::refresh),
    ("listVerifications", api::list_verifications),
    ("createVerification", api::create_verification),
    ("createVerificationBatch", api::create_batch),
    ("getVerification", api::get_verification),
    ("getVerificationPdf", api::get_pdf),
    ("createVerificationFeedback", api::create_feedback),
    ("listBlacklist", api::list_blacklist),
    ("addToBlacklist", api::add_to_blacklist),
    ("removeFromBlacklist", api::remove_from_blacklist),
];

/// The operations that take credentials in their body instead of a bearer token.
fn is_authentication(op: &Operation) -> bool {
    matches!(op.id.as_str(), "zarvLogin" | "zarvRefreshToken")
}

impl Family for Zarv {
    fn name(&self) -> &'static str {
        NAME
    }

    fn handlers(self: Arc<Self>, _spec: &ApiSpec) -> Vec<(&'static str, Handler)> {
        family::table(&self, OPERATIONS)
    }

    fn render(&self, ctx: &ErrorContext<'_>, problem: &Problem) -> HttpResponse {
        error::render(ctx, problem)
    }

    fn authenticate(&self, call: &Call<'_>) -> Result<Option<Box<dyn Any + Send + Sync>>, Problem> {
        if is_authentication(call.op) {
            return Ok(None);
        }
        let Some(header) = call.req.header(hyper::header::AUTHORIZATION) else {
            return Err(error::unauthorized(
                "the Authorization header is missing: send Bearer and the accessToken of POST /api/v1/authentication",
            ));
        };
        let token = match header.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => {
                return Err(error::unauthorized(
                    "the Authorization header must be Bearer followed by an access token",
                ));
            }
        };
        let claims = self
            .keys
            .verify_access(token, call.app.clock.now())
            .map_err(|e| error::unauthorized(format!("the access token is refused: {e}")))?;
        if self.user_of(&claims).is_none() {
            return Err(error::unauthorized(
                "the access token names a user this sandbox does not know",
            ));
        }
        Ok(Some(Box::new(Principal {
            user_id: claims.sub,
            workspace_id: claims.workspace_id,
        })))
    }

    fn body_policy(&self, _op: &Operation) -> BodyPolicy {
        BodyPolicy::Validate
    }

    fn own_headers(&self) -> &'static [&'static str] {
        &["authorization"]
    }

    fn control(&self, app: &App, req: &Req, rest: &[&str]) -> Option<HttpResponse> {
        control::handle(self, app, req, rest)
    }

    fn control_index(&self) -> Vec<String> {
        control::INDEX.iter().map(|s| s.to_string()).collect()
    }

    fn reset(&self) {
        if let Ok(mut s) = self.state.write() {
            *s = state::State::initial(&self.fixtures, Utc::now().trunc_subsecs(0));
        }
    }

    fn tick(&self, app: &App, _now: DateTime<Utc>) {
        self.settle(app);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Where a verification is in its life; the moves between statuses are [`rules::lifecycle`]'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum VerificationStatus {
    Created,
    Processing,
    Completed,
    Failed,
}

impl VerificationStatus {
    pub const ALL: [VerificationStatus; 4] = [
        VerificationStatus::Created,
        VerificationStatus::Processing,
        VerificationStatus::Completed,
        VerificationStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VerificationStatus::Created => "CREATED",
            VerificationStatus::Processing => "PROCESSING",
            VerificationStatus::Completed => "COMPLETED",
            VerificationStatus::Failed => "FAILED",
        }
    }

    pub fn parse(s: &str) -> Option<VerificationStatus> {
        match s {
            "CREATED" => Some(VerificationStatus::Created),
            "PROCESSING" => Some(VerificationStatus::Processing),
            "COMPLETED" => Some(VerificationStatus::Completed),
            "FAILED" => Some(VerificationStatus::Failed),
            _ => None,
        }
    }

    /// Nothing follows it (COMPLETED and FAILED, by the fixture's table).
    pub fn is_final(self) -> bool {
        rules::lifecycle().is_final(self)
    }

    /// The fixture's table allows `self -> next` (CREATED -> PROCESSING -> COMPLETED | FAILED).
    pub fn can_move_to(self, next: VerificationStatus) -> bool {
        rules::lifecycle().allows(self, next)
    }
}

/// How much of the dossier a verification returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerificationType {
    Full,
    Light,
}

impl VerificationType {
    pub fn as_str(self) -> &'static str {
        match self {
            VerificationType::Full => "full",
            VerificationType::Light => "light",
        }
    }

    /// The request's value, lower case as the vendor writes it.
    pub fn parse(s: &str) -> Option<VerificationType> {
        match s {
            "full" => Some(VerificationType::Full),
            "light" => Some(VerificationType::Light),
            _ => None,
        }
    }
}

/// The instants a verification changes status, fixed when it is created: reading its status is
/// then a comparison with the clock, and no background task is needed to move it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeline {
    pub created_at: DateTime<Utc>,
    pub processing_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
}

impl Timeline {
    pub fn new(created_at: DateTime<Utc>, lifecycle: &fixtures::Lifecycle) -> Timeline {
        // The fixture parser caps both delays at a day, so the conversions cannot overflow.
        let secs = |s: u64| Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX / 1000));
        let processing_at = created_at + secs(lifecycle.processing_after_seconds);
        Timeline {
            created_at,
            processing_at,
            finished_at: processing_at + secs(lifecycle.finished_after_seconds),
        }
    }

    /// The status at `now`, `outcome` being COMPLETED or FAILED.
    pub fn status_at(&self, now: DateTime<Utc>, outcome: VerificationStatus) -> VerificationStatus {
        if now >= self.finished_at {
            outcome
        } else if now >= self.processing_at {
            VerificationStatus::Processing
        } else {
            VerificationStatus::Created
        }
    }

    /// When the status seen at `now` began (the body's `updatedAt`).
    pub fn updated_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        if now >= self.finished_at {
            self.finished_at
        } else if now >= self.processing_at {
            self.processing_at
        } else {
            self.created_at
        }
    }
}

/// `2026-03-02T12:00:00Z`: the one date-time shape the family writes.
pub fn datetime(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0)
            .single()
            .expect("valid time")
    }

    #[test]
    fn statuses_only_move_forward_along_one_path() {
        use VerificationStatus::*;
        let all = [Created, Processing, Completed, Failed];
        let allowed: Vec<_> = all
            .iter()
            .flat_map(|a| all.iter().map(move |b| (*a, *b)))
            .filter(|(a, b)| a.can_move_to(*b))
            .collect();
        assert_eq!(
            allowed,
            [
                (Created, Processing),
                (Processing, Completed),
                (Processing, Failed)
            ]
        );
        assert!(Completed.is_final() && Failed.is_final());
        assert!(!Created.is_final() && !Processing.is_final());
        for s in all {
            assert_eq!(VerificationStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(VerificationStatus::parse("completed"), None);
    }

    #[test]
    fn the_timeline_follows_the_fixture_delays_and_never_goes_back() {
        let lifecycle = fixtures::Lifecycle {
            processing_after_seconds: 1,
            finished_after_seconds: 4,
        };
        let t = Timeline::new(t0(), &lifecycle);
        assert_eq!(t.processing_at, t0() + Duration::seconds(1));
        assert_eq!(t.finished_at, t0() + Duration::seconds(5));
        let mut last = VerificationStatus::Created;
        let mut last_update = t0();
        for s in 0..10 {
            let now = t0() + Duration::seconds(s);
            let status = t.status_at(now, VerificationStatus::Failed);
            assert!(
                status == last || last.can_move_to(status),
                "{last:?} -> {status:?}"
            );
            assert!(t.updated_at(now) >= last_update && t.updated_at(now) <= now);
            last = status;
            last_update = t.updated_at(now);
        }
        assert_eq!(last, VerificationStatus::Failed);
        assert_eq!(
            t.status_at(t0(), VerificationStatus::Completed),
            VerificationStatus::Created
        );
    }

    #[test]
    fn zero_delays_finish_at_once() {
        let lifecycle = fixtures::Lifecycle {
            processing_after_seconds: 0,
            finished_after_seconds: 0,
        };
        let t = Timeline::new(t0(), &lifecycle);
        assert_eq!(
            t.status_at(t0(), VerificationStatus::Completed),
            VerificationStatus::Completed
        );
    }

    #[test]
    fn types_are_lower_case() {
        assert_eq!(
            VerificationType::parse("full"),
            Some(VerificationType::Full)
        );
        assert_eq!(
            VerificationType::parse("light"),
            Some(VerificationType::Light)
        );
        assert_eq!(VerificationType::parse("FULL"), None);
        assert_eq!(VerificationType::Light.as_str(), "light");
    }
}
