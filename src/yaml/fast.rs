//! A fast reader for the part of YAML that manifests are written in.
//!
//! saphyr's scanner reads a character at a time through a lookahead buffer: on a large
//! repository that was most of a check's time (24-31 MB/s here). Manifests use little of
//! YAML: block mappings and sequences, plain, quoted and block scalars, flow collections on
//! one line, comments and `---`. This reader takes that part a line at a time, on bytes, and
//! hands the tree builder the very nodes saphyr's events would make, with the very spans
//! (saphyr's quirks included: a block scalar starts at its first content line, an indentless
//! sequence where its first item starts, an empty value at its `:`, a quoted scalar ends after
//! the comment that follows it).
//!
//! Anything else gives up (`None`): anchors, aliases, tags, tabs, carriage returns, multi-line
//! flow collections, explicit keys, directives, every syntax error. saphyr then reads the
//! file from the start, so this path changes no result, only the time: the differential tests
//! (`tests/yaml_fast.rs`, over the real repositories in `.ci/run`) and a fuzz target
//! (`fuzz/`, `yaml_fast`) compare both readers.

use std::borrow::Cow;

use super::load::{Builder, Stream};
use super::node::{Node, Pos, Span, Value};
use super::resolve::resolve_plain_owned;

/// Longest implicit key saphyr accepts (YAML's 1,024-character limit on simple keys).
const MAX_KEY_LEN: usize = 1024;

/// Read `text`, or `None` when it uses YAML this reader leaves to saphyr.
pub(super) fn parse(text: &str, max_nodes: usize) -> Option<Stream> {
    let bytes = text.as_bytes();
    if has_control_bytes(bytes) {
        return None;
    }
    let ascii = text.is_ascii();
    if !ascii && text.contains('\u{FEFF}') {
        return None;
    }
    let last_line = &bytes[memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1)..];
    let unterminated_blank_or_comment = match last_line.iter().position(|&b| b != b' ') {
        None => !last_line.is_empty(),
        Some(i) => last_line[i] == b'#',
    };
    if unterminated_blank_or_comment {
        // A last line of spaces or a comment, without a line break: saphyr ends what is open
        // somewhere inside it, not at the end of the stream.
        return None;
    }
    let mut reader = Reader {
        text,
        b: bytes,
        pos: 0,
        line: 1,
        line_start: 0,
        ascii,
        last_mark: std::cell::Cell::new((0, 0)),
        builder: Builder::new(max_nodes),
    };
    reader.stream()?;
    Some(reader.builder.into_stream())
}

/// Tabs, carriage returns, NULs (saphyr's end of input) and other control characters.
fn has_control_bytes(bytes: &[u8]) -> bool {
    // Folded over fixed chunks without an early exit, so that it vectorizes.
    bytes.chunks(64).any(|chunk| {
        chunk
            .iter()
            .fold(false, |bad, &c| bad | ((c < 0x20) & (c != b'\n')))
    })
}

type Read<T = ()> = Option<T>;

struct Reader<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    /// The 1-based line of `pos`, and where that line starts.
    line: u32,
    line_start: usize,
    ascii: bool,
    /// In a text that is not ASCII: the last byte `mark` placed, and its column (0-based).
    last_mark: std::cell::Cell<(usize, usize)>,
    builder: Builder,
}

fn is_blank_or_end(c: Option<&u8>) -> bool {
    matches!(c, None | Some(b' ' | b'\n'))
}

impl<'a> Reader<'a> {
    // ----- positions

    /// The position of byte `at`, which is on the current line.
    fn mark(&self, at: usize) -> Pos {
        let col = if self.ascii {
            at - self.line_start
        } else {
            // Columns count characters: from the last mark on this line when there is one
            // before `at`, so that a long line is counted once, not once per node.
            let (from, col) = match self.last_mark.get() {
                (byte, col) if byte >= self.line_start && byte <= at => (byte, col),
                _ => (self.line_start, 0),
            };
            let col = col + self.text[from..at].chars().count();
            self.last_mark.set((at, col));
            col
        };
        Pos {
            line: self.line,
            col: col as u32 + 1,
        }
    }

