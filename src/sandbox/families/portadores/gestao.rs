//! Account management: credit limits, product changes, blocks and unblocks, the VIP
//! classification, and passwords (change given the current one, provisional one by SMS).
//!
//! Password hashing is slow on purpose (Argon2id), so a password operation computes outside the
//! store's lock and commits only if no other password operation on the account got there first
//! (`Account::senha_versao`); the lock is never held while hashing.

use hyper::StatusCode;
use serde_json::{Value, json};

use super::card::Card;
use super::errors::ApiError;
use super::fixtures::{Produto, Publico, TipoBloqueio};
use super::holder::Bloqueio;
use super::password::{self, ChangeRefused, PasswordState};
use super::store::{self, Account, Sms};
use super::validate::{self, Ctx};
use super::{
    Kept, Portadores, answer, body, body_first, now, path_id, schema, schema_check, today, usuario,
};
use crate::datagen::rng_for;
use crate::sandbox::family::Call;
use crate::sandbox::http::{self, HttpResponse};

type Answer = Result<HttpResponse, ApiError>;

fn motivo(body: &Value, key: &str) -> Option<String> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|m| !m.trim().is_empty())
        .map(str::to_string)
}

fn refuse_canceled(account: &Account) -> Result<(), ApiError> {
    if account.holder.conta.cancelada {
        return Err(ApiError::rule(
            "CONTA_CANCELADA",
            format!("A conta {} está cancelada.", account.holder.id),
        ));
    }
    Ok(())
}

/// `idPortador` of a body the schema accepted.
fn body_id(body: &Value) -> Result<u64, ApiError> {
    body.get("idPortador")
        .and_then(Value::as_u64)
        .ok_or_else(|| ApiError::field("idPortador", "Campo obrigatório."))
}

fn produto_of<'c>(p: &'c Portadores, account: &Account) -> Result<&'c Produto, ApiError> {
    p.catalogue
        .produto(account.holder.conta.id_produto)
        .ok_or_else(ApiError::internal)
}

// ------------------------------------------------------------------------------------ limits

/// `PATCH /{idPortador}/limites`.
pub fn alterar_limites(p: &Portadores, call: &Call<'_>) -> Answer {
    let id = path_id(call, "idPortador")?;
    let body = body(call)?;
    let day = today(call.app);
    let at = now(call.app);
    let who = usuario(call);
    let limites = p.change(call.app, id, |account, _| {
        let produto = produto_of(p, account)?;
        let errors = validate::alteracao_limites(body, produto, schema(call));
        if !errors.is_empty() {
            return Err(ApiError::invalid(errors));
        }
        refuse_canceled(account)?;
        let conta = &account.holder.conta;
        let before = (conta.limite_rotativo, conta.limite_parcelado);
        let rotativo = body
            .get("limiteRotativo")
            .and_then(Value::as_f64)
            .unwrap_or(before.0);
        // Installments are kept when not sent, lowered to the new limit when above it.
        let parcelado = body
            .get("limiteParcelado")
            .and_then(Value::as_f64)
            .unwrap_or(before.1)
            .min(rotativo);
        if (rotativo > before.0 || parcelado > before.1) && account.holder.bloqueada() {
            return Err(ApiError::rule(
                "PORTADOR_BLOQUEADO",
                format!(
                    "A conta {id} está bloqueada: o limite pode ser reduzido, mas não aumentado."
                ),
            ));
        }
        let mut campos = Vec::new();
        if rotativo != before.0 {
            campos.push("limiteRotativo");
        }
        if parcelado != before.1 {
            campos.push("limiteParcelado");
        }
        let changed = !campos.is_empty();
        if changed {
            account.holder.conta.limite_rotativo = rotativo;
            account.holder.conta.limite_parcelado = parcelado;
            account.limit(at, before, (rotativo, parcelado), motivo(body, "motivo"), "API");
            account.event(
                at,
                "ALTERACAO_LIMITE",
                format!(
                    "Limite alterado de R$ {:.2} para R$ {rotativo:.2} (parcelado R$ {parcelado:.2}).",
                    before.0
                ),
                &campos,
                who,
            );
        }
        let body = json!({
            "idPortador": id,
            "limiteRotativo": store::money(rotativo),
            "limiteParcelado": store::money(parcelado),
            "limiteMinimoProduto": store::money(produto.limite_minimo),
            "limiteMaximoProduto": store::money(produto.limite_maximo),
            "saldoDisponivel": account.holder.saldo_disponivel(p.seed, &p.catalogue, day),
            "dataAlteracao": account.limites.last().map_or_else(
                || store::datetime(account.holder.conta.aberta_em),
                |l| store::datetime(l.em),
            ),
        });
        Ok(if changed {
            Kept::Changed(body)
        } else {
            Kept::Unchanged(body)
        })
    });
    let limites = body_first(call, body, limites)?;
    Ok(answer(StatusCode::OK, &limites))
}

