//! What the issuer keeps: the accounts opened through the API and the generated ones that were
//! written to (copy-on-write), their history and limit history, the id sequence, the indexes the
//! look-ups use (CPF, CNPJ, RG) and the SMS outbox.
//!
//! A generated account (every valid CPF with no account opened has one, see [`holder`]) lives
//! nowhere until a write succeeds on it: reads build it from the persona each time, and a refused
//! write leaves no trace. Opening an account for the CPF replaces the generated one, unless a write
//! already made it a stored account, which then stays an account like any other.
//!
//! Everything is bounded: accounts ([`MAX_ACCOUNTS`]), events per account ([`MAX_EVENTS`]: the
//! oldest after the opening go first) and the outbox ([`MAX_SMS`]).

use std::collections::{HashMap, VecDeque};

use chrono::NaiveDateTime;
use serde_json::{Value, json};

use super::fixtures::{Catalogue, Publico};
use super::holder::{self, GENERATED_BASE, Holder};
use crate::datagen::PersonaBook;

/// Accounts the sandbox keeps at most (opened plus generated ones written to).
pub const MAX_ACCOUNTS: usize = 100_000;
/// History events kept per account (and limit changes); the opening is never dropped.
pub const MAX_EVENTS: usize = 1_000;
/// SMS messages kept in the outbox.
pub const MAX_SMS: usize = 10_000;
/// The first id of the accounts opened through the API.
pub const FIRST_ID: u64 = 100_001;

/// One change of an account, as `/historico` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Evento {
    /// Position in the account's history, from 1.
    pub id: u64,
    pub em: NaiveDateTime,
    pub tipo: &'static str,
    pub descricao: String,
    pub campos: Vec<String>,
    /// API or EMISSOR.
    pub origem: &'static str,
    pub usuario: Option<String>,
}

impl Evento {
    pub fn json(&self) -> Value {
        json!({
            "id": self.id,
            "dataHora": datetime(self.em),
            "tipo": self.tipo,
            "descricao": self.descricao,
            "camposAlterados": self.campos,
            "origem": self.origem,
            "usuario": self.usuario,
        })
    }
}

/// One limit change, as `/limites/historico` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct LimiteLog {
    pub id: u64,
    pub em: NaiveDateTime,
    pub anterior: f64,
    pub novo: f64,
    pub parcelado_anterior: f64,
    pub parcelado_novo: f64,
    pub motivo: Option<String>,
    /// ABERTURA_CONTA, API or TROCA_PRODUTO.
    pub origem: &'static str,
}

impl LimiteLog {
    pub fn json(&self) -> Value {
        json!({
            "id": self.id,
            "dataHora": datetime(self.em),
            "limiteAnterior": money(self.anterior),
            "limiteNovo": money(self.novo),
            "limiteParceladoAnterior": money(self.parcelado_anterior),
            "limiteParceladoNovo": money(self.parcelado_novo),
            "motivo": self.motivo,
            "origem": self.origem,
        })
    }
}

/// An SMS the sandbox "sent": kept for `GET /sandbox/portadores/sms` instead.
#[derive(Debug, Clone)]
pub struct Sms {
    pub id: String,
    pub id_portador: u64,
    pub area: String,
    pub numero: String,
    pub texto: String,
    /// The provisional password it carries, for test clients (the text has it too).
    pub senha: String,
    pub em: NaiveDateTime,
}

impl Sms {
    pub fn json(&self) -> Value {
        json!({
            "idMensagem": self.id,
            "idPortador": self.id_portador,
            "telefone": format!("{}{}", self.area, self.numero),
            "texto": self.texto,
            "senha": self.senha,
            "dataHoraEnvio": datetime(self.em),
        })
    }
}

