//! The verdict on a signed file that a lawyer of the SRO can defend (domain.md §5, §8; trust.md):
//! for every signer of the CMS, the maths, the certificate's dates at the signing time, the
//! chain to an accredited CA, revocation, and whether the signer may sign for the member (its
//! own certificate, or a person under an МЧД). Pure: the caller brings the digests of the file,
//! the trust material and the policy; the result is kept as JSON and printed as the protocol.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::chain::{build_chain, revocation_of};
use super::crl::Crl;
use super::poa::PowerOfAttorney;
use super::x509::Cert;
use super::{DigestAlg, Signature, Verdict};

/// What the SRO's configuration says to do with a signature that is otherwise sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// «Недействительна»: the file is not accepted, with the reason.
    Refuse,
    /// Accepted, with the remark shown to the member and staff.
    Warn,
}

#[derive(Debug, Clone)]
pub struct Policy {
    /// A signer who is neither the member nor its representative under an МЧД.
    pub foreign: Decision,
    /// A chain that does not end at a CA of the trusted list.
    pub untrusted: Decision,
    /// A CRL older than this many days is a remark (as is one past its nextUpdate).
    pub crl_max_age_days: i64,
}

/// The member the file is for.
#[derive(Debug, Clone)]
pub struct Member {
    /// 10 digits (legal entity) or 12 (entrepreneur).
    pub inn: String,
    /// ОГРН or ОГРНИП.
    pub ogrn: String,
}

/// The trust material the SRO loaded (only the part relevant to this signature is needed).
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// «версия 1234 от 25.11.2026», when a list is loaded.
    pub list: Option<String>,
    /// Whether any trusted CA is loaded at all.
    pub loaded: bool,
    pub anchors: Vec<Cert>,
    pub crls: Vec<Crl>,
}

pub struct Input<'a> {
    pub member: &'a Member,
    pub policy: &'a Policy,
    pub trust: &'a Trust,
    /// МЧД sent with the file (the check picks the one naming the signer).
    pub powers: &'a [PowerOfAttorney],
    pub uploaded_at: DateTime<Utc>,
    pub checked_at: DateTime<Utc>,
    pub file_name: &'a str,
    pub signature_name: &'a str,
    /// The file's digest by each algorithm the signers used.
    pub digests: &'a [(DigestAlg, Vec<u8>)],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Valid,
    Remarks,
    Invalid,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Remarks => "remarks",
            Status::Invalid => "invalid",
        }
    }
    pub fn from_code(code: &str) -> Option<Status> {
        match code {
            "valid" => Some(Status::Valid),
            "remarks" => Some(Status::Remarks),
            "invalid" => Some(Status::Invalid),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Status::Valid => "Действительна",
            Status::Remarks => "Действительна с замечаниями",
            Status::Invalid => "Недействительна",
        }
    }
}

/// One certificate of the chain, from the signer's up to the trust anchor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignerReport {
    pub status: Status,
    /// «Фамилия Имя Отчество».
    pub person: String,
    pub title: String,
    pub organization: String,
    pub inn_le: String,
    pub inn: String,
    /// ОГРН or ОГРНИП, with its label.
    pub ogrn: String,
    pub snils: String,
    pub serial: String,
    pub issuer: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// The time the certificate was judged at, and where it came from.
    pub time: DateTime<Utc>,
    pub time_source: String,
    pub digest_alg: String,
    pub chain: Vec<Link>,
    /// The trusted CA the chain ends at.
    pub anchor: Option<String>,
    /// «не отозван (СОС от …)», «отозван …», «не проверен».
    pub revocation: String,
    /// How the signer relates to the member.
    pub authority: String,
    pub reasons: Vec<String>,
    pub remarks: Vec<String>,
}

