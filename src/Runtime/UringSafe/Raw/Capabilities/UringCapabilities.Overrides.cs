using UringSafe.Abi;
using UringSafe.Interop;

namespace UringSafe.Raw;

public sealed partial class UringCapabilities
{
    private static readonly object s_gate = new();
    private static readonly Lazy<HostFacts> s_host = new(HostFacts.Read);
    private static readonly Lazy<OpcodeTable> s_ops = new(OpcodeTable.Probe);
    private static readonly Lazy<ProbeResults> s_probe = new(() => ProbeResults.Run(s_host.Value, s_ops.Value));
    private static UringCapabilities? s_current;
    private static OverrideSet? s_overrides;                    // the overrides in force, rebuilt when they change
    private static Dictionary<string, bool>? s_startup;         // URINGSAFE_FEATURES, then Override(); null until first read
    private static string[] s_ignored = [];                     // URINGSAFE_FEATURES entries naming nothing
    private static readonly List<TestingOverride> s_testing = [];

    /// <summary>
    /// Forces a feature (<see cref="FeatureNames"/>, e.g. "SendZc") or an opcode ("op:Socket") on or off, for a kernel whose
    /// backports the probe cannot see or a feature to avoid. Call it at startup, before anything probes
    /// (<see cref="Current"/>, <see cref="CheckOpcode"/>, a failed operation): capabilities are probed once per process.
    /// It takes precedence over <c>URINGSAFE_FEATURES</c>.
    /// </summary>
    /// <param name="name">A feature name, or <c>op:</c> and an <see cref="IoUringOpcode"/> name (case-insensitive).</param>
    /// <param name="supported">True to force it on, false to force it off.</param>
    /// <exception cref="ArgumentException">The name is neither a feature nor an opcode.</exception>
    /// <exception cref="InvalidOperationException">The capabilities were already probed.</exception>
    public static void Override(string name, bool supported)
    {
        string key = CanonicalKey(name);
        lock (s_gate)
        {
            if (s_ops.IsValueCreated || s_probe.IsValueCreated || s_current is not null)
                throw new InvalidOperationException(
                    "The capabilities were already probed; call UringCapabilities.Override at startup, before the first use (or set " +
                    EnvironmentVariable + "). Tests can use UringCapabilities.OverrideForTesting, which applies at any time.");
            StartupOverrides()[key] = supported;
            s_overrides = null;
        }
    }

    /// <summary>
    /// Forces a feature or an opcode on or off until the returned scope is disposed, at any time (the probe's own results
    /// are kept; <see cref="Current"/> is rebuilt with the override on top). Overrides are process-wide: a test that uses
    /// this should not run in parallel with tests that depend on the same feature or opcode. Scopes nest; the latest wins.
    /// </summary>
    /// <param name="name">A feature name (<see cref="FeatureNames"/>), or <c>op:</c> and an <see cref="IoUringOpcode"/> name.</param>
    /// <param name="supported">True to force it on, false to force it off.</param>
    /// <returns>The scope; dispose it to remove the override.</returns>
    /// <exception cref="ArgumentException">The name is neither a feature nor an opcode.</exception>
    public static IDisposable OverrideForTesting(string name, bool supported)
    {
        var entry = new TestingOverride(CanonicalKey(name), supported);
        lock (s_gate)
        {
            s_testing.Add(entry);
            s_overrides = null;
            s_current = null;
        }
        return entry;
    }

    private sealed class TestingOverride(string key, bool supported) : IDisposable
    {
        public string Key { get; } = key;
        public bool Supported { get; } = supported;

        public void Dispose()
        {
            lock (s_gate)
            {
                if (s_testing.Remove(this))
                {
                    s_overrides = null;
                    s_current = null;
                }
            }
        }
    }

    /// <summary>What an override forces for <paramref name="feature"/> (a <see cref="FeatureNames"/> name), or null when
    /// none does. Cheap: it reads the overrides without probing.</summary>
    internal static bool? OverrideFor(string feature) => CurrentOverrides().Find(CanonicalKey(feature));

