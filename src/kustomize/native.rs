//! Builds of the kustomizations platc can reproduce exactly, in process: local resources
//! (files and folders with their own kustomization), `namespace`, `labels` on metadata, JSON
//! 6902 patches with a target, `images`, `replicas` and `commonAnnotations`. For anything else (generators, name prefixes, strategic
//! merge patches, components, remote bases, Helm charts...) the answer is "not here" and the
//! caller runs kustomize.
//!
//! "Not here" is also the answer for a file that cannot be read (over `limits.fileSize`,
//! unreadable, a link leading outside the repository) or parsed: this build never reports,
//! it only declines. That is not a silent skip because each caller then reports the file or
//! falls back to a reader that does: `validate` notes a file over the limit
//! (`kustomize/not-built`) and builds the rest with kustomize, which names what it cannot
//! read or parse; `generate` refuses, naming the file (`needs::over_size`); `diff` names the
//! files it did not read; `import` takes the folder's files one by one (its reader reports
//! them); the spec lint, which only uses the objects to check patch targets, leaves the
//! targets unchecked (the compiler and `validate` report the file).
//!
//! Why: kustomize is a process per overlay (about 35 ms each), so a repository of a thousand
//! overlays would wait half a minute for builds alone. What is built here is checked object
//! for object against `kubectl kustomize` on every fixture (tests/kustomize_native.rs).

use std::path::Path;

use serde_json::{Map, Value};

use super::select::{Renames, Selector};
use super::{Kustomizations, RefKind};
use crate::schema::registry::Registry;
use crate::yaml::Node;

/// The fields a kustomization may use to be built here.
const SUPPORTED: [&str; 9] = [
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "labels",
    "patches",
    "images",
    "replicas",
    "commonAnnotations",
];

/// Where `commonAnnotations` go besides every object's metadata: pod templates (kustomize's
/// field specs), by kind and, where given, API group.
const ANNOTATED_TEMPLATES: [(&str, Option<&str>, &str); 8] = [
    ("ReplicationController", None, "/spec/template/metadata"),
    ("Deployment", None, "/spec/template/metadata"),
    ("ReplicaSet", None, "/spec/template/metadata"),
    ("DaemonSet", None, "/spec/template/metadata"),
    ("StatefulSet", None, "/spec/template/metadata"),
    ("Job", Some("batch"), "/spec/template/metadata"),
    ("CronJob", Some("batch"), "/spec/jobTemplate/metadata"),
    (
        "CronJob",
        Some("batch"),
        "/spec/jobTemplate/spec/template/metadata",
    ),
];

/// The kinds kustomize's `replicas` field scales.
const SCALED: [&str; 4] = [
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "ReplicationController",
];

/// Kinds whose fields name namespaces that kustomize's namespace transformer rewrites too.
const NAMESPACE_REFERENCES: [&str; 6] = [
    "RoleBinding",
    "ClusterRoleBinding",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "CustomResourceDefinition",
];

/// The objects `kustomize build dir` would print, or None when it is not built here.
pub fn build(
    root: &Path,
    kustomizations: &Kustomizations,
    registry: &Registry,
    dir: &str,
) -> Option<Vec<Value>> {
    let mut stack = Vec::new();
    let objects = build_dir(root, kustomizations, registry, dir, &mut stack)?;
    Some(objects)
}

