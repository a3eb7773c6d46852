//! The report formats: json, sarif, junit and github carry the same findings.

mod common;

use common::*;

fn run(format: &str) -> String {
    let out = platc()
        .arg("-C")
        .arg(fixtures().join("validate/argo-mistakes"))
        .args(["validate", "--format", format])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn sarif_has_one_result_per_finding_with_regions() {
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["ruleId"], "schema/unknown-field");
    assert_eq!(results[0]["level"], "error");
    let region = &results[0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(6), Some(3))
    );
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "kuma.yaml"
    );
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), 2);
}

#[test]
fn junit_fails_one_case_per_error() {
    let xml = run("junit");
    assert!(xml.starts_with("<?xml"));
    assert_eq!(xml.matches("<testcase ").count(), 3);
    assert_eq!(xml.matches("<failure ").count(), 3);
    assert!(xml.contains("name=\"kuma.yaml:11:5\""));
    assert!(xml.contains("help: `project` belongs in spec, not in spec.destination</failure>"));
    assert!(xml.contains("object: argoproj.io/v1alpha1 Application argocd/kuma"));
}

#[test]
fn github_annotations_are_escaped_workflow_commands() {
    let text = run("github");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(
        lines[0].starts_with("::error file=kuma.yaml,line=6,col=3,title=schema/unknown-field::")
    );
    assert!(lines[0].contains("%0A"), "newlines are escaped");
    assert!(lines[3].starts_with("platc: 3 errors"));
}

#[test]
fn human_output_shows_the_source_line() {
    let text = run("human");
    assert!(text.contains("kuma.yaml:11:5"));
    assert!(text.contains("project: platform"), "{text}");
    assert!(text.contains("help: `project` belongs in spec, not in spec.destination"));
}

#[test]
fn junit_passes_warnings_with_their_output_unless_they_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: site}\nspec:\n  containers:\n    - {name: web, image: \"nginx:latest\"}\n",
    )
    .unwrap();
    let junit = |extra: &[&str]| {
        let out = platc()
            .arg("-C")
            .arg(dir.path())
            .args(["lint", "--no-build", "--format", "junit"])
            .args(extra)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let xml = junit(&[]);
    assert!(xml.contains("classname=\"workload/image-tag\""), "{xml}");
    assert!(!xml.contains("<failure "), "{xml}");
    assert!(xml.contains("failures=\"0\""), "{xml}");
    assert!(xml.contains("<system-out>warning: "), "{xml}");
    let xml = junit(&["--fail-on", "warning"]);
    assert!(xml.contains("<failure type=\"warning\""), "{xml}");
    assert!(!xml.contains("failures=\"0\""), "{xml}");
}
