//! `platc validate` end to end: the seed's mistakes, repo-aware file handling, real upstream CRDs
//! (vendored: tests/fixtures/upstream-crds) as the oracle, metadata checks, and the exit codes.

mod common;

use common::*;
use serde_json::Value;

fn validate(dir: &std::path::Path, extra: &[&str]) -> (i32, Value) {
    let out = platc()
        .arg("-C")
        .arg(dir)
        .args(["validate", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
    )
}

fn upstream_crds_dir() -> String {
    upstream_crds()
        .canonicalize()
        .unwrap()
        .display()
        .to_string()
}

/// (rule, line, column, message) of every finding at or above warning.
fn problems(report: &Value) -> Vec<(String, u64, u64, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "info")
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_seed_application_mistakes_are_all_reported() {
    let (code, report) = validate(&fixtures().join("validate/argo-mistakes"), &[]);
    assert_eq!(code, 1);
    let found = problems(&report);
    assert_eq!(
        found,
        vec![
            (
                "schema/unknown-field".into(),
                6,
                3,
                "unknown field `argocd.argoproj.io/sync-wave` in metadata".into()
            ),
            (
                "schema/missing-field".into(),
                7,
                1,
                "spec is missing the required field `project`".into()
            ),
            (
                "schema/unknown-field".into(),
                11,
                5,
                "unknown field `project` in spec.destination".into()
            ),
        ]
    );
    let helps: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["help"].as_str())
        .collect();
    assert!(helps.contains(&"`argocd.argoproj.io/sync-wave` looks like an annotation: move it under `metadata.annotations`"));
    assert!(helps.contains(&"`project` belongs in spec, not in spec.destination"));
    let paths: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(paths.contains(&"/spec/destination/project"));
}

#[test]
fn kustomizations_values_patches_charts_and_workflows_raise_nothing() {
    let (code, report) = validate(&fixtures().join("validate/repo-aware"), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert!(problems(&report).is_empty(), "{report:#}");
    // Only the Deployment and the ApplicationSet are objects.
    assert_eq!(report["summary"]["objects"], 2);
    // The one template outside a chart is skipped with a note.
    let notes: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "yaml/template")
        .collect();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["file"], "apps/web/extra.yaml");
}

#[test]
fn samples_of_every_component_validate_against_the_upstream_crds() {
    let crds = upstream_crds_dir();
    let (code, report) = validate(
        &fixtures().join("validate/crd-samples"),
        &["--schemas", &crds, "--strict-missing"],
    );
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["summary"]["objects"], 13);
    // The example platform's custom resources too (DiskPool has no upstream CRD file).
    let (_, report) = validate(&project_root(), &["--schemas", &crds]);
    let missing: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "schema/missing")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        missing,
        ["no schema for openebs.io/v1beta2 DiskPool (3 objects)"]
    );
    assert!(problems(&report).is_empty(), "{report:#}");
}

#[test]
fn broken_objects_are_explained() {
    let crds = upstream_crds_dir();
    let (code, report) = validate(&fixtures().join("validate/broken"), &["--schemas", &crds]);
    assert_eq!(code, 1);
    let rules: Vec<(String, u64)> = problems(&report)
        .into_iter()
        .map(|(r, l, _, _)| (r, l))
        .collect();
    assert_eq!(
        rules,
        [
            ("metadata/label", 6),
            ("schema/wrong-type", 8),
            ("schema/unknown-field", 22),
            ("metadata/namespace-on-cluster-scoped", 28),
            ("schema/secret-data", 35),
            ("metadata/invalid-name", 40),
            ("schema/wrong-type", 45),
            ("yaml/duplicate-key", 53),
        ]
        .map(|(r, l)| (r.to_string(), l))
    );
    let text = report.to_string();
    assert!(text.contains("did you mean `protocol`?"));
    assert!(text.contains("this is a quoted number: remove the quotes"));
    // --fail-on warning also fails on the namespace warning alone; info never fails.
    let (code, _) = validate(
        &fixtures().join("validate/repo-aware"),
        &["--fail-on", "warning"],
    );
    assert_eq!(code, 0);
}

#[test]
fn missing_schemas_are_information_unless_strict() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("x.yaml"),
        "apiVersion: example.org/v1\nkind: Widget\nmetadata: {name: w}\n",
    )
    .unwrap();
    let (code, report) = validate(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(report["findings"][0]["rule"], "schema/missing");
    assert_eq!(report["findings"][0]["severity"], "info");
    assert!(
        report["findings"][0]["help"]
            .as_str()
            .unwrap()
            .contains("platc schemas import")
    );
    let (code, _) = validate(dir.path(), &["--strict-missing"]);
    assert_eq!(code, 1);
}

#[test]
fn crds_in_the_repository_are_learned() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        upstream_crds().join("cert-manager/cert-manager.io_certificates.yaml"),
        dir.path().join("crd.yaml"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("cert.yaml"),
        "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c, namespace: certs}\nspec:\n  secretName: c\n  issuerRef: {name: x}\n  dnsNmes: [a.example.org]\n",
    )
    .unwrap();
    let (code, report) = validate(dir.path(), &["--strict-missing"]);
    assert_eq!(code, 1);
    let found = problems(&report);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "schema/unknown-field");
    assert_eq!((found[0].1, found[0].2), (7, 3));
    assert!(report.to_string().contains("did you mean `dnsNames`?"));
}

