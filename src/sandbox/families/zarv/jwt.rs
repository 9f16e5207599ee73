//! Zarv ID tokens: real HS256 JWTs signed with a key derived from the sandbox seed, so a token issued
//! by one run verifies in the next one with the same seed, and any JWT library can read them.
//!
//! Access and refresh tokens share the key and differ by their `tokenUse` claim, so presenting one
//! where the other is expected is told apart from a forged token. Times come from the caller (the
//! sandbox clock), never from the system clock: `exp` is judged here, not by the JWT library.

use std::sync::Once;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, new_error};
use jsonwebtoken::signature;
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Seconds an access token is valid (the vendor's `expiresIn`).
pub const ACCESS_TTL_SECONDS: i64 = 300;
/// Seconds a refresh token is valid (the vendor's `refreshExpiresIn`).
pub const REFRESH_TTL_SECONDS: i64 = 3600;
/// The `iss` of every token; a token of another issuer is not ours.
pub const ISSUER: &str = "finsandbox/zarv";
/// Tolerance for an `iat` ahead of the clock, as for clock skew between servers.
const IAT_LEEWAY_SECONDS: i64 = 60;

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenUse {
    Access,
    Refresh,
}

impl TokenUse {
    fn noun(self) -> &'static str {
        match self {
            TokenUse::Access => "an access token",
            TokenUse::Refresh => "a refresh token",
        }
    }
}

/// The claims of both kinds of token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    /// The user id.
    pub sub: String,
    #[serde(rename = "workspaceId")]
    pub workspace_id: String,
    pub iat: i64,
    pub exp: i64,
    /// Unique per token: two logins in the same second still get different refresh tokens, and a
    /// refresh token can be marked as spent.
    pub jti: String,
    #[serde(rename = "tokenUse")]
    pub token_use: TokenUse,
}

/// Why a token was refused. Each says what a client can do about it in its message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not a JWT: {0}")]
    Malformed(String),
    #[error("the token's signature does not match: it was altered or not issued by this sandbox")]
    BadSignature,
    #[error("the token is signed with {0}; tokens of this sandbox use HS256")]
    WrongAlgorithm(String),
    #[error("the token expired at {expired_at} (sandbox clock)")]
    Expired { expired_at: String },
    #[error(
        "the token was issued at {issued_at}, after the sandbox clock's current time (was the clock reset?)"
    )]
    IssuedInTheFuture { issued_at: String },
    #[error("this is {} where {} is expected", .found.noun(), .expected.noun())]
    WrongUse { expected: TokenUse, found: TokenUse },
}

/// A failure to issue a token: only a broken crypto provider gets here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot sign the token: {0}")]
pub struct SigningError(String);

/// What the login and refresh operations answer, field for field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub refresh_expires_in: i64,
    pub token_type: &'static str,
    /// The refresh token's `jti` and `exp`, for the state that spends refresh tokens (not sent).
    #[serde(skip)]
    pub refresh_jti: String,
    #[serde(skip)]
    pub refresh_expires_at: i64,
}

/// The family's signing key.
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.debug_struct("Keys").finish_non_exhaustive()
    }
}

fn iso(ts: i64) -> String {
    DateTime::<Utc>::from_timestamp(ts, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| ts.to_string())
}

impl Keys {
    /// The key of a sandbox seed: SHA-256 of a label and the seed, 32 bytes for HS256.
    pub fn from_seed(seed: u64) -> Result<Keys, SigningError> {
        install_provider();
        let mut hasher = Sha256::new();
        hasher.update(b"finsandbox zarv jwt hs256 v1");
        hasher.update(seed.to_le_bytes());
        let secret: [u8; 32] = hasher.finalize().into();
        let encoding =
            EncodingKey::from_secret(&secret).map_err(|e| SigningError(e.to_string()))?;
        let decoding =
            DecodingKey::from_secret(&secret).map_err(|e| SigningError(e.to_string()))?;
        let mut validation = Validation::new(Algorithm::HS256);
        // `exp` is judged against the sandbox clock below, not the system clock.
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims = ["exp", "sub", "iss"].map(String::from).into();
        validation.set_issuer(&[ISSUER]);
        Ok(Keys {
            encoding,
            decoding,
            validation,
        })
    }

