//! The read operations: a holder's record, registration data, cycle, dependents, phones, histories,
//! delinquencies and occurrences; the look-ups by CPF, CNPJ, RG, name and several ids at once; the
//! issuer's tables. Reads never change the store: a generated holder is built, answered and
//! forgotten.

use hyper::StatusCode;
use serde_json::{Value, json};

use super::errors::ApiError;
use super::paging::Paging;
use super::store::Account;
use super::validate::{self, Ctx, FieldErrors};
use super::{Portadores, answer, path_id, text, today};
use crate::br;
use crate::sandbox::family::Call;
use crate::sandbox::http::HttpResponse;

type Answer = Result<HttpResponse, ApiError>;

fn ok(body: &Value) -> Answer {
    Ok(answer(StatusCode::OK, body))
}

/// A CPF query parameter with valid check digits (the pipeline checked its shape).
fn cpf_param(call: &Call<'_>, name: &str) -> Result<Option<String>, ApiError> {
    match call.req.query_param(name) {
        None => Ok(None),
        Some(v) if v.len() == 11 && br::is_valid_cpf(v) => Ok(Some(v.to_string())),
        Some(_) => Err(ApiError::field(
            name,
            "CPF inválido: os dígitos verificadores não conferem.",
        )),
    }
}

fn cnpj_param(call: &Call<'_>, name: &str) -> Result<Option<String>, ApiError> {
    match call.req.query_param(name) {
        None => Ok(None),
        Some(v) if v.len() == 14 && br::is_valid_cnpj(v) => Ok(Some(v.to_string())),
        Some(_) => Err(ApiError::field(
            name,
            "CNPJ inválido: os dígitos verificadores não conferem.",
        )),
    }
}

fn required(value: Option<String>, name: &str) -> Result<String, ApiError> {
    value.ok_or_else(|| ApiError::field(name, format!("Parâmetro obrigatório: {name}.")))
}

fn paging(p: &Portadores, call: &Call<'_>) -> Result<Paging, ApiError> {
    Paging::parse(
        call.req.query_param("pagina"),
        call.req.query_param("tamanhoPagina"),
        &p.catalogue.regras,
    )
    .map_err(ApiError::invalid)
}

/// `GET /{idPortador}`.
pub fn portador(p: &Portadores, call: &Call<'_>) -> Answer {
    let id = path_id(call, "idPortador")?;
    let day = today(call.app);
    let record = p.view(call.app, id, |a| a.holder.record(p.seed, &p.catalogue, day))?;
    ok(&record)
}

/// `GET /{idPortador}/informacoes`.
pub fn informacoes(p: &Portadores, call: &Call<'_>) -> Answer {
    let id = path_id(call, "idPortador")?;
    ok(&p.view(call.app, id, |a| a.holder.informacoes())?)
}

fn resumos(p: &Portadores, accounts: &[&Account]) -> Value {
    Value::Array(
        accounts
            .iter()
            .map(|a| a.holder.conta_resumo(&p.catalogue))
            .collect(),
    )
}

