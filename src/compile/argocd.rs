//! ArgoCD objects: Applications, AppProjects, ApplicationSets.

use std::collections::BTreeSet;

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use crate::spec::{Environment, Helm};

pub const API_VERSION: &str = "argoproj.io/v1alpha1";
pub const RESOURCES_FINALIZER: &str = "resources-finalizer.argocd.argoproj.io";
pub const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";
pub const IN_CLUSTER: &str = "https://kubernetes.default.svc";

/// Where an Application deploys.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Destination {
    /// `server` URL or `name` of a registered cluster.
    pub cluster: Cluster,
    pub namespace: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cluster {
    Server(String),
    Name(String),
}

impl Cluster {
    pub fn of(env: &Environment) -> Cluster {
        match (&env.cluster, &env.server) {
            (Some(name), _) => Cluster::Name(name.clone()),
            (None, Some(server)) => Cluster::Server(server.clone()),
            (None, None) => Cluster::Server(IN_CLUSTER.into()),
        }
    }
}

impl Destination {
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        match &self.cluster {
            Cluster::Server(s) => m.insert("server".into(), json!(s)),
            Cluster::Name(n) => m.insert("name".into(), json!(n)),
        };
        m.insert("namespace".into(), json!(self.namespace));
        Value::Object(m)
    }
}

/// The metadata of an object platc creates in the ArgoCD namespace.
pub fn metadata(
    name: &str,
    namespace: &str,
    labels: &[(&str, &str)],
    annotations: &IndexMap<String, String>,
    wave: Option<i64>,
    finalizers: &[String],
) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    m.insert("namespace".into(), json!(namespace));
    let labels: Map<String, Value> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    m.insert("labels".into(), Value::Object(labels));
    let mut ann = Map::new();
    if let Some(wave) = wave {
        ann.insert(SYNC_WAVE.into(), json!(wave.to_string()));
    }
    for (k, v) in annotations {
        ann.insert(k.clone(), json!(v));
    }
    if !ann.is_empty() {
        m.insert("annotations".into(), Value::Object(ann));
    }
    if !finalizers.is_empty() {
        m.insert("finalizers".into(), json!(finalizers));
    }
    Value::Object(m)
}

/// The chart source of a Helm Application.
pub fn helm_source(
    helm: &Helm,
    version: &str,
    release: &str,
    value_files: &[String],
    values: Option<&Value>,
) -> Value {
    let mut h = Map::new();
    h.insert("releaseName".into(), json!(release));
    if !value_files.is_empty() {
        h.insert("valueFiles".into(), json!(value_files));
    }
    if let Some(values) = values.filter(|v| v.as_object().is_some_and(|o| !o.is_empty())) {
        h.insert("valuesObject".into(), values.clone());
    }
    if let Some(skip) = helm.skip_crds {
        h.insert("skipCrds".into(), json!(skip));
    }
    json!({
        "repoURL": helm.repo,
        "chart": helm.chart,
        "targetRevision": version,
        "helm": Value::Object(h),
    })
}

/// A chart's sources: the chart, and when it reads values files from this repository, the
/// `ref: values` source that makes `$values/...` resolve.
pub fn chart_sources(
    helm: &Helm,
    version: &str,
    release: &str,
    value_files: &[String],
    values: Option<&Value>,
    repo_url: &str,
    revision: &str,
) -> Vec<Value> {
    let mut sources = vec![helm_source(helm, version, release, value_files, values)];
    if !value_files.is_empty() {
        sources.push(repo_source(repo_url, revision, None, Some("values")));
    }
    sources
}

/// A source in this repository: a path to deploy, or the `ref` other sources read values from.
pub fn repo_source(
    url: &str,
    revision: &str,
    path: Option<&str>,
    reference: Option<&str>,
) -> Value {
    let mut m = Map::new();
    m.insert("repoURL".into(), json!(url));
    m.insert("targetRevision".into(), json!(revision));
    if let Some(path) = path {
        m.insert("path".into(), json!(path));
    }
    if let Some(reference) = reference {
        m.insert("ref".into(), json!(reference));
    }
    Value::Object(m)
}

/// Put one source in `source` and several in `sources`, as ArgoCD expects.
pub fn set_sources(spec: &mut Map<String, Value>, mut sources: Vec<Value>) {
    if sources.len() == 1 {
        spec.insert("source".into(), sources.remove(0));
    } else {
        spec.insert("sources".into(), Value::Array(sources));
    }
}

/// What an AppProject must allow, gathered from the Applications in it.
#[derive(Debug, Default)]
pub struct ProjectScope {
    pub source_repos: BTreeSet<String>,
    pub destinations: BTreeSet<Destination>,
    /// Whether its Applications may create cluster-scoped objects of any kind.
    pub cluster_wide: bool,
    pub description: Option<String>,
}

pub fn app_project(
    name: &str,
    argocd_namespace: &str,
    labels: &[(&str, &str)],
    scope: &ProjectScope,
) -> Value {
    let mut spec = Map::new();
    if let Some(d) = &scope.description {
        spec.insert("description".into(), json!(d));
    }
    spec.insert("sourceRepos".into(), json!(scope.source_repos));
    spec.insert(
        "destinations".into(),
        Value::Array(
            scope
                .destinations
                .iter()
                .map(Destination::to_json)
                .collect(),
        ),
    );
    // Platform services install CRDs, ClusterRoles and webhooks; tenants only need the
    // namespace ArgoCD creates for them.
    let cluster = if scope.cluster_wide {
        json!([{"group": "*", "kind": "*"}])
    } else {
        json!([{"group": "", "kind": "Namespace"}])
    };
    spec.insert("clusterResourceWhitelist".into(), cluster);
    json!({
        "apiVersion": API_VERSION,
        "kind": "AppProject",
        "metadata": metadata(name, argocd_namespace, labels, &IndexMap::new(), Some(-1), &[]),
        "spec": Value::Object(spec),
    })
}
