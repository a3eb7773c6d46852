//! Kustomize builds: what overlays render to is validated too, so patches are checked in
//! context (a patch alone is a partial object and is never validated on its own).

use std::path::{Path, PathBuf};
use std::process::Command;

use rayon::prelude::*;

use crate::kustomize::Kustomizations;
use crate::kustomize::needs::{self, Allowed, Need};
use crate::manifest::{Object, read_objects};
use crate::report::{Finding, Severity};

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

    /// `kustomize build` or `kubectl kustomize`, without the binary's folder.
    pub fn short_name(&self) -> String {
        match self {
            Kustomize::Standalone(_) => "kustomize build".to_string(),
            Kustomize::Kubectl(_) => "kubectl kustomize".to_string(),
        }
    }

    pub fn name(&self) -> String {
        match self {
            Kustomize::Standalone(p) => format!("{} build", p.display()),
            Kustomize::Kubectl(p) => format!("{} kustomize", p.display()),
        }
    }

    /// The command that builds `dir` (`kustomize build DIR` or `kubectl kustomize DIR`);
    /// flags may still be added.
    pub fn command(&self, dir: &Path) -> Command {
        let (bin, verb) = match self {
            Kustomize::Standalone(bin) => (bin, "build"),
            Kustomize::Kubectl(bin) => (bin, "kustomize"),
        };
        let mut command = Command::new(bin);
        command.arg(verb).arg(dir);
        command
    }

    /// Build a folder: the rendered YAML, or the first lines of the error.
    pub fn build(&self, dir: &Path) -> Result<String, String> {
        self.build_with(dir, false)
    }

    /// Build a folder; `helm`: inflate `helmCharts` (kustomize refuses them without
    /// `--enable-helm`).
    pub fn build_with(&self, dir: &Path, helm: bool) -> Result<String, String> {
        let mut command = self.command(dir);
        if helm {
            command.arg("--enable-helm");
        }
        let output = command
            .output()
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
    /// Who built it.
    pub by: BuiltBy,
}

/// Who built a folder: platc in process, or the kustomize binary (and why platc did not).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum BuiltBy {
    InProcess,
    /// The binary's name (`kubectl kustomize`), and what platc does not build there, with
    /// the folder that uses it when not this one (None: a kustomize named on the command
    /// line builds everything).
    Binary {
        name: String,
        why: Option<String>,
    },
}

/// A folder that was not built because its build needs what is not here (the network, a
/// plugin, helm).
pub struct NotBuilt {
    pub dir: String,
    pub needs: Vec<Need>,
}

/// What running the builds gave.
pub struct Builds {
    pub built: Vec<Built>,
    /// Some folder needed kustomize and there is none.
    pub missing: bool,
    pub not_built: Vec<NotBuilt>,
}

