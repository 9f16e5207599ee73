//! The spec and the family's logic checked against each other: the document loads with the
//! project's loader and lists every endpoint of the seed; every operation declares its scope and
//! the family's error body; the seed's example bodies (in our values) fit the schemas and pass the
//! validator; and everything the holder module answers fits the schema of the look-up answering it.

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::examples::{good_patch, good_pf, good_pj};
use super::fixtures::Catalogue;
use super::holder::{self, Holder};
use super::paging::Paging;
use super::validate::{self, Ctx};
use crate::datagen::{Persona, br, rng_for};
use crate::spec::{ApiSpec, Operation, ParamLocation, SchemaValidator};

const SPEC: &str = include_str!("../../../../specs/portadores/portadores.yaml");

fn spec() -> ApiSpec {
    ApiSpec::from_text("specs/portadores/portadores.yaml", SPEC).expect("the spec loads")
}

fn op<'a>(s: &'a ApiSpec, id: &str) -> &'a Operation {
    s.operation(id)
        .unwrap_or_else(|| panic!("no operation {id}"))
}

fn response<'a>(s: &'a ApiSpec, id: &str, status: u16) -> &'a SchemaValidator {
    op(s, id)
        .declared_response(status)
        .and_then(|r| r.validator.as_ref())
        .unwrap_or_else(|| panic!("{id} has no {status} body"))
}

fn request<'a>(s: &'a ApiSpec, id: &str) -> &'a SchemaValidator {
    &op(s, id)
        .request_body
        .as_ref()
        .expect("a request body")
        .validator
}

fn assert_fits(v: &SchemaValidator, body: &Value, what: &str) {
    let findings = v.findings(body);
    assert!(
        findings.is_empty(),
        "{what}: {findings:#?}\n{}",
        serde_json::to_string_pretty(body).unwrap_or_default()
    );
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()
}

/// The 34 endpoints of the seed, and our token endpoint.
const SEED: &[(&str, &str)] = &[
    ("POST", "/api/v1/portadores/contas/pf"),
    ("POST", "/api/v1/portadores/contas/pj"),
    ("GET", "/api/v1/portadores/{idPortador}"),
    ("GET", "/api/v1/portadores/{idPortador}/informacoes"),
    ("GET", "/api/v1/portadores/contas"),
    ("GET", "/api/v1/portadores/rg"),
    ("GET", "/api/v1/portadores/completo/cpf"),
    ("GET", "/api/v1/portadores/simplificado/cpf"),
    ("GET", "/api/v1/portadores/nomes"),
    ("GET", "/api/v1/portadores/cnpj"),
    ("PATCH", "/api/v1/portadores/{idPortador}"),
    ("GET", "/api/v1/portadores/lote"),
    ("PATCH", "/api/v1/portadores/{idPortador}/limites"),
    ("GET", "/api/v1/portadores/{idPortador}/ciclo"),
    ("PATCH", "/api/v1/portadores/produto"),
    ("POST", "/api/v1/portadores/bloqueios"),
    ("POST", "/api/v1/portadores/desbloqueios"),
    ("POST", "/api/v1/portadores/{idPortador}/vipagem"),
    ("POST", "/api/v1/portadores/{idPortador}/dependentes"),
    ("GET", "/api/v1/portadores/{idPortador}/dependentes"),
    ("GET", "/api/v1/portadores/dependentes/cpf"),
    ("PATCH", "/api/v1/portadores/{idPortador}/senha"),
    ("POST", "/api/v1/portadores/{idPortador}/senhas/sms"),
    ("GET", "/api/v1/portadores/{idPortador}/historico"),
    ("GET", "/api/v1/portadores/{idPortador}/limites/historico"),
    ("GET", "/api/v1/portadores/{idPortador}/inadimplencias"),
    ("GET", "/api/v1/portadores/{idPortador}/ocorrencias"),
    ("POST", "/api/v1/portadores/{idPortador}/telefones"),
    ("GET", "/api/v1/portadores/{idPortador}/telefones"),
    (
        "DELETE",
        "/api/v1/portadores/{idPortador}/telefones/{idTelefone}",
    ),
    (
        "POST",
        "/api/v1/portadores/{idPortador}/telefones/recebe-sms",
    ),
    ("GET", "/api/v1/portadores/bloqueios/tipos"),
    ("GET", "/api/v1/portadores/escolaridade"),
    ("GET", "/api/v1/portadores/ocupacoes"),
];

