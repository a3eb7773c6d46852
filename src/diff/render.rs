//! What one Application deploys, rendered offline as Argo CD would: a kustomize build of its
//! path, the manifests of a plain folder (with `directory.recurse`, `include`, `exclude`),
//! and for what cannot be rendered offline (Helm charts, other repositories) the settings
//! Argo CD passes on: chart, version, release name, parameters and the merged values.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use crate::kustomize::Kustomizations;
use crate::repo::Repo;
use crate::schema::registry::Registry;

/// An object's identity: what Argo CD matches live objects by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct ObjectKey {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    /// `Deployment.apps web/api`, `Namespace web` (kubectl's `kind.group`).
    pub fn describe(&self) -> String {
        let kind = if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}.{}", self.kind, self.group)
        };
        let shown = |s: &str| crate::report::escape_control(s).into_owned();
        if self.namespace.is_empty() {
            format!("{} {}", shown(&kind), shown(&self.name))
        } else {
            format!(
                "{} {}/{}",
                shown(&kind),
                shown(&self.namespace),
                shown(&self.name)
            )
        }
    }
}

/// A source that is compared by its settings rather than its objects.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `chart cert-manager (https://charts.jetstack.io)`.
    pub label: String,
    /// chart, repoURL, version, releaseName, path, `parameters.NAME`...
    pub fields: BTreeMap<String, Value>,
    /// The values Argo CD hands to Helm, merged (value files, then `values`, then
    /// `valuesObject`).
    pub values: Option<Value>,
}

/// What one Application deploys.
#[derive(Debug, Default)]
pub struct Rendered {
    pub objects: BTreeMap<ObjectKey, Value>,
    /// By position in the Application's sources (`source`, or `sources[N]`).
    pub settings: BTreeMap<String, Settings>,
    /// What could not be compared, said next to the result.
    pub notes: Vec<String>,
    /// Why a source could not be rendered: the diff cannot be trusted for it.
    pub errors: Vec<String>,
}

/// Renders Applications of one repository (both sides share the same idea of "this
/// repository" and the same schemas).
pub struct Renderer {
    pub repo: Repo,
    pub kustomize: Option<std::path::PathBuf>,
    /// Folder builds shared by every Application of both sides (neither changes during a
    /// diff): a base included by three environments is built once per side.
    shared: std::sync::Arc<crate::kustomize::native::Shared>,
}

impl Renderer {
    pub fn new(repo: Repo, kustomize: Option<std::path::PathBuf>) -> Renderer {
        Renderer {
            repo,
            kustomize,
            shared: Default::default(),
        }
    }

    fn registry(&self) -> &Registry {
        // Loaded on the first kustomize build: a diff without one never pays for it.
        Registry::newest()
    }

    fn is_this(&self, root: &Path, url: &str, path: &str) -> bool {
        if self.repo.knows_its_urls() {
            return self.repo.is_this(url);
        }
        // A repository with no remote and no spec URL: a path that exists here is taken as
        // this repository's.
        crate::confine::is_dir(&root.join(path))
    }

