//! Whether a document can be served well by the generic family, decided at load: every response
//! schema must admit a value (found by trial generation and validation, as requests will be
//! answered), and every scheme its `security` names must be declared. A document that fails is
//! refused with the JSON pointer of the part at fault, rather than answered badly later.

use super::generate::{GenContext, OpenWorld};
use super::persona::Persona;
use super::respond::{RespondError, valid_value};
use super::rng_for;
use crate::spec::load::pointer;
use crate::spec::{ApiSpec, Direction};

/// One reason a document cannot be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unservable {
    /// JSON pointer into the document (`#/paths/~1things/get/responses/200/content/...`).
    pub pointer: String,
    pub reason: String,
}

impl std::fmt::Display for Unservable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.pointer, self.reason)
    }
}

/// Every part of `spec` that cannot be served; empty when all can.
pub fn check(spec: &ApiSpec, persona: &Persona, seed: u64) -> Vec<Unservable> {
    let scopes = spec.security.all_scopes();
    let ctx = GenContext {
        persona,
        brand: "Banco Sandbox",
        institution_cnpjs: &[],
        alphanumeric_cnpj: spec.alphanumeric_cnpj,
        record: 0,
        optional_share: 0.7,
        open: Some(OpenWorld {
            direction: Direction::Response,
            scopes: &scopes,
        }),
    };
    let mut out = Vec::new();
    for op in &spec.operations {
        let at = |rest: &[&str]| {
            let mut tokens = vec![
                "paths".to_string(),
                op.path.clone(),
                op.method.to_lowercase(),
            ];
            tokens.extend(rest.iter().map(|s| s.to_string()));
            pointer(&tokens)
        };
        for name in spec.security.undeclared(&op.security) {
            out.push(Unservable {
                pointer: at(&["security"]),
                reason: format!("names the security scheme {name}, which components.securitySchemes does not declare"),
            });
        }
        for response in &op.responses {
            let (Some(validator), Some(ct)) = (&response.validator, &response.content_type) else {
                continue;
            };
            let mut rng = rng_for(seed, &op.id, &response.status);
            if let Err(RespondError::Unsatisfiable { problem, .. }) = valid_value(
                validator.schema(),
                Some(validator),
                &ctx,
                &mut rng,
                &op.id,
                0,
            ) {
                out.push(Unservable {
                    pointer: at(&["responses", &response.status, "content", ct, "schema"]),
                    reason: format!("no value satisfies this schema ({problem})"),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn persona() -> Persona {
        Persona::derive(42, "52998224725", None)
    }

    const DOC: &str = r#"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things/{id}:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [code]
                properties:
                  code: {type: string, minLength: 5, maxLength: 2}
"#;

    #[test]
    fn impossible_schema_is_reported_with_its_pointer() {
        let spec = ApiSpec::from_text("doc", DOC).unwrap();
        let problems = check(&spec, &persona(), 1);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            problems[0].pointer,
            "#/paths/~1things~1{id}/get/responses/200/content/application~1json/schema"
        );
        assert!(
            problems[0].reason.contains("/code"),
            "{}",
            problems[0].reason
        );
    }

    #[test]
    fn ambiguous_one_of_is_reported() {
        let text = DOC.replace(
            "type: object\n                required: [code]\n                properties:\n                  code: {type: string, minLength: 5, maxLength: 2}",
            "oneOf: [{type: object}, {type: object}]",
        );
        let spec = ApiSpec::from_text("doc", &text).unwrap();
        assert_eq!(check(&spec, &persona(), 1).len(), 1);
    }

    #[test]
    fn undeclared_security_scheme_is_reported() {
        let text = DOC.replace("    get:\n", "    get:\n      security: [{ghost: []}]\n");
        let spec = ApiSpec::from_text("doc", &text).unwrap();
        let problems = check(&spec, &persona(), 1);
        assert!(
            problems.iter().any(|p| p.reason.contains("ghost")),
            "{problems:?}"
        );
    }

    #[test]
    fn our_own_documents_are_servable() {
        for spec in crate::spec::SpecSet::all_embedded().unwrap() {
            let problems = check(&spec, &persona(), 42);
            assert!(problems.is_empty(), "{}: {problems:?}", spec.source);
        }
    }
}
