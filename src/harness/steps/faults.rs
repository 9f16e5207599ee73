//! Injected errors, judged: on a target with the finsandbox control API, every error status an
//! operation declares is injected through `POST /sandbox/faults` and the answer judged by the one
//! judge against the response declared for that status (body and headers). A client meets these
//! answers when a provider's gateway or service fails; a sandbox that answered them in another
//! shape would teach the client the wrong thing.
//!
//! The steps know no family: a feature names the operations by the path prefix they are served
//! under, so a new family's `errors.feature` needs no Rust. Each rule is pinned to one request by
//! a header of its own ([`TAG_HEADER`]), so scenarios running at the same time are never hit by
//! another's rule.

use std::sync::Arc;

use cucumber::{then, when};
use serde_json::{Value, json};

use super::super::client::Sent;
use super::super::world::{CheckWorld, StepResult};
use crate::datagen::{self, GenContext, OpenWorld, Persona};
use crate::sandbox::families;
use crate::spec::judge::{self, Finding};
use crate::spec::{ApiSpec, Direction, Operation};

/// The request header a rule of these steps matches on: a fresh UUID per injection.
pub const TAG_HEADER: &str = "x-finsandbox-injection";

/// Statuses injected with a `Retry-After`: the ones that announce when to come back (RFC 6585
/// for 429, RFC 9110 for 503, and the 529 of an overloaded site).
const RETRY_STATUSES: [u16; 3] = [429, 503, 529];

/// The `Retry-After` asked for with those statuses (seconds).
const RETRY_AFTER: u64 = 7;

/// One injected answer.
struct Answer {
    /// The document (`customers 2.3.0`), for messages.
    label: String,
    op: Arc<Operation>,
    status: u16,
    retry_after: Option<u64>,
    /// How many times the rule fired, from its final counts (1 when the answer is the injected
    /// one).
    hits: Option<u64>,
    sent: Sent,
}

/// The scenario's injected answers.
#[derive(Default)]
struct Injected {
    prefix: String,
    answers: Vec<Answer>,
}

/// The error statuses an operation declares exactly (ranges and `default` name no status to
/// inject), in order.
fn error_statuses(op: &Operation) -> Vec<u16> {
    let mut list: Vec<u16> = op
        .responses
        .iter()
        .filter_map(|r| r.status.parse::<u16>().ok())
        .filter(|s| (400..600).contains(s))
        .collect();
    list.sort_unstable();
    list.dedup();
    list
}

/// A path glob of the fault rules that matches an operation's template and no other template:
/// each `{parameter}` one segment (`*`), everything else literal.
fn glob_of(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut in_param = false;
    for c in template.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push('*');
            }
            '}' => in_param = false,
            _ if in_param => {}
            '*' | '?' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Whether `path` lies under `prefix` (a whole segment: `/bankly` is not under `/bank`).
