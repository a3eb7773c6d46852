//! Argo CD objects (Application, ApplicationSet, AppProject) compared the way Argo CD reads
//! them, for round-trip tests: the originals of a repository against what `platc build`
//! generates from the imported spec.
//!
//! Use it from a test file with
//! `#[path = "common/argocd_compare.rs"] mod argocd_compare;`
//! then `argocd_compare::compare_dirs(original, generated)`.
//!
//! `platc import` has a normaliser of its own (`src/import/normalize.rs`) to decide what it
//! reproduces. This one is written apart on purpose: the round-trip tests judge the importer
//! with an oracle that does not share its mistakes.
//!
//! What counts as the same (each rule is Argo CD's own semantics, so a difference reported
//! here is one Argo CD would act on):
//! - `status`, `operation` and server-generated metadata (resourceVersion, uid,
//!   creationTimestamp, generation, managedFields, ...) are dropped.
//! - Key order never matters; empty strings, `false`, empty maps and empty lists equal an
//!   absent field (Go's `omitempty` on Argo CD's types), except where presence has a meaning:
//!   `syncPolicy.automated: {}` turns auto-sync on, `automated.enabled: false` turns it off,
//!   `managedNamespaceMetadata: {}` makes Argo CD manage the namespace's metadata; and inside
//!   free-form maps (labels, annotations, valuesObject, list generator elements) every entry
//!   is data and is kept as written.
//! - The sync-wave annotation is an integer: `"0"` equals no annotation, `"05"` equals `"5"`.
//! - A git source's `targetRevision` of `""`, `HEAD` or nothing is the same (Argo CD resolves
//!   an empty revision to HEAD); a chart's empty `targetRevision` is kept distinct from
//!   `HEAD`. Likewise a git generator's `revision`.
//! - `spec.project` empty or absent is `default` (Argo CD's `GetProject`).
//! - `destination.name: in-cluster` is `destination.server: https://kubernetes.default.svc`.
//! - Sync options that restate a default (`CreateNamespace=false`, `ServerSideApply=false`,
//!   `Validate=true`, ...) are dropped; syncOptions, finalizers, ignoreDifferences and an
//!   AppProject's repository and destination lists are sets, so their order is ignored.
//!   The order of `sources`, `valueFiles` and `parameters` matters (later ones win).
//! - `source` and a one-element `sources` stay different: Argo CD treats an Application with
//!   `sources` as multi-source (other UI, other revision history, `$ref` resolution).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// The in-cluster destination, by address.
pub const IN_CLUSTER_SERVER: &str = "https://kubernetes.default.svc";

const WAVE_ANNOTATION: &str = "argocd.argoproj.io/sync-wave";

/// Server-filled metadata, never written by a user.
const GENERATED_METADATA: &[&str] = &[
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// Annotations written by tools, not by the repository.
const GENERATED_ANNOTATIONS: &[&str] = &["kubectl.kubernetes.io/last-applied-configuration"];

/// Maps whose entries are user data: an empty string or `false` in them is a value.
const FREE_FORM_KEYS: &[&str] = &[
    "labels",
    "annotations",
    "valuesObject",
    "elements",
    "matchLabels",
    "commonLabels",
    "commonAnnotations",
];

/// Keys whose mere presence, even empty, changes what Argo CD does.
const PRESENCE_MATTERS: &[&str] = &["automated", "managedNamespaceMetadata"];

/// Lists Argo CD reads as sets.
const SET_KEYS: &[&str] = &[
    "syncOptions",
    "finalizers",
    "ignoreDifferences",
    "jsonPointers",
    "jqPathExpressions",
    "managedFieldsManagers",
    "sourceRepos",
    "sourceNamespaces",
    "destinations",
    "clusterResourceWhitelist",
    "clusterResourceBlacklist",
    "namespaceResourceWhitelist",
    "namespaceResourceBlacklist",
];

/// Sync options that say what Argo CD does anyway.
const DEFAULT_SYNC_OPTIONS: &[&str] = &[
    "CreateNamespace=false",
    "ServerSideApply=false",
    "Replace=false",
    "PruneLast=false",
    "ApplyOutOfSyncOnly=false",
    "RespectIgnoreDifferences=false",
    "FailOnSharedResource=false",
    "SkipDryRunOnMissingResource=false",
    "Validate=true",
    "PrunePropagationPolicy=foreground",
];

/// The Argo CD kinds this module reads.
pub const ARGOCD_KINDS: &[&str] = &["Application", "ApplicationSet", "AppProject"];

/// An object's identity, as Argo CD (and the API server) keys it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}", self.kind, self.name)
        } else {
            write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// One object read from a folder: where it came from and its normalised form.
#[derive(Debug, Clone)]
pub struct ArgoObject {
    /// The file, relative to the folder that was read.
    pub file: String,
    pub value: Value,
}

/// One field that differs, at a JSON pointer into the normalised object (`""` when the
/// whole object is missing on one side). `None` is an absent field.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub key: ObjectKey,
    pub pointer: String,
    pub left: Option<Value>,
    pub right: Option<Value>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<Value>| match v {
            None => "(absent)".to_string(),
            Some(_) if self.pointer.is_empty() => "(present)".to_string(),
            Some(v) => v.to_string(),
        };
        write!(
            f,
            "{} {}: {} != {}",
            self.key,
            if self.pointer.is_empty() {
                "(object)"
            } else {
                &self.pointer
            },
            show(&self.left),
            show(&self.right)
        )
    }
}

