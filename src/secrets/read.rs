//! Reading files for the secret scan, so that no file is left out: UTF-16 with a byte order
//! mark is decoded, bytes with NULs are scanned as text with the NULs dropped (UTF-16
//! without a mark, text inside binaries), and files over the read limit are scanned in
//! overlapping chunks, never held whole.

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

use super::scan::{self, Hit};

/// Files up to this size (`limits.fileSize`) are read whole; larger ones are streamed, so
/// the scan reads every file whatever the limit.
pub(super) fn max_file_bytes() -> u64 {
    crate::limits::current().file_size.get()
}
/// How much of a large file is scanned at once.
const CHUNK: usize = 4 * 1024 * 1024;
/// How much of the end of a chunk is scanned again with the next: a credential cut by a
/// chunk's end is whole in the next one.
const OVERLAP: usize = 64 * 1024;
/// Lines longer than this are left out of a large YAML file's outline (they are scanned in
/// the chunks): a base64 blob, or padding.
const OUTLINE_LINE: usize = 1024 * 1024;

/// The hits of one file on disk and its size in bytes.
pub(super) fn scan_file(rel: &str, full: &Path) -> std::io::Result<(Vec<Hit>, u64)> {
    let len = std::fs::metadata(full)?.len();
    if len > max_file_bytes() {
        return Ok((scan_large(rel, full)?, len));
    }
    let bytes = std::fs::read(full)?;
    Ok((scan_bytes(rel, &bytes), bytes.len() as u64))
}

/// The hits of a file's bytes, however they are encoded.
pub(super) fn scan_bytes(name: &str, bytes: &[u8]) -> Vec<Hit> {
    scan::scan(name, &decode(bytes))
}

/// Text from bytes: UTF-16 by its byte order mark, else UTF-8 (invalid sequences replaced)
/// with NUL bytes dropped. Dropping NULs keeps every newline, so line numbers stay right.
pub(super) fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let utf16 = |le: bool| {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|p| {
                if le {
                    u16::from_le_bytes([p[0], p[1]])
                } else {
                    u16::from_be_bytes([p[0], p[1]])
                }
            })
            .collect();
        Cow::Owned(String::from_utf16_lossy(&units))
    };
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return utf16(true);
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return utf16(false);
    }
    if bytes.contains(&0) {
        let kept: Vec<u8> = bytes.iter().copied().filter(|b| *b != 0).collect();
        return Cow::Owned(String::from_utf8_lossy(&kept).into_owned());
    }
    String::from_utf8_lossy(bytes)
}

/// A file over the read limit, in chunks that overlap, plus, for YAML, the Secrets of its
/// outline (its lines without comments and giant lines: a Secret padded with a 9 MiB comment
/// is still a Secret).
fn scan_large(rel: &str, full: &Path) -> std::io::Result<Vec<Hit>> {
    let mut file = std::fs::File::open(full)?;
    let yaml = [".yaml", ".yml"].iter().any(|e| rel.ends_with(e));
    let mut outline = Outline::default();
    let mut seen: HashSet<(&'static str, u32, u32)> = HashSet::new();
    let mut hits = Vec::new();
    // The bytes in hand, the line number of their first byte, and where the bytes not yet
    // scanned start.
    let mut window: Vec<u8> = Vec::with_capacity(CHUNK + OVERLAP);
    let mut first_line = 1u32;
    let mut fresh = 0usize;
    loop {
        let before = window.len();
        window.resize(before + CHUNK, 0);
        let mut filled = before;
        while filled < window.len() {
            match file.read(&mut window[filled..])? {
                0 => break,
                n => filled += n,
            }
        }
        window.truncate(filled);
        let eof = filled < before + CHUNK;
        // End at a line's end, unless a line is longer than a chunk.
        let end = if eof {
            window.len()
        } else {
            window[fresh..]
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(window.len(), |i| fresh + i + 1)
        };
        for mut hit in scan_bytes(rel, &window[..end]) {
            hit.line += first_line - 1;
            if seen.insert((hit.rule, hit.line, hit.column)) {
                hits.push(hit);
            }
        }
        if yaml {
            outline.feed(&window[fresh..end]);
        }
        if eof {
            break;
        }
        // Keep the last lines (up to OVERLAP bytes) and what follows `end`.
        let keep_from = end.saturating_sub(OVERLAP);
        let keep_from = window[keep_from..end]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(keep_from, |i| keep_from + i + 1);
        first_line += window[..keep_from].iter().filter(|b| **b == b'\n').count() as u32;
        window.drain(..keep_from);
        fresh = end - keep_from;
    }
    // The last line, if the file does not end with a newline.
    outline.feed(b"\n");
    if yaml && !outline.overflowed {
        let text = decode(&outline.text);
        for hit in scan::scan_secret_objects(&text) {
            if seen.insert((hit.rule, hit.line, hit.column)) {
                hits.push(hit);
            }
        }
    }
    hits.sort_by(|a, b| (a.line, a.column, a.rule).cmp(&(b.line, b.column, b.rule)));
    Ok(hits)
}

/// A large YAML file's lines with comments and giant lines emptied: its structure, on the
/// same line numbers, at a size that can be parsed.
#[derive(Default)]
struct Outline {
    text: Vec<u8>,
    /// The line being read, while it is short enough to keep.
    line: Vec<u8>,
    /// The line being read is too long: it is left out.
    dropping: bool,
    /// The outline itself outgrew the read limit: it is not used.
    overflowed: bool,
}

impl Outline {
    fn feed(&mut self, bytes: &[u8]) {
        if self.overflowed {
            return;
        }
        for piece in bytes.split_inclusive(|b| *b == b'\n') {
            let complete = piece.ends_with(b"\n");
            if !self.dropping {
                self.line.extend_from_slice(piece);
                if self.line.len() > OUTLINE_LINE {
                    self.dropping = true;
                    self.line.clear();
                }
            }
            if complete {
                let comment = self.line.trim_ascii_start().starts_with(b"#");
                if self.dropping || comment {
                    self.text.push(b'\n');
                } else {
                    self.text.extend_from_slice(&self.line);
                }
                self.line.clear();
                self.dropping = false;
                if self.text.len() as u64 > max_file_bytes() {
                    self.overflowed = true;
                    self.text = Vec::new();
                    return;
                }
            }
        }
    }
}
