use crate::manifest::ObjectRef;
use crate::report::{Finding, Severity};
use crate::rules::{Context, Rule, report};

pub const RULE: Rule = Rule {
    id: "deprecated/removed-api",
    severity: Severity::Error,
    summary: "an apiVersion the target Kubernetes version no longer serves (or deprecates)",
    docs: r#"# deprecated/removed-api

An object uses an apiVersion that Kubernetes removed at (or deprecated before) the version the
repository targets (`--kubernetes-version`, or the spec's environments).

## Why
The API server rejects removed versions: the sync fails on upgrade day, usually for every
Application at once. Deprecated versions still work but will break on a later upgrade.

## Bad
```yaml
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
```

## Good
```yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
```

## Fix
Move to the replacement the finding names (fields sometimes change too: check the upstream
migration guide). For a custom resource with a newer served version, the finding is
information only. Waive with `platc.io/ignore: deprecated/removed-api` on the object.
"#,
    check,
};

/// (apiVersion, kind, deprecated in, removed in, replacement), Kubernetes minors.
const TABLE: &[(&str, &str, u32, u32, &str)] = &[
    ("extensions/v1beta1", "Deployment", 9, 16, "apps/v1"),
    ("extensions/v1beta1", "DaemonSet", 9, 16, "apps/v1"),
    ("extensions/v1beta1", "ReplicaSet", 9, 16, "apps/v1"),
    (
        "extensions/v1beta1",
        "NetworkPolicy",
        9,
        16,
        "networking.k8s.io/v1",
    ),
    (
        "extensions/v1beta1",
        "PodSecurityPolicy",
        10,
        16,
        "policy/v1beta1 (itself removed in 1.25: use Pod Security Admission)",
    ),
    ("apps/v1beta1", "Deployment", 9, 16, "apps/v1"),
    ("apps/v1beta1", "StatefulSet", 9, 16, "apps/v1"),
    ("apps/v1beta2", "Deployment", 9, 16, "apps/v1"),
    ("apps/v1beta2", "StatefulSet", 9, 16, "apps/v1"),
    ("apps/v1beta2", "DaemonSet", 9, 16, "apps/v1"),
    ("apps/v1beta2", "ReplicaSet", 9, 16, "apps/v1"),
    (
        "extensions/v1beta1",
        "Ingress",
        14,
        22,
        "networking.k8s.io/v1",
    ),
    (
        "networking.k8s.io/v1beta1",
        "Ingress",
        19,
        22,
        "networking.k8s.io/v1",
    ),
    (
        "networking.k8s.io/v1beta1",
        "IngressClass",
        19,
        22,
        "networking.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRole",
        17,
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRoleBinding",
        17,
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1beta1",
        "Role",
        17,
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1beta1",
        "RoleBinding",
        17,
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    (
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        16,
        22,
        "apiextensions.k8s.io/v1",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
        16,
        22,
        "admissionregistration.k8s.io/v1",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
        16,
        22,
        "admissionregistration.k8s.io/v1",
    ),
    (
        "scheduling.k8s.io/v1beta1",
        "PriorityClass",
        14,
        22,
        "scheduling.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        "StorageClass",
        19,
        22,
        "storage.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        "CSIDriver",
        19,
        22,
        "storage.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        "CSINode",
        17,
        22,
        "storage.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        "VolumeAttachment",
        19,
        22,
        "storage.k8s.io/v1",
    ),
    (
        "apiregistration.k8s.io/v1beta1",
        "APIService",
        19,
        22,
        "apiregistration.k8s.io/v1",
    ),
    (
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        19,
        22,
        "certificates.k8s.io/v1",
    ),
    (
        "coordination.k8s.io/v1beta1",
        "Lease",
        19,
        22,
        "coordination.k8s.io/v1",
    ),
    ("batch/v1beta1", "CronJob", 21, 25, "batch/v1"),
    (
        "discovery.k8s.io/v1beta1",
        "EndpointSlice",
        21,
        25,
        "discovery.k8s.io/v1",
    ),
    ("events.k8s.io/v1beta1", "Event", 22, 25, "events.k8s.io/v1"),
    (
        "autoscaling/v2beta1",
        "HorizontalPodAutoscaler",
        22,
        25,
        "autoscaling/v2",
    ),
    ("policy/v1beta1", "PodDisruptionBudget", 21, 25, "policy/v1"),
    (
        "policy/v1beta1",
        "PodSecurityPolicy",
        21,
        25,
        "Pod Security Admission (namespace labels)",
    ),
    (
        "node.k8s.io/v1beta1",
        "RuntimeClass",
        20,
        25,
        "node.k8s.io/v1",
    ),
    (
        "autoscaling/v2beta2",
        "HorizontalPodAutoscaler",
        23,
        26,
        "autoscaling/v2",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "FlowSchema",
        23,
        26,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
        23,
        26,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        "CSIStorageCapacity",
        24,
        27,
        "storage.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "FlowSchema",
        26,
        29,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "PriorityLevelConfiguration",
        26,
        29,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "FlowSchema",
        29,
        32,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "PriorityLevelConfiguration",
        29,
        32,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
];

/// Custom resources with a newer served version (information only).
const NEWER: &[(&str, &str)] = &[
    (
        "gateway.networking.k8s.io/v1beta1",
        "gateway.networking.k8s.io/v1",
    ),
    (
        "gateway.networking.k8s.io/v1alpha2",
        "gateway.networking.k8s.io/v1",
    ),
    ("cert-manager.io/v1alpha2", "cert-manager.io/v1"),
    ("cert-manager.io/v1beta1", "cert-manager.io/v1"),
    ("external-secrets.io/v1beta1", "external-secrets.io/v1"),
];

/// A built-in apiVersion and kind Kubernetes stopped serving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removal {
    /// The Kubernetes minor that deprecated it (1.x).
    pub deprecated: u32,
    /// The Kubernetes minor that no longer serves it (1.x).
    pub removed: u32,
    /// What to use instead.
    pub replacement: &'static str,
}

/// When this apiVersion and kind was deprecated and removed, if it ever was.
pub fn removal(api: &str, kind: &str) -> Option<Removal> {
    TABLE.iter().find(|(a, k, ..)| *a == api && *k == kind).map(
        |&(_, _, deprecated, removed, replacement)| Removal {
            deprecated,
            removed,
            replacement,
        },
    )
}

/// Whether Kubernetes `version` no longer serves this apiVersion and kind.
pub fn is_removed(api: &str, kind: &str, version: &str) -> bool {
    removal(api, kind).is_some_and(|r| minor(version) >= r.removed)
}

/// The message and help of a removed API at `version`, shared with `platc validate` (which
/// has no schema for it and would otherwise only say the schema is missing).
pub fn removed_message(api: &str, kind: &str, version: &str) -> Option<(String, String)> {
    let r = removal(api, kind).filter(|r| minor(version) >= r.removed)?;
    let target = minor(version);
    Some((
        format!(
            "{api} {kind} was removed in Kubernetes 1.{} (target 1.{target})",
            r.removed
        ),
        format!("use {}", r.replacement),
    ))
}

fn minor(version: &str) -> u32 {
    version
        .trim_start_matches('v')
        .split('.')
        .nth(1)
        .and_then(|m| m.parse().ok())
        .unwrap_or(u32::MAX)
}

fn check(cx: &Context<'_>, o: &ObjectRef<'_>, out: &mut Vec<Finding>) {
    let (Some(api), Some(kind)) = (o.object.api_version(), o.object.kind()) else {
        return;
    };
    let Some(node) = o.node().get("apiVersion") else {
        return;
    };
    let target = minor(cx.kubernetes_version);
    if let Some(Removal {
        deprecated,
        removed,
        replacement,
    }) = removal(api, kind)
    {
        if let Some((message, help)) = removed_message(api, kind, cx.kubernetes_version) {
            out.push(report(&RULE, o, node, "/apiVersion", message, &help));
        } else if target >= deprecated {
            let mut f = report(
                &RULE,
                o,
                node,
                "/apiVersion",
                format!(
                    "{api} {kind} is deprecated since 1.{deprecated} and removed in 1.{removed}"
                ),
                &format!("use {replacement}"),
            );
            f.severity = Severity::Warning;
            out.push(f);
        }
    } else if let Some((_, newer)) = NEWER.iter().find(|(a, _)| *a == api) {
        let mut f = report(
            &RULE,
            o,
            node,
            "/apiVersion",
            format!("{kind} is served as {newer}; {api} is an older version"),
            &format!("move to {newer}"),
        );
        f.severity = Severity::Info;
        out.push(f);
    }
}
