//! kustomize's transformer configuration: the field specs that say where each built-in
//! transformer writes (labels, annotations, namespaces, prefixes, images, replicas, vars) and
//! which fields name which objects (name references). Its defaults are data
//! (`config_defaults.yaml`, kustomize's builtinpluginconsts as kustomize 5.5 prints them);
//! a kustomization's `configurations` files, in the same format, add to them.
//!
//! As kustomize 5 does it (each point checked against `kubectl kustomize`):
//! - a configuration holds for the build of its kustomization and of every kustomization
//!   that includes it (a base's configuration reaches its overlays' transformers and the
//!   build's name references), from the point its kustomization is read on;
//! - the files are read strictly: an unknown field anywhere is kustomize's error, and so is
//!   a file outside the kustomization's folder;
//! - a field spec equal to one already there (same path, a kind, group and version it
//!   selects) is dropped, and one that differs from it only by `create` is an error
//!   ("conflicting fieldspecs"); name references merge by their target's kind, group and
//!   version.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::kustomize::Kustomization;
use crate::yaml::Node;

/// Why a configuration is left to kustomize.
type Why = String;

/// Where a transformer writes: a path in the objects of a kind (and group, version).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FieldSpec {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    /// The path's segments as written (`name[]` marks a list), `\/` unescaped.
    pub path: Vec<String>,
    pub create: bool,
}

impl FieldSpec {
    /// Whether the spec is about this object (an empty group, version or kind: any).
    pub fn selects(&self, o: &Value) -> bool {
        if !is(&self.kind, o["kind"].as_str().unwrap_or_default()) {
            return false;
        }
        let api = o["apiVersion"].as_str().unwrap_or_default();
        let (group, version) = api.split_once('/').unwrap_or(("", api));
        is(&self.group, group) && is(&self.version, version)
    }

    /// The path's segments, `[]` list marks dropped.
    pub fn keys(&self) -> Vec<&str> {
        self.path.iter().map(|s| s.trim_end_matches("[]")).collect()
    }

    /// kustomize's "effectively equal": the same path, and this spec's kind, group and
    /// version selected by the other's.
    fn selected_by(&self, other: &FieldSpec) -> bool {
        self.path == other.path
            && [
                (&other.group, &self.group),
                (&other.version, &self.version),
                (&other.kind, &self.kind),
            ]
            .iter()
            .all(|(want, have)| want.is_none() || want == have)
    }

    /// Whether the two could select one object at one path (each of kind, group and
    /// version equal or unset in one of them).
    fn overlaps(&self, other: &FieldSpec) -> bool {
        let meet = |a: &Option<String>, b: &Option<String>| a.is_none() || b.is_none() || a == b;
        self.path == other.path
            && meet(&self.group, &other.group)
            && meet(&self.version, &other.version)
            && meet(&self.kind, &other.kind)
    }

    /// A field spec as a configuration writes it; Err for what kustomize refuses or what
    /// platc does not walk (`[name=x]` steps).
    pub fn parse(node: &Node) -> Result<FieldSpec, Why> {
        let mut spec = FieldSpec {
            group: None,
            version: None,
            kind: None,
            path: Vec::new(),
            create: false,
        };
        let entries = node.as_map().ok_or("a field spec that is not a mapping")?;
        for (key, value) in entries {
            let key = key.as_str().ok_or("a field spec key that is not text")?;
            let text = || {
                value
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("field spec `{key}` that is not text"))
            };
            match key {
                "group" => spec.group = Some(text()?).filter(|t| !t.is_empty()),
                "version" => spec.version = Some(text()?).filter(|t| !t.is_empty()),
                "kind" => spec.kind = Some(text()?).filter(|t| !t.is_empty()),
                "path" => spec.path = split_path(&text()?)?,
                "create" => {
                    spec.create = value
                        .as_bool()
                        .ok_or("field spec `create` that is not a boolean")?
                }
                other => return Err(format!("unknown field `{other}` in a field spec")),
            }
        }
        if spec.path.is_empty() {
            return Err("a field spec without a path".into());
        }
        Ok(spec)
    }
}

fn is(want: &Option<String>, have: &str) -> bool {
    want.as_deref().is_none_or(|w| w == have)
}

/// A field spec path's segments: `/` separates them but for `\/` (a key holding a slash,
/// as annotation keys do).
fn split_path(path: &str) -> Result<Vec<String>, Why> {
    let mut out = Vec::new();
    let mut segment = String::new();
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('/') => segment.push('/'),
                _ => return Err(format!("field spec path `{path}` with an escape")),
            },
            '/' => out.push(std::mem::take(&mut segment)),
            c => segment.push(c),
        }
    }
    out.push(segment);
    let bad = |s: &String| {
        let key = s.strip_suffix("[]").unwrap_or(s);
        key.is_empty() || key.contains(['[', ']', '='])
    };
    if out.iter().any(bad) {
        return Err(format!("field spec path `{path}`"));
    }
    Ok(out)
}

