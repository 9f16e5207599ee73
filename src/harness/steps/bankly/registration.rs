//! The scenario's own customer and its KYC moves: a CPF the target does not know yet, a
//! registration generated from that CPF's persona (so every family shows the same person), and each
//! move made by whoever makes it under the KYC rules: the client, an offboarding, or an analyst.

use std::time::Duration;

use cucumber::{given, then, when};
use serde_json::{Value, json};

use super::super::kyc::Status;
use super::super::rules::{Actor, rules};
use super::{BanklyState, Move, Pre, Via, error_summary, settle};
use crate::datagen::{self, Persona, br, rng_for};
use crate::harness::steps::{Auth, split_list};
use crate::harness::world::{CheckWorld, RunContext, StepFail, StepResult};
use crate::sandbox::family::ScenarioSeed;
use crate::spec::SpecSet;

/// The operation whose request schema a registration is generated from.
const REGISTER_OPERATION: &str = "registerCustomer";

/// Sandbox-clock seconds per step while waiting for an analysis to end (the default KYC delay is 30).
const CLOCK_STEP_SECONDS: u64 = 10;

/// Who makes a move to `status`, by the KYC rules both faces read.
fn via_of(status: Status) -> Via {
    match rules().reached_by(status) {
        Actor::Registration => Via::Registration,
        Actor::Cancellation => Via::Cancel,
        Actor::Analyst => Via::Control,
    }
}

/// Deterministic per (seed, scenario, attempt), so a run against the embedded sandbox is
/// reproducible; further attempts skip CPFs a long-running target already knows.
fn candidate_document(seed: u64, scenario: u64, attempt: u32) -> String {
    let mut rng = rng_for(
        seed,
        "harness-bankly",
        &format!("scenario-{scenario}-{attempt}"),
    );
    br::gen_cpf(&mut rng)
}

/// The `{{documentNumber}}` of features: the scenario's first candidate customer (a later
/// candidate replaces it when the target already knew that one).
pub fn scenario_values(s: &ScenarioSeed<'_>) -> Vec<(String, String)> {
    vec![(
        "documentNumber".into(),
        candidate_document(s.seed, s.scenario, 0),
    )]
}

/// A valid registration for `cpf`, generated from the registration operation's request schema
/// and filled from the CPF's persona (name, birth date, mother, e-mail, a phone with a real DDD, an
/// address whose CEP lies in its UF, an occupation code): the same person every family shows.
pub fn registration_body(specs: &SpecSet, seed: u64, cpf: &str) -> Result<Value, String> {
    let (_, op) = specs
        .operation(REGISTER_OPERATION)
        .ok_or_else(|| format!("the loaded specs have no operation {REGISTER_OPERATION}"))?;
    let persona = Persona::derive(seed, cpf, None);
    datagen::request::persona_body(op, &persona, seed).map_err(|e| e.to_string())
}

/// Sets (`Some`) or removes (`None`) the field at a dotted path, creating objects on the way.
fn edit_field(body: &mut Value, path: &str, value: Option<Value>) {
    let parts: Vec<&str> = path.split('.').collect();
    let Some((last, parents)) = parts.split_last() else {
        return;
    };
    let mut at = body;
    for p in parents {
        if !at[*p].is_object() {
            at[*p] = json!({});
        }
        at = &mut at[*p];
    }
    if let Some(obj) = at.as_object_mut() {
        match value {
            Some(v) => {
                obj.insert((*last).to_string(), v);
            }
            None => {
                obj.remove(*last);
            }
        }
    }
}

impl CheckWorld {
    /// The scenario's Bankly customer: the one chosen, or the first candidate.
    pub fn bankly_document(&self) -> String {
        self.part_ref::<BanklyState>()
            .and_then(|b| b.document.clone())
            .unwrap_or_else(|| self.candidate_document(0))
    }

    fn candidate_document(&self, attempt: u32) -> String {
        let seed = self.ctx.as_ref().map_or(0, |c| c.seed);
        candidate_document(seed, self.scenario_no, attempt)
    }

