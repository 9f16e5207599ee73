//! Masks personal data (LGPD) in a report before it is written anywhere.
//!
//! Reports are attached to CI runs and sent to providers, and evidence holds real customers'
//! data when the target is a participant's own implementation. So every string in the report is
//! masked by default; the CLI skips this pass only with `--show-pii`.
//!
//! Two mechanisms work together:
//! - **by value pattern**, in any text: CPF and CNPJ (formatted or not, numeric or alphanumeric),
//!   e-mail addresses and Brazilian phone numbers. UUIDs and timestamps are left alone, and digit
//!   runs only count when they stand alone, so ids and dates stay readable.
//! - **by field name**, in JSON bodies: names, e-mails, documents, phone numbers, street
//!   addresses and credentials. The original values found this way are then also masked where
//!   the same failure quotes them in its message, expected/actual or findings, since validators
//!   echo the offending value ("\"Maria ...\" is longer than 80 characters").
//!
//! Masks keep enough to debug: the last two digits of documents and phones, the first letter of
//! each name word, the first letter of an e-mail's user and domain plus its public suffix.
//! Masking is idempotent: masking masked text changes nothing.

use super::model::{Exchange, Failure, RunReport};
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

/// Values never touched by pattern masking, because their digit runs are not documents.
static PROTECTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        r"|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?",
    ))
    .expect("protected-span regex is valid")
});

static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([A-Za-z0-9._%+-]+)(@|%40)([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")
        .expect("e-mail regex is valid")
});

/// Candidates for CPF/CNPJ, longest forms first so that leftmost-first matching prefers them.
static DOCUMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"[0-9A-Z]{2}\.[0-9A-Z]{3}\.[0-9A-Z]{3}/[0-9A-Z]{4}-[0-9]{2}",
        r"|[0-9]{3}\.[0-9]{3}\.[0-9]{3}-[0-9]{2}",
        r"|[0-9]{14}",
        r"|[0-9A-Z]{12}[0-9]{2}",
        r"|[0-9]{11}",
    ))
    .expect("document regex is valid")
});

/// Brazilian phone numbers written with some punctuation. Bare 8-9 digit runs are deliberately
/// not phones here (ISPB codes and amounts look the same); JSON phone fields are masked by name.
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\+55[ .-]?\(?[0-9]{2}\)?[ .-]?9?[0-9]{4}[ .-]?[0-9]{4}",
        r"|\([0-9]{2}\)[ .-]?9?[0-9]{4}[ .-]?[0-9]{4}",
        r"|[0-9]{2}[ .]9?[0-9]{4}-[0-9]{4}",
        r"|9[0-9]{4}-[0-9]{4}",
        r"|[2-5][0-9]{3}-[0-9]{4}",
    ))
    .expect("phone regex is valid")
});

/// JSON fields that hold a person's or a company's name. `brandName` is absent on purpose: it is
/// the institution's brand, which the reader needs to see.
const NAME_FIELDS: &[&str] = &[
    "civilname",
    "socialname",
    "registername",
    "mothername",
    "fathername",
    "fullname",
    "name",
    "companyname",
    "tradename",
    "employername",
    "address",
];

const DOCUMENT_FIELDS: &[&str] = &[
    "document",
    "documentnumber",
    "taxid",
    "taxnumber",
    "nationalid",
    "passportnumber",
];

const CREDENTIAL_FIELDS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "password",
    "authorization",
    "cookie",
    "set-cookie",
    "proxy-authorization",
    "x-api-key",
    "api_key",
    "apikey",
];

/// Masks personal data everywhere in the report, in place.
pub fn mask_pii(report: &mut RunReport) {
    report.target = mask_text(&report.target);
    for feature in &mut report.features {
        feature.name = mask_text(&feature.name);
        for scenario in &mut feature.scenarios {
            scenario.name = mask_text(&scenario.name);
            mask_option(&mut scenario.skip_reason);
            mask_option(&mut scenario.waiver);
            for step in &mut scenario.steps {
                step.text = mask_text(&step.text);
                if let Some(failure) = &mut step.failure {
                    mask_failure(failure);
                }
            }
        }
    }
}

fn mask_option(text: &mut Option<String>) {
    if let Some(t) = text {
        *t = mask_text(t);
    }
}

