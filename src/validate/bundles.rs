//! The rules that look at many objects at once, each over the set of objects that really
//! deploy together: a kustomize build, the manifests no build includes, everything an
//! Application deploys, every Application of the repository.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::kustomize::Kustomizations;
use crate::manifest::Object;
use crate::repo::Repo;
use crate::report::Finding;
use crate::rules::bundle::{self, Fact, GitSource, ObjectId, Place, shared_object};
use crate::rules::kustomize::{duplicate_object, invalid, missing_file, patch_target};
use crate::schema::registry::Registry;
use crate::yaml::Span;

use super::build::Built;
use crate::manifest::ObjectRef;

/// What the object pass kept of one manifests file.
pub struct RawFile {
    pub path: String,
    pub facts: Vec<Fact>,
    /// Every object, with where it starts.
    pub ids: Vec<(ObjectId, Span)>,
    /// The Argo CD objects the project rule reads, kept from the one parse of the file.
    pub argo: Vec<Object>,
}

/// Everything the repository-wide rules read.
pub struct Input<'a> {
    pub root: &'a Path,
    pub repo: &'a Repo,
    pub registry: &'a Registry,
    pub kustomizations: &'a Kustomizations,
    /// Sorted by path.
    pub raw: &'a [RawFile],
    pub builds: &'a [Built],
    /// Folders whose build needs what is not here (the network, a plugin, helm).
    pub not_built: &'a [String],
}

/// What the rules found, and the builds whose failure a finding already explains.
pub struct Linted {
    pub findings: Vec<Finding>,
    pub explained: HashSet<String>,
}

