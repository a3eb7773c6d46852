//! Confinement: what platc reads to produce output, and where it writes, stays inside the
//! repository.
//!
//! platc runs on branches anyone can push: in pre-commit hooks and inside Argo CD's
//! repo-server. A symbolic link in the repository must not make it copy `/etc/passwd` into
//! `overlays/` or onto the plugin's standard output, and a linked folder inside the output
//! tree must not make `platc build` write elsewhere. Links that stay inside the repository
//! are fine (monorepos use them); the real path, every link resolved, is what is judged.

mod memory;

pub use memory::{Content, Mount, Snapshot, mount, on_disk};

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::RwLock;

use memory::Found;

/// The real path of `path` when it lies inside `root` (both resolved, links followed), or an
/// error that says the path leads outside the repository. `shown` is how to name the path.
/// In a mounted [`Snapshot`], the path it resolves to (links followed there).
pub fn within(root: &Path, path: &Path, shown: &str) -> io::Result<PathBuf> {
    if let Some(found) = memory::locate(path, shown) {
        return found.map(|(mount, found)| match found {
            Found::File(rel, _) | Found::Dir(rel) => mount.join(rel),
            Found::Disk(real) => real,
        });
    }
    within_disk(root, path, shown)
}

/// Folders known to be real (no link), by absolute path: proven once per run, since a diff
/// of a large repository reads tens of thousands of files through the same few hundred
/// folders, and resolving every component of every path was most of its time.
static REAL_DIRS: RwLock<Option<HashSet<PathBuf>>> = RwLock::new(None);
/// Repository roots and their real paths.
static REAL_ROOTS: RwLock<Option<HashMap<PathBuf, PathBuf>>> = RwLock::new(None);

fn real_root(root: &Path) -> io::Result<PathBuf> {
    if let Some(real) = REAL_ROOTS
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .and_then(|m| m.get(root))
    {
        return Ok(real.clone());
    }
    let real = root.canonicalize()?;
    REAL_ROOTS
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashMap::new)
        .insert(root.to_path_buf(), real.clone());
    Ok(real)
}

/// Whether `dir` is a real folder (not a link), remembered when it is.
fn is_real_dir(dir: &Path) -> bool {
    if REAL_DIRS
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .is_some_and(|s| s.contains(dir))
    {
        return true;
    }
    let real = std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir());
    if real {
        REAL_DIRS
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert_with(HashSet::new)
            .insert(dir.to_path_buf());
    }
    real
}

/// [`within`] on disk.
fn within_disk(root: &Path, path: &Path, shown: &str) -> io::Result<PathBuf> {
    let real_root = real_root(root)?;
    // Git's own folder is not content: a link into it would copy `.git/config` (and the
    // credentials a CI job leaves there) into the output.
    let git = real_root.join(".git");
    // The common case, a plain path below the root through real folders: one `lstat` for
    // the file, the folders proven once.
    if let Ok(rel) = path.strip_prefix(root)
        && rel.components().all(|c| matches!(c, Component::Normal(_)))
    {
        let real = real_root.join(rel);
        let mut folders_real = true;
        let mut at = real_root.clone();
        let parts: Vec<_> = rel.components().collect();
        for part in parts.iter().take(parts.len().saturating_sub(1)) {
            at.push(part);
            if !is_real_dir(&at) {
                folders_real = false;
                break;
            }
        }
        if folders_real {
            let meta = std::fs::symlink_metadata(&real)?;
            if !meta.file_type().is_symlink() {
                return if real.starts_with(&git) {
                    Err(outside(shown))
                } else {
                    Ok(real)
                };
            }
        }
    }
    let real = path.canonicalize()?;
    if real.starts_with(&real_root) && !real.starts_with(&git) {
        Ok(real)
    } else {
        Err(outside(shown))
    }
}

/// The error of a path that resolves outside the repository.
pub fn outside(shown: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "`{shown}` is a symbolic link that leads outside the repository; platc reads only files inside it: replace the link with the file"
        ),
    )
}

/// Read a repo-relative file as text, refusing one whose real path is outside `root` or
/// that is over the `limits.fileSize` budget.
pub fn read_to_string(root: &Path, rel: &str) -> io::Result<String> {
    let real = within(root, &root.join(rel), rel)?;
    read_within_budget(&real, rel)
}

