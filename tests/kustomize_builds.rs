//! Findings come from what a repository holds, never from how it is built: Components are
//! checked within the kustomizations that list them, and builds that need the network, a
//! plugin or helm are not run (one info finding each) instead of failing. kubectl is the
//! oracle for what fails to build and why.

mod common;

use common::*;

fn fixture() -> std::path::PathBuf {
    fixtures().join("kustomize-builds")
}

/// `platc check --format json` on a folder, with PATH limited to kubectl's folder (no helm)
/// and a proxy that refuses every connection (no network): the exit code and the findings as
/// `severity rule file:line message`.
fn check(dir: &std::path::Path, args: &[&str]) -> (i32, Vec<String>) {
    let kubectl = which("kubectl").expect("kubectl is installed (.ci/run installs it)");
    let out = platc()
        .arg("-C")
        .arg(dir)
        .args(["check", "--kubernetes-version", "1.33", "--format", "json"])
        .args(args)
        .env("PATH", kubectl.parent().unwrap())
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] != "workload/probes" && f["rule"] != "workload/resources")
        .map(|f| {
            format!(
                "{} {} {}:{} {}",
                f["severity"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["file"].as_str().unwrap_or(""),
                f["line"],
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    (out.status.code().unwrap(), findings)
}

fn which(bin: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(bin))
        .find(|p| p.is_file())
}

#[test]
fn kubectl_fails_each_of_these_builds_for_a_reason_outside_the_repository() {
    let dir = fixture();
    // A Component alone has nothing to patch; listed by an overlay, it builds.
    let alone = kubectl_kustomize(&dir.join("components/replicas")).unwrap_err();
    assert!(alone.contains("no resource matches"), "{alone}");
    let prod = kubectl_kustomize(&dir.join("overlays/prod")).unwrap();
    assert!(prod.contains("replicas: 3"), "{prod}");
    let plugin = kubectl_kustomize(&dir.join("plugin")).unwrap_err();
    assert!(plugin.contains("external plugins disabled"), "{plugin}");
    let helm = kubectl_kustomize(&dir.join("helm")).unwrap_err();
    assert!(helm.contains("--enable-helm"), "{helm}");
}

#[test]
fn builds_that_need_what_is_not_here_are_notes_not_failures() {
    let (code, findings) = check(&fixture(), &[]);
    assert_eq!(
        findings,
        [
            "info kustomize/not-built components/unlisted/kustomization.yaml:null a Component is built only within a kustomization that lists it in `components:`; none of those checked does, so it was not built",
            "info kustomize/not-built helm/kustomization.yaml:2 needs helm to inflate `helmCharts`; no `helm` on PATH, not built",
            "info kustomize/not-built plugin/kustomization.yaml:2 needs plugin `ksops`; not built (kustomize runs it only with --enable-alpha-plugins)",
            "info kustomize/not-built remote/kustomization.yaml:3 remote base `https://github.com/example-org/example-app//deploy?ref=v1.0.0` not fetched; the kustomization was not built",
        ],
        "no build-failed, no patch-target on a lone Component, no selects-nothing on the files of builds that were not run"
    );
    assert_eq!(code, 0, "notes alone pass");
}

#[test]
fn a_component_named_alone_is_not_built_on_its_own() {
    // Named on the command line, the Component has no kustomization listing it in view.
    let (_, findings) = check(&fixture(), &["components/replicas"]);
    assert_eq!(
        findings,
        [
            "info kustomize/not-built components/replicas/kustomization.yaml:null a Component is built only within a kustomization that lists it in `components:`; none of those checked does, so it was not built"
        ]
    );
}

#[test]
fn a_failing_build_is_still_an_error() {
    // The note replaces failures that come from the machine, not real ones: an overlay whose
    // patch names a missing object still fails (kubectl agrees).
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&fixture().join("base"), &repo.path().join("base"));
    copy_dir(
        &fixture().join("components/replicas"),
        &repo.path().join("components/replicas"),
    );
    let overlay = repo.path().join("overlays/prod");
    std::fs::create_dir_all(&overlay).unwrap();
    std::fs::write(
        overlay.join("kustomization.yaml"),
        "resources: [../../base]\ncomponents: [../../components/replicas]\npatches:\n  - path: gone.yaml\n",
    )
    .unwrap();
    std::fs::write(
        overlay.join("gone.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: gone\nspec:\n  replicas: 2\n",
    )
    .unwrap();
    assert!(kubectl_kustomize(&overlay).is_err());
    let (code, findings) = check(repo.path(), &[]);
    assert!(
        findings
            .iter()
            .any(|f| f.starts_with("error kustomize/build-failed overlays/prod/kustomization.yaml")),
        "{findings:#?}"
    );
    assert_eq!(code, 1);
}

#[test]
fn files_a_kustomization_lists_are_manifests_beside_a_chart() {
    // The folder holds a Chart.yaml, yet the kustomization lists upstream/rendered.yaml as a
    // resource: its objects are judged where they are written, not only in the build output.
    let dir = fixtures().join("rules/kustomize/patch-target/good-chart-folder");
    let out = platc()
        .arg("-C")
        .arg(&dir)
        .args(["lint", "--kubernetes-version", "1.33", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files: std::collections::BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "workload/probes")
        .filter_map(|f| f["file"].as_str())
        .collect();
    assert_eq!(
        files.into_iter().collect::<Vec<_>>(),
        ["upstream/rendered.yaml"]
    );
}

/// `platc validate --format json` on a folder: `rule file:line` of each finding.
fn validate(dir: &std::path::Path, args: &[&str]) -> Vec<String> {
    let out = platc()
        .arg("-C")
        .arg(dir)
        .args([
            "validate",
            "--kubernetes-version",
            "1.33",
            "--format",
            "json",
        ])
        .args(args)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}:{}",
                f["rule"].as_str().unwrap(),
                f["file"].as_str().unwrap_or(""),
                f["line"]
            )
        })
        .collect()
}

