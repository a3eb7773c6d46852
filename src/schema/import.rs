//! `platc schemas import`: CRDs in, one JSON schema per served version out, in the
//! CRDs-catalog layout (`<group>/<kind>_<version>.json`, kind in lowercase).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::crd;

/// One schema file to write.
pub struct Imported {
    /// Path relative to the output folder.
    pub path: String,
    pub api_version: String,
    pub kind: String,
    pub text: String,
}

/// The relative path a schema lives at in a schema folder.
pub fn schema_path(group: &str, kind: &str, version: &str) -> String {
    let group = if group.is_empty() { "core" } else { group };
    format!("{group}/{}_{version}.json", kind.to_lowercase())
}

/// Convert every CRD in a YAML text. Other documents are ignored.
pub fn from_text(text: &str) -> Result<Vec<Imported>, String> {
    let stream = crate::yaml::parse_stream(text).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for doc in stream.documents {
        let json = doc.to_json();
        if json.get("kind").and_then(Value::as_str) != Some("CustomResourceDefinition") {
            continue;
        }
        for version in crd::convert(&json)? {
            let mut text =
                serde_json::to_string_pretty(&version.schema).map_err(|e| e.to_string())?;
            text.push('\n');
            out.push(Imported {
                path: schema_path(&version.group, &version.kind, &version.version),
                api_version: version.api_version(),
                kind: version.kind,
                text,
            });
        }
    }
    Ok(out)
}

/// YAML files under a path (itself, if a file), sorted.
pub fn yaml_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(path)
        .build()
        .flatten()
        .map(|e| e.into_path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    files
}
