//! Open Finance Brasil: the OAuth2 token endpoint, Consents v3 and the Customers API (v1 and v2).
//!
//! The state is what a transmitting institution keeps: consents with their status history, tokens
//! bound to consents, authorisation codes, and each customer's standing. Timeouts (60 minutes to
//! authorise, `expirationDateTime`) are evaluated against the sandbox clock when a consent is read,
//! so advancing the clock is enough to expire things.

pub mod auth;
pub mod consents;
pub mod control;
pub mod customers;
pub mod rules;
pub mod state;

/// The family's harness steps and its part of the World (its folder under `src/harness/steps/`).
#[path = "../../../harness/steps/open_finance/mod.rs"]
pub mod steps;

use std::any::Any;
use std::sync::{Arc, RwLock};

use hyper::StatusCode;
use serde_json::{Value, json};

use super::super::App;
use super::super::clock::ofb_datetime;
use super::super::family::{
    self, BodyPolicy, Call, Correlation, ErrorContext, Family, Handler, Init, Plugin, Problem,
};
use super::super::http::{self, HttpResponse, Req};
use crate::spec::{ApiSpec, Operation};
pub use state::{Consent, ConsentStatus, State};

/// The registry name of the family.
pub const NAME: &str = "open-finance";

/// Which family of 403 codes the Customers API answers with (FACTS §1.6: the sources disagree).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ForbiddenCodes {
    /// `STATUS_PENDING_AUTHORISATION`, `STATUS_TEMPORARY_UNAVAILABLE`, `STATUS_UNAVAILABLE` (the
    /// "Informações Gerais" table of the Customers API).
    #[default]
    Status,
    /// `STATUS_RESOURCE_PENDING_AUTHORISATION`, ... (the "Orientações" page and the other data APIs).
    Resource,
}

/// `finsandbox serve` options of the family.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct OpenFinanceArgs {
    /// Family of the Customers API 403 codes: STATUS_* (default) or STATUS_RESOURCE_*.
    #[arg(long, value_enum, default_value_t = ForbiddenCodes::Status)]
    pub forbidden_codes: ForbiddenCodes,
}

/// Options of every command that loads specs: which Customers v2 version is served.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct OpenFinanceSpecArgs {
    /// Which Customers v2 version answers /open-banking/customers/v2 (default: the highest).
    #[arg(long, value_name = "VERSION", value_parser = ["2.3.0", "2.2.1"])]
    pub customers_v2: Option<String>,
}

/// Where Customers v2 is served: the version choice applies to the documents at this base path.
pub const CUSTOMERS_V2: &str = "/open-banking/customers/v2";

pub struct OpenFinancePlugin;

pub static PLUGIN: OpenFinancePlugin = OpenFinancePlugin;

impl Plugin for OpenFinancePlugin {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Open Finance Brasil Customers (v1, v2) with Consents v3 and an OAuth2 token endpoint"
    }

    /// Official documents are served at their own paths (`/open-banking/customers/v2`); only the
    /// APIs the family implements are claimed, so another Open Finance API passed with `--spec`
    /// is mocked generically instead of refused.
    fn recognise(&self, base_path: &str) -> Option<String> {
        let mut segments = base_path.split('/').filter(|s| !s.is_empty());
        match (segments.next(), segments.next()) {
            (Some("open-banking"), Some(api @ ("customers" | "consents"))) => Some(api.to_string()),
            _ => None,
        }
    }

    fn serve_args(&self, cmd: clap::Command) -> clap::Command {
        family::args::augment::<OpenFinanceArgs>(cmd)
    }

    fn read_serve_args(
        &self,
        matches: &clap::ArgMatches,
        options: &mut family::FamilyOptions,
    ) -> Result<(), clap::Error> {
        family::args::read::<OpenFinanceArgs>(matches, options)
    }

    fn spec_args(&self, cmd: clap::Command) -> clap::Command {
        family::args::augment::<OpenFinanceSpecArgs>(cmd)
    }

    fn spec_preferences(&self, matches: &clap::ArgMatches) -> Vec<(String, String)> {
        use clap::FromArgMatches;
        OpenFinanceSpecArgs::from_arg_matches(matches)
            .ok()
            .and_then(|a| a.customers_v2)
            .map(|v| vec![(CUSTOMERS_V2.to_string(), v)])
            .unwrap_or_default()
    }

    fn build(&self, init: &Init<'_>) -> anyhow::Result<Arc<dyn Family>> {
        Ok(Arc::new(OpenFinance::new(init.config.families.get())))
    }

    fn scenario_values(&self, scenario: &family::ScenarioSeed<'_>) -> Vec<(String, String)> {
        steps::scenario_values(scenario)
    }

    fn request_headers(&self) -> Vec<(String, String)> {
        steps::request_headers()
    }

    fn check_target_section(&self, section: &toml::Value) -> Result<(), String> {
        family::args::target_section::<steps::target::OpenFinanceTarget>(section)
    }
}

