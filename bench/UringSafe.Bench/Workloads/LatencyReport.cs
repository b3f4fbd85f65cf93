using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using UringSafe.Bench.Harness;

namespace UringSafe.Bench.Workloads;

/// <summary>One latency figure of one run: the load (% of the peak), the impl, the run and the metric.</summary>
public readonly record struct LatencySample(int Load, string Impl, int Run, string Unit, double Value);

/// <summary>
/// The latency workload's own report: per load, p50 / p99 / p99.9 / max of every server (median and min - max of the
/// runs), UringSafe's ratio to C liburing and to .NET Sockets against issue 25's goals, and the chart of latency
/// against load (ScottPlot). Reads the workload's results, or its <c>--json</c> lines again (<c>latency-report</c>).
/// </summary>
public static partial class LatencyReport
{
    /// <summary>Units of the percentiles (the JSON <c>unit</c>).</summary>
    public const string P50 = "p50 us", P99 = "p99 us", P999 = "p99.9 us", Max = "max us", Offered = "offered rt/s";

    private const string Mine = "uringsafe", Liburing = "c-liburing", Sockets = "dotnet-sockets";
    private static readonly string[] s_percentiles = [P50, P99, P999, Max];
    private static readonly string[] s_impls = [Liburing, Mine, "c-epoll", Sockets];

    /// <summary>The case name for a load, e.g. <c>echo-64b-c50-load50</c>.</summary>
    public static string CaseName(int size, int conns, int load) => $"echo-{size}b-c{conns}-load{load}";