    /// The end of the stream, once the cursor is there: saphyr places it on the line after the
    /// last one, whether or not the text ends with a line break.
    fn eof(&self) -> Pos {
        let unterminated = self.b.last().is_some_and(|&b| b != b'\n');
        Pos {
            line: self.line + u32::from(unterminated),
            col: 1,
        }
    }

    /// Where the next token starts: the cursor (at content) or the end of the stream.
    fn here(&self) -> Pos {
        if self.pos >= self.b.len() {
            self.eof()
        } else {
            self.mark(self.pos)
        }
    }

    fn peek(&self) -> Option<&u8> {
        self.b.get(self.pos)
    }

    fn peek_at(&self, at: usize) -> Option<&u8> {
        self.b.get(at)
    }

    fn line_end(&self, from: usize) -> usize {
        memchr::memchr(b'\n', &self.b[from..]).map_or(self.b.len(), |i| from + i)
    }

    /// Move to the start of the next line (or the end of the text).
    fn next_line(&mut self) {
        let end = self.line_end(self.pos);
        if end < self.b.len() {
            self.pos = end + 1;
            self.line += 1;
            self.line_start = self.pos;
        } else {
            self.pos = end;
        }
    }

    /// From a line start or a line's indentation, go to the next content: the first byte of
    /// a line that is neither blank nor a comment. Its column, or `None` at the end.
    fn next_content(&mut self) -> Option<usize> {
        loop {
            let p = self.spaces_end(self.pos);
            match self.b.get(p) {
                None => {
                    self.pos = p;
                    return None;
                }
                Some(b'\n' | b'#') => {
                    self.pos = p;
                    self.next_line();
                    if self.pos >= self.b.len() {
                        return None;
                    }
                }
                Some(_) => {
                    self.pos = p;
                    return Some(p - self.line_start);
                }
            }
        }
    }

    /// After a value on a line: spaces, perhaps a comment, then the line break.
    fn end_of_line(&mut self) -> Read {
        let p = self.spaces_end(self.pos);
        match self.b.get(p) {
            None | Some(b'\n') => {}
            Some(b'#') if p > self.pos => {}
            _ => return None,
        }
        self.pos = p;
        self.next_line();
        Some(())
    }

    /// `---` or `...` at the start of a line, followed by a blank or the end.
    fn at_document_marker(&self) -> bool {
        self.pos == self.line_start
            && (self.b[self.pos..].starts_with(b"---") || self.b[self.pos..].starts_with(b"..."))
            && is_blank_or_end(self.peek_at(self.pos + 3))
    }

    /// A block sequence entry: `-` followed by a blank or the end.
    fn at_dash_item(&self) -> bool {
        self.peek() == Some(&b'-') && is_blank_or_end(self.peek_at(self.pos + 1))
    }

    // ----- nodes

    // A limit the builder enforces is reported by saphyr's reading, as ever: any error
    // here gives up.

    fn scalar(&mut self, text: Cow<'_, str>, plain: bool, start: Pos, end: Pos) -> Read {
        let value = if plain {
            resolve_plain_owned(text)
        } else {
            Value::Str {
                text: text.into_owned(),
                plain: false,
            }
        };
        self.builder
            .finish(Node::new(value, Span { start, end }), 0)
            .ok()
    }

    fn empty_scalar(&mut self, at: Pos) -> Read {
        self.scalar(Cow::Borrowed(""), true, at, at)
    }

    fn open(&mut self, seq: bool, start: Pos) -> Read {
        self.builder.open(seq, start, 0).ok()
    }

    fn close(&mut self, end: Pos) -> Read {
        self.builder.close(end).ok()
    }

    // ----- documents

    fn stream(&mut self) -> Read {
        // After `---` a document is open: what follows is its content, or it is empty.
        let mut marker_open = false;
        let mut had_document = false;
        loop {
            let Some(indent) = self.next_content() else {
                if marker_open {
                    // An empty last document: its null is at the end of the stream.
                    self.empty_document(self.eof(), self.eof())?;
                }
                return Some(());
            };
            if indent == 0 && self.b[self.pos..].starts_with(b"---") {
                if !is_blank_or_end(self.peek_at(self.pos + 3)) {
                    return None;
                }
                if marker_open {
                    // The empty document between two markers: its null spans the second.
                    let (start, end) = (self.mark(self.pos), self.mark(self.pos + 3));
                    self.empty_document(start, end)?;
                }
                self.pos += 3;
                self.end_of_line()?;
                marker_open = true;
                continue;
            }
            if indent == 0 && matches!(self.peek(), Some(b'.' | b'%')) {
                return None;
            }
            if had_document && !marker_open {
                // Content after a document without a `---` between: an error.
                return None;
            }
            self.builder.document_start();
            self.root(indent)?;
            marker_open = false;
            had_document = true;
        }
    }

