//! Free ports and the readiness probe.
//!
//! The crate cannot bind port 0 and tell us the port (the listener is created
//! inside `serve()`), so we take a free port from the kernel and release it;
//! a lost race shows up as a failed probe and the caller starts us again.

use crate::client::connect_client;
use crate::wire::PROBE_EXT;
use msgtrans::transport::TransportOptions;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub fn port_or_free_tcp(port: u16) -> Result<u16, String> {
    if port != 0 {
        return Ok(port);
    }
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

pub fn port_or_free_udp(port: u16) -> Result<u16, String> {
    if port != 0 {
        return Ok(port);
    }
    let s = std::net::UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(s.local_addr().map_err(|e| e.to_string())?.port())
}

/// Connect a msgtrans client to `url`, send one probe packet and wait until
/// the server's handler has counted it; retry until `deadline`.
pub async fn until_accepted(
    url: &str,
    deadline: Instant,
    probes_seen: &AtomicUsize,
) -> Result<(), String> {
    let mut last_error = String::new();
    let mut backoff = Duration::from_millis(5);
    while Instant::now() < deadline {
        let before = probes_seen.load(Ordering::SeqCst);
        match probe_once(url, before, probes_seen, deadline).await {
            Ok(()) => return Ok(()),
            Err(e) => last_error = e,
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_millis(100));
    }
    Err(format!("{url} not accepting before deadline: {last_error}"))
}

async fn probe_once(
    url: &str,
    before: usize,
    probes_seen: &AtomicUsize,
    deadline: Instant,
) -> Result<(), String> {
    let client = connect_client(url, Duration::from_secs(2), 0).await?;
    let options = TransportOptions::new().with_ext_header(bytes::Bytes::from_static(PROBE_EXT));
    let sent = client.send_with_options(bytes::Bytes::new(), options).await;
    let result = match sent {
        Err(e) => Err(e.to_string()),
        Ok(()) => loop {
            if probes_seen.load(Ordering::SeqCst) > before {
                break Ok(());
            }
            if Instant::now() >= deadline {
                break Err("probe packet never reached the handler".to_string());
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        },
    };
    let _ = client.disconnect().await;
    result
}
