using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;
using UringSafe.Abi;
using UringSafe.Diagnostics;
using UringSafe.Raw;
using UringSafe.Raw.Ops;
using static Tmds.Linux.LibC;

namespace UringSafe.Async;

/// <summary>
/// One io_uring and the thread that drives it: submissions are batched once per loop turn, completions are routed
/// to pooled operation sources, and continuations run on this thread (through its SynchronizationContext and
/// TaskScheduler). Create it on the thread that will run it; start work with <see cref="UringRuntime.Run(Func{Task}, ReactorOptions?)"/>
/// or a <see cref="UringExecutor"/>.
/// </summary>
public sealed unsafe partial class UringReactor : IDisposable
{
    [ThreadStatic] private static UringReactor? t_current;
    private static readonly ConcurrentDictionary<int, UringReactor> s_reactors = new();
    private static int s_nextId;

    /// <summary>Operations abandoned by a reactor that stopped waiting for them at shutdown: kept reachable forever,
    /// so the memory they lent (pinned arrays, paths, statx buffers) is never collected while the kernel may use it.</summary>
    private static readonly List<OperationSlot> s_abandoned = new();

    private readonly UringSafe.Driver.RingDriver _driver;
    private readonly SlotTable _slots;
    private object?[] _pools = new object?[8];
    private readonly int _maxInFlight;
    private readonly ulong* _wakeBuffer;
    private readonly SafeFileHandle _wakeFd;
    private readonly Thread _ownerThread;
    private readonly TimeSpan _shutdownTimeout;
    private readonly Queue<WorkItem> _local = new();
    private readonly ConcurrentQueue<WorkItem> _remote = new();
    private readonly Queue<Sqe> _deferredInternal = new();
    private readonly HashSet<IMultishot> _pendingReads = new(ReferenceEqualityComparer.Instance); // multishot reads waiting
    private readonly FaultInjector? _faults;
    private Cqe[] _backlog;
    private int _backlogHead, _backlogCount;
    private int _sleeping;
    private int _inFlight;
    private readonly bool _captureCallSites;
    private readonly bool[]? _disabledOpcodes; // opcodes forced off (URINGSAFE_FEATURES=-op:Name): never reach the kernel
    private readonly long _stallTicks, _blockedTicks;
    private long _turnStart;          // Stopwatch timestamp of the current loop turn (also each request's submit time)
    private volatile bool _waiting;   // blocked in io_uring_enter waiting for completions: idle, not stuck
    private volatile bool _inLoop;    // inside RunUntil
    private long _blockedReportedTurn = -1;
    private bool _disposed;
    private volatile bool _ended;     // Dispose finished, ring released (IsDisposed): written last, read by other threads
    private volatile bool _shuttingDown; // Dispose began: TrySubmit refuses, multishot streams don't re-arm
    private volatile bool _postsClosed;  // the final drain began: cross-thread posts are refused (TryPost)
    private int _posting;                // cross-thread posts between their check of _postsClosed and their enqueue

    private readonly record struct WorkItem(SendOrPostCallback Callback, object? State);

