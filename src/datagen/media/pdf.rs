//! Real PDF documents: a report of titled sections of label/value lines on A4 pages, set in the
//! standard Helvetica faces with WinAnsi encoding (every PDF reader has them, and WinAnsi holds every
//! Portuguese letter: ç, ã, õ, é, ê, á, ó, ú, í, à). Long reports flow onto as many pages as needed;
//! long values wrap. A family can build its own reports with [`Report`]; documents of no family get
//! one from their generated body ([`Report::from_value`]).
//!
//! Content streams are left uncompressed: the reports are small, and a test (or a curious user)
//! can read the text straight from the bytes.

use pdf_writer::{Content, Date, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use serde_json::Value;

/// A4 in points.
const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 50.0;
/// Where values start: labels live in the column to the left of it.
const VALUE_X: f32 = 230.0;
const BODY_SIZE: f32 = 10.0;
const LEADING: f32 = 14.0;
const FOOTER_Y: f32 = 30.0;

const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// One line of a section.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// A label and its value, in two columns.
    Field { label: String, value: String },
    /// A paragraph across the whole width.
    Text(String),
}

/// A titled group of lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub title: String,
    pub lines: Vec<Line>,
}

impl Section {
    /// Adds a label/value line.
    pub fn field(&mut self, label: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.lines.push(Line::Field {
            label: label.into(),
            value: value.into(),
        });
        self
    }

    /// Adds a paragraph.
    pub fn text(&mut self, text: impl Into<String>) -> &mut Self {
        self.lines.push(Line::Text(text.into()));
        self
    }
}

/// A document of titled sections, rendered to PDF bytes by [`Report::render`].
///
/// ```
/// use finsandbox::datagen::media::pdf::Report;
/// let mut report = Report::new("Relatório de verificação");
/// report.section("Titular").field("Nome", "João da Conceição").field("CPF", "529.982.247-25");
/// let bytes = report.render();
/// assert!(bytes.starts_with(b"%PDF-"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub title: String,
    pub subtitle: Option<String>,
    /// `(year, month 1-12, day)`, shown in the document's metadata.
    pub date: Option<(u16, u8, u8)>,
    pub sections: Vec<Section>,
}

impl Report {
    pub fn new(title: impl Into<String>) -> Report {
        Report {
            title: title.into(),
            subtitle: None,
            date: None,
            sections: Vec::new(),
        }
    }

    pub fn with_subtitle(mut self, subtitle: impl Into<String>) -> Report {
        self.subtitle = Some(subtitle.into());
        self
    }

    pub fn with_date(mut self, year: u16, month: u8, day: u8) -> Report {
        self.date = Some((year, month, day));
        self
    }

    /// Starts a new section and returns it for filling.
    pub fn section(&mut self, title: impl Into<String>) -> &mut Section {
        self.sections.push(Section {
            title: title.into(),
            lines: Vec::new(),
        });
        let last = self.sections.len() - 1;
        &mut self.sections[last]
    }

    /// A report of a JSON value: scalar fields of the top level in a first section, each nested
    /// object in a section of its own (titled by its path), each item of a list of objects too.
    pub fn from_value(title: impl Into<String>, value: &Value) -> Report {
        let mut report = Report::new(title);
        let mut sections: Vec<Section> = Vec::new();
        flatten_into(&mut sections, "Resumo", value);
        report.sections = sections
            .into_iter()
            .filter(|s| !s.lines.is_empty())
            .collect();
        if report.sections.is_empty() {
            report.section("Resumo").text("Nenhum dado.");
        }
        report
    }

    /// The PDF bytes.
    pub fn render(&self) -> Vec<u8> {
        let pages = self.layout();
        write_pdf(self, &pages)
    }

    /// Every string the report shows, in reading order: what a text extractor must find.
    pub fn visible_text(&self) -> Vec<String> {
        let mut out = vec![self.title.clone()];
        out.extend(self.subtitle.clone());
        for s in &self.sections {
            out.push(s.title.clone());
            for l in &s.lines {
                match l {
                    Line::Field { label, value } => {
                        out.push(label.clone());
                        out.push(value.clone());
                    }
                    Line::Text(t) => out.push(t.clone()),
                }
            }
        }
        out
    }

