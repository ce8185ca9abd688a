//! Files: direct multipart upload, the presigned-URL flow, metadata, status, frames, listing,
//! soft delete, and the emulator's object-storage stand-ins under `/_emulator/`.
//!
//! Bytes are streamed to the data directory chunk by chunk (never buffered whole) and served
//! back the same way.

use std::path::{Path as FsPath, PathBuf};

use axum::Json;
use axum::body::Body;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use aymara_raw::compat::{FileProcessingStatus, FileType};
use aymara_raw::types;
use chrono::Utc;
use futures_util::StreamExt;
use serde_json::{Map, Value, json};
use tokio_util::io::ReaderStream;

use super::{JsonBody, Params};
use crate::blobs::{Sink, Written, remove_quietly};
use crate::error::ApiError;
use crate::middleware::empty;
use crate::sim::files::{
    file_type_for, frame_count, mime_essence, processing, processing_delay, ready_frames, sniff,
};
use crate::sim::png::synthetic_png;
use crate::state::{
    FileRec, FileSource, Lifecycle, ORGANIZATION_UUID, SharedState, USER_UUID, new_uuid,
    random_token,
};

/// Read buffer of downloads.
const READ_BUFFER: usize = 256 * 1024;
const OCTET_STREAM: &str = "application/octet-stream";

// ---------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------

/// `POST /v2/files/-/uploads`: one multipart part `file`, streamed to disk.
pub(crate) async fn upload(
    State(state): State<SharedState>,
    params: Params,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<types::FileUpload>, ApiError> {
    let workspace_uuid = params.string("workspace_uuid");
    let mut multipart = multipart.map_err(|err| {
        ApiError::invalid_format(format!(
            "expected a multipart/form-data body with one part named `file`: {}",
            err.body_text()
        ))
    })?;

    let mut stored: Option<Received> = None;
    let outcome: Result<(), ApiError> = loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break Ok(()),
            Err(err) => break Err(multipart_error(err)),
        };
        if stored.is_none() && field.name() == Some("file") {
            match receive_part(&state, field).await {
                Ok(received) => stored = Some(received),
                Err(err) => break Err(err),
            }
        } else if let Err(err) = drain(field).await {
            break Err(err);
        }
    };
    if let Err(err) = outcome {
        if let Some(received) = stored {
            remove_quietly(&received.written.path).await;
        }
        return Err(err);
    }
    let Some(received) = stored else {
        return Err(ApiError::invalid_field(
            "file",
            "the multipart body has no part named `file`",
        ));
    };

    let Received {
        uuid,
        file_name,
        content_type,
        written,
    } = received;
    let config = &state.config;
    let final_path = config.files_dir.join(&uuid);
    if let Err(err) = tokio::fs::rename(&written.path, &final_path).await {
        remove_quietly(&written.path).await;
        return Err(ApiError::internal(format!(
            "could not store the file: {err}"
        )));
    }
    let file_type = file_type_for(&content_type);
    let problem = sniff(&file_type, &content_type, &written.head, written.utf8_ok);
    let now = Utc::now();
    let rec = FileRec {
        remote_file_path: storage_key(&uuid, file_name.as_deref(), &content_type),
        uuid: uuid.clone(),
        workspace_uuid,
        original_file_url: file_name,
        signature: None,
        created_at: now,
        updated_at: now,
        source: FileSource::Stored {
            size: written.size,
            path: final_path,
            lifecycle: Lifecycle::new(processing_delay(&file_type, config)),
            problem,
        },
        content_type,
        file_type,
    };
    let view = upload_view(&rec, &config.base_url);
    state.store().files.insert(uuid, rec);
    Ok(Json(view))
}

