//! Third-party parsers run with their panics turned into errors.
//!
//! The PDF and workbook libraries assume well-formed files and panic on
//! some that are not (an `unwrap`, an assertion, an index past a table).
//! A scanner meets damaged files every day: [`quietly`] runs such a parser
//! under `catch_unwind`, so that the file is reported and the scan goes on
//! with the others, and keeps the panic's message off standard error (the
//! file's problem says what happened).

use std::any::Any;
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// Whether a panic on this thread is caught by [`quietly`], whose
    /// message is then not printed.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic into an error naming `what` (`the PDF
/// reader`) and the panic's message, with that message kept off standard
/// error.
pub(crate) fn quietly<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    catch_quietly(f).map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into());
        format!("{what} failed: {message}")
    })
}

/// Runs `f`, returning its panic's payload (for `resume_unwind` on
/// another thread) with the panic's message kept off standard error. The
/// process's panic hook is wrapped once: it stays silent on a thread
/// inside `catch_quietly` and runs as before elsewhere.
pub(crate) fn catch_quietly<T>(f: impl FnOnce() -> T) -> Result<T, Box<dyn Any + Send>> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_errors_without_a_message_on_stderr() {
        let r: Result<(), String> = quietly("the PDF reader", || panic!("bad xref"));
        assert_eq!(r.unwrap_err(), "the PDF reader failed: bad xref");
        assert_eq!(quietly("the PDF reader", || 7), Ok(7));
        // Outside `quietly`, panics still reach the hook as before.
        assert!(!QUIET.with(Cell::get));
    }
}
