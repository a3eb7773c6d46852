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
    /// Hand-written Applications, ApplicationSets and AppProjects included as they are
    /// (validated, linted and synced by the root), so a migration can be partial.
    #[serde(default)]
    pub passthrough: Vec<Passthrough>,
}

/// A hand-written Argo CD file the root Application syncs unchanged.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Passthrough {
    /// A YAML file of Applications, ApplicationSets or AppProjects, relative to the spec.
    pub path: String,
    /// The environments whose root includes it (default: all).
    #[serde(default)]
    pub environments: Option<Vec<String>>,
    /// Why it is not expressed in the spec (written by `platc import`).
    #[serde(default)]
    pub reason: Option<String>,
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
    /// Application names: a template of `{name}` (the component or tenant), `{env}` and
    /// `{project}`. Default: `{name}` in an environment with its own Argo CD
    /// (`ownArgocd: true`), else `{name}-{env}` so one Argo CD can hold several environments.
    #[serde(default)]
    pub application_name: Option<String>,
    /// Generated AppProject names: a template of `{project}` and `{env}`. Default:
    /// `{project}` in an environment with its own Argo CD, else `{project}-{env}`.
    #[serde(default)]
    pub project_name: Option<String>,
    /// The app-of-apps Application's name: a template of `{platform}` and `{env}`
    /// (default `{platform}-{env}`).
    #[serde(default)]
    pub root_name: Option<String>,
    /// The AppProject of the app-of-apps Application (default `default`).
    #[serde(default)]
    pub root_project: Option<String>,
    /// The app-of-apps Application's sync policy, instead of `syncPolicy` (unset fields take
    /// the defaults, not the platform's).
    #[serde(default)]
    pub root_sync_policy: Option<SyncPolicy>,
    /// Finalizers on the app-of-apps Application (default: none, so deleting it leaves the
    /// platform running).
    #[serde(default)]
    pub root_finalizers: Option<Vec<String>>,
    /// Render this repository's folders with platc's Config Management Plugin: Applications
    /// name it (`source.plugin`), so `platc generate` refuses stale trees, credentials and
    /// invalid objects before Argo CD applies them.
    #[serde(default)]
    pub plugin: Option<Plugin>,
}

/// The plugin mode: how Applications name platc's Config Management Plugin and where its
/// repo-server sidecar is installed.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Plugin {
    /// The plugin's name, as the sidecar announces it (default `platc`).
    #[serde(default = "default_plugin_name")]
    pub name: String,
    /// The component that installs Argo CD: platc adds the repo-server sidecar and the
    /// plugin's configuration to it (values for the argo-cd Helm chart, a Kustomize
    /// component for manifests).
    #[serde(default)]
    pub component: Option<String>,
    /// The sidecar's image: platc built from its Containerfile (needed with `component`).
    #[serde(default)]
    pub image: Option<String>,
}

fn default_plugin_name() -> String {
    "platc".into()
}

