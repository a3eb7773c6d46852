//! Passwords anyone can guess: `password`, `Pa55w0rd`, `admin123`, `dummy_password`, `root`,
//! `123456`, or the name of the service it guards (`KAFKA_PASSWORD=kafka`). A database or an
//! admin user given one of these is open to whoever tries the usual list, so such a value under
//! a password's key is reported (`secrets/weak-password`) even where the placeholder rules
//! would read it as a stand-in. Values that say they must be replaced (`changeme`,
//! `<your-password>`, `REPLACE_ME`, `xxxx`, `${VAR}`) are not made of these words and stay
//! placeholders; so do the words tests fill in (`foo`, `test`): see `tests/corpus/REVIEW.md`.

use super::scan::is_reference_key;

/// Words default and guessed passwords are made of: the word itself, the accounts and
/// products that ship with a default (`admin`, `root`, `guest`, `changeit` of Java keystores,
/// `minioadmin`, `prom-operator` of kube-prometheus-stack's Grafana), and the top of every
/// leaked-password list. Not `changeme` (an instruction to replace it), not `test` or `foo`.
const DEFAULT_WORDS: [&str; 29] = [
    "password",
    "passwd",
    "passw",
    "pass",
    "pwd",
    "admin",
    "administrator",
    "root",
    "toor",
    "secret",
    "super",
    "superuser",
    "dummy",
    "guest",
    "demo",
    "letmein",
    "welcome",
    "qwerty",
    "abc",
    "changeit",
    "master",
    "postgres",
    "mysql",
    "redis",
    "neo4j",
    "minio",
    "rabbitmq",
    "prom",
    "operator",
];

/// Whether `key` names a password: `MYSQL_ROOT_PASSWORD`, `spring.datasource.password`,
/// `adminPassword`, `rootpasswd`, `DB_PASS`, `db.pwd`. Not `passwordKey` or
/// `passwordSecretName`, which point at one, nor `bypass`.
pub(super) fn is_password_key(key: &str) -> bool {
    if is_reference_key(key) {
        return false;
    }
    let squashed: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    if ["password", "passwd", "passphrase"]
        .iter()
        .any(|w| squashed.ends_with(w))
    {
        return true;
    }
    // The short forms only as a word of their own: `DB_PASS`, `adminPass`, `db.pwd`.
    key_words(key)
        .last()
        .is_some_and(|w| matches!(w.as_str(), "pass" | "pwd"))
}

/// The words of a key, lowercase: split at separators and at camel-case humps.
fn key_words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    for part in key.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut word = String::new();
        let mut previous_lower = false;
        for c in part.chars() {
            if c.is_ascii_uppercase() && previous_lower && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            word.push(c.to_ascii_lowercase());
        }
        if !word.is_empty() {
            words.push(word);
        }
    }
    words
}