#[test]
fn schemas_import_writes_one_schema_per_served_version() {
    let dir = tempfile::tempdir().unwrap();
    platc()
        .arg("-C")
        .arg(dir.path())
        .args(["schemas", "import"])
        .arg(upstream_crds().join("gateway-api"))
        .assert()
        .success();
    let files = files_under(&dir.path().join("schemas/crds"));
    assert!(
        files.contains(&"gateway.networking.k8s.io/httproute_v1.json".to_string()),
        "{files:?}"
    );
    assert!(
        files.contains(&"gateway.networking.k8s.io/httproute_v1beta1.json".to_string()),
        "{files:?}"
    );
    // Imported schemas are used from then on, with no --schemas.
    std::fs::write(
        dir.path().join("route.yaml"),
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: web}\nspec:\n  hostname: [a.example.org]\n",
    )
    .unwrap();
    let (code, report) = validate(dir.path(), &["--strict-missing"]);
    assert_eq!(code, 1);
    assert!(
        report.to_string().contains("did you mean `hostnames`?"),
        "{report:#}"
    );
    // And from standard input, as `kubectl get crd -o yaml | platc schemas import -` does.
    let stdin =
        std::fs::read(upstream_crds().join("cert-manager/cert-manager.io_issuers.yaml")).unwrap();
    platc()
        .arg("-C")
        .arg(dir.path())
        .args(["schemas", "import", "-"])
        .write_stdin(stdin)
        .assert()
        .success();
    assert!(
        dir.path()
            .join("schemas/crds/cert-manager.io/issuer_v1.json")
            .is_file()
    );
}

#[test]
fn every_upstream_crd_converts_and_compiles() {
    let crds = upstream_crds();
    let mut count = 0;
    // Every failure is listed, not only the first one.
    let mut failures = Vec::new();
    for file in platc::schema::import::yaml_files(&crds) {
        let name = file.strip_prefix(&crds).unwrap().display().to_string();
        let text = std::fs::read_to_string(&file).unwrap();
        let imported = match platc::schema::import::from_text(&text) {
            Ok(imported) => imported,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        for schema in imported {
            let json: Value = serde_json::from_str(&schema.text).unwrap();
            match platc::schema::Schema::compile(
                &schema.api_version,
                &schema.kind,
                std::sync::Arc::new(json),
            ) {
                Ok(_) => count += 1,
                Err(e) => failures.push(format!("{name}: {}", e.lines().next().unwrap_or(""))),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(count > 150, "{count} schemas");
}

#[test]
fn patches_are_checked_in_the_built_output_only() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("validate/repo-aware"), dir.path());
    // A strategic-merge patch that breaks the Deployment: alone it is a partial object (not
    // validated), but the build applies it.
    std::fs::write(
        dir.path().join("apps/web/patches/replicas.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: two\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("apps/web/settings.yaml"),
        "mode: production\n",
    )
    .unwrap();
    let (code, report) = validate(dir.path(), &["--kustomize", "kubectl"]);
    assert_eq!(code, 1, "{report:#}");
    let found = problems(&report);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "schema/wrong-type");
    assert_eq!(
        found[0].3,
        "spec.replicas: expected integer, found the string \"two\" (in the output of building `apps/web`)"
    );
    assert_eq!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "schema/wrong-type")
            .unwrap()["file"],
        "apps/web/kustomization.yaml"
    );
    // Without builds, nothing is wrong in the raw files.
    let (code, _) = validate(dir.path(), &["--no-build"]);
    assert_eq!(code, 0);
    // A broken kustomization is reported, not fatal.
    std::fs::write(
        dir.path().join("apps/web/kustomization.yaml"),
        "resources: [missing.yaml]\n",
    )
    .unwrap();
    let (code, report) = validate(dir.path(), &["--kustomize", "kubectl"]);
    assert_eq!(code, 1);
    assert!(
        problems(&report)
            .iter()
            .any(|p| p.0 == "kustomize/build-failed"),
        "{report:#}"
    );
}

#[test]
fn schema_folders_in_the_kubeconform_layout_are_read() {
    let dir = tempfile::tempdir().unwrap();
    // Convert a CRD, then lay its schema out as kubeconform names files: <kind>-<group>-<version>.json.
    let text = std::fs::read_to_string(
        upstream_crds().join("cert-manager/cert-manager.io_certificates.yaml"),
    )
    .unwrap();
    let schema = platc::schema::import::from_text(&text).unwrap().remove(0);
    let schemas = dir.path().join("kubeconform");
    std::fs::create_dir_all(&schemas).unwrap();
    std::fs::write(
        schemas.join("certificate-cert-manager.io-v1.json"),
        &schema.text,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("cert.yaml"),
        "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c, namespace: certs}\nspec:\n  secretName: c\n  issuerRef: {name: x}\n  dnsNmes: [a.example.org]\n",
    )
    .unwrap();
    let (code, report) = validate(
        dir.path(),
        &["--schemas", "kubeconform", "--strict-missing"],
    );
    assert_eq!(code, 1, "{report:#}");
    assert!(report.to_string().contains("did you mean `dnsNames`?"));
}
