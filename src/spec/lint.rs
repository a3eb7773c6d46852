//! Spec checks for mistakes that would otherwise surface only on the generated files (or in
//! the cluster): chart versions Argo CD would resolve at sync time, production tracking
//! `HEAD`, server URLs Argo CD cannot match, and patch targets that select nothing in the
//! component. Reported at the spec line, by `platc build`, so the fix is made in the spec
//! rather than in files that are rebuilt.

use std::path::Path;

use indexmap::IndexMap;
use serde_json::Value;

use super::model::*;
use super::paths::repo_relative;
use crate::kustomize::select::{Renames, Selector};
use crate::report::Finding;
use crate::yaml::Node;

/// Every finding of these checks, in spec order.
pub fn run(root: &Path, file: &str, dir: &str, node: &Node, p: &Platform) -> Vec<Finding> {
    let mut lint = Lint {
        root,
        file,
        dir,
        node,
        p,
        findings: Vec::new(),
    };
    lint.chart_versions();
    lint.revisions();
    lint.servers();
    lint.patch_targets();
    lint.findings
}

struct Lint<'a> {
    root: &'a Path,
    file: &'a str,
    dir: &'a str,
    node: &'a Node,
    p: &'a Platform,
    findings: Vec<Finding>,
}

/// Escape a mapping key for a JSON pointer.
fn esc(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Whether a git revision means "the default branch as it is now".
fn is_head(revision: &str) -> bool {
    let r = revision.trim();
    r.is_empty() || r == "HEAD"
}

/// Why `server` is not an API server URL Argo CD can match, if it is not.
fn server_problem(server: &str) -> Option<(String, String)> {
    let (scheme, rest) = match server.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, server),
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_name = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    let host_ok = !host_name.is_empty()
        && host_name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.[]:".contains(&b));
    match scheme {
        Some("https") if host_ok => None,
        Some("https") => Some((
            format!("`{server}` has no valid host name"),
            "write the API server's URL, such as `https://kubernetes.default.svc`".into(),
        )),
        Some(other) => Some((
            format!("`{server}` is not an https:// URL (scheme `{other}`)"),
            format!("Kubernetes API servers are reached over https: write `https://{rest}`"),
        )),
        None => Some((
            format!(
                "`{server}` is not a URL: Argo CD matches `server` against the URLs of its clusters"
            ),
            if host_ok {
                format!(
                    "write `https://{rest}`, or give the cluster's registered name with `cluster`"
                )
            } else {
                "write the API server's URL, such as `https://kubernetes.default.svc`".into()
            },
        )),
    }
}

