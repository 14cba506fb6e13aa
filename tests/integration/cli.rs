//! The command line: output formats, exit codes, bad input, redaction.