/// `POST /v2/files`: presigned upload URLs for `local_file_path` entries; `remote_uri` entries
/// are registered and then fail (no network).
pub(crate) async fn create(
    State(state): State<SharedState>,
    JsonBody(request): JsonBody<types::FileCreateRequest>,
) -> Result<Json<types::FileCreateResponse>, ApiError> {
    for (i, item) in request.files.iter().enumerate() {
        let local = non_empty(item.local_file_path.as_deref());
        let remote = non_empty(item.remote_uri.as_deref());
        let field = format!("files[{i}]");
        match (local, remote) {
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid_field(
                    &field,
                    format!("`{field}`: give either `local_file_path` or `remote_uri`, not both"),
                ));
            }
            (None, None) => {
                return Err(ApiError::invalid_field(
                    &field,
                    format!("`{field}`: give `local_file_path` or `remote_uri`"),
                ));
            }
            _ => {}
        }
        if let Some(ct) = non_empty(item.content_type.as_deref())
            && !is_mime(ct)
        {
            let field = format!("{field}.content_type");
            return Err(ApiError::invalid_field(
                &field,
                format!("invalid field `{field}`: `{ct}` is not a MIME type"),
            ));
        }
    }

    let config = &state.config;
    let now = Utc::now();
    let mut results = Vec::with_capacity(request.files.len());
    let mut records = Vec::with_capacity(request.files.len());
    for item in request.files {
        let uuid = new_uuid();
        let local = non_empty(item.local_file_path.as_deref()).map(str::to_owned);
        let remote = non_empty(item.remote_uri.as_deref()).map(str::to_owned);
        let name = local
            .clone()
            .or_else(|| remote.as_deref().map(|u| url_path(u).to_owned()));
        let content_type = non_empty(item.content_type.as_deref())
            .map(str::to_owned)
            .or_else(|| name.as_deref().and_then(guess_content_type))
            .unwrap_or_else(|| OCTET_STREAM.to_owned());
        let remote_file_path = storage_key(&uuid, name.as_deref(), &content_type);
        let (source, signature, file_url) = match &remote {
            Some(_) => (
                FileSource::Remote {
                    lifecycle: Lifecycle::new(config.video_processing_delay),
                },
                None,
                None,
            ),
            None => {
                let signature = random_token();
                let url = format!(
                    "{}/_emulator/upload/{uuid}?signature={signature}",
                    config.base_url
                );
                (FileSource::AwaitingUpload, Some(signature), Some(url))
            }
        };
        results.push(types::FileUpload {
            content_type: Some(content_type.clone()),
            file_url,
            file_uuid: Some(uuid.clone()),
            local_file_path: local.clone(),
            processing_status: Some(FileProcessingStatus::Pending),
            remote_file_path: Some(remote_file_path.clone()),
            remote_uri: remote.clone(),
        });
        records.push(FileRec {
            uuid,
            file_type: file_type_for(&content_type),
            content_type,
            workspace_uuid: request.workspace_uuid.clone(),
            original_file_url: remote.or(local),
            remote_file_path,
            signature,
            created_at: now,
            updated_at: now,
            source,
        });
    }
    {
        let mut store = state.store();
        for rec in records {
            store.files.insert(rec.uuid.clone(), rec);
        }
    }
    Ok(Json(types::FileCreateResponse {
        files: results,
        workspace_uuid: request.workspace_uuid,
    }))
}

