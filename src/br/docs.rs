//! Brazilian document rules: CPF, CNPJ (numeric and the alphanumeric format in force since July
//! 2026, IN RFB 2.229/2024), SP-style RG, CNH registration number and passport number.
//!
//! Pure functions, no randomness: the spec's semantic checks and the generators both depend on this
//! module, so neither has to import the other. Validators accept the bare value or the one official
//! mask and never panic.

const CNPJ_WEIGHTS_DV1: [u32; 12] = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];

const CNPJ_WEIGHTS_DV2: [u32; 13] = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];

/// Removes the mask characters used in Brazilian documents and postcodes (`.`, `-`, `/`, spaces).
///
/// Anything else is kept, so a stray letter still makes the result fail validation.
pub fn strip_mask(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '.' | '-' | '/' | ' '))
        .collect()
}

/// Checks `s` against a mask where `#` stands for one character accepted by `ok`, and returns the
/// unmasked characters. Strict on purpose: `529.982247-25` is neither bare nor properly masked.
pub(crate) fn unmask_exact(s: &str, mask: &str, ok: impl Fn(u8) -> bool) -> Option<String> {
    if s.len() != mask.len() {
        return None;
    }
    let mut out = String::with_capacity(mask.len());
    for (c, m) in s.bytes().zip(mask.bytes()) {
        if m == b'#' {
            if !ok(c) {
                return None;
            }
            out.push(char::from(c));
        } else if c != m {
            return None;
        }
    }
    Some(out)
}

pub(crate) fn digit_values(s: &str) -> Option<Vec<u32>> {
    s.bytes()
        .map(|b| b.is_ascii_digit().then(|| u32::from(b - b'0')))
        .collect()
}

pub(crate) fn all_same(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().all(|&c| c == b[0])
}

/// Mod-11 rule shared by CPF and CNPJ: remainders 0 and 1 give 0.
pub(crate) fn mod11_dv(sum: u32) -> u32 {
    let r = sum % 11;
    if r < 2 { 0 } else { 11 - r }
}

// ---------------------------------------------------------------------------------------------- CPF

/// The two check digits of a CPF given its first nine digits, or `None` unless `first_nine` is exactly
/// nine ASCII digits.
pub fn cpf_check_digits(first_nine: &str) -> Option<[u8; 2]> {
    let d = digit_values(first_nine).filter(|d| d.len() == 9)?;
    let s1: u32 = d.iter().zip((2..=10).rev()).map(|(x, w)| x * w).sum();
    let dv1 = mod11_dv(s1);
    let s2: u32 = d
        .iter()
        .zip((3..=11).rev())
        .map(|(x, w)| x * w)
        .sum::<u32>()
        + dv1 * 2;
    let dv2 = mod11_dv(s2);
    // Both are < 10 by construction of mod11_dv.
    Some([dv1 as u8, dv2 as u8])
}

pub(crate) fn cpf_digits(s: &str) -> Option<String> {
    if s.len() == 11 && s.bytes().all(|b| b.is_ascii_digit()) {
        return Some(s.to_owned());
    }
    unmask_exact(s, "###.###.###-##", |b| b.is_ascii_digit())
}

/// True for a CPF with correct check digits, bare (`52998224725`) or masked (`529.982.247-25`).
///
/// All-equal sequences such as `111.111.111-11` satisfy the checksum but are rejected, as the
/// Receita Federal and every mainstream validator do.
pub fn is_valid_cpf(s: &str) -> bool {
    let Some(d) = cpf_digits(s) else {
        return false;
    };
    if all_same(&d) {
        return false;
    }
    match cpf_check_digits(&d[..9]) {
        Some([a, b]) => d.as_bytes()[9] == b'0' + a && d.as_bytes()[10] == b'0' + b,
        None => false,
    }
}

/// `000.000.000-00` form of a valid-looking CPF (bare or already masked); `None` for anything that is not
/// 11 digits. Does not check the digits: formatting is not validation.
pub fn format_cpf(s: &str) -> Option<String> {
    let d = cpf_digits(s)?;
    Some(format!("{}.{}.{}-{}", &d[..3], &d[3..6], &d[6..9], &d[9..]))
}

