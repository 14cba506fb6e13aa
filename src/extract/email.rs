//! E-mail messages (`.eml`, RFC 5322 with MIME), read with `mail-parser`:
//! the message's headers and its text decoded, then each attachment as a
//! source of its own (`mail.eml!invoice.pdf`).
//!
//! A message's body is rarely stored as it reads: `quoted-printable` cuts
//! lines with `=` and writes bytes as `=3D`, `base64` hides everything, a
//! subject can be an encoded word (`=?UTF-8?B?...?=`), and attachments are
//! base64. Read as text, a card number in a base64 body or an attached
//! spreadsheet is not found. So the message is decoded first: its text is
//! the raw header block (names and addresses as sent), the decoded
//! subject, then each text body part (an HTML-only body as its text), one
//! after the other; it is scanned as text, lines counted in that text.
//! Attachments, forwarded messages included, are then scanned like archive
//! members: by their content and name, as deep as the nesting limit allows.
//!
//! The message is parsed in memory (a stream is buffered up to the buffer
//! limit first). Bytes that do not parse as a message are scanned as text.
//!
//! A mailbox (`mbox`: messages one after the other, each after a `From `
//! line, as mail exports and Google Takeout write them) is read as a
//! stream, a message at a time, each scanned as a message named by its
//! place (`mail.mbox!message-3.eml`), as an archive's members are.

use std::io::{BufReader, Read};

use mail_parser::{MessageParser, MimeHeaders};

use crate::Scratch;
#[cfg(doc)]
use crate::extract::archive;
use crate::extract::sniff::Format;
use crate::extract::{Data, Extractor, Nesting, plain};
use crate::report::{Problem, Sink};

/// Scans each message of mailbox `reader` named `source` as a source of
/// its own (see the module docs), for [`archive::scan_streamed_container`].
/// Returns whether the scan should go on.
pub(crate) fn messages(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    reader: &mut dyn Read,
    source: &str,
    nest: Nesting<'_>,
    sink: &mut dyn Sink,
) -> bool {
    if !x.may_nest(nest, source, sink) {
        return true;
    }
    let inner = Nesting { depth: nest.depth + 1, budget: nest.budget };
    let mailbox = mail_parser::mailbox::mbox::MessageIterator::new(BufReader::new(reader));
    for (i, message) in mailbox.enumerate() {
        let message = match message {
            Ok(m) => m,
            Err(e) => {
                sink.problem(Problem::partial(
                    source,
                    format!("read error after {i} messages: {e}; the rest of the mailbox is not scanned"),
                ));
                return true;
            }
        };
        let name = format!("message-{}.eml", i + 1);
        let member = format!("{source}!{name}");
        if !x.scan_nested(scratch, Data::Bytes(message.contents()), &member, &name, inner, sink) {
            return false;
        }
    }
    true
}

/// Scans message `bytes` named `source` (see the module docs). Returns
/// whether the scan should go on.
pub(crate) fn scan(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    bytes: &[u8],
    source: &str,
    nest: Nesting<'_>,
    sink: &mut dyn Sink,
) -> bool {
    let Some(message) = MessageParser::default().parse(bytes) else {
        return plain::scan_text_bytes(x, scratch, bytes, Format::Text, source, sink);
    };
    let mut text = Vec::new();
    let headers_end = (message.root_part().raw_body_offset() as usize).min(bytes.len());
    text.extend_from_slice(&bytes[..headers_end]);
    if !text.ends_with(b"\n") {
        text.push(b'\n');
    }
    if let Some(subject) = message.subject().filter(|s| !text_contains(&text, s.as_bytes())) {
        text.extend_from_slice(b"Subject (decoded): ");
        text.extend_from_slice(subject.as_bytes());
        text.push(b'\n');
    }
    for i in 0..message.text_body_count() {
        if let Some(body) = message.body_text(i) {
            text.extend_from_slice(body.as_bytes());
            if !text.ends_with(b"\n") {
                text.push(b'\n');
            }
        }
    }
    if !plain::scan_text_bytes(x, scratch, &text, Format::Email, source, sink) {
        return false;
    }
    if message.attachment_count() == 0 || !x.may_nest(nest, source, sink) {
        return true;
    }
    let inner = Nesting { depth: nest.depth + 1, budget: nest.budget };
    for (i, part) in message.attachments().enumerate() {
        let name = match (part.attachment_name(), part.message()) {
            (Some(n), _) => n.replace(['/', '\\', '!'], "_"),
            (None, Some(_)) => format!("attachment-{}.eml", i + 1),
            (None, None) => format!("attachment-{}", i + 1),
        };
        let contents = part.message().map_or(part.contents(), |m| m.raw_message());
        let member = format!("{source}!{name}");
        if !x.scan_nested(scratch, Data::Bytes(contents), &member, &name, inner, sink) {
            return false;
        }
    }
    true
}

/// Whether `text` holds `needle`.
fn text_contains(text: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(text, needle).is_some()
}
