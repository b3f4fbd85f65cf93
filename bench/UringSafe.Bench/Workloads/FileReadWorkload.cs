using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using UringSafe.Async;
using UringSafe.Bench.Harness;
using UringSafe.Buffers;
using UringSafe.Files;

namespace UringSafe.Bench.Workloads;

/// <summary>
/// 4 KiB random reads of a page-cached 256 MiB file, the peers' <c>fileread</c> workload: offsets uniform over the
/// file's 4 KiB blocks from xorshift64* (seed 42; per thread or reactor t: 42 + 7919 t, as the peers do), buffered
/// I/O, every read checked to return 4096 bytes. Compared: the C peer (<c>fileread -m uring|uring-fixed|pread</c>),
/// UringSafe's reactor with 32 awaiting readers (one reactor, and two on a <see cref="UringExecutor"/>), and stock
/// .NET <see cref="RandomAccess"/> (sync loop; ReadAsync with 32 readers). Setup (ring, open, registration, threads)
/// is outside the timed region, as in the C peer (which starts its clock after open()).
/// </summary>
public sealed class FileReadWorkload : Workload
{
    /// <summary>Block (read) size.</summary>
    public const int BlockSize = 4096;

    /// <summary>Reads in flight for the queue-depth impls.</summary>
    public const int QueueDepth = 32;

    // ~1.3-1.7 s per measurement at 600-800 K IOPS; the same N for every impl (as run-all.sh's FILE_READS).
    private const long Reads = 1_000_000;

    /// <inheritdoc/>
    public override string Name => "file";

    /// <inheritdoc/>
    public override string Description => "4 KiB random reads of a cached 256 MiB file: UringSafe reactor QD32 (1 and 2 reactors) vs C fileread (uring, uring-fixed, pread) and .NET RandomAccess";

    /// <summary>The data file: <c>$PEERS_BENCH_FILE</c>, default the peers' <c>/tmp/peers-bench/file.dat</c>.</summary>
    public static string DataPath => Environment.GetEnvironmentVariable("PEERS_BENCH_FILE") is { Length: > 0 } p ? p : "/tmp/peers-bench/file.dat";

    /// <inheritdoc/>
    public override IReadOnlyList<BenchCase> CreateCases(BenchContext context)
    {
        long n = context.ScaledOps(Reads, 2 * QueueDepth);
        string path = DataPath;
        Impl[] all =
        [
            new PeerFileRead("c-liburing", path, "uring", n),
            new PeerFileRead("c-liburing-fixed", path, "uring-fixed", n),
            new PeerFileRead("c-pread", path, "pread", n),
            new PeerFileRead("c-pread-2t", path, "pread", n, threads: 2),
            new UringSafeRead("uringsafe", path, n, reactors: 1, readersPerReactor: QueueDepth, registered: true),
            new UringSafeRead("uringsafe-2r", path, n, reactors: 2, readersPerReactor: QueueDepth / 2, registered: true),
            new DotnetSyncRead(path, n),
            new DotnetAsyncRead(path, n, QueueDepth),
            // Only with --impls: the same reactor without registered buffers and file, and two reactors at QD32 each.
            new UringSafeRead("uringsafe-unreg", path, n, reactors: 1, readersPerReactor: QueueDepth, registered: false),
            new UringSafeRead("uringsafe-2r-q64", path, n, reactors: 2, readersPerReactor: QueueDepth, registered: true),
            // The userspace ring (issue 20): the reads run on its worker pool, so the CPU figures (the reactor thread's)
            // leave the workers out; compare IOPS.
            new UringSafeRead("uringsafe-userspace", path, n, reactors: 1, readersPerReactor: QueueDepth, registered: false, driver: ReactorDriver.UserspaceRing),
        ];
        Impl[] chosen = context.Impls is { } only
            ? all.Where(i => only.Contains(i.Id)).ToArray()
            : all.Where(i => i.Id is not ("uringsafe-unreg" or "uringsafe-2r-q64")).ToArray();
        if (chosen.Length > 0)
            DataFile.Prepare(path, context.Log);
        return [new BenchCase("file-4k-rand", $"4 KiB random reads, cached 256 MiB file, {n:N0} reads", chosen, "c-liburing")];
    }

