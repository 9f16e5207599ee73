//! The Zarv features against deliberately broken targets: the real sandbox behind a proxy that
//! introduces one defect a real Zarv-like service could have (a skipped status, counts that do not
//! add up, a blacklist that is ignored, another workspace's data leaking, a report without its
//! status). Each must make the scenario that guards it fail, with a message that names it.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use common::failure_of;
use finsandbox::harness::report::RunReport;
use finsandbox::harness::{self, CheckOptions, TargetChoice};
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use serde_json::Value;

/// One answer on its way back: what a defect may rewrite.
struct Answer {
    method: String,
    path: String,
    status: u16,
    content_type: String,
    body: Bytes,
    /// The last 200 body of each path, for defects that replay data where an error belongs.
    seen: Arc<Mutex<HashMap<String, Bytes>>>,
}

impl Answer {
    fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    fn set_json(&mut self, v: &Value) {
        self.body = Bytes::from(v.to_string());
    }
}

type Defect = Arc<dyn Fn(&mut Answer) + Send + Sync>;

async fn proxy(upstream: String, defect: Defect) -> common::LoopbackServer {
    let client = common::http_client();
    let seen = Arc::new(Mutex::new(HashMap::new()));
    common::serve_loopback(move |req: Request<hyper::body::Incoming>, _| {
        let (client, upstream, defect, seen) = (
            client.clone(),
            upstream.clone(),
            defect.clone(),
            seen.clone(),
        );
        async move {
            let (parts, body) = req.into_parts();
            let body = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let mut r = client.request(parts.method.clone(), format!("{upstream}{}", parts.uri));
            for (k, v) in &parts.headers {
                r = r.header(k, v);
            }
            let resp = r
                .body(body.to_vec())
                .send()
                .await
                .expect("upstream answers");
            let status = resp.status().as_u16();
            let headers: Vec<(String, String)> = resp
                .headers()
                .iter()
                .filter(|(k, _)| *k != "content-length")
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                .collect();
            let content_type = headers
                .iter()
                .find(|(k, _)| k == "content-type")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let bytes = resp.bytes().await.unwrap_or_default();
            let path = parts.uri.path().to_string();
            if status == 200 {
                seen.lock().unwrap().insert(path.clone(), bytes.clone());
            }
            let mut a = Answer {
                method: parts.method.to_string(),
                path,
                status,
                content_type,
                body: bytes,
                seen,
            };
            defect(&mut a);
            let mut out = Response::new(Full::new(a.body));
            *out.status_mut() = hyper::StatusCode::from_u16(a.status).unwrap();
            for (k, v) in headers {
                out.headers_mut().append(
                    hyper::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    hyper::header::HeaderValue::from_str(&v).unwrap(),
                );
            }
            out
        }
    })
    .await
}

/// Runs the Zarv scenarios named by `tags` against the sandbox behind a proxy with `defect`.
async fn check_broken(tags: &str, defect: Defect) -> RunReport {
    let sandbox = finsandbox::sandbox::start(common::config()).await.unwrap();
    let p = proxy(sandbox.base_url(), defect).await;
    let options = CheckOptions {
        target: TargetChoice::Url(format!("http://{}", p.addr)),
        tags: Some(tags.to_string()),
        ..CheckOptions::default()
    };
    let report = harness::run(&options).await.expect("harness runs");
    drop(p);
    sandbox.stop().await;
    report
}

fn is_verification_read(a: &Answer) -> bool {
    a.method == "GET"
        && a.path.starts_with("/zarv/api/v2/verifications/")
        && !a.path.ends_with("/pdf")
}

#[tokio::test]
async fn the_proxy_alone_breaks_nothing() {
    let report = check_broken("@zarv and not @magic", Arc::new(|_: &mut Answer| {})).await;
    let counts = report.counts();
    assert_eq!(
        counts.failed,
        0,
        "{}",
        harness::report::console::summary(&report, false)
    );
    assert!(counts.passed >= 20, "{counts:?}");
}

