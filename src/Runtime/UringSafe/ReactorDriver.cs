namespace UringSafe;

/// <summary>What executes a reactor's requests (<see cref="Async.ReactorOptions.Driver"/>, env <c>URINGSAFE_DRIVER</c>).</summary>
public enum ReactorDriver
{
    /// <summary>The kernel's io_uring where it can be set up, else the userspace ring (said once, with the cause).</summary>
    Auto,

    /// <summary>The kernel's io_uring, or <see cref="UringUnavailableException"/>: for programs that require it.</summary>
    KernelRing,

    /// <summary>The same requests executed in the process: non-blocking syscalls with epoll readiness for sockets,
    /// pipes and eventfds, a small worker pool for files and other calls that can block. For hosts where io_uring is
    /// blocked (container seccomp profiles, <c>kernel.io_uring_disabled</c>) or too old.</summary>
    UserspaceRing,
}
