//! Every input that once crashed a fuzz target (`fuzz/regressions/<target>/`), and every
//! seed (`fuzz/seeds/<target>/`), replayed through the same entry points the fuzzers drive.
//! A panic fails the test; so does a target without seeds, or a folder naming no target.

mod common;

use std::path::Path;

use platc::fuzzing::TARGETS;

fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_target_has_seeds_and_every_folder_a_target() {
    let fuzz = common::project_root().join("fuzz");
    for (name, _) in TARGETS {
        assert!(
            !inputs(&fuzz.join("seeds").join(name)).is_empty(),
            "fuzz/seeds/{name} has no seed"
        );
        assert!(fuzz.join("src/bin").join(format!("{name}.rs")).is_file());
    }
    for folder in ["seeds", "regressions"] {
        for entry in std::fs::read_dir(fuzz.join(folder)).unwrap().flatten() {
            if entry.path().is_dir() {
                let name = entry.file_name().to_string_lossy().into_owned();
                assert!(
                    TARGETS.iter().any(|(t, _)| *t == name),
                    "fuzz/{folder}/{name} names no fuzz target"
                );
            }
        }
    }
}

#[test]
fn seeds_and_regressions_run_without_panicking() {
    let fuzz = common::project_root().join("fuzz");
    let mut count = 0;
    for (name, target) in TARGETS {
        for folder in ["seeds", "regressions"] {
            for file in inputs(&fuzz.join(folder).join(name)) {
                let data = std::fs::read(&file).unwrap();
                let run = std::panic::catch_unwind(|| target(&data));
                assert!(run.is_ok(), "{name} panics on {}", file.display());
                count += 1;
            }
        }
    }
    assert!(count >= TARGETS.len(), "only {count} inputs replayed");
}
