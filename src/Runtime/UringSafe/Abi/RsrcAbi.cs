using System.Runtime.InteropServices;

namespace UringSafe.Abi;

/// <summary><c>struct io_uring_rsrc_register</c> (32 bytes), for IORING_REGISTER_FILES2 / BUFFERS2.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct RsrcRegister
{
#pragma warning disable CS1591
    public uint Nr, Flags;
    public ulong Resv2, Data, Tags;
    /// <summary>IORING_RSRC_REGISTER_SPARSE.</summary>
    public const uint FlagSparse = 1;
#pragma warning restore CS1591
}

/// <summary><c>struct io_uring_rsrc_update</c> (16 bytes), for IORING_REGISTER_FILES_UPDATE and RING_FDS.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct RsrcUpdate
{
#pragma warning disable CS1591
    public uint Offset, Resv;
    public ulong Data;
#pragma warning restore CS1591
}

/// <summary><c>struct io_uring_rsrc_update2</c> (32 bytes), for IORING_REGISTER_FILES_UPDATE2.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct RsrcUpdate2
{
#pragma warning disable CS1591
    public uint Offset, Resv;
    public ulong Data, Tags;
    public uint Nr, Resv2;
#pragma warning restore CS1591
}

/// <summary><c>struct io_uring_sync_cancel_reg</c> (64 bytes), for IORING_REGISTER_SYNC_CANCEL.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SyncCancelRegistration
{
#pragma warning disable CS1591
    public ulong Addr;
    public int Fd;
    public CancelFlags Flags;
    public KernelTimespec Timeout;
    public byte Opcode, Pad0, Pad1, Pad2, Pad3, Pad4, Pad5, Pad6;
    public ulong Pad2a, Pad2b, Pad2c;
#pragma warning restore CS1591
}

/// <summary><c>struct iovec</c> (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct IoVec
{
    /// <summary><c>iov_base</c>.</summary>
    public nint Base;
    /// <summary><c>iov_len</c>.</summary>
    public nuint Length;
}
