//! Control-API listings come a page at a time (`page`, `page-size`) with filters, whatever the
//! store holds; the consent store keeps its cap.

mod bankly_support;
mod common;

use common::reply;
use reqwest::Method;
use serde_json::Value;

async fn list(env: &common::Env, path: &str) -> common::Reply {
    env.control(Method::GET, path, Value::Null).await
}

fn ids(r: &common::Reply, key: &str, field: &str) -> Vec<String> {
    r.body[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c[field].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn consents_are_listed_a_page_at_a_time_oldest_first_with_filters() {
    let env = common::start().await;
    let mut created = Vec::new();
    for i in 0..7 {
        let cpf = if i % 2 == 0 {
            common::HAPPY_CPF
        } else {
            common::PAGING_CPF
        };
        created.push(env.consent(cpf, None, common::PF_PERMISSIONS).await);
        env.advance_clock(1).await;
    }
    env.authorise(&created[0], None).await;

    let first = list(&env, "/sandbox/consents?page-size=3").await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["count"], 7);
    assert_eq!(first.body["totalPages"], 3);
    assert_eq!(first.body["pageSize"], 3);
    assert_eq!(ids(&first, "consents", "consentId"), created[..3]);
    assert!(first.body["links"].get("prev").is_none());
    let next = first.body["links"]["next"]
        .as_str()
        .expect("next link")
        .to_string();
    let second = list(&env, &next).await;
    assert_eq!(second.body["page"], 2);
    assert_eq!(ids(&second, "consents", "consentId"), created[3..6]);
    let last = list(&env, second.body["links"]["last"].as_str().expect("last")).await;
    assert_eq!(ids(&last, "consents", "consentId"), created[6..]);
    assert!(last.body["links"].get("next").is_none());
    // Past the end: an empty page that still says how many there are.
    let beyond = list(&env, "/sandbox/consents?page=9&page-size=3").await;
    assert_eq!(beyond.status, 200);
    assert_eq!(beyond.body["count"], 7);
    assert!(ids(&beyond, "consents", "consentId").is_empty());

    let authorised = list(&env, "/sandbox/consents?status=AUTHORISED").await;
    assert_eq!(ids(&authorised, "consents", "consentId"), created[..1]);
    let of_paging = list(
        &env,
        "/sandbox/consents?document=135.792.468-28&page-size=2",
    )
    .await;
    assert_eq!(of_paging.body["count"], 3);
    assert_eq!(
        ids(&of_paging, "consents", "consentId"),
        [created[1].clone(), created[3].clone()]
    );
    let next = of_paging.body["links"]["next"]
        .as_str()
        .expect("next")
        .to_string();
    assert!(
        next.contains("document=") && next.contains("page=2"),
        "{next}"
    );

    // Unanswered consents expire after an hour, and the listing shows them as they are now.
    env.advance_clock(3600).await;
    let rejected = list(&env, "/sandbox/consents?status=REJECTED").await;
    assert_eq!(rejected.body["count"], 6, "{}", rejected.text);

    for bad in [
        "/sandbox/consents?page=0",
        "/sandbox/consents?page-size=1001",
        "/sandbox/consents?page-size=many",
        "/sandbox/consents?status=SLEEPING",
    ] {
        let r = list(&env, bad).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
        assert!(r.body["message"].is_string(), "{}", r.text);
    }
    env.stop().await;
}

#[tokio::test]
async fn bankly_registrations_and_deliveries_are_paged_and_filtered() {
    use bankly_support::*;
    let sb = Sandbox::start(config()).await;
    let token = sb.token(ALL_SCOPES).await;
    let receiver = Receiver::start(0).await;
    let r = sb
        .subscribe(
            &token,
            "CUSTOMER_WAS_RECEIVED",
            &receiver.url(),
            "c2VjcmV0LWRhLWZpbnRlY2g=",
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
    let documents = [
        APPROVED_AT_ONCE,
        STAYS_PENDING,
        STAYS_IN_ANALYSIS,
        REPROVED_MISMATCH,
    ];
    for doc in documents {
        let r = sb.put(&token, doc, &registration(doc)).await;
        assert_eq!(r.status(), 202, "{doc}");
    }
    let get = |path: String| {
        let sb = &sb;
        async move {
            let r = sb.http.get(sb.url(&path)).send().await.expect("GET");
            assert_eq!(r.status(), 200, "{path}");
            r.json::<Value>().await.expect("json")
        }
    };
    let page = get("/sandbox/bankly/customers?page-size=3".into()).await;
    assert_eq!(page["count"], 4);
    assert_eq!(page["totalPages"], 2);
    assert_eq!(page["customers"].as_array().map(Vec::len), Some(3));
    let rest = get(page["links"]["next"].as_str().expect("next").to_string()).await;
    assert_eq!(rest["customers"].as_array().map(Vec::len), Some(1));
    let pending = get("/sandbox/bankly/customers?status=PENDING_APPROVAL".into()).await;
    assert!(
        pending["customers"]
            .as_array()
            .is_some_and(|c| c.iter().all(|x| x["status"] == "PENDING_APPROVAL"))
    );
    let one = get(format!(
        "/sandbox/bankly/customers?documentNumber={STAYS_PENDING}"
    ))
    .await;
    assert_eq!(one["count"], 1);
    assert_eq!(one["customers"][0]["documentNumber"], STAYS_PENDING);

    // One CUSTOMER_WAS_RECEIVED delivery per registration, paged like the rest.
    assert!(
        eventually(std::time::Duration::from_secs(5), || async {
            sb.deliveries().await.len() >= documents.len()
        })
        .await
    );
    let deliveries = get(
        "/sandbox/bankly/webhooks/deliveries?eventName=CUSTOMER_WAS_RECEIVED&page-size=2".into(),
    )
    .await;
    assert_eq!(deliveries["count"], 4, "{deliveries}");
    assert_eq!(deliveries["deliveries"].as_array().map(Vec::len), Some(2));
    assert!(deliveries["pending"].is_u64());
    let second = get(deliveries["links"]["next"]
        .as_str()
        .expect("next")
        .to_string())
    .await;
    assert_eq!(second["deliveries"].as_array().map(Vec::len), Some(2));
    let configurations = get("/sandbox/bankly/webhooks/configurations?page-size=1".into()).await;
    assert_eq!(configurations["count"], 1);

    let bad = sb
        .http
        .get(sb.url("/sandbox/bankly/customers?status=ASLEEP"))
        .send()
        .await
        .expect("GET");
    assert_eq!(bad.status(), 400);
    receiver.stop().await;
    sb.stop().await;
}

#[tokio::test]
async fn a_busy_consent_store_lists_one_default_page_at_a_time() {
    // The cap is the store's; filling 200,000 consents over HTTP is the bench's job
    // (benches/listing_memory.rs). Here: the listing of a busy store stays one page.
    let env = common::start().await;
    let token = env.client_token().await;
    for _ in 0..150 {
        let r = env
            .post_consent(
                &token,
                &common::consent_body(common::HAPPY_CPF, None, common::PF_PERMISSIONS),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let r = reply(
        env.http
            .get(env.url("/sandbox/consents"))
            .send()
            .await
            .expect("GET"),
    )
    .await;
    assert_eq!(r.body["count"], 150);
    assert_eq!(
        r.body["consents"].as_array().map(Vec::len),
        Some(100),
        "the default page size is 100"
    );
    assert_eq!(r.body["totalPages"], 2);
    env.stop().await;
}
