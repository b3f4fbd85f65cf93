namespace UringSafe.Tests.Support;

/// <summary>
/// Allocation in steady state, measured over a few windows and the least kept. A one-off (a method tiering up and
/// compiling on the measuring thread, a pool or queue growing once) lands in one window; an allocation per operation
/// shows in every window, so taking the least hides nothing a hot-path regression would add.
/// </summary>
internal static class SteadyStateAllocation
{
    public const int Windows = 3;

    /// <summary>The least of <see cref="Windows"/> runs of <paramref name="window"/>, which returns the bytes it saw allocated.</summary>
    public static long Least(Func<long> window)
    {
        long least = long.MaxValue;
        for (int i = 0; i < Windows && least > 0; i++)
            least = Math.Min(least, window());
        return least;
    }

    /// <inheritdoc cref="Least(Func{long})"/>
    public static async Task<long> LeastAsync(Func<Task<long>> window)
    {
        long least = long.MaxValue;
        for (int i = 0; i < Windows && least > 0; i++)
            least = Math.Min(least, await window());
        return least;
    }
}