fn too_large(shown: &str, len: u64, limit: crate::limits::Size) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!(
            "`{shown}` is {}, over the {limit} read limit: split it, or {}",
            crate::limits::bytes(len),
            crate::limits::Key::FileSize.raise()
        ),
    )
}

/// The text of a file (a real path, as [`within`] gives), unless it is larger than
/// `limits.fileSize`: a hostile repository must not make platc hold gigabytes (the error
/// says the size, the limit and the key).
fn read_within_budget(real: &Path, shown: &str) -> io::Result<String> {
    let limit = crate::limits::current().file_size;
    if let Some(found) = memory::locate(real, shown) {
        let bytes = match found?.1 {
            Found::File(_, Content::Bytes(bytes)) if bytes.len() as u64 <= limit.get() => bytes,
            Found::File(_, Content::Bytes(bytes)) => {
                return Err(too_large(shown, bytes.len() as u64, limit));
            }
            Found::File(_, Content::TooLarge(len)) => return Err(too_large(shown, len, limit)),
            Found::Dir(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    format!("`{shown}` is a folder"),
                ));
            }
            Found::Disk(real) => return read_within_budget(&real, shown),
        };
        return String::from_utf8(bytes.to_vec()).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            )
        });
    }
    let len = std::fs::metadata(real)?.len();
    if len > limit.get() {
        return Err(too_large(shown, len, limit));
    }
    std::fs::read_to_string(real)
}

/// Read a file given by its full path (under `root`) as text, refusing one whose real path is
/// outside `root`.
pub fn read_path_to_string(root: &Path, path: &Path) -> io::Result<String> {
    let shown = path
        .strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/");
    let real = within(root, path, &shown)?;
    read_within_budget(&real, &shown)
}

/// Read a file given by its full path (under `root`) as bytes, refusing one whose real path
/// is outside `root` or that holds more than `max` bytes (read no further than that, so a
/// huge file costs no memory).
pub fn read_path_limited(root: &Path, path: &Path, shown: &str, max: u64) -> io::Result<Vec<u8>> {
    let real = within(root, path, shown)?;
    let over = || io::Error::other(format!("`{shown}` is over the {max} byte read limit"));
    if let Some(found) = memory::locate(&real, shown) {
        return match found?.1 {
            Found::File(_, Content::Bytes(bytes)) if bytes.len() as u64 <= max => {
                Ok(bytes.to_vec())
            }
            Found::File(..) => Err(over()),
            Found::Dir(_) => Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                format!("`{shown}` is a folder"),
            )),
            Found::Disk(real) => read_limited(&real, max).and_then(|b| b.ok_or_else(over)),
        };
    }
    read_limited(&real, max).and_then(|b| b.ok_or_else(over))
}

/// A file's bytes, or None when it holds more than `max` (read no further than that).
fn read_limited(real: &Path, max: u64) -> io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(real)?
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}

/// What is at a path (links followed): a file, a folder, or nothing (None).
fn kind(path: &Path) -> Option<bool> {
    if let Some(found) = memory::locate(path, "") {
        return match found.ok()?.1 {
            Found::File(..) => Some(false),
            Found::Dir(_) => Some(true),
            Found::Disk(real) => std::fs::metadata(real).ok().map(|m| m.is_dir()),
        };
    }
    std::fs::metadata(path).ok().map(|m| m.is_dir())
}

/// Whether `path` is a file (links followed), on disk or in a mounted snapshot.
pub fn is_file(path: &Path) -> bool {
    kind(path) == Some(false)
}

/// Whether `path` is a folder (links followed), on disk or in a mounted snapshot.
pub fn is_dir(path: &Path) -> bool {
    kind(path) == Some(true)
}

/// The size of a file (links followed), on disk or in a mounted snapshot.
pub fn file_len(path: &Path) -> io::Result<u64> {
    if let Some(found) = memory::locate(path, "") {
        return match found?.1 {
            Found::File(_, Content::Bytes(bytes)) => Ok(bytes.len() as u64),
            Found::File(_, Content::TooLarge(len)) => Ok(len),
            Found::Dir(_) => Ok(0),
            Found::Disk(real) => std::fs::metadata(real).map(|m| m.len()),
        };
    }
    std::fs::metadata(path).map(|m| m.len())
}

