//! Shared by the examples: a client for the real API when `AYMARA_AI_API_KEY` is set, otherwise
//! for an embedded emulator (no key, no network needed).
#![allow(dead_code)]

use aymara_emulator::Emulator;

/// Keeps the emulator (if any) alive for as long as the client is used.
pub struct Connection {
    pub client: aymara::Client,
    pub emulator: Option<Emulator>,
}

pub async fn connect() -> Result<Connection, Box<dyn std::error::Error>> {
    if std::env::var("AYMARA_AI_API_KEY").is_ok_and(|k| !k.is_empty()) {
        let client = aymara::Client::from_env()?;
        println!("Using the Aymara API at {}", client.base_url());
        return Ok(Connection {
            client,
            emulator: None,
        });
    }
    let emulator = Emulator::start().await?;
    println!(
        "AYMARA_AI_API_KEY is not set: using the embedded Aymara emulator at {}",
        emulator.url()
    );
    let client = aymara::Client::builder()
        .base_url(emulator.url())
        .api_key(emulator.api_key())
        .without_env()
        .build()?;
    Ok(Connection {
        client,
        emulator: Some(emulator),
    })
}