    fn empty_document(&mut self, start: Pos, end: Pos) -> Read {
        self.builder.document_start();
        self.scalar(Cow::Borrowed(""), true, start, end)
    }

    /// A document's node: a block mapping or sequence (a scalar or flow root is left to
    /// saphyr).
    fn root(&mut self, indent: usize) -> Read {
        if self.at_dash_item() {
            self.block_sequence(indent, false)?;
        } else if let Some(colon) = self.key_colon(self.pos) {
            self.block_mapping(indent, colon)?;
        } else {
            return None;
        }
        // Only the end of the stream or a new document may follow.
        match self.next_content() {
            None => Some(()),
            Some(0) if self.at_document_marker() && self.peek() == Some(&b'-') => Some(()),
            Some(_) => None,
        }
    }

    // ----- block collections

    /// A block node starting at the cursor, at column `col`, inside a collection indented
    /// `parent`.
    fn block_node(&mut self, col: usize, parent: usize) -> Read {
        if self.at_dash_item() {
            self.block_sequence(col, false)
        } else if let Some(colon) = self.key_colon(self.pos) {
            self.block_mapping(col, colon)
        } else {
            self.inline_value(parent)
        }
    }

    /// A block mapping whose first key is at the cursor, its `:` at byte `colon`.
    fn block_mapping(&mut self, indent: usize, colon: usize) -> Read {
        let start = self.mark(self.pos);
        self.open(false, start)?;
        let mut colon_byte = colon;
        loop {
            let colon = self.key(colon_byte)?;
            self.mapping_value(indent, colon)?;
            if !self.another_entry(indent)? {
                break;
            }
            if self.at_dash_item() {
                return None;
            }
            colon_byte = self.key_colon(self.pos)?;
        }
        let end = self.here();
        self.close(end)
    }

    /// After an entry of a collection indented `indent`: whether more content follows at that
    /// indentation (`Some(true)`, the cursor on it), or the collection ends (`Some(false)`);
    /// `None` for content indented deeper, which saphyr reports as an error.
    fn another_entry(&mut self, indent: usize) -> Read<bool> {
        match self.next_content() {
            None => Some(false),
            Some(i) if i < indent => Some(false),
            Some(i) if i == indent => Some(!self.at_document_marker()),
            Some(_) => None,
        }
    }

    /// The value after a key's `:` (the cursor is just past it), in a mapping indented
    /// `indent`.
    fn mapping_value(&mut self, indent: usize, colon: Pos) -> Read {
        self.skip_spaces();
        let inline = match self.peek() {
            None | Some(b'\n') => false,
            // `key_colon` saw a blank after the `:`, so a `#` here starts a comment.
            Some(b'#') => false,
            Some(_) => true,
        };
        if inline {
            return self.inline_value(indent);
        }
        self.next_line();
        match self.next_content() {
            Some(i) if i > indent => self.block_node(i, indent),
            Some(i) if i == indent && self.at_dash_item() => self.block_sequence(indent, true),
            _ => self.empty_scalar(colon),
        }
    }