    /// Picks a CPF the target does not know yet (GET answers 404) as the scenario's customer.
    async fn choose_document(&mut self) -> Result<String, Pre> {
        if let Some(d) = &self.bankly().document {
            return Ok(d.clone());
        }
        for attempt in 0..20 {
            let doc = self.candidate_document(attempt);
            self.harness_call("GET", &format!("/bankly/customers/{doc}"), None)
                .await?;
            let last = self.last()?.clone();
            match last.status {
                404 => {
                    self.bankly().document = Some(doc.clone());
                    self.values.insert("documentNumber".into(), doc.clone());
                    return Ok(doc);
                }
                200 => continue,
                other => {
                    self.fail(
                        format!(
                            "looking for an unregistered CPF, GET /customers/{doc} answered HTTP {other}{}",
                            error_summary(&last)
                        ),
                        Some("404 or 200".into()),
                        Some(other.to_string()),
                        Vec::new(),
                    )?;
                    return Err(Pre::Fail);
                }
            }
        }
        self.fail(
            "twenty CPFs in a row are already registered at the target",
            None,
            None,
            Vec::new(),
        )?;
        Err(Pre::Fail)
    }

    /// The scenario's registration body; a spec that cannot yield one fails the step.
    fn generated_registration(&mut self, ctx: &RunContext, doc: &str) -> Result<Value, Pre> {
        match registration_body(&ctx.specs, ctx.seed, doc) {
            Ok(body) => Ok(body),
            Err(e) => {
                self.fail(
                    format!("cannot build a registration for {doc}: {e}"),
                    None,
                    None,
                    Vec::new(),
                )?;
                Err(Pre::Fail)
            }
        }
    }

    /// PUT of the scenario's registration (edited by `edit`), with the scenario's token or the
    /// harness's. The body is kept for later comparisons and re-registrations.
    async fn put_registration(
        &mut self,
        edit: impl FnOnce(&mut Value),
        as_harness: bool,
    ) -> Result<(), Pre> {
        let ctx = self.ctx()?;
        let doc = self.choose_document().await?;
        let mut body = self.generated_registration(&ctx, &doc)?;
        edit(&mut body);
        self.bankly().registration = Some(body.clone());
        let path = format!("/bankly/customers/{doc}");
        if as_harness {
            self.harness_call("PUT", &path, Some(&body)).await
        } else {
            let bytes = body.to_string().into_bytes();
            self.request(
                "PUT",
                &path,
                Auth::Resource,
                Some(("application/json", bytes)),
            )
            .await
            .map_err(Pre::from)
        }
    }

    fn expect_status(&mut self, what: &str, expected: u16) -> Result<(), Pre> {
        let last = self.last()?.clone();
        if last.status == expected {
            return Ok(());
        }
        self.fail(
            format!(
                "{what} answered HTTP {}{}",
                last.status,
                error_summary(&last)
            ),
            Some(expected.to_string()),
            Some(last.status.to_string()),
            Vec::new(),
        )?;
        Err(Pre::Fail)
    }

    /// `POST /sandbox/bankly/customers/{doc}/kyc`, kept as the last response.
    async fn control_move(&mut self, to: &str) -> Result<(), Pre> {
        let ctx = self.ctx()?;
        let Some(control) = ctx.target.control_url.clone() else {
            return Err(Pre::Skip(format!(
                "moving a registration to {to} needs the sandbox control API (POST /sandbox/bankly/customers/{{documentNumber}}/kyc), which this target does not have"
            )));
        };
        let doc = self.bankly_document();
        let reasons: Vec<&str> = if to == "REPROVED" {
            vec!["DOCUMENT_MISMATCH"]
        } else {
            Vec::new()
        };
        let body = json!({"status": to, "reasons": reasons}).to_string();
        let url = format!("{control}/bankly/customers/{doc}/kyc");
        match ctx
            .client
            .send_within(
                "POST",
                &url,
                &[],
                Some(("application/json", body.into_bytes())),
                self.deadline,
            )
            .await
        {
            Ok(s) => {
                self.last = Some(s);
                Ok(())
            }
            Err((m, e)) => {
                self.fail_with_evidence(format!("control API POST {url}: {m}"), e)?;
                Err(Pre::Fail)
            }
        }
    }

    async fn cancel_call(&mut self) -> Result<(), Pre> {
        let doc = self.bankly_document();
        let body = json!({"reason": "HOLDER_REQUEST"});
        self.harness_call(
            "PATCH",
            &format!("/bankly/customers/{doc}/cancel"),
            Some(&body),
        )
        .await
    }

