//! `platc secrets`: credentials in the repository, found before they are committed. A
//! credential's value is never printed, logged or reported: only a redacted form.

pub mod baseline;
mod command_line;
mod filters;
pub mod git;
mod hashes;
mod history_blobs;
mod kubernetes;
mod read;
pub mod redact;
mod rules;
pub mod scan;
mod weak;

use std::path::Path;

use rayon::prelude::*;

use crate::config::Settings;
use crate::report::{Finding, Severity};
use crate::validate::read::{Unreadable, io_reason};
pub use scan::Hit;

/// What a scan found.
pub struct Outcome {
    pub findings: Vec<Finding>,
    /// The fingerprint of each finding, in the same order (for baselines).
    pub fingerprints: Vec<String>,
    pub files: usize,
    pub bytes: u64,
    /// Binary files of history that were not scanned (`--history`), by path.
    pub binaries_skipped: usize,
    /// Files of history over the read limit that were not scanned (`--history`), by path.
    pub large_skipped: usize,
}

/// The finding for a hit in `file`: where, which kind of credential, and its redacted form.
pub fn finding(file: &str, hit: &Hit) -> Finding {
    let at = Some(crate::yaml::Pos {
        line: hit.line,
        col: hit.column,
    });
    match hit.rule {
        "committed-secret" => {
            // The object's name, not a value: quoted unless it reads as a credential itself.
            let name = hit.secret.rsplit('/').next().unwrap_or("");
            Finding::new(
                "secrets/committed-secret",
                Severity::Warning,
                format!(
                    "{}: Secret `{}` (anyone who can read the repository can read its values)",
                    hit.description,
                    redact::quotable("name", name)
                ),
            )
            .at(file, at)
            .with_help(
                "keep the Secret out of git: commit a SealedSecret (kubeseal), an ExternalSecret or a Vault agent template that references a secret store, or encrypt the file with SOPS; if its values are placeholders filled in at deploy time, say so with `# platc:allow secrets/committed-secret`",
            )
        }
        "password-hash" => Finding::new(
            "secrets/password-hash",
            Severity::Warning,
            format!("{}: {}", hit.description, redact::redact(&hit.secret)),
        )
        .at(file, at)
        .with_help(
            "a hash gives the password away to anyone who tries words against it offline (fast hashes in seconds): keep it in a secret store like the password itself, and change the password if it is weak; if it is not a real account's, add `# platc:allow secrets/password-hash` on the line",
        ),
        "weak-password" => Finding::error(
            "secrets/weak-password",
            format!(
                "{} under `{}`: {} (anyone can guess it, no need to read the repository)",
                hit.description,
                hit.key.as_deref().unwrap_or("password"),
                redact::redact(&hit.secret)
            ),
        )
        .at(file, at)
        .with_help(
            "generate a long random password (`openssl rand -base64 24`) and keep it in a secret store (an ExternalSecret, VaultSecret or SealedSecret references it), then change the one in use; if no service ever runs with this value (a test fixture), add `# platc:allow secrets/weak-password` on the line",
        ),
        _ => Finding::error(
            format!("secrets/{}", hit.rule),
            format!("{}: {}", hit.description, redact::redact(&hit.secret)),
        )
        .at(file, at)
        .with_help(format!(
            "remove it and rotate it: it is compromised once pushed. Keep it in a secret store (an ExternalSecret, VaultSecret or SealedSecret references it), or, if it is not a credential, add `# platc:allow secrets/{}` on the line",
            hit.rule
        )),
    }
}

/// Whether a hit is a credential (or a hash of one), not the policy finding on a Secret.
pub fn is_credential(hit: &Hit) -> bool {
    hit.rule != "committed-secret"
}

/// Scan text read from somewhere other than a file (standard input, rendered manifests):
/// its credentials and password hashes. A Secret in it is not committed, so it gets no
/// `committed-secret`.
pub fn scan_named(name: &str, text: &str) -> Vec<Finding> {
    scan::scan(name, text)
        .iter()
        .filter(|h| is_credential(h))
        .map(|h| finding(name, h))
        .collect()
}

/// Findings with their baseline fingerprints.
fn fingerprinted(name: &str, hits: Vec<Hit>) -> Vec<(Finding, String)> {
    hits.iter()
        .map(|h| {
            let f = finding(name, h);
            let fp = baseline::fingerprint(&f.rule, name, &h.secret);
            (f, fp)
        })
        .collect()
}

