using System.Net;
using System.Net.Sockets;
using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Raw;
using UringSafe.Raw.Ops;

namespace UringSafe.Net;

/// <summary>
/// A connected stream socket driven by the current reactor's io_uring (TCP: <see cref="UringTcpStream"/>, Unix:
/// <see cref="UringUnixStream"/>). Reads and writes are lend-and-return, like tokio-uring's:
/// <c>(n, buf) = await stream.ReadAsync(buf);</c> — the buffer belongs to the kernel until it comes back, on success
/// and, through <see cref="UringSocketException.Buffer"/>, on failure. Use it from the reactor thread that made it.
/// </summary>
public abstract partial class UringSocketStream : IAsyncDisposable, IDisposable, ISharedFdOwner, IFdContext
{
    private readonly SharedFd _socket;
    private MultishotReceiver? _receiver;
    private readonly EndPoint? _localEndPoint;

    private protected UringSocketStream(int fd, EndPoint? remoteEndPoint)
        : this(new SharedFd(fd, "socket"), remoteEndPoint)
    {
    }

    private protected UringSocketStream(SharedFd socket, EndPoint? remoteEndPoint)
    {
        _socket = socket;
        RemoteEndPoint = remoteEndPoint;
        // Read once, at connect or accept: read later (by a message built on a diagnostics thread while the socket
        // closes) the number could already name another socket.
        _localEndPoint = SockAddr.SockName(socket.Raw);
        _socket.Context = this;
    }

    string IFdContext.Describe() => SockAddr.Describe("socket", _localEndPoint, RemoteEndPoint);

    /// <summary>The socket's file descriptor (-1 once closed).</summary>
    public int Fd => _socket.Number;

    /// <summary>The owner of the socket's descriptor: operations in flight hold it open, and closing cancels them first.</summary>
    public SharedFd SharedFd => _socket;

    /// <summary>The peer's address.</summary>
    public EndPoint? RemoteEndPoint { get; }

    /// <summary>This side's address (null once closed).</summary>
    public EndPoint? LocalEndPoint => _socket.IsClosing ? null : _localEndPoint;

    internal FileRef FileRef => FileRef.Fd(_socket.Raw); // the submit path refuses a closed socket, with the buffer

    // ---- lend-and-return reads and writes ----

    // Single-shot reads and writes are generated from these declarations (UringOperationGenerator): the operation is
    // stored by value in the reactor's pooled completion source, and MapSocketError turns errors into
    // UringSocketExceptions carrying the buffer back.

    /// <summary>Receives up to <see cref="IoBuffer.Capacity"/> bytes into <paramref name="buffer"/> (its Length becomes the
    /// count; 0 means the peer closed). Errors throw <see cref="UringSocketException"/> carrying the buffer.</summary>
    [UringOperation(nameof(PrepareRecv), FillsBuffer = true, ErrorMapper = nameof(MapSocketError))]
    public partial ValueTask<IoResult<IoBuffer>> ReadAsync([Lends] IoBuffer buffer, CancellationToken cancellationToken = default);

    /// <summary>Receives up to <c>buffer.Length</c> bytes into an array pinned for the operation.</summary>
    [UringOperation(nameof(PrepareRecv), ErrorMapper = nameof(MapSocketError))]
    public partial ValueTask<IoResult<byte[]>> ReadAsync([Lends] byte[] buffer, CancellationToken cancellationToken = default);

    /// <summary>Receives up to <c>buffer.Length</c> bytes into memory pinned for the operation.</summary>
    [UringOperation(nameof(PrepareRecv), ErrorMapper = nameof(MapSocketError))]
    public partial ValueTask<IoResult<Memory<byte>>> ReadAsync([Lends] Memory<byte> buffer, CancellationToken cancellationToken = default);

    /// <summary>Sends the buffer's <see cref="IoBuffer.Length"/> bytes (maybe fewer: see the result, or use
    /// <see cref="WriteAllAsync(IoBuffer, CancellationToken)"/>). MSG_NOSIGNAL: a closed peer is EPIPE, never SIGPIPE.</summary>
    [UringOperation(nameof(PrepareSend), ErrorMapper = nameof(MapSocketError))]
    public partial ValueTask<IoResult<IoBuffer>> WriteAsync([Lends] IoBuffer buffer, CancellationToken cancellationToken = default);

