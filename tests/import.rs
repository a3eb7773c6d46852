//! `platc import` round trips: each adopt fixture is imported, built, and every generated
//! Application compared with the original of the same name, field by field, after Argo CD's
//! normalisation. The counts are what import achieves today and must not regress.

#[path = "common/argocd_compare.rs"]
mod argocd_compare;
mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use argocd_compare::{ArgoObject, ObjectKey, compare, in_namespace, read_argocd_objects};
use serde_json::Value;

/// Labels platc puts on every Application it writes (not part of what the team wrote).
const PLATC_LABELS: &[&str] = &[
    "app.kubernetes.io/managed-by",
    "platc.io/platform",
    "platc.io/environment",
    "platc.io/part",
];

/// What one fixture's round trip gave, over all environments.
#[derive(Debug, Default, PartialEq)]
struct Counts {
    exact: usize,
    different: usize,
    passthrough: usize,
}

/// A copy of a fixture in a fresh git repository.
fn fixture_repo(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&common::fixtures().join("adopt").join(name), dir.path());
    let status = Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .status()
        .expect("git runs");
    assert!(status.success());
    dir
}

/// Every file's bytes, by path, outside `.git`.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    common::files_under(dir)
        .into_iter()
        .filter(|f| !f.starts_with(".git/"))
        .map(|f| {
            let bytes = std::fs::read(dir.join(&f)).unwrap();
            (f, bytes)
        })
        .collect()
}

fn strip_platc_labels(
    objects: &mut BTreeMap<ObjectKey, ArgoObject>,
    originals: &BTreeMap<ObjectKey, ArgoObject>,
) {
    for (key, o) in objects.iter_mut() {
        let original_labels = originals
            .get(key)
            .and_then(|x| x.value.pointer("/metadata/labels"))
            .cloned();
        if let Some(Value::Object(labels)) = o.value.pointer_mut("/metadata/labels") {
            labels.retain(|k, _| {
                !PLATC_LABELS.contains(&k.as_str())
                    || original_labels.as_ref().is_some_and(|l| l.get(k).is_some())
            });
            if labels.is_empty()
                && let Some(Value::Object(meta)) = o.value.get_mut("metadata")
            {
                meta.remove("labels");
            }
        }
    }
}

/// `platc import REPO`, which must succeed; its output.
fn import_ok(repo: &Path) -> assert_cmd::assert::Assert {
    common::platc().arg("import").arg(repo).assert().success()
}

/// Import, build and compare one fixture: `envs` maps each environment to the folder of
/// its original Argo CD objects. `root` is the root Application's name.
fn round_trip(fixture: &str, envs: &[(&str, &str)], root: &str) -> Counts {
    let repo = fixture_repo(fixture);
    let dir = repo.path();
    let before = snapshot(dir);
    let imported = common::platc().arg("import").arg(dir).output().unwrap();
    let stdout = String::from_utf8_lossy(&imported.stdout).to_string();
    assert!(
        imported.status.success(),
        "{fixture}: import failed: {stdout}{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    // Import only writes under platform/: every original file is as it was.
    let after: BTreeMap<String, Vec<u8>> = snapshot(dir)
        .into_iter()
        .filter(|(f, _)| !f.starts_with("platform/"))
        .collect();
    assert_eq!(
        before, after,
        "{fixture}: import changed the repository's files"
    );
    common::build(dir);

    let mut counts = Counts::default();
    for (env, folder) in envs {
        let originals = in_namespace(read_argocd_objects(&dir.join(folder)).unwrap(), "argocd");
        let mut generated = read_argocd_objects(&dir.join("overlays").join(env)).unwrap();
        strip_platc_labels(&mut generated, &originals);
        for (key, original) in &originals {
            let Some(made) = generated.get(key) else {
                panic!(
                    "{fixture}/{env}: {key} is not generated (from {})",
                    original.file
                );
            };
            let one_l: BTreeMap<_, _> = [(key.clone(), original.clone())].into();
            let one_r: BTreeMap<_, _> = [(key.clone(), made.clone())].into();
            let differences = compare(&one_l, &one_r);
            if key.kind != "Application" {
                // AppProjects and ApplicationSets are kept as written.
                assert!(
                    made.file.starts_with("passthrough/"),
                    "{fixture}/{env}: {key} from {}",
                    made.file
                );
                assert!(differences.is_empty(), "{fixture}/{env}: {differences:?}");
                continue;
            }
            if made.file.starts_with("passthrough/") {
                counts.passthrough += 1;
                assert!(differences.is_empty(), "{fixture}/{env}: {differences:?}");
                let listed = stdout.lines().any(|l| {
                    l.starts_with(&format!("passthrough [{env}] Application {} (", key.name))
                        && l.split_once("): ")
                            .is_some_and(|(_, reason)| !reason.trim().is_empty())
                });
                assert!(
                    listed,
                    "{fixture}/{env}: {key} is kept as written without a reason:\n{stdout}"
                );
            } else if differences.is_empty() {
                counts.exact += 1;
            } else {
                counts.different += 1;
                eprintln!("{fixture}/{env}: {key}:");
                for d in &differences {
                    eprintln!("  {d}");
                }
            }
        }
        // The root keeps its name and project; its path moves to the generated folder.
        let root_key = ObjectKey {
            kind: "Application".into(),
            namespace: "argocd".into(),
            name: root.into(),
        };
        let made_root = &generated
            .get(&root_key)
            .unwrap_or_else(|| panic!("{fixture}/{env}: no root `{root}`"))
            .value;
        assert_eq!(
            made_root
                .pointer("/spec/source/path")
                .and_then(Value::as_str),
            Some(format!("overlays/{env}").as_str())
        );
        // Nothing is generated that the repository did not have (besides the root).
        for key in generated.keys() {
            assert!(
                originals.contains_key(key) || *key == root_key,
                "{fixture}/{env}: {key} is new"
            );
        }
    }
    counts
}

#[test]
fn app_of_apps_round_trips_exactly() {
    let counts = round_trip("app-of-apps", &[("prod", "apps")], "root");
    // The generated root keeps the original's sync policy and finalizers: only its path
    // changes (said, with what to do).
    let repo = fixture_repo("app-of-apps");
    let out = import_ok(repo.path());
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains("root root (bootstrap/root.yaml:2): point it at overlays/<env>")
            && !stdout.contains("the generated root also differs"),
        "{stdout}"
    );
    assert_eq!(
        counts,
        Counts {
            exact: 12,
            different: 0,
            passthrough: 0
        }
    );
}

