namespace UringSafe;

/// <summary>
/// Why <c>io_uring_setup(2)</c> failed, decided from its errno together with what the process can read about the host
/// (<c>kernel.io_uring_disabled</c>, <c>kernel.io_uring_group</c>, its seccomp mode, the kernel version, RLIMIT_MEMLOCK).
/// </summary>
public enum UringUnavailableCause
{
    /// <summary>None of the known causes applies; the message gives the errno.</summary>
    Unknown = 0,

    /// <summary>The operating system is not Linux.</summary>
    NotLinux,

    /// <summary>ENOSYS on a kernel older than 5.1, which has no io_uring.</summary>
    KernelTooOld,

    /// <summary>ENOSYS on a kernel new enough to have io_uring, with no seccomp filter: built without CONFIG_IO_URING.</summary>
    NotBuiltIn,

    /// <summary>EPERM with <c>kernel.io_uring_disabled = 2</c>: io_uring is off for every process.</summary>
    DisabledBySysctl,

    /// <summary>EPERM with <c>kernel.io_uring_disabled = 1</c> and the process neither in <c>kernel.io_uring_group</c>
    /// nor holding CAP_SYS_ADMIN.</summary>
    NotInIoUringGroup,

    /// <summary>EPERM (or ENOSYS) while the process runs under a seccomp filter and the sysctl allows io_uring: the
    /// filter (a container runtime's default profile, typically) blocks the io_uring system calls.</summary>
    SeccompFilter,

    /// <summary>EPERM that neither the sysctl nor seccomp explains: a Linux security module (SELinux, AppArmor, ...)
    /// refused it.</summary>
    SecurityModule,

    /// <summary>ENOMEM: the rings could not be allocated (RLIMIT_MEMLOCK before Linux 5.12, or memory itself).</summary>
    MemoryLimit,

    /// <summary>EINVAL: the kernel does not know a requested setup flag, or the entry count is out of range.</summary>
    SetupRejected,
}
