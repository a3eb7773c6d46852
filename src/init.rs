//! `platc init`: a new platform repository that builds and checks clean at once.
//!
//! The scaffold is small but whole: a spec with one environment, a Helm component with a
//! values file, a component of local manifests and a blueprint with one tenant; the settings
//! file; the JSON schemas editors read for both (so completion works before anything else is
//! installed); pre-commit hooks; a GitHub Actions workflow; a `.gitignore`. Nothing that
//! exists is overwritten: a file in the way stops init before it writes anything.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

/// The hooks platc ships, as `pre-commit` reads them from platc's repository.
const SHIPPED_HOOKS: &str = include_str!("../.pre-commit-hooks.yaml");

/// What `platc init` is asked for.
pub struct Options {
    /// The folder to scaffold.
    pub dir: PathBuf,
    /// The platform's name (a DNS label).
    pub name: String,
    /// The URL Argo CD clones the new repository from.
    pub repo_url: String,
    /// The JSON schema of the platform spec.
    pub spec_schema: String,
    /// The JSON schema of `.platc.yaml`.
    pub config_schema: String,
}

/// The files of the scaffold, path (relative to the folder) and text, in writing order.
pub fn files(opts: &Options) -> Vec<(String, String)> {
    let spec = SPEC
        .replace("@NAME@", &opts.name)
        .replace("@REPO@", &opts.repo_url)
        .replace("@KUBERNETES@", crate::schema::core::newest());
    let commit = env!("PLATC_COMMIT");
    let rev = if commit == "unknown" { "" } else { commit };
    let workflow = WORKFLOW.replace("@COMMIT@", rev);
    [
        ("platform/platform.yaml", spec),
        (
            "platform/components/podinfo/values.yaml",
            PODINFO_VALUES.into(),
        ),
        (
            "platform/components/namespaces/kustomization.yaml",
            NAMESPACES_KUSTOMIZATION.into(),
        ),
        (
            "platform/components/namespaces/monitoring.yaml",
            MONITORING_NAMESPACE.into(),
        ),
        (
            "platform/blueprints/team/namespace.yaml.j2",
            TEAM_NAMESPACE.into(),
        ),
        ("platform/blueprints/team/quota.yaml.j2", TEAM_QUOTA.into()),
        (".platc.yaml", CONFIG.into()),
        ("schemas/platform.schema.json", opts.spec_schema.clone()),
        (
            "schemas/platc-config.schema.json",
            opts.config_schema.clone(),
        ),
        (".pre-commit-config.yaml", pre_commit_config()),
        (".github/workflows/platc.yaml", workflow),
        (".gitignore", GITIGNORE.into()),
    ]
    .into_iter()
    .map(|(path, text)| (path.to_string(), text))
    .collect()
}

/// Write the scaffold; the paths written, or why nothing was.
pub fn scaffold(opts: &Options) -> Result<Vec<String>, String> {
    let files = files(opts);
    let taken: Vec<&str> = files
        .iter()
        .map(|(path, _)| path.as_str())
        .filter(|path| opts.dir.join(path).symlink_metadata().is_ok())
        .collect();
    if !taken.is_empty() {
        return Err(format!(
            "`{}` already holds {}: platc init never overwrites a file (move {} away, or init another folder)",
            opts.dir.display(),
            taken
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", "),
            if taken.len() == 1 { "it" } else { "them" }
        ));
    }
    for (path, text) in &files {
        let target = opts.dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
        }
        crate::tree::write_atomic(&target, text.as_bytes())?;
    }
    Ok(files.into_iter().map(|(path, _)| path).collect())
}

/// A platform name from a folder name: lower case, runs of anything else than letters and
/// digits made one `-`, at most 63 characters; `platform` when nothing is left.
pub fn name_from(dir: &Path) -> String {
    let raw = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let mut name = String::new();
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c);
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    let name: String = name.trim_end_matches('-').chars().take(63).collect();
    let name = name.trim_end_matches('-').to_string();
    if name.is_empty() {
        "platform".into()
    } else {
        name
    }
}

