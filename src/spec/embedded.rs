//! The documents compiled into the binary (every file under `specs/`, listed by `build.rs`), so
//! `finsandbox serve` works from any directory and offline.

/// (path under the repository, text).
pub const SPECS: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/embedded_specs.rs"));
