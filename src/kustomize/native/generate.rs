//! `configMapGenerator` and `secretGenerator`: ConfigMaps and Secrets made from literals,
//! files and env files, merged into or replacing one the build already has (`behavior`), and
//! named with kustomize's content hash once the whole build is done.

use std::path::Path;

use base64::Engine as _;
use serde_json::{Map, Value};
use sha2::Digest as _;

use super::{Built, effective};
use crate::kustomize::Kustomization;
use crate::yaml::Node;

/// The options of `generatorOptions` and of a generator's `options`.
#[derive(Default, Clone)]
struct Options {
    labels: Map<String, Value>,
    annotations: Map<String, Value>,
    no_hash: bool,
    immutable: bool,
}

impl Options {
    fn read(node: Option<&Node>) -> Option<Options> {
        let mut out = Options::default();
        let Some(node) = node else {
            return Some(out);
        };
        if node.is_null() {
            return Some(out);
        }
        for (key, value) in node.as_map()? {
            match key.as_str()? {
                "labels" => out.labels = strings(value)?,
                "annotations" => out.annotations = strings(value)?,
                "disableNameSuffixHash" => out.no_hash = value.as_bool()?,
                "immutable" => out.immutable = value.as_bool()?,
                _ => return None,
            }
        }
        Some(out)
    }

    /// A generator's options over the kustomization's: maps merged, flags either.
    fn over(&self, general: &Options) -> Options {
        let mut out = general.clone();
        out.labels.extend(self.labels.clone());
        out.annotations.extend(self.annotations.clone());
        out.no_hash |= self.no_hash;
        out.immutable |= self.immutable;
        out
    }
}

/// A map of strings written as strings (`true` unquoted is kustomize's to refuse).
fn strings(node: &Node) -> Option<Map<String, Value>> {
    let mut out = Map::new();
    if node.is_null() {
        return Some(out);
    }
    for (k, v) in node.as_map()? {
        let crate::yaml::Value::Str { text, .. } = &v.value else {
            return None;
        };
        out.insert(k.as_str()?.to_string(), Value::String(text.clone()));
    }
    Some(out)
}

/// Runs the kustomization's generators over what the build has so far; None for what
/// kustomize would refuse or platc does not reproduce.
/// Err names the generator platc leaves to kustomize (an option or input it does not read
/// as kustomize does, a missing input file, what kustomize refuses).
pub(super) fn run(root: &Path, k: &Kustomization, built: &mut Built) -> Result<(), String> {
    let general =
        Options::read(k.doc.get("generatorOptions")).ok_or("`generatorOptions` as written")?;
    for (field, kind) in [
        ("configMapGenerator", "ConfigMap"),
        ("secretGenerator", "Secret"),
    ] {
        for item in k.doc.get(field).and_then(Node::as_seq).unwrap_or(&[]) {
            generate(root, k, kind, item, &general, built).ok_or_else(|| {
                let entry = match item.get("name").and_then(Node::as_str) {
                    Some(name) => format!("`{field}` entry `{name}`"),
                    None => format!("a `{field}` entry"),
                };
                match unreadable_input(root, k, item) {
                    Some(path) => {
                        format!("{entry}: its input `{path}` is missing or above the kustomization")
                    }
                    None => format!("{entry} as written"),
                }
            })?;
        }
    }
    Ok(())
}

