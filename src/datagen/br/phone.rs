//! Brazilian phone numbers: a real DDD of the chosen UF, mobiles with the ninth digit (9 digits starting
//! with 9, nationwide since November 2016) and 8-digit landlines starting with 2–5 (Anatel numbering).

use rand::{Rng, RngExt};

use super::digits;
use super::places::uf_or_random;

/// A phone number split the way the APIs carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    /// Always `"55"`.
    pub country_code: String,
    /// Two-digit DDD, valid for the UF the number was generated for.
    pub area_code: String,
    /// Subscriber number: 9 digits for mobiles, 8 for landlines.
    pub number: String,
    pub mobile: bool,
}

impl Phone {
    /// DDD followed by the number, the Bankly `phone.number` form (`11987654321`).
    pub fn national(&self) -> String {
        format!("{}{}", self.area_code, self.number)
    }

    /// `+5511987654321`.
    pub fn e164(&self) -> String {
        format!("+{}{}{}", self.country_code, self.area_code, self.number)
    }

    /// `(11) 98765-4321` / `(11) 3456-7890`, as printed in Brazil.
    pub fn formatted(&self) -> String {
        // Split by characters, not bytes: the fields are public and may hold anything.
        let chars: Vec<char> = self.number.chars().collect();
        let (head, tail) = chars.split_at(chars.len().saturating_sub(4));
        format!(
            "({}) {}-{}",
            self.area_code,
            head.iter().collect::<String>(),
            tail.iter().collect::<String>()
        )
    }
}

/// A phone in `uf` (case-insensitive; population-weighted anywhere when `None` or unknown).
///
/// The capital's DDD (listed first for each UF) gets half of the draws, the UF's other DDDs share the
/// rest, which mirrors how numbers concentrate in metropolitan areas.
pub fn gen_phone<R: Rng + ?Sized>(rng: &mut R, uf: Option<&str>, mobile: bool) -> Phone {
    let uf = uf_or_random(rng, uf);
    let ddd = if uf.ddds.len() == 1 || rng.random_bool(0.5) {
        uf.ddds[0]
    } else {
        uf.ddds[rng.random_range(1..uf.ddds.len())]
    };
    let number = if mobile {
        // Mobile ranges in use start 96–99 after the leading 9.
        format!("9{}{}", rng.random_range(6..=9u8), digits(rng, 7))
    } else {
        format!("{}{}", rng.random_range(2..=5u8), digits(rng, 7))
    };
    Phone {
        country_code: "55".to_owned(),
        area_code: ddd.to_string(),
        number,
        mobile,
    }
}

#[cfg(test)]
mod tests {
    use super::super::places::{UFS, ddd_uf};
    use super::super::test_rng::seeded;
    use super::*;

    #[test]
    fn ten_thousand_phones_have_a_ddd_of_their_uf_and_the_right_shape() {
        let mut rng = seeded(40);
        for i in 0..10_000 {
            let uf = &UFS[i % UFS.len()];
            let mobile = i % 3 != 0;
            let p = gen_phone(&mut rng, Some(uf.sigla), mobile);
            assert_eq!(p.country_code, "55");
            assert_eq!(ddd_uf(&p.area_code), Some(uf.sigla), "{p:?}");
            assert!(p.number.bytes().all(|b| b.is_ascii_digit()), "{p:?}");
            if mobile {
                assert_eq!(p.number.len(), 9, "{p:?}");
                assert!(p.number.starts_with('9'), "{p:?}");
            } else {
                assert_eq!(p.number.len(), 8, "{p:?}");
                assert!((b'2'..=b'5').contains(&p.number.as_bytes()[0]), "{p:?}");
            }
            // Open Finance: areaCode ^\d{2,3}$, number ^[0-9]{6,13}$.
            assert!(p.national().len() <= 13);
        }
    }

    #[test]
    fn every_ddd_of_a_multi_ddd_uf_shows_up() {
        let mut rng = seeded(41);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2_000 {
            seen.insert(gen_phone(&mut rng, Some("SP"), true).area_code);
        }
        assert_eq!(seen.len(), 9, "{seen:?}");
    }

    #[test]
    fn phone_without_uf_still_has_a_valid_ddd() {
        let mut rng = seeded(42);
        for uf in [None, Some("XX"), Some("")] {
            let p = gen_phone(&mut rng, uf, false);
            assert!(ddd_uf(&p.area_code).is_some(), "{p:?}");
        }
    }

    #[test]
    fn phone_renderings() {
        let p = Phone {
            country_code: "55".into(),
            area_code: "11".into(),
            number: "987654321".into(),
            mobile: true,
        };
        assert_eq!(p.national(), "11987654321");
        assert_eq!(p.e164(), "+5511987654321");
        assert_eq!(p.formatted(), "(11) 98765-4321");
        let l = Phone {
            number: "34567890".into(),
            mobile: false,
            ..p
        };
        assert_eq!(l.formatted(), "(11) 3456-7890");
    }

    #[test]
    fn same_seed_gives_same_phones_and_different_seeds_differ() {
        let run = |seed| {
            let mut rng = seeded(seed);
            (0..20)
                .map(|i| gen_phone(&mut rng, None, i % 2 == 0))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
    }
}
