//! Argo CD objects as Argo CD reads them, so that import can check that what `platc build`
//! writes from the imported spec is what the repository held: what equals an absent field
//! is dropped, set-like lists are sorted, and platc's own labels are not counted.

use serde_json::{Map, Value};

use crate::compile::argocd::{IN_CLUSTER, SYNC_WAVE};

/// Keys whose mere presence (even empty) changes what Argo CD does.
const PRESENCE_MATTERS: &[&str] = &["automated", "managedNamespaceMetadata"];
/// Maps of user data: an empty string or `false` in them is a value.
const FREE_FORM: &[&str] = &["labels", "annotations", "valuesObject"];
/// Lists Argo CD reads as sets.
const SETS: &[&str] = &[
    "syncOptions",
    "finalizers",
    "ignoreDifferences",
    "jsonPointers",
    "jqPathExpressions",
    "managedFieldsManagers",
];
/// Sync options that restate Argo CD's default.
const DEFAULT_OPTIONS: &[&str] = &[
    "CreateNamespace=false",
    "ServerSideApply=false",
    "Replace=false",
    "PruneLast=false",
    "ApplyOutOfSyncOnly=false",
    "RespectIgnoreDifferences=false",
    "Validate=true",
];
/// Labels platc puts on every Application it writes.
pub const PLATC_LABELS: &[&str] = &[
    "app.kubernetes.io/managed-by",
    "platc.io/platform",
    "platc.io/environment",
    "platc.io/part",
];

/// An Application as Argo CD reads it. `argocd_namespace` stands for a namespace the file
/// leaves out (applied with `kubectl apply -n`).
pub fn application(app: &Value, argocd_namespace: &str) -> Value {
    let mut app = app.clone();
    if let Some(m) = app.as_object_mut() {
        m.remove("status");
        m.remove("operation");
    }
    if let Some(Value::Object(meta)) = app.get_mut("metadata") {
        for k in [
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "generation",
            "managedFields",
        ] {
            meta.remove(k);
        }
        if meta
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            meta.insert("namespace".into(), Value::from(argocd_namespace));
        }
        if let Some(Value::Object(a)) = meta.get_mut("annotations") {
            a.remove("kubectl.kubernetes.io/last-applied-configuration");
            if let Some(w) = a
                .get(SYNC_WAVE)
                .and_then(Value::as_str)
                .and_then(|w| w.parse::<i64>().ok())
            {
                if w == 0 {
                    a.remove(SYNC_WAVE);
                } else {
                    a.insert(SYNC_WAVE.into(), Value::from(w.to_string()));
                }
            }
        }
    }
    if let Some(Value::Object(spec)) = app.get_mut("spec") {
        if spec
            .get("project")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            spec.insert("project".into(), Value::from("default"));
        }
        if let Some(Value::Object(d)) = spec.get_mut("destination") {
            let name = d.get("name").and_then(Value::as_str).unwrap_or("");
            let server = d.get("server").and_then(Value::as_str).unwrap_or("");
            if name == "in-cluster" && (server.is_empty() || server == IN_CLUSTER) {
                d.remove("name");
                d.insert("server".into(), Value::from(IN_CLUSTER));
            }
        }
        let head = |s: &mut Value| {
            if let Some(m) = s.as_object_mut() {
                let chart = m
                    .get("chart")
                    .and_then(Value::as_str)
                    .is_some_and(|c| !c.is_empty());
                if !chart && m.get("targetRevision").and_then(Value::as_str) == Some("HEAD") {
                    m.remove("targetRevision");
                }
            }
        };
        if let Some(s) = spec.get_mut("source") {
            head(s);
        }
        if let Some(Value::Array(list)) = spec.get_mut("sources") {
            list.iter_mut().for_each(head);
        }
        if let Some(Value::Array(o)) = spec
            .get_mut("syncPolicy")
            .and_then(|p| p.get_mut("syncOptions"))
        {
            o.retain(|x| !x.as_str().is_some_and(|x| DEFAULT_OPTIONS.contains(&x)));
        }
    }
    prune(&app, None).unwrap_or(Value::Null)
}

/// Drop platc's own labels from a generated Application, except those the original has.
pub fn without_platc_labels(generated: &mut Value, original: &Value) {
    let keep = |k: &str| {
        original
            .pointer(&format!(
                "/metadata/labels/{}",
                k.replace('~', "~0").replace('/', "~1")
            ))
            .is_some()
    };
    if let Some(Value::Object(labels)) = generated.pointer_mut("/metadata/labels") {
        labels.retain(|k, _| !PLATC_LABELS.contains(&k.as_str()) || keep(k));
        if labels.is_empty()
            && let Some(Value::Object(meta)) = generated.get_mut("metadata")
        {
            meta.remove("labels");
        }
    }
}

