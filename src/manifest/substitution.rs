//! Flux post-build substitution (`${VAR}`, `${VAR:=default}`) and envsubst references.
//!
//! Flux replaces these before it applies an object, so a value that is a whole reference is
//! not the value the cluster sees: a name `${APP}` is not an invalid name. Checks see the
//! default where one is given (as Flux substitutes it when the variable is unset), and
//! findings about a value that is still a bare reference are dropped.

use crate::yaml::resolve::resolve_plain;
use crate::yaml::{Node, Value};

/// For a value that is one whole reference, its default if it has one: `Some(None)` for
/// `${APP}`, `Some(Some("5Gi"))` for `${CAPACITY:=5Gi}` (also `:-`, `=` and `-`).
pub fn whole_reference(s: &str) -> Option<Option<&str>> {
    let inner = s.strip_prefix("${")?.strip_suffix('}')?;
    let name_end = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    let (name, rest) = inner.split_at(name_end);
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if rest.is_empty() {
        return Some(None);
    }
    let default = [":=", ":-", "=", "-"]
        .iter()
        .find_map(|op| rest.strip_prefix(op))?;
    // A nested reference or brace: not one whole reference.
    if default.contains(['{', '}']) {
        return None;
    }
    Some(Some(default))
}

/// Whether a text quotes a reference (`${APP}`): a finding saying so is about a value
/// that is only known once substituted.
pub fn mentions_reference(text: &str) -> bool {
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        if let Some(end) = rest[i..].find('}')
            && whole_reference(&rest[i..i + end + 1]).is_some()
        {
            return true;
        }
        rest = &rest[i + 2..];
    }
    false
}

/// The node with every whole reference that has a default replaced by it (typed as Flux's
/// YAML decoder would type the substituted text); `None` when nothing changes.
pub fn with_defaults(node: &Node) -> Option<Node> {
    // Every object is asked; few hold a reference: look before copying the tree.
    if !has_default(node) {
        return None;
    }
    let mut copy = node.clone();
    substitute(&mut copy).then_some(copy)
}

/// Whether some string of the tree is a whole reference with a default.
fn has_default(node: &Node) -> bool {
    match &node.value {
        Value::Str { text, .. } => matches!(whole_reference(text), Some(Some(_))),
        Value::Seq(items) => items.iter().any(has_default),
        Value::Map(entries) => entries.iter().any(|(_, v)| has_default(v)),
        _ => false,
    }
}

fn substitute(node: &mut Node) -> bool {
    match &mut node.value {
        Value::Str { text, plain } => {
            let Some(Some(default)) = whole_reference(text) else {
                return false;
            };
            node.value = if *plain && !default.is_empty() {
                resolve_plain(default)
            } else {
                Value::Str {
                    text: default.to_string(),
                    plain: *plain,
                }
            };
            true
        }
        Value::Seq(items) => items
            .iter_mut()
            .fold(false, |changed, n| substitute(n) | changed),
        Value::Map(entries) => entries
            .iter_mut()
            .fold(false, |changed, (_, v)| substitute(v) | changed),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_references_and_their_defaults() {
        assert_eq!(whole_reference("${APP}"), Some(None));
        assert_eq!(whole_reference("${CAP:=5Gi}"), Some(Some("5Gi")));
        assert_eq!(
            whole_reference("${CTRL:-Deployment}"),
            Some(Some("Deployment"))
        );
        assert_eq!(whole_reference("${APP}-db"), None);
        assert_eq!(whole_reference("$APP"), None);
        assert_eq!(whole_reference("${1}"), None);
        assert!(mentions_reference(
            "the target ${CONTROLLER:=Deployment} `${APP}` is not deployed"
        ));
        assert!(!mentions_reference("costs ${ 3"));
    }

    #[test]
    fn defaults_are_substituted_with_their_yaml_type() {
        let doc = crate::yaml::parse_stream("a: ${R:=3}\nb: \"${C:=5}\"\nc: ${APP}\n")
            .unwrap()
            .documents
            .remove(0);
        let out = with_defaults(&doc).unwrap();
        assert_eq!(out.get("a").unwrap().value, Value::Int(3));
        assert_eq!(out.get("b").unwrap().as_str(), Some("5"));
        assert_eq!(out.get("c").unwrap().as_str(), Some("${APP}"));
        assert!(with_defaults(out.get("c").unwrap()).is_none());
    }
}
