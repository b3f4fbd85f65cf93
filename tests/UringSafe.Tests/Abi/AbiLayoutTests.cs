using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using UringSafe.Abi;

namespace UringSafe.Tests.Abi;

/// <summary>Sizes and field offsets checked against linux/io_uring.h (6.12+).</summary>
public sealed class AbiLayoutTests
{
    private static int Offset<T>(string field) => (int)Marshal.OffsetOf<T>(field);

    [Fact]
    public void Sqe_matches_io_uring_sqe()
    {
        Assert.Equal(64, Unsafe.SizeOf<Sqe>());
        Assert.Equal(0, Offset<Sqe>(nameof(Sqe.Opcode)));
        Assert.Equal(1, Offset<Sqe>(nameof(Sqe.Flags)));
        Assert.Equal(2, Offset<Sqe>(nameof(Sqe.IoPrio)));
        Assert.Equal(4, Offset<Sqe>(nameof(Sqe.Fd)));
        Assert.Equal(8, Offset<Sqe>(nameof(Sqe.Off)));
        Assert.Equal(16, Offset<Sqe>(nameof(Sqe.Addr)));
        Assert.Equal(24, Offset<Sqe>(nameof(Sqe.Len)));
        Assert.Equal(28, Offset<Sqe>(nameof(Sqe.OpFlags)));
        Assert.Equal(32, Offset<Sqe>(nameof(Sqe.UserData)));
        Assert.Equal(40, Offset<Sqe>(nameof(Sqe.BufIndex)));
        Assert.Equal(42, Offset<Sqe>(nameof(Sqe.Personality)));
        Assert.Equal(44, Offset<Sqe>(nameof(Sqe.SpliceFdIn)));
        Assert.Equal(44, Offset<Sqe>(nameof(Sqe.AddrLen)));
        Assert.Equal(48, Offset<Sqe>(nameof(Sqe.Addr3)));
        Assert.Equal(56, Offset<Sqe>(nameof(Sqe.Pad2)));
    }

    [Fact]
    public void Cqe_matches_io_uring_cqe_16_and_32()
    {
        Assert.Equal(16, Unsafe.SizeOf<Cqe>());
        Assert.Equal(32, Unsafe.SizeOf<Cqe32>());
        Assert.Equal(0, Offset<Cqe>("UserData"));
        Assert.Equal(8, Offset<Cqe>("Result"));
        Assert.Equal(12, Offset<Cqe>("Flags"));
        Assert.Equal(16, Offset<Cqe32>("Extra1"));
        Assert.Equal(24, Offset<Cqe32>("Extra2"));
    }

    [Fact]
    public void Params_and_ring_offsets_match()
    {
        Assert.Equal(40, Unsafe.SizeOf<SqRingOffsets>());
        Assert.Equal(40, Unsafe.SizeOf<CqRingOffsets>());
        Assert.Equal(120, Unsafe.SizeOf<RingParams>());
        Assert.Equal(0, Offset<RingParams>(nameof(RingParams.SqEntries)));
        Assert.Equal(4, Offset<RingParams>(nameof(RingParams.CqEntries)));
        Assert.Equal(8, Offset<RingParams>(nameof(RingParams.Flags)));
        Assert.Equal(12, Offset<RingParams>(nameof(RingParams.SqThreadCpu)));
        Assert.Equal(16, Offset<RingParams>(nameof(RingParams.SqThreadIdle)));
        Assert.Equal(20, Offset<RingParams>(nameof(RingParams.Features)));
        Assert.Equal(24, Offset<RingParams>(nameof(RingParams.WqFd)));
        Assert.Equal(40, Offset<RingParams>(nameof(RingParams.SqOff)));
        Assert.Equal(80, Offset<RingParams>(nameof(RingParams.CqOff)));
        Assert.Equal(24, Offset<SqRingOffsets>(nameof(SqRingOffsets.Array)));
        Assert.Equal(32, Offset<SqRingOffsets>(nameof(SqRingOffsets.UserAddr)));
        Assert.Equal(16, Offset<CqRingOffsets>(nameof(CqRingOffsets.Overflow)));
        Assert.Equal(20, Offset<CqRingOffsets>(nameof(CqRingOffsets.Cqes)));
        Assert.Equal(24, Offset<CqRingOffsets>(nameof(CqRingOffsets.Flags)));
        Assert.Equal(32, Offset<CqRingOffsets>(nameof(CqRingOffsets.UserAddr)));
    }