/// Masks a failure; values found in the evidence by field name are masked in its texts too.
pub fn mask_failure(failure: &mut Failure) {
    let mut literals = Vec::new();
    if let Some(ex) = &mut failure.evidence {
        mask_exchange(ex, &mut literals);
    }
    for text in [&mut failure.expected, &mut failure.actual]
        .into_iter()
        .flatten()
    {
        *text = mask_body_collecting(text, &mut literals);
    }
    // Longest first, so "Maria Conceição da Silva" is replaced whole before "Maria" alone.
    // Ties sorted by text so that duplicates sit together for `dedup_by`.
    literals.sort_by(|a, b| {
        (b.0.chars().count())
            .cmp(&a.0.chars().count())
            .then_with(|| a.0.cmp(&b.0))
    });
    literals.dedup_by(|a, b| a.0 == b.0);
    let apply = |text: &str| mask_text(&replace_literals(text, &literals));
    failure.message = apply(&failure.message);
    for text in [&mut failure.expected, &mut failure.actual]
        .into_iter()
        .flatten()
    {
        *text = apply(text);
    }
    for finding in &mut failure.findings {
        finding.message = apply(&finding.message);
    }
}

fn mask_exchange(ex: &mut Exchange, literals: &mut Vec<(String, String)>) {
    ex.request.url = mask_text(&ex.request.url);
    mask_headers(&mut ex.request.headers);
    if let Some(body) = &mut ex.request.body {
        *body = mask_body_collecting(body, literals);
    }
    if let Some(resp) = &mut ex.response {
        mask_headers(&mut resp.headers);
        if let Some(body) = &mut resp.body {
            *body = mask_body_collecting(body, literals);
        }
    }
}

fn mask_headers(headers: &mut [(String, String)]) {
    for (name, value) in headers {
        *value = if is_credential_field(name) {
            mask_credential(value)
        } else {
            mask_text(value)
        };
    }
}

/// Masks a body: structurally when it is JSON, as text otherwise.
///
/// A JSON body is re-serialised only when something in it was masked, so bodies without personal
/// data stay byte-for-byte what the target sent (re-serialising can change number spelling such
/// as `1.10`).
pub fn mask_body(body: &str) -> String {
    mask_body_collecting(body, &mut Vec::new())
}

fn mask_body_collecting(body: &str, literals: &mut Vec<(String, String)>) -> String {
    let looks_json = body.trim_start().starts_with(['{', '[']);
    let parsed = looks_json
        .then(|| serde_json::from_str::<Value>(body).ok())
        .flatten();
    let Some(mut value) = parsed else {
        return mask_text(body);
    };
    let mut changed = false;
    mask_json(&mut value, Context::default(), literals, &mut changed);
    if !changed {
        return body.to_owned();
    }
    let out = if body.trim().contains('\n') {
        serde_json::to_string_pretty(&value)
    } else {
        serde_json::to_string(&value)
    };
    out.unwrap_or_else(|_| mask_text(body))
}

/// What the enclosing keys say about the value below them.
#[derive(Clone, Copy, Default, PartialEq, Debug)]
enum Context {
    #[default]
    Plain,
    /// A phone value, or a group of phones whose `number` fields are phones.
    Phone,
    /// A document value, or a group of documents (`otherDocuments`) whose `number` is one.
    Document,
    /// A name: every string below is masked word by word (covers `"name": {"first": ...}`).
    Name,
    /// An e-mail, or an e-mail object whose `address`/`value` is one.
    Email,
    /// A secret: every string below is masked.
    Credential,
}

/// What a key says by itself, regardless of where it sits.
fn classify_key(key: &str) -> Option<Context> {
    let k = key.to_ascii_lowercase();
    // `documentType: "CPF"`, `phoneType: "MOVEL"`: descriptors of personal data, not the data.
    if k.ends_with("type") || k.ends_with("status") {
        return None;
    }
    if is_credential_field(&k) {
        Some(Context::Credential)
    } else if k.contains("email") {
        Some(Context::Email)
    } else if NAME_FIELDS.contains(&k.as_str()) {
        Some(Context::Name)
    } else if k.contains("cpf")
        || k.contains("cnpj")
        || k.contains("document")
        || DOCUMENT_FIELDS.contains(&k.as_str())
    {
        Some(Context::Document)
    } else if k.contains("phone") || k.contains("mobile") {
        Some(Context::Phone)
    } else {
        None
    }
}

