//! Card holders ("Portadores", `/portadores/...`, spec `specs/portadores/portadores.yaml`): a card
//! issuer's API for opening PF and PJ card accounts and managing their holders: every operation of
//! the spec bound by operationId, the issuer's state, the family's error body for every refusal,
//! and the control routes `GET /sandbox/portadores/sms` and `/products`.
//!
//! The issuer publishes its paths and example bodies but not its authentication, error format or
//! paging. What finsandbox does where the issuer is silent, stated once here and in the spec:
//!
//! - **Authentication.** OAuth2 client credentials at `POST /portadores/oauth2/token` (form body with
//!   `client_id` and a `client_secret` of 8+ visible characters); bearer tokens of 30 minutes of
//!   sandbox time with four scopes: `portadores.leitura` (every read), `portadores.cadastro` (opening
//!   accounts, registration data, dependents, phones), `portadores.gestao` (limits, product, blocks,
//!   VIP) and `portadores.senha` (passwords). No token → 401 with `WWW-Authenticate: Bearer`; a
//!   token without the scope → 403.
//! - **Errors.** One body for the family, `Erro`: `codigo`, `mensagem`, `status`, `idRequisicao`
//!   (the `X-Request-Id` echoed or generated), `dataHora`, and `erros` — one `{campo, mensagem}` per
//!   problem for 400, every problem of a body at once ([`validate`]), Portuguese messages.
//!   400 malformed input, 401, 403, 404 (`PORTADOR_NAO_ENCONTRADO`, `TELEFONE_NAO_ENCONTRADO`),
//!   405, 406, 409 conflicts, 413, 415, 422 business rules of the account's state.
//! - **Paging** ([`paging`]). Lists that grow (`/nomes`, history, limit history, delinquencies,
//!   occurrences) take `pagina` (from 1) and `tamanhoPagina` (1 to 100, default 20) and answer
//!   `{conteudo, pagina, tamanhoPagina, totalElementos, totalPaginas}`; a page past the last is
//!   empty. Bounded lists (a holder's phones and dependents, a CPF's accounts, reference tables)
//!   are plain arrays, as the seed shows for dependents.
//! - **Ids** ([`holder`]). `idPortador` names one card account of one holder and equals its
//!   `contaCartao` (the seed's 201 answer carries only the latter). Opened accounts take ids from a
//!   sequence below 10⁹. Every valid CPF with no account opened is the holder of one generated
//!   account, with id 1 followed by the CPF's first nine digits, built from the CPF's persona (the
//!   same person the other families show); opening an account for the CPF replaces it, and the
//!   first write to it makes it a stored account with the same id and data. Generated accounts are
//!   found by id and CPF; searches by RG and name cover stored accounts only.
//! - **Conflicts.** One account per (CPF or CNPJ, product): a second → 409 `CONTA_JA_EXISTENTE`, also
//!   when a product change would create the pair. A dependent twice on an account, a phone number
//!   twice on a holder, or blocking a blocked account → 409. A holder as their own dependent → 422.
//! - **History.** Every change made through the API is an event of `/{idPortador}/historico`
//!   (newest first, with the JSON paths of the fields changed and the token's client id); limit
//!   changes are also entries of `/limites/historico` with old and new values, the opening's limit
//!   being the first. Reads and refused requests leave no trace. Passwords appear as events, never
//!   as values.
//! - **Blocks.** One block in force per account, its type from `/bloqueios/tipos` (fixtures). A
//!   temporary block sets the holder and card to BLOQUEADO; a definitive one (loss, theft, damage,
//!   cancellation) cancels the card, cannot be lifted or replaced (422 `BLOQUEIO_DEFINITIVO`), and
//!   CANCELAMENTO cancels the account. A definitive block may replace a temporary one; anything else
//!   on a blocked account → 409 `PORTADOR_JA_BLOQUEADO`. Unblocking without a block → 422
//!   `PORTADOR_NAO_BLOQUEADO`.
//! - **Limits.** Within the product's bounds (400 on the field); installments not above the revolving
//!   limit. A blocked or canceled account cannot have its limit raised (422 `PORTADOR_BLOQUEADO`),
//!   lowering is allowed. A product change keeps the limit only if it fits the new product (422
//!   `LIMITE_FORA_DO_PRODUTO` otherwise) and issues a new card under the new BIN.
//! - **Cards** ([`card`]). 16-digit Luhn-valid PANs under the product's BIN, drawn from the seed and
//!   the account; answers carry only the masked form (first and last four), the truncated form
//!   (first six and last four) and an opaque SHA-256 reference. Embossed names are upper case ASCII
//!   of at most 26 characters; a requested printed name must be made of the person's names.
//! - **Passwords** ([`password`]). 4 to 6 digits; no sequences, repetitions, alternations or the
//!   holder's birth date; kept only as Argon2id hashes with a per-password salt. Accounts open
//!   without a password. `POST /senhas/sms` draws a provisional one (the issuer cannot resend a hash)
//!   that must be changed; three wrong current passwords in a row lock it until the next SMS.
//! - **SMS.** Only mobiles receive SMS and one phone per holder does: confirming a phone
//!   (`/telefones/recebe-sms`) moves SMS to it; deleting it leaves the holder without SMS until
//!   another is confirmed. Without an SMS phone, `POST /senhas/sms` → 422 `SEM_TELEFONE_SMS`. The
//!   sandbox keeps sent messages for `GET /sandbox/portadores/sms` instead of sending them.
//! - **Generated figures** ([`holder`]). Balances, invoices, late payments and occurrences come from
//!   the seed, the account and the date they belong to: the record agrees with `/ciclo` (cut-off a
//!   fixed number of days before the due day, best purchase day the day after), with
//!   `/inadimplencias` (an open late invoice is what `estaEmAtraso` says) and with `/dependentes`;
//!   `/ocorrencias` shows the same day the same way whatever period is asked (at most 92 days,
//!   start before end, else 400).
//!
//! Modules: [`fixtures`] the catalogue of `fixtures/portadores.yaml`; [`validate`] field-by-field
//! body checks; [`card`] PANs, masks, embossed names; [`password`] password rules, hashing and
//! state; [`holder`] the holder model, the account opened from a PF or PJ body
//! ([`holder::Abertura`]) or generated from a persona, and every look-up's answer; [`paging`] the
//! page envelope; [`text`] case- and accent-insensitive name matching; [`store`] the accounts,
//! their histories and the SMS outbox; [`auth`] tokens and scopes; [`errors`] the `Erro` body;
//! [`contas`], [`consultas`], [`gestao`] the handlers; [`control`] our `/sandbox/portadores`
//! routes; [`steps`] the harness side.

