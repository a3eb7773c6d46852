//! `platc secrets` on the shapes real repositories hold: committed Secrets of placeholders
//! and of configuration, environment literals, command-line credentials, password hashes,
//! a JAAS block that says `example`, files with NUL bytes, in UTF-16, over the read limit,
//! and history under file names git quotes. Each test asserts what is found and what is not.
//! Every credential-shaped value is assembled at run time: none is committed.

mod common;

use base64::Engine as _;
use common::*;
use sha2::Digest as _;

/// A value no placeholder rule knows, different per seed.
fn password(seed: u8) -> String {
    let body: String = (0..14)
        .map(|i| (b'a' + ((i * 11 + seed as usize * 7) % 26) as u8) as char)
        .collect();
    format!("Q{}{}", &body, seed % 10)
}

fn token(seed: u8) -> String {
    let body: String = (0..30)
        .map(|i| (b'a' + ((i * 7 + seed as usize * 13) % 26) as u8) as char)
        .collect();
    format!("ghp_{body}Zq9X2k")
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// `platc secrets` on `dir` as JSON: exit code and findings as (rule, file, line).
fn scan(dir: &std::path::Path, args: &[&str]) -> (i32, Vec<(String, String, u64)>, String) {
    let out = platc()
        .arg("-C")
        .arg(dir)
        .arg("secrets")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let findings = report["findings"]
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
        .collect();
    (out.status.code().unwrap(), findings, text)
}

fn write(dir: &std::path::Path, name: &str, text: impl AsRef<[u8]>) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn rules_in<'a>(findings: &'a [(String, String, u64)], file: &str) -> Vec<(&'a str, u64)> {
    findings
        .iter()
        .filter(|f| f.1 == file)
        .map(|f| (f.0.as_str(), f.2))
        .collect()
}

#[test]
fn a_secret_of_placeholders_is_one_policy_warning_and_no_leak() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "secret.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: crossplane-aws, namespace: infra}}\nstringData:\n  AWS_ACCESS_KEY_ID: UPDATE_AWS_ACCESS_KEY_ID\n  AWS_SECRET_ACCESS_KEY: __REPLACE_ME__\n  creds: replaceme\n  session: replacemeifneeded\n  token: \"**access-token goes here**\"\n  password: the-password-depot-password\n  client-secret: my-secret-client-secret\n  op: op://platform/grafana/password\n  keystore: /etc/kafka/secrets/kafka.keystore.jks\n  host: postgres.db.svc.cluster.local\n  username: grafana-admin\n  version: v1.2.3\n  tf: aws_db_instance.main.password\ndata:\n  changed: {}\n---\napiVersion: v1\nkind: Secret\nmetadata: {{name: only-templates}}\nstringData:\n  password: ${{GRAFANA_PASSWORD}}\n",
            b64("change me")
        ),
    );
    let (code, findings, text) = scan(dir.path(), &[]);
    assert_eq!(
        findings,
        vec![("secrets/committed-secret".into(), "secret.yaml".into(), 2)],
        "{text}"
    );
    // A warning: reported, with the fix and the object's name; it fails the run only when
    // warnings are asked to.
    assert_eq!(code, 0);
    assert_eq!(scan(dir.path(), &["--fail-on", "warning"]).0, 1);
    assert!(
        text.contains("\"severity\":\"warning\"") || text.contains("\"severity\": \"warning\"")
    );
    assert!(
        text.contains("crossplane-aws") && text.contains("SealedSecret"),
        "{text}"
    );
}

