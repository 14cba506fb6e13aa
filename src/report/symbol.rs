//! Interned strings for the names every finding repeats: its data type and
//! its rule id.
//!
//! Findings are built on the scanning threads and printed (and dropped) on
//! the reporter's. With the names as `Arc<str>`, each finding cloned two
//! reference counts on one thread and released them on the other, and the
//! counts' cache lines moved between cores for every finding: on a table
//! where every row holds a finding that was a quarter of a microsecond per
//! finding. A [`Symbol`] is a pointer to a string that lives as long as the
//! process, copied with no count at all.
//!
//! Each distinct string is stored once, the first time it is interned, and
//! never freed: rule ids and type names are a few hundred strings, however
//! many scanners a process builds from the same rules.

use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An interned string: copied as a pointer, compared and hashed as its text.
///
/// # Example
/// ```
/// use trawl::Symbol;
/// let a = Symbol::new("CREDIT_CARD_NUMBER");
/// let b: Symbol = String::from("CREDIT_CARD_NUMBER").into();
/// assert_eq!(a, b);
/// assert_eq!(a, "CREDIT_CARD_NUMBER");
/// assert_eq!(a.len(), 18);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Symbol(&'static str);

/// Every string interned so far.
fn table() -> &'static Mutex<HashSet<&'static str>> {
    static TABLE: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    TABLE.get_or_init(Mutex::default)
}

impl Symbol {
    /// The symbol of `s`, stored the first time it is asked for.
    pub fn new(s: &str) -> Symbol {
        // A panic while the lock was held left the set as it was: still usable.
        let mut table = table().lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(&known) = table.get(s) {
            return Symbol(known);
        }
        let stored: &'static str = Box::leak(s.into());
        table.insert(stored);
        Symbol(stored)
    }

    /// The text.
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl Deref for Symbol {
    type Target = str;

    fn deref(&self) -> &str {
        self.0
    }
}

impl AsRef<str> for Symbol {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl std::borrow::Borrow<str> for Symbol {
    fn borrow(&self) -> &str {
        self.0
    }
}

impl From<&str> for Symbol {
    fn from(s: &str) -> Symbol {
        Symbol::new(s)
    }
}

impl From<String> for Symbol {
    fn from(s: String) -> Symbol {
        Symbol::new(&s)
    }
}

impl PartialEq<str> for Symbol {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Symbol {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl Serialize for Symbol {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Symbol {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Symbol, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Symbol::new(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_is_stored_once() {
        let a = Symbol::new("trawl.test.symbol");
        let b = Symbol::new(&String::from("trawl.test.symbol"));
        assert!(std::ptr::eq(a.as_str(), b.as_str()));
        assert_ne!(a, Symbol::new("trawl.test.other"));
        assert_eq!(format!("{a} {a:?}"), "trawl.test.symbol \"trawl.test.symbol\"");
    }

    #[test]
    fn symbols_round_trip_through_json() {
        let a = Symbol::new("USA_SOCIAL_SECURITY_NUMBER");
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, "\"USA_SOCIAL_SECURITY_NUMBER\"");
        assert_eq!(serde_json::from_str::<Symbol>(&json).unwrap(), a);
        // Escaped text is decoded before it is interned.
        assert_eq!(serde_json::from_str::<Symbol>("\"a\\u0062\"").unwrap(), "ab");
    }
}
