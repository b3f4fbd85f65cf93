using System.Buffers;
using UringSafe.Async;
using UringSafe.Net;

namespace UringSafe.AspNetCore;

/// <summary>
/// Sends one connection's output-pipe data straight from the pipe's pinned segments (no copy into an I/O buffer), as
/// io_uring sendmsg operations (<see cref="VectorSendOperation"/>) on the connection's reactor. Every send goes through
/// the reactor's submit path, which holds a reference on the socket's <see cref="SharedFd"/> from submission to the
/// final completion: a send can never name a number that was closed (and maybe reused) under it, and one that waits
/// for room in a full socket buffer is cancelled by the close. Used by the connection's send loop only, one send at
/// a time, on the reactor thread.
/// </summary>
internal sealed class OutputSender(UringTcpStream stream, UringReactor reactor, ReactorContext? counters = null)
{
    private SendVector? _vector;

    private SendVector Vector => _vector ??= new SendVector();

    /// <summary>One io_uring sendmsg of up to <see cref="SendVector.MaxSegments"/> segments of <paramref name="data"/>
    /// (call on the reactor thread; await it before advancing the pipe past <paramref name="data"/>). Returns the bytes
    /// sent (check them with <see cref="Accepted"/>). <paramref name="cancellationToken"/> ends a send that waits for room
    /// (an aborted connection). Once the socket's owner is closing, the send is refused. Not an async method: the
    /// reactor's own ValueTask runs its continuation inline on the reactor, where a wrapper's would be posted (and
    /// allocate) through the reactor's synchronization context.</summary>
    public ValueTask<int> SendAsync(ReadOnlySequence<byte> data, CancellationToken cancellationToken = default)
    {
        counters?.CountSend();
        return reactor.Execute<VectorSendOperation, int>(
            new VectorSendOperation(stream.SharedFd.RefOn(reactor), Vector, data), stream.SharedFd, cancellationToken);
    }

    /// <summary>The bytes a send took; 0 throws (the kernel accepted nothing: the peer is gone).</summary>
    public static int Accepted(int sent)
        => sent != 0 ? sent : throw new UringSocketException(Net.SocketErrors.EPIPE, "SendMsg: the kernel accepted zero bytes");
}