/// Whether `value`, given to the password `key`, is one anyone can guess: made only of
/// default words (leetspeak read as letters: `Pa55w0rd`, `S3cr3t`), separators and a short
/// number (`Password123!`, `admin_2024`); a count from 1 (`123456`); or a word of the key
/// itself (`KAFKA_PASSWORD=kafka`, `neo4jPassword: neo4j`).
pub(super) fn is_weak_password(key: &str, value: &str) -> bool {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    if v.is_empty() || v.len() > 40 || !v.is_ascii() {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if lower.bytes().all(|b| b.is_ascii_digit()) {
        return lower.len() >= 4 && "1234567890".starts_with(&lower);
    }
    let own: Vec<String> = key_words(key)
        .into_iter()
        .filter(|w| w.len() >= 3 && w.bytes().any(|b| b.is_ascii_alphabetic()))
        .collect();
    let mut words: Vec<&str> = DEFAULT_WORDS.to_vec();
    words.extend(own.iter().map(String::as_str));
    made_of(lower.as_bytes(), &words)
}

/// Whether `text` (lowercase) splits into `words` (at least one), separators and short
/// numbers. A word's letters may be written in leetspeak.
fn made_of(text: &[u8], words: &[&str]) -> bool {
    // reachable[i]: the first i bytes split; with_word[i]: and a word among them.
    let n = text.len();
    let mut reachable = vec![false; n + 1];
    let mut with_word = vec![false; n + 1];
    reachable[0] = true;
    for i in 0..n {
        if !reachable[i] {
            continue;
        }
        let word_before = with_word[i];
        let mut step = |to: usize, word: bool| {
            reachable[to] = true;
            with_word[to] |= word_before || word;
        };
        if matches!(
            text[i],
            b'-' | b'_' | b'.' | b'!' | b'@' | b'#' | b'*' | b'?' | b'$'
        ) {
            step(i + 1, false);
        }
        // A number, all its digits at once: up to four (`123`, `2024`), or a count from 1
        // however long. Shorter cuts would pass any digits as numbers of four.
        let digits = text[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        let run = &text[i..i + digits];
        if digits > 0 && (digits <= 4 || b"1234567890".starts_with(run)) {
            step(i + digits, false);
        }
        for w in words {
            let w = w.as_bytes();
            if i + w.len() <= n
                && text[i..i + w.len()]
                    .iter()
                    .zip(w)
                    .all(|(&c, &l)| reads_as(c, l))
            {
                step(i + w.len(), true);
            }
        }
    }
    reachable[n] && with_word[n]
}

/// Whether the character `c` reads as the letter `letter`, as written or in leetspeak.
fn reads_as(c: u8, letter: u8) -> bool {
    c == letter
        || matches!(
            (c, letter),
            (b'0', b'o')
                | (b'1', b'i')
                | (b'1', b'l')
                | (b'!', b'i')
                | (b'3', b'e')
                | (b'4', b'a')
                | (b'@', b'a')
                | (b'5', b's')
                | (b'$', b's')
                | (b'7', b't')
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_keys_are_named_for_a_password() {
        for k in [
            "password",
            "MYSQL_ROOT_PASSWORD",
            "spring.datasource.password",
            "adminPassword",
            "rootpasswd",
            "DB_PASS",
            "db.pwd",
            "adminPass",
            "ssl.key.passphrase",
        ] {
            assert!(is_password_key(k), "{k}");
        }
        for k in [
            "passwordKey",
            "passwordSecretName",
            "existingPassword",
            "password_file",
            "bypass",
            "compass",
            "passwordPolicy",
            "password_hash",
            "api_token",
        ] {
            assert!(!is_password_key(k), "{k}");
        }
    }

    #[test]
    fn default_and_leet_passwords_are_weak() {
        for v in [
            "password",
            "Password",
            "Pa55w0rd",
            "P@ssw0rd",
            "p@$$w0rd",
            "Password123!",
            "admin",
            "Admin@123",
            "admin_2024",
            "root",
            "toor",
            "secret",
            "S3cr3tP@ss",
            "supersecretpassword",
            "dummy_password",
            "dummy",
            "123456",
            "12345678",
            "changeit",
            "letmein",
            "qwerty123",
            "minioadmin",
            "prom-operator",
            "postgres",
            "\"password\"",
        ] {
            assert!(is_weak_password("DB_PASSWORD", v), "{v}");
        }
    }

    #[test]
    fn a_password_naming_its_service_is_weak() {
        assert!(is_weak_password("KAFKA_CLUSTER_PASSWORD", "kafka"));
        assert!(is_weak_password("grafanaAdminPassword", "grafana123"));
        assert!(!is_weak_password("DB_PASSWORD", "kafka"));
    }

    #[test]
    fn placeholders_test_words_and_random_values_are_not_weak() {
        for v in [
            "changeme",
            "CHANGEME",
            "replaceme",
            "REPLACE_ME",
            "<your-password>",
            "${DB_PASSWORD}",
            "{{ .Values.password }}",
            "xxxx",
            "****",
            "example",
            "foo",
            "test",
            "testpassword",
            "my-secret-password",
            "yourpassword",
            "",
            "0000",
            "1234567a",
            "5432",
            "admin83621947",
            "Zk3q9VbT1xLm8RfY2wPa",
            "s3cr3t-Pa55w0rd-7f2k",
            "somepw",
        ] {
            assert!(!is_weak_password("DB_PASSWORD", v), "{v}");
        }
    }
}
