//! The bank statement in the 1CClientBankExchange format (`domain.md` §6), read a line at a
//! time so a statement of any size takes the memory of one document.
//!
//! Encodings: Windows-1251 and DOS-866 (both seen from banks; «Кодировка=» names one, and the
//! bytes decide when it lies), and UTF-8. CRLF or LF; keys in any order; unknown keys ignored.
//! Every line that cannot be read is reported with its number; the importer writes nothing
//! from a file with any.

use chrono::NaiveDate;

use super::model::Kopecks;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Windows,
    Dos,
    Utf8,
}

impl Encoding {
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Windows => "Windows-1251",
            Encoding::Dos => "DOS-866",
            Encoding::Utf8 => "UTF-8",
        }
    }

    fn decode(self, raw: &[u8]) -> String {
        match self {
            Encoding::Windows => encoding_rs::WINDOWS_1251
                .decode_without_bom_handling(raw)
                .0
                .into_owned(),
            Encoding::Dos => encoding_rs::IBM866
                .decode_without_bom_handling(raw)
                .0
                .into_owned(),
            Encoding::Utf8 => String::from_utf8_lossy(raw).into_owned(),
        }
    }
}

/// What the header says.
#[derive(Debug, Clone, Default)]
pub struct Header {
    pub version: String,
    pub encoding: Option<Encoding>,
    pub accounts: Vec<String>,
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
}

/// One payment document as the importer needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    /// The line of `СекцияДокумент`.
    pub line: usize,
    pub kind: String,
    pub number: String,
    pub date: Option<NaiveDate>,
    pub amount: Kopecks,
    pub payer: String,
    pub payer_inn: String,
    pub payer_account: String,
    pub payee_account: String,
    pub credited_on: Option<NaiveDate>,
    pub purpose: String,
}

impl Document {
    /// The same payment seen twice (in two statements, in two encodings): number, date, sum,
    /// payer's INN and account.
    pub fn dedup_key(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}",
            self.number.trim(),
            self.date.map(|d| d.to_string()).unwrap_or_default(),
            self.amount,
            self.payer_inn.trim(),
            self.payer_account.trim()
        )
    }
}

/// A line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    Header,
    Accounts,
    Document,
    Done,
}

/// The reader: feed it lines, take the documents it completes, then `finish`.
pub struct Parser {
    state: State,
    line: usize,
    encoding: Option<Encoding>,
    pub header: Header,
    doc: Document,
    doc_ok: bool,
    purpose_parts: Vec<String>,
    pub problems: Vec<Problem>,
    /// Problems beyond this many are counted, not kept.
    pub problems_total: usize,
}

const KEEP_PROBLEMS: usize = 200;

const HEADER_KEYS: [&str; 10] = [
    "ВерсияФормата",
    "Кодировка",
    "Отправитель",
    "Получатель",
    "ДатаСоздания",
    "ВремяСоздания",
    "ДатаНачала",
    "ДатаКонца",
    "РасчСчет",
    "Документ",
];

fn looks_right(s: &str) -> bool {
    let key = s.split('=').next().unwrap_or("");
    HEADER_KEYS.contains(&key)
        || key.starts_with("Секция")
        || key.starts_with("Конец")
        || key.starts_with("Плательщик")
        || key.starts_with("Получатель")
}

/// `dd.mm.yyyy`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%d.%m.%Y").ok()
}

/// «15000.00», «15000», «15000.5» (and a comma) into kopecks.
pub fn parse_amount(s: &str) -> Option<Kopecks> {
    let s = s.trim().replace(',', ".");
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty()
        || whole.len() > 15
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    Some(whole.parse::<i64>().ok()? * 100 + frac)
}

impl Default for Parser {
    fn default() -> Self {
        Parser::new()
    }
}

impl Parser {
    pub fn new() -> Parser {
        Parser {
            state: State::Start,
            line: 0,
            encoding: None,
            header: Header::default(),
            doc: Document::default(),
            doc_ok: true,
            purpose_parts: Vec::new(),
            problems: Vec::new(),
            problems_total: 0,
        }
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding.unwrap_or(Encoding::Windows)
    }

    fn problem(&mut self, line: usize, message: impl Into<String>) {
        self.problems_total += 1;
        if self.problems.len() < KEEP_PROBLEMS {
            self.problems.push(Problem {
                line,
                message: message.into(),
            });
        }
    }

    /// Is the file still worth reading? (A wrong header is not a statement at all.)
    pub fn fatal(&self) -> bool {
        self.state == State::Start && self.line > 0
    }

