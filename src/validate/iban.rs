//! International Bank Account Number, ISO 13616-1:2020.
//!
//! An IBAN is a two-letter ISO 3166-1 country code, two check digits and a
//! country-specific BBAN of letters and digits. It passes when the country
//! is in the SWIFT IBAN registry (release 99, which covers all 52 countries
//! Amazon Macie supports), the length is that country's IBAN length, the
//! check digits are not `00`, `01` or `99`, and the ISO 7064 MOD 97-10 check
//! holds (moving the first four characters to the end and reading letters
//! as 10-35 gives a number whose remainder mod 97 is 1).
//!
//! The value may be compact (`GB82WEST12345698765432`) or grouped with
//! single spaces (`GB82 WEST 1234 5698 7654 32`); letters are
//! case-insensitive.

use super::util::sep_alnum_upper;

/// IBAN length per country, from the SWIFT IBAN registry. Sorted by code.
const LENGTHS: &[([u8; 2], u8)] = &[
    (*b"AD", 24),
    (*b"AE", 23),
    (*b"AL", 28),
    (*b"AT", 20),
    (*b"AZ", 28),
    (*b"BA", 20),
    (*b"BE", 16),
    (*b"BG", 22),
    (*b"BH", 22),
    (*b"BI", 27),
    (*b"BR", 29),
    (*b"BY", 28),
    (*b"CH", 21),
    (*b"CR", 22),
    (*b"CY", 28),
    (*b"CZ", 24),
    (*b"DE", 22),
    (*b"DJ", 27),
    (*b"DK", 18),
    (*b"DO", 28),
    (*b"EE", 20),
    (*b"EG", 29),
    (*b"ES", 24),
    (*b"FI", 18),
    (*b"FK", 18),
    (*b"FO", 18),
    (*b"FR", 27),
    (*b"GB", 22),
    (*b"GE", 22),
    (*b"GI", 23),
    (*b"GL", 18),
    (*b"GR", 27),
    (*b"GT", 28),
    (*b"HN", 28),
    (*b"HR", 21),
    (*b"HU", 28),
    (*b"IE", 22),
    (*b"IL", 23),
    (*b"IQ", 23),
    (*b"IS", 26),
    (*b"IT", 27),
    (*b"JO", 30),
    (*b"KW", 30),
    (*b"KZ", 20),
    (*b"LB", 28),
    (*b"LC", 32),
    (*b"LI", 21),
    (*b"LT", 20),
    (*b"LU", 20),
    (*b"LV", 21),
    (*b"LY", 25),
    (*b"MC", 27),
    (*b"MD", 24),
    (*b"ME", 22),
    (*b"MK", 19),
    (*b"MN", 20),
    (*b"MR", 27),
    (*b"MT", 31),
    (*b"MU", 30),
    (*b"NI", 28),
    (*b"NL", 18),
    (*b"NO", 15),
    (*b"OM", 23),
    (*b"PK", 24),
    (*b"PL", 28),
    (*b"PS", 29),
    (*b"PT", 25),
    (*b"QA", 29),
    (*b"RO", 24),
    (*b"RS", 22),
    (*b"RU", 33),
    (*b"SA", 24),
    (*b"SC", 31),
    (*b"SD", 18),
    (*b"SE", 24),
    (*b"SI", 19),
    (*b"SK", 24),
    (*b"SM", 27),
    (*b"SN", 28),
    (*b"SO", 23),
    (*b"ST", 25),
    (*b"SV", 28),
    (*b"TL", 23),
    (*b"TN", 24),
    (*b"TR", 26),
    (*b"UA", 29),
    (*b"VA", 22),
    (*b"VG", 24),
    (*b"XK", 20),
    (*b"YE", 30),
];

/// The longest IBAN in the registry (Russia, 33); ISO 13616 allows 34.
const MAX_LEN: usize = 34;

/// The IBAN length of country `cc` (two ASCII letters, any case), or `None`
/// when the country does not use IBANs.
pub fn country_length(cc: &[u8]) -> Option<usize> {
    let &[a, b] = cc else {
        return None;
    };
    let key = [a.to_ascii_uppercase(), b.to_ascii_uppercase()];
    LENGTHS.binary_search_by(|(code, _)| code.cmp(&key)).ok().map(|i| usize::from(LENGTHS[i].1))
}

/// Whether `value` is an IBAN of a registry country, with that country's
/// length and a valid MOD 97-10 check.
pub fn check(value: &[u8]) -> bool {
    // Single separators (space or hyphen, as Macie accepts) between groups only.
    let sep = |b: &u8| *b == b' ' || *b == b'-';
    if value.first().is_some_and(sep)
        || value.last().is_some_and(sep)
        || value.windows(2).any(|w| sep(&w[0]) && sep(&w[1]))
    {
        return false;
    }
    let mut buf = [0u8; MAX_LEN];
    let Some(n) = sep_alnum_upper(value, b" -", &mut buf) else {
        return false;
    };
    let iban = &buf[..n];
    if n < 4 || country_length(&iban[..2]) != Some(n) {
        return false;
    }
    let (cd1, cd2) = (iban[2], iban[3]);
    if !cd1.is_ascii_digit() || !cd2.is_ascii_digit() || matches!(&iban[2..4], b"00" | b"01" | b"99") {
        return false;
    }
    mod97(iban[4..].iter().chain(&iban[..4])) == 1
}

