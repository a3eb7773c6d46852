//! The repository's policy over findings: severity overrides and waivers from
//! `.platc.yaml`. An expired waiver is an error; a waiver that suppresses nothing is a warning,
//! judged only by a command that ran every check emitting its rule (`platc secrets` cannot
//! tell whether a lint waiver is still needed).

use ignore::gitignore::GitignoreBuilder;

use crate::config::{Level, Settings, Waiver};
use crate::report::{Finding, Severity};
use crate::rules::catalogue::{self, Check};

/// Today's date as `YYYY-MM-DD` (UTC).
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `Kind/namespace/name` (or `Kind/name`) from a finding's `apiVersion Kind ns/name`.
fn object_key(object: &str) -> Option<String> {
    let mut parts = object.split(' ');
    let _api = parts.next()?;
    let kind = parts.next()?;
    let name = parts.next()?;
    Some(format!("{kind}/{name}"))
}

fn matches(w: &Waiver, f: &Finding) -> bool {
    let rule_ok = w.rule == f.rule
        || w.rule
            .strip_suffix("/*")
            .is_some_and(|family| f.rule.starts_with(&format!("{family}/")));
    if !rule_ok {
        return false;
    }
    if let Some(object) = &w.object
        && f.object.as_deref().and_then(object_key).as_deref() != Some(object.as_str())
    {
        return false;
    }
    if let Some(pattern) = &w.path {
        let Some(file) = &f.file else { return false };
        let mut b = GitignoreBuilder::new("");
        if b.add_line(None, pattern).is_err() {
            return false;
        }
        let Ok(g) = b.build() else { return false };
        if !g.matched_path_or_any_parents(file, false).is_ignore() {
            return false;
        }
    }
    true
}

/// Whether the checks that ran can tell that a waiver of `rule` is unused: they must
/// include every check that emits it.
fn can_judge(rule: &str, ran: &[Check]) -> bool {
    let checks = catalogue::checks_of(rule);
    !checks.is_empty()
        && checks
            .iter()
            .all(|c| *c == Check::Config || ran.contains(c))
}

/// Whether this command runs any check that emits `rule` (an expired waiver is reported
/// by those: the secrets hook must not fail over a lint waiver).
fn runs_any(rule: &str, ran: &[Check]) -> bool {
    catalogue::checks_of(rule)
        .iter()
        .any(|c| *c == Check::Config || ran.contains(c))
}

/// Apply severity overrides and waivers; adds findings about expired waivers of rules this
/// command runs, and about unused ones whose rules it all ran (`ran`: its checks).
pub fn apply(
    findings: Vec<Finding>,
    settings: &Settings,
    today: &str,
    ran: &[Check],
) -> Vec<Finding> {
    let file = settings.file.as_str();
    let config = &settings.config;
    let waivers = &config.waivers;
    let expired: Vec<bool> = waivers
        .iter()
        .map(|w| w.expires.as_deref().is_some_and(|e| e < today))
        .collect();
    let mut used = vec![false; waivers.len()];
    let mut out = Vec::with_capacity(findings.len());
    for mut f in findings {
        match config.rules.get(&f.rule) {
            Some(Level::Off) => continue,
            Some(Level::Info) => f.severity = Severity::Info,
            Some(Level::Warning) => f.severity = Severity::Warning,
            Some(Level::Error) => f.severity = Severity::Error,
            None => {}
        }
        let waived = waivers
            .iter()
            .enumerate()
            .filter(|(i, w)| !expired[*i] && matches(w, &f))
            .map(|(i, _)| i)
            .collect::<Vec<_>>();
        for i in &waived {
            used[*i] = true;
        }
        if waived.is_empty() {
            out.push(f);
        }
    }
    for (i, w) in waivers.iter().enumerate() {
        let pos = settings.waiver_positions.get(i).copied().flatten();
        if expired[i] && runs_any(&w.rule, ran) {
            out.push(
                Finding::error(
                    "config/waiver-expired",
                    format!(
                        "the waiver of `{}` expired on {}",
                        w.rule,
                        w.expires.as_deref().unwrap_or("")
                    ),
                )
                .at(file, pos)
                .with_help(format!(
                    "fix what it waived, or extend `expires` if the reason (\"{}\") still holds",
                    w.reason
                )),
            );
        } else if !used[i] && can_judge(&w.rule, ran) {
            out.push(
                Finding::new(
                    "config/waiver-unused",
                    Severity::Warning,
                    format!("the waiver of `{}` suppresses nothing", w.rule),
                )
                .at(file, pos)
                .with_help(format!(
                    "remove it if what it waived is gone (judged by the {} checks this command ran)",
                    ran.iter()
                        .filter(|c| **c != Check::Config)
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let t = today();
        assert_eq!(t.len(), 10);
        assert!(t.as_str() > "2024-01-01");
    }

    #[test]
    fn only_commands_that_run_a_rule_judge_its_waiver() {
        assert!(can_judge("workload/probes", &[Check::Files, Check::Lint]));
        assert!(!can_judge("workload/probes", &[Check::Secrets]));
        assert!(!can_judge("secrets/jwt", &[Check::Files, Check::Schema]));
        assert!(can_judge("secrets/*", &[Check::Secrets]));
        // `kustomize/*` holds lint rules and build failures: lint alone cannot judge it.
        assert!(!can_judge("kustomize/*", &[Check::Lint]));
        assert!(can_judge("kustomize/*", &[Check::Files, Check::Lint]));
        assert!(can_judge("config/waiver-unused", &[]));
        assert!(runs_any("kustomize/*", &[Check::Lint]));
        assert!(!runs_any("workload/probes", &[Check::Secrets]));
    }

    #[test]
    fn object_keys() {
        assert_eq!(
            object_key("apps/v1 DaemonSet kuma-system/merbridge").as_deref(),
            Some("DaemonSet/kuma-system/merbridge")
        );
        assert_eq!(
            object_key("v1 Namespace tenants").as_deref(),
            Some("Namespace/tenants")
        );
    }
}
