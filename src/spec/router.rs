//! Request line -> operation. Built once from the active specs; a lookup allocates only for the
//! captured path parameters.

use std::collections::HashMap;
use std::sync::Arc;

use super::{ApiSpec, Operation};

type Params = Vec<(String, String)>;

#[derive(Debug, Clone)]
enum Segment {
    Literal(String),
    Param(String),
    /// Parameters with literal text in one segment: `{name}:cancel`, `{id}.json`, `v{version}`,
    /// `{origin}-{destination}`. `key` is the segment with each parameter replaced by `{}`, so
    /// two templates that differ only in parameter names are one route.
    Mixed {
        key: String,
        pattern: regex::Regex,
        names: Vec<String>,
    },
}

#[derive(Debug)]
struct Route {
    segments: Vec<Segment>,
    /// Method -> (spec, operation).
    methods: Vec<(String, Arc<ApiSpec>, Arc<Operation>)>,
}

/// The route table of a set of specs.
#[derive(Debug, Default)]
pub struct Router {
    /// Paths without parameters, by exact path: the common case, one hash lookup.
    exact: HashMap<String, usize>,
    routes: Vec<Route>,
}

#[derive(Debug)]
pub enum RouteMatch<'a> {
    Found {
        spec: &'a Arc<ApiSpec>,
        operation: &'a Arc<Operation>,
        params: Vec<(String, String)>,
    },
    /// The path exists with other methods (answer 405 with `Allow`).
    MethodNotAllowed {
        allowed: Vec<&'a str>,
    },
    NotFound,
}

fn parse_template(template: &str) -> Vec<Segment> {
    template
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let Some(first) = s.find('{') else {
                return Segment::Literal(s.to_string());
            };
            // `{+name}` (RFC 6570 reserved expansion) names the parameter `name`.
            if first == 0 && s.ends_with('}') && s[1..].find('{').is_none() {
                return Segment::Param(s[1..s.len() - 1].trim_start_matches('+').to_string());
            }
            let mut key = String::new();
            let mut regex = String::from("^");
            let mut names = Vec::new();
            let mut rest = s;
            while let Some(open) = rest.find('{') {
                let Some(close) = rest[open..].find('}').map(|c| c + open) else {
                    break;
                };
                key.push_str(&rest[..open]);
                key.push_str("{}");
                regex.push_str(&regex::escape(&rest[..open]));
                regex.push_str("(.+?)");
                names.push(rest[open + 1..close].trim_start_matches('+').to_string());
                rest = &rest[close + 1..];
            }
            key.push_str(rest);
            regex.push_str(&regex::escape(rest));
            regex.push('$');
            match regex::Regex::new(&regex) {
                Ok(pattern) => Segment::Mixed {
                    key,
                    pattern,
                    names,
                },
                Err(_) => Segment::Literal(s.to_string()),
            }
        })
        .collect()
}

impl Router {
    pub fn new(specs: &[Arc<ApiSpec>]) -> Router {
        let mut router = Router::default();
        for spec in specs {
            for op in &spec.operations {
                let segments = parse_template(&op.full_path);
                let pos = router.routes.iter().position(|r| {
                    r.segments.len() == segments.len()
                        && r.segments.iter().zip(&segments).all(|(a, b)| match (a, b) {
                            (Segment::Literal(x), Segment::Literal(y)) => x == y,
                            (Segment::Param(_), Segment::Param(_)) => true,
                            (Segment::Mixed { key: k1, .. }, Segment::Mixed { key: k2, .. }) => {
                                k1 == k2
                            }
                            _ => false,
                        })
                });
                let idx = match pos {
                    Some(i) => i,
                    None => {
                        router.routes.push(Route {
                            segments: segments.clone(),
                            methods: Vec::new(),
                        });
                        router.routes.len() - 1
                    }
                };
                let route = &mut router.routes[idx];
                if !route.methods.iter().any(|(m, _, _)| *m == op.method) {
                    route
                        .methods
                        .push((op.method.clone(), spec.clone(), op.clone()));
                }
                if segments.iter().all(|s| matches!(s, Segment::Literal(_))) {
                    router
                        .exact
                        .insert(normalise(&op.full_path).into_owned(), idx);
                }
            }
        }
        router
    }

