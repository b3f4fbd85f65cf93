using System.Diagnostics;
using System.Runtime.InteropServices;
using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Driver;
using UringSafe.Raw;
using UringSafe.Raw.Ops;
using UringSafe.Tests.Support;
using static Tmds.Linux.LibC;
using Timeout = UringSafe.Raw.Ops.Timeout;

namespace UringSafe.Tests.Driver;

/// <summary>
/// The userspace ring against the kernel's completion semantics, opcode family by opcode family: what each CQE
/// carries, when it comes, what a cancel answers, and that a worker keeps its request until its syscall returned.
/// </summary>
public unsafe class UserspaceRingTests
{
    private const int MsgDontWait = 0x40;

    private static (int A, int B) SocketPair()
    {
        int* fds = stackalloc int[2];
        Assert.Equal(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
        return (fds[0], fds[1]);
    }

    private static void Send(int fd, string text)
    {
        byte[] bytes = System.Text.Encoding.ASCII.GetBytes(text);
        fixed (byte* p = bytes)
            Assert.Equal(bytes.Length, (int)send(fd, p, bytes.Length, MsgDontWait));
    }

    [Fact]
    public void A_nop_completes_with_its_user_data_and_injected_result()
    {
        using var h = new UserspaceRingHarness();
        h.Submit(new Nop().UserData(1).Build(), new Nop().NopFlags(NopFlags.InjectResult).InjectedResult(7).UserData(2).Build());
        Assert.Equal(0, h.Expect(1).Result);
        Assert.Equal(7, h.Expect(2).Result);
    }

    [Fact]
    public void A_receive_waits_for_readiness_and_then_completes_with_the_bytes()
    {
        using var h = new UserspaceRingHarness();
        (int a, int b) = SocketPair();
        byte* buf = stackalloc byte[64];
        try
        {
            h.Submit(new Recv(a, (nint)buf, 64).UserData(1).Build());
            Assert.True(h.Silent(1, TimeSpan.FromMilliseconds(50)), "the receive completed with nothing to read");
            Send(b, "hello");
            Cqe cqe = h.Expect(1);
            Assert.Equal(5, cqe.Result);
            Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(buf, 5));
            // The peer's FIN after the data: the next receive reads the end of the stream (0), it does not wait.
            Send(b, "x");
            shutdown(b, SHUT_WR);
            h.Submit(new Recv(a, (nint)buf, 64).UserData(2).Build());
            Assert.Equal(1, h.Expect(2).Result);
            h.Submit(new Recv(a, (nint)buf, 64).UserData(3).Build());
            Assert.Equal(0, h.Expect(3).Result);
        }
        finally
        {
            h.Ring.ForgetFd(a);
            close(a);
            close(b);
        }
    }

    [Fact]
    public void A_send_that_finds_the_socket_full_waits_until_the_peer_reads()
    {
        using var h = new UserspaceRingHarness();
        (int a, int b) = SocketPair();
        byte[] chunk = new byte[65536];
        try
        {
            fixed (byte* p = chunk)
            {
                while (send(a, p, chunk.Length, MsgDontWait) > 0)
                {
                }
                h.Submit(new Send(a, (nint)p, (uint)chunk.Length).UserData(1).Build());
                Assert.True(h.Silent(1, TimeSpan.FromMilliseconds(50)), "the send completed on a full socket");
                while (recv(b, p, chunk.Length, MsgDontWait) > 0)
                {
                }
                Assert.True(h.Expect(1).Result > 0);
            }
        }
        finally
        {
            h.Ring.ForgetFd(a);
            close(a);
            close(b);
        }
    }