    fn sign(&self, claims: &Claims) -> Result<String, SigningError> {
        install_provider();
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| SigningError(e.to_string()))
    }

    /// A new access and refresh token for a user of a workspace, issued at `now`.
    pub fn issue(
        &self,
        user_id: &str,
        workspace_id: &str,
        now: DateTime<Utc>,
    ) -> Result<TokenPair, SigningError> {
        let iat = now.timestamp();
        let claims = |token_use, ttl| Claims {
            iss: ISSUER.to_string(),
            sub: user_id.to_string(),
            workspace_id: workspace_id.to_string(),
            iat,
            exp: iat + ttl,
            jti: uuid::Uuid::new_v4().to_string(),
            token_use,
        };
        let access = claims(TokenUse::Access, ACCESS_TTL_SECONDS);
        let refresh = claims(TokenUse::Refresh, REFRESH_TTL_SECONDS);
        Ok(TokenPair {
            access_token: self.sign(&access)?,
            refresh_token: self.sign(&refresh)?,
            expires_in: ACCESS_TTL_SECONDS,
            refresh_expires_in: REFRESH_TTL_SECONDS,
            token_type: "Bearer",
            refresh_jti: refresh.jti,
            refresh_expires_at: refresh.exp,
        })
    }

    /// The claims of a valid access token at `now`.
    pub fn verify_access(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        self.verify(token, TokenUse::Access, now)
    }

    /// The claims of a valid refresh token at `now`. Whether it was already spent is the state's
    /// business (its `jti`).
    pub fn verify_refresh(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        self.verify(token, TokenUse::Refresh, now)
    }

    fn verify(
        &self,
        token: &str,
        expected: TokenUse,
        now: DateTime<Utc>,
    ) -> Result<Claims, TokenError> {
        install_provider();
        let token = token.trim();
        if token.split('.').count() != 3 {
            return Err(TokenError::Malformed(
                "a JWT has three dot-separated parts".into(),
            ));
        }
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| classify(token, e))?;
        let claims = data.claims;
        if claims.token_use != expected {
            return Err(TokenError::WrongUse {
                expected,
                found: claims.token_use,
            });
        }
        let now = now.timestamp();
        if claims.iat > now + IAT_LEEWAY_SECONDS {
            return Err(TokenError::IssuedInTheFuture {
                issued_at: iso(claims.iat),
            });
        }
        if claims.exp <= now {
            return Err(TokenError::Expired {
                expired_at: iso(claims.exp),
            });
        }
        Ok(claims)
    }
}

/// Maps the library's error to what a client needs to hear.
fn classify(token: &str, e: jsonwebtoken::errors::Error) -> TokenError {
    match e.kind() {
        ErrorKind::InvalidSignature => TokenError::BadSignature,
        // Another algorithm in the header: either a token of someone else or an `alg` swap.
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
            let alg = jsonwebtoken::decode_header(token)
                .map(|h| format!("{:?}", h.alg))
                .unwrap_or_else(|_| "another algorithm".into());
            TokenError::WrongAlgorithm(alg)
        }
        // Signed by us but not ours in shape cannot happen; a foreign issuer is a foreign token.
        ErrorKind::InvalidIssuer => TokenError::BadSignature,
        ErrorKind::MissingRequiredClaim(c) => {
            TokenError::Malformed(format!("the `{c}` claim is missing"))
        }
        ErrorKind::InvalidToken => TokenError::Malformed("its header is not acceptable".into()),
        ErrorKind::Base64(_) => TokenError::Malformed("a part is not base64url".into()),
        ErrorKind::Json(_) | ErrorKind::Utf8(_) => {
            TokenError::Malformed("a part is not the JSON a JWT carries".into())
        }
        ErrorKind::InvalidClaimFormat(c) => {
            TokenError::Malformed(format!("the `{c}` claim has the wrong type"))
        }
        other => TokenError::Malformed(format!("{other:?}")),
    }
}

// ------------------------------------------------------------------- the HS256 crypto provider

type HmacSha256 = Hmac<Sha256>;

/// HS256 over the `hmac`/`sha2` crates the project already builds. jsonwebtoken does the JWT work
/// (header, claims, base64url, required claims, algorithm checks); it only asks a provider for the MAC.
struct Hs256(HmacSha256);

impl Hs256 {
    fn new(family: AlgorithmFamily, secret: &[u8]) -> jsonwebtoken::errors::Result<Hs256> {
        if family != AlgorithmFamily::Hmac {
            return Err(new_error(ErrorKind::InvalidKeyFormat));
        }
        HmacSha256::new_from_slice(secret)
            .map(Hs256)
            .map_err(|_| new_error(ErrorKind::InvalidKeyFormat))
    }
}

