//! Shared by the benchmarks.

// Each benchmark includes this module and uses only part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// Peak resident memory of one platc run, in MB, from GNU time (None where it is missing).
pub fn peak_mb(root: &Path, args: &[&str]) -> Option<f64> {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(env!("CARGO_BIN_EXE_platc"))
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()?;
    let kb: f64 = String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()?
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// A folder and everything in it, copied.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}
