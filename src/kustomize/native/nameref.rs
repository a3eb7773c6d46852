//! kustomize's name references: after a build renamed objects (a prefix, a suffix, a
//! generator's hash), every field that names one of them by a name it had is rewritten to its
//! name now. The fields are the build's nameReference table (kustomize's defaults, data in
//! `config_defaults.yaml`, and what `configurations` add): ConfigMaps and Secrets in pod
//! volumes, env and envFrom, image pull secrets; ServiceAccounts in pods; Services in
//! Ingresses and StatefulSets; claims, volumes, storage and priority classes; workloads in
//! HorizontalPodAutoscalers; a custom kind's fields. Role bindings (subjects and roles) and
//! roles' resource names are resolved by code, as kustomize does.

use serde_json::Value;

use super::{Built, effective, group};
use crate::schema::registry::Registry;

/// Fields whose references kustomize resolves by code of its own, not as plain names:
/// role bindings' subjects and roles (of the kind `roleRef` says), roles' resource names
/// (of several kinds). (An autoscaler's `scaleTargetRef.name` is a plain name: kustomize
/// renames it after any object of a kind its table lists there, whatever `kind` it says.)
const SPECIAL: [(&str, &str); 6] = [
    ("RoleBinding", "subjects"),
    ("ClusterRoleBinding", "subjects"),
    ("RoleBinding", "roleRef/name"),
    ("ClusterRoleBinding", "roleRef/name"),
    ("Role", "rules/resourceNames"),
    ("ClusterRole", "rules/resourceNames"),
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
    version: String,
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
    let tables = built.config.0.clone();
    let candidates: Vec<Candidate> = built
        .objects
        .iter()
        .zip(&built.names)
        .map(|(o, names)| Candidate {
            group: group(o).to_string(),
            version: o["apiVersion"]
                .as_str()
                .unwrap_or_default()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string(),
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
        // The table: kustomize's nameReference defaults and what `configurations` add.
        for reference in &tables.name_reference {
            let target = Target {
                group: reference.group.as_deref(),
                version: reference.version.as_deref(),
                kind: &reference.kind,
            };
            for spec in &reference.specs {
                if !spec.selects(o) {
                    continue;
                }
                let special = SPECIAL.iter().any(|(k, p)| {
                    *k == kind && spec.path.iter().map(String::as_str).eq(p.split('/'))
                });
                if special {
                    // kustomize resolves these by code, for the targets of its own table;
                    // one a configuration adds is not modelled.
                    ok &= super::config::is_default_reference(reference, spec);
                    continue;
                }
                visit(o, &spec.keys(), &mut |slot| match slot {
                    Value::String(_) => ok &= scope.update(slot, &target),
                    // A name and namespace together: kustomize's own way, not modelled.
                    Value::Object(_) => ok = false,
                    _ => {}
                });
            }
        }
        if matches!(kind.as_str(), "Role" | "ClusterRole") {
            ok &= resource_names(o, &scope, kind == "ClusterRole");
        }
        if matches!(kind.as_str(), "RoleBinding" | "ClusterRoleBinding") {
            ok &= role_binding(o, &scope);
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

/// The kind a reference names (an unset group or version: any).
struct Target<'a> {
    group: Option<&'a str>,
    version: Option<&'a str>,
    kind: &'a str,
}

impl<'a> Target<'a> {
    fn exact(group: &'a str, kind: &'a str) -> Target<'a> {
        Target {
            group: Some(group),
            version: None,
            kind,
        }
    }

    fn selects(&self, c: &Candidate) -> bool {
        c.kind == self.kind
            && self.group.is_none_or(|g| g == c.group)
            && self.version.is_none_or(|v| v == c.version)
    }
}

/// The objects a reference may point at, seen from one referrer.
struct Scope<'a> {
    candidates: &'a [Candidate],
    /// The referrer's namespace; None for a cluster-wide referrer.
    namespace: Option<String>,
}

impl Scope<'_> {
    /// Rewrites one reference; false when it could mean two objects of other names.
    fn update(&self, slot: &mut Value, target: &Target<'_>) -> bool {
        let Value::String(old) = slot else {
            return true;
        };
        match self.resolve(old, target, None) {
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
        target: &Target<'_>,
        namespace: Option<&str>,
    ) -> Result<Option<String>, ()> {
        let kind = target.kind;
        let matching: Vec<&Candidate> = self
            .candidates
            .iter()
            .filter(|c| target.selects(c))
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
            match scope.resolve(old, &Target::exact("", kind), None) {
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
        ok &= scope.update(
            slot,
            &Target::exact("rbac.authorization.k8s.io", &role_kind),
        );
    }
    if let Some(Value::Array(subjects)) = o.get_mut("subjects") {
        // kustomize renames any subject of a ServiceAccount's old name, whatever its kind
        // (a User of that name too).
        for subject in subjects {
            let Some(old) = subject["name"].as_str() else {
                continue;
            };
            let namespace = subject["namespace"].as_str().map(str::to_string);
            match scope.resolve(
                old,
                &Target::exact("", "ServiceAccount"),
                namespace.as_deref(),
            ) {
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
