using System.Runtime.InteropServices;
using UringSafe.Abi;
using UringSafe.Interop;
using static Tmds.Linux.LibC;

namespace UringSafe.Driver.Userspace;

/// <summary>The syscalls behind the userspace ring's blocking requests, as the kernel reads each opcode's SQE fields
/// (linux/io_uring.h). Run on a worker thread; returns the result or a negated errno, as a CQE would carry.</summary>
internal static unsafe class BlockingCalls
{
    private const ulong CurrentPosition = ulong.MaxValue;

    public static int Run(PendingOp op)
    {
        while (true)
        {
            long r = Call(ref op.Sqe, op.Fd);
            if (r >= 0)
                return (int)Math.Min(r, int.MaxValue);
            int errno = Marshal.GetLastPInvokeError();
            if (errno != UringSafe.Errno.EINTR)
                return -errno;
        }
    }

    /// <summary>A call that returns its error directly (posix_fadvise) sets errno and answers -1, as the others do.</summary>
    private static long Direct(int error)
    {
        if (error == 0)
            return 0;
        Marshal.SetLastPInvokeError(error);
        return -1;
    }

    private static long Call(ref Sqe s, int fd)
    {
        long offset = s.Off == CurrentPosition ? -1 : (long)s.Off;
        switch (s.Opcode)
        {
            case IoUringOpcode.Read:
            case IoUringOpcode.ReadFixed:
            {
                IoVec v = new() { Base = (nint)s.Addr, Length = s.Len };
                return UserspaceSyscalls.Preadv2(fd, &v, 1, offset, (int)s.OpFlags);
            }
            case IoUringOpcode.Write:
            case IoUringOpcode.WriteFixed:
            {
                IoVec v = new() { Base = (nint)s.Addr, Length = s.Len };
                long written = UserspaceSyscalls.Pwritev2(fd, &v, 1, offset, (int)s.OpFlags);
                // A file without positional writes (a /proc or /sys file): io_uring writes it at its position, and so
                // must we, so the file's own answer (EIO for a read-only /proc file) comes back, not ESPIPE.
                if (written < 0 && offset >= 0 && Marshal.GetLastPInvokeError() == ESPIPE)
                    written = UserspaceSyscalls.Pwritev2(fd, &v, 1, -1, (int)s.OpFlags);
                return written;
            }
            case IoUringOpcode.Readv:
                return UserspaceSyscalls.Preadv2(fd, (void*)s.Addr, (int)s.Len, offset, (int)s.OpFlags);
            case IoUringOpcode.Writev:
                return UserspaceSyscalls.Pwritev2(fd, (void*)s.Addr, (int)s.Len, offset, (int)s.OpFlags);
            case IoUringOpcode.Fsync:
                return (s.OpFlags & (uint)FsyncFlags.Datasync) != 0 ? fdatasync(fd) : fsync(fd);
            case IoUringOpcode.Fallocate:
                return fallocate(fd, (int)s.Len, (long)s.Off, (long)s.Addr);
            case IoUringOpcode.Ftruncate:
                return ftruncate(fd, (long)s.Off);
            case IoUringOpcode.Fadvise:
                return Direct(posix_fadvise(fd, (long)s.Off, s.Len, (int)s.OpFlags));
            case IoUringOpcode.SyncFileRange:
                return sync_file_range(fd, (long)s.Off, s.Len, s.OpFlags);
            case IoUringOpcode.Madvise:
                return madvise((void*)s.Addr, s.Len, (int)s.OpFlags);
            case IoUringOpcode.OpenAt:
                return openat(fd, (byte*)s.Addr, (int)s.OpFlags, (Tmds.Linux.mode_t)s.Len);
            case IoUringOpcode.OpenAt2:
                return UserspaceSyscalls.Openat2(fd, (byte*)s.Addr, (void*)s.Off, s.Len);
            case IoUringOpcode.Statx:
                return statx(fd, (byte*)s.Addr, (int)s.OpFlags, s.Len, (Tmds.Linux.statx*)s.Off);
            case IoUringOpcode.UnlinkAt:
                return unlinkat(fd, (byte*)s.Addr, (int)s.OpFlags);
            case IoUringOpcode.RenameAt:
                return UserspaceSyscalls.Renameat2(fd, (byte*)s.Addr, (int)s.Len, (byte*)s.Off, s.OpFlags);
            case IoUringOpcode.MkdirAt:
                return mkdirat(fd, (byte*)s.Addr, (Tmds.Linux.mode_t)s.Len);
            case IoUringOpcode.SymlinkAt:
                return symlinkat((byte*)s.Addr, fd, (byte*)s.Off);
            case IoUringOpcode.LinkAt:
                return UserspaceSyscalls.Linkat(fd, (byte*)s.Addr, (int)s.Len, (byte*)s.Off, (int)s.OpFlags);
            case IoUringOpcode.Close:
                return close(fd);
            default:
                Marshal.SetLastPInvokeError(UringSafe.Errno.EOPNOTSUPP);
                return -1;
        }
    }
}
