//! HTTP behaviour of the Customers API around the data: interaction ids, versions, content types,
//! paging, and the 404/405/406/400 answers, all in the spec's ResponseError shape.

mod common;

use common::*;
use serde_json::Value;

const IDENT: &str = "/open-banking/customers/v2/personal/identifications";

fn assert_response_error(r: &Reply) {
    let errors = r.body["errors"].as_array().expect("errors array");
    assert!(!errors.is_empty() && errors.len() <= 13, "{}", r.text);
    for e in errors {
        for k in ["code", "title", "detail"] {
            assert!(
                e[k].as_str().is_some_and(|s| !s.is_empty()),
                "{k} in {}",
                r.text
            );
        }
    }
    let when = r.body["meta"]["requestDateTime"]
        .as_str()
        .expect("meta.requestDateTime");
    assert_eq!(when.len(), 20, "{when}");
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/json"),
        "{:?}",
        r.header("content-type")
    );
}

#[tokio::test]
async fn interaction_id_is_echoed_and_version_and_date_are_sent() {
    let env = start().await;
    let (_, token) = env
        .consent_token(HAPPY_CPF, None, PF_PERMISSIONS, None)
        .await;
    let id = iid();
    let r = env.get(IDENT, Some(&token), Some(&id)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("x-fapi-interaction-id"), Some(id.as_str()));
    assert_eq!(r.header("x-v"), Some("2.3.0"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let date = r.header("date").expect("Date header");
    let sent = httpdate::parse_http_date(date).expect("RFC 1123 date");
    let skew = std::time::SystemTime::now()
        .duration_since(sent)
        .unwrap_or_default();
    assert!(skew.as_secs() < 300);
    env.stop().await;
}

#[tokio::test]
async fn missing_interaction_id_gets_400_with_a_generated_one() {
    let env = start().await;
    let (_, token) = env
        .consent_token(HAPPY_CPF, None, PF_PERMISSIONS, None)
        .await;
    let r = env.get(IDENT, Some(&token), None).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_response_error(&r);
    let generated = r.header("x-fapi-interaction-id").expect("generated id");
    assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated}");
    env.stop().await;
}

#[tokio::test]
async fn invalid_interaction_id_gets_400_with_a_generated_one() {
    let env = start().await;
    let (_, token) = env
        .consent_token(HAPPY_CPF, None, PF_PERMISSIONS, None)
        .await;
    let r = env.get(IDENT, Some(&token), Some("not-a-uuid")).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_response_error(&r);
    let generated = r.header("x-fapi-interaction-id").unwrap();
    assert_ne!(generated, "not-a-uuid");
    assert!(uuid::Uuid::parse_str(generated).is_ok());
    assert!(
        r.body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("not-a-uuid")
    );
    env.stop().await;
}

fn page_of(link: &Value) -> (usize, usize) {
    let url = link.as_str().expect("link");
    let query = url.split_once('?').expect("query").1;
    let mut page = 0;
    let mut size = 0;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "page" => page = v.parse().unwrap(),
            "page-size" => size = v.parse().unwrap(),
            _ => {}
        }
    }
    (page, size)
}

