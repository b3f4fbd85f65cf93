using UringSafe.Abi;

namespace UringSafe.Raw;

/// <summary>How to set a <see cref="Ring"/> up. Mirrors <c>struct io_uring_params</c> plus a few conveniences.</summary>
public sealed record RingOptions
{
    /// <summary>Submission queue entries (rounded up to a power of two by the kernel). Default 256.</summary>
    public uint Entries { get; init; } = 256;

    /// <summary>Completion queue entries; 0 lets the kernel pick (twice <see cref="Entries"/>). Sets IORING_SETUP_CQSIZE.</summary>
    public uint CompletionEntries { get; init; }

    /// <summary>IORING_SETUP_* flags: SqPoll, IoPoll, SingleIssuer, DeferTaskrun, CoopTaskrun, SubmitAll, NoSqArray, Cqe32, Sqe128...</summary>
    public SetupFlags Flags { get; init; }

    /// <summary>With <see cref="SetupFlags.SqPoll"/>: milliseconds the kernel thread spins before sleeping.</summary>
    public uint SqPollIdleMilliseconds { get; init; }

    /// <summary>With <see cref="SetupFlags.SqPoll"/>: pin the kernel thread to this CPU (sets IORING_SETUP_SQ_AFF).</summary>
    public int? SqPollCpu { get; init; }

    /// <summary>Register the ring's own fd (IORING_REGISTER_RING_FDS) so each <c>io_uring_enter</c> skips the fd lookup.</summary>
    public bool RegisterRingFd { get; init; }

    /// <summary>How long <see cref="Ring.Dispose"/> waits for in-flight operations to be cancelled. Default 2 s.</summary>
    public TimeSpan DisposeCancelTimeout { get; init; } = TimeSpan.FromSeconds(2);
}
