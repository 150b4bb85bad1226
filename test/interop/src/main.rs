//! Interop peer for msgtrans-for-Bun tests, written on the public API of the
//! Rust crate `msgtrans` (pinned in Cargo.toml). Output: one JSON object per
//! line on stdout. Input: one JSON command per line on stdin.
//!
//!   interop server [--tcp PORT] [--ws PORT] [--quic PORT]   (PORT 0 = pick one)
//!   interop client --url tcp://H:P|ws://H:P|quic://H:P [--retries N]
//!   interop features

mod client;
mod probe;
mod server;
mod wire;

use serde_json::json;

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn port(args: &[String], name: &str) -> Result<Option<u16>, String> {
    flag(args, name)
        .map(|p| p.parse::<u16>().map_err(|e| format!("{name} {p}: {e}")))
        .transpose()
}

async fn run(args: Vec<String>) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("server") => {
            let a = server::ServerArgs {
                tcp: port(&args, "--tcp")?,
                ws: port(&args, "--ws")?,
                quic: port(&args, "--quic")?,
            };
            if a.tcp.is_none() && a.ws.is_none() && a.quic.is_none() {
                return Err("server needs at least one of --tcp, --ws, --quic".into());
            }
            server::run(a).await
        }
        Some("client") => {
            let url = flag(&args, "--url").ok_or("client needs --url")?;
            let retries = flag(&args, "--retries").and_then(|r| r.parse().ok()).unwrap_or(10);
            client::run(&url, retries).await
        }
        Some("features") => {
            wire::emit(json!({"ev": "features", "compress": cfg!(feature = "compress"),
                "msgtrans": "1.0.10"}));
            Ok(())
        }
        _ => Err("usage: interop server|client|features ...".into()),
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = run(args).await {
        wire::emit(json!({"ev": "fatal", "error": e}));
        std::process::exit(1);
    }
    std::process::exit(0);
}
