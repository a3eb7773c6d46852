//! Budgets against hostile (or broken) repositories: how much work and memory one file,
//! one template and one build may take. Each has a default that real repositories stay far
//! below, and can be raised (or lowered) in `.platc.yaml`:
//!
//! ```yaml
//! limits:
//!   templateFuel: 1000000      # minijinja steps one template render may take
//!   renderedFileSize: 8MiB     # the largest file the compiler generates
//!   renderedTotalSize: 256MiB  # everything one build generates
//!   objectsPerFile: 10000      # Kubernetes objects in one manifest file or build output
//!   fileSize: 8MiB             # the largest file read as YAML or copied
//!   yamlNodes: 2000000         # YAML nodes in one file (about 50 bytes of memory each)
//! ```
//!
//! A limit that is hit is always a finding naming the file, the limit, the value reached and
//! the key to raise: never a silent skip or truncation.
//!
//! The repository does not have the last word: whoever runs platc may set a ceiling on each
//! limit (`PLATC_MAX_FILE_SIZE=8MiB`, [`Ceiling`]). A repository value above it is a warning
//! and the ceiling applies. `platc generate`, which runs repositories it does not trust inside
//! Argo CD, has today's defaults as its ceiling unless the operator sets another; elsewhere
//! (a developer's laptop, CI) there is none unless one is set.
//!
//! The limits in force are installed once per run ([`install`]) and read where they are
//! enforced ([`current`]): the YAML loader alone is called from some forty places, and one
//! run checks one repository, so one value per process is both true and simpler than a
//! parameter through every reader.

use std::sync::RwLock;

use serde::Deserialize;

/// Bytes in a mebibyte.
const MIB: u64 = 1024 * 1024;

/// The budgets in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct Limits {
    /// The work one template render may do (minijinja's fuel: about one unit per
    /// instruction and per 64 bytes of data). Real blueprints use a few thousand.
    pub template_fuel: Count,
    /// The largest file the compiler may generate (`8MiB`, `512KiB` or a number of bytes).
    pub rendered_file_size: Size,
    /// The size of everything one build may generate, all files together.
    pub rendered_total_size: Size,
    /// How many Kubernetes objects one manifest file (or one kustomization's build output)
    /// may hold; `List` items count one each.
    pub objects_per_file: Count,
    /// The largest file read as YAML or copied into the output; larger ones are reported,
    /// not read (the secret scan still scans them, in chunks).
    pub file_size: Size,
    /// How many YAML nodes one file may hold (each costs about 50 bytes of memory, where
    /// `1,` in a flow sequence is 2 bytes of text).
    pub yaml_nodes: Count,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            template_fuel: Count(1_000_000),
            rendered_file_size: Size(8 * MIB),
            rendered_total_size: Size(256 * MIB),
            objects_per_file: Count(10_000),
            file_size: Size(8 * MIB),
            yaml_nodes: Count(2_000_000),
        }
    }
}

/// What names a limit in messages: its `.platc.yaml` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    TemplateFuel,
    RenderedFileSize,
    RenderedTotalSize,
    ObjectsPerFile,
    FileSize,
    YamlNodes,
}

impl Key {
    /// Every limit, in the order of the documentation.
    pub const ALL: [Key; 6] = [
        Key::TemplateFuel,
        Key::RenderedFileSize,
        Key::RenderedTotalSize,
        Key::ObjectsPerFile,
        Key::FileSize,
        Key::YamlNodes,
    ];