impl SignerReport {
    /// «Иванов Иван Иванович, Генеральный директор, ООО …».
    pub fn display(&self) -> String {
        [&self.person, &self.title, &self.organization]
            .into_iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub status: Status,
    pub checked_at: DateTime<Utc>,
    pub file_name: String,
    pub signature_name: String,
    /// (algorithm, hex digest of the file)
    pub digests: Vec<(String, String)>,
    pub trust_list: Option<String>,
    pub signers: Vec<SignerReport>,
}

impl Report {
    /// Reasons and remarks of every signer, in order, for a form message or a list.
    pub fn findings(&self) -> Vec<String> {
        self.collect(|s| s.reasons.iter().chain(&s.remarks).cloned().collect())
    }

    /// Why the signature is «Недействительна» (every signer's reasons), for the refusal.
    pub fn reasons(&self) -> Vec<String> {
        self.collect(|s| s.reasons.clone())
    }

    /// What `pick` takes of each signer, prefixed with the signer's name when there are several.
    fn collect(&self, pick: impl Fn(&SignerReport) -> Vec<String>) -> Vec<String> {
        let many = self.signers.len() > 1;
        self.signers
            .iter()
            .flat_map(|s| {
                pick(s)
                    .into_iter()
                    .map(|r| {
                        if many {
                            format!("{}: {r}", s.person)
                        } else {
                            r
                        }
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// One line for a list: the signers and the verdict.
    pub fn signers_line(&self) -> String {
        self.signers
            .iter()
            .map(SignerReport::display)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

pub(super) fn date(t: DateTime<Utc>) -> String {
    crate::clock::moscow_date(t).format("%d.%m.%Y").to_string()
}

/// Checks every signer of `signatures` (one CMS) with the certificates it carried.
pub fn check(signatures: &[Signature], carried: &[Cert], input: &Input<'_>) -> Report {
    let signers: Vec<SignerReport> = signatures
        .iter()
        .map(|s| check_signer(s, carried, input))
        .collect();
    let status = signers
        .iter()
        .map(|s| s.status)
        .max()
        .unwrap_or(Status::Invalid);
    Report {
        status,
        checked_at: input.checked_at,
        file_name: input.file_name.to_owned(),
        signature_name: input.signature_name.to_owned(),
        digests: input
            .digests
            .iter()
            .filter(|(_, d)| !d.is_empty())
            .map(|(a, d)| (a.name().to_owned(), hex::encode(d)))
            .collect(),
        trust_list: input.trust.list.clone(),
        signers,
    }
}

fn check_signer(sig: &Signature, carried: &[Cert], input: &Input<'_>) -> SignerReport {
    let s = sig.signer();
    let mut reasons = Vec::new();
    let mut remarks = Vec::new();
    let (time, time_source) = match s.signing_time {
        Some(t) => (t, "время подписания из подписи (signingTime)".to_owned()),
        None => (
            input.uploaded_at,
            "время загрузки (в подписи нет времени подписания)".to_owned(),
        ),
    };
    if s.signing_time
        .is_some_and(|t| t > input.uploaded_at + Duration::minutes(10))
    {
        remarks.push(format!(
            "Время подписания ({}) позже времени загрузки: часы компьютера подписанта неверны",
            date(time)
        ));
    }

    // 1. The maths: the file is the one signed, and the key made the signature.
    let digest = input
        .digests
        .iter()
        .find(|(a, _)| *a == sig.digest_alg())
        .map(|(_, d)| d.as_slice())
        .unwrap_or(&[]);
    match sig.verify(digest) {
        Verdict::Valid => {}
        Verdict::DigestMismatch => reasons.push(
            "Подпись не соответствует файлу: подписан другой файл, или файл изменен после подписания"
                .to_owned(),
        ),
        Verdict::BadSignature => {
            reasons.push("Подпись не прошла проверку по ГОСТ Р 34.10-2012".to_owned())
        }
        Verdict::Unsupported(what) => {
            reasons.push(format!("Подпись не может быть проверена: {what}"))
        }
    }

    // 2. The certificate's dates at the signing time.
    if time > s.not_after {
        reasons.push(format!(
            "Срок действия сертификата истек {} — до подписания ({})",
            date(s.not_after),
            date(time)
        ));
    } else if time < s.not_before {
        reasons.push(format!(
            "Сертификат начинает действовать {} — позже подписания ({})",
            date(s.not_before),
            date(time)
        ));
    } else if s.signing_time.is_some() && input.uploaded_at > s.not_after {
        // signingTime is the signer's own statement (no trusted timestamp): say so when only
        // it keeps the certificate in its dates.
        remarks.push(format!(
            "Срок действия сертификата истек {} — до загрузки файла; время подписания {} указано самим подписантом",
            date(s.not_after),
            date(time)
        ));
    }

    // 3. The chain up to a trusted CA.
    let own = Cert::from_der(sig.cert_der()).ok();
    let mut chain = Vec::new();
    let mut anchor = None;
    let mut revocation = "не проверен".to_owned();
    match &own {
        None => reasons.push("Сертификат подписанта не читается".to_owned()),
        Some(cert) => {
            let built = build_chain(cert, carried, &input.trust.anchors, time);
            chain = built
                .certs
                .iter()
                .map(|c| Link {
                    subject: c.name(),
                    issuer: c.info.issuer.clone().unwrap_or_default(),
                    serial: c.info.serial_hex.clone(),
                    not_before: c.info.not_before,
                    not_after: c.info.not_after,
                })
                .collect();
            reasons.extend(built.reasons);
            anchor = built.anchor.as_ref().map(Cert::name);
            if built.anchor.is_none() && built.reasons_empty {
                let why = if cert.self_issued() {
                    "Сертификат самоподписанный: он не выдан удостоверяющим центром".to_owned()
                } else if !input.trust.loaded {
                    "Перечень аккредитованных УЦ не загружен: доверие к издателю не проверено"
                        .to_owned()
                } else {
                    format!(
                        "Издатель не входит в перечень аккредитованных УЦ ({})",
                        s.issuer.clone().unwrap_or_default()
                    )
                };
                // `refuse` holds even before a list is loaded: the configuration asked for it.
                if input.policy.untrusted == Decision::Refuse {
                    reasons.push(why);
                } else {
                    remarks.push(why);
                }
            }
            // 4. Revocation of the signer's certificate, by its issuer's CRL.
            match built.certs.get(1) {
                None => {}
                Some(issuer) => {
                    let (rev, reason, remark) = revocation_of(cert, issuer, input, time);
                    revocation = rev;
                    reasons.extend(reason);
                    remarks.extend(remark);
                }
            }
        }
    }

    // 5. Who may sign for the member.
    let authority = match authority(s, input) {
        Ok(how) => how,
        Err((who, poa_problems)) => {
            let mut why = format!("Сертификат выдан не участнику: {who}");
            if !poa_problems.is_empty() {
                why.push_str(&format!(" ({})", poa_problems.join("; ")));
            }
            if input.policy.foreign == Decision::Refuse {
                reasons.push(why.clone());
            } else {
                remarks.push(why.clone());
            }
            why
        }
    };

    let status = if !reasons.is_empty() {
        Status::Invalid
    } else if !remarks.is_empty() {
        Status::Remarks
    } else {
        Status::Valid
    };
    let person = match (&s.surname, &s.given_name) {
        (Some(sn), Some(gn)) => format!("{sn} {gn}"),
        _ => s.common_name.clone().unwrap_or_default(),
    };
    SignerReport {
        status,
        person,
        title: s.title.clone().unwrap_or_default(),
        organization: s.organization.clone().unwrap_or_default(),
        inn_le: s.inn_le.clone().unwrap_or_default(),
        inn: s.inn.clone().unwrap_or_default(),
        ogrn: match (&s.ogrn, &s.ogrnip) {
            (Some(o), _) => format!("ОГРН {o}"),
            (None, Some(o)) => format!("ОГРНИП {o}"),
            _ => String::new(),
        },
        snils: s.snils.clone().unwrap_or_default(),
        serial: s.serial_hex.clone(),
        issuer: s.issuer.clone().unwrap_or_default(),
        not_before: s.not_before,
        not_after: s.not_after,
        time,
        time_source,
        digest_alg: sig.digest_alg().name().to_owned(),
        chain,
        anchor,
        revocation,
        authority,
        reasons,
        remarks,
    }
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// How the signer may sign for the member, or (who the certificate names, МЧД problems).
fn authority(s: &super::Signer, input: &Input<'_>) -> Result<String, (String, Vec<String>)> {
    let m = input.member;
    let entrepreneur = m.inn.len() == 12;
    let company_cert = s.inn_le.is_some() || s.ogrn.is_some();
    if !entrepreneur {
        if s.inn_le.as_deref() == Some(m.inn.as_str()) {
            return Ok("сотрудник участника: ИНН ЮЛ в сертификате совпадает".to_owned());
        }
        if s.inn_le.is_none() && s.inn.as_deref() == Some(format!("00{}", m.inn).as_str()) {
            return Ok("сотрудник участника: ИНН организации в сертификате совпадает".to_owned());
        }
        if !m.ogrn.is_empty() && s.ogrn.as_deref() == Some(m.ogrn.as_str()) {
            return Ok("сотрудник участника: ОГРН в сертификате совпадает".to_owned());
        }
    } else if !company_cert {
        if !m.ogrn.is_empty() && s.ogrnip.as_deref() == Some(m.ogrn.as_str()) {
            return Ok("индивидуальный предприниматель — участник: ОГРНИП совпадает".to_owned());
        }
        if s.inn.as_deref() == Some(m.inn.as_str()) {
            return Ok("индивидуальный предприниматель — участник: ИНН совпадает".to_owned());
        }
    }
    // Someone else: acceptable under a power of attorney from the member.
    let mut problems = Vec::new();
    let time = s.signing_time.unwrap_or(input.uploaded_at);
    let day = crate::clock::moscow_date(time);
    for p in input.powers {
        let principal =
            p.principal_inn == m.inn || (!m.ogrn.is_empty() && p.principal_ogrn == m.ogrn);
        let rep_inn = !p.representative_inn.is_empty()
            && s.inn.as_deref() == Some(p.representative_inn.as_str());
        let rep_snils = !p.representative_snils.is_empty()
            && s.snils.as_deref().map(digits).as_deref() == Some(p.representative_snils.as_str());
        if !(rep_inn || rep_snils) {
            continue;
        }
        if !principal {
            problems.push(format!(
                "доверенность {} выдана не участником, а {} (ИНН {})",
                p.title(),
                p.principal_name,
                p.principal_inn
            ));
            continue;
        }
        if !p.signed {
            problems.push(format!(
                "доверенность {} не подписана доверителем: приложите к файлу доверенности подпись руководителя участника",
                p.title()
            ));
            continue;
        }
        if day < p.issued || p.valid_until.is_some_and(|u| day > u) {
            problems.push(format!(
                "доверенность {} не действовала на дату подписания ({}{})",
                p.title(),
                date(time),
                p.valid_until
                    .map(|u| format!("; срок действия по {}", u.format("%d.%m.%Y")))
                    .unwrap_or_default()
            ));
            continue;
        }
        return Ok(format!(
            "представитель участника по машиночитаемой доверенности {}{}",
            p.title(),
            p.valid_until
                .map(|u| format!(", действует по {}", u.format("%d.%m.%Y")))
                .unwrap_or_default()
        ));
    }
    let who = if company_cert {
        format!(
            "организации {}(ИНН ЮЛ {}{})",
            s.organization
                .as_ref()
                .map(|o| format!("{o} "))
                .unwrap_or_default(),
            s.inn_le.clone().unwrap_or_else(|| "не указан".into()),
            s.ogrn
                .as_ref()
                .map(|o| format!(", ОГРН {o}"))
                .unwrap_or_default()
        )
    } else if let Some(ogrnip) = &s.ogrnip {
        format!(
            "индивидуальному предпринимателю (ИНН {}, ОГРНИП {ogrnip})",
            s.inn.clone().unwrap_or_default()
        )
    } else {
        format!(
            "физическому лицу (ИНН {}){}",
            s.inn.clone().unwrap_or_else(|| "не указан".into()),
            if input.powers.is_empty() {
                ": приложите машиночитаемую доверенность от участника"
            } else {
                ""
            }
        )
    };
    Err((who, problems))
}