/// Fields that name objects of one kind: kustomize's name back references.
#[derive(Clone, Debug)]
pub(crate) struct NameReference {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: String,
    /// The referring fields, each in the objects its spec selects.
    pub specs: Vec<FieldSpec>,
}

/// A transformer configuration: kustomize's `TransformerConfig`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Config {
    pub name_prefix: Vec<FieldSpec>,
    pub name_suffix: Vec<FieldSpec>,
    pub namespace: Vec<FieldSpec>,
    pub common_labels: Vec<FieldSpec>,
    pub labels: Vec<FieldSpec>,
    pub template_labels: Vec<FieldSpec>,
    pub common_annotations: Vec<FieldSpec>,
    pub name_reference: Vec<NameReference>,
    pub var_reference: Vec<FieldSpec>,
    pub images: Vec<FieldSpec>,
    pub replicas: Vec<FieldSpec>,
    /// What configurations added to the defaults (false: the defaults as they are).
    pub extended: bool,
}

/// The configuration a build starts from, shared: most builds never change it.
#[derive(Clone, Debug)]
pub(crate) struct Tables(pub Arc<Config>);

impl Default for Tables {
    fn default() -> Tables {
        Tables(defaults().clone())
    }
}

impl Tables {
    /// Adds a configuration (a kustomization's files, or what a resource folder's build
    /// holds); Err where kustomize finds two specs in conflict.
    pub fn merge(&mut self, other: &Tables) -> Result<(), Why> {
        if Arc::ptr_eq(&self.0, &other.0) || !other.0.extended {
            return Ok(());
        }
        Arc::make_mut(&mut self.0).merge(&other.0)
    }

    /// Adds the kustomization's `configurations` files, then what its `crds` files say.
    pub fn read(&mut self, root: &Path, k: &Kustomization) -> Result<(), Why> {
        self.read_files(root, k, "configurations", parse)?;
        self.read_files(root, k, "crds", super::crds::config)
    }

    /// Adds the configuration of each file a field lists.
    fn read_files(
        &mut self,
        root: &Path,
        k: &Kustomization,
        field: &str,
        parse: fn(&str) -> Result<Config, Why>,
    ) -> Result<(), Why> {
        let Some(entries) = k.doc.get(field) else {
            return Ok(());
        };
        let entries = entries
            .as_seq()
            .ok_or_else(|| format!("`{field}` that is not a list"))?;
        for entry in entries {
            let path = entry
                .as_str()
                .ok_or_else(|| format!("a `{field}` entry that is not text"))?;
            if crate::kustomize::is_remote(path) {
                return Err(format!("remote `{field}` file `{path}`"));
            }
            // kustomize reads them through its load restrictor: in or below the
            // kustomization's folder.
            let text = super::read_patch(root, k, path).ok_or_else(|| {
                format!("`{field}` file `{path}` (missing, or above the kustomization)")
            })?;
            let config = parse(&text).map_err(|why| format!("`{field}` file `{path}`: {why}"))?;
            Arc::make_mut(&mut self.0).merge(&config)?;
        }
        Ok(())
    }

    /// The specs of one table that configurations added to kustomize's defaults (the
    /// transformers whose defaults platc runs as code take these only).
    pub fn added(&self, table: impl Fn(&Config) -> &Vec<FieldSpec>) -> Vec<&FieldSpec> {
        if !self.0.extended {
            return Vec::new();
        }
        let defaults = table(defaults());
        table(&self.0)
            .iter()
            .filter(|s| !defaults.contains(s))
            .collect()
    }
}

/// Whether kustomize's default nameReference table holds this referring field for this
/// target (the fields kustomize resolves by code take only those).
pub(crate) fn is_default_reference(target: &NameReference, spec: &FieldSpec) -> bool {
    defaults().name_reference.iter().any(|r| {
        r.kind == target.kind
            && r.group == target.group
            && r.version == target.version
            && r.specs.contains(spec)
    })
}

