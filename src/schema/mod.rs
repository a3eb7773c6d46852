//! JSON schemas for Kubernetes objects: CustomResourceDefinitions converted the way the API
//! server reads them, and validation against them.

pub mod crd;

use serde_json::Value;

/// A compiled validator for one apiVersion and kind.
pub struct Schema {
    pub api_version: String,
    pub kind: String,
    validator: jsonschema::Validator,
}

/// One way an object breaks its schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// JSON pointer into the object.
    pub pointer: String,
    pub message: String,
}

impl Schema {
    pub fn compile(api_version: &str, kind: &str, schema: &Value) -> Result<Schema, String> {
        let validator = jsonschema::draft7::options()
            .should_validate_formats(false)
            .build(schema)
            .map_err(|e| format!("the schema for {api_version} {kind} does not compile: {e}"))?;
        Ok(Schema {
            api_version: api_version.into(),
            kind: kind.into(),
            validator,
        })
    }

    pub fn validate(&self, object: &Value) -> Vec<Violation> {
        self.validator
            .iter_errors(object)
            .map(|e| Violation {
                pointer: e.instance_path().to_string(),
                message: e.to_string(),
            })
            .collect()
    }
}
