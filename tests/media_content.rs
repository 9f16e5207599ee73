//! The non-JSON media the sandbox serves are real content: PDFs whose structure holds together and
//! whose text a reader extracts (accents included), images a decoder reads, CSV a parser reads.

mod support;

use finsandbox::datagen::media::{self, Caption, image, pdf::Report};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use serde_json::json;
use support::pdf_check;

fn long_report() -> Report {
    let mut r = Report::new("Relatório de verificação cadastral")
        .with_subtitle("Emitido para João Conceição Araújo")
        .with_date(2026, 1, 2);
    r.section("Titular")
        .field("Nome", "João Conceição Araújo")
        .field("CPF", "529.982.247-25")
        .field("Endereço", "Rua Açaí, 123 - Paraíso, São Paulo/SP");
    let s = r.section("Ocorrências");
    for i in 1..=120 {
        s.field(
            format!("Ocorrência {i}"),
            format!("Negativação nº {i} — situação: ativa"),
        );
    }
    r
}

#[test]
fn pdf_structure_holds_together_and_spans_pages() {
    let bytes = long_report().render();
    let doc = pdf_check::parse(&bytes).expect("well-formed PDF");
    assert!(
        doc.pages >= 3,
        "120 lines need several pages, got {}",
        doc.pages
    );
    let text = doc.text.join("\n");
    for wanted in [
        "Relatório de verificação cadastral",
        "João Conceição Araújo",
        "Ocorrência 120",
        "Negativação nº 7 — situação: ativa",
    ] {
        assert!(text.contains(wanted), "missing {wanted:?}");
    }
}

#[test]
fn pdf_reader_extracts_portuguese_text() {
    let bytes = long_report().render();
    let dir = std::env::temp_dir().join(format!("finsandbox-pdf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("report.pdf");
    std::fs::write(&path, &bytes).expect("write pdf");
    let out = std::process::Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(&path)
        .arg("-")
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            // The structural test above still runs; this one needs Debian's poppler-utils.
            println!("skipped: pdftotext is not installed ({e}); apt-get install poppler-utils");
            return;
        }
    };
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for wanted in [
        "Relatório de verificação cadastral",
        "João Conceição Araújo",
        "Rua Açaí, 123 - Paraíso, São Paulo/SP",
        "Ocorrência 120",
    ] {
        assert!(
            text.contains(wanted),
            "pdftotext did not find {wanted:?} in:\n{text}"
        );
    }
}

#[test]
fn jpeg_decodes_to_the_picture() {
    let picture = image::Picture::portrait(&mut ChaCha8Rng::seed_from_u64(5), image::SIDE);
    let bytes = image::jpeg(&picture).expect("encodes");
    let mut decoder = jpeg_decoder::Decoder::new(bytes.as_slice());
    let pixels = decoder.decode().expect("decodes");
    let info = decoder.info().expect("info");
    assert_eq!((info.width, info.height), (picture.width, picture.height));
    assert_eq!(pixels.len(), picture.rgb().len());
    // Lossy, but the centre of the head is the figure's colour, not the background's.
    let side = usize::from(picture.width);
    let at = (side * 40 / 100 * side + side / 2) * 3;
    let want = picture.rgb()[at..at + 3].to_vec();
    let got = &pixels[at..at + 3];
    assert!(
        want.iter().zip(got).all(|(a, b)| a.abs_diff(*b) < 24),
        "{want:?} vs {got:?}"
    );
}

#[test]
fn png_inflates_to_one_filtered_row_per_line() {
    let picture = image::Picture::portrait(&mut ChaCha8Rng::seed_from_u64(6), image::SIDE);
    let bytes = image::png(&picture);
    let raw = support::png_check::idat_pixels(&bytes).expect("decodes");
    let side = usize::from(picture.width);
    assert_eq!(raw.len(), side * (side + 1));
    let rows: Vec<u8> = raw.chunks(side + 1).flat_map(|r| r[1..].to_vec()).collect();
    assert_eq!(rows, picture.pixels);
}

#[test]
fn csv_of_a_list_reads_back_row_by_row() {
    let value = json!([{"nome": "Ana", "cidade": "São Paulo"}, {"nome": "Bia, a \"B\"", "cidade": "Goiânia"}]);
    let r = media::render(
        "text/csv",
        &value,
        &Caption::default(),
        &mut ChaCha8Rng::seed_from_u64(1),
    );
    assert_eq!(r.content_type, "text/csv; charset=utf-8");
    let rows =
        media::csv::parse(std::str::from_utf8(&r.body).expect("utf-8"), ',').expect("parses");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2], ["Bia, a \"B\"", "Goiânia"]);
}
