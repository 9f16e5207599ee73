//! Card holders ("Portadores", `/portadores/...`, spec `specs/portadores/portadores.yaml`): a card
//! issuer's API for opening PF and PJ card accounts and managing their holders. This module holds
//! the family's pure logic — catalogue, validation, cards, passwords, holder records — ready for the
//! request pipeline and handlers of the families registry to call; it does no HTTP itself yet.
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
//! page envelope;
//! [`text`] case- and accent-insensitive name matching.

pub mod card;
pub mod fixtures;
pub mod holder;
pub mod paging;
pub mod password;
pub mod text;
pub mod validate;

#[cfg(test)]
pub(crate) mod examples;
#[cfg(test)]
mod spec_tests;
