using System.Globalization;
using System.Text;
using UringSafe.Abi;
using UringSafe.Interop;

namespace UringSafe.Raw;

// The doctor's text (`uringsafe doctor`, Report()): what the runtime will use, the problems and their fixes, the report.
// Detection lives in UringCapabilities.cs and the probe beside the ring (Raw/UringCapabilities.Probes.cs).
public sealed partial class UringCapabilities
{
    private List<string> BuildRuntimeChoices()
    {
        var lines = new List<string>();
        if (!IsUsable)
        {
            lines.Add("io_uring: unusable, so reactors run the userspace ring (see Driver above); Ring.IsSupported is false and the raw layer fails");
            return lines;
        }
        if (Has(FeatureNames.DeferTaskrun))
            lines.Add("DEFER_TASKRUN: yes (reactor rings are SINGLE_ISSUER | DEFER_TASKRUN | TASKRUN_FLAG | SUBMIT_ALL)");
        else if (Has(FeatureNames.CoopTaskrun))
            lines.Add("DEFER_TASKRUN: no, falls back to COOP_TASKRUN (COOP_TASKRUN | TASKRUN_FLAG | SUBMIT_ALL)");
        else
            lines.Add("DEFER_TASKRUN: no, COOP_TASKRUN: no, falls back to a ring without task-run flags");
        lines.Add(Has(FeatureNames.RegisteredRingFd)
            ? "Registered ring fd: yes (io_uring_enter skips the fd lookup)"
            : "Registered ring fd: no, UringReactor cannot start (it registers its ring fd); the raw Ring works with RegisterRingFd = false");
        lines.Add(IsSupported(IoUringOpcode.Bind) && IsSupported(IoUringOpcode.Listen)
            ? "Bind/listen: IORING_OP_BIND / IORING_OP_LISTEN"
            : "Bind/listen: falls back to bind(2) / listen(2) (no IORING_OP_BIND / IORING_OP_LISTEN)");
        lines.Add(Has(FeatureNames.MultishotAccept)
            ? "Accept: multishot (one accept kept armed per listener)"
            : "Accept: no multishot accept; set UringListenerOptions.Multishot = false (one ACCEPT per AcceptAsync)");
        lines.Add(Has(FeatureNames.MultishotRecv) && Has(FeatureNames.BufferRing)
            ? "Receive: multishot recv over a provided-buffer ring (idle connections hold no buffer)"
            : "Receive: no multishot recv over provided buffers; set UringSafeTransportOptions.UseMultishotReceive = false (one RECV per read into a lent buffer)");
        lines.Add(Has(FeatureNames.IncrementalBufferRing)
            ? "Incremental provided buffers (IOU_PBUF_RING_INC): available"
            : "Incremental provided buffers (IOU_PBUF_RING_INC): no, each receive consumes a whole buffer");
        lines.Add(Has(FeatureNames.SendZc)
            ? "Zero-copy send (SendZcAsync): yes"
            : "Zero-copy send (SendZcAsync): no, use SendAsync (copying)");
        lines.Add(Has(FeatureNames.MsgRing)
            ? "Reactor-to-reactor wake-ups: MSG_RING"
            : "Reactor-to-reactor wake-ups: no MSG_RING, falls back to the target reactor's eventfd");
        lines.Add(Has(FeatureNames.ExtArg)
            ? "Timed waits (Ring.SubmitAndWait with a timeout): yes"
            : "Timed waits (Ring.SubmitAndWait with a timeout): no, they throw NotSupportedException");
        return lines;
    }

