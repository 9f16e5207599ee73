//! Card holders over real sockets, with the self-check on: tokens and scopes, opening PF and PJ
//! accounts, every look-up agreeing with what was opened and with each other, generated holders
//! for CPFs nobody opened, the issuer's tables, coherent generated figures, and bad input on the
//! openings (every field named, nothing created).

mod common;
#[path = "portadores_support/mod.rs"]
mod support;

use chrono::{Datelike, Duration, NaiveDate};
use finsandbox::datagen::Persona;
use finsandbox::sandbox::families::portadores::steps::bodies::{self, Offer};
use reqwest::Method;
use serde_json::{Value, json};

use common::reply;
use support::{CLASSICO, EMPRESARIAL, GOLD, Pt, SEED, assert_erro, campos, cpf, path};

fn generated_id(cpf: &str) -> u64 {
    1_000_000_000 + cpf[..9].parse::<u64>().expect("digits")
}

// ------------------------------------------------------------------------------------- tokens

#[tokio::test]
async fn the_token_endpoint_grants_the_scopes_asked_and_refuses_in_oauth2_shape() {
    let pt = Pt::start().await;
    let ok = pt
        .token_form(
            "grant_type=client_credentials&client_id=app&client_secret=segredo-123&scope=portadores.leitura",
            &[],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["token_type"], "Bearer");
    assert_eq!(ok.body["expires_in"], 1800);
    assert_eq!(ok.body["scope"], "portadores.leitura");
    assert_eq!(ok.header("cache-control"), Some("no-store"));
    assert!(ok.header("x-request-id").is_some());
    let all = pt
        .token_form(
            "grant_type=client_credentials&client_id=app&client_secret=segredo-123",
            &[],
        )
        .await;
    assert_eq!(
        all.body["scope"],
        "portadores.cadastro portadores.leitura portadores.gestao portadores.senha",
        "no scope asked: every scope"
    );
    // RFC 6749 2.3.1: the client may authenticate with HTTP Basic instead.
    let basic = pt
        .token_form(
            "grant_type=client_credentials",
            &[("authorization", "Basic YXBwOnNlZ3JlZG8tMTIz")],
        )
        .await;
    assert_eq!(basic.status, 200, "{}", basic.text);
    for (form, headers, status, error) in [
        (
            "grant_type=password&client_id=app&client_secret=segredo-123",
            vec![],
            400,
            "unsupported_grant_type",
        ),
        (
            "client_id=app&client_secret=segredo-123",
            vec![],
            400,
            "invalid_request",
        ),
        (
            "grant_type=client_credentials&client_id=app",
            vec![],
            401,
            "invalid_client",
        ),
        (
            "grant_type=client_credentials&client_id=app&client_secret=curta",
            vec![],
            401,
            "invalid_client",
        ),
        (
            "grant_type=client_credentials&client_id=app&client_secret=segredo-123&scope=portadores.tudo",
            vec![],
            400,
            "invalid_scope",
        ),
        (
            "grant_type=client_credentials&client_id=app&client_secret=segredo-123&scope=portadores.leitura+portadores.leitura",
            vec![],
            400,
            "invalid_scope",
        ),
        (
            "grant_type=client_credentials&client_id=app&client_secret=segredo-123&scope=",
            vec![],
            400,
            "invalid_scope",
        ),
        (
            "grant_type=client_credentials&grant_type=client_credentials&client_id=app&client_secret=segredo-123",
            vec![],
            400,
            "invalid_request",
        ),
        (
            "grant_type=client_credentials&client_id=app&client_secret=segredo-123",
            vec![("authorization", "Basic YXBwOnNlZ3JlZG8tMTIz")],
            400,
            "invalid_request",
        ),
        (
            "grant_type=client_credentials",
            vec![("authorization", "Basic !!!")],
            401,
            "invalid_client",
        ),
        (
            "grant_type=client_credentials&client_id=app&client_secret=segredo-123",
            vec![("accept", "text/html")],
            400,
            "invalid_request",
        ),
    ] {
        let r = pt.token_form(form, &headers).await;
        assert_eq!(r.status, status, "{form}: {}", r.text);
        assert_eq!(r.body["error"], error, "{form}: {}", r.text);
        assert!(
            r.body.get("codigo").is_none(),
            "OAuth2's body, not Erro: {}",
            r.text
        );
        if status == 401 {
            assert_eq!(
                r.header("www-authenticate"),
                Some("Basic realm=\"portadores\"")
            );
        }
    }
    // A JSON body and another method: still OAuth2's body.
    let json_body = reply(
        pt.env
            .http
            .post(pt.env.url("/portadores/oauth2/token"))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .expect("POST"),
    )
    .await;
    assert_eq!(json_body.status, 400, "{}", json_body.text);
    assert_eq!(json_body.body["error"], "invalid_request");
    let get = pt
        .call(Method::GET, "/portadores/oauth2/token", None, None)
        .await;
    assert_eq!(get.status, 405, "{}", get.text);
    assert_eq!(get.body["error"], "invalid_request");
    assert_eq!(get.header("allow"), Some("POST"));
    pt.stop().await;
}

