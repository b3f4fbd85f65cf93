using System.Runtime.InteropServices;
using UringSafe.Abi;
using UringSafe.Interop;
using UringSafe.Raw;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace UringSafe.Driver.Userspace;

internal sealed unsafe partial class UserspaceRingDriver
{
    private const int MultishotBudget = 16; // completions per multishot request per turn, so one busy socket can't starve others
    private const uint ReadEvents = 0x001 | 0x002 | 0x008 | 0x010 | 0x2000; // EPOLLIN | EPOLLPRI | EPOLLERR | EPOLLHUP | EPOLLRDHUP
    private const uint WriteEvents = 0x004 | 0x008 | 0x010;                 // EPOLLOUT | EPOLLERR | EPOLLHUP

    private readonly Dictionary<int, FdEntry> _fds = new();
    private List<FdEntry> _readyEntries = new(), _spareReadyEntries = new();
    private readonly HashSet<PendingOp> _pending = new();
    private readonly Dictionary<ulong, PendingOp> _byUserData = new();

    /// <summary>
    /// The entry for <paramref name="fd"/>, made on first use: sockets, pipes, eventfds and other files epoll can watch
    /// are switched to O_NONBLOCK (as libuv does) and added to the epoll set, edge-triggered, for their lifetime; regular
    /// files, directories and block devices run on the worker pool. Null (with the errno) when the number is not open.
    /// </summary>
    private FdEntry? Entry(int fd, out int error)
    {
        error = 0;
        if (_fds.TryGetValue(fd, out FdEntry? entry))
            return entry;
        stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
        {
            error = fd < 0 ? UringSafe.Errno.EBADF : Marshal.GetLastPInvokeError();
            return null;
        }
        uint type = (uint)st.st_mode & 0xF000;
        if (type is 0x8000 or 0x4000 or 0x6000) // S_IFREG, S_IFDIR, S_IFBLK: always "ready", and epoll refuses them
        {
            entry = new FdEntry(fd, pollable: false, stream: false);
        }
        else
        {
            bool stream = type == 0x1000; // S_IFIFO
            if (type == 0xC000) // S_IFSOCK
            {
                int sockType = 0;
                socklen_t len = sizeof(int);
                getsockopt(fd, SOL_SOCKET, SO_TYPE, &sockType, &len);
                stream = sockType == SOCK_STREAM;
            }
            int flags = fcntl(fd, F_GETFL);
            if (flags >= 0 && (flags & O_NONBLOCK) == 0)
                fcntl(fd, F_SETFL, flags | O_NONBLOCK);
            epoll_event ev = default;
            ev.events = unchecked((int)(ReadEvents | WriteEvents | 0x80000000u)); // EPOLLET
            ev.data.u64 = (ulong)fd;
            bool added = epoll_ctl(_epoll, EPOLL_CTL_ADD, fd, &ev) == 0
                || (Marshal.GetLastPInvokeError() == UringSafe.Errno.EEXIST && epoll_ctl(_epoll, EPOLL_CTL_MOD, fd, &ev) == 0);
            entry = new FdEntry(fd, pollable: added, stream);
        }
        _fds[fd] = entry;
        return entry;
    }

    public override void ForgetFd(int fd)
    {
        if (!_disposed)
            ForgetEntry(fd);
    }

    /// <summary>Drops what the ring knows about a number that is being closed (its epoll registration first, while the
    /// number still names the same file); requests still waiting on it end with -ECANCELED.</summary>
    private void ForgetEntry(int fd)
    {
        if (!_fds.Remove(fd, out FdEntry? entry))
            return;
        if (entry.Pollable)
            epoll_ctl(_epoll, EPOLL_CTL_DEL, fd, null);
        while ((entry.ReadHead ?? entry.WriteHead ?? entry.PollHead) is { } op)
            Complete(op, -UringSafe.Errno.ECANCELED);
    }

    private void Park(PendingOp op)
    {
        if (op.Parked)
            return;
        op.Parked = true;
        _pending.Add(op);
        _byUserData.TryAdd(op.UserData, op);
    }

    private void Unpark(PendingOp op)
    {
        if (op.State == OpState.Waiting && op.Entry is { } entry)
            entry.Remove(op);
        op.Entry = null;
        if (!op.Parked)
            return;
        op.Parked = false;
        _pending.Remove(op);
        if (_byUserData.TryGetValue(op.UserData, out PendingOp? mapped) && mapped == op)
            _byUserData.Remove(op.UserData);
    }

    /// <summary>Tries the syscall at once when nothing queued before it and the descriptor may be ready; waits otherwise.</summary>
    private void StartPollable(PendingOp op, FdEntry entry)
    {
        if (op.Direction == 2)
        {
            if (RunPoll(op, entry, parked: false))
                return;
        }
        else if (entry.Head(op.Direction) is null && entry.Ready(op.Direction) && RunOne(op, entry, parked: false))
        {
            return;
        }
        Park(op);
        op.State = OpState.Waiting;
        op.Entry = entry;
        entry.Enqueue(op);
    }

