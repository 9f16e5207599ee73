//! Waivers: known failures a team has accepted for now, kept in a TOML file under review.
//!
//! Like the OIDF suite's expected-failures file, a waiver turns a FAILED scenario into WAIVED
//! (counted apart, never as passed) and carries a mandatory reason. Waivers rot, so the outcome
//! of [`Waivers::apply`] lists the ones that waived nothing (the scenario passes now, or no
//! longer exists) and the expired ones, for the CLI to warn about.
//!
//! ```toml
//! [[waiver]]
//! scenario = "Business identification of an alphanumeric CNPJ"   # exact name, or a regex
//! feature = "acme/*.feature"                              # optional: glob or substring
//! reason = "provider ticket OFB-123"                              # required
//! expires = 2026-12-31                                            # optional, last valid day
//! ```
//!
//! `scenario` matches a scenario whose name equals it, or which the regular expression matches
//! as a whole (it is anchored). `feature`, when given, must match the feature's path: as a glob
//! if it contains `*` or `?` (`*` stays within a directory, `**` crosses them), otherwise as a
//! substring of the path or the feature's name. A waiver applies through its `expires` day.

use super::model::{FeatureReport, RunReport, Status};
use chrono::NaiveDate;
use regex::Regex;
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum WaiverError {
    #[error("cannot read waivers file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("waivers file {origin} is not valid: {source}")]
    Toml {
        origin: String,
        #[source]
        source: toml::de::Error,
    },
    #[error("waiver #{entry} ({scenario:?}) in {origin} has no reason; every waiver must say why")]
    MissingReason {
        origin: String,
        entry: usize,
        scenario: String,
    },
    #[error("waiver #{entry} in {origin} has an empty `scenario`")]
    EmptyScenario { origin: String, entry: usize },
    #[error(
        "waiver #{entry} ({scenario:?}) in {origin}: `scenario` is not a valid regular expression \
         (escape special characters such as `(` with `\\\\` to match them literally): {source}"
    )]
    BadRegex {
        origin: String,
        entry: usize,
        scenario: String,
        #[source]
        source: regex::Error,
    },
    #[error(
        "waiver #{entry} ({scenario:?}) in {origin}: `expires` must be a date like 2026-12-31, got {value}"
    )]
    BadDate {
        origin: String,
        entry: usize,
        scenario: String,
        value: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverFile {
    #[serde(default)]
    waiver: Vec<RawWaiver>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    scenario: String,
    #[serde(default)]
    feature: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    /// A TOML date (`2026-12-31`) or a string holding one.
    #[serde(default)]
    expires: Option<toml::Value>,
}

/// One entry of the waivers file, validated.
#[derive(Debug, Clone)]
pub struct Waiver {
    /// Position in the file, from 1, to name the entry in messages.
    pub entry: usize,
    pub scenario: String,
    pub feature: Option<String>,
    pub reason: String,
    pub expires: Option<NaiveDate>,
    scenario_re: Regex,
    feature_glob: Option<Regex>,
}

impl Waiver {
    fn matches(&self, feature: &FeatureReport, scenario: &str) -> bool {
        let name_ok = scenario == self.scenario || self.scenario_re.is_match(scenario);
        let feature_ok = match (&self.feature, &self.feature_glob) {
            (None, _) => true,
            (Some(_), Some(glob)) => glob.is_match(&feature.path),
            (Some(sub), None) => {
                feature.path.contains(sub.as_str()) || feature.name.contains(sub.as_str())
            }
        };
        name_ok && feature_ok
    }

    fn expired(&self, today: NaiveDate) -> bool {
        self.expires.is_some_and(|d| d < today)
    }

    /// `#3 "Consent .*" (features/consents.feature)`, for messages.
    pub fn label(&self) -> String {
        match &self.feature {
            Some(f) => format!("#{} {:?} ({f})", self.entry, self.scenario),
            None => format!("#{} {:?}", self.entry, self.scenario),
        }
    }
}

/// The validated waivers of one file.
#[derive(Debug, Clone, Default)]
pub struct Waivers {
    pub waivers: Vec<Waiver>,
}

/// Why a waiver did not waive anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnusedReason {
    /// No scenario of the run matched it (renamed, removed, or not selected by tags).
    NoMatch,
    /// It matched scenarios that did not fail: the problem may be fixed and the waiver can go.
    NothingFailed { scenarios: Vec<String> },
    /// It expired; the failures it matches (if any) stay FAILED.
    Expired {
        on: NaiveDate,
        failures_left: Vec<String>,
    },
}