impl Default for ArgoCd {
    fn default() -> Self {
        ArgoCd {
            namespace: default_argocd_namespace(),
            project: default_project(),
            projects: IndexMap::new(),
            sync_policy: SyncPolicy::default(),
            finalizers: None,
            application_name: None,
            project_name: None,
            root_name: None,
            root_project: None,
            root_sync_policy: None,
            root_finalizers: None,
            plugin: None,
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
    /// The project exists outside this repository (Argo CD's `default`, or one another team
    /// manages): Applications name it as it is and platc generates nothing for it.
    #[serde(default)]
    pub external: bool,
    /// Destinations the project allows. For an external project, what the checks hold its
    /// Applications to; for a generated one, added to what its Applications use.
    #[serde(default)]
    pub destinations: Vec<Destination>,
    /// Source repositories the project allows (`*` for any), as for `destinations`.
    #[serde(default)]
    pub source_repos: Vec<String>,
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
    /// This environment has an Argo CD of its own: Applications and AppProjects keep their
    /// names (`{name}`, `{project}`) instead of taking the environment as a suffix.
    #[serde(default)]
    pub own_argocd: bool,
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
    /// A DNS label; the Application's name comes from `argocd.applicationName`.
    pub name: String,
    /// The Application's name, a template of `{name}`, `{env}` and `{project}` (default:
    /// `argocd.applicationName`).
    #[serde(default)]
    pub application_name: Option<String>,
    /// The namespace it deploys into (default: its name; empty: none, for an Application
    /// of cluster-scoped objects only).
    #[serde(default)]
    pub namespace: Option<String>,
    /// The AppProject (default: `argocd.project`).
    #[serde(default)]
    pub project: Option<String>,
    /// Components that must be synced first; they set the sync waves.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// The Argo CD sync wave (negative allowed). Default: one more than the highest wave of
    /// `dependsOn`, 0 without dependencies. It must sync after everything it depends on.
    #[serde(default)]
    pub sync_wave: Option<i64>,
    /// A Helm chart.
    #[serde(default)]
    pub helm: Option<Helm>,
    /// Several Helm charts deployed by one Application (after `helm`, in this order).
    #[serde(default)]
    pub charts: Vec<Helm>,
    /// Named git sources that value files read as `$name/path` (Argo CD's `ref`), besides
    /// this repository (plain paths).
    #[serde(default)]
    pub refs: IndexMap<String, RefSource>,
    /// A remote git path (a Kustomize base or a folder of manifests in another repository).
    #[serde(default)]
    pub git: Option<GitSource>,
    /// Local paths, relative to the spec: Kustomize folders, manifest folders or files.
    /// One folder with nothing to add is used in place (the Application points at it).
    #[serde(default)]
    pub resources: Vec<String>,
    /// How Argo CD reads a plain folder of manifests (non-recursive by default): the local
    /// folder, or the `git` path.
    #[serde(default)]
    pub directory: Option<Directory>,
    /// The git revision of the local sources (default: the environment's, else the repo's).
    #[serde(default)]
    pub revision: Option<String>,
    /// Kustomize patches applied to the local resources in every environment.
    #[serde(default)]
    pub patches: Vec<Patch>,
    /// Labels added to every object of the component.
    #[serde(default)]
    pub labels: IndexMap<String, String>,
    /// Annotations on the component's Application.
    #[serde(default)]
    pub annotations: IndexMap<String, String>,
    /// Labels on the component's Application (besides platc's own).
    #[serde(default)]
    pub application_labels: IndexMap<String, String>,
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
    /// The chart repository URL (https:// or oci://), or a git repository holding the chart
    /// at `path`. Default: this repository (a chart kept in it, at `path`).
    #[serde(default)]
    pub repo: Option<String>,
    /// The chart's name in a Helm repository.
    #[serde(default)]
    pub chart: Option<String>,
    /// The chart's folder in a git repository (relative to the spec for this repository).
    #[serde(default)]
    pub path: Option<String>,
    /// The exact chart version (a git revision for a chart in git; default for this
    /// repository: the environment's revision).
    #[serde(default)]
    pub version: Option<String>,
    /// The Helm release name (default: the component name when the Application's name comes
    /// from `argocd.applicationName` and differs from it, else Argo CD's default, the
    /// Application's name).
    #[serde(default)]
    pub release_name: Option<String>,
    /// Values files: paths relative to the spec (read from this repository), or
    /// `$ref/path` for a file in one of the component's `refs`.
    #[serde(default)]
    pub values: Vec<String>,
    /// Values written inline: a mapping (Argo CD's `valuesObject`) or a string (`values`).
    #[serde(default)]
    pub values_inline: Option<serde_json::Value>,
    /// Helm `--set` parameters.
    #[serde(default)]
    pub parameters: Vec<HelmParameter>,
    /// Skip the chart's CRDs.
    #[serde(default)]
    pub skip_crds: Option<bool>,
    /// Do not fail when a values file is missing.
    #[serde(default)]
    pub ignore_missing_value_files: Option<bool>,
    /// The name of the `ref` source through which this repository's values files are read
    /// (default `values`).
    #[serde(default)]
    pub values_ref: Option<String>,
    /// Further fields of Argo CD's `source.helm` passed through as they are (`passCredentials`,
    /// `skipTests`, `kubeVersion`, `apiVersions`, `namespace`, `fileParameters`...).
    #[serde(default)]
    pub options: IndexMap<String, serde_json::Value>,
}

/// A Helm `--set` parameter.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HelmParameter {
    pub name: String,
    pub value: String,
    /// Pass the value as a string even when it reads as a number or boolean.
    #[serde(default)]
    pub force_string: Option<bool>,
}

/// Another git repository a component's value files read (`$name/path`).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RefSource {
    /// The git URL (default: this repository).
    #[serde(default)]
    pub repo: Option<String>,
    /// Branch, tag or commit (default: the environment's revision for this repository).
    #[serde(default)]
    pub revision: Option<String>,
}

