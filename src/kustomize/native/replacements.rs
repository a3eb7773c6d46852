//! kustomize's `replacements`: copy a field of one object (the source) into fields of others
//! (the targets), inline or from files (`- path: file.yaml`, one replacement or a list).
//! They run after every other transformer of their kustomization, over everything it has
//! accumulated, before the kustomizations that include it go on.
//!
//! As kustomize 5 does it (each point checked against `kubectl kustomize`):
//! - the source is the one object whose group, version, kind, name and namespace equal what
//!   is given (a name it had before a prefix or suffix counts); none or several is an error;
//! - targets are selected the same way plus label and annotation selectors; a `reject` entry
//!   rejects by its id fields, and separately by its selectors;
//! - target field paths take list positions, `*` (every element), `[key=regex]` (unanchored)
//!   and `[=regex]`, `\.` inside keys; `create: true` makes what is missing, including a
//!   list element at the position just past the end; a path that reaches nothing is an error;
//! - a scalar written over a scalar keeps the target's type (`"3"` into `replicas: 1` is the
//!   number 3), a created scalar takes the type its text reads as in YAML 1.2, and
//!   annotations are always strings.
//!
//! What this build does not reproduce exactly is declined ([`Err`] with the reason), and the
//! caller runs kustomize, which also reports kustomize's own errors.

use std::path::Path;

use regex::Regex;
use serde_json::Value;

use super::fieldpath::{self, Part};
use super::{Built, effective, group};
use crate::kustomize::Kustomization;
use crate::kustomize::select::{Renames, meta_matches};
use crate::schema::registry::Registry;
use crate::yaml::Node;

/// Why a replacement is left to kustomize.
type Why = String;

/// The id fields a selector names; empty ones match anything.
#[derive(Default)]
struct Id {
    group: String,
    version: String,
    kind: String,
    name: String,
    namespace: String,
}

impl Id {
    fn is_empty(&self) -> bool {
        [
            &self.group,
            &self.version,
            &self.kind,
            &self.name,
            &self.namespace,
        ]
        .iter()
        .all(|f| f.is_empty())
    }
}

/// `options.delimiter` and `options.index`.
struct Split {
    delimiter: String,
    index: i64,
}

struct Source {
    id: Id,
    field_path: String,
    split: Option<Split>,
}

/// A `select` or `reject` entry.
#[derive(Default)]
struct Selection {
    id: Id,
    labels: String,
    annotations: String,
}

struct Target {
    select: Selection,
    reject: Vec<Selection>,
    field_paths: Vec<String>,
    split: Option<Split>,
    create: bool,
}

struct Replacement {
    source: Source,
    targets: Vec<Target>,
}

/// Applies the kustomization's replacements, in order, to what it has accumulated.
pub(super) fn apply(
    root: &Path,
    registry: &Registry,
    k: &Kustomization,
    renames: &Renames<'_>,
    built: &mut Built,
) -> Result<(), Why> {
    let Some(entries) = k.doc.get("replacements") else {
        return Ok(());
    };
    let mut replacements = Vec::new();
    for entry in entries.as_seq().unwrap_or(&[]) {
        match entry.get("path") {
            Some(path) => {
                if entry.as_map().is_some_and(|m| m.len() > 1) {
                    return Err("a replacement with both `path` and inline fields".into());
                }
                let path = path
                    .as_str()
                    .ok_or("a replacement `path` that is not text")?;
                replacements.extend(from_file(root, k, path)?);
            }
            None => replacements.push(replacement(entry)?),
        }
    }
    for r in &replacements {
        run(registry, renames, r, built)?;
    }
    Ok(())
}

