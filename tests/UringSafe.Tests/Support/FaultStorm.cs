using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Diagnostics;
using UringSafe.Files;
using UringSafe.Net;

// Shared by tests/UringSafe.Tests (Async/FaultInjectionStormTests) and bench/UringSafe.Bench (the `storm` command, which
// links this file): no xunit here; invariant failures are collected as messages in StormReport.Violations.
namespace UringSafe.Tests.Support;

/// <summary>The kinds of operation the storm mixes (one budget unit each; some are several io_uring requests).</summary>
internal enum StormOp
{
    FileRead,
    FileReadTimeout,
    FileReadArray,
    FileWrite,
    FileWriteAll,
    FileReadVectored,
    FileWriteVectored,
    FileMeta,
    FileOpenClose,
    PipeReadTimeout,
    Delay,
    TcpRead,
    TcpReadArray,
    TcpReceive,
    TcpWrite,
    TcpWriteAll,
    TcpWriteAllArray,
    TcpSendZc,
    AcceptChurn,
    TcpCloseWhileReading,
    TcpCloseWhileReceiving,
}

/// <summary>What an operation does with a lent buffer.</summary>
internal enum Use
{
    /// <summary>A file or pipe read: the kernel writes into it.</summary>
    Read,
    /// <summary>A socket receive: the kernel writes stream bytes into it, which must never be the poison byte.</summary>
    SocketRead,
    /// <summary>A file write: the kernel reads it.</summary>
    Write,
    /// <summary>A socket send: the kernel reads it; after the hand-back it is filled with the poison byte, so a send that
    /// still read it afterwards (a premature hand-back, e.g. before a zero-copy send's notification) puts poison on the wire.</summary>
    SocketWrite,
}

/// <summary>How a storm runs.</summary>
internal sealed record StormOptions
{
    /// <summary>Seeds the fault injector and every worker's decisions.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Operations to run (the storm stops starting new ones after this many).</summary>
    public long Operations { get; init; } = 5_000;

    public int FileWorkers { get; init; } = 6;
    public int TimerWorkers { get; init; } = 2;

    /// <summary>Connected TCP pairs; each has a writer and a reader (half plain reads, half multishot receives).</summary>
    public int Pairs { get; init; } = 4;

    public int AcceptWorkers { get; init; } = 2;

    /// <summary>Fraction of operations whose token is cancelled at a random moment.</summary>
    public double CancelFraction { get; init; } = 0.5;

    /// <summary>Ring size: small, so the injector's reap holds overflow the CQ for real.</summary>
    public uint Entries { get; init; } = 16;
    public uint CompletionEntries { get; init; } = 16;

    /// <summary>Fault rates; null: <see cref="DefaultFaults"/> with <see cref="Seed"/>.</summary>
    public FaultInjectionOptions? Faults { get; init; }

    /// <summary>The whole run must end within this (the watchdog fails it otherwise).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>No operation may take longer than this to finish (the watchdog fails the run otherwise).</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Compare the process's open fds (by /proc/self/fd link target) before and after.</summary>
    public bool CheckFds { get; init; } = true;

    /// <summary>Progress lines every <see cref="ProgressInterval"/>, or null.</summary>
    public TextWriter? Progress { get; init; }

    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(10);

    public static FaultInjectionOptions DefaultFaults(int seed) => new()
    {
        Seed = seed,
        ErrorRate = 0.1,
        ShortTransferRate = 0.15,
        DelayRate = 0.1,
        MaxDelayTurns = 8,
        CancelRaceRate = 0.05,
        SqFullRate = 0.05,
        CqOverflowRate = 0.05,
    };
}

/// <summary>What a storm did, and every invariant it saw broken.</summary>
internal sealed class StormReport
{
    public static readonly int Kinds = Enum.GetValues<StormOp>().Length;
    private const int MaxStoredViolations = 100;

    public StormReport(StormOptions options) => Options = options;

    public StormOptions Options { get; }
    public readonly long[] Started = new long[Kinds];
    public readonly long[] Succeeded = new long[Kinds];
    public readonly long[] CancelRequested = new long[Kinds];
    public readonly long[] Cancelled = new long[Kinds];
    public readonly long[] TimedOut = new long[Kinds];
    public readonly long[] Failed = new long[Kinds];
    public readonly Dictionary<string, long> Errors = new(StringComparer.Ordinal);

    public long InjectedErrors, InjectedShortTransfers, InjectedDelays, InjectedCancelRaces, InjectedRefusals, InjectedReapHolds;
    public long CqOverflowFlushes, SqFullWaits, KernelDroppedCqes;
    public long ShortSends, BytesReceivedChecked, AcceptsAbandoned;
    public long Lends, HandBacks, ChecksumsVerified, ProvidedLeases, ProvidedReturns, PoolChurns, ListenersReplaced, SetupRetries;
    public int TrackedBuffers;
    public int InFlightBeforeDispose = -1, LeakedOperations = -1;
    public int FdsBefore, FdsAfter;
    public string OwnPipe = "";
    public List<string> LeakedFds = [], LostFds = [];
    public bool Hung, Finished;
    public TimeSpan Elapsed;

    private readonly List<string> _violations = [];
    private long _violationCount;

    public long TotalStarted => Started.Sum();

