//! Every lint rule has a fixture with bad and good objects side by side
//! (tests/fixtures/rules/<family>/<rule>.yaml): the rule fires on each `bad-*` object, never on
//! a `good-*` one, and the findings are snapshotted. Rules about kustomizations, builds and
//! what Applications deploy have a fixture folder instead (<family>/<rule>/), a small
//! repository where the `bad-*` folders or objects are the wrong ones.

mod common;

use common::*;

/// `platc lint --format json` on a fixture folder (optionally one file in it) at a version.
fn lint_json(dir: &std::path::Path, version: &str, files: &[&str]) -> serde_json::Value {
    let out = platc()
        .arg("-C")
        .arg(dir)
        .args([
            "lint",
            "--no-build",
            "--kubernetes-version",
            version,
            "--format",
            "json",
        ])
        .args(files)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `platc lint --format json` on a fixture repository, kustomize builds included.
fn lint_repo_json(dir: &std::path::Path) -> serde_json::Value {
    let out = platc()
        .arg("-C")
        .arg(dir)
        .args(["lint", "--kubernetes-version", "1.33", "--format", "json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn every_rule_fires_on_bad_objects_only() {
    for rule in platc::rules::RULES {
        let (family, name) = rule.id.split_once('/').unwrap();
        let dir = fixtures().join("rules").join(family);
        let file = format!("{name}.yaml");
        let report = if dir.join(&file).is_file() {
            lint_json(&dir, "1.33", &[&file])
        } else {
            assert!(dir.join(name).is_dir(), "{} has no fixture", rule.id);
            lint_repo_json(&dir.join(name))
        };
        let findings: Vec<&serde_json::Value> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule.id)
            .collect();
        assert!(
            !findings.is_empty(),
            "{} found nothing in its fixture",
            rule.id
        );
        let mut bad_places = std::collections::BTreeSet::new();
        for f in &findings {
            let object = f["object"].as_str().unwrap_or("");
            let name = object.rsplit(['/', ' ']).next().unwrap_or("");
            let file = f["file"].as_str().unwrap_or("");
            assert!(
                name.starts_with("bad-") || file.starts_with("bad-"),
                "{} fired on {object} in {file}",
                rule.id
            );
            bad_places.insert(if name.starts_with("bad-") {
                name
            } else {
                file.split('/').next().unwrap()
            });
        }
        // Every bad example in a fixture folder is found.
        if dir.join(name).is_dir() {
            for entry in std::fs::read_dir(dir.join(name)).unwrap().flatten() {
                let folder = entry.file_name().to_string_lossy().into_owned();
                if folder.starts_with("bad-") {
                    assert!(
                        bad_places.contains(folder.as_str()),
                        "{} missed {folder}",
                        rule.id
                    );
                }
            }
        }
        let summary: Vec<String> = findings
            .iter()
            .map(|f| {
                format!(
                    "{}{}:{} {} [{}] {}",
                    if dir.join(name).is_dir() {
                        format!("{} ", f["file"].as_str().unwrap_or(""))
                    } else {
                        String::new()
                    },
                    f["line"],
                    f["column"],
                    f["severity"].as_str().unwrap(),
                    f["object"].as_str().unwrap_or(""),
                    f["message"].as_str().unwrap()
                )
            })
            .collect();
        insta::assert_snapshot!(
            format!("rule_{}_{}", family, name.replace('-', "_")),
            summary.join("\n")
        );
    }
}

#[test]
fn rules_and_explain_come_from_the_registry() {
    let out = platc()
        .arg("rules")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().count(), platc::rules::RULES.len());
    assert!(text.contains("workload/image-tag"));
    let out = platc()
        .args(["explain", "workload/image-tag"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let docs = String::from_utf8(out).unwrap();
    assert!(docs.contains("## Why") && docs.contains("## Bad") && docs.contains("## Good"));
    platc()
        .args(["explain", "workload/image-tags"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "did you mean `workload/image-tag`?",
        ));
}

#[test]
fn deprecation_follows_the_target_version() {
    let dir = fixtures().join("rules/deprecated");
    let run = |version: &str| {
        let r = lint_json(&dir, version, &[]);
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "deprecated/removed-api")
            .map(|f| f["severity"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    // 1.21: policy/v1beta1 PDB is deprecated (warning), extensions Ingress still served but deprecated.
    assert_eq!(run("1.21"), ["warning", "warning", "info"]);
    assert_eq!(run("1.25"), ["error", "error", "info"]);
}

#[test]
fn project_destination_points_at_the_project_and_says_how_to_fix() {
    let report = lint_repo_json(&fixtures().join("rules/argocd/project-destination"));
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["rule"] == "argocd/project-destination"
                && f["object"]
                    .as_str()
                    .unwrap_or("")
                    .ends_with("/bad-namespace")
        })
        .expect("bad-namespace is reported");
    assert_eq!(finding["path"], "/spec/destination/namespace");
    let help = finding["help"].as_str().unwrap();
    assert!(
        help.contains("`destinations` of the AppProject `team-a`"),
        "{help}"
    );
    let related = &finding["related"][0];
    assert_eq!(related["file"], "projects.yaml");
    assert_eq!(related["line"], 10, "the project's destinations");
    let docs = platc()
        .args(["explain", "argocd/project-destination"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let docs = String::from_utf8(docs).unwrap();
    assert!(docs.contains("## Why") && docs.contains("`in-cluster`"));
}