/// A replacement file: one replacement or a list of them.
fn from_file(root: &Path, k: &Kustomization, path: &str) -> Result<Vec<Replacement>, Why> {
    let unreadable = || format!("replacement file `{path}`");
    let text = super::read_patch(root, k, path).ok_or_else(unreadable)?;
    let docs = super::read::nodes(&text, super::read::Role::Patch).ok_or_else(unreadable)?;
    let [doc] = docs.as_slice() else {
        return Err(unreadable());
    };
    match doc.as_seq() {
        Some(items) => items.iter().map(replacement).collect(),
        None => Ok(vec![replacement(doc)?]),
    }
}

/// Refuses keys kustomize does not know (it refuses them too).
fn only(node: &Node, allowed: &[&str], what: &str) -> Result<(), Why> {
    let entries = node
        .as_map()
        .ok_or_else(|| format!("a {what} that is not a mapping"))?;
    for (key, _) in entries {
        let key = key.as_str().unwrap_or("?");
        if !allowed.contains(&key) {
            return Err(format!("`{key}` in a {what}"));
        }
    }
    Ok(())
}

/// A text field; empty when absent.
fn text(node: &Node, key: &str) -> Result<String, Why> {
    super::fieldpath::text_field(node, key, "a replacement")
}

const ID_KEYS: [&str; 5] = ["group", "version", "kind", "name", "namespace"];

fn id(node: &Node) -> Result<Id, Why> {
    Ok(Id {
        group: text(node, "group")?,
        version: text(node, "version")?,
        kind: text(node, "kind")?,
        name: text(node, "name")?,
        namespace: text(node, "namespace")?,
    })
}

fn replacement(node: &Node) -> Result<Replacement, Why> {
    only(node, &["source", "targets"], "replacement")?;
    let source = node
        .get("source")
        .filter(|s| !s.is_null())
        .ok_or("a replacement without a source")?;
    only(
        source,
        &[&ID_KEYS[..], &["fieldPath", "options"]].concat(),
        "source",
    )?;
    let targets = node
        .get("targets")
        .and_then(Node::as_seq)
        .filter(|t| !t.is_empty())
        .ok_or("a replacement without targets")?;
    let field_path = match text(source, "fieldPath")? {
        p if p.is_empty() => "metadata.name".to_string(),
        p => p,
    };
    Ok(Replacement {
        source: Source {
            id: id(source)?,
            field_path,
            split: options(source)?.0,
        },
        targets: targets.iter().map(target).collect::<Result<_, _>>()?,
    })
}

fn selection(node: &Node) -> Result<Selection, Why> {
    only(
        node,
        &[&ID_KEYS[..], &["labelSelector", "annotationSelector"]].concat(),
        "target selector",
    )?;
    Ok(Selection {
        id: id(node)?,
        labels: text(node, "labelSelector")?,
        annotations: text(node, "annotationSelector")?,
    })
}

fn target(node: &Node) -> Result<Target, Why> {
    only(
        node,
        &["select", "reject", "fieldPaths", "options"],
        "replacement target",
    )?;
    let select = node
        .get("select")
        .filter(|s| !s.is_null())
        .ok_or("a replacement target without `select`")?;
    let mut field_paths = Vec::new();
    for path in node.get("fieldPaths").and_then(Node::as_seq).unwrap_or(&[]) {
        let path = path
            .as_str()
            .ok_or("a `fieldPaths` entry that is not text")?;
        field_paths.push(path.to_string());
    }
    if field_paths.is_empty() {
        field_paths.push("metadata.name".into());
    }
    let (split, create) = options(node)?;
    Ok(Target {
        select: selection(select)?,
        reject: node
            .get("reject")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .map(selection)
            .collect::<Result<_, _>>()?,
        field_paths,
        split,
        create,
    })
}