#[test]
fn loads_as_the_portadores_family_with_every_endpoint_of_the_seed() {
    let s = spec();
    assert_eq!(
        (s.family.as_str(), s.api.as_str()),
        ("portadores", "portadores")
    );
    assert_eq!(s.base_path, "/portadores");
    assert_eq!(SEED.len(), 34);
    for (method, path) in SEED {
        let found = s
            .operations
            .iter()
            .find(|o| o.method == *method && o.path == *path)
            .unwrap_or_else(|| panic!("{method} {path} is missing"));
        assert_eq!(found.full_path, format!("/portadores{path}"));
    }
    assert_eq!(s.operations.len(), SEED.len() + 1);
    let token = op(&s, "emitirToken");
    assert_eq!(
        (token.method.as_str(), token.path.as_str()),
        ("POST", "/oauth2/token")
    );
    // The router tells the literal paths from the templated ones.
    let router = crate::spec::Router::new(&[std::sync::Arc::new(s)]);
    for (method, path, id) in [
        (
            "GET",
            "/portadores/api/v1/portadores/contas",
            "listarContasPorDocumento",
        ),
        (
            "GET",
            "/portadores/api/v1/portadores/1529982247",
            "consultarPortador",
        ),
        (
            "GET",
            "/portadores/api/v1/portadores/dependentes/cpf",
            "listarDependentesPorCpf",
        ),
        (
            "GET",
            "/portadores/api/v1/portadores/7/dependentes",
            "listarDependentes",
        ),
        (
            "GET",
            "/portadores/api/v1/portadores/bloqueios/tipos",
            "listarTiposBloqueio",
        ),
        (
            "POST",
            "/portadores/api/v1/portadores/7/telefones/recebe-sms",
            "confirmarTelefoneSms",
        ),
        (
            "DELETE",
            "/portadores/api/v1/portadores/7/telefones/3",
            "excluirTelefone",
        ),
    ] {
        match router.find(method, path) {
            crate::spec::RouteMatch::Found { operation, .. } => {
                assert_eq!(operation.id, id, "{path}")
            }
            other => panic!("{method} {path}: {other:?}"),
        }
    }
}

#[test]
fn every_operation_but_the_token_needs_a_scope_and_declares_the_error_body() {
    let s = spec();
    let erro = json!({"codigo": "REQUISICAO_INVALIDA", "mensagem": "A requisição tem 1 campo inválido.",
        "status": 400, "idRequisicao": "req-1", "dataHora": "2026-03-10T12:00:00Z",
        "erros": [{"campo": "cpf", "mensagem": "CPF inválido."}]});
    for o in &s.operations {
        if o.id == "emitirToken" {
            assert!(o.scopes.is_empty());
            continue;
        }
        assert_eq!(o.scopes.len(), 1, "{}", o.id);
        assert!(
            [
                "portadores.leitura",
                "portadores.cadastro",
                "portadores.gestao",
                "portadores.senha"
            ]
            .contains(&o.scopes[0].as_str()),
            "{}",
            o.id
        );
        // Every operation takes X-Request-Id, whose malformed value is a 400.
        let mut wanted = vec![400, 401, 403, 405, 406, 500];
        if o.request_body.is_some() {
            wanted.extend([400, 413, 415]);
        }
        if o.parameter(ParamLocation::Path, "idPortador").is_some() {
            wanted.extend([400, 404]);
        }
        if o.parameters
            .iter()
            .any(|p| p.location == ParamLocation::Query)
        {
            wanted.push(400);
        }
        for status in wanted {
            assert!(
                o.declared_response(status).is_some(),
                "{} lacks {status}",
                o.id
            );
        }
        for r in &o.responses {
            if r.status.starts_with('4') || r.status.starts_with('5') {
                let v = r
                    .validator
                    .as_ref()
                    .unwrap_or_else(|| panic!("{} {}", o.id, r.status));
                assert!(v.is_valid(&erro), "{} {}", o.id, r.status);
                assert!(!v.is_valid(&json!({"error": "x"})), "{} {}", o.id, r.status);
                assert!(
                    r.headers
                        .iter()
                        .any(|h| h.name == "X-Request-Id" && h.required)
                );
            }
        }
    }
}

