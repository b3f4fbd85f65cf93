using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Interop;
using UringSafe.Raw;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace UringSafe.Driver.Userspace;

/// <summary>
/// The userspace ring: the reactor's SQEs executed in the process, for hosts where io_uring is blocked. Requests on
/// sockets, pipes and eventfds run as non-blocking syscalls on the reactor thread, with edge-triggered epoll readiness
/// when they would block; requests that can block (file I/O, open, statx, fsync...) run on <see cref="BlockingPool"/>;
/// timeouts and link timeouts come from the epoll_wait timeout. Completions are the kernel's: the same user_data,
/// results, F_MORE/F_BUFFER/F_NOTIF flags and cancel answers (-ECANCELED, -EALREADY, -ENOENT). Reactor thread only,
/// except <see cref="OnWorkerFinished"/> and <see cref="PostMessage"/>.
/// </summary>
internal sealed unsafe partial class UserspaceRingDriver : RingDriver
{
    private static readonly ConcurrentDictionary<int, UserspaceRingDriver> s_byRingFd = new();
    private const ulong WakeKey = ulong.MaxValue;
    private const int MaxEvents = 256;
    private const int Again = int.MinValue;

    private readonly int _epoll;
    private readonly SafeFileHandle _wake; // eventfd in the epoll set: workers and other rings wake epoll_wait
    private readonly int _wakeNumber;
    private readonly Sqe[] _sq;
    private int _sqCount;
    private readonly Queue<Cqe> _cq = new();
    private readonly ConcurrentQueue<Cqe> _messages = new();
    private readonly ConcurrentQueue<PendingOp> _finished = new();
    private readonly Stack<PendingOp> _free = new();
    private readonly epoll_event* _events;
    private int _sleeping;
    private bool _harvestDue;
    private bool _disposed;

