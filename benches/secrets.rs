//! `platc secrets` on 20,000 small YAML files (about 9.7 MB, the validation corpus's shape)
//! and `platc secrets --history` on a 1,000-commit repository built with git fast-import.
//!
//!     cargo bench --bench secrets

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn yaml(i: usize) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\n  namespace: team-{}\n  labels: {{app.kubernetes.io/name: app-{i}}}\nspec:\n  replicas: 2\n  selector: {{matchLabels: {{app.kubernetes.io/name: app-{i}}}}}\n  template:\n    metadata: {{labels: {{app.kubernetes.io/name: app-{i}}}}}\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/example/app-{i}:1.{}.0\n          env:\n            - name: DB_PASSWORD\n              valueFrom: {{secretKeyRef: {{name: db, key: password}}}}\n            - name: LOG_LEVEL\n              value: info\n          resources: {{requests: {{cpu: 100m, memory: 128Mi}}, limits: {{memory: 256Mi}}}}\n          readinessProbe: {{httpGet: {{path: /ready, port: 8080}}}}\n          livenessProbe: {{httpGet: {{path: /live, port: 8080}}}}\n",
        i % 40,
        i % 9
    )
}

fn run(root: &Path, args: &[&str]) -> Duration {
    let start = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_platc"))
        .arg("-C")
        .arg(root)
        .arg("secrets")
        .args(args)
        .arg("-q")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.code() == Some(0) || status.code() == Some(1));
    start.elapsed()
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = 0;
    for i in 0..20_000 {
        let d = dir.path().join(format!("apps/team-{}", i % 40));
        std::fs::create_dir_all(&d).unwrap();
        let text = yaml(i);
        bytes += text.len();
        std::fs::write(d.join(format!("app-{i}.yaml")), text).unwrap();
    }
    run(dir.path(), &[]);
    let best = (0..5).map(|_| run(dir.path(), &[])).min().unwrap();
    println!(
        "secrets: 20000 files ({:.1} MB): {:.0} ms wall (best of 5), {:.0} MB/s",
        bytes as f64 / 1e6,
        best.as_secs_f64() * 1e3,
        bytes as f64 / 1e6 / best.as_secs_f64()
    );

    // A 1,000-commit history, each commit adding or changing a few files.
    let repo = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        Command::new("git")
            .current_dir(repo.path())
            .args(args)
            .output()
            .unwrap()
    };
    git(&["init", "-q"]);
    let mut stream = String::new();
    let mut history_bytes = 0;
    for c in 0..1000 {
        let message = format!("commit {c}");
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter t <t@example.org> {} +0000\ndata {}\n{message}\n",
            1_700_000_000 + c,
            message.len()
        ));
        for f in 0..5 {
            let content = yaml(c * 5 + f);
            history_bytes += content.len();
            stream.push_str(&format!(
                "M 644 inline apps/app-{}.yaml\ndata {}\n{}\n",
                (c * 5 + f) % 700,
                content.len(),
                content
            ));
        }
    }
    let mut child = Command::new("git")
        .current_dir(repo.path())
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stream.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    git(&["checkout", "-q", "main"]);
    run(repo.path(), &["--history"]);
    let best = (0..3)
        .map(|_| run(repo.path(), &["--history"]))
        .min()
        .unwrap();
    println!(
        "secrets --history: 1000 commits ({:.1} MB added): {:.0} ms wall (best of 3), {:.0} MB/s",
        history_bytes as f64 / 1e6,
        best.as_secs_f64() * 1e3,
        history_bytes as f64 / 1e6 / best.as_secs_f64()
    );
}
