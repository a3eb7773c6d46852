//! The positioned YAML tree: every node remembers where it was written.

use std::fmt;

/// A position in a source file: 1-based line and column (columns count characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// The start and end (exclusive) of a node in its source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    pub fn at(start: Pos) -> Span {
        Span { start, end: start }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// A YAML node after scalar resolution (the YAML 1.1 rules Kubernetes applies).
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    /// Integers past i64 that still fit u64, as Go's yaml decoder keeps them.
    UInt(u64),
    Float(f64),
    /// A string; `plain` is false when it was quoted or a block scalar.
    Str {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub fn new(value: Value, span: Span) -> Node {
        Node { value, span }
    }

    pub fn str(text: impl Into<String>, span: Span) -> Node {
        Node::new(
            Value::Str {
                text: text.into(),
                plain: false,
            },
            span,
        )
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The value under a string key of a mapping (the last one when a key repeats,
    /// as Kubernetes keeps the last).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// [`Node::get`], for changing the value in place.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        let Value::Map(entries) = &mut self.value else {
            return None;
        };
        entries
            .iter_mut()
            .rev()
            .find(|(k, _)| k.is_key(key))
            .map(|(_, v)| v)
    }

    /// The key node and value node under a string key of a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .rev()
            .find(|(k, _)| k.is_key(key))
            .map(|(k, v)| (k, v))
    }

    /// Whether this mapping key reads as `key` (see [`Node::key_text`]); string keys, nearly
    /// all of them, compare without building the text.
    pub(crate) fn is_key(&self, key: &str) -> bool {
        match &self.value {
            Value::Str { text, .. } => text == key,
            _ => self.key_text().as_deref() == Some(key),
        }
    }

    /// A mapping key as Kubernetes sees it: sigs.k8s.io/yaml turns non-string keys into
    /// their JSON text, so `on:` is the key "true" and `1:` is "1".
    pub fn key_text(&self) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        match &self.value {
            Value::Str { text, .. } => Some(Cow::Borrowed(text)),
            Value::Null => Some(Cow::Borrowed("null")),
            Value::Bool(b) => Some(Cow::Owned(b.to_string())),
            Value::Int(i) => Some(Cow::Owned(i.to_string())),
            Value::UInt(u) => Some(Cow::Owned(u.to_string())),
            Value::Float(f) => Some(Cow::Owned(format_float(*f))),
            Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// Follow a JSON pointer (`/spec/components/3/name`) to a node.
    ///
    /// Rules look fields up by pointer for every object: a token without `~` is used as it
    /// is, never copied.
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        if pointer.is_empty() {
            return Some(self);
        }
        let mut node = self;
        let mut rest = pointer.strip_prefix('/')?;
        loop {
            // Split by bytes: pointers are short, and `str::split` sets up a searcher per call.
            let (raw, next) = match rest.bytes().position(|b| b == b'/') {
                Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                None => (rest, None),
            };
            let token = unescape_token(raw);
            node = match &node.value {
                Value::Map(_) => node.get(&token)?,
                Value::Seq(items) => items.get(token.parse::<usize>().ok()?)?,
                _ => return None,
            };
            match next {
                Some(next) => rest = next,
                None => return Some(node),
            }
        }
    }

    /// Like [`Node::pointer`], but for a mapping member return its key node, which is where
    /// a person looks for a misplaced or misspelled field.
    pub fn pointer_key(&self, pointer: &str) -> Option<&Node> {
        let (parent, last) = pointer.rsplit_once('/')?;
        let parent = self.pointer(parent)?;
        let last = unescape_token(last);
        match &parent.value {
            Value::Map(_) => parent.entry(&last).map(|(k, _)| k),
            _ => self.pointer(pointer),
        }
    }

    /// A short name for the kind of value, for messages ("a string", "a mapping").
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Null => "null".to_string(),
            Value::Bool(b) => format!("the boolean {b}"),
            Value::Int(i) => format!("the integer {i}"),
            Value::UInt(u) => format!("the integer {u}"),
            Value::Float(f) => format!("the number {}", format_float(*f)),
            Value::Str { .. } => "a string".to_string(),
            Value::Seq(_) => "a list".to_string(),
            Value::Map(_) => "a mapping".to_string(),
        }
    }

    /// The node as JSON, as the API server would read it (keys stringified).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::UInt(u) => J::from(*u),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str { text, .. } => J::String(text.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => {
                let mut map = serde_json::Map::with_capacity(entries.len());
                for (k, v) in entries {
                    let key = k
                        .key_text()
                        .map_or_else(|| k.to_json().to_string(), |c| c.into_owned());
                    map.insert(key, v.to_json());
                }
                J::Object(map)
            }
        }
    }
}

impl Node {
    /// A node for a JSON value made elsewhere (an in-process build): it has no place in any
    /// file, so every span is `at`.
    pub fn from_json(value: &serde_json::Value, at: Span) -> Node {
        use serde_json::Value as J;
        let value = match value {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => Value::Int(i),
                (None, Some(u), _) => Value::UInt(u),
                (_, _, f) => Value::Float(f.unwrap_or(0.0)),
            },
            J::String(s) => Value::Str {
                text: s.clone(),
                plain: false,
            },
            J::Array(items) => Value::Seq(items.iter().map(|i| Node::from_json(i, at)).collect()),
            J::Object(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| (Node::str(k.clone(), at), Node::from_json(v, at)))
                    .collect(),
            ),
        };
        Node::new(value, at)
    }

    /// The node as JSON for validation: like [`Node::to_json`], but mapping entries whose
    /// value is null are left out, as the API server drops them before validating (a null
    /// optional field is an absent one).
    pub fn to_json_pruned(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json_pruned).collect()),
            Value::Map(entries) => {
                let mut map = serde_json::Map::with_capacity(entries.len());
                for (k, v) in entries {
                    if v.is_null() {
                        continue;
                    }
                    let key = k
                        .key_text()
                        .map_or_else(|| k.to_json().to_string(), |c| c.into_owned());
                    map.insert(key, v.to_json_pruned());
                }
                J::Object(map)
            }
            _ => self.to_json(),
        }
    }
}

/// Floats as Go's encoding/json would print them for the common cases.
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        ".nan".to_string()
    } else if f.is_infinite() {
        if f > 0.0 { ".inf" } else { "-.inf" }.to_string()
    } else if f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

/// A JSON pointer token with its escapes (`~1` for `/`, `~0` for `~`) undone.
fn unescape_token(raw: &str) -> std::borrow::Cow<'_, str> {
    if raw.bytes().any(|b| b == b'~') {
        std::borrow::Cow::Owned(raw.replace("~1", "/").replace("~0", "~"))
    } else {
        std::borrow::Cow::Borrowed(raw)
    }
}
