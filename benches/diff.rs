//! `platc diff` on a synthetic repository of 1,000 components x 3 environments (3,000
//! hand-written Applications, each a kustomize overlay of a shared base: 10,000 objects per
//! side) and on the example platform (platform/ compiled on both sides). Run with
//! `cargo bench --bench diff`. Reports wall time (best of 3) for:
//! - the comparison of two renders already in memory (matching, normalising, field diffs);
//! - rendering one side (finding the Applications, in-process kustomize builds);
//! - the whole `platc diff` in process (reading the base from git, both sides rendered);
//! - the example platform, whole, with a chart bump and a values change.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use platc::diff::{self, Options};

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@example.org",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const URL: &str = "https://git.example.org/bench/gitops.git";

/// The synthetic repository: component `i` has a base of 3 objects (Deployment, Service,
/// ServiceAccount) and one overlay per environment; every third also has a ConfigMap per
/// environment. `image` is the image tag of components `i % 20 == 0` (the change).
fn generate(root: &Path, n: usize, envs: usize, image: &str) -> usize {
    let mut objects = 0;
    for i in 0..n {
        let tag = if i % 20 == 0 { image } else { "1.27" };
        let base = root.join(format!("components/c{i}/base"));
        write(
            &base.join("kustomization.yaml"),
            "resources: [deployment.yaml, service.yaml, account.yaml]\n",
        );
        write(
            &base.join("deployment.yaml"),
            &format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: c{i}, labels: {{app: c{i}}}}}\nspec:\n  replicas: 1\n  selector: {{matchLabels: {{app: c{i}}}}}\n  template:\n    metadata: {{labels: {{app: c{i}}}}}\n    spec:\n      serviceAccountName: c{i}\n      containers:\n        - name: app\n          image: nginx:{tag}\n          ports: [{{containerPort: 8080}}]\n          resources: {{limits: {{memory: 128Mi}}, requests: {{cpu: 10m}}}}\n"
            ),
        );
        write(
            &base.join("service.yaml"),
            &format!(
                "apiVersion: v1\nkind: Service\nmetadata: {{name: c{i}}}\nspec:\n  selector: {{app: c{i}}}\n  ports: [{{port: 80, targetPort: 8080}}]\n"
            ),
        );
        write(
            &base.join("account.yaml"),
            &format!("apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: c{i}}}\n"),
        );
        for e in 0..envs {
            let overlay = root.join(format!("components/c{i}/env{e}"));
            let mut resources = String::from("[../base");
            if i % 3 == 0 {
                resources.push_str(", settings.yaml");
                write(
                    &overlay.join("settings.yaml"),
                    &format!(
                        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}-settings}}\ndata: {{env: env{e}, level: info}}\n"
                    ),
                );
                objects += 1;
            }
            resources.push(']');
            write(
                &overlay.join("kustomization.yaml"),
                &format!(
                    "namespace: c{i}-env{e}\nresources: {resources}\nreplicas: [{{name: c{i}, count: {}}}]\n",
                    e + 1
                ),
            );
            objects += 3;
            write(
                &root.join(format!("apps/env{e}/c{i}.yaml")),
                &format!(
                    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: c{i}-env{e}, namespace: argocd, labels: {{platc.io/environment: env{e}}}}}\nspec:\n  project: default\n  destination: {{name: env{e}, namespace: c{i}-env{e}}}\n  source: {{repoURL: {URL}, targetRevision: main, path: components/c{i}/env{e}}}\n"
                ),
            );
        }
    }
    objects
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        let out = f();
        best = best.min(started.elapsed());
        last = Some(out);
    }
    (best, last.unwrap())
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1e3)
}

fn synthetic(n: usize, envs: usize) {
    let before = tempfile::tempdir().unwrap();
    let after = tempfile::tempdir().unwrap();
    let objects = generate(before.path(), n, envs, "1.27");
    generate(after.path(), n, envs, "1.28");
    let opts = Options {
        spec_file: "platform/platform.yaml".into(),
        ..Options::default()
    };
    let renderer = diff::render::Renderer::new(
        platc::repo::Repo::new(before.path(), [URL.to_string()]),
        None,
    );
    // Warm the page cache and the schemas, as a second run would find them.
    let (b, _) = diff::render_side(&renderer, before.path(), &opts);
    let (render, (a, _)) = best_of(3, || diff::render_side(&renderer, after.path(), &opts));
    let rendered: usize = a.values().map(|(_, r)| r.objects.len()).sum();
    assert_eq!(rendered, objects, "every object rendered");
    let (compare, changes) = best_of(3, || diff::compare_rendered(&b, &a, false));
    let changed: usize = changes.iter().map(|c| c.changed.len()).sum();
    assert_eq!(changed, n / 20 * envs, "the bumped Deployments");
    println!(
        "diff {n}x{envs}: two renders of {objects} objects ({} Applications) compared in {} (best of 3): {changed} objects changed",
        a.len(),
        ms(compare)
    );
    println!(
        "diff {n}x{envs}: rendering one side (find + in-process kustomize builds): {}",
        ms(render)
    );

    // The whole command in process: the base read from git into a temporary folder.
    let repo = tempfile::tempdir().unwrap();
    generate(repo.path(), n, envs, "1.27");
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["remote", "add", "origin", URL]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "base"]);
    generate(repo.path(), n, envs, "1.28");
    let (whole, result) = best_of(3, || diff::run(repo.path(), &opts).unwrap());
    assert_eq!(result.applications.len(), n / 20 * envs);
    println!(
        "diff {n}x{envs}: whole `platc diff` (git read + both sides rendered + compared): {}",
        ms(whole)
    );
}

/// The example platform in a repository of its own, with a chart bump and a values change.
fn example() {
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    let repo = tempfile::tempdir().unwrap();
    for dir in ["platform", "overlays"] {
        copy_dir(&project.join(dir), &repo.path().join(dir));
    }
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "base"]);
    let spec = repo.path().join("platform/platform.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(
        &spec,
        text.replacen("version: v1.16.2", "version: v1.16.3", 1),
    )
    .unwrap();
    let values = repo.path().join("platform/components/grafana/values.yaml");
    let mut v = std::fs::read_to_string(&values).unwrap_or_default();
    writeln!(v, "benchExtra: {{replicas: 3}}").unwrap();
    std::fs::write(&values, v).unwrap();
    let opts = Options {
        spec_file: "platform/platform.yaml".into(),
        ..Options::default()
    };
    let (whole, result) = best_of(3, || diff::run(repo.path(), &opts).unwrap());
    assert!(!result.applications.is_empty());
    let (binary, _) = best_of(3, || {
        Command::new(env!("CARGO_BIN_EXE_platc"))
            .arg("-C")
            .arg(repo.path())
            .args(["diff", "-q"])
            .output()
            .unwrap()
    });
    println!(
        "diff example platform: {} Applications change: {} in process, {} for the platc process (best of 3)",
        result.applications.len(),
        ms(whole),
        ms(binary)
    );
}

fn copy_dir(from: &Path, to: &Path) {
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

fn main() {
    let size = std::env::var("PLATC_BENCH_DIFF").unwrap_or_else(|_| "1000x3".into());
    let (n, envs) = size
        .split_once('x')
        .and_then(|(n, e)| Some((n.parse().ok()?, e.parse().ok()?)))
        .expect("PLATC_BENCH_DIFF=NxE");
    example();
    synthetic(n, envs);
}
