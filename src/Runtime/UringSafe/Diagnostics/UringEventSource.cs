using System.Diagnostics.Tracing;
using UringSafe.Diagnostics;

namespace UringSafe.Diagnostics;

/// <summary>
/// The <c>UringSafe</c> event source: the request timeline for <c>dotnet-trace</c> and PerfView
/// (<c>--providers UringSafe:0x1</c>), lined up with the kernel's <c>io_uring_submit_req</c> and
/// <c>io_uring_complete</c> tracepoints by <c>user_data</c>; stall reports (<c>0x4</c>); and, on demand, a dump of every
/// operation in flight: enabling keyword <c>0x2</c> (<c>dotnet-trace collect -p PID --providers UringSafe:0x2</c>)
/// writes one <c>InFlight</c> event per operation, then <c>InFlightDumpEnd</c>; <c>uringsafe dump -p PID</c> prints them. Free when nobody listens (one flag test per event site).
/// </summary>
[EventSource(Name = "UringSafe")]
internal sealed class UringEventSource : EventSource
{
    /// <summary>The one instance.</summary>
    public static readonly UringEventSource Log = new();

    private UringEventSource()
    {
    }

    /// <summary>Keywords.</summary>
    public static class Keywords
    {
        /// <summary>Submit, complete and cancel events.</summary>
        public const EventKeywords Operations = (EventKeywords)1;

        /// <summary>Enabling it dumps every operation in flight as <c>InFlight</c> events.</summary>
        public const EventKeywords InFlightDump = (EventKeywords)2;

        /// <summary>Stuck operations and blocked reactor threads.</summary>
        public const EventKeywords Stalls = (EventKeywords)4;
    }

    // IsEnabled() first: a field read the JIT inlines, so the hot path pays no call while nobody listens.
    internal bool OperationsEnabled => IsEnabled() && IsEnabled(EventLevel.Verbose, Keywords.Operations);

    /// <summary>A request was queued on a reactor's ring.</summary>
    [Event(1, Level = EventLevel.Verbose, Keywords = Keywords.Operations, Message = "reactor {0} submit user_data {1} {2} fd {3}")]
    public void Submit(int reactorId, ulong userData, string opcode, int fd) => WriteEvent(1, reactorId, userData, opcode, fd);

    /// <summary>A completion arrived for a request (final or not).</summary>
    [Event(2, Level = EventLevel.Verbose, Keywords = Keywords.Operations, Message = "reactor {0} complete user_data {1} {2} result {3} flags {4}")]
    public void Complete(int reactorId, ulong userData, string opcode, int result, int flags) => WriteEvent(2, reactorId, userData, opcode, result, flags);

    /// <summary>A cancel was submitted for a request.</summary>
    [Event(3, Level = EventLevel.Verbose, Keywords = Keywords.Operations, Message = "reactor {0} cancel user_data {1}")]
    public void Cancel(int reactorId, ulong userData) => WriteEvent(3, reactorId, userData);

    /// <summary>One operation in flight (a dump). Version 1 added the cancel and multishot states at the end.</summary>
    [Event(4, Level = EventLevel.Informational, Keywords = Keywords.InFlightDump, Message = "{8}", Version = 1)]
    public void InFlight(int reactorId, ulong userData, string opcode, int fd, string target, string buffer, double ageMilliseconds, string callSite, string text,
        bool cancelRequested, bool multishot)
        => WriteEvent(4, reactorId, userData, opcode, fd, target, buffer, ageMilliseconds, callSite, text, cancelRequested, multishot);

    /// <summary>
    /// Ends a dump: <paramref name="count"/> <c>InFlight</c> events came before it. A reader (<c>uringsafe dump</c>) stops
    /// its session here, and its absence tells that the process has no UringSafe to answer.
    /// </summary>
    [Event(6, Level = EventLevel.Informational, Keywords = Keywords.InFlightDump, Message = "{0} operation(s) in flight")]
    public void InFlightDumpEnd(int count) => WriteEvent(6, count);

    /// <summary>A stuck operation or a blocked reactor.</summary>
    [Event(5, Level = EventLevel.Warning, Keywords = Keywords.Stalls, Message = "{3}")]
    public void Stall(int reactorId, ulong userData, double milliseconds, string message) => WriteEvent(5, reactorId, userData, milliseconds, message);

    /// <summary>Auto found io_uring unavailable and took the userspace ring (once per process).</summary>
    [Event(7, Level = EventLevel.Warning, Message = "io_uring is unavailable, reactors run the userspace ring: {0}")]
    public void DriverFallback(string cause) => WriteEvent(7, cause);

    // The reactors say how to list what is in flight (DumpInFlightFrom): this layer, under them, never sees them.
    private static Func<IReadOnlyList<InFlightOperation>>? s_snapshot;

    /// <summary>Where the in-flight dump reads from (set by the reactors, before any can have an operation in flight).</summary>
    internal static void DumpInFlightFrom(Func<IReadOnlyList<InFlightOperation>> snapshot) => s_snapshot = snapshot;

    /// <inheritdoc/>
    protected override void OnEventCommand(EventCommandEventArgs command)
    {
        if (command.Command == EventCommand.Enable && IsEnabled(EventLevel.Informational, Keywords.InFlightDump))
        {
            IReadOnlyList<InFlightOperation> ops = s_snapshot?.Invoke() ?? [];
            foreach (InFlightOperation op in ops)
            {
                InFlight(op.ReactorId, op.UserData, op.Opcode, op.Fd, op.Target ?? "", op.Buffer ?? "", op.Age.TotalMilliseconds, op.CallSite ?? "", op.ToString(),
                    op.CancelRequested, op.Multishot);
            }
            InFlightDumpEnd(ops.Count);
        }
    }
}
