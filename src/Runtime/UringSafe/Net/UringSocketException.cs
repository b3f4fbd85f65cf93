using System.Net.Sockets;

namespace UringSafe.Net;

/// <summary>
/// A socket operation failed: a <see cref="SocketException"/> (with the matching <see cref="SocketError"/>) that also
/// carries the kernel's errno, the operation, and the buffer the operation had borrowed, handed back. It is thrown only
/// after the kernel's final completion, so <see cref="Buffer"/> is safe to reuse: <c>buf = (IoBuffer)e.Buffer!</c>.
/// </summary>
public class UringSocketException : SocketException, IReturnsBuffer, IErrorTarget
{
    private string? _message;

    /// <summary>Creates the exception for a failed socket operation.</summary>
    /// <param name="errno">The positive errno value.</param>
    /// <param name="operation">What was attempted, such as "Recv" or "Connect".</param>
    /// <param name="buffer">The buffer handed back, or null.</param>
    public UringSocketException(int errno, string operation, object? buffer = null)
        : base((int)SocketErrors.FromErrno(errno))
    {
        Errno = errno;
        Operation = operation;
        Buffer = buffer;
    }

    /// <summary>The socket the operation acted on, when known: its local and remote endpoints (a listener's or a UDP
    /// socket's local one).</summary>
    public string? Target { get; private set; }

    void IErrorTarget.Attach(string target, string? hint) => (Target, _message) = (Target ?? target, null);

    /// <summary>The positive errno value, such as 104 (ECONNRESET).</summary>
    public int Errno { get; }

    /// <summary>The symbolic errno name, such as ECONNRESET.</summary>
    public string ErrnoName => SocketErrors.Name(Errno);

    /// <summary>The operation that failed.</summary>
    public string Operation { get; }

    /// <summary>The buffer the failed operation had borrowed, handed back (the kernel is done with it), or null.</summary>
    public object? Buffer { get; }

    /// <inheritdoc/>
    public override string Message => _message ??=
        $"{Operation}{(Target is null ? "" : " on " + Target)} failed: {UringSafe.Errno.Describe(Errno)} ({SocketErrors.Name(Errno)}, errno {Errno}, SocketError.{SocketErrorCode})." +
        (SocketErrors.HintFor(Errno) is { } hint ? " " + hint : "");
}

/// <summary>A <see cref="ReceivedBuffer"/> was handed back a second time with <see cref="ReceivedBuffer.Return"/>, or used
/// after its hand-back: an <see cref="ObjectDisposedException"/>, like any use of a disposed object.</summary>
public sealed class BufferAlreadyReturnedException : ObjectDisposedException
{
    /// <summary>Creates the exception.</summary>
    public BufferAlreadyReturnedException(string message) : base(nameof(ReceivedBuffer), message)
    {
    }
}

/// <summary>errno ⇄ <see cref="SocketError"/>.</summary>
public static class SocketErrors
{
#pragma warning disable CS1591
    public const int EAGAIN = 11, EINVAL = 22, EMFILE = 24, ENFILE = 23, EPIPE = 32, ENOTSOCK = 88, EDESTADDRREQ = 89,
        EMSGSIZE = 90, EPROTOTYPE = 91, ENOPROTOOPT = 92, EPROTONOSUPPORT = 93, EOPNOTSUPP = 95, EAFNOSUPPORT = 97,
        EADDRINUSE = 98, EADDRNOTAVAIL = 99, ENETDOWN = 100, ENETUNREACH = 101, ENETRESET = 102, ECONNABORTED = 103,
        ECONNRESET = 104, ENOBUFS = 105, EISCONN = 106, ENOTCONN = 107, ESHUTDOWN = 108, ETIMEDOUT = 110,
        ECONNREFUSED = 111, EHOSTDOWN = 112, EHOSTUNREACH = 113, EALREADY = 114, EINPROGRESS = 115, ECANCELED = 125,
        EACCES = 13, EBADF = 9, EINTR = 4, ENOENT = 2;
#pragma warning restore CS1591