#[test]
fn configuration_in_a_secret_is_scanned_as_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = password(1);
    let admin = password(2);
    write(
        dir.path(),
        "monitoring.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: monitoring}}\nstringData:\n  alertmanager.yaml: |\n    global:\n      smtp_smarthost: smtp.example.org:587\n      smtp_auth_username: alerts\n      smtp_auth_password: {smtp}\n    route: {{receiver: team}}\n  log4j.properties: |\n    log4j.rootLogger=INFO, stdout\n  datasources.json: '{{\"apiVersion\": 1, \"datasources\": [{{\"name\": \"prometheus\", \"url\": \"http://prometheus:9090\"}}]}}'\ndata:\n  grafana.ini: {}\n  other.ini: {}\n",
            b64(&format!(
                "[server]\ndomain = grafana.example.org\n[security]\nadmin_user = admin\nadmin_password = {admin}\n"
            )),
            b64("[server]\nroot_url = https://grafana.example.org/\n"),
        ),
    );
    let (_, findings, text) = scan(dir.path(), &[]);
    // The password inside the alertmanager.yaml, on its own line; the grafana.ini's at its
    // (base64) value; nothing for the rest of the configuration.
    assert_eq!(
        rules_in(&findings, "monitoring.yaml"),
        vec![
            ("secrets/committed-secret", 2),
            ("secrets/generic-secret", 9),
            ("secrets/generic-secret", 15),
        ],
        "{text}"
    );
    assert!(!text.contains(&smtp[4..]) && !text.contains(&admin[4..]));
}

#[test]
fn env_literals_under_credential_names_are_leaks_whatever_their_entropy() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "deploy.yaml",
        "spec:\n  containers:\n    - name: app\n      env:\n        - name: DB_PASSWORD\n          value: postgres\n        - name: KAFKA_CLUSTER_PASSWORD\n          value: \"kafka\"\n        - name: SSO_SECRET\n          value: sso-dev\n        - name: DB_PASSWORD_FILE\n          value: /run/secrets/db\n        - name: TOKEN_TTL\n          value: 24h\n        - name: ADMIN_PASSWORD\n          value: changeme\n        - name: GITHUB_TOKEN\n          value: $(GITHUB_TOKEN)\n",
    );
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  db:\n    environment:\n      - POSTGRES_PASSWORD=postgres\n      - POSTGRES_USER=postgres\n",
    );
    let (_, findings, text) = scan(dir.path(), &[]);
    assert_eq!(
        rules_in(&findings, "deploy.yaml"),
        // `postgres`, and `kafka` for the Kafka cluster: guessable. `sso-dev` is just weak.
        vec![
            ("secrets/weak-password", 6),
            ("secrets/weak-password", 8),
            ("secrets/generic-secret", 10),
        ],
        "{text}"
    );
    assert_eq!(
        rules_in(&findings, "compose.yaml"),
        vec![("secrets/weak-password", 4)],
        "{text}"
    );
}

#[test]
fn the_word_example_skips_a_value_never_a_block() {
    let dir = tempfile::tempdir().unwrap();
    let pw = password(3);
    write(
        dir.path(),
        "kafka.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: client}}\ndata:\n  client.properties: |\n    # example client configuration\n    bootstrap.servers=kafka.example.org:9093\n    sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"example-user\" password=\"{pw}\";\n    ssl.truststore.password=example-truststore-password\n"
        ),
    );
    let (_, findings, text) = scan(dir.path(), &[]);
    assert_eq!(
        rules_in(&findings, "kafka.yaml"),
        vec![("secrets/generic-secret", 8)],
        "{text}"
    );
}

#[test]
fn command_line_credentials_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let cookie = password(4);
    write(
        dir.path(),
        "proxy.yaml",
        format!(
            "spec:\n  containers:\n    - name: proxy\n      args:\n        - --provider=github\n        - --cookie-secret={cookie}\n        - --client-secret=$(CLIENT_SECRET)\n        - --token-file=/var/run/token\n      command: [\"/bin/init\", \"--password={}\"]\n",
            password(5)
        ),
    );
    write(
        dir.path(),
        "backup.sh",
        format!(
            "#!/bin/sh\ncurl -fsS -u admin:{} https://grafana.example.org/api/health\ncurl -u \"$USER:$PASSWORD\" https://x\nmysqldump -h db -u root -p{} app > dump.sql\nmysql -h db -p app\n",
            password(6),
            password(7)
        ),
    );
    let (_, findings, text) = scan(dir.path(), &[]);
    assert_eq!(
        rules_in(&findings, "proxy.yaml"),
        vec![
            ("secrets/command-line-secret", 6),
            ("secrets/command-line-secret", 9)
        ],
        "{text}"
    );
    assert_eq!(
        rules_in(&findings, "backup.sh"),
        vec![
            ("secrets/command-line-secret", 2),
            ("secrets/command-line-secret", 4)
        ],
        "{text}"
    );
    assert!(!text.contains(&cookie[4..]));
}

