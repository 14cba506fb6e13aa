//! Telephone number, per ITU-T E.164 (country calling codes from ITU-T
//! E.164 Annex / "List of ITU-T Recommendation E.164 assigned country
//! codes") and the North American Numbering Plan (ATIS-0300115).
//!
//! The value is digits with optional separators (space, `-`, `.`, `/`, one
//! pair of parentheses around a digit group) and an optional leading `+`.
//!
//! - International form, `+CC ...`, `00 CC ...` or the NANP exit code
//!   `011 CC ...`: the country code must be assigned and the whole number
//!   8-15 digits (E.164). A trunk `0` after the country code, as in
//!   `+44 (0)20 ...`, is ignored (except for Italy, where it is part of the
//!   number, and NANP, which has no trunk prefix). Known countries get
//!   their national lengths: US/Canada (+1) follows NANP rules,
//!   Russia/Kazakhstan (+7) 10 digits, UK (+44) 9-10, Germany (+49) 6-13,
//!   France (+33) 9, Italy (+39) 6-11, Spain (+34) 9, Brazil (+55) 10-11.
//! - Without a country code the number must be NANP: ten digits (or eleven
//!   starting with `1`), an area code in service (US, Canada and the other
//!   NANP countries, toll-free and premium codes included), exchange `NXX`
//!   with N 2-9. Fictional 555 numbers are accepted: synthetic test data
//!   uses them.

/// Assigned E.164 country calling codes (geographic, plus the global
/// services 800, 808, 870, 878, 881-883). Sorted.
const COUNTRY_CODES: &[u16] = &[
    1, 7, 20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56, 57, 58, 60,
    61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98, 211, 212, 213, 216, 218, 220, 221, 222, 223,
    224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246,
    247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 290,
    291, 297, 298, 299, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 370, 371, 372, 373, 374, 375, 376, 377, 378,
    380, 381, 382, 383, 385, 386, 387, 389, 420, 421, 423, 500, 501, 502, 503, 504, 505, 506, 507, 508, 509, 590, 591,
    592, 593, 594, 595, 596, 597, 598, 599, 670, 672, 673, 674, 675, 676, 677, 678, 679, 680, 681, 682, 683, 685, 686,
    687, 688, 689, 690, 691, 692, 800, 808, 850, 852, 853, 855, 856, 870, 878, 880, 881, 882, 883, 886, 960, 961, 962,
    963, 964, 965, 966, 967, 968, 970, 971, 972, 973, 974, 975, 976, 977, 992, 993, 994, 995, 996, 998,
];

/// NANP area codes in service, from the numbering-plan metadata of
/// libphonenumber (Apache-2.0; Python `phonenumbers` 9.0.43, 2026): every
/// `NXX` for which some `NXX-NXX-XXXX` number is valid. An unassigned code
/// (`366`, `555`) makes a ten-digit number something else: an Italian mobile,
/// an id. Sorted.
const AREA_CODES: &[u16] = &[
    201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 212, 213, 214, 215, 216, 217, 218, 219, 220, 223, 224, 225, 226,
    227, 228, 229, 231, 234, 235, 236, 239, 240, 242, 246, 248, 249, 250, 251, 252, 253, 254, 256, 257, 260, 262, 263,
    264, 267, 268, 269, 270, 272, 273, 274, 276, 279, 281, 283, 284, 289, 301, 302, 303, 304, 305, 306, 307, 308, 309,
    310, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 323, 324, 325, 326, 327, 329, 330, 331, 332, 334, 336, 337,
    339, 340, 341, 343, 345, 346, 347, 350, 351, 352, 353, 354, 360, 361, 363, 364, 365, 367, 368, 369, 380, 382, 385,
    386, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 412, 413, 414, 415, 416, 417, 418, 419, 423, 424, 425, 428,
    430, 431, 432, 434, 435, 437, 438, 440, 441, 442, 443, 445, 447, 448, 450, 458, 463, 464, 468, 469, 470, 472, 473,
    474, 475, 478, 479, 480, 484, 500, 501, 502, 503, 504, 505, 506, 507, 508, 509, 510, 512, 513, 514, 515, 516, 517,
    518, 519, 520, 521, 522, 523, 524, 525, 526, 527, 528, 529, 530, 531, 532, 533, 534, 539, 540, 541, 544, 548, 551,
    557, 559, 561, 562, 563, 564, 566, 567, 570, 571, 572, 573, 574, 575, 577, 579, 580, 581, 582, 584, 585, 586, 587,
    588, 600, 601, 602, 603, 604, 605, 606, 607, 608, 609, 610, 612, 613, 614, 615, 616, 617, 618, 619, 620, 622, 623,
    626, 628, 629, 630, 631, 633, 636, 639, 640, 641, 645, 646, 647, 649, 650, 651, 656, 657, 658, 659, 660, 661, 662,
    664, 667, 669, 670, 671, 672, 678, 680, 681, 682, 683, 684, 686, 689, 701, 702, 703, 704, 705, 706, 707, 708, 709,
    712, 713, 714, 715, 716, 717, 718, 719, 720, 721, 724, 725, 726, 727, 728, 730, 731, 732, 734, 737, 738, 740, 742,
    743, 747, 748, 753, 754, 757, 758, 760, 762, 763, 765, 767, 769, 770, 771, 772, 773, 774, 775, 778, 779, 780, 781,
    782, 784, 785, 786, 787, 800, 801, 802, 803, 804, 805, 806, 807, 808, 809, 810, 812, 813, 814, 815, 816, 817, 818,
    819, 820, 821, 825, 826, 828, 829, 830, 831, 832, 833, 835, 838, 839, 840, 843, 844, 845, 847, 848, 849, 850, 854,
    855, 856, 857, 858, 859, 860, 862, 863, 864, 865, 866, 867, 868, 869, 870, 872, 873, 876, 877, 878, 879, 888, 900,
    901, 902, 903, 904, 905, 906, 907, 908, 909, 910, 912, 913, 914, 915, 916, 917, 918, 919, 920, 925, 928, 929, 930,
    931, 934, 936, 937, 938, 939, 940, 941, 942, 943, 945, 947, 948, 949, 951, 952, 954, 956, 959, 970, 971, 972, 973,
    975, 978, 979, 980, 983, 984, 985, 986, 989,
];

