//! `argocd/project-destination`: an Application that its AppProject would refuse to sync.
//!
//! Argo CD's matching is reproduced in three-valued logic: where the answer depends on
//! something platc cannot see (the cluster a `name` stands for, a glob feature it does not
//! read, a field left out), the answer is "maybe", and only a sure "no" is reported.

use std::collections::{BTreeMap, HashMap};

use crate::manifest::Object;
use crate::report::{Finding, Severity};
use crate::rules::Rule;
use crate::rules::bundle::ObjectId;
use crate::rules::bundle::shared_object::Deploys;
use crate::schema::registry::Registry;
use crate::yaml::{Node, Pos};

mod matching;

use matching::Tri::{self, Maybe, No, Yes};
use matching::{
    AllowedDestination, GroupKind, Target, destination_permitted, field, in_list, source_permitted,
};

pub const RULE: Rule = Rule {
    id: "argocd/project-destination",
    severity: Severity::Error,
    summary: "an Application that deploys where, or what, its AppProject does not allow",
    docs: r#"# argocd/project-destination

An Application (or the literal template of an ApplicationSet) belongs to an AppProject
defined in this repository, and that project does not allow what the Application does:
its destination (cluster and namespace) is not among the project's `destinations`; an object
it deploys names a namespace the project does not allow; it deploys a cluster-scoped kind
missing from `clusterResourceWhitelist` (or listed in `clusterResourceBlacklist`), or a
namespaced kind the project's `namespaceResource*` lists refuse; or a source's `repoURL` is
not among the project's `sourceRepos`.

Argo CD's matching is followed: globs (`team-*`), `*`, `!` entries that deny, a cluster by
`server` or `name` (`in-cluster` is `https://kubernetes.default.svc`), git URLs compared
after normalising (case, `.git`, ssh spellings), and an empty `clusterResourceWhitelist`
that allows no cluster-scoped kind at all. Projects not defined in the repository (they may
exist in the cluster, and `default` allows everything) are not checked, nor is anything
platc cannot know for sure (which server a cluster `name` stands for, templated fields, a
project that a kustomize overlay changes).

## Why
Argo CD refuses the sync ("application destination ... do not match any of the allowed
destinations in project", "namespace ... is not permitted in project", "resource ... is not
permitted in project", "application repo ... is not permitted in project") only once the
change is merged, and the Application stays out of sync until someone edits the project.

## Bad
```yaml
kind: AppProject
metadata: {name: team-a}
spec:
  sourceRepos: [https://git.example.org/club/platform.git]
  destinations:
    - {server: https://kubernetes.default.svc, namespace: team-a-*}
---
kind: Application
spec:
  project: team-a
  destination: {server: https://kubernetes.default.svc, namespace: payments}
```

## Good
```yaml
kind: Application
spec:
  project: team-a
  destination: {server: https://kubernetes.default.svc, namespace: team-a-payments}
```

## Fix
Add the destination, namespace, kind or repository to the AppProject (`destinations`,
`clusterResourceWhitelist`, `sourceRepos`...), or change the Application so that it stays
within its project.
"#,
    check: crate::rules::bundle::per_object,
};

/// Check every Application and ApplicationSet of the repository's files against the
/// AppProjects defined in them. `argo` are the Argo CD objects of the manifests files read
/// (see [`is_argo`]); `built` the outputs of the kustomize builds (a project or Application
/// an overlay changes is not judged from its base); `deploys` what each Application deploys.
pub fn check<'a>(
    registry: &Registry,
    argo: impl Iterator<Item = &'a Object>,
    built: impl Iterator<Item = &'a [Object]>,
    deploys: &[Deploys<'_>],
    out: &mut Vec<Finding>,
) {
    let objects: Vec<&Object> = argo.collect();
    let mut built_specs: BuiltSpecs<'_> = HashMap::new();
    for o in built
        .flatten()
        .filter(|o| o.api_version() == Some("argoproj.io/v1alpha1"))
    {
        if let (Some(kind), Some(name), Some(spec)) = (o.kind(), o.name(), o.node.get("spec")) {
            built_specs
                .entry((kind, name))
                .or_default()
                .push(spec.to_json());
        }
    }
    let projects = projects(&objects, &built_specs);
    if projects.is_empty() {
        return;
    }
    let scopes = scopes(registry);
    for &o in &objects {
        let Some(app) = App::read(o, &built_specs) else {
            continue;
        };
        let Some(Some(project)) = projects.get(app.project) else {
            continue;
        };
        let check = Check {
            app: &app,
            project,
            out: &mut *out,
        };
        check.run(deploys, &scopes);
    }
}

/// Whether the rule reads an object: an Argo CD AppProject, Application or ApplicationSet.
pub fn is_argo(o: &Object) -> bool {
    o.api_version() == Some("argoproj.io/v1alpha1")
        && matches!(
            o.kind(),
            Some("AppProject" | "Application" | "ApplicationSet")
        )
}

/// What one AppProject allows.
#[derive(Clone, Debug, PartialEq)]
struct Allows {
    destinations: Vec<AllowedDestination>,
    source_repos: Vec<String>,
    cluster_allow: Vec<GroupKind>,
    cluster_deny: Vec<GroupKind>,
    /// None: the field is absent, every namespaced kind is allowed.
    namespaced_allow: Option<Vec<GroupKind>>,
    namespaced_deny: Vec<GroupKind>,
}

impl Allows {
    /// None when the project cannot be read for sure (templates, unexpected shapes).
    fn read(spec: &Node) -> Option<Allows> {
        Some(Allows {
            destinations: list(spec.get("destinations"), |d| {
                let text = |key: &str| -> Option<String> {
                    match d.get(key) {
                        None => Some(String::new()),
                        Some(n) if n.is_null() => Some(String::new()),
                        Some(n) => literal(n).map(str::to_string),
                    }
                };
                Some(AllowedDestination {
                    server: text("server")?,
                    name: text("name")?,
                    namespace: text("namespace")?,
                })
            })?,
            source_repos: list(spec.get("sourceRepos"), |r| literal(r).map(str::to_string))?,
            cluster_allow: list(spec.get("clusterResourceWhitelist"), group_kind)?,
            cluster_deny: list(spec.get("clusterResourceBlacklist"), group_kind)?,
            namespaced_allow: match spec.get("namespaceResourceWhitelist") {
                None => None,
                Some(n) if n.is_null() => None,
                Some(n) => Some(list(Some(n), group_kind)?),
            },
            namespaced_deny: list(spec.get("namespaceResourceBlacklist"), group_kind)?,
        })
    }

    /// Argo CD's `IsGroupKindPermitted`.
    fn kind_permitted(&self, group: &str, kind: &str, namespaced: bool) -> Tri {
        if namespaced {
            let allowed = match &self.namespaced_allow {
                None => Yes,
                // `[]` may be read as absent or as "nothing" depending on how it was stored.
                Some(l) if l.is_empty() => Maybe,
                Some(l) => in_list(l, group, kind),
            };
            return allowed.and(in_list(&self.namespaced_deny, group, kind).not());
        }
        in_list(&self.cluster_allow, group, kind)
            .and(in_list(&self.cluster_deny, group, kind).not())
    }
}

/// A string that is not a template.
fn literal(n: &Node) -> Option<&str> {
    n.as_str().filter(|s| !templated(s))
}

fn templated(s: &str) -> bool {
    s.contains("{{") || s.contains("${")
}

/// The items of a list field (absent or null: empty), each read by `item`.
fn list<T>(node: Option<&Node>, item: impl Fn(&Node) -> Option<T>) -> Option<Vec<T>> {
    match node {
        None => Some(Vec::new()),
        Some(n) if n.is_null() => Some(Vec::new()),
        Some(n) => n.as_seq()?.iter().map(item).collect(),
    }
}

fn group_kind(n: &Node) -> Option<GroupKind> {
    let text = |key: &str| match n.get(key) {
        None => Some(String::new()),
        Some(v) if v.is_null() => Some(String::new()),
        Some(v) => literal(v).map(str::to_string),
    };
    Some(GroupKind {
        group: text("group")?,
        kind: text("kind")?,
        named: n
            .as_map()?
            .iter()
            .any(|(k, _)| !matches!(k.as_str(), Some("group" | "kind"))),
    })
}

/// Whether a `template` key is anywhere below (generators that override the set's template).
fn holds_template(node: &Node) -> bool {
    match (node.as_map(), node.as_seq()) {
        (Some(entries), _) => entries
            .iter()
            .any(|(k, v)| k.as_str() == Some("template") || holds_template(v)),
        (_, Some(items)) => items.iter().any(holds_template),
        _ => false,
    }
}

/// The specs kustomize builds give each Argo CD object, by kind and name.
type BuiltSpecs<'a> = HashMap<(&'a str, &'a str), Vec<serde_json::Value>>;

fn spec_json(o: &Object) -> serde_json::Value {
    o.node
        .get("spec")
        .map_or(serde_json::Value::Null, Node::to_json)
}

/// An AppProject defined in the repository, and where.
struct Project<'a> {
    name: &'a str,
    object: &'a Object,
    allows: Allows,
}

