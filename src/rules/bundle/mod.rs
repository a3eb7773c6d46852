//! Rules over the whole bundle of objects, never file by file: what one object refers to
//! must exist somewhere among the others. The object pass gathers small facts about each
//! object (parse once); these rules run over the facts when every file has been read.

pub mod duplicate_release;
mod facts;
pub mod hpa_target;
pub mod selects_nothing;
pub mod unknown_project;

pub use facts::{Fact, facts_of};

use crate::report::Finding;

/// Run the bundle rules over every object's facts.
pub fn check(facts: &[Fact]) -> Vec<Finding> {
    let mut out = Vec::new();
    selects_nothing::check(facts, &mut out);
    hpa_target::check(facts, &mut out);
    unknown_project::check(facts, &mut out);
    duplicate_release::check(facts, &mut out);
    out
}

/// The bundle rules' `check` field: they do not run per object.
pub(crate) fn per_object(
    _: &crate::rules::Context<'_>,
    _: &crate::validate::ObjectRef<'_>,
    _: &mut Vec<Finding>,
) {
}