    /// A block sequence whose first `-` is at the cursor, at column `indent`. An indentless
    /// one (`key:` then `- item` at the key's column) ends at the mapping's next key.
    fn block_sequence(&mut self, indent: usize, indentless: bool) -> Read {
        let start = self.mark(self.pos);
        self.open(true, start)?;
        // saphyr starts an indentless sequence where its first item starts (the `|` of a
        // block scalar; the end of the line when the `-` ends it): set once that is known.
        let mut unstarted = indentless.then(|| self.builder.depth() - 1);
        loop {
            self.pos += 1;
            let after = self.pos;
            self.skip_spaces();
            match self.peek() {
                None | Some(b'\n') | Some(b'#') => {
                    if self.peek() == Some(&b'#') && self.pos == after {
                        return None;
                    }
                    let line_end = self.line_end(self.pos);
                    let null_at = self.mark(line_end);
                    if let Some(frame) = unstarted.take() {
                        self.builder.set_frame_start(frame, null_at);
                    }
                    self.next_line();
                    match self.next_content() {
                        Some(i) if i > indent => self.block_node(i, indent)?,
                        _ => self.empty_scalar(null_at)?,
                    }
                }
                Some(_) => {
                    if let Some(frame) = unstarted.take() {
                        let at = self.mark(self.pos);
                        self.builder.set_frame_start(frame, at);
                    }
                    let col = self.pos - self.line_start;
                    self.block_node(col, indent)?;
                }
            }
            if !self.another_entry(indent)? {
                break;
            }
            if !self.at_dash_item() {
                // An indentless sequence ends at its mapping's next key.
                if indentless {
                    break;
                }
                return None;
            }
        }
        let end = self.here();
        self.close(end)
    }

    // ----- keys

    /// When a mapping key starts at `at`: the position of its `:`.
    fn key_colon(&self, at: usize) -> Option<usize> {
        let end = self.line_end(at);
        let line = &self.b[at..end];
        let after_key = match line.first()? {
            q @ (b'"' | b'\'') => at + 1 + self.quoted_len(at + 1, end, *q)? + 1,
            _ => {
                let mut i = 0;
                loop {
                    let c = *line.get(i)?;
                    if c == b':' && matches!(line.get(i + 1), None | Some(b' ')) {
                        break;
                    }
                    if c == b'#' && i > 0 && line[i - 1] == b' ' {
                        return None;
                    }
                    i += 1;
                }
                return (i > 0).then_some(at + i);
            }
        };
        (self.b.get(after_key) == Some(&b':') && is_blank_or_end(self.peek_at(after_key + 1)))
            .then_some(after_key)
    }

    /// The length of a quoted scalar's body starting at `from` (after its opening quote),
    /// when it closes on this line.
    fn quoted_len(&self, from: usize, end: usize, quote: u8) -> Option<usize> {
        let mut i = from;
        while i < end {
            let c = self.b[i];
            if c == quote {
                if quote == b'\'' && self.b.get(i + 1) == Some(&b'\'') {
                    i += 2;
                    continue;
                }
                return Some(i - from);
            }
            if quote == b'"' && c == b'\\' {
                i += 2;
                continue;
            }
            i += 1;
        }
        None
    }

    /// Read the mapping key at the cursor, its `:` at byte `colon_at` (see `key_colon`); the
    /// cursor ends past the `:`. Returns where the `:` is (an empty value is placed there).
    fn key(&mut self, colon_at: usize) -> Read<Pos> {
        let start = self.pos;
        if colon_at - start > MAX_KEY_LEN {
            return None;
        }
        match self.b[start] {
            b'"' | b'\'' => {
                self.quoted_scalar(0, true)?;
            }
            first => {
                if !plain_may_start(first, self.peek_at(start + 1)) {
                    return None;
                }
                let mut end = colon_at;
                while self.b[end - 1] == b' ' {
                    end -= 1;
                }
                let text = &self.text[start..end];
                let (s, e) = (self.mark(start), self.mark(end));
                self.scalar(Cow::Borrowed(text), true, s, e)?;
            }
        }
        if self.pos > colon_at {
            return None;
        }
        let colon = self.mark(colon_at);
        self.pos = colon_at + 1;
        Some(colon)
    }

    // ----- scalars and flow collections

    /// A value starting at the cursor on this line (after `key: ` or `- `, or alone on its
    /// line), inside a collection indented `parent`. The cursor ends at a line start.
    fn inline_value(&mut self, parent: usize) -> Read {
        match *self.peek()? {
            b'"' | b'\'' => {
                self.quoted_scalar(parent, false)?;
                self.end_of_line()
            }
            b'[' | b'{' => {
                self.flow_collection(0)?;
                self.end_of_line()
            }
            b'|' | b'>' => self.block_scalar(parent),
            first => {
                if !plain_may_start(first, self.peek_at(self.pos + 1)) {
                    return None;
                }
                self.plain_scalar(parent)
            }
        }
    }