/// The family's state and caches.
pub struct OpenFinance {
    pub args: OpenFinanceArgs,
    pub state: RwLock<State>,
    /// Serialised records per (spec, operation, document): generating a persona's data is the
    /// expensive part of a request, and the data never changes for a given seed.
    pub cache: customers::BodyCache,
}

impl Default for OpenFinance {
    fn default() -> Self {
        Self::new(OpenFinanceArgs::default())
    }
}

/// A UUID, or the older alphanumeric form v1 allows: what an early error may echo.
fn echoable(value: &str) -> bool {
    !value.is_empty() && value.len() <= 100 && value.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

type Op = fn(&OpenFinance, &Call<'_>) -> family::Reply;

const CUSTOMERS: &[(&str, Op)] = &[
    ("customersGetPersonalIdentifications", customers::handle),
    ("customersGetPersonalQualifications", customers::handle),
    ("customersGetPersonalFinancialRelations", customers::handle),
    ("customersGetBusinessIdentifications", customers::handle),
    ("customersGetBusinessQualifications", customers::handle),
    ("customersGetBusinessFinancialRelations", customers::handle),
];

const CONSENTS: &[(&str, Op)] = &[
    ("consentsPostConsents", consents::create),
    ("consentsGetConsentsConsentId", consents::read),
    ("consentsDeleteConsentsConsentId", consents::revoke),
];

const AUTH: &[(&str, Op)] = &[("oauthToken", auth::token)];

impl OpenFinance {
    pub fn new(args: OpenFinanceArgs) -> OpenFinance {
        OpenFinance {
            args,
            state: RwLock::new(State::default()),
            cache: customers::BodyCache::new(4096),
        }
    }

    fn is_token_endpoint(spec: Option<&ApiSpec>) -> bool {
        spec.is_some_and(|s| s.api == "auth")
    }

    /// [`Family::subject`] of a request not authenticated yet, read from its token or body.
    fn subject_unauthenticated(&self, call: &Call<'_>) -> Option<String> {
        let of_consent = |c: &Consent| {
            c.business_entity
                .clone()
                .unwrap_or_else(|| c.logged_user.clone())
        };
        match call.spec.api.as_str() {
            "customers" => {
                let state = self.state.read().ok()?;
                let token = state.tokens.get(call.req.bearer()?)?;
                let state::Grant::Consent { consent_id, .. } = &token.grant else {
                    return None;
                };
                let consent = state.consents.get(consent_id)?;
                Some(if call.op.path.starts_with("/business") {
                    consent.business_entity.clone()?
                } else {
                    consent.logged_user.clone()
                })
            }
            "consents" => match call.req.param("consentId") {
                Some(id) => self.state.read().ok()?.consents.get(id).map(of_consent),
                None => {
                    let body: Value = serde_json::from_slice(&call.req.body).ok()?;
                    let data = &body["data"];
                    data["businessEntity"]["document"]["identification"]
                        .as_str()
                        .or_else(|| data["loggedUser"]["document"]["identification"].as_str())
                        .map(str::to_string)
                }
            },
            _ => None,
        }
    }
}

impl Family for OpenFinance {
    fn name(&self) -> &'static str {
        NAME
    }

    fn handlers(self: Arc<Self>, spec: &ApiSpec) -> Vec<(&'static str, Handler)> {
        let entries = match spec.api.as_str() {
            "customers" => CUSTOMERS,
            "consents" => CONSENTS,
            "auth" => AUTH,
            _ => &[],
        };
        family::table(&self, entries)
    }

    fn render(&self, ctx: &ErrorContext<'_>, problem: &Problem) -> HttpResponse {
        if Self::is_token_endpoint(ctx.spec) {
            return super::super::oauth::render(problem);
        }
        let (default_code, default_title) = generic_code(problem.status);
        let code = problem.code.as_deref().unwrap_or(default_code);
        let title = problem.title.as_deref().unwrap_or(default_title);
        let mut response = error(
            ctx.app,
            ctx.op,
            problem.status,
            code,
            title,
            &problem.message,
        );
        for (name, value) in &problem.headers {
            response.headers_mut().insert(name.clone(), value.clone());
        }
        if let (Some(spec), Some(op)) = (ctx.spec, ctx.op) {
            consents::declared_headers(&mut response, spec, op, problem.status.as_u16());
        }
        response
    }

    fn correlation(&self) -> Option<Correlation> {
        Some(Correlation {
            header: http::X_FAPI_INTERACTION_ID,
            fallback_valid: echoable,
            generate_when_missing: true,
        })
    }

    fn authenticate(&self, call: &Call<'_>) -> Result<Option<Box<dyn Any + Send + Sync>>, Problem> {
        match call.spec.api.as_str() {
            "customers" => Ok(Some(Box::new(customers::authorise(self, call)?))),
            "consents" => Ok(Some(Box::new(consents::client(self, call)?))),
            _ => Ok(None),
        }
    }

    fn body_policy(&self, _op: &Operation) -> BodyPolicy {
        // Consents answer 422 with the codes of their own table, and the token endpoint answers
        // OAuth2 errors: both judge their bodies themselves.
        BodyPolicy::Parse
    }

    fn own_headers(&self) -> &'static [&'static str] {
        // The bearer token is checked by `authenticate`, with the consent behind it.
        &["authorization"]
    }

    fn control(&self, app: &App, req: &Req, rest: &[&str]) -> Option<HttpResponse> {
        control::handle(self, app, req, rest)
    }

    fn control_index(&self) -> Vec<String> {
        control::INDEX.iter().map(|s| s.to_string()).collect()
    }

    fn legacy_control(&self) -> &'static [&'static str] {
        &["consents", "customers"]
    }

    /// The customer a request is about: the consent behind a data request (its CPF, or its
    /// business CNPJ on business endpoints), the consent a consent request names or creates
    /// (its `businessEntity` when it has one, else its logged user). The fault stage asks before
    /// authentication, so without a principal the token and the body are read here.
    fn subject(&self, call: &Call<'_>) -> Option<String> {
        if let Some(view) = call.principal::<customers::ConsentView>() {
            return view.document.clone();
        }
        self.subject_unauthenticated(call)
            .or_else(|| super::super::pipeline::default_subject(call))
    }

    fn reset(&self) {
        if let Ok(mut s) = self.state.write() {
            *s = State::default();
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A client-supplied value made safe to quote in a message.
pub fn printable(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).take(80).collect();
    if s.chars().count() > 80 {
        format!("{clean}…")
    } else {
        clean
    }
}

/// An error in the `ResponseError` shape of the operation (or of Customers v2 when no operation is
/// known), with the content type and `meta` its spec declares.
pub fn error(
    app: &App,
    op: Option<&Operation>,
    status: StatusCode,
    code: &str,
    title: &str,
    detail: &str,
) -> HttpResponse {
    let spec = op.and_then(|o| o.response(status.as_u16()));
    let meta_schema = spec
        .and_then(|r| r.schema())
        .and_then(|s| s.get("properties"))
        .and_then(|p| p.get("meta"));
    let now = ofb_datetime(app.clock.now());
    let mut meta = serde_json::Map::new();
    let declares = |name: &str| {
        meta_schema
            .and_then(|m| m.get("properties"))
            .and_then(|p| p.get(name))
            .is_some()
    };
    // v1 error metas carry the paging totals too; an error is one record on one page.
    if declares("totalRecords") {
        meta.insert("totalRecords".into(), json!(1));
    }
    if declares("totalPages") {
        meta.insert("totalPages".into(), json!(1));
    }
    meta.insert("requestDateTime".into(), json!(now));
    // A status whose error codes are a closed list (Consents' 422 of a revocation) gets one of
    // them when the problem brought a code of the generic table.
    let allowed = spec
        .and_then(|r| r.schema())
        .and_then(|s| s.pointer("/properties/errors/items/properties/code/enum"))
        .and_then(Value::as_array);
    let code = match allowed {
        Some(list) if !list.iter().any(|c| c.as_str() == Some(code)) => {
            list.iter().find_map(Value::as_str).unwrap_or(code)
        }
        _ => code,
    };
    let body = json!({
        "errors": [{"code": code, "title": title, "detail": truncate(detail, 2048)}],
        "meta": Value::Object(meta),
    });
    let content_type = spec
        .and_then(|r| r.content_type.as_deref())
        .unwrap_or("application/json; charset=utf-8");
    http::json_response(status, content_type, &body)
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Codes and PT-BR titles for statuses whose meaning is the same everywhere.
pub fn generic_code(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("PARAMETRO_INVALIDO", "Parâmetro inválido"),
        401 => ("NAO_AUTORIZADO", "Não autorizado"),
        403 => ("PROIBIDO", "Acesso negado"),
        404 => ("NAO_ENCONTRADO", "Recurso não encontrado"),
        405 => ("METODO_NAO_PERMITIDO", "Método não permitido"),
        406 => ("NAO_ACEITO", "Formato de resposta não suportado"),
        413 => ("CORPO_MUITO_GRANDE", "Corpo da requisição muito grande"),
        431 => (
            "CABECALHO_MUITO_GRANDE",
            "Campos de cabeçalho da requisição muito grandes",
        ),
        415 => (
            "FORMATO_NAO_SUPORTADO",
            "Formato da requisição não suportado",
        ),
        422 => ("ERRO_NAO_MAPEADO", "Requisição não processável"),
        409 => ("CONFLITO", "Conflito"),
        423 => ("RECURSO_BLOQUEADO", "Recurso bloqueado"),
        429 => ("LIMITE_EXCEDIDO", "Muitas requisições"),
        503 => ("SERVICO_INDISPONIVEL", "Serviço indisponível"),
        504 => ("TEMPO_ESGOTADO", "Tempo de resposta esgotado"),
        529 => ("SITE_SOBRECARREGADO", "Site sobrecarregado"),
        _ => ("ERRO_INTERNO", "Erro interno"),
    }
}
