//! Brazilian individual taxpayer number (CPF, Cadastro de Pessoas Físicas),
//! per Receita Federal (Instrução Normativa RFB nº 1.548/2015).
//!
//! Eleven digits, usually written `123.456.789-09`. The two final digits
//! are mod-11 check digits: the first over digits 1-9 with weights 10..2,
//! the second over digits 1-10 with weights 11..2, each being
//! `(sum * 10) mod 11`, with 10 meaning 0. Numbers of one repeated digit
//! pass the arithmetic but are never issued, so they are rejected.

use super::util::{all_same, sep_digits};

/// Whether `value` is eleven digits (optionally written `ddd.ddd.ddd-dd`
/// or with spaces / `/`) with both CPF check digits right.
pub fn check(value: &[u8]) -> bool {
    let mut d = [0u8; 11];
    sep_digits(value, b" .-/", &mut d) == Some(11)
        && !all_same(&d)
        && check_digit(&d[..9]) == d[9]
        && check_digit(&d[..10]) == d[10]
}

/// The CPF mod-11 check digit following digit values `d` (9 or 10 of them).
fn check_digit(d: &[u8]) -> u8 {
    let top = u32::try_from(d.len()).unwrap_or(0) + 1;
    let sum: u32 = d.iter().zip((2..=top).rev()).map(|(&x, w)| u32::from(x) * w).sum();
    u8::try_from(sum * 10 % 11 % 10).expect("a remainder mod 10 fits in u8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        let cases: &[(&str, bool)] = &[
            ("12345678909", true),
            ("123.456.789-09", true),
            ("111.444.777-35", true),
            ("529.982.247-25", true),
            ("000.000.001-91", true),
            ("123.456.789-08", false), // second check digit wrong
            ("123.456.789-19", false), // first check digit wrong
            ("111.111.111-11", false), // one repeated digit
            ("00000000000", false),
            ("1234567890", false),
            ("123456789091", false),
            ("123,456,789-09", false),
            ("123.456.789-0x", false),
            ("", false),
            ("cpf invalido", false),
        ];
        for &(input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
    }

    fn complete(body: &[u8]) -> Vec<u8> {
        let mut d = body.to_vec();
        d.push(check_digit(&d));
        d.push(check_digit(&d));
        d
    }

    /// Whether either check digit of `d` came from a remainder of 10.
    fn aliased(d: &[u8]) -> bool {
        [9usize, 10].iter().any(|&n| {
            let top = n as u32 + 1;
            let sum: u32 = d[..n].iter().zip((2..=top).rev()).map(|(&x, w)| u32::from(x) * w).sum();
            sum * 10 % 11 == 10
        })
    }

    proptest! {
        #[test]
        fn computed_check_digits_are_accepted(body in proptest::collection::vec(0u8..10, 9)) {
            let d = complete(&body);
            prop_assume!(!all_same(&d));
            let s: Vec<u8> = d.iter().map(|x| x + b'0').collect();
            prop_assert!(check(&s), "{}", String::from_utf8_lossy(&s));
        }

        #[test]
        fn changing_one_digit_is_rejected(
            body in proptest::collection::vec(0u8..10, 9),
            pos in 0usize..11,
            delta in 1u8..10,
        ) {
            let mut d = complete(&body);
            d[pos] = (d[pos] + delta) % 10;
            // A remainder of 10 is written 0, so 0 <-> 10 shifts go unseen.
            if aliased(&complete(&body)) || aliased(&d) {
                return Ok(());
            }
            let s: Vec<u8> = d.iter().map(|x| x + b'0').collect();
            prop_assert!(!check(&s), "{}", String::from_utf8_lossy(&s));
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..20)) {
            let _ = check(&bytes);
        }
    }
}
