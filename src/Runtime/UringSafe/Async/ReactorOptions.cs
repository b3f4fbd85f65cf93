using UringSafe.Diagnostics;

namespace UringSafe.Async;

/// <summary>How a <see cref="UringReactor"/> sets up its ring.</summary>
public sealed record ReactorOptions
{
    /// <summary>
    /// What executes the reactor's requests: the kernel's io_uring, or the userspace ring where io_uring is blocked.
    /// Default <see cref="ReactorDriver.Auto"/>, which the environment variable <c>URINGSAFE_DRIVER</c>
    /// (<c>auto</c>, <c>kernel</c>, <c>userspace</c>) overrides; an explicit value here is never overridden.
    /// </summary>
    public ReactorDriver Driver { get; init; }

    /// <summary>SQ entries of the reactor's ring. Default 256.</summary>
    public uint Entries { get; init; } = 256;

    /// <summary>CQ entries; default 4 × <see cref="Entries"/> so bursts of multishot completions fit.</summary>
    public uint CompletionEntries { get; init; }

    /// <summary>Use SINGLE_ISSUER | DEFER_TASKRUN where the kernel has them (6.1+); falls back otherwise. Default true.</summary>
    public bool DeferTaskrun { get; init; } = true;

    /// <summary>
    /// Most operations in flight at once, or 0 (the default) for no cap: the slot table grows with demand, so a reactor
    /// keeps as many pending operations as memory and RLIMIT_NOFILE allow. Past a cap, operations are refused with
    /// EAGAIN (carrying their buffer).
    /// </summary>
    public int MaxInFlight { get; init; }

    /// <summary>How long disposal waits for cancelled operations' final completions. Default 2 s.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Record, for each operation, the user code that started it (a stack walk per operation: for debugging, not
    /// production). Shown in <see cref="UringDiagnostics.Snapshot"/>, dumps and stall reports. Default false (free).
    /// </summary>
    public bool CaptureCallSites { get; init; }

    /// <summary>
    /// An operation in flight longer than this is reported once (<see cref="UringDiagnostics.StallDetected"/>).
    /// Requests that wait for the outside world by design (receives, accepts, polls, timers) are not reported.
    /// Default 10 s; <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    public TimeSpan StallThreshold { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The reactor thread not returning to its loop for longer than this (blocked by <c>.Wait()</c>, a lock, or long
    /// CPU-bound work in a continuation) is reported once per episode. Default 1 s; <see cref="TimeSpan.Zero"/> turns
    /// it off.
    /// </summary>
    public TimeSpan BlockedThreshold { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Where stall reports and the shutdown dump go when no handler takes them. Default: stderr.</summary>
    public TextWriter? DiagnosticsOutput { get; init; }

    /// <summary>Opt-in fault injection (tests, and users testing their own cancellation and error paths): real
    /// completions replaced by errors, short transfers, delays and cancels, and refused submissions. Null (the default)
    /// costs nothing.</summary>
    public FaultInjectionOptions? FaultInjection { get; init; }
}
