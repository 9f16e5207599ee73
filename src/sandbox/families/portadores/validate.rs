//! Request bodies field by field: the operation's schema first (shape, lengths, enums, patterns,
//! with the spec's `x-finsandbox-message` where it has one), then the rules no schema states —
//! CPF/CNPJ check digits, RG and its issuing body, CEP, UF and town that agree with the IBGE table,
//! DDDs of the address's UF, dates that exist and adult holders on the sandbox's "today", codes of
//! the issuer's tables, products, stores and limits of the catalogue, printed names made of the
//! person's names.
//!
//! Every problem is reported, each under the JSON path of its field (`enderecoResidencial.cep`,
//! `adicionais[0].cpf`) with a message in Portuguese; a field the schema already refused is not
//! judged again, so each gets the message that explains it best.

use chrono::{Datelike, NaiveDate};
use serde_json::{Map, Value};

use super::card;
use super::fixtures::{Catalogue, Produto, Publico};
use super::text;
use crate::datagen::br;
use crate::sandbox::fields::{self, join};
use crate::spec::SchemaValidator;

pub use crate::sandbox::fields::{dotted_path as campo, message_for};

/// The problems found, in the order met; one item per (field, message).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors {
    items: Vec<(String, String)>,
}

impl FieldErrors {
    pub fn add(&mut self, campo: &str, mensagem: impl Into<String>) {
        let mensagem = mensagem.into();
        if !self.items.iter().any(|(c, m)| c == campo && *m == mensagem) {
            self.items.push((campo.to_string(), mensagem));
        }
    }

    /// Whether `campo`, a field inside it or the object holding it is already reported.
    pub fn covers(&self, campo: &str) -> bool {
        self.items.iter().any(|(c, _)| {
            c == campo
                || c.strip_prefix(campo)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
                || (!c.is_empty()
                    && campo
                        .strip_prefix(c.as_str())
                        .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('[')))
        })
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The fields named, each once, in order.
    pub fn fields(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for (c, _) in &self.items {
            if !out.contains(&c.as_str()) {
                out.push(c);
            }
        }
        out
    }

    pub fn messages_for(&self, campo: &str) -> Vec<&str> {
        self.items
            .iter()
            .filter(|(c, _)| c == campo)
            .map(|(_, m)| m.as_str())
            .collect()
    }

    /// `erros` of the family's error body.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.items
                .iter()
                .map(|(c, m)| serde_json::json!({"campo": c, "mensagem": m}))
                .collect(),
        )
    }

    pub fn into_items(self) -> Vec<(String, String)> {
        self.items
    }
}

/// What the rules need besides the body.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub catalogue: &'a Catalogue,
    /// The sandbox clock's date: ages and "not in the future" are judged against it.
    pub today: NaiveDate,
}

/// What a change of an existing holder is judged against.
#[derive(Debug, Clone, Copy, Default)]
pub struct HolderFacts<'a> {
    pub nome: &'a str,
    pub cpf: &'a str,
    pub birth: Option<NaiveDate>,
    pub estado_civil: Option<&'a str>,
    pub estado_natal: Option<&'a str>,
    pub residential_uf: Option<&'a str>,
    pub commercial_uf: Option<&'a str>,
}

// ------------------------------------------------------------------------------- schema findings

/// The schema's findings on `body` as field errors. `required` and `additionalProperties` name the
/// field itself, not the object holding it.
pub fn schema_errors(validator: &SchemaValidator, body: &Value, errors: &mut FieldErrors) {
    fields::schema_field_errors(
        validator,
        body,
        "Campo não aceito nesta operação.",
        |at, mensagem| errors.add(at, mensagem),
    );
}

// ------------------------------------------------------------------------------------ primitives

fn str_of<'a>(o: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    o.get(k).and_then(Value::as_str)
}

