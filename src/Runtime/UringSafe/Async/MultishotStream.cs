using System.Threading.Tasks.Sources;
using UringSafe.Abi;

namespace UringSafe.Async;

/// <summary>
/// The one multishot primitive (multishot accept, multishot recv), as Pipelines has one <c>PipeAwaitable</c>: one
/// armed request whose completions become items, handed to the single waiter or queued (bounded) until one asks.
/// It owns the queue, the waiter, pause (cancel the request when the queue is full) and resume, token cancellation of
/// a wait (the request stays armed; later items are kept), and re-arming, which never throws out of the completion
/// loop. The request holds a reference to its <see cref="SharedFd"/>, so closing the fd cancels it first.
/// </summary>
internal abstract class MultishotStream<TItem> : OperationSlot, IValueTaskSource<TItem>, IMultishot
{
    /// <summary>What a completion means.</summary>
    protected enum Outcome : byte
    {
        /// <summary>An item for the reader.</summary>
        Item,
        /// <summary>Nothing for the reader (a cancel of ours, a skipped completion).</summary>
        Nothing,
        /// <summary>The stream ended normally (the peer closed): readers get the end-of-stream item from now on.</summary>
        End,
        /// <summary>The stream failed for good: readers get <see cref="FaultFor"/> once the queue is drained.</summary>
        Fault,
        /// <summary>A passing shortage (no buffers, EMFILE): don't re-arm now; the subclass calls <see cref="Resume"/>.</summary>
        Later,
    }

    private readonly UringReactor _reactor;
    private readonly Queue<TItem> _queue = new();
    private readonly int _maxQueued;
    private ManualResetValueTaskSourceCore<TItem> _core;
    private CancellationTokenRegistration _registration;
    private CancellationToken _token;
    private bool _waiting, _paused, _held, _stopped, _ended, _later, _retryPosted;
    private int _faultErrno;

    protected MultishotStream(UringReactor reactor, SharedFd fd, int maxQueued)
    {
        _reactor = reactor;
        _maxQueued = Math.Max(1, maxQueued);
        Fd = fd;
    }

    protected UringReactor Reactor => _reactor;

    /// <summary>Items queued for the next reads.</summary>
    public int Queued => _queue.Count;

    /// <summary>Fills the multishot SQE.</summary>
    protected abstract void PrepareArm(ref Sqe sqe);

    /// <summary>Turns a completion into an item (or says what else it means).</summary>
    protected abstract Outcome Classify(int result, CqeFlags flags, out TItem item);

    /// <summary>Disposes of an item nobody will take (the stream stopped): close the fd, return the buffer.</summary>
    protected abstract void Discard(TItem item);

    /// <summary>The exception for a stream that failed with <paramref name="errno"/>.</summary>
    protected abstract Exception FaultFor(int errno);

    /// <summary>The stream's failure, naming its descriptor (as every operation's error does).</summary>
    private Exception Fault(int errno) => WithFdContext(FaultFor(errno), errno);

    /// <summary>What a read gets once the stream is stopped: an exception, or null for the end-of-stream item.
    /// <paramref name="pending"/> tells whether the read was waiting when it stopped, or started after.</summary>
    protected abstract Exception? StoppedError(bool pending);

    /// <summary>What a read gets once the stream can't go on: stopped by its owner, or its reactor shutting down.</summary>
    private Exception? EndedError(bool pending)
        => !_stopped && !_ended && _reactor.IsShuttingDown ? _reactor.ShutdownError(Opcode.ToString(), Fd?.Raw ?? -1, null) : StoppedError(pending);

    /// <summary>Called when <see cref="Stop"/> runs, before queued items are discarded.</summary>
    protected virtual void OnStopping()
    {
    }

    /// <summary>False while the subclass can't arm yet (no buffers); it calls <see cref="Resume"/> when it can.</summary>
    protected virtual bool CanArm => true;

    // Never (re-)armed once its reactor began shutting down: the shutdown's cancel-all would not reach a new request.
    private bool Done => _stopped || _ended || Fd is { IsClosing: true } || _reactor.IsShuttingDown;

    /// <summary>The next item: a queued one at once, else the next completion's.</summary>
    public ValueTask<TItem> NextAsync(CancellationToken cancellationToken)
    {
        if (_waiting)
            throw new InvalidOperationException("A read is already pending on this stream; await it before starting another.");
        if (_queue.TryDequeue(out TItem? ready))
        {
            if (_paused && _queue.Count < Math.Max(1, _maxQueued / 2))
            {
                _paused = false;
                TryArm();
            }
            return new ValueTask<TItem>(ready);
        }
        if (_faultErrno != 0)
            return ValueTask.FromException<TItem>(Fault(_faultErrno));
        if (Done)
            return EndedError(pending: false) is { } stopped ? ValueTask.FromException<TItem>(stopped) : new ValueTask<TItem>(default(TItem)!);
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<TItem>(cancellationToken);
        _paused = false;
        _waiting = true;
        _reactor.ReadPending(this);
        _token = cancellationToken;
        if (cancellationToken.CanBeCanceled)
            _registration = cancellationToken.UnsafeRegister(static s => ((MultishotStream<TItem>)s!).OnTokenCancelled(), this);
        TryArm();
        return new ValueTask<TItem>(this, _core.Version);
    }

