using System.Net;
using System.Net.Sockets;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Raw;

namespace UringSafe.Net;

/// <summary>
/// A UDP socket on the current reactor's io_uring. Datagrams go out with sendmsg and come in with recvmsg; the msghdr,
/// iovec and sockaddr live in the operation's native scratch area, and the buffer is lend-and-return:
/// <c>(n, buf, from) = await udp.ReceiveFromAsync(buf);</c>
/// </summary>
public sealed class UringUdpSocket : IDisposable, IAsyncDisposable, ISharedFdOwner, IFdContext
{
    private readonly SharedFd _socket;

    private readonly EndPoint _bound;

    private UringUdpSocket(int fd, EndPoint localEndPoint)
    {
        _socket = new SharedFd(fd, "udp socket") { Context = this };
        _bound = SockAddr.SockName(fd) ?? localEndPoint; // with the port the kernel chose for port 0
    }

    string IFdContext.Describe() => SockAddr.Describe("udp socket", _bound, null);

    /// <summary>Creates a socket bound to <paramref name="localEndPoint"/> (port 0 picks a free port).</summary>
    public static UringUdpSocket Bind(IPEndPoint localEndPoint, bool reusePort = false)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        _ = UringReactor.Current;
        int fd = SockAddr.Socket(SockAddr.Family(localEndPoint), SockAddr.SockDgram, "Socket(UDP)");
        try
        {
            if (reusePort)
                SockAddr.SetOption(fd, SockAddr.SolSocket, SockAddr.SoReusePort, 1, "SO_REUSEPORT");
            SockAddr.Bind(fd, localEndPoint);
        }
        catch
        {
            SharedFd.CloseOrphan(fd);
            throw;
        }
        return new UringUdpSocket(fd, localEndPoint);
    }

    /// <summary>The bound address.</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)(SockAddr.SockName(RawFd) ?? throw new InvalidOperationException("The socket is not bound."));

    /// <summary>The descriptor (-1 once closed).</summary>
    public int Fd => _socket.Number;

    /// <summary>The owner of the socket's descriptor.</summary>
    public SharedFd SharedFd => _socket;

    private int RawFd => _socket.Value;

    private FileRef FileRef => FileRef.Fd(_socket.Raw); // the submit path refuses a closed socket, with the buffer

    /// <summary>Sends the buffer's <see cref="IoBuffer.Length"/> bytes as one datagram to <paramref name="remoteEndPoint"/> (sendmsg).</summary>
    public ValueTask<ReceiveFromResult<IoBuffer>> SendToAsync([Lends] IoBuffer buffer, EndPoint remoteEndPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        return UringReactor.Current.Execute<MessageTransfer, ReceiveFromResult<IoBuffer>>(new MessageTransfer(FileRef, buffer, remoteEndPoint, receive: false), _socket, cancellationToken);
    }

    /// <summary>Receives one datagram into the buffer (its Length becomes the size) and reports the sender (recvmsg).</summary>
    public ValueTask<ReceiveFromResult<IoBuffer>> ReceiveFromAsync([Lends] IoBuffer buffer, CancellationToken cancellationToken = default)
        => UringReactor.Current.Execute<MessageTransfer, ReceiveFromResult<IoBuffer>>(new MessageTransfer(FileRef, buffer, null, receive: true), _socket, cancellationToken);

    /// <summary>Cancels pending sends and receives and closes the socket once they have completed.</summary>
    public void Dispose() => _socket.Close();

    /// <summary>As <see cref="Dispose"/>, completing once the socket is closed.</summary>
    public ValueTask DisposeAsync() => new(_socket.CloseAsync());
}
