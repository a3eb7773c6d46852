//! Fuzz target: see `platc::fuzzing::yaml_objects`.
fn main() {
    afl::fuzz!(|data: &[u8]| platc::fuzzing::yaml_objects(data));
}
