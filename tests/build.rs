//! `platc build` end to end: the example platform, determinism, --check, prune.

mod common;

use common::*;
use predicates::prelude::*;

#[test]
fn committed_overlays_are_current() {
    platc()
        .arg("-C")
        .arg(project_root())
        .args(["build", "--check"])
        .assert()
        .success();
}

#[test]
fn build_twice_gives_identical_bytes() {
    let repo = temp_repo(&project_root());
    build(repo.path());
    let first: Vec<(String, Vec<u8>)> = files_under(&repo.path().join("overlays"))
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(repo.path().join("overlays").join(&f)).unwrap();
            (f, bytes)
        })
        .collect();
    std::fs::remove_dir_all(repo.path().join("overlays")).unwrap();
    build(repo.path());
    for (f, bytes) in &first {
        assert_eq!(
            &std::fs::read(repo.path().join("overlays").join(f)).unwrap(),
            bytes,
            "{f} differs"
        );
    }
    assert_eq!(
        files_under(&repo.path().join("overlays")).len(),
        first.len()
    );
    // And the fresh build is exactly what is committed.
    for (f, bytes) in &first {
        assert_eq!(
            &std::fs::read(project_root().join("overlays").join(f)).unwrap(),
            bytes,
            "committed {f} differs"
        );
    }
}

