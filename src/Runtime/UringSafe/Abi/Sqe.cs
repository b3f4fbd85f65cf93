using System.Runtime.InteropServices;

namespace UringSafe.Abi;

/// <summary>
/// A submission queue entry, <c>struct io_uring_sqe</c> from <c>linux/io_uring.h</c> (64 bytes).
/// Unions are exposed under their most common name; the typed builders in <c>UringSafe.Raw.Ops</c>
/// know which member each opcode means.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
public struct Sqe
{
    /// <summary>The operation, <c>opcode</c>.</summary>
    [FieldOffset(0)] public IoUringOpcode Opcode;
    /// <summary>Per-SQE flags, <c>flags</c> (IOSQE_*).</summary>
    [FieldOffset(1)] public SqeFlags Flags;
    /// <summary><c>ioprio</c>: I/O priority, or per-opcode flags such as IORING_ACCEPT_MULTISHOT.</summary>
    [FieldOffset(2)] public ushort IoPrio;
    /// <summary><c>fd</c>: the file descriptor, or a fixed-file index with IOSQE_FIXED_FILE.</summary>
    [FieldOffset(4)] public int Fd;
    /// <summary><c>off</c> / <c>addr2</c> / <c>cmd_op</c>.</summary>
    [FieldOffset(8)] public ulong Off;
    /// <summary><c>addr</c> / <c>splice_off_in</c> / <c>level</c>+<c>optname</c>.</summary>
    [FieldOffset(16)] public ulong Addr;
    /// <summary><c>len</c>: buffer size or count.</summary>
    [FieldOffset(24)] public uint Len;
    /// <summary>The per-opcode flags union (<c>rw_flags</c>, <c>msg_flags</c>, <c>timeout_flags</c>, ...).</summary>
    [FieldOffset(28)] public uint OpFlags;
    /// <summary><c>user_data</c>, copied into the completion.</summary>
    [FieldOffset(32)] public ulong UserData;
    /// <summary><c>buf_index</c> / <c>buf_group</c>.</summary>
    [FieldOffset(40)] public ushort BufIndex;
    /// <summary><c>personality</c>: a registered credential id.</summary>
    [FieldOffset(42)] public ushort Personality;
    /// <summary><c>splice_fd_in</c> / <c>file_index</c> / <c>optlen</c>.</summary>
    [FieldOffset(44)] public int SpliceFdIn;
    /// <summary><c>addr_len</c> (low half of the word at offset 44).</summary>
    [FieldOffset(44)] public ushort AddrLen;
    /// <summary><c>addr3</c> / <c>attr_ptr</c> / <c>optval</c>; also the start of <c>cmd</c>.</summary>
    [FieldOffset(48)] public ulong Addr3;
    /// <summary><c>__pad2[0]</c> / <c>attr_type_mask</c>.</summary>
    [FieldOffset(56)] public ulong Pad2;

    /// <summary>Returns a copy with <see cref="UserData"/> set, for chaining after a builder's <c>Build()</c>.</summary>
    public readonly Sqe WithUserData(ulong userData)
    {
        Sqe copy = this;
        copy.UserData = userData;
        return copy;
    }

    /// <summary>Returns a copy with <paramref name="flags"/> added to <see cref="Flags"/>.</summary>
    public readonly Sqe WithFlags(SqeFlags flags)
    {
        Sqe copy = this;
        copy.Flags |= flags;
        return copy;
    }
}