/// The ninth CPF digit records the fiscal region of first registration; this maps a UF to it.
pub fn cpf_region_digit(uf: &str) -> Option<u8> {
    let d = match uf.to_ascii_uppercase().as_str() {
        "DF" | "GO" | "MT" | "MS" | "TO" => 1,
        "PA" | "AM" | "AC" | "AP" | "RO" | "RR" => 2,
        "CE" | "MA" | "PI" => 3,
        "PE" | "RN" | "PB" | "AL" => 4,
        "BA" | "SE" => 5,
        "MG" => 6,
        "RJ" | "ES" => 7,
        "SP" => 8,
        "PR" | "SC" => 9,
        "RS" => 0,
        _ => return None,
    };
    Some(d)
}

// --------------------------------------------------------------------------------------------- CNPJ

pub(crate) fn cnpj_value(b: u8) -> Option<u32> {
    // Receita rule for the alphanumeric CNPJ: ASCII - 48, so '0'..'9' keep their value and 'A' = 17.
    (b.is_ascii_digit() || b.is_ascii_uppercase()).then(|| u32::from(b) - 48)
}

/// The two numeric check digits of a CNPJ given its first twelve characters (`0-9`, `A-Z`), or `None`
/// if `first_twelve` is not exactly twelve such characters. Lowercase letters are not CNPJ characters.
pub fn cnpj_check_digits(first_twelve: &str) -> Option<[u8; 2]> {
    let v: Vec<u32> = first_twelve
        .bytes()
        .map(cnpj_value)
        .collect::<Option<_>>()
        .filter(|v: &Vec<u32>| v.len() == 12)?;
    let s1: u32 = v.iter().zip(CNPJ_WEIGHTS_DV1).map(|(x, w)| x * w).sum();
    let dv1 = mod11_dv(s1);
    let s2: u32 = v
        .iter()
        .zip(CNPJ_WEIGHTS_DV2)
        .map(|(x, w)| x * w)
        .sum::<u32>()
        + dv1 * CNPJ_WEIGHTS_DV2[12];
    let dv2 = mod11_dv(s2);
    Some([dv1 as u8, dv2 as u8])
}

pub(crate) fn cnpj_chars(s: &str) -> Option<String> {
    let body = |b: u8| b.is_ascii_digit() || b.is_ascii_uppercase();
    if s.len() == 14 {
        let b = s.as_bytes();
        if b[..12].iter().all(|&c| body(c)) && b[12..].iter().all(u8::is_ascii_digit) {
            return Some(s.to_owned());
        }
        return None;
    }
    let bare = unmask_exact(s, "##.###.###/####-##", body)?;
    bare.as_bytes()[12..]
        .iter()
        .all(u8::is_ascii_digit)
        .then_some(bare)
}

/// True for a numeric or alphanumeric CNPJ with correct check digits, bare (`11444777000161`,
/// `12ABC34501DE35`) or masked (`11.444.777/0001-61`, `12.ABC.345/01DE-35`).
///
/// Only uppercase letters are CNPJ characters, so `12.abc.345/01de-35` is rejected; all-equal
/// sequences (`00.000.000/0000-00`) are rejected like all-equal CPFs.
pub fn is_valid_cnpj(s: &str) -> bool {
    let Some(c) = cnpj_chars(s) else {
        return false;
    };
    if all_same(&c) {
        return false;
    }
    match cnpj_check_digits(&c[..12]) {
        Some([a, b]) => c.as_bytes()[12] == b'0' + a && c.as_bytes()[13] == b'0' + b,
        None => false,
    }
}

/// `00.000.000/0000-00` form of a bare or masked CNPJ (numeric or alphanumeric); `None` when the input
/// has the wrong shape. Does not check the digits.
pub fn format_cnpj(s: &str) -> Option<String> {
    let c = cnpj_chars(s)?;
    Some(format!(
        "{}.{}.{}/{}-{}",
        &c[..2],
        &c[2..5],
        &c[5..8],
        &c[8..12],
        &c[12..]
    ))
}