#[test]
fn helm_multisource_round_trips_exactly_in_both_clusters() {
    let counts = round_trip(
        "helm-multisource",
        &[
            ("prod", "clusters/prod/apps"),
            ("staging", "clusters/staging/apps"),
        ],
        "root",
    );
    assert_eq!(
        counts,
        Counts {
            exact: 20,
            different: 0,
            passthrough: 0
        }
    );
}

#[test]
fn helm_multisource_keeps_one_component_where_environments_differ_only_in_overrides() {
    let repo = fixture_repo("helm-multisource");
    import_ok(repo.path());
    let spec = std::fs::read_to_string(repo.path().join("platform/platform.yaml")).unwrap();
    // status-page differs per cluster only in a values file: environment overrides.
    assert!(spec.contains("  - name: status-page\n"), "{spec}");
    assert!(!spec.contains("status-page-prod"), "{spec}");
    // external-dns' parameters differ per cluster: one component each, same Application name.
    assert!(
        spec.contains("  - name: external-dns-prod\n    applicationName: external-dns\n"),
        "{spec}"
    );
    assert_eq!(spec.matches("applicationName:").count(), 4, "{spec}");
}

#[test]
fn appsets_sites_keeps_application_sets_as_written() {
    let counts = round_trip("appsets-sites", &[("prod", "apps")], "root");
    assert_eq!(
        counts,
        Counts {
            exact: 2,
            different: 0,
            passthrough: 0
        }
    );
}

#[test]
fn club_round_trips_exactly() {
    let counts = round_trip("club", &[("prod", "apps")], "root");
    assert_eq!(
        counts,
        Counts {
            exact: 22,
            different: 0,
            passthrough: 0
        }
    );
}

#[test]
fn import_refuses_to_overwrite_a_spec_without_force() {
    let repo = fixture_repo("app-of-apps");
    import_ok(repo.path());
    let spec = repo.path().join("platform/platform.yaml");
    let first = std::fs::read_to_string(&spec).unwrap();
    let again = common::platc()
        .arg("import")
        .arg(repo.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&again.get_output().stderr).to_string();
    assert!(stderr.contains("--force"), "{stderr}");
    common::platc()
        .arg("import")
        .arg(repo.path())
        .arg("--force")
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(&spec).unwrap(),
        first,
        "import is deterministic"
    );
}

#[test]
fn unreadable_argocd_file_is_an_input_error_with_its_line() {
    let repo = fixture_repo("app-of-apps");
    std::fs::write(
        repo.path().join("apps/broken.yaml"),
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: [broken\n",
    )
    .unwrap();
    let out = common::platc()
        .arg("import")
        .arg(repo.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("apps/broken.yaml:"), "{stderr}");
    assert!(!repo.path().join("platform/platform.yaml").exists());
}

#[test]
fn what_the_spec_cannot_express_is_kept_with_a_reason() {
    let repo = fixture_repo("app-of-apps");
    // revisionHistoryLimit has no spec equivalent.
    let path = repo.path().join("apps/docs.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("spec:\n", "spec:\n  revisionHistoryLimit: 3\n"),
    )
    .unwrap();
    let out = import_ok(repo.path());
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains("passthrough [prod] Application docs (apps/docs.yaml:1): spec.revisionHistoryLimit has no spec equivalent"),
        "{stdout}"
    );
    assert!(
        stdout.contains("found 12 Applications, 0 ApplicationSets, 2 AppProjects"),
        "{stdout}"
    );
    common::build(repo.path());
    let kept = repo
        .path()
        .join("overlays/prod/passthrough/platform/passthrough/apps/docs.yaml");
    assert!(kept.exists(), "the kept Application is part of the root");
}

#[test]
fn a_remote_folder_read_recursively_is_reproduced() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("apps")).unwrap();
    let app = |name: &str, source: &str| {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\nspec:\n  project: default\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: {name}\n  source:\n{source}"
        )
    };
    std::fs::write(
        root.join("root.yaml"),
        app("root", "    repoURL: https://git.example.org/ops.git\n    targetRevision: main\n    path: apps\n"),
    )
    .unwrap();
    std::fs::write(
        root.join("apps/policies.yaml"),
        app(
            "policies",
            "    repoURL: https://github.com/example/policies.git\n    targetRevision: v1.2.0\n    path: pss/baseline\n    directory:\n      recurse: true\n      exclude: '*-test.yaml'\n",
        ),
    )
    .unwrap();
    let out = common::platc().arg("import").arg(root).assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains("1 Applications reproduced exactly"),
        "{stdout}"
    );
    common::build(root);
    let generated = std::fs::read_to_string(root.join("overlays/prod/apps/policies.yaml")).unwrap();
    assert!(
        generated.contains("    directory:\n      recurse: true\n      exclude: \"*-test.yaml\"\n"),
        "{generated}"
    );
}