#[tokio::test]
async fn paging_links_follow_the_rules_on_first_middle_and_last_page() {
    let env = start().await;
    // 60 records: pages of 25, 25 and 10.
    let (_, token) = env
        .consent_token(PAGING_CPF, None, PF_PERMISSIONS, None)
        .await;
    let first = env.get(IDENT, Some(&token), Some(&iid())).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["data"].as_array().unwrap().len(), 25);
    let links = &first.body["links"];
    assert_eq!(page_of(&links["self"]), (1, 25));
    assert!(
        links.get("first").is_none() && links.get("prev").is_none(),
        "{links}"
    );
    assert_eq!(page_of(&links["next"]), (2, 25));
    assert_eq!(page_of(&links["last"]), (3, 25));

    // Follow `next` as a client would.
    let next = links["next"].as_str().unwrap().replace(&env.base, "");
    let middle = env.get(&next, Some(&token), Some(&iid())).await;
    assert_eq!(middle.status, 200);
    let links = &middle.body["links"];
    assert_eq!(page_of(&links["self"]), (2, 25));
    assert_eq!(page_of(&links["first"]), (1, 25));
    assert_eq!(page_of(&links["prev"]), (1, 25));
    assert_eq!(page_of(&links["next"]), (3, 25));
    assert_eq!(page_of(&links["last"]), (3, 25));

    let last = env
        .get(
            &format!("{IDENT}?page=3&page-size=25"),
            Some(&token),
            Some(&iid()),
        )
        .await;
    assert_eq!(last.body["data"].as_array().unwrap().len(), 10);
    let links = &last.body["links"];
    assert!(
        links.get("next").is_none() && links.get("last").is_none(),
        "{links}"
    );
    assert_eq!(page_of(&links["prev"]), (2, 25));

    // Pages hold different records, all of the same customer.
    let ids = |r: &Reply| -> Vec<String> {
        r.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["personalId"].as_str().unwrap().to_string())
            .collect()
    };
    let mut all: Vec<String> = [ids(&first), ids(&middle), ids(&last)].concat();
    let total = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), total, "records repeat across pages");
    for item in last.body["data"].as_array().unwrap() {
        assert_eq!(item["documents"]["cpfNumber"], PAGING_CPF);
    }
    env.stop().await;
}

#[tokio::test]
async fn page_past_the_end_gets_422_page_not_found() {
    let env = start().await;
    let (_, token) = env
        .consent_token(HAPPY_CPF, None, PF_PERMISSIONS, None)
        .await;
    let r = env
        .get(&format!("{IDENT}?page=2"), Some(&token), Some(&iid()))
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.error_code(), "PAGE_NOT_FOUND");
    assert_response_error(&r);
    // A single page has only `self`.
    let r = env.get(IDENT, Some(&token), Some(&iid())).await;
    assert_eq!(r.body["links"].as_object().unwrap().len(), 1);
    env.stop().await;
}

#[tokio::test]
async fn page_size_is_applied_and_bounded() {
    let env = start().await;
    let (_, token) = env
        .consent_token(PAGING_CPF, None, PF_PERMISSIONS, None)
        .await;
    let r = env
        .get(
            &format!("{IDENT}?page=2&page-size=50"),
            Some(&token),
            Some(&iid()),
        )
        .await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 10);
    assert_eq!(page_of(&r.body["links"]["self"]), (2, 50));
    for bad in ["page-size=1001", "page-size=0", "page=0", "page=abc"] {
        let r = env
            .get(&format!("{IDENT}?{bad}"), Some(&token), Some(&iid()))
            .await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
        assert_response_error(&r);
    }
    env.stop().await;
}

