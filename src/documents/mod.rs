//! PDF documents rendered in-process by typst.
//!
//! A [`Documents`] engine is built once at start-up: it parses the embedded
//! fonts and `.typ` templates and builds typst's standard library, all of
//! which are shared by every render. A render only adds one virtual file,
//! `/data.json`, holding the serialized data; templates read it with
//! `json("/data.json")`, so values never pass through typst markup and need no
//! escaping.
//!
//! Rendering is CPU-bound (tens of milliseconds): call [`Documents::render`]
//! from `tokio::task::spawn_blocking`, not directly on an async worker.

mod receipt;
mod world;

use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Timelike, Utc};
use typst::diag::{Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::syntax::{DiagSpan, DiagSpanKind, FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_pdf::{PdfOptions, Timestamp};

pub use receipt::{Receipt, ReceiptFile, ReceiptSignature};

/// Data of `documents/section_form.typ`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SectionForm {
    pub sro_name: String,
    pub sro_full_name: String,
    pub campaign: String,
    pub year: i32,
    pub number: usize,
    pub title: String,
    pub description: String,
}

use world::RenderWorld;

/// Top-level key of the render data that, when present, holds the PDF
/// creation date as an RFC 3339 string. Without it the PDF carries no date,
/// so two renders of the same data give the same bytes.
pub const PDF_DATE_KEY: &str = "pdf_date";

/// Virtual path under which the render data is visible to templates.
const DATA_PATH: &str = "/data.json";

/// How many evictions a memoized typst result may go unused before it is
/// dropped. typst memoizes layout and evaluation globally (comemo); without
/// eviction every distinct document would stay in memory forever. Results
/// shared by all documents (library, fonts, static template parts) are hit on
/// every render and so never age out. The typst CLI uses 10 in watch mode.
const CACHE_MAX_AGE: usize = 10;

/// The fonts templates may use, embedded so the binary needs no system fonts.
/// Only faces the templates actually use are kept: each costs ~0.3 MB.
const FONTS: &[(&str, &[u8])] = &[
    (
        "PTSerif-Regular.ttf",
        include_bytes!("../../assets/fonts/PTSerif-Regular.ttf"),
    ),
    (
        "PTSerif-Bold.ttf",
        include_bytes!("../../assets/fonts/PTSerif-Bold.ttf"),
    ),
    (
        "PTSerif-Italic.ttf",
        include_bytes!("../../assets/fonts/PTSerif-Italic.ttf"),
    ),
    (
        "PTMono-Regular.ttf",
        include_bytes!("../../assets/fonts/PTMono-Regular.ttf"),
    ),
];

/// A document the engine can render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Template {
    /// «Квитанция об отправке документов», data: [`Receipt`].
    Receipt,
    /// The printable form of a report section (demo templates), data: [`SectionForm`].
    SectionForm,
    /// «Выписка из реестра членов СРО», data: `register::extract::ExtractDoc` with the QR code.
    Extract,
    /// «Счет на оплату» with the payment QR code, data: `billing::papers::InvoiceDoc`.
    Invoice,
    /// «Акт сверки взаимных расчетов», data: `billing::papers::ActDoc`.
    Act,
    /// «Протокол проверки электронной подписи», data: `trust::protocol::ProtocolDoc`.
    SignatureProtocol,
    /// «Уведомление о … договора», data: `contracts::notice::NoticeDoc`.
    ContractNotice,
    /// «Сведения о фактическом совокупном размере обязательств», data: `contracts::statement::StatementDoc`.
    OdoStatement,
}

impl Template {
    /// Virtual path of the template, shown in diagnostics.
    fn path(self) -> &'static str {
        match self {
            Template::Receipt => "/receipt.typ",
            Template::SectionForm => "/section_form.typ",
            Template::Extract => "/extract.typ",
            Template::Invoice => "/invoice.typ",
            Template::Act => "/act.typ",
            Template::SignatureProtocol => "/signature_protocol.typ",
            Template::ContractNotice => "/contract_notice.typ",
            Template::OdoStatement => "/odo_statement.typ",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Template::Receipt => include_str!("../../documents/receipt.typ"),
            Template::SectionForm => include_str!("../../documents/section_form.typ"),
            Template::Extract => include_str!("../../documents/extract.typ"),
            Template::Invoice => include_str!("../../documents/invoice.typ"),
            Template::Act => include_str!("../../documents/act.typ"),
            Template::SignatureProtocol => include_str!("../../documents/signature_protocol.typ"),
            Template::ContractNotice => include_str!("../../documents/contract_notice.typ"),
            Template::OdoStatement => include_str!("../../documents/odo_statement.typ"),
        }
    }
}

