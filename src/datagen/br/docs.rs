//! Brazilian identity and tax documents: CPF, CNPJ (numeric and the alphanumeric format in force since
//! July 2026, IN RFB 2.229/2024), SP-style RG, CNH registration number and passport number.
//!
//! The generators live here; the rules (check digits, validators, masks) live in [`crate::br::docs`]
//! and are re-exported. Generators always produce values their own validator accepts (checked over
//! 10,000 samples in the tests).

use rand::{Rng, RngExt};

use super::{digits, weighted_index};
use crate::br::docs::all_same;
pub use crate::br::docs::*;

const ALNUM: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LETTERS: &[u8; 26] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";

// ---------------------------------------------------------------------------------------------- CPF

fn cpf_from_first_nine(first_nine: String) -> String {
    let mut cpf = first_nine;
    if let Some([a, b]) = cpf_check_digits(&cpf) {
        cpf.push(char::from(b'0' + a));
        cpf.push(char::from(b'0' + b));
    }
    cpf
}

fn random_first_nine<R: Rng + ?Sized>(rng: &mut R, region: Option<u8>) -> String {
    loop {
        let mut base = digits(rng, 9);
        if let Some(r) = region {
            base.pop();
            base.push(char::from(b'0' + r));
        }
        // An all-equal base is the only way to end with an all-equal CPF; such numbers are invalid.
        if !all_same(&base) {
            return base;
        }
    }
}

/// A random valid CPF, 11 bare digits.
pub fn gen_cpf<R: Rng + ?Sized>(rng: &mut R) -> String {
    cpf_from_first_nine(random_first_nine(rng, None))
}

/// A random valid CPF whose ninth digit matches the fiscal region of `uf`, so a persona living in SP
/// gets a plausible SP-issued CPF. Unknown UFs get an unconstrained CPF.
pub fn gen_cpf_for_uf<R: Rng + ?Sized>(rng: &mut R, uf: &str) -> String {
    cpf_from_first_nine(random_first_nine(rng, cpf_region_digit(uf)))
}

// --------------------------------------------------------------------------------------------- CNPJ

fn random_alnum<R: Rng + ?Sized>(rng: &mut R, n: usize) -> String {
    (0..n)
        .map(|_| char::from(ALNUM[rng.random_range(0..ALNUM.len())]))
        .collect()
}

/// A random valid CNPJ, 14 bare characters.
///
/// Nine in ten are a head office (`0001`), the rest a low-numbered branch, as in the Receita's register.
/// With `alphanumeric`, root and order may hold `A-Z` (at least one letter is guaranteed, otherwise the
/// value would be indistinguishable from a legacy numeric CNPJ); check digits stay numeric.
pub fn gen_cnpj<R: Rng + ?Sized>(rng: &mut R, alphanumeric: bool) -> String {
    loop {
        let head_office = weighted_index(rng, &[9, 1]) == 0;
        let mut body = if alphanumeric {
            let mut root = random_alnum(rng, 8).into_bytes();
            if !root.iter().any(u8::is_ascii_uppercase) {
                let at = rng.random_range(0..root.len());
                root[at] = LETTERS[rng.random_range(0..LETTERS.len())];
            }
            String::from_utf8(root).unwrap_or_default()
        } else {
            digits(rng, 8)
        };
        if head_office {
            body.push_str("0001");
        } else if alphanumeric && rng.random_bool(0.5) {
            body.push_str(&random_alnum(rng, 4));
        } else {
            body.push_str(&format!("{:04}", rng.random_range(2..=60u32)));
        }
        if all_same(&body) {
            continue;
        }
        if let Some([a, b]) = cnpj_check_digits(&body) {
            body.push(char::from(b'0' + a));
            body.push(char::from(b'0' + b));
            return body;
        }
    }
}

// ----------------------------------------------------------------------------------------------- RG

