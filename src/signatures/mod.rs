//! Detached electronic signatures (УКЭП, «ЭЦП») uploaded next to a document: reading them and
//! checking the GOST R 34.10-2012 signature maths (domain.md §5 and §8).
//!
//! # API
//!
//! ```text
//! parse_all(bytes: &[u8]) -> Result<Cms, SignatureError>
//!     A detached CMS SignedData as DER, BER, PEM (any "-----BEGIN …-----" label) or bare Base64
//!     (line breaks, CRLF, trailing NUL/newline tolerated): every SignerInfo with the
//!     certificate it names (issuerAndSerialNumber or subjectKeyIdentifier), and the other
//!     certificates the file carries. `parse` gives the first signer only.
//! check::check(signatures, carried, input) -> check::Report   the verdict with its reasons
//! Signature::digest_alg(&self) -> DigestAlg          the hash the signer used (digestAlgorithm)
//! Signature::signer(&self) -> &Signer               certificate subject and dates, signing time
//! Signature::verify(&self, content_digest) -> Verdict
//!     content_digest = digest_alg().digest(document): the raw hash of the signed file.
//! Signature::verify_content(&self, content) -> Verdict   hashes the document, then verify()
//! DigestAlg::digest(&self, data) -> Vec<u8>          Streebog-256/512 or SHA-256 of data
//! DigestAlg::name(&self) -> &str                     Russian name, for display
//! Signer::display_name(&self) -> String              «Иванов Иван Иванович, Генеральный директор, ООО …»
//! Signer::belongs_to(&self, member_inn) -> bool      ИНН ЮЛ match (or ИНН ИП for 12 digits)
//! Verdict::{Valid, DigestMismatch, BadSignature, Unsupported(String)}   Display in Russian
//! SignatureError                                     Display in Russian, for the upload form
//! ```
//!
//! # What `Verdict::Valid` means, and what it does not
//!
//! Valid means: the document hashes to the signed `messageDigest`, and the signature over it was
//! made with the private key of the certificate inside the file. It says nothing about the
//! certificate: [`check`] adds what a lawyer needs (issue 16, trust.md) — the certificate's
//! dates at the signing time, the chain to a CA of the ministry's list (`trust`, `x509`, each
//! link verified with GOST), revocation (`crl`), and whether the signer may sign for the member
//! (its ИНН ЮЛ/ОГРН, an entrepreneur's ИНН/ОГРНИП, or a person under an МЧД, `poa`), giving
//! «Действительна», «Действительна с замечаниями» or «Недействительна» with every reason.
//!
//! # Supported algorithms
//!
//! GOST R 34.10-2012 keys of 256 and 512 bits with Streebog (GOST R 34.11-2012) of the same size,
//! on the parameter sets CryptoPro-A/B/C, XchA/XchB, tc26-256-A..D and tc26-512-A..C; each is
//! proven by a fixture signed by OpenSSL's GOST engine. Everything else gives
//! `Verdict::Unsupported`: GOST R 34.10-2001 keys (their digest, GOST R 34.11-94, is not
//! implemented here, and OpenSSL will not pair them with Streebog, so that pairing is untested),
//! the test parameter set 1.2.643.2.2.35.0, RSA and ECDSA.

mod chain;
pub mod check;
mod cms;
pub mod crl;
mod gost;
mod input;
pub mod poa;
pub mod stored;
pub mod trust;
pub mod x509;

use chrono::{DateTime, Utc};
use sha2::Digest as _;

/// The hash the signer computed over the document (SignerInfo.digestAlgorithm).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestAlg {
    /// GOST R 34.11-2012, 256 bits (1.2.643.7.1.1.2.2).
    Streebog256,
    /// GOST R 34.11-2012, 512 bits (1.2.643.7.1.1.2.3).
    Streebog512,
    /// SHA-256 (2.16.840.1.101.3.4.2.1): lets the document check work for foreign signatures,
    /// whose signature maths is then reported unsupported.
    Sha256,
    /// Anything else, with its name (e.g. «ГОСТ Р 34.11-94») or OID. It cannot be computed here:
    /// `digest` returns an empty vector and `verify` returns `Verdict::Unsupported`.
    Other(String),
}

impl DigestAlg {
    fn from_oid(oid: &str) -> Self {
        match oid {
            "1.2.643.7.1.1.2.2" => DigestAlg::Streebog256,
            "1.2.643.7.1.1.2.3" => DigestAlg::Streebog512,
            "2.16.840.1.101.3.4.2.1" => DigestAlg::Sha256,
            "1.2.643.2.2.9" => DigestAlg::Other("ГОСТ Р 34.11-94".to_owned()),
            "1.3.14.3.2.26" => DigestAlg::Other("SHA-1".to_owned()),
            other => DigestAlg::Other(format!("хэш-функция {other}")),
        }
    }

