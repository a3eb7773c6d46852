//! What each command does, on top of the library.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::cli::{Cli, Command, FailOn, SchemaArgs, SchemasCommand};
use crate::compile::{self, OUT_DIR};
use crate::report::{Finding, Format, Report, Severity};
use crate::source::Sources;
use crate::spec;
use crate::tree;

/// Exit codes.
pub const CLEAN: i32 = 0;
pub const FINDINGS: i32 = 1;
pub const USAGE: i32 = 2;

struct Context {
    root: PathBuf,
    kubernetes_version: Option<String>,
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
        kubernetes_version: cli.global.kubernetes_version.clone(),
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
        Command::Check { paths, schemas } => check_all(&cx, &paths, &schemas),
        Command::Validate { paths, schemas } => validate(&cx, &paths, &schemas),
        Command::Lint { paths, schemas } => lint(&cx, &paths, &schemas),
        Command::Generate { kustomize } => generate(&cx, kustomize.as_deref()),
        Command::Rules => {
            print!("{}", rules_table());
            CLEAN
        }
        Command::Explain { rule } => match crate::rules::find(&rule) {
            Some(r) => {
                print!("{}", r.docs);
                CLEAN
            }
            None => {
                let ids: Vec<&str> = crate::rules::RULES.iter().map(|r| r.id).collect();
                let hint = crate::suggest::did_you_mean(&rule, ids.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                eprintln!("error: no rule `{rule}`{hint}; `platc rules` lists them");
                USAGE
            }
        },
        Command::Secrets {
            paths,
            staged,
            history,
            since,
            baseline,
            write_baseline,
        } => secrets(
            &cx,
            &paths,
            staged,
            history,
            since.as_deref(),
            (&baseline, write_baseline),
        ),
        Command::Import { repo, out, force } => import_argocd(&cx, repo.as_deref(), &out, force),
        Command::Schemas {
            command: SchemasCommand::Spec,
        } => {
            print!("{}", spec_schema());
            CLEAN
        }
        Command::Schemas {
            command: SchemasCommand::Import { source, out },
        } => import(&cx, &source, &out),
    }
}

/// The JSON schema of the platform spec, pretty-printed with a trailing newline.
pub fn spec_schema() -> String {
    let schema = schemars::schema_for!(spec::Platform);
    let mut text = serde_json::to_string_pretty(&schema).expect("schema serializes");
    text.push('\n');
    text
}

/// `platc generate`: manifests on stdout, or the refusal on stderr.
fn generate(cx: &Context, kustomize: Option<&Path>) -> i32 {
    use crate::cmp::{self, Refusal};
    let request = match cmp::Request::new(
        &cx.root,
        |k| std::env::var(k).ok(),
        cx.kubernetes_version.clone(),
    ) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return USAGE;
        }
    };
    match cmp::generate(&request, &cx.spec_file, kustomize) {
        Ok(manifests) => {
            print!("{manifests}");
            CLEAN
        }
        Err(Refusal::Input(e)) => {
            eprintln!("error: {e}");
            USAGE
        }
        Err(Refusal::Findings(findings, sources)) => {
            let mut report = Report {
                findings,
                sources: &sources,
                files: 1,
                objects: 0,
                elapsed: cx.started.elapsed(),
            };
            report.sort();
            eprint!("{}", report.render(cx.format, false));
            FINDINGS
        }
    }
}

fn print_report(cx: &Context, findings: Vec<Finding>, sources: &Sources, files: usize) {
    print_report_objects(cx, findings, sources, files, 0);
}

