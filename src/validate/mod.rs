//! Checksum and structural validators: one pure function per file.
//!
//! A validator sees only the value (capture group 1 of a rule's regex) as
//! bytes, separators included, and answers whether it is a real instance of
//! its type. Validators are pure, never panic on any input (empty, huge,
//! non-ASCII, non-UTF-8) and do not allocate on the heap, except `jwt`,
//! which parses the decoded header and payload with `serde_json`.
//! Each module's header documents its exact rule and the specification it
//! follows.

use serde::{Deserialize, Serialize};

mod aba;
mod brazil_cpf;
mod canada_sin;
mod card_expiration;
pub(crate) mod credit_card;
mod date_of_birth;
mod email;
mod entropy;
mod france_insee;
mod germany_id;
mod github_token;
mod iban;
mod india_aadhaar;
mod ip_address;
mod italy_fiscal_code;
mod jwt;
mod lat_long;
pub(crate) mod luhn;
mod phone;
mod spain_dni;
mod uk_nhs;
mod uk_nino;
mod url_password;
mod us_dea;
mod us_itin;
mod us_npi;
mod us_ssn;
mod util;
mod vin;

/// IBAN length of a country (ISO 3166 alpha-2), for rules and reports.
pub use iban::country_length;

/// A named validator, as written in a rule's `validator` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Validator {
    /// Luhn (mod 10, ISO/IEC 7812-1) over at least two digits; spaces, `-`, `.`
    /// and `/` may separate them.
    Luhn,
    /// Luhn plus a real issuer range (Visa, Mastercard incl. 2-series, Amex,
    /// Discover, JCB, Diners, UnionPay, Maestro) and a length that issuer uses.
    CreditCard,
    /// ISO 13616 IBAN: SWIFT registry country, that country's length, check
    /// digits not 00/01/99, MOD 97-10 check; compact or space-grouped.
    Iban,
    /// US ABA routing transit number: 3-7-1 weighted checksum, valid Federal Reserve prefix.
    AbaRouting,
    /// US SSN: area not 000, 666 or 9xx; group not 00; serial not 0000; not the
    /// voided advertising numbers 078-05-1120 and 219-09-9999.
    UsSsn,
    /// US ITIN: 9xx area, group 50-65, 70-88, 90-92 or 94-99.
    UsItin,
    /// UK NHS number: ten digits, mod 11 check digit, not one repeated digit.
    UkNhs,
    /// UK National Insurance number: valid prefix letters, six digits and an
    /// optional suffix A-D.
    UkNino,
    /// Canadian SIN: Luhn, first digit not 0 or 8.
    CanadaSin,
    /// French INSEE / NIR: sex, month, key = 97 - (number mod 97), Corsica
    /// 2A/2B read as 19/18.
    FranceInsee,
    /// German identity card number (Personalausweis): nine serial characters
    /// and an ICAO 7-3-1 check digit, optional trailing `D`.
    GermanyId,
    /// Italian codice fiscale: structure and check character.
    ItalyFiscalCode,
    /// Spanish DNI or NIE: check letter (mod 23).
    SpainDni,
    /// Indian Aadhaar: Verhoeff check digit, first digit 2-9.
    IndiaAadhaar,
    /// Brazilian CPF: two mod-11 check digits, not all one digit.
    BrazilCpf,
    /// Vehicle identification number: 17 characters, position-9 check digit
    /// (49 CFR 565).
    Vin,
    /// US National Provider Identifier: Luhn with the 80840 prefix.
    UsNpi,
    /// US DEA registration number: registrant letters and check digit.
    UsDea,
    /// JSON Web Token: header and payload decode to JSON objects, header has a
    /// string `alg`, signature present unless `alg` is `none`.
    Jwt,
    /// Card expiration date: `MM/YY`, `MM/YYYY` or `MM-YY`; month 01-12, a
    /// four-digit year in 2000-2099.
    CardExpiration,
    /// Date of birth: a real calendar date in years 1900-2026, numeric or with
    /// an English month name.
    DateOfBirth,
    /// IP address: strict IPv4 or IPv6, not unspecified, private, CGNAT,
    /// loopback, link-local, multicast or reserved (documentation ranges pass).
    IpAddress,
    /// Latitude and longitude pair: in range, at least three decimals each
    /// (precise enough to locate someone), not 0, 0.
    LatLong,
    /// High-entropy secret: at least 16 characters and 3 bits/char of Shannon
    /// entropy; not a placeholder, repeated or sequential text.
    Entropy,
    /// E-mail address: valid local part, domain with a plausible TLD, not an
    /// image file name like `icon@2x.png`.
    Email,
    /// Phone number: assigned E.164 country code and plausible national
    /// number; NANP rules for +1 and for numbers without a country code.
    Phone,
    /// GitHub token: CRC32 checksum of the classic `ghp_`/`gho_`/... tokens;
    /// fine-grained `github_pat_` tokens by structure.
    GithubToken,
    /// A password in a URL's user information (`scheme://user:password@host`)
    /// that is not a template or placeholder.
    UrlPassword,
}