#[test]
fn the_seeds_example_bodies_fit_the_schemas() {
    let s = spec();
    assert_fits(request(&s, "cadastrarContaPf"), &good_pf(), "PF opening");
    assert_fits(request(&s, "cadastrarContaPj"), &good_pj(), "PJ opening");
    assert_fits(request(&s, "alterarPortador"), &good_patch(), "PATCH");
    let created = json!({"contaCartao": 111111, "cartaoMascarado": "0000XXXXXXXX0000",
        "numeroManual": "CA-123456789=", "nomeCartao": "NOME PORTADOR FICTICIO",
        "diaVencimento": 16, "dataValidade": "2024-10-01"});
    assert_fits(
        response(&s, "cadastrarContaPf", 201),
        &created,
        "201 of the opening",
    );
    let dependents = json!([{"id": 9999, "idClienteTitularAssociado": 99, "nome": "DEPENDENTE TESTE",
        "nomeSocial": "DEPENDENTE SOCIAL", "cpf": "57392018450", "dataNascimento": "1994-03-02",
        "sexo": "M", "idGrauParentesco": 3, "nomeMae": "MAE TESTE", "telefone": "83991112233",
        "areaTelefone": "83", "numeroTelefone": "991112233", "persisted": true, "status": "A"}]);
    assert_fits(
        response(&s, "listarDependentes", 200),
        &dependents,
        "dependents",
    );
    assert_fits(
        response(&s, "consultarPortador", 200),
        &seed_record(),
        "holder record",
    );
}

