using UringSafe.Abi;
using UringSafe.Async;
using UringSafe.Raw;

namespace UringSafe.Driver;

/// <summary>
/// What a reactor needs from a ring, whoever executes it: queue SQEs, submit, wait, copy CQEs out. The reactor fills
/// the same <see cref="Sqe"/> structs and dispatches the same <see cref="Cqe"/> structs on both drivers, so the
/// operation model above (builders, <c>OperationSlot</c>, <c>OperationSource</c>, <c>MultishotStream</c>) is one.
/// <see cref="KernelRingDriver"/> is the kernel's io_uring; <see cref="Userspace.UserspaceRingDriver"/> runs the SQEs
/// in the process. Reactor thread only, except where a member says otherwise.
/// </summary>
internal abstract class RingDriver : IDisposable
{
    /// <summary>Which driver this is.</summary>
    public abstract ReactorDriver Kind { get; }

    /// <summary>Completions the reactor should be ready to copy out at once.</summary>
    public abstract uint CqEntries { get; }

    /// <summary>Free SQ entries right now.</summary>
    public abstract uint SqSpaceLeft { get; }

    /// <summary>Queues a copy of <paramref name="sqe"/>; false (nothing queued) when the SQ is full.</summary>
    public abstract bool TryPush(in Sqe sqe);

    /// <summary>Submits what is queued without waiting.</summary>
    public abstract int Submit();

    /// <summary>Submits, then waits until at least <paramref name="waitFor"/> completions are ready.</summary>
    public abstract void SubmitAndWait(uint waitFor);

    /// <summary>Submits, then waits for <paramref name="waitFor"/> completions or <paramref name="timeout"/>; false when the time ran out.</summary>
    public abstract bool SubmitAndWait(uint waitFor, TimeSpan timeout);

    /// <summary>Copies ready completions out (consuming them); returns how many.</summary>
    public abstract int CopyCompletions(Span<Cqe> destination);

    /// <summary>The number an IORING_OP_MSG_RING names to post a completion on this ring.</summary>
    public abstract int RingFd { get; }

    /// <summary>The kernel ring, or null on a driver without one (registered buffers then degrade to plain ones).</summary>
    public abstract Ring? KernelRing { get; }

    /// <summary>True once disposed.</summary>
    public abstract bool IsDisposed { get; }

    /// <summary>A provided-buffer ring for group <paramref name="groupId"/> that this driver picks buffers from.</summary>
    public abstract BufferRing SetupBufferRing(ushort groupId, uint entries);

    /// <summary>Creates an empty registered-file table of <paramref name="count"/> slots.</summary>
    public abstract void RegisterFilesSparse(uint count);

    /// <summary>Sets registered-file slots from <paramref name="offset"/> (-1 empties a slot).</summary>
    public abstract void UpdateFiles(uint offset, ReadOnlySpan<int> fds);

    /// <summary>The descriptor <paramref name="fd"/> is about to be closed: drop what the driver keeps about it.</summary>
    public virtual void ForgetFd(int fd)
    {
    }

    /// <summary>
    /// For a request that failed with <paramref name="errno"/>: the typed "this driver can't run it" exception when the
    /// driver (or the kernel it runs on) lacks <paramref name="opcode"/>, else null.
    /// </summary>
    public abstract OperationNotSupportedException? UnsupportedOrNull(IoUringOpcode opcode, ulong userData, int errno, int fd, object? buffer);

    /// <summary>Releases the ring (the reactor has reaped or abandoned every request first).</summary>
    public abstract void Dispose();
}