    fn text(&mut self, raw: &[u8]) -> String {
        if self.encoding.is_none() && !raw.is_ascii() {
            // The first line with Cyrillic bytes tells the encoding: the one that reads a key.
            let found = [Encoding::Utf8, Encoding::Windows, Encoding::Dos]
                .into_iter()
                .find(|e| {
                    (*e != Encoding::Utf8 || std::str::from_utf8(raw).is_ok())
                        && looks_right(&e.decode(raw))
                });
            self.encoding = Some(found.unwrap_or(Encoding::Windows));
        }
        self.encoding().decode(raw)
    }

    /// One line (without its end). Returns a completed document, if this line closed one.
    pub fn feed(&mut self, raw: &[u8]) -> Option<Document> {
        self.line += 1;
        let n = self.line;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let raw = if n == 1 {
            raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw)
        } else {
            raw
        };
        if self.state == State::Start {
            if raw.trim_ascii() == b"1CClientBankExchange" {
                self.state = State::Header;
            } else if n == 1 {
                self.problem(
                    1,
                    "Это не выписка в формате 1С: первая строка должна быть «1CClientBankExchange»",
                );
            }
            return None;
        }
        let line = self.text(raw);
        let line = line.trim();
        if line.is_empty() {
            return None;
        }
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => (line, ""),
        };
        match self.state {
            State::Done => {
                self.problem(n, "Строки после «КонецФайла»");
                None
            }
            State::Header => {
                self.header_line(n, key, value, line.contains('='));
                None
            }
            State::Accounts => {
                if key == "КонецРасчСчет" {
                    self.state = State::Header;
                }
                None
            }
            State::Document => self.document_line(n, key, value, line.contains('=')),
            State::Start => None,
        }
    }

    fn header_line(&mut self, n: usize, key: &str, value: &str, has_eq: bool) {
        match key {
            "ВерсияФормата" => self.header.version = value.to_string(),
            "Кодировка" => {
                self.header.encoding = match value.to_lowercase().as_str() {
                    "windows" => Some(Encoding::Windows),
                    "dos" => Some(Encoding::Dos),
                    "utf-8" | "utf8" => Some(Encoding::Utf8),
                    _ => None,
                }
            }
            "ДатаНачала" => self.header.date_from = parse_date(value),
            "ДатаКонца" => self.header.date_to = parse_date(value),
            "РасчСчет" => self.header.accounts.push(value.to_string()),
            "СекцияРасчСчет" => self.state = State::Accounts,
            "СекцияДокумент" => {
                self.state = State::Document;
                self.doc = Document {
                    line: n,
                    kind: value.to_string(),
                    ..Document::default()
                };
                self.doc_ok = true;
                self.purpose_parts.clear();
            }
            "КонецФайла" => self.state = State::Done,
            _ if has_eq => {} // other header keys: sender, receiver, creation time…
            _ => self.problem(n, format!("Непонятная строка «{}»", cut(key))),
        }
    }

    fn document_line(
        &mut self,
        n: usize,
        key: &str,
        value: &str,
        has_eq: bool,
    ) -> Option<Document> {
        let d = &mut self.doc;
        match key {
            "Номер" => d.number = value.to_string(),
            "Дата" => match parse_date(value) {
                Some(v) => d.date = Some(v),
                None => {
                    self.doc_ok = false;
                    self.problem(
                        n,
                        format!("Дата документа «{}» не в виде ДД.ММ.ГГГГ", cut(value)),
                    );
                }
            },
            "Сумма" => match parse_amount(value) {
                Some(v) => d.amount = v,
                None => {
                    self.doc_ok = false;
                    self.problem(n, format!("Сумма «{}» не число", cut(value)));
                }
            },
            "Плательщик" | "Плательщик1" if d.payer.is_empty() => {
                d.payer = value.to_string()
            }
            "ПлательщикИНН" => d.payer_inn = value.to_string(),
            "ПлательщикСчет" | "ПлательщикРасчСчет"
                if d.payer_account.is_empty() || key == "ПлательщикСчет" =>
            {
                d.payer_account = value.to_string()
            }
            "ПолучательСчет" | "ПолучательРасчСчет"
                if d.payee_account.is_empty() || key == "ПолучательСчет" =>
            {
                d.payee_account = value.to_string()
            }
            "ДатаПоступило" if !value.is_empty() => match parse_date(value) {
                Some(v) => d.credited_on = Some(v),
                None => {
                    self.doc_ok = false;
                    self.problem(
                        n,
                        format!("Дата поступления «{}» не в виде ДД.ММ.ГГГГ", cut(value)),
                    );
                }
            },
            "НазначениеПлатежа" => d.purpose = value.to_string(),
            k if k.starts_with("НазначениеПлатежа") => {
                self.purpose_parts.push(value.to_string())
            }
            "КонецДокумента" => {
                self.state = State::Header;
                if d.number.is_empty() || d.date.is_none() {
                    if self.doc_ok {
                        let line = d.line;
                        self.problem(line, "В документе нет номера или даты");
                    }
                    return None;
                }
                if !self.doc_ok {
                    return None;
                }
                let mut doc = std::mem::take(&mut self.doc);
                if doc.purpose.is_empty() {
                    doc.purpose = self.purpose_parts.join(" ");
                }
                return Some(doc);
            }
            "СекцияДокумент" | "КонецФайла" => {
                let line = d.line;
                self.problem(line, "Документ не закончен строкой «КонецДокумента»");
                self.state = State::Header;
                let (k, v) = (key.to_string(), value.to_string());
                self.header_line(n, &k, &v, true);
            }
            _ if has_eq => {}
            _ => self.problem(n, format!("Непонятная строка «{}»", cut(key))),
        }
        None
    }

    /// After the last line: a file that stops before «КонецФайла» is cut short.
    pub fn finish(&mut self) {
        match self.state {
            State::Done => {}
            State::Start => {
                if self.line == 0 {
                    self.problem(0, "Файл пустой");
                }
            }
            State::Document => {
                let line = self.doc.line;
                self.problem(
                    line,
                    "Файл оборван: документ не закончен, нет строки «КонецФайла»",
                );
            }
            _ => {
                let line = self.line;
                self.problem(line, "Файл оборван: нет строки «КонецФайла»");
            }
        }
    }
}