/// The seed's `GET /{idPortador}` example with realistic values in place of its placeholders.
fn seed_record() -> Value {
    let produto = json!({"id": 3, "descricao": "Mastercard Gold Loja", "isProdutoDigital": "N",
        "isProdutoBandeirado": "S",
        "encargos": {"cobrarMulta": true, "multa": 2.0, "regraCalculoMulta": "SALDO_DEVEDOR",
            "ignorarMultaAnterior": false, "ignorarSaldoRolado": false, "mora": 1.0,
            "regraCalculoMora": "PRO_RATA_DIA", "jurosRotativo": 13.5, "realizarEstornoJurosPagamento": true},
        "limiteExtra": {"percentualPadrao": 15, "valorPadrao": 300, "habilitarClientesNovos": true},
        "overlimit": {"percentualSobreUso": 10, "permitePercentualSobreUso": true, "taxaSobreUso": 0,
            "permiteTaxaSobreUso": false, "permiteRepetirMesmoCiclo": false}});
    let mut transicao = produto.clone();
    transicao["id"] = json!("4");
    // Two halves: one json! of all its fields exceeds the macro's recursion limit.
    let mut record = json!({
        "id": 2001, "nome": "ANA BEATRIZ FIGUEIREDO LINS", "rg": "4873120", "cpf": "39874215682",
        "tipoPessoa": "F", "cnpj": null,
        "cartao": "5234XXXXXXXX4417", "email": "ana.lins@example.com.br",
        "numeroCartaoTruncado": "523491******4417", "clienteDataNascimento": "1987-09-14",
        "rendas": [{"id": 44, "valor": 3850, "comprovada": "S", "idPessoa": 13053, "principal": "S", "origem": "COMPROVANTE"}],
        "statusCliente": "ATIVO", "descricaoStatusCliente": "Conta ativa", "statusAnalise": "APROVADO",
        "contratoImpresso": "S", "estanoCobranca": "N", "ultimoMotivoBloqueioCliente": null, "vip": false,
        "extratoClienteResponse": {"limite": 2500, "saldoDisponivel": 1620.4, "saldoReservado": 30,
            "saldoParceladoDisp": 1000, "limiteParcelado": 1250, "devedorTotal": 849.6, "utilizaLimiteExtra": true,
            "valorLimiteExtra": 375, "limiteExtraTotal": 2875, "saldoDisponivelExtra": 1995.4,
            "valorFaturaFechada": 512.3, "clienteEmBloqueioJuridico": false},
        "valorLancamentosFuturos": 337.3,
        "pontuacaoFidelidadeResponse": {"idCliente": 2001, "valorPontuacao": 1840, "dataReferencia": "2026-03-05", "descricaoPrograma": "Programa de pontos do cartão"},
        "statusFaturaDigital": "ATIVA",
        "boletos": [{"id": 7, "quantidadesRegistros": 1, "ordemRegistro": 1, "codigoBoleto": 23790001,
            "valorTotal": 512.3, "valorJuros": 0, "valorPagamentosEfetuados": 0}],
        "faturaFechada": {"id": 200103, "dataVencimento": "2026-03-15", "valorTotal": 512.3, "somaPagamentos": 0,
            "valorMinimoRenegociacao": 102.46, "valorMinimoRotativo": 76.85, "valorPagamentoMinimo": 76.85,
            "valorPrestacoesParceladas": 62.5, "possuiPagamentoMinimo": true,
            "hashFatura": "9f2c41d0a7e3b58c16f04e2d9a7b3c5e8d1f0a2b4c6e8d0f1a3b5c7d9e1f2a4b"},
        "faturaFutura": {"dataVencimento": "2026-04-15", "valorTotal": 337.3},
    });
    let rest = json!({
        "statusCartao": "ATIVO", "melhorDiaCompra": 6, "senhaExpirada": false,
        "ciclo": {"id": 1505, "diaCorte": 5, "diaVencimento": 15, "descricao": "Vencimento dia 15, corte dia 5",
            "ativo": "S", "corteUltimoDiaMes": "N", "diasCarencia": 3,
            "descricaoContaBancariaCicloAtual": "Conta arrecadadora", "descricaoContaBancariaProximoCiclo": "Conta arrecadadora"},
        "dependentes": [{"id": 20011, "nome": "Marcos Lins Teixeira", "cpf": "40192837451", "sexo": "M",
            "nascimento": "1985-02-16", "grauParentesco": 1, "statusCartao": "ATIVO"}],
        "dataFechamentoProxFatura": "2026-04-05",
        "produto": produto,
        "dataCadastro": "2023-04-24",
        "taxas": [{"descricao": "Anuidade", "valorContratado": 24.9, "desconto": 0, "dataFimDesconto": null,
            "dataFimDoCarencia": "2024-04-24", "numeroCobrancas": 12, "natureza": "ANUIDADE"}],
        "estaEmPerda": false,
        "numeroCartaoCriptografado": "0b5e7c9a1d3f5b7d9e1a3c5e7f9b1d3a5c7e9f1b3d5a7c9e1f3b5d7a9c1e3f5b",
        "idCartao": 200100, "permiteAcessoApp": true, "dataEmissaoRG": "2005-05-16", "estaEmAtraso": false,
        "orgaoEmissorRG": "SSP", "unidadeFederativaRG": "PB", "totalTentativasValidacaoCartao": 0,
        "enderecoResidencial": {"logradouro": "Avenida Cabo Branco", "complemento": "Apto 1203", "numero": "812",
            "bairro": "Cabo Branco", "cep": "58038000", "uf": "PB", "cidade": "João Pessoa"},
        "inibirEnvioFaturaGrafica": true,
        "enderecoComercial": {"logradouro": "Avenida Epitácio Pessoa", "complemento": null, "numero": "1500",
            "bairro": "Tambauzinho", "cep": "58040000", "uf": "PB", "cidade": "João Pessoa",
            "empresa": "Hospital Bom Samaritano", "departamento": "Enfermagem", "cnpj": "42381765006604"},
        "enderecoAlternativo": {"logradouro": "Rua Coronel José Gomes", "complemento": null, "numero": "77",
            "bairro": "Centro", "cep": "58900000", "uf": "PB", "cidade": "Cajazeiras", "tipo": "R"},
        "transicaoBandeira": "S", "utilizaOverLimitPersonalizado": false, "diasAtrasoTotal": 0,
        "diasProvisionamento": 0, "produtoTransicaoBandeira": transicao,
    });
    if let (Value::Object(head), Value::Object(tail)) = (&mut record, rest) {
        head.extend(tail);
    }
    record
}

