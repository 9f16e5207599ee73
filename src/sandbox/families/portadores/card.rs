//! The plastic: card numbers (PAN) under the product's BIN with a Luhn check digit, drawn from the
//! seed and the account so every run issues the same card; the masked and truncated forms answers
//! carry (the whole PAN never leaves this module); the embossed name; the expiry month; and the
//! account's reference for manual authorisations.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use rand::RngExt;
use sha2::{Digest, Sha256};

use super::text;
use crate::datagen::rng_for;

/// Card numbers of every product have 16 digits.
pub const PAN_LEN: usize = 16;

/// The Luhn (mod 10) check digit for `partial`, the number without its last digit.
pub fn luhn_check_digit(partial: &str) -> Option<u8> {
    if partial.is_empty() || !partial.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Doubling starts with the rightmost digit of the partial number, since the check digit will
    // take the rightmost place.
    let sum: u32 = partial
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    Some(((10 - sum % 10) % 10) as u8)
}

/// True for a number of digits whose last one is its Luhn check digit.
pub fn is_luhn_valid(number: &str) -> bool {
    number.len() >= 2
        && number
            .get(..number.len() - 1)
            .and_then(luhn_check_digit)
            .is_some_and(|d| number.as_bytes()[number.len() - 1] == b'0' + d)
}

/// A card. Its number is private: only [`Card::masked`], [`Card::truncated`] and
/// [`Card::reference`] go out, and `Debug` shows the masked form.
#[derive(Clone, PartialEq, Eq)]
pub struct Card {
    pan: String,
    /// First day of the expiry month; the card is valid through the month's last day.
    pub expiry: NaiveDate,
}

impl fmt::Debug for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Card")
            .field("pan", &self.masked())
            .field("expiry", &self.expiry)
            .finish()
    }
}

impl Card {
    /// The card number `sequence` (0 for the first card, 1 for its first replacement...) of
    /// `account` under `bin`, issued on `issued` for `validity_months`. Same inputs, same card.
    pub fn issue(
        seed: u64,
        bin: &str,
        account: u64,
        sequence: u32,
        issued: NaiveDate,
        validity_months: u32,
    ) -> Card {
        let mut rng = rng_for(seed, &format!("{account}/{sequence}"), "portadores-pan");
        let mut pan: String = bin
            .chars()
            .filter(char::is_ascii_digit)
            .take(PAN_LEN - 1)
            .collect();
        while pan.len() < PAN_LEN - 1 {
            pan.push(char::from(b'0' + rng.random_range(0..10u8)));
        }
        let check = luhn_check_digit(&pan).unwrap_or(0);
        pan.push(char::from(b'0' + check));
        Card {
            pan,
            expiry: expiry(issued, validity_months),
        }
    }

    /// `5234XXXXXXXX4417`: first four and last four digits, as the account opening answers.
    pub fn masked(&self) -> String {
        let n = self.pan.len();
        format!(
            "{}{}{}",
            &self.pan[..4],
            "X".repeat(n - 8),
            &self.pan[n - 4..]
        )
    }

    /// `523491******4417`: the first six and last four digits (the most a truncated PAN may show).
    pub fn truncated(&self) -> String {
        let n = self.pan.len();
        format!(
            "{}{}{}",
            &self.pan[..6],
            "*".repeat(n - 10),
            &self.pan[n - 4..]
        )
    }

    pub fn last4(&self) -> &str {
        &self.pan[self.pan.len() - 4..]
    }

    pub fn bin_matches(&self, bin: &str) -> bool {
        self.pan.starts_with(bin)
    }

    /// An opaque, stable reference to the number (`numeroCartaoCriptografado`): SHA-256 of the
    /// seed and the PAN, so it identifies the card without revealing it.
    pub fn reference(&self, seed: u64) -> String {
        let mut h = Sha256::new();
        h.update(seed.to_le_bytes());
        h.update(b"portadores-card-reference");
        h.update(self.pan.as_bytes());
        hex::encode(h.finalize())
    }

    #[cfg(test)]
    pub(super) fn pan(&self) -> &str {
        &self.pan
    }
}

/// The first day of the month `months` after `issued`'s month.
pub fn expiry(issued: NaiveDate, months: u32) -> NaiveDate {
    let total = issued.year() * 12 + issued.month0() as i32 + months as i32;
    NaiveDate::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1)
        .unwrap_or(issued)
}

