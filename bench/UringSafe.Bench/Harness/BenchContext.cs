namespace UringSafe.Bench.Harness;

/// <summary>Options shared by every workload, parsed from the command line.</summary>
public sealed class BenchContext
{
    /// <summary>Measurements per (case, impl); the summary reports medians over them.</summary>
    public int Runs { get; init; } = 5;

    /// <summary>Print one JSON object per measurement on stdout (the table goes to stderr).</summary>
    public bool Json { get; init; }

    /// <summary>Wait for the machine to be quiet before each measurement and re-run a disturbed one once.</summary>
    public bool QuietCheck { get; init; }

    /// <summary>Seconds in all that <see cref="QuietCheck"/> may spend waiting / re-running.</summary>
    public double QuietBudgetSeconds { get; set; } = 120;

    /// <summary>Other load (% of one core) above which a measurement is flagged noisy.</summary>
    public double NoisyPercent { get; init; } = 10;

    /// <summary>Multiplies each workload's op count (0.1 for a quick smoke run).</summary>
    public double Scale { get; init; } = 1.0;

    /// <summary>Minimum untimed warm-up per in-process case, in milliseconds.</summary>
    public int WarmupMilliseconds { get; init; } = 700;

    /// <summary>Only these impl ids (null: each workload's defaults).</summary>
    public IReadOnlySet<string>? Impls { get; init; }

    /// <summary>Only these case names, e.g. <c>nop-b32</c> (null: all).</summary>
    public IReadOnlySet<string>? Cases { get; init; }

    /// <summary>Repository root (holds UringSafe.sln).</summary>
    public required string RepoRoot { get; init; }

    /// <summary>Where a workload that draws a chart (latency) writes it; null: no chart.</summary>
    public string? PlotPath { get; init; }

    /// <summary>Where the C peers are built: <c>PEERS_BUILD</c>, default <c>bench/.peers-build</c>.</summary>
    public required string PeersBuild { get; init; }

    /// <summary>Progress and diagnostics (stderr).</summary>
    public TextWriter Log { get; init; } = Console.Error;

    /// <summary>Scales an op count by <see cref="Scale"/>, keeping it a positive multiple of <paramref name="multiple"/>.</summary>
    public long ScaledOps(long ops, long multiple = 1)
    {
        long n = (long)Math.Round(ops * Scale);
        n = Math.Max(multiple, n / multiple * multiple);
        return n;
    }
}