#[test]
fn the_example_bodies_pass_the_validator_with_the_specs_schema() {
    let s = spec();
    let c = Catalogue::embedded().unwrap();
    let ctx = Ctx {
        catalogue: &c,
        today: today(),
    };
    let e = validate::conta_pf(&good_pf(), &ctx, Some(request(&s, "cadastrarContaPf")));
    assert!(e.is_empty(), "{e:?}");
    let e = validate::conta_pj(&good_pj(), &ctx, Some(request(&s, "cadastrarContaPj")));
    assert!(e.is_empty(), "{e:?}");
    let facts = validate::HolderFacts {
        nome: "Ana Beatriz Figueiredo Lins",
        cpf: "39874215682",
        birth: NaiveDate::from_ymd_opt(1987, 9, 14),
        ..Default::default()
    };
    let e = validate::alteracao_portador(
        &good_patch(),
        &ctx,
        &facts,
        Some(request(&s, "alterarPortador")),
    );
    assert!(e.is_empty(), "{e:?}");
}

#[test]
fn schema_problems_come_per_field_in_portuguese_together_with_the_rules() {
    let s = spec();
    let c = Catalogue::embedded().unwrap();
    let ctx = Ctx {
        catalogue: &c,
        today: today(),
    };
    let mut b = good_pf();
    let o = b.as_object_mut().unwrap();
    o.remove("nome");
    o.insert("sexo".into(), json!("X"));
    o.insert("cpf".into(), json!("123.456.789-09"));
    o.insert("telefones".into(), json!([]));
    o.insert("limiteRotativo".into(), json!("mil"));
    o.insert(
        "enderecoResidencial".into(),
        json!({"numero": "1", "cep": "58038-000", "logradouro": "Rua A",
        "bairro": "B", "localidade": "João Pessoa", "uf": "PB"}),
    );
    o.insert("idLoja".into(), json!(99));
    let e = validate::conta_pf(&b, &ctx, Some(request(&s, "cadastrarContaPf")));
    assert_eq!(e.messages_for("nome"), vec!["Campo obrigatório."], "{e:?}");
    assert!(e.messages_for("sexo")[0].contains("MASCULINO, FEMININO"));
    assert_eq!(
        e.messages_for("cpf"),
        vec!["Informe o CPF com 11 dígitos, sem máscara."]
    );
    assert!(e.messages_for("telefones")[0].contains("ao menos 1"));
    assert!(e.messages_for("limiteRotativo")[0].contains("número"));
    assert_eq!(
        e.messages_for("enderecoResidencial.cep"),
        vec!["Informe o CEP com 8 dígitos, sem máscara."]
    );
    // The rules still run on what the schema accepted.
    assert!(e.messages_for("idLoja")[0].contains("inexistente"));
    let facts = validate::HolderFacts {
        cpf: "39874215682",
        ..Default::default()
    };
    let e = validate::alteracao_portador(
        &json!({"cpf": "52998224725", "idProduto": 2}),
        &ctx,
        &facts,
        Some(request(&s, "alterarPortador")),
    );
    assert_eq!(e.fields(), vec!["cpf", "idProduto"]);
    assert_eq!(
        e.messages_for("cpf"),
        vec!["Campo não aceito nesta operação."]
    );
    let as_json = e.to_json();
    assert_eq!(as_json[0]["campo"], "cpf");
}