#[tokio::test]
async fn every_operation_needs_a_live_token_with_its_scope() {
    let pt = Pt::start().await;
    let c = cpf("scopes", 1);
    let id = generated_id(&c);
    let none = pt
        .call(Method::GET, &path(&format!("/{id}")), None, None)
        .await;
    assert_erro(&none, 401, "NAO_AUTENTICADO");
    assert_eq!(
        none.header("www-authenticate"),
        Some("Bearer realm=\"portadores\"")
    );
    assert_eq!(none.body["erros"], json!([]));
    let unknown = pt
        .call(
            Method::GET,
            &path(&format!("/{id}")),
            Some("not-a-token"),
            None,
        )
        .await;
    assert_erro(&unknown, 401, "NAO_AUTENTICADO");
    assert!(
        unknown
            .header("www-authenticate")
            .is_some_and(|h| h.contains("error=\"invalid_token\"")),
        "{:?}",
        unknown.headers
    );
    let reader = pt.token(Some("portadores.leitura")).await;
    assert_eq!(
        pt.call(Method::GET, &path(&format!("/{id}")), Some(&reader), None)
            .await
            .status,
        200
    );
    let body = bodies::pf_body(SEED, &c, GOLD);
    let refused = pt
        .call(
            Method::POST,
            &path("/contas/pf"),
            Some(&reader),
            Some(&body),
        )
        .await;
    assert_erro(&refused, 403, "ACESSO_NEGADO");
    assert!(
        refused.body["mensagem"]
            .as_str()
            .is_some_and(|m| m.contains("portadores.cadastro")),
        "{}",
        refused.text
    );
    let accounts = pt.get(&path(&format!("/contas?cpf={c}"))).await;
    assert_eq!(accounts.body[0]["idPortador"], id, "nothing was opened");
    for (method, route, scope) in [
        (Method::PATCH, format!("/{id}/limites"), "portadores.gestao"),
        (
            Method::POST,
            format!("/{id}/senhas/sms"),
            "portadores.senha",
        ),
        (
            Method::POST,
            format!("/{id}/telefones"),
            "portadores.cadastro",
        ),
    ] {
        let r = pt
            .call(method, &path(&route), Some(&reader), Some(&json!({})))
            .await;
        assert_erro(&r, 403, "ACESSO_NEGADO");
        assert!(r.text.contains(scope), "{route}: {}", r.text);
    }
    // Tokens live 30 minutes of sandbox time.
    pt.env
        .control(
            Method::POST,
            "/sandbox/clock",
            json!({"advanceSeconds": 1801}),
        )
        .await;
    let expired = pt.get(&path(&format!("/{id}"))).await;
    assert_erro(&expired, 401, "NAO_AUTENTICADO");
    assert!(expired.text.contains("expirado"), "{}", expired.text);
    pt.stop().await;
}

// ------------------------------------------------------------------------------------ opening

#[tokio::test]
async fn a_pf_account_opens_with_the_seeds_201_and_every_look_up_agrees() {
    let pt = Pt::start().await;
    let c = cpf("look-ups", 1);
    let body = bodies::pf_body(SEED, &c, GOLD);
    let opened = pt.post(&path("/contas/pf"), &body).await;
    assert_eq!(opened.status, 201, "{}", opened.text);
    let id = opened.body["contaCartao"].as_u64().expect("id");
    assert!(id < 1_000_000_000, "opened ids come from the sequence");
    assert_eq!(
        opened.header("location"),
        Some(format!("/portadores/api/v1/portadores/{id}").as_str())
    );
    let masked = opened.body["cartaoMascarado"].as_str().expect("masked");
    assert!(
        masked.starts_with("5234") && masked[4..12] == *"XXXXXXXX",
        "{masked}"
    );
    let embossed = opened.body["nomeCartao"].as_str().expect("name");
    assert!(embossed.len() <= 26 && embossed == embossed.to_ascii_uppercase());
    let due = opened.body["diaVencimento"].as_u64().expect("due day");
    assert!(
        [5, 10, 15, 20, 25].contains(&due),
        "a due day of the product: {due}"
    );
    assert!(
        opened.body["numeroManual"]
            .as_str()
            .is_some_and(|n| n.starts_with("CA-") && n.ends_with('=')),
        "{}",
        opened.text
    );

    let record = pt.get(&path(&format!("/{id}"))).await;
    assert_eq!(record.status, 200, "{}", record.text);
    let r = &record.body;
    assert_eq!(r["id"], id);
    assert_eq!(r["nome"], body["nome"]);
    assert_eq!(r["cpf"], c.as_str());
    assert_eq!(r["rg"], body["rg"]);
    assert_eq!(r["cartao"], masked);
    assert_eq!(r["produto"]["id"], 3);
    assert_eq!(r["statusCliente"], "ATIVO");
    assert_eq!(r["extratoClienteResponse"]["limite"], 2500.0);
    assert_eq!(r["ciclo"]["diaVencimento"], due);
    assert_eq!(r["senhaExpirada"], true, "no password yet");
    assert!(
        r["numeroCartaoTruncado"]
            .as_str()
            .is_some_and(|t| t.starts_with("523491") && t.ends_with(&masked[12..])),
        "first six and last four: {}",
        record.text
    );
    // The card number itself never leaves: no 13-19 digit run in any answer.
    let pan = regex::Regex::new(r"\d{13,19}").expect("regex");
    assert!(!pan.is_match(&record.text), "{}", record.text);

    let info = pt.get(&path(&format!("/{id}/informacoes"))).await;
    assert_eq!(info.body["cpf"], c.as_str());
    assert_eq!(
        info.body["enderecoResidencial"]["cep"],
        body["enderecoResidencial"]["cep"]
    );
    assert_eq!(
        info.body["enderecoResidencial"]["cidade"],
        body["enderecoResidencial"]["localidade"]
    );
    assert_eq!(info.body["telefones"][0]["receberSMS"], true);

    let by_cpf = pt.get(&path(&format!("/contas?cpf={c}"))).await;
    assert_eq!(by_cpf.status, 200, "{}", by_cpf.text);
    let ids: Vec<u64> = by_cpf
        .body
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["idPortador"].as_u64())
        .collect();
    assert_eq!(
        ids,
        vec![id],
        "the opened account replaced the generated one"
    );
    assert_eq!(by_cpf.body[0]["cartaoMascarado"], masked);
    let gone = pt.get(&path(&format!("/{}", generated_id(&c)))).await;
    assert_erro(&gone, 404, "PORTADOR_NAO_ENCONTRADO");

    let rg = body["rg"].as_str().expect("rg");
    let by_rg = pt.get(&path(&format!("/rg?rg={rg}"))).await;
    assert_eq!(by_rg.body[0]["idPortador"], id, "{}", by_rg.text);

    let full = pt.get(&path(&format!("/completo/cpf?cpf={c}"))).await;
    assert_eq!(
        full.body,
        json!([record.body]),
        "the same record GET /{{id}} answers"
    );

    let simple = pt.get(&path(&format!("/simplificado/cpf?cpf={c}"))).await;
    assert_eq!(simple.body[0]["id"], id);
    assert_eq!(simple.body[0]["limite"], 2500.0);
    assert_eq!(simple.body[0]["cartaoMascarado"], masked);
    assert_eq!(simple.body[0]["diaVencimento"], due);

    // Part of the name (its longest word: a search needs 3 letters), lower case, no accents.
    let name = body["nome"].as_str().expect("name");
    let surname = name
        .split_whitespace()
        .max_by_key(|w| w.chars().count())
        .expect("a word");
    let folded: String = deunicode_lower(surname);
    let by_name = pt.get(&path(&format!("/nomes?nome={folded}"))).await;
    assert!(
        by_name.body["conteudo"]
            .as_array()
            .is_some_and(|l| l.iter().any(|a| a["idPortador"] == id)),
        "{folded}: {}",
        by_name.text
    );

    let lote = pt.get(&path(&format!("/lote?ids={id},999,{id}"))).await;
    assert_eq!(lote.status, 200, "{}", lote.text);
    assert_eq!(lote.body["encontrados"], 1);
    assert_eq!(lote.body["naoEncontrados"], 1);
    assert_eq!(lote.body["itens"][0]["portador"], simple.body[0]);
    assert_eq!(lote.body["itens"][1]["id"], 999);
    assert_eq!(
        lote.body["itens"][1]["erro"]["codigo"],
        "PORTADOR_NAO_ENCONTRADO"
    );
    assert_eq!(
        lote.body["itens"].as_array().map(Vec::len),
        Some(2),
        "a repeated id once"
    );
    pt.stop().await;
}

