//! Source texts kept for diagnostics, and line/column to byte offset conversion.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::yaml::Pos;

/// The texts of the files findings point into, by repo-relative path.
#[derive(Default, Clone)]
pub struct Sources {
    files: BTreeMap<String, Arc<str>>,
}

impl Sources {
    /// Keep a file's text for snippets, unless it holds a credential: a snippet would print
    /// it (whichever finding the snippet is for, and even when a baseline accepts it). Such
    /// files are reported without a snippet.
    pub fn insert(&mut self, path: impl Into<String>, text: impl Into<Arc<str>>) {
        let (path, text) = (path.into(), text.into());
        if crate::secrets::scan::scan(&path, &text).is_empty() {
            self.files.insert(path, text);
        }
    }

    /// Take the texts another `Sources` kept (already checked for credentials).
    pub fn append(&mut self, other: Sources) {
        self.files.extend(other.files);
    }

    pub fn get(&self, path: &str) -> Option<&Arc<str>> {
        self.files.get(path)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Arc<str>)> {
        self.files.iter()
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// The byte offset of a 1-based line and column (columns count characters), clamped to
/// the text.
pub fn byte_offset(text: &str, pos: Pos) -> usize {
    let mut offset = 0;
    let mut line = 1;
    if pos.line > 1 {
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line += 1;
                if line == pos.line {
                    offset = i + 1;
                    break;
                }
            }
        }
        if line < pos.line {
            return text.len();
        }
    }
    let rest = &text[offset..];
    let column = rest
        .char_indices()
        .take_while(|(_, c)| *c != '\n')
        .nth(pos.col.saturating_sub(1) as usize)
        .map_or_else(|| rest.find('\n').unwrap_or(rest.len()), |(i, _)| i);
    offset + column
}

/// The 1-based line and column (in characters) of a byte offset: the inverse of
/// [`byte_offset`]. `offset` must be on a character boundary (a match position is).
pub fn pos_at(text: &str, offset: usize) -> Pos {
    let before = text.get(..offset).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Pos {
        line: before.matches('\n').count() as u32 + 1,
        col: before[line_start..].chars().count() as u32 + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_characters_within_a_line() {
        let text = "ab\nçd: x\n";
        assert_eq!(byte_offset(text, Pos { line: 1, col: 1 }), 0);
        assert_eq!(byte_offset(text, Pos { line: 2, col: 1 }), 3);
        assert_eq!(byte_offset(text, Pos { line: 2, col: 2 }), 5);
        assert_eq!(byte_offset(text, Pos { line: 9, col: 1 }), text.len());
    }
}
