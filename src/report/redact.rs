//! Masking of found values, so that a report never becomes the leak.
//!
//! Every printer calls [`redact`]; the raw value reaches output only when the
//! user passes `--show-values`.

use crate::report::finding::Category;

/// Returns `value` with most of it masked by `*`, keeping separators.
///
/// - credentials keep at most 4 characters of a public prefix that names
///   their kind (`AKIA`, `ghp_`, `sk_l` of `sk_live_`, `eyJ` of a JWT; see
///   [`PUBLIC_PREFIXES`]) and a PEM or PuTTY header line; the rest, and the
///   whole of secrets without such a prefix (AWS secret keys, passwords,
///   Basic credentials), is masked and capped in length;
/// - e-mail addresses keep the first character of the local part and the domain;
/// - other values with 12 or more letters and digits keep the first 4 and the
///   last 4 (`4532 **** **** 0366`), those with 7 to 11 keep the last 4
///   (`***-**-6789`), shorter ones are masked whole.
///
/// # Example
/// ```
/// use trawl::{redact, Category};
/// assert_eq!(redact("4532 0151 1283 0366", Category::FinancialInformation), "4532 **** **** 0366");
/// assert_eq!(redact("123-45-6789", Category::PersonalInformation), "***-**-6789");
/// ```
pub fn redact(value: &str, category: Category) -> String {
    if category == Category::Credentials {
        return redact_secret(value);
    }
    if let Some(at) = memchr::memchr(b'@', value.as_bytes()) {
        let (local, domain) = value.split_at(at);
        if !local.is_empty() && !domain.contains(char::is_whitespace) {
            let mut out = String::with_capacity(value.len());
            let mut chars = local.chars();
            out.extend(chars.next());
            out.extend(chars.map(|_| '*'));
            out.push_str(domain);
            return out;
        }
    }
    if value.is_ascii() {
        // Most values: the same masking, without decoding characters.
        let out: Vec<u8> = masked(value.bytes(), |b| b.is_ascii_alphanumeric(), b'*').collect();
        return String::from_utf8(out).expect("ASCII in, ASCII out");
    }
    // Sized once: collecting the characters grew the string several times
    // per value, a visible cost on tables dense in findings.
    let mut out = String::with_capacity(value.len());
    out.extend(masked(value.chars(), char::is_alphanumeric, '*'));
    out
}

/// The items of a value that is not an e-mail address, with its letters
/// and digits (`alnum`) masked by `star`: with 12 or more of them, all but
/// the first 4 and the last 4; with 7 to 11, all but the last 4; else all.
fn masked<T: Copy>(
    items: impl Iterator<Item = T> + Clone,
    alnum: impl Fn(T) -> bool,
    star: T,
) -> impl Iterator<Item = T> {
    let n = items.clone().filter(|&c| alnum(c)).count();
    let (keep_head, keep_tail) = match n {
        12.. => (4, 4),
        7..=11 => (0, 4),
        _ => (0, 0),
    };
    let mut seen = 0;
    items.map(move |c| {
        if !alnum(c) {
            return c;
        }
        seen += 1;
        if seen <= keep_head || seen > n - keep_tail { c } else { star }
    })
}

/// The fixed prefixes of credential formats: the same in every token of a
/// kind, so showing them reveals nothing but the kind. A secret that starts
/// with none of them is masked whole.
pub const PUBLIC_PREFIXES: &[&str] = &[
    // AWS access key ids.
    "AKIA",
    "ASIA",
    "ABIA",
    "ACCA",
    // Google API keys.
    "AIza",
    // GitHub tokens.
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    // GitLab tokens.
    "glpat-",
    "glrt-",
    "glptt-",
    "gldt-",
    "glcbt-",
    "glffct-",
    "glsoat-",
    "gloas-",
    "glimt-",
    "glagent-",
    "glft-",
    "glwt-",
    // Hugging Face, OpenAI, Anthropic, Stripe and Slack tokens and webhooks.
    "hf_",
    "api_org_",
    "sk-",
    "sk-proj-",
    "sk-svcacct-",
    "sk-admin-",
    "sk-ant-",
    "sk_live_",
    "rk_live_",
    "xox",
    "https://hooks.slack.com/",
    // JSON Web Tokens (`{"` in base64).
    "eyJ",
];

