//! The one clock every expiry in the sandbox reads: consents, tokens, authorisation codes, KYC delays.
//! `POST /sandbox/clock` moves it forward so a test can reach "expired" without waiting.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, SubsecRound, Utc};

#[derive(Debug, Default)]
pub struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    /// Wall time plus the offset, truncated to whole seconds: every timestamp the APIs carry is
    /// second-precision (`YYYY-MM-DDTHH:MM:SSZ`), and comparisons must agree with what clients see.
    pub fn now(&self) -> DateTime<Utc> {
        let offset = self.offset_secs.load(Ordering::Relaxed);
        (Utc::now() + Duration::seconds(offset)).trunc_subsecs(0)
    }

    pub fn advance(&self, seconds: i64) {
        self.offset_secs.fetch_add(seconds, Ordering::Relaxed);
    }

    pub fn offset_seconds(&self) -> i64 {
        self.offset_secs.load(Ordering::Relaxed)
    }

    pub fn reset(&self) {
        self.offset_secs.store(0, Ordering::Relaxed);
    }
}

/// `2026-11-24T10:00:00Z`: the only date-time shape the Open Finance patterns and maxLength 20 allow.
pub fn ofb_datetime(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_now_forward() {
        let clock = Clock::default();
        let before = clock.now();
        clock.advance(3600);
        let after = clock.now();
        assert!((after - before).num_seconds() >= 3600);
        clock.reset();
        assert_eq!(clock.offset_seconds(), 0);
    }

    #[test]
    fn ofb_datetime_has_the_official_shape() {
        let t = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.678Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(ofb_datetime(t), "2026-01-02T03:04:05Z");
    }
}
