using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using UringSafe.Bench.Harness;

namespace UringSafe.Bench.Workloads;

/// <summary>
/// HTTP plaintext and JSON: <c>wrk -t1 -c64 -d10s</c> and <c>-c256</c> (after an untimed 3 s <c>wrk</c> warm-up) against, each started fresh per
/// measurement: the stock Kestrel app of the peers (<c>dotnet/Plaintext</c>, sockets transport; the baseline),
/// the same minimal API on the UringSafe transport (<c>samples/KestrelOnUring</c>; <c>-inline</c>: with
/// <c>UnsafePreferInlineScheduling</c>, requests processed on the reactor threads) and UringSafe's own HTTP server
/// (<c>samples/HttpPlaintext</c>). Primary metric: requests/s; secondary: server CPU (% of a core over the timed 10 s),
/// server CPU per request (us) and the other load of the machine with the server and wrk excluded.
/// </summary>
public sealed class HttpWorkload : Workload
{
    // BENCH_HTTP_PORT_BASE moves the servers' ports (base+1 to base+65) off the default, for a machine shared with
    // another run of the bench.
    private static readonly int PortBase = int.TryParse(Environment.GetEnvironmentVariable("BENCH_HTTP_PORT_BASE"), out int b) ? b : 21480;

    /// <inheritdoc/>
    public override string Name => "http";

    /// <inheritdoc/>
    public override string Description => "HTTP plaintext and JSON, wrk -t1 -c64 and -c256 -d10s: HttpPlaintext and Kestrel on UringSafe vs stock Kestrel (peers' Plaintext; KestrelOnUring --sockets for JSON)";

