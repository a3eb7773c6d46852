//! The platform spec, as written in `platform/platform.yaml`.
//!
//! These types are the single source of truth: the loader deserializes them from the
//! positioned YAML tree, and `schemas/platform.schema.json` is generated from them so that
//! editors complete and check the spec.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const API_VERSION: &str = "platc.io/v1alpha1";
pub const KIND: &str = "Platform";

/// A platform: the environments it runs in and everything deployed to them.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Platform {
    /// Always `platc.io/v1alpha1`.
    #[schemars(extend("const" = "platc.io/v1alpha1"))]
    pub api_version: String,
    /// Always `Platform`.
    #[schemars(extend("const" = "Platform"))]
    pub kind: String,
    pub metadata: Metadata,
    pub spec: PlatformSpec,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Metadata {
    /// The platform's name, used in generated labels and the root Applications.
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PlatformSpec {
    /// The git repository ArgoCD reads this platform from.
    pub repo: Repo,
    #[serde(default)]
    pub argocd: ArgoCd,
    /// Where the platform runs: one generated overlay per environment.
    pub environments: Vec<Environment>,
    /// Platform services: Helm charts, local Kustomize bases or manifests, remote git paths.
    #[serde(default)]
    pub components: Vec<Component>,
    /// Folders of Jinja2 templates rendered once per tenant or sandbox member.
    #[serde(default)]
    pub blueprints: IndexMap<String, Blueprint>,
    /// Instances of a blueprint, each deployed as its own Application.
    #[serde(default)]
    pub tenants: Vec<Tenant>,
    /// Per-member sandboxes, deployed by one ApplicationSet per environment.
    #[serde(default)]
    pub sandboxes: Option<Sandboxes>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Repo {
    /// The clone URL ArgoCD uses for this repository.
    pub url: String,
    /// The branch, tag or commit ArgoCD tracks (default `main`).
    #[serde(default = "default_revision")]
    pub revision: String,
}

fn default_revision() -> String {
    "main".into()
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ArgoCd {
    /// The namespace ArgoCD runs in; every Application is created there (default `argocd`).
    #[serde(default = "default_argocd_namespace")]
    pub namespace: String,
    /// The AppProject components belong to unless they name another (default `platform`).
    #[serde(default = "default_project")]
    pub project: String,
    /// Further AppProjects that components, tenants and sandboxes may name.
    #[serde(default)]
    pub projects: IndexMap<String, Project>,
    /// Sync policy every Application starts from.
    #[serde(default)]
    pub sync_policy: SyncPolicy,
    /// Finalizers on every Application (default: the resources finalizer, so deleting an
    /// Application deletes what it deployed).
    #[serde(default)]
    pub finalizers: Option<Vec<String>>,
}

impl Default for ArgoCd {
    fn default() -> Self {
        ArgoCd {
            namespace: default_argocd_namespace(),
            project: default_project(),
            projects: IndexMap::new(),
            sync_policy: SyncPolicy::default(),
            finalizers: None,
        }
    }
}

fn default_argocd_namespace() -> String {
    "argocd".into()
}

fn default_project() -> String {
    "platform".into()
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Project {
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Environment {
    /// A DNS label: `prod`, `staging`.
    pub name: String,
    /// The API server URL Applications deploy to (default `https://kubernetes.default.svc`).
    #[serde(default)]
    pub server: Option<String>,
    /// Deploy to a cluster registered in ArgoCD by this name instead of a server URL.
    #[serde(default)]
    pub cluster: Option<String>,
    /// The Kubernetes minor version of the environment's cluster, such as "1.30".
    #[serde(default)]
    pub kubernetes_version: Option<String>,
    /// Whether this is a production environment (default: true for `prod` and `production`).
    #[serde(default)]
    pub production: Option<bool>,
    /// The git revision this environment's Applications track (default: the repo revision).
    #[serde(default)]
    pub revision: Option<String>,
}

impl Environment {
    pub fn is_production(&self) -> bool {
        self.production
            .unwrap_or(matches!(self.name.as_str(), "prod" | "production"))
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Component {
    /// A DNS label; the Application is named `<name>-<environment>`.
    pub name: String,
    /// The namespace it deploys into (default: its name).
    #[serde(default)]
    pub namespace: Option<String>,
    /// The AppProject (default: `argocd.project`).
    #[serde(default)]
    pub project: Option<String>,
    /// Components that must be synced first; they set the sync waves.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// A Helm chart.
    #[serde(default)]
    pub helm: Option<Helm>,
    /// A remote git path (a Kustomize base or a folder of manifests in another repository).
    #[serde(default)]
    pub git: Option<GitSource>,
    /// Local paths, relative to the spec: Kustomize folders, manifest folders or files.
    #[serde(default)]
    pub resources: Vec<String>,
    /// Kustomize patches applied to the local resources in every environment.
    #[serde(default)]
    pub patches: Vec<Patch>,
    /// Labels added to every object of the component.
    #[serde(default)]
    pub labels: IndexMap<String, String>,
    /// Annotations on the component's Application.
    #[serde(default)]
    pub annotations: IndexMap<String, String>,
    /// Overrides of the platform's sync policy.
    #[serde(default)]
    pub sync_policy: Option<SyncPolicy>,
    /// Labels and annotations ArgoCD puts on the namespace it creates (for example the
    /// pod-security `privileged` level storage drivers need).
    #[serde(default)]
    pub managed_namespace_metadata: Option<NamespaceMetadata>,
    /// ArgoCD `ignoreDifferences` entries, passed through.
    #[serde(default)]
    pub ignore_differences: Vec<serde_json::Value>,
    /// Finalizers on the Application (default: the platform's).
    #[serde(default)]
    pub finalizers: Option<Vec<String>>,
    /// Per-environment overrides, by environment name.
    #[serde(default)]
    pub environments: IndexMap<String, ComponentOverride>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Helm {
    /// The chart repository URL (https:// or oci://).
    pub repo: String,
    pub chart: String,
    /// The exact chart version.
    pub version: String,
    /// The Helm release name (default: the component name).
    #[serde(default)]
    pub release_name: Option<String>,
    /// Values files, relative to the spec.
    #[serde(default)]
    pub values: Vec<String>,
    /// Values written inline.
    #[serde(default)]
    pub values_inline: Option<serde_json::Value>,
    /// Skip the chart's CRDs.
    #[serde(default)]
    pub skip_crds: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GitSource {
    pub repo: String,
    pub path: String,
    /// Branch, tag or commit (pin a tag or commit).
    pub revision: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ComponentOverride {
    /// Set false to leave the component out of this environment.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Extra values files for this environment.
    #[serde(default)]
    pub values: Vec<String>,
    /// Extra inline values for this environment (merged over the component's).
    #[serde(default)]
    pub values_inline: Option<serde_json::Value>,
    /// The chart version in this environment.
    #[serde(default)]
    pub version: Option<String>,
    /// The git revision in this environment (remote git components).
    #[serde(default)]
    pub revision: Option<String>,
    /// Extra local resources for this environment.
    #[serde(default)]
    pub resources: Vec<String>,
    /// Extra patches for this environment.
    #[serde(default)]
    pub patches: Vec<Patch>,
    /// Extra labels for this environment.
    #[serde(default)]
    pub labels: IndexMap<String, String>,
    /// Where to deploy in this environment.
    #[serde(default)]
    pub destination: Option<Destination>,
    /// Sync policy overrides for this environment.
    #[serde(default)]
    pub sync_policy: Option<SyncPolicy>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Destination {
    #[serde(default)]
    pub server: Option<String>,
    /// A cluster registered in ArgoCD, by name.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
}

/// A Kustomize patch: a file or inline text, optionally with a target selector.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Patch {
    /// A patch file, relative to the spec.
    #[serde(default)]
    pub path: Option<String>,
    /// An inline strategic-merge or JSON6902 patch.
    #[serde(default)]
    pub patch: Option<String>,
    #[serde(default)]
    pub target: Option<PatchTarget>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PatchTarget {
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub label_selector: Option<String>,
    #[serde(default)]
    pub annotation_selector: Option<String>,
}

/// ArgoCD sync behaviour. Unset fields inherit from the level above
/// (platform, then component, then environment).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SyncPolicy {
    /// Sync automatically when git changes (default true).
    #[serde(default)]
    pub automated: Option<bool>,
    /// Delete objects removed from git (default true).
    #[serde(default)]
    pub prune: Option<bool>,
    /// Revert changes made in the cluster (default true).
    #[serde(default)]
    pub self_heal: Option<bool>,
    /// Let ArgoCD create the destination namespace (default true).
    #[serde(default)]
    pub create_namespace: Option<bool>,
    /// Apply with server-side apply (needed for very large CRDs).
    #[serde(default)]
    pub server_side_apply: Option<bool>,
    /// Further ArgoCD sync options, such as `PruneLast=true`.
    #[serde(default)]
    pub sync_options: Option<Vec<String>>,
    #[serde(default)]
    pub retry: Option<Retry>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Retry {
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub backoff: Option<Backoff>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Backoff {
    #[serde(default)]
    pub duration: Option<String>,
    #[serde(default)]
    pub factor: Option<i64>,
    #[serde(default)]
    pub max_duration: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NamespaceMetadata {
    #[serde(default)]
    pub labels: IndexMap<String, String>,
    #[serde(default)]
    pub annotations: IndexMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Blueprint {
    /// The folder of templates, relative to the spec. Every file in it is rendered; a
    /// `.j2` suffix is dropped, and the path itself may be a template.
    pub path: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The parameters each instance gives.
    #[serde(default)]
    pub params: IndexMap<String, Param>,
    /// Rendered files that are Helm values rather than manifests.
    #[serde(default)]
    pub values_files: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Param {
    #[serde(default, rename = "type")]
    pub kind: ParamType,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub default: Option<serde_json::Value>,
    #[serde(default)]
    pub description: Option<String>,
    /// Minimum length of a string value.
    #[serde(default)]
    pub min_length: Option<usize>,
    /// Maximum length of a string value.
    #[serde(default)]
    pub max_length: Option<usize>,
    /// A regular expression the whole value must match.
    #[serde(default)]
    pub pattern: Option<String>,
    /// No two instances may give the same value (a hostname, a database name).
    #[serde(default)]
    pub unique: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ParamType {
    #[default]
    String,
    Int,
    Bool,
    /// An RFC 1123 label: lowercase letters, digits and `-`, at most 63 characters.
    DnsLabel,
    /// A fully qualified domain name.
    Fqdn,
}

impl ParamType {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Int => "int",
            ParamType::Bool => "bool",
            ParamType::DnsLabel => "dns-label",
            ParamType::Fqdn => "fqdn",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Tenant {
    /// A DNS label; the Application is named `<name>-<environment>`.
    pub name: String,
    pub blueprint: String,
    #[serde(default)]
    pub params: IndexMap<String, serde_json::Value>,
    /// The namespace it deploys into (default: its name).
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub project: Option<String>,
    /// The environments it runs in (default: all).
    #[serde(default)]
    pub environments: Option<Vec<String>>,
    #[serde(default)]
    pub depends_on: Vec<String>,
    #[serde(default)]
    pub sync_policy: Option<SyncPolicy>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Sandboxes {
    /// The ApplicationSet's name (default `sandboxes`).
    #[serde(default = "default_sandboxes_name")]
    pub name: String,
    /// Rendered once per member. Its `name` parameter is the member's name.
    pub blueprint: String,
    /// A YAML file listing the members: `- {name: alice, ...params}`.
    pub members: String,
    /// Each member's namespace is this prefix and the member's name (default `sandbox-`).
    #[serde(default = "default_sandbox_prefix")]
    pub namespace_prefix: String,
    /// A Helm chart deployed per member (for example vcluster) with the blueprint's
    /// rendered values files.
    #[serde(default)]
    pub helm: Option<Helm>,
    #[serde(default)]
    pub project: Option<String>,
    /// The environments it runs in (default: all).
    #[serde(default)]
    pub environments: Option<Vec<String>>,
    #[serde(default)]
    pub depends_on: Vec<String>,
    #[serde(default)]
    pub sync_policy: Option<SyncPolicy>,
}

fn default_sandboxes_name() -> String {
    "sandboxes".into()
}

fn default_sandbox_prefix() -> String {
    "sandbox-".into()
}
