use clap::Parser;

fn main() {
    let cli = platc::cli::Cli::parse();
    std::process::exit(platc::commands::run(cli));
}
