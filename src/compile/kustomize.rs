//! Kustomization files and the local resources they pull in.

use std::path::Path;

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use crate::report::Finding;
use crate::spec::{Directory, Patch, PatchTarget};

/// Whether a repo-relative folder is a Kustomize root.
pub fn is_kustomize_dir(root: &Path, dir: &str) -> bool {
    crate::kustomize::file_in(root, dir).is_some()
}

/// The YAML and JSON files Argo CD's directory mode reads at a repo-relative path (the file
/// itself, if a file), sorted, with their path relative to `path`'s parent folder. Like
/// Argo CD, sub-folders are read only with `recurse`, and `include`/`exclude` globs match
/// the path below the folder (or the file name, for a pattern without `/`).
pub fn manifest_files(
    root: &Path,
    path: &str,
    directory: Option<&Directory>,
) -> Vec<(String, String)> {
    let full = root.join(path);
    let parent = Path::new(path)
        .parent()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let mut out = Vec::new();
    if crate::confine::is_file(&full) {
        let name = Path::new(path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.push((path.to_string(), name));
        return out;
    }
    let default = Directory::default();
    let directory = directory.unwrap_or(&default);
    let include = directory.include.as_deref().and_then(glob);
    let exclude = directory.exclude.as_deref().and_then(glob);
    let mut stack = vec![full.clone()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = crate::confine::read_dir(&d) else {
            continue;
        };
        for (p, is_dir) in entries {
            if is_dir {
                if directory.recurse {
                    stack.push(p);
                }
                continue;
            }
            let is_manifest = p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"));
            if !is_manifest {
                continue;
            }
            let below = p
                .strip_prefix(&full)
                .map(|r| r.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let matches = |g: &globset::GlobMatcher| g.is_match(&below) || g.is_match(&name);
            if include.as_ref().is_some_and(|g| !matches(g))
                || exclude.as_ref().is_some_and(matches)
            {
                continue;
            }
            if let Ok(rel) = p.strip_prefix(root) {
                let rel = rel.to_string_lossy().replace('\\', "/");
                let under = rel
                    .strip_prefix(&parent)
                    .unwrap_or(&rel)
                    .trim_start_matches('/')
                    .to_string();
                out.push((rel, under));
            }
        }
    }
    out.sort();
    out
}

/// A glob as Argo CD's directory `include`/`exclude` writes it (`*.yaml`, `{a,b}.yaml`).
fn glob(pattern: &str) -> Option<globset::GlobMatcher> {
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .ok()
        .map(|g| g.compile_matcher())
}

/// A kustomization's patch entry, the patch text inlined (kustomize refuses patch files
/// outside the kustomization's folder, and the spec's files are outside the generated tree).
pub fn patch_entry(root: &Path, spec_dir: &str, patch: &Patch) -> Result<Value, Box<Finding>> {
    let text = match (&patch.path, &patch.patch) {
        (Some(path), _) => {
            let rel =
                crate::spec::paths::repo_relative(spec_dir, path).unwrap_or_else(|_| path.clone());
            crate::confine::read_to_string(root, &rel).map_err(|e| {
                Finding::error("spec/unreadable", format!("cannot read the patch: {e}"))
                    .at(rel, None)
            })?
        }
        (None, Some(text)) => text.clone(),
        (None, None) => String::new(),
    };
    let mut entry = Map::new();
    entry.insert("patch".into(), Value::String(text));
    if let Some(target) = &patch.target {
        entry.insert("target".into(), target_json(target));
    }
    Ok(Value::Object(entry))
}

fn target_json(t: &PatchTarget) -> Value {
    let mut m = Map::new();
    for (key, value) in t.fields() {
        if let Some(v) = value {
            m.insert(key.into(), json!(v));
        }
    }
    Value::Object(m)
}

/// A kustomization document.
pub fn kustomization(
    namespace: Option<&str>,
    resources: &[String],
    labels: &IndexMap<String, String>,
    patches: Vec<Value>,
) -> Value {
    let mut k = Map::new();
    k.insert(
        "apiVersion".into(),
        json!("kustomize.config.k8s.io/v1beta1"),
    );
    k.insert("kind".into(), json!("Kustomization"));
    if let Some(ns) = namespace {
        k.insert("namespace".into(), json!(ns));
    }
    k.insert("resources".into(), json!(resources));
    if !labels.is_empty() {
        // includeSelectors: false adds the labels to metadata only; selectors are immutable
        // on Deployments, so changing them would break the next sync.
        k.insert(
            "labels".into(),
            json!([{"pairs": labels, "includeSelectors": false}]),
        );
    }
    if !patches.is_empty() {
        k.insert("patches".into(), Value::Array(patches));
    }
    Value::Object(k)
}