    private void OnReadiness(FdEntry entry, uint events)
    {
        if ((events & ReadEvents) != 0)
            entry.Readable = true;
        if ((events & (0x008 | 0x010 | 0x2000)) != 0) // EPOLLERR | EPOLLHUP | EPOLLRDHUP: no more edges will come
            entry.ReadClosed = true;
        if ((events & WriteEvents) != 0)
            entry.Writable = true;
        RunWaiters(entry);
    }

    private void RunWaiters(FdEntry entry)
    {
        for (PendingOp? p = entry.PollHead; p is not null;)
        {
            PendingOp? next = p.NextWaiter;
            RunPoll(p, entry, parked: true);
            p = next;
        }
        for (int direction = 0; direction < 2; direction++)
        {
            while (entry.Ready(direction) && entry.Head(direction) is { } op && _fds.ContainsKey(entry.Fd))
            {
                if (!RunOne(op, entry, parked: true))
                    break;
            }
        }
    }

    private void RunReadyEntries()
    {
        if (_readyEntries.Count == 0)
            return;
        // Swap in the spare list (entries that become ready meanwhile go to the other one): no copy, no allocation.
        List<FdEntry> ready = _readyEntries;
        _readyEntries = _spareReadyEntries;
        _spareReadyEntries = ready;
        foreach (FdEntry entry in ready)
        {
            entry.InReadyList = false;
            if (_fds.TryGetValue(entry.Fd, out FdEntry? current) && current == entry)
                RunWaiters(entry);
        }
        ready.Clear();
    }

    /// <summary>
    /// Runs <paramref name="op"/>'s syscall until it completes, the descriptor is not ready (false: it waits for the
    /// next edge), or a multishot request used its budget for this turn (false: retried on the next harvest).
    /// </summary>
    private bool RunOne(PendingOp op, FdEntry entry, bool parked)
    {
        int direction = op.Direction;
        for (int budget = MultishotBudget; ; budget--)
        {
            int result = Execute(op, entry, out CqeFlags flags, out bool drained);
            if (result == Again)
            {
                entry.SetReady(direction, false);
                return false;
            }
            if (drained && !(direction == 0 && entry.ReadClosed)) // after the peer's FIN, the end of stream is still to read
                entry.SetReady(direction, false);
            if (op.Multishot && (op.Opcode == IoUringOpcode.Accept ? result >= 0 : result > 0) && !op.ByteLimitReached)
            {
                Complete(op, result, flags | CqeFlags.More);
                if (!entry.Ready(direction))
                    return false;
                if (budget > 1)
                    continue;
                if (!entry.InReadyList)
                {
                    entry.InReadyList = true;
                    _readyEntries.Add(entry);
                }
                return false;
            }
            if (op.Opcode == IoUringOpcode.SendZc && result >= 0)
            {
                // A copying send: the bytes are in the socket buffer now, so the notification follows at once.
                Complete(op, result, CqeFlags.More);
                result = 0;
                flags = CqeFlags.Notification;
            }
            _ = parked; // a parked request leaves its wait list in Complete
            Complete(op, result, flags);
            return true;
        }
    }

    /// <summary>A POLL_ADD: the events that are ready now (poll(2)), posted once or, multishot, on every edge.</summary>
    private bool RunPoll(PendingOp op, FdEntry entry, bool parked)
    {
        UserspaceSyscalls.PollFd pfd = new() { Fd = entry.Fd, Events = (short)op.Sqe.OpFlags };
        int n = UserspaceSyscalls.Poll(&pfd, 1, 0);
        if (n < 0)
        {
            Complete(op, -Marshal.GetLastPInvokeError());
            return true;
        }
        int revents = (ushort)pfd.Revents & ((int)op.Sqe.OpFlags | 0x8 | 0x10 | 0x20); // POLLERR | POLLHUP | POLLNVAL
        if (revents == 0)
            return false;
        if (op.Multishot)
        {
            Complete(op, revents, CqeFlags.More);
            return false;
        }
        _ = parked;
        Complete(op, revents);
        return true;
    }

