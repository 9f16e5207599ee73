//! Webhooks: the configurations clients register (`POST /bankly/webhooks/configurations`) and one
//! signed delivery per event and configuration, handed to the sandbox's delivery service
//! ([`crate::sandbox::callbacks`]), which retries failures with exponential backoff on the sandbox
//! clock and logs every attempt (`GET /sandbox/bankly/deliveries`).
//!
//! Signature: `x-bankly-signature: sha256=<hex>` where hex is the lowercase HMAC-SHA256 of the raw
//! body, keyed with the UTF-8 bytes of the configuration's `privateKey` as registered. Other headers:
//! `x-bankly-event`, `x-bankly-delivery-id` (stable across retries), `x-bankly-attempt` (from 1),
//! `x-bankly-public-key`. The vendor's own scheme is not public; this one is easy to verify in any
//! language and is described in the spec's callback.
//!
//! Events are queued while the KYC state lock is held, so their order is the order of the
//! transitions.

use std::sync::{Arc, RwLock};
use std::time::Duration as StdDuration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use hyper::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

use super::kyc::Event;
use super::{ApiError, millis, validate};
use crate::sandbox::App;
use crate::sandbox::callbacks::Delivery;
use crate::sandbox::http::{self, HttpResponse, Req};
use crate::spec::Operation;

pub const MAX_CONFIGURATIONS: usize = 100;
#[derive(Debug, Clone)]
pub struct Configuration {
    pub id: String,
    pub name: String,
    pub context: String,
    pub event_name: String,
    pub uri: String,
    pub private_key: String,
    pub public_key: String,
    pub created_at: DateTime<Utc>,
}

/// The configurations clients registered, and how their deliveries are retried.
pub struct Webhooks {
    configurations: RwLock<Vec<Configuration>>,
    retries: Vec<StdDuration>,
    timeout: StdDuration,
}

type HmacSha256 = Hmac<Sha256>;

/// `sha256=<hex>` of `body` keyed with `key`.
pub fn sign(key: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

impl Webhooks {
    /// `retry_base`, doubled for each further retry, until `max_attempts` attempts were made.
    pub fn new(retry_base: StdDuration, max_attempts: u32, timeout: StdDuration) -> Webhooks {
        let retries = (1..max_attempts.max(1))
            .map(|failed| retry_base.saturating_mul(1u32 << (failed - 1).min(16)))
            .collect();
        Webhooks {
            configurations: RwLock::new(Vec::new()),
            retries,
            timeout,
        }
    }

    pub fn reset(&self) {
        if let Ok(mut c) = self.configurations.write() {
            c.clear();
        }
    }

    pub fn configurations(&self) -> Vec<Configuration> {
        self.configurations
            .read()
            .map(|c| c.clone())
            .unwrap_or_default()
    }

    /// Hands one delivery per event and matching configuration to the delivery service.
    pub fn enqueue(&self, app: &App, events: &[Event]) {
        if events.is_empty() {
            return;
        }
        let configurations = self.configurations();
        for event in events {
            let targets: Vec<&Configuration> = configurations
                .iter()
                .filter(|c| c.event_name == event.name)
                .collect();
            if targets.is_empty() {
                continue;
            }
            let event_id = uuid::Uuid::new_v4().to_string();
            let body =
                Bytes::from(serde_json::to_vec(&payload(&event_id, event)).unwrap_or_default());
            for c in targets {
                let delivery_id = uuid::Uuid::new_v4().to_string();
                let signature = sign(&c.private_key, &body);
                let key = c.private_key.clone();
                let mut labels = serde_json::Map::new();
                labels.insert("eventId".into(), json!(event_id));
                labels.insert("eventName".into(), json!(event.name));
                labels.insert("documentNumber".into(), json!(event.document));
                labels.insert("configurationId".into(), json!(c.id));
                labels.insert("signature".into(), json!(signature));
                app.callbacks.enqueue(
                    &app.clock,
                    Delivery {
                        id: delivery_id.clone(),
                        family: super::NAME,
                        url: c.uri.clone(),
                        method: hyper::Method::POST,
                        headers: vec![
                            ("x-bankly-event".into(), event.name.to_string()),
                            ("x-bankly-delivery-id".into(), delivery_id),
                            ("x-bankly-public-key".into(), c.public_key.clone()),
                        ],
                        body: body.clone(),
                        signer: Some(Arc::new(move |body: &[u8], attempt: u32| {
                            vec![
                                ("x-bankly-signature".to_string(), sign(&key, body)),
                                ("x-bankly-attempt".to_string(), attempt.to_string()),
                            ]
                        })),
                        retries: self.retries.clone(),
                        timeout: self.timeout,
                        labels,
                    },
                );
            }
        }
    }
}

/// The event body (finsandbox's shape; see `CustomerEvent` in the spec).
fn payload(event_id: &str, event: &Event) -> Value {
    json!({
        "id": event_id,
        "eventName": event.name,
        "context": "Customer",
        "timestamp": millis(event.at),
        "data": {
            "documentNumber": event.document,
            "document": {"value": event.document, "type": "CPF"},
            "status": event.status.as_str(),
            "previousStatus": event.previous.map(|s| s.as_str()),
            "profile": event.profile,
            "reasons": event.reasons,
        }
    })
}

/// `POST /bankly/webhooks/configurations`.
pub fn create_configuration(
    b: &super::Bankly,
    app: &App,
    op: &Operation,
    req: &Req,
) -> Result<HttpResponse, ApiError> {
    let body = super::json_body(op, req)?;
    let mut errors = validate::FieldErrors::default();
    if let Some(rb) = &op.request_body {
        validate::schema_errors(&rb.validator, &body, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let field = |name: &str| body[name].as_str().unwrap_or_default().to_string();
    let configuration = Configuration {
        id: uuid::Uuid::new_v4().to_string(),
        name: field("name"),
        context: field("context"),
        event_name: field("eventName"),
        uri: field("uri"),
        private_key: field("privateKey"),
        public_key: field("publicKey"),
        created_at: app.clock.now(),
    };
    {
        let Ok(mut list) = b.webhooks.configurations.write() else {
            return Err(ApiError::internal());
        };
        if list
            .iter()
            .any(|c| c.event_name == configuration.event_name && c.uri == configuration.uri)
        {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "CONFLICT",
                "uri",
                format!(
                    "Esta URL já está registrada para o evento {}.",
                    configuration.event_name
                ),
            ));
        }
        if list.len() >= MAX_CONFIGURATIONS {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "CONFLICT",
                "",
                format!(
                    "Limite de {MAX_CONFIGURATIONS} configurações de webhook atingido (POST /sandbox/reset recomeça)."
                ),
            ));
        }
        list.push(configuration.clone());
    }
    let body = json!({
        "data": {
            "id": configuration.id,
            "name": configuration.name,
            "context": configuration.context,
            "eventName": configuration.event_name,
            "uri": configuration.uri,
            "publicKey": configuration.public_key,
        },
        "links": [],
    });
    Ok(http::json_response(
        StatusCode::CREATED,
        "application/json",
        &body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hex_hmac_sha256_of_the_raw_body() {
        // RFC 4231 test case 2.
        let sig = sign("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn backoff_doubles_from_the_base() {
        let w = Webhooks::new(StdDuration::from_millis(50), 5, StdDuration::from_secs(1));
        assert_eq!(
            w.retries,
            [50, 100, 200, 400].map(StdDuration::from_millis).to_vec()
        );
        assert!(
            Webhooks::new(StdDuration::from_secs(1), 1, StdDuration::from_secs(1))
                .retries
                .is_empty()
        );
    }
}