impl Lint<'_> {
    fn error(&mut self, rule: &str, pointer: &str, message: String, help: String) {
        let span = self.node.pointer(pointer).map(|n| n.span);
        self.findings.push(
            Finding::error(rule, message)
                .at_span(self.file, span)
                .with_path(pointer)
                .with_help(help),
        );
    }

    /// A practice to change, as `argocd/head-revision` says of Applications: the build goes
    /// on (a running platform that tracks HEAD must be reproducible as it is).
    fn warning(&mut self, rule: &str, pointer: &str, message: String, help: String) {
        self.error(rule, pointer, message, help);
        if let Some(f) = self.findings.last_mut() {
            f.severity = crate::report::Severity::Warning;
        }
    }

    /// A chart version that is a range or a wildcard: Argo CD picks the newest match at each
    /// sync, so the same commit deploys different charts over time. (Charts kept in git
    /// have a git revision as their version: see [`Lint::revisions`].)
    fn chart_versions(&mut self) {
        let spec = &self.p.spec;
        let mut versions: Vec<(String, &str)> = Vec::new();
        for (i, c) in spec.components.iter().enumerate() {
            for (at, helm) in charts(i, c) {
                if helm.chart.is_none() {
                    continue;
                }
                if let Some(v) = &helm.version {
                    versions.push((format!("{at}/version"), v));
                }
            }
            if c.helm.as_ref().is_some_and(|h| h.chart.is_some()) {
                for (env, o) in &c.environments {
                    if let Some(v) = &o.version {
                        let at = format!("/spec/components/{i}/environments/{}/version", esc(env));
                        versions.push((at, v));
                    }
                }
            }
        }
        if let Some(helm) = spec.sandboxes.as_ref().and_then(|s| s.helm.as_ref())
            && helm.chart.is_some()
            && let Some(v) = &helm.version
        {
            versions.push(("/spec/sandboxes/helm/version".into(), v));
        }
        for (at, version) in versions {
            // An empty version is reported as empty by the shape checks.
            if version.trim().is_empty()
                || crate::rules::argocd::chart_version_pinned::is_exact(version)
            {
                continue;
            }
            self.error(
                "spec/unpinned-chart",
                &at,
                format!("the chart version `{version}` is not one version: Argo CD would resolve it at each sync, so the same commit could deploy a different chart"),
                "pin the exact version to deploy, such as `1.2.3`, and upgrade it in a commit".into(),
            );
        }
    }

    /// Production tracking `HEAD`: every merge to the default branch deploys to production
    /// (the spec side of `argocd/head-revision`).
    fn revisions(&mut self) {
        let spec = &self.p.spec;
        let production: Vec<(usize, &Environment)> = spec
            .environments
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_production())
            .collect();
        let mut repo_head_envs = Vec::new();
        for (i, env) in &production {
            match &env.revision {
                Some(r) if is_head(r) => self.warning(
                    "spec/head-revision",
                    &format!("/spec/environments/{i}/revision"),
                    format!(
                        "the production environment `{}` would deploy whatever is at HEAD of {}",
                        env.name, spec.repo.url
                    ),
                    "pin `revision` to a release branch or tag that is promoted on purpose".into(),
                ),
                Some(_) => {}
                None => repo_head_envs.push(format!("`{}`", env.name)),
            }
        }
        // An empty repo revision is reported as empty by the shape checks.
        if !repo_head_envs.is_empty() && spec.repo.revision.trim() == "HEAD" {
            self.warning(
                "spec/head-revision",
                "/spec/repo/revision",
                format!("the production environment {} would deploy whatever is at HEAD of {}", repo_head_envs.join(", "), spec.repo.url),
                "pin `revision` to a release branch or tag, or give production environments a `revision` of their own".into(),
            );
        }
        // Revisions a component sets itself, by the pointer that sets them: (value, repo,
        // production environments it applies in). An empty revision given explicitly means
        // HEAD too.
        let mut set: IndexMap<String, (&str, &str, Vec<String>)> = IndexMap::new();
        for (i, c) in spec.components.iter().enumerate() {
            let at = format!("/spec/components/{i}");
            for (_, env) in &production {
                let o = c.environments.get(&env.name);
                if o.is_some_and(|o| o.enabled == Some(false)) {
                    continue;
                }
                let env_at = format!("{at}/environments/{}", esc(&env.name));
                let overridden = o.and_then(|o| o.revision.as_deref());
                let mut uses: Vec<(String, &str, &str)> = Vec::new();
                if let Some(git) = &c.git {
                    match overridden {
                        Some(r) => uses.push((format!("{env_at}/revision"), r, &git.repo)),
                        None => uses.push((format!("{at}/git/revision"), &git.revision, &git.repo)),
                    }
                    if let Some(r) = &c.revision {
                        uses.push((format!("{at}/revision"), r, &spec.repo.url));
                    }
                } else {
                    match (overridden, &c.revision) {
                        (Some(r), _) => {
                            uses.push((format!("{env_at}/revision"), r, &spec.repo.url))
                        }
                        (None, Some(r)) => uses.push((format!("{at}/revision"), r, &spec.repo.url)),
                        (None, None) => {}
                    }
                }
                // Charts kept in another git repository: their version is a git revision.
                for (k, (chart_at, helm)) in charts(i, c).into_iter().enumerate() {
                    let (Some(repo), None) = (&helm.repo, &helm.chart) else {
                        continue;
                    };
                    let env_version = o.and_then(|o| o.version.as_deref()).filter(|_| k == 0);
                    match (env_version, &helm.version) {
                        (Some(v), _) => uses.push((format!("{env_at}/version"), v, repo)),
                        (None, Some(v)) => uses.push((format!("{chart_at}/version"), v, repo)),
                        (None, None) => {}
                    }
                }
                for (pointer, value, repo) in uses {
                    set.entry(pointer)
                        .or_insert((value, repo, Vec::new()))
                        .2
                        .push(format!("`{}`", env.name));
                }
            }
        }
        for (pointer, (value, repo, envs)) in set {
            if !is_head(value) {
                continue;
            }
            let component = &spec.components[pointer
                .split('/')
                .nth(3)
                .and_then(|i| i.parse::<usize>().ok())
                .unwrap_or_default()]
            .name;
            self.warning(
                "spec/head-revision",
                &pointer,
                format!("`{component}` would deploy whatever is at HEAD of {repo} to the production environment {}", envs.join(", ")),
                "pin it to a tag or commit of that repository (or a release branch promoted on purpose)".into(),
            );
        }
    }

    /// Servers that are not https URLs with a host: Argo CD finds no such cluster.
    fn servers(&mut self) {
        let spec = &self.p.spec;
        let mut servers: Vec<(String, &str)> = Vec::new();
        for (i, env) in spec.environments.iter().enumerate() {
            if let Some(s) = &env.server {
                servers.push((format!("/spec/environments/{i}/server"), s));
            }
        }
        for (i, c) in spec.components.iter().enumerate() {
            for (env, o) in &c.environments {
                if let Some(s) = o.destination.as_ref().and_then(|d| d.server.as_ref()) {
                    let at = format!(
                        "/spec/components/{i}/environments/{}/destination/server",
                        esc(env)
                    );
                    servers.push((at, s));
                }
            }
        }
        for (at, server) in servers {
            if let Some((message, help)) = server_problem(server) {
                self.error("spec/invalid-url", &at, message, help);
            }
        }
    }

    /// Patch targets that select no object of the component's local resources. A component
    /// whose objects cannot be known here (a kustomize folder platc does not build itself,
    /// files contributed by blueprints) is left alone: a target is never claimed to match
    /// nothing on a guess.
    fn patch_targets(&mut self) {
        let spec = &self.p.spec;
        'components: for (i, c) in spec.components.iter().enumerate() {
            let contributed = spec
                .blueprints
                .values()
                .any(|bp| bp.contributes.contains_key(&c.name));
            if c.git.is_some() || contributed {
                continue;
            }
            let has_target = |patches: &[Patch]| patches.iter().any(|p| p.target.is_some());
            if !has_target(&c.patches) && !c.environments.values().any(|o| has_target(&o.patches)) {
                continue;
            }
            // Without local resources the patches have nothing to apply to, which the shape
            // checks report.
            if c.resources.is_empty() && c.environments.values().all(|o| o.resources.is_empty()) {
                continue;
            }
            let Some(base) = self.objects(&c.resources, c.directory.as_ref()) else {
                continue;
            };
            let mut extra: IndexMap<&str, (Vec<Value>, bool)> = IndexMap::new();
            for (env, o) in &c.environments {
                match self.objects(&o.resources, c.directory.as_ref()) {
                    Some(objects) => extra.insert(env.as_str(), objects),
                    None => continue 'components,
                };
            }
            // The objects a patch sees in the environments it applies in.
            let scope = |envs: &[&str]| -> (Vec<&Value>, bool) {
                let extras = extra
                    .iter()
                    .filter(|(e, _)| envs.contains(e))
                    .map(|(_, o)| o);
                let objects = base
                    .0
                    .iter()
                    .chain(extras.clone().flat_map(|o| o.0.iter()))
                    .collect();
                (objects, base.1 || extras.clone().any(|o| o.1))
            };
            let all_envs: Vec<&str> = spec.environments.iter().map(|e| e.name.as_str()).collect();
            // Labels of any environment may be on the objects a component-wide patch sees.
            let mut all_labels = c.labels.clone();
            for o in c.environments.values() {
                all_labels.extend(o.labels.clone());
            }
            for (j, patch) in c.patches.iter().enumerate() {
                let envs: Vec<&str> = match &patch.environments {
                    Some(envs) => envs.iter().map(String::as_str).collect(),
                    None => all_envs.clone(),
                };
                let (objects, namespace_set) = scope(&envs);
                let at = format!("/spec/components/{i}/patches/{j}");
                self.target(c, &at, patch, &objects, namespace_set, &all_labels);
            }
            for (env, o) in &c.environments {
                let (objects, namespace_set) = scope(&[env.as_str()]);
                let mut labels = c.labels.clone();
                labels.extend(o.labels.clone());
                for (j, patch) in o.patches.iter().enumerate() {
                    let at = format!("/spec/components/{i}/environments/{}/patches/{j}", esc(env));
                    self.target(c, &at, patch, &objects, namespace_set, &labels);
                }
            }
        }
    }

    fn target(
        &mut self,
        c: &Component,
        at: &str,
        patch: &Patch,
        objects: &[&Value],
        namespace_set: bool,
        labels: &IndexMap<String, String>,
    ) {
        let renames = Renames {
            prefixes: Vec::new(),
            suffixes: Vec::new(),
            namespace_set,
        };
        let Some(target) = &patch.target else { return };
        let pointer = format!("{at}/target");
        let Some(node) = self.node.pointer(&pointer) else {
            return;
        };
        // An unreadable selector is the build's to report.
        let Some(selector) = Selector::of(node) else {
            return;
        };
        // The component's labels may or may not be on the objects when the patch is
        // applied: a match either way counts.
        let matched = objects.iter().any(|o| {
            selector.matches(*o, &renames)
                || (!labels.is_empty() && selector.matches(&with_labels(o, labels), &renames))
        });
        if matched {
            return;
        }
        let mut have: Vec<String> = objects.iter().map(|o| describe_object(o)).collect();
        have.sort();
        have.dedup();
        let listed = if have.is_empty() {
            "the component's local resources have no objects".to_string()
        } else if have.len() > 8 {
            format!(
                "its objects: {} and {} more",
                have[..8].join(", "),
                have.len() - 8
            )
        } else {
            format!("its objects: {}", have.join(", "))
        };
        self.error(
            "spec/patch-target",
            &pointer,
            format!(
                "the patch target {} matches no object of the component `{}`",
                describe_target(target),
                c.name
            ),
            format!("correct the target's kind, name or selector, or remove the patch ({listed})"),
        );
    }

    /// The objects of local resources (spec paths), and whether a kustomization among them
    /// sets `namespace`; None when some of them cannot be known without running kustomize.
    fn objects(
        &mut self,
        entries: &[String],
        directory: Option<&Directory>,
    ) -> Option<(Vec<Value>, bool)> {
        let mut out = Vec::new();
        let mut namespace_set = false;
        for entry in entries {
            // Bad paths are reported by the shape checks.
            let rel = repo_relative(self.dir, entry).ok()?;
            if crate::compile::kustomize::is_kustomize_dir(self.root, &rel) {
                let ks = crate::kustomize::Kustomizations::read(self.root, &rel);
                let registry = crate::schema::registry::Registry::newest();
                let built = crate::kustomize::native::build(self.root, &ks, registry, &rel)?;
                namespace_set |= ks.all.iter().any(|k| k.field("namespace").is_some());
                out.extend(built);
                continue;
            }
            let files = crate::compile::kustomize::manifest_files(self.root, &rel, directory);
            if files.is_empty() && crate::confine::file_len(&self.root.join(&rel)).is_err() {
                return None;
            }
            for (file, _) in files {
                // A file that cannot be read or parsed leaves the patch targets unchecked
                // without a word here, because it is reported where it is used: the compiler
                // copies each of these files and refuses one it cannot read
                // (`spec/unreadable`), and `validate` reports one it cannot parse
                // (`io/unreadable`, `yaml/*`). A second finding would say the same thing.
                let text = crate::confine::read_to_string(self.root, &file).ok()?;
                let stream = crate::yaml::parse_stream(&text).ok()?;
                for doc in stream.documents.iter().filter(|d| !d.is_null()) {
                    let value = doc.to_json();
                    match value["items"].as_array() {
                        Some(items)
                            if value["kind"].as_str().is_some_and(|k| k.ends_with("List")) =>
                        {
                            out.extend(items.iter().cloned())
                        }
                        _ => out.push(value),
                    }
                }
            }
        }
        Some((out, namespace_set))
    }
}

