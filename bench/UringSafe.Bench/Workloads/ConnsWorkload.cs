using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using UringSafe.Bench.Harness;

namespace UringSafe.Bench.Workloads;

/// <summary>
/// Memory per connection: each echo server is started fresh, warmed up (64 connections x 64 round trips of 32 B, then
/// closed) and its idle RSS read (<c>VmRSS</c>, median of 5 samples); then N connections are opened from this process
/// (at most 512 connects at a time), each bound to its own source address in 127.0.0.0/8 (so ephemeral ports and
/// TIME_WAIT never limit it), and each sends one distinct 32-byte message whose echo is checked byte for byte. All
/// connections stay open; after a 1 s settle the server's RSS is sampled 10 times over 1 s while they are idle (the
/// peak of these is "RSS open"), and <c>VmHWM</c> (reset through <c>/proc/PID/clear_refs</c> after the idle reading)
/// gives the high-water mark of the whole opening burst. Primary metric: KiB per connection above idle =
/// (RSS open - idle RSS) / connections served. RSS is the server's user-space memory only: the kernel's socket, file
/// and epoll/io_uring objects are not in it; the secondary metric "kernel slab" (machine-wide <c>Slab:</c> of
/// /proc/meminfo over the same interval, divided by the connections) shows them for both ends of each connection.
/// Then every connection is closed and the server stopped.
/// </summary>
public sealed partial class ConnsWorkload : Workload
{
    private const int PortBase = 21600;
    private const int MessageSize = 32;
    private const int MaxConcurrentConnects = 512;
    private const int WarmupConnections = 64, WarmupRoundTrips = 64;
    private static readonly TimeSpan ConnectionTimeout = TimeSpan.FromSeconds(60);

    // Every client socket gets a source address never used before in this process: 127.b.c.d, d in 1..254.
    private static int s_nextAddress;

    /// <inheritdoc/>
    public override string Name => "conns";

    /// <inheritdoc/>
    public override string Description => "memory per idle connection, 1,000 / 5,000 / 15,000 echo connections: UringSafe EchoServer vs C liburing -d, C epoll, .NET Sockets";

    /// <inheritdoc/>
    public override IReadOnlyList<BenchCase> CreateCases(BenchContext context)
    {
        var cases = new List<BenchCase>();
        foreach (int size in new[] { 1_000, 5_000, 15_000 })
        {
            int n = (int)context.ScaledOps(size);
            Impl[] all =
            [
                new ConnsImpl("c-liburing-d", PortBase + 1, ServerHost.CPeer("echo_uring"), p => ["-p", p, "-d"], n),
                new ConnsImpl("uringsafe", PortBase + 2, ServerHost.Sample("EchoServer"), p => ["127.0.0.1", p, "--quiet", "--reactors", "1"], n),
                new ConnsImpl("uringsafe-per-core", PortBase + 3, ServerHost.Sample("EchoServer"), p => ["127.0.0.1", p, "--quiet"], n),
                new ConnsImpl("c-epoll", PortBase + 4, ServerHost.CPeer("echo_epoll"), p => ["-p", p], n),
                new ConnsImpl("dotnet-sockets", PortBase + 5, ServerHost.DotnetPeer("EchoServer"), p => [p], n),
            ];
            Impl[] chosen = context.Impls is { } only ? all.Where(i => only.Contains(i.Id)).ToArray() : all;
            cases.Add(new BenchCase($"conns-{n}", $"{n:N0} idle echo connections, KiB per connection above idle RSS", chosen, "c-liburing-d"));
        }
        return cases;
    }

    private sealed class ConnsImpl(string id, int port, ServerHost.Program program, Func<string, string[]> args, int connections) : Impl
    {
        public override string Id => id;

        public override void Warmup(BenchContext context)
        {
            FdLimit.Raise(context, connections + WarmupConnections + 256);
            program.Ensure(context);
        }

