//! `platc check` on a generated platform repository of 600 Kustomize overlays: 60 services,
//! each a base (Deployment with a sidecar, Service, ServiceAccount, sometimes an Ingress or a
//! plain ConfigMap; ConfigMap and Secret generators from literals, files and env files) and
//! ten environment overlays (namespace, name prefixes and suffixes, labels or commonLabels,
//! images, replicas, generators merged into the base's, strategic merge patches inline and
//! from files, `$patch: delete` of the sidecar, JSON 6902 patches inline and from files), with
//! components (`kind: Component`) the overlays share.
//!
//! Before timing, a sample of overlays (one per environment) is built in process and by
//! `kubectl kustomize` and compared object for object: the figure is for correct builds.
//! It prints how many overlays platc builds in process and why the others fall back to
//! kubectl (issue 12's target: under 1 s on 2 cores; kubectl alone takes about 30 s).
//!
//!     cargo bench --bench overlays
//!
//! PLATC_BENCH_CORPUS=DIR writes the repository there and keeps it (to profile, or to time
//! kubectl on the same files); PLATC_BENCH_KUBECTL=1 also times `check --kustomize kubectl`
//! once (every overlay built by kubectl).

#[path = "support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use platc::kustomize::{Kustomizations, native};
use platc::schema::core::{self, Core};
use platc::schema::registry::Registry;

const SERVICES: usize = 60;

/// The environments every service is deployed to (`prod-REGION` for production).
const ENVIRONMENTS: [&str; 10] = [
    "dev",
    "qa",
    "staging",
    "perf",
    "canary",
    "prod-us-east",
    "prod-us-west",
    "prod-eu-west",
    "prod-eu-central",
    "prod-ap-south",
];

/// The shared components, each a `kind: Component` folder under `components/`.
fn components(root: &Path) {
    write(
        root,
        "components/monitoring/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n\
         labels:\n  - pairs:\n      monitoring.example.org/scrape: \"true\"\n\
         patches:\n  - target:\n      kind: Deployment\n    patch: |-\n\
         \x20     apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n        name: any\n\
         \x20     spec:\n        template:\n          metadata:\n            annotations:\n\
         \x20             prometheus.io/scrape: \"true\"\n              prometheus.io/port: \"9090\"\n\
         \x20         spec:\n            containers:\n              - name: app\n\
         \x20               ports:\n                  - name: metrics\n                    containerPort: 9090\n",
    );
    write(
        root,
        "components/availability/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n\
         resources:\n  - pdb.yaml\n\
         patches:\n  - path: spread.yaml\n    target:\n      kind: Deployment\n",
    );
    write(
        root,
        "components/availability/pdb.yaml",
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: availability\n\
         spec:\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/part-of: platform\n",
    );
    write(
        root,
        "components/availability/spread.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: any\nspec:\n  template:\n    spec:\n\
         \x20     topologySpreadConstraints:\n        - maxSkew: 1\n          topologyKey: topology.kubernetes.io/zone\n\
         \x20         whenUnsatisfiable: ScheduleAnyway\n          labelSelector:\n            matchLabels:\n\
         \x20             app.kubernetes.io/part-of: platform\n",
    );
    write(
        root,
        "components/hardening/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n\
         patches:\n  - target:\n      group: apps\n      version: v1\n      kind: Deployment\n    patch: |-\n\
         \x20     - op: add\n        path: /spec/template/spec/securityContext\n        value:\n\
         \x20         runAsNonRoot: true\n          seccompProfile:\n            type: RuntimeDefault\n\
         \x20     - op: add\n        path: /spec/template/spec/automountServiceAccountToken\n        value: false\n\
         resources:\n  - networkpolicy.yaml\n",
    );
    write(
        root,
        "components/hardening/networkpolicy.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: same-namespace\n\
         spec:\n  podSelector: {}\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - podSelector: {}\n",
    );
    write(
        root,
        "components/debug/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n\
         configMapGenerator:\n  - name: debug-settings\n    literals:\n      - LOG_LEVEL=debug\n      - TRACE_SAMPLING=1.0\n\
         patches:\n  - target:\n      kind: Deployment\n    patch: |-\n\
         \x20     - op: add\n        path: /spec/template/spec/containers/0/envFrom/-\n        value:\n\
         \x20         configMapRef:\n            name: debug-settings\n",
    );
}

