using System.Runtime.InteropServices;

namespace UringSafe.Abi;

/// <summary><c>struct io_sqring_offsets</c> (40 bytes): where each SQ ring field sits in the mapping.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SqRingOffsets
{
#pragma warning disable CS1591
    public uint Head, Tail, RingMask, RingEntries, Flags, Dropped, Array, Resv1;
    public ulong UserAddr;
#pragma warning restore CS1591
}

/// <summary><c>struct io_cqring_offsets</c> (40 bytes): where each CQ ring field sits in the mapping.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct CqRingOffsets
{
#pragma warning disable CS1591
    public uint Head, Tail, RingMask, RingEntries, Overflow, Cqes, Flags, Resv1;
    public ulong UserAddr;
#pragma warning restore CS1591
}

/// <summary><c>struct io_uring_params</c> (120 bytes), in and out of <c>io_uring_setup(2)</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct RingParams
{
#pragma warning disable CS1591
    public uint SqEntries, CqEntries;
    public SetupFlags Flags;
    public uint SqThreadCpu, SqThreadIdle;
    public RingFeatures Features;
    public uint WqFd, Resv0, Resv1, Resv2;
    public SqRingOffsets SqOff;
    public CqRingOffsets CqOff;
#pragma warning restore CS1591
}

/// <summary><c>struct __kernel_timespec</c> (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct KernelTimespec
{
    /// <summary>Seconds.</summary>
    public long Sec;
    /// <summary>Nanoseconds.</summary>
    public long Nsec;

    /// <summary>Converts a <see cref="TimeSpan"/> (negative values clamp to zero).</summary>
    public static KernelTimespec From(TimeSpan value)
    {
        long ticks = Math.Max(0, value.Ticks);
        return new KernelTimespec { Sec = ticks / TimeSpan.TicksPerSecond, Nsec = ticks % TimeSpan.TicksPerSecond * 100 };
    }
}

/// <summary><c>struct io_uring_getevents_arg</c> (24 bytes), for IORING_ENTER_EXT_ARG.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct GetEventsArg
{
#pragma warning disable CS1591
    public ulong Sigmask;
    public uint SigmaskSz;
    public uint MinWaitUsec;
    public ulong Ts;
#pragma warning restore CS1591
}