// ----------------------------------------------------------------------------------- product

/// The due day kept when the product offers it, else the product's next later one (or its first).
fn due_day_on(produto: &Produto, current: u8) -> u8 {
    if produto.dias_vencimento.contains(&current) {
        return current;
    }
    let mut days = produto.dias_vencimento.clone();
    days.sort_unstable();
    days.iter()
        .copied()
        .find(|d| *d > current)
        .or_else(|| days.first().copied())
        .unwrap_or(current)
}

/// `PATCH /produto`.
pub fn alterar_produto(p: &Portadores, call: &Call<'_>) -> Answer {
    let body = body(call)?;
    schema_check(call, body)?;
    let id = body_id(body)?;
    let day = today(call.app);
    let at = now(call.app);
    let who = usuario(call);
    let ctx = Ctx {
        catalogue: &p.catalogue,
        today: day,
    };
    let troca = p.change(call.app, id, |account, store| {
        let errors = validate::troca_produto(body, &ctx, account.holder.publico, None);
        if !errors.is_empty() {
            return Err(ApiError::invalid(errors));
        }
        refuse_canceled(account)?;
        if account.holder.bloqueada() {
            return Err(ApiError::rule(
                "PORTADOR_BLOQUEADO",
                format!("A conta {id} está bloqueada e não pode mudar de produto."),
            ));
        }
        let novo_id = body
            .get("idProduto")
            .and_then(Value::as_u64)
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or_default();
        let anterior = produto_of(p, account)?;
        let novo = p.catalogue.produto(novo_id).ok_or_else(ApiError::internal)?;
        if novo.id == anterior.id {
            return Err(ApiError::rule(
                "PRODUTO_ATUAL",
                format!("A conta {id} já está no produto {novo_id}."),
            ));
        }
        let limite = account.holder.conta.limite_rotativo;
        if !novo.limite_dentro(limite) {
            return Err(ApiError::rule(
                "LIMITE_FORA_DO_PRODUTO",
                format!(
                    "O limite de R$ {limite:.2} não cabe no produto {} (R$ {:.2} a R$ {:.2}); ajuste-o antes.",
                    novo.descricao, novo.limite_minimo, novo.limite_maximo
                ),
            ));
        }
        let document = match account.holder.publico {
            Publico::PF => account.holder.cpf.clone(),
            Publico::PJ => account.holder.cnpj.clone().unwrap_or_default(),
        };
        if let Some(other) =
            store.has_account_on(account.holder.publico, &document, novo.id, Some(id))
        {
            return Err(ApiError::conflict(
                "CONTA_JA_EXISTENTE",
                format!("O titular já tem a conta {other} no produto {}.", novo.id),
            ));
        }
        let conta = &mut account.holder.conta;
        let old_due = conta.dia_vencimento;
        conta.id_produto = novo.id;
        conta.sequencia_cartao += 1;
        conta.cartao = Card::issue(
            p.seed,
            &novo.bin,
            id,
            conta.sequencia_cartao,
            day,
            novo.validade_meses,
        );
        conta.dia_vencimento = due_day_on(novo, old_due);
        let sequence = conta.sequencia_cartao;
        for d in &mut account.holder.dependentes {
            d.cartao = Card::issue(p.seed, &novo.bin, d.id, sequence, day, novo.validade_meses);
        }
        let mut campos = vec!["produto", "cartao"];
        if account.holder.conta.dia_vencimento != old_due {
            campos.push("diaVencimento");
        }
        account.event(
            at,
            "TROCA_PRODUTO",
            format!(
                "Produto alterado de {} para {}; novo cartão emitido.",
                anterior.descricao, novo.descricao
            ),
            &campos,
            who,
        );
        let conta = &account.holder.conta;
        Ok(Kept::Changed(json!({
            "idPortador": id,
            "produtoAnterior": {"id": anterior.id, "descricao": anterior.descricao},
            "produtoAtual": {"id": novo.id, "descricao": novo.descricao},
            "cartaoMascarado": conta.cartao.masked(),
            "diaVencimento": conta.dia_vencimento,
            "dataValidade": conta.cartao.expiry.format("%Y-%m-%d").to_string(),
            "dataAlteracao": store::datetime(at),
        })))
    })?;
    Ok(answer(StatusCode::OK, &troca))
}

