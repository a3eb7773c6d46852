//! The names Argo CD sees: Applications, AppProjects and the app-of-apps root.
//!
//! A rename in Argo CD is a delete plus a create (with the resources finalizer, everything the
//! Application deployed is pruned, then created again), so names come from templates a team
//! sets to match what already runs, and the defaults depend on whether an environment has an
//! Argo CD of its own.

use super::model::{ArgoCd, Environment, Platform};

/// The placeholders a name template may use.
pub const APPLICATION_VARS: &[&str] = &["name", "env", "project"];
pub const PROJECT_VARS: &[&str] = &["project", "env"];
pub const ROOT_VARS: &[&str] = &["platform", "env"];

/// Argo CD's built-in project: it always exists and is never generated.
pub const DEFAULT_PROJECT: &str = "default";

/// Replace `{var}` with its value. Unknown placeholders are left as they are (the spec
/// checks report them with [`unknown_placeholder`]).
pub fn expand(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let key = &after[..close];
                match vars.iter().find(|(k, _)| *k == key) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(key);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The first `{placeholder}` of a template that is not one of `known`.
pub fn unknown_placeholder<'t>(template: &'t str, known: &[&str]) -> Option<&'t str> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        let key = &after[..close];
        if !known.contains(&key) {
            return Some(key);
        }
        rest = &after[close + 1..];
    }
    None
}

/// Whether a project exists outside the repository (and so keeps its name as it is).
pub fn is_external_project(argocd: &ArgoCd, project: &str) -> bool {
    project == DEFAULT_PROJECT || argocd.projects.get(project).is_some_and(|p| p.external)
}

/// An Application's name in an environment. `own` is the component's or tenant's own
/// template (per environment first), if any.
pub fn application(
    platform: &Platform,
    env: &Environment,
    name: &str,
    project: &str,
    own: Option<&str>,
) -> String {
    let argocd = &platform.spec.argocd;
    let default = if env.own_argocd {
        "{name}"
    } else {
        "{name}-{env}"
    };
    let template = own
        .or(argocd.application_name.as_deref())
        .unwrap_or(default);
    expand(
        template,
        &[("name", name), ("env", &env.name), ("project", project)],
    )
}

/// The name an Application uses for its AppProject in an environment.
pub fn project(platform: &Platform, env: &Environment, project: &str) -> String {
    let argocd = &platform.spec.argocd;
    if is_external_project(argocd, project) {
        return project.to_string();
    }
    let default = if env.own_argocd {
        "{project}"
    } else {
        "{project}-{env}"
    };
    let template = argocd.project_name.as_deref().unwrap_or(default);
    expand(template, &[("project", project), ("env", &env.name)])
}

/// The app-of-apps Application's name in an environment.
pub fn root(platform: &Platform, env: &Environment) -> String {
    let template = platform
        .spec
        .argocd
        .root_name
        .as_deref()
        .unwrap_or("{platform}-{env}");
    expand(
        template,
        &[("platform", &platform.metadata.name), ("env", &env.name)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_known_placeholders_and_keeps_others() {
        assert_eq!(
            expand("{name}-{env}", &[("name", "vault"), ("env", "prod")]),
            "vault-prod"
        );
        assert_eq!(expand("{name}-{x}", &[("name", "a")]), "a-{x}");
        assert_eq!(expand("plain", &[]), "plain");
        assert_eq!(expand("open{", &[]), "open{");
        assert_eq!(
            unknown_placeholder("{name}-{envv}", APPLICATION_VARS),
            Some("envv")
        );
        assert_eq!(unknown_placeholder("{name}-{env}", APPLICATION_VARS), None);
    }
}
