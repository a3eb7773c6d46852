//! `platc validate` on a generated corpus of typical objects, one per file (Deployments with
//! probes and resources, Services, Ingresses, ConfigMaps, PDBs, NetworkPolicies, HPAs,
//! ServiceAccounts, Argo CD Applications, cert-manager Certificates), plus the time to
//! first result on a 300-object repository that carries large CRDs.
//!
//!     cargo bench --bench validate            (PLATC_BENCH_OBJECTS=20000 by default)

#[path = "support/mod.rs"]
mod support;

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn object(i: usize) -> String {
    // Objects come in groups of ten sharing a namespace; Services, policies, PDBs and HPAs
    // point at the group's first Deployment, as in a coherent repository.
    let ns = format!("team-{}", (i / 10) % 40);
    let name = format!("app-{i}");
    let app = format!("app-{}", i - i % 10);
    let mut s = String::new();
    match i % 10 {
        0..=2 => write!(
            s,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/name: {name}\n    app.kubernetes.io/part-of: platform\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {name}\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: {name}\n    spec:\n      serviceAccountName: {name}\n      containers:\n        - name: app\n          image: ghcr.io/example/{name}:1.{}.0\n          ports:\n            - name: http\n              containerPort: 8080\n          env:\n            - name: LOG_LEVEL\n              value: info\n          resources:\n            requests: {{cpu: 100m, memory: 128Mi}}\n            limits: {{memory: 256Mi}}\n          readinessProbe:\n            httpGet: {{path: /ready, port: http}}\n          livenessProbe:\n            httpGet: {{path: /live, port: http}}\n            initialDelaySeconds: 10\n",
            i % 9
        ),
        3 => write!(s, "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  selector:\n    app.kubernetes.io/name: {app}\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n"),
        4 => write!(s, "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\n  namespace: {ns}\n  annotations:\n    cert-manager.io/cluster-issuer: letsencrypt\nspec:\n  ingressClassName: contour\n  tls:\n    - hosts: [{name}.example.org]\n      secretName: {name}-tls\n  rules:\n    - host: {name}.example.org\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service:\n                name: {name}\n                port:\n                  name: http\n"),
        5 => write!(s, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {ns}\ndata:\n  LOG_LEVEL: info\n  FEATURE_FLAGS: \"a,b,c\"\n  config.yaml: |\n    server:\n      port: 8080\n"),
        6 => {
            if i % 20 == 6 {
                write!(s, "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {app}\n")
            } else {
                write!(s, "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: {app}\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: projectcontour\n      ports:\n        - port: 8080\n")
            }
        }
        7 => {
            if i % 20 == 7 {
                write!(s, "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: {app}\n  minReplicas: 2\n  maxReplicas: 10\n  metrics:\n    - type: Resource\n      resource:\n        name: cpu\n        target:\n          type: Utilization\n          averageUtilization: 70\n")
            } else {
                write!(s, "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/name: {name}\n")
            }
        }
        8 => write!(s, "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\n  annotations:\n    argocd.argoproj.io/sync-wave: \"2\"\nspec:\n  project: platform\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: {ns}\n  source:\n    repoURL: https://git.example.org/platform.git\n    targetRevision: main\n    path: apps/{name}\n  syncPolicy:\n    automated: {{prune: true, selfHeal: true}}\n    syncOptions: [CreateNamespace=true]\n"),
        _ => write!(s, "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  secretName: {name}-tls\n  dnsNames:\n    - {name}.example.org\n  issuerRef:\n    name: letsencrypt\n    kind: ClusterIssuer\n"),
    }
    .unwrap();
    s
}

fn generate(root: &Path, n: usize) -> usize {
    let mut bytes = 0;
    for i in 0..n {
        let dir = root.join(format!("apps/team-{}", (i / 10) % 40));
        std::fs::create_dir_all(&dir).unwrap();
        let text = object(i);
        bytes += text.len();
        std::fs::write(dir.join(format!("app-{i}.yaml")), text).unwrap();
    }
    let crd = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/crds/cert-manager/cert-manager.io_certificates.yaml");
    std::fs::copy(crd, root.join("certificates-crd.yaml"))
        .expect("../shared/crds is beside the project");
    bytes
}

fn run(root: &Path) -> Duration {
    run_command(root, "validate")
}

/// One run of `platc COMMAND --no-build`; the corpus must give no error.
fn run_command(root: &Path, command: &str) -> Duration {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_platc"))
        .arg("-C")
        .arg(root)
        .args([command, "--no-build", "--format", "json"])
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    assert_eq!(
        report["summary"]["errors"],
        0,
        "the corpus is valid: {}",
        String::from_utf8_lossy(&out.stdout)
            .chars()
            .take(2000)
            .collect::<String>()
    );
    elapsed
}

fn main() {
    let n: usize = std::env::var("PLATC_BENCH_OBJECTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    // PLATC_BENCH_CORPUS=DIR writes the corpus there and keeps it (to profile, or to time
    // other tools on the same files).
    let kept = std::env::var_os("PLATC_BENCH_CORPUS").map(std::path::PathBuf::from);
    let dir = tempfile::tempdir().unwrap();
    let corpus = kept.clone().unwrap_or_else(|| dir.path().to_path_buf());
    let bytes = generate(&corpus, n);
    let dir = &corpus;
    run(dir); // warm the page cache, as a CI machine that just checked out would be
    let best = (0..5).map(|_| run(dir)).min().unwrap();
    let peak = support::peak_mb(dir, &["validate", "--no-build", "-q"])
        .map_or("-".into(), |m| format!("{m:.0} MB"));
    println!(
        "validate: {n} objects in {n} files ({:.1} MB): {:.0} ms wall (best of 5), {:.0} MB/s, peak {peak}",
        bytes as f64 / 1e6,
        best.as_secs_f64() * 1e3,
        bytes as f64 / 1e6 / best.as_secs_f64()
    );

    // The lint rules alone, and everything `check` runs (schemas, rules, secrets) in one pass.
    for command in ["lint", "check"] {
        let best = (0..5).map(|_| run_command(dir, command)).min().unwrap();
        println!(
            "{command}: {n} objects: {:.0} ms wall (best of 5)",
            best.as_secs_f64() * 1e3
        );
    }

    // Time to first result on a small repository that carries large CRDs.
    let small = tempfile::tempdir().unwrap();
    generate(small.path(), 300);
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/crds");
    for crd in [
        "argo-cd/applicationset-crd.yaml",
        "cloudnative-pg/postgresql.cnpg.io_poolers.yaml",
        "contour/01-crds.yaml",
        "gateway-api/gateway.networking.k8s.io_httproutes.yaml",
        "kubevirt/kv-resource.yaml",
    ] {
        let from = shared.join(crd);
        std::fs::copy(&from, small.path().join(from.file_name().unwrap())).unwrap();
    }
    run(small.path());
    let first = (0..5).map(|_| run(small.path())).min().unwrap();
    println!(
        "validate: 300 objects with large CRDs (about 3.6 MB of CRDs): {:.0} ms wall (best of 5)",
        first.as_secs_f64() * 1e3
    );
}