fn under(path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The customer the generated requests are about: the first valid CPF among the scenario's
/// values, else one made from the scenario's number.
fn document_of(w: &CheckWorld) -> String {
    let mut values: Vec<(&String, &String)> = w.values.iter().collect();
    values.sort();
    values
        .into_iter()
        .map(|(_, v)| crate::br::strip_mask(v))
        .find(|v| v.len() == 11 && crate::br::is_valid_cpf(v))
        .unwrap_or_else(|| {
            let nine = format!("{:09}", 100_000_000 + w.scenario_no % 800_000_000);
            let digits = crate::br::cpf_check_digits(&nine).unwrap_or([0, 0]);
            format!("{nine}{}{}", digits[0], digits[1])
        })
}

/// A valid request for the operation, as a client would send it (its path, query, headers and
/// body from its schemas); when its schemas cannot be satisfied, the bare path with each
/// parameter `1`: the fault comes before any validation, so the answer is the same.
fn request_for(
    spec: &ApiSpec,
    op: &Operation,
    persona: &Persona,
    seed: u64,
) -> datagen::request::GeneratedRequest {
    let scopes = spec.security.all_scopes();
    let ctx = GenContext {
        persona,
        brand: "Banco Sandbox",
        institution_cnpjs: &[],
        alphanumeric_cnpj: false,
        record: 0,
        optional_share: 0.5,
        open: Some(OpenWorld {
            direction: Direction::Request,
            scopes: &scopes,
        }),
    };
    let mut rng = datagen::rng_for(seed, &persona.document, &format!("inject|{}", op.id));
    datagen::request::build(spec, op, &ctx, &mut rng).unwrap_or_else(|_| {
        datagen::request::GeneratedRequest {
            method: op.method.clone(),
            path_and_query: glob_of(&op.full_path).replace('*', "1"),
            headers: Vec::new(),
            body: None,
        }
    })
}

impl CheckWorld {
    /// A control API call: its status and JSON body, or the step's failure.
    async fn control_call(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value, Sent), super::super::world::StepFail> {
        let ctx = self.ctx()?;
        let url = self.url_for(path)?;
        let body = body.map(|b| ("application/json", b.to_string().into_bytes()));
        match ctx
            .client
            .send_within(method, &url, &[], body, self.deadline)
            .await
        {
            Ok(sent) => Ok((sent.status, sent.json.clone().unwrap_or(Value::Null), sent)),
            Err((message, evidence)) => {
                let message = format!("{method} {url}: {message}");
                match self.fail_with_evidence(message.clone(), evidence) {
                    Err(failed) => Err(failed),
                    Ok(()) => Err(super::super::world::StepFail(message)),
                }
            }
        }
    }
}

#[when(expr = "each declared error status of each operation under {string} is injected")]
async fn inject_each_declared_status(w: &mut CheckWorld, prefix: String) -> StepResult {
    let ctx = w.ctx()?;
    if ctx.target.control_url.is_none() {
        return w.skip(
            "the target has no finsandbox control API: errors are injected through its \
             POST /sandbox/faults, and a real provider cannot be made to fail on demand",
        );
    }
    let operations: Vec<(Arc<ApiSpec>, Arc<Operation>)> = ctx
        .specs
        .apis
        .iter()
        .flat_map(|s| s.operations.iter().map(move |o| (s.clone(), o.clone())))
        .filter(|(_, o)| under(&o.full_path, &prefix))
        .collect();
    if operations.is_empty() {
        return w.fail(
            format!("no operation of the loaded documents is served under {prefix}"),
            Some(format!("operations under {prefix}")),
            Some("none".into()),
            Vec::new(),
        );
    }
    let persona = Persona::derive(ctx.seed, &document_of(w), None);
    let mut answers = Vec::new();
    for (spec, op) in &operations {
        let family = families::plugin(&spec.family);
        for status in error_statuses(op) {
            let tag = uuid::Uuid::new_v4().to_string();
            let retry_after = RETRY_STATUSES.contains(&status).then_some(RETRY_AFTER);
            let mut fault = json!({"status": status});
            if let Some(s) = retry_after {
                fault["retryAfter"] = json!(s);
            }
            let rule = json!({
                "match": {
                    "operationId": op.id,
                    "method": op.method,
                    "path": glob_of(&op.full_path),
                    "headers": {TAG_HEADER: tag},
                },
                "fault": fault,
                "times": 1,
            });
            let (code, created, sent) = w
                .control_call("POST", "/sandbox/faults", Some(&rule))
                .await?;
            if matches!(code, 404 | 405) && answers.is_empty() {
                return w.skip(format!(
                    "the target's control API has no fault injection (POST /sandbox/faults \
                     answered {code})"
                ));
            }
            let Some(id) = created["id"].as_str().filter(|_| code == 201) else {
                w.last = Some(sent);
                return w.fail(
                    format!(
                        "the control API refused to inject {status} into {} ({}): {}",
                        op.id,
                        spec.label(),
                        created["message"].as_str().unwrap_or("no message")
                    ),
                    Some("201 and the rule's id".into()),
                    Some(code.to_string()),
                    Vec::new(),
                );
            };
            let id = id.to_string();

            let generated = request_for(spec, op, &persona, ctx.seed);
            let mut headers = generated.headers;
            if let Some(plugin) = family {
                for (name, value) in plugin.request_headers() {
                    headers.retain(|(h, _)| !h.eq_ignore_ascii_case(&name));
                    headers.push((name, value));
                }
            }
            let accept = op
                .declared_response(status)
                .map(|r| r.media_types.join(", "))
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| "*/*".into());
            headers.retain(|(h, _)| !h.eq_ignore_ascii_case("accept"));
            headers.push(("accept".into(), accept));
            headers.push((TAG_HEADER.into(), tag));
            let url = w.url_for(&generated.path_and_query)?;
            // The generated headers already carry the body's content type.
            let body = generated.body.map(|(_, bytes)| ("", bytes));
            let outcome = ctx
                .client
                .send_within(&op.method, &url, &headers, body, w.deadline)
                .await;
            // The rule goes whatever happened; its final counts say whether it fired.
            let (_, deleted, _) = w
                .control_call("DELETE", &format!("/sandbox/faults/{id}"), None)
                .await?;
            let sent = match outcome {
                Ok(sent) => sent,
                Err((message, evidence)) => {
                    return w.fail_with_evidence(
                        format!("{} {url} with {status} injected: {message}", op.method),
                        evidence,
                    );
                }
            };
            answers.push(Answer {
                label: spec.label(),
                op: op.clone(),
                status,
                retry_after,
                hits: deleted["rule"]["hits"].as_u64(),
                sent,
            });
        }
    }
    let part = w.part::<Injected>();
    part.prefix = prefix;
    part.answers = answers;
    Ok(())
}

