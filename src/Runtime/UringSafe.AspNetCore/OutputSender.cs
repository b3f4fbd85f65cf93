using System.Buffers;
using System.Runtime.CompilerServices;
using Tmds.Linux;
using UringSafe.Async;
using UringSafe.Net;
using static Tmds.Linux.LibC;

namespace UringSafe.AspNetCore;

/// <summary>
/// Sends one connection's output-pipe data straight from the pipe's pinned segments (no copy into an I/O buffer).
/// Two ways, one after the other, as the sockets transport does: first a non-blocking send(2)/sendmsg(2) on the
/// thread that flushed (the application's, since the output pipe's reader scheduler is inline), so a response that
/// fits the socket buffer leaves without waking the reactor; what does not fit (EAGAIN, a full socket buffer) goes to
/// the reactor as io_uring sendmsg operations (<see cref="VectorSendOperation"/>), which wait for room in the kernel.
/// Used by the connection's send loop only, one send at a time.
/// </summary>
internal sealed class OutputSender(UringTcpStream stream, UringReactor reactor, ReactorContext? counters = null)
{
    private SendVector? _vector;

    private SendVector Vector => _vector ??= new SendVector();

    /// <summary>
    /// Sends what the socket buffer takes of <paramref name="data"/> now, without blocking, from any thread; returns the
    /// bytes sent (0 when the buffer is full). The socket is open: the connection closes it only after its send loop,
    /// the only caller, has ended. Errors other than EAGAIN throw <see cref="UringSocketException"/>.
    /// </summary>
    public unsafe long SendNonBlocking(in ReadOnlySequence<byte> data)
    {
        int fd = stream.Fd;
        long sent = 0;
        ReadOnlySequence<byte> rest = data;
        while (!rest.IsEmpty)
        {
            long covered;
            ssize_t n;
            if (rest.IsSingleSegment)
            {
                ReadOnlyMemory<byte> memory = rest.First;
                covered = memory.Length;
                using MemoryHandle pin = memory.Pin();
                n = send(fd, pin.Pointer, memory.Length, MSG_DONTWAIT | MSG_NOSIGNAL);
            }
            else
            {
                SendVector vector = Vector;
                covered = vector.Pin(rest);
                msghdr msg = default;
                msg.msg_iov = vector.Iov;
                msg.msg_iovlen = vector.Count;
                n = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
                vector.Unpin();
            }
            if (n < 0)
            {
                int e = errno;
                if (e == EINTR)
                    continue;
                if (e == EAGAIN)
                    break;
                throw new UringSocketException(e, "sendmsg");
            }
            sent += n;
            rest = rest.Slice(n);
            if (n < covered)
                break; // the socket buffer is full
        }
        return sent;
    }

    /// <summary>One io_uring sendmsg of up to <see cref="SendVector.MaxSegments"/> segments of <paramref name="data"/>
    /// (call on the reactor thread; await it before advancing the pipe past <paramref name="data"/>). Returns the bytes
    /// sent; 0 throws (the kernel accepted nothing: the peer is gone). <paramref name="cancellationToken"/> ends a send
    /// that waits for room (an aborted connection).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> SendOnRingAsync(ReadOnlySequence<byte> data, CancellationToken cancellationToken = default)
    {
        counters?.CountRingSend();
        int n = await reactor.Execute<VectorSendOperation, int>(
            new VectorSendOperation(stream.SharedFd.RefOn(reactor), Vector, data), stream.SharedFd, cancellationToken);
        if (n == 0)
            throw new UringSocketException(Net.SocketErrors.EPIPE, "SendMsg: the kernel accepted zero bytes");
        return n;
    }
}
