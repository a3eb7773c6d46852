//! `commonLabels` and `labels`: labels on every object's metadata and, as asked, on pod
//! templates (`includeTemplates`) and selectors (`includeSelectors`, and always for
//! `commonLabels`), at the field specs of the build's transformer configuration.

use serde_json::{Map, Value};

use super::config::FieldSpec;

/// Adds `pairs` to every object at the field specs that select it (kustomize's
/// `commonLabels`, `labels` or `templateLabels` tables, as the caller chose them); None
/// where platc does not know what kustomize does.
pub(super) fn add(
    pairs: &Map<String, Value>,
    specs: &[FieldSpec],
    objects: &mut [Value],
) -> Option<()> {
    for o in objects.iter_mut() {
        for spec in specs {
            if spec.selects(o) {
                let path: Vec<&str> = spec.path.iter().map(String::as_str).collect();
                set(o, &path, spec.create, pairs)?;
            }
        }
    }
    Some(())
}

/// The labels at `path` (lists walked through), created along the way when `create` (but
/// for a segment `name[]`, a list).
pub(super) fn set(
    value: &mut Value,
    path: &[&str],
    create: bool,
    pairs: &Map<String, Value>,
) -> Option<()> {
    match value {
        Value::Array(items) => {
            for item in items {
                set(item, path, create, pairs)?;
            }
            Some(())
        }
        _ if path.is_empty() => {
            if value.is_null() {
                *value = Value::Object(Map::new());
            }
            let map = value.as_object_mut()?;
            for (k, v) in pairs {
                map.insert(k.clone(), v.clone());
            }
            Some(())
        }
        Value::Object(map) => {
            // `name[]` is a list: its items are labelled, a missing list is never created
            // (a StatefulSet without volumeClaimTemplates keeps none).
            let (key, list) = path[0]
                .strip_suffix("[]")
                .map_or((path[0], false), |k| (k, true));
            if !map.contains_key(key) {
                if !create || list {
                    return Some(());
                }
                map.insert(key.to_string(), Value::Object(Map::new()));
            }
            let child = map.get_mut(key)?;
            if child.is_null() && !create {
                return Some(());
            }
            set(child, &path[1..], create, pairs)
        }
        Value::Null if create => {
            *value = Value::Object(Map::new());
            set(value, path, create, pairs)
        }
        Value::Null => Some(()),
        // A path through a scalar: kustomize fails ("expected sequence or mapping node").
        _ => None,
    }
}
