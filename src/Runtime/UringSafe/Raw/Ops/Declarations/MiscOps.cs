using UringSafe.Abi;
using UringSafe.Raw.Ops.Declarations;

namespace UringSafe.Raw.Ops;

// Pipes, buffers, ring messages, epoll, process and futex waits, driver commands and NOP.

[UringOp(IoUringOpcode.Nop, "Does nothing and completes; useful for waking a ring, testing, or injecting a result.", "5.1", "io_uring_prep_nop")]
public partial struct Nop
{
    [Optional(SqeSlot.OpFlags, "IORING_NOP_* flags (6.10+), such as InjectResult.")] private NopFlags _nopFlags;
    [Optional(SqeSlot.Len, "The result to complete with, used with NopFlags.InjectResult.")] private int _injectedResult;
    [Optional(SqeSlot.Fd, "A file to look up, used with NopFlags.File.")] private int _fd;
    [Optional(SqeSlot.BufIndex, "A registered buffer to look up, used with NopFlags.FixedBuffer.")] private ushort _bufIndex;
}

[UringOp(IoUringOpcode.Splice, "Moves data between two files without copying through user space, one of them a pipe (splice).", "5.7", "io_uring_prep_splice")]
public partial struct Splice
{
    [Required(SqeSlot.SpliceFdIn, "The file to read from; a registered-file index with IoUringConstants.SpliceFdInFixed in the splice flags.")] private int _fdIn;
    [Required(SqeSlot.Fd, "The file to write to.")] private FileRef _fdOut;
    [Required(SqeSlot.Len, "Number of bytes to move at most.")] private uint _length;
    [Optional(SqeSlot.Addr, "Offset to read at; -1 (the default, and required for a pipe) uses the file position.")] private long _offIn = -1;
    [Optional(SqeSlot.Off, "Offset to write at; -1 (the default, and required for a pipe) uses the file position.")] private long _offOut = -1;
    [Optional(SqeSlot.OpFlags, "SPLICE_F_* flags, plus IoUringConstants.SpliceFdInFixed when fdIn is a registered-file index.")] private uint _spliceFlags;
}

[UringOp(IoUringOpcode.Tee, "Duplicates data from one pipe into another without consuming it (tee).", "5.8", "io_uring_prep_tee")]
public partial struct Tee
{
    [Required(SqeSlot.SpliceFdIn, "The pipe to read from; a registered-file index with IoUringConstants.SpliceFdInFixed in the splice flags.")] private int _fdIn;
    [Required(SqeSlot.Fd, "The pipe to write to.")] private FileRef _fdOut;
    [Required(SqeSlot.Len, "Number of bytes to duplicate at most.")] private uint _length;
    [Optional(SqeSlot.OpFlags, "SPLICE_F_* flags, plus IoUringConstants.SpliceFdInFixed when fdIn is a registered-file index.")] private uint _spliceFlags;
}

[UringOp(IoUringOpcode.ProvideBuffers, "Hands the kernel a contiguous run of equally sized buffers for a provided-buffer group (the legacy, non-ring kind).", "5.7", "io_uring_prep_provide_buffers")]
public partial struct ProvideBuffers
{
    [Required(SqeSlot.Addr, "Address of the first buffer; the rest follow it back to back.")] private nint _address;
    [Required(SqeSlot.Len, "Size in bytes of each buffer.")] private int _bufferLength;
    [Required(SqeSlot.Fd, "Number of buffers.")] private int _count;
    [Required(SqeSlot.BufIndex, "The buffer group to add them to.")] private ushort _bufferGroup;
    [Required(SqeSlot.Off, "Buffer id of the first buffer; the rest get consecutive ids.")] private int _firstBufferId;
}

[UringOp(IoUringOpcode.RemoveBuffers, "Takes unused buffers back out of a provided-buffer group.", "5.7", "io_uring_prep_remove_buffers")]
public partial struct RemoveBuffers
{
    [Required(SqeSlot.Fd, "Number of buffers to remove at most.")] private int _count;
    [Required(SqeSlot.BufIndex, "The buffer group.")] private ushort _bufferGroup;
}

[UringOp(IoUringOpcode.MsgRing, "Posts a completion with a chosen result and user_data on another io_uring instance.", "5.18", "io_uring_prep_msg_ring")]
public partial struct MsgRing
{
    [Required(SqeSlot.Fd, "The target ring's file descriptor (or its registered index).")] private FileRef _ringFd;
    [Required(SqeSlot.Len, "The res value of the completion posted on the target ring.")] private int _result;
    [Required(SqeSlot.Off, "The user_data of the completion posted on the target ring.")] private ulong _data;
    [Optional(SqeSlot.OpFlags, "IORING_MSG_RING_* flags: CqeSkip posts nothing on this ring, FlagsPass passes cqeFlags through.")] private MsgRingFlags _msgRingFlags;
    [Optional(SqeSlot.SpliceFdIn, "The flags of the target completion, used with MsgRingFlags.FlagsPass (6.3+).")] private uint _cqeFlags;
}

[UringOp(IoUringOpcode.MsgRing, "Sends one of this ring's registered files into another ring's registered file table.", "6.0", "io_uring_prep_msg_ring_fd")]
[Const(SqeSlot.Addr, 1 /* IORING_MSG_SEND_FD */)]
public partial struct MsgRingFd
{
    [Required(SqeSlot.Fd, "The target ring's file descriptor (or its registered index).")] private FileRef _ringFd;
    [Required(SqeSlot.Addr3, "Index of the file in this ring's registered file table.")] private int _sourceIndex;
    [Required(SqeSlot.SpliceFdIn, "Target slot in the other ring: the registered-file index plus one, or IoUringConstants.FileIndexAlloc to let the kernel pick one.")] private uint _targetSlot;
    [Optional(SqeSlot.Off, "The user_data of the completion posted on the target ring.")] private ulong _data;
    [Optional(SqeSlot.OpFlags, "IORING_MSG_RING_* flags, such as CqeSkip.")] private MsgRingFlags _msgRingFlags;
}

