//! Fuzz target: see `platc::fuzzing::kustomization`.
fn main() {
    afl::fuzz!(|data: &[u8]| platc::fuzzing::kustomization(data));
}