    /// <inheritdoc/>
    public override IReadOnlyList<BenchCase> CreateCases(BenchContext context)
    {
        int secs = Math.Max(1, (int)Math.Round(10 * context.Scale));
        Dictionary<string, string> userspace = new() { ["URINGSAFE_DRIVER"] = "userspace" };
        Impl[] Impls(int conns, int portOffset, bool json)
        {
            int p = PortBase + portOffset;
            string path = json ? "/json" : "/plaintext";
            // JSON: the peers have no JSON app, so the baseline is the same sample without UseUringSafe (stock Kestrel).
            Impl baseline = json
                ? new HttpImpl("kestrel-sockets", p + 1, secs, conns, path, ServerHost.Sample("KestrelOnUring"), url: true, HttpLoad.KeepAlive, "--sockets")
                : new HttpImpl("kestrel-sockets", p + 1, secs, conns, path, ServerHost.DotnetPeer("Plaintext"), url: true);
            Impl[] all =
            [
                baseline,
                // One reactor: wrk needs the other of the 2 cores (as for echo; the peers' C servers are single-threaded too).
                // The thread-per-core default (one reactor per CPU) is kept as its own row.
                new HttpImpl("kestrel-uringsafe", p + 2, secs, conns, path, ServerHost.Sample("KestrelOnUring"), url: true, HttpLoad.KeepAlive, "--reactors", "1"),
                new HttpImpl("kestrel-uringsafe-inline", p + 4, secs, conns, path, ServerHost.Sample("KestrelOnUring"), url: true, HttpLoad.KeepAlive, "--reactors", "1", "--inline"),
                new HttpImpl("kestrel-uringsafe-per-core", p + 5, secs, conns, path, ServerHost.Sample("KestrelOnUring"), url: true),
                // Unpinned reactors (UringSafeTransportOptions.PinToCores = false): thread-pool workers a pinned reactor
                // starts inherit its CPU.
                new HttpImpl("kestrel-uringsafe-nopin", p + 8, secs, conns, path, ServerHost.Sample("KestrelOnUring"), url: true, HttpLoad.KeepAlive, "--reactors", "1", "--no-pin"),
                new HttpImpl("kestrel-uringsafe-per-core-nopin", p + 9, secs, conns, path, ServerHost.Sample("KestrelOnUring"), url: true, HttpLoad.KeepAlive, "--no-pin"),
                .. json ? Array.Empty<Impl>() :
                [
                    new HttpImpl("httpplaintext", p + 3, secs, conns, path, ServerHost.Sample("HttpPlaintext"), url: false, HttpLoad.KeepAlive, "--threads", "1"),
                    new HttpImpl("httpplaintext-per-core", p + 6, secs, conns, path, ServerHost.Sample("HttpPlaintext"), url: false),
                    // The same server on the userspace ring (issue 20: where io_uring is blocked).
                    new HttpImpl("httpplaintext-userspace", p + 7, secs, conns, path, ServerHost.Sample("HttpPlaintext") with { Environment = userspace }, url: false, HttpLoad.KeepAlive, "--threads", "1"),
                ],
            ];
            return context.Impls is { } only ? all.Where(i => only.Contains(i.Id)).ToArray() : all;
        }
        // Pipelined HTTP/1.1 and HTTP/2 cleartext (prior knowledge, enabled through Kestrel's configuration): where
        // every flush of a response or frame would be a send unless the transport coalesces them (issue 19 item 3).
        Dictionary<string, string> h2c = new() { ["Kestrel__EndpointDefaults__Protocols"] = "Http2" };
        Impl[] Kestrels(HttpLoad load, int conns, int portOffset, Dictionary<string, string>? environment = null)
        {
            int p = PortBase + portOffset;
            ServerHost.Program stock = ServerHost.DotnetPeer("Plaintext"), uring = ServerHost.Sample("KestrelOnUring");
            Impl[] all =
            [
                new HttpImpl("kestrel-sockets", p + 1, secs, conns, "/plaintext", stock with { Environment = environment }, url: true, load),
                new HttpImpl("kestrel-uringsafe", p + 2, secs, conns, "/plaintext", uring with { Environment = environment }, url: true, load, "--reactors", "1"),
                new HttpImpl("kestrel-uringsafe-per-core", p + 5, secs, conns, "/plaintext", uring with { Environment = environment }, url: true, load),
            ];
            return context.Impls is { } only ? all.Where(i => only.Contains(i.Id)).ToArray() : all;
        }
        // HTTP/2 over TLS: the peers have no TLS app, so the baseline is KestrelOnUring --sockets --tls (stock Kestrel),
        // as for JSON. Each server makes its self-signed certificate at startup.
        Impl[] TlsKestrels(int conns, int portOffset)
        {
            int p = PortBase + portOffset;
            ServerHost.Program app = ServerHost.Sample("KestrelOnUring");
            Impl[] all =
            [
                new HttpImpl("kestrel-sockets", p + 1, secs, conns, "/plaintext", app, url: true, HttpLoad.H2Tls, "--sockets", "--tls"),
                new HttpImpl("kestrel-uringsafe", p + 2, secs, conns, "/plaintext", app, url: true, HttpLoad.H2Tls, "--reactors", "1", "--tls"),
                new HttpImpl("kestrel-uringsafe-per-core", p + 5, secs, conns, "/plaintext", app, url: true, HttpLoad.H2Tls, "--tls"),
            ];
            return context.Impls is { } only ? all.Where(i => only.Contains(i.Id)).ToArray() : all;
        }
        return
        [
            new BenchCase("http-plaintext", $"HTTP plaintext, wrk -t1 -c64 -d{secs}s", Impls(64, 0, json: false), "kestrel-sockets"),
            new BenchCase("http-plaintext-c256", $"HTTP plaintext, wrk -t1 -c256 -d{secs}s", Impls(256, 10, json: false), "kestrel-sockets"),
            new BenchCase("http-json", $"HTTP JSON, wrk -t1 -c64 -d{secs}s", Impls(64, 20, json: true), "kestrel-sockets"),
            new BenchCase("http-json-c256", $"HTTP JSON, wrk -t1 -c256 -d{secs}s", Impls(256, 30, json: true), "kestrel-sockets"),
            new BenchCase("http-pipelined", $"HTTP/1.1 pipelined 16 deep, wrk -t1 -c64 -d{secs}s -s bench/pipeline.lua", Kestrels(HttpLoad.Pipelined, 64, 40), "kestrel-sockets"),
            new BenchCase("http-h2c", $"HTTP/2 cleartext, h2load -t1 -c16 -m32 -D {secs}", Kestrels(HttpLoad.H2c, 16, 50, h2c), "kestrel-sockets"),
            new BenchCase("http-h2-tls", $"HTTP/2 over TLS (ALPN), h2load -t1 -c16 -m32 -D {secs}", TlsKestrels(16, 60), "kestrel-sockets"),
        ];
    }

