//! The `pattern` keyword on both sides: a matcher (the same ECMA-262 reading the validator uses) to
//! check every generated string, and a generator for strings no Brazilian generator covers.
//!
//! Patterns are compiled once per distinct text into a process-wide cache; the sandbox warms it for
//! every schema at start-up (`warm`), so no request ever compiles a regex.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use rand::Rng;
use rand::distr::Distribution;
use regex_syntax::hir::{Hir, HirKind};
use serde_json::Value;

/// A compiled pattern.
pub struct Pattern {
    matcher: Option<fancy_regex::Regex>,
    generator: Option<rand_regex::Regex>,
}

impl Pattern {
    fn compile(pattern: &str) -> Pattern {
        let translated = jsonschema_regex::to_rust_regex(pattern)
            .map(|c| c.into_owned())
            .unwrap_or_else(|_| pattern.to_string());
        let matcher = fancy_regex::Regex::new(&translated).ok();
        let generator = regex_syntax::ParserBuilder::new()
            .build()
            .parse(&translated)
            .ok()
            .map(strip_looks)
            // Repetitions without an upper bound (`[0-9]*`) get at most 12 more items: realistic
            // lengths, and maxLength is checked afterwards anyway.
            .and_then(|hir| rand_regex::Regex::with_hir(hir, 12).ok());
        Pattern { matcher, generator }
    }

    /// Whether `s` satisfies the pattern (ECMA "search" semantics, like the validator). A pattern
    /// that cannot be compiled accepts everything: it cannot be honoured, so it must not block.
    pub fn is_match(&self, s: &str) -> bool {
        match &self.matcher {
            Some(m) => m.is_match(s).unwrap_or(false),
            None => true,
        }
    }

    /// A random string built from the pattern's structure. It may still miss the pattern when the
    /// pattern relied on look-arounds (dropped for generation); callers check with [`Self::is_match`].
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<String> {
        let generator = self.generator.as_ref()?;
        let s: String = generator.sample(rng);
        Some(s)
    }
}

/// Anchors and word boundaries say where a match sits, not what it contains; the generator wants
/// the content only, and the matcher re-checks the anchors afterwards.
fn strip_looks(hir: Hir) -> Hir {
    match hir.into_kind() {
        HirKind::Look(_) => Hir::empty(),
        HirKind::Concat(subs) => Hir::concat(subs.into_iter().map(strip_looks).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.into_iter().map(strip_looks).collect()),
        HirKind::Repetition(mut rep) => {
            rep.sub = Box::new(strip_looks(*rep.sub));
            Hir::repetition(rep)
        }
        HirKind::Capture(mut cap) => {
            cap.sub = Box::new(strip_looks(*cap.sub));
            Hir::capture(cap)
        }
        other => other_kind(other),
    }
}

fn other_kind(kind: HirKind) -> Hir {
    match kind {
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(lit) => Hir::literal(lit.0),
        HirKind::Class(class) => Hir::class(class),
        // Handled by the caller; kept total for the compiler.
        HirKind::Look(_)
        | HirKind::Repetition(_)
        | HirKind::Capture(_)
        | HirKind::Concat(_)
        | HirKind::Alternation(_) => Hir::empty(),
    }
}

type Cache = RwLock<HashMap<String, Arc<Pattern>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The compiled form of `pattern`, compiling it on first use.
pub fn get(pattern: &str) -> Arc<Pattern> {
    if let Ok(map) = cache().read()
        && let Some(p) = map.get(pattern)
    {
        return p.clone();
    }
    let compiled = Arc::new(Pattern::compile(pattern));
    if let Ok(mut map) = cache().write() {
        map.entry(pattern.to_string())
            .or_insert_with(|| compiled.clone());
    }
    compiled
}

/// Compiles every `pattern` found in a schema tree.
pub fn warm(schema: &Value) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::String(p)) = map.get("pattern") {
                get(p);
            }
            map.values().for_each(warm);
        }
        Value::Array(items) => items.iter().for_each(warm),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    #[test]
    fn anchored_alternation_generates_matching_strings() {
        let p = get(r"^([0-9]{11}|[0-9A-Z]{12}[0-9]{2})$");
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..200 {
            let s = p.sample(&mut rng).unwrap();
            assert!(p.is_match(&s), "{s}");
            assert!(s.len() == 11 || s.len() == 14);
        }
    }

    #[test]
    fn digit_class_generates_ascii_digits() {
        let p = get(r"^\d{7}$");
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let s = p.sample(&mut rng).unwrap();
        assert!(s.chars().all(|c| c.is_ascii_digit()), "{s}");
    }

    #[test]
    fn lookahead_pattern_matches_but_generation_is_rechecked() {
        let p = get(r"^(?!\s)[\w\W\s]*[^\s]$");
        assert!(p.is_match("Padaria Pão Quente"));
        assert!(!p.is_match(" x"));
    }

    #[test]
    fn unanchored_pattern_uses_search_semantics() {
        let p = get(r"\d{7}$");
        assert!(p.is_match("ab1234567"));
    }
}
