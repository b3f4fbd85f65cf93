using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace UringSafe.Interop;

/// <summary>
/// What this process can learn about the host without io_uring: the kernel release (uname), the io_uring sysctls, its
/// seccomp mode, groups and capabilities (/proc/self/status) and RLIMIT_MEMLOCK. Every read tolerates a missing file
/// (older kernels, other systems): the value is then null or unknown.
/// </summary>
internal sealed partial record HostFacts(
    string KernelRelease,
    Version KernelVersion,
    int? IoUringDisabled,
    int? IoUringGroup,
    int SeccompMode,
    bool InIoUringGroup,
    bool HasSysAdmin,
    ulong MemlockSoft,
    ulong MemlockHard)
{
    /// <summary>RLIM_INFINITY.</summary>
    public const ulong Unlimited = ulong.MaxValue;

    /// <summary>seccomp modes as /proc/self/status reports them; -1 when the line is absent.</summary>
    public const int SeccompUnknown = -1, SeccompDisabled = 0, SeccompStrict = 1, SeccompFilter = 2;

    private const int CapSysAdmin = 21;

    public static HostFacts Read()
    {
        string release = KernelReleaseString();
        int? disabled = ReadIntFile("/proc/sys/kernel/io_uring_disabled");
        int? group = ReadIntFile("/proc/sys/kernel/io_uring_group");
        Dictionary<string, string> status = ReadStatus();
        int seccomp = status.TryGetValue("Seccomp", out string? s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int mode)
            ? mode
            : SeccompUnknown;
        bool inGroup = group is int g && g >= 0 && InGroup(status, g);
        bool sysAdmin = status.TryGetValue("CapEff", out string? capEff)
            && ulong.TryParse(capEff, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong caps)
            && (caps & (1UL << CapSysAdmin)) != 0;
        (ulong soft, ulong hard) = Memlock();
        return new HostFacts(release, ParseKernelVersion(release), disabled, group, seccomp, inGroup, sysAdmin, soft, hard);
    }

    /// <summary>The major.minor of a kernel release string such as "6.1.0-13-amd64"; 0.0 when it doesn't start with one.</summary>
    public static Version ParseKernelVersion(string release)
    {
        Match m = KernelVersionPattern().Match(release);
        return m.Success
            && int.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int major)
            && int.TryParse(m.Groups[2].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int minor)
            ? new Version(major, minor)
            : new Version(0, 0);
    }

    [GeneratedRegex(@"^(\d+)\.(\d+)")]
    private static partial Regex KernelVersionPattern();

    /// <summary>The seccomp mode's name for messages.</summary>
    public static string SeccompName(int mode) => mode switch
    {
        SeccompDisabled => "disabled",
        SeccompStrict => "strict",
        SeccompFilter => "filter",
        _ => "unknown",
    };

    /// <summary>A limit in bytes for messages: "unlimited", or bytes with KiB/MiB.</summary>
    public static string FormatLimit(ulong bytes)
    {
        if (bytes == Unlimited)
            return "unlimited";
        if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
            return string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024)} MiB");
        if (bytes >= 1024 && bytes % 1024 == 0)
            return string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024} KiB");
        return string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes");
    }

    private static unsafe string KernelReleaseString()
    {
        // struct utsname: six 65-byte fields (sysname, nodename, release, version, machine, domainname) on Linux.
        const int FieldLength = 65;
        byte* uts = stackalloc byte[FieldLength * 6];
        try
        {
            if (uname(uts) == 0)
            {
                byte* release = uts + FieldLength * 2;
                int n = 0;
                while (n < FieldLength && release[n] != 0)
                    n++;
                return Encoding.ASCII.GetString(release, n);
            }
        }
        catch (EntryPointNotFoundException)
        {
        }
        catch (DllNotFoundException)
        {
        }
        return ReadFile("/proc/sys/kernel/osrelease")?.Trim() ?? "unknown";
    }

    private static unsafe (ulong Soft, ulong Hard) Memlock()
    {
        const int RlimitMemlock = 8;
        ulong* limit = stackalloc ulong[2];
        try
        {
            if (getrlimit(RlimitMemlock, limit) == 0)
                return (limit[0], limit[1]);
        }
        catch (EntryPointNotFoundException)
        {
        }
        catch (DllNotFoundException)
        {
        }
        return (Unlimited, Unlimited);
    }

    // Tmds.LibC has neither uname nor getrlimit.
    [LibraryImport("libc", EntryPoint = "uname", SetLastError = true)]
    private static unsafe partial int uname(byte* buf);

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static unsafe partial int getrlimit(int resource, ulong* rlim);

    /// <summary>in_group_p: the fs gid or a supplementary group (the kernel's io_uring_allowed uses it).</summary>
    private static bool InGroup(Dictionary<string, string> status, int gid)
    {
        if (status.TryGetValue("Gid", out string? gids))
        {
            string[] parts = gids.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 4 && int.TryParse(parts[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out int fsgid) && fsgid == gid)
                return true;
        }
        if (status.TryGetValue("Groups", out string? groups))
        {
            foreach (string part in groups.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                if (int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int g) && g == gid)
                    return true;
        }
        return false;
    }

    private static Dictionary<string, string> ReadStatus()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        string? text = ReadFile("/proc/self/status");
        if (text is null)
            return result;
        foreach (string line in text.Split('\n'))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
                result[line[..colon]] = line[(colon + 1)..].Trim();
        }
        return result;
    }

    private static int? ReadIntFile(string path)
        => ReadFile(path) is { } text && int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : null;

    private static string? ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