    /// <summary>Arms the request if it should run and isn't armed. Never throws: a refusal retries on the next loop
    /// turn, a failure fails the waiting read. Once nothing can be armed any more (stopped, ended, the fd closing, the
    /// reactor shutting down), a read still waiting ends here: no completion would ever come for it.</summary>
    protected void TryArm()
    {
        if (IsLive)
            return;
        if (Done)
        {
            if (_waiting)
                Deliver(default!, EndedError(pending: true));
            return;
        }
        if (_paused || _held || _later || _faultErrno != 0 || !CanArm)
            return;
        UringReactor.Refusal refusal;
        Sequence++; // a pause or stop cancels this arming, not an earlier one
        try
        {
            refusal = _reactor.TrySubmit(this);
        }
        catch (Exception e)
        {
            Deliver(default!, e);
            return;
        }
        if (refusal == UringReactor.Refusal.None)
        {
            Fd!.AddRef();
            return;
        }
        if (!_retryPosted)
        {
            _retryPosted = true;
            _reactor.TryPost(static s =>
            {
                var self = (MultishotStream<TItem>)s!;
                self._retryPosted = false;
                if (self._waiting)
                    self.TryArm();
            }, this); // refused only once the reactor ended: there is nothing to arm on then
        }
    }

    /// <summary>The shortage behind <see cref="Outcome.Later"/> is over: arm again if someone reads or nothing is queued.</summary>
    protected void Resume()
    {
        _later = false;
        if (_waiting || (_queue.Count == 0 && !_paused))
            TryArm();
    }

    /// <summary>The reader's back-pressure: cancels the armed request and arms none until <see cref="Unhold"/>. What the
    /// kernel posted before the cancel landed still reaches the reader; after that a read waits. Reactor thread.</summary>
    public void Hold()
    {
        _held = true;
        if (IsLive && !CancelRequested)
            _reactor.RequestCancel(this, Sequence);
    }

    /// <summary>Ends <see cref="Hold"/>: arms again if someone reads or nothing is queued. Reactor thread.</summary>
    public void Unhold()
    {
        _held = false;
        if (_waiting || (_queue.Count == 0 && !_paused))
            TryArm();
    }

    /// <summary>Stops the stream: cancels the request, discards queued items, ends a pending read. Idempotent; from
    /// another thread it is carried out on the reactor.</summary>
    public void Stop()
    {
        if (!_reactor.IsOnReactorThread && !_reactor.IsDisposed)
        {
            // Its state belongs to the reactor thread. Refused once the reactor ended: its request is gone with it.
            if (_reactor.TryPost(static s => ((MultishotStream<TItem>)s!).Stop(), this))
                return;
        }
        if (_stopped)
            return;
        _stopped = true;
        OnStopping();
        if (IsLive)
            _reactor.RequestCancel(this, Sequence);
        while (_queue.TryDequeue(out TItem? item))
            Discard(item);
        if (_waiting)
            Deliver(default!, StoppedError(pending: true));
    }

    internal override void Prepare(ref Sqe sqe, in OperationContext context) => PrepareArm(ref sqe);

    internal override void OnCompletion(int result, CqeFlags flags, bool final)
    {
        Outcome outcome = Classify(result, flags, out TItem item);
        switch (outcome)
        {
            case Outcome.Item:
                if (_stopped || Fd is { IsClosing: true })
                {
                    Discard(item);
                }
                else if (_waiting)
                {
                    Deliver(item, null);
                }
                else
                {
                    _queue.Enqueue(item);
                    if (_queue.Count >= _maxQueued && !_paused && IsLive && !final)
                    {
                        _paused = true; // nobody reads: stop taking connections/buffers until the queue drains
                        _reactor.RequestCancel(this, Sequence);
                    }
                }
                break;
            case Outcome.End:
                _ended = true;
                if (_waiting)
                    Deliver(default!, null);
                break;
            case Outcome.Fault:
                _faultErrno = -result;
                if (_waiting)
                    Deliver(default!, Fault(_faultErrno));
                break;
            case Outcome.Later:
                _later = true;
                break;
        }
        if (!final)
            return;
        CancelRequested = false;
        Fd!.Release();
        TryArm(); // the kernel ended the request (an overflow, a pause we no longer want...): keep going if wanted, or end the read
    }

    void IMultishot.OnReactorShuttingDown() => TryArm(); // armed: its final completion ends the read; else it ends now

    private void OnTokenCancelled()
    {
        short version = _core.Version;
        _reactor.TryPost(static s =>
        {
            var (self, v) = ((MultishotStream<TItem>, short))s!;
            if (self._waiting && self._core.Version == v)
            {
                self._waiting = false;
                self._reactor.ReadEnded(self);
                self._registration = default;
                // Nothing was taken for this read; what arrives later is queued for the next one.
                self._core.SetException(new OperationCanceledException("The read was cancelled; what arrives later is kept for the next read.", self._token));
            }
        }, (this, version));
    }

    private void Deliver(TItem item, Exception? error)
    {
        if (!_waiting)
            return;
        _waiting = false;
        _reactor.ReadEnded(this);
        _registration.Dispose();
        _registration = default;
        if (error is null)
            _core.SetResult(item);
        else
            _core.SetException(error);
    }

    public TItem GetResult(short token)
    {
        if (token != _core.Version)
            throw new InvalidOperationException("This ValueTask was already awaited; a ValueTask from a multishot read can be consumed once.");
        if (_core.GetStatus(token) == ValueTaskSourceStatus.Pending)
            throw new InvalidOperationException("The read has not completed: await it instead of taking .Result.");
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, Continuations.Adjust(_reactor, flags));
}
