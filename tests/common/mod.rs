//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real upstream CRDs, `<component>/<file>.yaml`, vendored in
/// tests/fixtures/upstream-crds/crds.tar.xz (sources and licenses beside it).
///
/// Unpacked once into target/tmp, in a folder named after the archive's digest, and reused by
/// every test and every later run: tests pass the folder to `--schemas`, so the files must be on
/// disk, and a tempdir per test binary would unpack 42 MB each time (and a `static` one is never
/// deleted).
pub fn upstream_crds() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(unpack_upstream_crds).clone()
}

fn unpack_upstream_crds() -> PathBuf {
    use sha2::{Digest, Sha256};
    let archive_path = fixtures().join("upstream-crds/crds.tar.xz");
    let archive =
        std::fs::read(&archive_path).unwrap_or_else(|e| panic!("{}: {e}", archive_path.display()));
    let digest: String = Sha256::digest(&archive)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let dir = cache.join(format!("upstream-crds-{digest}"));
    if dir.is_dir() {
        return dir;
    }
    std::fs::create_dir_all(&cache).unwrap();
    let mut tar_bytes = Vec::new();
    lzma_rs::xz_decompress(&mut archive.as_slice(), &mut tar_bytes)
        .unwrap_or_else(|e| panic!("{}: {e:?}", archive_path.display()));
    // Unpacked beside the final folder, then renamed: another test binary running at the same
    // time never sees half a folder.
    let staging = tempfile::tempdir_in(&cache).unwrap();
    tar::Archive::new(tar_bytes.as_slice())
        .unpack(staging.path())
        .unwrap_or_else(|e| panic!("{}: {e}", archive_path.display()));
    match std::fs::rename(staging.path(), &dir) {
        Ok(()) => {
            let _ = staging.keep();
        }
        // Another test binary won the race; `staging` is deleted when dropped.
        Err(_) if dir.is_dir() => {}
        Err(e) => panic!("{}: {e}", dir.display()),
    }
    dir
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

/// The folders under tests/fixtures/SUB, sorted.
pub fn fixture_folders(sub: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(fixtures().join(sub))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

/// The compile fixtures: folders under tests/fixtures/compile.
pub fn compile_fixtures() -> Vec<PathBuf> {
    fixture_folders("compile")
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