    /// The raw digest of `data` (empty for `Other`).
    pub fn digest(&self, data: &[u8]) -> Vec<u8> {
        match self {
            DigestAlg::Streebog256 => streebog::Streebog256::digest(data).to_vec(),
            DigestAlg::Streebog512 => streebog::Streebog512::digest(data).to_vec(),
            DigestAlg::Sha256 => sha2::Sha256::digest(data).to_vec(),
            DigestAlg::Other(_) => Vec::new(),
        }
    }

    /// Human name, for display.
    pub fn name(&self) -> &str {
        match self {
            DigestAlg::Streebog256 => "ГОСТ Р 34.11-2012 (256 бит)",
            DigestAlg::Streebog512 => "ГОСТ Р 34.11-2012 (512 бит)",
            DigestAlg::Sha256 => "SHA-256",
            DigestAlg::Other(name) => name,
        }
    }

    fn output_len(&self) -> Option<usize> {
        match self {
            DigestAlg::Streebog256 | DigestAlg::Sha256 => Some(32),
            DigestAlg::Streebog512 => Some(64),
            DigestAlg::Other(_) => None,
        }
    }
}

/// The signer as the certificate describes them. Strings are trimmed; absent or empty
/// attributes are `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// CN: a person's full name, or (in ФНС certificates of legal entities) the organisation.
    pub common_name: Option<String>,
    /// SN (2.5.4.4): surname.
    pub surname: Option<String>,
    /// GN (2.5.4.42): given name and patronymic.
    pub given_name: Option<String>,
    /// T (2.5.4.12): position.
    pub title: Option<String>,
    /// O: organisation.
    pub organization: Option<String>,
    /// ИНН ЮЛ (1.2.643.100.4), 10 digits.
    pub inn_le: Option<String>,
    /// ИНН (1.2.643.3.131.1.1): a person's 12 digits; old certificates put a legal entity's ИНН
    /// here as "00" + 10 digits.
    pub inn: Option<String>,
    /// ОГРН (1.2.643.100.1).
    pub ogrn: Option<String>,
    /// ОГРНИП (1.2.643.100.5).
    pub ogrnip: Option<String>,
    /// СНИЛС (1.2.643.100.3).
    pub snils: Option<String>,
    /// Issuer's CN, or O when there is no CN.
    pub issuer: Option<String>,
    /// True when issuer and subject are the same name: a certificate nobody vouches for.
    pub self_signed: bool,
    /// Certificate serial number, lowercase hex without sign padding.
    pub serial_hex: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// The signingTime signed attribute (1.2.840.113549.1.9.5), when the signer included one.
    /// It is the signer's own clock, not a trusted timestamp.
    pub signing_time: Option<DateTime<Utc>>,
}

impl Signer {
    /// «Фамилия Имя Отчество, Должность, Организация», leaving out what the certificate lacks.
    ///
    /// The person's name comes from SN + GN when both are there, because ФНС certificates of a
    /// legal entity carry the organisation in CN; otherwise from CN.
    pub fn display_name(&self) -> String {
        let person = match (&self.surname, &self.given_name) {
            (Some(sn), Some(gn)) => Some(format!("{sn} {gn}")),
            _ => self.common_name.clone(),
        };
        let org = self.organization.as_ref();
        let mut parts: Vec<&str> = Vec::new();
        if let Some(p) = person
            .as_deref()
            .filter(|p| Some(*p) != org.map(String::as_str))
        {
            parts.push(p);
        }
        if let Some(t) = &self.title {
            parts.push(t);
        }
        if let Some(o) = org {
            parts.push(o);
        }
        if parts.is_empty() {
            format!("Сертификат № {}", self.serial_hex)
        } else {
            parts.join(", ")
        }
    }

    /// Whether the certificate names the member with this ИНН.
    ///
    /// - 10 digits (legal entity): ИНН ЮЛ equals it; older certificates (before ИНН ЮЛ had its
    ///   own OID) carried it in the ИНН attribute as "00" + the 10 digits, which also counts.
    /// - 12 digits (ИП): the personal ИНН equals it and the certificate is not a legal entity's
    ///   (no ИНН ЮЛ): an employee's certificate of some company carries the employee's personal
    ///   ИНН too, and must not count as the ИП's own signature.
    ///
    /// Anything else (spaces trimmed) never matches.
    pub fn belongs_to(&self, member_inn: &str) -> bool {
        let member = member_inn.trim();
        if !member.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        match member.len() {
            10 => {
                self.inn_le.as_deref() == Some(member)
                    || self.inn.as_deref() == Some(format!("00{member}").as_str())
            }
            12 => self.inn_le.is_none() && self.inn.as_deref() == Some(member),
            _ => false,
        }
    }
}

