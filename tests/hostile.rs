//! A repository written by an attacker (or broken by accident): platc gives a clear error and
//! never reads or writes outside the repository. Each test keeps a canary file outside the
//! repository and checks its content never reaches an output and nothing is written beside it.
#![cfg(unix)]

mod common;

use std::os::unix::fs::symlink;
use std::path::Path;

use common::{files_under, platc};

const CANARY: &str = "canary-content-outside-the-repository";

/// A folder outside the repository holding the canary file.
fn outside() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("canary"), CANARY).unwrap();
    dir
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// What one run printed, as text.
struct Printed {
    stdout: String,
    stderr: String,
}

impl Printed {
    fn of(assert: &assert_cmd::assert::Assert) -> Printed {
        let output = assert.get_output();
        Printed {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Both streams: for what must appear (or never appear) on either.
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

const SPEC_HEAD: &str = "apiVersion: platc.io/v1alpha1
kind: Platform
metadata: {name: demo}
spec:
  repo: {url: https://git.example.org/demo.git, revision: v1.0.0}
  environments:
    - {name: prod}
";

/// A repository with one local component (`apps/api`, copied into the generated tree since
/// it adds labels) and one blueprint tenant.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "platform/platform.yaml",
        &format!(
            "{SPEC_HEAD}  components:
    - name: api
      namespace: api
      resources: [apps/api]
      labels: {{team: web}}
  blueprints:
    site:
      path: blueprints/site
      params:
        club: {{type: dns-label, required: true}}
  tenants:
    - name: alpha
      blueprint: site
      params: {{club: alpha}}
"
        ),
    );
    write(
        root,
        "platform/apps/api/config.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\ndata:\n  a: b\n",
    );
    write(
        root,
        "platform/blueprints/site/config.yaml.j2",
        "{% include '_partial.j2' %}\n",
    );
    write(
        root,
        "platform/blueprints/site/_partial.j2",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ club }}\n",
    );
    dir
}

/// No file under `dir` (links aside) holds the canary's content.
fn assert_no_canary(dir: &Path) {
    for file in files_under(dir) {
        // The planted link itself holds it, of course: judge what platc wrote.
        if std::fs::symlink_metadata(dir.join(&file)).is_ok_and(|m| m.file_type().is_symlink()) {
            continue;
        }
        let text = std::fs::read(dir.join(&file)).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&text).contains(CANARY),
            "{file} holds the content of a file outside the repository"
        );
    }
}

/// Only the canary is in the outside folder: nothing was written there.
fn assert_untouched(outside: &Path) {
    assert_eq!(files_under(outside), vec!["canary".to_string()]);
}

#[test]
fn the_repository_builds_as_a_baseline() {
    let repo = repo();
    platc()
        .arg("-C")
        .arg(repo.path())
        .arg("build")
        .assert()
        .success();
    assert!(repo.path().join("overlays/prod").is_dir());
}

#[test]
fn a_blueprint_partial_linked_outside_is_refused() {
    let repo = repo();
    let out = outside();
    let partial = repo.path().join("platform/blueprints/site/_partial.j2");
    std::fs::remove_file(&partial).unwrap();
    symlink(out.path().join("canary"), &partial).unwrap();
    let assert = platc()
        .arg("-C")
        .arg(repo.path())
        .arg("build")
        .assert()
        .code(2);
    let Printed { stdout, stderr } = Printed::of(&assert);
    assert!(
        stdout.contains("leads outside the repository"),
        "{stdout}{stderr}"
    );
    assert!(!stdout.contains(CANARY) && !stderr.contains(CANARY));
    assert_no_canary(repo.path());
}

#[test]
fn a_component_file_linked_outside_is_refused() {
    let repo = repo();
    let out = outside();
    symlink(
        out.path().join("canary"),
        repo.path().join("platform/apps/api/leak.yaml"),
    )
    .unwrap();
    let assert = platc()
        .arg("-C")
        .arg(repo.path())
        .arg("build")
        .assert()
        .code(2);
    let Printed { stdout, .. } = Printed::of(&assert);
    assert!(stdout.contains("spec/unreadable"), "{stdout}");
    assert!(stdout.contains("platform/apps/api/leak.yaml"), "{stdout}");
    assert!(!stdout.contains(CANARY));
    assert_no_canary(repo.path());
}

