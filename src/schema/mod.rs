//! JSON schemas for Kubernetes objects: built-in kinds embedded per Kubernetes version,
//! CustomResourceDefinitions converted the way the API server reads them, and validation.

pub mod catalog;
pub mod core;
pub mod crd;
pub mod import;
pub mod message;
pub mod re2;
pub mod registry;

use std::sync::Arc;

use serde_json::Value;

/// How precisely a violation says what is wrong with a value, most precise first; None for
/// the ones about fields (unknown, missing), which are never two of a kind.
fn precision(kind: &jsonschema::error::ValidationErrorKind) -> Option<u8> {
    use jsonschema::error::ValidationErrorKind as K;
    Some(match kind {
        K::AdditionalProperties { .. } | K::Required { .. } => return None,
        K::Type { .. } => 0,
        K::Enum { .. } | K::Constant { .. } => 1,
        K::MinLength { .. }
        | K::MaxLength { .. }
        | K::Minimum { .. }
        | K::Maximum { .. }
        | K::ExclusiveMinimum { .. }
        | K::ExclusiveMaximum { .. }
        | K::MultipleOf { .. }
        | K::Format { .. } => 2,
        K::Pattern { .. } => 3,
        _ => 4,
    })
}

/// One violation of a value per field: an empty name breaks both `minLength` and a
/// `pattern`, and "shorter than 1 character" says it better than the pattern.
fn keep_most_precise(all: Vec<Violation>, ranks: &[Option<u8>]) -> Vec<Violation> {
    let mut best: std::collections::HashMap<&str, u8> = std::collections::HashMap::new();
    for (v, rank) in all.iter().zip(ranks) {
        if let Some(r) = rank {
            let b = best.entry(v.pointer.as_str()).or_insert(*r);
            *b = (*b).min(*r);
        }
    }
    let mut kept = vec![false; all.len()];
    let mut taken = std::collections::HashSet::new();
    for (i, (v, rank)) in all.iter().zip(ranks).enumerate() {
        kept[i] = match rank {
            None => true,
            Some(r) => *r == best[v.pointer.as_str()] && taken.insert(v.pointer.as_str()),
        };
    }
    all.into_iter()
        .zip(kept)
        .filter_map(|(v, k)| k.then_some(v))
        .collect()
}

/// A compiled validator for one apiVersion and kind.
pub struct Schema {
    pub api_version: String,
    pub kind: String,
    doc: Arc<Value>,
    validator: jsonschema::Validator,
}

/// One way an object breaks its schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// JSON pointer into the object.
    pub pointer: String,
    pub problem: Problem,
}

/// What is wrong, in terms a finding can explain.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    UnknownField { field: String, known: Vec<String> },
    Required { field: String },
    Type { expected: Vec<String> },
    Enum { options: Vec<Value> },
    Pattern { pattern: String },
    Other(String),
}

impl Schema {
    pub fn compile(api_version: &str, kind: &str, doc: Arc<Value>) -> Result<Schema, String> {
        let validator = jsonschema::draft7::options()
            .should_validate_formats(false)
            .build(&doc)
            .map_err(|e| format!("the schema for {api_version} {kind} does not compile: {e}"))?;
        Ok(Schema {
            api_version: api_version.into(),
            kind: kind.into(),
            doc,
            validator,
        })
    }

    pub fn is_valid(&self, object: &Value) -> bool {
        self.validator.is_valid(object)
    }

