//! The sandboxes' ApplicationSet in one environment: one Application per member, from a list
//! platc writes or from the members file Argo CD reads at sync time.

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::argocd::{self, ChartSource, Cluster, Destination};
use super::paths::{BASE, OUT_DIR};
use super::{Compiler, EnvContext, labels, sync};
use crate::spec::{Sandboxes, names};

impl<'a> Compiler<'a> {
    pub(super) fn sandboxes(&mut self, cx: &mut EnvContext, s: &Sandboxes, have_manifests: bool) {
        let spec = self.spec;
        let p = &spec.platform.spec;
        let argocd = &p.argocd;
        let env = cx.env;
        let enabled = s
            .environments
            .as_ref()
            .is_none_or(|envs| envs.contains(&env.name));
        if !enabled || spec.members.is_empty() {
            return;
        }
        let project = s.project.as_deref().unwrap_or(&argocd.project);
        let mut repos = vec![p.repo.url.clone()];
        let bp = &p.blueprints[&s.blueprint];
        let member_dir = format!("{OUT_DIR}/{BASE}/sandboxes/{{{{.name}}}}");
        let mut sources = Vec::new();
        if let Some(helm) = &s.helm {
            let mut files: Vec<String> = helm
                .values
                .iter()
                .map(|v| {
                    if v.starts_with('$') {
                        v.clone()
                    } else {
                        format!("$values/{}", spec.repo_path(v))
                    }
                })
                .collect();
            if !s.members_at_runtime {
                files.extend(
                    bp.values_files
                        .iter()
                        .map(|v| format!("$values/{member_dir}/{v}")),
                );
            }
            let repo_url = helm.repo.as_deref().unwrap_or(&p.repo.url);
            let source = ChartSource {
                repo_url,
                chart: helm.chart.as_deref(),
                path: helm.path.as_deref(),
                version: helm.version.as_deref().unwrap_or(cx.revision),
                release: Some(s.release_name.as_deref().unwrap_or("{{.name}}")),
                value_files: &files,
                values: helm.values_inline.as_ref(),
            };
            sources.push(source.to_json(helm));
            repos.push(repo_url.to_string());
            if files.iter().any(|f| f.starts_with("$values/")) {
                sources.push(argocd::repo_source(
                    &p.repo.url,
                    cx.revision,
                    None,
                    Some("values"),
                ));
            }
        }
        if have_manifests && !s.members_at_runtime {
            sources.push(argocd::repo_source(
                &p.repo.url,
                cx.revision,
                Some(&member_dir),
                None,
            ));
        }
        if !names::is_external_project(argocd, project) {
            let scope = cx.projects.entry(project.to_string()).or_default();
            scope.destinations.insert(Destination {
                cluster: Cluster::of(env),
                namespace: format!("{}*", s.namespace_prefix),
            });
            scope.source_repos.extend(repos);
        }
        let policy = sync::merge(&[Some(&argocd.sync_policy), s.sync_policy.as_ref()]);
        let mut template_spec = Map::new();
        template_spec.insert(
            "project".into(),
            json!(names::project(&spec.platform, env, project)),
        );
        template_spec.insert(
            "destination".into(),
            Destination {
                cluster: Cluster::of(env),
                namespace: format!("{}{{{{.name}}}}", s.namespace_prefix),
            }
            .to_json(),
        );
        argocd::set_sources(&mut template_spec, sources);
        sync::insert(&mut template_spec, &policy, None);
        // Members listed by platc, or read by Argo CD from the members file at sync time
        // (adding a member then needs no build).
        let generator = if s.members_at_runtime {
            json!({"git": {
                "repoURL": p.repo.url,
                "revision": cx.revision,
                "files": [{"path": spec.members_file.clone().unwrap_or_default()}],
            }})
        } else {
            let elements: Vec<Value> = spec
                .members
                .iter()
                .map(|m| json!({"name": m.get("name")}))
                .collect();
            json!({"list": {"elements": elements}})
        };
        let platform = spec.platform.metadata.name.as_str();
        let mut template_labels = Map::new();
        for (k, v) in labels(platform, &env.name, &s.name) {
            template_labels.insert(k.into(), json!(v));
        }
        template_labels.insert("platc.io/member".into(), json!("{{.name}}"));
        let app_name = s
            .application_name
            .clone()
            .unwrap_or_else(|| format!("{}-{{{{.name}}}}-{}", s.name, env.name));
        let wave = spec.waves[&s.name];
        cx.lowest_wave = cx.lowest_wave.min(wave);
        let mut template_meta = Map::new();
        template_meta.insert("name".into(), json!(app_name));
        template_meta.insert("labels".into(), Value::Object(template_labels));
        let finalizers = self.default_finalizers();
        if !finalizers.is_empty() {
            template_meta.insert("finalizers".into(), json!(finalizers));
        }
        let appset = json!({
            "apiVersion": argocd::API_VERSION,
            "kind": "ApplicationSet",
            "metadata": argocd::metadata(&names::application(&spec.platform, env, &s.name, project, None), &argocd.namespace, &labels(platform, &env.name, &s.name), &IndexMap::new(), Some(wave), &[]),
            "spec": {
                "goTemplate": true,
                "goTemplateOptions": ["missingkey=error"],
                "generators": [generator],
                "template": {
                    "metadata": Value::Object(template_meta),
                    "spec": Value::Object(template_spec),
                },
            },
        });
        self.add_yaml(format!("{}/apps/{}.yaml", cx.dir, s.name), &appset);
        cx.apps.push(format!("apps/{}.yaml", s.name));
    }
}