#[test]
fn a_link_inside_the_repository_is_followed() {
    let repo = repo();
    write(
        repo.path(),
        "shared/extra.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n",
    );
    symlink(
        repo.path().join("shared/extra.yaml"),
        repo.path().join("platform/apps/api/extra.yaml"),
    )
    .unwrap();
    platc()
        .arg("-C")
        .arg(repo.path())
        .arg("build")
        .assert()
        .success();
}

#[test]
fn build_never_writes_through_a_linked_output_folder() {
    for link in ["overlays", "overlays/prod/apps"] {
        let repo = repo();
        let out = tempfile::tempdir().unwrap();
        std::fs::write(out.path().join("canary"), CANARY).unwrap();
        if link != "overlays" {
            platc()
                .arg("-C")
                .arg(repo.path())
                .arg("build")
                .assert()
                .success();
            std::fs::remove_dir_all(repo.path().join(link)).unwrap();
        }
        symlink(out.path(), repo.path().join(link)).unwrap();

        let assert = platc()
            .arg("-C")
            .arg(repo.path())
            .arg("build")
            .assert()
            .code(2);
        let Printed { stderr, .. } = Printed::of(&assert);
        assert!(
            stderr.contains(&format!("`{link}` is a symbolic link")),
            "{link}: {stderr}"
        );
        assert_untouched(out.path());

        let assert = platc()
            .arg("-C")
            .arg(repo.path())
            .args(["build", "--check"])
            .assert()
            .code(1);
        let Printed { stdout, .. } = Printed::of(&assert);
        assert!(stdout.contains("build/link"), "{link}: {stdout}");
    }
}

#[test]
fn a_generated_file_replaced_by_a_link_is_reported_not_replaced() {
    let repo = repo();
    let out = outside();
    platc()
        .arg("-C")
        .arg(repo.path())
        .arg("build")
        .assert()
        .success();
    let generated = files_under(&repo.path().join("overlays"))
        .into_iter()
        .find(|f| f.ends_with("config.yaml"))
        .expect("a generated config.yaml");
    let path = repo.path().join("overlays").join(&generated);
    std::fs::remove_file(&path).unwrap();
    symlink(out.path().join("canary"), &path).unwrap();

    platc()
        .arg("-C")
        .arg(repo.path())
        .args(["build", "--check"])
        .assert()
        .code(1)
        .stdout(predicates::str::contains("build/link"));
    platc()
        .arg("-C")
        .arg(repo.path())
        .arg("build")
        .assert()
        .code(2);
    assert!(path.symlink_metadata().unwrap().file_type().is_symlink());
    assert_untouched(out.path());
}

#[test]
fn temporary_files_of_an_interrupted_build_are_reported_and_removed() {
    let repo = repo();
    platc()
        .arg("-C")
        .arg(repo.path())
        .arg("build")
        .assert()
        .success();
    let leftover = repo
        .path()
        .join("overlays/prod/.kustomization.yaml.platc-4242.tmp");
    std::fs::write(&leftover, "half a file").unwrap();

    platc()
        .arg("-C")
        .arg(repo.path())
        .args(["build", "--check"])
        .assert()
        .code(1)
        .stdout(predicates::str::contains("build/interrupted"))
        .stdout(predicates::str::contains(
            ".kustomization.yaml.platc-4242.tmp",
        ));
    platc()
        .arg("-C")
        .arg(repo.path())
        .arg("build")
        .assert()
        .success()
        .stderr(predicates::str::contains("interrupted build"));
    assert!(!leftover.exists());
    platc()
        .arg("-C")
        .arg(repo.path())
        .args(["build", "--check"])
        .assert()
        .success();
}