/// Folders an Application of this repository deploys that hold a kustomization: they are
/// built too, to know what the Application deploys.
pub fn application_dirs(
    raw: &[RawFile],
    repo: &Repo,
    kustomizations: &Kustomizations,
) -> Vec<String> {
    let mut dirs: Vec<String> = raw
        .iter()
        .flat_map(|f| &f.facts)
        .filter_map(|f| match f {
            Fact::Application { sources, .. } => Some(sources),
            _ => None,
        })
        .flatten()
        .filter(|s| repo.is_this(&s.repo_url))
        .filter_map(|s| folder(&s.path))
        .filter(|d| kustomizations.in_dir(d).is_some())
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// An Application path as a repo-relative folder (`""` for the root); None for templates and
/// paths that leave the repository.
fn folder(path: &str) -> Option<String> {
    if path.contains("{{") {
        return None;
    }
    let p = path.trim_start_matches("./").trim_matches('/');
    if p.is_empty() || p == "." {
        return Some(String::new());
    }
    crate::spec::paths::repo_relative("", p).ok()
}

pub fn lint(input: &Input<'_>) -> Linted {
    let mut findings = Vec::new();
    let mut explained = HashSet::new();
    let ks = input.kustomizations;

    invalid::check(ks, &mut findings);
    missing_file::check(input.root, ks, &mut findings);
    // What each build reads, worked out once.
    let trees: Vec<(&Built, crate::kustomize::BuildTree)> =
        input.builds.iter().map(|b| (b, ks.tree(&b.dir))).collect();
    // A build that fails on a file these rules already pointed at needs no second finding.
    let broken: HashSet<&str> = findings.iter().filter_map(|f| f.file.as_deref()).collect();
    for (b, tree) in trees.iter().filter(|(b, _)| b.result.is_err()) {
        if tree
            .kustomizations
            .iter()
            .any(|&i| broken.contains(ks.all[i].file.as_str()))
        {
            explained.insert(b.dir.clone());
        }
    }
    let roots: Vec<&(&Built, crate::kustomize::BuildTree)> =
        trees.iter().filter(|(b, _)| b.root).collect();

    // Workload rules: per build, then over the manifests no successful build includes.
    let mut covered: HashSet<&str> = HashSet::new();
    for (b, tree) in roots.iter().copied() {
        let Ok(objects) = &b.result else { continue };
        covered.extend(tree.files.iter().map(String::as_str));
        let facts = built_facts(b, objects, tree, input.raw);
        findings.extend(bundle::check_workloads(facts.iter()));
    }
    // The files of a Component, or of a build that was not run, are part of objects platc
    // does not have (the including kustomization's, a remote base's, a plugin's output):
    // alone, they would select and target what is simply not in view.
    let partial: HashSet<String> = ks
        .all
        .iter()
        .filter(|k| k.is_component())
        .map(|k| k.dir.as_str())
        .chain(input.not_built.iter().map(String::as_str))
        .flat_map(|dir| ks.tree(dir).files)
        .collect();
    let loose = input
        .raw
        .iter()
        .filter(|f| !covered.contains(f.path.as_str()) && !partial.contains(&f.path))
        .flat_map(|f| &f.facts);
    findings.extend(bundle::check_workloads(loose));

    // Application rules over every Application in the repository's files.
    findings.extend(bundle::check_applications(
        input.raw.iter().flat_map(|f| &f.facts),
    ));
    shared_objects(input, &mut findings);

    // kustomize rules over the builds.
    let ok: Vec<(&crate::kustomize::BuildTree, &[Object])> = roots
        .iter()
        .filter_map(|(b, tree)| b.result.as_ref().ok().map(|o| (tree, o.as_slice())))
        .collect();
    patch_target::check(input.root, ks, &ok, &mut findings);
    for (b, tree) in &roots {
        let Err(e) = &b.result else { continue };
        let Some(id) = duplicate_object::from_build_error(e) else {
            continue;
        };
        let places: Vec<(String, Span)> = input
            .raw
            .iter()
            .filter(|f| tree.files.contains(&f.path))
            .flat_map(|f| {
                f.ids
                    .iter()
                    .filter(|(other, _)| same_object(&id, other))
                    .map(|(_, span)| (f.path.clone(), *span))
            })
            .collect();
        findings.push(duplicate_object::finding(
            &id,
            &b.dir,
            &b.kustomization,
            &places,
        ));
        explained.insert(b.dir.clone());
    }

    // The same finding can come from several builds of one base.
    let mut seen = HashSet::new();
    findings.retain(|f| {
        seen.insert((
            f.rule.clone(),
            f.file.clone(),
            f.line,
            f.column,
            f.message.clone(),
        ))
    });
    Linted {
        findings,
        explained,
    }
}

/// kustomize's id of a duplicate against an object of the files (a namespace kustomize adds
/// is not in the file).
fn same_object(id: &ObjectId, other: &ObjectId) -> bool {
    id.kind == other.kind
        && id.group == other.group
        && id.name == other.name
        && (other.namespace.is_none() || other.namespace == id.namespace)
}

/// The facts of a build's objects, each placed at the object it came from in the build's
/// files when that object can be found (kustomize may have added a prefix or suffix to its
/// name), else at the kustomization.
fn built_facts(
    b: &Built,
    objects: &[Object],
    tree: &crate::kustomize::BuildTree,
    raw: &[RawFile],
) -> Vec<Fact> {
    let sources: Vec<&Place> = raw
        .iter()
        .filter(|f| tree.files.contains(&f.path))
        .flat_map(|f| f.facts.iter().filter_map(Fact::place))
        .collect();
    let mut out = Vec::new();
    for o in objects {
        for mut fact in bundle::facts_of(&ObjectRef { object: o }) {
            if let Some(place) = fact.place_mut() {
                let origin = sources
                    .iter()
                    .filter(|s| s.kind == place.kind && s.pointer == place.pointer)
                    .find(|s| s.name == place.name)
                    .or_else(|| {
                        sources.iter().find(|s| {
                            s.kind == place.kind
                                && s.pointer == place.pointer
                                && place.name.contains(s.name.as_str())
                        })
                    });
                match origin {
                    Some(src) => {
                        place.file.clone_from(&src.file);
                        place.span = src.span;
                        place.object.clone_from(&src.object);
                    }
                    None => place.built = Some(b.dir.clone()),
                }
            }
            out.push(fact);
        }
    }
    out
}

/// `argocd/shared-object`: what each Application deploys from this repository, compared.
fn shared_objects(input: &Input<'_>, out: &mut Vec<Finding>) {
    let built: HashMap<&str, Vec<ObjectId>> = input
        .builds
        .iter()
        .filter_map(|b| {
            let objects = b.result.as_ref().ok()?;
            let ids = objects
                .iter()
                .filter_map(|o| {
                    let namespaced = input.registry.is_namespaced(o.api_version()?, o.kind()?);
                    ObjectId::of(o, namespaced)
                })
                .collect();
            Some((b.dir.as_str(), ids))
        })
        .collect();
    let mut deploys = Vec::new();
    for fact in input.raw.iter().flat_map(|f| &f.facts) {
        let Fact::Application {
            name,
            cluster,
            namespace,
            sources,
            ..
        } = fact
        else {
            continue;
        };
        for source in sources.iter().filter(|s| input.repo.is_this(&s.repo_url)) {
            let Some(dir) = folder(&source.path) else {
                continue;
            };
            let objects: Vec<&ObjectId> = if input.kustomizations.in_dir(&dir).is_some() {
                match built.get(dir.as_str()) {
                    Some(ids) => ids.iter().collect(),
                    None => continue,
                }
            } else {
                input
                    .raw
                    .iter()
                    .filter(|f| in_source(&f.path, &dir, source))
                    .flat_map(|f| f.ids.iter().map(|(id, _)| id))
                    .collect()
            };
            deploys.push(shared_object::Deploys {
                application: name,
                cluster,
                namespace,
                place: &source.place,
                objects,
            });
        }
    }
    shared_object::check(&deploys, out);
    crate::rules::argocd::project_destination::check(
        input.registry,
        input.raw.iter().flat_map(|f| &f.argo),
        input.builds.iter().filter_map(|b| b.result.as_deref().ok()),
        &deploys,
        out,
    );
}

/// Whether a file is read by a plain-folder source of `dir` (subfolders only with
/// `directory.recurse`).
fn in_folder(path: &str, dir: &str, recurse: bool) -> bool {
    relative_in(path, dir).is_some_and(|rest| recurse || !rest.contains('/'))
}

/// `path` relative to `dir`, when it is inside.
fn relative_in<'p>(path: &'p str, dir: &str) -> Option<&'p str> {
    if dir.is_empty() {
        Some(path)
    } else {
        path.strip_prefix(dir).and_then(|r| r.strip_prefix('/'))
    }
}

