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
    /// A destination written in the spec (an AppProject's), the environment's cluster when it
    /// names none, any namespace when it names none.
    pub fn declared(d: &crate::spec::Destination, env: &Environment) -> Destination {
        let cluster = match (&d.server, &d.name) {
            (Some(s), _) => Cluster::Server(s.clone()),
            (None, Some(n)) => Cluster::Name(n.clone()),
            (None, None) => Cluster::of(env),
        };
        Destination {
            cluster,
            namespace: d.namespace.clone().unwrap_or_else(|| "*".into()),
        }
    }

    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        match &self.cluster {
            Cluster::Server(s) => m.insert("server".into(), json!(s)),
            Cluster::Name(n) => m.insert("name".into(), json!(n)),
        };
        // An Application may name no namespace (only cluster-scoped objects); an
        // AppProject's destination always names one.
        if !self.namespace.is_empty() {
            m.insert("namespace".into(), json!(self.namespace));
        }
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
    metadata_with(
        name,
        namespace,
        labels,
        &IndexMap::new(),
        annotations,
        wave,
        finalizers,
    )
}

/// [`metadata`] with labels of the user's besides platc's own. A wave of 0 is left out: it
/// is Argo CD's default, and repositories that adopt platc rarely write it.
pub fn metadata_with(
    name: &str,
    namespace: &str,
    labels: &[(&str, &str)],
    more_labels: &IndexMap<String, String>,
    annotations: &IndexMap<String, String>,
    wave: Option<i64>,
    finalizers: &[String],
) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    m.insert("namespace".into(), json!(namespace));
    let mut label_map: Map<String, Value> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    for (k, v) in more_labels {
        label_map.insert(k.clone(), json!(v));
    }
    m.insert("labels".into(), Value::Object(label_map));
    let mut ann = Map::new();
    if let Some(wave) = wave.filter(|w| *w != 0) {
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

/// One chart source of a Helm Application. `chart_ref` is where the chart comes from
/// (`repoURL`, and `chart` or `path`); everything else goes under `helm`, left out when empty.
pub struct ChartSource<'a> {
    pub repo_url: &'a str,
    pub chart: Option<&'a str>,
    pub path: Option<&'a str>,
    pub version: &'a str,
    pub release: Option<&'a str>,
    pub value_files: &'a [String],
    pub values: Option<&'a Value>,
}

impl ChartSource<'_> {
    pub fn to_json(&self, helm: &Helm) -> Value {
        let mut h = Map::new();
        if let Some(release) = self.release {
            h.insert("releaseName".into(), json!(release));
        }
        if !self.value_files.is_empty() {
            h.insert("valueFiles".into(), json!(self.value_files));
        }
        if helm.ignore_missing_value_files == Some(true) {
            h.insert("ignoreMissingValueFiles".into(), json!(true));
        }
        match self.values {
            Some(Value::String(text)) if !text.is_empty() => {
                h.insert("values".into(), json!(text));
            }
            Some(values @ Value::Object(o)) if !o.is_empty() => {
                h.insert("valuesObject".into(), values.clone());
            }
            _ => {}
        }
        if !helm.parameters.is_empty() {
            let params: Vec<Value> = helm
                .parameters
                .iter()
                .map(|p| {
                    let mut m = Map::new();
                    m.insert("name".into(), json!(p.name));
                    m.insert("value".into(), json!(p.value));
                    if let Some(force) = p.force_string {
                        m.insert("forceString".into(), json!(force));
                    }
                    Value::Object(m)
                })
                .collect();
            h.insert("parameters".into(), Value::Array(params));
        }
        if let Some(skip) = helm.skip_crds {
            h.insert("skipCrds".into(), json!(skip));
        }
        for (k, v) in &helm.options {
            h.insert(k.clone(), v.clone());
        }
        let mut m = Map::new();
        m.insert("repoURL".into(), json!(self.repo_url));
        if let Some(chart) = self.chart {
            m.insert("chart".into(), json!(chart));
        }
        if let Some(path) = self.path {
            m.insert("path".into(), json!(path));
        }
        m.insert("targetRevision".into(), json!(self.version));
        if !h.is_empty() {
            m.insert("helm".into(), Value::Object(h));
        }
        Value::Object(m)
    }
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
    wave: i64,
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
        "metadata": metadata(name, argocd_namespace, labels, &IndexMap::new(), Some(wave), &[]),
        "spec": Value::Object(spec),
    })
}
