//! Reading the repository's Argo CD objects: every Application, ApplicationSet and
//! AppProject in its YAML files, with the file and line each comes from.

use std::path::Path;

use serde_json::Value;

/// The Argo CD kinds `platc import` reads.
pub const KINDS: &[&str] = &["Application", "ApplicationSet", "AppProject"];

/// One Argo CD object found in the repository.
#[derive(Debug, Clone)]
pub struct ArgoObject {
    /// The repo-relative file it is written in.
    pub file: String,
    /// The line its document starts on (1-based).
    pub line: u32,
    pub kind: String,
    pub name: String,
    /// `metadata.namespace`, empty when the file leaves it to `kubectl apply -n`.
    pub namespace: String,
    pub value: Value,
}

impl ArgoObject {
    pub fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// Input that cannot be read: `file:line:column: what`.
#[derive(Debug)]
pub struct Unreadable(pub String);

/// Every Argo CD object under `root`, in file then document order. Hidden folders, `target`,
/// `node_modules`, `skip` (the folder import writes to) and what `platc build` generates
/// are not read. A file that
/// mentions `argoproj.io` but is not valid YAML is an error, unless it is a template (holds
/// `{{` or `{%`, as Helm charts and site generators do).
pub fn argocd_objects(root: &Path, skip: &str) -> Result<Vec<ArgoObject>, Unreadable> {
    let mut out = Vec::new();
    for rel in yaml_files(root, skip) {
        let text = match std::fs::read_to_string(root.join(&rel)) {
            Ok(t) => t,
            Err(e) => return Err(Unreadable(format!("{rel}: cannot read the file: {e}"))),
        };
        if !text.contains("argoproj.io") {
            continue;
        }
        let stream = match crate::yaml::parse_stream(&text) {
            Ok(s) => s,
            Err(_) if text.contains("{{") || text.contains("{%") => continue,
            Err(e) => {
                return Err(Unreadable(format!(
                    "{rel}:{}:{}: not valid YAML: {} (fix the file, or move it out of the folder import reads)",
                    e.pos.line, e.pos.col, e.message
                )));
            }
        };
        for doc in &stream.documents {
            let value = doc.to_json();
            if let Some(object) = object_of(&rel, doc.span.start.line, value) {
                out.push(object);
            }
        }
    }
    Ok(out)
}

/// The Argo CD object a parsed document holds, if it is one.
pub fn object_of(file: &str, line: u32, value: Value) -> Option<ArgoObject> {
    let api = value.get("apiVersion")?.as_str()?;
    let kind = value.get("kind")?.as_str()?.to_string();
    if !api.starts_with("argoproj.io/") || !KINDS.contains(&kind.as_str()) {
        return None;
    }
    let meta = |field: &str| {
        value
            .pointer(&format!("/metadata/{field}"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    Some(ArgoObject {
        file: file.to_string(),
        line,
        name: meta("name"),
        namespace: meta("namespace"),
        kind,
        value,
    })
}

/// The repo-relative `.yaml`/`.yml` files under `root`, sorted.
fn yaml_files(root: &Path, skip: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![String::new()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if dir.is_empty() {
                name.clone()
            } else {
                format!("{dir}/{name}")
            };
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                let skipped = name.starts_with('.')
                    || (dir.is_empty()
                        && matches!(
                            name.as_str(),
                            "target" | "node_modules" | crate::compile::OUT_DIR
                        ))
                    || rel == skip;
                if !skipped {
                    stack.push(rel);
                }
            } else if kind.is_file() && (name.ends_with(".yaml") || name.ends_with(".yml")) {
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}
