//! The command line: flags (`args.rs`), built configuration (`config.rs`)
//! and one module per subcommand. Only this module and `main.rs` use `anyhow`.

pub mod alloc;
pub mod args;
mod cmd_rules;
mod cmd_scan;
mod config;
pub mod exit;
mod output;
mod report;

use anyhow::Result;

use args::{Cli, Command, RulesCommand};
use exit::ExitCode;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Scan(a) => cmd_scan::run(&a),
        Command::Rules(RulesCommand::List(a)) => cmd_rules::list(&a),
        Command::Rules(RulesCommand::Check(a)) => cmd_rules::check(&a),
    }
}
