use std::collections::HashMap;

use crate::report::{Finding, Severity};
use crate::rules::Rule;

use super::facts::Fact;

pub const RULE: Rule = Rule {
    id: "argocd/duplicate-release",
    severity: Severity::Error,
    summary: "two Applications deploying the same Helm release into the same cluster and namespace",
    docs: r#"# argocd/duplicate-release

Two Applications install a Helm chart under the same release name, into the same cluster
and namespace.

## Why
Each Application overwrites the other's objects on every sync: they fight forever, and
pruning one deletes what the other deployed. A copied Application with the chart name
forgotten is the usual cause.

## Bad
```yaml
# grafana.yaml and grafana-copy.yaml, both:
spec:
  destination: {server: https://kubernetes.default.svc, namespace: monitoring}
  source: {chart: grafana, helm: {releaseName: grafana}}
```

## Good
```yaml
spec:
  destination: {server: https://kubernetes.default.svc, namespace: monitoring}
  source: {chart: loki, helm: {releaseName: loki}}
```

## Fix
Give each release its own name (`helm.releaseName`), namespace or cluster, or delete the copy.
"#,
    check: crate::rules::bundle::per_object,
};

pub fn check<'a>(facts: impl Iterator<Item = &'a Fact> + Clone, out: &mut Vec<Finding>) {
    let mut first: HashMap<(&str, &str, &str), &super::facts::Place> = HashMap::new();
    for fact in facts {
        let Fact::Release {
            cluster,
            namespace,
            release,
            place,
        } = fact
        else {
            continue;
        };
        match first.get(&(cluster.as_str(), namespace.as_str(), release.as_str())) {
            None => {
                first.insert((cluster, namespace, release), place);
            }
            // One Application name twice in a repository is one Application per Argo CD
            // (each environment's own): their in-cluster destinations are different clusters.
            Some(other)
                if other.object == place.object && cluster == "https://kubernetes.default.svc" => {}
            Some(other) => {
                let message = format!(
                    "the Helm release `{release}` is also deployed to `{namespace}` on `{cluster}` by {}",
                    other.object
                );
                if let Some(f) = place.finding(
                    RULE.id,
                    RULE.severity,
                    message,
                    "give the release another name, namespace or cluster",
                ) {
                    out.push(f.with_related(
                        other.file.clone(),
                        other.span.start,
                        "also deployed here",
                    ));
                }
            }
        }
    }
}