impl Project<'_> {
    /// Where a field of the project is written, for the finding's second place.
    fn place_of(&self, field: &str) -> (String, Pos) {
        let node = &self.object.node;
        let at = node
            .pointer(&format!("/spec/{field}"))
            .or_else(|| node.pointer("/metadata/name"))
            .unwrap_or(node);
        (self.object.file.to_string(), at.span.start)
    }
}

/// The AppProjects by name; None for a name defined twice differently, or that a kustomize
/// build changes, or that cannot be read for sure.
fn projects<'a>(
    objects: &[&'a Object],
    built: &BuiltSpecs<'_>,
) -> HashMap<&'a str, Option<Project<'a>>> {
    let mut out: HashMap<&str, Option<Project<'_>>> = HashMap::new();
    for &o in objects.iter().filter(|o| o.kind() == Some("AppProject")) {
        let Some(name) = o.name() else { continue };
        let spec = o.node.get("spec");
        let allows = spec.and_then(Allows::read);
        // Any build that gives the project another spec makes it ambiguous.
        let changed = built.get(&("AppProject", name)).is_some_and(|specs| {
            let raw = spec.map(Node::to_json);
            specs.iter().any(|b| Some(b) != raw.as_ref())
        });
        let project = allows.filter(|_| !changed).map(|allows| Project {
            name,
            object: o,
            allows,
        });
        // Defined again: kept only when both say the same.
        let agrees = out
            .get(name)
            .map(|first| matches!((first, &project), (Some(a), Some(b)) if a.allows == b.allows));
        match agrees {
            None => {
                out.insert(name, project);
            }
            Some(true) => {}
            Some(false) => {
                out.insert(name, None);
            }
        }
    }
    out
}

