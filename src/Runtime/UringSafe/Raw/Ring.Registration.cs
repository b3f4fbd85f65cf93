using System.Runtime.InteropServices;
using UringSafe.Abi;
using UringSafe.Interop;

namespace UringSafe.Raw;

public sealed unsafe partial class Ring
{
    /// <summary>Calls <c>io_uring_register(2)</c>; throws <see cref="UringException"/> naming the opcode on failure.</summary>
    internal int Register(RegisterOpcode opcode, void* arg, uint nrArgs)
    {
        ThrowIfDisposed();
        uint op = (uint)opcode;
        int fd = _ringFd;
        if ((_enterFlags & EnterFlags.RegisteredRing) != 0)
        {
            op |= (uint)RegisterOpcode.UseRegisteredRing;
            fd = _enterFd;
        }
        while (true)
        {
            int ret = IoUringSyscalls.Register(fd, op, arg, nrArgs);
            if (ret >= 0)
                return ret;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EINTR)
                continue;
            throw new UringException(errno, $"io_uring_register({opcode})", _ringFd, RegisterHint(opcode, errno));
        }
    }

    private static string? RegisterHint(RegisterOpcode opcode, int errno) => (opcode, errno) switch
    {
        (_, Errno.EINVAL) => "The kernel may not support this registration, or the arguments are out of range (Ring.Probe() lists what this kernel has).",
        (RegisterOpcode.RegisterBuffers or RegisterOpcode.RegisterBuffers2, Errno.ENOMEM) =>
            "Registered buffers are pinned and count against RLIMIT_MEMLOCK; raise `ulimit -l` or register less memory.",
        (_, Errno.EBUSY) => "Something is already registered; unregister it first.",
        (_, Errno.EBADF) => "One of the file descriptors is not open.",
        (_, Errno.EMFILE) => "The table is larger than RLIMIT_NOFILE allows; raise `ulimit -n`.",
        _ => null,
    };

    /// <summary>Registers a dense file table (IORING_REGISTER_FILES). SQEs then use <see cref="FileRef.Fixed"/> indices.</summary>
    public void RegisterFiles(ReadOnlySpan<int> fds)
    {
        fixed (int* p = fds)
            Register(RegisterOpcode.RegisterFiles, p, (uint)fds.Length);
    }

    /// <summary>Registers an empty (sparse) file table of <paramref name="count"/> slots, for direct descriptors (5.19+).</summary>
    public void RegisterFilesSparse(uint count)
    {
        RsrcRegister reg = default;
        reg.Nr = count;
        reg.Flags = RsrcRegister.FlagSparse;
        Register(RegisterOpcode.RegisterFiles2, &reg, (uint)sizeof(RsrcRegister));
    }

    /// <summary>Replaces slots starting at <paramref name="offset"/> (-1 empties a slot). Returns the number updated.</summary>
    public int UpdateFiles(uint offset, ReadOnlySpan<int> fds)
    {
        fixed (int* p = fds)
        {
            RsrcUpdate2 up = default;
            up.Offset = offset;
            up.Data = (ulong)p;
            up.Nr = (uint)fds.Length;
            return Register(RegisterOpcode.RegisterFilesUpdate2, &up, (uint)sizeof(RsrcUpdate2));
        }
    }

    /// <summary>Removes the registered file table.</summary>
    public void UnregisterFiles() => Register(RegisterOpcode.UnregisterFiles, null, 0);

    /// <summary>
    /// Registers fixed buffers (IORING_REGISTER_BUFFERS) for READ_FIXED / WRITE_FIXED. The kernel pins the pages;
    /// the memory must stay allocated until <see cref="UnregisterBuffers"/> or dispose.
    /// </summary>
    public void RegisterBuffers(ReadOnlySpan<IoVec> buffers)
    {
        fixed (IoVec* p = buffers)
            Register(RegisterOpcode.RegisterBuffers, p, (uint)buffers.Length);
    }

    /// <summary>Removes the registered buffers.</summary>
    public void UnregisterBuffers() => Register(RegisterOpcode.UnregisterBuffers, null, 0);

    /// <summary>Signals <paramref name="eventFd"/> on every completion (or only async ones with <paramref name="asyncOnly"/>).</summary>
    public void RegisterEventFd(int eventFd, bool asyncOnly = false)
        => Register(asyncOnly ? RegisterOpcode.RegisterEventFdAsync : RegisterOpcode.RegisterEventFd, &eventFd, 1);

    /// <summary>Removes the registered eventfd.</summary>
    public void UnregisterEventFd() => Register(RegisterOpcode.UnregisterEventFd, null, 0);

    /// <summary>True when the ring fd is registered and io_uring_enter uses its index.</summary>
    public bool IsRingFdRegistered => (_enterFlags & EnterFlags.RegisteredRing) != 0;

    /// <summary>Registers the ring's own fd (5.18+), so every enter skips the fd table lookup.</summary>
    public void RegisterRingFd()
    {
        if (IsRingFdRegistered)
            return;
        RsrcUpdate up = default;
        up.Offset = uint.MaxValue; // let the kernel pick a slot
        up.Data = (ulong)_ringFd;
        Register(RegisterOpcode.RegisterRingFds, &up, 1);
        _enterFd = (int)up.Offset;
        _enterFlags |= EnterFlags.RegisteredRing;
        _ringFdRegisteredOnThread = Environment.CurrentManagedThreadId;
    }

    /// <summary>Unregisters the ring fd; enter goes back to using the fd itself. Call it on the thread that
    /// registered it: the kernel keeps registered ring fds in a per-thread table (16 slots).</summary>
    public void UnregisterRingFd()
    {
        if (!IsRingFdRegistered)
            return;
        if (Environment.CurrentManagedThreadId != _ringFdRegisteredOnThread)
            throw new InvalidOperationException("A registered ring fd lives in the registering thread's table; unregister it on that thread.");
        RsrcUpdate up = default;
        up.Offset = (uint)_enterFd;
        _enterFlags &= ~EnterFlags.RegisteredRing; // so Register addresses the ring by its real fd
        _enterFd = _ringFd;
        Register(RegisterOpcode.UnregisterRingFds, &up, 1);
    }

    /// <summary>Asks the kernel which opcodes it supports (IORING_REGISTER_PROBE, 5.6+).</summary>
    public RingProbe Probe()
    {
        const int MaxOps = 256;
        int size = sizeof(ProbeHeader) + MaxOps * sizeof(ProbeOp);
        byte* buf = stackalloc byte[size];
        new Span<byte>(buf, size).Clear();
        Register(RegisterOpcode.RegisterProbe, buf, MaxOps);
        ProbeHeader* header = (ProbeHeader*)buf;
        ProbeOp* ops = (ProbeOp*)(buf + sizeof(ProbeHeader));
        var supported = new bool[MaxOps];
        for (int i = 0; i < header->OpsLen; i++)
            supported[ops[i].Op] = (ops[i].Flags & ProbeOp.Supported) != 0;
        return new RingProbe(header->LastOp, supported, Features);
    }

    /// <summary>
    /// Creates and registers a provided-buffer ring for buffer group <paramref name="groupId"/> (5.19+).
    /// With <paramref name="incremental"/> (6.12+), the kernel consumes each buffer in pieces (IOU_PBUF_RING_INC).
    /// </summary>
    public BufferRing SetupBufferRing(ushort groupId, uint entries, bool incremental = false)
        => new(this, groupId, entries, incremental);

    internal void RegisterBufferRing(ref BufRingRegistration reg)
    {
        fixed (BufRingRegistration* p = &reg)
            Register(RegisterOpcode.RegisterPbufRing, p, 1);
    }

    internal void UnregisterBufferRing(ushort groupId)
    {
        if (_disposed)
            return; // closing the ring released it
        BufRingRegistration reg = default;
        reg.Bgid = groupId;
        Register(RegisterOpcode.UnregisterPbufRing, &reg, 1);
    }
}
