//! Strategic merge patches as kustomize applies them: on built-in kinds, Kubernetes'
//! strategic merge (lists of containers merged by name, ports by containerPort, env by
//! name, volumes by name...; `$patch: delete` of an element or of the whole object, `$patch:
//! replace` of a map); on custom resources, a plain JSON merge (lists replaced). Other
//! directives (`$setElementOrder`, `$retainKeys`...) are left to kustomize.

use serde_json::{Map, Value};

use crate::schema::registry::Registry;

/// Where a pod spec sits, by workload kind.
const POD_SPECS: [(&str, &str); 8] = [
    ("Pod", "spec"),
    ("ReplicationController", "spec/template/spec"),
    ("Deployment", "spec/template/spec"),
    ("ReplicaSet", "spec/template/spec"),
    ("DaemonSet", "spec/template/spec"),
    ("StatefulSet", "spec/template/spec"),
    ("Job", "spec/template/spec"),
    ("CronJob", "spec/jobTemplate/spec/template/spec"),
];

/// What a patch does to one object.
pub(super) enum Outcome {
    Patched,
    Deleted,
}

/// Applies one patch document to an object; None for what is not reproduced.
pub(super) fn apply(registry: &Registry, object: &mut Value, patch: &Value) -> Option<Outcome> {
    let patch = patch.as_object()?;
    match patch.get("$patch").map(Value::as_str) {
        None => {}
        Some(Some("delete")) => return Some(Outcome::Deleted),
        Some(_) => return None,
    }
    let api = object["apiVersion"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let kind = object["kind"].as_str().unwrap_or_default().to_string();
    let built_in = registry.core_namespaced(&api, &kind).is_some();
    let context = Context {
        kind: &kind,
        built_in,
    };
    merge_map(object.as_object_mut()?, patch, &mut Vec::new(), &context)?;
    Some(Outcome::Patched)
}

struct Context<'a> {
    kind: &'a str,
    /// A kind of Kubernetes' own, whose lists merge by their keys.
    built_in: bool,
}

fn merge_map(
    dest: &mut Map<String, Value>,
    patch: &Map<String, Value>,
    path: &mut Vec<String>,
    context: &Context<'_>,
) -> Option<()> {
    match patch.get("$patch").map(Value::as_str) {
        None => {}
        Some(Some("replace")) if context.built_in => {
            let mut fresh = patch.clone();
            fresh.shift_remove("$patch");
            plain(&Value::Object(fresh.clone()))?;
            *dest = fresh;
            return Some(());
        }
        Some(_) => return None,
    }
    for (key, new) in patch {
        if key.starts_with('$') {
            return None;
        }
        if new.is_null() {
            dest.shift_remove(key);
            continue;
        }
        path.push(key.clone());
        match (dest.get_mut(key), new) {
            (Some(Value::Object(old)), Value::Object(new)) => merge_map(old, new, path, context)?,
            (Some(Value::Array(old)), Value::Array(new)) if context.built_in => {
                merge_list(old, new, path, context)?;
            }
            _ => {
                plain(new)?;
                dest.insert(key.clone(), new.clone());
            }
        }
        path.pop();
    }
    Some(())
}

/// A list of a built-in kind: merged by its key where Kubernetes gives one (patch elements
/// first, in the patch's order, then the other elements), else replaced.
fn merge_list(
    dest: &mut Vec<Value>,
    patch: &[Value],
    path: &mut Vec<String>,
    context: &Context<'_>,
) -> Option<()> {
    let Some(key) = merge_key(context.kind, path) else {
        plain(&Value::Array(patch.to_vec()))?;
        *dest = patch.to_vec();
        return Some(());
    };
    if key.starts_with('$') {
        return None;
    }
    let key_of = |v: &Value| v.as_object().and_then(|m| m.get(key)).cloned();
    let mut mentioned = Vec::new();
    let mut out = Vec::new();
    for element in patch {
        let id = key_of(element)?;
        if mentioned.contains(&id) {
            return None;
        }
        mentioned.push(id.clone());
        let element = element.as_object()?;
        let found: Vec<&Value> = dest
            .iter()
            .filter(|d| key_of(d) == Some(id.clone()))
            .collect();
        if found.len() > 1 {
            return None;
        }
        match element.get("$patch").map(Value::as_str) {
            None => {}
            Some(Some("delete")) => continue,
            Some(_) => return None,
        }
        match found.first() {
            Some(old) => {
                let mut merged = old.as_object()?.clone();
                merge_map(&mut merged, element, path, context)?;
                out.push(Value::Object(merged));
            }
            None => {
                plain(&Value::Object(element.clone()))?;
                out.push(Value::Object(element.clone()));
            }
        }
    }
    for old in dest.iter() {
        let id = key_of(old)?;
        if !mentioned.contains(&id) {
            out.push(old.clone());
        }
    }
    *dest = out;
    Some(())
}

/// A value added as it is: no directives and no nulls in it (their meaning in new content
/// is kustomize's to decide).
fn plain(value: &Value) -> Option<()> {
    match value {
        Value::Null => None,
        Value::Object(map) => {
            if map.keys().any(|k| k.starts_with('$')) {
                return None;
            }
            map.values().try_for_each(plain)
        }
        Value::Array(items) => items.iter().try_for_each(plain),
        _ => Some(()),
    }
}

/// The merge key of a list of a built-in kind at `path` (field names from the object's top),
/// as Kubernetes' types declare it; None for lists that are replaced.
fn merge_key(kind: &str, path: &[String]) -> Option<&'static str> {
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    match path.as_slice() {
        ["metadata", "ownerReferences"] => return Some("uid"),
        // A list of strings merged as a set: not reproduced.
        ["metadata", "finalizers"] => return Some("$unsupported"),
        ["spec", "ports"] if kind == "Service" => return Some("port"),
        ["secrets"] if kind == "ServiceAccount" => return Some("name"),
        _ => {}
    }
    let (_, spec) = POD_SPECS.iter().find(|(k, _)| *k == kind)?;
    let prefix: Vec<&str> = spec.split('/').collect();
    let rest = path.strip_prefix(prefix.as_slice())?;
    match rest {
        [
            "containers"
            | "initContainers"
            | "ephemeralContainers"
            | "volumes"
            | "imagePullSecrets"
            | "resourceClaims"
            | "schedulingGates",
        ] => Some("name"),
        ["hostAliases"] => Some("ip"),
        ["topologySpreadConstraints"] => Some("topologyKey"),
        [
            "containers" | "initContainers" | "ephemeralContainers",
            field,
        ] => match *field {
            "env" => Some("name"),
            "ports" => Some("containerPort"),
            "volumeMounts" => Some("mountPath"),
            "volumeDevices" => Some("devicePath"),
            _ => None,
        },
        _ => None,
    }
}