/// A waiver the CLI should warn about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnusedWaiver {
    pub entry: usize,
    pub label: String,
    pub reason: UnusedReason,
}

impl fmt::Display for UnusedWaiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            UnusedReason::NoMatch => write!(f, "waiver {} matched no scenario", self.label),
            UnusedReason::NothingFailed { scenarios } => write!(
                f,
                "waiver {} is unused: {} did not fail; remove it if the fix is confirmed",
                self.label,
                scenarios.join(", ")
            ),
            UnusedReason::Expired { on, failures_left } if failures_left.is_empty() => {
                write!(f, "waiver {} expired on {on}", self.label)
            }
            UnusedReason::Expired { on, failures_left } => write!(
                f,
                "waiver {} expired on {on}; still failing: {}",
                self.label,
                failures_left.join(", ")
            ),
        }
    }
}

/// What [`Waivers::apply`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyOutcome {
    /// Scenarios turned from FAILED into WAIVED.
    pub waived: usize,
    /// Waivers that waived nothing, in file order.
    pub unused: Vec<UnusedWaiver>,
}

impl Waivers {
    /// Reads and validates a waivers file.
    pub fn load(path: &Path) -> Result<Self, WaiverError> {
        let text = std::fs::read_to_string(path).map_err(|source| WaiverError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses waivers from TOML text; `origin` names the source in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, WaiverError> {
        let file: WaiverFile = toml::from_str(text).map_err(|source| WaiverError::Toml {
            origin: origin.to_owned(),
            source,
        })?;
        let waivers = file
            .waiver
            .into_iter()
            .enumerate()
            .map(|(i, raw)| validate(raw, i + 1, origin))
            .collect::<Result<_, _>>()?;
        Ok(Waivers { waivers })
    }

    /// Turns matching FAILED scenarios into WAIVED with the waiver's reason. The first waiver in
    /// file order that matches a failure wins. PASSED and SKIPPED scenarios are never changed:
    /// a waiver excuses a failure, it does not vouch for a scenario.
    pub fn apply(&self, report: &mut RunReport, today: NaiveDate) -> ApplyOutcome {
        let mut outcome = ApplyOutcome::default();
        for waiver in &self.waivers {
            let mut used = false;
            let mut not_failed = Vec::new();
            let mut failures_left = Vec::new();
            for feature in &mut report.features {
                let matching: Vec<usize> = (0..feature.scenarios.len())
                    .filter(|&i| waiver.matches(feature, &feature.scenarios[i].name))
                    .collect();
                for i in matching {
                    let scenario = &mut feature.scenarios[i];
                    match scenario.status {
                        Status::Failed if waiver.expired(today) => {
                            failures_left.push(scenario.name.clone());
                        }
                        Status::Failed => {
                            scenario.status = Status::Waived;
                            scenario.waiver = Some(waiver.reason.clone());
                            outcome.waived += 1;
                            used = true;
                        }
                        // Already waived by an earlier entry: this one is redundant, not stale.
                        Status::Waived => used = true,
                        Status::Passed | Status::Skipped => not_failed.push(scenario.name.clone()),
                    }
                }
            }
            let reason = if let (true, Some(on)) = (waiver.expired(today), waiver.expires) {
                Some(UnusedReason::Expired { on, failures_left })
            } else if used {
                None
            } else if not_failed.is_empty() {
                Some(UnusedReason::NoMatch)
            } else {
                Some(UnusedReason::NothingFailed {
                    scenarios: not_failed,
                })
            };
            if let Some(reason) = reason {
                outcome.unused.push(UnusedWaiver {
                    entry: waiver.entry,
                    label: waiver.label(),
                    reason,
                });
            }
        }
        outcome
    }
}

fn validate(raw: RawWaiver, entry: usize, origin: &str) -> Result<Waiver, WaiverError> {
    let scenario = raw.scenario.trim().to_owned();
    if scenario.is_empty() {
        return Err(WaiverError::EmptyScenario {
            origin: origin.to_owned(),
            entry,
        });
    }
    let reason = raw
        .reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .ok_or_else(|| WaiverError::MissingReason {
            origin: origin.to_owned(),
            entry,
            scenario: scenario.clone(),
        })?;
    let scenario_re =
        Regex::new(&format!("^(?:{scenario})$")).map_err(|source| WaiverError::BadRegex {
            origin: origin.to_owned(),
            entry,
            scenario: scenario.clone(),
            source,
        })?;
    let expires = match raw.expires {
        None => None,
        Some(value) => {
            let text = match &value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => d.to_string(),
                other => other.to_string(),
            };
            let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
                WaiverError::BadDate {
                    origin: origin.to_owned(),
                    entry,
                    scenario: scenario.clone(),
                    value: text.clone(),
                }
            })?;
            Some(date)
        }
    };
    let feature = raw
        .feature
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty());
    let feature_glob = feature
        .as_deref()
        .filter(|f| f.contains(['*', '?']))
        .map(glob_to_regex);
    Ok(Waiver {
        entry,
        scenario,
        feature,
        reason,
        expires,
        scenario_re,
        feature_glob,
    })
}

