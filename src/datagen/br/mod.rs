//! Brazilian value generators for the sandbox: documents (CPF, CNPJ incl. alphanumeric, RG, CNH,
//! passport), places (UFs, IBGE towns, CEPs, DDDs, addresses), PT-BR names and companies, phones and
//! financial reference data (banks, CNAE, CBO, countries, amounts).
//!
//! Every generator takes `&mut R` where `R: rand::Rng + ?Sized` and draws only from it, so a seeded
//! `ChaCha8Rng` gives the same persona on every run and every machine. Nothing here keeps a global RNG.
//! Validators and lookups never panic on caller input: they answer `false`/`None`.

pub mod docs;
pub mod finance;
pub mod names;
pub mod phone;
pub mod places;

pub use docs::*;
pub use finance::*;
pub use names::*;
pub use phone::*;
pub use places::*;

use rand::{Rng, RngExt};

/// Uniform choice from a constant, non-empty table.
///
/// Only ever called with the module's own static tables (their non-emptiness is covered by tests), never
/// with caller data, so the index cannot be out of range.
pub(crate) fn pick<'a, T, R: Rng + ?Sized>(rng: &mut R, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Index drawn with probability proportional to `weights[i]`.
///
/// Integer weights keep the draw exact and identical on every platform (no float rounding), which the
/// determinism promise relies on. A table whose weights are all zero falls back to index 0.
pub(crate) fn weighted_index<R: Rng + ?Sized>(rng: &mut R, weights: &[u32]) -> usize {
    let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    if total == 0 {
        return 0;
    }
    let mut ticket = rng.random_range(0..total);
    for (i, &w) in weights.iter().enumerate() {
        let w = u64::from(w);
        if ticket < w {
            return i;
        }
        ticket -= w;
    }
    weights.len() - 1
}

/// `n` random ASCII digits.
pub(crate) fn digits<R: Rng + ?Sized>(rng: &mut R, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

#[cfg(test)]
pub(crate) mod test_rng {
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    pub fn seeded(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }
}

#[cfg(test)]
mod tests {
    use super::test_rng::seeded;
    use super::*;

    #[test]
    fn weighted_index_never_picks_zero_weight_entries() {
        let mut rng = seeded(1);
        for _ in 0..10_000 {
            let i = weighted_index(&mut rng, &[0, 5, 0, 1, 0]);
            assert!(i == 1 || i == 3, "picked zero-weight index {i}");
        }
    }

    #[test]
    fn weighted_index_follows_weights_roughly() {
        let mut rng = seeded(2);
        let mut hits = [0u32; 2];
        for _ in 0..10_000 {
            hits[weighted_index(&mut rng, &[9, 1])] += 1;
        }
        assert!(hits[0] > 8_500 && hits[0] < 9_500, "{hits:?}");
    }

    #[test]
    fn weighted_index_with_all_zero_weights_returns_first() {
        let mut rng = seeded(3);
        assert_eq!(weighted_index(&mut rng, &[0, 0]), 0);
    }

    #[test]
    fn digits_are_ascii_digits_of_requested_length() {
        let mut rng = seeded(4);
        let d = digits(&mut rng, 13);
        assert_eq!(d.len(), 13);
        assert!(d.bytes().all(|b| b.is_ascii_digit()));
    }
}
