//! End to end: the files resource through `aymara` against the local emulator (async and
//! blocking), including concurrency and bad input.

use std::collections::BTreeSet;
use std::time::Duration;

use aymara::Error;
use aymara::types::{FileProcessingStatus, FileType};
use aymara::upload::UploadSource;
use aymara_emulator::Emulator;
use futures_util::TryStreamExt;

async fn setup() -> (Emulator, aymara::Client) {
    let emulator = Emulator::builder()
        .video_processing_delay(Duration::from_millis(150))
        .start()
        .await
        .unwrap();
    let client = aymara::Client::builder()
        .base_url(emulator.url())
        .api_key(emulator.api_key())
        .without_env()
        .build()
        .unwrap();
    (emulator, client)
}

/// A few bytes the emulator accepts as an MP4 (an ISO-BMFF `ftyp` box), padded to 200 KiB.
fn tiny_mp4() -> Vec<u8> {
    let mut v = vec![0, 0, 0, 0x18];
    v.extend_from_slice(b"ftypisom\0\0\x02\0isomiso2");
    v.resize(200 * 1024, 7);
    v
}

#[tokio::test]
async fn every_files_method_round_trips() {
    let (emulator, client) = setup().await;
    let files = client.files();
    client.health().check().await.unwrap();

    // Multipart upload from a path: exact bytes come back from file_url.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "hello emulator\n".repeat(100)).unwrap();
    let up = files
        .upload(path.as_path())
        .workspace_uuid("ws-1")
        .send()
        .await
        .unwrap();
    let id = up.file_uuid.clone().unwrap();
    let detail = files.get(&id).await.unwrap();
    assert_eq!(detail.file_type, FileType::Text);
    assert_eq!(detail.content_type, "text/plain");
    assert_eq!(detail.file_size_bytes, Some(1500));
    assert_eq!(detail.workspace_uuid.as_deref(), Some("ws-1"));
    let url = detail.file_url.clone().unwrap();
    let body = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert_eq!(&body[..], "hello emulator\n".repeat(100).as_bytes());

    // Presigned flow, then the video lifecycle and its frames.
    let video = files
        .upload_via_url(UploadSource::bytes("clip.mp4", tiny_mp4()))
        .send()
        .await
        .unwrap();
    let vid = video.file_uuid.clone().unwrap();
    let mut seen = Vec::new();
    let status = files
        .wait_for_processing(&vid)
        .interval(Duration::from_millis(20))
        .send()
        .await
        .unwrap();
    seen.push(status.processing_status.clone());
    assert_eq!(status.processing_status, FileProcessingStatus::Completed);
    let frames = files.get_frames(&vid).await.unwrap();
    assert_eq!(frames.frame_count, 3); // 200 KiB / 64 KiB
    assert_eq!(frames.frame_urls.len(), 3);

    // Batch create with a remote URI: the emulator has no network, so it fails with a message.
    let created = files
        .create()
        .remote_uri("https://example.com/v.mp4", Some("video/mp4".into()))
        .send()
        .await
        .unwrap();
    let remote = created.files[0].file_uuid.clone().unwrap();
    let err = files
        .wait_for_processing(&remote)
        .interval(Duration::from_millis(20))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::WaitFailed { ref message, .. } if message.as_deref().unwrap_or("").contains("no network")),
        "{err:?}"
    );

    // List with filters across pages.
    let videos: Vec<_> = files
        .list()
        .file_type(FileType::Video)
        .limit(1)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(videos.len(), 2);
    let texts = files
        .list()
        .file_type(FileType::Text)
        .workspace_uuid("ws-1")
        .collect_all()
        .await
        .unwrap();
    assert_eq!(texts.len(), 1);

    // Delete hides the file.
    files.delete(&id).await.unwrap();
    let err = files.get(&id).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(err.request_id().is_some_and(|r| r.starts_with("req_")));
    drop(emulator);
}

#[tokio::test]
async fn fifty_concurrent_uploads_lose_nothing() {
    let (_emulator, client) = setup().await;
    let sources =
        (0..50).map(|i| UploadSource::bytes(format!("f{i:02}.txt"), format!("file number {i}")));
    let results = client
        .files()
        .upload_many(sources)
        .concurrency(50)
        .send()
        .await;
    let ids: BTreeSet<String> = results
        .into_iter()
        .map(|r| r.unwrap().file_uuid.unwrap())
        .collect();
    assert_eq!(ids.len(), 50);
    let listed: BTreeSet<String> = client
        .files()
        .list()
        .limit(7)
        .prefetch(4)
        .items()
        .map_ok(|f| f.file_uuid)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed, ids);
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx() {
    let (emulator, client) = setup().await;
    // Caught before any request.
    let err = client
        .files()
        .list()
        .limit(0)
        .send_page()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    // Caught by the server, with the documented body.
    let err = client
        .files()
        .list()
        .limit(1_000_000)
        .send_page()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnprocessableEntity(_)), "{err:?}");
    assert!(err.to_string().contains("limit"), "{err}");
    let err = client
        .files()
        .list()
        .query("offset", "-1")
        .send_page()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnprocessableEntity(_)), "{err:?}");
    assert!(err.to_string().contains("offset"), "{err}");
    let err = client.files().get("no-such-file").await.unwrap_err();
    assert!(err.is_not_found());
    let err = client
        .files()
        .create()
        .file(Default::default())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    // A wrong key.
    let bad = aymara::Client::builder()
        .base_url(emulator.url())
        .api_key("wrong")
        .without_env()
        .build()
        .unwrap();
    let err = bad.files().list().send_page().await.unwrap_err();
    assert!(matches!(err, Error::Authentication(_)), "{err:?}");
    assert!(err.to_string().contains("AYMARA_AI_API_KEY"), "{err}");
}

#[tokio::test]
async fn injected_503s_are_retried_transparently() {
    let emulator = Emulator::builder().fail_every(2).start().await.unwrap();
    let client = aymara::Client::builder()
        .base_url(emulator.url())
        .api_key(emulator.api_key())
        .without_env()
        .build()
        .unwrap();
    for i in 0..6 {
        let up = client
            .files()
            .upload(UploadSource::bytes(format!("r{i}.txt"), "x"))
            .send()
            .await;
        // Uploads are POSTs, but a 503 means "not processed", and an in-memory or path source
        // can be sent again, so the SDK retries them.
        let up = match up {
            Ok(u) => u,
            Err(e) => panic!("upload {i}: {e}"),
        };
        let got = client
            .files()
            .get(up.file_uuid.unwrap())
            .send_raw()
            .await
            .unwrap();
        assert_eq!(got.status(), 200);
    }
}

#[cfg(feature = "blocking")]
#[test]
fn blocking_client_against_the_emulator() {
    let emulator = Emulator::builder().start_blocking().unwrap();
    let client = aymara::Client::builder()
        .base_url(emulator.url())
        .api_key(emulator.api_key())
        .without_env()
        .build_blocking()
        .unwrap();
    let files = client.files();
    client.health().check().send().unwrap();
    let up = files
        .upload(UploadSource::bytes("b.txt", "blocking"))
        .send()
        .unwrap();
    let id = up.file_uuid.unwrap();
    assert_eq!(
        files.get_status(&id).send().unwrap().processing_status,
        FileProcessingStatus::Completed
    );
    let all: Vec<_> = files
        .list()
        .limit(1)
        .items()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(all.len(), 1);
    files.delete(&id).send().unwrap();
    assert!(files.get(&id).send().unwrap_err().is_not_found());
}