    private List<Problem> BuildProblems()
    {
        var problems = new List<Problem>();
        if (Unavailable is { } e)
            problems.Add(new Problem(e.Problem.Length != 0 ? e.Problem : e.Message, e.Fix, Fatal: true));

        bool knownKernel = KernelVersion.Major != 0;
        if (IsUsable && knownKernel && KernelVersion < s_minimumKernel)
            problems.Add(new Problem($"Linux {KernelVersion} is older than UringSafe's lowest supported kernel, {s_minimumKernel}.",
                "Upgrade the kernel to 5.19 or newer (6.1+ recommended).", Fatal: false));

        if (IsUsable)
        {
            if (!Has(FeatureNames.RegisteredRingFd))
                problems.Add(new Problem("Registered ring fds (5.18) are unavailable, so UringReactor (and UringRuntime) cannot start.",
                    "Upgrade the kernel to 5.18 or newer, or run reactors on the userspace ring (" + DriverVariable.Name + "=userspace); the raw Ring still works with RingOptions.RegisterRingFd = false.", Fatal: false));
            if (!Has(FeatureNames.DeferTaskrun))
                problems.Add(new Problem("SINGLE_ISSUER | DEFER_TASKRUN (6.1) is unavailable; reactors fall back to " +
                    (Has(FeatureNames.CoopTaskrun) ? "COOP_TASKRUN." : "a ring without task-run flags."),
                    "Nothing to change; upgrade to 6.1 or newer for lower completion overhead.", Fatal: false));
            if (!Has(FeatureNames.MultishotAccept))
                problems.Add(new Problem("Multishot accept (5.19) is unavailable; listeners with UringListenerOptions.Multishot (the default) fail to accept.",
                    "Set UringListenerOptions.Multishot = false, or upgrade to 5.19 or newer.", Fatal: false));
            if (!Has(FeatureNames.BufferRing) || !Has(FeatureNames.MultishotRecv))
                problems.Add(new Problem("Multishot receive over provided-buffer rings (6.0) is unavailable; receiving with it fails.",
                    "Set UringSafeTransportOptions.UseMultishotReceive = false (EchoServer: --lend), or upgrade to 6.0 or newer.", Fatal: false));
            if (!Has(FeatureNames.SendZc))
                problems.Add(new Problem("Zero-copy send (6.0) is unavailable; SendZcAsync fails.",
                    "Use SendAsync, or upgrade to 6.0 or newer.", Fatal: false));
            if (!Has(FeatureNames.MsgRing))
                problems.Add(new Problem("MSG_RING (5.18) is unavailable; reactors wake each other through eventfds instead.",
                    "Nothing to change; upgrade to 5.18 or newer for ring-to-ring wake-ups.", Fatal: false));
        }

        if (MemlockSoftLimit != HostFacts.Unlimited && MemlockSoftLimit < 1024 * 1024)
        {
            string rings = knownKernel && KernelVersion < new Version(5, 12) ? " and, on this kernel (before 5.12), ring memory" : "";
            problems.Add(new Problem($"RLIMIT_MEMLOCK is {HostFacts.FormatLimit(MemlockSoftLimit)}: registered buffers (IoBufferPool.RegisterWith){rings} count against it, so registering fails with ENOMEM.",
                "Raise it: `ulimit -l unlimited`, `docker run --ulimit memlock=-1:-1`, systemd LimitMEMLOCK=infinity, or /etc/security/limits.conf.", Fatal: false));
        }

        if (DriverVariableProblem() is { } driverVariable)
            problems.Add(new Problem(driverVariable, $"Set {DriverVariable.Name} to auto, kernel or userspace, or unset it.", Fatal: false));

        foreach (string ignored in IgnoredOverrides)
            problems.Add(new Problem($"{EnvironmentVariable} entry '{ignored}' names no feature or opcode and was ignored.",
                $"Use +Name or -Name with one of {string.Join(", ", s_features.Select(f => f.Name))}, or op:<IoUringOpcode name> (e.g. -op:Socket).", Fatal: false));
        return problems;
    }