/// Calls `f` on every field at a spec's path in `o`, lists on the way walked through. With
/// `create`, a missing field is created (an empty string, for `f` to set) and so are the
/// maps leading to it, never a list (`name[]`). None where `f` declines, or where the path
/// runs through a scalar (kustomize's error).
pub(crate) fn each_field(
    o: &mut Value,
    path: &[String],
    create: bool,
    f: &mut dyn FnMut(&mut Value) -> Option<()>,
) -> Option<()> {
    let Some((first, rest)) = path.split_first() else {
        return f(o);
    };
    match o {
        Value::Array(items) => {
            for item in items {
                each_field(item, path, create, f)?;
            }
            Some(())
        }
        Value::Object(map) => {
            let (key, list) = first
                .strip_suffix("[]")
                .map_or((first.as_str(), false), |k| (k, true));
            if !map.contains_key(key) {
                if !create || list {
                    return Some(());
                }
                let new = if rest.is_empty() {
                    Value::String(String::new())
                } else {
                    Value::Object(serde_json::Map::new())
                };
                map.insert(key.to_string(), new);
            }
            let child = map.get_mut(key)?;
            if child.is_null() && !rest.is_empty() {
                if !create {
                    return Some(());
                }
                *child = Value::Object(serde_json::Map::new());
            }
            each_field(child, rest, create, f)
        }
        _ => None,
    }
}

/// kustomize's defaults, read once.
fn defaults() -> &'static Arc<Config> {
    static DEFAULTS: OnceLock<Arc<Config>> = OnceLock::new();
    DEFAULTS.get_or_init(|| {
        let mut config = parse(include_str!("config_defaults.yaml"))
            .unwrap_or_else(|why| panic!("config_defaults.yaml: {why}"));
        config.extended = false;
        Arc::new(config)
    })
}

/// A configuration file: one YAML document in kustomize's format; Err for anything
/// kustomize refuses or platc does not read as it does.
pub(crate) fn parse(text: &str) -> Result<Config, Why> {
    let docs = super::read::nodes(text, super::read::Role::Patch)
        .ok_or("YAML platc does not read as kustomize does")?;
    let mut config = Config {
        extended: true,
        ..Config::default()
    };
    let doc = match docs.as_slice() {
        [] => return Ok(config),
        [doc] => doc,
        _ => return Err("several documents".into()),
    };
    let entries = doc.as_map().ok_or("not a mapping")?;
    for (key, value) in entries {
        let key = key.as_str().ok_or("a key that is not text")?;
        if key == "nameReference" {
            for item in seq(value, key)? {
                config.name_reference.push(name_reference(item)?);
            }
            continue;
        }
        let list = match key {
            "namePrefix" => &mut config.name_prefix,
            "nameSuffix" => &mut config.name_suffix,
            "namespace" => &mut config.namespace,
            "commonLabels" => &mut config.common_labels,
            "labels" => &mut config.labels,
            "templateLabels" => &mut config.template_labels,
            "commonAnnotations" => &mut config.common_annotations,
            "varReference" => &mut config.var_reference,
            "images" => &mut config.images,
            "replicas" => &mut config.replicas,
            other => return Err(format!("unknown field `{other}` (kustomize's error)")),
        };
        for item in seq(value, key)? {
            list.push(FieldSpec::parse(item)?);
        }
    }
    Ok(config)
}

fn seq<'a>(node: &'a Node, key: &str) -> Result<&'a [Node], Why> {
    if node.is_null() {
        return Ok(&[]);
    }
    node.as_seq()
        .ok_or_else(|| format!("`{key}` that is not a list"))
}

fn name_reference(node: &Node) -> Result<NameReference, Why> {
    let mut out = NameReference {
        group: None,
        version: None,
        kind: String::new(),
        specs: Vec::new(),
    };
    for (key, value) in node
        .as_map()
        .ok_or("a name reference that is not a mapping")?
    {
        let key = key.as_str().ok_or("a key that is not text")?;
        let text = || {
            value
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("name reference `{key}` that is not text"))
        };
        match key {
            "group" => out.group = Some(text()?).filter(|t| !t.is_empty()),
            "version" => out.version = Some(text()?).filter(|t| !t.is_empty()),
            "kind" => out.kind = text()?,
            "fieldSpecs" => {
                for item in seq(value, key)? {
                    out.specs.push(FieldSpec::parse(item)?);
                }
            }
            other => return Err(format!("unknown field `{other}` in a name reference")),
        }
    }
    if out.kind.is_empty() {
        return Err("a name reference without a kind".into());
    }
    Ok(out)
}

