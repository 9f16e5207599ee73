//! The consent scenario table of the Customers API ("Dados Cadastrais" v2.3.0), row for row, over a
//! real socket, plus the wrong-permission and revocation cases around it.

mod common;

use common::*;
use serde_json::json;

const IDENT: &str = "/personal/identifications";

#[tokio::test]
async fn row1_no_consent_gets_401() {
    let env = start().await;
    // No token at all, and a token that names no consent.
    let r = env
        .get(
            "/open-banking/customers/v2/personal/identifications",
            None,
            Some(&iid()),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    let client = env.client_token().await;
    let r = env.customers(&client, IDENT).await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert!(
        r.body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("client_credentials")
    );
    env.stop().await;
}

#[tokio::test]
async fn row2_rejected_consent_gets_401() {
    let env = start().await;
    // The customer refuses: the consent can no longer be authorised, so no token can exist for it.
    let id = env.consent(HAPPY_CPF, None, PF_PERMISSIONS).await;
    let r = env
        .control(
            reqwest::Method::POST,
            &format!("/sandbox/consents/{id}/reject"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = env
        .control(
            reqwest::Method::POST,
            &format!("/sandbox/consents/{id}/authorise"),
            json!({}),
        )
        .await;
    assert_eq!(
        r.status, 409,
        "a rejected consent cannot be authorised: {}",
        r.text
    );

    // The institution rejects an authorised consent: the token issued before is refused.
    let (id, token) = env
        .consent_token(HAPPY_CPF, None, PF_PERMISSIONS, None)
        .await;
    assert_eq!(env.customers(&token, IDENT).await.status, 200);
    let r = env
        .control(
            reqwest::Method::POST,
            &format!("/sandbox/consents/{id}/reject"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = env.customers(&token, IDENT).await;
    assert_eq!(r.status, 401, "{}", r.text);
    let consent = env.read_consent(&id).await;
    assert_eq!(consent.body["data"]["status"], "REJECTED");
    assert_eq!(consent.body["data"]["rejection"]["rejectedBy"], "ASPSP");
    env.stop().await;
}

#[tokio::test]
async fn row3_pending_multiple_approval_gets_403_pending() {
    let env = start().await;
    let (_, token) = env
        .consent_token(HAPPY_CPF, None, PF_PERMISSIONS, Some("PENDING"))
        .await;
    let r = env.customers(&token, IDENT).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(r.error_code(), "STATUS_PENDING_AUTHORISATION");
    // The magic document gives the same without saying.
    let (_, token) = env
        .consent_token(PENDING_CPF, None, PF_PERMISSIONS, None)
        .await;
    let r = env.customers(&token, IDENT).await;
    assert_eq!(r.error_code(), "STATUS_PENDING_AUTHORISATION");
    env.stop().await;
}

#[tokio::test]
async fn row4_approved_multiple_approval_gets_200_with_data() {
    let env = start().await;
    let (_, token) = env
        .consent_token(HAPPY_CPF, None, PF_PERMISSIONS, Some("APPROVED"))
        .await;
    for path in [
        IDENT,
        "/personal/qualifications",
        "/personal/financial-relations",
    ] {
        let r = env.customers(&token, path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
    }
    let r = env.customers(&token, IDENT).await;
    assert_eq!(r.body["data"][0]["documents"]["cpfNumber"], HAPPY_CPF);
    // Pending approval that is later approved starts serving data.
    let (id, token) = env
        .consent_token(HAPPY_CPF, None, PF_PERMISSIONS, Some("PENDING"))
        .await;
    assert_eq!(env.customers(&token, IDENT).await.status, 403);
    env.control(
        reqwest::Method::POST,
        &format!("/sandbox/consents/{id}/multiple-approval"),
        json!({"status": "APPROVED"}),
    )
    .await;
    assert_eq!(env.customers(&token, IDENT).await.status, 200);
    env.stop().await;
}

#[tokio::test]
async fn row5_temporarily_blocked_customer_gets_403_temporary_unavailable() {
    let env = start().await;
    let (_, token) = env
        .consent_token(BLOCKED_CPF, None, PF_PERMISSIONS, Some("APPROVED"))
        .await;
    let r = env.customers(&token, IDENT).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(r.error_code(), "STATUS_TEMPORARY_UNAVAILABLE");
    // The control API sets any customer's status, and back.
    let (_, token) = env
        .consent_token(HAPPY_CPF, None, PF_PERMISSIONS, None)
        .await;
    let path = format!("/sandbox/customers/{HAPPY_CPF}/status");
    env.control(
        reqwest::Method::PUT,
        &path,
        json!({"status": "TEMPORARILY_BLOCKED"}),
    )
    .await;
    assert_eq!(
        env.customers(&token, IDENT).await.error_code(),
        "STATUS_TEMPORARY_UNAVAILABLE"
    );
    env.control(reqwest::Method::PUT, &path, json!({"status": "ACTIVE"}))
        .await;
    assert_eq!(env.customers(&token, IDENT).await.status, 200);
    env.stop().await;
}

#[tokio::test]
async fn row6_relationship_closed_gets_403_unavailable() {
    let env = start().await;
    let (_, token) = env
        .consent_token(CLOSED_CPF, None, PF_PERMISSIONS, None)
        .await;
    let r = env.customers(&token, "/personal/qualifications").await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(r.error_code(), "STATUS_UNAVAILABLE");
    env.stop().await;
}

#[tokio::test]
async fn row7_refused_multiple_approval_gets_403_unavailable() {
    let env = start().await;
    let (_, token) = env
        .consent_token(HAPPY_CPF, None, PF_PERMISSIONS, Some("REJECTED"))
        .await;
    let r = env.customers(&token, IDENT).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(r.error_code(), "STATUS_UNAVAILABLE");
    let (_, token) = env
        .consent_token(APPROVAL_REFUSED_CPF, None, PF_PERMISSIONS, None)
        .await;
    assert_eq!(
        env.customers(&token, IDENT).await.error_code(),
        "STATUS_UNAVAILABLE"
    );
    env.stop().await;
}

#[tokio::test]
async fn row8_revoked_consent_gets_401_with_a_previously_issued_token() {
    let env = start().await;
    let (id, token) = env
        .consent_token(HAPPY_CPF, None, PF_PERMISSIONS, None)
        .await;
    assert_eq!(env.customers(&token, IDENT).await.status, 200);
    let r = env.revoke(&id).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = env.customers(&token, IDENT).await;
    assert_eq!(r.status, 401, "{}", r.text);
    let consent = env.read_consent(&id).await;
    assert_eq!(consent.body["data"]["rejection"]["rejectedBy"], "USER");
    assert_eq!(
        consent.body["data"]["rejection"]["reason"]["code"],
        "CUSTOMER_MANUALLY_REVOKED"
    );
    // Revoking again is a business error of its own.
    let again = reply(
        env.http
            .delete(env.url(&format!("/open-banking/consents/v3/consents/{id}")))
            .bearer_auth(env.client_token().await)
            .header("x-fapi-interaction-id", iid())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(again.status, 422);
    assert_eq!(again.error_code(), "CONSENTIMENTO_EM_STATUS_REJEITADO");
    env.stop().await;
}

#[tokio::test]
async fn row8_expired_consent_gets_401() {
    let env = start().await;
    let token = env.client_token().await;
    let in_a_day = (chrono::Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let mut body = consent_body(HAPPY_CPF, None, PF_PERMISSIONS);
    body["data"]["expirationDateTime"] = json!(in_a_day);
    let r = env.post_consent(&token, &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["data"]["consentId"].as_str().unwrap().to_string();
    let code = env.authorise(&id, None).await;
    let access = env.exchange(&code).await.body["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(env.customers(&access, IDENT).await.status, 200);
    // Two days later the consent is past its expiration (and the access token too).
    env.advance_clock(2 * 86400).await;
    let r = env.customers(&access, IDENT).await;
    assert_eq!(r.status, 401, "{}", r.text);
    let consent = env.read_consent(&id).await;
    assert_eq!(consent.body["data"]["status"], "REJECTED");
    assert_eq!(
        consent.body["data"]["rejection"]["reason"]["code"],
        "CONSENT_MAX_DATE_REACHED"
    );
    env.stop().await;
}

#[tokio::test]
async fn consent_not_authorised_within_sixty_minutes_is_rejected() {
    let env = start().await;
    let id = env.consent(HAPPY_CPF, None, PF_PERMISSIONS).await;
    env.advance_clock(3601).await;
    let r = env
        .control(
            reqwest::Method::POST,
            &format!("/sandbox/consents/{id}/authorise"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text);
    let consent = env.read_consent(&id).await;
    assert_eq!(consent.body["data"]["status"], "REJECTED");
    assert_eq!(
        consent.body["data"]["rejection"]["reason"]["code"],
        "CONSENT_EXPIRED"
    );
    env.stop().await;
}

#[tokio::test]
async fn token_without_the_endpoint_permission_gets_403() {
    let env = start().await;
    // Only the identification group: the additional-info endpoints are off limits.
    let (_, token) = env
        .consent_token(
            HAPPY_CPF,
            None,
            &["CUSTOMERS_PERSONAL_IDENTIFICATIONS_READ", "RESOURCES_READ"],
            None,
        )
        .await;
    assert_eq!(env.customers(&token, IDENT).await.status, 200);
    for path in ["/personal/qualifications", "/personal/financial-relations"] {
        let r = env.customers(&token, path).await;
        assert_eq!(r.status, 403, "{path}: {}", r.text);
        assert!(
            r.body["errors"][0]["detail"]
                .as_str()
                .unwrap()
                .contains("CUSTOMERS_PERSONAL_ADITTIONALINFO_READ")
        );
    }
    // A personal consent gives nothing on the business side.
    for path in [
        "/business/identifications",
        "/business/qualifications",
        "/business/financial-relations",
    ] {
        assert_eq!(env.customers(&token, path).await.status, 403, "{path}");
    }
    env.stop().await;
}

#[tokio::test]
async fn resource_code_family_is_selectable() {
    use finsandbox::sandbox::families::open_finance::{ForbiddenCodes, OpenFinanceArgs};
    let env = start_with(config().family(OpenFinanceArgs {
        forbidden_codes: ForbiddenCodes::Resource,
    }))
    .await;
    let (_, token) = env
        .consent_token(BLOCKED_CPF, None, PF_PERMISSIONS, None)
        .await;
    assert_eq!(
        env.customers(&token, IDENT).await.error_code(),
        "STATUS_RESOURCE_TEMPORARILY_UNAVAILABLE"
    );
    let (_, token) = env
        .consent_token(HAPPY_CPF, None, PF_PERMISSIONS, Some("PENDING"))
        .await;
    assert_eq!(
        env.customers(&token, IDENT).await.error_code(),
        "STATUS_RESOURCE_PENDING_AUTHORISATION"
    );
    env.stop().await;
}

#[tokio::test]
async fn business_consent_serves_the_business_entity() {
    let env = start().await;
    let (_, token) = env
        .consent_token(HAPPY_CPF, Some(HAPPY_CNPJ), PJ_PERMISSIONS, None)
        .await;
    let r = env.customers(&token, "/business/identifications").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"][0]["cnpjNumber"], HAPPY_CNPJ);
    let r = env.customers(&token, "/business/qualifications").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = env.customers(&token, "/personal/identifications").await;
    assert_eq!(r.status, 403, "{}", r.text);
    env.stop().await;
}
