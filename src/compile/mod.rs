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
pub mod kustomize;
pub mod paths;
pub mod sync;

use std::collections::BTreeMap;

use indexmap::IndexMap;
use rayon::prelude::*;
use serde_json::{Map, Value, json};

use crate::report::Finding;
use crate::spec::{Component, Environment, Spec};
use crate::tree::Tree;
use crate::yaml::emit::to_yaml;
use argocd::{Cluster, Destination, ProjectScope};
use blueprint::{Rendered, Templates};
pub use paths::OUT_DIR;
use paths::{BASE, relative};

/// Compile a loaded spec into the generated tree.
pub fn compile(spec: &Spec) -> Result<Tree, Vec<Finding>> {
    let mut c = Compiler {
        spec,
        tree: Tree::default(),
        findings: Vec::new(),
    };
    let rendered = c.render_blueprints();
    c.copy_component_manifests();
    for env in &spec.platform.spec.environments {
        c.environment(env, &rendered);
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
                tpl.render_for(
                    &p.blueprints[&t.blueprint],
                    &ctx,
                    &format!("tenant `{}`", t.name),
                )
            })
            .collect();
        for (t, result) in p.tenants.iter().zip(tenant_results) {
            match result {
                Ok(files) => {
                    let bp = &p.blueprints[&t.blueprint];
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
        if let Some(s) = &p.sandboxes
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
                    tpl.render_for(bp, &ctx, &format!("member `{name}`"))
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

    /// Write one instance's rendered files and the kustomization listing its manifests.
    /// Returns whether there are manifests.
    fn instance_files(
        &mut self,
        dir: &str,
        files: &[Rendered],
        values_files: &[String],
        namespace: Option<&str>,
    ) -> bool {
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
            if !values_files.contains(&f.path) {
                resources.push(f.path.clone());
            }
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
    fn copy_manifests(&mut self, dir: &str, entries: &[String]) -> bool {
        let spec = self.spec;
        let mut resources = Vec::new();
        for entry in entries {
            let rel = spec.repo_path(entry);
            if spec.root.join(&rel).is_dir() && kustomize::is_kustomize_dir(&spec.root, &rel) {
                continue;
            }
            for (file, under) in kustomize::manifest_files(&spec.root, &rel) {
                match std::fs::read_to_string(spec.root.join(&file)) {
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

    fn copy_component_manifests(&mut self) {
        for c in &self.spec.platform.spec.components {
            let dir = format!("{OUT_DIR}/{BASE}/components/{}", c.name);
            self.copy_manifests(&dir, &c.resources);
        }
    }

    /// The resources of a component's kustomization in one environment: Kustomize folders by
    /// relative path, copied manifests through the folder they were copied to.
    fn component_resources(
        &mut self,
        env: &str,
        c: &Component,
        env_resources: &[String],
    ) -> Vec<String> {
        let spec = self.spec;
        let own = format!("{OUT_DIR}/{env}/components/{}", c.name);
        let mut out = Vec::new();
        let mut add_entries = |entries: &[String], copied_to: &str, this: &mut Self| {
            let mut copied = false;
            for entry in entries {
                let rel = spec.repo_path(entry);
                if kustomize::is_kustomize_dir(&spec.root, &rel) {
                    out.push(relative(&own, &rel));
                } else {
                    copied = true;
                }
            }
            if copied {
                if copied_to != own {
                    out.push(relative(&own, copied_to));
                } else {
                    let _ = this;
                }
            }
        };
        let base = format!("{OUT_DIR}/{BASE}/components/{}", c.name);
        add_entries(&c.resources, &base, self);
        if !env_resources.is_empty() {
            let extra = format!("{own}/extra");
            let copied = self.copy_manifests(&extra, env_resources);
            for entry in env_resources {
                let rel = spec.repo_path(entry);
                if kustomize::is_kustomize_dir(&spec.root, &rel) {
                    out.push(relative(&own, &rel));
                }
            }
            if copied {
                out.push("extra".into());
            }
        }
        out
    }

    fn environment(&mut self, env: &Environment, rendered: &RenderedInstances) {
        let spec = self.spec;
        let p = &spec.platform.spec;
        let platform = spec.platform.metadata.name.as_str();
        let argocd = &p.argocd;
        let revision = env.revision.as_deref().unwrap_or(&p.repo.revision);
        let env_dir = format!("{OUT_DIR}/{}", env.name);
        let default_finalizers = vec![argocd::RESOURCES_FINALIZER.to_string()];
        let platform_finalizers = argocd.finalizers.as_ref().unwrap_or(&default_finalizers);
        let mut projects: BTreeMap<String, ProjectScope> = BTreeMap::new();
        projects
            .entry(argocd.project.clone())
            .or_default()
            .cluster_wide = true;
        let mut apps: Vec<String> = Vec::new();

        // Components.
        for c in &p.components {
            let o = c.environments.get(&env.name).cloned().unwrap_or_default();
            if o.enabled == Some(false) {
                continue;
            }
            let project = c.project.clone().unwrap_or_else(|| argocd.project.clone());
            let mut namespace = c.namespace.clone().unwrap_or_else(|| c.name.clone());
            let mut cluster = Cluster::of(env);
            if let Some(d) = &o.destination {
                if let Some(ns) = &d.namespace {
                    namespace = ns.clone();
                }
                match (&d.server, &d.name) {
                    (Some(s), _) => cluster = Cluster::Server(s.clone()),
                    (None, Some(n)) => cluster = Cluster::Name(n.clone()),
                    _ => {}
                }
            }
            let destination = Destination { cluster, namespace };
            let scope = projects.entry(project.clone()).or_default();
            scope.destinations.insert(destination.clone());

            let mut sources = Vec::new();
            let mut labels_all = c.labels.clone();
            labels_all.extend(o.labels.clone());
            let patch_specs: Vec<&crate::spec::Patch> =
                c.patches.iter().chain(o.patches.iter()).collect();
            let mut patches = Vec::new();
            for patch in &patch_specs {
                match kustomize::patch_entry(&spec.root, &spec.dir, patch) {
                    Ok(entry) => patches.push(entry),
                    Err(f) => self.findings.push(*f),
                }
            }
            if let Some(helm) = &c.helm {
                let version = o.version.as_deref().unwrap_or(&helm.version);
                let release = helm.release_name.as_deref().unwrap_or(&c.name);
                let files: Vec<String> = helm
                    .values
                    .iter()
                    .chain(o.values.iter())
                    .map(|v| format!("$values/{}", spec.repo_path(v)))
                    .collect();
                let mut values = helm.values_inline.clone().unwrap_or_else(|| json!({}));
                if let Some(over) = &o.values_inline {
                    deep_merge(&mut values, over);
                }
                sources.extend(argocd::chart_sources(
                    helm,
                    version,
                    release,
                    &files,
                    Some(&values),
                    &p.repo.url,
                    revision,
                ));
                scope.source_repos.insert(helm.repo.clone());
                if !files.is_empty() {
                    scope.source_repos.insert(p.repo.url.clone());
                }
            }
            if let Some(git) = &c.git {
                let mut source = argocd::repo_source(
                    &git.repo,
                    o.revision.as_deref().unwrap_or(&git.revision),
                    Some(&git.path),
                    None,
                );
                let mut k = Map::new();
                if !labels_all.is_empty() {
                    k.insert("commonLabels".into(), json!(labels_all));
                }
                if !patches.is_empty() {
                    k.insert("patches".into(), Value::Array(patches.clone()));
                }
                if !k.is_empty() {
                    source
                        .as_object_mut()
                        .unwrap()
                        .insert("kustomize".into(), Value::Object(k));
                }
                sources.push(source);
                scope.source_repos.insert(git.repo.clone());
            }
            let has_local = !c.resources.is_empty() || !o.resources.is_empty();
            if has_local {
                let dir = format!("{env_dir}/components/{}", c.name);
                let resources = self.component_resources(&env.name, c, &o.resources);
                let k = kustomize::kustomization(None, &resources, &labels_all, patches);
                self.add_yaml(format!("{dir}/kustomization.yaml"), &k);
                sources.push(argocd::repo_source(&p.repo.url, revision, Some(&dir), None));
                projects
                    .get_mut(&project)
                    .unwrap()
                    .source_repos
                    .insert(p.repo.url.clone());
            }

            let policy = sync::merge(&[
                Some(&argocd.sync_policy),
                c.sync_policy.as_ref(),
                o.sync_policy.as_ref(),
            ]);
            let finalizers = c.finalizers.as_ref().unwrap_or(platform_finalizers);
            let name = format!("{}-{}", c.name, env.name);
            let mut app_spec = Map::new();
            app_spec.insert("project".into(), json!(format!("{project}-{}", env.name)));
            app_spec.insert("destination".into(), destination.to_json());
            argocd::set_sources(&mut app_spec, sources);
            app_spec.insert(
                "syncPolicy".into(),
                sync::render(&policy, c.managed_namespace_metadata.as_ref()),
            );
            if !c.ignore_differences.is_empty() {
                app_spec.insert("ignoreDifferences".into(), json!(c.ignore_differences));
            }
            let app = json!({
                "apiVersion": argocd::API_VERSION,
                "kind": "Application",
                "metadata": argocd::metadata(&name, &argocd.namespace, &labels(platform, &env.name, &c.name), &c.annotations, Some(spec.waves[&c.name]), finalizers),
                "spec": Value::Object(app_spec),
            });
            self.add_yaml(format!("{env_dir}/apps/{}.yaml", c.name), &app);
            apps.push(format!("apps/{}.yaml", c.name));
        }

        // Tenants.
        for (i, t) in p.tenants.iter().enumerate() {
            if t.environments
                .as_ref()
                .is_some_and(|envs| !envs.contains(&env.name))
            {
                continue;
            }
            if !rendered.tenants.get(i).copied().unwrap_or(false) {
                continue;
            }
            let project = t.project.clone().unwrap_or_else(|| argocd.project.clone());
            let namespace = t.namespace.clone().unwrap_or_else(|| t.name.clone());
            let destination = Destination {
                cluster: Cluster::of(env),
                namespace,
            };
            let scope = projects.entry(project.clone()).or_default();
            scope.destinations.insert(destination.clone());
            scope.source_repos.insert(p.repo.url.clone());
            let path = format!("{OUT_DIR}/{BASE}/tenants/{}", t.name);
            let policy = sync::merge(&[Some(&argocd.sync_policy), t.sync_policy.as_ref()]);
            let mut app_spec = Map::new();
            app_spec.insert("project".into(), json!(format!("{project}-{}", env.name)));
            app_spec.insert("destination".into(), destination.to_json());
            app_spec.insert(
                "source".into(),
                argocd::repo_source(&p.repo.url, revision, Some(&path), None),
            );
            app_spec.insert("syncPolicy".into(), sync::render(&policy, None));
            let app = json!({
                "apiVersion": argocd::API_VERSION,
                "kind": "Application",
                "metadata": argocd::metadata(&format!("{}-{}", t.name, env.name), &argocd.namespace, &labels(platform, &env.name, &t.name), &IndexMap::new(), Some(spec.waves[&t.name]), platform_finalizers),
                "spec": Value::Object(app_spec),
            });
            self.add_yaml(format!("{env_dir}/apps/{}.yaml", t.name), &app);
            apps.push(format!("apps/{}.yaml", t.name));
        }

        // Sandboxes.
        if let Some(s) = &p.sandboxes {
            let enabled = s
                .environments
                .as_ref()
                .is_none_or(|envs| envs.contains(&env.name));
            if enabled && !spec.members.is_empty() {
                let project = s.project.clone().unwrap_or_else(|| argocd.project.clone());
                let scope = projects.entry(project.clone()).or_default();
                scope.destinations.insert(Destination {
                    cluster: Cluster::of(env),
                    namespace: format!("{}*", s.namespace_prefix),
                });
                scope.source_repos.insert(p.repo.url.clone());
                let bp = &p.blueprints[&s.blueprint];
                let member_dir = format!("{OUT_DIR}/{BASE}/sandboxes/{{{{.name}}}}");
                let mut sources = Vec::new();
                if let Some(helm) = &s.helm {
                    scope.source_repos.insert(helm.repo.clone());
                    let mut files: Vec<String> = helm
                        .values
                        .iter()
                        .map(|v| format!("$values/{}", spec.repo_path(v)))
                        .collect();
                    files.extend(
                        bp.values_files
                            .iter()
                            .map(|v| format!("$values/{member_dir}/{v}")),
                    );
                    sources.extend(argocd::chart_sources(
                        helm,
                        &helm.version,
                        "{{.name}}",
                        &files,
                        helm.values_inline.as_ref(),
                        &p.repo.url,
                        revision,
                    ));
                }
                if rendered.members_have_manifests {
                    sources.push(argocd::repo_source(
                        &p.repo.url,
                        revision,
                        Some(&member_dir),
                        None,
                    ));
                }
                let policy = sync::merge(&[Some(&argocd.sync_policy), s.sync_policy.as_ref()]);
                let mut template_spec = Map::new();
                template_spec.insert("project".into(), json!(format!("{project}-{}", env.name)));
                template_spec.insert(
                    "destination".into(),
                    Destination {
                        cluster: Cluster::of(env),
                        namespace: format!("{}{{{{.name}}}}", s.namespace_prefix),
                    }
                    .to_json(),
                );
                argocd::set_sources(&mut template_spec, sources);
                template_spec.insert("syncPolicy".into(), sync::render(&policy, None));
                let elements: Vec<Value> = spec
                    .members
                    .iter()
                    .map(|m| json!({"name": m.get("name")}))
                    .collect();
                let mut template_labels = Map::new();
                for (k, v) in labels(platform, &env.name, &s.name) {
                    template_labels.insert(k.into(), json!(v));
                }
                template_labels.insert("platc.io/member".into(), json!("{{.name}}"));
                let appset = json!({
                    "apiVersion": argocd::API_VERSION,
                    "kind": "ApplicationSet",
                    "metadata": argocd::metadata(&format!("{}-{}", s.name, env.name), &argocd.namespace, &labels(platform, &env.name, &s.name), &IndexMap::new(), Some(spec.waves[&s.name]), &[]),
                    "spec": {
                        "goTemplate": true,
                        "goTemplateOptions": ["missingkey=error"],
                        "generators": [{"list": {"elements": elements}}],
                        "template": {
                            "metadata": {
                                "name": format!("{}-{{{{.name}}}}-{}", s.name, env.name),
                                "labels": Value::Object(template_labels),
                                "finalizers": platform_finalizers,
                            },
                            "spec": Value::Object(template_spec),
                        },
                    },
                });
                self.add_yaml(format!("{env_dir}/apps/{}.yaml", s.name), &appset);
                apps.push(format!("apps/{}.yaml", s.name));
            }
        }

        // AppProjects, scoped to what this environment's apps use.
        let mut resources = vec!["root.yaml".to_string()];
        for (name, mut scope) in projects {
            if scope.destinations.is_empty() {
                continue;
            }
            scope.description = argocd
                .projects
                .get(&name)
                .and_then(|p| p.description.clone());
            let object = argocd::app_project(
                &format!("{name}-{}", env.name),
                &argocd.namespace,
                &labels(platform, &env.name, &name),
                &scope,
            );
            self.add_yaml(format!("{env_dir}/projects/{name}.yaml"), &object);
            resources.push(format!("projects/{name}.yaml"));
        }
        apps.sort();
        resources.extend(apps);

        // The app-of-apps: it syncs this folder, itself included, into ArgoCD's cluster.
        let root_name = format!("{platform}-{}", env.name);
        let root = json!({
            "apiVersion": argocd::API_VERSION,
            "kind": "Application",
            "metadata": argocd::metadata(&root_name, &argocd.namespace, &labels(platform, &env.name, "root"), &IndexMap::new(), None, &[]),
            "spec": {
                "project": "default",
                "destination": {"server": argocd::IN_CLUSTER, "namespace": argocd.namespace},
                "source": argocd::repo_source(&p.repo.url, revision, Some(&env_dir), None),
                "syncPolicy": sync::render(&sync::merge(&[Some(&argocd.sync_policy)]), None),
            },
        });
        self.add_yaml(format!("{env_dir}/root.yaml"), &root);
        let k = kustomize::kustomization(None, &resources, &IndexMap::new(), Vec::new());
        self.add_yaml(format!("{env_dir}/kustomization.yaml"), &k);
    }
}