    /// One line of a plain scalar from the cursor: where its text ends (trailing spaces
    /// trimmed) and whether a comment follows. `None` at `: ` (a key where none may be).
    fn plain_line(&self) -> Option<(usize, bool)> {
        let end = self.line_end(self.pos);
        let mut i = self.pos;
        let mut text_end = self.pos;
        while i < end {
            match self.b[i] {
                b' ' => {}
                b'#' if i > self.pos && self.b[i - 1] == b' ' => return Some((text_end, true)),
                b':' if i + 1 == end || self.b[i + 1] == b' ' => return None,
                _ => text_end = i + 1,
            }
            i += 1;
        }
        Some((text_end, false))
    }

    fn plain_scalar(&mut self, parent: usize) -> Read {
        let start_at = self.pos;
        let start = self.mark(start_at);
        let (first_end, comment) = self.plain_line()?;
        let mut end = self.mark(first_end);
        self.pos = first_end;
        let mut folded: Option<String> = None;
        if !comment {
            self.next_line();
            loop {
                let (line, line_start, pos) = (self.line, self.line_start, self.pos);
                let blanks = self.skip_blank_lines();
                let blank_lines = blanks.count;
                let continues = blanks.indent.is_some_and(|indent| indent > parent)
                    && self.peek() != Some(&b'#');
                if !continues {
                    (self.line, self.line_start, self.pos) = (line, line_start, pos);
                    break;
                }
                if !plain_may_continue(self.b[self.pos]) {
                    return None;
                }
                let (text_end, comment) = self.plain_line()?;
                let text = folded.get_or_insert_with(|| self.text[start_at..first_end].to_string());
                if blank_lines == 0 {
                    text.push(' ');
                } else {
                    text.extend(std::iter::repeat_n('\n', blank_lines));
                }
                text.push_str(&self.text[self.pos..text_end]);
                end = self.mark(text_end);
                self.pos = text_end;
                self.next_line();
                if comment {
                    break;
                }
            }
        } else {
            self.next_line();
        }
        let text = match folded {
            Some(text) => Cow::Owned(text),
            None => Cow::Borrowed(&self.text[start_at..first_end]),
        };
        self.scalar(text, true, start, end)
    }

    /// A quoted scalar at the cursor, perhaps over several lines (folded as YAML folds them)
    /// when it is a value inside a collection indented `parent`. The cursor ends past the
    /// closing quote.
    fn quoted_scalar(&mut self, parent: usize, is_key: bool) -> Read {
        let quote = self.b[self.pos];
        let start = self.mark(self.pos);
        self.pos += 1;
        let body = self.pos;
        let mut owned: Option<String> = None;
        // Text before this byte came from escapes: folding trims no further back.
        let mut kept = 0;
        loop {
            let rest = &self.b[self.pos..];
            let stop = if quote == b'"' {
                memchr::memchr3(b'"', b'\\', b'\n', rest)
            } else {
                memchr::memchr2(b'\'', b'\n', rest)
            };
            let i = self.pos + stop?;
            let c = self.b[i];
            if c == quote && !(quote == b'\'' && self.b.get(i + 1) == Some(&b'\'')) {
                if let Some(out) = owned.as_mut() {
                    out.push_str(&self.text[self.pos..i]);
                }
                self.pos = i + 1;
                break;
            }
            let out = owned.get_or_insert_with(String::new);
            out.push_str(&self.text[self.pos..i]);
            match c {
                b'\'' => {
                    out.push('\'');
                    self.pos = i + 2;
                    kept = out.len();
                }
                b'\\' => {
                    let (escaped, len) = escape(&self.b[i + 1..])?;
                    match escaped {
                        Some(ch) => {
                            out.push(ch);
                            self.pos = i + 1 + len;
                            kept = out.len();
                        }
                        None => {
                            // An escaped line break: the lines join with nothing between.
                            self.pos = i + 1;
                            if is_key {
                                return None;
                            }
                            kept = out.len();
                            self.quoted_break(parent, out, kept, false)?;
                        }
                    }
                }
                _ => {
                    if is_key {
                        return None;
                    }
                    self.pos = i;
                    self.quoted_break(parent, out, kept, true)?;
                }
            }
        }
        // saphyr ends a quoted scalar after the blanks and comment that follow it.
        let end = self.mark(self.blanks_and_comment_end(self.pos));
        let text = match owned {
            Some(out) => Cow::Owned(out),
            None => Cow::Borrowed(&self.text[body..self.pos - 1]),
        };
        self.scalar(text, false, start, end)
    }