[UringOp(IoUringOpcode.EpollCtl, "Adds, changes or removes a descriptor in an epoll set (epoll_ctl).", "5.6", "io_uring_prep_epoll_ctl")]
public partial struct EpollCtl
{
    [Required(SqeSlot.Fd, "The epoll instance.")] private FileRef _epfd;
    [Required(SqeSlot.Off, "The descriptor to add, change or remove.")] private int _fd;
    [Required(SqeSlot.Len, "EPOLL_CTL_ADD, EPOLL_CTL_MOD or EPOLL_CTL_DEL.")] private int _op;
    [Required(SqeSlot.Addr, "Address of the struct epoll_event (ignored for EPOLL_CTL_DEL).")] private nint _event;
}

[UringOp(IoUringOpcode.EpollWait, "Waits for events on an epoll instance (epoll_wait).", "6.15", "io_uring_prep_epoll_wait")]
public partial struct EpollWait
{
    [Required(SqeSlot.Fd, "The epoll instance.")] private FileRef _epfd;
    [Required(SqeSlot.Addr, "Address of an array of struct epoll_event that receives the events.")] private nint _events;
    [Required(SqeSlot.Len, "Capacity of that array.")] private int _maxEvents;
}

[UringOp(IoUringOpcode.Waitid, "Waits for a child process to change state (waitid).", "6.7", "io_uring_prep_waitid")]
public partial struct Waitid
{
    [Required(SqeSlot.Len, "P_PID, P_PGID, P_PIDFD or P_ALL.")] private int _idType;
    [Required(SqeSlot.Fd, "The process, group or pidfd to wait for, as idType says.")] private int _id;
    [Required(SqeSlot.SpliceFdIn, "W* options, such as WEXITED.")] private int _options;
    [Optional(SqeSlot.Off, "Address of a siginfo_t that receives the child's state, or 0.")] private nint _info;
}

[UringOp(IoUringOpcode.FutexWait, "Waits on a futex word until woken, if it still holds the expected value (futex2 wait).", "6.7", "io_uring_prep_futex_wait")]
public partial struct FutexWait
{
    [Required(SqeSlot.Addr, "Address of the futex word.")] private nint _futex;
    [Required(SqeSlot.Off, "The value the word must still hold for the wait to start.")] private ulong _value;
    [Required(SqeSlot.Fd, "FUTEX2_* flags: the word size (FUTEX2_SIZE_U32 is 2), optionally with FUTEX2_PRIVATE.")] private uint _futexFlags;
    [Optional(SqeSlot.Addr3, "Bitset that a waker's mask must intersect; defaults to FUTEX_BITSET_MATCH_ANY.")] private ulong _mask = uint.MaxValue;
}

[UringOp(IoUringOpcode.FutexWake, "Wakes waiters on a futex word (futex2 wake).", "6.7", "io_uring_prep_futex_wake")]
public partial struct FutexWake
{
    [Required(SqeSlot.Addr, "Address of the futex word.")] private nint _futex;
    [Required(SqeSlot.Off, "Number of waiters to wake at most.")] private ulong _count;
    [Required(SqeSlot.Fd, "FUTEX2_* flags: the word size (FUTEX2_SIZE_U32 is 2), optionally with FUTEX2_PRIVATE.")] private uint _futexFlags;
    [Optional(SqeSlot.Addr3, "Bitset of the waiters to wake; defaults to FUTEX_BITSET_MATCH_ANY.")] private ulong _mask = uint.MaxValue;
}

[UringOp(IoUringOpcode.FutexWaitv, "Waits on several futex words at once until one is woken (futex_waitv).", "6.7", "io_uring_prep_futex_waitv")]
public partial struct FutexWaitv
{
    [Required(SqeSlot.Addr, "Address of an array of struct futex_waitv.")] private nint _waiters;
    [Required(SqeSlot.Len, "Number of entries in the array (at most 128).")] private uint _count;
}

[UringOp(IoUringOpcode.UringCmd, "Passes a driver-specific command to a file's uring_cmd handler (NVMe passthrough, sockets, block devices).", "5.19", "io_uring_prep_uring_cmd")]
public partial struct UringCmd
{
    [Required(SqeSlot.Fd, "The file whose driver handles the command.")] private FileRef _fd;
    [Required(SqeSlot.CmdOp, "The driver's command number.")] private uint _cmdOp;
    [Optional(SqeSlot.OpFlags, "IORING_URING_CMD_* flags; Fixed makes bufIndex name a registered buffer.")] private UringCmdFlags _uringCmdFlags;
    [Optional(SqeSlot.BufIndex, "Index of a registered buffer, used with UringCmdFlags.Fixed.")] private ushort _bufIndex;
    [Optional(SqeSlot.Addr, "Command-specific address or value.")] private ulong _address;
    [Optional(SqeSlot.Len, "Command-specific length.")] private uint _length;
    [Optional(SqeSlot.Addr3, "First 8 bytes of the inline command payload.")] private ulong _payload0;
    [Optional(SqeSlot.Pad2, "Second 8 bytes of the inline command payload.")] private ulong _payload1;
}
