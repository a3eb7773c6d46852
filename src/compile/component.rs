//! A component's Application in one environment: its charts, value refs, remote git path
//! and local resources.

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::argocd::{self, ChartSource, Cluster, Destination};
use super::paths::{BASE, OUT_DIR, relative};
use super::{Compiler, EnvContext, deep_merge, kustomize, sync};
use crate::spec::{Component, ComponentOverride, Patch, names};

/// Argo CD's `directory` for a source, or `None` when it asks for nothing but the defaults.
fn directory_json(d: &crate::spec::Directory) -> Option<Value> {
    if *d == crate::spec::Directory::default() {
        return None;
    }
    let mut dir = Map::new();
    if d.recurse {
        dir.insert("recurse".into(), json!(true));
    }
    if let Some(include) = &d.include {
        dir.insert("include".into(), json!(include));
    }
    if let Some(exclude) = &d.exclude {
        dir.insert("exclude".into(), json!(exclude));
    }
    Some(Value::Object(dir))
}

/// The patches of a component (or tenant) that apply in an environment.
pub fn patches_for<'p>(
    patches: impl IntoIterator<Item = &'p Patch>,
    env: &str,
) -> impl Iterator<Item = &'p Patch> {
    patches.into_iter().filter(move |p| {
        p.environments
            .as_ref()
            .is_none_or(|envs| envs.iter().any(|e| e == env))
    })
}

impl<'a> Compiler<'a> {
    /// The one folder a component's Application can point at directly in an environment:
    /// a single Kustomize or plain folder with nothing added to it. Copying it (3 MB of
    /// vendor manifests, say) would only make the repository bigger.
    pub(super) fn in_place(&self, c: &Component, env: &str) -> Option<String> {
        let o = c.environments.get(env);
        // The plugin's sidecar is added to Argo CD's own manifests by a generated kustomization.
        let gets_sidecar = self.gets_sidecar_component(c);
        if gets_sidecar
            || !c.labels.is_empty()
            || o.is_some_and(|o| !o.resources.is_empty() || !o.labels.is_empty())
            || patches_for(
                c.patches.iter().chain(o.iter().flat_map(|o| &o.patches)),
                env,
            )
            .next()
            .is_some()
            || self.contributions.contains_key(&c.name)
        {
            return None;
        }
        let [entry] = c.resources.as_slice() else {
            return None;
        };
        let rel = self.spec.repo_path(entry);
        crate::confine::is_dir(&self.spec.root.join(&rel)).then_some(rel)
    }

