use crate::report::{Finding, Severity};
use crate::rules::Rule;
use crate::suggest::did_you_mean_valid;

use super::facts::Fact;

pub const RULE: Rule = Rule {
    id: "argocd/unknown-project",
    severity: Severity::Error,
    summary: "an Application in an AppProject that the repository does not define",
    docs: r#"# argocd/unknown-project

An Application names a `spec.project` that no AppProject in the repository defines (checked
when the repository defines AppProjects at all; `default` always exists).

## Why
Argo CD refuses to sync an Application whose project does not exist: a typo here stops the
app, and copied Applications carry the wrong project from team to team.

## Bad
```yaml
spec:
  project: platfrom
```

## Good
```yaml
spec:
  project: platform
```

## Fix
Use an existing project, or add its AppProject.
"#,
    check: crate::rules::bundle::per_object,
};

pub fn check<'a>(facts: impl Iterator<Item = &'a Fact> + Clone, out: &mut Vec<Finding>) {
    let projects: Vec<&str> = facts
        .clone()
        .filter_map(|f| {
            if let Fact::AppProject { name } = f {
                Some(name.as_str())
            } else {
                None
            }
        })
        .collect();
    if projects.is_empty() {
        return;
    }
    for fact in facts {
        let Fact::UsesProject { project, place } = fact else {
            continue;
        };
        if project == "default" || projects.contains(&project.as_str()) {
            continue;
        }
        let valid = |p: &str| crate::manifest::names::check_subdomain(p).is_ok();
        let help = did_you_mean_valid(project, projects.iter().copied(), valid).map_or_else(
            || format!("known projects: {}", projects.join(", ")),
            |s| format!("did you mean `{s}`?"),
        );
        out.extend(place.finding(
            RULE.id,
            RULE.severity,
            format!("the project `{project}` is not defined"),
            &help,
        ));
    }
}
