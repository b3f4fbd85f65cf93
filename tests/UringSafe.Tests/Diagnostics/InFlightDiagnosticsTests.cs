using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Diagnostics.Tracing;
using UringSafe.Async;
using UringSafe.Buffers;
using UringSafe.Diagnostics;
using UringSafe.Files;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Diagnostics;

/// <summary>What is in flight, and why is it stuck: the snapshot, stall reports, the shutdown dump, events and the gauge.</summary>
[Collection(ProcessWideListenersCollection.Name)]
public class InFlightDiagnosticsTests
{
    [Fact]
    public void Snapshot_lists_a_pending_read_with_its_opcode_fd_path_buffer_age_and_call_site()
    {
        using var fds = new Fds();
        var (readEnd, writeEnd) = fds.Pipe();
        InFlightOperation? seen = null, fromOutside = null;
        UringRuntime.Run(async () =>
        {
            UringReactor reactor = UringReactor.Current;
            using UringFile pipe = UringFile.FromFd(fds.Forget(readEnd), "the test's pipe");
            IoBuffer buf = IoBuffer.Allocate(512);
            ValueTask<IoResult<IoBuffer>> read = pipe.ReadAtAsync(buf, -1);
            await reactor.Delay(TimeSpan.FromMilliseconds(30));
            seen = Assert.Single(reactor.Snapshot(), op => op.Opcode == "Read");
            fromOutside = await Task.Run(() => UringDiagnostics.Snapshot().Single(op => op.ReactorId == reactor.Id && op.Opcode == "Read"));
            Fds.WriteAll(writeEnd, "x"u8);
            (_, buf) = await read;
            buf.Dispose();
        }, new ReactorOptions { CaptureCallSites = true });

        Assert.NotNull(seen);
        Assert.Equal(seen!.UserData, fromOutside!.UserData); // the same entry, read from another thread
        Assert.Equal(readEnd, seen.Fd);
        Assert.Equal("the test's pipe", seen.Target);
        Assert.Equal("IoBuffer, 512 B", seen.Buffer);
        Assert.True(seen.Age >= TimeSpan.FromMilliseconds(20), $"age {seen.Age}");
        Assert.False(seen.Multishot);
        Assert.NotNull(seen.CallSite);
        Assert.Contains(nameof(Snapshot_lists_a_pending_read_with_its_opcode_fd_path_buffer_age_and_call_site), seen.CallSite);
        Assert.Contains("InFlightDiagnosticsTests.cs:", seen.CallSite);
        Assert.Contains("Read fd", seen.ToString());
    }

    [Fact]
    public void Call_sites_are_off_by_default()
    {
        InFlightOperation? seen = null;
        UringRuntime.Run(async () =>
        {
            UringReactor reactor = UringReactor.Current;
            using var cts = new CancellationTokenSource();
            ValueTask<int> delay = reactor.Delay(TimeSpan.FromSeconds(30), cts.Token);
            seen = Assert.Single(reactor.Snapshot());
            cts.Cancel();
            await Assert.ThrowsAsync<UringOperationCanceledException>(async () => await delay);
        });
        Assert.Null(seen!.CallSite);
        Assert.Equal("Timeout", seen.Opcode);
    }

    [Fact]
    public void A_stuck_operation_and_a_blocked_reactor_are_each_reported_once()
    {
        using var fds = new Fds();
        var (readEnd, writeEnd) = fds.Pipe();
        var reports = new ConcurrentQueue<StallReport>();
        int reactorId = -1;
        string reactorTid = "";
        void OnStall(StallReport r)
        {
            if (r.ReactorId == Volatile.Read(ref reactorId))
                reports.Enqueue(r);
        }
        UringDiagnostics.StallDetected += OnStall;
        try
        {
            Watchdog.Run("stall reports", async () =>
            {
                UringReactor reactor = UringReactor.Current;
                Volatile.Write(ref reactorId, reactor.Id);
                reactorTid = Path.GetFileName(new FileInfo("/proc/thread-self").LinkTarget!); // "PID/task/TID": the OS thread id
                using UringFile pipe = UringFile.FromFd(fds.Forget(readEnd), "a pipe nobody writes");
                IoBuffer buf = IoBuffer.Allocate(64);
                ValueTask<IoResult<IoBuffer>> read = pipe.ReadAtAsync(buf, -1); // a Read that hangs: a stall
                await reactor.Delay(TimeSpan.FromMilliseconds(600));           // several monitor periods: reported once
#pragma warning disable UR0008 // blocks the reactor on purpose: the blocked-reactor report is what this test checks
                Thread.Sleep(700);                                             // block the reactor thread: reported once
#pragma warning restore UR0008
                await reactor.Delay(TimeSpan.FromMilliseconds(200));
                Fds.WriteAll(writeEnd, "x"u8);
                (_, buf) = await read;
                buf.Dispose();
            }, new ReactorOptions { StallThreshold = TimeSpan.FromMilliseconds(150), BlockedThreshold = TimeSpan.FromMilliseconds(250) });
        }
        finally
        {
            UringDiagnostics.StallDetected -= OnStall;
        }
        StallReport[] all = reports.ToArray();
        StallReport stuck = Assert.Single(all, r => r.Operation is not null);
        Assert.Equal("Read", stuck.Operation!.Opcode);
        Assert.Equal("a pipe nobody writes", stuck.Operation.Target);
        StallReport blocked = Assert.Single(all, r => r.Operation is null);
        Assert.Contains("has not returned to its loop", blocked.Message);
        Assert.Contains($"reactor {reactorId}", blocked.Message);
        // The thread as `dotnet-stack report` lists it, and its name; a test's reactor is not the process's main thread.
        int tid = int.Parse(reactorTid, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"`dotnet-stack report -p {Environment.ProcessId}` and read Thread (0x{tid:X}), OS thread id {tid}: thread 'watchdog: stall reports'.", blocked.Message);
    }

