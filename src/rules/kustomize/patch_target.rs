use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::kustomize::select::{Renames, Selector};
use crate::kustomize::{BuildTree, Kustomizations};
use crate::manifest::Object;
use crate::report::{Finding, Severity};
use crate::rules::Rule;
use crate::yaml::Node;

pub const RULE: Rule = Rule {
    id: "kustomize/patch-target",
    severity: Severity::Error,
    summary: "a patch whose `target` matches no object of the build",
    docs: r#"# kustomize/patch-target

A patch with a `target` selector (in `patches` or `patchesJson6902`) matches no object of
the kustomization's build, so it changes nothing.

## Why
kustomize applies a targeted patch to whatever matches and says nothing when nothing does: a
renamed Deployment, a kind spelled `Deploymnet` or a label selector that drifted leaves the
patch silently unused, and the setting it carried (replicas, resources, a toleration) never
reaches the cluster.

## Bad
```yaml
resources: [deployment.yaml]          # Deployment `website`
patches:
  - path: replicas-patch.yaml
    target: {kind: Deployment, name: web}
```

## Good
```yaml
patches:
  - path: replicas-patch.yaml
    target: {kind: Deployment, name: website}
```

## Fix
Correct the target (names and namespaces are regular expressions matched in full; group,
version and kind must be exact), or remove the patch. Patches without a target are checked by
kustomize itself: the build fails when their object is missing.
"#,
    check: crate::rules::bundle::per_object,
};

/// One targeted patch: where it is, and whether any build matched it.
struct Seen<'a> {
    file: &'a str,
    node: &'a Node,
    pointer: String,
    matched: bool,
}

/// Match every targeted patch of each build's kustomizations against that build's output,
/// and, as kustomize matches before the patch applies, against the objects as the build's
/// resource files declare them (a JSON 6902 patch may rename or re-kind its own target).
/// A patch in a base several overlays include is unused only if no overlay's build matches.
pub fn check(
    root: &Path,
    kustomizations: &Kustomizations,
    builds: &[(&BuildTree, &[Object])],
    out: &mut Vec<Finding>,
) {
    let mut seen: BTreeMap<(usize, String), Seen<'_>> = BTreeMap::new();
    // Resource files read on demand (only for targets the output does not match), once.
    let mut declared: HashMap<String, Vec<Object>> = HashMap::new();
    for (tree, objects) in builds {
        let renames = Renames::of(kustomizations, tree);
        for &i in &tree.kustomizations {
            let k = &kustomizations.all[i];
            for field in ["patches", "patchesJson6902"] {
                for (j, patch) in k
                    .doc
                    .get(field)
                    .and_then(Node::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .enumerate()
                {
                    let Some(target) = patch.get("target") else {
                        continue;
                    };
                    let Some(selector) = Selector::of(target) else {
                        continue;
                    };
                    let pointer = format!("/{field}/{j}/target");
                    let entry = seen.entry((i, pointer.clone())).or_insert(Seen {
                        file: &k.file,
                        node: target,
                        pointer,
                        matched: false,
                    });
                    if !entry.matched {
                        entry.matched = objects.iter().any(|o| selector.matches(o, &renames));
                    }
                    if !entry.matched {
                        let mut files: Vec<&String> = tree.files.iter().collect();
                        files.sort();
                        entry.matched = files.into_iter().any(|f| {
                            declared
                                .entry(f.clone())
                                .or_insert_with(|| read_declared(root, f))
                                .iter()
                                .any(|o| selector.matches(o, &renames))
                        });
                    }
                }
            }
        }
    }
    for s in seen.into_values().filter(|s| !s.matched) {
        out.push(
            Finding::new(
                RULE.id,
                RULE.severity,
                format!(
                    "the patch target {} matches no object of the build",
                    describe(s.node)
                ),
            )
            .at_span(s.file, Some(s.node.span))
            .with_path(s.pointer)
            .with_help("correct the target's kind, name or selector, or remove the patch"),
        );
    }
}

/// The objects of a resource file as written (none when it cannot be read: the build read
/// it, so the output already holds what could be matched).
fn read_declared(root: &Path, file: &str) -> Vec<Object> {
    std::fs::read_to_string(root.join(file))
        .map(|text| crate::manifest::read_objects(file, &text).objects)
        .unwrap_or_default()
}

/// `kind: Deployment, name: web` as written.
fn describe(target: &Node) -> String {
    let parts: Vec<String> = target
        .as_map()
        .unwrap_or(&[])
        .iter()
        .filter_map(|(k, v)| Some(format!("{}: {}", k.as_str()?, v.as_str()?)))
        .collect();
    format!("`{}`", parts.join(", "))
}
