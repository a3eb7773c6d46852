//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared` beside the project: the real upstream CRDs live there.
pub fn shared() -> PathBuf {
    project_root().join("../shared")
}

pub fn fixtures() -> PathBuf {
    project_root().join("tests/fixtures")
}

/// The platc binary built for these tests.
pub fn platc() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("platc").expect("the platc binary is built")
}

/// `platc -C DIR build`, which must succeed.
pub fn build(dir: &Path) {
    platc().arg("-C").arg(dir).arg("build").assert().success();
}

/// Copy a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A temporary repository holding a copy of `platform/` from `source` (a repo root).
pub fn temp_repo(source: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&source.join("platform"), &dir.path().join("platform"));
    dir
}

/// Every file under a folder, relative to it, sorted.
pub fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(
                    p.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    out.sort();
    out
}

/// Every folder under `dir` holding a kustomization.yaml.
pub fn kustomize_dirs(dir: &Path) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|f| f.ends_with("kustomization.yaml"))
        .map(|f| dir.join(f).parent().unwrap().to_path_buf())
        .collect()
}

/// Build a folder with the real `kubectl kustomize`; the rendered YAML, or the error.
pub fn kubectl_kustomize(dir: &Path) -> Result<String, String> {
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("kubectl is installed (.ci/run installs it)");
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// The compile fixtures: folders under tests/fixtures/compile.
pub fn compile_fixtures() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(fixtures().join("compile"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

/// Run git in `dir` with a throwaway identity, which must succeed.
pub fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.org",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}
