//! Fuzz target: see `platc::fuzzing::yaml_fast`.
fn main() {
    afl::fuzz!(|data: &[u8]| platc::fuzzing::yaml_fast(data));
}
