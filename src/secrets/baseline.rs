//! Baselines: known findings accepted once (`platc secrets --write-baseline`), so that only
//! new credentials fail. A baseline stores fingerprints, never values: a SHA-256 of the rule,
//! the file and the value, which cannot be turned back into the value.

use std::collections::BTreeSet;
use std::path::Path;

use sha2::{Digest, Sha256};

pub const DEFAULT_FILE: &str = ".platc-secrets-baseline.json";

/// The fingerprint of one finding: stable when the line moves, new when the value changes.
pub fn fingerprint(rule: &str, file: &str, secret: &str) -> String {
    let mut h = Sha256::new();
    for part in [rule, file, secret] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Read a baseline (an empty one when the file does not exist).
pub fn read(path: &Path) -> Result<BTreeSet<String>, String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(BTreeSet::new());
    };
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("`{}` is not a platc baseline: {e}", path.display()))?;
    Ok(value["fingerprints"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}

/// Write a baseline of the given fingerprints (sorted, so that it diffs cleanly).
pub fn write(path: &Path, fingerprints: &BTreeSet<String>) -> Result<(), String> {
    let value = serde_json::json!({
        "about": "platc secrets baseline: fingerprints of accepted findings (no values). Regenerate with `platc secrets --write-baseline`.",
        "fingerprints": fingerprints,
    });
    let mut text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
    text.push('\n');
    crate::tree::write_atomic(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_hide_the_value_and_depend_on_it() {
        let a = fingerprint("secrets/github-token", "a.yaml", "value-one");
        assert_eq!(a.len(), 64);
        assert!(!a.contains("value"));
        assert_ne!(
            a,
            fingerprint("secrets/github-token", "a.yaml", "value-two")
        );
        assert_eq!(
            a,
            fingerprint("secrets/github-token", "a.yaml", "value-one")
        );
    }
}
