//! JSON 6902 patches: the operations of a `patches` entry with a target, and the deprecated
//! `patchesJson6902` field (a target that names its object, the operations from `path` or
//! inline in `patch`), which kustomize runs later than `patches`: after the labels and
//! annotations transformers, before `replicas` and `images`.

use std::path::Path;

use serde_json::Value;

use super::Built;
use super::read;
use crate::kustomize::Kustomization;
use crate::kustomize::select::{Renames, Selector};
use crate::yaml::Node;

/// Applies the operations to every object the selector matches.
pub(super) fn apply(
    ops: &[Value],
    selector: &Selector,
    renames: &Renames<'_>,
    built: &mut Built,
) -> Option<()> {
    for object in built.objects.iter_mut() {
        if selector.matches(&*object, renames) {
            for op in ops {
                apply_op(object, op)?;
            }
        }
    }
    Some(())
}

/// JSON 6902 operations written as a JSON array (`[` first) must be JSON: kustomize decodes
/// them as JSON, and YAML flow syntax (`[{op: add}]`) fails there.
pub(super) fn text_alike(text: &str) -> Option<()> {
    if text.trim_start().starts_with('[') {
        serde_json::from_str::<Value>(text).ok()?;
    }
    Some(())
}

/// A `patchesJson6902` entry. kustomize requires a target with a name and either `path` or
/// `patch`, and decodes the operations as JSON when they start with `[`, else as one YAML
/// document; what it refuses is left to it.
pub(super) fn legacy(
    root: &Path,
    k: &Kustomization,
    renames: &Renames<'_>,
    entry: &Node,
    built: &mut Built,
) -> Option<()> {
    for (key, _) in entry.as_map()? {
        if !matches!(key.as_str()?, "target" | "path" | "patch") {
            return None;
        }
    }
    let target = entry.get("target")?;
    target.get("name")?.as_str().filter(|n| !n.is_empty())?;
    let selector = Selector::of(target)?;
    if selector.has_namespace() && renames.namespace_set {
        return None;
    }
    let text = match (entry.get("patch"), entry.get("path")) {
        (Some(inline), None) => inline.as_str()?.to_string(),
        (None, Some(path)) => super::read_patch(root, k, path.as_str()?)?,
        _ => return None,
    };
    text_alike(&text)?;
    let docs = read::documents(&text, read::Role::Patch)?;
    let [Value::Array(ops)] = docs.as_slice() else {
        return None;
    };
    apply(ops, &selector, renames, built)
}

/// One JSON Patch operation (RFC 6902).
pub(super) fn apply_op(doc: &mut Value, op: &Value) -> Option<()> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