/// A holder's account with what the issuer records about it.
#[derive(Debug, Clone)]
pub struct Account {
    pub holder: Holder,
    /// Oldest first.
    pub historico: Vec<Evento>,
    /// Oldest first; the opening's limit is the first.
    pub limites: Vec<LimiteLog>,
    next_event: u64,
    next_limit: u64,
    /// The id the next phone gets (ids are never reused within the holder).
    pub next_telefone: u64,
    /// When the VIP classification last changed.
    pub vip_em: Option<NaiveDateTime>,
    /// Bumped by every password change, so a change computed outside the lock (hashing is slow)
    /// commits only if nothing changed the password meanwhile.
    pub senha_versao: u64,
    /// SMS passwords sent so far (draws the next provisional password).
    pub sms_enviados: u64,
}

impl Account {
    /// An account as opened: its opening event (by `usuario`, or by the issuer for a generated
    /// one) and its first limit.
    pub fn new(holder: Holder, usuario: Option<String>) -> Account {
        let next_telefone = holder.telefones.iter().map(|t| t.id).max().unwrap_or(0) + 1;
        let mut account = Account {
            historico: Vec::new(),
            limites: Vec::new(),
            next_event: 1,
            next_limit: 1,
            next_telefone,
            vip_em: None,
            senha_versao: 0,
            sms_enviados: 0,
            holder,
        };
        let em = account.holder.conta.aberta_em;
        let origem = if usuario.is_some() { "API" } else { "EMISSOR" };
        let mut campos = vec!["conta".to_string(), "cartao".into(), "telefones".into()];
        if !account.holder.dependentes.is_empty() {
            campos.push("dependentes".into());
        }
        account.event_as(
            em,
            "ABERTURA_CONTA",
            format!(
                "Conta aberta no produto {} com limite de R$ {:.2}.",
                account.holder.conta.id_produto, account.holder.conta.limite_rotativo
            ),
            campos,
            origem,
            usuario,
        );
        let (novo, parcelado) = (
            account.holder.conta.limite_rotativo,
            account.holder.conta.limite_parcelado,
        );
        account.limit(em, (0.0, 0.0), (novo, parcelado), None, "ABERTURA_CONTA");
        account
    }

    fn event_as(
        &mut self,
        em: NaiveDateTime,
        tipo: &'static str,
        descricao: String,
        campos: Vec<String>,
        origem: &'static str,
        usuario: Option<String>,
    ) {
        if self.historico.len() >= MAX_EVENTS {
            self.historico.remove(1);
        }
        self.historico.push(Evento {
            id: self.next_event,
            em,
            tipo,
            descricao,
            campos,
            origem,
            usuario,
        });
        self.next_event += 1;
    }

    /// Records a change made through the API.
    pub fn event(
        &mut self,
        em: NaiveDateTime,
        tipo: &'static str,
        descricao: impl Into<String>,
        campos: &[&str],
        usuario: Option<&str>,
    ) {
        self.event_as(
            em,
            tipo,
            descricao.into(),
            campos.iter().map(|c| c.to_string()).collect(),
            "API",
            usuario.map(str::to_string),
        );
    }

    /// Records an event with computed field paths.
    pub fn event_fields(
        &mut self,
        em: NaiveDateTime,
        tipo: &'static str,
        descricao: impl Into<String>,
        campos: Vec<String>,
        usuario: Option<&str>,
    ) {
        self.event_as(
            em,
            tipo,
            descricao.into(),
            campos,
            "API",
            usuario.map(str::to_string),
        );
    }

    /// Records a limit change: (revolving, installments) before and after.
    pub fn limit(
        &mut self,
        em: NaiveDateTime,
        before: (f64, f64),
        after: (f64, f64),
        motivo: Option<String>,
        origem: &'static str,
    ) {
        if self.limites.len() >= MAX_EVENTS {
            self.limites.remove(1);
        }
        self.limites.push(LimiteLog {
            id: self.next_limit,
            em,
            anterior: before.0,
            novo: after.0,
            parcelado_anterior: before.1,
            parcelado_novo: after.1,
            motivo,
            origem,
        });
        self.next_limit += 1;
    }
}