impl signature::Signer<Vec<u8>> for Hs256 {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        let mut mac = self.0.clone();
        mac.update(msg);
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

impl signature::Verifier<Vec<u8>> for Hs256 {
    fn verify(&self, msg: &[u8], sig: &Vec<u8>) -> Result<(), signature::Error> {
        let mut mac = self.0.clone();
        mac.update(msg);
        // Constant-time comparison.
        mac.verify_slice(sig).map_err(|_| signature::Error::new())
    }
}

impl JwtSigner for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl JwtVerifier for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

fn hs256_signer(
    alg: &Algorithm,
    key: &EncodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn JwtSigner>> {
    if *alg != Algorithm::HS256 {
        return Err(new_error(ErrorKind::InvalidAlgorithm));
    }
    Ok(Box::new(Hs256::new(key.family(), key.as_bytes())?))
}

fn hs256_verifier(
    alg: &Algorithm,
    key: &DecodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn JwtVerifier>> {
    if *alg != Algorithm::HS256 {
        return Err(new_error(ErrorKind::InvalidAlgorithm));
    }
    Ok(Box::new(Hs256::new(key.family(), key.try_get_as_bytes()?)?))
}

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: hs256_signer,
    verifier_factory: hs256_verifier,
    // No JWK support is needed: the key never leaves the sandbox.
    key_utils: KeyUtils::new_unimplemented(),
};

/// Installs the provider before the first use. jsonwebtoken allows one process-wide provider; if
/// another part of the process installed one first, that one signs HS256 just as well.
fn install_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let _ = PROVIDER.install_default();
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use chrono::TimeZone;
    use std::collections::HashSet;

    fn required_claims() -> HashSet<&'static str> {
        ["iss", "sub", "workspaceId", "iat", "exp", "jti", "tokenUse"].into()
    }

