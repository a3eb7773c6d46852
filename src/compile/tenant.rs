//! A tenant's Application in one environment: its rendered blueprint, with the tenant's
//! labels and patches when it has some there.

use serde_json::{Map, json};

use super::argocd::{self, Cluster, Destination};
use super::component::patches_for;
use super::paths::{BASE, OUT_DIR, relative};
use super::{Compiler, EnvContext, kustomize, sync};
use crate::spec::{Tenant, names};

impl<'a> Compiler<'a> {
    pub(super) fn tenant(&mut self, cx: &mut EnvContext, t: &Tenant) {
        let spec = self.spec;
        let p = &spec.platform.spec;
        let argocd = &p.argocd;
        let env = cx.env;
        if t.environments
            .as_ref()
            .is_some_and(|envs| !envs.contains(&env.name))
        {
            return;
        }
        let project = t.project.as_deref().unwrap_or(&argocd.project);
        let namespace = t.namespace.clone().unwrap_or_else(|| t.name.clone());
        let destination = Destination {
            cluster: Cluster::of(env),
            namespace,
        };
        if !names::is_external_project(argocd, project) {
            let scope = cx.projects.entry(project.to_string()).or_default();
            scope.destinations.insert(destination.clone());
            scope.source_repos.insert(p.repo.url.clone());
        }
        let base = format!("{OUT_DIR}/{BASE}/tenants/{}", t.name);
        let mut patches = Vec::new();
        for patch in patches_for(&t.patches, &env.name) {
            match kustomize::patch_entry(&spec.root, &spec.dir, patch) {
                Ok(entry) => patches.push(entry),
                Err(f) => self.findings.push(*f),
            }
        }
        // The rendered blueprint is shared by every environment; labels and patches go in
        // an environment's own kustomization over it.
        let path = if patches.is_empty() && t.labels.is_empty() {
            base
        } else {
            let dir = format!("{}/tenants/{}", cx.dir, t.name);
            let k = kustomize::kustomization(None, &[relative(&dir, &base)], &t.labels, patches);
            self.add_yaml(format!("{dir}/kustomization.yaml"), &k);
            dir
        };
        let policy = sync::merge(&[Some(&argocd.sync_policy), t.sync_policy.as_ref()]);
        let app_name = names::application(
            &spec.platform,
            env,
            &t.name,
            project,
            t.application_name.as_deref(),
        );
        let mut app_spec = Map::new();
        app_spec.insert(
            "project".into(),
            json!(names::project(&spec.platform, env, project)),
        );
        app_spec.insert("destination".into(), destination.to_json());
        app_spec.insert(
            "source".into(),
            argocd::repo_source(&p.repo.url, cx.revision, Some(&path), None),
        );
        let default_finalizers = self.default_finalizers();
        let finalizers = t.finalizers.as_ref().unwrap_or(&default_finalizers);
        let meta = super::AppMeta {
            part: &t.name,
            labels: &t.application_labels,
            annotations: &t.annotations,
            finalizers,
            policy: &policy,
            namespace_metadata: t.managed_namespace_metadata.as_ref(),
            ignore_differences: &t.ignore_differences,
        };
        self.application(cx, &app_name, meta, app_spec);
    }
}