#[test]
fn a_template_that_would_run_for_hours_stops_with_an_error() {
    let repo = repo();
    write(
        repo.path(),
        "platform/blueprints/site/_partial.j2",
        "{% for a in range(10000) %}{% for b in range(10000) %}{% for c in range(10000) %}{% endfor %}{% endfor %}{% endfor %}\n",
    );
    platc()
        .arg("-C")
        .arg(repo.path())
        .arg("build")
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2)
        .stdout(predicates::str::contains(
            "more work than platc allows one render",
        ));
}

#[test]
fn a_template_rendering_a_huge_file_is_refused() {
    let repo = repo();
    write(
        repo.path(),
        "platform/blueprints/site/_partial.j2",
        "data: {{ 'x' * 9000000 }}\n",
    );
    let assert = platc()
        .arg("-C")
        .arg(repo.path())
        .arg("build")
        .assert()
        .code(2);
    let Printed { stdout, .. } = Printed::of(&assert);
    assert!(
        stdout
            .contains("more than the 8 MiB platc writes for one file (`limits.renderedFileSize`)"),
        "{stdout}"
    );
    assert!(!repo.path().join("overlays").exists());
}

#[test]
fn schemas_import_builds_output_paths_from_valid_names_only() {
    for (group, kind, version) in [
        ("../../../escaped", "Thing", "v1"),
        ("/etc", "Thing", "v1"),
        ("example.com", "../Thing", "v1"),
        ("example.com", "Thing", "../v1"),
    ] {
        let repo = tempfile::tempdir().unwrap();
        let crd = format!(
            "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.example.com
spec:
  group: \"{group}\"
  names: {{kind: \"{kind}\", plural: things}}
  scope: Namespaced
  versions:
    - name: \"{version}\"
      served: true
      storage: true
      schema:
        openAPIV3Schema: {{type: object}}
"
        );
        write(repo.path(), "crd.yaml", &crd);
        let before = files_under(repo.path());
        let assert = platc()
            .arg("-C")
            .arg(repo.path())
            .args(["schemas", "import", "crd.yaml", "--out", "out/a/b"])
            .assert()
            .code(2);
        let Printed { stderr, .. } = Printed::of(&assert);
        assert!(stderr.contains("nothing was imported"), "{group}: {stderr}");
        assert_eq!(files_under(repo.path()), before, "{group} {kind} {version}");
        assert!(!repo.path().parent().unwrap().join("escaped").exists());
    }
}

#[test]
fn control_characters_in_file_names_are_escaped() {
    let repo = tempfile::tempdir().unwrap();
    write(
        repo.path(),
        "bad\nerror: forged line \u{1b}[31m.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n",
    );
    let assert = platc()
        .arg("-C")
        .arg(repo.path())
        .arg("validate")
        .assert()
        .code(1);
    let Printed { stdout, .. } = Printed::of(&assert);
    assert!(
        stdout.contains("bad\\nerror: forged line \\u{1b}[31m.yaml"),
        "{stdout}"
    );
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    assert!(!stdout.lines().any(|l| l.starts_with("error: forged line")));
}

#[test]
fn the_plugin_never_prints_a_file_linked_outside() {
    let repo = tempfile::tempdir().unwrap();
    let out = outside();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    write(
        repo.path(),
        "apps/web/config.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n",
    );
    symlink(
        out.path().join("canary"),
        repo.path().join("apps/web/leak.yaml"),
    )
    .unwrap();
    let assert = platc()
        .current_dir(repo.path().join("apps/web"))
        .env("ARGOCD_APP_SOURCE_PATH", "apps/web")
        .arg("generate")
        .assert()
        .failure();
    let all = Printed::of(&assert).all();
    assert!(all.contains("leads outside the repository"), "{all}");
    assert!(!all.contains(CANARY), "{all}");
}

#[test]
fn a_finding_far_along_a_huge_line_is_reported_without_a_snippet() {
    let repo = tempfile::tempdir().unwrap();
    write(
        repo.path(),
        "flow.yaml",
        &format!("a: [{}}}]\n", "1,".repeat(40_000)),
    );
    platc()
        .arg("-C")
        .arg(repo.path())
        .arg("validate")
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "flow.yaml:1:80005: not valid YAML",
        ));
}

