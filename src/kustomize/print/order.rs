//! The order `kustomize build` prints objects in: its legacy order, by kind first
//! (Namespaces, then the kinds others refer to, webhooks last), then by group, version and
//! kind, then by namespace and name.

use serde_json::Value;

/// Kinds printed first, in this order (kustomize's `orderFirst`).
const FIRST: [&str; 22] = [
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

/// Kinds printed last (kustomize's `orderLast`): a webhook admits nothing before its
/// service runs.
const LAST: [&str; 2] = [
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// The objects in kustomize's legacy order.
pub fn legacy(objects: &[Value]) -> Vec<&Value> {
    let mut keyed: Vec<(Key, &Value)> = objects.iter().map(|o| (Key::of(o), o)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, o)| o).collect()
}

/// What the order compares: the kind's rank, the `group_version_kind` text, and the
/// `group_version_kind|namespace|name` text (kustomize's ResId string, `~X` for no
/// namespace, `~N` for no name).
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    rank: i64,
    gvk: String,
    id: String,
}

impl Key {
    fn of(object: &Value) -> Key {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let api_version = text(&object["apiVersion"]);
        let kind = text(&object["kind"]);
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.clone()),
        };
        let or = |s: String, none: &str| if s.is_empty() { none.to_string() } else { s };
        let gvk = format!(
            "{}_{}_{}",
            or(group, "~G"),
            or(version, "~V"),
            or(kind.clone(), "~K")
        );
        let namespace = or(text(&object["metadata"]["namespace"]), "~X");
        let name = or(text(&object["metadata"]["name"]), "~N");
        let rank = if let Some(i) = FIRST.iter().position(|k| *k == kind) {
            i as i64 - FIRST.len() as i64
        } else if let Some(i) = LAST.iter().position(|k| *k == kind) {
            1 + i as i64
        } else {
            0
        };
        Key {
            rank,
            id: format!("{gvk}|{namespace}|{name}"),
            gvk,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn legacy_order_as_kubectl_prints_it() {
        let o = |api: &str, kind: &str, ns: Option<&str>, name: &str| {
            let mut v = json!({"apiVersion": api, "kind": kind, "metadata": {"name": name}});
            if let Some(ns) = ns {
                v["metadata"]["namespace"] = json!(ns);
            }
            v
        };
        let objects = vec![
            o("apps/v1", "Deployment", Some("z"), "b"),
            o("apps/v1", "Deployment", Some("z"), "a"),
            o("apps/v1", "Deployment", Some("a"), "b"),
            o("apps/v1", "Deployment", None, "c"),
            o("extensions/v1beta1", "Deployment", None, "a"),
            o("v1", "Namespace", None, "z"),
            o("v1", "Pod", None, "p"),
            o("cert-manager.io/v1", "Certificate", None, "c"),
            o("zz.io/v1", "Alpha", None, "c"),
            o("v1", "Alpha", None, "c"),
            o(
                "admissionregistration.k8s.io/v1",
                "ValidatingWebhookConfiguration",
                None,
                "v",
            ),
            o(
                "admissionregistration.k8s.io/v1",
                "MutatingWebhookConfiguration",
                None,
                "v",
            ),
            o("v1", "ConfigMap", None, "m1"),
            o("v1", "ConfigMap", Some("b"), "m0"),
        ];
        let order: Vec<String> = legacy(&objects)
            .iter()
            .map(|v| {
                format!(
                    "{} {}",
                    v["kind"].as_str().unwrap(),
                    v["metadata"]["name"].as_str().unwrap()
                )
            })
            .collect();
        // The order `kubectl kustomize` (kustomize 5.5) printed these in.
        assert_eq!(
            order,
            [
                "Namespace z",
                "ConfigMap m0",
                "ConfigMap m1",
                "Deployment b",
                "Deployment a",
                "Deployment b",
                "Deployment c",
                "Deployment a",
                "Certificate c",
                "Alpha c",
                "Alpha c",
                "Pod p",
                "MutatingWebhookConfiguration v",
                "ValidatingWebhookConfiguration v",
            ]
        );
    }
}