    /// <summary>The <see cref="SocketError"/> .NET reports for <paramref name="errno"/>.</summary>
    public static SocketError FromErrno(int errno) => errno switch
    {
        ECONNRESET => SocketError.ConnectionReset,
        EPIPE or ESHUTDOWN => SocketError.Shutdown,
        ECONNREFUSED => SocketError.ConnectionRefused,
        ENOTCONN => SocketError.NotConnected,
        ECONNABORTED => SocketError.ConnectionAborted,
        ETIMEDOUT => SocketError.TimedOut,
        EADDRINUSE => SocketError.AddressAlreadyInUse,
        EADDRNOTAVAIL => SocketError.AddressNotAvailable,
        ENETDOWN => SocketError.NetworkDown,
        ENETUNREACH => SocketError.NetworkUnreachable,
        ENETRESET => SocketError.NetworkReset,
        EHOSTDOWN => SocketError.HostDown,
        EHOSTUNREACH => SocketError.HostUnreachable,
        EMFILE or ENFILE => SocketError.TooManyOpenSockets,
        ENOBUFS => SocketError.NoBufferSpaceAvailable,
        EINVAL => SocketError.InvalidArgument,
        EAGAIN => SocketError.WouldBlock,
        EACCES => SocketError.AccessDenied,
        EAFNOSUPPORT => SocketError.AddressFamilyNotSupported,
        EMSGSIZE => SocketError.MessageSize,
        ENOTSOCK or EBADF => SocketError.NotSocket,
        EISCONN => SocketError.IsConnected,
        EALREADY => SocketError.AlreadyInProgress,
        EINPROGRESS => SocketError.InProgress,
        EOPNOTSUPP => SocketError.OperationNotSupported,
        EPROTONOSUPPORT => SocketError.ProtocolNotSupported,
        EPROTOTYPE => SocketError.ProtocolType,
        ENOPROTOOPT => SocketError.ProtocolOption,
        EDESTADDRREQ => SocketError.DestinationAddressRequired,
        ECANCELED or EINTR => SocketError.OperationAborted,
        ENOENT => SocketError.AddressNotAvailable,
        _ => SocketError.SocketError,
    };

    /// <summary>What to check or do for the socket errors whose errno alone leaves one guessing, or null.</summary>
    internal static string? HintFor(int errno) => errno switch
    {
        ECONNREFUSED => "Nothing listens on that address and port: is the server up, and is the port right? (A firewall that rejects looks the same.)",
        EADDRINUSE => "Another socket has this address and port already, in this process or another (`ss -ltnp` names the process " +
            "listening on it). Bind port 0 to let the kernel pick a free port, stop the other server, or, to share one port " +
            "between listeners on purpose (one per reactor), set UringListenerOptions.ReusePort = true on each.",
        _ => null,
    };

    /// <summary>The symbolic name of a socket errno.</summary>
    public static string Name(int errno) => errno switch
    {
        EDESTADDRREQ => "EDESTADDRREQ", EMSGSIZE => "EMSGSIZE", EPROTOTYPE => "EPROTOTYPE", ENOPROTOOPT => "ENOPROTOOPT",
        EPROTONOSUPPORT => "EPROTONOSUPPORT", EAFNOSUPPORT => "EAFNOSUPPORT", EADDRNOTAVAIL => "EADDRNOTAVAIL",
        ENETDOWN => "ENETDOWN", ENETUNREACH => "ENETUNREACH", ENETRESET => "ENETRESET", EISCONN => "EISCONN",
        ESHUTDOWN => "ESHUTDOWN", EHOSTDOWN => "EHOSTDOWN", EHOSTUNREACH => "EHOSTUNREACH", EINPROGRESS => "EINPROGRESS",
        _ => UringSafe.Errno.Name(errno),
    };
}