    /// <summary>Creates a reactor bound to the calling thread.</summary>
    public UringReactor(ReactorOptions? options = null)
    {
        options ??= new ReactorOptions();
        if (t_current is not null)
            throw new InvalidOperationException("This thread already runs a UringReactor; use one reactor per thread.");
        _driver = CreateDriver(options);
        _ownerThread = Thread.CurrentThread;
        _shutdownTimeout = options.ShutdownTimeout;
        _maxInFlight = options.MaxInFlight;
        _slots = new SlotTable(options.MaxInFlight > 0 ? Math.Min(options.MaxInFlight, 4096) : 256);
        _backlog = new Cqe[Math.Max(64, (int)_driver.CqEntries)];
        _faults = options.FaultInjection is { } f ? new FaultInjector(f) : null;
        FaultInjector = _faults;
        _captureCallSites = options.CaptureCallSites;
        _disabledOpcodes = UringSafe.Raw.UringCapabilities.OpcodesDisabledByOverride();
        _stallTicks = ToStopwatchTicks(options.StallThreshold);
        _blockedTicks = ToStopwatchTicks(options.BlockedThreshold);
        DiagnosticsOutput = options.DiagnosticsOutput ?? Console.Error;
        _turnStart = System.Diagnostics.Stopwatch.GetTimestamp();
        _wakeBuffer = (ulong*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(8, 8);
        int wakeFd = eventfd(0, EFD_CLOEXEC);
        if (wakeFd < 0)
            throw new UringException(errno, "eventfd", hint: "The reactor needs an eventfd to be woken by other threads.");
        _wakeFd = new SafeFileHandle(wakeFd, ownsHandle: true);
        SynchronizationContext = new ReactorSynchronizationContext(this);
        Scheduler = new ReactorTaskScheduler(this);
        Id = Interlocked.Increment(ref s_nextId) & int.MaxValue;
        s_reactors[Id] = this;
        Metrics.ReadInFlightFrom(s_totalInFlight);
        UringEventSource.DumpInFlightFrom(UringDiagnostics.Snapshot);
        t_current = this;
        ArmWake();
        if (_stallTicks > 0 || _blockedTicks > 0)
            StallMonitor.Watch(Min(options.StallThreshold, options.BlockedThreshold));
    }

    private static long ToStopwatchTicks(TimeSpan t) => t <= TimeSpan.Zero ? 0 : (long)(t.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a <= TimeSpan.Zero ? b : b <= TimeSpan.Zero ? a : a < b ? a : b;

    /// <summary>Every live reactor of the process.</summary>
    internal static ICollection<UringReactor> All => s_reactors.Values;

    /// <summary>Where stall reports and the shutdown dump go when no handler takes them.</summary>
    internal TextWriter DiagnosticsOutput { get; }

    internal bool CaptureCallSites => _captureCallSites;

    internal static Ring CreateRing(ReactorOptions options)
    {
        uint cq = options.CompletionEntries != 0 ? options.CompletionEntries : options.Entries * 4;
        SetupFlags[] attempts = options.DeferTaskrun
            ? [SetupFlags.SingleIssuer | SetupFlags.DeferTaskrun | SetupFlags.TaskrunFlag | SetupFlags.SubmitAll,
               SetupFlags.CoopTaskrun | SetupFlags.TaskrunFlag | SetupFlags.SubmitAll,
               SetupFlags.None]
            : [SetupFlags.CoopTaskrun | SetupFlags.TaskrunFlag | SetupFlags.SubmitAll, SetupFlags.None];
        for (int i = 0; ; i++)
        {
            try
            {
                return new Ring(new RingOptions { Entries = options.Entries, CompletionEntries = cq, Flags = attempts[i], RegisterRingFd = true });
            }
            catch (UringUnavailableException e) when (e.Errno == Errno.EINVAL && i + 1 < attempts.Length)
            {
                // An older kernel without these setup flags: fall back to the next set.
            }
        }
    }

    /// <summary>The reactor running on the calling thread. Throws when there is none.</summary>
    public static UringReactor Current => t_current ?? throw new InvalidOperationException(
        "No UringReactor runs on this thread. UringSafe operations run on a reactor thread: call them from inside " +
        "UringRuntime.Run(async () => ...) or from work spawned on a UringExecutor.");

    /// <summary>The reactor on the calling thread, or null.</summary>
    public static UringReactor? CurrentOrNull => t_current;

    /// <summary>This reactor's process-wide id (it names the reactor in messages between rings and in diagnostics).</summary>
    public int Id { get; }

    /// <summary>Operations submitted and not yet finally completed. Readable from any thread.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Operations in flight over every live reactor of the process.</summary>
    private static readonly Func<long> s_totalInFlight = TotalInFlight;

    internal static long TotalInFlight()
    {
        long total = 0;
        foreach (UringReactor reactor in s_reactors.Values)
            total += reactor.InFlight;
        return total;
    }

    /// <summary>True once <see cref="Dispose"/> has finished: the loop has ended and the ring is released, so another
    /// thread that sees it may dispose what used the ring (a <see cref="Net.ProvidedBufferPool"/>).</summary>
    public bool IsDisposed => _ended;

    /// <summary>Posts continuations to this reactor's loop.</summary>
    public SynchronizationContext SynchronizationContext { get; }

    /// <summary>Runs tasks on this reactor's loop.</summary>
    public TaskScheduler Scheduler { get; }

    /// <summary>This reactor's pool of <typeparamref name="T"/> (reactor thread only).</summary>
    internal ReactorPool<T> Pool<T>() where T : class => ReactorPools.Get<T>(ref _pools);

    /// <summary>True when called on this reactor's thread.</summary>
    // One inlined thread-static read and a reference compare: Environment.CurrentManagedThreadId is a call, and this
    // check runs three times per operation (start, await, recycle).
    public bool IsOnReactorThread => ReferenceEquals(Thread.CurrentThread, _ownerThread);

    private void ThrowIfNotOwner()
    {
        if (!IsOnReactorThread)
            throw new InvalidOperationException("This UringReactor belongs to another thread; start operations from work running on it (Spawn or Post).");
        if (_disposed)
            throw new ObjectDisposedException(nameof(UringReactor), "The reactor was disposed; no more operations can start on it.");
    }

    /// <summary>
    /// Queues <paramref name="callback"/> to run on the reactor thread. Safe from any thread. A callback that throws is
    /// reported through <see cref="UnhandledException"/> (never rethrown into the loop). Once the reactor is disposed the
    /// callback can never run: it is dropped and that is reported the same way, with an <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Post(SendOrPostCallback callback, object? state)
    {
        if (!TryPost(callback, state))
            ReportDropped(callback, "after it was disposed");
    }

    private void ReportDropped(SendOrPostCallback callback, string when)
        => ReportUnhandled(new ObjectDisposedException(nameof(UringReactor), $"A callback posted to reactor {Id} {when} was dropped (it can never run): {callback.Method.DeclaringType}.{callback.Method.Name}."));

    /// <summary>
    /// Queues <paramref name="callback"/>, or returns false when the reactor has ended (its final drain began), so the
    /// callback would never run. Every callback accepted here runs, even one accepted during <see cref="Dispose"/>; the
    /// one exception, work posted on the reactor thread by the last turn of a drain that ran out of time, is reported
    /// as dropped.
    /// </summary>
    internal bool TryPost(SendOrPostCallback callback, object? state)
    {
        if (t_current == this)
        {
            _local.Enqueue(new WorkItem(callback, state));
            return true;
        }
        // Pairs with ClosePosts: either this sees the posts closed, or the closer waits for this enqueue and drains it.
        Interlocked.Increment(ref _posting);
        try
        {
            if (_postsClosed)
                return false;
            _remote.Enqueue(new WorkItem(callback, state));
        }
        finally
        {
            Interlocked.Decrement(ref _posting);
        }
        if (Interlocked.Exchange(ref _sleeping, 0) == 1)
        {
            BeforeWakeForTesting?.Invoke();
            Wake();
        }
        return true;
    }

    /// <summary>True while the loop is asleep (or about to sleep) in its ring, so a post must wake it (tests).</summary>
    internal bool IsSleepingForTesting => Volatile.Read(ref _sleeping) == 1;

    /// <summary>Test hook: runs in a post that found the reactor asleep, just before it wakes it.</summary>
    internal Action? BeforeWakeForTesting { get; set; }

    /// <summary>From now on TryPost refuses; returns once every post that got past the check has enqueued.</summary>
    private void ClosePosts()
    {
        _postsClosed = true;
        Interlocked.MemoryBarrier();
        var spin = new SpinWait();
        while (Volatile.Read(ref _posting) != 0)
            spin.SpinOnce();
    }

    private void MoveRemoteToLocal()
    {
        while (_remote.TryDequeue(out WorkItem item))
            _local.Enqueue(item);
    }

    private void Wake()
    {
        // From another live reactor, message our ring directly (IORING_OP_MSG_RING); from any other thread, the eventfd.
        if (t_current is { _disposed: false } from && from != this)
        {
            from.SendMessage(this);
            return;
        }
        WakeByEventFd();
    }

    private void SendMessage(UringReactor target)
    {
        int ringFd;
        try
        {
            ringFd = target._driver.RingFd;
        }
        catch (ObjectDisposedException)
        {
            return; // the target ended since the post (another wake-up got there first; its drain ran the post): nobody to wake
        }
        // Submitted at once: this thread may block right after posting (a .Wait(), a lock), and an SQE that sits in
        // our queue would leave the target asleep.
        SubmitInternal(new MsgRing(ringFd, 0, UserData.MessageReceived).UserData(UserData.MessageTo(target.Id)).Build());
        try
        {
            _driver.Submit();
        }
        catch (UringException)
        {
            target.WakeByEventFd();
        }
    }

    private void ArmWake() => SubmitInternal(new Read(_wakeFd.DangerousGetHandle().ToInt32(), (nint)_wakeBuffer, 8).UserData(UserData.Wake).Build());

    internal void WakeByEventFd()
    {
        // The SafeHandle keeps the number from being closed (and reused) under this write if the reactor is disposed
        // concurrently.
        bool added = false;
        try
        {
            _wakeFd.DangerousAddRef(ref added);
            ulong one = 1;
            write(_wakeFd.DangerousGetHandle().ToInt32(), &one, 8);
        }
        catch (ObjectDisposedException)
        {
            // the reactor is gone: nobody to wake
        }
        finally
        {
            if (added)
                _wakeFd.DangerousRelease();
        }
    }

    /// <summary>Runs posted work, submits, waits (if <paramref name="mayBlock"/> and idle) and dispatches completions.</summary>
    internal void RunOnce(bool mayBlock, Task? until = null)
    {
        if (_disposed)
            return;
        _turnStart = System.Diagnostics.Stopwatch.GetTimestamp();
        MoveRemoteToLocal();
        RunLocal();
        if (_disposed)
            return;
        FlushDeferredInternal();
        if (_faults is not null && _faults.OnLoopTurn(this))
        {
            _driver.Submit(); // injected: don't reap this turn, so a small CQ overflows for real
            return;
        }
        // Never block once the awaited task is done: nothing else may ever complete to wake us.
        if (mayBlock && _local.Count == 0 && _backlogHead == _backlogCount && until is not { IsCompleted: true })
        {
            Interlocked.Exchange(ref _sleeping, 1);
            _waiting = true;
            if (!_remote.IsEmpty)
                _driver.Submit();
            else if (_faults is { HasDelayed: true })
                _driver.SubmitAndWait(1, TimeSpan.FromMilliseconds(1));
            else
                _driver.SubmitAndWait(1);
            _waiting = false;
            _turnStart = System.Diagnostics.Stopwatch.GetTimestamp();
            Volatile.Write(ref _sleeping, 0);
        }
        else
        {
            _driver.Submit();
        }
        DispatchCompletions();
    }

    private void RunLocal()
    {
        for (int n = _local.Count; n > 0 && _local.TryDequeue(out WorkItem item); n--)
        {
            try
            {
                item.Callback(item.State);
            }
            catch (Exception e)
            {
                ReportUnhandled(e); // an async void that threw, a library's Post callback: reported, never fatal
            }
        }
    }

    /// <summary>
    /// Routes every ready completion. Completions are copied out of the CQ (and the head advanced) before any is
    /// dispatched, and the copy is drained through fields: a continuation that runs a nested loop, disposes the
    /// reactor (unmapping the ring) or throws finds a consistent state, and no completion is lost or seen twice.
    /// </summary>
    private void DispatchCompletions()
    {
        while (true)
        {
            if (_backlogHead == _backlogCount)
            {
                if (_disposed)
                    return;
                _backlogHead = _backlogCount = 0;
                int n = _driver.CopyCompletions(_backlog);
                if (n == 0)
                    return;
                _backlogCount = n;
            }
            Cqe cqe = _backlog[_backlogHead++];
            try
            {
                Dispatch(cqe.UserData, cqe.Result, cqe.Flags);
            }
            catch (Exception e)
            {
                ReportUnhandled(e); // a continuation run inline that threw: the loop and the other completions go on
            }
        }
    }

    private void Dispatch(ulong userData, int result, CqeFlags flags)
    {
        if (UserData.IsInternal(userData))
        {
            DispatchInternal(userData, result);
            return;
        }
        int index = UserData.Slot(userData);
        if (_slots[index] is not { } slot || slot.UserData != userData)
            return; // a completion for a request that is gone (an older generation): never misrouted
        if (_faults is not null && _faults.Intercept(this, slot, ref result, ref flags))
            return; // held back: delivered later through DeliverDelayed
        Deliver(slot, index, result, flags);
    }

    /// <summary>Hands a completion to its operation; on the final one the slot is freed first, so the operation may
    /// resubmit (or re-arm) from inside its handler.</summary>
    internal void Deliver(OperationSlot slot, int index, int result, CqeFlags flags)
    {
        if (UringEventSource.Log.OperationsEnabled)
            UringEventSource.Log.Complete(Id, slot.UserData, slot.Opcode.ToString(), result, (int)flags);
        bool final = (flags & CqeFlags.More) == 0;
        if (slot.ForcedResult != 0)
        {
            result = slot.ForcedResult;
            slot.ForcedResult = 0;
        }
        if (final)
        {
            _slots.Free(index);
            slot.IsLive = false;
            _inFlight--;
            Metrics.OperationCompleted(slot.Opcode);
        }
        slot.OnCompletion(result, flags, final);
    }

    /// <summary>Delivers a completion the fault injector held back (its request is still bound to the slot).</summary>
    internal void DeliverHeld(OperationSlot slot, ulong userData, int result, CqeFlags flags)
    {
        int index = UserData.Slot(userData);
        if (_slots[index] == slot && slot.UserData == userData)
            Deliver(slot, index, result, flags);
    }

    private void DispatchInternal(ulong userData, int result)
    {
        ulong kind = UserData.Kind(userData);
        if (kind == UserData.Wake)
        {
            if (!_disposed)
                ArmWake();
        }
        else if (kind == UserData.Message && result < 0
            && s_reactors.TryGetValue(UserData.Slot(userData), out UringReactor? target))
        {
            target.WakeByEventFd(); // the target could not be messaged: wake it another way, so it is never left asleep
        }
    }

    /// <summary>Runs the loop on this thread until <paramref name="task"/> completes, then returns its result.</summary>
    public void RunUntil(Task task)
    {
        ThrowIfNotOwner();
        SynchronizationContext? previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(SynchronizationContext);
        try
        {
            // A task completed by some other thread must wake the loop, or it could sleep in io_uring_enter forever.
            if (!task.IsCompleted)
                task.ContinueWith(static (_, s) => ((UringReactor)s!).TryPost(static _ => { }, null), this, TaskContinuationOptions.ExecuteSynchronously);
            _inLoop = true;
            while (!task.IsCompleted)
            {
                if (_disposed)
                    throw new ObjectDisposedException(nameof(UringReactor), "The reactor was disposed while the task it was running had not completed.");
                RunOnce(mayBlock: true, until: task);
            }
        }
        finally
        {
            _inLoop = false;
            SynchronizationContext.SetSynchronizationContext(previous);
        }
        task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Raised (usually on this reactor's thread) when work started with <see cref="SpawnDetached(Func{Task})"/> fails
    /// with anything but a cancellation, when the task of <see cref="Spawn(Func{Task})"/> failed and was dropped
    /// without anyone looking at its exception, when a callback posted to the reactor throws (an <c>async void</c>
    /// method, a library's <c>SynchronizationContext.Post</c>), and when a callback posted after the reactor was
    /// disposed is dropped. A failure the caller awaits is the caller's and is not raised here. With no handler, the reactor writes the exception to stderr with its
    /// id; it never terminates the process. To crash on an unhandled exception, call
    /// <see cref="Environment.FailFast(string, Exception)"/> from a handler.
    /// </summary>
    public event Action<UringReactor, Exception>? UnhandledException;

    internal void ReportUnhandled(Exception e)
    {
        if (e is OperationCanceledException)
            return;
        Action<UringReactor, Exception>? handler = UnhandledException;
        if (handler is not null)
        {
            try
            {
                handler(this, e);
                return;
            }
            catch (Exception fromHandler)
            {
                e = new AggregateException("The UnhandledException handler threw.", e, fromHandler);
            }
        }
        Console.Error.WriteLine($"UringSafe: unhandled exception in work spawned on reactor {Id}:{Environment.NewLine}{e}");
    }

    /// <summary>
    /// Stops the reactor: from now on no operation is submitted (one started meanwhile is refused, with its buffer)
    /// and multishot requests don't re-arm; every operation in flight is cancelled, and the loop drains their final
    /// completions (so their buffers go back to their owners and the fds they held are closed) and the work posted to
    /// it (closes from other threads, continuations), bounded by <see cref="ReactorOptions.ShutdownTimeout"/>.
    /// Operations still running after that keep their buffers forever (they are leaked, never freed), then the ring is
    /// unmapped. Work posted after that is refused (<see cref="Post"/> reports it, <c>Send</c> throws).
    /// <para>On the reactor thread (a continuation running on it included) it stops at once; from another thread it
    /// is carried out by the reactor's loop on its next turn, and returns without waiting. Idempotent.</para>
    /// </summary>
    public void Dispose()
    {
        if (_disposed || _shuttingDown)
            return; // done, or under way (a continuation of the drain disposing again): the drain in progress finishes it
        if (!IsOnReactorThread)
        {
            // The ring is single-issuer: only the reactor's own thread may stop it. It does so on its next loop turn.
            TryPost(static s => ((UringReactor)s!).Dispose(), this);
            return;
        }
        _shuttingDown = true;
        EndPendingReads();
        Drain();
        LeakedOperations = _inFlight;
        if (_inFlight > 0)
        {
            // The shutdown dump: what never completed, so what keeps its buffer and fd forever.
            IReadOnlyList<InFlightOperation> leaked = Snapshot();
            DiagnosticsOutput.WriteLine($"UringSafe: reactor {Id} shut down with {leaked.Count} operation(s) still in flight after {_shutdownTimeout.TotalMilliseconds:0} ms; their buffers and fds are kept (leaked), never freed:");
            foreach (InFlightOperation op in leaked)
                DiagnosticsOutput.WriteLine("  " + op);
            DiagnosticsOutput.Flush();
            lock (s_abandoned)
                s_abandoned.AddRange(_slots.Live());
        }
        _disposed = true;
        s_reactors.TryRemove(Id, out _);
        BeforeRingReleasedForTesting?.Invoke();
        _driver.Dispose();
        _wakeFd.Dispose();
        if (_inFlight == 0)
        {
            _slots.Dispose();
            System.Runtime.InteropServices.NativeMemory.AlignedFree(_wakeBuffer);
        }
        if (t_current == this)
            t_current = null;
        _ended = true;
    }

    /// <summary>Ends the multishot reads pending with no request armed (starved of buffers, backing off, held, or
    /// waiting for a refused arming to be retried): nothing would complete them once the reactor stops.</summary>
    private void EndPendingReads()
    {
        if (_pendingReads.Count == 0)
            return;
        foreach (IMultishot stream in _pendingReads.ToArray())
        {
            try
            {
                stream.OnReactorShuttingDown();
            }
            catch (Exception e)
            {
                ReportUnhandled(e); // a continuation run inline that threw: the other reads still end
            }
        }
    }

    /// <summary>A multishot read now waits (reactor thread).</summary>
    internal void ReadPending(IMultishot stream) => _pendingReads.Add(stream);

    /// <summary>A multishot read completed or was cancelled. Off the reactor thread (a stream stopped by another thread
    /// once the reactor ended) the set is left alone: the reactor thread is its only user.</summary>
    internal void ReadEnded(IMultishot stream)
    {
        if (IsOnReactorThread)
            _pendingReads.Remove(stream);
    }

    /// <summary>
    /// The shutdown drain: cancel everything in flight, then reap completions and run posted work until nothing is in
    /// flight and nothing is queued, or the shutdown timeout passes. Cross-thread posts are closed only once the rest is
    /// done, and what was accepted before that still runs, so a close posted from another thread is never lost.
    /// </summary>
    private void Drain()
    {
        if (_inFlight > 0)
            SubmitInternal(new AsyncCancel(0).CancelFlags(CancelFlags.Any | CancelFlags.All).UserData(UserData.Ignore).Build());
        long deadline = Environment.TickCount64 + (long)_shutdownTimeout.TotalMilliseconds;
        while (true)
        {
            MoveRemoteToLocal();
            RunLocal();
            if (_inFlight == 0 && _local.Count == 0 && _remote.IsEmpty)
            {
                if (_postsClosed)
                    return;
                ClosePosts(); // then one more round for what was posted before the close
                continue;
            }
            if (Environment.TickCount64 >= deadline)
            {
                ClosePosts();
                MoveRemoteToLocal();
                RunLocal(); // accepted work still runs (a close of an fd no abandoned operation holds closes it)
                while (_local.TryDequeue(out WorkItem late))
                    ReportDropped(late.Callback, "by the last turn of its shutdown drain, after the shutdown timeout"); // never lost silently
                return;
            }
            FlushDeferredInternal();
            _faults?.ReleaseAll(this);
            if (_inFlight > 0)
                _driver.SubmitAndWait(1, TimeSpan.FromMilliseconds(50));
            else
                _driver.Submit();
            DispatchCompletions();
        }
    }

    /// <summary>Test hook: runs in <see cref="Dispose"/> after the drain, just before the ring is released.</summary>
    internal Action? BeforeRingReleasedForTesting { get; set; }

    /// <summary>True once <see cref="Dispose"/> began: no operation is submitted any more.</summary>
    internal bool IsShuttingDown => _shuttingDown;

    /// <summary>The error of an operation ended, or refused, because this reactor is shutting down.</summary>
    internal UringException ShutdownError(string operation, int fd, object? buffer)
        => new(Errno.ECANCELED, operation, fd, $"Reactor {Id} was shut down (Dispose) while the operation was pending or starting; nothing more runs on it. Start new work on a live reactor.") { Buffer = buffer };

    /// <summary>The fault injector, when <see cref="ReactorOptions.FaultInjection"/> is set (its counts say what it did).</summary>
    internal FaultInjector? FaultInjector { get; }

    /// <summary>Operations that had not completed when the reactor was disposed; their memory was leaked on purpose.</summary>
    public int LeakedOperations { get; private set; }
}
