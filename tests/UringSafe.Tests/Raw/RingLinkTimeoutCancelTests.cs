using UringSafe.Abi;
using UringSafe.Raw;
using UringSafe.Raw.Ops;
using UringSafe.Tests.Support;
using Timeout = UringSafe.Raw.Ops.Timeout;

namespace UringSafe.Tests.Raw;

public sealed unsafe class RingLinkTimeoutCancelTests
{
    private static Dictionary<ulong, int> Drain(Ring ring, int expected)
    {
        var results = new Dictionary<ulong, int>();
        while (results.Count < expected)
        {
            Assert.True(ring.SubmitAndWait(1, TimeSpan.FromSeconds(5)), $"only {results.Count} of {expected} completions arrived");
            foreach (ref readonly Cqe c in ring.Completions())
                results[c.UserData] = c.Result;
        }
        return results;
    }

    [Fact]
    public void A_failed_link_cancels_its_successors()
    {
        using var ring = new Ring(8);
        byte* buf = stackalloc byte[8];
        new Read(9999, (nint)buf, 8).Flags(SqeFlags.IoLink).UserData(1).WriteTo(ref ring.GetSqe());
        new Nop().Flags(SqeFlags.IoLink).UserData(2).WriteTo(ref ring.GetSqe());
        new Nop().UserData(3).WriteTo(ref ring.GetSqe());
        ring.Submit();
        var r = Drain(ring, 3);
        Assert.Equal(-Errno.EBADF, r[1]);
        Assert.Equal(-Errno.ECANCELED, r[2]);
        Assert.Equal(-Errno.ECANCELED, r[3]);
    }

    [Fact]
    public void Timeout_fires_with_ETIME()
    {
        using var ring = new Ring(8);
        KernelTimespec ts = KernelTimespec.From(TimeSpan.FromMilliseconds(20));
        new Timeout((nint)(&ts)).UserData(5).WriteTo(ref ring.GetSqe());
        ring.Submit();
        var r = Drain(ring, 1);
        Assert.Equal(-Errno.ETIME, r[5]);
    }

    [Fact]
    public void Link_timeout_cancels_a_blocked_pipe_read()
    {
        using var fds = new Fds();
        var (rd, _) = fds.Pipe();
        using var ring = new Ring(8);
        byte* buf = stackalloc byte[16];
        KernelTimespec ts = KernelTimespec.From(TimeSpan.FromMilliseconds(30));
        new Read(rd, (nint)buf, 16).Flags(SqeFlags.IoLink).UserData(1).WriteTo(ref ring.GetSqe());
        new LinkTimeout((nint)(&ts)).UserData(2).WriteTo(ref ring.GetSqe());
        ring.Submit();
        var r = Drain(ring, 2);
        Assert.Equal(-Errno.ECANCELED, r[1]);
        Assert.Equal(-Errno.ETIME, r[2]);
    }

    [Fact]
    public void Async_cancel_by_user_data()
    {
        using var fds = new Fds();
        var (rd, _) = fds.Pipe();
        using var ring = new Ring(8);
        byte* buf = stackalloc byte[16];
        new Read(rd, (nint)buf, 16).UserData(77).WriteTo(ref ring.GetSqe());
        ring.Submit();
        new AsyncCancel(77).UserData(78).WriteTo(ref ring.GetSqe());
        ring.Submit();
        var r = Drain(ring, 2);
        Assert.Equal(-Errno.ECANCELED, r[77]);
        Assert.Equal(0, r[78]);
    }

    [Fact]
    public void Async_cancel_by_fd_cancels_every_request_on_it()
    {
        using var fds = new Fds();
        var (rd, _) = fds.Pipe();
        using var ring = new Ring(8);
        byte* buf = stackalloc byte[32];
        new Read(rd, (nint)buf, 16).UserData(1).WriteTo(ref ring.GetSqe());
        new Read(rd, (nint)(buf + 16), 16).UserData(2).WriteTo(ref ring.GetSqe());
        ring.Submit();
        new AsyncCancelFd(rd).CancelFlags(CancelFlags.All).UserData(3).WriteTo(ref ring.GetSqe());
        ring.Submit();
        var r = Drain(ring, 3);
        Assert.Equal(-Errno.ECANCELED, r[1]);
        Assert.Equal(-Errno.ECANCELED, r[2]);
        Assert.Equal(2, r[3]); // CANCEL_ALL returns how many it cancelled
    }

    [Fact]
    public void Dispose_with_operations_in_flight_cancels_them_and_returns()
    {
        using var fds = new Fds();
        var (rd, wr) = fds.Pipe();
        byte[] buffer = GC.AllocateArray<byte>(64, pinned: true);
        var ring = new Ring(8);
        fixed (byte* p = buffer)
        {
            for (ulong i = 0; i < 4; i++)
                new Read(rd, (nint)p, 64).UserData(i).WriteTo(ref ring.GetSqe());
            ring.Submit();
            var sw = System.Diagnostics.Stopwatch.StartNew();
            ring.Dispose();
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(3), $"dispose took {sw.Elapsed}");
        }
        // The cancelled reads must not consume data written afterwards, nor write into the buffer.
        Fds.WriteAll(wr, "after"u8);
        Thread.Sleep(20);
        Assert.All(buffer, b => Assert.Equal(0, b));
    }
}
