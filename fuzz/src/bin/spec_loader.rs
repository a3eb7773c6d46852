//! Fuzz target: see `platc::fuzzing::spec_loader`.
fn main() {
    afl::fuzz!(|data: &[u8]| platc::fuzzing::spec_loader(data));
}
