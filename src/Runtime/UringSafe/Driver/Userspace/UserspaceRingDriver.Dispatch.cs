using System.Runtime.InteropServices;
using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Raw;
using static Tmds.Linux.LibC;

namespace UringSafe.Driver.Userspace;

internal sealed unsafe partial class UserspaceRingDriver
{
    private const int EBADFD = 77;

    private readonly Dictionary<ushort, BufferRing> _groups = new();
    private readonly Dictionary<ulong, string> _unsupported = new();
    private readonly Dictionary<int, int> _workerFdUse = new();   // fd -> worker requests queued or running on it
    private readonly List<PendingOp> _deferredCloses = new();     // CLOSE requests waiting for those to finish
    private int[]? _files;

    /// <summary>Starts one request (and the LINK_TIMEOUT that guards it): it completes now, or parks where it waits.</summary>
    private void Start(in Sqe sqe, Sqe? linkTimeout)
    {
        PendingOp op = Rent(in sqe);
        PendingOp? timer = null;
        if (linkTimeout is { } t)
        {
            timer = Rent(in t);
            timer.LinkTarget = op;
            op.LinkTimer = timer;
        }
        int stamp = op.Stamp;
        Dispatch(op);
        // Still waiting (the same use of the pooled object, and its timer still bound): arm the timer.
        if (timer is not null && op.Stamp == stamp && op.LinkTimer == timer)
            ArmTimer(timer, in timer.Sqe);
    }

    private void Dispatch(PendingOp op)
    {
        ref Sqe s = ref op.Sqe;
        if ((s.Flags & SqeFlags.FixedFile) != 0 && UsesFd(s.Opcode))
        {
            int index = s.Fd;
            if (_files is null || (uint)index >= (uint)_files.Length || _files[index] < 0)
            {
                Complete(op, -UringSafe.Errno.EBADF);
                return;
            }
            op.FixedIndex = index;
            op.Fd = _files[index];
        }
        else
        {
            op.Fd = s.Fd;
        }
        if ((s.Flags & SqeFlags.BufferSelect) != 0 && s.Opcode is not (IoUringOpcode.Recv or IoUringOpcode.Read))
        {
            Unsupported(op, "buffer selection on this opcode");
            return;
        }
        switch (s.Opcode)
        {
            case IoUringOpcode.Nop:
                Complete(op, (s.OpFlags & (uint)NopFlags.InjectResult) != 0 ? (int)s.Len : 0);
                return;
            case IoUringOpcode.Read or IoUringOpcode.ReadFixed or IoUringOpcode.Readv:
                OnFd(op, direction: 0, blockingAllowed: true);
                return;
            case IoUringOpcode.Write or IoUringOpcode.WriteFixed or IoUringOpcode.Writev:
                OnFd(op, direction: 1, blockingAllowed: true);
                return;
            case IoUringOpcode.Recv:
                if ((s.IoPrio & (ushort)RecvSendIoPrio.Bundle) != 0)
                {
                    Unsupported(op, "bundle receives");
                    return;
                }
                OnFd(op, 0, blockingAllowed: false);
                return;
            case IoUringOpcode.RecvMsg:
                if ((s.IoPrio & (ushort)RecvSendIoPrio.RecvMultishot) != 0)
                {
                    Unsupported(op, "multishot recvmsg");
                    return;
                }
                OnFd(op, 0, blockingAllowed: false);
                return;
            case IoUringOpcode.Accept:
                if (s.SpliceFdIn != 0)
                {
                    Unsupported(op, "accepting into the registered file table (direct descriptors)");
                    return;
                }
                OnFd(op, 0, blockingAllowed: false);
                return;
            case IoUringOpcode.Send or IoUringOpcode.SendZc:
                if ((s.IoPrio & (ushort)RecvSendIoPrio.Bundle) != 0)
                {
                    Unsupported(op, "bundle sends");
                    return;
                }
                OnFd(op, 1, blockingAllowed: false);
                return;
            case IoUringOpcode.SendMsg or IoUringOpcode.Connect:
                OnFd(op, 1, blockingAllowed: false);
                return;
            case IoUringOpcode.PollAdd:
                OnFd(op, 2, blockingAllowed: false);
                return;
            case IoUringOpcode.Socket or IoUringOpcode.Bind or IoUringOpcode.Listen or IoUringOpcode.Shutdown:
                RunInline(op);
                return;
            case IoUringOpcode.OpenAt or IoUringOpcode.OpenAt2:
                if (s.SpliceFdIn != 0)
                {
                    Unsupported(op, "opening into the registered file table (direct descriptors)");
                    return;
                }
                ToWorker(op);
                return;
            case IoUringOpcode.Close:
                if (s.SpliceFdIn != 0)
                {
                    // close_direct: the table only maps indexes to numbers here, so emptying the slot is the close.
                    int slot = s.SpliceFdIn - 1;
                    bool ok = _files is not null && (uint)slot < (uint)_files.Length && _files[slot] >= 0;
                    if (ok)
                        _files![slot] = -1;
                    Complete(op, ok ? 0 : -UringSafe.Errno.EBADF);
                    return;
                }
                CloseRequest(op);
                return;
            case IoUringOpcode.Fsync or IoUringOpcode.Fallocate or IoUringOpcode.Ftruncate or IoUringOpcode.Fadvise
                or IoUringOpcode.SyncFileRange or IoUringOpcode.Madvise or IoUringOpcode.Statx or IoUringOpcode.UnlinkAt
                or IoUringOpcode.RenameAt or IoUringOpcode.MkdirAt or IoUringOpcode.SymlinkAt or IoUringOpcode.LinkAt:
                ToWorker(op);
                return;
            case IoUringOpcode.Timeout:
                StartTimeout(op);
                return;
            case IoUringOpcode.LinkTimeout:
                Complete(op, -UringSafe.Errno.EINVAL); // only valid right after a request with IOSQE_IO_LINK
                return;
            case IoUringOpcode.TimeoutRemove:
                RemoveTimeout(op);
                return;
            case IoUringOpcode.AsyncCancel:
                Complete(op, Cancel(in s));
                return;
            case IoUringOpcode.PollRemove:
                Complete(op, (s.Len & (uint)(PollAddFlags.UpdateEvents | PollAddFlags.UpdateUserData)) != 0
                    ? UnsupportedResult(op, "poll updates")
                    : CancelByUserData(s.Addr, IoUringOpcode.PollAdd));
                return;
            case IoUringOpcode.MsgRing:
                MessageRing(op);
                return;
            default:
                Unsupported(op, "the userspace ring has no implementation of it");
                return;
        }
    }

