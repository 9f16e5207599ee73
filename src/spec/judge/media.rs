//! The `media` check: the bytes of a non-JSON body really are what their media type says, so a
//! JSON string labelled `application/pdf` or a truncated image does not pass for a document.
//!
//! | media type | what is asked |
//! |---|---|
//! | `application/pdf` | starts with `%PDF-1.x`/`%PDF-2.x`; the last line is `%%EOF`; `startxref` points at a cross-reference table or stream |
//! | `image/png` | the PNG signature, `IHDR` first, every chunk whole with its CRC, `IEND` last |
//! | `image/jpeg` | starts with an SOI marker and ends with EOI |
//! | `image/gif` | `GIF87a` or `GIF89a` and a whole logical screen descriptor |
//! | `text/csv` | RFC 4180 rows (quotes closed, none inside bare fields) all as wide as the first, split by the separator the first row uses (`,` `;` tab or `\|`) |
//! | other `text/*` | UTF-8 when no other charset is named |
//!
//! Other media types (`application/octet-stream`, ...) are not judged. Each finding's keyword
//! names what failed (`signature`, `eof`, `row-width`, ...).

use super::{Check, Finding, essence};

/// Judges `body` as `media_type` (parameters allowed: `text/csv; charset=utf-8`).
pub fn check(media_type: &str, body: &[u8], out: &mut Vec<Finding>) {
    let kind = essence(media_type);
    let known = matches!(
        kind.as_str(),
        "application/pdf" | "image/png" | "image/jpeg" | "image/gif" | "text/csv"
    );
    if known && body.is_empty() {
        out.push(finding(
            "",
            "empty",
            format!("the body is empty; an {kind} body was declared"),
        ));
        return;
    }
    match kind.as_str() {
        "application/pdf" => pdf(body, out),
        "image/png" => png(body, out),
        "image/jpeg" => jpeg(body, out),
        "image/gif" => gif(body, out),
        "text/csv" => {
            if utf8_expected(media_type) {
                utf8(body, out);
            }
            csv(body, out);
        }
        k if k.starts_with("text/") && utf8_expected(media_type) => utf8(body, out),
        _ => {}
    }
}

fn finding(pointer: impl Into<String>, keyword: &str, message: impl Into<String>) -> Finding {
    Check::Media.finding(pointer, keyword, message)
}

/// No `charset`, or a UTF-8 one (US-ASCII is a subset and passes the same test).
fn utf8_expected(media_type: &str) -> bool {
    media_type
        .split(';')
        .skip(1)
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .is_none_or(|(_, v)| {
            let v = v.trim().trim_matches('"');
            v.eq_ignore_ascii_case("utf-8")
                || v.eq_ignore_ascii_case("utf8")
                || v.eq_ignore_ascii_case("us-ascii")
        })
}

fn utf8(body: &[u8], out: &mut Vec<Finding>) {
    if let Err(e) = std::str::from_utf8(body) {
        out.push(finding(
            "",
            "encoding",
            format!(
                "the body is not UTF-8: invalid byte at offset {}",
                e.valid_up_to()
            ),
        ));
    }
}