        public override Measurement Measure(BenchContext context)
        {
            // The servers inherit this process's limit: raise it before starting one.
            FdLimit.Raise(context, connections + WarmupConnections + 256);
            using ServerHost server = ServerHost.Start(context, program, args(port.ToString(CultureInfo.InvariantCulture)), port);
            var endPoint = new IPEndPoint(IPAddress.Loopback, port);
            var proc = new ProcStatus(server.Pid);

            // Warm-up: JIT, lazily created runtime state, and a pass over the provided-buffer ring (4,096 messages).
            var warm = new Clients();
            warm.Open(endPoint, WarmupConnections, WarmupRoundTrips);
            if (warm.Served != WarmupConnections)
                throw new InvalidOperationException($"{id}: warm-up served {warm.Served} of {WarmupConnections} connections: {warm.ErrorSummary()}");
            warm.CloseAll();
            Thread.Sleep(1000);
            long idle = proc.MedianRss(5, 100);
            int idleFds = proc.Fds();
            bool hwmReset = proc.ResetHighWaterMark();
            long slabIdle = ProcStatus.MachineSlab();

            // N connections, one echo each, all kept open.
            var clients = new Clients();
            var sw = Stopwatch.StartNew();
            using (var sampler = new RssSampler(proc))
            {
                clients.Open(endPoint, connections, roundTrips: 1);
                double openSecs = sw.Elapsed.TotalSeconds;
                Thread.Sleep(1000); // settle: every connection idle, waiting in its receive
                long open = proc.MaxRss(10, 100);
                long hwm = hwmReset ? proc.HighWaterMark() : 0;
                long sampledPeak = sampler.Stop();
                long slabOpen = ProcStatus.MachineSlab();
                int openFds = proc.Fds();
                int stillOpen = clients.StillOpen();
                if (clients.Errors > 0)
                    context.Log.WriteLine($"[bench] {id}: {clients.Errors} of {connections} connections failed: {clients.ErrorSummary()}");
                if (stillOpen != clients.Served)
                    context.Log.WriteLine($"[bench] {id}: {clients.Served - stillOpen} of {clients.Served} served connections were closed by the server before the RSS reading");
                clients.CloseAll();

                int served = clients.Served;
                double kibPerConn = served > 0 ? (open - idle) / (double)served : double.NaN;
                return new Measurement(new Metric(kibPerConn, "KiB/conn", HigherIsBetter: false), served, openSecs,
                [
                    new Metric(served, "conns served", HigherIsBetter: true),
                    new Metric(stillOpen, "conns open at reading", HigherIsBetter: true),
                    new Metric(idle / 1024.0, "idle RSS MiB", HigherIsBetter: false),
                    new Metric(open / 1024.0, "RSS open MiB", HigherIsBetter: false),
                    new Metric(Math.Max(hwm, sampledPeak) / 1024.0, "peak RSS MiB (HWM)", HigherIsBetter: false),
                    new Metric(openFds - idleFds, "server fds above idle", HigherIsBetter: false),
                    new Metric(served > 0 ? (slabOpen - slabIdle) / (double)served : double.NaN, "kernel slab KiB/conn (both ends, machine-wide)", HigherIsBetter: false),
                    new Metric(openSecs, "open s", HigherIsBetter: false),
                ]);
            }
        }
    }

    /// <summary>127.b.c.d for the k-th client socket of this process (d in 1..254, so no .0 or .255; b from 1).</summary>
    private static IPAddress NextSourceAddress()
    {
        int k = Interlocked.Increment(ref s_nextAddress) - 1;
        int d = 1 + k % 254, c = k / 254 % 256, b = 1 + k / (254 * 256);
        if (b > 254)
            throw new InvalidOperationException("out of 127.0.0.0/8 source addresses");
        return new IPAddress([127, (byte)b, (byte)c, (byte)d]);
    }

    /// <summary>
    /// Client connections from this process: <see cref="Open"/> connects N sockets (at most 512 connects in flight; .NET
    /// async sockets, no thread per connection), runs the round trips on each and keeps the verified ones open.
    /// </summary>
    private sealed class Clients
    {
        private readonly ConcurrentDictionary<string, (int Count, string Example)> _errors = new();
        private Socket?[] _sockets = [];
        private int _served, _errorCount;

        public int Served => Volatile.Read(ref _served);

        public int Errors => Volatile.Read(ref _errorCount);

