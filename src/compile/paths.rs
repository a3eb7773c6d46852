//! Paths inside the generated tree.

/// The folder generated output goes to, relative to the repository root.
pub const OUT_DIR: &str = "overlays";

/// The shared folder for files every environment uses.
pub const BASE: &str = "base";

/// A relative path from the folder `from` to `to` (both repo-relative, `/`-separated), as a
/// kustomization writes it.
pub fn relative(from: &str, to: &str) -> String {
    let from: Vec<&str> = from.split('/').filter(|s| !s.is_empty()).collect();
    let to: Vec<&str> = to.split('/').filter(|s| !s.is_empty()).collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; from.len() - common];
    parts.extend(&to[common..]);
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative("overlays/prod/components/a", "platform/components/a/base"),
            "../../../../platform/components/a/base"
        );
        assert_eq!(
            relative("overlays/prod/components/a", "overlays/base/components/a"),
            "../../../base/components/a"
        );
        assert_eq!(relative("a/b", "a/b/c.yaml"), "c.yaml");
    }
}
