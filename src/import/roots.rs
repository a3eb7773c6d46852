//! Following the app-of-apps: which Applications sync folders of other Argo CD objects
//! (roots), and which objects each root's environment holds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use super::read::{ArgoObject, object_of};
use crate::compile::kustomize::{is_kustomize_dir, manifest_files};
use crate::spec::Directory;

/// One environment: a root Application (none when the repository has no app-of-apps) and
/// the objects it syncs.
#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub root: Option<ArgoObject>,
    pub objects: Vec<ArgoObject>,
}

/// What following the roots found.
#[derive(Debug, Default)]
pub struct Followed {
    pub environments: Vec<Environment>,
    /// Objects no root syncs (bootstrap files applied by hand, leftovers): left alone.
    pub unreached: Vec<ArgoObject>,
    /// Applications synced by an app-of-apps that is itself synced by a root: they stay
    /// where they are, synced by it.
    pub nested: Vec<ArgoObject>,
    /// Kustomize folders built to find the objects, and whether they fell back to the files.
    pub kustomize_roots: usize,
}

/// A repo-relative folder an Application source reads, with Argo CD's directory options.
fn source_folders(app: &Value) -> Vec<(String, Option<Directory>)> {
    let spec = app.get("spec");
    let sources: Vec<&Value> = match spec.and_then(|s| s.get("sources")) {
        Some(Value::Array(list)) => list.iter().collect(),
        _ => spec.and_then(|s| s.get("source")).into_iter().collect(),
    };
    sources
        .into_iter()
        .filter(|s| s.get("chart").is_none() && s.get("ref").is_none())
        .filter_map(|s| {
            let path = clean_path(s.get("path")?.as_str()?)?;
            let directory = s.get("directory").map(|d| Directory {
                recurse: d.get("recurse").and_then(Value::as_bool).unwrap_or(false),
                include: d.get("include").and_then(Value::as_str).map(String::from),
                exclude: d.get("exclude").and_then(Value::as_str).map(String::from),
            });
            Some((path, directory))
        })
        .collect()
}

/// A source path as a repo-relative folder (`./apps/` is `apps`); `None` for the root.
pub fn clean_path(path: &str) -> Option<String> {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.is_empty() || parts.contains(&"..") {
        None
    } else {
        Some(parts.join("/"))
    }
}

/// The objects an Application syncs from folders of this repository, if any.
fn children(
    root: &Path,
    app: &ArgoObject,
    all: &[ArgoObject],
    kustomized: &mut usize,
) -> Vec<ArgoObject> {
    let mut out = Vec::new();
    for (folder, directory) in source_folders(&app.value) {
        if !root.join(&folder).is_dir() {
            continue;
        }
        if is_kustomize_dir(root, &folder) {
            if let Some(built) = kustomize_objects(root, &folder, all) {
                *kustomized += 1;
                out.extend(built);
                continue;
            }
            // Not built here: the files below the folder stand for what it builds.
            let prefix = format!("{folder}/");
            out.extend(all.iter().filter(|o| o.file.starts_with(&prefix)).cloned());
            continue;
        }
        let files: BTreeSet<String> = manifest_files(root, &folder, directory.as_ref())
            .into_iter()
            .map(|(rel, _)| rel)
            .collect();
        out.extend(all.iter().filter(|o| files.contains(&o.file)).cloned());
    }
    out.retain(|o| !(o.kind == app.kind && o.name == app.name && o.file == app.file));
    out
}

/// What `kustomize build folder` yields, as Argo CD objects placed at the file that
/// defines each (by kind and name) when there is one.
fn kustomize_objects(root: &Path, folder: &str, all: &[ArgoObject]) -> Option<Vec<ArgoObject>> {
    let registry = crate::schema::registry::Registry::new(crate::schema::core::Core::load(
        crate::schema::core::newest(),
    ));
    let ks = crate::kustomize::Kustomizations::read(root, folder);
    let values = crate::kustomize::native::build(root, &ks, &registry, folder)?;
    let prefix = format!("{folder}/");
    Some(
        values
            .into_iter()
            .filter_map(|v| {
                let probe = object_of(folder, 1, v)?;
                let origin = all
                    .iter()
                    .filter(|o| o.kind == probe.kind && o.name == probe.name)
                    .find(|o| o.file.starts_with(&prefix))
                    .or_else(|| {
                        all.iter()
                            .find(|o| o.kind == probe.kind && o.name == probe.name)
                    });
                Some(match origin {
                    Some(o) => ArgoObject {
                        value: probe.value.clone(),
                        namespace: probe.namespace.clone(),
                        ..o.clone()
                    },
                    None => probe,
                })
            })
            .collect(),
    )
}

