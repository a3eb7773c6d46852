//! The hand-written Argo CD repositories that `platc import` must reproduce (issue 9): each
//! one builds with the real `kubectl kustomize`, validates with `platc validate`, and holds
//! the objects its README promises. Also the tests of the round-trip comparison helper.

#[path = "common/argocd_compare.rs"]
mod argocd_compare;
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use argocd_compare::{ArgoObject, Difference, ObjectKey, compare, compare_dirs};
use common::*;
use serde_json::{Value, json};

fn adopt_fixtures() -> Vec<PathBuf> {
    fixture_folders("adopt")
}

fn fixture(name: &str) -> PathBuf {
    fixtures().join("adopt").join(name)
}

/// The folders holding one Argo CD's objects each: helm-multisource has one per cluster,
/// with the same Application names in both.
fn environments(dir: &Path) -> Vec<PathBuf> {
    if dir.ends_with("helm-multisource") {
        vec![dir.join("clusters/prod"), dir.join("clusters/staging")]
    } else {
        vec![dir.to_path_buf()]
    }
}

fn objects(dir: &Path) -> BTreeMap<ObjectKey, ArgoObject> {
    argocd_compare::read_argocd_objects(dir).unwrap_or_else(|e| panic!("{e}"))
}

/// How many objects of each kind a folder holds.
fn kind_counts(dir: &Path) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for key in objects(dir).keys() {
        *out.entry(key.kind.clone()).or_insert(0) += 1;
    }
    out
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

#[test]
fn there_are_four_fixtures_each_with_a_readme() {
    let names: Vec<String> = adopt_fixtures()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["app-of-apps", "appsets-sites", "club", "helm-multisource"]
    );
    for dir in adopt_fixtures() {
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        assert!(readme.len() > 200, "{}: README too short", dir.display());
    }
}

#[test]
fn every_kustomization_builds_with_kubectl_kustomize() {
    let mut built = BTreeMap::new();
    let mut failures = Vec::new();
    for dir in adopt_fixtures() {
        let dirs = kustomize_dirs(&dir);
        for d in &dirs {
            if let Err(e) = kubectl_kustomize(d) {
                failures.push(format!("{}: {e}", d.display()));
            }
        }
        built.insert(
            dir.file_name().unwrap().to_string_lossy().into_owned(),
            dirs.len(),
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        built,
        counts(&[
            ("app-of-apps", 11),
            ("appsets-sites", 5),
            ("club", 8),
            ("helm-multisource", 0),
        ])
    );
}

#[test]
fn every_fixture_validates_without_errors() {
    for dir in adopt_fixtures() {
        let out = platc()
            .arg("-C")
            .arg(&dir)
            .args(["validate", "--format", "json"])
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let errors: Vec<&Value> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error")
            .collect();
        assert!(
            errors.is_empty() && out.status.code() == Some(0),
            "{}: {errors:#?}",
            dir.display()
        );
        // Every Argo CD object was read and checked against its schema.
        let argo: usize = environments(&dir)
            .iter()
            .map(|env| kind_counts(env).values().sum::<usize>())
            .sum();
        assert!(
            report["summary"]["objects"].as_u64().unwrap() as usize >= argo,
            "{}: {report}",
            dir.display()
        );
    }
}

/// `platc check`'s errors on a fixture, as (rule, fixture/file, message).
fn check_errors(name: &str) -> Vec<(String, String, String)> {
    let out = platc()
        .arg("-C")
        .arg(fixture(name))
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                format!("{name}/{}", f["file"].as_str().unwrap_or("")),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn check_finds_no_errors() {
    for name in ["app-of-apps", "appsets-sites", "club", "helm-multisource"] {
        // One Argo CD per cluster in helm-multisource: the same Application names in both
        // clusters' in-cluster destinations are not one release twice; and value files a
        // source marks `ignoreMissingValueFiles` may be missing.
        assert_eq!(check_errors(name), vec![], "{name}");
    }
}

#[test]
fn check_reads_the_paths_of_every_fixture() {
    // .platc.yaml names each fixture's repoURLs, so a path that does not exist is reported.
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&fixture("club"), repo.path());
    let app = repo.path().join("apps/clubs/photo.yaml");
    let text = std::fs::read_to_string(&app).unwrap();
    std::fs::write(&app, text.replace("path: sites/photo", "path: sites/foto")).unwrap();
    let out = platc()
        .arg("-C")
        .arg(repo.path())
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["argocd/source-path"], "{report}");
}