impl Outcome {
    fn from_pairs(pairs: Vec<(Finding, String)>, files: usize, bytes: u64) -> Outcome {
        let (findings, fingerprints) = pairs.into_iter().unzip();
        Outcome {
            findings,
            fingerprints,
            files,
            bytes,
            binaries_skipped: 0,
            large_skipped: 0,
        }
    }

    /// Leave out the findings a baseline accepts.
    pub fn without_baseline(self, accepted: &std::collections::BTreeSet<String>) -> Outcome {
        let (findings, fingerprints) = self
            .findings
            .into_iter()
            .zip(self.fingerprints)
            .filter(|(_, fp)| !accepted.contains(fp))
            .unzip();
        Outcome {
            findings,
            fingerprints,
            ..self
        }
    }
}

/// What a commit would add: the staged blobs of added and changed files.
pub fn scan_staged(root: &Path, settings: &Settings) -> Result<Outcome, String> {
    let blobs = git::staged(root)?;
    let blobs: Vec<(String, Vec<u8>)> = blobs
        .into_iter()
        .filter(|(p, _)| !settings.is_excluded_from_secrets(p))
        .collect();
    let bytes = blobs.iter().map(|(_, b)| b.len() as u64).sum();
    // Every blob, binary or not: what a commit adds is scanned as bytes.
    let pairs = blobs
        .par_iter()
        .flat_map_iter(|(path, b)| fingerprinted(path, read::scan_bytes(path, b)))
        .collect();
    Ok(Outcome::from_pairs(pairs, blobs.len(), bytes))
}

