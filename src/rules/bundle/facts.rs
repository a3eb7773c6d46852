//! What the bundle rules need to know about each object.

use std::collections::BTreeMap;

use crate::report::{Finding, Severity};
use crate::validate::ObjectRef;
use crate::yaml::{Node, Span};

/// Where a fact comes from, to point a finding at it.
#[derive(Debug, Clone)]
pub struct Place {
    pub file: String,
    pub span: Span,
    pub object: String,
    pub pointer: String,
    /// Rules the object waives with `platc.io/ignore`.
    pub waived: Vec<String>,
}

impl Place {
    pub fn finding(
        &self,
        rule: &str,
        severity: Severity,
        message: String,
        help: &str,
    ) -> Option<Finding> {
        if self.waived.iter().any(|w| w == rule) {
            return None;
        }
        Some(
            Finding::new(rule, severity, message)
                .at_span(self.file.clone(), Some(self.span))
                .with_object(self.object.clone())
                .with_path(self.pointer.clone())
                .with_help(help),
        )
    }
}

pub type Labels = BTreeMap<String, String>;

#[derive(Debug, Clone)]
pub enum Fact {
    /// Pods a workload (or a Pod) creates, with their labels.
    Pods {
        namespace: Option<String>,
        kind: String,
        name: String,
        labels: Labels,
    },
    /// A selector that should match some pods: Service, NetworkPolicy, PodDisruptionBudget.
    Selector {
        namespace: Option<String>,
        kind: String,
        selector: Labels,
        place: Place,
    },
    /// An HPA's target.
    ScaleTarget {
        namespace: Option<String>,
        kind: String,
        name: String,
        place: Place,
    },
    AppProject {
        name: String,
    },
    /// An Application's project.
    UsesProject {
        project: String,
        place: Place,
    },
    /// A Helm release an Application installs, where.
    Release {
        cluster: String,
        namespace: String,
        release: String,
        place: Place,
    },
}

fn labels(node: Option<&Node>) -> Labels {
    node.and_then(Node::as_map)
        .map(|entries| {
            entries
                .iter()
                .filter_map(|(k, v)| Some((k.key_text()?.into_owned(), v.key_text()?.into_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// The facts one object contributes.
pub fn facts_of(o: &ObjectRef<'_>) -> Vec<Fact> {
    let node = o.node();
    let (Some(api), Some(kind)) = (o.object.api_version(), o.object.kind()) else {
        return Vec::new();
    };
    let namespace = o.object.namespace().map(str::to_string);
    let name = o.object.name().unwrap_or_default().to_string();
    let place = |n: &Node, pointer: &str| Place {
        file: o.object.file.to_string(),
        span: n.span,
        object: o.object.describe(),
        pointer: format!("{}{pointer}", o.object.pointer_prefix),
        waived: crate::rules::waived_by_annotation(node),
    };
    let mut out = Vec::new();
    match kind {
        "Pod" => out.push(Fact::Pods {
            namespace,
            kind: kind.into(),
            name,
            labels: labels(node.pointer("/metadata/labels")),
        }),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => out.push(Fact::Pods {
            namespace,
            kind: kind.into(),
            name,
            labels: labels(node.pointer("/spec/template/metadata/labels")),
        }),
        "CronJob" => out.push(Fact::Pods {
            namespace,
            kind: kind.into(),
            name,
            labels: labels(node.pointer("/spec/jobTemplate/spec/template/metadata/labels")),
        }),
        "Service" => {
            // A Service without a selector is managed by hand (EndpointSlices): nothing to match.
            if let Some(sel) = node
                .pointer("/spec/selector")
                .filter(|s| s.as_map().is_some_and(|m| !m.is_empty()))
            {
                out.push(Fact::Selector {
                    namespace,
                    kind: kind.into(),
                    selector: labels(Some(sel)),
                    place: place(sel, "/spec/selector"),
                });
            }
        }
        "NetworkPolicy" | "PodDisruptionBudget" => {
            let pointer = if kind == "NetworkPolicy" {
                "/spec/podSelector/matchLabels"
            } else {
                "/spec/selector/matchLabels"
            };
            // An empty selector selects every pod of the namespace: always satisfied.
            if let Some(sel) = node
                .pointer(pointer)
                .filter(|s| s.as_map().is_some_and(|m| !m.is_empty()))
            {
                out.push(Fact::Selector {
                    namespace,
                    kind: kind.into(),
                    selector: labels(Some(sel)),
                    place: place(sel, pointer),
                });
            }
        }
        "HorizontalPodAutoscaler" => {
            if let Some(target) = node.pointer("/spec/scaleTargetRef") {
                let tk = target
                    .get("kind")
                    .and_then(Node::as_str)
                    .unwrap_or_default()
                    .to_string();
                let tn = target
                    .get("name")
                    .and_then(Node::as_str)
                    .unwrap_or_default()
                    .to_string();
                out.push(Fact::ScaleTarget {
                    namespace,
                    kind: tk,
                    name: tn,
                    place: place(target, "/spec/scaleTargetRef"),
                });
            }
        }
        "AppProject" if api == "argoproj.io/v1alpha1" => out.push(Fact::AppProject { name }),
        "Application" if api == "argoproj.io/v1alpha1" => {
            let dest = node.pointer("/spec/destination");
            let cluster = dest
                .and_then(|d| d.get("server").or_else(|| d.get("name")))
                .and_then(Node::as_str)
                .unwrap_or("https://kubernetes.default.svc")
                .to_string();
            let dest_ns = dest
                .and_then(|d| d.get("namespace"))
                .and_then(Node::as_str)
                .unwrap_or_default()
                .to_string();
            let sources = crate::rules::argocd::sources(o);
            for (source, pointer) in &sources {
                if source.get("chart").is_none() {
                    continue;
                }
                // Argo CD names the release after the Application unless told otherwise.
                let release = source
                    .pointer("/helm/releaseName")
                    .and_then(Node::as_str)
                    .unwrap_or(&name)
                    .to_string();
                out.push(Fact::Release {
                    cluster: cluster.clone(),
                    namespace: dest_ns.clone(),
                    release,
                    place: place(source, pointer),
                });
            }
            if let Some(p) = node.pointer("/spec/project")
                && let Some(project) = p.as_str()
            {
                out.push(Fact::UsesProject {
                    project: project.into(),
                    place: place(p, "/spec/project"),
                });
            }
        }
        _ => {}
    }
    out
}

/// Namespaces match when equal, or when either side does not say (it comes from the
/// Application's destination or the kustomization, which the raw file does not show).
pub fn same_namespace(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}
