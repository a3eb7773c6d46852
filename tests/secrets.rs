//! `platc secrets` on real repositories: the work tree, `--staged` (index blobs, never the
//! work tree), `--history` (lines every commit added), standard input, and `platc build`
//! refusing to write a credential. Credentials are assembled at run time, never committed.

mod common;

use std::process::Command;

use common::*;

/// A GitHub token made up at run time.
fn token(seed: u8) -> String {
    let body: String = (0..36)
        .map(|i| (b'a' + ((i * 7 + seed as usize * 13) % 26) as u8) as char)
        .collect();
    format!("ghp_{}{}", &body[..30], "Zq9X2k")
}

fn report(dir: &std::path::Path, args: &[&str]) -> (i32, serde_json::Value) {
    let out = platc()
        .arg("-C")
        .arg(dir)
        .arg("secrets")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

#[test]
fn build_refuses_to_write_a_credential() {
    let repo = temp_repo(&fixtures().join("compile/helm"));
    let spec = repo.path().join("platform/platform.yaml");
    let text = std::fs::read_to_string(&spec).unwrap().replace(
        "valuesInline: {replicas: 2,",
        &format!("valuesInline: {{githubToken: {}, replicas: 2,", token(1)),
    );
    std::fs::write(&spec, text).unwrap();
    let out = platc()
        .arg("-C")
        .arg(repo.path())
        .args(["build", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["findings"][0]["rule"], "secrets/github-token");
    assert!(
        report["findings"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("the generated file would hold a credential")
    );
    assert!(
        !repo.path().join("overlays").exists(),
        "nothing was written"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&token(1)[4..]));
}

#[test]
fn staged_scans_the_index_not_the_work_tree() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    std::fs::write(
        dir.path().join("values.yaml"),
        format!("token: {}\n", token(2)),
    )
    .unwrap();
    git(dir.path(), &["add", "values.yaml"]);
    // The work tree is cleaned after staging: the commit would still carry the token.
    std::fs::write(dir.path().join("values.yaml"), "token: ${GITHUB_TOKEN}\n").unwrap();
    let (code, r) = report(dir.path(), &["--staged"]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["findings"][0]["file"], "values.yaml");
    assert_eq!(r["findings"][0]["line"], 1);
    // And the opposite: a token only in the work tree is not what the commit adds.
    git(dir.path(), &["add", "values.yaml"]);
    std::fs::write(
        dir.path().join("values.yaml"),
        format!("token: {}\n", token(3)),
    )
    .unwrap();
    let (code, _) = report(dir.path(), &["--staged"]);
    assert_eq!(code, 0);
    let (code, _) = report(dir.path(), &[]);
    assert_eq!(code, 1, "the tree scan sees the work tree");
}

#[test]
fn history_finds_a_key_committed_then_deleted() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    std::fs::write(dir.path().join("README.md"), "platform\n").unwrap();
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "first"]);
    std::fs::write(
        dir.path().join("app.env"),
        format!("LOG=info\nGITHUB_TOKEN={}\n", token(4)),
    )
    .unwrap();
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "leak"]);
    let leak = String::from_utf8(
        Command::new("git")
            .current_dir(dir.path())
            .args(["rev-parse", "HEAD"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    std::fs::remove_file(dir.path().join("app.env")).unwrap();
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "remove"]);
    let (code, _) = report(dir.path(), &[]);
    assert_eq!(code, 0, "the work tree is clean now");
    let (code, r) = report(dir.path(), &["--history"]);
    assert_eq!(code, 1, "{r:#}");
    let f = &r["findings"][0];
    assert_eq!(f["file"], "app.env");
    assert_eq!(f["line"], 2);
    assert_eq!(f["commit"], leak.trim());
    assert!(!r.to_string().contains(&token(4)[4..]));
    // --since limits the scan to later commits.
    let (code, _) = report(dir.path(), &["--history", "--since", leak.trim()]);
    assert_eq!(code, 0);
}