/// Whether each kind the registry knows is namespaced, by (group, kind).
fn scopes(registry: &Registry) -> HashMap<(String, String), Option<bool>> {
    let mut out: HashMap<(String, String), Option<bool>> = HashMap::new();
    for key in registry.keys() {
        let Some((api, kind)) = key.split_once(' ') else {
            continue;
        };
        let group = api.rsplit_once('/').map_or("", |(g, _)| g);
        let namespaced = registry.is_namespaced(api, kind);
        out.entry((group.to_string(), kind.to_string()))
            .and_modify(|seen| {
                if *seen != namespaced {
                    *seen = None;
                }
            })
            .or_insert(namespaced);
    }
    out
}

/// An Application, or an ApplicationSet's template, as far as this rule reads it.
struct App<'a> {
    object: &'a Object,
    /// The Application's spec (the template's for an ApplicationSet), and its pointer.
    spec: &'a Node,
    at: &'static str,
    project: &'a str,
    /// For an ApplicationSet, what it deploys is not known.
    application: bool,
}

impl<'a> App<'a> {
    fn read(o: &'a Object, built: &BuiltSpecs<'_>) -> Option<App<'a>> {
        let (spec, at, application) = match o.kind()? {
            "Application" => (o.node.get("spec")?, "/spec", true),
            // A template patch, or a generator's own template, may change anything: not read.
            "ApplicationSet"
                if o.node.pointer("/spec/templatePatch").is_none()
                    && !o
                        .node
                        .pointer("/spec/generators")
                        .is_some_and(holds_template) =>
            {
                (
                    o.node.pointer("/spec/template/spec")?,
                    "/spec/template/spec",
                    false,
                )
            }
            _ => return None,
        };
        if crate::rules::waived_by_annotation(&o.node)
            .iter()
            .any(|w| w == RULE.id)
        {
            return None;
        }
        // Built by kustomize, but never as written: an overlay changes it, and what Argo CD
        // gets is not this file.
        let changed = built
            .get(&(o.kind()?, o.name()?))
            .is_some_and(|specs| !specs.contains(&spec_json(o)));
        if changed {
            return None;
        }
        Some(App {
            object: o,
            spec,
            at,
            project: spec.get("project").and_then(literal)?,
            application,
        })
    }

    /// Whether Argo CD deploys what platc built or read for this source: not when the
    /// source filters files, runs a plugin, or has kustomize options that move objects.
    fn deploys_as_built(&self, d: &Deploys<'_>) -> bool {
        let o = self.object;
        let Some(source) = d
            .place
            .pointer
            .strip_prefix(o.pointer_prefix.as_str())
            .and_then(|p| p.strip_suffix("/path"))
            .and_then(|p| o.node.pointer(p))
        else {
            return false;
        };
        let has = |pointer: &str| source.pointer(pointer).is_some();
        !(has("/plugin")
            || has("/directory/include")
            || has("/directory/exclude")
            || has("/directory/jsonnet")
            || has("/kustomize/namespace")
            || has("/kustomize/patches")
            || has("/kustomize/components"))
    }

    fn name(&self) -> &str {
        self.object.name().unwrap_or_default()
    }

    fn finding(&self, message: String, node: &Node, pointer: &str, help: String) -> Finding {
        Finding::new(RULE.id, RULE.severity, message)
            .at_span(&*self.object.file, Some(node.span))
            .with_object(self.object.describe())
            .with_path(format!(
                "{}{}{pointer}",
                self.object.pointer_prefix, self.at
            ))
            .with_help(help)
    }
}

