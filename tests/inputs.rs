//! What platc reads as a manifest, and that nothing is left out without a word: absolute
//! paths, unreadable and oddly encoded files, hidden folders, templates, encrypted and
//! non-Kubernetes documents, and files with one broken document.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

/// A Pod both `validate` (its name) and `lint` (its image tag) have something to say about.
const BAD_NAME: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers:\n    - {name: web, image: \"nginx:latest\"}\n";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }

    /// `(rule, file, line)` of each finding of a JSON report.
    fn findings(&self) -> Vec<(String, String, u64)> {
        self.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["file"].as_str().unwrap_or("").to_string(),
                    f["line"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    }

    fn message_of(&self, rule: &str, file: &str) -> String {
        self.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule && f["file"] == file)
            .map(|f| f["message"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no {rule} on {file}: {}", self.stdout))
    }
}

/// `platc ARGS` started in `dir`.
fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = platc().current_dir(dir).args(args).output().unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A repository (a `.git` folder marks its root) holding the given files.
fn repo(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    for (path, bytes) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    dir
}

/// A copy of `tests/fixtures/inputs/<name>` as a repository.
fn fixture_repo(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("inputs").join(name), dir.path());
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    dir
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for unit in text.encode_utf16() {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

#[test]
fn absolute_paths_read_what_relative_paths_read_in_every_command() {
    let dir = repo(&[("m/cm.yaml", BAD_NAME.as_bytes())]);
    let absolute = dir.path().join("m").display().to_string();
    for command in ["validate", "lint", "check"] {
        let relative = run_in(dir.path(), &[command, "--format", "json", "m"]);
        // Started elsewhere (the repository root is then found from nowhere): the absolute
        // path still reaches the file.
        let from_elsewhere = run_in(
            &dir.path().join("m"),
            &[command, "--format", "json", &absolute],
        );
        assert_ne!(relative.code, 2, "{command}: {}", relative.stderr);
        assert_eq!(from_elsewhere.code, relative.code, "{command}");
        assert_eq!(relative.json()["summary"]["files"], 1, "{command}");
        assert_eq!(from_elsewhere.findings(), relative.findings(), "{command}");
        assert!(
            relative
                .findings()
                .iter()
                .any(|(_, file, _)| file == "m/cm.yaml"),
            "{command}: {:?}",
            relative.findings()
        );
    }
}

#[test]
fn a_path_argument_without_files_is_a_usage_error_naming_it() {
    let dir = repo(&[
        ("m/cm.yaml", BAD_NAME.as_bytes()),
        ("empty/README.md", b"nothing here\n"),
    ]);
    std::fs::create_dir_all(dir.path().join("void")).unwrap();
    for command in ["validate", "lint"] {
        let r = run_in(dir.path(), &[command, "m", "empty"]);
        assert_eq!(r.code, 2, "{command}: {}", r.stderr);
        assert!(
            r.stderr.contains("no YAML files in `empty`"),
            "{command}: {}",
            r.stderr
        );
    }
    // `check` also scans for secrets: a folder with any file is read; an empty one is not.
    let r = run_in(dir.path(), &["check", "m", "empty"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let r = run_in(dir.path(), &["check", "m", "void"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no files in `void`"), "{}", r.stderr);
}

#[test]
fn files_that_cannot_be_decoded_are_findings_with_the_reason() {
    let mut nul = BAD_NAME.as_bytes().to_vec();
    nul.extend(b"# \0\n");
    let mut latin1 = BAD_NAME.as_bytes().to_vec();
    latin1.extend(b"# caf\xe9\n");
    let mut huge = BAD_NAME.as_bytes().to_vec();
    huge.extend(b"# ");
    huge.extend(std::iter::repeat_n(b'x', 9 * 1024 * 1024));
    huge.push(b'\n');
    let dir = repo(&[
        ("m/nul.yaml", &nul),
        ("m/latin1.yaml", &latin1),
        ("m/huge.yaml", &huge),
    ]);
    for command in ["validate", "lint", "check"] {
        let r = run_in(dir.path(), &[command, "--format", "json"]);
        assert_eq!(r.code, 1, "{command}: {}", r.stderr);
        let unreadable: Vec<(String, u64)> = r
            .findings()
            .into_iter()
            .filter(|(rule, _, _)| rule == "io/unreadable")
            .map(|(_, file, line)| (file, line))
            .collect();
        assert_eq!(
            unreadable,
            [
                ("m/huge.yaml".to_string(), 0),
                ("m/latin1.yaml".to_string(), 8),
                ("m/nul.yaml".to_string(), 8)
            ],
            "{command}"
        );
        assert!(
            r.message_of("io/unreadable", "m/nul.yaml")
                .contains("NUL byte")
        );
        assert!(
            r.message_of("io/unreadable", "m/latin1.yaml")
                .contains("not valid UTF-8")
        );
        assert!(
            r.message_of("io/unreadable", "m/huge.yaml")
                .contains("over the 8 MiB read limit")
        );
    }
    let human = run_in(dir.path(), &["validate"]);
    assert!(
        human
            .stdout
            .contains("3 YAML files skipped: 3 unreadable (io/unreadable)"),
        "{}",
        human.stdout
    );
}

#[test]
fn a_file_that_cannot_be_opened_is_a_finding() {
    let dir = repo(&[("m/locked.yaml", BAD_NAME.as_bytes())]);
    let locked = dir.path().join("m/locked.yaml");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // A superuser reads the file anyway: nothing to test then.
    if std::fs::read(&locked).is_ok() {
        return;
    }
    let r = run_in(dir.path(), &["validate", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.message_of("io/unreadable", "m/locked.yaml")
            .contains("permission denied")
    );
}

#[test]
fn utf16_and_utf8_with_a_byte_order_mark_are_read_as_kustomize_reads_them() {
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(BAD_NAME.bytes());
    let dir = repo(&[
        ("m/le.yaml", &utf16(BAD_NAME, false)),
        ("m/be.yaml", &utf16(BAD_NAME, true)),
        ("m/bom.yaml", &bom),
    ]);
    let r = run_in(dir.path(), &["validate", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let names: Vec<_> = r
        .findings()
        .into_iter()
        .filter(|(rule, _, _)| rule == "metadata/invalid-name")
        .collect();
    assert_eq!(
        names,
        [
            (
                "metadata/invalid-name".to_string(),
                "m/be.yaml".to_string(),
                4
            ),
            (
                "metadata/invalid-name".to_string(),
                "m/bom.yaml".to_string(),
                4
            ),
            (
                "metadata/invalid-name".to_string(),
                "m/le.yaml".to_string(),
                4
            ),
        ]
    );
}

#[test]
fn hidden_folders_are_skipped_and_counted_unless_named() {
    let dir = repo(&[
        ("m/cm.yaml", BAD_NAME.as_bytes()),
        (".chainsaw-test/app.yaml", BAD_NAME.as_bytes()),
        (".github/workflows/ci.yaml", b"on: push\n"),
        (".git/cm.yaml", BAD_NAME.as_bytes()),
    ]);
    for command in ["validate", "lint", "check"] {
        let r = run_in(dir.path(), &[command, "--format", "json"]);
        let mut files: Vec<String> = r.findings().into_iter().map(|(_, f, _)| f).collect();
        files.dedup();
        assert_eq!(files, ["m/cm.yaml"], "{command}");
        let human = run_in(dir.path(), &[command]);
        assert!(
            human.stdout.contains(
                "2 YAML files skipped: 2 in hidden files or folders (name one to check it)"
            ),
            "{command}: {}",
            human.stdout
        );
        // Named, a hidden folder is read whole.
        let named = run_in(dir.path(), &[command, "--format", "json", ".chainsaw-test"]);
        let mut files: Vec<String> = named.findings().into_iter().map(|(_, f, _)| f).collect();
        files.dedup();
        assert_eq!(files, [".chainsaw-test/app.yaml"], "{command}");
    }
}

/// `(rule, file, line)` of every finding of `platc validate` on a fixture repository.
fn validated(name: &str) -> (i32, Vec<(String, String, u64)>) {
    let dir = fixture_repo(name);
    let r = run_in(dir.path(), &["validate", "--format", "json"]);
    assert_ne!(r.code, 2, "{}", r.stderr);
    (r.code, r.findings())
}

fn found(rule: &str, file: &str, line: u64) -> (String, String, u64) {
    (rule.to_string(), file.to_string(), line)
}

#[test]
fn only_files_that_do_not_parse_are_templates_and_a_templated_kustomization_says_so() {
    let (code, findings) = validated("templates");
    assert_eq!(code, 1);
    assert_eq!(
        findings,
        [
            found("yaml/syntax", "broken-kustomization/kustomization.yaml", 3),
            found("yaml/template", "chart-logic.yaml", 0),
            found("metadata/invalid-name", "in-a-string.yaml", 5),
            found("yaml/template", "jinja/kustomization.yaml", 0),
        ]
    );
}

#[test]
fn encrypted_documents_backstage_entities_and_function_configs_are_not_validated() {
    let dir = fixture_repo("not-applied");
    let r = run_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.findings(),
        [
            // One note for the whole skeleton (its kustomization is not built either).
            found("yaml/template", "backstage/basic/skeleton", 0),
            found("yaml/template", "backstage/rendered-elsewhere.yaml", 0),
            // The ordinary object beside them is still checked.
            found("metadata/invalid-name", "krm/plain.yaml", 5),
            // An encrypted Secret's metadata is in clear, and checked; its ciphertext is not.
            found("metadata/invalid-name", "sops/upper.enc.yaml", 5),
        ]
    );
}

#[test]
fn an_istio_operator_needs_no_name_other_objects_do() {
    let (_, findings) = validated("singles");
    assert_eq!(
        findings,
        [
            found("schema/missing", "istio-operator.yaml", 3),
            found("metadata/missing-name", "istio-operator.yaml", 10)
        ]
    );
}

#[test]
fn flux_substitution_references_are_checked_as_flux_applies_them() {
    let dir = fixture_repo("flux-substitution");
    let r = run_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    // Names, labels and the HPA's target are only known once substituted; a default is
    // checked as the value Flux applies when the variable is unset.
    assert_eq!(r.findings(), [found("schema/invalid", "pvc.yaml", 23)]);
    assert!(
        r.message_of("schema/invalid", "pvc.yaml")
            .contains("\"lots\"")
    );
}

#[test]
fn a_flow_sequence_closed_at_its_key_and_the_documents_beside_a_broken_one_are_checked() {
    let (code, findings) = validated("yaml-recovery");
    assert_eq!(code, 1);
    assert_eq!(
        findings,
        [
            found("metadata/invalid-name", "flow-bracket.yaml", 6),
            found("metadata/invalid-name", "one-bad-document.yaml", 4),
            found("yaml/syntax", "one-bad-document.yaml", 10),
            found("metadata/invalid-name", "one-bad-document.yaml", 15),
        ]
    );
}

#[test]
fn crds_in_a_helm_charts_crds_folder_are_read_as_schemas() {
    let (code, findings) = validated("chart-crds");
    assert_eq!(code, 1);
    // No `schema/missing`: the kind's schema comes from the chart; the templates stay skipped.
    assert_eq!(
        findings,
        [
            found("schema/missing-field", "examples/sealedsecret.yaml", 7),
            found("schema/unknown-field", "examples/sealedsecret.yaml", 8),
        ]
    );
}
