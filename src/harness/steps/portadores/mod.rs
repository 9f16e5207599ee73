//! Card-holder (Portadores) preconditions and checks: tokens with chosen scopes, the scenario's own
//! PF or PJ account (opened with a body built from the persona of a CPF or CNPJ the target has no
//! account for on that product), blocks by the issuer's own types, limit changes relative to the
//! account's limit, a password the holder received by SMS, and the checks no schema states: every
//! look-up agreeing with the opening and with each other, one history event per change and none
//! per refusal, the billing cycle, delinquencies and occurrences agreeing with the record.
//!
//! Tokens come from `[portadores] token` in `target.toml` (every scope) or from the token endpoint
//! with `[portadores] client-id`/`client-secret`; against a finsandbox sandbox any client works.
//! The harness's own calls (opening the scenario's account, reading the history before and after
//! a change) use a token with every scope, so a scenario's narrow token never gets in their way,
//! and they leave the scenario's last response as it was.
//!
//! Two things only a finsandbox sandbox offers, through its control API: the SMS outbox (the
//! password a holder receives) and holders generated for CPFs nobody opened an account for.
//! Against a real issuer the scenarios that need them are SKIPPED with that reason. The product
//! and store an account is opened on come from `[portadores] produto-pf`/`loja-pf` (and `-pj`),
//! else from the control API's `GET /sandbox/portadores/products`.

pub mod bodies;
pub mod target;

use chrono::{Datelike, Duration, NaiveDate};
use cucumber::{given, then, when};
use serde_json::{Value, json};

use super::NAME;
use super::fixtures::{Catalogue, EMBEDDED};
use super::text;
use crate::datagen::{br, rng_for};
use crate::harness::client::Sent;
use crate::harness::steps::{self, Auth, Pre, split_list};
use crate::harness::world::{CheckWorld, RunContext, StepFail, StepResult};
use crate::sandbox::family::ScenarioSeed;
use bodies::Offer;
use target::of_target;

/// The issuer's API under the family's mount.
const API: &str = "/portadores/api/v1/portadores";

/// Headers of every request to the family's paths besides `accept` and the token: a fresh
/// `X-Request-Id`, which every answer must echo.
pub fn request_headers() -> Vec<(String, String)> {
    vec![("x-request-id".into(), uuid::Uuid::new_v4().to_string())]
}

/// A document of the scenario: deterministic per (seed, scenario, attempt), so a run against the
/// embedded sandbox is reproducible; later attempts replace one the target already holds.
fn candidate(seed: u64, scenario: u64, kind: &str, attempt: u32) -> String {
    let mut rng = rng_for(
        seed,
        "harness-portadores",
        &format!("{kind}-{scenario}-{attempt}"),
    );
    match kind {
        "cnpj" => br::gen_cnpj(&mut rng, false),
        _ => br::gen_cpf(&mut rng),
    }
}

/// `{{cpfPortador}}`, `{{cnpjPortador}}` (the scenario's first candidates) and `{{cpfDependente}}`.
pub fn scenario_values(s: &ScenarioSeed<'_>) -> Vec<(String, String)> {
    vec![
        (
            "cpfPortador".into(),
            candidate(s.seed, s.scenario, "cpf", 0),
        ),
        (
            "cnpjPortador".into(),
            candidate(s.seed, s.scenario, "cnpj", 0),
        ),
        (
            "cpfDependente".into(),
            candidate(s.seed, s.scenario, "dependente", 0),
        ),
    ]
}

/// The rules both faces read (`fixtures/portadores.yaml`).
fn catalogue() -> Option<Catalogue> {
    Catalogue::parse("fixtures/portadores.yaml", EMBEDDED).ok()
}

/// What a card-holder scenario keeps between steps.
#[derive(Debug, Default)]
pub struct PortadoresState {
    /// A token with every scope for the harness's own calls.
    helper: Option<String>,
    /// The scenario's account, its public (`F` or `J`) and document.
    id: Option<u64>,
    pessoa: Option<char>,
    document: Option<String>,
    /// The body it was opened with and the 201 answer.
    opening: Option<Value>,
    opened: Option<Value>,
    /// The history's size when last looked at.
    history_seen: Option<u64>,
    /// The limit before the last limit change, and the one asked for.
    limit_before: Option<f64>,
    limit_asked: Option<f64>,
    /// The holder's password, as far as the scenario knows it.
    password: Option<String>,
    /// A phone the scenario deleted.
    deleted_phone: Option<u64>,
    /// The occurrence period last asked for.
    period: Option<(NaiveDate, NaiveDate)>,
}

fn settle(w: &mut CheckWorld, r: Result<(), Pre>) -> StepResult {
    steps::settle(w, r, "a card-holder precondition failed")
}

/// `: CODIGO (mensagem)` of an `Erro`, OAuth or control-API body, to make a status explain itself.
fn error_summary(sent: &Sent) -> String {
    let Some(body) = &sent.json else {
        return String::new();
    };
    let code = body["codigo"].as_str().or_else(|| body["error"].as_str());
    let message = body["mensagem"]
        .as_str()
        .or_else(|| body["error_description"].as_str())
        .or_else(|| body["message"].as_str());
    match (code, message) {
        (Some(c), Some(m)) => format!(": {c} ({m})"),
        (Some(c), None) => format!(": {c}"),
        _ => String::new(),
    }
}

/// The scopes the loaded card-holder spec's operations ask for, in the order they appear.
fn every_scope(ctx: &RunContext) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    for spec in ctx.specs.apis.iter().filter(|s| s.family == NAME) {
        for op in &spec.operations {
            for s in &op.scopes {
                if !scopes.contains(s) {
                    scopes.push(s.clone());
                }
            }
        }
    }
    scopes
}

fn token_url(ctx: &RunContext) -> String {
    let base = ctx.base_of(&super::PLUGIN);
    match of_target(ctx).token_url {
        Some(u) if u.starts_with("http://") || u.starts_with("https://") => u,
        Some(path) => format!("{base}{path}"),
        None => format!("{base}/oauth2/token"),
    }
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn same_number(a: &Value, b: &Value) -> bool {
    match (number(a), number(b)) {
        (Some(x), Some(y)) => (x - y).abs() < 0.005,
        _ => false,
    }
}

fn date(v: &Value) -> Option<NaiveDate> {
    v.as_str()
        .and_then(|s| NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok())
}

/// A list answer (a bare array, or a page's `conteudo`).
fn items(v: &Value) -> Vec<Value> {
    v.as_array()
        .or_else(|| v["conteudo"].as_array())
        .cloned()
        .unwrap_or_default()
}

fn state(w: &mut CheckWorld) -> &mut PortadoresState {
    w.part()
}

fn account_id(w: &mut CheckWorld) -> Result<u64, Pre> {
    if let Some(id) = state(w).id {
        return Ok(id);
    }
    w.fail(
        "the scenario has no card account: a \"Given a card holder with a PF account\" step must come first",
        None,
        None,
        Vec::new(),
    )?;
    Err(Pre::Fail)
}

fn token_form(w: &CheckWorld, scopes: Option<&str>) -> Result<String, StepFail> {
    let ctx = w.ctx()?;
    let cfg = of_target(&ctx);
    let client_id = cfg
        .client_id
        .clone()
        .unwrap_or_else(|| format!("finsandbox-harness-{}", w.scenario_no));
    let secret = cfg
        .client_secret
        .clone()
        .unwrap_or_else(|| format!("finsandbox-{}-secret", w.scenario_no));
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "client_credentials");
    form.append_pair("client_id", &client_id);
    form.append_pair("client_secret", &secret);
    if let Some(s) = scopes {
        form.append_pair("scope", s);
    }
    Ok(form.finish())
}

