//! The plugin's own files: the ConfigManagementPlugin the sidecar reads, its discovery, and
//! the parameters Argo CD passes to `platc generate`.
//!
//! Plugins are tried before Argo CD's own tools, so discovery must claim only repositories
//! that use platc: `platc build` writes the marker `overlays/.platc`, and `platc cmp discover`
//! (the discovery command) answers for the Application's folder by looking for it at the
//! repository root. An ordinary Kustomize Application (a third-party one, say) stays with
//! Argo CD's kustomize.

use std::path::Path;

use serde_json::json;

/// The plugin's name, as Applications name it (`source.plugin.name`).
pub const NAME: &str = "platc";

/// The marker `platc build` writes, relative to the repository root.
pub const MARKER: &str = "overlays/.platc";

/// The Application's environment and component, from `source.plugin.env`.
pub const ENV_ENVIRONMENT: &str = "PLATC_ENVIRONMENT";
pub const ENV_COMPONENT: &str = "PLATC_COMPONENT";

/// The parameters announced to Argo CD's UI (`parameters.static`): name, title, tooltip.
pub const PARAMETERS: [(&str, &str, &str); 3] = [
    (
        "environment",
        "Environment",
        "The platform environment this Application belongs to (set by platc build)",
    ),
    (
        "component",
        "Component",
        "The component or tenant this Application deploys (set by platc build)",
    ),
    (
        "kubernetes-version",
        "Kubernetes version",
        "Validate against this Kubernetes minor version (X.Y) instead of the cluster's",
    ),
];

/// The ConfigManagementPlugin, as `platc cmp plugin-yaml` prints it and the sidecar reads it
/// at `/home/argocd/cmp-server/config/plugin.yaml`.
pub fn plugin_yaml() -> String {
    crate::yaml::emit::to_yaml(&plugin_config(NAME))
}

/// The ConfigManagementPlugin announced under `name`.
pub fn plugin_config(name: &str) -> serde_json::Value {
    let parameters: Vec<_> = PARAMETERS
        .iter()
        .map(|(name, title, tooltip)| json!({"name": name, "title": title, "tooltip": tooltip}))
        .collect();
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ConfigManagementPlugin",
        "metadata": {"name": name},
        "spec": {
            "generate": {"command": ["platc", "generate"]},
            // A command rather than `fileName`: the marker sits at the repository root, above
            // the Application's folder, and the image has no shell.
            "discover": {"find": {"command": ["platc", "cmp", "discover"]}},
            "parameters": {"static": parameters},
            "preserveFileMode": false,
        },
    })
}

/// Whether the Application in `app_dir` (with `ARGOCD_APP_SOURCE_PATH` as `source_path`)
/// belongs to a repository platc builds: its root holds the marker.
pub fn claims(app_dir: &Path, source_path: &str) -> bool {
    let Ok(app_dir) = app_dir.canonicalize() else {
        return false;
    };
    super::root_of(&app_dir, source_path).join(MARKER).is_file()
}

/// A parameter of the Application: `PARAM_<NAME>` (set in the UI or `source.plugin.parameters`)
/// before `ARGOCD_ENV_<env>` (`source.plugin.env`, which platc build writes).
pub fn parameter(
    env: &impl Fn(&str) -> Option<String>,
    param: &str,
    plugin_env: Option<&str>,
) -> Option<String> {
    let key = format!("PARAM_{}", param.to_uppercase().replace('-', "_"));
    let set = |name: &str| {
        env(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    set(&key).or_else(|| plugin_env.and_then(|name| set(&format!("ARGOCD_ENV_{name}"))))
}

/// The marker's body: what a person finding it needs to know.
pub fn marker_body(platform: &str) -> String {
    format!(
        "# This repository's overlays are compiled by platc (platform `{platform}`).\n# The Argo CD plugin claims an Application only where this file exists.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_come_before_the_plugin_env() {
        let vars = |k: &str| match k {
            "PARAM_KUBERNETES_VERSION" => Some("1.31".to_string()),
            "ARGOCD_ENV_PLATC_ENVIRONMENT" => Some("prod".to_string()),
            "PARAM_ENVIRONMENT" => Some(" ".to_string()),
            _ => None,
        };
        assert_eq!(
            parameter(&vars, "kubernetes-version", None).as_deref(),
            Some("1.31")
        );
        // An empty UI value leaves the plugin env in force.
        assert_eq!(
            parameter(&vars, "environment", Some(ENV_ENVIRONMENT)).as_deref(),
            Some("prod")
        );
        assert_eq!(parameter(&vars, "component", Some(ENV_COMPONENT)), None);
    }

    #[test]
    fn discovery_needs_the_marker_at_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("overlays/prod/components/a");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::write(app.join("kustomization.yaml"), "resources: []\n").unwrap();
        assert!(!claims(&app, "overlays/prod/components/a"));
        std::fs::write(dir.path().join(MARKER), marker_body("p")).unwrap();
        assert!(claims(&app, "overlays/prod/components/a"));
    }
}