#[test]
fn errors_on_standard_error_never_carry_control_characters() {
    let repo = repo();
    let elsewhere = tempfile::tempdir().unwrap();
    platc()
        .arg("-C")
        .arg(repo.path())
        .arg("build")
        .assert()
        .success();
    symlink(
        elsewhere.path(),
        repo.path().join("overlays/prod/x\u{1b}[31mRED"),
    )
    .unwrap();
    let assert = platc()
        .arg("-C")
        .arg(repo.path())
        .arg("build")
        .assert()
        .code(2);
    let Printed { stderr, .. } = Printed::of(&assert);
    assert!(stderr.contains("x\\u{1b}[31mRED"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

#[test]
fn a_planted_link_at_a_temporary_name_is_never_followed() {
    // The temporary name holds a random part: a link planted at `.NAME.platc-PID.tmp` is
    // not where platc writes, and the file it points to stays as it was.
    let repo = tempfile::tempdir().unwrap();
    let out = outside();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    for pid in 1..200 {
        let _ = symlink(
            out.path().join("canary"),
            repo.path()
                .join(format!("..platc-secrets-baseline.json.platc-{pid}.tmp")),
        );
    }
    platc()
        .arg("-C")
        .arg(repo.path())
        .args(["secrets", "--write-baseline"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(out.path().join("canary")).unwrap(),
        CANARY
    );
    assert!(
        !std::fs::symlink_metadata(repo.path().join(".platc-secrets-baseline.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn the_secret_scan_does_not_read_a_file_linked_outside() {
    let repo = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    // Built at run time: the project's own history scan must not see a credential here.
    let key = format!("AKIA{}", "QYLPMN5HHHFPZAM2");
    std::fs::write(
        out.path().join("credentials"),
        format!("aws_access_key_id = {key}\n"),
    )
    .unwrap();
    symlink(
        out.path().join("credentials"),
        repo.path().join("creds.txt"),
    )
    .unwrap();
    let assert = platc().arg("-C").arg(repo.path()).arg("secrets").assert();
    let Printed { stdout, .. } = Printed::of(&assert);
    assert!(!stdout.contains("AKIA"), "{stdout}");
}

#[test]
fn the_plugin_refuses_a_generated_folder_holding_a_link() {
    let repo = repo();
    let out = outside();
    platc()
        .arg("-C")
        .arg(repo.path())
        .arg("build")
        .assert()
        .success();
    let folder = repo.path().join("overlays/prod");
    let generated = std::fs::read_dir(&folder)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "yaml") && !p.ends_with("kustomization.yaml"))
        .expect("a generated file beside the kustomization");
    std::fs::remove_file(&generated).unwrap();
    symlink(out.path().join("canary"), &generated).unwrap();
    let assert = platc()
        .current_dir(&folder)
        .env("ARGOCD_APP_SOURCE_PATH", "overlays/prod")
        .arg("generate")
        .assert()
        .failure();
    let all = Printed::of(&assert).all();
    assert!(all.contains("build/link"), "{all}");
    assert!(!all.contains(CANARY), "{all}");
}

#[test]
fn reading_git_outside_a_repository_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".platc.yaml"), "exclude: []\n").unwrap();
    for option in ["--staged", "--history"] {
        let assert = platc()
            .arg("-C")
            .arg(dir.path())
            .args(["secrets", option])
            .env("GIT_CEILING_DIRECTORIES", dir.path().parent().unwrap())
            .assert()
            .code(2);
        let Printed { stderr, .. } = Printed::of(&assert);
        assert!(
            stderr.contains(&format!("`{option}` reads git"))
                && stderr.contains("is not in a git repository"),
            "{stderr}"
        );
    }
}

/// `platc -C dir ARGS`, which must exit with `code`.
fn run(dir: &Path, args: &[&str], code: i32) -> Printed {
    let assert = platc().arg("-C").arg(dir).args(args).assert().code(code);
    Printed::of(&assert)
}

fn limits(root: &Path, yaml: &str) {
    write(root, ".platc.yaml", &format!("limits:\n{yaml}"));
}

/// A ConfigMap of about `size` bytes: one long value, so few YAML nodes.
fn config_map_of(size: usize) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: {}\n",
        "x".repeat(size)
    )
}

