//! Certificate revocation lists (CRL, «список отзыва сертификатов»): who issued one, when, when
//! the next is due, which serial numbers it revokes and since when.

use chrono::{DateTime, Utc};
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::crl::CertificateList;

use super::cms::{attr, serial_hex, to_chrono};
use super::input::children;
use super::x509::Cert;

const ID_REASON: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.21");

#[derive(Debug, Clone)]
pub struct Crl {
    pub der: Vec<u8>,
    tbs: Vec<u8>,
    sig_alg_oid: String,
    signature: Vec<u8>,
    pub issuer_der: Vec<u8>,
    /// The issuer's CN (or O), for display.
    pub issuer_name: String,
    pub this_update: DateTime<Utc>,
    pub next_update: Option<DateTime<Utc>>,
    pub revoked: Vec<Revoked>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    pub serial_hex: String,
    pub date: DateTime<Utc>,
    /// The reason in Russian, when the CRL states one.
    pub reason: Option<String>,
}

impl Crl {
    /// A CRL as DER or PEM (`-----BEGIN X509 CRL-----`).
    pub fn parse(bytes: &[u8]) -> Result<Crl, String> {
        let der = super::input::to_der(bytes).map_err(|e| e.to_string())?;
        let list = CertificateList::from_der(&der).map_err(|e| format!("CRL: {e}"))?;
        let tbs = children(&der)
            .and_then(|c| c.first().map(|t| t.to_vec()))
            .ok_or("CRL: нет tbsCertList")?;
        let t = &list.tbs_cert_list;
        let revoked = t
            .revoked_certificates
            .iter()
            .flatten()
            .map(|r| Revoked {
                serial_hex: serial_hex(r.serial_number.as_bytes()),
                // an unreadable date must not hide the entry: revoked since ever
                date: to_chrono(r.revocation_date).unwrap_or(DateTime::UNIX_EPOCH),
                reason: r
                    .crl_entry_extensions
                    .iter()
                    .flatten()
                    .find(|e| e.extn_id == ID_REASON)
                    .and_then(|e| e.extn_value.as_bytes().get(2).copied())
                    .map(reason_name),
            })
            .collect();
        Ok(Crl {
            tbs,
            sig_alg_oid: list.signature_algorithm.oid.to_string(),
            signature: list.signature.raw_bytes().to_vec(),
            issuer_der: t.issuer.to_der().map_err(|e| e.to_string())?,
            issuer_name: attr(&t.issuer, "2.5.4.3")
                .or_else(|| attr(&t.issuer, "2.5.4.10"))
                .unwrap_or_default(),
            this_update: to_chrono(t.this_update).ok_or("CRL: thisUpdate")?,
            next_update: t.next_update.and_then(to_chrono),
            revoked,
            der,
        })
    }

    /// Checks that `issuer` signed this CRL.
    pub fn verify_by(&self, issuer: &Cert) -> Result<(), String> {
        if self.issuer_der != issuer.subject_der {
            return Err("список отзыва выпущен другим издателем".to_owned());
        }
        issuer.verify_signed(&self.tbs, &self.sig_alg_oid, &self.signature)
    }

    /// The entry revoking `serial_hex`, if any.
    pub fn find(&self, serial_hex: &str) -> Option<&Revoked> {
        self.revoked.iter().find(|r| r.serial_hex == serial_hex)
    }
}

/// CRLReason (RFC 5280 §5.3.1) in Russian.
fn reason_name(code: u8) -> String {
    match code {
        1 => "компрометация ключа",
        2 => "компрометация ключа УЦ",
        3 => "изменение сведений",
        4 => "замена сертификата",
        5 => "прекращение деятельности",
        6 => "приостановление действия",
        9 => "отзыв полномочий",
        10 => "компрометация атрибутов",
        _ => "причина не указана",
    }
    .to_owned()
}