/// Most digits a value may hold: `011` exit code plus 15 E.164 digits.
const MAX_DIGITS: usize = 18;

/// Whether `value` is a plausible phone number.
pub fn check(value: &[u8]) -> bool {
    let (plus, body) = match value.split_first() {
        Some((b'+', rest)) => (true, rest),
        Some(_) => (false, value),
        None => return false,
    };
    let mut d = [0u8; MAX_DIGITS];
    let Some(n) = shape(body, &mut d) else {
        return false;
    };
    let d = &d[..n];
    if plus {
        international(d)
    } else if let Some(rest) = d.strip_prefix(&[0, 0]) {
        international(rest)
    } else if let Some(rest) = d.strip_prefix(&[0, 1, 1]) {
        international(rest)
    } else {
        match d {
            [1, rest @ ..] => nanp(rest),
            _ => nanp(d),
        }
    }
}

/// Checks the separators and copies the digits of `body` into `out`.
fn shape(body: &[u8], out: &mut [u8; MAX_DIGITS]) -> Option<usize> {
    let (&first, &last) = (body.first()?, body.last()?);
    if !(first.is_ascii_digit() || first == b'(') || !last.is_ascii_digit() {
        return None;
    }
    let mut n = 0;
    let mut open: Option<usize> = None; // digit count at '('
    let mut parens = 0;
    let mut sep_run = 0;
    for &b in body {
        match b {
            b'0'..=b'9' => {
                *out.get_mut(n)? = b - b'0';
                n += 1;
                sep_run = 0;
                continue;
            }
            b'(' if open.is_none() && parens == 0 => open = Some(n),
            b')' => {
                let inside = n - open.take()?;
                if !(1..=5).contains(&inside) {
                    return None;
                }
                parens += 1;
            }
            b' ' | b'-' | b'.' | b'/' => {}
            _ => return None,
        }
        sep_run += 1;
        if sep_run > 2 {
            return None;
        }
    }
    open.is_none().then_some(n)
}

/// `d` is country code and national number (exit code removed).
fn international(d: &[u8]) -> bool {
    let Some((cc, len)) = country_code(d) else {
        return false;
    };
    let mut national = &d[len..];
    if cc != 39
        && cc != 1
        && let Some(rest) = national.strip_prefix(&[0])
    {
        national = rest;
    }
    let total = len + national.len();
    if !(8..=15).contains(&total) {
        return false;
    }
    let nat = national.len();
    match cc {
        1 => nanp(national),
        7 => nat == 10,
        44 => (9..=10).contains(&nat),
        49 => (6..=13).contains(&nat),
        33 | 34 => nat == 9,
        39 => (6..=11).contains(&nat),
        55 => (10..=11).contains(&nat),
        _ => true,
    }
}

/// The assigned country code that `d` starts with, and its length.
/// E.164 country codes form a prefix code, so at most one matches.
fn country_code(d: &[u8]) -> Option<(u16, usize)> {
    (1..=3).find_map(|len| {
        let prefix = d.get(..len)?;
        let cc = prefix.iter().fold(0u16, |acc, &x| acc * 10 + u16::from(x));
        (prefix[0] != 0 && COUNTRY_CODES.binary_search(&cc).is_ok()).then_some((cc, len))
    })
}