impl Validator {
    /// Every validator, for listings and tests.
    pub const ALL: &'static [Validator] = &[
        Validator::Luhn,
        Validator::CreditCard,
        Validator::Iban,
        Validator::AbaRouting,
        Validator::UsSsn,
        Validator::UsItin,
        Validator::UkNhs,
        Validator::UkNino,
        Validator::CanadaSin,
        Validator::FranceInsee,
        Validator::GermanyId,
        Validator::ItalyFiscalCode,
        Validator::SpainDni,
        Validator::IndiaAadhaar,
        Validator::BrazilCpf,
        Validator::Vin,
        Validator::UsNpi,
        Validator::UsDea,
        Validator::Jwt,
        Validator::CardExpiration,
        Validator::DateOfBirth,
        Validator::IpAddress,
        Validator::LatLong,
        Validator::Entropy,
        Validator::Email,
        Validator::Phone,
        Validator::GithubToken,
        Validator::UrlPassword,
    ];

    /// Whether `value` passes this validator.
    pub fn check(self, value: &[u8]) -> bool {
        match self {
            Validator::Luhn => luhn::check(value),
            Validator::CreditCard => credit_card::check(value),
            Validator::Iban => iban::check(value),
            Validator::AbaRouting => aba::check(value),
            Validator::UsSsn => us_ssn::check(value),
            Validator::UsItin => us_itin::check(value),
            Validator::UkNhs => uk_nhs::check(value),
            Validator::UkNino => uk_nino::check(value),
            Validator::CanadaSin => canada_sin::check(value),
            Validator::FranceInsee => france_insee::check(value),
            Validator::GermanyId => germany_id::check(value),
            Validator::ItalyFiscalCode => italy_fiscal_code::check(value),
            Validator::SpainDni => spain_dni::check(value),
            Validator::IndiaAadhaar => india_aadhaar::check(value),
            Validator::BrazilCpf => brazil_cpf::check(value),
            Validator::Vin => vin::check(value),
            Validator::UsNpi => us_npi::check(value),
            Validator::UsDea => us_dea::check(value),
            Validator::Jwt => jwt::check(value),
            Validator::CardExpiration => card_expiration::check(value),
            Validator::DateOfBirth => date_of_birth::check(value),
            Validator::IpAddress => ip_address::check(value),
            Validator::LatLong => lat_long::check(value),
            Validator::Entropy => entropy::check(value),
            Validator::Email => email::check(value),
            Validator::Phone => phone::check(value),
            Validator::GithubToken => github_token::check(value),
            Validator::UrlPassword => url_password::check(value),
        }
    }

    /// The name used in rule files, e.g. `credit_card`.
    pub fn name(self) -> &'static str {
        match self {
            Validator::Luhn => "luhn",
            Validator::CreditCard => "credit_card",
            Validator::Iban => "iban",
            Validator::AbaRouting => "aba_routing",
            Validator::UsSsn => "us_ssn",
            Validator::UsItin => "us_itin",
            Validator::UkNhs => "uk_nhs",
            Validator::UkNino => "uk_nino",
            Validator::CanadaSin => "canada_sin",
            Validator::FranceInsee => "france_insee",
            Validator::GermanyId => "germany_id",
            Validator::ItalyFiscalCode => "italy_fiscal_code",
            Validator::SpainDni => "spain_dni",
            Validator::IndiaAadhaar => "india_aadhaar",
            Validator::BrazilCpf => "brazil_cpf",
            Validator::Vin => "vin",
            Validator::UsNpi => "us_npi",
            Validator::UsDea => "us_dea",
            Validator::Jwt => "jwt",
            Validator::CardExpiration => "card_expiration",
            Validator::DateOfBirth => "date_of_birth",
            Validator::IpAddress => "ip_address",
            Validator::LatLong => "lat_long",
            Validator::Entropy => "entropy",
            Validator::Email => "email",
            Validator::Phone => "phone",
            Validator::GithubToken => "github_token",
            Validator::UrlPassword => "url_password",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde() {
        for &v in Validator::ALL {
            let s = serde_json::to_string(&v).unwrap();
            assert_eq!(s, format!("\"{}\"", v.name()));
            let back: Validator = serde_json::from_str(&s).unwrap();
            assert_eq!(back, v);
        }
    }

    #[test]
    fn validators_reject_garbage() {
        let garbage: &[&[u8]] = &[b" ", b"-", b"hello, world", b"\xff\xfe\x00", b"..", b"@"];
        for &v in Validator::ALL {
            for &g in garbage {
                assert!(!v.check(g), "{} accepted {g:?}", v.name());
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn validators_never_panic(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..128),
        ) {
            for &v in Validator::ALL {
                let _ = v.check(&bytes);
            }
        }

        #[test]
        fn validators_never_panic_on_ascii(s in "[ -~]{0,64}") {
            for &v in Validator::ALL {
                let _ = v.check(s.as_bytes());
            }
        }
    }

    #[test]
    fn validators_handle_huge_input() {
        let digits = vec![b'7'; 1 << 20];
        let mixed: Vec<u8> = (0..1u32 << 20).map(|i| b"aZ3k9Q.-"[(i % 8) as usize]).collect();
        for &v in Validator::ALL {
            assert!(!v.check(&digits), "{} accepted 1 MiB of digits", v.name());
            let _ = v.check(&mixed);
        }
    }

    #[test]
    fn validators_reject_empty_input() {
        for &v in Validator::ALL {
            assert!(!v.check(b""), "{} accepted empty input", v.name());
        }
    }
}
