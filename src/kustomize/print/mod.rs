//! Built objects printed byte for byte as `kustomize build` (kustomize 5.x, as `kubectl
//! kustomize` embeds it) prints them.
//!
//! kustomize sorts the objects in its legacy order ([`order`]), turns each into JSON and the
//! JSON into YAML through sigs.k8s.io/yaml, that is go-yaml v2: keys sorted ([`keys`]),
//! numbers and quoting as go-yaml v2 reads and writes them ([`scalar`]), and its emitter's
//! layout ([`emitter`]: sequences not indented under their key, lines folded at 80 columns,
//! literal blocks for multi-line text). Documents are joined by `---` lines.
//!
//! The go-yaml v2 parts are ports of its MIT-licensed Go code (itself ported from libyaml),
//! checked against `kubectl kustomize` on every fixture (tests/kustomize_native.rs).

mod emitter;
mod keys;
pub mod order;
mod scalar;

use serde_json::Value;

/// The output of `kustomize build` for these objects.
pub fn build_output(objects: &[Value]) -> String {
    let mut out = String::new();
    for (i, object) in order::legacy(objects).into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&emitter::document(object));
    }
    out
}

/// One object as kustomize prints it (no separator).
pub fn document(object: &Value) -> String {
    emitter::document(object)
}