    /// <summary>The load of a latency case name (<c>...-load50</c> -> 50), or null for any other case.</summary>
    public static int? LoadOf(string caseName)
    {
        Match m = LoadPattern().Match(caseName);
        return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>The latency samples among a run's results.</summary>
    public static List<LatencySample> Samples(IEnumerable<RunResult> results)
        => results
            .SelectMany(r => r.Measurement.Secondary.Prepend(r.Measurement.Primary).Select(m => (r, m)))
            .Where(x => LoadOf(x.r.Case.Name) is not null)
            .Select(x => new LatencySample(LoadOf(x.r.Case.Name)!.Value, x.r.Impl.Id, x.r.Run, x.m.Unit, x.m.Value))
            .ToList();

    /// <summary>The latency samples among the bench's JSON lines (other lines are skipped).</summary>
    public static List<LatencySample> Samples(IEnumerable<string> jsonLines)
    {
        var samples = new List<LatencySample>();
        foreach (string line in jsonLines)
        {
            if (!line.TrimStart().StartsWith('{'))
                continue;
            using var doc = JsonDocument.Parse(line);
            JsonElement o = doc.RootElement;
            if (LoadOf(o.GetProperty("workload").GetString() ?? "") is int load)
                samples.Add(new LatencySample(load, o.GetProperty("impl").GetString()!, o.GetProperty("run").GetInt32(), o.GetProperty("unit").GetString()!, o.GetProperty("value").GetDouble()));
        }
        return samples;
    }

    /// <summary>
    /// <c>latency-report FILE.jsonl [-o CHART.png]</c>: the report (and chart) again from a saved <c>--json</c> run.
    /// </summary>
    public static int Run(string[] args)
    {
        string? input = null, chart = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is "-o" or "--plot" && i + 1 < args.Length)
                chart = args[++i];
            else if (input is null && !args[i].StartsWith('-'))
                input = args[i];
            else
                throw new ArgumentException($"latency-report FILE.jsonl [-o CHART.png]: unexpected '{args[i]}'");
        }
        if (input is null)
            throw new ArgumentException("latency-report needs the JSON lines of a latency run (--json output)");
        List<LatencySample> samples = Samples(File.ReadLines(input));
        if (samples.Count == 0)
            throw new InvalidOperationException($"{input} has no latency results (workload names ending in -loadNN)");
        Write(Console.Out, samples, chart, Console.Error);
        return 0;
    }

    /// <summary>Writes the percentile table with the goals and, when <paramref name="chartPath"/> is set, the chart.</summary>
    public static void Write(TextWriter w, IReadOnlyList<LatencySample> samples, string? chartPath, TextWriter log)
    {
        if (samples.Count == 0)
            return;
        int[] loads = samples.Select(s => s.Load).Distinct().Order().ToArray();
        string[] impls = s_impls.Where(i => samples.Any(s => s.Impl == i)).Concat(samples.Select(s => s.Impl).Distinct().Except(s_impls).Order()).ToArray();
        w.WriteLine();
        w.WriteLine("Latency (us, from each message's due time): median of the runs (min - max). Goal of issue 25: UringSafe's p99 and");
        w.WriteLine("p99.9 <= 1.1x C liburing's and <= 0.5x .NET Sockets' at every load. Ratio = UringSafe / peer (lower is better); paired = median of the per-run ratios.");
        w.WriteLine();
        w.WriteLine($"| load | offered rt/s | percentile | {string.Join(" | ", impls)} | uringsafe / c-liburing (paired) | uringsafe / dotnet-sockets (paired) | <= 1.1x C | <= 0.5x .NET |");
        w.WriteLine($"| --- | --- | --- | {string.Join(" | ", impls.Select(_ => "---"))} | --- | --- | --- | --- |");
        foreach (int load in loads)
        {
            string offered = Format.Number(Stats.Median(Values(samples, load, null, Offered)));
            foreach (string unit in s_percentiles)
            {
                var cells = impls.Select(i => Values(samples, load, i, unit)).Select(v => v.Length == 0 ? "-" : $"{Us(Stats.Median(v))} ({Us(v.Min())} - {Us(v.Max())})");
                (double toC, double toCPaired) = RatioTo(samples, load, unit, Liburing);
                (double toNet, double toNetPaired) = RatioTo(samples, load, unit, Sockets);
                bool judged = unit is P99 or P999;
                w.WriteLine($"| {load}% | {offered} | {unit.Replace(" us", "", StringComparison.Ordinal)} | {string.Join(" | ", cells)} | "
                    + $"{Format.Ratio(toC)} ({Format.Ratio(toCPaired)}) | {Format.Ratio(toNet)} ({Format.Ratio(toNetPaired)}) | {Goal(judged, toC, 1.1)} | {Goal(judged, toNet, 0.5)} |");
            }
        }
        if (chartPath is not null)
        {
            LatencyChart.Save(chartPath, samples, loads, impls, [P50, P99, P999]);
            log.WriteLine($"[bench] latency chart: {chartPath}");
        }
    }

    // Judged on the ratio of medians; p50 and max are shown, not judged.
    private static string Goal(bool judged, double ratio, double limit)
        => !judged || double.IsNaN(ratio) ? "" : ratio <= limit ? "met" : "**not met**";

    // Whole microseconds from 100 up, one decimal below.
    private static string Us(double v) => v.ToString(v >= 100 ? "N0" : "0.#", CultureInfo.InvariantCulture);

    /// <summary>The values of one (load, impl, unit) over the runs; any impl when <paramref name="impl"/> is null.</summary>
    internal static double[] Values(IReadOnlyList<LatencySample> samples, int load, string? impl, string unit)
        => samples.Where(s => s.Load == load && (impl is null || s.Impl == impl) && s.Unit == unit).Select(s => s.Value).ToArray();

    // UringSafe's median over the peer's, and the median of the per-run ratios.
    private static (double Ratio, double Paired) RatioTo(IReadOnlyList<LatencySample> samples, int load, string unit, string peer)
    {
        double[] mine = Values(samples, load, Mine, unit), theirs = Values(samples, load, peer, unit);
        if (mine.Length == 0 || theirs.Length == 0)
            return (double.NaN, double.NaN);
        double[] paired = samples.Where(s => s.Load == load && s.Unit == unit && s.Impl == Mine)
            .Join(samples.Where(s => s.Load == load && s.Unit == unit && s.Impl == peer), s => s.Run, s => s.Run, (m, t) => m.Value / t.Value)
            .ToArray();
        return (Stats.Median(mine) / Stats.Median(theirs), Stats.Median(paired));
    }

    [GeneratedRegex(@"^echo-\d+b-c\d+-load(\d+)$")]
    private static partial Regex LoadPattern();
}
