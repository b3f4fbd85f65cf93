using System.Runtime.InteropServices;
using UringSafe.Async;
using UringSafe.Diagnostics;
using UringSafe.Raw;

namespace UringSafe.Net;

/// <summary>
/// A provided-buffer ring (IORING_REGISTER_PBUF_RING) on the current reactor's ring, with the memory behind it:
/// <see cref="Count"/> buffers of <see cref="BufferSize"/> bytes the kernel picks from for multishot receives
/// (<see cref="UringSocketStream.ReceiveAsync(ProvidedBufferPool, CancellationToken)"/>). Each received buffer comes to
/// you as a <see cref="ReceivedBuffer"/> lease that must be handed back exactly once; only that first hand-back puts it
/// back in the ring, so a second one is a <see cref="BufferAlreadyReturnedException"/>, never a corrupted ring.
/// Single-threaded: use it on the reactor thread that created it.
/// </summary>
public sealed unsafe class ProvidedBufferPool : IDisposable
{
    private const byte InKernel = 0, LeasedState = 1, LentState = 2;
    [ThreadStatic] private static ushort t_nextGroup;

    private readonly UringReactor _reactor;
    private readonly BufferRing _bufferRing;
    private readonly List<nint> _slabs = new();
    private readonly int _chunk;
    private readonly uint[] _generations;
    private readonly byte[] _states;
    private readonly List<MultishotReceiver> _starved = new();
    private int _leased;
    private int _lentToSends;
    private bool _disposed;