/// Find the roots and the environment each one makes.
pub fn follow(root: &Path, all: &[ArgoObject]) -> Followed {
    let mut followed = Followed::default();
    let mut synced: BTreeMap<usize, Vec<ArgoObject>> = BTreeMap::new();
    for (i, app) in all.iter().enumerate() {
        if app.kind != "Application" {
            continue;
        }
        let kids = children(root, app, all, &mut followed.kustomize_roots);
        if !kids.is_empty() {
            synced.insert(i, kids);
        }
    }
    let is_child = |o: &ArgoObject| {
        synced
            .values()
            .flatten()
            .any(|c| c.kind == o.kind && c.name == o.name && c.file == o.file)
    };
    let roots: Vec<usize> = synced
        .keys()
        .copied()
        .filter(|i| !is_child(&all[*i]))
        .collect();
    if roots.is_empty() {
        // No app-of-apps: every object is one environment's, applied by hand.
        followed.environments.push(Environment {
            name: "prod".into(),
            root: None,
            objects: all.to_vec(),
        });
        return followed;
    }
    let names = environment_names(roots.iter().map(|i| &all[*i]).collect());
    let mut reached: BTreeSet<(String, String, String)> = BTreeSet::new();
    for (i, name) in roots.iter().zip(names) {
        let mut objects = Vec::new();
        for child in &synced[i] {
            // An app-of-apps below the root keeps syncing its own folder.
            let parent = all
                .iter()
                .position(|o| o.kind == child.kind && o.name == child.name && o.file == child.file);
            if let Some(p) = parent.filter(|p| synced.contains_key(p)) {
                for grandchild in &synced[&p] {
                    if !followed.nested.iter().any(|n| {
                        n.file == grandchild.file
                            && n.name == grandchild.name
                            && n.kind == grandchild.kind
                    }) {
                        followed.nested.push(grandchild.clone());
                    }
                }
            }
            reached.insert((child.kind.clone(), child.name.clone(), child.file.clone()));
            objects.push(child.clone());
        }
        reached.insert((
            all[*i].kind.clone(),
            all[*i].name.clone(),
            all[*i].file.clone(),
        ));
        // Objects an inner app-of-apps syncs are not the root's own.
        objects.retain(|o| {
            !followed
                .nested
                .iter()
                .any(|n| n.kind == o.kind && n.name == o.name && n.file == o.file)
        });
        followed.environments.push(Environment {
            name,
            root: Some(all[*i].clone()),
            objects,
        });
    }
    for n in &followed.nested {
        reached.insert((n.kind.clone(), n.name.clone(), n.file.clone()));
    }
    followed.unreached = all
        .iter()
        .filter(|o| !reached.contains(&(o.kind.clone(), o.name.clone(), o.file.clone())))
        .cloned()
        .collect();
    followed
}

/// Environment names for the roots: the path segment that tells their files apart
/// (`clusters/prod/root.yaml`, `clusters/staging/root.yaml`), else a well-known
/// environment word in the path, else `prod`.
fn environment_names(roots: Vec<&ArgoObject>) -> Vec<String> {
    const WORDS: &[&str] = &[
        "prod",
        "production",
        "staging",
        "stage",
        "dev",
        "test",
        "qa",
        "preprod",
    ];
    let split: Vec<Vec<String>> = roots
        .iter()
        .map(|r| {
            let mut parts: Vec<String> = r.file.split('/').map(String::from).collect();
            if let Some(last) = parts.last_mut() {
                *last = last
                    .trim_end_matches(".yaml")
                    .trim_end_matches(".yml")
                    .to_string();
            }
            parts
        })
        .collect();
    let mut names: Vec<String> = if roots.len() > 1 {
        let differing = (0..split.iter().map(Vec::len).max().unwrap_or(0)).find(|i| {
            let seen: BTreeSet<Option<&String>> = split.iter().map(|p| p.get(*i)).collect();
            seen.len() == split.len()
        });
        split
            .iter()
            .zip(&roots)
            .map(|(parts, r)| match differing.and_then(|i| parts.get(i)) {
                Some(p) => dns_label(p),
                None => dns_label(&r.name),
            })
            .collect()
    } else {
        let folder = source_folders(&roots[0].value)
            .into_iter()
            .next()
            .map(|(f, _)| f)
            .unwrap_or_default();
        let word = split[0]
            .iter()
            .map(String::as_str)
            .chain(folder.split('/'))
            .find(|p| WORDS.contains(p))
            .unwrap_or("prod");
        vec![word.to_string()]
    };
    // Two roots with the same name still need two environments.
    let mut seen = BTreeSet::new();
    for (i, n) in names.iter_mut().enumerate() {
        if n.is_empty() {
            *n = format!("env{}", i + 1);
        }
        if !seen.insert(n.clone()) {
            *n = format!("{n}-{}", i + 1);
            seen.insert(n.clone());
        }
    }
    names
}

/// A DNS label made of a path segment or name.
pub fn dns_label(text: &str) -> String {
    let mut out: String = text
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    out = out.trim_matches('-').to_string();
    out.truncate(63);
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn app(name: &str, path: &str) -> String {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\nspec:\n  source:\n    repoURL: https://git.example.org/ops.git\n    path: {path}\n"
        )
    }

    #[test]
    fn each_cluster_root_is_an_environment_and_inner_app_of_apps_keep_their_children() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "clusters/prod/root.yaml",
            &app("root", "clusters/prod/apps"),
        );
        write(
            root,
            "clusters/staging/root.yaml",
            &app("root", "clusters/staging/apps"),
        );
        write(root, "clusters/prod/apps/web.yaml", &app("web", "web"));
        write(
            root,
            "clusters/prod/apps/teams.yaml",
            &app("teams", "teams"),
        );
        write(root, "teams/blue.yaml", &app("blue", "blue"));
        write(root, "clusters/staging/apps/web.yaml", &app("web", "web"));
        // Not synced by any root: left alone.
        write(root, "examples/demo.yaml", &app("demo", "demo"));
        let all = crate::import::read::argocd_objects(root, "platform").unwrap();
        let f = follow(root, &all);
        let names: Vec<&str> = f.environments.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["prod", "staging"]);
        let prod: Vec<&str> = f.environments[0]
            .objects
            .iter()
            .map(|o| o.name.as_str())
            .collect();
        assert_eq!(prod, ["teams", "web"]);
        assert_eq!(
            f.nested.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
            ["blue"]
        );
        assert_eq!(
            f.unreached
                .iter()
                .map(|o| o.name.as_str())
                .collect::<Vec<_>>(),
            ["demo"]
        );
    }
}
