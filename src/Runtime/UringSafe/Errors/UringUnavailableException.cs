using System.Globalization;
using UringSafe.Interop;

namespace UringSafe;

/// <summary>
/// io_uring cannot be used on this machine. The message names the one cause that applies and its fix, decided from
/// the errno together with the host's state (<c>kernel.io_uring_disabled</c>, <c>kernel.io_uring_group</c>, the
/// process's seccomp mode, the kernel version, RLIMIT_MEMLOCK); <see cref="Errno"/> holds what
/// <c>io_uring_setup(2)</c> returned and <see cref="Cause"/> the cause.
/// </summary>
public sealed class UringUnavailableException : PlatformNotSupportedException
{
    /// <summary>Creates the exception from the errno <c>io_uring_setup</c> failed with, reading the host's state to
    /// name the cause.</summary>
    public UringUnavailableException(int errno) : this(errno, Explain(errno, HostFacts.Read()))
    {
    }

    /// <summary>Creates the exception for a non-Linux OS.</summary>
    public UringUnavailableException(string message) : base(message)
    {
        Errno = 0;
        Cause = UringUnavailableCause.NotLinux;
        Problem = message;
        Fix = "Run on Linux 5.19 or newer.";
    }

    private UringUnavailableException(int errno, Explanation explanation) : base(explanation.Message)
    {
        Errno = errno;
        Cause = explanation.Cause;
        Problem = explanation.Problem;
        Fix = explanation.Fix;
    }

    /// <summary>The errno from <c>io_uring_setup(2)</c>, or 0 when the OS isn't Linux.</summary>
    public int Errno { get; }

    /// <summary>The cause, as decided from the errno and the host's state when the exception was created.</summary>
    public UringUnavailableCause Cause { get; }

    /// <summary>The cause, without the fix (for reports that list problems and fixes apart).</summary>
    internal string Problem { get; } = "";

    /// <summary>The fix, without the cause.</summary>
    internal string Fix { get; }

    /// <summary>The explanation for an errno from <c>io_uring_setup(2)</c>, naming the cause that applies on this host
    /// (it reads the io_uring sysctls, the seccomp mode and the kernel version).</summary>
    public static string Explain(int errno) => Explain(errno, HostFacts.Read()).Message;

    /// <summary>One cause, its fix, and the message made of both.</summary>
    internal sealed record Explanation(UringUnavailableCause Cause, string Problem, string Fix)
    {
        public string Message => Problem + " " + Fix;
    }

    private const string SeccompFix =
        "Run with a seccomp profile that allows io_uring_setup, io_uring_enter and io_uring_register (a copy of the default profile " +
        "with those three added: `docker run --security-opt seccomp=./uring-seccomp.json`; Kubernetes: securityContext.seccompProfile " +
        "of type Localhost), or without one (`--security-opt seccomp=unconfined`).";