/// The base of service `i`.
fn base(root: &Path, i: usize) {
    let name = format!("svc-{i:02}");
    let dir = format!("apps/{name}/base");
    let team = format!("team-{}", i % 8);
    let mut k = String::from(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n  - service.yaml\n  - serviceaccount.yaml\n",
    );
    if i.is_multiple_of(3) {
        k.push_str("  - ingress.yaml\n");
    }
    if i % 4 == 1 {
        k.push_str("  - configmap.yaml\n");
    }
    write!(
        k,
        "labels:\n  - pairs:\n      app.kubernetes.io/name: {name}\n      app.kubernetes.io/part-of: platform\n      team: {team}\n    includeSelectors: true\n\
         configMapGenerator:\n  - name: {name}-config\n    files:\n      - config/application.properties\n      - logging.xml=config/logback.xml\n    literals:\n      - HTTP_PORT=8080\n      - SERVICE_NAME={name}\n"
    )
    .unwrap();
    if i.is_multiple_of(2) {
        k.push_str("    envs:\n      - config/runtime.env\n");
    }
    write!(
        k,
        "secretGenerator:\n  - name: {name}-env\n    envs:\n      - config/connection.env\n    literals:\n      - DB_USER={}\n",
        name.replace('-', "_")
    )
    .unwrap();
    if i.is_multiple_of(5) {
        k.push_str("generatorOptions:\n  labels:\n    generated-by: kustomize\n");
    }
    write(root, &format!("{dir}/kustomization.yaml"), &k);
    let version = format!("1.{}.{}", i % 7, i % 4);
    write(
        root,
        &format!("{dir}/deployment.yaml"),
        &format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      serviceAccountName: {name}\n      containers:\n        - name: app\n          image: registry.example.org/platform/{name}:{version}\n          ports:\n            - name: http\n              containerPort: 8080\n          env:\n            - name: JAVA_OPTS\n              value: -XX:MaxRAMPercentage=75\n            - name: CONFIG_DIR\n              value: /etc/{name}\n          envFrom:\n            - secretRef:\n                name: {name}-env\n          resources:\n            requests:\n              cpu: 100m\n              memory: 256Mi\n            limits:\n              memory: 512Mi\n          readinessProbe:\n            httpGet:\n              path: /ready\n              port: http\n          livenessProbe:\n            httpGet:\n              path: /live\n              port: http\n          volumeMounts:\n            - name: config\n              mountPath: /etc/{name}\n        - name: log-shipper\n          image: docker.io/fluent/fluent-bit:3.1.4\n          resources:\n            requests:\n              cpu: 10m\n              memory: 32Mi\n            limits:\n              memory: 64Mi\n          volumeMounts:\n            - name: config\n              mountPath: /fluent-bit/etc\n      volumes:\n        - name: config\n          configMap:\n            name: {name}-config\n"
        ),
    );
    write(
        root,
        &format!("{dir}/service.yaml"),
        &format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n    app: {name}\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n"
        ),
    );
    write(
        root,
        &format!("{dir}/serviceaccount.yaml"),
        &format!("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n"),
    );
    if i.is_multiple_of(3) {
        write(
            root,
            &format!("{dir}/ingress.yaml"),
            &format!(
                "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\nspec:\n  ingressClassName: contour\n  rules:\n    - host: {name}.example.org\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service:\n                name: {name}\n                port:\n                  name: http\n"
            ),
        );
    }
    if i % 4 == 1 {
        write(
            root,
            &format!("{dir}/configmap.yaml"),
            &format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-features\ndata:\n  FEATURE_FLAGS: \"search,export\"\n  rollout.yaml: |\n    strategy: gradual\n    steps: [10, 50, 100]\n"
            ),
        );
    }
    write(
        root,
        &format!("{dir}/config/application.properties"),
        &format!(
            "server.port=8080\nspring.application.name={name}\nmanagement.endpoints.web.exposure.include=health,info,prometheus\n"
        ),
    );
    write(
        root,
        &format!("{dir}/config/logback.xml"),
        "<configuration>\n  <root level=\"INFO\">\n    <appender-ref ref=\"STDOUT\"/>\n  </root>\n</configuration>\n",
    );
    write(
        root,
        &format!("{dir}/config/runtime.env"),
        "# runtime settings\nGOMAXPROCS=2\nCACHE_TTL=300\n",
    );
    write(
        root,
        &format!("{dir}/config/connection.env"),
        &format!(
            "DB_HOST=postgres.{team}.svc.cluster.local\nDB_NAME={}\nDB_PORT=5432\n",
            name.replace('-', "_")
        ),
    );
}

