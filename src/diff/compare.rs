//! Two renders of one Application compared object by object, field by field (dyff style):
//! key order, quoting and formatting are not changes, and neither are the fields Argo CD
//! leaves out (`status`, generated metadata, the Application's `ignoreDifferences`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::render::ObjectKey;
use crate::secrets::redact::{quotable, redact};

/// One field that differs, its values as shown (credentials already redacted).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldChange {
    pub path: String,
    /// None: the field is new.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// None: the field was removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// The values are credentials, shown redacted (they may look alike while differing).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
}

/// Metadata the cluster or the tools write, never part of what a change deploys.
const GENERATED_METADATA: [&str; 7] = [
    "creationTimestamp",
    "generation",
    "resourceVersion",
    "uid",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
];

const GENERATED_ANNOTATIONS: [&str; 2] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    "argocd.argoproj.io/tracking-id",
];

/// The object as Argo CD compares it: no status, no generated metadata, keys sorted.
pub fn normalize(mut object: Value) -> Value {
    if let Value::Object(map) = &mut object {
        map.shift_remove("status");
        if let Some(Value::Object(meta)) = map.get_mut("metadata") {
            for field in GENERATED_METADATA {
                meta.shift_remove(field);
            }
            if let Some(Value::Object(annotations)) = meta.get_mut("annotations") {
                for a in GENERATED_ANNOTATIONS {
                    annotations.shift_remove(a);
                }
            }
            for field in ["annotations", "labels"] {
                let empty = match meta.get(field) {
                    Some(Value::Object(m)) => m.is_empty(),
                    Some(Value::Null) => true,
                    _ => false,
                };
                if empty {
                    meta.shift_remove(field);
                }
            }
        }
    }
    sorted(object)
}

fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// How values are shown: credentials redacted.
#[derive(Clone, Copy)]
pub struct Shown {
    /// A Secret: every value under `data` and `stringData` is a credential.
    pub secret: bool,
}

fn is_secret_path(path: &str) -> bool {
    path == "data"
        || path == "stringData"
        || path.starts_with("data.")
        || path.starts_with("data[")
        || path.starts_with("stringData.")
        || path.starts_with("stringData[")
}

impl Shown {
    /// The value at `path` (its last key `key`) as text, and whether it was redacted.
    pub fn show(&self, path: &str, key: &str, value: &Value) -> (String, bool) {
        if self.secret && is_secret_path(path) {
            return match value {
                Value::Object(map) => (
                    format!(
                        "({} keys, values redacted: {})",
                        map.len(),
                        map.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                    true,
                ),
                other => (redact(&scalar(other)), true),
            };
        }
        match value {
            Value::Object(_) | Value::Array(_) => {
                let mut clean = value.clone();
                let redacted = redact_tree(&mut clean, key);
                (clean.to_string(), redacted)
            }
            other => {
                let text = scalar(other);
                let shown = quotable(key, &text);
                let redacted = shown != text;
                (shown, redacted)
            }
        }
    }
}

/// A scalar as YAML would show it plainly (strings unquoted, others as JSON).
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Redact, in place, every leaf the secret scanner reads as a credential.
pub fn redact_tree(value: &mut Value, key: &str) -> bool {
    match value {
        Value::Object(map) => {
            let mut any = false;
            for (k, v) in map.iter_mut() {
                any |= redact_tree(v, k);
            }
            any
        }
        Value::Array(items) => {
            let mut any = false;
            for v in items {
                any |= redact_tree(v, key);
            }
            any
        }
        Value::String(s) => {
            let shown = quotable(key, s);
            if shown != *s {
                *s = shown;
                true
            } else {
                false
            }
        }
        _ => false,
    }
}

/// A copy of a Secret (or any object) safe to print whole: `data` and `stringData` values
/// of a Secret and every flagged leaf redacted.
pub fn printable(key: &ObjectKey, object: &Value) -> Value {
    let mut clean = object.clone();
    if key.group.is_empty() && key.kind == "Secret" {
        for field in ["data", "stringData"] {
            if let Some(Value::Object(map)) = clean.get_mut(field) {
                for v in map.values_mut() {
                    *v = Value::String(redact(&scalar(v)));
                }
            }
        }
    }
    redact_tree(&mut clean, "");
    clean
}

/// A path segment: `name`, or `["a.b/c"]` when the key needs quoting.
fn child(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (path.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{}]", Value::String(key.to_string())),
    }
}

/// The fields that differ between two values, in path order.
pub fn fields(before: &Value, after: &Value, shown: Shown) -> Vec<FieldChange> {
    let mut out = Vec::new();
    walk("", "", before, after, shown, &mut out);
    out
}

