//! Process exit codes (see `args::EXIT_CODES`).

/// How `trawl` exits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    /// Nothing found, everything scanned.
    Clean,
    /// Sensitive data found.
    Findings,
    /// Something could not be scanned, or the command failed.
    Error,
}

impl ExitCode {
    /// The numeric code.
    pub fn code(self) -> i32 {
        match self {
            ExitCode::Clean => 0,
            ExitCode::Findings => 1,
            ExitCode::Error => 2,
        }
    }
}