/// The entries of a folder, each with whether it is a folder (links followed), sorted by
/// name: on disk or in a mounted snapshot.
pub fn read_dir(path: &Path) -> io::Result<Vec<(PathBuf, bool)>> {
    let shown = path.to_string_lossy();
    if let Some(names) = memory::list(path, &shown) {
        return Ok(names?
            .into_iter()
            .map(|(name, is_dir)| (path.join(name), is_dir))
            .collect());
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(path)? {
        let p = entry?.path();
        let is_dir = p.is_dir();
        out.push((p, is_dir));
    }
    out.sort();
    Ok(out)
}

/// Whether a walked entry is a file, or a link to one: the walker knows a plain entry's type
/// from the folder listing, so only links cost a `stat` (a walk of 20,000 files made 20,000).
pub fn walked_file(entry: &ignore::DirEntry) -> bool {
    match entry.file_type() {
        Some(t) if t.is_symlink() => entry.path().is_file(),
        Some(t) => t.is_file(),
        None => false,
    }
}

/// Every file of the repository at `root` that git would not ignore, repo-relative and
/// sorted (links left out, as a walker leaves them).
pub fn files(root: &Path) -> Vec<String> {
    if let Some(files) = memory::files_under(root) {
        return files;
    }
    let mut out: Vec<String> = ignore::WalkBuilder::new(root)
        .require_git(false)
        .build()
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .filter_map(|e| {
            e.path()
                .strip_prefix(root)
                .ok()
                .map(|p| p.to_string_lossy().replace('\\', "/"))
        })
        .collect();
    out.sort();
    out
}

/// The first symbolic link on the way from `root` down to `root/rel` (the last component
/// included), as a repo-relative path. The output tree is never written through one: a write
/// through `overlays -> /elsewhere` would land outside the repository, and a link where a
/// generated file belongs would be replaced or followed without a word.
pub fn first_link(root: &Path, rel: &str) -> Option<String> {
    let mut at = root.to_path_buf();
    let mut shown = String::new();
    for part in rel.split('/').filter(|p| !p.is_empty() && *p != ".") {
        at.push(part);
        if !shown.is_empty() {
            shown.push('/');
        }
        shown.push_str(part);
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => return Some(shown),
            Ok(_) => {}
            // Nothing there yet: nothing below can be a link either.
            Err(_) => return None,
        }
    }
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_inside_are_followed_and_links_outside_refused() {
        let outside_dir = tempfile::tempdir().unwrap();
        std::fs::write(outside_dir.path().join("canary"), "secret").unwrap();
        let repo = tempfile::tempdir().unwrap();
        let root = repo.path();
        std::fs::write(root.join("real.yaml"), "a: 1\n").unwrap();
        symlink(root.join("real.yaml"), root.join("inside.yaml")).unwrap();
        symlink(outside_dir.path().join("canary"), root.join("outside.yaml")).unwrap();

        assert_eq!(read_to_string(root, "inside.yaml").unwrap(), "a: 1\n");
        let e = read_to_string(root, "outside.yaml").unwrap_err();
        assert!(
            e.to_string()
                .contains("`outside.yaml` is a symbolic link that leads outside")
        );
        assert!(!e.to_string().contains("secret"));
    }

    #[test]
    fn the_first_link_on_a_path_is_named() {
        let elsewhere = tempfile::tempdir().unwrap();
        let repo = tempfile::tempdir().unwrap();
        let root = repo.path();
        std::fs::create_dir_all(root.join("overlays/prod")).unwrap();
        symlink(elsewhere.path(), root.join("overlays/prod/apps")).unwrap();
        assert_eq!(
            first_link(root, "overlays/prod/apps/a.yaml").as_deref(),
            Some("overlays/prod/apps")
        );
        assert_eq!(first_link(root, "overlays/prod/b.yaml"), None);
        assert_eq!(first_link(root, "overlays/new/c.yaml"), None);
    }
}
