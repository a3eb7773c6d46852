//! A credential is never shown whole: only its first 4 characters and its length.

/// `ghp_…(40 chars)`: enough to recognise which credential it is, never enough to use it.
pub fn redact(secret: &str) -> String {
    let len = secret.chars().count();
    let head: String = secret.chars().take(4.min(len / 3)).collect();
    format!("{head}…({len} chars)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_four_characters_and_the_length() {
        let token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"; // platc:allow (made up)
        assert_eq!(redact(token), "ghp_…(40 chars)");
        // Short values show less, so that little of them is revealed.
        assert_eq!(redact("hunter2"), "hu…(7 chars)");
        assert_eq!(redact("ab"), "…(2 chars)");
    }
}
