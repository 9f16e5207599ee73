//! Faults below HTTP: a connection reset without an answer, and an answer cut short.
//!
//! hyper's service answers with a response or fails; nothing in between reaches the socket. So:
//! - **reset**: the service fails ([`WireError::Reset`]), hyper drops the connection without
//!   writing anything, and the stream, told so through its [`ConnectionFaults`], closes with
//!   `SO_LINGER` 0, which makes the kernel send a TCP RST instead of a FIN: the client reads
//!   "connection reset by peer".
//! - **truncate**: the response keeps its real head (its `Content-Length` is the whole body's) and
//!   its body yields the first N bytes, waits a moment so hyper flushes them, then fails: hyper
//!   aborts the connection with an ordinary close, and the client sees a body shorter than
//!   announced followed by the end of the stream.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// How long a cut body waits after its last bytes before failing: time for hyper to hand them to
/// the kernel, which still delivers them after the close (an ordinary close keeps queued data).
const FLUSH_PAUSE: Duration = Duration::from_millis(20);

/// Why a connection ended on purpose.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("the connection was reset by a fault rule, without an answer")]
    Reset,
    #[error("the body was cut by a fault rule after {sent} of {total} bytes")]
    Truncated { sent: usize, total: usize },
}

/// What the server writes as a response body: the whole answer, or its first bytes.
pub enum WireBody {
    Whole(Full<Bytes>),
    Cut(Cut),
}

/// The first bytes of a body, then a failure.
pub struct Cut {
    prefix: Option<Bytes>,
    sent: usize,
    total: usize,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl WireBody {
    /// The first `keep` bytes of `body` (`body.len()` announced).
    pub fn cut(body: Bytes, keep: usize) -> WireBody {
        let total = body.len();
        let sent = keep.min(total);
        WireBody::Cut(Cut {
            prefix: Some(body.slice(..sent)).filter(|b| !b.is_empty()),
            sent,
            total,
            pause: None,
        })
    }
}

impl Body for WireBody {
    type Data = Bytes;
    type Error = WireError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, WireError>>> {
        match self.get_mut() {
            WireBody::Whole(full) => Pin::new(full)
                .poll_frame(cx)
                .map(|f| f.map(|r| r.map_err(|never| match never {}))),
            WireBody::Cut(cut) => {
                if let Some(prefix) = cut.prefix.take() {
                    return Poll::Ready(Some(Ok(Frame::data(prefix))));
                }
                let pause = cut
                    .pause
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(FLUSH_PAUSE)));
                match pause.as_mut().poll(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(()) => Poll::Ready(Some(Err(WireError::Truncated {
                        sent: cut.sent,
                        total: cut.total,
                    }))),
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            WireBody::Whole(full) => full.is_end_stream(),
            // Never: hyper must poll it to its failure, even after the last byte.
            WireBody::Cut(_) => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            WireBody::Whole(full) => full.size_hint(),
            // The whole body's length: the head announces what the client will not get.
            WireBody::Cut(cut) => SizeHint::with_exact(cut.total as u64),
        }
    }
}

/// What a connection's requests can ask of its socket.
#[derive(Debug, Default)]
pub struct ConnectionFaults {
    reset: AtomicBool,
}

impl ConnectionFaults {
    /// Asks for the connection to end with a TCP reset when it closes.
    pub fn reset_on_close(&self) {
        self.reset.store(true, Ordering::Relaxed);
    }
}

/// The accepted socket as hyper sees it: every read and write goes straight through; on drop a
/// reset asked for by a request closes it abortively.
pub struct FaultableStream {
    inner: TcpStream,
    faults: Arc<ConnectionFaults>,
}

impl FaultableStream {
    pub fn new(inner: TcpStream, faults: Arc<ConnectionFaults>) -> FaultableStream {
        FaultableStream { inner, faults }
    }
}

impl Drop for FaultableStream {
    fn drop(&mut self) {
        if self.faults.reset.load(Ordering::Relaxed) {
            // A zero linger never blocks: the kernel discards what is queued and sends RST.
            if let Err(e) = self.inner.set_zero_linger() {
                tracing::debug!(error = %e, "could not ask for a reset; the connection closes normally");
            }
        }
    }
}

impl AsyncRead for FaultableStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for FaultableStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
