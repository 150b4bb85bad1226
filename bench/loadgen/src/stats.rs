//! Counters and histograms shared by every task of the (single-threaded) runtime.

use hdrhistogram::Histogram;
use std::cell::{Cell, RefCell};
use std::time::Instant;
use tokio::sync::Notify;

/// Latencies up to a minute at 3 significant digits, in nanoseconds.
const HIST_MAX_NS: u64 = 60_000_000_000;

#[derive(Default)]
pub struct Errors {
    pub connect: Cell<u64>,
    pub io: Cell<u64>,
    pub protocol: Cell<u64>,
    pub error_replies: Cell<u64>,
    pub closed: Cell<u64>,
}

pub struct Stats {
    pub base: Instant,
    pub recording: Cell<bool>,
    pub stopping: Cell<bool>,
    pub msgs: Cell<u64>,
    pub payload_bytes: Cell<u64>,
    pub wire_bytes: Cell<u64>,
    pub sent: Cell<u64>,
    /// Publish mode: deliveries over the whole run (flow control, not reporting).
    pub deliveries_total: Cell<u64>,
    pub published_total: Cell<u64>,
    pub latency: RefCell<Histogram<u64>>,
    /// Fixed-rate mode: actual send time minus intended send time.
    pub lateness: RefCell<Histogram<u64>>,
    pub errors: Errors,
    pub first_error: RefCell<Option<String>>,
    /// Woken when publish flow control frees room.
    pub room: Notify,
}

impl Stats {
    pub fn new() -> Self {
        Stats {
            base: Instant::now(),
            recording: Cell::new(false),
            stopping: Cell::new(false),
            msgs: Cell::new(0),
            payload_bytes: Cell::new(0),
            wire_bytes: Cell::new(0),
            sent: Cell::new(0),
            deliveries_total: Cell::new(0),
            published_total: Cell::new(0),
            latency: RefCell::new(hist()),
            lateness: RefCell::new(hist()),
            errors: Errors::default(),
            first_error: RefCell::new(None),
            room: Notify::new(),
        }
    }

    /// One message completed `latency_ns` after it was (meant to be) sent.
    pub fn complete(&self, latency_ns: u64, payload: usize, wire: usize) {
        if !self.recording.get() {
            return;
        }
        add(&self.msgs, 1);
        add(&self.payload_bytes, payload as u64);
        add(&self.wire_bytes, wire as u64);
        self.latency.borrow_mut().saturating_record(latency_ns.max(1));
    }

    pub fn sent_one(&self, lateness_ns: Option<u64>) {
        if !self.recording.get() {
            return;
        }
        add(&self.sent, 1);
        if let Some(ns) = lateness_ns {
            self.lateness.borrow_mut().saturating_record(ns.max(1));
        }
    }

    pub fn error(&self, counter: &Cell<u64>, what: String) {
        add(counter, 1);
        let mut first = self.first_error.borrow_mut();
        if first.is_none() {
            *first = Some(what);
        }
    }

    /// Clears what warmup recorded and starts counting.
    pub fn start_recording(&self) {
        self.latency.borrow_mut().reset();
        self.lateness.borrow_mut().reset();
        self.recording.set(true);
    }

    pub fn since_base_ns(&self, t: Instant) -> u64 {
        t.saturating_duration_since(self.base).as_nanos() as u64
    }
}

pub fn add(c: &Cell<u64>, n: u64) {
    c.set(c.get() + n);
}

fn hist() -> Histogram<u64> {
    Histogram::new_with_bounds(1, HIST_MAX_NS, 3).expect("histogram bounds")
}
