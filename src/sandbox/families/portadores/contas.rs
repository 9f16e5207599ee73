//! Registration writes: opening PF and PJ accounts, changing a holder's registration data
//! (`PATCH /{idPortador}`), dependents and phones. Each validates its whole body first (every
//! problem at once, 400), then the account's rules (409, 422), and only then changes the store;
//! every change is an event of the account's history.

use chrono::NaiveDate;
use hyper::StatusCode;
use serde_json::Value;

use super::card::{self, Card};
use super::errors::ApiError;
use super::fixtures::Publico;
use super::holder::{
    Abertura, Dependente, EnderecoComercial, Holder, Rg, Sexo, StatusDependente, Telefone,
    endereco_of,
};
use super::store::Account;
use super::validate::{self, Ctx, HolderFacts};
use super::{
    Kept, Portadores, answer, body, body_first, full, now, path_id, schema, schema_check, today,
    usuario,
};
use crate::sandbox::family::Call;
use crate::sandbox::http::{self, HttpResponse};

type Answer = Result<HttpResponse, ApiError>;

fn str_of<'a>(o: &'a Value, k: &str) -> Option<&'a str> {
    o.get(k).and_then(Value::as_str)
}

fn u32_of(o: &Value, k: &str) -> Option<u32> {
    o.get(k)
        .and_then(Value::as_u64)
        .and_then(|v| u32::try_from(v).ok())
}

fn date_of(o: &Value, k: &str) -> Option<NaiveDate> {
    str_of(o, k).and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

/// The account's state forbids every change but reading.
fn refuse_canceled(account: &Account) -> Result<(), ApiError> {
    if account.holder.conta.cancelada {
        return Err(ApiError::rule(
            "CONTA_CANCELADA",
            format!(
                "A conta {} está cancelada e não aceita alterações.",
                account.holder.id
            ),
        ));
    }
    Ok(())
}

/// What the validators judge a change of this holder against.
fn facts(h: &Holder) -> HolderFacts<'_> {
    HolderFacts {
        nome: &h.nome,
        cpf: &h.cpf,
        birth: (h.publico == Publico::PF).then_some(h.data_nascimento),
        estado_civil: h.estado_civil.as_deref(),
        estado_natal: h.estado_natal.as_deref(),
        residential_uf: Some(h.endereco_residencial.uf.as_str()),
        commercial_uf: h
            .endereco_comercial
            .as_ref()
            .map(|e| e.endereco.uf.as_str()),
    }
}

// ------------------------------------------------------------------------------------ opening

/// `POST /contas/pf`.
pub fn abrir_pf(p: &Portadores, call: &Call<'_>) -> Answer {
    abrir(p, call, Publico::PF)
}

/// `POST /contas/pj`.
pub fn abrir_pj(p: &Portadores, call: &Call<'_>) -> Answer {
    abrir(p, call, Publico::PJ)
}