fn deunicode_lower(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'Á' | 'Â' | 'Ã' => 'a',
            'é' | 'ê' | 'É' | 'Ê' => 'e',
            'í' | 'Í' => 'i',
            'ó' | 'ô' | 'õ' | 'Ó' | 'Ô' | 'Õ' => 'o',
            'ú' | 'ü' | 'Ú' => 'u',
            'ç' | 'Ç' => 'c',
            other => other.to_ascii_lowercase(),
        })
        .collect()
}

#[tokio::test]
async fn a_second_account_of_a_cpf_on_the_same_product_is_a_conflict() {
    let pt = Pt::start().await;
    let c = cpf("conflict", 1);
    let first = pt.open_pf(&c, GOLD).await;
    let again = pt
        .post(&path("/contas/pf"), &bodies::pf_body(SEED, &c, GOLD))
        .await;
    assert_erro(&again, 409, "CONTA_JA_EXISTENTE");
    assert!(again.text.contains(&first.to_string()), "{}", again.text);
    let second = pt.open_pf(&c, CLASSICO).await;
    let listed = pt.get(&path(&format!("/contas?cpf={c}"))).await;
    let ids: Vec<u64> = listed
        .body
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["idPortador"].as_u64())
        .collect();
    assert_eq!(ids, vec![first, second], "oldest first");
    let full = pt.get(&path(&format!("/completo/cpf?cpf={c}"))).await;
    assert_eq!(full.body.as_array().map(Vec::len), Some(2));
    pt.stop().await;
}

#[tokio::test]
async fn a_pj_account_opens_and_is_found_by_its_cnpj() {
    let pt = Pt::start().await;
    let cnpj = support::cnpj("pj", 1);
    let id = pt.open_pj(&cnpj, EMPRESARIAL).await;
    let record = pt.get(&path(&format!("/{id}"))).await;
    assert_eq!(record.body["tipoPessoa"], "J");
    assert_eq!(record.body["cnpj"], cnpj.as_str());
    for route in [format!("/cnpj?cnpj={cnpj}"), format!("/contas?cnpj={cnpj}")] {
        let r = pt.get(&path(&route)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body[0]["idPortador"], id, "{route}: {}", r.text);
        assert_eq!(r.body[0]["tipoPessoa"], "J");
    }
    let again = pt
        .post(
            &path("/contas/pj"),
            &bodies::pj_body(SEED, &cnpj, EMPRESARIAL),
        )
        .await;
    assert_erro(&again, 409, "CONTA_JA_EXISTENTE");
    // A PF product for a company is refused on idProduto.
    let pf_product = pt
        .post(
            &path("/contas/pj"),
            &bodies::pj_body(
                SEED,
                &support::cnpj("pj", 2),
                Offer {
                    produto: 1,
                    loja: 40,
                    limite: None,
                    renda_minima: 0.0,
                },
            ),
        )
        .await;
    assert_erro(&pf_product, 400, "REQUISICAO_INVALIDA");
    assert!(
        campos(&pf_product).contains(&"idProduto".to_string()),
        "{}",
        pf_product.text
    );
    let nobody = pt
        .get(&path(&format!("/cnpj?cnpj={}", support::cnpj("pj", 3))))
        .await;
    assert_eq!(nobody.body, json!([]), "a CNPJ with no account has none");
    let bad = pt.get(&path("/cnpj?cnpj=11222333000182")).await;
    assert_erro(&bad, 400, "REQUISICAO_INVALIDA");
    assert_eq!(campos(&bad), vec!["cnpj"]);
    pt.stop().await;
}

