use clap::Parser;

// platc allocates many small nodes when it reads YAML; mimalloc frees them several times
// faster than the system allocator (a third of the time on the validation benchmark).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = platc::cli::Cli::parse();
    std::process::exit(platc::commands::run(cli));
}