    [Fact]
    public void The_shutdown_dump_lists_operations_still_in_flight()
    {
        var output = new StringWriter();
        UringRuntime.Run(() =>
        {
            _ = UringReactor.Current.Delay(TimeSpan.FromSeconds(30)).AsTask(); // still pending at shutdown
            return Task.CompletedTask;
        }, new ReactorOptions { ShutdownTimeout = TimeSpan.Zero, DiagnosticsOutput = output });
        string dump = output.ToString();
        Assert.Contains("shut down with 1 operation(s) still in flight", dump);
        Assert.Contains("Timeout fd -1", dump);
    }

    [Fact]
    public void EventSource_events_carry_the_user_data_of_the_request()
    {
        using var listener = new OperationEvents();
        InFlightOperation? pending = null;
        UringRuntime.Run(async () =>
        {
            UringReactor reactor = UringReactor.Current;
            listener.ReactorId = reactor.Id;
            using var cts = new CancellationTokenSource();
            ValueTask<int> delay = reactor.Delay(TimeSpan.FromSeconds(30), cts.Token);
            pending = Assert.Single(reactor.Snapshot());
            cts.Cancel();
            await Assert.ThrowsAsync<UringOperationCanceledException>(async () => await delay);
        });
        ulong userData = pending!.UserData;
        Assert.Contains(listener.Events, e => e.Name == "Submit" && e.UserData == userData && e.Opcode == "Timeout");
        Assert.Contains(listener.Events, e => e.Name == "Cancel" && e.UserData == userData);
        Assert.Contains(listener.Events, e => e.Name == "Complete" && e.UserData == userData && e.Result == -125 /* ECANCELED */);
    }

    [Fact]
    public void Enabling_the_dump_keyword_writes_one_InFlight_event_per_operation()
    {
        var dumped = new ConcurrentQueue<(int Reactor, ulong UserData, string Opcode)>();
        ulong expected = 0;
        int id = -1;
        UringRuntime.Run(async () =>
        {
            UringReactor reactor = UringReactor.Current;
            id = reactor.Id;
            using var cts = new CancellationTokenSource();
            ValueTask<int> delay = reactor.Delay(TimeSpan.FromSeconds(30), cts.Token);
            expected = Assert.Single(reactor.Snapshot()).UserData;
            // What `dotnet-trace collect --providers UringSafe:0x2` does, in process.
            using (var listener = new DumpListener(dumped))
            {
            }
            cts.Cancel();
            await Assert.ThrowsAsync<UringOperationCanceledException>(async () => await delay);
        });
        Assert.Contains(dumped, d => d.Reactor == id && d.UserData == expected && d.Opcode == "Timeout");
    }

    private sealed class DumpListener(ConcurrentQueue<(int, ulong, string)> sink) : EventListener
    {
        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "UringSafe")
                EnableEvents(source, EventLevel.Informational, UringEventSource.Keywords.InFlightDump);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName == "InFlight" && e.Payload is { Count: >= 3 } p)
                sink.Enqueue(((int)p[0]!, (ulong)p[1]!, (string)p[2]!));
        }
    }

    [Fact]
    public void The_in_flight_gauge_reports_a_steady_count_to_a_listener_that_attached_late()
    {
        long observed = -1;
        UringRuntime.Run(async () =>
        {
            UringReactor reactor = UringReactor.Current;
            using var cts = new CancellationTokenSource();
            var delays = Enumerable.Range(0, 5).Select(_ => reactor.Delay(TimeSpan.FromSeconds(30), cts.Token).AsTask()).ToArray();
            await reactor.Delay(TimeSpan.FromMilliseconds(5));
            using (var late = new MeterListener())
            {
                late.InstrumentPublished = (instrument, l) =>
                {
                    if (instrument.Meter.Name == Metrics.MeterName && instrument.Name == "uringsafe.operations.in_flight")
                        l.EnableMeasurementEvents(instrument);
                };
                late.SetMeasurementEventCallback<long>((_, value, _, _) => observed = value);
                late.Start();
                late.RecordObservableInstruments();
            }
            cts.Cancel();
            foreach (Task<int> d in delays)
                await Assert.ThrowsAsync<UringOperationCanceledException>(() => d);
        });
        Assert.True(observed >= 5, $"a listener attached while 5 operations were pending saw {observed}");
    }

    private sealed record OperationEvent(string Name, ulong UserData, string? Opcode, int Result);

    /// <summary>The UringSafe event source's operation events of one reactor, through an in-process EventListener.</summary>
    private sealed class OperationEvents : EventListener
    {
        public readonly ConcurrentQueue<OperationEvent> Events = new();
        public volatile int ReactorId = -1;

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "UringSafe")
                EnableEvents(source, EventLevel.Verbose, UringEventSource.Keywords.Operations);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.Payload is not { Count: >= 2 } p || (int)p[0]! != ReactorId)
                return;
            Events.Enqueue(e.EventName switch
            {
                "Submit" => new OperationEvent("Submit", (ulong)p[1]!, (string)p[2]!, 0),
                "Complete" => new OperationEvent("Complete", (ulong)p[1]!, (string)p[2]!, (int)p[3]!),
                _ => new OperationEvent(e.EventName ?? "?", (ulong)p[1]!, null, 0),
            });
        }
    }
}
