//! Kustomize builds: what overlays render to is validated too, so patches are checked in
//! context (a patch alone is a partial object and is never validated on its own).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::yaml::Node;

/// How to run kustomize.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kustomize {
    /// `kustomize build DIR`.
    Standalone(PathBuf),
    /// `kubectl kustomize DIR`.
    Kubectl(PathBuf),
}

impl Kustomize {
    /// The binary the user named (`kustomize` or `kubectl`, by file name), or the first one
    /// found on PATH.
    pub fn find(requested: Option<&Path>) -> Option<Kustomize> {
        if let Some(bin) = requested {
            let name = bin
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            return Some(if name.starts_with("kubectl") {
                Kustomize::Kubectl(bin.into())
            } else {
                Kustomize::Standalone(bin.into())
            });
        }
        let path = std::env::var_os("PATH")?;
        for dir in std::env::split_paths(&path) {
            if dir.join("kustomize").is_file() {
                return Some(Kustomize::Standalone(dir.join("kustomize")));
            }
        }
        for dir in std::env::split_paths(&path) {
            if dir.join("kubectl").is_file() {
                return Some(Kustomize::Kubectl(dir.join("kubectl")));
            }
        }
        None
    }

    pub fn name(&self) -> String {
        match self {
            Kustomize::Standalone(p) => format!("{} build", p.display()),
            Kustomize::Kubectl(p) => format!("{} kustomize", p.display()),
        }
    }

    /// Build a folder: the rendered YAML, or the first lines of the error.
    pub fn build(&self, dir: &Path) -> Result<String, String> {
        let output = match self {
            Kustomize::Standalone(bin) => Command::new(bin).arg("build").arg(dir).output(),
            Kustomize::Kubectl(bin) => Command::new(bin).arg("kustomize").arg(dir).output(),
        }
        .map_err(|e| format!("cannot run {}: {e}", self.name()))?;
        if output.status.success() {
            String::from_utf8(output.stdout)
                .map_err(|_| "the build output is not UTF-8".to_string())
        } else {
            let err = String::from_utf8_lossy(&output.stderr);
            Err(err
                .lines()
                .filter(|l| !l.trim().is_empty())
                .take(3)
                .collect::<Vec<_>>()
                .join("; "))
        }
    }
}

/// Kustomizations no other kustomization includes: building those covers every other one.
pub fn roots(kustomizations: &[(String, Node)]) -> Vec<String> {
    let mut included: HashSet<String> = HashSet::new();
    for (path, doc) in kustomizations {
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        for field in ["resources", "components", "bases"] {
            for entry in doc.get(field).and_then(Node::as_seq).unwrap_or(&[]) {
                let Some(rel) = entry.as_str() else { continue };
                if let Ok(target) = crate::spec::paths::repo_relative(dir, rel) {
                    included.insert(target);
                }
            }
        }
    }
    kustomizations
        .iter()
        .map(|(path, _)| {
            path.rsplit_once('/')
                .map_or(String::new(), |(d, _)| d.to_string())
        })
        .filter(|dir| !included.contains(dir))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_stream;

    #[test]
    fn only_top_level_kustomizations_are_roots() {
        let k = |path: &str, text: &str| {
            (
                path.to_string(),
                parse_stream(text).unwrap().documents.remove(0),
            )
        };
        let all = vec![
            k("base/kustomization.yaml", "resources: [a.yaml]\n"),
            k(
                "overlays/prod/kustomization.yaml",
                "resources: [../../base]\n",
            ),
            k(
                "overlays/dev/kustomization.yaml",
                "resources: [../../base, https://github.com/x/y]\n",
            ),
        ];
        assert_eq!(roots(&all), ["overlays/prod", "overlays/dev"]);
    }
}