    pub(super) fn component(&mut self, cx: &mut EnvContext, c: &Component) {
        let with_plugin = self.with_plugin_values(c);
        let c = with_plugin.as_ref().unwrap_or(c);
        let spec = self.spec;
        let p = &spec.platform.spec;
        let argocd = &p.argocd;
        let env = cx.env;
        let o = c.environments.get(&env.name).cloned().unwrap_or_default();
        if o.enabled == Some(false) {
            return;
        }
        let project = c.project.as_deref().unwrap_or(&argocd.project);
        let own_name = o
            .application_name
            .as_deref()
            .or(c.application_name.as_deref());
        let app_name = names::application(&spec.platform, env, &c.name, project, own_name);
        // The revision of this repository's sources: for a remote git component the
        // environment's `revision` is the remote one.
        let local_revision = if c.git.is_none() {
            o.revision.as_deref().or(c.revision.as_deref())
        } else {
            c.revision.as_deref()
        }
        .unwrap_or(cx.revision)
        .to_string();

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

        let mut sources = Vec::new();
        let mut repos: Vec<String> = Vec::new();
        self.chart_sources(
            c,
            &o,
            (&app_name, own_name.is_some()),
            &local_revision,
            &mut sources,
            &mut repos,
        );
        let mut labels_all = c.labels.clone();
        labels_all.extend(o.labels.clone());
        let mut patches = Vec::new();
        for patch in patches_for(c.patches.iter().chain(o.patches.iter()), &env.name) {
            match kustomize::patch_entry(&spec.root, &spec.dir, patch) {
                Ok(entry) => patches.push(entry),
                Err(f) => self.findings.push(*f),
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
            if !k.is_empty()
                && let Some(m) = source.as_object_mut()
            {
                m.insert("kustomize".into(), Value::Object(k));
            } else if let Some(dir) = c.directory.as_ref().and_then(directory_json)
                && let Some(m) = source.as_object_mut()
            {
                // A remote folder of plain manifests read the way the component says
                // (platc cannot look into it to tell a Kustomize base apart).
                m.insert("directory".into(), dir);
            }
            sources.push(source);
            repos.push(git.repo.clone());
        }
        if !c.resources.is_empty() || !o.resources.is_empty() {
            let path = match self.in_place(c, &env.name) {
                Some(rel) => rel,
                None => {
                    let dir = format!("{}/components/{}", cx.dir, c.name);
                    let resources = self.component_resources(&env.name, c, &o.resources);
                    let mut k = kustomize::kustomization(None, &resources, &labels_all, patches);
                    if self.gets_sidecar_component(c)
                        && let Some(k) = k.as_object_mut()
                    {
                        let sidecar = relative(&dir, super::plugin::SIDECAR_DIR);
                        k.insert("components".into(), json!([sidecar]));
                    }
                    self.add_yaml(format!("{dir}/kustomization.yaml"), &k);
                    dir
                }
            };
            let mut source = argocd::repo_source(&p.repo.url, &local_revision, Some(&path), None);
            if let Some(dir) = c.directory.as_ref().and_then(directory_json)
                && !kustomize::is_kustomize_dir(&spec.root, &path)
                && let Some(m) = source.as_object_mut()
            {
                m.insert("directory".into(), dir);
            }
            sources.push(source);
            repos.push(p.repo.url.clone());
        }

        if !names::is_external_project(argocd, project) {
            let scope = cx.projects.entry(project.to_string()).or_default();
            scope.destinations.insert(destination.clone());
            scope.source_repos.extend(repos);
        }
        let policy = sync::merge(&[
            Some(&argocd.sync_policy),
            c.sync_policy.as_ref(),
            o.sync_policy.as_ref(),
        ]);
        let default_finalizers = self.default_finalizers();
        let finalizers = c.finalizers.as_ref().unwrap_or(&default_finalizers);
        let mut app_spec = Map::new();
        app_spec.insert(
            "project".into(),
            json!(names::project(&spec.platform, env, project)),
        );
        app_spec.insert("destination".into(), destination.to_json());
        argocd::set_sources(&mut app_spec, sources);
        let meta = super::AppMeta {
            part: &c.name,
            labels: &c.application_labels,
            annotations: &c.annotations,
            finalizers,
            policy: &policy,
            namespace_metadata: c.managed_namespace_metadata.as_ref(),
            ignore_differences: &c.ignore_differences,
        };
        self.application(cx, &app_name, meta, app_spec);
    }

    /// Whether the component is Argo CD installed from manifests in plugin mode: its
    /// kustomization takes the sidecar's Kustomize component (a chart gets values instead).
    fn gets_sidecar_component(&self, c: &Component) -> bool {
        c.helm.is_none()
            && self
                .plugin_component()
                .is_some_and(|(_, pc, _)| pc.name == c.name)
    }

    /// The Argo CD component in plugin mode, when it is the argo-cd Helm chart: a copy whose
    /// inline values add the plugin (None for any other component).
    fn with_plugin_values(&self, c: &Component) -> Option<Component> {
        let (plugin, pc, image) = self.plugin_component()?;
        if pc.name != c.name || c.helm.is_none() {
            return None;
        }
        let mut c = c.clone();
        let helm = c.helm.as_mut()?;
        // The spec checks refuse a string of values here (it cannot be merged into).
        let mut values = match helm.values_inline.take() {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        super::plugin::add_to_chart_values(&mut values, plugin, image);
        helm.values_inline = Some(Value::Object(values));
        Some(c)
    }

    /// The chart sources of a component, then the `ref` sources its value files read.
    fn chart_sources(
        &mut self,
        c: &Component,
        o: &ComponentOverride,
        (app_name, named_by_component): (&str, bool),
        local_revision: &str,
        sources: &mut Vec<Value>,
        repos: &mut Vec<String>,
    ) {
        let spec = self.spec;
        let this_repo = &spec.platform.spec.repo.url;
        // Refs read through `$name/...`, in order of first use; declared ones always.
        let mut refs: IndexMap<String, (String, String)> = IndexMap::new();
        for (name, r) in &c.refs {
            refs.insert(
                name.clone(),
                (
                    r.repo.clone().unwrap_or_else(|| this_repo.clone()),
                    r.revision
                        .clone()
                        .unwrap_or_else(|| local_revision.to_string()),
                ),
            );
        }
        for (i, helm) in c.helm.iter().chain(c.charts.iter()).enumerate() {
            let first = i == 0;
            let in_this_repo = helm.repo.is_none();
            let chart_path = helm.path.as_ref().map(|p| {
                if in_this_repo {
                    spec.repo_path(p)
                } else {
                    p.clone()
                }
            });
            let version = if first { o.version.as_deref() } else { None }
                .or(helm.version.as_deref())
                .unwrap_or(local_revision);
            let release =
                helm.release_name
                    .as_deref()
                    // A name the component gives its Application on purpose is the release's
                    // too (Argo CD's default); a templated `{name}-{env}` keeps the component's.
                    .or((first && app_name != c.name && !named_by_component)
                        .then_some(c.name.as_str()));
            let values_ref = helm.values_ref.as_deref().unwrap_or("values");
            let env_values = if first { o.values.as_slice() } else { &[] };
            let mut files = Vec::new();
            for v in helm.values.iter().chain(env_values) {
                if v.starts_with('$') {
                    files.push(v.clone());
                    continue;
                }
                let rel = spec.repo_path(v);
                // A chart kept in this repository reads its own files by relative path.
                let under_chart = chart_path
                    .as_deref()
                    .filter(|_| in_this_repo)
                    .and_then(|cp| rel.strip_prefix(cp)?.strip_prefix('/'));
                match under_chart {
                    Some(inside) => files.push(inside.to_string()),
                    None => {
                        refs.entry(values_ref.to_string())
                            .or_insert_with(|| (this_repo.clone(), local_revision.to_string()));
                        files.push(format!("${values_ref}/{rel}"));
                    }
                }
            }
            let mut values = helm.values_inline.clone();
            if first && let Some(over) = &o.values_inline {
                match &mut values {
                    Some(base @ Value::Object(_)) if over.is_object() => deep_merge(base, over),
                    _ => values = Some(over.clone()),
                }
            }
            let repo_url = helm.repo.as_deref().unwrap_or(this_repo);
            let source = ChartSource {
                repo_url,
                chart: helm.chart.as_deref(),
                path: chart_path.as_deref(),
                version,
                release,
                value_files: &files,
                values: values.as_ref(),
            };
            sources.push(source.to_json(helm));
            repos.push(repo_url.to_string());
        }
        for (name, (repo, revision)) in refs {
            sources.push(argocd::repo_source(&repo, &revision, None, Some(&name)));
            repos.push(repo);
        }
    }

    /// The resources of a component's kustomization in one environment: Kustomize folders by
    /// relative path, copied manifests through the folder they were copied to, and files
    /// blueprints contribute.
    fn component_resources(
        &mut self,
        env: &str,
        c: &Component,
        env_resources: &[String],
    ) -> Vec<String> {
        let spec = self.spec;
        let own = format!("{OUT_DIR}/{env}/components/{}", c.name);
        let mut out = Vec::new();
        let mut copied = false;
        for entry in &c.resources {
            let rel = spec.repo_path(entry);
            if kustomize::is_kustomize_dir(&spec.root, &rel) {
                out.push(relative(&own, &rel));
            } else {
                copied = true;
            }
        }
        if copied {
            out.push(relative(
                &own,
                &format!("{OUT_DIR}/{BASE}/components/{}", c.name),
            ));
        }
        if !env_resources.is_empty() {
            let extra = format!("{own}/extra");
            let copied = self.copy_manifests(&extra, env_resources, c.directory.as_ref());
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
        let tenants = &spec.platform.spec.tenants;
        for (tenant, dir) in self.contributions.get(&c.name).into_iter().flatten() {
            let runs_here = tenants[*tenant]
                .environments
                .as_ref()
                .is_none_or(|envs| envs.iter().any(|e| e == env));
            if runs_here {
                out.push(relative(&own, dir));
            }
        }
        out
    }

    pub(super) fn default_finalizers(&self) -> Vec<String> {
        self.spec
            .platform
            .spec
            .argocd
            .finalizers
            .clone()
            .unwrap_or_else(|| vec![argocd::RESOURCES_FINALIZER.to_string()])
    }
}