        public void Open(IPEndPoint server, int count, int roundTrips)
        {
            _sockets = new Socket?[count];
            using var gate = new SemaphoreSlim(MaxConcurrentConnects);
            var tasks = new Task[count];
            for (int i = 0; i < count; i++)
                tasks[i] = OpenOne(server, i, roundTrips, gate);
            Task.WaitAll(tasks);
        }

        private async Task OpenOne(IPEndPoint server, int i, int roundTrips, SemaphoreSlim gate)
        {
            await gate.WaitAsync().ConfigureAwait(false);
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            string stage = "bind";
            try
            {
                using var cts = new CancellationTokenSource(ConnectionTimeout);
                socket.NoDelay = true;
                socket.Bind(new IPEndPoint(NextSourceAddress(), 0));
                stage = "connect";
                await socket.ConnectAsync(server, cts.Token).ConfigureAwait(false);
                byte[] send = new byte[MessageSize], recv = new byte[MessageSize];
                for (int r = 0; r < roundTrips; r++)
                {
                    stage = "echo";
                    Fill(send, i, r);
                    int sent = 0;
                    while (sent < send.Length)
                        sent += await socket.SendAsync(send.AsMemory(sent), SocketFlags.None, cts.Token).ConfigureAwait(false);
                    int got = 0;
                    while (got < recv.Length)
                    {
                        int n = await socket.ReceiveAsync(recv.AsMemory(got), SocketFlags.None, cts.Token).ConfigureAwait(false);
                        if (n == 0)
                            throw new InvalidDataException($"EOF after {got} of {MessageSize} bytes");
                        got += n;
                    }
                    if (!send.AsSpan().SequenceEqual(recv))
                        throw new InvalidDataException("echo differs");
                }
                _sockets[i] = socket;
                Interlocked.Increment(ref _served);
            }
            catch (Exception e) when (e is SocketException or InvalidDataException or OperationCanceledException or InvalidOperationException)
            {
                socket.Dispose();
                Interlocked.Increment(ref _errorCount);
                string kind = e is SocketException se ? $"{stage}: {se.SocketErrorCode}" : $"{stage}: {e.GetType().Name}";
                _errors.AddOrUpdate(kind, _ => (1, e.Message), (_, v) => (v.Count + 1, v.Example));
            }
            finally
            {
                gate.Release();
            }
        }

        // 32 bytes, distinct per (connection, round trip): "c0000123 r001 " then a pattern derived from both.
        private static void Fill(byte[] buf, int i, int r)
        {
            string head = string.Create(CultureInfo.InvariantCulture, $"c{i:D7} r{r:D3} ");
            for (int k = 0; k < buf.Length; k++)
                buf[k] = k < head.Length ? (byte)head[k] : (byte)('a' + (i * 31 + r * 7 + k) % 26);
        }

        /// <summary>Served connections with nothing to read (no EOF, no stray data): the server still holds them open.</summary>
        public int StillOpen()
        {
            int open = 0;
            foreach (Socket? s in _sockets)
            {
                if (s is null)
                    continue;
                try
                {
                    if (!s.Poll(0, SelectMode.SelectRead))
                        open++;
                }
                catch (SocketException)
                {
                    // counted as not open
                }
            }
            return open;
        }

        public void CloseAll()
        {
            for (int i = 0; i < _sockets.Length; i++)
            {
                _sockets[i]?.Dispose();
                _sockets[i] = null;
            }
        }

        public string ErrorSummary()
            => string.Join("; ", _errors.OrderByDescending(e => e.Value.Count).Select(e => $"{e.Key} x{e.Value.Count} (e.g. {e.Value.Example})"));
    }

    /// <summary>The server's <c>/proc/PID/status</c> memory lines and fd count.</summary>
    private sealed class ProcStatus(int pid)
    {
        public long Rss() => Field("VmRSS:");

        public long HighWaterMark() => Field("VmHWM:");

        public long MedianRss(int samples, int intervalMs)
        {
            var v = new List<double>();
            for (int i = 0; i < samples; i++)
            {
                if (i > 0)
                    Thread.Sleep(intervalMs);
                v.Add(Rss());
            }
            return (long)Stats.Median(v);
        }

