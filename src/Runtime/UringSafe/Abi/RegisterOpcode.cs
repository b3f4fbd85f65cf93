namespace UringSafe.Abi;

/// <summary>The <c>opcode</c> argument of <c>io_uring_register(2)</c>.</summary>
public enum RegisterOpcode : uint
{
#pragma warning disable CS1591
    RegisterBuffers = 0, UnregisterBuffers = 1, RegisterFiles = 2, UnregisterFiles = 3,
    RegisterEventFd = 4, UnregisterEventFd = 5, RegisterFilesUpdate = 6, RegisterEventFdAsync = 7,
    RegisterProbe = 8, RegisterPersonality = 9, UnregisterPersonality = 10, RegisterRestrictions = 11,
    RegisterEnableRings = 12, RegisterFiles2 = 13, RegisterFilesUpdate2 = 14, RegisterBuffers2 = 15,
    RegisterBuffersUpdate = 16, RegisterIowqAff = 17, UnregisterIowqAff = 18, RegisterIowqMaxWorkers = 19,
    RegisterRingFds = 20, UnregisterRingFds = 21, RegisterPbufRing = 22, UnregisterPbufRing = 23,
    RegisterSyncCancel = 24, RegisterFileAllocRange = 25, RegisterPbufStatus = 26, RegisterNapi = 27,
    UnregisterNapi = 28, RegisterClock = 29, RegisterCloneBuffers = 30, RegisterSendMsgRing = 31,
    /// <summary>IORING_REGISTER_USE_REGISTERED_RING: the fd argument is a registered ring index.</summary>
    UseRegisteredRing = 1u << 31,
#pragma warning restore CS1591
}
