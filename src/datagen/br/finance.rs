//! Financial reference data and values: real banks (COMPE code, ISPB, names), branch and account
//! numbers with a check digit, BRL amount strings, ISO 3166 alpha-3 countries with Portuguese names,
//! CNAE 2.3 economic-activity subclasses and CBO 2002 occupations.
//!
//! Bank codes and ISPBs are as published by the Banco Central (ISPB participant list); CNAE codes follow
//! IBGE/CONCLA's subclass table and CBO codes the Ministério do Trabalho's classification.

use rand::{Rng, RngExt};

use super::{digits, pick, weighted_index};

/// A bank or payment institution that settles in the SPB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bank {
    /// Three-digit COMPE code (`compeCode` in Open Finance).
    pub compe: &'static str,
    /// Eight-digit ISPB.
    pub ispb: &'static str,
    /// Name people use (`Itaú`, `Nubank`).
    pub short_name: &'static str,
    /// Registered name.
    pub legal_name: &'static str,
    /// Relative share of retail accounts, for realistic draws.
    weight: u32,
}

const fn bank(
    compe: &'static str,
    ispb: &'static str,
    short_name: &'static str,
    legal_name: &'static str,
    weight: u32,
) -> Bank {
    Bank {
        compe,
        ispb,
        short_name,
        legal_name,
        weight,
    }
}

#[rustfmt::skip]
pub static BANKS: &[Bank] = &[
    bank("001", "00000000", "Banco do Brasil", "Banco do Brasil S.A.", 15),
    bank("003", "04902979", "Banco da Amazônia", "Banco da Amazônia S.A.", 1),
    bank("004", "07237373", "Banco do Nordeste", "Banco do Nordeste do Brasil S.A.", 1),
    bank("021", "28127603", "Banestes", "Banestes S.A. Banco do Estado do Espírito Santo", 1),
    bank("033", "90400888", "Santander", "Banco Santander (Brasil) S.A.", 9),
    bank("041", "92702067", "Banrisul", "Banco do Estado do Rio Grande do Sul S.A.", 2),
    bank("070", "00000208", "BRB", "BRB - Banco de Brasília S.A.", 1),
    bank("077", "00416968", "Inter", "Banco Inter S.A.", 5),
    bank("104", "00360305", "Caixa", "Caixa Econômica Federal", 15),
    bank("208", "30306294", "BTG Pactual", "Banco BTG Pactual S.A.", 2),
    bank("212", "92894922", "Banco Original", "Banco Original S.A.", 1),
    bank("237", "60746948", "Bradesco", "Banco Bradesco S.A.", 14),
    bank("260", "18236120", "Nubank", "Nu Pagamentos S.A. - Instituição de Pagamento", 12),
    bank("290", "08561701", "PagBank", "PagSeguro Internet Instituição de Pagamento S.A.", 3),
    bank("323", "10573521", "Mercado Pago", "Mercado Pago Instituição de Pagamento Ltda.", 3),
    bank("332", "13140088", "Bankly", "Acesso Soluções de Pagamento S.A.", 1),
    bank("336", "31872495", "C6 Bank", "Banco C6 S.A.", 3),
    bank("341", "60701190", "Itaú", "Itaú Unibanco S.A.", 14),
    bank("348", "33264668", "Banco XP", "Banco XP S.A.", 1),
    bank("380", "22896431", "PicPay", "PicPay Instituição de Pagamento S.A.", 3),
    bank("422", "58160789", "Safra", "Banco Safra S.A.", 1),
    bank("623", "59285411", "Banco Pan", "Banco Pan S.A.", 1),
    bank("655", "59588111", "Banco Votorantim", "Banco Votorantim S.A.", 1),
    bank("748", "01181521", "Sicredi", "Banco Cooperativo Sicredi S.A.", 3),
    bank("756", "02038232", "Sicoob", "Banco Cooperativo Sicoob S.A. - Banco Sicoob", 3),
];

/// The bank with this COMPE code (`"341"`).
pub fn bank_by_compe(compe: &str) -> Option<&'static Bank> {
    BANKS.iter().find(|b| b.compe == compe.trim())
}

/// The bank with this ISPB (`"60701190"`).
pub fn bank_by_ispb(ispb: &str) -> Option<&'static Bank> {
    BANKS.iter().find(|b| b.ispb == ispb.trim())
}

