using UringSafe.Async;
using UringSafe.Buffers;

namespace UringSafe.Files;

/// <summary>
/// A file opened with O_DIRECT (no page cache), as in glommio's <c>DmaFile</c>. Reads return a fresh, aligned,
/// owned <see cref="IoBuffer"/> holding exactly the bytes asked for; writes take aligned buffers.
/// </summary>
public sealed class DmaFile : IAsyncDisposable
{
    /// <summary>The alignment O_DIRECT needs for addresses, offsets and sizes (the common page/block size).</summary>
    public const int Alignment = 4096;

    private readonly UringFile _file;

    private DmaFile(UringFile file) => _file = file;

    /// <summary>The underlying file.</summary>
    public UringFile File => _file;

    /// <summary>Opens <paramref name="path"/> for direct reads (add <see cref="OpenFlags.ReadWrite"/> to write). Needs the
    /// kernel ring: on the userspace ring it throws <see cref="KernelRingRequiredException"/>.</summary>
    public static async ValueTask<DmaFile> OpenAsync(string path, OpenFlags flags = OpenFlags.ReadOnly, CancellationToken cancellationToken = default)
    {
        if (UringReactor.Current.Driver != ReactorDriver.KernelRing)
            throw new KernelRingRequiredException("DmaFile (O_DIRECT reads and writes through the kernel ring)");
        try
        {
            return new DmaFile(await UringFile.OpenAsync(path, flags | OpenFlags.Direct, cancellationToken: cancellationToken));
        }
        catch (UringException e) when (e.Errno == Errno.EINVAL)
        {
            throw new UringException(e.Errno, $"Open('{path}', O_DIRECT)", -1,
                "This file system does not support O_DIRECT (tmpfs before 6.6, some FUSE and overlay mounts); use UringFile, or put the file on ext4/xfs/btrfs.");
        }
    }

    /// <summary>Allocates a buffer aligned for direct I/O, its capacity rounded up to <see cref="Alignment"/>.</summary>
    public static IoBuffer AllocateBuffer(int size) => IoBuffer.Allocate(RoundUp(Math.Max(size, 1)), Alignment);

    /// <summary>
    /// Reads <paramref name="size"/> bytes at <paramref name="position"/> (any alignment) and returns them in a new owned
    /// buffer (its Length is the bytes actually read, shorter at end of file). Dispose the buffer when done.
    /// </summary>
    public async ValueTask<IoBuffer> ReadAtAsync(long position, int size, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        long start = position & ~(long)(Alignment - 1);
        int skip = (int)(position - start);
        IoBuffer buffer = AllocateBuffer(skip + size);
        int n;
        try
        {
            (n, buffer) = await _file.ReadAtAsync(buffer, start, cancellationToken);
        }
        catch (Exception e)
        {
            // Thrown after the final completion: the kernel is done with the buffer, so free it.
            ReturnedBuffer.From<IoBuffer>(e)?.Dispose();
            throw;
        }
        int available = Math.Clamp(n - skip, 0, size);
        if (skip > 0 && available > 0)
            buffer.FullSpan.Slice(skip, available).CopyTo(buffer.FullSpan);
        buffer.Length = available;
        return buffer;
    }

    /// <summary>
    /// Writes the buffer's initialized bytes at <paramref name="position"/>. Position and length must be multiples of
    /// <see cref="Alignment"/> and the buffer must come from <see cref="AllocateBuffer"/>.
    /// </summary>
    public ValueTask<IoResult<IoBuffer>> WriteAtAsync([Lends] IoBuffer buffer, long position, CancellationToken cancellationToken = default)
    {
        if (position % Alignment != 0 || buffer.Length % Alignment != 0)
            throw new ArgumentException($"O_DIRECT writes need a position and length that are multiples of {Alignment} (got position {position}, length {buffer.Length}).", nameof(buffer));
        return _file.WriteAtAsync(buffer, position, cancellationToken);
    }

    /// <summary>Closes the file.</summary>
    public ValueTask DisposeAsync() => _file.DisposeAsync();

    private static int RoundUp(int size) => (size + Alignment - 1) & ~(Alignment - 1);
}
