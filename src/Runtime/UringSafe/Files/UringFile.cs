using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Raw;
using UringSafe.Raw.Ops;

namespace UringSafe.Files;

/// <summary>
/// A file driven by the current reactor's io_uring. Reads and writes are lend-and-return:
/// <c>(n, buf) = await file.ReadAtAsync(buf, 0);</c> — the buffer belongs to the kernel until it comes back.
/// Use it from the reactor thread that opened it.
/// </summary>
public sealed partial class UringFile : IAsyncDisposable, IDisposable, ISharedFdOwner, IFdContext
{
    private readonly SharedFd _file;

    private UringFile(int fd, string path, OpenFlags? flags)
    {
        _file = new SharedFd(fd, path) { Context = this };
        Path = path;
        _access = flags & AccessMask;
    }

    private const OpenFlags AccessMask = OpenFlags.WriteOnly | OpenFlags.ReadWrite;
    private readonly OpenFlags? _access; // null for a wrapped fd: how it was opened is unknown

    string IFdContext.Describe() => _access is { } a ? $"{Path} (opened {a})" : Path;

    /// <summary>
    /// The errors whose cause the errno hides: EBADF on a file opened for the other direction, and EIO on a write to a
    /// /proc file without a write handler (root may open /proc/version for writing; the kernel then fails the write).
    /// </summary>
    string? IFdContext.HintFor(IoUringOpcode opcode, int errno)
    {
        bool writes = opcode is IoUringOpcode.Write or IoUringOpcode.WriteFixed or IoUringOpcode.Writev or IoUringOpcode.WritevFixed
            or IoUringOpcode.Fallocate or IoUringOpcode.Ftruncate;
        bool reads = opcode is IoUringOpcode.Read or IoUringOpcode.ReadFixed or IoUringOpcode.Readv or IoUringOpcode.ReadvFixed;
        return (errno, _access, writes, reads) switch
        {
            (Errno.EBADF, OpenFlags.ReadOnly, true, _) => "The file was opened read-only (OpenAsync's default); open it with OpenFlags.WriteOnly or OpenFlags.ReadWrite to write to it.",
            (Errno.EBADF, OpenFlags.WriteOnly, _, true) => "The file was opened write-only; open it with OpenFlags.ReadWrite to read it too.",
            (Errno.EIO, _, true, _) when System.IO.Path.GetFullPath(Path).StartsWith("/proc/", StringComparison.Ordinal) =>
                $"{Path} is a read-only /proc file: the kernel answers EIO to any write to it (the device is fine). Only some " +
                "/proc files take writes (those under /proc/sys, /proc/PID/oom_score_adj, ...), and their mode says so.",
            _ => null,
        };
    }

    /// <summary>The file descriptor (-1 once closed).</summary>
    public int Fd => _file.Number;

    /// <summary>The path it was opened with.</summary>
    public string Path { get; }

    /// <summary>The owner of the file's descriptor: operations in flight hold it open, and closing cancels them first.</summary>
    public SharedFd SharedFd => _file;

    /// <summary>What SQEs name: the registered index on the reactor it is registered with, else the fd.</summary>
    internal FileRef FileRef => _file.Ref;

    /// <summary>Opens a file (IORING_OP_OPENAT). O_CLOEXEC is always added. A missing file throws <see cref="UringException"/> with ENOENT.</summary>
    public static async ValueTask<UringFile> OpenAsync(string path, OpenFlags flags = OpenFlags.ReadOnly, UnixFileMode mode = (UnixFileMode)0x1a4 /* 0644 */, CancellationToken cancellationToken = default)
    {
        byte[] p = PathBuffer.Create(path);
        Sqe sqe = new OpenAt(PathBuffer.Address(p), (int)(flags | OpenFlags.CloseOnExec)).Mode((uint)mode).Build();
        int fd;
        try
        {
            fd = await UringReactor.Current.Execute<SqeOperation, int>(new SqeOperation(sqe, p), cancellationToken);
        }
        catch (UringException e)
        {
            throw new UringException(e.Errno, $"Open('{path}')", -1, OpenHint(e.Errno));
        }
        return new UringFile(fd, path, flags);
    }

