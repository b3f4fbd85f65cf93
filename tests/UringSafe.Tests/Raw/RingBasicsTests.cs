using System.Text;
using UringSafe.Abi;
using UringSafe.Raw;
using UringSafe.Raw.Ops;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Raw;

public sealed unsafe class RingBasicsTests
{
    [Fact]
    public void Io_uring_is_available_here()
    {
        // Tests run against the real kernel: if this fails, the reason is in the exception message.
        using var ring = new Ring(8);
        Assert.True(Ring.IsSupported, Ring.UnavailableReason?.Message);
        Assert.True((ring.Features & RingFeatures.NoDrop) != 0);
    }

    [Fact]
    public void Nop_round_trip()
    {
        using var ring = new Ring(8);
        new Nop().UserData(0x42).WriteTo(ref ring.GetSqe());
        Assert.Equal(1, ring.SubmitAndWait(1));
        Assert.True(ring.TryPeekCompletion(out Cqe cqe));
        ring.AdvanceCompletions(1);
        Assert.Equal(0x42UL, cqe.UserData);
        Assert.Equal(0, cqe.Result);
        Assert.False(ring.TryPeekCompletion(out _));
    }

    [Fact]
    public void Write_then_read_back_a_file()
    {
        using var fds = new Fds();
        int fd = fds.TempFile();
        using var ring = new Ring(8);
        byte[] data = Encoding.ASCII.GetBytes("hello, io_uring");
        byte[] back = new byte[64];
        fixed (byte* w = data)
        fixed (byte* r = back)
        {
            new Write(fd, (nint)w, (uint)data.Length).Offset(0).UserData(1).WriteTo(ref ring.GetSqe());
            ring.SubmitAndWait(1);
            Cqe c = ring.WaitCompletion();
            ring.AdvanceCompletions(1);
            Assert.Equal(data.Length, c.Result);

            new Read(fd, (nint)r, (uint)back.Length).Offset(0).UserData(2).WriteTo(ref ring.GetSqe());
            ring.SubmitAndWait(1);
            c = ring.WaitCompletion();
            ring.AdvanceCompletions(1);
            Assert.Equal(2UL, c.UserData);
            Assert.Equal(data.Length, c.Result);
        }
        Assert.Equal("hello, io_uring", Encoding.ASCII.GetString(back, 0, data.Length));
    }

    [Fact]
    public void Completions_batch_advances_once_and_sees_every_entry()
    {
        using var ring = new Ring(32);
        for (ulong i = 0; i < 32; i++)
            new Nop().UserData(i).WriteTo(ref ring.GetSqe());
        ring.SubmitAndWait(32);
        var seen = new List<ulong>();
        foreach (ref readonly Cqe c in ring.Completions())
            seen.Add(c.UserData);
        Assert.Equal(Enumerable.Range(0, 32).Select(i => (ulong)i), seen.Order());
        Assert.Equal(0u, ring.CqReady);
    }

    [Fact]
    public void Copy_completions_consumes_only_what_fits()
    {
        using var ring = new Ring(8);
        for (ulong i = 0; i < 5; i++)
            ring.TryPush(new Nop().UserData(i).Build());
        ring.SubmitAndWait(5);
        Span<Cqe> two = stackalloc Cqe[2];
        Assert.Equal(2, ring.CopyCompletions(two));
        Assert.Equal(3u, ring.CqReady);
        Span<Cqe> rest = stackalloc Cqe[8];
        Assert.Equal(3, ring.CopyCompletions(rest));
    }

    [Fact]
    public void Timed_wait_returns_false_when_nothing_completes()
    {
        using var ring = new Ring(8);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(ring.SubmitAndWait(1, TimeSpan.FromMilliseconds(50)));
        Assert.True(sw.ElapsedMilliseconds >= 40, $"returned after {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void Probe_reports_opcodes_and_features()
    {
        using var ring = new Ring(8);
        RingProbe probe = ring.Probe();
        Assert.True(probe.IsSupported(Nop.CODE));
        Assert.True(probe.IsSupported(Read.CODE));
        Assert.True(probe.IsSupported(IoUringOpcode.Accept));
        Assert.True(probe.LastOpcode >= IoUringOpcode.Listen, $"last op {probe.LastOpcode}");
        Assert.Contains(IoUringOpcode.SendZc, probe.SupportedOpcodes);
        Assert.Equal(ring.Features, probe.Features);
    }

    [Fact]
    public void Error_result_maps_to_an_exception_naming_the_fd_and_errno()
    {
        using var ring = new Ring(8);
        byte* buf = stackalloc byte[16];
        new Read(9999, (nint)buf, 16).UserData(9).WriteTo(ref ring.GetSqe());
        ring.SubmitAndWait(1);
        Cqe c = ring.WaitCompletion();
        ring.AdvanceCompletions(1);
        Assert.Equal(-Errno.EBADF, c.Result);
        var ex = Assert.Throws<UringException>(() => UringException.ThrowIfError(c.Result, Read.CODE, 9999));
        Assert.Equal(Errno.EBADF, ex.Errno);
        Assert.Equal(9999, ex.Fd);
        Assert.Equal("Read", ex.Operation);
        Assert.Contains("fd 9999", ex.Message);
        Assert.Contains("EBADF", ex.Message);
        Assert.IsAssignableFrom<IOException>(ex);
    }

    [Fact]
    public void Unavailable_messages_name_cause_and_fix()
    {
        // The message names the one cause that applies on the host (CapabilitiesTests covers each); given a host here.
        var host = new UringSafe.Interop.HostFacts("5.4.0", new Version(5, 4), IoUringDisabled: null, IoUringGroup: null,
            SeccompMode: 2, InIoUringGroup: false, HasSysAdmin: false, MemlockSoft: 65536, MemlockHard: 65536);
        Assert.Contains("too old", UringUnavailableException.Explain(Errno.ENOSYS, host with { KernelRelease = "4.19.0", KernelVersion = new Version(4, 19) }).Message);
        string eperm = UringUnavailableException.Explain(Errno.EPERM, host).Message;
        Assert.Contains("kernel.io_uring_disabled", eperm);
        Assert.Contains("seccomp", eperm);
        Assert.Contains("--security-opt", eperm);
        Assert.Contains("RLIMIT_MEMLOCK", UringUnavailableException.Explain(Errno.ENOMEM, host).Message);
        Assert.Contains("RLIMIT_MEMLOCK", new UringUnavailableException(Errno.ENOMEM).Message);
    }

    [Fact]
    public void Invalid_entry_count_is_a_clear_argument_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ring(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ring(1u << 20));
    }

    [Fact]
    public void Using_a_disposed_ring_throws_ObjectDisposedException()
    {
        var ring = new Ring(8);
        ring.Dispose();
        ring.Dispose(); // idempotent
        Assert.Throws<ObjectDisposedException>(() => ring.GetSqe());
        Assert.Throws<ObjectDisposedException>(() => ring.Submit());
        Assert.Throws<ObjectDisposedException>(() => ring.RingFd);
    }
}
