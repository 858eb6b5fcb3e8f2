//! The typst `World` of one render: the shared fonts, library and template
//! plus the render's data file. It borrows everything expensive from
//! [`Shared`], so building one per render costs a few pointer copies.

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, Source};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};

use super::Shared;

pub(super) struct RenderWorld<'a> {
    pub(super) shared: &'a Shared,
    /// The template being rendered.
    pub(super) main: Source,
    /// Serialized data, served as `/data.json`.
    pub(super) data: Bytes,
}

impl World for RenderWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.shared.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.shared.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else if id == self.shared.templates.common.id() {
            Ok(self.shared.templates.common.clone())
        } else if id == self.shared.data_id {
            Err(FileError::NotSource)
        } else {
            Err(not_found(id))
        }
    }

    /// Only the data file, the template itself and the shared module exist:
    /// templates cannot read anything from the server's disk.
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.shared.data_id {
            Ok(self.data.clone())
        } else if id == self.main.id() {
            Ok(Bytes::from_string(self.main.clone()))
        } else {
            Err(not_found(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.shared.fonts.get(index).cloned()
    }

    /// No clock: a template that asks for today's date fails instead of
    /// producing output that differs from one render to the next. Dates
    /// come through the data.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.vpath().get_without_slash().into())
}