    /// <summary>Sends the array (maybe partly: see the result).</summary>
    [UringOperation(nameof(PrepareSend), ErrorMapper = nameof(MapSocketError))]
    public partial ValueTask<IoResult<byte[]>> WriteAsync([Lends] byte[] buffer, CancellationToken cancellationToken = default);

    /// <summary>Sends the memory (maybe partly: see the result).</summary>
    [UringOperation(nameof(PrepareSend), ErrorMapper = nameof(MapSocketError))]
    public partial ValueTask<IoResult<ReadOnlyMemory<byte>>> WriteAsync([Lends] ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default);

    private Sqe PrepareRecv(in LentRegion buffer) => new Recv(FileRef, buffer.Address, (uint)buffer.Capacity).Build();

    private Sqe PrepareSend(in LentRegion buffer) => PrepareSendRest(buffer, 0);

    // The bytes from progress on: a send-all's rounds after a short send.
    private Sqe PrepareSendRest(in LentRegion buffer, int progress)
        => new Send(FileRef, buffer.Address + progress, (uint)(buffer.Length - progress)).MsgFlags(SockAddr.MsgNoSignal).Build();

    /// <summary>The generated operations' errors: a <see cref="UringSocketException"/> carrying the buffer back.</summary>
    private static Exception MapSocketError(int errno, string operation, int fd, object? buffer)
        => new UringSocketException(errno, operation, buffer);

