//! `platc diff` in temporary git repositories: the base is committed, the change is made in
//! the work tree (never committed), and the diff says what it does to the cluster.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

const URL: &str = "https://git.example.org/club/gitops.git";

/// Run git with a fixed identity and dates, so commit ids are the same on every run.
fn git_in(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.org",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// A Secret's value, assembled at run time (no credential-shaped literal is committed).
fn password(seed: u8) -> String {
    let body: String = (0..24)
        .map(|i| (b'a' + ((i * 5 + seed as usize * 11) % 26) as u8) as char)
        .collect();
    format!("{body}Q7x{seed}")
}

fn secret_yaml(value: &str) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(value);
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  password: {encoded}\nstringData:\n  token: {value}\n"
    )
}

/// The gitops fixture committed on `main`, with an origin remote naming it.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("diff/gitops"), dir.path());
    std::fs::write(
        dir.path().join("plain/nested/secret.yaml"),
        secret_yaml(&password(1)),
    )
    .unwrap();
    git_in(dir.path(), &["init", "-q"]);
    git_in(dir.path(), &["remote", "add", "origin", URL]);
    git_in(dir.path(), &["add", "-A"]);
    git_in(dir.path(), &["commit", "-q", "-m", "base"]);
    dir
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} holds {from}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// `platc diff ARGS` in `dir`: exit code, stdout, stderr.
fn diff(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = platc()
        .arg("-C")
        .arg(dir)
        .arg("diff")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(dir: &Path) -> (i32, serde_json::Value) {
    let (code, out, err) = diff(dir, &["--format", "json"]);
    let value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    (code, value)
}

#[test]
fn no_change_exits_0_and_prints_nothing() {
    let dir = repo();
    let (code, out, err) = diff(dir.path(), &[]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    // Which base was used is said on stderr.
    assert!(
        err.contains("against main") && err.contains("merge-base"),
        "{err}"
    );
}

#[test]
fn a_chart_version_bump_shows_exactly_that() {
    let dir = repo();
    edit(
        dir.path(),
        "apps/podinfo.yaml",
        "targetRevision: 6.5.0",
        "targetRevision: 6.5.4",
    );
    let (code, json) = json(dir.path());
    assert_eq!(code, 1, "{json}");
    let apps = json["applications"].as_array().unwrap();
    assert_eq!(apps.len(), 1, "{json}");
    assert_eq!(apps[0]["name"], "podinfo");
    assert_eq!(
        apps[0]["sources"],
        serde_json::json!([{"at": "sources[0]", "label": "chart podinfo (https://stefanprodan.github.io/podinfo)",
            "fields": [{"path": "version", "before": "6.5.0", "after": "6.5.4"}]}])
    );
    for list in ["added", "removed", "changed"] {
        assert_eq!(apps[0][list], serde_json::json!([]), "{list}");
    }
    let (_, text, _) = diff(dir.path(), &[]);
    assert!(text.contains("version: 6.5.0 → 6.5.4"), "{text}");
}

#[test]
fn a_values_change_shows_the_key_path() {
    let dir = repo();
    edit(
        dir.path(),
        "values/podinfo.yaml",
        "tag: 6.5.0",
        "tag: 6.5.1",
    );
    let (code, json) = json(dir.path());
    assert_eq!(code, 1);
    let fields = &json["applications"][0]["sources"][0]["fields"];
    assert_eq!(
        fields,
        &serde_json::json!([{"path": "values.image.tag", "before": "6.5.0", "after": "6.5.1"}])
    );
}

#[test]
fn a_moved_file_shows_nothing() {
    let dir = repo();
    std::fs::rename(
        dir.path().join("plain/configmap.yaml"),
        dir.path().join("plain/nested/configmap.yaml"),
    )
    .unwrap();
    let (code, out, err) = diff(dir.path(), &[]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
}

#[test]
fn a_renamed_object_is_removed_and_added_with_a_note() {
    let dir = repo();
    edit(
        dir.path(),
        "plain/configmap.yaml",
        "name: settings",
        "name: settings-v2",
    );
    let (code, json) = json(dir.path());
    assert_eq!(code, 1);
    let app = &json["applications"][0];
    assert_eq!(app["name"], "plain");
    assert_eq!(app["removed"][0]["name"], "settings");
    assert_eq!(app["added"][0]["name"], "settings-v2");
    assert_eq!(app["added"][0]["namespace"], "plain");
    assert!(
        app["notes"][0]
            .as_str()
            .unwrap()
            .contains("renamed to `settings-v2`"),
        "{app}"
    );
}

#[test]
fn a_secret_change_is_redacted_in_every_format() {
    let dir = repo();
    let (old, new) = (password(1), password(2));
    std::fs::write(
        dir.path().join("plain/nested/secret.yaml"),
        secret_yaml(&new),
    )
    .unwrap();
    use base64::Engine;
    let encode = |v: &str| base64::engine::general_purpose::STANDARD.encode(v);
    for format in ["text", "markdown", "json"] {
        for extra in [&[][..], &["--unified"][..]] {
            let mut args = vec!["--format", format];
            args.extend(extra);
            let (code, out, err) = diff(dir.path(), &args);
            assert_eq!(code, 1, "{format}: {out}{err}");
            for value in [&old, &new, &encode(&old), &encode(&new)] {
                // Neither the value nor most of it.
                assert!(
                    !out.contains(&value[4..]) && !err.contains(&value[4..]),
                    "{format} {extra:?} shows a secret: {out}"
                );
            }
            assert!(out.contains("data.password"), "{format}: {out}");
            assert!(out.contains("stringData.token"), "{format}: {out}");
            assert!(out.contains("chars)"), "{format}: the redacted form: {out}");
        }
    }
    let (_, json) = json(dir.path());
    let fields = &json["applications"][0]["changed"][0]["fields"];
    assert_eq!(fields[0]["redacted"], true, "{json}");
}

#[test]
fn a_change_outside_every_application_shows_nothing() {
    let dir = repo();
    edit(dir.path(), "docs/README.md", "GitOps", "Argo CD");
    std::fs::write(
        dir.path().join("plain/skip.ignored.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: excluded}\ndata: {x: \"2\"}\n",
    )
    .unwrap();
    let (code, out, err) = diff(dir.path(), &[]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
}

#[test]
fn a_kustomize_overlay_change_shows_the_changed_objects() {
    let dir = repo();
    edit(
        dir.path(),
        "envs/prod/kustomization.yaml",
        "count: 2",
        "count: 3",
    );
    edit(
        dir.path(),
        "base/deployment.yaml",
        "nginx:1.27",
        "nginx:1.28",
    );
    // Ignored by the Application's ignoreDifferences: not a change.
    edit(
        dir.path(),
        "base/deployment.yaml",
        "restarted-at: \"1\"",
        "restarted-at: \"2\"",
    );
    let (code, json) = json(dir.path());
    assert_eq!(code, 1);
    let apps = json["applications"].as_array().unwrap();
    assert_eq!(apps.len(), 1, "{json}");
    let changed = &apps[0]["changed"];
    assert_eq!(
        changed,
        &serde_json::json!([{"object": {"group": "apps", "kind": "Deployment", "namespace": "web", "name": "web"},
        "fields": [
            {"path": "spec.replicas", "before": "2", "after": "3"},
            {"path": "spec.template.spec.containers[name=web].image", "before": "nginx:1.27", "after": "nginx:1.28"}
        ]}])
    );
    let (_, text, _) = diff(dir.path(), &["--unified"]);
    assert!(
        text.contains("-  replicas: 2\n") || text.contains("-  replicas: 2"),
        "{text}"
    );
    assert!(text.contains("+  replicas: 3"), "{text}");
}

#[test]
fn an_unknown_base_exits_2_with_a_clear_message() {
    let dir = repo();
    let (code, out, err) = diff(dir.path(), &["--base", "no-such-branch"]);
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert!(
        err.contains("--base `no-such-branch` names no commit"),
        "{err}"
    );
}

#[test]
fn the_work_tree_is_left_untouched() {
    let dir = repo();
    edit(
        dir.path(),
        "envs/prod/kustomization.yaml",
        "count: 2",
        "count: 3",
    );
    let status = |d: &Path| {
        let out = Command::new("git")
            .current_dir(d)
            .args(["status", "--porcelain"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let before = status(dir.path());
    let (code, _, _) = diff(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(status(dir.path()), before);
    assert_eq!(before.trim(), "M envs/prod/kustomization.yaml");
}

#[test]
fn the_markdown_comment() {
    let dir = repo();
    edit(
        dir.path(),
        "apps/podinfo.yaml",
        "targetRevision: 6.5.0",
        "targetRevision: 6.5.4",
    );
    edit(
        dir.path(),
        "values/podinfo.yaml",
        "memory: 128Mi",
        "memory: 256Mi",
    );
    edit(
        dir.path(),
        "envs/prod/kustomization.yaml",
        "count: 2",
        "count: 3",
    );
    edit(
        dir.path(),
        "plain/configmap.yaml",
        "retries: \"3\"",
        "retries: \"5\"",
    );
    std::fs::write(
        dir.path().join("plain/nested/secret.yaml"),
        secret_yaml(&password(3)),
    )
    .unwrap();
    std::fs::remove_file(dir.path().join("base/service.yaml")).unwrap();
    edit(
        dir.path(),
        "base/kustomization.yaml",
        "[deployment.yaml, service.yaml]",
        "[deployment.yaml]",
    );
    let (code, out, err) = diff(dir.path(), &["--format", "markdown"]);
    assert_eq!(code, 1, "{err}");
    insta::assert_snapshot!(out);
}

#[test]
fn the_markdown_comment_fits_github() {
    // Many Applications, each with a change: the comment is cut, with a note.
    let dir = repo();
    let mut apps = String::new();
    for i in 0..600 {
        apps.push_str(&format!(
            "---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: chart-{i}, namespace: argocd}}\nspec:\n  destination: {{name: prod, namespace: n{i}}}\n  source: {{repoURL: https://charts.example.org, chart: c{i}, targetRevision: 1.0.0, helm: {{valuesObject: {{a: {{b: {{c: long-value-{i}-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx}}}}}}}}}}\n"
        ));
    }
    std::fs::write(dir.path().join("apps/many.yaml"), &apps).unwrap();
    git_in(dir.path(), &["add", "-A"]);
    git_in(dir.path(), &["commit", "-q", "-m", "many"]);
    std::fs::write(
        dir.path().join("apps/many.yaml"),
        apps.replace("targetRevision: 1.0.0", "targetRevision: 1.1.0")
            .replace("long-value", "longer-value"),
    )
    .unwrap();
    let (code, out, _) = diff(dir.path(), &["--format", "markdown", "--base", "HEAD"]);
    assert_eq!(code, 1);
    assert!(out.chars().count() <= 65_536, "{}", out.len());
    assert!(out.contains("Cut to fit a GitHub comment"), "{out}");
    // The text format has them all.
    let (_, text, _) = diff(dir.path(), &["--base", "HEAD"]);
    assert!(
        text.contains("600 Applications change"),
        "{}",
        text.lines().last().unwrap_or("")
    );
}

#[test]
fn path_limits_the_applications() {
    let dir = repo();
    edit(
        dir.path(),
        "envs/prod/kustomization.yaml",
        "count: 2",
        "count: 3",
    );
    edit(
        dir.path(),
        "plain/configmap.yaml",
        "retries: \"3\"",
        "retries: \"5\"",
    );
    let names = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["--format", "json"];
        all.extend(args);
        let (_, out, _) = diff(dir.path(), &all);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["applications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_string())
            .collect()
    };
    // By environment, then name.
    assert_eq!(names(&[]), ["web", "plain"]);
    assert_eq!(names(&["plain"]), ["plain"]);
    assert_eq!(names(&["apps/web.yaml"]), ["web"]);
}

#[test]
fn build_says_what_it_changed_per_environment() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = fixture_folders("compile")
        .into_iter()
        .find(|f| f.join("platform/platform.yaml").is_file())
        .expect("a compile fixture with a spec");
    copy_dir(&fixture, dir.path());
    let out = platc()
        .arg("-C")
        .arg(dir.path())
        .arg("build")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains(": ") && err.contains("added ("), "{err}");
    // A second build changes nothing, and says so per environment.
    let out = platc()
        .arg("-C")
        .arg(dir.path())
        .arg("build")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(": no change"), "{err}");
    assert!(!err.contains("added ("), "{err}");
}

// ---- ApplicationSets: their generators expanded, their Applications rendered ----

/// A repository holding `files`, committed on `main`, with an origin remote naming it.
fn repo_of(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        write_file(dir.path(), path, text);
    }
    git_in(dir.path(), &["init", "-q"]);
    git_in(dir.path(), &["remote", "add", "origin", URL]);
    git_in(dir.path(), &["add", "-A"]);
    git_in(dir.path(), &["commit", "-q", "-m", "base"]);
    dir
}

fn write_file(dir: &Path, path: &str, text: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn config_map(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\ndata: {{a: \"1\"}}\n")
}

/// An ApplicationSet with `generators` (YAML, indented for `spec.generators`) and a template
/// deploying `{name}` from the folder `{path}`.
fn appset(generators: &str, go: bool, name: &str, path: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {{name: set, namespace: argocd}}\nspec:\n  goTemplate: {go}\n  generators:\n{generators}  template:\n    metadata: {{name: '{name}'}}\n    spec:\n      project: default\n      destination: {{name: prod, namespace: '{name}'}}\n      source: {{repoURL: {URL}, path: '{path}'}}\n"
    )
}

fn app_named<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    json["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no Application {name}: {json}"))
}

#[test]
fn a_list_element_added_shows_a_new_application_with_its_objects() {
    let list = |names: &[&str]| {
        let elements: Vec<String> = names.iter().map(|n| format!("{{team: {n}}}")).collect();
        appset(
            &format!("    - list: {{elements: [{}]}}\n", elements.join(", ")),
            false,
            "team-{{team}}",
            "teams/{{team}}",
        )
    };
    let dir = repo_of(&[
        ("apps/set.yaml", &list(&["a"])),
        ("teams/a/cm.yaml", &config_map("a-settings")),
        ("teams/b/cm.yaml", &config_map("b-settings")),
    ]);
    // Nothing changed: nothing to say (the ApplicationSet is expanded on both sides alike).
    let (code, out, err) = diff(dir.path(), &[]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    write_file(dir.path(), "apps/set.yaml", &list(&["a", "b"]));
    let (code, json) = json(dir.path());
    assert_eq!(code, 1, "{json}");
    let app = app_named(&json, "team-b");
    assert_eq!(app["status"], "added");
    assert_eq!(app["applicationSet"], "set");
    // The Application itself, and what it deploys.
    assert_eq!(
        app["added"],
        serde_json::json!([{"group": "", "kind": "ConfigMap", "namespace": "team-b", "name": "b-settings"},
            {"group": "argoproj.io", "kind": "Application", "namespace": "argocd", "name": "team-b"}])
    );
    // The ApplicationSet itself changed as an object; team-a did not change at all.
    let set = app_named(&json, "set");
    assert_eq!(set["kind"], "ApplicationSet");
    assert!(
        set["changed"][0]["fields"][0]["path"]
            .as_str()
            .unwrap()
            .starts_with("spec.generators")
    );
    assert!(
        json["applications"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["name"] != "team-a")
    );
    // Named under its ApplicationSet in text and markdown.
    let (_, text, _) = diff(dir.path(), &[]);
    assert!(
        text.contains("prod/team-b Application of ApplicationSet set"),
        "{text}"
    );
    assert!(text.contains("+ ConfigMap team-b/b-settings"), "{text}");
    let (_, md, _) = diff(dir.path(), &["--format", "markdown"]);
    assert!(md.contains("| prod | set / team-b | added | 2 |"), "{md}");
}

#[test]
fn a_git_directories_generator_picks_up_a_new_folder() {
    let set = appset(
        &format!(
            "    - git:\n        repoURL: {URL}\n        revision: HEAD\n        directories: [{{path: 'teams/*'}}, {{path: teams/old, exclude: true}}]\n"
        ),
        false,
        "team-{{path.basename}}",
        "{{path}}",
    );
    let dir = repo_of(&[
        ("apps/set.yaml", &set),
        ("teams/a/cm.yaml", &config_map("a-settings")),
        ("teams/old/cm.yaml", &config_map("old-settings")),
    ]);
    write_file(dir.path(), "teams/new/cm.yaml", &config_map("new-settings"));
    write_file(dir.path(), "teams/a/more.yaml", &config_map("a-more"));
    let (code, json) = json(dir.path());
    assert_eq!(code, 1, "{json}");
    let apps = json["applications"].as_array().unwrap();
    let names: Vec<&str> = apps.iter().map(|a| a["name"].as_str().unwrap()).collect();
    // Excluded folders generate nothing; the ApplicationSet itself is unchanged.
    assert_eq!(names, ["team-a", "team-new"], "{json}");
    assert_eq!(apps[0]["status"], "changed");
    assert_eq!(apps[0]["added"][0]["name"], "a-more");
    assert_eq!(apps[1]["status"], "added");
    assert_eq!(apps[1]["added"][0]["name"], "new-settings");
}

#[test]
fn a_go_template_with_index_and_a_pipe() {
    let set = appset(
        &format!(
            "    - git:\n        repoURL: {URL}\n        revision: HEAD\n        directories: [{{path: 'teams/*'}}]\n"
        ),
        true,
        "{{ index .path.segments 1 | upper | replace \"_\" \"-\" | lower }}-app",
        "{{ .path.path }}",
    );
    let dir = repo_of(&[
        ("apps/set.yaml", &set),
        ("teams/My_Team/cm.yaml", &config_map("old")),
    ]);
    write_file(dir.path(), "teams/My_Team/cm.yaml", &config_map("new"));
    let (code, json) = json(dir.path());
    assert_eq!(code, 1, "{json}");
    let app = app_named(&json, "my-team-app");
    assert_eq!(app["removed"][0]["name"], "old");
    assert_eq!(app["added"][0]["name"], "new");
    assert_eq!(app["added"][0]["namespace"], "my-team-app");
}

#[test]
fn a_clusters_generator_reads_the_cluster_secrets_of_the_repository() {
    let set = appset(
        "    - clusters: {selector: {matchLabels: {tier: edge}}}\n",
        false,
        "edge-{{nameNormalized}}",
        "edge",
    );
    let dir = repo_of(&[
        ("apps/set.yaml", &set),
        ("edge/cm.yaml", &config_map("edge")),
    ]);
    let (code, out, err) = diff(dir.path(), &[]);
    assert_eq!(
        (code, out.as_str()),
        (0, ""),
        "no cluster matches yet: {err}"
    );
    write_file(
        dir.path(),
        "clusters/edge-1.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: edge-1\n  namespace: argocd\n  labels: {argocd.argoproj.io/secret-type: cluster, tier: edge}\ntype: Opaque\nstringData: {name: Edge_1, server: 'https://edge-1.example.org:6443'}\n",
    );
    let (code, json) = json(dir.path());
    assert_eq!(code, 1, "{json}");
    let app = app_named(&json, "edge-edge-1");
    assert_eq!(app["status"], "added");
    assert_eq!(app["added"][0]["name"], "edge");
}

#[test]
fn an_unsupported_generator_is_compared_as_an_object_with_a_note() {
    let set = |org: &str| {
        appset(
            &format!("    - scmProvider: {{github: {{organization: {org}}}}}\n"),
            false,
            "{{repository}}",
            "apps",
        )
    };
    let dir = repo_of(&[("apps/set.yaml", &set("club"))]);
    write_file(dir.path(), "apps/set.yaml", &set("club2"));
    let (code, json) = json(dir.path());
    assert_eq!(code, 1, "{json}");
    let apps = json["applications"].as_array().unwrap();
    assert_eq!(apps.len(), 1, "{json}");
    assert_eq!(apps[0]["kind"], "ApplicationSet");
    assert_eq!(
        apps[0]["changed"][0]["fields"],
        serde_json::json!([{"path": "spec.generators[0].scmProvider.github.organization", "before": "club", "after": "club2"}])
    );
    let note = apps[0]["notes"][0].as_str().unwrap();
    assert!(
        note.contains("`scmProvider` generator cannot run offline"),
        "{note}"
    );
}

#[test]
fn a_template_error_on_one_side_keeps_the_applications_and_says_so() {
    let set = |key: &str| {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {{name: set, namespace: argocd}}\nspec:\n  goTemplate: true\n  goTemplateOptions: [\"missingkey=error\"]\n  generators:\n    - list: {{elements: [{{team: a}}]}}\n  template:\n    metadata: {{name: '{{{{.{key}}}}}'}}\n    spec: {{destination: {{name: prod, namespace: x}}, source: {{repoURL: {URL}, path: teams/a}}}}\n"
        )
    };
    let dir = repo_of(&[
        ("apps/set.yaml", &set("team")),
        ("teams/a/cm.yaml", &config_map("a")),
    ]);
    write_file(dir.path(), "apps/set.yaml", &set("tema"));
    let (code, json) = json(dir.path());
    // An incomplete diff.
    assert_eq!(code, 2, "{json}");
    let apps = json["applications"].as_array().unwrap();
    // Not "Application a removed": Argo CD keeps them when the template fails.
    assert_eq!(apps.len(), 1, "{json}");
    let error = apps[0]["errors"][0].as_str().unwrap();
    assert!(
        error.starts_with("work tree: not expanded") && error.contains("\"tema\""),
        "{error}"
    );
}

#[test]
fn the_sandboxes_application_set_of_a_compiled_spec_expands() {
    for at_runtime in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixtures().join("compile/sandboxes"), dir.path());
        if at_runtime {
            edit(
                dir.path(),
                "platform/platform.yaml",
                "members: members.yaml",
                "members: members.yaml\n    membersAtRuntime: true",
            );
        }
        git_in(dir.path(), &["init", "-q"]);
        git_in(dir.path(), &["add", "-A"]);
        git_in(dir.path(), &["commit", "-q", "-m", "base"]);
        let members = dir.path().join("platform/members.yaml");
        let mut text = std::fs::read_to_string(&members).unwrap();
        text.push_str("- name: cara\n");
        std::fs::write(&members, text).unwrap();
        let (code, json) = json(dir.path());
        assert_eq!(code, 1, "{json}");
        let apps = json["applications"].as_array().unwrap();
        let added: Vec<&serde_json::Value> = apps
            .iter()
            .filter(|a| a["applicationSet"].is_string())
            .collect();
        assert_eq!(added.len(), 1, "runtime {at_runtime}: {json}");
        assert_eq!(added[0]["name"], "sandboxes-cara-prod");
        assert_eq!(added[0]["status"], "added");
        assert_eq!(added[0]["applicationSet"], "sandboxes-prod");
        assert!(
            added[0]["sources"]
                .to_string()
                .contains("\"releaseName\",\"after\":\"cara\""),
            "{json}"
        );
    }
}

#[test]
fn an_application_the_sync_policy_keeps_says_so() {
    let list = |names: &[&str]| {
        let elements: Vec<String> = names.iter().map(|n| format!("{{team: {n}}}")).collect();
        appset(
            &format!("    - list: {{elements: [{}]}}\n", elements.join(", ")),
            false,
            "team-{{team}}",
            "teams/{{team}}",
        )
        .replace(
            "spec:\n  goTemplate",
            "spec:\n  syncPolicy: {applicationsSync: create-only}\n  goTemplate",
        )
    };
    let dir = repo_of(&[
        ("apps/set.yaml", &list(&["a", "b"])),
        ("teams/a/cm.yaml", &config_map("a-settings")),
        ("teams/b/cm.yaml", &config_map("b-settings")),
    ]);
    write_file(dir.path(), "apps/set.yaml", &list(&["a"]));
    let (code, json) = json(dir.path());
    assert_eq!(code, 1, "{json}");
    let app = app_named(&json, "team-b");
    assert_eq!(app["status"], "removed");
    assert_eq!(app["removed"][0]["name"], "b-settings");
    assert!(
        app["notes"]
            .to_string()
            .contains("`create-only`: Argo CD leaves this Application in place"),
        "{app}"
    );
}

#[test]
fn a_cluster_label_change_shows_on_the_generated_application() {
    let set = appset(
        "    - clusters: {selector: {matchLabels: {tier: edge}}}\n",
        false,
        "edge-{{nameNormalized}}",
        "edge",
    )
    .replace("project: default", "project: '{{metadata.labels.team}}'");
    let secret = |team: &str| {
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: edge-1\n  labels: {{argocd.argoproj.io/secret-type: cluster, tier: edge, team: {team}}}\nstringData: {{name: edge-1, server: 'https://edge-1.example.org'}}\n"
        )
    };
    let dir = repo_of(&[
        ("apps/set.yaml", &set),
        ("edge/cm.yaml", &config_map("edge")),
        ("clusters/edge-1.yaml", &secret("blue")),
    ]);
    write_file(dir.path(), "clusters/edge-1.yaml", &secret("green"));
    let (code, json) = json(dir.path());
    assert_eq!(code, 1, "{json}");
    let app = app_named(&json, "edge-edge-1");
    assert_eq!(app["status"], "changed");
    assert_eq!(app["changed"][0]["object"]["kind"], "Application");
    assert_eq!(
        app["changed"][0]["fields"],
        serde_json::json!([{"path": "spec.project", "before": "blue", "after": "green"}])
    );
}

#[test]
fn a_file_over_the_size_limit_is_said_not_silently_left_out() {
    let dir = repo();
    // apps/web.yaml is about 400 bytes; the other Applications are smaller.
    std::fs::write(
        dir.path().join(".platc.yaml"),
        "limits:\n  fileSize: 300B\n",
    )
    .unwrap();
    let (code, out, err) = diff(dir.path(), &[]);
    assert!(
        err.contains(
            "warning: `apps/web.yaml` is 390 bytes, over the 300 bytes read limit (`limits.fileSize`): not read, so an Application in it is not compared"
        ),
        "{err}"
    );
    // Over the limit on both sides, said once.
    assert_eq!(err.matches("`apps/web.yaml` is").count(), 1, "{err}");
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
}

/// The base commit is read into memory, never written out; but an overlay platc does not
/// build itself goes to kubectl, which needs files: that commit is then written out once, with
/// its links, and both sides build alike.
#[test]
fn an_overlay_kubectl_builds_is_compared_on_both_sides_links_included() {
    let app = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: tuned, namespace: argocd}}\nspec:\n  project: default\n  destination: {{name: prod, namespace: tuned}}\n  source: {{repoURL: {URL}, path: envs/tuned}}\n"
    );
    let dir = repo_of(&[
        ("apps/tuned.yaml", &app),
        ("shared/cm.yaml", &config_map("settings")),
        ("shared/kustomization.yaml", "resources: [cm.yaml]\n"),
        (
            "envs/tuned/kustomization.yaml",
            // `configurations` is kustomize's to model: the build goes to kubectl.
            "resources: [linked]\nconfigurations: [conf.yaml]\ncommonLabels: {tier: web}\n",
        ),
        (
            "envs/tuned/conf.yaml",
            "commonLabels:\n- path: spec/selector\n  create: true\n  kind: Widget\n",
        ),
    ]);
    std::os::unix::fs::symlink("../../shared", dir.path().join("envs/tuned/linked")).unwrap();
    git_in(dir.path(), &["add", "-A"]);
    git_in(dir.path(), &["commit", "-q", "-m", "link"]);
    edit(dir.path(), "shared/cm.yaml", "a: \"1\"", "a: \"2\"");
    let (code, json) = json(dir.path());
    assert_eq!(code, 1, "{json}");
    let app = app_named(&json, "tuned");
    assert_eq!(app["errors"], serde_json::json!([]), "{json}");
    assert_eq!(
        app["changed"],
        serde_json::json!([{"object": {"group": "", "kind": "ConfigMap", "namespace": "tuned", "name": "settings"},
            "fields": [{"path": "data.a", "before": "1", "after": "2"}]}]),
        "{json}"
    );
}
