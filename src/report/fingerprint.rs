//! Stable identities for findings, so code-scanning dashboards (GitHub's SARIF alerts,
//! GitLab's code quality) follow one problem across commits instead of closing and reopening
//! it whenever lines above it move.
//!
//! A fingerprint hashes what the finding is about, not where it sits: the rule, the file, the
//! object and JSON pointer when known, and the text of the offending line (trimmed, so
//! re-indenting keeps it). Secret findings never hash their line (a hash of a short password
//! can be guessed offline): they use the redacted message instead. Findings that would share
//! a fingerprint are numbered in report order.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use super::Finding;
use crate::source::Sources;

/// One fingerprint per finding, in the report's order (32 hex digits, `:N` for the Nth
/// finding with the same identity).
pub fn fingerprints(findings: &[Finding], sources: &Sources) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    findings
        .iter()
        .map(|f| {
            let base = identity(f, sources);
            let n = seen.entry(base.clone()).or_default();
            *n += 1;
            if *n == 1 { base } else { format!("{base}:{n}") }
        })
        .collect()
}

fn identity(f: &Finding, sources: &Sources) -> String {
    let secret = f.rule.starts_with("secrets/");
    let line_text = (!secret)
        .then(|| line_text(f, sources))
        .flatten()
        .unwrap_or_default();
    let content = if line_text.is_empty() {
        f.message.as_str()
    } else {
        line_text
    };
    let mut hasher = Sha256::new();
    for part in [
        f.rule.as_str(),
        f.file.as_deref().unwrap_or(""),
        f.object.as_deref().unwrap_or(""),
        f.path.as_deref().unwrap_or(""),
        content,
    ] {
        // Length-prefixed, so no two different lists of parts hash the same.
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The trimmed text of the finding's line, when its file was read.
fn line_text<'a>(f: &Finding, sources: &'a Sources) -> Option<&'a str> {
    let text = sources.get(f.file.as_deref()?)?;
    let line = f.line? as usize;
    text.lines()
        .nth(line.checked_sub(1)?)
        .map(str::trim)
        .filter(|l| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Severity;
    use crate::yaml::Pos;

    fn finding(rule: &str, line: u32) -> Finding {
        Finding::new(rule, Severity::Error, format!("bad at line {line}"))
            .at("a.yaml", Some(Pos { line, col: 3 }))
    }

    #[test]
    fn moving_a_line_keeps_the_fingerprint_and_changing_it_does_not() {
        let mut before = Sources::default();
        before.insert("a.yaml", "kind: Pod\n  portt: 80\n");
        let mut after = Sources::default();
        after.insert("a.yaml", "# a comment\nkind: Pod\n    portt: 80\n");
        let a = fingerprints(&[finding("schema/unknown-field", 2)], &before);
        let b = fingerprints(&[finding("schema/unknown-field", 3)], &after);
        assert_eq!(a, b);
        assert_eq!(a[0].len(), 32);
        let mut changed = Sources::default();
        changed.insert("a.yaml", "kind: Pod\n  portz: 80\n");
        assert_ne!(
            a,
            fingerprints(&[finding("schema/unknown-field", 2)], &changed)
        );
        // Another rule on the same line is another problem.
        assert_ne!(a, fingerprints(&[finding("workload/probes", 2)], &before));
    }

    #[test]
    fn identical_findings_are_numbered_and_secrets_never_hash_their_line() {
        let mut sources = Sources::default();
        sources.insert("a.yaml", "password: hunter2hunter2\n");
        let twice = fingerprints(&[finding("schema/x", 1), finding("schema/x", 1)], &sources);
        assert_eq!(twice[1], format!("{}:2", twice[0]));
        // A secret's fingerprint is the same whatever the line holds: only the (redacted)
        // message, rule and place count.
        let mut other = Sources::default();
        other.insert("a.yaml", "password: something-else\n");
        assert_eq!(
            fingerprints(&[finding("secrets/generic", 1)], &sources),
            fingerprints(&[finding("secrets/generic", 1)], &other)
        );
    }
}