#[tokio::test]
async fn unknown_path_gets_404_in_the_error_shape() {
    let env = start().await;
    let r = env
        .get(
            "/open-banking/customers/v2/personal/nothing-here",
            None,
            Some(&iid()),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert_response_error(&r);
    env.stop().await;
}

#[tokio::test]
async fn wrong_method_gets_405_with_allow() {
    let env = start().await;
    let r = reply(
        env.http
            .post(env.url(IDENT))
            .header("x-fapi-interaction-id", iid())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 405, "{}", r.text);
    assert_eq!(r.header("allow"), Some("GET"));
    assert_response_error(&r);
    env.stop().await;
}

#[tokio::test]
async fn unacceptable_accept_gets_406() {
    let env = start().await;
    let (_, token) = env
        .consent_token(HAPPY_CPF, None, PF_PERMISSIONS, None)
        .await;
    for accept in [
        "application/xml",
        "text/html",
        "application/json; charset=iso-8859-1",
    ] {
        let r = reply(
            env.http
                .get(env.url(IDENT))
                .bearer_auth(&token)
                .header("x-fapi-interaction-id", iid())
                .header("accept", accept)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, 406, "{accept}: {}", r.text);
        assert_response_error(&r);
    }
    for accept in [
        "application/json",
        "*/*",
        "application/json; charset=UTF-8, text/html",
    ] {
        let r = reply(
            env.http
                .get(env.url(IDENT))
                .bearer_auth(&token)
                .header("x-fapi-interaction-id", iid())
                .header("accept", accept)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, 200, "{accept}: {}", r.text);
    }
    env.stop().await;
}

#[tokio::test]
async fn wrong_expired_and_missing_tokens_get_401() {
    let env = start().await;
    let (_, token) = env
        .consent_token(HAPPY_CPF, None, PF_PERMISSIONS, None)
        .await;
    let r = env.get(IDENT, Some("made-up-token"), Some(&iid())).await;
    assert_eq!(r.status, 401);
    assert_response_error(&r);
    let r = reply(
        env.http
            .get(env.url(IDENT))
            .header("authorization", "Basic dXNlcjpwYXNz")
            .header("x-fapi-interaction-id", iid())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 401);
    // Access tokens live 15 minutes.
    env.control(
        reqwest::Method::POST,
        "/sandbox/clock",
        serde_json::json!({"advanceSeconds": 16 * 60}),
    )
    .await;
    let r = env.get(IDENT, Some(&token), Some(&iid())).await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert!(
        r.body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    env.stop().await;
}

#[tokio::test]
async fn v1_serves_the_same_customer_with_v1_envelope() {
    // v1.0.3 links must match a regex that wants a dotted host with a letters-only TLD, which
    // 127.0.0.1 is not: a public URL with such a host makes the links valid.
    let env = start_with(finsandbox::sandbox::SandboxConfig {
        public_url: Some("http://finsandbox.test:8080".into()),
        ..config()
    })
    .await;
    let (_, token) = env
        .consent_token(HAPPY_CPF, None, PF_PERMISSIONS, None)
        .await;
    let r = env
        .get(
            "/open-banking/customers/v1/personal/identifications",
            Some(&token),
            Some(&iid()),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["meta"]["totalRecords"], 1);
    assert_eq!(r.body["meta"]["totalPages"], 1);
    assert!(r.header("x-v").is_none(), "v1 declares no x-v");
    assert!(
        r.body["links"]["self"]
            .as_str()
            .unwrap()
            .starts_with("http://finsandbox.test:8080/open-banking/customers/v1/")
    );
    env.stop().await;
}

#[tokio::test]
async fn head_is_answered_like_get_without_a_body() {
    let env = start().await;
    let (_, token) = env
        .consent_token(HAPPY_CPF, None, PF_PERMISSIONS, None)
        .await;
    let r = env
        .http
        .head(env.url(IDENT))
        .bearer_auth(&token)
        .header("x-fapi-interaction-id", iid())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().len(), 0);
    env.stop().await;
}

#[tokio::test]
async fn customers_2_2_1_never_emits_an_alphanumeric_cnpj() {
    let v221 = start_with(finsandbox::sandbox::SandboxConfig {
        specs: finsandbox::spec::SpecSelection::default()
            .prefer("/open-banking/customers/v2", "2.2.1"),
        ..config()
    })
    .await;
    let (_, token) = v221
        .consent_token(HAPPY_CPF, Some(ALNUM_CNPJ), PJ_PERMISSIONS, None)
        .await;
    let r = v221.customers(&token, "/business/identifications").await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(
        r.body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("2.2.1")
    );
    let (_, token) = v221
        .consent_token(HAPPY_CPF, Some(HAPPY_CNPJ), PJ_PERMISSIONS, None)
        .await;
    let r = v221.customers(&token, "/business/identifications").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.header("x-v").is_none(), "2.2.1 declares no x-v");
    v221.stop().await;

    // 2.3.0 serves the same company.
    let env = start().await;
    let (_, token) = env
        .consent_token(HAPPY_CPF, Some(ALNUM_CNPJ), PJ_PERMISSIONS, None)
        .await;
    let r = env.customers(&token, "/business/identifications").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"][0]["cnpjNumber"], ALNUM_CNPJ);
    env.stop().await;
}