    pub fn validate(&self, object: &Value) -> Vec<Violation> {
        use jsonschema::error::ValidationErrorKind as K;
        let mut out = Vec::new();
        // How precise each violation's message is, by position in `out`.
        let mut ranks = Vec::new();
        for e in self.validator.iter_errors(object) {
            let pointer = e.instance_path().to_string();
            match e.kind() {
                K::AdditionalProperties { unexpected } => {
                    let known = self.fields_at(&pointer);
                    for field in unexpected {
                        out.push(Violation {
                            pointer: pointer.clone(),
                            problem: Problem::UnknownField {
                                field: field.clone(),
                                known: known.clone(),
                            },
                        });
                    }
                }
                K::Required { property } => out.push(Violation {
                    pointer,
                    problem: Problem::Required {
                        field: property.as_str().unwrap_or_default().to_string(),
                    },
                }),
                K::Type { kind } => {
                    let expected = match kind {
                        jsonschema::error::TypeKind::Single(t) => vec![t.to_string()],
                        jsonschema::error::TypeKind::Multiple(ts) => {
                            ts.iter().map(|t| t.to_string()).collect()
                        }
                    };
                    out.push(Violation {
                        pointer,
                        problem: Problem::Type { expected },
                    });
                }
                K::Enum { options } => out.push(Violation {
                    pointer,
                    problem: Problem::Enum {
                        options: options.as_array().cloned().unwrap_or_default(),
                    },
                }),
                K::Pattern { pattern } => out.push(Violation {
                    pointer,
                    problem: Problem::Pattern {
                        pattern: pattern.clone(),
                    },
                }),
                _ => out.push(Violation {
                    pointer,
                    problem: Problem::Other(message::describe(&e)),
                }),
            }
            // One rank per violation: an error for unknown fields gives one per field.
            ranks.resize(out.len(), precision(e.kind()));
        }
        keep_most_precise(out, &ranks)
    }

    /// The fields the schema declares for the object at an instance pointer.
    pub fn fields_at(&self, pointer: &str) -> Vec<String> {
        let mut node = resolve(&self.doc, &self.doc);
        for raw in pointer.split('/').skip(1) {
            let token = raw.replace("~1", "/").replace("~0", "~");
            let next = node
                .get("properties")
                .and_then(|p| p.get(&token))
                .or_else(|| node.get("items").filter(|_| token.parse::<usize>().is_ok()))
                .or_else(|| node.get("additionalProperties").filter(|a| a.is_object()));
            match next {
                Some(n) => node = resolve(&self.doc, n),
                None => return Vec::new(),
            }
        }
        let mut fields: Vec<String> = node
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        fields.sort();
        fields
    }
}

/// Follow `$ref` and single-branch `allOf` wrappers to the schema that holds the structure.
fn resolve<'a>(doc: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..32 {
        if let Some(r) = node.get("$ref").and_then(Value::as_str) {
            match r.strip_prefix('#').and_then(|p| doc.pointer(p)) {
                Some(target) => node = target,
                None => return node,
            }
        } else if let Some([only]) = node
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            if node.get("properties").is_some() {
                return node;
            }
            node = only;
        } else {
            return node;
        }
    }
    node
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_field_breaking_several_constraints_is_one_violation_the_most_precise() {
        let doc = json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "name": {"type": "string", "minLength": 1, "pattern": "^[a-z]+$"},
                "mode": {"type": "string", "enum": ["A", "B"], "pattern": "^[A-Z]$"},
                "port": {"type": "integer", "minimum": 1}
            }
        });
        let schema = Schema::compile("v1", "Test", Arc::new(doc)).unwrap();
        let got =
            schema.validate(&json!({"name": "", "mode": "ab", "port": "x", "u1": 1, "u2": 2}));
        assert_eq!(
            got,
            vec![
                Violation {
                    pointer: "/name".into(),
                    problem: Problem::Other("\"\" is shorter than 1 character".into()),
                },
                Violation {
                    pointer: "/mode".into(),
                    problem: Problem::Enum {
                        options: vec![json!("A"), json!("B")]
                    },
                },
                Violation {
                    pointer: "/port".into(),
                    problem: Problem::Type {
                        expected: vec!["integer".into()]
                    },
                },
            ]
            .into_iter()
            .chain(["u1", "u2"].map(|f| Violation {
                pointer: String::new(),
                problem: Problem::UnknownField {
                    field: f.into(),
                    known: vec!["mode".into(), "name".into(), "port".into()],
                },
            }))
            .collect::<Vec<_>>()
        );
    }
}