fn abrir(p: &Portadores, call: &Call<'_>, publico: Publico) -> Answer {
    let body = body(call)?;
    let ctx = Ctx {
        catalogue: &p.catalogue,
        today: today(call.app),
    };
    let errors = match publico {
        Publico::PF => validate::conta_pf(body, &ctx, schema(call)),
        Publico::PJ => validate::conta_pj(body, &ctx, schema(call)),
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let (document_field, what) = match publico {
        Publico::PF => ("cpf", "CPF"),
        Publico::PJ => ("cnpj", "CNPJ"),
    };
    let document = str_of(body, document_field).unwrap_or_default();
    let produto = u32_of(body, "idProduto").unwrap_or_default();
    let mut store = p.write()?;
    if let Some(existing) = store.has_account_on(publico, document, produto, None) {
        return Err(ApiError::conflict(
            "CONTA_JA_EXISTENTE",
            format!("O {what} {document} já tem a conta {existing} no produto {produto}."),
        ));
    }
    let id = store.next_id().map_err(|_| full())?;
    let opening = Abertura {
        seed: p.seed,
        catalogue: &p.catalogue,
        id,
        now: now(call.app),
    };
    let holder = match publico {
        Publico::PF => opening.pf(body),
        Publico::PJ => opening.pj(body),
    }
    // The validator accepted the body, so the model can always be built from it.
    .ok_or_else(ApiError::internal)?;
    let created = holder.conta_criada();
    let account = Account::new(holder, Some(usuario(call).unwrap_or_default().to_string()));
    store.commit(account).map_err(|_| full())?;
    let mut response = answer(StatusCode::CREATED, &created);
    http::set_header(
        &mut response,
        "location",
        &format!("{}/api/v1/portadores/{id}", call.spec.base_path),
    );
    Ok(response)
}

// ------------------------------------------------------------------------- registration data

/// Fields of a person that a company's account does not have.
const PERSON_ONLY: &[&str] = &[
    "sexo",
    "nomeMae",
    "nomePai",
    "estadoCivil",
    "conjuge",
    "rg",
    "cidadeNatal",
    "estadoNatal",
    "dataNascimento",
    "idEscolaridade",
    "idProfissao",
    "dataAdmissaoProfissao",
    "quantidadeAnosProfissao",
    "idMoradia",
    "pep",
    "estrangeiro",
    "portadorNecessidadesVisuais",
];

/// `PATCH /{idPortador}`: answers the registration data after the change.
pub fn alterar(p: &Portadores, call: &Call<'_>) -> Answer {
    let id = path_id(call, "idPortador")?;
    let body = body(call)?;
    let ctx = Ctx {
        catalogue: &p.catalogue,
        today: today(call.app),
    };
    let at = now(call.app);
    let who = usuario(call);
    let info = p.change(call.app, id, |account, _| {
        let h = &account.holder;
        let mut errors = validate::alteracao_portador(body, &ctx, &facts(h), schema(call));
        if h.publico == Publico::PJ {
            for field in PERSON_ONLY {
                if body.get(*field).is_some() && !errors.covers(field) {
                    errors.add(
                        field,
                        "Dado de pessoa física: não se aplica a uma conta PJ.",
                    );
                }
            }
        }
        if let Some(renda_id) = body.pointer("/renda/id").and_then(Value::as_u64)
            && renda_id != h.renda.id
            && !errors.covers("renda.id")
        {
            errors.add(
                "renda.id",
                format!(
                    "A renda {renda_id} não é do portador; a renda principal dele é {}.",
                    h.renda.id
                ),
            );
        }
        if !errors.is_empty() {
            return Err(ApiError::invalid(errors));
        }
        refuse_canceled(account)?;
        let before = account.holder.informacoes();
        apply_patch(&mut account.holder, body);
        let campos = changed_paths(&before, &account.holder.informacoes());
        if campos.is_empty() {
            return Ok(Kept::Unchanged(before));
        }
        account.holder.alterado_em = at;
        let after = account.holder.informacoes();
        account.event_fields(
            at,
            "ALTERACAO_CADASTRAL",
            format!("Dados cadastrais alterados: {}.", campos.join(", ")),
            campos,
            who,
        );
        Ok(Kept::Changed(after))
    });
    let info = body_first(call, body, info)?;
    Ok(answer(StatusCode::OK, &info))
}

/// Writes an accepted PATCH body onto the holder. An object sent replaces the registered one.
fn apply_patch(h: &mut Holder, body: &Value) {
    let Some(o) = body.as_object() else { return };
    let text = |k: &str| str_of(body, k).map(str::to_string);
    if let Some(v) = text("nome") {
        h.nome = v;
    }
    for (k, slot) in [
        ("nomeSocial", &mut h.nome_social),
        ("email", &mut h.email),
        ("nacionalidade", &mut h.nacionalidade),
        ("cidadeNatal", &mut h.cidade_natal),
        ("estadoNatal", &mut h.estado_natal),
        ("nomePai", &mut h.nome_pai),
        ("nomeMae", &mut h.nome_mae),
        ("estadoCivil", &mut h.estado_civil),
    ] {
        if let Some(v) = text(k) {
            *slot = Some(v);
        }
    }
    if let Some(e) = o.get("enderecoResidencial").and_then(endereco_of) {
        h.endereco_residencial = e;
    }
    if let Some(c) = o.get("enderecoComercial")
        && let Some(endereco) = endereco_of(c)
    {
        h.endereco_comercial = Some(EnderecoComercial {
            endereco,
            empresa: str_of(c, "empresa").map(str::to_string),
            departamento: str_of(c, "departamento").map(str::to_string),
            cnpj: str_of(c, "cnpj").map(str::to_string),
        });
    }
    if let Some(a) = o.get("enderecoAlternativo")
        && let (Some(endereco), Some(tipo)) = (endereco_of(a), str_of(a, "tipo"))
    {
        h.endereco_alternativo = Some((endereco, tipo.to_string()));
    }
    if let Some(s) = text("sexo").as_deref().and_then(Sexo::parse) {
        h.sexo = Some(s);
    }
    for (k, slot) in [
        ("idMoradia", &mut h.id_moradia),
        ("idEscolaridade", &mut h.id_escolaridade),
        ("idOcupacao", &mut h.id_ocupacao),
        ("idProfissao", &mut h.id_profissao),
    ] {
        if let Some(v) = u32_of(body, k) {
            *slot = Some(v);
        }
    }
    if let Some(r) = o.get("renda") {
        if let Some(v) = r.get("valor").and_then(Value::as_f64) {
            h.renda.valor = v;
        }
        if let Some(c) = r.get("comprovada").and_then(Value::as_bool) {
            h.renda.comprovada = c;
        }
    }
    if let Some(r) = o.get("rg")
        && let Some(numero) = str_of(r, "rg")
    {
        h.rg = Some(Rg {
            numero: numero.to_string(),
            data_emissao: date_of(r, "dataEmissao"),
            orgao_emissor: str_of(r, "orgaoEmissor").map(str::to_string),
            uf: str_of(r, "unidadeFederativa").map(str::to_string),
        });
    }
    for (k, slot) in [
        ("conjuge", &mut h.conjuge),
        ("pep", &mut h.pep),
        ("estrangeiro", &mut h.estrangeiro),
    ] {
        if let Some(v) = o.get(k) {
            *slot = Some(v.clone());
        }
    }
    // A spouse belongs to a marriage: a holder no longer married keeps none.
    if !matches!(h.estado_civil.as_deref(), Some("CASADO" | "UNIAO_ESTAVEL")) {
        h.conjuge = None;
    }
    if let Some(d) = date_of(body, "dataAdmissaoProfissao") {
        h.data_admissao_profissao = Some(d);
    }
    if let Some(n) = u32_of(body, "quantidadeAnosProfissao") {
        h.quantidade_anos_profissao = Some(n);
    }
    if let Some(b) = o
        .get("portadorNecessidadesVisuais")
        .and_then(Value::as_bool)
    {
        h.necessidades_visuais = b;
    }
    if let Some(b) = o.get("inibirEnvioFaturaGrafica").and_then(Value::as_bool) {
        h.inibir_fatura_grafica = b;
    }
    if let Some(d) = date_of(body, "dataNascimento") {
        h.data_nascimento = d;
    }
}

/// The dotted paths where two registration records differ (`enderecoResidencial.cep`); a list
/// that changed is named whole.
pub fn changed_paths(before: &Value, after: &Value) -> Vec<String> {
    fn walk(a: &Value, b: &Value, at: &str, out: &mut Vec<String>) {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                let mut keys: Vec<&String> = x.keys().collect();
                keys.extend(y.keys().filter(|k| !x.contains_key(*k)));
                for k in keys {
                    let here = if at.is_empty() {
                        k.clone()
                    } else {
                        format!("{at}.{k}")
                    };
                    match (x.get(k), y.get(k)) {
                        (Some(p), Some(q)) => walk(p, q, &here, out),
                        _ => out.push(here),
                    }
                }
            }
            _ if a == b => {}
            _ => out.push(at.to_string()),
        }
    }
    let mut out = Vec::new();
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(m) = v.as_object_mut() {
            m.remove("dataAlteracao");
        }
        v
    };
    walk(&strip(before), &strip(after), "", &mut out);
    out
}

