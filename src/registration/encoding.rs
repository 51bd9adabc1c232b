//! Which text encoding a file is in. Registration exports come as UTF-8 (with or
//! without a byte-order mark), as Windows-1252 from older Excel ("CSV (Comma
//! delimited)"), or as UTF-16 from Excel's "Unicode Text". Those are read, with a
//! warning for the last two; anything else is refused, never read into garbled names.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, WINDOWS_1252};

use crate::problem::{Problem, Problems};

/// How to get a UTF-8 file out of the tools organisers use.
pub const SAVE_AS_UTF8: &str = "in Excel choose File > Save As and the type \"CSV UTF-8 (Comma delimited) (*.csv)\"; \
     Google Sheets and Microsoft Forms downloads are already UTF-8";

/// Bytes Windows-1252 leaves undefined: a file holding one is in some other encoding.
const UNDEFINED_IN_1252: [u8; 5] = [0x81, 0x8D, 0x8F, 0x90, 0x9D];

/// A file's text, and a warning when it was not UTF-8.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// The file's text, decoded.
    pub text: Cow<'a, str>,
    /// The warning saying which encoding it was read as, when not UTF-8.
    pub warning: Option<Problem>,
}

/// The text of `bytes`, or the error saying why it cannot be read safely.
pub fn decode<'a>(file: &str, bytes: &'a [u8]) -> Result<Decoded<'a>, Problems> {
    let refuse = |line: u64, message: String| {
        Problems(vec![Problem::error("R002", file, message)
            .at_line(line)
            .fix(format!("save the file as UTF-8: {SAVE_AS_UTF8}"))])
    };

    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        if !rest.contains(&0) {
            if let Ok(text) = std::str::from_utf8(rest) {
                return Ok(Decoded {
                    text: Cow::Borrowed(text),
                    warning: None,
                });
            }
        }
        // A UTF-8 byte-order mark on bytes that are not UTF-8: mixed encodings.
        let at = first_bad_byte(rest);
        return Err(refuse(
            line_of(rest, at),
            "the file starts as UTF-8 but has bytes that are not UTF-8: it mixes two encodings".into(),
        ));
    }

    for (bom, encoding, name) in [(b"\xFF\xFE", UTF_16LE, "UTF-16LE"), (b"\xFE\xFF", UTF_16BE, "UTF-16BE")] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            return decode_utf16(file, rest, encoding, name).map_err(|message| refuse(1, message));
        }
    }

    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(refuse(line_of(bytes, at), nul_message(bytes)));
    }

    let at = match std::str::from_utf8(bytes) {
        Ok(text) => {
            return Ok(Decoded {
                text: Cow::Borrowed(text),
                warning: None,
            })
        }
        Err(e) => e.valid_up_to(),
    };
    let first_line = line_of(bytes, at);

    // Windows-1252, if every byte is a character of it and none of the text is UTF-8.
    if let Some(i) = bytes.iter().position(|b| UNDEFINED_IN_1252.contains(b)) {
        return Err(refuse(
            line_of(bytes, i),
            format!(
                "the file is neither UTF-8 nor Windows-1252 (byte 0x{:02X} is not a character in either)",
                bytes[i]
            ),
        ));
    }
    if let Some(i) = first_utf8_non_ascii(bytes) {
        return Err(refuse(
            first_line,
            format!(
                "the file mixes encodings: line {} has UTF-8 text but this line is not UTF-8",
                line_of(bytes, i)
            ),
        ));
    }
    if let Some(i) = bytes.iter().position(|&b| is_control(b)) {
        return Err(refuse(
            line_of(bytes, i),
            format!(
                "the file is not UTF-8 and has control character 0x{:02X}: it is not CSV text",
                bytes[i]
            ),
        ));
    }
    let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
    let example = example_word(bytes, at);
    let warning = Problem::warning(
        "R015",
        file,
        "the file is not UTF-8; it was read as Windows-1252, as older Excel saves CSV: check the accented names came out right",
    )
    .at_line(first_line)
    .with_value(&example)
    .fix(format!("to be sure, save it as UTF-8: {SAVE_AS_UTF8}"));
    Ok(Decoded {
        text,
        warning: Some(warning),
    })
}

