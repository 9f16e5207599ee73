//! Consents v3: create (`POST /consents`), read, revoke (`DELETE`).
//!
//! Every operation first checks `Accept` (406) and its declared path and header parameters (400).
//! Creation checks, in this order: client_credentials token with scope `consents` (401/403), JSON
//! and the request schema (400), the CPF/CNPJ check digits (400), then the business rules of
//! Consents 3.3.1 (422): PF and PJ permissions together, PJ permissions without `businessEntity`,
//! `businessEntity` with PF permissions, incomplete permission groups, a bad expiration date, and
//! nothing left once the products this sandbox does not serve are removed.

use chrono::{DateTime, Duration, Utc};
use hyper::StatusCode;
use serde_json::{Map, Value, json};

use super::auth;
use super::rules::{Kind, rules};
use super::state::{Consent, ConsentStatus, Grant, MAX_CONSENTS};
use super::{OpenFinance, error, generic_code, printable};
use crate::datagen::br;
use crate::sandbox::App;
use crate::sandbox::clock::ofb_datetime;
use crate::sandbox::family::{Call, Problem, ProblemKind, Reply};
use crate::sandbox::http::{self, HttpResponse, Req};
use crate::spec::{ApiSpec, Operation};

/// The security stage of the Consents API: a client_credentials token with scope `consents`
/// (401 without a usable token, 403 with another kind). The principal is the client id.
pub fn client(of: &OpenFinance, call: &Call<'_>) -> Result<String, Problem> {
    match auth::resolve(of, call.app.clock.now(), call.req) {
        Err(why) => Err(
            Problem::of(ProblemKind::Unauthenticated, StatusCode::UNAUTHORIZED, why)
                .code("NAO_AUTORIZADO")
                .title("Não autorizado"),
        ),
        Ok((client, Grant::Client { scopes })) if scopes.iter().any(|s| s == "consents") => {
            Ok(client)
        }
        Ok(_) => Err(Problem::of(
            ProblemKind::Forbidden,
            StatusCode::FORBIDDEN,
            "the Consents API needs a client_credentials token with scope consents",
        )
        .code("PROIBIDO")
        .title("Acesso negado")),
    }
}

fn bad_request(app: &App, op: &Operation, detail: &str) -> HttpResponse {
    let (code, title) = generic_code(StatusCode::BAD_REQUEST);
    error(app, Some(op), StatusCode::BAD_REQUEST, code, title, detail)
}

fn unprocessable(app: &App, op: &Operation, code: &str, title: &str, detail: &str) -> HttpResponse {
    error(
        app,
        Some(op),
        StatusCode::UNPROCESSABLE_ENTITY,
        code,
        title,
        detail,
    )
}

/// `consentsPostConsents`.
pub fn create(of: &OpenFinance, call: &Call<'_>) -> Reply {
    let client = call.principal::<String>().cloned().unwrap_or_default();
    let body = call.json()?;
    Ok(declared(
        call,
        create_consent(of, call.app, call.spec, call.op, call.req, client, body),
    ))
}

/// Whatever the outcome, the headers its response declares (`x-v`, the 204 of a revocation too).
fn declared(call: &Call<'_>, mut response: HttpResponse) -> HttpResponse {
    let status = response.status().as_u16();
    declared_headers(&mut response, call.spec, call.op, status);
    response
}

