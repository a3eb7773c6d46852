//! The checks made when the spec is loaded: names, references, paths, parameters and the
//! dependency graph. All problems are collected, so one run shows them all.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use indexmap::IndexMap;

use super::graph;
use super::model::*;
use super::names;
use super::params::{check_dns_label, check_json, check_value, pattern_error};
use super::paths::{Entry, lookup, repo_relative};
use crate::report::Finding;
use crate::source::Sources;
use crate::suggest::did_you_mean;
use crate::yaml::{self, Node};

pub struct Resolved {
    pub findings: Vec<Finding>,
    pub tenant_params: Vec<IndexMap<String, serde_json::Value>>,
    pub members: Vec<IndexMap<String, serde_json::Value>>,
    pub members_file: Option<String>,
    pub waves: IndexMap<String, i64>,
}

pub struct Checker<'a> {
    root: &'a Path,
    file: &'a str,
    dir: &'a str,
    node: &'a Node,
    p: &'a Platform,
    sources: &'a mut Sources,
    findings: Vec<Finding>,
    tenant_params: Vec<IndexMap<String, serde_json::Value>>,
    members: Vec<IndexMap<String, serde_json::Value>>,
    members_file: Option<String>,
    waves: IndexMap<String, i64>,
    /// Values already claimed by unique parameters: (scope, value) -> where.
    claimed: HashMap<(String, String), (String, crate::yaml::Pos)>,
}

