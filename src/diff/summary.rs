//! What `platc build` changed, one line per environment: which components, tenants and
//! projects get new, changed or deleted files. Worked out from the differences between the
//! generated tree and the disk before the write.

use std::collections::{BTreeMap, BTreeSet};

use crate::tree::Drift;

#[derive(Default)]
struct Parts {
    added: BTreeSet<String>,
    changed: BTreeSet<String>,
    removed: BTreeSet<String>,
}

/// `overlays/prod/apps/vault.yaml` -> (`prod`, `vault`); `overlays/base/tenants/a/x.yaml`
/// -> (`base`, `a`); `overlays/prod/kustomization.yaml` -> (`prod`, `root`).
fn place(out_dir: &str, path: &str) -> Option<(String, String)> {
    let rest = path.strip_prefix(out_dir)?.strip_prefix('/')?;
    let mut parts = rest.split('/');
    let env = parts.next()?.to_string();
    let second = parts.next()?;
    let part = match parts.next() {
        Some(third) => third.trim_end_matches(".yaml").to_string(),
        None => match second {
            "kustomization.yaml" | "root.yaml" => "root".to_string(),
            other => other.trim_end_matches(".yaml").to_string(),
        },
    };
    Some((env, part))
}

/// One line per environment of the tree (`base` holds what environments share), saying
/// what the write changes; `envs` lists every environment so that unchanged ones say so.
pub fn lines(out_dir: &str, envs: &[String], drifts: &[Drift]) -> Vec<String> {
    let mut by_env: BTreeMap<String, Parts> =
        envs.iter().map(|e| (e.clone(), Parts::default())).collect();
    for d in drifts {
        let Some((env, part)) = place(out_dir, d.path()) else {
            continue;
        };
        let p = by_env.entry(env).or_default();
        match d {
            Drift::Missing(_) => p.added.insert(part),
            Drift::Stale(_) | Drift::HandEdited(_) | Drift::Foreign(_) => p.changed.insert(part),
            Drift::Orphaned(_) => p.removed.insert(part),
        };
    }
    by_env
        .into_iter()
        .map(|(env, p)| {
            // A part with files both added and changed is changed.
            let added: Vec<&String> = p.added.iter().filter(|a| !p.changed.contains(*a)).collect();
            let removed: Vec<&String> = p
                .removed
                .iter()
                .filter(|r| !p.changed.contains(*r) && !p.added.contains(*r))
                .collect();
            let mut said = Vec::new();
            let list = |what: &str, items: Vec<&String>| {
                let names: Vec<&str> = items.iter().map(|s| s.as_str()).collect();
                format!("{} {what} ({})", names.len(), names.join(", "))
            };
            if !added.is_empty() {
                said.push(list("added", added));
            }
            if !p.changed.is_empty() {
                said.push(list("changed", p.changed.iter().collect()));
            }
            if !removed.is_empty() {
                said.push(list("removed", removed));
            }
            if said.is_empty() {
                format!("{env}: no change")
            } else {
                format!("{env}: {}", said.join(", "))
            }
        })
        .collect()
}

/// The environments of a generated tree: the folders right under `out_dir`.
pub fn environments(out_dir: &str, files: impl Iterator<Item = impl AsRef<str>>) -> Vec<String> {
    let mut envs: BTreeSet<String> = BTreeSet::new();
    for f in files {
        if let Some((env, _)) = place(out_dir, f.as_ref()) {
            envs.insert(env);
        }
    }
    envs.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_environment() {
        let drifts = vec![
            Drift::Stale("overlays/prod/apps/vault.yaml".into()),
            Drift::Missing("overlays/prod/apps/grafana.yaml".into()),
            Drift::Missing("overlays/prod/components/grafana/kustomization.yaml".into()),
            Drift::Orphaned("overlays/staging/apps/old.yaml".into()),
        ];
        let envs = vec!["prod".to_string(), "staging".into(), "dev".into()];
        assert_eq!(
            lines("overlays", &envs, &drifts),
            vec![
                "dev: no change",
                "prod: 1 added (grafana), 1 changed (vault)",
                "staging: 1 removed (old)"
            ]
        );
    }
}
