using System.Net.Http;
using UringSafe.Async;

namespace UringSafe.Net.Http;

/// <summary>Outgoing HTTP over UringSafe: <c>new HttpClient(new SocketsHttpHandler().UseUringSafe(executor))</c>.</summary>
public static class SocketsHttpHandlerExtensions
{
    /// <summary>
    /// Makes <paramref name="handler"/> open its connections on <paramref name="executor"/>'s reactors (its
    /// <see cref="SocketsHttpHandler.ConnectCallback"/>, replacing any set before): each TCP connection lives on the
    /// reactor with the fewest open connections, and its I/O is io_uring on that reactor, while HTTP/1.1, HTTP/2 (h2c,
    /// and h2 by ALPN), TLS, proxies, pooling, timeouts and cancellation stay SocketsHttpHandler's. Reads and writes
    /// try a non-blocking syscall on the calling thread first; what must wait goes to the reactor, with the caller's
    /// memory pinned until the operation's final completion. Response processing never runs on a reactor thread.
    /// Errors are SocketsHttpHandler's: <see cref="HttpRequestException"/> around the <see cref="System.Net.Sockets.SocketException"/>
    /// or <see cref="IOException"/>. Keep the executor alive as long as the handler; disposing it fails the
    /// connections' pending and later operations.
    /// </summary>
    public static SocketsHttpHandler UseUringSafe(this SocketsHttpHandler handler, UringExecutor executor)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(executor);
        handler.ConnectCallback = new UringHttpConnector(executor).ConnectAsync;
        return handler;
    }
}