    /// <summary>The C peer: <c>fileread -f F -m MODE -n N -q 32 [-t T]</c>, which prints <c>... reads=N secs=S iops=I</c>.</summary>
    private sealed class PeerFileRead(string id, string path, string mode, long reads, int threads = 1) : Impl
    {
        public override string Id => id;

        public override void Warmup(BenchContext context) => PeerProcess.Ensure(context, "fileread");

        public override Measurement Measure(BenchContext context)
        {
            string exe = PeerProcess.Ensure(context, "fileread");
            ThreadCpu.Usage c0 = ThreadCpu.Children();
            var kv = PeerProcess.Run(exe, "-f", path, "-m", mode,
                "-n", reads.ToString(CultureInfo.InvariantCulture),
                "-q", QueueDepth.ToString(CultureInfo.InvariantCulture),
                "-t", threads.ToString(CultureInfo.InvariantCulture));
            ThreadCpu.Usage cpu = ThreadCpu.Children() - c0;   // the peer's own CPU time (reaped child), startup included
            double iops = PeerProcess.Number(kv, "iops");
            long done = (long)PeerProcess.Number(kv, "reads");
            return new Measurement(new Metric(iops, "IOPS", HigherIsBetter: true), done, done / iops, cpu.PerOp(done));
        }
    }

    /// <summary>
    /// The product: on each reactor, <c>readersPerReactor</c> async loops, each awaiting
    /// <c>(n, buf) = await file.ReadAtAsync(buf, offset)</c> on its own pooled buffer (registered with the ring, and the
    /// file registered too, when <c>registered</c>). The reactor submits all the refills of a completion batch with one
    /// io_uring_enter, as the C peer does. With two reactors (a <see cref="UringExecutor"/>, one pinned thread each),
    /// each does half of the reads with its own file, pool and generator.
    /// </summary>
    private sealed class UringSafeRead(string id, string path, long reads, int reactors, int readersPerReactor, bool registered, ReactorDriver driver = ReactorDriver.KernelRing) : Impl
    {
        public override string Id => id;

        public override void Warmup(BenchContext context)
        {
            var sw = Stopwatch.StartNew();
            for (int calls = 0; sw.ElapsedMilliseconds < context.WarmupMilliseconds || calls < 5; calls++)
                Run(Math.Min(reads, 60_000));
        }

        public override Measurement Measure(BenchContext context)
        {
            (long done, double secs, AllocWindow alloc, ThreadCpu.Usage cpu) = Run(reads);
            return new Measurement(new Metric(done / secs, "IOPS", HigherIsBetter: true), done, secs, [alloc.BytesPerOp, .. cpu.PerOp(done)]);
        }

        private (long Done, double Secs, AllocWindow Alloc, ThreadCpu.Usage Cpu) Run(long total)
        {
            if (reactors == 1)
            {
                // UringRuntime.Run: the reactor runs on the calling thread (a fresh one, see FreshThread); only the
                // reader phase is timed.
                return FreshThread.Run(() => UringRuntime.Run(async () =>
                {
                    await using ReactorReads r = await ReactorReads.OpenAsync(path, total, readersPerReactor, registered, seed: 42);
                    ThreadCpu.Usage c0 = ThreadCpu.Now();
                    long t0 = Stopwatch.GetTimestamp();
                    await r.RunAsync();
                    long t1 = Stopwatch.GetTimestamp();
                    ThreadCpu.Usage c1 = ThreadCpu.Now();
                    return (r.Completed, Stopwatch.GetElapsedTime(t0, t1).TotalSeconds, r.Alloc, c1 - c0);
                }, new ReactorOptions { Driver = driver }));
            }

            using var executor = new UringExecutor(reactors, pinToCores: true); // measured pinned, thread per core
            var perReactor = new ReactorReads[reactors];
            long share = total / reactors;
            executor.SpawnOnEach(async i =>
                perReactor[i] = await ReactorReads.OpenAsync(path, share + (i < total % reactors ? 1 : 0), readersPerReactor, registered, seed: 42 + 7919UL * (ulong)i))
                .GetAwaiter().GetResult();
            ThreadCpu.Usage c0 = ThreadCpu.Process();   // this thread only waits: the CPU time is the reactors'
            long start = Stopwatch.GetTimestamp();
            executor.SpawnOnEach(i => perReactor[i].RunAsync()).GetAwaiter().GetResult();
            long end = Stopwatch.GetTimestamp();
            ThreadCpu.Usage cpu = ThreadCpu.Process() - c0;
            executor.SpawnOnEach(async i => await perReactor[i].DisposeAsync()).GetAwaiter().GetResult();
            var alloc = AllocWindow.Sum(perReactor.Select(r => r.Alloc));
            return (perReactor.Sum(r => r.Completed), Stopwatch.GetElapsedTime(start, end).TotalSeconds, alloc, cpu);
        }
    }

