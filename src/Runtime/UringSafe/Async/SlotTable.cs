using System.Runtime.InteropServices;

namespace UringSafe.Async;

/// <summary>
/// The reactor's table of operations in flight: slot index → operation, each slot's generation, and each slot's native
/// scratch area. It grows on demand (no fixed cap unless one is configured); growing copies the managed arrays but
/// never moves scratch memory, which the kernel may still be reading: scratch comes in chunks that stay put until the
/// reactor is disposed.
/// </summary>
internal sealed unsafe class SlotTable : IDisposable
{
    public const int ScratchStride = 128;          // op scratch, then the link-timeout timespec
    public const int OperationScratchSize = 112;
    private const int ChunkShift = 8;              // 256 slots (32 KiB of scratch) per chunk
    private const int ChunkSize = 1 << ChunkShift;
    private const int ChunkBytes = ChunkSize * ScratchStride + ChunkSize; // the scratch areas, then one "used" flag per slot

    // A slot's operation and generation side by side (one cache line per submit and completion), in a struct: no
    // covariant array-store check on the hot path.
    private Entry[] _slots;
    private nint[] _chunks;
    private int[] _free;   // free indexes, a stack: the most recently freed (warmest) slot is taken first
    private int _freeCount;
    private int _capacity;

    public SlotTable(int initialCapacity)
    {
        int chunks = Math.Max(1, (initialCapacity + ChunkSize - 1) >> ChunkShift);
        _slots = new Entry[chunks * ChunkSize];
        _chunks = new nint[chunks];
        _free = new int[chunks * ChunkSize];
        for (int c = 0; c < chunks; c++)
            AddChunk(c);
    }

    /// <summary>Slots that exist (in use or free).</summary>
    public int Capacity => _capacity;

    /// <summary>The operation bound to <paramref name="index"/>, or null.</summary>
    public OperationSlot? this[int index] => (uint)index < (uint)_capacity ? _slots[index].Slot : null;

    public uint Generation(int index) => _slots[index].Generation;

    public byte* Scratch(int index) => (byte*)_chunks[index >> ChunkShift] + (nint)(index & (ChunkSize - 1)) * ScratchStride;

    /// <summary>The slot's "scratch was handed out" flag: set by <see cref="OperationContext.Scratch"/>, cleared (with
    /// the area) by <see cref="PrepareScratch"/>.</summary>
    public byte* ScratchUsed(int index) => (byte*)_chunks[index >> ChunkShift] + ChunkSize * ScratchStride + (index & (ChunkSize - 1));

    /// <summary>Zeroes the slot's scratch area before a new operation, if the last one used it. The area stays as the
    /// kernel saw it until then: it is only reused after the final completion.</summary>
    public byte* PrepareScratch(int index)
    {
        byte* scratch = Scratch(index);
        byte* used = ScratchUsed(index);
        if (*used != 0)
        {
            new Span<byte>(scratch, ScratchStride).Clear();
            *used = 0;
        }
        return scratch;
    }

    /// <summary>Takes a free slot index, growing the table when none is left.</summary>
    public int Take()
    {
        if (_freeCount == 0)
            Grow();
        return _free[--_freeCount];
    }

    /// <summary>Gives back an index that was taken but never bound (its generation does not change).</summary>
    public void Untake(int index) => _free[_freeCount++] = index;

    public void Bind(int index, OperationSlot slot) => _slots[index].Slot = slot;

    /// <summary>The final completion for the slot arrived: unbind it, advance its generation, free the index.</summary>
    public void Free(int index)
    {
        ref Entry entry = ref _slots[index];
        entry.Slot = null;
        entry.Generation = UserData.NextGeneration(entry.Generation);
        _free[_freeCount++] = index;
    }

    /// <summary>Every operation still bound (for shutdown and diagnostics).</summary>
    public IEnumerable<OperationSlot> Live()
    {
        for (int i = 0; i < _capacity; i++)
            if (_slots[i].Slot is { } s)
                yield return s;
    }

    /// <summary>Test hook: sets every slot's generation (to exercise the wrap-around).</summary>
    public void SetGenerations(uint value)
    {
        for (int i = 0; i < _slots.Length; i++)
            _slots[i].Generation = value & UserData.GenerationMask;
    }

    private void Grow()
    {
        int chunks = _chunks.Length;
        Array.Resize(ref _chunks, chunks * 2);
        Array.Resize(ref _slots, chunks * 2 * ChunkSize);
        Array.Resize(ref _free, chunks * 2 * ChunkSize);
        for (int c = chunks; c < chunks * 2; c++)
            AddChunk(c);
    }

    private void AddChunk(int chunk)
    {
        _chunks[chunk] = (nint)NativeMemory.AlignedAlloc(ChunkBytes, 64);
        NativeMemory.Clear((void*)_chunks[chunk], ChunkBytes);
        for (int i = ChunkSize - 1; i >= 0; i--)
            _free[_freeCount++] = chunk * ChunkSize + i;
        _capacity += ChunkSize;
    }

    private struct Entry
    {
        public OperationSlot? Slot;
        public uint Generation;
    }

    /// <summary>Frees the scratch memory. Only call when no operation is in flight: the kernel may read it until then.</summary>
    public void Dispose()
    {
        for (int c = 0; c < _chunks.Length; c++)
        {
            if (_chunks[c] != 0)
                NativeMemory.AlignedFree((void*)_chunks[c]);
            _chunks[c] = 0;
        }
    }
}
