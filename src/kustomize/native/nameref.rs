//! kustomize's name references: after a build renamed objects (a prefix, a suffix, a
//! generator's hash), every field that names one of them by a name it had is rewritten to its
//! name now. The fields are kustomize's built-in nameReference table: ConfigMaps and Secrets in
//! pod volumes (projected ones too), env and envFrom, image pull secrets; ServiceAccounts in
//! pods and role bindings; Roles and ClusterRoles in role bindings; Services in Ingresses,
//! StatefulSets, APIServices and webhooks; claims, volumes, storage and priority classes;
//! workloads in HorizontalPodAutoscalers.

use serde_json::Value;

use super::{Built, effective, group};
use crate::schema::registry::Registry;

/// Where a pod spec sits, by workload kind.
pub(super) const POD_SPECS: [(&str, &str); 8] = [
    ("Pod", "spec"),
    ("ReplicationController", "spec/template/spec"),
    ("Deployment", "spec/template/spec"),
    ("ReplicaSet", "spec/template/spec"),
    ("DaemonSet", "spec/template/spec"),
    ("StatefulSet", "spec/template/spec"),
    ("Job", "spec/template/spec"),
    ("CronJob", "spec/jobTemplate/spec/template/spec"),
];

/// Fields of a pod spec that name objects: (path below the pod spec, group, kind named).
const IN_POD_SPEC: [(&str, &str, &str); 16] = [
    ("volumes/configMap/name", "", "ConfigMap"),
    ("volumes/projected/sources/configMap/name", "", "ConfigMap"),
    (
        "containers/env/valueFrom/configMapKeyRef/name",
        "",
        "ConfigMap",
    ),
    (
        "initContainers/env/valueFrom/configMapKeyRef/name",
        "",
        "ConfigMap",
    ),
    ("containers/envFrom/configMapRef/name", "", "ConfigMap"),
    ("initContainers/envFrom/configMapRef/name", "", "ConfigMap"),
    ("volumes/secret/secretName", "", "Secret"),
    ("volumes/projected/sources/secret/name", "", "Secret"),
    ("containers/env/valueFrom/secretKeyRef/name", "", "Secret"),
    (
        "initContainers/env/valueFrom/secretKeyRef/name",
        "",
        "Secret",
    ),
    ("containers/envFrom/secretRef/name", "", "Secret"),
    ("initContainers/envFrom/secretRef/name", "", "Secret"),
    ("imagePullSecrets/name", "", "Secret"),
    ("serviceAccountName", "", "ServiceAccount"),
    (
        "volumes/persistentVolumeClaim/claimName",
        "",
        "PersistentVolumeClaim",
    ),
    ("priorityClassName", "scheduling.k8s.io", "PriorityClass"),
];

/// The other fields that name objects: (referrer kind, path, group, kind named).
const OTHERS: [(&str, &str, &str, &str); 13] = [
    // Not `secrets`: kustomize leaves a ServiceAccount's mountable secrets alone.
    ("ServiceAccount", "imagePullSecrets/name", "", "Secret"),
    ("StorageClass", "parameters/secretName", "", "Secret"),
    ("StorageClass", "parameters/adminSecretName", "", "Secret"),
    ("Ingress", "spec/tls/secretName", "", "Secret"),
    (
        "Ingress",
        "spec/rules/http/paths/backend/serviceName",
        "",
        "Service",
    ),
    (
        "Ingress",
        "spec/rules/http/paths/backend/service/name",
        "",
        "Service",
    ),
    ("Ingress", "spec/defaultBackend/service/name", "", "Service"),
    ("Ingress", "spec/backend/serviceName", "", "Service"),
    ("StatefulSet", "spec/serviceName", "", "Service"),
    (
        "PersistentVolumeClaim",
        "spec/volumeName",
        "",
        "PersistentVolume",
    ),
    (
        "PersistentVolumeClaim",
        "spec/storageClassName",
        "storage.k8s.io",
        "StorageClass",
    ),
    (
        "PersistentVolume",
        "spec/storageClassName",
        "storage.k8s.io",
        "StorageClass",
    ),
    (
        "StatefulSet",
        "spec/volumeClaimTemplates/spec/storageClassName",
        "storage.k8s.io",
        "StorageClass",
    ),
];

