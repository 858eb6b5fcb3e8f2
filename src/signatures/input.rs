//! Turning an uploaded signature file into DER bytes, and small TLV helpers.
//!
//! Signature files reach us as DER, as PEM with whatever label the tool chose (PKCS7, CMS,
//! SIGNED DATA…), as bare Base64 (CryptoPro's "Base64" export, sometimes on one line, sometimes
//! with CRLF), and sometimes as BER with indefinite lengths (streaming signers). Windows tools and
//! mail clients also like to append a NUL or a newline. Everything is normalised to one DER
//! ContentInfo here, so the CMS parser sees a single, strict encoding.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::SignatureError;

/// Nesting limit for the BER normaliser: CMS needs about a dozen levels; the limit keeps a crafted
/// file from exhausting the stack.
const MAX_DEPTH: usize = 48;

/// Base64 decoder that accepts the padding present or missing: some exporters drop it.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Returns the DER encoding of the outermost element of the uploaded file.
pub(super) fn to_der(bytes: &[u8]) -> Result<Vec<u8>, SignatureError> {
    let binary = if bytes.first() == Some(&0x30) {
        bytes.to_vec()
    } else {
        from_text(bytes)?
    };
    outer_element(&binary)
}

/// PEM (any label) or bare Base64 to binary.
fn from_text(bytes: &[u8]) -> Result<Vec<u8>, SignatureError> {
    let text = bytes
        .strip_prefix(b"\xEF\xBB\xBF") // UTF-8 BOM from Windows editors
        .unwrap_or(bytes);
    let text = trim_junk(text);
    if text.is_empty() {
        return Err(SignatureError::Empty);
    }
    let text = std::str::from_utf8(text).map_err(|_| SignatureError::NotRecognized)?;
    let body = match text.find("-----BEGIN") {
        Some(start) => pem_body(&text[start..]).ok_or(SignatureError::NotRecognized)?,
        None => text,
    };
    let compact: Vec<u8> = body.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if compact.is_empty()
        || !compact
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    {
        return Err(SignatureError::NotRecognized);
    }
    let decoded = BASE64
        .decode(&compact)
        .map_err(|_| SignatureError::NotRecognized)?;
    if decoded.first() != Some(&0x30) {
        return Err(SignatureError::NotRecognized);
    }
    Ok(decoded)
}

/// The Base64 between the BEGIN line and the matching END line; RFC 1421 header lines
/// ("Key: value") in between are skipped.
fn pem_body(pem: &str) -> Option<&str> {
    let after_begin = pem.find('\n').map(|i| &pem[i + 1..])?;
    let end = after_begin.find("-----END")?;
    let body = &after_begin[..end];
    // Headers, if any, end at the first blank line; Base64 never contains ':'.
    if body.contains(':') {
        let blank = body.find("\n\n").or_else(|| body.find("\r\n\r\n"))?;
        return Some(&body[blank..]);
    }
    Some(body)
}

