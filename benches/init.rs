//! A new platform: `platc init && platc build && platc check` on the scaffold (target: under
//! 100 ms), and the pre-commit hooks, once installed, on the scaffold and on the example
//! platform (target: under 1 s). Run with `cargo bench --bench init`; best of 5 wall times.
//! The hooks are timed only where `pre-commit` is installed.

#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn platc(dir: &Path, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_platc"))
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "platc {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn best_of(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
    (0..runs).map(|_| f()).min().unwrap()
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// A folder holding only `platc`, first on PATH, for the hooks.
fn path_with_platc(bin: &Path) -> std::ffi::OsString {
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_platc"), bin.join("platc")).unwrap();
    std::env::join_paths(
        std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )),
    )
    .unwrap()
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .current_dir(dir)
        .args(args)
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

/// `pre-commit run --all-files` in `dir` (a git repository with its files staged), timed
/// after one warm-up run.
fn hooks(dir: &Path, path: &std::ffi::OsStr) -> Option<Duration> {
    let run = || {
        let started = Instant::now();
        let out = Command::new("pre-commit")
            .current_dir(dir)
            .args(["run", "--all-files"])
            .env("PATH", path)
            .env("PRE_COMMIT_HOME", dir.join("../pre-commit-home"))
            .output()
            .ok()?;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        Some(started.elapsed())
    };
    run()?;
    Some(best_of(5, || run().unwrap()))
}

fn main() {
    let scratch = tempfile::tempdir().unwrap();
    let mut steps = [Duration::MAX; 3];
    let total = best_of(5, || {
        let dir = tempfile::tempdir_in(scratch.path()).unwrap();
        let repo = dir.path().join("platform-repo");
        let mut times = [Duration::ZERO; 3];
        let started = Instant::now();
        for (i, args) in [&["init", "."][..], &["build"], &["check"]]
            .iter()
            .enumerate()
        {
            std::fs::create_dir_all(&repo).unwrap();
            let t = Instant::now();
            platc(&repo, args);
            times[i] = t.elapsed();
        }
        let total = started.elapsed();
        for (best, t) in steps.iter_mut().zip(times) {
            *best = (*best).min(t);
        }
        total
    });
    println!(
        "init && build && check on the scaffold: {} (init {}, build {}, check {})",
        ms(total),
        ms(steps[0]),
        ms(steps[1]),
        ms(steps[2])
    );

    let bin = tempfile::tempdir().unwrap();
    let path = path_with_platc(bin.path());
    let scaffold = scratch.path().join("scaffold");
    std::fs::create_dir(&scaffold).unwrap();
    git(&scaffold, &["init", "-q"]);
    platc(&scaffold, &["init", "."]);
    platc(&scaffold, &["build"]);
    git(&scaffold, &["add", "-A"]);
    // The example platform, with the scaffold's hook configuration.
    let example = scratch.path().join("example");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for part in ["platform", "overlays"] {
        support::copy_dir(&root.join(part), &example.join(part));
    }
    std::fs::copy(
        scaffold.join(".pre-commit-config.yaml"),
        example.join(".pre-commit-config.yaml"),
    )
    .unwrap();
    git(&example, &["init", "-q"]);
    git(&example, &["add", "-A"]);
    for (name, dir) in [("scaffold", &scaffold), ("example platform", &example)] {
        match hooks(dir, &path) {
            Some(t) => println!("pre-commit run --all-files, {name}: {}", ms(t)),
            None => println!("pre-commit run --all-files, {name}: pre-commit is not installed"),
        }
    }
}
