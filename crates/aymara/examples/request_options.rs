//! Per-request options: extra headers, query parameters, body fields, timeout and retries.
//!
//! `cargo run -p aymara --example request_options`

#[path = "common/mod.rs"]
mod common;

use std::time::Duration;

use aymara::RequestOptions;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let conn = common::connect().await?;
    let files = conn.client.files();

    // One option at a time...
    let page = files
        .list()
        .limit(10)
        .header("x-trace-id", "example-123")
        .query("debug", "1")
        .timeout(Duration::from_secs(10))
        .max_retries(5)
        .send_page()
        .await?;
    println!("{} file(s) listed with custom options", page.items.len());

    // ...or a reusable set; extra body fields are merged into JSON bodies.
    let options = RequestOptions::new()
        .header("x-trace-id", "example-456")
        .extra_body("note", "from the example");
    let created = files
        .create()
        .local_file("report.pdf")
        .options(options)
        .send()
        .await?;
    println!(
        "upload URL for report.pdf: {}",
        created.files[0].file_url.as_deref().unwrap_or("-")
    );
    Ok(())
}
