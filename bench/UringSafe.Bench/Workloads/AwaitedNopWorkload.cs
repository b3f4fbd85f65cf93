using System.Diagnostics;
using System.Globalization;
using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Bench.Harness;
using UringSafe.Raw.Ops;

namespace UringSafe.Bench.Workloads;

/// <summary>
/// The async layer's per-operation cost: every NOP is an awaited <see cref="ValueTask{TResult}"/> on the reactor
/// (<see cref="UringReactor.Execute{TOp, TResult}"/> with a one-line <see cref="IUringOperation{TResult}"/>), with
/// 256 in flight: 256 async loops, each awaiting one NOP after another. Each reactor loop turn submits the refills
/// of the previous batch with one io_uring_enter and dispatches the completions, whose continuations run inline.
/// The baseline is the bare ring in C: the peers' <c>nop_liburing -b 32</c> (no per-op state at all).
/// </summary>
public sealed class AwaitedNopWorkload : Workload
{
    private const int InFlight = 256;
    private const uint PeerBatch = 32;

    // ~1 s for C liburing at batch 32 (~12-13 M ops/s quiet); the same N for both.
    private const long Ops = 12_000_000;

    /// <inheritdoc/>
    public override string Name => "awaited-nop";

    /// <inheritdoc/>
    public override string Description => "awaited NOPs on the reactor, 256 in flight (256 async loops) vs the peers' nop_liburing -b 32";

    /// <inheritdoc/>
    public override IReadOnlyList<BenchCase> CreateCases(BenchContext context)
    {
        long n = context.ScaledOps(Ops, InFlight);
        // The call-site variant (ReactorOptions.CaptureCallSites) runs a tenth of the ops: a stack walk per operation.
        Impl[] all = [new PeerNop(n), new AwaitedNop(n, InFlight, callSites: false), new AwaitedNop(Math.Max(InFlight, n / 10), InFlight, callSites: true),
            new AwaitFloor(n, InFlight)];
        Impl[] chosen = context.Impls is { } only ? all.Where(i => only.Contains(i.Id)).ToArray() : all;
        return [new BenchCase($"awaited-nop-q{InFlight}", $"awaited NOP, {InFlight} in flight, {n:N0} ops (C: batch {PeerBatch})", chosen, "c-liburing")];
    }

    /// <summary>The C ring limit: <c>nop_liburing -n N -b 32</c>.</summary>
    private sealed class PeerNop(long ops) : Impl
    {
        public override string Id => "c-liburing";

        public override void Warmup(BenchContext context) => PeerProcess.Ensure(context, "nop_liburing");

        public override Measurement Measure(BenchContext context)
        {
            string exe = PeerProcess.Ensure(context, "nop_liburing");
            ThreadCpu.Usage c0 = ThreadCpu.Children();
            var kv = PeerProcess.Run(exe, "-n", ops.ToString(CultureInfo.InvariantCulture), "-b", PeerBatch.ToString(CultureInfo.InvariantCulture));
            ThreadCpu.Usage cpu = ThreadCpu.Children() - c0;   // the peer's own CPU time (reaped child), startup included
            double opsPerSec = PeerProcess.Number(kv, "ops_per_sec");
            long done = (long)PeerProcess.Number(kv, "ops");
            return new Measurement(new Metric(opsPerSec, "ops/s", HigherIsBetter: true), done, done / opsPerSec, cpu.PerOp(done));
        }
    }

    /// <summary>The product: <paramref name="inFlight"/> async loops on one reactor (this thread), each awaiting NOPs.</summary>
    private sealed class AwaitedNop(long ops, int inFlight, bool callSites) : Impl
    {
        public override string Id => callSites ? "uringsafe-callsites" : "uringsafe";

        public override void Warmup(BenchContext context)
        {
            var sw = Stopwatch.StartNew();
            for (int calls = 0; sw.ElapsedMilliseconds < context.WarmupMilliseconds || calls < 5; calls++)
                Run(Math.Min(ops, 400_000));
        }

        public override Measurement Measure(BenchContext context)
        {
            (long done, double secs, AllocWindow alloc, ThreadCpu.Usage cpu) = Run(ops);
            return Measurement.Throughput(done, secs, [alloc.BytesPerOp, .. cpu.PerOp(done)]);
        }

        // On a fresh thread each time: see FreshThread.
        private (long, double, AllocWindow, ThreadCpu.Usage) Run(long total) => FreshThread.Run(() => UringRuntime.Run(async () =>
        {
            var loops = new NopLoops(UringReactor.Current, total);
            ThreadCpu.Usage c0 = ThreadCpu.Now();
            long t0 = Stopwatch.GetTimestamp();
            await loops.RunAsync(inFlight);
            long t1 = Stopwatch.GetTimestamp();
            ThreadCpu.Usage c1 = ThreadCpu.Now();
            return (loops.Completed, Stopwatch.GetElapsedTime(t0, t1).TotalSeconds, loops.Alloc, c1 - c0);
        }, new ReactorOptions { CaptureCallSites = callSites }));
    }
}

