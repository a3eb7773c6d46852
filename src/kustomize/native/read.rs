//! YAML files as kustomize reads them. kustomize reads with kyaml (go-yaml v3), which
//! differs from the YAML spec, and so from platc's reader, where real repositories meet it:
//!
//! - a block scalar that ends the file without a final line break has no final line break
//!   in kustomize, whatever its chomping (`|`, `|+`): the spec keeps one for `|`;
//! - a folded scalar (`>`) keeps one more line break before a more-indented line that
//!   follows a normal one (go-yaml's folding);
//! - `metadata.annotations` values are strings in kustomize's output: `1`, `true` or `null`
//!   unquoted become `"1"`, `"true"`, `"null"` (the text as written, or as a JSON 6902 patch
//!   re-encoded it), a list or a mapping becomes `""`; labels keep their types;
//! - scalars resolve by YAML 1.2 (`yes` and `on` are strings to kustomize, booleans to the
//!   API server's YAML 1.1): a file where the two differ is left to kustomize.
//!
//! What cannot be reproduced makes the read decline (None), and the caller leaves the
//! kustomization to kustomize.

use serde_json::Value;

use crate::yaml::{Node, Pos, Span, Value as V};

/// What a file is to the build: objects (a resource file) or a patch or configuration
/// (where a `null` annotation means "remove it", not the text `null`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Objects,
    Patch,
}

/// The non-empty documents of a YAML text as kustomize reads them, as JSON; None where
/// platc would read them otherwise.
pub(super) fn documents(text: &str, role: Role) -> Option<Vec<Value>> {
    Some(nodes(text, role)?.iter().map(Node::to_json).collect())
}

/// [`documents`], as positioned nodes.
pub(super) fn nodes(text: &str, role: Role) -> Option<Vec<Node>> {
    let stream = crate::yaml::parse_stream(text).ok()?;
    // kustomize refuses a mapping that sets a key twice ("mapping key already defined"):
    // its error is for it to report.
    if !stream.duplicates.is_empty() {
        return None;
    }
    let lines = Lines::new(text);
    let count = stream.documents.len();
    let mut out = Vec::new();
    for (i, mut doc) in stream.documents.into_iter().enumerate() {
        if doc.is_null() {
            continue;
        }
        if i + 1 == count && !text.ends_with('\n') {
            end_block_scalar_at_eof(&lines, &mut doc)?;
        }
        refold(&lines, &mut doc)?;
        if !resolves_alike(&lines, &doc) {
            return None;
        }
        annotations_as_text(&lines, &mut doc, role)?;
        if let Some(V::Seq(items)) = list_items(&mut doc) {
            for item in items {
                annotations_as_text(&lines, item, role)?;
            }
        }
        out.push(doc);
    }
    Some(out)
}

/// The source of the nodes of one text, by line.
pub(super) struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    pub(super) fn new(text: &'t str) -> Lines<'t> {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { text, starts }
    }

    /// The byte offset of a position (1-based line, column in characters), clamped.
    fn offset(&self, pos: Pos) -> usize {
        let Some(&start) = self.starts.get(pos.line.saturating_sub(1) as usize) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        let column = rest
            .char_indices()
            .take_while(|(_, c)| *c != '\n')
            .nth(pos.col.saturating_sub(1) as usize)
            .map_or_else(|| rest.find('\n').unwrap_or(rest.len()), |(i, _)| i);
        start + column
    }

    /// The text of a node as written (tags, anchors and quotes included).
    fn raw(&self, span: Span) -> &'t str {
        let start = self.offset(span.start);
        let end = self.offset(span.end).max(start);
        self.text[start..end].trim()
    }

    /// The header of a block scalar (`|`, `>-`, `|2`...), None for other scalars. The
    /// node's span starts at its content, after the header line.
    fn block_header(&self, node: &Node) -> Option<&'t str> {
        let V::Str { plain: false, .. } = node.value else {
            return None;
        };
        let start = self.offset(node.span.start);
        if self.text[start..].starts_with(['"', '\'']) {
            return None;
        }
        let before = self.text[..start].trim_end();
        let line = before.rsplit('\n').next().unwrap_or(before);
        let line = line.split(" #").next().unwrap_or(line);
        line.split_whitespace()
            .next_back()
            .filter(|t| t.starts_with(['|', '>']))
    }
}

/// The items of a `List` kind (kustomize expands them), if the document is one.
fn list_items(doc: &mut Node) -> Option<&mut V> {
    let kind = doc.get("kind")?.as_str()?;
    if !kind.ends_with("List") {
        return None;
    }
    doc.get_mut("items").map(|items| &mut items.value)
}

