namespace UringSafe.Bench.Harness;

/// <summary>One measurement of one impl in one run.</summary>
public sealed record RunResult(BenchCase Case, Impl Impl, int Run, Measurement Measurement, double OtherLoadPercent, bool Noisy);

/// <summary>
/// Runs cases with alternation: for run in 1..R, for each case, for each impl (order reversed on even runs, so
/// neither impl always goes first), take one measurement. Each impl is warmed up before its first measurement.
/// </summary>
public sealed class Runner(BenchContext context)
{
    private readonly HashSet<(string, string)> _warmed = [];

    /// <summary>Runs every case <see cref="BenchContext.Runs"/> times and returns all results.</summary>
    public IReadOnlyList<RunResult> Run(IReadOnlyList<BenchCase> cases)
    {
        var results = new List<RunResult>();
        for (int run = 1; run <= context.Runs; run++)
        {
            foreach (BenchCase c in cases)
            {
                IEnumerable<Impl> order = run % 2 == 1 ? c.Impls : c.Impls.Reverse();
                foreach (Impl impl in order)
                {
                    if (_warmed.Add((c.Name, impl.Id)))
                        impl.Warmup(context);
                    RunResult r = MeasureOnce(c, impl, run);
                    results.Add(r);
                    if (context.Json)
                        JsonLines.Write(Console.Out, r);
                    context.Log.WriteLine(
                        $"[bench] run {run}/{context.Runs} {c.Name,-10} {impl.Id,-12} {Format.Value(r.Measurement.Primary)} {r.Measurement.Primary.Unit}"
                        + string.Concat(r.Measurement.Secondary.Select(m => $", {Format.Value(m)} {m.Unit}"))
                        + $"  (other load {r.OtherLoadPercent:0}%{(r.Noisy ? ", NOISY" : "")})");
                }
            }
        }
        return results;
    }

    private RunResult MeasureOnce(BenchCase c, Impl impl, int run)
    {
        for (int attempt = 1; ; attempt++)
        {
            if (context.QuietCheck)
                WaitForQuiet();
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            MachineLoad.Snapshot a = MachineLoad.Take();
            Measurement m = impl.Measure(context);
            double other = MachineLoad.OtherPercent(a, MachineLoad.Take());
            bool noisy = other > context.NoisyPercent;
            if (!noisy || !context.QuietCheck || attempt == 2 || context.QuietBudgetSeconds <= 0)
                return new RunResult(c, impl, run, m, other, noisy);
            context.QuietBudgetSeconds -= System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds;
            context.Log.WriteLine($"[bench] other load {other:0}% of a core during {c.Name}/{impl.Id}: measuring again");
        }
    }

    // Half-second samples until other load is below the threshold, while the budget lasts.
    private void WaitForQuiet()
    {
        while (context.QuietBudgetSeconds > 0 && MachineLoad.SampleOtherPercent(500) > context.NoisyPercent)
        {
            context.QuietBudgetSeconds -= 1;
            Thread.Sleep(500);
        }
    }
}