/// POSTs a form to the token endpoint and keeps the answer as the last response.
async fn post_token_form(w: &mut CheckWorld, form: String) -> StepResult {
    let ctx = w.ctx()?;
    let url = token_url(&ctx);
    let headers = vec![("accept".to_string(), "application/json".to_string())];
    match ctx
        .client
        .send_within(
            "POST",
            &url,
            &headers,
            Some(("application/x-www-form-urlencoded", form.into_bytes())),
            w.deadline,
        )
        .await
    {
        Ok(s) => {
            w.last = Some(s);
            Ok(())
        }
        Err((m, e)) => w.fail_with_evidence(format!("POST {url}: {m}"), e),
    }
}

/// A token with `scopes` (None: every scope of the spec).
async fn obtain_token(w: &mut CheckWorld, scopes: Option<Vec<String>>) -> Result<String, Pre> {
    let ctx = w.ctx()?;
    let configured = of_target(&ctx).token;
    if scopes.is_none()
        && let Some(t) = configured.clone()
    {
        return Ok(t);
    }
    let wanted = scopes.unwrap_or_else(|| every_scope(&ctx)).join(" ");
    let form = token_form(w, Some(&wanted))?;
    post_token_form(w, form).await?;
    let summary = error_summary(w.last()?);
    let hint = if configured.is_some() {
        " ([portadores] token carries every scope and cannot stand for a narrower one; set [portadores] client-id and client-secret)"
    } else {
        " (set [portadores] token, or client-id and client-secret, in target.toml)"
    };
    steps::token_answer(w, "card-holder", &wanted, &summary, hint)
}

async fn helper_token(w: &mut CheckWorld) -> Result<String, Pre> {
    if let Some(t) = state(w).helper.clone() {
        return Ok(t);
    }
    let t = obtain_token(w, None).await?;
    state(w).helper = Some(t.clone());
    Ok(t)
}