    [Fact]
    public void File_requests_run_on_the_worker_pool_with_the_kernels_results()
    {
        using var h = new UserspaceRingHarness();
        string path = Path.Combine(Path.GetTempPath(), $"us-ring-{Guid.NewGuid():N}");
        byte[] pathBytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        byte[] data = System.Text.Encoding.ASCII.GetBytes("0123456789");
        byte[] back = new byte[10];
        fixed (byte* pp = pathBytes)
        fixed (byte* dp = data)
        fixed (byte* bp = back)
        {
            h.Submit(new OpenAt((nint)pp, O_RDWR | O_CREAT | O_CLOEXEC).Mode(0x180).UserData(1).Build());
            int fd = h.Expect(1).Result;
            Assert.True(fd >= 0, $"open failed: {fd}");
            h.Submit(new Write(fd, (nint)dp, 10).Offset(100).UserData(2).Build());
            Assert.Equal(10, h.Expect(2).Result);
            h.Submit(new Fsync(fd).UserData(3).Build(), new Read(fd, (nint)bp, 10).Offset(100).UserData(4).Build());
            Assert.Equal(0, h.Expect(3).Result);
            Assert.Equal(10, h.Expect(4).Result);
            Assert.Equal(data, back);
            h.Submit(new Read(fd, (nint)bp, 10).Offset(1000).UserData(5).Build());
            Assert.Equal(0, h.Expect(5).Result); // past the end
            h.Submit(new Close(fd).UserData(6).Build(), new UnlinkAt((nint)pp).UserData(7).Build());
            Assert.Equal(0, h.Expect(6).Result);
            Assert.Equal(0, h.Expect(7).Result);
            h.Submit(new UnlinkAt((nint)pp).UserData(8).Build());
            Assert.Equal(-Errno.ENOENT, h.Expect(8).Result);
        }
    }

    [Fact]
    public void Cancel_answers_as_the_kernel_does_by_user_data_by_fd_and_any()
    {
        using var h = new UserspaceRingHarness();
        (int a, int b) = SocketPair();
        byte* buf = stackalloc byte[16];
        try
        {
            h.Submit(new Recv(a, (nint)buf, 16).UserData(1).Build());
            h.Submit(new AsyncCancel(1).UserData(100).Build());
            Assert.Equal(-Errno.ECANCELED, h.Expect(1).Result);
            Assert.Equal(0, h.Expect(100).Result);

            h.Submit(new AsyncCancel(12345).UserData(101).Build());
            Assert.Equal(-Errno.ENOENT, h.Expect(101).Result);

            h.Submit(new Recv(a, (nint)buf, 8).UserData(2).Build(), new Recv(a, (nint)(buf + 8), 8).UserData(3).Build());
            h.Submit(new AsyncCancelFd(a).CancelFlags(CancelFlags.All).UserData(102).Build());
            Assert.Equal(2, h.Expect(102).Result); // ALL answers how many it cancelled
            Assert.Equal(-Errno.ECANCELED, h.Expect(2).Result);
            Assert.Equal(-Errno.ECANCELED, h.Expect(3).Result);

            KernelTimespec ts = KernelTimespec.From(TimeSpan.FromSeconds(30));
            h.Submit(new Recv(a, (nint)buf, 8).UserData(4).Build(), new Timeout((nint)(&ts)).UserData(5).Build());
            h.Submit(new AsyncCancel(0).CancelFlags(CancelFlags.Any | CancelFlags.All).UserData(103).Build());
            Assert.Equal(2, h.Expect(103).Result);
            Assert.Equal(-Errno.ECANCELED, h.Expect(4).Result);
            Assert.Equal(-Errno.ECANCELED, h.Expect(5).Result);
        }
        finally
        {
            h.Ring.ForgetFd(a);
            close(a);
            close(b);
        }
    }

