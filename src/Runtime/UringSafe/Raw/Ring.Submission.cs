using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using UringSafe.Abi;
using UringSafe.Diagnostics;
using UringSafe.Interop;

namespace UringSafe.Raw;

public sealed unsafe partial class Ring
{
    private uint* _sqKHead;
    private uint* _sqKTail;
    private uint* _sqKFlags;
    private uint* _sqKDropped;
    private Sqe* _sqes;
    private uint _sqMask;
    private int _sqeShift;   // 1 with SQE128: each logical entry spans two 64-byte slots
    private uint _sqeTail;   // our tail: SQEs handed out, not all published yet
    private bool _sqPolled;  // SQPOLL: the kernel thread moves the SQ head concurrently
    private uint _sqHeadSeen; // the kernel's SQ head as last read (it only moves forward)

    private void InitSubmission(in RingParams p)
    {
        byte* sq = (byte*)_sqRingPtr;
        _sqKHead = (uint*)(sq + p.SqOff.Head);
        _sqKTail = (uint*)(sq + p.SqOff.Tail);
        _sqKFlags = (uint*)(sq + p.SqOff.Flags);
        _sqKDropped = (uint*)(sq + p.SqOff.Dropped);
        _sqMask = *(uint*)(sq + p.SqOff.RingMask);
        _sqes = (Sqe*)_sqesPtr;
        _sqeShift = (p.Flags & SetupFlags.Sqe128) != 0 ? 1 : 0;
        _sqPolled = (p.Flags & SetupFlags.SqPoll) != 0;
        _sqeTail = *_sqKTail;
        _sqHeadSeen = *_sqKHead;
        if ((p.Flags & SetupFlags.NoSqArray) == 0)
        {
            // Identity-map the indirection array once, as liburing does; SQEs are then used in ring order.
            uint* array = (uint*)(sq + p.SqOff.Array);
            for (uint i = 0; i < p.SqEntries; i++)
                array[i] = i;
        }
    }

    private bool SqPolled => _sqPolled;

    /// <summary>Free SQ entries right now.</summary>
    public uint SqSpaceLeft
    {
        get
        {
            uint head = SqPolled ? Volatile.Read(ref *_sqKHead) : *_sqKHead;
            return SqEntries - (_sqeTail - head);
        }
    }

    /// <summary>SQEs filled but not yet consumed by the kernel.</summary>
    public uint SqPending => _sqeTail - Volatile.Read(ref *_sqKHead);

    /// <summary>SQEs the kernel dropped as invalid (the SQ ring's <c>dropped</c> counter).</summary>
    public uint SqDropped => Volatile.Read(ref *_sqKDropped);

    /// <summary>
    /// Returns the next free SQE, zeroed, for the caller to fill (a builder's <c>WriteTo</c> does that).
    /// Throws <see cref="SubmissionQueueFullException"/> when the queue is full; nothing is ever dropped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref Sqe GetSqe()
    {
        ref Sqe sqe = ref TryGetSqe(out bool ok);
        if (!ok)
            ThrowSqFull();
        return ref sqe;
    }

    /// <summary>Returns the next free SQE and <paramref name="ok"/> = true, or a null ref and false when full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref Sqe TryGetSqe(out bool ok)
    {
        ThrowIfDisposed();
        uint tail = _sqeTail;
        // The kernel's head only moves forward, so a stale copy can only under-report space: re-read it when full.
        if (tail - _sqHeadSeen >= SqEntries)
        {
            _sqHeadSeen = SqPolled ? Volatile.Read(ref *_sqKHead) : *_sqKHead;
            if (tail - _sqHeadSeen >= SqEntries)
            {
                ok = false;
                return ref Unsafe.NullRef<Sqe>();
            }
        }
        _sqeTail = tail + 1;
        ok = true;
        return ref _sqes[(tail & _sqMask) << _sqeShift];
    }

    /// <summary>
    /// Returns the next free SQE; if the queue is full, submits what is queued first and retries
    /// (liburing's "submit and retry"). Throws only if the kernel consumed nothing.
    /// </summary>
    public ref Sqe GetSqeOrSubmit()
    {
        ref Sqe sqe = ref TryGetSqe(out bool ok);
        if (ok)
            return ref sqe;
        Submit();
        return ref GetSqe();
    }

    /// <summary>Copies <paramref name="sqe"/> into the next free entry. Returns false (and queues nothing) when full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryPush(in Sqe sqe)
    {
        ref Sqe slot = ref TryGetSqe(out bool ok);
        if (!ok)
            return false;
        slot = sqe;
        return true;
    }