/// A request with the harness's token that leaves the scenario's last response as it was,
/// and answers what it got. A token that expired on the sandbox clock is renewed once.
async fn peek(
    w: &mut CheckWorld,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<Sent, Pre> {
    let kept = w.last.take();
    let result = harness_call(w, method, path, body).await;
    let got = w.last.take();
    w.last = kept;
    match (result, got) {
        (Ok(()), Some(sent)) => Ok(sent),
        (Err(e), got) => {
            if let (Some(g), Some(f)) = (got, w.failure.as_mut())
                && f.evidence.is_none()
            {
                f.evidence = Some(g.exchange);
            }
            Err(e)
        }
        (Ok(()), None) => Err(Pre::Fail),
    }
}

async fn harness_call(
    w: &mut CheckWorld,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<(), Pre> {
    let bytes = body.map(|b| b.to_string().into_bytes());
    for attempt in 0..2 {
        let token = helper_token(w).await?;
        let payload = bytes.clone().map(|b| ("application/json", b));
        w.request(method, path, Auth::Token(Some(token)), payload)
            .await?;
        if attempt > 0 || w.last()?.status != 401 {
            break;
        }
        state(w).helper = None;
    }
    Ok(())
}

/// Fails the step on an answer that is not `expected`, with it as the evidence.
fn expect(w: &mut CheckWorld, sent: &Sent, what: &str, expected: u16) -> Result<(), Pre> {
    if sent.status == expected {
        return Ok(());
    }
    w.last = Some(sent.clone());
    w.fail(
        format!(
            "{what} answered HTTP {}{}",
            sent.status,
            error_summary(sent)
        ),
        Some(expected.to_string()),
        Some(sent.status.to_string()),
        Vec::new(),
    )?;
    Err(Pre::Fail)
}

/// The product and store an account of `pessoa` is opened on.
async fn offer(w: &mut CheckWorld, pessoa: char) -> Result<Offer, Pre> {
    let ctx = w.ctx()?;
    let cfg = of_target(&ctx);
    let configured = match pessoa {
        'J' => cfg.produto_pj.zip(cfg.loja_pj),
        _ => cfg.produto_pf.zip(cfg.loja_pf),
    };
    if let Some((produto, loja)) = configured {
        return Ok(Offer {
            produto,
            loja,
            limite: None,
            renda_minima: 0.0,
        });
    }
    let key = if pessoa == 'J' { "pj" } else { "pf" };
    let Some(control) = ctx.target.control_url.clone() else {
        return Err(Pre::Skip(format!(
            "opening a {} account needs a product and a store: set [portadores] produto-{key} and loja-{key} in target.toml (a finsandbox sandbox lists its own at GET /sandbox/portadores/products)",
            key.to_uppercase()
        )));
    };
    let url = format!("{control}/portadores/products");
    let sent = match ctx
        .client
        .send_within("GET", &url, &[], None, w.deadline)
        .await
    {
        Ok(s) => s,
        Err((m, e)) => {
            w.fail_with_evidence(format!("control API GET {url}: {m}"), e)?;
            return Err(Pre::Fail);
        }
    };
    expect(w, &sent, "GET /sandbox/portadores/products", 200)?;
    let publico = if pessoa == 'J' { "PJ" } else { "PF" };
    let body = sent.json.clone().unwrap_or(Value::Null);
    let found = body["produtos"].as_array().and_then(|l| {
        l.iter().find_map(|p| {
            if p["publico"] != publico {
                return None;
            }
            let produto = u32::try_from(p["id"].as_u64()?).ok()?;
            let loja = u32::try_from(p["idLojas"].as_array()?.first()?.as_u64()?).ok()?;
            Some(Offer {
                produto,
                loja,
                limite: None,
                renda_minima: p["rendaMinima"].as_f64().unwrap_or(0.0),
            })
        })
    });
    match found {
        Some(o) => Ok(o),
        None => {
            w.last = Some(sent);
            w.fail(
                format!("the sandbox lists no {publico} product sold by a store"),
                None,
                None,
                Vec::new(),
            )?;
            Err(Pre::Fail)
        }
    }
}

/// The opening body of the scenario's document (`attempt` picks another candidate).
async fn opening_body(
    w: &mut CheckWorld,
    pessoa: char,
    attempt: u32,
) -> Result<(String, Value), Pre> {
    let ctx = w.ctx()?;
    let offer = offer(w, pessoa).await?;
    let kind = if pessoa == 'J' { "cnpj" } else { "cpf" };
    let document = candidate(ctx.seed, w.scenario_no, kind, attempt);
    let body = if pessoa == 'J' {
        bodies::pj_body(ctx.seed, &document, offer)
    } else {
        bodies::pf_body(ctx.seed, &document, offer)
    };
    Ok((document, body))
}

/// Remembers an account the scenario opened (from its body and the 201 answer).
async fn keep_opened(
    w: &mut CheckWorld,
    pessoa: char,
    document: String,
    body: Value,
    opened: Value,
) -> Result<(), Pre> {
    let Some(id) = opened["contaCartao"].as_u64() else {
        let last = w.last()?.clone();
        w.last = Some(last);
        w.fail(
            "the opening answered 201 without contaCartao",
            Some("contaCartao".into()),
            None,
            Vec::new(),
        )?;
        return Err(Pre::Fail);
    };
    let key = if pessoa == 'J' {
        "cnpjPortador"
    } else {
        "cpfPortador"
    };
    w.values.insert(key.into(), document.clone());
    w.values.insert("idPortador".into(), id.to_string());
    if let Some(rg) = body["rg"].as_str() {
        w.values.insert("rgPortador".into(), rg.to_string());
    }
    if let Some(produto) = body["idProduto"].as_u64() {
        w.values.insert("idProduto".into(), produto.to_string());
    }
    let st = state(w);
    st.id = Some(id);
    st.pessoa = Some(pessoa);
    st.document = Some(document);
    st.opening = Some(body);
    st.opened = Some(opened);
    st.password = None;
    note_history(w).await
}

/// Opens the scenario's account with the harness's token, trying another document when the
/// target already has an account for one on that product.
async fn open_account(w: &mut CheckWorld, pessoa: char) -> Result<(), Pre> {
    let route = if pessoa == 'J' { "pj" } else { "pf" };
    for attempt in 0..10 {
        let (document, body) = opening_body(w, pessoa, attempt).await?;
        let sent = peek(w, "POST", &format!("{API}/contas/{route}"), Some(&body)).await?;
        match sent.status {
            201 => {
                let opened = sent.json.clone().unwrap_or(Value::Null);
                return keep_opened(w, pessoa, document, body, opened).await;
            }
            409 => continue,
            _ => {
                expect(
                    w,
                    &sent,
                    &format!("opening the scenario's {} account", route.to_uppercase()),
                    201,
                )?;
            }
        }
    }
    w.fail(
        "ten documents in a row already have an account on the product at the target",
        None,
        None,
        Vec::new(),
    )?;
    Err(Pre::Fail)
}

/// Reads the history's size (harness token) and keeps it as seen.
async fn note_history(w: &mut CheckWorld) -> Result<(), Pre> {
    let (total, _) = history_head(w).await?;
    state(w).history_seen = Some(total);
    Ok(())
}

/// The history's size and newest event.
async fn history_head(w: &mut CheckWorld) -> Result<(u64, Value), Pre> {
    let id = account_id(w)?;
    let sent = peek(
        w,
        "GET",
        &format!("{API}/{id}/historico?tamanhoPagina=1"),
        None,
    )
    .await?;
    expect(w, &sent, "reading the account's history", 200)?;
    let body = sent.json.clone().unwrap_or(Value::Null);
    match body["totalElementos"].as_u64() {
        Some(total) => Ok((total, body["conteudo"][0].clone())),
        None => {
            w.last = Some(sent);
            w.fail(
                "the history answered without totalElementos",
                Some("totalElementos".into()),
                None,
                Vec::new(),
            )?;
            Err(Pre::Fail)
        }
    }
}

/// The account's record (`GET /{idPortador}`, harness token).
async fn record(w: &mut CheckWorld) -> Result<Value, Pre> {
    let id = account_id(w)?;
    let sent = peek(w, "GET", &format!("{API}/{id}"), None).await?;
    expect(w, &sent, "reading the account", 200)?;
    Ok(sent.json.unwrap_or(Value::Null))
}

/// A look-up's answer, failing the step on anything but 200.
async fn look_up(w: &mut CheckWorld, route: &str) -> Result<Value, Pre> {
    let sent = peek(w, "GET", &format!("{API}{route}"), None).await?;
    expect(w, &sent, &format!("GET {route}"), 200)?;
    Ok(sent.json.unwrap_or(Value::Null))
}

/// Fails with a disagreement between two answers.
fn disagree(w: &mut CheckWorld, what: String, expected: &Value, actual: &Value) -> Result<(), Pre> {
    w.fail(
        what,
        Some(expected.to_string()),
        Some(actual.to_string()),
        Vec::new(),
    )?;
    Err(Pre::Fail)
}

/// Every look-up of the scenario's account agrees with its opening and with `GET /{id}`.
async fn look_ups_agree(w: &mut CheckWorld) -> Result<(), Pre> {
    let id = account_id(w)?;
    let st = state(w);
    let (Some(body), Some(opened), Some(pessoa), Some(document)) = (
        st.opening.clone(),
        st.opened.clone(),
        st.pessoa,
        st.document.clone(),
    ) else {
        w.fail(
            "the agreement of look-ups needs an account the scenario opened",
            None,
            None,
            Vec::new(),
        )?;
        return Err(Pre::Fail);
    };
    let record = record(w).await?;
    let masked = opened["cartaoMascarado"].clone();
    let name_field = if pessoa == 'J' { "razaoSocial" } else { "nome" };
    let mut checks: Vec<(String, Value, Value)> = vec![
        ("GET /{id}: id".into(), json!(id), record["id"].clone()),
        (
            "GET /{id}: nome".into(),
            body[name_field].clone(),
            record["nome"].clone(),
        ),
        (
            "GET /{id}: cartao (the masked card of the opening)".into(),
            masked.clone(),
            record["cartao"].clone(),
        ),
        (
            "GET /{id}: ciclo.diaVencimento (the opening's due day)".into(),
            opened["diaVencimento"].clone(),
            record["ciclo"]["diaVencimento"].clone(),
        ),
        (
            "GET /{id}: produto.id".into(),
            body["idProduto"].clone(),
            record["produto"]["id"].clone(),
        ),
    ];
    if pessoa == 'F' {
        checks.extend([
            (
                "GET /{id}: cpf".into(),
                json!(document),
                record["cpf"].clone(),
            ),
            (
                "GET /{id}: rg".into(),
                body["rg"].clone(),
                record["rg"].clone(),
            ),
            (
                "GET /{id}: clienteDataNascimento".into(),
                body["dataNascimento"].clone(),
                record["clienteDataNascimento"].clone(),
            ),
            (
                "GET /{id}: enderecoResidencial.cep".into(),
                body["enderecoResidencial"]["cep"].clone(),
                record["enderecoResidencial"]["cep"].clone(),
            ),
        ]);
    }
    let info = look_up(w, &format!("/{id}/informacoes")).await?;
    checks.extend([
        (
            "GET /{id}/informacoes: nome".into(),
            record["nome"].clone(),
            info["nome"].clone(),
        ),
        (
            "GET /{id}/informacoes: telefones (as many as opened)".into(),
            json!(body["telefones"].as_array().map_or(0, Vec::len)),
            json!(info["telefones"].as_array().map_or(0, Vec::len)),
        ),
    ]);
    for (what, expected, actual) in checks {
        if expected != actual && !same_number(&expected, &actual) {
            return disagree(w, what, &expected, &actual);
        }
    }

    // Lists that must hold the account, with the record's values.
    let doc_query = if pessoa == 'J' {
        format!("cnpj={document}")
    } else {
        format!("cpf={document}")
    };
    let mut lists = vec![format!("/contas?{doc_query}")];
    if pessoa == 'J' {
        lists.push(format!("/cnpj?cnpj={document}"));
    } else {
        lists.push(format!(
            "/rg?rg={}",
            body["rg"].as_str().unwrap_or_default()
        ));
        let name = record["nome"].as_str().unwrap_or_default();
        let q: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
        lists.push(format!("/nomes?nome={q}&tamanhoPagina=100"));
    }
    for route in lists {
        let answer = look_up(w, &route).await?;
        let Some(item) = items(&answer)
            .into_iter()
            .find(|a| a["idPortador"].as_u64() == Some(id))
        else {
            return disagree(
                w,
                format!("GET {route} does not list the account {id}"),
                &json!(id),
                &answer,
            );
        };
        for (k, expected) in [
            ("cartaoMascarado", &masked),
            ("nome", &record["nome"]),
            ("statusCliente", &record["statusCliente"]),
            ("statusCartao", &record["statusCartao"]),
        ] {
            if item[k] != *expected {
                return disagree(
                    w,
                    format!("GET {route}: {k} of the account {id}"),
                    expected,
                    &item[k],
                );
            }
        }
        if item["produto"]["id"] != record["produto"]["id"] {
            return disagree(
                w,
                format!("GET {route}: produto.id of the account {id}"),
                &record["produto"]["id"],
                &item["produto"]["id"],
            );
        }
    }
    if pessoa == 'J' {
        return Ok(());
    }

    // The full record by CPF is the record; the summary and the batch agree with it.
    let full = look_up(w, &format!("/completo/cpf?cpf={document}")).await?;
    let Some(same) = items(&full)
        .into_iter()
        .find(|r| r["id"].as_u64() == Some(id))
    else {
        return disagree(
            w,
            format!("GET /completo/cpf does not hold the account {id}"),
            &json!(id),
            &full,
        );
    };
    for k in [
        "nome",
        "cpf",
        "rg",
        "cartao",
        "statusCliente",
        "estaEmAtraso",
        "ciclo",
        "produto",
    ] {
        if same[k] != record[k] {
            return disagree(w, format!("GET /completo/cpf: {k}"), &record[k], &same[k]);
        }
    }
    let simple = look_up(w, &format!("/simplificado/cpf?cpf={document}")).await?;
    let Some(summary) = items(&simple)
        .into_iter()
        .find(|r| r["id"].as_u64() == Some(id))
    else {
        return disagree(
            w,
            format!("GET /simplificado/cpf does not hold the account {id}"),
            &json!(id),
            &simple,
        );
    };
    for (what, expected, actual) in [
        (
            "limite",
            &record["extratoClienteResponse"]["limite"],
            &summary["limite"],
        ),
        ("cartaoMascarado", &masked, &summary["cartaoMascarado"]),
        (
            "diaVencimento",
            &record["ciclo"]["diaVencimento"],
            &summary["diaVencimento"],
        ),
        (
            "statusCliente",
            &record["statusCliente"],
            &summary["statusCliente"],
        ),
        (
            "estaEmAtraso",
            &record["estaEmAtraso"],
            &summary["estaEmAtraso"],
        ),
    ] {
        if expected != actual && !same_number(expected, actual) {
            return disagree(
                w,
                format!("GET /simplificado/cpf: {what}"),
                expected,
                actual,
            );
        }
    }
    let batch = look_up(w, &format!("/lote?ids={id}")).await?;
    let item = &batch["itens"][0];
    if item["encontrado"] != true || item["portador"] != summary {
        return disagree(
            w,
            format!("GET /lote?ids={id}: the item is the summary /simplificado/cpf answers"),
            &summary,
            item,
        );
    }
    Ok(())
}

/// The scenario's account's limit now, by its record.
async fn current_limit(w: &mut CheckWorld) -> Result<f64, Pre> {
    let record = record(w).await?;
    match record["extratoClienteResponse"]["limite"].as_f64() {
        Some(l) => Ok(l),
        None => {
            w.fail(
                "the record has no extratoClienteResponse.limite",
                Some("a number".into()),
                Some(record["extratoClienteResponse"].to_string()),
                Vec::new(),
            )?;
            Err(Pre::Fail)
        }
    }
}

/// `PATCH /{id}/limites` to the limit now plus `delta`, with the scenario's token.
async fn change_limit(w: &mut CheckWorld, delta: f64) -> Result<(), Pre> {
    let id = account_id(w)?;
    let before = current_limit(w).await?;
    let asked = (before + delta).max(0.0);
    let st = state(w);
    st.limit_before = Some(before);
    st.limit_asked = Some(asked);
    let body = json!({"limiteRotativo": asked}).to_string().into_bytes();
    w.request(
        "PATCH",
        &format!("{API}/{id}/limites"),
        Auth::Resource,
        Some(("application/json", body)),
    )
    .await
    .map_err(Pre::from)
}

/// The account's limit by its record, its summary and its limit history all equal `expected`.
async fn limit_is(w: &mut CheckWorld, expected: f64, what: &str) -> Result<(), Pre> {
    let id = account_id(w)?;
    let record = record(w).await?;
    let cpf = record["cpf"].as_str().unwrap_or_default().to_string();
    let mut seen = vec![(
        "GET /{id}: extratoClienteResponse.limite".to_string(),
        record["extratoClienteResponse"]["limite"].clone(),
    )];
    if !cpf.is_empty() {
        let simple = look_up(w, &format!("/simplificado/cpf?cpf={cpf}")).await?;
        if let Some(s) = items(&simple)
            .into_iter()
            .find(|s| s["id"].as_u64() == Some(id))
        {
            seen.push(("GET /simplificado/cpf: limite".into(), s["limite"].clone()));
        }
    }
    let log = look_up(w, &format!("/{id}/limites/historico")).await?;
    seen.push((
        "GET /{id}/limites/historico: the newest limiteNovo".into(),
        log["conteudo"][0]["limiteNovo"].clone(),
    ));
    for (where_, got) in seen {
        if !same_number(&got, &json!(expected)) {
            return disagree(w, format!("{where_} is not {what}"), &json!(expected), &got);
        }
    }
    Ok(())
}

/// A block type of the issuer's table (`definitive` or not), for the scenario's block.
async fn block_type(w: &mut CheckWorld, definitive: bool) -> Result<u64, Pre> {
    let tipos = look_up(w, "/bloqueios/tipos").await?;
    let list = items(&tipos);
    // A holder's own request first (a temporary block the holder asks for, a lost card).
    let pick = list
        .iter()
        .filter(|t| t["definitivo"] == definitive)
        .min_by_key(|t| {
            (
                t["origem"] != "PORTADOR",
                t["id"].as_u64().unwrap_or(u64::MAX),
            )
        })
        .and_then(|t| t["id"].as_u64());
    match pick {
        Some(id) => Ok(id),
        None => {
            w.fail(
                format!(
                    "GET /bloqueios/tipos lists no {} block type",
                    if definitive {
                        "definitive"
                    } else {
                        "temporary"
                    }
                ),
                None,
                Some(tipos.to_string()),
                Vec::new(),
            )?;
            Err(Pre::Fail)
        }
    }
}

/// Sends the holder a password by SMS and reads it from the sandbox's outbox.
async fn password_by_sms(w: &mut CheckWorld) -> Result<String, Pre> {
    let ctx = w.ctx()?;
    let Some(control) = ctx.target.control_url.clone() else {
        return Err(Pre::Skip(
            "reading the password a holder receives by SMS needs the sandbox control API (GET /sandbox/portadores/sms), which this target does not have".into(),
        ));
    };
    let id = account_id(w)?;
    let sent = peek(w, "POST", &format!("{API}/{id}/senhas/sms"), None).await?;
    expect(w, &sent, "POST /{idPortador}/senhas/sms", 202)?;
    let message = sent
        .json
        .as_ref()
        .and_then(|b| b["idMensagem"].as_str())
        .map(str::to_string);
    let url = format!("{control}/portadores/sms?idPortador={id}");
    let outbox = match ctx
        .client
        .send_within("GET", &url, &[], None, w.deadline)
        .await
    {
        Ok(s) => s,
        Err((m, e)) => {
            w.fail_with_evidence(format!("control API GET {url}: {m}"), e)?;
            return Err(Pre::Fail);
        }
    };
    expect(w, &outbox, "GET /sandbox/portadores/sms", 200)?;
    let found = outbox.json.as_ref().and_then(|b| {
        b["mensagens"].as_array()?.iter().find_map(|m| {
            (message.is_none() || m["idMensagem"].as_str() == message.as_deref())
                .then(|| m["senha"].as_str().map(str::to_string))
                .flatten()
        })
    });
    match found {
        Some(pin) => {
            state(w).password = Some(pin.clone());
            Ok(pin)
        }
        None => {
            w.last = Some(outbox);
            w.fail(
                format!(
                    "the SMS {} is not in the sandbox's outbox",
                    message.unwrap_or_default()
                ),
                None,
                None,
                Vec::new(),
            )?;
            Err(Pre::Fail)
        }
    }
}

// ---------------------------------------------------------------------------------- tokens

#[given("a card-holder token with every scope")]
async fn token_every_scope(w: &mut CheckWorld) -> StepResult {
    let r = obtain_token(w, None).await.map(|t| {
        w.set_token(NAME, Some(t.clone()));
        state(w).helper = Some(t);
    });
    settle(w, r)
}

#[given(expr = "a card-holder token with the scopes {string}")]
async fn token_with_scopes(w: &mut CheckWorld, scopes: String) -> StepResult {
    let wanted: Vec<String> = scopes
        .split([' ', ',', '|'])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let r = obtain_token(w, Some(wanted))
        .await
        .map(|t| w.set_token(NAME, Some(t)));
    settle(w, r)
}

#[when(expr = "I ask for a card-holder token with the scopes {string}")]
async fn ask_token(w: &mut CheckWorld, scopes: String) -> StepResult {
    let form = token_form(w, Some(&scopes))?;
    post_token_form(w, form).await
}

/// The form exactly as written (grant types and fields a client gets wrong).
#[when(expr = "I send the card-holder token endpoint the form {string}")]
async fn ask_token_form(w: &mut CheckWorld, form: String) -> StepResult {
    post_token_form(w, form).await
}

// ---------------------------------------------------------------------------------- accounts

#[given("a card holder with a PF account")]
async fn holder_pf(w: &mut CheckWorld) -> StepResult {
    let r = open_account(w, 'F').await;
    settle(w, r)
}

#[given("a card holder with a PJ account")]
async fn holder_pj(w: &mut CheckWorld) -> StepResult {
    let r = open_account(w, 'J').await;
    settle(w, r)
}

/// A holder the sandbox generates from the persona of a CPF nobody opened an account for.
#[given("a CPF nobody opened an account for")]
async fn generated_holder(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let ctx = w.ctx()?;
        if ctx.target.control_url.is_none() {
            return Err(Pre::Skip(
                "holders generated from the persona of a CPF nobody opened an account for are the finsandbox sandbox's; this target has no control API, so it is not one".into(),
            ));
        }
        let cpf = candidate(ctx.seed, w.scenario_no, "cpf", 0);
        let listed = look_up(w, &format!("/contas?cpf={cpf}")).await?;
        let accounts = items(&listed);
        let Some(id) = accounts.first().and_then(|a| a["idPortador"].as_u64()) else {
            return disagree(
                w,
                format!("GET /contas?cpf={cpf} lists no generated account for a valid CPF"),
                &json!("one account"),
                &listed,
            );
        };
        w.values.insert("cpfPortador".into(), cpf.clone());
        w.values.insert("idPortador".into(), id.to_string());
        let st = state(w);
        st.id = Some(id);
        st.pessoa = Some('F');
        st.document = Some(cpf);
        note_history(w).await
    }
    .await;
    settle(w, r)
}

#[when("I open the PF account")]
async fn open_pf(w: &mut CheckWorld) -> StepResult {
    let r = open_edited(w, 'F', |_| {}).await;
    settle(w, r)
}

#[when("I open the PJ account")]
async fn open_pj(w: &mut CheckWorld) -> StepResult {
    let r = open_edited(w, 'J', |_| {}).await;
    settle(w, r)
}

#[when(expr = "I open the PF account with the field {string} set to {string}")]
async fn open_pf_with_string(w: &mut CheckWorld, field: String, value: String) -> StepResult {
    let value = w.fill_placeholders(&value)?;
    let r = open_edited(w, 'F', |b| {
        edit_field(b, &field, Some(Value::String(value)))
    })
    .await;
    settle(w, r)
}

#[when(expr = "I open the PF account with the field {string} set to the JSON {string}")]
async fn open_pf_with_json(w: &mut CheckWorld, field: String, value: String) -> StepResult {
    let value = w.fill_placeholders(&value)?;
    let parsed: Value = match serde_json::from_str(&value) {
        Ok(v) => v,
        Err(e) => {
            return w.fail(
                format!("\"{value}\" is not JSON: {e}"),
                None,
                None,
                Vec::new(),
            );
        }
    };
    let r = open_edited(w, 'F', |b| edit_field(b, &field, Some(parsed))).await;
    settle(w, r)
}

/// A CEP of another state than the address's UF (the UF kept), so only the CEP is wrong.
#[when("I open the PF account with a CEP of another state")]
async fn open_pf_foreign_cep(w: &mut CheckWorld) -> StepResult {
    let r = open_edited(w, 'F', |b| {
        let uf = b["enderecoResidencial"]["uf"].as_str().unwrap_or_default();
        // Avenida Paulista's CEP, or Rio Branco's (Acre) for an address in São Paulo.
        let cep = if uf == "SP" { "69900000" } else { "01310100" };
        b["enderecoResidencial"]["cep"] = json!(cep);
    })
    .await;
    settle(w, r)
}

#[when(expr = "I open the PF account without the field {string}")]
async fn open_pf_without(w: &mut CheckWorld, field: String) -> StepResult {
    let r = open_edited(w, 'F', |b| edit_field(b, &field, None)).await;
    settle(w, r)
}

/// The scenario's account opened again, with the body it was opened with.
#[when("I open the same account again")]
async fn open_again(w: &mut CheckWorld) -> StepResult {
    let st = state(w);
    let (Some(body), Some(pessoa)) = (st.opening.clone(), st.pessoa) else {
        return w.fail(
            "no account was opened before this step",
            None,
            None,
            Vec::new(),
        );
    };
    let route = if pessoa == 'J' { "pj" } else { "pf" };
    let bytes = body.to_string().into_bytes();
    w.request(
        "POST",
        &format!("{API}/contas/{route}"),
        Auth::Resource,
        Some(("application/json", bytes)),
    )
    .await
}

/// POSTs the scenario's opening body edited by `edit` with the scenario's token; a 201 makes the
/// account the scenario's.
async fn open_edited(
    w: &mut CheckWorld,
    pessoa: char,
    edit: impl FnOnce(&mut Value),
) -> Result<(), Pre> {
    let (document, mut body) = opening_body(w, pessoa, 0).await?;
    edit(&mut body);
    let route = if pessoa == 'J' { "pj" } else { "pf" };
    w.request(
        "POST",
        &format!("{API}/contas/{route}"),
        Auth::Resource,
        Some(("application/json", body.to_string().into_bytes())),
    )
    .await?;
    let last = w.last()?.clone();
    if last.status == 201 {
        let opened = last.json.clone().unwrap_or(Value::Null);
        keep_opened(w, pessoa, document, body, opened).await?;
        // Reading the history kept the answer of the opening as the last response.
    }
    Ok(())
}

/// Sets (or with `None` removes) the field at a dotted path (`enderecoResidencial.cep`,
/// `telefones.0.area`).
fn edit_field(body: &mut Value, path: &str, value: Option<Value>) {
    let parts: Vec<&str> = path.split('.').collect();
    let Some((last, parents)) = parts.split_last() else {
        return;
    };
    let mut at = body;
    for p in parents {
        at = match p.parse::<usize>() {
            Ok(i) if at.is_array() => &mut at[i],
            _ => {
                if at.get(*p).is_none() {
                    at[*p] = json!({});
                }
                &mut at[*p]
            }
        };
    }
    match (value, at) {
        (Some(v), Value::Array(a)) => {
            if let Some(slot) = last.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                *slot = v;
            }
        }
        (Some(v), at) => at[*last] = v,
        (None, Value::Object(o)) => {
            o.remove(*last);
        }
        (None, Value::Array(a)) => {
            if let Some(i) = last.parse::<usize>().ok().filter(|i| *i < a.len()) {
                a.remove(i);
            }
        }
        (None, _) => {}
    }
}

