namespace UringSafe.Abi;

/// <summary><c>enum io_uring_op</c>: the operation codes, with the kernel that added each.</summary>
public enum IoUringOpcode : byte
{
#pragma warning disable CS1591 // names are the kernel's, one-to-one
    Nop = 0,            // 5.1
    Readv = 1,          // 5.1
    Writev = 2,         // 5.1
    Fsync = 3,          // 5.1
    ReadFixed = 4,      // 5.1
    WriteFixed = 5,     // 5.1
    PollAdd = 6,        // 5.1
    PollRemove = 7,     // 5.1
    SyncFileRange = 8,  // 5.2
    SendMsg = 9,        // 5.3
    RecvMsg = 10,       // 5.3
    Timeout = 11,       // 5.4
    TimeoutRemove = 12, // 5.5
    Accept = 13,        // 5.5
    AsyncCancel = 14,   // 5.5
    LinkTimeout = 15,   // 5.5
    Connect = 16,       // 5.5
    Fallocate = 17,     // 5.6
    OpenAt = 18,        // 5.6
    Close = 19,         // 5.6
    FilesUpdate = 20,   // 5.6
    Statx = 21,         // 5.6
    Read = 22,          // 5.6
    Write = 23,         // 5.6
    Fadvise = 24,       // 5.6
    Madvise = 25,       // 5.6
    Send = 26,          // 5.6
    Recv = 27,          // 5.6
    OpenAt2 = 28,       // 5.6
    EpollCtl = 29,      // 5.6
    Splice = 30,        // 5.7
    ProvideBuffers = 31,// 5.7
    RemoveBuffers = 32, // 5.7
    Tee = 33,           // 5.8
    Shutdown = 34,      // 5.11
    RenameAt = 35,      // 5.11
    UnlinkAt = 36,      // 5.11
    MkdirAt = 37,       // 5.15
    SymlinkAt = 38,     // 5.15
    LinkAt = 39,        // 5.15
    MsgRing = 40,       // 5.18
    FSetXattr = 41,     // 5.19
    SetXattr = 42,      // 5.19
    FGetXattr = 43,     // 5.19
    GetXattr = 44,      // 5.19
    Socket = 45,        // 5.19
    UringCmd = 46,      // 5.19
    SendZc = 47,        // 6.0
    SendMsgZc = 48,     // 6.1
    ReadMultishot = 49, // 6.7
    Waitid = 50,        // 6.7
    FutexWait = 51,     // 6.7
    FutexWake = 52,     // 6.7
    FutexWaitv = 53,    // 6.7
    FixedFdInstall = 54,// 6.8
    Ftruncate = 55,     // 6.9
    Bind = 56,          // 6.11
    Listen = 57,        // 6.11
    RecvZc = 58,        // 6.15
    EpollWait = 59,     // 6.15
    ReadvFixed = 60,    // 6.15
    WritevFixed = 61,   // 6.15
    Pipe = 62,          // 6.16
#pragma warning restore CS1591
}