#[test]
fn history_knows_a_value_added_to_an_existing_secret() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    std::fs::write(
        dir.path().join("secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: vendor\ndata: {}\n",
    )
    .unwrap();
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "empty secret"]);
    // A later commit adds one line: alone it is `deploy-key: <base64>`, which only the
    // file around it makes a Secret's value.
    let value = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("vk-{}", &token(6)[4..]),
    );
    std::fs::write(
        dir.path().join("secret.yaml"),
        format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: vendor\ndata:\n  deploy-key: {value}\n"),
    )
    .unwrap();
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "vendor key"]);
    // And the file is gone at HEAD: the key is still in history.
    std::fs::remove_file(dir.path().join("secret.yaml")).unwrap();
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "remove"]);
    let (code, r) = report(dir.path(), &["--history"]);
    assert_eq!(code, 1, "{r:#}");
    let findings = r["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{r:#}");
    assert_eq!(findings[0]["rule"], "secrets/kubernetes-secret");
    assert_eq!(findings[0]["file"], "secret.yaml");
    assert_eq!(findings[0]["line"], 6);
    assert!(!r.to_string().contains(&value[..16]));
}

#[test]
fn secrets_excludes_skip_only_the_secret_scan() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("docs/examples")).unwrap();
    std::fs::write(
        dir.path().join("docs/examples/values.yaml"),
        format!("token: {}\n", token(7)),
    )
    .unwrap();
    // Found without the exclude, so the exclude is what silences it.
    let (code, _) = report(dir.path(), &[]);
    assert_eq!(code, 1);
    std::fs::write(
        dir.path().join(".platc.yaml"),
        "secrets:\n  exclude: [docs/examples/]\n",
    )
    .unwrap();
    let (code, r) = report(dir.path(), &[]);
    assert_eq!(code, 0, "{r:#}");
    // Other checks still read the file.
    let out = platc()
        .arg("-C")
        .arg(dir.path())
        .args(["validate", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["files"], 1, "{v:#}");
}

#[test]
fn standard_input_is_scanned() {
    let out = platc()
        .args(["secrets", "-", "--format", "json"])
        .write_stdin(format!("password: {}\ntoken: {}\n", "${DB}", token(5)))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["findings"].as_array().unwrap().len(), 1);
    assert_eq!(r["findings"][0]["file"], "-");
}

