//! The CRD catalog platc embeds (schemas/crd-catalog): it is what converting the vendored
//! upstream CRDs gives (tests/fixtures/upstream-crds), every schema in it is the CRD's own,
//! and a fresh repository validates cert-manager and prometheus-operator objects with no
//! `--schemas`, its own CRDs first.

mod common;

use std::collections::HashMap;

use common::*;
use platc::schema::catalog::{self, build};
use serde_json::Value;

/// The CRDs platc ships on their own, left out of the catalog (as the xtask does).
const SHIPPED_PROJECTS: [&str; 1] = ["argo-cd"];

/// A schema with every `$ref` to its definitions replaced by the definition.
fn inline(node: &Value, definitions: &serde_json::Map<String, Value>) -> Value {
    match node {
        Value::Object(m) => {
            if let Some(name) = m
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/definitions/"))
            {
                return inline(&definitions[name], definitions);
            }
            Value::Object(
                m.iter()
                    .filter(|(k, _)| k.as_str() != "definitions")
                    .map(|(k, v)| (k.clone(), inline(v, definitions)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| inline(v, definitions)).collect()),
        other => other.clone(),
    }
}

/// One test, since reading the 42 MB of upstream CRDs is most of its time: the committed
/// catalog is what they give, and each schema in it is its CRD's, converted.
#[test]
fn committed_catalog_is_what_the_upstream_crds_give() {
    let sources =
        std::fs::read_to_string(fixtures().join("upstream-crds/SOURCES.md")).expect("SOURCES.md");
    let projects = build::read_projects(&upstream_crds(), &SHIPPED_PROJECTS).unwrap();
    let converted: HashMap<String, build::ConvertedKind> = projects
        .iter()
        .flat_map(|(_, kinds)| kinds.iter().map(|k| (k.key.clone(), k.clone())))
        .collect();
    let built = build::build_from(projects, &sources);
    let dir = project_root().join("schemas/crd-catalog");
    if std::env::var_os("PLATC_BLESS").is_some() {
        std::fs::write(dir.join("index.tsv"), &built.index).unwrap();
        std::fs::write(dir.join("catalog.bin"), &built.blob).unwrap();
        std::fs::write(dir.join("SOURCES.md"), &built.sources).unwrap();
        return;
    }
    let stale = "the CRD catalog is stale: run `cargo run -p xtask -- crd-catalog` (or PLATC_BLESS=1 cargo test --test crd_catalog)";
    assert_eq!(
        std::fs::read_to_string(dir.join("index.tsv")).unwrap(),
        built.index,
        "{stale}"
    );
    assert!(
        std::fs::read(dir.join("catalog.bin")).unwrap() == built.blob,
        "{stale}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("SOURCES.md")).unwrap(),
        built.sources,
        "{stale}"
    );
    // Attribution: every project named with its version and license, the texts beside it.
    for project in [
        "cert-manager",
        "prometheus-operator",
        "gateway-api",
        "kyverno",
    ] {
        assert!(
            built.sources.lines().any(|l| l
                .starts_with(&format!("| {project} | https://github.com/"))
                && l.contains("Apache-2.0")),
            "{project} is not attributed"
        );
    }
    for license in [
        "Apache-2.0.txt",
        "prometheus-operator-NOTICE.txt",
        "traefik-LICENSE-MIT.txt",
    ] {
        assert!(dir.join("licenses").join(license).is_file(), "{license}");
    }

    // The embedded catalog, with its shared subschemas inlined, is each CRD converted.
    let catalog = catalog::embedded();
    assert_eq!(catalog.kinds.len(), converted.len());
    assert!(catalog.kinds.len() > 400, "{}", catalog.kinds.len());
    for kind in &catalog.kinds {
        let key = format!("{} {}", kind.api_version, kind.kind);
        let schema = catalog.schema(kind).unwrap();
        let empty = serde_json::Map::new();
        let definitions = schema
            .get("definitions")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let expected = &converted[&key];
        assert!(inline(&schema, definitions) == expected.schema, "{key}");
        assert_eq!(kind.namespaced, expected.namespaced, "{key}");
        // No upstream pattern is left out today: every keyword of the catalog is checked.
        assert!(expected.dropped.is_empty(), "{key}: {:?}", expected.dropped);
        assert!(catalog.dropped_patterns(kind).is_empty(), "{key}");
        // And it compiles.
        platc::schema::Schema::compile(&kind.api_version, &kind.kind, std::sync::Arc::new(schema))
            .unwrap_or_else(|e| panic!("{key}: {e}"));
    }
}

fn validate(dir: &std::path::Path) -> (i32, Value) {
    let out = platc()
        .arg("-C")
        .arg(dir)
        .args(["validate", "--format", "json"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
    )
}

/// (rule, file, line, message) of every finding.
fn findings(report: &Value) -> Vec<(String, String, u64, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const CERTIFICATE: &str = "apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web, namespace: web}
spec:
  secretName: web-tls
  issuerRef: {name: letsencrypt, kind: ClusterIssuer}
  dnsNmes: [web.example.org]
";

const SERVICE_MONITOR: &str = "apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: web, namespace: web}
spec:
  selector: {matchLabels: {app: web}}
  endpoints:
    - port: http
      intervall: 30s
";

fn fresh_repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    std::fs::write(dir.path().join("certificate.yaml"), CERTIFICATE).unwrap();
    std::fs::write(dir.path().join("servicemonitor.yaml"), SERVICE_MONITOR).unwrap();
    dir
}

#[test]
fn a_fresh_repository_validates_catalog_kinds_with_no_schemas() {
    let dir = fresh_repository();
    let (code, report) = validate(dir.path());
    assert_eq!(code, 1, "{report:#}");
    let found = findings(&report);
    assert!(
        found.iter().all(|f| f.0 != "schema/missing"),
        "the catalog knows both kinds: {found:#?}"
    );
    let unknown: Vec<(&str, u64, &str)> = found
        .iter()
        .filter(|f| f.0 == "schema/unknown-field")
        .map(|f| (f.1.as_str(), f.2, f.3.as_str()))
        .collect();
    assert_eq!(unknown.len(), 2, "{found:#?}");
    assert_eq!((unknown[0].0, unknown[0].1), ("certificate.yaml", 7));
    assert!(unknown[0].2.contains("dnsNmes"), "{unknown:?}");
    assert_eq!((unknown[1].0, unknown[1].1), ("servicemonitor.yaml", 8));
    assert!(unknown[1].2.contains("intervall"), "{unknown:?}");
    assert!(
        report.to_string().contains("did you mean `dnsNames`?"),
        "{report:#}"
    );
    // The version the catalog pins is named, with what to do when the cluster's differs.
    assert!(
        report
            .to_string()
            .contains("the schema comes from platc's CRD catalog (cert-manager"),
        "{report:#}"
    );
}

#[test]
fn the_repository_crd_comes_before_the_catalog() {
    let dir = fresh_repository();
    // The repository's own Certificate CRD: a spec that keeps every field.
    std::fs::write(
        dir.path().join("crd.yaml"),
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: certificates.cert-manager.io}
spec:
  group: cert-manager.io
  names: {kind: Certificate, plural: certificates}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
",
    )
    .unwrap();
    let (code, report) = validate(dir.path());
    assert_eq!(code, 1, "{report:#}");
    let files: Vec<String> = findings(&report)
        .into_iter()
        .filter(|f| f.0 == "schema/unknown-field")
        .map(|f| f.1)
        .collect();
    assert_eq!(files, ["servicemonitor.yaml"], "{report:#}");
}

#[test]
fn a_pattern_that_cannot_compile_is_one_info_finding_at_the_crd() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("crd.yaml"),
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.org}
spec:
  group: example.org
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                mode: {type: string, pattern: '^(?P<x>a)(?m)$'}
                size: {type: integer}
",
    )
    .unwrap();
    let widget = |name: &str| {
        format!(
            "apiVersion: example.org/v1\nkind: Widget\nmetadata: {{name: {name}, namespace: w}}\nspec: {{mode: zzz, size: big}}\n"
        )
    };
    std::fs::write(
        dir.path().join("widgets.yaml"),
        format!("{}---\n{}", widget("a"), widget("b")),
    )
    .unwrap();
    let (code, report) = validate(dir.path());
    assert_eq!(code, 1, "{report:#}");
    let found = findings(&report);
    let dropped: Vec<_> = found
        .iter()
        .filter(|f| f.0 == "schema/pattern-unsupported")
        .collect();
    assert_eq!(
        dropped.len(),
        1,
        "one per keyword, never per object: {found:#?}"
    );
    assert_eq!((dropped[0].1.as_str(), dropped[0].2), ("crd.yaml", 1));
    assert!(dropped[0].3.contains("spec.mode"), "{dropped:?}");
    let severity = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "schema/pattern-unsupported")
        .unwrap()["severity"]
        .clone();
    assert_eq!(severity, "info");
    // The rest of the schema still holds: `size` is checked on both objects.
    assert_eq!(
        found.iter().filter(|f| f.0 == "schema/wrong-type").count(),
        2,
        "{found:#?}"
    );
}

