//! `commonLabels` and `labels`: labels on every object's metadata and, as asked, on pod
//! templates (`includeTemplates`) and selectors (`includeSelectors`, and always for
//! `commonLabels`), at kustomize's built-in field specs.

use serde_json::{Map, Value};

/// Where labels go besides metadata: (kind, group or "" for any, path, create when
/// missing, a selector rather than a template). Paths walk through lists.
const SPECS: [(&str, &str, &str, bool, bool); 31] = [
    // A leading `/` where a path would read like a finding id (`spec/...`).
    ("Service", "", "/spec/selector", true, true),
    ("ReplicationController", "", "/spec/selector", true, true),
    (
        "ReplicationController",
        "",
        "spec/template/metadata/labels",
        true,
        false,
    ),
    ("Deployment", "", "spec/selector/matchLabels", true, true),
    (
        "Deployment",
        "",
        "spec/template/metadata/labels",
        true,
        false,
    ),
    ("ReplicaSet", "", "spec/selector/matchLabels", true, true),
    (
        "ReplicaSet",
        "",
        "spec/template/metadata/labels",
        true,
        false,
    ),
    ("DaemonSet", "", "spec/selector/matchLabels", true, true),
    (
        "DaemonSet",
        "",
        "spec/template/metadata/labels",
        true,
        false,
    ),
    (
        "StatefulSet",
        "apps",
        "spec/selector/matchLabels",
        true,
        true,
    ),
    (
        "StatefulSet",
        "apps",
        "spec/template/metadata/labels",
        true,
        false,
    ),
    (
        "StatefulSet",
        "apps",
        "spec/volumeClaimTemplates[]/metadata/labels",
        true,
        false,
    ),
    ("Job", "batch", "spec/selector/matchLabels", false, true),
    ("Job", "batch", "spec/template/metadata/labels", true, false),
    (
        "CronJob",
        "batch",
        "spec/jobTemplate/spec/selector/matchLabels",
        false,
        true,
    ),
    (
        "CronJob",
        "batch",
        "spec/jobTemplate/metadata/labels",
        true,
        false,
    ),
    (
        "CronJob",
        "batch",
        "spec/jobTemplate/spec/template/metadata/labels",
        true,
        false,
    ),
    (
        "PodDisruptionBudget",
        "policy",
        "spec/selector/matchLabels",
        false,
        true,
    ),
    (
        "NetworkPolicy",
        "networking.k8s.io",
        "spec/podSelector/matchLabels",
        false,
        true,
    ),
    (
        "NetworkPolicy",
        "networking.k8s.io",
        "spec/ingress/from/podSelector/matchLabels",
        false,
        true,
    ),
    (
        "NetworkPolicy",
        "networking.k8s.io",
        "spec/egress/to/podSelector/matchLabels",
        false,
        true,
    ),
    // Selectors inside pod templates (affinity, spread constraints): kustomize's table has
    // them for Deployments and StatefulSets only (probed with kubectl kustomize 5.5); other
    // kinds keep theirs as written.
    (
        "Deployment",
        "apps",
        "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        false,
        true,
    ),
    (
        "Deployment",
        "apps",
        "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        false,
        true,
    ),
    (
        "Deployment",
        "apps",
        "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        false,
        true,
    ),
    (
        "Deployment",
        "apps",
        "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        false,
        true,
    ),
    (
        "Deployment",
        "apps",
        "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
        false,
        true,
    ),
    (
        "StatefulSet",
        "apps",
        "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        false,
        true,
    ),
    (
        "StatefulSet",
        "apps",
        "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        false,
        true,
    ),
    (
        "StatefulSet",
        "apps",
        "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        false,
        true,
    ),
    (
        "StatefulSet",
        "apps",
        "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        false,
        true,
    ),
    (
        "StatefulSet",
        "apps",
        "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
        false,
        true,
    ),
];

/// Adds `pairs` to every object; None where platc does not know what kustomize does.
pub(super) fn add(
    pairs: &Map<String, Value>,
    selectors: bool,
    templates: bool,
    objects: &mut [Value],
) -> Option<()> {
    for o in objects.iter_mut() {
        let api = o["apiVersion"].as_str().unwrap_or_default().to_string();
        let kind = o["kind"].as_str().unwrap_or_default().to_string();
        let group = api.rsplit_once('/').map_or("", |(g, _)| g).to_string();
        set(o, &["metadata", "labels"], true, pairs)?;
        for (k, g, path, create, selector) in SPECS {
            if k != kind || !(g.is_empty() || g == group) {
                continue;
            }
            // Templates follow `includeTemplates` or `includeSelectors`; selectors only the
            // latter.
            let wanted = if selector {
                selectors
            } else {
                templates || selectors
            };
            if !wanted {
                continue;
            }
            let path: Vec<&str> = path.trim_start_matches('/').split('/').collect();
            set(o, &path, create, pairs)?;
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
        _ => Some(()),
    }
}