    /// The line break at the cursor inside a quoted scalar: trim the spaces before it (not
    /// those escapes made), skip the blank lines and the next line's indentation, and fold.
    fn quoted_break(&mut self, parent: usize, out: &mut String, kept: usize, fold: bool) -> Read {
        let trimmed = out.trim_end_matches(' ').len().max(kept);
        out.truncate(trimmed);
        self.next_line();
        let blanks = self.skip_blank_lines();
        if blanks.indent? <= parent {
            return None;
        }
        let blank_lines = blanks.count;
        if blank_lines > 0 {
            out.extend(std::iter::repeat_n('\n', blank_lines));
        } else if fold {
            out.push(' ');
        }
        Some(())
    }

    /// A block scalar (`|` or `>` and its header) at the cursor, the value of a node inside
    /// a collection indented `parent`. The cursor ends at the line that ends it.
    fn block_scalar(&mut self, parent: usize) -> Read {
        let literal = self.b[self.pos] == b'|';
        self.pos += 1;
        let (chomp, explicit) = self.block_header()?;
        self.end_of_line()?;
        let scalar_indent = match explicit {
            Some(n) => parent + n,
            None => {
                // The first line with content sets the indentation; blank lines before it may
                // not be longer.
                let (save_line, save_start, save_pos) = (self.line, self.line_start, self.pos);
                let blanks = self.skip_blank_lines();
                (self.line, self.line_start, self.pos) = (save_line, save_start, save_pos);
                let indent = blanks.indent?;
                if blanks.longest > indent {
                    return None;
                }
                indent.max(parent + 1)
            }
        };
        let mut text = String::new();
        let mut start: Option<Pos> = None;
        // Blank lines before the first content line are line breaks at its start.
        let mut leading_breaks = 0usize;
        // Line breaks waiting to be placed: after the last content line, and blank lines.
        let mut pending_breaks = 0usize;
        let mut previous_more_indented = false;
        let end = loop {
            let mut p = self.pos;
            while self.b.get(p) == Some(&b' ') && p - self.line_start < scalar_indent {
                p += 1;
            }
            let col = p - self.line_start;
            match self.b.get(p) {
                None => {
                    // The end of the text: only after a final line break is it plain.
                    if self.b.last() != Some(&b'\n') {
                        return None;
                    }
                    self.pos = p;
                    break self.eof();
                }
                Some(b'\n') => {
                    if start.is_some() {
                        pending_breaks += 1;
                    } else {
                        leading_breaks += 1;
                    }
                    self.pos = p;
                    self.next_line();
                    continue;
                }
                Some(_) if col < scalar_indent => {
                    if col > parent {
                        // saphyr: "wrongly indented line in block scalar".
                        return None;
                    }
                    self.pos = p;
                    break self.mark(p);
                }
                Some(&c) => {
                    let line_end = self.line_end(p);
                    if self.b[p..line_end].iter().all(|&b| b == b' ') {
                        // Spaces past the indentation on a line of their own are content
                        // YAML keeps in odd ways: left to saphyr.
                        return None;
                    }
                    let more_indented = c == b' ';
                    match start {
                        None => {
                            start = Some(self.mark(p));
                            text.extend(std::iter::repeat_n('\n', leading_breaks));
                        }
                        Some(_) => {
                            // `pending_breaks` counts the break after the last content
                            // line and one per blank line since.
                            if !literal && !previous_more_indented && !more_indented {
                                if pending_breaks == 1 {
                                    text.push(' ');
                                } else {
                                    text.extend(std::iter::repeat_n('\n', pending_breaks - 1));
                                }
                            } else {
                                text.extend(std::iter::repeat_n('\n', pending_breaks));
                            }
                        }
                    }
                    text.push_str(&self.text[p..line_end]);
                    previous_more_indented = more_indented;
                    pending_breaks = 0;
                    self.pos = line_end;
                    if line_end < self.b.len() {
                        pending_breaks = 1;
                    }
                    self.next_line();
                    continue;
                }
            }
        };
        let start = match start {
            Some(start) => start,
            None => {
                // No content: the scalar is empty. Kept breaks, and an explicit indentation
                // (saphyr then starts the scalar at its `|`), are left to saphyr.
                if chomp == Chomp::Keep || explicit.is_some() {
                    return None;
                }
                end
            }
        };
        match chomp {
            Chomp::Strip => {}
            Chomp::Clip => {
                if pending_breaks > 0 {
                    text.push('\n');
                }
            }
            Chomp::Keep => text.extend(std::iter::repeat_n('\n', pending_breaks)),
        }
        self.scalar(Cow::Owned(text), false, start, end)
    }

