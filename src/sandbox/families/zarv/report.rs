//! The PDF report of a finished verification (`GET /api/v2/verifications/{id}/pdf`): who was
//! verified (name, masked national id), the status, the score and risk band, and each rule that
//! fired on a line of its own, so a PDF reader finds every value as written in the JSON.

use chrono::{DateTime, Datelike, Utc};

use super::datetime;
use super::result::Outcome;
use super::state::Verification;
use crate::datagen::media::pdf::Report;

/// A national id as reports print it: the middle digits only (`***.000.001-**`,
/// `**.000.010/00**-**`), as Brazilian documents printed for third parties do.
pub fn mask(national_id: &str) -> String {
    let c: Vec<char> = national_id.chars().collect();
    match c.len() {
        11 => format!(
            "***.{}.{}-**",
            c[3..6].iter().collect::<String>(),
            c[6..9].iter().collect::<String>()
        ),
        14 => format!(
            "**.{}.{}/{}-**",
            c[2..5].iter().collect::<String>(),
            c[5..8].iter().collect::<String>(),
            c[8..12].iter().collect::<String>()
        ),
        _ => "*".repeat(c.len()),
    }
}

pub fn render(v: &Verification, outcome: &Outcome, now: DateTime<Utc>) -> Vec<u8> {
    let date = v.timeline.finished_at;
    let mut report = Report::new("Relatório de verificação Zarv ID")
        .with_subtitle(format!("Verificação {}", v.id))
        .with_date(
            u16::try_from(date.year()).unwrap_or(2026),
            u8::try_from(date.month()).unwrap_or(1),
            u8::try_from(date.day()).unwrap_or(1),
        );
    let document = if v.national_id.len() == 11 {
        "CPF"
    } else {
        "CNPJ"
    };
    let holder = report.section("Titular");
    if let Outcome::Completed(c) = outcome {
        holder.field("Nome", c.name.clone());
    }
    holder.field(document, mask(&v.national_id));

    let verdict = report.section("Resultado");
    verdict
        .field("Status", outcome.status().as_str())
        .field("Tipo", v.kind.as_str());
    match outcome {
        Outcome::Completed(c) => {
            verdict
                .field("Score", c.score.to_string())
                .field("Faixa de risco", c.score_factor.to_string());
        }
        Outcome::Failed { reason, .. } => {
            verdict.field("Motivo da falha", reason.clone());
        }
    }
    let rules = match outcome {
        Outcome::Completed(c) => c.rules.clone(),
        Outcome::Failed { .. } => Vec::new(),
    };
    let section = report.section("Regras");
    if rules.is_empty() {
        section.text("Nenhuma regra disparada.");
    }
    for (i, rule) in rules.iter().enumerate() {
        section.field(format!("Regra {}", i + 1), *rule);
    }
    report
        .section("Execução")
        .field("Criada em", datetime(v.timeline.created_at))
        .field("Iniciada em", datetime(v.timeline.processing_at))
        .field("Concluída em", datetime(v.timeline.finished_at))
        .field("Emitido em", datetime(now));
    report.render()
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn national_ids_keep_only_their_middle_digits() {
        assert_eq!(mask("52998224725"), "***.982.247-**");
        assert_eq!(mask("11444777000161"), "**.444.777/0001-**");
        assert_eq!(mask("12ABC34501DE35"), "**.ABC.345/01DE-**");
    }
}