// -------------------------------------------------------------------------------- dependents

/// `POST /{idPortador}/dependentes`.
pub fn cadastrar_dependente(p: &Portadores, call: &Call<'_>) -> Answer {
    let id = path_id(call, "idPortador")?;
    let body = body(call)?;
    let day = today(call.app);
    let ctx = Ctx {
        catalogue: &p.catalogue,
        today: day,
    };
    let errors = validate::dependente(body, &ctx, schema(call));
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let at = now(call.app);
    let who = usuario(call);
    let created = p.change(call.app, id, |account, _| {
        refuse_canceled(account)?;
        let h = &account.holder;
        if h.bloqueada() {
            return Err(ApiError::rule(
                "PORTADOR_BLOQUEADO",
                format!("A conta {id} está bloqueada e não aceita novos dependentes."),
            ));
        }
        let cpf = str_of(body, "cpf").unwrap_or_default();
        if h.publico == Publico::PF && cpf == h.cpf {
            return Err(ApiError::rule(
                "DEPENDENTE_E_TITULAR",
                "O titular não pode ser dependente da própria conta.",
            ));
        }
        if h.dependentes.iter().any(|d| d.cpf == cpf) {
            return Err(ApiError::conflict(
                "DEPENDENTE_JA_CADASTRADO",
                format!("O CPF {cpf} já é dependente da conta {id}."),
            ));
        }
        let max = p.catalogue.regras.maximo_adicionais;
        if h.dependentes.len() >= max {
            return Err(ApiError::rule(
                "LIMITE_DE_ADICIONAIS",
                format!("A conta {id} já tem {max} dependentes, o máximo."),
            ));
        }
        let produto = p
            .catalogue
            .produto(h.conta.id_produto)
            .ok_or_else(ApiError::internal)?;
        let dep_id = id * 10 + h.dependentes.len() as u64 + 1;
        let nome = str_of(body, "nome").unwrap_or_default().to_string();
        let max_name = p.catalogue.regras.tamanho_maximo_nome_cartao;
        let nome_cartao = str_of(body, "nomePersonalizado")
            .and_then(|asked| card::printed_name(&nome, asked, max_name).ok())
            .unwrap_or_else(|| card::embossed_name(&nome, max_name));
        let dependente = Dependente {
            id: dep_id,
            nome_social: str_of(body, "nomeSocial").map(str::to_string),
            cpf: cpf.to_string(),
            nascimento: date_of(body, "dataNascimento").unwrap_or(day),
            sexo: str_of(body, "sexo")
                .and_then(Sexo::parse)
                .unwrap_or(Sexo::Feminino),
            grau: str_of(body, "grauParentesco")
                .and_then(|g| p.catalogue.grau_parentesco(g))
                .map_or(12, |g| g.id),
            nome_mae: str_of(body, "nomeMae").unwrap_or_default().to_string(),
            telefone: body.get("telefone").and_then(|t| {
                Some((
                    str_of(t, "area")?.to_string(),
                    str_of(t, "numero")?.to_string(),
                ))
            }),
            cartao: Card::issue(
                p.seed,
                &produto.bin,
                dep_id,
                h.conta.sequencia_cartao,
                day,
                produto.validade_meses,
            ),
            nome_cartao,
            nome,
            status: StatusDependente::Ativo,
        };
        account.holder.dependentes.push(dependente);
        let json = account
            .holder
            .dependentes_json()
            .pop()
            .ok_or_else(ApiError::internal)?;
        account.event(
            at,
            "INCLUSAO_DEPENDENTE",
            format!("Dependente {dep_id} incluído, com cartão adicional."),
            &["dependentes"],
            who,
        );
        Ok(Kept::Changed(json))
    })?;
    Ok(answer(StatusCode::CREATED, &created))
}