/// What building a generated holder needs.
#[derive(Clone, Copy)]
pub struct Generator<'a> {
    pub seed: u64,
    pub catalogue: &'a Catalogue,
    pub personas: &'a PersonaBook,
}

impl Generator<'_> {
    /// The account generated for a CPF (not looking at the store).
    pub fn account(&self, cpf: &str) -> Option<Account> {
        let persona = self.personas.get(cpf);
        Holder::generate(self.seed, &persona, self.catalogue).map(|h| Account::new(h, None))
    }
}

/// Why a new account cannot be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    Accounts,
}

/// The family's state.
#[derive(Debug)]
pub struct Store {
    accounts: HashMap<u64, Account>,
    by_cpf: HashMap<String, Vec<u64>>,
    by_cnpj: HashMap<String, Vec<u64>>,
    by_rg: HashMap<String, Vec<u64>>,
    next_id: u64,
    next_bloqueio: u64,
    sms: VecDeque<Sms>,
}

impl Default for Store {
    fn default() -> Self {
        Store {
            accounts: HashMap::new(),
            by_cpf: HashMap::new(),
            by_cnpj: HashMap::new(),
            by_rg: HashMap::new(),
            next_id: FIRST_ID,
            next_bloqueio: 1,
            sms: VecDeque::new(),
        }
    }
}

fn push_unique(index: &mut HashMap<String, Vec<u64>>, key: &str, id: u64) {
    let ids = index.entry(key.to_string()).or_default();
    if !ids.contains(&id) {
        ids.push(id);
        ids.sort_unstable();
    }
}

fn remove_from(index: &mut HashMap<String, Vec<u64>>, key: &str, id: u64) {
    if let Some(ids) = index.get_mut(key) {
        ids.retain(|x| *x != id);
        if ids.is_empty() {
            index.remove(key);
        }
    }
}

impl Store {
    /// The stored account `id`.
    pub fn stored(&self, id: u64) -> Option<&Account> {
        self.accounts.get(&id)
    }

    /// Whether a generated account still stands for `cpf`: no account was opened for it.
    fn generated_live(&self, cpf: &str) -> bool {
        self.by_cpf
            .get(cpf)
            .is_none_or(|ids| ids.iter().all(|id| *id >= GENERATED_BASE))
    }

    /// Account `id`: stored, or generated (a copy the caller may change and [`Store::commit`]).
    pub fn account(&self, id: u64, g: &Generator<'_>) -> Option<Account> {
        if let Some(a) = self.accounts.get(&id) {
            return Some(a.clone());
        }
        self.generated(id, g)
    }

    /// Runs `f` on account `id` without copying a stored one.
    pub fn read<R>(&self, id: u64, g: &Generator<'_>, f: impl FnOnce(&Account) -> R) -> Option<R> {
        if let Some(a) = self.accounts.get(&id) {
            return Some(f(a));
        }
        self.generated(id, g).map(|a| f(&a))
    }

    fn generated(&self, id: u64, g: &Generator<'_>) -> Option<Account> {
        let cpf = holder::cpf_of_generated_id(id)?;
        if !self.generated_live(&cpf) {
            return None;
        }
        g.account(&cpf)
    }

    /// The PF accounts of a CPF, oldest first: the stored ones, and the generated one while it
    /// stands. A valid CPF always has one.
    pub fn accounts_of_cpf(&self, cpf: &str, g: &Generator<'_>) -> Vec<Account> {
        let ids: Vec<u64> = self.by_cpf.get(cpf).cloned().unwrap_or_default();
        let mut out: Vec<Account> = ids
            .iter()
            .filter_map(|id| self.accounts.get(id))
            .filter(|a| a.holder.publico == Publico::PF)
            .cloned()
            .collect();
        let generated_id = holder::generated_id(cpf);
        let materialised = generated_id.is_some_and(|id| ids.contains(&id));
        if self.generated_live(cpf)
            && !materialised
            && let Some(a) = g.account(cpf)
        {
            out.push(a);
        }
        out.sort_by_key(|a| (a.holder.conta.aberta_em, a.holder.id));
        out
    }

