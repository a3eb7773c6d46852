use std::path::Path;

use crate::manifest::ObjectRef;
use crate::report::{Finding, Severity};
use crate::rules::{Context, Rule, report};
use crate::yaml::Node;

pub const RULE: Rule = Rule {
    id: "argocd/source-path",
    severity: Severity::Error,
    summary: "an Application path or value file in this repository that does not exist",
    docs: r#"# argocd/source-path

An Application's source points at this repository (its `repoURL` is the spec's repository, a
git remote, or listed under `repoURLs` in `.platc.yaml`), but the `path`, or a Helm value file
read from it, does not exist in the working tree; or an ApplicationSet's git generator on this
repository has a directory or file pattern that matches nothing, so it generates no
Application.

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
    if o.object.kind() == Some("ApplicationSet") {
        git_generators(
            cx,
            o,
            o.node().pointer("/spec/generators"),
            "/spec/generators",
            out,
        );
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
        // Argo CD skips missing value files when told to.
        let ignore_missing = source
            .pointer("/helm/ignoreMissingValueFiles")
            .and_then(Node::as_bool)
            == Some(true);
        for (i, f, file) in super::value_files(source).filter(|_| !ignore_missing) {
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

/// ApplicationSet git generators on this repository (at any depth of matrix and merge
/// generators): each directory or file pattern must match something, or the set generates
/// no Application at all.
fn git_generators(
    cx: &Context<'_>,
    o: &ObjectRef<'_>,
    generators: Option<&Node>,
    at: &str,
    out: &mut Vec<Finding>,
) {
    for (i, generator) in generators
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let here = format!("{at}/{i}");
        for nested in ["matrix", "merge"] {
            git_generators(
                cx,
                o,
                generator.pointer(&format!("/{nested}/generators")),
                &format!("{here}/{nested}/generators"),
                out,
            );
        }
        let Some(git) = generator.get("git") else {
            continue;
        };
        if !git
            .get("repoURL")
            .and_then(Node::as_str)
            .is_some_and(|u| cx.repo.is_this(u))
        {
            continue;
        }
        for (field, folders) in [("directories", true), ("files", false)] {
            for (j, entry) in git
                .get(field)
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                if entry.get("exclude").and_then(Node::as_bool) == Some(true) {
                    continue;
                }
                let Some(node) = entry.get("path") else {
                    continue;
                };
                let Some(pattern) = node.as_str() else {
                    continue;
                };
                if pattern.contains("{{") || matches(&cx.repo.root, pattern, folders) {
                    continue;
                }
                out.push(report(
                    &RULE,
                    o,
                    node,
                    &format!("{here}/git/{field}/{j}/path"),
                    format!(
                        "`{pattern}` matches no {} of this repository: the generator makes no Application",
                        if folders { "folder" } else { "file" }
                    ),
                    "correct the pattern (each `*` stays within one folder), or add what it should match",
                ));
            }
        }
    }
}

/// Whether a git generator pattern (`apps/*`, `clusters/*/config.json`; `*`, `?` and `[...]`
/// within one path segment, `**` across segments) matches a folder (or a file) of the
/// repository.
fn matches(root: &Path, pattern: &str, folders: bool) -> bool {
    let segments: Vec<&str> = pattern
        .trim_start_matches("./")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let Some(regexes) = segments
        .iter()
        .map(|s| {
            if *s == "**" {
                Some(None)
            } else {
                segment_regex(s).map(Some)
            }
        })
        .collect::<Option<Vec<Option<regex::Regex>>>>()
    else {
        return true; // a pattern platc cannot read is not claimed to match nothing
    };
    walk(root, &regexes, folders)
}

fn walk(dir: &Path, segments: &[Option<regex::Regex>], folders: bool) -> bool {
    let Some((first, rest)) = segments.split_first() else {
        return false;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    let entries: Vec<_> = entries.flatten().collect();
    match first {
        // `**`: this folder or any below it.
        None => {
            walk(dir, rest, folders)
                || entries.iter().any(|e| {
                    e.path().is_dir()
                        && e.file_name() != ".git"
                        && walk(&e.path(), segments, folders)
                })
        }
        Some(re) => entries.iter().any(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if name == ".git" || !re.is_match(&name) {
                return false;
            }
            let path = e.path();
            if rest.is_empty() {
                if folders {
                    path.is_dir()
                } else {
                    path.is_file()
                }
            } else {
                path.is_dir() && walk(&path, rest, folders)
            }
        }),
    }
}

/// One path segment of a glob as an anchored regex.
fn segment_regex(segment: &str) -> Option<regex::Regex> {
    let mut re = String::from("^");
    let mut chars = segment.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            '[' => {
                re.push('[');
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    if c == '!' && re.ends_with('[') {
                        re.push('^');
                    } else if c == '\\' {
                        re.push_str("\\\\");
                    } else {
                        re.push(c);
                    }
                }
                re.push(']');
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    regex::Regex::new(&re).ok()
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
