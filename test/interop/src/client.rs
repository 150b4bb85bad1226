//! `interop client --url tcp://…|ws://…|quic://…`: a msgtrans 1.0.x client on
//! the crate's public API (`TransportClientBuilder`, `send`, `request`,
//! `*_with_options`, `subscribe_events`), driven by JSON command lines on stdin.
//!
//! Every received message is printed as one `recv` line. The crate's client
//! API exposes only id, biz, ext and the payload bytes as they arrived (it does
//! not decompress one-way payloads and shows neither flags nor compression), so
//! that is what we print. Requests from the server are answered with the payload
//! reversed (biz 0 is what the crate always puts on a response), except biz 250.

use crate::wire::*;
use msgtrans::event::ClientEvent;
use msgtrans::protocol::{QuicClientConfig, TcpClientConfig, WebSocketClientConfig};
use msgtrans::transport::{RetryConfig, TransportClient, TransportClientBuilder, TransportOptions};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncBufReadExt;
use tokio::sync::RwLock;

type Shared = Arc<RwLock<TransportClient>>;

/// Build and connect a client; `retries` extra attempts with short backoff
/// (covers a listener that is not bound yet).
pub async fn connect_client(
    url: &str,
    connect_timeout: Duration,
    retries: usize,
) -> Result<TransportClient, String> {
    let retry = RetryConfig {
        max_retries: retries,
        initial_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(250),
        backoff_multiplier: 1.5,
    };
    let builder = TransportClientBuilder::new().retry_strategy(retry);
    let builder = if let Some(addr) = url.strip_prefix("tcp://") {
        let cfg = TcpClientConfig::new(addr).map_err(|e| e.to_string())?;
        builder.with_protocol(cfg.with_connect_timeout(connect_timeout))
    } else if url.starts_with("ws://") {
        let cfg = WebSocketClientConfig::new(url).map_err(|e| e.to_string())?;
        builder.with_protocol(cfg.with_connect_timeout(connect_timeout))
    } else if let Some(addr) = url.strip_prefix("quic://") {
        let cfg = QuicClientConfig::new(addr).map_err(|e| e.to_string())?;
        let cfg = cfg.danger_skip_verification().with_connect_timeout(connect_timeout);
        builder.with_protocol(cfg)
    } else {
        return Err(format!("unsupported url {url}"));
    };
    let mut client = builder.build().await.map_err(|e| e.to_string())?;
    client.connect().await.map_err(|e| e.to_string())?;
    Ok(client)
}

pub async fn run(url: &str, retries: usize) -> Result<(), String> {
    let client = connect_client(url, Duration::from_secs(5), retries).await?;
    let events = client.subscribe_events();
    let client: Shared = Arc::new(RwLock::new(client));
    tokio::spawn(print_events(events));
    emit(json!({"ev": "ready", "url": url, "pid": std::process::id()}));

    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if line.trim().is_empty() {
            continue;
        }
        let cmd: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                emit(json!({"ev": "error", "error": format!("bad command: {e}")}));
                continue;
            }
        };
        if cmd.get("op").and_then(Value::as_str) == Some("exit") {
            break;
        }
        let client = client.clone();
        let is_async = cmd.get("async").and_then(Value::as_bool) == Some(true);
        let task = async move {
            let mut done = tagged("done", &cmd);
            if let Err(e) = run_command(&client, &cmd, &mut done).await {
                done.insert("error".into(), json!(e));
            }
            emit(done.into());
        };
        // Commands run in order unless marked async (e.g. a request that must
        // stay pending while later commands go out).
        if is_async {
            tokio::spawn(task);
        } else {
            task.await;
        }
    }
    let _ = client.read().await.disconnect().await;
    Ok(())
}

async fn print_events(mut events: tokio::sync::broadcast::Receiver<ClientEvent>) {
    loop {
        let event = match events.recv().await {
            Ok(e) => e,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                emit(json!({"ev": "lagged", "skipped": n}));
                continue;
            }
            Err(_) => return,
        };
        match event {
            ClientEvent::MessageReceived(ctx) => {
                let mut line = obj("recv");
                line.insert("request".into(), json!(ctx.is_request()));
                line.insert("id".into(), json!(ctx.message_id));
                line.insert("biz".into(), json!(ctx.biz_type));
                let ext = ctx.ext_header.clone().unwrap_or_default();
                line.insert("ext_hex".into(), json!(hex(&ext)));
                describe(&mut line, "", &ctx.data);
                inflate_guess(&mut line, &ctx.data);
                emit(line.into());
                if ctx.is_request() && ctx.biz_type != BIZ_DROP {
                    let reply = answer_to(&ctx.data);
                    ctx.respond(reply);
                }
            }
            ClientEvent::Connected { .. } => emit(json!({"ev": "connected"})),
            ClientEvent::Disconnected { reason } => {
                emit(json!({"ev": "disconnected", "reason": format!("{reason:?}")}))
            }
            ClientEvent::Error { error } => emit(json!({"ev": "error", "error": error.to_string()})),
            ClientEvent::MessageSent { .. } => {}
        }
    }
}

