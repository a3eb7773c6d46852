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

/// An error that says what to do when `root` is not in a git repository (git's own message
/// for `git diff --cached` there is "unknown option `cached'").
fn require_repository(root: &Path, option: &str) -> Result<(), String> {
    let inside = Command::new("git")
        .current_dir(root)
        .args(["rev-parse", "--git-dir"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if inside.success() {
        Ok(())
    } else {
        Err(format!(
            "`{option}` reads git, and `{}` is not in a git repository: run it inside one, or scan files with `platc secrets PATH`",
            crate::report::escape_control(&root.display().to_string())
        ))
    }
}

/// Paths a commit would add or change, with their staged contents.
pub fn staged(root: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    require_repository(root, "--staged")?;
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
pub fn blobs(root: &Path, ids: &[String]) -> Result<Vec<Option<Vec<u8>>>, String> {
    let out = cat_file(root, "--batch", ids)?;
    let mut blobs = Vec::with_capacity(ids.len());
    let mut at = 0;
    for _ in ids {
        let Some(nl) = out[at..].iter().position(|b| *b == b'\n') else {
            break;
        };
        let header = Header::parse(&out[at..at + nl]);
        at += nl + 1;
        let Some(size) = header.size else {
            blobs.push(None);
            continue;
        };
        let size = size as usize;
        if at + size > out.len() {
            return Err("git cat-file: the output ends early".into());
        }
        blobs.push(header.blob.then(|| out[at..at + size].to_vec()));
        at += size + 1;
    }
    Ok(blobs)
}

/// The sizes of the blobs named by revision specs, read with one `git cat-file
/// --batch-check` (no content): None where a spec names no blob.
pub fn blob_sizes(root: &Path, ids: &[String]) -> Result<Vec<Option<u64>>, String> {
    let out = cat_file(root, "--batch-check", ids)?;
    let mut sizes: Vec<Option<u64>> = out
        .split(|b| *b == b'\n')
        .take(ids.len())
        .map(|line| {
            let h = Header::parse(line);
            h.size.filter(|_| h.blob)
        })
        .collect();
    if sizes.len() < ids.len() {
        return Err("git cat-file: the output ends early".into());
    }
    sizes.truncate(ids.len());
    Ok(sizes)
}

/// What `git cat-file` says of an object before its content: `<id> <type> <size>`, or
/// `<spec> missing` / `<spec> ambiguous` with no size.
struct Header {
    blob: bool,
    size: Option<u64>,
}

impl Header {
    fn parse(line: &[u8]) -> Header {
        let line = String::from_utf8_lossy(line);
        let mut fields = line.rsplitn(3, ' ');
        let size = fields.next().and_then(|s| s.parse::<u64>().ok());
        let kind = fields.next();
        Header {
            blob: size.is_some() && kind == Some("blob"),
            size,
        }
    }
}

/// All of `git cat-file MODE`'s output for `ids`.
fn cat_file(root: &Path, mode: &str, ids: &[String]) -> Result<Vec<u8>, String> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = Command::new("git")
        .current_dir(root)
        .args(["cat-file", mode])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("git cat-file: no input")?;
    let requests: String = ids.iter().map(|p| format!("{p}\n")).collect();
    // Written from another thread: git answers while it reads, and both pipes would fill.
    let writer = std::thread::spawn(move || stdin.write_all(requests.as_bytes()));
    let mut out = Vec::new();
    child
        .stdout
        .take()
        .ok_or("git cat-file: no output")?
        .read_to_end(&mut out)
        .map_err(|e| e.to_string())?;
    let _ = writer.join();
    child.wait().map_err(|e| e.to_string())?;
    Ok(out)
}

/// What [`BlobStream::read`] gave.
pub enum Fetched {
    /// The spec names no blob (a file the commit deleted, or its parent did not have).
    Missing,
    /// The first bytes said the rest is not wanted: it was read past, never held.
    Dropped,
    Whole(Vec<u8>),
}

/// One `git cat-file --batch` asked one blob at a time, so that a blob is looked at (its
/// first bytes) before it is held in memory.
pub struct BlobStream {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    out: std::io::BufReader<std::process::ChildStdout>,
}

impl BlobStream {
    pub fn open(root: &Path) -> Result<BlobStream, String> {
        let mut child = Command::new("git")
            .current_dir(root)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run git: {e}"))?;
        let stdin = child.stdin.take();
        let out = child.stdout.take().ok_or("git cat-file: no output")?;
        Ok(BlobStream {
            child,
            stdin,
            out: std::io::BufReader::new(out),
        })
    }

    /// The blob `spec` names: its first `head` bytes go to `wanted`, and only when it says
    /// yes is the rest read into memory. (One request at a time: git answers each before
    /// the next is written, so no pipe fills.)
    pub fn read(
        &mut self,
        spec: &str,
        head: usize,
        wanted: impl FnOnce(&[u8]) -> bool,
    ) -> Result<Fetched, String> {
        use std::io::BufRead;
        let broken = |e: std::io::Error| format!("git cat-file: {e}");
        let stdin = self.stdin.as_mut().ok_or("git cat-file: no input")?;
        stdin
            .write_all(format!("{spec}\n").as_bytes())
            .and_then(|()| stdin.flush())
            .map_err(broken)?;
        let mut line = Vec::new();
        self.out.read_until(b'\n', &mut line).map_err(broken)?;
        if !line.ends_with(b"\n") {
            return Err("git cat-file: the output ends early".into());
        }
        let header = Header::parse(&line[..line.len() - 1]);
        let Some(size) = header.size else {
            return Ok(Fetched::Missing);
        };
        let first = size.min(head as u64);
        let mut bytes = Vec::new();
        (&mut self.out)
            .take(first)
            .read_to_end(&mut bytes)
            .map_err(broken)?;
        let keep = header.blob && wanted(&bytes);
        let rest = size - bytes.len() as u64;
        let got = if keep {
            (&mut self.out)
                .take(rest)
                .read_to_end(&mut bytes)
                .map_err(broken)? as u64
        } else {
            std::io::copy(&mut (&mut self.out).take(rest), &mut std::io::sink()).map_err(broken)?
        };
        // The newline after the content.
        let mut nl = [0u8; 1];
        if got != rest || self.out.read_exact(&mut nl).is_err() {
            return Err("git cat-file: the output ends early".into());
        }
        Ok(match (header.blob, keep) {
            (false, _) => Fetched::Missing,
            (true, false) => Fetched::Dropped,
            (true, true) => Fetched::Whole(bytes),
        })
    }
}

impl Drop for BlobStream {
    fn drop(&mut self) {
        // Closing its input ends git.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
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
    require_repository(root, "--history")?;
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
    // Paths in patch headers are C-quoted when they hold anything unusual (`-z` does not
    // apply to them): `diff_path` reads every form back.
    let out = git(root, &args)?;
    let text = String::from_utf8_lossy(&out);
    let mut all: Vec<Added> = Vec::new();
    let mut commit = String::new();
    let mut current: Option<Added> = None;
    let mut next_line = 0u32;
    // Between `diff --git` and the first hunk: `+++ ` names the file there, and is an added
    // line `++ ...` anywhere else.
    let mut in_header = false;
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
            in_header = true;
        } else if in_header && let Some(path) = line.strip_prefix("+++ ") {
            current = diff_path(path).map(|p| Added {
                commit: commit.clone(),
                path: p,
                lines: Vec::new(),
            });
        } else if let Some(hunk) = line.strip_prefix("@@ ") {
            in_header = false;
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

/// The files each commit (after `since`) changed that git diffs as binary: a NUL in their
/// first 8000 bytes, or a `binary`/`-diff` attribute. `git log -p` shows none of their
/// content, so the history scan reads them whole. As (commit, path).
pub fn binary_changes(root: &Path, since: Option<&str>) -> Result<Vec<(String, String)>, String> {
    let range = since.map(|s| format!("{s}..HEAD"));
    let mut args = vec![
        "log",
        "--numstat",
        "-z",
        "--no-renames",
        "--no-ext-diff",
        "--no-textconv",
        "--format=%x00%H",
    ];
    if let Some(r) = &range {
        args.push(r);
    }
    if since.is_none() && git(root, &["rev-parse", "--verify", "--quiet", "HEAD"]).is_err() {
        return Ok(Vec::new());
    }
    let out = git(root, &args)?;
    let mut changes = Vec::new();
    let mut commit = String::new();
    // Records end with NUL: `\0<sha>\0`, then `\n` and `added\tdeleted\tpath\0` per file,
    // `-\t-\tpath` for a binary one. Paths are not quoted under `-z`.
    for record in out.split(|b| *b == 0) {
        let record = record.strip_prefix(b"\n").unwrap_or(record);
        if let Some(path) = record.strip_prefix(b"-\t-\t") {
            changes.push((commit.clone(), String::from_utf8_lossy(path).into_owned()));
        } else if !record.is_empty()
            && !record.contains(&b'\t')
            && record.iter().all(u8::is_ascii_hexdigit)
        {
            commit = String::from_utf8_lossy(record).into_owned();
        }
    }
    Ok(changes)
}

/// The path of a `+++ ` header: `b/name` (followed by a tab when the name holds a space),
/// `"b/na\tme"` in C quotes when it holds a control character, a quote, a backslash or
/// (with `core.quotePath`) a byte past ASCII; None for `/dev/null` (a deleted file).
fn diff_path(header: &str) -> Option<String> {
    let path = if let Some(quoted) = header.strip_prefix('"') {
        unquote_c(quoted.trim_end().strip_suffix('"')?)
    } else {
        header.strip_suffix('\t').unwrap_or(header).to_string()
    };
    path.strip_prefix("b/").map(str::to_string)
}

/// Git's C quoting undone: `\t`, `\n`, `\"`, `\\`, and octal bytes (`\303\251` is `é`).
fn unquote_c(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let c = b[i + 1];
        let octal = b.len() >= i + 4 && b[i + 1..i + 4].iter().all(|d| (b'0'..=b'7').contains(d));
        if octal {
            let v = b[i + 1..i + 4]
                .iter()
                .fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
            out.push(v as u8);
            i += 4;
            continue;
        }
        out.push(match c {
            b'a' => 7,
            b'b' => 8,
            b't' => b'\t',
            b'n' => b'\n',
            b'v' => 11,
            b'f' => 12,
            b'r' => b'\r',
            other => other,
        });
        i += 2;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_form_of_a_header_path() {
        assert_eq!(diff_path("b/apps/x.yaml").as_deref(), Some("apps/x.yaml"));
        assert_eq!(diff_path("b/sp ace.yaml\t").as_deref(), Some("sp ace.yaml"));
        assert_eq!(
            diff_path("\"b/tab\\there.yaml\"").as_deref(),
            Some("tab\there.yaml")
        );
        assert_eq!(
            diff_path("\"b/qu\\\"ote.yaml\"").as_deref(),
            Some("qu\"ote.yaml")
        );
        assert_eq!(
            diff_path("\"b/\\303\\251t\\303\\251.yaml\"").as_deref(),
            Some("\u{e9}t\u{e9}.yaml")
        );
        assert_eq!(diff_path("/dev/null"), None);
    }
}
