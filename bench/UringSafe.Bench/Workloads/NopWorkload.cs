using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using UringSafe.Abi;
using UringSafe.Bench.Harness;
using UringSafe.Raw;
using UringSafe.Raw.Ops;

namespace UringSafe.Bench.Workloads;

/// <summary>
/// The ring limit: N NOPs in batches of B, filled with the generated <see cref="Nop"/> builder. Same semantics as the peers' <c>nop_liburing -n N -b B</c>:
/// ring size = B; each batch is B NOPs then one <c>io_uring_enter</c> that submits them and waits for all B
/// completions; the batch's completions are then walked and consumed with one CQ head update. Ring setup is
/// outside the timed region in both (the C program starts its clock after <c>io_uring_queue_init</c>).
/// </summary>
public sealed class NopWorkload : Workload
{
    // Ops per measurement, chosen so one measurement takes about a second with C liburing on this machine
    // (quiet: ~3.2 M ops/s at B=1, ~14 M at 32, ~15 M at 256). The same N is given to every impl.
    private static readonly (uint Batch, long Ops)[] s_sizes = [(1, 3_000_000), (32, 12_000_000), (256, 15_000_000)];

    /// <inheritdoc/>
    public override string Name => "nop";

    /// <inheritdoc/>
    public override string Description => "io_uring NOPs at batch 1, 32, 256: UringSafe raw Ring vs the peers' nop_liburing (and nop_raw with --impls)";

    /// <inheritdoc/>
    public override IReadOnlyList<BenchCase> CreateCases(BenchContext context)
    {
        var cases = new List<BenchCase>();
        foreach ((uint b, long n0) in s_sizes)
        {
            long n = context.ScaledOps(n0, b);
            Impl[] all =
            [
                new PeerNop("c-liburing", "nop_liburing", b, n),
                new UringSafeNop(b, n),
                new PeerNop("c-raw", "nop_raw", b, n),
            ];
            // Default: the product against liburing; the raw-syscall C peer only when asked for (--impls).
            Impl[] chosen = context.Impls is { } only
                ? all.Where(i => only.Contains(i.Id)).ToArray()
                : all.Where(i => i.Id != "c-raw").ToArray();
            cases.Add(new BenchCase($"nop-b{b}", $"io_uring NOP, batch {b}, {n:N0} ops", chosen, "c-liburing"));
        }
        return cases;
    }

    /// <summary>A C peer: <c>nop_liburing</c> / <c>nop_raw</c> <c>-n N -b B</c>, which prints <c>ops=... secs=... ops_per_sec=...</c>.</summary>
    private sealed class PeerNop(string id, string program, uint batch, long ops) : Impl
    {
        public override string Id => id;

        // Builds the peer (if needed) before the first timed run, so make never overlaps a measurement.
        public override void Warmup(BenchContext context) => PeerProcess.Ensure(context, program);

        public override Measurement Measure(BenchContext context)
        {
            string path = PeerProcess.Ensure(context, program);
            var kv = PeerProcess.Run(path,
                "-n", ops.ToString(CultureInfo.InvariantCulture),
                "-b", batch.ToString(CultureInfo.InvariantCulture));
            // The peer prints secs with 3 decimals only; ops / ops_per_sec gives its full-precision clock.
            double opsPerSec = PeerProcess.Number(kv, "ops_per_sec");
            long done = (long)PeerProcess.Number(kv, "ops");
            return new Measurement(new Metric(opsPerSec, "ops/s", HigherIsBetter: true), done, done / opsPerSec, []);
        }
    }

    /// <summary>The product: the same loop through <see cref="Ring"/>, in this process.</summary>
    private sealed class UringSafeNop(uint batch, long ops) : Impl
    {
        public override string Id => "uringsafe";

        // Tiered JIT: the loop method must be called often enough (30 calls, then the 100 ms call-counting delay,
        // then the background tier-1 compile with dynamic PGO) before the timed call runs the final code.
        public override void Warmup(BenchContext context)
        {
            using var ring = new Ring(new RingOptions { Entries = batch });
            long chunk = batch * 64L;
            var sw = Stopwatch.StartNew();
            int calls = 0;
            while (sw.ElapsedMilliseconds < context.WarmupMilliseconds || calls < 200)
            {
                NopLoop.Run(ring, batch, chunk);
                calls++;
            }
        }

        public override Measurement Measure(BenchContext context)
        {
            using var ring = new Ring(new RingOptions { Entries = batch });
            long alloc0 = GC.GetAllocatedBytesForCurrentThread();
            long t0 = Stopwatch.GetTimestamp();
            long done = NopLoop.Run(ring, batch, ops);
            long t1 = Stopwatch.GetTimestamp();
            long alloc1 = GC.GetAllocatedBytesForCurrentThread();
            double secs = Stopwatch.GetElapsedTime(t0, t1).TotalSeconds;
            return Measurement.Throughput(done, secs,
                new Metric((double)(alloc1 - alloc0) / done, "B/op", HigherIsBetter: false));
        }
    }
}

/// <summary>The timed loop, kept apart so the JIT tiers it like any hot user method.</summary>
internal static class NopLoop
{
    /// <summary>Runs whole batches until at least <paramref name="total"/> NOPs completed; returns the count.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Run(Ring ring, uint batch, long total)
    {
        long done = 0;
        ulong userData = 0;
        while (done < total)
        {
            for (uint i = 0; i < batch; i++)
                new Nop().UserData(userData++).WriteTo(ref ring.GetSqe());   // the generated builder: zeroes the SQE, sets opcode + user_data
            ring.SubmitAndWait(batch);

            int seen = 0;
            foreach (ref readonly Cqe cqe in ring.Completions())
            {
                if (cqe.Result < 0)
                    ThrowCqeError(cqe.Result);
                seen++;
            }
            done += seen;
        }
        return done;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowCqeError(int res) => throw new InvalidOperationException($"NOP completed with {res}");
}