/// Whether Argo CD reads a file for a plain-folder source: in the folder (or below, with
/// `recurse`), not excluded, and included when `include` is set. Argo CD matches both globs
/// against the path relative to the source folder, `*` crossing `/`, `{a,b}` alternatives.
fn in_source(path: &str, dir: &str, source: &GitSource) -> bool {
    if !in_folder(path, dir, source.recurse) {
        return false;
    }
    let rest = relative_in(path, dir).unwrap_or(path);
    let matches = |glob: &Option<String>| {
        glob.as_deref().map(|g| {
            // A glob that does not compile matches nothing, as in Argo CD.
            globset::Glob::new(g).is_ok_and(|g| g.compile_matcher().is_match(rest))
        })
    };
    matches(&source.exclude) != Some(true) && matches(&source.include) != Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn application_paths_become_folders() {
        assert_eq!(folder("./apps/web/").as_deref(), Some("apps/web"));
        assert_eq!(folder(".").as_deref(), Some(""));
        assert_eq!(folder("apps/{{.name}}"), None);
        assert_eq!(folder("../elsewhere"), None);
    }

    #[test]
    fn directory_include_and_exclude_as_argo_cd_matches_them() {
        let source = |include: Option<&str>, exclude: Option<&str>| GitSource {
            repo_url: String::new(),
            path: "apps/web".into(),
            recurse: true,
            include: include.map(str::to_string),
            exclude: exclude.map(str::to_string),
            place: Place {
                file: String::new(),
                span: Span::default(),
                object: String::new(),
                pointer: String::new(),
                waived: Vec::new(),
                kind: String::new(),
                name: String::new(),
                built: None,
            },
        };
        let read = |s: &GitSource, path: &str| in_source(path, "apps/web", s);
        let all = source(None, None);
        assert!(read(&all, "apps/web/a.yaml") && read(&all, "apps/web/sub/b.yaml"));
        let no_settings = source(None, Some("{settings.yaml,*.json}"));
        assert!(!read(&no_settings, "apps/web/settings.yaml"));
        assert!(read(&no_settings, "apps/web/deploy.yaml"));
        let only_sub = source(Some("sub/*"), None);
        assert!(!read(&only_sub, "apps/web/a.yaml"));
        assert!(
            read(&only_sub, "apps/web/sub/deep/b.yaml"),
            "`*` crosses `/`"
        );
        let both = source(Some("*.yaml"), Some("*secret*"));
        assert!(!read(&both, "apps/web/secret.yaml") && read(&both, "apps/web/cm.yaml"));
    }

    #[test]
    fn plain_folders_read_subfolders_only_when_recursive() {
        assert!(in_folder("apps/web/a.yaml", "apps/web", false));
        assert!(!in_folder("apps/web/sub/a.yaml", "apps/web", false));
        assert!(in_folder("apps/web/sub/a.yaml", "apps/web", true));
        assert!(!in_folder("apps/website/a.yaml", "apps/web", true));
        assert!(in_folder("a.yaml", "", false));
    }
}