fn decode_utf16<'a>(
    file: &str,
    rest: &'a [u8],
    encoding: &'static Encoding,
    name: &str,
) -> Result<Decoded<'a>, String> {
    let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(rest) else {
        return Err(format!(
            "the file starts with a {name} byte-order mark but is not valid {name} text"
        ));
    };
    // Four-byte encodings (UTF-32) start like UTF-16 and then decode to NULs.
    if text.contains('\0') {
        return Err(format!(
            "the file starts like {name} but has NUL characters: it is not text this tool reads (UTF-32?)"
        ));
    }
    let warning = Problem::warning(
        "R015",
        file,
        format!("the file is {name} (Excel's \"Unicode Text\"), not UTF-8; it was read as {name}"),
    )
    .fix(format!("to avoid this warning, save it as UTF-8: {SAVE_AS_UTF8}"));
    Ok(Decoded {
        text: Cow::Owned(text.into_owned()),
        warning: Some(warning),
    })
}

/// Why a file with a NUL byte is refused: UTF-16 without a byte-order mark has a
/// NUL beside every ASCII character, anything else is not text at all.
fn nul_message(bytes: &[u8]) -> String {
    let sample = &bytes[..bytes.len().min(4096)];
    let (even, odd) = sample
        .iter()
        .enumerate()
        .fold((0, 0), |(e, o), (i, &b)| match (b, i % 2) {
            (0, 0) => (e + 1, o),
            (0, _) => (e, o + 1),
            _ => (e, o),
        });
    if even.max(odd) * 4 >= sample.len() && even.min(odd) * 8 < even.max(odd) {
        "the file looks like UTF-16 without a byte-order mark, which cannot be read reliably".into()
    } else {
        "the file has NUL bytes: it is not CSV text (a spreadsheet saved as .xlsx, or another binary file?)".into()
    }
}

/// Offset of the first byte that is not UTF-8.
fn first_bad_byte(bytes: &[u8]) -> usize {
    match std::str::from_utf8(bytes) {
        Ok(_) => bytes.iter().position(|&b| b == 0).unwrap_or(0),
        Err(e) => e.valid_up_to(),
    }
}

/// Offset of the first character outside ASCII that is valid UTF-8, if any.
fn first_utf8_non_ascii(bytes: &[u8]) -> Option<usize> {
    let mut offset = 0;
    for chunk in bytes.utf8_chunks() {
        if let Some(i) = chunk.valid().bytes().position(|b| !b.is_ascii()) {
            return Some(offset + i);
        }
        offset += chunk.valid().len() + chunk.invalid().len();
    }
    None
}

