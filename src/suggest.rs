//! "Did you mean" for names a person mistyped.

/// The closest candidate to `input`, if it is close enough to be the likely intent.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// [`did_you_mean`] among the candidates that are themselves valid names: a suggestion
/// must be something the person can write (suggesting `prod_2`, an environment name that is
/// itself an error, would lead from one mistake to another).
pub fn did_you_mean_valid<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    is_valid: impl Fn(&str) -> bool,
) -> Option<&'a str> {
    did_you_mean(input, candidates.into_iter().filter(|c| is_valid(c)))
}

/// For a repo-relative path that does not exist, the name of the closest entry in its
/// folder, if one is close.
pub fn sibling(root: &std::path::Path, target: &str) -> Option<String> {
    let (parent, name) = target.rsplit_once('/').unwrap_or(("", target));
    let mut siblings: Vec<String> = std::fs::read_dir(root.join(parent))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    // Directory order differs between machines; suggestions must not.
    siblings.sort();
    did_you_mean(name, siblings.iter().map(String::as_str)).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            did_you_mean("dependOn", ["dependsOn", "name"]),
            Some("dependsOn")
        );
        assert_eq!(
            did_you_mean("cert-manger", ["cert-manager", "vault"]),
            Some("cert-manager")
        );
        assert_eq!(did_you_mean("zzz", ["dependsOn", "name"]), None);
    }

    #[test]
    fn never_suggests_an_invalid_name() {
        let label = |n: &str| {
            n.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        };
        assert_eq!(did_you_mean("prod2", ["prod_2", "dev"]), Some("prod_2"));
        assert_eq!(did_you_mean_valid("prod2", ["prod_2", "dev"], label), None);
        assert_eq!(
            did_you_mean_valid("prod2", ["prod_2", "prod"], label),
            Some("prod")
        );
    }
}