fn date_of(o: &Map<String, Value>, k: &str) -> Option<NaiveDate> {
    str_of(o, k).and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

/// Whole years from `birth` to `today`.
pub fn age(birth: NaiveDate, today: NaiveDate) -> i32 {
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// A reais amount with at most two decimals.
fn cents_exact(v: f64) -> bool {
    ((v * 100.0).round() - v * 100.0).abs() < 1e-6
}

fn full_name(errors: &mut FieldErrors, at: &str, o: &Map<String, Value>, k: &str, whose: &str) {
    let at = join(at, k);
    if errors.covers(&at) {
        return;
    }
    if let Some(name) = str_of(o, k)
        && text::name_words(name).len() < 2
    {
        errors.add(
            &at,
            format!("Informe {whose} completo, com nome e sobrenome."),
        );
    }
}

fn cpf(errors: &mut FieldErrors, at: &str, o: &Map<String, Value>, k: &str) -> Option<String> {
    let at = join(at, k);
    let value = str_of(o, k)?;
    if errors.covers(&at) {
        return None;
    }
    if value.len() != 11 || !value.bytes().all(|b| b.is_ascii_digit()) {
        errors.add(&at, "Informe o CPF com 11 dígitos, sem máscara.");
        None
    } else if !br::is_valid_cpf(value) {
        errors.add(&at, "CPF inválido: os dígitos verificadores não conferem.");
        None
    } else {
        Some(value.to_string())
    }
}

fn cnpj(errors: &mut FieldErrors, at: &str, o: &Map<String, Value>, k: &str) {
    let at = join(at, k);
    if errors.covers(&at) {
        return;
    }
    if let Some(value) = str_of(o, k)
        && !br::is_valid_cnpj(value)
    {
        errors.add(&at, "CNPJ inválido: os dígitos verificadores não conferem.");
    }
}

/// A date that is not in the future (and not before 1900). Answers it when it passes.
fn past_date(
    errors: &mut FieldErrors,
    at: &str,
    o: &Map<String, Value>,
    k: &str,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let at = join(at, k);
    if errors.covers(&at) {
        return None;
    }
    let raw = str_of(o, k)?;
    let Some(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok() else {
        errors.add(
            &at,
            "Data inválida: use AAAA-MM-DD com uma data que exista.",
        );
        return None;
    };
    if date > today {
        errors.add(
            &at,
            format!("A data não pode ser posterior a hoje ({today})."),
        );
        None
    } else if date.year() < 1900 {
        errors.add(&at, "A data deve ser posterior a 1900.");
        None
    } else {
        Some(date)
    }
}

fn birth_date(
    errors: &mut FieldErrors,
    at: &str,
    o: &Map<String, Value>,
    k: &str,
    today: NaiveDate,
    min_age: u32,
    who: &str,
) -> Option<NaiveDate> {
    let date = past_date(errors, at, o, k, today)?;
    if age(date, today) < min_age as i32 {
        errors.add(
            &join(at, k),
            format!("{who} deve ter ao menos {min_age} anos na data de hoje ({today})."),
        );
        return None;
    }
    Some(date)
}

/// `SSP`, `SSPPB`, `SSP/PB`: an issuing body of the issuer's list and, when given, a UF that
/// exists. Answers the UF.
fn orgao_emissor(
    errors: &mut FieldErrors,
    at: &str,
    o: &Map<String, Value>,
    k: &str,
    catalogue: &Catalogue,
) -> Option<&'static str> {
    let at = join(at, k);
    let value = str_of(o, k)?;
    if errors.covers(&at) {
        return None;
    }
    let (body, uf) = split_orgao_emissor(value, catalogue);
    if !catalogue.orgao_emissor(body) {
        errors.add(
            &at,
            format!(
                "Órgão emissor {body} desconhecido. Aceitos: {}.",
                catalogue.orgaos_emissores.join(", ")
            ),
        );
        return None;
    }
    match uf {
        Some(u) => match br::uf_by_sigla(u) {
            Some(found) => Some(found.sigla),
            None => {
                errors.add(&at, format!("UF {u} do órgão emissor inexistente."));
                None
            }
        },
        None => None,
    }
}

/// `SSP/PB` and `SSPPB` → (`SSP`, `PB`); `SSP` → (`SSP`, none). A body of the catalogue's list is
/// never split (`SESDEC` is not `SESD` + `EC`).
pub fn split_orgao_emissor<'v>(
    value: &'v str,
    catalogue: &Catalogue,
) -> (&'v str, Option<&'v str>) {
    match value.split_once('/') {
        Some((b, u)) => (b, Some(u)),
        None if catalogue.orgao_emissor(value) => (value, None),
        None if value.len() > 2 && value.is_char_boundary(value.len() - 2) => {
            (&value[..value.len() - 2], Some(&value[value.len() - 2..]))
        }
        None => (value, None),
    }
}

/// RG digits: not one digit repeated, and the SP check digit for 9-character RGs issued in SP.
fn rg(errors: &mut FieldErrors, at: &str, value: Option<&str>, uf: Option<&str>) {
    let Some(value) = value else { return };
    if errors.covers(at) {
        return;
    }
    let b = value.as_bytes();
    if !b.is_empty() && b.iter().all(|&c| c == b[0]) {
        errors.add(at, "RG inválido: todos os dígitos iguais.");
    } else if uf == Some("SP") && value.len() == 9 && !br::is_valid_rg(value) {
        errors.add(at, "RG de SP inválido: o dígito verificador não confere.");
    }
}

/// An address: a UF that exists, a CEP inside its Correios range, a town of that UF in the IBGE
/// table. Answers the UF when it exists.
fn address(errors: &mut FieldErrors, at: &str, o: &Map<String, Value>) -> Option<&'static str> {
    let uf_at = join(at, "uf");
    let uf = match str_of(o, "uf") {
        Some(u) if !errors.covers(&uf_at) => match br::uf_by_sigla(u) {
            Some(found) if found.sigla == u => Some(found.sigla),
            _ => {
                errors.add(&uf_at, format!("UF {u} inexistente."));
                None
            }
        },
        _ => None,
    };
    let cep_at = join(at, "cep");
    if !errors.covers(&cep_at)
        && let Some(cep) = str_of(o, "cep")
    {
        match br::cep_uf(cep) {
            None => errors.add(&cep_at, format!("CEP {cep} fora das faixas dos Correios.")),
            Some(owner) if uf.is_some_and(|u| u != owner) => errors.add(
                &cep_at,
                format!(
                    "O CEP {cep} pertence a {owner}, mas a UF informada é {}.",
                    uf.unwrap_or("")
                ),
            ),
            Some(_) => {}
        }
    }
    let town_at = join(at, "localidade");
    if let Some(u) = uf
        && !errors.covers(&town_at)
        && let Some(town) = str_of(o, "localidade")
        && !text::town_in_uf(town, u)
    {
        errors.add(
            &town_at,
            format!("{town} não é um município de {u} na tabela do IBGE."),
        );
    }
    if o.contains_key("cnpj") {
        cnpj(errors, at, o, "cnpj");
    }
    uf
}

/// Where a phone must be.
#[derive(Debug, Clone, Copy, Default)]
struct PhonePlace<'a> {
    residential_uf: Option<&'a str>,
    commercial_uf: Option<&'a str>,
    /// A reference's or a spouse's phone: any DDD in use, never an SMS phone of the holder.
    someone_else: bool,
}

fn phone(errors: &mut FieldErrors, at: &str, o: &Map<String, Value>, place: PhonePlace<'_>) {
    let area_at = join(at, "area");
    let number_at = join(at, "telefone");
    let tipo = str_of(o, "tipo");
    let area = str_of(o, "area");
    let number = str_of(o, "telefone");
    let mut mobile = None;
    if !errors.covers(&number_at)
        && let Some(n) = number
    {
        match (n.len(), n.as_bytes().first()) {
            (9, Some(b'9')) => mobile = Some(true),
            (8, Some(b'2'..=b'5')) => mobile = Some(false),
            (9, _) => errors.add(&number_at, "Celular deve ter 9 dígitos começando por 9."),
            _ => errors.add(
                &number_at,
                "Telefone fixo deve ter 8 dígitos começando por 2 a 5.",
            ),
        }
    }
    if tipo == Some("CELULAR") && mobile == Some(false) {
        errors.add(
            &number_at,
            "Um telefone CELULAR deve ser um número de celular.",
        );
    }
    if !errors.covers(&area_at)
        && let Some(ddd) = area
    {
        match br::ddd_uf(ddd) {
            None => errors.add(&area_at, format!("DDD {ddd} inexistente.")),
            Some(owner) if !place.someone_else => {
                let expected = match tipo {
                    Some("RESIDENCIAL") => place.residential_uf,
                    Some("COMERCIAL") => place.commercial_uf.or(place.residential_uf),
                    _ => None,
                };
                if let Some(uf) = expected
                    && uf != owner
                {
                    errors.add(
                        &area_at,
                        format!(
                            "O DDD {ddd} é de {owner}; um telefone {} deve ter um DDD de {uf}.",
                            tipo.unwrap_or("")
                        ),
                    );
                }
            }
            Some(_) => {}
        }
    }
    if o.get("receberSMS") == Some(&Value::Bool(true)) {
        let at = join(at, "receberSMS");
        if place.someone_else {
            errors.add(&at, "Somente telefones do próprio portador recebem SMS.");
        } else if mobile == Some(false) {
            errors.add(&at, "Somente celulares recebem SMS.");
        }
    }
}

fn phones(errors: &mut FieldErrors, at: &str, list: &[Value], place: PhonePlace<'_>, max: usize) {
    if list.len() > max {
        errors.add(at, format!("Informe no máximo {max} telefones."));
    }
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut sms = 0;
    for (i, item) in list.iter().enumerate() {
        let Some(o) = item.as_object() else { continue };
        let item_at = format!("{at}[{i}]");
        phone(errors, &item_at, o, place);
        if o.get("receberSMS") == Some(&Value::Bool(true)) {
            sms += 1;
            if sms == 2 {
                errors.add(
                    &join(&item_at, "receberSMS"),
                    "Somente um telefone do portador recebe SMS.",
                );
            }
        }
        if let (Some(a), Some(n)) = (str_of(o, "area"), str_of(o, "telefone")) {
            let key = (a.to_string(), n.to_string());
            if seen.contains(&key) {
                errors.add(
                    &join(&item_at, "telefone"),
                    "Telefone informado mais de uma vez.",
                );
            } else {
                seen.push(key);
            }
        }
    }
}

