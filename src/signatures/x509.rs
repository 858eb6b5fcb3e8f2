//! X.509 certificates as the trust checks need them: names, dates, keys, the extensions that
//! link a certificate to its issuer (key identifiers) and to its CRL (distribution points), and
//! the GOST check that an issuer signed a certificate or a CRL.

use chrono::{DateTime, Utc};
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints};
use x509_cert::name::Name;

use super::cms::{attr, key_param_set, serial_hex, to_chrono};
use super::input::children;
use super::{DigestAlg, Signer, gost};

const ID_SKI: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const ID_AKI: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
const ID_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const ID_CRL_DP: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.31");
const ID_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");

/// One certificate, parsed once, with the raw parts its issuer's signature covers.
#[derive(Debug, Clone)]
pub struct Cert {
    /// The certificate as found (DER): stored, compared and re-parsed from this.
    pub der: Vec<u8>,
    /// tbsCertificate exactly as signed.
    tbs: Vec<u8>,
    /// DER of the subject and issuer names: chains are built by comparing these.
    pub subject_der: Vec<u8>,
    pub issuer_der: Vec<u8>,
    pub info: Signer,
    pub ski: Option<Vec<u8>>,
    pub aki: Option<Vec<u8>>,
    pub is_ca: bool,
    /// keyUsage allows keyCertSign (true when the extension is absent).
    pub cert_sign: bool,
    /// HTTP(S) addresses of the issuer's CRL (crlDistributionPoints).
    pub crl_urls: Vec<String>,
    key_alg_oid: String,
    key_params_oid: Option<String>,
    public_key: Option<Vec<u8>>,
    sig_alg_oid: String,
    signature: Vec<u8>,
}

impl Cert {
    pub fn from_der(der: &[u8]) -> Result<Cert, String> {
        let cert = Certificate::from_der(der).map_err(|e| format!("сертификат: {e}"))?;
        let tbs = children(der)
            .and_then(|c| c.first().map(|t| t.to_vec()))
            .ok_or("сертификат: нет tbsCertificate")?;
        let t = &cert.tbs_certificate;
        let ext = |oid: ObjectIdentifier| {
            t.extensions
                .iter()
                .flatten()
                .find(|e| e.extn_id == oid)
                .map(|e| e.extn_value.as_bytes().to_vec())
        };
        let ski = ext(ID_SKI)
            .and_then(|v| OctetString::from_der(&v).ok())
            .map(|o| o.as_bytes().to_vec());
        let aki = ext(ID_AKI)
            .and_then(|v| AuthorityKeyIdentifier::from_der(&v).ok())
            .and_then(|a| a.key_identifier)
            .map(|o| o.as_bytes().to_vec());
        let is_ca = ext(ID_BASIC)
            .and_then(|v| BasicConstraints::from_der(&v).ok())
            .is_some_and(|b| b.ca);
        let cert_sign = ext(ID_KEY_USAGE)
            .and_then(|v| x509_cert::ext::pkix::KeyUsage::from_der(&v).ok())
            .is_none_or(|k| k.key_cert_sign());
        let crl_urls = ext(ID_CRL_DP)
            .and_then(|v| CrlDistributionPoints::from_der(&v).ok())
            .map(|dps| {
                dps.0
                    .iter()
                    .filter_map(|dp| match &dp.distribution_point {
                        Some(DistributionPointName::FullName(names)) => Some(names),
                        _ => None,
                    })
                    .flatten()
                    .filter_map(|n| match n {
                        GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
                        _ => None,
                    })
                    .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
                    .collect()
            })
            .unwrap_or_default();
        let spki = &t.subject_public_key_info;
        let info = subject_info(
            &t.subject,
            &t.issuer,
            t.serial_number.as_bytes(),
            to_chrono(t.validity.not_before).ok_or("сертификат: notBefore")?,
            to_chrono(t.validity.not_after).ok_or("сертификат: notAfter")?,
        );
        Ok(Cert {
            der: der.to_vec(),
            tbs,
            subject_der: t.subject.to_der().map_err(|e| e.to_string())?,
            issuer_der: t.issuer.to_der().map_err(|e| e.to_string())?,
            info,
            ski,
            aki,
            is_ca,
            cert_sign,
            crl_urls,
            key_alg_oid: spki.algorithm.oid.to_string(),
            key_params_oid: spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.to_der().ok())
                .and_then(|p| key_param_set(&p)),
            public_key: OctetString::from_der(spki.subject_public_key.raw_bytes())
                .ok()
                .map(|o| o.as_bytes().to_vec()),
            sig_alg_oid: cert.signature_algorithm.oid.to_string(),
            signature: cert.signature.raw_bytes().to_vec(),
        })
    }

    /// May this certificate's key sign other certificates (a CA's)?
    pub fn may_issue(&self) -> bool {
        self.is_ca && self.cert_sign
    }

    /// Subject and issuer are the same name: the certificate vouches for itself.
    pub fn self_issued(&self) -> bool {
        self.subject_der == self.issuer_der
    }

    /// A short name for lists and the protocol: CN, else O, else the serial number.
    pub fn name(&self) -> String {
        self.info
            .common_name
            .clone()
            .or_else(|| self.info.organization.clone())
            .unwrap_or_else(|| format!("сертификат № {}", self.info.serial_hex))
    }

    /// Whether the certificate's validity period includes `t`.
    pub fn valid_at(&self, t: DateTime<Utc>) -> bool {
        self.info.not_before <= t && t <= self.info.not_after
    }

    /// Could `issuer` have issued this certificate, judging by names and key identifiers?
    pub fn named_issuer(&self, issuer: &Cert) -> bool {
        self.issuer_der == issuer.subject_der
            && match (&self.aki, &issuer.ski) {
                (Some(a), Some(s)) => a == s,
                _ => true,
            }
    }

    /// Checks that `issuer`'s key made this certificate's signature.
    pub fn verify_issued_by(&self, issuer: &Cert) -> Result<(), String> {
        issuer.verify_signed(&self.tbs, &self.sig_alg_oid, &self.signature)
    }

    /// Checks a signature made with this certificate's key over `tbs` (a certificate's or a
    /// CRL's to-be-signed part) with the algorithm `sig_alg_oid`.
    pub(super) fn verify_signed(
        &self,
        tbs: &[u8],
        sig_alg_oid: &str,
        signature: &[u8],
    ) -> Result<(), String> {
        let digest = match sig_alg_oid {
            "1.2.643.7.1.1.3.2" => DigestAlg::Streebog256,
            "1.2.643.7.1.1.3.3" => DigestAlg::Streebog512,
            other => return Err(format!("алгоритм подписи {other} не поддерживается")),
        };
        let bits = match self.key_alg_oid.as_str() {
            "1.2.643.7.1.1.1.1" => 256,
            "1.2.643.7.1.1.1.2" => 512,
            other => return Err(format!("алгоритм ключа {other} не поддерживается")),
        };
        let curve = self
            .key_params_oid
            .as_deref()
            .and_then(gost::Curve::by_oid)
            .filter(|c| c.bits == bits)
            .ok_or("параметры ключа не поддерживаются")?;
        let key = self.public_key.as_deref().ok_or("ключ не прочитан")?;
        if gost::verify(&curve, &digest.digest(tbs), signature, key) {
            Ok(())
        } else {
            Err("подпись неверна".to_owned())
        }
    }
}

