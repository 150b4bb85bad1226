//! Helpers shared by the server and client modes: JSON output lines, payload
//! specs from command lines, hashing, and compression through the crate's own
//! `Packet::compress_payload` / `decompress_payload`.

use msgtrans::packet::{CompressionType, Packet, PacketType};
use serde_json::{json, Map, Value};
use std::io::Write;

/// Payloads up to this size are printed in full as hex; larger ones only as
/// length + FNV-1a so that one JSON line stays small.
pub const HEX_LIMIT: usize = 4096;

/// Biz type that the server and client never answer (for timeout tests).
pub const BIZ_DROP: u8 = 250;

/// Ext header that marks a readiness probe connection (never reported).
pub const PROBE_EXT: &[u8] = b"interop-probe";

/// Print one JSON object as one line on stdout and flush it.
pub fn emit(value: Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", value);
    let _ = out.flush();
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

pub fn unhex(s: &str) -> Result<Vec<u8>, String> {
    if s.len() % 2 != 0 {
        return Err(format!("odd hex length {}", s.len()));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|e| format!("bad hex: {e}")))
        .collect()
}

/// FNV-1a 32-bit, as 8 hex digits (the TS side computes the same).
pub fn fnv(bytes: &[u8]) -> String {
    let mut h: u32 = 0x811c9dc5;
    for b in bytes {
        h ^= *b as u32;
        h = h.wrapping_mul(0x01000193);
    }
    format!("{h:08x}")
}

/// Deterministic filler: byte i = i % 251 (a prime, so no power-of-two period).
pub fn filler(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// Describe bytes as `{prefix}len`, `{prefix}fnv` and, when small, `{prefix}hex`.
pub fn describe(obj: &mut Map<String, Value>, prefix: &str, bytes: &[u8]) {
    obj.insert(format!("{prefix}len"), json!(bytes.len()));
    obj.insert(format!("{prefix}fnv"), json!(fnv(bytes)));
    if bytes.len() <= HEX_LIMIT {
        obj.insert(format!("{prefix}hex"), json!(hex(bytes)));
    }
}

/// Payload from a command: `text`, `hex`, or `len` (filler bytes).
pub fn payload_of(cmd: &Value) -> Result<Vec<u8>, String> {
    if let Some(t) = cmd.get("text").and_then(Value::as_str) {
        return Ok(t.as_bytes().to_vec());
    }
    if let Some(h) = cmd.get("hex").and_then(Value::as_str) {
        return unhex(h);
    }
    if let Some(n) = cmd.get("len").and_then(Value::as_u64) {
        return Ok(filler(n as usize));
    }
    Ok(Vec::new())
}

/// Ext header from a command: `ext` (text) or `ext_hex`; `None` when absent.
pub fn ext_of(cmd: &Value) -> Result<Option<Vec<u8>>, String> {
    if let Some(t) = cmd.get("ext").and_then(Value::as_str) {
        return Ok(Some(t.as_bytes().to_vec()));
    }
    if let Some(h) = cmd.get("ext_hex").and_then(Value::as_str) {
        return unhex(h).map(Some);
    }
    Ok(None)
}

pub fn u32_of(cmd: &Value, key: &str) -> Option<u32> {
    cmd.get(key).and_then(Value::as_u64).map(|v| v as u32)
}

pub fn biz_of(cmd: &Value) -> Option<u8> {
    cmd.get("biz").and_then(Value::as_u64).map(|v| v as u8)
}

/// Compression from a command: "zlib" (code 2), "zstd" (code 1) or absent.
pub fn compression_of(cmd: &Value) -> Result<Option<CompressionType>, String> {
    match cmd.get("compression").and_then(Value::as_str) {
        None | Some("none") => Ok(None),
        Some("zlib") => Ok(Some(CompressionType::Zlib)),
        Some("zstd") => Ok(Some(CompressionType::Zstd)),
        Some(other) => Err(format!("unknown compression {other}")),
    }
}

pub fn compression_code(c: CompressionType) -> u8 {
    match c {
        CompressionType::None => 0,
        CompressionType::Zstd => 1,
        CompressionType::Zlib => 2,
    }
}

pub fn type_code(t: PacketType) -> u8 {
    match t {
        PacketType::OneWay => 0,
        PacketType::Request => 1,
        PacketType::Response => 2,
    }
}

/// Describe a whole packet as the crate decoded it; a compressed payload is
/// also decompressed with the crate's own codec (`d` prefix) when possible.
pub fn describe_packet(obj: &mut Map<String, Value>, packet: &Packet) {
    obj.insert("type".into(), json!(type_code(packet.header.packet_type)));
    obj.insert("biz".into(), json!(packet.header.biz_type));
    obj.insert("id".into(), json!(packet.header.message_id));
    obj.insert("flags".into(), json!(packet.header.reserved.raw()));
    obj.insert("compression".into(), json!(compression_code(packet.header.compression)));
    obj.insert("ext_hex".into(), json!(hex(&packet.ext_header)));
    describe(obj, "", &packet.payload);
    if packet.header.compression != CompressionType::None {
        let mut copy = packet.clone();
        match copy.decompress_payload() {
            Ok(()) => describe(obj, "d", &copy.payload),
            Err(e) => {
                obj.insert("decompress_error".into(), json!(e.to_string()));
            }
        }
    }
}

/// The plain payload of a packet (decompressed when it says it is compressed).
pub fn plain_payload(packet: &Packet) -> Result<Vec<u8>, String> {
    if packet.header.compression == CompressionType::None {
        return Ok(packet.payload.clone());
    }
    let mut copy = packet.clone();
    copy.decompress_payload().map_err(|e| e.to_string())?;
    Ok(copy.payload)
}

/// Build a packet with the given fields; compress the payload with the crate's
/// codec when asked (fails in the default build, which has no codecs).
pub fn build_packet(
    ptype: PacketType,
    id: u32,
    biz: u8,
    ext: Option<Vec<u8>>,
    payload: Vec<u8>,
    compression: Option<CompressionType>,
) -> Result<Packet, String> {
    let mut packet = match ptype {
        PacketType::OneWay => Packet::one_way(id, payload),
        PacketType::Request => Packet::request(id, payload),
        PacketType::Response => Packet::response(id, payload),
    };
    packet.set_biz_type(biz);
    if let Some(ext) = ext {
        packet.set_ext_header(ext);
    }
    if let Some(c) = compression {
        packet.header.compression = c;
        packet.compress_payload().map_err(|e| e.to_string())?;
    }
    Ok(packet)
}

/// The answer both our Rust server and Rust client give to a request: the
/// request's payload reversed (same length, clearly not an echo).
pub fn answer_to(payload: &[u8]) -> Vec<u8> {
    payload.iter().rev().copied().collect()
}

pub fn obj(ev: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("ev".into(), json!(ev));
    m
}

pub fn tagged(ev: &str, cmd: &Value) -> Map<String, Value> {
    let mut m = obj(ev);
    if let Some(tag) = cmd.get("tag") {
        m.insert("tag".into(), tag.clone());
    }
    m
}
