//! msgtrans v1: 16-byte big-endian header + ext header + payload. Only what a load
//! generator needs: build a packet template, patch its id, and parse a stream without
//! copying payloads (it keeps the first bytes of ext and payload, nothing else).

pub const HEADER_SIZE: usize = 16;
pub const VERSION: u8 = 1;
pub const TYPE_ONE_WAY: u8 = 0;
pub const TYPE_REQUEST: u8 = 1;
pub const TYPE_RESPONSE: u8 = 2;
pub const FLAG_ROUTE_TAG: u16 = 0x4;
/// Same default limits as the server (DESIGN.md): checked from the header.
pub const MAX_PAYLOAD: usize = 16 * 1024 * 1024;
pub const MAX_EXT: usize = 4 * 1024;
const HEAD_KEEP: usize = 8;
const ERROR_EXT: &[u8] = b"error";

pub struct PacketSpec<'a> {
    pub ptype: u8,
    pub biz: u8,
    pub ext: &'a [u8],
    pub flags: u16,
    pub payload: &'a [u8],
}

/// Encodes one packet with message id 0 (patch it with `set_id`).
pub fn encode(p: &PacketSpec) -> Vec<u8> {
    assert!(p.ext.len() <= MAX_EXT && p.payload.len() <= MAX_PAYLOAD);
    let mut out = Vec::with_capacity(HEADER_SIZE + p.ext.len() + p.payload.len());
    out.push(VERSION);
    out.push(0); // compression none
    out.push(p.ptype);
    out.push(p.biz);
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&(p.ext.len() as u16).to_be_bytes());
    out.extend_from_slice(&(p.payload.len() as u32).to_be_bytes());
    out.extend_from_slice(&p.flags.to_be_bytes());
    out.extend_from_slice(p.ext);
    out.extend_from_slice(p.payload);
    out
}

pub fn set_id(packet: &mut [u8], id: u32) {
    packet[4..8].copy_from_slice(&id.to_be_bytes());
}

/// Where a packet's payload starts in an encoded packet.
pub fn payload_offset(packet: &[u8]) -> usize {
    HEADER_SIZE + u16::from_be_bytes([packet[8], packet[9]]) as usize
}

/// What the parser reports per packet.
#[derive(Clone, Copy, Debug, Default)]
pub struct Frame {
    pub ptype: u8,
    pub id: u32,
    pub ext_len: usize,
    pub payload_len: usize,
    /// The ext header is exactly "error": the server's error envelope.
    pub is_error: bool,
    /// First bytes of the payload (publish mode carries its send time there).
    pub payload_head: [u8; HEAD_KEEP],
}

impl Frame {
    pub fn wire_len(&self) -> usize {
        HEADER_SIZE + self.ext_len + self.payload_len
    }

    pub fn head_u64(&self) -> u64 {
        u64::from_be_bytes(self.payload_head)
    }
}

/// Streaming TCP parser: feed chunks in any split, get one callback per packet.
#[derive(Default)]
pub struct Parser {
    header: [u8; HEADER_SIZE],
    header_len: usize,
    ext_left: usize,
    payload_left: usize,
    ext_head: [u8; HEAD_KEEP],
    cur: Frame,
}

impl Parser {
    pub fn feed(&mut self, mut data: &[u8], on: &mut impl FnMut(&Frame)) -> Result<(), String> {
        while !data.is_empty() {
            if self.header_len < HEADER_SIZE {
                let n = (HEADER_SIZE - self.header_len).min(data.len());
                self.header[self.header_len..self.header_len + n].copy_from_slice(&data[..n]);
                self.header_len += n;
                data = &data[n..];
                if self.header_len < HEADER_SIZE {
                    break;
                }
                self.start_packet()?;
            }
            data = self.take_body(data);
            if self.ext_left == 0 && self.payload_left == 0 {
                self.finish_packet(on);
            }
        }
        // A header whose body is empty completes with no further bytes.
        if self.header_len == HEADER_SIZE && self.ext_left == 0 && self.payload_left == 0 {
            self.finish_packet(on);
        }
        Ok(())
    }

    fn start_packet(&mut self) -> Result<(), String> {
        let h = &self.header;
        self.cur = header_frame(h)?;
        self.ext_left = self.cur.ext_len;
        self.payload_left = self.cur.payload_len;
        self.ext_head = [0; HEAD_KEEP];
        Ok(())
    }