/// An Application's destination as read, for what it deploys.
#[derive(Clone, Copy)]
struct Destination<'a> {
    target: Target<'a>,
    /// Given as a cluster `name` (messages say it so).
    by_name: bool,
}

/// Kinds Argo CD leaves out of every sync by default (`resource.exclusions` of a standard
/// install, and the kinds it never manages): it never asks the project about them.
fn excluded_by_argo_cd(group: &str, kind: &str) -> bool {
    matches!(group, "events.k8s.io" | "metrics.k8s.io")
        || matches!(
            (group, kind),
            ("", "Event" | "Endpoints")
                | ("discovery.k8s.io", "EndpointSlice")
                | ("coordination.k8s.io", "Lease")
                | ("authentication.k8s.io" | "authorization.k8s.io", _)
                | ("certificates.k8s.io", "CertificateSigningRequest")
                | ("cert-manager.io", "CertificateRequest")
                | (
                    "cilium.io",
                    "CiliumIdentity" | "CiliumEndpoint" | "CiliumEndpointSlice"
                )
                | ("wgpolicyk8s.io" | "reports.kyverno.io", _)
                | (
                    "kyverno.io",
                    "UpdateRequest"
                        | "AdmissionReport"
                        | "ClusterAdmissionReport"
                        | "BackgroundScanReport"
                        | "ClusterBackgroundScanReport"
                )
        )
}

/// One Application against its project.
struct Check<'c, 'a> {
    app: &'c App<'a>,
    project: &'c Project<'a>,
    out: &'c mut Vec<Finding>,
}

