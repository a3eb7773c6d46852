//! Fuzz target: see `platc::fuzzing::secrets`.
fn main() {
    afl::fuzz!(|data: &[u8]| platc::fuzzing::secrets(data));
}
