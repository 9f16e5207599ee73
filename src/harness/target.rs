//! What the harness checks: a target's base URLs, how it gets tokens, its TLS client identity, and
//! which preconditions it can provide.
//!
//! A target is one of: the embedded sandbox (no flags), a URL (`--target`, enough for any finsandbox
//! sandbox or anything in front of one: the control API is detected there), or a `target.toml`
//! describing a real implementation (`--config`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::limits::{self, LimitChoices};

/// `target.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TargetFile {
    /// Shown in reports.
    pub name: Option<String>,
    /// Base URL shared by every API family unless a family overrides it.
    pub base_url: Option<String>,
    /// Extra headers sent on every request (API gateway keys and the like).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub tls: TlsConfig,
    #[serde(default)]
    pub open_finance: OpenFinanceTarget,
    #[serde(default)]
    pub bankly: BanklyTarget,
    /// The sandbox control API, when the target has one (detected at `<base_url>/sandbox` otherwise).
    pub control_url: Option<String>,
    /// Largest response body (and response head) read from the target: bytes, or `"16MiB"`.
    pub max_response_bytes: Option<ByteCount>,
    /// Seconds one request may take, its body included.
    pub timeout: Option<Seconds>,
    /// Seconds one scenario may take, every step of it.
    pub scenario_timeout: Option<Seconds>,
}

/// A byte count in `target.toml`: an integer, or a string with a unit (`"16MiB"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteCount(pub u64);