// ------------------------------------------------------------------------------------ blocks

fn tipo_json(t: &TipoBloqueio) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

fn definitive(p: &Portadores, account: &Account) -> Option<String> {
    if let Some(b) = account
        .holder
        .conta
        .bloqueio
        .as_ref()
        .filter(|b| b.definitivo)
    {
        return Some(
            p.catalogue
                .tipo_bloqueio(b.tipo)
                .map_or_else(|| format!("tipo {}", b.tipo), |t| t.descricao.clone()),
        );
    }
    account
        .holder
        .conta
        .cancelada
        .then(|| "cancelamento da conta".to_string())
}

/// `POST /bloqueios`.
pub fn bloquear(p: &Portadores, call: &Call<'_>) -> Answer {
    let body = body(call)?;
    let ctx = Ctx {
        catalogue: &p.catalogue,
        today: today(call.app),
    };
    let errors = validate::bloqueio(body, &ctx, schema(call));
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let id = body_id(body)?;
    let tipo_id = body
        .get("idTipoBloqueio")
        .and_then(Value::as_u64)
        .and_then(|v| u32::try_from(v).ok())
        .unwrap_or_default();
    let tipo = p
        .catalogue
        .tipo_bloqueio(tipo_id)
        .ok_or_else(ApiError::internal)?;
    let at = now(call.app);
    let who = usuario(call);
    let observacao = motivo(body, "observacao");
    let bloqueio = p.change(call.app, id, |account, store| {
        if let Some(why) = definitive(p, account) {
            return Err(ApiError::rule(
                "BLOQUEIO_DEFINITIVO",
                format!("A conta {id} tem um bloqueio definitivo ({why}), que não pode ser substituído."),
            ));
        }
        if let Some(current) = &account.holder.conta.bloqueio
            && !tipo.definitivo
        {
            return Err(ApiError::conflict(
                "PORTADOR_JA_BLOQUEADO",
                format!(
                    "A conta {id} já está bloqueada (bloqueio {}); desbloqueie-a antes, ou aplique um bloqueio definitivo.",
                    current.id
                ),
            ));
        }
        let block_id = store.next_bloqueio();
        let conta = &mut account.holder.conta;
        conta.bloqueio = Some(Bloqueio {
            id: block_id,
            tipo: tipo.id,
            definitivo: tipo.definitivo,
            observacao: observacao.clone(),
            em: at,
        });
        conta.ultimo_bloqueio = Some(tipo.id);
        // Cancellation is the one block that ends the account itself.
        if tipo.codigo == "CANCELAMENTO" {
            conta.cancelada = true;
        }
        let h = &account.holder;
        let answer = json!({
            "id": block_id,
            "idPortador": id,
            "tipoBloqueio": tipo_json(tipo),
            "observacao": observacao,
            "dataHora": store::datetime(at),
            "statusCliente": h.status_cliente(),
            "statusCartao": h.status_cartao(),
        });
        account.event(
            at,
            "BLOQUEIO",
            format!("Bloqueio {block_id} aplicado: {}.", tipo.descricao),
            &["statusCliente", "statusCartao"],
            who,
        );
        Ok(Kept::Changed(answer))
    })?;
    Ok(answer(StatusCode::CREATED, &bloqueio))
}