/// Trailing NULs and whitespace (and leading whitespace) that editors and uploads add.
fn trim_junk(bytes: &[u8]) -> &[u8] {
    let junk = |b: &u8| *b == 0 || b.is_ascii_whitespace();
    let start = bytes.iter().position(|b| !junk(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !junk(b))
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

/// Cuts the first element out of `binary` and returns it as DER.
///
/// A DER element ends where its length says, so trailing bytes are judged separately (only NULs and
/// whitespace may follow): trimming them blindly could eat the last byte of a signature value.
fn outer_element(binary: &[u8]) -> Result<Vec<u8>, SignatureError> {
    let malformed = |detail: &str| SignatureError::Malformed {
        detail: detail.to_owned(),
    };
    let header = read_header(binary).ok_or_else(|| malformed("outer header"))?;
    let element = match header.len {
        Some(len) => {
            let total = header.header_len + len;
            let der = &binary[..total];
            // Already DER? Then keep the bytes as they are; otherwise (long-form lengths,
            // constructed strings) rebuild them.
            if is_der(der, 0) {
                (der.to_vec(), total)
            } else {
                normalize(der, 0).ok_or_else(|| malformed("BER normalisation"))?
            }
        }
        None => normalize(binary, 0).ok_or_else(|| malformed("BER normalisation"))?,
    };
    let (der, used) = element;
    if !trim_junk(&binary[used..]).is_empty() {
        return Err(malformed("data after the signature"));
    }
    Ok(der)
}

/// One BER/DER header.
#[derive(Debug, Clone, Copy)]
pub(super) struct Header {
    /// Bytes of the tag (1 for low tag numbers).
    pub(super) tag_len: usize,
    /// Bytes of tag plus length.
    pub(super) header_len: usize,
    pub(super) constructed: bool,
    /// Content length; `None` for BER indefinite length.
    pub(super) len: Option<usize>,
    /// The length was not in its shortest form (so not DER).
    long_form_waste: bool,
}

/// Parses the header at the start of `buf`; a definite length must fit in `buf`.
pub(super) fn read_header(buf: &[u8]) -> Option<Header> {
    let first = *buf.first()?;
    let mut i = 1;
    if first & 0x1f == 0x1f {
        // High tag number: base-128 digits until one has the top bit clear. Four are plenty.
        loop {
            let b = *buf.get(i)?;
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
            if i > 5 {
                return None;
            }
        }
    }
    let tag_len = i;
    let l = *buf.get(i)?;
    i += 1;
    let constructed = first & 0x20 != 0;
    let (len, long_form_waste) = match l {
        0..=0x7f => (Some(usize::from(l)), false),
        0x80 if constructed => (None, false),
        0x81..=0x84 => {
            let n = usize::from(l & 0x7f);
            let bytes = buf.get(i..i + n)?;
            i += n;
            let v = bytes.iter().fold(0usize, |v, b| (v << 8) | usize::from(*b));
            let minimal = v >= 0x80 && bytes[0] != 0;
            (Some(v), !minimal)
        }
        _ => return None,
    };
    if len.is_some_and(|n| buf.len() - i < n) {
        return None;
    }
    Some(Header {
        tag_len,
        header_len: i,
        constructed,
        len,
        long_form_waste,
    })
}

/// True when `der` is one element with definite, minimal lengths all the way down and no
/// constructed universal strings: the cases `normalize` would change.
fn is_der(der: &[u8], depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let Some(h) = read_header(der) else {
        return false;
    };
    let Some(len) = h.len else { return false };
    if h.long_form_waste || h.header_len + len != der.len() {
        return false;
    }
    if !h.constructed {
        return true;
    }
    if is_universal_string(&der[..h.tag_len]) {
        return false;
    }
    match children(der) {
        Some(kids) => kids.iter().all(|k| is_der(k, depth + 1)),
        None => false,
    }
}

/// Universal string types (BIT STRING, OCTET STRING, the character strings), which BER may
/// split into constructed segments and DER may not.
fn is_universal_string(tag: &[u8]) -> bool {
    tag.len() == 1 && tag[0] & 0xc0 == 0 && matches!(tag[0] & 0x1f, 3 | 4 | 12 | 18..=30)
}

/// BER → DER for one element at the start of `buf`: definite minimal lengths, constructed strings
/// joined into primitive ones. Returns the DER bytes and how many input bytes were consumed.
/// SET OF ordering is left alone: the CMS parser sorts sets itself.
fn normalize(buf: &[u8], depth: usize) -> Option<(Vec<u8>, usize)> {
    if depth > MAX_DEPTH {
        return None;
    }
    let h = read_header(buf)?;
    let tag = &buf[..h.tag_len];
    if !h.constructed {
        let len = h.len?;
        let content = &buf[h.header_len..h.header_len + len];
        return Some((encode(tag, content), h.header_len + len));
    }
    let end = h.len.map(|n| h.header_len + n);
    let limit = end.unwrap_or(buf.len());
    let mut pos = h.header_len;
    let mut kids = Vec::new();
    loop {
        match end {
            Some(e) if pos >= e => break,
            None if buf.get(pos..pos + 2)? == [0, 0] => {
                pos += 2;
                break;
            }
            _ => {}
        }
        let (kid, used) = normalize(buf.get(pos..limit)?, depth + 1)?;
        kids.push(kid);
        pos += used;
    }
    if end.is_some_and(|e| pos != e) {
        return None;
    }
    if is_universal_string(tag) {
        let primitive = tag[0] & !0x20;
        let bit_string = primitive == 0x03;
        let mut content = Vec::new();
        let mut unused = 0u8;
        for (i, kid) in kids.iter().enumerate() {
            let kh = read_header(kid)?;
            // Segments are primitive (after normalisation) and of the same type.
            if kid[0] != primitive {
                return None;
            }
            let data = &kid[kh.header_len..];
            if bit_string {
                // Each segment starts with its own unused-bits count; only the last may be non-zero.
                let (&u, bits) = data.split_first()?;
                if u != 0 && i + 1 != kids.len() {
                    return None;
                }
                unused = u;
                content.extend_from_slice(bits);
            } else {
                content.extend_from_slice(data);
            }
        }
        if bit_string {
            content.insert(0, unused);
        }
        return Some((encode(&[primitive], &content), pos));
    }
    Some((encode(tag, &kids.concat()), pos))
}

/// Tag + DER length + content.
fn encode(tag: &[u8], content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tag.len() + 5 + content.len());
    out.extend_from_slice(tag);
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// The child elements of one definite-length constructed DER element.
pub(super) fn children(der: &[u8]) -> Option<Vec<&[u8]>> {
    let h = read_header(der)?;
    if !h.constructed {
        return None;
    }
    let mut rest = der.get(h.header_len..h.header_len + h.len?)?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let kh = read_header(rest)?;
        let total = kh.header_len + kh.len?;
        out.push(&rest[..total]);
        rest = &rest[total..];
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ber_indefinite_and_constructed_strings_become_der() {
        // SEQUENCE (indefinite) { OCTET STRING constructed (indefinite) { "ab", "c" }, INTEGER 5 }
        let ber = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00, 0x02,
            0x01, 0x05, 0x00, 0x00,
        ];
        let der = [0x30, 0x08, 0x04, 0x03, b'a', b'b', b'c', 0x02, 0x01, 0x05];
        assert_eq!(outer_element(&ber).ok(), Some(der.to_vec()));
        // Long-form length where short form would do.
        let ber = [0x30, 0x81, 0x03, 0x02, 0x01, 0x05];
        assert_eq!(
            outer_element(&ber).ok(),
            Some(vec![0x30, 0x03, 0x02, 0x01, 0x05])
        );
        // Constructed BIT STRING: unused-bit counts merged.
        let ber = [
            0x23, 0x80, 0x03, 0x02, 0x00, 0xAA, 0x03, 0x02, 0x04, 0xB0, 0x00, 0x00,
        ];
        assert_eq!(
            normalize(&ber, 0).map(|(d, _)| d),
            Some(vec![0x03, 0x03, 0x04, 0xAA, 0xB0])
        );
    }

    #[test]
    fn der_with_trailing_nul_and_newline_is_cut_exactly() {
        // The last content byte is 0x0A: it must survive although it looks like a newline.
        let der = [0x30, 0x03, 0x04, 0x01, 0x0A];
        let mut uploaded = der.to_vec();
        uploaded.extend_from_slice(b"\r\n\0");
        assert_eq!(to_der(&uploaded).ok(), Some(der.to_vec()));
        uploaded.push(b'x');
        assert!(to_der(&uploaded).is_err());
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let mut ber = Vec::new();
        for _ in 0..10_000 {
            ber.extend_from_slice(&[0x30, 0x80]);
        }
        assert!(outer_element(&ber).is_err());
    }

    #[test]
    fn pem_with_any_label_and_headers() {
        let b64 = BASE64.encode([0x30, 0x03, 0x02, 0x01, 0x07]);
        for label in ["PKCS7", "CMS", "SIGNED DATA"] {
            let pem = format!("-----BEGIN {label}-----\r\n{b64}\r\n-----END {label}-----\r\n");
            assert_eq!(
                to_der(pem.as_bytes()).ok(),
                Some(vec![0x30, 0x03, 0x02, 0x01, 0x07])
            );
        }
        let pem = format!("-----BEGIN PKCS7-----\nProc-Type: 4,X\n\n{b64}\n-----END PKCS7-----\n");
        assert!(to_der(pem.as_bytes()).is_ok());
    }
}