/// A Crossplane v1 composition (patch-and-transform `resources`, `patchSets`: gone in v2, the
/// catalog's version), a Certificate without its required `issuerRef`, and one with a typo.
const OTHER_VERSION: &str = "apiVersion: apiextensions.crossplane.io/v1
kind: Composition
metadata: {name: s3}
spec:
  compositeTypeRef: {apiVersion: example.org/v1alpha1, kind: XBucket}
  patchSets:
    - {name: common, patches: []}
  resources:
    - {name: bucket, base: {}}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web, namespace: web}
spec:
  secretName: web-tls
  dnsNames: [web.example.org]
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: api, namespace: web}
spec:
  secretName: api-tls
  issuerRef: {name: letsencrypt, kind: ClusterIssuer}
  dnsNames: [api.example.org]
  duraton: 2160h
";

#[test]
fn fields_of_another_crd_version_are_warnings_against_the_catalog_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("objects.yaml"), OTHER_VERSION).unwrap();
    let (code, report) = validate(dir.path());
    // The typo is an error whatever the version: it fails the run.
    assert_eq!(code, 1, "{report:#}");
    let found: Vec<(String, u64, String)> = findings(&report)
        .into_iter()
        .map(|f| (f.0, f.2, f.3))
        .collect();
    let rules: Vec<(&str, u64)> = found.iter().map(|f| (f.0.as_str(), f.1)).collect();
    assert_eq!(
        rules,
        [
            ("schema/catalog-version", 6),
            ("schema/catalog-version", 8),
            ("schema/catalog-version", 14),
            ("schema/unknown-field", 25),
        ],
        "{report:#}"
    );
    let severities: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    assert_eq!(severities, ["warning", "warning", "warning", "error"]);
    // Each names the version checked against and how to give the cluster's own CRD.
    assert!(found[0].2.contains("`patchSets`"), "{found:?}");
    assert!(
        found[0].2.contains("checked against crossplane v"),
        "{found:?}"
    );
    assert!(found[2].2.contains("`issuerRef`"), "{found:?}");
    assert!(
        found[2].2.contains("checked against cert-manager v"),
        "{found:?}"
    );
    let help = report["findings"][0]["help"].as_str().unwrap();
    assert!(help.contains("platc schemas import"), "{help}");
    assert!(report.to_string().contains("did you mean `duration`?"));

    // The repository's own CRD is what the cluster runs: against it, errors.
    std::fs::write(
        dir.path().join("crd.yaml"),
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: compositions.apiextensions.crossplane.io}
spec:
  group: apiextensions.crossplane.io
  names: {kind: Composition, plural: compositions}
  scope: Cluster
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                compositeTypeRef: {type: object, x-kubernetes-preserve-unknown-fields: true}
",
    )
    .unwrap();
    let (code, report) = validate(dir.path());
    assert_eq!(code, 1, "{report:#}");
    let rules: Vec<(String, u64)> = findings(&report)
        .into_iter()
        .filter(|f| f.1 == "objects.yaml")
        .map(|f| (f.0, f.2))
        .collect();
    assert_eq!(
        rules,
        [
            ("schema/unknown-field".to_string(), 6),
            ("schema/unknown-field".into(), 8),
            ("schema/catalog-version".into(), 14),
            ("schema/unknown-field".into(), 25),
        ],
        "{report:#}"
    );
}
