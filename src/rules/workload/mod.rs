//! `workload/*`: pod and container practices that matter in a platform repository.

pub mod duplicate_env;
pub mod host_namespaces;
pub mod image_tag;
pub mod privileged;
pub mod probes;
pub mod resources;
pub mod selector_mismatch;
