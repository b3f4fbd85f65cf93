using UringSafe.Abi;

namespace UringSafe.Driver.Userspace;

internal sealed partial class UserspaceRingDriver
{
    /// <summary>
    /// IORING_OP_ASYNC_CANCEL with the kernel's answers: 0 when the (first) match was cancelled, the number cancelled
    /// with ALL, -EALREADY when a worker already runs the match (its completion comes when its syscall returns, so it
    /// keeps its buffer until then), -ENOENT when nothing matches. Matches by user_data, by descriptor (FD, FD_FIXED),
    /// any request (ANY), and by opcode (OP).
    /// </summary>
    private int Cancel(in Sqe s)
    {
        var flags = (CancelFlags)s.OpFlags;
        bool all = (flags & (CancelFlags.All | CancelFlags.Any)) != 0 && (flags & CancelFlags.All) != 0;
        if ((flags & (CancelFlags.Any | CancelFlags.Fd)) == 0)
        {
            if (!all)
            {
                if (!_byUserData.TryGetValue(s.Addr, out PendingOp? target) || IsLinkTimer(target)
                    || ((flags & CancelFlags.Op) != 0 && target.Opcode != (IoUringOpcode)s.Len))
                    return -UringSafe.Errno.ENOENT;
                return TryCancel(target);
            }
        }
        int cancelled = 0, running = 0;
        foreach (PendingOp op in _pending.ToArray())
        {
            if (!op.Parked || IsLinkTimer(op) || !Matches(op, in s, flags))
                continue;
            int r = TryCancel(op);
            if (r == 0)
                cancelled++;
            else
                running++;
            if (!all)
                return r;
        }
        if (cancelled > 0)
            return all ? cancelled : 0;
        return running > 0 ? -UringSafe.Errno.EALREADY : -UringSafe.Errno.ENOENT;
    }

    private static bool IsLinkTimer(PendingOp op) => op.LinkTarget is not null;

    private static bool Matches(PendingOp op, in Sqe s, CancelFlags flags)
    {
        if ((flags & CancelFlags.Any) != 0)
            return true;
        if ((flags & CancelFlags.Fd) != 0)
        {
            bool fd = (flags & CancelFlags.FdFixed) != 0 ? op.FixedIndex == s.Fd : op.FixedIndex < 0 && op.Fd == s.Fd;
            if (!fd || !UsesFd(op.Opcode))
                return false;
        }
        else if (op.UserData != s.Addr)
        {
            return false;
        }
        if ((flags & CancelFlags.UserData) != 0 && op.UserData != s.Addr)
            return false;
        return (flags & CancelFlags.Op) == 0 || op.Opcode == (IoUringOpcode)s.Len;
    }

    /// <summary>Cancels a parked request by user_data and opcode (POLL_REMOVE): 0, or -ENOENT.</summary>
    private int CancelByUserData(ulong userData, IoUringOpcode opcode)
        => _byUserData.TryGetValue(userData, out PendingOp? op) && op.Opcode == opcode ? TryCancel(op) : -UringSafe.Errno.ENOENT;

    /// <summary>Ends a waiting request with -ECANCELED (0); -EALREADY when a worker runs it.</summary>
    private int TryCancel(PendingOp op)
    {
        switch (op.State)
        {
            case OpState.Queued:
                if (!BlockingPool.TryCancel(op))
                    return -UringSafe.Errno.EALREADY; // a worker took it meanwhile
                if (op.Fd >= 0 && UsesFd(op.Opcode))
                    ReleaseWorkerFd(op.Fd);
                break;
            case OpState.Running:
                return -UringSafe.Errno.EALREADY;
            case OpState.Waiting:
                _deferredCloses.Remove(op);
                break;
        }
        Complete(op, -UringSafe.Errno.ECANCELED);
        return 0;
    }
}