// ----------------------------------------------------------------------- generated holders

#[tokio::test]
async fn a_cpf_nobody_opened_has_a_generated_account_of_its_persona() {
    let pt = Pt::start().await;
    let c = cpf("generated", 1);
    let id = generated_id(&c);
    let persona = Persona::derive(SEED, &c, None);
    let record = pt.get(&path(&format!("/{id}"))).await;
    assert_eq!(record.status, 200, "{}", record.text);
    assert_eq!(record.body["nome"], persona.civil_name.as_str());
    assert_eq!(
        record.body["clienteDataNascimento"],
        persona.birth_date.format("%Y-%m-%d").to_string()
    );
    assert_eq!(
        record.body["enderecoResidencial"]["cep"],
        persona.addresses[0].cep.as_str()
    );
    // The same person Open Finance's Customers API shows for that CPF.
    let (_, token) = pt
        .env
        .consent_token(&c, None, common::PF_PERMISSIONS, None)
        .await;
    let of = pt.env.customers(&token, "/personal/identifications").await;
    assert_eq!(of.status, 200, "{}", of.text);
    assert_eq!(of.body["data"][0]["civilName"], record.body["nome"]);
    let listed = pt.get(&path(&format!("/contas?cpf={c}"))).await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(1));
    assert_eq!(listed.body[0]["idPortador"], id);
    let rg = record.body["rg"].as_str().expect("rg").to_string();
    let twice = pt.get(&path(&format!("/{id}"))).await;
    assert_eq!(twice.body, record.body, "the same answer every time");
    // Searches by RG and name cover stored accounts: a generated one after its first write.
    let by_rg = pt.get(&path(&format!("/rg?rg={rg}"))).await;
    assert_eq!(by_rg.body, json!([]), "{}", by_rg.text);
    let vip = pt
        .post(&path(&format!("/{id}/vipagem")), &json!({"vip": true}))
        .await;
    assert_eq!(vip.status, 200, "{}", vip.text);
    let by_rg = pt.get(&path(&format!("/rg?rg={rg}"))).await;
    assert_eq!(by_rg.body[0]["idPortador"], id, "{}", by_rg.text);
    let after = pt.get(&path(&format!("/{id}"))).await;
    assert_eq!(after.body["vip"], true);
    assert_eq!(
        after.body["nome"], record.body["nome"],
        "written, the same holder"
    );
    // An invalid CPF has no account, and a CPF-shaped id of nobody is 404.
    let bad = pt.get(&path("/contas?cpf=52998224726")).await;
    assert_erro(&bad, 400, "REQUISICAO_INVALIDA");
    assert_eq!(campos(&bad), vec!["cpf"]);
    // Ids of generated accounts are 1 and nine digits; all-equal digits are no CPF.
    let nobody = pt.get(&path("/1111111111")).await;
    assert_erro(&nobody, 404, "PORTADOR_NAO_ENCONTRADO");
    pt.stop().await;
}

#[tokio::test]
async fn the_cycle_delinquencies_and_occurrences_agree_with_the_record() {
    let pt = Pt::start().await;
    let mut seen_late = false;
    for n in 0..12 {
        let c = cpf("figures", n);
        let id = generated_id(&c);
        let record = pt.get(&path(&format!("/{id}"))).await;
        let cycle = pt.get(&path(&format!("/{id}/ciclo"))).await;
        assert_eq!(cycle.status, 200, "{}", cycle.text);
        let due = cycle.body["diaVencimento"].as_u64().expect("due");
        for k in ["id", "diaCorte", "diaVencimento", "diasCarencia"] {
            assert_eq!(cycle.body[k], record.body["ciclo"][k], "{k}");
        }
        assert_eq!(
            cycle.body["melhorDiaCompra"],
            record.body["melhorDiaCompra"]
        );
        assert_eq!(
            cycle.body["dataProximoCorte"],
            record.body["dataFechamentoProxFatura"]
        );
        let next_due = NaiveDate::parse_from_str(
            cycle.body["dataProximoVencimento"].as_str().expect("date"),
            "%Y-%m-%d",
        )
        .expect("date");
        assert_eq!(u64::from(next_due.day()), due);
        let cut = cycle.body["diaCorte"].as_u64().expect("cut");
        let best = cycle.body["melhorDiaCompra"].as_u64().expect("best");
        assert_eq!(best, if cut >= 31 { 1 } else { cut + 1 });

        let late = pt
            .get(&path(&format!("/{id}/inadimplencias?tamanhoPagina=100")))
            .await;
        assert_eq!(late.status, 200, "{}", late.text);
        let items = late.body["conteudo"].as_array().expect("list").clone();
        seen_late |= !items.is_empty();
        for item in &items {
            let d = NaiveDate::parse_from_str(
                item["dataVencimentoFatura"].as_str().expect("date"),
                "%Y-%m-%d",
            )
            .expect("date");
            assert_eq!(u64::from(d.day()), due, "a due date of the account");
        }
        let open = items.iter().any(|i| i["situacao"] == "EM_ABERTO");
        assert_eq!(record.body["estaEmAtraso"], open);

        let today = chrono::Utc::now().date_naive();
        let start = today - Duration::days(91);
        let period =
            format!("/{id}/ocorrencias?dataInicio={start}&dataFim={today}&tamanhoPagina=100");
        let occ = pt.get(&path(&period)).await;
        assert_eq!(occ.status, 200, "{}", occ.text);
        assert_eq!(occ.body["dataInicio"], start.to_string());
        for o in occ.body["conteudo"].as_array().expect("list") {
            let day =
                NaiveDate::parse_from_str(&o["dataHora"].as_str().expect("t")[..10], "%Y-%m-%d")
                    .expect("day");
            assert!(day >= start && day <= today, "{o}");
        }
        let closings = occ.body["conteudo"]
            .as_array()
            .expect("list")
            .iter()
            .filter(|o| o["tipo"] == "FATURA_FECHADA")
            .count();
        if record.body["dataCadastro"]
            .as_str()
            .is_some_and(|d| d < start.to_string().as_str())
        {
            assert!(
                (3..=4).contains(&closings),
                "{id}: {closings} cut-offs in 92 days"
            );
        }
    }
    assert!(seen_late, "the sample shows late invoices");
    let id = generated_id(&cpf("figures", 0));
    for (query, campo) in [
        ("dataInicio=2026-03-10&dataFim=2026-03-01", "dataFim"),
        ("dataInicio=2026-01-01&dataFim=2026-04-03", "dataFim"),
        ("dataInicio=2026-02-30&dataFim=2026-03-01", "dataInicio"),
        ("dataFim=2026-03-01", "dataInicio"),
    ] {
        let r = pt.get(&path(&format!("/{id}/ocorrencias?{query}"))).await;
        assert_erro(&r, 400, "REQUISICAO_INVALIDA");
        assert!(
            campos(&r).contains(&campo.to_string()),
            "{query}: {}",
            r.text
        );
    }
    pt.stop().await;
}