fn with_labels(o: &Value, labels: &indexmap::IndexMap<String, String>) -> Value {
    let mut o = o.clone();
    if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        let entry = meta
            .entry("labels")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(map) = entry.as_object_mut() {
            for (k, v) in labels {
                map.insert(k.clone(), Value::String(v.clone()));
            }
        }
    }
    o
}

/// A component's charts with the pointers to them: `helm`, then `charts`.
fn charts(i: usize, c: &Component) -> Vec<(String, &Helm)> {
    c.helm
        .iter()
        .map(|h| (format!("/spec/components/{i}/helm"), h))
        .chain(
            c.charts
                .iter()
                .enumerate()
                .map(|(k, h)| (format!("/spec/components/{i}/charts/{k}"), h)),
        )
        .collect()
}

/// `Deployment/web` (with the namespace when it has one).
fn describe_object(o: &Value) -> String {
    let kind = o["kind"].as_str().unwrap_or("?");
    let name = o["metadata"]["name"].as_str().unwrap_or("?");
    match o["metadata"]["namespace"].as_str() {
        Some(ns) => format!("{kind}/{name} in {ns}"),
        None => format!("{kind}/{name}"),
    }
}

/// `kind: Deployment, name: web` as written.
fn describe_target(t: &PatchTarget) -> String {
    let parts: Vec<String> = t
        .fields()
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}: {v}")))
        .collect();
    format!("`{}`", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_need_https_and_a_host() {
        assert!(server_problem("https://kubernetes.default.svc").is_none());
        assert!(server_problem("https://10.0.0.1:6443").is_none());
        assert!(server_problem("https://[::1]:6443/").is_none());
        let (message, help) = server_problem("kubernetes.default.svc").unwrap();
        assert!(message.contains("is not a URL"), "{message}");
        assert!(help.contains("`https://kubernetes.default.svc`"), "{help}");
        assert!(server_problem("http://k8s.example.org").is_some());
        assert!(server_problem("https://").is_some());
        assert!(server_problem("https:// spaced").is_some());
    }

    #[test]
    fn head_is_the_default_branch() {
        assert!(is_head("HEAD"));
        assert!(is_head(""));
        assert!(!is_head("main"));
        assert!(!is_head("v1.2.3"));
    }
}
