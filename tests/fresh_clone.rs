//! README.md's two commands on a fresh clone of the project alone, with nothing beside it: the
//! binary's `build --check` and `check` on a copy of the tracked files, and no test that reads
//! the team's `shared` folder beside the project. Running `cargo test` itself in the copy would
//! rebuild everything (minutes); `.ci/run` runs it in a fresh clone.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

/// The files git tracks, as a fresh clone would hold them.
fn tracked_files() -> Vec<String> {
    let out = Command::new("git")
        .current_dir(project_root())
        .args(["ls-files", "-z"])
        .output()
        .expect("git is installed");
    assert!(out.status.success(), "git ls-files failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .split('\0')
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect()
}

/// A copy of the tracked files in `<tempdir>/platc`, with no sibling folder at all.
fn fresh_clone() -> (tempfile::TempDir, std::path::PathBuf) {
    let parent = tempfile::tempdir().unwrap();
    let clone = parent.path().join("platc");
    let mut copied = 0;
    for file in tracked_files() {
        let from = project_root().join(&file);
        // A tracked file deleted in this work tree is not in the next commit either.
        if !from.is_file() {
            continue;
        }
        let to = clone.join(&file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
        copied += 1;
    }
    assert!(copied > 100, "only {copied} tracked files");
    (parent, clone)
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    platc().current_dir(dir).args(args).output().unwrap()
}

#[test]
fn the_readme_commands_pass_on_a_copy_of_the_project_alone() {
    // The README's first lines are still the two commands this test stands for.
    let readme = std::fs::read_to_string(project_root().join("README.md")).unwrap();
    let commands: Vec<&str> = readme
        .lines()
        .skip_while(|l| *l != "```sh")
        .take(3)
        .collect();
    assert!(
        commands[1].starts_with("cargo run --release -- build && cargo run --release -- check")
    );
    assert!(commands[2].contains("&& cargo test"), "{commands:?}");

    let (parent, clone) = fresh_clone();
    let siblings: Vec<_> = std::fs::read_dir(parent.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(siblings, ["platc"], "nothing beside the copy");

    // overlays/ as committed is what the spec produces, and the checks pass.
    for args in [&["build", "--check"][..], &["check"]] {
        let out = run(&clone, args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "platc {args:?} on the copy:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // And the README's first command as written: `build` rewrites overlays/ to the same bytes.
    let before = overlays(&clone);
    let out = run(&clone, &["build"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        overlays(&clone) == before,
        "`platc build` changed overlays/"
    );
}

/// Every file under overlays/ with its bytes.
fn overlays(clone: &Path) -> Vec<(String, Vec<u8>)> {
    let dir = clone.join("overlays");
    files_under(&dir)
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(dir.join(&f)).unwrap();
            (f, bytes)
        })
        .collect()
}

#[test]
fn no_test_reads_the_shared_folder_beside_the_project() {
    // Built from pieces so that this file does not name it either.
    let needles = [format!("..{}shared", '/'), format!("shared{}", "()")];
    let tests = project_root().join("tests");
    let mut sources: Vec<_> = std::fs::read_dir(&tests)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    sources.extend(
        files_under(&tests.join("common"))
            .into_iter()
            .map(|f| tests.join("common").join(f)),
    );
    assert!(sources.len() > 10, "{sources:?}");
    let mut found = Vec::new();
    for source in &sources {
        let text = std::fs::read_to_string(source).unwrap();
        for (n, line) in text.lines().enumerate() {
            if needles.iter().any(|needle| line.contains(needle.as_str())) {
                found.push(format!("{}:{}: {line}", source.display(), n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "tests name the shared folder beside the project:\n{}",
        found.join("\n")
    );
}
