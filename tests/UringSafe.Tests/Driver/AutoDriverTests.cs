using UringSafe.Async;
using UringSafe.Driver;
using UringSafe.Driver.Userspace;
using UringSafe.Raw;
using UringSafe.Tests.Diagnostics;

namespace UringSafe.Tests.Driver;

/// <summary>
/// <see cref="ReactorDriver.Auto"/> takes the kernel ring only where it has everything the runtime's defaults use (a
/// registered ring fd, multishot accept, provided-buffer rings, multishot receive), so that a program that runs on the
/// userspace ring also runs on the ring Auto picks: on kernels before 6.0 (e.g. 5.15, where a reactor could not even
/// start) it takes the userspace ring and says why. An older kernel is simulated with the capability overrides
/// (process-wide, hence the capabilities' non-parallel collection), on top of the real ring.
/// </summary>
[Collection(CapabilitiesCollection.Name)]
public sealed class AutoDriverTests
{
    [Theory]
    [InlineData(UringCapabilities.FeatureNames.RegisteredRingFd, "5.18")]
    [InlineData(UringCapabilities.FeatureNames.MultishotAccept, "5.19")]
    [InlineData(UringCapabilities.FeatureNames.BufferRing, "5.19")]
    [InlineData(UringCapabilities.FeatureNames.MultishotRecv, "6.0")]
    public void Auto_takes_the_userspace_ring_where_the_kernel_ring_lacks_what_the_defaults_use(string feature, string since)
    {
        using (UringCapabilities.OverrideForTesting(feature, supported: false))
        {
            using RingDriver driver = DriverSelection.CreateAuto(new ReactorOptions(), UringReactor.CreateRing);
            Assert.IsType<UserspaceRingDriver>(driver);
            string cause = Assert.IsType<string>(DriverSelection.LastFallbackCause);
            Assert.Contains($"{feature} ({since})", cause);
            Assert.Contains("ReactorDriver.KernelRing", cause); // how to take the kernel ring anyway

            // The doctor's pick is the reactors' pick, for the same reason.
            UringCapabilities caps = UringCapabilities.Current;
            Assert.True(caps.IsUsable);
            Assert.Equal(ReactorDriver.UserspaceRing, caps.AutoDriver);
            Assert.Contains($"Driver (ReactorDriver.Auto picks): the userspace ring (UserspaceRing), because", caps.Report());
            Assert.Contains($"{feature} ({since})", caps.Report());
        }

        // This kernel has them all.
        using RingDriver kernel = DriverSelection.CreateAuto(new ReactorOptions(), UringReactor.CreateRing);
        Assert.IsType<KernelRingDriver>(kernel);
        Assert.Equal(ReactorDriver.KernelRing, UringCapabilities.Current.AutoDriver);
    }

    [Fact]
    public void An_explicit_kernel_ring_is_taken_even_where_Auto_would_not()
    {
        using (UringCapabilities.OverrideForTesting(UringCapabilities.FeatureNames.MultishotRecv, supported: false))
        {
            using var reactor = new UringReactor(new ReactorOptions { Driver = ReactorDriver.KernelRing });
            Assert.Equal(ReactorDriver.KernelRing, reactor.Driver);
        }
    }
    [Fact]
    public void The_error_for_a_raw_layer_call_on_the_fallback_gives_its_advice_once()
    {
        using (UringCapabilities.OverrideForTesting(UringCapabilities.FeatureNames.MultishotRecv, supported: false))
        {
            using RingDriver driver = DriverSelection.CreateAuto(new ReactorOptions(), UringReactor.CreateRing);
            string message = new KernelRingRequiredException("Ring.Submit").Message;
            Assert.Contains("which Auto chose because", message);
            Assert.Contains($"{UringCapabilities.FeatureNames.MultishotRecv} (6.0)", message); // the cause
            // One piece of advice, not the fallback line's and the exception's both.
            Assert.Equal(1, Occurrences(message, "ReactorDriver.KernelRing") + Occurrences(message, "Driver = KernelRing"));
        }
    }

    private static int Occurrences(string text, string what)
    {
        int n = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
            n++;
        return n;
    }
}
