using Microsoft.Extensions.Logging;
using System.Net;
using UringSafe.Net;

namespace UringSafe.AspNetCore;

/// <summary>The transport's log messages (category <c>UringSafe.AspNetCore</c>).</summary>
internal static class Log
{
    public const string Category = "UringSafe.AspNetCore";

    private static readonly Action<ILogger, string, Exception?> s_fallback = LoggerMessage.Define<string>(
        LogLevel.Warning, new EventId(1, "IoUringUnavailable"),
        "io_uring is unavailable, so Kestrel uses the sockets transport instead of UringSafe: {Reason}");

    private static readonly Action<ILogger, string, EndPoint?, int, Exception?> s_connectionOpen = LoggerMessage.Define<string, EndPoint?, int>(
        LogLevel.Debug, new EventId(2, "ConnectionOpen"), "Connection {ConnectionId} from {RemoteEndPoint} accepted on reactor {Reactor}");

    private static readonly Action<ILogger, string, Exception?> s_connectionClosed = LoggerMessage.Define<string>(
        LogLevel.Debug, new EventId(3, "ConnectionClosed"), "Connection {ConnectionId} closed");

    private static readonly Action<ILogger, string, string, Exception?> s_connectionError = LoggerMessage.Define<string, string>(
        LogLevel.Warning, new EventId(4, "ConnectionError"), "Connection {ConnectionId}: unexpected error in the {Side} loop");

    private static readonly Action<ILogger, int, EndPoint, Exception?> s_acceptError = LoggerMessage.Define<int, EndPoint>(
        LogLevel.Warning, new EventId(5, "AcceptError"), "Reactor {Reactor} stopped accepting on {EndPoint} after an error");

    private static readonly Action<ILogger, EndPoint, int, Exception?> s_bound = LoggerMessage.Define<EndPoint, int>(
        LogLevel.Debug, new EventId(6, "Bound"), "Listening on {EndPoint} with {Reactors} io_uring reactor(s)");

    private static readonly Action<ILogger, int, EndPoint, string, double, Exception?> s_acceptBackoff = LoggerMessage.Define<int, EndPoint, string, double>(
        LogLevel.Warning, new EventId(7, "AcceptBackoff"),
        "Reactor {Reactor} cannot accept on {EndPoint} ({Errno}): backing off {BackoffMs} ms, doubling, and serving the existing connections until an accept succeeds again");

    private static readonly Action<ILogger, string, Exception?> s_userspaceRing = LoggerMessage.Define<string>(
        LogLevel.Warning, new EventId(8, "UserspaceRing"),
        "io_uring is unavailable, so UringSafe's reactors run the userspace ring (epoll and a worker pool): {Reason} Set UringSafeTransportOptions.FallBackToSockets to use Kestrel's sockets transport instead.");

    public static void Fallback(ILogger logger, string reason) => s_fallback(logger, reason, null);

    public static void UserspaceRing(ILogger logger, string reason) => s_userspaceRing(logger, reason, null);

    public static void ConnectionOpen(ILogger logger, string id, EndPoint? remote, int reactor) => s_connectionOpen(logger, id, remote, reactor, null);

    public static void ConnectionClosed(ILogger logger, string id) => s_connectionClosed(logger, id, null);

    public static void ConnectionError(ILogger logger, string id, string side, Exception e) => s_connectionError(logger, id, side, e);

    public static void AcceptError(ILogger logger, int reactor, EndPoint endPoint, Exception e) => s_acceptError(logger, reactor, endPoint, e);

    public static void AcceptBackoff(ILogger logger, int reactor, EndPoint endPoint, TimeSpan backoff, UringSocketException e)
        => s_acceptBackoff(logger, reactor, endPoint, e.ErrnoName, backoff.TotalMilliseconds, e);

    public static void Bound(ILogger logger, EndPoint endPoint, int reactors) => s_bound(logger, endPoint, reactors, null);
}
