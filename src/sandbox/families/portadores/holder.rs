//! The holder of a card account: its model, the holder generated from a CPF's persona (for CPFs
//! that never had an account opened), and what the look-ups answer from it — the full record of
//! `GET /{idPortador}`, the registration data, summaries, the billing cycle, late invoices and
//! occurrences within a period.
//!
//! Figures that no request sets (balances, invoices, late payments, occurrences) are drawn from the
//! seed, the account and the date they belong to, so the same day or due date always shows the same
//! thing whatever is asked, and the record agrees with `/ciclo`, `/inadimplencias` and
//! `/dependentes`.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use rand::rngs::ChaCha8Rng;
use rand::{Rng, RngExt};
use serde_json::{Value, json};

use super::card::{self, Card};
use super::fixtures::{Catalogue, Produto, Publico};
use super::password::PasswordState;
use super::validate::split_orgao_emissor;
use crate::datagen::{DATA_EPOCH, Persona, br, rng_for};

/// Generated holders' ids: this plus the CPF's first nine digits.
pub const GENERATED_BASE: u64 = 1_000_000_000;

/// The id of the holder generated for a valid CPF (`52998224725` → `1529982247`).
pub fn generated_id(cpf: &str) -> Option<u64> {
    if cpf.len() != 11 || !br::is_valid_cpf(cpf) {
        return None;
    }
    cpf[..9]
        .parse::<u64>()
        .ok()
        .map(|base| GENERATED_BASE + base)
}

