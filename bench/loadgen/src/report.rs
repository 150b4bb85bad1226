//! CPU accounting (ours from getrusage, the server's from /proc/<pid>/stat) and the
//! JSON report.

use crate::args::Args;
use crate::stats::Stats;
use hdrhistogram::Histogram;
use serde_json::{json, Value};

/// CPU counters at one instant.
pub struct Snapshot {
    user_s: f64,
    sys_s: f64,
    server_s: Option<f64>,
}

impl Snapshot {
    pub fn take(server_pid: Option<u32>) -> Self {
        let (user_s, sys_s) = self_cpu();
        Snapshot { user_s, sys_s, server_s: server_pid.and_then(proc_cpu_seconds) }
    }
}

fn self_cpu() -> (f64, f64) {
    // SAFETY: getrusage writes the struct we pass and nothing else.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    assert_eq!(rc, 0, "getrusage");
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (secs(ru.ru_utime), secs(ru.ru_stime))
}

/// utime + stime of a process (all its threads), in seconds.
fn proc_cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after "(comm)": state is field 3, utime 14, stime 15 (1-based).
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    // SAFETY: sysconf has no memory effects.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Some(ticks / if hz > 0.0 { hz } else { 100.0 })
}

fn percentiles(h: &Histogram<u64>) -> Value {
    let us = |ns: u64| (ns as f64 / 1e3 * 1000.0).round() / 1000.0;
    if h.is_empty() {
        return Value::Null;
    }
    json!({
        "count": h.len(),
        "p50": us(h.value_at_quantile(0.50)),
        "p90": us(h.value_at_quantile(0.90)),
        "p99": us(h.value_at_quantile(0.99)),
        "p999": us(h.value_at_quantile(0.999)),
        "max": us(h.max()),
        "mean": (h.mean() / 1e3 * 1000.0).round() / 1000.0,
    })
}

pub fn json(a: &Args, st: &Stats, secs: f64, before: &Snapshot, after: &Snapshot, unfinished: u64) -> String {
    let per_s = |n: u64| (n as f64 / secs * 10.0).round() / 10.0;
    let user = after.user_s - before.user_s;
    let sys = after.sys_s - before.sys_s;
    let server = match (a.server_pid, before.server_s, after.server_s) {
        (Some(pid), Some(b), Some(e)) => json!({ "pid": pid, "cpu_s": e - b, "util": (e - b) / secs }),
        _ => Value::Null,
    };
    let e = &st.errors;
    let v = json!({
        "tool": "msgtrans-loadgen",
        "version": env!("CARGO_PKG_VERSION"),
        "config": {
            "transport": a.transport.name(), "mode": a.mode.name(), "host": a.host, "port": a.port,
            "path": a.path, "conns": a.conns, "depth": a.depth, "size": a.size, "route": a.route,
            "biz": a.biz, "rate": a.rate, "duration_s": a.duration, "warmup_s": a.warmup,
            "subscribers": if a.mode == crate::args::Mode::Publish { Some(a.subscribers) } else { None },
        },
        "measured_s": secs,
        "msgs": st.msgs.get(),
        "msgs_per_s": per_s(st.msgs.get()),
        "bytes": st.payload_bytes.get(),
        "bytes_per_s": per_s(st.payload_bytes.get()),
        "wire_bytes_per_s": per_s(st.wire_bytes.get()),
        "sent": st.sent.get(),
        "sent_per_s": per_s(st.sent.get()),
        "latency_from": if a.rate.is_some() { "intended_send" } else { "actual_send" },
        "latency_us": percentiles(&st.latency.borrow()),
        "send_lateness_us": if a.rate.is_some() { percentiles(&st.lateness.borrow()) } else { Value::Null },
        "unfinished": unfinished,
        "errors": {
            "connect": e.connect.get(), "io": e.io.get(), "protocol": e.protocol.get(),
            "error_replies": e.error_replies.get(), "closed": e.closed.get(),
            "total": e.connect.get() + e.io.get() + e.protocol.get() + e.error_replies.get() + e.closed.get(),
            "first": st.first_error.borrow().clone(),
        },
        "loadgen_cpu": { "user_s": user, "sys_s": sys, "cpu_s": user + sys, "util": (user + sys) / secs },
        "server_cpu": server,
    });
    v.to_string()
}
