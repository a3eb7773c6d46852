//! What an AppProject declared in the spec allows: the destinations and source repositories
//! of a project that lives outside the repository (`external: true`), so an Application the
//! project would refuse is an error at build time rather than a failed sync.

use super::model::{Destination, Environment, Project};

/// Argo CD's glob match for project fields (`*`, `team-*`, `https://git.example.org/*`).
fn glob_match(pattern: &str, value: &str) -> bool {
    globset::Glob::new(pattern)
        .map(|g| g.compile_matcher().is_match(value))
        .unwrap_or(pattern == value)
}

/// Whether the project allows deploying to this cluster and namespace. `cluster` is the
/// Application's (`server` URL or registered `name`).
pub fn allows_destination(
    project: &Project,
    env: &Environment,
    cluster: (Option<&str>, Option<&str>),
    namespace: &str,
) -> bool {
    if project.destinations.is_empty() {
        return true;
    }
    project
        .destinations
        .iter()
        .any(|d| cluster_matches(d, env, cluster) && namespace_matches(d, namespace))
}

fn cluster_matches(
    d: &Destination,
    env: &Environment,
    (server, name): (Option<&str>, Option<&str>),
) -> bool {
    match (&d.server, &d.name, server, name) {
        (Some(pattern), _, Some(server), _) => glob_match(pattern, server),
        (_, Some(pattern), _, Some(name)) => glob_match(pattern, name),
        // A server against a name (or the reverse): Argo CD resolves it against its cluster
        // list, which platc cannot see. Never a false alarm.
        (Some(_), _, None, _) | (_, Some(_), _, None) => true,
        // No cluster written: the environment's.
        (None, None, _, _) => {
            let (env_server, env_name) = (env.server.as_deref(), env.cluster.as_deref());
            match (server, name) {
                (Some(s), _) => env_server.is_none_or(|e| e == s) && env_name.is_none(),
                (None, Some(n)) => env_name == Some(n),
                (None, None) => true,
            }
        }
    }
}

fn namespace_matches(d: &Destination, namespace: &str) -> bool {
    d.namespace
        .as_deref()
        .is_none_or(|pattern| glob_match(pattern, namespace))
}

/// Whether the project allows every one of these source repositories (`!pattern` denies).
pub fn first_refused_repo<'r>(project: &Project, repos: &[&'r str]) -> Option<&'r str> {
    if project.source_repos.is_empty() {
        return None;
    }
    repos.iter().copied().find(|repo| {
        let denied = project
            .source_repos
            .iter()
            .filter_map(|p| p.strip_prefix('!'))
            .any(|p| glob_match(p, repo));
        let allowed = project
            .source_repos
            .iter()
            .filter(|p| !p.starts_with('!'))
            .any(|p| glob_match(p, repo));
        denied || !allowed
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Environment {
        serde_json::from_value(serde_json::json!({"name": "prod"})).unwrap()
    }

    #[test]
    fn destinations_and_repos_match_as_argo_cd_globs_them() {
        let project: Project = serde_json::from_value(serde_json::json!({
            "external": true,
            "destinations": [{"namespace": "team-*"}, {"server": "https://other:6443", "namespace": "*"}],
            "sourceRepos": ["https://git.example.org/*", "!https://git.example.org/secret"],
        }))
        .unwrap();
        let in_cluster = (Some("https://kubernetes.default.svc"), None);
        assert!(allows_destination(&project, &env(), in_cluster, "team-a"));
        assert!(!allows_destination(
            &project,
            &env(),
            in_cluster,
            "kube-system"
        ));
        assert!(allows_destination(
            &project,
            &env(),
            (Some("https://other:6443"), None),
            "x"
        ));
        assert!(allows_destination(
            &project,
            &env(),
            (None, Some("edge")),
            "x"
        ));
        assert_eq!(
            first_refused_repo(&project, &["https://git.example.org/a"]),
            None
        );
        assert_eq!(
            first_refused_repo(&project, &["https://git.example.org/secret"]),
            Some("https://git.example.org/secret")
        );
        assert_eq!(
            first_refused_repo(&project, &["https://charts.example.org"]),
            Some("https://charts.example.org")
        );
    }
}
