//! The family's one error body, `Erro` (`codigo`, `mensagem`, `status`, `idRequisicao`,
//! `dataHora`, `erros`), for every refusal: the handlers' own and every stage of the shared
//! pipeline, worded in Portuguese. The token operation is the exception: it answers RFC 6749's body
//! whatever went wrong (`crate::sandbox::oauth`).

use hyper::StatusCode;
use serde_json::json;

use super::validate::{self, FieldErrors};
use crate::sandbox::family::{ErrorContext, Problem, ProblemKind};
use crate::sandbox::http::{self, HttpResponse};
use crate::sandbox::params::{self, Refusals};
use crate::spec::ParamLocation;

/// A refusal on its way to becoming an `Erro` body.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub codigo: String,
    pub mensagem: String,
    pub erros: FieldErrors,
    pub headers: Vec<(&'static str, String)>,
}

impl ApiError {
    pub fn new(status: StatusCode, codigo: &str, mensagem: impl Into<String>) -> ApiError {
        ApiError {
            status,
            codigo: codigo.to_string(),
            mensagem: mensagem.into(),
            erros: FieldErrors::default(),
            headers: Vec::new(),
        }
    }

    /// A 400 with one item per field problem.
    pub fn invalid(erros: FieldErrors) -> ApiError {
        let n = erros.len();
        let mensagem = match erros.fields().first() {
            Some(first) if n == 1 => format!(
                "Requisição inválida em {}: {}",
                if first.is_empty() { "corpo" } else { first },
                erros.messages_for(first).first().copied().unwrap_or("")
            ),
            _ => format!("A requisição tem {n} problemas; veja erros."),
        };
        ApiError {
            status: StatusCode::BAD_REQUEST,
            codigo: "REQUISICAO_INVALIDA".into(),
            mensagem,
            erros,
            headers: Vec::new(),
        }
    }

    /// A 400 about one field or parameter.
    pub fn field(campo: &str, mensagem: impl Into<String>) -> ApiError {
        let mut erros = FieldErrors::default();
        erros.add(campo, mensagem);
        ApiError::invalid(erros)
    }