#[test]
fn a_baseline_accepts_known_findings_and_stores_no_values() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("old.env"),
        format!("GITHUB_TOKEN={}\n", token(6)),
    )
    .unwrap();
    let (code, _) = report(dir.path(), &[]);
    assert_eq!(code, 1);
    platc()
        .arg("-C")
        .arg(dir.path())
        .args(["secrets", "--write-baseline"])
        .assert()
        .success();
    let baseline =
        std::fs::read_to_string(dir.path().join(".platc-secrets-baseline.json")).unwrap();
    assert!(!baseline.contains(&token(6)[4..]), "fingerprints only");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&baseline).unwrap()["fingerprints"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let (code, _) = report(dir.path(), &[]);
    assert_eq!(code, 0, "the known finding is accepted");
    // A line moved is still the same finding; a new credential is not.
    std::fs::write(
        dir.path().join("old.env"),
        format!("LOG=info\nGITHUB_TOKEN={}\n", token(6)),
    )
    .unwrap();
    let (code, _) = report(dir.path(), &[]);
    assert_eq!(code, 0);
    std::fs::write(
        dir.path().join("new.env"),
        format!("GITHUB_TOKEN={}\n", token(7)),
    )
    .unwrap();
    let (code, r) = report(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(r["findings"].as_array().unwrap().len(), 1);
    assert_eq!(r["findings"][0]["file"], "new.env");
}

#[test]
fn a_snippet_never_shows_a_file_that_holds_a_credential() {
    // `validate` does not scan for secrets, but its human report must not print, in a
    // snippet, the lines around a schema error in a file that holds one.
    let dir = tempfile::tempdir().unwrap();
    let secret = token(8);
    std::fs::write(
        dir.path().join("cm.yaml"),
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  lables: {{a: b}}\ndata:\n  token: {secret}\n"),
    )
    .unwrap();
    let out = platc()
        .arg("-C")
        .arg(dir.path())
        .args(["validate", "--no-build"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(text.contains("unknown field `lables`"), "{text}");
    assert!(!text.contains(&secret[4..]), "{text}");
    // A file without a credential still gets its snippet.
    std::fs::write(
        dir.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  lables: {a: b}\n",
    )
    .unwrap();
    let out = platc()
        .arg("-C")
        .arg(dir.path())
        .args(["validate", "--no-build"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("lables: {a: b}"));
}

/// A credential quoted by another check's message (a label value that is not a valid label)
/// or shown in its source snippet is redacted in every format.
#[test]
fn no_report_quotes_a_credential_another_check_found() {
    let dir = tempfile::tempdir().unwrap();
    let token = format!("ghp_{}{}", "kdwrafhiexbmtqvzjclnopsguykdw", "Zq9X2k");
    std::fs::write(
        dir.path().join("cm.yaml"),
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  labels:\n    token: \"{token}/x\"\ndata:\n  a: b\n"
        ),
    )
    .unwrap();
    for format in ["human", "json", "sarif", "junit", "github"] {
        let out = platc()
            .arg("-C")
            .arg(dir.path())
            .args(["check", "--format", format])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("metadata/") || text.contains("label"),
            "{format}: {text}"
        );
        assert!(
            !text.contains(&token[4..]),
            "{format} shows the credential: {text}"
        );
    }
}

/// A repository without a commit has an empty history: nothing to report, not a git error.
#[test]
fn history_of_a_repository_without_commits_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    platc()
        .arg("-C")
        .arg(dir.path())
        .args(["secrets", "--history"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("0 errors"));
}

/// `check` scans each YAML file for credentials from the bytes it parsed, and reads the
/// rest itself: whatever path a file takes, it must find what `platc secrets` finds, at the
/// same place. Files on each path: a plain manifest, a manifest behind a UTF-8 byte order mark
/// (a credential on its first line), one in UTF-16, one validate cannot read (a NUL byte), a
/// hidden one validate skips, one excluded from the secret scan only, and a non-YAML file.
#[test]
fn check_finds_in_one_pass_what_the_secret_scan_finds() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let cm = |name: &str, seed: u8| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  token: {}\n",
            token(seed)
        )
    };
    std::fs::create_dir_all(root.join("apps/.ci")).unwrap();
    std::fs::create_dir_all(root.join("docs")).unwrap();
    std::fs::write(root.join("apps/plain.yaml"), cm("plain", 1)).unwrap();
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(format!("token: {}\n", token(2)).bytes());
    std::fs::write(root.join("apps/bom-values.yaml"), bom).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in cm("wide", 3).encode_utf16() {
        utf16.extend(unit.to_le_bytes());
    }
    std::fs::write(root.join("apps/wide.yaml"), utf16).unwrap();
    let mut nul = cm("nul", 4).into_bytes();
    nul.extend(b"\0\n");
    std::fs::write(root.join("apps/nul.yaml"), nul).unwrap();
    std::fs::write(root.join("apps/.ci/hidden.yaml"), cm("hidden", 5)).unwrap();
    std::fs::write(root.join("docs/example.yaml"), cm("example", 6)).unwrap();
    std::fs::write(
        root.join("apps/run.sh"),
        format!("export GH_TOKEN={}\n", token(8)),
    )
    .unwrap();
    std::fs::write(root.join(".platc.yaml"), "secrets:\n  exclude: [docs/]\n").unwrap();

    let places = |r: &serde_json::Value| -> Vec<String> {
        let mut v: Vec<String> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"].as_str().unwrap().starts_with("secrets/"))
            .map(|f| format!("{} {} {}:{}", f["rule"], f["file"], f["line"], f["column"]))
            .collect();
        v.sort();
        v
    };
    let (_, scanned) = report(root, &[]);
    let out = platc()
        .arg("-C")
        .arg(root)
        .args(["check", "--no-build", "--format", "json"])
        .output()
        .unwrap();
    let checked: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected = places(&scanned);
    // Each file that holds a credential and is not excluded is found: plain, BOM, UTF-16,
    // NUL, hidden, shell.
    let files: std::collections::BTreeSet<&str> = expected
        .iter()
        .filter_map(|p| p.split('"').nth(3))
        .collect();
    assert_eq!(
        files.into_iter().collect::<Vec<_>>(),
        [
            "apps/.ci/hidden.yaml",
            "apps/bom-values.yaml",
            "apps/nul.yaml",
            "apps/plain.yaml",
            "apps/run.sh",
            "apps/wide.yaml"
        ],
        "{scanned:#}"
    );
    assert_eq!(places(&checked), expected, "{checked:#}");
}