// -------------------------------------------------------------------------------- bad input

#[tokio::test]
async fn every_bad_field_of_an_opening_is_named_at_once_and_nothing_is_created() {
    let pt = Pt::start().await;
    let c = cpf("bad-opening", 1);
    let good = bodies::pf_body(SEED, &c, GOLD);
    let uf = good["enderecoResidencial"]["uf"]
        .as_str()
        .expect("uf")
        .to_string();
    let other_cep = if uf == "SP" { "58038000" } else { "01310100" };
    let other_ddd = if uf == "SP" { "83" } else { "11" };
    let mut bad = good.clone();
    bad["cpf"] = json!(format!(
        "{}{}",
        &c[..10],
        (c.as_bytes()[10] - b'0' + 1) % 10
    ));
    bad["rg"] = json!("1111111");
    bad["enderecoResidencial"]["cep"] = json!(other_cep);
    bad["enderecoResidencial"]["localidade"] = json!("Atlântida do Norte");
    bad["sexo"] = json!("X");
    bad["telefones"] = json!([
        {"tipo": "RESIDENCIAL", "area": other_ddd, "telefone": "32451234"},
        {"tipo": "FAX", "area": "83", "telefone": "988887777"},
    ]);
    bad["adicionais"] = json!([{"nome": "Maria Souza Lima", "cpf": "98765432100",
        "dataNascimento": "1990-01-01", "sexo": "FEMININO", "grauParentesco": "VIZINHO"}]);
    let r = pt.post(&path("/contas/pf"), &bad).await;
    assert_erro(&r, 400, "REQUISICAO_INVALIDA");
    let got = campos(&r);
    for campo in [
        "cpf",
        "rg",
        "enderecoResidencial.cep",
        "enderecoResidencial.localidade",
        "sexo",
        "telefones[0].area",
        "telefones[1].tipo",
        "adicionais[0].grauParentesco",
    ] {
        assert!(
            got.contains(&campo.to_string()),
            "{campo} not in {got:?}: {}",
            r.text
        );
    }
    assert!(r.text.contains("CPF inválido"), "{}", r.text);

    let today = chrono::Utc::now().date_naive();
    for (field, value, campo) in [
        ("dataNascimento", json!("1990-02-30"), "dataNascimento"),
        (
            "dataNascimento",
            json!((today - Duration::days(365 * 10)).to_string()),
            "dataNascimento",
        ),
        ("idProduto", json!(99), "idProduto"),
        ("idProduto", json!("3"), "idProduto"),
        // The business service centre does not sell the Gold card.
        ("idLoja", json!(40), "idLoja"),
        ("idLoja", json!(999), "idLoja"),
        ("limiteRotativo", json!(50000), "limiteRotativo"),
        ("limiteRotativo", json!(999.5), "limiteRotativo"),
        ("renda", json!(900), "renda"),
        ("nome", json!("Ana"), "nome"),
        ("orgaoEmissor", json!("XYZ"), "orgaoEmissor"),
        ("diaVencimento", json!(7), "diaVencimento"),
        ("telefones", json!([]), "telefones"),
    ] {
        let mut b = good.clone();
        b[field] = value.clone();
        let r = pt.post(&path("/contas/pf"), &b).await;
        assert_erro(&r, 400, "REQUISICAO_INVALIDA");
        assert!(
            campos(&r).contains(&campo.to_string()),
            "{field}={value}: {}",
            r.text
        );
    }
    let mut missing = good.clone();
    missing.as_object_mut().expect("object").remove("nomeMae");
    let r = pt.post(&path("/contas/pf"), &missing).await;
    assert_eq!(campos(&r), vec!["nomeMae"], "{}", r.text);

    // Bodies that are not what a JSON client sends.
    for (content_type, text, status, codigo) in [
        (
            "application/json",
            "{\"nome\": ",
            400,
            "REQUISICAO_INVALIDA",
        ),
        ("application/json", "[1, 2]", 400, "REQUISICAO_INVALIDA"),
        ("application/json", "", 400, "REQUISICAO_INVALIDA"),
        ("text/plain", "nome=Ana", 415, "MIDIA_NAO_SUPORTADA"),
    ] {
        let r = reply(
            pt.env
                .http
                .post(pt.env.url(&path("/contas/pf")))
                .bearer_auth(&pt.token)
                .header("content-type", content_type)
                .body(text.to_string())
                .send()
                .await
                .expect("POST"),
        )
        .await;
        assert_erro(&r, status, codigo);
    }
    let huge = reply(
        pt.env
            .http
            .post(pt.env.url(&path("/contas/pf")))
            .bearer_auth(&pt.token)
            .header("content-type", "application/json")
            .body(format!("{{\"nome\": \"{}\"}}", "a".repeat(70 * 1024)))
            .send()
            .await
            .expect("POST"),
    )
    .await;
    assert_erro(&huge, 413, "CORPO_MUITO_GRANDE");
    // A malformed request id is refused (naming it) and answered with one of ours.
    let spaced = reply(
        pt.env
            .http
            .post(pt.env.url(&path("/contas/pf")))
            .bearer_auth(&pt.token)
            .header("x-request-id", "two words")
            .json(&good)
            .send()
            .await
            .expect("POST"),
    )
    .await;
    assert_erro(&spaced, 400, "REQUISICAO_INVALIDA");
    assert_eq!(campos(&spaced), vec!["X-Request-Id"]);
    assert_ne!(spaced.header("x-request-id"), Some("two words"));

    // Nothing was created: the CPF still has its generated account only.
    let listed = pt.get(&path(&format!("/contas?cpf={c}"))).await;
    assert_eq!(
        listed.body.as_array().map(Vec::len),
        Some(1),
        "{}",
        listed.text
    );
    assert_eq!(listed.body[0]["idPortador"], generated_id(&c));
    // And the body that was right all along opens the account.
    assert!(pt.open_pf(&c, GOLD).await < 1_000_000_000);
    pt.stop().await;
}