    /// The environment variable that caps it: `PLATC_MAX_FILE_SIZE`.
    pub fn env(self) -> &'static str {
        match self {
            Key::TemplateFuel => "PLATC_MAX_TEMPLATE_FUEL",
            Key::RenderedFileSize => "PLATC_MAX_RENDERED_FILE_SIZE",
            Key::RenderedTotalSize => "PLATC_MAX_RENDERED_TOTAL_SIZE",
            Key::ObjectsPerFile => "PLATC_MAX_OBJECTS_PER_FILE",
            Key::FileSize => "PLATC_MAX_FILE_SIZE",
            Key::YamlNodes => "PLATC_MAX_YAML_NODES",
        }
    }

    fn is_size(self) -> bool {
        matches!(
            self,
            Key::RenderedFileSize | Key::RenderedTotalSize | Key::FileSize
        )
    }

    /// A value of this limit as people read it: `8 MiB` for sizes, `2000000` for counts.
    fn show(self, value: u64) -> String {
        if self.is_size() {
            Size(value).to_string()
        } else {
            value.to_string()
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Key::TemplateFuel => "templateFuel",
            Key::RenderedFileSize => "renderedFileSize",
            Key::RenderedTotalSize => "renderedTotalSize",
            Key::ObjectsPerFile => "objectsPerFile",
            Key::FileSize => "fileSize",
            Key::YamlNodes => "yamlNodes",
        }
    }

    /// "raise `limits.fileSize` in .platc.yaml (now 8 MiB)": the end of every help text.
    /// When the operator's ceiling holds the limit down, raising it in .platc.yaml would
    /// change nothing: the help says who can.
    pub fn raise(self) -> String {
        let (now, ceiling) = installed();
        let value = self.show(now.get(self));
        match ceiling.get(self) {
            Some(most) if most <= now.get(self) => format!(
                "ask whoever runs platc to raise its ceiling {}={} (`limits.{}` in .platc.yaml cannot go above it; now {value})",
                self.env(),
                self.show(most),
                self.name()
            ),
            _ => format!(
                "raise `limits.{}` in .platc.yaml (now {value})",
                self.name()
            ),
        }
    }
}

impl Limits {
    /// The value of one limit, in bytes or as a count.
    pub fn get(&self, key: Key) -> u64 {
        match key {
            Key::TemplateFuel => self.template_fuel.0,
            Key::RenderedFileSize => self.rendered_file_size.0,
            Key::RenderedTotalSize => self.rendered_total_size.0,
            Key::ObjectsPerFile => self.objects_per_file.0,
            Key::FileSize => self.file_size.0,
            Key::YamlNodes => self.yaml_nodes.0,
        }
    }

    fn set(&mut self, key: Key, value: u64) {
        match key {
            Key::TemplateFuel => self.template_fuel.0 = value,
            Key::RenderedFileSize => self.rendered_file_size.0 = value,
            Key::RenderedTotalSize => self.rendered_total_size.0 = value,
            Key::ObjectsPerFile => self.objects_per_file.0 = value,
            Key::FileSize => self.file_size.0 = value,
            Key::YamlNodes => self.yaml_nodes.0 = value,
        }
    }

    /// These limits held to `ceiling`, with a warning for each value above it.
    pub fn capped(mut self, ceiling: &Ceiling) -> (Limits, Vec<String>) {
        let mut warnings = Vec::new();
        for key in Key::ALL {
            if let Some(most) = ceiling.get(key)
                && self.get(key) > most
            {
                warnings.push(format!(
                    "`limits.{}` in .platc.yaml is {}, above the ceiling {}={}: {} applies",
                    key.name(),
                    key.show(self.get(key)),
                    key.env(),
                    key.show(most),
                    key.show(most),
                ));
                self.set(key, most);
            }
        }
        (self, warnings)
    }
}

/// The most a repository's `.platc.yaml` may set each limit to, as whoever runs platc says
/// (one `PLATC_MAX_*` environment variable per limit). No ceiling on a limit: the repository's
/// value applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ceiling([Option<u64>; 6]);

impl Ceiling {
    /// Today's defaults: what `platc generate` allows a repository it does not trust.
    pub fn defaults() -> Ceiling {
        let d = Limits::default();
        Ceiling(Key::ALL.map(|k| Some(d.get(k))))
    }

    pub fn get(&self, key: Key) -> Option<u64> {
        self.0[Key::ALL.iter().position(|k| *k == key).unwrap_or(0)]
    }

    /// The ceiling the environment sets (`env` reads a variable), over `base` for the limits
    /// it does not name; or what is wrong with a value.
    pub fn from_env(
        env: impl Fn(&str) -> Option<String>,
        base: Ceiling,
    ) -> Result<Ceiling, String> {
        let mut ceiling = base;
        for (i, key) in Key::ALL.into_iter().enumerate() {
            let Some(text) = env(key.env()) else { continue };
            let value = if key.is_size() {
                Size::parse(&text).map(Size::get)
            } else {
                match text.trim().parse::<u64>() {
                    Ok(n) if n > 0 => Ok(n),
                    _ => Err(format!(
                        "`{text}` is not a whole number of at least 1, such as {}",
                        key.show(Limits::default().get(key))
                    )),
                }
            };
            ceiling.0[i] = Some(value.map_err(|e| format!("{}: {e}", key.env()))?);
        }
        Ok(ceiling)
    }
}