    /// Registers the scenario's customer and brings it to `status`, checked with GET.
    async fn reach(&mut self, status: &str) -> Result<(), Pre> {
        let Some(target) = Status::parse(status) else {
            let known: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
            self.fail(
                format!("\"{status}\" is not a KYC status ({})", known.join(", ")),
                None,
                None,
                Vec::new(),
            )?;
            return Err(Pre::Fail);
        };
        // The way there, by the KYC rules: each hop made by whoever makes it.
        let Some(path) = rules().path(Status::PendingApproval, target) else {
            self.fail(
                format!("the KYC rules give no way from PENDING_APPROVAL to {status}"),
                None,
                None,
                Vec::new(),
            )?;
            return Err(Pre::Fail);
        };
        let ctx = self.ctx()?;
        // Say so before creating anything on a target that cannot get there.
        if let Some(hop) = path.iter().find(|s| via_of(**s) == Via::Control)
            && ctx.target.control_url.is_none()
        {
            let through = if *hop == target {
                String::new()
            } else {
                format!(" (through {}, an analyst's decision)", hop.as_str())
            };
            return Err(Pre::Skip(format!(
                "bringing a registration to {status}{through} needs the sandbox control API (POST /sandbox/bankly/customers/{{documentNumber}}/kyc), which this target does not have"
            )));
        }
        self.put_registration(|_| {}, true).await?;
        self.expect_status("registering the scenario's customer", 202)?;
        for hop in path {
            match via_of(hop) {
                Via::Control => {
                    self.control_move(hop.as_str()).await?;
                    self.expect_status(
                        &format!(
                            "moving the customer to {} through the control API",
                            hop.as_str()
                        ),
                        200,
                    )?;
                }
                Via::Cancel => {
                    self.cancel_call().await?;
                    self.expect_status("canceling the customer", 202)?;
                }
                Via::Registration => {
                    self.put_registration(|_| {}, true).await?;
                    self.expect_status("registering the customer again", 202)?;
                }
            }
        }
        let record = self.read_detailed().await?;
        let got = record["status"].as_str().unwrap_or("(none)").to_string();
        if got == status {
            return Ok(());
        }
        if ctx.target.control_url.is_none() {
            return Err(Pre::Skip(format!(
                "the target moved the new registration on to {got} before the scenario could use it in {status}"
            )));
        }
        self.fail(
            format!("the customer should now be {status}, GET shows {got}"),
            Some(status.to_string()),
            Some(got),
            Vec::new(),
        )?;
        Err(Pre::Fail)
    }

    /// Moves the scenario's customer to `to` by the means a client or an analyst would use,
    /// after keeping the record as it was.
    async fn move_to(&mut self, to: &str) -> Result<(), Pre> {
        if self.bankly().document.is_none() {
            self.fail(
                "no Bankly customer was registered in this scenario before the move",
                None,
                None,
                Vec::new(),
            )?;
        }
        let via = Status::parse(to).map_or(Via::Control, via_of);
        let ctx = self.ctx()?;
        if via == Via::Control && ctx.target.control_url.is_none() {
            return Err(Pre::Skip(format!(
                "moving a registration to {to} needs the sandbox control API (POST /sandbox/bankly/customers/{{documentNumber}}/kyc), which this target does not have"
            )));
        }
        let before = self.read_detailed().await?;
        let from = before["status"].as_str().unwrap_or("(none)").to_string();
        self.bankly().before = Some(before);
        self.bankly().last_move = Some(Move {
            from,
            to: to.to_string(),
            via,
        });
        match via {
            Via::Registration => {
                let doc = self.bankly_document();
                let body = match self.bankly().registration.clone() {
                    Some(b) => b,
                    None => self.generated_registration(&ctx, &doc)?,
                };
                self.harness_call("PUT", &format!("/bankly/customers/{doc}"), Some(&body))
                    .await
            }
            Via::Cancel => self.cancel_call().await,
            Via::Control => self.control_move(to).await,
        }
    }

    pub(super) fn last_move(&mut self) -> Result<Move, StepFail> {
        match self.bankly().last_move.clone() {
            Some(m) => Ok(m),
            None => {
                self.fail(
                    "no KYC move was made before this step",
                    None,
                    None,
                    Vec::new(),
                )?;
                Err(StepFail("no KYC move".into()))
            }
        }
    }
}

