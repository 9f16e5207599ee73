//! The result of a Zarv ID verification: the verdict (score, risk band, rules) and the dossier
//! (profile, contacts, finance, lawsuits, relations, and the Serasa bureau block), computed from the
//! persona of the national id and what the data sources find about it.
//!
//! Three promises hold by construction:
//!
//! - **Deterministic and coherent.** Every value comes from `(seed, document)`: the same name, birth
//!   date, addresses, phones and e-mails as the persona the other families show for that document, and
//!   the same findings on every run. The request only chooses how much is shown.
//! - **Rules follow the data.** Findings are drawn first (or read from a magic document), the dossier
//!   is built from them, and the rules are read off the dossier — a rule never fires without the
//!   record that justifies it. The score starts from a per-document base and loses points for each
//!   risk, so it never rises as risk does.
//! - **`light` is a strict subset of `full`.** Both get the same verdict and the same bureau block;
//!   `light` leaves out contacts, finance (except the restrictions asked for), lawsuits and relations.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc};
use rand::RngExt;
use rand::rngs::ChaCha8Rng;
use serde_json::{Map, Value, json};

use super::fixtures::{LawsuitLevel, MagicDocument, Money};
use super::{VerificationStatus, VerificationType, datetime};
use crate::datagen::br;
use crate::datagen::{DATA_EPOCH, DocKind, Persona, rng_for};

/// The national minimum wage of 2025 (R$ 1,518.00), the unit of the income ranges; also the floor
/// of the persona's informed income.
const MINIMUM_WAGE_CENTS: u64 = 151_800;
/// `verification.version`: the vendor's engine version in every published example.
pub const ENGINE_VERSION: &str = "v4";
/// `serasa.score.model`, as the vendor's example names it.
const BUREAU_MODEL: &str = "Score Crédito 2.0";

// ----------------------------------------------------------------------------------- the request

/// How far the Serasa bureau block goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Bureau {
    /// Not asked for (`serasa.active` false or absent).
    #[default]
    Off,
    /// Identification, score, pendencies, protests, bounced cheques.
    Active,
    /// And lawsuits, business participations, presumed income and contacts (`serasa.advance`).
    Advance,
}

/// The options of a verification request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// `verifications.finance.restrictions`: consult negative records.
    pub restrictions: bool,
    pub bureau: Bureau,
}

impl Options {
    /// Reads a request's `verifications` object (already checked against the schema); what is
    /// absent is off. `advance` without `active` asks for nothing.
    pub fn from_request(verifications: &Value) -> Options {
        let flag = |p: &str| {
            verifications
                .pointer(p)
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        let bureau = match (flag("/serasa/active"), flag("/serasa/advance")) {
            (false, _) => Bureau::Off,
            (true, false) => Bureau::Active,
            (true, true) => Bureau::Advance,
        };
        Options {
            restrictions: flag("/finance/restrictions"),
            bureau,
        }
    }

    /// Whether the price includes the bureau's.
    pub fn serasa(&self) -> bool {
        self.bureau != Bureau::Off
    }
}

// ---------------------------------------------------------------------------------- the findings

/// What the data sources hold about a document. A magic document names them; any other document
/// gets a deterministic draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Risks {
    pub obit: bool,
    /// Negative records (and the collection attempts that come with them).
    pub restrictions: bool,
    pub protests: bool,
    pub bounced_checks: bool,
    pub lawsuits: LawsuitLevel,
    pub assistance: bool,
    pub business_participations: bool,
    /// Plaintiff in a lawsuit: on record, but no risk.
    pub plaintiff: bool,
}

impl Risks {
    pub fn of_magic(m: &MagicDocument) -> Risks {
        Risks {
            obit: m.obit,
            restrictions: m.restrictions,
            protests: m.protests,
            bounced_checks: m.bounced_checks,
            lawsuits: m.lawsuits,
            assistance: m.assistance,
            business_participations: m.business_participations,
            plaintiff: false,
        }
    }

    /// The findings of an ordinary document: most records are clean, some have a negative record,
    /// fewer a lawsuit; social assistance only below three minimum wages. Nobody is drawn
    /// deceased: that outcome is asked for with its magic document.
    pub fn draw(seed: u64, persona: &Persona) -> Risks {
        let mut rng = rng_for(seed, &persona.document, "zarv-risks");
        let person = persona.kind == DocKind::Cpf;
        let restrictions = rng.random_bool(0.12);
        let protests = restrictions && rng.random_bool(0.35);
        let bounced_checks = person && restrictions && rng.random_bool(0.2);
        let lawsuits = match rng.random_range(0..100u32) {
            0..5 => LawsuitLevel::Suspect,
            5..7 => LawsuitLevel::RedFlag,
            _ => LawsuitLevel::None,
        };
        let low_income = salary_cents(persona).is_some_and(|s| s < 3 * MINIMUM_WAGE_CENTS);
        let assistance = person && low_income && rng.random_bool(0.25);
        let business_participations = person && rng.random_bool(0.18);
        let plaintiff = rng.random_bool(0.1);
        Risks {
            obit: false,
            restrictions,
            protests,
            bounced_checks,
            lawsuits,
            assistance,
            business_participations,
            plaintiff,
        }
    }
}

/// What a verification of a document finds: a record, or a failure to get one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Findings {
    Record(Risks),
    Fails(String),
}

impl Findings {
    pub fn for_document(seed: u64, persona: &Persona, magic: Option<&MagicDocument>) -> Findings {
        match magic {
            Some(m) => match &m.fails {
                Some(reason) => Findings::Fails(reason.clone()),
                None => Findings::Record(Risks::of_magic(m)),
            },
            None => Findings::Record(Risks::draw(seed, persona)),
        }
    }
}

// ------------------------------------------------------------------------------------ the answer

/// Everything a result depends on.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub seed: u64,
    pub persona: &'a Persona,
    pub kind: VerificationType,
    pub options: Options,
    /// The national id was on the workspace's list when the verification was created.
    pub blacklisted: bool,
    pub magic: Option<&'a MagicDocument>,
    /// When processing began and ended (the execution block; ages are counted at `ended_at`).
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Execution {
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
}

impl Execution {
    fn to_json(self) -> Value {
        let ms = (self.ended_at - self.started_at).num_milliseconds().max(0);
        json!({
            "startedAt": datetime(self.started_at),
            "endedAt": datetime(self.ended_at),
            "durationMs": ms,
        })
    }
}

/// A COMPLETED verification's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Completed {
    /// The person's name, or the company's legal name.
    pub name: String,
    pub score: u32,
    /// Risk band 1 (score 800+) to 5 (below 200).
    pub score_factor: u8,
    pub rules: Vec<&'static str>,
    pub execution: Execution,
    /// `verification.person`.
    pub person: Value,
    /// `verification.serasa`, when asked for.
    pub serasa: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Completed(Box<Completed>),
    Failed {
        reason: String,
        execution: Execution,
    },
}

impl Outcome {
    pub fn status(&self) -> VerificationStatus {
        match self {
            Outcome::Completed(_) => VerificationStatus::Completed,
            Outcome::Failed { .. } => VerificationStatus::Failed,
        }
    }

    /// `verification.result`.
    pub fn result_json(&self) -> Value {
        match self {
            Outcome::Completed(c) => json!({
                "score": c.score,
                "scoreFactor": c.score_factor,
                // One group: the sandbox evaluates one rule set (see the spec's note on `rules`).
                "rules": [c.rules],
                "execution": c.execution.to_json(),
            }),
            Outcome::Failed { reason, execution } => json!({
                "rules": [],
                "execution": execution.to_json(),
                "failureReason": reason,
            }),
        }
    }
}

/// Computes the result of a verification.
pub fn compute(input: &Input) -> Outcome {
    let findings = Findings::for_document(input.seed, input.persona, input.magic);
    compute_with(input, &findings)
}

