using System.Runtime.InteropServices;
using System.Text;
using UringSafe.Abi;
using UringSafe.Raw;
using UringSafe.Raw.Ops;
using UringSafe.Tests.Support;
using static Tmds.Linux.LibC;

namespace UringSafe.Tests.Raw;

public sealed unsafe class RingRegistrationTests
{
    private static Cqe Complete(Ring ring)
    {
        ring.SubmitAndWait(1);
        Cqe c = ring.WaitCompletion();
        ring.AdvanceCompletions(1);
        return c;
    }

    [Fact]
    public void Read_through_a_registered_file_and_a_fixed_buffer()
    {
        using var fds = new Fds();
        int fd = fds.TempFile(Encoding.ASCII.GetBytes("fixed buffers work"));
        using var ring = new Ring(8);
        ring.RegisterFiles([fd]);
        void* mem = NativeMemory.AlignedAlloc(4096, 4096);
        try
        {
            new Span<byte>(mem, 4096).Clear();
            ring.RegisterBuffers([new IoVec { Base = (nint)mem, Length = 4096 }]);
            new ReadFixed(FileRef.Fixed(0), (nint)mem, 4096, 0).Offset(0).UserData(1).WriteTo(ref ring.GetSqe());
            Cqe c = Complete(ring);
            Assert.Equal(18, c.Result);
            Assert.Equal("fixed buffers work", Encoding.ASCII.GetString(new ReadOnlySpan<byte>(mem, 18)));
            ring.UnregisterBuffers();
            ring.UnregisterFiles();
        }
        finally
        {
            NativeMemory.AlignedFree(mem);
        }
    }

    [Fact]
    public void Sparse_file_table_can_be_updated_and_used()
    {
        using var fds = new Fds();
        int fd = fds.TempFile(Encoding.ASCII.GetBytes("sparse"));
        using var ring = new Ring(8);
        ring.RegisterFilesSparse(16);
        Assert.Equal(1, ring.UpdateFiles(5, [fd]));
        byte* buf = stackalloc byte[16];
        new Read(FileRef.Fixed(5), (nint)buf, 16).UserData(1).WriteTo(ref ring.GetSqe());
        Assert.Equal(6, Complete(ring).Result);
        // An empty slot is EBADF.
        new Read(FileRef.Fixed(6), (nint)buf, 16).UserData(2).WriteTo(ref ring.GetSqe());
        Assert.Equal(-Errno.EBADF, Complete(ring).Result);
    }

    [Fact]
    public void Registering_a_closed_fd_is_a_typed_error()
    {
        using var ring = new Ring(8);
        var ex = Assert.Throws<UringException>(() => ring.RegisterFiles([123456]));
        Assert.Equal(Errno.EBADF, ex.Errno);
        Assert.Contains("REGISTER", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Multishot_recv_over_a_provided_buffer_ring()
    {
        using var fds = new Fds();
        var (a, b) = fds.SocketPair();
        using var ring = new Ring(16);
        const int Count = 8, Size = 64;
        byte* pool = (byte*)NativeMemory.AllocZeroed(Count * Size);
        try
        {
            using BufferRing bufs = ring.SetupBufferRing(groupId: 3, entries: Count);
            for (int i = 0; i < Count; i++)
                bufs.Add((nint)(pool + i * Size), Size, (ushort)i, i);
            bufs.Advance(Count);

            new RecvMultishot(a, 3).UserData(10).WriteTo(ref ring.GetSqe());
            ring.Submit();
            var got = new List<string>();
            for (int m = 0; m < 3; m++)
            {
                Fds.WriteAll(b, Encoding.ASCII.GetBytes($"msg{m}"));
                Cqe c = Complete(ring);
                Assert.Equal(10UL, c.UserData);
                Assert.True(c.HasBuffer, c.ToString());
                Assert.True(c.HasMore, c.ToString());
                got.Add(Encoding.ASCII.GetString(pool + c.BufferId * Size, c.Result));
            }
            Assert.Equal(["msg0", "msg1", "msg2"], got);
            new AsyncCancel(10).UserData(11).WriteTo(ref ring.GetSqe());
            ring.Submit();
            var final = new Dictionary<ulong, int>();
            while (final.Count < 2)
            {
                Cqe c = Complete(ring);
                final[c.UserData] = c.Result;
            }
            Assert.Equal(-Errno.ECANCELED, final[10]);
        }
        finally
        {
            NativeMemory.Free(pool);
        }
    }

    [Fact]
    public void Eventfd_is_signalled_on_completion()
    {
        int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        Assert.True(efd >= 0);
        try
        {
            using var ring = new Ring(8);
            ring.RegisterEventFd(efd);
            new Nop().UserData(1).WriteTo(ref ring.GetSqe());
            Complete(ring);
            ulong value = 0;
            Assert.Equal(8, (long)read(efd, &value, 8));
            Assert.True(value >= 1);
            ring.UnregisterEventFd();
        }
        finally
        {
            close(efd);
        }
    }

    [Fact]
    public void Registered_ring_fd_is_used_for_enter()
    {
        using var ring = new Ring(new RingOptions { Entries = 8, RegisterRingFd = true });
        Assert.True(ring.IsRingFdRegistered);
        new Nop().UserData(1).WriteTo(ref ring.GetSqe());
        Assert.Equal(0, Complete(ring).Result);
        ring.UnregisterRingFd();
        Assert.False(ring.IsRingFdRegistered);
        new Nop().UserData(2).WriteTo(ref ring.GetSqe());
        Assert.Equal(2UL, Complete(ring).UserData);
    }

    [Fact]
    public void Disposing_gives_the_registered_ring_slot_back()
    {
        // The kernel's per-thread table has 16 slots; without unregistering, the 17th ring on a thread gets EBUSY.
        for (int i = 0; i < 40; i++)
        {
            using var ring = new Ring(new RingOptions { Entries = 4, RegisterRingFd = true });
            Assert.True(ring.IsRingFdRegistered);
        }
    }

    [Theory]
    [InlineData(SetupFlags.SingleIssuer | SetupFlags.DeferTaskrun)]
    [InlineData(SetupFlags.CoopTaskrun | SetupFlags.TaskrunFlag)]
    [InlineData(SetupFlags.SubmitAll)]
    [InlineData(SetupFlags.NoSqArray)]
    [InlineData(SetupFlags.Cqe32)]
    [InlineData(SetupFlags.Sqe128)]
    [InlineData(SetupFlags.SqPoll)]
    public void Setup_options_produce_a_working_ring(SetupFlags flags)
    {
        using var ring = new Ring(new RingOptions { Entries = 8, Flags = flags, SqPollIdleMilliseconds = 10 });
        Assert.Equal(flags, ring.SetupFlags & flags);
        for (ulong i = 0; i < 3; i++)
            new Nop().UserData(i).WriteTo(ref ring.GetSqe());
        var seen = new HashSet<ulong>();
        while (seen.Count < 3)
        {
            Assert.True(ring.SubmitAndWait(1, TimeSpan.FromSeconds(5)));
            foreach (ref readonly Cqe c in ring.Completions())
                seen.Add(c.UserData);
        }
    }
}