/// ISO 7064 MOD 97-10 remainder of upper-case alphanumerics, letters as 10-35.
fn mod97<'a>(chars: impl Iterator<Item = &'a u8>) -> u32 {
    chars.fold(0u32, |rem, &c| {
        if c.is_ascii_digit() {
            (rem * 10 + u32::from(c - b'0')) % 97
        } else {
            (rem * 100 + u32::from(c - b'A') + 10) % 97
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        // Examples from the SWIFT IBAN registry and national bank documentation.
        let cases: &[(&str, bool)] = &[
            ("GB82WEST12345698765432", true),
            ("GB82 WEST 1234 5698 7654 32", true),
            ("GB82-WEST-1234-5698-7654-32", true),
            ("GB82--WEST-1234-5698-7654-32", false),
            ("SN08SN0100152000048500003035", true),
            ("gb82 west 1234 5698 7654 32", true),
            ("DE89370400440532013000", true),
            ("DE89 3704 0044 0532 0130 00", true),
            ("FR1420041010050500013M02606", true),
            ("NL91ABNA0417164300", true),
            ("BE68539007547034", true),
            ("CH9300762011623852957", true),
            ("ES9121000418450200051332", true),
            ("IT60X0542811101000000123456", true),
            ("NO9386011117947", true),
            ("AL47212110090000000235698741", true),
            ("AD1200012030200359100100", true),
            ("AT611904300234573201", true),
            ("SA0380000000608010167519", true),
            ("MT84MALT011000012345MTLCAST001S", true),
            ("BR1800360305000010009795493C1", true),
            ("GB82WEST12345698765433", false),  // bad checksum
            ("GB82WEST1234569876543", false),   // one short
            ("GB82WEST123456987654321", false), // one long
            ("DE89370400440532013000 ", false),
            ("GB82  WEST 1234 5698 7654 32", false),
            ("US12345678901234567890", false), // no IBAN in the US
            ("XX82WEST12345698765432", false),
            ("GBX2WEST12345698765432", false), // check digits not digits
            ("GB00WEST12345698765432", false),
            ("GB01WEST12345698765432", false),
            ("GB99WEST12345698765432", false),
            ("GB", false),
            ("G", false),
            ("", false),
            ("this is not an iban at all!", false),
            ("GB82WEST1234569876543\u{e9}", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    #[test]
    fn lengths_are_sorted_and_cover_macie_countries() {
        assert!(LENGTHS.windows(2).all(|w| w[0].0 < w[1].0));
        let macie = "AD AE AL AT AZ BA BE BG BH BR CH CR CY CZ DE DK DO EE ES FI FO FR GB GE GI \
                     GL GR GT HR HU IE IL IS IT JO KW KZ LB LI LT LU LV MC MD ME MK MR MT MU NL \
                     NO PK PL PS PT QA RO RS SA SE SI SK SM TN TR UA VG XK";
        for cc in macie.split_whitespace() {
            assert!(country_length(cc.as_bytes()).is_some(), "{cc}");
        }
        assert_eq!(Some(22), country_length(b"gb"));
        assert_eq!(Some(15), country_length(b"NO"));
        assert_eq!(None, country_length(b"US"));
        assert_eq!(None, country_length(b"G"));
        assert_eq!(None, country_length(b"GBR"));
    }

    /// Builds an IBAN for `cc` with BBAN `bban` and correct check digits.
    fn make(cc: &str, bban: &str) -> String {
        let rearranged = format!("{bban}{cc}00");
        let rem = mod97(rearranged.as_bytes().iter());
        format!("{cc}{:02}{bban}", 98 - rem)
    }

    proptest! {
        #[test]
        fn computed_check_digits_are_accepted(
            i in 0usize..LENGTHS.len(),
            bban in "[0-9A-Z]{40}",
        ) {
            let (cc, len) = LENGTHS[i];
            let cc = std::str::from_utf8(&cc).unwrap();
            let iban = make(cc, &bban[..usize::from(len) - 4]);
            prop_assume!(!matches!(&iban[2..4], "01" | "99" | "00"));
            prop_assert!(check(iban.as_bytes()), "{iban}");
        }

        #[test]
        fn changing_one_digit_is_rejected(
            bban in "[0-9]{18}",
            pos in 2usize..22,
            delta in 1u8..10,
        ) {
            let mut iban = make("GB", &bban).into_bytes();
            iban[pos] = b'0' + (iban[pos] - b'0' + delta) % 10;
            prop_assert!(!check(&iban), "{}", String::from_utf8_lossy(&iban));
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = check(&bytes);
        }
    }
}