        public long MaxRss(int samples, int intervalMs)
        {
            long max = 0;
            for (int i = 0; i < samples; i++)
            {
                if (i > 0)
                    Thread.Sleep(intervalMs);
                max = Math.Max(max, Rss());
            }
            return max;
        }

        /// <summary>Writes 5 to <c>/proc/PID/clear_refs</c>: VmHWM restarts from the current RSS. False when not allowed.</summary>
        public bool ResetHighWaterMark()
        {
            try
            {
                File.WriteAllText($"/proc/{pid}/clear_refs", "5");
                return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }

        /// <summary>The machine's kernel slab (<c>Slab:</c> of /proc/meminfo, KiB): socket, file and epoll/io_uring objects of both ends.</summary>
        public static long MachineSlab()
        {
            try
            {
                string? line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("Slab:", StringComparison.Ordinal));
                return line is null ? 0 : long.Parse(line.AsSpan("Slab:".Length).Trim().TrimEnd("kB").Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                return 0;
            }
        }

        public int Fds()
        {
            try
            {
                return Directory.GetFiles($"/proc/{pid}/fd").Length;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return 0;
            }
        }

        // KiB, from a "VmRSS:     1234 kB" line; 0 when the process is gone.
        private long Field(string name)
        {
            try
            {
                foreach (string line in File.ReadLines($"/proc/{pid}/status"))
                {
                    if (line.StartsWith(name, StringComparison.Ordinal))
                        return long.Parse(line.AsSpan(name.Length).Trim().TrimEnd("kB").Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
            }
            return 0;
        }
    }

    /// <summary>Samples VmRSS every 50 ms on a background thread (a fallback for the peak when VmHWM cannot be reset).</summary>
    private sealed class RssSampler : IDisposable
    {
        private readonly ProcStatus _proc;
        private readonly Thread _thread;
        private volatile bool _stop;
        private long _max;

        public RssSampler(ProcStatus proc)
        {
            _proc = proc;
            _thread = new Thread(Loop) { IsBackground = true, Name = "rss-sampler" };
            _thread.Start();
        }

        private void Loop()
        {
            while (!_stop)
            {
                Interlocked.Exchange(ref _max, Math.Max(Interlocked.Read(ref _max), _proc.Rss()));
                Thread.Sleep(50);
            }
        }

        /// <summary>Stops sampling and returns the highest VmRSS seen (KiB).</summary>
        public long Stop()
        {
            _stop = true;
            _thread.Join();
            return Interlocked.Read(ref _max);
        }

        public void Dispose()
        {
            if (!_stop)
                Stop();
        }
    }

    /// <summary>RLIMIT_NOFILE of this process (inherited by the servers it starts): soft raised to the hard limit.</summary>
    private static partial class FdLimit
    {
        private const int RlimitNofile = 7; // Linux

        [StructLayout(LayoutKind.Sequential)]
        private struct RLimit
        {
            public ulong Cur;
            public ulong Max;
        }

        [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
        private static partial int GetRLimit(int resource, out RLimit limit);

        [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
        private static partial int SetRLimit(int resource, in RLimit limit);

        public static void Raise(BenchContext context, int needed)
        {
            if (GetRLimit(RlimitNofile, out RLimit l) != 0)
                throw new InvalidOperationException($"getrlimit(RLIMIT_NOFILE) failed: errno {Marshal.GetLastPInvokeError()}");
            if (l.Cur < (ulong)needed && l.Cur < l.Max)
            {
                var raised = new RLimit { Cur = l.Max, Max = l.Max };
                if (SetRLimit(RlimitNofile, raised) != 0)
                    throw new InvalidOperationException($"setrlimit(RLIMIT_NOFILE, {l.Max}) failed: errno {Marshal.GetLastPInvokeError()}");
                context.Log.WriteLine($"[bench] RLIMIT_NOFILE soft limit raised from {l.Cur} to {l.Max}");
                l = raised;
            }
            if (l.Cur < (ulong)needed)
                throw new InvalidOperationException($"RLIMIT_NOFILE is {l.Cur} (hard {l.Max}); {needed} fds are needed: raise the hard limit (ulimit -Hn / LimitNOFILE)");
        }
    }
}