fn generate(
    root: &Path,
    k: &Kustomization,
    kind: &str,
    item: &Node,
    general: &Options,
    built: &mut Built,
) -> Option<()> {
    let mut behavior = "create";
    let mut pairs: Vec<(String, Vec<u8>)> = Vec::new();
    let mut secret_type = None;
    for (key, value) in item.as_map()? {
        match key.as_str()? {
            "name" | "namespace" | "options" => {}
            "behavior" => behavior = value.as_str()?,
            "type" if kind == "Secret" => secret_type = Some(value.as_str()?.to_string()),
            "literals" => {
                for literal in value.as_seq()? {
                    let (k, v) = literal.as_str()?.split_once('=')?;
                    pairs.push((k.to_string(), unquote(v).as_bytes().to_vec()));
                }
            }
            "envs" => {
                for env in value.as_seq()? {
                    pairs.extend(env_file(root, k, env.as_str()?)?);
                }
            }
            "env" => pairs.extend(env_file(root, k, value.as_str()?)?),
            "files" => {
                for file in value.as_seq()? {
                    let file = file.as_str()?;
                    let (key, path) = match file.split_once('=') {
                        Some((key, path)) => (key.to_string(), path),
                        None => (file.rsplit('/').next()?.to_string(), file),
                    };
                    pairs.push((key, read(root, k, path)?));
                }
            }
            _ => return None,
        }
    }
    let name = item.get("name")?.as_str()?;
    let namespace = item.get("namespace").and_then(Node::as_str);
    let options = Options::read(item.get("options"))?.over(general);
    // Keys kustomize accepts, each once.
    let mut seen = std::collections::HashSet::new();
    for (key, _) in &pairs {
        let valid = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid || !seen.insert(key.clone()) {
            return None;
        }
    }
    let mut data = Map::new();
    let mut binary = Map::new();
    let encode = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    for (key, bytes) in pairs {
        if kind == "Secret" {
            data.insert(key, Value::String(encode(&bytes)));
        } else {
            match String::from_utf8(bytes) {
                Ok(text) => data.insert(key, Value::String(text)),
                Err(e) => binary.insert(key, Value::String(encode(e.as_bytes()))),
            };
        }
    }
    if !matches!(behavior, "create" | "merge" | "replace") {
        return None;
    }
    let mut metadata = Map::new();
    metadata.insert("name".into(), Value::String(name.into()));
    if let Some(ns) = namespace {
        metadata.insert("namespace".into(), Value::String(ns.into()));
    }
    if !options.labels.is_empty() {
        metadata.insert("labels".into(), Value::Object(options.labels.clone()));
    }
    if !options.annotations.is_empty() {
        metadata.insert(
            "annotations".into(),
            Value::Object(options.annotations.clone()),
        );
    }
    let mut o = Map::new();
    o.insert("apiVersion".into(), Value::String("v1".into()));
    o.insert("kind".into(), Value::String(kind.into()));
    if kind == "Secret" {
        let t = secret_type.clone().unwrap_or_else(|| "Opaque".into());
        o.insert("type".into(), Value::String(t));
    }
    if options.immutable {
        o.insert("immutable".into(), Value::Bool(true));
    }
    if behavior == "create" {
        o.insert("metadata".into(), Value::Object(metadata));
        for (field, new) in [("data", data), ("binaryData", binary)] {
            if !new.is_empty() {
                o.insert(field.into(), Value::Object(new));
            }
        }
        built.push(Value::Object(o));
        *built.hashed.last_mut()? = !options.no_hash;
        return Some(());
    }
    // merge and replace: kustomize keeps the NEW generated object and carries over the old
    // one's name, namespace, labels and annotations (the new ones win on a clash), and for
    // merge also its data and binaryData. Anything else of the old object (its `type`,
    // `immutable`, `stringData`, other fields) is dropped.
    let want = effective(namespace);
    let mut matches = built.objects.iter().enumerate().filter(|(i, o)| {
        o["apiVersion"] == "v1"
            && o["kind"] == kind
            && built.names[*i].iter().any(|n| n == name)
            && effective(o["metadata"]["namespace"].as_str()) == want
    });
    let (at, _) = matches.next()?;
    if matches.next().is_some() || secret_type.is_some() {
        return None;
    }
    // An overlay's options decide about the hash of what it merges into.
    if item.get("options").is_some() || k.doc.get("generatorOptions").is_some() {
        return None;
    }
    let old = built.objects[at].as_object()?;
    let old_meta = old.get("metadata")?.as_object()?;
    for field in ["name", "namespace"] {
        match old_meta.get(field) {
            Some(v) => metadata.insert(field.into(), v.clone()),
            None => metadata.shift_remove(field),
        };
    }
    for field in ["labels", "annotations"] {
        let mut merged = match old_meta.get(field) {
            Some(Value::Object(m)) => m.clone(),
            None | Some(Value::Null) => Map::new(),
            Some(_) => return None,
        };
        if let Some(Value::Object(new)) = metadata.get(field) {
            merged.extend(new.clone());
        }
        if merged.is_empty() {
            metadata.shift_remove(field);
        } else {
            metadata.insert(field.into(), Value::Object(merged));
        }
    }
    o.insert("metadata".into(), Value::Object(metadata));
    for (field, new) in [("data", data), ("binaryData", binary)] {
        let mut merged = Map::new();
        if behavior == "merge" {
            match old.get(field) {
                Some(Value::Object(m)) => merged = m.clone(),
                None | Some(Value::Null) => {}
                Some(_) => return None,
            }
        }
        merged.extend(new);
        if !merged.is_empty() {
            o.insert(field.into(), Value::Object(merged));
        }
    }
    built.objects[at] = Value::Object(o);
    Some(())
}