/// Why a document could not be produced. The messages are for logs: they may
/// quote template code and must not be shown to users.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("embedded font {0} could not be parsed")]
    Font(&'static str),
    #[error("template {template} does not parse: {message}")]
    Syntax {
        template: &'static str,
        message: String,
    },
    #[error("document data could not be serialized to JSON")]
    Data(#[from] serde_json::Error),
    #[error("invalid `{PDF_DATE_KEY}` in document data: {0}")]
    Date(String),
    #[error("template {template} failed: {message}")]
    Compile {
        template: &'static str,
        message: String,
    },
    #[error("PDF export of {template} failed: {message}")]
    Export {
        template: &'static str,
        message: String,
    },
    /// The engine panicked (a limit of the PDF library it did not check itself): the request
    /// gets an error page, the process and the other renders go on.
    #[error("rendering {template} panicked: {message}")]
    Panicked {
        template: &'static str,
        message: String,
    },
}

/// The PDF engine. Cheap to clone (one `Arc`), `Send + Sync`: keep one in the
/// application state and share it between requests.
#[derive(Clone)]
pub struct Documents {
    inner: Arc<Shared>,
}

/// Everything that does not depend on the document data.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    templates: Templates,
    data_id: FileId,
}

/// The parsed templates, one field per [`Template`], so a new template cannot
/// be forgotten in [`Documents::new`].
struct Templates {
    receipt: Source,
    section_form: Source,
    extract: Source,
    invoice: Source,
    act: Source,
    signature_protocol: Source,
    contract_notice: Source,
    odo_statement: Source,
    /// `/common.typ`: what the templates share (`#import "/common.typ": breakable`).
    common: Source,
}

/// The module every template may import.
const COMMON_PATH: &str = "/common.typ";

impl Templates {
    fn load() -> Result<Self, DocumentError> {
        Ok(Self {
            receipt: parse(Template::Receipt.path(), Template::Receipt.source())?,
            section_form: parse(Template::SectionForm.path(), Template::SectionForm.source())?,
            extract: parse(Template::Extract.path(), Template::Extract.source())?,
            invoice: parse(Template::Invoice.path(), Template::Invoice.source())?,
            act: parse(Template::Act.path(), Template::Act.source())?,
            signature_protocol: parse(
                Template::SignatureProtocol.path(),
                Template::SignatureProtocol.source(),
            )?,
            contract_notice: parse(
                Template::ContractNotice.path(),
                Template::ContractNotice.source(),
            )?,
            odo_statement: parse(
                Template::OdoStatement.path(),
                Template::OdoStatement.source(),
            )?,
            common: parse(COMMON_PATH, include_str!("../../documents/common.typ"))?,
        })
    }

    fn get(&self, template: Template) -> &Source {
        match template {
            Template::Receipt => &self.receipt,
            Template::SectionForm => &self.section_form,
            Template::Extract => &self.extract,
            Template::Invoice => &self.invoice,
            Template::Act => &self.act,
            Template::SignatureProtocol => &self.signature_protocol,
            Template::ContractNotice => &self.contract_notice,
            Template::OdoStatement => &self.odo_statement,
        }
    }
}

/// Parses a template, so syntax errors surface at start-up.
fn parse(path: &'static str, text: &str) -> Result<Source, DocumentError> {
    let id = project_file(path)?;
    let source = Source::new(id, text.to_owned());
    let (errors, _warnings) = source.root().errors_and_warnings();
    if errors.is_empty() {
        return Ok(source);
    }
    let message = errors
        .iter()
        .map(|e| format!("{}{}", position(&source, e.span), e.message))
        .collect::<Vec<_>>()
        .join("; ");
    Err(DocumentError::Syntax {
        template: path,
        message,
    })
}

impl Documents {
    /// Parses the embedded fonts and templates. Call once at start-up: a
    /// broken font or a template with a syntax error fails here rather than
    /// on the first download.
    pub fn new() -> Result<Self, DocumentError> {
        let mut fonts = Vec::with_capacity(FONTS.len());
        for &(name, data) in FONTS {
            let before = fonts.len();
            fonts.extend(Font::iter(Bytes::new(data)));
            if fonts.len() == before {
                return Err(DocumentError::Font(name));
            }
        }
        let book = FontBook::from_fonts(&fonts);

        Ok(Self {
            inner: Arc::new(Shared {
                library: LazyHash::new(Library::builder().build()),
                book: LazyHash::new(book),
                fonts,
                templates: Templates::load()?,
                data_id: project_file(DATA_PATH)?,
            }),
        })
    }

