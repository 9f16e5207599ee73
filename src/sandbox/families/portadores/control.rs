//! `/sandbox/portadores/...`: what a tester needs and the issuer's API does not give.
//!
//! - `GET /sandbox/portadores/sms[?idPortador=&page=&page-size=]`: the SMS the sandbox "sent",
//!   newest first, with the provisional password each carries (the way a test reads the phone);
//! - `GET /sandbox/portadores/products`: the products (id, description, digital or not, limit
//!   bounds, due days, the stores that sell them) and the stores of `fixtures/portadores.yaml`,
//!   so a client knows which `idProduto` and `idLoja` an opening may use.
//!
//! Like the rest of the control API, answers are JSON and errors `{"error", "message"}`.

use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use super::Portadores;
use crate::sandbox::App;
use crate::sandbox::control::{Paging, error, ok, page_response, scan_page};
use crate::sandbox::http::{HttpResponse, Req};

pub const INDEX: &[&str] = &[
    "GET  /sandbox/portadores/sms?idPortador=&page=&page-size=",
    "GET  /sandbox/portadores/products",
];

pub fn handle(p: &Portadores, _app: &App, req: &Req, rest: &[&str]) -> HttpResponse {
    match (&req.method, rest) {
        (&Method::GET, ["sms"]) => sms(p, req),
        (&Method::GET, ["products"]) => products(p),
        _ => error(
            StatusCode::NOT_FOUND,
            &format!(
                "no control route {} {} (GET /sandbox lists them)",
                req.method, req.path
            ),
        ),
    }
}

fn sms(p: &Portadores, req: &Req) -> HttpResponse {
    let paging = match Paging::from_query(req) {
        Ok(paging) => paging,
        Err(r) => return r,
    };
    let holder = match req.query_param("idPortador") {
        None => None,
        Some(v) => match v.parse::<u64>() {
            Ok(id) => Some(id),
            Err(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "idPortador must be a holder id (a whole number)",
                );
            }
        },
    };
    let Ok(store) = p.store.read() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "state unavailable");
    };
    let (total, page) = scan_page(
        store
            .sms()
            .filter(|m| holder.is_none_or(|id| m.id_portador == id)),
        paging,
    );
    let items: Vec<Value> = page.into_iter().map(|m| m.json()).collect();
    page_response(req, "mensagens", paging, total, items, &[])
}

fn products(p: &Portadores) -> HttpResponse {
    let c = &p.catalogue;
    let produtos: Vec<Value> = c
        .produtos
        .iter()
        .map(|pr| {
            json!({
                "id": pr.id,
                "descricao": pr.descricao,
                "publico": pr.publico,
                "digital": pr.digital,
                "bandeira": pr.bandeira,
                "limiteMinimo": pr.limite_minimo,
                "limiteMaximo": pr.limite_maximo,
                "limitePadrao": pr.limite_padrao,
                "rendaMinima": pr.renda_minima,
                "diasVencimento": pr.dias_vencimento,
                "idLojas": pr.lojas,
            })
        })
        .collect();
    let lojas: Vec<Value> = c
        .lojas
        .iter()
        .map(|l| {
            json!({
                "idLoja": l.id,
                "nome": l.nome,
                "cnpj": l.cnpj,
                "digital": l.digital,
                "cidade": l.cidade,
                "uf": l.uf,
            })
        })
        .collect();
    ok(json!({"produtos": produtos, "lojas": lojas}))
}
