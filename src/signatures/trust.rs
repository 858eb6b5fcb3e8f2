//! What the SRO loads to trust signatures: the ministry's list of accredited certification
//! authorities (XML, «Перечень аккредитованных УЦ»), CA certificates (PEM or DER, one or many)
//! and CRLs. `read` tells which of these a file is and returns its contents.

use chrono::{DateTime, Utc};

use super::crl::Crl;
use super::x509::{Cert, certs_in};

/// The list's own identification, shown in the back office and in every protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListInfo {
    pub version: String,
    pub date: Option<DateTime<Utc>>,
}

/// The contents of one imported file.
#[derive(Debug, Default)]
pub struct Bundle {
    /// Set when the file is the ministry's list: its certificates replace the previous list's.
    pub list: Option<ListInfo>,
    pub certs: Vec<Cert>,
    pub crls: Vec<Crl>,
}

/// Reads one file: the trusted list, a certificate bundle or a CRL. The error is for the person
/// who uploaded it.
pub fn read(bytes: &[u8]) -> Result<Bundle, String> {
    let text_head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).into_owned();
    if text_head.contains("<АккредитованныеУдостоверяющиеЦентры") || text_head.contains("<?xml")
    {
        return read_list(bytes);
    }
    if text_head.contains("-----BEGIN X509 CRL-----") {
        return Crl::parse(bytes).map(|c| Bundle {
            crls: vec![c],
            ..Bundle::default()
        });
    }
    let certs = certs_in(bytes);
    if !certs.is_empty() {
        return Ok(Bundle {
            certs,
            ..Bundle::default()
        });
    }
    if let Ok(crl) = Crl::parse(bytes) {
        return Ok(Bundle {
            crls: vec![crl],
            ..Bundle::default()
        });
    }
    Err("Файл не распознан: ожидается перечень аккредитованных УЦ (XML), сертификаты УЦ (.cer, .crt, .pem) или список отзыва (.crl)".to_owned())
}

fn read_list(bytes: &[u8]) -> Result<Bundle, String> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| "перечень УЦ не в кодировке UTF-8".to_owned())?;
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, opts)
        .map_err(|e| format!("перечень УЦ не читается как XML: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "АккредитованныеУдостоверяющиеЦентры"
    {
        return Err("XML-файл не является перечнем аккредитованных удостоверяющих центров".into());
    }
    let child_text = |name: &str| {
        root.children()
            .find(|n| n.has_tag_name(name))
            .and_then(|n| n.text())
            .map(|t| t.trim().to_owned())
            .unwrap_or_default()
    };
    let date = child_text("Дата");
    let info = ListInfo {
        version: child_text("Версия"),
        date: DateTime::parse_from_rfc3339(&date)
            .ok()
            .map(|d| d.with_timezone(&Utc)),
    };
    let mut certs = Vec::new();
    for data in doc.descendants().filter(|n| n.has_tag_name("Данные")) {
        // Only certificates of CAs whose accreditation stands: the list keeps the others too.
        let ca = data
            .ancestors()
            .find(|n| n.has_tag_name("УдостоверяющийЦентр"));
        // «СтатусАккредитации/Статус» of the CA itself; none stated: not trusted.
        let status = ca
            .and_then(|c| c.children().find(|n| n.has_tag_name("СтатусАккредитации")))
            .and_then(|a| a.children().find(|n| n.has_tag_name("Статус")))
            .and_then(|n| n.text())
            .unwrap_or("");
        if status.trim() != "Действует" {
            continue;
        }
        let b64 = data.text().unwrap_or("");
        if let Ok(der) = super::input::to_der(b64.as_bytes())
            && let Ok(c) = Cert::from_der(&der)
        {
            certs.push(c);
        }
    }
    if certs.is_empty() {
        return Err("В перечне УЦ не найдено ни одного сертификата".to_owned());
    }
    Ok(Bundle {
        list: Some(info),
        certs,
        crls: Vec::new(),
    })
}