    /// Renders `template` with `data` (visible to it as `/data.json`) into PDF
    /// bytes. The output depends only on the template and the data: the
    /// creation date comes from the data's [`PDF_DATE_KEY`] or is left out,
    /// and `datetime.today()` is unavailable to templates.
    pub fn render<T: serde::Serialize>(
        &self,
        template: Template,
        data: &T,
    ) -> Result<Vec<u8>, DocumentError> {
        let value = serde_json::to_value(data)?;
        // The engine and the PDF library assert some limits instead of returning errors
        // (a text run over 64 KiB): a panic becomes an error of this render.
        let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.render_value(template, &value)
        }));
        rendered.unwrap_or_else(|panic| {
            // Memoized results of the failed render are not trusted again.
            typst::comemo::evict(0);
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let message: String = message.chars().take(300).collect();
            tracing::error!(template = template.path(), %message, "a document render panicked");
            Err(DocumentError::Panicked {
                template: template.path(),
                message,
            })
        })
    }

    fn render_value(
        &self,
        template: Template,
        value: &serde_json::Value,
    ) -> Result<Vec<u8>, DocumentError> {
        let value = value.clone();
        let timestamp = pdf_timestamp(&value)?;
        let json = serde_json::to_vec(&value)?;

        let shared = &*self.inner;
        let world = RenderWorld {
            shared,
            main: shared.templates.get(template).clone(),
            data: Bytes::new(json),
        };

        let result = typst::compile(&world).output;
        // Drop memoized results no render has used lately. Done on every
        // render so memory stays bounded however many distinct documents
        // are produced; the results all documents share stay warm.
        typst::comemo::evict(CACHE_MAX_AGE);

        let document = result.map_err(|diags| DocumentError::Compile {
            template: template.path(),
            message: describe(&world, &diags),
        })?;

        let options = PdfOptions {
            // A fixed creator instead of «Typst 0.x»: the version is an
            // implementation detail and would change the bytes on upgrade.
            creator: Smart::Custom(Some("Kabinet".into())),
            timestamp,
            ..PdfOptions::default()
        };
        typst_pdf::pdf(&document, &options)
            .map(blank_suspects)
            .map_err(|diags| DocumentError::Export {
                template: template.path(),
                message: describe(&world, &diags),
            })
    }
}

/// Blanks the catalog's `/Suspects false` with spaces of the same length (every offset of the
/// file stays right). The entry is valid (PDF/UA asks for it; Kabinet does not claim PDF/UA),
/// but poppler up to Debian 12's (pdftotext, Evince, Okular) reports «Syntax Error: Suspects
/// object is wrong type» for it on every open (issue 17: PDFs readers complain about).
fn blank_suspects(mut pdf: Vec<u8>) -> Vec<u8> {
    const ENTRY: &[u8] = b"/Suspects false";
    if let Some(at) = pdf.windows(ENTRY.len()).position(|w| w == ENTRY) {
        pdf[at..at + ENTRY.len()].fill(b' ');
    }
    pdf
}

impl std::fmt::Debug for Documents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Documents")
            .field("fonts", &self.inner.fonts.len())
            .finish()
    }
}

fn project_file(path: &'static str) -> Result<FileId, DocumentError> {
    let vpath = VirtualPath::new(path).map_err(|e| DocumentError::Syntax {
        template: path,
        message: format!("bad virtual path: {e}"),
    })?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

/// Reads the optional creation date from the data.
fn pdf_timestamp(value: &serde_json::Value) -> Result<Option<Timestamp>, DocumentError> {
    let raw = match value.get(PDF_DATE_KEY) {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(serde_json::Value::String(s)) => s,
        Some(other) => {
            return Err(DocumentError::Date(format!(
                "expected a string, got {other}"
            )));
        }
    };
    let at: DateTime<Utc> = DateTime::parse_from_rfc3339(raw)
        .map_err(|e| DocumentError::Date(format!("{raw:?}: {e}")))?
        .with_timezone(&Utc);
    let datetime = u8::try_from(at.month())
        .ok()
        .zip(u8::try_from(at.day()).ok())
        .zip(u8::try_from(at.hour()).ok())
        .zip(u8::try_from(at.minute()).ok())
        .zip(u8::try_from(at.second()).ok())
        .and_then(|((((month, day), hour), minute), second)| {
            Datetime::from_ymd_hms(at.year(), month, day, hour, minute, second)
        })
        .ok_or_else(|| DocumentError::Date(format!("{raw:?} is out of range")))?;
    Ok(Some(Timestamp::new_utc(datetime)))
}

/// Joins typst diagnostics into one log line: `/file.typ:line:col: message (hint: …)`.
fn describe(world: &RenderWorld<'_>, diags: &[SourceDiagnostic]) -> String {
    let mut out = String::new();
    for diag in diags.iter().filter(|d| d.severity == Severity::Error) {
        if !out.is_empty() {
            out.push_str("; ");
        }
        if let Some(id) = diag.span.id() {
            let at = world
                .source(id)
                .map(|source| position(&source, diag.span))
                .unwrap_or_default();
            let _ = write!(out, "{}:{at}", id.vpath().get_with_slash());
            if at.is_empty() {
                out.push(' ');
            }
        }
        out.push_str(&diag.message);
        for hint in &diag.hints {
            let _ = write!(out, " (hint: {})", hint.v);
        }
    }
    if out.is_empty() {
        out.push_str("unknown error");
    }
    out
}

/// `line:col: ` of a span inside `source`, or nothing when it cannot be located.
fn position(source: &Source, span: DiagSpan) -> String {
    let range = match span.get() {
        DiagSpanKind::Number { id, num, sub_range } if id == source.id() => {
            source.range(num, sub_range)
        }
        DiagSpanKind::Range { id, range } if id == source.id() => Some(range),
        _ => None,
    };
    range
        .and_then(|r| source.lines().byte_to_line_column(r.start))
        .map(|(line, column)| format!("{}:{}: ", line + 1, column + 1))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