/// Ingress annotations that name objects (keys hold a `/`, so not field paths).
const INGRESS_ANNOTATIONS: [(&str, &str); 4] = [
    ("nginx.ingress.kubernetes.io/auth-secret", "Secret"),
    ("nginx.ingress.kubernetes.io/auth-tls-secret", "Secret"),
    ("ingress.kubernetes.io/auth-secret", "Secret"),
    (
        "nginx.ingress.kubernetes.io/fastcgi-params-configmap",
        "ConfigMap",
    ),
];

/// Kinds whose objects are cluster-wide: a reference to one ignores namespaces.
const CLUSTER_WIDE_TARGETS: [&str; 4] = [
    "ClusterRole",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
];

/// What a reference may point at.
struct Candidate {
    group: String,
    kind: String,
    namespace: String,
    names: Vec<String>,
    name: String,
}

/// Rewrites every reference to a renamed object; None where kustomize would find two
/// objects a reference could mean (its error to report).
pub(super) fn fix(registry: &Registry, built: &mut Built) -> Option<()> {
    if built.names.iter().all(|n| n.len() < 2) {
        return Some(());
    }
    let candidates: Vec<Candidate> = built
        .objects
        .iter()
        .zip(&built.names)
        .map(|(o, names)| Candidate {
            group: group(o).to_string(),
            kind: o["kind"].as_str().unwrap_or_default().to_string(),
            namespace: effective(o["metadata"]["namespace"].as_str()),
            names: names.clone(),
            name: o["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        })
        .collect();
    for o in built.objects.iter_mut() {
        let kind = o["kind"].as_str().unwrap_or_default().to_string();
        let api = o["apiVersion"].as_str().unwrap_or_default().to_string();
        // A reference from a cluster-wide object (a ClusterRoleBinding) reaches any
        // namespace; from a namespaced one, only its own.
        let namespace = match registry
            .core_namespaced(&api, &kind)
            .or_else(|| registry.is_namespaced(&api, &kind))
        {
            Some(false) => None,
            _ => Some(effective(o["metadata"]["namespace"].as_str())),
        };
        let scope = Scope {
            candidates: &candidates,
            namespace,
        };
        let mut ok = true;
        for (workload, spec) in POD_SPECS {
            if kind != workload {
                continue;
            }
            for (path, g, k) in IN_POD_SPEC {
                let full = format!("{spec}/{path}");
                visit(o, &split(&full), &mut |slot| ok &= scope.update(slot, g, k));
            }
        }
        if kind == "PodTemplate" {
            // kustomize follows only ConfigMaps and Secrets in a PodTemplate (not its
            // ServiceAccount); claims and priority classes there are not known: left to it.
            for (path, g, k) in IN_POD_SPEC {
                let full = format!("template/spec/{path}");
                if matches!(k, "ConfigMap" | "Secret") {
                    visit(o, &split(&full), &mut |slot| ok &= scope.update(slot, g, k));
                } else if k != "ServiceAccount" {
                    visit(o, &split(&full), &mut |_| ok = false);
                }
            }
        }
        if kind == "Ingress"
            && let Some(Value::Object(annotations)) = o["metadata"].get_mut("annotations")
        {
            for (key, k) in INGRESS_ANNOTATIONS {
                if let Some(slot) = annotations.get_mut(key) {
                    ok &= scope.update(slot, "", k);
                }
            }
        }
        if matches!(kind.as_str(), "Role" | "ClusterRole") {
            ok &= resource_names(o, &scope, kind == "ClusterRole");
        }
        for (referrer, path, g, k) in OTHERS {
            if kind == referrer {
                visit(o, &split(path), &mut |slot| ok &= scope.update(slot, g, k));
            }
        }
        if matches!(kind.as_str(), "RoleBinding" | "ClusterRoleBinding") {
            ok &= role_binding(o, &scope);
        }
        if kind == "HorizontalPodAutoscaler" {
            let target = o["spec"]["scaleTargetRef"]["kind"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if matches!(
                target.as_str(),
                "Deployment" | "ReplicaSet" | "StatefulSet" | "ReplicationController"
            ) && let Some(slot) = o.pointer_mut("/spec/scaleTargetRef/name")
            {
                let g = if target == "ReplicationController" {
                    ""
                } else {
                    "apps"
                };
                ok &= scope.update(slot, g, &target);
            }
        }
        // Services named by APIServices and webhooks, by name and namespace: not modelled.
        if matches!(
            kind.as_str(),
            "APIService" | "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration"
        ) {
            return None;
        }
        if !ok {
            return None;
        }
    }
    Some(())
}

/// The objects a reference may point at, seen from one referrer.
struct Scope<'a> {
    candidates: &'a [Candidate],
    /// The referrer's namespace; None for a cluster-wide referrer.
    namespace: Option<String>,
}

impl Scope<'_> {
    /// Rewrites one reference; false when it could mean two objects of other names.
    fn update(&self, slot: &mut Value, group: &str, kind: &str) -> bool {
        let Value::String(old) = slot else {
            return true;
        };
        match self.resolve(old, group, kind, None) {
            Ok(Some(new)) => {
                *old = new;
                true
            }
            Ok(None) => true,
            Err(()) => false,
        }
    }

    /// The name now of the object a reference means: None when no object of the build had
    /// that name, an error when several of different names did.
    fn resolve(
        &self,
        old: &str,
        group: &str,
        kind: &str,
        namespace: Option<&str>,
    ) -> Result<Option<String>, ()> {
        let matching: Vec<&Candidate> = self
            .candidates
            .iter()
            .filter(|c| c.kind == kind && c.group == group)
            .filter(|c| c.names.iter().any(|n| n == old))
            .filter(|c| {
                CLUSTER_WIDE_TARGETS.contains(&kind)
                    || match namespace {
                        Some(ns) => c.namespace == effective(Some(ns)),
                        None => self.namespace.as_ref().is_none_or(|ns| *ns == c.namespace),
                    }
            })
            .collect();
        match matching.as_slice() {
            [] => Ok(None),
            [one, rest @ ..] if rest.iter().all(|c| c.name == one.name) => {
                Ok(Some(one.name.clone()))
            }
            _ => Err(()),
        }
    }
}

/// A role's `rules[].resourceNames`: kustomize renames ConfigMaps and Secrets there (and
/// PersistentVolumes for a ClusterRole). A name that could mean two objects, or a
/// PersistentVolume from a Role (not checked against kustomize), is left to kustomize.
fn resource_names(o: &mut Value, scope: &Scope<'_>, cluster_role: bool) -> bool {
    let mut ok = true;
    visit(o, &split("rules/resourceNames"), &mut |slot| {
        let Value::String(old) = slot else {
            return;
        };
        let mut found: Vec<String> = Vec::new();
        for kind in ["ConfigMap", "Secret", "PersistentVolume"] {
            match scope.resolve(old, "", kind, None) {
                Ok(Some(new)) if kind == "PersistentVolume" && !cluster_role => ok &= new == *old,
                Ok(Some(new)) => found.push(new),
                Ok(None) => {}
                Err(()) => ok = false,
            }
        }
        found.dedup();
        match found.as_slice() {
            [] => {}
            [new] => *old = new.clone(),
            _ => ok = false,
        }
    });
    ok
}

/// A role binding's role and its ServiceAccount subjects.
fn role_binding(o: &mut Value, scope: &Scope<'_>) -> bool {
    let mut ok = true;
    let role_kind = o["roleRef"]["kind"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if matches!(role_kind.as_str(), "Role" | "ClusterRole")
        && !(role_kind == "Role" && o["kind"] == "ClusterRoleBinding")
        && let Some(slot) = o.pointer_mut("/roleRef/name")
    {
        ok &= scope.update(slot, "rbac.authorization.k8s.io", &role_kind);
    }
    if let Some(Value::Array(subjects)) = o.get_mut("subjects") {
        // kustomize renames any subject of a ServiceAccount's old name, whatever its kind
        // (a User of that name too).
        for subject in subjects {
            let Some(old) = subject["name"].as_str() else {
                continue;
            };
            let namespace = subject["namespace"].as_str().map(str::to_string);
            match scope.resolve(old, "", "ServiceAccount", namespace.as_deref()) {
                Ok(Some(new)) => subject["name"] = Value::String(new),
                Ok(None) => {}
                Err(()) => ok = false,
            }
        }
    }
    ok
}

/// Calls `f` on every value at a kustomize field path, lists walked through.
fn visit(value: &mut Value, path: &[&str], f: &mut dyn FnMut(&mut Value)) {
    match value {
        Value::Array(items) => {
            for item in items {
                visit(item, path, f);
            }
        }
        _ if path.is_empty() => f(value),
        Value::Object(map) => {
            if let Some(child) = map.get_mut(path[0]) {
                visit(child, &path[1..], f);
            }
        }
        _ => {}
    }
}

fn split(path: &str) -> Vec<&str> {
    path.split('/').collect()
}
