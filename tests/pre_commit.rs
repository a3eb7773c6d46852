//! The hooks of `.pre-commit-hooks.yaml`, run by the real `pre-commit` from PyPI (.ci/run
//! installs it) in a scratch repository, the way a platform team installs them: pre-commit
//! clones this repository at HEAD and builds platc with cargo. Credentials are assembled at
//! run time, never committed.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;

fn head() -> String {
    let out = Command::new("git")
        .current_dir(project_root())
        .args(["rev-parse", "HEAD"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn pre_commit(dir: &Path, args: &[&str]) -> Output {
    Command::new("pre-commit")
        .current_dir(dir)
        .args(args)
        // Its environments (platc built by cargo) are kept between runs of the tests.
        .env(
            "PRE_COMMIT_HOME",
            project_root().join("target/pre-commit-home"),
        )
        .env(
            "CARGO_TARGET_DIR",
            project_root().join("target/pre-commit-build"),
        )
        .output()
        .expect("pre-commit is installed (.ci/run installs it from PyPI)")
}

#[test]
fn the_hooks_pass_a_clean_platform_and_stop_a_staged_credential() {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    git(dir, &["init", "-q"]);
    copy_dir(&project_root().join("platform"), &dir.join("platform"));
    copy_dir(&project_root().join("overlays"), &dir.join("overlays"));
    std::fs::write(
        dir.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n      - id: platc-check\n      - id: platc-secrets\n      - id: platc-build\n",
            project_root().display(),
            head()
        ),
    )
    .unwrap();
    git(dir, &["add", "-A"]);
    let out = pre_commit(dir, &["run", "--all-files"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("platc check") && text.contains("Passed"),
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
    let out = pre_commit(dir, &["run", "platc-secrets"]);
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
    let out = pre_commit(dir, &["run", "platc-build", "--all-files"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("build/hand-edited"), "{text}");
}
