//! Writing the imported spec and the pass-through files, only under the output folder.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use super::read::{ArgoObject, object_of};

/// One pass-through file: where it goes (relative to the spec), its text, the
/// environments that include it and why.
struct PassFile {
    text: String,
    envs: Vec<String>,
    reasons: Vec<String>,
}

/// The pass-through files of all environments, by path relative to the spec folder.
/// A file whose Argo CD objects are all kept as written is copied whole (comments and
/// all); otherwise each kept object gets a file of its own.
fn files(root: &Path, envs: &[(&str, &Vec<(ArgoObject, String)>)]) -> BTreeMap<String, PassFile> {
    let mut out: BTreeMap<String, PassFile> = BTreeMap::new();
    for (env, kept) in envs {
        let mut by_file: BTreeMap<&str, Vec<&(ArgoObject, String)>> = BTreeMap::new();
        for k in kept.iter() {
            by_file.entry(k.0.file.as_str()).or_default().push(k);
        }
        for (file, kept_here) in by_file {
            let text = std::fs::read_to_string(root.join(file)).unwrap_or_default();
            let in_file: Vec<ArgoObject> = crate::yaml::parse_stream(&text)
                .map(|s| {
                    s.documents
                        .iter()
                        .filter_map(|d| object_of(file, d.span.start.line, d.to_json()))
                        .collect()
                })
                .unwrap_or_default();
            let whole = in_file.len() == kept_here.len()
                && kept_here.iter().all(|(o, _)| {
                    in_file
                        .iter()
                        .any(|f| f.kind == o.kind && f.name == o.name && f.value == o.value)
                });
            let mut add = |path: String, text: String, reason: String| {
                let entry = out.entry(path).or_insert(PassFile {
                    text,
                    envs: Vec::new(),
                    reasons: Vec::new(),
                });
                if !entry.envs.iter().any(|e| e == env) {
                    entry.envs.push(env.to_string());
                }
                if !entry.reasons.contains(&reason) {
                    entry.reasons.push(reason);
                }
            };
            if whole {
                let mut text = text.clone();
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                for (o, reason) in &kept_here {
                    add(
                        format!("passthrough/{file}"),
                        text.clone(),
                        format!("{} {}: {reason}", o.kind, o.name),
                    );
                }
            } else {
                let stem = file.trim_end_matches(".yaml").trim_end_matches(".yml");
                for (o, reason) in &kept_here {
                    let path = format!(
                        "passthrough/{stem}/{}-{}.yaml",
                        o.kind.to_ascii_lowercase(),
                        super::roots::dns_label(&o.name)
                    );
                    add(
                        path,
                        crate::yaml::emit::to_yaml(&o.value),
                        format!("{} {}: {reason}", o.kind, o.name),
                    );
                }
            }
        }
    }
    out
}

fn entries(files: &BTreeMap<String, PassFile>, n_envs: usize) -> Vec<Value> {
    files
        .iter()
        .map(|(path, f)| {
            let mut e = json!({"path": path, "reason": f.reasons.join("; ")});
            if f.envs.len() < n_envs {
                e["environments"] = json!(f.envs);
            }
            e
        })
        .collect()
}

/// Write the pass-through files and the spec (with its pass-through entries) under `out`.
/// Returns the repo-relative files written.
pub fn write_all(
    root: &Path,
    out: &str,
    spec: &Value,
    envs: &[(&str, &Vec<(ArgoObject, String)>)],
) -> Result<Vec<String>, String> {
    let files = files(root, envs);
    let mut spec = spec.clone();
    let n_envs = spec
        .pointer("/spec/environments")
        .and_then(Value::as_array)
        .map_or(1, Vec::len);
    let list = entries(&files, n_envs);
    if let Some(s) = spec.get_mut("spec").and_then(Value::as_object_mut) {
        s.shift_remove("passthrough");
        if !list.is_empty() {
            s.insert("passthrough".into(), json!(list));
        }
    }
    let mut written = Vec::new();
    // Nothing is written or deleted through a link: it could lead outside the repository.
    if let Some(link) = crate::confine::first_link(root, &format!("{out}/passthrough")) {
        return Err(format!(
            "`{link}` is a symbolic link; platc import never writes through links: replace it with a folder, or choose another --out"
        ));
    }
    // Files of an earlier round that are no longer kept must not linger.
    let _ = std::fs::remove_dir_all(root.join(out).join("passthrough"));
    for (path, f) in &files {
        let rel = format!("{out}/{path}");
        let full = root.join(&rel);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("{}: cannot create the folder: {e}", parent.display()))?;
        }
        crate::tree::write_atomic(&full, f.text.as_bytes())
            .map_err(|e| format!("{rel}: cannot write: {e}"))?;
        written.push(rel);
    }
    let header = "# Written by `platc import`: it reproduces the repository's Argo CD Applications.\n# Run `platc build`, compare, then point the root Applications at overlays/<env>.\n";
    let body = crate::yaml::emit::to_yaml(&spec);
    let rel = format!("{out}/platform.yaml");
    std::fs::create_dir_all(root.join(out))
        .map_err(|e| format!("{out}: cannot create the folder: {e}"))?;
    crate::tree::write_atomic(&root.join(&rel), format!("{header}{body}").as_bytes())
        .map_err(|e| format!("{rel}: cannot write: {e}"))?;
    written.push(rel);
    Ok(written)
}
