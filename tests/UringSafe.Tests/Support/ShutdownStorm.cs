using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Diagnostics;
using UringSafe.Files;
using UringSafe.Net;

namespace UringSafe.Tests.Support;

/// <summary>How a shutdown storm runs.</summary>
internal sealed record ShutdownStormOptions
{
    /// <summary>Seeds every round's choices (and its fault injector).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Shutdowns to run: one executor, loaded, then stopped at a random moment in a random way, per round.</summary>
    public int Rounds { get; init; } = 20;

    /// <summary>Reactors of each round's executor.</summary>
    public int Reactors { get; init; } = 2;

    /// <summary>Each reactor's <see cref="ReactorOptions.ShutdownTimeout"/>.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>What a Dispose may take beyond the shutdown timeout (a loaded machine, thread joins).</summary>
    public TimeSpan Margin { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Fault injection on each reactor (errors, delays, refusals, cancels racing completions...).</summary>
    public bool Faults { get; init; } = true;

    /// <summary>Compare the process's fds before and after (only where nothing else opens fds meanwhile).</summary>
    public bool CheckFds { get; init; } = true;

    /// <summary>Where to write a line every 100 rounds (the bench), or null.</summary>
    public TextWriter? Progress { get; init; }
}

/// <summary>How the round stopped its executor.</summary>
internal enum ShutdownWay
{
    /// <summary>executor.Dispose() from another thread.</summary>
    ExecutorFromOutside,
    /// <summary>executor.Dispose() from work running on one of its reactors.</summary>
    ExecutorFromItsReactor,
    /// <summary>closes of sockets and files from other threads, then executor.Dispose().</summary>
    ClosesThenExecutor,
    /// <summary>closes from other threads racing executor.Dispose().</summary>
    ClosesRacingExecutor,
    /// <summary>one reactor disposes itself from its own work, then executor.Dispose().</summary>
    ReactorFromItself,
    /// <summary>one reactor is disposed from another thread, then executor.Dispose().</summary>
    ReactorFromOutside,
}

/// <summary>What a shutdown storm saw.</summary>
internal sealed class ShutdownStormReport
{
    public readonly List<string> Violations = [];
    public readonly List<double> DisposeMs = [];
    public readonly int[] ByWay = new int[Enum.GetValues<ShutdownWay>().Length];
    public long Lends, HandBacks, CloseAsyncs, Unhandled, Refused, OperationsRun;
    public int Rounds;
    public TimeSpan Elapsed;

    public void Violation(string what)
    {
        lock (Violations)
        {
            if (Violations.Count < 50)
                Violations.Add(what);
        }
    }