#[test]
fn the_file_size_limit_is_lowered_and_raised_in_platc_yaml() {
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "apps/big.yaml", &config_map_of(100 * 1024));
    limits(repo.path(), "  fileSize: 64KiB\n");
    let out = run(repo.path(), &["validate"], 1);
    assert!(
        out.stdout
            .contains("apps/big.yaml: not checked: it is 100.1 KiB, over the 64 KiB read limit (`limits.fileSize`)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("raise `limits.fileSize` in .platc.yaml (now 64 KiB)"),
        "{}",
        out.stdout
    );
    limits(repo.path(), "  fileSize: 1MiB\n");
    run(repo.path(), &["validate"], 0);

    // Over the 8 MiB default, read once the limit is raised.
    write(
        repo.path(),
        "apps/big.yaml",
        &config_map_of(9 * 1024 * 1024),
    );
    std::fs::remove_file(repo.path().join(".platc.yaml")).unwrap();
    let out = run(repo.path(), &["validate"], 1);
    assert!(
        out.stdout.contains("over the 8 MiB read limit"),
        "{}",
        out.stdout
    );
    limits(repo.path(), "  fileSize: 16MiB\n");
    run(repo.path(), &["validate"], 0);
}

#[test]
fn a_kustomization_reading_a_file_over_the_size_limit_is_not_built() {
    let repo = tempfile::tempdir().unwrap();
    write(
        repo.path(),
        "app/kustomization.yaml",
        "resources: [big.yaml]\n",
    );
    write(repo.path(), "app/big.yaml", &config_map_of(100 * 1024));
    limits(repo.path(), "  fileSize: 64KiB\n");
    let out = run(repo.path(), &["validate"], 1);
    assert!(
        out.stdout.contains(
            "app/kustomization.yaml:1:13: info[kustomize/not-built]: `app/big.yaml` is 100.1 KiB, over the 64 KiB read limit (`limits.fileSize`); the kustomization was not built"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn the_yaml_node_limit_is_set_in_platc_yaml() {
    let repo = tempfile::tempdir().unwrap();
    write(
        repo.path(),
        "flow.yaml",
        &format!("a: [{}1]\n", "1,".repeat(3000)),
    );
    limits(repo.path(), "  yamlNodes: 1000\n");
    let out = run(repo.path(), &["validate"], 1);
    assert!(
        out.stdout.contains(
            "flow.yaml:1:2003: not checked: it holds more than 1000 YAML nodes, over the `limits.yamlNodes` budget"
        ),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("io/unreadable"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("raise `limits.yamlNodes` in .platc.yaml (now 1000)"),
        "{}",
        out.stdout
    );
    limits(repo.path(), "  yamlNodes: 5000\n");
    run(repo.path(), &["validate"], 0);
}

#[test]
fn the_objects_per_file_limit_covers_files_builds_and_the_plugin() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    let maps: String = (0..5)
        .map(|i| format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m{i}\n"))
        .collect();
    write(repo.path(), "apps/web/maps.yaml", &maps);
    limits(repo.path(), "  objectsPerFile: 3\n");
    let out = run(repo.path(), &["validate"], 1);
    assert!(
        out.stdout.contains(
            "apps/web/maps.yaml: not checked: it holds 5 objects, over the `limits.objectsPerFile` budget of 3"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("raise `limits.objectsPerFile`"),
        "{}",
        out.stdout
    );

    // The plugin renders nothing rather than part of the Application.
    let assert = platc()
        .current_dir(repo.path().join("apps/web"))
        .env("ARGOCD_APP_SOURCE_PATH", "apps/web")
        .arg("generate")
        .assert()
        .code(1);
    let out = Printed::of(&assert);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(out.stderr.contains("it holds 5 objects"), "{}", out.stderr);

    // A kustomization's output counts as one file.
    std::fs::remove_file(repo.path().join("apps/web/maps.yaml")).unwrap();
    for i in 0..5 {
        write(
            repo.path(),
            &format!("apps/web/m{i}.yaml"),
            &format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m{i}\n"),
        );
    }
    write(
        repo.path(),
        "apps/web/kustomization.yaml",
        "resources: [m0.yaml, m1.yaml, m2.yaml, m3.yaml, m4.yaml]\n",
    );
    let out = run(repo.path(), &["validate"], 1);
    assert!(
        out.stdout
            .contains("the output holds 5 objects, over the `limits.objectsPerFile` budget of 3"),
        "{}",
        out.stdout
    );
    limits(repo.path(), "  objectsPerFile: 5\n");
    run(repo.path(), &["validate"], 0);
}

#[test]
fn the_template_fuel_is_lowered_and_raised_in_platc_yaml() {
    let repo = repo();
    write(
        repo.path(),
        "platform/blueprints/site/_partial.j2",
        "{% for a in range(1500) %}{% for b in range(1000) %}{% endfor %}{% endfor %}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ club }}\n",
    );
    let out = run(repo.path(), &["build"], 2);
    assert!(
        out.stdout
            .contains("raise `limits.templateFuel` in .platc.yaml (now 1000000)"),
        "{}",
        out.stdout
    );
    assert!(!repo.path().join("overlays").exists());
    limits(repo.path(), "  templateFuel: 50000000\n");
    run(repo.path(), &["build"], 0);

    write(
        repo.path(),
        "platform/blueprints/site/_partial.j2",
        "{% for a in range(1000) %}{% endfor %}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ club }}\n",
    );
    limits(repo.path(), "  templateFuel: 100\n");
    let out = run(repo.path(), &["build", "--check"], 2);
    assert!(
        out.stdout
            .contains("more work than platc allows one render (100 steps)"),
        "{}",
        out.stdout
    );
}

#[test]
fn the_rendered_file_size_is_lowered_and_raised_in_platc_yaml() {
    let repo = repo();
    write(
        repo.path(),
        "platform/blueprints/site/_partial.j2",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ club }}\ndata:\n  blob: {{ 'x' * 2000 }}\n",
    );
    limits(repo.path(), "  renderedFileSize: 1KiB\n");
    let out = run(repo.path(), &["build"], 2);
    assert!(
        out.stdout.contains(
            "`config.yaml` renders to 2.0 KiB, more than the 1 KiB platc writes for one file (`limits.renderedFileSize`)"
        ),
        "{}",
        out.stdout
    );
    assert!(!repo.path().join("overlays").exists());

    // A copied manifest counts too, at the file it comes from.
    write(
        repo.path(),
        "platform/blueprints/site/_partial.j2",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ club }}\n",
    );
    write(
        repo.path(),
        "platform/apps/api/big.yaml",
        &config_map_of(2000),
    );
    let out = run(repo.path(), &["build"], 2);
    assert!(out.stdout.contains("build/too-large"), "{}", out.stdout);
    assert!(
        out.stdout.contains("platform/apps/api/big.yaml"),
        "{}",
        out.stdout
    );

    // Over the 8 MiB default once raised.
    std::fs::remove_file(repo.path().join("platform/apps/api/big.yaml")).unwrap();
    write(
        repo.path(),
        "platform/blueprints/site/_partial.j2",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ club }}\ndata:\n  blob: {{ 'x' * 9000000 }}\n",
    );
    limits(repo.path(), "  renderedFileSize: 16MiB\n");
    run(repo.path(), &["build"], 0);
}