/// `PUT /_emulator/upload/{file_uuid}?signature=...`: the presigned upload (raw bytes, streamed;
/// no API key, but the signature must match, else 403).
pub(crate) async fn presigned_put(
    State(state): State<SharedState>,
    Path(file_uuid): Path<String>,
    params: Params,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let signature = params.get("signature").unwrap_or_default();
    let declared = {
        let store = state.store();
        let rec = store
            .files
            .get(&file_uuid)
            .ok_or_else(|| ApiError::not_found("file", &file_uuid))?;
        match rec.signature.as_deref() {
            Some(expected) if expected == signature => rec.content_type.clone(),
            _ => {
                return Err(ApiError::forbidden(
                    "the upload URL's signature does not match this file",
                ));
            }
        }
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .unwrap_or(declared);
    let file_type = file_type_for(&content_type);
    let config = &state.config;
    let tmp = config
        .files_dir
        .join(format!("{file_uuid}.{}.part", random_token()));

    let mut sink = Sink::create(tmp, file_type == FileType::Text).await?;
    let mut stream = body.into_data_stream();
    let streamed: Result<(), ApiError> = async {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|err| {
                ApiError::invalid_format(format!("could not read the upload body: {err}"))
            })?;
            sink.write(&chunk).await?;
        }
        Ok(())
    }
    .await;
    if let Err(err) = streamed {
        sink.abort().await;
        return Err(err);
    }
    let written = sink.finish().await?;

    let problem = sniff(&file_type, &content_type, &written.head, written.utf8_ok);
    // A fresh name per upload: a second PUT never overwrites bytes a record points at, and the
    // file I/O happens before the store lock is taken.
    let final_path = config
        .files_dir
        .join(format!("{file_uuid}.{}", random_token()));
    if let Err(err) = tokio::fs::rename(&written.path, &final_path).await {
        remove_quietly(&written.path).await;
        return Err(ApiError::internal(format!(
            "could not store the file: {err}"
        )));
    }
    let replaced: Result<Option<PathBuf>, ApiError> = {
        let mut store = state.store();
        match store.files.get_mut(&file_uuid) {
            None => Err(ApiError::not_found("file", &file_uuid)),
            Some(rec) => {
                let old = std::mem::replace(
                    &mut rec.source,
                    FileSource::Stored {
                        size: written.size,
                        path: final_path.clone(),
                        lifecycle: Lifecycle::new(processing_delay(&file_type, config)),
                        problem,
                    },
                );
                rec.content_type = content_type;
                rec.file_type = file_type;
                rec.updated_at = Utc::now();
                Ok(match old {
                    FileSource::Stored { path, .. } => Some(path),
                    _ => None,
                })
            }
        }
    };
    match replaced {
        Err(err) => {
            remove_quietly(&final_path).await;
            Err(err)
        }
        Ok(old) => {
            if let Some(old) = old {
                remove_quietly(&old).await;
            }
            Ok(empty(StatusCode::OK))
        }
    }
}

/// `GET /v2/files`: paginated, filters `file_type` and `workspace_uuid`.
pub(crate) async fn list(
    State(state): State<SharedState>,
    params: Params,
) -> Result<Json<types::PagedFileDetail>, ApiError> {
    let page = params.page()?;
    let file_type = params.get("file_type");
    let workspace = params.get("workspace_uuid");
    let base_url = &state.config.base_url;
    let store = state.store();
    let matching = store.files.iter().filter(|rec| {
        file_type.is_none_or(|t| rec.file_type.as_str() == t)
            && workspace.is_none_or(|w| rec.workspace_uuid.as_deref() == Some(w))
    });
    let (items, count) = page.apply(matching, |rec| detail(rec, base_url));
    Ok(Json(types::PagedFileDetail {
        count: Some(count),
        items,
    }))
}

/// `GET /v2/files/{file_uuid}`.
pub(crate) async fn get(
    State(state): State<SharedState>,
    Path(file_uuid): Path<String>,
) -> Result<Json<types::FileDetail>, ApiError> {
    let store = state.store();
    let rec = store
        .files
        .get(&file_uuid)
        .ok_or_else(|| ApiError::not_found("file", &file_uuid))?;
    Ok(Json(detail(rec, &state.config.base_url)))
}

/// `GET /v2/files/{file_uuid}/status`.
pub(crate) async fn status(
    State(state): State<SharedState>,
    Path(file_uuid): Path<String>,
) -> Result<Json<types::FileStatus>, ApiError> {
    let store = state.store();
    let rec = store
        .files
        .get(&file_uuid)
        .ok_or_else(|| ApiError::not_found("file", &file_uuid))?;
    let p = processing(rec);
    Ok(Json(types::FileStatus {
        created_at: rec.created_at,
        remote_file_path: (p.status == FileProcessingStatus::Completed)
            .then(|| rec.remote_file_path.clone()),
        error_message: p.error,
        file_uuid: rec.uuid.clone(),
        processing_status: p.status,
        updated_at: p.updated_at,
    }))
}

/// `GET /v2/files/{file_uuid}/frames`: only for completed videos (409 otherwise).
pub(crate) async fn frames(
    State(state): State<SharedState>,
    Path(file_uuid): Path<String>,
) -> Result<Json<types::FileFrames>, ApiError> {
    let store = state.store();
    let rec = store
        .files
        .get(&file_uuid)
        .ok_or_else(|| ApiError::not_found("file", &file_uuid))?;
    let count = ready_frames(rec)?;
    let base = &state.config.base_url;
    Ok(Json(types::FileFrames {
        file_uuid: rec.uuid.clone(),
        frame_count: i64::try_from(count).unwrap_or(i64::MAX),
        frame_urls: (1..=count)
            .map(|n| format!("{base}/_emulator/files/{file_uuid}/frames/{n}.png"))
            .collect(),
    }))
}