/// `*` = any characters but `/`, `**` = any characters, `?` = one character but `/`. A glob
/// without a leading `/` or `**` may match at any directory depth (`acme/*.feature`
/// matches `features/acme/paging.feature`).
fn glob_to_regex(glob: &str) -> Regex {
    let mut re = String::from("(?:^|/)");
    let mut chars = glob.trim_start_matches('/').chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                // `**/` also matches no directory at all.
                if chars.peek() == Some(&'/') {
                    chars.next();
                    re.push_str("(?:.*/)?");
                } else {
                    re.push_str(".*");
                }
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    // Every character but the wildcards is escaped, so the pattern is always valid.
    Regex::new(&re).expect("escaped glob is a valid regex")
}

#[cfg(test)]
mod tests {
    use super::super::testdata::*;
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    /// The sample with its waived scenario back to FAILED, as the harness would produce it.
    fn unwaived_report() -> RunReport {
        let mut report = sample_report();
        let s = &mut report.features[1].scenarios[1];
        s.status = Status::Failed;
        s.waiver = None;
        report
    }

    #[test]
    fn matching_failure_becomes_waived_with_the_reason() {
        let w = Waivers::parse(
            r#"
            [[waiver]]
            scenario = "Business identification of an alphanumeric CNPJ"
            reason = "provider ticket OFB-123"
            "#,
            "waivers.toml",
        )
        .unwrap();
        let mut report = unwaived_report();
        let out = w.apply(&mut report, today());
        assert_eq!(out.waived, 1);
        assert!(out.unused.is_empty());
        let s = &report.features[1].scenarios[1];
        assert_eq!(s.status, Status::Waived);
        assert_eq!(s.waiver.as_deref(), Some("provider ticket OFB-123"));
        assert_eq!(report.counts().waived, 1);
    }

    #[test]
    fn regex_and_feature_glob_narrow_the_match() {
        let w = Waivers::parse(
            r#"
            [[waiver]]
            scenario = "(Birth date|Business) .*"
            feature = "acme/*.feature"
            reason = "known"
            [[waiver]]
            scenario = "Birth date is a real date"
            feature = "kyc/**"
            reason = "other family"
            "#,
            "w.toml",
        )
        .unwrap();
        let mut report = unwaived_report();
        let out = w.apply(&mut report, today());
        assert_eq!(out.waived, 2);
        assert_eq!(out.unused.len(), 1);
        assert_eq!(out.unused[0].entry, 2);
        assert_eq!(out.unused[0].reason, UnusedReason::NoMatch);
    }

    #[test]
    fn feature_substring_matches_path_or_name() {
        let w = Waivers::parse(
            "[[waiver]]\nscenario = \"Birth date is a real date\"\nfeature = \"Personal identifications\"\nreason = \"r\"\n",
            "w.toml",
        )
        .unwrap();
        let mut report = unwaived_report();
        assert_eq!(w.apply(&mut report, today()).waived, 1);
    }