/// <summary>
/// The floor of any awaited API on .NET: the same <paramref name="inFlight"/> async loops, each awaiting a pooled
/// <see cref="System.Threading.Tasks.Sources.ManualResetValueTaskSourceCore{TResult}"/> that a plain loop on the same
/// thread completes in batches. No ring, no syscall, no buffer: only the suspend and resume that every awaited
/// operation pays. UringSafe's user time per awaited operation can't go below this figure.
/// </summary>
internal sealed class AwaitFloor(long ops, int inFlight) : Impl
{
    public override string Id => "dotnet-await-floor";

    public override void Warmup(BenchContext context)
    {
        var sw = Stopwatch.StartNew();
        for (int calls = 0; sw.ElapsedMilliseconds < context.WarmupMilliseconds || calls < 5; calls++)
            Run(Math.Min(ops, 400_000));
    }

    public override Measurement Measure(BenchContext context)
    {
        (long done, double secs, ThreadCpu.Usage cpu) = Run(ops);
        return Measurement.Throughput(done, secs, cpu.PerOp(done));
    }

    private (long, double, ThreadCpu.Usage) Run(long total) => FreshThread.Run(() =>
    {
        var driver = new FloorDriver(total);
        ThreadCpu.Usage c0 = ThreadCpu.Now();
        long t0 = Stopwatch.GetTimestamp();
        Task all = driver.RunAsync(inFlight);
        while (!all.IsCompleted)
            driver.CompleteBatch();
        all.GetAwaiter().GetResult();
        long t1 = Stopwatch.GetTimestamp();
        ThreadCpu.Usage c1 = ThreadCpu.Now();
        return (driver.Completed, Stopwatch.GetElapsedTime(t0, t1).TotalSeconds, c1 - c0);
    });

    /// <summary>Hands out pooled sources and completes the pending ones in batches, like a reactor loop turn.</summary>
    private sealed class FloorDriver(long total)
    {
        private readonly Stack<FloorSource> _pool = new();
        private List<FloorSource> _pending = new(1024);
        private List<FloorSource> _completing = new(1024);
        private long _issued;

        public long Completed { get; private set; }

        public Task RunAsync(int count)
        {
            var tasks = new Task[count];
            for (int i = 0; i < count; i++)
                tasks[i] = Loop();
            return Task.WhenAll(tasks);
        }

        public void CompleteBatch()
        {
            (_pending, _completing) = (_completing, _pending);
            foreach (FloorSource s in _completing)
                s.Complete();
            _completing.Clear();
        }

        private async Task Loop()
        {
            while (_issued < total)
            {
                _issued++;
                int r = await Next();
                if (r != 0)
                    throw new InvalidOperationException($"unexpected result {r}");
                Completed++;
            }
        }

        private ValueTask<int> Next()
        {
            FloorSource s = _pool.Count > 0 ? _pool.Pop() : new FloorSource(this);
            _pending.Add(s);
            return new ValueTask<int>(s, s.Version);
        }

        private void Return(FloorSource s) => _pool.Push(s);

        private sealed class FloorSource(FloorDriver driver) : System.Threading.Tasks.Sources.IValueTaskSource<int>
        {
            private System.Threading.Tasks.Sources.ManualResetValueTaskSourceCore<int> _core;

            public short Version => _core.Version;

            public void Complete() => _core.SetResult(0);

            public int GetResult(short token)
            {
                int r = _core.GetResult(token);
                _core.Reset();
                driver.Return(this);
                return r;
            }

            public System.Threading.Tasks.Sources.ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

            public void OnCompleted(Action<object?> continuation, object? state, short token, System.Threading.Tasks.Sources.ValueTaskSourceOnCompletedFlags flags)
                => _core.OnCompleted(continuation, state, token, flags);
        }
    }
}

/// <summary>The awaited loops; all on the reactor thread, so the shared counters need no locks.</summary>
internal sealed class NopLoops(UringReactor reactor, long total)
{
    private long _issued;

    /// <summary>NOPs completed.</summary>
    public long Completed { get; private set; }

    /// <summary>Bytes allocated on the reactor thread in the steady-state window.</summary>
    public AllocWindow Alloc { get; } = new(total, processWide: false);

    /// <summary>Starts <paramref name="count"/> loops and completes when all NOPs are done.</summary>
    public Task RunAsync(int count)
    {
        var tasks = new Task[count];
        for (int i = 0; i < count; i++)
            tasks[i] = Loop();
        return Task.WhenAll(tasks);
    }

    private async Task Loop()
    {
        while (_issued < total)
        {
            Alloc.Mark(_issued++);
            int r = await reactor.Execute<BenchNop, int>(default);
            if (r < 0)
                throw new InvalidOperationException($"NOP completed with {r}");
            Completed++;
        }
    }
}

/// <summary>The smallest operation: IORING_OP_NOP, no buffer, the kernel's result as the value.</summary>
internal readonly struct BenchNop : IUringOperation<int>
{
    public void Prepare(ref Sqe sqe, in OperationContext context) => new Nop().WriteTo(ref sqe);

    public int Complete(int result, CqeFlags flags) => result;

    public object? Release(int result) => null;
}
