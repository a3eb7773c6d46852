//! What each command does, on top of the library.

/// `error: MESSAGE` on standard error, with no control character from a file name or value
/// (a name holding a newline or an escape must not forge log lines).
macro_rules! print_error {
    ($($arg:tt)*) => {
        eprintln!(
            "error: {}",
            crate::report::escape_control_in_message(&format!($($arg)*))
        )
    };
}

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::cli::{Cli, CmpCommand, Command, FailOn, KustomizeCommand, SchemaArgs, SchemasCommand};
use crate::compile::{self, OUT_DIR};
use crate::repo::RootMark;
use crate::report::{Finding, Format, Report, Severity};
use crate::rules::catalogue::Check;
use crate::source::Sources;
use crate::spec;
use crate::tree;

/// Exit codes.
pub const CLEAN: i32 = 0;
pub const FINDINGS: i32 = 1;
pub const USAGE: i32 = 2;

struct Context {
    /// The repository root (absolute).
    root: PathBuf,
    /// The folder paths on the command line are relative to: the current one, or `-C DIR`.
    start: PathBuf,
    /// `--config FILE`, relative to `start`.
    config: Option<PathBuf>,
    kubernetes_version: Option<String>,
    format: Format,
    fail_on: Severity,
    quiet: bool,
    verbose: bool,
    spec_file: String,
    started: Instant,
}

impl Context {
    /// Say something only `--verbose` asked for (on standard error: never in a report).
    fn note(&self, message: impl std::fmt::Display) {
        if self.verbose {
            eprintln!("platc: {message}");
        }
    }
}

/// Where platc runs: the folder paths are relative to and the repository root.
fn locate(global: &crate::cli::Global) -> Result<(PathBuf, PathBuf, RootMark), String> {
    let given = global.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    if !given.is_dir() {
        return Err(format!("`{}` is not a folder", given.display()));
    }
    let start = std::path::absolute(&given)
        .map_err(|e| format!("cannot resolve `{}`: {e}", given.display()))?;
    if global.dir.is_some() {
        return Ok((start.clone(), start, RootMark::Given));
    }
    let (root, mark) = crate::repo::find_root(&start, &global.spec);
    Ok((start, root, mark))
}

