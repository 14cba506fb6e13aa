//! E-mail address (`addr-spec` of RFC 5322 §3.4.1, dot-atom form only, with
//! the length limits of RFC 5321 §4.5.3.1 and host names per RFC 1123).
//!
//! - Local part: 1-64 bytes of ``A-Z a-z 0-9 . ! # $ % & ' * + / = ? ^ _ ` { | } ~ -``
//!   or non-ASCII UTF-8 (internationalized addresses, RFC 6531:
//!   `françois@exemple.fr`), not starting or ending with `.`, no `..`.
//! - Domain: at most 253 bytes, at least two labels; each label 1-63
//!   bytes of `A-Z a-z 0-9 -` or non-ASCII UTF-8 (`müller.de`), not
//!   starting or ending with `-`.
//! - Top-level domain: 2-24 letters, an IDNA `xn--` label, or a
//!   non-ASCII label of at least two characters (`рф`).
//! - The whole address is valid UTF-8.
//!
//! Reserved example domains (`example.com`, `.test`, ...) are accepted:
//! test data uses them. File names that look like addresses
//! (`icon@2x.png`, `logo@3x.webp`) are rejected by their extension.

/// File extensions that are never TLDs but often follow an `@`.
const FILE_EXTENSIONS: &[&[u8]] =
    &[b"png", b"jpg", b"jpeg", b"gif", b"svg", b"webp", b"css", b"js", b"ico", b"bmp", b"tif", b"tiff", b"avif"];

/// Whether `value` is a syntactically valid e-mail address.
pub fn check(value: &[u8]) -> bool {
    let Some(at) = value.iter().position(|&b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&value[..at], &value[at + 1..]);
    local_ok(local) && domain_ok(domain) && (value.is_ascii() || std::str::from_utf8(value).is_ok())
}

fn local_ok(local: &[u8]) -> bool {
    (1..=64).contains(&local.len())
        && local.first() != Some(&b'.')
        && local.last() != Some(&b'.')
        && !local.windows(2).any(|w| w == b"..")
        && local.iter().all(|&b| b.is_ascii_alphanumeric() || !b.is_ascii() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b))
}

fn domain_ok(domain: &[u8]) -> bool {
    if domain.is_empty() || domain.len() > 253 {
        return false;
    }
    let mut labels = 0;
    let mut last: &[u8] = &[];
    for label in domain.split(|&b| b == b'.') {
        if !label_ok(label) {
            return false;
        }
        labels += 1;
        last = label;
    }
    labels >= 2 && tld_ok(last)
}

fn label_ok(label: &[u8]) -> bool {
    (1..=63).contains(&label.len())
        && label.first() != Some(&b'-')
        && label.last() != Some(&b'-')
        && label.iter().all(|&b| b.is_ascii_alphanumeric() || !b.is_ascii() || b == b'-')
}

fn tld_ok(tld: &[u8]) -> bool {
    let idna = tld.len() > 4 && tld[..4].eq_ignore_ascii_case(b"xn--");
    let letters = (2..=24).contains(&tld.len()) && tld.iter().all(u8::is_ascii_alphabetic);
    // Two or more non-ASCII characters (each two bytes or more).
    let unicode = tld.len() >= 4 && !tld.iter().any(u8::is_ascii);
    (idna || letters || unicode) && !FILE_EXTENSIONS.iter().any(|e| tld.eq_ignore_ascii_case(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let long_local = "a".repeat(64);
        let too_long_local = "a".repeat(65);
        let long_label = format!("{}.com", "d".repeat(63));
        let too_long_label = format!("{}.com", "d".repeat(64));
        let too_long_domain = format!("{}com", "abcdefghi.".repeat(26)); // 263 characters
        let cases: Vec<(String, bool)> = vec![
            ("jane.doe@example.com".into(), true),
            ("JANE.DOE@EXAMPLE.COM".into(), true),
            ("user+tag@sub.example.org".into(), true),
            ("a@b.co".into(), true),
            ("o'brien@example.net".into(), true),
            ("x_y-z!#$%&*=?^`{|}~@example.test".into(), true),
            ("user@mail.xn--p1ai".into(), true),
            ("user@example.photography".into(), true),
            ("user@123.example.com".into(), true),
            (format!("{long_local}@example.com"), true),
            (format!("user@{long_label}"), true),
            (format!("{too_long_local}@example.com"), false),
            (format!("user@{too_long_label}"), false),
            (format!("user@{too_long_domain}"), false),
            (".user@example.com".into(), false),
            ("user.@example.com".into(), false),
            ("us..er@example.com".into(), false),
            ("us er@example.com".into(), false),
            ("user(at)@example.com".into(), false),
            ("@example.com".into(), false),
            ("user@".into(), false),
            ("user@localhost".into(), false), // one label
            ("user@example".into(), false),
            ("user@example.c".into(), false), // one-letter TLD
            ("user@example.c0m".into(), false),
            ("user@example.abcdefghijklmnopqrstuvwxy".into(), false), // 25-letter TLD
            ("user@-example.com".into(), false),
            ("user@example-.com".into(), false),
            ("user@exa_mple.com".into(), false),
            ("user@example..com".into(), false),
            ("user@.example.com".into(), false),
            ("user@example.com.".into(), false),
            ("user@ex@ample.com".into(), false),
            ("user@192.168.0.1".into(), false),
            ("icon@2x.png".into(), false),
            ("logo@3x.webp".into(), false),
            ("bg@2x.JPG".into(), false),
            ("style@media.css".into(), false),
            ("chunk@1.2.js".into(), false),
            ("user@example.xn--".into(), false),
            ("jan\u{e9}@example.com".into(), true),
            ("fran\u{e7}ois.dupont@exemple.fr".into(), true),
            ("j\u{fc}rgen@m\u{fc}ller.de".into(), true),
            ("user@\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}.\u{440}\u{444}".into(), true),
            ("user@example.\u{440}".into(), false), // one-character TLD
            ("".into(), false),
            ("not an email".into(), false),
        ];
        for (input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    proptest! {
        #[test]
        fn simple_addresses_are_accepted(
            local in "[a-z0-9]{1,10}([._+-][a-z0-9]{1,10}){0,2}",
            host in "[a-z0-9]{1,10}(-[a-z0-9]{1,10})?",
            tld in "[a-z]{2,6}",
        ) {
            prop_assume!(!FILE_EXTENSIONS.contains(&tld.as_bytes()));
            let s = format!("{local}@{host}.{tld}");
            prop_assert!(check(s.as_bytes()), "{}", s);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = check(&bytes);
        }
    }
}