/// Bytes PDF counts as white space (ISO 32000-1, 7.2.2).
fn is_pdf_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn pdf(body: &[u8], out: &mut Vec<Finding>) {
    let Some(rest) = body.strip_prefix(b"%PDF-") else {
        out.push(finding(
            "",
            "signature",
            "the body does not start with %PDF-, so it is not a PDF",
        ));
        return;
    };
    if !matches!(rest, [b'1' | b'2', b'.', d, ..] if d.is_ascii_digit()) {
        out.push(finding(
            "",
            "header",
            "the %PDF- header names no version (e.g. %PDF-1.7)",
        ));
    }
    let end = body.len() - body.iter().rev().take_while(|b| is_pdf_space(**b)).count();
    let trimmed = &body[..end];
    if !trimmed.ends_with(b"%%EOF") {
        out.push(finding(
            "",
            "eof",
            "the PDF does not end with %%EOF: it is truncated or has bytes after its end",
        ));
        return;
    }
    // A reader finds the document through the offset after `startxref`, near the end.
    let tail_start = trimmed.len().saturating_sub(1024);
    let tail = &trimmed[tail_start..];
    let Some(at) = find_last(tail, b"startxref") else {
        out.push(finding(
            "",
            "startxref",
            "the PDF has no startxref before %%EOF",
        ));
        return;
    };
    let after = &tail[at + b"startxref".len()..];
    let digits: Vec<u8> = after
        .iter()
        .skip_while(|b| is_pdf_space(**b))
        .take_while(|b| b.is_ascii_digit())
        .copied()
        .collect();
    let offset = std::str::from_utf8(&digits)
        .ok()
        .and_then(|d| d.parse::<usize>().ok());
    let Some(offset) = offset.filter(|o| *o < body.len()) else {
        out.push(finding(
            "",
            "startxref",
            "the offset after startxref is missing or beyond the end of the file",
        ));
        return;
    };
    let target = &body[offset..];
    let target = &target[target.iter().take_while(|b| is_pdf_space(**b)).count()..];
    if !(target.starts_with(b"xref") || starts_with_object(target)) {
        out.push(finding(
            "",
            "startxref",
            format!(
                "startxref points at byte {offset}, where there is neither an xref table nor an xref stream object"
            ),
        ));
    }
}

/// `12 0 obj`: where a cross-reference stream starts.
fn starts_with_object(b: &[u8]) -> bool {
    let mut i = 0;
    // Object number, then generation number, each followed by white space.
    for _ in 0..2 {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
        let spaces = i;
        while i < b.len() && is_pdf_space(b[i]) {
            i += 1;
        }
        if i == spaces {
            return false;
        }
    }
    b[i..].starts_with(b"obj")
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

fn png(body: &[u8], out: &mut Vec<Finding>) {
    let Some(mut rest) = body.strip_prefix(PNG_SIGNATURE) else {
        out.push(finding(
            "",
            "signature",
            "the body does not start with the PNG signature",
        ));
        return;
    };
    let mut offset = PNG_SIGNATURE.len();
    let mut first = true;
    loop {
        if rest.len() < 12 {
            out.push(finding(
                "",
                "chunk",
                format!("the PNG ends at byte {offset} inside a chunk, before IEND"),
            ));
            return;
        }
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let kind = &rest[4..8];
        let name = String::from_utf8_lossy(kind).into_owned();
        if first && (kind != b"IHDR" || len != 13) {
            out.push(finding(
                "",
                "chunk",
                "the first PNG chunk is not a 13-byte IHDR",
            ));
            return;
        }
        first = false;
        let Some(total) = len.checked_add(12).filter(|t| *t <= rest.len()) else {
            out.push(finding(
                "",
                "chunk",
                format!("the {name} chunk at byte {offset} runs past the end of the body"),
            ));
            return;
        };
        let crc = u32::from_be_bytes([
            rest[total - 4],
            rest[total - 3],
            rest[total - 2],
            rest[total - 1],
        ]);
        if crc32(&rest[4..8 + len]) != crc {
            out.push(finding(
                "",
                "crc",
                format!("the {name} chunk at byte {offset} has a wrong CRC"),
            ));
            return;
        }
        if kind == b"IEND" {
            if total != rest.len() {
                out.push(finding(
                    "",
                    "trailer",
                    format!("{} byte(s) follow the IEND chunk", rest.len() - total),
                ));
            }
            return;
        }
        rest = &rest[total..];
        offset += total;
    }
}

/// CRC-32 (ISO-HDLC, as PNG uses), bitwise: images are judged rarely and a table buys nothing.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn jpeg(body: &[u8], out: &mut Vec<Finding>) {
    if !body.starts_with(&[0xFF, 0xD8, 0xFF]) {
        out.push(finding(
            "",
            "signature",
            "the body does not start with a JPEG SOI marker",
        ));
        return;
    }
    if !body.ends_with(&[0xFF, 0xD9]) {
        out.push(finding(
            "",
            "eof",
            "the JPEG does not end with an EOI marker: it is truncated",
        ));
    }
}