    [Fact]
    public void A_worker_request_that_is_cancelled_while_running_is_too_late_and_completes_when_its_syscall_returns()
    {
        using var h = new UserspaceRingHarness();
        string fifo = Path.Combine(Path.GetTempPath(), $"us-fifo-{Guid.NewGuid():N}");
        byte[] p = System.Text.Encoding.UTF8.GetBytes(fifo + "\0");
        fixed (byte* pp = p)
        {
            Assert.Equal(0, mkfifo(pp, 0x180));
            try
            {
                // open(O_RDONLY) of a FIFO blocks in the worker until a writer opens it.
                h.Submit(new OpenAt((nint)pp, O_RDONLY | O_CLOEXEC).UserData(1).Build());
                Cqe cancel;
                long deadline = Stopwatch.GetTimestamp() + 5 * Stopwatch.Frequency;
                do
                {
                    Thread.Sleep(20); // let a worker take it
                    h.Submit(new AsyncCancel(1).UserData(100).Build());
                    cancel = h.Expect(100);
                    Assert.NotEqual(0, cancel.Result); // 0 would mean it was still queued: then it completed -ECANCELED
                }
                while (cancel.Result != -Errno.EALREADY && Stopwatch.GetTimestamp() < deadline);
                Assert.Equal(-Errno.EALREADY, cancel.Result);
                Assert.True(h.Silent(1, TimeSpan.FromMilliseconds(100)), "the running open completed before its syscall returned");
                int writer = open(pp, O_WRONLY | O_NONBLOCK | O_CLOEXEC, 0);
                Assert.True(writer >= 0);
                int fd = h.Expect(1).Result;
                Assert.True(fd >= 0, $"the open's own result arrives when the syscall returns: {fd}");
                close(fd);
                close(writer);
            }
            finally
            {
                unlink(pp);
            }
        }
    }

    [Fact]
    public void Timeouts_expire_with_ETIME_and_remove_answers_ECANCELED()
    {
        using var h = new UserspaceRingHarness();
        KernelTimespec shortTs = KernelTimespec.From(TimeSpan.FromMilliseconds(50));
        KernelTimespec longTs = KernelTimespec.From(TimeSpan.FromSeconds(30));
        long start = Stopwatch.GetTimestamp();
        h.Submit(new Timeout((nint)(&shortTs)).UserData(1).Build(), new Timeout((nint)(&longTs)).UserData(2).Build());
        Assert.Equal(-Errno.ETIME, h.Expect(1).Result);
        Assert.True(Stopwatch.GetElapsedTime(start) >= TimeSpan.FromMilliseconds(45), "the timeout expired early");
        h.Submit(new TimeoutRemove(2).UserData(3).Build());
        Assert.Equal(-Errno.ECANCELED, h.Expect(2).Result);
        Assert.Equal(0, h.Expect(3).Result);
        h.Submit(new TimeoutRemove(2).UserData(4).Build());
        Assert.Equal(-Errno.ENOENT, h.Expect(4).Result);
    }

    [Fact]
    public void A_link_timeout_cancels_a_request_still_waiting_and_is_cancelled_by_one_that_finished()
    {
        using var h = new UserspaceRingHarness();
        (int a, int b) = SocketPair();
        byte* buf = stackalloc byte[16];
        KernelTimespec ts = KernelTimespec.From(TimeSpan.FromMilliseconds(50));
        try
        {
            h.Submit(new Recv(a, (nint)buf, 16).UserData(1).Build().WithFlags(SqeFlags.IoLink), new LinkTimeout((nint)(&ts)).UserData(2).Build());
            Assert.Equal(-Errno.ECANCELED, h.Expect(1).Result);
            Assert.Equal(-Errno.ETIME, h.Expect(2).Result);

            Send(b, "ab");
            h.Submit(new Recv(a, (nint)buf, 16).UserData(3).Build().WithFlags(SqeFlags.IoLink), new LinkTimeout((nint)(&ts)).UserData(4).Build());
            Assert.Equal(2, h.Expect(3).Result);
            Assert.Equal(-Errno.ECANCELED, h.Expect(4).Result);
        }
        finally
        {
            h.Ring.ForgetFd(a);
            close(a);
            close(b);
        }
    }

