//! `interop server`: a msgtrans 1.0.x server built on the crate's public API in
//! actor mode (`TransportServerBuilder::with_handler`), which hands us whole
//! packets, so every received packet is reported with its header fields.
//!
//! Behaviour per received packet (one JSON `recv` line each):
//! - one-way: echoed as one-way with id 0 (like the crate's passive echo), the
//!   same biz, ext, compression and wire payload bytes;
//! - request: answered with biz 0 (as `TransportContext::respond` does), the
//!   same id and the payload reversed (compressed with the request's codec);
//! - biz 250: neither echoed nor answered.
//! Commands arrive as JSON lines on stdin (see `run_command`).

use crate::probe;
use crate::wire::*;
use msgtrans::packet::{Packet, PacketType};
use msgtrans::protocol::{QuicServerConfig, TcpServerConfig, WebSocketServerConfig};
use msgtrans::transport::{SessionHandler, SessionSender, TransportServer, TransportServerBuilder};
use msgtrans::{CloseReason, SessionId};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncBufReadExt;

/// How long the listeners may take to accept a probe before we give up.
const READY_DEADLINE: Duration = Duration::from_secs(15);

#[derive(Default)]
struct Sessions {
    /// Live sessions in connection order.
    live: Vec<u64>,
    /// Sessions that identified themselves as readiness probes.
    probes: HashSet<u64>,
}

struct Handler {
    ready: AtomicBool,
    sessions: Mutex<Sessions>,
    probes_seen: AtomicUsize,
}

impl Handler {
    fn target(&self, cmd: &Value) -> Result<SessionId, String> {
        if let Some(id) = cmd.get("session").and_then(Value::as_u64) {
            return Ok(SessionId::new(id));
        }
        let s = self.sessions.lock().unwrap();
        s.live
            .iter()
            .rev()
            .find(|id| !s.probes.contains(id))
            .map(|id| SessionId::new(*id))
            .ok_or_else(|| "no live session".to_string())
    }

    fn reportable(&self, session: u64) -> bool {
        self.ready.load(Ordering::SeqCst) && !self.sessions.lock().unwrap().probes.contains(&session)
    }
}

#[async_trait::async_trait]
impl SessionHandler for Handler {
    async fn on_message(&self, session_id: SessionId, packet: Packet, sender: SessionSender) {
        let sid = session_id.as_u64();
        if packet.ext_header == PROBE_EXT {
            self.sessions.lock().unwrap().probes.insert(sid);
            self.probes_seen.fetch_add(1, Ordering::SeqCst);
            return;
        }
        if self.reportable(sid) {
            let mut line = obj("recv");
            line.insert("session".into(), json!(sid));
            describe_packet(&mut line, &packet);
            emit(line.into());
        }
        if packet.header.biz_type == BIZ_DROP {
            return;
        }
        let result = match packet.header.packet_type {
            PacketType::OneWay => sender.send(echo_of(&packet)).await.map_err(|e| e.to_string()),
            PacketType::Request => answer(&packet, &sender).await,
            PacketType::Response => Ok(()),
        };
        if let Err(e) = result {
            emit(json!({"ev": "error", "session": sid, "error": e}));
        }
    }

    async fn on_connected(&self, session_id: SessionId) {
        let sid = session_id.as_u64();
        self.sessions.lock().unwrap().live.push(sid);
        if self.ready.load(Ordering::SeqCst) {
            emit(json!({"ev": "connected", "session": sid}));
        }
    }

    async fn on_disconnected(&self, session_id: SessionId, reason: CloseReason) {
        let sid = session_id.as_u64();
        let report = self.reportable(sid);
        self.sessions.lock().unwrap().live.retain(|s| *s != sid);
        if report {
            emit(json!({"ev": "disconnected", "session": sid, "reason": format!("{reason:?}")}));
        }
    }
}

fn echo_of(packet: &Packet) -> Packet {
    let mut echo = Packet::one_way(0, packet.payload.clone());
    echo.set_biz_type(packet.header.biz_type);
    echo.set_ext_header(packet.ext_header.clone());
    echo.header.compression = packet.header.compression;
    echo
}

async fn answer(request: &Packet, sender: &SessionSender) -> Result<(), String> {
    let id = request.header.message_id;
    let reply = answer_to(&plain_payload(request)?);
    if request.header.compression == msgtrans::packet::CompressionType::None {
        // The crate's own respond path: biz 0, no ext, flags 0.
        return sender.respond(id, 0, reply).await.map_err(|e| e.to_string());
    }
    let codec = Some(request.header.compression);
    let packet = build_packet(PacketType::Response, id, 0, None, reply, codec)?;
    sender.send(packet).await.map_err(|e| e.to_string())
}

pub struct ServerArgs {
    pub tcp: Option<u16>,
    pub ws: Option<u16>,
    pub quic: Option<u16>,
}

