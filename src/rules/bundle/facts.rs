//! What the bundle rules need to know about each object.

use std::collections::BTreeMap;

use crate::manifest::ObjectRef;
use crate::report::{Finding, Severity};
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
    /// The object's kind and name, to find it again.
    pub kind: String,
    pub name: String,
    /// For an object in the output of a kustomize build: the folder built. The span then
    /// points into text no one can open, so findings point at the kustomization instead.
    pub built: Option<String>,
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
        let finding = match &self.built {
            None => {
                Finding::new(rule, severity, message).at_span(self.file.clone(), Some(self.span))
            }
            Some(dir) => Finding::new(
                rule,
                severity,
                format!("{message} (in the output of building `{dir}`)"),
            )
            .at(self.file.clone(), None),
        };
        Some(
            finding
                .with_object(self.object.clone())
                .with_path(self.pointer.clone())
                .with_help(help),
        )
    }

    /// Where the reader can see it: a file position, or nothing for a built object.
    pub fn pos(&self) -> Option<crate::yaml::Pos> {
        self.built.is_none().then_some(self.span.start)
    }
}

/// An object by identity: what Argo CD tracks (group, kind, namespace, name).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId {
    pub group: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    /// The kind is cluster-scoped: a namespace written on it means nothing.
    pub cluster_scoped: bool,
}

impl ObjectId {
    /// `namespaced` is what the schemas say of the kind (None: unknown, taken as namespaced).
    pub fn of(o: &crate::manifest::Object, namespaced: Option<bool>) -> Option<ObjectId> {
        let api = o.api_version()?;
        let cluster_scoped = namespaced == Some(false);
        Some(ObjectId {
            group: api.rsplit_once('/').map_or("", |(g, _)| g).to_string(),
            kind: o.kind()?.to_string(),
            namespace: o
                .namespace()
                .filter(|_| !cluster_scoped)
                .map(str::to_string),
            name: o.name()?.to_string(),
            cluster_scoped,
        })
    }

    /// `ConfigMap web/settings`, as messages name objects.
    pub fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

/// A source of an Application that is a folder of a git repository.
#[derive(Debug, Clone)]
pub struct GitSource {
    pub repo_url: String,
    pub path: String,
    /// `directory.recurse`: subfolders are read too.
    pub recurse: bool,
    /// `directory.include` and `directory.exclude`: globs on paths relative to `path`.
    pub include: Option<String>,
    pub exclude: Option<String>,
    pub place: Place,
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
    /// A Helm release installed by an object of the repository (a Flux HelmRelease, a k3s
    /// HelmChart): its chart creates pods platc cannot see.
    ChartPods {
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
    /// An Application: where it deploys, and the git folders it deploys from.
    Application {
        name: String,
        cluster: String,
        namespace: String,
        sources: Vec<GitSource>,
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

/// The place of the facts findings are about, by reference or by mutable reference.
macro_rules! place_of {
    ($fact:expr) => {
        match $fact {
            Fact::Selector { place, .. }
            | Fact::ScaleTarget { place, .. }
            | Fact::UsesProject { place, .. }
            | Fact::Release { place, .. }
            | Fact::ChartPods { place }
            | Fact::Application { place, .. } => Some(place),
            Fact::Pods { .. } | Fact::AppProject { .. } => None,
        }
    };
}

impl Fact {
    /// Where the fact's object is, for the facts findings are about.
    pub fn place(&self) -> Option<&Place> {
        place_of!(self)
    }

    pub fn place_mut(&mut self) -> Option<&mut Place> {
        place_of!(self)
    }
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
        kind: kind.to_string(),
        name: name.clone(),
        built: None,
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
        // An Argo Rollout owns pods like a Deployment (with `spec.workloadRef`, the pods take
        // the labels of the Deployment it names, which is a pod owner of its own).
        // Canary steps may run experiments whose pods get the labels of their templates.
        "Rollout" if api.starts_with("argoproj.io/") => {
            let steps = node
                .pointer("/spec/strategy/canary/steps")
                .and_then(Node::as_seq)
                .unwrap_or_default();
            let experiments = steps
                .iter()
                .filter_map(|s| s.pointer("/experiment/templates").and_then(Node::as_seq))
                .flatten()
                .map(|t| labels(t.pointer("/metadata/labels")))
                .filter(|l| !l.is_empty());
            let own = labels(node.pointer("/spec/template/metadata/labels"));
            for l in std::iter::once(own).chain(experiments) {
                out.push(Fact::Pods {
                    namespace: namespace.clone(),
                    kind: kind.into(),
                    name: name.clone(),
                    labels: l,
                });
            }
        }
        "HelmRelease" if api.starts_with("helm.toolkit.fluxcd.io/") => out.push(Fact::ChartPods {
            place: place(node, ""),
        }),
        "HelmChart" if api.starts_with("helm.cattle.io/") => out.push(Fact::ChartPods {
            place: place(node, ""),
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
            let cluster = cluster_of(dest);
            let dest_ns = dest
                .and_then(|d| d.get("namespace"))
                .and_then(Node::as_str)
                .unwrap_or_default()
                .to_string();
            let sources = crate::rules::argocd::sources(o);
            let mut git = Vec::new();
            for (source, pointer) in &sources {
                if source.get("chart").is_none() {
                    if let (Some(repo_url), Some(path)) = (
                        source.get("repoURL").and_then(Node::as_str),
                        source.get("path").and_then(Node::as_str),
                    ) {
                        git.push(GitSource {
                            repo_url: repo_url.to_string(),
                            path: path.to_string(),
                            recurse: source
                                .pointer("/directory/recurse")
                                .and_then(Node::as_bool)
                                .unwrap_or(false),
                            include: glob_of(source, "/directory/include"),
                            exclude: glob_of(source, "/directory/exclude"),
                            place: place(
                                source.get("path").unwrap_or(source),
                                &format!("{pointer}/path"),
                            ),
                        });
                    }
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
            out.push(Fact::Application {
                name: name.clone(),
                cluster,
                namespace: dest_ns,
                sources: git,
                place: place(node, ""),
            });
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

/// A non-empty `directory.include` / `exclude` glob.
fn glob_of(source: &Node, pointer: &str) -> Option<String> {
    source
        .pointer(pointer)
        .and_then(Node::as_str)
        .filter(|g| !g.is_empty())
        .map(str::to_string)
}

/// The cluster an Application deploys to. `in-cluster` is the name Argo CD gives its own
/// cluster, so both spellings are one cluster.
pub fn cluster_of(destination: Option<&Node>) -> String {
    const IN_CLUSTER: &str = "https://kubernetes.default.svc";
    let server = destination
        .and_then(|d| d.get("server"))
        .and_then(Node::as_str);
    let name = destination
        .and_then(|d| d.get("name"))
        .and_then(Node::as_str);
    match (server, name) {
        (Some(s), _) => s.trim_end_matches('/').to_string(),
        (None, Some("in-cluster")) | (None, None) => IN_CLUSTER.to_string(),
        (None, Some(n)) => n.to_string(),
    }
}

/// Namespaces match when equal, or when either side does not say (it comes from the
/// Application's destination or the kustomization, which the raw file does not show).
pub fn same_namespace(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}
