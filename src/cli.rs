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
    /// Run as if started in DIR (the repository root).
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// How to print findings.
    #[arg(long, global = true, value_enum, default_value = "human")]
    pub format: Format,
    /// The lowest severity that makes the exit code 1.
    #[arg(long, global = true, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Print findings only, no progress or summary lines.
    #[arg(long, short, global = true)]
    pub quiet: bool,
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
    /// Run every check a CI gate or pre-commit hook needs (today: build --check).
    Check,
    /// JSON schemas.
    Schemas {
        #[command(subcommand)]
        command: SchemasCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum SchemasCommand {
    /// Print the JSON schema of the platform spec (what schemas/platform.schema.json holds).
    Spec,
}
