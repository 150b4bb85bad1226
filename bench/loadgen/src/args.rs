//! Command line: `--key value` pairs, every value bounded by a named limit.

pub const MAX_CONNS: usize = 10_000;
pub const MAX_SUBSCRIBERS: usize = 20_000;
pub const MAX_DEPTH: usize = 65_536;
pub const MAX_SIZE: usize = 16 * 1024 * 1024;
pub const MAX_DURATION_S: f64 = 600.0;
pub const MAX_RATE: f64 = 50_000_000.0;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Transport {
    Tcp,
    Ws,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// One-way packets the server echoes back (one-way) on the same connection.
    Echo,
    /// Requests answered by responses, matched by message id.
    Rr,
    /// No framing: payload-sized chunks (TCP) or frames (WS) echoed by a raw server.
    Raw,
    /// Subscribers join a topic; publishers send one-way packets the server fans out.
    Publish,
}

#[derive(Clone, Debug)]
pub struct Args {
    pub transport: Transport,
    pub mode: Mode,
    pub host: String,
    pub port: u16,
    pub path: String,
    pub conns: usize,
    pub depth: usize,
    pub size: usize,
    pub route: Option<String>,
    pub biz: u8,
    /// Total messages per second over all connections (fixed-rate mode), or None (closed loop).
    pub rate: Option<f64>,
    pub duration: f64,
    pub warmup: f64,
    pub subscribers: usize,
    pub topic: String,
    pub server_pid: Option<u32>,
    pub connect_timeout: f64,
}

pub const USAGE: &str = "msgtrans-loadgen --port P [options]
  --transport tcp|ws      (tcp)
  --mode echo|rr|raw|publish  (echo)
  --host H                (127.0.0.1)     --path /p      WebSocket path (/)
  --conns N               connections (10); publishers in publish mode
  --depth D               in-flight messages per connection (8); publish: per subscriber
  --size B                payload bytes (64)
  --route NAME            address by ext header route:NAME (flag 0x4); else by --biz
  --biz N                 biz_type (0)
  --rate R                fixed rate, total msgs/s; latency from intended send time
  --duration S            measured seconds (5)   --warmup S   unmeasured seconds first (1)
  --subscribers N         publish mode: subscriber connections (100)
  --topic T               publish mode: topic joined with $subscribe (bench)
  --server-pid PID        report that process's CPU seconds over the measured window
Prints one JSON object on stdout.";

impl Default for Args {
    fn default() -> Self {
        Args {
            transport: Transport::Tcp,
            mode: Mode::Echo,
            host: "127.0.0.1".into(),
            port: 0,
            path: "/".into(),
            conns: 10,
            depth: 8,
            size: 64,
            route: None,
            biz: 0,
            rate: None,
            duration: 5.0,
            warmup: 1.0,
            subscribers: 100,
            topic: "bench".into(),
            server_pid: None,
            connect_timeout: 5.0,
        }
    }
}

pub fn parse(argv: &[String]) -> Result<Args, String> {
    let mut a = Args::default();
    let mut i = 0;
    while i < argv.len() {
        let key = argv[i].as_str();
        if key == "--help" || key == "-h" {
            return Err(USAGE.into());
        }
        let val = argv.get(i + 1).ok_or_else(|| format!("{key} needs a value"))?.as_str();
        match key {
            "--transport" => a.transport = transport(val)?,
            "--mode" => a.mode = mode(val)?,
            "--host" => a.host = val.into(),
            "--port" => a.port = num(key, val, 1.0, 65535.0)? as u16,
            "--path" => a.path = val.into(),
            "--conns" => a.conns = num(key, val, 1.0, MAX_CONNS as f64)? as usize,
            "--depth" => a.depth = num(key, val, 1.0, MAX_DEPTH as f64)? as usize,
            "--size" => a.size = num(key, val, 0.0, MAX_SIZE as f64)? as usize,
            "--route" => a.route = Some(val.into()),
            "--biz" => a.biz = num(key, val, 0.0, 255.0)? as u8,
            "--rate" => a.rate = Some(num(key, val, 1.0, MAX_RATE)?),
            "--duration" => a.duration = num(key, val, 0.05, MAX_DURATION_S)?,
            "--warmup" => a.warmup = num(key, val, 0.0, MAX_DURATION_S)?,
            "--subscribers" => a.subscribers = num(key, val, 1.0, MAX_SUBSCRIBERS as f64)? as usize,
            "--topic" => a.topic = val.into(),
            "--server-pid" => a.server_pid = Some(num(key, val, 1.0, u32::MAX as f64)? as u32),
            "--connect-timeout" => a.connect_timeout = num(key, val, 0.1, 60.0)?,
            _ => return Err(format!("unknown option {key}\n{USAGE}")),
        }
        i += 2;
    }
    validate(&a)?;
    Ok(a)
}

fn validate(a: &Args) -> Result<(), String> {
    if a.port == 0 {
        return Err(format!("--port is required\n{USAGE}"));
    }
    if a.mode == Mode::Publish && a.transport != Transport::Tcp {
        return Err("publish mode runs over tcp only".into());
    }
    if a.mode == Mode::Publish && a.rate.is_some() {
        return Err("publish mode is closed-loop only (no --rate)".into());
    }
    if a.mode == Mode::Publish && a.size < 8 {
        return Err("publish mode needs --size >= 8 (the send time rides in the payload)".into());
    }
    if a.mode == Mode::Raw && a.size == 0 {
        return Err("raw mode needs --size >= 1".into());
    }
    Ok(())
}

fn transport(v: &str) -> Result<Transport, String> {
    match v {
        "tcp" => Ok(Transport::Tcp),
        "ws" => Ok(Transport::Ws),
        _ => Err(format!("--transport: expected tcp or ws, got {v}")),
    }
}

fn mode(v: &str) -> Result<Mode, String> {
    match v {
        "echo" => Ok(Mode::Echo),
        "rr" => Ok(Mode::Rr),
        "raw" => Ok(Mode::Raw),
        "publish" => Ok(Mode::Publish),
        _ => Err(format!("--mode: expected echo, rr, raw or publish, got {v}")),
    }
}

fn num(key: &str, v: &str, min: f64, max: f64) -> Result<f64, String> {
    let n: f64 = v.parse().map_err(|_| format!("{key}: not a number: {v}"))?;
    if !(min..=max).contains(&n) {
        return Err(format!("{key}: {n} outside [{min}, {max}]"));
    }
    Ok(n)
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Echo => "echo",
            Mode::Rr => "rr",
            Mode::Raw => "raw",
            Mode::Publish => "publish",
        }
    }
}

impl Transport {
    pub fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Ws => "ws",
        }
    }
}