    /// Finds the operation for `method` and `path` (no query string).
    pub fn find<'a>(&'a self, method: &str, path: &str) -> RouteMatch<'a> {
        let key = normalise(path);
        if let Some(&idx) = self.exact.get(key.as_ref()) {
            return self.pick(&self.routes[idx], method, Vec::new());
        }
        // Empty inner segments are kept: `/customers//cancel` must not match `/customers/{doc}`.
        let parts: Vec<&str> = key.trim_start_matches('/').split('/').collect();
        // Literal segments win over parameters (`/customers/{doc}/cancel` vs a hypothetical
        // `/customers/{doc}/{x}`), so look for the route with the most literal matches.
        let mut best: Option<(usize, &Route, Params)> = None;
        for route in &self.routes {
            if route.segments.len() != parts.len() {
                continue;
            }
            let mut params = Vec::new();
            let mut literals = 0;
            let ok = route
                .segments
                .iter()
                .zip(&parts)
                .all(|(seg, part)| match seg {
                    Segment::Literal(l) => {
                        literals += 1;
                        l == part
                    }
                    Segment::Param(name) => {
                        let value = percent_encoding::percent_decode_str(part)
                            .decode_utf8_lossy()
                            .into_owned();
                        params.push((name.clone(), value));
                        !part.is_empty()
                    }
                    Segment::Mixed { pattern, names, .. } => {
                        // The literal text around the parameters counts as a literal match.
                        literals += 1;
                        let decoded = percent_encoding::percent_decode_str(part)
                            .decode_utf8_lossy()
                            .into_owned();
                        match pattern.captures(&decoded) {
                            Some(caps) => {
                                for (i, name) in names.iter().enumerate() {
                                    let value = caps.get(i + 1).map_or("", |m| m.as_str());
                                    params.push((name.clone(), value.to_string()));
                                }
                                true
                            }
                            None => false,
                        }
                    }
                });
            if ok && best.as_ref().is_none_or(|(n, _, _)| literals > *n) {
                best = Some((literals, route, params));
            }
        }
        match best {
            Some((_, route, params)) => self.pick(route, method, params),
            None => RouteMatch::NotFound,
        }
    }

    fn pick<'a>(
        &'a self,
        route: &'a Route,
        method: &str,
        params: Vec<(String, String)>,
    ) -> RouteMatch<'a> {
        // HEAD is answered like GET, as HTTP requires.
        let wanted = if method == "HEAD" { "GET" } else { method };
        match route.methods.iter().find(|(m, _, _)| m == wanted) {
            Some((_, spec, operation)) => RouteMatch::Found {
                spec,
                operation,
                params,
            },
            None => RouteMatch::MethodNotAllowed {
                allowed: route.methods.iter().map(|(m, _, _)| m.as_str()).collect(),
            },
        }
    }
}

/// `/a/b/` and `/a/b` are the same resource.
fn normalise(path: &str) -> std::borrow::Cow<'_, str> {
    if path.len() > 1 && path.ends_with('/') {
        std::borrow::Cow::Owned(path.trim_end_matches('/').to_string())
    } else {
        std::borrow::Cow::Borrowed(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_with_literal_text_in_their_segment_are_matched() {
        let segs = parse_template("/v1/{+name}:cancel");
        assert!(
            matches!(&segs[1], Segment::Mixed { key, names, .. } if key == "{}:cancel" && names == &["name"])
        );
        let spec = ApiSpec::from_text(
            "t",
            "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /v1/{name}:\n    get: {responses: {'200': {description: ok}}}\n  /v1/{name}:cancel:\n    post: {responses: {'200': {description: ok}}}\n",
        )
        .unwrap();
        let router = Router::new(&[Arc::new(spec)]);
        match router.find("POST", "/v1/op%201:cancel") {
            RouteMatch::Found {
                operation, params, ..
            } => {
                assert_eq!(operation.path, "/v1/{name}:cancel");
                assert_eq!(params, vec![("name".to_string(), "op 1".to_string())]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            router.find("GET", "/v1/op1"),
            RouteMatch::Found { .. }
        ));
    }

    fn spec() -> Arc<ApiSpec> {
        let text = r#"
openapi: 3.0.0
info: {title: t, version: 1.0.0}
x-finsandbox: {family: generic, api: customers, basePath: /acme}
paths:
  /customers/{documentNumber}:
    get: {operationId: getCustomer, responses: {"200": {description: ok}}}
    put: {operationId: putCustomer, responses: {"202": {description: ok}}}
  /customers/{documentNumber}/cancel:
    patch: {operationId: cancelCustomer, responses: {"202": {description: ok}}}
  /oauth2/token:
    post: {operationId: token, responses: {"200": {description: ok}}}
"#;
        Arc::new(ApiSpec::from_text("t", text).unwrap())
    }

    #[test]
    fn templated_and_exact_paths_match() {
        let router = Router::new(&[spec()]);
        match router.find("GET", "/acme/customers/47742663023") {
            RouteMatch::Found {
                operation, params, ..
            } => {
                assert_eq!(operation.id, "getCustomer");
                assert_eq!(
                    params,
                    vec![("documentNumber".to_string(), "47742663023".to_string())]
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            router.find("POST", "/acme/oauth2/token/"),
            RouteMatch::Found { .. }
        ));
        match router.find("PATCH", "/acme/customers/1/cancel") {
            RouteMatch::Found { operation, .. } => assert_eq!(operation.id, "cancelCustomer"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wrong_method_lists_allowed_ones_and_unknown_path_is_not_found() {
        let router = Router::new(&[spec()]);
        match router.find("DELETE", "/acme/customers/1") {
            RouteMatch::MethodNotAllowed { allowed } => assert_eq!(allowed, vec!["GET", "PUT"]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            router.find("GET", "/acme/nothing"),
            RouteMatch::NotFound
        ));
        assert!(matches!(
            router.find("GET", "/acme/customers//cancel"),
            RouteMatch::NotFound
        ));
    }
}
