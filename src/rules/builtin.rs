//! The rule files compiled into the binary.
//!
//! Every file under `patterns/` must be listed here; a unit test walks the
//! directory and fails on any file missing from the list.

/// `(path relative to patterns/, file contents)` for every built-in rule file.
pub(crate) const BUILTIN: &[(&str, &str)] = &[
    // Keep sorted by path. One line per file under patterns/ (except README.md).
    ("credentials/anthropic.toml", include_str!("../../patterns/credentials/anthropic.toml")),
    ("credentials/aws.toml", include_str!("../../patterns/credentials/aws.toml")),
    ("credentials/gcp.toml", include_str!("../../patterns/credentials/gcp.toml")),
    ("credentials/github.toml", include_str!("../../patterns/credentials/github.toml")),
    ("credentials/gitlab.toml", include_str!("../../patterns/credentials/gitlab.toml")),
    ("credentials/http-basic-auth.toml", include_str!("../../patterns/credentials/http-basic-auth.toml")),
    ("credentials/huggingface.toml", include_str!("../../patterns/credentials/huggingface.toml")),
    ("credentials/jwt.toml", include_str!("../../patterns/credentials/jwt.toml")),
    ("credentials/openai.toml", include_str!("../../patterns/credentials/openai.toml")),
    ("credentials/private-keys.toml", include_str!("../../patterns/credentials/private-keys.toml")),
    ("credentials/slack.toml", include_str!("../../patterns/credentials/slack.toml")),
    ("credentials/stripe.toml", include_str!("../../patterns/credentials/stripe.toml")),
    ("financial/bank-account.toml", include_str!("../../patterns/financial/bank-account.toml")),
    ("financial/credit-card.toml", include_str!("../../patterns/financial/credit-card.toml")),
    ("financial/iban.toml", include_str!("../../patterns/financial/iban.toml")),
    ("pii/brazil.toml", include_str!("../../patterns/pii/brazil.toml")),
    ("pii/canada-sin.toml", include_str!("../../patterns/pii/canada-sin.toml")),
    ("pii/date-of-birth.toml", include_str!("../../patterns/pii/date-of-birth.toml")),
    ("pii/email.toml", include_str!("../../patterns/pii/email.toml")),
    ("pii/france.toml", include_str!("../../patterns/pii/france.toml")),
    ("pii/germany.toml", include_str!("../../patterns/pii/germany.toml")),
    ("pii/india-aadhaar.toml", include_str!("../../patterns/pii/india-aadhaar.toml")),
    ("pii/ip-address.toml", include_str!("../../patterns/pii/ip-address.toml")),
    ("pii/italy.toml", include_str!("../../patterns/pii/italy.toml")),
    ("pii/lat-long.toml", include_str!("../../patterns/pii/lat-long.toml")),
    ("pii/phone.toml", include_str!("../../patterns/pii/phone.toml")),
    ("pii/spain.toml", include_str!("../../patterns/pii/spain.toml")),
    ("pii/uk.toml", include_str!("../../patterns/pii/uk.toml")),
    ("pii/us-drivers-license.toml", include_str!("../../patterns/pii/us-drivers-license.toml")),
    ("pii/us-health.toml", include_str!("../../patterns/pii/us-health.toml")),
    ("pii/us-itin.toml", include_str!("../../patterns/pii/us-itin.toml")),
    ("pii/us-passport.toml", include_str!("../../patterns/pii/us-passport.toml")),
    ("pii/us-ssn.toml", include_str!("../../patterns/pii/us-ssn.toml")),
    ("pii/vin.toml", include_str!("../../patterns/pii/vin.toml")),
];

#[cfg(test)]
mod tests {
    use super::BUILTIN;
    use std::path::Path;

    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("patterns/ is readable") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(&path, base, out);
            } else if path.extension().is_some_and(|e| e == "toml") {
                let rel = path.strip_prefix(base).expect("below patterns/");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }

    #[test]
    fn every_rule_file_is_builtin() {
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("patterns");
        let mut on_disk = Vec::new();
        walk(&base, &base, &mut on_disk);
        on_disk.sort();
        let mut listed: Vec<String> = BUILTIN.iter().map(|(p, _)| p.to_string()).collect();
        listed.sort();
        assert_eq!(on_disk, listed, "patterns/ and rules/builtin.rs disagree");
    }
}