fn cut(s: &str) -> String {
    s.chars().take(60).collect()
}

#[cfg(test)]
#[path = "statement_tests.rs"]
mod tests;

/// A statement in the bank's format: what the tests, the benchmark and the demo upload.
/// `docs` are (number, date, sum in kopecks, payer, payer INN, payer account, purpose).
pub fn compose(
    encoding: Encoding,
    crlf: bool,
    account: &str,
    docs: &[(String, NaiveDate, Kopecks, String, String, String, String)],
) -> Vec<u8> {
    let nl = if crlf { "\r\n" } else { "\n" };
    let mut s = String::new();
    let date = |d: &NaiveDate| d.format("%d.%m.%Y").to_string();
    let first = docs.iter().map(|d| d.1).min();
    let last = docs.iter().map(|d| d.1).max();
    let enc = match encoding {
        Encoding::Dos => "DOS",
        _ => "Windows",
    };
    for l in [
        "1CClientBankExchange".to_string(),
        "ВерсияФормата=1.03".into(),
        format!("Кодировка={enc}"),
        "Отправитель=Бухгалтерия".into(),
        "Получатель=".into(),
        format!(
            "ДатаНачала={}",
            first.as_ref().map(date).unwrap_or_default()
        ),
        format!("ДатаКонца={}", last.as_ref().map(date).unwrap_or_default()),
        format!("РасчСчет={account}"),
        "Документ=Платежное поручение".into(),
        "СекцияРасчСчет".into(),
        format!("РасчСчет={account}"),
        "КонецРасчСчет".into(),
    ] {
        s.push_str(&l);
        s.push_str(nl);
    }
    for (number, d, sum, payer, inn, payer_account, purpose) in docs {
        let amount = format!("{}.{:02}", sum / 100, sum % 100);
        for l in [
            "СекцияДокумент=Платежное поручение".to_string(),
            format!("Номер={number}"),
            format!("Дата={}", date(d)),
            format!("Сумма={amount}"),
            format!("ПлательщикСчет={payer_account}"),
            format!("Плательщик={payer}"),
            format!("ПлательщикИНН={inn}"),
            format!("ПолучательСчет={account}"),
            format!("ДатаПоступило={}", date(d)),
            "ВидОплаты=01".into(),
            format!("НазначениеПлатежа={purpose}"),
            "КонецДокумента".into(),
        ] {
            s.push_str(&l);
            s.push_str(nl);
        }
    }
    s.push_str("КонецФайла");
    s.push_str(nl);
    match encoding {
        Encoding::Windows => encoding_rs::WINDOWS_1251.encode(&s).0.into_owned(),
        // DOS-866 has no «»: banks writing it put plain quotes.
        Encoding::Dos => encoding_rs::IBM866
            .encode(&s.replace(['«', '»'], "\""))
            .0
            .into_owned(),
        Encoding::Utf8 => s.into_bytes(),
    }
}
