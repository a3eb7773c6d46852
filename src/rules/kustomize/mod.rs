//! `kustomize/*`: kustomizations that cannot build, or build something other than intended.
//! They read kustomization files and build outputs, not single objects.

pub mod duplicate_object;
pub mod invalid;
pub mod missing_file;
pub mod patch_target;
