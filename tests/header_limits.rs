//! Oversized request headers get 431 Request Header Fields Too Large in the family's error shape:
//! one field past 16 KiB, or all of them past 64 KiB by default, both configurable.

mod common;

use common::reply;
use finsandbox::sandbox::SandboxConfig;

#[tokio::test]
async fn a_100_kb_header_gets_431_in_the_open_finance_shape() {
    let env = common::start().await;
    let r = reply(
        env.http
            .get(env.url("/open-banking/customers/v2/personal/identifications"))
            .header("x-fapi-interaction-id", common::iid())
            .header("x-padding", "p".repeat(100 * 1024))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(r.status, 431, "{}", r.text);
    assert_eq!(r.error_code(), "CABECALHO_MUITO_GRANDE", "{}", r.text);
    let detail = r.body["errors"][0]["detail"].as_str().unwrap_or("");
    assert!(
        detail.contains("x-padding") && detail.contains("16384"),
        "{detail}"
    );
    assert!(r.body["meta"]["requestDateTime"].is_string());
    env.stop().await;
}

#[tokio::test]
async fn headers_past_64_kib_in_all_get_431_in_the_bankly_shape() {
    let env = common::start().await;
    let mut req = env
        .http
        .get(env.url("/bankly/customers/52998224725"))
        .header("api-version", "1")
        .header("x-correlation-id", "limits-1");
    // Five fields of 15 KiB: each under the per-field limit, 75 KiB together.
    for i in 0..5 {
        req = req.header(format!("x-padding-{i}"), "p".repeat(15 * 1024));
    }
    let r = reply(req.send().await.expect("request")).await;
    assert_eq!(r.status, 431, "{}", r.text);
    assert_eq!(
        r.error_code(),
        "REQUEST_HEADER_FIELDS_TOO_LARGE",
        "{}",
        r.text
    );
    assert!(r.body["reference"].is_string(), "{}", r.text);
    env.stop().await;
}

#[tokio::test]
async fn the_limits_are_configurable_and_ordinary_requests_pass() {
    let env = common::start_with(SandboxConfig {
        max_header_bytes: 1024,
        max_header_total_bytes: 4096,
        ..common::config()
    })
    .await;
    let probe = |size: usize| {
        env.http
            .get(env.url("/sandbox/clock"))
            .header("x-padding", "p".repeat(size))
            .send()
    };
    assert_eq!(reply(probe(900).await.expect("request")).await.status, 200);
    let r = reply(probe(2000).await.expect("request")).await;
    assert_eq!(r.status, 431, "{}", r.text);
    env.stop().await;

    // The defaults leave room for ordinary large headers (a long JWT, cookies).
    let env = common::start().await;
    let r = reply(
        env.http
            .get(env.url("/sandbox/clock"))
            .header("authorization", format!("Bearer {}", "j".repeat(8 * 1024)))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    env.stop().await;
}
