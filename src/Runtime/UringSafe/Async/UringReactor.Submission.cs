using UringSafe.Abi;
using UringSafe.Diagnostics;
using UringSafe.Raw;
using UringSafe.Raw.Ops;

namespace UringSafe.Async;

public sealed unsafe partial class UringReactor
{
    /// <summary>
    /// Starts an operation: its buffers are lent now and handed back in the result (or on the exception) only after
    /// the kernel's final completion. With a <paramref name="timeout"/>, a linked timeout cancels it (UringTimeoutException).
    /// </summary>
    public ValueTask<TResult> Execute<TOp, TResult>(in TOp operation, CancellationToken cancellationToken = default, TimeSpan timeout = default)
        where TOp : struct, IUringOperation<TResult>
        => Execute<TOp, TResult>(operation, null, cancellationToken, timeout);

    /// <summary>
    /// Starts an operation on the descriptor <paramref name="fd"/> owns: the operation holds a reference to it until its
    /// final completion, so the number is never closed (and reused) while the kernel may still act on it.
    /// </summary>
    public ValueTask<TResult> Execute<TOp, TResult>(in TOp operation, SharedFd? fd, CancellationToken cancellationToken = default, TimeSpan timeout = default)
        where TOp : struct, IUringOperation<TResult>
    {
        ThrowIfNotOwner();
        var source = OperationSource<TOp, TResult>.Rent(this, operation);
        return source.Start(fd, cancellationToken, timeout);
    }

    /// <summary>Why <see cref="TrySubmit"/> did not submit.</summary>
    internal enum Refusal : byte
    {
        None,
        SubmissionQueueFull,
        MaxInFlight,
        FaultInjected,
        ShuttingDown,
    }

    internal static string Describe(Refusal refusal, int max) => refusal switch
    {
        Refusal.SubmissionQueueFull => "the submission queue is full and the kernel consumed nothing (its completion queue is backed up); await some operations first",
        Refusal.MaxInFlight => $"{max} operations are already in flight on this reactor (ReactorOptions.MaxInFlight); await some first or raise the limit",
        Refusal.ShuttingDown => "the reactor is shutting down (Dispose began); no new operation can start on it",
        _ => "the reactor's fault injection refused it (ReactorOptions.FaultInjection)",
    };

    internal int MaxInFlight => _maxInFlight;

    /// <summary>
    /// The one submit path. Binds <paramref name="slot"/> to a fresh user_data and scratch area, lets it fill its SQE,
    /// queues it (with a linked timeout when <see cref="OperationSlot.Timeout"/> is set) and counts it in flight.
    /// Returns a refusal, with nothing prepared or lent, when the SQ or the in-flight limit has no room; rethrows
    /// what <see cref="OperationSlot.Prepare"/> throws, with nothing queued.
    /// </summary>
    internal Refusal TrySubmit(OperationSlot slot)
    {
        if (_shuttingDown)
            return Refusal.ShuttingDown; // nothing is submitted once Dispose began: the drain would never cancel it
        int needed = slot.Timeout > TimeSpan.Zero ? 2 : 1;
        if (_faults is not null && _faults.RefuseSubmit())
            return Refusal.FaultInjected;
        if (_driver.SqSpaceLeft < needed)
        {
            Metrics.SqFullWait();
            _driver.Submit();
            if (_driver.SqSpaceLeft < needed)
                return Refusal.SubmissionQueueFull;
        }
        if (_maxInFlight > 0 && _inFlight >= _maxInFlight)
            return Refusal.MaxInFlight;

        int index = _slots.Take();
        ulong userData = UserData.ForOperation(_slots.Generation(index), index);
        byte* scratch = _slots.PrepareScratch(index);
        Sqe sqe = default;
        try
        {
            slot.Prepare(ref sqe, new OperationContext(_driver.KernelRing, scratch, SlotTable.OperationScratchSize, _slots.ScratchUsed(index)));
        }
        catch
        {
            _slots.Untake(index);
            throw;
        }
        sqe.UserData = userData;
        IoUringOpcode opcode = sqe.Opcode;
        if (_disabledOpcodes is not null && _disabledOpcodes[(int)opcode])
        {
            // Forced off by an override: the request becomes a NOP that completes with EOPNOTSUPP, through the usual
            // path, so the operation fails with the typed "needs kernel X" error and hands its buffer back.
            sqe = new Nop().UserData(userData).Build();
            slot.ForcedResult = -Errno.EOPNOTSUPP;
            needed = 1;
        }
        if (needed == 2)
            sqe.Flags |= SqeFlags.IoLink;
        _driver.TryPush(in sqe);
        if (needed == 2)
        {
            var ts = (KernelTimespec*)(scratch + SlotTable.OperationScratchSize); // written whole: no clear needed
            *ts = KernelTimespec.From(slot.Timeout);
            _driver.TryPush(new LinkTimeout((nint)ts).UserData(UserData.Ignore).Build()); // room checked above
        }
        slot.UserData = userData;
        slot.IsLive = true;
        slot.Opcode = opcode;
        slot.ProducesFd = opcode is IoUringOpcode.OpenAt or IoUringOpcode.OpenAt2 or IoUringOpcode.Accept or IoUringOpcode.Socket
            && sqe.SpliceFdIn == 0;
        slot.SubmittedAt = _turnStart;
        slot.StallReported = false;
        if (_captureCallSites)
            slot.CallSite = CallSites.Capture();
        if (UringEventSource.Log.OperationsEnabled)
            UringEventSource.Log.Submit(Id, userData, opcode.ToString(), (sqe.Flags & SqeFlags.FixedFile) != 0 ? -1 : sqe.Fd);
        if (_faults is not null)
            slot.ShortTransferSafe = opcode is IoUringOpcode.Read or IoUringOpcode.Write or IoUringOpcode.ReadFixed or IoUringOpcode.WriteFixed
                && sqe.Off != ulong.MaxValue;
        _slots.Bind(index, slot);
        _inFlight++;
        Metrics.OperationSubmitted(opcode);
        _faults?.OnSubmitted(this, slot);
        return Refusal.None;
    }

