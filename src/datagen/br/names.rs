//! PT-BR people and company names: gendered first names, surnames with their usual particles
//! ("da Silva", "dos Santos"), full names, the Open Finance 2.3.0 abbreviation rule for long names,
//! company legal/trade names and e-mail addresses derived from a name.
//!
//! The name lists are our own; fake's PT_BR free-mail providers supply part of the e-mail domains.

use deunicode::deunicode;
use fake::locales::{Data, PT_BR};
use rand::{Rng, RngExt};

use super::{pick, weighted_index};

/// Sex as registered in Brazilian civil records (and in the Open Finance `sex` enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    /// Even draw between the two.
    pub fn random<R: Rng + ?Sized>(rng: &mut R) -> Sex {
        if rng.random_bool(0.5) {
            Sex::Female
        } else {
            Sex::Male
        }
    }
}

#[rustfmt::skip]
pub(crate) const FEMALE_FIRST_NAMES: &[&str] = &[
    "Maria", "Ana", "Francisca", "Antônia", "Adriana", "Juliana", "Márcia", "Fernanda",
    "Patrícia", "Aline", "Sandra", "Camila", "Amanda", "Bruna", "Jéssica", "Letícia", "Júlia",
    "Luciana", "Vanessa", "Mariana", "Gabriela", "Vera", "Vitória", "Larissa", "Cláudia",
    "Beatriz", "Luana", "Rita", "Sônia", "Renata", "Eliane", "Josefa", "Simone", "Natália",
    "Cristiane", "Carla", "Débora", "Rosângela", "Jaqueline", "Rosa", "Daniela", "Aparecida",
    "Marlene", "Terezinha", "Raimunda", "Andreia", "Fabiana", "Lúcia", "Raquel", "Ângela",
    "Rafaela", "Joana", "Luzia", "Elaine", "Daiane", "Regina", "Sabrina", "Isabela", "Tatiane",
    "Priscila", "Alessandra", "Carolina", "Kelly", "Sara", "Lívia", "Helena", "Alice", "Laura",
    "Valentina", "Sophia", "Heloísa", "Manuela", "Isadora", "Lorena", "Cecília", "Yasmin",
    "Lara", "Clara", "Eduarda", "Giovanna", "Lavínia", "Melissa", "Nicole", "Rebeca",
    "Emanuelly", "Esther", "Stella", "Catarina", "Mirela", "Bianca", "Thaís", "Michele",
    "Viviane", "Silvana", "Solange", "Rosana", "Ivone", "Neide", "Irene", "Lourdes",
    "Conceição", "Glória", "Graça", "Socorro", "Fátima", "Benedita", "Sebastiana", "Tereza",
    "Edna", "Cleide", "Iracema", "Luíza", "Pietra", "Ágata", "Milena", "Kamila", "Ingrid",
    "Jordana", "Poliana", "Karina", "Flávia", "Denise", "Mônica", "Elisângela", "Gisele",
    "Valéria",
];

#[rustfmt::skip]
pub(crate) const MALE_FIRST_NAMES: &[&str] = &[
    "José", "João", "Antônio", "Francisco", "Carlos", "Paulo", "Pedro", "Lucas", "Luiz",
    "Marcos", "Luís", "Gabriel", "Rafael", "Daniel", "Marcelo", "Bruno", "Eduardo", "Felipe",
    "Raimundo", "Rodrigo", "Manoel", "Mateus", "André", "Fernando", "Fábio", "Leonardo",
    "Gustavo", "Guilherme", "Leandro", "Tiago", "Anderson", "Ricardo", "Márcio", "Jorge",
    "Sebastião", "Alexandre", "Roberto", "Edson", "Diego", "Vitor", "Sérgio", "Cláudio",
    "Matheus", "Thiago", "Geraldo", "Adriano", "Luciano", "Júlio", "Renato", "Alex", "Vinícius",
    "Rogério", "Samuel", "Ronaldo", "Mário", "Flávio", "Igor", "Douglas", "Davi", "Heitor",
    "Arthur", "Bernardo", "Miguel", "Enzo", "Benício", "Henrique", "Lorenzo", "Théo", "Nicolas",
    "Murilo", "Caio", "Otávio", "Joaquim", "Benedito", "Severino", "Valdir", "Wellington",
    "Wagner", "Robson", "Reinaldo", "Cícero", "Edvaldo", "Gilberto", "Hélio", "Jair", "Joel",
    "Juliano", "Kaique", "Leonel", "Maurício", "Moisés", "Nelson", "Osvaldo", "Renan", "Rubens",
    "Sílvio", "Tomás", "Ubirajara", "Valter", "Wilson", "Yuri", "Emanuel", "Ícaro", "Caetano",
    "Augusto", "Cristiano", "Danilo", "Everton", "Fabrício", "Gilmar", "Hugo", "Ivan",
    "Jefferson", "Nilton", "Orlando", "Patrick", "Raul", "Ramon", "Saulo", "Teodoro", "Vicente",
    "Washington", "Wesley",
];

