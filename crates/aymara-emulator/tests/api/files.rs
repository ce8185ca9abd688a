//! Files: multipart and presigned uploads, processing, frames, pagination, delete.

use std::time::Duration;

use aymara_raw::types;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::common::{Api, decode, expect_error, fake_mp4, fast, send};

async fn upload(api: &Api, part: Part) -> Value {
    let (status, body) = send(
        api.post("/v2/files/-/uploads")
            .multipart(Form::new().part("file", part)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The response decodes as the client's type.
    let _: types::FileUpload = serde_json::from_value(body.clone()).expect("FileUpload");
    body
}

#[tokio::test]
async fn multipart_upload_round_trips_exact_bytes() {
    let api = Api::start().await;
    let bytes = "héllo, emulator\nline two\n".as_bytes().to_vec();
    let up = upload(&api, Part::bytes(bytes.clone()).file_name("hello.txt")).await;
    assert_eq!(up["processing_status"], "completed");
    assert_eq!(up["content_type"], "text/plain");
    let id = up["file_uuid"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "bare uuid: {id}");
    assert!(
        up["remote_file_path"]
            .as_str()
            .unwrap()
            .ends_with("_raw.txt")
    );

    let (status, detail) = api.get_json(&format!("/v2/files/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let detail: types::FileDetail = serde_json::from_value(detail).expect("FileDetail");
    assert_eq!(detail.file_size_bytes, Some(bytes.len() as i64));
    assert_eq!(detail.file_type.as_str(), "text");
    assert_eq!(detail.content_type, "text/plain");
    assert_eq!(detail.original_file_url.as_deref(), Some("hello.txt"));

    let (status, st) = api.get_json(&format!("/v2/files/{id}/status")).await;
    assert_eq!(status, StatusCode::OK);
    let st: types::FileStatus = serde_json::from_value(st).expect("FileStatus");
    assert_eq!(st.processing_status.as_str(), "completed");
    assert!(st.remote_file_path.is_some());

    // file_url serves the bytes back, without an API key.
    let url = detail.file_url.expect("file_url");
    assert_eq!(url, up["file_url"].as_str().unwrap());
    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/plain");
    assert_eq!(resp.bytes().await.unwrap().to_vec(), bytes);
}

#[tokio::test]
async fn multipart_part_content_type_wins_and_workspace_is_recorded() {
    let api = Api::start().await;
    let png = b"\x89PNG\r\n\x1a\n rest of a png".to_vec();
    let (status, up) = send(
        api.post("/v2/files/-/uploads?workspace_uuid=ws-1")
            .multipart(
                Form::new().part(
                    "file",
                    Part::bytes(png)
                        .file_name("picture.bin")
                        .mime_str("image/png")
                        .unwrap(),
                ),
            ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{up}");
    assert_eq!(up["content_type"], "image/png");
    assert_eq!(up["processing_status"], "completed");
    let id = up["file_uuid"].as_str().unwrap();
    let (_, detail) = api.get_json(&format!("/v2/files/{id}")).await;
    assert_eq!(detail["file_type"], "image");
    assert_eq!(detail["workspace_uuid"], "ws-1");

    // An "image" that is not one fails at once with a reason.
    let bad = upload(
        &api,
        Part::bytes(b"not really a jpeg".to_vec()).file_name("photo.jpg"),
    )
    .await;
    assert_eq!(bad["processing_status"], "failed");
    let id = bad["file_uuid"].as_str().unwrap();
    let (_, st) = api.get_json(&format!("/v2/files/{id}/status")).await;
    assert!(
        st["error_message"]
            .as_str()
            .unwrap()
            .contains("not a PNG, JPEG")
    );

    // Text that is not UTF-8 fails too.
    let bad = upload(
        &api,
        Part::bytes(vec![0x61, 0xff, 0xfe]).file_name("notes.txt"),
    )
    .await;
    assert_eq!(bad["processing_status"], "failed");

    // A body without a `file` part is a 422 naming it; a non-multipart body a 415.
    let resp = api
        .post("/v2/files/-/uploads")
        .multipart(Form::new().text("other", "x"))
        .send()
        .await
        .unwrap();
    let err = expect_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation.invalid_request",
    )
    .await;
    assert_eq!(err["details"]["field"], "file");
    let resp = api
        .post("/v2/files/-/uploads")
        .body("plain")
        .send()
        .await
        .unwrap();
    expect_error(
        resp,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "validation.invalid_format",
    )
    .await;
}

#[tokio::test]
async fn presigned_flow_create_put_status_content() {
    let api = Api::start().await;
    let (status, created) = api
        .post_json(
            "/v2/files",
            &json!({"workspace_uuid": "ws-9", "files": [{"local_file_path": "data/notes.csv"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let created: types::FileCreateResponse = serde_json::from_value(created).unwrap();
    assert_eq!(created.workspace_uuid.as_deref(), Some("ws-9"));
    let file = &created.files[0];
    let id = file.file_uuid.clone().unwrap();
    let put_url = file.file_url.clone().unwrap();
    assert!(put_url.starts_with(&format!(
        "{}/_emulator/upload/{id}?signature=",
        api.emu.url()
    )));
    assert_eq!(file.content_type.as_deref(), Some("text/csv"));
    assert_eq!(file.local_file_path.as_deref(), Some("data/notes.csv"));
    assert_eq!(file.processing_status.as_ref().unwrap().as_str(), "pending");

    let (_, st) = api.get_json(&format!("/v2/files/{id}/status")).await;
    assert_eq!(st["processing_status"], "pending");

    // Wrong signature: 403 with the error body.
    let wrong = format!("{}/_emulator/upload/{id}?signature=nope", api.emu.url());
    let resp = api.http.put(wrong).body("x").send().await.unwrap();
    expect_error(resp, StatusCode::FORBIDDEN, "auth.insufficient_permissions").await;

    // The real PUT: raw bytes, no API key.
    let bytes = b"a,b\n1,2\n".to_vec();
    let resp = api
        .http
        .put(&put_url)
        .header("content-type", "text/csv")
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    let (_, st) = api.get_json(&format!("/v2/files/{id}/status")).await;
    assert_eq!(st["processing_status"], "completed");
    let (_, detail) = api.get_json(&format!("/v2/files/{id}")).await;
    assert_eq!(detail["file_size_bytes"], bytes.len());
    assert_eq!(detail["content_type"], "text/csv");
    assert_eq!(detail["workspace_uuid"], "ws-9");
    let content = reqwest::get(detail["file_url"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(content.headers()["content-type"], "text/csv");
    assert_eq!(content.bytes().await.unwrap().to_vec(), bytes);
}

#[tokio::test]
async fn remote_uri_is_pending_then_fails_without_network() {
    let api = Api::with(fast().video_processing_delay(Duration::from_millis(80))).await;
    let (status, created) = api
        .post_json(
            "/v2/files",
            &json!({"files": [{"remote_uri": "https://example.com/v/clip.mp4"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let file = &created["files"][0];
    assert_eq!(file["processing_status"], "pending");
    assert_eq!(file["remote_uri"], "https://example.com/v/clip.mp4");
    assert_eq!(file["content_type"], "video/mp4");
    let id = file["file_uuid"].as_str().unwrap();
    let st = api
        .poll(&format!("/v2/files/{id}/status"), |s| {
            s["processing_status"] != "pending"
        })
        .await;
    assert_eq!(st["processing_status"], "failed");
    assert_eq!(
        st["error_message"],
        "the emulator has no network access; remote_uri cannot be fetched"
    );

    // An entry with neither field is a 422 naming it.
    let resp = api
        .post("/v2/files")
        .json(&json!({"files": [{}]}))
        .send()
        .await
        .unwrap();
    let err = expect_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation.invalid_request",
    )
    .await;
    assert_eq!(err["details"]["field"], "files[0]");
}

#[tokio::test]
async fn video_goes_pending_processing_completed_with_frames() {
    // 600 ms: pending for 200 ms, then processing for 400 ms (wide enough to observe).
    let api = Api::with(fast().video_processing_delay(Duration::from_millis(600))).await;
    let video = fake_mp4(200 * 1024);
    let up = upload(&api, Part::bytes(video.clone()).file_name("clip.mp4")).await;
    assert_eq!(up["content_type"], "video/mp4");
    assert_eq!(up["processing_status"], "pending");
    let id = up["file_uuid"].as_str().unwrap().to_owned();

    // Frames before completion: 409 with a clear message.
    let resp = api
        .get(&format!("/v2/files/{id}/frames"))
        .send()
        .await
        .unwrap();
    let err = expect_error(resp, StatusCode::CONFLICT, "resource.conflict").await;
    assert!(err["message"].as_str().unwrap().contains("still"), "{err}");

    // Observed statuses, deduplicated: pending → processing → completed.
    let mut seen: Vec<String> = Vec::new();
    let start = std::time::Instant::now();
    loop {
        let (_, st) = api.get_json(&format!("/v2/files/{id}/status")).await;
        let status = st["processing_status"].as_str().unwrap().to_owned();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if status == "completed" || start.elapsed() > Duration::from_secs(5) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    assert_eq!(seen, ["pending", "processing", "completed"]);

    let (status, frames) = api.get_json(&format!("/v2/files/{id}/frames")).await;
    assert_eq!(status, StatusCode::OK);
    let frames: types::FileFrames = serde_json::from_value(frames).unwrap();
    assert_eq!(frames.frame_count, 3); // 200 KiB / 64 KiB
    assert_eq!(frames.frame_urls.len(), 3);
    let png = reqwest::get(&frames.frame_urls[0]).await.unwrap();
    assert_eq!(png.headers()["content-type"], "image/png");
    assert!(png.bytes().await.unwrap().starts_with(b"\x89PNG\r\n\x1a\n"));
    let missing = reqwest::get(format!(
        "{}/_emulator/files/{id}/frames/4.png",
        api.emu.url()
    ))
    .await
    .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    let (_, detail) = api.get_json(&format!("/v2/files/{id}")).await;
    assert_eq!(detail["file_type"], "video");
    assert_eq!(
        detail["video_metadata"],
        json!({"frame_count": 3, "fps": 1, "duration_seconds": 3.0})
    );
    let content = reqwest::get(detail["file_url"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(content.bytes().await.unwrap().to_vec(), video);

    // Frames of a non-video file: 409.
    let text = upload(&api, Part::bytes(b"hi".to_vec()).file_name("a.txt")).await;
    let resp = api
        .get(&format!(
            "/v2/files/{}/frames",
            text["file_uuid"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    let err = expect_error(resp, StatusCode::CONFLICT, "resource.conflict").await;
    assert!(err["message"].as_str().unwrap().contains("only for video"));
}

#[tokio::test]
async fn mislabeled_video_fails_with_error_message() {
    let api = Api::with(fast().video_processing_delay(Duration::from_millis(60))).await;
    let up = upload(
        &api,
        Part::bytes(b"this is plain text pretending to be a video".to_vec())
            .file_name("fake.mp4")
            .mime_str("video/mp4")
            .unwrap(),
    )
    .await;
    let id = up["file_uuid"].as_str().unwrap();
    let st = api
        .poll(&format!("/v2/files/{id}/status"), |s| {
            s["processing_status"] == "failed" || s["processing_status"] == "completed"
        })
        .await;
    assert_eq!(st["processing_status"], "failed");
    assert!(
        st["error_message"].as_str().unwrap().contains("ftyp"),
        "{st}"
    );
    let resp = api
        .get(&format!("/v2/files/{id}/frames"))
        .send()
        .await
        .unwrap();
    expect_error(resp, StatusCode::CONFLICT, "resource.conflict").await;
}

#[tokio::test]
async fn pagination_over_250_files_and_file_type_filter() {
    let api = Api::start().await;
    let mut entries: Vec<Value> = (0..200)
        .map(|i| json!({"local_file_path": format!("doc-{i}.txt")}))
        .collect();
    entries.extend((0..50).map(|i| json!({"local_file_path": format!("img-{i}.png")})));
    let (status, created) = api.post_json("/v2/files", &json!({"files": entries})).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<String> = created["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file_uuid"].as_str().unwrap().to_owned())
        .collect();

    let mut seen = Vec::new();
    for (offset, expected) in [(0, 100), (100, 100), (200, 50)] {
        let (status, page) = api
            .get_json(&format!("/v2/files?limit=100&offset={offset}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let page: types::PagedFileDetail = serde_json::from_value(page).unwrap();
        assert_eq!(page.count, Some(250));
        assert_eq!(page.items.len(), expected);
        seen.extend(page.items.into_iter().map(|f| f.file_uuid));
    }
    assert_eq!(seen, ids, "creation order, no duplicates, nothing missing");
    let (_, past_end) = api.get_json("/v2/files?offset=300").await;
    assert_eq!(past_end["items"], json!([]));
    assert_eq!(past_end["count"], 250);

    let (_, images) = api.get_json("/v2/files?file_type=image&limit=1000").await;
    assert_eq!(images["count"], 50);
    assert!(
        images["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["file_type"] == "image")
    );
    let (_, default_page) = api.get_json("/v2/files").await;
    assert_eq!(default_page["items"].as_array().unwrap().len(), 100);
}

#[tokio::test]
async fn delete_makes_the_file_disappear() {
    let api = Api::start().await;
    let up = upload(&api, Part::bytes(b"bye".to_vec()).file_name("bye.txt")).await;
    let id = up["file_uuid"].as_str().unwrap().to_owned();
    let content_url = up["file_url"].as_str().unwrap().to_owned();

    let resp = api
        .req(reqwest::Method::DELETE, &format!("/v2/files/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(resp.bytes().await.unwrap().is_empty());

    for path in [
        format!("/v2/files/{id}"),
        format!("/v2/files/{id}/status"),
        format!("/v2/files/{id}/frames"),
    ] {
        let resp = api.get(&path).send().await.unwrap();
        let err = expect_error(resp, StatusCode::NOT_FOUND, "resource.not_found").await;
        assert!(err["message"].as_str().unwrap().contains(&id));
    }
    let resp = reqwest::get(&content_url).await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let (_, list) = api.get_json("/v2/files").await;
    assert_eq!(list["count"], 0);
    let resp = api
        .req(reqwest::Method::DELETE, &format!("/v2/files/{id}"))
        .send()
        .await
        .unwrap();
    expect_error(resp, StatusCode::NOT_FOUND, "resource.not_found").await;
}

#[tokio::test]
async fn fifty_concurrent_uploads_are_all_listed() {
    let api = Api::start().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        let request = api.post("/v2/files/-/uploads").multipart(Form::new().part(
            "file",
            Part::bytes(format!("file number {i}").into_bytes()).file_name(format!("f{i}.txt")),
        ));
        tasks.spawn(async move {
            let response = request.send().await.expect("upload");
            decode(response).await
        });
    }
    let mut ids = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (status, body) = done.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        ids.push(body["file_uuid"].as_str().unwrap().to_owned());
    }
    let (_, list) = api.get_json("/v2/files?limit=1000").await;
    assert_eq!(list["count"], 50);
    let mut listed: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file_uuid"].as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    ids.sort();
    assert_eq!(listed, ids);
    // Each file kept its own bytes.
    for item in list["items"].as_array().unwrap() {
        let name = item["original_file_url"].as_str().unwrap();
        let n = name.trim_start_matches('f').trim_end_matches(".txt");
        let body = reqwest::get(item["file_url"].as_str().unwrap())
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(body, format!("file number {n}"));
    }
}

#[tokio::test]
async fn large_streamed_upload_keeps_size() {
    // 8 MiB in many chunks: streamed through multipart to disk and back.
    let api = Api::start().await;
    let chunk = vec![7u8; 64 * 1024];
    let chunks = 128usize;
    let stream = futures_util::stream::iter(
        (0..chunks).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
    );
    let body = reqwest::Body::wrap_stream(stream);
    let part = Part::stream_with_length(body, (chunks * 64 * 1024) as u64).file_name("big.bin");
    let up = upload(&api, part).await;
    assert_eq!(up["content_type"], "application/octet-stream");
    let id = up["file_uuid"].as_str().unwrap();
    let (_, detail) = api.get_json(&format!("/v2/files/{id}")).await;
    assert_eq!(detail["file_size_bytes"], chunks * 64 * 1024);
    assert_eq!(detail["file_type"], "document");
    let stored = std::fs::metadata(api.emu.data_dir().join("files").join(id)).unwrap();
    assert_eq!(stored.len(), (chunks * 64 * 1024) as u64);
}