#[given("a Bankly customer nobody registered")]
async fn unregistered_customer(w: &mut CheckWorld) -> StepResult {
    let r = w.choose_document().await.map(|_| ());
    settle(w, r)
}

#[given(expr = "a Bankly customer in the KYC status {string}")]
async fn customer_in_status(w: &mut CheckWorld, status: String) -> StepResult {
    let r = w.reach(&status).await;
    settle(w, r)
}

#[when("I register the customer")]
async fn register(w: &mut CheckWorld) -> StepResult {
    let r = w.put_registration(|_| {}, false).await;
    settle(w, r)
}

#[when(expr = "I register the customer without the field {string}")]
async fn register_without(w: &mut CheckWorld, field: String) -> StepResult {
    let r = w
        .put_registration(|b| edit_field(b, &field, None), false)
        .await;
    settle(w, r)
}

#[when(expr = "I register the customer with the field {string} set to {string}")]
async fn register_with_string(w: &mut CheckWorld, field: String, value: String) -> StepResult {
    let r = w
        .put_registration(|b| edit_field(b, &field, Some(Value::String(value))), false)
        .await;
    settle(w, r)
}

/// A table of `| field | value |` rows; the value `(absent)` leaves the field out.
#[when("I register the customer with the fields:")]
async fn register_with_fields(w: &mut CheckWorld, step: &cucumber::gherkin::Step) -> StepResult {
    let rows: Vec<(String, Option<Value>)> = step
        .table
        .as_ref()
        .map(|t| {
            t.rows
                .iter()
                .filter(|r| r.len() >= 2)
                .map(|r| {
                    let value = (r[1] != "(absent)").then(|| Value::String(r[1].clone()));
                    (r[0].clone(), value)
                })
                .collect()
        })
        .unwrap_or_default();
    if rows.is_empty() {
        return w.fail(
            "the step needs a table of | field | value | rows",
            None,
            None,
            Vec::new(),
        );
    }
    let r = w
        .put_registration(
            |b| {
                for (field, value) in rows {
                    edit_field(b, &field, value);
                }
            },
            false,
        )
        .await;
    settle(w, r)
}

#[when(expr = "the KYC status is moved to {string}")]
async fn move_status(w: &mut CheckWorld, to: String) -> StepResult {
    let r = w.move_to(&to).await;
    settle(w, r)
}

#[then("the move is accepted")]
async fn move_accepted(w: &mut CheckWorld) -> StepResult {
    let m = w.last_move()?;
    let expected = if m.via == Via::Control { 200 } else { 202 };
    let last = w.last()?.clone();
    if last.status == expected {
        return Ok(());
    }
    w.fail(
        format!(
            "the legal KYC move {} -> {} was refused with HTTP {}{}",
            m.from,
            m.to,
            last.status,
            error_summary(&last)
        ),
        Some(expected.to_string()),
        Some(last.status.to_string()),
        Vec::new(),
    )
}