/// Every Application, ApplicationSet and AppProject under `dir` (recursively, every
/// document of every `.yaml`/`.yml` file), normalised. Files that are not YAML (a Helm
/// template) are skipped unless they mention `argoproj.io`. Two objects with the same key
/// are an error naming both files: read each environment's folder on its own.
pub fn read_argocd_objects(dir: &Path) -> Result<BTreeMap<ObjectKey, ArgoObject>, String> {
    let mut out: BTreeMap<ObjectKey, ArgoObject> = BTreeMap::new();
    for path in yaml_files(dir)? {
        let rel = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{rel}: {e}"))?;
        if platc::yaml::parse_stream(&text).is_err() && !text.contains("argoproj.io") {
            continue;
        }
        add_objects(&mut out, &rel, &text)?;
    }
    Ok(out)
}

/// The Argo CD objects of one YAML stream, such as `kubectl kustomize` output; `label`
/// names it in errors and in [`ArgoObject::file`].
pub fn parse_argocd_objects(
    label: &str,
    text: &str,
) -> Result<BTreeMap<ObjectKey, ArgoObject>, String> {
    let mut out = BTreeMap::new();
    add_objects(&mut out, label, text)?;
    Ok(out)
}

fn add_objects(
    out: &mut BTreeMap<ObjectKey, ArgoObject>,
    label: &str,
    text: &str,
) -> Result<(), String> {
    let stream = platc::yaml::parse_stream(text)
        .map_err(|e| format!("{label}:{}:{}: {}", e.pos.line, e.pos.col, e.message))?;
    for doc in stream.documents {
        let json = doc.to_json_pruned();
        let Some(key) = argocd_key(&json) else {
            continue;
        };
        let object = ArgoObject {
            file: label.to_string(),
            value: normalize(&json),
        };
        if let Some(before) = out.insert(key.clone(), object) {
            return Err(format!(
                "{key} is defined twice: in {} and in {label}",
                before.file
            ));
        }
    }
    Ok(())
}

/// Objects written without a namespace, placed in `namespace` as `kubectl apply -n` (or a
/// kustomization's `namespace:`) would: compare a bootstrap file that leaves the namespace
/// out with generated objects that name it.
pub fn in_namespace(
    objects: BTreeMap<ObjectKey, ArgoObject>,
    namespace: &str,
) -> BTreeMap<ObjectKey, ArgoObject> {
    objects
        .into_iter()
        .map(|(mut key, mut object)| {
            if key.namespace.is_empty() {
                key.namespace = namespace.to_string();
                if let Some(Value::Object(meta)) = object.value.get_mut("metadata") {
                    meta.insert("namespace".into(), Value::from(namespace));
                    sort_keys(meta);
                }
            }
            (key, object)
        })
        .collect()
}

fn sort_keys(map: &mut Map<String, Value>) {
    let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    map.extend(entries);
}