/// Outcome of checking a signature against a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The document matches and the signature maths holds (see the module docs for what is not
    /// checked).
    Valid,
    /// The document's hash is not the one that was signed: another file, or changed after
    /// signing. (Only detectable with signed attributes; without them a different document gives
    /// `BadSignature`.)
    DigestMismatch,
    /// The signature does not verify with the certificate's key.
    BadSignature,
    /// The file uses an algorithm or parameter set this module does not verify; says which.
    Unsupported(String),
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Valid => f.write_str("Подпись верна"),
            Verdict::DigestMismatch => f.write_str(
                "Подпись не относится к этому файлу: документ изменён после подписания \
                 или загружен другой файл",
            ),
            Verdict::BadSignature => f.write_str("Подпись недействительна"),
            Verdict::Unsupported(what) => {
                write!(f, "Проверка подписи не поддерживается: {what}")
            }
        }
    }
}

/// Why an uploaded file is not a usable signature. The messages are meant for the person who
/// uploaded it, next to the file field; `Malformed` keeps a technical detail for logs (Debug).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("Файл подписи пуст")]
    Empty,
    #[error(
        "Файл подписи не распознан: ожидается отсоединённая подпись CMS (.sig, .p7s) \
         в формате DER, PEM или Base64"
    )]
    NotRecognized,
    #[error("Загружен сертификат, а не подпись: выберите файл подписи (.sig, .p7s)")]
    CertificateNotSignature,
    #[error("Загружен зашифрованный файл, а не подпись: выберите файл подписи (.sig, .p7s)")]
    Encrypted,
    #[error("Файл не является подписью: ожидается подписанное сообщение CMS (SignedData)")]
    NotSignedData,
    #[error("Подпись присоединённая (содержит сам документ): загрузите отсоединённую подпись")]
    Attached,
    #[error("В файле подписи нет ни одной подписи")]
    NoSigner,
    #[error("В подписи нет сертификата подписанта")]
    NoCertificate,
    #[error("Файл подписи повреждён или имеет неверную структуру")]
    Malformed {
        /// What the parser tripped on, for logs; not shown to users.
        detail: String,
    },
}

/// A parsed detached CMS SignedData: its first SignerInfo and that signer's certificate.
#[derive(Debug, Clone)]
pub struct Signature {
    signer: Signer,
    digest_alg: DigestAlg,
    signature_alg_oid: String,
    key_alg_oid: String,
    /// First OID of the SPKI parameters (the curve), when present.
    key_params_oid: Option<String>,
    /// Contents of the OCTET STRING in the SPKI BIT STRING, when it is one.
    public_key: Option<Vec<u8>>,
    signature: Vec<u8>,
    signed_attrs: Option<SignedAttrs>,
    /// The signer's certificate (DER), for the chain and revocation checks.
    cert_der: Vec<u8>,
}

/// Signed attributes, kept in the two encodings a signer may have hashed.
#[derive(Debug, Clone)]
struct SignedAttrs {
    /// The bytes from the file with the [0] tag replaced by SET (0x31): what was signed, even
    /// when the signer did not sort the SET as DER wants.
    raw: Vec<u8>,
    /// The DER re-encoding (sorted SET OF), which is what OpenSSL hashes when verifying.
    reencoded: Vec<u8>,
    message_digest: Option<Vec<u8>>,
}

/// Parses an uploaded signature file: its first signer. See the module docs for the accepted
/// formats.
pub fn parse(bytes: &[u8]) -> Result<Signature, SignatureError> {
    parse_all(bytes).map(|mut c| c.signatures.swap_remove(0))
}

/// Every signer of an uploaded signature file, and the certificates the file carries (the
/// issuers' certificates, which the chain is built from).
#[derive(Debug, Clone)]
pub struct Cms {
    /// At least one, in the file's order.
    pub signatures: Vec<Signature>,
    pub carried: Vec<x509::Cert>,
}

impl Cms {
    /// The distinct digests the signers used: the caller computes each over the file.
    pub fn digest_algs(&self) -> Vec<DigestAlg> {
        let mut algs: Vec<DigestAlg> = Vec::new();
        for s in &self.signatures {
            if !algs.contains(&s.digest_alg) {
                algs.push(s.digest_alg.clone());
            }
        }
        algs
    }
}

