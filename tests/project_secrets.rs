//! The project follows its own rule: no credential-shaped literal is committed (tests build
//! fake ones at run time from pieces). The one an early commit holds is accepted by
//! fingerprint in `.platc-secrets-baseline.json`, so the history scan passes.

mod common;

use common::*;

#[test]
fn the_project_passes_its_own_secret_scan_with_history() {
    let root = project_root();
    let in_git = std::process::Command::new("git")
        .arg("-C")
        .arg(&root)
        .args(["rev-parse", "--verify", "--quiet", "HEAD"])
        .output()
        .is_ok_and(|o| o.status.success());
    let mut args = vec!["secrets"];
    if in_git {
        args.push("--history");
    } else {
        // A copy without its history (a release tarball, CI's fresh-clone copy): the working
        // tree alone. `.ci/run` scans the checkout's history itself.
        eprintln!("no git history: scanning the working tree only");
    }
    let out = platc().arg("-C").arg(&root).args(&args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The baseline holds fingerprints only.
    let baseline = std::fs::read_to_string(root.join(".platc-secrets-baseline.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&baseline).unwrap();
    for f in json["fingerprints"].as_array().unwrap() {
        let f = f.as_str().unwrap();
        assert!(
            f.len() == 64 && f.bytes().all(|b| b.is_ascii_hexdigit()),
            "{f}"
        );
    }
}
