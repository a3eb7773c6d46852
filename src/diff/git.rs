//! The base side of a diff, read from git's objects: which commit, and its files written to
//! a temporary folder. Nothing touches the work tree, the index or HEAD (no checkout, no
//! stash), so a diff is safe in the middle of any edit.

use crate::secrets::git::blobs;
use std::path::Path;
use std::process::Command;

/// The commit the work tree is compared with, and how it was chosen (said on stderr).
#[derive(Debug, Clone)]
pub struct Base {
    /// What the user named, or the ref the default was taken from.
    pub name: String,
    /// The full commit id.
    pub commit: String,
    /// Why this commit: `given`, or `the merge-base with origin/main`.
    pub why: String,
}

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .current_dir(root)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err.lines().next().unwrap_or("git failed").to_string());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn commit_of(root: &Path, rev: &str) -> Option<String> {
    git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .ok()
    .filter(|s| !s.is_empty())
}

/// The base commit: `given` when named, else the merge-base of HEAD with its upstream
/// branch, else with `main` or `master` (local, then `origin/`).
pub fn resolve(root: &Path, given: Option<&str>) -> Result<Base, String> {
    if git(root, &["rev-parse", "--git-dir"]).is_err() {
        return Err(format!(
            "`{}` is not in a git repository: platc diff compares the work tree with a commit",
            root.display()
        ));
    }
    if let Some(rev) = given {
        return match commit_of(root, rev) {
            Some(commit) => Ok(Base {
                name: rev.to_string(),
                commit,
                why: "given with --base".into(),
            }),
            None => Err(format!(
                "--base `{rev}` names no commit in this repository: give a branch, tag or commit id (`git branch -a` lists the branches)"
            )),
        };
    }
    if commit_of(root, "HEAD").is_none() {
        return Err(
            "the repository has no commit yet: there is nothing to compare the work tree with"
                .into(),
        );
    }
    let upstream = git(
        root,
        &[
            "rev-parse",
            "--abbrev-ref",
            "--symbolic-full-name",
            "@{upstream}",
        ],
    )
    .ok();
    let candidates = upstream
        .into_iter()
        .chain(["main", "master", "origin/main", "origin/master"].map(String::from));
    for candidate in candidates {
        if commit_of(root, &candidate).is_none() {
            continue;
        }
        if let Ok(commit) = git(root, &["merge-base", "HEAD", &candidate]) {
            return Ok(Base {
                why: format!("the merge-base of HEAD with {candidate}"),
                name: candidate,
                commit,
            });
        }
    }
    Err(
        "no upstream branch, `main` or `master` to compare with: name the base with --base REF"
            .into(),
    )
}

/// Write every file of `commit` under `dest` (an empty folder), read with one
/// `git ls-tree` and one `git cat-file --batch`.
pub fn extract(root: &Path, commit: &str, dest: &Path) -> Result<usize, String> {
    let listing = Command::new("git")
        .current_dir(root)
        .args(["ls-tree", "-r", "-z", "--full-tree", commit])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !listing.status.success() {
        return Err(format!(
            "git ls-tree {commit} failed: {}",
            String::from_utf8_lossy(&listing.stderr).trim()
        ));
    }
    // `<mode> <type> <object>\t<path>`
    let mut entries: Vec<(String, String, String)> = Vec::new();
    for entry in listing.stdout.split(|b| *b == 0).filter(|e| !e.is_empty()) {
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut fields = meta.split(' ');
        let (Some(mode), Some(kind), Some(object)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        // Submodules (`commit`) have no files here.
        if kind == "blob" && !path.split('/').any(|p| p == ".." || p.is_empty()) {
            entries.push((mode.to_string(), object.to_string(), path.to_string()));
        }
    }
    let objects: Vec<String> = entries.iter().map(|(_, o, _)| o.clone()).collect();
    let blobs = blobs(root, &objects)?;
    for ((mode, _, path), blob) in entries.iter().zip(blobs) {
        let Some(bytes) = blob else { continue };
        let target = dest.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
        }
        if mode == "120000" {
            link(&bytes, &target);
            continue;
        }
        std::fs::write(&target, &bytes)
            .map_err(|e| format!("cannot write `{}`: {e}", target.display()))?;
    }
    Ok(entries.len())
}

/// A symbolic link as git stores it (the target is the blob); where links cannot be made,
/// the link is left out (kustomize would not follow one across systems anyway).
fn link(target: &[u8], at: &Path) {
    #[cfg(unix)]
    {
        let target = String::from_utf8_lossy(target).into_owned();
        // An absolute target names a file of the machine running the diff, not of the
        // commit: never recreated. Relative ones are judged where they are read.
        if !target.starts_with('/') {
            let _ = std::os::unix::fs::symlink(target, at);
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (target, at);
    }
}

/// The work tree's files (tracked, and untracked unless ignored), repo-relative: what a
/// copy of the work tree needs.
pub fn work_tree_files(root: &Path) -> Result<Vec<String>, String> {
    let out = Command::new("git")
        .current_dir(root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git ls-files failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let mut files: Vec<String> = out
        .stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    files.sort();
    files.dedup();
    Ok(files)
}