    /// The accounts of a CNPJ, oldest first.
    pub fn accounts_of_cnpj(&self, cnpj: &str) -> Vec<&Account> {
        self.of_index(&self.by_cnpj, cnpj)
    }

    /// The stored PF accounts whose RG is `rg`, oldest first.
    pub fn accounts_of_rg(&self, rg: &str) -> Vec<&Account> {
        self.of_index(&self.by_rg, rg)
    }

    fn of_index<'s>(&'s self, index: &HashMap<String, Vec<u64>>, key: &str) -> Vec<&'s Account> {
        let mut out: Vec<&Account> = index
            .get(key)
            .into_iter()
            .flatten()
            .filter_map(|id| self.accounts.get(id))
            .collect();
        out.sort_by_key(|a| (a.holder.conta.aberta_em, a.holder.id));
        out
    }

    /// Every stored account (the name search scans them).
    pub fn all(&self) -> impl Iterator<Item = &Account> {
        self.accounts.values()
    }

    /// Whether the CPF (PF) or CNPJ (PJ) already has a stored account on `produto`, other than
    /// `except`.
    pub fn has_account_on(
        &self,
        publico: Publico,
        document: &str,
        produto: u32,
        except: Option<u64>,
    ) -> Option<u64> {
        let index = match publico {
            Publico::PF => &self.by_cpf,
            Publico::PJ => &self.by_cnpj,
        };
        index
            .get(document)
            .into_iter()
            .flatten()
            .filter(|id| Some(**id) != except)
            .filter_map(|id| self.accounts.get(id))
            .find(|a| a.holder.publico == publico && a.holder.conta.id_produto == produto)
            .map(|a| a.holder.id)
    }

    /// The id the next opened account gets, or `Err` when the store is full.
    pub fn next_id(&mut self) -> Result<u64, Full> {
        if self.accounts.len() >= MAX_ACCOUNTS {
            return Err(Full::Accounts);
        }
        let id = self.next_id;
        self.next_id += 1;
        Ok(id)
    }

    /// The id of a new block.
    pub fn next_bloqueio(&mut self) -> u64 {
        let id = self.next_bloqueio;
        self.next_bloqueio += 1;
        id
    }

    /// Keeps an account (new, generated and now written to, or changed), with its indexes.
    pub fn commit(&mut self, account: Account) -> Result<(), Full> {
        let id = account.holder.id;
        let previous = self.accounts.get(&id);
        if previous.is_none() && self.accounts.len() >= MAX_ACCOUNTS {
            return Err(Full::Accounts);
        }
        if let Some(old) = previous
            .and_then(|p| p.holder.rg.as_ref())
            .map(|r| r.numero.clone())
        {
            remove_from(&mut self.by_rg, &old, id);
        }
        let h = &account.holder;
        match h.publico {
            Publico::PF => push_unique(&mut self.by_cpf, &h.cpf, id),
            Publico::PJ => {
                if let Some(cnpj) = &h.cnpj {
                    push_unique(&mut self.by_cnpj, cnpj, id);
                }
            }
        }
        if h.publico == Publico::PF
            && let Some(rg) = &h.rg
        {
            push_unique(&mut self.by_rg, &rg.numero, id);
        }
        self.accounts.insert(id, account);
        Ok(())
    }

    /// Puts an SMS in the outbox.
    pub fn send_sms(&mut self, sms: Sms) {
        if self.sms.len() >= MAX_SMS {
            self.sms.pop_front();
        }
        self.sms.push_back(sms);
    }

    /// The outbox, newest first.
    pub fn sms(&self) -> impl Iterator<Item = &Sms> {
        self.sms.iter().rev()
    }

    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }
}