fn build_dir(
    root: &Path,
    ks: &Kustomizations,
    registry: &Registry,
    dir: &str,
    stack: &mut Vec<String>,
) -> Option<Vec<Value>> {
    if stack.iter().any(|d| d == dir) {
        return None;
    }
    let k = ks.in_dir(dir)?;
    // A malformed kustomization is kustomize's to refuse.
    if !super::fields::problems(&k.doc).is_empty() {
        return None;
    }
    let entries = k.doc.as_map()?;
    if entries
        .iter()
        .any(|(key, _)| !key.as_str().is_some_and(|s| SUPPORTED.contains(&s)))
    {
        return None;
    }
    if k.field("kind").is_some_and(|kind| kind != "Kustomization") {
        return None;
    }
    stack.push(dir.to_string());
    let mut objects = Vec::new();
    for r in k.refs() {
        if r.kind != RefKind::Resource {
            continue;
        }
        let target = k.local(&r)?;
        let full = root.join(&target);
        // Nothing is read through a link leading out of the repository (kustomize's load
        // restrictor refuses it too, once the build falls back to it).
        crate::confine::within(root, &full, &target).ok()?;
        if full.is_dir() {
            objects.extend(build_dir(root, ks, registry, &target, stack)?);
        } else if full.is_file() {
            // kustomize refuses files above the kustomization: let it say so.
            if !(k.dir.is_empty() || target.starts_with(&format!("{}/", k.dir))) {
                return None;
            }
            objects.extend(read_resources(root, &target)?);
        } else {
            return None;
        }
    }
    stack.pop();
    if !unique(&objects) {
        return None;
    }
    // kustomize's order of built-in transformers: patches, namespace, labels, annotations,
    // replicas, images.
    // Names and namespaces as kustomize matches patch targets: unchanged below this
    // kustomization, unless some kustomization of the build sets a namespace.
    let tree = ks.tree(&k.dir);
    let renames = Renames::of(ks, &tree);
    for patch in k.doc.get("patches").and_then(Node::as_seq).unwrap_or(&[]) {
        apply_patch(root, k, &renames, patch, &mut objects)?;
    }
    if let Some(namespace) = k.field("namespace") {
        set_namespace(registry, namespace, &mut objects)?;
    }
    for item in k.doc.get("labels").and_then(Node::as_seq).unwrap_or(&[]) {
        add_labels(item, &mut objects)?;
    }
    if let Some(annotations) = k.doc.get("commonAnnotations") {
        add_annotations(annotations, &mut objects)?;
    }
    for item in k.doc.get("replicas").and_then(Node::as_seq).unwrap_or(&[]) {
        set_replicas(item, &mut objects)?;
    }
    for item in k.doc.get("images").and_then(Node::as_seq).unwrap_or(&[]) {
        set_images(item, &mut objects)?;
    }
    Some(objects)
}

/// `commonAnnotations`: on every object's metadata and on the pod templates of workloads.
fn add_annotations(annotations: &Node, objects: &mut [Value]) -> Option<()> {
    let mut pairs = Map::new();
    for (k, v) in annotations.as_map()? {
        // Values must be written as strings: `true` or `1.10` unquoted lose their text.
        let crate::yaml::Value::Str { text, .. } = &v.value else {
            return None;
        };
        pairs.insert(k.as_str()?.to_string(), Value::String(text.clone()));
    }
    for o in objects.iter_mut() {
        let kind = o["kind"].as_str().unwrap_or_default().to_string();
        let api = o["apiVersion"].as_str().unwrap_or_default().to_string();
        let group = api.rsplit_once('/').map_or("", |(g, _)| g).to_string();
        annotate(metadata(o)?, &pairs)?;
        for (k, g, pointer) in ANNOTATED_TEMPLATES {
            if k == kind && g.is_none_or(|g| g == group) {
                let meta = ensure_map(o, pointer)?;
                annotate(meta, &pairs)?;
            }
        }
    }
    Some(())
}

fn annotate(meta: &mut Map<String, Value>, pairs: &Map<String, Value>) -> Option<()> {
    let annotations = meta
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if annotations.is_null() {
        *annotations = Value::Object(Map::new());
    }
    let annotations = annotations.as_object_mut()?;
    for (k, v) in pairs {
        annotations.insert(k.clone(), v.clone());
    }
    Some(())
}

/// The map at a JSON pointer, created along the way as kustomize does (`create: true`).
fn ensure_map<'a>(o: &'a mut Value, pointer: &str) -> Option<&'a mut Map<String, Value>> {
    let mut at = o;
    for part in pointer.split('/').skip(1) {
        let map = at.as_object_mut()?;
        let next = map.entry(part).or_insert_with(|| Value::Object(Map::new()));
        if next.is_null() {
            *next = Value::Object(Map::new());
        }
        at = next;
    }
    at.as_object_mut()
}

