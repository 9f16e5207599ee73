//! Account-opening bodies built from a document's persona, in the shapes of the seed's examples:
//! the same person every family shows, with a CEP inside the UF's range, a town of the UF, a
//! mobile in use for SMS and an adult's birth date. The harness opens its scenarios' accounts with
//! them, and the integration tests use them too, so both open accounts the same way.

use serde_json::{Value, json};

use crate::datagen::{Persona, br, rng_for};

/// Where an account is opened: a product, a store that sells it, optionally the limit, and the
/// product's minimum income (a persona earning less declares the minimum: the product decides).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Offer {
    pub produto: u32,
    pub loja: u32,
    pub limite: Option<f64>,
    pub renda_minima: f64,
}

fn address(a: &br::Address) -> Value {
    let mut v = json!({
        "logradouro": a.street,
        "numero": a.number,
        "bairro": a.district,
        "localidade": a.town,
        "uf": a.uf,
        "cep": a.cep,
    });
    if let Some(c) = &a.complement {
        v["complemento"] = json!(c);
    }
    v
}

fn sexo(s: br::Sex) -> &'static str {
    match s {
        br::Sex::Female => "FEMININO",
        br::Sex::Male => "MASCULINO",
    }
}

/// The persona's mobile, or one on its first phone's DDD: SMS goes to mobiles only.
fn mobile(p: &Persona, seed: u64) -> (String, String) {
    if let Some(m) = p.phones.iter().find(|ph| ph.mobile) {
        return (m.area_code.clone(), m.number.clone());
    }
    let mut rng = rng_for(seed, &p.document, "harness-portadores-mobile");
    let area = p
        .phones
        .first()
        .map(|ph| ph.area_code.clone())
        .unwrap_or_else(|| "11".into());
    let rest: String = (0..8)
        .map(|_| char::from(b'0' + rand::RngExt::random_range(&mut rng, 0..10u8)))
        .collect();
    (area, format!("9{rest}"))
}

fn rg_for(seed: u64, document: &str, uf: &str) -> String {
    let mut rng = rng_for(seed, document, "harness-portadores-rg");
    if uf == "SP" {
        br::gen_rg(&mut rng)
    } else {
        format!(
            "{}",
            rand::RngExt::random_range(&mut rng, 1_000_000..=9_999_999u32)
        )
    }
}

/// `POST /contas/pf` for the person of `cpf`.
pub fn pf_body(seed: u64, cpf: &str, offer: Offer) -> Value {
    let p = Persona::derive(seed, cpf, None);
    let home = &p.addresses[0];
    let (area, numero) = mobile(&p, seed);
    let mut body = json!({
        "nome": p.civil_name,
        "cpf": cpf,
        "dataNascimento": p.birth_date.format("%Y-%m-%d").to_string(),
        "rg": rg_for(seed, cpf, home.uf),
        "orgaoEmissor": format!("SSP{}", home.uf),
        "renda": p.income.parse::<f64>().unwrap_or(0.0).max(offer.renda_minima),
        "sexo": sexo(p.sex),
        "nomeMae": p.mother_name,
        "email": p.emails.first().cloned().unwrap_or_else(|| format!("{cpf}@example.com")),
        "enderecoResidencial": address(home),
        "telefones": [{"tipo": "CELULAR", "area": area, "telefone": numero,
                       "receberSMS": true, "faturaDigital": true}],
        "idLoja": offer.loja,
        "idProduto": offer.produto,
        "ocupacao": "ASSALARIADO",
        "nacionalidade": "Brasileira",
    });
    if let Some(limite) = offer.limite {
        body["limiteRotativo"] = json!(limite);
    }
    body
}

/// `POST /contas/pj` for the company of `cnpj`, its representative the persona's.
pub fn pj_body(seed: u64, cnpj: &str, offer: Offer) -> Value {
    let p = Persona::derive(seed, cnpj, None);
    let rep = Persona::derive(seed, &p.representative_cpf, None);
    let company = p.company.clone().unwrap_or(br::Company {
        legal_name: format!("{} Ltda.", rep.civil_name),
        trade_name: rep.civil_name.clone(),
    });
    let office = &p.addresses[0];
    // A landline of the office's UF: a business phone must carry the address's DDD.
    let ddd = br::uf_by_sigla(office.uf)
        .and_then(|u| u.ddds.first())
        .map_or_else(|| "11".to_string(), |d| format!("{d:02}"));
    let mut rng = rng_for(seed, cnpj, "harness-portadores-landline");
    let landline: String = (0..7)
        .map(|_| char::from(b'0' + rand::RngExt::random_range(&mut rng, 0..10u8)))
        .collect();
    let mut body = json!({
        "razaoSocial": company.legal_name,
        "nomeFantasia": company.trade_name,
        "cnpj": cnpj,
        "dataAbertura": p.incorporation.format("%Y-%m-%d").to_string(),
        "email": p.emails.first().cloned().unwrap_or_else(|| format!("{cnpj}@example.com")),
        "faturamentoMensal": offer.renda_minima.max(250000.0),
        "enderecoComercial": address(office),
        "telefones": [{"tipo": "COMERCIAL", "area": ddd, "telefone": format!("3{landline}")}],
        "responsavel": {
            "nome": rep.civil_name,
            "cpf": p.representative_cpf,
            "dataNascimento": rep.birth_date.format("%Y-%m-%d").to_string(),
            "sexo": sexo(rep.sex),
            "nomeMae": rep.mother_name,
            "cargo": "Sócio-administrador",
        },
        "idLoja": offer.loja,
        "idProduto": offer.produto,
    });
    if let Some(limite) = offer.limite {
        body["limiteRotativo"] = json!(limite);
    }
    body
}

/// A dependent for `POST /{idPortador}/dependentes`: the person of `cpf`, 16 or more.
pub fn dependente_body(seed: u64, cpf: &str) -> Value {
    let p = Persona::derive(seed, cpf, None);
    json!({
        "nome": p.civil_name,
        "cpf": cpf,
        "dataNascimento": p.birth_date.format("%Y-%m-%d").to_string(),
        "sexo": sexo(p.sex),
        "grauParentesco": "FILHO",
        "nomeMae": p.mother_name,
    })
}
