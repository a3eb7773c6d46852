//! The Argo CD plugin, deployable: the plugin mode of the spec (Applications name the plugin,
//! the Argo CD component gets the repo-server sidecar), the plugin's discovery and the
//! parameters `platc generate` reads. The sidecar manifests are checked with platc and built
//! with the real `kubectl kustomize`.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

/// The plugin-mode fixture, built in a scratch repository.
fn built_fixture() -> tempfile::TempDir {
    let repo = temp_repo(&fixtures().join("plugin-mode"));
    git(repo.path(), &["init", "-q"]);
    build(repo.path());
    repo
}

/// The documents of a YAML file or stream, as JSON.
fn docs(text: &str) -> Vec<Value> {
    platc::yaml::parse_stream(text)
        .unwrap()
        .documents
        .iter()
        .map(|d| d.to_json())
        .filter(|d| !d.is_null())
        .collect()
}

fn read_doc(path: &Path) -> Value {
    docs(&std::fs::read_to_string(path).unwrap()).remove(0)
}

fn plugin_yaml() -> String {
    let out = platc().args(["cmp", "plugin-yaml"]).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn the_plugin_definition_discovers_by_command_and_announces_parameters() {
    let plugin = docs(&plugin_yaml()).remove(0);
    assert_eq!(plugin["kind"], "ConfigManagementPlugin");
    assert_eq!(plugin["metadata"]["name"], "platc");
    assert_eq!(
        plugin["spec"]["generate"]["command"],
        serde_json::json!(["platc", "generate"])
    );
    // Never `fileName: ./kustomization.yaml`, which would claim every Kustomize Application.
    assert!(plugin["spec"]["discover"].get("fileName").is_none());
    assert_eq!(
        plugin["spec"]["discover"]["find"]["command"],
        serde_json::json!(["platc", "cmp", "discover"])
    );
    let names: Vec<&str> = plugin["spec"]["parameters"]["static"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["environment", "component", "kubernetes-version"]);
}

#[test]
fn applications_name_the_plugin_for_this_repositorys_folders() {
    let repo = built_fixture();
    let apps = repo.path().join("overlays/prod/apps");
    for (file, part) in [("web.yaml", "web"), ("argocd.yaml", "argocd")] {
        let app = read_doc(&apps.join(file));
        let plugin = &app["spec"]["source"]["plugin"];
        assert_eq!(plugin["name"], "platc", "{file}: {app}");
        assert_eq!(
            plugin["env"],
            serde_json::json!([
                {"name": "PLATC_ENVIRONMENT", "value": "prod"},
                {"name": "PLATC_COMPONENT", "value": part},
            ]),
            "{file}"
        );
    }
    let root = read_doc(&repo.path().join("overlays/prod/root.yaml"));
    assert_eq!(root["spec"]["source"]["plugin"]["name"], "platc");
    // A chart stays with Argo CD's Helm.
    let chart = read_doc(&apps.join("podinfo.yaml"));
    assert!(chart["spec"]["source"].get("plugin").is_none(), "{chart}");
    assert!(repo.path().join("overlays/.platc").is_file());
}

#[test]
fn the_sidecar_validates_and_builds_with_kustomize() {
    let repo = built_fixture();
    // platc's own checks: schemas, rules, secrets, build --check.
    platc()
        .arg("-C")
        .arg(repo.path())
        .arg("check")
        .assert()
        .code(0);
    let built = kubectl_kustomize(&repo.path().join("overlays/prod/components/argocd")).unwrap();
    let objects = docs(&built);
    let deployment = objects
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .expect("the repo-server");
    let pod = &deployment["spec"]["template"]["spec"];
    let names: Vec<&str> = pod["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["platc-plugin", "argocd-repo-server"], "{pod}");
    let sidecar = &pod["containers"][0];
    assert_eq!(sidecar["image"], "registry.example.org/platc:0.1.0");
    assert_eq!(
        sidecar["command"],
        serde_json::json!(["/var/run/argocd/argocd-cmp-server"])
    );
    assert_eq!(sidecar["securityContext"]["runAsNonRoot"], true);
    assert_eq!(sidecar["securityContext"]["runAsUser"], 999);
    assert!(sidecar["resources"]["requests"]["memory"].is_string());
    let mounts: Vec<(&str, &str)> = sidecar["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["mountPath"].as_str().unwrap(),
                m["name"].as_str().unwrap(),
            )
        })
        .collect();
    let paths: Vec<&str> = mounts.iter().map(|(p, _)| *p).collect();
    assert_eq!(
        paths,
        [
            "/var/run/argocd",
            "/home/argocd/cmp-server/plugins",
            "/home/argocd/cmp-server/config/plugin.yaml",
            "/tmp"
        ]
    );
    // Every volume the sidecar mounts is declared on the pod (upstream's or the patch's).
    let volumes: Vec<&str> = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    for (_, name) in &mounts {
        assert!(volumes.contains(name), "{name} not in {volumes:?}");
    }
    // The ConfigMap holds what `platc cmp plugin-yaml` prints.
    let config_map = objects
        .iter()
        .find(|o| o["kind"] == "ConfigMap")
        .expect("the plugin's ConfigMap");
    assert_eq!(config_map["data"]["plugin.yaml"], plugin_yaml());
}

