//! `transformers` that name kustomize's built-in transformers by config (`apiVersion:
//! builtin`), in files or inline: `LabelTransformer` and `AnnotationsTransformer` at their
//! field specs, `PrefixSuffixTransformer` on names, `PatchTransformer`. kustomize runs them
//! after the kustomization's own transformers, in the order listed, each document of a file
//! in turn. Any other transformer (an exec or container plugin, another built-in, options
//! or field specs platc does not model) is left to kustomize.

use std::path::Path;

use serde_json::{Map, Value};

use super::Built;
use super::read;
use crate::kustomize::Kustomization;
use crate::kustomize::select::Renames;
use crate::schema::registry::Registry;
use crate::yaml::{Node, Value as V};

/// Runs the kustomization's `transformers`; Err names what is left to kustomize.
pub(super) fn run(
    root: &Path,
    registry: &Registry,
    k: &Kustomization,
    renames: &Renames<'_>,
    built: &mut Built,
    top: bool,
) -> Result<(), String> {
    let Some(entries) = k.doc.get("transformers") else {
        return Ok(());
    };
    // Patch targets match the names objects had before the build renamed them, and
    // kustomizations above this one know only their own prefixes and suffixes: a
    // `PrefixSuffixTransformer` is taken at the top of a build, before any patch by name.
    let mut renamed = false;
    for entry in entries.as_seq().unwrap_or(&[]) {
        let entry = entry
            .as_str()
            .ok_or("a `transformers` entry that is not text")?;
        let text = if entry.contains('\n') {
            entry.to_string()
        } else {
            super::read_patch(root, k, entry)
                .ok_or_else(|| format!("transformer config `{entry}`"))?
        };
        let docs = read::nodes(&text, read::Role::Patch)
            .ok_or_else(|| format!("transformer config `{}`", first_line(entry)))?;
        for doc in &docs {
            let kind = doc.get("kind").and_then(Node::as_str).unwrap_or("?");
            if doc.get("apiVersion").and_then(Node::as_str) != Some("builtin") {
                return Err(format!("transformer plugin `{kind}`"));
            }
            let by_name = doc.get("target").and_then(|t| t.get("name")).is_some();
            if (kind == "PrefixSuffixTransformer" && !top) || (renamed && by_name) {
                return Err(format!("built-in transformer `{kind}` here"));
            }
            renamed |= kind == "PrefixSuffixTransformer";
            transform(root, registry, k, renames, doc, built)
                .ok_or_else(|| format!("built-in transformer `{kind}` as configured"))?;
        }
    }
    Ok(())
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// One built-in transformer config; None for what platc does not reproduce.
fn transform(
    root: &Path,
    registry: &Registry,
    k: &Kustomization,
    renames: &Renames<'_>,
    doc: &Node,
    built: &mut Built,
) -> Option<()> {
    let kind = doc.get("kind")?.as_str()?;
    let own: &[&str] = match kind {
        "LabelTransformer" => &["labels", "fieldSpecs"],
        "AnnotationsTransformer" => &["annotations", "fieldSpecs"],
        "PrefixSuffixTransformer" => &["prefix", "suffix", "fieldSpecs"],
        "PatchTransformer" => &["patch", "path", "target"],
        _ => return None,
    };
    for (key, _) in doc.as_map()? {
        let key = key.as_str()?;
        if !(matches!(key, "apiVersion" | "kind" | "metadata") || own.contains(&key)) {
            return None;
        }
    }
    match kind {
        "LabelTransformer" | "AnnotationsTransformer" => {
            let field = if kind == "LabelTransformer" {
                "labels"
            } else {
                "annotations"
            };
            let pairs = match doc.get(field) {
                Some(node) => super::label_values(node)?,
                None => Map::new(),
            };
            let specs = field_specs(doc.get("fieldSpecs"))?;
            for o in built.objects.iter_mut() {
                for spec in &specs {
                    if spec.selects(o) {
                        let path: Vec<&str> = spec.path.iter().map(String::as_str).collect();
                        super::labels::set(o, &path, spec.create, &pairs)?;
                    }
                }
            }
            Some(())
        }
        "PrefixSuffixTransformer" => {
            // Names only (the field spec kustomize's own prefix and suffix use).
            let specs = field_specs(doc.get("fieldSpecs"))?;
            let names_only = matches!(specs.as_slice(), [s] if s.path == ["metadata", "name"]
                && s.kind.is_none() && s.group.is_none() && s.version.is_none());
            if !names_only {
                return None;
            }
            let text = |f: &str| -> Option<String> {
                match doc.get(f) {
                    None => Some(String::new()),
                    Some(n) => n.as_str().map(str::to_string),
                }
            };
            let (prefix, suffix) = (text("prefix")?, text("suffix")?);
            super::rename(built, |name| format!("{prefix}{name}{suffix}"));
            Some(())
        }
        "PatchTransformer" => {
            let entries = doc
                .as_map()?
                .iter()
                .filter(|(key, _)| matches!(key.as_str(), Some("patch" | "path" | "target")))
                .cloned()
                .collect();
            let entry = Node::new(V::Map(entries), doc.span);
            super::apply_patch(root, registry, k, renames, &entry, built)
        }
        _ => None,
    }
}

/// A field spec: where a transformer writes, in the objects of a kind (and group, version).
struct FieldSpec {
    group: Option<String>,
    version: Option<String>,
    kind: Option<String>,
    path: Vec<String>,
    create: bool,
}

impl FieldSpec {
    fn selects(&self, o: &Value) -> bool {
        let api = o["apiVersion"].as_str().unwrap_or_default();
        let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
        let is = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        is(&self.group, group)
            && is(&self.version, version)
            && is(&self.kind, o["kind"].as_str().unwrap_or_default())
    }
}

/// The field specs of a config; None for a form platc does not walk (`[name=x]` steps,
/// escaped slashes).
fn field_specs(node: Option<&Node>) -> Option<Vec<FieldSpec>> {
    let mut out = Vec::new();
    for item in node.and_then(Node::as_seq).unwrap_or(&[]) {
        let mut spec = FieldSpec {
            group: None,
            version: None,
            kind: None,
            path: Vec::new(),
            create: false,
        };
        for (key, value) in item.as_map()? {
            let text = || value.as_str().map(str::to_string);
            match key.as_str()? {
                "group" => spec.group = text().filter(|t| !t.is_empty()),
                "version" => spec.version = text().filter(|t| !t.is_empty()),
                "kind" => spec.kind = text().filter(|t| !t.is_empty()),
                "path" => {
                    let path = text()?;
                    if path.contains(['=', '\\']) || path.is_empty() {
                        return None;
                    }
                    // `[]` marks a list, which the walk goes through anyway.
                    spec.path = path
                        .split('/')
                        .map(|s| s.trim_end_matches("[]").to_string())
                        .collect();
                    if spec
                        .path
                        .iter()
                        .any(|s| s.is_empty() || s.contains(['[', ']']))
                    {
                        return None;
                    }
                }
                "create" => spec.create = value.as_bool()?,
                _ => return None,
            }
        }
        if spec.path.is_empty() {
            return None;
        }
        out.push(spec);
    }
    Some(out)
}