#[test]
fn kinship_enum_of_the_spec_is_the_catalogues_table() {
    let raw = crate::spec::load::parse_document("spec", SPEC).unwrap();
    let enum_values: Vec<&str> = raw["components"]["schemas"]["GrauParentesco"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let c = Catalogue::embedded().unwrap();
    let codes: Vec<&str> = c
        .graus_parentesco
        .iter()
        .map(|g| g.codigo.as_str())
        .collect();
    assert_eq!(enum_values, codes);
}

fn cpfs(n: u64) -> Vec<String> {
    (0..n)
        .map(|i| br::gen_cpf(&mut rng_for(11, &i.to_string(), "portadores-test")))
        .collect()
}

fn generated(cpf: &str) -> Holder {
    let c = Catalogue::embedded().unwrap();
    Holder::generate(42, &Persona::derive(42, cpf, None), &c).expect("a holder")
}

#[test]
fn generated_holders_fit_every_look_up_schema() {
    let s = spec();
    let c = Catalogue::embedded().unwrap();
    for cpf in cpfs(120) {
        let h = generated(&cpf);
        let what = |w: &str| format!("{w} of {cpf}");
        assert_fits(
            response(&s, "consultarPortador", 200),
            &h.record(42, &c, today()),
            &what("record"),
        );
        assert_fits(
            response(&s, "consultarInformacoesPortador", 200),
            &h.informacoes(),
            &what("informacoes"),
        );
        assert_fits(
            response(&s, "consultarCiclo", 200),
            &h.ciclo_json(&c, today()),
            &what("ciclo"),
        );
        assert_fits(
            response(&s, "listarContasPorDocumento", 200),
            &json!([h.conta_resumo(&c)]),
            &what("contas"),
        );
        assert_fits(
            response(&s, "consultarSimplificadoPorCpf", 200),
            &json!([h.simplificado(42, &c, today())]),
            &what("simplificado"),
        );
        assert_fits(
            response(&s, "consultarCompletoPorCpf", 200),
            &json!([h.record(42, &c, today())]),
            &what("completo"),
        );
        assert_fits(
            response(&s, "listarDependentes", 200),
            &json!(h.dependentes_json()),
            &what("dependentes"),
        );
        let phones: Vec<Value> = h.telefones.iter().map(holder::Telefone::json).collect();
        assert_fits(
            response(&s, "listarTelefones", 200),
            &json!(phones),
            &what("telefones"),
        );
        let page = Paging {
            pagina: 1,
            tamanho: 100,
        };
        assert_fits(
            response(&s, "listarInadimplencias", 200),
            &page.page(h.inadimplencias(42, &c, today())),
            &what("inadimplencias"),
        );
        let from = today() - chrono::Duration::days(91);
        let mut occurrences = page.page(h.ocorrencias(42, &c, from, today(), today()));
        occurrences["dataInicio"] = json!(from.to_string());
        occurrences["dataFim"] = json!(today().to_string());
        assert_fits(
            response(&s, "listarOcorrencias", 200),
            &occurrences,
            &what("ocorrencias"),
        );
    }
}

#[test]
fn reference_tables_fit_their_schemas() {
    let s = spec();
    let c = Catalogue::embedded().unwrap();
    let tipos = serde_json::to_value(&c.tipos_bloqueio).unwrap();
    assert_fits(
        response(&s, "listarTiposBloqueio", 200),
        &tipos,
        "tipos de bloqueio",
    );
    let esc = serde_json::to_value(&c.escolaridades).unwrap();
    assert_fits(
        response(&s, "listarEscolaridades", 200),
        &esc,
        "escolaridades",
    );
    let ocu = serde_json::to_value(&c.ocupacoes).unwrap();
    assert_fits(response(&s, "listarOcupacoes", 200), &ocu, "ocupações");
}

fn abertura(c: &Catalogue) -> holder::Abertura<'_> {
    holder::Abertura {
        seed: 42,
        catalogue: c,
        id: 100_001,
        now: today().and_hms_opt(12, 0, 0).unwrap(),
    }
}

