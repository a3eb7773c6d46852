//! `platc generate` (the Argo CD plugin) per Application of the example platform, as the
//! repo-server runs it: in the Application's folder with Argo CD's build variables (target:
//! under 60 ms per Application). Beside it, `kubectl kustomize` of the same folder, what
//! `generate` ran before it built in process. Run with `cargo bench --bench generate`; best
//! of 5 wall times per Application; the machine's load average is printed with the figures.

#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// `(source path, Application name)` of every Application of the example's environments
/// whose source is a kustomization.
fn applications(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for env in ["prod", "staging"] {
        let apps = root.join(format!("overlays/{env}/apps"));
        let mut files: Vec<_> = std::fs::read_dir(&apps)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let Some(name) = text.lines().find_map(|l| l.strip_prefix("  name: ")) else {
                continue;
            };
            for line in text.lines() {
                if let Some(path) = line.trim().strip_prefix("path: ")
                    && root.join(path).join("kustomization.yaml").is_file()
                {
                    out.push((path.to_string(), name.to_string()));
                }
            }
        }
    }
    out
}

/// One `platc generate` as the repo-server runs it; whether it built in process (nothing
/// said on standard error).
fn generate(root: &Path, path: &str, name: &str) -> bool {
    let out = Command::new(env!("CARGO_BIN_EXE_platc"))
        .current_dir(root.join(path))
        .arg("generate")
        .env("ARGOCD_APP_NAME", name)
        .env("ARGOCD_APP_NAMESPACE", "argocd")
        .env("ARGOCD_APP_SOURCE_PATH", path)
        .env("KUBE_VERSION", "1.33.4")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{path}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stderr.is_empty()
}

fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .min()
        .unwrap()
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path();
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    for part in ["platform", "overlays"] {
        support::copy_dir(&project.join(part), &root.join(part));
    }
    let apps = applications(root);
    assert!(!apps.is_empty());
    let kubectl = Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_ok();
    let (mut platc, mut kustomize) = (Vec::new(), Vec::new());
    let mut in_process = 0;
    for (path, name) in &apps {
        if generate(root, path, name) {
            in_process += 1;
        }
        platc.push(best_of(5, || {
            generate(root, path, name);
        }));
        if kubectl {
            kustomize.push(best_of(5, || {
                let ok = Command::new("kubectl")
                    .arg("kustomize")
                    .arg(root.join(path))
                    .output()
                    .unwrap()
                    .status
                    .success();
                assert!(ok, "{path}");
            }));
        }
    }
    let summary = |times: &[Duration]| {
        let mut sorted = times.to_vec();
        sorted.sort();
        let mean = sorted.iter().sum::<Duration>() / sorted.len() as u32;
        format!(
            "mean {}, median {}, max {}",
            ms(mean),
            ms(sorted[sorted.len() / 2]),
            ms(*sorted.last().unwrap())
        )
    };
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "platc generate per Application ({} Applications, {in_process} built in process): {}",
        apps.len(),
        summary(&platc)
    );
    if kubectl {
        println!(
            "kubectl kustomize of the same folders: {}",
            summary(&kustomize)
        );
    }
    println!(
        "load average: {} on {} cores",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
}