#[test]
fn each_fixture_holds_the_objects_its_readme_describes() {
    assert_eq!(
        kind_counts(&fixture("app-of-apps")),
        counts(&[("AppProject", 2), ("Application", 13)])
    );
    assert_eq!(
        kind_counts(&fixture("appsets-sites")),
        counts(&[("AppProject", 1), ("Application", 3), ("ApplicationSet", 3)])
    );
    assert_eq!(
        kind_counts(&fixture("club")),
        counts(&[
            ("AppProject", 2),
            ("Application", 23),
            ("ApplicationSet", 1)
        ])
    );
    for env in ["prod", "staging"] {
        assert_eq!(
            kind_counts(&fixture("helm-multisource").join("clusters").join(env)),
            counts(&[("Application", 11)])
        );
    }
    // The `default` project is used but defined outside the repositories.
    for name in ["app-of-apps", "club"] {
        let all = objects(&fixture(name));
        let used_default = all.values().any(|o| {
            ["/spec/project", "/spec/template/spec/project"]
                .iter()
                .any(|p| o.value.pointer(p) == Some(&json!("default")))
        });
        let defines_default = all
            .keys()
            .any(|k| k.kind == "AppProject" && k.name == "default");
        assert!(used_default && !defines_default, "{name}");
    }
}

/// Render `fixture`'s `templates/site` with each club's parameters from `params` (a
/// repo-relative YAML file) and compare with the committed `sites/<club>/`. Templates named
/// `*.jinja2` are renamed `*.j2` in a copy first, as platc's renderer strips `.j2` only.
fn assert_sites_are_rendered(fixture_name: &str, params: &str, clubs: usize) {
    use indexmap::IndexMap;
    use platc::compile::blueprint::Templates;
    let root = fixture(fixture_name);
    let copy = tempfile::tempdir().unwrap();
    let template_dir = copy.path().join("site");
    std::fs::create_dir_all(&template_dir).unwrap();
    for file in files_under(&root.join("templates/site")) {
        let renamed = file.replace(".jinja2", ".j2");
        std::fs::copy(
            root.join("templates/site").join(&file),
            template_dir.join(renamed),
        )
        .unwrap();
    }
    let templates = Templates::load(copy.path(), "site").unwrap();
    let blueprint = platc::spec::Blueprint {
        path: "site".into(),
        description: None,
        params: IndexMap::new(),
        values_files: vec![],
        contributes: IndexMap::new(),
    };
    let params = std::fs::read_to_string(root.join(params)).unwrap();
    let params = platc::yaml::parse_stream(&params).unwrap().documents[0].to_json();
    let by_club = params.as_object().unwrap();
    assert_eq!(by_club.len(), clubs, "{fixture_name}");
    for (club, context) in by_club {
        let context: IndexMap<String, Value> = serde_json::from_value(context.clone()).unwrap();
        let rendered = templates.render(&blueprint, &context).unwrap();
        let site = root.join("sites").join(club);
        let paths: Vec<&str> = rendered.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, files_under(&site), "{fixture_name}: {club}");
        for r in rendered {
            let committed = std::fs::read_to_string(site.join(&r.path)).unwrap();
            assert_eq!(committed, r.text, "{fixture_name}: sites/{club}/{}", r.path);
        }
    }
}

#[test]
fn the_stamped_sites_are_what_the_templates_render() {
    assert_sites_are_rendered("appsets-sites", "templates/clubs.yaml", 4);
    assert_sites_are_rendered("club", "templates/sites.yaml", 5);
}