pub mod auth;
pub mod card;
pub mod consultas;
pub mod contas;
pub mod control;
pub mod errors;
pub mod fixtures;
pub mod gestao;
pub mod holder;
pub mod paging;
pub mod password;
pub mod store;
pub mod text;
pub mod validate;

/// The family's harness steps and its part of the World (its folder under `src/harness/steps/`).
#[path = "../../../harness/steps/portadores/mod.rs"]
pub mod steps;

#[cfg(test)]
pub(crate) mod examples;
#[cfg(test)]
mod spec_tests;

use std::any::Any;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{NaiveDate, NaiveDateTime};
use hyper::StatusCode;
use serde_json::Value;

use crate::sandbox::App;
use crate::sandbox::family::{
    self, BodyPolicy, Call, Correlation, ErrorContext, Family, Handler, Init, Plugin, Problem,
    Reply,
};
use crate::sandbox::http::{self, HttpResponse, Req};
use crate::spec::{ApiSpec, Operation, SchemaValidator};
use errors::ApiError;
use fixtures::Catalogue;
use store::{Account, Generator, Store};

/// The registry name of the family.
pub const NAME: &str = "portadores";

/// The operation that issues tokens: it answers RFC 6749 errors whatever goes wrong.
pub const TOKEN_OPERATION: &str = "emitirToken";

pub struct PortadoresPlugin;

pub static PLUGIN: PortadoresPlugin = PortadoresPlugin;

