//! `platc validate` and the Kubernetes version: removed built-in APIs are named as removed
//! (not as a missing CRD), and a version platc has no schemas for is refused rather than
//! silently validated against another one.

mod common;

use common::*;
use serde_json::Value;

fn run(dir: &std::path::Path, args: &[&str]) -> (i32, Value, String) {
    let out = platc()
        .arg("-C")
        .arg(dir)
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn findings(report: &Value) -> Vec<&Value> {
    report["findings"].as_array().unwrap().iter().collect()
}

const REMOVED: &str = "apiVersion: networking.k8s.io/v1beta1
kind: Ingress
metadata:
  name: web
spec: {}
---
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: api
spec: {}
---
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: restricted
spec: {}
";

#[test]
fn validate_names_removed_apis_with_their_replacement() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("old.yaml"), REMOVED).unwrap();
    let (code, report, _) = run(dir.path(), &["validate"]);
    assert_eq!(code, 1, "{report:#}");
    let all = findings(&report);
    assert!(
        all.iter().all(|f| f["rule"] != "schema/missing"),
        "a removed API is not a missing CRD: {report:#}"
    );
    let removed: Vec<(&str, u64, &str)> = all
        .iter()
        .filter(|f| f["rule"] == "schema/removed-api")
        .map(|f| {
            (
                f["message"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["help"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(removed.len(), 3, "{report:#}");
    assert!(
        removed[0]
            .0
            .contains("networking.k8s.io/v1beta1 Ingress was removed in Kubernetes 1.22")
    );
    assert_eq!(removed[0].1, 1);
    assert_eq!(removed[0].2, "use networking.k8s.io/v1");
    assert!(
        removed[1]
            .0
            .contains("extensions/v1beta1 Deployment was removed in Kubernetes 1.16")
    );
    assert_eq!(removed[1].2, "use apps/v1");
    assert!(removed[2].0.contains("removed in Kubernetes 1.25"));
    assert!(removed[2].2.contains("Pod Security Admission"));
}

#[test]
fn lint_and_validate_together_report_a_removed_api_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("old.yaml"), REMOVED).unwrap();
    let (_, report, _) = run(dir.path(), &["check"]);
    let ingress: Vec<&str> = findings(&report)
        .iter()
        .filter(|f| {
            f["message"]
                .as_str()
                .unwrap()
                .contains("Ingress was removed")
        })
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(ingress, ["deprecated/removed-api"], "{report:#}");
}

#[test]
fn a_version_without_embedded_schemas_is_a_usage_error_listing_the_embedded_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    )
    .unwrap();
    let embedded: Vec<&str> = platc::schema::core::versions().collect();
    for unsupported in ["1.20", "1.99"] {
        let (code, _, err) = run(
            dir.path(),
            &["validate", "--kubernetes-version", unsupported],
        );
        assert_eq!(code, 2, "{unsupported}: {err}");
        assert!(
            err.contains(&format!("no schemas for Kubernetes {unsupported}")),
            "{err}"
        );
        for v in &embedded {
            assert!(err.contains(v), "{err} lists {v}");
        }
    }
    for v in &embedded {
        let (code, _, err) = run(dir.path(), &["validate", "--kubernetes-version", v]);
        assert_eq!(code, 0, "{v}: {err}");
    }
}

#[test]
fn lint_still_judges_deprecations_against_a_version_without_schemas() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("old.yaml"), REMOVED).unwrap();
    let (_, report, err) = run(dir.path(), &["lint", "--kubernetes-version", "1.20"]);
    let ingress = findings(&report)
        .into_iter()
        .find(|f| f["message"].as_str().unwrap().contains("Ingress"))
        .unwrap_or_else(|| panic!("{err}"));
    // Served (deprecated) in 1.20, not removed.
    assert_eq!(ingress["severity"], "warning", "{ingress:#}");
}

#[test]
fn a_spec_environment_on_an_unsupported_version_is_a_finding_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("platform")).unwrap();
    let spec = "apiVersion: platc.io/v1alpha1\nkind: Platform\nmetadata:\n  name: club\nspec:\n  environments:\n    - name: legacy\n      kubernetesVersion: \"1.20\"\n    - name: prod\n      kubernetesVersion: \"1.34\"\n";
    std::fs::write(dir.path().join("platform/platform.yaml"), spec).unwrap();
    std::fs::write(
        dir.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    )
    .unwrap();
    let (code, report, err) = run(dir.path(), &["validate", "--no-build"]);
    assert_eq!(code, 1, "{err}");
    let f = findings(&report)
        .into_iter()
        .find(|f| f["rule"] == "schema/kubernetes-version")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(f["severity"], "error");
    assert_eq!(f["file"], "platform/platform.yaml");
    assert_eq!(f["line"], 8);
    assert_eq!(f["path"], "/spec/environments/0/kubernetesVersion");
    assert!(f["message"].as_str().unwrap().contains("1.20"), "{f:#}");
}

