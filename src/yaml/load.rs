//! Build the positioned tree: from the fast reader (`fast.rs`) when it reads the text, else
//! from saphyr-parser's events.
//!
//! saphyr's own tree loader stops at a duplicate key; real repositories have them (vendored
//! manifests, Helm values), so the tree is built here from events: a duplicate is recorded
//! with both positions and the last value wins, as Kubernetes does.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as EventSpan, Tag};

use super::node::{Node, Pos, Span, Value};
use super::resolve::{resolve_plain, resolve_plain_owned};

/// Deeper nesting than this is refused: no real manifest comes near it, and the cap keeps
/// hostile input from exhausting the stack of any recursive consumer.
pub const MAX_DEPTH: usize = 128;

/// How many nodes aliases may copy in one file ("billion laughs" protection).
pub const MAX_ALIAS_NODES: usize = 100_000;

/// A YAML stream: its documents and any duplicate keys met on the way.
#[derive(Debug, Default)]
pub struct Stream {
    pub documents: Vec<Node>,
    pub duplicates: Vec<DuplicateKey>,
}

/// A key given twice in one mapping; the second value is the one kept.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateKey {
    pub key: String,
    pub first: Span,
    pub second: Span,
}

/// Why a stream could not be read, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub message: String,
    pub pos: Pos,
    /// The limit of `.platc.yaml` the file went over, when that is why it was not read
    /// (the file may well be valid YAML).
    pub budget: Option<crate::limits::Key>,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at {}", self.message, self.pos)
    }
}

impl std::error::Error for YamlError {}

/// An open collection. Its items (a mapping's keys and values alternating) wait in
/// `Builder::pending` from index `from`: each collection is then allocated once, at its
/// size, instead of growing item by item.
enum Frame {
    Seq {
        from: usize,
        start: Pos,
        anchor: usize,
    },
    Map {
        from: usize,
        start: Pos,
        anchor: usize,
    },
}

fn pos(marker: saphyr_parser::Marker) -> Pos {
    Pos {
        line: marker.line() as u32,
        col: marker.col() as u32 + 1,
    }
}

fn span(s: EventSpan) -> Span {
    Span {
        start: pos(s.start),
        end: pos(s.end),
    }
}

/// How many closing brackets [`parse_stream`] re-indents in one file before it gives up.
const MAX_BRACKET_FIXES: usize = 100;

/// Parse a whole stream of YAML documents.
///
/// go-yaml (what kubectl and the API server use) and PyYAML accept a flow sequence or mapping
/// whose closing `]` or `}` sits at its key's indentation (`args: [` ... `]` under `args`);
/// saphyr calls it invalid indentation. Such a closing line is indented by one space and the
/// stream parsed again: only that line's columns move, and nothing there is reported on.
pub fn parse_stream(text: &str) -> Result<Stream, YamlError> {
    parse_stream_limited(text, crate::limits::current().yaml_nodes.usize())
}

fn parse_stream_limited(text: &str, max_nodes: usize) -> Result<Stream, YamlError> {
    if let Some(stream) = super::fast::parse(text, max_nodes) {
        FAST_READS.with(|n| n.set(n.get() + 1));
        return Ok(stream);
    }
    parse_with_saphyr(text, max_nodes)
}

