namespace UringSafe.Diagnostics;

/// <summary>
/// One operation in flight, as <see cref="Async.UringDiagnostics.Snapshot"/> sees it. Taken from another thread while the
/// reactor runs, so it is a best-effort picture: an entry may have completed a moment later.
/// </summary>
/// <param name="ReactorId">The reactor whose ring holds the request.</param>
/// <param name="UserData">The request's user_data (the kernel's io_uring tracepoints carry the same value).</param>
/// <param name="Opcode">The opcode's name, such as "Read" or "RecvMultishot".</param>
/// <param name="Fd">The descriptor it acts on, or -1.</param>
/// <param name="Target">What the descriptor is (a path, a peer address), when its owner knows.</param>
/// <param name="Buffer">The lent buffer's kind and size, or null.</param>
/// <param name="Age">How long the request has been in flight.</param>
/// <param name="CancelRequested">True once a cancel was asked for.</param>
/// <param name="Multishot">True for a multishot request (accept, receive) that stays armed by design.</param>
/// <param name="CallSite">Where the operation was started, with <see cref="Async.ReactorOptions.CaptureCallSites"/>, else null.</param>
public sealed record InFlightOperation(
    int ReactorId,
    ulong UserData,
    string Opcode,
    int Fd,
    string? Target,
    string? Buffer,
    TimeSpan Age,
    bool CancelRequested,
    bool Multishot,
    string? CallSite)
{
    /// <inheritdoc/>
    public override string ToString()
        => $"reactor {ReactorId} user_data 0x{UserData:x16} {Opcode} fd {Fd}{(Target is null ? "" : $" ({Target})")}" +
           $"{(Buffer is null ? "" : $", {Buffer}")}, {Age.TotalMilliseconds:0} ms{(CancelRequested ? ", cancel requested" : "")}" +
           $"{(Multishot ? ", multishot" : "")}{(CallSite is null ? "" : $", started at {CallSite}")}";
}

/// <summary>A stuck operation or a blocked reactor thread, reported once per episode.</summary>
/// <param name="ReactorId">The reactor concerned.</param>
/// <param name="Operation">The stuck operation, or null for a blocked reactor thread.</param>
/// <param name="Duration">How long it has been stuck or blocked so far.</param>
/// <param name="Message">A readable description with what to do.</param>
public sealed record StallReport(int ReactorId, InFlightOperation? Operation, TimeSpan Duration, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => Message;
}
