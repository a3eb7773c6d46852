//! A realistic repository (tests/fixtures/realistic): a club's hand-written Applications and
//! kustomize folders for a dozen components and four club websites, with the mistakes such
//! repositories really carry. `platc check` must report exactly these findings: nothing
//! missing, nothing extra.

mod common;

use common::*;

#[test]
fn check_finds_exactly_the_mistakes_of_a_realistic_repository() {
    let out = platc()
        .arg("-C")
        .arg(fixtures().join("realistic"))
        .args(["check", "--kubernetes-version", "1.33", "--format", "json"])
        .arg("--schemas")
        .arg(upstream_crds().join("cert-manager"))
        .arg("--schemas")
        .arg(upstream_crds().join("kuma"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}:{}:{}",
                f["severity"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["file"].as_str().unwrap_or("-"),
                f["line"],
                f["column"]
            )
        })
        .collect();
    let expected = [
        // A production club site tracking HEAD.
        "warning argocd/head-revision apps/clubs/dronolab.yaml:13:21",
        // A path with a typo.
        "error argocd/source-path apps/clubs/sonia.yaml:14:11",
        "error argocd/chart-version-pinned apps/external-dns.yaml:14:21",
        // The seed's copied Application: sync-wave under metadata, project under destination.
        "error schema/unknown-field apps/kuma.yaml:6:3",
        "error schema/missing-field apps/kuma.yaml:7:1",
        "error schema/unknown-field apps/kuma.yaml:11:5",
        // A chart copied with its release name.
        "error argocd/duplicate-release apps/loki.yaml:13:5",
        // The dashboards are deployed by their own Application and by monitoring's.
        "error argocd/shared-object apps/monitoring.yaml:14:11",
        // Found in the acets build (the Service is renamed acets-website-metrics there).
        "warning workload/selects-nothing clubs/acets/route.yaml:6:13",
        "error kustomize/missing-file clubs/capra/kustomization.yaml:7:5",
        "error kustomize/patch-target clubs/dronolab/kustomization.yaml:8:13",
        "warning hygiene/live-export system/kuma/namespace.yaml:6:3",
        "error deprecated/removed-api system/kuma/pdb.yaml:1:13",
        "warning workload/selects-nothing system/kuma/pdb.yaml:9:18",
        "info schema/missing system/mayastor/diskpools.yaml:2:7",
        "error hygiene/unstable-disk-path system/mayastor/diskpools.yaml:17:11",
    ];
    assert_eq!(found, expected, "\nfound:\n{}", found.join("\n"));
    // What is not there matters as much: the build of capra fails on the file already
    // reported, probes are waived for clubs/base/ in .platc.yaml, the Vault values name a
    // Secret's key (`secretKey: client-secret`) rather than hold a credential, and the base
    // objects are not reported again for every club that builds them.
    assert_eq!(report["summary"]["errors"], 11);
    assert_eq!(report["summary"]["warnings"], 4);
}