/// A ten-digit NANP number: `NXX NXX XXXX`, area code not `N11`.
fn nanp(d: &[u8]) -> bool {
    let &[a1, a2, a3, e1, ..] = d else {
        return false;
    };
    let area = u16::from(a1) * 100 + u16::from(a2) * 10 + u16::from(a3);
    d.len() == 10 && AREA_CODES.binary_search(&area).is_ok() && e1 >= 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn area_codes_are_sorted_nxx_without_service_codes() {
        assert!(AREA_CODES.windows(2).all(|w| w[0] < w[1]));
        assert!(AREA_CODES.iter().all(|&a| (200..1000).contains(&a) && a % 100 != 11));
        assert!(AREA_CODES.len() > 400);
    }

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            // Area codes not in service: N11 service codes, unassigned codes.
            ("(411) 555-0123", false),
            ("366 485 6237", false),
            ("+1 366 485 6237", false),
            ("(555) 555-0123", false),
            ("1-800-555-0100", true),
            // NANP
            ("(212) 555-0123", true),
            ("212-555-0123", true),
            ("212.555.0123", true),
            ("2125550123", true),
            ("1-212-555-0123", true),
            ("1 (212) 555-0123", true),
            ("+1 212 555 0123", true),
            ("+1 (212) 555-0123", true),
            ("+12125550123", true),
            ("001 212 555 0123", true),
            ("011 44 20 7946 0958", true),
            ("(112) 555-0123", false), // area code starts with 1
            ("(012) 555-0123", false),
            ("(211) 555-0123", false), // N11 area code
            ("(911) 555-0123", false),
            ("(212) 155-0123", false), // exchange starts with 1
            ("(212) 055-0123", false),
            ("212-555-012", false),
            ("212-555-01234", false),
            ("2-212-555-0123", false),
            ("+1 212 555 012", false),
            ("+1 112 555 0123", false),
            ("+1 0212 555 0123", false),
            // International
            ("+44 20 7946 0958", true),
            ("+44 (0)20 7946 0958", true),
            ("+44 7700 900123", true),
            ("0044 20 7946 0958", true),
            ("+49 30 901820", true),
            ("+49 1512 3456789", true),
            ("+33 1 23 45 67 89", true),
            ("+33 (0)1 23 45 67 89", true),
            ("+39 06 6982 1234", true),
            ("+39 312 345 6789", true),
            ("+34 912 345 678", true),
            ("+55 11 91234-5678", true),
            ("+55 11 3123-4567", true),
            ("+7 495 123-45-67", true),
            ("+91 98765 43210", true),
            ("+61 2 9374 4000", true),
            ("+353 1 234 5678", true),
            ("+886 2 2345 6789", true),
            ("+44 20 7946 09", false),     // UK, 8 national digits
            ("+44 20 7946 095812", false), // UK, 12 national digits
            ("+33 1 23 45 67 8", false),   // France, 8
            ("+34 912 345 67", false),
            ("+55 11 1234 567", false),
            ("+7 495 123 45 6", false),
            ("+49 30 123", false),      // too short overall
            ("+28 123 456 789", false), // unassigned code
            ("+259 123 4567", false),
            ("+0 123 456 789", false),
            ("+999 123 456 789", false),
            ("+123456", false),
            ("+1234567890123456", false), // 16 digits
            ("+44 20 7946 0958 1234 5678", false),
            // Shapes
            ("+44 20--7946 0958", true),
            ("+44 20---7946 0958", false),
            ("(212 555-0123", false),
            ("212) 555-0123", false),
            ("(212) (555) 0123", false),
            ("() 212 555 0123", false),
            ("212-555-0123-", false),
            ("++1 212 555 0123", false),
            ("212_555_0123", false),
            ("212-555-O123", false),
            ("", false),
            ("+", false),
            ("call me maybe", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    #[test]
    fn country_codes_are_sorted_and_prefix_free() {
        assert!(COUNTRY_CODES.windows(2).all(|w| w[0] < w[1]));
        for &a in COUNTRY_CODES {
            for &b in COUNTRY_CODES {
                let (sa, sb) = (a.to_string(), b.to_string());
                assert!(a == b || !sb.starts_with(&sa), "{a} is a prefix of {b}");
            }
        }
    }

    proptest! {
        #[test]
        fn nanp_numbers_are_accepted(
            area in proptest::sample::select(AREA_CODES),
            exch in 200u32..1000,
            line in 0u32..10000,
        ) {
            let s = format!("({area}) {exch}-{line:04}");
            prop_assert!(check(s.as_bytes()), "{}", s);
            let s = format!("+1 {area} {exch} {line:04}");
            prop_assert!(check(s.as_bytes()), "{}", s);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = check(&bytes);
        }

        #[test]
        fn never_panics_on_phone_like_text(s in "[+0-9() ./-]{0,30}") {
            let _ = check(s.as_bytes());
        }
    }
}
