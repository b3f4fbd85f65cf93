using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace UringSafe.Tool;

/// <summary>One operation in flight in another process, as its <c>UringSafe</c> event source's <c>InFlight</c> event tells it.</summary>
internal sealed record InFlightEntry(
    int Reactor, ulong UserData, string Opcode, int Fd, string Target, string Buffer, double AgeMilliseconds,
    bool Multishot, bool CancelRequested, string CallSite);

/// <summary>Why a process's in-flight operations could not be read, with what to check.</summary>
internal sealed class InFlightReadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads the operations in flight in a running process through the diagnostics IPC, as dotnet-trace does: an EventPipe
/// session that enables the <c>UringSafe</c> event source's keyword 0x2 makes the process write one <c>InFlight</c> event
/// per operation, then <c>InFlightDumpEnd</c> with their count; the session is stopped there.
/// </summary>
internal static class InFlightReader
{
    private const string Provider = "UringSafe";
    private const long InFlightDumpKeyword = 0x2;
    private const int InFlightEventId = 4, InFlightDumpEndEventId = 6;

    /// <summary>The process's operations in flight, oldest first.</summary>
    /// <exception cref="InFlightReadException">The process can't be reached, or no UringSafe in it answered within <paramref name="timeout"/>.</exception>
    public static async Task<IReadOnlyList<InFlightEntry>> ReadAsync(int pid, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The process writes the dump while it enables the session, but the reader sees the events only once the session
        // stops (TraceEvent holds events until the stream says no earlier one can follow). So: stop after a short wait,
        // and when the end marker is missing (a slow process), ask again, waiting longer, until the timeout.
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        for (TimeSpan settle = TimeSpan.FromMilliseconds(100); ; settle *= 2)
        {
            if (await ReadOnceAsync(pid, settle, cancellationToken) is { } ops)
                return ops;
            if (Environment.TickCount64 >= deadline)
            {
                throw new InFlightReadException(
                    $"process {pid} answered on the diagnostics IPC, but no UringSafe event source wrote an in-flight dump within " +
                    $"{timeout.TotalSeconds:0.#} s: does it use UringSafe (0.1 or newer, loaded and with a reactor started)? A process " +
                    "stopped in a debugger does not answer either; `--timeout SECONDS` waits longer on a busy machine.");
            }
        }
    }

    /// <summary>One session: the dump, or null when its end marker did not come within <paramref name="settle"/>.</summary>
    private static async Task<List<InFlightEntry>?> ReadOnceAsync(int pid, TimeSpan settle, CancellationToken cancellationToken)
    {
        EventPipeSession session;
        try
        {
            var provider = new EventPipeProvider(Provider, EventLevel.Informational, InFlightDumpKeyword);
            session = await new DiagnosticsClient(pid).StartEventPipeSessionAsync([provider], requestRundown: false, circularBufferMB: 4, cancellationToken);
        }
        catch (Exception e) when (e is DiagnosticsClientException or IOException or UnauthorizedAccessException or TimeoutException)
        {
            throw new InFlightReadException(
                $"cannot reach process {pid} through the .NET diagnostics IPC ({e.Message.TrimEnd('.')}). Is {pid} a running .NET process " +
                "(`dotnet-trace ps` lists them), run by this user (or run this as root), sharing this TMPDIR, and started without " +
                "DOTNET_EnableDiagnostics=0?", e);
        }

        using (session)
        {
            var ops = new List<InFlightEntry>();
            bool ended = false;
            using var source = new EventPipeEventSource(session.EventStream);
            source.Dynamic.All += e =>
            {
                if (e.ProviderName != Provider || ended)
                    return;
                if ((int)e.ID == InFlightEventId)
                {
                    ops.Add(Entry(e));
                }
                else if ((int)e.ID == InFlightDumpEndEventId)
                {
                    // Another session's enable can start a dump of its own while ours begins: the count tells a whole dump.
                    if (Convert.ToInt32(e.PayloadByName("count")) == ops.Count)
                        ended = true;
                    else
                        ops.Clear();
                }
            };
            Task processing = Task.Run(source.Process, CancellationToken.None);
            await Task.Delay(settle, cancellationToken);
            if (!await StopAsync(session, processing) || !ended)
                return null;
            ops.Sort((a, b) => b.AgeMilliseconds.CompareTo(a.AgeMilliseconds));
            return ops;
        }
    }

    /// <summary>
    /// Stops the session and lets the reader drain what the runtime flushes. False when the reader did not finish: then
    /// what it read is not to be trusted, nor touched (its callback may still run).
    /// </summary>
    private static async Task<bool> StopAsync(EventPipeSession session, Task processing)
    {
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await session.StopAsync(stop.Token);
        }
        catch (Exception e) when (e is DiagnosticsClientException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // the process exited, or its IPC is gone: the reader ends at the stream's end
        }
        try
        {
            await processing.WaitAsync(TimeSpan.FromSeconds(10));
            return true;
        }
        catch (Exception)
        {
            return false;   // timed out, or the stream was cut short: ask again
        }
    }

    private static InFlightEntry Entry(TraceEvent e)
        => new(
            Convert.ToInt32(e.PayloadByName("reactorId")),
            Convert.ToUInt64(e.PayloadByName("userData")),
            e.PayloadByName("opcode") as string ?? "?",
            Convert.ToInt32(e.PayloadByName("fd")),
            e.PayloadByName("target") as string ?? "",
            e.PayloadByName("buffer") as string ?? "",
            Convert.ToDouble(e.PayloadByName("ageMilliseconds")),
            e.PayloadByName("multishot") is bool multishot && multishot,
            e.PayloadByName("cancelRequested") is bool cancel && cancel,
            e.PayloadByName("callSite") as string ?? "");
}