/// The subject's attributes as a [`Signer`] (signingTime unset).
pub(super) fn subject_info(
    subject: &Name,
    issuer: &Name,
    serial: &[u8],
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
) -> Signer {
    Signer {
        common_name: attr(subject, "2.5.4.3"),
        surname: attr(subject, "2.5.4.4"),
        given_name: attr(subject, "2.5.4.42"),
        title: attr(subject, "2.5.4.12"),
        organization: attr(subject, "2.5.4.10"),
        inn_le: attr(subject, "1.2.643.100.4"),
        inn: attr(subject, "1.2.643.3.131.1.1"),
        ogrn: attr(subject, "1.2.643.100.1"),
        ogrnip: attr(subject, "1.2.643.100.5"),
        snils: attr(subject, "1.2.643.100.3"),
        issuer: attr(issuer, "2.5.4.3").or_else(|| attr(issuer, "2.5.4.10")),
        self_signed: issuer == subject,
        serial_hex: serial_hex(serial),
        not_before,
        not_after,
        signing_time: None,
    }
}

/// Every certificate in a text or binary bundle: PEM blocks (any number), or one DER
/// certificate.
pub fn certs_in(bytes: &[u8]) -> Vec<Cert> {
    let mut out = Vec::new();
    if bytes.first() == Some(&0x30) {
        if let Ok(c) = Cert::from_der(bytes) {
            out.push(c);
        }
        return out;
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return out;
    };
    for block in text.split("-----BEGIN CERTIFICATE-----").skip(1) {
        let body = block.split("-----END").next().unwrap_or("");
        if let Ok(der) = super::input::to_der(body.as_bytes())
            && let Ok(c) = Cert::from_der(&der)
        {
            out.push(c);
        }
    }
    out
}