pub async fn run(args: ServerArgs) -> Result<(), String> {
    let handler = Arc::new(Handler {
        ready: AtomicBool::new(false),
        sessions: Mutex::new(Sessions::default()),
        probes_seen: AtomicUsize::new(0),
    });
    let tcp = args.tcp.map(|p| probe::port_or_free_tcp(p)).transpose()?;
    let ws = args.ws.map(|p| probe::port_or_free_tcp(p)).transpose()?;
    let quic = args.quic.map(|p| probe::port_or_free_udp(p)).transpose()?;

    let mut builder = TransportServerBuilder::new().with_handler(handler.clone());
    if let Some(p) = tcp {
        let cfg = TcpServerConfig::new(&format!("127.0.0.1:{p}")).map_err(|e| e.to_string())?;
        builder = builder.with_protocol(cfg);
    }
    if let Some(p) = ws {
        let cfg =
            WebSocketServerConfig::new(&format!("127.0.0.1:{p}")).map_err(|e| e.to_string())?;
        builder = builder.with_protocol(cfg);
    }
    if let Some(p) = quic {
        let cfg = QuicServerConfig::new(&format!("127.0.0.1:{p}")).map_err(|e| e.to_string())?;
        builder = builder.with_protocol(cfg);
    }
    let server = builder.build().await.map_err(|e| e.to_string())?;
    let serving = server.clone();
    tokio::spawn(async move {
        if let Err(e) = serving.serve().await {
            emit(json!({"ev": "fatal", "error": e.to_string()}));
            std::process::exit(3);
        }
    });

    // The crate binds inside serve() (WS even inside the first accept), so we
    // say "ready" only after a real msgtrans client got through on each port.
    let deadline = Instant::now() + READY_DEADLINE;
    let urls: Vec<String> = [
        tcp.map(|p| format!("tcp://127.0.0.1:{p}")),
        ws.map(|p| format!("ws://127.0.0.1:{p}")),
        quic.map(|p| format!("quic://127.0.0.1:{p}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    for url in &urls {
        probe::until_accepted(url, deadline, &handler.probes_seen).await?;
    }
    handler.ready.store(true, Ordering::SeqCst);
    emit(json!({"ev": "ready", "tcp": tcp, "ws": ws, "quic": quic, "pid": std::process::id()}));

    let ids = Arc::new(AtomicU32::new(20000));
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
        let (server, handler, ids) = (server.clone(), handler.clone(), ids.clone());
        let is_async = cmd.get("async").and_then(Value::as_bool) == Some(true);
        let task = async move {
            let mut done = tagged("done", &cmd);
            if let Err(e) = run_command(&server, &handler, &ids, &cmd, &mut done).await {
                done.insert("error".into(), json!(e));
            }
            emit(done.into());
        };
        // In order unless marked async (a request that stays pending meanwhile).
        if is_async {
            tokio::spawn(task);
        } else {
            task.await;
        }
    }
    Ok(())
}

/// Commands (all fields optional unless said):
/// - `{"op":"push", session, id, biz, ext|ext_hex, text|hex|len, compression}`
/// - `{"op":"request", ...same, timeout_ms}` → `done` carries the response packet
/// - `{"op":"burst", count, biz, session}` → `count` one-ways, payload = u32 BE index
/// - `{"op":"requests", count, session}` → `count` concurrent requests, answers checked
/// - `{"op":"close", session}`; `{"op":"exit"}`
async fn run_command(
    server: &TransportServer,
    handler: &Handler,
    ids: &AtomicU32,
    cmd: &Value,
    done: &mut serde_json::Map<String, Value>,
) -> Result<(), String> {
    let op = cmd.get("op").and_then(Value::as_str).unwrap_or("");
    let sid = handler.target(cmd)?;
    done.insert("session".into(), json!(sid.as_u64()));
    let next_id = || u32_of(cmd, "id").unwrap_or_else(|| ids.fetch_add(1, Ordering::SeqCst));
    match op {
        "push" | "request" => {
            let ptype = if op == "push" { PacketType::OneWay } else { PacketType::Request };
            let packet = build_packet(
                ptype,
                next_id(),
                biz_of(cmd).unwrap_or(0),
                ext_of(cmd)?,
                payload_of(cmd)?,
                compression_of(cmd)?,
            )?;
            done.insert("id".into(), json!(packet.header.message_id));
            if op == "push" {
                return server.send_to_session(sid, packet).await.map_err(|e| e.to_string());
            }
            let reply = server.request_to_session(sid, packet).await.map_err(|e| e.to_string())?;
            let mut response = serde_json::Map::new();
            describe_packet(&mut response, &reply);
            done.insert("response".into(), response.into());
            Ok(())
        }
        "burst" => {
            let count = u32_of(cmd, "count").unwrap_or(1000);
            for i in 0..count {
                let mut p = Packet::one_way(ids.fetch_add(1, Ordering::SeqCst), i.to_be_bytes());
                p.set_biz_type(biz_of(cmd).unwrap_or(0));
                server.send_to_session(sid, p).await.map_err(|e| format!("#{i}: {e}"))?;
            }
            done.insert("sent".into(), json!(count));
            Ok(())
        }
        "requests" => {
            let count = u32_of(cmd, "count").unwrap_or(1000);
            let mut tasks = tokio::task::JoinSet::new();
            for i in 0..count {
                let (server, id) = (server.clone(), ids.fetch_add(1, Ordering::SeqCst));
                let biz = biz_of(cmd).unwrap_or(0);
                tasks.spawn(async move {
                    let mut p = Packet::request(id, i.to_be_bytes());
                    p.set_biz_type(biz);
                    let reply = server.request_to_session(sid, p).await.map_err(|e| e.to_string())?;
                    // Answers are expected to be the reversed payload, as ours are.
                    let good = reply.header.message_id == id
                        && reply.header.packet_type == PacketType::Response
                        && reply.payload == answer_to(&i.to_be_bytes());
                    Ok::<bool, String>(good)
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
        "close" => server.close_session(sid).await.map_err(|e| e.to_string()),
        _ => Err(format!("unknown op {op:?}")),
    }
}
