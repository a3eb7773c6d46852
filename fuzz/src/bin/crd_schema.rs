//! Fuzz target: see `platc::fuzzing::crd_schema`.
fn main() {
    afl::fuzz!(|data: &[u8]| platc::fuzzing::crd_schema(data));
}
