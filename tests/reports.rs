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

fn report_schema(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(fixtures().join("report-schemas").join(name)).unwrap();
    // The published SARIF schema's `language` pattern has a stray `]`, which the validator
    // refuses to compile; platc never writes `language`.
    let text = text.replace(
        "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
        "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$",
    );
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid(validator: &jsonschema::Validator, doc: &serde_json::Value) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
}

/// A made-up GitHub token's body (not a credential).
const TOKEN_BODY: &str = "R7c9XqLm2Vt8bN4kPz6Hs1Jw3Dy5Fg0AeQuK";

/// A repository with a schema error and a leaked token, and its findings in `format`.
fn mixed_repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    // Assembled here, so that the project's own secret scan does not see a token in this file.
    let token = ["ghp", "_", TOKEN_BODY].concat();
    std::fs::write(
        dir.path().join("cm.yaml"),
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: app, namespace: web}}\ndata:\n  token: {token}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("svc.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: web}\nspec:\n  selector: {app: web}\n  portz: [{port: 80}]\n",
    )
    .unwrap();
    dir
}

fn run_in(dir: &std::path::Path, command: &str, format: &str) -> serde_json::Value {
    let out = platc()
        .arg("-C")
        .arg(dir)
        .args([command, "--format", format])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn sarif_is_valid_sarif_2_1_0_with_docs_levels_and_fingerprints() {
    let sarif_schema = report_schema("sarif-2.1.0.schema.json");
    let dir = mixed_repository();
    let secrets = run_in(dir.path(), "secrets", "sarif");
    let validated = run_in(dir.path(), "validate", "sarif");
    for doc in [
        &secrets,
        &validated,
        &serde_json::from_str(&run("sarif")).unwrap(),
    ] {
        assert_valid(&sarif_schema, doc);
    }
    // Rules carry their docs from the catalogue, with levels; secrets a security severity.
    let rule = &secrets["runs"][0]["tool"]["driver"]["rules"][0];
    assert_eq!(rule["id"], "secrets/github-token");
    assert_eq!(rule["name"], "SecretsGithubToken");
    assert!(
        !rule["shortDescription"]["text"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    assert!(
        rule["help"]["markdown"]
            .as_str()
            .unwrap()
            .starts_with("# secrets/github-token"),
        "{rule:#}"
    );
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
    assert_eq!(rule["properties"]["security-severity"], "9.0");
    assert_eq!(rule["properties"]["tags"][0], "security");
    let result = &secrets["runs"][0]["results"][0];
    assert_eq!(result["level"], "error");
    assert_eq!(result["ruleIndex"], 0);
    // The token itself is never in the report, not even in the fingerprint's input.
    assert!(
        !secrets.to_string().contains(&TOKEN_BODY[..16]),
        "{secrets:#}"
    );
    let schema_rule = &validated["runs"][0]["tool"]["driver"]["rules"][0];
    assert_eq!(schema_rule["id"], "schema/unknown-field");
    assert!(schema_rule["properties"].get("security-severity").is_none());

    // Fingerprints follow the finding, not its line: a comment added above moves both
    // findings and changes neither fingerprint.
    let fingerprints = |doc: &serde_json::Value| -> Vec<String> {
        doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["platcFinding/v1"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let lines = |doc: &serde_json::Value| -> Vec<u64> {
        doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap()
            })
            .collect()
    };
    let before = (fingerprints(&secrets), fingerprints(&validated));
    let before_lines = (lines(&secrets), lines(&validated));
    for file in ["cm.yaml", "svc.yaml"] {
        let path = dir.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("# moved down\n#\n{text}")).unwrap();
    }
    let after_secrets = run_in(dir.path(), "secrets", "sarif");
    let after_validated = run_in(dir.path(), "validate", "sarif");
    assert_ne!(
        before_lines,
        (lines(&after_secrets), lines(&after_validated))
    );
    assert_eq!(
        before,
        (fingerprints(&after_secrets), fingerprints(&after_validated))
    );
    // A different mistake is a different alert.
    let path = dir.path().join("svc.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("portz", "portss")).unwrap();
    assert_ne!(
        before.1,
        fingerprints(&run_in(dir.path(), "validate", "sarif"))
    );
}

#[test]
fn gitlab_code_quality_has_the_documented_fields() {
    let schema = report_schema("gitlab-codequality.schema.json");
    let dir = mixed_repository();
    let secrets = run_in(dir.path(), "secrets", "gitlab");
    let validated = run_in(dir.path(), "validate", "gitlab");
    let mistakes: serde_json::Value = serde_json::from_str(&run("gitlab")).unwrap();
    for doc in [&secrets, &validated, &mistakes] {
        assert_valid(&schema, doc);
    }
    assert_eq!(secrets[0]["check_name"], "secrets/github-token");
    assert_eq!(secrets[0]["severity"], "critical");
    assert_eq!(secrets[0]["location"]["path"], "cm.yaml");
    assert_eq!(secrets[0]["location"]["lines"]["begin"], 5);
    assert!(!secrets.to_string().contains(&TOKEN_BODY[..16]));
    assert_eq!(validated[0]["severity"], "major");
    // Fingerprints are unique within a report (GitLab compares reports by them).
    let mut seen = std::collections::HashSet::new();
    for issue in mistakes.as_array().unwrap() {
        assert!(seen.insert(issue["fingerprint"].as_str().unwrap().to_string()));
    }
    insta::assert_json_snapshot!("gitlab_code_quality", mistakes);
}
