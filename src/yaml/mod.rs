//! YAML as Kubernetes reads it: a positioned tree, YAML 1.1 scalars, safe limits.

pub mod de;
pub mod emit;
mod fast;
pub mod load;
pub mod node;
pub mod resolve;

pub use load::{
    DuplicateKey, Stream, YamlError, fast_reads, parse_documents_apart, parse_fast_only,
    parse_saphyr_only, parse_stream,
};
pub use node::{Node, Pos, Span, Value};
