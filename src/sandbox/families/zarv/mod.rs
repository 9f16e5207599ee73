//! Zarv ID (`/zarv/...`, spec `specs/zarv/zarv-id.yaml`, data `fixtures/zarv.yaml`): identity and
//! risk verifications of a CPF or CNPJ, with login, batches with callbacks, a PDF report, feedback and
//! a per-workspace restrictive list.
//!
//! This module holds what does not depend on the request pipeline of the families contract: the
//! fixtures ([`fixtures`]), the tokens ([`jwt`]), the lifecycle ([`Timeline`]) and the result of a
//! verification ([`result`]). The handlers, the state and the control routes bind to it once the
//! contract lands.
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

pub mod fixtures;
pub mod jwt;
pub mod result;

#[cfg(test)]
mod spec_tests;

use chrono::{DateTime, Duration, Utc};

/// Where a verification is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerificationStatus {
    Created,
    Processing,
    Completed,
    Failed,
}

impl VerificationStatus {
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

    /// COMPLETED and FAILED: nothing follows them.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            VerificationStatus::Completed | VerificationStatus::Failed
        )
    }

    /// The one path a verification takes: CREATED -> PROCESSING -> COMPLETED | FAILED.
    pub fn can_move_to(self, next: VerificationStatus) -> bool {
        use VerificationStatus::*;
        matches!(
            (self, next),
            (Created, Processing) | (Processing, Completed) | (Processing, Failed)
        )
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