    /// <summary>
    /// Asks the kernel to cancel <paramref name="slot"/>'s current request if it is still operation
    /// <paramref name="sequence"/> of that pooled object. Safe from any thread; its final completion still goes to it.
    /// </summary>
    internal void RequestCancel(OperationSlot slot, int sequence)
    {
        if (IsOnReactorThread)
        {
            CancelOnOwner(slot, sequence);
            return;
        }
        TryPost(static s =>
        {
            var request = (CancelRequest)s!;
            request.Reactor.CancelOnOwner(request.Slot, request.Sequence);
        }, new CancelRequest(this, slot, sequence)); // refused only once the reactor ended: nothing is left to cancel
    }

    private sealed record CancelRequest(UringReactor Reactor, OperationSlot Slot, int Sequence);

    private void CancelOnOwner(OperationSlot slot, int sequence)
    {
        if (slot.Sequence != sequence)
            return; // that operation is over and the object serves another
        slot.CancelRequested = true; // checked before any resubmission, so a cancel between rounds is not lost
        if (_disposed || !slot.IsLive)
            return;
        Metrics.Cancelled();
        if (UringEventSource.Log.OperationsEnabled)
            UringEventSource.Log.Cancel(Id, slot.UserData);
        SubmitInternal(new AsyncCancel(slot.UserData).UserData(UserData.Ignore).Build());
    }

    /// <summary>Cancels every request on <paramref name="fd"/> (by number and, if registered, by fixed index).</summary>
    internal void CancelFd(int fd, int fixedIndex)
    {
        if (_disposed || !IsOnReactorThread)
            return; // gone (its operations were abandoned), or ending on its own thread (which cancelled them all)
        SubmitInternal(new AsyncCancelFd(fd).CancelFlags(CancelFlags.Fd | CancelFlags.All).UserData(UserData.Ignore).Build());
        if (fixedIndex >= 0)
            SubmitInternal(new AsyncCancelFd(fixedIndex).CancelFlags(CancelFlags.Fd | CancelFlags.All | CancelFlags.FdFixed).UserData(UserData.Ignore).Build());
    }

    /// <summary>
    /// Queues one of the reactor's own requests (wake read, cancel, message, link timeout...). Never throws for a full
    /// ring: what does not fit is kept and queued on the next loop turn, so Close and Dispose never fail on a busy ring.
    /// </summary>
    internal void SubmitInternal(in Sqe sqe)
    {
        if (_deferredInternal.Count == 0 && _driver.TryPush(in sqe))
            return;
        _deferredInternal.Enqueue(sqe);
        FlushDeferredInternal();
    }

    private void FlushDeferredInternal()
    {
        while (_deferredInternal.Count > 0)
        {
            if (!_driver.TryPush(_deferredInternal.Peek()))
            {
                try
                {
                    _driver.Submit();
                }
                catch (UringException)
                {
                    return; // the kernel is busy (EBUSY/EAGAIN): the next loop turn tries again
                }
                if (!_driver.TryPush(_deferredInternal.Peek()))
                    return;
            }
            _deferredInternal.Dequeue();
        }
    }

    /// <summary>Test hook: sets every slot's generation, to exercise the wrap-around.</summary>
    internal void SetGenerationsForTesting(uint value) => _slots.SetGenerations(value);
}