#[test]
fn check_catches_missing_stale_hand_edited_and_orphaned_files() {
    let repo = temp_repo(&project_root());
    let root = repo.path();
    platc()
        .arg("-C")
        .arg(root)
        .args(["build", "--check"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("build/missing"));
    build(root);
    platc()
        .arg("-C")
        .arg(root)
        .args(["build", "--check"])
        .assert()
        .success();

    // A hand edit of a generated file.
    let app = root.join("overlays/prod/apps/vault.yaml");
    let edited = std::fs::read_to_string(&app)
        .unwrap()
        .replace("selfHeal: true", "selfHeal: false");
    std::fs::write(&app, edited).unwrap();
    // A spec change: grafana's chart version moves.
    let spec = root.join("platform/platform.yaml");
    let text = std::fs::read_to_string(&spec)
        .unwrap()
        .replace("version: 8.6.4", "version: 8.6.5");
    std::fs::write(&spec, text).unwrap();
    // A generated file the spec no longer produces, and a hand-written one beside it.
    let orphan_body = std::fs::read_to_string(root.join("overlays/prod/apps/kuma.yaml")).unwrap();
    std::fs::write(root.join("overlays/prod/apps/old.yaml"), orphan_body).unwrap();
    std::fs::write(root.join("overlays/prod/NOTES.md"), "hand-written\n").unwrap();

    let out = platc()
        .arg("-C")
        .arg(root)
        .args(["build", "--check", "--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let mut found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    let mut expected: Vec<(String, String)> = [
        ("build/hand-edited", "overlays/prod/apps/vault.yaml"),
        ("build/orphaned", "overlays/prod/apps/old.yaml"),
        ("build/stale", "overlays/prod/apps/grafana.yaml"),
        ("build/stale", "overlays/staging/apps/grafana.yaml"),
    ]
    .iter()
    .map(|(r, f)| (r.to_string(), f.to_string()))
    .collect();
    expected.sort();
    assert_eq!(found, expected);

    // check writes nothing.
    assert!(root.join("overlays/prod/apps/old.yaml").exists());
    // build repairs everything, prunes the orphan and keeps the hand-written file.
    build(root);
    assert!(!root.join("overlays/prod/apps/old.yaml").exists());
    assert!(root.join("overlays/prod/NOTES.md").exists());
    assert!(
        std::fs::read_to_string(&app)
            .unwrap()
            .contains("selfHeal: true")
    );
    platc()
        .arg("-C")
        .arg(root)
        .args(["build", "--check"])
        .assert()
        .success();
}

#[test]
fn removed_components_are_pruned_with_their_folders() {
    let repo = temp_repo(&project_root());
    let root = repo.path();
    build(root);
    assert!(
        root.join("overlays/prod/components/cdi/kustomization.yaml")
            .exists()
    );
    let spec = root.join("platform/platform.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let start = text.find("    - name: cdi\n").unwrap();
    let end = text[start..].find("    # Virtual clusters").unwrap() + start;
    std::fs::write(&spec, format!("{}{}", &text[..start], &text[end..])).unwrap();
    platc()
        .arg("-C")
        .arg(root)
        .arg("build")
        .assert()
        .success()
        .stderr(predicate::str::contains("deleted"));
    assert!(!root.join("overlays/prod/apps/cdi.yaml").exists());
    assert!(
        !root.join("overlays/prod/components/cdi").exists(),
        "empty folders go too"
    );
    assert!(!root.join("overlays/base/components/cdi").exists());
}

#[test]
fn a_hand_written_file_in_the_way_is_never_overwritten() {
    let repo = temp_repo(&project_root());
    let root = repo.path();
    std::fs::create_dir_all(root.join("overlays/prod/apps")).unwrap();
    std::fs::write(root.join("overlays/prod/apps/vault.yaml"), "mine: true\n").unwrap();
    platc()
        .arg("-C")
        .arg(root)
        .arg("build")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("overlays/prod/apps/vault.yaml"));
    assert_eq!(
        std::fs::read_to_string(root.join("overlays/prod/apps/vault.yaml")).unwrap(),
        "mine: true\n"
    );
}

#[test]
fn every_generated_file_carries_the_header() {
    for f in files_under(&project_root().join("overlays")) {
        let text = std::fs::read_to_string(project_root().join("overlays").join(&f)).unwrap();
        assert!(text.starts_with("# Generated by platc from "), "{f}");
    }
}

#[test]
fn the_example_platform_has_what_the_seed_runs() {
    let prod = files_under(&project_root().join("overlays/prod/apps"));
    for app in [
        "argocd",
        "cert-manager",
        "cert-manager-issuers",
        "external-dns",
        "vault",
        "vault-config-operator",
        "vault-config",
        "crossplane",
        "crossplane-gcp",
        "contour",
        "gateway-api",
        "kuma",
        "merbridge",
        "grafana",
        "opentelemetry-collector",
        "clickhouse-operator",
        "mayastor",
        "mayastor-pools",
        "kubevirt",
        "cdi",
        "vcluster-staging",
        "vcluster-prod",
        "sandboxes",
        "acets",
        "dronolab",
    ] {
        assert!(
            prod.contains(&format!("{app}.yaml")),
            "{app} missing from prod"
        );
    }
    let staging = files_under(&project_root().join("overlays/staging/apps"));
    assert!(!staging.contains(&"mayastor.yaml".to_string()));
    assert!(staging.contains(&"cert-manager.yaml".to_string()));
}

/// What adopting platc on a running Argo CD needs (issue 9), read from the adoption fixture's
/// output: names kept, projects outside the repository referenced as they are, waves ordered,
/// folders used in place, nothing empty emitted.
#[test]
fn the_adoption_fixture_keeps_names_projects_and_waves() {
    let repo = temp_repo(&fixtures().join("compile/adopt"));
    let root = repo.path();
    build(root);
    let read = |p: &str| std::fs::read_to_string(root.join("overlays").join(p)).unwrap();
    let vault = read("prod/apps/vault.yaml");
    assert!(vault.contains("  name: vault-server\n"), "{vault}");
    assert!(read("staging/apps/vault.yaml").contains("  name: vault-staging\n"));
    // ownArgocd: environments keep the component's name and the project's.
    let crds = read("prod/apps/crds.yaml");
    assert!(crds.contains("  name: crds\n") && crds.contains("  project: platform\n"));
    assert!(
        crds.contains("path: platform/manifests/crds\n"),
        "used in place: {crds}"
    );
    assert!(crds.contains("recurse: true") && crds.contains("exclude: \"*-test.yaml\""));
    // Explicit and computed waves: vault depends on crds (-5), so it syncs at -4.
    assert!(crds.contains("sync-wave: \"-5\""));
    assert!(vault.contains("sync-wave: \"-4\""));
    // Projects sync before the lowest wave.
    assert!(read("prod/projects/platform.yaml").contains("sync-wave: \"-6\""));
    // External projects are named, never generated.
    let old = read("prod/apps/old-app.yaml");
    assert!(old.contains("  project: legacy\n"), "{old}");
    assert!(!root.join("overlays/prod/projects/legacy.yaml").exists());
    assert!(!old.contains("syncPolicy"), "no empty syncPolicy: {old}");
    assert!(!read("prod/apps/chess.yaml").contains("finalizers"));
    assert!(read("prod/root.yaml").contains("  name: club-root-prod\n"));
    // A member added to the members file needs no build: Argo CD reads the file.
    let sandboxes = read("prod/apps/sandboxes.yaml");
    assert!(sandboxes.contains("path: platform/sandboxes/members.yaml"));
    assert!(!root.join("overlays/base/sandboxes").exists());
    // A chart kept in the repository reads its own values by relative path.
    assert!(read("prod/apps/site-chart.yaml").contains("- values-prod.yaml\n"));
    // The blueprint's own kustomization is used; its contributed role goes to vault-config.
    assert!(read("base/tenants/chess/kustomization.yaml").contains("configMapGenerator"));
    assert!(
        read("prod/components/vault-config/kustomization.yaml")
            .contains("../../../base/contributions/vault-config/chess")
    );
}

/// A GitHub token made up at run time, so that no credential is committed.
fn made_up_token() -> String {
    format!("ghp_{}{}", "kdwrafhiexbmtqvzjclnopsguykdw", "Zq9X2k")
}

/// `platc -C DIR ARGS --format json`: the exit code and the report.
fn json_report(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = platc()
        .arg("-C")
        .arg(dir)
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains(&made_up_token()[4..]), "{text}");
    (out.status.code(), serde_json::from_str(&text).unwrap())
}

fn findings(report: &serde_json::Value) -> Vec<serde_json::Value> {
    report["findings"].as_array().unwrap().clone()
}

#[test]
fn a_credential_in_a_copied_manifest_is_reported_at_its_source_line() {
    let repo = temp_repo(&fixtures().join("compile/local"));
    std::fs::write(
        repo.path().join("platform/apps/api/extra/secret.yaml"),
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: gh}}\nstringData:\n  token: {}\n",
            made_up_token()
        ),
    )
    .unwrap();
    let (code, report) = json_report(repo.path(), &["build"]);
    assert_eq!(code, Some(1), "{report:#}");
    let found = findings(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["file"], "platform/apps/api/extra/secret.yaml");
    assert_eq!(found[0]["line"], 5);
    assert_eq!(found[0]["column"], 10);
    // Where it would have been copied stays visible, two header lines further down.
    assert_eq!(
        found[0]["related"][0]["file"],
        "overlays/base/components/api/extra/secret.yaml"
    );
    assert_eq!(found[0]["related"][0]["line"], 7);
    assert!(
        !repo.path().join("overlays").exists(),
        "nothing was written"
    );
}