/// A literal's value: kustomize drops one pair of matching quotes around it.
fn unquote(v: &str) -> &str {
    let b = v.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

/// A file beside or below the kustomization (kustomize refuses others).
/// The first input file of a generator entry that cannot be read (`files`, `envs`, `env`).
fn unreadable_input<'a>(root: &Path, k: &Kustomization, item: &'a Node) -> Option<&'a str> {
    let files = item
        .get("files")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter();
    let envs = item
        .get("envs")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter();
    let paths = files
        .filter_map(|f| f.as_str().map(|f| f.split_once('=').map_or(f, |(_, p)| p)))
        .chain(envs.chain(item.get("env")).filter_map(Node::as_str));
    paths.into_iter().find(|p| read(root, k, p).is_none())
}

fn read(root: &Path, k: &Kustomization, path: &str) -> Option<Vec<u8>> {
    let rel = crate::spec::paths::repo_relative(&k.dir, path).ok()?;
    if !super::in_or_below(root, k, &rel) {
        return None;
    }
    let full = root.join(&rel);
    if !crate::confine::is_file(&full) {
        return None;
    }
    // Inside the repository and under the read limit; anything else is kustomize's to judge.
    let max = crate::limits::current().file_size.get();
    crate::confine::read_path_limited(root, &full, &rel, max).ok()
}

/// The pairs of an env file: `KEY=value` lines (the value as written, quotes included),
/// blank lines and `#` comments skipped. A line without `=` is its key with an empty value:
/// kustomize 5 no longer reads the value from its environment.
fn env_file(root: &Path, k: &Kustomization, path: &str) -> Option<Vec<(String, Vec<u8>)>> {
    let text = String::from_utf8(read(root, k, path)?).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    // Line ends kustomize keeps in values: left to it.
    if text.contains('\r') {
        return None;
    }
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        if key.is_empty() || key.contains(char::is_whitespace) {
            return None;
        }
        out.push((key.to_string(), value.as_bytes().to_vec()));
    }
    Some(out)
}

/// Appends kustomize's content hash to every generated name that takes one (after the
/// whole build, as kustomize does: the hash covers the final data).
pub(super) fn add_hashes(built: &mut Built) {
    for ((o, names), hashed) in built
        .objects
        .iter_mut()
        .zip(&mut built.names)
        .zip(&built.hashed)
    {
        if !hashed {
            continue;
        }
        let suffix = hash(o);
        if let Some(Value::String(name)) = o.pointer_mut("/metadata/name") {
            name.push('-');
            name.push_str(&suffix);
            names.push(name.clone());
        }
    }
}

/// kustomize's hash of a ConfigMap or Secret: the SHA-256 of a JSON encoding of its kind,
/// data (and type for a Secret), its first ten hex digits with some letters swapped.
fn hash(o: &Value) -> String {
    let field = |name: &str| match &o[name] {
        Value::Null => Value::String(String::new()),
        v => v.clone(),
    };
    let mut m = Map::new();
    m.insert("kind".into(), o["kind"].clone());
    // kustomize looks the name up as one field called `metadata/name`, finds none and
    // hashes an empty name: the hash does not change with prefixes.
    m.insert("name".into(), Value::String(String::new()));
    m.insert("data".into(), field("data"));
    if o["kind"] == "Secret" {
        m.insert("type".into(), field("type"));
        if o["stringData"].is_object() {
            m.insert("stringData".into(), o["stringData"].clone());
        }
    } else if o["binaryData"].is_object() {
        m.insert("binaryData".into(), o["binaryData"].clone());
    }
    let mut encoded = String::new();
    crate::gojson::write(&Value::Object(m), &mut encoded, |n| n.to_string());
    let digest = sha2::Sha256::digest(encoded.as_bytes());
    digest
        .iter()
        .flat_map(|b| [b >> 4, b & 15])
        .take(10)
        .map(|n| match n {
            0 => 'g',
            1 => 'h',
            3 => 'k',
            10 => 'm',
            14 => 't',
            n => char::from_digit(u32::from(n), 16).unwrap_or('0'),
        })
        .collect()
}