/// Build the folders in parallel and read each output once: in process where platc can
/// reproduce kustomize exactly (`native`), else with kustomize. A folder that needs kustomize
/// when there is none is left out (`missing`); so is one that needs what `allowed` does not
/// give (`not_built`).
pub fn run(
    kustomize: Option<&Kustomize>,
    native: bool,
    root: &Path,
    kustomizations: &Kustomizations,
    registry: &crate::schema::registry::Registry,
    dirs: &[(String, bool)],
    allowed: Allowed,
) -> Builds {
    // Overlays over shared bases (one per environment) build each base once; the rest of
    // a build is cheap beside it.
    let sharing = native.then(|| kustomizations.sharing_builds());
    let built: Vec<Result<Option<Built>, NotBuilt>> = dirs
        .par_iter()
        .map(|(dir, is_root)| {
            let kustomization = kustomizations
                .in_dir(dir)
                .map(|k| k.file.clone())
                .unwrap_or_else(|| format!("{dir}/kustomization.yaml"));
            let tree = kustomizations.tree(dir);
            let needs = needs::unmet(root, kustomizations, &tree, allowed);
            if !needs.is_empty() {
                return Err(NotBuilt {
                    dir: dir.clone(),
                    needs,
                });
            }
            let helm = needs::uses_helm(kustomizations, &tree);
            let in_process = sharing
                .as_ref()
                .map(|ks| crate::kustomize::native::try_build(root, ks, registry, dir));
            let (result, by) = match (in_process, kustomize) {
                (Some(Ok(values)), _) => (
                    within_budget(objects_of(&kustomization, &values)),
                    BuiltBy::InProcess,
                ),
                (declined, Some(k)) => (
                    k.build_with(&root.join(dir), helm)
                        .and_then(|text| output_objects(&kustomization, &text)),
                    BuiltBy::Binary {
                        name: k.short_name(),
                        // The reason may quote what the kustomization says (a remote
                        // file's URL): never a credential in it.
                        why: declined.and_then(Result::err).map(|u| {
                            let place = if u.dir == *dir {
                                String::new()
                            } else {
                                format!(" (in {})", if u.dir.is_empty() { "." } else { &u.dir })
                            };
                            crate::secrets::redact::redact_credentials(&format!(
                                "{}{place}",
                                u.reason
                            ))
                        }),
                    },
                ),
                (_, None) => return Ok(None),
            };
            Ok(Some(Built {
                dir: dir.clone(),
                kustomization,
                root: *is_root,
                result,
                by,
            }))
        })
        .collect();
    let mut out = Builds {
        built: Vec::new(),
        missing: false,
        not_built: Vec::new(),
    };
    for b in built {
        match b {
            Ok(Some(b)) => out.built.push(b),
            Ok(None) => out.missing = true,
            Err(n) => out.not_built.push(n),
        }
    }
    out
}

/// One info finding per thing a build needed and could not have (a base several overlays
/// share is said once), and one per Component no kustomization lists.
pub fn not_built_notes(not_built: &[NotBuilt], kustomizations: &Kustomizations) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for need in not_built.iter().flat_map(|n| &n.needs) {
        if !seen.insert((need.file.clone(), need.pointer.clone())) {
            continue;
        }
        out.push(
            Finding::new(NOT_BUILT, Severity::Info, need.message.clone())
                .at_span(need.file.clone(), Some(need.span))
                .with_path(need.pointer.clone())
                .with_help(need.help),
        );
    }
    for k in kustomizations.unlisted_components() {
        out.push(
            Finding::new(
                NOT_BUILT,
                Severity::Info,
                "a Component is built only within a kustomization that lists it in `components:`; none of those checked does, so it was not built".to_string(),
            )
            .at(k.file.clone(), None)
            .with_help("list it in an overlay's `components:` to check it there; its files were checked on their own"),
        );
    }
    out
}

/// The id of the notes on builds that were not run.
pub const NOT_BUILT: &str = "kustomize/not-built";

/// The objects of kustomize's output, or why they were not read (the output is over a
/// limit: it is said, never passed as empty).
fn output_objects(kustomization: &str, text: &str) -> Result<Vec<Object>, String> {
    let read = read_objects(kustomization, text);
    match read
        .findings
        .into_iter()
        .find(|f| f.rule == "io/unreadable")
    {
        Some(f) => Err(format!(
            "the output {}; {}",
            f.message.trim_start_matches("not checked: "),
            f.help.unwrap_or_default()
        )),
        None => Ok(read.objects),
    }
}

/// A build's objects, unless more than `limits.objectsPerFile`.
fn within_budget(objects: Vec<Object>) -> Result<Vec<Object>, String> {
    let most = crate::limits::current().objects_per_file;
    if objects.len() as u64 > most.get() {
        return Err(format!(
            "the output holds {} objects, over the `limits.objectsPerFile` budget of {most}; {}",
            objects.len(),
            crate::limits::Key::ObjectsPerFile.raise()
        ));
    }
    Ok(objects)
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
