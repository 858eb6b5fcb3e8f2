//! The payment QR code of ГОСТ Р 56042-2014 (`domain.md` §4) that Russian banking apps read:
//! `ST00012|Name=…|PersonalAcc=…|BankName=…|BIC=…|CorrespAcc=…|…`, UTF-8 (the `2` of the header).

use super::model::Kopecks;

/// The payee (the SRO, from its configuration) and one payment.
#[derive(Debug, Clone)]
pub struct PaymentOrder<'a> {
    pub name: &'a str,
    pub personal_acc: &'a str,
    pub bank_name: &'a str,
    pub bic: &'a str,
    pub corresp_acc: &'a str,
    pub payee_inn: &'a str,
    pub kpp: &'a str,
    pub sum: Kopecks,
    pub purpose: &'a str,
    pub payer_inn: &'a str,
}

/// Separators the standard allows when a value holds `|` (§5.2.1), in QRCoder's order.
const SEPARATORS: [char; 20] = [
    '|', '#', ';', ':', '^', '_', '~', '{', '}', '!', '$', '%', '&', '(', ')', '*', '+', ',', '/',
    '@',
];

/// Values are cut to the lengths the standard allows (a bank app refuses longer ones).
fn fit(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}

/// The payload string.
pub fn payload(o: &PaymentOrder) -> String {
    let mut fields: Vec<(&str, String)> = vec![
        ("Name", fit(o.name, 160)),
        ("PersonalAcc", fit(o.personal_acc, 20)),
        ("BankName", fit(o.bank_name, 45)),
        ("BIC", fit(o.bic, 9)),
        ("CorrespAcc", fit(o.corresp_acc, 20)),
    ];
    if o.sum > 0 {
        fields.push(("Sum", o.sum.to_string()));
    }
    fields.push(("Purpose", fit(o.purpose, 160)));
    fields.push(("PayeeINN", fit(o.payee_inn, 12)));
    if !o.kpp.is_empty() {
        fields.push(("KPP", fit(o.kpp, 9)));
    }
    if !o.payer_inn.is_empty() {
        fields.push(("PayerINN", fit(o.payer_inn, 12)));
    }
    let sep = SEPARATORS
        .into_iter()
        .find(|s| fields.iter().all(|(_, v)| !v.contains(*s)))
        .unwrap_or('|');
    let mut out = format!("ST00012{sep}");
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    out.push_str(&body.join(&sep.to_string()));
    out
}

/// The QR code as SVG, for the invoice's PDF.
pub fn svg(payload: &str) -> anyhow::Result<String> {
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order<'a>(purpose: &'a str) -> PaymentOrder<'a> {
        PaymentOrder {
            name: "Ассоциация «СРО Пример»",
            personal_acc: "40702810138250123017",
            bank_name: "ПАО «Банк»",
            bic: "044525225",
            corresp_acc: "30101810400000000225",
            payee_inn: "7700123459",
            kpp: "770001001",
            sum: 15_000_00,
            purpose,
            payer_inn: "5000987650",
        }
    }

    #[test]
    fn the_payload_follows_the_standard() {
        let p = payload(&order("Оплата по счету СЧ-1/26, ИНН 5000987650, без НДС"));
        assert_eq!(
            p,
            "ST00012|Name=Ассоциация «СРО Пример»|PersonalAcc=40702810138250123017|BankName=ПАО «Банк»|BIC=044525225|CorrespAcc=30101810400000000225|Sum=1500000|Purpose=Оплата по счету СЧ-1/26, ИНН 5000987650, без НДС|PayeeINN=7700123459|KPP=770001001|PayerINN=5000987650"
        );
        // a value with '|' moves the separator to one no value holds
        let p = payload(&order("взнос | I кв."));
        assert!(p.starts_with("ST00012#Name="), "{p}");
        assert!(svg(&p).unwrap().contains("<svg"));
    }
}
