//! An Application's `ignoreDifferences`: the fields Argo CD leaves out of its comparison,
//! left out here too. JSON pointers are exact; of jq path expressions the plain paths are
//! understood (`.a.b`, `.a[]`, `.a[0]`, `.a[] | select(.name == "x")`, and these chained);
//! any other is said in a note rather than silently applied or dropped.

use serde_json::Value;

use super::render::ObjectKey;

/// One `ignoreDifferences` entry.
#[derive(Debug, Clone, Default)]
pub struct Rule {
    group: Option<String>,
    kind: Option<String>,
    name: Option<String>,
    namespace: Option<String>,
    pointers: Vec<String>,
    paths: Vec<Vec<Step>>,
}

/// One step of a jq path.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Field(String),
    Index(usize),
    Each,
    /// `select(.field == "value")` on the items reached so far.
    Select(String, Value),
}

/// The rules of an Application, with notes on what is not applied.
pub fn rules(app: &Value) -> (Vec<Rule>, Vec<String>) {
    let mut rules = Vec::new();
    let mut notes = Vec::new();
    for entry in app
        .pointer("/spec/ignoreDifferences")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let field = |f: &str| {
            entry
                .get(f)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty() && *s != "*")
                .map(str::to_string)
        };
        let list = |f: &str| -> Vec<String> {
            entry
                .get(f)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        };
        let mut rule = Rule {
            group: field("group"),
            kind: field("kind"),
            name: field("name"),
            namespace: field("namespace"),
            pointers: list("jsonPointers"),
            paths: Vec::new(),
        };
        for expr in list("jqPathExpressions") {
            match parse(&expr) {
                Some(path) => rule.paths.push(path),
                None => notes.push(format!(
                    "ignoreDifferences: jq expression `{expr}` is not a plain path: not applied"
                )),
            }
        }
        if !list("managedFieldsManagers").is_empty() {
            notes.push(
                "ignoreDifferences: managedFieldsManagers needs the live cluster: not applied"
                    .into(),
            );
        }
        rules.push(rule);
    }
    (rules, notes)
}

impl Rule {
    fn applies(&self, key: &ObjectKey) -> bool {
        let same = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        same(&self.group, &key.group)
            && same(&self.kind, &key.kind)
            && same(&self.name, &key.name)
            && same(&self.namespace, &key.namespace)
    }
}

/// Remove from `object` every field the rules ignore.
pub fn apply(rules: &[Rule], key: &ObjectKey, object: &mut Value) {
    for rule in rules.iter().filter(|r| r.applies(key)) {
        for pointer in &rule.pointers {
            remove_pointer(object, pointer);
        }
        for path in &rule.paths {
            remove_path(object, path);
        }
    }
}

fn remove_pointer(object: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let last = last.replace("~1", "/").replace("~0", "~");
    let target = if parent.is_empty() {
        Some(object)
    } else {
        object.pointer_mut(parent)
    };
    match target {
        Some(Value::Object(map)) => {
            map.shift_remove(&last);
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = last.parse::<usize>()
                && i < items.len()
            {
                items.remove(i);
            }
        }
        _ => {}
    }
}

/// Remove what a jq path reaches (its last step names what is removed).
fn remove_path(object: &mut Value, path: &[Step]) {
    let Some((last, mut init)) = path.split_last() else {
        return;
    };
    // `.list[] | select(...)` removes the selected items from the list.
    if matches!(last, Step::Select(..))
        && let Some((Step::Each, before)) = init.split_last()
    {
        init = before;
    }
    let mut reached: Vec<&mut Value> = vec![object];
    for step in init {
        let mut next = Vec::new();
        for v in reached {
            match step {
                Step::Field(f) => next.extend(v.get_mut(f.as_str())),
                Step::Index(i) => next.extend(v.get_mut(*i)),
                Step::Each => {
                    if let Value::Array(items) = v {
                        next.extend(items.iter_mut());
                    }
                }
                Step::Select(field, want) => {
                    if v.get(field.as_str()) == Some(want) {
                        next.push(v);
                    }
                }
            }
        }
        reached = next;
    }
    for v in reached {
        match (last, v) {
            (Step::Field(f), Value::Object(map)) => {
                map.shift_remove(f);
            }
            (Step::Index(i), Value::Array(items)) if *i < items.len() => {
                items.remove(*i);
            }
            (Step::Each, Value::Array(items)) => items.clear(),
            (Step::Select(field, want), Value::Array(items)) => {
                items.retain(|item| item.get(field.as_str()) != Some(want));
            }
            _ => {}
        }
    }
}

/// A plain jq path, or None.
fn parse(expr: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    for part in expr.split('|') {
        let part = part.trim();
        if let Some(inner) = part
            .strip_prefix("select(")
            .and_then(|p| p.strip_suffix(')'))
        {
            let (lhs, rhs) = inner.split_once("==")?;
            let field = lhs.trim().strip_prefix('.')?;
            if field.is_empty() || !field.chars().all(is_ident) {
                return None;
            }
            let value: Value = serde_json::from_str(rhs.trim()).ok()?;
            steps.push(Step::Select(field.to_string(), value));
            continue;
        }
        steps.extend(parse_path(part)?);
    }
    (!steps.is_empty()).then_some(steps)
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn parse_path(text: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    let mut rest = text.strip_prefix('.')?;
    if rest.is_empty() {
        return Some(steps);
    }
    loop {
        if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let inside = after[..end].trim();
            steps.push(if inside.is_empty() {
                Step::Each
            } else if let Ok(i) = inside.parse() {
                Step::Index(i)
            } else {
                Step::Field(serde_json::from_str::<String>(inside).ok()?)
            });
            rest = after[end + 1..].trim_start_matches('?');
        } else if let Some(after) = rest.strip_prefix('.') {
            rest = after;
            continue;
        } else if rest.starts_with('"') {
            let end = rest[1..].find('"')? + 2;
            steps.push(Step::Field(serde_json::from_str(&rest[..end]).ok()?));
            rest = &rest[end..];
        } else {
            let end = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
            if end == 0 {
                return None;
            }
            steps.push(Step::Field(rest[..end].to_string()));
            rest = &rest[end..];
        }
        if rest.is_empty() {
            return Some(steps);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key() -> ObjectKey {
        ObjectKey {
            group: "apps".into(),
            kind: "Deployment".into(),
            namespace: "web".into(),
            name: "api".into(),
        }
    }

    #[test]
    fn pointers_and_plain_jq_paths_are_removed() {
        let app = json!({"spec": {"ignoreDifferences": [
            {"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"],
             "jqPathExpressions": [
                ".spec.template.spec.containers[] | select(.name == \"sidecar\")",
                ".metadata.annotations[\"example.org/hash\"]",
                "del(.x)"]}]}});
        let (rules, notes) = rules(&app);
        assert_eq!(notes.len(), 1, "{notes:?}");
        let mut object = json!({"metadata": {"annotations": {"example.org/hash": "1", "keep": "2"}},
            "spec": {"replicas": 3, "template": {"spec": {"containers": [
                {"name": "app"}, {"name": "sidecar"}]}}}});
        apply(&rules, &key(), &mut object);
        assert_eq!(
            object,
            json!({"metadata": {"annotations": {"keep": "2"}},
                "spec": {"template": {"spec": {"containers": [{"name": "app"}]}}}})
        );
        // Another kind is untouched.
        let mut other = json!({"spec": {"replicas": 3}});
        let mut k = key();
        k.kind = "StatefulSet".into();
        apply(&rules, &k, &mut other);
        assert_eq!(other, json!({"spec": {"replicas": 3}}));
    }
}
