//! Spec -> generated tree: kustomizations, Applications, AppProjects, ApplicationSets, and
//! rendered blueprints.
//!
//! Layout of the tree, per environment `E`:
//!
//! ```text
//! overlays/E/kustomization.yaml          the root: lists root.yaml, projects/ and apps/
//! overlays/E/root.yaml                   the app-of-apps Application (syncs overlays/E)
//! overlays/E/projects/<project>.yaml     AppProjects, scoped to what their apps use
//! overlays/E/apps/<name>.yaml            one Application per component and tenant,
//!                                        one ApplicationSet for the sandboxes
//! overlays/E/components/<name>/          kustomization of a component's local resources
//! overlays/base/components/<name>/       manifests copied from the spec (kustomize only
//!                                        reads files below a kustomization's folder)
//! overlays/base/tenants/<name>/          a tenant's rendered blueprint
//! overlays/base/sandboxes/<member>/      a member's rendered blueprint
//! ```

pub mod argocd;
pub mod blueprint;
mod budget;
mod component;
pub mod kustomize;
pub mod paths;
pub mod plugin;
mod sandbox;
pub mod sync;
mod tenant;

use std::collections::BTreeMap;

use indexmap::IndexMap;
use rayon::prelude::*;
use serde_json::{Map, Value, json};

use crate::report::Finding;
use crate::spec::{Directory, Environment, Spec, names};
use crate::tree::Tree;
use crate::yaml::emit::to_yaml;
use argocd::{Destination, ProjectScope};
use blueprint::{Rendered, Templates};
use paths::BASE;
pub use paths::OUT_DIR;

/// Compile a loaded spec into the generated tree.
pub fn compile(spec: &Spec) -> Result<Tree, Vec<Finding>> {
    let mut c = Compiler {
        spec,
        tree: Tree::default(),
        findings: Vec::new(),
        contributions: BTreeMap::new(),
    };
    let rendered = c.render_blueprints();
    c.copy_component_manifests();
    for env in &spec.platform.spec.environments {
        c.environment(env, &rendered);
    }
    c.plugin_sidecar();
    // The Argo CD plugin's discovery claims a repository only where this marker is.
    let marker = crate::cmp::plugin::marker_body(&spec.platform.metadata.name);
    c.add(
        crate::cmp::plugin::MARKER.to_string(),
        &spec.file.clone(),
        &marker,
    );
    if c.findings.is_empty() {
        c.findings = budget::check_tree(&c.tree, &spec.file);
    }
    if c.findings.is_empty() {
        Ok(c.tree)
    } else {
        Err(blueprint::merge_instances(c.findings))
    }
}

struct Compiler<'a> {
    spec: &'a Spec,
    tree: Tree,
    findings: Vec<Finding>,
    /// Folders of files tenants' blueprints contribute to other components, by component:
    /// (tenant index, repo-relative folder with its kustomization).
    contributions: BTreeMap<String, Vec<(usize, String)>>,
}

/// Blueprint output per tenant and per member.
#[derive(Default)]
struct RenderedInstances {
    /// Whether each tenant's rendered folder has manifests (besides values files).
    tenants: Vec<bool>,
    /// Whether the members' folders have manifests.
    members_have_manifests: bool,
}

/// Labels on every object platc creates in the ArgoCD namespace.
fn labels<'a>(platform: &'a str, env: &'a str, part: &'a str) -> [(&'a str, &'a str); 4] {
    [
        ("app.kubernetes.io/managed-by", "platc"),
        ("platc.io/platform", platform),
        ("platc.io/environment", env),
        ("platc.io/part", part),
    ]
}

