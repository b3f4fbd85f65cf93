using System.Diagnostics;
using System.Globalization;
using UringSafe.Async;
using UringSafe.Bench.Harness;
using UringSafe.Net.Http;

namespace UringSafe.Bench.Workloads;

/// <summary>
/// Outgoing HTTP: this process's HttpClient sends <c>GET /plaintext</c> in C concurrent loops (C keep-alive
/// connections) to one server started fresh per measurement (<c>samples/HttpPlaintext --threads 1 --no-pin</c>, a
/// child process), through the stock <see cref="SocketsHttpHandler"/> (<c>sockets-handler</c>, the baseline) or the same
/// handler with <c>UseUringSafe</c> on an executor with a reactor per CPU, its default (<c>uringsafe</c>; with
/// <c>--impls</c> also <c>uringsafe-1r</c>, one reactor). Primary metric: requests/s over the
/// timed window after an untimed warm-up; secondary: client CPU per request (this process's utime+stime), server CPU
/// per request, and the other load of the machine.
/// </summary>
public sealed class HttpClientWorkload : Workload
{
    private const int Port = 21471;

    /// <inheritdoc/>
    public override string Name => "httpclient";

    /// <inheritdoc/>
    public override string Description => "HttpClient GET /plaintext, 1 and 64 connections: SocketsHttpHandler vs UseUringSafe, against HttpPlaintext";

    /// <inheritdoc/>
    public override IReadOnlyList<BenchCase> CreateCases(BenchContext context)
    {
        double secs = Math.Max(1, 5 * context.Scale);
        Impl[] Impls(int conns)
        {
            Impl[] all =
            [
                new ClientImpl("sockets-handler", conns, secs, reactors: 0),
                new ClientImpl("uringsafe", conns, secs, reactors: Environment.ProcessorCount),
                new ClientImpl("uringsafe-1r", conns, secs, reactors: 1),
            ];
            return context.Impls is { } only ? all.Where(i => only.Contains(i.Id)).ToArray() : all.Take(2).ToArray();
        }
        return
        [
            new BenchCase("httpclient-c1", $"HttpClient GET, 1 connection, {secs:0.#} s", Impls(1), "sockets-handler"),
            new BenchCase("httpclient-c64", $"HttpClient GET, 64 connections, {secs:0.#} s", Impls(64), "sockets-handler"),
        ];
    }

    private sealed class ClientImpl(string id, int conns, double secs, int reactors) : Impl
    {
        private static readonly ServerHost.Program Server = ServerHost.Sample("HttpPlaintext");

        public override string Id => id;

        public override void Warmup(BenchContext context) => Server.Ensure(context);

        public override Measurement Measure(BenchContext context)
        {
            using ServerHost server = ServerHost.Start(context, Server, ["127.0.0.1", Port.ToString(CultureInfo.InvariantCulture), "--quiet", "--threads", "1", "--no-pin"], Port);
            using UringExecutor? executor = reactors > 0 ? new UringExecutor(reactors) : null;
            var handler = new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = conns };
            if (executor is not null)
                handler.UseUringSafe(executor);
            using var client = new HttpClient(handler);
            var uri = new Uri($"http://127.0.0.1:{Port}/plaintext");
            RunFor(client, uri, TimeSpan.FromSeconds(Math.Max(1, context.WarmupMilliseconds / 1000.0 * 2))); // JIT and connections, not counted
            long cpu0 = SelfCpuTicks();
            var window = ServerHost.Window.Begin(server);
            long requests = RunFor(client, uri, TimeSpan.FromSeconds(secs));
            var (_, otherPct, wall) = window.End(out double serverSeconds);
            double clientSeconds = (SelfCpuTicks() - cpu0) / 100.0;
            return new Measurement(new Metric(requests / wall, "req/s", HigherIsBetter: true), requests, wall,
            [
                new Metric(clientSeconds / requests * 1e6, "client CPU us/req", HigherIsBetter: false),
                new Metric(serverSeconds / requests * 1e6, "server CPU us/req", HigherIsBetter: false),
                new Metric(otherPct, "other load %", HigherIsBetter: false),
            ]);
        }

        /// <summary>C loops of GET until <paramref name="duration"/> has passed; returns the requests completed.</summary>
        private long RunFor(HttpClient client, Uri uri, TimeSpan duration)
        {
            long done = 0;
            var sw = Stopwatch.StartNew();
            Task[] loops = Enumerable.Range(0, conns).Select(_ => Task.Run(async () =>
            {
                while (sw.Elapsed < duration)
                {
                    using HttpResponseMessage r = await client.GetAsync(uri, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
                    if (!r.IsSuccessStatusCode)
                        throw new InvalidOperationException($"GET {uri}: {(int)r.StatusCode}");
                    Interlocked.Increment(ref done);
                }
            })).ToArray();
            Task.WaitAll(loops);
            return done;
        }

        /// <summary>This process's utime + stime, in ticks of 1/100 s (the server is a separate process).</summary>
        private static long SelfCpuTicks()
        {
            string s = File.ReadAllText("/proc/self/stat");
            string[] f = s[(s.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
        }
    }
}