    /// Render an Application (an ApplicationSet is compared as itself: its generators run
    /// in the cluster).
    pub fn render(&self, root: &Path, app: &Value) -> Rendered {
        let mut out = Rendered::default();
        let spec = app.get("spec");
        let destination_ns = spec
            .and_then(|s| s.pointer("/destination/namespace"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let sources: Vec<(String, &Value)> = match spec {
            Some(s) if s.get("sources").is_some_and(Value::is_array) => s["sources"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, v)| (format!("sources[{i}]"), v))
                .collect(),
            Some(s) => s
                .get("source")
                .map(|v| vec![("source".to_string(), v)])
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let refs: Vec<&Value> = sources
            .iter()
            .map(|(_, s)| *s)
            .filter(|s| s.get("ref").is_some())
            .collect();
        for (at, source) in &sources {
            let url = text(source, "repoURL");
            let path = text(source, "path");
            let is_chart = source.get("chart").is_some() || source.get("helm").is_some();
            if source.get("ref").is_some() && path.is_empty() {
                // Only a holder of value files: its files are read through the charts.
                continue;
            }
            if let Some(chart) = source.get("chart").and_then(Value::as_str) {
                let settings = self.helm(root, source, None, &refs, &mut out.notes);
                let mut settings = settings;
                settings.label = format!("chart {chart} ({url})");
                out.settings.insert(at.clone(), settings);
                continue;
            }
            let folder = folder(&path);
            let here = folder
                .as_deref()
                .is_some_and(|f| self.is_this(root, &url, f));
            if !here {
                let mut s = Settings {
                    label: format!("{url} {path}"),
                    ..Settings::default()
                };
                for field in ["repoURL", "path", "targetRevision"] {
                    if let Some(v) = source.get(field) {
                        s.fields.insert(field.to_string(), v.clone());
                    }
                }
                out.notes.push(format!(
                    "{at}: {url} is another repository: only its settings are compared"
                ));
                out.settings.insert(at.clone(), s);
                continue;
            }
            let folder = folder.unwrap_or_default();
            if is_chart || crate::confine::is_file(&root.join(&folder).join("Chart.yaml")) {
                let mut settings = self.helm(root, source, Some(&folder), &refs, &mut out.notes);
                settings.label = format!("chart {folder}");
                if let Some(version) = chart_version(root, &folder) {
                    settings.fields.insert("version".into(), version);
                }
                out.settings.insert(at.clone(), settings);
                continue;
            }
            match self.objects(root, &folder, source) {
                Ok(objects) => {
                    for object in objects {
                        let Some(key) = self.key(&object, destination_ns) else {
                            continue;
                        };
                        if out.objects.insert(key.clone(), object).is_some() {
                            out.notes.push(format!(
                                "{} is rendered twice: the last one is compared",
                                key.describe()
                            ));
                        }
                    }
                }
                Err(e) => out.errors.push(format!("{at} ({folder}): {e}")),
            }
        }
        out
    }

    /// Argo CD's identity of a rendered object: a namespaced object without a namespace
    /// goes to the Application's destination namespace.
    fn key(&self, object: &Value, destination_ns: &str) -> Option<ObjectKey> {
        let api_version = object.get("apiVersion")?.as_str()?;
        let kind = object.get("kind")?.as_str()?;
        let name = object.pointer("/metadata/name")?.as_str()?;
        let group = api_version
            .rsplit_once('/')
            .map_or("", |(g, _)| g)
            .to_string();
        let namespace = match object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
        {
            Some(ns) => ns.to_string(),
            None if self.namespaced(api_version, kind) => destination_ns.to_string(),
            None => String::new(),
        };
        Some(ObjectKey {
            group,
            kind: kind.to_string(),
            namespace,
            name: name.to_string(),
        })
    }

    fn namespaced(&self, api_version: &str, kind: &str) -> bool {
        // Custom resources are namespaced unless the schemas say otherwise.
        self.registry()
            .is_namespaced(api_version, kind)
            .unwrap_or(true)
    }

    /// The objects of a folder of this repository.
    fn objects(&self, root: &Path, folder: &str, source: &Value) -> Result<Vec<Value>, String> {
        if !crate::confine::is_dir(&root.join(folder)) {
            return Err(format!("the folder `{folder}` does not exist"));
        }
        if let Some(file) = crate::kustomize::file_in(root, folder) {
            let ks = Kustomizations::read_shared(root, folder, Some(self.shared.clone()));
            if let Some(values) =
                crate::kustomize::native::build(root, &ks, self.registry(), folder)
            {
                return Ok(values);
            }
            let bin = crate::validate::build::Kustomize::find(self.kustomize.as_deref())
                .ok_or_else(|| {
                    format!("`{file}` needs kustomize or kubectl on PATH (or --kustomize BIN)")
                })?;
            let text = bin.build(&crate::confine::on_disk(root)?.join(folder))?;
            return Ok(manifest_values(folder, &text));
        }
        directory(root, folder, source.get("directory"))
    }

    /// A Helm source's settings and merged values (`chart_dir`: the chart's folder when it
    /// is kept in this repository, where relative value files are read).
    fn helm(
        &self,
        root: &Path,
        source: &Value,
        chart_dir: Option<&str>,
        refs: &[&Value],
        notes: &mut Vec<String>,
    ) -> Settings {
        let mut s = Settings::default();
        for (field, name) in [
            ("repoURL", "repoURL"),
            ("chart", "chart"),
            ("targetRevision", "version"),
            ("path", "path"),
        ] {
            if let Some(v) = source.get(field) {
                s.fields.insert(name.to_string(), v.clone());
            }
        }
        let Some(helm) = source.get("helm") else {
            return s;
        };
        for (field, v) in helm.as_object().into_iter().flatten() {
            match field.as_str() {
                "valueFiles" | "values" | "valuesObject" | "parameters" | "fileParameters" => {}
                _ => {
                    s.fields.insert(field.clone(), v.clone());
                }
            }
        }
        for p in helm
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = p.get("name").and_then(Value::as_str) {
                let value = p.get("value").cloned().unwrap_or(Value::Null);
                s.fields.insert(format!("parameters.{name}"), value);
            }
        }
        let ignore_missing = helm
            .get("ignoreMissingValueFiles")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let mut merged = Value::Object(Map::new());
        for file in helm
            .get("valueFiles")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            match self.value_file(root, file, chart_dir, refs) {
                Ok(Some(v)) => merge(&mut merged, v),
                Ok(None) if ignore_missing => {}
                Ok(None) => notes.push(format!("value file `{file}` does not exist")),
                Err(e) => notes.push(e),
            }
        }
        if let Some(text) = helm.get("values").and_then(Value::as_str) {
            match parse_yaml(text) {
                Some(v) => merge(&mut merged, v),
                None => notes.push("`helm.values` is not a YAML mapping".into()),
            }
        }
        if let Some(object) = helm.get("valuesObject") {
            merge(&mut merged, object.clone());
        }
        s.values = Some(merged);
        s
    }

