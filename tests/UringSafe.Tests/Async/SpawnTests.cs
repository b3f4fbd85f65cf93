using UringSafe.Async;
using UringSafe.Tests.Support;

namespace UringSafe.Tests.Async;

/// <summary>
/// An exception escaping spawned work is reported when nobody observes its task, never lost with a discarded task; a
/// failure the caller awaits is the caller's, and is not reported again.
/// </summary>
public class SpawnTests
{
    [Fact]
    public void A_failing_detached_spawn_reaches_the_reactor_event()
    {
        var seen = new List<(int Reactor, Exception Error)>();
        UringRuntime.Run(async () =>
        {
            UringReactor reactor = UringReactor.Current;
            reactor.UnhandledException += (r, e) => seen.Add((r.Id, e));
            reactor.SpawnDetached(async () =>
            {
                await reactor.Delay(TimeSpan.FromMilliseconds(1));
                throw new InvalidOperationException("boom in spawned work");
            });
            reactor.SpawnDetached(async () =>
            {
                await reactor.Delay(TimeSpan.FromMilliseconds(1));
                throw new OperationCanceledException(); // a cancellation is not an error
            });
            for (int i = 0; i < 200 && seen.Count == 0; i++)
                await reactor.Delay(TimeSpan.FromMilliseconds(5));
            Assert.Equal(reactor.Id, Assert.Single(seen).Reactor);
        });
        Assert.Equal("boom in spawned work", Assert.IsType<InvalidOperationException>(Assert.Single(seen).Error).Message);
    }

    [Fact]
    public void Without_a_handler_the_exception_is_written_to_stderr_with_the_reactor_id()
    {
        TextWriter original = Console.Error;
        var captured = new StringWriter();
        int id = 0;
        try
        {
            Console.SetError(captured);
            UringRuntime.Run(async () =>
            {
                UringReactor reactor = UringReactor.Current;
                id = reactor.Id;
                var failed = new TaskCompletionSource();
                reactor.SpawnDetached(() =>
                {
                    reactor.Post(_ => failed.SetResult(), null); // runs after the failure is reported
                    throw new InvalidOperationException("nobody awaited me");
                });
                await failed.Task;
            });
        }
        finally
        {
            Console.SetError(original);
        }
        string text = captured.ToString();
        Assert.Contains($"reactor {id}", text);
        Assert.Contains("nobody awaited me", text);
    }

    [Fact]
    public void A_spawned_failure_that_is_awaited_is_not_reported()
    {
        var seen = new List<Exception>();
        UringRuntime.Run(async () =>
        {
            UringReactor reactor = UringReactor.Current;
            reactor.UnhandledException += (_, e) => seen.Add(e);
            InvalidOperationException caught = await Assert.ThrowsAsync<InvalidOperationException>(() => reactor.Spawn(async () =>
            {
                await reactor.Delay(TimeSpan.FromMilliseconds(1));
                throw new InvalidOperationException("the caller handles this");
            }));
            Assert.Equal("the caller handles this", caught.Message);
        });
        Assert.Empty(seen); // the reactor has shut down: the check at shutdown found the failure observed
    }

    [Fact]
    public void A_spawned_failure_waited_for_from_another_thread_is_not_reported()
    {
        Watchdog.RunThread("awaited spawn", () =>
        {
            var seen = new List<Exception>();
            var executor = new UringExecutor(1);
            executor.Reactors[0].UnhandledException += (_, e) => { lock (seen) seen.Add(e); };
            Task failing = executor.Spawn(0, () => throw new InvalidOperationException("the main thread handles this"));
            Assert.Throws<InvalidOperationException>(() => failing.GetAwaiter().GetResult()); // as samples/DmaRead does
            executor.Dispose();
            lock (seen)
                Assert.Empty(seen);
        });
    }

    [Fact]
    public void A_dropped_spawned_task_that_failed_is_reported_when_collected()
    {
        Watchdog.RunThread("dropped spawn", () =>
        {
            var reported = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var executor = new UringExecutor(1);
            executor.Reactors[0].UnhandledException += (_, e) => reported.TrySetResult(e);
            SpawnFailingAndDrop(executor);
            // The task's wait handle is set before its continuations run, and the continuation that tracks the failure
            // holds the task while it runs: a single collection can come too early. Collect until the finalizer (which
            // raises UnobservedTaskException, which the reactor reports) has run for it.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(8);
            while (!reported.Task.IsCompleted && DateTime.UtcNow < deadline)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                reported.Task.Wait(TimeSpan.FromMilliseconds(20));
            }
            Assert.True(reported.Task.IsCompleted, "The failure of a dropped Spawn task was not reported within 8 s of collections.");
            Assert.Equal("nobody looks at me", reported.Task.Result.Message);
        }, TimeSpan.FromSeconds(20));
    }

    // Its own frame, so nothing keeps the task alive once it returns.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void SpawnFailingAndDrop(UringExecutor executor)
    {
        Task failing = executor.Spawn(0, () => throw new InvalidOperationException("nobody looks at me"));
        Assert.True(((IAsyncResult)failing).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(5)), "The spawned work did not fail within 5 s."); // completion, without observing the failure
    }
}
