//! Rules over the whole bundle of objects, never file by file: what one object refers to
//! must exist somewhere among the others. The object pass gathers small facts about each
//! object (parse once); these rules run over the facts when every file has been read.

pub mod duplicate_release;
mod facts;
pub mod hpa_target;
pub mod selects_nothing;
pub mod shared_object;
pub mod unknown_project;

pub use facts::{Fact, GitSource, ObjectId, Place, facts_of};

use crate::report::Finding;

/// The rules over what deploys together (one build, or the loose manifests): selectors and
/// scale targets must find their workloads in the same bundle.
pub fn check_workloads<'a>(facts: impl Iterator<Item = &'a Fact> + Clone) -> Vec<Finding> {
    let mut out = Vec::new();
    selects_nothing::check(facts.clone(), &mut out);
    hpa_target::check(facts, &mut out);
    out
}

/// The rules over every Application and AppProject of the repository.
pub fn check_applications<'a>(facts: impl Iterator<Item = &'a Fact> + Clone) -> Vec<Finding> {
    let mut out = Vec::new();
    unknown_project::check(facts.clone(), &mut out);
    duplicate_release::check(facts, &mut out);
    out
}

/// The bundle rules' `check` field: they do not run per object.
pub(crate) fn per_object(
    _: &crate::rules::Context<'_>,
    _: &crate::manifest::ObjectRef<'_>,
    _: &mut Vec<Finding>,
) {
}