/// Context of the value under `key` inside an object that sits in `parent` context.
fn field_context(key: &str, parent: Context) -> Context {
    let k = key.to_ascii_lowercase();
    match parent {
        Context::Name | Context::Credential => return parent,
        Context::Email if k == "address" || k == "value" => return parent,
        Context::Phone | Context::Document if k == "number" || k == "value" => return parent,
        _ => {}
    }
    classify_key(key).unwrap_or(Context::Plain)
}

fn mask_json(
    value: &mut Value,
    ctx: Context,
    literals: &mut Vec<(String, String)>,
    changed: &mut bool,
) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                mask_json(child, field_context(key, ctx), literals, changed);
            }
        }
        // A list keeps its key's meaning: `phones: ["..."]` holds phones.
        Value::Array(items) => {
            for item in items {
                mask_json(item, ctx, literals, changed);
            }
        }
        Value::String(s) => {
            let masked = if ctx == Context::Plain {
                mask_text(s)
            } else {
                let masked = mask_by_context(s, ctx);
                if masked != *s && s.chars().count() >= 3 {
                    literals.push((s.clone(), masked.clone()));
                }
                masked
            };
            if masked != *s {
                *s = masked;
                *changed = true;
            }
        }
        // Documents and phones sometimes travel as JSON numbers; the mask is a string then.
        Value::Number(n) if matches!(ctx, Context::Phone | Context::Document) => {
            let original = n.to_string();
            let masked = mask_by_context(&original, ctx);
            if masked != original {
                literals.push((original, masked.clone()));
                *value = Value::String(masked);
                *changed = true;
            }
        }
        _ => {}
    }
}

fn mask_by_context(value: &str, ctx: Context) -> String {
    match ctx {
        Context::Name => mask_words(value),
        Context::Email => {
            let masked = mask_emails(value);
            if masked == value && !value.contains("***") {
                mask_words(value)
            } else {
                masked
            }
        }
        Context::Document => mask_document(value),
        Context::Phone => mask_digits_keep_format(value, 2),
        Context::Credential => mask_credential(value),
        Context::Plain => mask_text(value),
    }
}

fn is_credential_field(key: &str) -> bool {
    CREDENTIAL_FIELDS
        .iter()
        .any(|c| key.eq_ignore_ascii_case(c))
}

/// Masks personal data found by pattern in free text: e-mails, CPF/CNPJ and phone numbers.
pub fn mask_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in PROTECTED.find_iter(text) {
        out.push_str(&mask_unprotected(&text[last..m.start()]));
        out.push_str(m.as_str());
        last = m.end();
    }
    out.push_str(&mask_unprotected(&text[last..]));
    out
}

fn mask_unprotected(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let text = mask_emails(text);
    let text = replace_bounded(&text, &DOCUMENT, |m| {
        let alnum: String = m.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let has_letter = alnum.chars().any(|c| c.is_ascii_uppercase());
        let formatted = m.len() != alnum.len();
        // An unformatted 14-character run with letters is only a CNPJ if its check digits say
        // so; otherwise upper-case codes and identifiers would be masked.
        if has_letter && !formatted && !cnpj_check_digits_ok(&alnum) {
            return None;
        }
        Some(mask_document(&alnum))
    });
    replace_bounded(&text, &PHONE, |m| Some(mask_digits_keep_format(m, 2)))
}