#[tokio::test]
async fn an_additional_holder_must_be_old_enough_valid_and_not_the_holder() {
    let pt = Pt::start().await;
    let c = cpf("additionals", 1);
    let good = bodies::pf_body(SEED, &c, GOLD);
    let today = chrono::Utc::now().date_naive();
    let dependent = cpf("additionals", 2);
    let mut b = good.clone();
    b["adicionais"] = json!([
        {"nome": "Pedro Lins Neto", "cpf": c, "dataNascimento": "1990-01-01", "sexo": "MASCULINO", "grauParentesco": "IRMAO"},
        {"nome": "Clara Lins Neto", "cpf": dependent, "dataNascimento": (today - Duration::days(365 * 12)).to_string(), "sexo": "FEMININO", "grauParentesco": "FILHO"},
        {"nome": "Clara Lins Neto", "cpf": dependent, "dataNascimento": "2001-01-01", "sexo": "FEMININO", "grauParentesco": "FILHO", "nomePersonalizado": "Ana Paula"},
    ]);
    let r = pt.post(&path("/contas/pf"), &b).await;
    assert_erro(&r, 400, "REQUISICAO_INVALIDA");
    let got = campos(&r);
    for campo in [
        "adicionais[0].cpf",
        "adicionais[1].dataNascimento",
        "adicionais[2].cpf",
        "adicionais[2].nomePersonalizado",
    ] {
        assert!(got.contains(&campo.to_string()), "{campo}: {}", r.text);
    }
    let mut ok = good.clone();
    ok["adicionais"] = json!([{"nome": "Clara Lins Neto", "cpf": dependent, "dataNascimento": "2001-01-01",
        "sexo": "FEMININO", "grauParentesco": "FILHO", "nomePersonalizado": "Clara Neto"}]);
    let opened = pt.post(&path("/contas/pf"), &ok).await;
    assert_eq!(opened.status, 201, "{}", opened.text);
    let id = opened.body["contaCartao"].as_u64().expect("id");
    let deps = pt.get(&path(&format!("/{id}/dependentes"))).await;
    assert_eq!(deps.body[0]["cpf"], dependent.as_str());
    assert_eq!(deps.body[0]["nomeCartao"], "CLARA NETO");
    assert_eq!(deps.body[0]["idGrauParentesco"], 2);
    let record = pt.get(&path(&format!("/{id}"))).await;
    assert_eq!(record.body["dependentes"][0]["id"], deps.body[0]["id"]);
    let by_cpf = pt.get(&path(&format!("/dependentes/cpf?cpf={c}"))).await;
    assert_eq!(by_cpf.body, deps.body);
    pt.stop().await;
}

// ----------------------------------------------------------------------- paths and searches