/// A control character no CSV text has (tab, line feed and carriage return are fine).
fn is_control(b: u8) -> bool {
    (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7F
}

/// 1-based line of the byte at `offset`.
fn line_of(bytes: &[u8], offset: usize) -> u64 {
    1 + line_breaks(bytes, 0, offset)
}

/// Line breaks among `bytes[from..to]`: LF, CRLF, or CR alone (as old Mac Excel
/// saves CSV).
pub fn line_breaks(bytes: &[u8], from: usize, to: usize) -> u64 {
    let to = to.min(bytes.len());
    let from = from.min(to);
    let mut count = 0;
    for (i, &b) in bytes[from..to].iter().enumerate() {
        if b == b'\n' || (b == b'\r' && bytes.get(from + i + 1) != Some(&b'\n')) {
            count += 1;
        }
    }
    count
}

/// The Windows-1252 word around `offset`, decoded, so the warning shows a name
/// the organiser can check.
fn example_word(bytes: &[u8], offset: usize) -> String {
    let is_break = |b: &u8| matches!(b, b',' | b';' | b'\t' | b'"' | b'\n' | b'\r' | b' ');
    let start = bytes[..offset].iter().rposition(is_break).map_or(0, |i| i + 1);
    let end = bytes[offset..]
        .iter()
        .position(is_break)
        .map_or(bytes.len(), |i| offset + i);
    let (word, _) = WINDOWS_1252.decode_without_bom_handling(&bytes[start..end]);
    word.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn windows_1252(text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = WINDOWS_1252.encode(text);
        assert!(!unmappable);
        bytes.into_owned()
    }

    #[test]
    fn utf8_is_borrowed_without_warning() {
        let decoded = decode("f.csv", "a,b\nZoë,José\n".as_bytes()).unwrap();
        assert!(matches!(decoded.text, Cow::Borrowed(_)));
        assert!(decoded.warning.is_none());
        let decoded = decode("f.csv", "\u{FEFF}a\n".as_bytes()).unwrap();
        assert_eq!(decoded.text, "a\n");
    }

    #[test]
    fn windows_1252_is_read_with_a_warning() {
        let bytes = windows_1252("first name\nSiân\nZoë\nJosé\n");
        let decoded = decode("f.csv", &bytes).unwrap();
        assert_eq!(decoded.text, "first name\nSiân\nZoë\nJosé\n");
        let warning = decoded.warning.unwrap();
        assert_eq!((warning.code, warning.line), ("R015", Some(2)));
        assert_eq!(warning.value.as_deref(), Some("Siân"));
        assert!(!warning.is_error());
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_read() {
        for (encoding, bom) in [(UTF_16LE, &b"\xFF\xFE"[..]), (UTF_16BE, &b"\xFE\xFF"[..])] {
            let units: Vec<u16> = "a\tb\nZoë\tx\n".encode_utf16().collect();
            let mut bytes = bom.to_vec();
            for unit in units {
                if encoding == UTF_16LE {
                    bytes.extend(unit.to_le_bytes());
                } else {
                    bytes.extend(unit.to_be_bytes());
                }
            }
            let decoded = decode("f.csv", &bytes).unwrap();
            assert_eq!(decoded.text, "a\tb\nZoë\tx\n");
            assert_eq!(decoded.warning.unwrap().code, "R015");
        }
    }

    #[test]
    fn other_encodings_are_refused() {
        let utf16_without_bom: Vec<u8> = "first name,email\n".bytes().flat_map(|b| [b, 0]).collect();
        let mut mixed = "Zoë,".as_bytes().to_vec();
        mixed.extend(windows_1252("\nJosé\n"));
        let cases: [(&[u8], &str, u64); 5] = [
            (&utf16_without_bom, "UTF-16 without a byte-order mark", 1),
            (b"PK\x03\x04\x00\x00", "NUL bytes", 1),
            (b"a\n\x81b\n", "neither UTF-8 nor Windows-1252", 2),
            (&mixed, "mixes encodings", 2),
            (b"\xEF\xBB\xBFa\n\xE9\n", "mixes two encodings", 2),
        ];
        for (bytes, says, line) in cases {
            let problem = decode("f.csv", bytes).unwrap_err().0.remove(0);
            assert_eq!(problem.code, "R002");
            assert!(problem.is_error());
            assert!(problem.message.contains(says), "{problem}");
            assert_eq!(problem.line, Some(line), "{problem}");
            assert!(problem.fix.contains("CSV UTF-8"), "{problem}");
        }
        let problem = decode("f.csv", b"\xFF\xFEa\x00\x00\x00").unwrap_err().0.remove(0);
        assert!(problem.message.contains("UTF-16LE"), "{problem}");
        let problem = decode("f.csv", b"a\xE9\x01").unwrap_err().0.remove(0);
        assert!(problem.message.contains("control character"), "{problem}");
    }
}
