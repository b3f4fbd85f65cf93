using System.Runtime.InteropServices;
using UringSafe.Abi;
using UringSafe.Diagnostics;
using UringSafe.Raw;

namespace UringSafe.Buffers;

/// <summary>
/// A pool of equal-size <see cref="IoBuffer"/>s carved from one page-aligned native slab. Register it with a ring
/// (<see cref="RegisterWith"/>) and operations on that ring use READ_FIXED / WRITE_FIXED for its buffers automatically.
/// A buffer goes back with <see cref="IoBuffer.Dispose"/>, which refuses while the buffer is lent.
/// Single-threaded, like the reactor that uses it.
/// </summary>
public sealed unsafe class IoBufferPool : IDisposable
{
    private readonly byte* _slab;
    private readonly nuint _slabSize;
    private readonly Stack<int> _free;
    private readonly IoBuffer?[] _rented;
    private bool _disposed;

    /// <summary>Creates <paramref name="count"/> buffers of <paramref name="bufferSize"/> bytes each.</summary>
    public IoBufferPool(int bufferSize, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bufferSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        BufferSize = bufferSize;
        Count = count;
        _slabSize = (nuint)bufferSize * (nuint)count;
        _slab = (byte*)NativeMemory.AlignedAlloc(_slabSize, 4096);
        new Span<byte>(_slab, checked((int)Math.Min(_slabSize, int.MaxValue))).Clear();
        _free = new Stack<int>(count);
        for (int i = count - 1; i >= 0; i--)
            _free.Push(i);
        _rented = new IoBuffer?[count];
    }

    /// <summary>Size of each buffer.</summary>
    public int BufferSize { get; }

    /// <summary>Number of buffers.</summary>
    public int Count { get; }

    /// <summary>Buffers currently rented out.</summary>
    public int InUse => Count - _free.Count;

    /// <summary>The ring this pool's slab is registered with (fixed buffers), or null.</summary>
    public Ring? RegisteredRing { get; private set; }

    internal int FixedIndex { get; private set; } = -1;

    /// <summary>
    /// Registers the whole slab as one fixed buffer with <paramref name="ring"/> (the ring's only buffer table),
    /// so operations on that ring use READ_FIXED / WRITE_FIXED for these buffers.
    /// </summary>
    public void RegisterWith(Ring ring)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (RegisteredRing is not null)
            throw new InvalidOperationException("This pool is already registered with a ring.");
        ring.RegisterBuffers([new IoVec { Base = (nint)_slab, Length = _slabSize }]);
        RegisteredRing = ring;
        FixedIndex = 0;
    }

    /// <summary>Rents a buffer (its <see cref="IoBuffer.Length"/> is 0). Throws when all are rented.</summary>
    public IoBuffer Rent()
    {
        if (!TryRent(out IoBuffer? buffer))
            throw new InvalidOperationException($"All {Count} buffers of this pool are rented. Return some (Dispose) or make the pool bigger.");
        return buffer;
    }

    /// <summary>Rents a buffer, or returns false when all are rented.</summary>
    public bool TryRent([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IoBuffer? buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_free.TryPop(out int slot))
        {
            buffer = null;
            return false;
        }
        // A fresh handle per rent: a stale reference to an earlier rent of the same slot stays released.
        buffer = new IoBuffer(_slab + (nint)slot * BufferSize, BufferSize, this, slot);
        _rented[slot] = buffer;
        Metrics.BufferRented();
        return true;
    }

    internal void ReturnSlot(IoBuffer buffer)
    {
        _rented[buffer.Slot] = null;
        Metrics.BufferReturned();
        if (!_disposed)
            _free.Push(buffer.Slot);
    }

    /// <summary>
    /// Frees the slab. If any buffer is still lent to the kernel, the slab is deliberately leaked instead:
    /// memory the kernel may write to is never freed.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        bool anyLent = false;
        foreach (IoBuffer? b in _rented)
            anyLent |= b is { IsLent: true };
        if (RegisteredRing is { IsDisposed: false } ring && !anyLent)
            ring.UnregisterBuffers();
        if (anyLent)
            return;
        foreach (IoBuffer? b in _rented)
            b?.Invalidate(); // a rented handle must not reach freed memory
        NativeMemory.AlignedFree(_slab);
    }
}