    public long ViolationCount => Interlocked.Read(ref _violationCount);

    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_violations)
                return _violations.ToArray();
        }
    }

    public void Violation(string message)
    {
        Interlocked.Increment(ref _violationCount);
        lock (_violations)
        {
            if (_violations.Count < MaxStoredViolations)
                _violations.Add(message);
        }
    }

    public void Error(string key)
    {
        Errors.TryGetValue(key, out long n);
        Errors[key] = n + 1;
    }

    public string Format()
    {
        var s = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        long total = TotalStarted;
        double secs = Math.Max(Elapsed.TotalSeconds, 1e-9);
        FaultInjectionOptions f = Options.Faults ?? StormOptions.DefaultFaults(Options.Seed);
        s.AppendLine(inv, $"storm: seed {Options.Seed}, {total:N0} operations in {Elapsed.TotalSeconds:F2} s = {total / secs:N0} ops/s; ring {Options.Entries} SQ / {Options.CompletionEntries} CQ entries");
        s.AppendLine(inv, $"storm: workers: {Options.FileWorkers} file, {Options.TimerWorkers} timer, {Options.Pairs} TCP pairs (writer + reader), {Options.AcceptWorkers} accept; {Options.CancelFraction:P0} of operations cancelled at a random moment");
        s.AppendLine(inv, $"storm: fault rates: error {f.ErrorRate}, short transfer {f.ShortTransferRate}, delay {f.DelayRate}, cancel race {f.CancelRaceRate}, SQ full {f.SqFullRate}, CQ overflow {f.CqOverflowRate}");
        s.AppendLine(inv, $"{"kind",-18} {"started",10} {"ok",10} {"cancel-req",10} {"cancelled",10} {"timed-out",10} {"errors",10}");
        for (int k = 0; k < Kinds; k++)
            s.AppendLine(inv, $"{(StormOp)k,-18} {Started[k],10:N0} {Succeeded[k],10:N0} {CancelRequested[k],10:N0} {Cancelled[k],10:N0} {TimedOut[k],10:N0} {Failed[k],10:N0}");
        s.AppendLine(inv, $"{"total",-18} {total,10:N0} {Succeeded.Sum(),10:N0} {CancelRequested.Sum(),10:N0} {Cancelled.Sum(),10:N0} {TimedOut.Sum(),10:N0} {Failed.Sum(),10:N0}");
        s.AppendLine(inv, $"faults injected: errors {InjectedErrors:N0}, short transfers {InjectedShortTransfers:N0}, delays {InjectedDelays:N0}, cancel races {InjectedCancelRaces:N0}, refusals {InjectedRefusals:N0}, reap holds {InjectedReapHolds:N0}");
        s.AppendLine(inv, $"ring pressure: {CqOverflowFlushes:N0} CQ overflow flushes (completions that overflowed the {Options.CompletionEntries}-entry CQ into the kernel's list), {SqFullWaits:N0} SQ-full waits, {KernelDroppedCqes} CQEs dropped by the kernel");
        s.AppendLine("errors by type: " + (Errors.Count == 0 ? "none" : string.Join(", ", Errors.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key} x{e.Value}"))));
        s.AppendLine(inv, $"other: {ShortSends:N0} short sends (TcpWrite), {ProvidedLeases:N0} provided-buffer leases ({ProvidedReturns:N0} handed back), {PoolChurns:N0} pool returns/re-rents, {ListenersReplaced} listeners replaced after a fault, {AcceptsAbandoned} accepts abandoned after 1 s, {SetupRetries} setup retries");
        s.AppendLine("invariants:");
        s.AppendLine(inv, $"  buffers handed back exactly once: {Pass(Lends == HandBacks && Finished)} ({HandBacks:N0} hand-backs of {Lends:N0} lends, {TrackedBuffers} buffers)");
        s.AppendLine(inv, $"  no write after hand-back:         {Pass(!Violations.Any(v => v.Contains("changed", StringComparison.Ordinal)) && Finished)} ({ChecksumsVerified:N0} checksums verified)");
        s.AppendLine(inv, $"  no send read after hand-back:     {Pass(!Violations.Any(v => v.Contains("poison", StringComparison.Ordinal)) && Finished)} ({BytesReceivedChecked:N0} received bytes checked)");
        if (Options.CheckFds)
            s.AppendLine(inv, $"  open fds unchanged:               {Pass(LeakedFds.Count == 0 && LostFds.Count == 0 && Finished)} ({FdsBefore} before, {FdsAfter} after{(LeakedFds.Count > 0 ? "; leaked: " + string.Join(", ", LeakedFds) : "")}{(LostFds.Count > 0 ? "; closed behind our back: " + string.Join(", ", LostFds) : "")})");
        else
            s.AppendLine("  open fds unchanged:               not checked");
        s.AppendLine(inv, $"  in flight 0 before dispose:       {Pass(InFlightBeforeDispose == 0)} ({InFlightBeforeDispose})");
        s.AppendLine(inv, $"  leaked operations 0:              {Pass(LeakedOperations == 0)} ({LeakedOperations})");
        s.AppendLine(inv, $"  nothing hung:                     {Pass(!Hung)}");
        s.AppendLine(inv, $"violations: {ViolationCount}");
        foreach (string v in Violations)
            s.AppendLine("  - " + v);
        if (ViolationCount > Violations.Count)
            s.AppendLine(inv, $"  ... and {ViolationCount - Violations.Count} more");
        return s.ToString();
    }

    private static string Pass(bool ok) => ok ? "PASS" : "FAIL";
}

/// <summary>
/// A storm of mixed io_uring operations on one reactor with fault injection on: file reads and writes (pooled,
/// registered-pool, unpooled IoBuffers, arrays, vectored), TCP pairs on loopback (send, send-all, zero-copy send, recv,
/// multishot recv over a provided-buffer pool), timers, multishot accept with connect/close churn, opens and closes; about
/// half of them with a token cancelled at a random moment (at once, on the next loop turn, by a timer, or from another
/// thread). It checks that every lent buffer comes back exactly once, on the result or the exception; that nothing
/// writes into a buffer after its hand-back (a checksum taken at the hand-back is verified before the next lend and at
/// the end, after everything finished); that the open fds are the same afterwards; that nothing is in flight before the
/// reactor is disposed and nothing is leaked by it; and, with a watchdog, that nothing hangs.
/// </summary>
internal sealed class FaultStorm
{
    private const int FileSize = 256 * 1024;
    private const int Files = 3;
    private const int MaxHeldLeases = 3;

    /// <summary>Written into a send's buffer once it is handed back; never sent otherwise (see <see cref="Use.SocketWrite"/>).</summary>
    public const byte Poison = 0xEE;
    private static readonly HashSet<string> s_expectedErrnos = new(StringComparer.Ordinal)
    {
        // what the injector substitutes
        "EINTR", "ECANCELED", "EAGAIN", "ENOBUFS", "ECONNRESET", "EPIPE",
        // connecting to a listener that was replaced after an injected fault; a connection reset while queued
        "ECONNREFUSED", "ECONNABORTED",
    };

    private readonly StormOptions _options;
    private readonly StormReport _report;
    private readonly FaultInjectionOptions _faults;
    private readonly List<Worker> _workers = [];
    private readonly List<TrackedBuffer> _allBuffers = [];
    private readonly List<TrackedArray> _allArrays = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Stopwatch _clock = new();
    private UringReactor? _reactor;
    private string _dir = "";
    private string[] _paths = [];
    private UringFile[] _files = [];
    private UringFile? _pipe;
    private int _pipeWrite = -1;
    private IoBufferPool? _registeredPool, _plainPool;
    private ProvidedBufferPool? _provided;
    private readonly List<UringTcpListener> _listeners = [];
    private static readonly UringListenerOptions s_listenerOptions = new()
    {
        MaxPendingAccepts = 16,
        MaxBackoff = TimeSpan.FromMilliseconds(20),
        InitialBackoff = TimeSpan.FromMilliseconds(1),
    };
    private readonly List<(UringTcpStream A, UringTcpStream B)> _pairs = [];
    private long _nextOp, _lastOpId;
    private long _finishedOps;
    private volatile string _stage = "starting";

    private FaultStorm(StormOptions options, StormReport report)
    {
        _options = options;
        _report = report;
        _faults = options.Faults ?? StormOptions.DefaultFaults(options.Seed);
    }

    /// <summary>Runs a storm on a reactor thread of its own, under a watchdog, and reports what it saw.</summary>
    public static StormReport Run(StormOptions options)
    {
        var report = new StormReport(options);
        List<(int Fd, string Target)>? before = options.CheckFds ? FdSnapshot() : null;
        var storm = new FaultStorm(options, report);
        var thread = new Thread(storm.ThreadMain, 16 << 20) { IsBackground = true, Name = "fault-storm-reactor" };
        var clock = Stopwatch.StartNew();
        thread.Start();

        long lastFinished = -1;
        TimeSpan lastChange = TimeSpan.Zero, lastProgress = TimeSpan.Zero;
        while (!thread.Join(200))
        {
            long finished = Interlocked.Read(ref storm._finishedOps);
            TimeSpan now = clock.Elapsed;
            if (finished != lastFinished)
            {
                lastFinished = finished;
                lastChange = now;
            }
            if (options.Progress is { } progress && now - lastProgress >= options.ProgressInterval)
            {
                lastProgress = now;
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"storm: t={now.TotalSeconds:F0}s {storm._stage}: {finished:N0} operations finished ({finished / Math.Max(now.TotalSeconds, 1e-9):N0}/s), in flight {storm._reactor?.InFlight}, violations {report.ViolationCount}"));
            }
            bool overall = now > options.Timeout, stalled = now - lastChange > options.StallTimeout;
            if (overall || stalled)
            {
                report.Hung = true;
                report.Elapsed = now;
                string why = overall
                    ? string.Create(CultureInfo.InvariantCulture, $"the storm did not finish within {options.Timeout.TotalSeconds:F0} s")
                    : string.Create(CultureInfo.InvariantCulture, $"no operation finished for {options.StallTimeout.TotalSeconds:F0} s");
                report.Violation(string.Create(CultureInfo.InvariantCulture,
                    $"HANG: {why} (stage '{storm._stage}', {finished:N0} operations finished, {storm._reactor?.InFlight} in flight). {storm.DescribeWorkers()}"));
                return report; // the reactor thread is abandoned (background)
            }
        }
        report.Elapsed = clock.Elapsed;
        storm.DeleteTempFiles();
        if (before is not null)
        {
            List<(int Fd, string Target)> after = FdSnapshot();
            report.FdsBefore = before.Count;
            report.FdsAfter = after.Count;
            // CoreCLR gives every thread it starts a pipe of its own (pipe2 at thread start, closed at thread exit), and
            // thread-pool threads come and go (the storm cancels from them): pipes other than the storm's own one are
            // the runtime's, not ours (no operation the storm runs creates a pipe).
            // The runtime also loads assemblies (2 fds each, never unloaded) and native libraries lazily, at any moment.
            bool Ours((int Fd, string Target) e)
                => (!e.Target.StartsWith("pipe:", StringComparison.Ordinal) || e.Target == report.OwnPipe)
                   && !e.Target.EndsWith(".dll", StringComparison.Ordinal) && !e.Target.EndsWith(".so", StringComparison.Ordinal)
                   && !e.Target.Contains(".so.", StringComparison.Ordinal); // also compiled into the bench, without Support/Fds
            Diff(after.Where(Ours).ToList(), before.Where(Ours).ToList(), report.LeakedFds);
            Diff(before.Where(Ours).ToList(), after.Where(Ours).ToList(), report.LostFds);
            if (report.LeakedFds.Count > 0)
                report.Violation($"{report.LeakedFds.Count} fd(s) leaked (open after the storm, not before): {string.Join(", ", report.LeakedFds)} (the storm's own pipe was {report.OwnPipe}; fdinfo: {FdInfo(report.LeakedFds)})");
            if (report.LostFds.Count > 0)
                report.Violation($"{report.LostFds.Count} fd(s) that were open before the storm were closed by it: {string.Join(", ", report.LostFds)}");
        }
        return report;
    }

    // ---------------------------------------------------------------- fds

    /// <summary>
    /// The process's open fds with their link targets, after finalizers of earlier garbage closed theirs. Other threads of
    /// the process (the test host) open and close fds now and then: the listing is repeated until two in a row agree.
    /// </summary>
    public static List<(int Fd, string Target)> FdSnapshot()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        List<(int Fd, string Target)> previous = ListFds();
        for (int i = 0; i < 20; i++)
        {
            Thread.Sleep(20);
            List<(int Fd, string Target)> current = ListFds();
            if (current.SequenceEqual(previous))
                return current;
            previous = current;
        }
        return previous;
    }

    private static List<(int Fd, string Target)> ListFds()
    {
        var list = new List<(int Fd, string Target)>();
        foreach (string path in Directory.GetFiles("/proc/self/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(path).LinkTarget;
            }
            catch (IOException)
            {
                continue; // closed while listing
            }
            if (target is null)
                continue; // closed while listing
            if (target.StartsWith("/proc/", StringComparison.Ordinal) && target.EndsWith("/fd", StringComparison.Ordinal))
                continue; // the directory being listed
            list.Add((int.Parse(Path.GetFileName(path), CultureInfo.InvariantCulture), target));
        }
        list.Sort();
        return list;
    }

    private static string FdInfo(List<string> entries)
    {
        var s = new StringBuilder();
        foreach (string e in entries)
        {
            string fd = e.Split(' ')[1];
            try
            {
                s.Append(CultureInfo.InvariantCulture, $"[fd {fd}: {File.ReadAllText($"/proc/self/fdinfo/{fd}").ReplaceLineEndings(" ").Trim()}] ");
            }
            catch (IOException)
            {
                s.Append(CultureInfo.InvariantCulture, $"[fd {fd}: gone] ");
            }
        }
        return s.ToString();
    }

    /// <summary>Entries of <paramref name="a"/> whose target is not matched by one in <paramref name="b"/> (multiset difference).</summary>
    private static void Diff(List<(int Fd, string Target)> a, List<(int Fd, string Target)> b, List<string> into)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, t) in b)
            counts[t] = counts.GetValueOrDefault(t) + 1;
        foreach (var (fd, t) in a.OrderBy(x => x.Fd))
        {
            if (counts.GetValueOrDefault(t) > 0)
                counts[t]--;
            else
                into.Add($"fd {fd} -> {t}");
        }
    }

    // ---------------------------------------------------------------- reactor thread

    private void ThreadMain()
    {
        // The runtime's meter, for this thread only: how often the CQ really overflowed and the SQ was really full.
        int thread = Environment.CurrentManagedThreadId;
        using var meters = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "UringSafe" && instrument.Name is "uringsafe.cq.overflow_flushes" or "uringsafe.sq.full_waits")
                    listener.EnableMeasurementEvents(instrument);
            },
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (Environment.CurrentManagedThreadId != thread)
                return;
            if (instrument.Name == "uringsafe.cq.overflow_flushes")
                _report.CqOverflowFlushes += value;
            else
                _report.SqFullWaits += value;
        });
        meters.Start();
        UringReactor reactor;
        try
        {
            reactor = new UringReactor(new ReactorOptions
            {
                Entries = _options.Entries,
                CompletionEntries = _options.CompletionEntries,
                FaultInjection = _faults,
            });
        }
        catch (Exception e)
        {
            _report.Violation("could not create the reactor: " + e);
            return;
        }
        _reactor = reactor;
        _clock.Start();
        try
        {
            reactor.RunUntil(reactor.Spawn(MainAsync));
        }
        catch (Exception e)
        {
            _report.Violation($"the storm's main task failed in stage '{_stage}': {e}");
        }
        finally
        {
            try
            {
                if (reactor.FaultInjector is { } f)
                {
                    _report.InjectedErrors = f.Errors;
                    _report.InjectedShortTransfers = f.ShortTransfers;
                    _report.InjectedDelays = f.Delays;
                    _report.InjectedCancelRaces = f.CancelRaces;
                    _report.InjectedRefusals = f.Refusals;
                    _report.InjectedReapHolds = f.ReapHolds;
                }
                _report.KernelDroppedCqes = reactor.Driver == ReactorDriver.KernelRing ? reactor.Ring.CqOverflowCount : 0; // the userspace ring never drops
                if (_report.KernelDroppedCqes != 0)
                    _report.Violation($"the kernel dropped {_report.KernelDroppedCqes} completions (IORING_CQ overflow counter)");
                _report.InFlightBeforeDispose = reactor.InFlight;
                if (reactor.InFlight != 0)
                    _report.Violation($"reactor.InFlight is {reactor.InFlight} before dispose: {DescribeLive(reactor)}");
                reactor.Dispose();
                _report.LeakedOperations = reactor.LeakedOperations;
                if (reactor.LeakedOperations != 0)
                    _report.Violation($"reactor.LeakedOperations is {reactor.LeakedOperations} after dispose");
            }
            catch (Exception e)
            {
                _report.Violation("disposing the reactor threw: " + e);
            }
        }
    }

    private async Task MainAsync()
    {
        _stage = "setup";
        await SetupAsync();

        _stage = "storm";
        var others = new List<Task>();
        var writers = new List<Task>();
        int index = 0;
        for (int i = 0; i < _options.FileWorkers; i++)
            others.Add(Start(NewWorker($"file{i}", index++, withBuffers: true), FileWorkerAsync));
        for (int i = 0; i < _options.TimerWorkers; i++)
            others.Add(Start(NewWorker($"timer{i}", index++, withBuffers: false), TimerWorkerAsync));
        for (int i = 0; i < _pairs.Count; i++)
        {
            var (a, b) = _pairs[i];
            UringTcpStream writer = i % 2 == 0 ? a : b, reader = i % 2 == 0 ? b : a;
            writers.Add(Start(NewWorker($"tcp{i}-writer", index++, withBuffers: true), w => WriterAsync(w, writer)));
            bool multishot = i >= _pairs.Count / 2;
            others.Add(Start(NewWorker($"tcp{i}-{(multishot ? "receiver" : "reader")}", index++, withBuffers: !multishot),
                w => multishot ? ReceiverAsync(w, reader) : ReaderAsync(w, reader)));
        }
        for (int i = 0; i < _options.AcceptWorkers; i++)
        {
            // One listener each: a multishot accept serves one waiting AcceptAsync at a time.
            Worker w = NewWorker($"accept{i}", index++, withBuffers: true);
            w.Listener = NewListener();
            others.Add(Start(w, AcceptWorkerAsync));
        }

        _stage = "storm: waiting for the workers";
        await WaitBounded(Task.WhenAll(others), "the workers (all but the TCP writers)");
        // A zero-copy send is done only when the receiver consumed its data (loopback): close the pairs, then wait.
        _stage = "teardown: closing the TCP pairs";
        foreach (var (a, b) in _pairs)
        {
            a.Dispose();
            b.Dispose();
        }
        await WaitBounded(Task.WhenAll(writers), "the TCP writers after their pairs were closed");

        _stage = "teardown: closing";
        await TeardownAsync();

        _stage = "teardown: waiting for in-flight operations";
        var sw = Stopwatch.StartNew();
        while (_reactor!.InFlight > 0 && sw.Elapsed < TimeSpan.FromSeconds(10))
            await Task.Delay(1);
        if (_reactor.InFlight > 0)
            _report.Violation($"{_reactor.InFlight} operations still in flight 10 s after everything was closed: {DescribeLive(_reactor)}");

        _stage = "teardown: verifying buffers";
        VerifyAndReleaseBuffers();
        _report.Finished = true;
        _stage = "done";
    }

    private Task Start(Worker w, Func<Worker, Task> body)
    {
        _workers.Add(w);
        return Guard(w, body);

        async Task Guard(Worker worker, Func<Worker, Task> b)
        {
            try
            {
                await b(worker);
            }
            catch (Exception e)
            {
                _report.Violation($"worker {worker.Name} crashed: {e}");
            }
            finally
            {
                worker.Current = "finished";
                StopAll();
            }
        }
    }

    private async Task WaitBounded(Task task, string what)
    {
        await Task.WhenAny(task, _stopped.Task); // the bound counts from the stop
        if (await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(20))) != task)
        {
            _report.Violation($"{what} did not finish within 20 s of the stop: {DescribeWorkers()}");
            await task; // the watchdog reports the hang if this never ends
        }
    }

    private Worker NewWorker(string name, int index, bool withBuffers)
    {
        var w = new Worker(name, new Random(unchecked(_options.Seed * 7919 + index * 104729)));
        if (withBuffers)
        {
            w.Buffers.Add(Track(_registeredPool!.Rent(), $"{name}/registered-pool"));
            w.Buffers.Add(Track(_plainPool!.Rent(), $"{name}/pool"));
            w.Buffers.Add(Track(IoBuffer.Allocate(512 + w.Rng.Next(12 * 1024)), $"{name}/unpooled-a"));
            w.Buffers.Add(Track(IoBuffer.Allocate(1 + w.Rng.Next(4096)), $"{name}/unpooled-b"));
            w.Array = new TrackedArray(new byte[1 + w.Rng.Next(8192)], $"{name}/array");
            _allArrays.Add(w.Array);
        }
        return w;
    }

    private TrackedBuffer Track(IoBuffer buffer, string name)
    {
        var t = new TrackedBuffer(buffer, $"{name}#{_allBuffers.Count}");
        _allBuffers.Add(t);
        return t;
    }

    private void StopAll()
    {
        if (_stop.IsCancellationRequested)
            return;
        _stop.Cancel(); // wakes every operation waiting with the stop token (socket reads, accepts)
        _stopped.TrySetResult();
    }

    /// <summary>Takes one operation from the budget; false once it is spent (and then stops everything).</summary>
    private bool TakeBudget()
    {
        if (_nextOp >= _options.Operations || _stop.IsCancellationRequested)
        {
            StopAll();
            return false;
        }
        _nextOp++;
        return true;
    }

    // ---------------------------------------------------------------- setup and teardown

    private async Task SetupAsync()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"uringsafe-storm-{Environment.ProcessId}-{_options.Seed}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
        var rng = new Random(_options.Seed);
        _paths = new string[Files];
        _files = new UringFile[Files];
        for (int i = 0; i < Files; i++)
        {
            _paths[i] = Path.Combine(_dir, $"file{i}");
            byte[] content = new byte[FileSize];
            rng.NextBytes(content);
            File.WriteAllBytes(_paths[i], content);
            string path = _paths[i];
            _files[i] = await Retry(() => UringFile.OpenAsync(path, OpenFlags.ReadWrite).AsTask());
        }
        _files[0].Register(); // one file through the registered-file table (IOSQE_FIXED_FILE)

        (_pipe, _pipeWrite) = MakePipe();
        _report.OwnPipe = new FileInfo($"/proc/self/fd/{_pipeWrite}").LinkTarget ?? "";

        _registeredPool = new IoBufferPool(16 * 1024, 64);
        if (_reactor!.Driver == ReactorDriver.KernelRing)
            _registeredPool.RegisterWith(_reactor.Ring); // the userspace ring has no registered buffers: plain reads and writes
        _plainPool = new IoBufferPool(8 * 1024, 64);
        _provided = new ProvidedBufferPool(2048, 64);

        UringListenerOptions options = s_listenerOptions;

        // The pairs' own listener: injected faults may lose or orphan connections, so each client is matched to its
        // accepted end by port, with retries.
        UringTcpListener pairListener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), options);
        try
        {
            for (int i = 0; i < _options.Pairs; i++)
            {
                for (int attempt = 0; ; attempt++)
                {
                    UringTcpStream? client = null, server = null;
                    try
                    {
                        client = await UringTcpStream.ConnectAsync(pairListener.LocalEndPoint);
                        int port = ((IPEndPoint)client.LocalEndPoint!).Port;
                        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                        while (true)
                        {
                            UringTcpStream s = await pairListener.AcceptAsync(timeout.Token);
                            if (s.RemoteEndPoint is IPEndPoint { Port: var p } && p == port)
                            {
                                server = s;
                                break;
                            }
                            await s.CloseAsync(); // an orphan of an earlier attempt
                        }
                        foreach (UringTcpStream end in (UringTcpStream[])[client, server])
                        {
                            end.NoDelay = true;
                            // A small send buffer: sends wait for room in the kernel, where cancels and closes catch them.
                            SockAddr.SetOption(end.SharedFd.Value, SockAddr.SolSocket, 7 /* SO_SNDBUF */, 8192, "SO_SNDBUF");
                        }
                        _pairs.Add((client, server));
                        break;
                    }
                    catch (Exception e) when (attempt < 200 && e is UringSocketException or UringException or OperationCanceledException or ObjectDisposedException)
                    {
                        _report.SetupRetries++;
                        if (client is not null)
                            await client.CloseAsync();
                        if (server is not null)
                            await server.CloseAsync();
                        if (e is UringSocketException { Operation: "AcceptMultishot" } or ObjectDisposedException)
                        {
                            await pairListener.DisposeAsync(); // faulted by an injected error: a fresh one
                            pairListener = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), options);
                        }
                    }
                }
            }
        }
        finally
        {
            await pairListener.DisposeAsync();
        }
    }

    private async Task<T> Retry<T>(Func<Task<T>> action)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await action();
            }
            catch (Exception e) when (attempt < 200 && e is UringException or UringSocketException)
            {
                _report.SetupRetries++;
            }
        }
    }

    private static unsafe (UringFile Read, int Write) MakePipe()
    {
        int* fds = stackalloc int[2];
        if (Tmds.Linux.LibC.pipe2(fds, Tmds.Linux.LibC.O_CLOEXEC) != 0)
            throw new InvalidOperationException($"pipe2 failed: errno {Tmds.Linux.LibC.errno}");
        return (UringFile.FromFd(fds[0], "storm-pipe"), fds[1]);
    }

    private async Task TeardownAsync()
    {
        var closing = new List<Task>();
        foreach (var (a, b) in _pairs)
        {
            closing.Add(a.CloseAsync().AsTask());
            closing.Add(b.CloseAsync().AsTask());
        }
        foreach (UringTcpListener l in _listeners)
            closing.Add(l.DisposeAsync().AsTask());
        foreach (UringFile f in _files)
            closing.Add(f.CloseAsync().AsTask());
        if (_pipe is not null)
            closing.Add(_pipe.CloseAsync().AsTask());
        if (_pipeWrite >= 0)
            Tmds.Linux.LibC.close(_pipeWrite);
        _pipeWrite = -1;
        await WaitBounded(Task.WhenAll(closing), "closing the files, sockets and listener");
    }

    private void VerifyAndReleaseBuffers()
    {
        _report.TrackedBuffers = _allBuffers.Count + _allArrays.Count;
        foreach (TrackedBuffer t in _allBuffers)
        {
            VerifyUnchanged(t, "at the end");
            if (t.Lends != t.HandBacks)
                _report.Violation($"{t.Name}: lent {t.Lends} times, handed back {t.HandBacks} times");
            if (t.Buffer.IsLent)
                _report.Violation($"{t.Name}: still lent at the end (last op #{t.LastOp} {t.LastKind})");
            else if (!t.Buffer.IsReleased)
                t.Buffer.Dispose();
        }
        foreach (TrackedArray t in _allArrays)
        {
            VerifyUnchanged(t, "at the end");
            if (t.Lends != t.HandBacks)
                _report.Violation($"{t.Name}: lent {t.Lends} times, handed back {t.HandBacks} times");
        }
        if (_registeredPool!.InUse != 0 || _plainPool!.InUse != 0)
            _report.Violation($"pooled IoBuffers still rented at the end: registered pool {_registeredPool.InUse}, pool {_plainPool!.InUse}");
        _registeredPool.Dispose();
        _plainPool.Dispose();
        if (_provided!.Leased != 0)
            _report.Violation($"{_provided.Leased} provided buffers still leased at the end");
        if (_provided.ArmedReceivers != 0)
            _report.Violation($"{_provided.ArmedReceivers} multishot receives still armed on the provided-buffer group at the end");
        _provided.Dispose();
    }

    private void DeleteTempFiles()
    {
        try
        {
            if (_dir.Length > 0 && Directory.Exists(_dir))
                Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    // ---------------------------------------------------------------- workers

    private async Task FileWorkerAsync(Worker w)
    {
        Random rng = w.Rng;
        while (TakeBudget())
        {
            if (rng.Next(64) == 0)
                ChurnPooledBuffer(w);
            UringFile file = _files[rng.Next(_files.Length)];
            int roll = rng.Next(100);
            if (roll < 20)
            {
                TrackedBuffer t = w.PickBuffer();
                long offset = rng.Next(FileSize);
                await LendAsync(w, StormOp.FileRead, t.Buffer, [t], Use.Read, (b, ct) => file.ReadAtAsync(b, offset, ct));
            }
            else if (roll < 26)
            {
                TrackedBuffer t = w.PickBuffer();
                long offset = rng.Next(FileSize);
                var timeout = TimeSpan.FromMicroseconds(50 + rng.Next(2000));
                await LendAsync(w, StormOp.FileReadTimeout, t.Buffer, [t], Use.Read, (b, ct) => file.ReadAtAsync(b, offset, timeout, ct));
            }
            else if (roll < 34)
            {
                long offset = rng.Next(FileSize);
                await LendAsync(w, StormOp.FileReadArray, w.Array!.Array, [w.Array], Use.Read, (a, ct) => file.ReadAtAsync(a, offset, ct));
            }
            else if (roll < 48)
            {
                TrackedBuffer t = w.PickBuffer();
                await LendAsync(w, StormOp.FileWrite, t.Buffer, [t], Use.Write, (b, ct) => file.WriteAtAsync(b, WriteOffset(rng, b.Capacity), ct));
            }
            else if (roll < 58)
            {
                TrackedBuffer t = w.PickBuffer();
                await LendAsync(w, StormOp.FileWriteAll, t.Buffer, [t], Use.Write, (b, ct) => file.WriteAllAtAsync(b, WriteOffset(rng, b.Capacity), ct));
            }
            else if (roll < 64)
            {
                TrackedBuffer[] ts = w.PickBuffers(2 + rng.Next(2));
                long offset = rng.Next(FileSize);
                await LendAsync(w, StormOp.FileReadVectored, ts.Select(t => t.Buffer).ToArray(), ts, Use.Read, (bs, ct) => file.ReadVectoredAtAsync(bs, offset, ct));
            }
            else if (roll < 69)
            {
                TrackedBuffer[] ts = w.PickBuffers(2 + rng.Next(2));
                long offset = rng.Next(FileSize / 2);
                await LendAsync(w, StormOp.FileWriteVectored, ts.Select(t => t.Buffer).ToArray(), ts, Use.Write, (bs, ct) => file.WriteVectoredAtAsync(bs, offset, ct));
            }
            else if (roll < 75)
            {
                int what = rng.Next(16);
                await RunAsync(w, StormOp.FileMeta, async ct =>
                {
                    if (what == 0)
                        await file.FdatasyncAsync(ct);
                    else if (what < 4)
                        await file.FallocateAsync(0, 4096, 0, ct);
                    else
                        await file.StatxAsync(ct);
                });
            }
            else if (roll < 88)
            {
                string path = _paths[rng.Next(_paths.Length)];
                bool register = rng.Next(4) == 0, stat = rng.Next(2) == 0;
                await RunAsync(w, StormOp.FileOpenClose, async ct =>
                {
                    UringFile f = await UringFile.OpenAsync(path, OpenFlags.ReadOnly, cancellationToken: ct);
                    try
                    {
                        if (register)
                            f.Register();
                        if (stat)
                            await f.StatxAsync(ct);
                    }
                    finally
                    {
                        await f.CloseAsync();
                    }
                });
            }
            else if (roll < 92)
            {
                TrackedBuffer t = w.PickBuffer();
                var timeout = TimeSpan.FromMicroseconds(100 + rng.Next(1500));
                UringFile pipe = _pipe!;
                // Nobody writes to the pipe: the read ends by its linked timeout (or a cancel, or a fault).
                await LendAsync(w, StormOp.PipeReadTimeout, t.Buffer, [t], Use.Read, (b, ct) => pipe.ReadAtAsync(b, -1, timeout, ct));
            }
            else
            {
                var delay = TimeSpan.FromMicroseconds(rng.Next(1000));
                await RunAsync(w, StormOp.Delay, async ct => await _reactor!.Delay(delay, ct));
            }
        }
    }

    private static long WriteOffset(Random rng, int capacity) => rng.Next(Math.Max(1, FileSize - capacity));

    /// <summary>Gives a pooled buffer back to its pool and rents another (checked first: it must be unchanged and not lent).</summary>
    private void ChurnPooledBuffer(Worker w)
    {
        int i = w.Rng.Next(2); // the two pooled ones
        TrackedBuffer old = w.Buffers[i];
        VerifyUnchanged(old, "before its return to the pool");
        if (old.Lends != old.HandBacks)
            _report.Violation($"{old.Name}: lent {old.Lends} times, handed back {old.HandBacks} times (before its return to the pool)");
        IoBufferPool pool = old.Buffer.Pool!;
        try
        {
            old.Buffer.Dispose();
        }
        catch (Exception e)
        {
            _report.Violation($"{old.Name}: returning it to its pool threw {e.GetType().Name}: {e.Message}");
            return;
        }
        _allBuffers.Remove(old);
        _report.PoolChurns++;
        w.Buffers[i] = Track(pool.Rent(), old.Name[..old.Name.IndexOf('#')]);
    }

    private async Task TimerWorkerAsync(Worker w)
    {
        while (TakeBudget())
        {
            var delay = TimeSpan.FromMicroseconds(w.Rng.Next(1500));
            await RunAsync(w, StormOp.Delay, async ct => await _reactor!.Delay(delay, ct));
        }
    }

    private async Task WriterAsync(Worker w, UringTcpStream stream)
    {
        Random rng = w.Rng;
        while (TakeBudget())
        {
            int roll = rng.Next(100);
            if (roll < 25)
            {
                TrackedBuffer t = w.PickBuffer();
                await LendAsync(w, StormOp.TcpWrite, t.Buffer, [t], Use.SocketWrite, (b, ct) => stream.WriteAsync(b, ct));
            }
            else if (roll < 55)
            {
                TrackedBuffer t = w.PickBuffer();
                await LendAsync(w, StormOp.TcpWriteAll, t.Buffer, [t], Use.SocketWrite, (b, ct) => stream.WriteAllAsync(b, ct));
            }
            else if (roll < 75)
            {
                await LendAsync(w, StormOp.TcpWriteAllArray, w.Array!.Array, [w.Array], Use.SocketWrite, (a, ct) => stream.WriteAllAsync(a, ct));
            }
            else
            {
                TrackedBuffer t = w.PickBuffer();
                await LendAsync(w, StormOp.TcpSendZc, t.Buffer, [t], Use.SocketWrite, (b, ct) => stream.SendZcAsync(b, ct));
            }
        }
    }

    private async Task ReaderAsync(Worker w, UringTcpStream stream)
    {
        Random rng = w.Rng;
        while (TakeBudget())
        {
            if (rng.Next(4) == 0)
            {
                await LendAsync(w, StormOp.TcpReadArray, w.Array!.Array, [w.Array], Use.SocketRead, (a, ct) => stream.ReadAsync(a, ct));
            }
            else
            {
                TrackedBuffer t = w.PickBuffer();
                await LendAsync(w, StormOp.TcpRead, t.Buffer, [t], Use.SocketRead, (b, ct) => stream.ReadAsync(b, ct));
            }
        }
    }

    /// <summary>Multishot receives over the shared provided-buffer pool. Each lease is checksummed when received and
    /// checked when handed back (a few are held across later receives): the kernel must not write into a leased buffer.</summary>
    private async Task ReceiverAsync(Worker w, UringTcpStream stream)
    {
        Random rng = w.Rng;
        ProvidedBufferPool pool = _provided!;
        var held = new Queue<(ReceivedBuffer Lease, ulong Sum, long Op)>();
        try
        {
            while (TakeBudget())
            {
                long id = Begin(w, StormOp.TcpReceive, out Canceller canceller);
                ValueTask<ReceivedBuffer> pending;
                try
                {
                    pending = stream.ReceiveAsync(pool, canceller.Token);
                }
                catch (Exception e)
                {
                    pending = ValueTask.FromException<ReceivedBuffer>(e);
                }
                canceller.Arm();
                Exception? error = null;
                ReceivedBuffer lease = default;
                try
                {
                    lease = await pending;
                }
                catch (Exception e)
                {
                    error = e;
                }
                End(w, StormOp.TcpReceive, id, canceller, error);
                if (error is UringSocketException)
                    stream.StopReceiving(); // the multishot stream failed for good (an injected fault): start a fresh one
                if (error is not null)
                    continue;
                if (lease.IsEndOfStream)
                {
                    if (!_stop.IsCancellationRequested)
                        _report.Violation($"op #{id} TcpReceive: end of stream on {w.Name} while the peer was open");
                    continue;
                }
                _report.ProvidedLeases++;
                CheckNoPoison(lease.Span, $"op #{id} TcpReceive on {w.Name}");
                held.Enqueue((lease, Checksum(lease.Span), id));
                while (held.Count > MaxHeldLeases || (held.Count > 0 && rng.Next(2) == 0))
                    ReturnLease(held.Dequeue());
            }
        }
        finally
        {
            while (held.Count > 0)
                ReturnLease(held.Dequeue());
        }
    }

    private void ReturnLease((ReceivedBuffer Lease, ulong Sum, long Op) h)
    {
        try
        {
            if (!h.Lease.IsLeased)
            {
                _report.Violation($"provided buffer {h.Lease.BufferId} received by op #{h.Op} is no longer leased before its hand-back");
                return;
            }
            _report.ChecksumsVerified++;
            if (Checksum(h.Lease.Span) != h.Sum)
                _report.Violation($"provided buffer {h.Lease.BufferId} received by op #{h.Op} changed while it was leased to the reader");
            h.Lease.Return();
            _report.ProvidedReturns++;
        }
        catch (Exception e)
        {
            _report.Violation($"handing back provided buffer {h.Lease.BufferId} (op #{h.Op}) threw {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Connect to the worker's multishot listener and accept a connection (not necessarily this one: cancelled
    /// accepts leave theirs queued), then close both.</summary>
    private async Task AcceptWorkerAsync(Worker w)
    {
        Random rng = w.Rng;
        while (TakeBudget())
        {
            UringTcpStream? client = null, server = null;
            try
            {
                await RunAsync(w, StormOp.AcceptChurn, async ct =>
                {
                    UringTcpListener listener = w.Listener!;
                    client = await UringTcpStream.ConnectAsync(listener.LocalEndPoint, ct);
                    // The connection may never come: an injected error on a multishot accept's final completion closes
                    // the fd it carried (FaultInjectionOptions.ErrorRate). Give up on it after a while.
                    using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    patience.CancelAfter(TimeSpan.FromSeconds(1));
                    try
                    {
                        server = await listener.AcceptAsync(patience.Token);
                    }
                    catch (UringSocketException)
                    {
                        ReplaceListener(w, listener); // the multishot accept failed for good (an injected fault)
                        throw;
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        _report.AcceptsAbandoned++;
                    }
                });
                // Close a socket while an operation on it is pending: the close cancels it, the buffer comes back on
                // the exception, and the number is closed only after the final completion.
                if (server is { } s && rng.Next(2) == 0)
                {
                    TrackedBuffer t = w.PickBuffer();
                    await LendAsync(w, StormOp.TcpCloseWhileReading, t.Buffer, [t], Use.SocketRead, (b, ct) => s.ReadAsync(b, ct), afterStart: s.Dispose);
                }
                if (client is { } c && rng.Next(2) == 0)
                    await ReceiveThenCloseAsync(w, c);
            }
            finally
            {
                if (server is not null)
                    await server.CloseAsync();
                if (client is not null)
                    await client.CloseAsync();
            }
        }
    }

    /// <summary>A multishot receive pending on a socket that is closed: the read ends (end of stream), no lease is left.</summary>
    private async Task ReceiveThenCloseAsync(Worker w, UringTcpStream stream)
    {
        long id = Begin(w, StormOp.TcpCloseWhileReceiving, out Canceller canceller);
        ValueTask<ReceivedBuffer> pending;
        try
        {
            pending = stream.ReceiveAsync(_provided!, canceller.Token);
        }
        catch (Exception e)
        {
            pending = ValueTask.FromException<ReceivedBuffer>(e);
        }
        canceller.Arm();
        stream.Dispose();
        Exception? error = null;
        try
        {
            ReceivedBuffer lease = await pending;
            if (!lease.IsEndOfStream)
            {
                _report.ProvidedLeases++;
                ReturnLease((lease, Checksum(lease.Span), id)); // the peer sends nothing, but hand it back if it did
            }
        }
        catch (Exception e)
        {
            error = e;
        }
        End(w, StormOp.TcpCloseWhileReceiving, id, canceller, error);
    }

    private void ReplaceListener(Worker w, UringTcpListener faulted)
    {
        if (!ReferenceEquals(w.Listener, faulted) || _stop.IsCancellationRequested)
            return;
        faulted.Dispose();
        w.Listener = NewListener();
        _report.ListenersReplaced++;
    }

    private UringTcpListener NewListener()
    {
        var l = UringTcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), s_listenerOptions);
        _listeners.Add(l);
        return l;
    }

    // ---------------------------------------------------------------- one operation

    /// <summary>
    /// Lends <paramref name="buffer"/> (whose memory is <paramref name="tracked"/>) to <paramref name="op"/>, maybe
    /// cancels it, and checks the hand-back: the same buffer, on the result or on the exception, no longer lent, and
    /// unchanged since its previous hand-back when it was lent again.
    /// </summary>
    private async Task LendAsync<TBuf>(Worker w, StormOp kind, TBuf buffer, Tracked[] tracked, Use use,
        Func<TBuf, CancellationToken, ValueTask<IoResult<TBuf>>> op, Action? afterStart = null) where TBuf : class
    {
        long id = Begin(w, kind, out Canceller canceller);
        foreach (Tracked t in tracked)
        {
            VerifyUnchanged(t, $"before op #{id} ({kind}) lent it again");
            t.Fill(id, w.Rng, use);
            t.Lends++;
            _report.Lends++;
        }
        ValueTask<IoResult<TBuf>> pending;
        try
        {
            pending = op(buffer, canceller.Token);
        }
        catch (Exception e)
        {
            // Thrown before anything was submitted (a closed stream): the buffer must not have been lent.
            End(w, kind, id, canceller, e);
            foreach (Tracked t in tracked)
            {
                if (t.IsLent)
                    _report.Violation($"op #{id} {kind}: threw {e.GetType().Name} at the call and left {t.Name} lent");
                t.HandBacks++;
                _report.HandBacks++;
                Seal(t, id, kind);
            }
            return;
        }
        if (!pending.IsCompleted)
        {
            foreach (Tracked t in tracked)
            {
                if (t is TrackedBuffer && !t.IsLent)
                    _report.Violation($"op #{id} {kind}: {t.Name} is not marked lent while the operation is pending");
            }
        }
        canceller.Arm();
        afterStart?.Invoke();
        Exception? error = null;
        TBuf? back;
        int n = -1;
        try
        {
            (n, back) = await pending;
        }
        catch (Exception e)
        {
            error = e;
            back = ReturnedBuffer.From<TBuf>(e);
        }
        End(w, kind, id, canceller, error);
        if (back is null)
        {
            _report.Violation($"op #{id} {kind}: {error?.GetType().Name} did not carry the buffer back ({error?.Message}); lost: {string.Join(", ", tracked.Select(t => t.Name))}");
            return; // stays counted as lent: the end-of-run check names it again
        }
        if (!ReferenceEquals(back, buffer))
            _report.Violation($"op #{id} {kind}: handed back a different buffer than it was lent ({string.Join(", ", tracked.Select(t => t.Name))})");
        if (error is null && n < 0)
            _report.Violation($"op #{id} {kind}: succeeded with a negative result {n}");
        if (error is null && n == 0 && kind is StormOp.TcpRead or StormOp.TcpReadArray && !_stop.IsCancellationRequested)
            _report.Violation($"op #{id} {kind}: end of stream on {w.Name} while the peer was open");
        if (error is null && kind == StormOp.TcpWrite && tracked[0] is TrackedBuffer { Buffer: var sent } && n < sent.Length)
            _report.ShortSends++;
        foreach (Tracked t in tracked)
        {
            t.HandBacks++;
            _report.HandBacks++;
            if (t.IsLent)
                _report.Violation($"op #{id} {kind}: {t.Name} is still marked lent after it was handed back ({(error is null ? "result" : error.GetType().Name)})");
            if (t is TrackedBuffer { Buffer.IsReleased: true })
                _report.Violation($"op #{id} {kind}: {t.Name} came back released");
            if (use == Use.SocketRead && error is null && n > 0)
                CheckNoPoison(t.Content[..Math.Min(n, t.Content.Length)], $"op #{id} {kind} on {w.Name}");
            if (use == Use.SocketWrite && !t.IsLent)
                t.Content.Fill(Poison);
            Seal(t, id, kind);
        }
    }

    /// <summary>Runs an operation without a lent buffer (timers, metadata, open/close, connect/accept).</summary>
    private async Task RunAsync(Worker w, StormOp kind, Func<CancellationToken, Task> op)
    {
        long id = Begin(w, kind, out Canceller canceller);
        Task pending;
        try
        {
            pending = op(canceller.Token);
        }
        catch (Exception e)
        {
            pending = Task.FromException(e);
        }
        canceller.Arm();
        Exception? error = null;
        try
        {
            await pending;
        }
        catch (Exception e)
        {
            error = e;
        }
        End(w, kind, id, canceller, error);
    }

    private long Begin(Worker w, StormOp kind, out Canceller canceller)
    {
        long id = ++_lastOpId;
        _report.Started[(int)kind]++;
        Random rng = w.Rng;
        if (rng.NextDouble() < _options.CancelFraction)
        {
            var mode = (CancelMode)(1 + rng.Next(4));
            canceller = new Canceller(mode, new CancellationTokenSource(), rng.Next(1, 4), rng.Next(1, 20_000), _reactor!);
            _report.CancelRequested[(int)kind]++;
        }
        else
        {
            canceller = new Canceller(CancelMode.None, null, 0, 0, _reactor!) { Stop = _stop.Token };
        }
        w.Current = string.Create(CultureInfo.InvariantCulture, $"op #{id} {kind} (cancel: {canceller.Mode}) since {_clock.Elapsed.TotalMilliseconds:F0} ms");
        return id;
    }

    private void End(Worker w, StormOp kind, long id, in Canceller canceller, Exception? e)
    {
        bool tokenCancelled = canceller.Token.IsCancellationRequested;
        canceller.Dispose();
        Interlocked.Increment(ref _finishedOps);
        w.Current = "between operations";
        int k = (int)kind;
        switch (e)
        {
            case null:
                _report.Succeeded[k]++;
                break;
            case OperationCanceledException:
                _report.Cancelled[k]++;
                if (!tokenCancelled)
                    _report.Violation($"op #{id} {kind}: {e.GetType().Name} although its token was not cancelled: {e.Message}");
                break;
            case UringTimeoutException:
                _report.TimedOut[k]++;
                if (kind is not (StormOp.FileReadTimeout or StormOp.PipeReadTimeout))
                    _report.Violation($"op #{id} {kind}: timed out without a timeout: {e.Message}");
                break;
            case UringException ue:
                Failed(kind, id, ue.ErrnoName, e);
                break;
            case UringSocketException se:
                Failed(kind, id, se.ErrnoName, e);
                break;
            case ObjectDisposedException when kind == StormOp.AcceptChurn || _stop.IsCancellationRequested:
                // an accept on a listener replaced meanwhile; a new operation on a pair closed at the end
                _report.Failed[k]++;
                _report.Error($"{kind} ObjectDisposed");
                break;
            default:
                _report.Failed[k]++;
                _report.Error($"{kind} {e.GetType().Name}");
                _report.Violation($"op #{id} {kind}: unexpected {e.GetType().FullName}: {e.Message}\n{e.StackTrace}");
                break;
        }
    }

    private void Failed(StormOp kind, long id, string errno, Exception e)
    {
        _report.Failed[(int)kind]++;
        _report.Error($"{kind} {errno}");
        if (!s_expectedErrnos.Contains(errno))
            _report.Violation($"op #{id} {kind}: unexpected error {errno}: {e.Message}");
    }

    // ---------------------------------------------------------------- checksums

    private void CheckNoPoison(ReadOnlySpan<byte> received, string what)
    {
        _report.BytesReceivedChecked += received.Length;
        int at = received.IndexOf(Poison);
        if (at >= 0)
            _report.Violation($"{what}: received the poison byte at offset {at} of {received.Length}: a send buffer was read by the kernel after it was handed back");
    }

    private void VerifyUnchanged(Tracked t, string when)
    {
        if (!t.Sealed)
            return;
        ulong sum;
        try
        {
            sum = Checksum(t.Content);
        }
        catch (Exception e)
        {
            _report.Violation($"{t.Name}: cannot read it {when} ({e.GetType().Name}: {e.Message}); last handed back by op #{t.LastOp} ({t.LastKind})");
            return;
        }
        _report.ChecksumsVerified++;
        if (sum != t.Sum)
            _report.Violation($"{t.Name}: its content changed after op #{t.LastOp} ({t.LastKind}) handed it back (checked {when}): something wrote into it after the hand-back");
    }

    private void Seal(Tracked t, long id, StormOp kind)
    {
        t.LastOp = id;
        t.LastKind = kind;
        try
        {
            t.Sum = Checksum(t.Content);
            t.Sealed = true;
        }
        catch (Exception e)
        {
            t.Sealed = false;
            _report.Violation($"{t.Name}: cannot read it right after op #{id} ({kind}) handed it back: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>A 64-bit hash of the bytes (not cryptographic; any changed byte changes it with overwhelming odds).</summary>
    public static ulong Checksum(ReadOnlySpan<byte> data)
    {
        ulong h1 = 0x9E3779B97F4A7C15UL ^ (ulong)data.Length, h2 = 0xC2B2AE3D27D4EB4FUL;
        ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(data);
        int i = 0;
        for (; i + 1 < words.Length; i += 2)
        {
            h1 = BitOperations.RotateLeft(h1 ^ words[i], 31) * 0x9E3779B97F4A7C15UL;
            h2 = BitOperations.RotateLeft(h2 ^ words[i + 1], 27) * 0xC2B2AE3D27D4EB4FUL;
        }
        if (i < words.Length)
            h1 = BitOperations.RotateLeft(h1 ^ words[i], 31) * 0x9E3779B97F4A7C15UL;
        for (int j = words.Length * 8; j < data.Length; j++)
            h2 = BitOperations.RotateLeft(h2 ^ data[j], 27) * 0xC2B2AE3D27D4EB4FUL;
        ulong h = h1 ^ BitOperations.RotateLeft(h2, 17);
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        return h ^ (h >> 33);
    }

    // ---------------------------------------------------------------- diagnostics

    private string DescribeWorkers()
        => "Workers: " + string.Join("; ", _workers.ToArray().Select(w => $"{w.Name}: {w.Current}"));

    /// <summary>The operations still bound to the reactor's slots (reflection: diagnostics only).</summary>
    private static string DescribeLive(UringReactor reactor)
    {
        try
        {
            object? slots = typeof(UringReactor).GetField("_slots", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)?.GetValue(reactor);
            if (slots?.GetType().GetMethod("Live")?.Invoke(slots, null) is not IEnumerable<OperationSlot> live)
                return "(slots not readable)";
            return string.Join(", ", live.Select(s => $"{s.GetType().Name.Split('`')[0]}<{string.Join(",", s.GetType().GetGenericArguments().Select(a => a.Name))}> {s.Opcode} fd={s.Fd?.ToString() ?? "-"} cancel-requested={s.CancelRequested}"));
        }
        catch (Exception e)
        {
            return "(slots not readable: " + e.Message + ")";
        }
    }

    // ---------------------------------------------------------------- types

    private enum CancelMode : byte
    {
        None,
        Immediate,
        NextTurn,
        Timer,
        OtherThread,
    }

    /// <summary>One operation's token and how (and whether) it gets cancelled.</summary>
    private readonly struct Canceller(CancelMode mode, CancellationTokenSource? cts, int timerMs, int spins, UringReactor reactor)
    {
        public CancelMode Mode => mode;
        public CancellationToken Stop { get; init; }
        public CancellationToken Token => cts?.Token ?? Stop;

        /// <summary>Called right after the operation started (submitted).</summary>
        public void Arm()
        {
            switch (mode)
            {
                case CancelMode.Immediate:
                    cts!.Cancel();
                    break;
                case CancelMode.NextTurn:
                    reactor.Post(static s => ((CancellationTokenSource)s!).Cancel(), cts);
                    break;
                case CancelMode.Timer:
                    cts!.CancelAfter(timerMs);
                    break;
                case CancelMode.OtherThread:
                    ThreadPool.UnsafeQueueUserWorkItem(static s =>
                    {
                        Thread.SpinWait(s.Spins);
                        s.Cts.Cancel();
                    }, (Cts: cts!, Spins: spins), preferLocal: false);
                    break;
            }
        }

        public void Dispose()
        {
            if (mode == CancelMode.Timer)
                cts!.Dispose(); // stops its timer; the others may still be cancelled by a late callback, harmlessly
        }
    }

    private sealed class Worker(string name, Random rng)
    {
        public string Name { get; } = name;
        public Random Rng { get; } = rng;
        public volatile string Current = "not started";
        public List<TrackedBuffer> Buffers { get; } = [];
        public TrackedArray? Array { get; set; }
        public UringTcpListener? Listener { get; set; }

        public TrackedBuffer PickBuffer() => Buffers[Rng.Next(Buffers.Count)];

        public TrackedBuffer[] PickBuffers(int count)
        {
            var picked = Buffers.ToList();
            for (int i = picked.Count - 1; i > 0; i--)
            {
                int j = Rng.Next(i + 1);
                (picked[i], picked[j]) = (picked[j], picked[i]);
            }
            return picked.Take(Math.Min(count, picked.Count)).ToArray();
        }
    }

    private abstract class Tracked(string name)
    {
        public string Name { get; } = name;
        public ulong Sum;
        public bool Sealed;
        public long Lends, HandBacks, LastOp;
        public StormOp LastKind;

        public abstract Span<byte> Content { get; }

        public abstract bool IsLent { get; }

        /// <summary>Before a lend: a pattern unique to the operation (a read's buffer), or data and a length (a write's).</summary>
        public abstract void Fill(long op, Random rng, Use use);

        protected static void Pattern(Span<byte> span, long op, Use use)
        {
            if (use == Use.SocketWrite)
            {
                span.Fill((byte)(1 + op % (Poison - 1))); // never the poison byte
                return;
            }
            span.Fill(unchecked((byte)(op * 0x9D + 0x5B)));
            if (span.Length >= 8)
                MemoryMarshal.Write(span, in op);
        }
    }

    private sealed class TrackedBuffer(IoBuffer buffer, string name) : Tracked(name)
    {
        public IoBuffer Buffer { get; } = buffer;

        public override Span<byte> Content => Buffer.FullSpan;

        public override bool IsLent => Buffer.IsLent;

        public override void Fill(long op, Random rng, Use use)
        {
            Pattern(Buffer.FullSpan, op, use);
            Buffer.Length = use is Use.Read or Use.SocketRead ? 0 : 1 + rng.Next(Buffer.Capacity);
        }
    }

    private sealed class TrackedArray(byte[] array, string name) : Tracked(name)
    {
        public byte[] Array { get; } = array;

        public override Span<byte> Content => Array;

        public override bool IsLent => false; // an array is pinned, not marked

        public override void Fill(long op, Random rng, Use use) => Pattern(Array, op, use);
    }
}