    /// Places every piece of text on a page, breaking pages where the next line would not fit.
    fn layout(&self) -> Vec<Vec<Placed>> {
        let mut pages: Vec<Vec<Placed>> = vec![Vec::new()];
        let mut y = PAGE_HEIGHT - MARGIN;
        let bottom = MARGIN + 10.0;
        let place = |pages: &mut Vec<Vec<Placed>>, y: &mut f32, need: f32| {
            if *y - need < bottom {
                pages.push(Vec::new());
                *y = PAGE_HEIGHT - MARGIN;
            }
        };
        let width = PAGE_WIDTH - 2.0 * MARGIN;

        for line in wrap(&self.title, 16.0, width, true) {
            place(&mut pages, &mut y, 20.0);
            y -= 20.0;
            push(&mut pages, Placed::text(MARGIN, y, 16.0, true, line));
        }
        if let Some(sub) = &self.subtitle {
            for line in wrap(sub, BODY_SIZE, width, false) {
                place(&mut pages, &mut y, LEADING);
                y -= LEADING;
                push(&mut pages, Placed::text(MARGIN, y, BODY_SIZE, false, line));
            }
        }
        y -= 6.0;
        for section in &self.sections {
            // A section title never ends a page alone: keep room for it and one line.
            place(&mut pages, &mut y, 22.0 + LEADING);
            y -= 22.0;
            push(
                &mut pages,
                Placed::text(MARGIN, y, 12.0, true, section.title.clone()),
            );
            push(
                &mut pages,
                Placed::rule(MARGIN, y - 4.0, PAGE_WIDTH - MARGIN),
            );
            y -= 6.0;
            for l in &section.lines {
                match l {
                    Line::Field { label, value } => {
                        let labels = wrap(label, BODY_SIZE, VALUE_X - MARGIN - 10.0, true);
                        let values = wrap(value, BODY_SIZE, PAGE_WIDTH - MARGIN - VALUE_X, false);
                        let rows = labels.len().max(values.len()).max(1);
                        for i in 0..rows {
                            place(&mut pages, &mut y, LEADING);
                            y -= LEADING;
                            if let Some(l) = labels.get(i) {
                                push(
                                    &mut pages,
                                    Placed::text(MARGIN, y, BODY_SIZE, true, l.clone()),
                                );
                            }
                            if let Some(v) = values.get(i) {
                                push(
                                    &mut pages,
                                    Placed::text(VALUE_X, y, BODY_SIZE, false, v.clone()),
                                );
                            }
                        }
                    }
                    Line::Text(t) => {
                        for line in wrap(t, BODY_SIZE, width, false) {
                            place(&mut pages, &mut y, LEADING);
                            y -= LEADING;
                            push(&mut pages, Placed::text(MARGIN, y, BODY_SIZE, false, line));
                        }
                    }
                }
            }
        }
        pages
    }
}

fn push(pages: &mut [Vec<Placed>], p: Placed) {
    if let Some(last) = pages.last_mut() {
        last.push(p);
    }
}

/// Something drawn at a position of a page.
enum Placed {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
    },
}

impl Placed {
    fn text(x: f32, y: f32, size: f32, bold: bool, text: String) -> Placed {
        Placed::Text {
            x,
            y,
            size,
            bold,
            text,
        }
    }

    fn rule(x1: f32, y: f32, x2: f32) -> Placed {
        Placed::Rule { x1, x2, y }
    }
}

fn write_pdf(report: &Report, pages: &[Vec<Placed>]) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let first_page = 6;
    let page_ref = |i: usize| Ref::new(first_page + 2 * i as i32);
    let content_ref = |i: usize| Ref::new(first_page + 2 * i as i32 + 1);

    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids((0..pages.len()).map(page_ref))
        .count(pages.len() as i32);
    for (id, face) in [
        (regular, b"Helvetica".as_slice()),
        (bold, b"Helvetica-Bold"),
    ] {
        pdf.type1_font(id)
            .base_font(Name(face))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    {
        let mut doc_info = pdf.document_info(info);
        doc_info.title(TextStr(&report.title));
        doc_info.producer(TextStr(concat!("finsandbox ", env!("CARGO_PKG_VERSION"))));
        if let Some((y, m, d)) = report.date {
            doc_info.creation_date(Date::new(y).month(m.clamp(1, 12)).day(d.clamp(1, 31)));
        }
        doc_info.finish();
    }

    let total = pages.len();
    for (i, items) in pages.iter().enumerate() {
        let mut page = pdf.page(page_ref(i));
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
        page.parent(tree);
        page.contents(content_ref(i));
        {
            let mut resources = page.resources();
            let mut fonts = resources.fonts();
            fonts.pair(REGULAR, regular);
            fonts.pair(BOLD, bold);
        }
        page.finish();

        let mut content = Content::new();
        for item in items {
            match item {
                Placed::Text {
                    x,
                    y,
                    size,
                    bold,
                    text,
                } => {
                    let bytes = win_ansi(text);
                    content.begin_text();
                    content.set_font(if *bold { BOLD } else { REGULAR }, *size);
                    content.next_line(*x, *y);
                    content.show(Str(&bytes));
                    content.end_text();
                }
                Placed::Rule { x1, x2, y } => {
                    content.set_line_width(0.5);
                    content.set_stroke_gray(0.6);
                    content.move_to(*x1, *y);
                    content.line_to(*x2, *y);
                    content.stroke();
                }
            }
        }
        let footer = format!(
            "Página {} de {} - dados fictícios gerados pelo finsandbox",
            i + 1,
            total
        );
        content.begin_text();
        content.set_font(REGULAR, 8.0);
        content.next_line(MARGIN, FOOTER_Y);
        content.show(Str(&win_ansi(&footer)));
        content.end_text();
        pdf.stream(content_ref(i), &content.finish());
    }
    pdf.finish()
}