/// `POST /desbloqueios`.
pub fn desbloquear(p: &Portadores, call: &Call<'_>) -> Answer {
    let body = body(call)?;
    schema_check(call, body)?;
    let id = body_id(body)?;
    let at = now(call.app);
    let who = usuario(call);
    let observacao = motivo(body, "observacao");
    let desbloqueio = p.change(call.app, id, |account, _| {
        if let Some(why) = definitive(p, account) {
            return Err(ApiError::rule(
                "BLOQUEIO_DEFINITIVO",
                format!(
                    "A conta {id} tem um bloqueio definitivo ({why}), que não pode ser retirado."
                ),
            ));
        }
        let Some(lifted) = account.holder.conta.bloqueio.take() else {
            return Err(ApiError::rule(
                "PORTADOR_NAO_BLOQUEADO",
                format!("A conta {id} não está bloqueada."),
            ));
        };
        let h = &account.holder;
        let answer = json!({
            "idPortador": id,
            "idBloqueio": lifted.id,
            "observacao": observacao,
            "dataHora": store::datetime(at),
            "statusCliente": h.status_cliente(),
            "statusCartao": h.status_cartao(),
        });
        account.event(
            at,
            "DESBLOQUEIO",
            format!("Bloqueio {} retirado.", lifted.id),
            &["statusCliente", "statusCartao"],
            who,
        );
        Ok(Kept::Changed(answer))
    })?;
    Ok(answer(StatusCode::OK, &desbloqueio))
}

/// `POST /{idPortador}/vipagem`.
pub fn vipagem(p: &Portadores, call: &Call<'_>) -> Answer {
    let id = path_id(call, "idPortador")?;
    let body = body(call)?;
    schema_check(call, body)?;
    let vip = body.get("vip").and_then(Value::as_bool).unwrap_or(false);
    let at = now(call.app);
    let who = usuario(call);
    let answer_body = p.change(call.app, id, |account, _| {
        refuse_canceled(account)?;
        let unchanged = account.holder.vip == vip;
        if !unchanged {
            account.holder.vip = vip;
            account.vip_em = Some(at);
            account.event(
                at,
                "VIPAGEM",
                if vip {
                    "Cartão classificado como VIP."
                } else {
                    "Classificação VIP retirada."
                },
                &["vip"],
                who,
            );
        }
        let body = json!({
            "idPortador": id,
            "vip": vip,
            "dataAlteracao": store::datetime(account.vip_em.unwrap_or(account.holder.conta.aberta_em)),
        });
        Ok(if unchanged {
            Kept::Unchanged(body)
        } else {
            Kept::Changed(body)
        })
    })?;
    Ok(answer(StatusCode::OK, &answer_body))
}

// --------------------------------------------------------------------------------- passwords

/// What a password operation reads before hashing, outside the lock.
struct Snapshot {
    state: PasswordState,
    versao: u64,
    sms_enviados: u64,
    birth: Option<chrono::NaiveDate>,
}

fn snapshot(p: &Portadores, call: &Call<'_>, id: u64) -> Result<Snapshot, ApiError> {
    p.view(call.app, id, |a| {
        refuse_canceled(a)?;
        Ok(Snapshot {
            state: a.holder.senha.clone(),
            versao: a.senha_versao,
            sms_enviados: a.sms_enviados,
            birth: (a.holder.publico == Publico::PF).then_some(a.holder.data_nascimento),
        })
    })?
}

/// Attempts before giving up on a password operation that keeps losing races.
const PASSWORD_RETRIES: usize = 5;

fn busy() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "SENHA_EM_ALTERACAO",
        "Outra operação de senha deste portador terminou antes; tente novamente.",
    )
}

