//! Card passwords: the rules a new one must pass (4 to 6 digits; not a sequence, a repeated digit,
//! two digits alternating or the holder's birth date), Argon2id hashing and verification, and the
//! per-account state of a password (wrong attempts in a row, lock, expiry after an SMS).
//!
//! A password exists in clear only inside a request being handled and in the SMS that carries a
//! provisional one; it is never stored, logged (`Debug` hides it) or answered.

use std::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{Datelike, NaiveDate};
use rand::{Rng, RngExt};

/// Argon2id at 2 MiB, one pass, one lane: a sandbox, not a vault. OWASP's minimum for a real
/// store (19 MiB, two passes) measured 35 ms per hash here, and a password change hashes twice on a
/// request thread; this cost measured 0.9 ms (README, "Passwords"). A 4-to-6-digit password
/// cannot resist an offline search whatever the cost (at most a million candidates); what the hash
/// buys is that nothing readable is kept, which is the rule this models.
const M_COST_KIB: u32 = 2 * 1024;
const T_COST: u32 = 1;
const P_COST: u32 = 1;
const HASH_LEN: usize = 32;
pub const SALT_LEN: usize = 16;

/// Why a new password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Not 4 to 6 ASCII digits.
    Shape,
    /// Every digit the same (1111).
    Repeated,
    /// Digits going up or down by one (1234, 9876, 8901).
    Sequence,
    /// Two digits taking turns (1212, 373737).
    Alternating,
    /// The holder's birth date (DDMM, MMDD, AAAA, DDMMAA).
    BirthDate,
}

impl PasswordProblem {
    /// The message for the field, in Portuguese.
    pub fn message(self) -> &'static str {
        match self {
            PasswordProblem::Shape => "A senha deve ter de 4 a 6 dígitos, somente números.",
            PasswordProblem::Repeated => "A senha não pode repetir o mesmo dígito (ex. 1111).",
            PasswordProblem::Sequence => {
                "A senha não pode ser uma sequência de dígitos (ex. 1234 ou 4321)."
            }
            PasswordProblem::Alternating => "A senha não pode alternar dois dígitos (ex. 1212).",
            PasswordProblem::BirthDate => {
                "A senha não pode conter a data de nascimento do portador."
            }
        }
    }
}

/// Checks a new password. `birth` is the holder's birth date, when known.
pub fn check_new(pin: &str, birth: Option<NaiveDate>) -> Result<(), PasswordProblem> {
    let d = pin.as_bytes();
    if !(4..=6).contains(&d.len()) || !d.iter().all(u8::is_ascii_digit) {
        return Err(PasswordProblem::Shape);
    }
    if d.iter().all(|&b| b == d[0]) {
        return Err(PasswordProblem::Repeated);
    }
    let steps: Vec<i8> = d
        .windows(2)
        .map(|w| (w[1] as i8 - w[0] as i8).rem_euclid(10))
        .collect();
    if steps.iter().all(|&s| s == 1) || steps.iter().all(|&s| s == 9) {
        return Err(PasswordProblem::Sequence);
    }
    if d.iter().enumerate().all(|(i, &b)| b == d[i % 2]) {
        return Err(PasswordProblem::Alternating);
    }
    if let Some(b) = birth {
        let forms = [
            format!("{:02}{:02}", b.day(), b.month()),
            format!("{:02}{:02}", b.month(), b.day()),
            format!("{:04}", b.year()),
            format!(
                "{:02}{:02}{:02}",
                b.day(),
                b.month(),
                b.year().rem_euclid(100)
            ),
        ];
        if forms.iter().any(|f| f == pin) {
            return Err(PasswordProblem::BirthDate);
        }
    }
    Ok(())
}

