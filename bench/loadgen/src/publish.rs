//! Publish mode: `subscribers` connections join a topic with the built-in `$subscribe`
//! request; publisher connections send one-way packets to a route whose handler
//! publishes them to the topic. A message is one delivery. The publish time rides in
//! the first 8 payload bytes, so each delivery's latency is measured on arrival.
//! Flow control: at most `depth` publishes per publisher not yet delivered everywhere.

use crate::args::Args;
use crate::net::{connect, Chunk, In, Out};
use crate::stats::{add, Stats};
use crate::wire::{self, Frame, PacketSpec, Parser};
use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Subscriber connections opened at once.
const CONNECT_CONCURRENCY: usize = 64;
/// Extra time allowed for all subscriptions to be confirmed.
const SUBSCRIBE_GRACE: Duration = Duration::from_secs(10);

/// Connects every subscriber and waits until each one's `$subscribe` is answered.
pub async fn subscribe_all(a: &Rc<Args>, st: &Rc<Stats>) -> Result<(), String> {
    let ready = Rc::new(Cell::new(0usize));
    let mut started = 0;
    while started < a.subscribers {
        let batch = CONNECT_CONCURRENCY.min(a.subscribers - started);
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..batch {
            let (a, st, ready) = (a.clone(), st.clone(), ready.clone());
            set.spawn_local(async move {
                let r = connect(&a).await;
                match r {
                    Ok((rx, tx)) => {
                        tokio::task::spawn_local(subscriber(rx, tx, a, st, ready));
                    }
                    Err(e) => st.error(&st.errors.connect, e),
                }
            });
        }
        while set.join_next().await.is_some() {}
        started += batch;
    }
    let deadline = Instant::now() + Duration::from_secs_f64(a.connect_timeout) + SUBSCRIBE_GRACE;
    while ready.get() < a.subscribers {
        if Instant::now() > deadline || st.errors.connect.get() > 0 {
            return Err(format!("only {} of {} subscribers confirmed", ready.get(), a.subscribers));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

async fn subscriber(mut rx: In, mut tx: Out, a: Rc<Args>, st: Rc<Stats>, ready: Rc<Cell<usize>>) {
    let body = serde_json::to_vec(&a.topic).expect("topic json");
    let ext = b"route:$subscribe";
    let spec = PacketSpec { ptype: wire::TYPE_REQUEST, biz: 0, ext, flags: wire::FLAG_ROUTE_TAG, payload: &body };
    let mut packet = wire::encode(&spec);
    wire::set_id(&mut packet, 1);
    if let Err(e) = async { tx.send(&packet).await?; tx.flush().await }.await {
        return st.error(&st.errors.io, e);
    }
    let mut parser = Parser::default();
    let mut subscribed = false;
    let subs = a.subscribers as u64;
    loop {
        let r = rx
            .next(&mut |chunk| match chunk {
                Chunk::Bytes(b) => parser.feed(b, &mut |f| {
                    on_delivery(&st, f, &mut subscribed, &ready);
                }),
                Chunk::Frame(_) => Err("publish mode is tcp only".into()),
                Chunk::Closed => Err("closed".into()),
            })
            .await;
        if let Err(e) = r {
            if !st.stopping.get() {
                st.error(if e == "closed" { &st.errors.closed } else { &st.errors.protocol }, e);
            }
            return;
        }
        if room(&st, subs, a.depth * a.conns) > 0 {
            st.room.notify_waiters();
        }
    }
}

fn on_delivery(st: &Stats, f: &Frame, subscribed: &mut bool, ready: &Cell<usize>) {
    if f.is_error {
        return st.error(&st.errors.error_replies, format!("error packet id {}", f.id));
    }
    if !*subscribed {
        if f.ptype == wire::TYPE_RESPONSE && f.id == 1 {
            *subscribed = true;
            ready.set(ready.get() + 1);
        }
        return;
    }
    add(&st.deliveries_total, 1);
    let now = st.since_base_ns(Instant::now());
    st.complete(now.saturating_sub(f.head_u64()), f.payload_len, f.wire_len());
}

/// Publishes that may still be sent before `window` are undelivered.
fn room(st: &Stats, subs: u64, window: usize) -> usize {
    let owed = st.published_total.get() * subs - st.deliveries_total.get().min(st.published_total.get() * subs);
    let undelivered = owed.div_ceil(subs) as usize;
    window.saturating_sub(undelivered)
}

/// One publisher connection.
pub async fn publisher(a: Rc<Args>, st: Rc<Stats>) {
    let (mut rx, mut tx) = match connect(&a).await {
        Ok(pair) => pair,
        Err(e) => return st.error(&st.errors.connect, e),
    };
    let st2 = st.clone();
    tokio::task::spawn_local(async move {
        let mut parser = Parser::default();
        loop {
            let r = rx
                .next(&mut |chunk| match chunk {
                    Chunk::Bytes(b) => parser.feed(b, &mut |f| {
                        if f.is_error {
                            st2.error(&st2.errors.error_replies, format!("publish {} failed", f.id));
                        }
                    }),
                    _ => Err("closed".into()),
                })
                .await;
            if r.is_err() {
                if !st2.stopping.get() {
                    st2.error(&st2.errors.closed, "publisher connection closed".into());
                }
                return;
            }
        }
    });
    if let Err(e) = publish_loop(&mut tx, &a, &st).await {
        st.error(&st.errors.io, e);
    }
}

async fn publish_loop(tx: &mut Out, a: &Args, st: &Stats) -> Result<(), String> {
    let mut packet = crate::flow::template(a, wire::TYPE_ONE_WAY);
    let at = wire::payload_offset(&packet);
    let mut ids = crate::flow::Ids::new();
    let subs = a.subscribers as u64;
    loop {
        let notified = st.room.notified();
        if st.stopping.get() {
            return Ok(());
        }
        let n = room(st, subs, a.depth * a.conns).min(a.depth);
        if n == 0 {
            notified.await;
            continue;
        }
        for _ in 0..n {
            wire::set_id(&mut packet, ids.next());
            let now = st.since_base_ns(Instant::now());
            packet[at..at + 8].copy_from_slice(&now.to_be_bytes());
            add(&st.published_total, 1);
            st.sent_one(None);
            tx.send(&packet).await?;
        }
        tx.flush().await?;
    }
}
