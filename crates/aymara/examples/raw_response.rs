//! Read the status, headers and request id of a response before (or instead of) parsing it.
//!
//! `cargo run -p aymara --example raw_response`

#[path = "common/mod.rs"]
mod common;

use aymara::upload::UploadSource;
use futures_util::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let conn = common::connect().await?;
    let files = conn.client.files();
    let up = files
        .upload(UploadSource::bytes("raw.txt", "raw response demo"))
        .send()
        .await?;
    // Like the official client's `with_raw_response`: headers first, parse on demand.
    let raw = files.get(&up).send_raw().await?;
    println!(
        "status {} request id {:?} after {} attempt(s)",
        raw.status(),
        raw.request_id(),
        raw.attempts()
    );
    let detail = raw.parse().await?;
    println!("parsed: {} ({})", detail.file_uuid, detail.content_type);

    // Like `with_streaming_response`: the body is read as it arrives.
    let raw = files.get_status(&up).send_raw().await?;
    let chunks: Vec<_> = raw.bytes_stream().try_collect().await?;
    let body: Vec<u8> = chunks.concat();
    println!(
        "streamed {} bytes: {}",
        body.len(),
        String::from_utf8_lossy(&body)
    );

    // Errors keep their status and request id.
    match files.get("no-such-file").await {
        Err(e) => println!(
            "as expected: {e} (status {:?}, request id {:?})",
            e.status(),
            e.request_id()
        ),
        Ok(_) => println!("unexpectedly found a file"),
    }
    Ok(())
}
