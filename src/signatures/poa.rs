//! Machine-readable powers of attorney (МЧД, «машиночитаемая доверенность») in the tax
//! service's XML format (EMCHD_1): who gives the power (the principal, «доверитель»), to whom
//! (the representative, «представитель»), its number and dates. The check reads elements by
//! name wherever they sit, so the 002 and 003 versions of the format both parse.

use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PowerOfAttorney {
    pub number: String,
    pub issued: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub principal_name: String,
    pub principal_inn: String,
    pub principal_ogrn: String,
    pub representative_name: String,
    pub representative_inn: String,
    /// Digits only.
    pub representative_snils: String,
    /// Whether the МЧД's own signature holds and is the principal's (set by whoever checked it;
    /// an unsigned МЧД makes nobody a representative).
    #[serde(default)]
    pub signed: bool,
}

/// Whether the bytes look like an МЧД (so other XML files are left alone).
pub fn looks_like(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    String::from_utf8_lossy(head).contains("<Доверенность")
}

/// Parses an МЧД; the error says what is missing, in Russian.
pub fn parse(bytes: &[u8]) -> Result<PowerOfAttorney, String> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| "файл доверенности не в кодировке UTF-8".to_owned())?;
    let doc = roxmltree::Document::parse(text)
        .map_err(|e| format!("файл доверенности не читается как XML: {e}"))?;
    if doc.root_element().tag_name().name() != "Доверенность" {
        return Err("файл не является машиночитаемой доверенностью".to_owned());
    }
    let find = |name: &str| doc.descendants().find(|n| n.has_tag_name(name));
    let attr = |node: &str, a: &str| {
        find(node)
            .and_then(|n| n.attribute(a))
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let date = |v: String| NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok();
    let issued = date(attr("СвДов", "ДатаВыдДов"))
        .ok_or_else(|| "в доверенности нет даты выдачи".to_owned())?;
    // The principal is under «СвДоверит», the representative under «СвУпПред»: the file also
    // names the principal's head («ЛицоБезДов»), who must not be taken for the representative.
    let within = |scope: &str, name: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name(scope))
            .and_then(|s| s.descendants().find(|n| n.has_tag_name(name)))
    };
    let principal = within("СвДоверит", "СвРосОрг")
        .or_else(|| within("СвДоверит", "СвИП"))
        .or_else(|| within("СвДоверит", "СведИП"));
    let principal_attr = |a: &str| {
        principal
            .and_then(|n| n.attribute(a))
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let principal_inn = {
        let le = principal_attr("ИННЮЛ");
        if le.is_empty() {
            principal_attr("ИННФЛ")
        } else {
            le
        }
    };
    if principal_inn.is_empty() {
        return Err("в доверенности не указан ИНН доверителя".to_owned());
    }
    let rep =
        within("СвУпПред", "СведФизЛ").ok_or("в доверенности нет сведений о представителе")?;
    let fio = rep
        .descendants()
        .find(|n| n.has_tag_name("ФИО"))
        .map(|n| {
            ["Фамилия", "Имя", "Отчество"]
                .iter()
                .filter_map(|a| n.attribute(*a))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let representative_inn = rep.attribute("ИННФЛ").unwrap_or("").trim().to_owned();
    let representative_snils: String = rep
        .attribute("СНИЛС")
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if representative_inn.is_empty() && representative_snils.is_empty() {
        return Err("в доверенности не указаны ИНН и СНИЛС представителя".to_owned());
    }
    Ok(PowerOfAttorney {
        number: attr("СвДов", "НомДовер"),
        issued,
        valid_until: date(attr("СвДов", "СрокДейст")),
        principal_name: {
            let n = principal_attr("НаимОрг");
            if n.is_empty() {
                principal_attr("ФИО")
            } else {
                n
            }
        },
        principal_inn,
        principal_ogrn: {
            let o = principal_attr("ОГРН");
            if o.is_empty() {
                principal_attr("ОГРНИП")
            } else {
                o
            }
        },
        representative_name: fio,
        representative_inn,
        representative_snils,
        signed: false,
    })
}

impl PowerOfAttorney {
    /// «№ … от dd.mm.yyyy», for remarks and the protocol.
    pub fn title(&self) -> String {
        format!(
            "№ {} от {}",
            if self.number.is_empty() {
                "б/н"
            } else {
                &self.number
            },
            self.issued.format("%d.%m.%Y")
        )
    }
}