/// The CPF behind a generated holder's id, when the id is one.
pub fn cpf_of_generated_id(id: u64) -> Option<String> {
    let base = id.checked_sub(GENERATED_BASE)?;
    if base > 999_999_999 {
        return None;
    }
    let first_nine = format!("{base:09}");
    let [a, b] = br::cpf_check_digits(&first_nine)?;
    let cpf = format!("{first_nine}{a}{b}");
    br::is_valid_cpf(&cpf).then_some(cpf)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sexo {
    Masculino,
    Feminino,
}

impl Sexo {
    pub fn parse(s: &str) -> Option<Sexo> {
        match s {
            "MASCULINO" => Some(Sexo::Masculino),
            "FEMININO" => Some(Sexo::Feminino),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sexo::Masculino => "MASCULINO",
            Sexo::Feminino => "FEMININO",
        }
    }

    pub fn letter(self) -> &'static str {
        match self {
            Sexo::Masculino => "M",
            Sexo::Feminino => "F",
        }
    }

    fn of(sex: br::Sex) -> Sexo {
        match sex {
            br::Sex::Female => Sexo::Feminino,
            br::Sex::Male => Sexo::Masculino,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endereco {
    pub logradouro: String,
    pub numero: String,
    pub complemento: Option<String>,
    pub bairro: String,
    pub cidade: String,
    pub uf: String,
    pub cep: String,
}

impl Endereco {
    fn from_br(a: &br::Address) -> Endereco {
        Endereco {
            logradouro: a.street.clone(),
            numero: a.number.clone(),
            complemento: a.complement.clone(),
            bairro: a.district.clone(),
            cidade: a.town.clone(),
            uf: a.uf.to_string(),
            cep: a.cep.clone(),
        }
    }

    fn json(&self) -> serde_json::Map<String, Value> {
        let v = json!({
            "logradouro": self.logradouro,
            "complemento": self.complemento,
            "numero": self.numero,
            "bairro": self.bairro,
            "cep": self.cep,
            "uf": self.uf,
            "cidade": self.cidade,
        });
        match v {
            Value::Object(m) => m,
            _ => serde_json::Map::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnderecoComercial {
    pub endereco: Endereco,
    pub empresa: Option<String>,
    pub departamento: Option<String>,
    pub cnpj: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Telefone {
    /// Unique within the holder.
    pub id: u64,
    /// RESIDENCIAL, COMERCIAL or CELULAR.
    pub tipo: String,
    pub area: String,
    pub numero: String,
    pub ramal: Option<String>,
    pub receber_sms: bool,
    pub fatura_digital: bool,
    pub cadastro: NaiveDateTime,
}

impl Telefone {
    pub fn is_mobile(&self) -> bool {
        self.numero.len() == 9 && self.numero.starts_with('9')
    }

    pub fn json(&self) -> Value {
        json!({
            "id": self.id,
            "tipo": self.tipo,
            "area": self.area,
            "telefone": self.numero,
            "ramal": self.ramal,
            "receberSMS": self.receber_sms,
            "faturaDigital": self.fatura_digital,
            "dataCadastro": datetime(self.cadastro),
        })
    }

    /// `(83) *****-2345`: where an SMS went, without the whole number.
    pub fn masked(&self) -> String {
        let n = self.numero.len();
        format!(
            "({}) {}-{}",
            self.area,
            "*".repeat(n - 4),
            &self.numero[n - 4..]
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rg {
    pub numero: String,
    pub data_emissao: Option<NaiveDate>,
    pub orgao_emissor: Option<String>,
    pub uf: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Renda {
    pub id: u64,
    pub valor: f64,
    pub comprovada: bool,
}

/// The state of a dependent's card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusDependente {
    Ativo,
    Bloqueado,
    Cancelado,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dependente {
    pub id: u64,
    pub nome: String,
    pub nome_social: Option<String>,
    pub cpf: String,
    pub nascimento: NaiveDate,
    pub sexo: Sexo,
    /// `idGrauParentesco` of the catalogue.
    pub grau: u32,
    pub nome_mae: String,
    /// (DDD, number).
    pub telefone: Option<(String, String)>,
    pub nome_cartao: String,
    pub cartao: Card,
    pub status: StatusDependente,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bloqueio {
    pub id: u64,
    pub tipo: u32,
    pub definitivo: bool,
    pub observacao: Option<String>,
    pub em: NaiveDateTime,
}

/// The card account.
#[derive(Debug, Clone)]
pub struct Conta {
    pub id_produto: u32,
    pub id_loja: Option<u32>,
    pub limite_rotativo: f64,
    pub limite_parcelado: f64,
    pub dia_vencimento: u8,
    pub aberta_em: NaiveDateTime,
    pub cartao: Card,
    /// 0 for the first card; each replacement (product change, definitive block) adds one.
    pub sequencia_cartao: u32,
    pub nome_cartao: String,
    /// The block in force.
    pub bloqueio: Option<Bloqueio>,
    /// The last block applied, lifted or not (`ultimoMotivoBloqueioCliente`).
    pub ultimo_bloqueio: Option<u32>,
    pub cancelada: bool,
}

/// A holder and their account.
#[derive(Debug, Clone)]
pub struct Holder {
    /// `idPortador`, also `contaCartao`.
    pub id: u64,
    /// Generated from a persona and never written to.
    pub generated: bool,
    pub publico: Publico,
    pub nome: String,
    pub nome_social: Option<String>,
    /// The holder's CPF; for a PJ account, its representative's.
    pub cpf: String,
    pub cnpj: Option<String>,
    /// Birth date; for a PJ account, the company's foundation date.
    pub data_nascimento: NaiveDate,
    pub sexo: Option<Sexo>,
    pub estado_civil: Option<String>,
    pub nacionalidade: Option<String>,
    pub cidade_natal: Option<String>,
    pub estado_natal: Option<String>,
    pub nome_mae: Option<String>,
    pub nome_pai: Option<String>,
    pub email: Option<String>,
    pub rg: Option<Rg>,
    pub endereco_residencial: Endereco,
    pub endereco_comercial: Option<EnderecoComercial>,
    /// The address and its `tipo` (R, C, O).
    pub endereco_alternativo: Option<(Endereco, String)>,
    pub telefones: Vec<Telefone>,
    pub renda: Renda,
    pub id_profissao: Option<u32>,
    pub id_ocupacao: Option<u32>,
    pub id_escolaridade: Option<u32>,
    pub id_moradia: Option<u32>,
    pub data_admissao_profissao: Option<NaiveDate>,
    pub quantidade_anos_profissao: Option<u32>,
    /// As sent in a PATCH (already validated), answered back as they are.
    pub conjuge: Option<Value>,
    pub pep: Option<Value>,
    pub estrangeiro: Option<Value>,
    pub necessidades_visuais: bool,
    pub inibir_fatura_grafica: bool,
    pub vip: bool,
    pub conta: Conta,
    pub dependentes: Vec<Dependente>,
    pub senha: PasswordState,
    pub alterado_em: NaiveDateTime,
}

/// A stable opaque hex reference (invoice hashes).
fn digest(seed: u64, what: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(what.as_bytes());
    hex::encode(h.finalize())
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn datetime(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Reais rounded to cents, as a JSON number.
fn money(v: f64) -> Value {
    let v = (v * 100.0).round() / 100.0;
    serde_json::Number::from_f64(v)
        .map(Value::Number)
        .unwrap_or(Value::from(0))
}

fn round_to(v: f64, step: f64) -> f64 {
    (v / step).round() * step
}

fn sim_nao(b: bool) -> &'static str {
    if b { "S" } else { "N" }
}

fn estado_civil_of(marital: &str) -> &'static str {
    match marital {
        "CASADO" => "CASADO",
        "UNIAO_ESTAVEL" => "UNIAO_ESTAVEL",
        "DIVORCIADO" => "DIVORCIADO",
        "VIUVO" => "VIUVO",
        "SEPARADO_JUDICIALMENTE" => "SEPARADO",
        _ => "SOLTEIRO",
    }
}

fn add_months(d: NaiveDate, months: i32) -> NaiveDate {
    let total = d.year() * 12 + d.month0() as i32 + months;
    let (y, m) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
    let last = last_day(y, m);
    NaiveDate::from_ymd_opt(y, m, d.day().min(last)).unwrap_or(d)
}

fn last_day(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .map_or(28, |d| d.day())
}

fn months_between(from: NaiveDate, to: NaiveDate) -> i32 {
    (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32
}

// -------------------------------------------------------------------------------------- cycle

/// The billing cycle of an account: a fixed due day and a fixed cut-off day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ciclo {
    pub dia_vencimento: u8,
    /// Day of the month the invoice closes (1..=30); in months shorter than that, their last day.
    pub dia_corte: u8,
    pub dias_carencia: u8,
}

impl Ciclo {
    pub fn new(dia_vencimento: u8, dias_antes: u8, dias_carencia: u8) -> Ciclo {
        let raw = i32::from(dia_vencimento) - i32::from(dias_antes);
        let dia_corte = if raw >= 1 { raw } else { raw + 30 };
        Ciclo {
            dia_vencimento,
            dia_corte: dia_corte.clamp(1, 30) as u8,
            dias_carencia,
        }
    }

    pub fn id(&self) -> u64 {
        u64::from(self.dia_vencimento) * 100 + u64::from(self.dia_corte)
    }

    pub fn corte_ultimo_dia_mes(&self) -> bool {
        self.dia_corte > 28
    }

    pub fn melhor_dia_compra(&self) -> u8 {
        if self.dia_corte >= 31 {
            1
        } else {
            self.dia_corte + 1
        }
    }

    fn due_in(&self, year: i32, month: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(year, month, u32::from(self.dia_vencimento))
    }

    /// The cut-off that closes the invoice due on `due`.
    pub fn cut_off_for(&self, due: NaiveDate) -> NaiveDate {
        let month_start = if self.dia_corte < self.dia_vencimento {
            due.with_day(1).unwrap_or(due)
        } else {
            add_months(due.with_day(1).unwrap_or(due), -1)
        };
        let day = u32::from(self.dia_corte).min(last_day(month_start.year(), month_start.month()));
        month_start.with_day(day).unwrap_or(month_start)
    }

    /// The first due date on or after `day`.
    pub fn next_due(&self, day: NaiveDate) -> NaiveDate {
        let this = self.due_in(day.year(), day.month()).unwrap_or(day);
        if this >= day {
            this
        } else {
            let next = add_months(day.with_day(1).unwrap_or(day), 1);
            self.due_in(next.year(), next.month()).unwrap_or(next)
        }
    }

    /// Due dates in `[from, to]`, oldest first.
    pub fn dues_between(&self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let mut due = self.next_due(from);
        while due <= to {
            out.push(due);
            due = add_months(due, 1);
        }
        out
    }

    /// The last cut-off on or before `day`, and the first one after it.
    pub fn cut_offs_around(&self, day: NaiveDate) -> (NaiveDate, NaiveDate) {
        let mut due = self.next_due(add_months(day, -2));
        let mut last = self.cut_off_for(due);
        loop {
            let next_due = add_months(due, 1);
            let next = self.cut_off_for(next_due);
            if next > day {
                return (last, next);
            }
            last = next;
            due = next_due;
        }
    }

    /// Whether `day` is a cut-off date.
    pub fn is_cut_off(&self, day: NaiveDate) -> bool {
        let (last, _) = self.cut_offs_around(day);
        last == day
    }

    pub fn json(&self) -> Value {
        json!({
            "id": self.id(),
            "diaCorte": self.dia_corte,
            "diaVencimento": self.dia_vencimento,
            "descricao": format!("Vencimento dia {}, corte dia {}", self.dia_vencimento, self.dia_corte),
            "ativo": "S",
            "corteUltimoDiaMes": sim_nao(self.corte_ultimo_dia_mes()),
            "diasCarencia": self.dias_carencia,
            "descricaoContaBancariaCicloAtual": "Conta arrecadadora do emissor - Banco 001 agência 3064 conta 100200-3",
            "descricaoContaBancariaProximoCiclo": "Conta arrecadadora do emissor - Banco 001 agência 3064 conta 100200-3",
        })
    }
}

// ------------------------------------------------------------------------------- generation

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() {
        None
    } else {
        items.get(rng.random_range(0..items.len()))
    }
}

fn surname(name: &str) -> &str {
    name.split_whitespace().last().unwrap_or(name)
}

impl Holder {
    /// The holder generated for a CPF's persona: same person as every family shows, one account
    /// on a PF product the persona's income allows, opened when the persona became a customer.
    /// Generated holders start active, unblocked, not VIP and without a password.
    pub fn generate(seed: u64, persona: &Persona, catalogue: &Catalogue) -> Option<Holder> {
        let id = generated_id(&persona.document)?;
        let mut rng = rng_for(seed, &persona.document, "portadores-holder");
        let income: f64 = persona.income.parse().unwrap_or(1518.0);
        let affordable: Vec<&Produto> = catalogue
            .produtos_de(Publico::PF)
            .filter(|p| p.renda_minima <= income)
            .collect();
        let fallback: Vec<&Produto> = catalogue.produtos_de(Publico::PF).collect();
        let produto = *pick(&mut rng, &affordable).or_else(|| pick(&mut rng, &fallback))?;
        let id_loja = pick(&mut rng, &produto.lojas).copied();
        let ceiling = (income * 3.0).clamp(produto.limite_minimo, produto.limite_maximo);
        let limite = round_to(
            rng.random_range(produto.limite_minimo..=ceiling.max(produto.limite_minimo)),
            50.0,
        )
        .clamp(produto.limite_minimo, produto.limite_maximo);
        let dia_vencimento = *pick(&mut rng, &produto.dias_vencimento)?;
        let aberta_em = persona.relationship_start;
        let opened = aberta_em.date();
        // The card in force at the data epoch: renewed every `validadeMeses` since the opening.
        let validity = produto.validade_meses.max(1) as i32;
        let renewals = (months_between(opened, DATA_EPOCH.date()) / validity).max(0);
        let issued = add_months(opened, renewals * validity);
        let cartao = Card::issue(
            seed,
            &produto.bin,
            id,
            renewals as u32,
            issued,
            produto.validade_meses,
        );
        let max_name = catalogue.regras.tamanho_maximo_nome_cartao;

        let home = persona.addresses.first().map(Endereco::from_br)?;
        let endereco_comercial = persona.addresses.get(1).map(|a| EnderecoComercial {
            endereco: Endereco::from_br(a),
            empresa: Some(br::gen_company(&mut rng).legal_name),
            departamento: None,
            cnpj: Some(br::gen_cnpj(&mut rng, false)),
        });
        let telefones: Vec<Telefone> = persona
            .phones
            .iter()
            .enumerate()
            .map(|(i, p)| Telefone {
                id: i as u64 + 1,
                tipo: if p.mobile { "CELULAR" } else { "RESIDENCIAL" }.into(),
                area: p.area_code.clone(),
                numero: p.number.clone(),
                ramal: None,
                receber_sms: i == 0 && p.mobile,
                fatura_digital: i == 0,
                cadastro: aberta_em,
            })
            .collect();
        let rg_numero = if home.uf == "SP" {
            br::gen_rg(&mut rng)
        } else {
            format!("{}", rng.random_range(1_000_000..=9_999_999u32))
        };
        let adult = persona
            .birth_date
            .with_year(persona.birth_date.year() + 18)
            .unwrap_or(persona.birth_date);
        let rg_emitido = adult + Duration::days(rng.random_range(0..3650));
        let rg = Rg {
            numero: rg_numero,
            data_emissao: Some(rg_emitido.min(opened)),
            orgao_emissor: Some("SSP".into()),
            uf: Some(home.uf.clone()),
        };
        let id_profissao = br::OCCUPATIONS
            .iter()
            .find(|o| o.description == persona.occupation)
            .and_then(|o| catalogue.profissao_por_cbo(o.code))
            .map(|p| p.id);
        let id_ocupacao = catalogue
            .ocupacoes
            .get(match rng.random_range(0..100) {
                0..=59 => 0,
                60..=74 => 1,
                75..=84 => 3,
                _ => rng.random_range(0..catalogue.ocupacoes.len()),
            })
            .map(|o| o.id);
        let id_escolaridade = pick(&mut rng, &catalogue.escolaridades).map(|e| e.id);
        let id_moradia = pick(&mut rng, &catalogue.moradias).map(|m| m.id);
        let estado_civil = estado_civil_of(persona.marital_status);
        let estrangeiro = (!persona.brazilian).then(|| {
            let country = br::gen_foreign_country(&mut rng);
            json!({"paisOrigem": country.name_pt, "documentoPaisOrigem": "Passaporte"})
        });
        let natal_uf = br::uf_by_sigla(&home.uf);
        let cidade_natal = natal_uf.map(|u| br::gen_town(&mut rng, u).name.to_string());

        let sexo = Sexo::of(persona.sex);
        let mut dependentes = Vec::new();
        let age = persona.age();
        let married = matches!(estado_civil, "CASADO" | "UNIAO_ESTAVEL");
        if married {
            let other = match persona.sex {
                br::Sex::Female => br::Sex::Male,
                br::Sex::Male => br::Sex::Female,
            };
            let name = br::gen_full_name(&mut rng, other);
            let born = (persona.birth_date + Duration::days(rng.random_range(-1800..1800)))
                .min(DATA_EPOCH.date() - Duration::days(18 * 366));
            dependentes.push((
                name,
                other,
                born,
                "CONJUGE",
                br::gen_full_name(&mut rng, br::Sex::Female),
            ));
        }
        if age >= 36 && rng.random_bool(0.5) {
            let child_sex = br::Sex::random(&mut rng);
            let first = br::gen_full_name(&mut rng, child_sex);
            let first = first.split_whitespace().next().unwrap_or("Ana").to_string();
            let name = format!("{first} {}", surname(&persona.civil_name));
            let max_years = (age - 18).clamp(17, 30);
            let years = rng.random_range(16..=max_years);
            let born = DATA_EPOCH.date() - Duration::days(i64::from(years) * 366 + 30);
            let mother = if sexo == Sexo::Feminino {
                persona.civil_name.clone()
            } else {
                br::gen_full_name(&mut rng, br::Sex::Female)
            };
            dependentes.push((name, child_sex, born, "FILHO", mother));
        }
        let dependentes: Vec<Dependente> = dependentes
            .into_iter()
            .enumerate()
            .map(|(i, (nome, sex, nascimento, grau, nome_mae))| {
                let dep_id = id * 10 + i as u64 + 1;
                Dependente {
                    id: dep_id,
                    nome_cartao: card::embossed_name(&nome, max_name),
                    cartao: Card::issue(
                        seed,
                        &produto.bin,
                        dep_id,
                        renewals as u32,
                        issued,
                        produto.validade_meses,
                    ),
                    nome,
                    nome_social: None,
                    cpf: br::gen_cpf(&mut rng),
                    nascimento,
                    sexo: Sexo::of(sex),
                    grau: catalogue.grau_parentesco(grau).map_or(12, |g| g.id),
                    nome_mae,
                    telefone: None,
                    status: StatusDependente::Ativo,
                }
            })
            .collect();

        Some(Holder {
            id,
            generated: true,
            publico: Publico::PF,
            nome: persona.civil_name.clone(),
            nome_social: persona.social_name.clone(),
            cpf: persona.document.clone(),
            cnpj: None,
            data_nascimento: persona.birth_date,
            sexo: Some(sexo),
            estado_civil: Some(estado_civil.to_string()),
            nacionalidade: Some(
                if persona.brazilian {
                    "BRASILEIRA"
                } else {
                    "ESTRANGEIRA"
                }
                .into(),
            ),
            cidade_natal,
            estado_natal: Some(home.uf.clone()),
            nome_mae: Some(persona.mother_name.clone()),
            nome_pai: Some(persona.father_name.clone()),
            email: persona.emails.first().cloned(),
            rg: Some(rg),
            endereco_residencial: home,
            endereco_comercial,
            endereco_alternativo: None,
            telefones,
            renda: Renda {
                id: id * 10 + 1,
                valor: income,
                comprovada: rng.random_bool(0.5),
            },
            id_profissao,
            id_ocupacao,
            id_escolaridade,
            id_moradia,
            data_admissao_profissao: None,
            quantidade_anos_profissao: None,
            conjuge: None,
            pep: None,
            estrangeiro,
            necessidades_visuais: false,
            inibir_fatura_grafica: rng.random_bool(0.4),
            vip: false,
            conta: Conta {
                id_produto: produto.id,
                id_loja,
                limite_rotativo: limite,
                limite_parcelado: round_to(limite * 0.5, 50.0),
                dia_vencimento,
                aberta_em,
                cartao,
                sequencia_cartao: renewals as u32,
                nome_cartao: card::embossed_name(&persona.civil_name, max_name),
                bloqueio: None,
                ultimo_bloqueio: None,
                cancelada: false,
            },
            dependentes,
            senha: PasswordState::default(),
            alterado_em: aberta_em,
        })
    }

    pub fn ciclo(&self, catalogue: &Catalogue) -> Ciclo {
        let (antes, carencia) = catalogue
            .produto(self.conta.id_produto)
            .map_or((10, 0), |p| {
                (p.dias_corte_antes_vencimento, p.dias_carencia)
            });
        Ciclo::new(self.conta.dia_vencimento, antes, carencia)
    }

    pub fn status_cliente(&self) -> &'static str {
        if self.conta.cancelada {
            "CANCELADO"
        } else if self.conta.bloqueio.is_some() {
            "BLOQUEADO"
        } else {
            "ATIVO"
        }
    }

    pub fn status_cartao(&self) -> &'static str {
        match &self.conta.bloqueio {
            _ if self.conta.cancelada => "CANCELADO",
            Some(b) if b.definitivo => "CANCELADO",
            Some(_) => "BLOQUEADO",
            None => "ATIVO",
        }
    }

    fn descricao_status(&self, catalogue: &Catalogue) -> String {
        match (&self.conta.bloqueio, self.conta.cancelada) {
            (_, true) => "Conta cancelada".into(),
            (Some(b), false) => format!(
                "Bloqueado: {}",
                catalogue
                    .tipo_bloqueio(b.tipo)
                    .map_or("motivo não informado", |t| t.descricao.as_str())
            ),
            (None, false) => "Conta ativa".into(),
        }
    }

    fn produto<'c>(&self, catalogue: &'c Catalogue) -> Option<&'c Produto> {
        catalogue.produto(self.conta.id_produto)
    }

    fn produto_resumo(&self, catalogue: &Catalogue) -> Value {
        json!({
            "id": self.conta.id_produto,
            "descricao": self.produto(catalogue).map_or_else(|| format!("Produto {}", self.conta.id_produto), |p| p.descricao.clone()),
        })
    }

    fn produto_json(&self, catalogue: &Catalogue) -> Value {
        match self.produto(catalogue) {
            Some(p) => produto_json(p, json!(p.id)),
            None => json!({
                "id": self.conta.id_produto,
                "descricao": format!("Produto {}", self.conta.id_produto),
                "isProdutoDigital": "N",
                "isProdutoBandeirado": "N",
                "encargos": {"cobrarMulta": false, "multa": 0, "mora": 0, "jurosRotativo": 0},
                "limiteExtra": {"percentualPadrao": 0, "valorPadrao": 0, "habilitarClientesNovos": false},
                "overlimit": {"percentualSobreUso": 0, "permitePercentualSobreUso": false, "taxaSobreUso": 0, "permiteTaxaSobreUso": false, "permiteRepetirMesmoCiclo": false},
            }),
        }
    }

    /// `GET /{idPortador}/ciclo`.
    pub fn ciclo_json(&self, catalogue: &Catalogue, today: NaiveDate) -> Value {
        let c = self.ciclo(catalogue);
        let (last, next) = c.cut_offs_around(today);
        let mut v = c.json();
        if let Value::Object(m) = &mut v {
            m.insert("idPortador".into(), json!(self.id));
            m.insert("melhorDiaCompra".into(), json!(c.melhor_dia_compra()));
            m.insert("dataUltimoCorte".into(), json!(date(last)));
            m.insert("dataProximoCorte".into(), json!(date(next)));
            m.insert(
                "dataProximoVencimento".into(),
                json!(date(c.next_due(today))),
            );
        }
        v
    }

    /// Late invoices, newest first: each due date since the opening is late with a small chance
    /// drawn from the seed, the account and the date; a late invoice is regularised some days
    /// later, or still open when that day has not come.
    pub fn inadimplencias(&self, seed: u64, catalogue: &Catalogue, today: NaiveDate) -> Vec<Value> {
        let c = self.ciclo(catalogue);
        let opened = self.conta.aberta_em.date();
        let mut out = Vec::new();
        for due in c.dues_between(opened + Duration::days(20), today - Duration::days(1)) {
            let mut rng = rng_for(
                seed,
                &format!("{}/{}", self.id, date(due)),
                "portadores-atraso",
            );
            if !rng.random_bool(0.06) {
                continue;
            }
            let fatura = round_to(
                self.conta.limite_rotativo * rng.random_range(0.1..0.8),
                0.01,
            );
            let em_atraso = round_to(fatura * rng.random_range(0.3..1.0), 0.01);
            let dias = rng.random_range(1..=75i64);
            let regularizada = due + Duration::days(dias);
            let (dias_atraso, quando, situacao) = if regularizada < today {
                (dias, Some(date(regularizada)), "REGULARIZADA")
            } else {
                ((today - due).num_days().max(1), None, "EM_ABERTO")
            };
            out.push(json!({
                "id": self.id * 1000 + u64::from(due.month()) + 12 * (due.year() as u64 % 80),
                "dataVencimentoFatura": date(due),
                "valorFatura": money(fatura),
                "valorEmAtraso": money(em_atraso),
                "diasAtraso": dias_atraso,
                "dataRegularizacao": quando,
                "situacao": situacao,
            }));
        }
        out.reverse();
        out
    }

    /// Occurrences of the days in `[from, to]` (bounded by the opening and today), newest first.
    /// Each day's occurrences depend on that day alone.
    pub fn ocorrencias(
        &self,
        seed: u64,
        catalogue: &Catalogue,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> Vec<Value> {
        let c = self.ciclo(catalogue);
        let start = from.max(self.conta.aberta_em.date());
        let end = to.min(today);
        let late: Vec<(String, Option<String>)> = self
            .inadimplencias(seed, catalogue, today)
            .iter()
            .filter_map(|v| {
                Some((
                    v["dataVencimentoFatura"].as_str()?.to_string(),
                    v["dataRegularizacao"].as_str().map(str::to_string),
                ))
            })
            .collect();
        let digital = self.produto(catalogue).is_some_and(|p| p.digital);
        let mut out = Vec::new();
        let mut day = start;
        while day <= end {
            let mut today_items: Vec<(u32, &str, String, &str)> = Vec::new();
            if c.is_cut_off(day) {
                let due = c.next_due(day + Duration::days(1));
                today_items.push((
                    3 * 3600,
                    "FATURA_FECHADA",
                    format!("Fatura com vencimento em {} fechada.", date(due)),
                    "EMISSOR",
                ));
            }
            if day.day() == u32::from(c.dia_vencimento)
                && !late.iter().any(|(d, _)| *d == date(day))
            {
                today_items.push((
                    10 * 3600,
                    "PAGAMENTO_RECEBIDO",
                    format!("Pagamento da fatura de {} recebido.", date(day)),
                    "PORTADOR",
                ));
            }
            if let Some((due, _)) = late.iter().find(|(d, _)| {
                NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .is_ok_and(|d| d + Duration::days(i64::from(c.dias_carencia) + 1) == day)
            }) {
                today_items.push((
                    9 * 3600,
                    "AVISO_ATRASO",
                    format!("Aviso de atraso da fatura de {due} enviado."),
                    "EMISSOR",
                ));
            }
            let mut rng = rng_for(
                seed,
                &format!("{}/{}", self.id, date(day)),
                "portadores-ocorrencia",
            );
            let draws: [(f64, &str, &str, &str); 4] = [
                (
                    0.06,
                    "ATENDIMENTO_CENTRAL",
                    "Atendimento na central de relacionamento.",
                    "PORTADOR",
                ),
                (
                    0.03,
                    "SEGUNDA_VIA_FATURA",
                    "Segunda via da fatura solicitada.",
                    "PORTADOR",
                ),
                (
                    if digital { 0.2 } else { 0.08 },
                    "ACESSO_APP",
                    "Acesso ao aplicativo do cartão.",
                    "PORTADOR",
                ),
                (
                    0.02,
                    "COMPRA_NEGADA",
                    "Compra negada por limite insuficiente.",
                    "LOJA",
                ),
            ];
            for (p, tipo, descricao, origem) in draws {
                let hit = rng.random_bool(p);
                let secs = rng.random_range(8 * 3600..22 * 3600);
                if hit {
                    today_items.push((secs, tipo, descricao.to_string(), origem));
                }
            }
            today_items.sort_by_key(|i| i.0);
            for (n, (secs, tipo, descricao, origem)) in today_items.into_iter().enumerate() {
                let at = day.and_hms_opt(0, 0, 0).unwrap_or_default()
                    + Duration::seconds(i64::from(secs));
                out.push(json!({
                    "id": format!("{}-{:02}", day.format("%Y%m%d"), n + 1),
                    "dataHora": datetime(at),
                    "tipo": tipo,
                    "descricao": descricao,
                    "origem": origem,
                }));
            }
            day += Duration::days(1);
        }
        out.reverse();
        out
    }

    /// Balances drawn for the account and the day's cycle: what is owed never exceeds the limit.
    fn extrato(
        &self,
        seed: u64,
        catalogue: &Catalogue,
        today: NaiveDate,
    ) -> (Value, f64, Option<Value>) {
        let c = self.ciclo(catalogue);
        let (last_cut, _) = c.cut_offs_around(today);
        let mut rng = rng_for(
            seed,
            &format!("{}/{}", self.id, date(last_cut)),
            "portadores-extrato",
        );
        let limite = self.conta.limite_rotativo;
        let devedor = round_to(limite * rng.random_range(0.0..0.7), 0.01);
        let reservado = round_to(
            (limite - devedor).max(0.0) * rng.random_range(0.0..0.05),
            0.01,
        );
        let disponivel = limite - devedor - reservado;
        let produto = self.produto(catalogue);
        let extra = produto.map_or(0.0, |p| {
            if p.limite_extra.habilitar_clientes_novos {
                p.limite_extra
                    .valor_padrao
                    .max(limite * p.limite_extra.percentual_padrao / 100.0)
            } else {
                0.0
            }
        });
        let fechada_valor = round_to(devedor * rng.random_range(0.4..0.9), 0.01);
        let parcelado_usado = round_to(
            self.conta.limite_parcelado * rng.random_range(0.0..0.5),
            0.01,
        );
        let extrato = json!({
            "limite": money(limite),
            "saldoDisponivel": money(disponivel),
            "saldoReservado": money(reservado),
            "saldoParceladoDisp": money(self.conta.limite_parcelado - parcelado_usado),
            "limiteParcelado": money(self.conta.limite_parcelado),
            "devedorTotal": money(devedor),
            "utilizaLimiteExtra": extra > 0.0,
            "valorLimiteExtra": money(extra),
            "limiteExtraTotal": money(limite + extra),
            "saldoDisponivelExtra": money(disponivel + extra),
            "valorFaturaFechada": money(fechada_valor),
            "clienteEmBloqueioJuridico": false,
        });
        let fatura_fechada = (last_cut > self.conta.aberta_em.date()).then(|| {
            let due = c.next_due(last_cut + Duration::days(1));
            let pago = if due < today { fechada_valor } else { 0.0 };
            let minimo = round_to(fechada_valor * 0.15, 0.01);
            json!({
                "id": self.id * 100 + u64::from(due.month()),
                "dataVencimento": date(due),
                "valorTotal": money(fechada_valor),
                "somaPagamentos": money(pago),
                "valorMinimoRenegociacao": money(round_to(fechada_valor * 0.2, 0.01)),
                "valorMinimoRotativo": money(minimo),
                "valorPagamentoMinimo": money(minimo),
                "valorPrestacoesParceladas": money(parcelado_usado / 4.0),
                "possuiPagamentoMinimo": fechada_valor > 0.0,
                "hashFatura": digest(seed, &format!("fatura/{}/{}", self.id, date(due))),
            })
        });
        (extrato, devedor - fechada_valor, fatura_fechada)
    }

    /// `saldoDisponivel` of the record: what the limit leaves after the balance owed and reserved.
    pub fn saldo_disponivel(&self, seed: u64, catalogue: &Catalogue, today: NaiveDate) -> Value {
        self.extrato(seed, catalogue, today).0["saldoDisponivel"].clone()
    }

    fn dependentes_resumo(&self) -> Vec<Value> {
        self.dependentes
            .iter()
            .map(|d| {
                json!({
                    "id": d.id,
                    "nome": d.nome,
                    "cpf": d.cpf,
                    "sexo": d.sexo.letter(),
                    "nascimento": date(d.nascimento),
                    "grauParentesco": d.grau,
                    "statusCartao": self.status_dependente(d).1,
                })
            })
            .collect()
    }

    fn status_dependente(&self, d: &Dependente) -> (&'static str, &'static str) {
        match (d.status, self.status_cartao()) {
            (StatusDependente::Cancelado, _) | (_, "CANCELADO") => ("C", "CANCELADO"),
            (StatusDependente::Bloqueado, _) | (_, "BLOQUEADO") => ("B", "BLOQUEADO"),
            _ => ("A", "ATIVO"),
        }
    }

    /// `GET /{idPortador}/dependentes` (and `/dependentes/cpf`).
    pub fn dependentes_json(&self) -> Vec<Value> {
        self.dependentes
            .iter()
            .map(|d| {
                json!({
                    "id": d.id,
                    "idClienteTitularAssociado": self.id,
                    "nome": d.nome,
                    "nomeSocial": d.nome_social,
                    "cpf": d.cpf,
                    "dataNascimento": date(d.nascimento),
                    "sexo": d.sexo.letter(),
                    "idGrauParentesco": d.grau,
                    "nomeMae": d.nome_mae,
                    "telefone": d.telefone.as_ref().map(|(a, n)| format!("{a}{n}")),
                    "areaTelefone": d.telefone.as_ref().map(|(a, _)| a.clone()),
                    "numeroTelefone": d.telefone.as_ref().map(|(_, n)| n.clone()),
                    "persisted": true,
                    "status": self.status_dependente(d).0,
                    "nomeCartao": d.nome_cartao,
                    "cartaoMascarado": d.cartao.masked(),
                })
            })
            .collect()
    }

    /// `GET /{idPortador}`: the full record.
    pub fn record(&self, seed: u64, catalogue: &Catalogue, today: NaiveDate) -> Value {
        let c = self.ciclo(catalogue);
        let (_, next_cut) = c.cut_offs_around(today);
        let (extrato, futuros, fatura_fechada) = self.extrato(seed, catalogue, today);
        let late = self.inadimplencias(seed, catalogue, today);
        let open_days = late
            .iter()
            .filter(|v| v["situacao"] == "EM_ABERTO")
            .filter_map(|v| v["diasAtraso"].as_i64())
            .max();
        let produto = self.produto(catalogue);
        let bandeirado = produto.is_some_and(Produto::bandeirado);
        let mut rng = rng_for(seed, &self.id.to_string(), "portadores-record");
        let pontos = bandeirado.then(|| {
            json!({
                "idCliente": self.id,
                "valorPontuacao": rng.random_range(0..40_000u32),
                "dataReferencia": date(c.cut_offs_around(today).0),
                "descricaoPrograma": "Programa de pontos do cartão",
            })
        });
        let mut taxas = Vec::new();
        if bandeirado {
            let opened = self.conta.aberta_em.date();
            taxas.push(json!({
                "descricao": "Anuidade",
                "valorContratado": money(if produto.is_some_and(|p| p.limite_maximo > 20_000.0) { 59.9 } else { 24.9 }),
                "desconto": money(0.0),
                "dataFimDesconto": null,
                "dataFimDoCarencia": date(add_months(opened, 12)),
                "numeroCobrancas": 12,
                "natureza": "ANUIDADE",
            }));
        }
        let residencial = Value::Object(self.endereco_residencial.json());
        let comercial = self.endereco_comercial.as_ref().map(|e| {
            let mut m = e.endereco.json();
            m.insert("empresa".into(), json!(e.empresa));
            m.insert("departamento".into(), json!(e.departamento));
            m.insert("cnpj".into(), json!(e.cnpj));
            Value::Object(m)
        });
        let alternativo = self.endereco_alternativo.as_ref().map(|(e, tipo)| {
            let mut m = e.json();
            m.insert("tipo".into(), json!(tipo));
            Value::Object(m)
        });
        let rg = self.rg.as_ref();
        // Two halves: one json! of all ~60 fields exceeds the macro's recursion limit.
        let mut record = json!({
            "id": self.id,
            "nome": self.nome,
            "rg": rg.map(|r| r.numero.clone()),
            "cpf": self.cpf,
            "tipoPessoa": self.tipo_pessoa(),
            "cnpj": self.cnpj,
            "cartao": self.conta.cartao.masked(),
            "email": self.email,
            "numeroCartaoTruncado": self.conta.cartao.truncated(),
            "clienteDataNascimento": date(self.data_nascimento),
            "rendas": [{
                "id": self.renda.id,
                "valor": money(self.renda.valor),
                "comprovada": sim_nao(self.renda.comprovada),
                "idPessoa": self.id,
                "principal": "S",
                "origem": if self.renda.comprovada { "COMPROVANTE" } else { "DECLARADA" },
            }],
            "statusCliente": self.status_cliente(),
            "descricaoStatusCliente": self.descricao_status(catalogue),
            "statusAnalise": "APROVADO",
            "contratoImpresso": sim_nao(!produto.is_some_and(|p| p.digital)),
            "estanoCobranca": sim_nao(open_days.is_some_and(|d| d > 30)),
            "ultimoMotivoBloqueioCliente": self.conta.ultimo_bloqueio.and_then(|t| catalogue.tipo_bloqueio(t)).map(|t| t.descricao.clone()),
            "vip": self.vip,
            "extratoClienteResponse": extrato,
            "valorLancamentosFuturos": money(futuros.max(0.0)),
            "pontuacaoFidelidadeResponse": pontos,
            "statusFaturaDigital": if self.inibir_fatura_grafica { "ATIVA" } else { "INATIVA" },
            "boletos": [],
            "faturaFechada": fatura_fechada,
            "faturaFutura": {
                "dataVencimento": date(c.next_due(next_cut)),
                "valorTotal": money(futuros.max(0.0)),
            },
        });
        let rest = json!({
            "statusCartao": self.status_cartao(),
            "melhorDiaCompra": c.melhor_dia_compra(),
            "senhaExpirada": self.senha.expired(),
            "ciclo": c.json(),
            "dependentes": self.dependentes_resumo(),
            "dataFechamentoProxFatura": date(next_cut),
            "produto": self.produto_json(catalogue),
            "dataCadastro": date(self.conta.aberta_em.date()),
            "taxas": taxas,
            "estaEmPerda": false,
            "numeroCartaoCriptografado": self.conta.cartao.reference(seed),
            "idCartao": self.id * 100 + u64::from(self.conta.sequencia_cartao),
            "permiteAcessoApp": !self.conta.cancelada,
            "dataEmissaoRG": rg.and_then(|r| r.data_emissao).map(date),
            "estaEmAtraso": open_days.is_some(),
            "orgaoEmissorRG": rg.and_then(|r| r.orgao_emissor.clone()),
            "unidadeFederativaRG": rg.and_then(|r| r.uf.clone()),
            "totalTentativasValidacaoCartao": self.senha.wrong_attempts(),
            "enderecoResidencial": residencial,
            "inibirEnvioFaturaGrafica": self.inibir_fatura_grafica,
            "enderecoComercial": comercial,
            "enderecoAlternativo": alternativo,
            "transicaoBandeira": "N",
            "utilizaOverLimitPersonalizado": false,
            "diasAtrasoTotal": open_days.unwrap_or(0),
            "diasProvisionamento": open_days.map_or(0, |d| (d - 60).max(0)),
            "produtoTransicaoBandeira": null,
        });
        if let (Value::Object(head), Value::Object(tail)) = (&mut record, rest) {
            head.extend(tail);
        }
        record
    }

    fn tipo_pessoa(&self) -> &'static str {
        match self.publico {
            Publico::PF => "F",
            Publico::PJ => "J",
        }
    }

    /// `GET /{idPortador}/informacoes` (and the answer of `PATCH /{idPortador}`).
    pub fn informacoes(&self) -> Value {
        let comercial = self.endereco_comercial.as_ref().map(|e| {
            let mut m = e.endereco.json();
            m.insert("empresa".into(), json!(e.empresa));
            m.insert("departamento".into(), json!(e.departamento));
            m.insert("cnpj".into(), json!(e.cnpj));
            Value::Object(m)
        });
        let alternativo = self.endereco_alternativo.as_ref().map(|(e, tipo)| {
            let mut m = e.json();
            m.insert("tipo".into(), json!(tipo));
            Value::Object(m)
        });
        json!({
            "id": self.id,
            "tipoPessoa": self.tipo_pessoa(),
            "nome": self.nome,
            "nomeSocial": self.nome_social,
            "cpf": self.cpf,
            "cnpj": self.cnpj,
            "email": self.email,
            "dataNascimento": date(self.data_nascimento),
            "sexo": self.sexo.map(Sexo::as_str),
            "estadoCivil": self.estado_civil,
            "nacionalidade": self.nacionalidade,
            "cidadeNatal": self.cidade_natal,
            "estadoNatal": self.estado_natal,
            "nomeMae": self.nome_mae,
            "nomePai": self.nome_pai,
            "rg": self.rg.as_ref().map(|r| json!({
                "rg": r.numero,
                "dataEmissao": r.data_emissao.map(date),
                "orgaoEmissor": r.orgao_emissor,
                "unidadeFederativa": r.uf,
            })),
            "enderecoResidencial": Value::Object(self.endereco_residencial.json()),
            "enderecoComercial": comercial,
            "enderecoAlternativo": alternativo,
            "telefones": self.telefones.iter().map(Telefone::json).collect::<Vec<_>>(),
            "renda": {"id": self.renda.id, "valor": money(self.renda.valor), "comprovada": self.renda.comprovada},
            "idProfissao": self.id_profissao,
            "dataAdmissaoProfissao": self.data_admissao_profissao.map(date),
            "quantidadeAnosProfissao": self.quantidade_anos_profissao,
            "idOcupacao": self.id_ocupacao,
            "idEscolaridade": self.id_escolaridade,
            "idMoradia": self.id_moradia,
            "conjuge": self.conjuge,
            "pep": self.pep,
            "estrangeiro": self.estrangeiro,
            "portadorNecessidadesVisuais": self.necessidades_visuais,
            "inibirEnvioFaturaGrafica": self.inibir_fatura_grafica,
            "vip": self.vip,
            "dataCadastro": datetime(self.conta.aberta_em),
            "dataAlteracao": datetime(self.alterado_em),
        })
    }

    /// An item of `/contas`, `/rg`, `/cnpj`, `/nomes`.
    pub fn conta_resumo(&self, catalogue: &Catalogue) -> Value {
        json!({
            "idPortador": self.id,
            "contaCartao": self.id,
            "tipoPessoa": self.tipo_pessoa(),
            "nome": self.nome,
            "cpf": self.cpf,
            "cnpj": self.cnpj,
            "produto": self.produto_resumo(catalogue),
            "idLoja": self.conta.id_loja,
            "statusCliente": self.status_cliente(),
            "statusCartao": self.status_cartao(),
            "cartaoMascarado": self.conta.cartao.masked(),
            "dataCadastro": date(self.conta.aberta_em.date()),
        })
    }

    /// An item of `/simplificado/cpf` and of `/lote`.
    pub fn simplificado(&self, seed: u64, catalogue: &Catalogue, today: NaiveDate) -> Value {
        let (extrato, _, _) = self.extrato(seed, catalogue, today);
        let late = self
            .inadimplencias(seed, catalogue, today)
            .iter()
            .any(|v| v["situacao"] == "EM_ABERTO");
        json!({
            "id": self.id,
            "nome": self.nome,
            "cpf": self.cpf,
            "dataNascimento": date(self.data_nascimento),
            "statusCliente": self.status_cliente(),
            "descricaoStatusCliente": self.descricao_status(catalogue),
            "produto": self.produto_resumo(catalogue),
            "limite": extrato["limite"],
            "saldoDisponivel": extrato["saldoDisponivel"],
            "diaVencimento": self.conta.dia_vencimento,
            "cartaoMascarado": self.conta.cartao.masked(),
            "estaEmAtraso": late,
        })
    }

    /// The phone SMS goes to, if any.
    pub fn telefone_sms(&self) -> Option<&Telefone> {
        self.telefones.iter().find(|t| t.receber_sms)
    }

    /// Whether the account is under a block or canceled (writes that raise exposure are refused).
    pub fn bloqueada(&self) -> bool {
        self.conta.bloqueio.is_some() || self.conta.cancelada
    }
}

/// The `produto` object of the record (and, with a text id, of `produtoTransicaoBandeira`).
pub fn produto_json(p: &Produto, id: Value) -> Value {
    json!({
        "id": id,
        "descricao": p.descricao,
        "isProdutoDigital": sim_nao(p.digital),
        "isProdutoBandeirado": sim_nao(p.bandeirado()),
        "encargos": {
            "cobrarMulta": p.encargos.cobrar_multa,
            "multa": p.encargos.multa,
            "regraCalculoMulta": p.encargos.regra_calculo_multa,
            "ignorarMultaAnterior": false,
            "ignorarSaldoRolado": false,
            "mora": p.encargos.mora,
            "regraCalculoMora": p.encargos.regra_calculo_mora,
            "jurosRotativo": p.encargos.juros_rotativo,
            "realizarEstornoJurosPagamento": true,
        },
        "limiteExtra": {
            "percentualPadrao": p.limite_extra.percentual_padrao,
            "valorPadrao": p.limite_extra.valor_padrao,
            "habilitarClientesNovos": p.limite_extra.habilitar_clientes_novos,
        },
        "overlimit": {
            "percentualSobreUso": p.overlimit.percentual_sobre_uso,
            "permitePercentualSobreUso": p.overlimit.permite_percentual_sobre_uso,
            "taxaSobreUso": p.overlimit.taxa_sobre_uso,
            "permiteTaxaSobreUso": p.overlimit.permite_taxa_sobre_uso,
            "permiteRepetirMesmoCiclo": p.overlimit.permite_repetir_mesmo_ciclo,
        },
    })
}

/// A due day for an account opened without one: one of the product's, chosen from the document
/// so the same CPF always gets the same day.
pub fn dia_vencimento_para<R: Rng + ?Sized>(rng: &mut R, produto: &Produto) -> u8 {
    produto
        .dias_vencimento
        .get(rng.random_range(0..produto.dias_vencimento.len().max(1)))
        .copied()
        .unwrap_or(10)
}

// ------------------------------------------------------------------------------- opening

fn s(o: &Value, k: &str) -> Option<String> {
    o.get(k).and_then(Value::as_str).map(str::to_string)
}

/// An address of a request body (`localidade` is the town).
pub fn endereco_of(o: &Value) -> Option<Endereco> {
    Some(Endereco {
        logradouro: s(o, "logradouro")?,
        numero: s(o, "numero")?,
        complemento: s(o, "complemento").filter(|c| !c.trim().is_empty()),
        bairro: s(o, "bairro")?,
        cidade: s(o, "localidade")?,
        uf: s(o, "uf")?,
        cep: s(o, "cep")?,
    })
}

pub fn telefones_of(list: Option<&Value>, now: NaiveDateTime) -> Vec<Telefone> {
    let mut sms_taken = false;
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, t)| {
            let numero = s(t, "telefone")?;
            let wants_sms = t.get("receberSMS").and_then(Value::as_bool) == Some(true);
            // One SMS phone per holder: the first one asked for.
            let receber_sms = wants_sms && !sms_taken && numero.len() == 9;
            sms_taken |= receber_sms;
            Some(Telefone {
                id: i as u64 + 1,
                tipo: s(t, "tipo").unwrap_or_else(|| "CELULAR".into()),
                area: s(t, "area")?,
                numero,
                ramal: s(t, "ramal"),
                receber_sms,
                fatura_digital: t.get("faturaDigital").and_then(Value::as_bool) == Some(true),
                cadastro: now,
            })
        })
        .collect()
}

/// What an account opening needs besides the body.
#[derive(Debug, Clone, Copy)]
pub struct Abertura<'a> {
    pub seed: u64,
    pub catalogue: &'a Catalogue,
    /// From the sandbox's sequence (below [`GENERATED_BASE`]).
    pub id: u64,
    /// The sandbox clock.
    pub now: NaiveDateTime,
}

impl Abertura<'_> {
    fn card_name(&self, civil: &str, asked: Option<String>) -> String {
        let max = self.catalogue.regras.tamanho_maximo_nome_cartao;
        asked
            .and_then(|a| card::printed_name(civil, &a, max).ok())
            .unwrap_or_else(|| card::embossed_name(civil, max))
    }

    fn conta(&self, body: &Value, produto: &Produto, document: &str, nome: &str) -> Conta {
        let limite = body
            .get("limiteRotativo")
            .and_then(Value::as_f64)
            .unwrap_or(produto.limite_padrao);
        let dia_vencimento = body
            .get("diaVencimento")
            .and_then(Value::as_u64)
            .and_then(|d| u8::try_from(d).ok())
            .unwrap_or_else(|| {
                dia_vencimento_para(
                    &mut rng_for(self.seed, document, "portadores-vencimento"),
                    produto,
                )
            });
        Conta {
            id_produto: produto.id,
            id_loja: body
                .get("idLoja")
                .and_then(Value::as_u64)
                .and_then(|l| u32::try_from(l).ok()),
            limite_rotativo: limite,
            limite_parcelado: round_to(limite * 0.5, 50.0).min(limite),
            dia_vencimento,
            aberta_em: self.now,
            cartao: Card::issue(
                self.seed,
                &produto.bin,
                self.id,
                0,
                self.now.date(),
                produto.validade_meses,
            ),
            sequencia_cartao: 0,
            nome_cartao: self.card_name(nome, s(body, "nomeCartao")),
            bloqueio: None,
            ultimo_bloqueio: None,
            cancelada: false,
        }
    }

    fn adicionais(&self, body: &Value, produto: &Produto) -> Vec<Dependente> {
        body.get("adicionais")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, a)| {
                let dep_id = self.id * 10 + i as u64 + 1;
                let nome = s(a, "nome")?;
                Some(Dependente {
                    id: dep_id,
                    nome_cartao: self.card_name(&nome, s(a, "nomePersonalizado")),
                    cartao: Card::issue(
                        self.seed,
                        &produto.bin,
                        dep_id,
                        0,
                        self.now.date(),
                        produto.validade_meses,
                    ),
                    nome_social: None,
                    cpf: s(a, "cpf")?,
                    nascimento: NaiveDate::parse_from_str(&s(a, "dataNascimento")?, "%Y-%m-%d")
                        .ok()?,
                    sexo: s(a, "sexo")
                        .as_deref()
                        .and_then(Sexo::parse)
                        .unwrap_or(Sexo::Feminino),
                    grau: s(a, "grauParentesco")
                        .and_then(|g| self.catalogue.grau_parentesco(&g).map(|g| g.id))
                        .unwrap_or_else(|| {
                            self.catalogue
                                .grau_parentesco("OUTROS")
                                .map_or(12, |g| g.id)
                        }),
                    nome_mae: s(a, "nomeMae").unwrap_or_default(),
                    nome,
                    telefone: None,
                    status: StatusDependente::Ativo,
                })
            })
            .collect()
    }

    /// The holder opened by a `POST /contas/pf` body that [`super::validate::conta_pf`] accepted;
    /// `None` when the body lacks what validation guarantees (a product of the catalogue, ...).
    pub fn pf(&self, body: &Value) -> Option<Holder> {
        let produto = self
            .catalogue
            .produto(u32::try_from(body.get("idProduto")?.as_u64()?).ok()?)?;
        let nome = s(body, "nome")?;
        let cpf = s(body, "cpf")?;
        let orgao = s(body, "orgaoEmissor");
        let orgao_uf = orgao
            .as_deref()
            .and_then(|o| split_orgao_emissor(o, self.catalogue).1)
            .and_then(br::uf_by_sigla)
            .map(|u| u.sigla.to_string());
        let residencial = endereco_of(body.get("enderecoResidencial")?)?;
        let comercial = body.get("enderecoComercial").and_then(|c| {
            Some(EnderecoComercial {
                endereco: endereco_of(c)?,
                empresa: s(c, "empresa"),
                departamento: s(c, "departamento"),
                cnpj: s(c, "cnpj"),
            })
        });
        let alternativo = body
            .get("enderecoAlternativo")
            .and_then(|a| Some((endereco_of(a)?, s(a, "tipo")?)));
        Some(Holder {
            id: self.id,
            generated: false,
            publico: Publico::PF,
            nome_social: None,
            cnpj: None,
            data_nascimento: NaiveDate::parse_from_str(&s(body, "dataNascimento")?, "%Y-%m-%d")
                .ok()?,
            sexo: s(body, "sexo").as_deref().and_then(Sexo::parse),
            estado_civil: None,
            nacionalidade: s(body, "nacionalidade"),
            cidade_natal: None,
            estado_natal: None,
            nome_mae: s(body, "nomeMae"),
            nome_pai: None,
            email: s(body, "email"),
            rg: s(body, "rg").map(|numero| Rg {
                numero,
                data_emissao: None,
                orgao_emissor: orgao.clone(),
                uf: orgao_uf.clone().or_else(|| Some(residencial.uf.clone())),
            }),
            telefones: telefones_of(body.get("telefones"), self.now),
            renda: Renda {
                id: self.id * 10 + 1,
                valor: body.get("renda").and_then(Value::as_f64).unwrap_or(0.0),
                comprovada: false,
            },
            id_profissao: body
                .get("idProfissao")
                .and_then(Value::as_u64)
                .and_then(|v| u32::try_from(v).ok()),
            id_ocupacao: s(body, "ocupacao")
                .and_then(|c| self.catalogue.ocupacao_por_codigo(&c).map(|o| o.id)),
            id_escolaridade: None,
            id_moradia: None,
            data_admissao_profissao: None,
            quantidade_anos_profissao: None,
            conjuge: None,
            pep: None,
            estrangeiro: None,
            necessidades_visuais: false,
            inibir_fatura_grafica: produto.digital,
            vip: false,
            conta: self.conta(body, produto, &cpf, &nome),
            dependentes: self.adicionais(body, produto),
            senha: PasswordState::default(),
            alterado_em: self.now,
            endereco_residencial: residencial,
            endereco_comercial: comercial,
            endereco_alternativo: alternativo,
            nome,
            cpf,
        })
    }

    /// The company account opened by a `POST /contas/pj` body that [`super::validate::conta_pj`]
    /// accepted. The record's person fields are the legal representative's; the account's name is
    /// the company's.
    pub fn pj(&self, body: &Value) -> Option<Holder> {
        let produto = self
            .catalogue
            .produto(u32::try_from(body.get("idProduto")?.as_u64()?).ok()?)?;
        let razao = s(body, "razaoSocial")?;
        let cnpj = s(body, "cnpj")?;
        let rep = body.get("responsavel")?;
        let endereco = endereco_of(body.get("enderecoComercial")?)?;
        let mut conta = self.conta(body, produto, &cnpj, &razao);
        // A company card carries the name asked for, else the trade name, else the legal name.
        let printed = s(body, "nomeCartao")
            .or_else(|| s(body, "nomeFantasia").filter(|n| !n.trim().is_empty()))
            .unwrap_or_else(|| razao.clone());
        conta.nome_cartao =
            card::embossed_name(&printed, self.catalogue.regras.tamanho_maximo_nome_cartao);
        Some(Holder {
            id: self.id,
            generated: false,
            publico: Publico::PJ,
            nome_social: s(body, "nomeFantasia"),
            cpf: s(rep, "cpf")?,
            cnpj: Some(cnpj),
            data_nascimento: NaiveDate::parse_from_str(&s(body, "dataAbertura")?, "%Y-%m-%d")
                .ok()?,
            sexo: None,
            estado_civil: None,
            nacionalidade: Some("BRASILEIRA".into()),
            cidade_natal: None,
            estado_natal: None,
            nome_mae: None,
            nome_pai: None,
            email: s(body, "email"),
            rg: None,
            telefones: telefones_of(body.get("telefones"), self.now),
            renda: Renda {
                id: self.id * 10 + 1,
                valor: body
                    .get("faturamentoMensal")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0),
                comprovada: false,
            },
            id_profissao: None,
            id_ocupacao: None,
            id_escolaridade: None,
            id_moradia: None,
            data_admissao_profissao: None,
            quantidade_anos_profissao: None,
            conjuge: None,
            pep: None,
            estrangeiro: None,
            necessidades_visuais: false,
            inibir_fatura_grafica: produto.digital,
            vip: false,
            conta,
            dependentes: self.adicionais(body, produto),
            senha: PasswordState::default(),
            alterado_em: self.now,
            endereco_residencial: endereco,
            endereco_comercial: None,
            endereco_alternativo: None,
            nome: razao,
        })
    }
}