#[test]
fn an_opened_pf_account_answers_the_seeds_201_shape_and_a_record_that_fits() {
    let s = spec();
    let c = Catalogue::embedded().unwrap();
    let h = abertura(&c)
        .pf(&good_pf())
        .expect("the body opens an account");
    let created = h.conta_criada();
    assert_fits(response(&s, "cadastrarContaPf", 201), &created, "201");
    assert_eq!(created["contaCartao"], 100_001);
    assert_eq!(created["nomeCartao"], "ANA BEATRIZ F LINS");
    assert_eq!(created["numeroManual"], "CA-001000017=");
    assert_eq!(
        created["dataValidade"], "2031-03-01",
        "60 months of product 3"
    );
    assert!(
        created["cartaoMascarado"]
            .as_str()
            .unwrap()
            .starts_with("5234")
    );
    let record = h.record(42, &c, today());
    assert_fits(response(&s, "consultarPortador", 200), &record, "record");
    assert_fits(
        response(&s, "consultarInformacoesPortador", 200),
        &h.informacoes(),
        "informacoes",
    );
    assert_eq!(record["cpf"], "39874215682");
    assert_eq!(record["extratoClienteResponse"]["limite"], 2500.0);
    assert_eq!(record["unidadeFederativaRG"], "PB");
    assert_eq!(record["senhaExpirada"], true, "opened without a password");
    assert_eq!(
        record["faturaFechada"],
        Value::Null,
        "no cut-off since the opening"
    );
    assert_eq!(record["estaEmAtraso"], false);
    let deps = h.dependentes_json();
    assert_fits(
        response(&s, "listarDependentes", 200),
        &json!(deps),
        "dependents",
    );
    assert_eq!(deps[0]["nomeCartao"], "MARCOS TEIXEIRA");
    assert_eq!(deps[0]["idGrauParentesco"], 1);
    assert_eq!(
        h.telefone_sms().map(|t| t.numero.as_str()),
        Some("988172345")
    );
    assert!(
        h.ocorrencias(
            42,
            &c,
            today() - chrono::Duration::days(30),
            today(),
            today()
        )
        .len()
            <= 2
    );
}

#[test]
fn an_opened_pj_account_is_the_companys_with_its_representatives_cpf() {
    let s = spec();
    let c = Catalogue::embedded().unwrap();
    let h = abertura(&c)
        .pj(&good_pj())
        .expect("the body opens an account");
    assert_fits(
        response(&s, "cadastrarContaPj", 201),
        &h.conta_criada(),
        "201",
    );
    let record = h.record(42, &c, today());
    assert_fits(response(&s, "consultarPortador", 200), &record, "record");
    assert_eq!(record["tipoPessoa"], "J");
    assert_eq!(record["cnpj"], "11222333000181");
    assert_eq!(record["cpf"], "71450293832");
    assert_eq!(h.conta.nome_cartao, "PAO DOURADO");
    assert_fits(
        response(&s, "listarContasPorCnpj", 200),
        &json!([h.conta_resumo(&c)]),
        "contas",
    );
    // Without a due day the issuer picks one of the product's, the same for the same CNPJ.
    let again = abertura(&c).pj(&good_pj()).unwrap();
    assert_eq!(again.conta.dia_vencimento, h.conta.dia_vencimento);
    assert!(
        c.produto(5)
            .unwrap()
            .dias_vencimento
            .contains(&h.conta.dia_vencimento)
    );
}