impl<'a> Check<'_, 'a> {
    fn run(mut self, deploys: &[Deploys<'_>], scopes: &HashMap<(String, String), Option<bool>>) {
        self.sources();
        // What is deployed into other namespaces is judged only when the destination itself
        // is readable and allowed (a refused one is already reported).
        let target = self.destination();
        if !self.app.application {
            return;
        }
        let app = self.app;
        for d in deploys
            .iter()
            .filter(|d| d.application == app.name() && d.place.file == *app.object.file)
            .filter(|d| app.deploys_as_built(d))
        {
            self.deployed(d, target, scopes);
        }
    }

    fn push(&mut self, finding: Finding, field: &str) {
        let (file, pos) = self.project.place_of(field);
        self.out.push(finding.with_related(
            file,
            pos,
            format!("the AppProject `{}`", self.project.name),
        ));
    }

    /// Each source's repository against `sourceRepos`.
    fn sources(&mut self) {
        let spec = self.app.spec;
        let mut sources: Vec<(&Node, String)> = Vec::new();
        if let Some(s) = spec.get("source") {
            sources.push((s, "/source".to_string()));
        }
        for (i, s) in spec
            .get("sources")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            sources.push((s, format!("/sources/{i}")));
        }
        for (source, pointer) in sources {
            let Some(node) = source.get("repoURL") else {
                continue;
            };
            let Some(url) = literal(node) else { continue };
            if source_permitted(&self.project.allows.source_repos, url) != No {
                continue;
            }
            let repos = &self.project.allows.source_repos;
            let allowed = if repos.is_empty() {
                "it lists no `sourceRepos`".to_string()
            } else {
                format!(
                    "it allows {}",
                    some_of(repos.iter().map(|r| format!("`{r}`")))
                )
            };
            let finding = self.app.finding(
                format!(
                    "the project `{}` does not allow the repository `{url}`: {allowed}",
                    self.project.name
                ),
                node,
                &format!("{pointer}/repoURL"),
                format!(
                    "add the repository (or a pattern matching it) to `sourceRepos` of the AppProject `{}`, or take the source from an allowed repository",
                    self.project.name
                ),
            );
            self.push(finding, "sourceRepos");
        }
    }

    /// The destination against `destinations`; the destination when it is readable and not
    /// refused (what is deployed into other namespaces is checked next).
    fn destination(&mut self) -> Option<Destination<'a>> {
        let dest = self.app.spec.get("destination")?;
        let text = |key: &str| dest.get(key).map(|n| literal(n).ok_or(()));
        let (server, name, namespace) = match (text("server"), text("name"), text("namespace")) {
            (Some(Err(())), _, _) | (_, Some(Err(())), _) | (_, _, Some(Err(()))) => return None,
            (Some(Ok(s)), None, ns) => (Some(s), None, ns),
            (None, Some(Ok(n)), ns) => (None, Some(n), ns),
            // Neither or both: argocd/destination says so.
            _ => return None,
        };
        let namespace = namespace.and_then(Result::ok).filter(|ns| !ns.is_empty());
        let target = Target::new(server, name, namespace);
        let allowed = &self.project.allows.destinations;
        let destination = Destination {
            target,
            by_name: name.is_some(),
        };
        if destination_permitted(allowed, target) != No {
            return Some(destination);
        }
        // Point at the namespace when the cluster is surely allowed, else at the cluster.
        let cluster_allowed = allowed.iter().any(|item| {
            field(&item.server, target.server, true).or(field(&item.name, target.name, false))
                == Yes
        });
        let key = match (cluster_allowed, namespace, name) {
            (true, Some(_), _) => "namespace",
            (_, _, Some(_)) => "name",
            _ => "server",
        };
        let finding = self.app.finding(
            format!(
                "the project `{}` does not allow the destination {}: {}",
                self.project.name,
                target.describe(name.is_some()),
                allows_destinations(allowed)
            ),
            dest.get(key).unwrap_or(dest),
            &format!("/destination/{key}"),
            format!(
                "add the destination to `destinations` of the AppProject `{}`, or change the destination",
                self.project.name
            ),
        );
        self.push(finding, "destinations");
        None
    }

    /// What one source deploys: namespaces other than the destination's, and kinds.
    fn deployed(
        &mut self,
        d: &Deploys<'_>,
        destination: Option<Destination<'_>>,
        scopes: &HashMap<(String, String), Option<bool>>,
    ) {
        let allows = &self.project.allows;
        // Refused objects by namespace, and by kind.
        let mut namespaces: BTreeMap<&str, Vec<&ObjectId>> = BTreeMap::new();
        let mut kinds: BTreeMap<(&str, &str, bool), Vec<&ObjectId>> = BTreeMap::new();
        for id in &d.objects {
            let namespaced = if id.cluster_scoped {
                Some(false)
            } else {
                scopes
                    .get(&(id.group.clone(), id.kind.clone()))
                    .copied()
                    .flatten()
            };
            // A kind whose scope is unknown may be either: neither check is sure.
            let Some(namespaced) = namespaced else {
                continue;
            };
            if excluded_by_argo_cd(&id.group, &id.kind) {
                continue;
            }
            if allows.kind_permitted(&id.group, &id.kind, namespaced) == No {
                kinds
                    .entry((id.group.as_str(), id.kind.as_str(), namespaced))
                    .or_default()
                    .push(id);
            }
            if let Some(Destination { target, .. }) = destination
                && let Some(ns) = id.namespace.as_deref().filter(|_| namespaced)
                && Some(ns) != target.namespace
                && destination_permitted(
                    &allows.destinations,
                    Target {
                        namespace: Some(ns),
                        ..target
                    },
                ) == No
            {
                namespaces.entry(ns).or_default().push(id);
            }
        }
        let dest = self.app.spec.get("destination");
        for (ns, ids) in namespaces {
            let Some(Destination { target, by_name }) = destination else {
                continue;
            };
            let Some(node) = dest.and_then(|d| d.get("namespace")).or(dest) else {
                continue;
            };
            let cluster = Target {
                namespace: None,
                ..target
            }
            .describe(by_name);
            let mut finding = self.app.finding(
                format!(
                    "Application `{}` deploys {} into namespace `{ns}`, which the project `{}` does not allow on {cluster}: {}",
                    self.app.name(),
                    objects(&ids),
                    self.project.name,
                    allows_destinations(&allows.destinations)
                ),
                node,
                "/destination",
                format!(
                    "add `{ns}` to `destinations` of the AppProject `{}`, or deploy these objects into an allowed namespace",
                    self.project.name
                ),
            );
            if let Some(pos) = d.place.pos() {
                finding = finding.with_related(d.place.file.clone(), pos, "deployed from here");
            }
            self.push(finding, "destinations");
        }
        for ((group, kind, namespaced), ids) in kinds {
            let (list, scope) = if namespaced {
                ("namespaceResourceWhitelist", "namespaced")
            } else {
                ("clusterResourceWhitelist", "cluster-scoped")
            };
            let deny_list = list.replace("Whitelist", "Blacklist");
            let deny = if namespaced {
                &allows.namespaced_deny
            } else {
                &allows.cluster_deny
            };
            let named = group_kind_text(group, kind);
            let why = if in_list(deny, group, kind) == Yes {
                format!("its `{deny_list}` lists `{named}`")
            } else if !namespaced && allows.cluster_allow.is_empty() {
                "its `clusterResourceWhitelist` is empty".to_string()
            } else {
                format!("its `{list}` does not list `{named}`")
            };
            let finding = d.place.finding(
                RULE.id,
                RULE.severity,
                format!(
                    "Application `{}` deploys the {scope} {}, which the project `{}` does not allow: {why}",
                    self.app.name(),
                    objects(&ids),
                    self.project.name
                ),
                &format!(
                    "allow `{{group: '{group}', kind: {kind}}}` in the AppProject `{}` (`{list}`, and not in `{deny_list}`), or remove the objects from the Application",
                    self.project.name
                ),
            );
            if let Some(finding) = finding {
                self.push(finding, list);
            }
        }
    }
}

