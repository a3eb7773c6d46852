//! Records the commit platc is built from, for `platc --version`.
//!
//! In order: `PLATC_COMMIT` (a container or distribution build that has no `.git`), the
//! repository's `HEAD`, the commit cargo records in a packaged crate
//! (`.cargo_vcs_info.json`, for `cargo install platc`), else `unknown`. A build never fails
//! for want of git.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=PLATC_COMMIT");
    let commit = std::env::var("PLATC_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .map(|c| c.trim().to_string())
        .or_else(git_head)
        .or_else(packaged_commit)
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=PLATC_COMMIT={commit}");
}

/// `git` run in the package's folder, its output trimmed, if it succeeds.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(std::env::var("CARGO_MANIFEST_DIR").ok()?)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

/// The commit `HEAD` names, watching the files that change when it moves.
fn git_head() -> Option<String> {
    // Rebuild when HEAD moves to another branch or commit, or the branch gets a new commit.
    // Only files that exist are watched: cargo treats a missing one as always changed and
    // would rebuild on every run (a repository without a commit has no branch file yet).
    let watch = |path: String| {
        if Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    };
    watch(git(&["rev-parse", "--git-path", "HEAD"])?);
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watch(git(&["rev-parse", "--git-path", &branch])?);
        watch(git(&["rev-parse", "--git-path", "packed-refs"])?);
    }
    git(&["rev-parse", "HEAD"])
}

/// The commit `cargo package` recorded, in a crate built from crates.io.
fn packaged_commit() -> Option<String> {
    let dir = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    let text = std::fs::read_to_string(Path::new(&dir).join(".cargo_vcs_info.json")).ok()?;
    // {"git": {"sha1": "<40 hex>"}, ...}: read without a JSON parser in the build script.
    let at = text.find("\"sha1\"")?;
    let hex: String = text[at + 6..]
        .chars()
        .skip_while(|c| !c.is_ascii_hexdigit())
        .take_while(char::is_ascii_hexdigit)
        .collect();
    (hex.len() == 40).then_some(hex)
}
