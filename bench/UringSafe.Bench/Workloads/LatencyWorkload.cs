using System.Globalization;
using UringSafe.Bench.Harness;

namespace UringSafe.Bench.Workloads;

/// <summary>
/// Tail latency at a fixed load (issue 25): the bench's open-loop client <c>bench/c/latgen</c> sends 64 B messages over
/// 50 connections at 25%, 50% and 75% of the closed-loop peak of the slowest server, and times every round trip from
/// when it was due (wrk2's method: a stall is charged to every message it delayed, no coordinated omission). The peak
/// is measured first, in the same run, with the echo workload's closed-loop <c>loadgen</c> against each server
/// (<c>LATENCY_PEAK_RPS</c> fixes it instead, to compare invocations). The same client drives UringSafe's EchoServer
/// (one reactor, unpinned), C liburing (<c>echo_uring -d</c>), C epoll and the .NET Sockets peer, each started fresh per
/// measurement. Primary metric p99 us; p50, p99.9 and max beside it, one JSON line each.
/// </summary>
public sealed class LatencyWorkload : Workload
{
    private const int PortBase = 21410;
    private const int Conns = 50;
    private const int Size = 64;
    private const int WarmupSecs = 2;
    private const string Baseline = "c-liburing";
    private static readonly int[] s_loads = [25, 50, 75];

    /// <inheritdoc/>
    public override string Name => "latency";

    /// <inheritdoc/>
    public override string Description => "Open-loop echo 64 B x 50 conns at 25/50/75% of the slowest server's peak: p50/p99/p99.9/max, UringSafe vs C liburing -d, C epoll, .NET Sockets";

    /// <inheritdoc/>
    public override IReadOnlyList<BenchCase> CreateCases(BenchContext context)
    {
        int secs = Math.Max(1, (int)Math.Round(5 * context.Scale));
        EchoWorkload.Server[] servers = EchoWorkload.Servers(PortBase)
            .Where(s => s.Id != "uringsafe-userspace")
            .Select(s => s.Id == "c-liburing-d" ? s with { Id = Baseline } : s)
            // Unpinned, as the C servers are: at partial load a pinned reactor waits whenever something else runs on its CPU.
            .Select(s => s.Id == "uringsafe" ? s with { Args = p => [.. s.Args(p), "--no-pin"] } : s)
            .Where(s => context.Impls is null || context.Impls.Contains(s.Id))
            .ToArray();
        var peak = new PeakProbe(servers, Math.Max(1, (int)Math.Round(3 * context.Scale)));
        return s_loads.Select(load => new BenchCase(
                LatencyReport.CaseName(Size, Conns, load),
                $"open-loop echo {Size} B, {Conns} conns, {load}% of the slowest server's peak, latgen -d {secs}",
                servers.Select(s => (Impl)new LatencyImpl(s, peak, load, secs)).ToArray(),
                Baseline))
            .ToList();
    }

    /// <inheritdoc/>
    public override void Report(TextWriter output, IReadOnlyList<BenchCase> cases, IReadOnlyList<RunResult> results, BenchContext context)
        => LatencyReport.Write(output, LatencyReport.Samples(results), context.PlotPath, context.Log);

    /// <summary>The closed-loop peak of the slowest server, measured once before the first open-loop measurement.</summary>
    private sealed class PeakProbe(EchoWorkload.Server[] servers, int secs)
    {
        private double _peak;

        public double Peak(BenchContext context)
        {
            if (_peak > 0)
                return _peak;
            if (double.TryParse(Environment.GetEnvironmentVariable("LATENCY_PEAK_RPS"), NumberStyles.Float, CultureInfo.InvariantCulture, out double fixedPeak) && fixedPeak > 0)
            {
                context.Log.WriteLine($"[bench] latency: peak fixed by LATENCY_PEAK_RPS at {Format.Number(fixedPeak)} rt/s");
                return _peak = fixedPeak;
            }
            var probe = new BenchCase($"echo-{Size}b-c{Conns}-peak", "closed-loop peak (loadgen)", [], Baseline);
            var peaks = new List<(string Id, double Rps)>();
            foreach (EchoWorkload.Server s in servers)
            {
                var impl = new EchoWorkload.EchoImpl(s, Conns, Size, secs);
                impl.Warmup(context);
                MachineLoad.Snapshot a = MachineLoad.Take();
                Measurement m = impl.Measure(context);
                double other = MachineLoad.OtherPercent(a, MachineLoad.Take());
                if (context.Json)
                    JsonLines.Write(Console.Out, new RunResult(probe, impl, 0, m, other, other > context.NoisyPercent));
                peaks.Add((s.Id, m.Primary.Value));
                context.Log.WriteLine($"[bench] latency: closed-loop peak of {s.Id}: {Format.Value(m.Primary)} rt/s (other load {other:0}%)");
            }
            var slowest = peaks.MinBy(p => p.Rps);
            context.Log.WriteLine($"[bench] latency: loads are % of {slowest.Id}'s {Format.Number(slowest.Rps)} rt/s");
            return _peak = slowest.Rps;
        }
    }

    private sealed class LatencyImpl(EchoWorkload.Server s, PeakProbe peak, int load, int secs) : Impl
    {
        public override string Id => s.Id;

        public override void Warmup(BenchContext context)
        {
            s.Ensure(context, "latgen");
            peak.Peak(context);
        }

        public override Measurement Measure(BenchContext context)
        {
            double rate = Math.Round(peak.Peak(context) * load / 100);
            EchoWorkload.ClientRun r = s.Drive(context, "latgen", WarmupSecs, "-c", EchoWorkload.Text(Conns), "-s", EchoWorkload.Text(Size),
                "-r", EchoWorkload.Text(rate), "-d", EchoWorkload.Text(secs), "-w", EchoWorkload.Text(WarmupSecs));
            long roundTrips = (long)r.Number("round_trips");
            double rps = r.Number("rps");
            return new Measurement(new Metric(r.Number("p99_us"), LatencyReport.P99, HigherIsBetter: false), roundTrips, secs,
            [
                new Metric(r.Number("p50_us"), LatencyReport.P50, HigherIsBetter: false),
                new Metric(r.Number("p999_us"), LatencyReport.P999, HigherIsBetter: false),
                new Metric(r.Number("max_us"), LatencyReport.Max, HigherIsBetter: false),
                new Metric(rate, LatencyReport.Offered, HigherIsBetter: true),
                new Metric(rps, "rt/s", HigherIsBetter: true),
                new Metric(r.Number("lost"), "lost", HigherIsBetter: false),
                new Metric(r.Number("lag_p99_us"), "client send lag p99 us", HigherIsBetter: false),
                new Metric(r.ServerSeconds * 1e6 / Math.Max(1, rps * r.Wall), "server CPU us/rt", HigherIsBetter: false),
                new Metric(r.ServerPct, "server CPU %", HigherIsBetter: false),
                new Metric(r.Number("client_cpu_pct"), "client CPU %", HigherIsBetter: false),
                new Metric(r.OtherPct, "other load %", HigherIsBetter: false),
            ]);
        }
    }
}
