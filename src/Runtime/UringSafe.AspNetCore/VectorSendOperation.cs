using System.Buffers;
using Tmds.Linux;
using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Net;
using UringSafe.Raw;
using UringSafe.Raw.Ops;

namespace UringSafe.AspNetCore;

/// <summary>
/// One IORING_OP_SENDMSG (Linux 5.3, sendmsg(2)) of up to <see cref="SendVector.MaxSegments"/> output-pipe segments,
/// straight from the pipe's memory. The segments are pinned in <see cref="Prepare"/> and unpinned at the final
/// completion (success, error or cancellation), never earlier: the caller advances the pipe only after the await
/// returns or throws. The result is the byte count (maybe short: the caller sends the rest). The msghdr lives in the
/// operation's scratch area; the iovecs in the connection's pinned <see cref="SendVector"/>; the sequence is held
/// here, so its memory stays reachable even if the reactor abandons the operation at shutdown.
/// </summary>
internal unsafe struct VectorSendOperation(FileRef fd, SendVector vector, ReadOnlySequence<byte> data) : IUringOperation<int>
{
    public void Prepare(ref Sqe sqe, in OperationContext context)
    {
        vector.Pin(data);
        msghdr* msg = context.ScratchAs<msghdr>();
        msg->msg_iov = vector.Iov;
        msg->msg_iovlen = vector.Count;
        sqe = new SendMsg(fd, (nint)msg).MsgFlags((uint)LibC.MSG_NOSIGNAL).Build();
    }

    public int Complete(int result, CqeFlags flags)
    {
        vector.Unpin();
        return result;
    }

    public object? Release(int result)
    {
        vector.Unpin();
        return null;
    }

    public Exception? MapError(int errno, string operation, int fd, object? buffer)
        => new UringSocketException(errno, "SendMsg", buffer);

    public string? DescribeBuffer() => $"output pipe, {data.Length} B";
}
