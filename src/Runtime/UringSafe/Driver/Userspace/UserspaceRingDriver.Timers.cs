using System.Diagnostics;
using UringSafe.Abi;

namespace UringSafe.Driver.Userspace;

internal sealed unsafe partial class UserspaceRingDriver
{
    // Deadlines in Stopwatch ticks (CLOCK_MONOTONIC on Linux). Disarming advances the request's stamp; stale heap
    // entries are dropped when they surface.
    private readonly PriorityQueue<(PendingOp Op, int Stamp), long> _timers = new();

    /// <summary>IORING_OP_TIMEOUT: a pure timer (no completion count), relative or absolute on the monotonic clock.</summary>
    private void StartTimeout(PendingOp op)
    {
        var flags = (TimeoutFlags)op.Sqe.OpFlags;
        if (op.Sqe.Off != 0)
        {
            Unsupported(op, "timeouts that count completions");
            return;
        }
        if ((flags & ~(TimeoutFlags.Abs | TimeoutFlags.EtimeSuccess)) != 0)
        {
            Unsupported(op, "timeouts on the boot or real-time clock, and multishot timeouts");
            return;
        }
        Park(op);
        ArmTimer(op, in op.Sqe);
    }

    /// <summary>Arms <paramref name="op"/> (a timeout or a link timeout) at the time <paramref name="spec"/> names.</summary>
    private void ArmTimer(PendingOp op, in Sqe spec)
    {
        var ts = (KernelTimespec*)spec.Addr;
        long ticks = ts->Sec * Stopwatch.Frequency + ts->Nsec * Stopwatch.Frequency / 1_000_000_000;
        if (((TimeoutFlags)spec.OpFlags & TimeoutFlags.Abs) == 0)
            ticks += Stopwatch.GetTimestamp();
        op.State = OpState.Timer;
        op.Stamp++;
        _timers.Enqueue((op, op.Stamp), ticks);
    }

    /// <summary>The epoll_wait timeout that wakes for the next timer (at most <paramref name="timeoutMs"/>; -1 none).</summary>
    private int NextTimerTimeout(int timeoutMs)
    {
        while (_timers.TryPeek(out (PendingOp Op, int Stamp) next, out long deadline))
        {
            if (next.Op.Stamp != next.Stamp)
            {
                _timers.Dequeue(); // disarmed
                continue;
            }
            int ms = TicksToMs(deadline - Stopwatch.GetTimestamp());
            return timeoutMs < 0 ? ms : Math.Min(ms, timeoutMs);
        }
        return timeoutMs;
    }

    private void ExpireTimers()
    {
        long now = Stopwatch.GetTimestamp();
        while (_timers.TryPeek(out (PendingOp Op, int Stamp) next, out long deadline) && (deadline <= now || next.Op.Stamp != next.Stamp))
        {
            _timers.Dequeue();
            if (next.Op.Stamp == next.Stamp)
                Fire(next.Op);
        }
    }

    private void Fire(PendingOp timer)
    {
        timer.Stamp++;
        if (timer.LinkTarget is not { } target)
        {
            Complete(timer, -UringSafe.Errno.ETIME);
            return;
        }
        // A link timeout: cancel the request it guards (a worker already running it finishes with its own result).
        target.LinkTimer = null;
        TryCancel(target);
        PostCqe(timer.UserData, -UringSafe.Errno.ETIME, 0, timer.Sqe.Flags);
        Free(timer);
    }

    /// <summary>IORING_OP_TIMEOUT_REMOVE: removes (or with Update re-arms) a timeout or a link timeout by user_data.</summary>
    private void RemoveTimeout(PendingOp op)
    {
        ref Sqe s = ref op.Sqe;
        var flags = (TimeoutFlags)s.OpFlags;
        bool update = (flags & (TimeoutFlags.Update | TimeoutFlags.LinkTimeoutUpdate)) != 0;
        PendingOp? found = null;
        if (_byUserData.TryGetValue(s.Addr, out PendingOp? p) && p.Opcode == IoUringOpcode.Timeout && p.State == OpState.Timer)
        {
            found = p;
        }
        else
        {
            foreach (PendingOp candidate in _pending)
            {
                if (candidate.LinkTimer is { } t && t.UserData == s.Addr && t.State == OpState.Timer)
                {
                    found = t;
                    break;
                }
            }
        }
        if (found is null)
        {
            Complete(op, -UringSafe.Errno.ENOENT);
            return;
        }
        if (update)
        {
            Sqe spec = default;
            spec.Addr = s.Off; // the new timespec
            spec.OpFlags = s.OpFlags & (uint)TimeoutFlags.Abs;
            ArmTimer(found, in spec);
        }
        else if (found.LinkTarget is { } target)
        {
            target.LinkTimer = null;
            found.Stamp++;
            PostCqe(found.UserData, -UringSafe.Errno.ECANCELED, 0, found.Sqe.Flags);
            Free(found);
        }
        else
        {
            Complete(found, -UringSafe.Errno.ECANCELED);
        }
        Complete(op, 0);
    }
}
