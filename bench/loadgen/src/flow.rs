//! One connection of echo / request-response / raw mode: a writer that keeps at most
//! `depth` messages in flight (closed loop) or follows a fixed schedule (wrk2-style:
//! latency counts from the intended send time, so a stalled server cannot hide its
//! stall by delaying our sends), and a reader that completes messages in order.

use crate::args::{Args, Mode, Transport};
use crate::net::{connect, Chunk, In, Out};
use crate::stats::Stats;
use crate::wire::{self, Frame, Parser, PacketSpec};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Messages sent per wake-up at most, so one connection cannot starve the others.
const MAX_BATCH: usize = 1024;
/// Fixed-rate pacing: tokio's timer rounds deadlines up to whole milliseconds, so it is
/// only used to get within SPIN_WINDOW of the next send; from there the writer yields to
/// the runtime until the send is due (busy-polling the reactor, which keeps lateness in
/// microseconds at the price of a busy loadgen core; see docs/benchmarks.md).
const SPIN_WINDOW: Duration = Duration::from_millis(3);
const TIMER_SLACK: Duration = Duration::from_millis(2);

/// What a connection has in flight.
pub struct Flow {
    pub inflight: Cell<usize>,
    pub credit: Notify,
    /// (message id, or end offset in the raw TCP stream; intended send time).
    pub pending: RefCell<VecDeque<(u64, Instant)>>,
}

impl Flow {
    fn new() -> Rc<Self> {
        Rc::new(Flow { inflight: Cell::new(0), credit: Notify::new(), pending: RefCell::new(VecDeque::new()) })
    }

    fn complete(&self, st: &Stats, sent_at: Instant, payload: usize, wire: usize) {
        st.complete(Instant::now().saturating_duration_since(sent_at).as_nanos() as u64, payload, wire);
        self.inflight.set(self.inflight.get() - 1);
    }
}

/// The packet this connection sends, with its id patched per message.
pub fn template(a: &Args, ptype: u8) -> Vec<u8> {
    let payload: Vec<u8> = (0..a.size).map(|i| (i % 251) as u8).collect();
    if a.mode == Mode::Raw {
        return payload;
    }
    let ext = a.route.as_ref().map(|r| format!("route:{r}").into_bytes()).unwrap_or_default();
    let flags = if a.route.is_some() { wire::FLAG_ROUTE_TAG } else { 0 };
    wire::encode(&PacketSpec { ptype, biz: a.biz, ext: &ext, flags, payload: &payload })
}

/// Message ids from 1, wrapping to 1 (0 unused), as our senders do.
pub struct Ids(u32);

impl Ids {
    pub fn new() -> Self {
        Ids(0)
    }
    pub fn next(&mut self) -> u32 {
        self.0 = if self.0 == u32::MAX { 1 } else { self.0 + 1 };
        self.0
    }
}

/// Opens connection `idx` and runs it until the process ends.
pub async fn run(idx: usize, a: Rc<Args>, st: Rc<Stats>, flows: Rc<RefCell<Vec<Rc<Flow>>>>) {
    let (rx, tx) = match connect(&a).await {
        Ok(pair) => pair,
        Err(e) => return st.error(&st.errors.connect, e),
    };
    let flow = Flow::new();
    flows.borrow_mut().push(flow.clone());
    tokio::task::spawn_local(read_loop(rx, flow.clone(), a.clone(), st.clone()));
    if let Err(e) = write_loop(tx, &flow, idx, &a, &st).await {
        if !st.stopping.get() {
            st.error(&st.errors.io, e);
        }
    }
}

/// Fixed-rate schedule of one connection: message k is due at start + phase + k * interval.
struct Pace {
    start: Instant,
    phase_ns: f64,
    interval_ns: f64,
    k: u64,
}

impl Pace {
    fn intended(&self, k: u64) -> Instant {
        self.start + Duration::from_nanos((self.phase_ns + k as f64 * self.interval_ns) as u64)
    }

    /// How many messages are due at `now` (those not yet sent).
    fn due(&self, now: Instant) -> usize {
        let elapsed = now.saturating_duration_since(self.start).as_nanos() as f64 - self.phase_ns;
        if elapsed < 0.0 {
            return 0;
        }
        let upto = (elapsed / self.interval_ns) as u64 + 1;
        upto.saturating_sub(self.k).min(MAX_BATCH as u64) as usize
    }

    async fn wait(&self) {
        let next = self.intended(self.k);
        let now = Instant::now();
        if next > now + SPIN_WINDOW {
            tokio::time::sleep_until((next - TIMER_SLACK).into()).await;
        } else {
            tokio::task::yield_now().await;
        }
    }
}