    /// <summary>The client: keep-alive GETs (wrk), 16-deep pipelined GETs (wrk with bench/pipeline.lua), or HTTP/2
    /// streams (h2load), in cleartext or over TLS (an https:// url: the server gets one too).</summary>
    private enum HttpLoad
    {
        KeepAlive,
        Pipelined,
        H2c,
        H2Tls,
    }

    private sealed class HttpImpl(string id, int port, int secs, int conns, string path, ServerHost.Program program, bool url, HttpLoad load = HttpLoad.KeepAlive, params string[] extra) : Impl
    {
        public override string Id => id;

        public override void Warmup(BenchContext context)
        {
            ServerHost.EnsureWrk(context);
            program.Ensure(context);
        }

        public override Measurement Measure(BenchContext context)
        {
            string scheme = load == HttpLoad.H2Tls ? "https" : "http";
            string[] args = url ? [$"{scheme}://127.0.0.1:{port}", .. extra] : ["127.0.0.1", port.ToString(CultureInfo.InvariantCulture), "--quiet", .. extra];
            using ServerHost server = ServerHost.Start(context, program, args, port);
            string target = $"{scheme}://127.0.0.1:{port}{path}";
            string c = "-c" + conns.ToString(CultureInfo.InvariantCulture);
            string script = Path.Combine(context.RepoRoot, "bench", "pipeline.lua");
            string Run(int seconds) => load switch
            {
                HttpLoad.Pipelined => ServerHost.RunTool("wrk", "-t1", c, $"-d{seconds}s", "-s", script, target, "--", "16"),
                HttpLoad.H2c or HttpLoad.H2Tls => ServerHost.RunTool("h2load", "-t1", c, "-m32", "-D", seconds.ToString(CultureInfo.InvariantCulture), target),
                _ => ServerHost.RunTool("wrk", "-t1", c, $"-d{seconds}s", target),
            };
            Run(3); // JIT warm-up, not counted
            var window = ServerHost.Window.Begin(server);
            string output = Run(secs);
            var (serverPct, otherPct, wall) = window.End(out double serverSeconds);
            double rps = load is HttpLoad.H2c or HttpLoad.H2Tls ? ParseH2load(output) : ParseWrk(output);
            return new Measurement(new Metric(rps, "req/s", HigherIsBetter: true), (long)(rps * wall), wall,
            [
                new Metric(serverPct, "server CPU %", HigherIsBetter: false),
                new Metric(rps > 0 ? serverSeconds / (rps * wall) * 1e6 : 0, "server CPU us/req", HigherIsBetter: false),
                new Metric(otherPct, "other load %", HigherIsBetter: false),
            ]);
        }