#[tokio::test]
async fn a_verification_that_never_shows_processing_is_reported() {
    let defect: Defect = Arc::new(|a: &mut Answer| {
        if is_verification_read(a)
            && let Some(mut v) = a.json()
            && v["status"] == "PROCESSING"
        {
            v["status"] = "CREATED".into();
            a.set_json(&v);
        }
    });
    let report = check_broken("@zarv and @verifications and @serial", defect).await;
    let f = failure_of(&report, "CREATED -> PROCESSING -> COMPLETED");
    assert!(
        f.contains("skipped a step") && f.contains("CREATED -> COMPLETED"),
        "{f}"
    );
}

#[tokio::test]
async fn batch_counts_that_do_not_add_up_are_reported() {
    let defect: Defect = Arc::new(|a: &mut Answer| {
        if a.path == "/zarv/api/v2/verifications/batch"
            && a.status == 202
            && let Some(mut v) = a.json()
        {
            v["success"] = (v["success"].as_u64().unwrap_or(0) + 1).into();
            a.set_json(&v);
        }
    });
    let report = check_broken("@zarv and @batch and not @callbacks", defect).await;
    let f = failure_of(&report, "the batch's counts add up");
    assert!(f.contains("success") && f.contains("total"), "{f}");
}

#[tokio::test]
async fn a_blacklist_that_new_verifications_ignore_is_reported() {
    let defect: Defect = Arc::new(|a: &mut Answer| {
        if is_verification_read(a)
            && let Some(mut v) = a.json()
            && let Some(groups) = v["verification"]["result"]["rules"].as_array_mut()
        {
            for g in groups.iter_mut() {
                if let Some(rules) = g.as_array_mut() {
                    rules.retain(|r| r != "PROFILE_SUSPECTED_PERSON_BLACKLIST");
                }
            }
            if v["verification"]["person"]["profile"]["fiscalStatus"] == "BLACKLISTED" {
                v["verification"]["person"]["profile"]["fiscalStatus"] = "REGULAR".into();
            }
            a.set_json(&v);
        }
    });
    let report = check_broken("@zarv and @blacklist", defect).await;
    let f = failure_of(&report, "new verifications of a listed id show it");
    assert!(f.contains("PROFILE_SUSPECTED_PERSON_BLACKLIST"), "{f}");
}

#[tokio::test]
async fn another_workspaces_verification_leaking_is_reported() {
    let defect: Defect = Arc::new(|a: &mut Answer| {
        // A creation's answer is the verification as its owner would read it.
        if a.method == "POST" && a.status == 201 && a.path == "/zarv/api/v2/verifications" {
            let id = a.json().and_then(|v| v["id"].as_str().map(str::to_string));
            if let Some(id) = id {
                let path = format!("/zarv/api/v2/verifications/{id}");
                a.seen.lock().unwrap().insert(path, a.body.clone());
            }
        }
        if is_verification_read(a) && a.status == 404 {
            let leaked = a.seen.lock().unwrap().get(&a.path).cloned();
            if let Some(body) = leaked {
                a.status = 200;
                a.body = body;
            }
        }
    });
    let report = check_broken("@zarv and @verifications and not @serial", defect).await;
    let f = failure_of(&report, "another workspace's verification is not found");
    assert!(f.contains("404") && f.contains("200"), "{f}");
}

#[tokio::test]
async fn a_report_without_the_status_is_reported() {
    let defect: Defect = Arc::new(|a: &mut Answer| {
        if a.content_type.starts_with("application/pdf") {
            // Same length, so the cross-reference offsets stay right: only the word is wrong.
            let text = a.body.to_vec();
            let needle = b"COMPLETED";
            let mut out = text.clone();
            let mut i = 0;
            while i + needle.len() <= out.len() {
                if &out[i..i + needle.len()] == needle {
                    out[i..i + needle.len()].copy_from_slice(b"CONCLUIDA");
                    i += needle.len();
                } else {
                    i += 1;
                }
            }
            a.body = Bytes::from(out);
        }
    });
    let report = check_broken("@zarv and @pdf", defect).await;
    let f = failure_of(
        &report,
        "the report opens and holds the verification's data",
    );
    assert!(f.contains("the status COMPLETED"), "{f}");
}