/// A bank drawn by rough share of retail accounts: the big five and Nubank dominate.
pub fn gen_bank<R: Rng + ?Sized>(rng: &mut R) -> &'static Bank {
    let weights: Vec<u32> = BANKS.iter().map(|b| b.weight).collect();
    &BANKS[weighted_index(rng, &weights)]
}

/// A four-digit branch code (`0001`–`9999`; digital banks mostly use `0001`).
pub fn gen_branch<R: Rng + ?Sized>(rng: &mut R) -> String {
    format!("{:04}", rng.random_range(1..=9999u32))
}

/// Mod-11 check digit of an account number: weights 2..=9 repeating from the rightmost digit,
/// `11 - sum % 11`, with 10 and 11 written as `0`.
///
/// Each bank has its own rule (some write `X`, some weigh the branch too); Open Finance only asks for one
/// character, so one consistent, digit-only rule is what the sandbox needs.
pub fn account_check_digit(number: &str) -> Option<char> {
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = number
        .bytes()
        .rev()
        .zip((2..=9u32).cycle())
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(match 11 - sum % 11 {
        10 | 11 => '0',
        v => char::from_digit(v, 10).unwrap_or('0'),
    })
}

/// A bank account: bank, branch, number (8–12 digits, Open Finance requires ≥ 8) and check digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub bank: &'static Bank,
    pub branch: String,
    pub number: String,
    pub check_digit: char,
}

/// A random account at a population-weighted bank.
pub fn gen_account<R: Rng + ?Sized>(rng: &mut R) -> Account {
    let bank = gen_bank(rng);
    let branch = gen_branch(rng);
    let len = rng.random_range(8..=12usize);
    // Leading digit non-zero so the number keeps its length when parsed as an integer downstream.
    let number = format!("{}{}", rng.random_range(1..=9u8), digits(rng, len - 1));
    let check_digit = account_check_digit(&number).unwrap_or('0');
    Account {
        bank,
        branch,
        number,
        check_digit,
    }
}

/// A non-negative amount in reais as a decimal string with `decimals` places, drawn uniformly between
/// `min_cents` and `max_cents` (inclusive; swapped if given in the wrong order), e.g. `"4523.17"`.
///
/// Works on integer cents so the text is exact (no float artefacts like `4523.169999`). With more than
/// two places the extra ones are zeros (`"4523.1700"`), with fewer the cents are cut, never rounded up
/// past `max_cents`. Open Finance amounts want 2–4 places (`^\d{1,15}\.\d{2,4}$`).
pub fn amount<R: Rng + ?Sized>(
    rng: &mut R,
    min_cents: u64,
    max_cents: u64,
    decimals: u32,
) -> String {
    let (lo, hi) = if min_cents <= max_cents {
        (min_cents, max_cents)
    } else {
        (max_cents, min_cents)
    };
    let cents = rng.random_range(lo..=hi);
    let reais = cents / 100;
    let frac = cents % 100;
    match decimals {
        0 => reais.to_string(),
        1 => format!("{reais}.{}", frac / 10),
        d => format!("{reais}.{frac:02}{}", "0".repeat(d as usize - 2)),
    }
}

// ------------------------------------------------------------------------------------- countries

/// ISO 3166-1 alpha-3 code with the country's name in Portuguese.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    pub alpha3: &'static str,
    pub name_pt: &'static str,
}

const fn country(alpha3: &'static str, name_pt: &'static str) -> Country {
    Country { alpha3, name_pt }
}

#[rustfmt::skip]
pub static COUNTRIES: &[Country] = &[
    country("BRA", "Brasil"), country("PRT", "Portugal"), country("USA", "Estados Unidos"),
    country("ARG", "Argentina"), country("URY", "Uruguai"), country("PRY", "Paraguai"),
    country("CHL", "Chile"), country("BOL", "Bolívia"), country("PER", "Peru"),
    country("COL", "Colômbia"), country("VEN", "Venezuela"), country("ECU", "Equador"),
    country("MEX", "México"), country("CAN", "Canadá"), country("ESP", "Espanha"),
    country("FRA", "França"), country("ITA", "Itália"), country("DEU", "Alemanha"),
    country("GBR", "Reino Unido"), country("NLD", "Países Baixos"), country("BEL", "Bélgica"),
    country("CHE", "Suíça"), country("AUT", "Áustria"), country("IRL", "Irlanda"),
    country("SWE", "Suécia"), country("NOR", "Noruega"), country("DNK", "Dinamarca"),
    country("POL", "Polônia"), country("CHN", "China"), country("JPN", "Japão"),
    country("KOR", "Coreia do Sul"), country("IND", "Índia"), country("ISR", "Israel"),
    country("LBN", "Líbano"), country("AGO", "Angola"), country("MOZ", "Moçambique"),
    country("CPV", "Cabo Verde"), country("ZAF", "África do Sul"), country("AUS", "Austrália"),
    country("NZL", "Nova Zelândia"), country("CUB", "Cuba"), country("HTI", "Haiti"),
    country("GUY", "Guiana"), country("SUR", "Suriname"), country("TUR", "Turquia"),
];

