namespace UringSafe.Diagnostics;

/// <summary>
/// Opt-in fault injection for a <see cref="Async.UringReactor"/> (<see cref="Async.ReactorOptions.FaultInjection"/>), on top of the
/// real ring: real completions are replaced by the faults below, chosen by a seeded random sequence. Use it to test
/// that your code hands every buffer back and closes every fd on its error, cancellation and retry paths. Rates are
/// probabilities per event, from 0 (never) to 1 (always).
/// </summary>
public sealed record FaultInjectionOptions
{
    /// <summary>The seed of the decision sequence.</summary>
    public int Seed { get; init; }

    /// <summary>A successful completion becomes an error (EINTR, ECANCELED, EAGAIN, ENOBUFS, ECONNRESET or EPIPE).
    /// An fd the real completion produced is closed. Completions that carry a provided buffer, and the non-final ones
    /// of multishot requests, are left alone (their data could not be handed back otherwise).</summary>
    public double ErrorRate { get; init; }

    /// <summary>A file read or write at an explicit offset reports fewer bytes than it moved (a short transfer,
    /// which callers must resume; repeating a transfer at an offset is harmless).</summary>
    public double ShortTransferRate { get; init; }

    /// <summary>A final completion is held back for up to <see cref="MaxDelayTurns"/> loop turns.</summary>
    public double DelayRate { get; init; }

    /// <summary>The longest hold-back of a delayed completion, in loop turns. Default 8.</summary>
    public int MaxDelayTurns { get; init; } = 8;

    /// <summary>An IORING_OP_ASYNC_CANCEL is submitted right behind a request, racing its completion.</summary>
    public double CancelRaceRate { get; init; }

    /// <summary>A submission is refused as if the submission queue were full (the operation fails with EAGAIN,
    /// carrying its buffer; a multishot stream retries).</summary>
    public double SqFullRate { get; init; }

    /// <summary>Per loop turn: the reactor stops reaping completions for a few turns, so a small completion queue
    /// overflows for real into the kernel's backlog (see <see cref="Async.ReactorOptions.CompletionEntries"/>).</summary>
    public double CqOverflowRate { get; init; }
}
