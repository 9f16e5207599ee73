//! Shared helpers of the card-holder tests (`tests/portadores_*.rs`): a sandbox with the
//! self-check on, tokens, requests with the family's headers, accounts opened from personas.
#![allow(dead_code)]

use finsandbox::datagen::{br, rng_for};
use finsandbox::sandbox::families::portadores::steps::bodies::{self, Offer};
use reqwest::Method;
use serde_json::Value;

use super::common::{self, Env, Reply, reply};

pub const SEED: u64 = 42;
pub const SCOPES: &str =
    "portadores.leitura portadores.cadastro portadores.gestao portadores.senha";
/// Mastercard Gold (PF, limits 1 000 to 15 000) at the João Pessoa store.
pub const GOLD: Offer = Offer {
    produto: 3,
    loja: 15,
    limite: Some(2500.0),
    renda_minima: 1500.0,
};
/// Cartão Loja Clássico (PF, 300 to 5 000, no minimum income).
pub const CLASSICO: Offer = Offer {
    produto: 1,
    loja: 15,
    limite: Some(1000.0),
    renda_minima: 0.0,
};
/// Elo Empresarial (PJ) at the business service centre.
pub const EMPRESARIAL: Offer = Offer {
    produto: 5,
    loja: 40,
    limite: Some(20000.0),
    renda_minima: 5000.0,
};

/// A CPF of its own for each test and number: no two tests share a customer.
pub fn cpf(test: &str, n: u32) -> String {
    br::gen_cpf(&mut rng_for(SEED, test, &format!("tests-portadores-{n}")))
}

pub fn cnpj(test: &str, n: u32) -> String {
    br::gen_cnpj(
        &mut rng_for(SEED, test, &format!("tests-portadores-cnpj-{n}")),
        false,
    )
}

pub fn path(rest: &str) -> String {
    format!("/portadores/api/v1/portadores{rest}")
}

pub struct Pt {
    pub env: Env,
    /// A token with every scope.
    pub token: String,
}

impl Pt {
    pub async fn start() -> Pt {
        let env = common::start().await;
        let token = token_of(&env, Some(SCOPES)).await;
        Pt { env, token }
    }

    pub async fn stop(self) {
        self.env.stop().await;
    }

    /// A token with `scope` (None: the request leaves `scope` out, so every scope).
    pub async fn token(&self, scope: Option<&str>) -> String {
        token_of(&self.env, scope).await
    }

    /// POSTs a form to the token endpoint as written.
    pub async fn token_form(&self, form: &str, headers: &[(&str, &str)]) -> Reply {
        let mut r = self
            .env
            .http
            .post(self.env.url("/portadores/oauth2/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_string());
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        reply(r.send().await.expect("token request")).await
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let mut r = self
            .env
            .http
            .request(method, self.env.url(path))
            .header("accept", "application/json");
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body.filter(|b| !b.is_null()) {
            r = r
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        reply(r.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, Some(&self.token), None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::POST, path, Some(&self.token), Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::PATCH, path, Some(&self.token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, Some(&self.token), None)
            .await
    }

    /// Opens a PF account for the persona of `cpf` and answers its id.
    pub async fn open_pf(&self, cpf: &str, offer: Offer) -> u64 {
        let r = self
            .post(&path("/contas/pf"), &bodies::pf_body(SEED, cpf, offer))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["contaCartao"].as_u64().expect("contaCartao")
    }

    pub async fn open_pj(&self, cnpj: &str, offer: Offer) -> u64 {
        let r = self
            .post(&path("/contas/pj"), &bodies::pj_body(SEED, cnpj, offer))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["contaCartao"].as_u64().expect("contaCartao")
    }

    /// The newest history event of an account.
    pub async fn last_event(&self, id: u64) -> Value {
        let r = self.get(&path(&format!("/{id}/historico"))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["conteudo"][0].clone()
    }

    /// How many events the account's history holds.
    pub async fn events(&self, id: u64) -> u64 {
        let r = self.get(&path(&format!("/{id}/historico"))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["totalElementos"].as_u64().expect("totalElementos")
    }

    /// Sends a provisional password by SMS and reads it from the sandbox's outbox.
    pub async fn sms_password(&self, id: u64) -> String {
        let r = self
            .post(&path(&format!("/{id}/senhas/sms")), &Value::Null)
            .await;
        assert_eq!(r.status, 202, "{}", r.text);
        let outbox = self
            .env
            .control(
                Method::GET,
                &format!("/sandbox/portadores/sms?idPortador={id}"),
                Value::Null,
            )
            .await;
        assert_eq!(outbox.status, 200, "{}", outbox.text);
        outbox.body["mensagens"][0]["senha"]
            .as_str()
            .expect("senha")
            .to_string()
    }
}

async fn token_of(env: &Env, scope: Option<&str>) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "client_credentials")
        .append_pair("client_id", "tests")
        .append_pair("client_secret", "tests-secret");
    if let Some(s) = scope {
        form.append_pair("scope", s);
    }
    let r = reply(
        env.http
            .post(env.url("/portadores/oauth2/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.finish())
            .send()
            .await
            .expect("token request"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["access_token"].as_str().expect("token").to_string()
}

/// `erros[].campo` of an error body.
pub fn campos(r: &Reply) -> Vec<String> {
    r.body["erros"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|x| x["campo"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts the family's error body: code, status again, the request id echoed.
pub fn assert_erro(r: &Reply, status: u16, codigo: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.body["codigo"], codigo, "{}", r.text);
    assert_eq!(r.body["status"], status, "{}", r.text);
    assert!(
        r.body["mensagem"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        r.text
    );
    assert_eq!(
        r.body["idRequisicao"].as_str(),
        r.header("x-request-id"),
        "the body's request id is the header's: {}",
        r.text
    );
}

/// A DDD in use in `uf`, as two digits.
pub fn ddd_of(uf: &str) -> String {
    br::uf_by_sigla(uf)
        .and_then(|u| u.ddds.first())
        .map(|d| format!("{d:02}"))
        .expect("a UF with DDDs")
}

/// The UF of the holder's home address.
pub async fn home_uf(pt: &Pt, id: u64) -> String {
    let info = pt.get(&path(&format!("/{id}/informacoes"))).await;
    assert_eq!(info.status, 200, "{}", info.text);
    info.body["enderecoResidencial"]["uf"]
        .as_str()
        .expect("uf")
        .to_string()
}

/// The types of an account's history, newest first (one page of up to 100).
pub async fn event_types(pt: &Pt, id: u64) -> Vec<String> {
    let r = pt
        .get(&path(&format!("/{id}/historico?tamanhoPagina=100")))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["conteudo"]
        .as_array()
        .expect("conteudo")
        .iter()
        .filter_map(|e| e["tipo"].as_str().map(str::to_string))
        .collect()
}
