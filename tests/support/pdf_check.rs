//! A PDF reader's first steps, enough to judge the sandbox's PDFs without a reader crate: the
//! header, the cross-reference table (every offset must land on its object), the trailer's catalog,
//! the page tree's count, and the text shown by each content stream (`(..) Tj` and `<..> Tj`,
//! decoded from WinAnsi).

use finsandbox::datagen::media::pdf::win_ansi_decode;

pub struct PdfView {
    pub pages: usize,
    /// Every string shown, in stream order.
    pub text: Vec<String>,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

pub fn parse(bytes: &[u8]) -> Result<PdfView, String> {
    if !bytes.starts_with(b"%PDF-1.") {
        return Err("no %PDF-1.x header".into());
    }
    let startxref = rfind(bytes, b"startxref").ok_or("no startxref")?;
    let tail = String::from_utf8_lossy(&bytes[startxref + 9..]);
    let mut tail_lines = tail.split_whitespace();
    let xref_at: usize = tail_lines
        .next()
        .ok_or("no xref offset")?
        .parse()
        .map_err(|_| "bad xref offset")?;
    if tail_lines.next() != Some("%%EOF") {
        return Err("no %%EOF after startxref".into());
    }
    if bytes.get(xref_at..xref_at + 4) != Some(b"xref".as_slice()) {
        return Err(format!(
            "startxref {xref_at} does not point at an xref table"
        ));
    }
    let table = String::from_utf8_lossy(&bytes[xref_at..startxref]);
    let mut lines = table.lines().skip(1);
    let header = lines.next().ok_or("empty xref")?;
    let mut parts = header.split_whitespace();
    let first: usize = parts
        .next()
        .and_then(|x| x.parse().ok())
        .ok_or("bad xref header")?;
    let count: usize = parts
        .next()
        .and_then(|x| x.parse().ok())
        .ok_or("bad xref header")?;
    let mut objects = std::collections::HashMap::new();
    for (i, line) in lines.take(count).enumerate() {
        let mut f = line.split_whitespace();
        let offset: usize = f
            .next()
            .and_then(|x| x.parse().ok())
            .ok_or("bad xref entry")?;
        let _gen = f.next();
        if f.next() == Some("n") {
            let id = first + i;
            let expect = format!("{id} 0 obj");
            if bytes.get(offset..offset + expect.len()) != Some(expect.as_bytes()) {
                return Err(format!(
                    "xref entry of object {id} points at offset {offset}, not at it"
                ));
            }
            objects.insert(id, offset);
        }
    }
    let trailer = String::from_utf8_lossy(
        &bytes[find(&bytes[xref_at..], b"trailer").ok_or("no trailer")? + xref_at..startxref],
    )
    .to_string();
    let root: usize = trailer
        .split("/Root")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|r| r.parse().ok())
        .ok_or("trailer has no /Root")?;
    let body_of = |id: usize| -> Result<String, String> {
        let at = *objects
            .get(&id)
            .ok_or(format!("object {id} is not in the xref"))?;
        let end = find(&bytes[at..], b"endobj").ok_or("object without endobj")? + at;
        Ok(String::from_utf8_lossy(&bytes[at..end]).to_string())
    };
    let catalog = body_of(root)?;
    if !catalog.contains("/Type /Catalog") {
        return Err("/Root is not a catalog".into());
    }
    let pages_id: usize = catalog
        .split("/Pages")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|r| r.parse().ok())
        .ok_or("catalog without /Pages")?;
    let tree = body_of(pages_id)?;
    let pages: usize = tree
        .split("/Count")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|r| r.parse().ok())
        .ok_or("page tree without /Count")?;
    let kids = tree.matches(" 0 R").count();
    if kids != pages {
        return Err(format!("/Count {pages} but {kids} kids"));
    }

    let mut text = Vec::new();
    let mut rest = bytes;
    while let Some(s) = find(rest, b"stream\n") {
        let start = s + 7;
        let end = find(&rest[start..], b"endstream").ok_or("stream without endstream")? + start;
        shown_strings(&rest[start..end], &mut text);
        rest = &rest[end + b"endstream".len()..];
    }
    Ok(PdfView { pages, text })
}

/// The operands of `Tj` in a content stream.
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
                            if c.is_ascii_digit() {
                                let digits: Vec<u8> = stream[i..]
                                    .iter()
                                    .take(3)
                                    .take_while(|d| d.is_ascii_digit())
                                    .copied()
                                    .collect();
                                let v = u8::from_str_radix(
                                    std::str::from_utf8(&digits).unwrap_or("0"),
                                    8,
                                )
                                .unwrap_or(0);
                                i += digits.len() - 1;
                                s.push(v);
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
            b'<' => {
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
                    .filter_map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
                    .collect();
                out.push(win_ansi_decode(&s));
                i = end + 1;
            }
            _ => i += 1,
        }
    }
}
