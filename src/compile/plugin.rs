//! The plugin mode (`argocd.plugin`): Applications name platc's Config Management Plugin,
//! and the Argo CD component gets the repo-server sidecar that runs it.
//!
//! The sidecar follows Argo CD's documented layout: the `argocd-cmp-server` binary shared
//! through the `var-files` volume (`/var/run/argocd`), the plugin's socket in the `plugins`
//! volume, the plugin configuration at `/home/argocd/cmp-server/config/plugin.yaml`, a
//! writable `/tmp` (the root file system is read-only) and user 999 as Argo CD runs.

use serde_json::{Map, Value, json};

use crate::cmp::plugin::{ENV_COMPONENT, ENV_ENVIRONMENT, plugin_config};
use crate::spec::Plugin;

/// The folder of the Kustomize component that adds the sidecar to manifests of Argo CD.
pub const SIDECAR_DIR: &str = "overlays/base/argocd-plugin";
/// The ConfigMap holding the plugin's configuration, in the manifests' case.
pub const CONFIG_MAP: &str = "argocd-cmp-platc";
const CONTAINER: &str = "platc-plugin";
const TMP_VOLUME: &str = "platc-plugin-tmp";
const CONFIG_VOLUME: &str = "platc-plugin-config";

/// Name the plugin in every source of this repository's folders: a chart, a `ref` source
/// and a folder read with `directory` options keep Argo CD's own tools.
pub fn name_plugin(
    spec: &mut Map<String, Value>,
    repo_url: &str,
    plugin: &Plugin,
    env: &str,
    part: &str,
) {
    for (key, value) in spec.iter_mut() {
        let sources: Vec<&mut Value> = match (key.as_str(), value) {
            ("source", v) => vec![v],
            ("sources", Value::Array(list)) => list.iter_mut().collect(),
            _ => continue,
        };
        for source in sources.into_iter().filter_map(Value::as_object_mut) {
            let local = source.get("repoURL").and_then(Value::as_str) == Some(repo_url)
                && source.contains_key("path")
                && !["ref", "chart", "helm", "directory", "kustomize"]
                    .iter()
                    .any(|k| source.contains_key(*k));
            if local {
                source.insert(
                    "plugin".into(),
                    json!({"name": plugin.name, "env": [
                        {"name": ENV_ENVIRONMENT, "value": env},
                        {"name": ENV_COMPONENT, "value": part},
                    ]}),
                );
            }
        }
    }
}

/// The sidecar container, with the mount of its plugin configuration.
fn container(image: &str, config_mount: Value) -> Value {
    json!({
        "name": CONTAINER,
        "image": image,
        "command": ["/var/run/argocd/argocd-cmp-server"],
        "securityContext": {
            "runAsNonRoot": true,
            "runAsUser": 999,
            "allowPrivilegeEscalation": false,
            "readOnlyRootFilesystem": true,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "resources": {
            "requests": {"cpu": "50m", "memory": "64Mi"},
            "limits": {"memory": "512Mi"},
        },
        "volumeMounts": [
            {"name": "var-files", "mountPath": "/var/run/argocd"},
            {"name": "plugins", "mountPath": "/home/argocd/cmp-server/plugins"},
            config_mount,
            {"name": TMP_VOLUME, "mountPath": "/tmp"},
        ],
    })
}

/// The files of the Kustomize component that adds the plugin to Argo CD's manifests: the
/// ConfigMap and a strategic-merge patch of the `argocd-repo-server` Deployment (whose
/// `var-files` and `plugins` volumes the upstream manifests declare).
pub fn sidecar_component(plugin: &Plugin, image: &str) -> Vec<(String, Value)> {
    let config = crate::yaml::emit::to_yaml(&plugin_config(&plugin.name));
    let config_map = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": CONFIG_MAP, "labels": {"app.kubernetes.io/part-of": "argocd"}},
        "data": {"plugin.yaml": config},
    });
    let mount = json!({"name": CONFIG_VOLUME, "mountPath": "/home/argocd/cmp-server/config/plugin.yaml", "subPath": "plugin.yaml"});
    let patch = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "argocd-repo-server"},
        "spec": {"template": {"spec": {
            "containers": [container(image, mount)],
            "volumes": [
                {"name": CONFIG_VOLUME, "configMap": {"name": CONFIG_MAP}},
                {"name": TMP_VOLUME, "emptyDir": {}},
            ],
        }}},
    });
    let component = json!({
        "apiVersion": "kustomize.config.k8s.io/v1alpha1",
        "kind": "Component",
        "resources": ["plugin-configmap.yaml"],
        "patches": [{"path": "repo-server-sidecar.yaml"}],
    });
    vec![
        (format!("{SIDECAR_DIR}/kustomization.yaml"), component),
        (format!("{SIDECAR_DIR}/plugin-configmap.yaml"), config_map),
        (format!("{SIDECAR_DIR}/repo-server-sidecar.yaml"), patch),
    ]
}

/// Add the plugin to the argo-cd Helm chart's values: the chart writes `configs.cmp.plugins`
/// into its `argocd-cmp-cm` ConfigMap (one `<name>.yaml` key each) and adds
/// `repoServer.extraContainers` and `repoServer.volumes` to the repo-server. Containers and
/// volumes the values already list are kept.
pub fn add_to_chart_values(values: &mut Map<String, Value>, plugin: &Plugin, image: &str) {
    let key = format!("{}.yaml", plugin.name);
    let mount = json!({"name": "argocd-cmp-cm", "mountPath": "/home/argocd/cmp-server/config/plugin.yaml", "subPath": key});
    let object = |m: &mut Map<String, Value>, k: &str| -> Map<String, Value> {
        match m.remove(k) {
            Some(Value::Object(o)) => o,
            _ => Map::new(),
        }
    };
    let mut configs = object(values, "configs");
    let mut cmp = object(&mut configs, "cmp");
    cmp.insert("create".into(), json!(true));
    let mut plugins = object(&mut cmp, "plugins");
    plugins.insert(
        plugin.name.clone(),
        plugin_config(&plugin.name)["spec"].clone(),
    );
    cmp.insert("plugins".into(), Value::Object(plugins));
    configs.insert("cmp".into(), Value::Object(cmp));
    values.insert("configs".into(), Value::Object(configs));

    let mut repo_server = object(values, "repoServer");
    let mut push = |k: &str, item: Value| {
        let mut list = match repo_server.remove(k) {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        };
        list.push(item);
        repo_server.insert(k.into(), Value::Array(list));
    };
    push("extraContainers", container(image, mount));
    push(
        "volumes",
        json!({"name": "argocd-cmp-cm", "configMap": {"name": "argocd-cmp-cm"}}),
    );
    push("volumes", json!({"name": TMP_VOLUME, "emptyDir": {}}));
    values.insert("repoServer".into(), Value::Object(repo_server));
}