    /// <summary>The readable multi-line report: kernel, io_uring's state and why, features tried, opcodes, what the
    /// runtime will use, problems and fixes.</summary>
    public string Report()
    {
        var sb = new StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        sb.Append(c, $"Kernel: {KernelRelease} (version {KernelVersion}; UringSafe needs {s_minimumKernel}+, recommends 6.1+)").AppendLine();
        sb.Append("io_uring: ").AppendLine(IsUsable
            ? "usable"
            : $"UNUSABLE ({Unavailable!.Cause}, io_uring_setup returned {Errno.Name(Unavailable.Errno)})");
        sb.Append("  kernel.io_uring_disabled: ").AppendLine(IoUringDisabled is int d
            ? d.ToString(c) + d switch { 0 => " (enabled)", 1 => " (only kernel.io_uring_group and CAP_SYS_ADMIN)", 2 => " (disabled)", _ => "" }
            : "absent (before 6.6: enabled)");
        sb.Append("  kernel.io_uring_group: ").AppendLine(IoUringGroup is int g ? g.ToString(c) + (g < 0 ? " (none)" : "") : "absent");
        sb.Append(c, $"  seccomp: {(int)Seccomp} ({Seccomp.ToString().ToLowerInvariant()})").AppendLine();
        sb.Append(c, $"  RLIMIT_MEMLOCK: soft {HostFacts.FormatLimit(MemlockSoftLimit)}, hard {HostFacts.FormatLimit(MemlockHardLimit)}").AppendLine();
        if (Overrides.Count != 0)
            sb.Append(c, $"  overrides ({EnvironmentVariable} / UringCapabilities.Override): {string.Join(",", Overrides)}").AppendLine();

        sb.AppendLine();
        sb.AppendLine("Features (tried on this kernel):");
        int width = s_features.Max(f => f.Name.Length);
        foreach (Feature f in Features)
        {
            string how = f.How == Decision.Override ? "override" : f.How.ToString().ToLowerInvariant();
            sb.Append(c, $"  {(f.Supported ? "yes" : "no "),-3}  {f.Name.PadRight(width)}  {f.Since,-5}  {how,-8}  {f.Detail}").AppendLine();
        }

        sb.AppendLine();
        int supportedCount = _opcodes.Count(o => o.Supported);
        string source = KernelLastOpcode is { } last
            ? $"IORING_REGISTER_PROBE; the kernel knows opcodes 0..{(int)last}"
            : OpcodeProbeDetail;
        sb.Append(c, $"Opcodes ({supportedCount} of {_opcodes.Length} supported; {source}; then the first kernel with each, ? when no builder records it):").AppendLine();
        int opWidth = _opcodes.Max(o => o.Opcode.ToString().Length);
        foreach (OpcodeSupport o in _opcodes)
        {
            string how = o.How == Decision.Override ? "  (override)" : o.How == Decision.KernelVersion ? "  (by kernel version)" : "";
            string line = $"  {(o.Supported ? "yes" : "no "),-3}  {(int)o.Opcode,2}  {o.Opcode.ToString().PadRight(opWidth)}  {(o.Since is null ? "?" : o.Since.ToString()),-5}{how}";
            sb.AppendLine(line.TrimEnd());
        }

        sb.AppendLine();
        AppendDriver(sb);

        sb.AppendLine();
        sb.AppendLine("The runtime will use:");
        foreach (string line in RuntimeChoices)
            sb.Append("  ").AppendLine(line);

        sb.AppendLine();
        if (Problems.Count == 0)
        {
            sb.AppendLine("Problems: none");
        }
        else
        {
            sb.AppendLine("Problems:");
            foreach (Problem p in Problems)
            {
                sb.Append(p.Fatal ? "  ERROR: " : "  warning: ").AppendLine(p.Description);
                sb.Append("    fix: ").AppendLine(p.Fix);
            }
        }
        return sb.ToString();
    }

    /// <inheritdoc cref="Report"/>
    public override string ToString() => Report();

    /// <summary>The report's driver lines: Auto's pick and why, then the variable.</summary>
    private void AppendDriver(StringBuilder sb)
    {
        sb.Append("Driver (ReactorDriver.Auto picks): ").AppendLine(AutoFallbackCause switch
        {
            null => "the kernel ring (KernelRing), because io_uring can be set up here with what the runtime's defaults use",
            string why when !IsUsable => $"the userspace ring (UserspaceRing), because {why}: " +
                "reactors run their requests with non-blocking syscalls and epoll, and a worker pool for files; " +
                "ReactorDriver.KernelRing, the raw Ring, registration and DmaFile need the fix below",
            string why => $"the userspace ring (UserspaceRing), because {why}",
        });
        sb.Append("  ").Append(DriverVariable.Name).Append(": ");
        if (DriverVariableValue is null)
        {
            sb.AppendLine("unset (reactors left at Auto take Auto's pick)");
            return;
        }
        if (DriverVariableProblem() is not null)
        {
            sb.Append('\'').Append(DriverVariableValue).AppendLine("' names no driver: reactors left at Auto fail to start (see Problems)");
            return;
        }
        ReactorDriver named = DriverVariable.Parse(DriverVariableValue);
        sb.Append(DriverVariableValue).Append(" (reactors left at Auto run ").Append(named switch
        {
            ReactorDriver.Auto => "Auto's pick",
            ReactorDriver.KernelRing when !IsUsable => "the kernel ring, so here they fail with UringUnavailableException",
            ReactorDriver.KernelRing => "the kernel ring",
            _ => "the userspace ring",
        }).AppendLine("; an explicit ReactorOptions.Driver wins)");
    }
}