    /// <summary>
    /// Creates <paramref name="count"/> (a power of two) buffers of <paramref name="bufferSize"/> bytes and registers
    /// them with the current reactor's ring. When receives run the ring dry (ENOBUFS), the pool adds another
    /// <paramref name="count"/> buffers, up to <paramref name="maxCount"/> (0: no growth); past that, receivers wait
    /// for buffers to come back (the data waits in the socket: nothing is lost).
    /// </summary>
    public ProvidedBufferPool(int bufferSize = 4096, int count = 256, int maxCount = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bufferSize);
        if (count <= 0 || count > 32768 || (count & (count - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(count), count, "A provided-buffer pool needs a power-of-two count between 1 and 32768.");
        if (maxCount == 0)
            maxCount = count;
        if (maxCount < count || maxCount > 32768 || (maxCount & (maxCount - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(maxCount), maxCount, "maxCount must be a power of two between count and 32768 (or 0 for no growth).");
        _reactor = UringReactor.Current;
        BufferSize = bufferSize;
        _chunk = count;
        MaxCount = maxCount;
        if (t_nextGroup < 0x4000)
            t_nextGroup = 0x4000;
        GroupId = t_nextGroup++;
        _bufferRing = _reactor.RingDriver.SetupBufferRing(GroupId, (uint)maxCount);
        _generations = new uint[maxCount];
        _states = new byte[maxCount];
        AddChunk();
    }

    /// <summary>Bytes per buffer.</summary>
    public int BufferSize { get; }

    /// <summary>Number of buffers now (grows by the initial count on exhaustion, up to <see cref="MaxCount"/>).</summary>
    public int Count { get; private set; }

    /// <summary>The most buffers the pool grows to.</summary>
    public int MaxCount { get; }

    /// <summary>The buffer group id receives name.</summary>
    public ushort GroupId { get; }

    /// <summary>Buffers currently leased out (received and not yet handed back).</summary>
    public int Leased => _leased;

    /// <summary>Buffers in the ring, available to the kernel.</summary>
    public int Available => Count - _leased;

    /// <summary>Times a receive found the ring empty (ENOBUFS, or no buffer to arm with).</summary>
    public long Exhaustions { get; private set; }

    internal UringReactor Reactor => _reactor;

    internal bool IsDisposed => _disposed;

    /// <summary>Receivers with a multishot receive armed on this group (the slabs are never freed under them).</summary>
    internal int ArmedReceivers { get; set; }

    private nint Address(int id) => _slabs[id / _chunk] + (nint)(id % _chunk) * BufferSize;

    private void AddChunk()
    {
        nint slab = (nint)NativeMemory.AlignedAlloc((nuint)BufferSize * (nuint)_chunk, 4096);
        _slabs.Add(slab);
        int first = Count;
        for (int i = 0; i < _chunk; i++)
            _bufferRing.Add(Address(first + i), (uint)BufferSize, (ushort)(first + i), i);
        _bufferRing.Advance(_chunk);
        Count += _chunk;
    }

    /// <summary>The ring ran dry: add buffers if the pool may still grow. Returns true when it grew.</summary>
    internal bool TryGrow()
    {
        Exhaustions++;
        Metrics.ProvidedBuffersExhausted();
        if (_disposed || Count + _chunk > MaxCount)
            return false;
        AddChunk();
        return true;
    }

    /// <summary>The kernel filled buffer <paramref name="bufferId"/> with <paramref name="length"/> bytes: lease it out.</summary>
    internal ReceivedBuffer Take(ushort bufferId, int length)
    {
        if (bufferId >= Count || _states[bufferId] != InKernel)
            throw new InvalidOperationException($"The kernel reported provided buffer {bufferId} of group {GroupId}, which is not in the ring.");
        _states[bufferId] = LeasedState;
        _leased++;
        return new ReceivedBuffer(this, bufferId, ++_generations[bufferId], length);
    }

    internal bool IsCurrent(ushort bufferId, uint generation)
        => !_disposed && _states[bufferId] == LeasedState && _generations[bufferId] == generation;

    internal Span<byte> Span(ushort bufferId, uint generation, int length)
    {
        if (!IsCurrent(bufferId, generation))
            ThrowStale(bufferId);
        return new Span<byte>((void*)Address(bufferId), length);
    }

    /// <summary>Puts a leased buffer back in the ring; a stale lease (handed back already) throws and changes nothing.</summary>
    internal void Return(ushort bufferId, uint generation)
    {
        if (_disposed)
            return; // the ring is gone; nothing to put back
        if (!IsCurrent(bufferId, generation))
            ThrowStale(bufferId);
        if (!_reactor.IsOnReactorThread)
            throw new InvalidOperationException("Hand a ReceivedBuffer back on the reactor thread that received it (the buffer ring is single-threaded).");
        _states[bufferId] = InKernel;
        _generations[bufferId]++;
        _leased--;
        _bufferRing.Add(Address(bufferId), (uint)BufferSize, bufferId);
        _bufferRing.Advance(1);
        if (_starved.Count > 0)
        {
            MultishotReceiver[] starved = _starved.ToArray();
            _starved.Clear();
            foreach (MultishotReceiver r in starved)
                r.OnBuffersAvailable();
        }
    }

    /// <summary>A receiver's multishot ended with ENOBUFS: it re-arms when a buffer comes back.</summary>
    internal void WaitForBuffers(MultishotReceiver receiver)
    {
        if (!_starved.Contains(receiver))
            _starved.Add(receiver);
    }

    internal void StopWaiting(MultishotReceiver receiver) => _starved.Remove(receiver);

    /// <summary>Hands a lease back unless it was handed back already (Dispose is idempotent); a lease lent to a send
    /// still throws, since the kernel may be reading it.</summary>
    internal void ReturnIfLeased(ushort bufferId, uint generation)
    {
        // A hand-back advances the generation, so a lease handed back already (the buffer may have a newer lease by
        // now) no longer matches.
        if (!_disposed && _generations[bufferId] == generation)
            Return(bufferId, generation);
    }

    /// <summary>Lends a leased buffer to a send: until <see cref="EndLend"/>, its span and its hand-back throw.</summary>
    internal nint BeginLend(ushort bufferId, uint generation)
    {
        if (!IsCurrent(bufferId, generation))
            ThrowStale(bufferId);
        _states[bufferId] = LentState;
        _lentToSends++;
        return Address(bufferId);
    }

    /// <summary>The send's final completion arrived: the lease is the caller's again.</summary>
    internal void EndLend(ushort bufferId, uint generation)
    {
        if (_generations[bufferId] == generation && _states[bufferId] == LentState)
        {
            _states[bufferId] = LeasedState;
            _lentToSends--;
        }
    }

    private void ThrowStale(ushort bufferId)
    {
        if (!_disposed && _states[bufferId] == LentState)
            throw new Buffers.BufferLentException(
                $"This ReceivedBuffer (buffer {bufferId} of group {GroupId}) is lent to a send in flight; take it back from the send's result first.");
        ThrowStaleCore(bufferId);
    }

    private void ThrowStaleCore(ushort bufferId)
        => throw (_disposed
            ? new ObjectDisposedException(nameof(ProvidedBufferPool), "The buffer pool was disposed; its received buffers are gone.")
            : new BufferAlreadyReturnedException(
                $"This ReceivedBuffer (buffer {bufferId} of group {GroupId}) was already handed back; it now belongs to the kernel again. " +
                "Hand each received buffer back exactly once, and do not use it afterwards."));

    /// <summary>
    /// Unregisters the ring and frees the memory. If a receive is still armed on the group, or a received buffer is
    /// lent to a send, the memory is leaked on purpose instead: memory the kernel may use is never freed.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _starved.Clear();
        if (!_reactor.RingDriver.IsDisposed)
            _bufferRing.Dispose();
        if (ArmedReceivers == 0 && _lentToSends == 0)
        {
            foreach (nint slab in _slabs)
                NativeMemory.AlignedFree((void*)slab);
            _slabs.Clear();
        }
    }
}

/// <summary>
/// A buffer the kernel picked from a <see cref="ProvidedBufferPool"/> and filled: an owned lease on it. Read
/// <see cref="Span"/>, then hand it back exactly once with <see cref="Return"/>, or with <see cref="Dispose"/>, which may be
/// repeated. Copies of this struct share the lease: after the hand-back every copy is stale, using or returning one
/// throws <see cref="BufferAlreadyReturnedException"/> (an <see cref="ObjectDisposedException"/>), and disposing one does
/// nothing. A lease with <see cref="IsEndOfStream"/> (the peer closed) holds no buffer.
/// </summary>
public readonly struct ReceivedBuffer : IDisposable
{
    private readonly ProvidedBufferPool? _pool;
    private readonly uint _generation;
    private readonly ushort _bufferId;

    internal ReceivedBuffer(ProvidedBufferPool pool, ushort bufferId, uint generation, int length)
    {
        _pool = pool;
        _bufferId = bufferId;
        _generation = generation;
        Length = length;
    }

    /// <summary>Bytes received (0 at end of stream).</summary>
    public int Length { get; }

    /// <summary>True when the peer shut down its side: no data, no buffer to hand back.</summary>
    public bool IsEndOfStream => _pool is null;

    /// <summary>The buffer's id in its group.</summary>
    public ushort BufferId => _bufferId;

    /// <summary>True while this lease has not been handed back.</summary>
    public bool IsLeased => _pool is not null && _pool.IsCurrent(_bufferId, _generation);

    /// <summary>The received bytes. Throws <see cref="BufferAlreadyReturnedException"/> once handed back.</summary>
    public Span<byte> Span => _pool is null ? default : _pool.Span(_bufferId, _generation, Length);

    /// <summary>Hands the buffer back to its ring. A second hand-back throws <see cref="BufferAlreadyReturnedException"/>.</summary>
    public void Return() => _pool?.Return(_bufferId, _generation);

    internal nint BeginLend() => _pool!.BeginLend(_bufferId, _generation);

    internal void EndLend() => _pool?.EndLend(_bufferId, _generation);

    /// <summary>As <see cref="Return"/>, but idempotent: once the lease was handed back (through this copy or another),
    /// Dispose does nothing. Throws <see cref="Buffers.BufferLentException"/> while the buffer is lent to a send.</summary>
    public void Dispose() => _pool?.ReturnIfLeased(_bufferId, _generation);
}
