using System.Globalization;
using System.Text;
using UringSafe.Abi;
using UringSafe.Interop;
using UringSafe.Raw.Ops;

namespace UringSafe.Raw;

/// <summary>
/// What this kernel and this process allow io_uring to do, probed once per process (<see cref="Current"/>): the kernel
/// version, every opcode's support (IORING_REGISTER_PROBE), each setup flag and feature the runtime relies on (decided by
/// actually trying it: small rings, a socketpair, a loopback TCP connection), the io_uring sysctls, the seccomp mode and
/// RLIMIT_MEMLOCK, the driver <see cref="ReactorDriver.Auto"/> picks (<see cref="AutoDriver"/>), what the runtime will use
/// or fall back to, and the problems found with their fixes.
/// </summary>
/// <remarks>
/// <para>Overrides, for a kernel with backports: the environment variable <c>URINGSAFE_FEATURES</c>
/// (<c>-SendZc,+MultishotRecv,-op:Socket</c>) or <see cref="Override"/>, both read before the first probe, force a
/// feature or an opcode on (<c>+</c>) or off (<c>-</c>); the report marks them "(override)". Tests use
/// <see cref="OverrideForTesting"/>, which applies at any time and is undone on dispose.</para>
/// <para>The probe takes a few milliseconds and waits at most a few seconds (every wait is bounded). The first use of
/// <see cref="Current"/> runs it on the calling thread; later uses return the cached result.</para>
/// </remarks>
public sealed partial class UringCapabilities
{
    /// <summary>The environment variable holding overrides, such as <c>-SendZc,+MultishotRecv,-op:Socket</c>.</summary>
    public const string EnvironmentVariable = "URINGSAFE_FEATURES";

    /// <summary>The names of the features the probe tries, as used in <see cref="Feature.Name"/> and in overrides.</summary>
    public static class FeatureNames
    {
        /// <summary>A ring set up with SINGLE_ISSUER | DEFER_TASKRUN | TASKRUN_FLAG | SUBMIT_ALL, as the reactor asks first (6.1).</summary>
        public const string DeferTaskrun = "DeferTaskrun";
        /// <summary>A ring set up with COOP_TASKRUN | TASKRUN_FLAG | SUBMIT_ALL, the reactor's fallback (5.19).</summary>
        public const string CoopTaskrun = "CoopTaskrun";
        /// <summary>IORING_REGISTER_RING_FDS: io_uring_enter through a registered ring index (5.18).</summary>
        public const string RegisteredRingFd = "RegisteredRingFd";
        /// <summary>IORING_REGISTER_PBUF_RING: provided-buffer rings (5.19).</summary>
        public const string BufferRing = "BufferRing";
        /// <summary>IOU_PBUF_RING_INC: provided-buffer rings consumed incrementally (6.12).</summary>
        public const string IncrementalBufferRing = "IncrementalBufferRing";
        /// <summary>IORING_ACCEPT_MULTISHOT on a listening socket (5.19).</summary>
        public const string MultishotAccept = "MultishotAccept";
        /// <summary>IORING_RECV_MULTISHOT over a provided-buffer ring (6.0).</summary>
        public const string MultishotRecv = "MultishotRecv";
        /// <summary>IORING_OP_SEND_ZC on a TCP socket (6.0).</summary>
        public const string SendZc = "SendZc";
        /// <summary>IORING_OP_MSG_RING between two rings (5.18).</summary>
        public const string MsgRing = "MsgRing";
        /// <summary>IORING_FEAT_EXT_ARG: timed waits in io_uring_enter (5.11).</summary>
        public const string ExtArg = "ExtArg";
    }

    /// <summary>How a feature's or an opcode's support was decided.</summary>
    public enum Decision
    {
        /// <summary>By doing it on this kernel.</summary>
        Tried,
        /// <summary>By asking the kernel (IORING_REGISTER_PROBE, or the feature bits io_uring_setup reports).</summary>
        Probe,
        /// <summary>By comparing the kernel version with the one that added it (when neither trying nor probing was possible).</summary>
        KernelVersion,
        /// <summary>By an override (<c>URINGSAFE_FEATURES</c>, <see cref="Override"/>, <see cref="OverrideForTesting"/>).</summary>
        Override,
    }

