use std::collections::BTreeMap;

use regex::Regex;

use crate::kustomize::{BuildTree, Kustomizations};
use crate::manifest::Object;
use crate::report::{Finding, Severity};
use crate::rules::Rule;
use crate::yaml::Node;

pub const RULE: Rule = Rule {
    id: "kustomize/patch-target",
    severity: Severity::Error,
    summary: "a patch whose `target` matches no object of the build",
    docs: r#"# kustomize/patch-target

A patch with a `target` selector (in `patches` or `patchesJson6902`) matches no object of
the kustomization's build, so it changes nothing.

## Why
kustomize applies a targeted patch to whatever matches and says nothing when nothing does: a
renamed Deployment, a kind spelled `Deploymnet` or a label selector that drifted leaves the
patch silently unused, and the setting it carried (replicas, resources, a toleration) never
reaches the cluster.

## Bad
```yaml
resources: [deployment.yaml]          # Deployment `website`
patches:
  - path: replicas-patch.yaml
    target: {kind: Deployment, name: web}
```

## Good
```yaml
patches:
  - path: replicas-patch.yaml
    target: {kind: Deployment, name: website}
```

## Fix
Correct the target (names and namespaces are regular expressions matched in full; group,
version and kind must be exact), or remove the patch. Patches without a target are checked by
kustomize itself: the build fails when their object is missing.
"#,
    check: crate::rules::bundle::per_object,
};

/// One targeted patch: where it is, and whether any build matched it.
struct Seen<'a> {
    file: &'a str,
    node: &'a Node,
    pointer: String,
    matched: bool,
}

/// Match every targeted patch of each build's kustomizations against that build's output.
/// A patch in a base several overlays include is unused only if no overlay's build matches.
pub fn check(
    kustomizations: &Kustomizations,
    builds: &[(&BuildTree, &[Object])],
    out: &mut Vec<Finding>,
) {
    let mut seen: BTreeMap<(usize, String), Seen<'_>> = BTreeMap::new();
    for (tree, objects) in builds {
        let renames = Renames::of(kustomizations, tree);
        for &i in &tree.kustomizations {
            let k = &kustomizations.all[i];
            for field in ["patches", "patchesJson6902"] {
                for (j, patch) in k
                    .doc
                    .get(field)
                    .and_then(Node::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .enumerate()
                {
                    let Some(target) = patch.get("target") else {
                        continue;
                    };
                    let Some(selector) = Selector::of(target) else {
                        continue;
                    };
                    let pointer = format!("/{field}/{j}/target");
                    let entry = seen.entry((i, pointer.clone())).or_insert(Seen {
                        file: &k.file,
                        node: target,
                        pointer,
                        matched: false,
                    });
                    if !entry.matched {
                        entry.matched = objects.iter().any(|o| selector.matches(o, &renames));
                    }
                }
            }
        }
    }
    for s in seen.into_values().filter(|s| !s.matched) {
        out.push(
            Finding::new(
                RULE.id,
                RULE.severity,
                format!(
                    "the patch target {} matches no object of the build",
                    describe(s.node)
                ),
            )
            .at_span(s.file, Some(s.node.span))
            .with_path(s.pointer)
            .with_help("correct the target's kind, name or selector, or remove the patch"),
        );
    }
}

/// `kind: Deployment, name: web` as written.
fn describe(target: &Node) -> String {
    let parts: Vec<String> = target
        .as_map()
        .unwrap_or(&[])
        .iter()
        .filter_map(|(k, v)| Some(format!("{}: {}", k.as_str()?, v.as_str()?)))
        .collect();
    format!("`{}`", parts.join(", "))
}

/// What the kustomizations of a build do to names and namespaces: a target is written
/// against the names before `namePrefix`, `nameSuffix` and `namespace` apply.
struct Renames<'a> {
    prefixes: Vec<&'a str>,
    suffixes: Vec<&'a str>,
    /// Some kustomization sets `namespace`: the original namespaces are unknown.
    namespace_set: bool,
}

impl<'a> Renames<'a> {
    fn of(kustomizations: &'a Kustomizations, tree: &BuildTree) -> Renames<'a> {
        let ks = || tree.kustomizations.iter().map(|&i| &kustomizations.all[i]);
        Renames {
            prefixes: ks().filter_map(|k| k.field("namePrefix")).collect(),
            suffixes: ks().filter_map(|k| k.field("nameSuffix")).collect(),
            namespace_set: ks().any(|k| k.field("namespace").is_some()),
        }
    }

    /// The names an object may have had when the patch was applied: its name with any of
    /// the prefixes and suffixes of the build taken off, in any number.
    fn names(&self, name: &'a str) -> Vec<&'a str> {
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
struct Selector {
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
    fn of(target: &Node) -> Option<Selector> {
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

    fn matches(&self, o: &Object, renames: &Renames<'_>) -> bool {
        let api = o.api_version().unwrap_or_default();
        let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
        let exact = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        if !exact(&self.group, group)
            || !exact(&self.version, version)
            || !exact(&self.kind, o.kind().unwrap_or_default())
        {
            return false;
        }
        if let Some(re) = &self.name {
            let name = o.name().unwrap_or_default();
            if !renames.names(name).iter().any(|n| re.is_match(n)) {
                return false;
            }
        }
        if let Some(re) = &self.namespace
            && !renames.namespace_set
            && !re.is_match(o.namespace().unwrap_or_default())
        {
            return false;
        }
        let map = |pointer: &str| o.node.pointer(pointer);
        self.labels.iter().all(|r| r.holds(map("/metadata/labels")))
            && self
                .annotations
                .iter()
                .all(|r| r.holds(map("/metadata/annotations")))
    }
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
    fn holds(&self, map: Option<&Node>) -> bool {
        let get = |k: &str| map.and_then(|m| m.get(k)).and_then(|v| v.key_text());
        match self {
            Requirement::Equals(k, v) => get(k).is_some_and(|x| x == v.as_str()),
            Requirement::NotEquals(k, v) => get(k).is_none_or(|x| x != v.as_str()),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| x == v.as_str())),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|x| !vs.iter().any(|v| x == v.as_str())),
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
