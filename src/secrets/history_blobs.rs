//! The files of history that `git log -p` shows no lines of: the ones git diffs as binary (a
//! NUL in their first 8000 bytes, or a `binary`/`-diff` attribute). What is text among them
//! (UTF-16 with a byte order mark, a YAML file marked `binary`) is read whole at each commit
//! that changed it and the credentials that commit added are reported; real binaries (images,
//! archives, told by their first 8000 bytes) are not scanned, nor loaded, and counted so the
//! report says so. A blob over the read limit (`limits.fileSize`) is never loaded: counted too.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use super::git;
use super::read;
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
    /// Paths of files over the read limit at some commit, not scanned there (never loaded).
    pub too_large: BTreeSet<String>,
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
    if changes.is_empty() {
        return Ok(out);
    }
    let max_file_bytes = read::max_file_bytes();
    let mut stream = git::BlobStream::open(root)?;
    for batch in changes.chunks(BATCH) {
        // Each file at the commit, and at its first parent: what the commit added is what
        // the first holds and the second does not. Sizes first: a blob over the read limit
        // is never loaded.
        let specs: Vec<String> = batch
            .iter()
            .flat_map(|(c, p)| [format!("{c}:{p}"), format!("{c}^:{p}")])
            .collect();
        let sizes = git::blob_sizes(root, &specs)?;
        for (((commit, path), spec), size) in batch.iter().zip(specs.chunks(2)).zip(sizes.chunks(2))
        {
            // A deleted file has no blob at the commit.
            let Some(now_size) = size[0] else {
                continue;
            };
            if now_size > max_file_bytes {
                out.too_large.insert(path.clone());
                continue;
            }
            let now = match stream.read(&spec[0], SNIFF, |head| !is_binary(head))? {
                git::Fetched::Whole(bytes) => bytes,
                git::Fetched::Dropped => {
                    out.binaries.insert(path.clone());
                    continue;
                }
                git::Fetched::Missing => continue,
            };
            out.files += 1;
            out.bytes += now.len() as u64;
            // A parent too large to read counts as empty: its credentials are reported
            // again rather than new ones missed.
            let old = match size[1] {
                Some(s) if s <= max_file_bytes => {
                    match stream.read(&spec[1], SNIFF, |head| !is_binary(head))? {
                        git::Fetched::Whole(bytes) => bytes,
                        _ => Vec::new(),
                    }
                }
                _ => Vec::new(),
            };
            let before: HashSet<(&str, String)> = read::scan_bytes(path, &old)
                .into_iter()
                .map(|h| (h.rule, h.secret))
                .collect();
            for hit in read::scan_bytes(path, &now) {
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