    public UserspaceRingDriver(uint entries)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("The userspace ring uses epoll: it runs on Linux only.");
        _sq = new Sqe[Math.Clamp(entries, 1u, 32768u)];
        _epoll = epoll_create1(EPOLL_CLOEXEC);
        if (_epoll < 0)
            throw new UringException(errno, "epoll_create1", hint: "The userspace ring needs an epoll instance.");
        int wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (wake < 0)
        {
            int e = errno;
            close(_epoll);
            throw new UringException(e, "eventfd", hint: "The userspace ring needs an eventfd to be woken by its workers.");
        }
        _wake = new SafeFileHandle(wake, ownsHandle: true);
        _wakeNumber = wake;
        epoll_event ev = default;
        ev.events = EPOLLIN;
        ev.data.u64 = WakeKey;
        epoll_ctl(_epoll, EPOLL_CTL_ADD, wake, &ev);
        _events = (epoll_event*)NativeMemory.Alloc((nuint)(MaxEvents * sizeof(epoll_event)));
        s_byRingFd[wake] = this;
    }

    public override ReactorDriver Kind => ReactorDriver.UserspaceRing;

    public override uint CqEntries => (uint)_sq.Length * 4;

    public override uint SqSpaceLeft => (uint)(_sq.Length - _sqCount);

    public override int RingFd => _wakeNumber;

    public override Ring? KernelRing => null;

    public override bool IsDisposed => _disposed;

    public override bool TryPush(in Sqe sqe)
    {
        if (_sqCount == _sq.Length)
            return false;
        _sq[_sqCount++] = sqe;
        return true;
    }

    public override int Submit()
    {
        ThrowIfDisposed();
        int n = _sqCount;
        for (int i = 0; i < n; i++)
        {
            ref Sqe sqe = ref _sq[i];
            if ((sqe.Flags & (SqeFlags.IoLink | SqeFlags.IoHardLink)) == 0)
            {
                Start(in sqe, null);
            }
            else if (i + 1 < n && _sq[i + 1].Opcode == IoUringOpcode.LinkTimeout)
            {
                Start(in sqe, _sq[i + 1]);
                i++;
            }
            else
            {
                // Only a request linked to its LINK_TIMEOUT (what the reactor submits) is a chain here.
                PostUnsupported(in sqe, "links other than a request followed by its LINK_TIMEOUT");
                if (i + 1 < n)
                    PostCqe(_sq[++i].UserData, -UringSafe.Errno.ECANCELED, 0, _sq[i].Flags);
            }
        }
        _sqCount = 0;
        _harvestDue = true;
        return n;
    }

    public override void SubmitAndWait(uint waitFor)
    {
        Submit();
        Wait(waitFor, -1);
    }

    public override bool SubmitAndWait(uint waitFor, TimeSpan timeout)
    {
        Submit();
        return Wait(waitFor, System.Diagnostics.Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * System.Diagnostics.Stopwatch.Frequency));
    }

    public override int CopyCompletions(Span<Cqe> destination)
    {
        ThrowIfDisposed();
        if (_cq.Count == 0)
        {
            DrainPosted();
            // Once per submission, look for readiness and expired timers without blocking: a loop that never waits
            // (it always has work) still sees its sockets and timers.
            if (_cq.Count == 0 && _harvestDue)
            {
                _harvestDue = false;
                Harvest(0);
            }
        }
        int n = Math.Min(_cq.Count, destination.Length);
        for (int i = 0; i < n; i++)
            destination[i] = _cq.Dequeue();
        return n;
    }

    /// <returns>False when <paramref name="deadline"/> (Stopwatch ticks, -1 for none) passed first.</returns>
    private bool Wait(uint waitFor, long deadline)
    {
        _harvestDue = false;
        while (true)
        {
            DrainPosted();
            if (_cq.Count >= waitFor)
                return true;
            int timeoutMs = -1;
            if (deadline >= 0)
            {
                long left = deadline - System.Diagnostics.Stopwatch.GetTimestamp();
                if (left <= 0)
                {
                    Harvest(0);
                    return _cq.Count >= waitFor;
                }
                timeoutMs = TicksToMs(left);
            }
            Harvest(timeoutMs);
        }
    }

    private static int TicksToMs(long ticks)
    {
        long ms = (ticks * 1000 + System.Diagnostics.Stopwatch.Frequency - 1) / System.Diagnostics.Stopwatch.Frequency;
        return (int)Math.Clamp(ms, 0, int.MaxValue);
    }

    /// <summary>One epoll_wait (bounded by <paramref name="timeoutMs"/> and the next timer), then readiness, results
    /// posted by other threads, and expired timers.</summary>
    private void Harvest(int timeoutMs)
    {
        if (_cq.Count > 0 || _readyEntries.Count > 0)
            timeoutMs = 0;
        timeoutMs = NextTimerTimeout(timeoutMs);
        bool sleep = timeoutMs != 0;
        if (sleep)
        {
            Interlocked.Exchange(ref _sleeping, 1);
            if (!_finished.IsEmpty || !_messages.IsEmpty)
                timeoutMs = 0;
        }
        int n = epoll_wait(_epoll, _events, MaxEvents, timeoutMs);
        if (sleep)
            Volatile.Write(ref _sleeping, 0);
        for (int i = 0; i < n; i++)
        {
            ulong key = _events[i].data.u64;
            if (key == WakeKey)
            {
                ulong value;
                read(_wakeNumber, &value, 8);
            }
            else if (_fds.TryGetValue((int)key, out FdEntry? entry))
            {
                OnReadiness(entry, (uint)_events[i].events);
            }
        }
        RunReadyEntries();
        DrainPosted();
        ExpireTimers();
    }

    /// <summary>A worker finished <paramref name="op"/> (any thread): hand it to the reactor thread.</summary>
    internal void OnWorkerFinished(PendingOp op)
    {
        _finished.Enqueue(op);
        WakeIfSleeping();
    }

    /// <summary>Posts a completion from another ring (IORING_OP_MSG_RING; any thread).</summary>
    private void PostMessage(in Cqe cqe)
    {
        _messages.Enqueue(cqe);
        WakeIfSleeping();
    }

    private void WakeIfSleeping()
    {
        if (Interlocked.Exchange(ref _sleeping, 0) == 0)
            return;
        // The SafeHandle keeps the number from being closed (and reused) under this write if the ring is disposed.
        bool added = false;
        try
        {
            _wake.DangerousAddRef(ref added);
            ulong one = 1;
            write(_wakeNumber, &one, 8);
        }
        catch (ObjectDisposedException)
        {
            // the ring is gone: its reactor reaps nothing more
        }
        finally
        {
            if (added)
                _wake.DangerousRelease();
        }
    }

    private void DrainPosted()
    {
        while (_messages.TryDequeue(out Cqe cqe))
            _cq.Enqueue(cqe);
        while (_finished.TryDequeue(out PendingOp? op))
            OnFinished(op);
    }

    private PendingOp Rent(in Sqe sqe)
    {
        PendingOp op = _free.TryPop(out PendingOp? reused) ? reused : new PendingOp { Owner = this };
        op.Sqe = sqe;
        op.Fd = -1;
        op.FixedIndex = -1;
        op.State = OpState.None;
        op.ConnectStarted = false;
        op.ByteLimitReached = false;
        op.Stamp++;
        return op;
    }

    private void Free(PendingOp op)
    {
        op.Entry = null;
        op.LinkTimer = null;
        op.LinkTarget = null;
        op.NextWaiter = null;
        op.Stamp++;
        op.State = OpState.None;
        if (_free.Count < 1024)
            _free.Push(op);
    }

    private void PostCqe(ulong userData, int result, CqeFlags flags, SqeFlags sqeFlags)
    {
        if (result >= 0 && (sqeFlags & SqeFlags.CqeSkipSuccess) != 0 && (flags & CqeFlags.More) == 0)
            return;
        _cq.Enqueue(new Cqe(userData, result, flags));
    }

    /// <summary>Posts a completion of <paramref name="op"/>; the final one (no F_MORE) ends it: its link timeout is
    /// answered -ECANCELED, it leaves every wait list and goes back to the pool.</summary>
    private void Complete(PendingOp op, int result, CqeFlags flags = 0)
    {
        if ((flags & CqeFlags.More) != 0)
        {
            PostCqe(op.UserData, result, flags, op.Sqe.Flags);
            return;
        }
        if (op.LinkTimer is { } timer)
        {
            op.LinkTimer = null;
            timer.Stamp++; // disarmed
            PostCqe(timer.UserData, -UringSafe.Errno.ECANCELED, 0, timer.Sqe.Flags);
            Free(timer);
        }
        Unpark(op);
        PostCqe(op.UserData, result, flags, op.Sqe.Flags);
        Free(op);
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
            throw new ObjectDisposedException(nameof(UserspaceRingDriver), "The reactor's userspace ring was disposed.");
    }

    public override BufferRing SetupBufferRing(ushort groupId, uint entries)
    {
        ThrowIfDisposed();
        if (_groups.TryGetValue(groupId, out BufferRing? existing) && !existing.IsDisposed)
            throw new UringException(UringSafe.Errno.EEXIST, "SetupBufferRing", -1, $"Buffer group {groupId} already exists on this ring.");
        BufferRing ring = BufferRing.Unregistered(groupId, entries);
        _groups[groupId] = ring;
        return ring;
    }

    public override void RegisterFilesSparse(uint count)
    {
        if (_files is not null)
            throw new UringException(UringSafe.Errno.EBUSY, "RegisterFilesSparse", -1, "This ring already has a registered file table.");
        _files = new int[count];
        Array.Fill(_files, -1);
    }

    public override void UpdateFiles(uint offset, ReadOnlySpan<int> fds)
    {
        if (_files is null || offset + (uint)fds.Length > (uint)_files.Length)
            throw new UringException(UringSafe.Errno.EINVAL, "UpdateFiles", -1, "The slots are outside the registered file table.");
        fds.CopyTo(_files.AsSpan((int)offset));
    }

    public override void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        s_byRingFd.TryRemove(_wakeNumber, out _);
        foreach (PendingOp op in _pending)
        {
            if (op.State == OpState.Queued)
                BlockingPool.TryCancel(op); // abandoned with the reactor: no worker starts it any more
        }
        close(_epoll);
        _wake.Dispose();
        NativeMemory.Free(_events);
    }
}