    public string Format()
    {
        var sb = new StringBuilder();
        double[] sorted = [.. DisposeMs.OrderBy(x => x)];
        double P(double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        sb.AppendLine($"shutdown storm: {Rounds} rounds in {Elapsed.TotalSeconds:F1} s; {OperationsRun:N0} operations ran, {Refused:N0} refused at shutdown");
        sb.AppendLine($"  by way: {string.Join(", ", Enum.GetValues<ShutdownWay>().Select(w => $"{w} {ByWay[(int)w]}"))}");
        sb.AppendLine($"  Dispose: median {P(0.5):F1} ms, p99 {P(0.99):F1} ms, max {(sorted.Length == 0 ? 0 : sorted[^1]):F1} ms ({sorted.Length} calls)");
        sb.AppendLine($"  buffers lent {Lends:N0}, handed back {HandBacks:N0}; CloseAsync calls {CloseAsyncs:N0}; unhandled reports {Unhandled:N0}");
        sb.AppendLine($"  violations: {Violations.Count}");
        foreach (string v in Violations)
            sb.AppendLine("    " + v);
        return sb.ToString();
    }
}

/// <summary>
/// The shutdown storm (issue 18): executors under load (echo connections over multishot accept and multishot receive,
/// file reads, timers), with fault injection on, stopped at a random moment in one of the <see cref="ShutdownWay"/>s.
/// Invariants, per round: every Dispose returns within the shutdown timeout plus a margin; no operation is left in
/// flight (a request submitted after shutdown began would be, as nothing cancels it); every load loop ends; every lent
/// buffer is handed back exactly once and every provided buffer returned; every CloseAsync completes; every socket and
/// file is closed and each listening port can be bound again. Over the run: the process's fds are back to baseline.
/// Shared by the CI test (<c>ShutdownStormTests</c>) and the bench's <c>shutdown-storm</c> command.
/// </summary>
internal static class ShutdownStorm
{
    public static ShutdownStormReport Run(ShutdownStormOptions options)
    {
        var report = new ShutdownStormReport();
        string file = Path.Combine(Path.GetTempPath(), "uringsafe-shutdown-storm-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(file, new byte[64 * 1024]);
        Dictionary<string, int> before = options.CheckFds ? FdCensus.Targets() : [];
        HashSet<string> socketsBefore = options.CheckFds ? FdCensus.SocketInodes() : [];
        var watch = Stopwatch.StartNew();
        try
        {
            for (int round = 0; round < options.Rounds; round++)
            {
                RunRound(options, round, file, report);
                report.Rounds++;
                if (options.Progress is { } progress && report.Rounds % 100 == 0)
                    progress.WriteLine($"shutdown-storm: {report.Rounds} rounds, {report.Violations.Count} violations, {watch.Elapsed.TotalSeconds:F0} s");
            }
        }
        finally
        {
            File.Delete(file);
        }
        report.Elapsed = watch.Elapsed;
        if (options.CheckFds)
        {
            // What the storm closes is closed by now (each fd it made is checked closed per round); the census is the
            // cross-check for what it doesn't track. Let closes that other threads finish (finalizers, posted closes)
            // land before counting: a leak stays, a late close doesn't.
            Dictionary<string, int> after = FdCensus.Targets();
            for (int wait = 0; wait < 10 && after.Any(a => a.Value > before.GetValueOrDefault(a.Key)); wait++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Thread.Sleep(200);
                after = FdCensus.Targets();
            }
            foreach (var (kind, count) in after)
            {
                int was = before.GetValueOrDefault(kind);
                if (count > was)
                    report.Violation($"fds leaked: {count - was} more '{kind}' than before the storm ({was} -> {count})" +
                        (kind == "socket" ? ": " + FdCensus.DescribeSockets(FdCensus.SocketInodes().Except(socketsBefore)) : ""));
            }
        }
        return report;
    }

    private static void RunRound(ShutdownStormOptions options, int round, string file, ShutdownStormReport report)
    {
        var rng = new Random(options.Seed * 100_003 + round);
        var ways = Enum.GetValues<ShutdownWay>();
        ShutdownWay way = ways[rng.Next(ways.Length)];
        report.ByWay[(int)way]++;
        var reactorOptions = new ReactorOptions
        {
            ShutdownTimeout = options.ShutdownTimeout,
            FaultInjection = options.Faults ? new FaultInjectionOptions { Seed = rng.Next(), ErrorRate = 0.05, DelayRate = 0.05, MaxDelayTurns = 4, CancelRaceRate = 0.05, SqFullRate = 0.02 } : null,
        };
        var load = new RoundLoad(report, file, rng.Next());
        var executor = new UringExecutor(options.Reactors, options: reactorOptions);
        foreach (UringReactor r in executor.Reactors)
            r.UnhandledException += (_, _) => Interlocked.Increment(ref report.Unhandled);
        var work = new Task[executor.Count];
        for (int i = 0; i < executor.Count; i++)
            work[i] = executor.Spawn(i, load.RunAsync);
        Thread.Sleep(rng.Next(0, 30)); // a random moment: before, during or after the load set up its sockets

        TimeSpan limit = options.ShutdownTimeout + options.Margin;
        int victim = rng.Next(executor.Count);
        switch (way)
        {
            case ShutdownWay.ExecutorFromOutside:
                Timed(report, limit, "executor.Dispose() from outside", executor.Dispose);
                break;
            case ShutdownWay.ExecutorFromItsReactor:
                try
                {
                    Task fromInside = executor.Spawn(victim, () =>
                    {
                        Timed(report, limit, "executor.Dispose() from its reactor", executor.Dispose);
                        return Task.CompletedTask;
                    });
                    if (!fromInside.Wait(limit))
                        report.Violation($"round {round}: executor.Dispose() from reactor {victim} did not return within {limit.TotalSeconds:0} s");
                }
                catch (ObjectDisposedException)
                {
                    // the executor stopped before the spawn (cannot happen here, but never a reason to fail)
                }
                break;
            case ShutdownWay.ClosesThenExecutor:
                load.CloseAllFrom(threads: 2, random: rng.Next());
                Timed(report, limit, "executor.Dispose() after closes", executor.Dispose);
                break;
            case ShutdownWay.ClosesRacingExecutor:
                Thread closer = load.StartClosing(random: rng.Next());
                Timed(report, limit, "executor.Dispose() racing closes", executor.Dispose);
                closer.Join();
                break;
            case ShutdownWay.ReactorFromItself:
                try
                {
                    executor.Spawn(victim, () =>
                    {
                        Timed(report, limit, "reactor.Dispose() from itself", UringReactor.Current.Dispose);
                        return Task.CompletedTask;
                    }).Wait(limit);
                }
                catch (AggregateException)
                {
                    // the spawned task's own continuation can't run on a reactor that is gone: not a violation
                }
                Timed(report, limit, "executor.Dispose() after a reactor disposed itself", executor.Dispose);
                break;
            case ShutdownWay.ReactorFromOutside:
                Timed(report, limit, "reactor.Dispose() from outside", executor.Reactors[victim].Dispose);
                Timed(report, limit, "executor.Dispose() after a reactor was disposed from outside", executor.Dispose);
                break;
        }

        // Every reactor ends (one disposed from its own work ends when that work returns).
        var deadline = Stopwatch.StartNew();
        while (executor.Reactors.Any(r => !r.IsDisposed) && deadline.Elapsed < limit)
            Thread.Sleep(5);
        for (int i = 0; i < executor.Count; i++)
        {
            UringReactor r = executor.Reactors[i];
            if (!r.IsDisposed)
                report.Violation($"round {round} ({way}): reactor {i} never ended");
            else if (r.LeakedOperations != 0)
                report.Violation($"round {round} ({way}): reactor {i} ended with {r.LeakedOperations} operation(s) in flight (submitted after shutdown began, or never cancelled)");
        }
        for (int i = 0; i < work.Length; i++)
        {
            if (!work[i].IsCompleted)
                report.Violation($"round {round} ({way}): the load on reactor {i} never ended (a continuation was lost at shutdown); still pending: {load.Pending(executor.Reactors[i].Id)}");
        }
        load.Finish(round, way, limit);
    }

    /// <summary>True when <paramref name="port"/> on loopback can be bound again (nothing holds it).</summary>
    internal static bool CanBind(int port)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static void Timed(ShutdownStormReport report, TimeSpan limit, string what, Action dispose)
    {
        var watch = Stopwatch.StartNew();
        dispose();
        double ms = watch.Elapsed.TotalMilliseconds;
        lock (report.DisposeMs)
            report.DisposeMs.Add(ms);
        if (ms > limit.TotalMilliseconds)
            report.Violation($"{what} took {ms:0} ms (limit {limit.TotalMilliseconds:0} ms)");
    }

    /// <summary>One round's load on every reactor, and the ledger of what it owns.</summary>
    private sealed class RoundLoad(ShutdownStormReport report, string file, int seed)
    {
        private readonly ConcurrentBag<SharedFd> _fds = [];
        private readonly ConcurrentBag<Task> _closes = [];
        private readonly ConcurrentBag<int> _ports = [];
        private readonly ConcurrentBag<ProvidedBufferPool> _pools = [];
        private readonly ConcurrentBag<(int Reactor, string Name, Task Task)> _loops = [];
        private readonly HashSet<IoBuffer> _lent = new(ReferenceEqualityComparer.Instance);
        private readonly List<IoBuffer> _all = [];

        public async Task RunAsync()
        {
            var rng = new Random(seed + UringReactor.Current.Id);
            var loops = new List<Task>();
            try
            {
                var listener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                _fds.Add(listener.SharedFd);
                _ports.Add(listener.LocalEndPoint.Port);
                var pool = new ProvidedBufferPool(bufferSize: 256, count: 16);
                _pools.Add(pool);
                loops.Add(Named("accept loop", AcceptLoop(listener, pool)));
                for (int i = 0; i < 3; i++)
                    loops.Add(Named("echo client", EchoClient(listener.LocalEndPoint, rng.Next(16, 200))));
                for (int i = 0; i < 2; i++)
                    loops.Add(Named("file reader", FileReader(rng.Next(1, 16))));
                loops.Add(Named("timers", Timers(rng.Next(1, 5))));
            }
            catch (Exception e) when (Expected(e))
            {
                // the shutdown came before the load had set itself up
            }
            foreach (Task loop in loops)
            {
                try
                {
                    await loop;
                }
                catch (Exception e) when (Expected(e))
                {
                }
                catch (Exception e)
                {
                    report.Violation($"a load loop failed unexpectedly: {e.GetType().Name}: {e.Message}");
                }
            }
        }

        /// <summary>Keeps <paramref name="loop"/> (started on the current reactor) by name, for the report of a load that never ended.</summary>
        private Task Named(string name, Task loop)
        {
            _loops.Add((UringReactor.Current.Id, name, loop));
            return loop;
        }

        /// <summary>The loops started on reactor <paramref name="reactorId"/> that have not ended, by name.</summary>
        public string Pending(int reactorId)
        {
            string[] pending = [.. _loops.Where(l => l.Reactor == reactorId && !l.Task.IsCompleted).Select(l => l.Name).Order()];
            return pending.Length == 0 ? "no loop (the load's own task)" : string.Join(", ", pending);
        }

        /// <summary>What a loop may end with when its reactor stops or its fd closes under it.</summary>
        private static bool Expected(Exception e)
            => e is UringException or TimeoutException or ObjectDisposedException or OperationCanceledException or SocketException or InvalidOperationException;

        private void Lend(IoBuffer buffer)
        {
            lock (_lent)
            {
                if (!_lent.Add(buffer))
                    report.Violation("a buffer was lent while it was already lent");
                Interlocked.Increment(ref report.Lends);
            }
        }

        private void Back(IoBuffer? buffer, Exception? error)
        {
            if (buffer is null)
            {
                report.Violation($"an operation's {error?.GetType().Name} did not carry its buffer back: {error?.Message}");
                return;
            }
            lock (_lent)
            {
                if (!_lent.Remove(buffer))
                    report.Violation("a buffer was handed back twice (or one that was never lent)");
                Interlocked.Increment(ref report.HandBacks);
            }
        }

        private IoBuffer NewBuffer(int size)
        {
            IoBuffer buffer = IoBuffer.Allocate(size);
            lock (_lent)
                _all.Add(buffer);
            return buffer;
        }

        private async Task AcceptLoop(UringTcpListener listener, ProvidedBufferPool pool)
        {
            var serving = new List<Task>();
            try
            {
                while (true)
                {
                    UringTcpStream stream = await listener.AcceptAsync();
                    _fds.Add(stream.SharedFd);
                    serving.Add(Named("echo server", Serve(stream, pool)));
                }
            }
            finally
            {
                foreach (Task s in serving)
                {
                    try
                    {
                        await s;
                    }
                    catch (Exception e) when (Expected(e))
                    {
                    }
                }
            }
        }

        private async Task Serve(UringTcpStream stream, ProvidedBufferPool pool)
        {
            while (true)
            {
                ReceivedBuffer received = await stream.ReceiveAsync(pool);
                if (received.IsEndOfStream)
                    return;
                try
                {
                    (_, received) = await stream.WriteAllAsync(received);
                }
                catch (Exception e) when (e is IReturnsBuffer { Buffer: ReceivedBuffer back })
                {
                    back.Return(); // the send ended after its final completion: the lease came back on the exception
                    throw;
                }
                received.Return();
                Interlocked.Increment(ref report.OperationsRun);
            }
        }

        private async Task EchoClient(IPEndPoint server, int size)
        {
            UringTcpStream client = await UringTcpStream.ConnectAsync(server);
            _fds.Add(client.SharedFd);
            IoBuffer buffer = NewBuffer(size);
            while (true)
            {
                Lend(buffer);
                try
                {
                    (_, buffer) = await client.WriteAllAsync(buffer);
                    Back(buffer, null);
                    Lend(buffer);
                    int n;
                    (n, buffer) = await client.ReadAsync(buffer);
                    Back(buffer, null);
                    if (n == 0)
                        return;
                }
                catch (Exception e) when (Expected(e))
                {
                    buffer = TakeBack(e);
                    throw;
                }
                Interlocked.Increment(ref report.OperationsRun);
            }
        }

        private async Task FileReader(int blocks)
        {
            UringFile reader = await UringFile.OpenAsync(file);
            _fds.Add(reader.SharedFd);
            IoBuffer buffer = NewBuffer(4096);
            for (long i = 0; ; i++)
            {
                Lend(buffer);
                try
                {
                    (_, buffer) = await reader.ReadAtAsync(buffer, (i % blocks) * 4096, TimeSpan.FromSeconds(30));
                    Back(buffer, null);
                }
                catch (Exception e) when (Expected(e))
                {
                    buffer = TakeBack(e);
                    throw;
                }
                Interlocked.Increment(ref report.OperationsRun);
            }
        }

        /// <summary>The buffer of a failed operation: every way an operation fails (a refusal at shutdown, a closed
        /// descriptor, a cancel) carries it back on the exception, after the kernel is done with it.</summary>
        private IoBuffer TakeBack(Exception e)
        {
            IoBuffer? back = ReturnedBuffer.From<IoBuffer>(e);
            Back(back, e);
            if (e.Message.Contains("shut down", StringComparison.Ordinal))
                Interlocked.Increment(ref report.Refused);
            return back ?? NewBuffer(1); // lost (a violation, reported): go on with a fresh one
        }

        private static async Task Timers(int ms)
        {
            while (true)
                await UringReactor.Current.Delay(TimeSpan.FromMilliseconds(ms));
        }

        /// <summary>Closes every socket and file from <paramref name="threads"/> other threads, and waits for the calls.</summary>
        public void CloseAllFrom(int threads, int random)
        {
            SharedFd[] all = [.. _fds];
            var rng = new Random(random);
            rng.Shuffle(all);
            var workers = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                int first = t;
                workers[t] = new Thread(() =>
                {
                    for (int i = first; i < all.Length; i += threads)
                        Close(all[i]);
                });
                workers[t].Start();
            }
            foreach (Thread w in workers)
                w.Join();
        }

        /// <summary>Starts closing every socket and file from another thread, a few at a time.</summary>
        public Thread StartClosing(int random)
        {
            var thread = new Thread(() =>
            {
                SharedFd[] all = [.. _fds];
                new Random(random).Shuffle(all);
                foreach (SharedFd fd in all)
                {
                    Close(fd);
                    Thread.Yield();
                }
            });
            thread.Start();
            return thread;
        }

        private void Close(SharedFd fd)
        {
            _closes.Add(fd.CloseAsync());
            Interlocked.Increment(ref report.CloseAsyncs);
        }

        /// <summary>After the executor ended: every close completes, every fd closes, every buffer came back once.</summary>
        public void Finish(int round, ShutdownWay way, TimeSpan limit)
        {
            foreach (SharedFd fd in _fds)
                Close(fd); // the reactors are gone: this closes on this thread, unless an abandoned operation holds it
            if (!Task.WaitAll([.. _closes], limit))
                report.Violation($"round {round} ({way}): {_closes.Count(c => !c.IsCompleted)} CloseAsync call(s) never completed");
            foreach (SharedFd fd in _fds)
            {
                if (!fd.IsClosed)
                    report.Violation($"round {round} ({way}): {fd} stayed open after its reactor ended");
            }
            foreach (int port in _ports)
            {
                if (!CanBind(port))
                    report.Violation($"round {round} ({way}): port {port} is still bound after its listener closed");
            }
            foreach (ProvidedBufferPool pool in _pools)
            {
                if (pool.Leased != 0)
                    report.Violation($"round {round} ({way}): {pool.Leased} provided buffer(s) never returned to their pool");
                pool.Dispose();
            }
            lock (_lent)
            {
                if (_lent.Count != 0)
                    report.Violation($"round {round} ({way}): {_lent.Count} buffer(s) lent and never handed back");
                foreach (IoBuffer b in _all)
                    b.Dispose();
            }
        }
    }
}