/// The crate hands one-way payloads to the client still compressed; when the
/// bytes look like a zlib or zstd stream, also show them decompressed by the
/// crate's codec (compress build only).
fn inflate_guess(line: &mut Map<String, Value>, data: &[u8]) {
    use msgtrans::packet::{CompressionType, Packet};
    let codec = match data {
        [0x28, 0xb5, 0x2f, 0xfd, ..] => CompressionType::Zstd,
        [0x78, second, ..] if (0x78u16 * 256 + *second as u16) % 31 == 0 => CompressionType::Zlib,
        _ => return,
    };
    let mut packet = Packet::one_way(0, data.to_vec());
    packet.header.compression = codec;
    if packet.decompress_payload().is_ok() {
        line.insert("dcodec".into(), json!(compression_code(codec)));
        describe(line, "d", &packet.payload);
    }
}

fn options_of(cmd: &Value) -> Result<Option<TransportOptions>, String> {
    let (id, biz, ext, codec) = (u32_of(cmd, "id"), biz_of(cmd), ext_of(cmd)?, compression_of(cmd)?);
    let timeout = cmd.get("timeout_ms").and_then(Value::as_u64).map(Duration::from_millis);
    if id.is_none() && biz.is_none() && ext.is_none() && codec.is_none() && timeout.is_none() {
        return Ok(None);
    }
    let mut o = TransportOptions::new();
    o.message_id = id;
    o.biz_type = biz;
    o.ext_header = ext.map(bytes::Bytes::from);
    o.compression = codec;
    o.timeout = timeout;
    Ok(Some(o))
}

/// Commands:
/// - `{"op":"send", id, biz, ext|ext_hex, text|hex|len, compression}`: without
///   options it uses `send()`, otherwise `send_with_options()`
/// - `{"op":"request", ...same, timeout_ms}`: `request()` / `request_with_options()`
/// - `{"op":"burst", count, biz, ext}`: `count` one-ways, payload = u32 BE index
/// - `{"op":"requests", count, biz}`: `count` concurrent requests, answers checked
///   against the reversed payload
/// - `{"op":"disconnect"}`, `{"op":"connect"}` (same client, same id counter)
async fn run_command(client: &Shared, cmd: &Value, done: &mut Map<String, Value>) -> Result<(), String> {
    let op = cmd.get("op").and_then(Value::as_str).unwrap_or("");
    match op {
        "send" => {
            let payload = payload_of(cmd)?;
            let c = client.read().await;
            match options_of(cmd)? {
                None => {
                    let r = c.send(&payload).await.map_err(|e| e.to_string())?;
                    done.insert("id".into(), json!(r.message_id));
                }
                Some(o) => c
                    .send_with_options(payload.into(), o)
                    .await
                    .map_err(|e| e.to_string())?,
            }
            Ok(())
        }
        "request" => {
            let payload = payload_of(cmd)?;
            let c = client.read().await;
            let reply = match options_of(cmd)? {
                None => {
                    let r = c.request(&payload).await.map_err(|e| e.to_string())?;
                    done.insert("id".into(), json!(r.message_id));
                    done.insert("status".into(), json!(format!("{:?}", r.status)));
                    r.data.ok_or_else(|| format!("no response ({:?})", r.status))?
                }
                Some(o) => c
                    .request_with_options(payload.into(), o)
                    .await
                    .map_err(|e| e.to_string())?
                    .to_vec(),
            };
            let mut response = Map::new();
            describe(&mut response, "", &reply);
            done.insert("response".into(), response.into());
            Ok(())
        }
        "burst" => {
            let count = u32_of(cmd, "count").unwrap_or(1000);
            let c = client.read().await;
            for i in 0..count {
                let mut o = TransportOptions::new().with_biz_type(biz_of(cmd).unwrap_or(0));
                o.ext_header = ext_of(cmd)?.map(bytes::Bytes::from);
                let payload = bytes::Bytes::copy_from_slice(&i.to_be_bytes());
                c.send_with_options(payload, o).await.map_err(|e| format!("#{i}: {e}"))?;
            }
            done.insert("sent".into(), json!(count));
            Ok(())
        }
        "requests" => requests(client, cmd, done).await,
        "disconnect" => client.read().await.disconnect().await.map_err(|e| e.to_string()),
        "connect" => client.write().await.connect().await.map_err(|e| e.to_string()),
        _ => Err(format!("unknown op {op:?}")),
    }
}

async fn requests(client: &Shared, cmd: &Value, done: &mut Map<String, Value>) -> Result<(), String> {
    let count = u32_of(cmd, "count").unwrap_or(1000);
    let biz = biz_of(cmd).unwrap_or(0);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..count {
        let c = client.clone().read_owned().await;
        tasks.spawn(async move {
            let o = TransportOptions::new().with_biz_type(biz);
            let payload = bytes::Bytes::copy_from_slice(&i.to_be_bytes());
            let reply = c.request_with_options(payload, o).await.map_err(|e| e.to_string())?;
            Ok::<bool, String>(reply[..] == answer_to(&i.to_be_bytes())[..])
        });
    }
    let (mut ok, mut bad, mut errors) = (0, 0, Vec::new());
    while let Some(r) = tasks.join_next().await {
        match r.map_err(|e| e.to_string()).and_then(|x| x) {
            Ok(true) => ok += 1,
            Ok(false) => bad += 1,
            Err(e) => errors.push(e),
        }
    }
    errors.truncate(5);
    done.insert("ok".into(), json!(ok));
    done.insert("bad".into(), json!(bad));
    done.insert("errors".into(), json!(errors));
    Ok(())
}
