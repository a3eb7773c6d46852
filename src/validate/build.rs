//! Kustomize builds: what overlays render to is validated too, so patches are checked in
//! context (a patch alone is a partial object and is never validated on its own).

use std::path::{Path, PathBuf};
use std::process::Command;

use rayon::prelude::*;

use crate::kustomize::Kustomizations;
use crate::manifest::{Object, read_objects};

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
            // kustomize may quote the line it failed on: never pass a credential along.
            Err(crate::secrets::redact::redact_credentials(&clean_error(
                &String::from_utf8_lossy(&output.stderr),
            )))
        }
    }
}

/// One kustomize build: the folder, its kustomization file, and the objects it renders (or
/// why it failed).
pub struct Built {
    pub dir: String,
    pub kustomization: String,
    /// A top-level kustomization, whose output is validated. Other folders are built only
    /// because an Application deploys them.
    pub root: bool,
    pub result: Result<Vec<Object>, String>,
}

/// Build the folders in parallel and read each output once: in process where platc can
/// reproduce kustomize exactly (`native`), else with kustomize. A folder that needs kustomize
/// when there is none is left out; the second value says whether that happened.
pub fn run(
    kustomize: Option<&Kustomize>,
    native: bool,
    root: &Path,
    kustomizations: &Kustomizations,
    registry: &crate::schema::registry::Registry,
    dirs: &[(String, bool)],
) -> (Vec<Built>, bool) {
    let built: Vec<Option<Built>> = dirs
        .par_iter()
        .map(|(dir, is_root)| {
            let kustomization = kustomizations
                .in_dir(dir)
                .map(|k| k.file.clone())
                .unwrap_or_else(|| format!("{dir}/kustomization.yaml"));
            let in_process = native
                .then(|| crate::kustomize::native::build(root, kustomizations, registry, dir))
                .flatten();
            let result = match (in_process, kustomize) {
                (Some(values), _) => Ok(objects_of(&kustomization, &values)),
                (None, Some(k)) => k
                    .build(&root.join(dir))
                    .map(|text| read_objects(&kustomization, &text).objects),
                (None, None) => return None,
            };
            Some(Built {
                dir: dir.clone(),
                kustomization,
                root: *is_root,
                result,
            })
        })
        .collect();
    let missing = built.iter().any(Option::is_none);
    (built.into_iter().flatten().collect(), missing)
}

/// Objects for values built in process, attributed to the kustomization like kustomize's
/// output is.
fn objects_of(kustomization: &str, values: &[serde_json::Value]) -> Vec<Object> {
    let file: std::sync::Arc<str> = std::sync::Arc::from(kustomization);
    let at = crate::yaml::Span::default();
    values
        .iter()
        .enumerate()
        .map(|(i, v)| Object {
            file: file.clone(),
            document: i,
            pointer_prefix: String::new(),
            node: crate::yaml::Node::from_json(v, at),
        })
        .collect()
}

/// kubectl wraps kustomize's message in a log line (`E1125 ... "command failed" err="..."`,
/// or `err=<` and the message on the lines up to `>`): keep the message, on one line.
fn clean_error(stderr: &str) -> String {
    let lines: Vec<&str> = if let Some(i) = stderr.find("err=\"") {
        let rest = &stderr[i + 5..];
        vec![rest.lines().next().unwrap_or(rest).trim_end_matches('"')]
    } else if let Some(i) = stderr.find("err=<") {
        stderr[i + 5..]
            .lines()
            .take_while(|l| l.trim() != ">")
            .collect()
    } else {
        stderr.lines().collect()
    };
    lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .take(3)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_log_lines_are_reduced_to_the_message() {
        assert_eq!(
            clean_error(
                "E1125 16:11:58.009199   23017 run.go:72] \"command failed\" err=\"accumulating resources: x\"\n"
            ),
            "accumulating resources: x"
        );
        assert_eq!(
            clean_error(
                "E1125 run.go:72] \"command failed\" err=<\n\taccumulating: y\n\t: exit status 128\n >\n"
            ),
            "accumulating: y; : exit status 128"
        );
        assert_eq!(clean_error("Error: no such file\n"), "Error: no such file");
    }
}