static CURRENT: RwLock<Option<(Limits, Ceiling)>> = RwLock::new(None);

/// Make the repository's `limits`, held to `ceiling`, the ones in force for the rest of the
/// run; the warnings say which values the ceiling lowered.
#[must_use]
pub fn install(limits: Limits, ceiling: &Ceiling) -> Vec<String> {
    let (limits, warnings) = limits.capped(ceiling);
    *CURRENT.write().unwrap_or_else(|e| e.into_inner()) = Some((limits, *ceiling));
    warnings
}

fn installed() -> (Limits, Ceiling) {
    CURRENT
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .unwrap_or_default()
}

/// The limits in force: the installed ones, else the defaults.
pub fn current() -> Limits {
    installed().0
}

/// A positive count (of steps, objects or nodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, schemars::JsonSchema)]
#[schemars(transparent)]
pub struct Count(#[schemars(range(min = 1))] pub u64);

impl Count {
    pub fn get(self) -> u64 {
        self.0
    }

    pub fn usize(self) -> usize {
        usize::try_from(self.0).unwrap_or(usize::MAX)
    }
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Count, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Count;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a whole number of at least 1, such as 2000000")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Count, E> {
                if n == 0 {
                    return Err(E::custom(
                        "0 would refuse everything: write a whole number of at least 1, such as 2000000",
                    ));
                }
                Ok(Count(n))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Count, E> {
                match u64::try_from(n) {
                    Ok(n) => self.visit_u64(n),
                    Err(_) => Err(E::custom(format!(
                        "{n} is negative: write a whole number of at least 1, such as 2000000"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A positive size in bytes, written as a number of bytes or with a unit (`8MiB`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, schemars::JsonSchema)]
#[schemars(transparent)]
pub struct Size(#[schemars(schema_with = "size_schema")] pub u64);

fn size_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "description": "A number of bytes, or a number with a unit: B, KiB, MiB or GiB (such as `8MiB`).",
        "anyOf": [
            {"type": "integer", "minimum": 1},
            {"type": "string", "pattern": "^\\s*[0-9]+\\s*(B|KiB|MiB|GiB)?\\s*$"}
        ]
    })
}

const UNITS: [(&str, u64); 4] = [("GiB", 1024 * MIB), ("MiB", MIB), ("KiB", 1024), ("B", 1)];

/// What to write for a size: said by every error about one.
const SIZE_HELP: &str =
    "write a number of bytes, or a number with a unit: B, KiB, MiB or GiB (such as `8MiB`)";

impl Size {
    pub fn get(self) -> u64 {
        self.0
    }

    pub fn usize(self) -> usize {
        usize::try_from(self.0).unwrap_or(usize::MAX)
    }

    /// `8MiB`, `512KiB`, `100` (bytes); an error says what to write instead.
    pub fn parse(text: &str) -> Result<Size, String> {
        let t = text.trim();
        let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (number, unit) = t.split_at(digits);
        let unit = unit.trim();
        let scale = if unit.is_empty() {
            Some(1)
        } else {
            UNITS.iter().find(|(u, _)| *u == unit).map(|(_, s)| *s)
        };
        let bad = |why: &str| format!("`{text}` {why}: {SIZE_HELP}");
        let Some(scale) = scale else {
            let hint = match unit.to_ascii_lowercase().as_str() {
                "kb" | "k" | "ki" => " (did you mean KiB?)",
                "mb" | "m" | "mi" => " (did you mean MiB?)",
                "gb" | "g" | "gi" => " (did you mean GiB?)",
                _ => "",
            };
            return Err(bad(&format!("is not a size{hint}")));
        };
        if number.is_empty() {
            return Err(bad("has no number"));
        }
        let n: u64 = number.parse().map_err(|_| bad("is too large"))?;
        let bytes = n.checked_mul(scale).ok_or_else(|| bad("is too large"))?;
        if bytes == 0 {
            return Err(bad("would refuse everything"));
        }
        Ok(Size(bytes))
    }
}

/// The size in the largest unit that divides it (`8 MiB`), or in bytes.
impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        bytes(self.0).fmt(f)
    }
}

/// A number of bytes as people read it: `8 MiB` when whole, `9.5 MiB`, `700 bytes`.
pub fn bytes(n: u64) -> String {
    for (unit, scale) in &UNITS[..3] {
        if n >= *scale {
            return if n.is_multiple_of(*scale) {
                format!("{} {unit}", n / scale)
            } else {
                format!("{:.1} {unit}", n as f64 / *scale as f64)
            };
        }
    }
    format!("{n} bytes")
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Size, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Size;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(SIZE_HELP)
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Size, E> {
                Size::parse(&n.to_string()).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Size, E> {
                Size::parse(&n.to_string()).map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Size, E> {
                Size::parse(s).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_binary_units_or_bytes() {
        assert_eq!(Size::parse("8MiB"), Ok(Size(8 * MIB)));
        assert_eq!(Size::parse(" 512 KiB "), Ok(Size(512 * 1024)));
        assert_eq!(Size::parse("1GiB"), Ok(Size(1024 * MIB)));
        assert_eq!(Size::parse("100"), Ok(Size(100)));
        assert_eq!(Size::parse("100B"), Ok(Size(100)));
        let e = Size::parse("8MB").unwrap_err();
        assert!(
            e.contains("did you mean MiB?") && e.contains("such as `8MiB`"),
            "{e}"
        );
        assert!(
            Size::parse("0MiB")
                .unwrap_err()
                .contains("refuse everything")
        );
        assert!(Size::parse("MiB").unwrap_err().contains("no number"));
        assert!(Size::parse("-1").is_err());
        assert!(
            Size::parse("99999999999GiB")
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn a_ceiling_holds_repository_values_down_and_says_so() {
        let env = |k: &str| (k == "PLATC_MAX_FILE_SIZE").then(|| "1MiB".to_string());
        let ceiling = Ceiling::from_env(env, Ceiling::default()).unwrap();
        assert_eq!(ceiling.get(Key::FileSize), Some(MIB));
        assert_eq!(ceiling.get(Key::YamlNodes), None);
        let asked = Limits {
            file_size: Size(64 * MIB),
            yaml_nodes: Count(u64::MAX),
            ..Limits::default()
        };
        let (got, warnings) = asked.capped(&ceiling);
        assert_eq!(got.file_size, Size(MIB));
        assert_eq!(
            got.yaml_nodes,
            Count(u64::MAX),
            "no ceiling: the repository decides"
        );
        assert_eq!(
            warnings,
            [
                "`limits.fileSize` in .platc.yaml is 64 MiB, above the ceiling PLATC_MAX_FILE_SIZE=1 MiB: 1 MiB applies"
            ]
        );
        // Lower than the ceiling: the repository's value, silently.
        let lower = Limits {
            file_size: Size(1024),
            ..Limits::default()
        };
        assert_eq!(lower.capped(&ceiling), (lower, vec![]));
    }

    #[test]
    fn the_default_ceiling_is_the_defaults_and_the_environment_moves_it() {
        let (got, warnings) = Limits {
            yaml_nodes: Count(10_000_000),
            ..Limits::default()
        }
        .capped(&Ceiling::defaults());
        assert_eq!(got, Limits::default());
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains("PLATC_MAX_YAML_NODES=2000000"),
            "{warnings:?}"
        );
        let env = |k: &str| (k == "PLATC_MAX_YAML_NODES").then(|| "20000000".to_string());
        let raised = Ceiling::from_env(env, Ceiling::defaults()).unwrap();
        assert_eq!(raised.get(Key::YamlNodes), Some(20_000_000));
        assert_eq!(raised.get(Key::FileSize), Some(8 * MIB));
        let bad = |k: &str| (k == "PLATC_MAX_OBJECTS_PER_FILE").then(|| "lots".to_string());
        let e = Ceiling::from_env(bad, Ceiling::default()).unwrap_err();
        assert!(e.starts_with("PLATC_MAX_OBJECTS_PER_FILE: `lots`"), "{e}");
        let bad = |k: &str| (k == "PLATC_MAX_FILE_SIZE").then(|| "8MB".to_string());
        let e = Ceiling::from_env(bad, Ceiling::default()).unwrap_err();
        assert!(e.contains("did you mean MiB?"), "{e}");
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(Size(8 * MIB).to_string(), "8 MiB");
        assert_eq!(bytes(9 * MIB + MIB / 2), "9.5 MiB");
        assert_eq!(bytes(2048), "2 KiB");
        assert_eq!(bytes(700), "700 bytes");
    }
}
