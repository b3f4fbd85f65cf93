using System.Runtime.InteropServices;

namespace UringSafe.Abi;

/// <summary><c>struct io_uring_probe</c> header (16 bytes); <c>ops[]</c> follows.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct ProbeHeader
{
#pragma warning disable CS1591
    public byte LastOp, OpsLen;
    public ushort Resv;
    public uint Resv2a, Resv2b, Resv2c;
#pragma warning restore CS1591
}

/// <summary><c>struct io_uring_probe_op</c> (8 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct ProbeOp
{
#pragma warning disable CS1591
    public byte Op, Resv;
    public ushort Flags;
    public uint Resv2;
    /// <summary>IO_URING_OP_SUPPORTED.</summary>
    public const ushort Supported = 1;
#pragma warning restore CS1591
}
