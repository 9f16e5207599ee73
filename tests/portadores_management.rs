//! Card holders over real sockets, with the self-check on: every change an issuer's back office
//! makes — registration data, limits, product, blocks, VIP, dependents, phones, passwords — with
//! its rules, the history each one leaves (and the history refusals and reads do not leave), and
//! bad input on every write leaving the account as it was.

mod common;
#[path = "portadores_support/mod.rs"]
mod support;

use finsandbox::sandbox::families::portadores::steps::bodies;
use reqwest::Method;
use serde_json::{Value, json};

use support::{
    CLASSICO, EMPRESARIAL, GOLD, Pt, SEED, assert_erro, campos, cpf, ddd_of, event_types, home_uf,
    path,
};

fn generated_id(cpf: &str) -> u64 {
    1_000_000_000 + cpf[..9].parse::<u64>().expect("digits")
}

// ------------------------------------------------------------------------- registration data

/// A change with every field of the seed's PATCH body, for a holder whose income record is `renda`.
fn seed_patch(renda: u64) -> Value {
    json!({
        "nome": "Renata Figueiredo Lins",
        "nomeSocial": "Renata Lins",
        "email": "renata.lins@example.com.br",
        "nacionalidade": "BRASILEIRA",
        "cidadeNatal": "CAMPINA GRANDE",
        "estadoNatal": "PB",
        "enderecoResidencial": {"numero": "812", "cep": "58038000", "complemento": "Apto 1203",
            "logradouro": "Avenida Cabo Branco", "bairro": "Cabo Branco", "localidade": "João Pessoa",
            "uf": "PB", "tempoMoradiaAnos": 3, "tempoMoradiaMeses": 11},
        "enderecoComercial": {"numero": "1500", "cep": "58040000", "logradouro": "Avenida Epitácio Pessoa",
            "bairro": "Tambauzinho", "localidade": "João Pessoa", "uf": "PB",
            "empresa": "Hospital Bom Samaritano", "departamento": "Enfermagem", "cnpj": "42381765006604"},
        "enderecoAlternativo": {"numero": "77", "cep": "58900000", "logradouro": "Rua Coronel José Gomes",
            "bairro": "Centro", "localidade": "Cajazeiras", "uf": "PB", "tipo": "R"},
        "sexo": "FEMININO",
        "nomePai": "Otávio Lins Neto",
        "nomeMae": "Lúcia Figueiredo Lins",
        "idMoradia": 2,
        "idEscolaridade": 7,
        "idOcupacao": 1,
        "renda": {"id": renda, "valor": 4150.5, "comprovada": true},
        "estadoCivil": "CASADO",
        "rg": {"rg": "4873120", "dataEmissao": "2005-05-16", "orgaoEmissor": "SSP", "unidadeFederativa": "PB"},
        "conjuge": {"nome": "Marcos Lins Teixeira", "sexo": "MASCULINO", "dataNascimento": "1985-02-16",
            "nomeEmpresa": "Construtora Litoral", "idProfissao": 6,
            "telefone": {"tipo": "CELULAR", "area": "83", "telefone": "987001122", "receberSMS": false, "faturaDigital": false},
            "cpf": "40192837451", "escolaridade": "SUPERIOR_COMPLETO",
            "rg": {"rg": "5123987", "dataEmissao": "2003-08-20", "orgaoEmissor": "SSP", "unidadeFederativa": "PB"},
            "salario": 6200},
        "pep": {"cpf": "25091738479", "nome": "Severino Ramos Lins", "justificativa": "Tio, prefeito de município"},
        "estrangeiro": {"paisOrigem": "Portugal", "documentoPaisOrigem": "Cartão de Cidadão"},
        "idProfissao": 5,
        "dataAdmissaoProfissao": "2012-03-01",
        "quantidadeAnosProfissao": 14,
        "portadorNecessidadesVisuais": false,
        "inibirEnvioFaturaGrafica": true,
        "dataNascimento": "1987-09-14"
    })
}

#[tokio::test]
async fn the_seeds_patch_changes_the_holder_everywhere_and_its_history_names_the_fields() {
    let pt = Pt::start().await;
    let c = cpf("patch", 1);
    let id = pt.open_pf(&c, GOLD).await;
    let record = pt.get(&path(&format!("/{id}"))).await;
    let renda = record.body["rendas"][0]["id"].as_u64().expect("renda id");
    let patch = seed_patch(renda);
    let r = pt.patch(&path(&format!("/{id}")), &patch).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["nome"], "Renata Figueiredo Lins");
    let info = pt.get(&path(&format!("/{id}/informacoes"))).await;
    assert_eq!(info.body, r.body, "the answer is the registration data now");
    assert_eq!(info.body["enderecoResidencial"]["cep"], "58038000");
    assert_eq!(info.body["conjuge"]["cpf"], "40192837451");

    let after = pt.get(&path(&format!("/{id}"))).await;
    assert_eq!(after.body["nome"], "Renata Figueiredo Lins");
    assert_eq!(after.body["rg"], "4873120");
    assert_eq!(after.body["orgaoEmissorRG"], "SSP");
    assert_eq!(after.body["enderecoResidencial"]["cidade"], "João Pessoa");
    assert_eq!(
        after.body["enderecoComercial"]["empresa"],
        "Hospital Bom Samaritano"
    );
    assert_eq!(after.body["clienteDataNascimento"], "1987-09-14");
    assert_eq!(after.body["rendas"][0]["valor"], 4150.5);
    assert_eq!(after.body["inibirEnvioFaturaGrafica"], true);
    let listed = pt.get(&path(&format!("/contas?cpf={c}"))).await;
    assert_eq!(listed.body[0]["nome"], "Renata Figueiredo Lins");
    let by_rg = pt.get(&path("/rg?rg=4873120")).await;
    assert_eq!(
        by_rg.body[0]["idPortador"], id,
        "the new RG finds the account"
    );
    let old_rg = record.body["rg"].as_str().expect("rg");
    let by_old = pt.get(&path(&format!("/rg?rg={old_rg}"))).await;
    assert_eq!(by_old.body, json!([]), "the old RG no longer does");
    let by_name = pt.get(&path("/nomes?nome=renata%20lins")).await;
    assert_eq!(by_name.body["conteudo"][0]["idPortador"], id);

    let event = pt.last_event(id).await;
    assert_eq!(event["tipo"], "ALTERACAO_CADASTRAL");
    assert_eq!(event["usuario"], "tests");
    let changed: Vec<&str> = event["camposAlterados"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for field in [
        "nome",
        "enderecoResidencial.cep",
        "rg.rg",
        "conjuge",
        "estadoCivil",
    ] {
        assert!(changed.contains(&field), "{field} in {changed:?}");
    }
    assert!(!changed.contains(&"cpf"), "{changed:?}");

    // The same change again changes nothing and writes no event.
    let events = pt.events(id).await;
    let again = pt.patch(&path(&format!("/{id}")), &patch).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(pt.events(id).await, events);
    pt.stop().await;
}