/// The overlay of service `i` in environment `e` (an index into ENVIRONMENTS).
fn overlay(root: &Path, i: usize, e: usize) {
    let name = format!("svc-{i:02}");
    let env = ENVIRONMENTS[e];
    let dir = format!("apps/{name}/overlays/{env}");
    let prod = env.starts_with("prod");
    let region = env.strip_prefix("prod-").unwrap_or("us-east");
    let mut k = format!(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: {name}-{env}\nresources:\n  - ../../base\n"
    );
    if e == 4 {
        k.push_str("namePrefix: canary-\n");
    }
    if prod && i % 2 == 1 {
        let short: String = region.split('-').map(|p| &p[..1]).collect();
        writeln!(k, "nameSuffix: -{short}").unwrap();
    }
    // Components, as a platform team would pick them per environment.
    k.push_str("components:\n  - ../../../../components/monitoring\n");
    if prod || env == "staging" {
        k.push_str("  - ../../../../components/availability\n");
    }
    if env != "dev" {
        k.push_str("  - ../../../../components/hardening\n");
    } else {
        k.push_str("  - ../../../../components/debug\n");
    }
    // Half the services still use the deprecated commonLabels.
    if i.is_multiple_of(2) {
        write!(
            k,
            "labels:\n  - pairs:\n      environment: {env}\n      region: {region}\n    includeTemplates: true\n"
        )
        .unwrap();
    } else {
        write!(k, "commonLabels:\n  environment: {env}\n").unwrap();
    }
    if prod {
        k.push_str("commonAnnotations:\n  oncall.example.org/rotation: platform-primary\n");
    }
    let tag = format!("1.{}.{}", (i + e) % 7, e);
    write!(
        k,
        "images:\n  - name: registry.example.org/platform/{name}\n    newTag: \"{tag}\"\n  - name: docker.io/fluent/fluent-bit\n    newName: mirror.example.org/fluent/fluent-bit\n"
    )
    .unwrap();
    let replicas = if prod { 3 + i % 3 } else { 1 };
    write!(k, "replicas:\n  - name: {name}\n    count: {replicas}\n").unwrap();
    // The base's generated ConfigMap, merged with what this environment sets.
    write!(
        k,
        "configMapGenerator:\n  - name: {name}-config\n    behavior: merge\n    literals:\n      - ENVIRONMENT={env}\n    envs:\n      - settings.env\n"
    )
    .unwrap();
    if prod {
        write!(
            k,
            "secretGenerator:\n  - name: {name}-env\n    behavior: merge\n    literals:\n      - DB_HOST=postgres-{region}.{name}.svc.cluster.local\n"
        )
        .unwrap();
    }
    k.push_str("patches:\n  - path: resources.yaml\n");
    // dev runs without the log shipper.
    if env == "dev" {
        write!(
            k,
            "  - patch: |-\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n        name: {name}\n      spec:\n        template:\n          spec:\n            containers:\n              - name: log-shipper\n                $patch: delete\n"
        )
        .unwrap();
    }
    write!(
        k,
        "  - target:\n      kind: Deployment\n      name: {name}\n    patch: |-\n      - op: add\n        path: /spec/template/spec/containers/0/env/-\n        value:\n          name: DEPLOY_ENVIRONMENT\n          value: {env}\n      - op: replace\n        path: /spec/template/spec/containers/0/resources/limits/memory\n        value: {}Mi\n",
        if prod { 1024 } else { 512 }
    )
    .unwrap();
    if i.is_multiple_of(3) {
        k.push_str(
            "  - path: ingress-host.yaml\n    target:\n      group: networking.k8s.io\n      kind: Ingress\n",
        );
        write(
            root,
            &format!("{dir}/ingress-host.yaml"),
            &format!(
                "- op: replace\n  path: /spec/rules/0/host\n  value: {name}.{env}.example.org\n- op: add\n  path: /metadata/annotations\n  value:\n    cert-manager.io/cluster-issuer: letsencrypt\n"
            ),
        );
    }
    if i % 5 == 2 {
        // The deprecated field, still everywhere in older repositories.
        k.push_str("patchesStrategicMerge:\n  - service.yaml\n");
        write(
            root,
            &format!("{dir}/service.yaml"),
            &format!(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  annotations:\n    service.example.org/environment: {env}\nspec:\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n    - name: metrics\n      port: 9090\n      targetPort: metrics\n"
            ),
        );
    }
    write(root, &format!("{dir}/kustomization.yaml"), &k);
    let cpu = if prod { "500m" } else { "100m" };
    write(
        root,
        &format!("{dir}/resources.yaml"),
        &format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n            - name: JAVA_OPTS\n              value: -XX:MaxRAMPercentage=80\n            - name: REGION\n              value: {region}\n          resources:\n            requests:\n              cpu: {cpu}\n"
        ),
    );
    write(
        root,
        &format!("{dir}/settings.env"),
        &format!(
            "# {env}\nFEATURE_SEARCH={}\nUPSTREAM_URL=https://api.{env}.example.org\n",
            prod
        ),
    );
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The repository; returns the overlays' folders, repo-relative.
fn generate(root: &Path) -> Vec<String> {
    components(root);
    let mut overlays = Vec::new();
    for i in 0..SERVICES {
        base(root, i);
        for (e, env) in ENVIRONMENTS.iter().enumerate() {
            overlay(root, i, e);
            overlays.push(format!("apps/svc-{i:02}/overlays/{env}"));
        }
    }
    overlays
}