/// Compare the Argo CD objects of two folders; empty when Argo CD would see the same.
pub fn compare_dirs(left: &Path, right: &Path) -> Result<Vec<Difference>, String> {
    Ok(compare(
        &read_argocd_objects(left)?,
        &read_argocd_objects(right)?,
    ))
}

/// Per-field differences between two sets of normalised objects, in key then pointer order.
pub fn compare(
    left: &BTreeMap<ObjectKey, ArgoObject>,
    right: &BTreeMap<ObjectKey, ArgoObject>,
) -> Vec<Difference> {
    let mut out = Vec::new();
    let keys: std::collections::BTreeSet<&ObjectKey> = left.keys().chain(right.keys()).collect();
    for key in keys {
        match (left.get(key), right.get(key)) {
            (Some(l), Some(r)) => diff_values(key, "", Some(&l.value), Some(&r.value), &mut out),
            (l, r) => out.push(Difference {
                key: key.clone(),
                pointer: String::new(),
                left: l.map(|o| o.value.clone()),
                right: r.map(|o| o.value.clone()),
            }),
        }
    }
    out
}

/// The key of an Argo CD object, or `None` for any other document.
pub fn argocd_key(doc: &Value) -> Option<ObjectKey> {
    let api = doc.get("apiVersion")?.as_str()?;
    let kind = doc.get("kind")?.as_str()?;
    if !api.starts_with("argoproj.io/") || !ARGOCD_KINDS.contains(&kind) {
        return None;
    }
    let meta = doc.get("metadata");
    let field = |name: &str| {
        meta.and_then(|m| m.get(name))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    Some(ObjectKey {
        kind: kind.to_string(),
        namespace: field("namespace"),
        name: field("name"),
    })
}

/// An Argo CD object as Argo CD reads it (see the module documentation for the rules).
pub fn normalize(doc: &Value) -> Value {
    let mut doc = doc.clone();
    if let Some(map) = doc.as_object_mut() {
        map.remove("status");
        map.remove("operation");
    }
    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("");
    match kind {
        "Application" => normalize_application(&mut doc),
        "ApplicationSet" => {
            if let Some(template) = doc.pointer_mut("/spec/template") {
                normalize_application(template);
            }
            if let Some(generators) = doc.pointer_mut("/spec/generators") {
                normalize_git_revisions(generators);
            }
        }
        "AppProject" => {
            if let Some(Value::Array(dests)) = doc.pointer_mut("/spec/destinations") {
                dests.iter_mut().for_each(normalize_destination);
            }
        }
        _ => {}
    }
    if let Some(meta) = doc.get_mut("metadata") {
        normalize_metadata(meta);
    }
    prune(&doc, None).unwrap_or(Value::Null)
}

/// Application-specific rules; `app` is an Application or an ApplicationSet's template.
fn normalize_application(app: &mut Value) {
    if let Some(meta) = app.get_mut("metadata") {
        normalize_metadata(meta);
    }
    let Some(spec) = app.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    let project = spec.get("project").and_then(Value::as_str).unwrap_or("");
    if project.is_empty() {
        spec.insert("project".into(), Value::from("default"));
    }
    if let Some(dest) = spec.get_mut("destination") {
        normalize_destination(dest);
    }
    if let Some(source) = spec.get_mut("source") {
        normalize_source(source);
    }
    if let Some(Value::Array(sources)) = spec.get_mut("sources") {
        sources.iter_mut().for_each(normalize_source);
    }
    let options = spec
        .get_mut("syncPolicy")
        .and_then(|p| p.get_mut("syncOptions"));
    if let Some(Value::Array(options)) = options {
        options.retain(|o| {
            !o.as_str()
                .is_some_and(|o| DEFAULT_SYNC_OPTIONS.contains(&o))
        });
    }
}

fn normalize_metadata(meta: &mut Value) {
    let Some(map) = meta.as_object_mut() else {
        return;
    };
    for field in GENERATED_METADATA {
        map.remove(*field);
    }
    if let Some(Value::Object(annotations)) = map.get_mut("annotations") {
        for generated in GENERATED_ANNOTATIONS {
            annotations.remove(*generated);
        }
        if let Some(wave) = annotations.get(WAVE_ANNOTATION).and_then(Value::as_str) {
            // Argo CD parses the wave with strconv.Atoi; what does not parse stays as written.
            match wave.parse::<i64>() {
                Ok(0) => {
                    annotations.remove(WAVE_ANNOTATION);
                }
                Ok(n) => {
                    annotations.insert(WAVE_ANNOTATION.into(), Value::from(n.to_string()));
                }
                Err(_) => {}
            }
        }
    }
}

fn normalize_destination(dest: &mut Value) {
    let Some(map) = dest.as_object_mut() else {
        return;
    };
    let name = map.get("name").and_then(Value::as_str).unwrap_or("");
    let server = map.get("server").and_then(Value::as_str).unwrap_or("");
    if name == "in-cluster" && (server.is_empty() || server == IN_CLUSTER_SERVER) {
        map.remove("name");
        map.insert("server".into(), Value::from(IN_CLUSTER_SERVER));
    }
}

fn normalize_source(source: &mut Value) {
    let Some(map) = source.as_object_mut() else {
        return;
    };
    let is_chart = map
        .get("chart")
        .and_then(Value::as_str)
        .is_some_and(|c| !c.is_empty());
    if !is_chart && map.get("targetRevision").and_then(Value::as_str) == Some("HEAD") {
        map.remove("targetRevision");
    }
}

/// A git generator's `revision` of `HEAD` is the default one.
fn normalize_git_revisions(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(git)) = map.get_mut("git")
                && git.get("revision").and_then(Value::as_str) == Some("HEAD")
            {
                git.remove("revision");
            }
            map.values_mut().for_each(normalize_git_revisions);
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_git_revisions),
        _ => {}
    }
}

