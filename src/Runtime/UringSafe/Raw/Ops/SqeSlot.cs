namespace UringSafe.Raw.Ops;

/// <summary>Names a field (union member group) of <see cref="Abi.Sqe"/> for builder declarations.</summary>
public enum SqeSlot
{
    /// <summary><c>ioprio</c> (u16).</summary>
    IoPrio,
    /// <summary><c>fd</c> (s32), or a <see cref="FileRef"/> that also sets IOSQE_FIXED_FILE.</summary>
    Fd,
    /// <summary><c>off</c> / <c>addr2</c> (u64).</summary>
    Off,
    /// <summary><c>cmd_op</c> (low u32 of <c>off</c>).</summary>
    CmdOp,
    /// <summary><c>addr</c> / <c>splice_off_in</c> (u64).</summary>
    Addr,
    /// <summary><c>level</c> (low u32 of <c>addr</c>).</summary>
    Level,
    /// <summary><c>optname</c> (high u32 of <c>addr</c>).</summary>
    OptName,
    /// <summary><c>len</c> (u32).</summary>
    Len,
    /// <summary>The per-opcode flags word at offset 28 (u32).</summary>
    OpFlags,
    /// <summary><c>buf_index</c> / <c>buf_group</c> (u16).</summary>
    BufIndex,
    /// <summary><c>splice_fd_in</c> / <c>file_index</c> / <c>optlen</c> (s32 / u32).</summary>
    SpliceFdIn,
    /// <summary><c>addr_len</c> (u16 at offset 44).</summary>
    AddrLen,
    /// <summary><c>addr3</c> / <c>attr_ptr</c> / <c>optval</c> (u64).</summary>
    Addr3,
    /// <summary><c>__pad2[0]</c> / <c>attr_type_mask</c> (u64 at offset 56).</summary>
    Pad2,
}