    fn take_body<'a>(&mut self, mut data: &'a [u8]) -> &'a [u8] {
        if self.ext_left > 0 {
            let n = self.ext_left.min(data.len());
            let seen = self.cur.ext_len - self.ext_left;
            keep_head(&mut self.ext_head, seen, &data[..n]);
            self.ext_left -= n;
            data = &data[n..];
        }
        if self.ext_left == 0 && self.payload_left > 0 {
            let n = self.payload_left.min(data.len());
            let seen = self.cur.payload_len - self.payload_left;
            keep_head(&mut self.cur.payload_head, seen, &data[..n]);
            self.payload_left -= n;
            data = &data[n..];
        }
        data
    }

    fn finish_packet(&mut self, on: &mut impl FnMut(&Frame)) {
        let n = self.cur.ext_len.min(HEAD_KEEP);
        self.cur.is_error = self.cur.ext_len == ERROR_EXT.len() && &self.ext_head[..n] == ERROR_EXT;
        self.header_len = 0;
        on(&self.cur);
    }
}

fn keep_head(head: &mut [u8; HEAD_KEEP], seen: usize, bytes: &[u8]) {
    if seen < HEAD_KEEP {
        let n = (HEAD_KEEP - seen).min(bytes.len());
        head[seen..seen + n].copy_from_slice(&bytes[..n]);
    }
}

fn header_frame(h: &[u8; HEADER_SIZE]) -> Result<Frame, String> {
    if h[0] != VERSION {
        return Err(format!("bad version {}", h[0]));
    }
    if h[2] > TYPE_RESPONSE {
        return Err(format!("bad packet type {}", h[2]));
    }
    let ext_len = u16::from_be_bytes([h[8], h[9]]) as usize;
    let payload_len = u32::from_be_bytes([h[10], h[11], h[12], h[13]]) as usize;
    if ext_len > MAX_EXT || payload_len > MAX_PAYLOAD {
        return Err(format!("packet too large: ext {ext_len}, payload {payload_len}"));
    }
    Ok(Frame {
        ptype: h[2],
        id: u32::from_be_bytes([h[4], h[5], h[6], h[7]]),
        ext_len,
        payload_len,
        ..Frame::default()
    })
}

/// Parses a WebSocket frame that must hold exactly one packet.
pub fn decode_one(frame: &[u8]) -> Result<Frame, String> {
    let mut parser = Parser::default();
    let mut out: Option<Frame> = None;
    let mut count = 0;
    parser.feed(frame, &mut |f| {
        out = Some(*f);
        count += 1;
    })?;
    match (out, count) {
        (Some(f), 1) if parser.header_len == 0 => Ok(f),
        _ => Err(format!("ws frame of {} bytes is not exactly one packet", frame.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(ext: &[u8], payload: &[u8], id: u32) -> Vec<u8> {
        let mut p = encode(&PacketSpec { ptype: TYPE_ONE_WAY, biz: 3, ext, flags: 0, payload });
        set_id(&mut p, id);
        p
    }

    #[test]
    fn parses_any_chunking() {
        let mut stream = Vec::new();
        stream.extend(packet(b"route:echo", &[7u8; 100], 1));
        stream.extend(packet(b"", b"", 2));
        stream.extend(packet(b"error", b"{}", 3));
        for chunk in 1..stream.len() {
            let mut p = Parser::default();
            let mut got = Vec::new();
            for c in stream.chunks(chunk) {
                p.feed(c, &mut |f| got.push(*f)).unwrap();
            }
            assert_eq!(got.len(), 3, "chunk {chunk}");
            assert_eq!((got[0].id, got[0].payload_len, got[0].payload_head[0]), (1, 100, 7));
            assert_eq!((got[1].id, got[1].wire_len()), (2, 16));
            assert!(got[2].is_error && !got[0].is_error);
        }
    }

    #[test]
    fn rejects_bad_version() {
        let mut p = packet(b"", b"x", 1);
        p[0] = 2;
        assert!(Parser::default().feed(&p, &mut |_| {}).is_err());
        assert!(decode_one(&p).is_err());
    }
}
