//! Emitted Applications, AppProjects and ApplicationSets validate against the upstream
//! Argo CD CRDs (vendored: tests/fixtures/upstream-crds).

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::*;
use platc::schema::{Problem, Schema, crd};
use platc::yaml::parse_stream;

fn argo_schemas() -> HashMap<String, Schema> {
    let mut out = HashMap::new();
    for file in [
        "application-crd.yaml",
        "appproject-crd.yaml",
        "applicationset-crd.yaml",
    ] {
        let text = std::fs::read_to_string(upstream_crds().join("argo-cd").join(file)).unwrap();
        let doc = parse_stream(&text).unwrap().documents.remove(0).to_json();
        for version in crd::convert(&doc).unwrap() {
            let key = format!("{} {}", version.api_version(), version.kind);
            let schema = Schema::compile(
                &version.api_version(),
                &version.kind,
                Arc::new(version.schema),
            )
            .unwrap();
            out.insert(key, schema);
        }
    }
    out
}

/// Validate every Argo object under `overlays/`; returns how many were checked.
fn validate_tree(schemas: &HashMap<String, Schema>, overlays: &std::path::Path) -> usize {
    let mut checked = 0;
    let mut problems = Vec::new();
    for file in files_under(overlays) {
        let text = std::fs::read_to_string(overlays.join(&file)).unwrap();
        for doc in parse_stream(&text).unwrap().documents {
            let json = doc.to_json();
            let key = format!(
                "{} {}",
                json["apiVersion"].as_str().unwrap_or(""),
                json["kind"].as_str().unwrap_or("")
            );
            if let Some(schema) = schemas.get(&key) {
                checked += 1;
                for v in schema.validate(&json) {
                    problems.push(format!("{file}: {} {:?}", v.pointer, v.problem));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    checked
}

#[test]
fn the_example_platform_validates_against_the_argo_cd_crds() {
    let schemas = argo_schemas();
    let checked = validate_tree(&schemas, &project_root().join("overlays"));
    assert!(checked > 40, "only {checked} objects checked");
}

#[test]
fn every_compile_fixture_validates_against_the_argo_cd_crds() {
    let schemas = argo_schemas();
    for fixture in compile_fixtures() {
        let repo = temp_repo(&fixture);
        build(repo.path());
        assert!(validate_tree(&schemas, &repo.path().join("overlays")) > 0);
    }
}

fn unknown(field: &str) -> impl Fn(&Problem) -> bool + '_ {
    move |p| matches!(p, Problem::UnknownField { field: f, .. } if f == field)
}

#[test]
fn the_schemas_catch_the_mistakes_the_seed_made() {
    // `project` under destination: unknown there, and missing from spec.
    let schemas = argo_schemas();
    let application = &schemas["argoproj.io/v1alpha1 Application"];
    let app = parse_stream(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: kuma, namespace: argocd}\nspec:\n  destination: {server: https://kubernetes.default.svc, namespace: kuma, project: default}\n  source: {repoURL: https://x, path: a, targetRevision: main}\n",
    )
    .unwrap()
    .documents
    .remove(0)
    .to_json();
    let violations = application.validate(&app);
    assert!(
        violations
            .iter()
            .any(|v| v.pointer == "/spec/destination" && unknown("project")(&v.problem)),
        "{violations:?}"
    );
    assert!(
        violations.iter().any(|v| v.pointer == "/spec"
            && v.problem
                == Problem::Required {
                    field: "project".into()
                }),
        "{violations:?}"
    );

    // The sync-wave annotation written straight under metadata.
    let misplaced = parse_stream(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: kuma\n  argocd.argoproj.io/sync-wave: \"2\"\nspec:\n  project: default\n  destination: {server: https://kubernetes.default.svc}\n  source: {repoURL: https://x, path: a}\n",
    )
    .unwrap()
    .documents
    .remove(0)
    .to_json();
    let violations = application.validate(&misplaced);
    assert!(
        violations.iter().any(
            |v| v.pointer == "/metadata" && unknown("argocd.argoproj.io/sync-wave")(&v.problem)
        ),
        "{violations:?}"
    );
}
