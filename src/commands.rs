//! What each command does, on top of the library.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::cli::{Cli, Command, FailOn, SchemasCommand};
use crate::compile::{self, OUT_DIR};
use crate::report::{Finding, Format, Report, Severity};
use crate::source::Sources;
use crate::spec;
use crate::tree::{self, Drift};

/// Exit codes.
pub const CLEAN: i32 = 0;
pub const FINDINGS: i32 = 1;
pub const USAGE: i32 = 2;

struct Context {
    root: PathBuf,
    format: Format,
    fail_on: Severity,
    quiet: bool,
    spec_file: String,
    started: Instant,
}

pub fn run(cli: Cli) -> i32 {
    let root = match &cli.global.dir {
        Some(d) => d.clone(),
        None => PathBuf::from("."),
    };
    if !root.is_dir() {
        eprintln!("error: `{}` is not a folder", root.display());
        return USAGE;
    }
    let cx = Context {
        root,
        format: cli.global.format,
        fail_on: match cli.global.fail_on {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
        },
        quiet: cli.global.quiet,
        spec_file: cli.global.spec.clone(),
        started: Instant::now(),
    };
    match cli.command {
        Command::Build { check } => build(&cx, check),
        Command::Check => check_all(&cx),
        Command::Schemas {
            command: SchemasCommand::Spec,
        } => {
            print!("{}", spec_schema());
            CLEAN
        }
    }
}

/// The JSON schema of the platform spec, pretty-printed with a trailing newline.
pub fn spec_schema() -> String {
    let schema = schemars::schema_for!(spec::Platform);
    let mut text = serde_json::to_string_pretty(&schema).expect("schema serializes");
    text.push('\n');
    text
}

fn print_report(cx: &Context, findings: Vec<Finding>, sources: &Sources, files: usize) {
    let mut report = Report {
        findings,
        sources,
        files,
        objects: 0,
        elapsed: cx.started.elapsed(),
    };
    report.sort();
    let color = cx.format == Format::Human
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    if cx.quiet && report.findings.is_empty() && cx.format == Format::Human {
        return;
    }
    print!("{}", report.render(cx.format, color));
}

/// Load and compile, or print why not (exit code 2).
fn load_and_compile(cx: &Context, sources: &mut Sources) -> Result<(spec::Spec, tree::Tree), i32> {
    let spec = spec::load(&cx.root, &cx.spec_file, sources).map_err(|e| {
        print_report(cx, e.findings, sources, sources.len());
        USAGE
    })?;
    let tree = compile::compile(&spec).map_err(|findings| {
        print_report(cx, findings, sources, sources.len());
        USAGE
    })?;
    Ok((spec, tree))
}

fn drift_findings(drifts: &[Drift]) -> Vec<Finding> {
    drifts
        .iter()
        .map(|d| {
            let rule = match d {
                Drift::Missing(_) => "build/missing",
                Drift::Stale(_) => "build/stale",
                Drift::HandEdited(_) => "build/hand-edited",
                Drift::Orphaned(_) => "build/orphaned",
                Drift::Foreign(_) => "build/foreign",
            };
            let help = match d {
                Drift::HandEdited(_) => {
                    "change the spec instead, then run `platc build` (it overwrites hand edits)"
                }
                Drift::Foreign(_) => "move the file out of the generated tree",
                _ => "run `platc build` and commit the result",
            };
            Finding::error(rule, d.describe())
                .at(d.path(), None)
                .with_help(help)
        })
        .collect()
}

fn build(cx: &Context, check: bool) -> i32 {
    let mut sources = Sources::default();
    let (_spec, tree) = match load_and_compile(cx, &mut sources) {
        Ok(v) => v,
        Err(code) => return code,
    };
    if check {
        let drifts = tree::check(&cx.root, OUT_DIR, &tree);
        let findings = drift_findings(&drifts);
        let failed = !findings.is_empty();
        if failed || cx.format != Format::Human {
            print_report(cx, findings, &sources, tree.len());
        } else if !cx.quiet {
            eprintln!(
                "{OUT_DIR}/ is current: {} files checked in {} ms",
                tree.len(),
                cx.started.elapsed().as_millis()
            );
        }
        return if failed { FINDINGS } else { CLEAN };
    }
    match tree::write(&cx.root, OUT_DIR, &tree) {
        Ok(stats) => {
            if !cx.quiet {
                eprintln!(
                    "{OUT_DIR}/: {} written, {} unchanged, {} deleted in {} ms",
                    stats.written,
                    stats.unchanged,
                    stats.deleted,
                    cx.started.elapsed().as_millis()
                );
            }
            CLEAN
        }
        Err(e) => {
            eprintln!("error: {e}");
            USAGE
        }
    }
}

fn check_all(cx: &Context) -> i32 {
    let mut sources = Sources::default();
    let mut findings = Vec::new();
    let mut files = 0;
    if Path::new(&cx.root).join(&cx.spec_file).is_file() {
        let (_spec, tree) = match load_and_compile(cx, &mut sources) {
            Ok(v) => v,
            Err(code) => return code,
        };
        findings.extend(drift_findings(&tree::check(&cx.root, OUT_DIR, &tree)));
        files += tree.len();
    }
    let failed = findings.iter().any(|f| f.severity >= cx.fail_on);
    print_report(cx, findings, &sources, files);
    if failed { FINDINGS } else { CLEAN }
}
