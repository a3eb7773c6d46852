//! Kubernetes objects read from YAML streams, each remembering where it was written.
//!
//! Parse once: every check (schemas, rules, secrets) works on these objects and their
//! positioned trees, never on the text again.

pub mod applied;
pub mod names;
pub mod substitution;

use std::sync::Arc;

use crate::report::{Finding, Severity};
use crate::yaml::{Node, Value, parse_stream};

/// One Kubernetes object (or object-like document) in a file.
#[derive(Debug, Clone)]
pub struct Object {
    /// The file, relative to the repository root.
    pub file: Arc<str>,
    /// Which document of the stream it is (0-based).
    pub document: usize,
    /// For an item of a `List`, the JSON pointer of the item in its document (`/items/3`).
    pub pointer_prefix: String,
    pub node: Node,
}

impl Object {
    fn field(&self, pointer: &str) -> Option<&str> {
        self.node.pointer(pointer).and_then(Node::as_str)
    }

    pub fn api_version(&self) -> Option<&str> {
        self.field("/apiVersion")
    }

    pub fn kind(&self) -> Option<&str> {
        self.field("/kind")
    }

    pub fn name(&self) -> Option<&str> {
        self.field("/metadata/name")
    }

    pub fn namespace(&self) -> Option<&str> {
        self.field("/metadata/namespace")
    }

    /// `apps/v1 Deployment web/api`, as findings name objects.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{} {}",
            self.api_version().unwrap_or("?"),
            self.kind().unwrap_or("?")
        );
        match (self.namespace(), self.name()) {
            (Some(ns), Some(name)) => s.push_str(&format!(" {ns}/{name}")),
            (None, Some(name)) => s.push_str(&format!(" {name}")),
            _ => {}
        }
        s
    }
}

/// The objects of one file and the problems met reading it.
#[derive(Debug, Default)]
pub struct ManifestFile {
    pub objects: Vec<Object>,
    pub findings: Vec<Finding>,
}

/// Read every object of a YAML stream. Empty documents are skipped, `List` kinds are expanded
/// into their items, duplicate keys are reported (the last value is kept, as Kubernetes does),
/// and a syntax error is a finding rather than a failure.
pub fn read_objects(path: &str, text: &str) -> ManifestFile {
    objects_of(path, parse_stream(text))
}

/// [`read_objects`] for a stream that did not parse as a whole: the documents that parse on
/// their own are read, and each one that does not is a `yaml/syntax` finding.
pub fn objects_of_documents_apart(path: &str, text: &str) -> ManifestFile {
    let (stream, errors) = crate::yaml::parse_documents_apart(text);
    let mut out = objects_of(path, Ok(stream));
    for e in errors {
        out.findings.push(
            Finding::error("yaml/syntax", format!("not valid YAML: {}", e.message))
                .at(path, Some(e.pos))
                .with_help(
                    "fix the syntax; this document was not checked, the others of the file were",
                ),
        );
    }
    out
}