    /// A block scalar header after `|` or `>`: chomping and an explicit indentation, in
    /// either order.
    fn block_header(&mut self) -> Read<(Chomp, Option<usize>)> {
        let mut chomp = Chomp::Clip;
        let mut explicit = None;
        for _ in 0..2 {
            match self.peek() {
                Some(b'-') if chomp == Chomp::Clip => chomp = Chomp::Strip,
                Some(b'+') if chomp == Chomp::Clip => chomp = Chomp::Keep,
                Some(&d @ b'1'..=b'9') if explicit.is_none() => {
                    explicit = Some((d - b'0') as usize)
                }
                _ => break,
            }
            self.pos += 1;
        }
        Some((chomp, explicit))
    }

    /// A flow sequence or mapping at the cursor, closed on this line. The cursor ends past
    /// its closing bracket.
    fn flow_collection(&mut self, depth: usize) -> Read {
        if depth > 32 {
            return None;
        }
        let open = self.b[self.pos];
        let close = if open == b'[' { b']' } else { b'}' };
        let start = self.mark(self.pos);
        self.open(open == b'[', start)?;
        self.pos += 1;
        self.skip_spaces();
        if self.peek() != Some(&close) {
            loop {
                if open == b'[' {
                    self.flow_item(depth, true)?;
                } else {
                    self.flow_item(depth, false)?;
                    if self.peek() != Some(&b':') || self.peek_at(self.pos + 1) != Some(&b' ') {
                        return None;
                    }
                    self.pos += 1;
                    self.skip_spaces();
                    self.flow_item(depth, true)?;
                }
                self.skip_spaces();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        self.skip_spaces();
                        if matches!(self.peek(), Some(b']' | b'}')) {
                            return None;
                        }
                    }
                    Some(&c) if c == close => break,
                    _ => return None,
                }
            }
        }
        self.pos += 1;
        // saphyr ends a collection after the blanks and comment that follow its bracket.
        let end = self.mark(self.blanks_and_comment_end(self.pos));
        self.close(end)
    }

    /// Past the spaces from `from`, and past a comment after them, to the line's end.
    fn blanks_and_comment_end(&self, from: usize) -> usize {
        let mut p = self.spaces_end(from);
        if p > from && self.b.get(p) == Some(&b'#') {
            p = self.line_end(p);
        }
        p
    }

    fn skip_spaces(&mut self) {
        self.pos = self.spaces_end(self.pos);
    }

    /// Past the spaces from `from`.
    fn spaces_end(&self, from: usize) -> usize {
        from + self.b[from..].iter().take_while(|&&b| b == b' ').count()
    }

    /// From a line start, past the lines that hold nothing but spaces, to the next line's
    /// first other byte (the cursor ends there, or at the end of the text).
    fn skip_blank_lines(&mut self) -> BlankLines {
        let mut blanks = BlankLines {
            count: 0,
            longest: 0,
            indent: None,
        };
        loop {
            let p = self.spaces_end(self.pos);
            self.pos = p;
            match self.b.get(p) {
                None => return blanks,
                Some(b'\n') => {
                    blanks.count += 1;
                    blanks.longest = blanks.longest.max(p - self.line_start);
                    self.next_line();
                }
                Some(_) => {
                    blanks.indent = Some(p - self.line_start);
                    return blanks;
                }
            }
        }
    }

    /// One scalar or nested collection inside a flow collection. `is_value`: not a key
    /// (a key is never a collection here). In a sequence, `a: b` is left to saphyr.
    fn flow_item(&mut self, depth: usize, is_value: bool) -> Read {
        match *self.peek()? {
            b'[' | b'{' if is_value => self.flow_collection(depth + 1),
            b'"' | b'\'' => {
                self.quoted_scalar(0, true)?;
                Some(())
            }
            first => {
                if !plain_may_start(first, self.peek_at(self.pos + 1)) || is_flow_indicator(first) {
                    return None;
                }
                let start_at = self.pos;
                let mut i = self.pos;
                let mut text_end = i;
                loop {
                    match self.b.get(i) {
                        None | Some(b'\n') => return None,
                        Some(&c) if is_flow_indicator(c) => break,
                        Some(b':') if matches!(self.b.get(i + 1), Some(b' ' | b'\n') | None) => {
                            break;
                        }
                        Some(b':') if is_flow_indicator(self.b[i + 1]) => return None,
                        Some(b'#') if self.b[i - 1] == b' ' => return None,
                        // saphyr refuses a `-` followed by `,[]{}` at the start of a word in
                        // a flow collection; any such `-` is left to it.
                        Some(b'-') if self.b.get(i + 1).is_some_and(|&c| is_flow_indicator(c)) => {
                            return None;
                        }
                        Some(b' ') => {}
                        Some(_) => text_end = i + 1,
                    }
                    i += 1;
                }
                if is_value && self.b[i] == b':' {
                    // `[a: b]`: a single-pair mapping.
                    return None;
                }
                self.pos = text_end;
                let (s, e) = (self.mark(start_at), self.mark(text_end));
                self.scalar(Cow::Borrowed(&self.text[start_at..text_end]), true, s, e)
            }
        }
    }
}