/// `PATCH /{idPortador}/senha`.
pub fn alterar_senha(p: &Portadores, call: &Call<'_>) -> Answer {
    let id = path_id(call, "idPortador")?;
    let body = body(call)?;
    schema_check(call, body)?;
    let atual = body.get("senhaAtual").and_then(Value::as_str).unwrap_or("");
    let nova = body.get("novaSenha").and_then(Value::as_str).unwrap_or("");
    let max = p.catalogue.regras.tentativas_senha;
    let who = usuario(call);
    for _ in 0..PASSWORD_RETRIES {
        let snap = snapshot(p, call, id)?;
        let mut state = snap.state.clone();
        let outcome = state
            .change(atual, nova, snap.birth, max, password::fresh_salt())
            .map_err(|_| ApiError::internal())?;
        let at = now(call.app);
        // The current password was right when this request read the account.
        let was_right = matches!(
            outcome,
            Ok(()) | Err(ChangeRefused::Invalid(_) | ChangeRefused::Unchanged)
        );
        let committed = p.change(call.app, id, |account, _| {
            if account.senha_versao != snap.versao {
                // Another password operation got there first. A request whose current password
                // was right then is not a wrong attempt now: it is told to start over, and the
                // password that won stays unlocked. Any other is judged again on the new state.
                if was_right {
                    return Err(busy());
                }
                return Ok(Kept::Unchanged(None));
            }
            let keep = |account: &mut Account, state: PasswordState| {
                account.holder.senha = state;
                account.senha_versao += 1;
            };
            match outcome {
                Ok(()) => {
                    keep(account, state);
                    account.event(at, "ALTERACAO_SENHA", "Senha alterada.", &["senha"], who);
                    Ok(Kept::Changed(Some(Ok(()))))
                }
                Err(refused @ ChangeRefused::Wrong { remaining }) => {
                    keep(account, state);
                    if remaining == 0 {
                        account.event(
                            at,
                            "SENHA_BLOQUEADA",
                            format!("Senha bloqueada após {max} tentativas incorretas."),
                            &["senha"],
                            who,
                        );
                    }
                    Ok(Kept::Changed(Some(Err(refused))))
                }
                // The current password was right: the count of wrong ones starts over.
                Err(refused @ (ChangeRefused::Invalid(_) | ChangeRefused::Unchanged)) => {
                    let reset = account.holder.senha.wrong_attempts() != 0;
                    keep(account, state);
                    Ok(if reset {
                        Kept::Changed(Some(Err(refused)))
                    } else {
                        Kept::Unchanged(Some(Err(refused)))
                    })
                }
                Err(refused) => Ok(Kept::Unchanged(Some(Err(refused)))),
            }
        })?;
        match committed {
            None => continue,
            Some(Ok(())) => return Ok(http::empty_response(StatusCode::NO_CONTENT)),
            Some(Err(refused)) => {
                return Err(match refused.code() {
                    Some(code) => ApiError::rule(code, refused.message()),
                    None => ApiError::field("novaSenha", refused.message()),
                });
            }
        }
    }
    Err(busy())
}

/// `POST /{idPortador}/senhas/sms`: a provisional password, to the phone confirmed for SMS.
pub fn enviar_senha_sms(p: &Portadores, call: &Call<'_>) -> Answer {
    let id = path_id(call, "idPortador")?;
    let who = usuario(call);
    for _ in 0..PASSWORD_RETRIES {
        let snap = snapshot(p, call, id)?;
        let phone = p.view(call.app, id, |a| a.holder.telefone_sms().cloned())?;
        let Some(phone) = phone else {
            return Err(ApiError::rule(
                "SEM_TELEFONE_SMS",
                "O portador não tem telefone confirmado para SMS; confirme um em POST /{idPortador}/telefones/recebe-sms.",
            ));
        };
        // The same account's n-th SMS always carries the same password: runs are reproducible.
        let mut rng = rng_for(
            p.seed,
            &format!("{id}/{}", snap.sms_enviados),
            "portadores-senha-sms",
        );
        let mut state = snap.state.clone();
        let pin = state
            .reset_by_sms(&mut rng, snap.birth, password::fresh_salt())
            .map_err(|_| ApiError::internal())?;
        let at = now(call.app);
        let message_id = uuid::Uuid::new_v4().to_string();
        let sent = p.change(call.app, id, |account, store| {
            if account.senha_versao != snap.versao
                || account.sms_enviados != snap.sms_enviados
                || account.holder.telefone_sms().map(|t| t.id) != Some(phone.id)
            {
                return Ok(Kept::Unchanged(None));
            }
            account.holder.senha = state;
            account.senha_versao += 1;
            account.sms_enviados += 1;
            let last4 = account.holder.conta.cartao.last4().to_string();
            store.send_sms(Sms {
                id: message_id.clone(),
                id_portador: id,
                area: phone.area.clone(),
                numero: phone.numero.clone(),
                texto: format!(
                    "Sua senha provisória do cartão final {last4} é {pin}. Altere-a antes de usar o cartão."
                ),
                senha: pin.clone(),
                em: at,
            });
            account.event(
                at,
                "ENVIO_SENHA_SMS",
                format!("Senha provisória enviada por SMS para {}.", phone.masked()),
                &["senha"],
                who,
            );
            Ok(Kept::Changed(Some(json!({
                "idPortador": id,
                "idMensagem": message_id,
                "telefone": phone.masked(),
                "dataHoraEnvio": store::datetime(at),
            }))))
        })?;
        if let Some(body) = sent {
            return Ok(answer(StatusCode::ACCEPTED, &body));
        }
    }
    Err(busy())
}
