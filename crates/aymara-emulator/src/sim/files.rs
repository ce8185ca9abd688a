//! File processing, simulated from elapsed time: the status of each file, the frames of a
//! video, and the content check that fails files whose bytes do not match their type.

use aymara_raw::compat::{FileProcessingStatus, FileType};
use chrono::{DateTime, Utc};

use crate::error::ApiError;
use crate::records::{FileRec, FileSource};
use crate::sim::lifecycle::Phase;
use crate::state::Config;

/// `error_message` of files registered with `remote_uri`.
pub(crate) const REMOTE_URI_ERROR: &str =
    "the emulator has no network access; remote_uri cannot be fetched";
/// Bytes per synthetic video frame (frame_count = clamp(size / this, 1, 240)).
const BYTES_PER_FRAME: u64 = 64 * 1024;
/// Most frames a video gets.
const MAX_FRAMES: u64 = 240;

/// The processing state of a file, computed from elapsed time.
pub(crate) struct Processing {
    pub status: FileProcessingStatus,
    pub error: Option<String>,
    pub updated_at: DateTime<Utc>,
}

pub(crate) fn processing(rec: &FileRec) -> Processing {
    match &rec.source {
        FileSource::AwaitingUpload => Processing {
            status: FileProcessingStatus::Pending,
            error: None,
            updated_at: rec.updated_at,
        },
        FileSource::Remote { lifecycle } => {
            let done = lifecycle.phase() == Phase::Done;
            Processing {
                status: if done {
                    FileProcessingStatus::Failed
                } else {
                    FileProcessingStatus::Pending
                },
                error: done.then(|| REMOTE_URI_ERROR.to_owned()),
                updated_at: if done {
                    rec.updated_at.max(lifecycle.phase_started_at())
                } else {
                    rec.updated_at
                },
            }
        }
        FileSource::Stored {
            lifecycle, problem, ..
        } => {
            let (status, error) = match (lifecycle.phase(), problem) {
                (Phase::Queued, _) => (FileProcessingStatus::Pending, None),
                (Phase::Working, _) => (FileProcessingStatus::Processing, None),
                (Phase::Done, Some(problem)) => {
                    (FileProcessingStatus::Failed, Some(problem.clone()))
                }
                (Phase::Done, None) => (FileProcessingStatus::Completed, None),
            };
            Processing {
                status,
                error,
                updated_at: rec.updated_at.max(lifecycle.phase_started_at()),
            }
        }
    }
}

/// Number of frames of a completed video, else 409 explaining why there are none.
pub(crate) fn ready_frames(rec: &FileRec) -> Result<u64, ApiError> {
    if rec.file_type != FileType::Video {
        return Err(ApiError::conflict(format!(
            "file `{}` is a {} file ({}); frames exist only for video files",
            rec.uuid, rec.file_type, rec.content_type
        )));
    }
    let p = processing(rec);
    match (&p.status, &rec.source) {
        (FileProcessingStatus::Completed, FileSource::Stored { size, .. }) => {
            Ok(frame_count(*size))
        }
        (FileProcessingStatus::Failed, _) => Err(ApiError::conflict(format!(
            "video `{}` failed processing and has no frames: {}",
            rec.uuid,
            p.error.unwrap_or_default()
        ))),
        (status, _) => Err(ApiError::conflict(format!(
            "video `{}` is still {status}; poll GET /v2/files/{}/status until it is completed",
            rec.uuid, rec.uuid
        ))),
    }
}

pub(crate) fn frame_count(size: u64) -> u64 {
    (size / BYTES_PER_FRAME).clamp(1, MAX_FRAMES)
}

pub(crate) fn processing_delay(file_type: &FileType, config: &Config) -> std::time::Duration {
    if *file_type == FileType::Video {
        config.video_processing_delay
    } else {
        std::time::Duration::ZERO
    }
}

/// The type and subtype of a `Content-Type`, lowercase, without parameters.
pub(crate) fn mime_essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// `video/*` → video, `image/*` → image, `text/*` → text, anything else → document.
pub(crate) fn file_type_for(content_type: &str) -> FileType {
    let essence = mime_essence(content_type);
    match essence.split('/').next().unwrap_or_default() {
        "video" => FileType::Video,
        "image" => FileType::Image,
        "text" => FileType::Text,
        _ => FileType::Document,
    }
}

/// Why the bytes cannot be processed as `file_type`, if they cannot.
pub(crate) fn sniff(
    file_type: &FileType,
    content_type: &str,
    head: &[u8],
    utf8_ok: bool,
) -> Option<String> {
    match file_type {
        FileType::Video => {
            let iso_bmff = head.get(4..8) == Some(b"ftyp".as_slice());
            let webm = head.starts_with(&[0x1a, 0x45, 0xdf, 0xa3]);
            (!iso_bmff && !webm).then(|| {
                format!(
                    "cannot process the file as a video ({content_type}): no ISO-BMFF `ftyp` box \
                     at byte 4 and no WebM/Matroska signature"
                )
            })
        }
        FileType::Image => {
            let png = head.starts_with(b"\x89PNG\r\n\x1a\n");
            let jpeg = head.starts_with(&[0xff, 0xd8, 0xff]);
            let gif = head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a");
            let webp = head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP".as_slice());
            (!(png || jpeg || gif || webp)).then(|| {
                format!(
                    "cannot process the file as an image ({content_type}): it is not a PNG, JPEG, \
                     GIF or WebP image"
                )
            })
        }
        FileType::Text => (!utf8_ok).then(|| {
            format!("cannot process the file as text ({content_type}): it is not valid UTF-8")
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_types_follow_content_types() {
        assert_eq!(file_type_for("video/mp4"), FileType::Video);
        assert_eq!(file_type_for("image/png"), FileType::Image);
        assert_eq!(file_type_for("text/plain; charset=utf-8"), FileType::Text);
        assert_eq!(file_type_for("application/pdf"), FileType::Document);
    }

    #[test]
    fn frames() {
        assert_eq!(frame_count(0), 1);
        assert_eq!(frame_count(10 * 65536 + 5), 10);
        assert_eq!(frame_count(u64::MAX), 240);
    }
}
