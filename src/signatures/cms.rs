//! Reading the CMS SignedData: every SignerInfo, its certificate and the subject fields, and the
//! other certificates the file carries (the issuers, for the chain).

use chrono::{DateTime, Utc};
use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Any, Decode, Encode, Tag, Tagged};
use x509_cert::Certificate;
use x509_cert::name::Name;
use x509_cert::time::Time;

use super::input::{children, read_header};
use super::x509::{Cert, subject_info};
use super::{DigestAlg, Signature, SignatureError, SignedAttrs};

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_ENVELOPED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const ID_SUBJECT_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");

/// The most signers and carried certificates one signature file may have.
const MAX_SIGNERS: usize = 8;
const MAX_CERTS: usize = 32;

fn malformed(detail: impl std::fmt::Display) -> SignatureError {
    SignatureError::Malformed {
        detail: detail.to_string(),
    }
}

/// Parses one DER ContentInfo holding a detached SignedData: every signer, in the file's order,
/// and every certificate it carries.
pub(super) fn parse(der: &[u8]) -> Result<(Vec<Signature>, Vec<Cert>), SignatureError> {
    let info = match ContentInfo::from_der(der) {
        Ok(info) => info,
        // People pick the certificate (.cer) instead of the signature more often than one thinks:
        // say so rather than "not recognised".
        Err(e) => {
            return Err(if Certificate::from_der(der).is_ok() {
                SignatureError::CertificateNotSignature
            } else {
                malformed(format!("ContentInfo: {e}"))
            });
        }
    };
    if info.content_type == ID_ENVELOPED_DATA {
        return Err(SignatureError::Encrypted);
    }
    if info.content_type != ID_SIGNED_DATA {
        return Err(SignatureError::NotSignedData);
    }
    let signed: SignedData = info
        .content
        .decode_as()
        .map_err(|e| malformed(format!("SignedData: {e}")))?;
    if let Some(content) = &signed.encap_content_info.econtent {
        // An empty eContent carries no document; some tools write it that way for detached data.
        if !content.value().is_empty() {
            return Err(SignatureError::Attached);
        }
    }
    // The SignerInfos SET is sorted by the DER decoder, so the order is taken from the raw bytes,
    // and those raw bytes also give the signed attributes exactly as they were signed.
    let raw_signers = signer_infos(der).ok_or(SignatureError::NoSigner)?;
    if raw_signers.is_empty() {
        return Err(SignatureError::NoSigner);
    }
    // Real files carry one or two signers and a few certificates; thousands of them would cost
    // a GOST verification each (a cheap way to stall the server).
    if raw_signers.len() > MAX_SIGNERS
        || signed
            .certificates
            .as_ref()
            .is_some_and(|c| c.0.len() > MAX_CERTS)
    {
        return Err(malformed("too many signers or certificates"));
    }
    let mut signatures = Vec::with_capacity(raw_signers.len());
    for raw in raw_signers {
        signatures.push(one_signer(&signed, raw)?);
    }
    let carried = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            CertificateChoices::Certificate(c) => c.to_der().ok(),
            _ => None,
        })
        .filter_map(|d| Cert::from_der(&d).ok())
        .collect();
    Ok((signatures, carried))
}