#[test]
fn objects_a_build_deploys_are_judged_as_it_deploys_them() {
    let dir = fixtures().join("kustomize-placeholders");
    // kubectl agrees: every overlay replaces the base's placeholder, and `namespace:` renames
    // the Namespace object.
    for (overlay, size) in [("overlays/prod", "50Gi"), ("overlays/dev", "1Gi")] {
        let out = kubectl_kustomize(&dir.join(overlay)).unwrap();
        assert!(out.contains(&format!("storage: {size}")), "{out}");
    }
    let out = kubectl_kustomize(&dir.join("apps/cert-manager")).unwrap();
    assert!(out.contains("name: cert-manager"), "{out}");
    // Only the mistakes the builds keep are reported, at their line, once (the prefixed
    // build's message names `team-Options`).
    assert_eq!(
        validate(&dir, &[]),
        [
            "metadata/invalid-name apps/cert-manager/settings.yaml:5",
            "metadata/invalid-name apps/prefixed/options.yaml:4",
        ]
    );
    // The raw files alone hold the placeholder and the `_` name.
    assert_eq!(
        validate(&dir, &["--no-build"]),
        [
            "metadata/invalid-name apps/cert-manager/namespace.yaml:4",
            "metadata/invalid-name apps/cert-manager/settings.yaml:5",
            "metadata/invalid-name apps/prefixed/options.yaml:4",
            "schema/invalid base/claim.yaml:10",
        ]
    );
}

#[test]
fn with_network_remote_bases_are_fetched() {
    // The proxy refuses every connection, so the fetch `--network` allows fails: the build
    // was run (a failure where the network is down is the user's to see when asked for).
    let (code, findings) = check(&fixture(), &["--network"]);
    assert!(
        findings
            .iter()
            .any(|f| f.starts_with("error kustomize/build-failed remote/kustomization.yaml")),
        "{findings:#?}"
    );
    assert!(
        !findings
            .iter()
            .any(|f| f.contains("not-built remote/kustomization.yaml")),
        "{findings:#?}"
    );
    assert_eq!(code, 1);
}

#[test]
fn verbose_says_which_builds_ran_in_process_and_why_the_others_did_not() {
    let kubectl = which("kubectl").expect("kubectl is installed (.ci/run installs it)");
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    };
    let config_map =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n";
    write("overlays/plain/cm.yaml", config_map);
    write(
        "overlays/plain/kustomization.yaml",
        "resources: [cm.yaml]\n",
    );
    // `buildMetadata` is kustomize's to apply: platc declines and kubectl builds it.
    write("overlays/meta/cm.yaml", config_map);
    write(
        "overlays/meta/kustomization.yaml",
        "resources: [cm.yaml]\nbuildMetadata: [managedByLabel]\n",
    );
    let run = |args: &[&str]| {
        let out = platc()
            .arg("-C")
            .arg(dir.path())
            .args(["--verbose", "check", "--format", "json"])
            .args(args)
            .env("PATH", kubectl.parent().unwrap())
            .output()
            .unwrap();
        String::from_utf8(out.stderr).unwrap()
    };
    let stderr = run(&[]);
    assert!(
        stderr.contains(
            "kustomize builds: 1 of 2 in process, 1 by kustomize where platc does not build"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "overlays/meta: built by kubectl kustomize: platc does not build field `buildMetadata`\n"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("overlays/plain: built by"), "{stderr}");
    // A kustomize named on the command line builds everything, without a reason each.
    let stderr = run(&["--kustomize", kubectl.to_str().unwrap()]);
    assert!(
        stderr.contains("kustomize builds: 0 of 2 in process, 2 by the binary --kustomize names"),
        "{stderr}"
    );
    assert!(!stderr.contains("built by"), "{stderr}");
}

#[test]
fn verbose_build_notes_never_show_a_credential_the_kustomization_holds() {
    let kubectl = which("kubectl").expect("kubectl is installed (.ci/run installs it)");
    let dir = tempfile::tempdir().unwrap();
    let token = format!("{}{}", "ghp_", "Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz9Xc8V");
    std::fs::write(
        dir.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n",
    )
    .unwrap();
    // A remote transformer configuration: platc leaves it to kustomize, and says why.
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        format!(
            "resources: [cm.yaml]\nconfigurations:\n- https://ci:{token}@git.example.org/config.yaml\n"
        ),
    )
    .unwrap();
    let out = platc()
        .arg("-C")
        .arg(dir.path())
        .args(["--verbose", "check", "--format", "json"])
        .env("PATH", kubectl.parent().unwrap())
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stderr.contains("built by kubectl kustomize"), "{stderr}");
    assert!(!stderr.contains(&token) && !stdout.contains(&token));
}
