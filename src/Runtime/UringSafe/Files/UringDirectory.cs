using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Raw.Ops;

namespace UringSafe.Files;

/// <summary>Directory operations through io_uring: mkdir, rename, unlink (kernel 5.11+ / 5.15+).</summary>
public static class UringDirectory
{
    private const int AtRemoveDir = 0x200;

    /// <summary>Creates a directory (IORING_OP_MKDIRAT).</summary>
    public static async ValueTask CreateAsync(string path, UnixFileMode mode = (UnixFileMode)0x1ed /* 0755 */, CancellationToken cancellationToken = default)
    {
        byte[] p = PathBuffer.Create(path);
        await Run(new MkdirAt(PathBuffer.Address(p), (uint)mode).Build(), p, $"CreateDirectory('{path}')", cancellationToken);
    }

    /// <summary>Renames or moves a file or directory (IORING_OP_RENAMEAT).</summary>
    public static async ValueTask RenameAsync(string oldPath, string newPath, CancellationToken cancellationToken = default)
    {
        byte[] from = PathBuffer.Create(oldPath), to = PathBuffer.Create(newPath);
        await Run(new RenameAt(PathBuffer.Address(from), PathBuffer.Address(to)).Build(), new[] { from, to }, $"Rename('{oldPath}' -> '{newPath}')", cancellationToken);
    }

    /// <summary>Deletes a file (IORING_OP_UNLINKAT).</summary>
    public static async ValueTask DeleteFileAsync(string path, CancellationToken cancellationToken = default)
    {
        byte[] p = PathBuffer.Create(path);
        await Run(new UnlinkAt(PathBuffer.Address(p)).Build(), p, $"DeleteFile('{path}')", cancellationToken);
    }

    /// <summary>Deletes an empty directory (IORING_OP_UNLINKAT with AT_REMOVEDIR).</summary>
    public static async ValueTask DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        byte[] p = PathBuffer.Create(path);
        await Run(new UnlinkAt(PathBuffer.Address(p)).UnlinkFlags(AtRemoveDir).Build(), p, $"DeleteDirectory('{path}')", cancellationToken);
    }

    private static async ValueTask Run(Sqe sqe, object pinned, string what, CancellationToken cancellationToken)
    {
        try
        {
            await UringReactor.Current.Execute<SqeOperation, int>(new SqeOperation(sqe, pinned), cancellationToken);
        }
        catch (UringException e)
        {
            throw new UringException(e.Errno, what, -1, UringException.HintFor(e.Errno));
        }
    }
}