    [Fact]
    public void Probe_structs_match()
    {
        Assert.Equal(16, Unsafe.SizeOf<ProbeHeader>());
        Assert.Equal(8, Unsafe.SizeOf<ProbeOp>());
        Assert.Equal(1, Offset<ProbeHeader>(nameof(ProbeHeader.OpsLen)));
        Assert.Equal(2, Offset<ProbeOp>(nameof(ProbeOp.Flags)));
    }

    [Fact]
    public void Buffer_ring_structs_match()
    {
        Assert.Equal(16, Unsafe.SizeOf<BufRingEntry>());
        Assert.Equal(8, Offset<BufRingEntry>(nameof(BufRingEntry.Len)));
        Assert.Equal(12, Offset<BufRingEntry>(nameof(BufRingEntry.Bid)));
        Assert.Equal(BufRingEntry.TailOffset, Offset<BufRingEntry>(nameof(BufRingEntry.Resv)));
        Assert.Equal(40, Unsafe.SizeOf<BufRingRegistration>());
        Assert.Equal(8, Offset<BufRingRegistration>(nameof(BufRingRegistration.RingEntries)));
        Assert.Equal(12, Offset<BufRingRegistration>(nameof(BufRingRegistration.Bgid)));
        Assert.Equal(14, Offset<BufRingRegistration>(nameof(BufRingRegistration.Flags)));
    }

    [Fact]
    public void Getevents_arg_and_timespec_match()
    {
        Assert.Equal(16, Unsafe.SizeOf<KernelTimespec>());
        Assert.Equal(24, Unsafe.SizeOf<GetEventsArg>());
        Assert.Equal(8, Offset<GetEventsArg>(nameof(GetEventsArg.SigmaskSz)));
        Assert.Equal(12, Offset<GetEventsArg>(nameof(GetEventsArg.MinWaitUsec)));
        Assert.Equal(16, Offset<GetEventsArg>(nameof(GetEventsArg.Ts)));
    }

    [Fact]
    public void Resource_structs_match()
    {
        Assert.Equal(16, Unsafe.SizeOf<RsrcUpdate>());
        Assert.Equal(32, Unsafe.SizeOf<RsrcRegister>());
        Assert.Equal(32, Unsafe.SizeOf<RsrcUpdate2>());
        Assert.Equal(16, Offset<RsrcRegister>(nameof(RsrcRegister.Data)));
        Assert.Equal(8, Offset<RsrcUpdate2>(nameof(RsrcUpdate2.Data)));
        Assert.Equal(24, Offset<RsrcUpdate2>(nameof(RsrcUpdate2.Nr)));
        Assert.Equal(64, Unsafe.SizeOf<SyncCancelRegistration>());
        Assert.Equal(16, Offset<SyncCancelRegistration>(nameof(SyncCancelRegistration.Timeout)));
        Assert.Equal(32, Offset<SyncCancelRegistration>(nameof(SyncCancelRegistration.Opcode)));
        Assert.Equal(16, Unsafe.SizeOf<IoVec>());
    }

    [Fact]
    public void Opcode_and_flag_values_match_the_header()
    {
        Assert.Equal(22, (int)IoUringOpcode.Read);
        Assert.Equal(47, (int)IoUringOpcode.SendZc);
        Assert.Equal(54, (int)IoUringOpcode.FixedFdInstall);
        Assert.Equal(57, (int)IoUringOpcode.Listen);
        Assert.Equal(0x40, (int)SqeFlags.CqeSkipSuccess);
        Assert.Equal(1u << 13, (uint)SetupFlags.DeferTaskrun);
        Assert.Equal(1u << 16, (uint)SetupFlags.NoSqArray);
        Assert.Equal(1u << 8, (uint)RingFeatures.ExtArg);
        Assert.Equal(24u, (uint)RegisterOpcode.RegisterSyncCancel);
    }
}
