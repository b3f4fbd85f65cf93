using System.Numerics;
using UringSafe.Abi;
using static Tmds.Linux.LibC;

namespace UringSafe.Raw;

/// <summary>
/// A provided-buffer ring (IORING_REGISTER_PBUF_RING, 5.19+): buffers you hand to the kernel so that
/// recv/read with IOSQE_BUFFER_SELECT pick one themselves. Add buffers with <see cref="Add"/>, publish them with
/// <see cref="Advance"/>; a completion names the buffer it used (<see cref="Cqe.BufferId"/>).
/// Buffer memory is yours and must outlive the ring's registration.
/// </summary>
public sealed unsafe class BufferRing : IDisposable
{
    private readonly Ring? _ring;     // null: not registered with a kernel ring; the userspace driver consumes it
    private readonly BufRingEntry* _entries;
    private readonly nuint _size;
    private readonly uint _mask;
    private bool _disposed;

    internal BufferRing(Ring? ring, ushort groupId, uint entries, bool incremental)
    {
        if (entries == 0 || entries > 32768 || !BitOperations.IsPow2(entries))
            throw new ArgumentOutOfRangeException(nameof(entries), entries, "A buffer ring needs a power-of-two entry count between 1 and 32768.");
        _ring = ring;
        GroupId = groupId;
        Entries = entries;
        _mask = entries - 1;
        _size = (nuint)(entries * sizeof(BufRingEntry));
        const int PROT_RW = 0x1 | 0x2, MAP_PRIVATE_ANON = 0x02 | 0x20;
        void* mem = mmap(null, (Tmds.Linux.size_t)(ulong)_size, PROT_RW, MAP_PRIVATE_ANON, -1, 0);
        if (mem == (void*)-1)
            throw new UringException(errno, "mmap(buffer ring)");
        _entries = (BufRingEntry*)mem;
        IsIncremental = incremental;
        if (ring is null)
            return;
        BufRingRegistration reg = default;
        reg.RingAddr = (ulong)mem;
        reg.RingEntries = entries;
        reg.Bgid = groupId;
        reg.Flags = incremental ? BufRingRegistration.FlagIncremental : (ushort)0;
        try
        {
            ring.RegisterBufferRing(ref reg);
        }
        catch
        {
            munmap(mem, (Tmds.Linux.size_t)(ulong)_size);
            throw;
        }
    }

    /// <summary>A ring no kernel consumes: the userspace driver takes buffers from its head, with the kernel's
    /// head/tail semantics, so <see cref="Net.ProvidedBufferPool"/> works unchanged on both drivers.</summary>
    internal static BufferRing Unregistered(ushort groupId, uint entries) => new(null, groupId, entries, incremental: false);

    private ushort _head; // the consumer's head, for an unregistered ring (the kernel keeps its own)

    /// <summary>True once disposed.</summary>
    internal bool IsDisposed => _disposed;

    /// <summary>Buffers published and not yet taken (unregistered ring).</summary>
    internal int Available => (ushort)(Volatile.Read(ref Tail) - _head);

    /// <summary>The buffer at the head, without taking it (unregistered ring).</summary>
    internal bool TryPeek(out nint address, out uint length, out ushort bufferId)
    {
        if (_disposed || Available == 0)
        {
            address = 0;
            length = 0;
            bufferId = 0;
            return false;
        }
        BufRingEntry* e = &_entries[_head & _mask];
        address = (nint)e->Addr;
        length = e->Len;
        bufferId = e->Bid;
        return true;
    }

    /// <summary>Takes the buffer at the head, as the kernel does when data arrived in it (unregistered ring).</summary>
    internal void Consume() => _head++;

    /// <summary>The buffer group id SQEs name in <c>buf_group</c>.</summary>
    public ushort GroupId { get; }

    /// <summary>Slots in the ring.</summary>
    public uint Entries { get; }

    /// <summary>True when the kernel consumes buffers incrementally (IOU_PBUF_RING_INC).</summary>
    public bool IsIncremental { get; }

    private ref ushort Tail => ref ((ushort*)_entries)[BufRingEntry.TailOffset / sizeof(ushort)];

    /// <summary>
    /// Writes a buffer into the slot <paramref name="offset"/> places past the tail; it becomes visible to the
    /// kernel at the next <see cref="Advance"/>. Like liburing's <c>io_uring_buf_ring_add</c>.
    /// </summary>
    public void Add(nint address, uint length, ushort bufferId, int offset = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        BufRingEntry* e = &_entries[(uint)(Tail + offset) & _mask];
        e->Addr = (ulong)address;
        e->Len = length;
        e->Bid = bufferId;
    }

    /// <summary>Publishes <paramref name="count"/> added buffers to the kernel (store-release of the tail).</summary>
    public void Advance(int count) => Volatile.Write(ref Tail, (ushort)(Tail + count));

    /// <summary>Unregisters the group and frees the ring memory.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _ring?.UnregisterBufferRing(GroupId);
        munmap(_entries, (Tmds.Linux.size_t)(ulong)_size);
    }
}