#[test]
fn password_hashes_are_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let crypt = |n: usize, seed: usize| -> String {
        let a = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        (0..n)
            .map(|i| a[(i * 17 + seed * 5) % a.len()] as char)
            .collect()
    };
    write(
        dir.path(),
        "auth/.htpasswd",
        format!(
            "admin:$apr1${}${}\nops:{{SHA}}{}=\n",
            crypt(8, 1),
            crypt(22, 2),
            &b64(&crypt(20, 3))[..27]
        ),
    );
    write(
        dir.path(),
        "argocd.yaml",
        format!(
            "configs:\n  secret:\n    argocdServerAdminPassword: \"$2a$10${}\"\n",
            crypt(53, 4)
        ),
    );
    write(
        dir.path(),
        "users.yaml",
        format!(
            "users:\n  default:\n    password_sha256_hex: {}\n    networks: {{ip: 0.0.0.0/0}}\n",
            // The digest of a trivial word, computed here (no hash is committed).
            sha2::Sha256::digest(b"password")
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        ),
    );
    let (code, findings, text) = scan(dir.path(), &[]);
    assert_eq!(code, 0, "warnings only");
    let hashes: Vec<(&str, u64)> = findings
        .iter()
        .filter(|f| f.0 == "secrets/password-hash")
        .map(|f| (f.1.as_str(), f.2))
        .collect();
    assert_eq!(
        hashes,
        vec![
            ("argocd.yaml", 3),
            ("auth/.htpasswd", 1),
            ("auth/.htpasswd", 2),
            ("users.yaml", 3)
        ],
        "{text}"
    );
    assert_eq!(findings.len(), 4, "{text}");
}

#[test]
fn files_with_nul_bytes_utf16_and_over_the_read_limit_are_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let mut nul = b"\x00\x01binary header\n".to_vec();
    nul.extend(format!("GITHUB_TOKEN={}\n", token(1)).bytes());
    write(dir.path(), "blob.bin", nul);
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in format!("github:\n  token: {}\n", token(2)).encode_utf16() {
        utf16.extend(unit.to_le_bytes());
    }
    write(dir.path(), "utf16.yaml", utf16);
    // 9 MiB: a token after the padding, and a Secret whose keys a comment pushes past the
    // read limit.
    let mut large = "x".repeat(9 * 1024 * 1024);
    large.push_str(&format!("\ntoken: {}\n", token(3)));
    write(dir.path(), "large.txt", large);
    let padding = format!("# {}\n", "p".repeat(1000)).repeat(9500);
    write(
        dir.path(),
        "padded.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: padded}}\n{padding}data:\n  deploy-key: {}\n",
            b64(&format!("vk-{}", &token(4)[4..]))
        ),
    );
    let (code, findings, text) = scan(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        findings,
        vec![
            (
                "secrets/github-token".to_string(),
                "blob.bin".to_string(),
                2
            ),
            ("secrets/github-token".into(), "large.txt".into(), 2),
            ("secrets/committed-secret".into(), "padded.yaml".into(), 2),
            (
                "secrets/kubernetes-secret".into(),
                "padded.yaml".into(),
                9505
            ),
            ("secrets/github-token".into(), "utf16.yaml".into(), 2),
        ],
        "{text}"
    );
}

#[test]
fn history_reads_every_file_name() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    let names = [
        "caf\u{e9}/values.yaml",
        "tab\there.env",
        "quote\"d.env",
        "back\\slash.env",
        "with space.env",
    ];
    for (i, name) in names.iter().enumerate() {
        write(
            dir.path(),
            name,
            format!("LOG=info\nGITHUB_TOKEN={}\n", token(10 + i as u8)),
        );
    }
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "names"]);
    let (code, findings, text) = scan(dir.path(), &["--history"]);
    assert_eq!(code, 1);
    let mut found: Vec<&str> = findings.iter().map(|f| f.1.as_str()).collect();
    found.sort_unstable();
    let mut expected = names.to_vec();
    expected.sort_unstable();
    assert_eq!(found, expected, "{text}");
    assert!(findings.iter().all(|f| f.2 == 2));
}

