//! E-mail messages, end to end: written at test time by a real MIME writer
//! (`mail-builder`: encoded words, quoted-printable and base64 bodies,
//! attachments), then scanned through the library.

use mail_builder::MessageBuilder;
use trawl::{Collect, Location};

use crate::util::scan_bytes;

fn found(c: &Collect) -> Vec<String> {
    c.findings
        .iter()
        .map(|f| {
            let at = match &f.location {
                Location::Cell(l) => format!("row {} {}", l.row, l.column),
                other => other.display_short(),
            };
            format!("{} @ {}: {at}", f.data_type, f.source)
        })
        .collect()
}

/// A message whose subject, body and attachments each hide a value from a
/// scan of its raw bytes.
fn message() -> Vec<u8> {
    let staff = "name,ssn\nJo Roe,512483921\n";
    let forwarded = MessageBuilder::new()
        .from(("Ops", "ops@example.net"))
        .to("it@example.com")
        .subject("key")
        .text_body("aws_secret_access_key=Zk3mQ9vX2pL7rT4wB8nC1dF6gH0jK5sY2uE9iO3a\n")
        .write_to_vec()
        .unwrap();
    // Mostly non-ASCII text: the writer picks base64 for the subject and body.
    MessageBuilder::new()
        .from(("Jane Roe", "jane.roe@example.org"))
        .to("hr@example.com")
        .subject("社会保障番号のご連絡 SSN 219-44-5178 よろしくお願いします")
        .text_body("お支払いカードを更新しました。カード番号 4954 2555 0349 1068 です。よろしくお願いします。\n")
        // Sent as binary: base64, whatever the bytes.
        .attachment("application/octet-stream", "staff.csv", staff.as_bytes())
        .attachment("message/rfc822", "fwd.eml", forwarded)
        .write_to_vec()
        .unwrap()
}

#[test]
fn messages_are_decoded_and_their_attachments_scanned() {
    let raw = message();
    let text = String::from_utf8_lossy(&raw);
    // The writer encoded the subject, the body and the attachment.
    for hidden in ["219-44-5178", "0349 1068", "512483921"] {
        assert!(!text.contains(hidden), "{hidden} is in the raw message:\n{text}");
    }
    let out = scan_bytes(&raw, "mail.eml");
    let found = found(&out);
    for want in [
        "EMAIL_ADDRESS @ mail.eml: 1:",
        "USA_SOCIAL_SECURITY_NUMBER @ mail.eml: ",
        "CREDIT_CARD_NUMBER_(NO_KEYWORD) @ mail.eml: ",
        "USA_SOCIAL_SECURITY_NUMBER @ mail.eml!staff.csv: row 2 ssn",
        "AWS_CREDENTIALS @ mail.eml!fwd.eml: ",
    ] {
        assert!(found.iter().any(|f| f.starts_with(want)), "{want} not in {found:#?}");
    }
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let formats: Vec<(&str, &str)> = out.scanned.iter().map(|s| (s.source.as_str(), s.format.as_str())).collect();
    assert!(
        formats.contains(&("mail.eml", "email")) && formats.contains(&("mail.eml!staff.csv", "csv")),
        "{formats:?}"
    );
}

#[test]
fn a_message_is_recognized_by_its_headers_and_text_mode_reads_it_raw() {
    let raw = message();
    let named = scan_bytes(&raw, "inbox/0001");
    assert!(named.scanned.iter().any(|s| s.format == "email"), "{:?}", named.scanned);
    let opts = trawl::extract::Options { structured: false, ..trawl::extract::Options::default() };
    let x = trawl::extract::Extractor::new(crate::util::scanner(), &opts);
    let mut out = Collect::default();
    x.scan(&mut crate::util::scanner().scratch(), trawl::extract::Data::Bytes(&raw), "mail.eml", &mut out);
    let types: Vec<&str> = out.findings.iter().map(|f| f.data_type.as_str()).collect();
    assert!(!types.contains(&"USA_SOCIAL_SECURITY_NUMBER"), "{types:?}");
}

#[test]
fn mailboxes_are_read_message_by_message() {
    let mut mbox = Vec::new();
    for (i, body) in ["first, nothing here", "SSN 219-44-5178 as asked", "From the archive: card 4954 2555 0349 1068"]
        .iter()
        .enumerate()
    {
        let m = MessageBuilder::new()
            .from(("Ops", "ops@example.net"))
            .to("it@example.com")
            .subject(format!("note {i}"))
            .text_body(*body)
            .write_to_vec()
            .unwrap();
        mbox.extend_from_slice(format!("From ops@example.net Mon Jan  {} 09:00:00 2024\n", i + 1).as_bytes());
        // A body line starting with `From ` is quoted in a mailbox.
        let m = String::from_utf8(m).unwrap().replace("\nFrom the", "\n>From the");
        mbox.extend_from_slice(m.as_bytes());
        mbox.push(b'\n');
    }
    let out = scan_bytes(&mbox, "Takeout/All mail.mbox");
    let ours: Vec<String> = found(&out).into_iter().filter(|f| !f.starts_with("EMAIL_ADDRESS")).collect();
    assert_eq!(
        ours.iter().map(|f| f.split(": ").next().unwrap()).collect::<Vec<_>>(),
        [
            "USA_SOCIAL_SECURITY_NUMBER @ Takeout/All mail.mbox!message-2.eml",
            "CREDIT_CARD_NUMBER @ Takeout/All mail.mbox!message-3.eml",
        ]
    );
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let mbox_scanned = out.scanned.iter().find(|s| s.source == "Takeout/All mail.mbox").unwrap();
    assert!(mbox_scanned.container && mbox_scanned.format == "mbox");
    assert_eq!(out.scanned.iter().filter(|s| s.format == "email").count(), 3);
}

#[test]
fn attachments_past_the_nesting_limit_are_reported_not_opened() {
    let mut opts = trawl::extract::Options::default();
    opts.limits.max_depth = 0;
    let x = trawl::extract::Extractor::new(crate::util::scanner(), &opts);
    let mut out = Collect::default();
    x.scan(&mut crate::util::scanner().scratch(), trawl::extract::Data::Bytes(&message()), "mail.eml", &mut out);
    // The message's own text is scanned; its attachments are not opened.
    assert!(out.findings.iter().all(|f| f.source == "mail.eml"), "{:#?}", found(&out));
    assert!(found(&out).iter().any(|f| f.starts_with("USA_SOCIAL_SECURITY_NUMBER @ mail.eml: ")));
    assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
    assert_eq!(out.problems[0].severity, trawl::Severity::Partial);
    assert_eq!(out.problems[0].reason, "archive nesting deeper than 0 levels not opened");
}