fn push(
    out: &mut Vec<FieldChange>,
    shown: Shown,
    path: &str,
    key: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) {
    let b = before.map(|v| shown.show(path, key, v));
    let a = after.map(|v| shown.show(path, key, v));
    let redacted = b.as_ref().is_some_and(|x| x.1) || a.as_ref().is_some_and(|x| x.1);
    out.push(FieldChange {
        path: path.to_string(),
        before: b.map(|x| x.0),
        after: a.map(|x| x.0),
        redacted,
    });
}

fn walk(
    path: &str,
    key: &str,
    before: &Value,
    after: &Value,
    shown: Shown,
    out: &mut Vec<FieldChange>,
) {
    if before == after {
        return;
    }
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let keys: std::collections::BTreeSet<&String> = b.keys().chain(a.keys()).collect();
            for k in keys {
                let p = child(path, k);
                match (b.get(k), a.get(k)) {
                    (Some(x), Some(y)) => walk(&p, k, x, y, shown, out),
                    (x, y) => push(out, shown, &p, k, x, y),
                }
            }
        }
        (Value::Array(b), Value::Array(a)) => {
            if let (Some(bn), Some(an)) = (by_name(b), by_name(a)) {
                let names: std::collections::BTreeSet<&str> =
                    bn.keys().chain(an.keys()).copied().collect();
                for name in names {
                    let p = format!("{path}[name={name}]");
                    match (bn.get(name), an.get(name)) {
                        (Some(x), Some(y)) => walk(&p, key, x, y, shown, out),
                        (x, y) => push(out, shown, &p, key, x.copied(), y.copied()),
                    }
                }
                return;
            }
            for i in 0..b.len().max(a.len()) {
                let p = format!("{path}[{i}]");
                match (b.get(i), a.get(i)) {
                    (Some(x), Some(y)) => walk(&p, key, x, y, shown, out),
                    (x, y) => push(out, shown, &p, key, x, y),
                }
            }
        }
        (b, a) => push(out, shown, path, key, Some(b), Some(a)),
    }
}

/// A list whose items are mappings each with a distinct `name`, by name (containers, ports,
/// env): an item added in the middle is one change, not a shift of every later one.
fn by_name(items: &[Value]) -> Option<BTreeMap<&str, &Value>> {
    let mut out = BTreeMap::new();
    for item in items {
        let name = item.get("name")?.as_str()?;
        if out.insert(name, item).is_some() {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Whether two objects are the same but for their name (a rename).
pub fn same_but_name(a: &Value, b: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(Value::Object(meta)) = v.get_mut("metadata") {
            meta.shift_remove("name");
        }
        v
    };
    strip(a) == strip(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_are_listed_by_path_and_lists_by_name() {
        let before = json!({"spec": {"replicas": 1, "template": {"spec": {"containers": [
            {"name": "app", "image": "a:1"}, {"name": "side", "image": "s:1"}]}}}});
        let after = json!({"spec": {"replicas": 2, "template": {"spec": {"containers": [
            {"name": "app", "image": "a:2"}, {"name": "side", "image": "s:1"}]}}}});
        let changes = fields(&before, &after, Shown { secret: false });
        let paths: Vec<(&str, Option<&str>, Option<&str>)> = changes
            .iter()
            .map(|c| (c.path.as_str(), c.before.as_deref(), c.after.as_deref()))
            .collect();
        assert_eq!(
            paths,
            vec![
                ("spec.replicas", Some("1"), Some("2")),
                (
                    "spec.template.spec.containers[name=app].image",
                    Some("a:1"),
                    Some("a:2")
                ),
            ]
        );
    }

    #[test]
    fn secret_values_are_redacted_and_generated_metadata_ignored() {
        // Assembled at run time: no credential-shaped literal is committed.
        let (old, new) = (
            ["aHVu", "dGVy", "Mg=="].concat(),
            ["c2Vj", "cmV0", "czEy", "Mw=="].concat(),
        );
        let before = normalize(
            json!({"kind": "Secret", "metadata": {"name": "s", "uid": "1",
            "annotations": {}}, "data": {"key": old}, "status": {"x": 1}}),
        );
        let after = normalize(json!({"kind": "Secret", "metadata": {"name": "s"},
            "data": {"key": new}}));
        let changes = fields(&before, &after, Shown { secret: true });
        assert_eq!(changes.len(), 1);
        assert!(changes[0].redacted);
        let text = format!("{changes:?}");
        assert!(!text.contains(&old) && !text.contains(&new), "{text}");
    }
}
