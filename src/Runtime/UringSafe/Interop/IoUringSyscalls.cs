using System.Runtime.InteropServices;

namespace UringSafe.Interop;

/// <summary>
/// The three io_uring system calls. glibc has no wrappers for them, so they go through <c>syscall(2)</c>
/// with fixed-arity signatures (all arguments are integer-class, which the variadic ABI passes the same way).
/// </summary>
internal static unsafe partial class IoUringSyscalls
{
    // The generic syscall table (x86_64 and arm64 alike) numbers them 425, 426 and 427.
    private const long SysIoUringSetup = 425;
    private const long SysIoUringEnter = 426;
    private const long SysIoUringRegister = 427;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall2(long number, long a1, void* a2);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall4(long number, long a1, long a2, void* a3, long a4);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall6(long number, long a1, long a2, long a3, long a4, void* a5, long a6);

    /// <summary><c>io_uring_setup(2)</c>: returns the ring fd, or -1 with the errno in <see cref="Marshal.GetLastPInvokeError"/>.</summary>
    public static int Setup(uint entries, Abi.RingParams* p) => (int)Syscall2(SysIoUringSetup, entries, p);

    /// <summary><c>io_uring_enter2(2)</c>: returns the number of SQEs consumed, or -1 with errno set.</summary>
    public static int Enter(int fd, uint toSubmit, uint minComplete, uint flags, void* arg, nuint argSize)
        => (int)Syscall6(SysIoUringEnter, fd, toSubmit, minComplete, flags, arg, (long)argSize);

    /// <summary><c>io_uring_register(2)</c>: returns a non-negative value, or -1 with errno set.</summary>
    public static int Register(int fd, uint opcode, void* arg, uint nrArgs)
        => (int)Syscall4(SysIoUringRegister, fd, opcode, arg, nrArgs);
}