/// Fails with the problems found in the scenario's injected answers, the first one's exchange as
/// evidence; passes when `check` finds none.
fn judge_all(
    w: &mut CheckWorld,
    what: &str,
    check: impl Fn(&Answer) -> Option<(String, Vec<Finding>)>,
) -> StepResult {
    let Some(part) = w.part_ref::<Injected>() else {
        return w.fail(
            "no error was injected before this step",
            None,
            None,
            Vec::new(),
        );
    };
    let total = part.answers.len();
    let prefix = part.prefix.clone();
    let mut problems = Vec::new();
    let mut findings = Vec::new();
    let mut evidence = None;
    for a in &part.answers {
        if let Some((problem, found)) = check(a) {
            problems.push(format!("{} {} ({}): {problem}", a.op.id, a.status, a.label));
            if evidence.is_none() {
                evidence = Some(a.sent.clone());
            }
            let room = judge::MAX_FINDINGS.saturating_sub(findings.len());
            findings.extend(found.into_iter().take(room));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    if evidence.is_some() {
        w.last = evidence;
    }
    let shown = 5;
    let more = problems.len().saturating_sub(shown);
    let mut message = format!(
        "{} of {total} injected answers under {prefix} {what}: {}",
        problems.len(),
        problems[..problems.len().min(shown)].join("; ")
    );
    if more > 0 {
        message.push_str(&format!("; and {more} more"));
    }
    w.fail(message, None, None, findings)
}

#[then("every injected answer has the injected status")]
async fn every_answer_has_its_status(w: &mut CheckWorld) -> StepResult {
    judge_all(w, "are not the injected ones", |a| {
        if a.sent.status != a.status {
            return Some((format!("answered {}", a.sent.status), Vec::new()));
        }
        match a.hits {
            Some(1) => None,
            Some(n) => Some((format!("the rule fired {n} times, not once"), Vec::new())),
            None => Some((
                "the control API did not say whether the rule fired".into(),
                Vec::new(),
            )),
        }
    })
}

#[then("every injected answer matches its declared response, body and headers")]
async fn every_answer_matches_its_spec(w: &mut CheckWorld) -> StepResult {
    judge_all(w, "do not match the spec", |a| {
        let findings = judge::judge_response(
            &a.op,
            a.sent.status,
            a.sent.headers.as_slice(),
            &a.sent.body,
        );
        let first = findings.first()?;
        Some((
            format!("{} at {}: {}", first.label(), first.at(), first.message),
            findings,
        ))
    })
}

#[then("every injected answer announces the Retry-After asked for")]
async fn every_answer_has_retry_after(w: &mut CheckWorld) -> StepResult {
    judge_all(w, "lack the Retry-After asked for", |a| {
        let asked = a.retry_after?;
        let got = a.sent.header("retry-after");
        (got != Some(asked.to_string().as_str())).then(|| {
            (
                format!(
                    "Retry-After {} where {asked} was asked",
                    got.unwrap_or("absent")
                ),
                Vec::new(),
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_becomes_a_glob_of_itself_alone() {
        assert_eq!(glob_of("/a/{id}/b"), "/a/*/b");
        assert_eq!(glob_of("/a/{x}-{y}"), "/a/*-*");
        assert_eq!(glob_of("/a/b*"), "/a/b\\*");
        let glob = crate::sandbox::faults::glob::Glob::new(&glob_of("/a/{id}/b")).unwrap();
        assert!(glob.meets_template("/a/{id}/b"));
        assert!(!glob.meets_template("/a/{id}"));
    }

    #[test]
    fn prefixes_end_at_a_segment() {
        assert!(under("/x/v2/a", "/x/v2"));
        assert!(under("/x/v2", "/x/v2/"));
        assert!(!under("/x/v22/a", "/x/v2"));
    }
}