fn deep_merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(existing) => deep_merge(existing, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

impl<'a> Compiler<'a> {
    fn add(&mut self, path: String, source: &str, body: &str) {
        if let Err(e) = self.tree.add(path, source, body) {
            self.findings
                .push(Finding::error("spec/output-conflict", e).at(self.spec.file.clone(), None));
        }
    }

    fn add_yaml(&mut self, path: String, value: &Value) {
        let source = self.spec.file.clone();
        self.add(path, &source, &to_yaml(value));
    }

    fn render_blueprints(&mut self) -> RenderedInstances {
        let spec = self.spec;
        let p = &spec.platform.spec;
        let mut out = RenderedInstances::default();
        let mut templates: BTreeMap<&str, Templates> = BTreeMap::new();
        let used = p
            .tenants
            .iter()
            .map(|t| t.blueprint.as_str())
            .chain(p.sandboxes.iter().map(|s| s.blueprint.as_str()));
        for name in used {
            if templates.contains_key(name) {
                continue;
            }
            let bp = &p.blueprints[name];
            match Templates::load(&spec.root, &spec.repo_path(&bp.path)) {
                Ok(t) => {
                    templates.insert(name, t);
                }
                Err(f) => self.findings.push(*f),
            }
        }
        // Render every instance in parallel: templates are parsed once and shared.
        let budget = budget::RenderBudget::default();
        let tenant_results: Vec<Result<Vec<Rendered>, Box<Finding>>> = p
            .tenants
            .par_iter()
            .zip(spec.tenant_params.par_iter())
            .map(|(t, params)| {
                let Some(tpl) = templates.get(t.blueprint.as_str()) else {
                    return Ok(Vec::new());
                };
                let mut ctx = params.clone();
                ctx.insert("name".into(), json!(t.name));
                ctx.insert(
                    "namespace".into(),
                    json!(t.namespace.as_deref().unwrap_or(&t.name)),
                );
                if budget.spent() {
                    return Ok(Vec::new());
                }
                let instance = format!("tenant `{}`", t.name);
                let files = tpl.render_for(&p.blueprints[&t.blueprint], &ctx, &instance)?;
                budget.charge(files, &instance, &spec.file)
            })
            .collect();
        for (i, (t, result)) in p.tenants.iter().zip(tenant_results).enumerate() {
            match result {
                Ok(mut files) => {
                    let bp = &p.blueprints[&t.blueprint];
                    // Files for other components leave the tenant's folder for their own.
                    for (component, contributed) in &bp.contributes {
                        let (theirs, ours): (Vec<Rendered>, Vec<Rendered>) = files
                            .into_iter()
                            .partition(|f| contributed.contains(&f.path));
                        files = ours;
                        let dir = format!("{OUT_DIR}/{BASE}/contributions/{component}/{}", t.name);
                        let namespace = self
                            .spec
                            .platform
                            .spec
                            .components
                            .iter()
                            .find(|c| &c.name == component)
                            .map(|c| c.namespace.clone().unwrap_or_else(|| c.name.clone()));
                        if self.instance_files(&dir, &theirs, &[], namespace.as_deref()) {
                            self.contributions
                                .entry(component.clone())
                                .or_default()
                                .push((i, dir));
                        }
                    }
                    let dir = format!("{OUT_DIR}/{BASE}/tenants/{}", t.name);
                    let namespace = t.namespace.as_deref().unwrap_or(&t.name);
                    let has = self.instance_files(&dir, &files, &bp.values_files, Some(namespace));
                    out.tenants.push(has);
                }
                Err(f) => {
                    self.findings.push(*f);
                    out.tenants.push(false);
                }
            }
        }
        // Members read at sync time get no per-member files: the ApplicationSet templates
        // them from the members file.
        if let Some(s) = p.sandboxes.as_ref().filter(|s| !s.members_at_runtime)
            && let Some(tpl) = templates.get(s.blueprint.as_str())
        {
            let bp = &p.blueprints[&s.blueprint];
            let results: Vec<Result<Vec<Rendered>, Box<Finding>>> = spec
                .members
                .par_iter()
                .map(|params| {
                    let mut ctx = params.clone();
                    let name = params
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    ctx.insert(
                        "namespace".into(),
                        json!(format!("{}{name}", s.namespace_prefix)),
                    );
                    if budget.spent() {
                        return Ok(Vec::new());
                    }
                    let instance = format!("member `{name}`");
                    let files = tpl.render_for(bp, &ctx, &instance)?;
                    budget.charge(files, &instance, &spec.file)
                })
                .collect();
            for (params, result) in spec.members.iter().zip(results) {
                let name = params
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                match result {
                    Ok(files) => {
                        let dir = format!("{OUT_DIR}/{BASE}/sandboxes/{name}");
                        out.members_have_manifests |=
                            self.instance_files(&dir, &files, &bp.values_files, None);
                        for vf in &bp.values_files {
                            if !files.iter().any(|f| &f.path == vf) {
                                self.findings.push(
                                        Finding::error("spec/template", format!("the blueprint `{}` declares the values file `{vf}`, but no template renders it for `{name}`", s.blueprint))
                                            .at(spec.file.clone(), None),
                                    );
                            }
                        }
                    }
                    Err(f) => self.findings.push(*f),
                }
            }
        }
        out
    }

    /// Write one instance's rendered files and the kustomization listing its manifests (or
    /// the blueprint's own kustomization, which then decides what is a resource). Returns
    /// whether there is anything to deploy.
    fn instance_files(
        &mut self,
        dir: &str,
        files: &[Rendered],
        values_files: &[String],
        namespace: Option<&str>,
    ) -> bool {
        let own_kustomization = files
            .iter()
            .any(|f| crate::kustomize::NAMES.contains(&f.path.as_str()));
        let mut resources = Vec::new();
        for f in files {
            // A template can decide to render nothing (`{% if %}` around the whole file):
            // then there is no file, rather than an empty resource.
            if crate::yaml::parse_stream(&f.text)
                .is_ok_and(|s| s.documents.iter().all(crate::yaml::Node::is_null))
            {
                continue;
            }
            let mut text = f.text.clone();
            if !text.ends_with('\n') {
                text.push('\n');
            }
            self.add(format!("{dir}/{}", f.path), &f.template, &text);
            if !values_files.contains(&f.path) && blueprint::is_yaml(&f.path) {
                resources.push(f.path.clone());
            }
        }
        if own_kustomization {
            return true;
        }
        if resources.is_empty() {
            return false;
        }
        let k = kustomize::kustomization(namespace, &resources, &IndexMap::new(), Vec::new());
        self.add_yaml(format!("{dir}/kustomization.yaml"), &k);
        true
    }

    /// Copy plain manifests (files, folders without a kustomization) into the tree. Returns
    /// the repo-relative folder they were copied into, if any.
    fn copy_manifests(
        &mut self,
        dir: &str,
        entries: &[String],
        directory: Option<&Directory>,
    ) -> bool {
        let spec = self.spec;
        let mut resources = Vec::new();
        for entry in entries {
            let rel = spec.repo_path(entry);
            if crate::confine::is_dir(&spec.root.join(&rel))
                && kustomize::is_kustomize_dir(&spec.root, &rel)
            {
                continue;
            }
            for (file, under) in kustomize::manifest_files(&spec.root, &rel, directory) {
                match crate::confine::read_to_string(&spec.root, &file) {
                    Ok(text) => {
                        let mut text = text;
                        if !text.ends_with('\n') {
                            text.push('\n');
                        }
                        self.add(format!("{dir}/{under}"), &file, &text);
                        resources.push(under);
                    }
                    Err(e) => self.findings.push(
                        Finding::error("spec/unreadable", format!("cannot read the manifest: {e}"))
                            .at(file, None),
                    ),
                }
            }
        }
        if resources.is_empty() {
            return false;
        }
        let k = kustomize::kustomization(None, &resources, &IndexMap::new(), Vec::new());
        self.add_yaml(format!("{dir}/kustomization.yaml"), &k);
        true
    }

    /// Copy the plain manifests of components that some environment does not use in place.
    fn copy_component_manifests(&mut self) {
        let p = &self.spec.platform.spec;
        for c in &p.components {
            let copied_somewhere = p.environments.iter().any(|env| {
                let enabled = c.environments.get(&env.name).and_then(|o| o.enabled) != Some(false);
                enabled && self.in_place(c, &env.name).is_none()
            });
            if copied_somewhere {
                let dir = format!("{OUT_DIR}/{BASE}/components/{}", c.name);
                self.copy_manifests(&dir, &c.resources, c.directory.as_ref());
            }
        }
    }

    fn environment(&mut self, env: &Environment, rendered: &RenderedInstances) {
        let spec = self.spec;
        let p = &spec.platform.spec;
        let argocd = &p.argocd;
        let mut cx = EnvContext {
            env,
            dir: format!("{OUT_DIR}/{}", env.name),
            revision: env.revision.as_deref().unwrap_or(&p.repo.revision),
            projects: BTreeMap::new(),
            apps: Vec::new(),
            lowest_wave: 0,
        };
        if !names::is_external_project(argocd, &argocd.project) {
            cx.projects
                .entry(argocd.project.clone())
                .or_default()
                .cluster_wide = true;
        }
        for c in &p.components {
            self.component(&mut cx, c);
        }
        for (i, t) in p.tenants.iter().enumerate() {
            if rendered.tenants.get(i).copied().unwrap_or(false) {
                self.tenant(&mut cx, t);
            }
        }
        if let Some(s) = &p.sandboxes {
            self.sandboxes(&mut cx, s, rendered.members_have_manifests);
        }
        for entry in &p.passthrough {
            let included = entry
                .environments
                .as_ref()
                .is_none_or(|envs| envs.contains(&env.name));
            if included {
                self.passthrough(&mut cx, &entry.path);
            }
        }
        self.projects_and_root(cx);
    }

    /// A hand-written Argo CD file, copied as it is into the environment's root.
    fn passthrough(&mut self, cx: &mut EnvContext, path: &str) {
        let rel = self.spec.repo_path(path);
        match crate::confine::read_to_string(&self.spec.root, &rel) {
            Ok(mut text) => {
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                let under = format!("passthrough/{rel}");
                self.add(format!("{}/{under}", cx.dir), &rel, &text);
                cx.apps.push(under);
            }
            Err(e) => self.findings.push(
                Finding::error("spec/unreadable", format!("cannot read the file: {e}"))
                    .at(rel, None),
            ),
        }
    }

    /// The environment's AppProjects (scoped to what its Applications use) and its
    /// app-of-apps root.
    fn projects_and_root(&mut self, cx: EnvContext) {
        let spec = self.spec;
        let p = &spec.platform.spec;
        let argocd = &p.argocd;
        let platform = spec.platform.metadata.name.as_str();
        let env = cx.env;
        // Projects sync before every Application that names them.
        let project_wave = cx.lowest_wave.min(0) - 1;
        let mut resources = vec!["root.yaml".to_string()];
        for (name, mut scope) in cx.projects {
            if scope.destinations.is_empty() {
                continue;
            }
            if let Some(declared) = argocd.projects.get(&name) {
                scope.description = declared.description.clone();
                scope
                    .source_repos
                    .extend(declared.source_repos.iter().cloned());
                for d in &declared.destinations {
                    scope.destinations.insert(Destination::declared(d, env));
                }
            }
            let object = argocd::app_project(
                &names::project(&spec.platform, env, &name),
                &argocd.namespace,
                &labels(platform, &env.name, &name),
                &scope,
                project_wave,
            );
            self.add_yaml(format!("{}/projects/{name}.yaml", cx.dir), &object);
            resources.push(format!("projects/{name}.yaml"));
        }
        let mut apps = cx.apps;
        apps.sort();
        resources.extend(apps);

        // The app-of-apps: it syncs this folder, itself included, into ArgoCD's cluster.
        let mut root_spec = Map::new();
        root_spec.insert(
            "project".into(),
            json!(
                argocd
                    .root_project
                    .as_deref()
                    .unwrap_or(names::DEFAULT_PROJECT)
            ),
        );
        root_spec.insert(
            "destination".into(),
            json!({"server": argocd::IN_CLUSTER, "namespace": argocd.namespace}),
        );
        root_spec.insert(
            "source".into(),
            argocd::repo_source(&p.repo.url, cx.revision, Some(&cx.dir), None),
        );
        self.name_plugin(&mut root_spec, &env.name, "root");
        let root_policy = argocd
            .root_sync_policy
            .as_ref()
            .unwrap_or(&argocd.sync_policy);
        sync::insert(&mut root_spec, &sync::merge(&[Some(root_policy)]), None);
        let root_finalizers = argocd.root_finalizers.clone().unwrap_or_default();
        let root = json!({
            "apiVersion": argocd::API_VERSION,
            "kind": "Application",
            "metadata": argocd::metadata(&names::root(&spec.platform, env), &argocd.namespace, &labels(platform, &env.name, "root"), &IndexMap::new(), None, &root_finalizers),
            "spec": Value::Object(root_spec),
        });
        self.add_yaml(format!("{}/root.yaml", cx.dir), &root);
        let k = kustomize::kustomization(None, &resources, &IndexMap::new(), Vec::new());
        self.add_yaml(format!("{}/kustomization.yaml", cx.dir), &k);
    }
}

/// What an Application's metadata holds besides its name, for [`Compiler::application`].
struct AppMeta<'m> {
    /// The component or tenant it deploys (its file is `apps/<part>.yaml`).
    part: &'m str,
    labels: &'m IndexMap<String, String>,
    annotations: &'m IndexMap<String, String>,
    finalizers: &'m [String],
    /// What the spec's sync policy, namespace metadata and ignoreDifferences add to `spec`.
    policy: &'m crate::spec::SyncPolicy,
    namespace_metadata: Option<&'m crate::spec::NamespaceMetadata>,
    ignore_differences: &'m [Value],
}

