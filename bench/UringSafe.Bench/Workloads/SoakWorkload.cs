using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using UringSafe.Bench.Harness;

namespace UringSafe.Bench.Workloads;

/// <summary>
/// <c>soak</c>: a pass/fail churn test of <c>samples/EchoServer</c> (not a measurement, so not a <see cref="Workload"/>).
/// Starts the Release EchoServer with <c>--stats</c> (one reactor by default), warms it up, records its baseline
/// (<c>stats</c> line on SIGUSR1 and <c>/proc/PID/fd</c>), then for <c>--seconds</c> runs <c>--clients</c> concurrent
/// plain <see cref="Socket"/> clients in this process: connections that open, echo a few messages (1 B - 20 KiB,
/// checked byte for byte) and close (75%); that reset abruptly with SO_LINGER 0 (10%; half of them mid-message, with an
/// echo still in flight); that half-close (15%: send, Shutdown(Send), read to EOF and check every byte came back).
/// Afterwards, after a settle: a fresh connection must echo, and the server's fds, pooled buffers in use and open
/// connections must be back to the baseline. Exit code 0 = pass, 1 = fail.
/// </summary>
internal static partial class SoakWorkload
{
    public const string Usage = """
        usage: dotnet run -c Release --project bench/UringSafe.Bench -- soak [options]

          --seconds N      churn duration (default 60)
          --clients N      concurrent client tasks (default 32)
          --reactors N     EchoServer reactors (default 1; 0 = one per CPU)
          --port P         server port on 127.0.0.1 (default 21405)
          --settle S       seconds to wait after the churn before checking (default 2)
          --seed N         client randomness (default 42)
        """;

    private const int SigUsr1 = 10, SigTerm = 15;
    private const int MaxMessage = 20_000; // above the server's 16 KiB buffer: some messages take several reads and writes
    private const int MaxHalfCloseBytes = 48 * 1024; // sent before reading anything: stays well inside the socket buffers
    private static readonly TimeSpan ConnectionTimeout = TimeSpan.FromSeconds(10);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public static int Run(string[] args, string repoRoot)
    {
        int seconds = 60, clients = 32, reactors = 1, port = 21405, seed = 42;
        double settle = 2;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value");
            int Int() => int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 0 ? v
                : throw new ArgumentException($"{a} needs a non-negative integer");
            switch (a)
            {
                case "-h" or "--help": Console.WriteLine(Usage); return 0;
                case "--seconds": seconds = Math.Max(1, Int()); break;
                case "--clients": clients = Math.Max(1, Int()); break;
                case "--reactors": reactors = Int(); break;
                case "--port": port = Int(); break;
                case "--seed": seed = Int(); break;
                case "--settle": settle = Int(); break;
                default: throw new ArgumentException("unknown soak option " + a);
            }
        }