/// The URL of the folder's `origin` remote, when it is a git repository that has one.
pub fn origin_url(dir: &Path) -> Option<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["remote", "get-url", "origin"])
        .output()
        .ok()?;
    let url = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !url.is_empty()).then_some(url)
}

/// `.pre-commit-config.yaml`: the hooks platc ships, field for field, run with the platc on
/// PATH (`language: system`), so they work at once and in well under a second. A team that
/// wants pre-commit to build platc itself names platc's repository instead (the comment).
fn pre_commit_config() -> String {
    let hooks: Vec<Value> = shipped_hooks()
        .into_iter()
        .map(|mut hook| {
            hook.insert("language".into(), json!("system"));
            Value::Object(hook)
        })
        .collect();
    let config = json!({"repos": [{"repo": "local", "hooks": hooks}]});
    format!("{PRE_COMMIT_HEADER}{}", crate::yaml::emit::to_yaml(&config))
}

/// The hooks of `.pre-commit-hooks.yaml`, in order.
fn shipped_hooks() -> Vec<Map<String, Value>> {
    let doc = crate::yaml::parse_stream(SHIPPED_HOOKS)
        .ok()
        .and_then(|mut s| (!s.documents.is_empty()).then(|| s.documents.remove(0)))
        .map(|d| d.to_json())
        .unwrap_or(Value::Null);
    doc.as_array()
        .into_iter()
        .flatten()
        .filter_map(|hook| hook.as_object().cloned())
        .collect()
}

const SPEC: &str = r#"# yaml-language-server: $schema=../schemas/platform.schema.json
# The platform: everything Argo CD deploys, in one place. `platc build` compiles it into
# ../overlays/ (commit them both); `platc check` verifies that tree is current and checks it.
apiVersion: platc.io/v1alpha1
kind: Platform
metadata:
  name: @NAME@
spec:
  repo:
    # The URL Argo CD clones this repository from.
    url: @REPO@
    revision: main
  argocd:
    namespace: argocd
    project: platform
    syncPolicy: {automated: true, prune: true, selfHeal: true}
  environments:
    - name: prod
      kubernetesVersion: "@KUBERNETES@"

  components:
    # A Helm chart, with a values file kept in this repository.
    - name: podinfo
      helm:
        repo: https://stefanprodan.github.io/podinfo
        chart: podinfo
        version: 6.7.1
        values: [components/podinfo/values.yaml]
    # Manifests kept in this repository (a Kustomize folder).
    - name: namespaces
      resources: [components/namespaces]

  # Folders of Jinja2 templates, rendered once per tenant.
  blueprints:
    team:
      path: blueprints/team
      params:
        team: {type: dns-label, required: true, unique: true}
        cpu: {type: string, default: "2"}
  tenants:
    - name: example-team
      blueprint: team
      dependsOn: [namespaces]
      params: {team: example-team}
"#;

const PODINFO_VALUES: &str = "# Values of the podinfo chart (helm show values podinfo/podinfo).\nreplicaCount: 2\nresources:\n  requests: {cpu: 10m, memory: 32Mi}\n  limits: {memory: 64Mi}\n";

const NAMESPACES_KUSTOMIZATION: &str = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - monitoring.yaml\n";

const MONITORING_NAMESPACE: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monitoring\n  labels:\n    team: platform\n";

const TEAM_NAMESPACE: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ namespace }}\n  labels:\n    team: {{ team }}\n";

const TEAM_QUOTA: &str = "apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: {{ team }}\n  namespace: {{ namespace }}\nspec:\n  hard:\n    requests.cpu: \"{{ cpu }}\"\n    requests.memory: 4Gi\n    limits.memory: 8Gi\n";