#[tokio::test]
async fn a_bad_patch_names_every_field_and_changes_nothing() {
    let pt = Pt::start().await;
    let id = pt.open_pf(&cpf("bad-patch", 1), GOLD).await;
    let before = pt.get(&path(&format!("/{id}/informacoes"))).await;
    let events = pt.events(id).await;
    let today = chrono::Utc::now().date_naive();
    let mut bad = seed_patch(1);
    bad["conjuge"]["cpf"] = json!("40192837452");
    bad["estadoNatal"] = json!("XX");
    bad["enderecoResidencial"]["cep"] = json!("01310100");
    bad["enderecoAlternativo"]["tipo"] = json!("Z");
    bad["dataNascimento"] = json!((today - chrono::Duration::days(365 * 15)).to_string());
    bad["idEscolaridade"] = json!(99);
    bad["email"] = json!("não é e-mail");
    let r = pt.patch(&path(&format!("/{id}")), &bad).await;
    assert_erro(&r, 400, "REQUISICAO_INVALIDA");
    let got = campos(&r);
    for campo in [
        "conjuge.cpf",
        "estadoNatal",
        "enderecoResidencial.cep",
        "enderecoAlternativo.tipo",
        "dataNascimento",
        "idEscolaridade",
        "email",
        "renda.id",
    ] {
        assert!(got.contains(&campo.to_string()), "{campo} not in {got:?}");
    }
    for body in [
        json!({}),
        json!({"cpf": "52998224725"}),
        json!({"nome": 42}),
        json!({"sexo": "OUTRO"}),
        json!({"cidadeNatal": "Recife", "estadoNatal": "PB"}),
    ] {
        let r = pt.patch(&path(&format!("/{id}")), &body).await;
        assert_erro(&r, 400, "REQUISICAO_INVALIDA");
    }
    let after = pt.get(&path(&format!("/{id}/informacoes"))).await;
    assert_eq!(after.body, before.body, "nothing was changed");
    assert_eq!(pt.events(id).await, events, "no event for a refusal");
    let nobody = pt
        .patch(&path("/999999"), &json!({"email": "x@example.com"}))
        .await;
    assert_erro(&nobody, 404, "PORTADOR_NAO_ENCONTRADO");

    // A company has no mother, sex or birth date.
    let pj = pt
        .open_pj(&support::cnpj("bad-patch", 1), EMPRESARIAL)
        .await;
    let r = pt
        .patch(
            &path(&format!("/{pj}")),
            &json!({"sexo": "FEMININO", "email": "financeiro@example.com.br"}),
        )
        .await;
    assert_erro(&r, 400, "REQUISICAO_INVALIDA");
    assert_eq!(campos(&r), vec!["sexo"], "{}", r.text);
    let ok = pt
        .patch(
            &path(&format!("/{pj}")),
            &json!({"email": "financeiro@example.com.br"}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["email"], "financeiro@example.com.br");
    pt.stop().await;
}

// ------------------------------------------------------------------------------------ limits

#[tokio::test]
async fn limits_stay_within_the_product_and_a_blocked_account_cannot_raise_them() {
    let pt = Pt::start().await;
    let id = pt.open_pf(&cpf("limits", 1), GOLD).await;
    let limites = path(&format!("/{id}/limites"));
    let r = pt
        .patch(
            &limites,
            &json!({"limiteRotativo": 5000, "motivo": "Aumento por renda"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["limiteRotativo"], 5000.0);
    assert_eq!(r.body["limiteMinimoProduto"], 1000.0);
    assert_eq!(r.body["limiteMaximoProduto"], 15000.0);
    let record = pt.get(&path(&format!("/{id}"))).await;
    assert_eq!(record.body["extratoClienteResponse"]["limite"], 5000.0);
    let c = record.body["cpf"].as_str().expect("cpf").to_string();
    let simple = pt.get(&path(&format!("/simplificado/cpf?cpf={c}"))).await;
    assert_eq!(simple.body[0]["limite"], 5000.0);

    let log = pt.get(&path(&format!("/{id}/limites/historico"))).await;
    assert_eq!(log.status, 200, "{}", log.text);
    assert_eq!(log.body["totalElementos"], 2);
    let newest = &log.body["conteudo"][0];
    assert_eq!(newest["limiteAnterior"], 2500.0);
    assert_eq!(newest["limiteNovo"], 5000.0);
    assert_eq!(newest["origem"], "API");
    assert_eq!(newest["motivo"], "Aumento por renda");
    let opening = &log.body["conteudo"][1];
    assert_eq!(opening["origem"], "ABERTURA_CONTA");
    assert_eq!(opening["limiteAnterior"], 0.0);
    assert_eq!(opening["limiteNovo"], 2500.0);
    assert_eq!(pt.last_event(id).await["tipo"], "ALTERACAO_LIMITE");

    // Outside the product's bounds, installments above the limit, unknown fields: 400.
    let events = pt.events(id).await;
    for (body, campo) in [
        (json!({"limiteRotativo": 20000}), "limiteRotativo"),
        (json!({"limiteRotativo": 500}), "limiteRotativo"),
        (json!({"limiteRotativo": 3000.123}), "limiteRotativo"),
        (
            json!({"limiteRotativo": 3000, "limiteParcelado": 3500}),
            "limiteParcelado",
        ),
        (json!({"limiteRotativo": "3000"}), "limiteRotativo"),
        (json!({"limiteParcelado": 1000}), "limiteRotativo"),
        (json!({"limiteRotativo": 3000, "limite": 1}), "limite"),
    ] {
        let r = pt.patch(&limites, &body).await;
        assert_erro(&r, 400, "REQUISICAO_INVALIDA");
        assert!(
            campos(&r).contains(&campo.to_string()),
            "{body}: {}",
            r.text
        );
    }
    assert_eq!(pt.events(id).await, events, "refusals leave no event");

    // Blocked: lowering is allowed, raising is not.
    let block = pt
        .post(
            &path("/bloqueios"),
            &json!({"idPortador": id, "idTipoBloqueio": 1}),
        )
        .await;
    assert_eq!(block.status, 201, "{}", block.text);
    let raise = pt.patch(&limites, &json!({"limiteRotativo": 6000})).await;
    assert_erro(&raise, 422, "PORTADOR_BLOQUEADO");
    let lower = pt.patch(&limites, &json!({"limiteRotativo": 3000})).await;
    assert_eq!(lower.status, 200, "{}", lower.text);
    assert_eq!(
        lower.body["limiteParcelado"].as_f64().map(|p| p <= 3000.0),
        Some(true)
    );
    let unblock = pt
        .post(&path("/desbloqueios"), &json!({"idPortador": id}))
        .await;
    assert_eq!(unblock.status, 200, "{}", unblock.text);
    let raise = pt.patch(&limites, &json!({"limiteRotativo": 6000})).await;
    assert_eq!(raise.status, 200, "{}", raise.text);
    let log = pt.get(&path(&format!("/{id}/limites/historico"))).await;
    let news: Vec<f64> = log.body["conteudo"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|l| l["limiteNovo"].as_f64())
        .collect();
    assert_eq!(
        news,
        vec![6000.0, 3000.0, 5000.0, 2500.0],
        "newest first, refusals absent"
    );
    // The same limit again is no change.
    let same = pt.patch(&limites, &json!({"limiteRotativo": 6000})).await;
    assert_eq!(same.status, 200, "{}", same.text);
    let log = pt.get(&path(&format!("/{id}/limites/historico"))).await;
    assert_eq!(log.body["totalElementos"], 4);
    pt.stop().await;
}

// ------------------------------------------------------------------------------------ blocks

#[tokio::test]
async fn blocks_follow_the_issuers_types_and_unblocking_needs_a_block() {
    let pt = Pt::start().await;
    let id = pt.open_pf(&cpf("blocks", 1), GOLD).await;
    let tipos = pt.get(&path("/bloqueios/tipos")).await;
    let tipo = |code: &str| {
        tipos
            .body
            .as_array()
            .and_then(|l| l.iter().find(|t| t["codigo"] == code))
            .and_then(|t| t["id"].as_u64())
            .expect("a block type")
    };
    let (temporario, fraude, perda) = (tipo("TEMPORARIO"), tipo("SUSPEITA_FRAUDE"), tipo("PERDA"));

    let none = pt
        .post(&path("/desbloqueios"), &json!({"idPortador": id}))
        .await;
    assert_erro(&none, 422, "PORTADOR_NAO_BLOQUEADO");
    let unknown = pt
        .post(
            &path("/bloqueios"),
            &json!({"idPortador": id, "idTipoBloqueio": 99}),
        )
        .await;
    assert_erro(&unknown, 400, "REQUISICAO_INVALIDA");
    assert_eq!(campos(&unknown), vec!["idTipoBloqueio"]);
    let nobody = pt
        .post(
            &path("/bloqueios"),
            &json!({"idPortador": 999999, "idTipoBloqueio": temporario}),
        )
        .await;
    assert_erro(&nobody, 404, "PORTADOR_NAO_ENCONTRADO");

    let blocked = pt
        .post(
            &path("/bloqueios"),
            &json!({"idPortador": id, "idTipoBloqueio": temporario, "observacao": "Viagem"}),
        )
        .await;
    assert_eq!(blocked.status, 201, "{}", blocked.text);
    assert_eq!(blocked.body["statusCliente"], "BLOQUEADO");
    assert_eq!(blocked.body["statusCartao"], "BLOQUEADO");
    assert_eq!(blocked.body["tipoBloqueio"]["codigo"], "TEMPORARIO");
    let record = pt.get(&path(&format!("/{id}"))).await;
    assert_eq!(record.body["statusCliente"], "BLOQUEADO");
    assert_eq!(record.body["statusCartao"], "BLOQUEADO");
    let c = record.body["cpf"].as_str().expect("cpf").to_string();
    let listed = pt.get(&path(&format!("/contas?cpf={c}"))).await;
    assert_eq!(
        listed.body[0]["statusCliente"], "BLOQUEADO",
        "look-ups agree"
    );
    let again = pt
        .post(
            &path("/bloqueios"),
            &json!({"idPortador": id, "idTipoBloqueio": fraude}),
        )
        .await;
    assert_erro(&again, 409, "PORTADOR_JA_BLOQUEADO");

    let lifted = pt
        .post(
            &path("/desbloqueios"),
            &json!({"idPortador": id, "observacao": "Voltou"}),
        )
        .await;
    assert_eq!(lifted.status, 200, "{}", lifted.text);
    assert_eq!(lifted.body["idBloqueio"], blocked.body["id"]);
    assert_eq!(lifted.body["statusCliente"], "ATIVO");
    let record = pt.get(&path(&format!("/{id}"))).await;
    assert_eq!(record.body["statusCartao"], "ATIVO");
    assert!(
        record.body["ultimoMotivoBloqueioCliente"]
            .as_str()
            .is_some_and(|m| m.contains("temporário")),
        "{}",
        record.text
    );

    // A temporary block may become definitive; a definitive one stays.
    for t in [temporario, perda] {
        let r = pt
            .post(
                &path("/bloqueios"),
                &json!({"idPortador": id, "idTipoBloqueio": t}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let record = pt.get(&path(&format!("/{id}"))).await;
    assert_eq!(
        record.body["statusCartao"], "CANCELADO",
        "a lost card is gone"
    );
    assert_eq!(record.body["statusCliente"], "BLOQUEADO");
    let unblock = pt
        .post(&path("/desbloqueios"), &json!({"idPortador": id}))
        .await;
    assert_erro(&unblock, 422, "BLOQUEIO_DEFINITIVO");
    let replace = pt
        .post(
            &path("/bloqueios"),
            &json!({"idPortador": id, "idTipoBloqueio": temporario}),
        )
        .await;
    assert_erro(&replace, 422, "BLOQUEIO_DEFINITIVO");

    assert_eq!(
        event_types(&pt, id).await,
        vec![
            "BLOQUEIO",
            "BLOQUEIO",
            "DESBLOQUEIO",
            "BLOQUEIO",
            "ABERTURA_CONTA"
        ],
        "one event per change, none for the refusals"
    );
    pt.stop().await;
}

#[tokio::test]
async fn a_canceled_account_accepts_no_change_but_can_still_be_read() {
    let pt = Pt::start().await;
    let id = pt.open_pf(&cpf("canceled", 1), GOLD).await;
    let r = pt
        .post(
            &path("/bloqueios"),
            &json!({"idPortador": id, "idTipoBloqueio": 8}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["statusCliente"], "CANCELADO");
    let events = pt.events(id).await;
    let lower = pt
        .patch(
            &path(&format!("/{id}/limites")),
            &json!({"limiteRotativo": 1500}),
        )
        .await;
    assert_erro(&lower, 422, "CONTA_CANCELADA");
    let vip = pt
        .post(&path(&format!("/{id}/vipagem")), &json!({"vip": true}))
        .await;
    assert_erro(&vip, 422, "CONTA_CANCELADA");
    let sms = pt
        .post(&path(&format!("/{id}/senhas/sms")), &Value::Null)
        .await;
    assert_erro(&sms, 422, "CONTA_CANCELADA");
    let patch = pt
        .patch(
            &path(&format!("/{id}")),
            &json!({"email": "novo@example.com.br"}),
        )
        .await;
    assert_erro(&patch, 422, "CONTA_CANCELADA");
    assert_eq!(pt.events(id).await, events);
    let record = pt.get(&path(&format!("/{id}"))).await;
    assert_eq!(record.status, 200);
    assert_eq!(record.body["statusCliente"], "CANCELADO");
    pt.stop().await;
}

// ----------------------------------------------------------------------------------- product

#[tokio::test]
async fn a_product_change_issues_a_new_card_and_keeps_the_rules() {
    let pt = Pt::start().await;
    let c = cpf("product", 1);
    let id = pt.open_pf(&c, CLASSICO).await;
    let before = pt.get(&path(&format!("/{id}"))).await;
    let moved = pt
        .patch(
            &path("/produto"),
            &json!({"idPortador": id, "idProduto": 3}),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.body["produtoAnterior"]["id"], 1);
    assert_eq!(moved.body["produtoAtual"]["id"], 3);
    let card = moved.body["cartaoMascarado"].as_str().expect("card");
    assert!(card.starts_with("5234"), "the Gold BIN: {card}");
    assert_ne!(moved.body["cartaoMascarado"], before.body["cartao"]);
    let after = pt.get(&path(&format!("/{id}"))).await;
    assert_eq!(after.body["produto"]["id"], 3);
    assert_eq!(after.body["cartao"], moved.body["cartaoMascarado"]);
    let listed = pt.get(&path(&format!("/contas?cpf={c}"))).await;
    assert_eq!(listed.body[0]["produto"]["id"], 3);
    assert_eq!(pt.last_event(id).await["tipo"], "TROCA_PRODUTO");

    let events = pt.events(id).await;
    let same = pt
        .patch(
            &path("/produto"),
            &json!({"idPortador": id, "idProduto": 3}),
        )
        .await;
    assert_erro(&same, 422, "PRODUTO_ATUAL");
    let business = pt
        .patch(
            &path("/produto"),
            &json!({"idPortador": id, "idProduto": 5}),
        )
        .await;
    assert_erro(&business, 400, "REQUISICAO_INVALIDA");
    assert_eq!(campos(&business), vec!["idProduto"]);
    let missing = pt
        .patch(
            &path("/produto"),
            &json!({"idPortador": id, "idProduto": 42}),
        )
        .await;
    assert_erro(&missing, 400, "REQUISICAO_INVALIDA");
    // Platinum starts at R$ 5 000: the R$ 1 000 limit does not fit.
    let platinum = pt
        .patch(
            &path("/produto"),
            &json!({"idPortador": id, "idProduto": 4}),
        )
        .await;
    assert_erro(&platinum, 422, "LIMITE_FORA_DO_PRODUTO");
    // A second account of the CPF on the Classic card: moving back there would make two.
    let second = pt.open_pf(&c, CLASSICO).await;
    let back = pt
        .patch(
            &path("/produto"),
            &json!({"idPortador": id, "idProduto": 1}),
        )
        .await;
    assert_erro(&back, 409, "CONTA_JA_EXISTENTE");
    assert!(back.text.contains(&second.to_string()), "{}", back.text);
    let blocked = pt
        .post(
            &path("/bloqueios"),
            &json!({"idPortador": id, "idTipoBloqueio": 1}),
        )
        .await;
    assert_eq!(blocked.status, 201);
    let while_blocked = pt
        .patch(
            &path("/produto"),
            &json!({"idPortador": id, "idProduto": 4}),
        )
        .await;
    assert_erro(&while_blocked, 422, "PORTADOR_BLOQUEADO");
    assert_eq!(
        pt.events(id).await,
        events + 1,
        "only the block was recorded"
    );
    pt.stop().await;
}

#[tokio::test]
async fn vip_classification_changes_once_and_shows_in_the_history() {
    let pt = Pt::start().await;
    let id = pt.open_pf(&cpf("vip", 1), GOLD).await;
    let vip = path(&format!("/{id}/vipagem"));
    let on = pt
        .post(&vip, &json!({"vip": true, "motivo": "Cliente prioritário"}))
        .await;
    assert_eq!(on.status, 200, "{}", on.text);
    assert_eq!(on.body["vip"], true);
    assert_eq!(pt.get(&path(&format!("/{id}"))).await.body["vip"], true);
    let events = pt.events(id).await;
    let twice = pt.post(&vip, &json!({"vip": true})).await;
    assert_eq!(twice.status, 200);
    assert_eq!(twice.body["dataAlteracao"], on.body["dataAlteracao"]);
    assert_eq!(pt.events(id).await, events, "no change, no event");
    let off = pt.post(&vip, &json!({"vip": false})).await;
    assert_eq!(off.body["vip"], false);
    assert_eq!(
        event_types(&pt, id).await[..2],
        ["VIPAGEM".to_string(), "VIPAGEM".to_string()]
    );
    for body in [
        json!({}),
        json!({"vip": "sim"}),
        json!({"vip": true, "nivel": 2}),
    ] {
        let r = pt.post(&vip, &body).await;
        assert_erro(&r, 400, "REQUISICAO_INVALIDA");
    }
    pt.stop().await;
}

// -------------------------------------------------------------------------------- dependents

#[tokio::test]
async fn dependents_are_added_listed_and_never_the_holder_himself() {
    let pt = Pt::start().await;
    let c = cpf("dependents", 1);
    let id = pt.open_pf(&c, GOLD).await;
    let deps = path(&format!("/{id}/dependentes"));
    let d1 = cpf("dependents", 2);
    let added = pt.post(&deps, &bodies::dependente_body(SEED, &d1)).await;
    assert_eq!(added.status, 201, "{}", added.text);
    assert_eq!(added.body["cpf"], d1.as_str());
    assert_eq!(added.body["idClienteTitularAssociado"], id);
    assert_eq!(added.body["status"], "A");
    assert_eq!(added.body["persisted"], true);
    let listed = pt.get(&deps).await;
    assert_eq!(listed.body, json!([added.body]));
    let by_cpf = pt.get(&path(&format!("/dependentes/cpf?cpf={c}"))).await;
    assert_eq!(by_cpf.body, listed.body);
    let record = pt.get(&path(&format!("/{id}"))).await;
    assert_eq!(record.body["dependentes"][0]["id"], added.body["id"]);
    assert_eq!(record.body["dependentes"][0]["cpf"], d1.as_str());
    assert_eq!(pt.last_event(id).await["tipo"], "INCLUSAO_DEPENDENTE");

    let events = pt.events(id).await;
    let own = pt.post(&deps, &bodies::dependente_body(SEED, &c)).await;
    assert_erro(&own, 422, "DEPENDENTE_E_TITULAR");
    let twice = pt.post(&deps, &bodies::dependente_body(SEED, &d1)).await;
    assert_erro(&twice, 409, "DEPENDENTE_JA_CADASTRADO");
    let today = chrono::Utc::now().date_naive();
    let mut bad = bodies::dependente_body(SEED, &cpf("dependents", 3));
    bad["cpf"] = json!("12345678900");
    bad["dataNascimento"] = json!((today - chrono::Duration::days(365 * 10)).to_string());
    bad["grauParentesco"] = json!("VIZINHO");
    bad["nomeMae"] = json!("Ana");
    let r = pt.post(&deps, &bad).await;
    assert_erro(&r, 400, "REQUISICAO_INVALIDA");
    let got = campos(&r);
    for campo in ["cpf", "dataNascimento", "grauParentesco", "nomeMae"] {
        assert!(got.contains(&campo.to_string()), "{campo}: {}", r.text);
    }
    assert_eq!(pt.events(id).await, events);
    assert_eq!(pt.get(&deps).await.body.as_array().map(Vec::len), Some(1));

    // Five at most.
    for n in 3..=6 {
        let r = pt
            .post(&deps, &bodies::dependente_body(SEED, &cpf("dependents", n)))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let sixth = pt
        .post(&deps, &bodies::dependente_body(SEED, &cpf("dependents", 7)))
        .await;
    assert_erro(&sixth, 422, "LIMITE_DE_ADICIONAIS");
    assert_eq!(pt.get(&deps).await.body.as_array().map(Vec::len), Some(5));
    let nobody = pt
        .get(&path(&format!(
            "/dependentes/cpf?cpf={}",
            cpf("dependents", 8)
        )))
        .await;
    assert_eq!(
        nobody.body,
        json!([]),
        "a generated holder has no dependents"
    );
    pt.stop().await;
}

// ------------------------------------------------------------------------------------ phones

#[tokio::test]
async fn phones_are_added_confirmed_for_sms_and_deleted() {
    let pt = Pt::start().await;
    let id = pt.open_pf(&cpf("phones", 1), GOLD).await;
    let uf = home_uf(&pt, id).await;
    let ddd = ddd_of(&uf);
    let phones = path(&format!("/{id}/telefones"));
    let opened = pt.get(&phones).await;
    assert_eq!(opened.body.as_array().map(Vec::len), Some(1));
    let first = opened.body[0]["id"].as_u64().expect("id");
    assert_eq!(opened.body[0]["receberSMS"], true);

    let landline = pt
        .post(
            &phones,
            &json!({"tipo": "RESIDENCIAL", "area": ddd, "telefone": "32451234", "ramal": "12"}),
        )
        .await;
    assert_eq!(landline.status, 201, "{}", landline.text);
    assert_eq!(landline.body["receberSMS"], false);
    let landline_id = landline.body["id"].as_u64().expect("id");
    let refused = pt
        .post(
            &path(&format!("/{id}/telefones/recebe-sms")),
            &json!({"idTelefone": landline_id}),
        )
        .await;
    assert_erro(&refused, 422, "TELEFONE_NAO_CELULAR");

    let mobile = pt
        .post(
            &phones,
            &json!({"tipo": "CELULAR", "area": "83", "telefone": "988776655"}),
        )
        .await;
    assert_eq!(mobile.status, 201, "{}", mobile.text);
    let mobile_id = mobile.body["id"].as_u64().expect("id");
    let confirmed = pt
        .post(
            &path(&format!("/{id}/telefones/recebe-sms")),
            &json!({"idTelefone": mobile_id}),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    assert_eq!(confirmed.body["receberSMS"], true);
    let listed = pt.get(&phones).await;
    let sms: Vec<u64> = listed
        .body
        .as_array()
        .expect("list")
        .iter()
        .filter(|t| t["receberSMS"] == true)
        .filter_map(|t| t["id"].as_u64())
        .collect();
    assert_eq!(sms, vec![mobile_id], "SMS goes to one phone");
    let info = pt.get(&path(&format!("/{id}/informacoes"))).await;
    assert_eq!(
        info.body["telefones"], listed.body,
        "the registration data agrees"
    );

    let events = pt.events(id).await;
    let twice = pt
        .post(
            &phones,
            &json!({"tipo": "CELULAR", "area": "83", "telefone": "988776655"}),
        )
        .await;
    assert_erro(&twice, 409, "TELEFONE_JA_CADASTRADO");
    let other_uf = if uf == "SP" { "83" } else { "11" };
    for (body, campo) in [
        (
            json!({"tipo": "RESIDENCIAL", "area": other_uf, "telefone": "32451235"}),
            "area",
        ),
        (
            json!({"tipo": "CELULAR", "area": "83", "telefone": "32451235"}),
            "telefone",
        ),
        (
            json!({"tipo": "CELULAR", "area": "20", "telefone": "988776600"}),
            "area",
        ),
        (
            json!({"tipo": "FAX", "area": "83", "telefone": "988776600"}),
            "tipo",
        ),
        (
            json!({"tipo": "RESIDENCIAL", "area": ddd, "telefone": "32451236", "receberSMS": true}),
            "receberSMS",
        ),
        (json!({"area": "83", "telefone": "988776600"}), "tipo"),
    ] {
        let r = pt.post(&phones, &body).await;
        assert_erro(&r, 400, "REQUISICAO_INVALIDA");
        assert!(
            campos(&r).contains(&campo.to_string()),
            "{body}: {}",
            r.text
        );
    }
    assert_eq!(pt.events(id).await, events);

    let gone = pt
        .delete(&path(&format!("/{id}/telefones/{mobile_id}")))
        .await;
    assert_eq!(gone.status, 204, "{}", gone.text);
    assert!(gone.text.is_empty());
    let listed = pt.get(&phones).await;
    let ids: Vec<u64> = listed
        .body
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|t| t["id"].as_u64())
        .collect();
    assert_eq!(
        ids,
        vec![first, landline_id],
        "a deleted phone is gone from the list"
    );
    assert!(
        listed
            .body
            .as_array()
            .expect("list")
            .iter()
            .all(|t| t["receberSMS"] == false)
    );
    let again = pt
        .delete(&path(&format!("/{id}/telefones/{mobile_id}")))
        .await;
    assert_erro(&again, 404, "TELEFONE_NAO_ENCONTRADO");
    let unknown = pt
        .post(
            &path(&format!("/{id}/telefones/recebe-sms")),
            &json!({"idTelefone": 77}),
        )
        .await;
    assert_erro(&unknown, 404, "TELEFONE_NAO_ENCONTRADO");
    // Without a phone for SMS no password can be sent.
    let sms = pt
        .post(&path(&format!("/{id}/senhas/sms")), &Value::Null)
        .await;
    assert_erro(&sms, 422, "SEM_TELEFONE_SMS");
    // The first mobile can take SMS again.
    let back = pt
        .post(
            &path(&format!("/{id}/telefones/recebe-sms")),
            &json!({"idTelefone": first}),
        )
        .await;
    assert_eq!(back.status, 200, "{}", back.text);
    assert_eq!(pt.sms_password(id).await.len(), 6);
    assert_eq!(
        event_types(&pt, id).await[..6],
        [
            "ENVIO_SENHA_SMS",
            "HABILITACAO_SMS",
            "EXCLUSAO_TELEFONE",
            "HABILITACAO_SMS",
            "INCLUSAO_TELEFONE",
            "INCLUSAO_TELEFONE",
        ]
        .map(String::from)
    );
    pt.stop().await;
}

// --------------------------------------------------------------------------------- passwords

#[tokio::test]
async fn a_password_change_needs_the_current_one_and_refuses_trivial_ones() {
    let pt = Pt::start().await;
    let id = pt.open_pf(&cpf("passwords", 1), GOLD).await;
    let senha = path(&format!("/{id}/senha"));
    let unset = pt
        .patch(&senha, &json!({"senhaAtual": "2580", "novaSenha": "7391"}))
        .await;
    assert_erro(&unset, 422, "SENHA_NAO_CADASTRADA");

    let sent = pt
        .post(&path(&format!("/{id}/senhas/sms")), &Value::Null)
        .await;
    assert_eq!(sent.status, 202, "{}", sent.text);
    assert!(
        sent.body["telefone"]
            .as_str()
            .is_some_and(|t| t.contains("*****")),
        "masked: {}",
        sent.text
    );
    let outbox = pt
        .env
        .control(
            Method::GET,
            &format!("/sandbox/portadores/sms?idPortador={id}"),
            Value::Null,
        )
        .await;
    let provisional = outbox.body["mensagens"][0]["senha"]
        .as_str()
        .expect("senha")
        .to_string();
    assert_eq!(
        outbox.body["mensagens"][0]["idMensagem"],
        sent.body["idMensagem"]
    );
    assert!(
        outbox.body["mensagens"][0]["texto"]
            .as_str()
            .is_some_and(|t| t.contains(&provisional)),
        "{}",
        outbox.text
    );
    assert_eq!(
        pt.get(&path(&format!("/{id}"))).await.body["senhaExpirada"],
        true
    );

    let wrong = pt
        .patch(
            &senha,
            &json!({"senhaAtual": "000000", "novaSenha": "7391"}),
        )
        .await;
    assert_erro(&wrong, 422, "SENHA_INCORRETA");
    let birth = pt.get(&path(&format!("/{id}"))).await.body["clienteDataNascimento"]
        .as_str()
        .expect("birth")
        .to_string();
    let ddmm = format!("{}{}", &birth[8..10], &birth[5..7]);
    for trivial in [
        "1234",
        "987654",
        "8901",
        "1111",
        "1212",
        "373737",
        ddmm.as_str(),
        provisional.as_str(),
    ] {
        let r = pt
            .patch(
                &senha,
                &json!({"senhaAtual": provisional, "novaSenha": trivial}),
            )
            .await;
        assert_erro(&r, 400, "REQUISICAO_INVALIDA");
        assert_eq!(campos(&r), vec!["novaSenha"], "{trivial}: {}", r.text);
    }
    for (body, campo) in [
        (
            json!({"senhaAtual": provisional, "novaSenha": "12a4"}),
            "novaSenha",
        ),
        (
            json!({"senhaAtual": provisional, "novaSenha": "123"}),
            "novaSenha",
        ),
        (
            json!({"senhaAtual": provisional, "novaSenha": 7391}),
            "novaSenha",
        ),
        (json!({"novaSenha": "7391"}), "senhaAtual"),
        (
            json!({"senhaAtual": provisional, "novaSenha": "7391", "confirmacao": "7391"}),
            "confirmacao",
        ),
    ] {
        let r = pt.patch(&senha, &body).await;
        assert_erro(&r, 400, "REQUISICAO_INVALIDA");
        assert!(
            campos(&r).contains(&campo.to_string()),
            "{body}: {}",
            r.text
        );
    }

    let changed = pt
        .patch(
            &senha,
            &json!({"senhaAtual": provisional, "novaSenha": "7391"}),
        )
        .await;
    assert_eq!(changed.status, 204, "{}", changed.text);
    assert!(changed.text.is_empty());
    assert_eq!(
        pt.get(&path(&format!("/{id}"))).await.body["senhaExpirada"],
        false
    );
    let old = pt
        .patch(
            &senha,
            &json!({"senhaAtual": provisional, "novaSenha": "5820"}),
        )
        .await;
    assert_erro(&old, 422, "SENHA_INCORRETA");
    let next = pt
        .patch(&senha, &json!({"senhaAtual": "7391", "novaSenha": "5820"}))
        .await;
    assert_eq!(next.status, 204, "{}", next.text);

    // No answer and no history event carries a password.
    let history = pt
        .get(&path(&format!("/{id}/historico?tamanhoPagina=100")))
        .await;
    let record = pt.get(&path(&format!("/{id}"))).await;
    for text in [&history.text, &record.text] {
        for pin in ["7391", "5820", provisional.as_str()] {
            assert!(!text.contains(pin), "{pin} leaked: {text}");
        }
    }
    let types = event_types(&pt, id).await;
    assert_eq!(
        types[..3],
        ["ALTERACAO_SENHA", "ALTERACAO_SENHA", "ENVIO_SENHA_SMS"].map(String::from),
        "refused attempts leave none"
    );
    pt.stop().await;
}

#[tokio::test]
async fn three_wrong_passwords_lock_it_until_a_new_one_comes_by_sms() {
    let pt = Pt::start().await;
    let id = pt.open_pf(&cpf("lock", 1), GOLD).await;
    let senha = path(&format!("/{id}/senha"));
    let first = pt.sms_password(id).await;
    for _ in 0..2 {
        let r = pt
            .patch(
                &senha,
                &json!({"senhaAtual": "000000", "novaSenha": "7391"}),
            )
            .await;
        assert_erro(&r, 422, "SENHA_INCORRETA");
    }
    // A right answer in between starts the count over.
    let trivial = pt
        .patch(&senha, &json!({"senhaAtual": first, "novaSenha": "1234"}))
        .await;
    assert_erro(&trivial, 400, "REQUISICAO_INVALIDA");
    for n in 1..=3 {
        let r = pt
            .patch(
                &senha,
                &json!({"senhaAtual": "000000", "novaSenha": "7391"}),
            )
            .await;
        let code = if n < 3 {
            "SENHA_INCORRETA"
        } else {
            "SENHA_BLOQUEADA"
        };
        assert_erro(&r, 422, code);
    }
    let right = pt
        .patch(&senha, &json!({"senhaAtual": first, "novaSenha": "7391"}))
        .await;
    assert_erro(&right, 422, "SENHA_BLOQUEADA");
    assert_eq!(pt.last_event(id).await["tipo"], "SENHA_BLOQUEADA");
    let second = pt.sms_password(id).await;
    let ok = pt
        .patch(&senha, &json!({"senhaAtual": second, "novaSenha": "7391"}))
        .await;
    assert_eq!(ok.status, 204, "{}", ok.text);
    pt.stop().await;
}

#[tokio::test]
async fn concurrent_changes_of_one_password_let_exactly_one_win() {
    let pt = Pt::start().await;
    let id = pt.open_pf(&cpf("race", 1), GOLD).await;
    let current = pt.sms_password(id).await;
    let senha = path(&format!("/{id}/senha"));
    // Three at once: a request that starts after the winner committed holds a wrong current
    // password and counts as a wrong attempt, as it would at the issuer; two of those stay under
    // the lock (three).
    let attempts = ["7391", "5820", "4096"];
    let bodies: Vec<Value> = attempts
        .iter()
        .map(|nova| json!({"senhaAtual": current, "novaSenha": nova}))
        .collect();
    let replies = futures::future::join_all(bodies.iter().map(|b| pt.patch(&senha, b))).await;
    let winners: Vec<&str> = attempts
        .iter()
        .zip(&replies)
        .filter(|(_, r)| r.status == 204)
        .map(|(n, _)| *n)
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for r in replies.iter().filter(|r| r.status != 204) {
        assert!(
            [409, 422].contains(&r.status),
            "a loser is told the password changed under it: {}",
            r.text
        );
    }
    let ok = pt
        .patch(
            &senha,
            &json!({"senhaAtual": winners[0], "novaSenha": "9184"}),
        )
        .await;
    assert_eq!(
        ok.status, 204,
        "the winner's password is the one kept: {}",
        ok.text
    );
    pt.stop().await;
}

// ----------------------------------------------------------------------------------- history

#[tokio::test]
async fn every_change_is_in_the_history_and_reads_and_refusals_leave_none() {
    let pt = Pt::start().await;
    let id = pt.open_pf(&cpf("history", 1), GOLD).await;
    let opening = pt.last_event(id).await;
    assert_eq!(opening["tipo"], "ABERTURA_CONTA");
    assert_eq!(opening["origem"], "API");
    assert_eq!(opening["usuario"], "tests");
    let writes: Vec<(Method, String, Value, u16)> = vec![
        (
            Method::PATCH,
            format!("/{id}"),
            json!({"email": "outro@example.com.br"}),
            200,
        ),
        (
            Method::PATCH,
            format!("/{id}/limites"),
            json!({"limiteRotativo": 4000}),
            200,
        ),
        (
            Method::POST,
            "/bloqueios".into(),
            json!({"idPortador": id, "idTipoBloqueio": 1}),
            201,
        ),
        (
            Method::POST,
            "/desbloqueios".into(),
            json!({"idPortador": id}),
            200,
        ),
        (
            Method::POST,
            format!("/{id}/vipagem"),
            json!({"vip": true}),
            200,
        ),
        (
            Method::POST,
            format!("/{id}/dependentes"),
            bodies::dependente_body(SEED, &cpf("history", 2)),
            201,
        ),
        (
            Method::POST,
            format!("/{id}/telefones"),
            json!({"tipo": "CELULAR", "area": "83", "telefone": "987650000"}),
            201,
        ),
        (Method::POST, format!("/{id}/senhas/sms"), Value::Null, 202),
        (
            Method::PATCH,
            "/produto".into(),
            json!({"idPortador": id, "idProduto": 4}),
            422,
        ),
        (
            Method::PATCH,
            "/produto".into(),
            json!({"idPortador": id, "idProduto": 1}),
            200,
        ),
    ];
    for (method, route, body, status) in &writes {
        let r = pt
            .call(method.clone(), &path(route), Some(&pt.token), Some(body))
            .await;
        assert_eq!(r.status, *status, "{method} {route}: {}", r.text);
        // Reads in between change nothing.
        for read in [
            "",
            "/informacoes",
            "/ciclo",
            "/historico",
            "/telefones",
            "/dependentes",
        ] {
            assert_eq!(pt.get(&path(&format!("/{id}{read}"))).await.status, 200);
        }
    }
    let types = event_types(&pt, id).await;
    assert_eq!(
        types,
        [
            "TROCA_PRODUTO",
            "ENVIO_SENHA_SMS",
            "INCLUSAO_TELEFONE",
            "INCLUSAO_DEPENDENTE",
            "VIPAGEM",
            "DESBLOQUEIO",
            "BLOQUEIO",
            "ALTERACAO_LIMITE",
            "ALTERACAO_CADASTRAL",
            "ABERTURA_CONTA",
        ]
        .map(String::from)
    );
    // Paged newest first, ids growing with time.
    let page = pt
        .get(&path(&format!("/{id}/historico?pagina=2&tamanhoPagina=3")))
        .await;
    assert_eq!(page.body["totalElementos"], 10);
    assert_eq!(page.body["totalPaginas"], 4);
    assert_eq!(page.body["conteudo"][0]["tipo"], "INCLUSAO_DEPENDENTE");
    let all = pt
        .get(&path(&format!("/{id}/historico?tamanhoPagina=100")))
        .await;
    let ids: Vec<u64> = all.body["conteudo"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|e| e["id"].as_u64())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    for bad in ["pagina=0", "tamanhoPagina=101", "pagina=x"] {
        let r = pt.get(&path(&format!("/{id}/historico?{bad}"))).await;
        assert_erro(&r, 400, "REQUISICAO_INVALIDA");
    }
    let unknown = pt.get(&path("/999999/historico")).await;
    assert_erro(&unknown, 404, "PORTADOR_NAO_ENCONTRADO");
    pt.stop().await;
}

#[tokio::test]
async fn a_generated_holder_keeps_its_data_and_gains_a_history_on_its_first_write() {
    let pt = Pt::start().await;
    let c = cpf("generated-write", 1);
    let id = generated_id(&c);
    let before = pt.get(&path(&format!("/{id}"))).await;
    assert_eq!(before.status, 200, "{}", before.text);
    let history = pt.get(&path(&format!("/{id}/historico"))).await;
    assert_eq!(history.status, 200, "{}", history.text);
    let opened_events = history.body["totalElementos"].as_u64().expect("count");
    let limit = before.body["extratoClienteResponse"]["limite"]
        .as_f64()
        .expect("limit");
    let lower = (limit / 2.0).floor().max(300.0);
    let r = pt
        .patch(
            &path(&format!("/{id}/limites")),
            &json!({"limiteRotativo": lower}),
        )
        .await;
    // A generated account's limit may sit on its product's floor: a refusal must then say so.
    if r.status == 400 {
        assert!(
            campos(&r).contains(&"limiteRotativo".to_string()),
            "{}",
            r.text
        );
        let vip = pt
            .post(&path(&format!("/{id}/vipagem")), &json!({"vip": true}))
            .await;
        assert_eq!(vip.status, 200, "{}", vip.text);
    } else {
        assert_eq!(r.status, 200, "{}", r.text);
    }
    assert_eq!(pt.events(id).await, opened_events + 1);
    let after = pt.get(&path(&format!("/{id}"))).await;
    for k in [
        "nome",
        "cpf",
        "rg",
        "clienteDataNascimento",
        "cartao",
        "enderecoResidencial",
    ] {
        assert_eq!(after.body[k], before.body[k], "{k} kept on the first write");
    }
    pt.stop().await;
}

// ---------------------------------------------------------------------------- bad input

#[tokio::test]
async fn malformed_bodies_on_every_write_are_refused_and_change_nothing() {
    let pt = Pt::start().await;
    let id = pt.open_pf(&cpf("malformed", 1), GOLD).await;
    let before = pt.get(&path(&format!("/{id}"))).await;
    let events = pt.events(id).await;
    let writes = [
        ("PATCH", format!("/{id}")),
        ("PATCH", format!("/{id}/limites")),
        ("PATCH", "/produto".to_string()),
        ("POST", "/bloqueios".to_string()),
        ("POST", "/desbloqueios".to_string()),
        ("POST", format!("/{id}/vipagem")),
        ("POST", format!("/{id}/dependentes")),
        ("PATCH", format!("/{id}/senha")),
        ("POST", format!("/{id}/telefones")),
        ("POST", format!("/{id}/telefones/recebe-sms")),
    ];
    for (method, route) in &writes {
        for (content_type, text, status) in [
            ("application/json", "{\"idPortador\": ", 400),
            ("application/json", "[]", 400),
            ("application/json", "null", 400),
            ("application/json", "{\"idPortador\": \"um\"}", 400),
            ("application/xml", "<portador/>", 415),
        ] {
            let r = common::reply(
                pt.env
                    .http
                    .request(method.parse().expect("method"), pt.env.url(&path(route)))
                    .bearer_auth(&pt.token)
                    .header("content-type", content_type)
                    .body(text)
                    .send()
                    .await
                    .expect("request"),
            )
            .await;
            assert_eq!(r.status, status, "{method} {route} {text}: {}", r.text);
            assert!(r.body["codigo"].is_string(), "the Erro body: {}", r.text);
        }
    }
    let after = pt.get(&path(&format!("/{id}"))).await;
    assert_eq!(after.body, before.body);
    assert_eq!(pt.events(id).await, events);
    pt.stop().await;
}