/// Surnames with the particle they usually take and how often (percent) it appears in front of them.
#[rustfmt::skip]
pub(crate) const SURNAMES: &[(&str, &str, u8)] = &[
    ("Silva", "da", 35), ("Santos", "dos", 35), ("Oliveira", "de", 20), ("Souza", "de", 25),
    ("Rodrigues", "", 0), ("Ferreira", "", 0), ("Alves", "", 0), ("Pereira", "", 0),
    ("Lima", "de", 10), ("Gomes", "", 0), ("Costa", "da", 30), ("Ribeiro", "", 0),
    ("Martins", "", 0), ("Carvalho", "de", 15), ("Almeida", "de", 15), ("Lopes", "", 0),
    ("Soares", "", 0), ("Fernandes", "", 0), ("Vieira", "", 0), ("Barbosa", "", 0),
    ("Rocha", "da", 20), ("Dias", "", 0), ("Nascimento", "do", 50), ("Andrade", "de", 15),
    ("Moreira", "", 0), ("Nunes", "", 0), ("Marques", "", 0), ("Machado", "", 0),
    ("Mendes", "", 0), ("Freitas", "de", 30), ("Cardoso", "", 0), ("Ramos", "", 0),
    ("Gonçalves", "", 0), ("Santana", "", 0), ("Teixeira", "", 0), ("Araújo", "de", 15),
    ("Monteiro", "", 0), ("Moura", "de", 15), ("Correia", "", 0), ("Cavalcanti", "", 0),
    ("Pinto", "", 0), ("Batista", "", 0), ("Medeiros", "", 0), ("Xavier", "", 0),
    ("Campos", "", 0), ("Barros", "de", 15), ("Castro", "de", 15), ("Sales", "", 0),
    ("Farias", "", 0), ("Cunha", "da", 30), ("Miranda", "de", 10), ("Reis", "dos", 40),
    ("Borges", "", 0), ("Brito", "de", 15), ("Moraes", "de", 15), ("Azevedo", "de", 15),
    ("Pires", "", 0), ("Conceição", "da", 100), ("Cruz", "da", 50), ("Macedo", "de", 10),
    ("Siqueira", "", 0), ("Tavares", "", 0), ("Fonseca", "da", 30), ("Guimarães", "", 0),
    ("Matos", "de", 15), ("Rezende", "", 0), ("Coelho", "", 0), ("Queiroz", "de", 15),
    ("Melo", "de", 15), ("Mota", "da", 20), ("Bezerra", "", 0), ("Cavalcante", "", 0),
    ("Pinheiro", "", 0), ("Leite", "", 0), ("Peixoto", "", 0), ("Magalhães", "", 0),
    ("Sampaio", "", 0), ("Nogueira", "", 0), ("Amaral", "do", 30), ("Bastos", "", 0),
    ("Brandão", "", 0), ("Rangel", "", 0), ("Prado", "do", 30), ("Duarte", "", 0),
    ("Falcão", "", 0), ("Figueiredo", "", 0), ("Franco", "", 0), ("Gouveia", "", 0),
    ("Jesus", "de", 100), ("Lacerda", "", 0), ("Leal", "", 0), ("Lins", "", 0), ("Maia", "", 0),
    ("Menezes", "", 0), ("Mesquita", "", 0), ("Morais", "", 0), ("Neves", "das", 40),
    ("Pacheco", "", 0), ("Paiva", "", 0), ("Rios", "", 0), ("Sá", "de", 60), ("Serra", "", 0),
    ("Toledo", "", 0), ("Valente", "", 0), ("Vasconcelos", "", 0), ("Viana", "", 0),
    ("Aguiar", "", 0), ("Antunes", "", 0), ("Aragão", "", 0), ("Arruda", "", 0),
    ("Assis", "de", 80), ("Barreto", "", 0), ("Bento", "", 0), ("Bittencourt", "", 0),
    ("Cabral", "", 0), ("Caldeira", "", 0), ("Câmara", "", 0), ("Chaves", "", 0),
    ("Couto", "", 0), ("Damasceno", "", 0), ("Domingues", "", 0), ("Esteves", "", 0),
    ("Fagundes", "", 0), ("Feitosa", "", 0), ("Galvão", "", 0), ("Godoy", "", 0),
    ("Holanda", "", 0), ("Jardim", "", 0), ("Lemos", "", 0), ("Lobo", "", 0),
    ("Luz", "da", 100), ("Meireles", "", 0), ("Montenegro", "", 0), ("Novaes", "", 0),
    ("Paixão", "da", 100), ("Paz", "da", 100), ("Porto", "", 0), ("Quaresma", "", 0),
    ("Resende", "", 0), ("Sobral", "", 0), ("Teles", "", 0), ("Torres", "", 0),
    ("Vargas", "", 0), ("Veloso", "", 0), ("Anjos", "dos", 100), ("Paula", "de", 100),
    ("Assunção", "da", 100), ("Ramalho", "", 0), ("Portela", "", 0), ("Simões", "", 0),
    ("Guerra", "", 0), ("Fontes", "", 0), ("Sousa", "de", 25), ("Lisboa", "", 0),
];