/// `options`: the delimiter and index, and `create`.
fn options(node: &Node) -> Result<(Option<Split>, bool), Why> {
    let Some(options) = node.get("options").filter(|o| !o.is_null()) else {
        return Ok((None, false));
    };
    only(
        options,
        &["delimiter", "index", "create"],
        "replacement options",
    )?;
    let index = match options.get("index").map(|i| &i.value) {
        None => 0,
        Some(crate::yaml::Value::Int(i)) => *i,
        Some(_) => return Err("an `options.index` that is not a whole number".into()),
    };
    let create = match options.get("create") {
        None => false,
        Some(c) => c
            .as_bool()
            .ok_or("an `options.create` that is not true or false")?,
    };
    let delimiter = text(options, "delimiter")?;
    let split = (!delimiter.is_empty()).then_some(Split { delimiter, index });
    Ok((split, create))
}

/// Whether an object has the id fields given, under any name it has had.
fn id_matches(
    id: &Id,
    registry: &Registry,
    renames: &Renames<'_>,
    object: &Value,
    names: &[String],
) -> Result<bool, Why> {
    let api = object["apiVersion"].as_str().unwrap_or_default();
    let version = api.rsplit_once('/').map_or(api, |(_, v)| v);
    let kind = object["kind"].as_str().unwrap_or_default();
    let same = |want: &str, have: &str| want.is_empty() || want == have;
    if !(same(&id.group, group(object))
        && same(&id.version, version)
        && same(&id.kind, kind)
        && (id.name.is_empty() || names.contains(&id.name)))
    {
        return Ok(false);
    }
    if id.namespace.is_empty() {
        return Ok(true);
    }
    // The namespaces objects had before a `namespace:` moved them count too: not tracked.
    if renames.namespace_set {
        return Err("a replacement selecting by namespace where `namespace` moves objects".into());
    }
    let namespaced = registry
        .core_namespaced(api, kind)
        .or_else(|| registry.is_namespaced(api, kind));
    if namespaced == Some(false) {
        return Err("a replacement selecting a cluster-wide object by namespace".into());
    }
    Ok(effective(object["metadata"]["namespace"].as_str()) == effective(Some(&id.namespace)))
}

/// Whether an object satisfies a selection's label and annotation selectors.
fn meta_selected(selection: &Selection, object: &Value) -> Result<bool, Why> {
    let unreadable = || "a label or annotation selector platc cannot read".to_string();
    Ok(
        meta_matches(&selection.labels, object, "labels").ok_or_else(unreadable)?
            && meta_matches(&selection.annotations, object, "annotations")
                .ok_or_else(unreadable)?,
    )
}

fn run(
    registry: &Registry,
    renames: &Renames<'_>,
    r: &Replacement,
    built: &mut Built,
) -> Result<(), Why> {
    let mut sources = Vec::new();
    for (i, (object, names)) in built.objects.iter().zip(&built.names).enumerate() {
        if id_matches(&r.source.id, registry, renames, object, names)? {
            sources.push(i);
        }
    }
    let [source] = sources[..] else {
        return Err(format!(
            "a replacement source that matches {} objects (kustomize's error)",
            sources.len()
        ));
    };
    let parts = fieldpath::split(&r.source.field_path);
    let missing = || {
        format!(
            "replacement source field `{}` missing (kustomize's error)",
            r.source.field_path
        )
    };
    let found = fieldpath::lookup(&built.objects[source], &parts)
        .map_err(|_| format!("replacement source field `{}`", r.source.field_path))?
        .ok_or_else(missing)?;
    let mut value = Copied::of(found).ok_or_else(missing)?;
    if let Some(split) = &r.source.split {
        value = value.piece(split)?;
    }
    for t in &r.targets {
        for i in 0..built.objects.len() {
            let (object, names) = (&built.objects[i], &built.names[i]);
            if !(id_matches(&t.select.id, registry, renames, object, names)?
                && meta_selected(&t.select, object)?)
            {
                continue;
            }
            let mut rejected = false;
            for reject in &t.reject {
                rejected |= !reject.id.is_empty()
                    && id_matches(&reject.id, registry, renames, object, names)?;
                rejected |= !(reject.labels.is_empty() && reject.annotations.is_empty())
                    && meta_selected(reject, object)?;
            }
            if rejected {
                continue;
            }
            let old_name = object["metadata"]["name"].clone();
            write(&mut built.objects[i], t, &value)?;
            // A name a replacement writes is the object's name now; kustomize does not keep
            // the one it replaces among the names references may use.
            let name = &built.objects[i]["metadata"]["name"];
            if *name != old_name {
                let name = name
                    .as_str()
                    .filter(|n| !n.is_empty())
                    .ok_or("a replacement writing a name that is not text")?;
                *built.names[i].last_mut().ok_or("an object without names")? = name.into();
            }
        }
    }
    Ok(())
}

