//! platc: compile a platform spec into Kustomize and ArgoCD, and check what a GitOps
//! repository holds.

pub mod suggest;
pub mod yaml;
