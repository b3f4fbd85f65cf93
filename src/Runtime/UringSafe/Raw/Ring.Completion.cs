using System.Runtime.CompilerServices;
using UringSafe.Abi;

namespace UringSafe.Raw;

public sealed unsafe partial class Ring
{
    private uint* _cqKHead;
    private uint* _cqKTail;
    private uint* _cqKOverflow;
    private byte* _cqes;
    private uint _cqMask;
    private int _cqeShift;  // log2 of the CQE size: 4 (16 bytes) or 5 (CQE32)

    private void InitCompletion(in RingParams p)
    {
        byte* cq = (byte*)_cqRingPtr;
        _cqKHead = (uint*)(cq + p.CqOff.Head);
        _cqKTail = (uint*)(cq + p.CqOff.Tail);
        _cqKOverflow = (uint*)(cq + p.CqOff.Overflow);
        _cqMask = *(uint*)(cq + p.CqOff.RingMask);
        _cqes = cq + p.CqOff.Cqes;
        _cqeShift = (p.Flags & SetupFlags.Cqe32) != 0 ? 5 : 4;
    }

    /// <summary>Completions ready to read now (without entering the kernel).</summary>
    public uint CqReady => Volatile.Read(ref *_cqKTail) - *_cqKHead;

    /// <summary>Completions the kernel had to drop (only without IORING_FEAT_NODROP, before 5.5).</summary>
    public uint CqOverflowCount => Volatile.Read(ref *_cqKOverflow);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref readonly Cqe CqeAt(uint index) => ref *(Cqe*)(_cqes + ((nuint)(index & _cqMask) << _cqeShift));

    /// <summary>
    /// Reads the oldest completion without consuming it. Returns false when none is ready. If the kernel holds
    /// overflowed completions (a burst larger than the CQ), this flushes them into the ring first, so none is lost.
    /// </summary>
    public bool TryPeekCompletion(out Cqe cqe)
    {
        ThrowIfDisposed();
        uint head = *_cqKHead;
        if (Volatile.Read(ref *_cqKTail) == head)
        {
            if (!NeedsFlush())
            {
                cqe = default;
                return false;
            }
            FlushCompletions();
            if (Volatile.Read(ref *_cqKTail) == head)
            {
                cqe = default;
                return false;
            }
        }
        cqe = CqeAt(head);
        return true;
    }

    /// <summary>Consumes <paramref name="count"/> completions (store-release of the CQ head).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AdvanceCompletions(uint count) => Volatile.Write(ref *_cqKHead, *_cqKHead + count);

    /// <summary>Waits for one completion and returns it without consuming it (call <see cref="AdvanceCompletions"/>).</summary>
    public Cqe WaitCompletion()
    {
        Cqe cqe;
        while (!TryPeekCompletion(out cqe))
            SubmitAndWait(1);
        return cqe;
    }

    /// <summary>
    /// Copies up to <paramref name="destination"/>.Length ready completions and consumes them with a single head update.
    /// Flushes overflowed completions when the ring is empty. Returns the number copied.
    /// </summary>
    public int CopyCompletions(Span<Cqe> destination)
    {
        ThrowIfDisposed();
        uint head = *_cqKHead;
        uint ready = Volatile.Read(ref *_cqKTail) - head;
        if (ready == 0 && NeedsFlush())
        {
            FlushCompletions();
            ready = Volatile.Read(ref *_cqKTail) - head;
        }
        int n = (int)Math.Min(ready, (uint)destination.Length);
        for (int i = 0; i < n; i++)
            destination[i] = CqeAt(head + (uint)i);
        Volatile.Write(ref *_cqKHead, head + (uint)n);
        return n;
    }

    /// <summary>
    /// The completions ready now, as a batch to iterate with <c>foreach</c> (by <c>ref readonly</c>, no copy).
    /// The CQ head advances once, when the batch is disposed (the <c>foreach</c> does it).
    /// Flushes overflowed completions when the ring is empty.
    /// </summary>
    public CompletionBatch Completions()
    {
        ThrowIfDisposed();
        uint head = *_cqKHead;
        uint tail = Volatile.Read(ref *_cqKTail);
        if (tail == head && NeedsFlush())
        {
            FlushCompletions();
            tail = Volatile.Read(ref *_cqKTail);
        }
        return new CompletionBatch(this, head, tail);
    }

    internal void SetCqHead(uint head) => Volatile.Write(ref *_cqKHead, head);

    internal byte* CqeBase => _cqes;
    internal uint CqMask => _cqMask;
    internal int CqeShift => _cqeShift;
}
