namespace UringSafe.Buffers;

/// <summary>
/// Where a lent buffer's memory is, for filling an SQE: valid from the lend until the operation's final completion.
/// <see cref="FixedIndex"/> is the registered-buffer index when the buffer's pool is registered with this ring
/// (use READ_FIXED / WRITE_FIXED then), else -1.
/// </summary>
public readonly struct LentRegion
{
    internal LentRegion(nint address, int length, int capacity, int fixedIndex)
    {
        Address = address;
        Length = length;
        Capacity = capacity;
        FixedIndex = fixedIndex;
    }

    /// <summary>Start of the memory (stable while lent).</summary>
    public nint Address { get; }
    /// <summary>Initialized bytes: what a write sends.</summary>
    public int Length { get; }
    /// <summary>Total bytes: what a read may fill.</summary>
    public int Capacity { get; }
    /// <summary>Registered-buffer index for fixed reads and writes, or -1.</summary>
    public int FixedIndex { get; }
    /// <summary>True when <see cref="FixedIndex"/> is usable.</summary>
    public bool IsFixed => FixedIndex >= 0;
}