/// Computes the result for given findings (what [`compute`] reads from the magic document or draws).
pub fn compute_with(input: &Input, findings: &Findings) -> Outcome {
    let execution = Execution {
        started_at: input.started_at,
        ended_at: input.ended_at,
    };
    let risks = match findings {
        Findings::Fails(reason) => {
            return Outcome::Failed {
                reason: reason.clone(),
                execution,
            };
        }
        Findings::Record(r) => *r,
    };
    let facts = Facts::gather(input.seed, input.persona, &risks);
    let verdict = Verdict::of(&facts, input);
    let person = person_json(&facts, input, &verdict);
    let serasa = (input.options.bureau != Bureau::Off).then(|| serasa_json(&facts, input));
    Outcome::Completed(Box::new(Completed {
        name: facts.name.clone(),
        score: verdict.score,
        score_factor: score_factor(verdict.score),
        rules: verdict.rules,
        execution,
        person,
        serasa,
    }))
}

/// The fields of a verification's body that are not the result.
#[derive(Debug, Clone, Copy)]
pub struct Head<'a> {
    pub id: &'a str,
    pub workspace_id: &'a str,
    pub user_id: &'a str,
    pub national_id: &'a str,
    pub status: VerificationStatus,
    pub kind: VerificationType,
    pub options: Options,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The verification as `GET /api/v2/verifications/{id}` answers it. The outcome shows only once the
/// status is final: before that the sources have not answered.
pub fn verification_body(head: &Head, outcome: Option<&Outcome>) -> Value {
    let outcome = outcome.filter(|_| head.status.is_final());
    let mut detail = Map::new();
    detail.insert("type".into(), json!(head.kind.as_str()));
    detail.insert(
        "finance".into(),
        json!({"restrictions": head.options.restrictions}),
    );
    if let Some(o) = outcome {
        detail.insert("result".into(), o.result_json());
        if let Outcome::Completed(c) = o {
            detail.insert("person".into(), c.person.clone());
            if let Some(s) = &c.serasa {
                detail.insert("serasa".into(), s.clone());
            }
        }
    }
    detail.insert("version".into(), json!(ENGINE_VERSION));
    detail.insert("createdAt".into(), json!(datetime(head.created_at)));
    detail.insert("updatedAt".into(), json!(datetime(head.updated_at)));

    let mut body = Map::new();
    body.insert("id".into(), json!(head.id));
    body.insert("workspaceId".into(), json!(head.workspace_id));
    body.insert("userId".into(), json!(head.user_id));
    body.insert("nationalId".into(), json!(head.national_id));
    if let Some(Outcome::Completed(c)) = outcome {
        body.insert("name".into(), json!(c.name));
    }
    body.insert("status".into(), json!(head.status.as_str()));
    body.insert("verification".into(), Value::Object(detail));
    Value::Object(body)
}

// -------------------------------------------------------------------------------------- the facts

struct Pendency {
    creditor: String,
    contract: String,
    amount: u64,
    occurred: NaiveDate,
    included: NaiveDate,
    kind: &'static str,
}

struct Protest {
    registry: String,
    amount: u64,
    occurred: NaiveDate,
}

struct Bounced {
    bank: String,
    branch: String,
    amount: u64,
    occurred: NaiveDate,
}

struct Process {
    number: String,
    court: String,
    kind: &'static str,
    defendant: bool,
    red_flag: bool,
    amount: u64,
    filed: NaiveDate,
}

struct Program {
    name: &'static str,
    active: bool,
    amount: u64,
    total: u64,
    started: NaiveDate,
    ended: Option<NaiveDate>,
}

struct Participation {
    cnpj: String,
    company: String,
    role: &'static str,
    share: u32,
    since: NaiveDate,
}

struct TaxReturn {
    year: i32,
    status: &'static str,
    bank: String,
    updated: NaiveDate,
}

/// Everything the sources hold about a document, whatever the request asks to see. Each section
/// draws from its own stream, so adding a section never changes another.
struct Facts<'a> {
    persona: &'a Persona,
    name: String,
    obit: bool,
    salary: Option<u64>,
    assets_band: &'static str,
    tax_returns: Vec<TaxReturn>,
    programs: Vec<Program>,
    pendencies: Vec<Pendency>,
    collections: u32,
    protests: Vec<Protest>,
    bounced: Vec<Bounced>,
    processes: Vec<Process>,
    participations: Vec<Participation>,
    /// Consultations in the windows "+30", "60", "90", "+90" days.
    consultations: [u32; 4],
    address_dates: Vec<(NaiveDateTime, NaiveDateTime)>,
    phone_dates: Vec<(NaiveDate, NaiveDate)>,
    score_base: u32,
    bureau_score_base: u32,
}

fn salary_cents(persona: &Persona) -> Option<u64> {
    (persona.kind == DocKind::Cpf).then(|| {
        Money::parse(&persona.income)
            .map(Money::cents)
            .unwrap_or(MINIMUM_WAGE_CENTS)
    })
}

/// A day between `min` and `max` days before the data epoch.
fn day_before(rng: &mut ChaCha8Rng, min: i64, max: i64) -> NaiveDate {
    (DATA_EPOCH - Duration::days(rng.random_range(min..=max))).date()
}

fn instant_before(rng: &mut ChaCha8Rng, min: i64, max: i64) -> NaiveDateTime {
    DATA_EPOCH - Duration::days(rng.random_range(min..=max))
        + Duration::seconds(rng.random_range(8 * 3600..20 * 3600))
}

/// A later day than `from`, no later than the data epoch.
fn day_after(rng: &mut ChaCha8Rng, from: NaiveDate, max_days: i64) -> NaiveDate {
    let room = (DATA_EPOCH.date() - from).num_days().clamp(0, max_days);
    from + Duration::days(rng.random_range(0..=room))
}

fn cents(rng: &mut ChaCha8Rng, min: u64, max: u64) -> u64 {
    rng.random_range(min..=max)
}