/// A CRD as `kubectl get crd -o yaml` prints it (no leading `---`).
fn crd(kind: &str) -> String {
    let plural = format!("{}s", kind.to_lowercase());
    format!(
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: {plural}.example.org
spec:
  group: example.org
  names: {{kind: {kind}, plural: {plural}}}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {{type: object, properties: {{size: {{type: integer}}}}}}
"
    )
}

#[test]
fn schemas_import_refuses_crds_concatenated_without_separators() {
    let dir = tempfile::tempdir().unwrap();
    let concatenated = format!("{}{}{}", crd("Alpha"), crd("Beta"), crd("Gamma"));
    let out = platc()
        .arg("-C")
        .arg(dir.path())
        .args(["schemas", "import", "-"])
        .write_stdin(concatenated)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    // Where, how many, and what to do; nothing half-imported.
    assert!(
        err.contains("error: -:19:1: one YAML document holds 3 objects"),
        "{err}"
    );
    assert!(err.contains("lines 2, 19, 36"), "{err}");
    assert!(err.contains("`---`"), "{err}");
    assert!(!dir.path().join("schemas").exists());

    // Separated, all of them are imported and counted.
    let separated = format!("{}---\n{}---\n{}", crd("Alpha"), crd("Beta"), crd("Gamma"));
    let out = platc()
        .arg("-C")
        .arg(dir.path())
        .args(["schemas", "import", "-"])
        .write_stdin(separated)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("imported 3 schemas from 3 CustomResourceDefinitions"),
        "{err}"
    );
    for kind in ["alpha", "beta", "gamma"] {
        assert!(
            dir.path()
                .join(format!("schemas/crds/example.org/{kind}_v1.json"))
                .is_file()
        );
    }
}

#[test]
fn did_you_mean_never_suggests_a_name_that_is_itself_invalid() {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("spec-errors/_scaffold"), repo.path());
    let spec = "apiVersion: platc.io/v1alpha1
kind: Platform
metadata: {name: demo}
spec:
  repo: {url: https://git.example.org/x.git}
  environments: [{name: prod_2}, {name: staging}]
  components:
    - name: web
      resources: [files/manifests]
      environments:
        prod2: {enabled: false}
";
    std::fs::write(repo.path().join("platform/platform.yaml"), spec).unwrap();
    let (code, report, err) = run(repo.path(), &["build"]);
    assert_eq!(code, 2, "{err}");
    let all = findings(&report);
    let unknown = all
        .iter()
        .find(|f| f["rule"] == "spec/unknown-environment")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert!(
        !unknown.to_string().contains("prod_2"),
        "an invalid name is offered: {unknown:#}"
    );
    // The invalid name is an error of its own.
    assert!(
        all.iter()
            .any(|f| f["rule"] != "spec/unknown-environment" && f.to_string().contains("prod_2")),
        "{report:#}"
    );
}

#[test]
fn versions_back_to_1_27_are_embedded_and_judge_their_own_apis() {
    let embedded: Vec<&str> = platc::schema::core::versions().collect();
    for v in ["1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"] {
        assert!(embedded.contains(&v), "{v} in {embedded:?}");
    }
    // flowcontrol v1beta3 is served up to 1.31 and removed in 1.32: the same object is
    // valid for one and named as removed for the other.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("flow.yaml"),
        "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata:\n  name: batch\nspec:\n  priorityLevelConfiguration:\n    name: workload-low\n  matchingPrecedence: 1000\n",
    )
    .unwrap();
    let (code, report, err) = run(dir.path(), &["validate", "--kubernetes-version", "1.31"]);
    assert_eq!(code, 0, "{err}{report:#}");
    let (code, report, _) = run(dir.path(), &["validate", "--kubernetes-version", "1.32"]);
    assert_eq!(code, 1);
    assert!(
        findings(&report)
            .iter()
            .any(|f| f["rule"] == "schema/removed-api"
                && f["message"]
                    .as_str()
                    .unwrap()
                    .contains("removed in Kubernetes 1.32")),
        "{report:#}"
    );
    // And an older schema is a real one: a misspelt field is found with 1.27 too.
    std::fs::write(
        dir.path().join("flow.yaml"),
        "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata:\n  name: batch\nspec:\n  priorityLevelConfiguration:\n    name: workload-low\n  matchingPrecedance: 1000\n",
    )
    .unwrap();
    let (code, report, _) = run(dir.path(), &["validate", "--kubernetes-version", "1.27"]);
    assert_eq!(code, 1);
    assert!(
        findings(&report)
            .iter()
            .any(|f| f["rule"] == "schema/unknown-field"),
        "{report:#}"
    );
}
