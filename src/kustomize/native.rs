//! Builds of the kustomizations platc can reproduce exactly, in process: local resources
//! (files and folders with their own kustomization), components, `namespace`, `namePrefix` and
//! `nameSuffix` (with kustomize's name references), ConfigMap and Secret generators,
//! `commonLabels` and `labels`, JSON 6902 and strategic merge patches (`patches` and the
//! deprecated `patchesStrategicMerge` and `patchesJson6902`), `images`, `replicas`
//! `commonAnnotations`, `replacements`, `vars`, `configurations` (the field specs of the
//! built-in transformers and name references are data: kustomize's defaults and what those
//! files add, native/config.rs), `crds` (OpenAPI definitions whose extensions add to them)
//! and `transformers` naming built-in transformers by config. For anything else (remote
//! bases, Helm charts, plugins, `openapi`...) the answer is "not here", with the field that
//! stops it ([`Unsupported`]), and the caller runs kustomize.
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

mod config;
mod crds;
mod extended;
mod fieldpath;
mod generate;
mod json6902;
mod labels;
mod nameref;
mod read;
mod replacements;
mod smp;
mod transformers;
mod vars;

use std::path::Path;

use serde_json::{Map, Value};

use super::select::{Renames, Selector};
use super::{Kustomizations, RefKind};
use crate::schema::registry::Registry;
use crate::yaml::Node;

/// The fields a kustomization may use to be built here.
const SUPPORTED: [&str; 25] = [
    "apiVersion",
    "kind",
    "resources",
    "bases",
    "components",
    "namePrefix",
    "nameSuffix",
    "metadata",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "patchesStrategicMerge",
    "patchesJson6902",
    "commonLabels",
    "namespace",
    "labels",
    "patches",
    "images",
    "replicas",
    "commonAnnotations",
    "replacements",
    "vars",
    "transformers",
    "configurations",
    "crds",
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

/// Why a kustomization is not built here: the field or case kustomize must handle, named so
/// `--verbose` and `--no-fallback` can say what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    /// The repo-relative folder of the kustomization that uses it.
    pub dir: String,
    /// What it uses (`field \`helmCharts\``, `remote resource`...).
    pub reason: String,
}

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let dir = if self.dir.is_empty() { "." } else { &self.dir };
        write!(f, "{dir}: {}", self.reason)
    }
}

/// The objects `kustomize build dir` would print, or None when it is not built here.
pub fn build(
    root: &Path,
    kustomizations: &Kustomizations,
    registry: &Registry,
    dir: &str,
) -> Option<Vec<Value>> {
    try_build(root, kustomizations, registry, dir).ok()
}

/// The objects `kustomize build dir` would print, or what makes it kustomize's to build.
pub fn try_build(
    root: &Path,
    kustomizations: &Kustomizations,
    registry: &Registry,
    dir: &str,
) -> Result<Vec<Value>, Unsupported> {
    let mut stack = Vec::new();
    let mut built = build_dir(root, kustomizations, registry, dir, &mut stack)?;
    generate::add_hashes(&mut built);
    // kustomize fixes references to renamed objects once, after the whole build: every
    // reference holds a name some object had before a prefix, suffix or hash renamed it.
    nameref::fix(registry, &mut built).because(dir, || {
        "a name reference kustomize resolves differently".into()
    })?;
    // Vars read the names the build ends with.
    vars::resolve(&mut built).map_err(|reason| Unsupported {
        dir: dir.to_string(),
        reason,
    })?;
    read::finish_annotations(&mut built.objects)
        .because(dir, || "annotations that are not a mapping".into())?;
    Ok(built.objects)
}

/// Builds of resource folders, shared by the builds of one run over files that do not change
/// (the two sides of a diff): a base that three environments include is read and built once,
/// not three times. A folder resource is built on its own before its parent transforms it,
/// so its build is the same whoever includes it.
#[derive(Default)]
pub struct Shared {
    builds: std::sync::Mutex<SharedBuilds>,
    kustomizations: std::sync::Mutex<SharedKustomizations>,
}

