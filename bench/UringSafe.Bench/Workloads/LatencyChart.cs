using System.Globalization;
using ScottPlot;
using UringSafe.Bench.Harness;

namespace UringSafe.Bench.Workloads;

/// <summary>
/// Draws latency against load with ScottPlot: one panel per percentile (p50, p99, p99.9), a line per server through the
/// medians of the runs, whiskers from the fastest to the slowest run, and a log latency axis shared by the panels.
/// PNG (ScottPlot saves a multi-panel figure only as PNG).
/// </summary>
internal static class LatencyChart
{
    private static readonly Dictionary<string, (string Label, string Hex)> s_style = new(StringComparer.Ordinal)
    {
        ["uringsafe"] = ("UringSafe EchoServer", "#d9480f"),
        ["c-liburing"] = ("C liburing -d", "#1c7ed6"),
        ["c-epoll"] = ("C epoll", "#37b24d"),
        ["dotnet-sockets"] = (".NET Sockets", "#868e96"),
    };

    public static void Save(string path, IReadOnlyList<LatencySample> samples, int[] loads, string[] impls, string[] units)
    {
        var figure = new Multiplot();
        figure.AddPlots(units.Length);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
        double lo = double.MaxValue, hi = double.MinValue;
        for (int u = 0; u < units.Length; u++)
        {
            Plot plot = figure.GetPlot(u);
            plot.Title(units[u].Replace(" us", "", StringComparison.Ordinal) + " latency");
            plot.Font.Set("DejaVu Sans");
            plot.XLabel("load: % of peak / offered rt/s");
            if (u == 0)
                plot.YLabel("microseconds (log scale)");
            foreach (string impl in impls)
            {
                var points = loads.Select(l => (Load: l, V: LatencyReport.Values(samples, l, impl, units[u])))
                    .Where(p => p.V.Length > 0 && p.V.Min() > 0).ToArray();
                if (points.Length == 0)
                    continue;
                double[] xs = points.Select(p => (double)p.Load).ToArray();
                double[] ys = points.Select(p => Math.Log10(Stats.Median(p.V))).ToArray();
                (string label, string hex) = s_style.TryGetValue(impl, out var st) ? st : (impl, "#000000");
                Color color = Color.FromHex(hex);
                var line = plot.Add.Scatter(xs, ys, color);
                line.LineWidth = 2;
                line.MarkerSize = 7;
                line.LegendText = u == 0 ? label : "";
                var whiskers = plot.Add.ErrorBar(xs, ys, new double[xs.Length]);
                whiskers.YErrorNegative = points.Select((p, i) => ys[i] - Math.Log10(p.V.Min())).ToArray();
                whiskers.YErrorPositive = points.Select((p, i) => Math.Log10(p.V.Max()) - ys[i]).ToArray();
                whiskers.Color = color;
                lo = Math.Min(lo, points.Min(p => Math.Log10(p.V.Min())));
                hi = Math.Max(hi, points.Max(p => Math.Log10(p.V.Max())));
            }
            plot.Axes.Bottom.SetTicks(loads.Select(l => (double)l).ToArray(), loads.Select(l => TickLabel(samples, l)).ToArray());
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = y => Math.Pow(10, y).ToString("N0", CultureInfo.InvariantCulture),
            };
            plot.Axes.Left.TickLabelStyle.FontSize = 13;
            plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
        }
        for (int u = 0; u < units.Length; u++)
        {
            Plot plot = figure.GetPlot(u);
            plot.Axes.SetLimitsX(loads.Min() - 8, loads.Max() + 8);
            plot.Axes.SetLimitsY(Math.Floor(lo * 4) / 4, hi + 0.2 + (hi - lo) * 0.15);
        }
        figure.GetPlot(0).ShowLegend(Alignment.UpperLeft); // above the data: the y range has headroom for it
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
            Directory.CreateDirectory(dir);
        figure.SavePng(path, 380 * units.Length, 460);
    }

    // "50%" over the offered rate, e.g. "31.4k".
    private static string TickLabel(IReadOnlyList<LatencySample> samples, int load)
    {
        double[] offered = LatencyReport.Values(samples, load, null, LatencyReport.Offered);
        string pct = load.ToString(CultureInfo.InvariantCulture) + "%";
        return offered.Length == 0 ? pct : $"{pct}\n{(Stats.Median(offered) / 1000).ToString("0.#", CultureInfo.InvariantCulture)}k";
    }
}