    private static bool UsesFd(IoUringOpcode opcode)
        => opcode is not (IoUringOpcode.Nop or IoUringOpcode.Timeout or IoUringOpcode.LinkTimeout or IoUringOpcode.TimeoutRemove
            or IoUringOpcode.AsyncCancel or IoUringOpcode.PollRemove or IoUringOpcode.Madvise or IoUringOpcode.Socket);

    /// <summary>A request on a descriptor: readiness and non-blocking syscalls for what epoll can watch, the worker
    /// pool for the rest (when the opcode may block: file reads and writes).</summary>
    private void OnFd(PendingOp op, byte direction, bool blockingAllowed)
    {
        FdEntry? entry = Entry(op.Fd, out int error);
        if (entry is null)
        {
            Complete(op, -error);
            return;
        }
        if (!entry.Pollable)
        {
            if (!blockingAllowed)
                Complete(op, -UringSafe.Errno.ENOTSOCK);
            else if ((op.Sqe.Flags & SqeFlags.BufferSelect) != 0)
                Unsupported(op, "buffer selection on regular files");
            else
                ToWorker(op);
            return;
        }
        op.Direction = direction;
        StartPollable(op, entry);
    }

    private void ToWorker(PendingOp op)
    {
        if (op.Fd >= 0 && UsesFd(op.Opcode))
            _workerFdUse[op.Fd] = _workerFdUse.GetValueOrDefault(op.Fd) + 1;
        Park(op);
        BlockingPool.Enqueue(op);
    }

    /// <summary>A worker's result, on the reactor thread.</summary>
    private void OnFinished(PendingOp op)
    {
        if (op.Fd >= 0 && UsesFd(op.Opcode))
            ReleaseWorkerFd(op.Fd);
        if (op.Opcode == IoUringOpcode.Close && op.Result == 0)
            ForgetEntry(op.Fd);
        Complete(op, op.Result);
    }

