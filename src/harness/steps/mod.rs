//! Step definitions. [`http`] is the generic library (requests, statuses, schemas, headers, fields)
//! that lets a new feature need no new Rust; [`faults`] injects each declared error through the
//! control API and judges the answers. Each family's own steps (preconditions only its API or
//! the control API can set up: a token in a consent state, a registered customer) live in its
//! folder `src/harness/steps/<family>/`, declared from the family's module, and keep their state
//! in their own part of the World ([`CheckWorld::part`]).
//!
//! Steps are documented for feature writers in `features/README.md`.

pub mod faults;
pub mod http;

use super::client::url_path;
use super::world::{CheckWorld, RunContext, StepFail, StepResult};
use crate::sandbox::families;
use crate::sandbox::family::Plugin;

/// Why a family step's precondition could not be met.
pub enum Pre {
    /// The target cannot provide it: the scenario is skipped with this reason.
    Skip(String),
    /// The target should have provided it: the failure is already recorded in the World.
    Fail,
}

impl From<StepFail> for Pre {
    fn from(_: StepFail) -> Self {
        Pre::Fail
    }
}

/// Ends a step on a precondition's outcome: a skip says why; a failure ends the step with the
/// message recorded in the World, or `fallback` when none was.
pub fn settle(w: &mut CheckWorld, r: Result<(), Pre>, fallback: &str) -> StepResult {
    match r {
        Ok(()) => Ok(()),
        Err(Pre::Skip(reason)) => w.skip(reason),
        Err(Pre::Fail) => Err(StepFail(
            w.failure
                .as_ref()
                .map(|f| f.message.clone())
                .unwrap_or_else(|| fallback.to_string()),
        )),
    }
}

/// What the client-credentials token request just sent came to: its `access_token`; a failure
/// when the target has a control API (a finsandbox sandbox issues tokens to anyone); otherwise a
/// skip that says what to configure (`hint`). `who` names the provider in the messages and
/// `summary` is the provider's error, already read from the answer.
pub fn token_answer(
    w: &mut CheckWorld,
    who: &str,
    wanted: &str,
    summary: &str,
    hint: &str,
) -> Result<String, Pre> {
    let ctx = w.ctx()?;
    let last = w.last()?.clone();
    if last.status == 200 {
        return match last.json.as_ref().and_then(|b| b["access_token"].as_str()) {
            Some(t) => Ok(t.to_string()),
            None => {
                w.fail(
                    format!("the {who} token endpoint answered 200 without an access_token"),
                    Some("access_token".into()),
                    None,
                    Vec::new(),
                )?;
                Err(Pre::Fail)
            }
        };
    }
    let why = format!(
        "no {who} token with the scopes \"{wanted}\": {} answered {}{summary}",
        last.url, last.status
    );
    if ctx.target.control_url.is_some() {
        w.fail(
            why,
            Some("200".into()),
            Some(last.status.to_string()),
            Vec::new(),
        )?;
        return Err(Pre::Fail);
    }
    Err(Pre::Skip(format!("{why}{hint}")))
}

/// How a request authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// The scenario's resource token for the family the path belongs to, if it has one.
    Resource,
    /// This token.
    Token(Option<String>),
    None,
}

impl RunContext {
    /// The family a sandbox path belongs to (the document whose base path prefixes it longest),
    /// with its mount: `/bankly/customers/1` is Bankly's, mounted at `/bankly`.
    pub fn family_of(&self, path: &str) -> Option<&'static dyn Plugin> {
        let spec = self
            .specs
            .apis
            .iter()
            .filter(|s| {
                !s.base_path.is_empty()
                    && path.starts_with(s.base_path.as_str())
                    && matches!(
                        path.as_bytes().get(s.base_path.len()),
                        None | Some(b'/' | b'?')
                    )
            })
            .max_by_key(|s| s.base_path.len())?;
        families::plugin(&spec.family)
    }

    /// The target's base URL of a family's provider paths.
    pub fn base_of(&self, plugin: &dyn Plugin) -> String {
        self.target.base_for(plugin.name(), plugin.mount())
    }
}