impl Plugin for PortadoresPlugin {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Card holders (Portadores) of a card issuer: accounts, look-ups, limits, blocks, passwords"
    }

    fn mount(&self) -> &'static str {
        "/portadores"
    }

    fn recognise(&self, base_path: &str) -> Option<String> {
        (base_path == "/portadores" || base_path.starts_with("/portadores/"))
            .then(|| "portadores".into())
    }

    fn build(&self, init: &Init<'_>) -> anyhow::Result<Arc<dyn Family>> {
        let (source, text) = init.fixture("portadores.yaml", fixtures::EMBEDDED)?;
        let catalogue = Catalogue::parse(&source, &text)?;
        Ok(Arc::new(Portadores::new(init.seed, catalogue)))
    }

    fn scenario_values(&self, scenario: &family::ScenarioSeed<'_>) -> Vec<(String, String)> {
        steps::scenario_values(scenario)
    }

    fn request_headers(&self) -> Vec<(String, String)> {
        steps::request_headers()
    }

    fn check_target_section(&self, section: &toml::Value) -> Result<(), String> {
        steps::target::check(section)
    }
}

/// The family's state.
pub struct Portadores {
    pub seed: u64,
    pub catalogue: Catalogue,
    pub store: RwLock<Store>,
    pub tokens: auth::Tokens,
}

type Op = fn(&Portadores, &Call<'_>) -> Result<HttpResponse, ApiError>;

/// Every operation of `specs/portadores/portadores.yaml` but the token endpoint, by operationId.
const OPERATIONS: &[(&str, Op)] = &[
    ("cadastrarContaPf", contas::abrir_pf),
    ("cadastrarContaPj", contas::abrir_pj),
    ("consultarPortador", consultas::portador),
    ("alterarPortador", contas::alterar),
    ("consultarInformacoesPortador", consultas::informacoes),
    ("listarContasPorDocumento", consultas::contas_por_documento),
    ("listarContasPorRg", consultas::contas_por_rg),
    ("consultarCompletoPorCpf", consultas::completo_por_cpf),
    (
        "consultarSimplificadoPorCpf",
        consultas::simplificado_por_cpf,
    ),
    ("buscarContasPorNome", consultas::por_nome),
    ("listarContasPorCnpj", consultas::contas_por_cnpj),
    ("consultarLote", consultas::lote),
    ("alterarLimites", gestao::alterar_limites),
    ("consultarCiclo", consultas::ciclo),
    ("alterarProduto", gestao::alterar_produto),
    ("bloquearPortador", gestao::bloquear),
    ("desbloquearPortador", gestao::desbloquear),
    ("alterarVipagem", gestao::vipagem),
    ("cadastrarDependente", contas::cadastrar_dependente),
    ("listarDependentes", consultas::dependentes),
    ("listarDependentesPorCpf", consultas::dependentes_por_cpf),
    ("alterarSenha", gestao::alterar_senha),
    ("enviarSenhaSms", gestao::enviar_senha_sms),
    ("listarHistorico", consultas::historico),
    ("listarHistoricoLimites", consultas::historico_limites),
    ("listarInadimplencias", consultas::inadimplencias),
    ("listarOcorrencias", consultas::ocorrencias),
    ("cadastrarTelefone", contas::cadastrar_telefone),
    ("listarTelefones", consultas::telefones),
    ("excluirTelefone", contas::excluir_telefone),
    ("confirmarTelefoneSms", contas::confirmar_sms),
    ("listarTiposBloqueio", consultas::tipos_bloqueio),
    ("listarEscolaridades", consultas::escolaridades),
    ("listarOcupacoes", consultas::ocupacoes),
];

/// The token endpoint answers its own errors (RFC 6749's body).
fn emitir_token(p: &Portadores, call: &Call<'_>) -> Reply {
    Ok(auth::token(
        &p.tokens,
        call.app.clock.now(),
        call.spec,
        call.op,
        call.req,
    ))
}

impl Portadores {
    pub fn new(seed: u64, catalogue: Catalogue) -> Portadores {
        Portadores {
            seed,
            catalogue,
            store: RwLock::new(Store::default()),
            tokens: auth::Tokens::default(),
        }
    }

    /// What building a generated holder needs.
    pub fn generator<'a>(&'a self, app: &'a App) -> Generator<'a> {
        Generator {
            seed: self.seed,
            catalogue: &self.catalogue,
            personas: &app.personas,
        }
    }

    pub fn read(&self) -> Result<RwLockReadGuard<'_, Store>, ApiError> {
        self.store.read().map_err(|_| ApiError::internal())
    }

    pub fn write(&self) -> Result<RwLockWriteGuard<'_, Store>, ApiError> {
        self.store.write().map_err(|_| ApiError::internal())
    }

    /// Runs `f` on account `id` and keeps what it changed, all under the store's lock. `f` says
    /// whether there is anything to keep ([`Kept`]); a refusal (an `Err`) or a request that
    /// changes nothing keeps nothing, not even a generated account it read.
    pub fn change<R>(
        &self,
        app: &App,
        id: u64,
        f: impl FnOnce(&mut Account, &mut Store) -> Result<Kept<R>, ApiError>,
    ) -> Result<R, ApiError> {
        let g = self.generator(app);
        let mut store = self.write()?;
        let mut account = store
            .account(id, &g)
            .ok_or_else(|| ApiError::holder_not_found(id))?;
        match f(&mut account, &mut store)? {
            Kept::Changed(answer) => {
                store.commit(account).map_err(|_| full())?;
                Ok(answer)
            }
            Kept::Unchanged(answer) => Ok(answer),
        }
    }

    /// Runs `f` on account `id` (404 when there is none) without changing anything.
    pub fn view<R>(
        &self,
        app: &App,
        id: u64,
        f: impl FnOnce(&Account) -> R,
    ) -> Result<R, ApiError> {
        let g = self.generator(app);
        self.read()?
            .read(id, &g, f)
            .ok_or_else(|| ApiError::holder_not_found(id))
    }
}

