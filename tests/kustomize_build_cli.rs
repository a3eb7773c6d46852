//! `platc kustomize build DIR`: a drop-in for `kustomize build DIR`. The same stdout bytes,
//! built in process where platc can (it needs no kustomize then), else by kustomize with its
//! output and error passed on; `--no-fallback` fails instead, naming what platc does not
//! build. Exit codes: 0 built, 1 the build failed, 2 usage (no such folder, nothing to fall
//! back to, or --no-fallback on a build that needs kustomize).

mod common;

use std::path::Path;

use common::*;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str], path: Option<&Path>) -> Run {
    let mut command = platc();
    command.current_dir(dir).args(args);
    if let Some(path) = path {
        command.env("PATH", path);
    }
    let out = command.output().unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A folder with a ConfigMap and the given kustomization.
fn kustomization(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {mode: \"on\"}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("kustomization.yaml"), text).unwrap();
    dir
}

#[test]
fn prints_what_kubectl_kustomize_prints_without_needing_it() {
    let fixture = fixtures().join("kustomize-print/order");
    let theirs = kubectl_kustomize(&fixture).unwrap();
    // No kustomize or kubectl on PATH, no fallback: built and printed in process.
    let empty = tempfile::tempdir().unwrap();
    let ours = run(
        &fixture,
        &["kustomize", "build", "--no-fallback", "."],
        Some(empty.path()),
    );
    assert_eq!(ours.code, 0, "{}", ours.stderr);
    assert_eq!(ours.stdout, theirs);
    assert_eq!(ours.stderr, "");
    // DIR relative to the current folder, and to -C.
    let parent = fixture.parent().unwrap();
    let from_parent = run(parent, &["kustomize", "build", "order"], None);
    assert_eq!(from_parent.stdout, theirs);
    let with_c = run(
        &project_root(),
        &[
            "-C",
            parent.to_str().unwrap(),
            "kustomize",
            "build",
            "order",
        ],
        None,
    );
    assert_eq!(with_c.stdout, theirs);
}

#[test]
fn what_platc_does_not_build_is_built_by_kustomize_and_verbose_says_why() {
    let dir = kustomization("resources: [cm.yaml]\nbuildMetadata: [originAnnotations]\n");
    let theirs = kubectl_kustomize(dir.path()).unwrap();
    let quiet = run(dir.path(), &["kustomize", "build", "."], None);
    assert_eq!((quiet.code, quiet.stdout.as_str()), (0, theirs.as_str()));
    assert_eq!(quiet.stderr, "");
    let verbose = run(dir.path(), &["--verbose", "kustomize", "build", "."], None);
    assert_eq!(verbose.stdout, theirs);
    assert!(
        verbose.stderr.contains("kubectl kustomize")
            && verbose.stderr.contains("field `buildMetadata`"),
        "{}",
        verbose.stderr
    );
}

#[test]
fn no_fallback_fails_naming_the_unsupported_field() {
    let dir = kustomization("resources: [cm.yaml]\nbuildMetadata: [originAnnotations]\n");
    let r = run(
        dir.path(),
        &["kustomize", "build", "--no-fallback", "."],
        None,
    );
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert!(r.stderr.contains("field `buildMetadata`"), "{}", r.stderr);
    // Nothing to fall back to: the same exit code, and what to do.
    let empty = tempfile::tempdir().unwrap();
    let r = run(dir.path(), &["kustomize", "build", "."], Some(empty.path()));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("field `buildMetadata`") && r.stderr.contains("--kustomize BIN"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_failing_build_fails_as_kustomize_fails() {
    let dir = kustomization("resources: [cm.yaml, missing.yaml]\n");
    let r = run(dir.path(), &["kustomize", "build", "."], None);
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "");
    let theirs = std::process::Command::new("kubectl")
        .arg("kustomize")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(theirs.status.code(), Some(1));
    // kubectl's log line starts with a time stamp; the message after it is the same.
    let message = |s: &str| s.split_once("] ").map_or(s, |(_, m)| m).to_string();
    assert_eq!(
        message(&r.stderr),
        message(&String::from_utf8_lossy(&theirs.stderr))
    );
    assert!(r.stderr.contains("missing.yaml"), "{}", r.stderr);
}

#[test]
fn usage_errors_exit_2() {
    let dir = kustomization("resources: [cm.yaml]\n");
    let r = run(dir.path(), &["kustomize", "build", "nowhere"], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("`nowhere` is not a folder"),
        "{}",
        r.stderr
    );
    let r = run(dir.path(), &["kustomize", "build", "cm.yaml"], None);
    assert_eq!(r.code, 2);
    // A folder without a kustomization: kustomize's own error (exit 1), or with
    // --no-fallback platc's.
    let empty = tempfile::tempdir().unwrap();
    let r = run(empty.path(), &["kustomize", "build", "."], None);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("unable to find one of"), "{}", r.stderr);
    let r = run(
        empty.path(),
        &["kustomize", "build", "--no-fallback", "."],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no kustomization"), "{}", r.stderr);
}
