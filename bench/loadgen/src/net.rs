//! Connections: a TCP stream or a minimal WebSocket client (tokio-tungstenite, one
//! binary frame per packet), split into a batching writer and a reader.

use crate::args::{Args, Transport};
use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::io;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// Small packets are coalesced into one write up to this many bytes.
const BATCH_BYTES: usize = 256 * 1024;
/// Bytes read per syscall.
pub const READ_BYTES: usize = 256 * 1024;

type Ws = WebSocketStream<TcpStream>;

pub enum Out {
    Tcp { w: OwnedWriteHalf, buf: Vec<u8> },
    Ws(SplitSink<Ws, Message>),
}

pub enum In {
    Tcp { r: OwnedReadHalf, buf: Vec<u8> },
    Ws(SplitStream<Ws>),
}

/// What one read produced.
pub enum Chunk<'a> {
    /// TCP bytes (any split of the stream).
    Bytes(&'a [u8]),
    /// One WebSocket binary frame.
    Frame(&'a [u8]),
    /// The peer closed (EOF or a close frame).
    Closed,
}

/// Connects, retrying refused connections with backoff until `connect_timeout`
/// (servers may print "ready" a moment before they accept).
pub async fn connect(a: &Args) -> Result<(In, Out), String> {
    let stream = connect_tcp(a).await?;
    match a.transport {
        Transport::Tcp => {
            let (r, w) = stream.into_split();
            let tcp_in = In::Tcp { r, buf: vec![0; READ_BYTES] };
            Ok((tcp_in, Out::Tcp { w, buf: Vec::with_capacity(BATCH_BYTES) }))
        }
        Transport::Ws => {
            let url = format!("ws://{}:{}{}", a.host, a.port, a.path);
            let (ws, _) = tokio_tungstenite::client_async(url, stream)
                .await
                .map_err(|e| format!("ws handshake: {e}"))?;
            let (sink, stream) = ws.split();
            Ok((In::Ws(stream), Out::Ws(sink)))
        }
    }
}

async fn connect_tcp(a: &Args) -> Result<TcpStream, String> {
    let deadline = Instant::now() + Duration::from_secs_f64(a.connect_timeout);
    let mut backoff = Duration::from_millis(5);
    loop {
        match TcpStream::connect((a.host.as_str(), a.port)).await {
            Ok(s) => {
                s.set_nodelay(true).map_err(|e| format!("nodelay: {e}"))?;
                return Ok(s);
            }
            Err(e) if Instant::now() + backoff < deadline => {
                let retry = matches!(e.kind(), io::ErrorKind::ConnectionRefused);
                if !retry {
                    return Err(format!("connect {}:{}: {e}", a.host, a.port));
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_millis(200));
            }
            Err(e) => return Err(format!("connect {}:{}: {e}", a.host, a.port)),
        }
    }
}

impl Out {
    /// Queues one packet; large ones go straight to the socket.
    pub async fn send(&mut self, packet: &[u8]) -> Result<(), String> {
        match self {
            Out::Tcp { w, buf } => {
                if buf.len() + packet.len() > BATCH_BYTES && !buf.is_empty() {
                    w.write_all(buf).await.map_err(|e| format!("write: {e}"))?;
                    buf.clear();
                }
                if packet.len() >= BATCH_BYTES / 4 {
                    return w.write_all(packet).await.map_err(|e| format!("write: {e}"));
                }
                buf.extend_from_slice(packet);
                Ok(())
            }
            Out::Ws(sink) => {
                let msg = Message::Binary(Bytes::copy_from_slice(packet));
                sink.feed(msg).await.map_err(|e| format!("ws write: {e}"))
            }
        }
    }

    pub async fn flush(&mut self) -> Result<(), String> {
        match self {
            Out::Tcp { w, buf } => {
                if !buf.is_empty() {
                    w.write_all(buf).await.map_err(|e| format!("write: {e}"))?;
                    buf.clear();
                }
                Ok(())
            }
            Out::Ws(sink) => sink.flush().await.map_err(|e| format!("ws flush: {e}")),
        }
    }
}

impl In {
    /// Reads what is available and hands it to `on`; Err on I/O or protocol failure.
    pub async fn next(&mut self, on: &mut impl FnMut(Chunk) -> Result<(), String>) -> Result<(), String> {
        match self {
            In::Tcp { r, buf } => {
                let n = r.read(buf).await.map_err(|e| format!("read: {e}"))?;
                on(if n == 0 { Chunk::Closed } else { Chunk::Bytes(&buf[..n]) })
            }
            In::Ws(stream) => match stream.next().await {
                Some(Ok(Message::Binary(b))) => on(Chunk::Frame(&b)),
                Some(Ok(Message::Text(_))) => Err("ws: unexpected text frame".into()),
                Some(Ok(Message::Close(_))) | None => on(Chunk::Closed),
                Some(Ok(_)) => Ok(()), // ping/pong, answered by tungstenite
                Some(Err(e)) => Err(format!("ws read: {e}")),
            },
        }
    }
}
