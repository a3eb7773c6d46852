use std::collections::{BTreeMap, HashMap};

use crate::report::{Finding, Severity};
use crate::rules::Rule;

use super::facts::{ObjectId, Place};

pub const RULE: Rule = Rule {
    id: "argocd/shared-object",
    severity: Severity::Error,
    summary: "the same object deployed by two Applications into one cluster",
    docs: r#"# argocd/shared-object

Two Applications deploy the same object (group, kind, namespace and name) into the same
cluster. platc renders what each Application deploys from this repository (the kustomize
build of its path, or the manifests of a plain folder as Argo CD reads it: subfolders with
`directory.recurse`, only the files `directory.include` matches and none `exclude` matches)
and compares.

## Why
Argo CD tracks each object by one Application. Two owners fight: each sync overwrites the
other's version, one of them shows the object as out of sync forever, and pruning one
Application deletes the object the other still needs (Argo CD's SharedResourceWarning).

## Bad
```yaml
# Applications `monitoring` and `grafana` both deploy apps/grafana/namespace.yaml,
# the first through apps/monitoring/kustomization.yaml (resources: [../grafana]).
```

## Good
```yaml
# One Application owns the Namespace; the other sets CreateNamespace=true or depends on it.
```

## Fix
Give each object one owner: remove it from one of the paths, or split the shared part into
an Application of its own. Helm charts from other repositories are not rendered, so objects
they create are not compared.
"#,
    check: crate::rules::bundle::per_object,
};

/// What an Application deploys from this repository.
pub struct Deploys<'a> {
    pub application: &'a str,
    pub cluster: &'a str,
    /// The destination namespace: where namespaced objects without one go.
    pub namespace: &'a str,
    /// The source that brings the objects (for the finding's position).
    pub place: &'a Place,
    pub objects: Vec<&'a ObjectId>,
}

pub fn check(apps: &[Deploys<'_>], out: &mut Vec<Finding>) {
    // (cluster, group, kind, namespace, name) -> the first Application deploying it.
    type Key<'k> = (&'k str, &'k str, &'k str, Option<&'k str>, &'k str);
    let mut owner: HashMap<Key<'_>, usize> = HashMap::new();
    for (i, app) in apps.iter().enumerate() {
        // Objects this Application shares, by the Application that has them first.
        let mut shared: BTreeMap<usize, Vec<(&ObjectId, Option<&str>)>> = BTreeMap::new();
        for id in &app.objects {
            let namespace = match (&id.namespace, id.cluster_scoped) {
                (_, true) => None,
                (Some(ns), false) => Some(ns.as_str()),
                (None, false) => Some(app.namespace),
            };
            let key = (
                app.cluster,
                id.group.as_str(),
                id.kind.as_str(),
                namespace,
                id.name.as_str(),
            );
            match owner.get(&key) {
                Some(&first) if apps[first].application != app.application => {
                    shared.entry(first).or_default().push((id, namespace));
                }
                Some(_) => {}
                None => {
                    owner.insert(key, i);
                }
            }
        }
        for (first, ids) in shared {
            let other = &apps[first];
            let example = match ids[0] {
                (id, Some(ns)) => format!("{} {ns}/{}", id.kind, id.name),
                (id, None) => format!("{} {}", id.kind, id.name),
            };
            let more = match ids.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            let message = format!(
                "Application `{}` deploys {example}{more}, which Application `{}` also deploys to {}",
                app.application, other.application, app.cluster
            );
            if let Some(mut f) = app.place.finding(
                RULE.id,
                RULE.severity,
                message,
                "give each object one owning Application",
            ) {
                if let Some(pos) = other.place.pos() {
                    f = f.with_related(other.place.file.clone(), pos, "also deployed here");
                }
                out.push(f);
            }
        }
    }
}
