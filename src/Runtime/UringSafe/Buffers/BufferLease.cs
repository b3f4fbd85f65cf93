using System.Buffers;

namespace UringSafe.Buffers;

/// <summary>What an operation holds while it has a buffer lent: the region, and the GC pin for managed memory.</summary>
public struct BufferLease
{
    internal MemoryHandle Pin;

    internal BufferLease(LentRegion region, MemoryHandle pin)
    {
        Region = region;
        Pin = pin;
    }

    /// <summary>The lent memory.</summary>
    public LentRegion Region { get; }
}
