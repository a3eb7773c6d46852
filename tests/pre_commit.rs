//! The hooks of `.pre-commit-hooks.yaml`, run by the real `pre-commit` from PyPI (.ci/run
//! installs it) in a scratch repository. Credentials are assembled at run time, never committed.
//!
//! A platform team installs the hooks with `repo: <platc's url>`, and pre-commit then builds
//! platc with `cargo install` in release mode (`language: rust`): about 8 minutes on 2 cores, for
//! every new commit of platc. So the test that runs on every `cargo test` turns each shipped hook
//! into a `repo: local` hook with the same fields read from `.pre-commit-hooks.yaml` (id, name,
//! entry, args, files, pass_filenames, always_run, ...) and only `language: system` instead of
//! `language: rust`, with the platc these tests built first on PATH. What it checks is what the
//! hook definitions make pre-commit do: which files trigger which hook, what command runs and
//! whether its exit stops the commit. What it does not run is pre-commit building platc with
//! cargo; `the_shipped_hooks_are_built_with_cargo` checks what that build needs, and
//! `the_hooks_install_from_the_repository` (ignored by default: `cargo test --test pre_commit --
//! --ignored`) runs the whole installation as a team would, from this repository's HEAD.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use serde_json::{Map, Value, json};

/// The hooks this repository ships, as pre-commit reads them.
fn shipped_hooks() -> Vec<Map<String, Value>> {
    let text = std::fs::read_to_string(project_root().join(".pre-commit-hooks.yaml")).unwrap();
    let doc = platc::yaml::parse_stream(&text)
        .unwrap()
        .documents
        .remove(0)
        .to_json();
    doc.as_array()
        .expect(".pre-commit-hooks.yaml is a list of hooks")
        .iter()
        .map(|hook| hook.as_object().expect("a hook is a mapping").clone())
        .collect()
}

/// `.pre-commit-config.yaml` (JSON is YAML) running every shipped hook, field for field, as a
/// local hook with the platc on PATH.
fn local_config() -> String {
    let hooks: Vec<Value> = shipped_hooks()
        .into_iter()
        .map(|mut hook| {
            hook.insert("language".into(), json!("system"));
            Value::Object(hook)
        })
        .collect();
    serde_json::to_string_pretty(&json!({"repos": [{"repo": "local", "hooks": hooks}]})).unwrap()
}

