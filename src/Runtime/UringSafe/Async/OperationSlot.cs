using UringSafe.Abi;

namespace UringSafe.Async;

/// <summary>
/// An operation as the reactor sees it: something that fills an SQE and receives its completions. Two kinds exist,
/// and every request the runtime makes for a user goes through one of them and <see cref="UringReactor"/>'s one submit
/// path: <see cref="OperationSource{TOp, TResult}"/> (one result, possibly after several CQEs or resubmissions) and
/// <see cref="MultishotStream{TItem}"/> (a stream of results from one armed request).
/// </summary>
internal abstract class OperationSlot
{
    /// <summary>The user_data of the current request (see <see cref="Async.UserData"/>); valid while <see cref="IsLive"/>.</summary>
    internal ulong UserData;

    /// <summary>True from submission until the final completion of the current request.</summary>
    internal bool IsLive;

    /// <summary>The opcode of the current request (for metrics and error messages).</summary>
    internal IoUringOpcode Opcode;

    /// <summary>True once a cancel was asked for the current operation (by its token, or a close of its fd).</summary>
    internal bool CancelRequested;

    /// <summary>Advances each time this pooled object starts a new operation; a late cancel names the one it meant.</summary>
    internal int Sequence;

    /// <summary>The fd owner the operation's SQEs name, referenced from the first submission to the final completion.</summary>
    internal SharedFd? Fd;

    /// <summary>Set by the submit path: the current request returns a new fd (open/accept/socket, unless it targets a
    /// direct registered slot), which nobody owns if its result is not delivered and so must be closed.</summary>
    internal bool ProducesFd;

    /// <summary>Set by the submit path under fault injection: a file read/write at an explicit offset, which may be
    /// reported short without losing data.</summary>
    internal bool ShortTransferSafe;

    /// <summary>When the current request was submitted (the reactor's loop-turn timestamp, Stopwatch ticks).</summary>
    internal long SubmittedAt;

    /// <summary>Where the operation was started (with <see cref="ReactorOptions.CaptureCallSites"/>), or null.</summary>
    internal string? CallSite;

    /// <summary>True once the stall monitor reported this request as stuck.</summary>
    internal bool StallReported;

    /// <summary>The buffer lent to the operation, described for diagnostics (kind and size), or null. Called from any
    /// thread, off the hot path.</summary>
    internal virtual string? DescribeBuffer() => null;

    /// <summary>A result that replaces the kernel's for the current request (an opcode forced off by an override), or 0.</summary>
    internal int ForcedResult;

    /// <summary>A linked timeout (IORING_OP_LINK_TIMEOUT) for each submission, or zero.</summary>
    internal TimeSpan Timeout;

    /// <summary>Names the fd owner's file or socket on <paramref name="error"/> (an error with <paramref name="errno"/>
    /// of the current request): the one way every operation's error says what it acted on.</summary>
    internal Exception WithFdContext(Exception error, int errno) => Fd is { } fd ? fd.WithContext(error, Opcode, errno) : error;

    /// <summary>Fills <paramref name="sqe"/> (zeroed) for the next submission; user_data is set afterwards. May throw:
    /// then nothing was submitted and the operation must have left its buffers as they were.</summary>
    internal abstract void Prepare(ref Sqe sqe, in OperationContext context);

    /// <summary>A completion for the current request. <paramref name="final"/> is false while more will follow
    /// (IORING_CQE_F_MORE); after a final one the slot may be submitted again.</summary>
    internal abstract void OnCompletion(int result, CqeFlags flags, bool final);
}
