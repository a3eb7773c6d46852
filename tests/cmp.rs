//! `platc generate` as Argo CD's repo-server runs a Config Management Plugin: in a copy of the
//! repository, with the Application's source folder as the working directory and the build
//! environment variables set; manifests on stdout, a refusal on stderr with a non-zero exit.
//! Credentials are assembled at run time, never committed.

mod common;

use std::path::Path;
use std::process::Output;

use common::*;

/// Run `platc generate` in `root/app_path` the way the repo-server does.
fn generate(root: &Path, app_path: &str, app_name: &str) -> Output {
    generate_with_path(root, app_path, app_name, &std::env::var_os("PATH").unwrap())
}

fn generate_with_path(
    root: &Path,
    app_path: &str,
    app_name: &str,
    path: &std::ffi::OsStr,
) -> Output {
    platc()
        .current_dir(root.join(app_path))
        .arg("generate")
        .env_clear()
        .env("PATH", path)
        .env("ARGOCD_APP_NAME", app_name)
        .env("ARGOCD_APP_NAMESPACE", "argocd")
        .env(
            "ARGOCD_APP_REVISION",
            "0123456789abcdef0123456789abcdef01234567",
        )
        .env("ARGOCD_APP_SOURCE_PATH", app_path)
        .env(
            "ARGOCD_APP_SOURCE_REPO_URL",
            "https://git.example.org/club/platform.git",
        )
        .env("ARGOCD_APP_SOURCE_TARGET_REVISION", "main")
        .env("KUBE_VERSION", "1.33.4")
        .env("KUBE_API_VERSIONS", "v1,apps/v1,batch/v1")
        .output()
        .unwrap()
}

/// The example repository (spec and committed overlays) in a scratch folder, as the
/// repo-server's copy.
fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &project_root().join("platform"),
        &dir.path().join("platform"),
    );
    copy_dir(
        &project_root().join("overlays"),
        &dir.path().join("overlays"),
    );
    dir
}

/// The folders of this repository the example's Applications deploy.
fn application_paths(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for env in ["prod", "staging"] {
        for f in files_under(&root.join(format!("overlays/{env}/apps"))) {
            let text =
                std::fs::read_to_string(root.join(format!("overlays/{env}/apps/{f}"))).unwrap();
            let name = text
                .lines()
                .find_map(|l| l.strip_prefix("  name: "))
                .unwrap()
                .to_string();
            for line in text.lines() {
                if let Some(path) = line.trim().strip_prefix("path: ")
                    && root.join(path).is_dir()
                {
                    out.push((path.to_string(), name.clone()));
                }
            }
        }
    }
    assert!(out.len() > 10, "{out:?}");
    out
}

#[test]
fn generate_prints_what_kustomize_builds_for_every_application() {
    let repo = example_copy();
    for (path, name) in application_paths(repo.path()) {
        let out = generate(repo.path(), &path, &name);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{path}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dir = repo.path().join(&path);
        if dir.join("kustomization.yaml").is_file() {
            let want = kubectl_kustomize(&dir).unwrap();
            assert_eq!(String::from_utf8(out.stdout).unwrap(), want, "{path}");
        } else {
            // A plain folder used in place: Argo CD's directory mode reads its manifests.
            let mut want = Vec::new();
            for f in files_under(&dir) {
                if !f.contains('/') && (f.ends_with(".yaml") || f.ends_with(".yml")) {
                    let text = std::fs::read_to_string(dir.join(&f)).unwrap();
                    want.extend(object_texts(&text));
                }
            }
            want.sort();
            let mut got = object_texts(&String::from_utf8(out.stdout).unwrap());
            got.sort();
            assert!(!want.is_empty(), "{path}");
            assert_eq!(got, want, "{path}");
        }
    }
}

/// The objects of a YAML stream, each as canonical JSON.
fn object_texts(text: &str) -> Vec<String> {
    platc::manifest::read_objects("out", text)
        .objects
        .iter()
        .map(|o| canonical(&o.node.to_json()))
        .collect()
}

/// JSON text with keys sorted: the same object in any key order gives the same text.
fn canonical(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Object(map) => {
            let sorted: std::collections::BTreeMap<&String, String> =
                map.iter().map(|(k, v)| (k, canonical(v))).collect();
            let fields: Vec<String> = sorted
                .iter()
                .map(|(k, v)| format!("{}:{v}", serde_json::Value::String((*k).clone())))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        serde_json::Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(canonical).collect::<Vec<_>>().join(",")
            )
        }
        other => other.to_string(),
    }
}

#[test]
fn without_kustomize_generate_builds_what_platc_reproduces() {
    let repo = example_copy();
    let empty = tempfile::tempdir().unwrap();
    let mut built = 0;
    for (path, name) in application_paths(repo.path()) {
        if !repo.path().join(&path).join("kustomization.yaml").is_file() {
            continue;
        }
        let out = generate_with_path(repo.path(), &path, &name, empty.path().as_os_str());
        match out.status.code() {
            Some(0) => {
                let ours = String::from_utf8(out.stdout).unwrap();
                let theirs = kubectl_kustomize(&repo.path().join(&path)).unwrap();
                // Byte for byte what kustomize prints.
                assert_eq!(ours, theirs, "{path}");
                built += 1;
            }
            code => {
                let err = String::from_utf8_lossy(&out.stderr);
                assert_eq!(code, Some(2), "{path}: {err}");
                assert!(err.contains("neither kustomize nor kubectl"), "{err}");
            }
        }
    }
    assert!(
        built >= 5,
        "only {built} Applications rendered without kustomize"
    );
}

