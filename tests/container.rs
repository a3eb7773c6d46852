//! The Containerfile's inputs (no image can be built here): the stage that builds the static
//! binary, the image it lands in, and the binary itself, built with the same flags and run
//! with nothing around it (`the_static_binary_links_and_runs`, ignored by default: a release
//! build takes about 10 minutes on 2 cores; `cargo test --test container -- --ignored`).

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

fn containerfile() -> String {
    std::fs::read_to_string(project_root().join("Containerfile")).unwrap()
}

/// The instructions of the Containerfile, continuation lines joined, comments dropped.
fn instructions() -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in containerfile().lines() {
        let line = line.trim();
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(part) => current.push_str(part),
            None => {
                current.push_str(line);
                if !current.trim().is_empty() {
                    out.push(current.trim().to_string());
                }
                current.clear();
            }
        }
    }
    out
}

/// The flags the Containerfile builds with, for the default target.
const RUSTFLAGS: &str = "-C target-feature=+crt-static";
const TARGET: &str = "x86_64-unknown-linux-gnu";

#[test]
fn the_containerfile_ships_the_static_binary_as_user_999() {
    let steps = instructions();
    let froms: Vec<&String> = steps.iter().filter(|s| s.starts_with("FROM ")).collect();
    assert_eq!(froms.len(), 2, "{steps:?}");
    // The toolchain is at least the crate's rust-version.
    let cargo = std::fs::read_to_string(project_root().join("Cargo.toml")).unwrap();
    let rust_version = cargo
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .unwrap()
        .trim_matches('"');
    assert!(
        froms[0].contains(&format!("rust:{rust_version}")),
        "{}",
        froms[0]
    );
    assert!(
        froms[1].starts_with("FROM gcr.io/distroless/static"),
        "{}",
        froms[1]
    );
    assert!(steps.contains(&format!("ARG TARGET={TARGET}")), "{steps:?}");
    let build = steps
        .iter()
        .find(|s| s.contains("cargo build"))
        .expect("a cargo build step");
    for part in [
        &format!("RUSTFLAGS=\"{RUSTFLAGS}\""),
        "--release",
        "--locked",
        "--target \"$TARGET\"",
        "cp \"target/$TARGET/release/platc\" /platc",
        "/platc --version",
    ] {
        assert!(build.contains(part), "{part} not in {build}");
    }
    assert!(steps.contains(&"ENV PLATC_COMMIT=${PLATC_COMMIT}".to_string()));
    let last = &steps[steps.iter().position(|s| s == froms[1]).unwrap()..];
    assert_eq!(
        last,
        [
            froms[1].as_str(),
            "COPY --from=build /platc /usr/local/bin/platc",
            "USER 999:999",
            "ENTRYPOINT [\"/usr/local/bin/platc\"]",
        ]
    );
    // The build context leaves out the build folder.
    let ignore = std::fs::read_to_string(project_root().join(".dockerignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "/target"), "{ignore}");
}

/// Whether an ELF executable asks for a dynamic loader (a `PT_INTERP` program header).
fn has_interpreter(binary: &[u8]) -> bool {
    assert_eq!(&binary[..4], b"\x7fELF");
    assert_eq!(binary[4], 2, "64-bit");
    let u16_at = |at: usize| u16::from_le_bytes([binary[at], binary[at + 1]]) as usize;
    let phoff = u64::from_le_bytes(binary[0x20..0x28].try_into().unwrap()) as usize;
    let (size, count) = (u16_at(0x36), u16_at(0x38));
    (0..count).any(|i| {
        let at = phoff + i * size;
        u32::from_le_bytes(binary[at..at + 4].try_into().unwrap()) == 3
    })
}

#[test]
fn a_dynamic_binary_is_told_apart() {
    // The test binary itself is linked dynamically (the default).
    let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
    assert!(has_interpreter(&me));
}

#[test]
#[ignore = "a static release build takes about 10 minutes on 2 cores"]
fn the_static_binary_links_and_runs() {
    let target_dir = project_root().join("target/static");
    let status = Command::new(env!("CARGO"))
        .current_dir(project_root())
        .args(["build", "--release", "--locked", "--target", TARGET])
        .arg("--target-dir")
        .arg(&target_dir)
        .env("RUSTFLAGS", RUSTFLAGS)
        .status()
        .unwrap();
    assert!(status.success());
    let binary = target_dir.join(TARGET).join("release/platc");
    assert!(!has_interpreter(&std::fs::read(&binary).unwrap()), "static");
    // It runs with nothing around it: no environment, no PATH, from /.
    let out = Command::new(&binary)
        .arg("--version")
        .env_clear()
        .current_dir("/")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("platc "));
    // As the sidecar runs it: the example's kustomizations render with no kubectl or
    // kustomize in the image.
    let repo = tempfile::tempdir().unwrap();
    copy_dir(
        &project_root().join("platform"),
        &repo.path().join("platform"),
    );
    copy_dir(
        &project_root().join("overlays"),
        &repo.path().join("overlays"),
    );
    let app = "overlays/prod/components/kubevirt";
    assert!(
        Path::new(&repo.path().join(app))
            .join("kustomization.yaml")
            .is_file()
    );
    let out = Command::new(&binary)
        .arg("generate")
        .current_dir(repo.path().join(app))
        .env_clear()
        .env("ARGOCD_APP_SOURCE_PATH", app)
        .env("KUBE_VERSION", "1.33.4")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("kind: "));
}
