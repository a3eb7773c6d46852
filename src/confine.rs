//! Confinement: what platc reads to produce output, and where it writes, stays inside the
//! repository.
//!
//! platc runs on branches anyone can push: in pre-commit hooks and inside Argo CD's
//! repo-server. A symbolic link in the repository must not make it copy `/etc/passwd` into
//! `overlays/` or onto the plugin's standard output, and a linked folder inside the output
//! tree must not make `platc build` write elsewhere. Links that stay inside the repository
//! are fine (monorepos use them); the real path, every link resolved, is what is judged.

use std::io;
use std::path::{Path, PathBuf};

/// The real path of `path` when it lies inside `root` (both resolved, links followed), or an
/// error that says the path leads outside the repository. `shown` is how to name the path.
pub fn within(root: &Path, path: &Path, shown: &str) -> io::Result<PathBuf> {
    let real = path.canonicalize()?;
    let real_root = root.canonicalize()?;
    // Git's own folder is not content: a link into it would copy `.git/config` (and the
    // credentials a CI job leaves there) into the output.
    if real.starts_with(&real_root) && !real.starts_with(real_root.join(".git")) {
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

/// The text of a file, unless it is larger than `limits.fileSize`: a hostile repository
/// must not make platc hold gigabytes (the error says the size, the limit and the key).
fn read_within_budget(real: &Path, shown: &str) -> io::Result<String> {
    let limit = crate::limits::current().file_size;
    let len = std::fs::metadata(real)?.len();
    if len > limit.get() {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!(
                "`{shown}` is {}, over the {limit} read limit: split it, or {}",
                crate::limits::bytes(len),
                crate::limits::Key::FileSize.raise()
            ),
        ));
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
    use std::io::Read;
    let real = within(root, path, shown)?;
    let mut bytes = Vec::new();
    std::fs::File::open(real)?
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(io::Error::other(format!(
            "`{shown}` is over the {max} byte read limit"
        )));
    }
    Ok(bytes)
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