#[then(expr = "the move is refused with {int} and the code {string}")]
async fn move_refused(w: &mut CheckWorld, status: u16, code: String) -> StepResult {
    let m = w.last_move()?;
    let last = w.last()?.clone();
    if (200..300).contains(&last.status) {
        return w.fail(
            format!(
                "the illegal KYC move {} -> {} was accepted (HTTP {})",
                m.from, m.to, last.status
            ),
            Some(format!("{status} {code}")),
            Some(last.status.to_string()),
            Vec::new(),
        );
    }
    if last.status != status {
        return w.fail(
            format!(
                "the illegal KYC move {} -> {} was refused with HTTP {}, not {status}{}",
                m.from,
                m.to,
                last.status,
                error_summary(&last)
            ),
            Some(status.to_string()),
            Some(last.status.to_string()),
            Vec::new(),
        );
    }
    let body = last.json.clone().unwrap_or(Value::Null);
    // Bankly's error body lists codes; the control API names its one code at the top level.
    let codes: Vec<String> = match m.via {
        Via::Control => body["code"]
            .as_str()
            .map(str::to_string)
            .into_iter()
            .collect(),
        _ => body["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["code"].as_str().map(str::to_string))
            .collect(),
    };
    if codes.contains(&code) {
        return Ok(());
    }
    w.fail(
        format!(
            "the illegal KYC move {} -> {} was refused with the code {}, not {code}",
            m.from,
            m.to,
            if codes.is_empty() {
                "(none)".to_string()
            } else {
                codes.join(", ")
            }
        ),
        Some(code),
        Some(codes.join(", ")),
        Vec::new(),
    )
}

#[then(expr = "the customer's KYC status is {string}")]
async fn status_is(w: &mut CheckWorld, expected: String) -> StepResult {
    let record = match w.read_detailed().await {
        Ok(r) => r,
        Err(e) => return settle(w, Err(e)),
    };
    let got = record["status"].as_str().unwrap_or("(none)").to_string();
    if got == expected {
        return Ok(());
    }
    w.fail(
        format!("GET shows the KYC status {got}, expected {expected}"),
        Some(expected),
        Some(got),
        Vec::new(),
    )
}

/// Waits for an analysis: on a sandbox by moving its clock (tag the scenario `@serial`), elsewhere
/// by polling every second; bounded either way.
#[then(expr = "within {int} seconds the customer's KYC status becomes one of {string}")]
async fn status_becomes(w: &mut CheckWorld, seconds: u64, list: String) -> StepResult {
    let wanted = split_list(&list);
    let ctx = w.ctx()?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    let mut moved = 0u64;
    loop {
        let record = match w.read_detailed().await {
            Ok(r) => r,
            Err(e) => return settle(w, Err(e)),
        };
        let got = record["status"].as_str().unwrap_or("(none)").to_string();
        if wanted.contains(&got) {
            return Ok(());
        }
        let out_of_time = match &ctx.target.control_url {
            Some(_) => moved >= seconds,
            None => tokio::time::Instant::now() >= deadline,
        };
        if out_of_time {
            return w.fail(
                format!("after {seconds} seconds the KYC status is still {got}"),
                Some(wanted.join(" | ")),
                Some(got),
                Vec::new(),
            );
        }
        match &ctx.target.control_url {
            Some(control) => {
                let step = CLOCK_STEP_SECONDS.min(seconds - moved);
                let body = json!({"advanceSeconds": step}).to_string().into_bytes();
                let url = format!("{control}/clock");
                match ctx
                    .client
                    .send_within(
                        "POST",
                        &url,
                        &[],
                        Some(("application/json", body)),
                        w.deadline,
                    )
                    .await
                {
                    Ok(s) if s.status == 200 => moved += step,
                    Ok(s) => {
                        let status = s.status;
                        w.last = Some(s);
                        return w.fail(
                            format!("moving the sandbox clock answered HTTP {status}"),
                            Some("200".into()),
                            Some(status.to_string()),
                            Vec::new(),
                        );
                    }
                    Err((m, e)) => return w.fail_with_evidence(format!("POST {url}: {m}"), e),
                }
            }
            None => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_bodies_satisfy_the_spec_and_the_rules_beyond_it() {
        let specs =
            crate::spec::SpecSet::load(&Default::default(), &crate::sandbox::families::Registry)
                .unwrap();
        let (_, op) = specs.operation("registerCustomer").unwrap();
        let validator = &op.request_body.as_ref().unwrap().validator;
        let mut rng = rng_for(7, "test", "bodies");
        for _ in 0..50 {
            let cpf = br::gen_cpf(&mut rng);
            let body = registration_body(&specs, 42, &cpf).unwrap();
            assert!(validator.findings(&body).is_empty(), "{body}");
            let number = body["phone"]["number"].as_str().unwrap();
            assert!(br::is_valid_ddd(&number[..2]), "{number}");
            let cep = body["address"]["zipCode"].as_str().unwrap();
            assert_eq!(
                br::cep_uf(cep),
                body["address"]["state"].as_str(),
                "{cep} outside its UF"
            );
        }
    }

    #[test]
    fn fields_are_edited_along_dotted_paths() {
        let mut body = json!({"phone": {"number": "1"}, "motherName": "M"});
        edit_field(&mut body, "phone.number", Some(json!("00")));
        edit_field(&mut body, "motherName", None);
        edit_field(&mut body, "address.state", Some(json!("SP")));
        assert_eq!(
            body,
            json!({"phone": {"number": "00"}, "address": {"state": "SP"}})
        );
    }
}