    /// <summary>Stock .NET, one thread: <c>RandomAccess.Read(handle, span, offset)</c> in a loop.</summary>
    private sealed class DotnetSyncRead(string path, long reads) : Impl
    {
        public override string Id => "dotnet-sync";

        public override void Warmup(BenchContext context)
        {
            using SafeFileHandle h = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var sw = Stopwatch.StartNew();
            for (int calls = 0; sw.ElapsedMilliseconds < context.WarmupMilliseconds || calls < 40; calls++)
                SyncLoop(h, 20_000, new AllocWindow(20_000, processWide: false));
        }

        public override Measurement Measure(BenchContext context)
        {
            using SafeFileHandle h = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var alloc = new AllocWindow(reads, processWide: false);
            ThreadCpu.Usage c0 = ThreadCpu.Now();
            long t0 = Stopwatch.GetTimestamp();
            long done = SyncLoop(h, reads, alloc);
            double secs = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            ThreadCpu.Usage cpu = ThreadCpu.Now() - c0;
            return new Measurement(new Metric(done / secs, "IOPS", HigherIsBetter: true), done, secs, [alloc.BytesPerOp, .. cpu.PerOp(done)]);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static long SyncLoop(SafeFileHandle h, long total, AllocWindow alloc)
        {
            byte[] buf = GC.AllocateArray<byte>(BlockSize, pinned: true);
            var rng = new Xorshift64Star(42, RandomAccess.GetLength(h) / BlockSize);
            for (long i = 0; i < total; i++)
            {
                alloc.Mark(i);
                int r = RandomAccess.Read(h, buf, rng.NextOffset());
                if (r != BlockSize)
                    throw new IOException($"short read: {r} bytes");
            }
            return total;
        }
    }

    /// <summary>Stock .NET: 32 readers on the thread pool, each awaiting <c>RandomAccess.ReadAsync</c> (a pread on a pool thread).</summary>
    private sealed class DotnetAsyncRead(string path, long reads, int readers) : Impl
    {
        public override string Id => "dotnet-async";

        public override void Warmup(BenchContext context)
        {
            using SafeFileHandle h = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
            var sw = Stopwatch.StartNew();
            for (int calls = 0; sw.ElapsedMilliseconds < context.WarmupMilliseconds || calls < 5; calls++)
                RunAll(h, 60_000, new AllocWindow(60_000, processWide: true));
        }

        public override Measurement Measure(BenchContext context)
        {
            using SafeFileHandle h = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
            var alloc = new AllocWindow(reads, processWide: true);
            ThreadCpu.Usage c0 = ThreadCpu.Process();   // every pool thread; this one only waits
            long t0 = Stopwatch.GetTimestamp();
            long done = RunAll(h, reads, alloc);
            double secs = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            ThreadCpu.Usage cpu = ThreadCpu.Process() - c0;
            return new Measurement(new Metric(done / secs, "IOPS", HigherIsBetter: true), done, secs, [alloc.BytesPerOp, .. cpu.PerOp(done)]);
        }

        private long RunAll(SafeFileHandle h, long total, AllocWindow alloc)
        {
            var counter = new StrongBox<long>(0);
            long blocks = RandomAccess.GetLength(h) / BlockSize;
            var tasks = new Task[readers];
            for (int t = 0; t < readers; t++)
            {
                ulong seed = 42 + 7919UL * (ulong)t;
                tasks[t] = Task.Run(() => Reader(h, total, counter, new Xorshift64Star(seed, blocks), alloc));
            }
            Task.WaitAll(tasks);
            return total;
        }

