//! Every emitted overlay builds with the real `kubectl kustomize`.

mod common;

use common::*;

fn assert_all_build(repo: &std::path::Path) -> usize {
    // Generated kustomizations, and the spec's own folders Applications use in place.
    let mut dirs = kustomize_dirs(&repo.join("overlays"));
    dirs.extend(kustomize_dirs(&repo.join("platform")));
    assert!(
        !dirs.is_empty(),
        "no kustomizations under {}",
        repo.display()
    );
    let failures: Vec<String> = dirs
        .iter()
        .filter_map(|d| {
            kubectl_kustomize(d)
                .err()
                .map(|e| format!("{}: {e}", d.display()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "kubectl kustomize failed:\n{}",
        failures.join("\n")
    );
    dirs.len()
}

#[test]
fn the_example_platform_builds_with_kubectl_kustomize() {
    let built = assert_all_build(&project_root());
    assert!(built >= 20, "only {built} kustomizations");
    // The app-of-apps of prod holds every Application, AppProject and the ApplicationSet.
    let prod = kubectl_kustomize(&project_root().join("overlays/prod")).unwrap();
    assert_eq!(prod.matches("kind: AppProject").count(), 3);
    assert_eq!(prod.matches("kind: ApplicationSet").count(), 1);
    assert!(prod.matches("kind: Application\n").count() >= 30);
}

#[test]
fn every_compile_fixture_builds_with_kubectl_kustomize() {
    for fixture in compile_fixtures() {
        let repo = temp_repo(&fixture);
        build(repo.path());
        assert_all_build(repo.path());
    }
}

#[test]
fn patches_and_labels_apply_in_the_built_output() {
    let repo = temp_repo(&fixtures().join("compile/local"));
    build(repo.path());
    let staging = kubectl_kustomize(&repo.path().join("overlays/staging/components/api")).unwrap();
    assert!(staging.contains("replicas: 1"), "{staging}");
    assert!(staging.contains("tier: test") && staging.contains("team: platform"));
    assert!(staging.contains("cpu: 100m"), "the file patch applies");
    // Labels stay out of selectors, which are immutable.
    assert!(
        !staging.contains("matchLabels:\n      app: api\n      team"),
        "{staging}"
    );
    let prod = kubectl_kustomize(&repo.path().join("overlays/prod/components/api")).unwrap();
    assert!(prod.contains("replicas: 3"));
    // Copied plain manifests keep their YAML 1.1-sensitive strings.
    assert!(
        prod.contains("mode: \"on\"") && prod.contains("octal: \"0755\""),
        "{prod}"
    );
}
