using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UringSafe.Buffers;

/// <summary>
/// An owned buffer with a stable address, for lend-and-return operations: native memory (optionally from an
/// <see cref="IoBufferPool"/>) that never moves. <see cref="Capacity"/> is its size; <see cref="Length"/> is how many
/// bytes are initialized (a read sets it; a write sends <c>[0, Length)</c>). While lent to an operation, every access
/// to its memory throws <see cref="BufferLentException"/>: the kernel owns it until the operation hands it back.
/// </summary>
public sealed unsafe class IoBuffer : IDisposable
{
    private const int Owned = 0, Lent = 1, Released = 2;

    private readonly byte* _ptr;
    private readonly IoBufferPool? _pool;
    private readonly int _slot;
    private int _length;
    private int _state;

    internal IoBuffer(byte* ptr, int capacity, IoBufferPool? pool, int slot)
    {
        _ptr = ptr;
        Capacity = capacity;
        _pool = pool;
        _slot = slot;
    }

    /// <summary>Allocates an unpooled buffer of native memory, aligned to <paramref name="alignment"/> bytes (a power of two).</summary>
    public static IoBuffer Allocate(int capacity, int alignment = 64)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        byte* p = (byte*)NativeMemory.AlignedAlloc((nuint)capacity, (nuint)alignment);
        new Span<byte>(p, capacity).Clear();
        return new IoBuffer(p, capacity, null, -1);
    }

    /// <summary>Allocates an unpooled buffer holding a copy of <paramref name="data"/>, with <see cref="Length"/> set.</summary>
    public static IoBuffer CopyFrom(ReadOnlySpan<byte> data)
    {
        IoBuffer b = Allocate(Math.Max(1, data.Length));
        data.CopyTo(b.FullSpan);
        b._length = data.Length;
        return b;
    }

    /// <summary>Bytes of memory.</summary>
    public int Capacity { get; }

    /// <summary>Initialized bytes, at the start. Set it after filling <see cref="FullSpan"/> for a write.</summary>
    public int Length
    {
        get
        {
            ThrowIfNotOwned();
            return _length;
        }
        set
        {
            ThrowIfNotOwned();
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, Capacity);
            _length = value;
        }
    }

    /// <summary>The initialized bytes, <c>[0, Length)</c>.</summary>
    public Span<byte> Span
    {
        get
        {
            ThrowIfNotOwned();
            return new Span<byte>(_ptr, _length);
        }
    }

    /// <summary>All <see cref="Capacity"/> bytes, to fill before a write (then set <see cref="Length"/>).</summary>
    public Span<byte> FullSpan
    {
        get
        {
            ThrowIfNotOwned();
            return new Span<byte>(_ptr, Capacity);
        }
    }

    /// <summary>True while an operation holds the buffer (the kernel may read or write it).</summary>
    public bool IsLent => Volatile.Read(ref _state) == Lent;

    /// <summary>True once the buffer went back to its pool or was freed.</summary>
    public bool IsReleased => Volatile.Read(ref _state) == Released;

    /// <summary>The pool this buffer came from, if any.</summary>
    public IoBufferPool? Pool => _pool;

    internal int Slot => _slot;

    /// <summary>Copies <paramref name="data"/> to the start and sets <see cref="Length"/>.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        data.CopyTo(FullSpan);
        _length = data.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ThrowIfNotOwned()
    {
        if (_state != Owned)
            ThrowNotOwned();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowNotOwned()
    {
        if (_state == Lent)
            throw new BufferLentException(
                "This IoBuffer is lent to an in-flight io_uring operation; the kernel may still read or write it. " +
                "Take it back from the operation's result first: (n, buf) = await op(buf).");
        throw new ObjectDisposedException(nameof(IoBuffer),
            "This IoBuffer was already returned to its pool or freed. Rent a new one; a stale reference must not be used.");
    }

    /// <summary>Marks the buffer lent and returns its region. Throws if it is lent already or released.</summary>
    internal LentRegion BeginLend(Raw.Ring? ring)
    {
        ThrowIfNotOwned();
        _state = Lent;
        int fixedIndex = _pool is not null && ring is not null && ReferenceEquals(_pool.RegisteredRing, ring) ? _pool.FixedIndex : -1;
        return new LentRegion((nint)_ptr, _length, Capacity, fixedIndex);
    }

    /// <summary>Called once the kernel is done with the buffer (its final completion arrived).</summary>
    internal void EndLend(int initializedLength)
    {
        if (initializedLength >= 0)
            _length = Math.Min(initializedLength, Capacity);
        Volatile.Write(ref _state, Owned);
    }

    /// <summary>Called by a disposed pool: the memory is gone, so every later access throws.</summary>
    internal void Invalidate() => Volatile.Write(ref _state, Released);

    /// <summary>
    /// Returns the buffer to its pool, or frees it. A repeated Dispose does nothing: each rent of a pooled buffer is a
    /// fresh handle, so a released handle never reaches the slot's next renter, and can't return it twice. Throws
    /// <see cref="BufferLentException"/> while lent (the kernel may still write to it).
    /// </summary>
    public void Dispose()
    {
        if (_state == Released)
            return;
        ThrowIfNotOwned();
        _state = Released;
        if (_pool is not null)
            _pool.ReturnSlot(this);
        else
            NativeMemory.AlignedFree(_ptr);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees an unpooled buffer that was dropped without Dispose, unless the kernel may still use it.</summary>
    ~IoBuffer()
    {
        // A lent buffer that is being collected belongs to an operation that never completed: leak, never free.
        if (_state == Owned && _pool is null)
            NativeMemory.AlignedFree(_ptr);
    }
}
