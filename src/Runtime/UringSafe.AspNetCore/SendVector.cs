using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tmds.Linux;

namespace UringSafe.AspNetCore;

/// <summary>
/// One connection's gather list for sends straight from the output pipe's segments: a pinned iovec table and the pins
/// of the segments it points at. Used by one send at a time (the connection's send loop is sequential), from whichever
/// thread runs that send; for a send on the ring the pins are held until its final completion.
/// </summary>
internal sealed unsafe class SendVector
{
    /// <summary>Segments one sendmsg covers (pipe segments are 4 KiB: 64 KiB per call).</summary>
    public const int MaxSegments = 16;

    private readonly iovec[] _iov = GC.AllocateArray<iovec>(MaxSegments, pinned: true);
    private readonly MemoryHandle[] _pins = new MemoryHandle[MaxSegments];
    private int _count;

    /// <summary>The iovec table (pinned: its address never changes).</summary>
    public iovec* Iov => (iovec*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_iov));

    /// <summary>Entries in use.</summary>
    public int Count => _count;

    /// <summary>Pins up to <see cref="MaxSegments"/> non-empty segments of <paramref name="data"/> and points the iovecs
    /// at them; returns the bytes covered. Pair with <see cref="Unpin"/>.</summary>
    public long Pin(in ReadOnlySequence<byte> data)
    {
        Unpin();
        long total = 0;
        foreach (ReadOnlyMemory<byte> segment in data)
        {
            if (segment.IsEmpty)
                continue;
            if (_count == MaxSegments)
                break;
            MemoryHandle pin = segment.Pin(); // free for Kestrel's pinned blocks; a GC handle for other pools
            _pins[_count] = pin;
            _iov[_count] = new iovec { iov_base = pin.Pointer, iov_len = segment.Length };
            _count++;
            total += segment.Length;
        }
        return total;
    }

    /// <summary>Drops the pins (idempotent).</summary>
    public void Unpin()
    {
        for (int i = 0; i < _count; i++)
        {
            _pins[i].Dispose();
            _pins[i] = default;
            _iov[i] = default;
        }
        _count = 0;
    }
}
