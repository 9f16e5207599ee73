//! Comparing Brazilian names the way people write them: without case, accents, punctuation or
//! repeated spaces. The name search (`/nomes`), town names against the IBGE table and printed card
//! names all compare through [`fold`].

use crate::datagen::br;

/// `"  José D'Ávila-Souza "` → `"jose d avila souza"`.
pub fn fold(s: &str) -> String {
    let ascii = deunicode::deunicode(s).to_ascii_lowercase();
    ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `needle`'s words appear together, in order and whole, inside `haystack` (both folded):
/// `"jose da silva"` is in "Maria José da Silva" but not in "Josefa da Silva".
pub fn contains_words(haystack: &str, needle: &str) -> bool {
    let needle = fold(needle);
    if needle.is_empty() {
        return false;
    }
    format!(" {} ", fold(haystack)).contains(&format!(" {needle} "))
}

/// Whether `town` is a municipality of `uf` in the IBGE table (case, accents and hyphens ignored:
/// `sao joao del rei` matches São João del-Rei).
pub fn town_in_uf(town: &str, uf: &str) -> bool {
    let wanted = fold(town);
    !wanted.is_empty() && br::towns_in(uf).iter().any(|t| fold(t.name) == wanted)
}

/// Name particles that are not names of their own.
pub fn is_particle(word: &str) -> bool {
    matches!(
        fold(word).as_str(),
        "da" | "de" | "do" | "das" | "dos" | "e" | "di" | "du" | "del" | "van" | "von"
    )
}

/// Words of a name that count as names (two or more are needed for a full name).
pub fn name_words(name: &str) -> Vec<String> {
    fold(name)
        .split(' ')
        .filter(|w| !w.is_empty() && !is_particle(w))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_accents_and_punctuation() {
        assert_eq!(fold("  José D'Ávila-Souza "), "jose d avila souza");
        assert_eq!(fold("ÇÃO"), "cao");
    }

    #[test]
    fn words_must_appear_together_and_whole() {
        assert!(contains_words("Maria José da Silva", "jose  DA silva"));
        assert!(!contains_words("Josefa da Silva", "jose da silva"));
        assert!(!contains_words("José Pereira da Silva", "jose da silva"));
        assert!(!contains_words("Ana", "   "));
    }

    #[test]
    fn towns_are_matched_in_their_own_state_only() {
        assert!(town_in_uf("joao pessoa", "PB"));
        assert!(town_in_uf("SÃO PAULO", "SP"));
        assert!(!town_in_uf("João Pessoa", "PE"));
        assert!(!town_in_uf("Atlantis", "PB"));
    }

    #[test]
    fn particles_do_not_count_as_names() {
        assert_eq!(name_words("Maria da Silva"), vec!["maria", "silva"]);
        assert_eq!(name_words("Ana"), vec!["ana"]);
    }
}