    #[test]
    fn passing_scenario_stays_passed_and_the_waiver_is_reported_unused() {
        let w = Waivers::parse(
            "[[waiver]]\nscenario = \"Identification conforms to the schema\"\nreason = \"flaky upstream\"\n",
            "w.toml",
        )
        .unwrap();
        let mut report = unwaived_report();
        let out = w.apply(&mut report, today());
        assert_eq!(out.waived, 0);
        assert_eq!(report.features[0].scenarios[0].status, Status::Passed);
        assert_eq!(
            out.unused[0].reason,
            UnusedReason::NothingFailed {
                scenarios: vec!["Identification conforms to the schema".into()]
            }
        );
        assert!(out.unused[0].to_string().contains("did not fail"));
    }

    #[test]
    fn expired_waiver_does_not_apply_and_is_reported() {
        let w = Waivers::parse(
            "[[waiver]]\nscenario = \"Birth date is a real date\"\nreason = \"r\"\nexpires = 2026-11-21\n",
            "w.toml",
        )
        .unwrap();
        let mut report = unwaived_report();
        let out = w.apply(&mut report, today());
        assert_eq!(out.waived, 0);
        assert_eq!(report.features[0].scenarios[1].status, Status::Failed);
        let expected = UnusedReason::Expired {
            on: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
            failures_left: vec!["Birth date is a real date".into()],
        };
        assert_eq!(out.unused[0].reason, expected);
        assert!(out.unused[0].to_string().contains("expired on 2026-11-21"));
    }

    #[test]
    fn waiver_is_valid_through_its_expiry_day() {
        let w = Waivers::parse(
            "[[waiver]]\nscenario = \"Birth date is a real date\"\nreason = \"r\"\nexpires = \"2026-11-22\"\n",
            "w.toml",
        )
        .unwrap();
        let mut report = unwaived_report();
        assert_eq!(w.apply(&mut report, today()).waived, 1);
    }

    #[test]
    fn missing_reason_is_an_error_naming_the_entry() {
        let err = Waivers::parse(
            "[[waiver]]\nscenario = \"a\"\nreason = \"ok\"\n[[waiver]]\nscenario = \"Paging\"\nreason = \"  \"\n",
            "waivers.toml",
        )
        .unwrap_err();
        assert!(matches!(err, WaiverError::MissingReason { entry: 2, .. }));
        assert_eq!(
            err.to_string(),
            "waiver #2 (\"Paging\") in waivers.toml has no reason; every waiver must say why"
        );
    }

    #[test]
    fn bad_regex_is_an_error_naming_the_entry() {
        let err = Waivers::parse(
            "[[waiver]]\nscenario = \"Consent [revoked\"\nreason = \"r\"\n",
            "w.toml",
        )
        .unwrap_err();
        assert!(matches!(err, WaiverError::BadRegex { entry: 1, .. }));
        assert!(err.to_string().contains("\"Consent [revoked\""));
    }

    #[test]
    fn bad_date_and_unknown_fields_are_rejected() {
        let err = Waivers::parse(
            "[[waiver]]\nscenario = \"a\"\nreason = \"r\"\nexpires = \"31/12/2026\"\n",
            "w.toml",
        )
        .unwrap_err();
        assert!(
            matches!(err, WaiverError::BadDate { entry: 1, .. }),
            "{err}"
        );
        let err = Waivers::parse("[[waiver]]\nscenario = \"a\"\nreson = \"typo\"\n", "w.toml")
            .unwrap_err();
        assert!(matches!(err, WaiverError::Toml { .. }));
        assert!(err.to_string().contains("reson"), "{err}");
    }

    #[test]
    fn empty_file_has_no_waivers() {
        assert!(Waivers::parse("", "w.toml").unwrap().waivers.is_empty());
    }

    #[test]
    fn globs_respect_directories() {
        let g = glob_to_regex("acme/*.feature");
        assert!(g.is_match("features/acme/paging.feature"));
        assert!(!g.is_match("features/acme/sub/paging.feature"));
        let g = glob_to_regex("features/**/paging.feature");
        assert!(g.is_match("features/paging.feature"));
        assert!(g.is_match("features/a/b/paging.feature"));
        assert!(glob_to_regex("pag?ng.feature").is_match("x/paging.feature"));
    }
}
