//! The platform spec: its model, loading with positions, and the checks made on load.

mod check;
pub mod graph;
mod lint;
mod load;
pub mod model;
pub mod names;
pub mod params;
pub mod paths;
pub mod projects;

pub use load::{LoadError, Spec, load, load_text};
pub use model::*;

/// The default location of the spec, relative to the repository root.
pub const DEFAULT_SPEC: &str = "platform/platform.yaml";