/// `CA-001000019=`: the account's reference for authorisations keyed in by the store, the account
/// number on eight digits followed by its Luhn digit.
pub fn numero_manual(account: u64) -> String {
    let body = format!("{:08}", account % 100_000_000);
    let check = luhn_check_digit(&body).unwrap_or(0);
    format!("CA-{body}{check}=")
}

/// The upper-case ASCII words of a name as an embosser prints them: accents dropped, apostrophes
/// joined (`D'Ávila` → `DAVILA`), hyphens and other marks as spaces.
fn emboss_words(name: &str) -> Vec<String> {
    let joined: String = deunicode::deunicode(name)
        .chars()
        .filter(|c| *c != '\'')
        .collect();
    text::fold(&joined)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase)
        .collect()
}

/// The embossed name of `name` in at most `max` characters: the whole name when it fits; else
/// without particles; else middle names become initials from the last one backwards; else middle
/// initials are dropped; else the result is cut.
pub fn embossed_name(name: &str, max: usize) -> String {
    let words = emboss_words(name);
    let full = words.join(" ");
    if full.len() <= max {
        return full;
    }
    let mut words: Vec<String> = words
        .into_iter()
        .enumerate()
        .filter(|(i, w)| *i == 0 || !text::is_particle(w))
        .map(|(_, w)| w)
        .collect();
    let fits = |ws: &[String]| ws.join(" ").len() <= max;
    if fits(&words) {
        return words.join(" ");
    }
    let last = words.len().saturating_sub(1);
    for i in (1..last).rev() {
        words[i].truncate(1);
        if fits(&words) {
            return words.join(" ");
        }
    }
    if words.len() > 2 {
        let kept = vec![words[0].clone(), words[last].clone()];
        if fits(&kept) {
            return kept.join(" ");
        }
        words = kept;
    }
    let mut cut: String = words.join(" ").chars().take(max).collect();
    while cut.ends_with(' ') {
        cut.pop();
    }
    cut
}

/// Why a requested printed name is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintedNameProblem {
    TooLong,
    OneWord,
    NotFromTheName,
    SurnameShortened,
}

impl PrintedNameProblem {
    pub fn message(self, max: usize) -> String {
        match self {
            PrintedNameProblem::TooLong => {
                format!("O nome do cartão deve ter no máximo {max} caracteres.")
            }
            PrintedNameProblem::OneWord => {
                "O nome do cartão deve ter ao menos um nome e um sobrenome.".into()
            }
            PrintedNameProblem::NotFromTheName => {
                "O nome do cartão deve usar os nomes do portador, na ordem, inteiros ou abreviados."
                    .into()
            }
            PrintedNameProblem::SurnameShortened => {
                "O último nome do cartão deve ser um sobrenome por extenso.".into()
            }
        }
    }
}

