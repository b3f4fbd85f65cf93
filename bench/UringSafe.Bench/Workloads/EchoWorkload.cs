using System.Globalization;
using UringSafe.Bench.Harness;

namespace UringSafe.Bench.Workloads;

/// <summary>
/// TCP echo with the peers' closed-loop <c>loadgen</c> (unchanged): 64 B and 4 KiB messages, 50 and 500 connections,
/// against UringSafe's <c>samples/EchoServer</c> (thread per core), the C epoll and C liburing + DEFER_TASKRUN (<c>-d</c>)
/// servers and the stock .NET Sockets echo server of the peers. Each measurement starts the server fresh, runs
/// <c>loadgen -d 5 -w 2</c> (2 s untimed warm-up), and reads round trips/s, p50 and p99 from loadgen's output and the
/// server's CPU time over the timed part from <c>/proc/PID/stat</c> (CPU per round trip = server CPU s / round trips).
/// </summary>
public sealed class EchoWorkload : Workload
{
    private const int PortBase = 21400;
    private const int WarmupSecs = 2;
    private static readonly Dictionary<string, string> Userspace = new() { ["URINGSAFE_DRIVER"] = "userspace" };

    /// <inheritdoc/>
    public override string Name => "echo";

    /// <inheritdoc/>
    public override string Description => "TCP echo, loadgen 64 B / 4 KiB x 50 / 500 conns: UringSafe EchoServer (kernel and userspace ring) vs C epoll, C liburing -d, .NET Sockets";

    /// <inheritdoc/>
    public override IReadOnlyList<BenchCase> CreateCases(BenchContext context)
    {
        int secs = Math.Max(1, (int)Math.Round(5 * context.Scale));
        var cases = new List<BenchCase>();
        foreach (int conns in new[] { 50, 500 })
        {
            foreach (int size in new[] { 64, 4096 })
            {
                Impl[] all =
                [
                    new EchoImpl("c-liburing-d", PortBase + 3, ServerHost.CPeer("echo_uring"), p => ["-p", p, "-d"], conns, size, secs),
                    new EchoImpl("uringsafe", PortBase + 1, ServerHost.Sample("EchoServer"), p => ["127.0.0.1", p, "--quiet", "--reactors", "1"], conns, size, secs),
                    new EchoImpl("uringsafe-userspace", PortBase + 6, ServerHost.Sample("EchoServer") with { Environment = Userspace }, p => ["127.0.0.1", p, "--quiet", "--reactors", "1"], conns, size, secs),
                    new EchoImpl("c-epoll", PortBase + 2, ServerHost.CPeer("echo_epoll"), p => ["-p", p], conns, size, secs),
                    new EchoImpl("dotnet-sockets", PortBase + 4, ServerHost.DotnetPeer("EchoServer"), p => [p], conns, size, secs),
                ];
                Impl[] chosen = context.Impls is { } only ? all.Where(i => only.Contains(i.Id)).ToArray() : all;
                cases.Add(new BenchCase($"echo-{size}b-c{conns}", $"TCP echo {size} B, {conns} conns, loadgen -d {secs}", chosen, "c-liburing-d"));
            }
        }
        return cases;
    }

    private sealed class EchoImpl(string id, int port, ServerHost.Program program, Func<string, string[]> args, int conns, int size, int secs) : Impl
    {
        public override string Id => id;

        public override void Warmup(BenchContext context)
        {
            PeerProcess.Ensure(context, "loadgen");
            program.Ensure(context);
        }

        public override Measurement Measure(BenchContext context)
        {
            string loadgen = PeerProcess.Ensure(context, "loadgen");
            string p = port.ToString(CultureInfo.InvariantCulture);
            using ServerHost server = ServerHost.Start(context, program, args(p), port);
            IReadOnlyDictionary<string, string>? kv = null;
            ServerHost.Window window = default;
            // loadgen's timed part starts after its warm-up: open the CPU window then.
            var run = Task.Run(() => kv = PeerProcess.Run(loadgen, "-p", p, "-c", conns.ToString(CultureInfo.InvariantCulture),
                "-s", size.ToString(CultureInfo.InvariantCulture), "-d", secs.ToString(CultureInfo.InvariantCulture),
                "-w", WarmupSecs.ToString(CultureInfo.InvariantCulture)));
            Thread.Sleep(TimeSpan.FromSeconds(WarmupSecs));
            window = ServerHost.Window.Begin(server);
            run.GetAwaiter().GetResult();
            var (serverPct, otherPct, wall) = window.End(out double serverSeconds);
            double rps = PeerProcess.Number(kv!, "rps");
            long roundTrips = (long)PeerProcess.Number(kv!, "round_trips");
            double usPerRt = serverSeconds * 1e6 / Math.Max(1, rps * wall);
            return new Measurement(new Metric(rps, "rt/s", HigherIsBetter: true), roundTrips, roundTrips / rps,
            [
                new Metric(PeerProcess.Number(kv!, "p50_us"), "p50 us", HigherIsBetter: false),
                new Metric(PeerProcess.Number(kv!, "p99_us"), "p99 us", HigherIsBetter: false),
                new Metric(usPerRt, "server CPU us/rt", HigherIsBetter: false),
                new Metric(serverPct, "server CPU %", HigherIsBetter: false),
                new Metric(PeerProcess.Number(kv!, "client_cpu_pct"), "client CPU %", HigherIsBetter: false),
                new Metric(otherPct, "other load %", HigherIsBetter: false),
            ]);
        }
    }
}
