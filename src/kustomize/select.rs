//! kustomize's target selectors (`patches[].target`, `replacements`): group, version and
//! kind exact; name and namespace anchored regular expressions; label and annotation
//! selectors. Used to tell which objects a patch applies to, in platc's own builds and in the
//! `kustomize/patch-target` rule.

use regex::Regex;

use super::{BuildTree, Kustomizations};
use crate::yaml::Node;

/// What a selector reads of an object, whether a positioned object or plain JSON.
pub trait Resource {
    fn api_version(&self) -> &str;
    fn kind(&self) -> &str;
    fn name(&self) -> &str;
    fn namespace(&self) -> &str;
    /// A label or annotation value (`section` is `labels` or `annotations`).
    fn meta(&self, section: &str, key: &str) -> Option<String>;
}

impl Resource for crate::manifest::Object {
    fn api_version(&self) -> &str {
        crate::manifest::Object::api_version(self).unwrap_or_default()
    }
    fn kind(&self) -> &str {
        crate::manifest::Object::kind(self).unwrap_or_default()
    }
    fn name(&self) -> &str {
        crate::manifest::Object::name(self).unwrap_or_default()
    }
    fn namespace(&self) -> &str {
        crate::manifest::Object::namespace(self).unwrap_or_default()
    }
    fn meta(&self, section: &str, key: &str) -> Option<String> {
        self.node
            .get("metadata")
            .and_then(|m| m.get(section))
            .and_then(|m| m.get(key))
            .and_then(|v| v.key_text())
            .map(|v| v.into_owned())
    }
}

impl Resource for serde_json::Value {
    fn api_version(&self) -> &str {
        self["apiVersion"].as_str().unwrap_or_default()
    }
    fn kind(&self) -> &str {
        self["kind"].as_str().unwrap_or_default()
    }
    fn name(&self) -> &str {
        self["metadata"]["name"].as_str().unwrap_or_default()
    }
    fn namespace(&self) -> &str {
        self["metadata"]["namespace"].as_str().unwrap_or_default()
    }
    fn meta(&self, section: &str, key: &str) -> Option<String> {
        match &self["metadata"][section][key] {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        }
    }
}

/// What the kustomizations of a build do to names and namespaces: a target is written
/// against the names before `namePrefix`, `nameSuffix` and `namespace` apply.
pub struct Renames<'a> {
    pub prefixes: Vec<&'a str>,
    pub suffixes: Vec<&'a str>,
    /// Some kustomization sets `namespace`: the original namespaces are unknown.
    pub namespace_set: bool,
}

impl<'a> Renames<'a> {
    /// What the kustomizations of one build do.
    pub fn of(kustomizations: &'a Kustomizations, tree: &BuildTree) -> Renames<'a> {
        let ks = || tree.kustomizations.iter().map(|&i| &kustomizations.all[i]);
        Renames {
            prefixes: ks().filter_map(|k| k.field("namePrefix")).collect(),
            suffixes: ks().filter_map(|k| k.field("nameSuffix")).collect(),
            namespace_set: ks().any(|k| k.field("namespace").is_some()),
        }
    }

    /// The names an object may have had when the patch was applied: its name with any of
    /// the prefixes and suffixes of the build taken off, in any number.
    fn names<'n>(&self, name: &'n str) -> Vec<&'n str>
    where
        'a: 'n,
    {
        let mut out = vec![name];
        let mut i = 0;
        while i < out.len() {
            let n = out[i];
            let shorter = self
                .prefixes
                .iter()
                .filter_map(|p| n.strip_prefix(p))
                .chain(self.suffixes.iter().filter_map(|s| n.strip_suffix(s)));
            for m in shorter {
                if !m.is_empty() && !out.contains(&m) {
                    out.push(m);
                }
            }
            i += 1;
        }
        out
    }
}

/// A kustomize target selector.
pub struct Selector {
    group: Option<String>,
    version: Option<String>,
    kind: Option<String>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Vec<Requirement>,
    annotations: Vec<Requirement>,
}