    /// One value file: `$ref/path` through a `ref` source, else relative to the chart.
    fn value_file(
        &self,
        root: &Path,
        file: &str,
        chart_dir: Option<&str>,
        refs: &[&Value],
    ) -> Result<Option<Value>, String> {
        let path = if let Some(rest) = file.strip_prefix('$') {
            let (name, path) = rest.split_once('/').unwrap_or((rest, ""));
            let Some(holder) = refs.iter().find(|r| text(r, "ref") == name) else {
                return Err(format!("value file `{file}`: no source has `ref: {name}`"));
            };
            let url = text(holder, "repoURL");
            if !self.is_this(root, &url, "") && self.repo.knows_its_urls() {
                return Err(format!(
                    "value file `{file}` is in {url}, another repository: not compared"
                ));
            }
            path.to_string()
        } else if let Some(dir) = chart_dir {
            if dir.is_empty() {
                file.to_string()
            } else {
                format!("{dir}/{file}")
            }
        } else {
            return Err(format!(
                "value file `{file}` is inside the chart: not compared offline"
            ));
        };
        let Some(path) = crate::spec::paths::repo_relative("", &path).ok() else {
            return Err(format!("value file `{file}` leaves the repository"));
        };
        let Ok(text) = crate::confine::read_to_string(root, &path) else {
            return Ok(None);
        };
        parse_yaml(&text)
            .map(Some)
            .ok_or_else(|| format!("value file `{file}` is not a YAML mapping"))
    }
}