        private static double ParseWrk(string output)
        {
            foreach (string line in output.Split('\n'))
            {
                string t = line.Trim();
                if (t.StartsWith("Requests/sec:", StringComparison.Ordinal))
                    return double.Parse(t["Requests/sec:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
            throw new InvalidOperationException("wrk printed no Requests/sec: " + output);
        }

        /// <summary>Requests/s from h2load's "finished in 10.00s, 12345.67 req/s, ..." line; a run with failed requests throws.</summary>
        private static double ParseH2load(string output)
        {
            foreach (string line in output.Split('\n'))
            {
                string t = line.Trim();
                if (t.StartsWith("requests:", StringComparison.Ordinal) && !t.Contains(" 0 failed", StringComparison.Ordinal))
                    throw new InvalidOperationException("h2load saw failed requests: " + t);
                if (t.StartsWith("finished in", StringComparison.Ordinal))
                    return double.Parse(t.Split(',')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
            throw new InvalidOperationException("h2load printed no 'finished in' line: " + output);
        }
    }
}

/// <summary>
/// Runs a server under test as a child process, waits for its port, and measures its CPU time from
/// <c>/proc/PID/stat</c>. (The harness's own other-load figure counts a running server as other load, since it is
/// not a waited-for child; <see cref="Window"/> computes the load with the server and the client excluded.)
/// </summary>
internal sealed class ServerHost : IDisposable
{
    private const double Hz = 100.0;
    private static readonly HashSet<string> s_built = new(StringComparer.Ordinal);
    private readonly Process _process;

    private ServerHost(Process process) => _process = process;

    public int Pid => _process.Id;

    /// <summary>How to run one server program and build it first.</summary>
    public sealed record Program(string Name, Action<BenchContext> Build, Func<BenchContext, (string File, string[] Prefix)> Command)
    {
        /// <summary>Environment variables the server runs with (URINGSAFE_DRIVER=userspace for the userspace ring).</summary>
        public IReadOnlyDictionary<string, string>? Environment { get; init; }

        public void Ensure(BenchContext context)
        {
            lock (s_built)
            {
                if (s_built.Add(Name))
                    Build(context);
            }
        }
    }

    /// <summary>A C peer built by bench/peers.sh.</summary>
    public static Program CPeer(string program)
        => new("c:" + program, c => PeerProcess.Ensure(c, program), c => (Path.Combine(c.PeersBuild, program), []));

    /// <summary>A sample of this repository, built Release (<c>samples/NAME/bin/Release/net10.0/NAME.dll</c>).</summary>
    public static Program Sample(string name)
        => new("sample:" + name,
            c =>
            {
                string project = Path.Combine(c.RepoRoot, "samples", name);
                c.Log.WriteLine($"[bench] building {project} (Release)");
                RunTool("dotnet", "build", project, "-c", "Release", "-nologo", "-v", "q");
            },
            c => ("dotnet", [Path.Combine(c.RepoRoot, "samples", name, "bin", "Release", "net10.0", name + ".dll")]));

    /// <summary>
    /// A .NET peer from ../shared/peers/dotnet, published Release into PEERS_BUILD/NAME. The peers' Directory.Build.props
    /// would put bin/obj inside the shared folder, so the project is copied to a temporary directory first: the shared
    /// folder is only read.
    /// </summary>
    public static Program DotnetPeer(string name)
        => new("peer:" + name,
            c =>
            {
                string peers = Environment.GetEnvironmentVariable("PEERS_DIR") ?? Path.Combine(c.RepoRoot, "..", "shared", "peers");
                string source = Path.GetFullPath(Path.Combine(peers, "dotnet", name));
                string copy = Path.Combine(Path.GetTempPath(), "uringsafe-bench-peers", name);
                if (Directory.Exists(copy))
                    Directory.Delete(copy, recursive: true);
                Directory.CreateDirectory(copy);
                foreach (string f in Directory.GetFiles(source))
                    File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
                string output = Path.Combine(c.PeersBuild, name);
                c.Log.WriteLine($"[bench] publishing peer {source} (copied to {copy}) into {output}");
                RunTool("dotnet", "publish", copy, "-c", "Release", "-o", output, "-nologo", "-v", "q");
            },
            c => ("dotnet", [Path.Combine(c.PeersBuild, name, name + ".dll")]));

    public static void EnsureWrk(BenchContext context)
    {
        if (!File.Exists("/usr/bin/wrk") && !File.Exists("/usr/local/bin/wrk"))
            PeerProcess.Ensure(context, "loadgen"); // peers.sh installs wrk with the other prerequisites
    }

    /// <summary>Starts <paramref name="program"/> with <paramref name="args"/> and waits until 127.0.0.1:<paramref name="port"/> accepts.</summary>
    public static ServerHost Start(BenchContext context, Program program, string[] args, int port)
    {
        program.Ensure(context);
        // A server killed a moment ago may still hold the port while the kernel tears its io_uring down.
        var free = Stopwatch.StartNew();
        while (PortOpen(port))
        {
            if (free.Elapsed > TimeSpan.FromSeconds(15))
                throw new InvalidOperationException($"port {port} is already in use");
            Thread.Sleep(100);
        }
        var (file, prefix) = program.Command(context);
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in prefix.Concat(args))
            psi.ArgumentList.Add(a);
        foreach (KeyValuePair<string, string> e in program.Environment ?? new Dictionary<string, string>())
            psi.Environment[e.Key] = e.Value;
        var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + file);
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        var host = new ServerHost(p);
        var sw = Stopwatch.StartNew();
        while (!PortOpen(port))
        {
            if (p.HasExited || sw.Elapsed > TimeSpan.FromSeconds(60)) // a loaded machine can take that long to start a .NET server
            {
                host.Dispose();
                throw new InvalidOperationException($"{program.Name} did not start listening on port {port}");
            }
            Thread.Sleep(50);
        }
        return host;
    }

    private static bool PortOpen(int port)
    {
        try
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Connect(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The server's utime + stime in ticks.</summary>
    public long CpuTicks() => ProcTicks($"/proc/{_process.Id}/stat", children: false);

    private static long ProcTicks(string path, bool children)
    {
        try
        {
            string s = File.ReadAllText(path);
            string[] f = s[(s.LastIndexOf(')') + 2)..].Split(' ');
            long t = long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
            if (children)
                t += long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture);
            return t;
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }

    private static long MachineTicks()
    {
        string? line = File.ReadLines("/proc/stat").FirstOrDefault();
        if (line is null)
            return 0;
        string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long P(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
        return P(1) + P(2) + P(3) + P(6) + P(7) + P(8);
    }

    /// <summary>CPU accounting over a timed window: the server's CPU and everyone else's (server, us and our waited children excluded).</summary>
    public readonly struct Window
    {
        private readonly ServerHost _server;
        private readonly long _machine, _self, _srv, _t0;

        private Window(ServerHost server)
        {
            _server = server;
            _machine = MachineTicks();
            _self = ProcTicks("/proc/self/stat", children: true);
            _srv = server.CpuTicks();
            _t0 = Stopwatch.GetTimestamp();
        }

        public static Window Begin(ServerHost server) => new(server);

        /// <summary>Returns (server % of a core, other load % of a core, wall seconds).</summary>
        public (double ServerPct, double OtherPct, double Wall) End() => End(out _);

        public (double ServerPct, double OtherPct, double Wall) End(out double serverSeconds)
        {
            double wall = Stopwatch.GetElapsedTime(_t0).TotalSeconds;
            long srv = _server.CpuTicks() - _srv;
            long self = ProcTicks("/proc/self/stat", children: true) - _self;
            long machine = MachineTicks() - _machine;
            serverSeconds = srv / Hz;
            double other = Math.Max(0, machine - self - srv) / Hz / wall * 100;
            return (srv / Hz / wall * 100, other, wall);
        }

        public static double ServerSeconds(long ticks) => ticks / Hz;
    }

    /// <summary>Runs a tool to completion (waited for, so its CPU lands in our children's time) and returns its stdout.</summary>
    public static string RunTool(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + file);
        Task<string> err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {err.Result.Trim()} {stdout.Trim()}");
        return stdout;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                // SIGTERM first: the .NET servers shut down gracefully (closing their listeners and rings).
                using (Process? term = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false }))
                    term?.WaitForExit();
                if (!_process.WaitForExit(5000))
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(5000);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // exited meanwhile
        }
        _process.Dispose();
    }
}
