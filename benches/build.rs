//! `platc build` on synthetic platforms: N components x E environments, plus T tenants
//! rendered from a blueprint. Run with `cargo bench --bench build` (sizes with
//! `PLATC_BENCH_SIZES=1000x3,10000x3`). Reports wall time (best of 3) for a build from
//! scratch, a no-op rebuild and `build --check`, and peak memory of the from-scratch build.

#[path = "support/mod.rs"]
mod support;

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Write a synthetic platform of `n` components, `e` environments and `t` tenants.
fn generate(root: &Path, n: usize, e: usize, t: usize) {
    let platform = root.join("platform");
    for i in 0..10 {
        let base = platform.join(format!("bases/b{i}"));
        std::fs::create_dir_all(&base).unwrap();
        std::fs::write(
            base.join("kustomization.yaml"),
            "resources: [deployment.yaml]\n",
        )
        .unwrap();
        std::fs::write(
            base.join("deployment.yaml"),
            format!("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: b{i}}}\nspec:\n  selector: {{matchLabels: {{app: b{i}}}}}\n  template:\n    metadata: {{labels: {{app: b{i}}}}}\n    spec: {{containers: [{{name: app, image: 'nginx:1.27'}}]}}\n"),
        )
        .unwrap();
    }
    std::fs::create_dir_all(platform.join("values")).unwrap();
    std::fs::write(platform.join("values/common.yaml"), "replicas: 2\n").unwrap();
    let bp = platform.join("blueprints/site");
    std::fs::create_dir_all(&bp).unwrap();
    std::fs::write(bp.join("deployment.yaml.j2"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ club }}\nspec:\n  replicas: {{ replicas }}\n  selector: {matchLabels: {app: {{ club }}}}\n  template:\n    metadata: {labels: {app: {{ club }}}}\n    spec: {containers: [{name: web, image: 'nginx:1.27'}]}\n").unwrap();
    std::fs::write(bp.join("service.yaml.j2"), "apiVersion: v1\nkind: Service\nmetadata: {name: {{ club }}}\nspec: {selector: {app: {{ club }}}, ports: [{port: 80}]}\n").unwrap();
    std::fs::write(bp.join("route.yaml.j2"), "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: {{ club }}}\nspec:\n  rules: [{host: {{ domain }}}]\n").unwrap();

    let mut s = String::from(
        "apiVersion: platc.io/v1alpha1\nkind: Platform\nmetadata: {name: bench}\nspec:\n  repo: {url: https://git.example.org/bench.git}\n  environments:\n",
    );
    for env in 0..e {
        writeln!(
            s,
            "    - {{name: env{env}, server: https://env{env}.example.org}}"
        )
        .unwrap();
    }
    s.push_str("  components:\n");
    for i in 0..n {
        writeln!(s, "    - name: c{i}").unwrap();
        if i % 5 != 0 {
            writeln!(s, "      dependsOn: [c{}]", i - 1).unwrap();
        }
        match i % 3 {
            0 => writeln!(
                s,
                "      helm: {{repo: https://charts.example.org/{}, chart: chart{i}, version: 1.{}.0, values: [values/common.yaml], valuesInline: {{name: c{i}, resources: {{limits: {{memory: 128Mi}}}}}}}}",
                i % 20,
                i % 7
            )
            .unwrap(),
            1 => writeln!(
                s,
                "      resources: [bases/b{}]\n      labels: {{team: t{}}}\n      patches:\n        - patch: '[{{\"op\": \"replace\", \"path\": \"/spec/replicas\", \"value\": 2}}]'\n          target: {{kind: Deployment}}",
                i % 10,
                i % 4
            )
            .unwrap(),
            _ => writeln!(s, "      git: {{repo: https://git.example.org/apps{}.git, path: apps/c{i}, revision: v1.0.{}}}", i % 30, i % 9).unwrap(),
        }
        if i % 7 == 0 && e > 1 {
            writeln!(s, "      environments:\n        env1: {{enabled: false}}").unwrap();
        }
    }
    if t > 0 {
        s.push_str("  blueprints:\n    site:\n      path: blueprints/site\n      params:\n        club: {type: dns-label, required: true, unique: true}\n        domain: {type: fqdn, required: true, unique: true}\n        replicas: {type: int, default: 1}\n  tenants:\n");
        for j in 0..t {
            writeln!(s, "    - {{name: t{j}, blueprint: site, params: {{club: club{j}, domain: club{j}.example.org}}}}").unwrap();
        }
    }
    std::fs::write(platform.join("platform.yaml"), s).unwrap();
}