/// `GET /contas?cpf=|cnpj=`: exactly one of them.
pub fn contas_por_documento(p: &Portadores, call: &Call<'_>) -> Answer {
    let cpf = cpf_param(call, "cpf");
    let cnpj = cnpj_param(call, "cnpj");
    let (cpf, cnpj) = match (cpf, cnpj) {
        (Err(a), Err(b)) => {
            let mut erros = a.erros;
            for (c, m) in b.erros.into_items() {
                erros.add(&c, m);
            }
            return Err(ApiError::invalid(erros));
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
        (Ok(a), Ok(b)) => (a, b),
    };
    let g = p.generator(call.app);
    let store = p.read()?;
    match (cpf, cnpj) {
        (Some(cpf), None) => {
            let accounts = store.accounts_of_cpf(&cpf, &g);
            let refs: Vec<&Account> = accounts.iter().collect();
            ok(&resumos(p, &refs))
        }
        (None, Some(cnpj)) => ok(&resumos(p, &store.accounts_of_cnpj(&cnpj))),
        (Some(_), Some(_)) => {
            let mut erros = FieldErrors::default();
            erros.add("cpf", "Informe cpf ou cnpj, não os dois.");
            erros.add("cnpj", "Informe cpf ou cnpj, não os dois.");
            Err(ApiError::invalid(erros))
        }
        (None, None) => {
            let mut erros = FieldErrors::default();
            erros.add("cpf", "Informe cpf ou cnpj.");
            erros.add("cnpj", "Informe cpf ou cnpj.");
            Err(ApiError::invalid(erros))
        }
    }
}

/// `GET /rg?rg=`.
pub fn contas_por_rg(p: &Portadores, call: &Call<'_>) -> Answer {
    let rg = required(call.req.query_param("rg").map(str::to_string), "rg")?;
    let store = p.read()?;
    ok(&resumos(p, &store.accounts_of_rg(&rg)))
}

/// `GET /cnpj?cnpj=`.
pub fn contas_por_cnpj(p: &Portadores, call: &Call<'_>) -> Answer {
    let cnpj = required(cnpj_param(call, "cnpj")?, "cnpj")?;
    let store = p.read()?;
    ok(&resumos(p, &store.accounts_of_cnpj(&cnpj)))
}

/// `GET /completo/cpf?cpf=`: the full record of every account of the CPF.
pub fn completo_por_cpf(p: &Portadores, call: &Call<'_>) -> Answer {
    let cpf = required(cpf_param(call, "cpf")?, "cpf")?;
    let day = today(call.app);
    let g = p.generator(call.app);
    let accounts = p.read()?.accounts_of_cpf(&cpf, &g);
    ok(&Value::Array(
        accounts
            .iter()
            .map(|a| a.holder.record(p.seed, &p.catalogue, day))
            .collect(),
    ))
}

/// `GET /simplificado/cpf?cpf=`.
pub fn simplificado_por_cpf(p: &Portadores, call: &Call<'_>) -> Answer {
    let cpf = required(cpf_param(call, "cpf")?, "cpf")?;
    let day = today(call.app);
    let g = p.generator(call.app);
    let accounts = p.read()?.accounts_of_cpf(&cpf, &g);
    ok(&Value::Array(
        accounts
            .iter()
            .map(|a| a.holder.simplificado(p.seed, &p.catalogue, day))
            .collect(),
    ))
}

/// `GET /nomes?nome=`: the stored accounts whose name or social name holds the words, in order.
pub fn por_nome(p: &Portadores, call: &Call<'_>) -> Answer {
    let nome = required(call.req.query_param("nome").map(str::to_string), "nome")?;
    let paging = paging(p, call)?;
    if text::fold(&nome).is_empty() {
        return Err(ApiError::field(
            "nome",
            "Informe ao menos uma letra ou um número do nome.",
        ));
    }
    let store = p.read()?;
    let mut found: Vec<(String, u64, Value)> = store
        .all()
        .filter(|a| {
            text::contains_words(&a.holder.nome, &nome)
                || a.holder
                    .nome_social
                    .as_deref()
                    .is_some_and(|s| text::contains_words(s, &nome))
        })
        .map(|a| {
            (
                text::fold(&a.holder.nome),
                a.holder.id,
                a.holder.conta_resumo(&p.catalogue),
            )
        })
        .collect();
    found.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    ok(&paging.page(found.into_iter().map(|(_, _, v)| v).collect()))
}

/// `GET /lote?ids=1,2,3`: one item per distinct id, in the order asked.
pub fn lote(p: &Portadores, call: &Call<'_>) -> Answer {
    let raw: Vec<&str> = call
        .req
        .query
        .iter()
        .filter(|(k, _)| k == "ids")
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .collect();
    let mut ids: Vec<u64> = Vec::new();
    for r in raw {
        match r.parse::<u64>() {
            Ok(id) if id >= 1 => {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            _ => {
                return Err(ApiError::field(
                    "ids",
                    "ids deve ser uma lista de ids de portador separados por vírgula.",
                ));
            }
        }
    }
    let max = p.catalogue.regras.maximo_ids_lote;
    if ids.is_empty() || ids.len() > max {
        return Err(ApiError::field(
            "ids",
            format!("Informe de 1 a {max} ids distintos."),
        ));
    }
    let day = today(call.app);
    let g = p.generator(call.app);
    let store = p.read()?;
    let mut found = 0;
    let itens: Vec<Value> = ids
        .iter()
        .map(|id| {
            match store.read(*id, &g, |a| {
                a.holder.simplificado(p.seed, &p.catalogue, day)
            }) {
                Some(portador) => {
                    found += 1;
                    json!({"id": id, "encontrado": true, "portador": portador})
                }
                None => json!({"id": id, "encontrado": false, "erro": {
                    "codigo": "PORTADOR_NAO_ENCONTRADO",
                    "mensagem": format!("Portador {id} não encontrado."),
                }}),
            }
        })
        .collect();
    ok(&json!({
        "encontrados": found,
        "naoEncontrados": ids.len() - found,
        "itens": itens,
    }))
}

/// `GET /{idPortador}/ciclo`.
pub fn ciclo(p: &Portadores, call: &Call<'_>) -> Answer {
    let id = path_id(call, "idPortador")?;
    let day = today(call.app);
    ok(&p.view(call.app, id, |a| a.holder.ciclo_json(&p.catalogue, day))?)
}

/// `GET /{idPortador}/dependentes`.
pub fn dependentes(p: &Portadores, call: &Call<'_>) -> Answer {
    let id = path_id(call, "idPortador")?;
    let list = p.view(call.app, id, |a| a.holder.dependentes_json())?;
    ok(&Value::Array(list))
}

/// `GET /dependentes/cpf?cpf=`: the dependents of every PF account of the CPF.
pub fn dependentes_por_cpf(p: &Portadores, call: &Call<'_>) -> Answer {
    let cpf = required(cpf_param(call, "cpf")?, "cpf")?;
    let g = p.generator(call.app);
    let accounts = p.read()?.accounts_of_cpf(&cpf, &g);
    ok(&Value::Array(
        accounts
            .iter()
            .flat_map(|a| a.holder.dependentes_json())
            .collect(),
    ))
}

/// `GET /{idPortador}/telefones`.
pub fn telefones(p: &Portadores, call: &Call<'_>) -> Answer {
    let id = path_id(call, "idPortador")?;
    let list = p.view(call.app, id, |a| {
        a.holder
            .telefones
            .iter()
            .map(super::holder::Telefone::json)
            .collect::<Vec<_>>()
    })?;
    ok(&Value::Array(list))
}

/// `GET /{idPortador}/historico`, newest first.
pub fn historico(p: &Portadores, call: &Call<'_>) -> Answer {
    let id = path_id(call, "idPortador")?;
    let paging = paging(p, call)?;
    let items = p.view(call.app, id, |a| {
        a.historico.iter().rev().map(|e| e.json()).collect()
    })?;
    ok(&paging.page(items))
}

/// `GET /{idPortador}/limites/historico`, newest first.
pub fn historico_limites(p: &Portadores, call: &Call<'_>) -> Answer {
    let id = path_id(call, "idPortador")?;
    let paging = paging(p, call)?;
    let items = p.view(call.app, id, |a| {
        a.limites.iter().rev().map(|e| e.json()).collect()
    })?;
    ok(&paging.page(items))
}

/// `GET /{idPortador}/inadimplencias`, newest first.
pub fn inadimplencias(p: &Portadores, call: &Call<'_>) -> Answer {
    let id = path_id(call, "idPortador")?;
    let paging = paging(p, call)?;
    let day = today(call.app);
    let items = p.view(call.app, id, |a| {
        a.holder.inadimplencias(p.seed, &p.catalogue, day)
    })?;
    ok(&paging.page(items))
}

/// `GET /{idPortador}/ocorrencias?dataInicio&dataFim`, newest first.
pub fn ocorrencias(p: &Portadores, call: &Call<'_>) -> Answer {
    let id = path_id(call, "idPortador")?;
    let day = today(call.app);
    let ctx = Ctx {
        catalogue: &p.catalogue,
        today: day,
    };
    let period = validate::periodo(
        call.req.query_param("dataInicio"),
        call.req.query_param("dataFim"),
        &ctx,
    );
    let paging = paging(p, call);
    let ((inicio, fim), paging) = match (period, paging) {
        (Ok(period), Ok(paging)) => (period, paging),
        (Err(mut a), Err(b)) => {
            for (c, m) in b.erros.into_items() {
                a.add(&c, m);
            }
            return Err(ApiError::invalid(a));
        }
        (Err(a), _) => return Err(ApiError::invalid(a)),
        (_, Err(b)) => return Err(b),
    };
    let items = p.view(call.app, id, |a| {
        a.holder.ocorrencias(p.seed, &p.catalogue, inicio, fim, day)
    })?;
    let mut page = paging.page(items);
    page["dataInicio"] = json!(inicio.format("%Y-%m-%d").to_string());
    page["dataFim"] = json!(fim.format("%Y-%m-%d").to_string());
    ok(&page)
}

fn table<T: serde::Serialize>(rows: &[T]) -> Answer {
    let body = serde_json::to_value(rows).map_err(|_| ApiError::internal())?;
    ok(&body)
}

/// `GET /bloqueios/tipos`.
pub fn tipos_bloqueio(p: &Portadores, _call: &Call<'_>) -> Answer {
    table(&p.catalogue.tipos_bloqueio)
}

/// `GET /escolaridade`.
pub fn escolaridades(p: &Portadores, _call: &Call<'_>) -> Answer {
    table(&p.catalogue.escolaridades)
}

/// `GET /ocupacoes`.
pub fn ocupacoes(p: &Portadores, _call: &Call<'_>) -> Answer {
    table(&p.catalogue.ocupacoes)
}
