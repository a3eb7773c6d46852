//! What a team installs and starts with: `--version`, shell completions, the man page, the
//! settings schema, and `platc init`, whose scaffold must build, check clean and pass the
//! real pre-commit hooks at once.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

fn stdout(args: &[&str]) -> String {
    let out = platc().args(args).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn version_names_the_commit_and_the_kubernetes_schemas() {
    let head = Command::new("git")
        .current_dir(project_root())
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8(o.stdout).unwrap().trim()[..12].to_string());
    // A copy without a commit (CI's fresh clone) is built as `unknown`.
    let commit = head.unwrap_or_else(|| "unknown".into());
    let short = stdout(&["-V"]);
    assert_eq!(
        short,
        format!("platc {} (commit {commit})\n", env!("CARGO_PKG_VERSION"))
    );
    let long = stdout(&["--version"]);
    assert!(long.starts_with(short.trim_end()), "{long}");
    let versions: Vec<&str> = platc::schema::core::versions().collect();
    assert!(
        long.contains(&format!("Kubernetes schemas: {}\n", versions.join(" "))),
        "{long}"
    );
    assert!(versions.contains(&"1.27") && versions.contains(&"1.37"));
}

#[test]
fn completions_cover_every_command_and_parse_in_their_shell() {
    let commands = [
        "build",
        "check",
        "generate",
        "init",
        "completions",
        "man",
        "cmp",
    ];
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout(&["completions", shell]);
        for command in commands {
            assert!(script.contains(command), "{shell}: {command}");
        }
    }
    // bash reads the script without a syntax error, and completes `platc ini`.
    let script = stdout(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("platc.bash");
    std::fs::write(&file, &script).unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {}; COMP_WORDS=(platc ini); COMP_CWORD=1; _platc platc ini platc; echo \"${{COMPREPLY[@]}}\"",
            file.display()
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "init");
    platc().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn the_man_page_is_roff_from_the_same_definitions() {
    let page = stdout(&["man"]);
    assert!(page.contains(".TH platc 1"), "{page}");
    assert!(page.contains(".SH NAME"));
    assert!(
        page.contains(".SH SUBCOMMANDS") || page.contains("platc\\-init"),
        "{page}"
    );
    for command in ["init", "generate", "completions"] {
        assert!(page.contains(command), "{command}");
    }
    // man's own formatter renders it, when the machine has one.
    if let Ok(out) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child.stdin.take().unwrap().write_all(page.as_bytes())?;
            child.wait_with_output()
        })
    {
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "groff warnings");
    }
}

#[test]
fn the_settings_schema_is_current_and_accepts_real_settings() {
    let path = project_root().join("schemas/platc-config.schema.json");
    let generated = platc::commands::config_schema();
    if std::env::var_os("PLATC_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap_or_default(),
        generated,
        "schemas/platc-config.schema.json is stale: run `PLATC_BLESS=1 cargo test --test ship settings` and commit it"
    );
    assert_eq!(stdout(&["schemas", "config"]), generated);
    let schema: serde_json::Value = serde_json::from_str(&generated).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let good = "exclude: [tests/]\nrules: {workload/probes: info, hygiene/*: 'off'}\nwaivers:\n  - {rule: workload/privileged, object: DaemonSet/kuma/merbridge, reason: eBPF, expires: 2027-06-30}\nrepoURLs: [https://git.example.org/a.git]\nsecrets: {exclude: [docs/]}\n";
    for text in [
        good.to_string(),
        std::fs::read_to_string(project_root().join(".platc.yaml")).unwrap(),
    ] {
        let doc = platc::yaml::parse_stream(&text)
            .unwrap()
            .documents
            .remove(0)
            .to_json();
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{text}: {errors:?}");
    }
    for bad in [
        "rules: {workload/probes: loud}\n",
        "waivers: [{rule: x}]\n",
        "exlude: [a]\n",
    ] {
        let doc = platc::yaml::parse_stream(bad)
            .unwrap()
            .documents
            .remove(0)
            .to_json();
        assert!(!validator.is_valid(&doc), "{bad}");
    }
}