/// Encodes text in WinAnsi (Windows-1252), the encoding the standard fonts are told to use. Letters
/// it lacks are transliterated (`ł` -> `l`) rather than dropped.
pub fn win_ansi(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match win_ansi_byte(c) {
            Some(b) => out.push(b),
            None => {
                let ascii = deunicode::deunicode_char(c).unwrap_or("?");
                out.extend(ascii.bytes().filter(|b| (0x20..0x7f).contains(b)));
            }
        }
    }
    out
}

/// The byte of `c` in WinAnsi, if it has one.
fn win_ansi_byte(c: char) -> Option<u8> {
    let code = c as u32;
    match code {
        0x20..=0x7e | 0xa0..=0xff => Some(code as u8),
        _ => WIN_ANSI_HIGH.iter().find(|(u, _)| *u == c).map(|(_, b)| *b),
    }
}

/// The characters WinAnsi places in 0x80-0x9F, where Latin-1 has control codes.
const WIN_ANSI_HIGH: &[(char, u8)] = &[
    ('€', 0x80),
    ('‚', 0x82),
    ('ƒ', 0x83),
    ('„', 0x84),
    ('…', 0x85),
    ('†', 0x86),
    ('‡', 0x87),
    ('ˆ', 0x88),
    ('‰', 0x89),
    ('Š', 0x8a),
    ('‹', 0x8b),
    ('Œ', 0x8c),
    ('Ž', 0x8e),
    ('\u{2018}', 0x91),
    ('\u{2019}', 0x92),
    ('\u{201c}', 0x93),
    ('\u{201d}', 0x94),
    ('•', 0x95),
    ('–', 0x96),
    ('—', 0x97),
    ('˜', 0x98),
    ('™', 0x99),
    ('š', 0x9a),
    ('›', 0x9b),
    ('œ', 0x9c),
    ('ž', 0x9e),
    ('Ÿ', 0x9f),
];

/// Decodes WinAnsi bytes back to text (what a reader shows); the inverse of [`win_ansi`].
pub fn win_ansi_decode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9f => WIN_ANSI_HIGH
                .iter()
                .find(|(_, x)| *x == b)
                .map(|(c, _)| *c)
                .unwrap_or('?'),
            _ => char::from(b),
        })
        .collect()
}

/// Approximate advance width of `c` in Helvetica, in thousandths of the font size. Accented
/// letters are as wide as their base letter. Only used to wrap lines, so close is good enough;
/// bold text is measured 10% wider.
fn glyph_width(c: char) -> u32 {
    let base = deunicode::deunicode_char(c)
        .and_then(|s| s.chars().next())
        .unwrap_or('n');
    match base {
        ' ' | '!' | ',' | '.' | '/' | ':' | ';' | '[' | ']' | '\\' | 'I' | 'f' | 't' => 278,
        'i' | 'j' | 'l' => 222,
        '\'' => 191,
        '|' => 260,
        '"' => 355,
        '(' | ')' | '-' | '`' | 'r' => 333,
        '{' | '}' => 334,
        '*' => 389,
        '^' => 469,
        'J' | 'c' | 'k' | 's' | 'v' | 'x' | 'y' | 'z' => 500,
        '+' | '<' | '=' | '>' | '~' => 584,
        'F' | 'T' | 'Z' => 611,
        'A' | 'B' | 'E' | 'K' | 'P' | 'S' | 'V' | 'X' | 'Y' => 667,
        'C' | 'D' | 'H' | 'N' | 'R' | 'U' | 'w' => 722,
        'G' | 'O' | 'Q' => 778,
        'M' | 'm' => 833,
        '%' => 889,
        'W' => 944,
        '@' => 1015,
        _ => 556,
    }
}

fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    let units: u32 = text.chars().map(glyph_width).sum();
    let w = units as f32 * size / 1000.0;
    if bold { w * 1.1 } else { w }
}