/// A `replicas` entry: the count of the scalable workloads of that name.
fn set_replicas(item: &Node, objects: &mut [Value]) -> Option<()> {
    for (key, _) in item.as_map()? {
        if !matches!(key.as_str()?, "name" | "count") {
            return None;
        }
    }
    let name = item.get("name")?.as_str()?;
    let count = match item.get("count")?.value {
        crate::yaml::Value::Int(n) => n,
        _ => return None,
    };
    let mut matched = false;
    for o in objects.iter_mut() {
        // kustomize scales the objects of that name among the kinds it can scale: a Service
        // or ServiceAccount of the same name is left alone. A name that matches none of them
        // is its error to report.
        if o["metadata"]["name"].as_str() != Some(name)
            || !SCALED.contains(&o["kind"].as_str().unwrap_or_default())
        {
            continue;
        }
        matched = true;
        o.as_object_mut()?
            .entry("spec")
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()?
            .insert("replicas".into(), Value::from(count));
    }
    matched.then_some(())
}

/// An `images` entry: every container image of that name, in any object, renamed, retagged
/// or pinned to a digest.
fn set_images(item: &Node, objects: &mut [Value]) -> Option<()> {
    let mut image = Image::default();
    for (key, value) in item.as_map()? {
        // Tags and digests must be written as strings: `1.10` unquoted is a number whose
        // text is lost.
        let text = match &value.value {
            crate::yaml::Value::Str { text, .. } => text.clone(),
            _ => return None,
        };
        match key.as_str()? {
            "name" => image.name = text,
            "newName" => image.new_name = Some(text),
            "newTag" => image.new_tag = Some(text),
            "digest" => image.digest = Some(text),
            _ => return None,
        }
    }
    if image.name.is_empty() {
        return None;
    }
    for o in objects.iter_mut() {
        retag(o, &image)?;
    }
    Some(())
}

#[derive(Default)]
struct Image {
    name: String,
    new_name: Option<String>,
    new_tag: Option<String>,
    digest: Option<String>,
}

