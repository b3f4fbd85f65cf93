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
                Impl[] all = Servers(PortBase).Select(server => (Impl)new EchoImpl(server, conns, size, secs)).ToArray();
                Impl[] chosen = context.Impls is { } only ? all.Where(i => only.Contains(i.Id)).ToArray() : all;
                cases.Add(new BenchCase($"echo-{size}b-c{conns}", $"TCP echo {size} B, {conns} conns, loadgen -d {secs}", chosen, "c-liburing-d"));
            }
        }
        return cases;
    }

    /// <summary>The echo servers measured, each on its own port above <paramref name="portBase"/> (the latency workload runs them too).</summary>
    internal static Server[] Servers(int portBase) =>
    [
        new("c-liburing-d", portBase + 3, ServerHost.CPeer("echo_uring"), p => ["-p", p, "-d"]),
        new("uringsafe", portBase + 1, ServerHost.Sample("EchoServer"), p => ["127.0.0.1", p, "--quiet", "--reactors", "1"]),
        new("uringsafe-userspace", portBase + 6, ServerHost.Sample("EchoServer") with { Environment = Userspace }, p => ["127.0.0.1", p, "--quiet", "--reactors", "1"]),
        new("c-epoll", portBase + 2, ServerHost.CPeer("echo_epoll"), p => ["-p", p]),
        new("dotnet-sockets", portBase + 4, ServerHost.DotnetPeer("EchoServer"), p => [p]),
    ];

    /// <summary>One echo server: its impl id, port, program and arguments (given the port).</summary>
    internal sealed record Server(string Id, int Port, ServerHost.Program Program, Func<string, string[]> Args)
    {
        /// <summary>Builds the server and <paramref name="client"/> (a C program of peers.sh) before the first measurement.</summary>
        public void Ensure(BenchContext context, string client)
        {
            PeerProcess.Ensure(context, client);
            Program.Ensure(context);
        }

        /// <summary>
        /// Starts the server fresh, runs <paramref name="client"/> (a peers.sh program taking <c>-p PORT</c>, then
        /// <paramref name="args"/>) to completion and returns its key=value output with the server's CPU over the client's
        /// timed part, which starts <paramref name="warmupSecs"/> after the client.
        /// </summary>
        public ClientRun Drive(BenchContext context, string client, int warmupSecs, params string[] args)
        {
            string path = PeerProcess.Ensure(context, client);
            string port = Port.ToString(CultureInfo.InvariantCulture);
            using ServerHost server = ServerHost.Start(context, Program, Args(port), Port);
            var run = Task.Run(() => PeerProcess.Run(path, ["-p", port, .. args]));
            Thread.Sleep(TimeSpan.FromSeconds(warmupSecs));
            ServerHost.Window window = ServerHost.Window.Begin(server);
            IReadOnlyDictionary<string, string> output = run.GetAwaiter().GetResult();
            var (serverPct, otherPct, wall) = window.End(out double serverSeconds);
            return new ClientRun(output, serverPct, otherPct, wall, serverSeconds);
        }
    }

    /// <summary>A client's key=value output and the server's CPU (% of a core, seconds) and other load over its timed part.</summary>
    internal sealed record ClientRun(IReadOnlyDictionary<string, string> Output, double ServerPct, double OtherPct, double Wall, double ServerSeconds)
    {
        public double Number(string key) => PeerProcess.Number(Output, key);
    }

    /// <summary>Closed-loop echo with the peers' loadgen (also the latency workload's peak probe).</summary>
    internal sealed class EchoImpl(Server s, int conns, int size, int secs) : Impl
    {
        public override string Id => s.Id;

        public override void Warmup(BenchContext context) => s.Ensure(context, "loadgen");

        public override Measurement Measure(BenchContext context)
        {
            ClientRun r = s.Drive(context, "loadgen", WarmupSecs, "-c", Text(conns), "-s", Text(size), "-d", Text(secs), "-w", Text(WarmupSecs));
            double rps = r.Number("rps");
            long roundTrips = (long)r.Number("round_trips");
            double usPerRt = r.ServerSeconds * 1e6 / Math.Max(1, rps * r.Wall);
            return new Measurement(new Metric(rps, "rt/s", HigherIsBetter: true), roundTrips, roundTrips / rps,
            [
                new Metric(r.Number("p50_us"), "p50 us", HigherIsBetter: false),
                new Metric(r.Number("p99_us"), "p99 us", HigherIsBetter: false),
                new Metric(usPerRt, "server CPU us/rt", HigherIsBetter: false),
                new Metric(r.ServerPct, "server CPU %", HigherIsBetter: false),
                new Metric(r.Number("client_cpu_pct"), "client CPU %", HigherIsBetter: false),
                new Metric(r.OtherPct, "other load %", HigherIsBetter: false),
            ]);
        }
    }

    internal static string Text(double v) => v.ToString(CultureInfo.InvariantCulture);
}