/// Every line every commit added (since `since`): a key committed and later deleted is still
/// a leak.
pub fn scan_history(
    root: &Path,
    since: Option<&str>,
    settings: &Settings,
) -> Result<Outcome, String> {
    let added = git::history(root, since)?;
    let added: Vec<git::Added> = added
        .into_iter()
        .filter(|a| !settings.is_excluded_from_secrets(&a.path))
        .collect();
    let bytes: u64 = added
        .iter()
        .flat_map(|a| a.lines.iter())
        .map(|(_, l)| l.len() as u64 + 1)
        .sum();
    let files = added.len();
    let mut pairs: Vec<(Finding, String)> = added
        .par_iter()
        .flat_map_iter(|a| {
            // The added lines, scanned as one text; hits map back to their line numbers.
            let text = a
                .lines
                .iter()
                .map(|(_, l)| l.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            scan::scan(&a.path, &text).into_iter().map(move |h| {
                let mut hit = h.clone();
                hit.line = a.lines.get(h.line as usize - 1).map_or(h.line, |(n, _)| *n);
                history_finding(&a.commit, &a.path, &hit)
            })
        })
        .collect();
    pairs.extend(secret_objects_in_history(root, &added, &pairs)?);
    let blobs = history_blobs::scan(root, since, settings)?;
    pairs.extend(blobs.pairs);
    let mut outcome = Outcome::from_pairs(pairs, files + blobs.files, bytes + blobs.bytes);
    outcome.binaries_skipped = blobs.binaries.len();
    outcome.large_skipped = blobs.too_large.len();
    Ok(outcome)
}

/// A finding for a credential a commit added.
fn history_finding(commit: &str, path: &str, hit: &Hit) -> (Finding, String) {
    let mut f = finding(path, hit);
    let fp = baseline::fingerprint(&f.rule, path, &hit.secret);
    f.message = format!(
        "{} (added in commit {})",
        f.message,
        &commit[..commit.len().min(12)]
    );
    f.commit = Some(commit.to_string());
    (f, fp)
}

/// The values a commit added to a Kubernetes Secret. An added line `password: aHVudGVyMg==`
/// says nothing alone: whether it is a Secret's data is in the rest of the file. Files that
/// hold `kind: Secret` (in a commit's added lines, or at HEAD) are read whole at each commit
/// that changed them, and the Secret values on that commit's added lines are reported.
fn secret_objects_in_history(
    root: &Path,
    added: &[git::Added],
    found: &[(Finding, String)],
) -> Result<Vec<(Finding, String)>, String> {
    let yaml = |p: &str| p.ends_with(".yaml") || p.ends_with(".yml") || p.ends_with(".json");
    let mut secret_files: std::collections::HashSet<String> = added
        .iter()
        .filter(|a| yaml(&a.path))
        .filter(|a| a.lines.iter().any(|(_, l)| l.contains("kind: Secret")))
        .map(|a| a.path.clone())
        .collect();
    secret_files.extend(git::files_containing(root, "HEAD", "kind: Secret"));
    let candidates: Vec<&git::Added> = added
        .iter()
        .filter(|a| yaml(&a.path) && secret_files.contains(&a.path))
        .collect();
    let specs: Vec<String> = candidates
        .iter()
        .map(|a| format!("{}:{}", a.commit, a.path))
        .collect();
    let blobs = git::blobs(root, &specs)?;
    let already: std::collections::HashSet<(Option<&str>, Option<&str>, Option<u32>)> = found
        .iter()
        .map(|(f, _)| (f.commit.as_deref(), f.file.as_deref(), f.line))
        .collect();
    let mut out = Vec::new();
    for (a, blob) in candidates.iter().zip(blobs) {
        let Some(blob) = blob else { continue };
        let text = String::from_utf8_lossy(&blob);
        let added_lines: std::collections::HashSet<u32> = a.lines.iter().map(|(n, _)| *n).collect();
        for hit in scan::scan_secret_objects(&text) {
            if added_lines.contains(&hit.line)
                && !already.contains(&(
                    Some(a.commit.as_str()),
                    Some(a.path.as_str()),
                    Some(hit.line),
                ))
            {
                out.push(history_finding(&a.commit, &a.path, &hit));
            }
        }
    }
    Ok(out)
}

/// The credentials the generated tree would carry, judged as `platc secrets` judges the files
/// they come from: a credential whose source file is excluded from the secret scan, whose
/// fingerprint (rule, source file, value) the baseline accepts, or that the source waives with
/// `platc:allow` is not a leak of the build either. A credential the source does not hold as
/// such (a blueprint parameter rendered into a template) is always one.
pub fn scan_generated(
    tree: &crate::tree::Tree,
    root: &Path,
    settings: &Settings,
    accepted: &std::collections::BTreeSet<String>,
) -> Vec<Finding> {
    let files: Vec<(&String, &String)> = tree.files().iter().collect();
    let mut findings: Vec<Finding> = files
        .par_iter()
        .flat_map_iter(|(path, text)| {
            // What the build would write that is a credential: the policy findings (committed
            // Secrets, password hashes) are said where the sources are checked.
            let hits: Vec<Hit> = scan::scan(path, text)
                .into_iter()
                .filter(|h| is_credential(h) && h.rule != "password-hash")
                .collect();
            let source = tree.source_of(path).unwrap_or(path.as_str());
            // The source's own scan, read once per generated file that has hits.
            let source_hits = if hits.is_empty() {
                Vec::new()
            } else {
                let text = std::fs::read_to_string(root.join(source)).unwrap_or_default();
                let own: Vec<String> = scan::scan(source, &text)
                    .into_iter()
                    .map(|h| h.secret)
                    .collect();
                vec![(text, own)]
            };
            hits.into_iter().filter_map(move |h| {
                if settings.is_excluded_from_secrets(source)
                    || accepted.contains(&baseline::fingerprint(
                        &format!("secrets/{}", h.rule),
                        source,
                        &h.secret,
                    ))
                {
                    return None;
                }
                if let Some((text, own)) = source_hits.first()
                    && text.contains(h.secret.as_str())
                    && !own.contains(&h.secret)
                {
                    // Written in the source and waived there.
                    return None;
                }
                let mut f = finding(path, &h);
                f.message = format!("the generated file would hold a credential: {}", f.message);
                f.help = Some("move it out of the spec (values, patches, manifests, blueprint parameters) into a secret store, and reference it".into());
                Some(f)
            })
        })
        .collect();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

/// The finding of a file the scan could not read, the one validate gives (`io/unreadable`),
/// with no fingerprint: a baseline accepts credentials, not files left unread.
fn unreadable(rel: &str, why: &Unreadable) -> (Finding, String) {
    (why.finding(rel), String::new())
}

/// One file's scan made by another reader of the same bytes: `check` reads each YAML file
/// once, scanning it for credentials where it parses its objects.
pub struct Scanned {
    pairs: Vec<(Finding, String)>,
    bytes: u64,
}

/// Scans made by other readers, by repo-relative path.
pub type Prescanned = std::collections::HashMap<String, Scanned>;

/// The scan of a file's text, for a reader that decoded its bytes unchanged (UTF-8 without a
/// byte order mark): the same findings [`scan_tree`] would make reading the file itself.
pub fn scan_text(rel: &str, text: &str) -> Scanned {
    Scanned {
        pairs: fingerprinted(rel, scan::scan(rel, text)),
        bytes: text.len() as u64,
    }
}

/// Every text file under the given paths (repo-relative), honouring .gitignore and the
/// excludes of `.platc.yaml`.
pub fn scan_tree(root: &Path, paths: &[String], settings: &Settings) -> Outcome {
    scan_listed(root, list_tree(root, paths, settings), Prescanned::new())
}

/// The files a secret scan of `paths` reads, found by walking the tree (see [`scan_tree`]):
/// walked apart from the scan so that a caller can walk while it does other work.
pub struct Listed {
    /// Each file, repo-relative and sorted, with why it cannot be read when that is known
    /// before reading it.
    files: Vec<(String, Option<Unreadable>)>,
}

/// Walks `paths` (the root when empty) for the files [`scan_tree`] reads.
pub fn list_tree(root: &Path, paths: &[String], settings: &Settings) -> Listed {
    let starts: Vec<std::path::PathBuf> = if paths.is_empty() {
        vec![root.to_path_buf()]
    } else {
        paths.iter().map(|p| root.join(p)).collect()
    };
    let mut files: Vec<(String, Option<Unreadable>)> = Vec::new();
    for start in starts {
        // Dotfiles are scanned (.env, .npmrc, .netrc...); git's own folder is not entered.
        for entry in ignore::WalkBuilder::new(&start)
            .require_git(false)
            .hidden(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build()
            .flatten()
        {
            let p = entry.path();
            if !crate::confine::walked_file(&entry)
                || p.components().any(|c| c.as_os_str() == ".git")
            {
                continue;
            }
            let Ok(rel) = p.strip_prefix(root) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            if settings.is_excluded_from_secrets(&rel) {
                continue;
            }
            // A link is scanned where it leads only inside the repository: a link to a
            // file of the machine (`~/.aws/credentials`) is not the repository's content.
            // It is not read, and the report says so, as validate says it.
            let outside = entry
                .path_is_symlink()
                .then(|| crate::confine::within(root, p, &rel).err())
                .flatten()
                .map(|e| Unreadable::Io(e.to_string()));
            files.push((rel, outside));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files.dedup_by(|a, b| a.0 == b.0);
    Listed { files }
}

/// Scans the files of a [`list_tree`], taking the scans other readers already made of some
/// of them instead of reading them again.
pub fn scan_listed(root: &Path, listed: Listed, mut prescanned: Prescanned) -> Outcome {
    let files: Vec<(String, Option<Unreadable>, Option<Scanned>)> = listed
        .files
        .into_iter()
        .map(|(rel, outside)| {
            let done = prescanned.remove(&rel);
            (rel, outside, done)
        })
        .collect();
    let count = files.len();
    let results: Vec<(Vec<(Finding, String)>, u64)> = files
        .into_par_iter()
        .map(|(rel, outside, done)| {
            let rel = rel.as_str();
            if let Some(why) = outside {
                return (vec![unreadable(rel, &why)], 0);
            }
            if let Some(done) = done {
                return (done.pairs, done.bytes);
            }
            // Large files are streamed and binary ones read as bytes (invalid UTF-8 is
            // scanned with the bad bytes replaced): only what the system refuses to give is
            // left out, and it is reported.
            match read::scan_file(rel, &root.join(rel)) {
                Ok((hits, bytes)) => (fingerprinted(rel, hits), bytes),
                Err(e) => (vec![unreadable(rel, &Unreadable::Io(io_reason(&e)))], 0),
            }
        })
        .collect();
    let bytes = results.iter().map(|r| r.1).sum();
    Outcome::from_pairs(
        results.into_iter().flat_map(|r| r.0).collect(),
        count,
        bytes,
    )
}
