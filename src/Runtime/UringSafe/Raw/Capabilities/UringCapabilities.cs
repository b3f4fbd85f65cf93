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
}