/// What [`Reader::skip_blank_lines`] went past.
struct BlankLines {
    count: usize,
    /// The most spaces on one of them.
    longest: usize,
    /// The indentation of the line after them; `None` at the end of the text.
    indent: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Chomp {
    Strip,
    Clip,
    Keep,
}

fn is_flow_indicator(c: u8) -> bool {
    matches!(c, b',' | b'[' | b']' | b'{' | b'}')
}

/// Whether a plain scalar may start with `first` (followed by `next`) in block context.
fn plain_may_start(first: u8, next: Option<&u8>) -> bool {
    match first {
        b'-' | b'?' | b':' => {
            !is_blank_or_end(next) && !next.is_some_and(|&c| is_flow_indicator(c))
        }
        b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' => false,
        _ => true,
    }
}

/// Whether a plain scalar's continuation line may start with `first`: saphyr takes any
/// text there, indicators included, but a line starting with `:` is left to it.
fn plain_may_continue(first: u8) -> bool {
    first != b':'
}

/// A double-quoted escape after its `\`: the character (or `None` for an escaped line
/// break) and how many bytes it took.
fn escape(rest: &[u8]) -> Option<(Option<char>, usize)> {
    let c = *rest.first()?;
    let simple = match c {
        b'0' => '\0',
        b'a' => '\x07',
        b'b' => '\x08',
        b't' => '\t',
        b'n' => '\n',
        b'v' => '\x0b',
        b'f' => '\x0c',
        b'r' => '\r',
        b'e' => '\x1b',
        b' ' => ' ',
        b'"' => '"',
        b'/' => '/',
        b'\\' => '\\',
        b'N' => '\u{85}',
        b'_' => '\u{a0}',
        b'L' => '\u{2028}',
        b'P' => '\u{2029}',
        b'\n' => return Some((None, 1)),
        b'x' | b'u' | b'U' => {
            let digits = match c {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            let hex = rest.get(1..1 + digits)?;
            let hex = std::str::from_utf8(hex).ok()?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let code = u32::from_str_radix(hex, 16).ok()?;
            return Some((Some(char::from_u32(code)?), 1 + digits));
        }
        _ => return None,
    };
    Some((Some(simple), 1))
}