    /// <summary>Wraps an open descriptor (a pipe, a socket, stdin...); the <see cref="UringFile"/> owns and closes it.
    /// Use <see cref="IoUringConstants.CurrentPosition"/> as the offset for non-seekable files.</summary>
    public static UringFile FromFd(int fd, string description = "fd")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        return new UringFile(fd, description, null);
    }

    /// <summary>Creates (or truncates) a file for reading and writing.</summary>
    public static ValueTask<UringFile> CreateAsync(string path, UnixFileMode mode = (UnixFileMode)0x1a4, CancellationToken cancellationToken = default)
        => OpenAsync(path, OpenFlags.ReadWrite | OpenFlags.Create | OpenFlags.Truncate, mode, cancellationToken);

    private static string? OpenHint(int errno) => errno switch
    {
        Errno.ENOENT => "The file does not exist (or a directory on its path doesn't).",
        Errno.EACCES => "Permission denied by the file's mode or a directory's.",
        Errno.EISDIR => "The path is a directory.",
        Errno.EINVAL => "The flags are not valid here (O_DIRECT on a file system without it?).",
        _ => UringException.HintFor(errno),
    };

    // ---- lend-and-return reads and writes (generated from these declarations) ----

    /// <summary>Reads up to <see cref="IoBuffer.Capacity"/> bytes at <paramref name="offset"/> into <paramref name="buffer"/>,
    /// whose <see cref="IoBuffer.Length"/> becomes the count. Uses READ_FIXED when the buffer's pool is registered with this ring.</summary>
    [UringOperation(nameof(PrepareRead), FillsBuffer = true)]
    public partial ValueTask<IoResult<IoBuffer>> ReadAtAsync([Lends] IoBuffer buffer, long offset, CancellationToken cancellationToken = default);

    /// <summary>Like <see cref="ReadAtAsync(IoBuffer, long, CancellationToken)"/>, cancelled by a linked timeout
    /// (IORING_OP_LINK_TIMEOUT) after <paramref name="timeout"/>: then <see cref="UringTimeoutException"/> carries the buffer back.</summary>
    [UringOperation(nameof(PrepareRead), FillsBuffer = true)]
    public partial ValueTask<IoResult<IoBuffer>> ReadAtAsync([Lends] IoBuffer buffer, long offset, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Reads up to <c>buffer.Length</c> bytes at <paramref name="offset"/> into a (pinned for the duration) array.</summary>
    [UringOperation(nameof(PrepareRead))]
    public partial ValueTask<IoResult<byte[]>> ReadAtAsync([Lends] byte[] buffer, long offset, CancellationToken cancellationToken = default);

    /// <summary>Reads up to <c>buffer.Length</c> bytes at <paramref name="offset"/> into memory pinned for the duration.</summary>
    [UringOperation(nameof(PrepareRead))]
    public partial ValueTask<IoResult<Memory<byte>>> ReadAtAsync([Lends] Memory<byte> buffer, long offset, CancellationToken cancellationToken = default);

    /// <summary>Writes the buffer's <see cref="IoBuffer.Length"/> initialized bytes at <paramref name="offset"/>. Uses WRITE_FIXED when registered.</summary>
    [UringOperation(nameof(PrepareWrite))]
    public partial ValueTask<IoResult<IoBuffer>> WriteAtAsync([Lends] IoBuffer buffer, long offset, CancellationToken cancellationToken = default);

    /// <summary>Writes the whole array at <paramref name="offset"/>.</summary>
    [UringOperation(nameof(PrepareWrite))]
    public partial ValueTask<IoResult<byte[]>> WriteAtAsync([Lends] byte[] buffer, long offset, CancellationToken cancellationToken = default);

    /// <summary>Writes the memory at <paramref name="offset"/>.</summary>
    [UringOperation(nameof(PrepareWrite))]
    public partial ValueTask<IoResult<ReadOnlyMemory<byte>>> WriteAtAsync([Lends] ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken = default);

    private Sqe PrepareRead(in LentRegion buffer, long offset)
        => buffer.IsFixed
            ? new ReadFixed(FileRef, buffer.Address, (uint)buffer.Capacity, (ushort)buffer.FixedIndex).Offset((ulong)offset).Build()
            : new Read(FileRef, buffer.Address, (uint)buffer.Capacity).Offset((ulong)offset).Build();

    private Sqe PrepareWrite(in LentRegion buffer, long offset)
        => buffer.IsFixed
            ? new WriteFixed(FileRef, buffer.Address, (uint)buffer.Length, (ushort)buffer.FixedIndex).Offset((ulong)offset).Build()
            : new Write(FileRef, buffer.Address, (uint)buffer.Length).Offset((ulong)offset).Build();

    /// <summary>Writes all of <paramref name="buffer"/>'s initialized bytes at <paramref name="offset"/>, resubmitting after
    /// short writes (one await). A round that writes nothing before the end fails with EIO, the buffer carried back.</summary>
    [UringOperation(nameof(PrepareWriteRest), TransfersAll = true)]
    public partial ValueTask<IoResult<IoBuffer>> WriteAllAtAsync([Lends] IoBuffer buffer, long offset, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads exactly <paramref name="count"/> bytes at <paramref name="offset"/> into <paramref name="buffer"/> (its
    /// <see cref="IoBuffer.Length"/> becomes <paramref name="count"/>), reading again after a short read, as
    /// <c>Stream.ReadExactly</c> does. A regular file on a local file system reads short only at its end; pipes, FUSE and
    /// network file systems may read short anywhere. When the file ends first, throws <see cref="UringEndOfFileException"/>
    /// (an <see cref="EndOfStreamException"/>) with the buffer, holding what was read. A negative <paramref name="offset"/>
    /// reads at the file's position (a pipe).
    /// </summary>
    public async ValueTask<IoResult<IoBuffer>> ReadExactlyAtAsync([Lends] IoBuffer buffer, long offset, int count, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, buffer.Capacity);
        int total = 0;
        while (total < count)
        {
            int n;
            (n, buffer) = await ReadRestAtAsync(buffer, total, count, offset < 0 ? offset : offset + total, cancellationToken);
            if (n == 0)
            {
                buffer.Length = total;
                throw new UringEndOfFileException(
                    $"ReadExactlyAt on {_file.Description}: the file ended after {total} of {count} bytes from offset {offset}. " +
                    "The buffer, holding those bytes, is in the exception's Buffer property; ask for no more than the file's size " +
                    "(StatxAsync), or read with ReadAtAsync where a shorter last chunk is expected.", buffer);
            }
            total += n;
        }
        buffer.Length = count;
        return new IoResult<IoBuffer>(count, buffer);
    }

    /// <summary>Reads into the buffer from <paramref name="start"/> up to <paramref name="count"/> (the rest after a short read).</summary>
    [UringOperation(nameof(PrepareReadRest))]
    private partial ValueTask<IoResult<IoBuffer>> ReadRestAtAsync([Lends] IoBuffer buffer, int start, int count, long offset, CancellationToken cancellationToken);

    private Sqe PrepareReadRest(in LentRegion buffer, int start, int count, long offset)
        => new Read(FileRef, buffer.Address + start, (uint)(count - start)).Offset((ulong)offset).Build();

    // The bytes from progress on: a write-all's rounds after a short write.
    private Sqe PrepareWriteRest(in LentRegion buffer, int progress, long offset)
        => new Write(FileRef, buffer.Address + progress, (uint)(buffer.Length - progress)).Offset((ulong)(offset + progress)).Build();

    /// <summary>Reads at <paramref name="offset"/> into up to 7 buffers in order (IORING_OP_READV); each buffer's
    /// Length becomes the bytes it received.</summary>
    public ValueTask<IoResult<IoBuffer[]>> ReadVectoredAtAsync([Lends] IoBuffer[] buffers, long offset, CancellationToken cancellationToken = default)
        => UringReactor.Current.Execute<VectoredOperation, IoResult<IoBuffer[]>>(new VectoredOperation(FileRef, buffers, offset, isWrite: false), _file, cancellationToken);

    /// <summary>Writes the initialized bytes of up to 7 buffers, in order, at <paramref name="offset"/> (IORING_OP_WRITEV).</summary>
    public ValueTask<IoResult<IoBuffer[]>> WriteVectoredAtAsync([Lends] IoBuffer[] buffers, long offset, CancellationToken cancellationToken = default)
        => UringReactor.Current.Execute<VectoredOperation, IoResult<IoBuffer[]>>(new VectoredOperation(FileRef, buffers, offset, isWrite: true), _file, cancellationToken);

    // ---- operations without a lent buffer ----

    /// <summary>Flushes data and metadata to storage (IORING_OP_FSYNC).</summary>
    public ValueTask<int> FsyncAsync(CancellationToken cancellationToken = default)
        => UringReactor.Current.Execute<SqeOperation, int>(new SqeOperation(new Fsync(FileRef).Build(), null), _file, cancellationToken);

    /// <summary>Flushes data (and only the metadata needed to read it back) to storage.</summary>
    public ValueTask<int> FdatasyncAsync(CancellationToken cancellationToken = default)
        => UringReactor.Current.Execute<SqeOperation, int>(new SqeOperation(new Fsync(FileRef).FsyncFlags(FsyncFlags.Datasync).Build(), null), _file, cancellationToken);

    /// <summary>Allocates (or with <paramref name="mode"/>, punches or zeroes) a byte range (IORING_OP_FALLOCATE).</summary>
    public ValueTask<int> FallocateAsync(long offset, long length, int mode = 0, CancellationToken cancellationToken = default)
        => UringReactor.Current.Execute<SqeOperation, int>(new SqeOperation(new Fallocate(FileRef, (ulong)offset, (ulong)length).Mode(mode).Build(), null), _file, cancellationToken);

    /// <summary>Sets the file's size (IORING_OP_FTRUNCATE, kernel 6.9+).</summary>
    public ValueTask<int> TruncateAsync(long length, CancellationToken cancellationToken = default)
        => UringReactor.Current.Execute<SqeOperation, int>(new SqeOperation(new Ftruncate(FileRef, length).Build(), null), _file, cancellationToken);

    /// <summary>Reads the file's attributes (IORING_OP_STATX).</summary>
    public async ValueTask<FileStatus> StatxAsync(CancellationToken cancellationToken = default)
    {
        byte[] emptyPinned = GC.AllocateArray<byte>(1, pinned: true); // "": with AT_EMPTY_PATH, the fd itself
        byte[] statx = GC.AllocateArray<byte>(FileStatus.StatxSize, pinned: true);
        const int AtEmptyPath = 0x1000;
        const uint StatxBasicStats = 0x7ff;
        Sqe sqe = new Statx(PathBuffer.Address(emptyPinned), StatxBasicStats, PathBuffer.Address(statx))
            .DirFd(_file.Raw).StatxFlags(AtEmptyPath).Build();
        await UringReactor.Current.Execute<SqeOperation, int>(new SqeOperation(sqe, new object[] { emptyPinned, statx }), _file, cancellationToken);
        return FileStatus.FromStatx(statx);
    }

    /// <summary>
    /// Registers the fd in the current reactor's ring file table, so operations on that ring use the fixed index
    /// (IOSQE_FIXED_FILE) and skip the per-operation fd lookup. The slot is emptied when the file is closed.
    /// </summary>
    public void Register() => _file.Register(UringReactor.Current);

    /// <summary>
    /// Cancels the operations pending on the file and closes it once they have completed (their buffers are back by
    /// then). Idempotent; never throws because the ring is busy.
    /// </summary>
    public ValueTask CloseAsync() => new(_file.CloseAsync());

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => CloseAsync();

    /// <summary>As <see cref="CloseAsync"/>, without waiting: the number is closed when the last pending operation has
    /// completed, so a queued write can never land in a file opened later under the same number.</summary>
    public void Dispose() => _file.Close();
}
