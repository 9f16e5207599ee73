//! The paging walk: it follows links.next from a first page and keeps every page (within the cap one
//! response has) so the checks after it can judge the links, the page sizes and repeated records.

use cucumber::{then, when};
use serde_json::Value;

use crate::harness::limits;
use crate::harness::steps::Auth;
use crate::harness::world::{CheckWorld, StepResult};

/// (page, page-size) of a link, from its query.
pub fn page_params(url: &str) -> (Option<u64>, Option<u64>) {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    let mut page = None;
    let mut size = None;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "page" => page = v.parse().ok(),
            "page-size" => size = v.parse().ok(),
            _ => {}
        }
    }
    (page, size)
}

#[when(expr = "I walk every page of {string}")]
async fn walk_pages(w: &mut CheckWorld, path: String) -> StepResult {
    w.pages.clear();
    w.request("GET", &path, Auth::Resource, None).await?;
    let mut seen = std::collections::HashSet::new();
    loop {
        let last = w.last()?.clone();
        if last.status != 200 {
            let n = w.pages.len() + 1;
            return w.fail(
                format!("page {n} of the walk answered HTTP {}", last.status),
                Some("200".into()),
                Some(last.status.to_string()),
                Vec::new(),
            );
        }
        // Pages are known by the URL asked and by their own self link (the first request may carry
        // no query while its self link does).
        seen.insert(last.url.clone());
        if let Some(s) = last.json.as_ref().and_then(|b| b["links"]["self"].as_str()) {
            seen.insert(s.to_string());
        }
        let next = last
            .json
            .as_ref()
            .and_then(|b| b["links"]["next"].as_str())
            .map(str::to_string);
        w.pages.push(last);
        let Some(next) = next else { return Ok(()) };
        // Every page is kept for the checks after the walk: together they stay within the cap
        // one response has, or a target with endless large pages would grow the run's memory.
        let cap = w.ctx()?.client.limits().max_response_bytes;
        let kept: u64 = w.pages.iter().map(|p| p.text.len() as u64).sum();
        if kept > cap {
            let n = w.pages.len();
            return w.fail(
                format!(
                    "the walk stopped after page {n}: the pages read so far hold {}, more than the limit of {} (--max-response-bytes)",
                    limits::format_bytes(kept),
                    limits::format_bytes(cap)
                ),
                None,
                None,
                Vec::new(),
            );
        }
        if seen.contains(&next) || w.pages.len() >= 1000 {
            let n = w.pages.len();
            return w.fail(
                format!("broken next link: page {n}'s links.next ({next}) leads back to a page already visited"),
                Some("a link to the following page".into()),
                Some(next),
                Vec::new(),
            );
        }
        w.request("GET", &next, Auth::Resource, None).await?;
    }
}

