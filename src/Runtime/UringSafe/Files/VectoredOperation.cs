using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Raw;
using UringSafe.Raw.Ops;

namespace UringSafe.Files;

/// <summary>
/// A vectored read or write (IORING_OP_READV / WRITEV) over several <see cref="IoBuffer"/>s, all lent together.
/// The iovec array lives in the operation's scratch area, so up to <see cref="MaxBuffers"/> buffers fit.
/// A read fills the buffers in order and sets each one's Length.
/// </summary>
internal unsafe struct VectoredOperation(FileRef file, IoBuffer[] buffers, long offset, bool isWrite) : IUringOperation<IoResult<IoBuffer[]>>
{
    public const int MaxBuffers = 7; // 112-byte scratch / 16-byte iovec

    private int _lent;

    public void Prepare(ref Sqe sqe, in OperationContext context)
    {
        if (buffers.Length is 0 or > MaxBuffers)
            throw new ArgumentException($"A vectored operation takes 1 to {MaxBuffers} buffers (got {buffers.Length}).", nameof(buffers));
        IoVec* iov = context.ScratchAs<IoVec>();
        try
        {
            for (; _lent < buffers.Length; _lent++)
            {
                BufferLease lease = BufferLending.Lend(buffers[_lent], context.Ring);
                iov[_lent] = new IoVec { Base = lease.Region.Address, Length = (nuint)(isWrite ? lease.Region.Length : lease.Region.Capacity) };
            }
        }
        catch
        {
            ReleaseAll(-1);
            throw;
        }
        sqe = isWrite
            ? new Writev(file, (nint)iov, (uint)buffers.Length).Offset((ulong)offset).Build()
            : new Readv(file, (nint)iov, (uint)buffers.Length).Offset((ulong)offset).Build();
    }

    public IoResult<IoBuffer[]> Complete(int result, CqeFlags flags)
    {
        ReleaseAll(isWrite ? -1 : result);
        return new IoResult<IoBuffer[]>(result, buffers);
    }

    public object? Release(int result)
    {
        ReleaseAll(-1);
        return buffers;
    }

    /// <summary>Gives every lent buffer back; for a read, spreads <paramref name="filled"/> bytes over them in order.</summary>
    private void ReleaseAll(int filled)
    {
        for (int i = 0; i < _lent; i++)
        {
            int length = -1;
            if (filled >= 0)
            {
                length = Math.Min(filled, buffers[i].Capacity);
                filled -= length;
            }
            buffers[i].EndLend(length); // _lent counts the buffers this operation lent, each released once here
        }
        _lent = 0;
    }
}