/// A random SP-style RG: eight digits plus its check character, bare (9 characters).
pub fn gen_rg<R: Rng + ?Sized>(rng: &mut R) -> String {
    // Issued SP numbers start from the low millions upwards; a leading non-zero keeps them plausible.
    let mut rg = format!("{}", rng.random_range(10_000_000..=69_999_999u32));
    if let Some(dv) = rg_check_digit(&rg) {
        rg.push(dv);
    }
    rg
}

// ---------------------------------------------------------------------------------------------- CNH

/// A random valid CNH registration number, 11 digits.
///
/// Numbers whose first sum lands on the "discount" branch are skipped: validators disagree on that
/// corner (some produce a negative digit and reject it), and avoiding it keeps every generated number
/// valid for all of them.
pub fn gen_cnh<R: Rng + ?Sized>(rng: &mut R) -> String {
    loop {
        let base = digits(rng, 9);
        if all_same(&base) {
            continue;
        }
        let s1: u32 = base
            .bytes()
            .zip((1..=9).rev())
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        if s1 % 11 == 10 {
            continue;
        }
        if let Some([a, b]) = cnh_check_digits(&base) {
            return format!("{base}{a}{b}");
        }
    }
}

// ----------------------------------------------------------------------------------------- passport

/// A Brazilian passport number in the current format: two uppercase letters and six digits (`FZ123456`).
pub fn gen_passport<R: Rng + ?Sized>(rng: &mut R) -> String {
    let mut p = String::with_capacity(8);
    for _ in 0..2 {
        p.push(char::from(LETTERS[rng.random_range(0..LETTERS.len())]));
    }
    p.push_str(&digits(rng, 6));
    p
}

#[cfg(test)]
mod tests {
    use super::super::test_rng::seeded;
    use super::*;

    #[test]
    fn known_cpfs_are_valid() {
        for cpf in [
            "529.982.247-25",
            "123.456.789-09",
            "477.426.630-23",
            "914.393.620-25",
        ] {
            assert!(is_valid_cpf(cpf), "{cpf}");
            assert!(is_valid_cpf(&strip_mask(cpf)), "{cpf} bare");
        }
    }

    #[test]
    fn cpf_with_wrong_digits_or_repeated_is_invalid() {
        for cpf in [
            "111.111.111-11",
            "000.000.000-00",
            "529.982.247-24",
            "529.982.247-15",
            "52998224735",
            "123.456.789-00",
        ] {
            assert!(!is_valid_cpf(cpf), "{cpf}");
        }
    }

    #[test]
    fn cpf_with_bad_shape_is_invalid() {
        for cpf in [
            "",
            "5299822472",
            "529982247250",
            "529.982247-25",
            "529 982 247 25",
            "52998224A25",
        ] {
            assert!(!is_valid_cpf(cpf), "{cpf:?}");
        }
    }

    #[test]
    fn cpf_check_digits_match_known_vector() {
        assert_eq!(cpf_check_digits("529982247"), Some([2, 5]));
        assert_eq!(cpf_check_digits("12345678"), None);
        assert_eq!(cpf_check_digits("12345678a"), None);
    }

    #[test]
    fn format_cpf_masks_and_rejects_wrong_shape() {
        assert_eq!(format_cpf("52998224725").as_deref(), Some("529.982.247-25"));
        assert_eq!(
            format_cpf("529.982.247-25").as_deref(),
            Some("529.982.247-25")
        );
        assert_eq!(format_cpf("5299822472"), None);
    }

    #[test]
    fn known_cnpjs_are_valid() {
        for cnpj in [
            "11.444.777/0001-61",
            "11.222.333/0001-81",
            "12.ABC.345/01DE-35",
        ] {
            assert!(is_valid_cnpj(cnpj), "{cnpj}");
            assert!(is_valid_cnpj(&strip_mask(cnpj)), "{cnpj} bare");
        }
    }

    #[test]
    fn cnpj_with_wrong_digits_is_invalid() {
        for cnpj in [
            "12.ABC.345/01DE-36",
            "11.444.777/0001-62",
            "11444777000171",
            "00.000.000/0000-00",
        ] {
            assert!(!is_valid_cnpj(cnpj), "{cnpj}");
        }
    }