#[tokio::test]
async fn unknown_ids_paths_methods_and_media_get_the_erro_body() {
    let pt = Pt::start().await;
    let nobody = pt.get(&path("/999999")).await;
    assert_erro(&nobody, 404, "PORTADOR_NAO_ENCONTRADO");
    let no_route = pt.get("/portadores/api/v1/nada/por/aqui").await;
    assert_erro(&no_route, 404, "RECURSO_NAO_ENCONTRADO");
    let method = pt
        .call(Method::DELETE, &path("/100001"), Some(&pt.token), None)
        .await;
    assert_erro(&method, 405, "METODO_NAO_PERMITIDO");
    assert!(
        method
            .header("allow")
            .is_some_and(|a| a.contains("GET") && a.contains("PATCH"))
    );
    let word = pt.get(&path("/abc/ciclo")).await;
    assert_erro(&word, 400, "REQUISICAO_INVALIDA");
    assert_eq!(campos(&word), vec!["idPortador"]);
    let csv = reply(
        pt.env
            .http
            .get(pt.env.url(&path("/escolaridade")))
            .bearer_auth(&pt.token)
            .header("accept", "text/csv")
            .send()
            .await
            .expect("GET"),
    )
    .await;
    assert_erro(&csv, 406, "FORMATO_NAO_ACEITO");
    let both = pt
        .get(&path(&format!(
            "/contas?cpf={}&cnpj=11222333000181",
            cpf("paths", 1)
        )))
        .await;
    assert_erro(&both, 400, "REQUISICAO_INVALIDA");
    assert_eq!(campos(&both), vec!["cpf", "cnpj"]);
    let neither = pt.get(&path("/contas")).await;
    assert_erro(&neither, 400, "REQUISICAO_INVALIDA");
    let mask = pt.get(&path("/rg?rg=12.345.678-9")).await;
    assert_eq!(campos(&mask), vec!["rg"], "{}", mask.text);
    for (query, campo) in [
        ("ids=abc", "ids"),
        ("ids=0", "ids"),
        (
            &*format!(
                "ids={}",
                (1..=51)
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            "ids",
        ),
    ] {
        let r = pt.get(&path(&format!("/lote?{query}"))).await;
        assert_erro(&r, 400, "REQUISICAO_INVALIDA");
        assert_eq!(campos(&r), vec![campo], "{}", r.text);
    }
    pt.stop().await;
}

#[tokio::test]
async fn the_name_search_is_partial_case_and_accent_insensitive_and_paged() {
    let pt = Pt::start().await;
    let mut ids = Vec::new();
    for (n, name) in [
        "José da Silva Neto",
        "MARIA JOSÉ DA SILVA",
        "José Pereira da Silva",
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = bodies::pf_body(SEED, &cpf("names", n as u32), GOLD);
        body["nome"] = json!(name);
        let r = pt.post(&path("/contas/pf"), &body).await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.body["contaCartao"].as_u64().expect("id"));
    }
    let all = pt.get(&path("/nomes?nome=jose%20da%20%20silva")).await;
    assert_eq!(all.status, 200, "{}", all.text);
    let found: Vec<u64> = all.body["conteudo"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["idPortador"].as_u64())
        .collect();
    assert_eq!(
        found,
        vec![ids[0], ids[1]],
        "ordered by name; not the Pereira"
    );
    assert_eq!(all.body["totalElementos"], 2);
    let second = pt
        .get(&path(
            "/nomes?nome=JOSE%20DA%20SILVA&pagina=2&tamanhoPagina=1",
        ))
        .await;
    assert_eq!(second.body["conteudo"][0]["idPortador"], ids[1]);
    assert_eq!(second.body["totalPaginas"], 2);
    let past = pt.get(&path("/nomes?nome=silva&pagina=9")).await;
    assert_eq!(past.status, 200);
    assert_eq!(past.body["conteudo"], json!([]));
    assert_eq!(past.body["totalElementos"], 3);
    for query in [
        "nome=ab",
        "nome=silva&tamanhoPagina=101",
        "nome=silva&pagina=0",
        "pagina=1",
    ] {
        let r = pt.get(&path(&format!("/nomes?{query}"))).await;
        assert_erro(&r, 400, "REQUISICAO_INVALIDA");
    }
    pt.stop().await;
}