impl Holder {
    /// The 201 answer of an account opening.
    pub fn conta_criada(&self) -> Value {
        json!({
            "contaCartao": self.id,
            "cartaoMascarado": self.conta.cartao.masked(),
            "numeroManual": card::numero_manual(self.id),
            "nomeCartao": self.conta.nome_cartao,
            "diaVencimento": self.conta.dia_vencimento,
            "dataValidade": date(self.conta.cartao.expiry),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn catalogue() -> Catalogue {
        Catalogue::embedded().unwrap()
    }

    fn cpfs(n: u64) -> Vec<String> {
        (0..n)
            .map(|i| br::gen_cpf(&mut rng_for(5, &i.to_string(), "holder-test")))
            .collect()
    }

    fn holder(cpf: &str) -> Holder {
        Holder::generate(42, &Persona::derive(42, cpf, None), &catalogue()).unwrap()
    }

    #[test]
    fn generated_ids_lead_back_to_their_cpf() {
        assert_eq!(generated_id("52998224725"), Some(1_529_982_247));
        assert_eq!(
            cpf_of_generated_id(1_529_982_247).as_deref(),
            Some("52998224725")
        );
        assert_eq!(generated_id("52998224726"), None);
        assert_eq!(cpf_of_generated_id(999_999_999), None);
        assert_eq!(
            cpf_of_generated_id(1_111_111_111),
            None,
            "all-equal CPFs are invalid"
        );
        assert_eq!(cpf_of_generated_id(2_000_000_000), None);
        for cpf in cpfs(200) {
            assert_eq!(cpf_of_generated_id(generated_id(&cpf).unwrap()), Some(cpf));
        }
    }

    #[test]
    fn the_generated_holder_is_the_persona_every_family_shows() {
        for cpf in cpfs(50) {
            let p = Persona::derive(42, &cpf, None);
            let h = holder(&cpf);
            assert_eq!(h.nome, p.civil_name);
            assert_eq!(h.data_nascimento, p.birth_date);
            assert_eq!(h.nome_mae.as_deref(), Some(p.mother_name.as_str()));
            assert_eq!(h.endereco_residencial.cep, p.addresses[0].cep);
            assert_eq!(h.telefones[0].numero, p.phones[0].number);
            assert_eq!(h.email.as_deref(), p.emails.first().map(String::as_str));
            assert_eq!(h.id, generated_id(&cpf).unwrap());
            // Deterministic.
            assert_eq!(
                h.record(42, &catalogue(), today()),
                holder(&cpf).record(42, &catalogue(), today())
            );
        }
    }

    #[test]
    fn generated_accounts_respect_the_products_rules() {
        let c = catalogue();
        for cpf in cpfs(200) {
            let h = holder(&cpf);
            let p = c.produto(h.conta.id_produto).unwrap();
            assert!(p.limite_dentro(h.conta.limite_rotativo), "{cpf}");
            assert!(h.conta.limite_parcelado <= h.conta.limite_rotativo);
            assert!(p.dias_vencimento.contains(&h.conta.dia_vencimento));
            assert!(h.conta.id_loja.is_some_and(|l| p.vendido_em(l)));
            assert!(h.conta.cartao.bin_matches(&p.bin));
            assert!(h.conta.aberta_em.date() >= h.data_nascimento + Duration::days(18 * 365));
            assert!(
                h.conta.cartao.expiry > DATA_EPOCH.date(),
                "{cpf}: {:?}",
                h.conta.cartao
            );
            assert!(h.telefone_sms().is_some_and(Telefone::is_mobile));
            for dep in &h.dependentes {
                assert!(br::is_valid_cpf(&dep.cpf));
                assert!(dep.nascimento <= DATA_EPOCH.date() - Duration::days(16 * 365));
            }
        }
    }

    #[test]
    fn the_record_agrees_with_the_cycle_dependents_and_delinquencies() {
        let c = catalogue();
        for cpf in cpfs(150) {
            let h = holder(&cpf);
            let r = h.record(42, &c, today());
            let ciclo = h.ciclo_json(&c, today());
            for k in [
                "id",
                "diaCorte",
                "diaVencimento",
                "corteUltimoDiaMes",
                "diasCarencia",
            ] {
                assert_eq!(r["ciclo"][k], ciclo[k], "{cpf} {k}");
            }
            assert_eq!(r["dataFechamentoProxFatura"], ciclo["dataProximoCorte"]);
            assert_eq!(r["melhorDiaCompra"], ciclo["melhorDiaCompra"]);
            let ids = |v: &Value| -> Vec<Value> {
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d["id"].clone())
                    .collect()
            };
            assert_eq!(ids(&r["dependentes"]), ids(&json!(h.dependentes_json())));
            let open = h
                .inadimplencias(42, &c, today())
                .into_iter()
                .filter(|v| v["situacao"] == "EM_ABERTO")
                .count();
            assert_eq!(r["estaEmAtraso"], open > 0, "{cpf}");
            let e = &r["extratoClienteResponse"];
            let (lim, dev, res, disp) = (
                e["limite"].as_f64().unwrap(),
                e["devedorTotal"].as_f64().unwrap(),
                e["saldoReservado"].as_f64().unwrap(),
                e["saldoDisponivel"].as_f64().unwrap(),
            );
            assert!((lim - dev - res - disp).abs() < 0.011, "{cpf}: {e}");
            assert!(dev <= lim);
            assert!(
                !r.to_string().contains(h.conta.cartao.pan()),
                "the PAN leaked"
            );
        }
    }

    #[test]
    fn the_cycle_is_consistent_in_every_month() {
        let c = Ciclo::new(5, 10, 3);
        assert_eq!(c.dia_corte, 25);
        assert_eq!(c.melhor_dia_compra(), 26);
        assert_eq!(c.cut_off_for(d("2026-03-05")), d("2026-02-25"));
        assert_eq!(c.next_due(d("2026-03-05")), d("2026-03-05"));
        assert_eq!(c.next_due(d("2026-03-06")), d("2026-04-05"));
        assert_eq!(
            c.cut_offs_around(d("2026-03-10")),
            (d("2026-02-25"), d("2026-03-25"))
        );
        let late = Ciclo::new(10, 10, 0);
        assert_eq!(late.dia_corte, 30);
        assert!(late.corte_ultimo_dia_mes());
        assert_eq!(late.cut_off_for(d("2026-03-10")), d("2026-02-28"));
        let same_month = Ciclo::new(25, 10, 0);
        assert_eq!(same_month.cut_off_for(d("2026-02-25")), d("2026-02-15"));
        for cycle in [
            c,
            late,
            same_month,
            Ciclo::new(1, 7, 0),
            Ciclo::new(28, 9, 5),
        ] {
            let mut day = d("2025-01-01");
            while day < d("2027-01-01") {
                let (last, next) = cycle.cut_offs_around(day);
                assert!(last <= day && day < next, "{cycle:?} {day}");
                assert!(cycle.next_due(day) >= day);
                assert!(cycle.cut_off_for(cycle.next_due(next)) == next);
                day += Duration::days(1);
            }
            assert_eq!(
                cycle.dues_between(d("2026-01-01"), d("2026-12-31")).len(),
                12
            );
        }
    }

    #[test]
    fn delinquencies_fall_on_due_dates_after_the_opening() {
        let c = catalogue();
        let mut seen_open = false;
        let mut seen_closed = false;
        for cpf in cpfs(150) {
            let h = holder(&cpf);
            let list = h.inadimplencias(42, &c, today());
            let mut previous: Option<NaiveDate> = None;
            for v in &list {
                let due = d(v["dataVencimentoFatura"].as_str().unwrap());
                assert_eq!(due.day(), u32::from(h.conta.dia_vencimento));
                assert!(due > h.conta.aberta_em.date() && due < today());
                assert!(previous.is_none_or(|p| p > due), "newest first");
                previous = Some(due);
                match v["situacao"].as_str() {
                    Some("EM_ABERTO") => {
                        seen_open = true;
                        assert_eq!(v["diasAtraso"], (today() - due).num_days());
                    }
                    _ => {
                        seen_closed = true;
                        assert!(d(v["dataRegularizacao"].as_str().unwrap()) < today());
                    }
                }
            }
        }
        assert!(seen_open && seen_closed, "the sample shows both kinds");
    }

    #[test]
    fn occurrences_stay_in_the_period_and_a_day_is_always_the_same() {
        let c = catalogue();
        for cpf in cpfs(40) {
            let h = holder(&cpf);
            let cycle = h.ciclo(&c);
            let wide = h.ocorrencias(42, &c, d("2025-12-10"), d("2026-03-10"), today());
            let narrow = h.ocorrencias(42, &c, d("2026-01-01"), d("2026-01-31"), today());
            let in_january: Vec<&Value> = wide
                .iter()
                .filter(|v| v["id"].as_str().is_some_and(|id| id.starts_with("202601")))
                .collect();
            assert_eq!(in_january, narrow.iter().collect::<Vec<_>>(), "{cpf}");
            for v in &wide {
                let day = d(&v["dataHora"].as_str().unwrap()[..10]);
                assert!(day >= d("2025-12-10") && day <= today());
                assert!(day >= h.conta.aberta_em.date());
                if v["tipo"] == "FATURA_FECHADA" {
                    assert!(cycle.is_cut_off(day), "{cpf} {day}");
                }
            }
            let closings = wide
                .iter()
                .filter(|v| v["tipo"] == "FATURA_FECHADA")
                .count();
            if h.conta.aberta_em.date() < d("2025-12-01") {
                // 91 days hold three cut-offs, or four when both ends fall on one.
                assert!((3..=4).contains(&closings), "{cpf}: {closings} cut-offs");
            }
            assert!(
                h.ocorrencias(42, &c, d("2026-04-01"), d("2026-05-01"), today())
                    .is_empty()
            );
        }
    }

    #[test]
    fn blocks_drive_the_statuses() {
        let c = catalogue();
        let mut h = holder("52998224725");
        assert_eq!((h.status_cliente(), h.status_cartao()), ("ATIVO", "ATIVO"));
        h.conta.bloqueio = Some(Bloqueio {
            id: 1,
            tipo: 1,
            definitivo: false,
            observacao: None,
            em: DATA_EPOCH,
        });
        h.conta.ultimo_bloqueio = Some(1);
        assert_eq!(
            (h.status_cliente(), h.status_cartao()),
            ("BLOQUEADO", "BLOQUEADO")
        );
        let r = h.record(42, &c, today());
        assert_eq!(
            r["ultimoMotivoBloqueioCliente"],
            "Bloqueio temporário a pedido do portador"
        );
        assert!(
            r["descricaoStatusCliente"]
                .as_str()
                .unwrap()
                .contains("temporário")
        );
        h.conta.bloqueio = Some(Bloqueio {
            id: 2,
            tipo: 2,
            definitivo: true,
            observacao: None,
            em: DATA_EPOCH,
        });
        assert_eq!(h.status_cartao(), "CANCELADO");
        assert!(h.dependentes_json().iter().all(|d| d["status"] == "C"));
        assert!(h.bloqueada());
    }
}