/// The source's value as kustomize copies it: a scalar's text, or a map or list whole.
#[derive(Clone)]
enum Copied {
    Scalar {
        text: String,
        /// The text as written (a boolean's `True` reads back as `true`: its text is lost).
        exact: bool,
    },
    Node(Value),
}

impl Copied {
    /// None where kustomize finds no value (null, an empty map or list) or the text is lost
    /// (a float).
    fn of(value: &Value) -> Option<Copied> {
        let scalar = |exact| {
            Some(Copied::Scalar {
                text: fieldpath::scalar_text(value)?,
                exact,
            })
        };
        match value {
            Value::String(_) => scalar(true),
            Value::Number(n) if n.is_i64() || n.is_u64() => scalar(true),
            Value::Bool(_) => scalar(false),
            Value::Object(m) if !m.is_empty() => Some(Copied::Node(value.clone())),
            Value::Array(a) if !a.is_empty() => Some(Copied::Node(value.clone())),
            _ => None,
        }
    }

    /// The source option: one piece of the text, split at the delimiter.
    fn piece(self, split: &Split) -> Result<Copied, Why> {
        let Copied::Scalar { text, exact } = self else {
            return Err("a delimiter on a source that is not a scalar (kustomize's error)".into());
        };
        if !exact {
            return Err("a delimiter on a boolean source".into());
        }
        let pieces: Vec<&str> = text.split(split.delimiter.as_str()).collect();
        let piece = usize::try_from(split.index)
            .ok()
            .and_then(|i| pieces.get(i))
            .ok_or("a source `options.index` out of bounds (kustomize's error)")?;
        Ok(Copied::Scalar {
            text: piece.to_string(),
            exact,
        })
    }

    /// What kind of node `create` makes for it.
    fn new_node(&self) -> Value {
        match self {
            Copied::Scalar { .. } => Value::Null,
            Copied::Node(Value::Array(_)) => Value::Array(Vec::new()),
            Copied::Node(_) => Value::Object(serde_json::Map::new()),
        }
    }
}

/// One step into a JSON value.
#[derive(Clone)]
enum Step {
    Key(String),
    At(usize),
}

/// A field a replacement writes, and whether this replacement created it.
struct Found {
    steps: Vec<Step>,
    created: bool,
}

/// Writes the value into every field of one target object its paths reach.
fn write(object: &mut Value, t: &Target, value: &Copied) -> Result<(), Why> {
    for path in &t.field_paths {
        let parts: Vec<Part> = fieldpath::split(path)
            .iter()
            .map(|p| fieldpath::part(p))
            .collect::<Option<_>>()
            .ok_or_else(|| format!("replacement target field path `{path}`"))?;
        match parts.as_slice() {
            [Part::Field(f), ..] if f == "apiVersion" || f == "kind" => {
                return Err("a replacement of an object's apiVersion or kind".into());
            }
            [Part::Field(m)] if m == "metadata" => {
                return Err("a replacement of a whole `metadata`".into());
            }
            [Part::Field(m), Part::Field(a)] if m == "metadata" && a == "annotations" => {
                return Err("a replacement of a whole `metadata.annotations`".into());
            }
            _ => {}
        }
        let create = t.create.then(|| value.new_node());
        let mut found = Vec::new();
        find(
            object,
            &parts,
            create.as_ref(),
            &mut Vec::new(),
            false,
            &mut found,
        )?;
        if found.is_empty() {
            return Err(format!(
                "replacement target field `{path}` missing (kustomize's error)"
            ));
        }
        for f in found {
            set(object, &f, t.split.as_ref(), value)?;
        }
    }
    Ok(())
}