async fn write_loop(mut out: Out, flow: &Flow, idx: usize, a: &Args, st: &Stats) -> Result<(), String> {
    let ptype = if a.mode == Mode::Rr { wire::TYPE_REQUEST } else { wire::TYPE_ONE_WAY };
    let mut packet = template(a, ptype);
    let raw = a.mode == Mode::Raw;
    let mut ids = Ids::new();
    let mut offset: u64 = 0;
    let mut pace = a.rate.map(|rate| Pace {
        start: Instant::now(),
        phase_ns: idx as f64 * 1e9 / rate,
        interval_ns: a.conns as f64 * 1e9 / rate,
        k: 0,
    });
    loop {
        while flow.inflight.get() >= a.depth && !st.stopping.get() {
            flow.credit.notified().await;
        }
        if st.stopping.get() {
            return Ok(());
        }
        let room = (a.depth - flow.inflight.get()).min(MAX_BATCH);
        let now = Instant::now();
        let n = match &pace {
            None => room,
            Some(p) => p.due(now).min(room),
        };
        if n == 0 {
            pace.as_ref().expect("closed loop always has room").wait().await;
            continue;
        }
        for _ in 0..n {
            let intended = match pace.as_mut() {
                None => now,
                Some(p) => {
                    p.k += 1;
                    p.intended(p.k - 1)
                }
            };
            let key = if raw {
                offset += packet.len() as u64;
                offset
            } else {
                let id = ids.next();
                wire::set_id(&mut packet, id);
                id as u64
            };
            flow.pending.borrow_mut().push_back((key, intended));
            flow.inflight.set(flow.inflight.get() + 1);
            let late = pace.as_ref().map(|_| now.saturating_duration_since(intended).as_nanos() as u64);
            st.sent_one(late);
            out.send(&packet).await?;
        }
        out.flush().await?;
    }
}

async fn read_loop(mut rx: In, flow: Rc<Flow>, a: Rc<Args>, st: Rc<Stats>) {
    let mut parser = Parser::default();
    let mut received: u64 = 0;
    let tcp_raw = a.mode == Mode::Raw && a.transport == Transport::Tcp;
    loop {
        let r = rx
            .next(&mut |chunk| match chunk {
                Chunk::Closed => Err("closed".into()),
                Chunk::Bytes(b) if tcp_raw => {
                    received += b.len() as u64;
                    complete_raw_bytes(&flow, &st, a.size, received);
                    Ok(())
                }
                Chunk::Frame(b) if a.mode == Mode::Raw => {
                    complete_front(&flow, &st, b.len(), b.len());
                    Ok(())
                }
                Chunk::Bytes(b) => parser.feed(b, &mut |f| on_frame(&flow, &st, a.mode, f)),
                Chunk::Frame(b) => wire::decode_one(b).map(|f| on_frame(&flow, &st, a.mode, &f)),
            })
            .await;
        if let Err(e) = r {
            if !st.stopping.get() {
                let counter = match e.as_str() {
                    "closed" => &st.errors.closed,
                    s if s.contains("read") => &st.errors.io,
                    _ => &st.errors.protocol,
                };
                st.error(counter, e);
            }
            return;
        }
        flow.credit.notify_one();
    }
}

fn complete_raw_bytes(flow: &Flow, st: &Stats, size: usize, received: u64) {
    loop {
        let front = flow.pending.borrow().front().copied();
        match front {
            Some((end, sent_at)) if end <= received => {
                flow.pending.borrow_mut().pop_front();
                flow.complete(st, sent_at, size, size);
            }
            _ => return,
        }
    }
}

fn complete_front(flow: &Flow, st: &Stats, payload: usize, wire_len: usize) {
    let front = flow.pending.borrow_mut().pop_front();
    match front {
        Some((_, sent_at)) => flow.complete(st, sent_at, payload, wire_len),
        None => st.error(&st.errors.protocol, "a packet arrived with nothing in flight".into()),
    }
}

fn on_frame(flow: &Flow, st: &Stats, mode: Mode, f: &Frame) {
    if f.is_error {
        st.error(&st.errors.error_replies, format!("error reply to message {}", f.id));
        let removed = take_id(flow, f.id as u64).or_else(|| flow.pending.borrow_mut().pop_front());
        if removed.is_some() {
            flow.inflight.set(flow.inflight.get() - 1);
        }
        return;
    }
    match mode {
        Mode::Rr if f.ptype != wire::TYPE_RESPONSE => {
            st.error(&st.errors.protocol, format!("expected a response, got type {}", f.ptype))
        }
        Mode::Rr => match take_id(flow, f.id as u64) {
            Some((_, sent_at)) => flow.complete(st, sent_at, f.payload_len, f.wire_len()),
            None => st.error(&st.errors.protocol, format!("response {} matches no request", f.id)),
        },
        _ => complete_front(flow, st, f.payload_len, f.wire_len()),
    }
}

/// Removes the pending entry with this id (almost always the front).
fn take_id(flow: &Flow, id: u64) -> Option<(u64, Instant)> {
    let mut q = flow.pending.borrow_mut();
    if q.front().map(|e| e.0) == Some(id) {
        return q.pop_front();
    }
    let at = q.iter().position(|e| e.0 == id)?;
    q.remove(at)
}
