//! The issuer's catalogue from `fixtures/portadores.yaml`: products, stores, block types and the
//! reference tables the rules check codes against. Parsed and checked once at start; a mistake in the
//! file is a load error that names the list, the entry and what is wrong with it.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::text;
use crate::datagen::br;

/// The embedded copy, used when no `--fixtures` directory provides one.
pub const EMBEDDED: &str = include_str!("../../../../fixtures/portadores.yaml");

#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("{source_name}: cannot read: {message}")]
    Io {
        source_name: String,
        message: String,
    },
    #[error("{source_name}: not a valid catalogue: {message}")]
    Parse {
        source_name: String,
        message: String,
    },
    #[error("{source_name}: {at}: {message}")]
    Invalid {
        source_name: String,
        /// `produtos[id=3]`, `regras`, ...
        at: String,
        message: String,
    },
}

/// Numbers the rules use.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Regras {
    pub idade_minima_titular: u32,
    pub idade_minima_adicional: u32,
    pub maximo_adicionais: usize,
    pub maximo_telefones: usize,
    pub maximo_referencias: usize,
    pub periodo_maximo_ocorrencias_dias: i64,
    pub maximo_ids_lote: usize,
    pub tamanho_pagina_padrao: u32,
    pub tamanho_pagina_maximo: u32,
    pub tentativas_senha: u32,
    pub tamanho_maximo_nome_cartao: usize,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Loja {
    pub id: u32,
    pub nome: String,
    pub cnpj: String,
    pub digital: bool,
    pub cidade: String,
    pub uf: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum Publico {
    PF,
    PJ,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Bandeira {
    Mastercard,
    Visa,
    Elo,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Encargos {
    pub cobrar_multa: bool,
    pub multa: f64,
    pub regra_calculo_multa: String,
    pub mora: f64,
    pub regra_calculo_mora: String,
    pub juros_rotativo: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LimiteExtra {
    pub percentual_padrao: f64,
    pub valor_padrao: f64,
    pub habilitar_clientes_novos: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Overlimit {
    pub percentual_sobre_uso: f64,
    pub permite_percentual_sobre_uso: bool,
    pub taxa_sobre_uso: f64,
    pub permite_taxa_sobre_uso: bool,
    pub permite_repetir_mesmo_ciclo: bool,
}

/// A card product.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Produto {
    pub id: u32,
    pub descricao: String,
    pub publico: Publico,
    pub digital: bool,
    pub bandeira: Option<Bandeira>,
    /// Opens every card number of the product (6 or 8 digits).
    pub bin: String,
    pub limite_minimo: f64,
    pub limite_maximo: f64,
    pub limite_padrao: f64,
    pub renda_minima: f64,
    pub dias_vencimento: Vec<u8>,
    pub dias_corte_antes_vencimento: u8,
    pub dias_carencia: u8,
    pub validade_meses: u32,
    pub lojas: Vec<u32>,
    pub encargos: Encargos,
    pub limite_extra: LimiteExtra,
    pub overlimit: Overlimit,
}

impl Produto {
    pub fn bandeirado(&self) -> bool {
        self.bandeira.is_some()
    }

    pub fn limite_dentro(&self, valor: f64) -> bool {
        valor >= self.limite_minimo && valor <= self.limite_maximo
    }

    pub fn vendido_em(&self, loja: u32) -> bool {
        self.lojas.contains(&loja)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TipoBloqueio {
    pub id: u32,
    pub codigo: String,
    pub descricao: String,
    pub definitivo: bool,
    pub origem: OrigemBloqueio,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrigemBloqueio {
    Portador,
    Emissor,
}

/// One row of a reference table (`escolaridades`, `ocupacoes`, `moradias`, `grausParentesco`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ItemTabela {
    pub id: u32,
    pub codigo: String,
    pub descricao: String,
}

/// A profession: one CBO 2002 occupation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Profissao {
    pub id: u32,
    pub cbo: String,
    pub descricao: String,
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Catalogue {
    pub regras: Regras,
    pub lojas: Vec<Loja>,
    pub produtos: Vec<Produto>,
    pub tipos_bloqueio: Vec<TipoBloqueio>,
    pub escolaridades: Vec<ItemTabela>,
    pub ocupacoes: Vec<ItemTabela>,
    pub profissoes: Vec<Profissao>,
    pub moradias: Vec<ItemTabela>,
    pub graus_parentesco: Vec<ItemTabela>,
    pub orgaos_emissores: Vec<String>,
}

impl Catalogue {
    /// Parses and checks a catalogue. `source_name` names it in errors.
    pub fn parse(source_name: &str, text: &str) -> Result<Catalogue, FixtureError> {
        let catalogue: Catalogue =
            serde_yaml_ng::from_str(text).map_err(|e| FixtureError::Parse {
                source_name: source_name.to_string(),
                message: e.to_string(),
            })?;
        catalogue
            .check()
            .map_err(|(at, message)| FixtureError::Invalid {
                source_name: source_name.to_string(),
                at,
                message,
            })?;
        Ok(catalogue)
    }

    /// The embedded catalogue.
    pub fn embedded() -> Result<Catalogue, FixtureError> {
        Catalogue::parse("portadores.yaml", EMBEDDED)
    }

    /// `portadores.yaml` of `dir` when it has one, the embedded catalogue otherwise (the same rule
    /// as the other families' fixtures).
    pub fn load(dir: Option<&Path>) -> Result<Catalogue, FixtureError> {
        match dir.map(|d| d.join("portadores.yaml")) {
            Some(path) if path.exists() => {
                let source_name = path.display().to_string();
                let text = std::fs::read_to_string(&path).map_err(|e| FixtureError::Io {
                    source_name: source_name.clone(),
                    message: e.to_string(),
                })?;
                Catalogue::parse(&source_name, &text)
            }
            _ => Catalogue::embedded(),
        }
    }

    pub fn produto(&self, id: u32) -> Option<&Produto> {
        self.produtos.iter().find(|p| p.id == id)
    }

    pub fn loja(&self, id: u32) -> Option<&Loja> {
        self.lojas.iter().find(|l| l.id == id)
    }

    pub fn tipo_bloqueio(&self, id: u32) -> Option<&TipoBloqueio> {
        self.tipos_bloqueio.iter().find(|t| t.id == id)
    }

    pub fn grau_parentesco(&self, codigo: &str) -> Option<&ItemTabela> {
        self.graus_parentesco.iter().find(|g| g.codigo == codigo)
    }

    pub fn ocupacao_por_codigo(&self, codigo: &str) -> Option<&ItemTabela> {
        self.ocupacoes.iter().find(|o| o.codigo == codigo)
    }

    pub fn ocupacao(&self, id: u32) -> Option<&ItemTabela> {
        self.ocupacoes.iter().find(|o| o.id == id)
    }

    pub fn escolaridade(&self, id: u32) -> Option<&ItemTabela> {
        self.escolaridades.iter().find(|e| e.id == id)
    }

    pub fn escolaridade_por_codigo(&self, codigo: &str) -> Option<&ItemTabela> {
        self.escolaridades.iter().find(|e| e.codigo == codigo)
    }

    pub fn moradia(&self, id: u32) -> Option<&ItemTabela> {
        self.moradias.iter().find(|m| m.id == id)
    }

    pub fn profissao(&self, id: u32) -> Option<&Profissao> {
        self.profissoes.iter().find(|p| p.id == id)
    }

    pub fn profissao_por_cbo(&self, cbo: &str) -> Option<&Profissao> {
        self.profissoes.iter().find(|p| p.cbo == cbo)
    }

    pub fn orgao_emissor(&self, codigo: &str) -> bool {
        self.orgaos_emissores.iter().any(|o| o == codigo)
    }

    /// The first product for this public; generated holders get products of their kind.
    pub fn produtos_de(&self, publico: Publico) -> impl Iterator<Item = &Produto> {
        self.produtos.iter().filter(move |p| p.publico == publico)
    }

    fn check(&self) -> Result<(), (String, String)> {
        let fail = |at: String, message: String| Err((at, message));
        let r = &self.regras;
        if r.idade_minima_titular < 16 || r.idade_minima_adicional < 14 {
            return fail(
                "regras".into(),
                "minimum ages below 16 (holder) or 14 (additional) are not allowed".into(),
            );
        }
        if r.tamanho_pagina_padrao == 0 || r.tamanho_pagina_padrao > r.tamanho_pagina_maximo {
            return fail(
                "regras".into(),
                "tamanhoPaginaPadrao must be between 1 and tamanhoPaginaMaximo".into(),
            );
        }
        if r.periodo_maximo_ocorrencias_dias < 1
            || r.maximo_ids_lote == 0
            || r.tentativas_senha == 0
            || r.maximo_telefones == 0
        {
            return fail(
                "regras".into(),
                "periodoMaximoOcorrenciasDias, maximoIdsLote, tentativasSenha and maximoTelefones must be at least 1".into(),
            );
        }
        if !(1..=9).contains(&r.maximo_adicionais) {
            // A dependent's id is its account's id times ten plus its order.
            return fail(
                "regras".into(),
                "maximoAdicionais must be between 1 and 9".into(),
            );
        }
        if !(10..=26).contains(&r.tamanho_maximo_nome_cartao) {
            return fail(
                "regras".into(),
                "tamanhoMaximoNomeCartao must be between 10 and 26 (embossing line)".into(),
            );
        }

        non_empty("lojas", self.lojas.len())?;
        unique("lojas", self.lojas.iter().map(|l| l.id))?;
        for l in &self.lojas {
            let at = format!("lojas[id={}]", l.id);
            if !br::is_valid_cnpj(&l.cnpj) || l.cnpj.len() != 14 {
                return fail(at, format!("{} is not a valid unmasked CNPJ", l.cnpj));
            }
            if br::uf_by_sigla(&l.uf).is_none() || l.uf != l.uf.to_ascii_uppercase() {
                return fail(at, format!("UF {} does not exist", l.uf));
            }
            if !text::town_in_uf(&l.cidade, &l.uf) {
                return fail(
                    at,
                    format!("{} is not a town of {} in the IBGE table", l.cidade, l.uf),
                );
            }
        }

        non_empty("produtos", self.produtos.len())?;
        unique("produtos", self.produtos.iter().map(|p| p.id))?;
        for p in &self.produtos {
            let at = format!("produtos[id={}]", p.id);
            if !matches!(p.bin.len(), 6 | 8) || !p.bin.bytes().all(|b| b.is_ascii_digit()) {
                return fail(at, format!("bin {} must be 6 or 8 digits", p.bin));
            }
            let first = p.bin.as_bytes()[0];
            let brand_ok = match p.bandeira {
                Some(Bandeira::Visa) => first == b'4',
                Some(Bandeira::Mastercard) => matches!(first, b'2' | b'5'),
                Some(Bandeira::Elo) | None => true,
            };
            if !brand_ok {
                return fail(
                    at,
                    format!("bin {} does not belong to {:?}", p.bin, p.bandeira),
                );
            }
            if !(p.limite_minimo >= 0.0
                && p.limite_minimo <= p.limite_padrao
                && p.limite_padrao <= p.limite_maximo)
            {
                return fail(
                    at,
                    "limits must satisfy 0 <= limiteMinimo <= limitePadrao <= limiteMaximo".into(),
                );
            }
            if p.renda_minima < 0.0 {
                return fail(at, "rendaMinima cannot be negative".into());
            }
            if p.dias_vencimento.is_empty()
                || p.dias_vencimento.iter().any(|d| !(1..=28).contains(d))
            {
                return fail(
                    at,
                    "diasVencimento must list due days between 1 and 28 (every month has them)"
                        .into(),
                );
            }
            let distinct: HashSet<_> = p.dias_vencimento.iter().collect();
            if distinct.len() != p.dias_vencimento.len() {
                return fail(at, "diasVencimento lists a day twice".into());
            }
            if !(1..=27).contains(&p.dias_corte_antes_vencimento) {
                return fail(
                    at,
                    "diasCorteAntesVencimento must be between 1 and 27".into(),
                );
            }
            if !(12..=120).contains(&p.validade_meses) {
                return fail(at, "validadeMeses must be between 12 and 120".into());
            }
            if p.lojas.is_empty() {
                return fail(at, "no store sells the product (lojas is empty)".into());
            }
            if let Some(missing) = p.lojas.iter().find(|id| self.loja(**id).is_none()) {
                return fail(at, format!("store {missing} is not in lojas"));
            }
        }
        if self.produtos_de(Publico::PF).next().is_none() {
            return fail(
                "produtos".into(),
                "at least one PF product is needed (generated holders get one)".into(),
            );
        }

        non_empty("tiposBloqueio", self.tipos_bloqueio.len())?;
        unique("tiposBloqueio", self.tipos_bloqueio.iter().map(|t| t.id))?;
        codes(
            "tiposBloqueio",
            self.tipos_bloqueio.iter().map(|t| t.codigo.as_str()),
        )?;
        if !self.tipos_bloqueio.iter().any(|t| !t.definitivo) {
            return fail(
                "tiposBloqueio".into(),
                "at least one temporary (definitivo: false) block type is needed".into(),
            );
        }
        for (name, table) in [
            ("escolaridades", &self.escolaridades),
            ("ocupacoes", &self.ocupacoes),
            ("moradias", &self.moradias),
            ("grausParentesco", &self.graus_parentesco),
        ] {
            non_empty(name, table.len())?;
            unique(name, table.iter().map(|i| i.id))?;
            codes(name, table.iter().map(|i| i.codigo.as_str()))?;
        }
        non_empty("profissoes", self.profissoes.len())?;
        unique("profissoes", self.profissoes.iter().map(|p| p.id))?;
        for p in &self.profissoes {
            if br::occupation_by_code(&p.cbo).is_none() {
                return fail(
                    format!("profissoes[id={}]", p.id),
                    format!("{} is not a CBO code finsandbox knows", p.cbo),
                );
            }
        }
        non_empty("orgaosEmissores", self.orgaos_emissores.len())?;
        let mut seen = HashSet::new();
        for o in &self.orgaos_emissores {
            if !(2..=7).contains(&o.len()) || !o.bytes().all(|b| b.is_ascii_uppercase()) {
                return fail(
                    "orgaosEmissores".into(),
                    format!("{o} must be 2 to 7 upper-case letters"),
                );
            }
            if !seen.insert(o) {
                return fail("orgaosEmissores".into(), format!("{o} is listed twice"));
            }
        }
        Ok(())
    }
}

fn non_empty(list: &str, len: usize) -> Result<(), (String, String)> {
    if len == 0 {
        Err((list.to_string(), "the list is empty".into()))
    } else {
        Ok(())
    }
}

fn unique(list: &str, ids: impl Iterator<Item = u32>) -> Result<(), (String, String)> {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err((list.to_string(), format!("id {id} is listed twice")));
        }
    }
    Ok(())
}

fn codes<'a>(list: &str, codes: impl Iterator<Item = &'a str>) -> Result<(), (String, String)> {
    let mut seen = HashSet::new();
    for c in codes {
        let shaped = c.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
            && c.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
        if !shaped {
            return Err((
                list.to_string(),
                format!("code {c} must be upper-case letters and underscores"),
            ));
        }
        if !seen.insert(c) {
            return Err((list.to_string(), format!("code {c} is listed twice")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embedded_with(from: &str, to: &str) -> String {
        assert!(EMBEDDED.contains(from), "fixture text changed: {from}");
        EMBEDDED.replacen(from, to, 1)
    }

    #[test]
    fn embedded_catalogue_loads() {
        let c = Catalogue::embedded().unwrap();
        assert!(c.produto(3).is_some_and(|p| p.bandeirado()));
        assert!(c.loja(15).is_some_and(|l| l.uf == "PB"));
        assert!(c.produto(5).is_some_and(|p| p.publico == Publico::PJ));
        assert_eq!(c.grau_parentesco("OUTROS").map(|g| g.id), Some(12));
        assert!(c.orgao_emissor("SSP"));
    }

    #[test]
    fn a_store_with_a_wrong_cnpj_is_named_in_the_error() {
        let text = embedded_with("cnpj: \"42381765002374\"", "cnpj: \"42381765002375\"");
        let err = Catalogue::parse("p.yaml", &text).unwrap_err().to_string();
        assert!(err.contains("p.yaml"), "{err}");
        assert!(err.contains("lojas[id=15]"), "{err}");
        assert!(err.contains("42381765002375"), "{err}");
    }

    #[test]
    fn a_town_of_another_state_is_refused() {
        let text = embedded_with(
            "cidade: João Pessoa\n    uf: PB",
            "cidade: João Pessoa\n    uf: PE",
        );
        let err = Catalogue::parse("p.yaml", &text).unwrap_err().to_string();
        assert!(err.contains("IBGE"), "{err}");
    }

    #[test]
    fn limits_out_of_order_are_refused() {
        let text = embedded_with("limiteMinimo: 300", "limiteMinimo: 900");
        let err = Catalogue::parse("p.yaml", &text).unwrap_err().to_string();
        assert!(err.contains("produtos[id=1]"), "{err}");
        assert!(err.contains("limiteMinimo"), "{err}");
    }

    #[test]
    fn a_product_sold_by_an_unknown_store_is_refused() {
        let text = embedded_with("lojas: [7, 15, 22, 31]", "lojas: [7, 99]");
        let err = Catalogue::parse("p.yaml", &text).unwrap_err().to_string();
        assert!(err.contains("store 99"), "{err}");
    }

    #[test]
    fn due_day_29_is_refused() {
        let text = embedded_with("diasVencimento: [5, 10, 20]", "diasVencimento: [5, 29]");
        let err = Catalogue::parse("p.yaml", &text).unwrap_err().to_string();
        assert!(err.contains("produtos[id=5]"), "{err}");
    }

    #[test]
    fn visa_product_with_a_mastercard_bin_is_refused() {
        let text = embedded_with("bin: \"45873302\"", "bin: \"55873302\"");
        let err = Catalogue::parse("p.yaml", &text).unwrap_err().to_string();
        assert!(err.contains("produtos[id=4]"), "{err}");
    }

    #[test]
    fn duplicate_ids_and_unknown_fields_are_refused() {
        let dup = embedded_with("{id: 2, codigo: PERDA", "{id: 1, codigo: PERDA");
        let err = Catalogue::parse("p.yaml", &dup).unwrap_err().to_string();
        assert!(
            err.contains("tiposBloqueio") && err.contains("twice"),
            "{err}"
        );
        let extra = embedded_with(
            "  - id: 1\n    nome: Loja Virtual",
            "  - id: 1\n    cor: azul\n    nome: Loja Virtual",
        );
        let err = Catalogue::parse("p.yaml", &extra).unwrap_err().to_string();
        assert!(err.contains("cor"), "{err}");
    }

    #[test]
    fn unknown_cbo_is_refused() {
        let text = embedded_with("cbo: \"252210\"", "cbo: \"999999\"");
        let err = Catalogue::parse("p.yaml", &text).unwrap_err().to_string();
        assert!(err.contains("profissoes[id=2]"), "{err}");
    }

    #[test]
    fn missing_file_in_a_directory_falls_back_to_the_embedded_one() {
        let dir = std::env::temp_dir().join(format!("portadores-fixtures-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(
            Catalogue::load(Some(&dir)).unwrap(),
            Catalogue::embedded().unwrap()
        );
        std::fs::write(dir.join("portadores.yaml"), "regras: [").unwrap();
        let err = Catalogue::load(Some(&dir)).unwrap_err().to_string();
        assert!(err.contains("not a valid catalogue"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