/// The fields a target path reaches, made where `create` asks (kyaml's PathMatcher).
fn find(
    node: &mut Value,
    parts: &[Part],
    create: Option<&Value>,
    at: &mut Vec<Step>,
    created: bool,
    out: &mut Vec<Found>,
) -> Result<(), Why> {
    let Some((first, rest)) = parts.split_first() else {
        out.push(Found {
            steps: at.clone(),
            created,
        });
        return Ok(());
    };
    // What `create` makes for a missing part: a list before a position or an element
    // selector, a map before a key or `*`, the value's kind at the end.
    let fresh = |create: &Value| match rest.first() {
        Some(Part::Index(_) | Part::Match { .. }) => Value::Array(Vec::new()),
        Some(_) => Value::Object(serde_json::Map::new()),
        None => create.clone(),
    };
    let through = || {
        "a replacement target path through a null, a scalar or the wrong kind of node (kustomize refuses most)".to_string()
    };
    match first {
        Part::Field(name) => {
            let Value::Object(map) = node else {
                return Err(through());
            };
            let mut made = false;
            if !map.contains_key(name) {
                let Some(create) = create else {
                    return Ok(());
                };
                map.insert(name.clone(), fresh(create));
                made = true;
            }
            at.push(Step::Key(name.clone()));
            let child = map.get_mut(name).ok_or_else(through)?;
            let result = find(child, rest, create, at, made, out);
            at.pop();
            result
        }
        Part::Index(i) => {
            let Value::Array(items) = node else {
                return Err(through());
            };
            let mut made = false;
            if *i == items.len()
                && let Some(create) = create
            {
                items.push(fresh(create));
                made = true;
            }
            let child = items
                .get_mut(*i)
                .ok_or("a replacement target index out of range (kustomize's error)")?;
            at.push(Step::At(*i));
            let result = find(child, rest, create, at, made, out);
            at.pop();
            result
        }
        Part::Each => {
            let Value::Array(items) = node else {
                return Err(through());
            };
            for (i, item) in items.iter_mut().enumerate() {
                at.push(Step::At(i));
                let result = find(item, rest, create, at, false, out);
                at.pop();
                result?;
            }
            Ok(())
        }
        Part::Match { key, value } => {
            let Value::Array(items) = node else {
                return Err(through());
            };
            // kyaml matches the regular expression anywhere in the text.
            let re = Regex::new(value)
                .map_err(|_| format!("an element selector `{value}` platc cannot read"))?;
            let before = out.len();
            let mut matched = false;
            for (i, item) in items.iter_mut().enumerate() {
                let field = if key.is_empty() {
                    Some(&*item)
                } else {
                    item.as_object().and_then(|m| m.get(key))
                };
                let Some(field) = field else { continue };
                let Some(text) = fieldpath::scalar_text(field) else {
                    // A null or a map compared as text: not modelled.
                    return Err("an element selector over a field that is not text".into());
                };
                if !re.is_match(&text) {
                    continue;
                }
                matched = true;
                at.push(Step::At(i));
                let result = find(item, rest, create, at, false, out);
                at.pop();
                result?;
            }
            if out.len() > before {
                return Ok(());
            }
            let Some(create) = create else {
                return Ok(());
            };
            if matched {
                // kyaml appends an element and matches them all again: not modelled.
                return Err("an element selector whose elements hold nothing to create".into());
            }
            // kyaml appends an element holding the selector's text (typed as YAML reads it)
            // and matches again.
            let text = tagless(value).ok_or("a created list element of uncertain type")?;
            let element = if key.is_empty() {
                text
            } else {
                serde_json::json!({ key.clone(): text })
            };
            items.push(element);
            let i = items.len() - 1;
            if !key.is_empty() || re.is_match(value) {
                at.push(Step::At(i));
                let result = find(&mut items[i], rest, Some(create), at, key.is_empty(), out);
                at.pop();
                return result;
            }
            Err("a created list element its own selector does not match".into())
        }
    }
}