impl<'a> Facts<'a> {
    fn gather(seed: u64, persona: &'a Persona, risks: &Risks) -> Facts<'a> {
        let doc = persona.document.as_str();
        let person = persona.kind == DocKind::Cpf;
        let home = &persona.addresses[0];
        let name = match &persona.company {
            Some(c) if !person => c.legal_name.clone(),
            _ => persona.civil_name.clone(),
        };
        let salary = salary_cents(persona);

        let mut rng = rng_for(seed, doc, "zarv-contacts");
        let address_dates = persona
            .addresses
            .iter()
            .map(|_| {
                let created = instant_before(&mut rng, 200, 4000);
                let room = (DATA_EPOCH - created).num_seconds().max(0);
                (
                    created,
                    created + Duration::seconds(rng.random_range(0..=room)),
                )
            })
            .collect();
        let phone_dates = persona
            .phones
            .iter()
            .map(|_| {
                let created = day_before(&mut rng, 200, 4000);
                (created, day_after(&mut rng, created, 4000))
            })
            .collect();

        let mut rng = rng_for(seed, doc, "zarv-finance");
        let months = rng.random_range(0..=150u64);
        // A company's assets are drawn on their own; a person's follow the income.
        let monthly = match salary {
            Some(s) => s,
            None => cents(&mut rng, 5_000_000, 500_000_000),
        };
        let assets = monthly * months / 100;
        let assets_band = match assets {
            0..100_000 => "ABAIXO DE 100K",
            100_000..500_000 => "100K A 500K",
            500_000..1_000_000 => "500K A 1M",
            _ => "ACIMA DE 1M",
        };
        let mut tax_returns = Vec::new();
        if let Some(s) = salary {
            // Below about two minimum wages most people are exempt from declaring.
            let p = if s < 2 * MINIMUM_WAGE_CENTS {
                0.5
            } else {
                0.85
            };
            for back in 1..=3 {
                let year = DATA_EPOCH.year() - back;
                if !rng.random_bool(p) {
                    continue;
                }
                let status = pick(
                    &mut rng,
                    &[
                        "RESTITUIÇÃO CREDITADA",
                        "SALDO INEXISTENTE DE IMPOSTO A PAGAR OU A RESTITUIR",
                        "IMPOSTO A PAGAR",
                        "RESTITUIÇÃO AGUARDANDO LIBERAÇÃO",
                    ],
                );
                let bank = br::gen_bank(&mut rng).short_name.to_uppercase();
                let start = NaiveDate::from_ymd_opt(year, 5, 31).unwrap_or(DATA_EPOCH.date());
                tax_returns.push(TaxReturn {
                    year,
                    status,
                    bank,
                    updated: day_after(&mut rng, start, 190),
                });
            }
        }

        let mut rng = rng_for(seed, doc, "zarv-assistance");
        let mut programs = Vec::new();
        if risks.assistance && person {
            let started = day_before(&mut rng, 180, 2500);
            let amount = cents(&mut rng, 60_000, 90_000);
            let months = (DATA_EPOCH.date() - started).num_days() as u64 / 30;
            programs.push(Program {
                name: "BOLSA FAMÍLIA",
                active: true,
                amount,
                total: amount * months.max(1),
                started,
                ended: None,
            });
            if rng.random_bool(0.5) {
                let started = day_before(&mut rng, 400, 2500);
                let ended = day_after(&mut rng, started, 300);
                let amount = cents(&mut rng, 10_200, 10_800);
                let months = ((ended - started).num_days() as u64 / 60).max(1);
                programs.push(Program {
                    name: "AUXÍLIO GÁS",
                    active: false,
                    amount,
                    total: amount * months,
                    started,
                    ended: Some(ended),
                });
            }
        }

        let mut rng = rng_for(seed, doc, "zarv-restrictions");
        let mut pendencies = Vec::new();
        if risks.restrictions {
            for _ in 0..rng.random_range(1..=3) {
                let bank = br::gen_bank(&mut rng);
                let occurred = day_before(&mut rng, 90, 900);
                let included = day_after(&mut rng, occurred, 60);
                pendencies.push(Pendency {
                    creditor: bank.legal_name.to_string(),
                    contract: br::digits(&mut rng, 10),
                    amount: cents(&mut rng, 15_000, 1_200_000),
                    occurred,
                    included,
                    kind: pick(
                        &mut rng,
                        &["Créditos e Financiamentos", "Cartão de Crédito"],
                    ),
                });
            }
            // Newest first: the restrictions block shows the latest record.
            pendencies.sort_by_key(|p| std::cmp::Reverse(p.included));
        }
        let collections = pendencies.len() as u32 * rng.random_range(2..=6u32);
        let heavy = u32::from(risks.restrictions) * 2;
        let consultations = [
            rng.random_range(0..=2) + heavy,
            rng.random_range(0..=2) + heavy,
            rng.random_range(0..=3),
            rng.random_range(0..=4) + heavy,
        ];

        let mut rng = rng_for(seed, doc, "zarv-bureau");
        let mut protests = Vec::new();
        if risks.protests {
            for n in 0..rng.random_range(1..=2) {
                protests.push(Protest {
                    registry: format!(
                        "{}º TABELIONATO DE PROTESTO DE LETRAS E TÍTULOS DE {}",
                        n + 1,
                        home.town.to_uppercase()
                    ),
                    amount: cents(&mut rng, 20_000, 800_000),
                    occurred: day_before(&mut rng, 60, 1500),
                });
            }
        }
        let mut bounced = Vec::new();
        if risks.bounced_checks {
            let bank = br::gen_bank(&mut rng);
            bounced.push(Bounced {
                bank: bank.short_name.to_uppercase(),
                branch: br::gen_branch(&mut rng),
                amount: cents(&mut rng, 5_000, 500_000),
                occurred: day_before(&mut rng, 60, 1500),
            });
        }
        let mut participations = Vec::new();
        if risks.business_participations && person {
            for _ in 0..rng.random_range(1..=2) {
                participations.push(Participation {
                    cnpj: br::gen_cnpj(&mut rng, false),
                    company: br::gen_company(&mut rng).legal_name,
                    role: pick(&mut rng, &["SÓCIO-ADMINISTRADOR", "SÓCIO"]),
                    share: rng.random_range(1..=20u32) * 5,
                    since: day_before(&mut rng, 200, 7000),
                });
            }
        }

        let mut rng = rng_for(seed, doc, "zarv-lawsuits");
        let mut processes = Vec::new();
        let court = |rng: &mut ChaCha8Rng, vara: &str| {
            format!(
                "TJ{} - {}ª {vara} de {}",
                home.uf,
                rng.random_range(1..=12),
                home.town
            )
        };
        if risks.lawsuits != LawsuitLevel::None {
            for _ in 0..rng.random_range(1..=2) {
                let filed = day_before(&mut rng, 60, 2500);
                processes.push(Process {
                    number: cnj_number(&mut rng, filed.year(), home.uf),
                    court: court(&mut rng, "Vara Cível"),
                    kind: pick(
                        &mut rng,
                        &[
                            "AÇÃO DE COBRANÇA",
                            "EXECUÇÃO DE TÍTULO EXTRAJUDICIAL",
                            "AÇÃO MONITÓRIA",
                        ],
                    ),
                    defendant: true,
                    red_flag: false,
                    amount: cents(&mut rng, 100_000, 5_000_000),
                    filed,
                });
            }
        }
        if risks.lawsuits == LawsuitLevel::RedFlag {
            let filed = day_before(&mut rng, 60, 2500);
            processes.push(Process {
                number: cnj_number(&mut rng, filed.year(), home.uf),
                court: court(&mut rng, "Vara de Execuções Fiscais"),
                kind: "EXECUÇÃO FISCAL",
                defendant: true,
                red_flag: true,
                amount: cents(&mut rng, 500_000, 20_000_000),
                filed,
            });
        }
        if risks.plaintiff {
            let filed = day_before(&mut rng, 60, 2500);
            processes.push(Process {
                number: cnj_number(&mut rng, filed.year(), home.uf),
                court: court(&mut rng, "Vara Cível"),
                kind: "AÇÃO DE INDENIZAÇÃO POR DANOS MORAIS",
                defendant: false,
                red_flag: false,
                amount: cents(&mut rng, 100_000, 3_000_000),
                filed,
            });
        }
        processes.sort_by_key(|p| std::cmp::Reverse(p.filed));

        let mut rng = rng_for(seed, doc, "zarv-score");
        Facts {
            persona,
            name,
            obit: risks.obit,
            salary,
            assets_band,
            tax_returns,
            programs,
            pendencies,
            collections,
            protests,
            bounced,
            processes,
            participations,
            consultations,
            address_dates,
            phone_dates,
            score_base: rng.random_range(800..=1000),
            bureau_score_base: rng.random_range(550..=950),
        }
    }

    fn active_programs(&self) -> usize {
        self.programs.iter().filter(|p| p.active).count()
    }

    fn as_defendant(&self) -> usize {
        self.processes.iter().filter(|p| p.defendant).count()
    }

    fn red_flags(&self) -> usize {
        self.processes
            .iter()
            .filter(|p| p.defendant && p.red_flag)
            .count()
    }

    fn pendency_total(&self) -> u64 {
        self.pendencies.iter().map(|p| p.amount).sum()
    }

    /// Birth date, or the company's incorporation date.
    fn born(&self) -> NaiveDate {
        match self.persona.kind {
            DocKind::Cpf => self.persona.birth_date,
            DocKind::Cnpj => self.persona.incorporation.date(),
        }
    }
}

/// One of a constant list of labels.
fn pick(rng: &mut ChaCha8Rng, items: &[&'static str]) -> &'static str {
    items[rng.random_range(0..items.len())]
}

/// The state courts' code in the CNJ numbering (segment 8), by UF: the states in alphabetical
/// order of their names.
fn state_court_code(uf: &str) -> u8 {
    const ORDER: [&str; 27] = [
        "AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG", "PA", "PB",
        "PR", "PE", "PI", "RJ", "RN", "RS", "RO", "RR", "SC", "SE", "SP", "TO",
    ];
    ORDER
        .iter()
        .position(|u| *u == uf)
        .map(|i| i as u8 + 1)
        .unwrap_or(26)
}

/// `NNNNNNN-DD.AAAA.8.TR.OOOO` with the check digits of CNJ Resolution 65 (ISO 7064 mod 97-10).
fn cnj_number(rng: &mut ChaCha8Rng, year: i32, uf: &str) -> String {
    let seq = br::digits(rng, 7);
    let origin = format!("{:04}", rng.random_range(1..=999));
    let tr = format!("{:02}", state_court_code(uf));
    let body = format!("{seq}{year:04}8{tr}{origin}00");
    let rem = body
        .bytes()
        .fold(0u32, |r, b| (r * 10 + u32::from(b - b'0')) % 97);
    format!("{seq}-{:02}.{year:04}.8.{tr}.{origin}", 98 - rem)
}

/// `R$1.869,73`.
fn brl(c: u64) -> String {
    let reais = (c / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in reais.chars().enumerate() {
        if i > 0 && (reais.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    format!("R${grouped},{:02}", c % 100)
}

/// BRL cents as a JSON number of reais.
fn money(c: u64) -> Value {
    json!(c as f64 / 100.0)
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn age(born: NaiveDate, at: NaiveDate) -> u32 {
    let mut years = at.year() - born.year();
    if (at.month(), at.day()) < (born.month(), born.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

/// `ATE 1 SM`, `3 A 5 SM`, `ACIMA DE 20 SM`.
fn income_band(salary: u64) -> String {
    const EDGES: [u64; 8] = [1, 2, 3, 5, 7, 10, 15, 20];
    if salary <= MINIMUM_WAGE_CENTS {
        return "ATE 1 SM".into();
    }
    for pair in EDGES.windows(2) {
        if salary <= pair[1] * MINIMUM_WAGE_CENTS {
            return format!("{} A {} SM", pair[0], pair[1]);
        }
    }
    "ACIMA DE 20 SM".into()
}

// ------------------------------------------------------------------------------------ the verdict

struct Verdict {
    score: u32,
    rules: Vec<&'static str>,
    fiscal_status: &'static str,
}

/// Points a risk takes off the score. A deceased holder's score is 0 whatever else is found.
const PENALTY_BLACKLIST: u32 = 450;
const PENALTY_OBIT: u32 = 1000;
const PENALTY_RESTRICTIONS: u32 = 220;
const PENALTY_COLLECTIONS: u32 = 60;
const PENALTY_ASSISTANCE: u32 = 90;
const PENALTY_LAWSUIT: u32 = 140;
const PENALTY_RED_FLAG: u32 = 120;

impl Verdict {
    fn of(facts: &Facts, input: &Input) -> Verdict {
        let mut rules = Vec::new();
        let mut penalty = 0u32;
        let mut fire = |rule: &'static str, points: u32| {
            rules.push(rule);
            penalty = penalty.saturating_add(points);
        };
        if input.blacklisted {
            fire("PROFILE_SUSPECTED_PERSON_BLACKLIST", PENALTY_BLACKLIST);
        }
        if facts.obit {
            fire("PROFILE_OBIT", PENALTY_OBIT);
        }
        // Negative records count only when consulted: without the option nobody looked.
        if input.options.restrictions && !facts.pendencies.is_empty() {
            fire("FINANCE_NEGATIVE_RESTRICTIONS", PENALTY_RESTRICTIONS);
        }
        if facts.collections > 0 {
            fire("FINANCE_COLLECTIONS", PENALTY_COLLECTIONS);
        }
        if facts.active_programs() > 0 {
            fire("FINANCE_SOCIAL_ASSISTANCES", PENALTY_ASSISTANCE);
        }
        if facts.red_flags() > 0 {
            fire("LAWSUIT_PROCESS_REDFLAG_L1", PENALTY_RED_FLAG);
        }
        if facts.as_defendant() > 0 {
            fire("LAWSUIT_SUSPECT_PROCESS_L2", PENALTY_LAWSUIT);
        }
        let fiscal_status = if input.blacklisted {
            "BLACKLISTED"
        } else if facts.obit {
            "SUSPECTED"
        } else {
            "REGULAR"
        };
        Verdict {
            score: facts.score_base.saturating_sub(penalty),
            rules,
            fiscal_status,
        }
    }
}

/// Risk band of a score: 1 (800 or more) to 5 (below 200).
pub fn score_factor(score: u32) -> u8 {
    match score {
        800.. => 1,
        600..800 => 2,
        400..600 => 3,
        200..400 => 4,
        _ => 5,
    }
}

// ------------------------------------------------------------------------------------ the dossier

fn indicator(risky: bool, value: impl Into<Value>) -> Value {
    json!({"risky": risky, "value": value.into()})
}

fn person_json(facts: &Facts, input: &Input, verdict: &Verdict) -> Value {
    let full = input.kind == VerificationType::Full;
    let p = facts.persona;
    let mut profile = Map::new();
    profile.insert("name".into(), json!(facts.name));
    profile.insert("nationalId".into(), json!(p.document));
    profile.insert("fiscalStatus".into(), json!(verdict.fiscal_status));
    profile.insert("obitFlag".into(), json!(facts.obit));
    profile.insert("birthDate".into(), json!(date(facts.born())));
    profile.insert(
        "age".into(),
        json!(age(facts.born(), input.ended_at.date_naive())),
    );
    if p.kind == DocKind::Cpf {
        profile.insert(
            "gender".into(),
            json!(match p.sex {
                br::Sex::Female => "F",
                br::Sex::Male => "M",
            }),
        );
    }
    if full {
        profile.insert("contacts".into(), contacts_json(facts));
    }
    let listed = u8::from(input.blacklisted);
    profile.insert(
        "indicators".into(),
        json!({
            "blacklisted": indicator(input.blacklisted, listed),
            "blacklistedCompanies": indicator(false, 0),
            "blacklistedRelated": indicator(false, 0),
        }),
    );

    let mut person = Map::new();
    person.insert("profile".into(), Value::Object(profile));
    let mut finance = if full {
        finance_json(facts)
    } else {
        Map::new()
    };
    if input.options.restrictions {
        finance.insert("restrictions".into(), restrictions_json(facts));
    }
    if !finance.is_empty() {
        person.insert("finance".into(), Value::Object(finance));
    }
    if full {
        person.insert("lawsuits".into(), lawsuits_json(facts));
        person.insert("related".into(), related_json(facts));
    }
    Value::Object(person)
}

fn contacts_json(facts: &Facts) -> Value {
    let p = facts.persona;
    let addresses: Vec<Value> = p
        .addresses
        .iter()
        .zip(&facts.address_dates)
        .enumerate()
        .map(|(i, (a, (created, updated)))| {
            let kind = if i == 0 && p.kind == DocKind::Cpf {
                "HOME"
            } else {
                "WORK"
            };
            json!({
                "type": kind,
                "street": a.street,
                "number": a.number,
                "neighborhood": a.district,
                "city": a.town,
                "state": a.uf,
                "postalCode": a.cep,
                "createdAt": datetime(created.and_utc()),
                "updatedAt": datetime(updated.and_utc()),
            })
        })
        .collect();
    let phones: Vec<Value> = p
        .phones
        .iter()
        .zip(&facts.phone_dates)
        .map(|(ph, (created, updated))| {
            json!({
                "type": if ph.mobile { "MOBILE" } else { "FIXO" },
                "number": ph.number,
                "area": ph.area_code,
                "country": ph.country_code,
                "createdAt": date(*created),
                "updatedAt": date(*updated),
            })
        })
        .collect();
    json!({"addresses": addresses, "emails": p.emails, "phones": phones})
}

fn finance_json(facts: &Facts) -> Map<String, Value> {
    let mut f = Map::new();
    if let Some(s) = facts.salary {
        f.insert("salary".into(), money(s));
        f.insert("income".into(), json!(income_band(s)));
    }
    f.insert("totalAssets".into(), json!(facts.assets_band));
    if facts.salary.is_some() {
        let returns: Vec<Value> = facts
            .tax_returns
            .iter()
            .map(|t| {
                json!({"year": t.year.to_string(), "status": t.status, "bank": t.bank,
                       "updatedAt": date(t.updated)})
            })
            .collect();
        f.insert("taxReturns".into(), json!(returns));
    }
    let mut collections =
        json!({"total": facts.collections, "totalOrigins": facts.pendencies.len()});
    if let Some(latest) = facts.pendencies.first() {
        collections["updatedAt"] = json!(date(latest.included));
    }
    f.insert("collections".into(), collections);
    let active = facts.active_programs();
    if facts.persona.kind == DocKind::Cpf {
        let home = &facts.persona.addresses[0];
        let programs: Vec<Value> = facts
            .programs
            .iter()
            .map(|pr| {
                let mut v = json!({
                    "name": pr.name,
                    "city": home.town,
                    "state": home.uf,
                    "active": pr.active,
                    "amount": money(pr.amount),
                    "totalAmount": money(pr.total),
                    "startedAt": date(pr.started),
                });
                if let Some(end) = pr.ended {
                    v["endedAt"] = json!(date(end));
                }
                v
            })
            .collect();
        f.insert(
            "assistancePrograms".into(),
            json!({"programs": programs, "total": facts.programs.len(), "totalActive": active}),
        );
    }
    let mut indicators = Map::new();
    if let Some(s) = facts.salary {
        indicators.insert(
            "monthlyIncome".into(),
            indicator(s < 2 * MINIMUM_WAGE_CENTS, money(s)),
        );
        indicators.insert("assistancePrograms".into(), indicator(active > 0, active));
        let missing = 3 - facts.tax_returns.len().min(3);
        indicators.insert(
            "ltyTaxDeclarations".into(),
            indicator(missing >= 2, missing),
        );
    }
    indicators.insert(
        "collections".into(),
        indicator(facts.collections > 0, facts.collections),
    );
    f.insert("indicators".into(), Value::Object(indicators));
    f
}

fn restrictions_json(facts: &Facts) -> Value {
    let [plus30, sixty, ninety, plus90] = facts.consultations;
    let logs = json!({"60": sixty, "90": ninety, "+90": plus90, "+30": plus30});
    match facts.pendencies.first() {
        None => json!({
            "isNegative": false,
            "hasData": false,
            "totalAmount": 0,
            "consultationLogs": logs,
        }),
        Some(latest) => json!({
            "registerLogs": "Cliente notificado, período de resposta encerrado, dados prontos para serem usados",
            "isNegative": true,
            "hasData": true,
            "segment": "Atraso severo (negativação ativa ou atraso acima de 90 dias)",
            "reportedBy": latest.creditor,
            "reportedAt": date(latest.included),
            "status": "Ativo",
            "city": facts.persona.addresses[0].town,
            "amount": brl(latest.amount),
            "type": latest.kind,
            "totalAmount": money(facts.pendency_total()),
            "consultationLogs": logs,
        }),
    }
}

fn lawsuits_json(facts: &Facts) -> Value {
    let processes: Vec<Value> = facts
        .processes
        .iter()
        .map(|pr| {
            json!({
                "processNumber": pr.number,
                "court": pr.court,
                "type": pr.kind,
                "role": if pr.defendant { "REU" } else { "AUTOR" },
                "status": "EM ANDAMENTO",
                "amount": money(pr.amount),
                "filedAt": date(pr.filed),
            })
        })
        .collect();
    let defendant = facts.as_defendant();
    json!({
        "total": processes.len(),
        "asDefendant": defendant,
        "asAuthor": processes.len() - defendant,
        "processes": processes,
    })
}

fn related_json(facts: &Facts) -> Value {
    let p = facts.persona;
    let people = match p.kind {
        DocKind::Cpf => vec![
            json!({"name": p.mother_name, "relationship": "MAE"}),
            json!({"name": p.father_name, "relationship": "PAI"}),
        ],
        // A company's related person is its legal representative.
        DocKind::Cnpj => vec![json!({"name": p.civil_name, "relationship": "SOCIO-ADMINISTRADOR"})],
    };
    json!({"total": people.len(), "people": people})
}

// --------------------------------------------------------------------------------- the bureau

/// The bureau's own score: it sees pendencies, protests, bounced cheques and lawsuits, whatever the
/// request's options.
fn bureau_score(facts: &Facts) -> u32 {
    if facts.obit {
        return 0;
    }
    let mut penalty = 0;
    if !facts.pendencies.is_empty() {
        penalty += 250;
    }
    if !facts.protests.is_empty() {
        penalty += 120;
    }
    if !facts.bounced.is_empty() {
        penalty += 100;
    }
    if facts.as_defendant() > 0 {
        penalty += 60;
    }
    if facts.red_flags() > 0 {
        penalty += 60;
    }
    facts.bureau_score_base.saturating_sub(penalty)
}

fn bureau_classification(score: u32) -> &'static str {
    match score {
        700.. => "BAIXO",
        500..700 => "MEDIO",
        300..500 => "ALTO",
        _ => "MUITO ALTO",
    }
}

/// Probability of default in percent, two decimals: falls with the square of the score's distance
/// to 1000 (about 4.7 at 720, 60 at 0).
fn default_probability(score: u32) -> f64 {
    let gap = f64::from(1000 - score.min(1000)) / 1000.0;
    (gap * gap * 6000.0).round() / 100.0
}

fn serasa_json(facts: &Facts, input: &Input) -> Value {
    let p = facts.persona;
    let person = p.kind == DocKind::Cpf;
    let home = &p.addresses[0];
    let consulted = input.ended_at;
    let mut rng = rng_for(
        input.seed,
        &p.document,
        &format!("zarv-serasa-protocol-{}", consulted.timestamp()),
    );
    let protocol = format!(
        "SRS-{}{}",
        consulted.format("%Y%m%d%H%M%S"),
        br::digits(&mut rng, 5)
    );

    let mut identification = Map::new();
    identification.insert("name".into(), json!(facts.name));
    identification.insert("nationalId".into(), json!(p.document));
    identification.insert("birthDate".into(), json!(date(facts.born())));
    identification.insert(
        "age".into(),
        json!(age(facts.born(), consulted.date_naive())),
    );
    if person {
        identification.insert(
            "gender".into(),
            json!(match p.sex {
                br::Sex::Female => "F",
                br::Sex::Male => "M",
            }),
        );
        identification.insert("motherName".into(), json!(p.mother_name));
    }
    let status = match (person, facts.obit) {
        (true, true) => "TITULAR FALECIDO",
        (true, false) => "REGULAR",
        (false, _) => "ATIVA",
    };
    identification.insert("cpfStatus".into(), json!(status));
    identification.insert("obitFlag".into(), json!(facts.obit));

    let score = bureau_score(facts);
    let pendencies: Vec<Value> = facts
        .pendencies
        .iter()
        .map(|pd| {
            json!({
                "creditor": pd.creditor,
                "contract": pd.contract,
                "amount": money(pd.amount),
                "currency": "BRL",
                "occurredAt": date(pd.occurred),
                "includedAt": date(pd.included),
                "city": home.town,
                "state": home.uf,
            })
        })
        .collect();
    let protests: Vec<Value> = facts
        .protests
        .iter()
        .map(|pr| {
            json!({"registry": pr.registry, "city": home.town, "state": home.uf,
                   "amount": money(pr.amount), "occurredAt": date(pr.occurred)})
        })
        .collect();
    let bounced: Vec<Value> = facts
        .bounced
        .iter()
        .map(|b| {
            json!({"bank": b.bank, "branch": b.branch, "amount": money(b.amount),
                   "occurredAt": date(b.occurred),
                   "reason": "Insuficiência de fundos - 2ª apresentação"})
        })
        .collect();

    let mut block = Map::new();
    block.insert(
        "documentType".into(),
        json!(if person { "CPF" } else { "CNPJ" }),
    );
    block.insert("consultedAt".into(), json!(datetime(consulted)));
    block.insert("protocol".into(), json!(protocol));
    block.insert("identification".into(), Value::Object(identification));
    block.insert(
        "score".into(),
        json!({
            "value": score,
            "classification": bureau_classification(score),
            "defaultProbability": default_probability(score),
            "model": BUREAU_MODEL,
        }),
    );
    block.insert(
        "pendencies".into(),
        json!({"total": pendencies.len(), "totalAmount": money(facts.pendency_total()), "items": pendencies}),
    );
    let protest_total: u64 = facts.protests.iter().map(|p| p.amount).sum();
    block.insert(
        "protests".into(),
        json!({"total": protests.len(), "totalAmount": money(protest_total), "items": protests}),
    );
    block.insert(
        "bouncedChecks".into(),
        json!({"total": bounced.len(), "items": bounced}),
    );

    if input.options.bureau == Bureau::Advance {
        let lawsuits: Vec<Value> = facts
            .processes
            .iter()
            .map(|pr| {
                json!({"processNumber": pr.number, "type": pr.kind, "court": pr.court,
                       "amount": money(pr.amount), "filedAt": date(pr.filed)})
            })
            .collect();
        block.insert(
            "lawsuits".into(),
            json!({"total": lawsuits.len(), "items": lawsuits}),
        );
        let participations: Vec<Value> = facts
            .participations
            .iter()
            .map(|pa| {
                json!({"nationalId": pa.cnpj, "companyName": pa.company, "role": pa.role,
                       "participation": pa.share, "since": date(pa.since)})
            })
            .collect();
        block.insert(
            "businessParticipations".into(),
            json!({"total": participations.len(), "items": participations}),
        );
        if let Some(s) = facts.salary {
            block.insert(
                "income".into(),
                json!({
                    "presumedIncome": money(s),
                    "incomeRange": income_band(s),
                    // What is left for instalments: 30% of the income, the usual payroll-loan cap.
                    "monthlyPaymentCapacity": money(s * 30 / 100),
                }),
            );
        }
        let addresses: Vec<Value> = p
            .addresses
            .iter()
            .zip(&facts.address_dates)
            .map(|(a, (_, updated))| {
                let mut v = json!({
                    "street": a.street, "number": a.number, "neighborhood": a.district,
                    "city": a.town, "state": a.uf, "postalCode": a.cep,
                    "updatedAt": date(updated.date()),
                });
                if let Some(c) = &a.complement {
                    v["complement"] = json!(c);
                }
                v
            })
            .collect();
        let phones: Vec<Value> = p
            .phones
            .iter()
            .map(|ph| {
                json!({"type": if ph.mobile { "MOBILE" } else { "FIXO" },
                       "area": ph.area_code, "number": ph.number})
            })
            .collect();
        block.insert(
            "contacts".into(),
            json!({"addresses": addresses, "phones": phones, "emails": p.emails}),
        );
    }
    Value::Object(block)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::fixtures::{EMBEDDED, ZarvFixtures};
    use super::*;
    use chrono::TimeZone;

    pub const SEED: u64 = 20_260_302;

    pub fn started() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 1)
            .single()
            .expect("valid time")
    }

    pub fn ended() -> DateTime<Utc> {
        started() + Duration::seconds(4)
    }

    pub fn input<'a>(
        persona: &'a Persona,
        kind: VerificationType,
        options: Options,
        blacklisted: bool,
        magic: Option<&'a MagicDocument>,
    ) -> Input<'a> {
        Input {
            seed: SEED,
            persona,
            kind,
            options,
            blacklisted,
            magic,
            started_at: started(),
            ended_at: ended(),
        }
    }

    /// Documents of every kind: drawn CPFs, numeric and alphanumeric CNPJs.
    pub fn documents(n: usize) -> Vec<String> {
        let mut rng = rng_for(7, "zarv-tests", "documents");
        (0..n)
            .map(|i| match i % 5 {
                3 => br::gen_cnpj(&mut rng, false),
                4 => br::gen_cnpj(&mut rng, true),
                _ => br::gen_cpf(&mut rng),
            })
            .collect()
    }

    pub const ALL_OPTIONS: [Options; 6] = [
        Options {
            restrictions: false,
            bureau: Bureau::Off,
        },
        Options {
            restrictions: true,
            bureau: Bureau::Off,
        },
        Options {
            restrictions: false,
            bureau: Bureau::Active,
        },
        Options {
            restrictions: true,
            bureau: Bureau::Active,
        },
        Options {
            restrictions: false,
            bureau: Bureau::Advance,
        },
        Options {
            restrictions: true,
            bureau: Bureau::Advance,
        },
    ];

    fn completed(o: Outcome) -> Completed {
        match o {
            Outcome::Completed(c) => *c,
            Outcome::Failed { reason, .. } => panic!("failed: {reason}"),
        }
    }

    fn fixtures() -> ZarvFixtures {
        ZarvFixtures::parse("zarv.yaml", EMBEDDED).expect("fixtures")
    }

    fn with_risks(p: &Persona, risks: Risks, blacklisted: bool, options: Options) -> Completed {
        completed(compute_with(
            &input(p, VerificationType::Full, options, blacklisted, None),
            &Findings::Record(risks),
        ))
    }

    /// Every path of `small` exists in `big` with the same value (arrays compared whole).
    fn is_subset(small: &Value, big: &Value) -> bool {
        match (small, big) {
            (Value::Object(a), Value::Object(b)) => a
                .iter()
                .all(|(k, v)| b.get(k).is_some_and(|w| is_subset(v, w))),
            _ => small == big,
        }
    }

    #[test]
    fn the_same_inputs_give_the_same_result() {
        for doc in documents(40) {
            for options in ALL_OPTIONS {
                let a = Persona::derive(SEED, &doc, None);
                let b = Persona::derive(SEED, &doc, None);
                let ra = compute(&input(&a, VerificationType::Full, options, false, None));
                let rb = compute(&input(&b, VerificationType::Full, options, false, None));
                assert_eq!(ra, rb, "{doc}");
            }
        }
    }

    #[test]
    fn another_seed_gives_another_record() {
        let doc = "52998224725";
        let results: std::collections::HashSet<String> = (0..10)
            .map(|seed| {
                let p = Persona::derive(seed, doc, None);
                let mut i = input(&p, VerificationType::Full, ALL_OPTIONS[5], false, None);
                i.seed = seed;
                completed(compute(&i)).person.to_string()
            })
            .collect();
        assert_eq!(results.len(), 10);
    }

    #[test]
    fn the_dossier_shows_the_persona_the_other_families_show() {
        for doc in documents(60) {
            let p = Persona::derive(SEED, &doc, None);
            let c = completed(compute(&input(
                &p,
                VerificationType::Full,
                ALL_OPTIONS[5],
                false,
                None,
            )));
            let profile = &c.person["profile"];
            let expected_name = match p.kind {
                DocKind::Cpf => p.civil_name.clone(),
                DocKind::Cnpj => p
                    .company
                    .as_ref()
                    .map(|c| c.legal_name.clone())
                    .unwrap_or_default(),
            };
            assert_eq!(c.name, expected_name, "{doc}");
            assert_eq!(profile["name"], expected_name.as_str());
            assert_eq!(profile["nationalId"], doc.as_str());
            if p.kind == DocKind::Cpf {
                assert_eq!(
                    profile["birthDate"],
                    p.birth_date.format("%Y-%m-%d").to_string()
                );
                assert_eq!(
                    c.serasa.as_ref().unwrap()["identification"]["motherName"],
                    p.mother_name.as_str()
                );
            }
            let addresses = profile["contacts"]["addresses"].as_array().unwrap();
            assert_eq!(addresses.len(), p.addresses.len());
            for (got, want) in addresses.iter().zip(&p.addresses) {
                assert_eq!(got["street"], want.street.as_str());
                assert_eq!(got["number"], want.number.as_str());
                assert_eq!(got["city"], want.town.as_str());
                assert_eq!(got["state"], want.uf);
                assert_eq!(got["postalCode"], want.cep.as_str());
            }
            let phones = profile["contacts"]["phones"].as_array().unwrap();
            for (got, want) in phones.iter().zip(&p.phones) {
                assert_eq!(got["area"], want.area_code.as_str());
                assert_eq!(got["number"], want.number.as_str());
            }
            assert_eq!(phones.len(), p.phones.len());
            assert_eq!(profile["contacts"]["emails"], json!(p.emails));
            let bureau = c.serasa.as_ref().unwrap();
            assert_eq!(bureau["identification"]["name"], expected_name.as_str());
            assert_eq!(bureau["identification"]["birthDate"], profile["birthDate"]);
            assert_eq!(bureau["identification"]["age"], profile["age"]);
        }
    }

    #[test]
    fn light_is_a_strict_subset_of_full_with_the_same_verdict() {
        for doc in documents(60) {
            let p = Persona::derive(SEED, &doc, None);
            for options in ALL_OPTIONS {
                for blacklisted in [false, true] {
                    let full = completed(compute(&input(
                        &p,
                        VerificationType::Full,
                        options,
                        blacklisted,
                        None,
                    )));
                    let light = completed(compute(&input(
                        &p,
                        VerificationType::Light,
                        options,
                        blacklisted,
                        None,
                    )));
                    assert!(is_subset(&light.person, &full.person), "{doc} {options:?}");
                    assert_ne!(light.person, full.person, "{doc}: light must show less");
                    assert_eq!(
                        (light.score, light.score_factor, &light.rules),
                        (full.score, full.score_factor, &full.rules)
                    );
                    assert_eq!(light.serasa, full.serasa);
                    assert!(light.person["profile"].get("contacts").is_none());
                    assert!(light.person.get("lawsuits").is_none());
                }
            }
        }
    }

    #[test]
    fn the_score_falls_as_risk_rises() {
        let singles = [
            Risks {
                obit: true,
                ..Risks::default()
            },
            Risks {
                restrictions: true,
                ..Risks::default()
            },
            Risks {
                lawsuits: LawsuitLevel::Suspect,
                ..Risks::default()
            },
            Risks {
                lawsuits: LawsuitLevel::RedFlag,
                ..Risks::default()
            },
            Risks {
                assistance: true,
                ..Risks::default()
            },
        ];
        let with_restrictions = ALL_OPTIONS[1];
        for doc in documents(30).into_iter().filter(|d| d.len() == 11) {
            let p = Persona::derive(SEED, &doc, None);
            let clean = with_risks(&p, Risks::default(), false, with_restrictions);
            assert!(clean.rules.is_empty(), "{doc}: {:?}", clean.rules);
            assert!(clean.score >= 800 && clean.score_factor == 1, "{doc}");
            let listed = with_risks(&p, Risks::default(), true, with_restrictions);
            assert!(listed.score < clean.score, "{doc}: blacklist");
            for risk in singles {
                let one = with_risks(&p, risk, false, with_restrictions);
                assert!(one.score < clean.score, "{doc}: {risk:?}");
                assert!(!one.rules.is_empty());
                // Adding the blacklist on top never raises it.
                let both = with_risks(&p, risk, true, with_restrictions);
                assert!(both.score <= one.score, "{doc}: {risk:?} + blacklist");
            }
            // A chain of growing risk gives a non-increasing score.
            let chain = [
                Risks::default(),
                Risks {
                    assistance: true,
                    ..Risks::default()
                },
                Risks {
                    assistance: true,
                    restrictions: true,
                    ..Risks::default()
                },
                Risks {
                    assistance: true,
                    restrictions: true,
                    lawsuits: LawsuitLevel::Suspect,
                    ..Risks::default()
                },
                Risks {
                    assistance: true,
                    restrictions: true,
                    lawsuits: LawsuitLevel::RedFlag,
                    ..Risks::default()
                },
                Risks {
                    assistance: true,
                    restrictions: true,
                    lawsuits: LawsuitLevel::RedFlag,
                    obit: true,
                    ..Risks::default()
                },
            ];
            let scores: Vec<u32> = chain
                .iter()
                .map(|r| with_risks(&p, *r, false, with_restrictions).score)
                .collect();
            assert!(
                scores.windows(2).all(|w| w[1] < w[0] || w[1] == 0),
                "{doc}: {scores:?}"
            );
            assert_eq!(scores.last(), Some(&0), "a deceased holder scores 0");
        }
    }

    #[test]
    fn the_risk_band_follows_the_score() {
        assert_eq!(score_factor(1000), 1);
        assert_eq!(score_factor(800), 1);
        assert_eq!(score_factor(799), 2);
        assert_eq!(score_factor(400), 3);
        assert_eq!(score_factor(399), 4);
        assert_eq!(score_factor(0), 5);
    }

    #[test]
    fn rules_only_fire_on_the_record_that_justifies_them() {
        for doc in documents(200) {
            let p = Persona::derive(SEED, &doc, None);
            for options in [ALL_OPTIONS[0], ALL_OPTIONS[5]] {
                let c = completed(compute(&input(
                    &p,
                    VerificationType::Full,
                    options,
                    false,
                    None,
                )));
                let finance = &c.person["finance"];
                let has = |r: &str| c.rules.contains(&r);
                assert_eq!(
                    has("FINANCE_NEGATIVE_RESTRICTIONS"),
                    finance["restrictions"]["isNegative"] == true,
                    "{doc}"
                );
                assert_eq!(
                    has("FINANCE_COLLECTIONS"),
                    finance["collections"]["total"].as_u64() > Some(0),
                    "{doc}"
                );
                let active = finance["assistancePrograms"]["totalActive"]
                    .as_u64()
                    .unwrap_or(0);
                assert_eq!(has("FINANCE_SOCIAL_ASSISTANCES"), active > 0, "{doc}");
                let processes = c.person["lawsuits"]["processes"].as_array().unwrap();
                let defendant = processes.iter().any(|pr| pr["role"] == "REU");
                let fiscal = processes
                    .iter()
                    .any(|pr| pr["role"] == "REU" && pr["type"] == "EXECUÇÃO FISCAL");
                assert_eq!(has("LAWSUIT_SUSPECT_PROCESS_L2"), defendant, "{doc}");
                assert_eq!(has("LAWSUIT_PROCESS_REDFLAG_L1"), fiscal, "{doc}");
                assert!(!has("PROFILE_OBIT") && !has("PROFILE_SUSPECTED_PERSON_BLACKLIST"));
                assert_eq!(c.person["profile"]["fiscalStatus"], "REGULAR");
            }
        }
    }

    #[test]
    fn ordinary_documents_are_mostly_clean_but_not_all() {
        let docs = documents(400);
        let clean = docs
            .iter()
            .filter(|d| {
                let p = Persona::derive(SEED, d, None);
                completed(compute(&input(
                    &p,
                    VerificationType::Full,
                    ALL_OPTIONS[1],
                    false,
                    None,
                )))
                .rules
                .is_empty()
            })
            .count();
        assert!(clean > 240 && clean < 390, "{clean} of 400 clean");
    }

    /// The result of a magic document, with the blacklist as the state would hold it.
    fn magic_result(document: &str, options: Options) -> (Outcome, Persona) {
        let f = fixtures();
        let m = f.magic(document).expect("a magic document").clone();
        let p = Persona::derive(SEED, document, None);
        let listed = m.blacklist.is_some();
        let o = compute(&input(
            &p,
            VerificationType::Full,
            options,
            listed,
            Some(&m),
        ));
        (o, p)
    }

    #[test]
    fn the_clean_magic_document_finds_nothing() {
        for doc in ["55500000160", "55500001000197", "ZV555000000164"] {
            let c = completed(magic_result(doc, ALL_OPTIONS[5]).0);
            assert!(c.rules.is_empty(), "{doc}: {:?}", c.rules);
            assert!(c.score >= 800, "{doc}");
            assert_eq!(c.person["profile"]["fiscalStatus"], "REGULAR");
            assert_eq!(c.person["finance"]["restrictions"]["isNegative"], false);
            assert_eq!(c.person["lawsuits"]["total"], 0);
            let s = c.serasa.unwrap();
            assert_eq!(s["pendencies"]["total"], 0);
            assert!(s["score"]["value"].as_u64() >= Some(550));
        }
    }

    #[test]
    fn the_blacklisted_magic_document_is_flagged() {
        let c = completed(magic_result("55500000241", ALL_OPTIONS[0]).0);
        assert_eq!(c.rules, ["PROFILE_SUSPECTED_PERSON_BLACKLIST"]);
        assert_eq!(c.person["profile"]["fiscalStatus"], "BLACKLISTED");
        assert_eq!(
            c.person["profile"]["indicators"]["blacklisted"],
            json!({"risky": true, "value": 1})
        );
        assert!(c.score < 600);
    }

    #[test]
    fn the_deceased_magic_document_has_the_obit_flag_and_score_zero() {
        let c = completed(magic_result("55500000322", ALL_OPTIONS[2]).0);
        assert_eq!(c.person["profile"]["obitFlag"], true);
        assert_eq!(c.person["profile"]["fiscalStatus"], "SUSPECTED");
        assert_eq!(c.rules, ["PROFILE_OBIT"]);
        assert_eq!((c.score, c.score_factor), (0, 5));
        let s = c.serasa.unwrap();
        assert_eq!(s["identification"]["cpfStatus"], "TITULAR FALECIDO");
        assert_eq!(s["identification"]["obitFlag"], true);
        assert_eq!(s["score"]["value"], 0);
    }

    #[test]
    fn the_restricted_magic_document_shows_its_record_when_asked() {
        let (asked, _) = magic_result("55500000403", ALL_OPTIONS[3]);
        let c = completed(asked);
        let r = &c.person["finance"]["restrictions"];
        assert_eq!(r["isNegative"], true);
        assert!(r["amount"].as_str().is_some_and(|a| a.starts_with("R$")));
        assert!(c.rules.contains(&"FINANCE_NEGATIVE_RESTRICTIONS"));
        assert!(c.rules.contains(&"FINANCE_COLLECTIONS"));
        // The bureau's pendencies are the same records.
        let s = c.serasa.unwrap();
        assert_eq!(s["pendencies"]["totalAmount"], r["totalAmount"]);
        assert_eq!(s["pendencies"]["items"][0]["creditor"], r["reportedBy"]);
        assert_eq!(s["pendencies"]["items"][0]["includedAt"], r["reportedAt"]);
        assert!(s["score"]["value"].as_u64() <= Some(700));
        // Not asked: no record shown and no rule, though the collections still count.
        let c = completed(magic_result("55500000403", ALL_OPTIONS[0]).0);
        assert!(c.person["finance"].get("restrictions").is_none());
        assert_eq!(c.rules, ["FINANCE_COLLECTIONS"]);
    }

    #[test]
    fn the_lawsuit_magic_document_has_a_red_flag() {
        let c = completed(magic_result("55500000594", ALL_OPTIONS[0]).0);
        assert_eq!(
            c.rules,
            ["LAWSUIT_PROCESS_REDFLAG_L1", "LAWSUIT_SUSPECT_PROCESS_L2"]
        );
        let l = &c.person["lawsuits"];
        assert!(l["asDefendant"].as_u64() >= Some(2));
        assert!(
            l["processes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["type"] == "EXECUÇÃO FISCAL")
        );
    }

    #[test]
    fn the_assistance_magic_document_receives_a_programme() {
        let c = completed(magic_result("55500000675", ALL_OPTIONS[0]).0);
        assert_eq!(c.rules, ["FINANCE_SOCIAL_ASSISTANCES"]);
        let a = &c.person["finance"]["assistancePrograms"];
        assert!(a["totalActive"].as_u64() >= Some(1));
        assert_eq!(a["programs"][0]["name"], "BOLSA FAMÍLIA");
        assert_eq!(
            c.person["finance"]["indicators"]["assistancePrograms"]["risky"],
            true
        );
    }

    #[test]
    fn the_failing_magic_document_fails_with_its_reason() {
        let (o, _) = magic_result("55500000756", ALL_OPTIONS[5]);
        assert_eq!(o.status(), VerificationStatus::Failed);
        let r = o.result_json();
        assert_eq!(
            r["failureReason"],
            "the data sources did not answer in time"
        );
        assert_eq!(r["rules"], json!([]));
        assert_eq!(r["execution"]["durationMs"], 4000);
        assert!(r.get("score").is_none());
    }

    #[test]
    fn the_bureau_magic_document_fills_every_section() {
        let (o, p) = magic_result("55500000837", ALL_OPTIONS[4]);
        let c = completed(o);
        let s = c.serasa.unwrap();
        for section in [
            "pendencies",
            "protests",
            "bouncedChecks",
            "lawsuits",
            "businessParticipations",
        ] {
            let total = s[section]["total"].as_u64().unwrap_or(0);
            assert!(total >= 1, "{section}");
            assert_eq!(
                total as usize,
                s[section]["items"].as_array().unwrap().len(),
                "{section}"
            );
        }
        assert_eq!(s["documentType"], "CPF");
        assert!(
            s["protocol"]
                .as_str()
                .unwrap()
                .starts_with("SRS-20260302120005")
        );
        assert_eq!(
            s["contacts"]["addresses"].as_array().unwrap().len(),
            p.addresses.len()
        );
        assert!(s["income"]["presumedIncome"].as_f64() > Some(0.0));
        // Only `active`: the advanced sections stay out.
        let (o, _) = magic_result("55500000837", ALL_OPTIONS[2]);
        let s = completed(o).serasa.unwrap();
        assert!(s.get("lawsuits").is_none() && s.get("contacts").is_none());
        assert!(s["protests"]["total"].as_u64() >= Some(1));
    }

    #[test]
    fn the_worst_magic_document_scores_lowest_of_the_living_unlisted() {
        let worst = completed(magic_result("55500000918", ALL_OPTIONS[1]).0).score;
        for doc in ["55500000160", "55500000403", "55500000594", "55500000675"] {
            let other = completed(magic_result(doc, ALL_OPTIONS[1]).0);
            assert!(worst <= other.score, "{doc}");
        }
    }

    #[test]
    fn options_are_read_from_the_request() {
        let o = Options::from_request(&json!({"type": "full", "finance": {"restrictions": true},
                                              "serasa": {"active": true, "advance": true}}));
        assert_eq!(
            o,
            Options {
                restrictions: true,
                bureau: Bureau::Advance
            }
        );
        let o = Options::from_request(&json!({"type": "light", "serasa": {"advance": true}}));
        assert_eq!(o, Options::default());
        assert!(!o.serasa());
    }

    #[test]
    fn lawsuit_numbers_carry_valid_cnj_check_digits() {
        let mut rng = rng_for(1, "cnj", "test");
        for uf in ["SP", "AC", "TO", "RS"] {
            for _ in 0..50 {
                let n = cnj_number(&mut rng, 2024, uf);
                // NNNNNNN-DD.AAAA.J.TR.OOOO: N A J TR O DD read as one number is 1 mod 97.
                let plain: String = n.chars().filter(char::is_ascii_digit).collect();
                let reordered = format!("{}{}{}", &plain[..7], &plain[9..], &plain[7..9]);
                let rem = reordered
                    .bytes()
                    .fold(0u32, |r, b| (r * 10 + u32::from(b - b'0')) % 97);
                assert_eq!(rem, 1, "{n}");
            }
        }
        assert_eq!(state_court_code("SP"), 26);
        assert_eq!(state_court_code("AC"), 1);
    }

    #[test]
    fn money_text_and_ranges_read_as_in_brazil() {
        assert_eq!(brl(186_973), "R$1.869,73");
        assert_eq!(brl(5), "R$0,05");
        assert_eq!(brl(123_456_789), "R$1.234.567,89");
        assert_eq!(income_band(MINIMUM_WAGE_CENTS), "ATE 1 SM");
        assert_eq!(income_band(4 * MINIMUM_WAGE_CENTS), "3 A 5 SM");
        assert_eq!(income_band(30 * MINIMUM_WAGE_CENTS), "ACIMA DE 20 SM");
        assert_eq!(default_probability(1000), 0.0);
        assert_eq!(default_probability(0), 60.0);
        assert!(default_probability(400) > default_probability(700));
    }

    #[test]
    fn pending_verifications_show_no_result() {
        let p = Persona::derive(SEED, "55500000160", None);
        let o = compute(&input(
            &p,
            VerificationType::Full,
            ALL_OPTIONS[0],
            false,
            None,
        ));
        let mut head = Head {
            id: "6a1f0c3e-8b27-4d59-a1e4-3c9b7f20d815",
            workspace_id: "7b0c2f4e-5d1a-4c8e-9f36-2a1d8e4b6c01",
            user_id: "0b3a7d52-1f6e-4c8a-9d2b-5e4f3a2c1d01",
            national_id: "55500000160",
            status: VerificationStatus::Processing,
            kind: VerificationType::Full,
            options: ALL_OPTIONS[0],
            created_at: started() - Duration::seconds(1),
            updated_at: started(),
        };
        let body = verification_body(&head, Some(&o));
        assert!(body.get("name").is_none());
        assert!(body["verification"].get("result").is_none());
        head.status = VerificationStatus::Completed;
        head.updated_at = ended();
        let body = verification_body(&head, Some(&o));
        assert_eq!(body["name"], p.civil_name.as_str());
        assert_eq!(body["verification"]["result"], o.result_json());
        assert_eq!(body["verification"]["updatedAt"], "2026-03-02T12:00:05Z");
    }
}
