namespace UringSafe.Abi;

// Per-opcode flag words from linux/io_uring.h. Each enum names the SQE field it goes in.
#pragma warning disable CS1591 // one-to-one with the kernel's names

/// <summary>IORING_TIMEOUT_* (<c>timeout_flags</c>).</summary>
[Flags]
public enum TimeoutFlags : uint
{
    None = 0, Abs = 1u << 0, Update = 1u << 1, BootTime = 1u << 2, RealTime = 1u << 3,
    LinkTimeoutUpdate = 1u << 4, EtimeSuccess = 1u << 5, Multishot = 1u << 6,
}

/// <summary>IORING_ASYNC_CANCEL_* (<c>cancel_flags</c>).</summary>
[Flags]
public enum CancelFlags : uint
{
    None = 0, All = 1u << 0, Fd = 1u << 1, Any = 1u << 2, FdFixed = 1u << 3, UserData = 1u << 4, Op = 1u << 5,
}

/// <summary>IORING_ACCEPT_* (in <c>ioprio</c>).</summary>
[Flags]
public enum AcceptIoPrio : ushort
{
    None = 0, Multishot = 1 << 0, DontWait = 1 << 1, PollFirst = 1 << 2,
}

/// <summary>IORING_RECVSEND_* and IORING_RECV_MULTISHOT (in <c>ioprio</c>).</summary>
[Flags]
public enum RecvSendIoPrio : ushort
{
    None = 0, PollFirst = 1 << 0, RecvMultishot = 1 << 1, FixedBuf = 1 << 2, SendZcReportUsage = 1 << 3, Bundle = 1 << 4,
}

/// <summary>IORING_POLL_* (in <c>len</c> for POLL_ADD / POLL_REMOVE).</summary>
[Flags]
public enum PollAddFlags : uint
{
    None = 0, Multi = 1u << 0, UpdateEvents = 1u << 1, UpdateUserData = 1u << 2, Level = 1u << 3,
}

/// <summary>IORING_FSYNC_* (<c>fsync_flags</c>).</summary>
[Flags]
public enum FsyncFlags : uint
{
    None = 0, Datasync = 1u << 0,
}

/// <summary>IORING_MSG_RING_* (<c>msg_ring_flags</c>).</summary>
[Flags]
public enum MsgRingFlags : uint
{
    None = 0, CqeSkip = 1u << 0, FlagsPass = 1u << 1,
}

/// <summary>The MSG_RING command in <c>addr</c>.</summary>
public enum MsgRingCommand : ulong
{
    Data = 0, SendFd = 1,
}

/// <summary>IORING_FIXED_FD_* (<c>install_fd_flags</c>).</summary>
[Flags]
public enum FixedFdInstallFlags : uint
{
    None = 0, NoCloexec = 1u << 0,
}

/// <summary>IORING_URING_CMD_* (<c>uring_cmd_flags</c>).</summary>
[Flags]
public enum UringCmdFlags : uint
{
    None = 0, Fixed = 1u << 0,
}

/// <summary>IORING_NOP_* (<c>nop_flags</c>).</summary>
[Flags]
public enum NopFlags : uint
{
    None = 0, InjectResult = 1u << 0, File = 1u << 1, FixedFile = 1u << 2, FixedBuffer = 1u << 3,
}

/// <summary>Well-known values used across opcodes.</summary>
public static class IoUringConstants
{
    /// <summary>IORING_FILE_INDEX_ALLOC: let the kernel pick a free direct-descriptor slot.</summary>
    public const uint FileIndexAlloc = uint.MaxValue;
    /// <summary>SPLICE_F_FD_IN_FIXED: <c>splice_fd_in</c> is a fixed-file index.</summary>
    public const uint SpliceFdInFixed = 1u << 31;
    /// <summary>AT_FDCWD: resolve a relative path against the current directory.</summary>
    public const int AtFdCwd = -100;
    /// <summary>IORING_CQE_BUFFER_SHIFT.</summary>
    public const int CqeBufferShift = 16;
    /// <summary>The offset value that means "the file's current position" for read/write.</summary>
    public const ulong CurrentPosition = ulong.MaxValue;
}
#pragma warning restore CS1591
