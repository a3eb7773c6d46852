//! `hygiene/*`: lessons from running a real platform.

pub mod live_export;
pub mod unstable_disk_path;