/// What a write did to its account.
pub enum Kept<R> {
    /// Keep the account as changed.
    Changed(R),
    /// Nothing to keep (a classification it already had, a phone already receiving SMS).
    Unchanged(R),
}

/// The store holds as many accounts as it may.
pub fn full() -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "SANDBOX_CHEIO",
        format!(
            "O sandbox já guarda {} contas; POST /sandbox/reset recomeça.",
            store::MAX_ACCOUNTS
        ),
    )
}

/// The sandbox clock, as the holder model keeps time.
pub fn now(app: &App) -> NaiveDateTime {
    app.clock.now().naive_utc()
}

pub fn today(app: &App) -> NaiveDate {
    now(app).date()
}

/// The caller's client id (history's `usuario`).
pub fn usuario<'a>(call: &Call<'a>) -> Option<&'a str> {
    call.principal::<auth::Token>()
        .map(|t| t.client_id.as_str())
}

/// The operation's request schema, for the validators' schema pass.
pub fn schema<'a>(call: &Call<'a>) -> Option<&'a SchemaValidator> {
    call.op.request_body.as_ref().map(|b| &b.validator)
}

/// The parsed body (the pipeline refuses an empty or malformed one before the handler).
pub fn body<'a>(call: &Call<'a>) -> Result<&'a Value, ApiError> {
    call.body.ok_or_else(|| {
        ApiError::field(
            "",
            "O corpo da requisição está vazio; envie um objeto JSON.",
        )
    })
}

/// The schema's rules alone, before the rules that need the account: a body that is wrong in
/// itself is a 400 whatever the account (even one that does not exist).
pub fn schema_check(call: &Call<'_>, body: &Value) -> Result<(), ApiError> {
    let mut errors = validate::FieldErrors::default();
    if let Some(v) = schema(call) {
        validate::schema_errors(v, body, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(errors))
    }
}

/// The answer of a write whose body rules need the account (its UF, its product, its income
/// record): for an account that exists, every problem of the body is reported at once, the
/// account's rules with the schema's; for one that does not, a body wrong in itself is still a 400
/// rather than a 404, so a client learns about its body whatever the id.
pub fn body_first<R>(
    call: &Call<'_>,
    body: &Value,
    outcome: Result<R, ApiError>,
) -> Result<R, ApiError> {
    match outcome {
        Err(e) if e.status == StatusCode::NOT_FOUND => schema_check(call, body).and(Err(e)),
        other => other,
    }
}

/// A path parameter the pipeline already checked against its integer schema.
pub fn path_id(call: &Call<'_>, name: &str) -> Result<u64, ApiError> {
    call.req
        .param(name)
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|v| *v >= 1)
        .ok_or_else(|| {
            ApiError::field(name, format!("{name} deve ser um número inteiro positivo."))
        })
}

/// A JSON answer.
pub fn answer(status: StatusCode, body: &Value) -> HttpResponse {
    http::json_response(status, "application/json", body)
}