/// Writes the value into one field.
fn set(object: &mut Value, f: &Found, split: Option<&Split>, value: &Copied) -> Result<(), Why> {
    let annotation = matches!(f.steps.as_slice(),
        [Step::Key(m), Step::Key(a), Step::Key(_)] if m == "metadata" && a == "annotations");
    let mut slot = &mut *object;
    for step in &f.steps {
        slot = match step {
            Step::Key(k) => slot.get_mut(k.as_str()),
            Step::At(i) => slot.get_mut(*i),
        }
        .ok_or("a replacement target that moved")?;
    }
    let scalar_target = f.created || !matches!(slot, Value::Object(_) | Value::Array(_));
    let (text, exact) = match value {
        Copied::Node(v) => {
            if split.is_some() {
                return Err(
                    "a delimiter with a source that is not a scalar (kustomize's error)".into(),
                );
            }
            if annotation || (scalar_target && !f.created) {
                return Err("a map or list copied over a scalar".into());
            }
            *slot = v.clone();
            return Ok(());
        }
        Copied::Scalar { text, exact, .. } => (text, *exact),
    };
    if !exact && (annotation || split.is_some() || matches!(slot, Value::String(_))) {
        return Err("a boolean copied as text (its written form is lost)".into());
    }
    let text = match split {
        None => text.clone(),
        Some(split) => {
            let old = if f.created {
                String::new()
            } else if matches!(slot, Value::Bool(_)) {
                return Err("a delimiter on a boolean target".into());
            } else {
                fieldpath::scalar_text(slot)
                    .ok_or("a delimiter on a target that is not a scalar (kustomize's error)")?
            };
            let mut pieces: Vec<&str> = old.split(split.delimiter.as_str()).collect();
            match usize::try_from(split.index) {
                Err(_) => pieces.insert(0, text),
                Ok(i) if i >= pieces.len() => pieces.push(text),
                Ok(i) => pieces[i] = text,
            }
            pieces.join(&split.delimiter)
        }
    };
    *slot = if annotation {
        // kustomize writes annotations back as strings at the end of every build.
        Value::String(text)
    } else if scalar_target {
        scalar(slot, f.created, &text)?
    } else {
        // kustomize copies it, and its later steps (name references) refuse the object.
        return Err("a scalar copied over a map or list".into());
    };
    Ok(())
}

/// A scalar written over a scalar: the target keeps its type (kustomize copies only the
/// text), a created one reads as YAML reads its text.
fn scalar(slot: &Value, created: bool, text: &str) -> Result<Value, Why> {
    let mismatch = || "a replacement whose text does not fit the target's type".to_string();
    if created {
        return tagless(text).ok_or_else(mismatch);
    }
    match slot {
        Value::String(_) => Ok(Value::String(text.into())),
        Value::Number(n) if n.is_i64() || n.is_u64() => match decimal(text) {
            Some(v) => Ok(v),
            None => Err(mismatch()),
        },
        Value::Bool(_) => boolean(text).map(Value::Bool).ok_or_else(mismatch),
        _ => Err(mismatch()),
    }
}

/// An integer written in decimal.
fn decimal(text: &str) -> Option<Value> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match crate::yaml::resolve::resolve_plain(text) {
        crate::yaml::Value::Int(i) => Some(Value::from(i)),
        crate::yaml::Value::UInt(u) => Some(Value::from(u)),
        _ => None,
    }
}