/// Lowercase joining words that are never abbreviated nor used as the "last name" of an e-mail.
const PARTICLES: &[&str] = &["de", "da", "do", "dos", "das", "e"];

fn is_particle(word: &str) -> bool {
    PARTICLES.contains(&word)
}

const MAX_NAME_CHARS: usize = 70;

fn first_names(sex: Sex) -> &'static [&'static str] {
    match sex {
        Sex::Female => FEMALE_FIRST_NAMES,
        Sex::Male => MALE_FIRST_NAMES,
    }
}

/// A full PT-BR name: first name, sometimes a second given name ("Maria Eduarda", "João Pedro"), then
/// one to three distinct surnames, some with their particle ("Ana Clara de Souza dos Santos").
///
/// Always at most 70 characters (the Open Finance `civilName` limit): surnames are dropped from the
/// front until it fits, which is also how long names get shortened in practice.
pub fn gen_full_name<R: Rng + ?Sized>(rng: &mut R, sex: Sex) -> String {
    let list = first_names(sex);
    let first = *pick(rng, list);
    let mut given = vec![first];
    if rng.random_bool(0.3) {
        let second = *pick(rng, list);
        if second != first {
            given.push(second);
        }
    }
    let count = 1 + weighted_index(rng, &[25, 60, 15]);
    let mut chosen: Vec<usize> = Vec::with_capacity(count);
    while chosen.len() < count {
        let i = rng.random_range(0..SURNAMES.len());
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    let mut surnames: Vec<String> = chosen
        .iter()
        .map(|&i| {
            let (name, particle, pct) = SURNAMES[i];
            if !particle.is_empty() && rng.random_range(0..100u8) < pct {
                format!("{particle} {name}")
            } else {
                name.to_owned()
            }
        })
        .collect();
    loop {
        let full = format!("{} {}", given.join(" "), surnames.join(" "));
        if full.chars().count() <= MAX_NAME_CHARS || surnames.len() == 1 {
            return abbreviate_name(&full, MAX_NAME_CHARS);
        }
        surnames.remove(0);
    }
}

/// Shortens a name to at most `max` characters by the Open Finance 2.3.0 rule for `civilName`: middle
/// names become initials ("Maria A. G. Pereira"), starting from the one closest to the last name and
/// only as far as needed; if that is still too long the result is truncated. No ellipsis is added.
///
/// Particles in front of an abbreviated name go with it ("José da Silva Santos" → "José S. Santos"),
/// since "José da S. Santos" reads as a mistake. Names that already fit are returned unchanged.
pub fn abbreviate_name(name: &str, max: usize) -> String {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().count() <= max {
        return name;
    }
    let mut words: Vec<String> = name.split(' ').map(str::to_owned).collect();
    let last = words.len().saturating_sub(1);
    // Middle positions (not first, not last, not particles), right to left.
    let middles: Vec<usize> = (1..last)
        .rev()
        .filter(|&i| !is_particle(&words[i]))
        .collect();
    for i in middles {
        let initial: String = words[i]
            .chars()
            .next()
            .map(|c| format!("{c}."))
            .unwrap_or_default();
        words[i] = initial;
        if i > 0 && is_particle(&words[i - 1]) && i - 1 > 0 {
            words[i - 1].clear();
        }
        let candidate = words
            .iter()
            .filter(|w| !w.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        if candidate.chars().count() <= max {
            return candidate;
        }
    }
    let joined = words
        .iter()
        .filter(|w| !w.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    joined
        .chars()
        .take(max)
        .collect::<String>()
        .trim_end()
        .to_owned()
}

// ------------------------------------------------------------------------------------- companies

/// A company's registered name (razão social) and the name on the shop front (nome fantasia).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    /// ≤ 70 characters, ends with its legal form (`Ltda.`, `S.A.`, `ME`, `EPP`).
    pub legal_name: String,
    /// Short, ≤ 40 characters.
    pub trade_name: String,
}

/// Line of business as it appears in legal names, with a short label for the trade name.
const ACTIVITIES: &[(&str, &str)] = &[
    ("Comércio de Alimentos", "Alimentos"),
    ("Serviços de Informática", "Informática"),
    ("Transportes", "Transportes"),
    ("Construções", "Construções"),
    ("Engenharia", "Engenharia"),
    ("Consultoria Empresarial", "Consultoria"),
    ("Distribuidora de Bebidas", "Bebidas"),
    ("Indústria e Comércio de Móveis", "Móveis"),
    ("Materiais de Construção", "Materiais de Construção"),
    ("Tecnologia", "Tech"),
    ("Logística", "Log"),
    ("Representações Comerciais", "Representações"),
    ("Confecções", "Confecções"),
    ("Serviços Médicos", "Saúde"),
    ("Clínica Odontológica", "Odonto"),
    ("Comércio de Auto Peças", "Auto Peças"),
    ("Comércio de Roupas e Acessórios", "Modas"),
    ("Agropecuária", "Agro"),
    ("Importação e Exportação", "Trading"),
    ("Empreendimentos Imobiliários", "Imóveis"),
    ("Serviços Contábeis", "Contabilidade"),
    ("Padaria e Confeitaria", "Padaria"),
    ("Restaurante e Lanchonete", "Restaurante"),
    ("Drogaria e Perfumaria", "Drogaria"),
    ("Supermercado", "Supermercado"),
    ("Educação e Cursos", "Educação"),
    ("Comércio de Eletrônicos", "Eletrônicos"),
    ("Serviços de Limpeza", "Limpeza"),
    ("Marketing e Publicidade", "Marketing"),
    ("Segurança Patrimonial", "Segurança"),
];

/// Evocative words used in Brazilian company names.
#[rustfmt::skip]
const CONCEPTS: &[&str] = &[
    "Horizonte", "Aurora", "Boa Esperança", "Primavera", "Nova Era", "Estrela", "Pioneira",
    "Alvorada", "Cristal", "Atlântico", "Bandeirante", "Sol Nascente", "Vale Verde",
    "Serra Azul", "Três Irmãos", "Progresso", "Vitória", "Planalto", "Central", "Universal",
    "Ipê", "Jequitibá", "Araucária", "Tropical", "Litoral", "Rio Claro", "Nova Aliança",
    "Santa Luzia", "São Jorge", "Cruzeiro do Sul", "Itaúna", "Guarani", "Tupã", "Pantanal",
    "Cerrado", "Mantiqueira", "Ouro Verde", "Águia", "Conquista", "Harmonia",
];

fn fits_legal(s: &str) -> bool {
    s.chars().count() <= MAX_NAME_CHARS
}

/// A company with a plausible razão social and nome fantasia, e.g.
/// `Gonçalves & Pereira Comércio de Alimentos Ltda.` / `Gonçalves & Pereira`,
/// `Tecnologia Horizonte S.A.` / `Horizonte Tech`, `M. A. Souza Serviços de Limpeza ME` / `Souza Limpeza`.
pub fn gen_company<R: Rng + ?Sized>(rng: &mut R) -> Company {
    loop {
        let (activity, label) = *pick(rng, ACTIVITIES);
        let concept = *pick(rng, CONCEPTS);
        let surname_a = pick(rng, SURNAMES).0;
        let surname_b = pick(rng, SURNAMES).0;
        let (legal_name, trade_name) = match weighted_index(rng, &[30, 20, 20, 15, 15]) {
            0 if surname_a != surname_b => (
                format!("{surname_a} & {surname_b} {activity} Ltda."),
                format!("{surname_a} & {surname_b}"),
            ),
            1 => (
                format!("{activity} {concept} S.A."),
                format!("{concept} {label}"),
            ),
            2 => {
                // Initials of the owner's given names, as on a sole trader's registration.
                let sex = Sex::random(rng);
                let i1 = pick(rng, first_names(sex)).chars().next().unwrap_or('J');
                let i2 = pick(rng, first_names(sex)).chars().next().unwrap_or('A');
                let form = if rng.random_bool(0.7) { "ME" } else { "EPP" };
                (
                    format!("{i1}. {i2}. {surname_a} {activity} {form}"),
                    format!("{surname_a} {label}"),
                )
            }
            3 => (format!("{concept} {activity} Ltda."), concept.to_owned()),
            _ => (
                format!("{surname_a} {activity} Ltda."),
                format!("{label} {surname_a}"),
            ),
        };
        if fits_legal(&legal_name) && trade_name.chars().count() <= 40 {
            return Company {
                legal_name,
                trade_name,
            };
        }
    }
}

// ------------------------------------------------------------------------------------------ e-mail

/// Real free-mail domains used in Brazil that fake's PT_BR list gets wrong (`gmail.com.br` and
/// `hotmail.com.br` do not host mailboxes); the rest of that list is used as is.
const NOT_REAL_MAIL_DOMAINS: &[&str] = &["gmail.com.br", "hotmail.com.br"];

fn gen_email_domain<R: Rng + ?Sized>(rng: &mut R) -> &'static str {
    match weighted_index(rng, &[45, 15, 8, 32]) {
        0 => "gmail.com",
        1 => "hotmail.com",
        2 => "outlook.com",
        _ => {
            let brazilian: Vec<&'static str> = <PT_BR as Data>::INTERNET_FREE_EMAIL_PROVIDER
                .iter()
                .copied()
                .filter(|d| !NOT_REAL_MAIL_DOMAINS.contains(d))
                .collect();
            if brazilian.is_empty() {
                "gmail.com"
            } else {
                brazilian[rng.random_range(0..brazilian.len())]
            }
        }
    }
}

/// Lowercase ASCII letters and digits of a name word (`"Conceição"` → `"conceicao"`, `"D'Ávila"` →
/// `"davila"`).
fn email_word(word: &str) -> String {
    deunicode(word)
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// An e-mail for a person or company name: `first.last`, `first_last` or `firstlast`, sometimes with
/// digits (`joao.silva87`), at a common Brazilian free-mail provider. Accents are transliterated, so
/// the result is a plain RFC 5321/5322 address with a local part ≤ 64 characters.
pub fn email_for<R: Rng + ?Sized>(rng: &mut R, name: &str) -> String {
    const MAX_PART: usize = 28;
    let words: Vec<String> = name
        .split_whitespace()
        .filter(|w| !is_particle(&w.to_lowercase()))
        .map(email_word)
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().take(MAX_PART).collect())
        .collect();
    let domain = gen_email_domain(rng);
    let suffix = match weighted_index(rng, &[55, 30, 15]) {
        0 => String::new(),
        1 => format!("{:02}", rng.random_range(1..=99u32)),
        _ => format!("{}", rng.random_range(1960..=2006u32)),
    };
    let local = match words.as_slice() {
        [] => format!("cliente{:06}", rng.random_range(0..1_000_000u32)),
        [only] => {
            let digits = if suffix.is_empty() {
                format!("{:02}", rng.random_range(1..=99u32))
            } else {
                suffix
            };
            format!("{only}{digits}")
        }
        [first, .., last] => {
            let sep = match weighted_index(rng, &[60, 25, 15]) {
                0 => ".",
                1 => "_",
                _ => "",
            };
            format!("{first}{sep}{last}{suffix}")
        }
    };
    format!("{local}@{domain}")
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::super::test_rng::seeded;
    use super::*;

    fn is_simple_email(e: &str) -> bool {
        let Some((local, domain)) = e.split_once('@') else {
            return false;
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_')
            && !local.starts_with(['.', '_'])
            && !local.ends_with(['.', '_'])
            && !local.contains("..");
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|l| {
                !l.is_empty()
                    && l.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
        local_ok && domain_ok && e.len() <= 320
    }

    #[test]
    fn name_lists_are_large_unique_and_non_empty() {
        for (list, min) in [(FEMALE_FIRST_NAMES, 115), (MALE_FIRST_NAMES, 115)] {
            let unique: HashSet<_> = list.iter().collect();
            assert_eq!(unique.len(), list.len(), "duplicates");
            assert!(list.len() >= min, "{}", list.len());
        }
        let surnames: HashSet<_> = SURNAMES.iter().map(|s| s.0).collect();
        assert_eq!(surnames.len(), SURNAMES.len(), "duplicate surnames");
        assert!(SURNAMES.len() >= 150, "{}", SURNAMES.len());
        let female: HashSet<_> = FEMALE_FIRST_NAMES.iter().collect();
        assert!(
            MALE_FIRST_NAMES.iter().all(|m| !female.contains(m)),
            "name in both lists"
        );
        assert!(ACTIVITIES.len() > 10 && CONCEPTS.len() > 10);
    }

    #[test]
    fn lists_carry_accented_names() {
        assert!(MALE_FIRST_NAMES.contains(&"João"));
        assert!(FEMALE_FIRST_NAMES.contains(&"Conceição"));
        assert!(SURNAMES.iter().any(|s| s.0 == "Gonçalves"));
    }

    #[test]
    fn ten_thousand_full_names_fit_and_use_the_right_sex() {
        let mut rng = seeded(30);
        let female: HashSet<_> = FEMALE_FIRST_NAMES.iter().copied().collect();
        let male: HashSet<_> = MALE_FIRST_NAMES.iter().copied().collect();
        let mut with_particle = 0;
        for i in 0..10_000 {
            let sex = if i % 2 == 0 { Sex::Female } else { Sex::Male };
            let name = gen_full_name(&mut rng, sex);
            let words: Vec<&str> = name.split(' ').collect();
            assert!(words.len() >= 2, "{name}");
            assert!(name.chars().count() <= 70, "{name}");
            assert!(!name.contains("  ") && name.trim() == name, "{name:?}");
            let first = words[0];
            match sex {
                Sex::Female => assert!(female.contains(first), "{name}"),
                Sex::Male => assert!(male.contains(first), "{name}"),
            }
            if words.iter().any(|w| is_particle(w)) {
                with_particle += 1;
            }
            assert!(!is_particle(words[words.len() - 1]), "{name}");
        }
        assert!((1_500..7_000).contains(&with_particle), "{with_particle}");
    }

    #[test]
    fn abbreviate_keeps_short_names() {
        assert_eq!(abbreviate_name("Maria da Silva", 70), "Maria da Silva");
        assert_eq!(abbreviate_name("  Maria   da Silva ", 70), "Maria da Silva");
    }

    #[test]
    fn abbreviate_turns_middle_names_into_initials_from_the_right() {
        let name = "Maria Aparecida Gonçalves Pereira";
        assert_eq!(abbreviate_name(name, 30), "Maria Aparecida G. Pereira");
        assert_eq!(abbreviate_name(name, 20), "Maria A. G. Pereira");
    }

    #[test]
    fn abbreviate_drops_particle_of_abbreviated_name() {
        assert_eq!(
            abbreviate_name("José Carlos da Silva Santos", 20),
            "José C. S. Santos"
        );
        assert_eq!(
            abbreviate_name("Ana Beatriz Souza dos Santos", 24),
            "Ana B. S. dos Santos"
        );
    }

    #[test]
    fn abbreviate_truncates_without_ellipsis_when_initials_are_not_enough() {
        let out = abbreviate_name("Maximiliana Aparecida Gonçalves Bittencourt", 15);
        assert_eq!(out, "Maximiliana A.");
        assert!(out.chars().count() <= 15);
        assert!(!out.contains('…') && !out.ends_with("..."));
        assert_eq!(abbreviate_name("Maria", 0), "");
    }

    #[test]
    fn abbreviate_counts_characters_not_bytes() {
        // 12 characters but 14 bytes: must be kept whole at max 12.
        assert_eq!(abbreviate_name("João Gonçalo", 12), "João Gonçalo");
    }

    #[test]
    fn generated_companies_fit_and_end_with_a_legal_form() {
        let mut rng = seeded(31);
        let mut kinds = HashSet::new();
        for _ in 0..5_000 {
            let c = gen_company(&mut rng);
            assert!(c.legal_name.chars().count() <= 70, "{c:?}");
            assert!(
                !c.trade_name.is_empty() && c.trade_name.chars().count() <= 40,
                "{c:?}"
            );
            let form = ["Ltda.", "S.A.", "ME", "EPP"]
                .into_iter()
                .find(|f| c.legal_name.ends_with(f));
            let Some(form) = form else {
                panic!("no legal form: {c:?}");
            };
            kinds.insert(form);
            assert!(!c.legal_name.contains(" and "), "{c:?}");
        }
        assert_eq!(kinds.len(), 4, "{kinds:?}");
    }

    #[test]
    fn ten_thousand_emails_are_simple_ascii_addresses() {
        let mut rng = seeded(32);
        let mut domains = HashSet::new();
        for i in 0..10_000 {
            let sex = if i % 2 == 0 { Sex::Female } else { Sex::Male };
            let name = gen_full_name(&mut rng, sex);
            let email = email_for(&mut rng, &name);
            assert!(is_simple_email(&email), "{name} -> {email}");
            domains.insert(
                email
                    .split_once('@')
                    .map(|(_, d)| d.to_owned())
                    .unwrap_or_default(),
            );
            let first = email_word(name.split(' ').next().unwrap_or_default());
            assert!(email.starts_with(&first), "{name} -> {email}");
        }
        assert!(
            domains.contains("gmail.com") && domains.contains("uol.com.br"),
            "{domains:?}"
        );
        assert!(!domains.contains("gmail.com.br") && !domains.contains("hotmail.com.br"));
    }

    #[test]
    fn email_transliterates_and_handles_odd_names() {
        let mut rng = seeded(33);
        let e = email_for(&mut rng, "Conceição D'Ávila");
        assert!(e.starts_with("conceicao") && e.contains("davila"), "{e}");
        assert!(is_simple_email(&email_for(&mut rng, "")));
        assert!(is_simple_email(&email_for(&mut rng, "!!! ???")));
        assert!(is_simple_email(&email_for(&mut rng, "Zé")));
        let long = "A".repeat(400);
        let e = email_for(&mut rng, &format!("{long} {long}"));
        assert!(is_simple_email(&e), "{e}");
    }

    #[test]
    fn same_seed_gives_same_people_and_different_seeds_differ() {
        let run = |seed| {
            let mut rng = seeded(seed);
            (0..20)
                .map(|_| {
                    let sex = Sex::random(&mut rng);
                    let name = gen_full_name(&mut rng, sex);
                    let email = email_for(&mut rng, &name);
                    let company = gen_company(&mut rng);
                    format!(
                        "{name}|{email}|{}|{}",
                        company.legal_name, company.trade_name
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(run(5), run(5));
        assert_ne!(run(5), run(6));
    }
}
