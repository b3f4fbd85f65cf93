using System.Runtime.InteropServices;

namespace UringSafe.Abi;

/// <summary><c>struct io_uring_buf</c> (16 bytes): one slot of a provided buffer ring.
/// In slot 0, <see cref="Resv"/> doubles as the ring's <c>tail</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct BufRingEntry
{
#pragma warning disable CS1591
    public ulong Addr;
    public uint Len;
    public ushort Bid;
    public ushort Resv;
#pragma warning restore CS1591
    /// <summary>Offset of the ring tail inside the ring (overlays slot 0's <c>resv</c>).</summary>
    public const int TailOffset = 14;
}

/// <summary><c>struct io_uring_buf_reg</c> (40 bytes), for IORING_REGISTER_PBUF_RING.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct BufRingRegistration
{
#pragma warning disable CS1591
    public ulong RingAddr;
    public uint RingEntries;
    public ushort Bgid;
    public ushort Flags;
    public ulong Resv0, Resv1, Resv2;
    /// <summary>IOU_PBUF_RING_MMAP: the kernel allocates the ring.</summary>
    public const ushort FlagMmap = 1;
    /// <summary>IOU_PBUF_RING_INC: buffers are consumed incrementally (6.12).</summary>
    public const ushort FlagIncremental = 2;
#pragma warning restore CS1591
}
