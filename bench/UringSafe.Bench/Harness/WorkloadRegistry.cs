using UringSafe.Bench.Workloads;

namespace UringSafe.Bench.Harness;

/// <summary>Every workload the command line knows. Add new ones here.</summary>
public static class WorkloadRegistry
{
    /// <summary>All workloads, in the order <c>all</c> runs them.</summary>
    public static IReadOnlyList<Workload> All { get; } =
    [
        new NopWorkload(),
        new EchoWorkload(),
        new HttpWorkload(),
        new AwaitedNopWorkload(),
        new FileReadWorkload(),
        new ConnsWorkload(),
        new HttpClientWorkload(),
        new LatencyWorkload(),
    ];

    /// <summary>Finds a workload by name (case-insensitive).</summary>
    public static Workload? Find(string name)
        => All.FirstOrDefault(w => string.Equals(w.Name, name, StringComparison.OrdinalIgnoreCase));
}