/// One SignerInfo (raw DER) with its certificate from `signed`.
fn one_signer(signed: &SignedData, raw_signer: &[u8]) -> Result<Signature, SignatureError> {
    let signer_info =
        SignerInfo::from_der(raw_signer).map_err(|e| malformed(format!("SignerInfo: {e}")))?;

    let cert = signed
        .certificates
        .as_ref()
        .and_then(|set| {
            set.0.iter().find_map(|choice| match choice {
                CertificateChoices::Certificate(c) if identifies(&signer_info.sid, c) => Some(c),
                _ => None,
            })
        })
        .ok_or(SignatureError::NoCertificate)?;

    let signed_attrs = match &signer_info.signed_attrs {
        None => None,
        Some(attrs) => {
            let raw = raw_signed_attrs(raw_signer).ok_or_else(|| malformed("signedAttrs"))?;
            let reencoded = attrs
                .to_der()
                .map_err(|e| malformed(format!("signedAttrs: {e}")))?;
            let message_digest = attrs
                .iter()
                .find(|a| a.oid == ID_MESSAGE_DIGEST)
                .and_then(|a| single_value(&a.values))
                .and_then(|v| v.decode_as::<OctetString>().ok())
                .map(|o| o.as_bytes().to_vec());
            Some(SignedAttrs {
                raw,
                reencoded,
                message_digest,
            })
        }
    };
    let signing_time = signer_info.signed_attrs.as_ref().and_then(|attrs| {
        attrs
            .iter()
            .find(|a| a.oid == ID_SIGNING_TIME)
            .and_then(|a| single_value(&a.values))
            .and_then(|v| v.to_der().ok())
            .and_then(|d| Time::from_der(&d).ok())
            .and_then(to_chrono)
    });

    let tbs = &cert.tbs_certificate;
    let spki = &tbs.subject_public_key_info;
    let key_params_oid = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.to_der().ok())
        .and_then(|p| key_param_set(&p));
    // GOST keys are an OCTET STRING inside the BIT STRING.
    let public_key = OctetString::from_der(spki.subject_public_key.raw_bytes())
        .ok()
        .map(|o| o.as_bytes().to_vec());

    let mut signer = subject_info(
        &tbs.subject,
        &tbs.issuer,
        tbs.serial_number.as_bytes(),
        to_chrono(tbs.validity.not_before).ok_or_else(|| malformed("notBefore"))?,
        to_chrono(tbs.validity.not_after).ok_or_else(|| malformed("notAfter"))?,
    );
    signer.signing_time = signing_time;

    let digest_oid = signer_info.digest_alg.oid.to_string();
    Ok(Signature {
        signer,
        digest_alg: DigestAlg::from_oid(&digest_oid),
        signature_alg_oid: signer_info.signature_algorithm.oid.to_string(),
        key_alg_oid: spki.algorithm.oid.to_string(),
        key_params_oid,
        public_key,
        signature: signer_info.signature.as_bytes().to_vec(),
        signed_attrs,
        cert_der: cert
            .to_der()
            .map_err(|e| malformed(format!("certificate: {e}")))?,
    })
}

/// The curve OID of GOST key parameters: SEQUENCE { publicKeyParamSet OID, digestParamSet OID
/// OPTIONAL, … }. Only the first OID matters for verifying.
pub(super) fn key_param_set(params: &[u8]) -> Option<String> {
    let first = *children(params)?.first()?;
    ObjectIdentifier::from_der(first)
        .ok()
        .map(|o| o.to_string())
}

/// The one value of an attribute; CMS attributes we read are single-valued by definition.
fn single_value(values: &der::asn1::SetOfVec<Any>) -> Option<&Any> {
    match values.as_slice() {
        [v] => Some(v),
        _ => None,
    }
}

/// Whether `cert` is the one the SignerIdentifier names.
fn identifies(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    let tbs = &cert.tbs_certificate;
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            ias.serial_number == tbs.serial_number && ias.issuer == tbs.issuer
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => tbs
            .extensions
            .iter()
            .flatten()
            .filter(|e| e.extn_id == ID_SUBJECT_KEY_ID)
            .filter_map(|e| OctetString::from_der(e.extn_value.as_bytes()).ok())
            .any(|id| id.as_bytes() == ski.0.as_bytes()),
    }
}

/// The SignerInfo elements of ContentInfo → [0] → SignedData → signerInfos (the last field), in
/// the file's order.
fn signer_infos(der: &[u8]) -> Option<Vec<&[u8]>> {
    let content_info = children(der)?;
    let explicit = content_info.get(1)?;
    let signed_data = *children(explicit)?.first()?;
    let signer_infos = *children(signed_data)?.last()?;
    if signer_infos.first() != Some(&0x31) {
        return None;
    }
    children(signer_infos)
}