#[test]
fn the_applications_hold_what_the_round_trip_must_reproduce() {
    let all = objects(&fixture("app-of-apps"));
    let app = |name: &str| {
        let key = ObjectKey {
            kind: "Application".into(),
            namespace: "argocd".into(),
            name: name.into(),
        };
        all[&key].value.clone()
    };
    assert_eq!(
        app("monitoring").pointer("/spec/source/directory/recurse"),
        Some(&json!(true))
    );
    assert_eq!(
        app("external-dns").pointer("/spec/source/directory/exclude"),
        Some(&json!("{old-*.yaml,*.example.yaml}"))
    );
    assert_eq!(
        app("namespaces").pointer("/metadata/annotations/argocd.argoproj.io~1sync-wave"),
        Some(&json!("-3"))
    );
    // CreateNamespace=false restates the default, so it normalises away.
    assert_eq!(
        app("namespaces").pointer("/spec/syncPolicy/syncOptions"),
        None
    );
    // The external-dns destination is written `name: in-cluster`.
    assert_eq!(
        app("external-dns").pointer("/spec/destination/server"),
        Some(&json!(argocd_compare::IN_CLUSTER_SERVER))
    );
    assert_eq!(
        app("frontend").pointer("/spec/source/targetRevision"),
        Some(&json!("frontend-v1.8.2"))
    );
    // `automated: {}` is kept: it turns auto-sync on.
    assert_eq!(
        app("monitoring").pointer("/spec/syncPolicy/automated"),
        Some(&json!({}))
    );
}

/// Write `docs` as one YAML file in a fresh folder.
fn folder_with(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("apps.yaml"), text).unwrap();
    dir
}

fn diff(left: &str, right: &str) -> Vec<Difference> {
    let (l, r) = (folder_with(left), folder_with(right));
    compare_dirs(l.path(), r.path()).unwrap()
}

fn pointers(diffs: &[Difference]) -> Vec<&str> {
    diffs.iter().map(|d| d.pointer.as_str()).collect()
}

const APP: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: api
  namespace: argocd
  annotations:
    argocd.argoproj.io/sync-wave: "2"
  finalizers: [resources-finalizer.argocd.argoproj.io]
spec:
  project: services
  source:
    repoURL: https://git.example.org/repo.git
    targetRevision: main
    path: services/api
  destination:
    server: https://kubernetes.default.svc
    namespace: api
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true, ServerSideApply=true]
"#;

#[test]
fn reordered_and_restyled_objects_are_equal() {
    let other = r#"
kind: Application
apiVersion: argoproj.io/v1alpha1
spec:
  syncPolicy:
    syncOptions:
      - ServerSideApply=true
      - CreateNamespace=true
      - CreateNamespace=false
    automated:
      selfHeal: true
      prune: true
      allowEmpty: false
  destination: {namespace: api, name: in-cluster}
  source: {path: services/api, targetRevision: main, repoURL: "https://git.example.org/repo.git"}
  project: services
  ignoreDifferences: []
metadata:
  namespace: argocd
  name: api
  labels: {}
  resourceVersion: "81723"
  uid: 3c1e7c9e-1111-4a4a-9999-000000000000
  creationTimestamp: "2024-11-02T10:00:00Z"
  generation: 4
  annotations: {argocd.argoproj.io/sync-wave: "02"}
  finalizers:
    - resources-finalizer.argocd.argoproj.io
status:
  sync: {status: Synced}
operation:
  sync: {revision: abc}
"#;
    assert_eq!(diff(APP, other), vec![]);
}