thread_local! {
    /// How many texts the fast reader answered on this thread: the test that keeps
    /// `parse_stream` on the fast path reads it.
    static FAST_READS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many texts [`parse_stream`] read with the fast reader on this thread.
#[doc(hidden)]
pub fn fast_reads() -> u64 {
    FAST_READS.with(std::cell::Cell::get)
}

/// The fast reader's answer for `text`, or `None` where it leaves the text to saphyr. For
/// the differential tests.
#[doc(hidden)]
pub fn parse_fast_only(text: &str) -> Option<Stream> {
    super::fast::parse(text, crate::limits::current().yaml_nodes.usize())
}

/// `text` read by saphyr alone, as [`parse_stream`] reads what the fast reader leaves. For
/// the differential tests.
#[doc(hidden)]
pub fn parse_saphyr_only(text: &str) -> Result<Stream, YamlError> {
    parse_with_saphyr(text, crate::limits::current().yaml_nodes.usize())
}

fn parse_with_saphyr(text: &str, max_nodes: usize) -> Result<Stream, YamlError> {
    let original = match parse_exact(text, max_nodes) {
        Ok(stream) => return Ok(stream),
        Err(e) => e,
    };
    let mut first_error = original.clone();
    let mut fixed = text.to_string();
    for _ in 0..MAX_BRACKET_FIXES {
        if !reindent_closing_bracket(&mut fixed, &first_error) {
            break;
        }
        match parse_exact(&fixed, max_nodes) {
            Ok(stream) => return Ok(stream),
            Err(e) if e.message == "invalid indentation" => first_error = e,
            Err(_) => break,
        }
    }
    Err(original)
}

/// Indent the line of an "invalid indentation" error by one space when it starts with a
/// closing bracket; whether it did.
fn reindent_closing_bracket(text: &mut String, e: &YamlError) -> bool {
    if e.message != "invalid indentation" {
        return false;
    }
    let line_start = if e.pos.line <= 1 {
        Some(0)
    } else {
        text.match_indices('\n')
            .nth(e.pos.line as usize - 2)
            .map(|(i, _)| i + 1)
    };
    let Some(start) = line_start else {
        return false;
    };
    let line = text[start..].split('\n').next().unwrap_or_default();
    if !line.trim_start().starts_with([']', '}']) {
        return false;
    }
    text.insert(start, ' ');
    true
}

/// A stream that does not parse, read document by document: what the documents that do
/// parse hold, and the error of each one that does not. Documents are split at `---` lines;
/// positions stay those of the whole file.
pub fn parse_documents_apart(text: &str) -> (Stream, Vec<YamlError>) {
    let mut out = Stream::default();
    let mut errors = Vec::new();
    let mut starts = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if offset > 0 && (line.trim_end() == "---" || line.starts_with("--- ")) {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts.push(text.len());
    for pair in starts.windows(2) {
        let (start, end) = (pair[0], pair[1]);
        // Earlier lines as empty ones keep the line numbers of the whole file.
        let mut chunk = "\n".repeat(text[..start].matches('\n').count());
        chunk.push_str(&text[start..end]);
        match parse_stream(&chunk) {
            Ok(stream) => {
                out.documents.extend(stream.documents);
                out.duplicates.extend(stream.duplicates);
            }
            Err(e) => errors.push(e),
        }
    }
    (out, errors)
}

fn parse_exact(text: &str, max_nodes: usize) -> Result<Stream, YamlError> {
    let mut builder = Builder::new(max_nodes);
    let mut parser = Parser::new_from_str(text);
    while let Some(event) = parser.next_event() {
        let (event, event_span) = event.map_err(|e| YamlError {
            message: e.info().to_string(),
            pos: pos(*e.marker()),
            budget: None,
        })?;
        builder.event(event, span(event_span))?;
    }
    Ok(builder.into_stream())
}

/// Builds the tree: from saphyr's events (`event`), or from the fast reader's nodes and
/// collection bounds (`fast.rs`).
#[derive(Default)]
pub(super) struct Builder {
    stack: Vec<Frame>,
    /// The finished nodes of the open collections, innermost last.
    pending: Vec<Node>,
    anchors: HashMap<usize, Node>,
    alias_nodes: usize,
    nodes: usize,
    max_nodes: usize,
    documents: Vec<Node>,
    duplicates: Vec<DuplicateKey>,
}

impl Builder {
    pub(super) fn new(max_nodes: usize) -> Builder {
        Builder {
            max_nodes,
            ..Builder::default()
        }
    }

    pub(super) fn into_stream(self) -> Stream {
        Stream {
            documents: self.documents,
            duplicates: self.duplicates,
        }
    }

    /// How many collections are open.
    pub(super) fn depth(&self) -> usize {
        self.stack.len()
    }

    /// Move where the open collection at `index` (0 outermost) starts.
    pub(super) fn set_frame_start(&mut self, index: usize, at: Pos) {
        if let Some(Frame::Seq { start, .. } | Frame::Map { start, .. }) = self.stack.get_mut(index)
        {
            *start = at;
        }
    }

    pub(super) fn event(&mut self, event: Event<'_>, at: Span) -> Result<(), YamlError> {
        match event {
            Event::DocumentStart(_) => self.document_start(),
            Event::Scalar(text, style, anchor, tag) => {
                let value = scalar(text, style, tag.as_deref(), at.start)?;
                self.finish(Node::new(value, at), anchor)?;
            }
            Event::Alias(id) => {
                let node = self.anchors.get(&id).cloned().ok_or_else(|| YamlError {
                    message: "alias to an unknown anchor".into(),
                    pos: at.start,
                    budget: None,
                })?;
                self.alias_nodes += count_nodes(&node);
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err(YamlError {
                        message: format!(
                            "aliases expand to more than {MAX_ALIAS_NODES} nodes; refusing to expand further"
                        ),
                        pos: at.start,
                        budget: None,
                    });
                }
                let mut node = node;
                node.span = at;
                self.finish(node, 0)?;
            }
            Event::SequenceStart(anchor, _) => self.open(true, at.start, anchor)?,
            Event::MappingStart(anchor, _) => self.open(false, at.start, anchor)?,
            Event::SequenceEnd | Event::MappingEnd => self.close(at.end)?,
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    pub(super) fn document_start(&mut self) {
        self.anchors.clear();
    }

    /// A sequence (`seq`) or mapping starts at `start`.
    pub(super) fn open(&mut self, seq: bool, start: Pos, anchor: usize) -> Result<(), YamlError> {
        let from = self.pending.len();
        self.push(if seq {
            Frame::Seq {
                from,
                start,
                anchor,
            }
        } else {
            Frame::Map {
                from,
                start,
                anchor,
            }
        })
    }

    /// The innermost open collection ends at `end`.
    pub(super) fn close(&mut self, end: Pos) -> Result<(), YamlError> {
        let frame = self.stack.pop().ok_or_else(|| YamlError {
            message: "unbalanced collection end".into(),
            pos: end,
            budget: None,
        })?;
        match frame {
            Frame::Seq {
                from,
                start,
                anchor,
            } => {
                let items: Vec<Node> = self.pending.drain(from..).collect();
                self.finish(Node::new(Value::Seq(items), Span { start, end }), anchor)
            }
            Frame::Map {
                from,
                start,
                anchor,
            } => {
                let mut entries = Vec::with_capacity((self.pending.len() - from) / 2);
                let mut items = self.pending.drain(from..);
                while let (Some(k), Some(v)) = (items.next(), items.next()) {
                    entries.push((k, v));
                }
                drop(items);
                let entries = self.close_map(entries);
                self.finish(Node::new(Value::Map(entries), Span { start, end }), anchor)
            }
        }
    }

    fn push(&mut self, frame: Frame) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            let start = match &frame {
                Frame::Seq { start, .. } | Frame::Map { start, .. } => *start,
            };
            return Err(YamlError {
                message: format!("nesting deeper than {MAX_DEPTH} levels"),
                pos: start,
                budget: None,
            });
        }
        self.stack.push(frame);
        Ok(())
    }

    /// A finished node, to place in the open collection (or as a document).
    pub(super) fn finish(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        self.nodes += 1;
        if self.nodes > self.max_nodes {
            return Err(YamlError {
                message: format!(
                    "it holds more than {} YAML nodes, over the `limits.yamlNodes` budget; platc stops reading it",
                    self.max_nodes
                ),
                pos: node.span.start,
                budget: Some(crate::limits::Key::YamlNodes),
            });
        }
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last() {
            None => self.documents.push(node),
            Some(Frame::Seq { .. }) => self.pending.push(node),
            Some(&Frame::Map { from, .. }) => {
                let is_key = (self.pending.len() - from).is_multiple_of(2);
                if is_key && matches!(node.value, Value::Seq(_) | Value::Map(_)) {
                    return Err(YamlError {
                        message: "a mapping key must be a scalar".into(),
                        pos: node.span.start,
                        budget: None,
                    });
                }
                self.pending.push(node);
            }
        }
        Ok(())
    }

    /// Apply `<<` merge keys and drop earlier duplicates (recording them).
    fn close_map(&mut self, entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
        let has_merge = entries.iter().any(|(k, _)| is_merge_key(k));
        let mut entries = if has_merge {
            apply_merges(entries)
        } else {
            entries
        };
        // Most mappings are small: compare keys pairwise without allocating; hash only
        // large ones (ConfigMaps with thousands of keys).
        let mut drop = Vec::new();
        if entries.len() <= 16 {
            for i in 1..entries.len() {
                let Some(text) = entries[i].0.key_text() else {
                    continue;
                };
                if let Some(prev) = (0..i)
                    .rev()
                    .find(|&j| !drop.contains(&j) && entries[j].0.is_key(&text))
                {
                    drop.push(prev);
                    self.duplicates.push(DuplicateKey {
                        key: text.into_owned(),
                        first: entries[prev].0.span,
                        second: entries[i].0.span,
                    });
                }
            }
        } else {
            let mut seen: HashMap<String, usize> = HashMap::new();
            for (i, (k, _)) in entries.iter().enumerate() {
                let Some(text) = k.key_text() else { continue };
                if let Some(prev) = seen.insert(text.to_string(), i) {
                    drop.push(prev);
                    self.duplicates.push(DuplicateKey {
                        key: text.into_owned(),
                        first: entries[prev].0.span,
                        second: k.span,
                    });
                }
            }
        }
        if !drop.is_empty() {
            drop.sort_unstable();
            let mut index = 0;
            entries.retain(|_| {
                let keep = drop.binary_search(&index).is_err();
                index += 1;
                keep
            });
        }
        entries
    }
}

fn is_merge_key(k: &Node) -> bool {
    matches!(&k.value, Value::Str { text, plain: true } if text == "<<")
}

/// go-yaml's merge: explicit keys win over merged ones, earlier merged maps over later.
fn apply_merges(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    let mut explicit: Vec<(Node, Node)> = Vec::with_capacity(entries.len());
    let mut merged: Vec<(Node, Node)> = Vec::new();
    for (k, v) in entries {
        if !is_merge_key(&k) {
            explicit.push((k, v));
            continue;
        }
        let sources: Vec<Node> = match v.value {
            Value::Map(_) => vec![v],
            Value::Seq(items) => items,
            _ => continue,
        };
        for source in sources {
            if let Value::Map(pairs) = source.value {
                for (mk, mv) in pairs {
                    let exists = |list: &[(Node, Node)]| {
                        list.iter().any(|(k, _)| k.key_text() == mk.key_text())
                    };
                    if !exists(&merged) {
                        merged.push((mk, mv));
                    }
                }
            }
        }
    }
    merged.retain(|(mk, _)| !explicit.iter().any(|(k, _)| k.key_text() == mk.key_text()));
    merged.extend(explicit);
    merged
}

fn count_nodes(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(count_nodes).sum(),
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| count_nodes(k) + count_nodes(v))
            .sum(),
        _ => 0,
    }
}