    private void ReleaseWorkerFd(int fd)
    {
        int left = _workerFdUse[fd] - 1;
        if (left > 0)
        {
            _workerFdUse[fd] = left;
            return;
        }
        _workerFdUse.Remove(fd);
        for (int i = 0; i < _deferredCloses.Count; i++)
        {
            if (_deferredCloses[i].Fd != fd)
                continue;
            PendingOp close = _deferredCloses[i];
            _deferredCloses.RemoveAt(i);
            close.State = OpState.None;
            Unpark(close);
            CloseRequest(close);
            return;
        }
    }

    /// <summary>IORING_OP_CLOSE: a descriptor is never closed while a worker request uses it (the number could be
    /// reused under that request); the close waits for them.</summary>
    private void CloseRequest(PendingOp op)
    {
        if (_workerFdUse.ContainsKey(op.Fd))
        {
            Park(op);
            op.State = OpState.Waiting;
            _deferredCloses.Add(op);
            return;
        }
        ForgetEntry(op.Fd);
        ToWorker(op);
    }

    /// <summary>Calls that never block on a socket: socket, bind, listen, shutdown.</summary>
    private void RunInline(PendingOp op)
    {
        ref Sqe s = ref op.Sqe;
        int r;
        switch (s.Opcode)
        {
            case IoUringOpcode.Socket:
                if (s.SpliceFdIn != 0)
                {
                    Unsupported(op, "sockets created into the registered file table (direct descriptors)");
                    return;
                }
                // Non-blocking from the start: every request on it runs as a non-blocking syscall here.
                r = socket(s.Fd, (int)s.Off | SOCK_NONBLOCK, (int)s.Len);
                break;
            case IoUringOpcode.Bind:
                r = bind(op.Fd, (Tmds.Linux.sockaddr*)s.Addr, (uint)s.Off);
                break;
            case IoUringOpcode.Listen:
                r = listen(op.Fd, (int)s.Len);
                break;
            default:
                r = shutdown(op.Fd, (int)s.Len);
                break;
        }
        Complete(op, r < 0 ? -Marshal.GetLastPInvokeError() : r);
    }

    /// <summary>IORING_OP_MSG_RING to another userspace ring: its completion is posted there and its reactor woken.</summary>
    private void MessageRing(PendingOp op)
    {
        ref Sqe s = ref op.Sqe;
        if (s.Addr != (ulong)MsgRingCommand.Data)
        {
            Unsupported(op, "sending descriptors between rings");
            return;
        }
        if (!s_byRingFd.TryGetValue(op.Fd, out UserspaceRingDriver? target) || target._disposed)
        {
            Complete(op, -EBADFD); // not a userspace ring (a kernel ring, or gone): the reactor wakes it another way
            return;
        }
        CqeFlags flags = (s.OpFlags & (uint)MsgRingFlags.FlagsPass) != 0 ? (CqeFlags)(uint)s.SpliceFdIn : 0;
        target.PostMessage(new Cqe(s.Off, (int)s.Len, flags));
        Complete(op, 0);
    }

    private void Unsupported(PendingOp op, string what) => Complete(op, UnsupportedResult(op, what));

    private int UnsupportedResult(PendingOp op, string what)
    {
        Remember(op.UserData, what);
        return -UringSafe.Errno.EOPNOTSUPP;
    }

    private void PostUnsupported(in Sqe sqe, string what)
    {
        Remember(sqe.UserData, what);
        PostCqe(sqe.UserData, -UringSafe.Errno.EOPNOTSUPP, 0, sqe.Flags);
    }

    private void Remember(ulong userData, string what)
    {
        if (_unsupported.Count >= 64)
            _unsupported.Clear(); // only the latest matter: an operation asks right after its completion
        _unsupported[userData] = what;
    }

    public override OperationNotSupportedException? UnsupportedOrNull(IoUringOpcode opcode, ulong userData, int errno, int fd, object? buffer)
    {
        if (errno != UringSafe.Errno.EOPNOTSUPP)
            return null;
        if (!_unsupported.Remove(userData, out string? what))
        {
            // Not this ring's gap: an opcode an override (URINGSAFE_FEATURES=-op:Name) switched off, which the reactor
            // turned into a failing NOP, gets the same typed error as on the kernel ring.
            return UringCapabilities.OpcodesDisabledByOverride() is { } off && off[(int)opcode]
                ? UringCapabilities.CreateUnsupported(opcode, errno, fd, buffer)
                : null;
        }
        return UringCapabilities.UnsupportedByDriver(opcode, ReactorDriver.UserspaceRing, what, fd, buffer);
    }
}
