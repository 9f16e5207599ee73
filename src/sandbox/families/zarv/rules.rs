//! Zarv's verification lifecycle as data, from the `statuses` section of `fixtures/zarv.yaml`:
//! each status and the ones it may move to. The sandbox's statuses ([`VerificationStatus`]'s
//! `can_move_to` and `is_final`) and the harness's judgement of what a target shows
//! ([`Lifecycle::breach`]) read this one table, parsed once from the embedded fixture, so the two
//! faces cannot disagree about the path.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

use super::VerificationStatus;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusRule {
    pub next: Vec<VerificationStatus>,
}

/// The table, as the fixture writes it.
pub type StatusTable = HashMap<VerificationStatus, StatusRule>;

#[derive(Debug, Deserialize)]
struct FixtureFile {
    statuses: StatusTable,
}

/// The lifecycle: where a verification starts and where each status may go.
#[derive(Debug)]
pub struct Lifecycle {
    statuses: StatusTable,
    start: VerificationStatus,
}

const EMBEDDED: &str = include_str!("../../../../fixtures/zarv.yaml");

/// The lifecycle of the embedded fixture. Its tests prove it parses, so this never fails at run
/// time.
pub fn lifecycle() -> &'static Lifecycle {
    static RULES: LazyLock<Lifecycle> = LazyLock::new(|| {
        Lifecycle::parse(EMBEDDED).unwrap_or_else(|e| panic!("fixtures/zarv.yaml: {e}"))
    });
    &RULES
}

impl Lifecycle {
    pub fn parse(text: &str) -> Result<Lifecycle, String> {
        let file: FixtureFile = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
        Lifecycle::from_table(file.statuses)
    }

    /// Checks the table: every status listed, one start (the status nothing leads to), a final
    /// status reachable from every one, and no way back to a status already left.
    pub fn from_table(statuses: StatusTable) -> Result<Lifecycle, String> {
        for s in VerificationStatus::ALL {
            if !statuses.contains_key(&s) {
                return Err(format!("statuses lacks {}", s.as_str()));
            }
        }
        let starts: Vec<VerificationStatus> = VerificationStatus::ALL
            .into_iter()
            .filter(|s| !statuses.values().any(|r| r.next.contains(s)))
            .collect();
        let [start] = starts[..] else {
            return Err(format!(
                "statuses: exactly one status must have no way in (the one a verification starts at); found {}",
                starts.len()
            ));
        };
        let l = Lifecycle { statuses, start };
        for s in VerificationStatus::ALL {
            if l.reachable(s, s) {
                return Err(format!(
                    "statuses: {} can come back to itself; a verification never goes back",
                    s.as_str()
                ));
            }
            if !VerificationStatus::ALL
                .into_iter()
                .any(|f| l.is_final(f) && (f == s || l.reachable(s, f)))
            {
                return Err(format!("statuses: {} never ends", s.as_str()));
            }
        }
        Ok(l)
    }

    pub fn start(&self) -> VerificationStatus {
        self.start
    }

    pub fn next(&self, from: VerificationStatus) -> &[VerificationStatus] {
        self.statuses.get(&from).map_or(&[], |r| r.next.as_slice())
    }

    pub fn allows(&self, from: VerificationStatus, to: VerificationStatus) -> bool {
        self.next(from).contains(&to)
    }

    /// Nothing follows it.
    pub fn is_final(&self, s: VerificationStatus) -> bool {
        self.next(s).is_empty()
    }

    /// `to` can be reached from `from` in one move or more.
    fn reachable(&self, from: VerificationStatus, to: VerificationStatus) -> bool {
        let mut seen = Vec::new();
        let mut todo = self.next(from).to_vec();
        while let Some(s) = todo.pop() {
            if s == to {
                return true;
            }
            if !seen.contains(&s) {
                seen.push(s);
                todo.extend_from_slice(self.next(s));
            }
        }
        false
    }

    /// The path as a reader would write it: `CREATED -> PROCESSING -> COMPLETED | FAILED`.
    pub fn describe(&self) -> String {
        let mut steps = vec![self.start.as_str().to_string()];
        let mut at = vec![self.start];
        while !at.is_empty() {
            let mut next: Vec<VerificationStatus> = Vec::new();
            for s in &at {
                for n in self.next(*s) {
                    if !next.contains(n) {
                        next.push(*n);
                    }
                }
            }
            if !next.is_empty() {
                steps.push(
                    next.iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(" | "),
                );
            }
            at = next;
        }
        steps.join(" -> ")
    }

