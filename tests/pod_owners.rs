//! Pods platc cannot see are not "nothing": a folder that installs a Helm chart (a Flux
//! HelmRelease) deploys pods no manifest shows, so its selectors are not judged.

mod common;

use common::*;

#[test]
fn selectors_beside_a_helm_release_are_not_judged() {
    let out = platc()
        .arg("-C")
        .arg(fixtures().join("selects-nothing-charts"))
        .args(["lint", "--kubernetes-version", "1.33", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let places: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "workload/selects-nothing")
        .map(|f| format!("{}:{}", f["file"].as_str().unwrap(), f["line"]))
        .collect();
    // The folder without a chart still gets its finding: the rule is not off.
    assert_eq!(places, ["plain/pdb.yaml:10"]);
}
