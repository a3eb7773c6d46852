//! platc: compile a platform spec into Kustomize and ArgoCD, and check what a GitOps
//! repository holds.

pub mod cli;
pub mod cmp;
pub mod commands;
pub mod compile;
pub mod config;
pub mod confine;
pub mod diff;
#[doc(hidden)]
pub mod fuzzing;
pub mod gojson;
pub mod import;
pub mod init;
pub mod kustomize;
pub mod limits;
pub mod manifest;
pub mod policy;
pub mod repo;
pub mod report;
pub mod rules;
pub mod schema;
pub mod secrets;
pub mod source;
pub mod spec;
pub mod suggest;
pub mod tree;
pub mod validate;
pub mod yaml;