    /// Judges `(status, updatedAt)` pairs read one after another: each a known status, the same as
    /// the one before or one move on from it, and `updatedAt` never earlier. `Some` names the
    /// first break.
    pub fn breach(&self, seen: &[(String, String)]) -> Option<String> {
        let mut last: Option<(VerificationStatus, &str)> = None;
        for (text, updated) in seen {
            let Some(status) = VerificationStatus::parse(text) else {
                return Some(format!("{text} is not a status of the lifecycle"));
            };
            if let Some((before, updated_before)) = last {
                if status != before && !self.allows(before, status) {
                    let why = if self.is_final(before) {
                        "a final status changed"
                    } else if self.reachable(status, before) {
                        "the status went back"
                    } else {
                        "the status skipped a step"
                    };
                    return Some(format!(
                        "{why}: {} -> {text} (the lifecycle is {})",
                        before.as_str(),
                        self.describe()
                    ));
                }
                if updated.as_str() < updated_before {
                    return Some(format!(
                        "updatedAt went back from {updated_before} to {updated} ({} -> {text})",
                        before.as_str()
                    ));
                }
            }
            last = Some((status, updated));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use VerificationStatus::*;

    fn seen(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(s, u)| (s.to_string(), u.to_string()))
            .collect()
    }

    #[test]
    fn the_embedded_lifecycle_is_created_processing_then_an_end() {
        let l = lifecycle();
        assert_eq!(l.start(), Created);
        assert_eq!(l.next(Created), [Processing]);
        assert!(l.allows(Processing, Completed) && l.allows(Processing, Failed));
        assert!(!l.allows(Created, Completed) && !l.allows(Completed, Processing));
        assert!(l.is_final(Completed) && l.is_final(Failed) && !l.is_final(Created));
        assert_eq!(l.describe(), "CREATED -> PROCESSING -> COMPLETED | FAILED");
    }

    #[test]
    fn what_a_target_shows_is_judged_against_the_table() {
        let l = lifecycle();
        let ok = seen(&[
            ("CREATED", "2026-03-02T12:00:00Z"),
            ("CREATED", "2026-03-02T12:00:00Z"),
            ("PROCESSING", "2026-03-02T12:00:01Z"),
            ("FAILED", "2026-03-02T12:00:05Z"),
        ]);
        assert_eq!(l.breach(&ok), None);
        let back = seen(&[("PROCESSING", "a"), ("CREATED", "b")]);
        assert!(l.breach(&back).unwrap().contains("went back"));
        let changed = seen(&[("COMPLETED", "a"), ("FAILED", "a")]);
        assert!(l.breach(&changed).unwrap().contains("final status changed"));
        let skipped = seen(&[("CREATED", "a"), ("COMPLETED", "b")]);
        assert!(l.breach(&skipped).unwrap().contains("skipped"));
        let unknown = seen(&[("DONE", "a")]);
        assert!(l.breach(&unknown).unwrap().contains("DONE"));
        let earlier = seen(&[
            ("PROCESSING", "2026-03-02T12:00:05Z"),
            ("COMPLETED", "2026-03-02T12:00:01Z"),
        ]);
        assert!(l.breach(&earlier).unwrap().contains("updatedAt went back"));
    }

    #[test]
    fn broken_tables_are_refused() {
        let err = Lifecycle::parse("statuses: {CREATED: {next: [PROCESSING]}}").unwrap_err();
        assert!(err.contains("lacks"), "{err}");
        let cycle = "statuses: {CREATED: {next: [PROCESSING]}, PROCESSING: {next: [COMPLETED]}, \
                     COMPLETED: {next: [PROCESSING]}, FAILED: {next: []}}";
        let err = Lifecycle::parse(cycle).unwrap_err();
        assert!(err.contains("back") || err.contains("no way in"), "{err}");
        let two_starts = "statuses: {CREATED: {next: [COMPLETED]}, PROCESSING: {next: [FAILED]}, \
                          COMPLETED: {next: []}, FAILED: {next: []}}";
        assert!(
            Lifecycle::parse(two_starts)
                .unwrap_err()
                .contains("exactly one")
        );
        let unknown = "statuses: {CREATED: {next: [DONE]}}";
        assert!(Lifecycle::parse(unknown).is_err());
    }
}