    pub fn conflict(codigo: &str, mensagem: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, codigo, mensagem)
    }

    /// 422: the request is right but the account's state forbids it.
    pub fn rule(codigo: &str, mensagem: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, codigo, mensagem)
    }

    pub fn holder_not_found(id: u64) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "PORTADOR_NAO_ENCONTRADO",
            format!("Portador {id} não encontrado."),
        )
    }

    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ERRO_INTERNO",
            "Estado do sandbox indisponível.",
        )
    }

    pub fn with_header(mut self, name: &'static str, value: &str) -> ApiError {
        self.headers.push((name, value.to_string()));
        self
    }

    /// The error as a pipeline [`Problem`], carrying itself for the renderer.
    pub fn into_problem(self) -> Problem {
        let mut problem = Problem::new(self.status, self.mensagem.clone()).code(&self.codigo);
        if let Some(first) = self.erros.fields().first() {
            problem = problem.field(*first);
        }
        for (name, value) in &self.headers {
            problem = problem.header(name, value);
        }
        problem.payload(self)
    }

    /// A refusal in the family's words: a handler's own error as it is, a pipeline stage's said in
    /// Portuguese.
    pub fn from_problem(ctx: &ErrorContext<'_>, problem: &Problem) -> ApiError {
        if let Some(own) = problem.payload_of::<ApiError>() {
            return own.clone();
        }
        if let Some(refusals) = problem.payload_of::<Refusals>() {
            return ApiError::from_refusals(&refusals.0);
        }
        let (method, path) = ctx
            .req
            .map(|r| (r.method.to_string(), r.path.clone()))
            .unwrap_or_default();
        let status = problem.status;
        let mut error = match &problem.kind {
            ProblemKind::NotFound if ctx.op.is_none() => ApiError::new(
                status,
                "RECURSO_NAO_ENCONTRADO",
                format!(
                    "Recurso não encontrado: {method} {}.",
                    params::printable(&path)
                ),
            ),
            ProblemKind::MethodNotAllowed => ApiError::new(
                status,
                "METODO_NAO_PERMITIDO",
                format!(
                    "O método {method} não é aceito em {}; veja o cabeçalho Allow.",
                    params::printable(&path)
                ),
            ),
            ProblemKind::BodyTooLarge => ApiError::new(
                status,
                "CORPO_MUITO_GRANDE",
                format!(
                    "O corpo da requisição passa do limite de {} bytes.",
                    ctx.app.config.max_body_bytes
                ),
            ),
            ProblemKind::HeadersTooLarge => ApiError::new(
                status,
                "CABECALHOS_MUITO_GRANDES",
                format!(
                    "Cabeçalhos grandes demais: até {} bytes por campo e {} bytes no total.",
                    ctx.app.config.max_header_bytes, ctx.app.config.max_header_total_bytes
                ),
            ),
            ProblemKind::Unreadable => {
                ApiError::field("", "Não foi possível ler o corpo da requisição.")
            }
            ProblemKind::Correlation => ApiError::field(
                "X-Request-Id",
                "X-Request-Id deve ser enviado uma vez, com 1 a 100 caracteres visíveis e sem espaços.",
            ),
            ProblemKind::NotAcceptable => ApiError::new(
                status,
                "FORMATO_NAO_ACEITO",
                "O cabeçalho Accept precisa aceitar application/json.",
            ),
            ProblemKind::UnsupportedMediaType => ApiError::new(
                status,
                "MIDIA_NAO_SUPORTADA",
                format!(
                    "Envie o corpo como {}.",
                    ctx.op
                        .and_then(|op| op.request_body.as_ref())
                        .map_or("application/json", |b| b.content_type.as_str())
                ),
            ),
            ProblemKind::EmptyBody => ApiError::field(
                "",
                "O corpo da requisição está vazio; envie um objeto JSON.",
            ),
            ProblemKind::MalformedBody { line, column } => ApiError::field(
                "",
                format!("JSON malformado (linha {line}, coluna {column})."),
            ),
            ProblemKind::InvalidBody => {
                let mut erros = FieldErrors::default();
                for f in &problem.findings {
                    erros.add(&validate::campo(&f.pointer), f.message.clone());
                }
                ApiError::invalid(erros)
            }
            ProblemKind::MissingParameter(_) | ProblemKind::InvalidParameter(_) => ApiError::field(
                problem.field.as_deref().unwrap_or(""),
                problem.message.clone(),
            ),
            ProblemKind::Unauthenticated => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "NAO_AUTENTICADO",
                "Informe Authorization: Bearer <access_token>.",
            ),
            ProblemKind::Forbidden => ApiError::new(
                StatusCode::FORBIDDEN,
                "ACESSO_NEGADO",
                problem.message.clone(),
            ),
            ProblemKind::TooManyRequests => ApiError::new(
                status,
                "MUITAS_REQUISICOES",
                "Muitas requisições; tente novamente mais tarde.",
            ),
            ProblemKind::Internal => ApiError::new(
                status,
                "ERRO_INTERNO",
                format!("Falha interna do sandbox: {}", problem.message),
            ),
            _ => ApiError::new(
                status,
                problem.code.as_deref().unwrap_or(code_for(status)),
                problem.message.clone(),
            ),
        };
        for (name, value) in &problem.headers {
            if let (Some(name), Ok(v)) = (header_static(name.as_str()), value.to_str()) {
                error.headers.retain(|(n, _)| *n != name);
                error.headers.push((name, v.to_string()));
            }
        }
        error
    }

    /// One `erros` item per refused parameter, in Portuguese.
    pub fn from_refusals(refusals: &[params::Refusal]) -> ApiError {
        let mut erros = FieldErrors::default();
        for r in refusals {
            let what = if r.location == ParamLocation::Header {
                "Cabeçalho"
            } else {
                "Parâmetro"
            };
            let mensagem = match r.kind {
                params::ProblemKind::Missing => format!("{what} obrigatório: {}.", r.name),
                params::ProblemKind::Invalid => match r.keyword() {
                    Some(keyword) => format!(
                        "{what} {}: {}",
                        r.name,
                        validate::message_for(keyword, &r.schema)
                    ),
                    None => format!("{what} {}: texto ASCII visível esperado.", r.name),
                },
            };
            erros.add(&r.name, mensagem);
        }
        ApiError::invalid(erros)
    }

    /// The `Erro` body with the request's id and the sandbox clock's time.
    pub fn render(&self, id_requisicao: &str, data_hora: &str) -> HttpResponse {
        let mut response = http::json_response(
            self.status,
            "application/json",
            &json!({
                "codigo": self.codigo,
                "mensagem": self.mensagem,
                "status": self.status.as_u16(),
                "idRequisicao": id_requisicao,
                "dataHora": data_hora,
                "erros": self.erros.to_json(),
            }),
        );
        for (name, value) in &self.headers {
            http::set_header(&mut response, name, value);
        }
        response
    }
}

impl From<ApiError> for Problem {
    fn from(e: ApiError) -> Problem {
        e.into_problem()
    }
}

/// The headers a refusal carries on (the pipeline's `Allow`, our `WWW-Authenticate`), as the
/// static names [`ApiError`] keeps; others are dropped.
fn header_static(name: &str) -> Option<&'static str> {
    match name {
        "allow" => Some("allow"),
        "www-authenticate" => Some("www-authenticate"),
        "retry-after" => Some("retry-after"),
        _ => None,
    }
}

/// The family's code for a status no rule named.
pub fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "REQUISICAO_INVALIDA",
        401 => "NAO_AUTENTICADO",
        403 => "ACESSO_NEGADO",
        404 => "RECURSO_NAO_ENCONTRADO",
        405 => "METODO_NAO_PERMITIDO",
        406 => "FORMATO_NAO_ACEITO",
        409 => "CONFLITO",
        413 => "CORPO_MUITO_GRANDE",
        415 => "MIDIA_NAO_SUPORTADA",
        422 => "REGRA_DE_NEGOCIO",
        429 => "MUITAS_REQUISICOES",
        431 => "CABECALHOS_MUITO_GRANDES",
        503 => "SERVICO_INDISPONIVEL",
        _ => "ERRO_INTERNO",
    }
}