/// A block scalar that ends the file without a line break: kustomize ends its text there.
/// `node` is the last document; the scalar written last is its last value, down.
fn end_block_scalar_at_eof(lines: &Lines<'_>, node: &mut Node) -> Option<()> {
    match &mut node.value {
        V::Map(entries) if !entries.is_empty() => {
            return end_block_scalar_at_eof(lines, &mut entries.last_mut()?.1);
        }
        V::Seq(items) if !items.is_empty() => {
            return end_block_scalar_at_eof(lines, items.last_mut()?);
        }
        _ => {}
    }
    let last = node;
    let at_end = lines.offset(last.span.end) >= lines.text.trim_end().len();
    if !at_end || lines.block_header(last).is_none() {
        return Some(());
    }
    let V::Str { text, .. } = &mut last.value else {
        return Some(());
    };
    // Kept blank lines (`|+`) before the end: not worth guessing.
    if text.ends_with("\n\n") {
        return None;
    }
    if text.ends_with('\n') {
        text.pop();
    }
    Some(())
}

/// Every folded scalar with more-indented lines, folded as kustomize folds it.
fn refold(lines: &Lines<'_>, node: &mut Node) -> Option<()> {
    let folded = lines.block_header(node).is_some_and(|h| h.starts_with('>'));
    match &mut node.value {
        V::Str { text, .. } if folded => *text = go_folded(text)?,
        V::Seq(items) => {
            for item in items {
                refold(lines, item)?;
            }
        }
        V::Map(entries) => {
            for (_, value) in entries {
                refold(lines, value)?;
            }
        }
        _ => {}
    }
    Some(())
}

/// A folded scalar's text (as the YAML spec folds it) as go-yaml folds it: one more line
/// break before each more-indented line whose previous non-empty line is a normal one.
fn go_folded(spec: &str) -> Option<String> {
    let indented = |line: &str| line.starts_with([' ', '\t']);
    if !spec.lines().any(indented) {
        return Some(spec.to_string());
    }
    // Leading blank lines, or lines of blanks only: not worth guessing.
    if spec.starts_with('\n')
        || spec
            .split('\n')
            .any(|l| !l.is_empty() && l.trim().is_empty())
    {
        return None;
    }
    let mut out = String::with_capacity(spec.len() + 8);
    let mut previous_normal = None;
    for (i, line) in spec.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            if indented(line) && previous_normal == Some(true) {
                out.push('\n');
            }
        }
        if !line.is_empty() {
            previous_normal = Some(!indented(line));
        }
        out.push_str(line);
    }
    Some(out)
}

/// Whether every scalar means the same to kustomize (YAML 1.2: `y`, `on`, `no` are strings,
/// and it writes them quoted) as to platc and the API server (YAML 1.1: booleans).
fn resolves_alike(lines: &Lines<'_>, node: &Node) -> bool {
    match &node.value {
        V::Bool(_) | V::Int(_) | V::UInt(_) | V::Float(_) => {
            let raw = lines.raw(node.span);
            match &node.value {
                V::Bool(_) => matches!(raw, "true" | "false" | "True" | "False" | "TRUE" | "FALSE"),
                _ => !raw.contains('_') && !raw.trim_start_matches(['-', '+']).starts_with("0b"),
            }
        }
        V::Seq(items) => items.iter().all(|i| resolves_alike(lines, i)),
        V::Map(entries) => entries
            .iter()
            .all(|(k, v)| resolves_alike(lines, k) && resolves_alike(lines, v)),
        _ => true,
    }
}

/// `metadata.annotations` as kustomize holds them: each value the text it was written as.
fn annotations_as_text(lines: &Lines<'_>, object: &mut Node, role: Role) -> Option<()> {
    let Some(V::Map(entries)) = annotations(object) else {
        return Some(());
    };
    for (_, value) in entries.iter_mut() {
        let text = match &value.value {
            V::Str { .. } => continue,
            V::Null if role == Role::Patch => continue,
            V::Seq(_) | V::Map(_) => String::new(),
            scalar => {
                // kustomize keeps the text as written until the end of the build, unless a
                // JSON 6902 patch re-encodes the object first (`0x1F` is then `31`, `~`
                // `null`): only text both ways give is taken.
                let raw = lines.raw(value.span);
                let canonical = match scalar {
                    V::Null => "null".to_string(),
                    V::Bool(b) => b.to_string(),
                    // Past 2^53 JSON's float64 changes the digits.
                    V::Int(i) if i.unsigned_abs() < 1 << 53 => i.to_string(),
                    _ => return None,
                };
                if raw != canonical {
                    return None;
                }
                canonical
            }
        };
        value.value = V::Str { text, plain: false };
    }
    Some(())
}

fn annotations(object: &mut Node) -> Option<&mut V> {
    object
        .get_mut("metadata")?
        .get_mut("annotations")
        .map(|a| &mut a.value)
}

