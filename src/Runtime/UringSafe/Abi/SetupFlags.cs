namespace UringSafe.Abi;

/// <summary>IORING_SETUP_* flags passed to <c>io_uring_setup(2)</c>.</summary>
[Flags]
public enum SetupFlags : uint
{
#pragma warning disable CS1591 // one-to-one with the kernel's names
    None = 0,
    IoPoll = 1u << 0,
    SqPoll = 1u << 1,
    SqAff = 1u << 2,
    CqSize = 1u << 3,
    Clamp = 1u << 4,
    AttachWq = 1u << 5,
    RDisabled = 1u << 6,
    SubmitAll = 1u << 7,
    CoopTaskrun = 1u << 8,
    TaskrunFlag = 1u << 9,
    Sqe128 = 1u << 10,
    Cqe32 = 1u << 11,
    SingleIssuer = 1u << 12,
    DeferTaskrun = 1u << 13,
    NoMmap = 1u << 14,
    RegisteredFdOnly = 1u << 15,
    NoSqArray = 1u << 16,
    HybridIoPoll = 1u << 17,
#pragma warning restore CS1591
}

/// <summary>IORING_FEAT_* flags the kernel reports from <c>io_uring_setup(2)</c>.</summary>
[Flags]
public enum RingFeatures : uint
{
#pragma warning disable CS1591
    None = 0,
    SingleMmap = 1u << 0,
    NoDrop = 1u << 1,
    SubmitStable = 1u << 2,
    RwCurPos = 1u << 3,
    CurPersonality = 1u << 4,
    FastPoll = 1u << 5,
    Poll32Bits = 1u << 6,
    SqPollNonFixed = 1u << 7,
    ExtArg = 1u << 8,
    NativeWorkers = 1u << 9,
    RsrcTags = 1u << 10,
    CqeSkip = 1u << 11,
    LinkedFile = 1u << 12,
    RegRegRing = 1u << 13,
    RecvSendBundle = 1u << 14,
    MinTimeout = 1u << 15,
    RwAttr = 1u << 16,
    NoIoWait = 1u << 17,
#pragma warning restore CS1591
}

/// <summary>IORING_ENTER_* flags for <c>io_uring_enter(2)</c>.</summary>
[Flags]
public enum EnterFlags : uint
{
#pragma warning disable CS1591
    None = 0,
    GetEvents = 1u << 0,
    SqWakeup = 1u << 1,
    SqWait = 1u << 2,
    ExtArg = 1u << 3,
    RegisteredRing = 1u << 4,
    AbsTimer = 1u << 5,
    ExtArgReg = 1u << 6,
    NoIoWait = 1u << 7,
#pragma warning restore CS1591
}

/// <summary>IORING_SQ_* flags the kernel sets in the SQ ring's <c>flags</c> word.</summary>
[Flags]
public enum SqRingFlags : uint
{
#pragma warning disable CS1591
    None = 0,
    NeedWakeup = 1u << 0,
    CqOverflow = 1u << 1,
    Taskrun = 1u << 2,
#pragma warning restore CS1591
}

/// <summary>IORING_CQE_F_* flags of a completion. The upper 16 bits hold a buffer id.</summary>
[Flags]
public enum CqeFlags : uint
{
#pragma warning disable CS1591
    None = 0,
    Buffer = 1u << 0,
    More = 1u << 1,
    SockNonEmpty = 1u << 2,
    Notification = 1u << 3,
    BufMore = 1u << 4,
#pragma warning restore CS1591
}