        var context = new BenchContext { RepoRoot = repoRoot, PeersBuild = Path.Combine(repoRoot, "bench", ".peers-build") };
        ServerHost.Program program = ServerHost.Sample("EchoServer");
        program.Ensure(context);
        var (file, prefix) = program.Command(context);
        string[] serverArgs = [.. prefix, "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), "--quiet", "--stats", "--reactors", reactors.ToString(CultureInfo.InvariantCulture)];

        Console.WriteLine($"soak: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}");
        Console.WriteLine($"soak: server EchoServer {string.Join(' ', serverArgs.Skip(prefix.Length))}; {clients} clients for {seconds} s (75% echo+close, 10% reset, 15% half-close), seed {seed}");

        using var server = EchoProcess.Start(file, serverArgs);
        var failures = new List<string>();
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        try
        {
            if (!server.WaitForLine(l => l.StartsWith("Server started", StringComparison.Ordinal), TimeSpan.FromSeconds(20)))
                throw new InvalidOperationException("EchoServer did not start: " + server.Stderr());

            // Warm-up: lazily created runtime fds (and JIT) settle before the baseline is taken.
            var warm = new Counters();
            RunChurn(endPoint, clients, TimeSpan.FromSeconds(2), seed + 1_000_000, warm);
            Thread.Sleep(TimeSpan.FromSeconds(settle));
            Stats baseline = server.RequestStats();
            int baselineProcFds = server.ProcFds();
            long baselineRss = server.RssKiB();
            Console.WriteLine($"soak: warm-up {warm.Connections} connections, {warm.Errors} errors");
            Console.WriteLine($"soak: baseline  {baseline}, /proc/PID/fd {baselineProcFds}, rss {baselineRss / 1024} MiB");

            var counters = new Counters();
            var sw = Stopwatch.StartNew();
            Task churn = Task.Run(() => RunChurn(endPoint, clients, TimeSpan.FromSeconds(seconds), seed, counters));
            int maxConnections = 0, maxBuffers = 0, maxFds = 0;
            while (!churn.Wait(TimeSpan.FromSeconds(Math.Min(10, Math.Max(1, seconds / 6.0)))))
            {
                if (server.HasExited)
                    break;
                Stats s = server.RequestStats();
                maxConnections = Math.Max(maxConnections, s.Connections);
                maxBuffers = Math.Max(maxBuffers, s.BuffersInUse);
                maxFds = Math.Max(maxFds, s.Fds);
                Console.WriteLine($"soak: t={sw.Elapsed.TotalSeconds,3:F0}s {s}, rss {server.RssKiB() / 1024} MiB; clients: {counters.Connections} connections, {counters.RoundTrips} round trips, {counters.Errors} errors");
            }
            churn.GetAwaiter().GetResult();
            double churnSeconds = sw.Elapsed.TotalSeconds;

            if (server.HasExited)
                throw new InvalidOperationException($"EchoServer exited with {server.ExitCode} during the churn: {server.Stderr()}");
            Thread.Sleep(TimeSpan.FromSeconds(settle));

            // Alive: a fresh connection still echoes (a small, a 4 KiB and a 40 KiB message).
            string? alive = null;
            try
            {
                LivenessCheck(endPoint);
            }
            catch (Exception e)
            {
                alive = $"{e.GetType().Name}: {e.Message}";
                failures.Add("a fresh connection did not echo: " + alive);
            }

            // Back to the baseline (connections close asynchronously: poll for up to 10 s).
            Stats final = server.RequestStats();
            var poll = Stopwatch.StartNew();
            while (!final.SameAs(baseline) && poll.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(500);
                final = server.RequestStats();
            }
            int finalProcFds = server.ProcFds();

            Console.WriteLine($"soak: final     {final}, /proc/PID/fd {finalProcFds}, rss {server.RssKiB() / 1024} MiB (after {settle:F0} s settle + {poll.Elapsed.TotalSeconds:F1} s)");
            Console.WriteLine($"soak: peak during churn: connections {maxConnections}, buffers_in_use {maxBuffers}, fds {maxFds}");
            Console.WriteLine();
            Console.WriteLine("| soak summary | value |");
            Console.WriteLine("| --- | --- |");
            Console.WriteLine($"| churn | {churnSeconds:F1} s, {clients} clients |");
            Console.WriteLine($"| connections | {counters.Connections} ({counters.Connections / churnSeconds:F0}/s) |");
            Console.WriteLine($"| echo + close | {counters.Normal} |");
            Console.WriteLine($"| resets (RST) | {counters.Resets} ({counters.ResetsMidMessage} mid-message) |");
            Console.WriteLine($"| half-closes | {counters.HalfCloses} |");
            Console.WriteLine($"| round trips checked | {counters.RoundTrips} ({counters.Bytes / 1e6:F1} MB echoed) |");
            Console.WriteLine($"| client errors | {counters.Errors} |");
            Console.WriteLine($"| server fds | baseline {baseline.Fds}, final {final.Fds} (/proc/PID/fd {baselineProcFds} -> {finalProcFds}) |");
            Console.WriteLine($"| buffers_in_use | baseline {baseline.BuffersInUse}, final {final.BuffersInUse}; fallback allocations {final.FallbackAllocs} |");
            Console.WriteLine($"| server connections | baseline {baseline.Connections}, final {final.Connections} |");
            Console.WriteLine($"| fresh connection echoes | {(alive is null ? "yes" : "no: " + alive)} |");
            foreach (var (key, (count, example)) in counters.ErrorKinds.OrderByDescending(k => k.Value.Count))
                Console.WriteLine($"soak: error x{count}: {key} (e.g. {example})");
            foreach (string line in server.StderrLines().Take(10))
                Console.WriteLine($"soak: server stderr: {line}");

            if (counters.Errors > 0)
                failures.Add($"{counters.Errors} client errors");
            if (final.Fds != baseline.Fds || finalProcFds != baselineProcFds)
                failures.Add($"server fds {baseline.Fds} -> {final.Fds} (/proc {baselineProcFds} -> {finalProcFds})");
            if (final.BuffersInUse != baseline.BuffersInUse)
                failures.Add($"buffers_in_use {baseline.BuffersInUse} -> {final.BuffersInUse}");
            if (final.Connections != baseline.Connections)
                failures.Add($"connections {baseline.Connections} -> {final.Connections}");
            if (counters.Connections == 0)
                failures.Add("no connections were made");
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or FormatException)
        {
            failures.Add(e.Message);
        }
        finally
        {
            int exit = server.Stop();
            Console.WriteLine($"soak: server stopped (SIGTERM), exit code {exit}");
            if (exit != 0)
                failures.Add($"server exit code {exit}");
        }
        Console.WriteLine(failures.Count == 0 ? "soak: PASS" : "soak: FAIL: " + string.Join("; ", failures));
        return failures.Count == 0 ? 0 : 1;
    }