impl<'de> Deserialize<'de> for ByteCount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ByteCount;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number of bytes, such as 16777216 or \"16MiB\"")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ByteCount, E> {
                limits::parse_bytes(&v.to_string())
                    .map(ByteCount)
                    .map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ByteCount, E> {
                limits::parse_bytes(&v.to_string())
                    .map(ByteCount)
                    .map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ByteCount, E> {
                limits::parse_bytes(v).map(ByteCount).map_err(E::custom)
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// A positive number of seconds in `target.toml` (`30`, `2.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seconds(pub std::time::Duration);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Seconds;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number of seconds, such as 30 or 2.5")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Seconds, E> {
                limits::seconds(v as f64).map(Seconds).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Seconds, E> {
                limits::seconds(v as f64).map(Seconds).map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Seconds, E> {
                limits::seconds(v).map(Seconds).map_err(E::custom)
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TlsConfig {
    /// PEM file with the client certificate (mTLS), and its key (same file or `client-key`).
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// Extra trusted root (PEM), e.g. a homologation CA.
    pub ca_cert: Option<PathBuf>,
    /// Accept any server certificate. Only for test environments.
    #[serde(default)]
    pub insecure: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OpenFinanceTarget {
    pub base_url: Option<String>,
    /// OAuth2 token endpoint (absolute URL or a path on the base URL).
    pub token_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// A client_credentials token (scope `consents`) issued in advance, instead of the token endpoint.
    pub client_credentials_token: Option<String>,
    /// Documents of the test customers the target knows.
    #[serde(default)]
    pub documents: Documents,
    /// Access tokens issued in advance, one per consent state of the scenario table:
    /// `[open-finance.tokens.personal]` / `[open-finance.tokens.business]`, keys as in
    /// `features/README.md` (`authorised`, `pending-multiple-approval`, `revoked`, ...).
    #[serde(default)]
    pub tokens: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Documents {
    pub cpf: Option<String>,
    pub cnpj: Option<String>,
    /// A customer with more than 25 identification records, for the paging scenarios.
    pub paging_cpf: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BanklyTarget {
    pub base_url: Option<String>,
    pub token_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// A token carrying every customer scope, issued in advance.
    pub token: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("{path}: {message}")]
    Read { path: String, message: String },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

impl TargetFile {
    /// The limits this file sets (`max-response-bytes`, `timeout`, `scenario-timeout`).
    pub fn limits(&self) -> LimitChoices {
        LimitChoices {
            max_response_bytes: self.max_response_bytes.map(|b| b.0),
            request_timeout: self.timeout.map(|s| s.0),
            scenario_timeout: self.scenario_timeout.map(|s| s.0),
        }
    }

    pub fn load(path: &Path) -> Result<TargetFile, TargetError> {
        let text = std::fs::read_to_string(path).map_err(|e| TargetError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let mut file: TargetFile = toml::from_str(&text).map_err(|e| TargetError::Parse {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        // Relative certificate paths are relative to the file, as users write them.
        let dir = path.parent().unwrap_or(Path::new("."));
        for p in [
            &mut file.tls.client_cert,
            &mut file.tls.client_key,
            &mut file.tls.ca_cert,
        ]
        .into_iter()
        .flatten()
        {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        }
        if file.base_url.is_none() && file.open_finance.base_url.is_none() {
            return Err(TargetError::Invalid(format!(
                "{}: base-url (or open-finance.base-url) is required",
                path.display()
            )));
        }
        Ok(file)
    }
}

/// The resolved target a run talks to.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub open_finance_base: String,
    pub bankly_base: String,
    pub token_url: String,
    pub control_url: Option<String>,
    pub file: TargetFile,
    /// Host names the harness resolves itself (`--resolve`, the sandbox's published name), and to
    /// what: the URLs keep the name, the connections go to the address.
    pub pins: Vec<(String, std::net::SocketAddr)>,
}

impl Target {
    /// A finsandbox sandbox (embedded or running elsewhere) at `base`.
    pub fn sandbox(name: &str, base: &str, control: bool) -> Target {
        let base = base.trim_end_matches('/').to_string();
        Target {
            name: name.to_string(),
            open_finance_base: base.clone(),
            bankly_base: format!("{base}/bankly"),
            token_url: format!("{base}/auth/token"),
            control_url: control.then(|| format!("{base}/sandbox")),
            file: TargetFile::default(),
            pins: Vec::new(),
        }
    }

    pub fn from_file(file: TargetFile) -> Target {
        let base = file.base_url.clone().unwrap_or_default();
        let base = base.trim_end_matches('/').to_string();
        let of_base = file
            .open_finance
            .base_url
            .clone()
            .unwrap_or_else(|| base.clone())
            .trim_end_matches('/')
            .to_string();
        let token_url = match &file.open_finance.token_url {
            Some(u) if u.starts_with("http") => u.clone(),
            Some(path) => format!("{of_base}{path}"),
            None => format!("{of_base}/auth/token"),
        };
        let bankly_base = file
            .bankly
            .base_url
            .clone()
            .unwrap_or_else(|| format!("{base}/bankly"))
            .trim_end_matches('/')
            .to_string();
        Target {
            name: file.name.clone().unwrap_or_else(|| of_base.clone()),
            control_url: file.control_url.clone(),
            open_finance_base: of_base,
            bankly_base,
            token_url,
            file,
            pins: Vec::new(),
        }
    }

    /// An access token the configuration provides for `kind` (`personal`/`business`) and `state`.
    pub fn configured_token(&self, kind: &str, state: &str) -> Option<&str> {
        self.file
            .open_finance
            .tokens
            .get(kind)
            .and_then(|t| t.get(state))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_file_resolves_urls_and_relative_certificates() {
        let dir = std::env::temp_dir().join(format!("finsandbox-target-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("target.toml");
        std::fs::write(
            &path,
            r#"
name = "Banco Exemplo (homologação)"
base-url = "https://apih.banco.example/"
[tls]
client-cert = "certs/client.pem"
[open-finance]
token-url = "/oauth/token"
[open-finance.tokens.personal]
authorised = "abc"
"#,
        )
        .unwrap();
        let file = TargetFile::load(&path).unwrap();
        assert_eq!(
            file.tls.client_cert.as_deref(),
            Some(dir.join("certs/client.pem").as_path())
        );
        let t = Target::from_file(file);
        assert_eq!(t.token_url, "https://apih.banco.example/oauth/token");
        assert_eq!(t.configured_token("personal", "authorised"), Some("abc"));
        assert_eq!(t.configured_token("business", "authorised"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn limits_are_read_with_units_and_refused_when_nonsense() {
        let file: TargetFile = toml::from_str(
            "base-url = \"http://x.example\"\nmax-response-bytes = \"1MiB\"\ntimeout = 2.5\nscenario-timeout = 60\n",
        )
        .unwrap();
        let l = file.limits();
        assert_eq!(l.max_response_bytes, Some(1 << 20));
        assert_eq!(
            l.request_timeout,
            Some(std::time::Duration::from_millis(2500))
        );
        assert_eq!(l.scenario_timeout, Some(std::time::Duration::from_secs(60)));
        let n: TargetFile = toml::from_str("max-response-bytes = 4096").unwrap();
        assert_eq!(n.limits().max_response_bytes, Some(4096));
        for bad in [
            "timeout = 0",
            "timeout = -3",
            "timeout = \"30\"",
            "max-response-bytes = 0",
            "max-response-bytes = \"lots\"",
        ] {
            let err = toml::from_str::<TargetFile>(bad).unwrap_err().to_string();
            let key = bad.split(' ').next().unwrap();
            assert!(err.contains(key), "{bad}: {err}");
        }
    }

    #[test]
    fn unknown_keys_are_refused_with_the_file_name() {
        let dir = std::env::temp_dir().join(format!("finsandbox-target2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.toml");
        std::fs::write(
            &path,
            "base-url = \"https://x.example\"\nbase-urll = \"typo\"\n",
        )
        .unwrap();
        let err = TargetFile::load(&path).unwrap_err().to_string();
        assert!(err.contains("t.toml") && err.contains("base-urll"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