    /// <summary>
    /// Opcodes an override turned off (<c>-op:Name</c>), indexed by opcode, or null when none is: a reactor reads it once
    /// at creation and fails such operations with the typed "needs kernel X" error instead of submitting them.
    /// </summary>
    internal static bool[]? OpcodesDisabledByOverride()
    {
        OverrideSet set = CurrentOverrides();
        bool[]? disabled = null;
        for (int op = 0; op < 256; op++)
        {
            if (set.Find(OpcodeKey((IoUringOpcode)op)) == false)
                (disabled ??= new bool[256])[op] = true;
        }
        return disabled;
    }

    /// <summary>The overrides in force (startup ones, then testing scopes in order).</summary>
    private static OverrideSet CurrentOverrides()
    {
        OverrideSet? set = Volatile.Read(ref s_overrides);
        if (set is not null)
            return set;
        lock (s_gate)
        {
            if (s_overrides is null)
            {
                var map = new Dictionary<string, bool>(StringComparer.Ordinal);
                var order = new List<string>();
                foreach ((string key, bool on) in StartupOverrides())
                    Set(key, on);
                foreach (TestingOverride t in s_testing)
                    Set(t.Key, t.Supported);
                s_overrides = new OverrideSet(map, order, s_ignored);

                void Set(string key, bool on)
                {
                    if (!map.ContainsKey(key))
                        order.Add(key);
                    map[key] = on;
                }
            }
            return s_overrides;
        }
    }

    /// <summary>The startup overrides, read from <c>URINGSAFE_FEATURES</c> the first time. Call under <see cref="s_gate"/>.</summary>
    private static Dictionary<string, bool> StartupOverrides()
    {
        if (s_startup is null)
        {
            var map = new Dictionary<string, bool>(StringComparer.Ordinal);
            var ignored = new List<string>();
            string? spec = Environment.GetEnvironmentVariable(EnvironmentVariable);
            foreach (string raw in (spec ?? "").Split([',', ';', ' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries))
            {
                bool on = raw[0] != '-';
                string name = raw[0] is '+' or '-' ? raw[1..] : raw;
                if (TryCanonicalKey(name, out string? key))
                    map[key] = on;
                else
                    ignored.Add(raw);
            }
            s_startup = map;
            s_ignored = [.. ignored];
        }
        return s_startup;
    }

    private static string CanonicalKey(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return TryCanonicalKey(name, out string? key)
            ? key
            : throw new ArgumentException(
                $"'{name}' is neither a feature ({string.Join(", ", s_features.Select(f => f.Name))}) nor op:<IoUringOpcode name>.", nameof(name));
    }

    private static bool TryCanonicalKey(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? key)
    {
        name = name.Trim();
        if (name.StartsWith("op:", StringComparison.OrdinalIgnoreCase))
        {
            string op = name[3..];
            if (op.Length != 0 && !char.IsAsciiDigit(op[0]) && !op.StartsWith('-')
                && Enum.TryParse(op, ignoreCase: true, out IoUringOpcode opcode) && Enum.IsDefined(opcode))
            {
                key = OpcodeKey(opcode);
                return true;
            }
            key = null;
            return false;
        }
        foreach ((string feature, _) in s_features)
        {
            if (string.Equals(feature, name, StringComparison.OrdinalIgnoreCase))
            {
                key = feature;
                return true;
            }
        }
        key = null;
        return false;
    }

    /// <summary>An immutable snapshot of the overrides in force.</summary>
    private sealed class OverrideSet(Dictionary<string, bool> map, List<string> order, string[] ignored)
    {
        public string[] Ignored { get; } = ignored;

        public bool? Find(string key) => map.TryGetValue(key, out bool on) ? on : null;

        public string[] Describe() => [.. order.Select(k => (map[k] ? "+" : "-") + k)];
    }
}