#[tokio::test]
async fn the_issuers_tables_and_the_products_control_route() {
    let pt = Pt::start().await;
    let tipos = pt.get(&path("/bloqueios/tipos")).await;
    assert!(tipos.body.as_array().is_some_and(|t| {
        t.iter()
            .any(|x| x["codigo"] == "PERDA" && x["definitivo"] == true)
    }));
    for table in ["/escolaridade", "/ocupacoes"] {
        let r = pt.get(&path(table)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(
            r.body.as_array().is_some_and(|t| t.len() >= 5),
            "{}",
            r.text
        );
    }
    let products = pt
        .env
        .control(Method::GET, "/sandbox/portadores/products", Value::Null)
        .await;
    assert_eq!(products.status, 200, "{}", products.text);
    let gold = products.body["produtos"]
        .as_array()
        .and_then(|l| l.iter().find(|p| p["id"] == 3))
        .expect("product 3");
    assert_eq!(gold["limiteMinimo"], 1000.0);
    assert_eq!(gold["limiteMaximo"], 15000.0);
    assert_eq!(gold["digital"], false);
    assert!(
        gold["idLojas"]
            .as_array()
            .is_some_and(|l| l.contains(&json!(15)))
    );
    assert!(
        gold["diasVencimento"]
            .as_array()
            .is_some_and(|d| !d.is_empty())
    );
    assert!(
        products.body["lojas"]
            .as_array()
            .is_some_and(|l| l.iter().any(|s| s["idLoja"] == 15))
    );
    let index = pt.env.control(Method::GET, "/sandbox", Value::Null).await;
    assert!(
        index.text.contains("/sandbox/portadores/sms"),
        "{}",
        index.text
    );
    pt.stop().await;
}

/// The seed's own example body, as published.
fn seed_example() -> Value {
    json!({
        "nome": "José da Silva", "cpf": "45678920300", "dataNascimento": "1980-05-17", "rg": "999999999",
        "orgaoEmissor": "SSPPB", "renda": 2100, "sexo": "MASCULINO", "nomeMae": "Maria da Silva", "idProfissao": 2,
        "enderecoResidencial": {"numero": "4020", "cep": "58070000", "complemento": "Ap 301",
            "logradouro": "Av. Presidente Epitácio Pessoa", "bairro": "Lapa", "localidade": "João Pessoa", "uf": "PB"},
        "enderecoComercial": {"numero": "4020", "cep": "58070000", "complemento": "Ap 301",
            "logradouro": "Av. Presidente Epitácio Pessoa", "bairro": "Lapa", "localidade": "João Pessoa", "uf": "PB",
            "empresa": "Empresa 2", "departamento": "Pesquisa e Inovação", "cnpj": "99999999000199"},
        "enderecoAlternativo": {"numero": "4020", "cep": "58070000", "complemento": "Ap 301",
            "logradouro": "Av. Presidente Epitácio Pessoa", "bairro": "Lapa", "localidade": "João Pessoa", "uf": "PB", "tipo": "R"},
        "adicionais": [{"nome": "Maria Souza", "cpf": "98765432101", "rg": "987654321", "dataNascimento": "1980-02-16",
            "sexo": "FEMININO", "grauParentesco": "OUTROS", "nomePersonalizado": "Mari Souza"}],
        "referencias": [{"nome": "Maria Aparecida dos Santos", "grauParentesco": "FILHO",
            "telefone": {"tipo": "RESIDENCIAL", "ramal": "4020", "area": "83", "telefone": "999999999",
                "receberSMS": false, "faturaDigital": false}}],
        "idLoja": 15, "limiteRotativo": 2000, "ocupacao": "OUTROS", "nacionalidade": "Brasileiro",
        "telefones": [{"tipo": "RESIDENCIAL", "ramal": "4020", "area": "83", "telefone": "999999999",
            "receberSMS": false, "faturaDigital": false}],
        "idProduto": 0
    })
}

#[tokio::test]
async fn the_seeds_example_is_refused_only_for_its_placeholder_documents_and_opens_with_real_ones()
{
    let pt = Pt::start().await;
    let r = pt.post(&path("/contas/pf"), &seed_example()).await;
    assert_erro(&r, 400, "REQUISICAO_INVALIDA");
    let mut got = campos(&r);
    got.sort();
    assert_eq!(
        got,
        vec!["adicionais[0].cpf", "cpf", "enderecoComercial.cnpj", "rg"],
        "the example's shape, product 0 and store 15 are right: {}",
        r.text
    );
    let mut body = seed_example();
    let holder = cpf("seed-example", 1);
    body["cpf"] = json!(holder);
    body["rg"] = json!("4873120");
    body["enderecoComercial"]["cnpj"] = json!("42381765006604");
    body["adicionais"][0]["cpf"] = json!(cpf("seed-example", 2));
    let opened = pt.post(&path("/contas/pf"), &body).await;
    assert_eq!(opened.status, 201, "{}", opened.text);
    for k in [
        "contaCartao",
        "cartaoMascarado",
        "numeroManual",
        "nomeCartao",
        "diaVencimento",
        "dataValidade",
    ] {
        assert!(opened.body.get(k).is_some(), "{k}: {}", opened.text);
    }
    assert_eq!(opened.body["nomeCartao"], "JOSE DA SILVA");
    let id = opened.body["contaCartao"].as_u64().expect("id");
    let record = pt.get(&path(&format!("/{id}"))).await;
    assert_eq!(record.body["produto"]["id"], 0);
    assert_eq!(record.body["dependentes"][0]["nome"], "Maria Souza");
    assert_eq!(record.body["extratoClienteResponse"]["limite"], 2000.0);
    pt.stop().await;
}

#[tokio::test]
async fn every_bad_field_of_a_pj_opening_is_named_and_nothing_is_created() {
    let pt = Pt::start().await;
    let cnpj = support::cnpj("bad-pj", 1);
    let good = bodies::pj_body(SEED, &cnpj, EMPRESARIAL);
    let today = chrono::Utc::now().date_naive();
    let mut bad = good.clone();
    let last = cnpj.as_bytes()[13] - b'0';
    bad["cnpj"] = json!(format!("{}{}", &cnpj[..13], (last + 1) % 10));
    bad["dataAbertura"] = json!((today + Duration::days(30)).to_string());
    bad["responsavel"]["cpf"] = json!("12345678900");
    bad["responsavel"]["dataNascimento"] = json!((today - Duration::days(365 * 15)).to_string());
    bad["faturamentoMensal"] = json!(1000);
    bad["telefones"][0]["area"] = json!("20");
    let r = pt.post(&path("/contas/pj"), &bad).await;
    assert_erro(&r, 400, "REQUISICAO_INVALIDA");
    let got = campos(&r);
    for campo in [
        "cnpj",
        "dataAbertura",
        "responsavel.cpf",
        "responsavel.dataNascimento",
        "faturamentoMensal",
        "telefones[0].area",
    ] {
        assert!(
            got.contains(&campo.to_string()),
            "{campo} not in {got:?}: {}",
            r.text
        );
    }
    let listed = pt.get(&path(&format!("/cnpj?cnpj={cnpj}"))).await;
    assert_eq!(
        listed.body,
        json!([]),
        "nothing was created: {}",
        listed.text
    );
    assert!(pt.open_pj(&cnpj, EMPRESARIAL).await < 1_000_000_000);
    pt.stop().await;
}