    #[test]
    fn lowercase_alphanumeric_cnpj_is_rejected() {
        assert!(!is_valid_cnpj("12.abc.345/01de-35"));
        assert!(!is_valid_cnpj("12abc34501de35"));
        assert_eq!(cnpj_check_digits("12abc34501de"), None);
    }

    #[test]
    fn cnpj_with_letters_in_check_digits_is_rejected() {
        assert!(!is_valid_cnpj("12ABC34501DE3A"));
        assert!(!is_valid_cnpj("12.ABC.345/01DE-3A"));
    }

    #[test]
    fn alphanumeric_cnpj_uses_ascii_minus_48() {
        assert_eq!(cnpj_check_digits("12ABC34501DE"), Some([3, 5]));
    }

    #[test]
    fn format_cnpj_masks_both_formats() {
        assert_eq!(
            format_cnpj("11444777000161").as_deref(),
            Some("11.444.777/0001-61")
        );
        assert_eq!(
            format_cnpj("12ABC34501DE35").as_deref(),
            Some("12.ABC.345/01DE-35")
        );
        assert_eq!(format_cnpj("1144477700016"), None);
    }

    #[test]
    fn strip_mask_removes_only_mask_characters() {
        assert_eq!(strip_mask("12.ABC.345/01DE-35"), "12ABC34501DE35");
        assert_eq!(strip_mask("01310-100"), "01310100");
        assert_eq!(strip_mask("a.b"), "ab");
    }

    #[test]
    fn ten_thousand_generated_cpfs_are_valid_and_never_repeated_digits() {
        let mut rng = seeded(10);
        for _ in 0..10_000 {
            let cpf = gen_cpf(&mut rng);
            assert_eq!(cpf.len(), 11);
            assert!(is_valid_cpf(&cpf), "{cpf}");
            assert!(is_valid_cpf(&format_cpf(&cpf).unwrap_or_default()), "{cpf}");
        }
    }

    #[test]
    fn cpf_for_uf_carries_the_fiscal_region_digit() {
        let mut rng = seeded(11);
        for (uf, region) in [("SP", b'8'), ("RS", b'0'), ("rj", b'7'), ("DF", b'1')] {
            for _ in 0..200 {
                let cpf = gen_cpf_for_uf(&mut rng, uf);
                assert!(is_valid_cpf(&cpf), "{cpf}");
                assert_eq!(cpf.as_bytes()[8], region, "{uf} {cpf}");
            }
        }
        assert!(is_valid_cpf(&gen_cpf_for_uf(&mut rng, "XX")));
    }

    #[test]
    fn ten_thousand_generated_numeric_cnpjs_are_valid() {
        let mut rng = seeded(12);
        let mut head_offices = 0;
        for _ in 0..10_000 {
            let cnpj = gen_cnpj(&mut rng, false);
            assert_eq!(cnpj.len(), 14);
            assert!(cnpj.bytes().all(|b| b.is_ascii_digit()), "{cnpj}");
            assert!(is_valid_cnpj(&cnpj), "{cnpj}");
            if &cnpj[8..12] == "0001" {
                head_offices += 1;
            }
        }
        assert!(head_offices > 8_500, "{head_offices}");
    }

    #[test]
    fn ten_thousand_generated_alphanumeric_cnpjs_are_valid_and_have_a_letter() {
        let mut rng = seeded(13);
        for _ in 0..10_000 {
            let cnpj = gen_cnpj(&mut rng, true);
            assert_eq!(cnpj.len(), 14);
            assert!(cnpj[..12].bytes().any(|b| b.is_ascii_uppercase()), "{cnpj}");
            assert!(cnpj[12..].bytes().all(|b| b.is_ascii_digit()), "{cnpj}");
            assert!(is_valid_cnpj(&cnpj), "{cnpj}");
            assert!(
                is_valid_cnpj(&format_cnpj(&cnpj).unwrap_or_default()),
                "{cnpj}"
            );
        }
    }

