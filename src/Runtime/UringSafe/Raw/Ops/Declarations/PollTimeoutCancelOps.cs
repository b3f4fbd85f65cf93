using UringSafe.Abi;
using UringSafe.Raw.Ops.Declarations;

namespace UringSafe.Raw.Ops;

// Poll, timeout and cancellation opcodes. Operations are named by the user_data they were submitted with.
// A timespec operand is the address of a KernelTimespec that must stay valid until the operation has been submitted.

[UringOp(IoUringOpcode.PollAdd, "Waits once for a file to become ready for the given poll events; the result is the events that fired.", "5.1", "io_uring_prep_poll_add")]
public partial struct PollAdd
{
    [Required(SqeSlot.Fd, "The file to poll.")] private FileRef _fd;
    [Required(SqeSlot.OpFlags, "POLL* event mask, such as POLLIN.")] private uint _events;
    [Optional(SqeSlot.Len, "IORING_POLL_* flags, such as Level for level-triggered polling.")] private PollAddFlags _pollFlags;
}

[UringOp(IoUringOpcode.PollAdd, "Waits repeatedly for a file to become ready, posting a completion each time until cancelled.", "5.13", "io_uring_prep_poll_multishot")]
[Const(SqeSlot.Len, 1 /* IORING_POLL_ADD_MULTI */)]
public partial struct PollAddMultishot
{
    [Required(SqeSlot.Fd, "The file to poll.")] private FileRef _fd;
    [Required(SqeSlot.OpFlags, "POLL* event mask, such as POLLIN.")] private uint _events;
    [Optional(SqeSlot.Len, "Further IORING_POLL_* flags, such as Level.")] private PollAddFlags _pollFlags;
}

[UringOp(IoUringOpcode.PollRemove, "Cancels a pending poll request.", "5.1", "io_uring_prep_poll_remove")]
public partial struct PollRemove
{
    [Required(SqeSlot.Addr, "user_data of the poll request to remove.")] private ulong _targetUserData;
}

[UringOp(IoUringOpcode.PollRemove, "Changes the event mask and/or user_data of a pending poll request.", "5.13", "io_uring_prep_poll_update")]
public partial struct PollUpdate
{
    [Required(SqeSlot.Addr, "user_data of the poll request to update.")] private ulong _targetUserData;
    [Required(SqeSlot.Len, "What to update: UpdateEvents and/or UpdateUserData, plus Multi to keep it multishot.")] private PollAddFlags _updateFlags;
    [Optional(SqeSlot.OpFlags, "New POLL* event mask, used with UpdateEvents.")] private uint _events;
    [Optional(SqeSlot.Off, "New user_data, used with UpdateUserData.")] private ulong _newUserData;
}

[UringOp(IoUringOpcode.Timeout, "Completes after a time, or once a number of other completions have been posted, whichever is first.", "5.4", "io_uring_prep_timeout")]
[Const(SqeSlot.Len, 1)]
public partial struct Timeout
{
    [Required(SqeSlot.Addr, "Address of the KernelTimespec: a relative duration, or an absolute time with Abs.")] private nint _timespec;
    [Optional(SqeSlot.Off, "Completions to wait for before the timer; 0 makes it a pure timer.")] private ulong _count;
    [Optional(SqeSlot.OpFlags, "IORING_TIMEOUT_* flags: Abs, a clock (BootTime or RealTime), EtimeSuccess or Multishot.")] private TimeoutFlags _timeoutFlags;
}

[UringOp(IoUringOpcode.TimeoutRemove, "Cancels a pending timeout.", "5.5", "io_uring_prep_timeout_remove")]
public partial struct TimeoutRemove
{
    [Required(SqeSlot.Addr, "user_data of the timeout to remove.")] private ulong _targetUserData;
    [Optional(SqeSlot.OpFlags, "IORING_TIMEOUT_* flags; none are meaningful for removal today.")] private TimeoutFlags _timeoutFlags;
}

[UringOp(IoUringOpcode.TimeoutRemove, "Re-arms a pending timeout with a new expiry.", "5.11", "io_uring_prep_timeout_update")]
[Const(SqeSlot.OpFlags, 1 << 1 /* IORING_TIMEOUT_UPDATE */)]
public partial struct TimeoutUpdate
{
    [Required(SqeSlot.Addr, "user_data of the timeout to update.")] private ulong _targetUserData;
    [Required(SqeSlot.Off, "Address of the new KernelTimespec.")] private nint _timespec;
    [Optional(SqeSlot.OpFlags, "Further IORING_TIMEOUT_* flags, such as Abs or a clock.")] private TimeoutFlags _timeoutFlags;
}

[UringOp(IoUringOpcode.LinkTimeout, "Bounds the time of the linked operation submitted just before it; that operation is cancelled if it is still running at expiry.", "5.5", "io_uring_prep_link_timeout")]
[Const(SqeSlot.Len, 1)]
public partial struct LinkTimeout
{
    [Required(SqeSlot.Addr, "Address of the KernelTimespec: a relative duration, or an absolute time with Abs.")] private nint _timespec;
    [Optional(SqeSlot.OpFlags, "IORING_TIMEOUT_* flags: Abs or a clock (BootTime or RealTime).")] private TimeoutFlags _timeoutFlags;
}

[UringOp(IoUringOpcode.TimeoutRemove, "Re-arms a pending link timeout with a new expiry.", "5.15", "io_uring_prep_timeout_update")]
[Const(SqeSlot.OpFlags, 1 << 4 /* IORING_LINK_TIMEOUT_UPDATE */)]
public partial struct LinkTimeoutUpdate
{
    [Required(SqeSlot.Addr, "user_data of the link timeout to update.")] private ulong _targetUserData;
    [Required(SqeSlot.Off, "Address of the new KernelTimespec.")] private nint _timespec;
    [Optional(SqeSlot.OpFlags, "Further IORING_TIMEOUT_* flags, such as Abs or a clock.")] private TimeoutFlags _timeoutFlags;
}

[UringOp(IoUringOpcode.AsyncCancel, "Cancels pending requests: by user_data, or with cancel flags every match, any request, or requests of one opcode.", "5.5", "io_uring_prep_cancel64")]
public partial struct AsyncCancel
{
    [Required(SqeSlot.Addr, "user_data of the request to cancel (ignored with CancelFlags.Any).")] private ulong _targetUserData;
    [Optional(SqeSlot.OpFlags, "IORING_ASYNC_CANCEL_* flags: All cancels every match instead of the first, Any matches every request, Op matches by opcode.")] private CancelFlags _cancelFlags;
    [Optional(SqeSlot.Len, "Opcode to match, used with CancelFlags.Op.")] private IoUringOpcode _opcode;
}

[UringOp(IoUringOpcode.AsyncCancel, "Cancels pending requests that act on a given file.", "5.19", "io_uring_prep_cancel_fd")]
[Const(SqeSlot.OpFlags, 1 << 1 /* IORING_ASYNC_CANCEL_FD */)]
public partial struct AsyncCancelFd
{
    [Required(SqeSlot.Fd, "The descriptor, or with CancelFlags.FdFixed the registered-file index, whose requests are cancelled.")] private int _fd;
    [Optional(SqeSlot.OpFlags, "Further IORING_ASYNC_CANCEL_* flags: All, FdFixed, UserData or Op.")] private CancelFlags _cancelFlags;
    [Optional(SqeSlot.Addr, "user_data to match as well, used with CancelFlags.UserData.")] private ulong _targetUserData;
    [Optional(SqeSlot.Len, "Opcode to match as well, used with CancelFlags.Op.")] private IoUringOpcode _opcode;
}