    /// <summary>Decides the one cause that applies, from the errno and the host's state.</summary>
    internal static Explanation Explain(int errno, HostFacts host)
    {
        string kernel = host.KernelVersion.Major == 0
            ? $"this kernel ({host.KernelRelease})"
            : $"Linux {host.KernelVersion} ({host.KernelRelease})";
        string disabledText = host.IoUringDisabled is int d
            ? string.Create(CultureInfo.InvariantCulture, $"kernel.io_uring_disabled is {d}")
            : "kernel.io_uring_disabled does not exist here (before 6.6; io_uring is enabled)";
        bool seccompFilter = host.SeccompMode == HostFacts.SeccompFilter;
        switch (errno)
        {
            case UringSafe.Errno.ENOSYS when seccompFilter && host.KernelVersion >= new Version(5, 1):
                return new(UringUnavailableCause.SeccompFilter,
                    $"io_uring is not available: io_uring_setup returned ENOSYS on {kernel}, which has io_uring, and this process runs " +
                    "under a seccomp filter (Seccomp: 2 in /proc/self/status) that answers ENOSYS for the io_uring system calls.",
                    SeccompFix);
            case UringSafe.Errno.ENOSYS when host.KernelVersion.Major == 0 || host.KernelVersion < new Version(5, 1):
                return new(UringUnavailableCause.KernelTooOld,
                    $"io_uring is not available: io_uring_setup returned ENOSYS, so {kernel} is too old (io_uring needs Linux 5.1; " +
                    "UringSafe needs 5.19 and recommends 6.1 or newer) or was built without CONFIG_IO_URING.",
                    "Upgrade the kernel.");
            case UringSafe.Errno.ENOSYS:
                return new(UringUnavailableCause.NotBuiltIn,
                    $"io_uring is not available: io_uring_setup returned ENOSYS although {kernel} is new enough and no seccomp filter is " +
                    "active, so the kernel was built without CONFIG_IO_URING.",
                    "Use a kernel built with CONFIG_IO_URING=y (most distribution kernels are).");

            case UringSafe.Errno.EPERM when host.IoUringDisabled == 2:
                return new(UringUnavailableCause.DisabledBySysctl,
                    "io_uring is not permitted: io_uring_setup returned EPERM because the sysctl kernel.io_uring_disabled is 2, which " +
                    "disables io_uring for every process.",
                    "On the host (the sysctl is not namespaced) run `sysctl -w kernel.io_uring_disabled=0`, or 1 with kernel.io_uring_group " +
                    "set to a group this process is in, and persist it in /etc/sysctl.d/.");
            case UringSafe.Errno.EPERM when host.IoUringDisabled == 1 && !host.InIoUringGroup && !host.HasSysAdmin:
                string group = host.IoUringGroup is int g && g >= 0
                    ? string.Create(CultureInfo.InvariantCulture, $"kernel.io_uring_group ({g})")
                    : "kernel.io_uring_group (unset: -1, no group)";
                return new(UringUnavailableCause.NotInIoUringGroup,
                    "io_uring is not permitted: io_uring_setup returned EPERM because kernel.io_uring_disabled is 1, which allows io_uring " +
                    $"only to processes in {group} or with CAP_SYS_ADMIN, and this process has neither.",
                    "Run the process with that group (as its group or a supplementary one), or on the host set " +
                    "`sysctl -w kernel.io_uring_group=<gid>` to a group it is in, or `sysctl -w kernel.io_uring_disabled=0`.");
            case UringSafe.Errno.EPERM when seccompFilter:
                return new(UringUnavailableCause.SeccompFilter,
                    $"io_uring is not permitted: io_uring_setup returned EPERM; {disabledText}, so the sysctl allows it, but this process " +
                    "runs under a seccomp filter (Seccomp: 2 in /proc/self/status), which blocks the io_uring system calls (Docker's default " +
                    "profile does since Docker 25, containerd's since 2.0).",
                    SeccompFix);
            case UringSafe.Errno.EPERM:
                return new(UringUnavailableCause.SecurityModule,
                    $"io_uring is not permitted: io_uring_setup returned EPERM although {disabledText} and no seccomp filter is active " +
                    $"(seccomp mode: {HostFacts.SeccompName(host.SeccompMode)}), so a Linux security module (SELinux, AppArmor, ...) refused it.",
                    "Look for the denial in the audit log (`ausearch -m avc -ts recent`, `dmesg`) and allow io_uring in that policy.");

            case UringSafe.Errno.ENOMEM:
                string memlock = $"RLIMIT_MEMLOCK is {HostFacts.FormatLimit(host.MemlockSoft)} (hard limit {HostFacts.FormatLimit(host.MemlockHard)})";
                string where = host.KernelVersion.Major == 0
                    ? "before Linux 5.12 ring memory counts against RLIMIT_MEMLOCK"
                    : host.KernelVersion >= new Version(5, 12)
                        ? $"on {kernel} ring memory is charged to the memory cgroup, whose limit may be reached; registered buffers still count against RLIMIT_MEMLOCK"
                        : $"before Linux 5.12 ring memory counts against RLIMIT_MEMLOCK, and {kernel} is such a kernel";
                return new(UringUnavailableCause.MemoryLimit,
                    $"io_uring could not allocate its rings: io_uring_setup returned ENOMEM; {memlock}, and {where}.",
                    "Raise RLIMIT_MEMLOCK (`ulimit -l unlimited`, `docker run --ulimit memlock=-1:-1`, systemd LimitMEMLOCK=infinity), " +
                    "or use fewer or smaller rings.");

            case UringSafe.Errno.EINVAL:
                return new(UringUnavailableCause.SetupRejected,
                    $"io_uring_setup returned EINVAL on {kernel}: the kernel does not know a requested setup flag (e.g. SINGLE_ISSUER needs 6.0, " +
                    "DEFER_TASKRUN 6.1, NO_SQARRAY 6.6) or the entry count is out of range (1..32768).",
                    "Drop the flag or upgrade the kernel.");

            default:
                return new(UringUnavailableCause.Unknown,
                    $"io_uring_setup failed: {UringSafe.Errno.Describe(errno)} ({UringSafe.Errno.Name(errno)}, errno {errno}).",
                    "See io_uring_setup(2) for this errno.");
        }
    }
}
