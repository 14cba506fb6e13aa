//! IP address that can identify a host on the public internet.
//!
//! IPv4 must be a strict dotted quad (RFC 791 / RFC 6943 §3.1.1: four
//! decimal octets 0-255, no leading zeros). IPv6 is any RFC 4291 text form
//! (RFC 5952 recommended form or not) without a zone index. Addresses that
//! cannot identify a public host are rejected (IANA special-purpose
//! registries, RFC 6890):
//!
//! - IPv4: 0.0.0.0/8 "this network", 10/8, 172.16/12, 192.168/16
//!   (RFC 1918), 100.64/10 (CGNAT, RFC 6598), 127/8 loopback, 169.254/16
//!   link-local, 224/4 multicast, 240/4 reserved and 255.255.255.255
//!   broadcast;
//! - IPv6: `::` unspecified, `::1` loopback, fc00::/7 unique local,
//!   fe80::/10 link-local, fec0::/10 deprecated site-local, ff00::/8
//!   multicast; IPv4-mapped and IPv4-compatible addresses are judged by
//!   their IPv4 part.
//!
//! The documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24,
//! 2001:db8::/32) are accepted on purpose: synthetic test data uses them.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Longest IPv6 text form: eight groups of four and seven colons, or six
/// groups plus a dotted quad (45 characters).
const MAX_V6: usize = 45;

/// Whether `value` is a public IPv4 or IPv6 address.
pub fn check(value: &[u8]) -> bool {
    if let Some(v4) = parse_v4(value) {
        return public_v4(v4);
    }
    if value.contains(&b':') {
        return parse_v6(value).is_some_and(public_v6);
    }
    false
}

/// Strict dotted-quad parse: four octets, 1-3 digits each, no leading zeros.
fn parse_v4(value: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = value.split(|&b| b == b'.');
    for slot in &mut octets {
        let part = parts.next()?;
        if part.is_empty()
            || part.len() > 3
            || !part.iter().all(u8::is_ascii_digit)
            || (part.len() > 1 && part[0] == b'0')
        {
            return None;
        }
        let n = part.iter().fold(0u32, |acc, &b| acc * 10 + u32::from(b - b'0'));
        *slot = u8::try_from(n).ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(Ipv4Addr::from(octets))
}

/// IPv6 parse on a stack copy through `std::net`.
fn parse_v6(value: &[u8]) -> Option<Ipv6Addr> {
    if value.len() > MAX_V6 {
        return None;
    }
    let mut buf = [0u8; MAX_V6];
    let copy = buf.get_mut(..value.len())?;
    copy.copy_from_slice(value);
    std::str::from_utf8(copy).ok()?.parse().ok()
}

/// Whether an IPv4 address is outside the non-public special ranges.
fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, _, _] = ip.octets();
    !(a == 0                                    // 0.0.0.0/8 this network
        || a == 10                              // 10/8 private
        || (a == 100 && (64..=127).contains(&b)) // 100.64/10 CGNAT
        || a == 127                             // 127/8 loopback
        || (a == 169 && b == 254)               // 169.254/16 link-local
        || (a == 172 && (16..=31).contains(&b)) // 172.16/12 private
        || (a == 192 && b == 168)               // 192.168/16 private
        || a >= 224) // 224/4 multicast, 240/4 reserved, broadcast
}

/// Whether an IPv6 address is outside the non-public special ranges.
fn public_v6(ip: Ipv6Addr) -> bool {
    let seg = ip.segments();
    if ip.is_unspecified() || ip.is_loopback() {
        return false;
    }
    // IPv4-mapped ::ffff:a.b.c.d and deprecated IPv4-compatible ::a.b.c.d.
    if seg[..5] == [0; 5] && (seg[5] == 0xffff || seg[5] == 0) {
        let [.., a, b, c, d] = ip.octets();
        return public_v4(Ipv4Addr::new(a, b, c, d));
    }
    let first = seg[0];
    !((first & 0xfe00) == 0xfc00     // fc00::/7 unique local
        || (first & 0xffc0) == 0xfe80 // fe80::/10 link-local
        || (first & 0xffc0) == 0xfec0 // fec0::/10 site-local
        || (first & 0xff00) == 0xff00) // ff00::/8 multicast
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            ("8.8.8.8", true),
            ("1.1.1.1", true),
            ("192.0.2.1", true),     // TEST-NET-1, documentation
            ("198.51.100.23", true), // TEST-NET-2
            ("203.0.113.255", true), // TEST-NET-3
            ("100.63.255.255", true),
            ("100.128.0.1", true),
            ("172.15.0.1", true),
            ("172.32.0.1", true),
            ("223.255.255.255", true),
            ("11.0.0.0", true),
            ("0.0.0.0", false),
            ("0.1.2.3", false),
            ("10.0.0.1", false),
            ("10.255.255.255", false),
            ("100.64.0.1", false),
            ("100.127.255.255", false),
            ("127.0.0.1", false),
            ("169.254.1.1", false),
            ("172.16.0.1", false),
            ("172.31.255.255", false),
            ("192.168.1.1", false),
            ("224.0.0.1", false),
            ("239.255.255.250", false),
            ("240.0.0.1", false),
            ("255.255.255.255", false),
            ("256.1.1.1", false),
            ("1.2.3", false),
            ("1.2.3.4.5", false),
            ("01.2.3.4", false), // leading zero
            ("1.2.3.04", false),
            ("1.2.3.", false),
            ("1..3.4", false),
            ("1.2.3.4 ", false),
            ("1.2.3.-4", false),
            ("1234.1.1.1", false),
            ("2001:db8::1", true), // documentation
            ("2001:4860:4860::8888", true),
            ("2606:4700:4700::1111", true),
            ("2001:0DB8:0000:0000:0000:0000:0000:0001", true),
            ("::ffff:8.8.8.8", true),
            ("::", false),
            ("::1", false),
            ("fc00::1", false),
            ("fd12:3456:789a::1", false),
            ("fe80::1", false),
            ("fe80::1%eth0", false),
            ("fec0::1", false),
            ("ff02::1", false),
            ("::ffff:192.168.1.1", false),
            ("::ffff:127.0.0.1", false),
            ("2001:db8::g", false),
            ("2001:db8:::1", false),
            ("1:2:3:4:5:6:7:8:9", false),
            ("[2001:db8::1]", false),
            ("2001:db8:0000:0000:0000:0000:0000:0000:0000:0001", false),
            ("", false),
            ("not an ip", false),
            ("std::cout", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    proptest! {
        #[test]
        fn v4_agrees_with_std(
            a in any::<u8>(),
            b in any::<u8>(),
            c in any::<u8>(),
            d in any::<u8>(),
        ) {
            let ip = Ipv4Addr::new(a, b, c, d);
            let s = ip.to_string();
            let special = ip.is_private()
                || ip.is_loopback()
                || ip.is_link_local()
                || ip.is_multicast()
                || ip.is_broadcast()
                || a == 0
                || a >= 240
                || (a == 100 && (b & 0xc0) == 64);
            prop_assert_eq!(!special, check(s.as_bytes()), "{}", s);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..50)) {
            let _ = check(&bytes);
        }

        #[test]
        fn never_panics_on_address_like_text(s in "[0-9a-fA-F:.%]{0,50}") {
            let _ = check(s.as_bytes());
        }
    }
}