fn prune(value: &Value, key: Option<&str>) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::Bool(false) => None,
        Value::String(s) if s.is_empty() => None,
        Value::Object(m) if key.is_some_and(|k| FREE_FORM.contains(&k)) => {
            (!m.is_empty()).then(|| value.clone())
        }
        Value::Object(m) => {
            let mut out = Map::new();
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            for k in keys {
                if let Some(v) = prune(&m[k], Some(k)) {
                    out.insert(k.clone(), v);
                }
            }
            let keep = key.is_some_and(|k| PRESENCE_MATTERS.contains(&k));
            (keep || !out.is_empty()).then_some(Value::Object(out))
        }
        Value::Array(items) => {
            let mut out: Vec<Value> = items.iter().filter_map(|i| prune(i, None)).collect();
            if key.is_some_and(|k| SETS.contains(&k)) {
                out.sort_by_key(|v| v.to_string());
                out.dedup();
            }
            (!out.is_empty()).then_some(Value::Array(out))
        }
        other => Some(other.clone()),
    }
}

/// The first field where two normalised objects differ, as a JSON pointer with both values.
pub fn first_difference(left: &Value, right: &Value, pointer: &str) -> Option<String> {
    differences(left, right, pointer).into_iter().next()
}

/// Every field where two normalised objects differ, in key order.
pub fn differences(left: &Value, right: &Value, pointer: &str) -> Vec<String> {
    let mut out = Vec::new();
    collect(left, right, pointer, &mut out);
    out
}

fn collect(left: &Value, right: &Value, pointer: &str, out: &mut Vec<String>) {
    match (left, right) {
        (Value::Object(l), Value::Object(r)) => {
            let mut keys: Vec<&String> = l.keys().chain(r.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let child = format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1"));
                match (l.get(k), r.get(k)) {
                    (Some(a), Some(b)) => collect(a, b, &child, out),
                    (a, b) => out.push(describe(&child, a, b)),
                }
            }
        }
        (Value::Array(l), Value::Array(r)) if l.len() == r.len() => {
            for (i, (a, b)) in l.iter().zip(r).enumerate() {
                collect(a, b, &format!("{pointer}/{i}"), out);
            }
        }
        (l, r) if l == r => {}
        (l, r) => out.push(describe(pointer, Some(l), Some(r))),
    }
}

fn describe(pointer: &str, a: Option<&Value>, b: Option<&Value>) -> String {
    let show = |v: Option<&Value>| match v {
        None => "absent".to_string(),
        Some(v) => {
            let s = v.to_string();
            if s.chars().count() > 60 {
                format!("{}...", s.chars().take(57).collect::<String>())
            } else {
                s
            }
        }
    };
    format!("{pointer}: {} written, {} from the spec", show(a), show(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn argo_cd_defaults_and_platc_labels_do_not_count() {
        let written = json!({
            "metadata": {"name": "a", "annotations": {SYNC_WAVE: "0"}},
            "spec": {"project": "", "destination": {"name": "in-cluster", "namespace": "a"},
                     "source": {"repoURL": "r", "targetRevision": "HEAD", "path": "p"},
                     "syncPolicy": {"automated": {}, "syncOptions": ["Validate=true", "PruneLast=true"]}}
        });
        let mut generated = json!({
            "metadata": {"name": "a", "namespace": "argocd", "labels": {"platc.io/part": "a"}},
            "spec": {"project": "default", "destination": {"server": IN_CLUSTER, "namespace": "a"},
                     "source": {"repoURL": "r", "path": "p"},
                     "syncPolicy": {"automated": {"prune": false, "selfHeal": false}, "syncOptions": ["PruneLast=true"]}}
        });
        without_platc_labels(&mut generated, &written);
        let (a, b) = (
            application(&written, "argocd"),
            application(&generated, "argocd"),
        );
        assert_eq!(first_difference(&a, &b, ""), None);
        // A real difference is named by its pointer.
        generated["spec"]["syncPolicy"]["automated"]["prune"] = json!(true);
        let b = application(&generated, "argocd");
        let d = first_difference(&a, &b, "").unwrap();
        assert!(
            d.starts_with("/spec/syncPolicy/automated/prune: absent written, true"),
            "{d}"
        );
    }
}