impl Compiler<'_> {
    /// Write one Application of an environment and list it in the root.
    fn application(
        &mut self,
        cx: &mut EnvContext,
        name: &str,
        meta: AppMeta,
        mut spec: Map<String, Value>,
    ) {
        sync::insert(&mut spec, meta.policy, meta.namespace_metadata);
        self.name_plugin(&mut spec, &cx.env.name, meta.part);
        if !meta.ignore_differences.is_empty() {
            spec.insert("ignoreDifferences".into(), json!(meta.ignore_differences));
        }
        let s = self.spec;
        let wave = s.waves[meta.part];
        cx.lowest_wave = cx.lowest_wave.min(wave);
        let platform = s.platform.metadata.name.as_str();
        let app = json!({
            "apiVersion": argocd::API_VERSION,
            "kind": "Application",
            "metadata": argocd::metadata_with(name, &s.platform.spec.argocd.namespace, &labels(platform, &cx.env.name, meta.part), meta.labels, meta.annotations, Some(wave), meta.finalizers),
            "spec": Value::Object(spec),
        });
        self.add_yaml(format!("{}/apps/{}.yaml", cx.dir, meta.part), &app);
        cx.apps.push(format!("apps/{}.yaml", meta.part));
    }
}

impl<'a> Compiler<'a> {
    /// In plugin mode, name the plugin in the Application's sources of this repository.
    fn name_plugin(&self, spec: &mut Map<String, Value>, env: &str, part: &str) {
        let p = &self.spec.platform.spec;
        if let Some(plugin) = &p.argocd.plugin {
            plugin::name_plugin(spec, &p.repo.url, plugin, env, part);
        }
    }

