//! Text from the repository (file names, values, tool errors) made safe to print: a name
//! holding a newline or a terminal escape must not forge a line in a CI log or recolour a
//! terminal, and a message quoting a huge value must stay readable.

use std::borrow::Cow;

/// The longest message printed whole; longer ones are cut, saying how much was left out.
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// `s` with every control character written as an escape (`\n`, `\t`, `\r`, `\u{1b}`):
/// for file names and other single-line text.
pub fn escape_control(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// [`escape_control`] keeping newlines and tabs: for messages, which may span lines (a
/// kustomize error), but never carry a terminal escape or a carriage return.
pub fn escape_control_in_message(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

fn escape(s: &str, keep_lines: bool) -> Cow<'_, str> {
    let is_kept = |c: char| keep_lines && (c == '\n' || c == '\t');
    if !s.chars().any(|c| c.is_control() && !is_kept(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            c if is_kept(c) || !c.is_control() => out.push(c),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// `s` with each control character but newline and tab replaced by a printable one of the
/// same UTF-8 length (`?` for C0, carriage return and DEL, `¿` for C1): for source snippets,
/// whose byte offsets must not move.
pub fn neutralise_control(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            '\r' => ' ',
            c if c.is_control() && c.len_utf8() == 1 => '?',
            c if c.is_control() => '¿',
            c => c,
        })
        .collect()
}

/// `s` cut to [`MAX_MESSAGE_CHARS`] characters, with the count of what was left out.
pub fn truncate_message(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(MAX_MESSAGE_CHARS) {
        None => Cow::Borrowed(s),
        Some((cut, _)) => {
            let rest = s[cut..].chars().count();
            Cow::Owned(format!("{}... ({rest} more characters)", &s[..cut]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_control("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
        assert_eq!(escape_control_in_message("a\nb\r\u{7}"), "a\nb\\r\\u{7}");
        assert!(matches!(
            escape_control("plain/path.yaml"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn snippets_keep_their_byte_offsets() {
        let text = "a: b\u{1b}[2J\r\n\u{85}c\td\n";
        let safe = neutralise_control(text);
        assert_eq!(safe, "a: b?[2J \n¿c\td\n");
        assert_eq!(safe.len(), text.len());
    }

    #[test]
    fn long_messages_are_cut_with_a_count() {
        let long = "x".repeat(MAX_MESSAGE_CHARS + 500);
        let cut = truncate_message(&long);
        assert!(cut.ends_with("... (500 more characters)"), "{cut}");
        assert_eq!(truncate_message("short"), "short");
    }
}