fn create_consent(
    of: &OpenFinance,
    app: &App,
    spec: &ApiSpec,
    op: &Operation,
    req: &Req,
    client: String,
    body: &Value,
) -> HttpResponse {
    if let Some(rb) = &op.request_body {
        let findings = rb.validator.schema_findings(body);
        if !findings.is_empty() {
            let detail = findings
                .iter()
                .take(5)
                .map(|f| {
                    format!(
                        "{} ({}): {}",
                        display_pointer(&f.pointer),
                        f.keyword,
                        f.message
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            return bad_request(
                app,
                op,
                &format!("the consent request does not match the schema: {detail}"),
            );
        }
    }
    let data = &body["data"];
    let cpf = data["loggedUser"]["document"]["identification"]
        .as_str()
        .unwrap_or("");
    let cpf_rel = data["loggedUser"]["document"]["rel"].as_str().unwrap_or("");
    if let Some(problem) = document_problem("loggedUser", cpf, cpf_rel, "CPF", br::is_valid_cpf) {
        return bad_request(app, op, &problem);
    }
    let business = data.get("businessEntity").map(|b| {
        (
            b["document"]["identification"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            b["document"]["rel"].as_str().unwrap_or("").to_string(),
        )
    });
    if let Some((cnpj, rel)) = &business
        && let Some(problem) =
            document_problem("businessEntity", cnpj, rel, "CNPJ", br::is_valid_cnpj)
    {
        return bad_request(app, op, &problem);
    }

    let mut permissions: Vec<String> = Vec::new();
    for p in data["permissions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !permissions.iter().any(|q| q == p) {
            permissions.push(p.to_string());
        }
    }
    let rules = rules();
    let (pf, pj) = (rules.of_kind(Kind::Personal), rules.of_kind(Kind::Business));
    let has = |set: &[&str]| permissions.iter().any(|p| set.contains(&p.as_str()));
    if has(&pf) && has(&pj) {
        return unprocessable(
            app,
            op,
            "PERMISSAO_PF_PJ_EM_CONJUNTO",
            "Permissões PF e PJ em conjunto",
            "personal (CUSTOMERS_PERSONAL_*) and business (CUSTOMERS_BUSINESS_*) customer permissions cannot be requested in one consent",
        );
    }
    if has(&pj) && business.is_none() {
        return unprocessable(
            app,
            op,
            "INFORMACOES_PJ_NAO_INFORMADAS",
            "Informações de PJ não informadas",
            "business customer permissions need data.businessEntity with the company's CNPJ",
        );
    }
    if has(&pf) && business.is_some() {
        return unprocessable(
            app,
            op,
            "PERMISSOES_PJ_INCORRETAS",
            "Permissões PJ incorretas",
            "a consent with data.businessEntity cannot ask for personal customer permissions (CUSTOMERS_PERSONAL_*)",
        );
    }
    if let Some(orphan) = permissions.iter().find(|p| {
        !rules.groups().iter().any(|g| {
            g.permissions.contains(p) && g.permissions.iter().all(|m| permissions.contains(m))
        })
    }) {
        let group = rules
            .groups()
            .iter()
            .find(|g| g.permissions.contains(orphan))
            .map(|g| g.permissions.join(", "))
            .unwrap_or_default();
        return unprocessable(
            app,
            op,
            "COMBINACAO_PERMISSOES_INCORRETA",
            "Combinação de permissões incorreta",
            &format!("{orphan} must be requested with its whole group: {group}"),
        );
    }
    let now = app.clock.now();
    let expiration = match data.get("expirationDateTime").and_then(Value::as_str) {
        None => None,
        Some(s) => match DateTime::parse_from_rfc3339(s) {
            Ok(t) => {
                let t = t.with_timezone(&Utc);
                if t <= now || t > now + Duration::days(366) {
                    return unprocessable(
                        app,
                        op,
                        "DATA_EXPIRACAO_INVALIDA",
                        "Data de expiração inválida",
                        &format!(
                            "expirationDateTime {s} must be in the future and at most 12 months away ({} now)",
                            ofb_datetime(now)
                        ),
                    );
                }
                Some(t)
            }
            Err(_) => {
                return bad_request(
                    app,
                    op,
                    &format!("expirationDateTime \"{}\" is not a date-time", printable(s)),
                );
            }
        },
    };
    permissions.retain(|p| rules.served(p));
    if !permissions.iter().any(|p| p != "RESOURCES_READ") {
        return unprocessable(
            app,
            op,
            "SEM_PERMISSOES_FUNCIONAIS_RESTANTES",
            "Sem permissões funcionais restantes",
            "none of the requested products is offered here (this sandbox serves the Customers API: CUSTOMERS_* permissions)",
        );
    }

    let consent = Consent {
        id: format!("urn:finsandbox:{}", uuid::Uuid::new_v4()),
        client_id: client,
        status: ConsentStatus::AwaitingAuthorisation,
        permissions,
        logged_user: cpf.to_string(),
        logged_user_rel: cpf_rel.to_string(),
        business_entity: business.as_ref().map(|b| b.0.clone()),
        business_entity_rel: business.map(|b| b.1),
        created: now,
        status_updated: now,
        expiration,
        rejection: None,
        multiple_approval: None,
        is_linked: data.get("isLinked").and_then(Value::as_bool),
    };
    {
        let Ok(mut state) = of.state.write() else {
            return error(
                app,
                Some(op),
                StatusCode::INTERNAL_SERVER_ERROR,
                "ERRO_INTERNO",
                "Erro interno",
                "state unavailable",
            );
        };
        if state.consents.len() >= MAX_CONSENTS {
            return error(
                app,
                Some(op),
                StatusCode::TOO_MANY_REQUESTS,
                "LIMITE_EXCEDIDO",
                "Muitas requisições",
                "the sandbox holds too many consents; POST /sandbox/reset to start over",
            );
        }
        state.consents.insert(consent.id.clone(), consent.clone());
    }
    let body = consent_body(app, req, &consent, false);
    let mut r = http::json_response(StatusCode::CREATED, content_type_of(op, 201), &body);
    declared_headers(&mut r, spec, op, 201);
    r
}

/// What is wrong with a `{field}.document` of a consent request: the wrong `rel`, or an
/// identification whose check digits fail.
fn document_problem(
    field: &str,
    identification: &str,
    rel: &str,
    expected_rel: &str,
    valid: fn(&str) -> bool,
) -> Option<String> {
    if rel != expected_rel {
        return Some(format!(
            "{field}.document.rel must be {expected_rel}, got \"{}\"",
            printable(rel)
        ));
    }
    (!valid(identification)).then(|| {
        format!(
            "{field}.document.identification \"{}\" is not a valid {expected_rel} (check digits)",
            printable(identification)
        )
    })
}

fn display_pointer(p: &str) -> String {
    if p.is_empty() {
        "(body)".into()
    } else {
        p.to_string()
    }
}

fn content_type_of(op: &Operation, status: u16) -> &str {
    op.declared_response(status)
        .and_then(|r| r.content_type.as_deref())
        .unwrap_or("application/json")
}

/// Sets the response headers the spec declares that the sandbox knows how to fill (`x-v`).
pub fn declared_headers(response: &mut HttpResponse, spec: &ApiSpec, op: &Operation, status: u16) {
    if declares_version(op, status) {
        http::set_header(response, "x-v", &spec.version);
    }
}

/// Whether the response for `status` declares the `x-v` (API version) header.
pub fn declares_version(op: &Operation, status: u16) -> bool {
    op.declared_response(status)
        .is_some_and(|r| r.headers.iter().any(|h| h.name.eq_ignore_ascii_case("x-v")))
}

fn consent_id_param<'a>(app: &App, op: &Operation, req: &'a Req) -> Result<&'a str, HttpResponse> {
    let id = req.param("consentId").unwrap_or("");
    if let Some(p) = op.parameter(crate::spec::ParamLocation::Path, "consentId")
        && let Some(v) = &p.validator
        && !v.is_valid(&json!(id))
    {
        return Err(bad_request(
            app,
            op,
            &format!(
                "consentId \"{}\" is not a consent URN (urn:<namespace>:<id>)",
                printable(id)
            ),
        ));
    }
    Ok(id)
}

/// `consentsGetConsentsConsentId`.
pub fn read(of: &OpenFinance, call: &Call<'_>) -> Reply {
    Ok(declared(
        call,
        read_consent(of, call.app, call.spec, call.op, call.req),
    ))
}

fn read_consent(
    of: &OpenFinance,
    app: &App,
    spec: &ApiSpec,
    op: &Operation,
    req: &Req,
) -> HttpResponse {
    let id = match consent_id_param(app, op, req) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let now = app.clock.now();
    let consent = of
        .state
        .read()
        .ok()
        .and_then(|s| s.consents.get(id).map(|c| c.at(now)));
    match consent {
        None => error(
            app,
            Some(op),
            StatusCode::NOT_FOUND,
            "NAO_ENCONTRADO",
            "Consentimento não encontrado",
            &format!("no consent {}", printable(id)),
        ),
        Some(c) => {
            let body = consent_body(app, req, &c, true);
            let mut r = http::json_response(StatusCode::OK, content_type_of(op, 200), &body);
            declared_headers(&mut r, spec, op, 200);
            r
        }
    }
}

/// `consentsDeleteConsentsConsentId`.
pub fn revoke(of: &OpenFinance, call: &Call<'_>) -> Reply {
    Ok(declared(
        call,
        revoke_consent(of, call.app, call.spec, call.op, call.req),
    ))
}

fn revoke_consent(
    of: &OpenFinance,
    app: &App,
    spec: &ApiSpec,
    op: &Operation,
    req: &Req,
) -> HttpResponse {
    let id = match consent_id_param(app, op, req) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let now = app.clock.now();
    let Ok(mut state) = of.state.write() else {
        return error(
            app,
            Some(op),
            StatusCode::INTERNAL_SERVER_ERROR,
            "ERRO_INTERNO",
            "Erro interno",
            "state unavailable",
        );
    };
    let Some(stored) = state.consents.get_mut(id) else {
        return error(
            app,
            Some(op),
            StatusCode::NOT_FOUND,
            "NAO_ENCONTRADO",
            "Consentimento não encontrado",
            &format!("no consent {}", printable(id)),
        );
    };
    let current = stored.at(now);
    match current.status {
        ConsentStatus::Rejected => {
            // Persist the timeout that made it rejected, so later reads agree.
            *stored = current;
            unprocessable(
                app,
                op,
                "CONSENTIMENTO_EM_STATUS_REJEITADO",
                "Consentimento em status rejeitado",
                "the consent is already REJECTED and cannot be revoked",
            )
        }
        ConsentStatus::Authorised => {
            stored.reject_at(now, "USER", "CUSTOMER_MANUALLY_REVOKED", None);
            revoked(spec, op)
        }
        ConsentStatus::AwaitingAuthorisation => {
            stored.reject_at(now, "USER", "CUSTOMER_MANUALLY_REJECTED", None);
            revoked(spec, op)
        }
    }
}

/// The 204 of a revocation, with the `x-v` the spec requires on it as on every success.
fn revoked(spec: &ApiSpec, op: &Operation) -> HttpResponse {
    let mut r = http::empty_response(StatusCode::NO_CONTENT);
    declared_headers(&mut r, spec, op, 204);
    r
}

/// The consent in the shape of `ResponseConsent` / `ResponseConsentRead`.
pub fn consent_body(app: &App, req: &Req, c: &Consent, with_rejection: bool) -> Value {
    let origin = req.origin(app.config.public_url.as_deref());
    let mut data = Map::new();
    data.insert("consentId".into(), json!(c.id));
    data.insert("creationDateTime".into(), json!(ofb_datetime(c.created)));
    data.insert("status".into(), json!(c.status.as_str()));
    data.insert(
        "statusUpdateDateTime".into(),
        json!(ofb_datetime(c.status_updated)),
    );
    data.insert("permissions".into(), json!(c.permissions));
    if let Some(exp) = c.expiration {
        data.insert("expirationDateTime".into(), json!(ofb_datetime(exp)));
    }
    if with_rejection && let Some(r) = &c.rejection {
        let mut reason = Map::new();
        reason.insert("code".into(), json!(r.code));
        if let Some(info) = &r.info {
            reason.insert("additionalInformation".into(), json!(info));
        }
        data.insert(
            "rejection".into(),
            json!({"rejectedBy": r.by, "reason": reason}),
        );
    }
    json!({
        "data": data,
        "links": {"self": format!("{origin}/open-banking/consents/v3/consents/{}", c.id)},
        "meta": {"requestDateTime": ofb_datetime(app.clock.now())},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_of_the_enum_belongs_to_a_group() {
        let spec = crate::spec::ApiSpec::from_text(
            "consents",
            crate::spec::embedded::SPECS
                .iter()
                .find(|(n, _)| n.ends_with("consents-v3.yaml"))
                .unwrap()
                .1,
        )
        .unwrap();
        let op = spec.operation("consentsPostConsents").unwrap();
        let schema = op.request_body.as_ref().unwrap().validator.schema();
        let values = schema["properties"]["data"]["properties"]["permissions"]["items"]["enum"]
            .as_array()
            .unwrap();
        for v in values {
            let p = v.as_str().unwrap();
            assert!(
                rules()
                    .groups()
                    .iter()
                    .any(|g| g.permissions.iter().any(|q| q == p)),
                "{p} is in no group"
            );
        }
    }
}