/// A folder holding only `platc`, the binary these tests built, first on PATH.
fn path_with_platc() -> (tempfile::TempDir, std::ffi::OsString) {
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_platc"), bin.path().join("platc")).unwrap();
    let path = std::env::join_paths(std::iter::once(bin.path().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    (bin, path)
}

fn scaffold() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    platc()
        .arg("init")
        .arg(dir.path())
        .args(["--name", "acme"])
        .assert()
        .success();
    dir
}

#[test]
fn init_scaffolds_a_repository_that_builds_and_checks_clean() {
    let repo = scaffold();
    let dir = repo.path();
    let spec = std::fs::read_to_string(dir.join("platform/platform.yaml")).unwrap();
    // Editors find the schemas the comments name.
    assert!(spec.starts_with("# yaml-language-server: $schema=../schemas/platform.schema.json\n"));
    assert_eq!(
        std::fs::read_to_string(dir.join("schemas/platform.schema.json")).unwrap(),
        platc::commands::spec_schema()
    );
    let config = std::fs::read_to_string(dir.join(".platc.yaml")).unwrap();
    assert!(
        config.starts_with("# yaml-language-server: $schema=schemas/platc-config.schema.json\n")
    );
    assert!(dir.join("schemas/platc-config.schema.json").is_file());
    assert!(spec.contains("name: acme"));
    for part in [
        "helm:",
        "values: [components/podinfo/values.yaml]",
        "resources:",
        "blueprints:",
        "tenants:",
    ] {
        assert!(spec.contains(part), "{part}");
    }

    platc().arg("-C").arg(dir).arg("build").assert().success();
    for generated in [
        "overlays/.platc",
        "overlays/prod/apps/podinfo.yaml",
        "overlays/prod/apps/namespaces.yaml",
        "overlays/prod/apps/example-team.yaml",
        "overlays/base/tenants/example-team/quota.yaml",
    ] {
        assert!(dir.join(generated).is_file(), "{generated}");
    }
    // Clean even at the strictest level: no error, no warning.
    let out = platc()
        .arg("-C")
        .arg(dir)
        .args(["check", "--fail-on", "warning"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    platc()
        .arg("-C")
        .arg(dir)
        .args(["build", "--check"])
        .assert()
        .success();
    // Every YAML file init wrote is read as what it is (the workflow as CI YAML, the hooks as
    // configuration): `validate` names no file it cannot place.
    let out = platc()
        .arg("-C")
        .arg(dir)
        .args(["validate", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["findings"], serde_json::json!([]), "{report}");
}

#[test]
fn the_scaffolds_hooks_run_with_the_real_pre_commit() {
    let repo = scaffold();
    let dir = repo.path();
    platc().arg("-C").arg(dir).arg("build").assert().success();
    git(dir, &["add", "-A"]);
    let (_bin, path) = path_with_platc();
    let pre_commit = |args: &[&str]| {
        Command::new("pre-commit")
            .current_dir(dir)
            .args(args)
            .env("PATH", &path)
            .env(
                "PRE_COMMIT_HOME",
                project_root().join("target/pre-commit-home"),
            )
            .output()
            .expect("pre-commit is installed (.ci/run installs it from PyPI)")
    };
    let out = pre_commit(&["run", "--all-files"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in [
        "platc check",
        "platc secrets --staged",
        "platc build --check",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(name) && l.ends_with("Passed")),
            "{name}: {text}"
        );
    }
    // A change to the spec without a build stops the commit.
    let spec = dir.join("platform/platform.yaml");
    let edited = std::fs::read_to_string(&spec)
        .unwrap()
        .replace("6.7.1", "6.7.2");
    std::fs::write(&spec, edited).unwrap();
    git(dir, &["add", "-A"]);
    let out = pre_commit(&["run", "platc-build", "--all-files"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("build/stale"), "{text}");
}

#[test]
fn init_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".gitignore"), "mine\n").unwrap();
    let out = platc().arg("init").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`.gitignore`"), "{stderr}");
    assert!(stderr.contains("never overwrites"), "{stderr}");
    // Nothing was written: the file is as it was, and nothing else is there.
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".gitignore")).unwrap(),
        "mine\n"
    );
    assert_eq!(files_under(dir.path()), [".gitignore"]);
}

#[test]
fn init_names_the_platform_after_its_folder() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("Club Platform");
    platc()
        .current_dir(parent.path())
        .args(["init", "Club Platform"])
        .assert()
        .success();
    let spec = std::fs::read_to_string(dir.join("platform/platform.yaml")).unwrap();
    assert!(spec.contains("  name: club-platform\n"), "{spec}");
    platc()
        .args(["init", "--name", "Not_A_Label"])
        .arg(parent.path().join("other"))
        .assert()
        .code(2);
    assert!(!Path::new(&parent.path().join("other/platform")).exists());
}

