//! msgtrans-loadgen: drives a msgtrans v1 server (or a raw echo baseline) over TCP or
//! WebSocket on ONE thread (pin it with taskset; the server gets the other core), runs
//! warmup then a bounded measured window, and prints one JSON object.

mod args;
mod flow;
mod net;
mod publish;
mod report;
mod stats;
mod wire;

use args::Mode;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let a = match args::parse(&argv) {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            std::process::exit(2);
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let local = tokio::task::LocalSet::new();
    let code = local.block_on(&rt, run(Rc::new(a)));
    std::process::exit(code);
}

async fn run(a: Rc<args::Args>) -> i32 {
    let st = Rc::new(stats::Stats::new());
    let flows = Rc::new(RefCell::new(Vec::new()));
    if a.mode == Mode::Publish {
        if let Err(e) = publish::subscribe_all(&a, &st).await {
            eprintln!("msgtrans-loadgen: {e}");
            st.error(&st.errors.connect, e);
        }
        for _ in 0..a.conns {
            tokio::task::spawn_local(publish::publisher(a.clone(), st.clone()));
        }
    } else {
        for idx in 0..a.conns {
            tokio::task::spawn_local(flow::run(idx, a.clone(), st.clone(), flows.clone()));
        }
    }
    tokio::time::sleep(Duration::from_secs_f64(a.warmup)).await;
    let before = report::Snapshot::take(a.server_pid);
    st.start_recording();
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(a.duration)).await;
    let t1 = Instant::now();
    let after = report::Snapshot::take(a.server_pid);
    let unfinished = if a.rate.is_some() { record_unfinished(&st, &flows.borrow(), t1) } else { 0 };
    st.stopping.set(true);
    st.recording.set(false);
    let out = report::json(&a, &st, (t1 - t0).as_secs_f64(), &before, &after, unfinished);
    println!("{out}");
    if st.msgs.get() == 0 {
        1
    } else {
        0
    }
}

/// Fixed-rate mode: messages still unanswered at the end count with their age so far
/// (a lower bound), so a server that stops answering cannot look fast.
fn record_unfinished(st: &stats::Stats, flows: &[Rc<flow::Flow>], end: Instant) -> u64 {
    let mut n = 0;
    let mut h = st.latency.borrow_mut();
    for f in flows {
        for &(_, intended) in f.pending.borrow().iter() {
            if intended <= end {
                h.saturating_record(end.saturating_duration_since(intended).as_nanos().max(1) as u64);
                n += 1;
            }
        }
    }
    n
}