/// Signature and logical screen descriptor. A missing trailer byte is not judged: encoders omit
/// it often enough, and decoders show such images.
fn gif(body: &[u8], out: &mut Vec<Finding>) {
    if !(body.starts_with(b"GIF87a") || body.starts_with(b"GIF89a")) {
        out.push(finding(
            "",
            "signature",
            "the body does not start with GIF87a or GIF89a",
        ));
        return;
    }
    if body.len() < 13 {
        out.push(finding(
            "",
            "header",
            "the GIF ends inside its logical screen descriptor",
        ));
    }
}

/// At most this many rows are reported one by one; the rest are counted.
const CSV_ROWS_REPORTED: usize = 10;

/// Separators a CSV may use. RFC 4180 says comma, but Brazilian exports, where the comma is the
/// decimal mark, commonly separate fields with semicolons under the same media type.
const CSV_SEPARATORS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The separator the first record uses most (outside quotes); comma when it uses none.
fn csv_separator(body: &[u8]) -> u8 {
    let mut counts = [0usize; CSV_SEPARATORS.len()];
    let mut in_quotes = false;
    for &b in body {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => break,
            _ if !in_quotes => {
                if let Some(i) = CSV_SEPARATORS.iter().position(|s| *s == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let mut best = 0;
    for (i, c) in counts.iter().enumerate() {
        if *c > counts[best] {
            best = i;
        }
    }
    CSV_SEPARATORS[best]
}

/// RFC 4180, with bare LF line ends accepted (common, and every CSV reader takes them) and the
/// separator read from the first record.
fn csv(body: &[u8], out: &mut Vec<Finding>) {
    let separator = csv_separator(body);
    let mut widths: Vec<usize> = Vec::new();
    let mut fields = 1;
    let mut at_field_start = true;
    let mut in_quotes = false;
    let mut after_close = false;
    let mut quote_row = 0;
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if in_quotes {
            if b == b'"' {
                if body.get(i + 1) == Some(&b'"') {
                    i += 2;
                    continue;
                }
                in_quotes = false;
                after_close = true;
            }
            i += 1;
            continue;
        }
        match b {
            b'"' if at_field_start => {
                in_quotes = true;
                quote_row = widths.len();
                at_field_start = false;
            }
            b if b == separator => {
                fields += 1;
                at_field_start = true;
                after_close = false;
            }
            b'\n' | b'\r' => {
                if b == b'\r' && body.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                widths.push(fields);
                fields = 1;
                at_field_start = true;
                after_close = false;
            }
            _ => {
                let row = widths.len();
                if b == b'"' {
                    out.push(finding(
                        format!("/{row}"),
                        "quote",
                        format!("row {row} has a quote inside an unquoted field; such a field must be quoted and its quotes doubled"),
                    ));
                    return;
                }
                if after_close {
                    out.push(finding(
                        format!("/{row}"),
                        "quote",
                        format!("row {row} has characters after the closing quote of a field"),
                    ));
                    return;
                }
                at_field_start = false;
            }
        }
        i += 1;
    }
    if in_quotes {
        out.push(finding(
            format!("/{quote_row}"),
            "quote",
            format!("the quoted field opened in row {quote_row} is never closed"),
        ));
        return;
    }
    // The last line may or may not end with a line break.
    if !at_field_start || fields > 1 || after_close {
        widths.push(fields);
    }
    let Some(&expected) = widths.first() else {
        return;
    };
    let wrong: Vec<(usize, usize)> = widths
        .iter()
        .enumerate()
        .filter(|(_, w)| **w != expected)
        .map(|(row, w)| (row, *w))
        .collect();
    for (row, w) in wrong.iter().take(CSV_ROWS_REPORTED) {
        out.push(finding(
            format!("/{row}"),
            "row-width",
            format!("row {row} has {w} field(s), the first row has {expected}"),
        ));
    }
    if wrong.len() > CSV_ROWS_REPORTED {
        out.push(finding(
            "",
            "row-width",
            format!(
                "{} more row(s) differ in width",
                wrong.len() - CSV_ROWS_REPORTED
            ),
        ));
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn run(media: &str, body: &[u8]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        check(media, body, &mut out);
        assert!(out.iter().all(|f| f.check == "media"));
        out.into_iter().map(|f| (f.pointer, f.keyword)).collect()
    }

    fn keywords(media: &str, body: &[u8]) -> Vec<String> {
        run(media, body).into_iter().map(|(_, k)| k).collect()
    }

    /// A one-page PDF with a correct cross-reference table, built the way a writer does.
    pub(crate) fn minimal_pdf() -> Vec<u8> {
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        ];
        let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
        let mut offsets = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            offsets.push(pdf.len());
            pdf.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
        }
        let xref = pdf.len();
        pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
        for o in offsets {
            pdf.extend(format!("{o:010} 00000 n \n").as_bytes());
        }
        pdf.extend(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        pdf
    }

    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend(kind);
        c.extend(data);
        let mut crc_input = kind.to_vec();
        crc_input.extend(data);
        c.extend(crc32(&crc_input).to_be_bytes());
        c
    }

    fn minimal_png() -> Vec<u8> {
        let mut png = PNG_SIGNATURE.to_vec();
        png.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
        // A zlib stream of one filtered grey pixel.
        png.extend(chunk(
            b"IDAT",
            &[0x78, 0x01, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01],
        ));
        png.extend(chunk(b"IEND", &[]));
        png
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn a_real_pdf_passes() {
        assert_eq!(run("application/pdf", &minimal_pdf()), vec![]);
        // Trailing end-of-line bytes after %%EOF are allowed.
        let mut crlf = minimal_pdf();
        crlf.extend(b"\r\n");
        assert_eq!(run("application/pdf", &crlf), vec![]);
    }

    #[test]
    fn a_json_string_labelled_pdf_is_not_a_pdf() {
        assert_eq!(
            keywords("application/pdf", b"\"JVBERi0xLjcK\""),
            ["signature"]
        );
        assert_eq!(keywords("application/pdf", b""), ["empty"]);
    }

    #[test]
    fn a_truncated_or_broken_pdf_is_found() {
        let pdf = minimal_pdf();
        assert_eq!(keywords("application/pdf", &pdf[..pdf.len() - 20]), ["eof"]);
        let moved = String::from_utf8_lossy(&pdf).replace("startxref\n", "startxref\n1");
        assert_eq!(keywords("application/pdf", moved.as_bytes()), ["startxref"]);
        let no_xref = String::from_utf8_lossy(&pdf).replace("startxref", "startxreg");
        assert_eq!(
            keywords("application/pdf", no_xref.as_bytes()),
            ["startxref"]
        );
        let bad_header = [b"%PDF-x".as_slice(), &pdf[6..]].concat();
        assert_eq!(keywords("application/pdf", &bad_header), ["header"]);
    }

    #[test]
    fn an_xref_stream_is_a_valid_startxref_target() {
        assert!(starts_with_object(b"12 0 obj\n<< /Type /XRef >>"));
        assert!(!starts_with_object(b"12 obj"));
        assert!(!starts_with_object(b"trailer"));
    }

    #[test]
    fn a_real_png_passes_and_damage_is_found() {
        let png = minimal_png();
        assert_eq!(run("image/png", &png), vec![]);
        assert_eq!(keywords("image/png", b"GIF89a"), ["signature"]);
        assert_eq!(keywords("image/png", &png[..png.len() - 12]), ["chunk"]);
        let mut bad_crc = png.clone();
        bad_crc[30] ^= 1;
        assert_eq!(keywords("image/png", &bad_crc), ["crc"]);
        let mut trailing = png.clone();
        trailing.push(0);
        assert_eq!(keywords("image/png", &trailing), ["trailer"]);
        let no_ihdr = [PNG_SIGNATURE.to_vec(), chunk(b"IEND", &[])].concat();
        assert_eq!(keywords("image/png", &no_ihdr), ["chunk"]);
    }

    #[test]
    fn jpeg_and_gif_markers() {
        assert_eq!(
            run("image/jpeg", &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0, 0xFF, 0xD9]),
            vec![]
        );
        assert_eq!(
            keywords("image/jpeg", &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            ["eof"]
        );
        assert_eq!(keywords("image/jpeg", b"\x89PNG"), ["signature"]);
        assert_eq!(
            run("image/gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
            vec![]
        );
        assert_eq!(keywords("image/gif", b"GIF89a\x01\x00"), ["header"]);
        assert_eq!(keywords("image/gif", b"GIF90a;"), ["signature"]);
    }

    #[test]
    fn csv_rows_have_equal_width() {
        let ok = b"nome,cpf,nota\r\n\"Silva, Ana\",52998224725,\"diz \"\"oi\"\"\"\r\nBia,1,\"linha\r\nquebrada\"\r\n";
        assert_eq!(run("text/csv", ok), vec![]);
        assert_eq!(run("text/csv", b"a,b\n1,2"), vec![]);
        assert_eq!(
            run("text/csv", b"a,b\n1,2\n3\n4,5,6\n"),
            [
                ("/2".to_string(), "row-width".to_string()),
                ("/3".to_string(), "row-width".to_string()),
            ]
        );
        let many: String = std::iter::once("a,b\n".to_string())
            .chain((0..15).map(|i| format!("{i}\n")))
            .collect();
        let f = keywords("text/csv", many.as_bytes());
        assert_eq!(f.len(), CSV_ROWS_REPORTED + 1);
    }

    #[test]
    fn csv_separator_is_read_from_the_first_row() {
        // Semicolons, as Brazilian exports write them, with commas inside values.
        let semi = "Campo;Valor;Nota\nrenda;1.234,56;\"a; b\"\ncpf;52998224725;\n".as_bytes();
        assert_eq!(run("text/csv", semi), vec![]);
        assert_eq!(csv_separator(semi), b';');
        assert_eq!(csv_separator(b"a\tb\tc\n1\t2\t3"), b'\t');
        assert_eq!(csv_separator(b"\"x;y\",z\n"), b',');
        assert_eq!(csv_separator(b"solo\n1\n"), b',');
        assert_eq!(keywords("text/csv", b"a;b\n1;2;3\n"), ["row-width"]);
    }

    #[test]
    fn csv_quotes_follow_rfc_4180() {
        assert_eq!(
            run("text/csv", b"a,b\n\"open,1\n"),
            [("/1".to_string(), "quote".to_string())]
        );
        assert_eq!(keywords("text/csv", b"a,b\nsay \"hi\",1\n"), ["quote"]);
        assert_eq!(keywords("text/csv", b"a,b\n\"x\"y,1\n"), ["quote"]);
    }

    #[test]
    fn text_is_utf8_unless_another_charset_is_named() {
        assert_eq!(keywords("text/csv", b"nome\nJo\xe3o\n"), ["encoding"]);
        assert_eq!(
            run("text/csv; charset=iso-8859-1", b"nome\nJo\xe3o\n"),
            vec![]
        );
        assert_eq!(keywords("text/plain", b"\xff"), ["encoding"]);
        assert_eq!(
            run("text/plain; charset=\"UTF-8\"", "São Paulo".as_bytes()),
            vec![]
        );
        assert_eq!(run("text/plain", b""), vec![]);
    }

    #[test]
    fn unknown_media_types_are_not_judged() {
        assert_eq!(run("application/octet-stream", b"\x00\x01"), vec![]);
    }
}
