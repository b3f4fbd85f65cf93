namespace UringSafe.Bench.Harness;

/// <summary>
/// Prints the medians of all runs as markdown tables: the primary metric per (case, impl) with min - max, spread
/// and the ratio against the case's baseline impl; then the secondary metrics (B/op...).
/// </summary>
public static class SummaryTable
{
    /// <summary>Writes both tables to <paramref name="w"/>.</summary>
    public static void Write(TextWriter w, IReadOnlyList<BenchCase> cases, IReadOnlyList<RunResult> results, BenchContext context)
    {
        w.WriteLine();
        w.WriteLine($"Medians of {context.Runs} alternating runs. Ratio = impl median / baseline median (>1 is better);");
        w.WriteLine("paired = median of the per-run ratios (each impl against the baseline measured next to it).");
        w.WriteLine();
        w.WriteLine("| case | impl | median | min - max | spread | ratio vs baseline | paired ratio (min - max) | max other load | noisy runs |");
        w.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (BenchCase c in cases)
        {
            var baseline = results.Where(r => r.Case == c && r.Impl.Id == c.BaselineImpl).ToList();
            double baseMedian = Stats.Median(baseline.Select(r => r.Measurement.Primary.Value));
            foreach (Impl impl in c.Impls)
            {
                var mine = results.Where(r => r.Case == c && r.Impl == impl).ToList();
                if (mine.Count == 0)
                    continue;
                double[] v = mine.Select(r => r.Measurement.Primary.Value).ToArray();
                Metric p = mine[0].Measurement.Primary;
                double med = Stats.Median(v);
                string ratio = "-", paired = "-";
                if (impl.Id != c.BaselineImpl && baseline.Count > 0)
                {
                    ratio = Format.Ratio(Oriented(med, baseMedian, p.HigherIsBetter));
                    double[] pr = mine.Join(baseline, r => r.Run, r => r.Run,
                        (m, b) => Oriented(m.Measurement.Primary.Value, b.Measurement.Primary.Value, p.HigherIsBetter)).ToArray();
                    if (pr.Length > 0)
                        paired = $"{Format.Ratio(Stats.Median(pr))} ({Format.Ratio(pr.Min())} - {Format.Ratio(pr.Max())})";
                }
                else if (impl.Id == c.BaselineImpl)
                {
                    ratio = "baseline";
                }
                w.WriteLine($"| {c.Name} | {impl.Id} | {Format.Number(med)} {p.Unit} | {Format.Number(v.Min())} - {Format.Number(v.Max())} | "
                    + $"{Format.Percent(Stats.Spread(v))} | {ratio} | {paired} | {mine.Max(r => r.OtherLoadPercent):0}% | {mine.Count(r => r.Noisy)}/{mine.Count} |");
            }
        }

        var secondary = results.SelectMany(r => r.Measurement.Secondary.Select(m => (r.Case, r.Impl, m))).ToList();
        if (secondary.Count == 0)
            return;
        w.WriteLine();
        w.WriteLine("| case | impl | metric | median | min - max |");
        w.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var g in secondary.GroupBy(x => (x.Case.Name, x.Impl.Id, x.m.Unit)))
        {
            double[] v = g.Select(x => x.m.Value).ToArray();
            w.WriteLine($"| {g.Key.Item1} | {g.Key.Item2} | {g.Key.Item3} | {Format.Number(Stats.Median(v))} | {Format.Number(v.Min())} - {Format.Number(v.Max())} |");
        }
    }

    private static double Oriented(double mine, double baseline, bool higherIsBetter)
        => baseline == 0 || mine == 0 ? double.NaN : higherIsBetter ? mine / baseline : baseline / mine;
}