/// The country with this alpha-3 code (case-insensitive).
pub fn country_by_alpha3(code: &str) -> Option<&'static Country> {
    COUNTRIES
        .iter()
        .find(|c| c.alpha3.eq_ignore_ascii_case(code.trim()))
}

/// A country other than Brazil, for foreign nationalities and addresses abroad.
pub fn gen_foreign_country<R: Rng + ?Sized>(rng: &mut R) -> &'static Country {
    // COUNTRIES[0] is Brazil.
    pick(rng, &COUNTRIES[1..])
}

// ------------------------------------------------------------------------------------------- CNAE

/// A CNAE 2.3 subclass: seven digits (Open Finance `economicActivities[].code`, `^\d{7}$`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cnae {
    pub code: &'static str,
    pub description: &'static str,
}

impl Cnae {
    /// `0000-0/00`, the form printed on the CNPJ card.
    pub fn formatted(&self) -> String {
        let c = self.code;
        if c.len() != 7 || !c.is_ascii() {
            return c.to_owned();
        }
        format!("{}-{}/{}", &c[..4], &c[4..5], &c[5..])
    }
}

const fn cnae(code: &'static str, description: &'static str) -> Cnae {
    Cnae { code, description }
}

#[rustfmt::skip]
pub static CNAES: &[Cnae] = &[
    cnae("4711301", "Comércio varejista de mercadorias em geral, com predominância de produtos alimentícios - hipermercados"),
    cnae("4711302", "Comércio varejista de mercadorias em geral, com predominância de produtos alimentícios - supermercados"),
    cnae("4712100", "Comércio varejista de mercadorias em geral, com predominância de produtos alimentícios - minimercados, mercearias e armazéns"),
    cnae("4721102", "Padaria e confeitaria com predominância de revenda"),
    cnae("4723700", "Comércio varejista de bebidas"),
    cnae("4744099", "Comércio varejista de materiais de construção em geral"),
    cnae("4771701", "Comércio varejista de produtos farmacêuticos, sem manipulação de fórmulas"),
    cnae("4772500", "Comércio varejista de cosméticos, produtos de perfumaria e de higiene pessoal"),
    cnae("4781400", "Comércio varejista de artigos do vestuário e acessórios"),
    cnae("4782201", "Comércio varejista de calçados"),
    cnae("4789004", "Comércio varejista de animais vivos e de artigos e alimentos para animais de estimação"),
    cnae("4530703", "Comércio a varejo de peças e acessórios novos para veículos automotores"),
    cnae("4520001", "Serviços de manutenção e reparação mecânica de veículos automotores"),
    cnae("4639701", "Comércio atacadista de produtos alimentícios em geral"),
    cnae("4635402", "Comércio atacadista de cerveja, chope e refrigerante"),
    cnae("5611201", "Restaurantes e similares"),
    cnae("5611203", "Lanchonetes, casas de chá, de sucos e similares"),
    cnae("5620104", "Fornecimento de alimentos preparados preponderantemente para consumo domiciliar"),
    cnae("5510801", "Hotéis"),
    cnae("4930201", "Transporte rodoviário de carga, exceto produtos perigosos e mudanças, municipal"),
    cnae("4930202", "Transporte rodoviário de carga, exceto produtos perigosos e mudanças, intermunicipal, interestadual e internacional"),
    cnae("4923001", "Serviço de táxi"),
    cnae("5320202", "Serviços de entrega rápida"),
    cnae("4120400", "Construção de edifícios"),
    cnae("4321500", "Instalação e manutenção elétrica"),
    cnae("4399103", "Obras de alvenaria"),
    cnae("6201501", "Desenvolvimento de programas de computador sob encomenda"),
    cnae("6202300", "Desenvolvimento e licenciamento de programas de computador customizáveis"),
    cnae("6204000", "Consultoria em tecnologia da informação"),
    cnae("6209100", "Suporte técnico, manutenção e outros serviços em tecnologia da informação"),
    cnae("6311900", "Tratamento de dados, provedores de serviços de aplicação e serviços de hospedagem na internet"),
    cnae("6422100", "Bancos múltiplos, com carteira comercial"),
    cnae("6462000", "Holdings de instituições não-financeiras"),
    cnae("6810202", "Aluguel de imóveis próprios"),
    cnae("6821801", "Corretagem na compra e venda e avaliação de imóveis"),
    cnae("6911701", "Serviços advocatícios"),
    cnae("6920601", "Atividades de contabilidade"),
    cnae("7020400", "Atividades de consultoria em gestão empresarial, exceto consultoria técnica específica"),
    cnae("7112000", "Serviços de engenharia"),
    cnae("7311400", "Agências de publicidade"),
    cnae("7319002", "Promoção de vendas"),
    cnae("7490104", "Atividades de intermediação e agenciamento de serviços e negócios em geral, exceto imobiliários"),
    cnae("7500100", "Atividades veterinárias"),
    cnae("8112500", "Condomínios prediais"),
    cnae("8121400", "Limpeza em prédios e em domicílios"),
    cnae("8211300", "Serviços combinados de escritório e apoio administrativo"),
    cnae("8219999", "Preparação de documentos e serviços especializados de apoio administrativo não especificados anteriormente"),
    cnae("8513900", "Ensino fundamental"),
    cnae("8599604", "Treinamento em desenvolvimento profissional e gerencial"),
    cnae("8630503", "Atividade médica ambulatorial restrita a consultas"),
    cnae("8630504", "Atividade odontológica"),
    cnae("8650004", "Atividades de fisioterapia"),
    cnae("9313100", "Atividades de condicionamento físico"),
    cnae("9511800", "Reparação e manutenção de computadores e de equipamentos periféricos"),
    cnae("9602501", "Cabeleireiros, manicure e pedicure"),
    cnae("0151201", "Criação de bovinos para corte"),
    cnae("0115600", "Cultivo de soja"),
];