#[then("every page follows the paging rules")]
async fn pages_follow_rules(w: &mut CheckWorld) -> StepResult {
    let pages = w.pages.clone();
    if pages.is_empty() {
        return w.fail(
            "no pages were walked before this step",
            None,
            None,
            Vec::new(),
        );
    }
    let total = pages.len() as u64;
    let mut size_seen: Option<u64> = None;
    for (i, page) in pages.iter().enumerate() {
        let n = i as u64 + 1;
        w.last = Some(page.clone());
        let body = page.json.clone().unwrap_or(Value::Null);
        let links = &body["links"];
        let Some(self_link) = links["self"].as_str() else {
            return w.fail(
                format!("page {n} has no links.self"),
                Some("links.self".into()),
                Some(links.to_string()),
                Vec::new(),
            );
        };
        let (page_no, size) = page_params(self_link);
        if page_no.unwrap_or(1) != n {
            return w.fail(
                format!("page {n}'s links.self names page {}", page_no.unwrap_or(1)),
                Some(format!("page={n}")),
                Some(self_link.to_string()),
                Vec::new(),
            );
        }
        let size = size.unwrap_or(25);
        if let Some(s) = size_seen
            && s != size
        {
            return w.fail(
                format!("page size changed from {s} to {size} during the walk"),
                Some(s.to_string()),
                Some(size.to_string()),
                Vec::new(),
            );
        }
        size_seen = Some(size);
        let items = body["data"].as_array().map(Vec::len).unwrap_or(0) as u64;
        if n < total && items != size {
            return w.fail(
                format!("page {n} of {total} holds {items} records, not a full page of {size}"),
                Some(size.to_string()),
                Some(items.to_string()),
                Vec::new(),
            );
        }
        if items > size {
            return w.fail(
                format!("page {n} holds {items} records, more than the page size {size}"),
                Some(format!("at most {size}")),
                Some(items.to_string()),
                Vec::new(),
            );
        }
        let expect = |name: &str,
                      present: bool,
                      target: Option<u64>|
         -> Option<(String, String, String)> {
            let link = links[name].as_str();
            match (present, link) {
                (true, None) => Some((
                    format!("page {n} of {total} must have links.{name}"),
                    format!("links.{name}"),
                    "(absent)".into(),
                )),
                (false, Some(l)) => Some((
                    format!("page {n} of {total} must not have links.{name}"),
                    "(absent)".into(),
                    l.to_string(),
                )),
                (true, Some(l)) => {
                    let (p, s) = page_params(l);
                    match target {
                        Some(t) if p.unwrap_or(1) != t || s.unwrap_or(25) != size => Some((
                            format!(
                                "page {n}'s links.{name} points to page {} (size {}), not page {t}",
                                p.unwrap_or(1),
                                s.unwrap_or(25)
                            ),
                            format!("page={t}&page-size={size}"),
                            l.to_string(),
                        )),
                        _ => None,
                    }
                }
                (false, None) => None,
            }
        };
        let checks = [
            expect("first", n > 1, Some(1)),
            expect("prev", n > 1, Some(n.saturating_sub(1))),
            expect("next", n < total, Some(n + 1)),
            expect("last", n < total, Some(total)),
        ];
        if let Some((message, expected, actual)) = checks.into_iter().flatten().next() {
            return w.fail(message, Some(expected), Some(actual), Vec::new());
        }
    }
    Ok(())
}

#[then("the pages hold distinct records")]
async fn pages_distinct(w: &mut CheckWorld) -> StepResult {
    let mut seen = std::collections::HashSet::new();
    let mut total = 0;
    for page in &w.pages {
        for item in page
            .json
            .as_ref()
            .and_then(|b| b["data"].as_array())
            .into_iter()
            .flatten()
        {
            total += 1;
            let key = item
                .get("personalId")
                .or_else(|| item.get("businessId"))
                .map(Value::to_string)
                .unwrap_or_else(|| item.to_string());
            seen.insert(key);
        }
    }
    if seen.len() == total {
        return Ok(());
    }
    let dup = total - seen.len();
    w.fail(
        format!("{dup} record(s) appear on more than one page"),
        Some(format!("{total} distinct records")),
        Some(format!("{} distinct", seen.len())),
        Vec::new(),
    )
}

#[then(expr = "the walk took {int} pages")]
async fn walk_took(w: &mut CheckWorld, n: usize) -> StepResult {
    let got = w.pages.len();
    if got == n {
        return Ok(());
    }
    w.fail(
        format!("the walk took {got} pages"),
        Some(n.to_string()),
        Some(got.to_string()),
        Vec::new(),
    )
}

#[when("I GET the page after the last")]
async fn page_after_last(w: &mut CheckWorld) -> StepResult {
    let Some(last_page) = w.pages.last().cloned() else {
        return w.fail(
            "no pages were walked before this step",
            None,
            None,
            Vec::new(),
        );
    };
    let self_link = last_page
        .json
        .as_ref()
        .and_then(|b| b["links"]["self"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| last_page.url.clone());
    let (page, size) = page_params(&self_link);
    let base = self_link
        .split('?')
        .next()
        .unwrap_or(&self_link)
        .to_string();
    let url = format!(
        "{base}?page={}&page-size={}",
        page.unwrap_or(1) + 1,
        size.unwrap_or(25)
    );
    w.request("GET", &url, Auth::Resource, None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_params_are_read_from_the_query() {
        assert_eq!(
            page_params("http://h/x?page=2&page-size=50"),
            (Some(2), Some(50))
        );
        assert_eq!(page_params("http://h/x"), (None, None));
    }
}
