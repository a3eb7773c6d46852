//! What git holds: the blobs a commit would add (`--staged`) and the lines every commit
//! added (`--history`). Read with git itself, never from the work tree.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

fn git(root: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .current_dir(root)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "git {} failed: {}",
            args.first().unwrap_or(&""),
            err.lines().next().unwrap_or("")
        ));
    }
    Ok(out.stdout)
}

/// Paths a commit would add or change, with their staged contents.
pub fn staged(root: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let names = git(
        root,
        &[
            "diff",
            "--cached",
            "--name-only",
            "--diff-filter=ACMR",
            "-z",
        ],
    )?;
    let paths: Vec<String> = names
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    // `:path` names the index entry.
    let specs: Vec<String> = paths.iter().map(|p| format!(":{p}")).collect();
    let blobs = blobs(root, &specs)?;
    Ok(paths
        .into_iter()
        .zip(blobs)
        .filter_map(|(p, b)| b.map(|b| (p, b)))
        .collect())
}

/// The blobs named by revision specs (`:path`, `commit:path`), read with one
/// `git cat-file --batch`; None where a spec names no blob.
pub fn blobs(root: &Path, specs: &[String]) -> Result<Vec<Option<Vec<u8>>>, String> {
    if specs.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = Command::new("git")
        .current_dir(root)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let requests: String = specs.iter().map(|p| format!("{p}\n")).collect();
    let writer = std::thread::spawn(move || stdin.write_all(requests.as_bytes()));
    let mut out = Vec::new();
    child
        .stdout
        .take()
        .expect("piped stdout")
        .read_to_end(&mut out)
        .map_err(|e| e.to_string())?;
    let _ = writer.join();
    child.wait().map_err(|e| e.to_string())?;
    let mut blobs = Vec::with_capacity(specs.len());
    let mut at = 0;
    for _ in specs {
        let Some(nl) = out[at..].iter().position(|b| *b == b'\n') else {
            break;
        };
        let header = String::from_utf8_lossy(&out[at..at + nl]).into_owned();
        at += nl + 1;
        let mut fields = header.split(' ');
        let (_, kind, size) = (fields.next(), fields.next(), fields.next());
        // "<spec> missing" has no size.
        let Some(size) = size.and_then(|s| s.parse::<usize>().ok()) else {
            blobs.push(None);
            continue;
        };
        blobs.push((kind == Some("blob")).then(|| out[at..at + size].to_vec()));
        at += size + 1;
    }
    Ok(blobs)
}

/// Files at `rev` whose text holds `needle` (nothing for an empty repository).
pub fn files_containing(root: &Path, rev: &str, needle: &str) -> Vec<String> {
    git(
        root,
        &["grep", "-l", "-F", "-I", "-z", "-e", needle, rev, "--"],
    )
    .map(|out| {
        out.split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| {
                let p = String::from_utf8_lossy(p);
                // `git grep REV` prefixes each path with `REV:`.
                p.strip_prefix(&format!("{rev}:")).unwrap_or(&p).to_string()
            })
            .collect()
    })
    .unwrap_or_default()
}

/// The lines one commit added to one file, with their line numbers in that commit.
pub struct Added {
    pub commit: String,
    pub path: String,
    pub lines: Vec<(u32, String)>,
}

/// Lines added by every commit reachable from HEAD (after `since`, when given).
pub fn history(root: &Path, since: Option<&str>) -> Result<Vec<Added>, String> {
    let range = since.map(|s| format!("{s}..HEAD"));
    let mut args = vec![
        "log",
        "-p",
        "--unified=0",
        "--no-color",
        "--no-renames",
        "--no-ext-diff",
        "--format=%x00%H",
    ];
    if let Some(r) = &range {
        args.push(r);
    }
    // A repository without a commit has no history: nothing was ever added.
    // (Outside a repository, `git log` below says so.)
    if since.is_none()
        && git(root, &["rev-parse", "--git-dir"]).is_ok()
        && git(root, &["rev-parse", "--verify", "--quiet", "HEAD"]).is_err()
    {
        return Ok(Vec::new());
    }
    let out = git(root, &args)?;
    let text = String::from_utf8_lossy(&out);
    let mut all: Vec<Added> = Vec::new();
    let mut commit = String::new();
    let mut current: Option<Added> = None;
    let mut next_line = 0u32;
    let flush = |current: &mut Option<Added>, all: &mut Vec<Added>| {
        if let Some(a) = current.take().filter(|a| !a.lines.is_empty()) {
            all.push(a);
        }
    };
    for line in text.lines() {
        if let Some(sha) = line.strip_prefix('\0') {
            flush(&mut current, &mut all);
            commit = sha.trim().to_string();
        } else if line.starts_with("diff --git ") {
            flush(&mut current, &mut all);
        } else if let Some(path) = line.strip_prefix("+++ ") {
            current = path.strip_prefix("b/").map(|p| Added {
                commit: commit.clone(),
                path: p.to_string(),
                lines: Vec::new(),
            });
        } else if let Some(hunk) = line.strip_prefix("@@ ") {
            // @@ -a,b +c,d @@
            next_line = hunk
                .split(' ')
                .find_map(|p| p.strip_prefix('+'))
                .and_then(|p| p.split(',').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(1);
        } else if let Some(added) = line.strip_prefix('+')
            && let Some(a) = current.as_mut()
        {
            a.lines.push((next_line, added.to_string()));
            next_line += 1;
        }
    }
    flush(&mut current, &mut all);
    Ok(all)
}
