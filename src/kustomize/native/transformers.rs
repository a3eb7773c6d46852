//! `transformers` that name kustomize's built-in transformers by config (`apiVersion:
//! builtin`), in files or inline: `LabelTransformer` and `AnnotationsTransformer` at their
//! field specs, `PrefixSuffixTransformer` on names and at its other field specs (at the top
//! of a build), `ImageTagTransformer` (in containers, as `images` does, and at its field
//! specs), `ReplicaCountTransformer` (at its field specs), `NamespaceTransformer` (at the
//! top of a build), `PatchTransformer`. kustomize runs them
//! after the kustomization's own transformers, in the order listed, each document of a file
//! in turn. Any other transformer (an exec or container plugin, another built-in, options
//! or field specs platc does not model) is left to kustomize.

use std::path::Path;

use serde_json::Map;

use super::Built;
use super::config::FieldSpec;
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
    // Patch targets match the names and namespaces objects had before the build changed
    // them, and kustomizations above this one know only their own prefixes, suffixes and
    // namespaces: a `PrefixSuffixTransformer` or `NamespaceTransformer` is taken at the top
    // of a build, before any patch by name or namespace.
    let (mut renamed, mut moved) = (false, false);
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
            let by = |field: &str| doc.get("target").and_then(|t| t.get(field)).is_some();
            let top_only = matches!(kind, "PrefixSuffixTransformer" | "NamespaceTransformer");
            if top_only && !top {
                return Err(format!(
                    "built-in transformer `{kind}` below the top of a build (patches above it \
                     would match the names and namespaces it changes)"
                ));
            }
            if (renamed && by("name")) || (moved && by("namespace")) {
                return Err(format!(
                    "built-in transformer `{kind}` targeting a name or namespace a transformer \
                     before it changed"
                ));
            }
            renamed |= kind == "PrefixSuffixTransformer";
            moved |= kind == "NamespaceTransformer";
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
        "ImageTagTransformer" => &["imageTag", "fieldSpecs"],
        "ReplicaCountTransformer" => &["replica", "fieldSpecs"],
        "NamespaceTransformer" => &["fieldSpecs", "unsetOnly"],
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
            super::labels::add(&pairs, &specs, &mut built.objects)
        }
        "ImageTagTransformer" => {
            // As an `images` entry does, then at the config's own field specs.
            let specs = field_specs(doc.get("fieldSpecs"))?;
            let specs: Vec<&FieldSpec> = specs.iter().collect();
            super::set_images(doc.get("imageTag")?, &specs, &mut built.objects)
        }
        "ReplicaCountTransformer" => {
            // As a `replicas` entry does, at the config's field specs only.
            let specs = field_specs(doc.get("fieldSpecs"))?;
            super::set_replicas(doc.get("replica")?, &specs, built)
        }
        "PrefixSuffixTransformer" => {
            // Names (`metadata/name` for every kind, as kustomize's own prefix and suffix),
            // and the text of the other fields its specs name.
            let specs = field_specs(doc.get("fieldSpecs"))?;
            let (names, others): (Vec<&FieldSpec>, Vec<&FieldSpec>) =
                specs.iter().partition(|s| s.path == ["metadata", "name"]);
            let any_kind =
                |s: &&FieldSpec| s.kind.is_none() && s.group.is_none() && s.version.is_none();
            if names.len() > 1 || !names.iter().all(any_kind) {
                return None;
            }
            let text = |f: &str| -> Option<String> {
                match doc.get(f) {
                    None => Some(String::new()),
                    Some(n) => n.as_str().map(str::to_string),
                }
            };
            let (prefix, suffix) = (text("prefix")?, text("suffix")?);
            if !names.is_empty() {
                super::rename(built, |name| format!("{prefix}{name}{suffix}"));
            }
            super::extended::affix(&others, &mut built.objects, super::renamed, |t| {
                format!("{prefix}{t}{suffix}")
            })
        }
        "NamespaceTransformer" => namespace(registry, doc, built),
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

/// A `NamespaceTransformer`: the namespace in `metadata.namespace` set on every namespaced
/// object (whatever its field specs say about `metadata/namespace`: kustomize sets it
/// anyway), a `Namespace` object renamed only where a `metadata/name` spec selects it (one
/// the specs leave alone is left to kustomize), and at the other field specs as
/// `configurations` add them. `unsetOnly` is left to kustomize.
fn namespace(registry: &Registry, doc: &Node, built: &mut Built) -> Option<()> {
    if doc
        .get("unsetOnly")
        .is_some_and(|u| u.as_bool() != Some(false))
    {
        return None;
    }
    let namespace = match doc.get("metadata")?.get("namespace") {
        None => return Some(()),
        Some(n) => n.as_str()?,
    };
    if namespace.is_empty() {
        return Some(());
    }
    let specs = field_specs(doc.get("fieldSpecs"))?;
    let (meta, others): (Vec<&FieldSpec>, Vec<&FieldSpec>) = specs
        .iter()
        .partition(|s| s.path.first().is_some_and(|p| p == "metadata"));
    let namespace_object =
        |o: &serde_json::Value| o["apiVersion"] == "v1" && o["kind"] == "Namespace";
    let renames_namespaces = meta.iter().any(|s| {
        s.path == ["metadata", "name"]
            && s.kind.as_deref() == Some("Namespace")
            && s.group.is_none()
            && s.version.as_deref().is_none_or(|v| v == "v1")
    });
    let known = |s: &&&FieldSpec| {
        s.path == ["metadata", "namespace"]
            || (s.path == ["metadata", "name"] && s.kind.as_deref() == Some("Namespace"))
    };
    if !meta.iter().all(|s| known(&s))
        || (!renames_namespaces && built.objects.iter().any(namespace_object))
    {
        return None;
    }
    super::set_namespace(registry, namespace, &mut built.objects)?;
    super::extended::namespace(&others, namespace, &mut built.objects)
}

/// The field specs of a config; None for a form platc does not walk (`[name=x]` steps).
fn field_specs(node: Option<&Node>) -> Option<Vec<FieldSpec>> {
    node.and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .map(|item| FieldSpec::parse(item).ok())
        .collect()
}