/// The CNAE subclass with this seven-digit code (masks such as `6201-5/01` are accepted).
pub fn cnae_by_code(code: &str) -> Option<&'static Cnae> {
    let bare = super::docs::strip_mask(code);
    CNAES.iter().find(|c| c.code == bare)
}

/// A CNAE subclass for a company's main activity.
pub fn gen_cnae<R: Rng + ?Sized>(rng: &mut R) -> &'static Cnae {
    pick(rng, CNAES)
}

// -------------------------------------------------------------------------------------------- CBO

/// A CBO 2002 occupation: six digits (`occupationCode` = `CBO` in Open Finance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occupation {
    pub code: &'static str,
    pub description: &'static str,
}

const fn cbo(code: &'static str, description: &'static str) -> Occupation {
    Occupation { code, description }
}

#[rustfmt::skip]
pub static OCCUPATIONS: &[Occupation] = &[
    cbo("212405", "Analista de desenvolvimento de sistemas"),
    cbo("212305", "Administrador de banco de dados"),
    cbo("317110", "Programador de sistemas de informação"),
    cbo("252105", "Administrador"),
    cbo("252210", "Contador"),
    cbo("252305", "Secretária(o) executiva(o)"),
    cbo("252505", "Administrador de fundos e carteiras de investimento"),
    cbo("241005", "Advogado"),
    cbo("225125", "Médico clínico"),
    cbo("223208", "Cirurgião dentista - clínico geral"),
    cbo("223505", "Enfermeiro"),
    cbo("322205", "Técnico de enfermagem"),
    cbo("223605", "Fisioterapeuta geral"),
    cbo("223405", "Farmacêutico"),
    cbo("251510", "Psicólogo clínico"),
    cbo("214205", "Engenheiro civil"),
    cbo("214105", "Arquiteto de edificações"),
    cbo("142105", "Gerente administrativo"),
    cbo("142305", "Gerente comercial"),
    cbo("141410", "Comerciante varejista"),
    cbo("411005", "Auxiliar de escritório"),
    cbo("411010", "Assistente administrativo"),
    cbo("414105", "Almoxarife"),
    cbo("421125", "Operador de caixa"),
    cbo("422105", "Recepcionista, em geral"),
    cbo("521110", "Vendedor de comércio varejista"),
    cbo("521140", "Atendente de lojas e mercados"),
    cbo("513405", "Garçom"),
    cbo("513205", "Cozinheiro geral"),
    cbo("514320", "Faxineiro"),
    cbo("514120", "Zelador de edifício"),
    cbo("512105", "Empregado doméstico nos serviços gerais"),
    cbo("517330", "Vigilante"),
    cbo("515105", "Agente comunitário de saúde"),
    cbo("516110", "Cabeleireiro"),
    cbo("782305", "Motorista de carro de passeio"),
    cbo("782510", "Motorista de caminhão (rotas regionais e internacionais)"),
    cbo("715210", "Pedreiro"),
    cbo("717020", "Servente de obras"),
    cbo("715610", "Eletricista de instalações (edifícios)"),
    cbo("724110", "Encanador"),
    cbo("716610", "Pintor de obras"),
    cbo("771105", "Marceneiro"),
    cbo("914405", "Mecânico de manutenção de automóveis, motocicletas e veículos similares"),
    cbo("784205", "Alimentador de linha de produção"),
    cbo("621005", "Trabalhador agropecuário em geral"),
    cbo("622020", "Trabalhador volante da agricultura"),
    cbo("848510", "Açougueiro"),
];