/// signedAttrs of a SignerInfo as signed: the [0] IMPLICIT element re-tagged as SET (0x31).
///
/// SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, signedAttrs [0] IMPLICIT OPTIONAL, … }.
/// A sid by key identifier is [0] too, but primitive (0x80), so the constructed 0xA0 at index 3 is
/// unambiguous.
fn raw_signed_attrs(signer_info: &[u8]) -> Option<Vec<u8>> {
    let fields = children(signer_info)?;
    let attrs = *fields.get(3)?;
    if attrs.first() != Some(&0xA0) || read_header(attrs)?.tag_len != 1 {
        return None;
    }
    let mut raw = attrs.to_vec();
    raw[0] = 0x31;
    Some(raw)
}

/// The first value of a subject/issuer attribute, decoded whatever string type the CA chose.
pub(super) fn attr(name: &Name, oid: &str) -> Option<String> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid.to_string() == oid)
        .and_then(|atv| decode_string(&atv.value))
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// Decodes the directory string types seen in Russian certificates: UTF8String (names),
/// NumericString (ИНН, ОГРН, СНИЛС), PrintableString and IA5String (older CAs), plus
/// VisibleString, BMPString and TeletexString for completeness. (UniversalString cannot reach
/// here: the DER decoder rejects that tag while reading the certificate.)
pub(super) fn decode_string(value: &Any) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::NumericString
        | Tag::Ia5String
        | Tag::VisibleString => String::from_utf8(bytes.to_vec()).ok(),
        Tag::BmpString => {
            if bytes.len() & 1 == 1 {
                return None;
            }
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        // TeletexString in practice carries Latin-1.
        Tag::TeletexString => Some(bytes.iter().map(|b| char::from(*b)).collect()),
        _ => None,
    }
}

/// Serial number as lowercase hex, without the sign-padding zero bytes DER may add.
pub(super) fn serial_hex(bytes: &[u8]) -> String {
    let start = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    hex::encode(&bytes[start..])
}

pub(super) fn to_chrono(t: Time) -> Option<DateTime<Utc>> {
    let secs = i64::try_from(t.to_unix_duration().as_secs()).ok()?;
    DateTime::from_timestamp(secs, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any(tag: Tag, bytes: &[u8]) -> Any {
        Any::new(tag, bytes).expect("any")
    }

    #[test]
    fn every_string_type_decodes() {
        assert_eq!(
            decode_string(&any(Tag::Utf8String, "ООО «Ромашка»".as_bytes())).as_deref(),
            Some("ООО «Ромашка»")
        );
        assert_eq!(
            decode_string(&any(Tag::NumericString, b"7700123459")).as_deref(),
            Some("7700123459")
        );
        assert_eq!(
            decode_string(&any(Tag::PrintableString, b"1027700123450")).as_deref(),
            Some("1027700123450")
        );
        assert_eq!(
            decode_string(&any(Tag::Ia5String, b"11223344595")).as_deref(),
            Some("11223344595")
        );
        let bmp: Vec<u8> = "Иван"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        assert_eq!(
            decode_string(&any(Tag::BmpString, &bmp)).as_deref(),
            Some("Иван")
        );
        assert_eq!(decode_string(&any(Tag::BmpString, &bmp[1..])), None);
        assert_eq!(decode_string(&any(Tag::Integer, &[1])), None);
    }

    #[test]
    fn serial_without_sign_padding() {
        assert_eq!(serial_hex(&[0x00, 0x9f, 0x01]), "9f01");
        assert_eq!(serial_hex(&[0x01, 0x00]), "0100");
        assert_eq!(serial_hex(&[0x00]), "00");
        assert_eq!(serial_hex(&[]), "");
    }
}
