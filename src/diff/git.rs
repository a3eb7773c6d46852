//! The base side of a diff, read from git's objects: which commit, and its files held in
//! memory. Nothing touches the work tree, the index or HEAD (no checkout, no
//! stash), so a diff is safe in the middle of any edit.

use crate::confine::{Content, Snapshot};
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

/// Every file of `commit`, in memory, read with one `git ls-tree` and one `git cat-file
/// --batch` (files over `limits.fileSize` are not read: a read of one says it is too large).
pub fn snapshot(root: &Path, commit: &str) -> Result<Snapshot, String> {
    let listing = Command::new("git")
        .current_dir(root)
        .args(["ls-tree", "-r", "-z", "-l", "--full-tree", commit])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !listing.status.success() {
        return Err(format!(
            "git ls-tree {commit} failed: {}",
            String::from_utf8_lossy(&listing.stderr).trim()
        ));
    }
    let limit = crate::limits::current().file_size.get();
    // `<mode> <type> <object> <size>\t<path>`
    let mut entries: Vec<(bool, u64, String, String)> = Vec::new();
    for entry in listing.stdout.split(|b| *b == 0).filter(|e| !e.is_empty()) {
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut fields = meta.split_whitespace();
        let (Some(mode), Some(kind), Some(object), Some(size)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        // Submodules (`commit`) have no files here.
        if kind == "blob" {
            let size = size.parse().unwrap_or(0);
            entries.push((mode == "120000", size, object.to_string(), path.to_string()));
        }
    }
    let wanted: Vec<String> = entries
        .iter()
        .filter(|(_, size, _, _)| *size <= limit)
        .map(|(_, _, object, _)| object.clone())
        .collect();
    let mut blobs = blobs(root, &wanted)?.into_iter();
    let mut snapshot = Snapshot::new(None);
    for (is_link, size, _, path) in entries {
        if size > limit {
            snapshot.add(&path, Content::TooLarge(size));
            continue;
        }
        let Some(bytes) = blobs.next().flatten() else {
            continue;
        };
        if is_link {
            snapshot.add_link(&path, &String::from_utf8_lossy(&bytes));
        } else {
            snapshot.add(&path, Content::Bytes(bytes.into()));
        }
    }
    Ok(snapshot)
}
