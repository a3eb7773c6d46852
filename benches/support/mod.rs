//! Shared by the benchmarks.

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