impl Selector {
    /// None when the selector cannot be read (a bad regex, an unknown selector syntax): the
    /// build reports those, and an unreadable target is never claimed to match nothing.
    pub fn of(target: &Node) -> Option<Selector> {
        // An empty field selects anything, as in kustomize.
        let text = |k: &str| {
            target
                .get(k)
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        // kustomize anchors names and namespaces: `web` does not match `web-api`.
        let regex = |k: &str| -> Result<Option<Regex>, ()> {
            match text(k) {
                None => Ok(None),
                Some(p) => Regex::new(&format!("^(?:{p})$")).map(Some).map_err(|_| ()),
            }
        };
        Some(Selector {
            group: text("group"),
            version: text("version"),
            kind: text("kind"),
            name: regex("name").ok()?,
            namespace: regex("namespace").ok()?,
            labels: requirements(text("labelSelector").as_deref())?,
            annotations: requirements(text("annotationSelector").as_deref())?,
        })
    }

    /// Whether the selector names a namespace.
    pub fn has_namespace(&self) -> bool {
        self.namespace.is_some()
    }

    pub fn matches(&self, o: &impl Resource, renames: &Renames<'_>) -> bool {
        let api = o.api_version();
        let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
        let exact = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        if !exact(&self.group, group)
            || !exact(&self.version, version)
            || !exact(&self.kind, o.kind())
        {
            return false;
        }
        if let Some(re) = &self.name
            && !renames.names(o.name()).iter().any(|n| re.is_match(n))
        {
            return false;
        }
        if let Some(re) = &self.namespace
            && !renames.namespace_set
            && !re.is_match(o.namespace())
        {
            return false;
        }
        self.labels.iter().all(|r| r.holds(|k| o.meta("labels", k)))
            && self
                .annotations
                .iter()
                .all(|r| r.holds(|k| o.meta("annotations", k)))
    }
}

/// Whether an object's labels (`section` "labels") or annotations satisfy a selector
/// (`app=web,tier in (a,b)`); None when the selector cannot be read.
pub fn meta_matches(selector: &str, o: &impl Resource, section: &str) -> Option<bool> {
    let terms = requirements(Some(selector))?;
    Some(terms.iter().all(|r| r.holds(|k| o.meta(section, k))))
}

/// One term of a label selector (`app=web`, `tier!=db`, `env in (a,b)`, `!canary`, `team`).
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    Absent(String),
}

impl Requirement {
    fn holds(&self, get: impl Fn(&str) -> Option<String>) -> bool {
        match self {
            Requirement::Equals(k, v) => get(k).is_some_and(|x| x == *v),
            Requirement::NotEquals(k, v) => get(k).is_none_or(|x| x != *v),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.contains(&x)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|x| !vs.contains(&x)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::Absent(k) => get(k).is_none(),
        }
    }
}

/// Parse a selector; None when some term is not understood.
fn requirements(selector: Option<&str>) -> Option<Vec<Requirement>> {
    let Some(selector) = selector else {
        return Some(Vec::new());
    };
    // Split on commas outside parentheses.
    let mut terms = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in selector.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                terms.push(&selector[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    terms.push(&selector[start..]);
    let list = |s: &str| -> Option<Vec<String>> {
        let inner = s.trim().strip_prefix('(')?.strip_suffix(')')?;
        Some(inner.split(',').map(|v| v.trim().to_string()).collect())
    };
    let mut out = Vec::new();
    for term in terms.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        let r = if let Some((k, v)) = term.split_once("!=") {
            Requirement::NotEquals(k.trim().into(), v.trim().into())
        } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
            Requirement::Equals(k.trim().into(), v.trim().into())
        } else if let Some((k, vs)) = term.split_once(" notin ") {
            Requirement::NotIn(k.trim().into(), list(vs)?)
        } else if let Some((k, vs)) = term.split_once(" in ") {
            Requirement::In(k.trim().into(), list(vs)?)
        } else if let Some(k) = term.strip_prefix('!') {
            Requirement::Absent(k.trim().into())
        } else if term
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b))
        {
            Requirement::Exists(term.into())
        } else {
            return None;
        };
        out.push(r);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::read_objects;
    use crate::yaml::parse_stream;

    fn selector(text: &str) -> Selector {
        Selector::of(&parse_stream(text).unwrap().documents[0]).unwrap()
    }

    #[test]
    fn selectors_match_as_kustomize_does() {
        let objects = read_objects(
            "out",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: prod-web-v2\n  namespace: shop\n  labels: {app: web, tier: front}\n",
        )
        .objects;
        let o = &objects[0];
        let renames = Renames {
            prefixes: vec!["prod-", "shop-"],
            suffixes: vec!["-v2"],
            namespace_set: false,
        };
        for yes in [
            "kind: Deployment",
            "{kind: Deployment, name: web}",
            "{group: apps, version: v1, name: 'w.*'}",
            "{namespace: shop, labelSelector: 'app=web,tier in (front, back)'}",
            "{labelSelector: '!canary,app'}",
            "{labelSelector: 'app!=db'}",
        ] {
            assert!(selector(yes).matches(o, &renames), "{yes}");
        }
        for no in [
            "kind: StatefulSet",
            "{kind: Deployment, name: we}",
            "{group: '', kind: Service}",
            "{namespace: other}",
            "{labelSelector: 'app=api'}",
            "{labelSelector: 'tier notin (front)'}",
        ] {
            assert!(!selector(no).matches(o, &renames), "{no}");
        }
        let unreadable = parse_stream("{name: '(['}").unwrap();
        assert!(Selector::of(&unreadable.documents[0]).is_none());
    }
}