    /// <summary>One non-blocking attempt of a request on a pollable descriptor: the result, or <see cref="Again"/>.</summary>
    private int Execute(PendingOp op, FdEntry entry, out CqeFlags flags, out bool drained)
    {
        ref Sqe s = ref op.Sqe;
        int fd = entry.Fd;
        flags = 0;
        drained = false;
        long r;
        while (true)
        {
            switch (s.Opcode)
            {
                case IoUringOpcode.Read or IoUringOpcode.ReadFixed or IoUringOpcode.Recv:
                    if ((s.Flags & SqeFlags.BufferSelect) != 0)
                        return ReceiveSelected(op, entry, out flags, out drained);
                    r = s.Opcode == IoUringOpcode.Recv
                        ? recv(fd, (void*)s.Addr, s.Len, (int)s.OpFlags | MSG_DONTWAIT)
                        : read(fd, (void*)s.Addr, s.Len);
                    drained = r >= 0 && r < s.Len && entry.Stream;
                    break;
                case IoUringOpcode.Readv:
                    r = UserspaceSyscalls.Preadv2(fd, (void*)s.Addr, (int)s.Len, -1, 0);
                    break;
                case IoUringOpcode.RecvMsg:
                    r = recvmsg(fd, (msghdr*)s.Addr, (int)s.OpFlags | MSG_DONTWAIT);
                    break;
                case IoUringOpcode.Accept:
                    r = accept4(fd, (sockaddr*)s.Addr, (socklen_t*)s.Off, (int)s.OpFlags | SOCK_NONBLOCK);
                    break;
                case IoUringOpcode.Write or IoUringOpcode.WriteFixed:
                    r = write(fd, (void*)s.Addr, s.Len);
                    drained = r >= 0 && r < s.Len;
                    break;
                case IoUringOpcode.Writev:
                    r = UserspaceSyscalls.Pwritev2(fd, (void*)s.Addr, (int)s.Len, -1, 0);
                    break;
                case IoUringOpcode.Send or IoUringOpcode.SendZc:
                    r = s.Off != 0
                        ? UserspaceSyscalls.Sendto(fd, (void*)s.Addr, s.Len, (int)s.OpFlags | MSG_DONTWAIT, (void*)s.Off, s.AddrLen)
                        : send(fd, (void*)s.Addr, s.Len, (int)s.OpFlags | MSG_DONTWAIT);
                    drained = r >= 0 && r < s.Len;
                    break;
                case IoUringOpcode.SendMsg:
                    r = sendmsg(fd, (msghdr*)s.Addr, (int)s.OpFlags | MSG_DONTWAIT);
                    break;
                case IoUringOpcode.Connect:
                    return Connect(op, fd);
                default:
                    return -UringSafe.Errno.EOPNOTSUPP;
            }
            if (r >= 0)
                return (int)r;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == UringSafe.Errno.EINTR)
                continue;
            return errno == UringSafe.Errno.EAGAIN ? Again : -errno;
        }
    }

    /// <summary>A non-blocking connect: EINPROGRESS waits for writability, which then reads SO_ERROR and, when that is
    /// clear, asks connect(2) again whether it is done (EISCONN) or still going (EALREADY): a spurious edge (an
    /// unconnected socket polls writable) never completes a connect early.</summary>
    private static int Connect(PendingOp op, int fd)
    {
        const int EINPROGRESS = 115, EISCONN = 106;
        if (op.ConnectStarted)
        {
            int error = 0;
            socklen_t len = sizeof(int);
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
                return -Marshal.GetLastPInvokeError();
            if (error != 0)
                return -error;
        }
        while (true)
        {
            if (connect(fd, (sockaddr*)op.Sqe.Addr, (uint)op.Sqe.Off) == 0)
                return 0;
            int errno = Marshal.GetLastPInvokeError();
            switch (errno)
            {
                case UringSafe.Errno.EINTR:
                    continue;
                case EISCONN when op.ConnectStarted:
                    return 0;
                case EINPROGRESS or UringSafe.Errno.EALREADY:
                    op.ConnectStarted = true;
                    return Again;
                case UringSafe.Errno.EAGAIN:
                    return Again; // a Unix socket's backlog is full: try again when writable
                default:
                    return -errno;
            }
        }
    }

    /// <summary>
    /// A receive with IOSQE_BUFFER_SELECT: the buffer at the group's head, taken only when data (not EAGAIN, not end of
    /// stream) arrived in it, as the kernel does. An empty group answers -ENOBUFS.
    /// </summary>
    private int ReceiveSelected(PendingOp op, FdEntry entry, out CqeFlags flags, out bool drained)
    {
        ref Sqe s = ref op.Sqe;
        flags = 0;
        drained = false;
        if (!_groups.TryGetValue(s.BufIndex, out BufferRing? group) || !group.TryPeek(out nint address, out uint length, out ushort bufferId))
            return -UringSafe.Errno.ENOBUFS;
        if (s.Len != 0 && s.Len < length)
            length = s.Len;
        // A multishot receive's byte limit (IORING_RECV_MSHOT_LIM, Linux 6.17: sqe->optlen, here the bytes left): no
        // receive goes past it, and the one that reaches it is the request's last.
        bool limited = op.Multishot && s.SpliceFdIn > 0;
        if (limited && length > (uint)s.SpliceFdIn)
            length = (uint)s.SpliceFdIn;
        while (true)
        {
            long r = s.Opcode == IoUringOpcode.Recv
                ? recv(entry.Fd, (void*)address, length, (int)s.OpFlags | MSG_DONTWAIT)
                : read(entry.Fd, (void*)address, length);
            if (r > 0)
            {
                group.Consume();
                if (limited && (s.SpliceFdIn -= (int)r) <= 0)
                    op.ByteLimitReached = true;
                flags = CqeFlags.Buffer | (CqeFlags)((uint)bufferId << IoUringConstants.CqeBufferShift);
                drained = r < length && entry.Stream;
                return (int)r;
            }
            if (r == 0)
                return 0;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == UringSafe.Errno.EINTR)
                continue;
            return errno == UringSafe.Errno.EAGAIN ? Again : -errno;
        }
    }
}