fn group_kind_text(group: &str, kind: &str) -> String {
    if group.is_empty() {
        kind.to_string()
    } else {
        format!("{group}/{kind}")
    }
}

/// `ConfigMap web/a and 2 more`.
fn objects(ids: &[&ObjectId]) -> String {
    match ids.len() {
        1 => ids[0].describe(),
        n => format!("{} and {} more", ids[0].describe(), n - 1),
    }
}

/// What a project's destinations allow, for messages.
fn allows_destinations(allowed: &[AllowedDestination]) -> String {
    if allowed.is_empty() {
        return "it lists no `destinations`".to_string();
    }
    format!(
        "it allows {}",
        some_of(allowed.iter().map(AllowedDestination::describe))
    )
}

/// The first few items, then how many more.
fn some_of(items: impl Iterator<Item = String>) -> String {
    const SHOWN: usize = 4;
    let items: Vec<String> = items.collect();
    let mut text = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        text.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_white_and_black_lists() {
        let gk = |g: &str, k: &str| GroupKind {
            group: g.into(),
            kind: k.into(),
            named: false,
        };
        let mut allows = Allows {
            destinations: Vec::new(),
            source_repos: Vec::new(),
            cluster_allow: Vec::new(),
            cluster_deny: Vec::new(),
            namespaced_allow: None,
            namespaced_deny: vec![gk("", "ResourceQuota")],
        };
        assert_eq!(allows.kind_permitted("", "Namespace", false), No);
        allows.cluster_allow.push(gk("*", "*"));
        assert_eq!(allows.kind_permitted("", "Namespace", false), Yes);
        allows
            .cluster_deny
            .push(gk("rbac.authorization.k8s.io", "Cluster*"));
        assert_eq!(
            allows.kind_permitted("rbac.authorization.k8s.io", "ClusterRole", false),
            No
        );
        assert_eq!(allows.kind_permitted("", "ConfigMap", true), Yes);
        assert_eq!(allows.kind_permitted("", "ResourceQuota", true), No);
        allows.namespaced_allow = Some(Vec::new());
        assert_eq!(allows.kind_permitted("", "ConfigMap", true), Maybe);
    }
}
