//! `deprecated/*`: API versions the target Kubernetes no longer serves, or soon won't.

pub mod removed_api;
