using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using UringSafe.Abi;
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
    private const ulong InternalTag = 1UL << 63;
    private const ulong WakeTag = InternalTag | 1;
    private const ulong IgnoreTag = InternalTag | 2;
    private const ulong MessageTag = InternalTag | 3;
    private const int OperationScratchSize = 112;
    private const int ScratchStride = 128; // op scratch, then the link-timeout timespec

    [ThreadStatic] private static UringReactor? t_current;

    private readonly Ring _ring;
    private readonly OperationSlot?[] _slots;
    private readonly uint[] _generations;
    private readonly Stack<int> _freeSlots;
    private readonly byte* _scratch;
    private readonly ulong* _wakeBuffer;
    private readonly int _wakeFd;
    private readonly int _ownerThreadId;
    private readonly TimeSpan _shutdownTimeout;
    private readonly Queue<WorkItem> _local = new();
    private readonly ConcurrentQueue<WorkItem> _remote = new();
    private readonly SendOrPostCallback _submitCancel;
    private int _sleeping;
    private int _inFlight;
    private bool _disposed;
    private Exception? _unhandled;

    private readonly record struct WorkItem(SendOrPostCallback Callback, object? State);

    /// <summary>Creates a reactor bound to the calling thread.</summary>
    public UringReactor(ReactorOptions? options = null)
    {
        options ??= new ReactorOptions();
        if (t_current is not null)
            throw new InvalidOperationException("This thread already runs a UringReactor; use one reactor per thread.");
        _ring = CreateRing(options);
        _ownerThreadId = Environment.CurrentManagedThreadId;
        _shutdownTimeout = options.ShutdownTimeout;
        int max = options.MaxInFlight;
        _slots = new OperationSlot?[max];
        _generations = new uint[max];
        _freeSlots = new Stack<int>(max);
        for (int i = max - 1; i >= 0; i--)
            _freeSlots.Push(i);
        _scratch = (byte*)NativeMemory.AlignedAlloc((nuint)(max * ScratchStride), 64);
        _wakeBuffer = (ulong*)NativeMemory.AlignedAlloc(8, 8);
        _wakeFd = eventfd(0, EFD_CLOEXEC);
        if (_wakeFd < 0)
            throw new UringException(errno, "eventfd", hint: "The reactor needs an eventfd to be woken by other threads.");
        _submitCancel = s => SubmitCancel((ulong)s!);
        SynchronizationContext = new ReactorSynchronizationContext(this);
        Scheduler = new ReactorTaskScheduler(this);
        t_current = this;
        ArmWake();
    }

    private static Ring CreateRing(ReactorOptions options)
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

    /// <summary>The reactor's ring (for registration; don't submit on it directly while the reactor runs).</summary>
    public Ring Ring => _ring;

    /// <summary>Operations submitted and not yet finally completed.</summary>
    public int InFlight => _inFlight;

    /// <summary>Posts continuations to this reactor's loop.</summary>
    public SynchronizationContext SynchronizationContext { get; }

    /// <summary>Runs tasks on this reactor's loop.</summary>
    public TaskScheduler Scheduler { get; }

    /// <summary>True when called on this reactor's thread.</summary>
    public bool IsOnReactorThread => Environment.CurrentManagedThreadId == _ownerThreadId;

    private void ThrowIfNotOwner()
    {
        if (!IsOnReactorThread)
            throw new InvalidOperationException("This UringReactor belongs to another thread; start operations from work running on it (Spawn or Post).");
        if (_disposed)
            throw new ObjectDisposedException(nameof(UringReactor), "The reactor was disposed; no more operations can start on it.");
    }

    /// <summary>
    /// Starts an operation: its buffers are lent now and handed back in the result (or on the exception) only after
    /// the kernel's final completion. With a <paramref name="timeout"/>, a linked timeout cancels it (UringTimeoutException).
    /// </summary>
    public ValueTask<TResult> Execute<TOp, TResult>(in TOp operation, CancellationToken cancellationToken = default, TimeSpan timeout = default)
        where TOp : struct, IUringOperation<TResult>
    {
        ThrowIfNotOwner();
        int needed = timeout > TimeSpan.Zero ? 2 : 1;
        if (_ring.SqSpaceLeft < needed)
        {
            Metrics.SqFullWait();
            _ring.Submit();
            if (_ring.SqSpaceLeft < needed)
                return Refuse<TOp, TResult>(operation, "the submission queue is full and the kernel consumed nothing (its completion queue is backed up); await some operations first");
        }
        if (!_freeSlots.TryPop(out int slot))
            return Refuse<TOp, TResult>(operation, $"{_slots.Length} operations are already in flight on this reactor (ReactorOptions.MaxInFlight); await some first or raise the limit");

        var source = OperationSource<TOp, TResult>.Rent(this);
        ulong userData = ((ulong)_generations[slot] << 32) | (uint)slot;
        source.UserData = userData;
        source.Operation = operation;
        byte* scratch = _scratch + (nint)slot * ScratchStride;
        new Span<byte>(scratch, ScratchStride).Clear();
        Sqe sqe = default;
        try
        {
            source.Operation.Prepare(ref sqe, new OperationContext(_ring, scratch, OperationScratchSize));
        }
        catch
        {
            _freeSlots.Push(slot);
            throw;
        }
        sqe.UserData = userData;
        if (needed == 2)
            sqe.Flags |= SqeFlags.IoLink;
        _ring.TryPush(in sqe);
        if (needed == 2)
        {
            var ts = (KernelTimespec*)(scratch + OperationScratchSize);
            *ts = KernelTimespec.From(timeout);
            new LinkTimeout((nint)ts).UserData(IgnoreTag).WriteTo(ref _ring.GetSqe());
        }
        _slots[slot] = source;
        _inFlight++;
        source.Opcode = sqe.Opcode;
        Metrics.OperationSubmitted(sqe.Opcode);
        source.Start(in sqe, cancellationToken, timeout);
        return new ValueTask<TResult>(source, source.Version);
    }

    /// <summary>
    /// An operation that could not be submitted fails like any other: with EAGAIN, asynchronously, and with its
    /// (never lent) buffer on the exception, so the caller's usual catch takes it back and nothing leaks.
    /// </summary>
    private static ValueTask<TResult> Refuse<TOp, TResult>(TOp operation, string why)
        where TOp : struct, IUringOperation<TResult>
    {
        object? buffer = operation.Release(-Errno.EAGAIN);
        Exception error = operation.MapError(Errno.EAGAIN, "Submit", -1, buffer)
            ?? new UringException(Errno.EAGAIN, "Submit", -1, $"Not submitted: {why}.") { Buffer = buffer };
        return ValueTask.FromException<TResult>(error);
    }

    /// <summary>Called from any thread when an operation's token is cancelled.</summary>
    internal void RequestCancel(ulong userData) => Post(_submitCancel, userData);

    private void SubmitCancel(ulong userData)
    {
        int index = (int)(uint)userData;
        if (_disposed || (uint)index >= (uint)_slots.Length || _slots[index] is not { } slot || slot.UserData != userData)
            return; // it completed meanwhile
        slot.CancelRequested = true;
        Metrics.Cancelled();
        new AsyncCancel(userData).UserData(IgnoreTag).WriteTo(ref _ring.GetSqeOrSubmit());
    }

    /// <summary>Queues <paramref name="callback"/> to run on the reactor thread. Safe from any thread.</summary>
    public void Post(SendOrPostCallback callback, object? state)
    {
        if (t_current == this)
        {
            _local.Enqueue(new WorkItem(callback, state));
            return;
        }
        _remote.Enqueue(new WorkItem(callback, state));
        if (Interlocked.Exchange(ref _sleeping, 0) == 1)
            Wake();
    }

    private void Wake()
    {
        // From another reactor, message our ring directly (IORING_OP_MSG_RING); from any other thread, the eventfd.
        if (t_current is { } from && !from._disposed && from != this)
        {
            from.SendMessage(this);
            return;
        }
        WakeByEventFd();
    }

    private void SendMessage(UringReactor target)
        => new MsgRing(target._ring.RingFd, 0, MessageTag).UserData(MessageTag).WriteTo(ref _ring.GetSqeOrSubmit());

    private void ArmWake() => new Read(_wakeFd, (nint)_wakeBuffer, 8).UserData(WakeTag).WriteTo(ref _ring.GetSqeOrSubmit());

    /// <summary>Runs posted work, submits, waits (if <paramref name="mayBlock"/> and idle) and dispatches completions.</summary>
    internal void RunOnce(bool mayBlock, Task? until = null)
    {
        while (_remote.TryDequeue(out WorkItem item))
            _local.Enqueue(item);
        RunLocal();
        // Never block once the awaited task is done: nothing else may ever complete to wake us.
        if (mayBlock && _local.Count == 0 && until is not { IsCompleted: true })
        {
            Interlocked.Exchange(ref _sleeping, 1);
            if (_remote.IsEmpty)
                _ring.SubmitAndWait(1);
            else
                _ring.Submit();
            Volatile.Write(ref _sleeping, 0);
        }
        else
        {
            _ring.Submit();
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
                _unhandled ??= e;
            }
        }
    }

    private void DispatchCompletions()
    {
        foreach (ref readonly Cqe cqe in _ring.Completions())
            Dispatch(cqe.UserData, cqe.Result, cqe.Flags);
    }

    private void Dispatch(ulong userData, int result, CqeFlags flags)
    {
        if ((userData & InternalTag) != 0)
        {
            if (userData == WakeTag && !_disposed)
                ArmWake();
            else if (userData == MessageTag && result < 0)
                WakeByEventFd(); // the target could not be messaged: fall back so it is never left asleep
            return;
        }
        int index = (int)(uint)userData;
        if ((uint)index >= (uint)_slots.Length || _slots[index] is not { } slot || slot.UserData != userData)
            return; // a completion for an operation that is gone (generation mismatch): never misrouted
        bool final = (flags & CqeFlags.More) == 0;
        if (final)
        {
            _slots[index] = null;
            _generations[index]++;
            _freeSlots.Push(index);
            _inFlight--;
            Metrics.OperationCompleted(slot.Opcode);
        }
        slot.OnCompletion(result, flags, final);
    }

    private void WakeByEventFd()
    {
        ulong one = 1;
        write(_wakeFd, &one, 8);
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
                task.ContinueWith(static (_, s) => ((UringReactor)s!).Post(static _ => { }, null), this, TaskContinuationOptions.ExecuteSynchronously);
            while (!task.IsCompleted)
            {
                RunOnce(mayBlock: true, until: task);
                if (_unhandled is { } e)
                {
                    _unhandled = null;
                    throw new AggregateException("Work posted to the reactor threw.", e);
                }
            }
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
        task.GetAwaiter().GetResult();
    }

    /// <summary>Runs <paramref name="work"/> on this reactor's loop (from any thread) and returns its task.</summary>
    public Task Spawn(Func<Task> work)
        => Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, Scheduler).Unwrap();

    /// <summary>Runs <paramref name="work"/> on this reactor's loop (from any thread) and returns its task.</summary>
    public Task<T> Spawn<T>(Func<Task<T>> work)
        => Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, Scheduler).Unwrap();

    /// <summary>
    /// Cancels every operation in flight and waits (bounded by <see cref="ReactorOptions.ShutdownTimeout"/>) for their
    /// final completions, so their buffers go back to their owners. Operations still running after that keep their
    /// buffers forever (they are leaked, never freed), then the ring is unmapped. Call on the reactor thread.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        if (!IsOnReactorThread)
            throw new InvalidOperationException("Dispose a UringReactor on its own thread (its ring is single-issuer).");
        if (_inFlight > 0)
        {
            new AsyncCancel(0).CancelFlags(CancelFlags.Any | CancelFlags.All).UserData(IgnoreTag).WriteTo(ref _ring.GetSqeOrSubmit());
            long deadline = Environment.TickCount64 + (long)_shutdownTimeout.TotalMilliseconds;
            while (_inFlight > 0 && Environment.TickCount64 < deadline)
            {
                _ring.SubmitAndWait(1, TimeSpan.FromMilliseconds(50));
                DispatchCompletions();
                RunLocal();
            }
        }
        _disposed = true;
        LeakedOperations = _inFlight;
        _ring.Dispose();
        close(_wakeFd);
        if (_inFlight == 0)
        {
            NativeMemory.AlignedFree(_scratch);
            NativeMemory.AlignedFree(_wakeBuffer);
        }
        t_current = null;
    }

    /// <summary>Operations that had not completed when the reactor was disposed; their memory was leaked on purpose.</summary>
    public int LeakedOperations { get; private set; }
}