fn print_report_objects(
    cx: &Context,
    findings: Vec<Finding>,
    sources: &Sources,
    files: usize,
    objects: usize,
) {
    let mut findings = findings;
    if cx.quiet && cx.format == Format::Human {
        findings.retain(|f| f.severity != Severity::Info);
    }
    let mut report = Report {
        findings,
        sources,
        files,
        objects,
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
    // Nothing is written or compared while the output would carry a credential.
    let leaks = crate::secrets::scan_generated(&tree);
    if !leaks.is_empty() {
        print_report(cx, leaks, &Sources::default(), tree.len());
        return Err(FINDINGS);
    }
    Ok((spec, tree))
}

fn build(cx: &Context, check: bool) -> i32 {
    let mut sources = Sources::default();
    let (_spec, tree) = match load_and_compile(cx, &mut sources) {
        Ok(v) => v,
        Err(code) => return code,
    };
    if check {
        let drifts = tree::check(&cx.root, OUT_DIR, &tree);
        let findings = tree::drift_findings(&drifts);
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

fn validate_options(cx: &Context, schemas: &SchemaArgs) -> crate::validate::Options {
    crate::validate::Options {
        kubernetes_version: cx.kubernetes_version.clone(),
        schema_dirs: schemas.dirs.clone(),
        strict_missing: schemas.strict_missing,
        kustomize: schemas.kustomize.clone(),
        no_build: schemas.no_build,
        schemas: true,
        lint: false,
    }
}

fn exit_for(cx: &Context, findings: &[Finding]) -> i32 {
    if findings.iter().any(|f| f.severity >= cx.fail_on) {
        FINDINGS
    } else {
        CLEAN
    }
}

/// `.platc.yaml`, or why it cannot be read (already reported: exit 2).
fn settings(cx: &Context, sources: &mut Sources) -> Result<crate::config::Settings, i32> {
    crate::config::load(&cx.root, sources).map_err(|findings| {
        print_report(cx, findings, sources, 1);
        USAGE
    })
}

/// `platc rules`: id, default severity and summary of every rule.
pub fn rules_table() -> String {
    let mut out = String::new();
    for r in crate::rules::RULES {
        out.push_str(&format!(
            "{:<34} {:<8} {}\n",
            r.id,
            r.severity.as_str(),
            r.summary
        ));
    }
    out
}

fn lint(cx: &Context, paths: &[String], schemas: &SchemaArgs) -> i32 {
    let mut opts = validate_options(cx, schemas);
    opts.schemas = false;
    opts.lint = true;
    run_objects(cx, paths, &opts)
}

fn validate(cx: &Context, paths: &[String], schemas: &SchemaArgs) -> i32 {
    run_objects(cx, paths, &validate_options(cx, schemas))
}

fn run_objects(cx: &Context, paths: &[String], opts: &crate::validate::Options) -> i32 {
    let mut sources = Sources::default();
    let settings = match settings(cx, &mut sources) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match crate::validate::validate(&cx.root, paths, opts, &settings) {
        Ok(outcome) => {
            let findings =
                crate::policy::apply(outcome.findings, &settings, &crate::policy::today());
            let code = exit_for(cx, &findings);
            print_report_objects(
                cx,
                findings,
                &outcome.sources,
                outcome.files,
                outcome.objects,
            );
            code
        }
        Err(e) => {
            eprintln!("error: {e}");
            USAGE
        }
    }
}

fn import(cx: &Context, source: &str, out: &Path) -> i32 {
    use std::io::Read;
    let mut imported = Vec::new();
    let texts: Vec<(String, String)> = if source == "-" {
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            eprintln!("error: cannot read standard input: {e}");
            return USAGE;
        }
        vec![("-".into(), text)]
    } else {
        let path = Path::new(source);
        if !path.exists() {
            eprintln!("error: `{source}` does not exist");
            return USAGE;
        }
        crate::schema::import::yaml_files(path)
            .into_iter()
            .filter_map(|p| {
                std::fs::read_to_string(&p)
                    .ok()
                    .map(|t| (p.display().to_string(), t))
            })
            .collect()
    };
    for (name, text) in texts {
        match crate::schema::import::from_text(&text) {
            Ok(list) => imported.extend(list),
            Err(e) => {
                eprintln!("error: {name}: {e}");
                return USAGE;
            }
        }
    }
    if imported.is_empty() {
        eprintln!("error: no CustomResourceDefinition found in `{source}`");
        return USAGE;
    }
    let out_dir = cx.root.join(out);
    for schema in &imported {
        if let Err(e) =
            crate::tree::write_if_changed(&out_dir.join(&schema.path), schema.text.as_bytes())
        {
            eprintln!("error: {e}");
            return USAGE;
        }
        if !cx.quiet {
            eprintln!(
                "{} {} -> {}",
                schema.api_version,
                schema.kind,
                out.join(&schema.path).display()
            );
        }
    }
    if !cx.quiet {
        eprintln!(
            "imported {} schema{}",
            imported.len(),
            if imported.len() == 1 { "" } else { "s" }
        );
    }
    CLEAN
}

fn secrets(
    cx: &Context,
    paths: &[String],
    staged: bool,
    history: bool,
    since: Option<&str>,
    baseline: (&Path, bool),
) -> i32 {
    let mut sources = Sources::default();
    if paths == ["-"] {
        use std::io::Read;
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            eprintln!("error: cannot read standard input: {e}");
            return USAGE;
        }
        let findings = crate::secrets::scan_named("-", &text);
        let code = exit_for(cx, &findings);
        print_report(cx, findings, &sources, 1);
        return code;
    }
    let settings = match settings(cx, &mut sources) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let outcome = if staged {
        crate::secrets::scan_staged(&cx.root, &settings)
    } else if history {
        crate::secrets::scan_history(&cx.root, since, &settings)
    } else {
        Ok(crate::secrets::scan_tree(&cx.root, paths, &settings))
    };
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return USAGE;
        }
    };
    let (baseline_file, write_baseline) = baseline;
    let baseline_path = cx.root.join(baseline_file);
    if write_baseline {
        let fingerprints = outcome.fingerprints.iter().cloned().collect();
        return match crate::secrets::baseline::write(&baseline_path, &fingerprints) {
            Ok(()) => {
                if !cx.quiet {
                    eprintln!(
                        "{}: {} finding{} accepted",
                        baseline_file.display(),
                        fingerprints.len(),
                        if fingerprints.len() == 1 { "" } else { "s" }
                    );
                }
                CLEAN
            }
            Err(e) => {
                eprintln!("error: {e}");
                USAGE
            }
        };
    }
    let accepted = match crate::secrets::baseline::read(&baseline_path) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return USAGE;
        }
    };
    let mut outcome = outcome.without_baseline(&accepted);
    outcome.findings = crate::policy::apply(outcome.findings, &settings, &crate::policy::today());
    let code = exit_for(cx, &outcome.findings);
    // No source snippets: the source line would show the credential.
    print_report(cx, outcome.findings, &Sources::default(), outcome.files);
    code
}