/// [`read_objects`] for a stream already parsed.
pub fn objects_of(
    path: &str,
    parsed: Result<crate::yaml::Stream, crate::yaml::YamlError>,
) -> ManifestFile {
    let file: Arc<str> = Arc::from(path);
    let mut out = ManifestFile::default();
    let stream = match parsed {
        Ok(s) => s,
        Err(e) if e.budget.is_some() => {
            out.findings
                .push(over_limit(path, Some(e.pos), &e.message, e.budget));
            return out;
        }
        Err(e) => {
            out.findings.push(
                Finding::error("yaml/syntax", format!("not valid YAML: {}", e.message))
                    .at(path, Some(e.pos))
                    .with_help("fix the syntax; nothing in this file was checked"),
            );
            return out;
        }
    };
    for d in &stream.duplicates {
        out.findings.push(
            Finding::error(
                "yaml/duplicate-key",
                format!("`{}` is given twice in this mapping", d.key),
            )
            .at(path, Some(d.second.start))
            .with_related(path, d.first.start, "first given here")
            .with_help("Kubernetes keeps only the last value; remove the other"),
        );
    }
    for (document, node) in stream.documents.into_iter().enumerate() {
        if node.is_null() {
            continue;
        }
        let is_list = node
            .get("kind")
            .and_then(Node::as_str)
            .is_some_and(|k| k.ends_with("List"))
            && node.get("items").is_some_and(|i| i.as_seq().is_some());
        if is_list {
            let Value::Map(entries) = node.value else {
                continue;
            };
            let Some((_, items)) = entries
                .into_iter()
                .rev()
                .find(|(k, _)| k.as_str() == Some("items"))
            else {
                continue;
            };
            let Value::Seq(items) = items.value else {
                continue;
            };
            for (i, item) in items.into_iter().enumerate() {
                out.objects.push(Object {
                    file: file.clone(),
                    document,
                    pointer_prefix: format!("/items/{i}"),
                    node: item,
                });
            }
        } else {
            out.objects.push(Object {
                file: file.clone(),
                document,
                pointer_prefix: String::new(),
                node,
            });
        }
    }
    let most = crate::limits::current().objects_per_file;
    if out.objects.len() as u64 > most.get() {
        // The whole file or none of it: checking the first objects alone would pass the
        // rest without a word.
        let reason = format!(
            "it holds {} objects, over the `limits.objectsPerFile` budget of {most}",
            out.objects.len()
        );
        out.objects.clear();
        out.findings.push(over_limit(
            path,
            None,
            &reason,
            Some(crate::limits::Key::ObjectsPerFile),
        ));
    }
    out
}

/// The `io/unreadable` finding of a file over a limit: nothing in it was checked.
fn over_limit(
    path: &str,
    pos: Option<crate::yaml::Pos>,
    reason: &str,
    key: Option<crate::limits::Key>,
) -> Finding {
    let raise = key
        .map(|k| format!(", or {}", k.raise()))
        .unwrap_or_default();
    Finding::error("io/unreadable", format!("not checked: {reason}"))
        .at(path, pos)
        .with_help(format!(
            "split the file, exclude it in .platc.yaml if it holds no manifests{raise}"
        ))
}

/// An object and the file it is in, for building findings.
pub struct ObjectRef<'a> {
    pub object: &'a Object,
}

impl ObjectRef<'_> {
    pub fn node(&self) -> &Node {
        &self.object.node
    }

    /// A finding about `node` of this object; `pointer` is relative to the object.
    pub fn finding(
        &self,
        rule: &str,
        severity: Severity,
        message: String,
        node: &Node,
        pointer: &str,
    ) -> Finding {
        Finding::new(rule, severity, message)
            .at_span(&*self.object.file, Some(node.span))
            .with_object(self.object.describe())
            .with_path(format!("{}{pointer}", self.object.pointer_prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_keep_their_place() {
        let text = "---\n# nothing\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: ns\n---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Secret\n    metadata: {name: b}\n  - {apiVersion: v1, kind: Service, metadata: {name: c}}\n";
        let f = read_objects("x.yaml", text);
        assert!(f.findings.is_empty());
        let described: Vec<String> = f.objects.iter().map(Object::describe).collect();
        assert_eq!(
            described,
            ["v1 ConfigMap ns/a", "v1 Secret b", "v1 Service c"]
        );
        assert_eq!(f.objects[1].pointer_prefix, "/items/0");
        assert_eq!(
            f.objects[1]
                .node
                .pointer("/metadata/name")
                .unwrap()
                .span
                .start
                .line,
            15
        );
        assert_eq!(f.objects[0].document, 1);
    }

    #[test]
    fn duplicates_and_syntax_errors_are_findings() {
        let f = read_objects(
            "x.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  labels:\n    a: one\n    a: two\n",
        );
        assert_eq!(f.objects.len(), 1);
        assert_eq!(f.findings[0].rule, "yaml/duplicate-key");
        assert_eq!(f.findings[0].line, Some(6));
        assert_eq!(f.findings[0].related[0].line, 5);
        assert_eq!(
            f.objects[0]
                .node
                .pointer("/metadata/labels/a")
                .unwrap()
                .as_str(),
            Some("two")
        );
        let bad = read_objects("y.yaml", "a: [1\n");
        assert_eq!(bad.findings[0].rule, "yaml/syntax");
        assert!(bad.objects.is_empty());
    }
}