#[test]
fn a_changed_wave_is_one_difference_at_its_pointer() {
    let diffs = diff(APP, &APP.replace(r#"sync-wave: "2""#, r#"sync-wave: "-1""#));
    assert_eq!(diffs.len(), 1, "{diffs:?}");
    assert_eq!(
        diffs[0].pointer,
        "/metadata/annotations/argocd.argoproj.io~1sync-wave"
    );
    assert_eq!(diffs[0].left, Some(json!("2")));
    assert_eq!(diffs[0].right, Some(json!("-1")));
    assert_eq!(
        diffs[0].to_string(),
        r#"Application argocd/api /metadata/annotations/argocd.argoproj.io~1sync-wave: "2" != "-1""#
    );
}

#[test]
fn wave_zero_equals_no_wave_but_an_empty_annotation_is_data() {
    let wave = |w: &str| APP.replace(r#"sync-wave: "2""#, &format!("sync-wave: {w}"));
    let no_annotations = APP.replace(
        "  annotations:\n    argocd.argoproj.io/sync-wave: \"2\"\n",
        "",
    );
    assert_ne!(no_annotations, APP);
    assert_eq!(diff(&wave("\"0\""), &no_annotations), vec![]);
    assert_eq!(diff(&wave("\"+5\""), &wave("\"5\"")), vec![]);
    let empty_value = wave("\"2\"\n    owner: \"\"");
    assert_eq!(
        pointers(&diff(APP, &empty_value)),
        ["/metadata/annotations/owner"]
    );
}

#[test]
fn a_source_and_a_one_element_sources_differ() {
    let multi = APP.replace(
        "  source:\n    repoURL: https://git.example.org/repo.git\n    targetRevision: main\n    path: services/api\n",
        "  sources:\n    - repoURL: https://git.example.org/repo.git\n      targetRevision: main\n      path: services/api\n",
    );
    assert_ne!(multi, APP);
    let diffs = diff(APP, &multi);
    assert_eq!(
        pointers(&diffs),
        ["/spec/source", "/spec/sources"],
        "{diffs:?}"
    );
}

#[test]
fn an_empty_or_head_git_revision_is_the_default_branch_but_not_for_a_chart() {
    let head = APP.replace("targetRevision: main", "targetRevision: HEAD");
    let empty = APP.replace("targetRevision: main", "targetRevision: \"\"");
    let absent = APP.replace("    targetRevision: main\n", "");
    assert_eq!(diff(&head, &empty), vec![]);
    assert_eq!(diff(&head, &absent), vec![]);
    assert_eq!(pointers(&diff(APP, &head)), ["/spec/source/targetRevision"]);
    let chart = APP.replace("path: services/api", "chart: api");
    let chart_head = chart.replace("targetRevision: main", "targetRevision: HEAD");
    let chart_absent = chart.replace("    targetRevision: main\n", "");
    assert_eq!(
        pointers(&diff(&chart_head, &chart_absent)),
        ["/spec/source/targetRevision"]
    );
}

#[test]
fn auto_sync_presence_matters_but_empty_policies_and_lists_do_not() {
    let no_auto = APP.replace("    automated: {prune: true, selfHeal: true}\n", "");
    let empty_auto = APP.replace("automated: {prune: true, selfHeal: true}", "automated: {}");
    let prune_false = APP.replace(
        "automated: {prune: true, selfHeal: true}",
        "automated: {prune: false}",
    );
    assert_eq!(
        pointers(&diff(&no_auto, &empty_auto)),
        ["/spec/syncPolicy/automated"]
    );
    assert_eq!(diff(&empty_auto, &prune_false), vec![]);
    let disabled = APP.replace(
        "automated: {prune: true, selfHeal: true}",
        "automated: {enabled: false}",
    );
    assert_eq!(
        pointers(&diff(&empty_auto, &disabled)),
        ["/spec/syncPolicy/automated/enabled"]
    );
    let bare = APP
        .replace("  syncPolicy:\n    automated: {prune: true, selfHeal: true}\n    syncOptions: [CreateNamespace=true, ServerSideApply=true]\n", "")
        .replace("  finalizers: [resources-finalizer.argocd.argoproj.io]\n", "");
    let empties = bare
        .replace(
            "spec:\n",
            "spec:\n  syncPolicy: {}\n  ignoreDifferences: []\n",
        )
        .replace("metadata:\n", "metadata:\n  finalizers: []\n");
    assert_eq!(diff(&bare, &empties), vec![]);
}

#[test]
fn an_empty_project_is_the_default_project() {
    let default = APP.replace("project: services", "project: default");
    let empty = APP.replace("project: services", "project: \"\"");
    assert_eq!(diff(&default, &empty), vec![]);
    assert_eq!(pointers(&diff(APP, &empty)), ["/spec/project"]);
}

#[test]
fn missing_objects_are_reported_whole() {
    let two = format!("{APP}---\n{}", APP.replace("name: api", "name: web"));
    let diffs = diff(APP, &two);
    assert_eq!(diffs.len(), 1);
    assert_eq!(diffs[0].key.name, "web");
    assert_eq!(
        (diffs[0].left.is_none(), diffs[0].right.is_some()),
        (true, true)
    );
    assert_eq!(
        diffs[0].to_string(),
        "Application argocd/web (object): (absent) != (present)"
    );
}

#[test]
fn kustomize_output_compares_with_the_files_it_was_built_from() {
    // The round trip compares generated Applications as `kubectl kustomize` prints them.
    let dir = tempfile::tempdir().unwrap();
    let without_namespace = APP.replace("  namespace: argocd\n", "");
    assert_ne!(without_namespace, APP);
    std::fs::write(dir.path().join("app.yaml"), &without_namespace).unwrap();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "namespace: argocd\nresources: [app.yaml]\n",
    )
    .unwrap();
    let built = kubectl_kustomize(dir.path()).unwrap();
    let built = argocd_compare::parse_argocd_objects("kustomize output", &built).unwrap();
    let original = objects(folder_with(APP).path());
    assert_eq!(compare(&original, &built), vec![]);
    // The file alone has no namespace, until it is applied into one.
    let bare = objects(dir.path());
    assert_eq!(pointers(&compare(&original, &bare)), ["", ""]);
    let placed = argocd_compare::in_namespace(bare, "argocd");
    assert_eq!(compare(&original, &placed), vec![]);
}

#[test]
fn the_same_name_twice_is_an_error_naming_both_files() {
    let err = argocd_compare::read_argocd_objects(&fixture("helm-multisource")).unwrap_err();
    assert!(
        err.contains("clusters/prod/")
            && err.contains("clusters/staging/")
            && err.contains("twice"),
        "{err}"
    );
}

#[test]
fn prod_and_staging_differ_only_where_the_environments_do() {
    let root = fixture("helm-multisource").join("clusters");
    let diffs = compare_dirs(&root.join("prod"), &root.join("staging")).unwrap();
    // Same Applications in both: no whole-object difference.
    assert!(diffs.iter().all(|d| !d.pointer.is_empty()), "{diffs:#?}");
    let cert_manager: Vec<String> = diffs
        .iter()
        .filter(|d| d.key.name == "cert-manager")
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        cert_manager,
        [r#"Application argocd/cert-manager /spec/source/targetRevision: "v1.15.3" != "v1.16.1""#]
    );
    let vault: Vec<&str> = diffs
        .iter()
        .filter(|d| d.key.name == "vault")
        .map(|d| d.pointer.as_str())
        .collect();
    assert_eq!(
        vault,
        [
            "/spec/sources/0/helm/valueFiles/1",
            "/spec/sources/0/targetRevision",
            "/spec/sources/1/targetRevision"
        ]
    );
}

#[test]
fn every_fixture_equals_itself_rewritten_as_json() {
    // Each object re-emitted as one JSON document per file, keys reversed: the reader and
    // the normalisation must see the same objects.
    for dir in adopt_fixtures() {
        for root in environments(&dir) {
            let original = objects(&root);
            let rewritten = tempfile::tempdir().unwrap();
            for (i, key) in original.keys().enumerate() {
                let raw = raw_document(&root, &original[key].file, key);
                let text = reversed(&raw).to_string();
                std::fs::write(rewritten.path().join(format!("{i}.yml")), text).unwrap();
            }
            let diffs = compare(&original, &objects(rewritten.path()));
            assert_eq!(diffs, vec![], "{}", root.display());
        }
    }
}

/// The document of `key` in `file`, as written (not normalised).
fn raw_document(root: &Path, file: &str, key: &ObjectKey) -> Value {
    let text = std::fs::read_to_string(root.join(file)).unwrap();
    platc::yaml::parse_stream(&text)
        .unwrap()
        .documents
        .iter()
        .map(|d| d.to_json())
        .find(|d| argocd_compare::argocd_key(d).as_ref() == Some(key))
        .unwrap()
}

fn reversed(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .rev()
                .map(|(k, v)| (k.clone(), reversed(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(reversed).collect()),
        other => other.clone(),
    }
}