    /// <summary>The process's seccomp mode (the <c>Seccomp:</c> line of /proc/self/status).</summary>
    public enum SeccompMode
    {
        /// <summary>The line is absent (a kernel without CONFIG_SECCOMP, or /proc unreadable).</summary>
        Unknown = -1,
        /// <summary>No seccomp.</summary>
        Disabled = 0,
        /// <summary>Strict mode: only read, write, _exit and sigreturn.</summary>
        Strict = 1,
        /// <summary>A BPF filter is installed (containers' default profiles).</summary>
        Filter = 2,
    }

    /// <summary>One feature the runtime relies on.</summary>
    /// <param name="Name">The feature's name (<see cref="FeatureNames"/>).</param>
    /// <param name="Supported">Whether it can be used here (after overrides).</param>
    /// <param name="How">How that was decided.</param>
    /// <param name="Detail">What was done and what happened: the errno when it failed.</param>
    /// <param name="Since">The first kernel with it.</param>
    public sealed record Feature(string Name, bool Supported, Decision How, string Detail, Version Since);

    /// <summary>One opcode's support.</summary>
    /// <param name="Opcode">The opcode.</param>
    /// <param name="Supported">Whether the kernel has it (after overrides).</param>
    /// <param name="How">How that was decided.</param>
    /// <param name="Since">The first kernel with it (from the <c>[UringOp]</c> declarations), or null when not recorded.</param>
    public sealed record OpcodeSupport(IoUringOpcode Opcode, bool Supported, Decision How, Version? Since);

    /// <summary>Something that keeps io_uring, or part of the runtime, from working here, and what to do about it.</summary>
    /// <param name="Description">What is wrong.</param>
    /// <param name="Fix">What to do.</param>
    /// <param name="Fatal">True when io_uring cannot be used at all.</param>
    public sealed record Problem(string Description, string Fix, bool Fatal);

    private static readonly (string Name, Version Since)[] s_features =
    [
        (FeatureNames.DeferTaskrun, new Version(6, 1)),
        (FeatureNames.CoopTaskrun, new Version(5, 19)),
        (FeatureNames.RegisteredRingFd, new Version(5, 18)),
        (FeatureNames.BufferRing, new Version(5, 19)),
        (FeatureNames.IncrementalBufferRing, new Version(6, 12)),
        (FeatureNames.MultishotAccept, new Version(5, 19)),
        (FeatureNames.MultishotRecv, new Version(6, 0)),
        (FeatureNames.SendZc, new Version(6, 0)),
        (FeatureNames.MsgRing, new Version(5, 18)),
        (FeatureNames.ExtArg, new Version(5, 11)),
    ];

    /// <summary>The release that added <paramref name="feature"/> (a <see cref="FeatureNames"/> name).</summary>
    internal static Version Since(string feature) => Array.Find(s_features, f => f.Name == feature).Since;

    /// <summary>UringSafe's lowest supported kernel.</summary>
    private static readonly Version s_minimumKernel = new(5, 19);

    private readonly Dictionary<string, Feature> _featuresByName;
    private readonly OpcodeSupport[] _opcodes;

    private UringCapabilities(ProbeResults probe, OverrideSet overrides)
    {
        HostFacts host = probe.Host;
        KernelRelease = host.KernelRelease;
        KernelVersion = host.KernelVersion;
        IoUringDisabled = host.IoUringDisabled;
        IoUringGroup = host.IoUringGroup;
        Seccomp = host.SeccompMode is >= 0 and <= 2 ? (SeccompMode)host.SeccompMode : SeccompMode.Unknown;
        MemlockSoftLimit = host.MemlockSoft;
        MemlockHardLimit = host.MemlockHard;
        Unavailable = probe.Ops.Unavailable;
        RingFeatures = probe.Ops.RingFeatures;
        KernelLastOpcode = probe.Ops.Supported is null ? null : probe.Ops.LastOp;
        OpcodeProbeDetail = probe.Ops.Detail;

        var features = new List<Feature>(s_features.Length);
        foreach ((string name, Version since) in s_features)
        {
            (bool supported, string detail, Decision how) = probe.Tried[name];
            if (overrides.Find(name) is bool forced)
            {
                string tried = $"{how.ToString().ToLowerInvariant()}: {(supported ? "yes" : "no")}, {detail}";
                features.Add(new Feature(name, forced, Decision.Override, $"(override) forced {(forced ? "on" : "off")}; {tried}", since));
            }
            else
            {
                features.Add(new Feature(name, supported, how, detail, since));
            }
        }
        Features = features;
        _featuresByName = features.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);

