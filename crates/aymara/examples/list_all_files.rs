//! List every file across every page, as a stream and page by page.
//!
//! `cargo run -p aymara --example list_all_files`

#[path = "common/mod.rs"]
mod common;

use aymara::upload::UploadSource;
use futures_util::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let conn = common::connect().await?;
    let files = conn.client.files();

    if conn.emulator.is_some() {
        // Give the empty emulator something to list.
        let sources =
            (0..12).map(|i| UploadSource::bytes(format!("note-{i}.txt"), format!("note {i}")));
        for result in files.upload_many(sources).concurrency(4).send().await {
            result?;
        }
    }

    // Every item of every page; pages of 5 to show the walk.
    let all: Vec<_> = files.list().limit(5).items().try_collect().await?;
    println!("{} files in total", all.len());

    // Or page by page.
    let mut page = files.list().limit(5).send_page().await?;
    loop {
        println!(
            "page at offset {}: {} item(s) of {:?}",
            page.offset,
            page.items.len(),
            page.count
        );
        match page.next_page().await? {
            Some(next) => page = next,
            None => break,
        }
    }
    Ok(())
}