// ------------------------------------------------------------------------------------ phones

fn telefone_id(call: &Call<'_>, raw: Option<u64>) -> Result<u64, ApiError> {
    match raw {
        Some(v) if v >= 1 => Ok(v),
        _ => path_id(call, "idTelefone"),
    }
}

fn phone_not_found(id: u64, holder: u64) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "TELEFONE_NAO_ENCONTRADO",
        format!("O portador {holder} não tem o telefone {id}."),
    )
}

/// `POST /{idPortador}/telefones`.
pub fn cadastrar_telefone(p: &Portadores, call: &Call<'_>) -> Answer {
    let id = path_id(call, "idPortador")?;
    let body = body(call)?;
    let ctx = Ctx {
        catalogue: &p.catalogue,
        today: today(call.app),
    };
    let at = now(call.app);
    let who = usuario(call);
    let created = p.change(call.app, id, |account, _| {
        let errors = validate::telefone(body, &ctx, &facts(&account.holder), schema(call));
        if !errors.is_empty() {
            return Err(ApiError::invalid(errors));
        }
        refuse_canceled(account)?;
        let area = str_of(body, "area").unwrap_or_default();
        let numero = str_of(body, "telefone").unwrap_or_default();
        if let Some(same) = account
            .holder
            .telefones
            .iter()
            .find(|t| t.area == area && t.numero == numero)
        {
            return Err(ApiError::conflict(
                "TELEFONE_JA_CADASTRADO",
                format!(
                    "O telefone ({area}) {numero} já é o telefone {} do portador.",
                    same.id
                ),
            ));
        }
        let max = p.catalogue.regras.maximo_telefones;
        if account.holder.telefones.len() >= max {
            return Err(ApiError::rule(
                "LIMITE_DE_TELEFONES",
                format!("O portador já tem {max} telefones, o máximo; exclua um antes."),
            ));
        }
        let sms = body.get("receberSMS").and_then(Value::as_bool) == Some(true);
        let telefone = Telefone {
            id: account.next_telefone,
            tipo: str_of(body, "tipo").unwrap_or("CELULAR").to_string(),
            area: area.to_string(),
            numero: numero.to_string(),
            ramal: str_of(body, "ramal").map(str::to_string),
            receber_sms: sms,
            fatura_digital: body.get("faturaDigital").and_then(Value::as_bool) == Some(true),
            cadastro: at,
        };
        account.next_telefone += 1;
        if sms {
            for t in &mut account.holder.telefones {
                t.receber_sms = false;
            }
        }
        let json = telefone.json();
        let description = format!(
            "Telefone {} incluído{}.",
            telefone.id,
            if sms { ", recebendo SMS" } else { "" }
        );
        account.holder.telefones.push(telefone);
        account.event(at, "INCLUSAO_TELEFONE", description, &["telefones"], who);
        Ok(Kept::Changed(json))
    });
    let created = body_first(call, body, created)?;
    Ok(answer(StatusCode::CREATED, &created))
}