/// `platc secrets` (or `platc ARGS`) on `dir` in one format: exit code and standard output.
fn run_in(dir: &std::path::Path, args: &[&str], format: &str) -> (i32, String) {
    let out = platc()
        .arg("-C")
        .arg(dir)
        .args(args)
        .args(["--format", format])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn files_the_scan_cannot_read_are_reported_in_every_format() {
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "credentials",
        format!("token={}\n", token(20)),
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok.env", "LOG=info\n");
    // A link out of the repository is never read, whoever runs the scan.
    std::os::unix::fs::symlink(
        outside.path().join("credentials"),
        dir.path().join("aws.env"),
    )
    .unwrap();
    // Permissions stop everyone but root: this part is proved when the tests do not run
    // as root.
    write(dir.path(), "locked.env", format!("token={}\n", token(21)));
    let locked = dir.path().join("locked.env");
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let as_root = std::fs::read(&locked).is_ok();
    let (code, findings, text) = scan(dir.path(), &[]);
    assert_eq!(code, 1, "{text}");
    let mut expected = vec![("io/unreadable".to_string(), "aws.env".to_string(), 0)];
    if !as_root {
        expected.push(("io/unreadable".into(), "locked.env".into(), 0));
    } else {
        expected.push(("secrets/github-token".into(), "locked.env".into(), 1));
    }
    assert_eq!(findings, expected, "{text}");
    assert!(text.contains("leads outside the repository"), "{text}");
    assert!(as_root || text.contains("permission denied"), "{text}");
    // The outside file's value is never shown.
    assert!(!text.contains(&token(20)[4..12]), "{text}");
    for format in ["human", "sarif", "junit", "github", "gitlab"] {
        let (code, out) = run_in(dir.path(), &["secrets"], format);
        assert_eq!(code, 1, "{format}: {out}");
        assert!(
            out.contains("io/unreadable") || out.contains("io_unreadable"),
            "{format}: {out}"
        );
        assert!(out.contains("aws.env"), "{format}: {out}");
    }
    // `check` says it once, not once for validate and once for the scan.
    write(
        dir.path(),
        "objects/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    );
    write(
        outside.path(),
        "out.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n",
    );
    std::os::unix::fs::symlink(
        outside.path().join("out.yaml"),
        dir.path().join("objects/out.yaml"),
    )
    .unwrap();
    let (_, out) = run_in(dir.path(), &["check"], "json");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let unread: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "io/unreadable")
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    let mut want = vec!["aws.env", "objects/out.yaml"];
    if !as_root {
        want.push("locked.env");
    }
    assert_eq!(unread, want, "{out}");
}

#[test]
fn invalid_utf8_is_scanned_with_the_bad_bytes_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"name: caf\xE9\xFF\xFE latin-1\n".to_vec();
    bytes.extend(format!("GITHUB_TOKEN={}\n", token(22)).bytes());
    write(dir.path(), "latin1.env", bytes);
    let (code, findings, text) = scan(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        findings,
        vec![(
            "secrets/github-token".to_string(),
            "latin1.env".to_string(),
            2
        )],
        "{text}"
    );
}

fn utf16le(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        out.extend(unit.to_le_bytes());
    }
    out
}

