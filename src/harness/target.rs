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
use crate::sandbox::families;

/// `target.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
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
    /// The sandbox control API, when the target has one (detected at `<base_url>/sandbox` otherwise).
    pub control_url: Option<String>,
    /// Largest response body (and response head) read from the target: bytes, or `"16MiB"`.
    pub max_response_bytes: Option<ByteCount>,
    /// Seconds one request may take, its body included.
    pub timeout: Option<Seconds>,
    /// Seconds one scenario may take, every step of it.
    pub scenario_timeout: Option<Seconds>,
    /// Every other key: a family's `[<name>]` section, checked by the family at load.
    #[serde(flatten)]
    pub sections: BTreeMap<String, toml::Value>,
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
        for (name, section) in &file.sections {
            let Some(plugin) = families::plugin(name) else {
                let known: Vec<&str> = families::PLUGINS.iter().map(|p| p.name()).collect();
                return Err(TargetError::Invalid(format!(
                    "{}: unknown key {name} (the shared keys, or a family's section: {})",
                    path.display(),
                    known.join(", ")
                )));
            };
            plugin
                .check_target_section(section)
                .map_err(|e| TargetError::Invalid(format!("{}: [{name}]: {e}", path.display())))?;
        }
        let family_base = file
            .sections
            .values()
            .any(|s| s.get("base-url").is_some_and(toml::Value::is_str));
        if file.base_url.is_none() && !family_base {
            return Err(TargetError::Invalid(format!(
                "{}: base-url (or a family section's base-url) is required",
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
    /// The base URL every family's paths go under unless its section names another.
    pub base: String,
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
            control_url: control.then(|| format!("{base}/sandbox")),
            base,
            file: TargetFile::default(),
            pins: Vec::new(),
        }
    }

    pub fn from_file(file: TargetFile) -> Target {
        let base = file
            .base_url
            .clone()
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_string();
        Target {
            name: file.name.clone().unwrap_or_else(|| base.clone()),
            control_url: file.control_url.clone(),
            base,
            file,
            pins: Vec::new(),
        }
    }

    /// Where a family's provider paths live: its section's `base-url`, else the shared base with
    /// the family's mount (a sandbox serves Bankly at `<base>/bankly`).
    pub fn base_for(&self, family: &str, mount: &str) -> String {
        match self
            .file
            .sections
            .get(family)
            .and_then(|s| s.get("base-url"))
            .and_then(toml::Value::as_str)
        {
            Some(b) => b.trim_end_matches('/').to_string(),
            None => format!("{}{mount}", self.base),
        }
    }

    /// A family's section, read as the family's own type (checked at load, so a bad section never
    /// gets this far; a missing one is the type's default).
    pub fn section<T: serde::de::DeserializeOwned + Default>(&self, family: &str) -> T {
        self.file
            .sections
            .get(family)
            .cloned()
            .and_then(|v| v.try_into().ok())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_sections_set_their_base_and_unknown_sections_are_refused() {
        let dir = std::env::temp_dir().join(format!("finsandbox-target-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("target.toml");
        let plugin = families::PLUGINS[0];
        std::fs::write(
            &path,
            format!(
                "base-url = \"https://apih.banco.example/\"\n[tls]\nclient-cert = \"certs/client.pem\"\n[{}]\nbase-url = \"https://other.example/api/\"\n",
                plugin.name()
            ),
        )
        .unwrap();
        let file = TargetFile::load(&path).unwrap();
        assert_eq!(
            file.tls.client_cert.as_deref(),
            Some(dir.join("certs/client.pem").as_path())
        );
        let t = Target::from_file(file);
        assert_eq!(
            t.base_for(plugin.name(), plugin.mount()),
            "https://other.example/api"
        );
        let other = families::PLUGINS[1];
        assert_eq!(
            t.base_for(other.name(), other.mount()),
            format!("https://apih.banco.example{}", other.mount())
        );
        std::fs::write(
            &path,
            "base-url = \"https://x.example\"\n[widgets-bank]\nbase-url = \"y\"\n",
        )
        .unwrap();
        let err = TargetFile::load(&path).unwrap_err().to_string();
        assert!(err.contains("widgets-bank"), "{err}");
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