// ----------------------------------------------------------------------------------------------- RG

/// SP-style RG check character for the first eight digits: weights 2..=9 from the left,
/// `11 - sum % 11`, where 10 is written `X` and 11 becomes `0`.
///
/// RG has no national format (each state's institute defines its own); the SP rule is the one most
/// systems check and the one the vendors' examples follow.
pub fn rg_check_digit(first_eight: &str) -> Option<char> {
    let d = digit_values(first_eight).filter(|d| d.len() == 8)?;
    let sum: u32 = d.iter().zip(2..=9).map(|(x, w)| x * w).sum();
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        v => char::from_digit(v, 10).unwrap_or('0'),
    })
}

/// True for an SP-style RG, bare (`030214154`, `12345678X`) or masked (`03.021.415-4`).
pub fn is_valid_rg(s: &str) -> bool {
    let dv_ok = |b: u8| b.is_ascii_digit() || b == b'X';
    let bare = if s.len() == 9 {
        let b = s.as_bytes();
        (b[..8].iter().all(u8::is_ascii_digit) && dv_ok(b[8])).then(|| s.to_owned())
    } else {
        unmask_exact(s, "##.###.###-#", |b| b.is_ascii_digit() || b == b'X')
    };
    let Some(bare) = bare else {
        return false;
    };
    if !bare.as_bytes()[..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    rg_check_digit(&bare[..8]).is_some_and(|dv| char::from(bare.as_bytes()[8]) == dv)
}

/// `00.000.000-0` form of a bare or masked RG; `None` for the wrong shape.
pub fn format_rg(s: &str) -> Option<String> {
    let bare = strip_mask(s);
    let ok = bare.len() == 9
        && bare.as_bytes()[..8].iter().all(u8::is_ascii_digit)
        && (bare.as_bytes()[8].is_ascii_digit() || bare.as_bytes()[8] == b'X');
    ok.then(|| {
        format!(
            "{}.{}.{}-{}",
            &bare[..2],
            &bare[2..5],
            &bare[5..8],
            &bare[8..]
        )
    })
}

// ---------------------------------------------------------------------------------------------- CNH

/// Check digits of a CNH registration number (Registro Nacional, 11 digits), DENATRAN rule:
/// DV1 = (Σ dᵢ·(10−i)) mod 11 over digits 1–9 (weights 9..1), where 10 becomes 0 and sets a
/// discount of 2; DV2 = ((Σ dᵢ·i) mod 11 − discount) over the same digits (weights 1..9), wrapped into
/// 0..10 and with 10 becoming 0.
///
/// This is the algorithm of the widely used validators (e.g. `validateCNH` in reactivando/validations-br
/// and its ports); public example `58316794534` satisfies it.
pub fn cnh_check_digits(first_nine: &str) -> Option<[u8; 2]> {
    let d = digit_values(first_nine).filter(|d| d.len() == 9)?;
    let s1: u32 = d.iter().zip((1..=9).rev()).map(|(x, w)| x * w).sum();
    let (dv1, discount) = match s1 % 11 {
        10 => (0, 2),
        r => (r, 0),
    };
    let s2: u32 = d.iter().zip(1..=9).map(|(x, w)| x * w).sum();
    let dv2 = match (s2 % 11 + 11 - discount) % 11 {
        10 => 0,
        r => r,
    };
    Some([dv1 as u8, dv2 as u8])
}

/// True for an 11-digit CNH registration number with correct check digits (all-equal rejected).
pub fn is_valid_cnh(s: &str) -> bool {
    if s.len() != 11 || !s.bytes().all(|b| b.is_ascii_digit()) || all_same(s) {
        return false;
    }
    cnh_check_digits(&s[..9])
        .is_some_and(|[a, b]| s.as_bytes()[9] == b'0' + a && s.as_bytes()[10] == b'0' + b)
}

// ----------------------------------------------------------------------------------------- passport

/// True for the current passport format (two uppercase letters, six digits). There is no check digit.
pub fn is_valid_passport(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 8
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..].iter().all(u8::is_ascii_digit)
}
