namespace UringSafe;

/// <summary>
/// io_uring cannot be used on this machine. The message names the cause and the fix;
/// <see cref="Errno"/> holds what <c>io_uring_setup(2)</c> returned.
/// </summary>
public sealed class UringUnavailableException : PlatformNotSupportedException
{
    /// <summary>Creates the exception from the errno <c>io_uring_setup</c> failed with.</summary>
    public UringUnavailableException(int errno) : base(Explain(errno)) => Errno = errno;

    /// <summary>Creates the exception for a non-Linux OS.</summary>
    public UringUnavailableException(string message) : base(message) => Errno = 0;

    /// <summary>The errno from <c>io_uring_setup(2)</c>, or 0 when the OS isn't Linux.</summary>
    public int Errno { get; }

    /// <summary>The explanation for an errno from <c>io_uring_setup(2)</c>.</summary>
    public static string Explain(int errno) => errno switch
    {
        UringSafe.Errno.ENOSYS =>
            "io_uring is not available: io_uring_setup returned ENOSYS, so the kernel is too old (io_uring needs Linux 5.1; UringSafe needs 5.19 and recommends 6.1 or newer) " +
            "or was built without CONFIG_IO_URING. Upgrade the kernel.",
        UringSafe.Errno.EPERM =>
            "io_uring is not permitted: io_uring_setup returned EPERM. Either the sysctl kernel.io_uring_disabled is set " +
            "(check `sysctl kernel.io_uring_disabled`; 0 enables it, 1 limits it to the group in kernel.io_uring_group; set it with `sysctl -w kernel.io_uring_disabled=0`), " +
            "or a container's seccomp profile blocks the io_uring syscalls (Docker and containerd's default profiles do since 2023): run with " +
            "`--security-opt seccomp=unconfined` or a profile that allows io_uring_setup, io_uring_enter and io_uring_register.",
        UringSafe.Errno.ENOMEM =>
            "io_uring could not allocate its rings: io_uring_setup returned ENOMEM. On kernels before 5.12 ring memory counts against RLIMIT_MEMLOCK; " +
            "raise it (`ulimit -l unlimited`, or `--ulimit memlock=-1` for Docker), or use fewer or smaller rings.",
        UringSafe.Errno.EINVAL =>
            "io_uring_setup returned EINVAL: the kernel does not know a requested setup flag (e.g. SINGLE_ISSUER needs 6.0, DEFER_TASKRUN 6.1, NO_SQARRAY 6.6) " +
            "or the entry count is out of range (1..32768). Drop the flag or upgrade the kernel.",
        _ => $"io_uring_setup failed: {UringSafe.Errno.Describe(errno)} ({UringSafe.Errno.Name(errno)}, errno {errno}).",
    };
}