/// `DELETE /v2/files/{file_uuid}`: soft delete (the file disappears from every endpoint); the
/// stored bytes are removed from the data directory.
pub(crate) async fn delete(
    State(state): State<SharedState>,
    Path(file_uuid): Path<String>,
) -> Result<Response, ApiError> {
    let removed = state
        .store()
        .files
        .remove(&file_uuid)
        .ok_or_else(|| ApiError::not_found("file", &file_uuid))?;
    if let FileSource::Stored { path, .. } = removed.source {
        remove_quietly(&path).await;
    }
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `GET /_emulator/files/{file_uuid}/content`: the stored bytes with the stored content type.
pub(crate) async fn content(
    State(state): State<SharedState>,
    Path(file_uuid): Path<String>,
) -> Result<Response, ApiError> {
    let (path, size, content_type) = {
        let store = state.store();
        let rec = store
            .files
            .get(&file_uuid)
            .ok_or_else(|| ApiError::not_found("file", &file_uuid))?;
        match &rec.source {
            FileSource::Stored { path, size, .. } => {
                (path.clone(), *size, rec.content_type.clone())
            }
            _ => {
                return Err(ApiError::not_found("file content", &file_uuid)
                    .with_detail("reason", "the file's bytes have not been uploaded"));
            }
        }
    };
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| ApiError::not_found("file content", &file_uuid))?;
    let mut response =
        Body::from_stream(ReaderStream::with_capacity(file, READ_BUFFER)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type)
            .unwrap_or_else(|_| HeaderValue::from_static(OCTET_STREAM)),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    Ok(response)
}

/// `GET /_emulator/files/{file_uuid}/frames/{n}.png`: a small synthetic PNG (frames are not
/// decoded from the video).
pub(crate) async fn frame_png(
    State(state): State<SharedState>,
    Path((file_uuid, frame)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let count = {
        let store = state.store();
        let rec = store
            .files
            .get(&file_uuid)
            .ok_or_else(|| ApiError::not_found("file", &file_uuid))?;
        ready_frames(rec)?
    };
    let n = frame
        .strip_suffix(".png")
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|n| (1..=count).contains(n))
        .ok_or_else(|| ApiError::not_found("frame", &frame))?;
    let mut response = synthetic_png(n).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    Ok(response)
}

// ---------------------------------------------------------------------------------------------
// Views and processing
// ---------------------------------------------------------------------------------------------

fn content_url(base_url: &str, uuid: &str) -> String {
    format!("{base_url}/_emulator/files/{uuid}/content")
}

fn detail(rec: &FileRec, base_url: &str) -> types::FileDetail {
    let p = processing(rec);
    let (size, file_url) = match &rec.source {
        FileSource::Stored { size, .. } => (
            Some(i64::try_from(*size).unwrap_or(i64::MAX)),
            Some(content_url(base_url, &rec.uuid)),
        ),
        _ => (None, None),
    };
    let video_metadata = match (&rec.source, &p.status) {
        (FileSource::Stored { size, .. }, FileProcessingStatus::Completed)
            if rec.file_type == FileType::Video =>
        {
            let frames = frame_count(*size);
            let mut meta = Map::new();
            meta.insert("frame_count".to_owned(), json!(frames));
            meta.insert("fps".to_owned(), json!(1));
            meta.insert("duration_seconds".to_owned(), Value::from(frames as f64));
            Some(meta)
        }
        _ => None,
    };
    types::FileDetail {
        content_type: rec.content_type.clone(),
        created_at: rec.created_at,
        file_size_bytes: size,
        file_type: rec.file_type.clone(),
        file_url,
        file_uuid: rec.uuid.clone(),
        organization_uuid: ORGANIZATION_UUID.to_owned(),
        original_file_url: rec.original_file_url.clone(),
        remote_file_path: rec.remote_file_path.clone(),
        updated_at: p.updated_at,
        uploaded_by_uuid: Some(USER_UUID.to_owned()),
        video_metadata,
        workspace_uuid: rec.workspace_uuid.clone(),
    }
}

