use std::path::Path;

use crate::kustomize::{Kustomization, Kustomizations, Ref, RefKind};
use crate::report::{Finding, Severity};
use crate::rules::Rule;

pub const RULE: Rule = Rule {
    id: "kustomize/missing-file",
    severity: Severity::Error,
    summary: "a resource, component, patch or generator input that kustomize cannot read",
    docs: r#"# kustomize/missing-file

A kustomization names a file or folder that does not exist, a folder without a
kustomization, or a file outside its own folder (which kustomize refuses to read).

## Why
`kustomize build` stops at the first such entry with a message that does not say which line
of which kustomization is wrong; Argo CD shows the same message only after the merge. platc
points at the entry.

## Bad
```yaml
# apps/web/kustomization.yaml
resources:
  - deployment.yml          # the file is deployment.yaml
  - ../shared/config.yaml   # a file outside apps/web: kustomize refuses it
patches:
  - path: patches/replicas.yaml   # never written
```

## Good
```yaml
resources:
  - deployment.yaml
  - ../shared               # a folder with its own kustomization.yaml
patches:
  - path: replicas-patch.yaml
```

## Fix
Correct the path, add the file, or turn a shared folder into a kustomization of its own and
include the folder. Remote resources (URLs, `github.com/...?ref=`) are not checked.
"#,
    check: crate::rules::bundle::per_object,
};

/// Every kustomization's local references that kustomize cannot read.
pub fn check(root: &Path, kustomizations: &Kustomizations, out: &mut Vec<Finding>) {
    for k in &kustomizations.all {
        for r in k.refs() {
            if crate::kustomize::is_remote(r.target) {
                continue;
            }
            if let Some(problem) = problem(root, k, &r) {
                out.push(
                    Finding::new(RULE.id, RULE.severity, problem.0)
                        .at_span(k.file.clone(), Some(r.node.span))
                        .with_path(r.pointer.clone())
                        .with_help(problem.1),
                );
            }
        }
    }
}

/// What is wrong with a reference, and what to do.
fn problem(root: &Path, k: &Kustomization, r: &Ref<'_>) -> Option<(String, String)> {
    let field = r.field;
    let target = match crate::spec::paths::repo_relative(&k.dir, r.target) {
        Ok(t) => t,
        Err(why) => {
            return Some((
                format!("`{field}` names `{}`: {why}", r.target),
                "name a file or folder inside the repository, relative to the kustomization".into(),
            ));
        }
    };
    let full = root.join(&target);
    let (is_dir, is_file) = (full.is_dir(), full.is_file());
    let wants_folder = r.kind == RefKind::Component;
    if !is_dir && !is_file {
        return Some((
            format!(
                "`{field}` names `{}`, which does not exist{}",
                r.target,
                suggestion(root, &target, r.target)
            ),
            "correct the path or add the file".into(),
        ));
    }
    if is_dir && matches!(r.kind, RefKind::Resource | RefKind::Component) {
        if crate::kustomize::file_in(root, &target).is_none() {
            return Some((
                format!(
                    "`{field}` names the folder `{}`, which holds no kustomization.yaml",
                    r.target
                ),
                "add a kustomization.yaml to the folder listing its files, or name the files"
                    .into(),
            ));
        }
        return None;
    }
    if is_dir {
        return Some((
            format!(
                "`{field}` names `{}`, which is a folder, not a file",
                r.target
            ),
            "name the file itself".into(),
        ));
    }
    if wants_folder {
        return Some((
            format!(
                "`{field}` names `{}`, which is a file: a component is a folder",
                r.target
            ),
            "name the folder that holds the component's kustomization.yaml".into(),
        ));
    }
    // kustomize's default load restrictor: files must be in or below the kustomization.
    let below = k.dir.is_empty() || target.starts_with(&format!("{}/", k.dir));
    if !below {
        return Some((
            format!(
                "`{field}` names the file `{}`, outside `{}`: kustomize refuses files above the kustomization",
                r.target,
                if k.dir.is_empty() { "." } else { &k.dir }
            ),
            "move the file below the kustomization, or give its folder a kustomization.yaml and include the folder".into(),
        ));
    }
    None
}

/// " (did you mean `x`?)" when a sibling of the missing path is close to it, written the
/// way the kustomization wrote the path.
fn suggestion(root: &Path, target: &str, written: &str) -> String {
    crate::suggest::sibling(root, target)
        .map(|s| match written.rsplit_once('/') {
            Some((parent, _)) => format!(" (did you mean `{parent}/{s}`?)"),
            None => format!(" (did you mean `{s}`?)"),
        })
        .unwrap_or_default()
}
