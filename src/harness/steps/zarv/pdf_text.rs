//! The words of a PDF, as a reader shows them: the strings of every uncompressed content stream's
//! text operators (`(..) Tj`, `<..> Tj`, the strings of `[..] TJ`, `'` and `"`), decoded from
//! WinAnsi. Compressed streams are not inflated (no deflate crate in the build): such a PDF is
//! reported as [`TextError::Compressed`], so a check can say it could not read it rather than
//! call its words missing.

use crate::datagen::media::pdf::win_ansi_decode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    Compressed,
    Broken(String),
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Every string shown by the document's content streams, in stream order.
pub fn text(bytes: &[u8]) -> Result<Vec<String>, TextError> {
    if !bytes.starts_with(b"%PDF-") {
        return Err(TextError::Broken("it does not start with %PDF-".into()));
    }
    let mut out = Vec::new();
    let mut rest = bytes;
    let mut compressed = false;
    while let Some(s) = find(rest, b"stream") {
        // `endstream` also contains the word: only a keyword that opens a stream counts.
        let opens = rest[s..].starts_with(b"stream")
            && (s < 3 || &rest[s - 3..s] != b"end")
            && matches!(rest.get(s + 6), Some(b'\n' | b'\r'));
        if !opens {
            rest = &rest[s + 6..];
            continue;
        }
        let dict_start = rest[..s].windows(2).rposition(|w| w == b"<<").unwrap_or(0);
        let dict = &rest[dict_start..s];
        let mut start = s + 6;
        if rest.get(start) == Some(&b'\r') {
            start += 1;
        }
        if rest.get(start) == Some(&b'\n') {
            start += 1;
        }
        let end = find(&rest[start..], b"endstream")
            .ok_or_else(|| TextError::Broken("a stream has no endstream".into()))?
            + start;
        if find(dict, b"/Filter").is_some() {
            compressed = true;
        } else {
            shown_strings(&rest[start..end], &mut out);
        }
        rest = &rest[end + 9..];
    }
    if out.is_empty() && compressed {
        return Err(TextError::Compressed);
    }
    Ok(out)
}

/// The string operands of a content stream (text operators take only strings and numbers, and
/// the sandbox's and most generators' streams hold nothing else in parentheses or angle brackets).
fn shown_strings(stream: &[u8], out: &mut Vec<String>) {
    let mut i = 0;
    while i < stream.len() {
        match stream[i] {
            b'(' => {
                let mut depth = 1;
                let mut s = Vec::new();
                i += 1;
                while i < stream.len() && depth > 0 {
                    match stream[i] {
                        b'\\' if i + 1 < stream.len() => {
                            i += 1;
                            let c = stream[i];
                            if (b'0'..=b'7').contains(&c) {
                                let mut v: u32 = 0;
                                let mut n = 0;
                                while n < 3
                                    && i < stream.len()
                                    && (b'0'..=b'7').contains(&stream[i])
                                {
                                    v = v * 8 + u32::from(stream[i] - b'0');
                                    i += 1;
                                    n += 1;
                                }
                                i -= 1;
                                s.push(u8::try_from(v & 0xff).unwrap_or(b'?'));
                            } else {
                                s.push(match c {
                                    b'n' => b'\n',
                                    b'r' => b'\r',
                                    b't' => b'\t',
                                    other => other,
                                });
                            }
                        }
                        b'(' => {
                            depth += 1;
                            s.push(b'(');
                        }
                        b')' => {
                            depth -= 1;
                            if depth > 0 {
                                s.push(b')');
                            }
                        }
                        c => s.push(c),
                    }
                    i += 1;
                }
                out.push(win_ansi_decode(&s));
            }
            b'<' if stream.get(i + 1) != Some(&b'<') => {
                let end = stream[i..]
                    .iter()
                    .position(|&c| c == b'>')
                    .map_or(stream.len(), |p| p + i);
                let hex: Vec<u8> = stream[i + 1..end]
                    .iter()
                    .copied()
                    .filter(u8::is_ascii_hexdigit)
                    .collect();
                let s: Vec<u8> = hex
                    .chunks(2)
                    .filter_map(|p| {
                        let p = if p.len() == 1 {
                            [p[0], b'0']
                        } else {
                            [p[0], p[1]]
                        };
                        u8::from_str_radix(std::str::from_utf8(&p).ok()?, 16).ok()
                    })
                    .collect();
                out.push(win_ansi_decode(&s));
                i = end + 1;
            }
            _ => i += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datagen::media::pdf::Report;

    #[test]
    fn the_words_of_a_report_are_found() {
        let mut r = Report::new("Relatório");
        r.section("Titular")
            .field("Nome", "João da Conceição")
            .field("CPF", "***.982.247-**");
        let words = text(&r.render()).unwrap();
        assert!(words.iter().any(|w| w == "João da Conceição"), "{words:?}");
        assert!(words.iter().any(|w| w == "***.982.247-**"));
    }

    #[test]
    fn compressed_and_broken_documents_are_told_apart() {
        let compressed = b"%PDF-1.7\n1 0 obj <</Length 3 /Filter /FlateDecode>> stream\nxyz\nendstream endobj\n%%EOF";
        assert_eq!(text(compressed), Err(TextError::Compressed));
        assert!(matches!(
            text(b"{\"json\": true}"),
            Err(TextError::Broken(_))
        ));
        let hex = b"%PDF-1.4\n1 0 obj <</Length 9>> stream\n<414243> Tj [(D) 5 (E)] TJ\nendstream";
        assert_eq!(text(hex).unwrap(), vec!["ABC", "D", "E"]);
    }
}
