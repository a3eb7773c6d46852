//! The command line tells the truth: path arguments are checked, the repository root is
//! found from any subfolder, waivers are judged only by the commands that run their rule,
//! and every finding id is documented.

mod common;

use std::path::Path;

use common::*;

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: site}\nspec:\n  containers:\n    - {name: web, image: \"nginx:latest\"}\n";

/// A repository with a `.git` folder (the root mark), `apps/pod.yaml` and the given
/// `.platc.yaml`.
fn repo(settings: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::create_dir_all(dir.path().join("apps")).unwrap();
    std::fs::write(dir.path().join("apps/pod.yaml"), POD).unwrap();
    if let Some(s) = settings {
        std::fs::write(dir.path().join(".platc.yaml"), s).unwrap();
    }
    dir
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }

    /// `(rule, file)` of each finding of a JSON report.
    fn findings(&self) -> Vec<(String, String)> {
        self.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["file"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    fn rules(&self) -> Vec<String> {
        self.findings().into_iter().map(|(r, _)| r).collect()
    }
}

/// `platc ARGS` started in `dir` (no -C: the root is found from there).
fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = platc().current_dir(dir).args(args).output().unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn a_missing_path_is_a_usage_error_naming_it_with_a_suggestion() {
    let dir = repo(None);
    for command in ["validate", "lint", "secrets", "check"] {
        let r = run_in(dir.path(), &[command, "apps/pod.yml"]);
        assert_eq!(r.code, 2, "{command}: {}", r.stderr);
        assert!(
            r.stderr
                .contains("`apps/pod.yml` does not exist (did you mean `apps/pod.yaml`?)"),
            "{command}: {}",
            r.stderr
        );
    }
}

#[test]
fn absolute_and_relative_paths_are_equivalent() {
    let dir = repo(None);
    let relative = run_in(
        dir.path(),
        &["lint", "--no-build", "--format", "json", "apps/pod.yaml"],
    );
    let absolute_path = dir.path().join("apps/pod.yaml").display().to_string();
    let absolute = run_in(
        dir.path(),
        &["lint", "--no-build", "--format", "json", &absolute_path],
    );
    assert!(!relative.findings().is_empty());
    assert_eq!(relative.findings(), absolute.findings());
    assert!(
        relative
            .findings()
            .iter()
            .all(|(_, file)| file == "apps/pod.yaml"),
        "{:?}",
        relative.findings()
    );
    // From a subfolder, a path is typed relative to it.
    let from_apps = run_in(
        &dir.path().join("apps"),
        &["lint", "--no-build", "--format", "json", "pod.yaml"],
    );
    assert_eq!(relative.findings(), from_apps.findings());

    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("x.yaml"), POD).unwrap();
    let outside = elsewhere.path().join("x.yaml").display().to_string();
    let r = run_in(dir.path(), &["validate", &outside]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("is outside the repository"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_named_file_under_an_exclude_pattern_is_checked_and_verbose_says_why() {
    let dir = repo(Some("exclude: [apps/]\n"));
    let whole = run_in(dir.path(), &["lint", "--no-build", "--format", "json"]);
    assert!(!whole.rules().contains(&"workload/image-tag".to_string()));
    let named = run_in(
        dir.path(),
        &[
            "-v",
            "lint",
            "--no-build",
            "--format",
            "json",
            "apps/pod.yaml",
        ],
    );
    assert!(
        named.rules().contains(&"workload/image-tag".to_string()),
        "{:?}",
        named.rules()
    );
    assert!(
        named.stderr.contains(
            "`apps/pod.yaml` is excluded by `apps/` in .platc.yaml, but checked: it was named on the command line"
        ),
        "{}",
        named.stderr
    );
    // Patterns below a named folder still apply.
    let dir = repo(Some("exclude: ['*.generated.yaml']\n"));
    std::fs::write(dir.path().join("apps/x.generated.yaml"), POD).unwrap();
    let r = run_in(
        dir.path(),
        &["lint", "--no-build", "--format", "json", "apps"],
    );
    assert!(
        r.findings().iter().all(|(_, f)| f == "apps/pod.yaml"),
        "{:?}",
        r.findings()
    );
}

#[test]
fn reading_nothing_is_never_a_pass_with_named_paths() {
    let dir = repo(None);
    std::fs::write(dir.path().join("notes.txt"), "nothing to validate\n").unwrap();
    let r = run_in(dir.path(), &["validate", "--no-build", "notes.txt"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("no YAML files in `notes.txt`: nothing was checked"),
        "{}",
        r.stderr
    );
    // A repository with nothing to read passes, but says so.
    let empty = tempfile::tempdir().unwrap();
    std::fs::create_dir(empty.path().join(".git")).unwrap();
    let r = run_in(empty.path(), &["validate"]);
    assert_eq!(r.code, 0);
    assert!(r.stderr.contains("nothing was checked"), "{}", r.stderr);
}

#[test]
fn the_root_is_found_from_a_subfolder() {
    let dir = repo(Some("rules:\n  workload/image-tag: error\n"));
    std::fs::create_dir_all(dir.path().join("tests/deep")).unwrap();
    let r = run_in(
        &dir.path().join("tests/deep"),
        &["-v", "lint", "--no-build", "--format", "json"],
    );
    assert_eq!(r.code, 1, "the root's override makes the warning an error");
    assert!(
        r.findings()
            .contains(&("workload/image-tag".into(), "apps/pod.yaml".into())),
        "{:?}",
        r.findings()
    );
    let root = std::path::absolute(dir.path()).unwrap();
    assert!(
        r.stderr.contains(&format!(
            "platc: repository root: {} (it holds .git)",
            root.display()
        )) && r.stderr.contains("platc: settings: .platc.yaml"),
        "{}",
        r.stderr
    );
}

#[test]
fn check_in_a_spec_subfolder_still_runs_build_check() {
    let repo = temp_repo(&fixtures().join("compile/local"));
    // Never built: overlays/ is missing, which build --check reports.
    let r = run_in(
        &repo.path().join("platform/apps"),
        &["check", "--no-build", "--format", "json"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.rules().iter().any(|rule| rule == "build/missing"),
        "{:?}",
        r.rules()
    );
}

#[test]
fn config_names_another_settings_file_and_verbose_says_which() {
    let dir = repo(None);
    std::fs::write(
        dir.path().join("strict.yaml"),
        "rules:\n  workload/image-tag: error\n",
    )
    .unwrap();
    let plain = run_in(dir.path(), &["lint", "--no-build", "--format", "json"]);
    assert_eq!(plain.code, 0);
    let strict = run_in(
        &dir.path().join("apps"),
        &[
            "-v",
            "--config",
            "../strict.yaml",
            "lint",
            "--no-build",
            "--format",
            "json",
        ],
    );
    assert_eq!(strict.code, 1);
    assert!(
        strict.stderr.contains("platc: settings: strict.yaml"),
        "{}",
        strict.stderr
    );
    // Verbose lines stay off the machine-readable output.
    assert!(strict.json()["findings"].is_array());
    let missing = run_in(dir.path(), &["--config", "nope.yaml", "lint"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stdout.contains("nope.yaml"), "{}", missing.stdout);
}

#[test]
fn waivers_are_judged_only_by_commands_that_run_their_rule() {
    let dir = repo(Some(
        "waivers:\n  - rule: workload/probes\n    path: other/\n    reason: for a folder that is gone\n  - rule: workload/resources\n    reason: a demo pod\n    expires: 2001-01-01\n",
    ));
    for args in [
        vec!["validate", "--no-build", "--format", "json"],
        vec!["secrets", "--format", "json", "--fail-on", "warning"],
    ] {
        let r = run_in(dir.path(), &args);
        for about_waivers in ["config/waiver-unused", "config/waiver-expired"] {
            assert!(
                !r.rules().contains(&about_waivers.to_string()),
                "{args:?}: {:?}",
                r.rules()
            );
        }
        if args[0] == "secrets" {
            assert_eq!(r.code, 0, "the secrets hook must not fail on a lint waiver");
        }
    }
    let lint = run_in(dir.path(), &["lint", "--no-build", "--format", "json"]);
    assert!(lint.rules().contains(&"config/waiver-unused".to_string()));
    assert!(lint.rules().contains(&"config/waiver-expired".to_string()));
}

#[test]
fn unknown_rule_ids_in_settings_are_usage_errors_with_a_suggestion() {
    let dir = repo(Some(
        "rules:\n  workload/image-tags: error\nwaivers:\n  - rule: secret/*\n    reason: test keys\n",
    ));
    let r = run_in(dir.path(), &["lint", "--no-build"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.contains(".platc.yaml:2:3")
            && r.stdout.contains("platc has no rule `workload/image-tags`")
            && r.stdout.contains("did you mean `workload/image-tag`?"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(".platc.yaml:4:11") && r.stdout.contains("did you mean `secrets/*`?"),
        "{}",
        r.stdout
    );
}

#[test]
fn unknown_rule_ids_in_ignore_annotations_are_findings() {
    let dir = repo(None);
    std::fs::write(
        dir.path().join("apps/pod.yaml"),
        POD.replace(
            "metadata: {name: web, namespace: site}",
            "metadata:\n  name: web\n  namespace: site\n  annotations:\n    platc.io/ignore: workload/image-tags, workload/probes",
        ),
    )
    .unwrap();
    let r = run_in(dir.path(), &["validate", "--no-build", "--format", "json"]);
    assert_eq!(r.code, 1);
    let findings = r.json()["findings"].clone();
    let unknown: Vec<&serde_json::Value> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "config/unknown-rule")
        .collect();
    assert_eq!(unknown.len(), 1, "{findings:#}");
    assert_eq!(unknown[0]["line"], 7);
    assert!(
        unknown[0]["help"]
            .as_str()
            .unwrap()
            .contains("did you mean `workload/image-tag`?")
    );
}

#[test]
fn check_refuses_a_corrupt_baseline() {
    let dir = repo(None);
    std::fs::write(dir.path().join(".platc-secrets-baseline.json"), "{not json").unwrap();
    let r = run_in(dir.path(), &["check", "--no-build"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is not a platc baseline"), "{}", r.stderr);
}

#[test]
fn check_help_lists_everything_it_runs() {
    let r = run_in(Path::new("."), &["check", "--help"]);
    for part in ["build --check", "validate", "lint", "secrets"] {
        assert!(r.stdout.contains(part), "{part}: {}", r.stdout);
    }
}

#[test]
fn rules_and_explain_honour_format_json() {
    let r = run_in(Path::new("."), &["rules", "--format", "json"]);
    let list = r.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), platc::rules::RULES.len());
    assert_eq!(list[0]["id"], platc::rules::RULES[0].id);
    assert!(
        list.iter()
            .all(|r| r["severity"].is_string() && r["summary"].is_string())
    );
    let all = run_in(Path::new("."), &["rules", "--all", "--format", "json"]);
    assert!(
        all.json()
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "schema/unknown-field")
    );
    let r = run_in(
        Path::new("."),
        &["explain", "secrets/jwt", "--format", "json"],
    );
    let doc = r.json();
    assert_eq!(doc["id"], "secrets/jwt");
    assert!(doc["docs"].as_str().unwrap().contains("## Fix"));
    let r = run_in(Path::new("."), &["rules", "--format", "sarif"]);
    assert_eq!(r.code, 2);
}

/// Every `family/name` literal in `src/` (outside test modules), and the secret rules'
/// names: what findings can carry.
fn emitted_ids() -> Vec<String> {
    let family = "argocd|build|config|deprecated|hygiene|kustomize|metadata|schema|secrets|spec|workload|yaml";
    let literal = regex_lite(&format!("\"(?:{family})/[a-z0-9-]+\""));
    let secret_rule = regex_lite(r#"(?:rule|id): "([a-z0-9-]+)""#);
    let secret_hit = regex_lite(r#"(?m)^\s*\(?"([a-z0-9]+(?:-[a-z0-9]+)+)","#);
    let mut ids = Vec::new();
    for file in files_under(&project_root().join("src")) {
        if !file.ends_with(".rs") {
            continue;
        }
        let text = std::fs::read_to_string(project_root().join("src").join(&file)).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        ids.extend(
            literal
                .find_iter(code)
                .map(|m| m.as_str().trim_matches('"').to_string()),
        );
        // The scanner's rule names: `id: "..."` in its table, `rule: "..."` and the
        // `("name", "description")` pairs in the scanner itself.
        let secret_patterns = match file.as_str() {
            "secrets/rules.rs" => vec![&secret_rule],
            "secrets/scan.rs" => vec![&secret_rule, &secret_hit],
            _ => vec![],
        };
        for re in secret_patterns {
            ids.extend(re.captures_iter(code).map(|c| format!("secrets/{}", &c[1])));
        }
    }
    ids.sort();
    ids.dedup();
    ids
}

fn regex_lite(pattern: &str) -> regex::Regex {
    regex::Regex::new(pattern).unwrap()
}

#[test]
fn explain_knows_every_id_the_code_emits() {
    let ids = emitted_ids();
    for expected in [
        "schema/unknown-field",
        "secrets/private-key",
        "secrets/jwt",
        "build/stale",
        "config/waiver-unused",
        "kustomize/build-failed",
        "spec/yaml",
    ] {
        assert!(
            ids.iter().any(|i| i == expected),
            "the grep misses {expected}"
        );
    }
    let undocumented: Vec<&String> = ids
        .iter()
        .filter(|id| {
            !platc()
                .args(["explain", id])
                .output()
                .unwrap()
                .status
                .success()
        })
        .collect();
    assert!(
        undocumented.is_empty(),
        "document these ids in src/rules/catalogue.rs: {undocumented:?}"
    );
}

#[test]
fn the_findings_doc_is_current() {
    let path = project_root().join("docs/findings.md");
    let want = platc::rules::catalogue::markdown();
    if std::env::var_os("PLATC_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/findings.md is stale: run `PLATC_BLESS=1 cargo test --test cli` and commit it"
    );
}