/// kustomize's last word on annotations, after the whole build: none or an empty map is no
/// annotations at all, and values patches or replacements wrote as numbers or booleans are
/// text. None for what it would refuse or treat otherwise (annotations that are not a map).
pub(super) fn finish_annotations(objects: &mut [Value]) -> Option<()> {
    for o in objects {
        let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) else {
            continue;
        };
        match meta.get_mut("annotations") {
            None => continue,
            Some(Value::Null) => {
                meta.shift_remove("annotations");
            }
            Some(Value::Object(map)) if map.is_empty() => {
                meta.shift_remove("annotations");
            }
            Some(Value::Object(map)) => {
                for value in map.values_mut() {
                    let text = match value {
                        Value::String(_) => continue,
                        Value::Bool(b) => b.to_string(),
                        Value::Number(n) if n.is_i64() || n.is_u64() => n.to_string(),
                        Value::Array(_) | Value::Object(_) => String::new(),
                        _ => return None,
                    };
                    *value = Value::String(text);
                }
            }
            Some(_) => return None,
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(text: &str) -> Option<Value> {
        documents(text, Role::Objects).map(|mut d| d.remove(0))
    }

    #[test]
    fn block_scalars_ending_the_file() {
        for header in ["|", "|-", "|+", "|2", ">", ">-"] {
            let text = format!("a: 1\nk: {header}\n    one\n    two # c");
            let want = if header.starts_with('>') {
                "one two # c"
            } else if header == "|2" {
                "  one\n  two # c"
            } else {
                "one\ntwo # c"
            };
            assert_eq!(read(&text).unwrap()["k"], want, "{header}");
        }
        // With the final line break, or before the end, the spec's text.
        assert_eq!(read("k: |\n  one\n").unwrap()["k"], "one\n");
        assert_eq!(read("k: |\n  one\nj: x").unwrap()["k"], "one\n");
        // A plain scalar at the end is what it is.
        assert_eq!(read("k: [a, b]\nj: |-\n  x\nl: end").unwrap()["l"], "end");
        // Kept blank lines before the end: declined.
        assert!(read("k: |+\n  one\n\n  ").is_none());
    }

    #[test]
    fn folded_scalars_fold_as_go_yaml_folds_them() {
        let text = "a: >\n  x\n\n    y\n  z\nb: >\n  x\n    y\n\n  z\nc: >2\n    y\n  z\n\
                    d: >-\n  x\n    y\n    w\n  z\nj: >\n  a\n  b\n    c\n  d\n\n  e\n    f\n\n    g\n  h\n\
                    t: >\n  a\n  \tb\n  c\np: >\n  plain\n  text\n";
        let doc = read(text).unwrap();
        // What kubectl kustomize 5.5 prints for each.
        assert_eq!(
            doc,
            json!({
                "a": "x\n\n\n  y\nz\n",
                "b": "x\n\n  y\n\nz\n",
                "c": "  y\nz\n",
                "d": "x\n\n  y\n  w\nz",
                "j": "a b\n\n  c\nd\ne\n\n  f\n\n  g\nh\n",
                "t": "a\n\n\tb\nc\n",
                "p": "plain text\n",
            })
        );
    }

    #[test]
    fn annotations_are_text_labels_keep_their_types() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {x: 1}\n  \
                    annotations:\n    w: 1\n    b: true\n    nl: null\n    m: {a: 1}\n    \
                    q: \"1\"\n    l: [1]\n";
        let doc = read(text).unwrap();
        assert_eq!(doc["metadata"]["labels"], json!({"x": 1}));
        assert_eq!(
            doc["metadata"]["annotations"],
            json!({"w": "1", "b": "true", "nl": "null", "m": "", "q": "1", "l": ""})
        );
        // Text that a JSON 6902 patch would re-encode otherwise: left to kustomize.
        for other in [
            "1.50",
            "0x1F",
            "~",
            "",
            "1e3",
            "+1",
            "True",
            "12345678901234567890",
        ] {
            let text = format!("metadata:\n  annotations:\n    a: {other}\n");
            assert!(read(&text).is_none(), "{other}");
        }
        // In a patch, null removes the annotation.
        let patch = documents("metadata:\n  annotations: {a: null, b: 2}\n", Role::Patch).unwrap();
        assert_eq!(
            patch[0]["metadata"]["annotations"],
            json!({"a": null, "b": "2"})
        );
        // List items too; an alias's text is not its value.
        let list = read("kind: List\nitems:\n- metadata: {annotations: {w: 1}}\n").unwrap();
        assert_eq!(list["items"][0]["metadata"]["annotations"]["w"], "1");
        assert!(read("metadata:\n  x: &n 5\n  annotations: {a: *n}\n").is_none());
    }

    #[test]
    fn annotations_after_the_build() {
        let mut objects = vec![
            json!({"metadata": {"annotations": {}}}),
            json!({"metadata": {"annotations": null}}),
            json!({"metadata": {"annotations": {"a": 1, "b": false, "c": [1], "d": "x"}}}),
        ];
        finish_annotations(&mut objects).unwrap();
        assert_eq!(
            objects,
            [
                json!({"metadata": {}}),
                json!({"metadata": {}}),
                json!({"metadata": {"annotations": {"a": "1", "b": "false", "c": "", "d": "x"}}}),
            ]
        );
        assert!(finish_annotations(&mut [json!({"metadata": {"annotations": [1]}})]).is_none());
    }

    #[test]
    fn yaml_1_1_look_alikes_are_left_to_kustomize() {
        assert!(read("a: yes\n").is_none());
        assert!(read("a: 1_000\n").is_none());
        assert!(read("a: true\nb: 10\n").is_some());
    }
}