impl CheckWorld {
    /// The absolute URL of a path written in a feature: a family's paths go to that family's base
    /// on the target (its mount replaced by the provider's own base), `/sandbox/...` to the control
    /// API, anything else to the target's base; absolute URLs (followed links) are used as they are.
    pub fn url_for(&self, path: &str) -> Result<String, super::world::StepFail> {
        if path.starts_with("http://") || path.starts_with("https://") {
            return Ok(path.to_string());
        }
        let ctx = self.ctx()?;
        let t = &ctx.target;
        if let Some(rest) = path.strip_prefix("/sandbox")
            && (rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
        {
            return Ok(match &t.control_url {
                Some(c) => format!("{c}{rest}"),
                None => format!("{}{path}", t.base),
            });
        }
        Ok(match ctx.family_of(path) {
            Some(plugin) => {
                let rest = path.strip_prefix(plugin.mount()).unwrap_or(path);
                format!("{}{rest}", ctx.base_of(plugin))
            }
            None => format!("{}{path}", t.base),
        })
    }

    /// The sandbox path of a URL (for finding its operation): the family's mount and the part
    /// after that family's base.
    pub fn spec_path(&self, url: &str) -> String {
        if let Some(ctx) = &self.ctx {
            // Longest base first: a family mounted under the shared base wins over the base itself.
            let mut bases: Vec<(String, &'static dyn Plugin)> = families::PLUGINS
                .iter()
                .map(|p| (ctx.base_of(*p), *p))
                .collect();
            bases.sort_by_key(|(b, _)| std::cmp::Reverse(b.len()));
            for (base, plugin) in bases {
                if let Some(rest) = url.strip_prefix(base.as_str())
                    && (rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
                {
                    return format!("{}{}", plugin.mount(), url_path(rest));
                }
            }
            if let Some(rest) = url.strip_prefix(ctx.target.base.as_str()) {
                return url_path(rest);
            }
        }
        url_path(url)
    }

    /// Sends a request with its family's request headers (its correlation id, fresh each time, and
    /// the headers its API requires: [`Plugin::request_headers`]) and the scenario's extra
    /// headers, keeping the answer as [`CheckWorld::last`]. Placeholders in `path` are filled
    /// first. A transport failure fails the step with its evidence.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        auth: Auth,
        body: Option<(&str, Vec<u8>)>,
    ) -> StepResult {
        let ctx = self.ctx()?;
        let path = self.fill_placeholders(path)?;
        let url = self.url_for(&path)?;
        let family = ctx.family_of(&self.spec_path(&url));
        let mut headers: Vec<(String, String)> = vec![("accept".into(), "application/json".into())];
        if let Some(plugin) = family {
            headers.extend(plugin.request_headers());
        }
        let token = match auth {
            Auth::Resource => family.and_then(|p| self.token(p.name()).map(str::to_string)),
            Auth::Token(t) => t,
            Auth::None => None,
        };
        if let Some(t) = token {
            headers.push(("authorization".into(), format!("Bearer {t}")));
        }
        for (k, v) in &self.extra_headers {
            headers.retain(|(h, _)| !h.eq_ignore_ascii_case(k));
            headers.push((k.clone(), v.clone()));
        }
        headers.retain(|(h, _)| !self.omit_headers.iter().any(|o| o.eq_ignore_ascii_case(h)));
        match ctx
            .client
            .send_within(method, &url, &headers, body, self.deadline)
            .await
        {
            Ok(sent) => {
                self.last = Some(sent);
                Ok(())
            }
            Err((message, evidence)) => {
                self.fail_with_evidence(format!("{method} {url}: {message}"), evidence)
            }
        }
    }
}

impl CheckWorld {
    /// Replaces the scenario's named values (`{{cpf}}`, `{{consentId}}`, `{{documentNumber}}`, ...:
    /// [`CheckWorld::values`]) and `{{now+Nd}}` / `{{now-Nd}}` (days, or `h` hours, `m` minutes)
    /// in a feature's text.
    pub fn fill_placeholders(&self, text: &str) -> Result<String, super::world::StepFail> {
        let mut out = text.to_string();
        for (name, value) in &self.values {
            let key = format!("{{{{{name}}}}}");
            if out.contains(&key) {
                out = out.replace(&key, value);
            }
        }
        while let Some(start) = out.find("{{now") {
            let Some(len) = out[start..].find("}}") else {
                break;
            };
            let expr = &out[start + 5..start + len];
            let when = relative_time(expr).ok_or_else(|| {
                super::world::StepFail(format!(
                    "cannot read the time placeholder {{{{now{expr}}}}}"
                ))
            })?;
            out.replace_range(start..start + len + 2, &when);
        }
        Ok(out)
    }
}

/// `+1d`, `-2h`, `+30m` from now, in the `YYYY-MM-DDTHH:MM:SSZ` shape.
pub fn relative_time(expr: &str) -> Option<String> {
    let expr = expr.trim();
    if expr.is_empty() {
        return Some(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string());
    }
    let (sign, rest) = match expr.split_at(1) {
        ("+", r) => (1, r),
        ("-", r) => (-1, r),
        _ => return None,
    };
    let (n, unit) = rest.split_at(rest.len().checked_sub(1)?);
    let n: i64 = n.parse().ok()?;
    let d = match unit {
        "d" => chrono::Duration::days(n),
        "h" => chrono::Duration::hours(n),
        "m" => chrono::Duration::minutes(n),
        "s" => chrono::Duration::seconds(n),
        _ => return None,
    };
    Some(
        (chrono::Utc::now() + d * sign)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
    )
}

/// Splits a list written in a feature: `"A, B | C"` -> `["A", "B", "C"]`.
pub fn split_list(s: &str) -> Vec<String> {
    s.split([',', '|'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn relative_times_have_the_official_shape() {
        use super::relative_time;
        let t = relative_time("+1d").unwrap();
        assert_eq!(t.len(), 20);
        assert!(t.ends_with('Z'));
        assert!(relative_time("+1y").is_none());
        assert!(relative_time("1d").is_none());
    }

    #[test]
    fn lists_split_on_commas_and_bars() {
        assert_eq!(super::split_list("A, B |C"), vec!["A", "B", "C"]);
        assert!(super::split_list(" ").is_empty());
    }
}
