//! `.platc.yaml` policy: severity overrides, waivers by rule, object and path, expired and
//! unused waivers, and `--fail-on`.

mod common;

use common::*;

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: site}\nspec:\n  containers:\n    - {name: web, image: \"nginx:latest\"}\n";

fn lint(dir: &std::path::Path, extra: &[&str]) -> (i32, Vec<(String, String)>) {
    let out = platc()
        .arg("-C")
        .arg(dir)
        .args(["lint", "--no-build", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (out.status.code().unwrap(), found)
}

#[test]
fn overrides_and_waivers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), POD).unwrap();
    let (code, found) = lint(dir.path(), &[]);
    assert_eq!(code, 0, "warnings do not fail by default");
    assert!(found.contains(&("workload/image-tag".into(), "warning".into())));
    let (code, _) = lint(dir.path(), &["--fail-on", "warning"]);
    assert_eq!(code, 1);

    std::fs::write(
        dir.path().join(".platc.yaml"),
        "rules:\n  workload/image-tag: error\n  workload/probes: off\nwaivers:\n  - rule: workload/resources\n    object: Pod/site/web\n    reason: a demo pod\n    expires: 2999-01-01\n  - rule: workload/privileged\n    path: apps/\n    reason: nothing there\n  - rule: workload/image-tag\n    path: old/\n    reason: was for the old tree\n    expires: 2001-01-01\n",
    )
    .unwrap();
    let (code, found) = lint(dir.path(), &[]);
    assert_eq!(code, 1);
    let rules: Vec<&str> = found.iter().map(|(r, _)| r.as_str()).collect();
    assert!(
        found.contains(&("workload/image-tag".into(), "error".into())),
        "{found:?}"
    );
    assert!(
        !rules.contains(&"workload/resources"),
        "waived by object: {found:?}"
    );
    assert!(
        found.contains(&("config/waiver-unused".into(), "warning".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("config/waiver-expired".into(), "error".into())),
        "{found:?}"
    );
}

#[test]
fn a_broken_config_is_a_usage_error_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".platc.yaml"),
        "waivers:\n  - rule: x\n    reson: typo\n",
    )
    .unwrap();
    let out = platc()
        .arg("-C")
        .arg(dir.path())
        .args(["lint"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("unknown field `reson`") && text.contains("did you mean `reason`?"),
        "{text}"
    );
}
