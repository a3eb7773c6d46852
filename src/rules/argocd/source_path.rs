use std::path::Path;

use crate::report::{Finding, Severity};
use crate::rules::{Context, Rule, report};
use crate::validate::ObjectRef;
use crate::yaml::Node;

pub const RULE: Rule = Rule {
    id: "argocd/source-path",
    severity: Severity::Error,
    summary: "an Application path or value file in this repository that does not exist",
    docs: r#"# argocd/source-path

An Application's source points at this repository (its `repoURL` is the spec's repository, a
git remote, or listed under `repoURLs` in `.platc.yaml`), but the `path`, or a Helm value file
read from it, does not exist in the working tree.

## Why
Argo CD reports "app path does not exist" only once the change is merged and synced, and a
copied Application keeps the path of the one it was copied from. The files are right here:
checking them before the commit costs nothing.

## Bad
```yaml
spec:
  source:
    repoURL: https://git.example.org/club/platform.git
    path: system/kuma          # the folder is system/kuma-mesh
```

## Good
```yaml
spec:
  source:
    repoURL: https://git.example.org/club/platform.git
    path: system/kuma-mesh
```

## Fix
Point `path` (or the value file) at what exists, or add it. Paths with templates (in
ApplicationSets) are not checked. If the repository is not recognised, name its URLs under
`repoURLs` in `.platc.yaml`.
"#,
    check,
};

fn check(cx: &Context<'_>, o: &ObjectRef<'_>, out: &mut Vec<Finding>) {
    if !cx.repo.knows_its_urls() {
        return;
    }
    let sources = super::sources(o);
    let here = |s: &Node| {
        s.get("repoURL")
            .and_then(Node::as_str)
            .is_some_and(|u| cx.repo.is_this(u))
    };
    // `ref` sources in this repository, for `$ref/...` value files.
    let refs: Vec<&str> = sources
        .iter()
        .filter(|(s, _)| here(s))
        .filter_map(|(s, _)| s.get("ref").and_then(Node::as_str))
        .collect();
    for (source, at) in &sources {
        let path = source.get("path").filter(|_| here(source));
        if let Some(node) = path
            && let Some(p) = node.as_str()
            && let Some(problem) = missing(&cx.repo.root, "", p, true)
        {
            out.push(report(
                &RULE,
                o,
                node,
                &format!("{at}/path"),
                problem,
                "point the path at a folder of this repository, or add the folder",
            ));
        }
        for (i, f, file) in super::value_files(source) {
            // `$values/x.yaml` is relative to the root of the `ref: values` source;
            // a plain name is relative to this source's path.
            let (base, rel) = match file.strip_prefix('$').and_then(|r| r.split_once('/')) {
                Some((name, rel)) if refs.contains(&name) => ("", rel),
                Some(_) => continue,
                None => match path.and_then(Node::as_str) {
                    Some(p) => (p, file),
                    None => continue,
                },
            };
            if let Some(problem) = missing(&cx.repo.root, base, rel, false) {
                out.push(report(
                    &RULE,
                    o,
                    f,
                    &format!("{at}/helm/valueFiles/{i}"),
                    problem,
                    "point the value file at a file of this repository, or add it",
                ));
            }
        }
    }
}

/// Why `rel` (under `base`) is not a folder (or file) of the repository, if it is not.
fn missing(root: &Path, base: &str, rel: &str, folder: bool) -> Option<String> {
    if rel.contains("{{") || base.contains("{{") {
        return None;
    }
    let base = base.trim_matches('/');
    let rel_trimmed = rel.trim_start_matches("./").trim_matches('/');
    if rel_trimmed.is_empty() || rel_trimmed == "." {
        return None;
    }
    let target = match crate::spec::paths::repo_relative(base, rel_trimmed) {
        Ok(t) => t,
        Err(e) => return Some(e),
    };
    let full = root.join(&target);
    match (full.is_dir(), full.is_file(), folder) {
        (true, _, true) | (_, true, false) => None,
        (false, true, true) => Some(format!("`{target}` is a file: a source path is a folder")),
        (true, _, false) => Some(format!("`{target}` is a folder, not a value file")),
        _ => {
            let parent = target.rsplit_once('/').map_or("", |(p, _)| p);
            let hint = crate::suggest::sibling(root, &target)
                .map(|s| {
                    if parent.is_empty() {
                        format!(" (did you mean `{s}`?)")
                    } else {
                        format!(" (did you mean `{parent}/{s}`?)")
                    }
                })
                .unwrap_or_default();
            Some(format!(
                "`{target}` does not exist in this repository{hint}"
            ))
        }
    }
}
