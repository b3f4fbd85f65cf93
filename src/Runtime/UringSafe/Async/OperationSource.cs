using System.Runtime.ExceptionServices;
using System.Threading.Tasks.Sources;
using UringSafe.Abi;

namespace UringSafe.Async;

/// <summary>
/// The pooled <see cref="IValueTaskSource{TResult}"/> behind every one-result operation (files, sockets, timers,
/// connect, close...). It owns the operation struct (and so the lent buffer) and a reference to the fd owner from
/// submission to the final completion, and hands the buffer back only then. It handles:
/// <list type="bullet">
/// <item>several CQEs per request: a first one with IORING_CQE_F_MORE (a zero-copy send's byte count), then the final
/// notification;</item>
/// <item>resubmission after a short transfer (<see cref="IResubmittingOperation"/>), checking for a cancel each round;</item>
/// <item>link timeouts, token cancellation, the operation's ErrorMapper, and refusal (EAGAIN, carrying the buffer,
/// with the buffer's state untouched);</item>
/// <item>closing an fd produced by an operation whose awaiter was cancelled.</item>
/// </list>
/// One pool per reactor and operation type: steady state allocates nothing.
/// </summary>
internal sealed class OperationSource<TOp, TResult> : OperationSlot, IValueTaskSource<TResult>
    where TOp : struct, IUringOperation<TResult>
{
    private ManualResetValueTaskSourceCore<TResult> _core; // the general path: other threads, other contexts
    // The reactor-thread path (see OnCompleted): an awaiter on the reactor thread under its context is resumed by a
    // direct call, with the result kept here, instead of through _core's captures, flag checks and interlocked handshake.
    private Action<object?>? _inlineContinuation;
    private object? _inlineState;
    private InlineOutcome _inline;
    private bool _finished;
    private bool _awaitedInCore;
    private TResult? _result;
    private Exception? _error;
    private TOp _op;
    private UringReactor? _reactor;
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;
    private int _sqeFd;
    private bool _hasFirst;
    private int _firstResult;
    private CqeFlags _firstFlags;

    public static OperationSource<TOp, TResult> Rent(UringReactor reactor, in TOp operation)
    {
        var source = reactor.Pool<OperationSource<TOp, TResult>>().TryPop() ?? new OperationSource<TOp, TResult>();
        source._reactor = reactor;
        source._op = operation;
        source.Sequence++;
        return source;
    }

    private void Recycle()
    {
        UringReactor reactor = _reactor!;
        _core.Reset();
        _inline = InlineOutcome.None;
        _finished = false;
        _awaitedInCore = false;
        _result = default;
        _error = null;
        _op = default;
        _token = default;
        _reactor = null;
        Fd = null;
        Sequence++; // a late cancel for the finished operation finds another sequence and does nothing
        // The pool is the reactor's and lock-free: a result taken on another thread leaves this object to the GC.
        if (reactor.IsOnReactorThread)
            reactor.Pool<OperationSource<TOp, TResult>>().Push(this);
    }

    /// <summary>Submits the operation through the reactor's one submit path.</summary>
    public ValueTask<TResult> Start(SharedFd? fd, CancellationToken token, TimeSpan timeout)
    {
        UringReactor reactor = _reactor!;
        Timeout = timeout;
        CancelRequested = false;
        _hasFirst = false;
        Fd = fd;
        _token = token;
        if (fd is not null && !fd.TryUseOn(reactor))
            return FailToStart(new DescriptorClosedException(fd.Description, _op.Release(-Errno.EBADF)));
        UringReactor.Refusal refusal;
        try
        {
            refusal = reactor.TrySubmit(this);
        }
        catch
        {
            // Prepare threw (an invalid argument): nothing was queued, and the operation left its buffer as it was.
            Recycle();
            throw;
        }
        if (refusal != UringReactor.Refusal.None)
            return Refuse(refusal);
        fd?.AddRef();
        if (token.CanBeCanceled)
            _registration = token.UnsafeRegister(static s => ((OperationSource<TOp, TResult>)s!).OnTokenCancelled(), this);
        return new ValueTask<TResult>(this, _core.Version);
    }

    /// <summary>
    /// An operation that could not be submitted fails like any other: with EAGAIN, asynchronously, with its buffer on
    /// the exception. It was never prepared, so its buffer's state (lent elsewhere or not) is exactly as it was.
    /// </summary>
    private ValueTask<TResult> Refuse(UringReactor.Refusal refusal)
    {
        UringReactor reactor = _reactor!;
        object? buffer = _op.Release(-Errno.EAGAIN);
        if (refusal == UringReactor.Refusal.ShuttingDown)
            return FailToStart(reactor.ShutdownError("Submit", -1, buffer)); // not a passing shortage: no EAGAIN to retry on
        string why = UringReactor.Describe(refusal, reactor.MaxInFlight);
        Exception error;
        try
        {
            error = _op.MapError(Errno.EAGAIN, "Submit", -1, buffer) ?? new UringException(Errno.EAGAIN, "Submit", -1, $"Not submitted: {why}.") { Buffer = buffer };
        }
        catch (Exception e)
        {
            error = e;
        }
        return FailToStart(error);
    }

    private ValueTask<TResult> FailToStart(Exception error)
    {
        Recycle();
        return ValueTask.FromException<TResult>(error);
    }

    internal override void Prepare(ref Sqe sqe, in OperationContext context)
    {
        _op.Prepare(ref sqe, context);
        _sqeFd = (sqe.Flags & SqeFlags.FixedFile) != 0 ? -1 : sqe.Fd;
    }

    internal override string? DescribeBuffer()
    {
        try
        {
            return _op.DescribeBuffer(); // a copy of the operation (boxed): safe to read from another thread
        }
        catch (Exception)
        {
            return null; // torn by a concurrent completion: diagnostics are best effort
        }
    }

    private void OnTokenCancelled()
    {
        // May run on any thread. The registration is disposed before the operation finishes (and that waits for a
        // running callback), so Sequence still names this operation here.
        _reactor!.RequestCancel(this, Sequence);
    }

    internal override void OnCompletion(int result, CqeFlags flags, bool final)
    {
        if (!final)
        {
            // The first of several CQEs (a zero-copy send's byte count): the buffer stays the kernel's until the last.
            if (!_hasFirst)
            {
                _hasFirst = true;
                _firstResult = result;
                _firstFlags = flags;
            }
            return;
        }
        if (_hasFirst)
        {
            if ((flags & CqeFlags.Notification) != 0)
            {
                result = _firstResult;
                flags = _firstFlags;
            }
            _hasFirst = false;
        }
        if (result > 0 && _op is IResubmittingOperation && _op.TryContinue(result))
        {
            // More to do with the same lent buffer (a short send of a WriteAll): go round again, unless a cancel was
            // asked for (by the token, or by a close of the fd) while the last round ran.
            if (CancelRequested || _token.IsCancellationRequested || Fd is { IsClosing: true })
            {
                result = -Errno.ECANCELED;
            }
            else
            {
                UringReactor.Refusal refusal;
                try
                {
                    refusal = _reactor!.TrySubmit(this);
                }
                catch (Exception e)
                {
                    Fail(e);
                    return;
                }
                if (refusal == UringReactor.Refusal.None)
                    return;
                result = -Errno.EAGAIN;
            }
        }
        Finish(result, flags);
    }

    private void Finish(int result, CqeFlags flags)
    {
        _registration.Dispose();
        _registration = default;
        if (result == -Errno.ETIME && Opcode == IoUringOpcode.Timeout)
            result = 0; // an expired timeout is the success of a Delay
        if (result >= 0 && ProducesFd && CancelRequested && _token.IsCancellationRequested)
        {
            // The fd arrived after the caller cancelled: nobody will own it, so close it instead of leaking it.
            SharedFd.CloseOrphan(result);
            result = -Errno.ECANCELED;
        }
        if (result >= 0)
        {
            TResult value;
            try
            {
                value = _op.Complete(result, flags);
            }
            catch (Exception e)
            {
                ReleaseFd();
                SetException(e);
                return;
            }
            ReleaseFd();
            SetResult(value);
            return;
        }
        object? buffer = _op.Release(result);
        Exception error = ErrorFor(result, buffer); // before ReleaseFd: the error reads the fd owner
        ReleaseFd();
        SetException(error);
    }

    private enum InlineOutcome : byte
    {
        None,      // pending, or the outcome is in _core
        Succeeded,
        Faulted,
        Canceled,
    }

    private void SetResult(TResult value) => Settle(value, null);

    private void SetException(Exception error) => Settle(default, error);

    // Completions run on the reactor thread only, as does the inline registration: no race between the two.
    private void Settle(TResult? value, Exception? error)
    {
        _finished = true;
        if (_inlineContinuation is not { } continuation)
        {
            if (error is null)
                _core.SetResult(value!);
            else
                _core.SetException(error);
            return;
        }
        _result = value;
        _error = error;
        _inline = error is null ? InlineOutcome.Succeeded : error is OperationCanceledException ? InlineOutcome.Canceled : InlineOutcome.Faulted;
        object? state = _inlineState;
        _inlineContinuation = null;
        _inlineState = null;
        continuation(state);
    }

    /// <summary>The exception for a failed final completion, naming the file or socket it acted on (the one place
    /// errors of operations are built).</summary>
    private Exception ErrorFor(int result, object? buffer)
    {
        return WithFdContext(ErrorWithoutContext(result, buffer), -result);
    }

    private Exception ErrorWithoutContext(int result, object? buffer)
    {
        string operation = Opcode.ToString();
        bool cancelled = result is -Errno.ECANCELED or -Errno.EINTR;
        // Who cancelled, most specific first: the caller's token, a close of the fd, the reactor's shutdown, and only
        // then the link timeout (a close or shutdown cancel ends a timed operation with ECANCELED too).
        if (cancelled && _token.IsCancellationRequested)
            return new UringOperationCanceledException(operation, buffer, _token);
        if (cancelled && Fd is { IsClosing: true })
        {
            return MapError(-result, operation, buffer)
                ?? new UringException(-result, operation, _sqeFd, $"'{Fd.Description}' was closed while the operation was pending.") { Buffer = buffer };
        }
        if (cancelled && _reactor!.IsShuttingDown)
            return _reactor.ShutdownError(operation, _sqeFd, buffer);
        if (cancelled && Timeout > TimeSpan.Zero && !CancelRequested)
            return new UringTimeoutException(operation, Timeout, buffer);
        // An opcode the driver lacks (this kernel, an override, or the userspace ring) fails with the typed error.
        return MapError(-result, operation, buffer)
            ?? _reactor!.RingDriver.UnsupportedOrNull(Opcode, UserData, -result, _sqeFd, buffer)
            ?? UringException.FromResult(result, Opcode, _sqeFd, buffer);
    }

    /// <summary>A resubmission failed to prepare: give the buffer back on the exception.</summary>
    private void Fail(Exception e)
    {
        _registration.Dispose();
        _registration = default;
        object? buffer = _op.Release(-Errno.ECANCELED);
        Exception error = WithFdContext(
            new UringException(Errno.ECANCELED, Opcode.ToString(), _sqeFd, "Resubmitting after a short transfer failed: " + e.Message) { Buffer = buffer },
            Errno.ECANCELED);
        ReleaseFd();
        SetException(error);
    }

    private void ReleaseFd()
    {
        SharedFd? fd = Fd;
        Fd = null;
        fd?.Release();
    }

    /// <summary>The operation's own exception for an error (ErrorMapper), or null. A mapper that throws fails the
    /// operation with what it threw rather than the reactor loop.</summary>
    private Exception? MapError(int errno, string operation, object? buffer)
    {
        try
        {
            return _op.MapError(errno, operation, _sqeFd, buffer);
        }
        catch (Exception e)
        {
            return e;
        }
    }

    public TResult GetResult(short token)
    {
        // Misuse (.Result on a pending ValueTask, or a second await) must not recycle a live operation.
        if (token != _core.Version)
            throw new InvalidOperationException("This ValueTask was already awaited (or its result taken); a ValueTask from a UringSafe operation can be consumed once.");
        InlineOutcome inline = _inline;
        if (inline == InlineOutcome.None && _core.GetStatus(token) == ValueTaskSourceStatus.Pending)
            throw new InvalidOperationException(
                "The operation has not completed: .Result or .GetAwaiter().GetResult() on a pending ValueTask does not wait. Await it instead; " +
                "blocking the reactor thread would stop the completion from ever arriving.");
        try
        {
            if (inline == InlineOutcome.None)
                return _core.GetResult(token);
            if (inline != InlineOutcome.Succeeded)
                ExceptionDispatchInfo.Throw(_error!);
            return _result!;
        }
        finally
        {
            Recycle();
        }
    }

    public ValueTaskSourceStatus GetStatus(short token)
    {
        if (token != _core.Version || _inline == InlineOutcome.None)
            return _core.GetStatus(token); // throws for a stale token, as before
        return _inline switch
        {
            InlineOutcome.Succeeded => ValueTaskSourceStatus.Succeeded,
            InlineOutcome.Canceled => ValueTaskSourceStatus.Canceled,
            _ => ValueTaskSourceStatus.Faulted,
        };
    }

    /// <summary>
    /// The await. On the reactor thread, with no ExecutionContext to flow and the reactor's own scheduling context (or
    /// none asked for), the continuation would run on this thread anyway: it is kept and called directly when the final
    /// completion is dispatched (this thread too), with no context capture and no interlocked handshake. Anything else
    /// (another thread, another context, an operation already finished) takes the general path.
    /// </summary>
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        UringReactor? reactor = _reactor;
        if (_inlineContinuation is not null && token == _core.Version)
            throw new InvalidOperationException("This ValueTask is already being awaited; a ValueTask from a UringSafe operation can be awaited once.");
        if (token == _core.Version && !_finished && !_awaitedInCore
            && (flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) == 0
            && reactor is not null && reactor.IsOnReactorThread
            && ((flags & ValueTaskSourceOnCompletedFlags.UseSchedulingContext) == 0 || SynchronizationContext.Current == reactor.SynchronizationContext))
        {
            _inlineContinuation = continuation;
            _inlineState = state;
            return;
        }
        if (token == _core.Version)
            _awaitedInCore = true; // a second await, even on this thread, now meets _core's own check
        _core.OnCompleted(continuation, state, token, Continuations.Adjust(reactor, flags));
    }
}