impl Shared {
    /// The kustomization of a folder, read once.
    pub(super) fn kustomization(
        &self,
        root: &Path,
        dir: &str,
        read: impl FnOnce() -> Result<Option<super::Kustomization>, String>,
    ) -> Result<Option<super::Kustomization>, String> {
        let key = (root.to_path_buf(), dir.to_string());
        let lock = || {
            self.kustomizations
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(done) = lock().get(&key) {
            return done.clone();
        }
        let done = read();
        lock().insert(key, done.clone());
        done
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SharedBuilds> {
        self.builds
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

type SharedKustomizations = std::collections::HashMap<
    (std::path::PathBuf, String),
    Result<Option<super::Kustomization>, String>,
>;
type SharedBuilds =
    std::collections::HashMap<(std::path::PathBuf, String), Result<Built, Unsupported>>;

/// The objects of a build so far, each with the names it has had (the first is its name in
/// its file, the last its name now): references name any of them.
#[derive(Default, Clone)]
pub(crate) struct Built {
    pub objects: Vec<Value>,
    pub names: Vec<Vec<String>>,
    /// Whether each takes a generator's content hash at the end of the build.
    pub hashed: Vec<bool>,
    /// The vars of the build, and those each object is bound to.
    pub vars: Vec<vars::Var>,
    pub var_refs: Vec<Vec<String>>,
    /// The transformer configuration: kustomize's defaults and the `configurations` of the
    /// kustomizations built so far.
    pub config: config::Tables,
}

impl Built {
    fn push(&mut self, object: Value) {
        let name = object["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        self.objects.push(object);
        self.names.push(vec![name]);
        self.hashed.push(false);
        self.var_refs.push(Vec::new());
    }

    /// Adds a resource folder's build: its objects, vars and configuration (Err: one that
    /// conflicts with this build's, kustomize's error).
    fn append(&mut self, other: Built) -> Result<(), String> {
        self.config.merge(&other.config)?;
        self.objects.extend(other.objects);
        self.names.extend(other.names);
        self.hashed.extend(other.hashed);
        self.vars.extend(other.vars);
        self.var_refs.extend(other.var_refs);
        Ok(())
    }
}

/// Attaches the reason to a step that cannot be reproduced.
trait Because<T> {
    fn because(self, dir: &str, reason: impl FnOnce() -> String) -> Result<T, Unsupported>;
}

impl<T> Because<T> for Option<T> {
    fn because(self, dir: &str, reason: impl FnOnce() -> String) -> Result<T, Unsupported> {
        self.ok_or_else(|| Unsupported {
            dir: dir.to_string(),
            reason: reason(),
        })
    }
}

/// A kustomization built on its own (a resource folder or the top of the build).
fn build_dir(
    root: &Path,
    ks: &Kustomizations,
    registry: &Registry,
    dir: &str,
    stack: &mut Vec<String>,
) -> Result<Built, Unsupported> {
    // A folder on the stack is a cycle, whatever was built before.
    let shared = ks
        .shared
        .as_deref()
        .filter(|_| !stack.iter().any(|d| d == dir));
    let key = (root.to_path_buf(), dir.to_string());
    if let Some(done) = shared.and_then(|s| s.lock().get(&key).cloned()) {
        return done;
    }
    let mut built = Built::default();
    let result = accumulate(root, ks, registry, dir, stack, &mut built, false).map(|()| built);
    if let Some(s) = shared {
        s.lock().insert(key, result.clone());
    }
    result
}

/// The repo-relative path and full path of a local resource or component (`what`). Links
/// inside the repository are followed, as kustomize follows them; nothing is read through a
/// link leading out of it (kustomize's load restrictor refuses it too, once the build falls
/// back to it, and says so).
fn local_target(
    root: &Path,
    k: &super::Kustomization,
    r: &super::Ref<'_>,
    dir: &str,
    what: &str,
) -> Result<(String, std::path::PathBuf), Unsupported> {
    let target = k.local(r).because(dir, || format!("a remote {what}"))?;
    let full = root.join(&target);
    match crate::confine::within(root, &full, &target) {
        Ok(_) => Ok((target, full)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Unsupported {
            dir: dir.to_string(),
            reason: format!("a missing {what}"),
        }),
        Err(_) => Err(Unsupported {
            dir: dir.to_string(),
            reason: format!("a {what} through a link leading out of the repository"),
        }),
    }
}

/// Whether a file kustomize reads for a kustomization (a resource file, a patch, a generator
/// input) is in or below its folder, links resolved: kustomize refuses one that is not (a
/// link beside the kustomization to a file above it included), and says so.
fn in_or_below(root: &Path, k: &super::Kustomization, rel: &str) -> bool {
    if !(k.dir.is_empty() || rel.starts_with(&format!("{}/", k.dir))) {
        return false;
    }
    let real = |rel: &str| crate::confine::within(root, &root.join(rel), rel).ok();
    match (real(rel), real(&k.dir)) {
        (Some(file), Some(dir)) => file.starts_with(dir),
        _ => false,
    }
}

/// What the kustomization in `dir` adds to and does to `built`. A component works on what
/// the kustomization listing it has accumulated so far (kustomize's accumulateTarget): its
/// resources join them, and its transformers apply to all of them.
fn accumulate(
    root: &Path,
    ks: &Kustomizations,
    registry: &Registry,
    dir: &str,
    stack: &mut Vec<String>,
    built: &mut Built,
    component: bool,
) -> Result<(), Unsupported> {
    let no = |reason: &str| Unsupported {
        dir: dir.to_string(),
        reason: reason.to_string(),
    };
    if stack.iter().any(|d| d == dir) {
        return Err(no("a cycle of kustomizations"));
    }
    let k = ks.in_dir(dir).because(dir, || {
        // One that is there but not valid YAML is kustomize's to report.
        match super::file_in(root, dir) {
            Some(_) => "a kustomization platc cannot read".into(),
            None => "no kustomization".into(),
        }
    })?;
    // A malformed kustomization is kustomize's to refuse.
    if !super::fields::problems(&k.doc).is_empty() {
        return Err(no("a malformed kustomization"));
    }
    let entries = k.doc.as_map().because(dir, || "not a mapping".into())?;
    if let Some((key, _)) = entries
        .iter()
        .find(|(key, _)| !key.as_str().is_some_and(|s| SUPPORTED.contains(&s)))
    {
        let name = key.as_str().unwrap_or("?");
        return Err(no(&match name {
            // Strategic merge keys from an OpenAPI document: kustomize merges it with its
            // built-in schema (or fetches it), not modelled here.
            "openapi" => {
                "field `openapi` (strategic merge keys from an OpenAPI schema)".to_string()
            }
            _ => format!("field `{name}`"),
        }));
    }
    // A component where a kustomization is expected, or the other way round: kustomize
    // says which.
    match (k.field("kind").unwrap_or("Kustomization"), component) {
        ("Kustomization", false) | ("Component", true) => {}
        (kind, _) => return Err(no(&format!("kind `{kind}` here"))),
    }
    stack.push(dir.to_string());
    for r in k.refs() {
        if r.kind != RefKind::Resource {
            continue;
        }
        let (target, full) = local_target(root, k, &r, dir, "resource")?;
        if crate::confine::is_dir(&full) {
            // kustomize refuses a folder holding a kustomization of the build (`..`): "cycle
            // detected".
            let inside = |d: &String| target.is_empty() || d.starts_with(&format!("{target}/"));
            if stack.iter().any(inside) {
                return Err(no("a resource folder holding the kustomization (a cycle)"));
            }
            let sub = build_dir(root, ks, registry, &target, stack)?;
            built.append(sub).map_err(|why| no(&why))?;
        } else if crate::confine::is_file(&full) {
            // kustomize refuses files above the kustomization: let it say so.
            if !in_or_below(root, k, &target) {
                return Err(no("a resource file above the kustomization"));
            }
            let objects = read_resources(root, &target)
                .because(dir, || format!("resource file `{}`", r.target))?;
            for o in objects {
                built.push(o);
            }
        } else {
            return Err(no("a missing resource"));
        }
    }
    if !unique(&built.objects) {
        return Err(no("two objects with one id"));
    }
    // The kustomization's transformer configuration holds from here on, for it and for
    // the kustomizations that include it.
    built.config.read(root, k).map_err(|why| no(&why))?;
    // kustomize runs the generators before it accumulates the components: a component's
    // patches and generators (`behavior: merge`) see what this kustomization generates.
    generate::run(root, k, built).map_err(|reason| Unsupported {
        dir: dir.to_string(),
        reason,
    })?;
    if !unique(&built.objects) {
        return Err(no("two objects with one id"));
    }
    for r in k.refs() {
        if r.kind != RefKind::Component {
            continue;
        }
        let (target, full) = local_target(root, k, &r, dir, "component")?;
        if !crate::confine::is_dir(&full) {
            return Err(no("a component that is not a folder"));
        }
        accumulate(root, ks, registry, &target, stack, built, true)?;
    }
    stack.pop();
    if !unique(&built.objects) {
        return Err(no("two objects with one id"));
    }
    // kustomize's order of built-in transformers: patches, namespace, prefix, suffix, labels,
    // annotations, replicas, images.
    // Names and namespaces as kustomize matches patch targets: unchanged below this
    // kustomization, unless some kustomization of the build sets a namespace.
    let tree = ks.tree(&k.dir);
    let renames = Renames::of(ks, &tree);
    for entry in k
        .doc
        .get("patchesStrategicMerge")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
    {
        patches_strategic_merge(root, registry, k, &renames, entry, built)
            .because(dir, || "a `patchesStrategicMerge` entry".into())?;
    }
    for patch in k.doc.get("patches").and_then(Node::as_seq).unwrap_or(&[]) {
        apply_patch(root, registry, k, &renames, patch, built)
            .because(dir, || "a `patches` entry".into())?;
    }
    let config = built.config.clone();
    let objects = &mut built.objects;
    if let Some(namespace) = k.field("namespace") {
        set_namespace(registry, namespace, objects)
            .and_then(|()| extended::namespace(&config.added(|c| &c.namespace), namespace, objects))
            .because(dir, || "`namespace` on these kinds".into())?;
    }
    if let Some(prefix) = k.field("namePrefix") {
        rename(built, |name| format!("{prefix}{name}"));
        extended::affix(
            &config.added(|c| &c.name_prefix),
            &mut built.objects,
            renamed,
            |t| format!("{prefix}{t}"),
        )
        .because(dir, || "`namePrefix` at configured fields".into())?;
    }
    if let Some(suffix) = k.field("nameSuffix") {
        rename(built, |name| format!("{name}{suffix}"));
        extended::affix(
            &config.added(|c| &c.name_suffix),
            &mut built.objects,
            renamed,
            |t| format!("{t}{suffix}"),
        )
        .because(dir, || "`nameSuffix` at configured fields".into())?;
    }
    let objects = &mut built.objects;
    let tables = &config.0;
    if let Some(common) = k.doc.get("commonLabels") {
        label_values(common)
            .and_then(|pairs| labels::add(&pairs, &tables.common_labels, objects))
            .because(dir, || "`commonLabels`".into())?;
    }
    for item in k.doc.get("labels").and_then(Node::as_seq).unwrap_or(&[]) {
        add_labels(item, tables, objects).because(dir, || "a `labels` entry".into())?;
    }
    if let Some(annotations) = k.doc.get("commonAnnotations") {
        add_annotations(annotations, &tables.common_annotations, objects)
            .because(dir, || "`commonAnnotations`".into())?;
    }
    for entry in k
        .doc
        .get("patchesJson6902")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
    {
        json6902::legacy(root, k, &renames, entry, built)
            .because(dir, || "a `patchesJson6902` entry".into())?;
    }
    for item in k.doc.get("replicas").and_then(Node::as_seq).unwrap_or(&[]) {
        set_replicas(item, &tables.replicas, built).because(dir, || "a `replicas` entry".into())?;
    }
    let objects = &mut built.objects;
    let added_images = config.added(|c| &c.images);
    for item in k.doc.get("images").and_then(Node::as_seq).unwrap_or(&[]) {
        set_images(item, &added_images, objects).because(dir, || "an `images` entry".into())?;
    }
    // Replacements run after the other transformers; then the kustomization's vars bind.
    replacements::apply(root, registry, k, &renames, built).map_err(|r| no(&r))?;
    // Built-in transformers configured in files come after the kustomization's own.
    let top = stack.is_empty() && !component;
    transformers::run(root, registry, k, &renames, built, top).map_err(|r| no(&r))?;
    vars::merge(k, &renames, built).map_err(|r| no(&r))?;
    Ok(())
}

/// The kinds kustomize's prefix and suffix transformer leaves their names.
const NOT_RENAMED: [(&str, &str); 3] = [
    ("", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("", "Namespace"),
];

/// An object's API group (empty for the core group).
fn group(o: &Value) -> &str {
    let api = o["apiVersion"].as_str().unwrap_or_default();
    api.rsplit_once('/').map_or("", |(g, _)| g)
}

/// A namespace as kustomize compares them: none is `default`.
fn effective(namespace: Option<&str>) -> String {
    match namespace {
        None | Some("") => "default".into(),
        Some(ns) => ns.into(),
    }
}

/// Whether kustomize's prefix and suffix transformers rename an object (not the kinds
/// above).
fn renamed(o: &Value) -> bool {
    let group = group(o);
    let kind = o["kind"].as_str().unwrap_or_default();
    !NOT_RENAMED
        .iter()
        .any(|(g, k)| *k == kind && (g.is_empty() || *g == group))
}

/// `namePrefix` / `nameSuffix`: every object's name but those of the kinds above.
fn rename(built: &mut Built, new: impl Fn(&str) -> String) {
    for (o, names) in built.objects.iter_mut().zip(&mut built.names) {
        if !renamed(o) {
            continue;
        }
        let Some(Value::String(name)) = o.pointer_mut("/metadata/name") else {
            continue;
        };
        *name = new(name);
        names.push(name.clone());
    }
}

/// `commonAnnotations`: at the configuration's field specs (every object's metadata, the
/// pod templates of workloads, and what `configurations` add).
fn add_annotations(
    annotations: &Node,
    specs: &[config::FieldSpec],
    objects: &mut [Value],
) -> Option<()> {
    let mut pairs = Map::new();
    for (k, v) in annotations.as_map()? {
        // Values must be written as strings: `true` or `1.10` unquoted lose their text.
        let crate::yaml::Value::Str { text, .. } = &v.value else {
            return None;
        };
        pairs.insert(k.as_str()?.to_string(), Value::String(text.clone()));
    }
    labels::add(&pairs, specs, objects)
}

/// A `replicas` entry: the count at the `replicas` field specs of the objects of that name.
fn set_replicas(item: &Node, specs: &[config::FieldSpec], built: &mut Built) -> Option<()> {
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
    for (o, names) in built.objects.iter_mut().zip(&built.names) {
        // kustomize scales the objects of that name among the kinds its table selects: a
        // Service or ServiceAccount of the same name is left alone. A name that matches
        // none of them is its error to report. Any name the object had counts: `web` still
        // names `canary-web` after an overlay's prefix.
        if !names.iter().any(|n| n == name) {
            continue;
        }
        let selected: Vec<_> = specs.iter().filter(|s| s.selects(o)).collect();
        for spec in selected {
            matched = true;
            config::each_field(o, &spec.path, spec.create, &mut |slot| match slot {
                Value::String(_) | Value::Number(_) | Value::Null => {
                    *slot = Value::from(count);
                    Some(())
                }
                _ => None,
            })?;
        }
    }
    matched.then_some(())
}

/// An `images` entry: every container image of that name, in any object, renamed, retagged
/// or pinned to a digest.
fn set_images(item: &Node, added: &[&config::FieldSpec], objects: &mut [Value]) -> Option<()> {
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
    // Then at the fields `configurations` add (kustomize's defaults are all in containers).
    extended::images(added, &image, objects)
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
    let mut out = Vec::new();
    for value in read::documents(&text, read::Role::Objects)? {
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

/// A `patches` entry, inline or from a file: JSON 6902 operations with a target, or
/// strategic merge patches (with a target, or matched by their own ids).
fn apply_patch(
    root: &Path,
    registry: &Registry,
    k: &super::Kustomization,
    renames: &Renames<'_>,
    patch: &Node,
    built: &mut Built,
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
        (None, Some(path)) => read_patch(root, k, path.as_str()?)?,
        _ => return None,
    };
    let selector = match patch.get("target") {
        Some(target) => Some(Selector::of(target)?),
        None => None,
    };
    if selector
        .as_ref()
        .is_some_and(|s| s.has_namespace() && renames.namespace_set)
    {
        return None;
    }
    let docs = read::documents(&text, read::Role::Patch)?;
    if let [Value::Array(ops)] = docs.as_slice() {
        json6902::text_alike(&text)?;
        return json6902::apply(ops, &selector?, renames, built);
    }
    strategic_merge(registry, &docs, selector.as_ref(), renames, built)
}

/// A patch file beside or below the kustomization (kustomize refuses others).
fn read_patch(root: &Path, k: &super::Kustomization, path: &str) -> Option<String> {
    let rel = crate::spec::paths::repo_relative(&k.dir, path).ok()?;
    if !in_or_below(root, k, &rel) {
        return None;
    }
    crate::confine::read_to_string(root, &rel).ok()
}

/// `patchesStrategicMerge`: each entry a file or an inline patch, matched by its ids.
fn patches_strategic_merge(
    root: &Path,
    registry: &Registry,
    k: &super::Kustomization,
    renames: &Renames<'_>,
    entry: &Node,
    built: &mut Built,
) -> Option<()> {
    let entry = entry.as_str()?;
    let text = if entry.contains('\n') {
        entry.to_string()
    } else {
        read_patch(root, k, entry)?
    };
    let docs = read::documents(&text, read::Role::Patch)?;
    strategic_merge(registry, &docs, None, renames, built)
}

/// Strategic merge patch documents: on every object the target selects, or each on the one
/// object of its own apiVersion, kind, name and namespace (kustomize fails on none or two).
fn strategic_merge(
    registry: &Registry,
    docs: &[Value],
    selector: Option<&Selector>,
    renames: &Renames<'_>,
    built: &mut Built,
) -> Option<()> {
    for doc in docs {
        let targets: Vec<usize> = match selector {
            Some(selector) => (0..built.objects.len())
                .filter(|&i| selector.matches(&built.objects[i], renames))
                .collect(),
            None => {
                checked(doc.clone())?;
                let namespace = doc["metadata"]["namespace"].as_str().unwrap_or("default");
                let found: Vec<usize> = (0..built.objects.len())
                    .filter(|&i| {
                        let o = &built.objects[i];
                        o["apiVersion"] == doc["apiVersion"]
                            && o["kind"] == doc["kind"]
                            && built.names[i].iter().any(|n| doc["metadata"]["name"] == *n)
                            && (renames.namespace_set
                                || o["metadata"]["namespace"].as_str().unwrap_or("default")
                                    == namespace)
                    })
                    .collect();
                if found.len() != 1 {
                    return None;
                }
                found
            }
        };
        let mut deleted = Vec::new();
        for i in targets {
            let object = &mut built.objects[i];
            // With a target, the patch takes each object's identity.
            let mut doc = doc.clone();
            if selector.is_some() {
                let meta = doc.as_object_mut()?;
                for field in ["apiVersion", "kind"] {
                    meta.insert(field.into(), object[field].clone());
                }
                let m = meta
                    .entry("metadata")
                    .or_insert_with(|| Value::Object(Map::new()))
                    .as_object_mut()?;
                m.insert("name".into(), object["metadata"]["name"].clone());
                match object["metadata"].get("namespace") {
                    Some(ns) => m.insert("namespace".into(), ns.clone()),
                    None => m.shift_remove("namespace"),
                };
            }
            // kustomize keeps the object's kind, name and namespace whatever the patch says
            // (a patch naming an object by the name it had before a prefix included).
            let kind = object["kind"].clone();
            let meta = object["metadata"].clone();
            match smp::apply(registry, object, &doc)? {
                smp::Outcome::Patched => {
                    object.as_object_mut()?.insert("kind".into(), kind);
                    let m = metadata(object)?;
                    for field in ["name", "namespace"] {
                        match meta.get(field) {
                            Some(v) => m.insert(field.into(), v.clone()),
                            None => m.shift_remove(field),
                        };
                    }
                }
                smp::Outcome::Deleted => deleted.push(i),
            }
        }
        for i in deleted.into_iter().rev() {
            built.objects.remove(i);
            built.names.remove(i);
            built.hashed.remove(i);
            built.var_refs.remove(i);
        }
    }
    Some(())
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
    // Objects of one name in two namespaces are one object in the new one: kustomize fails
    // ("namespace transformation produces ID conflict").
    unique(objects).then_some(())
}

/// A `labels` entry: its pairs, on selectors and templates as it asks: with selectors, at
/// the `commonLabels` table, else on metadata and, with templates, at the `templateLabels`
/// table; at the `labels` table (only what `configurations` add) either way.
fn add_labels(item: &Node, tables: &config::Config, objects: &mut [Value]) -> Option<()> {
    let (mut selectors, mut templates) = (false, false);
    for (key, value) in item.as_map()? {
        match key.as_str()? {
            "pairs" => {}
            "includeSelectors" => selectors = value.as_bool()?,
            "includeTemplates" => templates = value.as_bool()?,
            _ => return None,
        }
    }
    let pairs = label_values(item.get("pairs")?)?;
    let metadata = [config::FieldSpec {
        group: None,
        version: None,
        kind: None,
        path: vec!["metadata".into(), "labels".into()],
        create: true,
    }];
    let specs = match (selectors, templates) {
        (true, _) => config::union(&[&tables.common_labels, &tables.labels]),
        (false, true) => config::union(&[&metadata, &tables.template_labels, &tables.labels]),
        (false, false) => config::union(&[&metadata, &tables.labels]),
    }
    .ok()?;
    labels::add(&pairs, &specs, objects)
}

/// Label values written as strings (`true` or `1.10` unquoted lose their text).
fn label_values(node: &Node) -> Option<Map<String, Value>> {
    let mut pairs = Map::new();
    for (k, v) in node.as_map()? {
        let crate::yaml::Value::Str { text, .. } = &v.value else {
            return None;
        };
        pairs.insert(k.as_str()?.to_string(), Value::String(text.clone()));
    }
    Some(pairs)
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
}