pub fn run(cli: Cli) -> i32 {
    let (start, root, mark) = match locate(&cli.global) {
        Ok(place) => place,
        Err(e) => {
            print_error!("{e}");
            return USAGE;
        }
    };
    let cx = Context {
        root,
        start,
        config: cli.global.config.clone(),
        kubernetes_version: cli.global.kubernetes_version.clone(),
        format: cli.global.format,
        fail_on: match cli.global.fail_on {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
        },
        quiet: cli.global.quiet,
        verbose: cli.global.verbose,
        spec_file: cli.global.spec.clone(),
        started: Instant::now(),
    };
    cx.note(format_args!(
        "repository root: {} ({})",
        cx.root.display(),
        match &mark {
            RootMark::Given => "given with -C".to_string(),
            RootMark::Holds(entry) => format!("it holds {entry}"),
            RootMark::Fallback => {
                "the current folder: no .git, .platc.yaml or platform spec above it".to_string()
            }
        }
    ));
    if cx.format == Format::Markdown && !matches!(cli.command, Command::Diff { .. }) {
        print_error!("`--format markdown` is for `platc diff` only");
        return USAGE;
    }
    match cli.command {
        Command::Diff {
            path,
            base,
            unified,
            kustomize,
        } => diff(&cx, path.as_deref(), base, unified, kustomize),
        Command::Build { check } => build(&cx, check),
        Command::Check { paths, schemas } => check_all(&cx, &paths, &schemas),
        Command::Validate { paths, schemas } => validate(&cx, &paths, &schemas),
        Command::Lint { paths, schemas } => lint(&cx, &paths, &schemas),
        // Argo CD runs the plugin in the Application's folder: it finds its own root.
        Command::Generate { kustomize } => generate(&cx, kustomize.as_deref()),
        Command::Rules { all } => listing(&cx, || rules_listing(cx.format, all)),
        Command::Explain { rule } => match crate::rules::catalogue::find(&rule) {
            Some(entry) => listing(&cx, || explain_text(&entry, cx.format)),
            None => {
                let hint = crate::rules::catalogue::suggestion(&rule)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                eprintln!(
                    "error: platc has no rule `{rule}`{hint}; `platc rules --all` lists them"
                );
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
        Command::Schemas {
            command: SchemasCommand::Config,
        } => {
            print!("{}", config_schema());
            CLEAN
        }
        Command::Init { folder, name } => init(&cx, folder.as_deref(), name),
        Command::Completions { shell } => {
            let mut command = crate::cli::command();
            clap_complete::generate(shell, &mut command, "platc", &mut std::io::stdout());
            CLEAN
        }
        Command::Man => man_page(),
        Command::Kustomize {
            command:
                KustomizeCommand::Build {
                    folder,
                    no_fallback,
                    kustomize,
                },
        } => kustomize_build(&cx, &folder, no_fallback, kustomize.as_deref()),
        Command::Cmp {
            command: CmpCommand::PluginYaml,
        } => {
            print!("{}", crate::cmp::plugin::plugin_yaml());
            CLEAN
        }
        // Argo CD's discovery: any output claims the Application, none leaves it to the
        // other tools (an error would be logged for every Application of every repository).
        Command::Cmp {
            command: CmpCommand::Discover,
        } => {
            let source_path = std::env::var("ARGOCD_APP_SOURCE_PATH").unwrap_or_default();
            if crate::cmp::plugin::claims(&cx.start, &source_path) {
                println!("{}", crate::cmp::plugin::MARKER);
            }
            CLEAN
        }
    }
}

/// `platc kustomize build DIR`: the build printed as kustomize prints it, in process when
/// platc can, else by kustomize (its stdout, stderr and failure passed on, a credential in
/// its error redacted).
fn kustomize_build(cx: &Context, dir: &Path, no_fallback: bool, kustomize: Option<&Path>) -> i32 {
    use std::io::Write;
    let folder = cx.start.join(dir);
    let Ok(folder) = folder.canonicalize().and_then(|f| {
        f.is_dir()
            .then_some(f)
            .ok_or_else(|| std::io::Error::other("not a folder"))
    }) else {
        print_error!("`{}` is not a folder", dir.display());
        return USAGE;
    };
    // kustomize reads bases anywhere on disk: outside a repository, the whole file system
    // is the root the build may read from.
    let root = match crate::repo::find_root(&folder, &cx.spec_file) {
        (root, crate::repo::RootMark::Holds(_)) => root,
        _ => folder.ancestors().last().unwrap_or(&folder).to_path_buf(),
    };
    let rel = folder
        .strip_prefix(&root)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let version = match cx.kubernetes_version.as_deref() {
        Some(v) => match crate::schema::core::pick(v) {
            Ok(v) => v,
            Err(e) => {
                print_error!("{e}");
                return USAGE;
            }
        },
        None => crate::schema::core::newest(),
    };
    let registry = crate::schema::registry::Registry::new(crate::schema::core::Core::load(version));
    let ks = crate::kustomize::Kustomizations::read(&root, &rel);
    let printed = crate::kustomize::print::build(&root, &ks, &registry, &rel);
    let why = match printed {
        Ok(out) => {
            // A closed pipe (`| head`) is not an error of the build.
            let _ = std::io::stdout().lock().write_all(out.as_bytes());
            return CLEAN;
        }
        Err(why) => why,
    };
    if no_fallback {
        print_error!(
            "platc does not build `{}` in process: {why} (without --no-fallback, kustomize builds it)",
            dir.display()
        );
        return USAGE;
    }
    let Some(bin) = crate::validate::build::Kustomize::find(kustomize) else {
        print_error!(
            "platc does not build `{}` in process ({why}), and neither kustomize nor kubectl is on PATH (install one, or name it with --kustomize BIN)",
            dir.display()
        );
        return USAGE;
    };
    cx.note(format_args!(
        "building `{}` with {}: platc does not build it in process: {why}",
        dir.display(),
        bin.name()
    ));
    let output = match bin.command(&folder).output() {
        Ok(output) => output,
        Err(e) => {
            print_error!("cannot run {}: {e}", bin.name());
            return USAGE;
        }
    };
    let _ = std::io::stdout().lock().write_all(&output.stdout);
    if output.status.success() {
        return CLEAN;
    }
    // kustomize may quote the line it failed on: never pass a credential along.
    eprint!(
        "{}",
        crate::secrets::redact::redact_credentials(&String::from_utf8_lossy(&output.stderr))
    );
    FINDINGS
}

/// `platc man`: the man page, from the same clap definitions as `--help`.
fn man_page() -> i32 {
    let mut page = Vec::new();
    if let Err(e) = clap_mangen::Man::new(crate::cli::command()).render(&mut page) {
        print_error!("cannot render the man page: {e}");
        return USAGE;
    }
    use std::io::Write as _;
    match std::io::stdout().write_all(&page) {
        Ok(()) => CLEAN,
        Err(e) => {
            print_error!("cannot write the man page: {e}");
            USAGE
        }
    }
}

/// The JSON schema of `.platc.yaml`, pretty-printed with a trailing newline.
pub fn config_schema() -> String {
    let schema = schemars::schema_for!(crate::config::Config);
    let mut text = serde_json::to_string_pretty(&schema).expect("schema serializes");
    text.push('\n');
    text
}

/// `platc init [DIR]`: scaffold a platform repository, never overwriting a file.
fn init(cx: &Context, dir: Option<&Path>, name: Option<String>) -> i32 {
    let dir = cx.start.join(dir.unwrap_or(Path::new(".")));
    let dir = std::path::absolute(&dir).unwrap_or(dir);
    if dir.exists() && !dir.is_dir() {
        print_error!("`{}` is not a folder", dir.display());
        return USAGE;
    }
    let name = name.unwrap_or_else(|| crate::init::name_from(&dir));
    if crate::spec::params::check_dns_label(&name).is_err() {
        eprintln!(
            "error: `{name}` is not a DNS label (lower-case letters, digits and `-`, at most 63): name the platform with --name"
        );
        return USAGE;
    }
    let repo_url = crate::init::origin_url(&dir)
        .unwrap_or_else(|| format!("https://git.example.org/{name}/platform.git"));
    let opts = crate::init::Options {
        dir: dir.clone(),
        name,
        repo_url,
        spec_schema: spec_schema(),
        config_schema: config_schema(),
    };
    match crate::init::scaffold(&opts) {
        Ok(written) => {
            if !cx.quiet {
                for path in &written {
                    println!("created {path}");
                }
                println!(
                    "next: set spec.repo.url in platform/platform.yaml to the URL Argo CD clones, then `platc build && platc check` in {}",
                    dir.display()
                );
            }
            CLEAN
        }
        Err(e) => {
            print_error!("{e}");
            USAGE
        }
    }
}

/// Print a listing in the human or JSON format (the others are for findings).
fn listing(cx: &Context, text: impl FnOnce() -> String) -> i32 {
    if !matches!(cx.format, Format::Human | Format::Json) {
        print_error!("this command prints `--format human` or `--format json` only");
        return USAGE;
    }
    print!("{}", text());
    CLEAN
}

/// `platc explain ID`: the docs, or `{"id", "check", "severity", "summary", "docs"}`.
pub fn explain_text(entry: &crate::rules::catalogue::Entry, format: Format) -> String {
    if format != Format::Json {
        return entry.text();
    }
    let value = serde_json::json!({
        "id": entry.id,
        "check": entry.check.as_str(),
        "severity": entry.severity,
        "summary": entry.summary,
        "docs": entry.text(),
    });
    let mut out = serde_json::to_string_pretty(&value).expect("docs serialize");
    out.push('\n');
    out
}

/// Every path argument as a root-relative path; a path that does not exist or lies outside
/// the repository is a usage error (a typo in a CI script must not pass the gate).
fn resolve(cx: &Context, paths: &[String]) -> Result<Vec<String>, i32> {
    let mut out = Vec::with_capacity(paths.len());
    let mut failed = false;
    for arg in paths {
        match crate::repo::relative_to_root(&cx.start, &cx.root, arg) {
            Ok(rel) => out.push(rel),
            Err(e) => {
                print_error!("{e}");
                failed = true;
            }
        }
    }
    if failed {
        return Err(USAGE);
    }
    // The root itself means the whole repository.
    if out.iter().any(String::is_empty) {
        out.clear();
    }
    Ok(out)
}

/// After a run over files: explicit paths that yielded nothing are a usage error, and a run
/// over the whole repository that read nothing says so.
fn nothing_read(cx: &Context, paths: &[String], files: usize, what: &str) -> Option<i32> {
    if files > 0 {
        return None;
    }
    if paths.is_empty() {
        eprintln!(
            "warning: no {what} under `{}`: nothing was checked",
            cx.root.display()
        );
        return None;
    }
    eprintln!(
        "error: no {what} in `{}`: nothing was checked",
        paths.join("`, `")
    );
    Some(USAGE)
}

/// Path arguments that hold none of the files a command reads are a usage error, named:
/// with several paths, one typo must not hide behind the others.
fn paths_without_files(empty: &[String], what: &str) -> Option<i32> {
    if empty.is_empty() {
        return None;
    }
    eprintln!(
        "error: no {what} in `{}`: nothing there was checked",
        empty.join("`, `")
    );
    Some(USAGE)
}

/// With `--verbose`: how many folders were built in process and by kustomize, and why
/// platc left each of the others to kustomize.
fn note_builds(cx: &Context, built_by: &[(String, crate::validate::build::BuiltBy)]) {
    use crate::validate::build::BuiltBy;
    if built_by.is_empty() {
        return;
    }
    let count = |f: &dyn Fn(&BuiltBy) -> bool| built_by.iter().filter(|(_, by)| f(by)).count();
    let in_process = count(&|by| *by == BuiltBy::InProcess);
    let asked = count(&|by| matches!(by, BuiltBy::Binary { why: None, .. }));
    let declined = built_by.len() - in_process - asked;
    let mut summary = format!(
        "kustomize builds: {in_process} of {} in process",
        built_by.len()
    );
    if declined > 0 {
        summary.push_str(&format!(
            ", {declined} by kustomize where platc does not build"
        ));
    }
    if asked > 0 {
        summary.push_str(&format!(", {asked} by the binary --kustomize names"));
    }
    cx.note(summary);
    for (dir, by) in built_by {
        if let BuiltBy::Binary {
            name,
            why: Some(why),
        } = by
        {
            let dir = if dir.is_empty() { "." } else { dir };
            cx.note(format_args!(
                "  {dir}: built by {name}: platc does not build {why}"
            ));
        }
    }
}

/// Under the summary: the files found but not checked, and why (each unreadable one also
/// has its finding).
fn print_skipped(cx: &Context, skipped: &[(String, usize)]) {
    if skipped.is_empty() || cx.quiet || cx.format != Format::Human {
        return;
    }
    let total: usize = skipped.iter().map(|s| s.1).sum();
    let why: Vec<String> = skipped.iter().map(|(r, n)| format!("{n} {r}")).collect();
    println!(
        "{total} YAML file{} skipped: {}",
        if total == 1 { "" } else { "s" },
        why.join(", ")
    );
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
        &cx.start,
        |k| std::env::var(k).ok(),
        cx.kubernetes_version.clone(),
    ) {
        Ok(r) => r,
        Err(e) => {
            print_error!("{e}");
            return USAGE;
        }
    };
    match cmp::generate(&request, &cx.spec_file, kustomize) {
        Ok(manifests) => {
            print!("{manifests}");
            CLEAN
        }
        Err(Refusal::Input(e)) => {
            print_error!("{e}");
            USAGE
        }
        Err(Refusal::Findings(findings, sources)) => {
            eprintln!("platc: not rendering {}:", request.describe());
            let mut report = Report {
                findings,
                sources: &sources,
                files: 1,
                objects: 0,
                binary_files_not_scanned: 0,
                large_files_not_scanned: 0,
                elapsed: cx.started.elapsed(),
                fail_on: cx.fail_on,
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
    print_report_counts(cx, findings, sources, (files, objects, (0, 0)));
}

/// The report, with its counts: files, objects, and files of history not scanned (binary,
/// over the read limit).
fn print_report_counts(
    cx: &Context,
    findings: Vec<Finding>,
    sources: &Sources,
    (files, objects, (binary_files_not_scanned, large_files_not_scanned)): (
        usize,
        usize,
        (usize, usize),
    ),
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
        binary_files_not_scanned,
        large_files_not_scanned,
        elapsed: cx.started.elapsed(),
        fail_on: cx.fail_on,
    };
    report.sort();
    report.redact();
    let color = cx.format == Format::Human
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    if cx.quiet && report.findings.is_empty() && cx.format == Format::Human {
        // Quiet says nothing of a clean run, but a run that left files out is not clean.
        eprint!("{}", report.not_scanned());
        return;
    }
    print!("{}", report.render(cx.format, color));
}

/// Put the repository's limits in force, held to the ceiling the environment sets
/// (`PLATC_MAX_*`; none unless set: on a developer's laptop or in CI the repository is the
/// user's own), with a warning for each value the ceiling lowered; or say what is wrong with
/// a ceiling (exit code 2).
fn install_limits(limits: crate::limits::Limits) -> Result<(), i32> {
    let ceiling = crate::limits::Ceiling::from_env(
        |k| std::env::var(k).ok(),
        crate::limits::Ceiling::default(),
    )
    .map_err(|e| {
        print_error!("{e}");
        USAGE
    })?;
    for warning in crate::limits::install(limits, &ceiling) {
        eprintln!("warning: {warning}");
    }
    Ok(())
}

/// Load and compile, or print why not (exit code 2).
fn load_and_compile(cx: &Context, sources: &mut Sources) -> Result<(spec::Spec, tree::Tree), i32> {
    // The settings come first: their limits bound the spec's reading and the compiler.
    let file = cx.config.as_ref().map(|f| cx.start.join(f));
    let settings =
        crate::config::load_from(&cx.root, file.as_deref(), sources).map_err(|findings| {
            print_report(cx, findings, sources, 1);
            USAGE
        })?;
    install_limits(settings.config.limits)?;
    let spec = spec::load(&cx.root, &cx.spec_file, sources).map_err(|e| {
        print_report(cx, e.findings, sources, sources.len());
        USAGE
    })?;
    let tree = compile::compile(&spec).map_err(|findings| {
        compile::blueprint::add_sources(&cx.root, &findings, sources);
        print_report(cx, findings, sources, sources.len());
        USAGE
    })?;
    // Nothing is written or compared while the output would carry a credential, judged as
    // `platc secrets` judges the files it comes from (excludes, baseline, platc:allow).
    let baseline = cx.root.join(crate::secrets::baseline::DEFAULT_FILE);
    let accepted = crate::secrets::baseline::read(&baseline).map_err(|e| {
        print_error!("{e}");
        USAGE
    })?;
    let leaks = crate::secrets::scan_generated(&tree, &cx.root, &settings, &accepted);
    let leaks = tree.at_sources(&cx.root, leaks);
    if !leaks.is_empty() {
        print_report(cx, leaks, &Sources::default(), tree.len());
        return Err(FINDINGS);
    }
    Ok((spec, tree))
}

fn build(cx: &Context, check: bool) -> i32 {
    let mut sources = Sources::default();
    let (spec, tree) = match load_and_compile(cx, &mut sources) {
        Ok(v) => v,
        Err(code) => return code,
    };
    // Practices the spec should change (production on HEAD): said, never blocking.
    let warnings = spec.warnings;
    let warned = exit_for(cx, &warnings) != CLEAN;
    if check {
        let drifts = tree::check(&cx.root, OUT_DIR, &tree);
        let mut findings = tree::drift_findings(&drifts, &tree);
        let failed = !findings.is_empty() || warned;
        findings.extend(warnings);
        if !findings.is_empty() || cx.format != Format::Human {
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
    if !warnings.is_empty() {
        print_report(cx, warnings, &sources, tree.len());
    }
    // What the write changes, per environment (read before it, for the summary).
    let changes = (!cx.quiet).then(|| {
        let envs = crate::diff::summary::environments(OUT_DIR, tree.files().keys());
        crate::diff::summary::lines(OUT_DIR, &envs, &tree::check(&cx.root, OUT_DIR, &tree))
    });
    match tree::write(&cx.root, OUT_DIR, &tree) {
        Ok(stats) => {
            if stats.interrupted > 0 {
                eprintln!(
                    "warning: {OUT_DIR}/ held {} temporary file(s) of an interrupted build (removed); the tree is now rewritten whole",
                    stats.interrupted
                );
            }
            if !cx.quiet {
                eprintln!(
                    "{OUT_DIR}/: {} written, {} unchanged, {} deleted in {} ms",
                    stats.written,
                    stats.unchanged,
                    stats.deleted,
                    cx.started.elapsed().as_millis()
                );
            }
            for line in changes.iter().flatten() {
                eprintln!("  {line}");
            }
            if warned { FINDINGS } else { CLEAN }
        }
        Err(e) => {
            print_error!("{e}");
            USAGE
        }
    }
}

fn validate_options(cx: &Context, schemas: &SchemaArgs) -> crate::validate::Options {
    crate::validate::Options {
        kubernetes_version: cx.kubernetes_version.clone(),
        // Typed relative to the current folder, like every path argument.
        schema_dirs: schemas.dirs.iter().map(|d| cx.start.join(d)).collect(),
        strict_missing: schemas.strict_missing,
        kustomize: schemas.kustomize.clone(),
        no_build: schemas.no_build,
        network: schemas.network,
        schemas: true,
        lint: false,
        secrets: false,
    }
}

fn exit_for(cx: &Context, findings: &[Finding]) -> i32 {
    if findings.iter().any(|f| f.severity >= cx.fail_on) {
        FINDINGS
    } else {
        CLEAN
    }
}

/// The settings (`.platc.yaml` or `--config`), with the named paths exempt from excludes;
/// or why they cannot be read (already reported: exit 2).
fn settings(
    cx: &Context,
    sources: &mut Sources,
    named: &[String],
) -> Result<crate::config::Settings, i32> {
    let file = cx.config.as_ref().map(|f| cx.start.join(f));
    let mut settings =
        crate::config::load_from(&cx.root, file.as_deref(), sources).map_err(|findings| {
            print_report(cx, findings, sources, 1);
            USAGE
        })?;
    install_limits(settings.config.limits)?;
    if settings.found {
        cx.note(format_args!("settings: {}", settings.file));
    } else {
        cx.note(format_args!(
            "settings: none ({} not found): the defaults",
            settings.file
        ));
    }
    for path in named {
        let is_dir = cx.root.join(path).is_dir();
        if let Some(pattern) = settings.pattern_excluding(path, is_dir) {
            cx.note(format_args!(
                "`{path}` is excluded by `{pattern}` in {}, but checked: it was named on the command line",
                settings.file
            ));
        }
    }
    settings.name_paths(named);
    Ok(settings)
}

/// `platc rules`: id, default severity and summary of every lint rule (with `all`, of
/// every id), as a table or a JSON list.
pub fn rules_listing(format: Format, all: bool) -> String {
    let entries: Vec<_> = crate::rules::catalogue::entries()
        .filter(|e| all || e.check == Check::Lint)
        .collect();
    if format == Format::Json {
        let list: Vec<serde_json::Value> = entries
            .iter()
            .map(|e| {
                serde_json::json!({
                    "id": e.id,
                    "check": e.check.as_str(),
                    "severity": e.severity,
                    "summary": e.summary,
                })
            })
            .collect();
        let mut out = serde_json::to_string_pretty(&list).expect("rules serialize");
        out.push('\n');
        return out;
    }
    let mut out = String::new();
    for e in entries {
        out.push_str(&format!(
            "{:<34} {:<8} {}\n",
            e.id,
            e.severity.as_str(),
            e.summary
        ));
    }
    out
}

/// `platc rules` as a table.
pub fn rules_table() -> String {
    rules_listing(Format::Human, false)
}

fn lint(cx: &Context, paths: &[String], schemas: &SchemaArgs) -> i32 {
    let mut opts = validate_options(cx, schemas);
    opts.schemas = false;
    opts.lint = true;
    run_objects(cx, paths, &opts, &[Check::Files, Check::Lint])
}

fn validate(cx: &Context, paths: &[String], schemas: &SchemaArgs) -> i32 {
    run_objects(
        cx,
        paths,
        &validate_options(cx, schemas),
        &[Check::Files, Check::Schema],
    )
}

fn run_objects(
    cx: &Context,
    paths: &[String],
    opts: &crate::validate::Options,
    ran: &[Check],
) -> i32 {
    let paths = match resolve(cx, paths) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut sources = Sources::default();
    let settings = match settings(cx, &mut sources, &paths) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match crate::validate::validate(&cx.root, &paths, opts, &settings) {
        Ok(outcome) => {
            if let Some(code) = nothing_read(cx, &paths, outcome.files, "YAML files") {
                return code;
            }
            if let Some(code) = paths_without_files(&outcome.empty_paths, "YAML files") {
                return code;
            }
            let findings =
                crate::policy::apply(outcome.findings, &settings, &crate::policy::today(), ran);
            let code = exit_for(cx, &findings);
            print_report_objects(
                cx,
                findings,
                &outcome.sources,
                outcome.files,
                outcome.objects,
            );
            print_skipped(cx, &outcome.skipped);
            note_builds(cx, &outcome.built_by);
            code
        }
        Err(e) => {
            print_error!("{e}");
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
            print_error!("cannot read standard input: {e}");
            return USAGE;
        }
        vec![("-".into(), text)]
    } else {
        // Typed relative to the current folder (DIR with -C), like every path argument.
        let path = &cx.start.join(source);
        if !path.exists() {
            print_error!("`{source}` does not exist");
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
        match crate::schema::import::from_named(&name, &text) {
            Ok(list) => imported.extend(list),
            Err(e) => {
                print_error!("{e}");
                return USAGE;
            }
        }
    }
    if imported.is_empty() {
        print_error!("no CustomResourceDefinition found in `{source}`");
        return USAGE;
    }
    let out_dir = cx.root.join(out);
    for schema in &imported {
        if let Err(e) =
            crate::tree::write_if_changed(&out_dir.join(&schema.path), schema.text.as_bytes())
        {
            print_error!("{e}");
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
        eprintln!("{}", crate::schema::import::summary(&imported));
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
    if (staged || history) && !paths.is_empty() {
        eprintln!(
            "error: --staged and --history scan git's objects, not paths: drop `{}`",
            paths.join(" ")
        );
        return USAGE;
    }
    if paths == ["-"] {
        use std::io::Read;
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            print_error!("cannot read standard input: {e}");
            return USAGE;
        }
        let findings = crate::secrets::scan_named("-", &text);
        let code = exit_for(cx, &findings);
        print_report(cx, findings, &sources, 1);
        return code;
    }
    let paths = match resolve(cx, paths) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let settings = match settings(cx, &mut sources, &paths) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let outcome = if staged {
        crate::secrets::scan_staged(&cx.root, &settings)
    } else if history {
        crate::secrets::scan_history(&cx.root, since, &settings)
    } else {
        Ok(crate::secrets::scan_tree(&cx.root, &paths, &settings))
    };
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            print_error!("{e}");
            return USAGE;
        }
    };
    if !staged
        && !history
        && let Some(code) = nothing_read(cx, &paths, outcome.files, "files")
    {
        return code;
    }
    let (baseline_file, write_baseline) = baseline;
    let baseline_path = cx.root.join(baseline_file);
    if write_baseline {
        // Files left unread have no fingerprint: nothing of theirs is accepted.
        let fingerprints: std::collections::BTreeSet<String> = outcome
            .fingerprints
            .iter()
            .filter(|f| !f.is_empty())
            .cloned()
            .collect();
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
                print_error!("{e}");
                USAGE
            }
        };
    }
    let accepted = match crate::secrets::baseline::read(&baseline_path) {
        Ok(a) => a,
        Err(e) => {
            print_error!("{e}");
            return USAGE;
        }
    };
    let mut outcome = outcome.without_baseline(&accepted);
    outcome.findings = crate::policy::apply(
        outcome.findings,
        &settings,
        &crate::policy::today(),
        &[Check::Secrets],
    );
    let code = exit_for(cx, &outcome.findings);
    // No source snippets: the source line would show the credential.
    print_report_counts(
        cx,
        outcome.findings,
        &Sources::default(),
        (
            outcome.files,
            0,
            (outcome.binaries_skipped, outcome.large_skipped),
        ),
    );
    code
}

fn check_all(cx: &Context, paths: &[String], schemas: &SchemaArgs) -> i32 {
    let paths = match resolve(cx, paths) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut sources = Sources::default();
    let mut findings = Vec::new();
    let mut files = 0;
    let mut objects = 0;
    let mut ran = vec![Check::Files, Check::Schema, Check::Lint, Check::Secrets];
    let mut generated = tree::Tree::default();
    if cx.root.join(&cx.spec_file).is_file() {
        let (spec, tree) = match load_and_compile(cx, &mut sources) {
            Ok(v) => v,
            Err(code) => return code,
        };
        findings.extend(spec.warnings);
        findings.extend(tree::drift_findings(
            &tree::check(&cx.root, OUT_DIR, &tree),
            &tree,
        ));
        ran.push(Check::Build);
        generated = tree;
    } else {
        cx.note(format_args!(
            "no {} under the root: build --check skipped",
            cx.spec_file
        ));
    }
    let settings = match settings(cx, &mut sources, &paths) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // A corrupt baseline is an error here as in `platc secrets`: ignoring it would report
    // every accepted finding again, or hide that the file is broken.
    let accepted =
        match crate::secrets::baseline::read(&cx.root.join(crate::secrets::baseline::DEFAULT_FILE))
        {
            Ok(a) => a,
            Err(e) => {
                print_error!("{e}");
                return USAGE;
            }
        };
    let mut opts = validate_options(cx, schemas);
    opts.lint = true;
    // One read of each YAML file: validate scans it for credentials as it parses it, and
    // the secret scan of the tree reads only the files validate did not.
    opts.secrets = true;
    // The secret scan's walk runs beside validate, on a core validate leaves idle while it
    // walks, loads schemas or runs the repository-wide rules; unless a build may write into
    // the tree (kustomize pulls `helmCharts` into the repository), which it must then see
    // whole, every run alike.
    let validate = || crate::validate::validate(&cx.root, &paths, &opts, &settings);
    let list = || crate::secrets::list_tree(&cx.root, &paths, &settings);
    let builds_may_write = !opts.no_build && crate::kustomize::needs::Allowed::helm_on_path();
    let (validated, listed) = if builds_may_write {
        let validated = validate();
        (validated, list())
    } else {
        rayon::join(validate, list)
    };
    let (skipped, mut without_yaml, scanned, built_by) = match validated {
        Ok(outcome) => {
            findings.extend(outcome.findings);
            files += outcome.files;
            objects += outcome.objects;
            sources.append(outcome.sources);
            (
                outcome.skipped,
                outcome.empty_paths,
                outcome.scanned,
                outcome.built_by,
            )
        }
        Err(e) => {
            print_error!("{e}");
            return USAGE;
        }
    };
    let secrets =
        crate::secrets::scan_listed(&cx.root, listed, scanned).without_baseline(&accepted);
    if let Some(code) = nothing_read(cx, &paths, files + secrets.files, "files") {
        return code;
    }
    // A path with no YAML is still checked when the secret scan reads files there.
    without_yaml.retain(|p| {
        crate::secrets::scan_tree(&cx.root, std::slice::from_ref(p), &settings).files == 0
    });
    if let Some(code) = paths_without_files(&without_yaml, "files") {
        return code;
    }
    // A YAML file neither check could read is said once, by validate.
    let unread: std::collections::HashSet<Option<String>> = findings
        .iter()
        .filter(|f| f.rule == "io/unreadable")
        .map(|f| f.file.clone())
        .collect();
    findings.extend(
        secrets
            .findings
            .into_iter()
            .filter(|f| f.rule != "io/unreadable" || !unread.contains(&f.file)),
    );
    let findings = crate::policy::apply(findings, &settings, &crate::policy::today(), &ran);
    let findings = generated.at_sources(&cx.root, findings);
    let code = exit_for(cx, &findings);
    print_report_objects(cx, findings, &sources, files, objects);
    print_skipped(cx, &skipped);
    note_builds(cx, &built_by);
    code
}

/// `platc import`: write a spec reproducing the repository's Argo CD Applications.
fn import_argocd(cx: &Context, dir: Option<&Path>, out: &str, force: bool) -> i32 {
    let root = dir.map_or_else(|| cx.root.clone(), |d| cx.root.join(d));
    if !root.is_dir() {
        print_error!("`{}` is not a folder", root.display());
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
            print_error!("{e}");
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

/// `platc diff`: the changes per Application, exit code 0 (none), 1 (some) or 2 (error).
fn diff(
    cx: &Context,
    path: Option<&str>,
    base: Option<String>,
    unified: bool,
    kustomize: Option<PathBuf>,
) -> i32 {
    let path = match path {
        Some(p) => match resolve(cx, &[p.to_string()]) {
            Ok(mut paths) => paths.pop(),
            Err(code) => return code,
        },
        None => None,
    };
    let mut sources = Sources::default();
    let settings = match settings(cx, &mut sources, &[]) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let opts = crate::diff::Options {
        base,
        path,
        unified,
        spec_file: cx.spec_file.clone(),
        repo_urls: settings.config.repo_urls.clone(),
        kustomize,
    };
    if !matches!(cx.format, Format::Human | Format::Json | Format::Markdown) {
        print_error!("`platc diff` prints `--format text`, `markdown` or `json`");
        return USAGE;
    }
    let diff = match crate::diff::run(&cx.root, &opts) {
        Ok(d) => d,
        Err(e) => {
            print_error!("{e}");
            return USAGE;
        }
    };
    if !cx.quiet {
        eprintln!(
            "platc diff: the work tree against {} ({}), {}",
            diff.base.name,
            crate::diff::side::short(&diff.base.commit),
            diff.base.why
        );
        for note in &diff.notes {
            cx.note(note);
        }
    }
    for file in &diff.unread {
        eprintln!(
            "warning: {}",
            crate::report::escape_control_in_message(file)
        );
    }
    let out = match cx.format {
        Format::Json => crate::diff::json(&diff),
        Format::Markdown => crate::diff::markdown::render(&diff),
        Format::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            crate::diff::text::render(&diff, color)
        }
        _ => unreachable!("checked above"),
    };
    print!("{out}");
    if diff.has_errors() {
        print_error!("some Applications could not be rendered: their diff is incomplete");
        USAGE
    } else if diff.is_empty() {
        CLEAN
    } else {
        FINDINGS
    }
}
