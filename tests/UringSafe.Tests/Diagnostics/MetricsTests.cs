using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Diagnostics;
using UringSafe.Files;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Diagnostics;

/// <summary>
/// The <c>UringSafe</c> meter, read the way dotnet-counters or OpenTelemetry would: through a <see cref="MeterListener"/>.
/// The meter is process-wide and other test classes run in parallel, so each test keeps only the measurements recorded on
/// its own thread (the reactor runs on the thread that calls <see cref="UringRuntime.Run(Func{Task}, ReactorOptions?)"/>).
/// </summary>
public sealed class MetricsTests
{
    private const string Submitted = "uringsafe.operations.submitted";
    private const string Completed = "uringsafe.operations.completed";
    private const string InFlight = "uringsafe.operations.in_flight";
    private const string Cancelled = "uringsafe.operations.cancelled";
    private const string SqFullWaits = "uringsafe.sq.full_waits";
    private const string CqOverflowFlushes = "uringsafe.cq.overflow_flushes";
    private const string BuffersInUse = "uringsafe.buffers.in_use";

    [Fact]
    public void Meter_is_named_UringSafe_and_publishes_its_instruments()
    {
        Assert.Equal("UringSafe", Metrics.MeterName);
        using var recorder = new Recorder();
        RuntimeHelpersTouch(); // make sure the Metrics type (and so the meter) exists
        Assert.Superset(
            new HashSet<string> { Submitted, Completed, InFlight, Cancelled, SqFullWaits, CqOverflowFlushes, BuffersInUse },
            recorder.PublishedInstruments.ToHashSet());
        Assert.Equal(("Counter", "{operation}"), recorder.Describe(Submitted));
        Assert.Equal(("ObservableGauge", "{operation}"), recorder.Describe(InFlight));
        Assert.Equal(("UpDownCounter", "{buffer}"), recorder.Describe(BuffersInUse));
    }

    [Fact]
    public void Sq_full_waits_says_what_it_counts_and_what_to_do()
    {
        using var recorder = new Recorder();
        RuntimeHelpersTouch();
        string description = recorder.Description(SqFullWaits) ?? "";
        Assert.Contains("found the submission queue (ReactorOptions.Entries) full, so the reactor submitted mid-turn", description);
        Assert.Contains("raise ReactorOptions.Entries", description);
    }

    [Fact]
    public void Nop_operations_move_submitted_completed_and_in_flight()
    {
        using var recorder = new Recorder();
        UringRuntime.Run(async () =>
        {
            recorder.ThreadId = Environment.CurrentManagedThreadId;

            // Eight at once: all are submitted before the reactor reaps any completion.
            var pending = new ValueTask<int>[8];
            for (int i = 0; i < pending.Length; i++)
                pending[i] = NopOperation.Run();
            // The gauge is read when collected (process-wide: other tests' reactors may add to it).
            Assert.Equal(8, UringReactor.Current.InFlight);
            Assert.True(recorder.Observe(InFlight) >= 8, "the in-flight gauge did not see the 8 pending NOPs");
            foreach (ValueTask<int> op in pending)
                Assert.Equal(0, await op);

            // Then four one by one.
            for (int i = 0; i < 4; i++)
                await NopOperation.Run();
            Assert.Equal(0, UringReactor.Current.InFlight);
        });
        recorder.ThreadId = -1;

        Assert.Equal(12, recorder.Sum(Submitted));
        Assert.All(recorder.Measurements(Submitted), m => Assert.Equal("Nop", m.Tags["opcode"]));
        Assert.Equal(12, recorder.Sum(Completed));
        Assert.Equal(0, recorder.Sum(Cancelled));
    }

    [Fact]
    public void Buffer_pool_rent_and_return_move_buffers_in_use()
    {
        using var recorder = new Recorder { ThreadId = Environment.CurrentManagedThreadId };
        using var pool = new IoBufferPool(4096, 4);

        IoBuffer a = pool.Rent();
        IoBuffer b = pool.Rent();
        Assert.Equal(2, recorder.Sum(BuffersInUse));
        Assert.Equal(2, pool.InUse);

        a.Dispose();
        Assert.Equal(1, recorder.Sum(BuffersInUse));
        b.Dispose();
        Assert.Equal(0, recorder.Sum(BuffersInUse));
        Assert.Equal([1L, 1L, -1L, -1L], recorder.Measurements(BuffersInUse).Select(m => m.Value));
    }