#[then("every look-up agrees with the account")]
async fn every_look_up_agrees(w: &mut CheckWorld) -> StepResult {
    let r = look_ups_agree(w).await;
    settle(w, r)
}

/// The record, the summary by CPF and the account listing show the same status.
#[then(expr = "the account's status is {string}")]
async fn status_is(w: &mut CheckWorld, expected: String) -> StepResult {
    let r = async {
        let id = account_id(w)?;
        let record = record(w).await?;
        let document = state(w).document.clone().unwrap_or_default();
        let listed = look_up(w, &format!("/contas?cpf={document}")).await?;
        let item = items(&listed)
            .into_iter()
            .find(|a| a["idPortador"].as_u64() == Some(id))
            .unwrap_or(Value::Null);
        for (what, got) in [
            ("GET /{id}: statusCliente", &record["statusCliente"]),
            ("GET /contas?cpf=: statusCliente", &item["statusCliente"]),
        ] {
            if got != expected.as_str() {
                return disagree(w, what.to_string(), &json!(expected), got);
            }
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

// ------------------------------------------------------------------------- the Erro body

#[then(expr = "the card-holder error code is {string}")]
async fn error_code(w: &mut CheckWorld, code: String) -> StepResult {
    let last = w.last()?.clone();
    let body = last.json.clone().unwrap_or(Value::Null);
    let got = body["codigo"].as_str().unwrap_or("").to_string();
    if got != code {
        return w.fail(
            format!("expected the error code {code}, got \"{got}\""),
            Some(code),
            Some(got),
            Vec::new(),
        );
    }
    if body["status"].as_u64() != Some(u64::from(last.status)) {
        return w.fail(
            "the error body's status is not the HTTP status",
            Some(last.status.to_string()),
            Some(body["status"].to_string()),
            Vec::new(),
        );
    }
    let header = last.header("x-request-id");
    if body["idRequisicao"].as_str() != header {
        return w.fail(
            "the error body's idRequisicao is not the X-Request-Id of the answer",
            header.map(str::to_string),
            Some(body["idRequisicao"].to_string()),
            Vec::new(),
        );
    }
    Ok(())
}

#[then(expr = "the card-holder error names the field {string}")]
async fn error_field(w: &mut CheckWorld, field: String) -> StepResult {
    let body = w.last()?.json.clone().unwrap_or(Value::Null);
    let fields: Vec<String> = body["erros"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|x| x["campo"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if fields.contains(&field) {
        return Ok(());
    }
    w.fail(
        format!("the error does not name the field {field}"),
        Some(field),
        Some(fields.join(", ")),
        Vec::new(),
    )
}

#[then("the response echoes the request id")]
async fn echoes_request_id(w: &mut CheckWorld) -> StepResult {
    let last = w.last()?;
    let sent = last.request_header("x-request-id").map(str::to_string);
    let got = last.header("x-request-id").map(str::to_string);
    match (sent, got) {
        (Some(s), Some(g)) if s == g => Ok(()),
        (s, g) => w.fail(
            "X-Request-Id was not echoed",
            s,
            Some(g.unwrap_or_else(|| "(absent)".into())),
            Vec::new(),
        ),
    }
}

// ----------------------------------------------------------------------------------- history

#[then(expr = "the history has a new {string} event")]
async fn history_new_event(w: &mut CheckWorld, tipo: String) -> StepResult {
    let r = async {
        let seen = state(w).history_seen.unwrap_or(0);
        let (total, newest) = history_head(w).await?;
        state(w).history_seen = Some(total);
        if total != seen + 1 {
            return disagree(
                w,
                format!("the change must add one event to the history (it held {seen})"),
                &json!(seen + 1),
                &json!(total),
            );
        }
        if newest["tipo"] != tipo.as_str() {
            return disagree(
                w,
                "the history's newest event".into(),
                &json!(tipo),
                &newest["tipo"],
            );
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

#[then(expr = "the history's newest event changed the fields {string}")]
async fn history_fields(w: &mut CheckWorld, list: String) -> StepResult {
    let r = async {
        let (_, newest) = history_head(w).await?;
        let changed: Vec<String> = newest["camposAlterados"]
            .as_array()
            .map(|l| {
                l.iter()
                    .filter_map(|f| f.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        for f in split_list(&list) {
            if !changed.contains(&f) {
                return disagree(
                    w,
                    format!("the newest event's camposAlterados lacks {f}"),
                    &json!(f),
                    &newest["camposAlterados"],
                );
            }
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

#[then("the history has no new event")]
async fn history_unchanged(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let seen = state(w).history_seen.unwrap_or(0);
        let (total, newest) = history_head(w).await?;
        if total != seen {
            return disagree(
                w,
                format!(
                    "a refused or empty request must leave no event (the newest is {})",
                    newest["tipo"]
                ),
                &json!(seen),
                &json!(total),
            );
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

// ------------------------------------------------------------------------- blocks and limits

#[when(expr = "I block the account with a {word} block")]
async fn block(w: &mut CheckWorld, kind: String) -> StepResult {
    let definitive = match kind.as_str() {
        "temporary" => false,
        "definitive" => true,
        other => {
            return w.fail(
                format!("a block is temporary or definitive, not {other}"),
                None,
                None,
                Vec::new(),
            );
        }
    };
    let r = async {
        let id = account_id(w)?;
        let tipo = block_type(w, definitive).await?;
        let body =
            json!({"idPortador": id, "idTipoBloqueio": tipo, "observacao": "finsandbox check"});
        w.request(
            "POST",
            &format!("{API}/bloqueios"),
            Auth::Resource,
            Some(("application/json", body.to_string().into_bytes())),
        )
        .await
        .map_err(Pre::from)
    }
    .await;
    settle(w, r)
}

#[when("I unblock the account")]
async fn unblock(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let id = account_id(w)?;
        let body = json!({"idPortador": id});
        w.request(
            "POST",
            &format!("{API}/desbloqueios"),
            Auth::Resource,
            Some(("application/json", body.to_string().into_bytes())),
        )
        .await
        .map_err(Pre::from)
    }
    .await;
    settle(w, r)
}

#[when(expr = "I raise the account's limit by {int}")]
async fn raise_limit(w: &mut CheckWorld, delta: u32) -> StepResult {
    let r = change_limit(w, f64::from(delta)).await;
    settle(w, r)
}

#[when(expr = "I lower the account's limit by {int}")]
async fn lower_limit(w: &mut CheckWorld, delta: u32) -> StepResult {
    let r = change_limit(w, -f64::from(delta)).await;
    settle(w, r)
}

#[then("the account's limit is the one asked for")]
async fn limit_asked(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let Some(asked) = state(w).limit_asked else {
            return disagree(
                w,
                "no limit was asked for".into(),
                &json!("a limit"),
                &Value::Null,
            );
        };
        limit_is(w, asked, "the limit asked for").await
    }
    .await;
    settle(w, r)
}

#[then("the account's limit is unchanged")]
async fn limit_unchanged(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let Some(before) = state(w).limit_before else {
            return disagree(
                w,
                "no limit change was tried".into(),
                &json!("a limit"),
                &Value::Null,
            );
        };
        let now = current_limit(w).await?;
        if (now - before).abs() >= 0.005 {
            return disagree(
                w,
                "a refused limit change must leave the limit as it was".into(),
                &json!(before),
                &json!(now),
            );
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

// ---------------------------------------------------------------------------- phones, SMS

#[when("I delete the holder's SMS phone")]
async fn delete_sms_phone(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let id = account_id(w)?;
        let phones = look_up(w, &format!("/{id}/telefones")).await?;
        let Some(phone) = items(&phones)
            .into_iter()
            .find(|t| t["receberSMS"] == true)
            .and_then(|t| t["id"].as_u64())
        else {
            return disagree(
                w,
                "the holder has no phone receiving SMS".into(),
                &json!("receberSMS: true"),
                &phones,
            );
        };
        state(w).deleted_phone = Some(phone);
        w.request(
            "DELETE",
            &format!("{API}/{id}/telefones/{phone}"),
            Auth::Resource,
            None,
        )
        .await
        .map_err(Pre::from)
    }
    .await;
    settle(w, r)
}

#[then("the deleted phone is gone from the holder's phones")]
async fn phone_gone(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let id = account_id(w)?;
        let Some(phone) = state(w).deleted_phone else {
            return disagree(
                w,
                "no phone was deleted".into(),
                &json!("a phone"),
                &Value::Null,
            );
        };
        for route in [format!("/{id}/telefones"), format!("/{id}/informacoes")] {
            let answer = look_up(w, &route).await?;
            let list = if route.ends_with("informacoes") {
                answer["telefones"].clone()
            } else {
                answer
            };
            if items(&list).iter().any(|t| t["id"].as_u64() == Some(phone)) {
                return disagree(
                    w,
                    format!("GET {route} still lists the deleted phone {phone}"),
                    &json!("absent"),
                    &list,
                );
            }
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

// --------------------------------------------------------------------------------- passwords

#[given("the holder has a password sent by SMS")]
async fn holder_has_sms_password(w: &mut CheckWorld) -> StepResult {
    let r = async {
        password_by_sms(w).await?;
        note_history(w).await
    }
    .await;
    settle(w, r)
}

#[when(expr = "I change the password to {string}")]
async fn change_password(w: &mut CheckWorld, nova: String) -> StepResult {
    let r = async {
        let Some(atual) = state(w).password.clone() else {
            return disagree(
                w,
                "the scenario knows no password of the holder".into(),
                &json!("a password"),
                &Value::Null,
            );
        };
        change_password_from(w, &atual, &nova).await
    }
    .await;
    settle(w, r)
}

#[when(expr = "I change the password from {string} to {string}")]
async fn change_password_given(w: &mut CheckWorld, atual: String, nova: String) -> StepResult {
    let r = change_password_from(w, &atual, &nova).await;
    settle(w, r)
}

async fn change_password_from(w: &mut CheckWorld, atual: &str, nova: &str) -> Result<(), Pre> {
    let id = account_id(w)?;
    let body = json!({"senhaAtual": atual, "novaSenha": nova});
    w.request(
        "PATCH",
        &format!("{API}/{id}/senha"),
        Auth::Resource,
        Some(("application/json", body.to_string().into_bytes())),
    )
    .await?;
    if w.last()?.status == 204 {
        state(w).password = Some(nova.to_string());
    }
    Ok(())
}

#[when(expr = "I change the password with a wrong current one {int} times")]
async fn wrong_passwords(w: &mut CheckWorld, times: u32) -> StepResult {
    let r = async {
        let known = state(w).password.clone().unwrap_or_default();
        // A six-digit password the holder does not have.
        let wrong = if known == "583920" {
            "583921"
        } else {
            "583920"
        };
        for _ in 0..times {
            change_password_from(w, wrong, "740295").await?;
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

#[then("neither the record nor the history shows the password")]
async fn password_hidden(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let id = account_id(w)?;
        let Some(pin) = state(w).password.clone() else {
            return disagree(
                w,
                "the scenario knows no password".into(),
                &json!("a password"),
                &Value::Null,
            );
        };
        for route in [
            format!("/{id}"),
            format!("/{id}/historico?tamanhoPagina=100"),
            format!("/{id}/informacoes"),
        ] {
            let sent = peek(w, "GET", &format!("{API}{route}"), None).await?;
            if sent.text.contains(&pin) {
                w.last = Some(sent);
                return disagree(
                    w,
                    format!("GET {route} shows the password"),
                    &json!("absent"),
                    &json!(pin),
                );
            }
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

// ----------------------------------------------------------------------- generated figures

#[then("the billing cycle agrees with the account")]
async fn cycle_agrees(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let id = account_id(w)?;
        let record = record(w).await?;
        let cycle = look_up(w, &format!("/{id}/ciclo")).await?;
        for k in ["id", "diaCorte", "diaVencimento", "diasCarencia"] {
            if cycle[k] != record["ciclo"][k] {
                return disagree(
                    w,
                    format!("GET /{{id}}/ciclo: {k} is not the record's ciclo.{k}"),
                    &record["ciclo"][k],
                    &cycle[k],
                );
            }
        }
        if cycle["melhorDiaCompra"] != record["melhorDiaCompra"] {
            return disagree(
                w,
                "GET /{id}/ciclo: melhorDiaCompra".into(),
                &record["melhorDiaCompra"],
                &cycle["melhorDiaCompra"],
            );
        }
        let (Some(due), Some(cut_day)) =
            (cycle["diaVencimento"].as_u64(), cycle["diaCorte"].as_u64())
        else {
            return disagree(
                w,
                "GET /{id}/ciclo: diaVencimento and diaCorte".into(),
                &json!("numbers"),
                &cycle,
            );
        };
        let best = cycle["melhorDiaCompra"].as_u64().unwrap_or(0);
        let expected_best = if cut_day >= 31 { 1 } else { cut_day + 1 };
        if best != expected_best {
            return disagree(
                w,
                "the best day to buy is the day after the cut-off".into(),
                &json!(expected_best),
                &json!(best),
            );
        }
        let next_due = date(&cycle["dataProximoVencimento"]);
        if next_due.map(|d| u64::from(d.day())) != Some(due) {
            return disagree(
                w,
                "the next due date falls on the due day".into(),
                &json!(due),
                &cycle["dataProximoVencimento"],
            );
        }
        let next_cut = date(&cycle["dataProximoCorte"]);
        if next_cut.is_none() || next_cut != date(&record["dataFechamentoProxFatura"]) {
            return disagree(
                w,
                "the next cut-off is the record's dataFechamentoProxFatura".into(),
                &record["dataFechamentoProxFatura"],
                &cycle["dataProximoCorte"],
            );
        }
        // The next due date closes one of the two cut-offs around today: it comes at most a
        // month after the last cut-off or after the next one.
        let last_cut = date(&cycle["dataUltimoCorte"]);
        if let (Some(last), Some(next), Some(d)) = (last_cut, next_cut, next_due) {
            let span = (next - last).num_days();
            if !(28..=31).contains(&span) {
                return disagree(
                    w,
                    "the last and next cut-offs are a month apart".into(),
                    &json!(last.to_string()),
                    &json!(next.to_string()),
                );
            }
            let closes = |cut: NaiveDate| (1..=31).contains(&(d - cut).num_days());
            if !(closes(last) || closes(next)) {
                return disagree(
                    w,
                    "the next due date comes within a month after a cut-off".into(),
                    &json!(format!("{last} or {next}, then {d}")),
                    &json!(d.to_string()),
                );
            }
            for (what, cut) in [("dataUltimoCorte", last), ("dataProximoCorte", next)] {
                let month_end = (cut + Duration::days(1)).day() == 1;
                if u64::from(cut.day()) != cut_day && !(month_end && u64::from(cut.day()) < cut_day)
                {
                    return disagree(
                        w,
                        format!("{what} falls on the cut-off day (or the month's last day)"),
                        &json!(cut_day),
                        &json!(cut.to_string()),
                    );
                }
            }
        } else {
            return disagree(
                w,
                "the cycle has its last and next cut-offs and next due date".into(),
                &json!("dates"),
                &cycle,
            );
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

#[then("every delinquency falls on a due date of the account and agrees with the record")]
async fn delinquencies_agree(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let id = account_id(w)?;
        let record = record(w).await?;
        let due = record["ciclo"]["diaVencimento"].as_u64();
        let page = look_up(w, &format!("/{id}/inadimplencias?tamanhoPagina=100")).await?;
        let list = items(&page);
        for item in &list {
            let day = date(&item["dataVencimentoFatura"]).map(|d| u64::from(d.day()));
            if day != due {
                return disagree(
                    w,
                    "a delinquency's invoice is due on the account's due day".into(),
                    &json!(due),
                    item,
                );
            }
            if item["situacao"] == "REGULARIZADA" && item["dataRegularizacao"].is_null() {
                return disagree(
                    w,
                    "a settled delinquency has its dataRegularizacao".into(),
                    &json!("a date"),
                    item,
                );
            }
        }
        let open = list.iter().any(|i| i["situacao"] == "EM_ABERTO");
        if record["estaEmAtraso"] != open {
            return disagree(
                w,
                "the record's estaEmAtraso says whether a delinquency is open".into(),
                &json!(open),
                &record["estaEmAtraso"],
            );
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

/// Today by the target's clock: the `Date` header of its last answer, else this machine's.
fn target_today(w: &CheckWorld) -> NaiveDate {
    w.last
        .as_ref()
        .and_then(|s| s.header("date"))
        .and_then(|d| httpdate::parse_http_date(d).ok())
        .map(|t| chrono::DateTime::<chrono::Utc>::from(t).date_naive())
        .unwrap_or_else(|| chrono::Utc::now().date_naive())
}

async fn ask_occurrences(w: &mut CheckWorld, inicio: NaiveDate, fim: NaiveDate) -> Result<(), Pre> {
    let id = account_id(w)?;
    state(w).period = Some((inicio, fim));
    w.request(
        "GET",
        &format!("{API}/{id}/ocorrencias?dataInicio={inicio}&dataFim={fim}&tamanhoPagina=100"),
        Auth::Resource,
        None,
    )
    .await
    .map_err(Pre::from)
}

#[when(expr = "I ask for the account's occurrences of the last {int} days")]
async fn occurrences_last(w: &mut CheckWorld, days: i64) -> StepResult {
    let today = target_today(w);
    let r = ask_occurrences(w, today - Duration::days(days - 1), today).await;
    settle(w, r)
}

#[when("I ask for the account's occurrences of a period one day longer than allowed")]
async fn occurrences_too_long(w: &mut CheckWorld) -> StepResult {
    let max = catalogue().map_or(92, |c| c.regras.periodo_maximo_ocorrencias_dias);
    let today = target_today(w);
    let r = ask_occurrences(w, today - Duration::days(max), today).await;
    settle(w, r)
}

#[when("I ask for the account's occurrences of a period that ends before it starts")]
async fn occurrences_inverted(w: &mut CheckWorld) -> StepResult {
    let today = target_today(w);
    let r = ask_occurrences(w, today - Duration::days(5), today - Duration::days(10)).await;
    settle(w, r)
}

#[then("every occurrence falls within the period asked")]
async fn occurrences_within(w: &mut CheckWorld) -> StepResult {
    let Some((inicio, fim)) = state(w).period else {
        return w.fail("no period was asked for", None, None, Vec::new());
    };
    let body = w.last()?.json.clone().unwrap_or(Value::Null);
    for (k, expected) in [("dataInicio", inicio), ("dataFim", fim)] {
        if date(&body[k]) != Some(expected) {
            return w.fail(
                format!("the answer's {k} is not the one asked"),
                Some(expected.to_string()),
                Some(body[k].to_string()),
                Vec::new(),
            );
        }
    }
    for o in items(&body) {
        let day = date(&o["dataHora"]);
        if !day.is_some_and(|d| d >= inicio && d <= fim) {
            return w.fail(
                format!("an occurrence falls outside {inicio} to {fim}"),
                Some(format!("{inicio}..{fim}")),
                Some(o.to_string()),
                Vec::new(),
            );
        }
    }
    Ok(())
}

/// A name search with a part of the holder's name, folded as a client might type it.
#[when("I search the holder by part of the name in lower case without accents")]
async fn search_by_name(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let record = record(w).await?;
        let name = record["nome"].as_str().unwrap_or_default();
        // The name's last two words together, as a clerk would type them.
        let words: Vec<&str> = name.split_whitespace().collect();
        let tail = &words[words.len().saturating_sub(2)..];
        let query = text::fold(&tail.join(" "));
        let q: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
        w.request(
            "GET",
            &format!("{API}/nomes?nome={q}&tamanhoPagina=100"),
            Auth::Resource,
            None,
        )
        .await
        .map_err(Pre::from)
    }
    .await;
    settle(w, r)
}

#[then("the answer lists the scenario's account")]
async fn lists_account(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let id = account_id(w)?;
        let body = w.last()?.json.clone().unwrap_or(Value::Null);
        if items(&body)
            .iter()
            .any(|a| a["idPortador"].as_u64() == Some(id) || a["id"].as_u64() == Some(id))
        {
            return Ok(());
        }
        disagree(
            w,
            format!("the answer does not list the account {id}"),
            &json!(id),
            &body,
        )
    }
    .await;
    settle(w, r)
}

// ------------------------------------------------------------------ registration and product

/// `PATCH /{idPortador}` of the name alone; on 200 the name is what the look-ups must show.
#[when(expr = "I change the holder's name to {string}")]
async fn rename(w: &mut CheckWorld, nome: String) -> StepResult {
    let r = async {
        let id = account_id(w)?;
        let body = json!({"nome": nome});
        w.request(
            "PATCH",
            &format!("{API}/{id}"),
            Auth::Resource,
            Some(("application/json", body.to_string().into_bytes())),
        )
        .await?;
        if w.last()?.status == 200
            && let Some(opening) = state(w).opening.as_mut()
        {
            let field = if opening.get("razaoSocial").is_some() {
                "razaoSocial"
            } else {
                "nome"
            };
            opening[field] = json!(nome);
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

/// Another product of the account's public whose limits hold the account's limit: the target's
/// `[portadores] produto-pf-troca`, else one the sandbox lists.
async fn other_product(w: &mut CheckWorld) -> Result<u64, Pre> {
    let ctx = w.ctx()?;
    if let Some(p) = of_target(&ctx).produto_pf_troca {
        return Ok(u64::from(p));
    }
    let Some(control) = ctx.target.control_url.clone() else {
        return Err(Pre::Skip(
            "moving an account to another product needs one whose limits hold the account's: set [portadores] produto-pf-troca in target.toml (a finsandbox sandbox lists its products at GET /sandbox/portadores/products)".into(),
        ));
    };
    let record = record(w).await?;
    let current = record["produto"]["id"].as_u64();
    let limit = record["extratoClienteResponse"]["limite"]
        .as_f64()
        .unwrap_or(0.0);
    let publico = if record["cnpj"].is_string() {
        "PJ"
    } else {
        "PF"
    };
    let url = format!("{control}/portadores/products");
    let sent = match ctx
        .client
        .send_within("GET", &url, &[], None, w.deadline)
        .await
    {
        Ok(s) => s,
        Err((m, e)) => {
            w.fail_with_evidence(format!("control API GET {url}: {m}"), e)?;
            return Err(Pre::Fail);
        }
    };
    expect(w, &sent, "GET /sandbox/portadores/products", 200)?;
    let found = sent.json.as_ref().and_then(|b| {
        b["produtos"].as_array()?.iter().find_map(|p| {
            let id = p["id"].as_u64()?;
            let fits =
                p["limiteMinimo"].as_f64()? <= limit && limit <= p["limiteMaximo"].as_f64()?;
            (p["publico"] == publico && Some(id) != current && fits).then_some(id)
        })
    });
    match found {
        Some(id) => Ok(id),
        None => {
            w.last = Some(sent);
            disagree(
                w,
                format!("the sandbox lists no other {publico} product holding a limit of {limit}"),
                &json!("a product"),
                &Value::Null,
            )?;
            Err(Pre::Fail)
        }
    }
}

#[when("I move the account to another product")]
async fn move_product(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let id = account_id(w)?;
        let produto = other_product(w).await?;
        w.values.insert("idProdutoNovo".into(), produto.to_string());
        let body = json!({"idPortador": id, "idProduto": produto});
        w.request(
            "PATCH",
            &format!("{API}/produto"),
            Auth::Resource,
            Some(("application/json", body.to_string().into_bytes())),
        )
        .await?;
        // What the look-ups must show from now on: the new product, card and due day.
        let last = w.last()?.clone();
        if last.status == 200
            && let Some(answer) = last.json
        {
            let st = state(w);
            if let Some(opening) = st.opening.as_mut() {
                opening["idProduto"] = json!(produto);
            }
            if let Some(opened) = st.opened.as_mut() {
                opened["cartaoMascarado"] = answer["cartaoMascarado"].clone();
                opened["diaVencimento"] = answer["diaVencimento"].clone();
            }
        }
        Ok(())
    }
    .await;
    settle(w, r)
}

#[when("I confirm the holder's newest phone for SMS")]
async fn confirm_newest_phone(w: &mut CheckWorld) -> StepResult {
    let r = async {
        let id = account_id(w)?;
        let phones = look_up(w, &format!("/{id}/telefones")).await?;
        let Some(phone) = items(&phones).iter().filter_map(|t| t["id"].as_u64()).max() else {
            return disagree(
                w,
                "the holder has no phone".into(),
                &json!("a phone"),
                &phones,
            );
        };
        let body = json!({"idTelefone": phone});
        w.request(
            "POST",
            &format!("{API}/{id}/telefones/recebe-sms"),
            Auth::Resource,
            Some(("application/json", body.to_string().into_bytes())),
        )
        .await
        .map_err(Pre::from)
    }
    .await;
    settle(w, r)
}