    /// <summary>Sends all of the buffer's <see cref="IoBuffer.Length"/> bytes, resubmitting after short sends, and hands it
    /// back (one await, nothing allocated).</summary>
    [UringOperation(nameof(PrepareSendRest), TransfersAll = true, ErrorMapper = nameof(MapSocketError))]
    public partial ValueTask<IoResult<IoBuffer>> WriteAllAsync([Lends] IoBuffer buffer, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends all of a received buffer's bytes straight from the provided-buffer ring (no copy), resubmitting after
    /// short sends, and hands the lease back for you to <see cref="ReceivedBuffer.Return"/>: a zero-copy echo. While
    /// lent, the lease's span and hand-back throw <see cref="Buffers.BufferLentException"/>. On failure the
    /// <see cref="UringSocketException.Buffer"/> is the lease (boxed).
    /// </summary>
    [UringOperation(nameof(PrepareSendRest), TransfersAll = true, ErrorMapper = nameof(MapSocketError))]
    public partial ValueTask<IoResult<ReceivedBuffer>> WriteAllAsync([Lends] ReceivedBuffer buffer, CancellationToken cancellationToken = default);

    /// <summary>Sends all of <paramref name="buffer"/>, resubmitting after short sends.</summary>
    [UringOperation(nameof(PrepareSendRest), TransfersAll = true, ErrorMapper = nameof(MapSocketError))]
    public partial ValueTask<IoResult<ReadOnlyMemory<byte>>> WriteAllAsync([Lends] ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default);

    /// <summary>Sends all of the array, resubmitting after short sends.</summary>
    [UringOperation(nameof(PrepareSendRest), TransfersAll = true, ErrorMapper = nameof(MapSocketError))]
    public partial ValueTask<IoResult<byte[]>> WriteAllAsync([Lends] byte[] buffer, CancellationToken cancellationToken = default);

    /// <summary>
    /// Zero-copy send (IORING_OP_SEND_ZC): the kernel transmits straight from the buffer's memory, so the buffer comes
    /// back only after the notification completion (IORING_CQE_F_NOTIF) says the network stack is done with it. The
    /// result is the byte count of the first completion. Uses SEND_ZC_FIXED when the buffer's pool is registered.
    /// </summary>
    [UringOperation(nameof(PrepareSendZc), ErrorMapper = nameof(MapSocketError))]
    public partial ValueTask<IoResult<IoBuffer>> SendZcAsync([Lends] IoBuffer buffer, CancellationToken cancellationToken = default);

    private Sqe PrepareSendZc(in LentRegion buffer)
        => buffer.IsFixed
            ? new SendZcFixed(FileRef, buffer.Address, (uint)buffer.Length, (ushort)buffer.FixedIndex).MsgFlags(SockAddr.MsgNoSignal).Build()
            : new SendZc(FileRef, buffer.Address, (uint)buffer.Length).MsgFlags(SockAddr.MsgNoSignal).Build();

    private static UringReactor Reactor => UringReactor.Current;

    // ---- multishot receive over provided buffers ----

    /// <summary>
    /// Receives into a buffer the kernel picks from <paramref name="pool"/> (a multishot recv, armed on the first call
    /// and kept armed: data arriving between calls is queued). The result is a lease: hand it back exactly once
    /// (<see cref="ReceivedBuffer.Return"/>). <see cref="ReceivedBuffer.IsEndOfStream"/> means the peer closed.
    /// </summary>
    public ValueTask<ReceivedBuffer> ReceiveAsync(ProvidedBufferPool pool, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (_socket.IsClosing)
            return ValueTask.FromException<ReceivedBuffer>(new DescriptorClosedException(_socket.Description, null));
        _receiver ??= new MultishotReceiver(_socket, pool);
        if (_receiver.Pool != pool)
            throw new InvalidOperationException("This stream already receives from another ProvidedBufferPool.");
        return _receiver.NextAsync(cancellationToken);
    }

    /// <summary>
    /// Back-pressure for <see cref="ReceiveAsync(ProvidedBufferPool, CancellationToken)"/>: cancels the multishot receive
    /// and takes no more buffers until <see cref="ResumeReceiving"/>, so unread data waits in the socket and a slow
    /// reader holds none of the pool. What the kernel received before the cancel landed is still delivered to reads;
    /// after that a read waits for the resume. Call on the reactor thread; does nothing before the first receive.
    /// </summary>
    public void PauseReceiving() => _receiver?.Hold();

    /// <summary>Ends <see cref="PauseReceiving"/>: the multishot receive is armed again.</summary>
    public void ResumeReceiving() => _receiver?.Unhold();

    /// <summary>Cancels the multishot receive (queued buffers go back to their pool).</summary>
    public void StopReceiving()
    {
        _receiver?.Stop();
        _receiver = null;
    }

    // ---- control ----

    /// <summary>Shuts down the receive side, the send side or both (IORING_OP_SHUTDOWN).</summary>
    public async ValueTask ShutdownAsync(SocketShutdown how = SocketShutdown.Send, CancellationToken cancellationToken = default)
    {
        int h = how switch { SocketShutdown.Receive => SockAddr.ShutRd, SocketShutdown.Send => SockAddr.ShutWr, _ => SockAddr.ShutRdWr };
        await Reactor.Execute<SocketControlOperation, int>(new SocketControlOperation(new Shutdown(FileRef, h).Build(), "Shutdown"), _socket, cancellationToken);
    }

    /// <summary>
    /// Stops receiving, cancels the operations pending on the socket, and closes it once they have completed (their
    /// buffers are back by then); the peer sees FIN (or RST after <c>SetLingerZero</c>). Idempotent; never throws
    /// because the ring is busy.
    /// </summary>
    public async ValueTask CloseAsync()
    {
        StopReceiving();
        await _socket.CloseAsync();
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => CloseAsync();

    /// <summary>As <see cref="CloseAsync"/>, without waiting: the number is closed when the last pending operation
    /// has completed.</summary>
    public void Dispose()
    {
        StopReceiving();
        _socket.Close();
        GC.SuppressFinalize(this);
    }

    private protected int RawFd => _socket.Value;

    /// <summary>Connects a new socket of <paramref name="endPoint"/>'s address family to <paramref name="endPoint"/> (IORING_OP_SOCKET + CONNECT).</summary>
    private protected static async ValueTask<SharedFd> ConnectSocketAsync(EndPoint endPoint, CancellationToken cancellationToken)
    {
        int family = SockAddr.Family(endPoint);
        int fd = await Reactor.Execute<SocketControlOperation, int>(
            new SocketControlOperation(new UringSafe.Raw.Ops.Socket(family, SockAddr.SockStream | SockAddr.SockCloexec).Build(), "Socket"), cancellationToken);
        var socket = new SharedFd(fd, $"socket (connecting to {endPoint})");
        try
        {
            await Reactor.Execute<AddressOperation, int>(new AddressOperation(fd, endPoint, bind: false), socket, cancellationToken);
        }
        catch
        {
            socket.Close();
            throw;
        }
        return socket;
    }
}