/// The value of a scalar event; the event's text is moved into the node, not copied.
fn scalar(
    text: Cow<'_, str>,
    style: ScalarStyle,
    tag: Option<&Tag>,
    at: Pos,
) -> Result<Value, YamlError> {
    let quoted = !matches!(style, ScalarStyle::Plain);
    if let Some(tag) = tag.filter(|t| t.is_yaml_core_schema()) {
        let bad = |what: &str| YamlError {
            message: format!("`{text}` is not a valid !!{what}"),
            pos: at,
            budget: None,
        };
        return match tag.suffix.as_str() {
            "str" | "binary" | "timestamp" => Ok(Value::Str {
                text: text.into_owned(),
                plain: false,
            }),
            "null" => Ok(Value::Null),
            "bool" => match resolve_plain(&text) {
                v @ Value::Bool(_) => Ok(v),
                _ => Err(bad("bool")),
            },
            "int" => match resolve_plain(&text) {
                v @ (Value::Int(_) | Value::UInt(_)) => Ok(v),
                _ => Err(bad("int")),
            },
            "float" => match resolve_plain(&text) {
                Value::Int(i) => Ok(Value::Float(i as f64)),
                v @ Value::Float(_) => Ok(v),
                _ => Err(bad("float")),
            },
            _ => Ok(if quoted {
                Value::Str {
                    text: text.into_owned(),
                    plain: false,
                }
            } else {
                resolve_plain_owned(text)
            }),
        };
    }
    Ok(if quoted {
        Value::Str {
            text: text.into_owned(),
            plain: false,
        }
    } else {
        resolve_plain_owned(text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flow_collection_may_close_at_its_key_indentation_as_go_yaml_allows() {
        let text = "a:\n  args: [\n      \"x\", \"y\",\n  ]\n  env: {k: 1,\n  }\n  next: 2\n";
        let doc = parse_stream(text).unwrap().documents.remove(0);
        assert_eq!(doc.pointer("/a/args/1").unwrap().as_str(), Some("y"));
        assert_eq!(doc.pointer("/a/next").unwrap().span.start.line, 7);
        // Other indentation errors are still errors.
        assert!(parse_stream("a:\n  b: 1\n c: 2\n").is_err());
    }

    #[test]
    fn documents_apart_keep_their_lines() {
        let text = "a: 1\n---\nb: [\n---\nc: 3\n";
        let (stream, errors) = parse_documents_apart(text);
        assert_eq!(stream.documents.len(), 2);
        assert_eq!(stream.documents[1].get("c").unwrap().span.start.line, 5);
        assert_eq!(errors.len(), 1);
    }

    fn one(text: &str) -> Node {
        let mut s = parse_stream(text).unwrap();
        assert_eq!(s.documents.len(), 1);
        s.documents.remove(0)
    }

    #[test]
    fn positions_are_one_based() {
        let doc = one("a: 1\nb:\n  c: hello\n");
        let c = doc.pointer("/b/c").unwrap();
        assert_eq!(c.span.start, Pos { line: 3, col: 6 });
        let key = doc.pointer_key("/b/c").unwrap();
        assert_eq!(key.span.start, Pos { line: 3, col: 3 });
    }

    #[test]
    fn duplicates_keep_last_and_are_reported() {
        let text = "labels:\n  a: x\n  b: y\n  a: z\n";
        let stream = parse_stream(text).unwrap();
        let doc = &stream.documents[0];
        assert_eq!(doc.pointer("/labels/a").unwrap().as_str(), Some("z"));
        assert_eq!(doc.pointer("/labels").unwrap().as_map().unwrap().len(), 2);
        assert_eq!(stream.duplicates.len(), 1);
        assert_eq!(stream.duplicates[0].first.start.line, 2);
        assert_eq!(stream.duplicates[0].second.start.line, 4);
    }

    #[test]
    fn duplicates_in_large_mappings_too() {
        let mut text = String::new();
        for i in 0..40 {
            text.push_str(&format!("k{i}: {i}\n"));
        }
        text.push_str("k7: again\n");
        let stream = parse_stream(&text).unwrap();
        assert_eq!(stream.duplicates.len(), 1);
        assert_eq!(stream.duplicates[0].key, "k7");
        assert_eq!(stream.documents[0].as_map().unwrap().len(), 40);
        assert_eq!(
            stream.documents[0].get("k7").unwrap().as_str(),
            Some("again")
        );
    }

    #[test]
    fn merge_keys_and_aliases() {
        // `y` would be the boolean key "true" in YAML 1.1, so the test uses other names.
        let doc = one("base: &b {a: 1, b: 2}\nd:\n  <<: *b\n  b: 3\n");
        assert_eq!(doc.pointer("/d/a").unwrap().value, Value::Int(1));
        assert_eq!(doc.pointer("/d/b").unwrap().value, Value::Int(3));
        let yes = one("y: 1\n");
        assert_eq!(yes.get("true").unwrap().value, Value::Int(1));
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            text.push_str(&format!(
                "l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let err = parse_stream(&text).unwrap_err();
        assert!(err.message.contains("aliases expand"), "{err}");
    }

    #[test]
    fn files_with_millions_of_nodes_are_refused() {
        let text = format!("a: [{}1]\n", "1,".repeat(1000));
        let e = parse_stream_limited(&text, 1000).unwrap_err();
        assert_eq!(
            e.message,
            "it holds more than 1000 YAML nodes, over the `limits.yamlNodes` budget; platc stops reading it"
        );
        // 1,001 items, their sequence, the key `a` and the mapping.
        assert!(parse_stream_limited(&text, 1004).is_ok());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(MAX_DEPTH + 5) + &"]".repeat(MAX_DEPTH + 5);
        let err = parse_stream(&text).unwrap_err();
        assert!(err.message.contains("nesting deeper"), "{err}");
    }

    #[test]
    fn tags_and_quotes() {
        let doc = one("a: !!str 0644\nb: '0644'\nc: 0644\nd: on\n");
        assert_eq!(doc.get("a").unwrap().as_str(), Some("0644"));
        assert_eq!(doc.get("b").unwrap().as_str(), Some("0644"));
        assert_eq!(doc.get("c").unwrap().value, Value::Int(420));
        assert_eq!(doc.get("d").unwrap().value, Value::Bool(true));
    }

    #[test]
    fn odd_plain_scalars_and_tabs() {
        let doc = one("a: =\nb: x\t\n");
        assert_eq!(doc.get("a").unwrap().as_str(), Some("="));
        assert_eq!(doc.get("b").unwrap().as_str(), Some("x"));
    }

    #[test]
    fn multi_documents_and_errors() {
        let s = parse_stream("a: 1\n---\nb: 2\n").unwrap();
        assert_eq!(s.documents.len(), 2);
        let err = parse_stream("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.pos.line >= 1);
    }
}
