//! Reading a YAML file's text as Kubernetes tools do, or saying why it cannot be read.
//!
//! A file left out without a word is a silent pass: a CI gate that is green because it never
//! looked. Every file that cannot be read or decoded becomes an `io/unreadable` finding with
//! the reason. UTF-8 with a byte order mark and UTF-16 (either byte order, with its mark) are
//! decoded, as kustomize and kubectl decode them.

use std::path::Path;

use crate::report::Finding;
use crate::yaml::Pos;

/// Why a file's text could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// The operating system refused (permission, a dangling link...).
    Io(String),
    TooLarge(u64),
    /// A NUL byte: a binary file, or text in an encoding without a byte order mark.
    Nul(Pos),
    InvalidUtf8(Pos),
    InvalidUtf16,
}

impl Unreadable {
    /// Where in the file the problem is, when it is at one place.
    pub fn pos(&self) -> Option<Pos> {
        match self {
            Unreadable::Nul(p) | Unreadable::InvalidUtf8(p) => Some(*p),
            _ => None,
        }
    }

    pub fn reason(&self) -> String {
        match self {
            Unreadable::Io(e) => format!("it cannot be read: {e}"),
            Unreadable::TooLarge(n) => format!(
                "it is {}, over the {} read limit (`limits.fileSize`)",
                crate::limits::bytes(*n),
                crate::limits::current().file_size
            ),
            Unreadable::Nul(_) => "it holds a NUL byte (a binary file, or text in UTF-16 or UTF-32 without a byte order mark)".into(),
            Unreadable::InvalidUtf8(_) => "it is not valid UTF-8".into(),
            Unreadable::InvalidUtf16 => "it starts with a UTF-16 byte order mark but is not valid UTF-16".into(),
        }
    }

    fn help(&self) -> String {
        match self {
            Unreadable::Io(_) => {
                "make the file readable by the user platc runs as, or exclude it in .platc.yaml".into()
            }
            Unreadable::TooLarge(_) => format!(
                "split the file, exclude it in .platc.yaml if it holds no manifests, or {}",
                crate::limits::Key::FileSize.raise()
            ),
            Unreadable::Nul(_) | Unreadable::InvalidUtf8(_) | Unreadable::InvalidUtf16 => {
                "save the file as UTF-8 (Kubernetes tools read UTF-8, and UTF-16 with a byte order mark), or exclude it in .platc.yaml".into()
            }
        }
    }

    /// The `io/unreadable` finding for `path`.
    pub fn finding(&self, path: &str) -> Finding {
        Finding::error("io/unreadable", format!("not checked: {}", self.reason()))
            .at(path, self.pos())
            .with_help(self.help())
    }
}

/// The text of the file at `path`.
pub fn read(path: &Path) -> Result<String, Unreadable> {
    decode(read_bytes(path)?)
}

/// The bytes of the file at `path`, within `limits.fileSize`.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, Unreadable> {
    let meta = std::fs::metadata(path).map_err(|e| Unreadable::Io(io_reason(&e)))?;
    if meta.len() > crate::limits::current().file_size.get() {
        return Err(Unreadable::TooLarge(meta.len()));
    }
    std::fs::read(path).map_err(|e| Unreadable::Io(io_reason(&e)))
}

/// The error without the path (findings already name the file) and in plain words.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::NotFound => "it does not exist (a dangling symbolic link?)".into(),
        _ => e.to_string(),
    }
}

/// Text from bytes: UTF-8 (a byte order mark is dropped) or UTF-16 with its byte order mark.
pub fn decode(bytes: Vec<u8>) -> Result<String, Unreadable> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes);
    }
    let mut bytes = bytes;
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        return Err(Unreadable::Nul(pos_of(&bytes, at)));
    }
    // The bytes become the string without a copy.
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        Unreadable::InvalidUtf8(pos_of(e.as_bytes(), at))
    })
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, Unreadable> {
    if !bytes.len().is_multiple_of(2) {
        return Err(Unreadable::InvalidUtf16);
    }
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]])).collect();
    String::from_utf16(&units).map_err(|_| Unreadable::InvalidUtf16)
}

/// The line and column (in characters of the valid text before it) of a byte offset.
fn pos_of(bytes: &[u8], offset: usize) -> Pos {
    let before = String::from_utf8_lossy(&bytes[..offset]);
    crate::source::pos_at(&before, before.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_order_marks_are_decoded() {
        let text = "kind: ConfigMap\n";
        let mut utf8 = vec![0xEF, 0xBB, 0xBF];
        utf8.extend(text.bytes());
        assert_eq!(decode(utf8).unwrap(), text);
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(le).unwrap(), text);
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(be).unwrap(), text);
        assert_eq!(
            decode(vec![0xFF, 0xFE, 0x61]),
            Err(Unreadable::InvalidUtf16)
        );
    }

    #[test]
    fn nul_bytes_and_invalid_utf8_say_where() {
        assert_eq!(
            decode(b"a: b\nc: \0\n".to_vec()),
            Err(Unreadable::Nul(Pos { line: 2, col: 4 }))
        );
        assert_eq!(
            decode(b"a: b\n\xC3\xA9: \xFF\n".to_vec()),
            Err(Unreadable::InvalidUtf8(Pos { line: 2, col: 4 }))
        );
    }
}
