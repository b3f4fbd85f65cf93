using System.Buffers;
using System.Net;
using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Raw;
using UringSafe.Raw.Ops;

namespace UringSafe.Net;

/// <summary>connect(2) / bind(2) with the sockaddr in the operation's scratch area.</summary>
internal readonly unsafe struct AddressOperation(FileRef fd, EndPoint endPoint, bool bind) : IUringOperation<int>
{
    public void Prepare(ref Sqe sqe, in OperationContext context)
    {
        byte* p = (byte*)context.Scratch;
        int len = SockAddr.Write(endPoint, p, context.ScratchSize);
        sqe = bind ? new Bind(fd, (nint)p, (uint)len).Build() : new Connect(fd, (nint)p, (uint)len).Build();
    }

    public int Complete(int result, CqeFlags flags) => result;

    public object? Release(int result) => null;

    public Exception? MapError(int errno, string operation, int fd, object? buffer)
        => new UringSocketException(errno, bind ? "Bind" : "Connect", buffer); // the socket's description names the endpoint
}

/// <summary>A socket operation without memory (socket, listen, shutdown): a ready SQE, socket errors.</summary>
internal readonly struct SocketControlOperation(Sqe sqe, string name) : IUringOperation<int>
{
    public void Prepare(ref Sqe target, in OperationContext context) => target = sqe;

    public int Complete(int result, CqeFlags flags) => result;

    public object? Release(int result) => null;

    public Exception? MapError(int errno, string operation, int fd, object? buffer)
        => new UringSocketException(errno, name, buffer);
}

/// <summary>
/// One accept4 (single-shot). If the caller's token was cancelled by the time the connection arrives, the new fd is
/// closed here and the await throws <see cref="OperationCanceledException"/>: a cancelled accept never leaks an fd.
/// </summary>
internal readonly struct AcceptOperation(FileRef fd, CancellationToken token) : IUringOperation<int>
{
    public void Prepare(ref Sqe sqe, in OperationContext context)
        => sqe = new Accept(fd).AcceptFlags(SockAddr.SockCloexec).Build();

    public int Complete(int result, CqeFlags flags)
    {
        if (token.IsCancellationRequested)
        {
            SharedFd.CloseOrphan(result);
            throw new OperationCanceledException("The accept was cancelled; the connection it produced was closed.", token);
        }
        return result;
    }

    public object? Release(int result) => null;

    public Exception? MapError(int errno, string operation, int fd, object? buffer)
        => new UringSocketException(errno, "Accept", buffer);
}

/// <summary>
/// sendmsg / recvmsg of one <see cref="IoBuffer"/> to or from an address. The scratch area holds the msghdr (0..56),
/// the iovec (56..72) and the sockaddr (72..112), all valid until the final completion.
/// </summary>
internal unsafe struct MessageTransfer(FileRef fd, IoBuffer buffer, EndPoint? destination, bool receive) : IUringOperation<ReceiveFromResult<IoBuffer>>
{
    private const int IovOffset = 56, NameOffset = 72, NameCapacity = 40;
    private BufferLease _lease;
    private nint _scratch;

    public void Prepare(ref Sqe sqe, in OperationContext context)
    {
        byte* s = (byte*)context.Scratch;
        _scratch = context.Scratch;
        int nameLength = 0;
        if (!receive)
        {
            ArgumentNullException.ThrowIfNull(destination);
            nameLength = SockAddr.Write(destination, s + NameOffset, NameCapacity);
        }
        else
        {
            nameLength = NameCapacity;
        }
        _lease = BufferLending.Lend(buffer, context.Ring);
        LentRegion r = _lease.Region;
        var iov = (IoVec*)(s + IovOffset);
        iov->Base = r.Address;
        iov->Length = (nuint)(receive ? r.Capacity : r.Length);
        var msg = (MsgHdr*)s;
        msg->Name = (nint)(s + NameOffset);
        msg->NameLength = (uint)nameLength;
        msg->Iov = (nint)iov;
        msg->IovLength = 1;
        sqe = receive
            ? new RecvMsg(fd, (nint)msg).Build()
            : new SendMsg(fd, (nint)msg).MsgFlags(SockAddr.MsgNoSignal).Build();
    }

    public ReceiveFromResult<IoBuffer> Complete(int result, CqeFlags flags)
    {
        BufferLending.Release(buffer, ref _lease, receive ? result : -1);
        EndPoint? from = null;
        if (receive)
        {
            byte* s = (byte*)_scratch;
            from = SockAddr.Read(s + NameOffset, (int)Math.Min(((MsgHdr*)s)->NameLength, NameCapacity));
        }
        return new ReceiveFromResult<IoBuffer>(result, buffer, from ?? destination);
    }

    public object? Release(int result)
    {
        BufferLending.Release(buffer, ref _lease, -1);
        return buffer;
    }

    public Exception? MapError(int errno, string operation, int fd, object? buffer)
        => new UringSocketException(errno, receive ? "RecvMsg" : $"SendMsg({destination})", buffer);
}

/// <summary><c>struct msghdr</c> (x86-64 / arm64 layout, 56 bytes).</summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
internal struct MsgHdr
{
    public nint Name;
    public uint NameLength;
    public nint Iov;
    public nuint IovLength;
    public nint Control;
    public nuint ControlLength;
    public int Flags;
}

/// <summary>
/// The result of a datagram receive (or send): the byte count, the buffer handed back, and the peer's address.
/// Take the buffer back: <c>(n, buf, from) = await udp.ReceiveFromAsync(buf);</c>
/// </summary>
public readonly struct ReceiveFromResult<TBuffer>
{
    /// <summary>Creates a result.</summary>
    public ReceiveFromResult(int result, TBuffer buffer, EndPoint? remoteEndPoint)
    {
        Result = result;
        Buffer = buffer;
        RemoteEndPoint = remoteEndPoint;
    }

    /// <summary>Bytes received or sent.</summary>
    public int Result { get; }

    /// <summary>The buffer, back in the caller's hands.</summary>
    public TBuffer Buffer { get; }

    /// <summary>The datagram's source (receive) or destination (send).</summary>
    public EndPoint? RemoteEndPoint { get; }

    /// <summary>Deconstructs into the count and the buffer.</summary>
    public void Deconstruct(out int result, out TBuffer buffer)
    {
        result = Result;
        buffer = Buffer;
    }

    /// <summary>Deconstructs into the count, the buffer and the peer's address.</summary>
    public void Deconstruct(out int result, out TBuffer buffer, out EndPoint? remoteEndPoint)
    {
        result = Result;
        buffer = Buffer;
        remoteEndPoint = RemoteEndPoint;
    }
}
