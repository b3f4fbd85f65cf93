using System.Diagnostics.Metrics;
using UringSafe.Abi;

namespace UringSafe.Diagnostics;

/// <summary>
/// The <c>UringSafe</c> meter (System.Diagnostics.Metrics), visible with <c>dotnet-counters monitor --counters UringSafe</c>.
/// Instruments are no-ops until something listens.
/// </summary>
internal static class Metrics
{
    public const string MeterName = "UringSafe";

    private static readonly Meter s_meter = new(MeterName, typeof(Metrics).Assembly.GetName().Version?.ToString(3));
    private static readonly Counter<long> s_submitted = s_meter.CreateCounter<long>("uringsafe.operations.submitted", "{operation}", "Operations submitted, by opcode.");
    private static readonly Counter<long> s_completed = s_meter.CreateCounter<long>("uringsafe.operations.completed", "{operation}", "Operations whose final completion arrived, by opcode.");
    // A gauge, read when collected: an UpDownCounter reports only changes, so a listener attached while operations
    // are pending (a hung server) would see nothing.
    // The reactors say how to read it (ReadInFlightFrom): the layers under them, which record here too, never see them.
    private static Func<long> s_inFlightSource = static () => 0;
    private static readonly ObservableGauge<long> s_inFlight = s_meter.CreateObservableGauge("uringsafe.operations.in_flight", static () => s_inFlightSource(), "{operation}", "Operations submitted and not yet completed, over every reactor.");
    private static readonly Counter<long> s_cancelled = s_meter.CreateCounter<long>("uringsafe.operations.cancelled", "{operation}", "Cancellations requested through a CancellationToken.");
    private static readonly Counter<long> s_sqFull = s_meter.CreateCounter<long>("uringsafe.sq.full_waits", "{event}",
        "Times an operation found the submission queue (ReactorOptions.Entries) full, so the reactor submitted mid-turn (one extra io_uring_enter) before queueing it. " +
        "Now and then in a burst it is harmless; climbing steadily, one loop turn queues more than Entries requests: raise ReactorOptions.Entries.");
    private static readonly Counter<long> s_cqOverflow = s_meter.CreateCounter<long>("uringsafe.cq.overflow_flushes", "{event}", "Times overflowed completions were flushed from the kernel.");
    private static readonly Counter<long> s_providedExhausted = s_meter.CreateCounter<long>("uringsafe.recv.buffers_exhausted", "{event}", "Times a provided-buffer ring ran dry under multishot receives (ENOBUFS); receives resume when buffers come back or the pool grows.");
    private static readonly Counter<long> s_acceptErrors = s_meter.CreateCounter<long>("uringsafe.accept.errors", "{error}", "Accept errors (EMFILE, ENFILE, ...) after which a listener backed off, by errno.");
    private static readonly UpDownCounter<long> s_buffersInUse = s_meter.CreateUpDownCounter<long>("uringsafe.buffers.in_use", "{buffer}", "Pooled IoBuffers rented out.");

    // Pre-boxed tag values, so recording with a listener attached does not allocate.
    private static readonly object[] s_opcodeNames = Enumerable.Range(0, 256).Select(i => (object)((IoUringOpcode)i).ToString()).ToArray();

    /// <summary>Where the in-flight gauge reads its value (the async layer registers its reactors' sum).</summary>
    public static void ReadInFlightFrom(Func<long> source) => s_inFlightSource = source;

    public static void OperationSubmitted(IoUringOpcode opcode)
    {
        if (s_submitted.Enabled)
            s_submitted.Add(1, new KeyValuePair<string, object?>("opcode", s_opcodeNames[(int)opcode]));

    }

    public static void OperationCompleted(IoUringOpcode opcode)
    {
        if (s_completed.Enabled)
            s_completed.Add(1, new KeyValuePair<string, object?>("opcode", s_opcodeNames[(int)opcode]));

    }

    public static void Cancelled()
    {
        if (s_cancelled.Enabled)
            s_cancelled.Add(1);
    }

    public static void SqFullWait()
    {
        if (s_sqFull.Enabled)
            s_sqFull.Add(1);
    }

    public static void CqOverflowFlush()
    {
        if (s_cqOverflow.Enabled)
            s_cqOverflow.Add(1);
    }

    public static void AcceptError(int errno)
    {
        if (s_acceptErrors.Enabled)
            s_acceptErrors.Add(1, new KeyValuePair<string, object?>("errno", UringSafe.Errno.Name(errno)));
    }

    public static void ProvidedBuffersExhausted()
    {
        if (s_providedExhausted.Enabled)
            s_providedExhausted.Add(1);
    }

    public static void BufferRented()
    {
        if (s_buffersInUse.Enabled)
            s_buffersInUse.Add(1);
    }

    public static void BufferReturned()
    {
        if (s_buffersInUse.Enabled)
            s_buffersInUse.Add(-1);
    }
}
