//! Embeds every spec (`specs/**/*.yaml|yml|json`) and feature (`features/**/*.feature`) in the binary,
//! so adding a document or a feature file to the repository needs no Rust change.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, exts, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| exts.contains(&e))
        {
            out.push(path);
        }
    }
}

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    for (dir, exts, file) in [
        ("specs", &["yaml", "yml", "json"][..], "embedded_specs.rs"),
        ("features", &["feature"][..], "embedded_features.rs"),
    ] {
        println!("cargo:rerun-if-changed={dir}");
        let mut files = Vec::new();
        collect(&root.join(dir), exts, &mut files);
        files.sort();
        let mut code = String::from("&[\n");
        for f in files {
            let rel = f
                .strip_prefix(&root)
                .expect("collected under the root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let _ = writeln!(
                code,
                "    ({rel:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{rel}\"))),"
            );
        }
        code.push_str("]\n");
        std::fs::write(out_dir.join(file), code).expect("OUT_DIR is writable");
    }
}
