//! Sync policies: platform defaults, overridden per deployable, then per environment.

use serde_json::{Map, Value, json};

use crate::spec::{NamespaceMetadata, SyncPolicy};

/// Merge sync policies, later ones winning field by field.
pub fn merge(levels: &[Option<&SyncPolicy>]) -> SyncPolicy {
    let mut out = SyncPolicy::default();
    for level in levels.iter().flatten() {
        macro_rules! take {
            ($($f:ident)*) => { $( if level.$f.is_some() { out.$f = level.$f.clone(); } )* };
        }
        take!(automated prune self_heal allow_empty create_namespace server_side_apply sync_options retry);
    }
    out
}

/// Set the Application's `syncPolicy`, leaving it out when there is nothing in it (Argo CD
/// reads an absent policy and `{}` alike).
pub fn insert(
    spec: &mut Map<String, Value>,
    policy: &SyncPolicy,
    namespace_metadata: Option<&NamespaceMetadata>,
) {
    let rendered = render(policy, namespace_metadata);
    if rendered.as_object().is_some_and(|o| !o.is_empty()) {
        spec.insert("syncPolicy".into(), rendered);
    }
}

/// The Application's `syncPolicy`.
pub fn render(policy: &SyncPolicy, namespace_metadata: Option<&NamespaceMetadata>) -> Value {
    let mut out = Map::new();
    if policy.automated.unwrap_or(true) {
        let mut automated = json!({"prune": policy.prune.unwrap_or(true), "selfHeal": policy.self_heal.unwrap_or(true)});
        if policy.allow_empty == Some(true) {
            automated["allowEmpty"] = json!(true);
        }
        out.insert("automated".into(), automated);
    }
    let mut options: Vec<String> = Vec::new();
    if policy.create_namespace.unwrap_or(true) {
        options.push("CreateNamespace=true".into());
    }
    if policy.server_side_apply.unwrap_or(false) {
        options.push("ServerSideApply=true".into());
    }
    for option in policy.sync_options.iter().flatten() {
        if !options.contains(option) {
            options.push(option.clone());
        }
    }
    if !options.is_empty() {
        out.insert("syncOptions".into(), json!(options));
    }
    if let Some(meta) = namespace_metadata {
        let mut m = Map::new();
        if !meta.labels.is_empty() {
            m.insert("labels".into(), json!(meta.labels));
        }
        if !meta.annotations.is_empty() {
            m.insert("annotations".into(), json!(meta.annotations));
        }
        if !m.is_empty() {
            out.insert("managedNamespaceMetadata".into(), Value::Object(m));
        }
    }
    if let Some(retry) = &policy.retry {
        let mut r = Map::new();
        if let Some(limit) = retry.limit {
            r.insert("limit".into(), json!(limit));
        }
        if let Some(b) = &retry.backoff {
            let mut backoff = Map::new();
            if let Some(d) = &b.duration {
                backoff.insert("duration".into(), json!(d));
            }
            if let Some(f) = b.factor {
                backoff.insert("factor".into(), json!(f));
            }
            if let Some(m) = &b.max_duration {
                backoff.insert("maxDuration".into(), json!(m));
            }
            r.insert("backoff".into(), Value::Object(backoff));
        }
        out.insert("retry".into(), Value::Object(r));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_levels_win_and_defaults_apply() {
        let platform = SyncPolicy {
            prune: Some(false),
            ..Default::default()
        };
        let env = SyncPolicy {
            prune: Some(true),
            server_side_apply: Some(true),
            ..Default::default()
        };
        let merged = merge(&[Some(&platform), None, Some(&env)]);
        let v = render(&merged, None);
        assert_eq!(v["automated"], json!({"prune": true, "selfHeal": true}));
        assert_eq!(
            v["syncOptions"],
            json!(["CreateNamespace=true", "ServerSideApply=true"])
        );
        let manual = SyncPolicy {
            automated: Some(false),
            create_namespace: Some(false),
            ..Default::default()
        };
        assert_eq!(render(&manual, None), json!({}));
        let allow_empty = SyncPolicy {
            allow_empty: Some(true),
            ..Default::default()
        };
        assert_eq!(
            render(&merge(&[Some(&platform), Some(&allow_empty)]), None)["automated"],
            json!({"prune": false, "selfHeal": true, "allowEmpty": true})
        );
    }
}