    [Fact]
    public void Multishot_receive_takes_provided_buffers_with_more_and_ends_with_ENOBUFS_when_the_group_is_empty()
    {
        using var h = new UserspaceRingHarness();
        (int a, int b) = SocketPair();
        nint slab = (nint)NativeMemory.Alloc(2 * 64);
        try
        {
            BufferRing group = h.Ring.SetupBufferRing(7, 4);
            group.Add(slab, 64, 10);
            group.Add(slab + 64, 64, 11, 1);
            group.Advance(2);
            h.Submit(new RecvMultishot(a, 7).UserData(1).Build());
            Send(b, "one");
            Cqe first = h.Expect(1);
            Assert.Equal(3, first.Result);
            Assert.True(first.HasMore && first.HasBuffer);
            Assert.Equal(10, first.BufferId);
            Send(b, "two!");
            Cqe second = h.Expect(1);
            Assert.Equal(4, second.Result);
            Assert.Equal(11, second.BufferId);
            Assert.True(second.HasMore);
            Send(b, "three");
            Cqe last = h.Expect(1);
            Assert.Equal(-Errno.ENOBUFS, last.Result);
            Assert.False(last.HasMore);
            group.Dispose();
        }
        finally
        {
            h.Ring.ForgetFd(a);
            close(a);
            close(b);
            NativeMemory.Free((void*)slab);
        }
    }

    [Fact]
    public void Multishot_accept_posts_one_completion_per_connection_until_cancelled()
    {
        using var h = new UserspaceRingHarness();
        int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        var any = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0);
        byte* addr = stackalloc byte[16];
        int len = UringSafe.Net.SockAddr.Write(any, addr, 16);
        Assert.Equal(0, bind(listener, (Tmds.Linux.sockaddr*)addr, (uint)len));
        Assert.Equal(0, listen(listener, 16));
        Tmds.Linux.socklen_t alen = 16;
        getsockname(listener, (Tmds.Linux.sockaddr*)addr, &alen);
        var clients = new List<int>();
        try
        {
            h.Submit(new AcceptMultishot(listener).UserData(1).Build());
            for (int i = 0; i < 2; i++)
            {
                int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                Assert.Equal(0, connect(c, (Tmds.Linux.sockaddr*)addr, alen));
                clients.Add(c);
                Cqe accepted = h.Expect(1);
                Assert.True(accepted.Result >= 0 && accepted.HasMore, accepted.ToString());
                clients.Add(accepted.Result);
            }
            h.Submit(new AsyncCancel(1).UserData(2).Build());
            Cqe end = h.Expect(1);
            Assert.Equal(-Errno.ECANCELED, end.Result);
            Assert.False(end.HasMore);
            Assert.Equal(0, h.Expect(2).Result);
        }
        finally
        {
            h.Ring.ForgetFd(listener);
            close(listener);
            foreach (int c in clients)
                close(c);
        }
    }

    [Fact]
    public void A_zero_copy_send_is_a_copying_send_followed_by_its_notification()
    {
        using var h = new UserspaceRingHarness();
        (int a, int b) = SocketPair();
        byte* buf = stackalloc byte[4];
        try
        {
            h.Submit(new SendZc(a, (nint)buf, 4).UserData(1).Build());
            Cqe sent = h.Expect(1);
            Assert.Equal(4, sent.Result);
            Assert.True(sent.HasMore);
            Cqe notification = h.Expect(1);
            Assert.True(notification.IsNotification);
            Assert.False(notification.HasMore);
        }
        finally
        {
            h.Ring.ForgetFd(a);
            close(a);
            close(b);
        }
    }

    [Fact]
    public void An_opcode_the_userspace_ring_lacks_completes_with_EOPNOTSUPP_and_a_typed_error()
    {
        using var h = new UserspaceRingHarness();
        h.Submit(new FilesUpdate(0, 0, 0).UserData(1).Build());
        Cqe cqe = h.Expect(1);
        Assert.Equal(-Errno.EOPNOTSUPP, cqe.Result);
        OperationNotSupportedException? error = h.Ring.UnsupportedOrNull(IoUringOpcode.FilesUpdate, 1, Errno.EOPNOTSUPP, -1, null);
        Assert.NotNull(error);
        Assert.Equal(ReactorDriver.UserspaceRing, error!.Driver);
        Assert.Contains("userspace ring", error.Message);
        Assert.Contains("FilesUpdate", error.Message);
    }
}