/// Checks a printed name asked for (`nomeCartao`, `nomePersonalizado`) against the person's name:
/// two or more words, each the start of a word of the name in the same order (`MARI` for Maria, `B`
/// for Beatriz), the last one a whole word. Answers the embossed form.
pub fn printed_name(
    civil: &str,
    requested: &str,
    max: usize,
) -> Result<String, PrintedNameProblem> {
    let asked = emboss_words(requested);
    let printed = asked.join(" ");
    if printed.len() > max {
        return Err(PrintedNameProblem::TooLong);
    }
    if asked.len() < 2 {
        return Err(PrintedNameProblem::OneWord);
    }
    let civil_words = emboss_words(civil);
    let mut from = 0;
    let mut last_whole = false;
    for word in &asked {
        let Some(pos) = civil_words[from..]
            .iter()
            .position(|c| c.starts_with(word.as_str()))
        else {
            return Err(PrintedNameProblem::NotFromTheName);
        };
        last_whole = civil_words[from + pos] == *word;
        from += pos + 1;
    }
    if !last_whole {
        return Err(PrintedNameProblem::SurnameShortened);
    }
    Ok(printed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn luhn_digit_of_known_numbers() {
        // Public test numbers of the card brands.
        assert!(is_luhn_valid("4111111111111111"));
        assert!(is_luhn_valid("5555555555554444"));
        assert!(!is_luhn_valid("4111111111111112"));
        assert!(!is_luhn_valid("41111111111a1111"));
        assert_eq!(luhn_check_digit("7992739871"), Some(3));
        assert_eq!(luhn_check_digit(""), None);
    }

    #[test]
    fn issued_cards_are_luhn_valid_under_their_bin_and_deterministic() {
        for account in 0..2_000u64 {
            let c = Card::issue(7, "52349107", account, 0, d("2026-01-10"), 60);
            assert_eq!(c.pan().len(), PAN_LEN);
            assert!(c.pan().starts_with("52349107"), "{}", c.pan());
            assert!(is_luhn_valid(c.pan()), "{}", c.pan());
        }
        let a = Card::issue(7, "604207", 42, 0, d("2026-01-10"), 60);
        assert_eq!(a, Card::issue(7, "604207", 42, 0, d("2026-01-10"), 60));
        assert_ne!(a, Card::issue(8, "604207", 42, 0, d("2026-01-10"), 60));
        assert_ne!(a, Card::issue(7, "604207", 42, 1, d("2026-01-10"), 60));
    }

    #[test]
    fn answers_never_carry_the_whole_number() {
        let c = Card::issue(1, "45873302", 100_001, 0, d("2026-01-10"), 72);
        let pan = c.pan().to_string();
        let masked = c.masked();
        assert_eq!(masked.len(), 16);
        assert_eq!(&masked[..4], &pan[..4]);
        assert_eq!(&masked[4..12], "XXXXXXXX");
        assert_eq!(&masked[12..], &pan[12..]);
        let truncated = c.truncated();
        assert_eq!(&truncated[..6], &pan[..6]);
        assert_eq!(&truncated[6..12], "******");
        let debug = format!("{c:?}");
        assert!(!debug.contains(&pan), "{debug}");
        let reference = c.reference(1);
        assert_eq!(reference.len(), 64);
        assert!(!reference.contains(&pan[6..12]));
        assert_ne!(reference, c.reference(2));
    }

    #[test]
    fn expiry_is_the_first_of_the_month_validity_months_later() {
        assert_eq!(expiry(d("2026-01-31"), 60), d("2031-01-01"));
        assert_eq!(expiry(d("2026-11-15"), 14), d("2028-01-01"));
        assert_eq!(expiry(d("2026-12-01"), 1), d("2027-01-01"));
    }

    #[test]
    fn manual_number_has_the_seed_shape_and_a_check_digit() {
        let n = numero_manual(100_001);
        assert_eq!(n, "CA-001000017=");
        let re = regex::Regex::new(r"^CA-\d{9}=$").unwrap();
        assert!(re.is_match(&n));
        assert!(is_luhn_valid(&n[3..12]));
    }

    #[test]
    fn embossed_names_fit_the_line() {
        assert_eq!(embossed_name("José da Silva", 26), "JOSE DA SILVA");
        assert_eq!(
            embossed_name("Ana Beatriz Figueiredo Lins", 26),
            "ANA BEATRIZ F LINS"
        );
        assert_eq!(
            embossed_name("Maria Eduarda dos Santos Albuquerque Cavalcanti", 26),
            "MARIA E S A CAVALCANTI"
        );
        assert_eq!(
            embossed_name("Francisco de Assis D'Ávila-Souza", 26),
            "FRANCISCO ASSIS D SOUZA"
        );
        assert_eq!(
            embossed_name("Maximiliano Bartolomeu Wolfgangsen Oliveirasantos", 20),
            "MAXIMILIANO OLIVEIRA"
        );
        for name in ["Ana", "Ângela Maria da Conceição", "Jo"] {
            let e = embossed_name(name, 26);
            assert!(e.len() <= 26 && e.bytes().all(|b| b.is_ascii_uppercase() || b == b' '));
        }
    }

    #[test]
    fn printed_names_come_from_the_persons_names() {
        assert_eq!(
            printed_name("Maria Souza", "Mari Souza", 26),
            Ok("MARI SOUZA".into())
        );
        assert_eq!(
            printed_name("Ana Beatriz Figueiredo Lins", "ana b f lins", 26),
            Ok("ANA B F LINS".into())
        );
        assert_eq!(
            printed_name("Ana Beatriz Figueiredo Lins", "Beatriz Lins", 26),
            Ok("BEATRIZ LINS".into())
        );
        assert_eq!(
            printed_name("Maria Souza", "Souza Maria", 26),
            Err(PrintedNameProblem::NotFromTheName)
        );
        assert_eq!(
            printed_name("Maria Souza", "Marcia Souza", 26),
            Err(PrintedNameProblem::NotFromTheName)
        );
        assert_eq!(
            printed_name("Maria Souza", "Maria S", 26),
            Err(PrintedNameProblem::SurnameShortened)
        );
        assert_eq!(
            printed_name("Maria Souza", "Maria", 26),
            Err(PrintedNameProblem::OneWord)
        );
        assert_eq!(
            printed_name("Maria Souza", "Maria Souza Souza Souza Souza", 26),
            Err(PrintedNameProblem::TooLong)
        );
    }
}