/// A folder holding only `platc`, the binary these tests built, to put first on PATH.
fn platc_on_path() -> (tempfile::TempDir, String) {
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_platc"), bin.path().join("platc")).unwrap();
    let path = std::env::join_paths(std::iter::once(bin.path().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    (bin, path.to_string_lossy().into_owned())
}

fn pre_commit(dir: &Path, path: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new("pre-commit");
    command
        .current_dir(dir)
        .args(args)
        // Its environments (platc built by cargo, for the full installation) are kept between
        // runs of the tests.
        .env(
            "PRE_COMMIT_HOME",
            project_root().join("target/pre-commit-home"),
        )
        .env(
            "CARGO_TARGET_DIR",
            project_root().join("target/pre-commit-build"),
        );
    if let Some(path) = path {
        command.env("PATH", path);
    }
    command
        .output()
        .expect("pre-commit is installed (.ci/run installs it from PyPI)")
}

fn head() -> String {
    let out = Command::new("git")
        .current_dir(project_root())
        .args(["rev-parse", "HEAD"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn the_shipped_hooks_are_built_with_cargo() {
    let hooks = shipped_hooks();
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["platc-check", "platc-secrets", "platc-build"]);
    for hook in &hooks {
        // pre-commit runs `cargo install` at the repository's root for `language: rust`, and
        // then the entry's first word from the installed binaries.
        assert_eq!(hook["language"], "rust", "{hook:?}");
        let entry = hook["entry"].as_str().unwrap();
        assert_eq!(entry.split_whitespace().next(), Some("platc"), "{hook:?}");
    }
    // The binary is named platc, and the package is at the root where pre-commit looks.
    assert!(PathBuf::from(env!("CARGO_BIN_EXE_platc")).is_file());
    assert!(project_root().join("Cargo.toml").is_file());
}

#[test]
fn the_hooks_pass_a_clean_platform_and_stop_a_staged_credential() {
    let (_bin, path) = platc_on_path();
    the_hooks_pass_and_stop(&local_config(), Some(&path));
}

/// The installation a platform team does, from this repository's HEAD: slow (pre-commit builds
/// platc in release mode), so only on demand.
#[test]
#[ignore = "pre-commit builds platc in release mode (about 8 minutes on 2 cores)"]
fn the_hooks_install_from_the_repository() {
    let config = format!(
        "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n      - id: platc-check\n      - id: platc-secrets\n      - id: platc-build\n",
        project_root().display(),
        head()
    );
    the_hooks_pass_and_stop(&config, None);
}

/// In a scratch repository holding the example platform: the hooks pass, a staged credential
/// stops `platc-secrets`, a hand edit of a generated file stops `platc-build`.
fn the_hooks_pass_and_stop(config: &str, path: Option<&str>) {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    git(dir, &["init", "-q"]);
    copy_dir(&project_root().join("platform"), &dir.join("platform"));
    copy_dir(&project_root().join("overlays"), &dir.join("overlays"));
    std::fs::write(dir.join(".pre-commit-config.yaml"), config).unwrap();
    git(dir, &["add", "-A"]);
    let out = pre_commit(dir, path, &["run", "--all-files"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Each hook ran (pre-commit prints "Skipped" for a hook no file triggers).
    for name in [
        "platc check",
        "platc secrets --staged",
        "platc build --check",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(name) && l.ends_with("Passed")),
            "{name}: {text}"
        );
    }

    // `files` and `always_run`: with the platform committed, a staged notes file triggers only
    // the secret scan.
    git(dir, &["commit", "-q", "-m", "platform"]);
    std::fs::write(dir.join("NOTES.md"), "# notes\n").unwrap();
    git(dir, &["add", "NOTES.md"]);
    let out = pre_commit(dir, path, &["run"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let status = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .map(|l| l.rsplit('.').next().unwrap().trim().to_string())
    };
    assert_eq!(
        status("platc check").as_deref(),
        Some("(no files to check)Skipped"),
        "{text}"
    );
    assert_eq!(
        status("platc secrets --staged").as_deref(),
        Some("Passed"),
        "{text}"
    );
    assert_eq!(
        status("platc build --check").as_deref(),
        Some("(no files to check)Skipped"),
        "{text}"
    );

    // A token staged for the next commit stops it, redacted.
    let token = format!("ghp_{}Zq9X2k", "kdwrafhiexbmtqvzjclnopsguykdwr");
    std::fs::write(
        dir.join("values.yaml"),
        format!("github:\n  token: {token}\n"),
    )
    .unwrap();
    git(dir, &["add", "values.yaml"]);
    let out = pre_commit(dir, path, &["run", "platc-secrets"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("secrets/github-token"), "{text}");
    assert!(text.contains("values.yaml:2"), "{text}");
    assert!(
        !text.contains(&token[4..16]),
        "the value never reaches the hook's output"
    );

    // An edit of a generated file stops platc-build.
    std::fs::remove_file(dir.join("values.yaml")).unwrap();
    git(dir, &["add", "-A"]);
    let app = dir.join("overlays/prod/apps/grafana.yaml");
    let edited = std::fs::read_to_string(&app)
        .unwrap()
        .replace("8.6.4", "8.6.5");
    std::fs::write(&app, edited).unwrap();
    git(dir, &["add", "-A"]);
    let out = pre_commit(dir, path, &["run", "platc-build", "--all-files"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("build/hand-edited"), "{text}");
}
