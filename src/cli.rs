//! The command line: clap definitions only. Each command calls the library.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::Format;

#[derive(Debug, Parser)]
#[command(name = "platc", version, about = "Compile a platform spec into Kustomize and ArgoCD, and check GitOps repositories", long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// The repository root (no search). Without it, platc walks up from the current folder
    /// to the first one holding `.git`, `.platc.yaml` or the platform spec, as git and cargo
    /// do. Paths on the command line are relative to the current folder (to DIR with -C).
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Read the settings from FILE instead of `.platc.yaml` at the repository root.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Say on standard error which repository root and settings file were used, and why a
    /// named path under an exclude pattern is checked anyway.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// How to print findings (`rules` and `explain`: human or json).
    #[arg(long, global = true, value_enum, default_value = "human")]
    pub format: Format,
    /// The lowest severity that makes the exit code 1.
    #[arg(long, global = true, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Print findings only, no progress or summary lines (files a scan left out are still
    /// said, on stderr).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// The Kubernetes minor version to validate against, such as 1.33 (default: the spec's
    /// environments, else the newest embedded).
    #[arg(long, global = true, value_name = "X.Y")]
    pub kubernetes_version: Option<String>,
    /// The platform spec, relative to the repository root.
    #[arg(long, global = true, value_name = "FILE", default_value = crate::spec::DEFAULT_SPEC)]
    pub spec: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compile the platform spec into overlays/.
    Build {
        /// Write nothing; exit 1 if overlays/ is not what the spec produces.
        #[arg(long)]
        check: bool,
    },
    /// Run every check a CI gate or pre-commit hook needs: build --check (when there is a
    /// platform spec), validate (schemas), lint (the rules) and secrets (the credential scan,
    /// with `.platc-secrets-baseline.json`), in one report.
    Check {
        /// Files or folders to check (default: the whole repository).
        paths: Vec<String>,
        #[command(flatten)]
        schemas: SchemaArgs,
    },
    /// Find credentials in the repository (or in standard input with `-`), never printing them.
    Secrets {
        /// Files or folders to scan (default: the whole repository), or - for standard input.
        paths: Vec<String>,
        /// Scan what a commit would add: the staged blobs, read from git's index.
        #[arg(long, conflicts_with = "history")]
        staged: bool,
        /// Scan the lines every commit added (a key committed and later deleted still leaked).
        #[arg(long)]
        history: bool,
        /// With --history: only commits after REF.
        #[arg(long, value_name = "REF", requires = "history")]
        since: Option<String>,
        /// Accept the findings listed in FILE (fingerprints, no values).
        #[arg(
            long,
            value_name = "FILE",
            default_value = ".platc-secrets-baseline.json"
        )]
        baseline: PathBuf,
        /// Write every current finding to the baseline and exit 0.
        #[arg(long)]
        write_baseline: bool,
    },
    /// Run the lint rules (deprecated APIs, Argo CD, workload practices, hygiene).
    Lint {
        /// Files or folders to lint (default: the whole repository).
        paths: Vec<String>,
        #[command(flatten)]
        schemas: SchemaArgs,
    },
    /// Argo CD Config Management Plugin: print the manifests of the Application whose source
    /// folder is the current one (or -C DIR); refuse, on standard error, stale generated
    /// files, credentials and objects that fail their schemas.
    Generate {
        /// How to build kustomizations (default: kustomize, else kubectl, on PATH).
        #[arg(long, value_name = "BIN")]
        kustomize: Option<PathBuf>,
    },
    /// List the lint rules (with --all: every id a finding can show).
    Rules {
        /// Also list the ids of the spec, build, config, YAML, schema, kustomize and secret
        /// findings (`platc explain` documents each).
        #[arg(long)]
        all: bool,
    },
    /// Print the documentation of a rule id (any id a finding shows): what it means, how to
    /// fix or waive it.
    Explain {
        /// The id, such as workload/image-tag or schema/unknown-field.
        rule: String,
    },
    /// Validate every Kubernetes object against its schema (built-in kinds and CRDs).
    Validate {
        /// Files or folders to validate (default: the whole repository).
        paths: Vec<String>,
        #[command(flatten)]
        schemas: SchemaArgs,
    },
    /// Write a platform spec that reproduces the repository's Argo CD Applications (names,
    /// projects, sources, sync policies), following the app-of-apps from its roots. What the
    /// spec cannot express is kept as pass-through files, listed with the reason. Only writes
    /// under --out; the repository's own files are never changed.
    Import {
        /// The repository to read (default: the current folder, or -C).
        #[arg(value_name = "DIR")]
        repo: Option<PathBuf>,
        /// Where to write platform.yaml and the pass-through files, relative to DIR.
        #[arg(long, default_value = "platform")]
        out: String,
        /// Overwrite an existing platform.yaml.
        #[arg(long)]
        force: bool,
    },
    /// What a change does to the cluster: compare the work tree (staged and unstaged) with
    /// a commit, per Application: objects added, changed and removed, field by field, and
    /// chart settings and values. Exit code 0: no difference, 1: differences, 2: error.
    /// `--format` is `text` (`human`), `markdown` (a pull-request comment) or `json`.
    Diff {
        /// Only Applications defined in, or deploying from, this path.
        path: Option<String>,
        /// The commit to compare with (default: the merge-base with the upstream branch,
        /// else with main or master). Read from git's objects: nothing is checked out.
        #[arg(long, value_name = "REF")]
        base: Option<String>,
        /// Also print a unified diff of each changed object.
        #[arg(long)]
        unified: bool,
        /// Build kustomizations platc does not build itself with BIN (default: kustomize,
        /// else kubectl, on PATH).
        #[arg(long, value_name = "BIN")]
        kustomize: Option<PathBuf>,
    },
    /// JSON schemas.
    Schemas {
        #[command(subcommand)]
        command: SchemasCommand,
    },
    /// Start a platform repository in DIR (default: the current folder): a small platform
    /// spec that builds and checks clean, `.platc.yaml`, pre-commit hooks, a CI workflow and
    /// `.gitignore`. Refuses to overwrite a file that exists.
    Init {
        /// The folder to scaffold (created if missing).
        #[arg(value_name = "DIR")]
        folder: Option<PathBuf>,
        /// The platform's name (default: the folder's name, made a DNS label).
        #[arg(long)]
        name: Option<String>,
    },
    /// Print a shell completion script (`platc completions bash > /etc/bash_completion.d/platc`).
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print platc's man page (roff: `platc man > platc.1; man ./platc.1`).
    Man,
    /// Kustomize, built in process: `platc kustomize build DIR` prints what `kustomize build
    /// DIR` prints, byte for byte.
    Kustomize {
        #[command(subcommand)]
        command: KustomizeCommand,
    },
    /// The Argo CD Config Management Plugin's own files.
    Cmp {
        #[command(subcommand)]
        command: CmpCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum KustomizeCommand {
    /// Print the build of the kustomization in DIR on standard output exactly as `kustomize
    /// build DIR` (kustomize 5, or `kubectl kustomize DIR`) does: same bytes, objects in
    /// kustomize's legacy order. platc builds it in process; what it does not build
    /// (remote bases, Helm charts, plugins, fields it does not model, and builds kustomize
    /// refuses) is built by kustomize, else kubectl, on PATH (--verbose says why), whose
    /// output and error text are passed on. Exit codes: 0 built, 1 the build failed
    /// (kustomize's own error, as kustomize exits), 2 DIR is not a folder, no kustomize to
    /// fall back to, or --no-fallback and the build needs kustomize (the error names what).
    Build {
        /// The folder holding the kustomization (relative to the current folder, or -C).
        #[arg(value_name = "DIR", default_value = ".")]
        folder: PathBuf,
        /// Never run kustomize: fail (exit 2), naming the field or case platc does not build.
        #[arg(long)]
        no_fallback: bool,
        /// The kustomize to fall back to (`kustomize` or `kubectl`; default: whichever is on
        /// PATH).
        #[arg(long, value_name = "BIN")]
        kustomize: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CmpCommand {
    /// Print the ConfigManagementPlugin the repo-server sidecar reads
    /// (`/home/argocd/cmp-server/config/plugin.yaml`).
    PluginYaml,
    /// The plugin's discovery, run by Argo CD in an Application's folder: prints the marker
    /// `overlays/.platc` when the repository is one platc builds, nothing otherwise.
    Discover,
}

/// `platc --version`: the package version and the commit it was built from; the long form
/// (`--version`) adds the Kubernetes versions whose schemas are embedded.
pub fn version() -> (String, String) {
    let commit = env!("PLATC_COMMIT");
    let short = format!(
        "{} (commit {})",
        env!("CARGO_PKG_VERSION"),
        commit.get(..12).unwrap_or(commit)
    );
    let versions: Vec<&str> = crate::schema::core::versions().collect();
    let long = format!("{short}\nKubernetes schemas: {}", versions.join(" "));
    (short, long)
}

/// The command line with its version strings, for parsing and for the generated completions
/// and man page.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let (short, long) = version();
    Cli::command().version(short).long_version(long)
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Also read schemas from DIR: CRD YAML files, or JSON schemas in the kubeconform or
    /// CRDs-catalog layouts. Repeatable.
    #[arg(long = "schemas", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// A kind with no schema is an error instead of information.
    #[arg(long)]
    pub strict_missing: bool,
    /// Build kustomizations with BIN (`kustomize` or `kubectl`; default: whichever is on PATH).
    #[arg(long, value_name = "BIN")]
    pub kustomize: Option<PathBuf>,
    /// Validate the raw files only; do not build kustomizations.
    #[arg(long)]
    pub no_build: bool,
    /// Fetch remote bases, resources and Helm charts when building (offline, a kustomization
    /// that needs one is not built and gets an info finding).
    #[arg(long)]
    pub network: bool,
}

#[derive(Debug, Subcommand)]
pub enum SchemasCommand {
    /// Print the JSON schema of the platform spec (what schemas/platform.schema.json holds).
    Spec,
    /// Print the JSON schema of `.platc.yaml` (what schemas/platc-config.schema.json holds).
    Config,
    /// Turn CustomResourceDefinitions into JSON schemas, one per served version
    /// (`kubectl get crd -o yaml | platc schemas import -`).
    Import {
        /// A CRD file, a folder of them, or - for standard input.
        source: String,
        /// Where to write the schemas, relative to the repository root.
        #[arg(long, default_value = "schemas/crds")]
        out: PathBuf,
    },
}