/// YAML 1.2's booleans (go-yaml v3's, which kustomize writes with).
fn boolean(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// What an untyped scalar of this text decodes to in go-yaml v3 (YAML 1.2 core, plus
/// leading-zero octals); None where the result is not modelled (floats, timestamps).
fn tagless(text: &str) -> Option<Value> {
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return Some(Value::Null);
    }
    if let Some(b) = boolean(text) {
        return Some(Value::Bool(b));
    }
    let b = text.as_bytes();
    if b.len() >= 8 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' {
        return None;
    }
    match crate::yaml::resolve::resolve_plain(text) {
        crate::yaml::Value::Int(i) => Some(Value::from(i)),
        crate::yaml::Value::UInt(u) => Some(Value::from(u)),
        crate::yaml::Value::Float(_) | crate::yaml::Value::Null => None,
        // `yes`, `on` and the other YAML 1.1 booleans are text to go-yaml v3.
        _ => Some(Value::String(text.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn target(paths: &[&str], create: bool, split: Option<(&str, i64)>) -> Target {
        Target {
            select: Selection::default(),
            reject: Vec::new(),
            field_paths: paths.iter().map(|p| p.to_string()).collect(),
            split: split.map(|(d, i)| Split {
                delimiter: d.into(),
                index: i,
            }),
            create,
        }
    }

    fn text(s: &str) -> Copied {
        Copied::Scalar {
            text: s.into(),
            exact: true,
        }
    }

    #[test]
    fn writes_keep_the_targets_type_and_created_fields_read_as_yaml() {
        let mut o = json!({"metadata": {"name": "web"}, "spec": {"replicas": 1, "containers": [
            {"name": "app", "image": "nginx:1.0", "args": ["a", "b"]},
            {"name": "side", "image": "busybox"}]}});
        write(&mut o, &target(&["spec.replicas"], false, None), &text("3")).unwrap();
        assert_eq!(o["spec"]["replicas"], json!(3));
        write(
            &mut o,
            &target(&["spec.containers.[name=ap].image"], false, Some((":", 1))),
            &text("2.0"),
        )
        .unwrap();
        assert_eq!(o["spec"]["containers"][0]["image"], "nginx:2.0");
        write(
            &mut o,
            &target(
                &[
                    "spec.containers.*.args.2",
                    "metadata.labels.port",
                    r"metadata.annotations.a\.b/c",
                ],
                true,
                None,
            ),
            &text("8080"),
        )
        .unwrap_err();
        write(
            &mut o,
            &target(
                &[
                    "metadata.labels.port",
                    r"metadata.annotations.a\.b/c",
                    "spec.containers.[name=new].image",
                ],
                true,
                None,
            ),
            &text("8080"),
        )
        .unwrap();
        assert_eq!(o["metadata"]["labels"]["port"], json!(8080));
        assert_eq!(o["metadata"]["annotations"]["a.b/c"], json!("8080"));
        assert_eq!(
            o["spec"]["containers"][2],
            json!({"name": "new", "image": 8080})
        );
        // Missing without `create`, a position past the end, text over a number.
        for (path, create) in [
            ("spec.nothing", false),
            ("spec.containers.5.image", true),
            ("spec.containers.*.name.x", false),
        ] {
            assert!(
                write(&mut o, &target(&[path], create, None), &text("x")).is_err(),
                "{path}"
            );
        }
        assert!(write(&mut o, &target(&["spec.replicas"], false, None), &text("x")).is_err());
    }

    #[test]
    fn untyped_text_reads_as_yaml_1_2() {
        assert_eq!(tagless("5432"), Some(json!(5432)));
        assert_eq!(tagless("yes"), Some(json!("yes")));
        assert_eq!(tagless("True"), Some(json!(true)));
        assert_eq!(tagless(""), Some(Value::Null));
        assert_eq!(tagless("1.5"), None);
        assert_eq!(tagless("2024-01-01"), None);
        assert_eq!(decimal("0x1F"), None);
        assert_eq!(decimal("-7"), Some(json!(-7)));
    }
}
