using UringSafe;
using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Raw;
using UringSafe.Raw.Ops;

namespace CustomOperation;

/// <summary>Standard output, written through the reactor's io_uring with a user-declared operation.</summary>
public static partial class Stdout
{
    /// <summary>Writes the buffer's initialized bytes to fd 1 (IORING_OP_WRITE at the current position).</summary>
    /// <param name="buffer">The bytes to write; lent to the kernel until the write completes.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The byte count and the buffer, handed back.</returns>
    [UringOperation(nameof(PrepareWrite))]
    public static partial ValueTask<IoResult<IoBuffer>> WriteAsync([Lends] IoBuffer buffer, CancellationToken cancellationToken = default);

    // The generated operation lends the buffer (marks it in flight) and calls this on the reactor thread.
    private static Sqe PrepareWrite(in LentRegion buffer)
        => new Write(FileRef.Fd(1), buffer.Address, (uint)buffer.Length).Offset(ulong.MaxValue /* current position */).Build();
}

/// <summary>Positional reads on any descriptor, with a per-call timeout.</summary>
/// <param name="fd">The descriptor to read (owned by the caller).</param>
public sealed partial class PositionalReader(int fd)
{
    /// <summary>Reads up to <c>buffer.Length</c> bytes at <paramref name="offset"/> (IORING_OP_READ), giving up after <paramref name="timeout"/>.</summary>
    /// <param name="buffer">The destination; pinned and lent to the kernel for the duration.</param>
    /// <param name="offset">The file offset.</param>
    /// <param name="timeout">A linked timeout: the read fails with UringTimeoutException after this long.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The byte count and the array, handed back.</returns>
    [UringOperation(nameof(PrepareRead))]
    public partial ValueTask<IoResult<byte[]>> ReadAtAsync([Lends] byte[] buffer, long offset, TimeSpan timeout, CancellationToken cancellationToken = default);

    private Sqe PrepareRead(in LentRegion buffer, long offset)
        => new Read(fd, buffer.Address, (uint)buffer.Capacity).Offset((ulong)offset).Build();
}
