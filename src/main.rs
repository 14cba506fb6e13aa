//! The `trawl` command: parse flags, run, map the result to an exit code.

mod cli;

use clap::Parser;

use cli::exit::ExitCode;

#[global_allocator]
static ALLOC: cli::alloc::Split = cli::alloc::Split;

fn main() {
    let cli = cli::args::Cli::parse();
    let code = match cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                ExitCode::Clean
            } else {
                eprintln!("trawl: error: {e:#}");
                ExitCode::Error
            }
        }
    };
    std::process::exit(code.code());
}