/// Applies `f` to each match of `re` that stands alone (no ASCII letter or digit touching it on
/// either side), because a regex without look-around cannot say "not part of a longer token".
fn replace_bounded(text: &str, re: &Regex, f: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut pos = 0;
    while pos < text.len() {
        let Some(m) = re.find_at(text, pos) else {
            break;
        };
        let before_ok = !text[..m.start()]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        let after_ok = !text[m.end()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        let replacement = if before_ok && after_ok {
            f(m.as_str())
        } else {
            None
        };
        match replacement {
            Some(r) => {
                out.push_str(&text[copied..m.start()]);
                out.push_str(&r);
                copied = m.end();
                pos = m.end();
            }
            None => {
                // Retry one character further: a shorter alternative may stand alone there.
                pos = m.start() + text[m.start()..].chars().next().map_or(1, char::len_utf8);
            }
        }
    }
    out.push_str(&text[copied..]);
    out
}

fn mask_emails(text: &str) -> String {
    EMAIL_RE
        .replace_all(text, |caps: &regex::Captures| {
            let local = &caps[1];
            let domain = &caps[3];
            format!(
                "{}***{}{}",
                first_char(local),
                &caps[2],
                mask_domain(domain)
            )
        })
        .into_owned()
}

/// `exemplo.com.br` → `e***.com.br`, `mail.empresa.com.br` → `m***.com.br`: only the public
/// suffix survives, since inner labels can name the employer.
fn mask_domain(domain: &str) -> String {
    let labels: Vec<&str> = domain.split('.').collect();
    let n = labels.len();
    let generic = [
        "com", "org", "net", "gov", "edu", "adv", "eng", "med", "coop", "ind",
    ];
    let suffix_len = if n >= 3 && labels[n - 1].len() == 2 && generic.contains(&labels[n - 2]) {
        2
    } else {
        1
    };
    let suffix = labels[n - suffix_len..].join(".");
    format!("{}***.{}", first_char(labels[0]), suffix)
}

fn first_char(s: &str) -> &str {
    s.char_indices().nth(1).map_or(s, |(i, _)| &s[..i])
}

/// `Maria da Silva` → `M*** d*** S***`: the shape stays, the name does not.
pub fn mask_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_word = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if !in_word {
                out.push(c);
                out.push_str("***");
                in_word = true;
            }
        } else {
            // `*` is not alphanumeric, so "M***" re-masks to itself.
            if c != '*' || !in_word {
                out.push(c);
            }
            if c != '*' {
                in_word = false;
            }
        }
    }
    out
}

/// Keeps the last two characters of a document's letters and digits, without its punctuation:
/// `529.982.247-25` → `*********25`.
pub fn mask_document(value: &str) -> String {
    // `*` counts as an already-masked character so that masking twice changes nothing.
    let kept: Vec<char> = value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '*')
        .collect();
    if kept.is_empty() {
        return value.to_owned();
    }
    let keep = if kept.len() > 4 { 2 } else { 0 };
    let mut out = "*".repeat(kept.len() - keep);
    out.extend(&kept[kept.len() - keep..]);
    out
}

/// Replaces all digits but the last `keep` with `*`, keeping punctuation so a phone still reads
/// as one: `(11) 98765-4321` → `(**) *****-**21`.
pub fn mask_digits_keep_format(value: &str, keep: usize) -> String {
    let total = value.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                seen += 1;
                if seen + keep > total { c } else { '*' }
            } else {
                c
            }
        })
        .collect()
}

/// `Bearer eyJ...c2ln` → `Bearer ****c2ln`: the scheme and last four characters are enough to
/// tell tokens apart while debugging, and useless to anyone replaying them.
pub fn mask_credential(value: &str) -> String {
    let (scheme, secret) = match value.split_once(' ') {
        Some((s, rest)) if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphabetic()) => {
            (Some(s), rest.trim())
        }
        _ => (None, value.trim()),
    };
    let chars: Vec<char> = secret.chars().collect();
    let masked = if chars.len() > 12 {
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("****{tail}")
    } else {
        "****".to_owned()
    };
    match scheme {
        Some(s) => format!("{s} {masked}"),
        None => masked,
    }
}

fn replace_literals(text: &str, literals: &[(String, String)]) -> String {
    let mut out = text.to_owned();
    for (original, masked) in literals {
        if out.contains(original.as_str()) {
            out = replace_word_bounded(&out, original, masked);
        }
    }
    out
}