#[test]
fn generate_reads_the_plugin_env_and_parameters() {
    let repo = built_fixture();
    let app = "overlays/prod/components/argocd";
    let run = |extra: &[(&str, &str)]| {
        let mut cmd = platc();
        cmd.current_dir(repo.path().join(app))
            .arg("generate")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap())
            .env("ARGOCD_APP_SOURCE_PATH", app)
            .env("KUBE_VERSION", "1.33.4")
            .env("ARGOCD_ENV_PLATC_ENVIRONMENT", "prod")
            .env("ARGOCD_ENV_PLATC_COMPONENT", "argocd");
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let out = run(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("name: platc-plugin"));

    // A version the UI asks for must be one platc has.
    let out = run(&[("PARAM_KUBERNETES_VERSION", "1.99")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("kubernetes-version"));
    assert!(out.stdout.is_empty());

    // A refusal names the component and the environment.
    let k = repo.path().join(app).join("kustomization.yaml");
    let edited = std::fs::read_to_string(&k)
        .unwrap()
        .replace("argocd-plugin", "argocd-plugin/");
    std::fs::write(&k, edited).unwrap();
    let out = run(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("not rendering `argocd` in `prod`"),
        "{stderr}"
    );
    assert!(stderr.contains("build/hand-edited"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn discovery_claims_only_repositories_platc_builds() {
    let repo = built_fixture();
    let app = "platform/components/web";
    let out = platc()
        .current_dir(repo.path().join(app))
        .args(["cmp", "discover"])
        .env("ARGOCD_APP_SOURCE_PATH", app)
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        "overlays/.platc\n"
    );
    // A third-party Kustomize Application: nothing printed, so Argo CD's kustomize keeps it.
    let other = tempfile::tempdir().unwrap();
    std::fs::create_dir(other.path().join(".git")).unwrap();
    std::fs::write(
        other.path().join("kustomization.yaml"),
        "resources: [cm.yaml]\n",
    )
    .unwrap();
    let out = platc()
        .current_dir(other.path())
        .args(["cmp", "discover"])
        .env("ARGOCD_APP_SOURCE_PATH", "")
        .assert()
        .success();
    assert!(out.get_output().stdout.is_empty());
}

#[test]
fn the_argo_cd_chart_gets_the_sidecar_in_its_values() {
    let repo = temp_repo(&fixtures().join("plugin-mode"));
    let spec = repo.path().join("platform/platform.yaml");
    let text = std::fs::read_to_string(&spec).unwrap().replace(
        "      resources: [components/argocd]\n",
        "      helm: {repo: https://argoproj.github.io/argo-helm, chart: argo-cd, version: 7.7.11,\n             valuesInline: {repoServer: {volumes: [{name: custom, emptyDir: {}}]}}}\n",
    );
    std::fs::write(&spec, text).unwrap();
    build(repo.path());
    let app = read_doc(&repo.path().join("overlays/prod/apps/argocd.yaml"));
    let values = &app["spec"]["source"]["helm"]["valuesObject"];
    assert_eq!(values["configs"]["cmp"]["create"], true);
    assert_eq!(
        values["configs"]["cmp"]["plugins"]["platc"]["generate"]["command"],
        serde_json::json!(["platc", "generate"])
    );
    let sidecar = &values["repoServer"]["extraContainers"][0];
    assert_eq!(sidecar["name"], "platc-plugin");
    assert_eq!(sidecar["volumeMounts"][2]["subPath"], "platc.yaml");
    // The values' own volumes are kept, the plugin's added.
    let volumes: Vec<&str> = values["repoServer"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(volumes, ["custom", "argocd-cmp-cm", "platc-plugin-tmp"]);
    // No Kustomize component for a chart.
    assert!(!repo.path().join("overlays/base/argocd-plugin").exists());
}

#[test]
fn a_plugin_component_the_spec_lacks_is_an_error() {
    let repo = temp_repo(&fixtures().join("plugin-mode"));
    let spec = repo.path().join("platform/platform.yaml");
    let text = std::fs::read_to_string(&spec)
        .unwrap()
        .replace("component: argocd", "component: argocdd");
    std::fs::write(&spec, text).unwrap();
    let out = platc()
        .arg("-C")
        .arg(repo.path())
        .arg("build")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{report}");
    assert!(report.contains("spec/unknown-reference"), "{report}");
    // Placed on the line that names it, with the close name.
    assert!(report.contains("platform/platform.yaml:12:"), "{report}");
    assert!(report.contains("did you mean `argocd`"), "{report}");
}