#[test]
fn a_credential_in_the_spec_is_reported_once_at_its_spec_line() {
    let repo = temp_repo(&fixtures().join("compile/helm"));
    let spec = repo.path().join("platform/platform.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("valuesInline: {replicas: 2,"))
        .unwrap()
        + 1;
    let text = text.replace(
        "valuesInline: {replicas: 2,",
        &format!(
            "valuesInline: {{githubToken: {}, replicas: 2,",
            made_up_token()
        ),
    );
    std::fs::write(&spec, text).unwrap();
    let (code, report) = json_report(repo.path(), &["build"]);
    assert_eq!(code, Some(1), "{report:#}");
    // Every environment's Application would carry it: one finding, at the spec.
    let found = findings(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["file"], "platform/platform.yaml");
    assert_eq!(found[0]["line"], line);
    assert!(
        found[0]["related"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["file"].as_str().unwrap().starts_with("overlays/")),
        "{report:#}"
    );
}

#[test]
fn check_reports_findings_on_copies_at_their_source_once() {
    let repo = temp_repo(&fixtures().join("compile/local"));
    std::fs::write(
        repo.path().join("platform/apps/api/extra/job.yaml"),
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: migrate\n          image: example.org/migrate:latest\n",
    )
    .unwrap();
    build(repo.path());
    let (_, report) = json_report(repo.path(), &["check"]);
    let found = findings(&report);
    let copies: Vec<&serde_json::Value> = found
        .iter()
        .filter(|f| {
            f["file"]
                .as_str()
                .is_some_and(|f| f.starts_with("overlays/"))
        })
        .collect();
    assert!(copies.is_empty(), "{copies:#?}");
    let latest: Vec<&serde_json::Value> = found
        .iter()
        .filter(|f| f["rule"] == "workload/image-tag")
        .collect();
    assert_eq!(latest.len(), 1, "{found:#?}");
    assert_eq!(latest[0]["file"], "platform/apps/api/extra/job.yaml");
    assert_eq!(latest[0]["line"], 10);
    // An Application's finding points at the spec entry it was generated from.
    let shared = found
        .iter()
        .find(|f| {
            f["rule"] == "argocd/shared-object" && f["message"].as_str().unwrap().contains("`crds-")
        })
        .expect("the fixture's CRD Application shares objects");
    assert_eq!(shared["file"], "platform/platform.yaml");
    assert_eq!(shared["line"], 11);
}

#[test]
fn a_patch_target_on_a_kustomize_folder_is_checked_against_its_build() {
    let repo = temp_repo(&fixtures().join("compile/local"));
    let spec = repo.path().join("platform/platform.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    // Tracking HEAD is fine outside production, and the original target selects the
    // folder's Deployment: the build passes.
    let staging_head = text.replace("- {name: staging}", "- {name: staging, revision: HEAD}");
    std::fs::write(&spec, &staging_head).unwrap();
    build(repo.path());
    std::fs::write(
        &spec,
        staging_head.replace(
            "target: {kind: Deployment, name: api}",
            "target: {kind: Deployment, name: apis}",
        ),
    )
    .unwrap();
    let (code, report) = json_report(repo.path(), &["build"]);
    assert_eq!(code, Some(2), "{report:#}");
    let found = findings(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["rule"], "spec/patch-target");
    assert_eq!(found[0]["line"], 33);
    assert!(
        found[0]["help"]
            .as_str()
            .unwrap()
            .contains("Deployment/api"),
        "{report:#}"
    );
}

/// `build` refuses a credential as `platc secrets` judges its source file: a `platc:allow`
/// there, `secrets.exclude` in `.platc.yaml` or the baseline accept it for the build too,
/// and the refusal names the source file and line.
#[test]
fn build_judges_credentials_as_the_secret_scan_does() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    std::fs::create_dir_all(root.join("platform/files")).unwrap();
    std::fs::write(
        root.join("platform/platform.yaml"),
        "apiVersion: platc.io/v1alpha1\nkind: Platform\nmetadata: {name: demo}\nspec:\n  repo: {url: https://git.example.org/demo.git}\n  environments: [{name: prod}]\n  components:\n    - {name: app, resources: [files/cm.yaml], labels: {team: a}}\n",
    )
    .unwrap();
    let manifest = |allow: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  token: {}{allow}\n",
            made_up_token()
        )
    };
    let file = root.join("platform/files/cm.yaml");
    std::fs::write(&file, manifest("")).unwrap();
    let (code, report) = json_report(root, &["build"]);
    assert_eq!(code, Some(1), "{report:#}");
    let leak = &findings(&report)[0];
    let rule = leak["rule"].as_str().unwrap().to_string();
    assert!(rule.starts_with("secrets/"), "{report:#}");
    assert_eq!(leak["file"], "platform/files/cm.yaml", "{report:#}");
    assert_eq!(leak["line"], 6, "{report:#}");

    // Waived on its line.
    std::fs::write(&file, manifest(&format!("  # platc:allow {rule}"))).unwrap();
    let (code, report) = json_report(root, &["build", "--check"]);
    let rules: Vec<String> = findings(&report)
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(code, Some(1));
    assert!(
        !rules.is_empty() && rules.iter().all(|r| r == "build/missing"),
        "stale, not refused: {rules:?}"
    );
    std::fs::write(&file, manifest("")).unwrap();

    // Excluded from the secret scan.
    std::fs::write(
        root.join(".platc.yaml"),
        "secrets:\n  exclude: [platform/files/]\n",
    )
    .unwrap();
    let (code, report) = json_report(root, &["build", "--check"]);
    assert!(
        findings(&report).iter().all(|f| f["rule"] != rule.as_str()),
        "{report:#}"
    );
    assert_eq!(code, Some(1), "stale, not refused");
    std::fs::remove_file(root.join(".platc.yaml")).unwrap();

    // Accepted by the baseline `platc secrets --write-baseline` writes.
    platc()
        .arg("-C")
        .arg(root)
        .args(["secrets", "--write-baseline"])
        .assert()
        .success();
    platc().arg("-C").arg(root).arg("build").assert().success();
}

/// `build --check` says which input made a file stale: a copied file, or the spec.
#[test]
fn a_stale_file_names_the_input_that_changed() {
    let repo = temp_repo(&project_root());
    let root = repo.path();
    build(root);
    let copied = root.join("platform/components/kubevirt/kubevirt.yaml");
    let text = std::fs::read_to_string(&copied).unwrap();
    std::fs::write(&copied, format!("{text}# a comment\n")).unwrap();
    let (code, report) = json_report(root, &["build", "--check"]);
    assert_eq!(code, Some(1));
    let stale: Vec<String> = findings(&report)
        .iter()
        .filter(|f| f["rule"] == "build/stale")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        stale,
        [
            "stale: `platform/components/kubevirt/kubevirt.yaml`, which it copies, changed since it was generated"
        ],
        "{report:#}"
    );
    std::fs::write(&copied, text).unwrap();
    let spec = root.join("platform/platform.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, text.replace("version: 7.7.11", "version: 7.7.12")).unwrap();
    let (_, report) = json_report(root, &["build", "--check"]);
    assert!(
        findings(&report).iter().any(|f| f["message"]
            == "stale: the spec `platform/platform.yaml` changed since it was generated"),
        "{report:#}"
    );
}