        private static async Task Reader(SafeFileHandle h, long total, StrongBox<long> counter, Xorshift64Star rng, AllocWindow alloc)
        {
            byte[] buf = GC.AllocateArray<byte>(BlockSize, pinned: true);
            for (long k; (k = Interlocked.Increment(ref counter.Value) - 1) < total;)
            {
                alloc.Mark(k);
                int r = await RandomAccess.ReadAsync(h, buf, rng.NextOffset());
                if (r != BlockSize)
                    throw new IOException($"short read: {r} bytes");
            }
        }
    }
}

/// <summary>One reactor's share of the UringSafe file-read benchmark: its file, its buffer pool, its readers.</summary>
internal sealed class ReactorReads : IAsyncDisposable
{
    private readonly UringFile _file;
    private readonly IoBufferPool _pool;
    private readonly int _readers;
    private readonly long _total;
    private long _issued;
    private Xorshift64Star _rng;

    private ReactorReads(UringFile file, IoBufferPool pool, int readers, long total, Xorshift64Star rng)
    {
        _file = file;
        _pool = pool;
        _readers = readers;
        _total = total;
        _rng = rng;
        Alloc = new AllocWindow(total, processWide: false);
    }

    /// <summary>Reads done.</summary>
    public long Completed { get; private set; }

    /// <summary>Bytes allocated on this reactor's thread in the steady-state window.</summary>
    public AllocWindow Alloc { get; }

    /// <summary>Opens the file on the current reactor and makes (and registers, if asked) one 4 KiB buffer per reader.</summary>
    public static async Task<ReactorReads> OpenAsync(string path, long total, int readers, bool registered, ulong seed)
    {
        UringFile file = await UringFile.OpenAsync(path);
        var pool = new IoBufferPool(FileReadWorkload.BlockSize, readers);
        if (registered)
        {
            file.Register();
            pool.RegisterWith(UringReactor.Current.Ring);
        }
        FileStatus st = await file.StatxAsync();
        return new ReactorReads(file, pool, readers, total, new Xorshift64Star(seed, st.Size / FileReadWorkload.BlockSize));
    }

    /// <summary>Runs the readers on the current reactor until <c>total</c> reads completed.</summary>
    public Task RunAsync()
    {
        var tasks = new Task[_readers];
        for (int i = 0; i < tasks.Length; i++)
            tasks[i] = Reader(_pool.Rent());
        return Task.WhenAll(tasks);
    }

    // One reader: the same buffer goes to the kernel and comes back, read after read. Everything here runs on the
    // reactor thread (continuations run inline on completion), so the shared counter and generator need no locks.
    private async Task Reader([Lends] IoBuffer buf)
    {
        while (_issued < _total)
        {
            Alloc.Mark(_issued++);
            int n;
            (n, buf) = await _file.ReadAtAsync(buf, _rng.NextOffset());
            if (n != FileReadWorkload.BlockSize)
                throw new IOException($"short read: {n} bytes");
            Completed++;
        }
        buf.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _file.DisposeAsync();
        _pool.Dispose();
    }
}

/// <summary>xorshift64*, the peers' generator (common.h <c>rng_next</c>), turned into block-aligned offsets.</summary>
internal struct Xorshift64Star(ulong seed, long blocks)
{
    private ulong _state = seed;

    /// <summary>The next offset: (next value mod blocks) * 4096.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long NextOffset()
    {
        ulong x = _state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        _state = x;
        return (long)((x * 0x2545F4914F6CDD1DUL) % (ulong)blocks) * FileReadWorkload.BlockSize;
    }
}

/// <summary>
/// Bytes allocated per op in the steady state: sampled when op 10% of the total is issued and again at 90%, so
/// one-time costs (async state machines boxed at their first await, Task.WhenAll) stay out. Per thread by default;
/// process-wide (precise) for work spread over the thread pool.
/// </summary>
internal sealed class AllocWindow
{
    private readonly long _lo, _hi;
    private readonly bool _processWide;
    private long _bytesLo = -1, _bytesHi = -1;

    public AllocWindow(long total, bool processWide)
    {
        _lo = total / 10;
        _hi = total * 9 / 10;
        _processWide = processWide;
    }

    private AllocWindow(long ops, long bytes)
    {
        _hi = ops;
        _bytesLo = 0;
        _bytesHi = bytes;
    }

    /// <summary>Call with each op's index as it is issued.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Mark(long index)
    {
        if (index == _lo)
            _bytesLo = Sample();
        else if (index == _hi)
            _bytesHi = Sample();
    }

