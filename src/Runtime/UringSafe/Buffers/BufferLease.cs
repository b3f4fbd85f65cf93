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
        IsActive = true;
    }

    /// <summary>True from the lending until the release. A release of an inactive lease (the operation was refused
    /// before it lent anything, or released already) leaves the buffer exactly as it is.</summary>
    internal bool IsActive { get; private set; }

    /// <summary>Ends the lease; returns false when it was not active.</summary>
    internal bool End()
    {
        if (!IsActive)
            return false;
        IsActive = false;
        Pin.Dispose();
        Pin = default;
        return true;
    }

    /// <summary>The lent memory.</summary>
    public LentRegion Region { get; }
}