    #[test]
    fn rg_check_digit_matches_worked_example() {
        assert_eq!(rg_check_digit("03021415"), Some('4'));
        assert!(is_valid_rg("03.021.415-4"));
        assert!(is_valid_rg("030214154"));
        assert!(!is_valid_rg("030214155"));
        assert!(!is_valid_rg("03021415"));
    }

    #[test]
    fn rg_check_digit_writes_ten_as_x() {
        // Found by search rather than hard-coded so the test exercises rg_check_digit's X branch itself.
        let with_x = (10_000_000u32..10_001_000)
            .map(|n| n.to_string())
            .find(|n| rg_check_digit(n) == Some('X'));
        let Some(n) = with_x else {
            panic!("no RG with check digit X in range");
        };
        assert!(is_valid_rg(&format!("{n}X")));
        assert!(!is_valid_rg(&format!("{n}x")));
    }

    #[test]
    fn ten_thousand_generated_rgs_are_valid() {
        let mut rng = seeded(14);
        for _ in 0..10_000 {
            let rg = gen_rg(&mut rng);
            assert_eq!(rg.len(), 9);
            assert!(is_valid_rg(&rg), "{rg}");
            assert!(is_valid_rg(&format_rg(&rg).unwrap_or_default()), "{rg}");
        }
    }

    #[test]
    fn cnh_public_example_is_valid() {
        assert!(is_valid_cnh("58316794534"));
        assert!(!is_valid_cnh("58316794535"));
        assert!(!is_valid_cnh("11111111111"));
        assert!(!is_valid_cnh("5831679453"));
    }

    #[test]
    fn cnh_discount_branch_wraps_instead_of_going_negative() {
        // A base whose first sum hits the discount branch and whose second remainder is 0: a naive
        // `0 - 2` would go negative; the rule wraps it to 9.
        let sums = |b: &str| {
            let s1: u32 = b
                .bytes()
                .zip((1..=9).rev())
                .map(|(c, w)| u32::from(c - b'0') * w)
                .sum();
            let s2: u32 = b
                .bytes()
                .zip(1..=9)
                .map(|(c, w)| u32::from(c - b'0') * w)
                .sum();
            (s1 % 11, s2 % 11)
        };
        let base = (100_000_000u32..100_200_000)
            .map(|n| n.to_string())
            .find(|b| sums(b) == (10, 0));
        let Some(base) = base else {
            panic!("no base on the discount branch");
        };
        assert_eq!(cnh_check_digits(&base), Some([0, 9]), "{base}");
        assert!(is_valid_cnh(&format!("{base}09")));
    }

    #[test]
    fn ten_thousand_generated_cnhs_are_valid() {
        let mut rng = seeded(15);
        for _ in 0..10_000 {
            let cnh = gen_cnh(&mut rng);
            assert!(is_valid_cnh(&cnh), "{cnh}");
        }
    }

    #[test]
    fn generated_passports_have_two_letters_and_six_digits() {
        let mut rng = seeded(16);
        for _ in 0..1_000 {
            let p = gen_passport(&mut rng);
            assert!(is_valid_passport(&p), "{p}");
        }
        assert!(!is_valid_passport("fz123456"));
        assert!(!is_valid_passport("FZ12345"));
    }

    #[test]
    fn same_seed_gives_same_documents_and_different_seeds_differ() {
        let run = |seed| {
            let mut rng = seeded(seed);
            (0..20)
                .map(|_| {
                    format!(
                        "{}|{}|{}|{}|{}",
                        gen_cpf(&mut rng),
                        gen_cnpj(&mut rng, false),
                        gen_cnpj(&mut rng, true),
                        gen_rg(&mut rng),
                        gen_cnh(&mut rng)
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(run(42), run(42));
        assert_ne!(run(42), run(43));
    }
}