    private long Sample() => _processWide ? GC.GetTotalAllocatedBytes(precise: true) : GC.GetAllocatedBytesForCurrentThread();

    /// <summary>Bytes allocated in the window (0 when the window was never closed).</summary>
    public long Bytes => _bytesLo >= 0 && _bytesHi >= 0 ? _bytesHi - _bytesLo : 0;

    /// <summary>Ops in the window.</summary>
    public long Ops => _hi - _lo;

    /// <summary>The B/op metric.</summary>
    public Metric BytesPerOp => new(Ops > 0 ? (double)Bytes / Ops : 0, "B/op", HigherIsBetter: false);

    /// <summary>Adds up several threads' windows.</summary>
    public static AllocWindow Sum(IEnumerable<AllocWindow> windows)
    {
        long bytes = 0, ops = 0;
        foreach (AllocWindow w in windows)
        {
            bytes += w.Bytes;
            ops += w.Ops;
        }
        return new AllocWindow(ops, bytes);
    }
}

/// <summary>
/// CPU time from getrusage(2), split into user and system time: of the calling thread (RUSAGE_THREAD), of the whole
/// process (RUSAGE_SELF), or of the reaped child processes (RUSAGE_CHILDREN: a peer's, once PeerProcess waited for it).
/// </summary>
internal static unsafe partial class ThreadCpu
{
    /// <summary>User and system nanoseconds.</summary>
    public readonly record struct Usage(double UserNs, double SystemNs)
    {
        public static Usage operator -(Usage a, Usage b) => new(a.UserNs - b.UserNs, a.SystemNs - b.SystemNs);

        /// <summary>The two per-op metrics.</summary>
        public Metric[] PerOp(long ops) =>
        [
            new Metric(UserNs / ops, "user ns/op", HigherIsBetter: false),
            new Metric(SystemNs / ops, "sys ns/op", HigherIsBetter: false),
        ];
    }

    /// <summary>The calling thread's CPU time so far.</summary>
    public static Usage Now() => Get(1 /* RUSAGE_THREAD */);

    /// <summary>This process's CPU time so far (all threads).</summary>
    public static Usage Process() => Get(0 /* RUSAGE_SELF */);

    /// <summary>The CPU time of every child process waited for so far.</summary>
    public static Usage Children() => Get(-1 /* RUSAGE_CHILDREN */);

    private static Usage Get(int who)
    {
        long* ru = stackalloc long[18]; // struct rusage: two timevals, then 14 longs
        if (getrusage(who, ru) != 0)
            return default;
        return new Usage(ru[0] * 1e9 + ru[1] * 1e3, ru[2] * 1e9 + ru[3] * 1e3);
    }

    [LibraryImport("libc")]
    private static partial int getrusage(int who, long* usage);
}

/// <summary>
/// Runs a reactor on a new thread and joins it. A reactor registers its ring fd with the thread's io_uring context
/// (IORING_REGISTER_RING_FDS, 16 slots per thread) and disposing it does not unregister it, so a thread that created
/// 16 reactors cannot create another (EBUSY) and keeps every closed ring alive until it exits. Fresh threads keep the
/// benchmark's repeated runs (warm-up calls, then measurements) independent of that.
/// </summary>
internal static class FreshThread
{
    public static T Run<T>(Func<T> work)
    {
        T result = default!;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                error = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
            }
        }, maxStackSize: 0) { Name = "bench-reactor" };
        thread.Start();
        thread.Join();
        error?.Throw();
        return result;
    }
}

/// <summary>Makes sure the data file exists (as the peers make it) and sits in the page cache.</summary>
internal static class DataFile
{
    public static void Prepare(string path, TextWriter log)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length < FileBytes)
        {
            log.WriteLine($"[bench] creating {path}: head -c 256M /dev/urandom");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            RunShell($"head -c 256M /dev/urandom > '{path}.tmp' && mv '{path}.tmp' '{path}'");
        }
        // cat FILE > /dev/null: pull it into the page cache (cheap when it already is).
        RunShell($"cat '{path}' > /dev/null");
    }

    private const long FileBytes = 256L << 20;

    private static void RunShell(string command)
    {
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start /bin/sh");
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"'{command}' failed (exit {p.ExitCode})");
    }
}
