//! The files of history that `git log -p` shows no lines of: the ones git diffs as binary (a
//! NUL in their first 8000 bytes, or a `binary`/`-diff` attribute). What is text among them
//! (UTF-16 with a byte order mark, a YAML file marked `binary`) is read whole at each commit
//! that changed it and the credentials that commit added are reported; real binaries (images,
//! archives) are not scanned, and counted so the report says so.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use super::{git, read};
use crate::config::Settings;
use crate::report::Finding;

/// How many changes are read from git at once: blobs of history can be large.
const BATCH: usize = 64;
/// Git's own test for a binary file: a NUL in this many first bytes.
const SNIFF: usize = 8000;

/// What the binary-diffed changes of history gave.
#[derive(Default)]
pub(super) struct BlobScan {
    pub pairs: Vec<(Finding, String)>,
    /// Files read as text.
    pub files: usize,
    pub bytes: u64,
    /// Paths of real binaries, not scanned.
    pub binaries: BTreeSet<String>,
}

pub(super) fn scan(
    root: &Path,
    since: Option<&str>,
    settings: &Settings,
) -> Result<BlobScan, String> {
    let changes: Vec<(String, String)> = git::binary_changes(root, since)?
        .into_iter()
        .filter(|(_, p)| !settings.is_excluded_from_secrets(p))
        .collect();
    let mut out = BlobScan::default();
    for batch in changes.chunks(BATCH) {
        // Each file at the commit, and at its first parent: what the commit added is what
        // the first holds and the second does not.
        let specs: Vec<String> = batch
            .iter()
            .flat_map(|(c, p)| [format!("{c}:{p}"), format!("{c}^:{p}")])
            .collect();
        let blobs = git::blobs(root, &specs)?;
        for ((commit, path), pair) in batch.iter().zip(blobs.chunks(2)) {
            // A deleted file has no blob at the commit.
            let Some(Some(now)) = pair.first() else {
                continue;
            };
            if is_binary(now) {
                out.binaries.insert(path.clone());
                continue;
            }
            out.files += 1;
            out.bytes += now.len() as u64;
            let before: HashSet<(&str, String)> = match pair.get(1) {
                Some(Some(old)) if !is_binary(old) => read::scan_bytes(path, old)
                    .into_iter()
                    .map(|h| (h.rule, h.secret))
                    .collect(),
                _ => HashSet::new(),
            };
            for hit in read::scan_bytes(path, now) {
                if !before.contains(&(hit.rule, hit.secret.clone())) {
                    out.pairs.push(super::history_finding(commit, path, &hit));
                }
            }
        }
    }
    Ok(out)
}

/// A real binary: a NUL in the first bytes, unless they are UTF-16 text with its mark.
fn is_binary(blob: &[u8]) -> bool {
    let utf16 = blob.starts_with(&[0xFF, 0xFE]) || blob.starts_with(&[0xFE, 0xFF]);
    !utf16 && blob[..blob.len().min(SNIFF)].contains(&0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binaries_are_nul_bytes_in_the_first_8000_unless_utf16() {
        assert!(is_binary(b"\x89PNG\r\n\x1a\n\0\0"));
        assert!(!is_binary(b"kind: Secret\n"));
        assert!(!is_binary(&[0xFF, 0xFE, b'a', 0]));
        let mut late = vec![b'a'; SNIFF];
        late.push(0);
        assert!(!is_binary(&late));
    }
}