/// `DELETE /{idPortador}/telefones/{idTelefone}`.
pub fn excluir_telefone(p: &Portadores, call: &Call<'_>) -> Answer {
    let id = path_id(call, "idPortador")?;
    let phone = telefone_id(call, None)?;
    let at = now(call.app);
    let who = usuario(call);
    p.change(call.app, id, |account, _| {
        refuse_canceled(account)?;
        let Some(pos) = account.holder.telefones.iter().position(|t| t.id == phone) else {
            return Err(phone_not_found(phone, id));
        };
        let removed = account.holder.telefones.remove(pos);
        let description = if removed.receber_sms {
            format!("Telefone {phone} excluído; o portador fica sem telefone para SMS.")
        } else {
            format!("Telefone {phone} excluído.")
        };
        account.event(at, "EXCLUSAO_TELEFONE", description, &["telefones"], who);
        Ok(Kept::Changed(()))
    })?;
    Ok(http::empty_response(StatusCode::NO_CONTENT))
}

/// `POST /{idPortador}/telefones/recebe-sms`: the phone becomes the one SMS goes to.
pub fn confirmar_sms(p: &Portadores, call: &Call<'_>) -> Answer {
    let id = path_id(call, "idPortador")?;
    let body = body(call)?;
    schema_check(call, body)?;
    let phone = telefone_id(call, body.get("idTelefone").and_then(Value::as_u64))?;
    let at = now(call.app);
    let who = usuario(call);
    let confirmed = p.change(call.app, id, |account, _| {
        refuse_canceled(account)?;
        let Some(t) = account.holder.telefones.iter().find(|t| t.id == phone) else {
            return Err(phone_not_found(phone, id));
        };
        if !t.is_mobile() {
            return Err(ApiError::rule(
                "TELEFONE_NAO_CELULAR",
                format!("O telefone {phone} é fixo; somente celulares recebem SMS."),
            ));
        }
        if t.receber_sms {
            return Ok(Kept::Unchanged(t.json()));
        }
        for t in &mut account.holder.telefones {
            t.receber_sms = t.id == phone;
        }
        let json = account
            .holder
            .telefones
            .iter()
            .find(|t| t.id == phone)
            .map(Telefone::json)
            .ok_or_else(ApiError::internal)?;
        account.event(
            at,
            "HABILITACAO_SMS",
            format!("Telefone {phone} confirmado para receber SMS."),
            &["telefones"],
            who,
        );
        Ok(Kept::Changed(json))
    })?;
    Ok(answer(StatusCode::OK, &confirmed))
}