    [Fact]
    public void Pooled_buffer_lent_to_a_read_is_counted_with_the_read()
    {
        string path = Path.GetTempFileName();
        File.WriteAllBytes(path, new byte[100]);
        try
        {
            using var recorder = new Recorder();
            using var pool = new IoBufferPool(4096, 2);
            int read = UringRuntime.Run(async () =>
            {
                recorder.ThreadId = Environment.CurrentManagedThreadId;
                await using UringFile file = await UringFile.OpenAsync(path);
                IoBuffer buf = pool.Rent();
                Assert.Equal(1, recorder.Sum(BuffersInUse));
                int n;
                (n, buf) = await file.ReadAtAsync(buf, 0);
                buf.Dispose();
                return n;
            });
            recorder.ThreadId = -1;

            Assert.Equal(100, read);
            Assert.Equal(0, recorder.Sum(BuffersInUse));
            Assert.Equal(2, recorder.Measurements(BuffersInUse).Count);
            Assert.Contains(recorder.Measurements(Submitted), m => Equals(m.Tags["opcode"], "Read") || Equals(m.Tags["opcode"], "ReadFixed"));
            Assert.Equal(recorder.Sum(Submitted), recorder.Sum(Completed));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Cancelling_an_operation_through_its_token_is_counted()
    {
        using var recorder = new Recorder();
        UringRuntime.Run(async () =>
        {
            recorder.ThreadId = Environment.CurrentManagedThreadId;
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));
            await Assert.ThrowsAsync<UringOperationCanceledException>(async () => await UringReactor.Current.Delay(TimeSpan.FromSeconds(30), cts.Token));
        });
        recorder.ThreadId = -1;

        Assert.Equal(1, recorder.Sum(Cancelled));
        Assert.Equal(1, recorder.Sum(Submitted));           // the timeout; the ASYNC_CANCEL itself is not an operation
        Assert.Equal("Timeout", recorder.Measurements(Submitted).Single().Tags["opcode"]);
        Assert.Equal(1, recorder.Sum(Completed));           // its final completion (-ECANCELED) arrived
    }

    private static void RuntimeHelpersTouch() => System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(Metrics).TypeHandle);

    private sealed record Measurement(long Value, Dictionary<string, object?> Tags);

    /// <summary>Listens to the UringSafe meter and keeps the measurements taken on one thread.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Name, Measurement Measurement)> _measurements = new();
        private readonly ConcurrentDictionary<string, Instrument> _instruments = new();
        private volatile int _threadId = -1;

        public Recorder()
        {
            RuntimeHelpersTouch();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name != Metrics.MeterName)
                    return;
                _instruments[instrument.Name] = instrument;
                listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                if (Environment.CurrentManagedThreadId != _threadId)
                    return;
                var tagMap = new Dictionary<string, object?>();
                foreach (KeyValuePair<string, object?> tag in tags)
                    tagMap[tag.Key] = tag.Value;
                _measurements.Enqueue((instrument.Name, new Measurement(value, tagMap)));
            });
            _listener.Start();
        }

        /// <summary>Only measurements recorded on this thread are kept; -1 keeps none.</summary>
        public int ThreadId
        {
            get => _threadId;
            set => _threadId = value;
        }

        public IEnumerable<string> PublishedInstruments => _instruments.Keys;

        public string? Description(string name) => _instruments[name].Description;

        public (string Kind, string? Unit) Describe(string name)
        {
            Instrument instrument = _instruments[name];
            string kind = instrument.GetType().Name;
            return (kind[..kind.IndexOf('`')], instrument.Unit);
        }

        public List<Measurement> Measurements(string name) => _measurements.Where(m => m.Name == name).Select(m => m.Measurement).ToList();

        public long Sum(string name) => Measurements(name).Sum(m => m.Value);

        /// <summary>Collects the observable instruments now (on this thread) and returns <paramref name="name"/>'s value.</summary>
        public long Observe(string name)
        {
            _listener.RecordObservableInstruments();
            return Measurements(name).Last().Value;
        }

        public void Dispose() => _listener.Dispose();
    }
}
