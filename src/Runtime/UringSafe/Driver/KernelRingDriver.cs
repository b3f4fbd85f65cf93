using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Raw;

namespace UringSafe.Driver;

/// <summary>The kernel's io_uring: every member forwards to the reactor's <see cref="Ring"/>.</summary>
internal sealed class KernelRingDriver(Ring ring) : RingDriver
{
    public override ReactorDriver Kind => ReactorDriver.KernelRing;

    public override uint CqEntries => ring.CqEntries;

    public override uint SqSpaceLeft => ring.SqSpaceLeft;

    public override bool TryPush(in Sqe sqe) => ring.TryPush(in sqe);

    public override int Submit() => ring.Submit();

    public override void SubmitAndWait(uint waitFor) => ring.SubmitAndWait(waitFor);

    public override bool SubmitAndWait(uint waitFor, TimeSpan timeout) => ring.SubmitAndWait(waitFor, timeout);

    public override int CopyCompletions(Span<Cqe> destination) => ring.CopyCompletions(destination);

    public override int RingFd => ring.RingFd;

    public override Ring KernelRing => ring;

    public override bool IsDisposed => ring.IsDisposed;

    public override BufferRing SetupBufferRing(ushort groupId, uint entries) => ring.SetupBufferRing(groupId, entries);

    public override void RegisterFilesSparse(uint count) => ring.RegisterFilesSparse(count);

    public override void UpdateFiles(uint offset, ReadOnlySpan<int> fds) => ring.UpdateFiles(offset, fds);

    public override OperationNotSupportedException? UnsupportedOrNull(IoUringOpcode opcode, ulong userData, int errno, int fd, object? buffer)
        => UringCapabilities.UnsupportedOrNull(opcode, errno, fd, buffer);

    public override void Dispose() => ring.Dispose();
}
