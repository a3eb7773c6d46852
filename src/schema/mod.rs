//! JSON schemas for Kubernetes objects: built-in kinds embedded per Kubernetes version,
//! CustomResourceDefinitions converted the way the API server reads them, and validation.

pub mod catalog;
pub mod core;
pub mod crd;
pub mod import;
pub mod re2;
pub mod registry;

use std::sync::Arc;

use serde_json::Value;

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
                    problem: Problem::Other(e.to_string()),
                }),
            }
        }
        out
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
