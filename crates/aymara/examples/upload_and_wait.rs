//! Upload a file from disk (streamed, with progress) and wait until it is processed.
//!
//! `cargo run -p aymara --example upload_and_wait [PATH]`

#[path = "common/mod.rs"]
mod common;

use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let conn = common::connect().await?;
    let files = conn.client.files();

    let path = match std::env::args().nth(1) {
        Some(p) => std::path::PathBuf::from(p),
        None => {
            let p = std::env::temp_dir().join("aymara-example.txt");
            std::fs::write(
                &p,
                "The quick brown fox jumps over the lazy dog.\n".repeat(1000),
            )?;
            p
        }
    };

    let uploaded = files
        .upload(path.as_path())
        .on_progress(|p| {
            if let Some(total) = p.total {
                eprint!("\ruploading {:>3}%", p.bytes_sent * 100 / total.max(1));
            }
        })
        .send()
        .await?;
    eprintln!();
    let file_uuid = aymara::FileId::from(&uploaded);
    println!("uploaded {} as {file_uuid}", path.display());

    let status = files
        .wait_for_processing(&file_uuid)
        .interval(Duration::from_millis(200))
        .on_progress(|p| println!("  {} after {} poll(s)", p.status, p.polls))
        .await?;
    println!("processing: {}", status.processing_status);

    let detail = files.get(&file_uuid).await?;
    println!(
        "{} bytes of {}",
        detail.file_size_bytes.unwrap_or(0),
        detail.content_type
    );
    files.delete(&file_uuid).await?;
    Ok(())
}
