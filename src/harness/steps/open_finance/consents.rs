//! Consents as a client handles them (requests, reads, revocation) and the one thing no client
//! controls, time: moving the sandbox clock is how scenarios reach expiry and rejection.

use cucumber::when;
use serde_json::json;

use super::{Pre, conclude};
use crate::harness::steps::{Auth, split_list};
use crate::harness::world::{CheckWorld, StepFail, StepResult};

impl CheckWorld {
    /// POSTs a consent request with the client token, kept as the last response; the answer's
    /// consentId, when it has one (what to make of the answer is the caller's).
    pub(super) async fn send_consent(&mut self, body: Vec<u8>) -> Result<Option<String>, StepFail> {
        let client = self.of().client_token.clone();
        self.request(
            "POST",
            "/open-banking/consents/v3/consents",
            Auth::Token(client),
            Some(("application/json", body)),
        )
        .await?;
        Ok(self
            .last()?
            .json
            .as_ref()
            .and_then(|b| b["data"]["consentId"].as_str())
            .map(str::to_string))
    }

    /// POST /consents; the consent id, or why not.
    pub(super) async fn create_consent(
        &mut self,
        kind: &str,
        permissions: &[&str],
        expiration: Option<String>,
    ) -> Result<String, Pre> {
        self.ensure_client_token().await?;
        let (cpf, cnpj) = self.documents();
        let business = (kind == "business").then_some(cnpj.as_str());
        let body = consent_body(&cpf, business, permissions, expiration.as_deref());
        let id = self.send_consent(body).await?;
        let status = self.last()?.status;
        if status != 201 {
            self.fail(
                format!("creating the consent for the scenario failed with HTTP {status}"),
                Some("201".into()),
                Some(status.to_string()),
                Vec::new(),
            )?;
        }
        match id {
            Some(id) => {
                self.of().consent_id = Some(id.clone());
                self.values.insert("consentId".into(), id.clone());
                Ok(id)
            }
            None => {
                self.fail(
                    "the consent response carries no data.consentId",
                    None,
                    None,
                    Vec::new(),
                )?;
                Err(Pre::Fail)
            }
        }
    }

    pub(super) async fn revoke(&mut self) -> Result<(), Pre> {
        let id = self.of().consent_id.clone().ok_or_else(|| {
            let _ = self.fail("no consent to revoke", None, None, Vec::new());
            Pre::Fail
        })?;
        self.ensure_client_token().await?;
        let client = self.of().client_token.clone();
        self.request(
            "DELETE",
            &format!("/open-banking/consents/v3/consents/{id}"),
            Auth::Token(client),
            None,
        )
        .await?;
        Ok(())
    }
}

#[when("I create the consent:")]
async fn create_consent_with(w: &mut CheckWorld, step: &cucumber::gherkin::Step) -> StepResult {
    let body = w.fill_placeholders(step.docstring.as_deref().unwrap_or(""))?;
    post_consent(w, body.into_bytes()).await
}

/// POSTs a consent request with the client token; a created consent becomes the scenario's.
async fn post_consent(w: &mut CheckWorld, body: Vec<u8>) -> StepResult {
    if let Some(id) = w.send_consent(body).await? {
        w.of().consent_id = Some(id.clone());
        w.values.insert("consentId".into(), id);
    }
    Ok(())
}

#[when(expr = "I request a {word} consent with the permissions {string}")]
async fn request_consent(w: &mut CheckWorld, kind: String, permissions: String) -> StepResult {
    let (cpf, cnpj) = w.documents();
    let business = (kind == "business").then_some(cnpj.as_str());
    let body = consent_body(&cpf, business, &split_list(&permissions), None);
    post_consent(w, body).await
}

#[when("I revoke the consent")]
async fn revoke_consent(w: &mut CheckWorld) -> StepResult {
    let r = w.revoke().await;
    conclude(w, r, "revocation failed")
}

#[when("I read the consent")]
async fn read_consent(w: &mut CheckWorld) -> StepResult {
    let Some(id) = w.of().consent_id.clone() else {
        return w.fail(
            "no consent was created in this scenario",
            None,
            None,
            Vec::new(),
        );
    };
    if let Err(Pre::Skip(r)) = w.ensure_client_token().await {
        return w.skip(r);
    }
    let client = w.of().client_token.clone();
    w.request(
        "GET",
        &format!("/open-banking/consents/v3/consents/{id}"),
        Auth::Token(client),
        None,
    )
    .await
}

#[when(expr = "the sandbox clock moves forward {int} seconds")]
async fn advance_clock(w: &mut CheckWorld, seconds: i64) -> StepResult {
    let r = w
        .control("POST", "/clock", json!({"advanceSeconds": seconds}))
        .await
        .map(|_| {
            // Client tokens live 15 minutes; a later step asks for a fresh one.
            w.of().client_token = None;
        });
    conclude(w, r, "the clock could not be moved")
}

/// A consent request: the logged user's CPF, the business entity's CNPJ for a business consent,
/// the permissions the scenario names and, when it names one, the expiry. Exactly what the
/// scenario asks for and nothing generated: the consent table's rows turn on these fields.
pub(super) fn consent_body(
    cpf: &str,
    business_cnpj: Option<&str>,
    permissions: &[impl AsRef<str>],
    expiration: Option<&str>,
) -> Vec<u8> {
    let permissions: Vec<&str> = permissions.iter().map(AsRef::as_ref).collect();
    let mut data = json!({
        "loggedUser": {"document": {"identification": cpf, "rel": "CPF"}},
        "permissions": permissions,
    });
    if let Some(cnpj) = business_cnpj {
        data["businessEntity"] = json!({"document": {"identification": cnpj, "rel": "CNPJ"}});
    }
    if let Some(e) = expiration {
        data["expirationDateTime"] = json!(e);
    }
    json!({ "data": data }).to_string().into_bytes()
}
