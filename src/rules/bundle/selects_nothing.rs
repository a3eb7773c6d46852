use crate::report::{Finding, Severity};
use crate::rules::Rule;

use std::collections::{HashMap, HashSet};

use super::facts::{Fact, Labels, same_namespace};

pub const RULE: Rule = Rule {
    id: "workload/selects-nothing",
    severity: Severity::Warning,
    summary: "a Service, NetworkPolicy or PodDisruptionBudget whose selector matches no pod template",
    docs: r#"# workload/selects-nothing

A Service, NetworkPolicy or PodDisruptionBudget selects pods by labels that no pod template
deployed with it carries: in the same kustomize build, or, for manifests no kustomization
includes, among those manifests.

## Why
A Service with no endpoints answers nothing, a NetworkPolicy that selects nothing protects
nothing, a PDB that selects nothing protects nothing during node drains; all silently.

## Bad
```yaml
kind: Service
spec:
  selector: {app: web}        # the Deployment's pods are labelled app: website
```

## Good
```yaml
kind: Service
spec:
  selector: {app: website}
```

Pods of Deployments, StatefulSets, DaemonSets, Jobs, CronJobs and Argo Rollouts count, with
the labels their controllers add at run time (`statefulset.kubernetes.io/pod-name`,
`apps.kubernetes.io/pod-index`, `controller-revision-hash`, `pod-template-hash`,
`batch.kubernetes.io/job-name`, `job-name`, `controller-uid`). Selectors in a folder that
installs a Helm chart (a Flux `HelmRelease`), and selectors of the control plane's static pods
(`tier: control-plane`, `component: kube-apiserver`), are not judged: their pods are not in
the repository.

## Fix
Align the selector with the pod template's labels. Objects whose pods come from elsewhere
(an operator) can waive with `platc.io/ignore: workload/selects-nothing`.
"#,
    check: crate::rules::bundle::per_object,
};

/// A pod template's namespace, owner kind and labels.
type PodRef<'a> = (&'a Option<String>, &'a str, &'a Labels);

/// Labels the controllers add to the pods they create, which no template shows: by the kinds
/// whose pods carry them (per-pod Services select `statefulset.kubernetes.io/pod-name`).
const CONTROLLER_LABELS: &[(&str, &[&str])] = &[
    ("statefulset.kubernetes.io/pod-name", &["StatefulSet"]),
    ("apps.kubernetes.io/pod-index", &["StatefulSet"]),
    ("controller-revision-hash", &["StatefulSet", "DaemonSet"]),
    ("pod-template-generation", &["DaemonSet"]),
    ("pod-template-hash", &["Deployment"]),
    ("rollouts-pod-template-hash", &["Rollout"]),
    ("batch.kubernetes.io/job-name", &["Job", "CronJob"]),
    ("job-name", &["Job", "CronJob"]),
    ("batch.kubernetes.io/controller-uid", &["Job", "CronJob"]),
    ("controller-uid", &["Job", "CronJob"]),
    (
        "batch.kubernetes.io/job-completion-index",
        &["Job", "CronJob"],
    ),
];

/// Whether the controller of `kind` puts label `key` on its pods.
fn added_by_controller(key: &str, kind: &str) -> bool {
    CONTROLLER_LABELS
        .iter()
        .any(|(k, kinds)| *k == key && kinds.contains(&kind))
}

/// The labels of the control plane's static pods (kubeadm), which no manifest of a
/// repository holds: a Service in front of the API server selects them.
fn selects_control_plane(selector: &Labels) -> bool {
    selector.iter().any(|(k, v)| {
        (k == "tier" && v == "control-plane")
            || (matches!(k.as_str(), "component" | "k8s-app")
                && matches!(
                    v.as_str(),
                    "kube-apiserver" | "kube-controller-manager" | "kube-scheduler" | "etcd"
                ))
    })
}

/// The folder of a repo-relative file.
fn folder(file: &str) -> &str {
    file.rsplit_once('/').map_or("", |(d, _)| d)
}

pub fn check<'a>(facts: impl Iterator<Item = &'a Fact> + Clone, out: &mut Vec<Finding>) {
    // Index pod templates by each of their labels: a selector then only looks at the pods
    // that carry one of its labels (a repository can hold thousands of both).
    let mut by_label: HashMap<(&str, &str), Vec<PodRef<'_>>> = HashMap::new();
    let mut all: Vec<PodRef<'_>> = Vec::new();
    // Folders that install a Helm chart: its pods are not in view.
    let mut charts: HashSet<&str> = HashSet::new();
    for f in facts.clone() {
        match f {
            Fact::Pods {
                namespace,
                kind,
                labels,
                ..
            } => {
                for (k, v) in labels {
                    by_label
                        .entry((k.as_str(), v.as_str()))
                        .or_default()
                        .push((namespace, kind, labels));
                }
                all.push((namespace, kind, labels));
            }
            Fact::ChartPods { place } => {
                charts.insert(folder(&place.file));
            }
            _ => {}
        }
    }
    for fact in facts {
        let Fact::Selector {
            namespace,
            kind,
            selector,
            place,
        } = fact
        else {
            continue;
        };
        if selector.is_empty()
            || selects_control_plane(selector)
            || charts.contains(folder(&place.file))
        {
            continue;
        }
        // Look pods up by a label templates can show; with controller labels only, any pod.
        let lookup = selector
            .iter()
            .find(|(k, _)| !CONTROLLER_LABELS.iter().any(|(c, _)| c == k));
        let candidates: &[PodRef<'_>] = match lookup {
            Some((k, v)) => by_label
                .get(&(k.as_str(), v.as_str()))
                .map_or(&[], Vec::as_slice),
            None => &all,
        };
        let matched = candidates.iter().any(|(ns, owner, labels)| {
            same_namespace(namespace, ns)
                && selector
                    .iter()
                    .all(|(k, v)| labels.get(k) == Some(v) || added_by_controller(k, owner))
        });
        if !matched {
            let wanted: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let message = format!(
                "the {kind} selects `{}`, which no pod template deployed with it carries",
                wanted.join(",")
            );
            out.extend(place.finding(
                RULE.id,
                RULE.severity,
                message,
                "align the selector with the pod template's labels",
            ));
        }
    }
}
