//! Geographic coordinate pair in decimal degrees (WGS 84 / ISO 6709
//! order: latitude first).
//!
//! `lat,long`, `lat, long`, `lat long`, `lat;long` or `lat; long`, each a
//! decimal number with an optional sign and at least three decimal places
//! (about 100 m, precise enough to locate a person's home). Latitude is in
//! -90..=90, longitude in -180..=180, and the pair is not 0, 0 ("null
//! island", a common default).

/// Whether `value` is a latitude/longitude pair in range with at least three
/// decimals on each number.
pub fn check(value: &[u8]) -> bool {
    if value.len() > 64 {
        return false;
    }
    let Some(sep) = value.iter().position(|&b| matches!(b, b',' | b';' | b' ')) else {
        return false;
    };
    let lat = &value[..sep];
    let mut long = &value[sep + 1..];
    if value[sep] != b' ' {
        long = long.strip_prefix(b" ").unwrap_or(long);
    }
    match (parse(lat), parse(long)) {
        (Some(lat), Some(long)) => lat.within(90) && long.within(180) && !(lat.is_zero() && long.is_zero()),
        _ => false,
    }
}

/// A parsed decimal: integer part and whether the fraction is all zeros.
struct Degrees {
    int: u32,
    frac_zero: bool,
}

impl Degrees {
    /// Whether the absolute value is at most `max` degrees.
    fn within(&self, max: u32) -> bool {
        self.int < max || (self.int == max && self.frac_zero)
    }

    fn is_zero(&self) -> bool {
        self.int == 0 && self.frac_zero
    }
}

/// `[+-]D{1,3}.D{3,}`
fn parse(s: &[u8]) -> Option<Degrees> {
    let s = match s {
        [b'+' | b'-', rest @ ..] => rest,
        _ => s,
    };
    let dot = s.iter().position(|&b| b == b'.')?;
    let (int, frac) = (&s[..dot], &s[dot + 1..]);
    if !(1..=3).contains(&int.len()) || frac.len() < 3 || !int.iter().chain(frac).all(u8::is_ascii_digit) {
        return None;
    }
    Some(Degrees {
        int: int.iter().fold(0, |acc, &b| acc * 10 + u32::from(b - b'0')),
        frac_zero: frac.iter().all(|&b| b == b'0'),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            ("40.712, -74.006", true),
            ("40.7128,-74.0060", true),
            ("40.7128 -74.0060", true),
            ("40.7128;-74.0060", true),
            ("40.7128; -74.0060", true),
            ("+51.5074, -0.1278", true),
            ("-33.8688, 151.2093", true),
            ("90.000, 180.000", true),
            ("-90.000, -180.000", true),
            ("0.000, 0.001", true),
            ("0.000, 0.000", false), // null island
            ("-0.000, +0.0000", false),
            ("90.001, 10.000", false), // latitude out of range
            ("91.000, 10.000", false),
            ("10.000, 180.001", false), // longitude out of range
            ("10.000, 181.000", false),
            ("10.000, 1000.000", false),
            ("40.71, -74.006", false), // two decimals
            ("40.712, -74.00", false),
            ("40, -74", false),
            ("40.712", false),
            ("40.712,  -74.006", false),
            ("40.712 , -74.006", false),
            ("40.712, -74.006, 3.000", false),
            ("40.712,-74.006x", false),
            ("--40.712, -74.006", false),
            (".712, -74.006", false),
            ("40.712|-74.006", false),
            ("", false),
            ("lat, long", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    proptest! {
        #[test]
        fn in_range_pairs_are_accepted(lat in -90.0f64..=90.0, long in -180.0f64..=180.0) {
            let s = format!("{lat:.5}, {long:.5}");
            prop_assume!(lat.abs() >= 0.001 || long.abs() >= 0.001);
            prop_assert!(check(s.as_bytes()), "{}", s);
        }

        #[test]
        fn out_of_range_latitudes_are_rejected(lat in 90.001f64..999.0, long in -180.0f64..=180.0) {
            let s = format!("{lat:.3},{long:.3}");
            prop_assert!(!check(s.as_bytes()), "{}", s);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = check(&bytes);
        }
    }
}