#[test]
fn history_reads_files_git_diffs_as_binary_and_counts_real_binaries() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    // Text git shows no lines of: UTF-16 (NUL bytes), and YAML an attribute marks binary.
    write(
        dir.path(),
        "utf16.yaml",
        utf16le(&format!("github:\n  token: {}\n", token(30))),
    );
    write(dir.path(), ".gitattributes", "marked.yaml binary\n");
    write(dir.path(), "marked.yaml", format!("token: {}\n", token(31)));
    // A real binary: a NUL in its first bytes. Not scanned, and counted.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(format!("\nGITHUB_TOKEN={}\n", token(32)).bytes());
    write(dir.path(), "logo.png", png);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "one"]);
    // The second commit adds a token to the UTF-16 file: only that one is its finding.
    write(
        dir.path(),
        "utf16.yaml",
        utf16le(&format!(
            "github:\n  token: {}\n  other: {}\n",
            token(30),
            token(33)
        )),
    );
    git(dir.path(), &["commit", "-q", "-am", "two"]);
    let (code, _, text) = scan(dir.path(), &["--history"]);
    assert_eq!(code, 1, "{text}");
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut found: Vec<(String, String, u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["message"]
                    .as_str()
                    .unwrap()
                    .rsplit(' ')
                    .next()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    found.sort();
    let commit = |rev: &str| {
        let out = std::process::Command::new("git")
            .current_dir(dir.path())
            .args(["rev-parse", "--short=12", rev])
            .output()
            .unwrap();
        format!("{})", String::from_utf8_lossy(&out.stdout).trim())
    };
    let (one, two) = (commit("HEAD~1"), commit("HEAD"));
    assert_eq!(
        found,
        vec![
            (
                "secrets/github-token".into(),
                "marked.yaml".into(),
                1,
                one.clone()
            ),
            ("secrets/github-token".into(), "utf16.yaml".into(), 2, one),
            ("secrets/github-token".into(), "utf16.yaml".into(), 3, two),
        ],
        "{text}"
    );
    assert_eq!(report["summary"]["binary_files_not_scanned"], 1, "{text}");
    let (_, human) = run_in(dir.path(), &["secrets", "--history"], "human");
    assert!(
        human.contains("1 binary file of history not scanned for secrets"),
        "{human}"
    );
    // Without binaries, the summary has no such count.
    let (_, plain) = run_in(dir.path(), &["secrets"], "json");
    assert!(!plain.contains("binary_files_not_scanned"), "{plain}");
}

#[test]
fn a_password_setting_in_configuration_is_a_leak_whatever_its_entropy() {
    let dir = tempfile::tempdir().unwrap();
    // A weak password is still the password (kustomize's springboot example), and says it
    // is guessable.
    let weak = format!("{}{}", "adm", "in");
    write(
        dir.path(),
        "application.properties",
        format!(
            "spring.datasource.username=root\nspring.datasource.password={weak}\nredis_passwd={}\npassword.file=/etc/app/password\nldap.passwordPolicy=strict\ndb.password=${{DB_PASSWORD}}\ncache.password=changeme\n",
            password(40)
        ),
    );
    let (code, findings, text) = scan(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        rules_in(&findings, "application.properties"),
        [("secrets/weak-password", 2), ("secrets/generic-secret", 3)],
        "{text}"
    );
    assert!(!text.contains(&weak), "{text}");
}

#[test]
fn history_never_loads_a_blob_over_the_read_limit_and_says_it_left_it_out() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    write(dir.path(), ".gitattributes", "*.yaml binary\n");
    // Text git diffs as binary: the small file is read, the one over 8 MiB is not.
    write(dir.path(), "small.yaml", format!("token: {}\n", token(40)));
    let mut big = format!("token: {}\n", token(41));
    let line = "# padding padding padding padding padding padding padding padding\n";
    while big.len() <= 9 * 1024 * 1024 {
        big.push_str(line);
    }
    write(dir.path(), "big.yaml", big);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "one"]);
    let (code, found, text) = scan(dir.path(), &["--history"]);
    assert_eq!(code, 1, "{text}");
    assert_eq!(rules_in(&found, "small.yaml").len(), 1, "{text}");
    assert!(rules_in(&found, "big.yaml").is_empty(), "{text}");
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["summary"]["large_files_not_scanned"], 1, "{text}");
    assert!(
        report["summary"].get("binary_files_not_scanned").is_none(),
        "{text}"
    );
    let (_, human) = run_in(dir.path(), &["secrets", "--history"], "human");
    assert!(
        human.contains(
            "1 file of history over the read limit (`limits.fileSize`) not scanned for secrets"
        ),
        "{human}"
    );
}

#[test]
fn quiet_still_says_which_files_of_history_were_left_out() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    write(dir.path(), "logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "one"]);
    let out = platc()
        .arg("-C")
        .arg(dir.path())
        .args(["--quiet", "secrets", "--history"])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        vec![
            "1 binary file of history not scanned for secrets (a NUL byte in the first 8000 bytes: images, archives)"
        ],
        "{stderr}"
    );
}

