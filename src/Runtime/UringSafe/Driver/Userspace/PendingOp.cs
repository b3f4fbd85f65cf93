using UringSafe.Abi;

namespace UringSafe.Driver.Userspace;

/// <summary>Where a request of the userspace ring waits.</summary>
internal enum OpState : byte
{
    /// <summary>Not parked (starting, or free in the pool).</summary>
    None,
    /// <summary>Waits for its descriptor's readiness (epoll).</summary>
    Waiting,
    /// <summary>A timeout waiting for its deadline.</summary>
    Timer,
    /// <summary>Queued for the worker pool, not started: a cancel removes it.</summary>
    Queued,
    /// <summary>Running on a worker: a cancel is too late (-EALREADY), its buffer is the worker's until it returns.</summary>
    Running,
    /// <summary>Removed from the worker queue by a cancel before a worker took it.</summary>
    Dequeued,
}

/// <summary>One request the userspace ring executes: the SQE as submitted and where it waits. Pooled per driver.</summary>
internal sealed class PendingOp
{
    public Sqe Sqe;

    /// <summary>The descriptor it acts on (a registered index already resolved), or -1.</summary>
    public int Fd = -1;

    /// <summary>The registered-file index its SQE named (IOSQE_FIXED_FILE), or -1.</summary>
    public int FixedIndex = -1;

    /// <summary>Written under the worker pool's lock while <see cref="OpState.Queued"/> or <see cref="OpState.Running"/>.</summary>
    public OpState State;

    /// <summary>True while in the driver's pending set (a cancel can find it).</summary>
    public bool Parked;

    /// <summary>The descriptor readiness it waits for, when <see cref="OpState.Waiting"/>.</summary>
    public FdEntry? Entry;

    /// <summary>The wait list it is on: 0 read, 1 write, 2 poll.</summary>
    public byte Direction;

    public PendingOp? NextWaiter;

    /// <summary>The LINK_TIMEOUT guarding this request, or null.</summary>
    public PendingOp? LinkTimer;

    /// <summary>For a LINK_TIMEOUT: the request it guards.</summary>
    public PendingOp? LinkTarget;

    /// <summary>Advances when a timer is armed or disarmed and when the object is reused: heap entries with an older
    /// stamp are stale.</summary>
    public int Stamp;

    /// <summary>A connect that answered EINPROGRESS: the next writability reads SO_ERROR.</summary>
    public bool ConnectStarted;

    /// <summary>A multishot receive with a byte limit (IORING_RECV_MSHOT_LIM: <c>Sqe.SpliceFdIn</c>, the bytes left)
    /// received them all: its last completion ends it, as the kernel's does.</summary>
    public bool ByteLimitReached;

    /// <summary>The worker's result.</summary>
    public int Result;

    public UserspaceRingDriver? Owner;

    public ulong UserData => Sqe.UserData;

    public IoUringOpcode Opcode => Sqe.Opcode;

    /// <summary>True for requests that post several completions (multishot accept, recv and poll).</summary>
    public bool Multishot => Sqe.Opcode switch
    {
        IoUringOpcode.Accept => (Sqe.IoPrio & (ushort)AcceptIoPrio.Multishot) != 0,
        IoUringOpcode.Recv => (Sqe.IoPrio & (ushort)RecvSendIoPrio.RecvMultishot) != 0,
        IoUringOpcode.PollAdd => (Sqe.Len & (uint)PollAddFlags.Multi) != 0,
        _ => false,
    };
}

/// <summary>What the userspace ring knows about a descriptor: how it runs requests on it, its edge-triggered
/// readiness, and the requests waiting for it.</summary>
internal sealed class FdEntry(int fd, bool pollable, bool stream)
{
    public readonly int Fd = fd;

    /// <summary>Sockets, pipes, eventfds, terminals: non-blocking syscalls and epoll. Else (regular files, block devices,
    /// directories) every request runs on the worker pool.</summary>
    public readonly bool Pollable = pollable;

    /// <summary>A byte stream (TCP, Unix stream, pipe): a read shorter than asked drained it, so the next read waits
    /// for an edge instead of trying (and failing with EAGAIN) first.</summary>
    public readonly bool Stream = stream;

    public bool Readable = true, Writable = true;

    /// <summary>The peer closed (or the socket failed): reads never wait again, they return the end of stream or the error.</summary>
    public bool ReadClosed;
    public bool InReadyList;
    public PendingOp? ReadHead, ReadTail, WriteHead, WriteTail, PollHead, PollTail;

    public bool Ready(int direction) => direction == 0 ? Readable : Writable;

    public void SetReady(int direction, bool value)
    {
        if (direction == 0)
            Readable = value;
        else
            Writable = value;
    }

    public PendingOp? Head(int direction) => direction switch { 0 => ReadHead, 1 => WriteHead, _ => PollHead };

    public void Enqueue(PendingOp op)
    {
        op.NextWaiter = null;
        switch (op.Direction)
        {
            case 0:
                if (ReadTail is null) ReadHead = op; else ReadTail.NextWaiter = op;
                ReadTail = op;
                break;
            case 1:
                if (WriteTail is null) WriteHead = op; else WriteTail.NextWaiter = op;
                WriteTail = op;
                break;
            default:
                if (PollTail is null) PollHead = op; else PollTail.NextWaiter = op;
                PollTail = op;
                break;
        }
    }

    public void Remove(PendingOp op)
    {
        ref PendingOp? head = ref op.Direction == 0 ? ref ReadHead : ref op.Direction == 1 ? ref WriteHead : ref PollHead;
        ref PendingOp? tail = ref op.Direction == 0 ? ref ReadTail : ref op.Direction == 1 ? ref WriteTail : ref PollTail;
        PendingOp? previous = null;
        for (PendingOp? p = head; p is not null; previous = p, p = p.NextWaiter)
        {
            if (p != op)
                continue;
            if (previous is null) head = p.NextWaiter; else previous.NextWaiter = p.NextWaiter;
            if (tail == op) tail = previous;
            op.NextWaiter = null;
            return;
        }
    }

    public bool HasWaiters => ReadHead is not null || WriteHead is not null || PollHead is not null;
}
