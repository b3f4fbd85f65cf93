using UringSafe.Tests.Support;
using Xunit.Abstractions;

namespace UringSafe.Tests.Async;

/// <summary>
/// The CI version of the bench's <c>storm</c>: a few thousand mixed operations (files, TCP pairs, multishot accept and
/// receive, timers, opens/closes) on one reactor with every fault of the injector on and half of them cancelled at a
/// random moment, on the real kernel (see <see cref="FaultStorm"/>). Every buffer must come back exactly once and never
/// change after its hand-back, the open fds must be the same afterwards, nothing may stay in flight or leak, and nothing
/// may hang (a watchdog fails the run after 60 s).
/// </summary>
[Collection(FdCountCollection.Name)]
public sealed class FaultInjectionStormTests(ITestOutputHelper output)
{
    private static readonly Lazy<bool> s_warmedUp = new(() =>
    {
        // Assemblies and runtime parts some paths load on first use keep fds open for the rest of the process: run a
        // short storm first, so the fd baseline of the real runs has them.
        FaultStorm.Run(new StormOptions { Seed = 1000, Operations = 1_000, CheckFds = false });
        return true;
    });

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Fault_injected_storm_hands_every_buffer_back_once_and_leaks_no_fd(int seed)
    {
        _ = s_warmedUp.Value;

        StormReport report = FaultStorm.Run(new StormOptions { Seed = seed, Operations = 10_000 });
        string text = report.Format();
        output.WriteLine(text);

        Assert.True(report.ViolationCount == 0, text);
        Assert.True(report.Finished, text);
        Assert.Equal(0, report.InFlightBeforeDispose);
        Assert.Equal(0, report.LeakedOperations);
        Assert.Empty(report.LeakedFds);
        Assert.Empty(report.LostFds);
        Assert.Equal(report.Lends, report.HandBacks);

        // The storm really stormed: every kind ran, half were cancelled, and every kind of fault was injected.
        for (int k = 0; k < StormReport.Kinds; k++)
            Assert.True(report.Started[k] > 0, $"{(StormOp)k} never ran\n{text}");
        Assert.True(report.CancelRequested.Sum() > report.TotalStarted / 3, text);
        Assert.True(report.Cancelled.Sum() > 0, text);
        Assert.True(report.InjectedErrors > 0 && report.InjectedShortTransfers > 0 && report.InjectedDelays > 0
            && report.InjectedCancelRaces > 0 && report.InjectedRefusals > 0 && report.InjectedReapHolds > 0, text);
        Assert.True(report.ProvidedLeases > 0 && report.ProvidedLeases == report.ProvidedReturns, text);
    }
}