    // ---- the clients ----

    private sealed class Counters
    {
        public long Connections, Normal, Resets, ResetsMidMessage, HalfCloses, RoundTrips, Bytes, Errors;
        public readonly ConcurrentDictionary<string, (int Count, string Example)> ErrorKinds = new();

        public void Error(string scenario, Exception e)
        {
            Interlocked.Increment(ref Errors);
            string kind = e is SocketException se ? $"{scenario}: SocketException {se.SocketErrorCode}" : $"{scenario}: {e.GetType().Name}";
            ErrorKinds.AddOrUpdate(kind, _ => (1, e.Message), (_, v) => (v.Count + 1, v.Example));
        }
    }

    private static void RunChurn(IPEndPoint endPoint, int clients, TimeSpan duration, int seed, Counters counters)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var tasks = new Task[clients];
        for (int i = 0; i < clients; i++)
        {
            int id = i;
            tasks[i] = Task.Run(() => ClientLoop(endPoint, deadline, new Random(seed + id * 7919), counters));
        }
        if (!Task.WaitAll(tasks, duration + ConnectionTimeout + TimeSpan.FromSeconds(5)))
            throw new TimeoutException("client tasks did not finish in time");
    }

    private static async Task ClientLoop(IPEndPoint endPoint, long deadline, Random rng, Counters c)
    {
        byte[] send = new byte[MaxHalfCloseBytes + MaxMessage];
        byte[] recv = new byte[send.Length];
        while (Stopwatch.GetTimestamp() < deadline)
        {
            int pick = rng.Next(100);
            string scenario = pick < 10 ? "reset" : pick < 25 ? "half-close" : "echo";
            using var cts = new CancellationTokenSource(ConnectionTimeout);
            Interlocked.Increment(ref c.Connections);
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(endPoint, cts.Token);
                switch (scenario)
                {
                    case "echo":
                        for (int i = rng.Next(1, 9); i > 0; i--)
                            await RoundTrip(socket, send, recv, MessageSize(rng), rng, c, cts.Token);
                        socket.Close(); // FIN
                        Interlocked.Increment(ref c.Normal);
                        break;
                    case "reset":
                        for (int i = rng.Next(0, 3); i > 0; i--)
                            await RoundTrip(socket, send, recv, MessageSize(rng), rng, c, cts.Token);
                        if (rng.Next(2) == 0)
                        {
                            // Mid-message: the server is reading or echoing this one when the RST lands.
                            int n = MessageSize(rng);
                            rng.NextBytes(send.AsSpan(0, n));
                            await socket.SendAsync(send.AsMemory(0, n), SocketFlags.None, cts.Token);
                            if (rng.Next(2) == 0 && n > 1)
                                await socket.ReceiveAsync(recv.AsMemory(0, 1), SocketFlags.None, cts.Token); // echo under way
                            Interlocked.Increment(ref c.ResetsMidMessage);
                        }
                        socket.LingerState = new LingerOption(true, 0);
                        socket.Close(); // RST
                        Interlocked.Increment(ref c.Resets);
                        break;
                    default:
                        await HalfClose(socket, send, recv, rng, c, cts.Token);
                        Interlocked.Increment(ref c.HalfCloses);
                        break;
                }
            }
            catch (Exception e)
            {
                c.Error(scenario, e); // every failure is counted and reported, none ends the churn
            }
        }
    }

    private static int MessageSize(Random rng) => rng.Next(3) switch
    {
        0 => rng.Next(1, 65),
        1 => rng.Next(64, 4097),
        _ => rng.Next(4096, MaxMessage + 1),
    };

    private static async Task RoundTrip(Socket socket, byte[] send, byte[] recv, int n, Random rng, Counters c, CancellationToken ct)
    {
        rng.NextBytes(send.AsSpan(0, n));
        int sent = 0;
        while (sent < n)
            sent += await socket.SendAsync(send.AsMemory(sent, n - sent), SocketFlags.None, ct);
        await ReceiveExactly(socket, recv, n, ct);
        if (!send.AsSpan(0, n).SequenceEqual(recv.AsSpan(0, n)))
            throw new InvalidDataException($"echo of {n} bytes differs");
        Interlocked.Increment(ref c.RoundTrips);
        Interlocked.Add(ref c.Bytes, n);
    }

    private static async Task ReceiveExactly(Socket socket, byte[] recv, int n, CancellationToken ct)
    {
        int got = 0;
        while (got < n)
        {
            int r = await socket.ReceiveAsync(recv.AsMemory(got, n - got), SocketFlags.None, ct);
            if (r == 0)
                throw new InvalidDataException($"EOF after {got} of {n} bytes");
            got += r;
        }
    }

    /// <summary>Sends a few messages without reading, shuts down the send side, then reads to EOF: every byte must come back.</summary>
    private static async Task HalfClose(Socket socket, byte[] send, byte[] recv, Random rng, Counters c, CancellationToken ct)
    {
        int total = 0;
        for (int i = rng.Next(1, 6); i > 0 && total < MaxHalfCloseBytes; i--)
        {
            int n = Math.Min(MessageSize(rng), MaxHalfCloseBytes - total);
            rng.NextBytes(send.AsSpan(total, n));
            int sent = 0;
            while (sent < n)
                sent += await socket.SendAsync(send.AsMemory(total + sent, n - sent), SocketFlags.None, ct);
            total += n;
        }
        socket.Shutdown(SocketShutdown.Send);
        int got = 0;
        while (true)
        {
            int r = await socket.ReceiveAsync(recv.AsMemory(got), SocketFlags.None, ct);
            if (r == 0)
                break;
            got += r;
            if (got > total)
                throw new InvalidDataException($"half-close: more bytes came back ({got}) than were sent ({total})");
        }
        if (got != total || !send.AsSpan(0, total).SequenceEqual(recv.AsSpan(0, total)))
            throw new InvalidDataException($"half-close: {got} of {total} bytes came back{(got == total ? ", with different content" : "")}");
        Interlocked.Increment(ref c.RoundTrips);
        Interlocked.Add(ref c.Bytes, total);
        socket.Close();
    }

    private static void LivenessCheck(IPEndPoint endPoint)
    {
        using var cts = new CancellationTokenSource(ConnectionTimeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.ConnectAsync(endPoint, cts.Token).AsTask().GetAwaiter().GetResult();
        byte[] send = new byte[40 * 1024], recv = new byte[send.Length];
        var rng = new Random(7);
        var c = new Counters();
        foreach (int n in new[] { 5, 4096, 40 * 1024 })
            RoundTrip(socket, send, recv, n, rng, c, cts.Token).GetAwaiter().GetResult();
        socket.Close();
    }

    // ---- the server process ----

    /// <summary>The server's <c>stats</c> line.</summary>
    private readonly record struct Stats(int Fds, int BuffersInUse, int Connections, long FallbackAllocs)
    {
        public static Stats Parse(string line)
        {
            var kv = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
            int I(string k) => kv.TryGetValue(k, out string? v) && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int x) ? x
                : throw new FormatException($"stats line without a number for {k}: {line}");
            return new Stats(I("fds"), I("buffers_in_use"), I("connections"), I("fallback_allocs"));
        }

        public bool SameAs(Stats b) => Fds == b.Fds && BuffersInUse == b.BuffersInUse && Connections == b.Connections;

        public override string ToString() => $"fds={Fds} buffers_in_use={BuffersInUse} connections={Connections} fallback_allocs={FallbackAllocs}";
    }

    /// <summary>EchoServer as a child process whose stdout lines are read (ServerHost discards them).</summary>
    private sealed class EchoProcess : IDisposable
    {
        private readonly Process _process;
        private readonly BlockingCollection<string> _lines = new();
        private readonly ConcurrentQueue<string> _stderr = new();

        private EchoProcess(Process process) => _process = process;

        public static EchoProcess Start(string file, string[] args)
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in args)
                psi.ArgumentList.Add(a);
            var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + file);
            var host = new EchoProcess(p);
            p.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                    host._lines.Add(line);
            };
            p.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                    host._stderr.Enqueue(line);
            };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            return host;
        }

        public bool HasExited => _process.HasExited;

        public int ExitCode => _process.ExitCode;

        public IEnumerable<string> StderrLines() => _stderr;

        public string Stderr() => string.Join(" | ", _stderr.Take(5));

        public bool WaitForLine(Func<string, bool> match, TimeSpan timeout)
        {
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < timeout)
            {
                if (_lines.TryTake(out string? line, TimeSpan.FromMilliseconds(100)))
                {
                    if (match(line))
                        return true;
                }
                else if (_process.HasExited)
                {
                    return false;
                }
            }
            return false;
        }

        /// <summary>Sends SIGUSR1 and waits for the next <c>stats</c> line.</summary>
        public Stats RequestStats()
        {
            while (_lines.TryTake(out _))
            {
            }
            if (_process.HasExited)
                throw new InvalidOperationException($"EchoServer exited with {_process.ExitCode}: {Stderr()}");
            if (Kill(_process.Id, SigUsr1) != 0)
                throw new InvalidOperationException($"kill(SIGUSR1) failed: errno {Marshal.GetLastPInvokeError()}");
            string? stats = null;
            if (!WaitForLine(l => (stats = l).StartsWith("stats ", StringComparison.Ordinal), TimeSpan.FromSeconds(10)))
                throw new TimeoutException("EchoServer did not answer SIGUSR1 with a stats line within 10 s");
            return Stats.Parse(stats!);
        }

        public int ProcFds() => Directory.GetFiles($"/proc/{_process.Id}/fd").Length;

        public long RssKiB()
        {
            try
            {
                string? line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                return 0;
            }
        }

        /// <summary>SIGTERM (the server shuts down gracefully), SIGKILL after 5 s; returns the exit code.</summary>
        public int Stop()
        {
            if (!_process.HasExited)
            {
                _ = Kill(_process.Id, SigTerm);
                if (!_process.WaitForExit(5000))
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(5000);
                    return -9;
                }
            }
            _process.WaitForExit();
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
                Stop();
            _process.Dispose();
            _lines.Dispose();
        }
    }
}