/// Objects by identity, as JSON.
fn by_id(values: Vec<serde_json::Value>) -> Vec<(String, serde_json::Value)> {
    let mut out: Vec<(String, serde_json::Value)> = values
        .into_iter()
        .map(|v| {
            let id = format!(
                "{} {} {}/{}",
                v["apiVersion"].as_str().unwrap_or(""),
                v["kind"].as_str().unwrap_or(""),
                v["metadata"]["namespace"].as_str().unwrap_or(""),
                v["metadata"]["name"].as_str().unwrap_or("")
            );
            (id, v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Builds every overlay in process; returns those that were, and why each other one was not
/// (the reason, with the kind of folder that has it -> the overlays).
fn in_process(
    root: &Path,
    registry: &Registry,
    overlays: &[String],
) -> (Vec<String>, BTreeMap<String, Vec<String>>) {
    let mut built = Vec::new();
    let mut fallbacks: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for dir in overlays {
        let ks = Kustomizations::read(root, dir);
        match native::try_build(root, &ks, registry, dir) {
            Ok(_) => built.push(dir.clone()),
            Err(why) => {
                let at = if why.dir.starts_with("components/") {
                    "a component"
                } else if why.dir.ends_with("/base") {
                    "a base"
                } else {
                    "an overlay"
                };
                fallbacks
                    .entry(format!("{} (in {at})", why.reason))
                    .or_default()
                    .push(dir.clone());
            }
        }
    }
    (built, fallbacks)
}

/// The sample's in-process builds are kubectl's, object for object (the ones built in
/// process; returns how many were compared).
fn compare_with_kubectl(root: &Path, registry: &Registry, sample: &[&String]) -> usize {
    let mut compared = 0;
    for dir in sample {
        let ks = Kustomizations::read(root, dir);
        let Ok(ours) = native::try_build(root, &ks, registry, dir) else {
            continue;
        };
        let out = Command::new("kubectl")
            .arg("kustomize")
            .arg(root.join(dir))
            .output()
            .expect("kubectl is installed");
        assert!(
            out.status.success(),
            "{dir}: platc builds it, kubectl kustomize fails: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let theirs: Vec<serde_json::Value> = platc::manifest::read_objects("out", &text)
            .objects
            .iter()
            .map(|o| o.node.to_json())
            .collect();
        let (ours, theirs) = (by_id(ours), by_id(theirs));
        assert_eq!(
            ours.iter().map(|(id, _)| id).collect::<Vec<_>>(),
            theirs.iter().map(|(id, _)| id).collect::<Vec<_>>(),
            "{dir}: other objects than kubectl kustomize"
        );
        for ((id, a), (_, b)) in ours.iter().zip(&theirs) {
            assert_eq!(a, b, "{dir}: {id} differs from kubectl kustomize's");
        }
        compared += 1;
    }
    compared
}

/// One `platc check --format json` (PATH as given); the repository must give no error.
/// Returns the time and the ids of the info findings.
fn check(root: &Path, path: Option<&Path>, extra: &[&str]) -> (Duration, Vec<String>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_platc"));
    command
        .arg("-C")
        .arg(root)
        .args(["check", "--format", "json"])
        .args(extra);
    if let Some(path) = path {
        command.env("PATH", path);
    }
    let start = Instant::now();
    let out = command.output().unwrap();
    let elapsed = start.elapsed();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "a JSON report, got: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    let errors: Vec<String> = findings
        .iter()
        .filter(|f| f["severity"] == "error")
        .take(5)
        .map(|f| format!("{} {} {}", f["rule"], f["file"], f["message"]))
        .collect();
    assert!(
        errors.is_empty(),
        "the repository checks clean: {errors:#?}"
    );
    let mut rules: Vec<String> = findings
        .iter()
        .filter_map(|f| f["rule"].as_str().map(str::to_string))
        .collect();
    rules.sort();
    rules.dedup();
    (elapsed, rules)
}

fn main() {
    let kept = std::env::var_os("PLATC_BENCH_CORPUS").map(std::path::PathBuf::from);
    let dir = tempfile::tempdir().unwrap();
    let root = kept.clone().unwrap_or_else(|| dir.path().to_path_buf());
    let overlays = generate(&root);
    let files = walk_count(&root);

    let registry = Registry::new(Core::load(core::newest()));
    let (built, fallbacks) = in_process(&root, &registry, &overlays);
    // One overlay per environment that has one built in process, each of another service
    // where it can be.
    let sample: Vec<&String> = ENVIRONMENTS
        .iter()
        .enumerate()
        .filter_map(|(e, env)| {
            let mut of_env: Vec<&String> = built
                .iter()
                .filter(|d| d.ends_with(&format!("/overlays/{env}")))
                .collect();
            let n = of_env.len();
            (n > 0).then(|| of_env.swap_remove(e * 7 % n))
        })
        .collect();
    let compared = compare_with_kubectl(&root, &registry, &sample);
    println!(
        "overlays: {} overlays ({files} files): {} built in process, {} by kubectl; {compared} of a sample of {} compared with kubectl kustomize, object for object",
        overlays.len(),
        built.len(),
        overlays.len() - built.len(),
        sample.len()
    );
    for (why, dirs) in &fallbacks {
        println!(
            "  falls back: {why}: {} overlays (such as {})",
            dirs.len(),
            dirs[0]
        );
    }

    // Without kubectl on PATH, an overlay platc cannot build is said (kustomize/not-found):
    // the binary's own account of what it built in process.
    let no_tools = tempfile::tempdir().unwrap();
    let (_, rules) = check(&root, Some(no_tools.path()), &[]);
    let missing = rules.iter().any(|r| r == "kustomize/not-found");
    // Its time is what the in-process builds cost (the others are skipped).
    let alone = (0..5)
        .map(|_| check(&root, Some(no_tools.path()), &[]).0)
        .min()
        .unwrap();
    println!(
        "check without kubectl on PATH: {}: {:.0} ms wall (best of 5)",
        if missing {
            "the overlays platc does not build were skipped (kustomize/not-found)"
        } else {
            "every overlay built in process"
        },
        alone.as_secs_f64() * 1e3
    );

    check(&root, None, &[]); // warm the page cache, as a CI machine that just checked out would be
    let best = (0..5).map(|_| check(&root, None, &[]).0).min().unwrap();
    let no_build = (0..5)
        .map(|_| check(&root, None, &["--no-build"]).0)
        .min()
        .unwrap();
    let peak =
        support::peak_mb(&root, &["check", "-q"]).map_or("-".into(), |m| format!("{m:.0} MB"));
    println!(
        "check: {} overlays: {:.0} ms wall (best of 5; {:.0} ms with --no-build), peak {peak}",
        overlays.len(),
        best.as_secs_f64() * 1e3,
        no_build.as_secs_f64() * 1e3
    );
    if std::env::var_os("PLATC_BENCH_KUBECTL").is_some() {
        let once = check(&root, None, &["--kustomize", "kubectl"]).0;
        println!(
            "check --kustomize kubectl: {:.1} s wall (once)",
            once.as_secs_f64()
        );
    }
}

/// How many files the repository holds.
fn walk_count(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            if path.is_dir() { walk_count(&path) } else { 1 }
        })
        .sum()
}