/// Argo CD's directory options for a plain folder of manifests.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Directory {
    /// Read sub-folders too (Argo CD reads only the folder itself by default).
    #[serde(default)]
    pub recurse: bool,
    /// A glob of file names to read, such as `*.yaml` or `{a.yaml,b.yaml}`.
    #[serde(default)]
    pub include: Option<String>,
    /// A glob of file names to leave out.
    #[serde(default)]
    pub exclude: Option<String>,
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
    /// The Application's name in this environment (a template, as `applicationName`).
    #[serde(default)]
    pub application_name: Option<String>,
    /// Extra values files for this environment.
    #[serde(default)]
    pub values: Vec<String>,
    /// Extra inline values for this environment (merged over the component's).
    #[serde(default)]
    pub values_inline: Option<serde_json::Value>,
    /// The chart version in this environment.
    #[serde(default)]
    pub version: Option<String>,
    /// The git revision in this environment (remote git components and local sources).
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
    /// The environments it applies to (default: all).
    #[serde(default)]
    pub environments: Option<Vec<String>>,
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

impl PatchTarget {
    /// The selector's fields as kustomize names them, set or not.
    pub fn fields(&self) -> [(&'static str, &Option<String>); 7] {
        [
            ("group", &self.group),
            ("version", &self.version),
            ("kind", &self.kind),
            ("name", &self.name),
            ("namespace", &self.namespace),
            ("labelSelector", &self.label_selector),
            ("annotationSelector", &self.annotation_selector),
        ]
    }
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
    /// Let an automated sync delete every object when git holds none (default false).
    #[serde(default)]
    pub allow_empty: Option<bool>,
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
    /// Rendered files that belong to another component, by component name (one Vault role
    /// per tenant added to the Vault configuration): they are listed in that component's
    /// kustomization, in the environments the instance runs in.
    #[serde(default)]
    pub contributes: IndexMap<String, Vec<String>>,
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
    /// A DNS label; the Application's name comes from `argocd.applicationName`.
    pub name: String,
    /// The Application's name, a template of `{name}`, `{env}` and `{project}`.
    #[serde(default)]
    pub application_name: Option<String>,
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
    /// The Argo CD sync wave (negative allowed), as for components.
    #[serde(default)]
    pub sync_wave: Option<i64>,
    #[serde(default)]
    pub sync_policy: Option<SyncPolicy>,
    /// Annotations on the tenant's Application (argocd-image-updater's, notifications...).
    #[serde(default)]
    pub annotations: IndexMap<String, String>,
    /// Labels on the tenant's Application (besides platc's own).
    #[serde(default)]
    pub application_labels: IndexMap<String, String>,
    /// Labels added to every object of the tenant.
    #[serde(default)]
    pub labels: IndexMap<String, String>,
    /// Kustomize patches over the rendered blueprint (each may name its environments).
    #[serde(default)]
    pub patches: Vec<Patch>,
    /// Finalizers on the Application (default: the platform's).
    #[serde(default)]
    pub finalizers: Option<Vec<String>>,
    /// ArgoCD `ignoreDifferences` entries, passed through.
    #[serde(default)]
    pub ignore_differences: Vec<serde_json::Value>,
    #[serde(default)]
    pub managed_namespace_metadata: Option<NamespaceMetadata>,
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
    /// Read the members file at sync time (an Argo CD git files generator): adding a member
    /// needs no `platc build`. The blueprint is then not rendered per member: the chart's
    /// values and names use the generator's `{{.name}}` and other member fields.
    #[serde(default)]
    pub members_at_runtime: bool,
    /// The generated Applications' names, an ApplicationSet template
    /// (default `<sandboxes name>-{{.name}}-<env>`).
    #[serde(default)]
    pub application_name: Option<String>,
    /// The Helm release name, an ApplicationSet template (default `{{.name}}`).
    #[serde(default)]
    pub release_name: Option<String>,
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
    /// The Argo CD sync wave (negative allowed), as for components.
    #[serde(default)]
    pub sync_wave: Option<i64>,
    #[serde(default)]
    pub sync_policy: Option<SyncPolicy>,
}

fn default_sandboxes_name() -> String {
    "sandboxes".into()
}

fn default_sandbox_prefix() -> String {
    "sandbox-".into()
}