/// Drop what equals absent, sort maps by key and set-like lists by content. `key` is the
/// field name `value` sits under. `None` means "absent".
fn prune(value: &Value, key: Option<&str>) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::Bool(false) if key != Some("enabled") => None,
        Value::String(s) if s.is_empty() => None,
        Value::Object(map) if key.is_some_and(|k| FREE_FORM_KEYS.contains(&k)) => {
            (!map.is_empty()).then(|| sorted_verbatim(value))
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let mut out = Map::new();
            for (k, v) in entries {
                if let Some(v) = prune(v, Some(k)) {
                    out.insert(k.clone(), v);
                }
            }
            let keep_empty = key.is_some_and(|k| PRESENCE_MATTERS.contains(&k));
            (keep_empty || !out.is_empty()).then_some(Value::Object(out))
        }
        Value::Array(items) => {
            let mut out: Vec<Value> = items.iter().filter_map(|i| prune(i, None)).collect();
            if key.is_some_and(|k| SET_KEYS.contains(&k)) {
                out.sort_by_key(|v| v.to_string());
                out.dedup();
            }
            (!out.is_empty()).then_some(Value::Array(out))
        }
        other => Some(other.clone()),
    }
}

/// A free-form value with its maps sorted by key and nothing dropped.
fn sorted_verbatim(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted_verbatim(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted_verbatim).collect()),
        other => other.clone(),
    }
}

fn diff_values(
    key: &ObjectKey,
    pointer: &str,
    left: Option<&Value>,
    right: Option<&Value>,
    out: &mut Vec<Difference>,
) {
    match (left, right) {
        (Some(Value::Object(l)), Some(Value::Object(r))) => {
            let fields: std::collections::BTreeSet<&String> = l.keys().chain(r.keys()).collect();
            for field in fields {
                let child = format!("{pointer}/{}", escape_pointer(field));
                diff_values(key, &child, l.get(field), r.get(field), out);
            }
        }
        (Some(Value::Array(l)), Some(Value::Array(r))) => {
            for i in 0..l.len().max(r.len()) {
                diff_values(key, &format!("{pointer}/{i}"), l.get(i), r.get(i), out);
            }
        }
        (l, r) if l == r => {}
        (l, r) => out.push(Difference {
            key: key.clone(),
            pointer: pointer.to_string(),
            left: l.cloned(),
            right: r.cloned(),
        }),
    }
}

/// RFC 6901: `~` and `/` in a key are escaped (annotation keys hold slashes).
fn escape_pointer(field: &str) -> String {
    field.replace('~', "~0").replace('/', "~1")
}

fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            let hidden = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if hidden {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}