    /// The plugin's component and image, when the plugin mode installs the sidecar.
    fn plugin_component(
        &self,
    ) -> Option<(&'a crate::spec::Plugin, &'a crate::spec::Component, &'a str)> {
        let p = &self.spec.platform.spec;
        let plugin = p.argocd.plugin.as_ref()?;
        let name = plugin.component.as_deref()?;
        let c = p.components.iter().find(|c| c.name == name)?;
        Some((plugin, c, plugin.image.as_deref()?))
    }

    /// The sidecar's Kustomize component, for an Argo CD installed from manifests (the spec
    /// checks made sure the plugin's component and image exist).
    fn plugin_sidecar(&mut self) {
        if let Some((plugin, c, image)) = self.plugin_component()
            && c.helm.is_none()
        {
            for (path, value) in plugin::sidecar_component(plugin, image) {
                self.add_yaml(path, &value);
            }
        }
    }
}

/// What one environment's Applications gather as they are compiled.
struct EnvContext<'e> {
    env: &'e Environment,
    /// `overlays/<env>`.
    dir: String,
    /// The git revision this environment tracks.
    revision: &'e str,
    /// Generated AppProjects by spec name, with what their Applications use.
    projects: BTreeMap<String, ProjectScope>,
    /// Files of the root kustomization besides root.yaml and projects, relative to `dir`.
    apps: Vec<String>,
    /// The lowest sync wave of an Application, so that projects sync before it.
    lowest_wave: i64,
}