const CONFIG: &str = r#"# yaml-language-server: $schema=schemas/platc-config.schema.json
# platc's settings for this repository (`platc explain ID` documents every rule id).
exclude: []           # gitignore-style paths no check reads
rules: {}             # severity overrides, such as `workload/probes: info`
waivers: []           # accepted findings: {rule, object, path, reason, expires}
"#;

const PRE_COMMIT_HEADER: &str =
    "# pre-commit (https://pre-commit.com): `pre-commit install` once, then every commit runs
# the hooks platc ships, with the platc on PATH. To have pre-commit build platc itself, name
# platc's repository instead of `local`:
#   - repo: <platc's git URL>
#     rev: <a tag or commit>
#     hooks: [{id: platc-check}, {id: platc-secrets}, {id: platc-build}]
";

const WORKFLOW: &str = r#"# platc in CI: the findings as code-scanning alerts, a gate on the generated tree and, on a
# pull request, what the change does to the cluster as a comment.
name: platc
on:
  push:
    branches: [main]
  pull_request:

permissions:
  contents: read
  security-events: write   # upload the SARIF report
  pull-requests: write     # comment `platc diff` on pull requests

env:
  # platc's git repository and the commit to install (this one scaffolded the repository).
  PLATC_GIT: ""
  PLATC_REV: "@COMMIT@"

jobs:
  platc:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with: {fetch-depth: 0}   # platc diff reads the pull request's base commit
      - uses: actions/cache@v4
        with:
          path: ~/.cargo/bin/platc
          key: platc-${{ env.PLATC_REV }}
      - name: Install platc
        run: |
          if ! command -v platc >/dev/null; then
            test -n "$PLATC_GIT" || { echo "::error::set PLATC_GIT in .github/workflows/platc.yaml to platc's git URL"; exit 1; }
            cargo install --locked --git "$PLATC_GIT" ${PLATC_REV:+--rev "$PLATC_REV"} platc
          fi
          platc --version
      - name: overlays/ is what the spec produces
        run: platc build --check
      - name: Check (SARIF for code scanning)
        run: platc check --format sarif > platc.sarif || echo "PLATC_STATUS=$?" >> "$GITHUB_ENV"
      - uses: github/codeql-action/upload-sarif@v3
        if: always()
        with:
          sarif_file: platc.sarif
          category: platc
      - name: What the pull request does to the cluster
        id: diff
        if: github.event_name == 'pull_request'
        env: {BASE: "${{ github.base_ref }}"}
        run: |
          set +e
          platc diff --base "$(git merge-base HEAD "origin/$BASE")" --format markdown > diff.md
          code=$?
          echo "code=$code" >> "$GITHUB_OUTPUT"
          test "$code" -le 1
      - if: steps.diff.outputs.code == '1'
        env: {GH_TOKEN: "${{ github.token }}", PR: "${{ github.event.pull_request.number }}"}
        run: gh pr comment "$PR" --body-file diff.md --edit-last || gh pr comment "$PR" --body-file diff.md
      - name: Fail on findings
        run: test -z "$PLATC_STATUS" || { platc check; exit "$PLATC_STATUS"; }
"#;

const GITIGNORE: &str = "# Reports CI writes.\nplatc.sarif\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_dns_labels() {
        assert_eq!(name_from(Path::new("/x/My Platform_2")), "my-platform-2");
        assert_eq!(name_from(Path::new("/x/--a--")), "a");
        assert_eq!(name_from(Path::new("/")), "platform");
        assert_eq!(name_from(Path::new(&"a".repeat(80))).len(), 63);
    }

    #[test]
    fn the_hooks_are_the_shipped_ones_run_from_path() {
        let config = pre_commit_config();
        for id in ["platc-check", "platc-secrets", "platc-build"] {
            assert!(config.contains(&format!("id: {id}")), "{config}");
        }
        assert!(config.contains("language: system"), "{config}");
        assert!(!config.contains("language: rust"), "{config}");
    }
}
