using System.Runtime.InteropServices;

namespace UringSafe.Interop;

/// <summary>
/// The libc calls the userspace ring needs that Tmds.LibC lacks (vectored I/O with an offset and flags, renameat2,
/// linkat, openat2, poll). Each returns -1 with the errno in <see cref="Marshal.GetLastPInvokeError"/>.
/// </summary>
internal static unsafe partial class UserspaceSyscalls
{
    private const long SysOpenat2 = 437; // the generic syscall table (x86_64 and arm64 alike)

    [LibraryImport("libc", EntryPoint = "preadv2", SetLastError = true)]
    public static partial nint Preadv2(int fd, void* iov, int count, long offset, int flags);

    [LibraryImport("libc", EntryPoint = "pwritev2", SetLastError = true)]
    public static partial nint Pwritev2(int fd, void* iov, int count, long offset, int flags);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    public static partial int Renameat2(int oldDirFd, byte* oldPath, int newDirFd, byte* newPath, uint flags);

    [LibraryImport("libc", EntryPoint = "linkat", SetLastError = true)]
    public static partial int Linkat(int oldDirFd, byte* oldPath, int newDirFd, byte* newPath, int flags);

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    public static partial nint Sendto(int fd, void* buffer, nuint length, int flags, void* address, uint addressLength);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall4(long number, long a1, void* a2, void* a3, long a4);

    /// <summary><c>openat2(2)</c> (glibc has no wrapper before 2.37).</summary>
    public static int Openat2(int dirFd, byte* path, void* how, nuint size) => (int)Syscall4(SysOpenat2, dirFd, path, how, (long)size);

    /// <summary><c>struct pollfd</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}