/// A provisional password to send by SMS: six digits that pass [`check_new`].
pub fn provisional<R: Rng + ?Sized>(rng: &mut R, birth: Option<NaiveDate>) -> String {
    loop {
        let pin: String = (0..6)
            .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
            .collect();
        if check_new(&pin, birth).is_ok() {
            return pin;
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// An Argon2id hash of a password and its salt.
#[derive(Clone, PartialEq, Eq)]
pub struct PinHash {
    salt: [u8; SALT_LEN],
    hash: [u8; HASH_LEN],
}

impl fmt::Debug for PinHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PinHash(argon2id)")
    }
}

fn hasher() -> Result<Argon2<'static>, HashError> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, Some(HASH_LEN))
        .map_err(|e| HashError(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

impl PinHash {
    /// Hashes `pin` with `salt` (16 random bytes per password; see [`fresh_salt`]).
    pub fn new(pin: &str, salt: [u8; SALT_LEN]) -> Result<PinHash, HashError> {
        let mut hash = [0u8; HASH_LEN];
        hasher()?
            .hash_password_into(pin.as_bytes(), &salt, &mut hash)
            .map_err(|e| HashError(e.to_string()))?;
        Ok(PinHash { salt, hash })
    }

    /// Whether `pin` is the password hashed; compares in constant time.
    pub fn verify(&self, pin: &str) -> bool {
        let mut candidate = [0u8; HASH_LEN];
        let Ok(h) = hasher() else {
            return false;
        };
        if h.hash_password_into(pin.as_bytes(), &self.salt, &mut candidate)
            .is_err()
        {
            return false;
        }
        candidate
            .iter()
            .zip(&self.hash)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }

    /// The PHC string form (`$argon2id$v=19$m=2048,t=1,p=1$salt$hash`), for a store that keeps
    /// text; it holds no password.
    pub fn phc(&self) -> String {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD_NO_PAD;
        format!(
            "$argon2id$v=19$m={M_COST_KIB},t={T_COST},p={P_COST}${}${}",
            b64.encode(self.salt),
            b64.encode(self.hash)
        )
    }
}

/// Sixteen bytes from the operating system's random source (through UUID v4, already a
/// dependency), so two holders with the same password have different hashes.
pub fn fresh_salt() -> [u8; SALT_LEN] {
    *uuid::Uuid::new_v4().as_bytes()
}

/// Why a password change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeRefused {
    /// The account has no password yet (one must come by SMS first).
    NotSet,
    /// The password is locked after too many wrong attempts.
    Locked,
    /// `senhaAtual` is wrong; `remaining` attempts before the lock (0: it just locked).
    Wrong { remaining: u32 },
    /// The new password breaks a rule.
    Invalid(PasswordProblem),
    /// The new password is the current one.
    Unchanged,
}

impl ChangeRefused {
    /// The family's error code (422) or `None` for a field error of `novaSenha` (400).
    pub fn code(self) -> Option<&'static str> {
        match self {
            ChangeRefused::NotSet => Some("SENHA_NAO_CADASTRADA"),
            ChangeRefused::Locked | ChangeRefused::Wrong { remaining: 0 } => {
                Some("SENHA_BLOQUEADA")
            }
            ChangeRefused::Wrong { .. } => Some("SENHA_INCORRETA"),
            ChangeRefused::Invalid(_) | ChangeRefused::Unchanged => None,
        }
    }

    pub fn message(self) -> String {
        match self {
            ChangeRefused::NotSet => {
                "O portador ainda não tem senha: solicite uma senha por SMS.".into()
            }
            ChangeRefused::Locked | ChangeRefused::Wrong { remaining: 0 } => {
                "Senha bloqueada por tentativas incorretas: solicite uma nova senha por SMS.".into()
            }
            ChangeRefused::Wrong { remaining } => {
                format!("Senha atual incorreta. Restam {remaining} tentativa(s) antes do bloqueio.")
            }
            ChangeRefused::Invalid(p) => p.message().into(),
            ChangeRefused::Unchanged => "A nova senha deve ser diferente da atual.".into(),
        }
    }
}

/// An account's password.
#[derive(Debug, Clone, Default)]
pub struct PasswordState {
    hash: Option<PinHash>,
    wrong_in_a_row: u32,
    locked: bool,
    /// Set by an SMS password until it is changed; also true while no password exists.
    expired: bool,
}

impl PasswordState {
    pub fn is_set(&self) -> bool {
        self.hash.is_some()
    }

    /// `senhaExpirada` of the holder record.
    pub fn expired(&self) -> bool {
        self.expired || self.hash.is_none()
    }

    pub fn locked(&self) -> bool {
        self.locked
    }

    /// `totalTentativasValidacaoCartao` of the holder record.
    pub fn wrong_attempts(&self) -> u32 {
        self.wrong_in_a_row
    }

    /// `PATCH /senha`: the current password, then the new one. A wrong current password counts
    /// towards the lock; rules of the new one are checked only after the current one is right, so
    /// the endpoint cannot be used to probe a password without spending attempts.
    pub fn change(
        &mut self,
        current: &str,
        new: &str,
        birth: Option<NaiveDate>,
        max_attempts: u32,
        salt: [u8; SALT_LEN],
    ) -> Result<Result<(), ChangeRefused>, HashError> {
        let Some(hash) = &self.hash else {
            return Ok(Err(ChangeRefused::NotSet));
        };
        if self.locked {
            return Ok(Err(ChangeRefused::Locked));
        }
        if !hash.verify(current) {
            self.wrong_in_a_row += 1;
            if self.wrong_in_a_row >= max_attempts {
                self.locked = true;
            }
            let remaining = max_attempts.saturating_sub(self.wrong_in_a_row);
            return Ok(Err(ChangeRefused::Wrong { remaining }));
        }
        self.wrong_in_a_row = 0;
        if current == new {
            return Ok(Err(ChangeRefused::Unchanged));
        }
        if let Err(p) = check_new(new, birth) {
            return Ok(Err(ChangeRefused::Invalid(p)));
        }
        self.hash = Some(PinHash::new(new, salt)?);
        self.expired = false;
        Ok(Ok(()))
    }

    /// `POST /senhas/sms`: a new provisional password replaces whatever there was, unlocks, and
    /// must be changed. Returns it in clear for the SMS alone.
    pub fn reset_by_sms<R: Rng + ?Sized>(
        &mut self,
        rng: &mut R,
        birth: Option<NaiveDate>,
        salt: [u8; SALT_LEN],
    ) -> Result<String, HashError> {
        let pin = provisional(rng, birth);
        self.hash = Some(PinHash::new(&pin, salt)?);
        self.wrong_in_a_row = 0;
        self.locked = false;
        self.expired = true;
        Ok(pin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn trivial_passwords_are_refused() {
        use PasswordProblem::*;
        for (pin, problem) in [
            ("123", Shape),
            ("1234567", Shape),
            ("12a4", Shape),
            ("１２３４", Shape),
            ("1111", Repeated),
            ("000000", Repeated),
            ("1234", Sequence),
            ("4321", Sequence),
            ("567890", Sequence),
            ("8901", Sequence),
            ("987654", Sequence),
            ("1212", Alternating),
            ("737373", Alternating),
            ("14091987", Shape),
        ] {
            assert_eq!(check_new(pin, None), Err(problem), "{pin}");
        }
        for pin in ["1357", "2580", "190387", "4825", "11223"] {
            assert_eq!(check_new(pin, None), Ok(()), "{pin}");
        }
    }

    #[test]
    fn birth_date_forms_are_refused_only_for_that_holder() {
        let birth = Some(d("1987-09-14"));
        for pin in ["1409", "0914", "1987", "140987"] {
            assert_eq!(
                check_new(pin, birth),
                Err(PasswordProblem::BirthDate),
                "{pin}"
            );
            assert_eq!(check_new(pin, None), Ok(()), "{pin}");
        }
    }

    #[test]
    fn hash_verifies_the_password_only_and_hides_it() {
        let h = PinHash::new("2580", [7; SALT_LEN]).unwrap();
        assert!(h.verify("2580"));
        assert!(!h.verify("2581"));
        assert!(!h.verify(""));
        assert_eq!(format!("{h:?}"), "PinHash(argon2id)");
        let phc = h.phc();
        assert!(phc.starts_with("$argon2id$v=19$m=2048,t=1,p=1$"), "{phc}");
        assert!(!phc.contains("2580"));
        // The same password with another salt gives another hash.
        assert_ne!(h, PinHash::new("2580", [8; SALT_LEN]).unwrap());
        assert_ne!(fresh_salt(), fresh_salt());
    }

    #[test]
    fn provisional_passwords_pass_the_rules() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..500 {
            let pin = provisional(&mut rng, Some(d("1990-01-01")));
            assert_eq!(pin.len(), 6);
            assert_eq!(check_new(&pin, Some(d("1990-01-01"))), Ok(()));
        }
    }

    #[test]
    fn change_needs_a_password_the_right_current_one_and_locks_after_three_wrong() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut s = PasswordState::default();
        assert!(s.expired());
        assert_eq!(
            s.change("1357", "2468", None, 3, [1; SALT_LEN]).unwrap(),
            Err(ChangeRefused::NotSet)
        );
        let sent = s.reset_by_sms(&mut rng, None, [2; SALT_LEN]).unwrap();
        assert!(s.expired());
        // Rules of the new password are judged after the current one.
        assert_eq!(
            s.change(&sent, "1234", None, 3, [3; SALT_LEN]).unwrap(),
            Err(ChangeRefused::Invalid(PasswordProblem::Sequence))
        );
        assert_eq!(
            s.change(&sent, &sent, None, 3, [3; SALT_LEN]).unwrap(),
            Err(ChangeRefused::Unchanged)
        );
        assert_eq!(
            s.change(&sent, "2580", None, 3, [3; SALT_LEN]).unwrap(),
            Ok(())
        );
        assert!(!s.expired());

        let wrong = s.change("9999", "1357", None, 3, [4; SALT_LEN]).unwrap();
        assert_eq!(wrong, Err(ChangeRefused::Wrong { remaining: 2 }));
        assert_eq!(wrong.unwrap_err().code(), Some("SENHA_INCORRETA"));
        assert_eq!(s.wrong_attempts(), 1);
        s.change("9998", "1357", None, 3, [4; SALT_LEN])
            .unwrap()
            .unwrap_err();
        let third = s.change("9997", "1357", None, 3, [4; SALT_LEN]).unwrap();
        assert_eq!(third.unwrap_err().code(), Some("SENHA_BLOQUEADA"));
        assert!(s.locked());
        // Locked: even the right password is refused until an SMS brings a new one.
        assert_eq!(
            s.change("2580", "1357", None, 3, [5; SALT_LEN]).unwrap(),
            Err(ChangeRefused::Locked)
        );
        let again = s.reset_by_sms(&mut rng, None, [6; SALT_LEN]).unwrap();
        assert!(!s.locked());
        assert_eq!(
            s.change(&again, "1357", None, 3, [7; SALT_LEN]).unwrap(),
            Ok(())
        );
    }
}