fn printed(
    errors: &mut FieldErrors,
    at: &str,
    civil: Option<&str>,
    requested: Option<&str>,
    max: usize,
) {
    let (Some(civil), Some(requested)) = (civil, requested) else {
        return;
    };
    if errors.covers(at) {
        return;
    }
    if let Err(problem) = card::printed_name(civil, requested, max) {
        errors.add(at, problem.message(max));
    }
}

fn table_id<T>(
    errors: &mut FieldErrors,
    at: &str,
    o: &Map<String, Value>,
    k: &str,
    lookup: impl Fn(u32) -> Option<T>,
    what: &str,
) {
    let at = join(at, k);
    if errors.covers(&at) {
        return;
    }
    if let Some((parsed, id)) = number_id(o.get(k))
        && parsed.and_then(&lookup).is_none()
    {
        errors.add(
            &at,
            format!("{what} {id} inexistente na tabela do emissor."),
        );
    }
}

/// A table id the body gives as a JSON number: its value when it fits the tables' ids, and its text
/// as sent. A number too large for any id (`36893488147419103231`) is an id that does not exist,
/// not one the checks may skip: the handler would find no row after validation passed.
fn number_id(v: Option<&Value>) -> Option<(Option<u32>, String)> {
    let n = v?.as_number()?;
    Some((
        n.as_u64().and_then(|i| u32::try_from(i).ok()),
        n.to_string(),
    ))
}

fn table_code<T>(
    errors: &mut FieldErrors,
    at: &str,
    o: &Map<String, Value>,
    k: &str,
    lookup: impl Fn(&str) -> Option<T>,
    what: &str,
) {
    let at = join(at, k);
    if errors.covers(&at) {
        return;
    }
    if let Some(code) = str_of(o, k)
        && lookup(code).is_none()
    {
        errors.add(
            &at,
            format!("{what} {code} inexistente na tabela do emissor."),
        );
    }
}