#[test]
fn the_rendered_total_size_is_set_in_platc_yaml() {
    let repo = repo();
    limits(repo.path(), "  renderedTotalSize: 1KiB\n");
    let out = run(repo.path(), &["build"], 2);
    assert!(out.stdout.contains("build/too-large"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("more than the 1 KiB one build may generate (`limits.renderedTotalSize`)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("raise `limits.renderedTotalSize` in .platc.yaml (now 1 KiB)"),
        "{}",
        out.stdout
    );
    assert!(!repo.path().join("overlays").exists());
    limits(repo.path(), "  renderedTotalSize: 1MiB\n");
    run(repo.path(), &["build"], 0);
}

#[test]
fn a_bad_limit_is_a_config_error_at_its_place() {
    let repo = tempfile::tempdir().unwrap();
    write(
        repo.path(),
        "apps/a.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    );
    for (yaml, at, says) in [
        (
            "  fileSize: 8MB\n",
            ".platc.yaml:2:13",
            "`8MB` is not a size (did you mean MiB?)",
        ),
        (
            "  templateFuel: 0\n",
            ".platc.yaml:2:17",
            "0 would refuse everything",
        ),
        (
            "  yamlNodes: lots\n",
            ".platc.yaml:2:14",
            "a whole number of at least 1",
        ),
        (
            "  objectsPerFile: -3\n",
            ".platc.yaml:2:19",
            "-3 is negative",
        ),
        (
            "  fileSise: 1MiB\n",
            ".platc.yaml:2:3",
            "did you mean `fileSize`?",
        ),
    ] {
        limits(repo.path(), yaml);
        for command in [&["validate"][..], &["secrets"][..]] {
            let out = run(repo.path(), command, 2);
            assert!(
                out.stdout.contains("config/invalid"),
                "{yaml}: {}",
                out.stdout
            );
            assert!(out.stdout.contains(at), "{yaml}: {}", out.stdout);
            assert!(out.all().contains(says), "{yaml}: {}", out.all());
        }
    }
}

#[test]
fn the_plugin_refuses_a_kustomization_reading_a_file_over_the_size_limit() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    write(
        repo.path(),
        "apps/web/kustomization.yaml",
        "resources: [big.yaml]\n",
    );
    write(repo.path(), "apps/web/big.yaml", &config_map_of(100 * 1024));
    limits(repo.path(), "  fileSize: 64KiB\n");
    let assert = platc()
        .current_dir(repo.path().join("apps/web"))
        .env("ARGOCD_APP_SOURCE_PATH", "apps/web")
        .arg("generate")
        .assert()
        .code(2);
    let out = Printed::of(&assert);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains(
            "`apps/web/big.yaml` is 100.1 KiB, over the 64 KiB read limit (`limits.fileSize`)"
        ),
        "{}",
        out.stderr
    );
    limits(repo.path(), "  fileSize: 1MiB\n");
    let assert = platc()
        .current_dir(repo.path().join("apps/web"))
        .env("ARGOCD_APP_SOURCE_PATH", "apps/web")
        .arg("generate")
        .assert()
        .success();
    assert!(Printed::of(&assert).stdout.contains("name: big"));
}

/// `platc generate` in `apps/web` of `repo`, with the environment `env`.
fn generate(repo: &Path, env: &[(&str, &str)], code: i32) -> Printed {
    let mut cmd = platc();
    cmd.current_dir(repo.join("apps/web"))
        .env("ARGOCD_APP_SOURCE_PATH", "apps/web");
    for (k, v) in env {
        cmd.env(k, v);
    }
    Printed::of(&cmd.arg("generate").assert().code(code))
}

#[test]
fn the_plugin_holds_a_repository_to_the_default_limits_unless_the_operator_raises_them() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    write(
        repo.path(),
        "apps/web/kustomization.yaml",
        "resources: [big.yaml]\n",
    );
    write(
        repo.path(),
        "apps/web/big.yaml",
        &config_map_of(9 * 1024 * 1024),
    );
    // A hostile repository raises its own budget: the plugin keeps today's default.
    limits(repo.path(), "  fileSize: 1GiB\n");
    let out = generate(repo.path(), &[], 2);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains(
            "warning: `limits.fileSize` in .platc.yaml is 1 GiB, above the ceiling PLATC_MAX_FILE_SIZE=8 MiB: 8 MiB applies"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("over the 8 MiB read limit"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("ask whoever runs platc to raise its ceiling PLATC_MAX_FILE_SIZE=8 MiB"),
        "{}",
        out.stderr
    );
    // The operator raises the ceiling on the sidecar: the repository's value applies up to it.
    let out = generate(repo.path(), &[("PLATC_MAX_FILE_SIZE", "16MiB")], 0);
    assert!(out.stdout.contains("name: big"));
    assert!(
        out.stderr
            .contains("is 1 GiB, above the ceiling PLATC_MAX_FILE_SIZE=16 MiB: 16 MiB applies"),
        "{}",
        out.stderr
    );
    // A repository may always lower its limits, silently.
    limits(repo.path(), "  fileSize: 64KiB\n");
    let out = generate(repo.path(), &[], 2);
    assert!(!out.stderr.contains("warning:"), "{}", out.stderr);
    assert!(
        out.stderr.contains("over the 64 KiB read limit"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_ceiling_in_the_environment_caps_the_repository_limits_outside_the_plugin_too() {
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "apps/big.yaml", &config_map_of(100 * 1024));
    limits(repo.path(), "  fileSize: 1MiB\n  yamlNodes: 5000\n");
    // No ceiling on a laptop or in CI: the repository's values apply.
    run(repo.path(), &["validate"], 0);
    let assert = platc()
        .arg("-C")
        .arg(repo.path())
        .env("PLATC_MAX_FILE_SIZE", "64KiB")
        .env("PLATC_MAX_YAML_NODES", "100000")
        .arg("validate")
        .assert()
        .code(1);
    let out = Printed::of(&assert);
    assert!(
        out.stderr.contains(
            "warning: `limits.fileSize` in .platc.yaml is 1 MiB, above the ceiling PLATC_MAX_FILE_SIZE=64 KiB: 64 KiB applies"
        ),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("yamlNodes"),
        "under its ceiling: {}",
        out.stderr
    );
    assert!(
        out.stdout.contains("over the 64 KiB read limit"),
        "{}",
        out.stdout
    );
    // A ceiling that is not a size is a usage error, said before anything is read.
    let assert = platc()
        .arg("-C")
        .arg(repo.path())
        .env("PLATC_MAX_FILE_SIZE", "8MB")
        .arg("validate")
        .assert()
        .code(2);
    let out = Printed::of(&assert);
    assert!(
        out.stderr
            .contains("error: PLATC_MAX_FILE_SIZE: `8MB` is not a size (did you mean MiB?)"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_plugin_without_kustomize_names_the_file_over_the_size_limit() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    write(
        repo.path(),
        "apps/web/kustomization.yaml",
        "resources: [big.yaml]\n",
    );
    write(repo.path(), "apps/web/big.yaml", &config_map_of(100 * 1024));
    limits(repo.path(), "  fileSize: 64KiB\n");
    // No kustomize or kubectl on PATH: the in-process build, which does not read the file,
    // must not blame kustomize features.
    let out = generate(repo.path(), &[("PATH", "")], 2);
    assert!(
        out.stderr.contains(
            "`apps/web/big.yaml` is 100.1 KiB, over the 64 KiB read limit (`limits.fileSize`)"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("features"), "{}", out.stderr);
    limits(repo.path(), "  fileSize: 1MiB\n");
    let out = generate(repo.path(), &[("PATH", "")], 0);
    assert!(out.stdout.contains("name: big"), "{}", out.stdout);
}

#[test]
fn the_plugin_refuses_a_kustomization_file_over_the_size_limit() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    // Valid and small in what it says, large in bytes: kustomize would read it whole.
    write(
        repo.path(),
        "apps/web/kustomization.yaml",
        &format!("resources: [cm.yaml]\n# {}\n", "x".repeat(100 * 1024)),
    );
    write(repo.path(), "apps/web/cm.yaml", &config_map_of(10));
    limits(repo.path(), "  fileSize: 64KiB\n");
    let out = generate(repo.path(), &[], 2);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains(
            "cannot read `apps/web/kustomization.yaml`: `apps/web/kustomization.yaml` is 100.0 KiB, over the 64 KiB read limit: split it, or raise `limits.fileSize` in .platc.yaml (now 64 KiB)"
        ),
        "{}",
        out.stderr
    );
    limits(repo.path(), "  fileSize: 1MiB\n");
    let out = generate(repo.path(), &[], 0);
    assert!(out.stdout.contains("name: big"), "{}", out.stdout);
}
