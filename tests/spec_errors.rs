//! One fixture per spec error: `platc build` reports it with the right message, help and
//! position, and exits 2.

mod common;

use common::*;

struct Expect {
    rule: String,
    file: String,
    line: u64,
    column: u64,
    message: String,
    help: Option<String>,
}

fn expectations(text: &str) -> Expect {
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("# {name}: ")))
            .map(str::to_string)
    };
    let at = field("at").expect("# at:");
    let mut parts = at.rsplitn(3, ':');
    let column = parts.next().unwrap().parse().expect("column");
    let line = parts.next().unwrap().parse().expect("line");
    Expect {
        rule: field("rule").expect("# rule:"),
        file: parts.next().unwrap().to_string(),
        line,
        column,
        message: field("message").expect("# message:"),
        help: field("help"),
    }
}

/// `platc -C DIR build ARGS`, which must fail with exit code 2; its standard output.
fn failed_build(dir: &std::path::Path, args: &[&str]) -> String {
    let out = platc()
        .arg("-C")
        .arg(dir)
        .arg("build")
        .args(args)
        .assert()
        .code(2)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

fn run_case(path: &std::path::Path) -> (Expect, serde_json::Value, String) {
    let text = std::fs::read_to_string(path).unwrap();
    let expect = expectations(&text);
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("spec-errors/_scaffold"), repo.path());
    std::fs::write(repo.path().join("platform/platform.yaml"), &text).unwrap();
    let report: serde_json::Value =
        serde_json::from_str(&failed_build(repo.path(), &["--format", "json"])).unwrap();
    let human = failed_build(repo.path(), &[]);
    (expect, report, human)
}

/// The fixture files of a folder under tests/fixtures, sorted.
fn yaml_cases(folder: &str) -> Vec<std::path::PathBuf> {
    let mut cases: Vec<_> = std::fs::read_dir(fixtures().join(folder))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    cases.sort();
    cases
}

#[test]
fn every_spec_error_is_reported_where_it_is() {
    let cases = yaml_cases("spec-errors");
    assert!(cases.len() >= 25, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let (expect, report, human) = run_case(case);
        let findings = report["findings"].as_array().unwrap();
        let found = findings
            .iter()
            .find(|f| f["rule"] == expect.rule.as_str() && f["message"] == expect.message.as_str());
        let Some(f) = found else {
            failures.push(format!(
                "{}: no `{}` finding `{}` in {findings:#?}",
                case.display(),
                expect.rule,
                expect.message
            ));
            continue;
        };
        let at = (
            f["file"].as_str().unwrap_or(""),
            f["line"].as_u64().unwrap_or(0),
            f["column"].as_u64().unwrap_or(0),
        );
        if at != (expect.file.as_str(), expect.line, expect.column) {
            failures.push(format!(
                "{}: reported at {}:{}:{}, expected {}:{}:{}",
                case.display(),
                at.0,
                at.1,
                at.2,
                expect.file,
                expect.line,
                expect.column
            ));
        }
        if let Some(help) = &expect.help
            && f["help"] != help.as_str()
        {
            failures.push(format!("{}: help {} != {help}", case.display(), f["help"]));
        }
        // The human report names the place and shows the source line.
        let place = format!("{}:{}:{}", expect.file, expect.line, expect.column);
        if !human.contains(&place) || !human.contains(&expect.message) {
            failures.push(format!(
                "{}: human report lacks {place} or the message:\n{human}",
                case.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn related_positions_point_at_the_first_occurrence() {
    let (_, report, human) = run_case(&fixtures().join("spec-errors/duplicate-name.yaml"));
    let duplicate = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "spec/duplicate-name")
        .expect("a spec/duplicate-name finding");
    let related = &duplicate["related"][0];
    assert_eq!(related["message"], "first used here");
    assert_eq!(related["line"], 12);
    assert!(human.contains("first used here"), "{human}");
}

#[test]
fn a_missing_spec_is_a_usage_error_with_a_hint() {
    let repo = tempfile::tempdir().unwrap();
    let out = failed_build(repo.path(), &[]);
    let text = out;
    assert!(
        text.contains("cannot read the platform spec") && text.contains("--spec"),
        "{text}"
    );
}

#[test]
fn an_invalid_required_parameter_is_invalid_not_missing() {
    let (_, report, _) = run_case(&fixtures().join("spec-errors/param-invalid-not-missing.yaml"));
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert_eq!(rules, ["spec/invalid-param"], "{report:#}");
}

#[test]
fn a_template_error_of_several_tenants_is_reported_once_with_its_line() {
    let (_, report, human) =
        run_case(&fixtures().join("spec-errors/template-undefined-tenants.yaml"));
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    // The template line is shown, and the help does not send a build error back to build.
    assert!(
        human.contains(r#"data: {domain: "{{ domain }}"}"#),
        "{human}"
    );
    assert!(!human.contains("render it with"), "{human}");
}

/// Practices the spec should change are warnings: the build goes on (exit 0, overlays
/// written), and `--fail-on warning` makes them fail it.
#[test]
fn spec_warnings_are_reported_and_do_not_stop_the_build() {
    let cases = yaml_cases("spec-warnings");
    assert_eq!(cases.len(), 4);
    for case in &cases {
        let text = std::fs::read_to_string(case).unwrap();
        let expect = expectations(&text);
        let repo = tempfile::tempdir().unwrap();
        copy_dir(&fixtures().join("spec-errors/_scaffold"), repo.path());
        std::fs::write(repo.path().join("platform/platform.yaml"), &text).unwrap();
        let out = platc()
            .arg("-C")
            .arg(repo.path())
            .args(["build", "--format", "json"])
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let f = &report["findings"][0];
        assert_eq!(f["rule"], expect.rule.as_str(), "{}", case.display());
        assert_eq!(f["severity"], "warning", "{}", case.display());
        assert_eq!(f["message"], expect.message.as_str(), "{}", case.display());
        assert_eq!(
            (
                f["file"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap()
            ),
            (expect.file.as_str(), expect.line, expect.column),
            "{}",
            case.display()
        );
        assert!(
            repo.path().join("overlays/prod").is_dir()
                || repo.path().join("overlays/production").is_dir()
        );
        platc()
            .arg("-C")
            .arg(repo.path())
            .args(["build", "--check", "--fail-on", "warning"])
            .assert()
            .code(1);
    }
}