/// The occupation with this six-digit CBO code (the `0000-00` mask is accepted).
pub fn occupation_by_code(code: &str) -> Option<&'static Occupation> {
    let bare = super::docs::strip_mask(code);
    OCCUPATIONS.iter().find(|o| o.code == bare)
}

/// An occupation for a personal customer.
pub fn gen_occupation<R: Rng + ?Sized>(rng: &mut R) -> &'static Occupation {
    pick(rng, OCCUPATIONS)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::super::test_rng::seeded;
    use super::*;

    #[test]
    fn bank_table_has_the_reference_entries() {
        for (compe, ispb) in [
            ("001", "00000000"),
            ("104", "00360305"),
            ("237", "60746948"),
            ("341", "60701190"),
            ("033", "90400888"),
            ("260", "18236120"),
            ("077", "00416968"),
            ("336", "31872495"),
        ] {
            assert_eq!(bank_by_compe(compe).map(|b| b.ispb), Some(ispb), "{compe}");
            assert_eq!(bank_by_ispb(ispb).map(|b| b.compe), Some(compe), "{ispb}");
        }
        assert!(bank_by_compe("999").is_none());
    }

    #[test]
    fn bank_codes_are_well_formed_and_unique() {
        assert!(BANKS.len() >= 15);
        let compes: HashSet<_> = BANKS.iter().map(|b| b.compe).collect();
        let ispbs: HashSet<_> = BANKS.iter().map(|b| b.ispb).collect();
        assert_eq!(compes.len(), BANKS.len());
        assert_eq!(ispbs.len(), BANKS.len());
        for b in BANKS {
            assert!(
                b.compe.len() == 3 && b.compe.bytes().all(|c| c.is_ascii_digit()),
                "{b:?}"
            );
            assert!(
                b.ispb.len() == 8 && b.ispb.bytes().all(|c| c.is_ascii_digit()),
                "{b:?}"
            );
            assert!(b.weight > 0, "{b:?}");
        }
    }

    #[test]
    fn account_check_digit_follows_mod_11() {
        // 1·9+2·8+3·7+4·6+5·5+6·4+7·3+8·2 (weights 2..9 from the right) = 156; 156 % 11 = 2; 11-2 = 9.
        assert_eq!(account_check_digit("12345678"), Some('9'));
        assert_eq!(account_check_digit(""), None);
        assert_eq!(account_check_digit("12a4"), None);
    }

    #[test]
    fn ten_thousand_accounts_match_open_finance_shapes() {
        let mut rng = seeded(50);
        for _ in 0..10_000 {
            let a = gen_account(&mut rng);
            assert!((8..=12).contains(&a.number.len()), "{a:?}");
            assert!(a.number.bytes().all(|b| b.is_ascii_digit()), "{a:?}");
            assert_eq!(account_check_digit(&a.number), Some(a.check_digit));
            assert!(a.branch.len() == 4 && a.branch != "0000", "{a:?}");
            assert!(bank_by_compe(a.bank.compe).is_some());
        }
    }

    #[test]
    fn big_banks_are_drawn_more_often() {
        let mut rng = seeded(51);
        let mut itau = 0;
        let mut brb = 0;
        for _ in 0..10_000 {
            match gen_bank(&mut rng).compe {
                "341" => itau += 1,
                "070" => brb += 1,
                _ => {}
            }
        }
        assert!(itau > 5 * brb, "itau={itau} brb={brb}");
    }

    #[test]
    fn amount_is_exact_and_in_range() {
        let mut rng = seeded(52);
        for _ in 0..10_000 {
            let s = amount(&mut rng, 100, 1_000_000, 2);
            let Some((int, frac)) = s.split_once('.') else {
                panic!("{s}");
            };
            assert_eq!(frac.len(), 2, "{s}");
            assert!(
                int.bytes().all(|b| b.is_ascii_digit()) && !int.is_empty(),
                "{s}"
            );
            let cents: u64 = format!("{int}{frac}").parse().unwrap_or(u64::MAX);
            assert!((100..=1_000_000).contains(&cents), "{s}");
        }
    }

    #[test]
    fn amount_handles_decimals_and_swapped_bounds() {
        let mut rng = seeded(53);
        assert_eq!(amount(&mut rng, 452_317, 452_317, 2), "4523.17");
        assert_eq!(amount(&mut rng, 452_317, 452_317, 4), "4523.1700");
        assert_eq!(amount(&mut rng, 452_317, 452_317, 1), "4523.1");
        assert_eq!(amount(&mut rng, 452_317, 452_317, 0), "4523");
        assert_eq!(amount(&mut rng, 5, 5, 2), "0.05");
        let s = amount(&mut rng, 900, 100, 2);
        let v: f64 = s.parse().unwrap_or(-1.0);
        assert!((1.0..=9.0).contains(&v), "{s}");
    }

    #[test]
    fn countries_are_unique_alpha3_with_brazil_first() {
        assert!(COUNTRIES.len() >= 40);
        assert_eq!(COUNTRIES[0].alpha3, "BRA");
        let codes: HashSet<_> = COUNTRIES.iter().map(|c| c.alpha3).collect();
        assert_eq!(codes.len(), COUNTRIES.len());
        assert!(
            COUNTRIES
                .iter()
                .all(|c| c.alpha3.len() == 3 && c.alpha3.bytes().all(|b| b.is_ascii_uppercase()))
        );
        assert_eq!(
            country_by_alpha3("usa").map(|c| c.name_pt),
            Some("Estados Unidos")
        );
        assert_eq!(
            country_by_alpha3("PRT").map(|c| c.name_pt),
            Some("Portugal")
        );
        let mut rng = seeded(54);
        assert!((0..1_000).all(|_| gen_foreign_country(&mut rng).alpha3 != "BRA"));
    }

    #[test]
    fn cnae_codes_are_seven_unique_digits() {
        assert!(CNAES.len() >= 40);
        let codes: HashSet<_> = CNAES.iter().map(|c| c.code).collect();
        assert_eq!(codes.len(), CNAES.len());
        assert!(
            CNAES
                .iter()
                .all(|c| c.code.len() == 7 && c.code.bytes().all(|b| b.is_ascii_digit()))
        );
        assert_eq!(
            cnae_by_code("6201-5/01").map(|c| c.formatted()).as_deref(),
            Some("6201-5/01")
        );
        assert!(cnae_by_code("0000000").is_none());
    }

    #[test]
    fn cbo_codes_are_six_unique_digits() {
        assert!(OCCUPATIONS.len() >= 40);
        let codes: HashSet<_> = OCCUPATIONS.iter().map(|c| c.code).collect();
        assert_eq!(codes.len(), OCCUPATIONS.len());
        assert!(
            OCCUPATIONS
                .iter()
                .all(|c| c.code.len() == 6 && c.code.bytes().all(|b| b.is_ascii_digit()))
        );
        assert_eq!(
            occupation_by_code("2124-05").map(|o| o.description),
            Some("Analista de desenvolvimento de sistemas")
        );
    }

    #[test]
    fn same_seed_gives_same_financial_data_and_different_seeds_differ() {
        let run = |seed| {
            let mut rng = seeded(seed);
            (0..20)
                .map(|_| {
                    let a = gen_account(&mut rng);
                    format!(
                        "{}|{}|{}|{}|{}|{}",
                        a.bank.compe,
                        a.number,
                        amount(&mut rng, 0, 10_000_000, 2),
                        gen_cnae(&mut rng).code,
                        gen_occupation(&mut rng).code,
                        gen_foreign_country(&mut rng).alpha3
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(run(9), run(9));
        assert_ne!(run(9), run(10));
    }
}
