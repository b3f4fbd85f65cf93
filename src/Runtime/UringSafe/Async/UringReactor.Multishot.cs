using UringSafe.Abi;

namespace UringSafe.Async;

/// <summary>
/// A slot that fills its own SQE once the reactor has picked its user_data and scratch area, so it can place
/// sockaddrs, msghdrs and iovecs in the per-operation scratch memory (valid until its final completion).
/// </summary>
internal abstract class PreparedSlot : OperationSlot
{
    /// <summary>Fills <paramref name="sqe"/> (zeroed). Runs on the reactor thread; user_data is set afterwards.</summary>
    internal abstract void Prepare(ref Sqe sqe, in OperationContext context);
}

public sealed unsafe partial class UringReactor
{
    /// <summary>
    /// Submits an SQE whose every completion (multishot ones with IORING_CQE_F_MORE, notifications, and the final one)
    /// is routed to <paramref name="slot"/>. The slot is bound to a fresh generation-tagged user_data (returned, and
    /// stored in <see cref="OperationSlot.UserData"/>) until the completion without F_MORE, after which the same slot
    /// object may be submitted again (re-armed). The slot's scratch area is not used.
    /// </summary>
    internal ulong SubmitMultishot(OperationSlot slot, in Sqe sqe)
    {
        var prepared = new ReadySqe(sqe);
        return SubmitSlot(slot, ref prepared);
    }

    /// <summary>As <see cref="SubmitMultishot(OperationSlot, in Sqe)"/>, the slot filling its SQE with the scratch area at hand.</summary>
    internal ulong SubmitMultishot(PreparedSlot slot)
    {
        var prepared = new SlotPreparer(slot);
        return SubmitSlot(slot, ref prepared);
    }

    /// <summary>
    /// Asks the kernel to cancel the request bound to <paramref name="userData"/> (ASYNC_CANCEL). Its final completion
    /// (normally -ECANCELED) still goes to its slot. A stale user_data (the request already finished) does nothing.
    /// Safe from any thread.
    /// </summary>
    internal void CancelSlot(ulong userData)
    {
        if (IsOnReactorThread)
            SubmitCancel(userData);
        else
            RequestCancel(userData);
    }

    /// <summary>True while <paramref name="userData"/> names a request that has not had its final completion.</summary>
    internal bool IsSlotLive(ulong userData)
    {
        int index = (int)(uint)userData;
        return (uint)index < (uint)_slots.Length && _slots[index] is { } s && s.UserData == userData;
    }

    private ulong SubmitSlot<TPrepare>(OperationSlot slot, ref TPrepare prepare) where TPrepare : struct, ISqePreparer
    {
        ThrowIfNotOwner();
        if (_ring.SqSpaceLeft < 1)
        {
            _ring.Submit();
            if (_ring.SqSpaceLeft < 1)
                throw new SubmissionQueueFullException(_ring.SqEntries);
        }
        if (!_freeSlots.TryPop(out int index))
            throw new InvalidOperationException($"{_slots.Length} operations are already in flight on this reactor (ReactorOptions.MaxInFlight). Await some first.");
        ulong userData = ((ulong)_generations[index] << 32) | (uint)index;
        byte* scratch = _scratch + (nint)index * ScratchStride;
        new Span<byte>(scratch, ScratchStride).Clear();
        Sqe sqe = default;
        try
        {
            prepare.Prepare(ref sqe, new OperationContext(_ring, scratch, OperationScratchSize));
        }
        catch
        {
            _freeSlots.Push(index);
            throw;
        }
        sqe.UserData = userData;
        slot.UserData = userData;
        slot.CancelRequested = false;
        _ring.TryPush(in sqe);
        _slots[index] = slot;
        _inFlight++;
        slot.Opcode = sqe.Opcode;
        Metrics.OperationSubmitted(sqe.Opcode);
        return userData;
    }

    private interface ISqePreparer
    {
        void Prepare(ref Sqe sqe, in OperationContext context);
    }

    private readonly struct ReadySqe(Sqe sqe) : ISqePreparer
    {
        public void Prepare(ref Sqe target, in OperationContext context) => target = sqe;
    }

    private readonly struct SlotPreparer(PreparedSlot slot) : ISqePreparer
    {
        public void Prepare(ref Sqe sqe, in OperationContext context) => slot.Prepare(ref sqe, context);
    }
}
