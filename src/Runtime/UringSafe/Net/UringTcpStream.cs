using System.Net;
using UringSafe.Async;

namespace UringSafe.Net;

/// <summary>
/// A TCP connection on the current reactor's io_uring: accepted by a <see cref="UringTcpListener"/> or made with
/// <see cref="ConnectAsync(EndPoint, CancellationToken)"/>. See <see cref="UringSocketStream"/> for the I/O.
/// </summary>
public sealed class UringTcpStream : UringSocketStream
{
    internal UringTcpStream(int fd, EndPoint? remoteEndPoint) : base(fd, remoteEndPoint)
    {
    }

    private UringTcpStream(SharedFd socket, EndPoint? remoteEndPoint) : base(socket, remoteEndPoint)
    {
    }

    /// <summary>Connects to <paramref name="endPoint"/> (an <see cref="IPEndPoint"/>) with IORING_OP_SOCKET and IORING_OP_CONNECT.
    /// A refused connection throws <see cref="UringSocketException"/> with ECONNREFUSED (SocketError.ConnectionRefused).</summary>
    public static async ValueTask<UringTcpStream> ConnectAsync(EndPoint endPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        if (endPoint is not IPEndPoint)
            throw new ArgumentException("A TCP stream connects to an IPEndPoint; use UringUnixStream for Unix sockets.", nameof(endPoint));
        SharedFd socket = await ConnectSocketAsync(endPoint, cancellationToken);
        return new UringTcpStream(socket, endPoint);
    }

    /// <summary>Connects to <paramref name="address"/>:<paramref name="port"/>.</summary>
    public static ValueTask<UringTcpStream> ConnectAsync(IPAddress address, int port, CancellationToken cancellationToken = default)
        => ConnectAsync(new IPEndPoint(address, port), cancellationToken);

    /// <summary>TCP_NODELAY: send small segments at once instead of coalescing them (Nagle).</summary>
    public bool NoDelay
    {
        get => SockAddr.GetOption(RawFd, SockAddr.IpProtoTcp, SockAddr.TcpNoDelay, "TCP_NODELAY") != 0;
        set => SockAddr.SetOption(RawFd, SockAddr.IpProtoTcp, SockAddr.TcpNoDelay, value ? 1 : 0, "TCP_NODELAY");
    }

    /// <summary>SO_KEEPALIVE: probe an idle connection so a vanished peer is noticed.</summary>
    public bool KeepAlive
    {
        get => SockAddr.GetOption(RawFd, SockAddr.SolSocket, SockAddr.SoKeepAlive, "SO_KEEPALIVE") != 0;
        set => SockAddr.SetOption(RawFd, SockAddr.SolSocket, SockAddr.SoKeepAlive, value ? 1 : 0, "SO_KEEPALIVE");
    }

    /// <summary>SO_LINGER with a zero timeout: the next close sends RST instead of FIN (an abortive close).</summary>
    public unsafe void SetLingerZero()
    {
        int* linger = stackalloc int[2] { 1, 0 };
        if (Tmds.Linux.LibC.setsockopt(RawFd, SockAddr.SolSocket, 13 /* SO_LINGER */, linger, 8) != 0)
            throw new UringSocketException(Tmds.Linux.LibC.errno, "setsockopt(SO_LINGER)");
    }
}

/// <summary>A Unix domain stream socket connection. See <see cref="UringSocketStream"/> for the I/O.</summary>
public sealed class UringUnixStream : UringSocketStream
{
    internal UringUnixStream(int fd, EndPoint? remoteEndPoint) : base(fd, remoteEndPoint)
    {
    }

    private UringUnixStream(SharedFd socket, EndPoint? remoteEndPoint) : base(socket, remoteEndPoint)
    {
    }

    /// <summary>Connects to the Unix socket at <paramref name="path"/> (a leading '@' or NUL names an abstract socket).</summary>
    public static ValueTask<UringUnixStream> ConnectAsync(string path, CancellationToken cancellationToken = default)
        => ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(path), cancellationToken);

    /// <summary>Connects to <paramref name="endPoint"/>.</summary>
    public static async ValueTask<UringUnixStream> ConnectAsync(System.Net.Sockets.UnixDomainSocketEndPoint endPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        SharedFd socket = await ConnectSocketAsync(endPoint, cancellationToken);
        return new UringUnixStream(socket, endPoint);
    }
}