/// Splits `text` into lines no wider than `width`, at spaces; a word wider than a line is cut.
fn wrap(text: &str, size: f32, width: f32, bold: bool) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, size, bold) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word longer than the line (a token, a URL) is cut where it stops fitting.
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if text_width(&piece, size, bold) > width {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        lines.push(line);
    }
    while lines.len() > 1 && lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

/// `postalCode` -> `Postal code`, `created_at` -> `Created at`.
pub fn humanize(key: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if c == '_' || c == '-' || c == '.' || c == ' ' {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        // Acronyms (`CPF`, `ID`) stay as written.
        let acronym = w.chars().count() > 1 && w.chars().all(|c| !c.is_lowercase());
        if i == 0 {
            let mut chars = w.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                if acronym {
                    out.push_str(chars.as_str());
                } else {
                    out.push_str(&chars.as_str().to_lowercase());
                }
            }
        } else if acronym {
            out.push_str(w);
        } else {
            out.push_str(&w.to_lowercase());
        }
    }
    out
}

/// How a scalar reads on paper.
fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "Sim".into(),
        Value::Bool(false) => "Não".into(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn flatten_into(sections: &mut Vec<Section>, title: &str, value: &Value) {
    let index = sections.len();
    sections.push(Section {
        title: title.to_string(),
        lines: Vec::new(),
    });
    match value {
        Value::Object(map) => {
            let mut nested: Vec<(String, &Value)> = Vec::new();
            for (k, v) in map {
                match v {
                    Value::Object(_) => nested.push((humanize(k), v)),
                    Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
                        nested.push((humanize(k), v))
                    }
                    Value::Array(items) => {
                        let joined = items.iter().map(scalar_text).collect::<Vec<_>>().join(", ");
                        sections[index].field(humanize(k), joined);
                    }
                    scalar => {
                        sections[index].field(humanize(k), scalar_text(scalar));
                    }
                }
            }
            for (k, v) in nested {
                let sub = if title == "Resumo" {
                    k
                } else {
                    format!("{title} / {k}")
                };
                flatten_into(sections, &sub, v);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::Object(_) | Value::Array(_) => {
                        flatten_into(sections, &format!("{title} {}", i + 1), item)
                    }
                    scalar => {
                        sections[index].field(format!("{}", i + 1), scalar_text(scalar));
                    }
                }
            }
        }
        scalar => {
            sections[index].text(scalar_text(scalar));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn portuguese_letters_have_win_ansi_bytes() {
        let bytes = win_ansi("Ação São João ÉÊÍÓÚÇ ü – “x”");
        assert_eq!(win_ansi_decode(&bytes), "Ação São João ÉÊÍÓÚÇ ü – “x”");
        assert_eq!(win_ansi("€"), vec![0x80]);
        // Letters WinAnsi lacks are transliterated, not dropped.
        assert_eq!(win_ansi_decode(&win_ansi("Łódź")), "Lódz");
    }

    #[test]
    fn long_values_wrap_within_the_column() {
        let text = "palavra ".repeat(60);
        let lines = wrap(&text, BODY_SIZE, 300.0, false);
        assert!(lines.len() > 3);
        assert!(
            lines
                .iter()
                .all(|l| text_width(l, BODY_SIZE, false) <= 300.0)
        );
        let token = "x".repeat(400);
        assert!(wrap(&token, BODY_SIZE, 100.0, false).len() > 10);
    }

    #[test]
    fn long_reports_take_several_pages() {
        let mut r = Report::new("Extrato");
        let s = r.section("Lançamentos");
        for i in 0..200 {
            s.field(format!("Lançamento {i}"), "R$ 1.234,56");
        }
        assert!(r.layout().len() >= 3);
    }

    #[test]
    fn keys_are_humanized() {
        assert_eq!(humanize("postalCode"), "Postal code");
        assert_eq!(humanize("created_at"), "Created at");
        assert_eq!(humanize("nationalID"), "National ID");
        assert_eq!(humanize("CPF"), "CPF");
    }

    #[test]
    fn a_value_becomes_sections() {
        let r = Report::from_value(
            "Verificação",
            &json!({"id": "a", "ok": true, "person": {"name": "Ana"}, "tags": ["x", "y"],
                    "items": [{"n": 1}, {"n": 2}]}),
        );
        let titles: Vec<&str> = r.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles, ["Resumo", "Person", "Items 1", "Items 2"]);
        assert_eq!(
            r.sections[0].lines[1],
            Line::Field {
                label: "Ok".into(),
                value: "Sim".into()
            }
        );
    }
}
