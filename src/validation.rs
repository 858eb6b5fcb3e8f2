//! What a form's checks found: messages at their fields, and messages about the form as a
//! whole. Services return `Invalid(FieldErrors)`; the web layer re-renders the form with what
//! the user typed and each message at its field (422).

/// One message, at a field (`field` is the form control's name) or at the form (`field` empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> FieldError {
        FieldError {
            field,
            message: message.into(),
        }
    }
}

/// Every message of one submission, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<FieldError>);

/// The pseudo-field of messages about the form as a whole.
pub const FORM: &str = "";

impl FieldErrors {
    pub fn new() -> FieldErrors {
        FieldErrors::default()
    }

    /// One message at one field.
    pub fn one(field: &'static str, message: impl Into<String>) -> FieldErrors {
        let mut e = FieldErrors::new();
        e.add(field, message);
        e
    }

    /// One message about the whole form.
    pub fn form(message: impl Into<String>) -> FieldErrors {
        FieldErrors::one(FORM, message)
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn add_form(&mut self, message: impl Into<String>) {
        self.add(FORM, message);
    }

    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    pub fn extend(&mut self, other: FieldErrors) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The first message at `field` (templates: `{% if let Some(e) = errors.get("inn") %}`).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Messages about the form as a whole, shown above it.
    pub fn general(&self) -> Vec<&str> {
        self.0
            .iter()
            .filter(|e| e.field == FORM)
            .map(|e| e.message.as_str())
            .collect()
    }

    /// Every message, for a summary or a log line.
    pub fn messages(&self) -> Vec<&str> {
        self.0.iter().map(|e| e.message.as_str()).collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// `Ok(())` when nothing was found.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl From<Vec<FieldError>> for FieldErrors {
    fn from(v: Vec<FieldError>) -> Self {
        FieldErrors(v)
    }
}

impl From<FieldError> for FieldErrors {
    fn from(e: FieldError) -> Self {
        FieldErrors(vec![e])
    }
}

impl IntoIterator for FieldErrors {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.messages().join("; "))
    }
}

/// Characters that change how text looks without being seen: control characters, bidi
/// controls (U+202E turns «Счет<U+202E>fdp.exe» into what reads as «Счетexe.pdf») and zero-width characters.
/// Refused in what users type, dropped from file names.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

/// A search box's text as a plain lower-case substring for `LIKE '%…%'` (over the lower-case
/// `search_text` columns): LIKE's wildcards and escape are not searchable characters, and at
/// most 200 characters count.
pub fn search_substring(q: &str) -> String {
    let q: String = q
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, '%' | '_' | '\\'))
        .take(200)
        .collect();
    q.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_sit_at_their_fields() {
        let mut e = FieldErrors::one("inn", "не сходится контрольная цифра");
        e.add_form("Запись не сохранена");
        e.add("inn", "второе");
        assert_eq!(e.get("inn"), Some("не сходится контрольная цифра"));
        assert_eq!(e.get("ogrn"), None);
        assert_eq!(e.general(), vec!["Запись не сохранена"]);
        assert_eq!(e.len(), 3);
        assert!(FieldErrors::new().into_result().is_ok());
    }
}