/// Parses an uploaded signature file with all its signers.
pub fn parse_all(bytes: &[u8]) -> Result<Cms, SignatureError> {
    let der = input::to_der(bytes)?;
    let (signatures, carried) = cms::parse(&der)?;
    Ok(Cms {
        signatures,
        carried,
    })
}

impl Signature {
    /// The hash to compute over the document before calling [`Signature::verify`].
    pub fn digest_alg(&self) -> DigestAlg {
        self.digest_alg.clone()
    }

    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// The signer's certificate, DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// Hashes `content` with [`Signature::digest_alg`] and verifies.
    pub fn verify_content(&self, content: &[u8]) -> Verdict {
        self.verify(&self.digest_alg.digest(content))
    }

    /// Checks the signature against `content_digest`, the raw digest of the signed document
    /// computed with [`Signature::digest_alg`] (domain.md §8).
    ///
    /// The document check comes first, so a wrong file is reported as `DigestMismatch` even when
    /// the signature algorithm is one we cannot verify.
    pub fn verify(&self, content_digest: &[u8]) -> Verdict {
        let Some(digest_len) = self.digest_alg.output_len() else {
            return Verdict::Unsupported(self.digest_alg.name().to_owned());
        };
        if content_digest.len() != digest_len {
            return Verdict::DigestMismatch;
        }
        if let Some(attrs) = &self.signed_attrs {
            match &attrs.message_digest {
                // Signed attributes without messageDigest bind no document (RFC 5652 §5.3).
                None => return Verdict::BadSignature,
                Some(md) if md.as_slice() != content_digest => return Verdict::DigestMismatch,
                Some(_) => {}
            }
        }
        let curve = match self.curve() {
            Ok(curve) => curve,
            Err(what) => return Verdict::Unsupported(what),
        };
        let Some(key) = &self.public_key else {
            return Verdict::BadSignature;
        };
        // With signed attributes the signature covers their hash; without, the document's hash.
        let hashes: Vec<Vec<u8>> = match &self.signed_attrs {
            Some(attrs) => {
                let mut hashes = vec![self.digest_alg.digest(&attrs.raw)];
                if attrs.reencoded != attrs.raw {
                    hashes.push(self.digest_alg.digest(&attrs.reencoded));
                }
                hashes
            }
            None => vec![content_digest.to_vec()],
        };
        if hashes
            .iter()
            .any(|h| gost::verify(&curve, h, &self.signature, key))
        {
            Verdict::Valid
        } else {
            Verdict::BadSignature
        }
    }

    /// The curve to verify on, or what makes this signature unsupported.
    fn curve(&self) -> Result<gost::Curve, String> {
        let (bits, signature_oids) = match self.key_alg_oid.as_str() {
            "1.2.643.7.1.1.1.1" => (256, ["1.2.643.7.1.1.1.1", "1.2.643.7.1.1.3.2"]),
            "1.2.643.7.1.1.1.2" => (512, ["1.2.643.7.1.1.1.2", "1.2.643.7.1.1.3.3"]),
            "1.2.643.2.2.19" => {
                return Err(format!(
                    "ключ ГОСТ Р 34.10-2001 с хэш-функцией {}",
                    self.digest_alg.name()
                ));
            }
            "1.2.840.113549.1.1.1" => return Err("RSA".to_owned()),
            "1.2.840.10045.2.1" => return Err("ECDSA".to_owned()),
            other => return Err(format!("алгоритм ключа {other}")),
        };
        // CryptoPro writes the key OID as signatureAlgorithm, OpenSSL the signature OID.
        if !signature_oids.contains(&self.signature_alg_oid.as_str()) {
            return Err(format!("алгоритм подписи {}", self.signature_alg_oid));
        }
        let expected = if bits == 256 {
            DigestAlg::Streebog256
        } else {
            DigestAlg::Streebog512
        };
        if self.digest_alg != expected {
            return Err(format!(
                "ключ ГОСТ Р 34.10-2012 ({bits} бит) с хэш-функцией {}",
                self.digest_alg.name()
            ));
        }
        let params = self
            .key_params_oid
            .as_deref()
            .ok_or_else(|| "в сертификате не указаны параметры ключа".to_owned())?;
        let curve =
            gost::Curve::by_oid(params).ok_or_else(|| format!("набор параметров {params}"))?;
        if curve.bits != bits {
            return Err(format!(
                "набор параметров {} ({params}) не подходит к ключу {bits} бит",
                curve.name
            ));
        }
        Ok(curve)
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod trust_tests;
