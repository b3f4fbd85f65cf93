using System.Runtime.InteropServices;
using UringSafe.Diagnostics;

namespace UringSafe.Async;

/// <summary>
/// What is in flight, and why is it stuck: a snapshot of every operation in flight on every reactor of the process,
/// callable from any thread (a debugger, a diagnostics endpoint, a signal handler); dumps; and the stall reports of
/// <see cref="ReactorOptions.StallThreshold"/> and <see cref="ReactorOptions.BlockedThreshold"/>. See docs/diagnostics.md.
/// </summary>
public static class UringDiagnostics
{
    private static PosixSignalRegistration? s_signal;

    /// <summary>Every operation in flight on every live reactor, oldest first.</summary>
    public static IReadOnlyList<InFlightOperation> Snapshot()
    {
        var all = new List<InFlightOperation>();
        foreach (UringReactor reactor in UringReactor.All)
            all.AddRange(reactor.Snapshot());
        all.Sort((a, b) => b.Age.CompareTo(a.Age));
        return all;
    }

    /// <summary>Writes <see cref="Snapshot"/> as text, one line per operation.</summary>
    public static void Dump(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        IReadOnlyList<InFlightOperation> ops = Snapshot();
        writer.WriteLine($"UringSafe: {ops.Count} operation(s) in flight");
        foreach (InFlightOperation op in ops)
            writer.WriteLine("  " + op);
        writer.Flush();
    }

    /// <summary>
    /// Raised (on the stall monitor's thread) once per stuck operation and once per blocked-reactor episode. With no
    /// handler, the report goes to the reactor's <see cref="ReactorOptions.DiagnosticsOutput"/> (stderr by default).
    /// </summary>
    public static event Action<StallReport>? StallDetected;

    /// <summary>
    /// Writes the in-flight dump to stderr whenever the process receives <paramref name="signal"/> (default SIGUSR2,
    /// 12): <c>kill -USR2 PID</c>. Opt-in, since a library must not take a signal on its own. The other route needs no
    /// setup: <c>dotnet-trace collect -p PID --providers UringSafe:0x2</c> (see <see cref="UringEventSource"/>).
    /// </summary>
    public static void DumpOnSignal(int signal = 12)
    {
        lock (typeof(UringDiagnostics))
        {
            s_signal?.Dispose();
            s_signal = PosixSignalRegistration.Create((PosixSignal)signal, context =>
            {
                context.Cancel = true;
                Dump(Console.Error);
            });
        }
    }

    internal static void Report(UringReactor reactor, StallReport report)
    {
        UringEventSource.Log.Stall(report.ReactorId, report.Operation?.UserData ?? 0, report.Duration.TotalMilliseconds, report.Message);
        Action<StallReport>? handler = StallDetected;
        if (handler is not null)
        {
            try
            {
                handler(report);
                return;
            }
            catch (Exception e)
            {
                reactor.DiagnosticsOutput.WriteLine($"UringSafe: a StallDetected handler threw: {e}");
            }
        }
        reactor.DiagnosticsOutput.WriteLine("UringSafe: " + report.Message);
        reactor.DiagnosticsOutput.Flush();
    }
}