/// Escape a mapping key for a JSON pointer.
fn esc(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

impl<'a> Checker<'a> {
    pub fn new(
        root: &'a Path,
        file: &'a str,
        dir: &'a str,
        node: &'a Node,
        p: &'a Platform,
        sources: &'a mut Sources,
    ) -> Checker<'a> {
        Checker {
            root,
            file,
            dir,
            node,
            p,
            sources,
            findings: Vec::new(),
            tenant_params: Vec::new(),
            members: Vec::new(),
            members_file: None,
            waves: IndexMap::new(),
            claimed: HashMap::new(),
        }
    }

    pub fn finish(self) -> Resolved {
        Resolved {
            findings: self.findings,
            tenant_params: self.tenant_params,
            members: self.members,
            members_file: self.members_file,
            waves: self.waves,
        }
    }

    /// The position of the node at a pointer, or of its nearest existing ancestor.
    fn pos_of(&self, pointer: &str, key: bool) -> Option<crate::yaml::Pos> {
        self.span_of(pointer, key).map(|s| s.start)
    }

    fn span_of(&self, pointer: &str, key: bool) -> Option<crate::yaml::Span> {
        let mut p = pointer.to_string();
        loop {
            let found = if key {
                self.node.pointer_key(&p)
            } else {
                self.node.pointer(&p)
            };
            if let Some(n) = found {
                return Some(n.span);
            }
            match p.rfind('/') {
                Some(i) => p.truncate(i),
                None => return None,
            }
        }
    }

    fn error(&mut self, rule: &str, pointer: &str, message: String, help: Option<String>) {
        self.push(rule, pointer, false, message, help);
    }

    /// An error about a mapping key itself (a misplaced or unknown name).
    fn error_key(&mut self, rule: &str, pointer: &str, message: String, help: Option<String>) {
        self.push(rule, pointer, true, message, help);
    }

    fn push(
        &mut self,
        rule: &str,
        pointer: &str,
        key: bool,
        message: String,
        help: Option<String>,
    ) {
        let mut f = Finding::error(rule, message)
            .at_span(self.file, self.span_of(pointer, key))
            .with_path(pointer);
        f.help = help;
        self.findings.push(f);
    }

    /// [`Self::suggest`] for names that must be DNS labels: the declared names that are not
    /// (already errors of their own) are never offered.
    fn suggest_label<'n>(name: &str, known: impl IntoIterator<Item = &'n str>) -> Option<String> {
        Self::suggest(
            name,
            known.into_iter().filter(|k| check_dns_label(k).is_ok()),
        )
    }

    fn suggest<'n>(name: &str, known: impl IntoIterator<Item = &'n str>) -> Option<String> {
        let known: Vec<&str> = known.into_iter().collect();
        match did_you_mean(name, known.iter().copied()) {
            Some(s) => Some(format!("did you mean `{s}`?")),
            None if known.is_empty() => None,
            None if known.len() <= 12 => Some(format!("known: {}", known.join(", "))),
            None => None,
        }
    }

    pub fn run(&mut self) {
        let p = self.p;
        if p.api_version != API_VERSION {
            self.error(
                "spec/api-version",
                "/apiVersion",
                format!("unsupported apiVersion `{}`", p.api_version),
                Some(format!("use `apiVersion: {API_VERSION}`")),
            );
        }
        if p.kind != KIND {
            self.error(
                "spec/kind",
                "/kind",
                format!("the kind must be `{KIND}`, not `{}`", p.kind),
                None,
            );
        }
        self.dns_label("/metadata/name", &p.metadata.name);
        self.repo();
        self.argocd();
        self.environments();
        let names = self.deployable_names();
        self.components(&names);
        self.blueprints();
        self.tenants(&names);
        self.sandboxes(&names);
        self.passthrough();
        self.dependency_graph();
        self.application_names();
        self.plugin();
        self.findings.extend(super::lint::run(
            self.root, self.file, self.dir, self.node, p,
        ));
    }

    fn dns_label(&mut self, pointer: &str, value: &str) -> bool {
        match check_dns_label(value) {
            Ok(()) => true,
            Err(e) => {
                self.error("spec/invalid-name", pointer, e, None);
                false
            }
        }
    }

    fn repo(&mut self) {
        let url = &self.p.spec.repo.url;
        let looks_like_git = ["https://", "http://", "ssh://", "git@", "file://"]
            .iter()
            .any(|s| url.starts_with(s));
        if !looks_like_git {
            self.error(
                "spec/invalid-url",
                "/spec/repo/url",
                format!("`{url}` is not a git URL ArgoCD can clone"),
                Some("use an https://, ssh:// or git@ URL".into()),
            );
        }
        if self.p.spec.repo.revision.is_empty() {
            self.error(
                "spec/empty",
                "/spec/repo/revision",
                "the revision is empty".into(),
                None,
            );
        }
    }

    fn argocd(&mut self) {
        let argocd = &self.p.spec.argocd;
        self.dns_label("/spec/argocd/namespace", &argocd.namespace);
        self.dns_label("/spec/argocd/project", &argocd.project);
        for (name, project) in &argocd.projects {
            let at = format!("/spec/argocd/projects/{}", esc(name));
            self.dns_label(&at, name);
            for (i, d) in project.destinations.iter().enumerate() {
                if d.server.is_some() && d.name.is_some() {
                    self.error(
                        "spec/conflict",
                        &format!("{at}/destinations/{i}"),
                        "give either `server` or `name`, not both".into(),
                        None,
                    );
                }
            }
        }
        for (field, template, vars) in [
            (
                "applicationName",
                &argocd.application_name,
                names::APPLICATION_VARS,
            ),
            ("projectName", &argocd.project_name, names::PROJECT_VARS),
            ("rootName", &argocd.root_name, names::ROOT_VARS),
        ] {
            if let Some(template) = template {
                self.name_template(&format!("/spec/argocd/{field}"), template, vars);
            }
        }
        self.sync_options("/spec/argocd/syncPolicy", Some(&argocd.sync_policy));
    }

    /// A name template uses only the placeholders it can be given.
    fn name_template(&mut self, pointer: &str, template: &str, vars: &[&str]) {
        if let Some(unknown) = names::unknown_placeholder(template, vars) {
            let known: Vec<String> = vars.iter().map(|v| format!("`{{{v}}}`")).collect();
            self.error(
                "spec/invalid-name-template",
                pointer,
                format!("`{{{unknown}}}` is not a placeholder of this name"),
                Some(format!("use {}", known.join(", "))),
            );
        }
    }

    /// Application annotations must not set what the spec computes.
    fn app_annotations(&mut self, at: &str, annotations: &IndexMap<String, String>) {
        if annotations.contains_key(crate::compile::argocd::SYNC_WAVE) {
            self.error_key(
                "spec/conflict",
                &format!("{at}/annotations/{}", esc(crate::compile::argocd::SYNC_WAVE)),
                "the sync wave is computed from `dependsOn`: an annotation would silently override it, and a dependent could sync first".into(),
                Some("write `syncWave: N` instead (it is checked against `dependsOn`)".into()),
            );
        }
    }

    /// The Application names each Argo CD holds are unique. Environments with their own
    /// Argo CD are checked alone; the others share one.
    fn application_names(&mut self) {
        let p = self.p;
        let spec = &p.spec;
        // (Argo CD instance, name) -> (where it is written, environment, spec name).
        let mut seen: HashMap<(Option<&str>, String), (String, &str, &str)> = HashMap::new();
        for env in &spec.environments {
            let instance = env.own_argocd.then_some(env.name.as_str());
            // (Application name, where the deployable is written, its name in the spec).
            let mut named: Vec<(String, String, &str)> = Vec::new();
            for (i, c) in spec.components.iter().enumerate() {
                let o = c.environments.get(&env.name);
                if o.and_then(|o| o.enabled) == Some(false) {
                    continue;
                }
                let project = c.project.as_deref().unwrap_or(&spec.argocd.project);
                let own = o
                    .and_then(|o| o.application_name.as_deref())
                    .or(c.application_name.as_deref());
                if let Some(t) = own {
                    self.name_template(
                        &format!("/spec/components/{i}/applicationName"),
                        t,
                        names::APPLICATION_VARS,
                    );
                }
                let name = names::application(p, env, &c.name, project, own);
                self.external_project(i, c, env, project);
                named.push((name, format!("/spec/components/{i}/name"), &c.name));
            }
            for (i, t) in spec.tenants.iter().enumerate() {
                if t.environments
                    .as_ref()
                    .is_some_and(|envs| !envs.contains(&env.name))
                {
                    continue;
                }
                let project = t.project.as_deref().unwrap_or(&spec.argocd.project);
                if let Some(tpl) = &t.application_name {
                    self.name_template(
                        &format!("/spec/tenants/{i}/applicationName"),
                        tpl,
                        names::APPLICATION_VARS,
                    );
                }
                let name =
                    names::application(p, env, &t.name, project, t.application_name.as_deref());
                named.push((name, format!("/spec/tenants/{i}/name"), &t.name));
            }
            named.push((names::root(p, env), "/spec/environments".into(), ""));
            for (name, pointer, spec_name) in named {
                // A template with an unknown placeholder is reported once, above.
                if name.contains('{') {
                    continue;
                }
                if let Err(e) = super::params::check_dns_subdomain(&name) {
                    self.error(
                        "spec/invalid-name",
                        &pointer,
                        format!(
                            "the Application name `{name}` in `{}` is not valid: {e}",
                            env.name
                        ),
                        Some("change `applicationName` or the name template".into()),
                    );
                    continue;
                }
                match seen.get(&(instance, name.clone())) {
                    // Two deployables of one name are already `spec/duplicate-name`.
                    Some((first, _, first_name))
                        if *first != pointer && *first_name == spec_name => {}
                    Some((first, first_env, _)) if *first != pointer || *first_env != env.name => {
                        let message = if *first_env == env.name {
                            format!("two Applications are named `{name}` in `{}`", env.name)
                        } else {
                            format!(
                                "two Applications are named `{name}`, in `{first_env}` and in `{}`, which share one Argo CD",
                                env.name
                            )
                        };
                        let first = first.clone();
                        let mut f = Finding::error("spec/duplicate-application", message)
                        .at(self.file, self.pos_of(&pointer, false))
                        .with_path(pointer.clone())
                        .with_help("Argo CD keeps one Application per name: use `{name}-{env}` names, `applicationName`, or `ownArgocd: true` for environments with an Argo CD of their own");
                        if let Some(pos) = self.pos_of(&first, false) {
                            f = f.with_related(self.file, pos, "the other one");
                        }
                        self.findings.push(f);
                    }
                    Some(_) => {}
                    None => {
                        seen.insert((instance, name), (pointer, env.name.as_str(), spec_name));
                    }
                }
            }
        }
    }

    /// A component of a project declared outside the repository goes where that project
    /// allows, from repositories it allows: else Argo CD would refuse the sync.
    fn external_project(&mut self, i: usize, c: &Component, env: &Environment, project: &str) {
        let Some(declared) = self
            .p
            .spec
            .argocd
            .projects
            .get(project)
            .filter(|p| p.external)
        else {
            return;
        };
        let o = c.environments.get(&env.name);
        let d = o.and_then(|o| o.destination.as_ref());
        let namespace = d
            .and_then(|d| d.namespace.as_deref())
            .or(c.namespace.as_deref())
            .unwrap_or(&c.name);
        let cluster = match d.map(|d| (d.server.as_deref(), d.name.as_deref())) {
            Some((Some(server), _)) => (Some(server), None),
            Some((None, Some(name))) => (None, Some(name)),
            _ => match (&env.cluster, &env.server) {
                (Some(name), _) => (None, Some(name.as_str())),
                (None, Some(server)) => (Some(server.as_str()), None),
                (None, None) => (Some(crate::compile::argocd::IN_CLUSTER), None),
            },
        };
        let at = format!("/spec/components/{i}/project");
        if !super::projects::allows_destination(declared, env, cluster, namespace) {
            let place = cluster.0.or(cluster.1).unwrap_or_default();
            self.error(
                "spec/project-destination",
                &at,
                format!("`{}` deploys to `{namespace}` on `{place}` in `{}`, which the project `{project}` does not allow", c.name, env.name),
                Some(format!("add the destination to the project (and to its `destinations` here), or deploy `{}` elsewhere", c.name)),
            );
        }
        let this_repo = self.p.spec.repo.url.as_str();
        let mut repos: Vec<&str> = Vec::new();
        for helm in c.helm.iter().chain(&c.charts) {
            repos.push(helm.repo.as_deref().unwrap_or(this_repo));
        }
        if let Some(git) = &c.git {
            repos.push(&git.repo);
        }
        if !c.resources.is_empty() || o.is_some_and(|o| !o.resources.is_empty()) {
            repos.push(this_repo);
        }
        for r in c.refs.values() {
            repos.push(r.repo.as_deref().unwrap_or(this_repo));
        }
        if let Some(repo) = super::projects::first_refused_repo(declared, &repos) {
            self.error(
                "spec/project-destination",
                &at,
                format!("`{}` reads `{repo}`, which the project `{project}` does not list in its source repositories", c.name),
                Some("add the repository to the project's `sourceRepos`".into()),
            );
        }
    }

    fn passthrough(&mut self) {
        for (i, entry) in self.p.spec.passthrough.iter().enumerate() {
            let at = format!("/spec/passthrough/{i}");
            self.path(&format!("{at}/path"), &entry.path, Some(Entry::File));
            self.env_refs(&format!("{at}/environments"), entry.environments.as_ref());
        }
    }

    fn sync_options(&mut self, pointer: &str, policy: Option<&SyncPolicy>) {
        let Some(options) = policy.and_then(|p| p.sync_options.as_ref()) else {
            return;
        };
        for (i, option) in options.iter().enumerate() {
            // The spec owns these two: written here as well, both would be emitted and
            // Argo CD would read whichever comes last.
            let owned = [
                ("CreateNamespace=", "createNamespace"),
                ("ServerSideApply=", "serverSideApply"),
            ];
            if let Some((_, field)) = owned.iter().find(|(p, _)| option.starts_with(p)) {
                let value = option.split_once('=').map(|(_, v)| v).unwrap_or_default();
                self.error(
                    "spec/conflict",
                    &format!("{pointer}/syncOptions/{i}"),
                    format!("`{option}` belongs to the sync policy's `{field}`: written in `syncOptions` too, both would be emitted and contradict each other"),
                    Some(format!("write `{field}: {value}` in the sync policy instead")),
                );
                continue;
            }
            if !option.contains('=') {
                self.error(
                    "spec/invalid-sync-option",
                    &format!("{pointer}/syncOptions/{i}"),
                    format!("`{option}` is not a sync option: they are written `Name=value`"),
                    Some("for example `PruneLast=true` or `RespectIgnoreDifferences=true`".into()),
                );
            }
        }
    }

    fn environments(&mut self) {
        let envs = &self.p.spec.environments;
        if envs.is_empty() {
            self.error(
                "spec/no-environments",
                "/spec/environments",
                "the platform has no environments".into(),
                Some("add one, such as `- name: prod`".into()),
            );
        }
        let mut seen = HashSet::new();
        for (i, env) in envs.iter().enumerate() {
            let at = format!("/spec/environments/{i}");
            self.dns_label(&format!("{at}/name"), &env.name);
            if env.name == "base" {
                self.error(
                    "spec/reserved-name",
                    &format!("{at}/name"),
                    "`base` is reserved for the shared folder of the generated tree".into(),
                    Some("choose another environment name".into()),
                );
            }
            if !seen.insert(env.name.as_str()) {
                self.error(
                    "spec/duplicate-name",
                    &format!("{at}/name"),
                    format!("the environment `{}` is declared twice", env.name),
                    None,
                );
            }
            if env.server.is_some() && env.cluster.is_some() {
                self.error(
                    "spec/conflict",
                    &format!("{at}/cluster"),
                    "give either `server` or `cluster`, not both".into(),
                    None,
                );
            }
            if let Some(v) = &env.kubernetes_version {
                let ok = v
                    .strip_prefix("1.")
                    .is_some_and(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()));
                if !ok {
                    self.error(
                        "spec/invalid-version",
                        &format!("{at}/kubernetesVersion"),
                        format!("`{v}` is not a Kubernetes minor version"),
                        Some("write it quoted, like \"1.30\"".into()),
                    );
                }
            }
        }
    }

    fn env_names(&self) -> Vec<&'a str> {
        self.p
            .spec
            .environments
            .iter()
            .map(|e| e.name.as_str())
            .collect()
    }

    /// The plugin mode: the component that gets the sidecar exists, an image is named for
    /// it, and its chart values can be added to.
    fn plugin(&mut self) {
        let p = self.p;
        let Some(plugin) = &p.spec.argocd.plugin else {
            return;
        };
        self.dns_label("/spec/argocd/plugin/name", &plugin.name);
        let Some(name) = &plugin.component else {
            return;
        };
        let pointer = "/spec/argocd/plugin/component";
        let Some(c) = p.spec.components.iter().find(|c| c.name == *name) else {
            let help = Self::suggest(name, p.spec.components.iter().map(|c| c.name.as_str()));
            self.error(
                "spec/unknown-reference",
                pointer,
                format!("the plugin's sidecar goes to component `{name}`, which the spec does not declare"),
                help,
            );
            return;
        };
        if plugin.image.as_deref().is_none_or(|i| i.trim().is_empty()) {
            self.error(
                "spec/empty",
                pointer,
                "the plugin's sidecar needs an image".into(),
                Some("name it with `image:` beside `component:` (platc built from its Containerfile)".into()),
            );
        }
        if c.helm
            .as_ref()
            .is_some_and(|h| matches!(h.values_inline, Some(serde_json::Value::String(_))))
        {
            self.error(
                "spec/conflict",
                pointer,
                format!("the plugin's sidecar is added to the chart values of `{name}`, whose `valuesInline` is a string"),
                Some("write `valuesInline` as a mapping".into()),
            );
        }
    }

    fn project_known(&mut self, pointer: &str, project: Option<&String>) {
        let Some(project) = project else { return };
        let argocd = &self.p.spec.argocd;
        if *project == argocd.project
            || argocd.projects.contains_key(project)
            || project == names::DEFAULT_PROJECT
        {
            return;
        }
        let known: Vec<&str> = std::iter::once(argocd.project.as_str())
            .chain(argocd.projects.keys().map(String::as_str))
            .collect();
        let help = Self::suggest_label(project, known)
            .map(|h| format!("{h} (declare projects under `spec.argocd.projects`)"));
        self.error(
            "spec/unknown-project",
            pointer,
            format!("unknown project `{project}`"),
            help,
        );
    }

    fn env_refs(&mut self, pointer: &str, envs: Option<&Vec<String>>) {
        let Some(envs) = envs else { return };
        let known = self.env_names();
        for (i, env) in envs.iter().enumerate() {
            if !known.contains(&env.as_str()) {
                let help = Self::suggest_label(env, known.iter().copied());
                self.error(
                    "spec/unknown-environment",
                    &format!("{pointer}/{i}"),
                    format!("unknown environment `{env}`"),
                    help,
                );
            }
        }
    }

    /// Names of everything that becomes an Application or ApplicationSet; reports duplicates.
    fn deployable_names(&mut self) -> HashSet<&'a str> {
        let spec = &self.p.spec;
        let mut all: Vec<(&'a str, String)> = Vec::new();
        for (i, c) in spec.components.iter().enumerate() {
            all.push((&c.name, format!("/spec/components/{i}/name")));
        }
        for (i, t) in spec.tenants.iter().enumerate() {
            all.push((&t.name, format!("/spec/tenants/{i}/name")));
        }
        if let Some(s) = &spec.sandboxes {
            all.push((&s.name, "/spec/sandboxes/name".to_string()));
        }
        let mut first: HashMap<&str, String> = HashMap::new();
        for (name, pointer) in &all {
            if !self.dns_label(pointer, name) {
                continue;
            }
            if let Some(prev) = first.get(name) {
                let prev_pos = self.pos_of(prev, false);
                let mut f = Finding::error("spec/duplicate-name", format!("the name `{name}` is used twice"))
                    .at(self.file, self.pos_of(pointer, false))
                    .with_path(pointer.clone())
                    .with_help("components, tenants and sandboxes share one namespace of names: each becomes an Application");
                if let Some(pos) = prev_pos {
                    f = f.with_related(self.file, pos, "first used here");
                }
                self.findings.push(f);
            } else {
                first.insert(name, pointer.clone());
            }
        }
        all.into_iter().map(|(n, _)| n).collect()
    }

    fn depends_on(&mut self, pointer: &str, own: &str, deps: &[String], names: &HashSet<&str>) {
        for (i, dep) in deps.iter().enumerate() {
            let at = format!("{pointer}/{i}");
            if dep == own {
                self.error(
                    "spec/self-dependency",
                    &at,
                    format!("`{own}` depends on itself"),
                    None,
                );
            } else if !names.contains(&dep.as_str()) {
                let mut known: Vec<&str> = names.iter().copied().collect();
                known.sort_unstable();
                let help = Self::suggest_label(dep, known);
                self.error(
                    "spec/unknown-reference",
                    &at,
                    format!("`{own}` depends on `{dep}`, which is not declared"),
                    help,
                );
            }
        }
    }

    fn path(&mut self, pointer: &str, path: &str, want: Option<Entry>) -> Option<(String, Entry)> {
        let rel = match repo_relative(self.dir, path) {
            Ok(rel) => rel,
            Err(e) => {
                self.error("spec/invalid-path", pointer, e, None);
                return None;
            }
        };
        match lookup(self.root, &rel) {
            Ok(entry) => {
                if let Some(want) = want
                    && want != entry
                {
                    let what = if want == Entry::Dir {
                        "a folder"
                    } else {
                        "a file"
                    };
                    self.error(
                        "spec/invalid-path",
                        pointer,
                        format!("`{path}` is not {what}"),
                        None,
                    );
                    return None;
                }
                Some((rel, entry))
            }
            Err(e) => {
                let help = format!(
                    "paths are relative to the spec's folder `{}`",
                    if self.dir.is_empty() { "." } else { self.dir }
                );
                self.error("spec/missing-path", pointer, e, Some(help));
                None
            }
        }
    }

    fn patches(&mut self, pointer: &str, patches: &[Patch]) {
        for (i, patch) in patches.iter().enumerate() {
            let at = format!("{pointer}/{i}");
            self.env_refs(&format!("{at}/environments"), patch.environments.as_ref());
            match (&patch.path, &patch.patch) {
                (Some(path), None) => {
                    self.path(&format!("{at}/path"), path, Some(Entry::File));
                }
                (None, Some(text)) => {
                    if let Err(e) = yaml::parse_stream(text) {
                        self.error(
                            "spec/invalid-patch",
                            &format!("{at}/patch"),
                            format!("the inline patch is not valid YAML: {}", e.message),
                            None,
                        );
                    }
                }
                _ => self.error(
                    "spec/invalid-patch",
                    &at,
                    "a patch needs exactly one of `path` and `patch`".into(),
                    None,
                ),
            }
        }
    }

    fn components(&mut self, names: &HashSet<&str>) {
        let envs = self.env_names();
        for (i, c) in self.p.spec.components.iter().enumerate() {
            let at = format!("/spec/components/{i}");
            // An empty namespace is an Application that names none (cluster-scoped objects
            // only), as teams that adopt platc may already run.
            if let Some(ns) = c.namespace.as_ref().filter(|ns| !ns.is_empty()) {
                self.dns_label(&format!("{at}/namespace"), ns);
            }
            self.project_known(&format!("{at}/project"), c.project.as_ref());
            self.depends_on(&format!("{at}/dependsOn"), &c.name, &c.depends_on, names);
            self.app_annotations(&at, &c.annotations);
            let charts = c.helm.is_some() || !c.charts.is_empty();
            match (charts.then_some(()), &c.git, c.resources.is_empty()) {
                (None, None, true) => self.error(
                    "spec/empty-component",
                    &format!("{at}/name"),
                    format!("the component `{}` deploys nothing", c.name),
                    Some("give it `helm`, `charts`, `git` or `resources`".into()),
                ),
                (Some(_), Some(_), _) => self.error(
                    "spec/conflict",
                    &format!("{at}/git"),
                    "a component is either a Helm chart or a git path, not both".into(),
                    Some("split it into two components".into()),
                ),
                (None, Some(_), false) => self.error(
                    "spec/conflict",
                    &format!("{at}/resources"),
                    "a git component deploys the remote path only".into(),
                    Some("put the local resources in a component of their own".into()),
                ),
                _ => {}
            }
            if let Some(helm) = &c.helm {
                self.helm(&format!("{at}/helm"), helm, &c.refs);
            }
            for (j, chart) in c.charts.iter().enumerate() {
                self.helm(&format!("{at}/charts/{j}"), chart, &c.refs);
            }
            for (name, r) in &c.refs {
                let rat = format!("{at}/refs/{}", esc(name));
                if let Some(repo) = &r.repo
                    && repo.is_empty()
                {
                    self.error(
                        "spec/empty",
                        &format!("{rat}/repo"),
                        "`repo` is empty".into(),
                        None,
                    );
                }
            }
            let local =
                !c.resources.is_empty() || c.environments.values().any(|o| !o.resources.is_empty());
            if c.git.is_none() && !local {
                let env_patches = c
                    .environments
                    .iter()
                    .find(|(_, o)| !o.patches.is_empty() || !o.labels.is_empty());
                let field = if !c.patches.is_empty() {
                    Some(format!("{at}/patches"))
                } else if !c.labels.is_empty() {
                    Some(format!("{at}/labels"))
                } else {
                    env_patches.map(|(env, _)| format!("{at}/environments/{}", esc(env)))
                };
                if let Some(field) = field {
                    self.error(
                        "spec/conflict",
                        &field,
                        format!("`{}` has no local resources or git path for patches and labels to apply to", c.name),
                        Some("change a Helm chart through its values".into()),
                    );
                }
            }
            let creates_namespace = |p: Option<&SyncPolicy>| p.and_then(|p| p.create_namespace);
            let create = creates_namespace(c.sync_policy.as_ref())
                .or(creates_namespace(Some(&self.p.spec.argocd.sync_policy)))
                .unwrap_or(true);
            if c.managed_namespace_metadata.is_some() && !create {
                self.error(
                    "spec/conflict",
                    &format!("{at}/managedNamespaceMetadata"),
                    "managedNamespaceMetadata only applies when ArgoCD creates the namespace".into(),
                    Some("set `syncPolicy.createNamespace: true`, or label the namespace in a manifest".into()),
                );
            }
            if let Some(git) = &c.git {
                self.non_empty(
                    &format!("{at}/git"),
                    "git",
                    [
                        ("repo", &git.repo),
                        ("path", &git.path),
                        ("revision", &git.revision),
                    ],
                );
            }
            for (j, r) in c.resources.iter().enumerate() {
                self.path(&format!("{at}/resources/{j}"), r, None);
            }
            self.patches(&format!("{at}/patches"), &c.patches);
            self.sync_options(&format!("{at}/syncPolicy"), c.sync_policy.as_ref());
            for (env, o) in &c.environments {
                let eat = format!("{at}/environments/{}", esc(env));
                if !envs.contains(&env.as_str()) {
                    let help = Self::suggest_label(env, envs.iter().copied());
                    self.error_key(
                        "spec/unknown-environment",
                        &eat,
                        format!("unknown environment `{env}`"),
                        help,
                    );
                    continue;
                }
                // Environment value files go to the first chart: `$ref/...` files are read
                // from a source as the chart's own are, and a chart that ignores missing
                // files does so for these too.
                let first_chart = c.helm.as_ref().or(c.charts.first());
                let ignore_missing =
                    first_chart.is_some_and(|h| h.ignore_missing_value_files == Some(true));
                for (j, v) in o.values.iter().enumerate() {
                    let vat = format!("{eat}/values/{j}");
                    if let Some(reference) = v.strip_prefix('$') {
                        let name = reference.split('/').next().unwrap_or_default();
                        if !c.refs.contains_key(name) {
                            self.error(
                                "spec/unknown-reference",
                                &vat,
                                format!("the values file `{v}` reads the source `{name}`, which is not declared"),
                                Some(format!("declare it under the component's `refs` (`{name}: {{repo: ..., revision: ...}}`)")),
                            );
                        }
                    } else if !ignore_missing {
                        self.path(&vat, v, Some(Entry::File));
                    }
                }
                for (j, r) in o.resources.iter().enumerate() {
                    self.path(&format!("{eat}/resources/{j}"), r, None);
                }
                self.patches(&format!("{eat}/patches"), &o.patches);
                self.sync_options(&format!("{eat}/syncPolicy"), o.sync_policy.as_ref());
                if !charts
                    && (o.version.is_some() || !o.values.is_empty() || o.values_inline.is_some())
                {
                    self.error(
                        "spec/conflict",
                        &eat,
                        format!(
                            "`{}` is not a Helm chart: `version` and values do not apply",
                            c.name
                        ),
                        None,
                    );
                }
                if c.git.is_none() && !local && o.revision.is_some() {
                    self.error(
                        "spec/conflict",
                        &format!("{eat}/revision"),
                        format!(
                            "`{}` has no git path or local resources: `revision` does not apply",
                            c.name
                        ),
                        Some("a chart's version per environment is `version`".into()),
                    );
                }
                if c.git.is_some() && (!o.resources.is_empty()) {
                    self.error(
                        "spec/conflict",
                        &format!("{eat}/resources"),
                        "a git component deploys the remote path only".into(),
                        None,
                    );
                }
                if let Some(d) = &o.destination {
                    if d.server.is_some() && d.name.is_some() {
                        self.error(
                            "spec/conflict",
                            &format!("{eat}/destination"),
                            "give either `server` or `name`, not both".into(),
                            None,
                        );
                    }
                    if let Some(ns) = &d.namespace {
                        self.dns_label(&format!("{eat}/destination/namespace"), ns);
                    }
                }
            }
        }
    }

    /// Fields that must not be empty strings.
    fn non_empty<const N: usize>(&mut self, at: &str, what: &str, fields: [(&str, &String); N]) {
        for (field, value) in fields {
            if value.is_empty() {
                self.error(
                    "spec/empty",
                    &format!("{at}/{field}"),
                    format!("`{what}.{field}` is empty"),
                    None,
                );
            }
        }
    }

    fn helm(&mut self, at: &str, helm: &Helm, refs: &IndexMap<String, RefSource>) {
        match (&helm.chart, &helm.path) {
            (Some(_), Some(_)) => self.error(
                "spec/conflict",
                &format!("{at}/path"),
                "a chart comes from a Helm repository (`chart`) or a git folder (`path`), not both"
                    .into(),
                None,
            ),
            (None, None) => self.error(
                "spec/invalid",
                at,
                "the chart needs `chart` (with a Helm `repo`) or `path` (a folder in git)".into(),
                None,
            ),
            (Some(chart), None) => {
                if helm.repo.is_none() {
                    self.error(
                        "spec/invalid",
                        at,
                        format!(
                            "the chart `{chart}` needs the Helm repository it comes from (`repo`)"
                        ),
                        None,
                    );
                }
                if helm.version.is_none() {
                    self.error(
                        "spec/invalid",
                        at,
                        format!("the chart `{chart}` needs an exact `version`"),
                        Some("Argo CD would otherwise take whatever is newest at sync time".into()),
                    );
                }
            }
            (None, Some(path)) => {
                if helm.repo.is_none() {
                    if let Some((rel, _)) = self.path(&format!("{at}/path"), path, Some(Entry::Dir))
                        && !crate::confine::is_file(&self.root.join(&rel).join("Chart.yaml"))
                    {
                        self.error(
                            "spec/invalid-path",
                            &format!("{at}/path"),
                            format!("`{path}` holds no Chart.yaml"),
                            None,
                        );
                    }
                } else if helm.version.is_none() {
                    self.error(
                        "spec/invalid",
                        at,
                        "a chart in another git repository needs the revision to read (`version`)"
                            .into(),
                        None,
                    );
                }
            }
        }
        for (field, value) in [
            ("repo", &helm.repo),
            ("chart", &helm.chart),
            ("version", &helm.version),
        ] {
            if value.as_deref() == Some("") {
                self.error(
                    "spec/empty",
                    &format!("{at}/{field}"),
                    format!("`helm.{field}` is empty"),
                    None,
                );
            }
        }
        let ignore_missing = helm.ignore_missing_value_files == Some(true);
        for (j, v) in helm.values.iter().enumerate() {
            let vat = format!("{at}/values/{j}");
            if let Some(reference) = v.strip_prefix('$') {
                let name = reference.split('/').next().unwrap_or_default();
                if !refs.contains_key(name) {
                    let help = Self::suggest(name, refs.keys().map(String::as_str))
                        .unwrap_or_else(|| format!("declare it under the component's `refs` (`{name}: {{repo: ..., revision: ...}}`), or write a path relative to the spec for a file of this repository"));
                    self.error(
                        "spec/unknown-reference",
                        &vat,
                        format!(
                            "the values file `{v}` reads the source `{name}`, which is not declared"
                        ),
                        Some(help),
                    );
                }
            } else if !ignore_missing {
                self.path(&vat, v, Some(Entry::File));
            }
        }
        if let Some(values) = &helm.values_inline
            && !values.is_object()
            && !values.is_string()
        {
            self.error(
                "spec/invalid",
                &format!("{at}/valuesInline"),
                "inline values must be a mapping (Argo CD's `valuesObject`) or a string (`values`)"
                    .into(),
                None,
            );
        }
        for (j, param) in helm.parameters.iter().enumerate() {
            if param.name.is_empty() {
                self.error(
                    "spec/empty",
                    &format!("{at}/parameters/{j}/name"),
                    "the parameter's name is empty".into(),
                    None,
                );
            }
        }
    }

    fn blueprints(&mut self) {
        for (name, bp) in &self.p.spec.blueprints {
            let at = format!("/spec/blueprints/{}", esc(name));
            self.path(&format!("{at}/path"), &bp.path, Some(Entry::Dir));
            for (pname, param) in &bp.params {
                let pat = format!("{at}/params/{}", esc(pname));
                if let Some(e) = param.pattern.as_deref().and_then(pattern_error) {
                    self.error(
                        "spec/invalid-pattern",
                        &format!("{pat}/pattern"),
                        format!("the pattern does not compile: {e}"),
                        None,
                    );
                    continue;
                }
                if let Some(default) = &param.default {
                    if param.required {
                        self.error(
                            "spec/conflict",
                            &format!("{pat}/default"),
                            "a required parameter cannot have a default".into(),
                            Some("drop `required` or the default".into()),
                        );
                    } else if let Err(e) = check_json(param, default) {
                        self.error("spec/invalid-param", &format!("{pat}/default"), e, None);
                    }
                }
                if let (Some(min), Some(max)) = (param.min_length, param.max_length)
                    && min > max
                {
                    self.error(
                        "spec/conflict",
                        &format!("{pat}/minLength"),
                        format!("minLength {min} is above maxLength {max}"),
                        None,
                    );
                }
            }
        }
    }

    fn blueprint_known(&mut self, pointer: &str, name: &str) -> Option<&'a Blueprint> {
        let blueprints = &self.p.spec.blueprints;
        match blueprints.get(name) {
            Some(bp) => Some(bp),
            None => {
                let help = Self::suggest(name, blueprints.keys().map(String::as_str));
                self.error(
                    "spec/unknown-reference",
                    pointer,
                    format!("unknown blueprint `{name}`"),
                    help,
                );
                None
            }
        }
    }

    /// Check an instance's parameters against its blueprint; the values with defaults.
    /// `given` is the parameters mapping node; `file` the file it is in.
    fn instance_params(
        &mut self,
        bp_name: &str,
        bp: &Blueprint,
        given: Option<&Node>,
        owner: (&str, &str, Option<crate::yaml::Pos>),
        implicit: &[&str],
    ) -> IndexMap<String, serde_json::Value> {
        let (file, pointer, owner_pos) = owner;
        let mut out = IndexMap::new();
        let mut problems: Vec<Finding> = Vec::new();
        let entries: &[(Node, Node)] = given.and_then(Node::as_map).unwrap_or(&[]);
        for (k, v) in entries {
            let key = k.key_text().map(|c| c.into_owned()).unwrap_or_default();
            let Some(decl) = bp.params.get(&key) else {
                if implicit.contains(&key.as_str()) {
                    out.insert(key, v.to_json());
                    continue;
                }
                let help = Self::suggest(&key, bp.params.keys().map(String::as_str));
                problems.push(
                    Finding::error(
                        "spec/unknown-param",
                        format!("the blueprint `{bp_name}` has no parameter `{key}`"),
                    )
                    .at_span(file, Some(k.span))
                    .with_path(format!("{pointer}/{}", esc(&key))),
                );
                problems.last_mut().unwrap().help = help;
                continue;
            };
            match check_value(decl, v) {
                Ok(value) => {
                    if decl.unique
                        && let Some(text) = value
                            .as_str()
                            .map(str::to_string)
                            .or_else(|| Some(value.to_string()))
                    {
                        let scope = if decl.kind == ParamType::Fqdn {
                            "fqdn".to_string()
                        } else {
                            format!("{bp_name}/{key}")
                        };
                        match self.claimed.get(&(scope.clone(), text.clone())) {
                                Some((other_file, other_pos)) => problems.push(
                                    Finding::error("spec/duplicate-value", format!("`{text}` is already used by another instance (`{key}` must be unique)"))
                                        .at_span(file, Some(v.span))
                                        .with_path(format!("{pointer}/{}", esc(&key)))
                                        .with_related(other_file.clone(), *other_pos, "already used here"),
                                ),
                                None => {
                                    self.claimed.insert((scope, text), (file.to_string(), v.span.start));
                                }
                            }
                    }
                    out.insert(key, value);
                }
                Err(e) => problems.push(
                    Finding::error("spec/invalid-param", format!("parameter `{key}`: {e}"))
                        .at_span(file, Some(v.span))
                        .with_path(format!("{pointer}/{}", esc(&key))),
                ),
            }
        }
        for (pname, decl) in &bp.params {
            // A value given but invalid is reported as invalid above, not also as missing.
            if out.contains_key(pname) || super::params::given(entries, pname) {
                continue;
            }
            if let Some(default) = &decl.default {
                out.insert(pname.clone(), default.clone());
            } else if decl.required {
                problems.push(
                    Finding::error(
                        "spec/missing-param",
                        format!(
                            "the required parameter `{pname}` of blueprint `{bp_name}` is missing"
                        ),
                    )
                    .at(file, owner_pos)
                    .with_path(pointer.to_string()),
                );
            }
        }
        self.findings.extend(problems);
        out
    }

    fn tenants(&mut self, names: &HashSet<&str>) {
        for (i, t) in self.p.spec.tenants.iter().enumerate() {
            let at = format!("/spec/tenants/{i}");
            if let Some(ns) = &t.namespace {
                self.dns_label(&format!("{at}/namespace"), ns);
            }
            self.project_known(&format!("{at}/project"), t.project.as_ref());
            self.env_refs(&format!("{at}/environments"), t.environments.as_ref());
            self.depends_on(&format!("{at}/dependsOn"), &t.name, &t.depends_on, names);
            self.sync_options(&format!("{at}/syncPolicy"), t.sync_policy.as_ref());
            self.app_annotations(&at, &t.annotations);
            self.patches(&format!("{at}/patches"), &t.patches);
            let params = match self.blueprint_known(&format!("{at}/blueprint"), &t.blueprint) {
                Some(bp) if !bp.values_files.is_empty() => {
                    self.error(
                        "spec/conflict",
                        &format!("{at}/blueprint"),
                        format!("the blueprint `{}` renders Helm values files, which tenants cannot use", t.blueprint),
                        Some("tenants deploy the rendered manifests; use the blueprint for sandboxes, or drop `valuesFiles`".into()),
                    );
                    IndexMap::new()
                }
                Some(bp) => {
                    let node = self.node.pointer(&format!("{at}/params"));
                    let owner_pos = self.pos_of(&format!("{at}/params"), true);
                    self.instance_params(
                        &t.blueprint,
                        bp,
                        node,
                        (self.file, &format!("{at}/params"), owner_pos),
                        &[],
                    )
                }
                None => IndexMap::new(),
            };
            self.tenant_params.push(params);
        }
    }

    fn sandboxes(&mut self, names: &HashSet<&str>) {
        let Some(s) = &self.p.spec.sandboxes else {
            return;
        };
        let at = "/spec/sandboxes";
        self.dns_label(
            &format!("{at}/namespacePrefix"),
            s.namespace_prefix.trim_end_matches('-'),
        );
        self.project_known(&format!("{at}/project"), s.project.as_ref());
        self.env_refs(&format!("{at}/environments"), s.environments.as_ref());
        self.depends_on(&format!("{at}/dependsOn"), &s.name, &s.depends_on, names);
        self.sync_options(&format!("{at}/syncPolicy"), s.sync_policy.as_ref());
        if let Some(helm) = &s.helm {
            self.helm(&format!("{at}/helm"), helm, &IndexMap::new());
        }
        let bp = self.blueprint_known(&format!("{at}/blueprint"), &s.blueprint);
        if let Some(bp) = bp {
            if s.helm.is_none() && !bp.values_files.is_empty() {
                self.error(
                    "spec/conflict",
                    &format!("{at}/blueprint"),
                    format!("the blueprint `{}` renders Helm values files, but the sandboxes have no `helm` chart", s.blueprint),
                    Some("add `helm` to `sandboxes`, or drop `valuesFiles` from the blueprint".into()),
                );
            }
            for (j, vf) in bp.values_files.iter().enumerate() {
                if vf.contains("{{") || vf.contains("{%") {
                    let bp_at = format!("/spec/blueprints/{}/valuesFiles/{j}", esc(&s.blueprint));
                    self.error("spec/conflict", &bp_at, "values files of sandboxes must have fixed names: every member's Application reads the same path".into(), None);
                }
            }
        }
        let Some((members_file, _)) =
            self.path(&format!("{at}/members"), &s.members, Some(Entry::File))
        else {
            return;
        };
        self.members_file = Some(members_file.clone());
        let text = match crate::confine::read_to_string(self.root, &members_file) {
            Ok(t) => t,
            Err(e) => {
                self.error(
                    "spec/unreadable",
                    &format!("{at}/members"),
                    format!("cannot read `{members_file}`: {e}"),
                    None,
                );
                return;
            }
        };
        self.sources.insert(members_file.clone(), text.as_str());
        let stream = match yaml::parse_stream(&text) {
            Ok(s) => s,
            Err(e) => {
                self.findings.push(
                    Finding::error(
                        "spec/yaml",
                        format!("the members file is not valid YAML: {}", e.message),
                    )
                    .at(&members_file, Some(e.pos)),
                );
                return;
            }
        };
        for d in &stream.duplicates {
            self.findings.push(
                Finding::error("spec/duplicate-key", format!("`{}` is given twice", d.key))
                    .at(&members_file, Some(d.second.start))
                    .with_related(&members_file, d.first.start, "first given here"),
            );
        }
        let list = stream.documents.first();
        let Some(items) = list.and_then(Node::as_seq) else {
            let pos = list.map(|n| n.span.start);
            self.findings.push(
                Finding::error(
                    "spec/invalid-members",
                    "the members file must be a list of members",
                )
                .at(&members_file, pos)
                .with_help("write `- name: alice` entries, one per member"),
            );
            return;
        };
        let mut seen: HashMap<String, crate::yaml::Pos> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            let pointer = format!("/{i}");
            let Some(name_node) = item.get("name") else {
                self.findings.push(
                    Finding::error("spec/invalid-members", "a member needs a `name`")
                        .at(&members_file, Some(item.span.start))
                        .with_path(pointer),
                );
                continue;
            };
            let Some(name) = name_node.as_str() else {
                self.findings.push(
                    Finding::error(
                        "spec/invalid-members",
                        format!(
                            "the member name must be a string, found {}",
                            name_node.describe()
                        ),
                    )
                    .at(&members_file, Some(name_node.span.start)),
                );
                continue;
            };
            if let Err(e) = check_dns_label(name) {
                self.findings.push(
                    Finding::error("spec/invalid-name", e)
                        .at(&members_file, Some(name_node.span.start))
                        .with_path(format!("{pointer}/name")),
                );
                continue;
            }
            if let Some(prev) = seen.insert(name.to_string(), name_node.span.start) {
                self.findings.push(
                    Finding::error(
                        "spec/duplicate-name",
                        format!("the member `{name}` is listed twice"),
                    )
                    .at(&members_file, Some(name_node.span.start))
                    .with_related(&members_file, prev, "first listed here"),
                );
                continue;
            }
            let params = match bp {
                Some(bp) => self.instance_params(
                    &s.blueprint,
                    bp,
                    Some(item),
                    (&members_file, &pointer, Some(item.span.start)),
                    &["name"],
                ),
                None => item
                    .to_json()
                    .as_object()
                    .map(|m| m.clone().into_iter().collect())
                    .unwrap_or_default(),
            };
            self.members.push(params);
        }
    }

    fn dependency_graph(&mut self) {
        let spec = &self.p.spec;
        let mut deps: IndexMap<&str, Vec<&str>> = IndexMap::new();
        let mut explicit: IndexMap<&str, i64> = IndexMap::new();
        // Where each node is written: its `dependsOn` and its `syncWave`.
        let mut pointers: HashMap<&str, String> = HashMap::new();
        let mut nodes: Vec<(&str, &[String], Option<i64>, String)> = Vec::new();
        for (i, c) in spec.components.iter().enumerate() {
            nodes.push((
                &c.name,
                &c.depends_on,
                c.sync_wave,
                format!("/spec/components/{i}"),
            ));
        }
        for (i, t) in spec.tenants.iter().enumerate() {
            nodes.push((
                &t.name,
                &t.depends_on,
                t.sync_wave,
                format!("/spec/tenants/{i}"),
            ));
        }
        if let Some(s) = &spec.sandboxes {
            nodes.push((
                &s.name,
                &s.depends_on,
                s.sync_wave,
                "/spec/sandboxes".into(),
            ));
        }
        for (name, depends_on, wave, at) in &nodes {
            deps.insert(name, depends_on.iter().map(String::as_str).collect());
            if let Some(wave) = wave {
                explicit.insert(name, *wave);
            }
            pointers.insert(name, at.clone());
        }
        match graph::waves(&deps, &explicit) {
            Ok(waves) => {
                // An explicit wave must sync after everything the node depends on: Argo CD
                // syncs lower waves first and one wave's Applications together.
                for (name, depends_on, wave, at) in &nodes {
                    let Some(wave) = wave else { continue };
                    for dep in depends_on.iter() {
                        let Some(dep_wave) = waves.get(dep.as_str()) else {
                            continue;
                        };
                        if *dep_wave >= *wave {
                            self.error(
                                "spec/sync-wave-order",
                                &format!("{at}/syncWave"),
                                format!(
                                    "`{name}` has sync wave {wave} but depends on `{dep}`, whose wave is {dep_wave}: Argo CD would sync `{name}` before or with `{dep}`"
                                ),
                                Some(format!(
                                    "give `{name}` a wave above {dep_wave}, or leave `syncWave` out to have it computed"
                                )),
                            );
                        }
                    }
                }
                self.waves = waves.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            }
            Err(cycle) => {
                let pointer = pointers
                    .get(cycle[0])
                    .map(|at| format!("{at}/dependsOn"))
                    .unwrap_or_default();
                self.error_key(
                    "spec/dependency-cycle",
                    &pointer,
                    format!("dependency cycle: {}", cycle.join(" -> ")),
                    Some(
                        "remove one of these `dependsOn` entries: ArgoCD cannot order a cycle"
                            .into(),
                    ),
                );
            }
        }
    }
}
