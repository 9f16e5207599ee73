//! The family's paging: `pagina` from 1 and `tamanhoPagina` up to the catalogue's maximum, answered
//! in the `Pagina*` envelope of the spec. A page past the last is an empty `conteudo`, not an error:
//! a client walking pages with a stale total must not fail.

use serde_json::{Value, json};

use super::fixtures::Regras;
use super::validate::FieldErrors;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub pagina: u32,
    pub tamanho: u32,
}

impl Paging {
    /// Reads the two query parameters (absent → the defaults), each problem under its name.
    pub fn parse(
        pagina: Option<&str>,
        tamanho: Option<&str>,
        regras: &Regras,
    ) -> Result<Paging, FieldErrors> {
        let mut errors = FieldErrors::default();
        let pagina = match pagina {
            None => 1,
            Some(s) => match s.parse::<u32>() {
                Ok(n) if (1..=100_000).contains(&n) => n,
                _ => {
                    errors.add("pagina", "pagina deve ser um número inteiro de 1 a 100000.");
                    1
                }
            },
        };
        let max = regras.tamanho_pagina_maximo;
        let tamanho = match tamanho {
            None => regras.tamanho_pagina_padrao,
            Some(s) => match s.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => n,
                _ => {
                    errors.add(
                        "tamanhoPagina",
                        format!("tamanhoPagina deve ser um número inteiro de 1 a {max}."),
                    );
                    1
                }
            },
        };
        if errors.is_empty() {
            Ok(Paging { pagina, tamanho })
        } else {
            Err(errors)
        }
    }

    /// The envelope with this page of `items` (already in the answer's order).
    pub fn page(&self, items: Vec<Value>) -> Value {
        let total = items.len();
        let size = self.tamanho as usize;
        let start = (self.pagina as usize - 1).saturating_mul(size);
        let conteudo: Vec<Value> = items.into_iter().skip(start).take(size).collect();
        json!({
            "conteudo": conteudo,
            "pagina": self.pagina,
            "tamanhoPagina": self.tamanho,
            "totalElementos": total,
            "totalPaginas": total.div_ceil(size),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::families::portadores::fixtures::Catalogue;

    fn regras() -> Regras {
        Catalogue::embedded().unwrap().regras
    }

    #[test]
    fn defaults_and_limits() {
        let r = regras();
        assert_eq!(
            Paging::parse(None, None, &r),
            Ok(Paging {
                pagina: 1,
                tamanho: 20
            })
        );
        let e = Paging::parse(Some("0"), Some("101"), &r).unwrap_err();
        assert_eq!(e.fields(), vec!["pagina", "tamanhoPagina"]);
        assert!(Paging::parse(Some("x"), None, &r).is_err());
    }

    #[test]
    fn pages_cut_the_list_and_count_it() {
        let items: Vec<Value> = (1..=45).map(|i| json!(i)).collect();
        let p = Paging {
            pagina: 3,
            tamanho: 20,
        }
        .page(items.clone());
        assert_eq!(p["conteudo"], json!([41, 42, 43, 44, 45]));
        assert_eq!(p["totalElementos"], 45);
        assert_eq!(p["totalPaginas"], 3);
        let past = Paging {
            pagina: 9,
            tamanho: 20,
        }
        .page(items);
        assert_eq!(past["conteudo"], json!([]));
        let empty = Paging {
            pagina: 1,
            tamanho: 20,
        }
        .page(Vec::new());
        assert_eq!(empty["totalPaginas"], 0);
    }
}
