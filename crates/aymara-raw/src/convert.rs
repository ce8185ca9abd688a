//! Hand-written conversions between generated types (they must live in this crate: orphan rule).
//!
//! They make the untagged unions pleasant to build (`"text".into()` for a response's content, an
//! uploaded file for a file reference) without re-declaring any type.

use crate::types::{
    AiInstructions, FileDetail, FileReference, FileUpload, GroundTruth, ResponseContent,
};

macro_rules! from_text {
    ($($t:ty),*) => {$(
        impl From<String> for $t {
            fn from(s: String) -> Self {
                Self::String(s)
            }
        }
        impl From<&str> for $t {
            fn from(s: &str) -> Self {
                Self::String(s.to_string())
            }
        }
    )*};
}
from_text!(AiInstructions, GroundTruth, ResponseContent);

impl From<&FileUpload> for FileReference {
    /// References an uploaded file by id (the documented way), keeping its storage path too.
    fn from(f: &FileUpload) -> Self {
        Self {
            file_uuid: f.file_uuid.clone(),
            remote_file_path: f.remote_file_path.clone(),
        }
    }
}

impl From<FileUpload> for FileReference {
    fn from(f: FileUpload) -> Self {
        Self {
            file_uuid: f.file_uuid,
            remote_file_path: f.remote_file_path,
        }
    }
}

impl From<&FileDetail> for FileReference {
    fn from(f: &FileDetail) -> Self {
        Self {
            file_uuid: Some(f.file_uuid.clone()),
            remote_file_path: Some(f.remote_file_path.clone()),
        }
    }
}

impl From<FileUpload> for ResponseContent {
    fn from(f: FileUpload) -> Self {
        Self::FileReference(f.into())
    }
}

impl From<&FileUpload> for ResponseContent {
    fn from(f: &FileUpload) -> Self {
        Self::FileReference(f.into())
    }
}

impl From<FileUpload> for GroundTruth {
    fn from(f: FileUpload) -> Self {
        Self::FileReference(f.into())
    }
}

impl ResponseContent {
    /// The text, when the content is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            Self::FileReference(_) => None,
        }
    }

    /// The file reference, when the content is a file.
    pub fn as_file(&self) -> Option<&FileReference> {
        match self {
            Self::FileReference(f) => Some(f),
            Self::String(_) => None,
        }
    }
}