/// `idProduto` of the right public, `idLoja` that sells it, `limiteRotativo` within its bounds,
/// income (`renda_field`) at or above its minimum, `diaVencimento` among its due days.
fn product_store_limit<'c>(
    errors: &mut FieldErrors,
    o: &Map<String, Value>,
    catalogue: &'c Catalogue,
    publico: Publico,
    renda_field: &str,
) -> Option<&'c Produto> {
    let produto = match number_id(o.get("idProduto")) {
        Some((parsed, id)) if !errors.covers("idProduto") => {
            match parsed.and_then(|id| catalogue.produto(id)) {
                None => {
                    errors.add("idProduto", format!("Produto {id} inexistente."));
                    None
                }
                Some(p) if p.publico != publico => {
                    errors.add(
                        "idProduto",
                        format!(
                            "O produto {id} ({}) é para {:?}; esta conta é {publico:?}.",
                            p.descricao, p.publico
                        ),
                    );
                    None
                }
                Some(p) => Some(p),
            }
        }
        _ => None,
    };
    if let Some((parsed, id)) = number_id(o.get("idLoja"))
        && !errors.covers("idLoja")
    {
        match parsed.and_then(|id| catalogue.loja(id)) {
            None => errors.add("idLoja", format!("Loja {id} inexistente.")),
            Some(loja) => {
                if let Some(p) = produto
                    && !p.vendido_em(loja.id)
                {
                    errors.add(
                        "idLoja",
                        format!(
                            "A loja {id} ({}) não vende o produto {} ({}).",
                            loja.nome, p.id, p.descricao
                        ),
                    );
                }
            }
        }
    }
    if let Some(p) = produto {
        if let Some(limit) = o.get("limiteRotativo").and_then(Value::as_f64)
            && !errors.covers("limiteRotativo")
        {
            limit_within(errors, "limiteRotativo", limit, p);
        }
        if let Some(renda) = o.get(renda_field).and_then(Value::as_f64)
            && !errors.covers(renda_field)
            && renda < p.renda_minima
        {
            errors.add(
                renda_field,
                format!(
                    "O produto {} exige renda mínima de R$ {:.2}.",
                    p.descricao, p.renda_minima
                ),
            );
        }
        if let Some(dia) = o.get("diaVencimento").and_then(Value::as_u64)
            && !errors.covers("diaVencimento")
            && !p.dias_vencimento.iter().any(|d| u64::from(*d) == dia)
        {
            errors.add(
                "diaVencimento",
                format!(
                    "O produto {} vence nos dias {}.",
                    p.descricao,
                    p.dias_vencimento
                        .iter()
                        .map(u8::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
    produto
}

fn limit_within(errors: &mut FieldErrors, at: &str, limit: f64, p: &Produto) {
    if !cents_exact(limit) {
        errors.add(at, "Informe o valor com no máximo duas casas decimais.");
    } else if !p.limite_dentro(limit) {
        errors.add(
            at,
            format!(
                "O limite do produto {} deve estar entre R$ {:.2} e R$ {:.2}.",
                p.descricao, p.limite_minimo, p.limite_maximo
            ),
        );
    }
}

/// Additional holders: valid CPFs, none the holder's and none twice, old enough, printed names
/// made of their names.
fn additionals(
    errors: &mut FieldErrors,
    list: &[Value],
    holder_cpf: Option<&str>,
    ctx: &Ctx<'_>,
    min_age: u32,
) {
    let max = ctx.catalogue.regras.maximo_adicionais;
    if list.len() > max {
        errors.add("adicionais", format!("Informe no máximo {max} adicionais."));
    }
    let mut seen: Vec<String> = Vec::new();
    let name_max = ctx.catalogue.regras.tamanho_maximo_nome_cartao;
    for (i, item) in list.iter().enumerate() {
        let Some(o) = item.as_object() else { continue };
        let at = format!("adicionais[{i}]");
        full_name(errors, &at, o, "nome", "o nome do adicional");
        if let Some(c) = cpf(errors, &at, o, "cpf") {
            if holder_cpf == Some(c.as_str()) {
                errors.add(
                    &join(&at, "cpf"),
                    "O titular não pode ser o próprio adicional.",
                );
            } else if seen.contains(&c) {
                errors.add(&join(&at, "cpf"), "Adicional informado mais de uma vez.");
            } else {
                seen.push(c);
            }
        }
        birth_date(
            errors,
            &at,
            o,
            "dataNascimento",
            ctx.today,
            min_age,
            "O adicional",
        );
        rg(errors, &join(&at, "rg"), str_of(o, "rg"), None);
        printed(
            errors,
            &join(&at, "nomePersonalizado"),
            str_of(o, "nome"),
            str_of(o, "nomePersonalizado"),
            name_max,
        );
    }
}

fn schema_first(schema: Option<&SchemaValidator>, body: &Value) -> FieldErrors {
    let mut errors = FieldErrors::default();
    if let Some(v) = schema {
        schema_errors(v, body, &mut errors);
    }
    errors
}

// --------------------------------------------------------------------------------- the bodies

/// `POST /contas/pf`.
pub fn conta_pf(body: &Value, ctx: &Ctx<'_>, schema: Option<&SchemaValidator>) -> FieldErrors {
    let mut errors = schema_first(schema, body);
    let Some(o) = body.as_object() else {
        if errors.is_empty() {
            errors.add("", "O corpo deve ser um objeto JSON.");
        }
        return errors;
    };
    let r = &ctx.catalogue.regras;
    full_name(&mut errors, "", o, "nome", "o nome");
    let holder_cpf = cpf(&mut errors, "", o, "cpf");
    birth_date(
        &mut errors,
        "",
        o,
        "dataNascimento",
        ctx.today,
        r.idade_minima_titular,
        "O titular",
    );
    let orgao_uf = orgao_emissor(&mut errors, "", o, "orgaoEmissor", ctx.catalogue);
    rg(&mut errors, "rg", str_of(o, "rg"), orgao_uf);
    full_name(&mut errors, "", o, "nomeMae", "o nome da mãe");
    if !errors.covers("nomeMae")
        && let (Some(m), Some(n)) = (str_of(o, "nomeMae"), str_of(o, "nome"))
        && text::fold(m) == text::fold(n)
    {
        errors.add(
            "nomeMae",
            "O nome da mãe não pode ser o do próprio titular.",
        );
    }
    table_id(
        &mut errors,
        "",
        o,
        "idProfissao",
        |id| ctx.catalogue.profissao(id),
        "Profissão",
    );
    table_code(
        &mut errors,
        "",
        o,
        "ocupacao",
        |c| ctx.catalogue.ocupacao_por_codigo(c),
        "Ocupação",
    );
    let residential_uf = o
        .get("enderecoResidencial")
        .and_then(Value::as_object)
        .and_then(|a| address(&mut errors, "enderecoResidencial", a));
    let commercial_uf = o
        .get("enderecoComercial")
        .and_then(Value::as_object)
        .and_then(|a| address(&mut errors, "enderecoComercial", a));
    if let Some(a) = o.get("enderecoAlternativo").and_then(Value::as_object) {
        address(&mut errors, "enderecoAlternativo", a);
    }
    let place = PhonePlace {
        residential_uf,
        commercial_uf,
        someone_else: false,
    };
    if let Some(list) = o.get("telefones").and_then(Value::as_array) {
        phones(&mut errors, "telefones", list, place, r.maximo_telefones);
    }
    if let Some(list) = o.get("referencias").and_then(Value::as_array) {
        if list.len() > r.maximo_referencias {
            errors.add(
                "referencias",
                format!("Informe no máximo {} referências.", r.maximo_referencias),
            );
        }
        for (i, item) in list.iter().enumerate() {
            let Some(ref_o) = item.as_object() else {
                continue;
            };
            let at = format!("referencias[{i}]");
            full_name(&mut errors, &at, ref_o, "nome", "o nome da referência");
            if let Some(t) = ref_o.get("telefone").and_then(Value::as_object) {
                let other = PhonePlace {
                    someone_else: true,
                    ..PhonePlace::default()
                };
                phone(&mut errors, &join(&at, "telefone"), t, other);
            }
        }
    }
    if let Some(list) = o.get("adicionais").and_then(Value::as_array) {
        additionals(
            &mut errors,
            list,
            holder_cpf.as_deref(),
            ctx,
            r.idade_minima_adicional,
        );
    }
    product_store_limit(&mut errors, o, ctx.catalogue, Publico::PF, "renda");
    printed(
        &mut errors,
        "nomeCartao",
        str_of(o, "nome"),
        str_of(o, "nomeCartao"),
        r.tamanho_maximo_nome_cartao,
    );
    errors
}

/// `POST /contas/pj`.
pub fn conta_pj(body: &Value, ctx: &Ctx<'_>, schema: Option<&SchemaValidator>) -> FieldErrors {
    let mut errors = schema_first(schema, body);
    let Some(o) = body.as_object() else {
        if errors.is_empty() {
            errors.add("", "O corpo deve ser um objeto JSON.");
        }
        return errors;
    };
    let r = &ctx.catalogue.regras;
    cnpj(&mut errors, "", o, "cnpj");
    past_date(&mut errors, "", o, "dataAbertura", ctx.today);
    let uf = o
        .get("enderecoComercial")
        .and_then(Value::as_object)
        .and_then(|a| address(&mut errors, "enderecoComercial", a));
    if let Some(list) = o.get("telefones").and_then(Value::as_array) {
        let place = PhonePlace {
            residential_uf: uf,
            commercial_uf: uf,
            someone_else: false,
        };
        phones(&mut errors, "telefones", list, place, r.maximo_telefones);
    }
    let mut representative = None;
    if let Some(rep) = o.get("responsavel").and_then(Value::as_object) {
        full_name(
            &mut errors,
            "responsavel",
            rep,
            "nome",
            "o nome do responsável",
        );
        full_name(
            &mut errors,
            "responsavel",
            rep,
            "nomeMae",
            "o nome da mãe do responsável",
        );
        representative = cpf(&mut errors, "responsavel", rep, "cpf");
        birth_date(
            &mut errors,
            "responsavel",
            rep,
            "dataNascimento",
            ctx.today,
            r.idade_minima_titular,
            "O responsável",
        );
        let orgao_uf = orgao_emissor(
            &mut errors,
            "responsavel",
            rep,
            "orgaoEmissor",
            ctx.catalogue,
        );
        rg(&mut errors, "responsavel.rg", str_of(rep, "rg"), orgao_uf);
    }
    if let Some(list) = o.get("adicionais").and_then(Value::as_array) {
        // Company cards go to staff: adults, and the representative may hold one too.
        let _ = representative;
        additionals(&mut errors, list, None, ctx, r.idade_minima_titular);
    }
    product_store_limit(
        &mut errors,
        o,
        ctx.catalogue,
        Publico::PJ,
        "faturamentoMensal",
    );
    if !errors.covers("nomeCartao")
        && let Some(name) = str_of(o, "nomeCartao")
    {
        let printed = card::embossed_name(name, usize::MAX);
        if printed.len() > r.tamanho_maximo_nome_cartao {
            errors.add(
                "nomeCartao",
                card::PrintedNameProblem::TooLong.message(r.tamanho_maximo_nome_cartao),
            );
        }
    }
    errors
}

/// `PATCH /{idPortador}`, for the holder `holder`.
pub fn alteracao_portador(
    body: &Value,
    ctx: &Ctx<'_>,
    holder: &HolderFacts<'_>,
    schema: Option<&SchemaValidator>,
) -> FieldErrors {
    let mut errors = schema_first(schema, body);
    let Some(o) = body.as_object() else {
        if errors.is_empty() {
            errors.add("", "O corpo deve ser um objeto JSON.");
        }
        return errors;
    };
    if o.is_empty() && errors.is_empty() {
        errors.add("", "Informe ao menos um campo.");
    }
    let c = ctx.catalogue;
    full_name(&mut errors, "", o, "nome", "o nome");
    full_name(&mut errors, "", o, "nomeMae", "o nome da mãe");
    full_name(&mut errors, "", o, "nomePai", "o nome do pai");
    let birth = if o.contains_key("dataNascimento") {
        birth_date(
            &mut errors,
            "",
            o,
            "dataNascimento",
            ctx.today,
            c.regras.idade_minima_titular,
            "O titular",
        )
    } else {
        holder.birth
    };

    let estado_natal = match str_of(o, "estadoNatal") {
        Some(uf) if !errors.covers("estadoNatal") => match br::uf_by_sigla(uf) {
            Some(found) if found.sigla == uf => Some(found.sigla),
            _ => {
                errors.add("estadoNatal", format!("UF {uf} inexistente."));
                None
            }
        },
        Some(_) => None,
        None => holder.estado_natal,
    };
    if let Some(town) = str_of(o, "cidadeNatal")
        && !errors.covers("cidadeNatal")
    {
        match estado_natal {
            Some(uf) if !text::town_in_uf(town, uf) => errors.add(
                "cidadeNatal",
                format!("{town} não é um município de {uf} na tabela do IBGE."),
            ),
            Some(_) => {}
            None if !errors.covers("estadoNatal") => {
                errors.add("estadoNatal", "Informe estadoNatal junto com cidadeNatal.")
            }
            None => {}
        }
    }

    let residential_uf = match o.get("enderecoResidencial").and_then(Value::as_object) {
        Some(a) => address(&mut errors, "enderecoResidencial", a),
        None => holder.residential_uf,
    };
    let _commercial_uf = match o.get("enderecoComercial").and_then(Value::as_object) {
        Some(a) => address(&mut errors, "enderecoComercial", a),
        None => holder.commercial_uf,
    };
    if let Some(a) = o.get("enderecoAlternativo").and_then(Value::as_object) {
        address(&mut errors, "enderecoAlternativo", a);
    }
    let _ = residential_uf;

    table_id(
        &mut errors,
        "",
        o,
        "idMoradia",
        |id| c.moradia(id),
        "Moradia",
    );
    table_id(
        &mut errors,
        "",
        o,
        "idEscolaridade",
        |id| c.escolaridade(id),
        "Escolaridade",
    );
    table_id(
        &mut errors,
        "",
        o,
        "idOcupacao",
        |id| c.ocupacao(id),
        "Ocupação",
    );
    table_id(
        &mut errors,
        "",
        o,
        "idProfissao",
        |id| c.profissao(id),
        "Profissão",
    );

    if let Some(doc) = o.get("rg").and_then(Value::as_object) {
        rg_object(&mut errors, "rg", doc, birth, ctx);
    }

    if let Some(spouse) = o.get("conjuge").and_then(Value::as_object) {
        full_name(&mut errors, "conjuge", spouse, "nome", "o nome do cônjuge");
        birth_date(
            &mut errors,
            "conjuge",
            spouse,
            "dataNascimento",
            ctx.today,
            c.regras.idade_minima_adicional,
            "O cônjuge",
        );
        if let Some(spouse_cpf) = cpf(&mut errors, "conjuge", spouse, "cpf")
            && spouse_cpf == holder.cpf
        {
            errors.add(
                "conjuge.cpf",
                "O cônjuge não pode ter o CPF do próprio titular.",
            );
        }
        table_id(
            &mut errors,
            "conjuge",
            spouse,
            "idProfissao",
            |id| c.profissao(id),
            "Profissão",
        );
        table_code(
            &mut errors,
            "conjuge",
            spouse,
            "escolaridade",
            |code| c.escolaridade_por_codigo(code),
            "Escolaridade",
        );
        if let Some(t) = spouse.get("telefone").and_then(Value::as_object) {
            let other = PhonePlace {
                someone_else: true,
                ..PhonePlace::default()
            };
            phone(&mut errors, "conjuge.telefone", t, other);
        }
        if let Some(doc) = spouse.get("rg").and_then(Value::as_object) {
            let spouse_birth = date_of(spouse, "dataNascimento");
            rg_object(&mut errors, "conjuge.rg", doc, spouse_birth, ctx);
        }
        // After the spouse's own fields, so they are judged even when the spouse is refused.
        let estado_civil = str_of(o, "estadoCivil").or(holder.estado_civil);
        if !matches!(estado_civil, Some("CASADO" | "UNIAO_ESTAVEL"))
            && !errors.covers("estadoCivil")
        {
            errors.add(
                "conjuge",
                "Cônjuge só pode ser informado com estadoCivil CASADO ou UNIAO_ESTAVEL.",
            );
        }
    }

    if let Some(pep) = o.get("pep").and_then(Value::as_object) {
        cpf(&mut errors, "pep", pep, "cpf");
        full_name(
            &mut errors,
            "pep",
            pep,
            "nome",
            "o nome da pessoa politicamente exposta",
        );
    }
    if let Some(foreign) = o.get("estrangeiro").and_then(Value::as_object)
        && !errors.covers("estrangeiro.paisOrigem")
        && str_of(foreign, "paisOrigem").is_some_and(|p| text::fold(p) == "brasil")
    {
        errors.add(
            "estrangeiro.paisOrigem",
            "O país de origem de um estrangeiro não pode ser o Brasil.",
        );
    }

    if let Some(admission) = past_date(&mut errors, "", o, "dataAdmissaoProfissao", ctx.today)
        && let Some(b) = birth
        && age(b, admission) < 14
    {
        errors.add(
            "dataAdmissaoProfissao",
            "A admissão deve ser posterior aos 14 anos do titular.",
        );
    }
    if let Some(years) = o.get("quantidadeAnosProfissao").and_then(Value::as_i64)
        && !errors.covers("quantidadeAnosProfissao")
        && let Some(b) = birth
        && years > i64::from(age(b, ctx.today) - 14).max(0)
    {
        errors.add(
            "quantidadeAnosProfissao",
            "Mais anos de profissão do que o titular tem desde os 14 anos.",
        );
    }
    errors
}

/// An `Rg` object: its number (checked for SP when its UF is SP), its issuing body (whose UF, when
/// written, must be `unidadeFederativa`), the UF, an issue date after birth and not in the future.
fn rg_object(
    errors: &mut FieldErrors,
    at: &str,
    doc: &Map<String, Value>,
    birth: Option<NaiveDate>,
    ctx: &Ctx<'_>,
) {
    let uf_at = join(at, "unidadeFederativa");
    let uf = match str_of(doc, "unidadeFederativa") {
        Some(u) if !errors.covers(&uf_at) => match br::uf_by_sigla(u) {
            Some(found) if found.sigla == u => Some(found.sigla),
            _ => {
                errors.add(&uf_at, format!("UF {u} inexistente."));
                None
            }
        },
        _ => None,
    };
    let orgao_uf = orgao_emissor(errors, at, doc, "orgaoEmissor", ctx.catalogue);
    if let (Some(a), Some(b)) = (orgao_uf, uf)
        && a != b
    {
        errors.add(
            &join(at, "orgaoEmissor"),
            format!("O órgão emissor é de {a}, mas unidadeFederativa é {b}."),
        );
    }
    rg(errors, &join(at, "rg"), str_of(doc, "rg"), uf.or(orgao_uf));
    if let Some(issued) = past_date(errors, at, doc, "dataEmissao", ctx.today)
        && let Some(b) = birth
        && issued < b
    {
        errors.add(
            &join(at, "dataEmissao"),
            "A data de emissão do RG não pode ser anterior ao nascimento.",
        );
    }
}

/// `POST /{idPortador}/telefones`.
pub fn telefone(
    body: &Value,
    ctx: &Ctx<'_>,
    holder: &HolderFacts<'_>,
    schema: Option<&SchemaValidator>,
) -> FieldErrors {
    let mut errors = schema_first(schema, body);
    let _ = ctx;
    if let Some(o) = body.as_object() {
        let place = PhonePlace {
            residential_uf: holder.residential_uf,
            commercial_uf: holder.commercial_uf,
            someone_else: false,
        };
        phone(&mut errors, "", o, place);
    } else if errors.is_empty() {
        errors.add("", "O corpo deve ser um objeto JSON.");
    }
    errors
}

/// `POST /{idPortador}/dependentes`. Whether the dependent is the holder is a rule of the account
/// (422), not of this body.
pub fn dependente(body: &Value, ctx: &Ctx<'_>, schema: Option<&SchemaValidator>) -> FieldErrors {
    let mut errors = schema_first(schema, body);
    let Some(o) = body.as_object() else {
        if errors.is_empty() {
            errors.add("", "O corpo deve ser um objeto JSON.");
        }
        return errors;
    };
    let r = &ctx.catalogue.regras;
    full_name(&mut errors, "", o, "nome", "o nome do dependente");
    full_name(&mut errors, "", o, "nomeMae", "o nome da mãe do dependente");
    cpf(&mut errors, "", o, "cpf");
    birth_date(
        &mut errors,
        "",
        o,
        "dataNascimento",
        ctx.today,
        r.idade_minima_adicional,
        "O dependente",
    );
    if let Some(t) = o.get("telefone").and_then(Value::as_object) {
        // The dependent's phone has the shape {area, numero}; judge it as a phone of its own.
        let mut as_phone = Map::new();
        if let Some(a) = t.get("area") {
            as_phone.insert("area".into(), a.clone());
        }
        if let Some(n) = t.get("numero") {
            as_phone.insert("telefone".into(), n.clone());
        }
        let mut inner = FieldErrors::default();
        let other = PhonePlace {
            someone_else: true,
            ..PhonePlace::default()
        };
        phone(&mut inner, "telefone", &as_phone, other);
        for (c, m) in inner.into_items() {
            let c = c.replace("telefone.telefone", "telefone.numero");
            if !errors.covers(&c) {
                errors.add(&c, m);
            }
        }
    }
    printed(
        &mut errors,
        "nomePersonalizado",
        str_of(o, "nome"),
        str_of(o, "nomePersonalizado"),
        r.tamanho_maximo_nome_cartao,
    );
    errors
}

/// `PATCH /{idPortador}/limites` for an account of `produto`.
pub fn alteracao_limites(
    body: &Value,
    produto: &Produto,
    schema: Option<&SchemaValidator>,
) -> FieldErrors {
    let mut errors = schema_first(schema, body);
    let Some(o) = body.as_object() else {
        if errors.is_empty() {
            errors.add("", "O corpo deve ser um objeto JSON.");
        }
        return errors;
    };
    let rotativo = o.get("limiteRotativo").and_then(Value::as_f64);
    if let Some(limit) = rotativo
        && !errors.covers("limiteRotativo")
    {
        limit_within(&mut errors, "limiteRotativo", limit, produto);
    }
    if let Some(parcelado) = o.get("limiteParcelado").and_then(Value::as_f64)
        && !errors.covers("limiteParcelado")
    {
        if !cents_exact(parcelado) {
            errors.add(
                "limiteParcelado",
                "Informe o valor com no máximo duas casas decimais.",
            );
        } else if rotativo.is_some_and(|r| parcelado > r) {
            errors.add(
                "limiteParcelado",
                "O limite parcelado não pode passar do limite rotativo.",
            );
        }
    }
    errors
}

/// `PATCH /produto`: the product exists and is for the account's public. The other rules (same
/// product, limit that fits, blocked account) are the account's (422).
pub fn troca_produto(
    body: &Value,
    ctx: &Ctx<'_>,
    publico: Publico,
    schema: Option<&SchemaValidator>,
) -> FieldErrors {
    let mut errors = schema_first(schema, body);
    if let Some((parsed, id)) = number_id(body.get("idProduto"))
        && !errors.covers("idProduto")
    {
        match parsed.and_then(|id| ctx.catalogue.produto(id)) {
            None => errors.add("idProduto", format!("Produto {id} inexistente.")),
            Some(p) if p.publico != publico => errors.add(
                "idProduto",
                format!(
                    "O produto {id} é para {:?}; esta conta é {publico:?}.",
                    p.publico
                ),
            ),
            Some(_) => {}
        }
    }
    errors
}

/// `POST /bloqueios`: the block type exists.
pub fn bloqueio(body: &Value, ctx: &Ctx<'_>, schema: Option<&SchemaValidator>) -> FieldErrors {
    let mut errors = schema_first(schema, body);
    if let Some((parsed, id)) = number_id(body.get("idTipoBloqueio"))
        && !errors.covers("idTipoBloqueio")
        && parsed
            .and_then(|id| ctx.catalogue.tipo_bloqueio(id))
            .is_none()
    {
        let known: Vec<String> = ctx
            .catalogue
            .tipos_bloqueio
            .iter()
            .map(|t| t.id.to_string())
            .collect();
        errors.add(
            "idTipoBloqueio",
            format!(
                "Tipo de bloqueio {id} inexistente (veja GET /bloqueios/tipos: {}).",
                known.join(", ")
            ),
        );
    }
    errors
}

/// `GET /ocorrencias`: both dates, in order, at most the catalogue's period apart.
pub fn periodo(
    data_inicio: Option<&str>,
    data_fim: Option<&str>,
    ctx: &Ctx<'_>,
) -> Result<(NaiveDate, NaiveDate), FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut parse = |name: &str, v: Option<&str>| match v {
        None => {
            errors.add(name, "Parâmetro obrigatório.");
            None
        }
        Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) if s.len() == 10 => Some(d),
            _ => {
                errors.add(
                    name,
                    format!("Informe {name} no formato AAAA-MM-DD, com uma data que exista."),
                );
                None
            }
        },
    };
    let inicio = parse("dataInicio", data_inicio);
    let fim = parse("dataFim", data_fim);
    let max = ctx.catalogue.regras.periodo_maximo_ocorrencias_dias;
    if let (Some(i), Some(f)) = (inicio, fim) {
        if f < i {
            errors.add("dataFim", "dataFim não pode ser anterior a dataInicio.");
        } else if (f - i).num_days() + 1 > max {
            errors.add(
                "dataFim",
                format!("O período pode ter no máximo {max} dias."),
            );
        } else {
            return Ok((i, f));
        }
    }
    Err(errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::families::portadores::examples::{good_patch, good_pf, good_pj};
    use serde_json::json;

    fn catalogue() -> Catalogue {
        Catalogue::embedded().unwrap()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()
    }

    fn run_pf(body: &Value) -> FieldErrors {
        let c = catalogue();
        conta_pf(
            body,
            &Ctx {
                catalogue: &c,
                today: today(),
            },
            None,
        )
    }

    #[test]
    fn a_good_pf_body_passes() {
        let e = run_pf(&good_pf());
        assert!(e.is_empty(), "{e:?}");
    }

    #[test]
    fn every_problem_of_a_pf_body_is_reported_at_once() {
        let mut b = good_pf();
        b["dataNascimento"] = json!("2010-05-01");
        b["orgaoEmissor"] = json!("XYZPB");
        b["enderecoResidencial"]["cep"] = json!("01310100");
        b["enderecoComercial"]["localidade"] = json!("Recife");
        b["telefones"][1]["area"] = json!("11");
        b["telefones"][1]["receberSMS"] = json!(true);
        b["adicionais"][0]["cpf"] = json!("39874215682");
        b["idLoja"] = json!(1);
        b["idProduto"] = json!(1);
        b["limiteRotativo"] = json!(9000);
        b["ocupacao"] = json!("ASTRONAUTA");
        b["idProfissao"] = json!(999);
        b["nomeCartao"] = json!("Beatriz Ana");
        let e = run_pf(&b);
        let fields = e.fields();
        for f in [
            "dataNascimento",
            "orgaoEmissor",
            "enderecoResidencial.cep",
            "enderecoComercial.localidade",
            "telefones[1].area",
            "telefones[1].receberSMS",
            "adicionais[0].cpf",
            "idLoja",
            "limiteRotativo",
            "ocupacao",
            "idProfissao",
            "nomeCartao",
        ] {
            assert!(fields.contains(&f), "{f} missing from {e:?}");
        }
        assert!(e.messages_for("dataNascimento")[0].contains("18 anos"));
        assert!(e.messages_for("enderecoResidencial.cep")[0].contains("SP"));
        assert!(e.messages_for("telefones[1].area")[0].contains("PB"));
        assert!(e.messages_for("adicionais[0].cpf")[0].contains("titular"));
        assert!(e.messages_for("idLoja")[0].contains("não vende"));
        assert!(e.messages_for("limiteRotativo")[0].contains("R$ 300.00 e R$ 5000.00"));
    }

    #[test]
    fn wrong_check_digits_of_the_holders_cpf() {
        let mut b = good_pf();
        b["cpf"] = json!("39874215683");
        let e = run_pf(&b);
        assert_eq!(e.fields(), vec!["cpf"]);
        assert!(e.messages_for("cpf")[0].contains("dígitos verificadores"));
        b["cpf"] = json!("11111111111");
        assert_eq!(run_pf(&b).fields(), vec!["cpf"]);
    }

    #[test]
    fn wrong_product_public_income_and_due_day_are_named() {
        let mut b = good_pf();
        b["idProduto"] = json!(5);
        b["idLoja"] = json!(40);
        let e = run_pf(&b);
        assert!(e.messages_for("idProduto")[0].contains("PJ"), "{e:?}");
        let mut b = good_pf();
        b["renda"] = json!(900);
        b["diaVencimento"] = json!(7);
        let e = run_pf(&b);
        assert_eq!(e.fields(), vec!["renda", "diaVencimento"], "{e:?}");
    }

    #[test]
    fn phone_rules_cover_shape_type_sms_and_duplicates() {
        let mut b = good_pf();
        b["telefones"] = json!([
            {"tipo": "CELULAR", "area": "83", "telefone": "32451234"},
            {"tipo": "RESIDENCIAL", "area": "83", "telefone": "812345678"},
            {"tipo": "CELULAR", "area": "20", "telefone": "988172345"},
            {"tipo": "CELULAR", "area": "83", "telefone": "988172345", "receberSMS": true},
            {"tipo": "COMERCIAL", "area": "83", "telefone": "988172345", "receberSMS": true}
        ]);
        let e = run_pf(&b);
        assert!(
            e.messages_for("telefones[0].telefone")[0].contains("CELULAR"),
            "{e:?}"
        );
        assert!(e.messages_for("telefones[1].telefone")[0].contains("começando por 9"));
        assert!(e.messages_for("telefones[2].area")[0].contains("DDD 20"));
        assert!(e.messages_for("telefones[4].receberSMS")[0].contains("Somente um"));
        assert!(e.messages_for("telefones[4].telefone")[0].contains("mais de uma vez"));
        // A mobile keeps its DDD wherever the holder lives.
        let mut b = good_pf();
        b["telefones"][0]["area"] = json!("11");
        assert!(run_pf(&b).is_empty());
    }

    #[test]
    fn sp_rg_check_digit_and_repeated_digits() {
        let mut b = good_pf();
        b["orgaoEmissor"] = json!("SSP/SP");
        b["rg"] = json!("302141540");
        assert!(run_pf(&b).messages_for("rg")[0].contains("SP"));
        b["rg"] = json!("030214154");
        assert!(run_pf(&b).is_empty());
        b["rg"] = json!("7777777");
        assert!(run_pf(&b).messages_for("rg")[0].contains("iguais"));
    }

    #[test]
    fn a_body_that_is_not_an_object_is_one_error() {
        let e = run_pf(&json!([1, 2]));
        assert_eq!(e.fields(), vec![""]);
    }

    #[test]
    fn additional_under_16_and_repeated_are_refused() {
        let mut b = good_pf();
        b["adicionais"] = json!([
            {"nome": "Pedro Lins", "cpf": "57392018450", "dataNascimento": "2012-01-01", "sexo": "MASCULINO", "grauParentesco": "FILHO"},
            {"nome": "Paulo Lins", "cpf": "68201937503", "dataNascimento": "2000-01-01", "sexo": "MASCULINO", "grauParentesco": "FILHO"},
            {"nome": "Paulo Lins", "cpf": "68201937503", "dataNascimento": "2000-01-01", "sexo": "MASCULINO", "grauParentesco": "FILHO"}
        ]);
        let e = run_pf(&b);
        assert!(
            e.messages_for("adicionais[0].dataNascimento")[0].contains("16 anos"),
            "{e:?}"
        );
        assert!(e.messages_for("adicionais[2].cpf")[0].contains("mais de uma vez"));
        assert_eq!(e.len(), 2, "{e:?}");
    }

    #[test]
    fn a_good_pj_body_passes_and_its_rules_apply() {
        let c = catalogue();
        let ctx = Ctx {
            catalogue: &c,
            today: today(),
        };
        assert!(conta_pj(&good_pj(), &ctx, None).is_empty());
        let mut b = good_pj();
        b["cnpj"] = json!("11222333000182");
        b["dataAbertura"] = json!("2027-01-01");
        b["telefones"][0]["area"] = json!("83");
        b["responsavel"]["dataNascimento"] = json!("2011-01-01");
        b["idProduto"] = json!(3);
        b["faturamentoMensal"] = json!(100);
        let e = conta_pj(&b, &ctx, None);
        let fields = e.fields();
        for f in [
            "cnpj",
            "dataAbertura",
            "telefones[0].area",
            "responsavel.dataNascimento",
            "idProduto",
        ] {
            assert!(fields.contains(&f), "{f} missing from {e:?}");
        }
        // An alphanumeric CNPJ (from July 2026) is a CNPJ too.
        let mut b = good_pj();
        b["cnpj"] = json!("12ABC34501DE35");
        assert!(conta_pj(&b, &ctx, None).is_empty());
    }

    fn holder() -> HolderFacts<'static> {
        HolderFacts {
            nome: "Ana Beatriz Figueiredo Lins",
            cpf: "39874215682",
            birth: NaiveDate::from_ymd_opt(1987, 9, 14),
            estado_civil: Some("SOLTEIRO"),
            estado_natal: None,
            residential_uf: Some("PB"),
            commercial_uf: None,
        }
    }

    #[test]
    fn a_good_change_passes() {
        let c = catalogue();
        let ctx = Ctx {
            catalogue: &c,
            today: today(),
        };
        let e = alteracao_portador(&good_patch(), &ctx, &holder(), None);
        assert!(e.is_empty(), "{e:?}");
    }

    #[test]
    fn change_rules_cross_fields_and_the_holder() {
        let c = catalogue();
        let ctx = Ctx {
            catalogue: &c,
            today: today(),
        };
        let mut b = good_patch();
        b["cidadeNatal"] = json!("Recife");
        b["estadoCivil"] = json!("SOLTEIRO");
        b["conjuge"]["cpf"] = json!("39874215682");
        b["rg"]["dataEmissao"] = json!("1980-01-01");
        b["rg"]["orgaoEmissor"] = json!("SSPPE");
        b["dataAdmissaoProfissao"] = json!("1995-01-01");
        b["quantidadeAnosProfissao"] = json!(40);
        b["estrangeiro"]["paisOrigem"] = json!("Brasil");
        b["idEscolaridade"] = json!(77);
        let e = alteracao_portador(&b, &ctx, &holder(), None);
        let fields = e.fields();
        for f in [
            "cidadeNatal",
            "conjuge",
            "conjuge.cpf",
            "rg.dataEmissao",
            "rg.orgaoEmissor",
            "dataAdmissaoProfissao",
            "quantidadeAnosProfissao",
            "estrangeiro.paisOrigem",
            "idEscolaridade",
        ] {
            assert!(fields.contains(&f), "{f} missing from {e:?}");
        }
        // A spouse alone is fine when the holder is already married.
        let married = HolderFacts {
            estado_civil: Some("UNIAO_ESTAVEL"),
            ..holder()
        };
        let spouse_only = json!({"conjuge": good_patch()["conjuge"].clone()});
        assert!(alteracao_portador(&spouse_only, &ctx, &married, None).is_empty());
        assert!(!alteracao_portador(&spouse_only, &ctx, &holder(), None).is_empty());
        // An empty change is refused.
        assert_eq!(
            alteracao_portador(&json!({}), &ctx, &holder(), None).fields(),
            vec![""]
        );
    }

    #[test]
    fn dependents_limits_products_blocks_and_periods() {
        let c = catalogue();
        let ctx = Ctx {
            catalogue: &c,
            today: today(),
        };
        let dep = json!({"nome": "Pedro Lins Teixeira", "cpf": "57392018450", "dataNascimento": "2008-01-20",
            "sexo": "MASCULINO", "grauParentesco": "FILHO", "nomeMae": "Ana Beatriz Figueiredo Lins",
            "telefone": {"area": "83", "numero": "991112233"}, "nomePersonalizado": "Pedro L Teixeira"});
        assert!(dependente(&dep, &ctx, None).is_empty());
        let mut young = dep.clone();
        young["dataNascimento"] = json!("2015-01-01");
        young["telefone"]["area"] = json!("00");
        let e = dependente(&young, &ctx, None);
        assert_eq!(e.fields(), vec!["dataNascimento", "telefone.area"], "{e:?}");

        let gold = c.produto(3).unwrap();
        assert!(
            alteracao_limites(
                &json!({"limiteRotativo": 3000, "limiteParcelado": 1500}),
                gold,
                None
            )
            .is_empty()
        );
        let e = alteracao_limites(
            &json!({"limiteRotativo": 20000, "limiteParcelado": 1500.555}),
            gold,
            None,
        );
        assert_eq!(e.fields(), vec!["limiteRotativo", "limiteParcelado"]);
        let e = alteracao_limites(
            &json!({"limiteRotativo": 3000, "limiteParcelado": 4000}),
            gold,
            None,
        );
        assert!(e.messages_for("limiteParcelado")[0].contains("não pode passar"));

        assert!(
            troca_produto(
                &json!({"idPortador": 1, "idProduto": 4}),
                &ctx,
                Publico::PF,
                None
            )
            .is_empty()
        );
        assert_eq!(
            troca_produto(
                &json!({"idPortador": 1, "idProduto": 5}),
                &ctx,
                Publico::PF,
                None
            )
            .fields(),
            vec!["idProduto"]
        );
        assert_eq!(
            bloqueio(&json!({"idPortador": 1, "idTipoBloqueio": 99}), &ctx, None).fields(),
            vec!["idTipoBloqueio"]
        );
        // Past 64 bits serde_json keeps a float; it is still an id that does not exist.
        let huge: Value =
            serde_json::from_str(r#"{"idPortador": 1, "idTipoBloqueio": 36893488147419103231}"#)
                .unwrap();
        assert_eq!(bloqueio(&huge, &ctx, None).fields(), vec!["idTipoBloqueio"]);
        assert!(bloqueio(&json!({"idPortador": 1, "idTipoBloqueio": 1}), &ctx, None).is_empty());

        assert!(periodo(Some("2026-01-01"), Some("2026-03-31"), &ctx).is_ok());
        let e = periodo(Some("2026-03-01"), Some("2026-02-01"), &ctx).unwrap_err();
        assert!(e.messages_for("dataFim")[0].contains("anterior"));
        let e = periodo(Some("2025-01-01"), Some("2026-01-01"), &ctx).unwrap_err();
        assert!(e.messages_for("dataFim")[0].contains("92 dias"));
        let e = periodo(None, Some("2026-02-30"), &ctx).unwrap_err();
        assert_eq!(e.fields(), vec!["dataInicio", "dataFim"]);
    }

    #[test]
    fn new_phone_of_a_holder_follows_the_holders_address() {
        let c = catalogue();
        let ctx = Ctx {
            catalogue: &c,
            today: today(),
        };
        let ok = json!({"tipo": "RESIDENCIAL", "area": "83", "telefone": "32451234"});
        assert!(telefone(&ok, &ctx, &holder(), None).is_empty());
        let far = json!({"tipo": "RESIDENCIAL", "area": "21", "telefone": "32451234"});
        assert_eq!(telefone(&far, &ctx, &holder(), None).fields(), vec!["area"]);
    }
}
