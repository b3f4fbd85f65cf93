using UringSafe.Abi;

namespace UringSafe.Raw;

/// <summary>
/// What <see cref="ReactorDriver.Auto"/> asks of the kernel ring before it takes it: everything the runtime's defaults use,
/// so that a program that runs on the userspace ring also runs on whichever ring Auto picks. Without these (kernels before
/// 6.0; before 5.18 a reactor could not even start) Auto takes the userspace ring and says which one is missing. One list
/// serves both askers: a reactor starting, from its live ring, and the doctor, from the probed features.
/// </summary>
internal static class KernelRingRequirements
{
    private static readonly (string Feature, string UsedFor, IoUringOpcode Marker)[] s_required =
    [
        (UringCapabilities.FeatureNames.RegisteredRingFd, "every reactor registers its ring fd", IoUringOpcode.Nop),
        (UringCapabilities.FeatureNames.MultishotAccept, "listeners accept multishot by default", IoUringOpcode.Socket),
        (UringCapabilities.FeatureNames.BufferRing, "multishot receive takes its buffers from a provided-buffer ring", IoUringOpcode.Socket),
        (UringCapabilities.FeatureNames.MultishotRecv, "the Kestrel transport and MultishotReceiver receive multishot by default", IoUringOpcode.SendZc),
    ];

    /// <summary>
    /// Why a reactor's freshly set-up <paramref name="ring"/> falls short, or null when it has everything. It costs one
    /// probe syscall: a feature counts as present when its release's marker opcode is (SOCKET for 5.19, SEND_ZC for 6.0,
    /// which also holds for kernels with io_uring backported), and the ring's fd got registered; overrides
    /// (<c>URINGSAFE_FEATURES</c>, <see cref="UringCapabilities.OverrideForTesting"/>) win, as in the doctor.
    /// </summary>
    public static KernelRingShortfall? Shortfall(Ring ring)
    {
        RingProbe probe = ring.Probe();
        return Shortfall(feature =>
        {
            if (UringCapabilities.OverrideFor(feature) is bool forced)
                return forced;
            if (feature == UringCapabilities.FeatureNames.RegisteredRingFd)
                return ring.IsRingFdRegistered;
            IoUringOpcode marker = Array.Find(s_required, r => r.Feature == feature).Marker;
            return (int)marker <= (int)probe.LastOpcode && probe.IsSupported(marker);
        });
    }

    /// <summary>Why a kernel ring with the features <paramref name="has"/> reports falls short, or null when it has everything.</summary>
    public static KernelRingShortfall? Shortfall(Func<string, bool> has)
    {
        var missing = s_required.Where(r => !has(r.Feature)).ToArray();
        if (missing.Length == 0)
            return null;
        string what = string.Join("; ", missing.Select(r => $"{r.Feature} ({UringCapabilities.Since(r.Feature).ToString(2)}): {r.UsedFor}"));
        string kernel = Environment.OSVersion.Version is { Major: > 0 } v ? $"Linux {v.ToString(2)}" : "this kernel";
        bool canStart = missing.All(r => r.Feature != UringCapabilities.FeatureNames.RegisteredRingFd);
        return new($"io_uring on {kernel} lacks what the runtime's defaults use: {what}.", canStart
            ? "To run the kernel ring anyway, set ReactorOptions.Driver = ReactorDriver.KernelRing (or URINGSAFE_DRIVER=kernel) and turn those defaults off (UringListenerOptions.Multishot = false, UringSafeTransportOptions.UseMultishotReceive = false); or upgrade to Linux 6.0 or newer."
            : "ReactorDriver.KernelRing cannot start a reactor here; upgrade to Linux 6.0 or newer for the kernel ring.");
    }
}

/// <summary>Why Auto does not take the kernel ring, and what to do about it, apart: the fallback's line says both, an
/// error raised later on the fallback says the problem with its own advice.</summary>
internal sealed record KernelRingShortfall(string Problem, string Fix)
{
    public string Message => Problem + " " + Fix;
}