pub fn datetime(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Reais rounded to cents, as a JSON number.
pub fn money(v: f64) -> Value {
    let v = (v * 100.0).round() / 100.0;
    serde_json::Number::from_f64(v)
        .map(Value::Number)
        .unwrap_or(Value::from(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datagen::persona::PersonaFixtures;

    fn book() -> PersonaBook {
        PersonaBook::new(42, PersonaFixtures::default())
    }

    #[test]
    fn a_generated_account_stands_until_an_account_is_opened_for_its_cpf() {
        let c = Catalogue::embedded().unwrap();
        let personas = book();
        let g = Generator {
            seed: 42,
            catalogue: &c,
            personas: &personas,
        };
        let mut s = Store::default();
        let cpf = "52998224725";
        let gid = holder::generated_id(cpf).unwrap();
        assert!(s.account(gid, &g).is_some());
        assert_eq!(s.accounts_of_cpf(cpf, &g).len(), 1);
        assert!(s.is_empty(), "reading keeps nothing");

        let mut opened = g.account(cpf).unwrap();
        opened.holder.id = s.next_id().unwrap();
        s.commit(opened).unwrap();
        assert!(
            s.account(gid, &g).is_none(),
            "replaced by the opened account"
        );
        let of_cpf = s.accounts_of_cpf(cpf, &g);
        assert_eq!(of_cpf.len(), 1);
        assert_eq!(of_cpf[0].holder.id, FIRST_ID);
    }

    #[test]
    fn a_written_generated_account_stays_beside_a_later_opening() {
        let c = Catalogue::embedded().unwrap();
        let personas = book();
        let g = Generator {
            seed: 42,
            catalogue: &c,
            personas: &personas,
        };
        let mut s = Store::default();
        let cpf = "52998224725";
        let gid = holder::generated_id(cpf).unwrap();
        let mut written = s.account(gid, &g).unwrap();
        written.holder.vip = true;
        s.commit(written).unwrap();
        let mut opened = g.account(cpf).unwrap();
        opened.holder.id = s.next_id().unwrap();
        s.commit(opened).unwrap();
        assert!(s.account(gid, &g).is_some_and(|a| a.holder.vip));
        assert_eq!(s.accounts_of_cpf(cpf, &g).len(), 2);
    }

    #[test]
    fn the_rg_index_follows_changes() {
        let c = Catalogue::embedded().unwrap();
        let personas = book();
        let g = Generator {
            seed: 42,
            catalogue: &c,
            personas: &personas,
        };
        let mut s = Store::default();
        let mut a = g.account("52998224725").unwrap();
        let old = a.holder.rg.as_ref().unwrap().numero.clone();
        s.commit(a.clone()).unwrap();
        assert_eq!(s.accounts_of_rg(&old).len(), 1);
        a.holder.rg.as_mut().unwrap().numero = "1234567".into();
        s.commit(a).unwrap();
        assert!(s.accounts_of_rg(&old).is_empty());
        assert_eq!(s.accounts_of_rg("1234567").len(), 1);
    }

    #[test]
    fn history_is_bounded_but_keeps_the_opening() {
        let c = Catalogue::embedded().unwrap();
        let personas = book();
        let g = Generator {
            seed: 42,
            catalogue: &c,
            personas: &personas,
        };
        let mut a = g.account("52998224725").unwrap();
        let at = a.holder.conta.aberta_em;
        for _ in 0..MAX_EVENTS + 10 {
            a.event(at, "VIPAGEM", "x", &["vip"], Some("c"));
        }
        assert_eq!(a.historico.len(), MAX_EVENTS);
        assert_eq!(a.historico[0].tipo, "ABERTURA_CONTA");
        assert_eq!(
            a.historico.last().map(|e| e.id),
            Some(MAX_EVENTS as u64 + 11)
        );
    }
}
