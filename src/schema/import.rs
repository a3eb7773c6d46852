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
    /// The CRD it comes from (`metadata.name`), to count CRDs as well as schemas.
    pub crd: String,
}

/// The relative path a schema lives at in a schema folder.
pub fn schema_path(group: &str, kind: &str, version: &str) -> String {
    let group = if group.is_empty() { "core" } else { group };
    format!("{group}/{}_{version}.json", kind.to_lowercase())
}

/// Whether a CRD's group, kind and version are names the API server accepts (a DNS
/// subdomain, an alphanumeric kind, a DNS label): the output path is built from them, and a
/// group of `../../x` or `/etc` must never choose where files are written.
fn safe_path_parts(group: &str, kind: &str, version: &str) -> Result<(), String> {
    let shown = |s: &str| {
        crate::report::escape_control(&s.chars().take(80).collect::<String>()).into_owned()
    };
    let label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if !group.is_empty() && (group.len() > 253 || !group.split('.').all(label)) {
        return Err(format!(
            "the group `{}` is not a DNS subdomain (lowercase letters, digits, `-` and `.`)",
            shown(group)
        ));
    }
    let kind_ok = kind.len() <= 63
        && kind.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && kind.bytes().all(|b| b.is_ascii_alphanumeric());
    if !kind_ok {
        return Err(format!(
            "the kind `{}` is not a Kubernetes kind (letters and digits, starting with a letter)",
            shown(kind)
        ));
    }
    if !label(version) || !version.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(format!(
            "the version `{}` is not a DNS label starting with a letter",
            shown(version)
        ));
    }
    Ok(())
}

/// Convert every CRD in a YAML text. Other documents are ignored.
pub fn from_text(text: &str) -> Result<Vec<Imported>, String> {
    from_named("", text)
}

/// [`from_text`] for the file (or `-`) called `name`: errors start with `name:line:column`.
pub fn from_named(name: &str, text: &str) -> Result<Vec<Imported>, String> {
    let at = |pos: crate::yaml::Pos| {
        if name.is_empty() {
            format!("{pos}")
        } else {
            format!("{name}:{pos}")
        }
    };
    let stream = crate::yaml::parse_stream(text)
        .map_err(|e| format!("{}: {} (the YAML does not parse)", at(e.pos), e.message))?;
    if let Some(kinds) = concatenated(&stream) {
        let lines: Vec<String> = kinds.iter().map(|p| p.line.to_string()).collect();
        return Err(format!(
            "{}: one YAML document holds {} objects (a top-level `kind` at lines {}): files were concatenated without a `---` line between them, and all but the last object would be lost; nothing was imported. Put `---` between them (`for f in *.yaml; do echo ---; cat \"$f\"; done | platc schemas import -`), or import the folder itself (`platc schemas import DIR`)",
            at(kinds[1]),
            kinds.len(),
            lines.join(", ")
        ));
    }
    let mut out = Vec::new();
    for doc in stream.documents {
        let json = doc.to_json();
        if json.get("kind").and_then(Value::as_str) != Some("CustomResourceDefinition") {
            continue;
        }
        let crd_name = json
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let versions = crd::convert(&json).map_err(|e| {
            let name = if crd_name.is_empty() { "?" } else { &crd_name };
            format!("{}: the CRD `{name}`: {e}", at(doc.span.start))
        })?;
        for version in versions {
            // The output path is built from these: only names the API server accepts.
            safe_path_parts(&version.group, &version.kind, &version.version).map_err(|e| {
                let name = if crd_name.is_empty() { "?" } else { &crd_name };
                format!(
                    "{}: the CRD `{name}`: {e}; nothing was imported",
                    at(doc.span.start)
                )
            })?;
            let mut text =
                serde_json::to_string_pretty(&version.schema).map_err(|e| e.to_string())?;
            text.push('\n');
            out.push(Imported {
                path: schema_path(&version.group, &version.kind, &version.version),
                api_version: version.api_version(),
                kind: version.kind,
                text,
                crd: crd_name.clone(),
            });
        }
    }
    Ok(out)
}

/// The lines of a document's top-level `kind` keys when it has several: the sign of files
/// concatenated without `---` (`cat a.yaml b.yaml`). The YAML loader keeps the last value of
/// a duplicate key, so every object but the last would vanish.
fn concatenated(stream: &crate::yaml::Stream) -> Option<Vec<crate::yaml::Pos>> {
    stream.documents.iter().find_map(|doc| {
        let (key, _) = doc.entry("kind")?;
        // Each duplicate links a kept key to the one it replaced: walk back from the last.
        let mut chain = vec![key.span];
        while let Some(d) = stream
            .duplicates
            .iter()
            .find(|d| d.key == "kind" && Some(&d.second) == chain.last())
        {
            chain.push(d.first);
        }
        (chain.len() > 1).then(|| chain.iter().rev().map(|s| s.start).collect())
    })
}

/// `imported 14 schemas from 12 CustomResourceDefinitions`.
pub fn summary(imported: &[Imported]) -> String {
    let mut crds: Vec<&str> = imported.iter().map(|i| i.crd.as_str()).collect();
    crds.sort_unstable();
    crds.dedup();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "imported {} from {}",
        plural(imported.len(), "schema"),
        plural(crds.len(), "CustomResourceDefinition")
    )
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
