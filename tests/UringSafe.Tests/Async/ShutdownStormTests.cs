using UringSafe.Tests.Support;
using Xunit.Abstractions;

namespace UringSafe.Tests.Async;

/// <summary>
/// The CI version of the bench's <c>shutdown-storm</c> (issue 18): loaded executors with fault injection on, stopped at
/// random moments in every way there is (from outside, from their own reactors, a reactor disposing itself, closes from
/// other threads before and during the stop). See <see cref="ShutdownStorm"/> for the invariants.
/// </summary>
[Collection(FdCountCollection.Name)]
public sealed class ShutdownStormTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Stopping_loaded_executors_at_random_moments_never_hangs_crashes_or_leaks(int seed)
    {
        // A short unchecked round first: what the runtime opens once for the life of the process is then in the baseline.
        Watchdog.RunThread("shutdown storm warm-up", () => ShutdownStorm.Run(new ShutdownStormOptions { Seed = seed + 1000, Rounds = 3, CheckFds = false }), TimeSpan.FromSeconds(60));
        ShutdownStormReport report = null!;
        Watchdog.RunThread("shutdown storm", () => report = ShutdownStorm.Run(new ShutdownStormOptions { Seed = seed, Rounds = 24 }), TimeSpan.FromSeconds(120));
        string text = report.Format();
        output.WriteLine(text);
        Assert.True(report.Violations.Count == 0, text);
        Assert.Equal(24, report.Rounds);
        Assert.Equal(report.Lends, report.HandBacks);
        Assert.True(report.OperationsRun > 0, "The load never ran: " + text);
    }
}