#[test]
fn generate_refuses_generated_files_that_are_not_what_the_spec_produces() {
    let repo = example_copy();
    let app = "overlays/prod/components/kubevirt";
    let file = repo.path().join(app).join("kustomization.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace("resources:", "namePrefix: x-\nresources:"),
    )
    .unwrap();
    let out = generate(repo.path(), app, "kubevirt-prod");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.is_empty(),
        "nothing is printed for Argo CD to apply"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("build/hand-edited"), "{err}");
    assert!(err.contains("overlays/prod/components/kubevirt/kustomization.yaml"));
    // An Application that does not read the edited folder still renders.
    let out = generate(repo.path(), "overlays/prod/components/cdi", "cdi-prod");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn generate_refuses_to_print_a_credential() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("apps/vendor");
    std::fs::create_dir_all(&app).unwrap();
    let token = format!(
        "ghp_{}Zq9X2k",
        "kdwrafhiexbmtqvzjcl".repeat(2).get(..30).unwrap()
    );
    std::fs::write(
        app.join("kustomization.yaml"),
        "resources: [deploy-key.yaml]\n",
    )
    .unwrap();
    std::fs::write(
        app.join("deploy-key.yaml"),
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: vendor\nstringData:\n  token: {token}\n"
        ),
    )
    .unwrap();
    let out = generate(dir.path(), "apps/vendor", "vendor");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("secrets/github-token"), "{err}");
    assert!(err.contains("v1 Secret vendor"), "{err}");
    assert!(
        !err.contains(&token[4..16]),
        "the value never reaches the error"
    );
}

#[test]
fn generate_renders_a_plain_folder_and_refuses_invalid_objects() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("apps/web");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("a-configmap.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {a: b}",
    )
    .unwrap();
    std::fs::write(
        app.join("b-service.json"),
        r#"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}]}}"#,
    )
    .unwrap();
    std::fs::write(app.join("notes.txt"), "not a manifest\n").unwrap();
    let out = generate(dir.path(), "apps/web", "web");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let objects = platc::manifest::read_objects("out", &text).objects;
    let kinds: Vec<_> = objects.iter().map(|o| o.kind().unwrap()).collect();
    assert_eq!(kinds, ["ConfigMap", "Service"]);

    // The copied Application mistake, in a manifest: Argo CD would drop the field silently.
    std::fs::write(
        app.join("c-deployment.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replica: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: 'nginx:1.27'}]\n",
    )
    .unwrap();
    let out = generate(dir.path(), "apps/web", "web");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("schema/unknown-field"), "{err}");
    assert!(err.contains("replica"), "{err}");
}

#[test]
fn generate_emits_only_kubernetes_objects_from_a_plain_folder() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("charts/web");
    std::fs::create_dir_all(&app).unwrap();
    // Helm values, platc's own configuration and a mixed file: only the objects are
    // manifests (Argo CD's directory mode skips the rest).
    std::fs::write(
        app.join("values.yaml"),
        "replicaCount: 2\nimage:\n  tag: \"1.27\"\n",
    )
    .unwrap();
    std::fs::write(app.join(".platc.yaml"), "exclude: [\"vendor/**\"]\n").unwrap();
    std::fs::write(
        app.join("mixed.yaml"),
        "# defaults\nenabled: true\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: b\n---\nnotes: [one]\n",
    )
    .unwrap();
    let out = generate(dir.path(), "charts/web", "web");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let text = String::from_utf8(out.stdout).unwrap();
    for skipped in ["replicaCount", "exclude", "enabled", "notes"] {
        assert!(!text.contains(skipped), "{skipped} printed:\n{text}");
    }
    let objects = platc::manifest::read_objects("out", &text).objects;
    let kinds: Vec<_> = objects.iter().map(|o| o.kind().unwrap()).collect();
    assert_eq!(kinds, ["ConfigMap"], "{text}");
    assert!(
        text.contains("  a: b\n"),
        "the object is printed as written:\n{text}"
    );

    // At the repository root, beside a platform spec: nothing that is not an object.
    std::fs::write(dir.path().join(".platc.yaml"), "exclude: []\n").unwrap();
    let out = generate(dir.path(), "", "root");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn generate_builds_in_process_even_with_kubectl_installed() {
    // kubectl is on PATH here: platc builds what it can itself (nothing said on standard
    // error), and says why for each Application it hands to kustomize.
    let repo = example_copy();
    let (mut in_process, mut handed) = (0, 0);
    for (path, name) in application_paths(repo.path()) {
        if !repo.path().join(&path).join("kustomization.yaml").is_file() {
            continue;
        }
        let out = generate(repo.path(), &path, &name);
        assert_eq!(out.status.code(), Some(0), "{path}");
        let err = String::from_utf8_lossy(&out.stderr);
        if err.is_empty() {
            in_process += 1;
        } else {
            assert!(
                err.contains("with") && err.contains("platc does not build it in process: "),
                "{path}: {err}"
            );
            handed += 1;
        }
    }
    assert!(
        in_process >= 5 && in_process > handed,
        "{in_process} Applications built in process, {handed} by kustomize"
    );
}