fn check_all(cx: &Context, paths: &[String], schemas: &SchemaArgs) -> i32 {
    let mut sources = Sources::default();
    let mut findings = Vec::new();
    let mut files = 0;
    let mut objects = 0;
    if Path::new(&cx.root).join(&cx.spec_file).is_file() {
        let (_spec, tree) = match load_and_compile(cx, &mut sources) {
            Ok(v) => v,
            Err(code) => return code,
        };
        findings.extend(tree::drift_findings(&tree::check(&cx.root, OUT_DIR, &tree)));
    }
    let settings = match settings(cx, &mut sources) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut opts = validate_options(cx, schemas);
    opts.lint = true;
    match crate::validate::validate(&cx.root, paths, &opts, &settings) {
        Ok(outcome) => {
            findings.extend(outcome.findings);
            files += outcome.files;
            objects += outcome.objects;
            for (path, text) in outcome.sources.iter() {
                sources.insert(path.clone(), text.clone());
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            return USAGE;
        }
    }
    let accepted =
        crate::secrets::baseline::read(&cx.root.join(crate::secrets::baseline::DEFAULT_FILE))
            .unwrap_or_default();
    let secrets = crate::secrets::scan_tree(&cx.root, paths, &settings).without_baseline(&accepted);
    findings.extend(secrets.findings);
    let findings = crate::policy::apply(findings, &settings, &crate::policy::today());
    let code = exit_for(cx, &findings);
    print_report_objects(cx, findings, &sources, files, objects);
    code
}

/// `platc import`: write a spec reproducing the repository's Argo CD Applications.
fn import_argocd(cx: &Context, dir: Option<&Path>, out: &str, force: bool) -> i32 {
    let root = dir.map_or_else(|| cx.root.clone(), |d| cx.root.join(d));
    if !root.is_dir() {
        eprintln!("error: `{}` is not a folder", root.display());
        return USAGE;
    }
    let out = out.trim_matches('/');
    if out.is_empty()
        || out.split('/').any(|p| p == ".." || p == ".")
        || Path::new(out).is_absolute()
    {
        eprintln!(
            "error: --out `{out}` must be a folder inside the repository, such as `platform`"
        );
        return USAGE;
    }
    let report = match crate::import::import(&root, out, force) {
        Ok(r) => r,
        Err(crate::import::ImportError::Exists(file)) => {
            eprintln!(
                "error: {file} already exists: pass --force to overwrite it, or choose another --out"
            );
            return USAGE;
        }
        Err(crate::import::ImportError::Input(e)) => {
            eprintln!("error: {e}");
            return USAGE;
        }
    };
    for (env, kind, name, at, reason) in &report.passthrough {
        println!("passthrough [{env}] {kind} {name} ({at}): {reason}");
    }
    if !cx.quiet {
        println!(
            "found {} Applications, {} ApplicationSets, {} AppProjects, {} charts, {} Kustomize folders, {} plain folders; {} passthrough",
            report.applications,
            report.application_sets,
            report.app_projects,
            report.charts,
            report.kustomize_folders,
            report.plain_folders,
            report.passthrough.len()
        );
        println!(
            "environments: {}; {} Applications reproduced exactly by the spec (checked against platc build)",
            report.environments.join(", "),
            report.reproduced
        );
        if report.unreached + report.nested > 0 {
            println!(
                "left alone: {} objects no root syncs, {} synced by an inner app-of-apps",
                report.unreached, report.nested
            );
        }
        for (r, differences) in &report.roots {
            println!("root {r}: point it at overlays/<env> once the build matches");
            for d in differences {
                println!("  the generated root also differs at {d}");
            }
        }
        if let Some(spec) = report.written.last() {
            println!(
                "wrote {spec} and {} pass-through files",
                report.written.len() - 1
            );
        }
    }
    0
}