impl Config {
    /// kustomize's merge of two configurations.
    fn merge(&mut self, other: &Config) -> Result<(), Why> {
        self.extended |= other.extended;
        let pairs: [(&mut Vec<FieldSpec>, &Vec<FieldSpec>, &str); 10] = [
            (&mut self.name_prefix, &other.name_prefix, "namePrefix"),
            (&mut self.name_suffix, &other.name_suffix, "nameSuffix"),
            (&mut self.namespace, &other.namespace, "namespace"),
            (
                &mut self.common_labels,
                &other.common_labels,
                "commonLabels",
            ),
            (&mut self.labels, &other.labels, "labels"),
            (
                &mut self.template_labels,
                &other.template_labels,
                "templateLabels",
            ),
            (
                &mut self.common_annotations,
                &other.common_annotations,
                "commonAnnotations",
            ),
            (
                &mut self.var_reference,
                &other.var_reference,
                "varReference",
            ),
            (&mut self.images, &other.images, "images"),
            (&mut self.replicas, &other.replicas, "replicas"),
        ];
        for (mine, theirs, what) in pairs {
            merge_specs(mine, theirs).map_err(|()| conflict(what))?;
        }
        for reference in &other.name_reference {
            let same = self.name_reference.iter_mut().find(|r| {
                r.kind == reference.kind
                    && r.group == reference.group
                    && r.version == reference.version
            });
            match same {
                Some(r) => merge_specs(&mut r.specs, &reference.specs)
                    .map_err(|()| conflict("nameReference"))?,
                None => self.name_reference.push(reference.clone()),
            }
        }
        Ok(())
    }
}

fn conflict(what: &str) -> Why {
    format!("conflicting `{what}` field specs (kustomize's error)")
}

/// Several lists of specs as one (a `labels` entry's tables), merged as kustomize merges
/// them; Err where two conflict.
pub(crate) fn union(lists: &[&[FieldSpec]]) -> Result<Vec<FieldSpec>, Why> {
    let mut out = Vec::new();
    for list in lists {
        merge_specs(&mut out, list).map_err(|()| conflict("labels"))?;
    }
    Ok(out)
}

/// Adds specs to a list, as kustomize does; Err(()) where two conflict. Which of two
/// overlapping specs kustomize compares first depends on its sort: any overlap that differs
/// in `create` is taken as a conflict (kustomize refuses at least one order of them).
fn merge_specs(mine: &mut Vec<FieldSpec>, theirs: &[FieldSpec]) -> Result<(), ()> {
    for spec in theirs {
        if mine
            .iter()
            .any(|m| m.overlaps(spec) && m.create != spec.create)
        {
            return Err(());
        }
        if !mine.iter().any(|m| m.selected_by(spec)) {
            mine.push(spec.clone());
        }
    }
    Ok(())
}

/// Whether a spec overlaps another in the list (two that could both write one field).
pub(crate) fn overlapping(specs: &[FieldSpec]) -> bool {
    specs
        .iter()
        .enumerate()
        .any(|(i, a)| specs[i + 1..].iter().any(|b| a.overlaps(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_kustomizes() {
        let d = defaults();
        assert_eq!(d.name_prefix.len(), 1);
        assert_eq!(d.common_labels.len(), 32);
        assert_eq!(d.template_labels.len(), 10);
        assert_eq!(d.common_annotations.len(), 9);
        assert_eq!(d.replicas.len(), 4);
        let secret = d
            .name_reference
            .iter()
            .find(|r| r.kind == "Secret")
            .unwrap();
        // Annotation keys hold an escaped slash.
        assert!(secret.specs.iter().any(|s| s.path
            == [
                "metadata",
                "annotations",
                "nginx.ingress.kubernetes.io/auth-secret"
            ]));
    }

    #[test]
    fn configurations_merge_and_conflict_as_kustomize_says() {
        let mut tables = Tables::default();
        let add = |tables: &mut Tables, text: &str| {
            let config = Tables(Arc::new(parse(text).unwrap()));
            tables.merge(&config)
        };
        // A spec equal to a default is dropped; a new one is added.
        add(
            &mut tables,
            "commonLabels:\n- {path: metadata/labels, create: true}\n",
        )
        .unwrap();
        assert_eq!(tables.0.common_labels.len(), 32);
        add(
            &mut tables,
            "commonLabels:\n- {path: spec/selector, kind: Bee, create: true}\n",
        )
        .unwrap();
        assert_eq!(tables.0.common_labels.len(), 33);
        // The same path with another `create`: kustomize's "conflicting fieldspecs", a
        // group given or not.
        for text in [
            "commonLabels:\n- {path: metadata/labels}\n",
            "commonLabels:\n- {path: spec/template/metadata/labels, kind: Deployment, group: apps}\n",
        ] {
            assert!(add(&mut tables.clone(), text).is_err(), "{text}");
        }
        // Unknown fields, at the top or in a spec, are kustomize's errors.
        assert!(parse("foo: []\n").is_err());
        assert!(parse("images:\n- {path: a/b, bogus: 1}\n").is_err());
        assert!(parse("images:\n- {path: 'a/[name=x]/b'}\n").is_err());
    }
}