fn upload_view(rec: &FileRec, base_url: &str) -> types::FileUpload {
    types::FileUpload {
        content_type: Some(rec.content_type.clone()),
        file_url: Some(content_url(base_url, &rec.uuid)),
        file_uuid: Some(rec.uuid.clone()),
        local_file_path: None,
        processing_status: Some(processing(rec).status),
        remote_file_path: Some(rec.remote_file_path.clone()),
        remote_uri: None,
    }
}

/// Storage key, e.g. `<uuid>_raw.mp4` (extension from the file name, else the content type).
fn storage_key(uuid: &str, name: Option<&str>, content_type: &str) -> String {
    let from_name = name
        .and_then(|n| FsPath::new(n).extension())
        .and_then(|e| e.to_str())
        .filter(|e| !e.is_empty() && e.len() <= 10 && e.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(str::to_ascii_lowercase);
    let ext = from_name.unwrap_or_else(|| extension_for(content_type).to_owned());
    format!("{uuid}_raw.{ext}")
}

fn extension_for(content_type: &str) -> &'static str {
    let essence = mime_essence(content_type);
    match essence.as_str() {
        "video/mp4" => "mp4",
        "video/quicktime" => "mov",
        "video/webm" => "webm",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "text/plain" => "txt",
        "text/csv" => "csv",
        "text/html" => "html",
        "text/markdown" => "md",
        "application/json" => "json",
        "application/pdf" => "pdf",
        _ => "bin",
    }
}

fn guess_content_type(name: &str) -> Option<String> {
    mime_guess::from_path(name).first_raw().map(str::to_owned)
}

/// The path part of a URL (for guessing a remote file's type from its name).
fn url_path(url: &str) -> &str {
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    without_query.rsplit('/').next().unwrap_or(without_query)
}

fn is_mime(s: &str) -> bool {
    let essence = s.split(';').next().unwrap_or_default().trim();
    let mut parts = essence.split('/');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(a), Some(b), None) if !a.is_empty() && !b.is_empty()
    )
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.trim().is_empty())
}

// ---------------------------------------------------------------------------------------------
// Streaming to disk
// ---------------------------------------------------------------------------------------------

/// A multipart part received into a temporary file.
struct Received {
    uuid: String,
    file_name: Option<String>,
    content_type: String,
    written: Written,
}

async fn receive_part(state: &SharedState, mut field: Field<'_>) -> Result<Received, ApiError> {
    let file_name = field
        .file_name()
        .map(str::to_owned)
        .filter(|n| !n.is_empty());
    let content_type = field
        .content_type()
        .map(str::trim)
        .filter(|ct| !ct.is_empty())
        .map(str::to_owned)
        .or_else(|| file_name.as_deref().and_then(guess_content_type))
        .unwrap_or_else(|| OCTET_STREAM.to_owned());
    let uuid = new_uuid();
    let tmp = state.config.files_dir.join(format!("{uuid}.part"));
    let mut sink = Sink::create(tmp, file_type_for(&content_type) == FileType::Text).await?;
    let streamed: Result<(), ApiError> = async {
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            sink.write(&chunk).await?;
        }
        Ok(())
    }
    .await;
    if let Err(err) = streamed {
        sink.abort().await;
        return Err(err);
    }
    let written = sink.finish().await?;
    Ok(Received {
        uuid,
        file_name,
        content_type,
        written,
    })
}

async fn drain(mut field: Field<'_>) -> Result<(), ApiError> {
    while field.chunk().await.map_err(multipart_error)?.is_some() {}
    Ok(())
}

fn multipart_error(err: MultipartError) -> ApiError {
    ApiError::invalid_format(format!("malformed multipart body: {}", err.body_text()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_keys() {
        assert_eq!(storage_key("u", Some("clip.MP4"), "video/mp4"), "u_raw.mp4");
        assert_eq!(storage_key("u", None, "image/png"), "u_raw.png");
        assert_eq!(storage_key("u", Some("noext"), "x/y"), "u_raw.bin");
    }
}