    /// <summary>Queues several SQEs, all or none: returns false and queues nothing when they don't all fit.</summary>
    public bool TryPushMany(ReadOnlySpan<Sqe> sqes)
    {
        if (SqSpaceLeft < (uint)sqes.Length)
            return false;
        foreach (ref readonly Sqe s in sqes)
            TryPush(in s);
        return true;
    }

    private void ThrowSqFull() => throw new SubmissionQueueFullException(SqEntries);

    /// <summary>Publishes our tail to the kernel (store-release) and returns how many SQEs it hasn't consumed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint FlushSq()
    {
        Volatile.Write(ref *_sqKTail, _sqeTail);
        // Under SQPOLL the kernel thread moves the head concurrently; otherwise it moves only inside io_uring_enter.
        return _sqeTail - (SqPolled ? Volatile.Read(ref *_sqKHead) : *_sqKHead);
    }

    /// <summary>Submits queued SQEs without waiting. Returns the number the kernel consumed.</summary>
    public int Submit() => SubmitCore(0, null);

    /// <summary>Submits queued SQEs and waits until at least <paramref name="waitFor"/> completions are available.</summary>
    public int SubmitAndWait(uint waitFor) => SubmitCore(waitFor, null);

    /// <summary>
    /// Submits queued SQEs and waits for <paramref name="waitFor"/> completions or until <paramref name="timeout"/>
    /// passes (IORING_ENTER_EXT_ARG, kernel 5.11+). Returns false if the time ran out first.
    /// </summary>
    public bool SubmitAndWait(uint waitFor, TimeSpan timeout)
    {
        if ((Features & RingFeatures.ExtArg) == 0)
            throw new NotSupportedException("Timed waits need IORING_FEAT_EXT_ARG (kernel 5.11+).");
        KernelTimespec ts = KernelTimespec.From(timeout);
        GetEventsArg arg = default;
        arg.Ts = (ulong)&ts;
        return SubmitCore(waitFor, &arg) >= 0;
    }

    /// <returns>Consumed count, or -1 when a timed wait expired.</returns>
    private int SubmitCore(uint waitFor, GetEventsArg* arg)
    {
        ThrowIfDisposed();
        uint toSubmit = FlushSq();
        EnterFlags flags = _enterFlags;
        bool getEvents = waitFor > 0 || arg != null || NeedsFlush();
        bool mustEnter = getEvents;
        if (SqPolled)
        {
            if ((Volatile.Read(ref *_sqKFlags) & (uint)SqRingFlags.NeedWakeup) != 0)
            {
                flags |= EnterFlags.SqWakeup;
                mustEnter = true;
            }
            toSubmit = 0; // the kernel thread submits; enter only wakes it or waits
        }
        else if (toSubmit > 0)
        {
            mustEnter = true;
        }
        if (!mustEnter)
            return 0;
        if (getEvents)
            flags |= EnterFlags.GetEvents;
        void* argPtr = null;
        nuint argSize = 0;
        if (arg != null)
        {
            flags |= EnterFlags.ExtArg;
            argPtr = arg;
            argSize = (nuint)sizeof(GetEventsArg);
        }
        return Enter(toSubmit, waitFor, flags, argPtr, argSize);
    }

    /// <summary>True when the kernel wants an io_uring_enter to flush overflowed CQEs or run deferred task work.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool NeedsFlush()
        => (Volatile.Read(ref *_sqKFlags) & (uint)(SqRingFlags.CqOverflow | SqRingFlags.Taskrun)) != 0;

    private int Enter(uint toSubmit, uint waitFor, EnterFlags flags, void* arg, nuint argSize)
    {
        while (true)
        {
            int ret = IoUringSyscalls.Enter(_enterFd, toSubmit, waitFor, (uint)flags, arg, argSize);
            if (ret >= 0)
                return ret;
            int errno = Marshal.GetLastPInvokeError();
            switch (errno)
            {
                case Errno.EINTR:
                    continue;
                case Errno.ETIME:
                    return -1;
                case Errno.EAGAIN:
                case Errno.EBUSY:
                    // The CQ (including the kernel's overflow list) is full: reap completions, then submit again.
                    // Nothing is lost: the SQEs stay queued and completions wait to be read, so a waiter need not block.
                    // Report "0 consumed" so the caller reaps and submits again.
                    return 0;
                default:
                    throw new UringException(errno, "io_uring_enter", _ringFd);
            }
        }
    }

    /// <summary>Enters the kernel only to flush overflowed completions / run task work (GETEVENTS, nothing to submit).</summary>
    private void FlushCompletions()
    {
        if ((Volatile.Read(ref *_sqKFlags) & (uint)SqRingFlags.CqOverflow) != 0)
            Metrics.CqOverflowFlush();
        Enter(0, 0, _enterFlags | EnterFlags.GetEvents, null, 0);
    }
}