fn platc(root: &Path, args: &[&str]) -> Duration {
    let start = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_platc"))
        .arg("-C")
        .arg(root)
        .args(args)
        .arg("-q")
        .status()
        .unwrap();
    let elapsed = start.elapsed();
    assert!(status.code() == Some(0), "platc {args:?} failed");
    elapsed
}

fn best_of(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
    (0..runs).map(|_| f()).min().unwrap()
}

/// A fresh repository holding a copy of the generated spec.
///
/// Builds from scratch go into new folders rather than a folder whose output was just
/// deleted: ext4 scans for recently deleted inodes when it allocates new ones, which makes
/// a create-after-mass-delete loop several times slower than any real first build. The
/// folders are kept until the end of the run for the same reason.
fn fresh_copy(spec_root: &Path, keep: &mut Vec<tempfile::TempDir>) -> std::path::PathBuf {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&spec_root.join("platform"), &dir.path().join("platform"));
    let path = dir.path().to_path_buf();
    keep.push(dir);
    path
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn main() {
    let sizes =
        std::env::var("PLATC_BENCH_SIZES").unwrap_or_else(|_| "100x3,1000x3,3000x3,10000x3".into());
    let mut keep = Vec::new();
    let mut checks = Vec::new();
    println!(
        "{:>22} {:>8} {:>10} {:>10} {:>10} {:>8}",
        "platform", "files", "scratch", "no-op", "--check", "peak MB"
    );
    for size in sizes.split(',') {
        let (n, e) = size.split_once('x').expect("sizes are NxE");
        let (n, e): (usize, usize) = (n.parse().unwrap(), e.parse().unwrap());
        let t = n / 10;
        let spec = tempfile::tempdir().unwrap();
        generate(spec.path(), n, e, t);
        let mut last = spec.path().to_path_buf();
        let scratch = best_of(3, || {
            last = fresh_copy(spec.path(), &mut keep);
            platc(&last, &["build"])
        });
        let noop = best_of(3, || platc(&last, &["build"]));
        let check = best_of(3, || platc(&last, &["build", "--check"]));
        let files = count_files(&last.join("overlays"), |_| true);
        let peak = support::peak_mb(&fresh_copy(spec.path(), &mut keep), &["build", "-q"])
            .map_or("-".to_string(), |m| format!("{m:.0}"));
        println!(
            "{:>22} {files:>8} {:>8.0}ms {:>8.0}ms {:>8.0}ms {peak:>8}",
            format!("{n}x{e} +{t} tenants"),
            scratch.as_secs_f64() * 1e3,
            noop.as_secs_f64() * 1e3,
            check.as_secs_f64() * 1e3
        );
        checks.push((format!("{n}x{e} +{t} tenants"), last.clone()));
    }
    // `platc check` on the smaller platforms: build --check, validation, lint and secrets, with
    // every overlay built by kustomize (one process per overlay, the dominant cost).
    println!("\n{:>22} {:>9} {:>10}", "platform", "overlays", "check");
    for (name, root) in checks {
        let overlays = count_files(&root.join("overlays"), |n| n == "kustomization.yaml");
        if overlays > 5000 {
            continue;
        }
        let start = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_platc"))
            .arg("-C")
            .arg(&root)
            .args(["check", "-q"])
            .output()
            .unwrap()
            .status;
        assert!(status.code().is_some(), "platc check ran");
        println!(
            "{name:>22} {overlays:>9} {:>8.0}ms",
            start.elapsed().as_secs_f64() * 1e3
        );
    }
}

/// Files under `dir` whose name passes `keep`.
fn count_files(dir: &Path, keep: impl Fn(&std::ffi::OsStr) -> bool) -> usize {
    let mut count = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if entry.path().is_dir() {
                stack.push(entry.path());
            } else if keep(&entry.file_name()) {
                count += 1;
            }
        }
    }
    count
}