/// Every `containers` and `initContainers` list below `value` (kustomize walks the whole
/// object, custom resources included).
fn retag(value: &mut Value, image: &Image) -> Option<()> {
    match value {
        Value::Object(map) => {
            if map.contains_key("ephemeralContainers") {
                return None;
            }
            for (key, child) in map.iter_mut() {
                if (key == "containers" || key == "initContainers")
                    && let Value::Array(items) = child
                {
                    for item in items.iter_mut() {
                        if let Some(Value::String(reference)) = item.get_mut("image")
                            && let Some(new) = retagged(reference, image)
                        {
                            *reference = new;
                        }
                    }
                } else {
                    retag(child, image)?;
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                retag(item, image)?;
            }
        }
        _ => {}
    }
    Some(())
}

/// The new reference for an image of the entry's name (None: another image). A digest drops
/// the old tag, a tag drops the old digest, both give `name:tag@digest`.
fn retagged(reference: &str, image: &Image) -> Option<String> {
    let (rest, digest) = match reference.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (reference, None),
    };
    let (name, tag) = match rest.rfind(':') {
        Some(i) if !rest[i..].contains('/') => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    if name != image.name {
        return None;
    }
    let name = image.new_name.as_deref().unwrap_or(name);
    Some(match (&image.new_tag, &image.digest) {
        (Some(t), Some(d)) => format!("{name}:{t}@{d}"),
        (None, Some(d)) => format!("{name}@{d}"),
        (Some(t), None) => format!("{name}:{t}"),
        (None, None) => {
            let mut s = name.to_string();
            if let Some(t) = tag {
                s.push(':');
                s.push_str(t);
            }
            if let Some(d) = digest {
                s.push('@');
                s.push_str(d);
            }
            s
        }
    })
}

/// The objects of a resource file (`List`s expanded); None for what kustomize would reject
/// or treat specially.
fn read_resources(root: &Path, rel: &str) -> Option<Vec<Value>> {
    let text = crate::confine::read_to_string(root, rel).ok()?;
    let stream = crate::yaml::parse_stream(&text).ok()?;
    let mut out = Vec::new();
    for doc in &stream.documents {
        if doc.is_null() {
            continue;
        }
        if !resolves_alike(&text, doc) {
            return None;
        }
        let value = doc.to_json();
        let kind = value.get("kind").and_then(Value::as_str)?;
        if kind.ends_with("List") && value.get("items").is_some() {
            for item in value["items"].as_array()? {
                out.push(checked(item.clone())?);
            }
        } else {
            out.push(checked(value)?);
        }
    }
    Some(out)
}

/// Whether every scalar means the same to kustomize (YAML 1.2: `y`, `on`, `no` are strings,
/// and it writes them quoted) as to platc and the API server (YAML 1.1: booleans). A file
/// where they differ is left to kustomize.
fn resolves_alike(text: &str, node: &Node) -> bool {
    use crate::yaml::Value as V;
    match &node.value {
        V::Bool(_) | V::Int(_) | V::UInt(_) | V::Float(_) => {
            let start = crate::source::byte_offset(text, node.span.start);
            let end = crate::source::byte_offset(text, node.span.end).max(start);
            let raw = text[start..end].trim();
            match &node.value {
                V::Bool(_) => matches!(raw, "true" | "false" | "True" | "False" | "TRUE" | "FALSE"),
                _ => !raw.contains('_') && !raw.trim_start_matches(['-', '+']).starts_with("0b"),
            }
        }
        V::Seq(items) => items.iter().all(|i| resolves_alike(text, i)),
        V::Map(entries) => entries
            .iter()
            .all(|(k, v)| resolves_alike(text, k) && resolves_alike(text, v)),
        _ => true,
    }
}

/// An object kustomize accepts as it is: a map with apiVersion, kind and metadata.name.
fn checked(value: Value) -> Option<Value> {
    let ok = value.get("apiVersion").and_then(Value::as_str).is_some()
        && value.get("kind").and_then(Value::as_str).is_some()
        && value
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .is_some_and(|n| !n.is_empty());
    ok.then_some(value)
}

/// kustomize fails on two objects with one id; the failure is its to report.
fn unique(objects: &[Value]) -> bool {
    let mut seen = std::collections::HashSet::new();
    objects.iter().all(|o| {
        seen.insert((
            o["apiVersion"].as_str().unwrap_or_default().to_string(),
            o["kind"].as_str().unwrap_or_default().to_string(),
            o["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            o["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        ))
    })
}

/// A `patches` entry: JSON 6902 operations with a target, inline or from a file.
fn apply_patch(
    root: &Path,
    k: &super::Kustomization,
    renames: &Renames<'_>,
    patch: &Node,
    objects: &mut [Value],
) -> Option<()> {
    let entries = patch.as_map()?;
    if entries
        .iter()
        .any(|(key, _)| !matches!(key.as_str(), Some("path" | "patch" | "target")))
    {
        return None;
    }
    let text = match (patch.get("patch"), patch.get("path")) {
        (Some(inline), None) => inline.as_str()?.to_string(),
        (None, Some(path)) => {
            let rel = crate::spec::paths::repo_relative(&k.dir, path.as_str()?).ok()?;
            crate::confine::read_to_string(root, &rel).ok()?
        }
        _ => return None,
    };
    let selector = Selector::of(patch.get("target")?)?;
    if selector.has_namespace() && renames.namespace_set {
        return None;
    }
    let stream = crate::yaml::parse_stream(&text).ok()?;
    let ops = stream.documents.first()?;
    if !resolves_alike(&text, ops) {
        return None;
    }
    let ops = ops.to_json();
    let ops = ops.as_array()?;
    for object in objects.iter_mut() {
        if selector.matches(&*object, renames) {
            for op in ops {
                apply_op(object, op)?;
            }
        }
    }
    Some(())
}

/// One JSON Patch operation (RFC 6902).
fn apply_op(doc: &mut Value, op: &Value) -> Option<()> {
    let path = op.get("path")?.as_str()?;
    match op.get("op")?.as_str()? {
        "add" => add(doc, path, op.get("value")?.clone()),
        "remove" => remove(doc, path).map(|_| ()),
        "replace" => match doc.pointer_mut(path) {
            Some(slot) => {
                *slot = op.get("value")?.clone();
                Some(())
            }
            // kustomize adds a missing key of an existing object (`replace /spec/replicas` on
            // a Deployment that has none).
            None => {
                let (parent, last) = split(path)?;
                let map = doc.pointer_mut(parent)?.as_object_mut()?;
                map.insert(last, op.get("value")?.clone());
                Some(())
            }
        },
        "move" => {
            let value = remove(doc, op.get("from")?.as_str()?)?;
            add(doc, path, value)
        }
        "copy" => {
            let value = doc.pointer(op.get("from")?.as_str()?)?.clone();
            add(doc, path, value)
        }
        "test" => (doc.pointer(path)? == op.get("value")?).then_some(()),
        _ => None,
    }
}

/// The parent of a JSON pointer and its last token, unescaped.
fn split(path: &str) -> Option<(&str, String)> {
    let (parent, last) = path.rsplit_once('/')?;
    Some((parent, last.replace("~1", "/").replace("~0", "~")))
}

fn add(doc: &mut Value, path: &str, value: Value) -> Option<()> {
    if path.is_empty() {
        *doc = value;
        return Some(());
    }
    let (parent, last) = split(path)?;
    match doc.pointer_mut(parent)? {
        Value::Object(map) => {
            map.insert(last, value);
            Some(())
        }
        Value::Array(items) => {
            let at = if last == "-" {
                items.len()
            } else {
                last.parse().ok()?
            };
            (at <= items.len()).then(|| items.insert(at, value))
        }
        _ => None,
    }
}

fn remove(doc: &mut Value, path: &str) -> Option<Value> {
    let (parent, last) = split(path)?;
    match doc.pointer_mut(parent)? {
        Value::Object(map) => map.shift_remove(&last),
        Value::Array(items) => {
            let at: usize = last.parse().ok()?;
            (at < items.len()).then(|| items.remove(at))
        }
        _ => None,
    }
}

/// `namespace:` on every namespaced object. kustomize knows which built-in kinds are
/// cluster-scoped and takes every other kind as namespaced; a custom kind known to be
/// cluster-scoped, and kinds whose fields name namespaces, are left to kustomize.
/// kustomize also renames a `Namespace` object to the namespace (two of them would then
/// collide: kustomize says how).
fn set_namespace(registry: &Registry, namespace: &str, objects: &mut [Value]) -> Option<()> {
    let is_namespace = |o: &Value| o["apiVersion"] == "v1" && o["kind"] == "Namespace";
    if objects.iter().filter(|o| is_namespace(o)).count() > 1 {
        return None;
    }
    for o in objects.iter_mut() {
        let api = o["apiVersion"].as_str().unwrap_or_default().to_string();
        let kind = o["kind"].as_str().unwrap_or_default().to_string();
        if NAMESPACE_REFERENCES.contains(&kind.as_str()) {
            return None;
        }
        if is_namespace(o) {
            metadata(o)?.insert("name".into(), Value::String(namespace.into()));
            continue;
        }
        let namespaced = match registry.core_namespaced(&api, &kind) {
            Some(n) => n,
            None => match registry.is_namespaced(&api, &kind) {
                Some(false) => return None,
                _ => true,
            },
        };
        if namespaced {
            metadata(o)?.insert("namespace".into(), Value::String(namespace.into()));
        }
    }
    Some(())
}

/// A `labels` entry that only labels objects' metadata.
fn add_labels(item: &Node, objects: &mut [Value]) -> Option<()> {
    for (key, value) in item.as_map()? {
        match key.as_str()? {
            "pairs" => {}
            "includeSelectors" | "includeTemplates" if value.as_bool() == Some(false) => {}
            _ => return None,
        }
    }
    let pairs = item.get("pairs")?.to_json();
    let pairs = pairs.as_object()?;
    for o in objects.iter_mut() {
        let meta = metadata(o)?;
        let labels = meta
            .entry("labels")
            .or_insert_with(|| Value::Object(Map::new()));
        let labels = match labels {
            Value::Object(m) => m,
            Value::Null => {
                *labels = Value::Object(Map::new());
                labels.as_object_mut()?
            }
            _ => return None,
        };
        for (k, v) in pairs {
            labels.insert(k.clone(), Value::String(v.as_str()?.to_string()));
        }
    }
    Some(())
}

fn metadata(o: &mut Value) -> Option<&mut Map<String, Value>> {
    o.as_object_mut()?
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn images_as_kustomize_rewrites_them() {
        let digest = format!("sha256:{}", "1".repeat(64));
        let entry = |new_name: Option<&str>, tag: Option<&str>, d: bool| Image {
            name: "nginx".into(),
            new_name: new_name.map(str::to_string),
            new_tag: tag.map(str::to_string),
            digest: d.then(|| digest.clone()),
        };
        assert_eq!(
            retagged("nginx:1.25", &entry(None, Some("1.27"), false)).unwrap(),
            "nginx:1.27"
        );
        assert_eq!(
            retagged("nginx:1.25", &entry(None, None, true)).unwrap(),
            format!("nginx@{digest}")
        );
        assert_eq!(
            retagged("nginx", &entry(None, Some("1.27"), true)).unwrap(),
            format!("nginx:1.27@{digest}")
        );
        assert_eq!(
            retagged("nginx:9", &entry(Some("x/nginx"), None, false)).unwrap(),
            "x/nginx:9"
        );
        assert_eq!(
            retagged("docker.io/library/nginx:1", &entry(None, Some("2"), false)),
            None
        );
        let port = Image {
            name: "registry:5000/e".into(),
            new_tag: Some("4".into()),
            ..Image::default()
        };
        assert_eq!(
            retagged("registry:5000/e", &port).unwrap(),
            "registry:5000/e:4"
        );
    }

    #[test]
    fn json_patch_operations() {
        let mut doc = json!({"spec": {"replicas": 1, "ports": [{"port": 80}]}, "metadata": {"labels": {"a/b": "x"}}});
        for op in [
            json!({"op": "replace", "path": "/spec/replicas", "value": 3}),
            json!({"op": "add", "path": "/spec/ports/-", "value": {"port": 443}}),
            json!({"op": "add", "path": "/spec/ports/0", "value": {"port": 8080}}),
            json!({"op": "remove", "path": "/metadata/labels/a~1b"}),
            json!({"op": "copy", "from": "/spec/replicas", "path": "/spec/min"}),
            json!({"op": "move", "from": "/spec/min", "path": "/spec/max"}),
            json!({"op": "test", "path": "/spec/max", "value": 3}),
        ] {
            apply_op(&mut doc, &op).unwrap();
        }
        assert_eq!(
            doc,
            json!({"spec": {"replicas": 3, "ports": [{"port": 8080}, {"port": 80}, {"port": 443}], "max": 3}, "metadata": {"labels": {}}})
        );
        apply_op(
            &mut doc,
            &json!({"op": "replace", "path": "/spec/new", "value": 1}),
        )
        .unwrap();
        assert_eq!(doc["spec"]["new"], 1);
        assert!(
            apply_op(
                &mut doc,
                &json!({"op": "replace", "path": "/nope/x", "value": 1})
            )
            .is_none()
        );
        assert!(
            apply_op(
                &mut doc,
                &json!({"op": "replace", "path": "/spec/ports/9", "value": 1})
            )
            .is_none()
        );
        assert!(
            apply_op(
                &mut doc,
                &json!({"op": "test", "path": "/spec/max", "value": 4})
            )
            .is_none()
        );
    }
}