#[test]
fn guessable_default_passwords_are_reported_where_a_service_is_given_them() {
    let dir = tempfile::tempdir().unwrap();
    // The shapes of the corpus (argo-rollouts, istio bookinfo, cnoe-io), values assembled at
    // run time.
    let leet = format!("Pa{}w0rd", "55");
    write(
        dir.path(),
        "kustomization.yaml",
        format!("secretGenerator:\n- name: guestbook-secret\n  literals:\n  - password={leet}\n"),
    );
    write(
        dir.path(),
        "ratings.yaml",
        "spec:\n  containers:\n    - name: ratings\n      env:\n        - name: MYSQL_DB_USER\n          value: root\n        - name: MYSQL_DB_PASSWORD\n          value: password\n",
    );
    write(
        dir.path(),
        "mysql.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: mysql-credentials\ntype: Opaque\ndata:\n  rootpasswd: {}\n",
            b64("password")
        ),
    );
    write(
        dir.path(),
        "values.yaml",
        "neo4j:\n  neo4j:\n    name: graphrag-neo4j\n    password: \"dummy_password\" # must match graphrag's\ngrafana:\n  adminPassword: admin\nrabbitmq:\n  auth:\n    password: guest\n",
    );
    write(
        dir.path(),
        "init.yaml",
        "spec:\n  containers:\n    - name: init\n      command: [\"/bin/init\", \"--admin-password=root123\", \"--db-password=${DB_PASSWORD}\"]\n",
    );
    let (code, findings, text) = scan(dir.path(), &[]);
    assert_eq!(code, 1, "{text}");
    assert_eq!(
        rules_in(&findings, "kustomization.yaml"),
        [("secrets/weak-password", 4)],
        "{text}"
    );
    assert_eq!(
        rules_in(&findings, "ratings.yaml"),
        [("secrets/weak-password", 8)],
        "{text}"
    );
    assert_eq!(
        rules_in(&findings, "mysql.yaml"),
        [
            ("secrets/committed-secret", 2),
            ("secrets/weak-password", 7)
        ],
        "{text}"
    );
    assert_eq!(
        rules_in(&findings, "values.yaml"),
        [
            ("secrets/weak-password", 4),
            ("secrets/weak-password", 6),
            ("secrets/weak-password", 9)
        ],
        "{text}"
    );
    assert_eq!(
        rules_in(&findings, "init.yaml"),
        [("secrets/weak-password", 4)],
        "{text}"
    );
    // The message names the key and says why, the value never shows.
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "secrets/weak-password")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        messages.contains(
            &"guessable default password under `MYSQL_DB_PASSWORD`: pa…(8 chars) (anyone can guess it, no need to read the repository)"
        ),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("`rootpasswd`")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("`--admin-password`")),
        "{messages:?}"
    );
    for value in [leet.as_str(), "dummy_password", "guest"] {
        assert!(!text.contains(value), "{value} in {text}");
    }
    assert!(text.contains("openssl rand"), "{text}");
}

#[test]
fn placeholders_test_words_and_references_under_password_keys_stay_quiet() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "values.yaml",
        "db:\n  password: changeme\n  rootPassword: CHANGEME\ncache:\n  password: REPLACE_ME\n  adminPassword: <your-password>\n  replicaPassword: ${REPLICA_PASSWORD}\n  auth:\n    existingSecretPasswordKey: password\n    passwordKey: admin\nfixtures:\n  password: foo\n  userPassword: test\n  otherPassword: xxxx\n# password: admin\nexample:\n  password: example-password\n",
    );
    write(
        dir.path(),
        "app.env",
        "DB_PASSWORD=\nDB_PASSWORD_FILE=/run/secrets/password\nREDIS_PASS=replaceme\n",
    );
    let (code, findings, text) = scan(dir.path(), &[]);
    assert_eq!((code, findings), (0, vec![]), "{text}");
}

#[test]
fn a_weak_password_in_a_test_fixture_is_waived_on_its_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "fixture.yaml",
        "users:\n  # platc:allow secrets/weak-password (the fixture's throwaway database)\n  password: admin123\n  other: {password: root}\n",
    );
    let (_, findings, text) = scan(dir.path(), &[]);
    assert_eq!(
        rules_in(&findings, "fixture.yaml"),
        [("secrets/weak-password", 4)],
        "{text}"
    );
}