/// The first fenced block of `lang` after the README heading `heading`.
fn readme_block(heading: &str, lang: &str) -> String {
    let readme = std::fs::read_to_string(project_root().join("README.md")).unwrap();
    let section = &readme[readme.find(&format!("\n## {heading}\n")).expect(heading)..];
    let start = section.find(&format!("```{lang}\n")).expect(lang) + lang.len() + 4;
    let end = start + section[start..].find("```").unwrap();
    section[start..end].to_string()
}

#[test]
fn the_readme_starts_a_platform_as_it_shows() {
    let parent = tempfile::tempdir().unwrap();
    let (_bin, path) = path_with_platc();
    let script = readme_block("Start a platform", "sh");
    assert!(script.starts_with("platc init my-platform"), "{script}");
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("set -euo pipefail\n{script}"))
        .current_dir(parent.path())
        .env("PATH", &path)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env(
            "PRE_COMMIT_HOME",
            project_root().join("target/pre-commit-home"),
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = parent.path().join("my-platform");
    assert!(dir.join("overlays/prod/root.yaml").is_file());
    assert!(dir.join(".git/hooks/pre-commit").is_file());
}

#[test]
fn the_readme_ci_recipe_is_what_init_writes() {
    let repo = scaffold();
    let workflow =
        std::fs::read_to_string(repo.path().join(".github/workflows/platc.yaml")).unwrap();
    let recipe = readme_block("Use in CI", "yaml");
    let mut platc_lines = 0;
    for line in recipe.lines() {
        let Some(run) = line.trim().strip_prefix("- run: ") else {
            continue;
        };
        if run.starts_with("platc ") || run.starts_with("test ") {
            platc_lines += 1;
            assert!(
                workflow.contains(run),
                "{run} not in the workflow:\n{workflow}"
            );
        }
    }
    assert_eq!(platc_lines, 3, "{recipe}");
    assert!(workflow.contains("github/codeql-action/upload-sarif@v3"));
    // The workflow is YAML platc places (a CI workflow), and GitHub's schema basics hold.
    let doc = platc::yaml::parse_stream(&workflow)
        .unwrap()
        .documents
        .remove(0)
        .to_json();
    assert_eq!(doc["permissions"]["security-events"], "write");
    assert_eq!(doc["permissions"]["pull-requests"], "write");
    let steps = doc["jobs"]["platc"]["steps"].as_array().unwrap();
    assert!(steps.len() >= 8);
    // The diff comment only on pull requests, before the findings fail the job.
    let diff = steps.iter().position(|s| s["id"] == "diff").unwrap();
    assert_eq!(steps[diff]["if"], "github.event_name == 'pull_request'");
    assert!(steps[diff]["run"].as_str().unwrap().contains("platc diff"));
    assert_eq!(steps.last().unwrap()["name"], "Fail on findings");
}

#[test]
fn the_readme_plugin_definition_is_what_platc_prints() {
    let shown = readme_block("Argo CD plugin", "yaml");
    // The first yaml block of the section is the spec's plugin mode; the definition is the
    // block holding the ConfigManagementPlugin.
    let readme = std::fs::read_to_string(project_root().join("README.md")).unwrap();
    let at = readme.find("kind: ConfigManagementPlugin").unwrap();
    let start = readme[..at].rfind("```yaml\n").unwrap() + 8;
    let end = at + readme[at..].find("```").unwrap();
    let parse = |t: &str| {
        platc::yaml::parse_stream(t)
            .unwrap()
            .documents
            .remove(0)
            .to_json()
    };
    let mut readme_plugin = parse(&readme[start..end]);
    let mut printed = parse(&stdout(&["cmp", "plugin-yaml"]));
    // The README leaves the tooltips out.
    for p in printed["spec"]["parameters"]["static"]
        .as_array_mut()
        .unwrap()
    {
        p.as_object_mut().unwrap().remove("tooltip");
    }
    readme_plugin["spec"]["parameters"]["static"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .for_each(|p| {
            p.as_object_mut().unwrap().remove("tooltip");
        });
    assert_eq!(readme_plugin, printed);
    assert!(shown.contains("plugin:"), "{shown}");
}