        IoUringOpcode[] all = Enum.GetValues<IoUringOpcode>();
        _opcodes = new OpcodeSupport[all.Length];
        for (int i = 0; i < all.Length; i++)
        {
            (bool supported, Decision how) = OpcodeState(all[i], probe.Ops, host, overrides);
            _opcodes[i] = new OpcodeSupport(all[i], supported, how, MinimumKernel(all[i]));
        }
        Overrides = overrides.Describe();
        IgnoredOverrides = overrides.Ignored;
        RuntimeChoices = BuildRuntimeChoices();
        Problems = BuildProblems();
    }

    /// <summary>The capabilities of this process on this kernel, probed on first use (thread-safe), with the overrides
    /// in force.</summary>
    public static UringCapabilities Current
    {
        get
        {
            UringCapabilities? current = Volatile.Read(ref s_current);
            if (current is not null)
                return current;
            lock (s_gate)
            {
                return s_current ??= new UringCapabilities(s_probe.Value, CurrentOverrides());
            }
        }
    }

    /// <summary>The kernel release (<c>uname -r</c>), such as "6.1.0-13-amd64".</summary>
    public string KernelRelease { get; }

    /// <summary>The kernel's major.minor version, parsed from <see cref="KernelRelease"/> (0.0 when it can't be).</summary>
    public Version KernelVersion { get; }

    /// <summary>True when this process can create an io_uring.</summary>
    public bool IsUsable => Unavailable is null;

    /// <summary>Why io_uring can't be used here (its <see cref="UringUnavailableException.Cause"/> names the one cause
    /// that applies, its message the fix), or null when it can.</summary>
    public UringUnavailableException? Unavailable { get; }

    /// <summary><c>kernel.io_uring_disabled</c> (0 enabled, 1 only for <c>kernel.io_uring_group</c>, 2 disabled), or null
    /// when the sysctl does not exist (before Linux 6.6: enabled).</summary>
    public int? IoUringDisabled { get; }

    /// <summary><c>kernel.io_uring_group</c> (-1 for none), or null when the sysctl does not exist.</summary>
    public int? IoUringGroup { get; }

    /// <summary>The process's seccomp mode.</summary>
    public SeccompMode Seccomp { get; }

    /// <summary>RLIMIT_MEMLOCK's soft limit in bytes; <see cref="ulong.MaxValue"/> is unlimited.</summary>
    public ulong MemlockSoftLimit { get; }

    /// <summary>RLIMIT_MEMLOCK's hard limit in bytes; <see cref="ulong.MaxValue"/> is unlimited.</summary>
    public ulong MemlockHardLimit { get; }

    /// <summary>The IORING_FEAT_* bits io_uring_setup reported (None when io_uring is unusable).</summary>
    public RingFeatures RingFeatures { get; }

    /// <summary>The highest opcode the kernel knows (from IORING_REGISTER_PROBE), or null when it could not be probed.</summary>
    public IoUringOpcode? KernelLastOpcode { get; }

    /// <summary>Each feature the runtime relies on, tried on this kernel (after overrides).</summary>
    public IReadOnlyList<Feature> Features { get; }

    /// <summary>Every opcode UringSafe knows, with its support here (after overrides).</summary>
    public IReadOnlyList<OpcodeSupport> Opcodes => _opcodes;

    /// <summary>What the runtime will use and what it falls back to, one line each (e.g. "DEFER_TASKRUN: no, falls back to
    /// COOP_TASKRUN").</summary>
    public IReadOnlyList<string> RuntimeChoices { get; }

    /// <summary>The problems found, each with its fix; empty when there are none.</summary>
    public IReadOnlyList<Problem> Problems { get; }

    /// <summary>The overrides in force, as <c>+Name</c> / <c>-Name</c> / <c>-op:Name</c>.</summary>
    public IReadOnlyList<string> Overrides { get; }

    /// <summary>Entries of <c>URINGSAFE_FEATURES</c> that name no feature or opcode, ignored.</summary>
    public IReadOnlyList<string> IgnoredOverrides { get; }

    private string OpcodeProbeDetail { get; }

    /// <summary>The feature named <paramref name="name"/> (case-insensitive; see <see cref="FeatureNames"/>).</summary>
    /// <exception cref="KeyNotFoundException">No feature has that name.</exception>
    public Feature GetFeature(string name)
        => _featuresByName.TryGetValue(name, out Feature? f) ? f : throw new KeyNotFoundException($"No feature is named '{name}'; the features are {string.Join(", ", s_features.Select(x => x.Name))}.");

    /// <summary>True when the feature named <paramref name="name"/> can be used here.</summary>
    public bool IsSupported(string name) => GetFeature(name).Supported;

    /// <summary>True when the kernel has <paramref name="opcode"/> (after overrides).</summary>
    public bool IsSupported(IoUringOpcode opcode) => GetOpcode(opcode).Supported;

    /// <summary>The support of <paramref name="opcode"/>.</summary>
    public OpcodeSupport GetOpcode(IoUringOpcode opcode)
    {
        foreach (OpcodeSupport o in _opcodes)
            if (o.Opcode == opcode)
                return o;
        (bool supported, Decision how) = OpcodeState(opcode, s_ops.Value, s_host.Value, CurrentOverrides());
        return new OpcodeSupport(opcode, supported, how, null);
    }

    /// <summary>
    /// The first kernel with <paramref name="opcode"/>: the oldest <c>since</c> among the <c>[UringOp]</c> builder
    /// declarations of that opcode (the generated catalog), or null when no builder declares it.
    /// </summary>
    public static Version? MinimumKernel(IoUringOpcode opcode) => s_since.Value[(byte)opcode];

    /// <summary>Throws <see cref="OperationNotSupportedException"/> when this kernel (or an override) says
    /// <paramref name="opcode"/> is unsupported. Probes only the opcodes, not the features.</summary>
    public static void CheckOpcode(IoUringOpcode opcode)
    {
        (bool supported, _) = OpcodeState(opcode, s_ops.Value, s_host.Value, CurrentOverrides());
        if (!supported)
            throw CreateUnsupported(opcode, Errno.EOPNOTSUPP, -1, null);
    }

    /// <summary>
    /// For a completion that failed with <paramref name="errno"/>: the typed "this kernel lacks the operation" exception
    /// when the errno is EINVAL or EOPNOTSUPP and the capabilities (the opcode probe, or an override) say
    /// <paramref name="opcode"/> is unsupported; otherwise null. Cheap: it probes only the opcodes, once per process, and
    /// only when the errno is one of those two.
    /// </summary>
    /// <param name="opcode">The failed operation's opcode.</param>
    /// <param name="errno">The positive errno of the completion.</param>
    /// <param name="fd">The descriptor it acted on, or -1.</param>
    /// <param name="buffer">The buffer the operation had borrowed, handed back on the exception (<see cref="UringException.Buffer"/>).</param>
    internal static OperationNotSupportedException? UnsupportedOrNull(IoUringOpcode opcode, int errno, int fd = -1, object? buffer = null)
    {
        if (errno is not (Errno.EINVAL or Errno.EOPNOTSUPP))
            return null;
        (bool supported, _) = OpcodeState(opcode, s_ops.Value, s_host.Value, CurrentOverrides());
        return supported ? null : CreateUnsupported(opcode, errno, fd, buffer);
    }

    internal static OperationNotSupportedException CreateUnsupported(IoUringOpcode opcode, int errno, int fd, object? buffer)
    {
        HostFacts host = s_host.Value;
        (_, Decision how) = OpcodeState(opcode, s_ops.Value, host, CurrentOverrides());
        return new OperationNotSupportedException(opcode, MinimumKernel(opcode), host.KernelVersion, host.KernelRelease, errno,
            disabledByOverride: how == Decision.Override, fd: fd)
        { Buffer = buffer };
    }

    private static (bool Supported, Decision How) OpcodeState(IoUringOpcode opcode, OpcodeTable ops, HostFacts host, OverrideSet overrides)
    {
        if (overrides.Find(OpcodeKey(opcode)) is bool forced)
            return (forced, Decision.Override);
        if (ops.Unavailable is not null)
            return (false, Decision.Probe);
        if (ops.Supported is { } supported)
            return ((int)opcode < supported.Length && supported[(int)opcode], Decision.Probe);
        // No IORING_REGISTER_PROBE (before 5.6): go by the version that added the opcode.
        Version? since = MinimumKernel(opcode);
        return (since is not null && host.KernelVersion >= since, Decision.KernelVersion);
    }

    private static string OpcodeKey(IoUringOpcode opcode) => "op:" + opcode;

    private static readonly Lazy<Version?[]> s_since = new(() =>
    {
        var since = new Version?[256];
        foreach ((string _, IoUringOpcode opcode, string version, string _) in UringOpCatalog.All)
        {
            if (Version.TryParse(version, out Version? v) && (since[(byte)opcode] is not { } known || v < known))
                since[(byte)opcode] = v;
        }
        return since;
    });

    private bool Has(string feature) => _featuresByName[feature].Supported;

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
}
