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

    /// Wall time plus the offset at full precision: for scheduling (retries a fraction of a second
    /// apart), never for timestamps clients see.
    pub fn precise_now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::seconds(self.offset_secs.load(Ordering::Relaxed))
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
    use chrono::{Datelike, Timelike};
    let year = t.year();
    if !(0..=9999).contains(&year) {
        // Outside four digits chrono's rendering (with a sign) stays the reference.
        return t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    }
    // Every response's `meta` carries one: writing the digits directly costs a fraction of
    // interpreting a strftime pattern each time (it showed in the throughput bench's profile).
    let mut out = *b"0000-00-00T00:00:00Z";
    let mut put = |at: usize, width: usize, mut n: u32| {
        for i in (at..at + width).rev() {
            out[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    put(0, 4, year as u32);
    put(5, 2, t.month());
    put(8, 2, t.day());
    put(11, 2, t.hour());
    put(14, 2, t.minute());
    put(17, 2, t.second());
    // Only ASCII digits and separators were written.
    std::str::from_utf8(&out).unwrap_or_default().to_owned()
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

    #[test]
    fn ofb_datetime_agrees_with_the_strftime_pattern() {
        for s in [
            "0001-01-01T00:00:00Z",
            "0999-12-31T23:59:59Z",
            "1970-01-01T00:00:00Z",
            "2024-02-29T12:30:45.999Z",
            "9999-12-31T23:59:59Z",
        ] {
            let t = DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
            assert_eq!(
                ofb_datetime(t),
                t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "{s}"
            );
        }
    }
}