fn is_token_request(ctx: &ErrorContext<'_>) -> bool {
    match ctx.op {
        Some(op) => op.id == TOKEN_OPERATION,
        // Refused before routing (405, 413): the path says whether it was the token endpoint.
        None => match (ctx.spec, ctx.req) {
            (Some(spec), Some(req)) => spec
                .operation(TOKEN_OPERATION)
                .is_some_and(|op| req.path == op.full_path),
            _ => false,
        },
    }
}

/// A printable request id fit to echo when the operation declares no schema for it.
fn echoable(value: &str) -> bool {
    !value.is_empty() && value.len() <= 100 && value.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

impl Family for Portadores {
    fn name(&self) -> &'static str {
        NAME
    }

    fn handlers(self: Arc<Self>, _spec: &ApiSpec) -> Vec<(&'static str, Handler)> {
        let mut table: Vec<(&'static str, Handler)> = OPERATIONS
            .iter()
            .map(|(id, op)| {
                let family = self.clone();
                let op = *op;
                let h: Handler = Arc::new(move |call: &Call<'_>| {
                    op(&family, call).map_err(ApiError::into_problem)
                });
                (*id, h)
            })
            .collect();
        table.push((TOKEN_OPERATION, family::handler(&self, emitir_token)));
        table
    }

    fn render(&self, ctx: &ErrorContext<'_>, problem: &Problem) -> HttpResponse {
        let mut response = if is_token_request(ctx) {
            crate::sandbox::oauth::render(problem)
        } else {
            let id = ctx
                .correlation
                .map(str::to_string)
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            let when = store::datetime(now(ctx.app));
            ApiError::from_problem(ctx, problem).render(&id, &when)
        };
        // An injected 401 challenges as the issuer's own do: Basic at the token endpoint, Bearer
        // elsewhere, in the issuer's realm.
        if problem.kind == crate::sandbox::family::ProblemKind::Injected
            && problem.status == StatusCode::UNAUTHORIZED
        {
            let scheme = if is_token_request(ctx) {
                "Basic"
            } else {
                "Bearer"
            };
            http::set_header(
                &mut response,
                "www-authenticate",
                &format!("{scheme} realm=\"{}\"", auth::REALM),
            );
        }
        response
    }

    fn correlation(&self) -> Option<Correlation> {
        Some(Correlation {
            header: hyper::header::HeaderName::from_static("x-request-id"),
            fallback_valid: echoable,
            generate_when_missing: true,
        })
    }

    fn authenticate(&self, call: &Call<'_>) -> Result<Option<Box<dyn Any + Send + Sync>>, Problem> {
        if call.op.id == TOKEN_OPERATION {
            return Ok(None);
        }
        let token = auth::resolve(&self.tokens, call.req, call.app.clock.now())
            .map_err(ApiError::into_problem)?;
        auth::require_scopes(&token, call.op).map_err(ApiError::into_problem)?;
        Ok(Some(Box::new(token)))
    }

    fn body_policy(&self, _op: &Operation) -> BodyPolicy {
        // Every field problem is reported at once, in Portuguese (validate.rs).
        BodyPolicy::Parse
    }

    fn own_headers(&self) -> &'static [&'static str] {
        &["authorization"]
    }

    fn control(&self, app: &App, req: &Req, rest: &[&str]) -> Option<HttpResponse> {
        Some(control::handle(self, app, req, rest))
    }

    fn control_index(&self) -> Vec<String> {
        control::INDEX.iter().map(|s| s.to_string()).collect()
    }

    fn subject(&self, call: &Call<'_>) -> Option<String> {
        let document = |v: &str| {
            ((v.len() == 11 && crate::br::is_valid_cpf(v))
                || (v.len() == 14 && crate::br::is_valid_cnpj(v)))
            .then(|| v.to_string())
        };
        call.req
            .query_param("cpf")
            .or_else(|| call.req.query_param("cnpj"))
            .and_then(document)
            .or_else(|| {
                call.req
                    .param("idPortador")
                    .and_then(|v| v.parse::<u64>().ok())
                    .and_then(holder::cpf_of_generated_id)
            })
            .or_else(|| crate::sandbox::pipeline::default_subject(call))
    }

    fn reset(&self) {
        if let Ok(mut s) = self.store.write() {
            *s = Store::default();
        }
        self.tokens.reset();
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