/// Masks a secret, keeping only what identifies its kind.
fn redact_secret(value: &str) -> String {
    const MAX_STARS: usize = 16;
    let first_line = value.lines().next().unwrap_or("");
    if value.contains('\n') && (first_line.starts_with("-----BEGIN") || first_line.starts_with("PuTTY-User-Key-File")) {
        return format!("{} ****", first_line.trim_end());
    }
    let total = value.chars().count();
    if total < 16 {
        // Short secrets (passwords) are masked whole; even their length stays hidden.
        return "****".to_string();
    }
    // Prefixes are ASCII: `keep` characters are `keep` bytes.
    // Their first byte first: most secrets start with none of them.
    let first = value.as_bytes()[0];
    let keep = PUBLIC_PREFIXES
        .iter()
        .filter(|p| p.as_bytes()[0] == first && value.starts_with(*p))
        .map(|p| p.len().min(4))
        .max()
        .unwrap_or(0);
    let mut out = value[..keep].to_string();
    out.extend(std::iter::repeat_n('*', (total - keep).min(MAX_STARS)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_table() {
        let cases: &[(&str, Category, &str)] = &[
            ("4532 0151 1283 0366", Category::FinancialInformation, "4532 **** **** 0366"),
            ("4532015112830366", Category::FinancialInformation, "4532********0366"),
            ("123-45-6789", Category::PersonalInformation, "***-**-6789"),
            ("123", Category::FinancialInformation, "***"),
            ("jane.doe@example.com", Category::PersonalInformation, "j*******@example.com"),
            ("AKIAZ7XJQW3MVDK2PLRT", Category::Credentials, "AKIA****************"),
            ("hunter2", Category::Credentials, "****"),
            // No public prefix: nothing of the secret is shown.
            ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY", Category::Credentials, "****************"),
            ("YXBpOnMzY3IzdC1wYXNzd29yZA==", Category::Credentials, "****************"),
            ("ghp_ZJ2hNq1mF5xW8c3V7bK9tY4pL6rD0sA1uE2i", Category::Credentials, "ghp_****************"),
            ("github_pat_11ABCDEFG0123456789abc_xyz", Category::Credentials, "gith****************"),
            ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", Category::Credentials, "sk_l****************"),
            ("sk-proj-abcdefghijklmnopqrstuvwx", Category::Credentials, "sk-p****************"),
            ("hf_abcdefghijklmnopqrstuvwxyzabcdefgh", Category::Credentials, "hf_****************"),
            ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", Category::Credentials, "eyJ****************"),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----",
                Category::Credentials,
                "-----BEGIN RSA PRIVATE KEY----- ****",
            ),
        ];
        for &(value, category, want) in cases {
            assert_eq!(redact(value, category), want, "value: {value:?}");
        }
    }

    #[test]
    fn ascii_values_are_masked_as_characters_are() {
        let mut rng = crate::testutil::XorShift(0x5245_4441);
        for _ in 0..5_000 {
            let v: String = (0..rng.below(30)).map(|_| char::from(b"a9Z -./()+#"[rng.below(11)])).collect();
            let chars: String = masked(v.chars(), char::is_alphanumeric, '*').collect();
            assert_eq!(redact(&v, Category::PersonalInformation), chars, "{v:?}");
        }
        // Letters and digits beyond ASCII count as such.
        assert_eq!(redact("Jürgen Müller-Lüdenscheidt", Category::PersonalInformation), "Jürg** ******-********eidt");
    }

    #[test]
    fn secrets_never_keep_their_tail() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
        let masked = redact(secret, Category::Credentials);
        assert!(!masked.contains("KEY"), "{masked}");
        assert!(masked.len() <= 20, "{masked}");
    }
}