    const USER: &str = "0b3a7d52-1f6e-4c8a-9d2b-5e4f3a2c1d01";
    const WORKSPACE: &str = "7b0c2f4e-5d1a-4c8e-9f36-2a1d8e4b6c01";

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_772_452_800 + secs, 0)
            .single()
            .expect("valid time")
    }

    fn keys() -> Keys {
        Keys::from_seed(42).expect("keys")
    }

    fn part(token: &str, i: usize) -> serde_json::Value {
        let p = token.split('.').nth(i).expect("three parts");
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).expect("base64url")).expect("json")
    }

    #[test]
    fn login_pair_has_the_vendor_fields_and_the_claims_on_the_given_clock() {
        let pair = keys().issue(USER, WORKSPACE, at(0)).unwrap();
        let body = serde_json::to_value(&pair).unwrap();
        assert_eq!(body["expiresIn"], 300);
        assert_eq!(body["refreshExpiresIn"], 3600);
        assert_eq!(body["tokenType"], "Bearer");
        assert!(
            body.get("refreshJti").is_none(),
            "state-only fields stay out of the body"
        );
        let header = part(&pair.access_token, 0);
        assert_eq!(header["alg"], "HS256");
        assert_eq!(header["typ"], "JWT");
        let access = part(&pair.access_token, 1);
        assert_eq!(access["sub"], USER);
        assert_eq!(access["workspaceId"], WORKSPACE);
        assert_eq!(access["iat"], at(0).timestamp());
        assert_eq!(access["exp"], at(300).timestamp());
        assert_eq!(access["tokenUse"], "access");
        let refresh = part(&pair.refresh_token, 1);
        assert_eq!(refresh["exp"], at(3600).timestamp());
        assert_eq!(refresh["tokenUse"], "refresh");
        assert_eq!(refresh["jti"], pair.refresh_jti.as_str());
        let names: HashSet<&str> = access
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(names, required_claims());
    }

    #[test]
    fn tokens_verify_until_they_expire() {
        let k = keys();
        let pair = k.issue(USER, WORKSPACE, at(0)).unwrap();
        let claims = k.verify_access(&pair.access_token, at(299)).unwrap();
        assert_eq!(claims.sub, USER);
        assert_eq!(claims.workspace_id, WORKSPACE);
        let err = k.verify_access(&pair.access_token, at(300)).unwrap_err();
        assert_eq!(
            err,
            TokenError::Expired {
                expired_at: "2026-03-02T12:05:00Z".into()
            }
        );
        assert!(err.to_string().contains("expired at 2026-03-02T12:05:00Z"));
        assert!(k.verify_refresh(&pair.refresh_token, at(3599)).is_ok());
        assert!(matches!(
            k.verify_refresh(&pair.refresh_token, at(3600)),
            Err(TokenError::Expired { .. })
        ));
    }

    #[test]
    fn the_key_comes_from_the_seed_and_survives_a_restart() {
        let pair = keys().issue(USER, WORKSPACE, at(0)).unwrap();
        // A new Keys with the same seed (a restarted sandbox) accepts it; another seed does not.
        assert!(keys().verify_access(&pair.access_token, at(1)).is_ok());
        let other = Keys::from_seed(43).unwrap();
        assert_eq!(
            other.verify_access(&pair.access_token, at(1)),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn refresh_and_access_tokens_are_not_interchangeable() {
        let k = keys();
        let pair = k.issue(USER, WORKSPACE, at(0)).unwrap();
        let err = k.verify_access(&pair.refresh_token, at(1)).unwrap_err();
        assert_eq!(
            err,
            TokenError::WrongUse {
                expected: TokenUse::Access,
                found: TokenUse::Refresh
            }
        );
        assert_eq!(
            err.to_string(),
            "this is a refresh token where an access token is expected"
        );
        assert!(matches!(
            k.verify_refresh(&pair.access_token, at(1)),
            Err(TokenError::WrongUse {
                expected: TokenUse::Refresh,
                ..
            })
        ));
    }

    #[test]
    fn tampered_claims_or_signature_are_a_bad_signature() {
        let k = keys();
        let pair = k.issue(USER, WORKSPACE, at(0)).unwrap();
        let parts: Vec<&str> = pair.access_token.split('.').collect();
        // Another workspace in the claims, signature kept.
        let mut claims = part(&pair.access_token, 1);
        claims["workspaceId"] = "2d9c4b7a-6e13-4f85-a0b2-8c7e1d3f5a90".into();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            parts[2]
        );
        assert_eq!(
            k.verify_access(&forged, at(1)),
            Err(TokenError::BadSignature)
        );
        // One character of the signature changed: the first, whose six bits all count. The last
        // carries unused low bits, so some changes there are not valid base64url at all and would
        // be refused as malformed before the signature is ever compared.
        let first = if parts[2].starts_with('A') { "B" } else { "A" };
        let sig = format!("{first}{}", &parts[2][1..]);
        let flipped = format!("{}.{}.{sig}", parts[0], parts[1]);
        assert_eq!(
            k.verify_access(&flipped, at(1)),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn an_algorithm_swap_is_refused() {
        let k = keys();
        let pair = k.issue(USER, WORKSPACE, at(0)).unwrap();
        let parts: Vec<&str> = pair.access_token.split('.').collect();
        for alg in ["none", "HS512", "RS256"] {
            let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"typ":"JWT","alg":"{alg}"}}"#));
            let swapped = format!("{header}.{}.{}", parts[1], parts[2]);
            let err = k.verify_access(&swapped, at(1)).unwrap_err();
            assert!(
                matches!(
                    err,
                    TokenError::WrongAlgorithm(_) | TokenError::Malformed(_)
                ),
                "{alg}: {err:?}"
            );
        }
    }

    #[test]
    fn garbage_is_malformed_not_a_crash() {
        let k = keys();
        for token in [
            "",
            "abc",
            "a.b",
            "a.b.c",
            "eyJ0eXAiOiJKV1QifQ.e30.",
            "....",
            "ü.ü.ü",
        ] {
            let err = k.verify_access(token, at(0)).unwrap_err();
            assert!(
                matches!(err, TokenError::Malformed(_)),
                "{token:?}: {err:?}"
            );
        }
    }

    #[test]
    fn a_token_from_the_future_is_refused() {
        let k = keys();
        let pair = k.issue(USER, WORKSPACE, at(3600)).unwrap();
        assert!(matches!(
            k.verify_access(&pair.access_token, at(0)),
            Err(TokenError::IssuedInTheFuture { .. })
        ));
        // Within the leeway it is fine.
        assert!(k.verify_access(&pair.access_token, at(3600 - 30)).is_ok());
    }

    #[test]
    fn two_logins_in_the_same_second_get_different_refresh_tokens() {
        let k = keys();
        let a = k.issue(USER, WORKSPACE, at(0)).unwrap();
        let b = k.issue(USER, WORKSPACE, at(0)).unwrap();
        assert_ne!(a.refresh_token, b.refresh_token);
        assert_ne!(a.refresh_jti, b.refresh_jti);
    }
}