/// Replaces whole-word occurrences only, so a name like "Ana" does not eat into "Banana".
fn replace_word_bounded(text: &str, needle: &str, replacement: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (start, _) in text.match_indices(needle) {
        if start < copied {
            continue;
        }
        let end = start + needle.len();
        let before_ok = !text[..start]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
        let after_ok = !text[end..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric);
        if before_ok && after_ok {
            out.push_str(&text[copied..start]);
            out.push_str(replacement);
            copied = end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// CNPJ check digits, alphanumeric form included (value of a character = ASCII − 48).
fn cnpj_check_digits_ok(cnpj: &str) -> bool {
    let v: Vec<u32> = cnpj.bytes().map(|b| u32::from(b) - 48).collect();
    if v.len() != 14 || v[12] > 9 || v[13] > 9 {
        return false;
    }
    let dv = |digits: &[u32], weights: &[u32]| {
        let r = digits.iter().zip(weights).map(|(d, w)| d * w).sum::<u32>() % 11;
        if r < 2 { 0 } else { 11 - r }
    };
    let w1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
    let w2 = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
    dv(&v[..12], &w1) == v[12] && dv(&v[..13], &w2) == v[13]
}

#[cfg(test)]
mod tests {
    use super::super::testdata::*;
    use super::*;

    #[test]
    fn cpf_keeps_last_two_digits_in_any_form() {
        assert_eq!(mask_text("cpf 52998224725."), "cpf *********25.");
        assert_eq!(mask_text("CPF 529.982.247-25"), "CPF *********25");
        assert_eq!(
            mask_text("/acme/customers/52998224725/kyc"),
            "/acme/customers/*********25/kyc"
        );
    }

    #[test]
    fn cnpj_numeric_and_alphanumeric_are_masked() {
        assert_eq!(mask_text("11444777000161"), "************61");
        assert_eq!(mask_text("11.444.777/0001-61"), "************61");
        assert_eq!(mask_text("cnpj=12.ABC.345/01DE-35"), "cnpj=************35");
        assert_eq!(
            mask_text("cnpj 12ABC34501DE35 ok"),
            "cnpj ************35 ok"
        );
    }

    #[test]
    fn upper_case_codes_with_wrong_check_digits_are_not_cnpjs() {
        assert_eq!(mask_text("code ABCDEFGHIJKL12"), "code ABCDEFGHIJKL12");
    }

    #[test]
    fn uuids_timestamps_and_longer_numbers_are_left_alone() {
        let text = "id 52998224-7251-4a3e-9b2c-114447770001 at 2026-11-22T10:00:00.123Z ispb 60746948 \
                    ts 1763805600123 n 123529982247250";
        assert_eq!(mask_text(text), text);
        assert_eq!(mask_text("birthDate 1990-02-30"), "birthDate 1990-02-30");
    }

    #[test]
    fn emails_keep_initials_and_public_suffix() {
        assert_eq!(mask_text(EMAIL), "m***@e***.com.br");
        assert_eq!(
            mask_text("to: joao@mail.empresa.com.br"),
            "to: j***@m***.com.br"
        );
        assert_eq!(mask_text("q=ana%40x.io"), "q=a***%40x***.io");
    }

    #[test]
    fn phones_keep_format_and_last_two_digits() {
        assert_eq!(mask_text("+55 11 98765-4321"), "+** ** *****-**21");
        assert_eq!(mask_text("tel (11) 3456-7890"), "tel (**) ****-**90");
        assert_eq!(mask_text("cel 98765-4321"), "cel *****-**21");
    }

    #[test]
    fn masking_is_idempotent() {
        let once = mask_text(&format!("{CPF} {EMAIL} +55 11 98765-4321 {CIVIL_NAME}"));
        assert_eq!(mask_text(&once), once);
        assert_eq!(mask_words(&mask_words(CIVIL_NAME)), mask_words(CIVIL_NAME));
        let body = mask_body(&failure().evidence.unwrap().response.unwrap().body.unwrap());
        assert_eq!(mask_body(&body), body);
    }

    #[test]
    fn names_keep_first_letters() {
        assert_eq!(mask_words(CIVIL_NAME), "M*** C*** d*** S***");
        assert_eq!(
            mask_words("Av Naburo Ykesaki, 1270"),
            "A*** N*** Y***, 1***"
        );
    }

    #[test]
    fn json_body_is_masked_by_field_name_and_by_value() {
        let body = failure().evidence.unwrap().response.unwrap().body.unwrap();
        let masked: Value = serde_json::from_str(&mask_body(&body)).unwrap();
        let d = &masked["data"][0];
        assert_eq!(d["civilName"], "M*** C*** d*** S***");
        assert_eq!(d["socialName"], "M***");
        assert_eq!(d["brandName"], "Banco Exemplo");
        assert_eq!(d["cpfNumber"], "*********25");
        assert_eq!(d["companiesCnpj"][0], "************61");
        assert_eq!(d["contacts"]["emails"][0]["email"], "m***@e***.com.br");
        assert_eq!(d["contacts"]["phones"][0]["number"], "*******21");
        assert_eq!(d["contacts"]["phones"][0]["areaCode"], "11");
        assert_eq!(d["birthDate"], "1990-02-30");
        assert_eq!(d["personalId"], "578-psd-71md6971kjh-2d414");
        assert_eq!(d["updateDateTime"], "2026-11-22T10:00:00Z");
        assert_eq!(
            masked["links"]["self"],
            "http://127.0.0.1:41877/open-banking/customers/v2/personal/identifications"
        );
    }

    #[test]
    fn json_without_personal_data_is_returned_byte_for_byte() {
        let body = "{\"amount\": 1.10,  \"ispb\": \"60746948\"}";
        assert_eq!(mask_body(body), body);
    }

    #[test]
    fn pretty_json_stays_pretty_and_compact_stays_compact() {
        assert_eq!(
            mask_body(r#"{"name":"Jo Lima","cpf":52998224725}"#),
            r#"{"name":"J*** L***","cpf":"*********25"}"#
        );
        assert!(mask_body("{\n  \"name\": \"Jo Lima\"\n}").contains("\n  \"name\": \"J*** L***\""));
    }

    #[test]
    fn other_documents_and_bare_phone_lists_are_masked() {
        let body = r#"{"otherDocuments":[{"type":"PASSAPORTE","number":"FZ123456","country":"BRA"}],
                       "phones":["11987654321"],"mobilePhone":{"number":"987654321","countryCode":"55"}}"#;
        let v: Value = serde_json::from_str(&mask_body(body)).unwrap();
        assert_eq!(v["otherDocuments"][0]["number"], "******56");
        assert_eq!(v["otherDocuments"][0]["type"], "PASSAPORTE");
        assert_eq!(v["phones"][0], "*********21");
        assert_eq!(v["mobilePhone"]["number"], "*******21");
        assert_eq!(v["mobilePhone"]["countryCode"], "55");
    }

    #[test]
    fn credentials_keep_scheme_and_tail() {
        assert_eq!(
            mask_credential("Bearer eyJhbGciOiJQUzI1NiJ9.e30.c2lnbmF0dXJl"),
            "Bearer ****dXJl"
        );
        assert_eq!(mask_credential("short"), "****");
        let v: Value = serde_json::from_str(&mask_body(
            r#"{"access_token":"abcdefghijklmnopqrstuvwxyz","token_type":"Bearer"}"#,
        ))
        .unwrap();
        assert_eq!(v["access_token"], "****wxyz");
        assert_eq!(v["token_type"], "Bearer");
    }

    #[test]
    fn a_report_is_masked_everywhere() {
        let mut report = sample_report();
        report.features[0].scenarios[0].name = format!("Customer {CPF_FORMATTED} is found");
        mask_pii(&mut report);
        let json = serde_json::to_string(&report).unwrap();
        for secret in [
            CPF,
            CPF_FORMATTED,
            EMAIL,
            CIVIL_NAME,
            "eyJhbGciOiJQUzI1NiJ9",
            "987654321",
        ] {
            assert!(!json.contains(secret), "{secret} leaked");
        }
        // The finding quoted the civil name; it is masked there too because the evidence named it.
        let failure = report.features[0].scenarios[1].steps[2]
            .failure
            .as_ref()
            .unwrap();
        assert_eq!(
            failure.findings[1].message,
            "\"M*** C*** d*** S***\" is longer than 10 characters"
        );
        assert!(failure.message.ends_with("CPF *********25"));
        // What must stay readable does.
        assert!(json.contains(INTERACTION_ID));
        assert!(json.contains("/data/0/birthDate"));
        assert!(json.contains("Banco Exemplo"));
        assert_eq!(
            report.features[0].scenarios[0].name,
            "Customer *********25 is found"
        );
        let waived = &report.features[1].scenarios[1].steps[0];
        assert!(
            waived
                .failure
                .as_ref()
                .unwrap()
                .message
                .contains("************35")
        );
        assert!(
            waived
                .failure
                .as_ref()
                .unwrap()
                .message
                .contains("urn:bancoex:C1DD33123")
        );
    }

    #[test]
    fn name_literals_do_not_eat_into_other_words() {
        let literals = vec![("Ana".to_owned(), "A***".to_owned())];
        assert_eq!(
            replace_literals("Ana bought Banana", &literals),
            "A*** bought Banana"
        );
    }

    #[test]
    fn cnpj_check_digit_vectors() {
        assert!(cnpj_check_digits_ok("11444777000161"));
        assert!(cnpj_check_digits_ok("12ABC34501DE35"));
        assert!(!cnpj_check_digits_ok("12ABC34501DE36"));
    }
}
