//! `/files/{id}`: a stored file, to whoever may see it; everyone else gets the same 404 as for
//! a file that does not exist.

use axum::extract::Path;
use axum::response::Response;

use crate::exchange::journal;
use crate::web::{AppError, User, stream_file};

pub(super) async fn download_file(u: User, Path(id): Path<i64>) -> Result<Response, AppError> {
    let state = &u.ctx.state;
    let f = journal::downloadable_file(&state.core, u.user.principal, id).await?;
    stream_file(
        &state.storage,
        &f.storage_key,
        &f.original_name,
        &f.media_type,
        f.size_bytes,
    )
    .await
}