fn text(v: &Value, field: &str) -> String {
    v.get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// An Application path as a repo-relative folder (`""` for the root); None for paths that
/// leave the repository.
fn folder(path: &str) -> Option<String> {
    let p = path.trim_start_matches("./").trim_matches('/');
    if p.is_empty() || p == "." {
        return Some(String::new());
    }
    crate::spec::paths::repo_relative("", p).ok()
}

fn chart_version(root: &Path, folder: &str) -> Option<Value> {
    let text = crate::confine::read_to_string(root, &format!("{folder}/Chart.yaml")).ok()?;
    parse_yaml(&text)?.get("version").cloned()
}

/// The first document of a YAML text as JSON, when it is a mapping (or empty).
fn parse_yaml(text: &str) -> Option<Value> {
    let stream = crate::yaml::parse_stream(text).ok()?;
    match stream.documents.first().map(crate::yaml::Node::to_json) {
        None | Some(Value::Null) => Some(Value::Object(Map::new())),
        Some(v @ Value::Object(_)) => Some(v),
        Some(_) => None,
    }
}

/// Helm's merge of values: mappings merge key by key, anything else replaces.
pub fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (into, from) => *into = from,
    }
}

/// The Kubernetes objects of a YAML stream.
fn manifest_values(label: &str, text: &str) -> Vec<Value> {
    crate::manifest::read_objects(label, text)
        .objects
        .into_iter()
        .filter(|o| o.api_version().is_some() && o.kind().is_some())
        .map(|o| o.node.to_json())
        .collect()
}

/// Argo CD's directory source: the YAML and JSON files of the folder (of every folder below
/// with `recurse`), filtered by the `include` and `exclude` globs, in path order.
fn directory(root: &Path, folder: &str, options: Option<&Value>) -> Result<Vec<Value>, String> {
    let recurse = options
        .and_then(|o| o.get("recurse"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let glob = |field: &str| -> Result<Option<globset::GlobSet>, String> {
        let Some(pattern) = options
            .and_then(|o| o.get(field))
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
        else {
            return Ok(None);
        };
        let mut set = globset::GlobSetBuilder::new();
        // `{a.yaml,b.yaml}` is one glob with alternatives.
        let g = globset::Glob::new(pattern)
            .map_err(|e| format!("directory.{field} `{pattern}`: {e}"))?;
        set.add(g);
        set.build().map(Some).map_err(|e| e.to_string())
    };
    let include = glob("include")?;
    let exclude = glob("exclude")?;
    // The folder's files (and its sub-folders' with `recurse`), hidden ones left out.
    let mut files: Vec<String> = Vec::new();
    let mut stack = vec![String::new()];
    while let Some(below) = stack.pop() {
        let at = if below.is_empty() {
            root.join(folder)
        } else {
            root.join(folder).join(&below)
        };
        let Ok(entries) = crate::confine::read_dir(&at) else {
            continue;
        };
        for (path, is_dir) in entries {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with('.') {
                continue;
            }
            let rel = if below.is_empty() {
                name.clone()
            } else {
                format!("{below}/{name}")
            };
            if is_dir {
                if recurse {
                    stack.push(rel);
                }
            } else if [".yaml", ".yml", ".json"].iter().any(|e| name.ends_with(e)) {
                files.push(rel);
            }
        }
    }
    files.sort();
    let matches = |set: &globset::GlobSet, rel: &str| {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        set.is_match(rel) || set.is_match(name)
    };
    let mut out = Vec::new();
    for rel in files {
        if include.as_ref().is_some_and(|s| !matches(s, &rel))
            || exclude.as_ref().is_some_and(|s| matches(s, &rel))
        {
            continue;
        }
        let text = crate::confine::read_to_string(root, &format!("{folder}/{rel}"))
            .map_err(|e| format!("cannot read `{rel}`: {e}"))?;
        out.extend(manifest_values(&rel, &text));
    }
    Ok(out)
}
